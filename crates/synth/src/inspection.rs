//! An inspection test set (総点検の試験データ): member records linked to
//! residents, each labelled with the truth about its link, to measure how
//! well the linkage engine tells right links from wrong ones and finds the
//! resident of an unlinked member.
//!
//! Everything is a pure function of [`InspectionConfig`] and lives in memory:
//! a registry of residents (households sharing a surname and an address, and
//! namesakes made on purpose) and one member record per person, as an
//! insurer's clerk wrote it. Each member carries a [`Label`]:
//!
//! - `clean`: linked to the right resident, written exactly as the registry
//!   writes it;
//! - `harmless_noise`: linked to the right resident, written differently in
//!   ways that do not change who it describes ([`Noise`]: half-width or
//!   hiragana kana, spacing, 旧字体/新字体, the address without prefecture,
//!   with hyphens, other numerals, ヶ/ケ/が, without the building, another
//!   room suffix, the birth date in 和暦 or as digits);
//! - `wrong_namesake`: linked to a namesake (同姓同名: same カナ氏名, 生年月日
//!   and 性別, another address, often another kanji spelling), who is
//!   generated into the registry for the purpose: the 2023 pattern;
//! - `wrong_family`: linked to another member of the household (same
//!   surname and address);
//! - `wrong_random`: linked to a random resident (a mistyped My Number);
//! - `true_change`: linked to the right resident, but the person moved or
//!   married and the insurer's record is out of date: a person must confirm;
//! - `unlinked_*`: no My Number, so no link; `unlinked_clean`,
//!   `unlinked_noise` and `unlinked_change` are in the registry
//!   ([`Member::truth`]), `unlinked_absent` is not (emigrated or died) and
//!   half of those have a namesake in the registry that must not be taken
//!   for them.
//!
//! The rates are far above real ones on purpose, so that every label has
//! enough cases to measure; precision figures depend on them.

use std::collections::HashMap;

use chrono::{Datelike, Days, Months};
use onshi_domain::Date;
use onshi_domain::linkage::{self, FindVerdict, LinkVerdict};
use onshi_domain::person::{FiveAttributes, Sex};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::kana;
use crate::names::{NamePart, Names};
use crate::pick::weighted;
use crate::places::{Address, BanchiStyle, MUNICIPALITIES, Region, RoomStyle, Writing};
use crate::town::{Role, household_shape};

/// What to generate.
#[derive(Debug, Clone, PartialEq)]
pub struct InspectionConfig {
    /// Member records to make (one per person).
    pub members: usize,
    pub seed: u64,
    /// "Today": ages are as of this day.
    pub as_of: Date,
    pub rates: LabelRates,
}

/// The share of members given each label; `clean` takes the rest.
#[derive(Debug, Clone, PartialEq)]
pub struct LabelRates {
    pub harmless_noise: f64,
    pub wrong_namesake: f64,
    pub wrong_family: f64,
    pub wrong_random: f64,
    pub true_change: f64,
    /// Members with no My Number; split among the `unlinked_*` labels by
    /// the shares below.
    pub unlinked: f64,
    /// Of the unlinked: written with harmless noise.
    pub unlinked_noise_share: f64,
    /// Of the unlinked: the person moved or married since.
    pub unlinked_change_share: f64,
    /// Of the unlinked: not in the registry at all.
    pub unlinked_absent_share: f64,
    /// Chance that a resident has a namesake elsewhere in the registry
    /// regardless of the label (the namesakes of `wrong_namesake` and of
    /// half the `unlinked_absent` come on top).
    pub namesake: f64,
}

impl Default for LabelRates {
    fn default() -> LabelRates {
        LabelRates {
            harmless_noise: 0.40,
            wrong_namesake: 0.01,
            wrong_family: 0.01,
            wrong_random: 0.01,
            true_change: 0.03,
            unlinked: 0.05,
            unlinked_noise_share: 0.45,
            unlinked_change_share: 0.03,
            unlinked_absent_share: 0.10,
            namesake: 0.02,
        }
    }
}

impl Default for InspectionConfig {
    fn default() -> InspectionConfig {
        InspectionConfig {
            members: 20_000,
            seed: 1,
            as_of: Date::from_ymd_opt(2025, 10, 1).expect("a calendar date"),
            rates: LabelRates::default(),
        }
    }
}

