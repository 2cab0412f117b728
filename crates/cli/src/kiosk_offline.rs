//! The kiosk's failure mode (障害時): what the reader keeps so that it can
//! go on when the platform cannot be reached, and the queue it reconciles
//! when the platform answers again.
//!
//! One SQLite file, `kiosk.db` in the kiosk's state directory (mode 0600,
//! WAL with `synchronous=FULL`, so a committed row survives `kill -9` and a
//! power cut), holds:
//!
//! - the trust material: the root and both issuing CA certificates and the
//!   last user-authentication CRL the platform served (`GET /jpki/…`),
//!   refreshed at start and every `--sync-secs`, each checked before it
//!   replaces the old one (the CAs against each other, the CRL against the
//!   CA's signature);
//! - the facility code the platform's token names, to which every offline
//!   visit is bound;
//! - the last known eligibility per certificate serial: the platform's last
//!   answer for that card, shown in failure mode as 前回確認時点の情報;
//! - the queue of offline visits: a random visit id, the time, the
//!   certificate, the card's signature over the nonce that binds facility,
//!   visit id, time and consent ([`onshi_app::eligibility::offline_visit_message`]),
//!   the consent choices, and once reconciled the platform's answer.
//!
//! A visit is committed to the queue before the patient sees 完了, and is
//! marked reconciled only after the platform answered it; the platform is
//! idempotent on the visit id, so a visit sent twice (the kiosk killed
//! between sending and marking) is recorded there once.
//!
//! Patient data stays at the clinic: this file is the clinic's, like the
//! terminal's own disk; the PIN is never part of it.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use anyhow::Context;
use chrono::{DateTime, TimeDelta, Utc};
use onshi_pki::TrustStore;
use rusqlite::{Connection, OptionalExtension, params};

/// The longest wait between two tries of one visit while the platform
/// answers but fails (5xx); an unreachable platform is tried every sync.
const MAX_BACKOFF_SECS: i64 = 300;

/// The kiosk's durable state (see the module docs).
pub(crate) struct OfflineState {
    conn: Mutex<Connection>,
}

/// The trust material kept for offline verification.
pub(crate) struct Trust {
    pub(crate) store: TrustStore,
    /// The last user-authentication CRL, DER, as served by the platform.
    pub(crate) crl: Vec<u8>,
}

/// A visit in the queue.
#[derive(Debug, Clone)]
pub(crate) struct QueuedVisit {
    pub(crate) visit_id: String,
    pub(crate) visited_at: DateTime<Utc>,
    pub(crate) certificate: Vec<u8>,
    /// `None` after 顔認証.
    pub(crate) signature: Option<Vec<u8>>,
    pub(crate) clinical_drug: bool,
    pub(crate) checkup: bool,
    /// The name shown at reception (from the last known answer), if any.
    pub(crate) name: String,
    pub(crate) state: VisitState,
    /// The platform's answer once reconciled (JSON).
    pub(crate) outcome: Option<String>,
    pub(crate) attempts: u32,
}

/// Where a queued visit stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum VisitState {
    /// Waiting for the platform.
    Queued,
    /// The platform answered (a verdict or a refusal of the card).
    Reconciled,
    /// The platform refused the request itself (e.g. a visit time it finds
    /// in the future); staff must look at it. Not sent again.
    Rejected,
}

impl VisitState {
    fn code(self) -> &'static str {
        match self {
            VisitState::Queued => "queued",
            VisitState::Reconciled => "reconciled",
            VisitState::Rejected => "rejected",
        }
    }

    fn from_code(code: &str) -> VisitState {
        match code {
            "reconciled" => VisitState::Reconciled,
            "rejected" => VisitState::Rejected,
            _ => VisitState::Queued,
        }
    }
}

fn ts(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

fn parse_ts(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text).map(|t| t.with_timezone(&Utc)).unwrap_or(DateTime::<Utc>::MIN_UTC)
}

/// Create `path` with mode 0600 if it does not exist, so the database never
/// exists readable by others, even for an instant.
fn create_private(path: &Path) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(false);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    options.open(path)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
    }
    Ok(())
}

/// The serial of a certificate as upper-case hex (the key of the last
/// known answers), or `None` when it does not parse.
pub(crate) fn certificate_serial(der: &[u8]) -> Option<String> {
    let (_, cert) = x509_parser::parse_x509_certificate(der).ok()?;
    Some(cert.raw_serial().iter().map(|b| format!("{b:02X}")).collect())
}

