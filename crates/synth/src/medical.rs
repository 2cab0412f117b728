//! Synthetic medical histories (`medical.jsonl`) in the import format of
//! `onshi_domain::medical`: for each member row, the drug, clinical, expense
//! and checkup records of the person while covered by that row.
//!
//! - Chronic conditions (高血圧症, 2型糖尿病, 脂質異常症, 逆流性食道炎, 腰痛症)
//!   come to a share of adults that grows with age; each is treated at one
//!   clinic of the town, with refills every 28, 56 or 84 days at one
//!   pharmacy over the last 3 years.
//! - Acute episodes (上気道炎, 胃腸炎, 気管支炎, 鼻炎) come a few times a year,
//!   more often to children and the old.
//! - Expenses are one record per month and facility with visits, with the
//!   copay of the person's age.
//! - 特定健診 come yearly to ages 40–74 (a little over half attend each year),
//!   with values that go together: BMI with waist, blood pressure, lipids and
//!   glucose; 2型糖尿病 with HbA1c.
//!
//! Each person's history is drawn from a random stream of their own (the
//! seed and the person's id), so the rows of one person at two insurers
//! (a job change) split one history between them by coverage dates, and a
//! member's records need no memory of other members: the writer streams.
//!
//! Drug, procedure and 傷病名 codes have the documented shapes and are made up;
//! they are not master codes. The ICD-10 codes are real.

use std::collections::BTreeMap;
use std::io::Write;

use chrono::{Datelike, Days, Months};
use onshi_domain::Date;
use onshi_domain::id::FacilityCode;
use onshi_domain::insurance::MemberKey;
use onshi_domain::medical::{
    CheckupFacilityCode, CheckupItem, CheckupRecord, CheckupResult, CheckupResults, CheckupValue, ClinicalCode,
    ClinicalRecord, DrugRecord, ExpenseRecord, ImportRow, MedicalRecord, Prescriber, Quantity, Route, Supply,
    UrineLevel, YearMonth, bmi_tenths,
};
use onshi_domain::person::Sex;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::SynthError;

/// A facility of the town that records can name.
#[derive(Debug, Clone)]
pub(crate) struct Facility {
    pub(crate) code: FacilityCode,
    pub(crate) name: String,
}

/// The town's facilities by kind.
#[derive(Debug, Clone, Default)]
pub(crate) struct Facilities {
    pub(crate) hospitals: Vec<Facility>,
    pub(crate) clinics: Vec<Facility>,
    pub(crate) pharmacies: Vec<Facility>,
}

struct Drug {
    code: &'static str,
    yj: Option<&'static str>,
    name: &'static str,
    ingredient: &'static str,
    route: Route,
    dose: &'static str,
    /// Per day, or per time when `as_needed`.
    quantity_thousandths: u64,
    unit: &'static str,
    as_needed: bool,
    /// Yen per day (per time when as needed), roughly the 薬価.
    yen_per_day: u64,
}

struct Condition {
    name: &'static str,
    densan: &'static str,
    icd10: &'static str,
    drugs: &'static [Drug],
}

const fn drug(
    code: &'static str,
    name: &'static str,
    ingredient: &'static str,
    dose: &'static str,
    quantity_thousandths: u64,
    unit: &'static str,
    yen_per_day: u64,
) -> Drug {
    Drug {
        code,
        yj: None,
        name,
        ingredient,
        route: Route::Internal,
        dose,
        quantity_thousandths,
        unit,
        as_needed: false,
        yen_per_day,
    }
}

