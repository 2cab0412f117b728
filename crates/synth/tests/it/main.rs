//! Properties of a generated town, checked on the files as a reader sees them:
//! identifiers valid and unique, determinism, household and insurance
//! structure, copay by age, namesakes and the truth file.

use std::collections::{BTreeMap, BTreeSet};

use chrono::Datelike;
use onshi_domain::Date;
use onshi_domain::id::{FacilityCode, InsurerKind, InsurerNumber, MyNumber};
use onshi_synth::{NoiseKind, Progress, Sinks, Summary, SynthConfig, generate, generate_into};

mod inspection;
mod linkage;
mod medical;

type Row = BTreeMap<String, String>;

struct Town {
    summary: Summary,
    bytes: [Vec<u8>; 5],
    registry: Vec<Row>,
    members: Vec<Row>,
    truth: Vec<Row>,
    facilities: Vec<Row>,
    insurers: Vec<Row>,
}

fn rows(bytes: &[u8]) -> Vec<Row> {
    let mut reader = csv::Reader::from_reader(bytes);
    let headers = reader.headers().expect("a header row").clone();
    reader
        .records()
        .map(|record| {
            let record = record.expect("a well-formed CSV row");
            headers.iter().zip(record.iter()).map(|(h, v)| (h.to_owned(), v.to_owned())).collect()
        })
        .collect()
}

/// The one place that calls the generator.
fn town(config: &SynthConfig) -> Town {
    let mut bytes: [Vec<u8>; 5] = Default::default();
    let [registry, members, truth, facilities, insurers] = &mut bytes;
    let summary =
        generate_into(config, Sinks { registry, members, truth, facilities, insurers, medical: None }, &mut |_| {})
            .expect("generation succeeds");
    Town {
        summary,
        registry: rows(&bytes[0]),
        members: rows(&bytes[1]),
        truth: rows(&bytes[2]),
        facilities: rows(&bytes[3]),
        insurers: rows(&bytes[4]),
        bytes,
    }
}

fn config(people: usize, seed: u64) -> SynthConfig {
    SynthConfig { people, seed, ..SynthConfig::default() }
}

fn date(text: &str) -> Date {
    Date::parse_from_str(text, "%Y-%m-%d").unwrap_or_else(|err| panic!("{text:?} is not an ISO date: {err}"))
}

fn age_on(birth: Date, on: Date) -> i32 {
    on.year() - birth.year() - i32::from((on.month(), on.day()) < (birth.month(), birth.day()))
}

/// A member's birth date as written (ISO or YYYYMMDD), else the registry's.
fn member_birth(member: &Row, truth: &Row, registry: &BTreeMap<&str, &Row>) -> Option<Date> {
    let text = member["birth_date"].as_str();
    Date::parse_from_str(text, "%Y-%m-%d")
        .or_else(|_| Date::parse_from_str(text, "%Y%m%d"))
        .ok()
        .or_else(|| registry.get(truth["resident_code"].as_str()).map(|person| date(&person["birth_date"])))
}

fn key(row: &Row) -> (String, String, String, String) {
    (row["insurer_number"].clone(), row["symbol"].clone(), row["number"].clone(), row["branch"].clone())
}

fn surname(name: &str) -> &str {
    name.split('\u{3000}').next().unwrap_or(name)
}

#[test]
fn header_rows_are_exact() {
    let town = town(&config(50, 1));
    let first_line = |bytes: &[u8]| String::from_utf8_lossy(bytes).lines().next().unwrap_or_default().to_owned();
    assert_eq!(first_line(&town.bytes[0]), "resident_code,my_number,name_kanji,name_kana,birth_date,sex,address");
    assert_eq!(
        first_line(&town.bytes[1]),
        "insurer_number,symbol,number,branch,name_kanji,name_kana,birth_date,sex,address,my_number,relationship,copay_ratio,acquired_on,lost_on"
    );
    assert_eq!(first_line(&town.bytes[2]), "insurer_number,symbol,number,branch,resident_code,origin,noise");
    assert_eq!(first_line(&town.bytes[3]), "facility_code,name,kind,prefecture,address");
    assert_eq!(first_line(&town.bytes[4]), "insurer_number,kind,name,members");
}

