//! The population engine: households of residents with names, birth dates and
//! addresses; their insurance (who is insured, who is a dependent, who is in
//! 国保 or 後期高齢者医療, with the history of lost coverage); and the member
//! rows as an insurer's clerk typed them, with noise.
//!
//! Households are made and written one at a time. Per resident only a small
//! key survives the household (`Known`, for drawing namesakes of earlier
//! residents by sex and age), so memory grows by a few tens of bytes per
//! person and nothing is searched quadratically.
//!
//! Insurance rules followed (as of `SynthConfig::as_of`):
//! - 75 and over: 後期高齢者医療 of the municipality, from the 75th birthday
//!   (or 2008-04-01, when the scheme began); the previous coverage is lost on
//!   that birthday.
//! - Employees: 本人 (relationship 1, 枝番 00) at the employer's insurer;
//!   the first employee of a household carries the dependents (spouse without
//!   own coverage, children, students, sometimes a parent under 75) as 家族
//!   (relationship 2, 枝番 01, 02, … under the same 記号・番号).
//! - Everyone else under 75 (self-employed, not working, retired): 国保 of the
//!   municipality. 国保 numbers a household (世帯): its members share 記号・番号,
//!   each is 本人 (relationship 1) and they are told apart by 枝番 01, 02, …
//!   (国保 has no 00).
//! - 負担割合: 2 before school (未就学: until the March 31 before the April
//!   after the 6th birthday), 3 to 69, 2 from 70 to 74 (3 for about 1 in 10,
//!   現役並み所得), and for 後期高齢者医療 1 (2 or 3 for about 28 %).

use std::io::Write;

use chrono::{Datelike, Days, Months};
use onshi_domain::Date;
use onshi_domain::id::{InsurerKind, MyNumber};
use onshi_domain::person::{Relationship, Sex};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::insurers::{Insurers, kokuho_symbol};
use crate::kana;
use crate::medical::{MedicalWriter, MemberRow};
use crate::names::{NamePart, Names};
use crate::pick::weighted;
use crate::places::{Address, MUNICIPALITIES, Region, Writing};
use crate::{Progress, Summary, SynthConfig, SynthError};

/// A kind of deviation between a member row and the truth, as recorded in
/// `truth.csv`. The `invalid_*` kinds, `empty_name` and `lost_before_acquired`
/// make rows an importer should reject.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum NoiseKind {
    HalfWidthKana,
    HiraganaKana,
    NameSpacing,
    CommonFormKanji,
    AddressHyphens,
    AddressFullWidthDigits,
    AddressNoPrefecture,
    AddressNoBuilding,
    AddressChomeNumerals,
    WarekiBirthDate,
    CompactBirthDate,
    StaleAddress,
    KanaTypo,
    WrongMyNumber,
    MissingMyNumber,
    InvalidInsurerCheckDigit,
    InvalidMyNumberCheckDigit,
    InvalidDate,
    EmptyName,
    LostBeforeAcquired,
}

