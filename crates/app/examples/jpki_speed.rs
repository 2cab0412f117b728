//! The platform's sign-in path and OCSP responder, measured through the JPKI
//! service over a real store, next to `openssl speed rsa2048` run by this
//! same command on the same machine.
//!
//! - sign-in: a challenge is issued and recorded, taken (one write each),
//!   the certificate and challenge signature verified (two RSA-2048
//!   verifications) and the certificate's status read, as `POST
//!   /jpki/challenges` + `POST /jpki/sign-in` do minus HTTP;
//! - OCSP: the request parsed, the status read from the store, the answer
//!   signed (one RSA-2048 signature), as `POST /jpki/auth/ocsp` minus HTTP.
//!
//! `cargo run --release -p onshi-app --example jpki_speed -- [seconds] [tasks] [DATABASE_URL]`
//! (defaults: 5 s, 2 concurrent tasks, a fresh SQLite file).

use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{NaiveDate, Utc};
use onshi_app::jpki::Jpki;
use onshi_domain::person::{FiveAttributes, Sex};
use onshi_domain::registry::Resident;
use onshi_pki::verify::{sha256_digest_info, sign_digest_info};
use onshi_pki::{Authority, IssuingCa};

/// Runs `op` in `tasks` concurrent loops for `seconds` (or until `op`
/// answers `false`: its input ran out); operations per second.
async fn rate<F, Fut>(seconds: f64, tasks: usize, op: F) -> f64
where
    F: Fn() -> Fut + Send + Sync + Clone + 'static,
    Fut: std::future::Future<Output = bool> + Send,
{
    for _ in 0..20 {
        op().await;
    }
    let deadline = Instant::now() + Duration::from_secs_f64(seconds);
    let start = Instant::now();
    let mut handles = Vec::new();
    for _ in 0..tasks {
        let op = op.clone();
        handles.push(tokio::spawn(async move {
            let mut n = 0u64;
            while Instant::now() < deadline && op().await {
                n += 1;
            }
            n
        }));
    }
    let mut total = 0;
    for handle in handles {
        total += handle.await.expect("task");
    }
    total as f64 / start.elapsed().as_secs_f64()
}

