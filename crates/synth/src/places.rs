//! The town's geography: a handful of neighbouring municipalities in the Tama
//! area (a main city and its neighbours, one across the 東京都/神奈川県 border),
//! their 町名 and 丁目, and addresses written the several ways registries and
//! clerks write them.
//!
//! Registry addresses follow each municipality's own habit (some write 丁目 in
//! kanji numerals, some in arabic; 番・号 in arabic; old areas use 番地 and
//! 番地の). A building (方書) is separated by an ideographic space U+3000.

use rand::Rng;

use crate::kana::{kanji_numeral, to_full_width_digits};
use crate::pick::Cumulative;

/// How a municipality writes 丁目 in its registry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ChomeStyle {
    Kanji,
    Arabic,
}

/// How a municipality writes the 記号 of its 国民健康保険 cards.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum KokuhoSymbolStyle {
    /// A two-digit district code ("07").
    Digits,
    /// The municipality's short name and a district number ("日野3").
    Kanji,
    /// A kana district letter ("ま").
    Kana,
}

pub(crate) struct Municipality {
    pub(crate) prefecture: u8,
    pub(crate) prefecture_name: &'static str,
    pub(crate) name: &'static str,
    /// Short name used in facility names ("八王子").
    pub(crate) short: &'static str,
    /// Share of the region's residents.
    pub(crate) weight: f64,
    /// 3 digits used as 保険者別番号 for 国保 and 後期高齢 (the local-government code).
    pub(crate) local_code: u16,
    /// 郡市区番号 used in facility codes.
    pub(crate) facility_district: u8,
    pub(crate) chome_style: ChomeStyle,
    pub(crate) kokuho_symbol: KokuhoSymbolStyle,
    /// (町名, number of 丁目; 0 for areas addressed by 番地)
    pub(crate) towns: &'static [(&'static str, u8)],
}