/// Why the card was refused at the reader in failure mode; the codes are
/// the platform's, so the screens and reception say the same.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LocalRefusal {
    pub(crate) code: &'static str,
    pub(crate) message: String,
}

impl Trust {
    /// The card checked with what the kiosk keeps: the signature over the
    /// visit's nonce (none after 顔認証), the chain to the root, validity or
    /// grace at `at`, and the last CRL (revoked or suspended).
    pub(crate) fn verify(
        &self,
        certificate: &[u8],
        message: &[u8],
        signature: Option<&[u8]>,
        at: DateTime<Utc>,
    ) -> Result<(), LocalRefusal> {
        let refuse = |code: &'static str, message: String| LocalRefusal { code, message };
        let verified = match signature {
            Some(signature) => self.store.verify_sign_in(certificate, message, signature, at),
            None => self.store.verify_presented(certificate, at),
        }
        .map_err(|e| {
            let code = match e {
                onshi_pki::VerifyError::BadSignature => "bad_signature",
                onshi_pki::VerifyError::Expired { .. } => "certificate_expired",
                onshi_pki::VerifyError::NotYetValid { .. } => "certificate_not_yet_valid",
                onshi_pki::VerifyError::UnknownIssuer | onshi_pki::VerifyError::ForeignCa => "unknown_issuer",
                _ => "certificate_malformed",
            };
            refuse(code, format!("{e}（端末内での検証）"))
        })?;
        if verified.kind != onshi_pki::IssuingCa::UserAuthentication {
            return Err(refuse("wrong_certificate_kind", "利用者証明用電子証明書ではありません".to_owned()));
        }
        let (_, crl) = x509_parser::parse_x509_crl(&self.crl)
            .map_err(|e| refuse("crl_unusable", format!("the kept CRL does not parse: {e}")))?;
        for revoked in crl.iter_revoked_certificates() {
            if revoked.raw_serial() == verified.serial.as_slice() {
                let hold = matches!(
                    revoked.reason_code(),
                    Some((_, code)) if code == x509_parser::x509::ReasonCode::CertificateHold
                );
                let since = DateTime::from_timestamp(revoked.revocation_date.timestamp(), 0)
                    .map(|t| t.to_rfc3339())
                    .unwrap_or_default();
                return Err(if hold {
                    refuse("certificate_suspended", format!("the card is suspended (一時停止) since {since}"))
                } else {
                    refuse("certificate_revoked", format!("the certificate is revoked since {since}"))
                });
            }
        }
        Ok(())
    }

    /// When the kept CRL was made (its thisUpdate).
    pub(crate) fn crl_made_at(&self) -> Option<DateTime<Utc>> {
        let (_, crl) = x509_parser::parse_x509_crl(&self.crl).ok()?;
        DateTime::from_timestamp(crl.last_update().timestamp(), 0)
    }
}

/// Check a CRL from the platform before keeping it: it parses, names the
/// user-authentication CA as issuer and carries its signature.
pub(crate) fn check_crl(store: &TrustStore, crl_der: &[u8]) -> anyhow::Result<()> {
    let (_, ca) = x509_parser::parse_x509_certificate(store.ca_der(onshi_pki::IssuingCa::UserAuthentication))
        .map_err(|e| anyhow::anyhow!("the user-authentication CA does not parse: {e}"))?;
    let (rest, crl) =
        x509_parser::parse_x509_crl(crl_der).map_err(|e| anyhow::anyhow!("the CRL does not parse: {e}"))?;
    anyhow::ensure!(rest.is_empty(), "bytes after the CRL");
    anyhow::ensure!(crl.issuer() == ca.subject(), "the CRL is not the user-authentication CA's");
    crl.verify_signature(ca.public_key()).map_err(|e| anyhow::anyhow!("the CRL's signature does not verify: {e}"))?;
    Ok(())
}

