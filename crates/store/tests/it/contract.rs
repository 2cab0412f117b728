//! The contract cases; each runs against every backend from `stores`.

use super::*;

#[tokio::test]
async fn migrate_twice_applies_once() {
    for store in stores("migrate").await {
        let again = store.migrate().await.expect("second migrate");
        assert!(again.applied.is_empty(), "{:?}: {:?}", store.backend(), again);
        assert!(again.already >= 1);
        store.ping().await.expect("ping");
    }
}

#[tokio::test]
async fn residents_insert_update_and_unchanged() {
    for store in stores("residents").await {
        let name = store.backend().name();
        let first = store
            .upsert_residents(vec![resident(1, 1, "山田 太郎"), resident(2, 2, "山田 花子")])
            .await
            .expect("insert");
        assert_eq!((first.inserted, first.updated, first.unchanged), (2, 0, 0), "{name}");
        let again = store
            .upsert_residents(vec![resident(1, 1, "山田 太郎"), resident(2, 2, "山田 花子")])
            .await
            .expect("again");
        assert_eq!(
            (again.inserted, again.updated, again.unchanged),
            (0, 0, 2),
            "{name}: re-import must change nothing"
        );
        let changed = store.upsert_residents(vec![resident(1, 1, "髙田 太郎")]).await.expect("update");
        assert_eq!((changed.inserted, changed.updated, changed.unchanged), (0, 1, 0), "{name}");
        let stored =
            store.resident_by_code(&"00000000001".parse().expect("code")).await.expect("read").expect("present");
        assert_eq!(stored.resident.attributes.name_kanji, "髙田 太郎", "{name}");
        let by_number = store.resident_by_my_number(&my_number(2)).await.expect("read").expect("present");
        assert_eq!(by_number.resident.resident_code.as_str(), "00000000002", "{name}");
        assert!(store.resident_by_code(&"99999999999".parse().expect("code")).await.expect("read").is_none());
    }
}

#[tokio::test]
async fn a_my_number_held_by_another_resident_is_rejected_and_the_rest_written() {
    for store in stores("conflict").await {
        let name = store.backend().name();
        store.upsert_residents(vec![resident(1, 1, "山田 太郎")]).await.expect("insert");
        let outcome = store
            .upsert_residents(vec![
                resident(2, 2, "佐藤 花子"),
                resident(3, 1, "鈴木 一郎"),
                resident(4, 4, "田中 次郎"),
            ])
            .await
            .expect("batch with a conflict");
        assert_eq!(outcome.inserted, 2, "{name}");
        assert_eq!(outcome.rejected.len(), 1, "{name}");
        let (idx, conflict) = &outcome.rejected[0];
        assert_eq!(*idx, 1, "{name}");
        let RowConflict::MyNumberTaken { my_number, holder } = conflict else { panic!("{name}: {conflict}") };
        assert_eq!(holder, "00000000001", "{name}");
        assert!(my_number.starts_with("********"), "{name}: the number must be masked, got {my_number}");
        assert!(store.resident_by_code(&"00000000003".parse().expect("code")).await.expect("read").is_none(), "{name}");
        assert!(store.resident_by_code(&"00000000004".parse().expect("code")).await.expect("read").is_some(), "{name}");
    }
}

#[tokio::test]
async fn members_link_by_my_number_in_either_import_order() {
    for store in stores("link").await {
        let name = store.backend().name();
        // Member first: it waits, unlinked, until its resident arrives.
        let early = store.upsert_members(vec![member("100", 0, Some(my_number(7)))]).await.expect("members");
        assert_eq!((early.inserted, early.linked), (1, 0), "{name}");
        let registry = store.upsert_residents(vec![resident(7, 7, "山田 太郎")]).await.expect("residents");
        assert_eq!(registry.linked, 1, "{name}: the waiting member must be linked");
        // Resident first: linked at once.
        store.upsert_residents(vec![resident(8, 8, "山田 花子")]).await.expect("residents");
        let late = store
            .upsert_members(vec![member("200", 0, Some(my_number(8))), member("300", 0, None)])
            .await
            .expect("members");
        assert_eq!((late.inserted, late.linked), (2, 1), "{name}");

        let person = store.resident_by_my_number(&my_number(7)).await.expect("read").expect("present").person_id;
        let members = store.members_of_person(person).await.expect("members of person");
        assert_eq!(members.len(), 1, "{name}");
        assert_eq!(members[0].link_method, Some(LinkMethod::MyNumber), "{name}");
        let unlinked = store.member_by_key(&member("300", 0, None).key).await.expect("read").expect("present");
        assert_eq!(unlinked.person_id, None, "{name}");
        let counts = store.counts(date("2024-01-01")).await.expect("counts");
        assert_eq!((counts.members, counts.members_linked, counts.insurers, counts.residents), (3, 2, 1, 2), "{name}");
    }
}

