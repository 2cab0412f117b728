//! The town's medical facilities: hospitals, clinics, dental clinics and
//! pharmacies in roughly the national proportions (about 3 % hospitals, 43 %
//! clinics, 28 % dental clinics, 26 % pharmacies), one facility per ~700
//! residents, each with a valid 10-digit 医療機関コード.
//!
//! Facilities draw from their own random stream, so their file does not change
//! when the population logic does.

use std::collections::BTreeMap;
use std::io::Write;

use onshi_domain::id::{FacilityCode, FeeTable};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::medical::{Facilities, Facility};
use crate::names::Names;
use crate::pick::weighted;
use crate::places::{MUNICIPALITIES, Region, Writing, short_town};
use crate::{Summary, SynthConfig, SynthError};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Hospital,
    Clinic,
    DentalClinic,
    Pharmacy,
}

impl Kind {
    fn code(self) -> &'static str {
        match self {
            Kind::Hospital => "hospital",
            Kind::Clinic => "clinic",
            Kind::DentalClinic => "dental_clinic",
            Kind::Pharmacy => "pharmacy",
        }
    }

    fn fee_table(self) -> FeeTable {
        match self {
            Kind::Hospital | Kind::Clinic => FeeTable::Medical,
            Kind::DentalClinic => FeeTable::Dental,
            Kind::Pharmacy => FeeTable::Pharmacy,
        }
    }
}

const KINDS: &[(Kind, f64)] =
    &[(Kind::Hospital, 0.034), (Kind::Clinic, 0.433), (Kind::DentalClinic, 0.276), (Kind::Pharmacy, 0.257)];

const FRIENDLY: &[&str] =
    &["みどり", "さくら", "ひかり", "あおば", "すずらん", "ひまわり", "つばさ", "わかば", "こもれび", "やまびこ"];
const SPECIALTIES: &[&str] =
    &["内科", "小児科", "整形外科", "皮膚科", "眼科", "耳鼻咽喉科", "消化器内科", "循環器内科", "心療内科", "泌尿器科"];
const HOSPITAL_SUFFIXES: &[&str] =
    &["中央病院", "総合病院", "記念病院", "第一病院", "病院", "リハビリテーション病院", "医療センター"];
const PHARMACY_CHAINS: &[&str] =
    &["ひかり薬局", "さくら薬局", "あおば調剤薬局", "日本調剤", "なの花薬局", "アイン薬局", "クオール薬局"];

fn pick<'a>(items: &[&'a str], rng: &mut impl Rng) -> &'a str {
    items[rng.random_range(0..items.len())]
}

/// Write `facilities.csv` and return the facilities, for the medical
/// histories to name.
pub(crate) fn write(
    config: &SynthConfig,
    out: &mut dyn Write,
    summary: &mut Summary,
) -> Result<Facilities, SynthError> {
    let mut list = Facilities::default();
    let mut rng = ChaCha8Rng::seed_from_u64(config.seed);
    rng.set_stream(2);
    let names = Names::new();
    let region = Region::new();
    let mut writer = csv::Writer::from_writer(out);
    writer.write_record(["facility_code", "name", "kind", "prefecture", "address"])?;
    let count = if config.people == 0 { 0 } else { (config.people + 350) / 700 }.max(usize::from(config.people > 0));
    // 番号 counters per (municipality, fee table), so codes never repeat.
    let mut serials: BTreeMap<(usize, u8), u16> = BTreeMap::new();
    let mut seen_names: BTreeMap<String, u32> = BTreeMap::new();
    for _ in 0..count {
        let kind = *weighted(&mut rng, KINDS);
        let municipality = region.municipality(&mut rng);
        let muni = &MUNICIPALITIES[municipality];
        let address = region.address(municipality, 0.35, &mut rng);
        let town = short_town(address.town_name());
        let mut name = match kind {
            Kind::Hospital => match rng.random_range(0..3) {
                0 => format!("{}{}", muni.short, pick(HOSPITAL_SUFFIXES, &mut rng)),
                1 => format!("{}{}", town, pick(HOSPITAL_SUFFIXES, &mut rng)),
                _ => format!("{}病院", names.plain_surname(&mut rng)),
            },
            Kind::Clinic => match rng.random_range(0..4) {
                0 => format!("{}{}クリニック", pick(FRIENDLY, &mut rng), pick(SPECIALTIES, &mut rng)),
                1 => format!("{}{}", names.plain_surname(&mut rng), pick(SPECIALTIES, &mut rng)),
                2 => format!("{}医院", names.plain_surname(&mut rng)),
                _ => format!("{}駅前{}クリニック", town, pick(SPECIALTIES, &mut rng)),
            },
            Kind::DentalClinic => match rng.random_range(0..3) {
                0 => format!("{}歯科医院", pick(FRIENDLY, &mut rng)),
                1 => format!("{}歯科医院", names.plain_surname(&mut rng)),
                _ => format!("{}デンタルクリニック", town),
            },
            Kind::Pharmacy => match rng.random_range(0..3) {
                0 | 1 => format!("{}\u{3000}{}店", pick(PHARMACY_CHAINS, &mut rng), town),
                _ => format!("{}薬局", names.plain_surname(&mut rng)),
            },
        };
        // Two facilities of one name in a town get told apart the way chains
        // do it: a second branch is "2号店" or "分院".
        let repeat = seen_names.entry(name.clone()).or_insert(0);
        *repeat += 1;
        if *repeat > 1 {
            name = match kind {
                Kind::Pharmacy => format!("{name}{}号店", repeat),
                _ => format!("{name} 第{}分院", repeat),
            };
        }
        let table = kind.fee_table();
        let serial = serials.entry((municipality, table.digit())).or_insert_with(|| rng.random_range(100..2000));
        *serial += rng.random_range(1..4);
        let district = muni.facility_district + (*serial / 10_000) as u8;
        let code = FacilityCode::from_parts(muni.prefecture, table, district, *serial % 10_000)
            .expect("prefecture and fee table come from fixed tables");
        writer.write_record([
            code.as_str(),
            &name,
            kind.code(),
            &format!("{:02}", muni.prefecture),
            &address.write(Writing::REGISTRY),
        ])?;
        let facility = Facility { code: code.clone(), name: name.clone() };
        match kind {
            Kind::Hospital => list.hospitals.push(facility),
            Kind::Clinic => list.clinics.push(facility),
            Kind::Pharmacy => list.pharmacies.push(facility),
            Kind::DentalClinic => {}
        }
        summary.facilities += 1;
        *summary.facilities_by_kind.entry(kind.code()).or_default() += 1;
    }
    writer.flush().map_err(|source| SynthError::Io { path: "facilities.csv".into(), source })?;
    Ok(list)
}