impl OfflineState {
    /// Open (or create) `dir/kiosk.db`.
    pub(crate) fn open(dir: &Path) -> anyhow::Result<OfflineState> {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
                .with_context(|| format!("cannot restrict {}", dir.display()))?;
        }
        let path: PathBuf = dir.join("kiosk.db");
        create_private(&path).with_context(|| format!("cannot create {}", path.display()))?;
        let conn = Connection::open(&path).with_context(|| format!("cannot open {}", path.display()))?;
        conn.execute_batch(
            "PRAGMA journal_mode = WAL;
             PRAGMA synchronous = FULL;
             PRAGMA busy_timeout = 5000;
             CREATE TABLE IF NOT EXISTS settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
             CREATE TABLE IF NOT EXISTS trust (
                 name       TEXT PRIMARY KEY,
                 der        BLOB NOT NULL,
                 fetched_at TEXT NOT NULL
             );
             CREATE TABLE IF NOT EXISTS last_known (
                 serial     TEXT PRIMARY KEY,
                 answer     TEXT NOT NULL,
                 checked_at TEXT NOT NULL
             );
             CREATE TABLE IF NOT EXISTS offline_visits (
                 visit_id        TEXT PRIMARY KEY,
                 visited_at      TEXT NOT NULL,
                 certificate     BLOB NOT NULL,
                 signature       BLOB,
                 clinical_drug   INTEGER NOT NULL,
                 checkup         INTEGER NOT NULL,
                 name            TEXT NOT NULL DEFAULT '',
                 state           TEXT NOT NULL DEFAULT 'queued',
                 attempts        INTEGER NOT NULL DEFAULT 0,
                 next_attempt_at TEXT NOT NULL,
                 outcome         TEXT,
                 reconciled_at   TEXT
             );",
        )
        .with_context(|| format!("cannot prepare {}", path.display()))?;
        Ok(OfflineState { conn: Mutex::new(conn) })
    }

    fn conn(&self) -> std::sync::MutexGuard<'_, Connection> {
        self.conn.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub(crate) fn facility_code(&self) -> Option<String> {
        self.conn()
            .query_row("SELECT value FROM settings WHERE key = 'facility_code'", [], |r| r.get(0))
            .optional()
            .ok()
            .flatten()
    }

    pub(crate) fn set_facility_code(&self, code: &str) -> anyhow::Result<()> {
        self.conn()
            .execute(
                "INSERT INTO settings (key, value) VALUES ('facility_code', ?1)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                [code],
            )
            .context("cannot keep the facility code")?;
        Ok(())
    }

    /// Keep new trust material (already checked) in one transaction.
    pub(crate) fn set_trust(
        &self,
        root: &[u8],
        auth: &[u8],
        sign: &[u8],
        crl: &[u8],
        now: DateTime<Utc>,
    ) -> anyhow::Result<()> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        for (name, der) in [("root", root), ("auth", auth), ("sign", sign), ("auth_crl", crl)] {
            tx.execute(
                "INSERT INTO trust (name, der, fetched_at) VALUES (?1, ?2, ?3)
                 ON CONFLICT (name) DO UPDATE SET der = excluded.der, fetched_at = excluded.fetched_at",
                params![name, der, ts(now)],
            )?;
        }
        tx.commit().context("cannot keep the trust material")?;
        Ok(())
    }

    /// The kept trust material, when there is some and it holds together.
    pub(crate) fn trust(&self) -> Option<Trust> {
        let conn = self.conn();
        let get = |name: &str| -> Option<Vec<u8>> {
            conn.query_row("SELECT der FROM trust WHERE name = ?1", [name], |r| r.get(0)).optional().ok().flatten()
        };
        let (root, auth, sign, crl) = (get("root")?, get("auth")?, get("sign")?, get("auth_crl")?);
        let store = TrustStore::new(&root, &auth, &sign).ok()?;
        Some(Trust { store, crl })
    }

    /// The platform's last answer for this certificate, with when it was given.
    pub(crate) fn last_known(&self, serial: &str) -> Option<(String, DateTime<Utc>)> {
        self.conn()
            .query_row("SELECT answer, checked_at FROM last_known WHERE serial = ?1", [serial], |r| {
                Ok((r.get::<_, String>(0)?, parse_ts(&r.get::<_, String>(1)?)))
            })
            .optional()
            .ok()
            .flatten()
    }

    pub(crate) fn set_last_known(&self, serial: &str, answer: &str, now: DateTime<Utc>) -> anyhow::Result<()> {
        self.conn()
            .execute(
                "INSERT INTO last_known (serial, answer, checked_at) VALUES (?1, ?2, ?3)
                 ON CONFLICT (serial) DO UPDATE SET answer = excluded.answer, checked_at = excluded.checked_at",
                params![serial, answer, ts(now)],
            )
            .context("cannot keep the last answer")?;
        Ok(())
    }

    /// Put a visit in the queue; committed (and synced to disk) on return.
    pub(crate) fn enqueue(&self, visit: &QueuedVisit) -> anyhow::Result<()> {
        self.conn()
            .execute(
                "INSERT INTO offline_visits (visit_id, visited_at, certificate, signature, clinical_drug, checkup,
                        name, state, attempts, next_attempt_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'queued', 0, ?2)",
                params![
                    visit.visit_id,
                    ts(visit.visited_at),
                    visit.certificate,
                    visit.signature,
                    visit.clinical_drug,
                    visit.checkup,
                    visit.name
                ],
            )
            .context("cannot queue the visit")?;
        Ok(())
    }

    fn visits_where(&self, condition: &str, args: &[&dyn rusqlite::ToSql]) -> Vec<QueuedVisit> {
        let conn = self.conn();
        let sql = format!(
            "SELECT visit_id, visited_at, certificate, signature, clinical_drug, checkup, name, state, outcome, attempts
             FROM offline_visits WHERE {condition} ORDER BY visited_at, visit_id"
        );
        let Ok(mut stmt) = conn.prepare(&sql) else {
            return Vec::new();
        };
        stmt.query_map(args, |r| {
            Ok(QueuedVisit {
                visit_id: r.get(0)?,
                visited_at: parse_ts(&r.get::<_, String>(1)?),
                certificate: r.get(2)?,
                signature: r.get(3)?,
                clinical_drug: r.get(4)?,
                checkup: r.get(5)?,
                name: r.get(6)?,
                state: VisitState::from_code(&r.get::<_, String>(7)?),
                outcome: r.get(8)?,
                attempts: r.get(9)?,
            })
        })
        .map(|rows| rows.filter_map(Result::ok).collect())
        .unwrap_or_default()
    }

    /// Visits waiting for the platform whose next try is due.
    pub(crate) fn due(&self, now: DateTime<Utc>) -> Vec<QueuedVisit> {
        self.visits_where("state = 'queued' AND next_attempt_at <= ?1", &[&ts(now)])
    }

    /// Every visit of the queue, reconciled or not, oldest first: what the
    /// reception page lists, also after a restart.
    pub(crate) fn all(&self) -> Vec<QueuedVisit> {
        self.visits_where("1 = 1", &[])
    }

    /// The platform answered: the visit is done, with its answer.
    pub(crate) fn settle(
        &self,
        visit_id: &str,
        state: VisitState,
        outcome: &str,
        now: DateTime<Utc>,
    ) -> anyhow::Result<()> {
        self.conn()
            .execute(
                "UPDATE offline_visits SET state = ?2, outcome = ?3, reconciled_at = ?4, attempts = attempts + 1
                 WHERE visit_id = ?1",
                params![visit_id, state.code(), outcome, ts(now)],
            )
            .context("cannot mark the visit reconciled")?;
        Ok(())
    }

    /// The platform failed: try again after a backoff that doubles per try.
    pub(crate) fn retry_later(&self, visit_id: &str, attempts: u32, now: DateTime<Utc>) -> anyhow::Result<()> {
        let wait = 1_i64.checked_shl(attempts.min(16)).unwrap_or(MAX_BACKOFF_SECS).min(MAX_BACKOFF_SECS);
        self.conn()
            .execute(
                "UPDATE offline_visits SET attempts = attempts + 1, next_attempt_at = ?2 WHERE visit_id = ?1",
                params![visit_id, ts(now + TimeDelta::seconds(wait))],
            )
            .context("cannot reschedule the visit")?;
        Ok(())
    }

    /// The platform answers again: every waiting visit is due now.
    pub(crate) fn all_due_now(&self, now: DateTime<Utc>) {
        let _ = self.conn().execute("UPDATE offline_visits SET next_attempt_at = ?1 WHERE state = 'queued'", [ts(now)]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn visit(id: &str) -> QueuedVisit {
        QueuedVisit {
            visit_id: id.to_owned(),
            visited_at: "2026-05-01T00:00:00Z".parse().expect("time"),
            certificate: vec![1, 2, 3],
            signature: Some(vec![4]),
            clinical_drug: true,
            checkup: false,
            name: "山田　花子".to_owned(),
            state: VisitState::Queued,
            outcome: None,
            attempts: 0,
        }
    }

    /// The card is judged with the kept anchors and CRL alone: a good
    /// signature passes, a changed nonce or a listed certificate does not.
    #[test]
    fn the_card_is_verified_locally_against_the_kept_crl() {
        use chrono::TimeZone as _;
        use onshi_pki::{Authority, CertState, Holder, IssuingCa, RevocationReason, StatusEntry, StatusUrls};
        let issued = Utc.with_ymd_and_hms(2026, 4, 1, 0, 0, 0).single().expect("time");
        let authority = Authority::create(issued).expect("authority");
        let holder = Holder {
            name: "山田　花子".to_owned(),
            name_substitute: None,
            sex: onshi_domain::person::Sex::Female,
            birth_date: chrono::NaiveDate::from_ymd_opt(1980, 6, 15).expect("date"),
            address: "東京都八王子市元本郷町三丁目24番1号".to_owned(),
            address_substitute: None,
        };
        let urls = StatusUrls { ocsp: "http://127.0.0.1/ocsp".to_owned(), crl: "http://127.0.0.1/crl".to_owned() };
        let card = authority.issue(&holder, issued, &urls, &urls).expect("issue").user_authentication;
        let trust_with = |entries: &[StatusEntry]| {
            let crl = authority
                .crl(IssuingCa::UserAuthentication, entries, issued, issued + TimeDelta::days(1), 1)
                .expect("crl")
                .der;
            let store = TrustStore::new(
                authority.root_cert_der(),
                authority.ca_cert_der(IssuingCa::UserAuthentication),
                authority.ca_cert_der(IssuingCa::Signing),
            )
            .expect("anchors");
            check_crl(&store, &crl).expect("the CA's CRL");
            Trust { store, crl }
        };
        let at = issued + TimeDelta::days(1);
        let message = b"onshi-offline-visit/1 test";
        let signature =
            onshi_pki::verify::sign_digest_info(&card.key_pkcs8_der, &onshi_pki::verify::sha256_digest_info(message))
                .expect("sign");
        let good = trust_with(&[]);
        assert_eq!(good.verify(&card.cert_der, message, Some(&signature), at), Ok(()));
        assert_eq!(good.verify(&card.cert_der, message, None, at), Ok(()), "face: the certificate alone");
        let tampered = good.verify(&card.cert_der, b"another visit", Some(&signature), at);
        assert_eq!(tampered.map_err(|r| r.code), Err("bad_signature"));
        let revoked = trust_with(&[StatusEntry {
            serial: card.serial.clone(),
            state: CertState::Revoked { reason: RevocationReason::KeyCompromise, at: issued },
        }]);
        let refused = revoked.verify(&card.cert_der, message, Some(&signature), at);
        assert_eq!(refused.map_err(|r| r.code), Err("certificate_revoked"));
        let held =
            trust_with(&[StatusEntry { serial: card.serial.clone(), state: CertState::Suspended { since: issued } }]);
        assert_eq!(held.verify(&card.cert_der, message, None, at).map_err(|r| r.code), Err("certificate_suspended"));
        let other = Authority::create(issued).expect("another authority");
        let foreign =
            other.crl(IssuingCa::UserAuthentication, &[], issued, issued + TimeDelta::days(1), 1).expect("crl").der;
        assert!(check_crl(&good.store, &foreign).is_err(), "a CRL of another CA is not kept");
    }

    #[test]
    fn the_queue_survives_reopening_is_private_and_settles_once() {
        let dir = tempfile::tempdir().expect("dir");
        let now: DateTime<Utc> = "2026-05-01T00:00:05Z".parse().expect("time");
        {
            let state = OfflineState::open(dir.path()).expect("open");
            state.enqueue(&visit("a")).expect("a");
            state.enqueue(&visit("b")).expect("b");
            assert!(state.enqueue(&visit("a")).is_err(), "a visit id is queued once");
        }
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = std::fs::metadata(dir.path().join("kiosk.db")).expect("file").permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let state = OfflineState::open(dir.path()).expect("reopen");
        assert_eq!(state.due(now).len(), 2);
        state.retry_later("a", 3, now).expect("retry");
        assert_eq!(state.due(now).iter().map(|v| v.visit_id.as_str()).collect::<Vec<_>>(), ["b"]);
        state.all_due_now(now);
        state.settle("b", VisitState::Reconciled, "{}", now).expect("settle");
        assert_eq!(state.due(now).iter().map(|v| v.visit_id.as_str()).collect::<Vec<_>>(), ["a"]);
        let all = state.all();
        assert_eq!(all.len(), 2);
        assert_eq!(all[1].state, VisitState::Reconciled);
        assert_eq!(all[1].outcome.as_deref(), Some("{}"));
    }
}