#[tokio::test]
async fn member_roundtrip_keeps_every_field() {
    for store in stores("member_roundtrip").await {
        let name = store.backend().name();
        let mut original = member("4567", 2, None);
        original.lost_on = Some(date("2024-12-01"));
        original.copay_ratio = CopayRatio::new(2).expect("copay");
        store.upsert_members(vec![original.clone()]).await.expect("insert");
        let stored = store.member_by_key(&original.key).await.expect("read").expect("present");
        assert_eq!(stored.member, original, "{name}");
        let again = store.upsert_members(vec![original.clone()]).await.expect("again");
        assert_eq!(again.unchanged, 1, "{name}");
        let insurers = store.insurers().await.expect("insurers");
        assert_eq!(insurers.len(), 1, "{name}");
        assert_eq!(insurers[0].kind, onshi_domain::id::InsurerKind::KyokaiKenpo, "{name}");
    }
}

#[tokio::test]
async fn eligible_today_counts_acquired_and_lost_dates() {
    for store in stores("eligible").await {
        let name = store.backend().name();
        let mut ended = member("1", 0, None);
        ended.lost_on = Some(date("2024-04-01"));
        let current = member("2", 0, None);
        let mut future = member("3", 0, None);
        future.acquired_on = date("2030-01-01");
        store.upsert_members(vec![ended, current, future]).await.expect("members");
        // 資格喪失日 is the first day without eligibility.
        assert_eq!(store.counts(date("2024-03-31")).await.expect("counts").members_eligible_today, 2, "{name}");
        assert_eq!(store.counts(date("2024-04-01")).await.expect("counts").members_eligible_today, 1, "{name}");
    }
}

#[tokio::test]
async fn facilities_upsert_and_read() {
    for store in stores("facilities").await {
        let name = store.backend().name();
        let outcome = store.upsert_facilities(vec![facility(1), facility(2)]).await.expect("insert");
        assert_eq!(outcome.inserted, 2, "{name}");
        let mut renamed = facility(1);
        renamed.name = "八王子南病院".to_owned();
        let outcome = store.upsert_facilities(vec![renamed.clone(), facility(2)]).await.expect("update");
        assert_eq!((outcome.updated, outcome.unchanged), (1, 1), "{name}");
        assert_eq!(store.facility(&renamed.code).await.expect("read"), Some(renamed), "{name}");
    }
}

#[tokio::test]
async fn insurer_names_are_upserted_and_members_keep_them() {
    for store in stores("insurer_names").await {
        let name = store.backend().name();
        // Seen first in a members file: no name yet.
        store.upsert_members(vec![member("0001", 0, None)]).await.expect("members");
        let number: onshi_domain::id::InsurerNumber = "01130012".parse().expect("insurer");
        let listed = store.insurers().await.expect("insurers");
        assert_eq!(listed.iter().map(|i| i.name.as_str()).collect::<Vec<_>>(), [""], "{name}");
        let insurer = |n: &onshi_domain::id::InsurerNumber, label: &str| onshi_store::Insurer {
            insurer_number: n.clone(),
            kind: n.kind(),
            name: label.to_owned(),
        };
        let other: onshi_domain::id::InsurerNumber = "06139992".parse().expect("insurer");
        let outcome = store
            .upsert_insurers(vec![insurer(&number, "全国健康保険協会 東京支部"), insurer(&other, "八王子機械健保")])
            .await
            .expect("upsert");
        assert_eq!((outcome.inserted, outcome.updated, outcome.unchanged), (1, 1, 0), "{name}");
        let again = store.upsert_insurers(vec![insurer(&number, "全国健康保険協会 東京支部")]).await.expect("upsert");
        assert_eq!((again.inserted, again.updated, again.unchanged), (0, 0, 1), "{name}");
        let listed = store.insurers().await.expect("insurers");
        assert_eq!(
            listed.iter().map(|i| (i.insurer_number.as_str(), i.kind, i.name.as_str())).collect::<Vec<_>>(),
            [
                ("01130012", onshi_domain::id::InsurerKind::KyokaiKenpo, "全国健康保険協会 東京支部"),
                ("06139992", onshi_domain::id::InsurerKind::KenpoKumiai, "八王子機械健保")
            ],
            "{name}"
        );
        // A later members import does not blank the name.
        store.upsert_members(vec![member("0002", 0, None)]).await.expect("members");
        assert_eq!(store.insurers().await.expect("insurers")[0].name, "全国健康保険協会 東京支部", "{name}");
    }
}

/// Two processes writing one SQLite file (`onshi serve` and a desk command
/// beside it): a write that reads first must wait for the other writer, not
/// fail with "database is locked". Write transactions begin IMMEDIATE.
#[tokio::test]
async fn two_stores_on_one_sqlite_file_write_concurrently_without_busy_errors() {
    let dir = tempfile::tempdir().expect("tempdir");
    let url = format!("sqlite://{}/shared.db", dir.path().display());
    let first = onshi_store::open(&url).await.expect("open");
    first.migrate().await.expect("migrate");
    let second = onshi_store::open(&url).await.expect("open again");
    let writer = |store: Arc<dyn Store>, base: u64| {
        tokio::spawn(async move {
            for i in 0..300 {
                let n = base + i;
                store.upsert_residents(vec![resident(n, n, "山田 太郎")]).await.map_err(|e| e.to_string())?;
            }
            Ok::<(), String>(())
        })
    };
    let (a, b) = tokio::join!(writer(first.clone(), 1), writer(second.clone(), 10_001));
    a.expect("task").expect("the first store's writes");
    b.expect("task").expect("the second store's writes");
    assert_eq!(first.counts(date("2026-05-01")).await.expect("counts").residents, 600);
}