impl NoiseKind {
    /// The name used in `truth.csv`.
    pub fn code(self) -> &'static str {
        match self {
            NoiseKind::HalfWidthKana => "half_width_kana",
            NoiseKind::HiraganaKana => "hiragana_kana",
            NoiseKind::NameSpacing => "name_spacing",
            NoiseKind::CommonFormKanji => "common_form_kanji",
            NoiseKind::AddressHyphens => "address_hyphens",
            NoiseKind::AddressFullWidthDigits => "address_full_width_digits",
            NoiseKind::AddressNoPrefecture => "address_no_prefecture",
            NoiseKind::AddressNoBuilding => "address_no_building",
            NoiseKind::AddressChomeNumerals => "address_chome_numerals",
            NoiseKind::WarekiBirthDate => "wareki_birth_date",
            NoiseKind::CompactBirthDate => "compact_birth_date",
            NoiseKind::StaleAddress => "stale_address",
            NoiseKind::KanaTypo => "kana_typo",
            NoiseKind::WrongMyNumber => "wrong_my_number",
            NoiseKind::MissingMyNumber => "missing_my_number",
            NoiseKind::InvalidInsurerCheckDigit => "invalid_insurer_check_digit",
            NoiseKind::InvalidMyNumberCheckDigit => "invalid_my_number_check_digit",
            NoiseKind::InvalidDate => "invalid_date",
            NoiseKind::EmptyName => "empty_name",
            NoiseKind::LostBeforeAcquired => "lost_before_acquired",
        }
    }

    /// Whether the kind makes the row invalid.
    pub fn is_invalid(self) -> bool {
        matches!(
            self,
            NoiseKind::InvalidInsurerCheckDigit
                | NoiseKind::InvalidMyNumberCheckDigit
                | NoiseKind::InvalidDate
                | NoiseKind::EmptyName
                | NoiseKind::LostBeforeAcquired
        )
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    Head,
    Spouse,
    Child,
    Parent,
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct Draft {
    pub(crate) age: u32,
    pub(crate) sex: Sex,
    pub(crate) role: Role,
    pub(crate) deceased: bool,
}

/// What is kept of each resident after their household is written.
struct Known {
    id: u32,
    surname_reading: u16,
    given_reading: u16,
    surname_kanji: &'static str,
    given_kanji: &'static str,
    birth: Date,
    namesake: bool,
}

struct Person {
    id: u32,
    surname: NamePart,
    given: NamePart,
    birth: Date,
    sex: Sex,
    age: u32,
    role: Role,
    deceased_on: Option<Date>,
    namesake_of: Option<u32>,
    resident_code: String,
    my_number: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Origin {
    Current,
    JobChange,
    Moved,
    Turned75,
    Deceased,
}

impl Origin {
    fn code(self) -> &'static str {
        match self {
            Origin::Current => "current",
            Origin::JobChange => "job_change",
            Origin::Moved => "moved",
            Origin::Turned75 => "turned_75",
            Origin::Deceased => "deceased",
        }
    }
}

struct Coverage {
    person: usize,
    insurer: usize,
    symbol: String,
    number: String,
    branch: u8,
    relationship: Relationship,
    acquired: Date,
    lost: Option<Date>,
    origin: Origin,
    /// The address the insurer recorded, when not the household's.
    address: Option<Address>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Status {
    Employee,
    Kokuho,
    Dependent,
}

/// An affine bijection of [0, 9·10¹⁰) shifted to 11-digit numbers, so each
/// person index gets a distinct, random-looking number without a lookup table.
struct Scatter {
    a: u128,
    b: u128,
    mask: u32,
}

const SCATTER_SPAN: u128 = 90_000_000_000;

impl Scatter {
    fn new(rng: &mut impl Rng) -> Scatter {
        loop {
            let a: u64 = rng.random_range(1_000_000_000..90_000_000_000);
            // Coprime with 9·10¹⁰ = 2¹⁰·3⁴·5¹⁰ makes the map a bijection.
            if ![2, 3, 5].iter().any(|p| a.is_multiple_of(*p)) {
                let b = u128::from(rng.random_range(0..90_000_000_000u64));
                return Scatter { a: u128::from(a), b, mask: rng.random() };
            }
        }
    }

    fn apply(&self, index: u32) -> u64 {
        // Mix the index first (xor-shifts and odd multipliers are bijections
        // of u32) so that consecutive people do not get numbers a constant
        // apart; the affine map then spreads them over the 11-digit range.
        let mut mixed = index ^ self.mask;
        mixed ^= mixed >> 16;
        mixed = mixed.wrapping_mul(0x045d_9f3b);
        mixed ^= mixed >> 16;
        mixed = mixed.wrapping_mul(0x045d_9f3b);
        mixed ^= mixed >> 16;
        let value = (self.a * u128::from(mixed) + self.b) % SCATTER_SPAN + 10_000_000_000;
        u64::try_from(value).expect("below 10^11")
    }
}

fn my_number_of(scatter: &Scatter, id: u32) -> String {
    let base = scatter.apply(id);
    let mut digits = [0u8; 11];
    let mut rest = base;
    for slot in digits.iter_mut().rev() {
        *slot = (rest % 10) as u8;
        rest /= 10;
    }
    MyNumber::from_base(&digits).to_string()
}

const AGE_BUCKETS: usize = 121;

struct Engine<'a, 'c, 'm> {
    config: &'c SynthConfig,
    rng: ChaCha8Rng,
    names: Names,
    region: Region,
    insurers: Insurers,
    my_numbers: Scatter,
    resident_codes: Scatter,
    known: Vec<Known>,
    /// Indices into `known` by (sex, age).
    by_sex_age: Vec<Vec<u32>>,
    next_id: u32,
    namesake_people: usize,
    wrong_links: usize,
    registry: csv::Writer<&'a mut dyn Write>,
    members: csv::Writer<&'a mut dyn Write>,
    truth: csv::Writer<&'a mut dyn Write>,
    summary: &'a mut Summary,
    /// Writes each member's medical history after its row, when asked for.
    medical: Option<&'a mut MedicalWriter<'m>>,
    /// 2023-06-01: the My Number became mandatory on 資格取得届.
    my_number_mandatory: Date,
    koki_start: Date,
}

// One writer per output file, plus progress and summary: grouping them in a
// struct would only rename the same list.
#[allow(clippy::too_many_arguments)]
pub(crate) fn generate(
    config: &SynthConfig,
    registry: &mut dyn Write,
    members: &mut dyn Write,
    truth: &mut dyn Write,
    insurers_out: &mut dyn Write,
    progress: &mut dyn FnMut(Progress),
    summary: &mut Summary,
    medical: Option<&mut MedicalWriter<'_>>,
) -> Result<(), SynthError> {
    let mut rng = ChaCha8Rng::seed_from_u64(config.seed);
    rng.set_stream(1);
    let insurers = Insurers::new(config.people / 30, &mut rng);
    let my_numbers = Scatter::new(&mut rng);
    let resident_codes = Scatter::new(&mut rng);
    let mut engine = Engine {
        config,
        rng,
        names: Names::new(),
        region: Region::new(),
        insurers,
        my_numbers,
        resident_codes,
        known: Vec::with_capacity(config.people),
        by_sex_age: vec![Vec::new(); AGE_BUCKETS * 2],
        next_id: 0,
        namesake_people: 0,
        wrong_links: 0,
        registry: csv::Writer::from_writer(registry),
        members: csv::Writer::from_writer(members),
        truth: csv::Writer::from_writer(truth),
        summary,
        medical,
        my_number_mandatory: Date::from_ymd_opt(2023, 6, 1).expect("a calendar date"),
        koki_start: Date::from_ymd_opt(2008, 4, 1).expect("a calendar date"),
    };
    engine.registry.write_record([
        "resident_code",
        "my_number",
        "name_kanji",
        "name_kana",
        "birth_date",
        "sex",
        "address",
    ])?;
    engine.members.write_record([
        "insurer_number",
        "symbol",
        "number",
        "branch",
        "name_kanji",
        "name_kana",
        "birth_date",
        "sex",
        "address",
        "my_number",
        "relationship",
        "copay_ratio",
        "acquired_on",
        "lost_on",
    ])?;
    engine.truth.write_record(["insurer_number", "symbol", "number", "branch", "resident_code", "origin", "noise"])?;
    let mut next_report = 0;
    while engine.summary.residents < config.people {
        engine.household()?;
        if engine.summary.residents >= next_report {
            progress(Progress { people_done: engine.summary.residents, people_total: config.people });
            next_report = engine.summary.residents + 10_000;
        }
    }
    progress(Progress { people_done: engine.summary.residents, people_total: config.people });
    let flush =
        |name: &str, result: std::io::Result<()>| result.map_err(|source| SynthError::Io { path: name.into(), source });
    flush("registry.csv", engine.registry.flush())?;
    flush("members.csv", engine.members.flush())?;
    flush("truth.csv", engine.truth.flush())?;

    let mut out = csv::Writer::from_writer(insurers_out);
    out.write_record(["insurer_number", "kind", "name", "members"])?;
    for insurer in &engine.insurers.list {
        out.write_record([insurer.number.as_str(), insurer.kind.code(), &insurer.name, &insurer.members.to_string()])?;
        *engine.summary.insurers_by_kind.entry(insurer.kind.code()).or_default() += 1;
    }
    flush("insurers.csv", out.flush())?;
    engine.summary.employers = engine.insurers.employers.len();
    engine.summary.namesake_residents = engine.namesake_people;
    Ok(())
}

/// Household shapes, with rough shares of Japanese households.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    Single,
    Couple,
    CoupleWithChildren,
    SingleParent,
    ThreeGenerations,
    ElderWithChild,
}