/// `openssl speed -multi TASKS -seconds S rsa2048`: (sign/s, verify/s), with
/// as many processes as the benchmark has tasks.
fn openssl_speed(seconds: u64, tasks: usize) -> Option<(f64, f64)> {
    let mut command = Command::new("openssl");
    command.arg("speed");
    if tasks > 1 {
        command.args(["-multi", &tasks.to_string()]);
    }
    let out = command.args(["-seconds", &seconds.to_string(), "rsa2048"]).output().ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    // "rsa 2048 bits 0.000291s 0.000019s   3436.5  51523.1"
    let line = text
        .lines()
        .find(|l| l.trim_start().starts_with("rsa 2048 bits") || l.trim_start().starts_with("rsa  2048"))?;
    let numbers: Vec<f64> = line.split_whitespace().filter_map(|w| w.parse().ok()).collect();
    let n = numbers.len();
    (n >= 2).then(|| (numbers[n - 2], numbers[n - 1]))
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let seconds: f64 = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(5.0);
    let tasks: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(2);
    let dir = tempfile::tempdir().expect("tempdir");
    let url = args.get(3).cloned().unwrap_or_else(|| format!("sqlite://{}", dir.path().join("bench.db").display()));
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
    runtime.block_on(async move {
        let store = onshi_store::open(&url).await.expect("open the store");
        store.migrate().await.expect("migrate");
        let digits: Vec<u8> = "00000000001".bytes().map(|b| b - b'0').collect();
        store
            .upsert_residents(vec![Resident {
                resident_code: "00000000001".parse().expect("code"),
                my_number: onshi_domain::id::MyNumber::from_base(&digits.try_into().expect("11 digits")),
                attributes: FiveAttributes {
                    name_kanji: "山田 太郎".into(),
                    name_kana: "ヤマダ タロウ".into(),
                    birth_date: NaiveDate::from_ymd_opt(1980, 6, 15).expect("date"),
                    sex: Sex::Male,
                    address: "東京都八王子市元本郷町三丁目24番1号".into(),
                },
            }])
            .await
            .expect("resident");
        let now = Utc::now();
        let jpki =
            Arc::new(Jpki::new(store, Authority::create(now).expect("authority"), "http://x/jpki").expect("jpki"));
        let issued = jpki.issue_card("00000000001", None, now).await.expect("issue");
        let cert = Arc::new(issued.file.jpki.auth.certificate.clone());
        let key = Arc::new(issued.file.jpki.auth.key_pkcs8.clone());

        // The card's signatures are made outside the timed loop: the
        // platform's cost is what is measured. One signature per challenge
        // would cost more than the verification, so the loop pre-signs a
        // pool of challenges first.
        let pool_size = (seconds * 6000.0) as usize + 500;
        let mut pool = Vec::with_capacity(pool_size);
        for _ in 0..pool_size {
            let challenge = jpki.new_challenge(Utc::now()).await.expect("challenge");
            let signature = sign_digest_info(&key, &sha256_digest_info(&challenge.nonce)).expect("sign");
            pool.push((challenge.id, signature));
        }
        let pool = Arc::new(std::sync::Mutex::new(pool));
        let sign_in = {
            let (jpki, cert, pool) = (jpki.clone(), cert.clone(), pool.clone());
            rate(seconds, tasks, move || {
                let (jpki, cert, pool) = (jpki.clone(), cert.clone(), pool.clone());
                async move {
                    let Some((id, signature)) = pool.lock().expect("pool").pop() else {
                        return false;
                    };
                    // A fresh challenge recorded (the write a real sign-in
                    // starts with), then the pre-signed one answered.
                    jpki.new_challenge(Utc::now()).await.expect("challenge");
                    jpki.sign_in(&id, &cert, &signature, Utc::now()).await.expect("sign in");
                    true
                }
            })
            .await
        };
        let verify_only = {
            let trust = jpki.trust().clone();
            let nonce = [7u8; 32];
            let signature = Arc::new(sign_digest_info(&key, &sha256_digest_info(&nonce)).expect("sign"));
            let (cert, trust) = (cert.clone(), Arc::new(trust));
            rate(seconds, tasks, move || {
                let (cert, trust, signature) = (cert.clone(), trust.clone(), signature.clone());
                async move {
                    trust.verify_sign_in(&cert, &nonce, &signature, Utc::now()).expect("verifies");
                    true
                }
            })
            .await
        };
        let serial = onshi_app::jpki::parse_hex(&issued.file.serial).expect("hex");
        let request = Arc::new(
            onshi_pki::ocsp_request(jpki.authority().ca_cert_der(IssuingCa::UserAuthentication), &serial)
                .expect("request"),
        );
        let ocsp = {
            let (jpki, request) = (jpki.clone(), request.clone());
            rate(seconds, tasks, move || {
                let (jpki, request) = (jpki.clone(), request.clone());
                async move {
                    let answer = jpki.ocsp(&request, Utc::now()).await.expect("ocsp");
                    assert!(answer.len() > 100, "a signed answer");
                    true
                }
            })
            .await
        };
        let left = pool.lock().expect("pool").len();
        assert!(left > 0, "the pre-signed pool ran out: the sign-in figure would be too low; raise pool_size");
        let backend = jpki.store().backend().name();
        println!("store: {backend}; {tasks} concurrent tasks; {seconds} s each");
        println!("sign-in path (challenge write + take + 2 RSA verifications + status read): {sign_in:.0} /s");
        println!("sign-in verification alone (TrustStore::verify_sign_in): {verify_only:.0} /s");
        println!("OCSP answers (parse + status read + RSA-2048 sign): {ocsp:.0} /s");
        match openssl_speed(seconds.round().max(1.0) as u64, tasks) {
            Some((sign, verify)) => {
                println!("openssl speed rsa2048 ({tasks} processes): sign {sign:.0} /s, verify {verify:.0} /s");
                println!("ratio sign-in path / openssl verify: {:.2}", sign_in / verify);
                println!("ratio verification alone / openssl verify: {:.2}", verify_only / verify);
                println!("ratio OCSP answers / openssl sign: {:.2}", ocsp / sign);
            }
            None => println!("openssl speed did not run (install openssl: scripts/ensure-tools.sh)"),
        }
    });
}