pub(crate) const MUNICIPALITIES: &[Municipality] = &[
    Municipality {
        prefecture: 13,
        prefecture_name: "東京都",
        name: "八王子市",
        short: "八王子",
        weight: 0.52,
        local_code: 201,
        facility_district: 21,
        chome_style: ChomeStyle::Kanji,
        kokuho_symbol: KokuhoSymbolStyle::Digits,
        towns: &[
            ("元本郷町", 4),
            ("本町", 0),
            ("横山町", 0),
            ("八日町", 0),
            ("明神町", 4),
            ("子安町", 4),
            ("旭町", 0),
            ("三崎町", 0),
            ("大和田町", 5),
            ("石川町", 0),
            ("長房町", 0),
            ("散田町", 5),
            ("狭間町", 0),
            ("椚田町", 0),
            ("館町", 0),
            ("めじろ台", 4),
            ("北野台", 5),
            ("打越町", 0),
            ("片倉町", 0),
            ("別所", 2),
            ("堀之内", 3),
            ("松が谷", 0),
            ("鹿島", 0),
            ("南大沢", 5),
            ("上柚木", 3),
            ("下柚木", 3),
            ("緑町", 0),
            ("中野町", 0),
            ("東浅川町", 0),
            ("台町", 4),
        ],
    },
    Municipality {
        prefecture: 13,
        prefecture_name: "東京都",
        name: "日野市",
        short: "日野",
        weight: 0.10,
        local_code: 212,
        facility_district: 23,
        chome_style: ChomeStyle::Kanji,
        kokuho_symbol: KokuhoSymbolStyle::Kanji,
        towns: &[
            ("多摩平", 5),
            ("豊田", 4),
            ("日野本町", 5),
            ("高幡", 0),
            ("程久保", 5),
            ("旭が丘", 5),
            ("南平", 5),
            ("万願寺", 5),
            ("新町", 5),
            ("神明", 4),
        ],
    },
    Municipality {
        prefecture: 13,
        prefecture_name: "東京都",
        name: "町田市",
        short: "町田",
        weight: 0.16,
        local_code: 209,
        facility_district: 26,
        chome_style: ChomeStyle::Arabic,
        kokuho_symbol: KokuhoSymbolStyle::Kana,
        towns: &[
            ("原町田", 5),
            ("森野", 5),
            ("中町", 4),
            ("玉川学園", 5),
            ("鶴川", 5),
            ("成瀬", 5),
            ("南成瀬", 5),
            ("金森", 5),
            ("木曽東", 4),
            ("小山町", 0),
            ("相原町", 0),
            ("忠生", 4),
        ],
    },
    Municipality {
        prefecture: 13,
        prefecture_name: "東京都",
        name: "多摩市",
        short: "多摩",
        weight: 0.08,
        local_code: 224,
        facility_district: 29,
        chome_style: ChomeStyle::Kanji,
        kokuho_symbol: KokuhoSymbolStyle::Digits,
        towns: &[
            ("関戸", 5),
            ("一ノ宮", 4),
            ("永山", 5),
            ("諏訪", 5),
            ("落合", 5),
            ("鶴牧", 5),
            ("桜ヶ丘", 4),
            ("愛宕", 4),
            ("聖ヶ丘", 5),
            ("連光寺", 5),
        ],
    },
    Municipality {
        prefecture: 14,
        prefecture_name: "神奈川県",
        name: "相模原市",
        short: "相模原",
        weight: 0.14,
        local_code: 150,
        facility_district: 31,
        chome_style: ChomeStyle::Kanji,
        kokuho_symbol: KokuhoSymbolStyle::Digits,
        towns: &[
            ("緑区橋本", 5),
            ("緑区二本松", 4),
            ("緑区大島", 0),
            ("緑区相原", 5),
            ("緑区下九沢", 0),
            ("緑区西橋本", 5),
            ("緑区東橋本", 4),
            ("中央区相模原", 5),
            ("中央区富士見", 5),
            ("中央区淵野辺", 5),
            ("中央区上溝", 0),
            ("中央区横山", 5),
            ("中央区清新", 5),
            ("中央区矢部", 4),
        ],
    },
];

const BUILDING_PREFIXES: &[&str] = &[
    "ハイツ",
    "メゾン",
    "コーポ",
    "パークハイム",
    "サンライズ",
    "レジデンス",
    "ヴィラ",
    "シャトー",
    "ガーデンハウス",
    "アーバンコート",
    "クレール",
    "グリーンハイツ",
];
const BUILDING_WORDS: &[&str] =
    &["緑", "桜", "若葉", "青葉", "欅", "富士見", "南", "北", "東", "陽光", "白樺", "松風", "みどり", "ひばり", "高尾"];
const BUILDING_SUFFIXES: &[&str] = &["マンション", "荘", "ハイツ", "コート", "レジデンス", "第2ハイツ", "ビル"];

/// How the room number of a building is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RoomStyle {
    /// "ハイツ緑201"
    Plain,
    /// "ハイツ緑201号室"
    Goshitsu,
    /// "ハイツ緑　201号"
    SpacedGo,
}

/// How a 番地-style address writes a sub-number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BanchiStyle {
    /// "450番地3"
    Plain,
    /// "450番地の3"
    No,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Building {
    pub(crate) name: String,
    pub(crate) room: u16,
    pub(crate) style: RoomStyle,
}

/// A dwelling's address, kept in parts so it can be written several ways.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Address {
    pub(crate) municipality: usize,
    pub(crate) town: usize,
    /// 丁目, 0 for 番地-style areas.
    pub(crate) chome: u8,
    /// 番 (or 番地).
    pub(crate) ban: u16,
    /// 号 (or the sub-number after 番地), 0 for none.
    pub(crate) go: u16,
    pub(crate) banchi_style: BanchiStyle,
    /// Whether this registry entry writes 丁目 in the municipality's habit
    /// (true) or the other way (a minority of older entries).
    pub(crate) chome_habit: bool,
    pub(crate) building: Option<Building>,
}