#[test]
fn identifiers_are_valid_and_unique() {
    let town = town(&config(20_000, 7));
    assert_eq!(town.registry.len(), 20_000);
    assert_eq!(town.summary.residents, 20_000);
    let mut codes = BTreeSet::new();
    let mut numbers = BTreeSet::new();
    for row in &town.registry {
        let code = &row["resident_code"];
        assert!(code.len() == 11 && code.bytes().all(|b| b.is_ascii_digit()), "{code}");
        assert!(codes.insert(code.clone()), "duplicate resident_code {code}");
        let number: MyNumber = row["my_number"].parse().expect("registry My Numbers are valid");
        assert!(numbers.insert(number), "duplicate my_number");
        assert!(matches!(row["sex"].as_str(), "1" | "2"));
    }
    let mut keys = BTreeSet::new();
    for row in &town.members {
        let insurer: InsurerNumber = row["insurer_number"].parse().expect("insurer numbers are valid");
        assert_ne!(insurer.kind(), InsurerKind::Other);
        if !row["my_number"].is_empty() {
            row["my_number"].parse::<MyNumber>().expect("member My Numbers are valid");
        }
        assert!(keys.insert(key(row)), "duplicate member key {:?}", key(row));
    }
    for row in &town.insurers {
        row["insurer_number"].parse::<InsurerNumber>().expect("catalogue numbers are valid");
    }
    let mut facility_codes = BTreeSet::new();
    for row in &town.facilities {
        let code: FacilityCode = row["facility_code"].parse().expect("facility codes are valid");
        assert_eq!(format!("{:02}", code.prefecture()), row["prefecture"]);
        assert!(facility_codes.insert(code), "duplicate facility code");
    }
}

#[test]
fn same_seed_same_bytes() {
    let first = town(&config(3_000, 42));
    let second = town(&config(3_000, 42));
    assert!(first.bytes == second.bytes, "same seed and size must give identical files");
    assert_eq!(first.summary, second.summary);
    let other = town(&config(3_000, 43));
    assert!(first.bytes[0] != other.bytes[0], "another seed gives another town");
}

#[test]
fn generate_writes_the_same_files_to_a_directory() {
    let dir = std::env::temp_dir().join(format!("onshi-synth-it-{}", std::process::id()));
    let config = config(1_500, 5);
    let mut reports: Vec<Progress> = Vec::new();
    let summary = generate(&config, &dir, &mut |p| reports.push(p)).expect("generation succeeds");
    let in_memory = town(&config);
    assert_eq!(summary, in_memory.summary);
    for (name, bytes) in onshi_synth::FILE_NAMES.iter().zip(&in_memory.bytes) {
        let on_disk = std::fs::read(dir.join(name)).expect("file written");
        assert!(&on_disk == bytes, "{name} differs from the in-memory run");
    }
    let last = reports.last().expect("progress reported");
    assert_eq!((last.people_done, last.people_total), (1_500, 1_500));
    assert!(reports.windows(2).all(|w| w[0].people_done <= w[1].people_done));
    std::fs::remove_dir_all(&dir).expect("clean up");
}

#[test]
fn ages_look_like_japan() {
    let town = town(&config(30_000, 11));
    let as_of = SynthConfig::default().as_of;
    let ages: Vec<i32> = town.registry.iter().map(|r| age_on(date(&r["birth_date"]), as_of)).collect();
    let share =
        |low: i32, high: i32| ages.iter().filter(|a| (low..high).contains(*a)).count() as f64 / ages.len() as f64;
    let (children, elderly, old_old) = (share(0, 15), share(65, 200), share(75, 200));
    assert!((0.09..0.18).contains(&children), "under 15: {children}");
    assert!((0.24..0.34).contains(&elderly), "65 and over: {elderly}");
    assert!((0.12..0.20).contains(&old_old), "75 and over: {old_old}");
    assert!(ages.iter().all(|a| (0..=105).contains(a)));
}

