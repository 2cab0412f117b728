//! The monthly usage report (マイナ保険証の利用状況): the two tables the
//! ministry publishes, built from the eligibility log and the membership.
//!
//! - **By facility kind** (病院, 医科診療所, 歯科診療所, 薬局, 総計): the
//!   number of eligibility checks (合計), by card (マイナンバーカード: card and
//!   smartphone) and by insured number (保険証), the consents given per
//!   category, and マイナ保険証利用率 = card / 合計.
//! - **By insurer**: 加入者数 (members on the month's last day), 登録者数 (of
//!   them, those whose card is registered as insurance card at the month's
//!   end), 登録率 = 登録者数 / 加入者数, マイナ利用件数 (card checks answered
//!   with a coverage of the insurer), オン資利用件数 (all checks answered with
//!   it), マイナ利用率 = マイナ利用件数 / オン資利用件数.
//!
//! A check counts when it got a verdict (有効, 無効, 無効（新しい資格あり）,
//! 該当資格なし, 複数該当); refusals (a revoked card, a bad signature, a
//! link under inspection…) are counted apart, because the ministry's figures
//! count answered checks.
//!
//! Rates are rounded half up, as the published tables are: 登録率 to 0.1 %
//! (19,677 / 32,135 = 61.23 % → "61.2%"), the usage rates to 0.01 %
//! (2,079 / 40,622 = 5.118 % → "5.12%"). The rounding is done on the exact
//! fraction, never on a float.

use std::collections::BTreeMap;

use crate::eligibility::Validity;
use crate::facility::FacilityKind;

/// One group of logged checks: how many checks of this shape the month had.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryTally {
    /// The facility kind's code (`hospital`, `clinic`, `dental_clinic`, `pharmacy`).
    pub facility_kind: String,
    /// `card`, `smartphone` or `insured_number`.
    pub method: String,
    /// The verdict's name (`valid`, …) or the refusal code.
    pub result: String,
    /// The insurer of the coverage answered.
    pub insurer_number: Option<String>,
    /// The consent categories given, comma-separated as logged.
    pub consent_categories: String,
    pub count: u64,
}

/// One insurer's membership at the month's end.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InsurerTally {
    pub insurer_number: String,
    pub insurer_name: String,
    /// 加入者数: members whose coverage holds on the month's last day.
    pub members: u64,
    /// 登録者数: of them, those linked to a person whose card was registered
    /// as insurance card at the month's end.
    pub registered: u64,
}

/// A consent category as the report names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ConsentColumn {
    /// 特定健診等情報 (`checkup`)
    Checkup,
    /// 診療・薬剤情報 (`clinical_drug`)
    ClinicalDrug,
}

impl ConsentColumn {
    pub const ALL: [ConsentColumn; 2] = [ConsentColumn::Checkup, ConsentColumn::ClinicalDrug];

    pub fn code(self) -> &'static str {
        match self {
            ConsentColumn::Checkup => "checkup",
            ConsentColumn::ClinicalDrug => "clinical_drug",
        }
    }

    pub fn label_ja(self) -> &'static str {
        match self {
            ConsentColumn::Checkup => "特定健診等情報",
            ConsentColumn::ClinicalDrug => "診療・薬剤情報",
        }
    }
}

/// One row of the table by facility kind.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KindRow {
    /// 合計: checks answered.
    pub total: u64,
    /// マイナンバーカード: checks by card or smartphone.
    pub card: u64,
    /// 保険証: checks by insured number.
    pub insured_number: u64,
    /// Consents given, per [`ConsentColumn::ALL`].
    pub consents: [u64; 2],
    /// Checks refused without a verdict (not in `total`).
    pub refused: u64,
}

impl KindRow {
    /// マイナ保険証利用率 = card / total, e.g. "4.99%".
    pub fn card_rate(&self) -> Option<String> {
        percent(self.card, self.total, 2)
    }