/// Which way to write an address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Writing {
    pub(crate) prefecture: bool,
    /// Flip 丁目 between kanji and arabic numerals.
    pub(crate) flip_chome: bool,
    /// "3-24-1" instead of 丁目・番・号.
    pub(crate) hyphens: bool,
    pub(crate) full_width_digits: bool,
    pub(crate) building: bool,
}

impl Writing {
    pub(crate) const REGISTRY: Writing =
        Writing { prefecture: true, flip_chome: false, hyphens: false, full_width_digits: false, building: true };
}

/// Draws municipalities by population share.
pub(crate) struct Region {
    municipality_draw: Cumulative,
}

impl Region {
    pub(crate) fn new() -> Region {
        let weights: Vec<f64> = MUNICIPALITIES.iter().map(|m| m.weight).collect();
        Region { municipality_draw: Cumulative::new(&weights) }
    }

    pub(crate) fn municipality(&self, rng: &mut impl Rng) -> usize {
        self.municipality_draw.pick(rng)
    }

    /// A new dwelling somewhere in `municipality`; `apartment_share` of
    /// dwellings are flats in a named building.
    pub(crate) fn address(&self, municipality: usize, apartment_share: f64, rng: &mut impl Rng) -> Address {
        let muni = &MUNICIPALITIES[municipality];
        let town = rng.random_range(0..muni.towns.len());
        let (town_name, chome_count) = muni.towns[town];
        let (chome, ban, go) = if chome_count == 0 {
            let go = if rng.random_bool(0.45) { rng.random_range(1..=30) } else { 0 };
            (0, rng.random_range(1..=3200), go)
        } else {
            (rng.random_range(1..=chome_count), rng.random_range(1..=38), rng.random_range(1..=28))
        };
        let building = rng.random_bool(apartment_share).then(|| {
            let name = match rng.random_range(0..3) {
                0 => format!("{}{}", pick(BUILDING_PREFIXES, rng), pick(BUILDING_WORDS, rng)),
                1 => format!("{}{}", short_town(town_name), pick(BUILDING_SUFFIXES, rng)),
                _ => format!("{}{}", pick(BUILDING_WORDS, rng), pick(BUILDING_SUFFIXES, rng)),
            };
            let floors = rng.random_range(2..=12u16);
            let room = rng.random_range(1..=floors) * 100 + rng.random_range(1..=8u16);
            let style = *crate::pick::weighted(
                rng,
                &[(RoomStyle::Plain, 0.6), (RoomStyle::Goshitsu, 0.3), (RoomStyle::SpacedGo, 0.1)],
            );
            Building { name, room, style }
        });
        Address {
            municipality,
            town,
            chome,
            ban,
            go,
            banchi_style: if rng.random_bool(0.3) { BanchiStyle::No } else { BanchiStyle::Plain },
            chome_habit: rng.random_bool(0.93),
            building,
        }
    }
}

fn pick<'a>(items: &[&'a str], rng: &mut impl Rng) -> &'a str {
    items[rng.random_range(0..items.len())]
}

/// 町名 without a ward prefix or a trailing 町, for facility and building
/// names ("緑区橋本" → "橋本", "元本郷町" → "元本郷").
pub(crate) fn short_town(town: &str) -> &str {
    let town = town.split_once('区').map_or(town, |(_, rest)| rest);
    match town.strip_suffix('町') {
        Some(stem) if stem.chars().count() >= 2 => stem,
        _ => town,
    }
}