/// The truth about a member record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Label {
    Clean,
    HarmlessNoise,
    WrongNamesake,
    WrongFamily,
    WrongRandom,
    TrueChange,
    UnlinkedClean,
    UnlinkedNoise,
    UnlinkedChange,
    UnlinkedAbsent,
}

impl Label {
    pub const ALL: [Label; 10] = [
        Label::Clean,
        Label::HarmlessNoise,
        Label::WrongNamesake,
        Label::WrongFamily,
        Label::WrongRandom,
        Label::TrueChange,
        Label::UnlinkedClean,
        Label::UnlinkedNoise,
        Label::UnlinkedChange,
        Label::UnlinkedAbsent,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Label::Clean => "clean",
            Label::HarmlessNoise => "harmless_noise",
            Label::WrongNamesake => "wrong_namesake",
            Label::WrongFamily => "wrong_family",
            Label::WrongRandom => "wrong_random",
            Label::TrueChange => "true_change",
            Label::UnlinkedClean => "unlinked_clean",
            Label::UnlinkedNoise => "unlinked_noise",
            Label::UnlinkedChange => "unlinked_change",
            Label::UnlinkedAbsent => "unlinked_absent",
        }
    }

    /// Linked to someone other than the person: the positives of `mismatch`.
    pub fn is_wrong(self) -> bool {
        matches!(self, Label::WrongNamesake | Label::WrongFamily | Label::WrongRandom)
    }

    /// No My Number, no link.
    pub fn is_unlinked(self) -> bool {
        matches!(self, Label::UnlinkedClean | Label::UnlinkedNoise | Label::UnlinkedChange | Label::UnlinkedAbsent)
    }
}

/// A harmless difference in how a member record is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Noise {
    HalfWidthKana,
    HiraganaKana,
    /// Small kana written large, as systems on the 全銀協 character set do
    /// (ショウ → シヨウ).
    LargeKana,
    KanaSpacing,
    KanjiSpacing,
    /// The registry holds the old form (髙橋), the insurer the common one.
    CommonFormKanji,
    /// The registry holds the common form, the insurer the old one.
    OldFormKanji,
    AddressNoPrefecture,
    AddressHyphens,
    AddressFullWidthDigits,
    AddressChomeNumerals,
    AddressNoBuilding,
    /// ヶ, ケ or が written another way in the place name.
    AddressPlaceNameKana,
    /// The room written another way: `201`, `201号室`, `　201号`.
    AddressRoomSuffix,
    /// `450番地3` against `450番地の3`.
    AddressBanchiNo,
    /// No space between the house number and the building.
    AddressBuildingNoSpace,
    WarekiBirthDate,
    CompactBirthDate,
}

impl Noise {
    pub fn code(self) -> &'static str {
        match self {
            Noise::HalfWidthKana => "half_width_kana",
            Noise::HiraganaKana => "hiragana_kana",
            Noise::LargeKana => "large_kana",
            Noise::KanaSpacing => "kana_spacing",
            Noise::KanjiSpacing => "kanji_spacing",
            Noise::CommonFormKanji => "common_form_kanji",
            Noise::OldFormKanji => "old_form_kanji",
            Noise::AddressNoPrefecture => "address_no_prefecture",
            Noise::AddressHyphens => "address_hyphens",
            Noise::AddressFullWidthDigits => "address_full_width_digits",
            Noise::AddressChomeNumerals => "address_chome_numerals",
            Noise::AddressNoBuilding => "address_no_building",
            Noise::AddressPlaceNameKana => "address_place_name_kana",
            Noise::AddressRoomSuffix => "address_room_suffix",
            Noise::AddressBanchiNo => "address_banchi_no",
            Noise::AddressBuildingNoSpace => "address_building_no_space",
            Noise::WarekiBirthDate => "wareki_birth_date",
            Noise::CompactBirthDate => "compact_birth_date",
        }
    }
}

/// What changed in the life of a `true_change` or `unlinked_change` member.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Change {
    Moved,
    Married,
    MarriedAndMoved,
}

impl Change {
    pub fn code(self) -> &'static str {
        match self {
            Change::Moved => "moved",
            Change::Married => "married",
            Change::MarriedAndMoved => "married_and_moved",
        }
    }
}

/// A resident of the registry, as the registry writes them.
#[derive(Debug, Clone, PartialEq)]
pub struct Resident {
    /// Index in [`InspectionSet::residents`].
    pub id: u32,
    /// Residents of one household share it (and their surname and address).
    pub household: u32,
    pub attributes: FiveAttributes,
}

