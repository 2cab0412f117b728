//! `onshi demo`: from nothing to a running platform with a synthetic town.
//!
//! Creates (or reuses) the SQLite database in the data directory, generates a
//! town of `--people` residents with their medical histories (kept in
//! `{data_dir}/demo-town-…` so a second run reuses it), imports registry,
//! insurers, members, facilities and medical information, then prepares
//! what a newcomer needs to try a check and a read of medical information:
//! a demo clinic with an API client (`{data_dir}/demo/facility-client.env`),
//! a doctor (`D0001`) and the designation for emergency viewing; a demo fire
//! department with its client (`{data_dir}/demo/crew-client.env`); and My
//! Number cards for three insured residents with drug histories
//! (`{data_dir}/demo/cards/`, registered as insurance cards). Then it serves.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use onshi_app::import::Kind;
use onshi_synth::SynthConfig;

use crate::settings::{self, ServeArgs};
use crate::{card_cmd, import_cmd};

#[derive(Debug, Args)]
pub(crate) struct DemoArgs {
    /// Residents in the synthetic town.
    #[arg(long, default_value_t = 10_000)]
    people: usize,
    /// Seed of the town.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Import and exit instead of serving (useful in scripts).
    #[arg(long)]
    no_serve: bool,
    #[command(flatten)]
    serve: ServeArgs,
}

pub(crate) async fn run(config_file: Option<PathBuf>, args: DemoArgs) -> anyhow::Result<ExitCode> {
    let loaded = settings::load(config_file, &settings::serve_overrides(&args.serve)?)?;
    let data_dir = loaded.config.data_dir.clone();
    std::fs::create_dir_all(&data_dir)
        .map_err(|e| anyhow::anyhow!("cannot create the data directory {}: {e}", data_dir.display()))?;
    eprintln!("onshi demo: data directory {}", data_dir.display());
    eprintln!("database: {}", onshi_server::config::redact_url(&loaded.config.database_url()));
    let store = settings::open_store(&loaded).await?;

    let today = onshi_server::Clock::System.today();
    let counts = store.counts(today).await?;
    if counts.residents >= args.people as u64 {
        eprintln!("[1/{STEPS}] reusing the town already in the database ({} residents)", counts.residents);
        if store.medical_record_counts().await?.1 == 0 {
            eprintln!(
                "      this database has no medical information (an older demo made it); \
                 remove the data directory to start the demo afresh with medical histories"
            );
        }
    } else {
        let town = data_dir.join(format!("demo-town-{}-seed{}-{}", args.people, args.seed, today));
        let config =
            SynthConfig { people: args.people, seed: args.seed, as_of: today, medical: true, ..SynthConfig::default() };
        if town.join("facilities.csv").exists() && town.join(onshi_synth::MEDICAL_FILE_NAME).exists() {
            eprintln!("[1/{STEPS}] reusing the generated town in {}", town.display());
        } else {
            eprintln!(
                "[1/{STEPS}] generating a town of {} people with medical histories in {}",
                args.people,
                town.display()
            );
            crate::synth_cmd::generate(&config, &town, false)?;
        }
        for (step, kind, file) in [
            (2, Kind::Registry, "registry.csv"),
            (3, Kind::Insurers, "insurers.csv"),
            (4, Kind::Members, "members.csv"),
            (5, Kind::Facilities, "facilities.csv"),
            (6, Kind::Medical, onshi_synth::MEDICAL_FILE_NAME),
        ] {
            eprintln!("[{step}/{STEPS}] importing {file}");
            let path = town.join(file);
            let stem = file.rsplit_once('.').map_or(file, |(stem, _)| stem);
            let rejects = town.join(format!("{stem}.rejects.csv"));
            let (report, elapsed) =
                import_cmd::import_file(store.clone(), kind, &path, rejects.clone(), 50_000, false).await?;
            import_cmd::print_report(&path, &report, elapsed, &rejects);
            if matches!(kind, Kind::Medical) && report.rows == 0 {
                eprintln!(
                    "      the town has no clinic or hospital, so nobody in it has a medical history; \
                     a larger town (--people 2000) or another --seed has some"
                );
            }
        }
    }
    eprintln!(
        "[{STEPS}/{STEPS}] a demo clinic with its API client and a doctor, a fire department, three My Number cards"
    );
    let kit = demo_kit(&loaded, store.clone()).await?;
    let counts = store.counts(today).await?;
    eprintln!(
        "ready: {} residents, {} insurers, {} members ({} linked, {} eligible today), {} facilities",
        counts.residents,
        counts.insurers,
        counts.members,
        counts.members_linked,
        counts.members_eligible_today,
        counts.facilities
    );
    if args.no_serve {
        return Ok(ExitCode::SUCCESS);
    }
    onshi_server::init_tracing(loaded.config.log.format, &loaded.config.log.filter)?;
    settings::run_server(&loaded, store, |addr| {
        eprintln!();
        eprintln!("  open http://{addr}/           the landing page (日本語)");
        eprintln!("       http://{addr}/openapi.json  the API description");
        eprintln!("       http://{addr}/metrics       Prometheus metrics");
        eprintln!(
            "       http://{addr}/portal/       the citizen portal (マイナポータル; approve its code in the app)"
        );
        eprintln!();
        kit.print_try_it(&addr.to_string());
        eprintln!("  Ctrl-C stops the server; `onshi demo` again reuses the data.");
    })
    .await?;
    Ok(ExitCode::SUCCESS)
}

