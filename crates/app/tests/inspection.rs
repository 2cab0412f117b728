//! The total inspection (issue 8) over imported files, on the real SQLite
//! store: the report, suspensions held at import, the access audit, an
//! interrupted run resumed, and bad rows.

use std::io::Write;
use std::sync::{Arc, Mutex};

use chrono::{TimeZone, Utc};
use onshi_app::import::{self, ImportOptions, ImportReport, Kind, Reject};
use onshi_app::inspection::{self, InspectOptions, InspectionSummary};
use onshi_domain::Date;
use onshi_store::inspection::MedicalAccess;
use onshi_store::{LinkState, Store};

async fn store() -> Arc<dyn Store> {
    let store = onshi_store::open("sqlite::memory:").await.expect("sqlite");
    store.migrate().await.expect("migrate");
    store
}

async fn run_import(store: &Arc<dyn Store>, kind: Kind, csv: &str) -> (ImportReport, Vec<Reject>) {
    let mut rejects = Vec::new();
    let report = import::import(
        Arc::clone(store),
        kind,
        Box::new(std::io::Cursor::new(csv.as_bytes().to_vec())),
        ImportOptions { batch_size: 2, today: Date::from_ymd_opt(2026, 11, 21).expect("date") },
        &mut rejects,
        &mut |_| {},
    )
    .await
    .expect("import runs");
    (report, rejects)
}

/// A writer the test can read back, and that fails once `limit` bytes are
/// written (an inspection interrupted midway).
#[derive(Clone)]
struct Sink {
    bytes: Arc<Mutex<Vec<u8>>>,
    limit: usize,
}

impl Sink {
    fn new() -> Sink {
        Sink { bytes: Arc::default(), limit: usize::MAX }
    }

    fn failing_after(limit: usize) -> Sink {
        Sink { bytes: Arc::default(), limit }
    }

    fn text(&self) -> String {
        String::from_utf8(self.bytes.lock().expect("lock").clone()).expect("UTF-8")
    }
}

impl Write for Sink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let mut bytes = self.bytes.lock().expect("lock");
        if bytes.len() + buf.len() > self.limit {
            return Err(std::io::Error::other("disk full"));
        }
        bytes.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

const REGISTRY: &str = "\
resident_code,my_number,name_kanji,name_kana,birth_date,sex,address
10000000001,621498320257,山田　太郎,ヤマダ　タロウ,1980-04-01,1,東京都八王子市元本郷町三丁目24番1号
10000000002,123456789018,山田　花子,ヤマダ　ハナコ,1982-05-03,2,東京都八王子市元本郷町三丁目24番1号
10000000003,111111111118,髙橋　一郎,タカハシ　イチロウ,1950-01-01,1,東京都日野市高幡1971番地7
10000000004,000000000019,佐藤　次郎,サトウ　ジロウ,1960-01-01,1,東京都日野市豊田1-1
10000000005,000000000027,佐藤　次郎,サトウ　ジロウ,1960-01-01,1,東京都日野市豊田1-1
10000000006,000000000035,鈴木　一郎,スズキ　イチロウ,1970-07-07,1,東京都府中市宮町1-1
";

/// Member 1 is resident 1 in other notation; 2 carries resident 1's My
/// Number but is resident 2 (a family member: a wrong link); 3 moved
/// (review); 4 has no My Number and is resident 3 (found); 5 has none and
/// two residents agree (ambiguous); 6 has a My Number no resident carries;
/// 7 carries resident 6's number and is someone else entirely.
const MEMBERS: &str = "\
insurer_number,symbol,number,branch,name_kanji,name_kana,birth_date,sex,address,my_number,relationship,copay_ratio,acquired_on,lost_on
01130012,1234,1,00,山田太郎,ﾔﾏﾀﾞ ﾀﾛｳ,昭和55年4月1日,1,八王子市元本郷町3-24-1,621498320257,1,3,2020-04-01,
01130012,1234,2,00,山田　花子,ヤマダ　ハナコ,1982-05-03,2,東京都八王子市元本郷町三丁目24番1号,621498320257,2,3,2020-04-01,
01130012,1234,3,00,山田　花子,ヤマダ　ハナコ,1982-05-03,2,東京都八王子市元本郷町一丁目1番1号,123456789018,1,3,2020-04-01,
01130012,1234,4,00,髙橋　一郎,タカハシ　イチロウ,1950-01-01,1,東京都日野市高幡1971番地7,,1,2,2020-04-01,
01130012,1234,5,00,佐藤　次郎,サトウ　ジロウ,1960-01-01,1,東京都日野市豊田1-1,,1,3,2020-04-01,
01130012,1234,6,00,田中　三郎,タナカ　サブロウ,1990-03-03,1,東京都国立市中1-1,222222222225,1,3,2020-04-01,
01130012,1234,7,00,伊藤　美咲,イトウ　ミサキ,2001-12-24,2,大阪府大阪市北区梅田1-1-1,000000000035,1,3,2020-04-01,
";

