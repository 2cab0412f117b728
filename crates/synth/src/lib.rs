//! A deterministic synthetic population for onshi: a town of residents (the
//! resident registry), the insurers that cover them and their member records
//! with the noise real clerks leave, the medical facilities of the town, and
//! the ground truth that links them.
//!
//! Everything is a pure function of `SynthConfig`: the same seed and size give
//! byte-identical files. People are generated household by household and
//! written as they are made; only a small key per resident is kept (for
//! namesakes), so a million-person run stays within a few tens of megabytes.
//!
//! Files written by `generate` (UTF-8, comma-separated, with a header row):
//!
//! - `registry.csv`: `resident_code,my_number,name_kanji,name_kana,birth_date,sex,address`.
//!   Names separate surname and given name with an ideographic space (U+3000),
//!   as JIS-era registries and J-LIS do; addresses separate the building
//!   (方書) the same way.
//! - `members.csv`: `insurer_number,symbol,number,branch,name_kanji,name_kana,birth_date,sex,address,my_number,relationship,copay_ratio,acquired_on,lost_on`.
//! - `truth.csv`: `insurer_number,symbol,number,branch,resident_code,origin,noise`:
//!   the resident behind each member row (empty for the deceased, who have left
//!   the registry), how the row came to be (`current`, `job_change`, `moved`,
//!   `turned_75`, `deceased`) and the noise kinds applied, `;`-separated.
//! - `facilities.csv`: `facility_code,name,kind,prefecture,address`.
//! - `insurers.csv`: `insurer_number,kind,name,members`.
//! - `medical.jsonl`, when `SynthConfig::medical` is set: the members'
//!   medical histories in the import format of `onshi_domain::medical` (see
//!   `medical`); one JSON object per line.
//!
//! This crate does not parse or import these files; the importers do.

mod facilities;
pub mod inspection;
mod insurers;
mod kana;
mod medical;
mod names;
mod pick;
mod places;
mod town;

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use onshi_domain::Date;

pub use town::NoiseKind;

/// What to generate. `Default` gives a realistic town of 10,000 people as of
/// 2025-10-01 with small noise rates and no invalid rows.
#[derive(Debug, Clone, PartialEq)]
pub struct SynthConfig {
    /// Residents in the registry (the deceased and their records come on top).
    pub people: usize,
    /// Seed of the generator; same seed and config give identical output.
    pub seed: u64,
    /// The day the data describes ("today"): ages, copay ratios and which
    /// coverage is current are as of this date.
    pub as_of: Date,
    /// Share of residents who have a namesake elsewhere in the region: same
    /// カナ氏名, 生年月日 and 性別, a different address and usually a different
    /// kanji spelling (the 2023 mislinkage pattern).
    pub namesake_rate: f64,
    /// Chance that a surname with an old form (髙橋, 渡邉, 齋藤, 山﨑 …) is
    /// registered in that form.
    pub old_form_rate: f64,
    /// Share of member rows acquired before 2023-06-01 (when the My Number
    /// became mandatory on 資格取得届) that carry no My Number.
    pub missing_my_number_rate: f64,
    /// Chance that an employee changed jobs recently: a lost record at the
    /// previous insurer precedes the current one.
    pub job_change_rate: f64,
    /// Chance that a 国保 household moved in from a neighbouring municipality
    /// in the last five years: a lost record at the old 国保 precedes the new.
    pub move_rate: f64,
    /// Chance that an elderly household lost a member in the last year: a
    /// 後期高齢者医療 record with `lost_on` the day after death, and no
    /// registry row.
    pub death_rate: f64,
    /// Clerk noise on member rows.
    pub noise: NoiseRates,
    /// Share of member rows made invalid in a way a careful importer rejects
    /// (bad check digit, impossible date, empty name, lost before acquired).
    pub invalid_rate: f64,
    /// Also write `medical.jsonl`: drug, clinical, expense and checkup
    /// histories of the members (about 15 kB per resident).
    pub medical: bool,
}