/// A member record as the insurer holds it, with the truth about it.
#[derive(Debug, Clone, PartialEq)]
pub struct Member {
    /// Index in [`InspectionSet::members`].
    pub id: u32,
    pub label: Label,
    /// The 5 attributes, the birth date parsed from `birth_date_written`.
    pub attributes: FiveAttributes,
    /// The birth date as the clerk wrote it (ISO, 和暦 or digits).
    pub birth_date_written: String,
    /// The resident the member is linked to (by its My Number); `None` for
    /// the unlinked.
    pub linked: Option<u32>,
    /// The resident the member truly is; `None` when not in the registry.
    pub truth: Option<u32>,
    pub noise: Vec<Noise>,
    pub change: Option<Change>,
}

/// The registry and the members.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct InspectionSet {
    pub residents: Vec<Resident>,
    pub members: Vec<Member>,
}

/// A person before being written: their name parts, so that namesakes and
/// variant spellings can be made.
#[derive(Clone)]
struct Person {
    surname: NamePart,
    /// Whether the registry writes the surname's old form (when it has one).
    registry_old_form: bool,
    given: NamePart,
    birth: Date,
    sex: Sex,
    address: Address,
}

impl Person {
    fn registry_surname(&self) -> &'static str {
        if self.registry_old_form { self.surname.kanji } else { self.surname.common }
    }

    fn registry_attributes(&self) -> FiveAttributes {
        FiveAttributes {
            name_kanji: format!("{}\u{3000}{}", self.registry_surname(), self.given.kanji),
            name_kana: format!("{}\u{3000}{}", self.surname.kana, self.given.kana),
            birth_date: self.birth,
            sex: self.sex,
            address: self.address.write(Writing::REGISTRY),
        }
    }
}

/// Generate the set.
pub fn generate(config: &InspectionConfig) -> InspectionSet {
    let mut rng = ChaCha8Rng::seed_from_u64(config.seed);
    rng.set_stream(7);
    let mut generator = Generator {
        config,
        rng,
        names: Names::new(),
        region: Region::new(),
        set: InspectionSet {
            residents: Vec::with_capacity(config.members + config.members / 20),
            members: Vec::with_capacity(config.members),
        },
        households: 0,
    };
    while generator.set.members.len() < config.members {
        generator.household();
    }
    generator.set
}

struct Generator<'c> {
    config: &'c InspectionConfig,
    rng: ChaCha8Rng,
    names: Names,
    region: Region,
    set: InspectionSet,
    households: u32,
}

