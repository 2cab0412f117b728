use chrono::NaiveDate;
use onshi_oqs::files::{
    ExchangeDir, face_file_name, is_request_file, read_limited, response_file_name, write_atomically,
};

#[test]
fn the_answer_takes_the_request_name_with_res_for_req() {
    assert_eq!(response_file_name("OQSsiquc01req_000123.xml"), "OQSsiquc01res_000123.xml");
    assert_eq!(response_file_name("OQSmuimm01req_202604010001.xml"), "OQSmuimm01res_202604010001.xml");
    assert_eq!(response_file_name("OQSsiquc01req_req_1.xml"), "OQSsiquc01res_req_1.xml");
    assert_eq!(response_file_name("patient42.xml"), "patient42.xml");
    assert_eq!(response_file_name("request.xml"), "request.xml");
}

#[test]
fn only_visible_xml_files_are_requests() {
    assert!(is_request_file("OQSsiquc01req_1.xml"));
    assert!(is_request_file("A.XML"));
    assert!(!is_request_file(".OQSsiquc01req_1.xml.tmp-1-0"));
    assert!(!is_request_file(".hidden.xml"));
    assert!(!is_request_file("OQSsiquc01req_1.xml.part"));
    assert!(!is_request_file(".xml"));
    assert!(!is_request_file("受付.txt"));
}

#[test]
fn card_check_files_are_named_as_oqsdrug2_names_them() {
    let at = NaiveDate::from_ymd_opt(2026, 4, 1).and_then(|d| d.and_hms_opt(9, 30, 5)).expect("valid");
    assert_eq!(
        face_file_name("0112345678", 42, at),
        "OQSsiquc01res_face_0112345678000000000000000042_20260401093005.xml"
    );
}

#[test]
fn the_exchange_folder_has_req_res_and_face() {
    let temp = tempfile::tempdir().expect("temp dir");
    let dir = ExchangeDir::new(temp.path());
    dir.create_all().expect("created");
    for sub in ["req", "res", "face"] {
        assert!(temp.path().join(sub).is_dir(), "{sub}");
    }
    assert_eq!(dir.response_path("OQSsiquc01req_1.xml"), temp.path().join("res").join("OQSsiquc01res_1.xml"));
    dir.create_all().expect("idempotent");
}

#[test]
fn an_atomic_write_leaves_only_the_whole_file() {
    let temp = tempfile::tempdir().expect("temp dir");
    let path = write_atomically(temp.path(), "OQSsiquc01res_1.xml", b"first").expect("written");
    assert_eq!(std::fs::read(&path).expect("read"), b"first");
    write_atomically(temp.path(), "OQSsiquc01res_1.xml", b"second, longer").expect("replaced");
    assert_eq!(std::fs::read(&path).expect("read"), b"second, longer");
    let names: Vec<_> = std::fs::read_dir(temp.path())
        .expect("listed")
        .map(|e| e.expect("entry").file_name().into_string().expect("utf-8"))
        .collect();
    assert_eq!(names, vec!["OQSsiquc01res_1.xml".to_owned()], "no temporary file left");
}

#[test]
fn an_atomic_write_refuses_a_path_for_a_name_and_cleans_up_on_failure() {
    let temp = tempfile::tempdir().expect("temp dir");
    for name in ["", "a/b.xml", "..", "a\\b.xml"] {
        let error = write_atomically(temp.path(), name, b"x").expect_err("refused");
        assert_eq!(error.kind(), std::io::ErrorKind::InvalidInput, "{name:?}");
    }
    std::fs::create_dir(temp.path().join("taken.xml")).expect("dir in the way");
    assert!(write_atomically(temp.path(), "taken.xml", b"x").is_err());
    let count = std::fs::read_dir(temp.path()).expect("listed").count();
    assert_eq!(count, 1, "only the directory in the way remains");
}

#[test]
fn a_huge_file_is_read_only_up_to_the_limit() {
    let temp = tempfile::tempdir().expect("temp dir");
    let path = temp.path().join("huge.xml");
    std::fs::write(&path, vec![b'x'; 200_000]).expect("written");
    let bytes = read_limited(&path, onshi_oqs::MAX_REQUEST_BYTES).expect("read");
    assert_eq!(bytes.len(), onshi_oqs::MAX_REQUEST_BYTES + 1);
    let error = onshi_oqs::parse_request(&bytes).expect_err("too large").error;
    assert!(matches!(error, onshi_oqs::RequestError::TooLarge { .. }));
}