const SHAPES: &[(Shape, f64)] = &[
    (Shape::Single, 0.35),
    (Shape::Couple, 0.21),
    (Shape::CoupleWithChildren, 0.23),
    (Shape::SingleParent, 0.08),
    (Shape::ThreeGenerations, 0.07),
    (Shape::ElderWithChild, 0.06),
];

/// Ages 65 and over in five-year bands, weighted like Japan's population.
const ELDERLY_BANDS: &[((u32, u32), f64)] = &[
    ((65, 70), 7.4),
    ((70, 75), 9.0),
    ((75, 80), 7.0),
    ((80, 85), 5.5),
    ((85, 90), 3.7),
    ((90, 95), 1.7),
    ((95, 100), 0.5),
    ((100, 105), 0.08),
];

fn elderly_age(rng: &mut impl Rng, at_least: u32) -> u32 {
    loop {
        let (low, high) = *weighted(rng, ELDERLY_BANDS);
        let age = rng.random_range(low..high);
        if age >= at_least {
            return age;
        }
    }
}

fn other_sex(sex: Sex) -> Sex {
    if sex == Sex::Male { Sex::Female } else { Sex::Male }
}

fn random_sex(rng: &mut impl Rng, female_share: f64) -> Sex {
    if rng.random_bool(female_share) { Sex::Female } else { Sex::Male }
}

fn draft(age: u32, sex: Sex, role: Role) -> Draft {
    Draft { age, sex, role, deceased: false }
}

/// Children of a mother (or father) aged `parent_age`: born when the parent
/// was 22 to 40, at most 30 years old now.
fn children(rng: &mut impl Rng, parent_age: u32, count: usize, out: &mut Vec<Draft>) {
    let mut made = 0;
    for _ in 0..count * 3 {
        if made == count {
            break;
        }
        let at_birth = rng.random_range(22..=40);
        if parent_age < at_birth {
            continue;
        }
        let age = parent_age - at_birth;
        if age > 30 {
            continue;
        }
        out.push(draft(age, random_sex(rng, 0.49), Role::Child));
        made += 1;
    }
    if made == 0 && parent_age >= 22 {
        let age = rng.random_range(0..=(parent_age - 22).min(20));
        out.push(draft(age, random_sex(rng, 0.49), Role::Child));
    }
}

fn spouse_age(rng: &mut impl Rng, head_age: u32) -> u32 {
    (head_age as i64 - rng.random_range(-2..=6i64)).clamp(20, 104) as u32
}

pub(crate) fn household_shape(rng: &mut ChaCha8Rng, death_rate: f64) -> (Vec<Draft>, f64) {
    let shape = *weighted(rng, SHAPES);
    let mut drafts = Vec::with_capacity(6);
    let kid_count = |rng: &mut ChaCha8Rng| *weighted(rng, &[(1usize, 0.5), (2, 0.4), (3, 0.1)]);
    let apartment_share = match shape {
        Shape::Single => {
            let roll: f64 = rng.random();
            let (age, female) = if roll < 0.30 {
                (rng.random_range(19..40), 0.45)
            } else if roll < 0.55 {
                (rng.random_range(40..65), 0.40)
            } else {
                (elderly_age(rng, 65), 0.66)
            };
            drafts.push(draft(age, random_sex(rng, female), Role::Head));
            if age >= 76 && rng.random_bool(death_rate) {
                let sex = other_sex(drafts[0].sex);
                drafts.push(Draft { age: spouse_age(rng, age).max(76), sex, role: Role::Spouse, deceased: true });
            }
            if age < 40 { 0.75 } else { 0.45 }
        }
        Shape::Couple => {
            let age = if rng.random_bool(0.2) { rng.random_range(25..65) } else { elderly_age(rng, 65) };
            drafts.push(draft(age, Sex::Male, Role::Head));
            drafts.push(draft(spouse_age(rng, age), Sex::Female, Role::Spouse));
            if age >= 76 && rng.random_bool(death_rate) {
                // Widowed in the last year: the wife's record ends at her death.
                drafts[1].deceased = true;
                drafts[1].age = drafts[1].age.max(76);
            }
            0.3
        }
        Shape::CoupleWithChildren => {
            let age = rng.random_range(28..63);
            let wife = spouse_age(rng, age);
            drafts.push(draft(age, Sex::Male, Role::Head));
            drafts.push(draft(wife, Sex::Female, Role::Spouse));
            let count = kid_count(rng);
            children(rng, wife, count, &mut drafts);
            0.45
        }
        Shape::SingleParent => {
            let sex = random_sex(rng, 0.85);
            let age = rng.random_range(28..60);
            drafts.push(draft(age, sex, Role::Head));
            let count = kid_count(rng).min(2);
            children(rng, age, count, &mut drafts);
            0.55
        }
        Shape::ThreeGenerations => {
            let age = rng.random_range(35..60);
            let wife = spouse_age(rng, age);
            drafts.push(draft(age, Sex::Male, Role::Head));
            drafts.push(draft(wife, Sex::Female, Role::Spouse));
            let count = kid_count(rng);
            children(rng, wife, count, &mut drafts);
            let father = (age + rng.random_range(24..=36)).min(100);
            if rng.random_bool(0.4) {
                drafts.push(draft(father, Sex::Male, Role::Parent));
                drafts.push(draft(spouse_age(rng, father).min(100), Sex::Female, Role::Parent));
            } else {
                drafts.push(draft(father, random_sex(rng, 0.72), Role::Parent));
            }
            0.1
        }
        Shape::ElderWithChild => {
            let parent = elderly_age(rng, 72);
            let child_age = parent.saturating_sub(rng.random_range(24..=36)).max(20);
            drafts.push(draft(child_age, random_sex(rng, 0.45), Role::Head));
            drafts.push(draft(parent, random_sex(rng, 0.75), Role::Parent));
            0.2
        }
    };
    (drafts, apartment_share)
}