impl Generator<'_> {
    fn birth_for_age(&mut self, age: u32) -> Date {
        let latest = self.config.as_of.checked_sub_months(Months::new(12 * age)).expect("ages are bounded");
        let earliest = latest.checked_sub_months(Months::new(12)).expect("ages are bounded") + Days::new(1);
        let span = (latest - earliest).num_days() as u64;
        earliest + Days::new(self.rng.random_range(0..=span))
    }

    fn label(&mut self) -> Label {
        let rates = &self.config.rates;
        let roll: f64 = self.rng.random();
        if roll < rates.unlinked {
            let roll: f64 = self.rng.random();
            return if roll < rates.unlinked_absent_share {
                Label::UnlinkedAbsent
            } else if roll < rates.unlinked_absent_share + rates.unlinked_change_share {
                Label::UnlinkedChange
            } else if roll < rates.unlinked_absent_share + rates.unlinked_change_share + rates.unlinked_noise_share {
                Label::UnlinkedNoise
            } else {
                Label::UnlinkedClean
            };
        }
        let mut edge = rates.unlinked;
        for (rate, label) in [
            (rates.wrong_namesake, Label::WrongNamesake),
            (rates.wrong_family, Label::WrongFamily),
            (rates.wrong_random, Label::WrongRandom),
            (rates.true_change, Label::TrueChange),
            (rates.harmless_noise, Label::HarmlessNoise),
        ] {
            edge += rate;
            if roll < edge {
                return label;
            }
        }
        Label::Clean
    }

    fn household(&mut self) {
        let (drafts, apartment_share) = household_shape(&mut self.rng, 0.0);
        let municipality = self.region.municipality(&mut self.rng);
        let address = self.region.address(municipality, apartment_share, &mut self.rng);
        let old_form_rate = 0.15;
        let surname = self.names.surname(&mut self.rng, old_form_rate);
        let parents_surname =
            if self.rng.random_bool(0.25) { self.names.surname(&mut self.rng, old_form_rate) } else { surname };
        let mut people = Vec::with_capacity(drafts.len());
        let mut taken: Vec<u16> = Vec::with_capacity(drafts.len());
        for draft in drafts.iter().filter(|d| !d.deceased) {
            let birth = self.birth_for_age(draft.age);
            let given = self.names.given(draft.sex, birth.year(), &taken, &mut self.rng);
            taken.push(given.reading);
            let surname = if draft.role == Role::Parent { parents_surname } else { surname };
            let registry_old_form = surname.is_old_form() && self.rng.random_bool(0.6);
            people.push(Person { surname, registry_old_form, given, birth, sex: draft.sex, address: address.clone() });
        }
        let remaining = self.config.members - self.set.members.len();
        people.truncate(remaining);
        let mut labels: Vec<Label> = people.iter().map(|_| self.label()).collect();
        // A wrong family link needs a family member in the registry.
        let present = labels.iter().filter(|l| **l != Label::UnlinkedAbsent).count();
        for label in labels.iter_mut() {
            if *label == Label::WrongFamily && present < 2 {
                *label = Label::WrongRandom;
            }
        }

        // The household's residents, contiguous; the absent are not in the
        // registry.
        let household = self.households;
        self.households += 1;
        let mut resident_of: Vec<Option<u32>> = Vec::with_capacity(people.len());
        for (person, label) in people.iter_mut().zip(&labels) {
            if *label == Label::UnlinkedAbsent {
                resident_of.push(None);
                continue;
            }
            // Married: the registry has the new surname, the insurer's
            // record (written below from `person`) the old one.
            resident_of.push(Some(self.push_resident(household, person.registry_attributes())));
        }
        for (idx, person) in people.iter().enumerate() {
            let label = labels[idx];
            let truth = resident_of[idx];
            if label != Label::UnlinkedAbsent && self.rng.random_bool(self.config.rates.namesake) {
                self.namesake(person);
            }
            let mut linked = truth;
            let mut written = person.clone();
            let mut change = None;
            let mut noisy = label == Label::HarmlessNoise || label == Label::UnlinkedNoise;
            match label {
                Label::WrongNamesake => {
                    linked = Some(self.namesake(person));
                    noisy = self.rng.random_bool(self.config.rates.harmless_noise);
                }
                Label::WrongFamily => {
                    let family: Vec<u32> =
                        resident_of.iter().enumerate().filter(|(k, _)| *k != idx).filter_map(|(_, r)| *r).collect();
                    linked = Some(family[self.rng.random_range(0..family.len())]);
                    noisy = self.rng.random_bool(self.config.rates.harmless_noise);
                }
                Label::WrongRandom => {
                    let own = truth.expect("a wrong random link is in the registry");
                    let mut other = self.rng.random_range(0..self.set.residents.len()) as u32;
                    if other == own {
                        other = (other + 1) % self.set.residents.len() as u32;
                    }
                    linked = Some(other);
                    noisy = self.rng.random_bool(self.config.rates.harmless_noise);
                }
                Label::TrueChange | Label::UnlinkedChange => {
                    let resident = truth.expect("a changed person is in the registry");
                    change = Some(self.change(person, resident, &mut written));
                    noisy = self.rng.random_bool(self.config.rates.harmless_noise);
                }
                Label::UnlinkedAbsent if self.rng.random_bool(0.5) => {
                    self.namesake(person);
                }
                _ => {}
            }
            if label.is_unlinked() {
                linked = None;
            }
            let (attributes, birth_date_written, noise) = self.member_record(&written, noisy);
            let id = self.set.members.len() as u32;
            self.set.members.push(Member { id, label, attributes, birth_date_written, linked, truth, noise, change });
        }
    }

    fn push_resident(&mut self, household: u32, attributes: FiveAttributes) -> u32 {
        let id = self.set.residents.len() as u32;
        self.set.residents.push(Resident { id, household, attributes });
        id
    }

    /// Another resident with the same カナ氏名, 生年月日 and 性別 at another
    /// address, preferring another spelling of each part (as `onshi synth`
    /// does); the name tables often have none, so about half of the
    /// namesakes are spelled the same (after folding 旧字体); returns its id.
    fn namesake(&mut self, person: &Person) -> u32 {
        let (surname, given) = (person.surname, person.given);
        let surname = self.names.surname_with_reading(surname.reading, surname.kanji, 0.8, 0.15, &mut self.rng);
        let given = self.names.given_with_reading(person.sex, given.reading, given.kanji, 0.8, &mut self.rng);
        let mut address = self.other_address(&person.address);
        if address.write(Writing::REGISTRY) == person.address.write(Writing::REGISTRY) {
            address = self.other_address(&person.address);
        }
        let namesake = Person {
            surname,
            registry_old_form: surname.is_old_form() && self.rng.random_bool(0.6),
            given,
            birth: person.birth,
            sex: person.sex,
            address,
        };
        let household = self.households;
        self.households += 1;
        self.push_resident(household, namesake.registry_attributes())
    }

    /// An address elsewhere: half the time in the same municipality.
    fn other_address(&mut self, from: &Address) -> Address {
        let municipality = if self.rng.random_bool(0.5) {
            from.municipality
        } else {
            let other = self.region.municipality(&mut self.rng);
            if other == from.municipality { (other + 1) % MUNICIPALITIES.len() } else { other }
        };
        let apartment_share = if from.has_building() { 0.6 } else { 0.3 };
        self.region.address(municipality, apartment_share, &mut self.rng)
    }

    /// The person moved or married: the registry (resident `resident`) is up
    /// to date, `written` becomes the insurer's out-of-date record.
    fn change(&mut self, person: &Person, resident: u32, written: &mut Person) -> Change {
        let can_marry = person.sex == Sex::Female && self.config.as_of.year() - person.birth.year() >= 20;
        let change = if can_marry {
            *weighted(&mut self.rng, &[(Change::Moved, 0.4), (Change::Married, 0.2), (Change::MarriedAndMoved, 0.4)])
        } else {
            Change::Moved
        };
        if matches!(change, Change::Moved | Change::MarriedAndMoved) {
            written.address = self.other_address(&person.address);
        }
        if matches!(change, Change::Married | Change::MarriedAndMoved) {
            // The maiden name: another surname reading.
            let mut maiden = self.names.surname(&mut self.rng, 0.15);
            for _ in 0..8 {
                if maiden.reading != person.surname.reading {
                    break;
                }
                maiden = self.names.surname(&mut self.rng, 0.15);
            }
            written.surname = maiden;
            written.registry_old_form = maiden.is_old_form() && self.rng.random_bool(0.6);
        }
        debug_assert_eq!(self.set.residents[resident as usize].attributes.birth_date, person.birth);
        change
    }

    /// The member record of `person` as the clerk wrote it: exactly as the
    /// registry would, or with one to three kinds of harmless noise.
    fn member_record(&mut self, person: &Person, noisy: bool) -> (FiveAttributes, String, Vec<Noise>) {
        let mut noise: Vec<Noise> = Vec::new();
        if noisy {
            let count = *weighted(&mut self.rng, &[(1usize, 0.6), (2, 0.3), (3, 0.1)]);
            // Some kinds do not apply to every record; kana and kanji
            // spacing always do, so the loop ends with `count` kinds.
            for _ in 0..count * 64 {
                if noise.len() == count {
                    break;
                }
                let kind = *weighted(
                    &mut self.rng,
                    &[
                        (Noise::HalfWidthKana, 3.0),
                        (Noise::HiraganaKana, 1.0),
                        (Noise::LargeKana, 1.0),
                        (Noise::KanaSpacing, 2.0),
                        (Noise::KanjiSpacing, 2.0),
                        (Noise::CommonFormKanji, 2.0),
                        (Noise::OldFormKanji, 1.0),
                        (Noise::AddressNoPrefecture, 2.0),
                        (Noise::AddressHyphens, 2.0),
                        (Noise::AddressFullWidthDigits, 1.0),
                        (Noise::AddressChomeNumerals, 1.0),
                        (Noise::AddressNoBuilding, 1.0),
                        (Noise::AddressPlaceNameKana, 1.0),
                        (Noise::AddressRoomSuffix, 1.0),
                        (Noise::AddressBanchiNo, 1.0),
                        (Noise::AddressBuildingNoSpace, 1.0),
                        (Noise::WarekiBirthDate, 1.5),
                        (Noise::CompactBirthDate, 1.0),
                    ],
                );
                let applies = match kind {
                    Noise::CommonFormKanji => person.surname.is_old_form() && person.registry_old_form,
                    Noise::OldFormKanji => person.surname.is_old_form() && !person.registry_old_form,
                    Noise::HiraganaKana => !noise.contains(&Noise::HalfWidthKana),
                    Noise::HalfWidthKana => !noise.contains(&Noise::HiraganaKana),
                    Noise::CompactBirthDate => !noise.contains(&Noise::WarekiBirthDate),
                    Noise::WarekiBirthDate => {
                        !noise.contains(&Noise::CompactBirthDate) && onshi_domain::wareki::format(person.birth).is_ok()
                    }
                    Noise::AddressChomeNumerals => person.address.has_chome(),
                    Noise::AddressNoBuilding | Noise::AddressRoomSuffix => person.address.has_building(),
                    Noise::AddressBuildingNoSpace => {
                        person.address.has_building() && !noise.contains(&Noise::AddressNoBuilding)
                    }
                    Noise::AddressBanchiNo => person.address.chome == 0 && person.address.go > 0,
                    Noise::LargeKana => {
                        let kana = format!("{}{}", person.surname.kana, person.given.kana);
                        kana.chars().any(|c| large_kana(c) != c)
                    }
                    Noise::AddressPlaceNameKana => place_name_kana(person.address.town_name()).is_some(),
                    _ => true,
                };
                if applies && !noise.contains(&kind) {
                    noise.push(kind);
                }
            }
            noise.sort();
        }
        let has = |kind: Noise| noise.contains(&kind);
        let surname = match (has(Noise::CommonFormKanji), has(Noise::OldFormKanji)) {
            (true, _) => person.surname.common,
            (_, true) => person.surname.kanji,
            _ => person.registry_surname(),
        };
        let gap = |rng: &mut ChaCha8Rng, noisy: bool| {
            if !noisy {
                "\u{3000}"
            } else if rng.random_bool(0.5) {
                ""
            } else {
                " "
            }
        };
        let kanji_gap = gap(&mut self.rng, has(Noise::KanjiSpacing));
        let kana_gap = gap(&mut self.rng, has(Noise::KanaSpacing));
        let name_kanji = format!("{surname}{kanji_gap}{}", person.given.kanji);
        let mut name_kana = format!("{}{kana_gap}{}", person.surname.kana, person.given.kana);
        if has(Noise::LargeKana) {
            name_kana = name_kana.chars().map(large_kana).collect();
        }
        if has(Noise::HalfWidthKana) {
            name_kana = kana::to_half_width(&name_kana);
        } else if has(Noise::HiraganaKana) {
            name_kana = kana::to_hiragana(&name_kana);
        }

        let birth_date_written = if has(Noise::WarekiBirthDate) {
            let wareki = if self.rng.random_bool(0.85) {
                onshi_domain::wareki::format(person.birth)
            } else {
                onshi_domain::wareki::format_short(person.birth)
            };
            wareki.expect("checked above")
        } else if has(Noise::CompactBirthDate) {
            person.birth.format("%Y%m%d").to_string()
        } else {
            person.birth.format("%Y-%m-%d").to_string()
        };
        let birth_date = onshi_domain::date::parse_date(&birth_date_written).expect("a date the domain wrote");
        debug_assert_eq!(birth_date, person.birth);

        let mut address = person.address.clone();
        if has(Noise::AddressRoomSuffix)
            && let Some(building) = address.building.as_mut()
        {
            let others: Vec<RoomStyle> = [RoomStyle::Plain, RoomStyle::Goshitsu, RoomStyle::SpacedGo]
                .into_iter()
                .filter(|style| *style != building.style)
                .collect();
            building.style = others[self.rng.random_range(0..others.len())];
        }
        if has(Noise::AddressBanchiNo) {
            address.banchi_style = match address.banchi_style {
                BanchiStyle::Plain => BanchiStyle::No,
                BanchiStyle::No => BanchiStyle::Plain,
            };
        }
        let writing = Writing {
            prefecture: !has(Noise::AddressNoPrefecture),
            flip_chome: has(Noise::AddressChomeNumerals),
            hyphens: has(Noise::AddressHyphens),
            full_width_digits: has(Noise::AddressFullWidthDigits),
            building: !has(Noise::AddressNoBuilding),
        };
        let mut address_text = address.write(writing);
        if has(Noise::AddressPlaceNameKana) {
            let town = person.address.town_name();
            let other = place_name_kana(town).expect("checked above");
            address_text = address_text.replacen(town, &other, 1);
        }
        if has(Noise::AddressBuildingNoSpace)
            && let Some(building) = address.building.as_ref()
        {
            for gap in ["\u{3000}", " "] {
                address_text = address_text.replacen(&format!("{gap}{}", building.name), &building.name, 1);
            }
        }
        let attributes = FiveAttributes { name_kanji, name_kana, birth_date, sex: person.sex, address: address_text };
        (attributes, birth_date_written, noise)
    }
}