/// The demo clinic (not part of the synthetic town, so that reusing a
/// database never depends on which town was generated).
fn demo_facility() -> onshi_domain::facility::Facility {
    use onshi_domain::id::{FacilityCode, FeeTable};
    onshi_domain::facility::Facility {
        code: FacilityCode::from_parts(13, FeeTable::Medical, 99, 9001).expect("a valid demo facility code"),
        name: "オンシ デモ診療所".to_owned(),
        kind: onshi_domain::facility::FacilityKind::Clinic,
        address: "東京都八王子市元本郷町三丁目24番1号".to_owned(),
    }
}

/// The demo's steps, for the `[n/7]` progress lines.
const STEPS: u32 = 7;
const DEMO_CLIENT_ID: &str = "fc-demo";
/// The demo clinic's doctor, who may view drug, clinical and checkup information.
const DEMO_DOCTOR: &str = "D0001";
/// The demo fire department (マイナ救急) and its system's client.
const DEMO_CREW: (&str, &str) = ("990001", "オンシ デモ消防本部");
const DEMO_CREW_CLIENT_ID: &str = "cc-demo";
const DEMO_PINS: (&str, &str, &str) = ("1234", "abc123", "5678");

/// What the demo prepared for trying checks.
pub(crate) struct DemoKit {
    facility_code: String,
    client_file: PathBuf,
    /// The demo fire department's client (`CREW_CLIENT_ID`, `CREW_CLIENT_SECRET`).
    crew_file: PathBuf,
    cards: Vec<(PathBuf, String)>,
    /// A member of the first card's holder: insurer, symbol, number, branch, birth date.
    member: Option<(String, String, String, u8, String)>,
}

impl DemoKit {
    fn print_try_it(&self, addr: &str) {
        let (pin, _, _) = DEMO_PINS;
        eprintln!("  try a check (another terminal; the clinic's credentials are in {}):", self.client_file.display());
        eprintln!("    set -a; . {}; set +a", self.client_file.display());
        if let Some((insurer, symbol, number, branch, birth)) = &self.member {
            eprintln!(
                "    onshi facility check-number --platform http://{addr} --insurer {insurer} --symbol {symbol} \
                 --number {number} --branch {branch} --birth-date {birth}"
            );
        }
        if let Some((card, holder)) = self.cards.first() {
            eprintln!("    onshi card serve {} &          # {holder}'s card in the reader (PIN {pin})", card.display());
            eprintln!(
                "    onshi reader check --platform http://{addr} --facility {} --dir exchange --pin {pin} \
                 --consent clinical-drug --consent checkup",
                self.facility_code
            );
            if let Some((insurer, symbol, number, branch, _)) = &self.member {
                eprintln!(
                    "    # {holder}'s 薬剤情報 as the clinic's doctor {DEMO_DOCTOR} sees it, under the consent just given:"
                );
                eprintln!(
                    "    TOKEN=$(curl -s -u \"$ONSHI_CLIENT_ID:$ONSHI_CLIENT_SECRET\" -d grant_type=client_credentials \
                     http://{addr}/oauth/token | sed 's/.*\"access_token\":\"\\([^\"]*\\)\".*/\\1/')"
                );
                eprintln!(
                    "    curl -s -H \"Authorization: Bearer $TOKEN\" -H 'Content-Type: application/json' \
                     http://{addr}/facility/medical/drugs -d '{{\"insurer_number\":\"{insurer}\",\"symbol\":\"{symbol}\",\
                     \"number\":\"{number}\",\"branch\":\"{branch:02}\",\"staff_id\":\"{DEMO_DOCTOR}\"}}'"
                );
                eprintln!("    onshi audit verify          # every access log chained and signed, this read included");
            }
            eprintln!(
                "    onshi kiosk --platform http://{addr} --camera {} &   # the reader, {holder} before its camera",
                card.display()
            );
            eprintln!(
                "      open http://127.0.0.1:7800/ (the patient: はじめる, 顔認証 or 暗証番号 {pin}, consent) \
                 and http://127.0.0.1:7801/ (reception: 職員ID {DEMO_DOCTOR}, then 薬剤情報)"
            );
            eprintln!("    onshi connector --platform http://{addr} --dir exchange &   # answers exchange/req/*.xml");
            eprintln!("    onshi report usage --month $(date +%Y-%m)");
        }
        eprintln!(
            "  demo clinic: 医療機関コード {}, doctor {DEMO_DOCTOR}, designated for emergency viewing \
             (POST /facility/medical/emergency)",
            self.facility_code
        );
        let (crew_code, crew_name) = DEMO_CREW;
        eprintln!(
            "  demo fire department: {crew_code} {crew_name}, its client in {} (POST /crew/emergency-set)",
            self.crew_file.display()
        );
        eprintln!();
    }
}

