//! The insurers of the region and the employers behind the employee schemes,
//! with valid 保険者番号 and realistic 記号・番号 for each kind:
//!
//! - 協会けんぽ (法別 01): one 支部 per prefecture; 記号 is the employer's number
//!   (4–8 digits), 番号 the employee's running number (1–7 digits).
//! - 健康保険組合 (06): a few societies of large firms; short numeric 記号 per
//!   business unit, short 番号.
//! - 共済組合 (31 国家公務員, 32 地方公務員, 33 警察, 34 公立学校・私学): 記号 of a
//!   few digits, sometimes with a kanji prefix.
//! - 国民健康保険: one per municipality (6 digits); 記号 is a district code in the
//!   municipality's habit (digits, kanji or kana), 番号 per household (世帯).
//! - 後期高齢者医療: one number per municipality within the prefecture's 広域連合
//!   (法別 39); no 記号, an 8-digit personal 番号.

use std::collections::BTreeSet;

use onshi_domain::id::{InsurerKind, InsurerNumber};
use rand::Rng;

use crate::places::{KokuhoSymbolStyle, MUNICIPALITIES};

/// One insurer with the counter it numbers members from.
pub(crate) struct Insurer {
    pub(crate) number: InsurerNumber,
    pub(crate) kind: InsurerKind,
    pub(crate) name: String,
    next: u32,
    pub(crate) members: usize,
}

/// An employer: which insurer its staff belong to and its 記号.
pub(crate) struct Employer {
    pub(crate) insurer: usize,
    pub(crate) symbol: String,
    next: u32,
}

/// All insurers, indexed by what the generator asks for.
pub(crate) struct Insurers {
    pub(crate) list: Vec<Insurer>,
    kokuho: Vec<usize>,
    koki: Vec<usize>,
    pub(crate) employers: Vec<Employer>,
    employer_draw: crate::pick::Cumulative,
}

/// (law code, prefecture, 保険者別番号, name)
const EMPLOYEE_SCHEMES: &[(u8, u8, u16, &str)] = &[
    (1, 13, 1, "全国健康保険協会 東京支部"),
    (1, 14, 1, "全国健康保険協会 神奈川支部"),
    (6, 13, 412, "多摩精密機器健康保険組合"),
    (6, 13, 87, "関東電機工業健康保険組合"),
    (6, 13, 155, "東都銀行健康保険組合"),
    (6, 13, 298, "首都圏鉄道健康保険組合"),
    (6, 13, 633, "日本情報システム健康保険組合"),
    (6, 13, 721, "武蔵野食品健康保険組合"),
    (6, 14, 208, "相模自動車部品健康保険組合"),
    (31, 13, 15, "財務省共済組合"),
    (32, 13, 1, "東京都職員共済組合"),
    (32, 13, 51, "東京都市町村職員共済組合"),
    (32, 14, 51, "神奈川県市町村職員共済組合"),
    (33, 13, 1, "警察共済組合 警視庁支部"),
    (34, 13, 1, "公立学校共済組合 東京支部"),
    (34, 13, 991, "日本私立学校振興・共済事業団"),
];

fn digits(value: u32, width: usize) -> Vec<u8> {
    let text = format!("{value:0width$}");
    text.bytes().map(|b| b - b'0').collect()
}

fn build(base: Vec<u8>, name: String) -> Insurer {
    let number = InsurerNumber::from_base(&base).expect("catalogue numbers have a valid prefecture and length");
    Insurer { kind: number.kind(), number, name, next: 0, members: 0 }
}