/// A small kana as its large form (ョ → ヨ); others unchanged.
fn large_kana(c: char) -> char {
    const SMALL: &str = "ァィゥェォッャュョヮヵヶ";
    const LARGE: &str = "アイウエオツヤユヨワカケ";
    SMALL.chars().position(|small| small == c).and_then(|at| LARGE.chars().nth(at)).unwrap_or(c)
}

/// The town name with ヶ, ケ or が written another way (桜ヶ丘 → 桜ケ丘,
/// 松が谷 → 松ヶ谷); `None` when it has none of them.
fn place_name_kana(town: &str) -> Option<String> {
    let (at, c) = town.char_indices().find(|(_, c)| matches!(c, 'ヶ' | 'ケ' | 'が'))?;
    let other = match c {
        'ヶ' => 'ケ',
        'ケ' => 'が',
        _ => 'ヶ',
    };
    Some(format!("{}{other}{}", &town[..at], &town[at + c.len_utf8()..]))
}

/// Residents by (normalised カナ氏名, 生年月日): the blocking key that finds the
/// candidates of an unlinked member. A resident agreeing on all 5 attributes
/// agrees on these two after folding, so the block loses no resident that
/// [`linkage::find`] could accept.
#[derive(Debug, Default)]
pub struct BlockingIndex {
    blocks: HashMap<(String, Date), Vec<u32>>,
}