#[test]
fn households_share_address_and_surname() {
    let town = town(&config(10_000, 3));
    let mut by_address: BTreeMap<&str, Vec<&Row>> = BTreeMap::new();
    for row in &town.registry {
        by_address.entry(row["address"].as_str()).or_default().push(row);
    }
    let shared: Vec<_> = by_address.values().filter(|people| people.len() >= 2).collect();
    assert!(shared.len() > 1_500, "{} multi-person households", shared.len());
    let one_surname = shared
        .iter()
        .filter(|people| people.iter().all(|p| surname(&p["name_kanji"]) == surname(&people[0]["name_kanji"])))
        .count();
    let ratio = one_surname as f64 / shared.len() as f64;
    // Only three-generation households with the wife's parents differ.
    assert!(ratio > 0.93, "{ratio}");
    let mean = town.registry.len() as f64 / by_address.len() as f64;
    assert!((1.9..2.7).contains(&mean), "mean household size {mean}");
}

#[test]
fn namesake_share_is_as_configured() {
    for rate in [0.0, 0.01, 0.05] {
        let town = town(&SynthConfig { namesake_rate: rate, ..config(20_000, 9) });
        let mut groups: BTreeMap<(&str, &str, &str), Vec<&Row>> = BTreeMap::new();
        for row in &town.registry {
            groups.entry((&row["name_kana"], &row["birth_date"], &row["sex"])).or_default().push(row);
        }
        let mut namesakes = 0;
        let mut other_kanji = 0;
        for people in groups.values().filter(|people| people.len() >= 2) {
            let addresses: BTreeSet<_> = people.iter().map(|p| &p["address"]).collect();
            assert_eq!(addresses.len(), people.len(), "namesakes live apart");
            namesakes += people.len();
            let spellings: BTreeSet<_> = people.iter().map(|p| &p["name_kanji"]).collect();
            other_kanji += usize::from(spellings.len() > 1);
        }
        let share = namesakes as f64 / town.registry.len() as f64;
        assert!((share - rate).abs() < 0.004 + rate * 0.2, "rate {rate}: share {share}");
        if rate > 0.0 {
            let groups = groups.values().filter(|p| p.len() >= 2).count();
            assert!(other_kanji as f64 > 0.6 * groups as f64, "{other_kanji} of {groups} spelled differently");
        }
    }
}

#[test]
fn insured_and_dependents_share_the_card_number() {
    let town = town(&config(20_000, 13));
    let noisy: BTreeSet<_> = town.truth.iter().filter(|t| !t["noise"].is_empty()).map(key).collect();
    let mut cards: BTreeMap<(String, String, String), Vec<&Row>> = BTreeMap::new();
    for row in &town.members {
        cards
            .entry((row["insurer_number"].clone(), row["symbol"].clone(), row["number"].clone()))
            .or_default()
            .push(row);
    }
    let mut with_dependents = 0;
    let (mut dependents, mut other_surname) = (0, 0);
    for (card, rows) in &cards {
        let kind = card.0.parse::<InsurerNumber>().expect("valid").kind();
        let branches: BTreeSet<_> = rows.iter().map(|r| r["branch"].as_str()).collect();
        assert_eq!(branches.len(), rows.len(), "distinct 枝番 on {card:?}");
        assert!(rows.iter().all(|r| r["branch"].len() == 2));
        match kind {
            InsurerKind::KyokaiKenpo | InsurerKind::KenpoKumiai | InsurerKind::Kyosai => {
                let insured: Vec<_> = rows.iter().filter(|r| r["relationship"] == "1").collect();
                assert_eq!(insured.len(), 1, "one 本人 on {card:?}");
                assert_eq!(insured[0]["branch"], "00");
                for dependent in rows.iter().filter(|r| r["relationship"] == "2") {
                    assert_ne!(dependent["branch"], "00");
                    if !noisy.contains(&key(dependent)) && !noisy.contains(&key(insured[0])) {
                        // In-laws (the wife's parents) are the only dependents
                        // with another surname.
                        dependents += 1;
                        other_surname +=
                            usize::from(surname(&dependent["name_kana"]) != surname(&insured[0]["name_kana"]));
                    }
                }
                with_dependents += usize::from(rows.len() > 1);
            }
            InsurerKind::Kokuho => {
                assert!(rows.iter().all(|r| r["relationship"] == "1" && r["branch"] != "00"), "{card:?}");
            }
            InsurerKind::KokiKorei => {
                assert_eq!(rows.len(), 1);
                assert!(card.1.is_empty() && card.2.len() == 8, "{card:?}");
                assert_eq!(rows[0]["relationship"], "1");
            }
            InsurerKind::Other => panic!("no other kinds are generated"),
        }
    }
    assert!(with_dependents > 1_000, "{with_dependents} insured with dependents");
    assert!((other_surname as f64) < 0.03 * dependents as f64, "{other_surname} of {dependents}");
    for kind in ["kyokai_kenpo", "kenpo_kumiai", "kyosai", "kokuho", "koki_korei"] {
        assert!(town.summary.members_by_insurer_kind.get(kind).copied().unwrap_or(0) > 100, "{kind}");
    }
}