/// Rates of each kind of clerk noise on member rows (each a probability per
/// row, applied independently; see `NoiseKind`).
#[derive(Debug, Clone, PartialEq)]
pub struct NoiseRates {
    /// カナ氏名 in half-width katakana ("ｻﾄｳ ﾀﾛｳ").
    pub half_width_kana: f64,
    /// カナ氏名 in hiragana.
    pub hiragana_kana: f64,
    /// No space, or an ASCII space, between surname and given name.
    pub name_spacing: f64,
    /// For registry names in an old form, the chance the insurer wrote the
    /// common form (高橋 for 髙橋). Insurers usually do, so this is high.
    pub common_form_kanji: f64,
    /// The address written another way (hyphens, full-width digits, no
    /// prefecture, no building, 丁目 numerals flipped).
    pub address_format: f64,
    /// 生年月日 in 和暦 (平成3年4月5日).
    pub wareki_birth_date: f64,
    /// 生年月日 as YYYYMMDD.
    pub compact_birth_date: f64,
    /// An out-of-date address: the person moved and told the registry, not
    /// the insurer.
    pub stale_address: f64,
    /// One wrong character in the カナ氏名.
    pub kana_typo: f64,
    /// The My Number of a namesake instead of the person's own: the 2023
    /// incident pattern that the total inspection must find.
    pub wrong_my_number: f64,
}

impl Default for NoiseRates {
    fn default() -> NoiseRates {
        NoiseRates {
            half_width_kana: 0.02,
            hiragana_kana: 0.01,
            name_spacing: 0.03,
            common_form_kanji: 0.6,
            address_format: 0.05,
            wareki_birth_date: 0.02,
            compact_birth_date: 0.02,
            stale_address: 0.02,
            kana_typo: 0.005,
            wrong_my_number: 0.0005,
        }
    }
}

impl Default for SynthConfig {
    fn default() -> SynthConfig {
        SynthConfig {
            people: 10_000,
            seed: 1,
            as_of: Date::from_ymd_opt(2025, 10, 1).expect("a calendar date"),
            namesake_rate: 0.01,
            old_form_rate: 0.15,
            missing_my_number_rate: 0.03,
            job_change_rate: 0.05,
            move_rate: 0.04,
            death_rate: 0.04,
            noise: NoiseRates::default(),
            invalid_rate: 0.0,
            medical: false,
        }
    }
}

/// How far generation has got, for a progress bar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    pub people_done: usize,
    pub people_total: usize,
}

/// What was generated.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Summary {
    /// Rows in `registry.csv`.
    pub residents: usize,
    pub households: usize,
    /// Residents who have a namesake (same カナ氏名, 生年月日, 性別) made on
    /// purpose; chance coincidences come on top.
    pub namesake_residents: usize,
    /// People who died in the last year: member rows only.
    pub deceased: usize,
    /// Rows in `members.csv`.
    pub members: usize,
    /// Member rows with `lost_on`.
    pub members_lost: usize,
    /// Member rows without a My Number.
    pub members_without_my_number: usize,
    /// Member rows by insurer kind (`InsurerKind::code`).
    pub members_by_insurer_kind: BTreeMap<&'static str, usize>,
    /// Insurers in `insurers.csv` by kind (`InsurerKind::code`).
    pub insurers_by_kind: BTreeMap<&'static str, usize>,
    pub employers: usize,
    /// Rows in `facilities.csv`.
    pub facilities: usize,
    /// Facilities by kind (`hospital`, `clinic`, `dental_clinic`, `pharmacy`).
    pub facilities_by_kind: BTreeMap<&'static str, usize>,
    /// Member rows carrying each kind of noise (a row may carry several).
    pub noise: BTreeMap<NoiseKind, usize>,
    /// Member rows made invalid on purpose.
    pub invalid_rows: usize,
    /// Lines in `medical.jsonl`.
    pub medical_records: usize,
}

/// Why generation failed.
#[derive(Debug, thiserror::Error)]
pub enum SynthError {
    #[error("invalid synth config: {0}")]
    Config(String),
    #[error("cannot write {path}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot write CSV")]
    Csv(#[from] csv::Error),
}

/// Where the files go, for callers that want them somewhere other than a
/// directory (tests keep them in memory).
pub struct Sinks<'a> {
    pub registry: &'a mut dyn Write,
    pub members: &'a mut dyn Write,
    pub truth: &'a mut dyn Write,
    pub facilities: &'a mut dyn Write,
    pub insurers: &'a mut dyn Write,
    /// `medical.jsonl`; written only when the config asks for it.
    pub medical: Option<&'a mut dyn Write>,
}

impl std::fmt::Debug for Sinks<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Sinks { .. }")
    }
}

/// The file names `generate` writes in its output directory.
pub const FILE_NAMES: [&str; 5] = ["registry.csv", "members.csv", "truth.csv", "facilities.csv", "insurers.csv"];