impl BlockingIndex {
    pub fn new<'a>(residents: impl IntoIterator<Item = (u32, &'a FiveAttributes)>) -> BlockingIndex {
        let mut blocks: HashMap<(String, Date), Vec<u32>> = HashMap::new();
        for (id, attributes) in residents {
            blocks.entry(Self::key(attributes)).or_default().push(id);
        }
        BlockingIndex { blocks }
    }

    fn key(attributes: &FiveAttributes) -> (String, Date) {
        (onshi_domain::text::normalise_kana_name(&attributes.name_kana), attributes.birth_date)
    }

    /// The ids of the residents sharing the member's key.
    pub fn candidates(&self, member: &FiveAttributes) -> &[u32] {
        self.blocks.get(&Self::key(member)).map_or(&[], Vec::as_slice)
    }
}

/// How a search for an unlinked member's resident ended, against the truth.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FindOutcome {
    /// Found, and it is the person.
    Correct,
    /// Found someone who is not the person (or the person is not in the
    /// registry at all).
    WrongPerson,
    Ambiguous,
    NotFound,
}

impl FindOutcome {
    pub const ALL: [FindOutcome; 4] =
        [FindOutcome::Correct, FindOutcome::WrongPerson, FindOutcome::Ambiguous, FindOutcome::NotFound];