#[test]
fn copay_follows_age_and_coverage_follows_dates() {
    let town = town(&config(20_000, 17));
    let as_of = SynthConfig::default().as_of;
    let registry: BTreeMap<&str, &Row> = town.registry.iter().map(|r| (r["resident_code"].as_str(), r)).collect();
    let mut ratios_70_74 = BTreeSet::new();
    for (row, truth) in town.members.iter().zip(&town.truth) {
        let Some(birth) = member_birth(row, truth, &registry) else { continue };
        let acquired = date(&row["acquired_on"]);
        assert!(acquired >= birth, "acquired before birth: {row:?}");
        if !row["lost_on"].is_empty() {
            assert!(date(&row["lost_on"]) >= acquired, "lost before acquired: {row:?}");
            continue;
        }
        assert!(acquired <= as_of);
        let age = age_on(birth, as_of);
        let kind = row["insurer_number"].parse::<InsurerNumber>().expect("valid").kind();
        let copay = row["copay_ratio"].as_str();
        if age >= 75 {
            assert_eq!(kind, InsurerKind::KokiKorei, "{row:?}");
            assert!(matches!(copay, "1" | "2" | "3"));
        } else {
            assert_ne!(kind, InsurerKind::KokiKorei, "{row:?}");
            if age < 6 {
                assert_eq!(copay, "2", "未就学 {row:?}");
            } else if (7..70).contains(&age) {
                assert_eq!(copay, "3", "{row:?}");
            } else if age >= 70 {
                assert!(matches!(copay, "2" | "3"), "{row:?}");
                ratios_70_74.insert(copay.to_owned());
            }
        }
    }
    assert_eq!(ratios_70_74.len(), 2, "both 2割 and 現役並み 3割 occur at 70–74");
}

#[test]
fn clean_rows_match_the_registry_and_noise_is_recorded() {
    let town = town(&config(20_000, 19));
    let registry: BTreeMap<&str, &Row> = town.registry.iter().map(|r| (r["resident_code"].as_str(), r)).collect();
    let by_my_number: BTreeMap<&str, &Row> = town.registry.iter().map(|r| (r["my_number"].as_str(), r)).collect();
    assert_eq!(town.truth.len(), town.members.len());
    let mut clean = 0;
    for (member, truth) in town.members.iter().zip(&town.truth) {
        assert_eq!(key(member), key(truth));
        let noise: BTreeSet<&str> = truth["noise"].split(';').filter(|s| !s.is_empty()).collect();
        if truth["origin"] == "deceased" {
            assert!(truth["resident_code"].is_empty());
            assert!(!by_my_number.contains_key(member["my_number"].as_str()));
            continue;
        }
        let person = registry[truth["resident_code"].as_str()];
        if noise.is_empty() && truth["origin"] != "moved" {
            clean += 1;
            for field in ["name_kanji", "name_kana", "birth_date", "sex", "address", "my_number"] {
                assert_eq!(member[field], person[field], "{field} of {truth:?}");
            }
        }
        if noise.contains("wrong_my_number") {
            let other = by_my_number[member["my_number"].as_str()];
            assert_ne!(other["resident_code"], person["resident_code"]);
            assert_eq!(
                (&other["name_kana"], &other["birth_date"], &other["sex"]),
                (&person["name_kana"], &person["birth_date"], &person["sex"]),
                "a wrong link points at a namesake"
            );
        } else if !noise.contains("missing_my_number") {
            assert_eq!(member["my_number"], person["my_number"]);
        }
        if noise.contains("half_width_kana") {
            assert!(member["name_kana"].chars().any(|c| ('\u{FF66}'..='\u{FF9F}').contains(&c)));
        }
        if noise.contains("wareki_birth_date") || noise.contains("compact_birth_date") {
            let parsed = onshi_domain::date::parse_date(&member["birth_date"]).expect("the domain reads clerk dates");
            assert_eq!(parsed, date(&person["birth_date"]), "{:?}", member["birth_date"]);
        }
        if noise.contains("common_form_kanji") {
            assert_ne!(member["name_kanji"], person["name_kanji"]);
        }
        if truth["origin"] == "moved" {
            assert!(!member["lost_on"].is_empty());
        }
    }
    assert!(clean as f64 > 0.7 * town.members.len() as f64, "{clean} clean rows");
    let noise = &town.summary.noise;
    for kind in [NoiseKind::HalfWidthKana, NoiseKind::CommonFormKanji, NoiseKind::StaleAddress, NoiseKind::KanaTypo] {
        assert!(noise.get(&kind).copied().unwrap_or(0) > 0, "{kind:?} never applied");
    }
    let wrong = noise.get(&NoiseKind::WrongMyNumber).copied().unwrap_or(0);
    assert!((1..=30).contains(&wrong), "{wrong} wrong links");
    let old_forms = town
        .registry
        .iter()
        .filter(|r| ["髙", "邉", "邊", "齋", "﨑", "澤", "濱", "廣", "櫻"].iter().any(|c| r["name_kanji"].contains(c)))
        .count();
    assert!(old_forms > 50, "{old_forms} old-form names in the registry");
}