/// The chronic conditions, with the share of people of 70 who have each
/// (less below, none under the given age).
const CHRONIC: &[(Condition, f64, u32)] = &[
    (
        Condition {
            name: "高血圧症",
            densan: "8833421",
            icd10: "I10",
            drugs: &[
                Drug {
                    yj: Some("2171022F1001"),
                    ..drug("620000101", "アムロジピン錠5mg", "アムロジピンベシル酸塩", "1日1回朝食後", 1000, "錠", 10)
                },
                drug(
                    "620000102",
                    "オルメサルタンOD錠20mg",
                    "オルメサルタン メドキソミル",
                    "1日1回朝食後",
                    1000,
                    "錠",
                    30,
                ),
            ],
        },
        0.45,
        30,
    ),
    (
        Condition {
            name: "2型糖尿病",
            densan: "8846775",
            icd10: "E11.9",
            drugs: &[
                drug(
                    "620000201",
                    "メトホルミン塩酸塩錠250mgMT",
                    "メトホルミン塩酸塩",
                    "1日2回朝夕食後",
                    2000,
                    "錠",
                    20,
                ),
                drug(
                    "620000202",
                    "シタグリプチン錠50mg",
                    "シタグリプチンリン酸塩水和物",
                    "1日1回朝食後",
                    1000,
                    "錠",
                    110,
                ),
            ],
        },
        0.15,
        35,
    ),
    (
        Condition {
            name: "脂質異常症",
            densan: "8850111",
            icd10: "E78.5",
            drugs: &[
                drug(
                    "620000301",
                    "アトルバスタチン錠10mg",
                    "アトルバスタチンカルシウム水和物",
                    "1日1回夕食後",
                    1000,
                    "錠",
                    20,
                ),
                Drug {
                    yj: Some("2189017F1002"),
                    ..drug(
                        "620000302",
                        "ロスバスタチン錠2.5mg",
                        "ロスバスタチンカルシウム",
                        "1日1回夕食後",
                        1000,
                        "錠",
                        20,
                    )
                },
            ],
        },
        0.30,
        35,
    ),
    (
        Condition {
            name: "逆流性食道炎",
            densan: "5300012",
            icd10: "K21.9",
            drugs: &[drug("620000401", "ファモチジン錠20mg", "ファモチジン", "1日2回朝夕食後", 2000, "錠", 20)],
        },
        0.08,
        30,
    ),
    (
        Condition {
            name: "腰痛症",
            densan: "7243012",
            icd10: "M54.5",
            drugs: &[
                Drug {
                    as_needed: true,
                    ..drug(
                        "620000501",
                        "ロキソプロフェンナトリウム錠60mg",
                        "ロキソプロフェンナトリウム水和物",
                        "疼痛時",
                        1000,
                        "錠",
                        10,
                    )
                },
                Drug {
                    route: Route::External,
                    ..drug(
                        "620000502",
                        "ロキソプロフェンNaテープ100mg",
                        "ロキソプロフェンナトリウム水和物",
                        "1日1回患部に貼付",
                        1000,
                        "枚",
                        20,
                    )
                },
            ],
        },
        0.10,
        30,
    ),
];

const ACUTE: &[Condition] = &[
    Condition {
        name: "急性上気道炎",
        densan: "4659007",
        icd10: "J06.9",
        drugs: &[
            drug("620000601", "カルボシステイン錠500mg", "L-カルボシステイン", "1日3回毎食後", 3000, "錠", 30),
            Drug {
                as_needed: true,
                ..drug("620000602", "アセトアミノフェン錠200mg", "アセトアミノフェン", "発熱時", 2000, "錠", 15)
            },
        ],
    },
    Condition {
        name: "急性胃腸炎",
        densan: "5589004",
        icd10: "K52.9",
        drugs: &[drug("620000701", "レバミピド錠100mg", "レバミピド", "1日3回毎食後", 3000, "錠", 30)],
    },
    Condition {
        name: "急性気管支炎",
        densan: "4660001",
        icd10: "J20.9",
        drugs: &[drug(
            "620000801",
            "クラリスロマイシン錠200mg",
            "クラリスロマイシン",
            "1日2回朝夕食後",
            2000,
            "錠",
            80,
        )],
    },
    Condition {
        name: "アレルギー性鼻炎",
        densan: "4779004",
        icd10: "J30.4",
        drugs: &[drug(
            "620000901",
            "フェキソフェナジン塩酸塩錠60mg",
            "フェキソフェナジン塩酸塩",
            "1日2回朝夕食後",
            2000,
            "錠",
            40,
        )],
    },
];