    pub fn code(self) -> &'static str {
        match self {
            FindOutcome::Correct => "found_correct",
            FindOutcome::WrongPerson => "found_wrong_person",
            FindOutcome::Ambiguous => "ambiguous",
            FindOutcome::NotFound => "not_found",
        }
    }
}

/// The engine's verdicts on a set, tallied against the truth.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Evaluation {
    /// Linked members: (label, verdict code) → count.
    pub verdicts: HashMap<(Label, &'static str), usize>,
    /// Unlinked members: (label, outcome) → count.
    pub finds: HashMap<(Label, FindOutcome), usize>,
    /// Linked members with harmless noise only that went to `review`, with
    /// the reasons, for a look at what the engine did not fold.
    pub harmless_reviews: Vec<(u32, Vec<String>)>,
    /// `true_change` members: (what changed, verdict code) → count.
    pub changes: HashMap<(Change, &'static str), usize>,
    /// Seconds spent judging the linked members.
    pub judge_seconds: f64,
    /// Seconds spent building the blocking index over the registry.
    pub index_seconds: f64,
    /// Seconds spent finding the unlinked members.
    pub find_seconds: f64,
}

impl Evaluation {
    pub fn verdict_count(&self, label: Label, verdict: &str) -> usize {
        self.verdicts.iter().filter(|((l, v), _)| *l == label && *v == verdict).map(|(_, n)| n).sum()
    }

    pub fn label_count(&self, label: Label) -> usize {
        self.verdicts.iter().filter(|((l, _), _)| *l == label).map(|(_, n)| n).sum::<usize>()
            + self.finds.iter().filter(|((l, _), _)| *l == label).map(|(_, n)| n).sum::<usize>()
    }

    pub fn find_count(&self, outcome: FindOutcome) -> usize {
        self.finds.iter().filter(|((_, o), _)| *o == outcome).map(|(_, n)| n).sum()
    }

    /// Members judged `mismatch` that are wrong links, all `mismatch`, all
    /// wrong links.
    pub fn mismatch_counts(&self) -> (usize, usize, usize) {
        let mut true_positive = 0;
        let mut predicted = 0;
        let mut actual = 0;
        for ((label, verdict), n) in &self.verdicts {
            let mismatch = *verdict == "mismatch";
            if mismatch {
                predicted += n;
            }
            if label.is_wrong() {
                actual += n;
                if mismatch {
                    true_positive += n;
                }
            }
        }
        (true_positive, predicted, actual)
    }

    /// Unlinked members whose person is in the registry.
    pub fn findable(&self) -> usize {
        self.finds.iter().filter(|((label, _), _)| *label != Label::UnlinkedAbsent).map(|(_, n)| n).sum()
    }
}

/// Run the domain engine over the set: judge each linked member against
/// the resident it is linked to, and search for each unlinked member among
/// the residents of its block.
pub fn evaluate(set: &InspectionSet) -> Evaluation {
    let mut evaluation = Evaluation::default();
    let started = std::time::Instant::now();
    for member in set.members.iter() {
        let Some(linked) = member.linked else { continue };
        let resident = &set.residents[linked as usize];
        let verdict = linkage::judge_link(&linkage::compare(&member.attributes, &resident.attributes));
        if member.label == Label::HarmlessNoise
            && let LinkVerdict::Review { reasons } = &verdict
        {
            evaluation.harmless_reviews.push((member.id, reasons.clone()));
        }
        if let Some(change) = member.change {
            *evaluation.changes.entry((change, verdict.code())).or_default() += 1;
        }
        *evaluation.verdicts.entry((member.label, verdict.code())).or_default() += 1;
    }
    evaluation.judge_seconds = started.elapsed().as_secs_f64();

    let started = std::time::Instant::now();
    let index = BlockingIndex::new(set.residents.iter().map(|r| (r.id, &r.attributes)));
    evaluation.index_seconds = started.elapsed().as_secs_f64();

    let started = std::time::Instant::now();
    for member in set.members.iter().filter(|m| m.label.is_unlinked()) {
        let candidates =
            index.candidates(&member.attributes).iter().map(|id| (*id, &set.residents[*id as usize].attributes));
        let outcome = judge_find(linkage::find(&member.attributes, candidates), member.truth);
        *evaluation.finds.entry((member.label, outcome)).or_default() += 1;
    }
    evaluation.find_seconds = started.elapsed().as_secs_f64();
    evaluation
}

/// A find verdict against the truth.
pub fn judge_find(verdict: FindVerdict<u32>, truth: Option<u32>) -> FindOutcome {
    match verdict {
        FindVerdict::Found(id) if Some(id) == truth => FindOutcome::Correct,
        FindVerdict::Found(_) => FindOutcome::WrongPerson,
        FindVerdict::Ambiguous(_) => FindOutcome::Ambiguous,
        FindVerdict::NotFound => FindOutcome::NotFound,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn place_name_kana_variants() {
        assert_eq!(place_name_kana("桜ヶ丘").as_deref(), Some("桜ケ丘"));
        assert_eq!(place_name_kana("松が谷").as_deref(), Some("松ヶ谷"));
        assert_eq!(place_name_kana("元本郷町"), None);
    }

    #[test]
    fn large_kana_of_small_ones() {
        assert_eq!("ショウ".chars().map(large_kana).collect::<String>(), "シヨウ");
        assert_eq!(large_kana('ア'), 'ア');
    }
}