impl Address {
    pub(crate) fn municipality(&self) -> &'static Municipality {
        &MUNICIPALITIES[self.municipality]
    }

    pub(crate) fn town_name(&self) -> &'static str {
        self.municipality().towns[self.town].0
    }

    pub(crate) fn has_building(&self) -> bool {
        self.building.is_some()
    }

    /// Whether flipping 丁目 numerals changes anything.
    pub(crate) fn has_chome(&self) -> bool {
        self.chome > 0
    }

    pub(crate) fn write(&self, how: Writing) -> String {
        let muni = self.municipality();
        let mut out = String::with_capacity(96);
        if how.prefecture {
            out.push_str(muni.prefecture_name);
        }
        out.push_str(muni.name);
        out.push_str(self.town_name());
        if how.hyphens {
            let mut parts: Vec<String> = Vec::with_capacity(3);
            if self.chome > 0 {
                parts.push(self.chome.to_string());
            }
            parts.push(self.ban.to_string());
            if self.go > 0 {
                parts.push(self.go.to_string());
            }
            out.push_str(&parts.join("-"));
        } else if self.chome > 0 {
            let kanji = (muni.chome_style == ChomeStyle::Kanji) == self.chome_habit;
            if kanji != how.flip_chome {
                out.push_str(&kanji_numeral(u32::from(self.chome)));
            } else {
                out.push_str(&self.chome.to_string());
            }
            out.push_str("丁目");
            out.push_str(&format!("{}番{}号", self.ban, self.go));
        } else {
            out.push_str(&format!("{}番地", self.ban));
            if self.go > 0 {
                if self.banchi_style == BanchiStyle::No {
                    out.push('の');
                }
                out.push_str(&self.go.to_string());
            }
        }
        if let Some(building) = self.building.as_ref().filter(|_| how.building) {
            out.push(if how.hyphens { ' ' } else { '\u{3000}' });
            out.push_str(&building.name);
            match building.style {
                RoomStyle::Plain => out.push_str(&building.room.to_string()),
                RoomStyle::Goshitsu => out.push_str(&format!("{}号室", building.room)),
                RoomStyle::SpacedGo => out.push_str(&format!("\u{3000}{}号", building.room)),
            }
        }
        if how.full_width_digits { to_full_width_digits(&out) } else { out }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Address {
        Address {
            municipality: 0,
            town: 0,
            chome: 3,
            ban: 24,
            go: 1,
            banchi_style: BanchiStyle::Plain,
            chome_habit: true,
            building: Some(Building { name: "ハイツ緑".to_owned(), room: 201, style: RoomStyle::Plain }),
        }
    }

    #[test]
    fn registry_and_clerk_writings() {
        let address = sample();
        assert_eq!(address.write(Writing::REGISTRY), "東京都八王子市元本郷町三丁目24番1号\u{3000}ハイツ緑201");
        let hyphens = Writing { hyphens: true, ..Writing::REGISTRY };
        assert_eq!(address.write(hyphens), "東京都八王子市元本郷町3-24-1 ハイツ緑201");
        let arabic = Writing { flip_chome: true, building: false, prefecture: false, ..Writing::REGISTRY };
        assert_eq!(address.write(arabic), "八王子市元本郷町3丁目24番1号");
        let wide = Writing { full_width_digits: true, building: false, ..Writing::REGISTRY };
        assert_eq!(address.write(wide), "東京都八王子市元本郷町三丁目２４番１号");
    }

    #[test]
    fn banchi_addresses() {
        let address =
            Address { town: 10, chome: 0, ban: 450, go: 3, banchi_style: BanchiStyle::No, building: None, ..sample() };
        assert_eq!(address.write(Writing::REGISTRY), "東京都八王子市長房町450番地の3");
        let hyphens = Writing { hyphens: true, ..Writing::REGISTRY };
        assert_eq!(address.write(hyphens), "東京都八王子市長房町450-3");
    }

    #[test]
    fn short_town_names() {
        assert_eq!(short_town("緑区橋本"), "橋本");
        assert_eq!(short_town("元本郷町"), "元本郷");
        assert_eq!(short_town("本町"), "本町");
    }
}
