//! Records to put in the store, built in code.

use onshi_domain::Date;
use onshi_domain::facility::{Facility, FacilityKind};
use onshi_domain::id::{Branch, FacilityCode, FeeTable, MyNumber};
use onshi_domain::insurance::{Member, MemberKey};
use onshi_domain::person::{CopayRatio, FiveAttributes, Relationship, Sex};
use onshi_domain::registry::Resident;

use crate::TestApp;

fn date(text: &str) -> Date {
    Date::parse_from_str(text, "%Y-%m-%d").expect("test date")
}

fn my_number(base: u64) -> MyNumber {
    let digits: Vec<u8> = format!("{base:011}").bytes().map(|b| b - b'0').collect();
    MyNumber::from_base(&digits.try_into().expect("11 digits"))
}

fn attributes() -> FiveAttributes {
    FiveAttributes {
        name_kanji: "山田 太郎".to_owned(),
        name_kana: "ヤマダ タロウ".to_owned(),
        birth_date: date("1980-04-01"),
        sex: Sex::Male,
        address: "東京都八王子市元本郷町三丁目24番1号".to_owned(),
    }
}

pub(crate) fn resident(serial: u64) -> Resident {
    Resident {
        resident_code: format!("{serial:011}").parse().expect("resident code"),
        my_number: my_number(serial),
        attributes: attributes(),
    }
}

pub(crate) fn member(number: &str, my_number_base: Option<u64>) -> Member {
    Member {
        key: MemberKey {
            insurer_number: "01130012".parse().expect("insurer number"),
            symbol: "1234".parse().expect("symbol"),
            number: number.parse().expect("insured number"),
            branch: Branch::new(0).expect("branch"),
        },
        relationship: Relationship::Insured,
        attributes: attributes(),
        my_number: my_number_base.map(my_number),
        copay_ratio: CopayRatio::new(3).expect("copay ratio"),
        acquired_on: date("2020-04-01"),
        lost_on: None,
        loss_reason: None,
        limit_certificate: None,
        elderly_recipient: None,
        notified_on: None,
    }
}

pub(crate) fn facility(serial: u16) -> Facility {
    Facility {
        code: FacilityCode::from_parts(13, FeeTable::Medical, 10, serial).expect("facility code"),
        name: "八王子中央病院".to_owned(),
        kind: FacilityKind::Hospital,
        address: "東京都八王子市".to_owned(),
    }
}

/// 3 residents, 1 insurer with 2 members (one linked), 4 facilities.
pub(crate) async fn populate(app: &TestApp) {
    let residents: Vec<Resident> = (1..=3).map(resident).collect();
    app.store.upsert_residents(residents).await.expect("residents");
    let members = vec![member("1001", Some(1)), member("1002", None)];
    app.store.upsert_members(members).await.expect("members");
    let facilities: Vec<Facility> = (1..=4).map(facility).collect();
    app.store.upsert_facilities(facilities).await.expect("facilities");
}