impl Insurers {
    /// The catalogue, and `n_employers` employers drawn to it.
    pub(crate) fn new(n_employers: usize, rng: &mut impl Rng) -> Insurers {
        let mut list = Vec::new();
        for (law, prefecture, serial, name) in EMPLOYEE_SCHEMES {
            let mut base = digits(u32::from(*law), 2);
            base.extend(digits(u32::from(*prefecture), 2));
            base.extend(digits(u32::from(*serial), 3));
            list.push(build(base, (*name).to_owned()));
        }
        let mut kokuho = Vec::new();
        let mut koki = Vec::new();
        for muni in MUNICIPALITIES {
            let mut base = digits(u32::from(muni.prefecture), 2);
            base.extend(digits(u32::from(muni.local_code), 3));
            kokuho.push(list.len());
            list.push(build(base.clone(), format!("{}国民健康保険", muni.name)));
            let mut koki_base = vec![3, 9];
            koki_base.extend(base);
            koki.push(list.len());
            list.push(build(koki_base, format!("{}後期高齢者医療広域連合（{}）", muni.prefecture_name, muni.name)));
        }

        // Employers by size rank: the biggest have their own society (組合), a
        // public share belongs to 共済, the rest to 協会けんぽ.
        let of_kind =
            |kind: InsurerKind| -> Vec<usize> { (0..list.len()).filter(|idx| list[*idx].kind == kind).collect() };
        let kyokai = of_kind(InsurerKind::KyokaiKenpo);
        let kumiai = of_kind(InsurerKind::KenpoKumiai);
        let kyosai = of_kind(InsurerKind::Kyosai);
        let n_employers = n_employers.max(40);
        let mut used: BTreeSet<(usize, String)> = BTreeSet::new();
        let mut employers = Vec::with_capacity(n_employers);
        let mut weights = Vec::with_capacity(n_employers);
        for rank in 0..n_employers {
            let roll: f64 = rng.random();
            let big = rank < (n_employers / 25).max(kumiai.len());
            let insurer = if big && roll < 0.8 {
                kumiai[rank % kumiai.len()]
            } else if roll < 0.12 {
                kyosai[rng.random_range(0..kyosai.len())]
            } else if rng.random_bool(0.85) {
                kyokai[0]
            } else {
                kyokai[1]
            };
            let symbol = loop {
                let candidate = employer_symbol(list[insurer].kind, rng);
                if used.insert((insurer, candidate.clone())) {
                    break candidate;
                }
            };
            employers.push(Employer { insurer, symbol, next: rng.random_range(0..150) });
            weights.push(1.0 / (rank as f64 + 4.0));
        }
        Insurers { list, kokuho, koki, employers, employer_draw: crate::pick::Cumulative::new(&weights) }
    }

    pub(crate) fn employer(&self, rng: &mut impl Rng) -> usize {
        self.employer_draw.pick(rng)
    }

    /// A new employee's 番号 at `employer`.
    pub(crate) fn employee_number(&mut self, employer: usize) -> String {
        let employer = &mut self.employers[employer];
        employer.next += 1;
        employer.next.to_string()
    }

    pub(crate) fn kokuho_of(&self, municipality: usize) -> usize {
        self.kokuho[municipality]
    }

    pub(crate) fn koki_of(&self, municipality: usize) -> usize {
        self.koki[municipality]
    }

    /// A new 世帯 number at a 国保: 7 digits, scattered so neighbours do not get
    /// consecutive numbers.
    pub(crate) fn kokuho_household_number(&mut self, insurer: usize) -> String {
        let insurer = &mut self.list[insurer];
        insurer.next += 1;
        format!("{}", 1_000_000 + (u64::from(insurer.next) * 31 % 9_000_000))
    }

    /// A new personal 番号 at a 後期高齢者医療: 8 digits.
    pub(crate) fn koki_number(&mut self, insurer: usize) -> String {
        let insurer = &mut self.list[insurer];
        insurer.next += 1;
        format!("{}", 10_000_000 + (u64::from(insurer.next) * 37 % 90_000_000))
    }
}

/// The 国保 記号 of a district in a municipality's habit.
pub(crate) fn kokuho_symbol(municipality: usize, town: usize) -> String {
    const KANA: [&str; 10] = ["あ", "か", "さ", "た", "な", "は", "ま", "や", "ら", "わ"];
    let muni = &MUNICIPALITIES[municipality];
    match muni.kokuho_symbol {
        KokuhoSymbolStyle::Digits => format!("{:02}", town + 1),
        KokuhoSymbolStyle::Kanji => format!("{}{}", muni.short, town % 9 + 1),
        KokuhoSymbolStyle::Kana => KANA[town % KANA.len()].to_owned(),
    }
}

fn employer_symbol(kind: InsurerKind, rng: &mut impl Rng) -> String {
    match kind {
        InsurerKind::KyokaiKenpo => {
            let len = rng.random_range(4..=8u32);
            rng.random_range(10u32.pow(len - 1)..10u32.pow(len)).to_string()
        }
        InsurerKind::KenpoKumiai => rng.random_range(1..1000u32).to_string(),
        _ => {
            let number = rng.random_range(10..10_000u32).to_string();
            if rng.random_bool(0.3) {
                const PREFIXES: [&str; 4] = ["都", "市", "公立", "本"];
                format!("{}{}", PREFIXES[rng.random_range(0..PREFIXES.len())], number)
            } else {
                number
            }
        }
    }
}