    fn add(&mut self, other: &KindRow) {
        self.total += other.total;
        self.card += other.card;
        self.insured_number += other.insured_number;
        for (a, b) in self.consents.iter_mut().zip(other.consents) {
            *a += b;
        }
        self.refused += other.refused;
    }
}

/// One row of the table by insurer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InsurerRow {
    pub insurer_number: String,
    pub insurer_name: String,
    /// 加入者数
    pub members: u64,
    /// 登録者数
    pub registered: u64,
    /// マイナ利用件数
    pub card_checks: u64,
    /// オン資利用件数
    pub checks: u64,
}

impl InsurerRow {
    /// 登録率 = 登録者数 / 加入者数, e.g. "61.2%".
    pub fn registration_rate(&self) -> Option<String> {
        percent(self.registered, self.members, 1)
    }

    /// マイナ利用率 = マイナ利用件数 / オン資利用件数, e.g. "5.12%".
    pub fn card_rate(&self) -> Option<String> {
        percent(self.card_checks, self.checks, 2)
    }
}

/// The month's report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsageReport {
    /// One row per facility kind, in [`FacilityKind::ALL`] order.
    pub by_kind: Vec<(FacilityKind, KindRow)>,
    /// 総計
    pub total: KindRow,
    /// One row per insurer, by insurer number.
    pub by_insurer: Vec<InsurerRow>,
    /// 全体: the sums over insurers.
    pub all_insurers: InsurerRow,
}

/// Whether a logged result is a verdict (the check counts as answered).
pub fn is_verdict(result: &str) -> bool {
    Validity::from_name(result).is_some()
}

impl UsageReport {
    /// Build the report from the month's tallies. Tallies of an unknown
    /// facility kind count in 総計 only.
    pub fn build(queries: &[QueryTally], insurers: &[InsurerTally]) -> UsageReport {
        let mut kinds: BTreeMap<String, KindRow> = BTreeMap::new();
        let mut per_insurer: BTreeMap<&str, (u64, u64)> = BTreeMap::new();
        for q in queries {
            let row = kinds.entry(q.facility_kind.clone()).or_default();
            if !is_verdict(&q.result) {
                row.refused += q.count;
                continue;
            }
            let by_card = q.method != "insured_number";
            row.total += q.count;
            if by_card {
                row.card += q.count;
            } else {
                row.insured_number += q.count;
            }
            for category in q.consent_categories.split(',').filter(|c| !c.is_empty()) {
                if let Some(i) = ConsentColumn::ALL.iter().position(|c| c.code() == category) {
                    row.consents[i] += q.count;
                }
            }
            if let Some(insurer) = q.insurer_number.as_deref() {
                let entry = per_insurer.entry(insurer).or_default();
                entry.1 += q.count;
                if by_card {
                    entry.0 += q.count;
                }
            }
        }
        let mut total = KindRow::default();
        for row in kinds.values() {
            total.add(row);
        }
        let by_kind =
            FacilityKind::ALL.iter().map(|&kind| (kind, kinds.get(kind.code()).cloned().unwrap_or_default())).collect();

        let mut rows: BTreeMap<&str, InsurerRow> = insurers
            .iter()
            .map(|t| {
                (
                    t.insurer_number.as_str(),
                    InsurerRow {
                        insurer_number: t.insurer_number.clone(),
                        insurer_name: t.insurer_name.clone(),
                        members: t.members,
                        registered: t.registered,
                        card_checks: 0,
                        checks: 0,
                    },
                )
            })
            .collect();
        for (insurer, (card, all)) in per_insurer {
            let row = rows.entry(insurer).or_insert_with(|| InsurerRow {
                insurer_number: insurer.to_owned(),
                insurer_name: String::new(),
                members: 0,
                registered: 0,
                card_checks: 0,
                checks: 0,
            });
            row.card_checks += card;
            row.checks += all;
        }
        let by_insurer: Vec<InsurerRow> = rows.into_values().collect();
        let mut all_insurers = InsurerRow {
            insurer_number: String::new(),
            insurer_name: "全体".to_owned(),
            members: 0,
            registered: 0,
            card_checks: 0,
            checks: 0,
        };
        for row in &by_insurer {
            all_insurers.members += row.members;
            all_insurers.registered += row.registered;
            all_insurers.card_checks += row.card_checks;
            all_insurers.checks += row.checks;
        }
        UsageReport { by_kind, total, by_insurer, all_insurers }
    }
}