/// 初診料 and 再診料 (codes of the documented shape, made up).
const FIRST_VISIT: (&str, &str, u64) = ("111000110", "初診料", 2910);
const REVISIT_YEN: u64 = 750;
const CHRONIC_MANAGEMENT_YEN: u64 = 2250;
const DISPENSING_YEN: u64 = 1200;

/// Writes the histories, member by member.
pub(crate) struct MedicalWriter<'a> {
    out: &'a mut dyn Write,
    seed: u64,
    as_of: Date,
    facilities: Facilities,
    next_id: u64,
    /// Lines written.
    pub(crate) lines: usize,
}

/// The member row a history is written for.
pub(crate) struct MemberRow<'r> {
    pub(crate) key: &'r MemberKey,
    pub(crate) person_id: u32,
    pub(crate) birth: Date,
    pub(crate) sex: Sex,
    pub(crate) acquired: Date,
    pub(crate) lost: Option<Date>,
}

struct Visit {
    date: Date,
    clinic: usize,
    /// Where the drugs were dispensed: a pharmacy, or the clinic itself.
    pharmacy: Option<usize>,
    /// (condition, drug, supply).
    drugs: Vec<(&'static Condition, &'static Drug, Supply)>,
    /// The acute condition diagnosed at this visit.
    diagnoses: Vec<&'static Condition>,
    first_visit: bool,
    clinic_yen: u64,
}