/// Create (or reuse) the demo clinic, its API client and three cards.
async fn demo_kit(
    loaded: &onshi_server::config::Loaded,
    store: std::sync::Arc<dyn onshi_store::Store>,
) -> anyhow::Result<DemoKit> {
    use anyhow::Context;
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;

    let dir = loaded.config.data_dir.join("demo");
    let cards_dir = dir.join("cards");
    std::fs::create_dir_all(&cards_dir).with_context(|| format!("cannot create {}", cards_dir.display()))?;
    let facility = demo_facility();
    store.upsert_facilities(vec![facility.clone()]).await?;
    let now = onshi_server::Clock::System.now();

    let client_file = dir.join("facility-client.env");
    let client_known = store.facility_client(DEMO_CLIENT_ID).await?.is_some();
    if must_create(DEMO_CLIENT_ID, client_known, &client_file)? {
        let secret = URL_SAFE_NO_PAD.encode(rand::random::<[u8; 32]>());
        store
            .insert_facility_client(onshi_store::eligibility::FacilityClient {
                client_id: DEMO_CLIENT_ID.to_owned(),
                facility_code: facility.code.as_str().to_owned(),
                secret_sha256: onshi_server::secret_hash(&secret),
                name: "デモ レセプトコンピュータ".to_owned(),
                created_at: now,
                revoked_at: None,
            })
            .await?;
        let text = format!("ONSHI_CLIENT_ID={DEMO_CLIENT_ID}\nONSHI_CLIENT_SECRET={secret}\n");
        onshi_app::jpki::write_private(&client_file, text.as_bytes())
            .with_context(|| format!("cannot write {}", client_file.display()))?;
    }

    // The clinic's doctor, and its designation for emergency viewing.
    let created_at = store.staff(facility.code.as_str(), DEMO_DOCTOR).await?.map_or(now, |s| s.created_at);
    store
        .upsert_staff(onshi_store::medical::Staff {
            facility_code: facility.code.as_str().to_owned(),
            staff_id: DEMO_DOCTOR.to_owned(),
            name: "オンシ　太郎".to_owned(),
            qualification: "doctor".to_owned(),
            created_at,
            revoked_at: None,
        })
        .await?;
    if !store.is_emergency_facility(facility.code.as_str()).await? {
        store.set_emergency_facility(facility.code.as_str(), true, now, "demo").await?;
    }

    // A fire department whose crews read cards at the scene (マイナ救急).
    let (crew_code, crew_name) = DEMO_CREW;
    let created_at = store.crew(crew_code).await?.map_or(now, |c| c.created_at);
    store
        .upsert_crew(onshi_store::medical::Crew {
            crew_code: crew_code.to_owned(),
            name: crew_name.to_owned(),
            created_at,
        })
        .await?;
    let crew_file = dir.join("crew-client.env");
    let crew_known = store.crew_client(DEMO_CREW_CLIENT_ID).await?.is_some();
    if must_create(DEMO_CREW_CLIENT_ID, crew_known, &crew_file)? {
        let secret = URL_SAFE_NO_PAD.encode(rand::random::<[u8; 32]>());
        store
            .insert_crew_client(onshi_store::medical::CrewClient {
                client_id: DEMO_CREW_CLIENT_ID.to_owned(),
                crew_code: crew_code.to_owned(),
                secret_sha256: onshi_server::secret_hash(&secret),
                name: "デモ 救急隊タブレット".to_owned(),
                created_at: now,
                revoked_at: None,
            })
            .await?;
        let text = format!("CREW_CLIENT_ID={DEMO_CREW_CLIENT_ID}\nCREW_CLIENT_SECRET={secret}\n");
        onshi_app::jpki::write_private(&crew_file, text.as_bytes())
            .with_context(|| format!("cannot write {}", crew_file.display()))?;
    }

    let today = onshi_domain::date::in_japan(now);
    let mut cards: Vec<(PathBuf, String)> = Vec::new();
    let mut member = None;
    let existing: Vec<PathBuf> = (1..=3).map(|i| cards_dir.join(format!("card-{i}.json"))).collect();
    if existing.iter().all(|p| p.exists()) {
        for path in existing {
            let file = onshi_card::CardFile::load(&path).with_context(|| format!("cannot read {}", path.display()))?;
            let mut holder = file.serial.clone();
            if let Some(card) = store.card(&file.serial).await?
                && let Some(resident) = store.resident_by_person(card.person_id).await?
            {
                holder = resident.resident.attributes.name_kanji;
            }
            cards.push((path, holder));
        }
    } else {
        let jpki = card_cmd::jpki_service(loaded, store.clone()).await?;
        let documents = onshi_app::documents::Documents::new(store.clone());
        let (pin, password, support) = DEMO_PINS;
        // With medical information imported, the cards go to residents with
        // a drug history, so that the demo's reads show something.
        let with_histories = store.medical_record_counts().await?.1 > 0;
        let drug_window = onshi_app::medical::Category::Drug.window_start(today);
        let mut after = None;
        'pages: loop {
            let page = store.members_page(None, after, 500).await?;
            let Some(last) = page.last() else { break };
            after = Some(last.member_id);
            for m in page {
                let Some(person) = m.person_id else { continue };
                if !m.link_state.is_some_and(onshi_store::LinkState::usable)
                    || !m.member.is_eligible_on(today)
                    || m.member.relationship != onshi_domain::person::Relationship::Insured
                    || !store.cards_of_person(person).await?.is_empty()
                {
                    continue;
                }
                if with_histories
                    && store.medical_records_of_person(person, vec!["drug".to_owned()], drug_window).await?.is_empty()
                {
                    continue;
                }
                let Some(resident) = store.resident_by_person(person).await? else { continue };
                let code = resident.resident.resident_code.to_string();
                let issued = jpki
                    .issue_card(
                        &code,
                        Some(onshi_card::Pins {
                            auth_pin: pin.to_owned(),
                            sign_password: password.to_owned(),
                            support_pin: support.to_owned(),
                        }),
                        now,
                    )
                    .await?;
                let path = cards_dir.join(format!("card-{}.json", cards.len() + 1));
                let _ = std::fs::remove_file(&path);
                issued.file.save(&path).with_context(|| format!("cannot write {}", path.display()))?;
                documents.register_person(person, "desk", now).await?;
                cards.push((path, issued.name.clone()));
                if cards.len() == 3 {
                    break 'pages;
                }
            }
        }
    }
    // The first card holder's coverage, for the insured-number check.
    if let Some((path, _)) = cards.first() {
        let file = onshi_card::CardFile::load(path).with_context(|| format!("cannot read {}", path.display()))?;
        if let Some(card) = store.card(&file.serial).await? {
            let members = store.members_of_person(card.person_id).await?;
            if let Some(m) = members.iter().find(|m| m.member.is_eligible_on(today)) {
                let k = &m.member.key;
                member = Some((
                    k.insurer_number.as_str().to_owned(),
                    k.symbol.to_string(),
                    k.number.to_string(),
                    k.branch.value(),
                    m.member.attributes.birth_date.to_string(),
                ));
            }
        }
    }
    eprintln!(
        "      clinic {} ({}), client {DEMO_CLIENT_ID}, doctor {DEMO_DOCTOR}; fire department {crew_code}, \
         client {DEMO_CREW_CLIENT_ID}; {} cards in {}",
        facility.code,
        facility.name,
        cards.len(),
        cards_dir.display()
    );
    Ok(DemoKit { facility_code: facility.code.as_str().to_owned(), client_file, crew_file, cards, member })
}

/// Whether a demo client must be created: not when it is registered and
/// its file kept; an error when it is registered but the file (its only
/// copy of the secret) is gone.
fn must_create(client_id: &str, known: bool, file: &std::path::Path) -> anyhow::Result<bool> {
    match (known, file.exists()) {
        (true, true) => Ok(false),
        (true, false) => anyhow::bail!(
            "the demo client {client_id} exists in the database but {} is gone; \
             remove the data directory to start the demo afresh",
            file.display()
        ),
        (false, _) => {
            let _ = std::fs::remove_file(file);
            Ok(true)
        }
    }
}