/// The file of medical histories, written when `SynthConfig::medical` is set.
pub const MEDICAL_FILE_NAME: &str = "medical.jsonl";

/// Generate the town into `out` (created if missing), calling `progress`
/// now and then with people done out of the total.
pub fn generate(config: &SynthConfig, out: &Path, progress: &mut dyn FnMut(Progress)) -> Result<Summary, SynthError> {
    validate(config)?;
    std::fs::create_dir_all(out).map_err(|source| SynthError::Io { path: out.to_owned(), source })?;
    let open = |name: &str| -> Result<BufWriter<File>, SynthError> {
        let path = out.join(name);
        File::create(&path)
            .map(|file| BufWriter::with_capacity(1 << 20, file))
            .map_err(|source| SynthError::Io { path, source })
    };
    let [registry, members, truth, facilities, insurers] = FILE_NAMES;
    let (mut registry, mut members, mut truth) = (open(registry)?, open(members)?, open(truth)?);
    let (mut facilities, mut insurers) = (open(facilities)?, open(insurers)?);
    let mut medical = if config.medical { Some(open(MEDICAL_FILE_NAME)?) } else { None };
    let summary = generate_into(
        config,
        Sinks {
            registry: &mut registry,
            members: &mut members,
            truth: &mut truth,
            facilities: &mut facilities,
            insurers: &mut insurers,
            medical: medical.as_mut().map(|file| file as &mut dyn Write),
        },
        progress,
    )?;
    if let Some(file) = medical {
        file.into_inner()
            .map_err(|err| err.into_error())
            .and_then(|file| file.sync_all())
            .map_err(|source| SynthError::Io { path: out.join(MEDICAL_FILE_NAME), source })?;
    }
    for (name, file) in FILE_NAMES.iter().zip([registry, members, truth, facilities, insurers]) {
        file.into_inner()
            .map_err(|err| err.into_error())
            .and_then(|file| file.sync_all())
            .map_err(|source| SynthError::Io { path: out.join(name), source })?;
    }
    Ok(summary)
}

/// Generate the town into the given writers.
pub fn generate_into(
    config: &SynthConfig,
    sinks: Sinks<'_>,
    progress: &mut dyn FnMut(Progress),
) -> Result<Summary, SynthError> {
    validate(config)?;
    let mut summary = Summary::default();
    let facilities = facilities::write(config, sinks.facilities, &mut summary)?;
    let mut medical = match (config.medical, sinks.medical) {
        (true, Some(out)) => Some(medical::MedicalWriter::new(out, config.seed, config.as_of, facilities)),
        (true, None) => {
            return Err(SynthError::Config("medical is set but no sink for medical.jsonl was given".into()));
        }
        (false, _) => None,
    };
    town::generate(
        config,
        sinks.registry,
        sinks.members,
        sinks.truth,
        sinks.insurers,
        progress,
        &mut summary,
        medical.as_mut(),
    )?;
    if let Some(mut medical) = medical {
        medical.flush()?;
        summary.medical_records = medical.lines;
    }
    Ok(summary)
}

fn validate(config: &SynthConfig) -> Result<(), SynthError> {
    let noise = &config.noise;
    let rates = [
        ("namesake_rate", config.namesake_rate),
        ("old_form_rate", config.old_form_rate),
        ("missing_my_number_rate", config.missing_my_number_rate),
        ("job_change_rate", config.job_change_rate),
        ("move_rate", config.move_rate),
        ("death_rate", config.death_rate),
        ("invalid_rate", config.invalid_rate),
        ("noise.half_width_kana", noise.half_width_kana),
        ("noise.hiragana_kana", noise.hiragana_kana),
        ("noise.name_spacing", noise.name_spacing),
        ("noise.common_form_kanji", noise.common_form_kanji),
        ("noise.address_format", noise.address_format),
        ("noise.wareki_birth_date", noise.wareki_birth_date),
        ("noise.compact_birth_date", noise.compact_birth_date),
        ("noise.stale_address", noise.stale_address),
        ("noise.kana_typo", noise.kana_typo),
        ("noise.wrong_my_number", noise.wrong_my_number),
    ];
    for (name, rate) in rates {
        if !(0.0..=1.0).contains(&rate) {
            return Err(SynthError::Config(format!("{name} must be between 0 and 1, got {rate}")));
        }
    }
    if config.people > 50_000_000 {
        return Err(SynthError::Config(format!("people must be at most 50,000,000, got {}", config.people)));
    }
    Ok(())
}