fn options() -> InspectOptions {
    let mut options = InspectOptions::new(Utc.with_ymd_and_hms(2026, 11, 22, 3, 0, 0).single().expect("time"));
    options.page_size = 2;
    options
}

async fn inspect(store: &Arc<dyn Store>, report: Sink, accesses: Sink) -> Result<InspectionSummary, String> {
    inspection::inspect(Arc::clone(store), options(), report, accesses, |_| {}).await.map_err(|e| e.to_string())
}

async fn town() -> Arc<dyn Store> {
    let store = store().await;
    let (registry, rejects) = run_import(&store, Kind::Registry, REGISTRY).await;
    assert!(rejects.is_empty(), "{rejects:?}");
    assert_eq!(registry.inserted, 6);
    let (members, rejects) = run_import(&store, Kind::Members, MEMBERS).await;
    assert!(rejects.is_empty(), "{rejects:?}");
    // The two wrong links are stored, held, and counted, not dropped.
    assert_eq!((members.inserted, members.linked, members.suspended), (7, 4, 2));
    store
}

#[tokio::test]
async fn the_report_has_one_row_per_member_with_verdict_resident_and_reasons() {
    let store = town().await;
    let (report, accesses) = (Sink::new(), Sink::new());
    let summary = inspect(&store, report.clone(), accesses.clone()).await.expect("inspection");
    let text = report.text();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "insurer_number,symbol,number,branch,verdict,resident_code,reasons");
    assert_eq!(lines.len(), 8, "{text}");
    assert_eq!(lines[1], "01130012,1234,1,00,match,10000000001,");
    assert!(lines[2].starts_with("01130012,1234,2,00,mismatch,10000000001,"), "{}", lines[2]);
    assert!(lines[2].ends_with(";link:suspended"), "{}", lines[2]);
    assert_eq!(lines[3], "01130012,1234,3,00,review,10000000002,address:same_municipality");
    assert_eq!(lines[4], "01130012,1234,4,00,found,10000000003,");
    assert_eq!(lines[5], "01130012,1234,5,00,ambiguous,,candidates:2");
    assert_eq!(lines[6], "01130012,1234,6,00,not_found,,my_number:not_in_registry");
    assert!(lines[7].starts_with("01130012,1234,7,00,mismatch,10000000006,"), "{}", lines[7]);
    assert!(!text.contains("621498320257") && !text.contains("000000000035"), "no My Number in the report");
    assert_eq!((summary.members, summary.matched, summary.review, summary.mismatch), (7, 1, 1, 2), "{summary:?}");
    assert_eq!((summary.found, summary.ambiguous, summary.not_found), (1, 1, 1), "{summary:?}");
    // Both were held at import: the inspection lists them, suspends nothing new.
    assert_eq!((summary.suspended_now, summary.suspended_links), (0, 2), "{summary:?}");
    let audit = accesses.text();
    assert_eq!(audit.lines().count(), 3, "a row for each held link, even with no access: {audit}");
}

#[tokio::test]
async fn the_audit_lists_every_access_made_through_a_suspended_link() {
    let store = town().await;
    let key = |number: &str| onshi_domain::insurance::MemberKey {
        insurer_number: "01130012".parse().expect("insurer"),
        symbol: "1234".parse().expect("symbol"),
        number: number.parse().expect("number"),
        branch: onshi_domain::id::Branch::new(0).expect("branch"),
    };
    let held = store.member_by_key(&key("2")).await.expect("read").expect("stored");
    assert_eq!(held.link_state, Some(LinkState::Suspended));
    for (day, what) in [(1, "drug_history"), (2, "checkups")] {
        store
            .record_medical_access(MedicalAccess {
                person_id: held.person_id.expect("linked"),
                member_id: Some(held.member_id),
                facility_code: Some("1310100011".to_owned()),
                accessor: "pharmacist-3".to_owned(),
                what: what.to_owned(),
                basis: "consent".to_owned(),
                accessed_at: Utc.with_ymd_and_hms(2026, 10, day, 9, 0, 0).single().expect("time"),
            })
            .await
            .expect("record");
    }
    let accesses = Sink::new();
    let summary = inspect(&store, Sink::new(), accesses.clone()).await.expect("inspection");
    assert_eq!(summary.accesses, 2);
    let audit = accesses.text();
    let rows: Vec<&str> = audit.lines().filter(|l| l.starts_with("01130012,1234,2,")).collect();
    assert_eq!(rows.len(), 2, "{audit}");
    assert!(rows[0].contains(",10000000001,") && rows[0].contains(",import,"), "{}", rows[0]);
    assert!(rows[0].ends_with("2026-10-01T09:00:00.000Z,1310100011,pharmacist-3,drug_history,consent"), "{}", rows[0]);
    assert!(rows[1].contains("checkups"), "{}", rows[1]);
}