impl<'a> MedicalWriter<'a> {
    pub(crate) fn new(out: &'a mut dyn Write, seed: u64, as_of: Date, facilities: Facilities) -> MedicalWriter<'a> {
        MedicalWriter { out, seed, as_of, facilities, next_id: 0, lines: 0 }
    }

    pub(crate) fn flush(&mut self) -> Result<(), SynthError> {
        self.out.flush().map_err(|source| SynthError::Io { path: "medical.jsonl".into(), source })
    }

    /// Write the records of `member` dated within its coverage.
    pub(crate) fn member(&mut self, member: &MemberRow<'_>) -> Result<(), SynthError> {
        let clinics =
            if self.facilities.clinics.is_empty() { &self.facilities.hospitals } else { &self.facilities.clinics };
        if clinics.is_empty() {
            return Ok(());
        }
        let mut rng = ChaCha8Rng::seed_from_u64(self.seed ^ 0x6d65_6469_6361_6c00 ^ (u64::from(member.person_id) << 1));
        let end = member.lost.map_or(self.as_of, |lost| (lost - Days::new(1)).min(self.as_of));
        let covered = |date: Date| date >= member.acquired && date <= end;
        let three_years = self.as_of.checked_sub_months(Months::new(36)).expect("a date after year 3");
        let five_years = self.as_of.checked_sub_months(Months::new(60)).expect("a date after year 5");
        let age = age_on(member.birth, self.as_of);

        let mut visits = Vec::new();
        // Chronic care: one clinic, one pharmacy (or 院内処方), one refill rhythm.
        let chronic: Vec<&'static Condition> = CHRONIC
            .iter()
            .filter(|(_, share, from_age)| {
                let p = if age < *from_age {
                    0.0
                } else {
                    (share * f64::from(age - from_age) / f64::from(70 - from_age)).min(*share * 1.2)
                };
                rng.random_bool(p.clamp(0.0, 1.0))
            })
            .map(|(condition, _, _)| condition)
            .collect();
        let clinic = rng.random_range(0..clinics.len());
        let pharmacy = self.pick_pharmacy(&mut rng);
        if !chronic.is_empty() {
            let interval = *[28u64, 28, 56, 56, 56, 84].get(rng.random_range(0..6)).expect("in range");
            let chosen: Vec<(&'static Condition, &'static Drug)> = chronic
                .iter()
                .flat_map(|condition| {
                    let pick = rng.random_range(0..condition.drugs.len());
                    // 腰痛症 gets both its drugs now and then.
                    let both = condition.drugs.len() > 1 && condition.icd10 == "M54.5" && rng.random_bool(0.3);
                    condition
                        .drugs
                        .iter()
                        .enumerate()
                        .filter(move |(idx, _)| *idx == pick || both)
                        .map(move |(_, drug)| (*condition, drug))
                })
                .collect();
            let mut date = three_years + Days::new(rng.random_range(0..interval));
            while date <= self.as_of {
                let drugs = chosen
                    .iter()
                    .map(|(condition, drug)| {
                        let supply = if drug.as_needed {
                            Supply::AsNeeded { times: 10 }
                        } else if drug.route == Route::External {
                            Supply::Days(14)
                        } else {
                            Supply::Days(interval as u16)
                        };
                        (*condition, *drug, supply)
                    })
                    .collect();
                visits.push(Visit {
                    date,
                    clinic,
                    pharmacy,
                    drugs,
                    diagnoses: Vec::new(),
                    first_visit: false,
                    clinic_yen: REVISIT_YEN + CHRONIC_MANAGEMENT_YEN,
                });
                date = date + Days::new(interval + rng.random_range(0..5));
            }
        }
        // Acute episodes over the last 3 years.
        let per_year = match age {
            0..=5 => 3.0,
            6..=14 => 1.5,
            15..=64 => 0.7,
            _ => 1.2,
        };
        let episodes = poisson(&mut rng, per_year * 3.0);
        for _ in 0..episodes {
            let date = three_years + Days::new(rng.random_range(0..=(self.as_of - three_years).num_days() as u64));
            let condition = &ACUTE[rng.random_range(0..ACUTE.len())];
            let days = *[3u16, 5, 5, 7, 14].get(rng.random_range(0..5)).expect("in range");
            let drugs = condition
                .drugs
                .iter()
                .map(|drug| {
                    let supply = if drug.as_needed { Supply::AsNeeded { times: 5 } } else { Supply::Days(days) };
                    (condition, drug, supply)
                })
                .collect();
            let clinic = rng.random_range(0..clinics.len());
            visits.push(Visit {
                date,
                clinic,
                pharmacy: self.pick_pharmacy(&mut rng),
                drugs,
                diagnoses: vec![condition],
                first_visit: true,
                clinic_yen: FIRST_VISIT.2 + 500,
            });
        }
        visits.sort_by_key(|visit| visit.date);

        let copay_tenths = copay_tenths(age);
        let mut expenses: BTreeMap<(YearMonth, bool, usize), (u8, u64)> = BTreeMap::new();
        let mut rows = Vec::new();
        let mut chronic_diagnosed = false;
        for visit in visits.iter().filter(|visit| covered(visit.date)) {
            let clinic = &clinics[visit.clinic];
            // The chronic diagnoses appear at the first chronic visit this
            // coverage sees (the claims of each month repeat them; once is enough here).
            let chronic_now = if !visit.first_visit && !chronic_diagnosed {
                chronic_diagnosed = true;
                chronic.as_slice()
            } else {
                &[]
            };
            for condition in visit.diagnoses.iter().chain(chronic_now) {
                rows.push(MedicalRecord::Clinical(ClinicalRecord {
                    performed_on: visit.date,
                    facility_code: clinic.code.clone(),
                    facility_name: clinic.name.clone(),
                    code: ClinicalCode::DiagnosisDensan {
                        code: condition.densan.parse().expect("a 7-digit code"),
                        icd10: Some(condition.icd10.parse().expect("an ICD-10 code")),
                    },
                    name: condition.name.to_owned(),
                }));
            }
            if visit.first_visit {
                rows.push(MedicalRecord::Clinical(ClinicalRecord {
                    performed_on: visit.date,
                    facility_code: clinic.code.clone(),
                    facility_name: clinic.name.clone(),
                    code: ClinicalCode::Procedure(FIRST_VISIT.0.parse().expect("a 9-digit code")),
                    name: FIRST_VISIT.1.to_owned(),
                }));
            }
            let (dispenser, prescriber) = match visit.pharmacy {
                Some(idx) => (
                    &self.facilities.pharmacies[idx],
                    Some(Prescriber { facility_code: clinic.code.clone(), facility_name: clinic.name.clone() }),
                ),
                None => (clinic, None),
            };
            let mut drug_yen = 0;
            for (_, drug, supply) in &visit.drugs {
                drug_yen += drug.yen_per_day
                    * match supply {
                        Supply::Days(days) => u64::from(*days),
                        Supply::AsNeeded { times } => u64::from(*times),
                    };
                rows.push(MedicalRecord::Drug(DrugRecord {
                    dispensed_on: visit.date,
                    facility_code: dispenser.code.clone(),
                    facility_name: dispenser.name.clone(),
                    prescriber: prescriber.clone(),
                    drug_code: Some(drug.code.parse().expect("a 9-digit code")),
                    yj_code: drug.yj.map(|yj| yj.parse().expect("a YJ-shaped code")),
                    name: drug.name.to_owned(),
                    ingredient: drug.ingredient.to_owned(),
                    route: drug.route,
                    dose: drug.dose.to_owned(),
                    quantity: Quantity::from_thousandths(drug.quantity_thousandths).expect("positive"),
                    unit: drug.unit.to_owned(),
                    supply: *supply,
                }));
            }
            let month = YearMonth::of(visit.date);
            let clinic_entry = expenses.entry((month, false, visit.clinic)).or_default();
            clinic_entry.0 += 1;
            clinic_entry.1 += visit.clinic_yen;
            match visit.pharmacy {
                Some(idx) => {
                    let entry = expenses.entry((month, true, idx)).or_default();
                    entry.0 += 1;
                    entry.1 += drug_yen + DISPENSING_YEN;
                }
                None => clinic_entry.1 += drug_yen,
            }
        }
        for ((month, at_pharmacy, idx), (days, total_yen)) in expenses {
            let facility = if at_pharmacy { &self.facilities.pharmacies[idx] } else { &clinics[idx] };
            let days = days.min(month.days() as u8);
            rows.push(MedicalRecord::Expense(ExpenseRecord {
                month,
                facility_code: facility.code.clone(),
                facility_name: facility.name.clone(),
                days,
                total_yen,
                copay_yen: ((total_yen * copay_tenths + 50) / 100 * 10).min(total_yen),
            }));
        }
        // 特定健診, yearly for ages 40–74, over the last 5 years.
        let diabetic = chronic.iter().any(|condition| condition.icd10 == "E11.9");
        let baseline = Baseline::new(&mut rng, member.sex, diabetic);
        let checkup_site = &clinics[rng.random_range(0..clinics.len())];
        for year in 0..5u32 {
            let date =
                five_years.checked_add_months(Months::new(12 * year + rng.random_range(0..12))).expect("within range")
                    + Days::new(rng.random_range(0..28));
            let attends = rng.random_bool(0.56);
            let age_then = age_on(member.birth, date);
            if !attends || !(40..=74).contains(&age_then) || date > self.as_of || !covered(date) || date < five_years {
                continue;
            }
            let results = baseline.results(&mut rng, age_then);
            rows.push(MedicalRecord::Checkup(CheckupRecord {
                checked_on: date,
                facility_code: checkup_site.code.as_str().parse::<CheckupFacilityCode>().expect("10 digits"),
                facility_name: checkup_site.name.clone(),
                results,
            }));
        }
        rows.sort_by_key(|record| record.date());
        for record in rows {
            self.next_id += 1;
            let row = ImportRow { record_id: format!("syn-{:010}", self.next_id), key: member.key.clone(), record };
            let mut line = row.to_line();
            line.push('\n');
            self.out
                .write_all(line.as_bytes())
                .map_err(|source| SynthError::Io { path: "medical.jsonl".into(), source })?;
            self.lines += 1;
        }
        Ok(())
    }

    fn pick_pharmacy(&self, rng: &mut ChaCha8Rng) -> Option<usize> {
        // About 3 in 4 prescriptions are dispensed outside (院外処方).
        (!self.facilities.pharmacies.is_empty() && rng.random_bool(0.78))
            .then(|| rng.random_range(0..self.facilities.pharmacies.len()))
    }
}

fn age_on(birth: Date, date: Date) -> u32 {
    let mut age = date.year() - birth.year();
    if (date.month(), date.day()) < (birth.month(), birth.day()) {
        age -= 1;
    }
    u32::try_from(age.max(0)).unwrap_or(0)
}

/// 負担割合 in tenths by age (未就学 2割, 70–74 2割, 75 and over 1割; the
/// 現役並み incomes are left out).
fn copay_tenths(age: u32) -> u64 {
    match age {
        0..=5 => 2,
        6..=69 => 3,
        70..=74 => 2,
        _ => 1,
    }
}

fn poisson(rng: &mut ChaCha8Rng, mean: f64) -> u32 {
    let limit = (-mean).exp();
    let mut product: f64 = rng.random();
    let mut count = 0;
    while product > limit && count < 100 {
        product *= rng.random::<f64>();
        count += 1;
    }
    count
}

fn normal(rng: &mut ChaCha8Rng, mean: f64, sd: f64) -> f64 {
    // Box–Muller.
    let u1: f64 = rng.random::<f64>().max(1e-12);
    let u2: f64 = rng.random();
    mean + sd * (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

/// A person's checkup make-up, which later checkups vary around.
struct Baseline {
    male: bool,
    height: f64,
    bmi: f64,
    pressure: f64,
    hba1c: f64,
    ldl: f64,
    hdl: f64,
    liver: f64,
}

impl Baseline {
    fn new(rng: &mut ChaCha8Rng, sex: Sex, diabetic: bool) -> Baseline {
        let male = sex == Sex::Male;
        let bmi = normal(rng, if male { 24.0 } else { 22.3 }, 3.2).clamp(15.0, 42.0);
        Baseline {
            male,
            height: normal(rng, if male { 170.0 } else { 157.0 }, 6.0).clamp(135.0, 200.0),
            bmi,
            pressure: normal(rng, 0.0, 11.0),
            hba1c: if diabetic { normal(rng, 6.9, 0.7).max(6.2) } else { normal(rng, 5.5, 0.3) },
            ldl: normal(rng, 122.0, 28.0).clamp(50.0, 260.0),
            hdl: (normal(rng, if male { 55.0 } else { 67.0 }, 13.0) - (bmi - 22.0) * 1.2).clamp(25.0, 110.0),
            liver: normal(rng, 0.0, 1.0),
        }
    }

    fn results(&self, rng: &mut ChaCha8Rng, age: u32) -> CheckupResults {
        let aged = f64::from(age) - 40.0;
        let height = self.height - aged * 0.05;
        let bmi = (self.bmi + normal(rng, 0.0, 0.5)).clamp(15.0, 45.0);
        let weight = bmi * (height / 100.0).powi(2);
        let height_tenths = tenths(height, CheckupItem::Height);
        let weight_tenths = tenths(weight, CheckupItem::Weight);
        let waist = bmi * if self.male { 3.3 } else { 3.4 } + if self.male { 6.0 } else { 5.0 } + normal(rng, 0.0, 3.0);
        let systolic = (112.0 + aged * 0.6 + (bmi - 22.0) * 1.3 + self.pressure + normal(rng, 0.0, 6.0)).max(90.0);
        let diastolic = (systolic * 0.58 + normal(rng, 3.0, 5.0)).min(systolic - 15.0);
        let hba1c = self.hba1c + aged * 0.008 + (bmi - 22.0) * 0.03 + normal(rng, 0.0, 0.15);
        let glucose = 88.0 + (hba1c - 5.4) * 28.0 + normal(rng, 0.0, 6.0);
        let triglycerides = 95.0 * ((bmi - 22.0) * 0.05 + normal(rng, 0.0, 0.4)).exp();
        let liver = self.liver * 6.0 + (bmi - 22.0) * 1.5;
        let alt = 20.0 + liver + normal(rng, 0.0, 4.0);
        let ast = 21.0 + liver * 0.5 + normal(rng, 0.0, 3.0);
        let gamma_gt = (if self.male { 38.0 } else { 22.0 }) * ((bmi - 22.0) * 0.04 + normal(rng, 0.0, 0.45)).exp();
        let urine = |rng: &mut ChaCha8Rng, plus_share: f64| {
            let draw: f64 = rng.random();
            if draw < plus_share * 0.2 {
                UrineLevel::Plus1
            } else if draw < plus_share {
                UrineLevel::Trace
            } else {
                UrineLevel::Negative
            }
        };
        let measured = [
            (CheckupItem::Height, height_tenths),
            (CheckupItem::Weight, weight_tenths),
            (CheckupItem::Bmi, bmi_tenths(height_tenths, weight_tenths)),
            (CheckupItem::Waist, tenths(waist, CheckupItem::Waist)),
            (CheckupItem::SystolicBp, whole(systolic, CheckupItem::SystolicBp)),
            (CheckupItem::DiastolicBp, whole(diastolic, CheckupItem::DiastolicBp)),
            (CheckupItem::Hba1c, tenths(hba1c, CheckupItem::Hba1c)),
            (CheckupItem::FastingGlucose, whole(glucose, CheckupItem::FastingGlucose)),
            (CheckupItem::Triglycerides, whole(triglycerides, CheckupItem::Triglycerides)),
            (CheckupItem::Hdl, whole(self.hdl + normal(rng, 0.0, 4.0), CheckupItem::Hdl)),
            (CheckupItem::Ldl, whole(self.ldl + normal(rng, 0.0, 10.0), CheckupItem::Ldl)),
            (CheckupItem::Ast, whole(ast, CheckupItem::Ast)),
            (CheckupItem::Alt, whole(alt, CheckupItem::Alt)),
            (CheckupItem::GammaGt, whole(gamma_gt, CheckupItem::GammaGt)),
        ];
        let glucose_share = if hba1c > 7.5 { 0.4 } else { 0.02 };
        let mut results: Vec<CheckupResult> = measured
            .into_iter()
            .map(|(item, tenths)| CheckupResult { item, value: CheckupValue::Tenths(tenths) })
            .collect();
        results.push(CheckupResult {
            item: CheckupItem::UrineGlucose,
            value: CheckupValue::Urine(urine(rng, glucose_share)),
        });
        results.push(CheckupResult { item: CheckupItem::UrineProtein, value: CheckupValue::Urine(urine(rng, 0.1)) });
        // Without the systolic fix-up a diastolic can meet it only at
        // implausible extremes; drop it then rather than fail.
        let check = CheckupResults::new(results.clone());
        check.unwrap_or_else(|_| {
            results.retain(|result| result.item != CheckupItem::DiastolicBp && result.item != CheckupItem::Bmi);
            CheckupResults::new(results).expect("each value clamped into its plausible range")
        })
    }
}

/// `value` in tenths, rounded and clamped into the item's plausible range.
fn tenths(value: f64, item: CheckupItem) -> u32 {
    let (low, high) = item.plausible_tenths().expect("a measured item");
    ((value * 10.0).round().max(0.0) as u32).clamp(low, high)
}

/// `value` rounded to a whole number, in tenths, clamped likewise.
fn whole(value: f64, item: CheckupItem) -> u32 {
    let (low, high) = item.plausible_tenths().expect("a measured item");
    ((value.round().max(0.0) as u32) * 10).clamp(low.div_ceil(10) * 10, high / 10 * 10)
}