fn bucket(sex: Sex, age: u32) -> usize {
    usize::from(sex == Sex::Female) * AGE_BUCKETS + (age as usize).min(AGE_BUCKETS - 1)
}

/// Full years of age on `date`, counting the birthday itself.
fn age_on(birth: Date, date: Date) -> u32 {
    let mut age = date.year() - birth.year();
    if (date.month(), date.day()) < (birth.month(), birth.day()) {
        age -= 1;
    }
    age.max(0) as u32
}

/// 未就学: before the April 1 on which the child enters school. A child born
/// on April 1 enters in the year of the 6th birthday (age counts from the day
/// before the birthday), one born April 2 or later the year after.
fn preschool(birth: Date, date: Date) -> bool {
    let entry_year = if (birth.month(), birth.day()) >= (4, 2) { birth.year() + 7 } else { birth.year() + 6 };
    date < Date::from_ymd_opt(entry_year, 4, 1).expect("April 1 exists")
}

fn add_years(date: Date, years: u32) -> Date {
    date.checked_add_months(Months::new(12 * years)).expect("dates stay within chrono's range")
}

fn sub_days(date: Date, days: u64) -> Date {
    date.checked_sub_days(Days::new(days)).expect("dates stay within chrono's range")
}

impl Engine<'_, '_, '_> {
    fn birth_for_age(&mut self, age: u32) -> Date {
        let latest = self.config.as_of.checked_sub_months(Months::new(12 * age)).expect("ages are bounded");
        let earliest = latest.checked_sub_months(Months::new(12)).expect("ages are bounded") + Days::new(1);
        let span = (latest - earliest).num_days() as u64;
        earliest + Days::new(self.rng.random_range(0..=span))
    }

    fn household(&mut self) -> Result<(), SynthError> {
        let (mut drafts, apartment_share) = household_shape(&mut self.rng, self.config.death_rate);
        let remaining = self.config.people - self.summary.residents;
        let living = drafts.iter().filter(|d| !d.deceased).count();
        if living > remaining {
            let mut kept = 0;
            drafts.retain(|d| {
                if d.deceased {
                    return false;
                }
                kept += 1;
                kept <= remaining
            });
        }
        let living = drafts.iter().filter(|d| !d.deceased).count();
        let municipality = self.region.municipality(&mut self.rng);
        let address = self.region.address(municipality, apartment_share, &mut self.rng);
        self.summary.households += 1;

        // A namesake of an earlier resident of the same sex and age, when the
        // share of namesakes is below target.
        let mut namesake: Option<(usize, usize)> = None;
        let target = self.config.namesake_rate * (self.summary.residents + living) as f64;
        if (self.namesake_people as f64) < target {
            let candidates: Vec<usize> =
                (0..drafts.len()).filter(|idx| !drafts[*idx].deceased && drafts[*idx].role != Role::Parent).collect();
            if !candidates.is_empty() {
                let member = candidates[self.rng.random_range(0..candidates.len())];
                let sex = drafts[member].sex;
                let pool = &self.by_sex_age[bucket(sex, drafts[member].age)];
                // Prefer an earlier resident whose name can be spelled another
                // way, so that namesakes usually differ in kanji.
                for attempt in 0..6 {
                    if pool.is_empty() {
                        break;
                    }
                    let source = pool[self.rng.random_range(0..pool.len())] as usize;
                    let known = &self.known[source];
                    let other = self.names.surname_has_other_spelling(known.surname_reading, known.surname_kanji)
                        || self.names.given_has_other_spelling(sex, known.given_reading, known.given_kanji);
                    if other || attempt == 5 {
                        namesake = Some((member, source));
                        break;
                    }
                }
            }
        }
        let old_form_rate = self.config.old_form_rate;
        let surname = match namesake {
            Some((_, source)) => {
                let known = &self.known[source];
                let (reading, avoid) = (known.surname_reading, known.surname_kanji);
                self.names.surname_with_reading(reading, avoid, 0.8, old_form_rate, &mut self.rng)
            }
            None => self.names.surname(&mut self.rng, old_form_rate),
        };
        // The parents in a three-generation household are the wife's now and then.
        let parents_surname =
            if self.rng.random_bool(0.25) { self.names.surname(&mut self.rng, old_form_rate) } else { surname };

        let mut people: Vec<Person> = Vec::with_capacity(drafts.len());
        let mut taken: Vec<u16> = Vec::with_capacity(drafts.len());
        for (idx, d) in drafts.iter().enumerate() {
            let id = self.next_id;
            self.next_id += 1;
            let (given, birth, namesake_of) = match namesake {
                Some((member, source)) if member == idx => {
                    let known = &self.known[source];
                    let (reading, avoid, birth, source_id) =
                        (known.given_reading, known.given_kanji, known.birth, known.id);
                    let given = self.names.given_with_reading(d.sex, reading, avoid, 0.8, &mut self.rng);
                    (given, birth, Some(source_id))
                }
                _ => {
                    let birth = self.birth_for_age(d.age);
                    (self.names.given(d.sex, birth.year(), &taken, &mut self.rng), birth, None)
                }
            };
            taken.push(given.reading);
            let deceased_on = d.deceased.then(|| sub_days(self.config.as_of, self.rng.random_range(1..365)));
            people.push(Person {
                id,
                surname: if d.role == Role::Parent { parents_surname } else { surname },
                given,
                birth,
                sex: d.sex,
                age: d.age,
                role: d.role,
                deceased_on,
                namesake_of,
                resident_code: self.resident_codes.apply(id).to_string(),
                my_number: my_number_of(&self.my_numbers, id),
            });
        }
        if let Some((_, source)) = namesake {
            self.namesake_people += 1 + usize::from(!self.known[source].namesake);
            self.known[source].namesake = true;
        }

        let registry_address = address.write(Writing::REGISTRY);
        for (idx, person) in people.iter().enumerate() {
            if person.deceased_on.is_some() {
                self.summary.deceased += 1;
                continue;
            }
            let name_kanji = format!("{}\u{3000}{}", person.surname.kanji, person.given.kanji);
            let name_kana = format!("{}\u{3000}{}", person.surname.kana, person.given.kana);
            let birth = person.birth.format("%Y-%m-%d").to_string();
            let sex = person.sex.code().to_string();
            self.registry.write_record([
                person.resident_code.as_str(),
                &person.my_number,
                &name_kanji,
                &name_kana,
                &birth,
                &sex,
                &registry_address,
            ])?;
            let known_idx = self.known.len() as u32;
            self.known.push(Known {
                id: person.id,
                surname_reading: person.surname.reading,
                given_reading: person.given.reading,
                surname_kanji: person.surname.kanji,
                given_kanji: person.given.kanji,
                birth: person.birth,
                namesake: namesake.is_some_and(|(member, _)| member == idx),
            });
            self.by_sex_age[bucket(person.sex, age_on(person.birth, self.config.as_of))].push(known_idx);
            self.summary.residents += 1;
        }

        let coverages = self.insure(&people, &address, municipality);
        for coverage in &coverages {
            self.write_member(&people[coverage.person], &address, coverage)?;
        }
        Ok(())
    }

    fn employment_rate(sex: Sex, age: u32) -> f64 {
        let male = sex == Sex::Male;
        match age {
            0..=17 => 0.0,
            18..=22 => 0.6,
            23..=59 => {
                if male {
                    0.88
                } else {
                    0.72
                }
            }
            60..=64 => {
                if male {
                    0.72
                } else {
                    0.50
                }
            }
            65..=69 => {
                if male {
                    0.48
                } else {
                    0.30
                }
            }
            _ => {
                if male {
                    0.30
                } else {
                    0.17
                }
            }
        }
    }

    /// Decide who is covered where and build the records, history first.
    fn insure(&mut self, people: &[Person], address: &Address, municipality: usize) -> Vec<Coverage> {
        let as_of = self.config.as_of;
        let mut statuses: Vec<Option<Status>> = vec![None; people.len()];
        let mut head_employee = false;
        for (idx, person) in people.iter().enumerate() {
            if person.deceased_on.is_some() || person.age >= 75 {
                continue;
            }
            let status =
                if person.age < 18 || (person.role == Role::Child && person.age <= 22 && self.rng.random_bool(0.55)) {
                    Status::Dependent
                } else {
                    let mut rate = Self::employment_rate(person.sex, person.age);
                    if person.role == Role::Spouse && person.sex == Sex::Female && head_employee && person.age < 60 {
                        rate *= 0.7;
                    }
                    if self.rng.random_bool(rate) {
                        Status::Employee
                    } else if person.age >= 25 && self.rng.random_bool(0.12) {
                        Status::Kokuho
                    } else {
                        match person.role {
                            Role::Spouse | Role::Child => Status::Dependent,
                            Role::Parent if self.rng.random_bool(0.4) => Status::Dependent,
                            _ => Status::Kokuho,
                        }
                    }
                };
            if person.role == Role::Head && status == Status::Employee {
                head_employee = true;
            }
            statuses[idx] = Some(status);
        }
        let primary = statuses.iter().position(|s| *s == Some(Status::Employee));
        let dependents: Vec<usize> = match primary {
            Some(_) => (0..people.len()).filter(|idx| statuses[*idx] == Some(Status::Dependent)).collect(),
            None => Vec::new(),
        };
        let kokuho: Vec<usize> = (0..people.len())
            .filter(|idx| match statuses[*idx] {
                Some(Status::Kokuho) => true,
                Some(Status::Dependent) => primary.is_none(),
                _ => false,
            })
            .collect();

        let mut out = Vec::new();
        for (idx, status) in statuses.iter().enumerate() {
            if *status == Some(Status::Employee) {
                let carried = if Some(idx) == primary { dependents.as_slice() } else { &[] };
                self.employee(people, idx, carried, &mut out);
            }
        }
        if !kokuho.is_empty() {
            self.kokuho(people, &kokuho, address, municipality, &mut out);
        }
        for (idx, person) in people.iter().enumerate() {
            if person.age < 75 {
                continue;
            }
            let birthday_75 = add_years(person.birth, 75);
            let insurer = self.insurers.koki_of(municipality);
            let acquired = birthday_75.max(self.koki_start);
            let number = self.insurers.koki_number(insurer);
            let (lost, origin) = match person.deceased_on {
                Some(died) => (Some(died + Days::new(1)), Origin::Deceased),
                None => (None, Origin::Current),
            };
            if person.deceased_on.is_none() && birthday_75 > sub_days(as_of, 730) {
                // Turned 75 recently: the 国保 record they had ends that day.
                let kokuho = self.insurers.kokuho_of(municipality);
                let start = sub_days(birthday_75, self.rng.random_range(365..3650)).max(person.birth);
                out.push(Coverage {
                    person: idx,
                    insurer: kokuho,
                    symbol: kokuho_symbol(municipality, address.town),
                    number: self.insurers.kokuho_household_number(kokuho),
                    branch: 1,
                    relationship: Relationship::Insured,
                    acquired: start,
                    lost: Some(birthday_75),
                    origin: Origin::Turned75,
                    address: None,
                });
            }
            out.push(Coverage {
                person: idx,
                insurer,
                symbol: String::new(),
                number,
                branch: 0,
                relationship: Relationship::Insured,
                acquired,
                lost,
                origin,
                address: None,
            });
        }
        out
    }

    fn employee(&mut self, people: &[Person], worker: usize, dependents: &[usize], out: &mut Vec<Coverage>) {
        let as_of = self.config.as_of;
        let person = &people[worker];
        let changed = person.age >= 23 && self.rng.random_bool(self.config.job_change_rate);
        let working_years = u64::from(person.age.saturating_sub(18).min(40));
        let tenure = if changed {
            self.rng.random_range(30..(5 * 365).min(working_years * 365).max(31))
        } else {
            self.rng.random_range(0..=working_years * 365)
        };
        let acquired = sub_days(as_of, tenure).max(person.birth);
        let employer = self.insurers.employer(&mut self.rng);
        self.employer_records(people, worker, dependents, employer, acquired, None, Origin::Current, out);
        if changed {
            let mut previous = self.insurers.employer(&mut self.rng);
            for _ in 0..8 {
                if previous != employer {
                    break;
                }
                previous = self.insurers.employer(&mut self.rng);
            }
            let start = sub_days(acquired, self.rng.random_range(365..15 * 365)).max(add_years(person.birth, 18));
            if start < acquired && previous != employer {
                self.employer_records(
                    people,
                    worker,
                    dependents,
                    previous,
                    start,
                    Some(acquired),
                    Origin::JobChange,
                    out,
                );
            }
        }
    }

    #[allow(clippy::too_many_arguments)] // one record set: who, where, when, why
    fn employer_records(
        &mut self,
        people: &[Person],
        worker: usize,
        dependents: &[usize],
        employer: usize,
        acquired: Date,
        lost: Option<Date>,
        origin: Origin,
        out: &mut Vec<Coverage>,
    ) {
        let insurer = self.insurers.employers[employer].insurer;
        let symbol = self.insurers.employers[employer].symbol.clone();
        let number = self.insurers.employee_number(employer);
        out.push(Coverage {
            person: worker,
            insurer,
            symbol: symbol.clone(),
            number: number.clone(),
            branch: 0,
            relationship: Relationship::Insured,
            acquired,
            lost,
            origin,
            address: None,
        });
        let mut branch = 0;
        for &dependent in dependents {
            let start = acquired.max(people[dependent].birth);
            if lost.is_some_and(|lost| start >= lost) {
                continue;
            }
            branch += 1;
            out.push(Coverage {
                person: dependent,
                insurer,
                symbol: symbol.clone(),
                number: number.clone(),
                branch,
                relationship: Relationship::Dependent,
                acquired: start,
                lost,
                origin,
                address: None,
            });
        }
    }

    fn kokuho(
        &mut self,
        people: &[Person],
        group: &[usize],
        address: &Address,
        municipality: usize,
        out: &mut Vec<Coverage>,
    ) {
        let as_of = self.config.as_of;
        let insurer = self.insurers.kokuho_of(municipality);
        let symbol = kokuho_symbol(municipality, address.town);
        let number = self.insurers.kokuho_household_number(insurer);
        let mut start = sub_days(as_of, self.rng.random_range(0..25 * 365));
        let moved = self.rng.random_bool(self.config.move_rate);
        if moved {
            let move_date = sub_days(as_of, self.rng.random_range(30..5 * 365));
            start = move_date;
            let mut old_municipality = self.region.municipality(&mut self.rng);
            if old_municipality == municipality {
                old_municipality = (municipality + 1) % MUNICIPALITIES.len();
            }
            let old_address = self.region.address(old_municipality, 0.4, &mut self.rng);
            let old_insurer = self.insurers.kokuho_of(old_municipality);
            let old_symbol = kokuho_symbol(old_municipality, old_address.town);
            let old_number = self.insurers.kokuho_household_number(old_insurer);
            let old_start = sub_days(move_date, self.rng.random_range(365..20 * 365));
            let mut branch = 0;
            for &idx in group {
                let acquired = old_start.max(people[idx].birth);
                if acquired >= move_date {
                    continue;
                }
                branch += 1;
                out.push(Coverage {
                    person: idx,
                    insurer: old_insurer,
                    symbol: old_symbol.clone(),
                    number: old_number.clone(),
                    branch,
                    relationship: Relationship::Insured,
                    acquired,
                    lost: Some(move_date),
                    origin: Origin::Moved,
                    address: Some(old_address.clone()),
                });
            }
        }
        for (k, &idx) in group.iter().enumerate() {
            out.push(Coverage {
                person: idx,
                insurer,
                symbol: symbol.clone(),
                number: number.clone(),
                branch: k as u8 + 1,
                relationship: Relationship::Insured,
                acquired: start.max(people[idx].birth),
                lost: None,
                origin: Origin::Current,
                address: None,
            });
        }
    }

    fn copay(&mut self, person: &Person, kind: InsurerKind, on: Date) -> u8 {
        if kind == InsurerKind::KokiKorei {
            return *weighted(&mut self.rng, &[(1u8, 0.72), (2, 0.20), (3, 0.08)]);
        }
        let age = age_on(person.birth, on);
        if preschool(person.birth, on) {
            2
        } else if age >= 70 {
            if self.rng.random_bool(0.1) { 3 } else { 2 }
        } else {
            3
        }
    }

    fn write_member(
        &mut self,
        person: &Person,
        household_address: &Address,
        coverage: &Coverage,
    ) -> Result<(), SynthError> {
        let rates = self.config.noise.clone();
        let mut kinds: Vec<NoiseKind> = Vec::new();
        let rng = &mut self.rng;

        let surname_kanji = if person.surname.is_old_form() && rng.random_bool(rates.common_form_kanji) {
            kinds.push(NoiseKind::CommonFormKanji);
            person.surname.common
        } else {
            person.surname.kanji
        };
        let (mut kanji_gap, mut kana_gap) = ("\u{3000}", "\u{3000}");
        if rng.random_bool(rates.name_spacing) {
            kinds.push(NoiseKind::NameSpacing);
            let gap = if rng.random_bool(0.5) { "" } else { " " };
            match rng.random_range(0..3) {
                0 => kanji_gap = gap,
                1 => kana_gap = gap,
                _ => (kanji_gap, kana_gap) = (gap, gap),
            }
        }
        let mut name_kanji = format!("{surname_kanji}{kanji_gap}{}", person.given.kanji);
        let mut name_kana = format!("{}{kana_gap}{}", person.surname.kana, person.given.kana);
        if rng.random_bool(rates.kana_typo) {
            kinds.push(NoiseKind::KanaTypo);
            name_kana = kana::typo(&name_kana, rng);
        }
        if rng.random_bool(rates.half_width_kana) {
            kinds.push(NoiseKind::HalfWidthKana);
            name_kana = kana::to_half_width(&name_kana);
        } else if rng.random_bool(rates.hiragana_kana) {
            kinds.push(NoiseKind::HiraganaKana);
            name_kana = kana::to_hiragana(&name_kana);
        }

        let mut birth_date = person.birth.format("%Y-%m-%d").to_string();
        if rng.random_bool(rates.wareki_birth_date) {
            // Mostly the long form (平成3年4月5日), now and then the short
            // one (H3.4.5); a date the domain cannot put in an era stays ISO.
            let wareki = if rng.random_bool(0.85) {
                onshi_domain::wareki::format(person.birth)
            } else {
                onshi_domain::wareki::format_short(person.birth)
            };
            if let Ok(wareki) = wareki {
                kinds.push(NoiseKind::WarekiBirthDate);
                birth_date = wareki;
            }
        } else if rng.random_bool(rates.compact_birth_date) {
            kinds.push(NoiseKind::CompactBirthDate);
            birth_date = person.birth.format("%Y%m%d").to_string();
        }

        let kind = self.insurers.list[coverage.insurer].kind;
        let mut stale = None;
        if coverage.origin == Origin::Current && self.rng.random_bool(rates.stale_address) {
            // A move the registry knows of and the insurer does not. 国保 and
            // 後期高齢 are municipal, so the old address is in the same one.
            let municipality = match kind {
                InsurerKind::Kokuho | InsurerKind::KokiKorei => household_address.municipality,
                _ => self.region.municipality(&mut self.rng),
            };
            kinds.push(NoiseKind::StaleAddress);
            stale = Some(self.region.address(municipality, 0.4, &mut self.rng));
        }
        let rng = &mut self.rng;
        let recorded = stale.as_ref().or(coverage.address.as_ref()).unwrap_or(household_address);
        let mut writing = Writing::REGISTRY;
        if rng.random_bool(rates.address_format) {
            let mut options =
                vec![NoiseKind::AddressHyphens, NoiseKind::AddressFullWidthDigits, NoiseKind::AddressNoPrefecture];
            if recorded.has_building() {
                options.push(NoiseKind::AddressNoBuilding);
            }
            if recorded.has_chome() {
                options.push(NoiseKind::AddressChomeNumerals);
            }
            let chosen = options[rng.random_range(0..options.len())];
            match chosen {
                NoiseKind::AddressHyphens => writing.hyphens = true,
                NoiseKind::AddressFullWidthDigits => writing.full_width_digits = true,
                NoiseKind::AddressNoPrefecture => writing.prefecture = false,
                NoiseKind::AddressNoBuilding => writing.building = false,
                _ => writing.flip_chome = true,
            }
            kinds.push(chosen);
        }
        let address = recorded.write(writing);

        let mut my_number = person.my_number.clone();
        if coverage.acquired < self.my_number_mandatory && rng.random_bool(self.config.missing_my_number_rate) {
            kinds.push(NoiseKind::MissingMyNumber);
            my_number.clear();
        } else if let Some(source) = person.namesake_of {
            let target = rates.wrong_my_number * (self.summary.members + 1) as f64;
            if (self.wrong_links as f64) < target {
                kinds.push(NoiseKind::WrongMyNumber);
                my_number = my_number_of(&self.my_numbers, source);
                self.wrong_links += 1;
            }
        }

        let on = coverage.lost.map_or(self.config.as_of, |lost| lost - Days::new(1));
        let copay = self.copay(person, kind, on);
        let rng = &mut self.rng;
        let mut insurer_number = self.insurers.list[coverage.insurer].number.as_str().to_owned();
        let acquired_on = coverage.acquired.format("%Y-%m-%d").to_string();
        let mut lost_on = coverage.lost.map(|d| d.format("%Y-%m-%d").to_string()).unwrap_or_default();
        if self.config.invalid_rate > 0.0 && rng.random_bool(self.config.invalid_rate) {
            let mut invalid = *weighted(
                rng,
                &[
                    (NoiseKind::InvalidInsurerCheckDigit, 1.0),
                    (NoiseKind::InvalidMyNumberCheckDigit, 1.0),
                    (NoiseKind::InvalidDate, 1.0),
                    (NoiseKind::EmptyName, 1.0),
                    (NoiseKind::LostBeforeAcquired, 1.0),
                ],
            );
            if invalid == NoiseKind::InvalidMyNumberCheckDigit && my_number.is_empty() {
                invalid = NoiseKind::InvalidInsurerCheckDigit;
            }
            match invalid {
                NoiseKind::InvalidInsurerCheckDigit => bump_last_digit(&mut insurer_number),
                NoiseKind::InvalidMyNumberCheckDigit => bump_last_digit(&mut my_number),
                NoiseKind::InvalidDate => {
                    let month = if rng.random_bool(0.5) { "02-30" } else { "13-01" };
                    birth_date = format!("{}-{month}", person.birth.year());
                }
                NoiseKind::EmptyName => name_kanji.clear(),
                _ => {
                    let before = sub_days(coverage.acquired, rng.random_range(1..=400));
                    lost_on = before.format("%Y-%m-%d").to_string();
                }
            }
            kinds.push(invalid);
            self.summary.invalid_rows += 1;
        }

        let branch = format!("{:02}", coverage.branch);
        self.members.write_record([
            insurer_number.as_str(),
            &coverage.symbol,
            &coverage.number,
            &branch,
            &name_kanji,
            &name_kana,
            &birth_date,
            &person.sex.code().to_string(),
            &address,
            &my_number,
            &coverage.relationship.code().to_string(),
            &copay.to_string(),
            &acquired_on,
            &lost_on,
        ])?;
        let noise: Vec<&str> = kinds.iter().map(|k| k.code()).collect();
        let resident_code = if person.deceased_on.is_some() { "" } else { person.resident_code.as_str() };
        self.truth.write_record([
            insurer_number.as_str(),
            &coverage.symbol,
            &coverage.number,
            &branch,
            resident_code,
            coverage.origin.code(),
            &noise.join(";"),
        ])?;

        if let Some(medical) = self.medical.as_deref_mut()
            && !kinds.iter().any(|kind| kind.is_invalid())
        {
            let key = onshi_domain::insurance::MemberKey {
                insurer_number: insurer_number.parse().expect("a valid row has a valid 保険者番号"),
                symbol: coverage.symbol.parse().expect("synth symbols are valid"),
                number: coverage.number.parse().expect("synth numbers are valid"),
                branch: branch.parse().expect("2 digits"),
            };
            medical.member(&MemberRow {
                key: &key,
                person_id: person.id,
                birth: person.birth,
                sex: person.sex,
                acquired: coverage.acquired,
                lost: coverage.lost,
            })?;
            self.summary.medical_records = medical.lines;
        }

        let summary = &mut *self.summary;
        summary.members += 1;
        self.insurers.list[coverage.insurer].members += 1;
        *summary.members_by_insurer_kind.entry(kind.code()).or_default() += 1;
        if !lost_on.is_empty() {
            summary.members_lost += 1;
        }
        if my_number.is_empty() {
            summary.members_without_my_number += 1;
        }
        for kind in kinds {
            *summary.noise.entry(kind).or_default() += 1;
        }
        Ok(())
    }
}