#[tokio::test]
async fn an_interrupted_inspection_run_again_suspends_and_notifies_once() {
    let store = store().await;
    run_import(&store, Kind::Registry, REGISTRY).await;
    let members: String =
        MEMBERS.lines().filter(|l| !l.contains(",1234,2,") && !l.contains(",1234,7,")).collect::<Vec<_>>().join("\n");
    let (report, _) = run_import(&store, Kind::Members, &members).await;
    assert_eq!(report.suspended, 0, "every link agrees when it is written");
    // The registry changes under an active link (a record overwritten by
    // another person's): only the inspection can find it.
    let changed = "\
resident_code,my_number,name_kanji,name_kana,birth_date,sex,address
10000000001,621498320257,伊藤　美咲,イトウ　ミサキ,2001-12-24,2,大阪府大阪市北区梅田1-1-1
";
    run_import(&store, Kind::Registry, changed).await;

    let first = inspect(&store, Sink::failing_after(100), Sink::new()).await;
    assert!(first.is_err(), "the report cannot be written: the run stops");
    let second = inspect(&store, Sink::new(), Sink::new()).await.expect("the run again");
    assert_eq!((second.mismatch, second.suspended_now, second.suspended_links), (1, 0, 1), "{second:?}");
    let third = inspect(&store, Sink::new(), Sink::new()).await.expect("and again");
    assert_eq!(third.suspended_now, 0, "{third:?}");
    let person = store.resident_by_code(&"10000000001".parse().expect("code")).await.expect("read").expect("resident");
    assert_eq!(store.notices_of_person(person.person_id).await.expect("notices").len(), 1);
    let member = store.members_of_person(person.person_id).await.expect("members");
    assert_eq!(member.len(), 1);
    assert_eq!(member[0].link_state, Some(LinkState::Suspended));
    let suspensions = store.suspensions_of_member(member[0].member_id).await.expect("suspensions");
    assert_eq!(suspensions.len(), 1, "{suspensions:?}");
    assert_eq!(suspensions[0].source, onshi_store::inspection::SuspensionSource::Inspection);
}

#[tokio::test]
async fn impossible_rows_are_rejected_and_the_rest_inspected() {
    let store = store().await;
    run_import(&store, Kind::Registry, REGISTRY).await;
    let csv = "\
insurer_number,symbol,number,branch,name_kanji,name_kana,birth_date,sex,address,my_number,relationship,copay_ratio,acquired_on,lost_on
01130012,1234,1,00,山田　太郎,ヤマダ　タロウ,1980-02-30,1,東京都八王子市元本郷町三丁目24番1号,621498320257,1,3,2020-04-01,
01130012,1234,2,00,山田　太郎,ヤマダ　タロウ,1980-04-01,X,東京都八王子市元本郷町三丁目24番1号,621498320257,1,3,2020-04-01,
01130012,1234,3,00,,ヤマダ　タロウ,1980-04-01,1,東京都八王子市元本郷町三丁目24番1号,,1,3,2020-04-01,
01130012,1234,4,00,山田　太郎,ヤマダ　タロウ,1980-04-01,1,東京都八王子市元本郷町三丁目24番1号,621498320257,1,3,2020-04-01,
";
    let (report, rejects) = run_import(&store, Kind::Members, csv).await;
    let fields: Vec<(u64, &str)> = rejects.iter().map(|r| (r.line, r.field.as_str())).collect();
    assert_eq!(fields, [(2, "birth_date"), (3, "sex"), (4, "name_kanji")], "{rejects:?}");
    assert_eq!((report.inserted, report.rejected_rows, report.linked, report.suspended), (1, 3, 1, 0));
    let out = Sink::new();
    let summary = inspect(&store, out.clone(), Sink::new()).await.expect("inspection");
    assert_eq!((summary.members, summary.matched), (1, 1), "{}", out.text());
}