#[test]
fn invalid_rows_are_marked_and_only_they_fail() {
    let town = town(&SynthConfig { invalid_rate: 0.05, ..config(5_000, 23) });
    let mut invalid = 0;
    for (member, truth) in town.members.iter().zip(&town.truth) {
        let marked = truth["noise"].split(';').any(|kind| {
            matches!(
                kind,
                "invalid_insurer_check_digit"
                    | "invalid_my_number_check_digit"
                    | "invalid_date"
                    | "empty_name"
                    | "lost_before_acquired"
            )
        });
        let insurer_ok = member["insurer_number"].parse::<InsurerNumber>().is_ok();
        let my_number_ok = member["my_number"].is_empty() || member["my_number"].parse::<MyNumber>().is_ok();
        let birth_ok =
            Date::parse_from_str(&member["birth_date"], "%Y-%m-%d").is_ok() || !member["birth_date"].contains('-');
        let name_ok = !member["name_kanji"].is_empty();
        let dates_ok = member["lost_on"].is_empty() || date(&member["lost_on"]) >= date(&member["acquired_on"]);
        let ok = insurer_ok && my_number_ok && birth_ok && name_ok && dates_ok;
        assert_eq!(ok, !marked, "{member:?} {truth:?}");
        invalid += usize::from(marked);
    }
    assert_eq!(invalid, town.summary.invalid_rows);
    let share = invalid as f64 / town.members.len() as f64;
    assert!((0.03..0.07).contains(&share), "{share}");
}

#[test]
fn facilities_in_realistic_proportions() {
    let town = town(&config(70_000, 29));
    assert_eq!(town.facilities.len(), 100);
    let count = |kind: &str| town.facilities.iter().filter(|f| f["kind"] == kind).count();
    assert!(count("clinic") > count("dental_clinic") && count("dental_clinic") > count("hospital"));
    assert!(count("pharmacy") > 10 && count("hospital") >= 1);
    let names: BTreeSet<_> = town.facilities.iter().map(|f| f["name"].as_str()).collect();
    assert_eq!(names.len(), town.facilities.len(), "facility names are distinct");
}

#[test]
fn bad_config_is_refused() {
    let result = generate_into(
        &SynthConfig { namesake_rate: 1.5, ..config(10, 1) },
        Sinks {
            registry: &mut Vec::new(),
            members: &mut Vec::new(),
            truth: &mut Vec::new(),
            facilities: &mut Vec::new(),
            insurers: &mut Vec::new(),
            medical: None,
        },
        &mut |_| {},
    );
    assert!(matches!(result, Err(onshi_synth::SynthError::Config(_))));
}

#[test]
fn empty_town() {
    let town = town(&config(0, 1));
    assert!(town.registry.is_empty() && town.members.is_empty() && town.facilities.is_empty());
}