fn bump_last_digit(value: &mut String) {
    if let Some(last) = value.pop() {
        let digit = last.to_digit(10).unwrap_or(0);
        value.push(char::from_digit((digit + 1) % 10, 10).expect("a digit"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> Date {
        Date::from_ymd_opt(y, m, day).expect("test date")
    }

    #[test]
    fn preschool_ends_the_march_before_school() {
        // Born 2019-04-02: turns 6 on 2025-04-02, enters school April 2026.
        assert!(preschool(d(2019, 4, 2), d(2026, 3, 31)));
        assert!(!preschool(d(2019, 4, 2), d(2026, 4, 1)));
        // Born 2019-04-01: counts as 6 on 2025-03-31, enters April 2025.
        assert!(preschool(d(2019, 4, 1), d(2025, 3, 31)));
        assert!(!preschool(d(2019, 4, 1), d(2025, 4, 1)));
    }

    #[test]
    fn ages_count_the_birthday() {
        assert_eq!(age_on(d(1950, 10, 1), d(2025, 10, 1)), 75);
        assert_eq!(age_on(d(1950, 10, 2), d(2025, 10, 1)), 74);
    }

    #[test]
    fn scatter_is_injective_on_a_prefix() {
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        let scatter = Scatter::new(&mut rng);
        let mut seen = std::collections::BTreeSet::new();
        for idx in 0..100_000 {
            let value = scatter.apply(idx);
            assert!((10_000_000_000..100_000_000_000).contains(&value));
            assert!(seen.insert(value));
        }
    }
}