/// `numerator / denominator` as a percentage with `decimals` decimals,
/// rounded half up on the exact fraction, with a `%` sign; `None` when the
/// denominator is 0 (the table shows "-").
pub fn percent(numerator: u64, denominator: u64, decimals: u32) -> Option<String> {
    if denominator == 0 {
        return None;
    }
    let scale = 10u128.pow(decimals);
    let scaled = (u128::from(numerator) * 100 * scale * 2 + u128::from(denominator)) / (u128::from(denominator) * 2);
    let whole = scaled / scale;
    let frac = scaled % scale;
    Some(if decimals == 0 {
        format!("{whole}%")
    } else {
        format!("{whole}.{frac:0width$}%", width = decimals as usize)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn rates_round_as_the_published_tables() {
        // 国共済 November figures from the ministry's table.
        let cases = [
            (19_677, 32_135, 1, "61.2%"),
            (669, 1_109, 1, "60.3%"),
            (7_578, 11_703, 1, "64.8%"),
            (1_353_064, 2_152_522, 1, "62.9%"),
            (2_079, 40_622, 2, "5.12%"),
            (76, 1_265, 2, "6.01%"),
            (118_426, 2_717_382, 2, "4.36%"),
            (8_384_615, 167_905_906, 2, "4.99%"),
            (1, 8, 1, "12.5%"),
            (1, 3, 2, "33.33%"),
            (2, 3, 2, "66.67%"),
            (0, 5, 2, "0.00%"),
            (5, 5, 1, "100.0%"),
        ];
        for (n, d, decimals, want) in cases {
            assert_eq!(percent(n, d, decimals).as_deref(), Some(want), "{n}/{d}");
        }
        assert_eq!(percent(3, 0, 2), None);
    }

    proptest! {
        /// The printed rate is the exact rate rounded half up: it is within
        /// half a unit of the last decimal, and a tie rounds up.
        #[test]
        fn percent_is_the_exact_fraction_rounded_half_up(
            d in 1u64..10_000_000_000, n_frac in 0u64..=1_000_000, decimals in 0u32..4,
        ) {
            let n = (u128::from(d) * u128::from(n_frac) / 1_000_000) as u64;
            let text = percent(n, d, decimals).expect("denominator > 0");
            let digits: String = text.trim_end_matches('%').chars().filter(|c| *c != '.').collect();
            let printed: u128 = digits.parse().expect("digits");
            // printed / 10^decimals ≈ 100 n / d  ⇔  |2 printed d − 2·100·10^dec·n| ≤ d, ties up.
            let scale = 10u128.pow(decimals);
            let exact2 = 2 * 100 * scale * u128::from(n);
            let p2 = 2 * printed * u128::from(d);
            prop_assert!(p2 + u128::from(d) > exact2, "{n}/{d} printed {text}: too small");
            prop_assert!(p2 <= exact2 + u128::from(d), "{n}/{d} printed {text}: too large");
        }

        /// Whatever the tallies, the report's totals are the sums of its rows,
        /// card + insured number = 合計 and no count is lost or doubled.
        #[test]
        fn totals_are_the_sums_of_the_rows(
            tallies in proptest::collection::vec(
                (0usize..5, 0usize..3, 0usize..7, 0usize..4, 0usize..4, 1u64..1000), 0..40),
        ) {
            let kinds = ["hospital", "clinic", "dental_clinic", "pharmacy", "home_visit"];
            let methods = ["card", "smartphone", "insured_number"];
            let results = ["valid", "invalid", "invalid_newer_exists", "no_qualification", "multiple",
                "certificate_revoked", "linkage_under_inspection"];
            let insurers = [None, Some("06139999"), Some("01130012"), Some("39131156")];
            let consents = ["", "checkup", "clinical_drug", "clinical_drug,checkup"];
            let queries: Vec<QueryTally> = tallies.iter().map(|&(k, m, r, i, c, count)| QueryTally {
                facility_kind: kinds[k].into(), method: methods[m].into(), result: results[r].into(),
                insurer_number: insurers[i].map(Into::into), consent_categories: consents[c].into(), count,
            }).collect();
            let report = UsageReport::build(&queries, &[]);
            let answered: u64 = queries.iter().filter(|q| is_verdict(&q.result)).map(|q| q.count).sum();
            let refused: u64 = queries.iter().filter(|q| !is_verdict(&q.result)).map(|q| q.count).sum();
            prop_assert_eq!(report.total.total, answered);
            prop_assert_eq!(report.total.refused, refused);
            prop_assert_eq!(report.total.card + report.total.insured_number, report.total.total);
            let known: u64 = report.by_kind.iter().map(|(_, r)| r.total).sum();
            let unknown: u64 = queries.iter()
                .filter(|q| q.facility_kind == "home_visit" && is_verdict(&q.result)).map(|q| q.count).sum();
            prop_assert_eq!(known + unknown, report.total.total);
            let by_insurer: u64 = report.by_insurer.iter().map(|r| r.checks).sum();
            let with_insurer: u64 = queries.iter()
                .filter(|q| is_verdict(&q.result) && q.insurer_number.is_some()).map(|q| q.count).sum();
            prop_assert_eq!(by_insurer, with_insurer);
            prop_assert_eq!(report.all_insurers.checks, with_insurer);
            for row in &report.by_insurer {
                prop_assert!(row.card_checks <= row.checks);
            }
        }
    }

    #[test]
    fn a_small_month_adds_up() {
        let q = |kind: &str, method: &str, result: &str, insurer: Option<&str>, consent: &str, count| QueryTally {
            facility_kind: kind.into(),
            method: method.into(),
            result: result.into(),
            insurer_number: insurer.map(Into::into),
            consent_categories: consent.into(),
            count,
        };
        let report = UsageReport::build(
            &[
                q("hospital", "card", "valid", Some("06139999"), "clinical_drug,checkup", 3),
                q("hospital", "smartphone", "valid", Some("06139999"), "clinical_drug", 1),
                q("hospital", "insured_number", "valid", Some("06139999"), "", 6),
                q("pharmacy", "insured_number", "no_qualification", None, "", 2),
                q("pharmacy", "card", "certificate_revoked", None, "", 5),
            ],
            &[InsurerTally {
                insurer_number: "06139999".into(),
                insurer_name: "健保組合".into(),
                members: 8,
                registered: 5,
            }],
        );
        let hospital = &report.by_kind[0].1;
        assert_eq!((hospital.total, hospital.card, hospital.insured_number), (10, 4, 6));
        assert_eq!(hospital.consents, [3, 4]);
        assert_eq!(hospital.card_rate().as_deref(), Some("40.00%"));
        let pharmacy = &report.by_kind[3].1;
        assert_eq!((pharmacy.total, pharmacy.refused), (2, 5));
        assert_eq!(report.total.total, 12);
        assert_eq!(report.total.card_rate().as_deref(), Some("33.33%"));
        let insurer = &report.by_insurer[0];
        assert_eq!((insurer.card_checks, insurer.checks), (4, 10));
        assert_eq!(insurer.registration_rate().as_deref(), Some("62.5%"));
        assert_eq!(insurer.card_rate().as_deref(), Some("40.00%"));
    }
}
