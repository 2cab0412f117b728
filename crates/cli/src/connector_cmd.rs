//! `onshi connector --dir D`: the eligibility terminal's file exchange (the
//! terminal's 連携アプリケーション) for clinic software that already talks to
//! a real terminal. The clinic system drops a 資格確認 request into `D/req`;
//! the connector checks it with the platform's facility API and writes the
//! answer into `D/res`, in the request's encoding, as the terminal writes it
//! (`onshi_oqs` holds the format).
//!
//! ```text
//! D/req/   requests from the clinic system (UTF-8 or Shift_JIS)
//! D/res/   the answers, under the request's name with `req_` turned to `res_`
//! D/done/  requests already answered, moved out of req
//! D/face/  card-check results (`onshi reader check`)
//! ```
//!
//! - `req` is listed every `--poll-ms` (500 ms by default): polling behaves
//!   the same on every system and on network shares (SMB, NFS), where change
//!   notifications are unreliable.
//! - A file is read once its size and modification time have stayed the same
//!   for `--settle-ms` (1 s), so a file still being written is not read half.
//!   A file that is then empty, not well-formed XML or cut inside a character
//!   is given up to `--incomplete-ms` (10 s) of stillness before it is
//!   answered as malformed, for writers that pause mid-file.
//! - Each request is checked with `POST /facility/eligibility/insured-number`
//!   (the visit date is the request's 資格確認日) and answered atomically.
//!   A malformed request gets `onshi_oqs`'s error answer (ONS001–ONS009); a
//!   request the platform could not answer gets ONS101–ONS104 (unreachable,
//!   client refused, failed, query refused) and an error log line saying why.
//!   Nothing in a file stops the watcher; only a signal does.
//! - The public sources do not say what the terminal does with a request
//!   once answered. onshi moves it to `D/done` (replacing an older file of the
//!   same name), so `req` holds only unanswered requests and nothing the
//!   clinic wrote is lost. A connector stopped between writing the answer and
//!   moving the request answers it again on its next start.
//! - The access token is renewed before it expires, and at once when the
//!   platform no longer accepts it (see `platform`).
//! - SIGINT or SIGTERM: the file in hand is finished, then the connector exits 0.

use std::collections::{HashMap, HashSet};
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant, SystemTime};

use anyhow::Context;
use chrono::NaiveDateTime;
use clap::Args;
use onshi_domain::date::time_in_japan;
use onshi_domain::id::FacilityCode;
use onshi_domain::person::{CopayRatio, Relationship, Sex};
use onshi_oqs::answer::{ElderlyRecipient, LimitCertificate};
use onshi_oqs::codes::{
    ConsentFlag, InsuredCardClassification, LimitCategory, LimitCertificateClassification, QualificationValidity,
    ReasonOfLoss,
};
use onshi_oqs::files::{ExchangeDir, is_request_file, read_limited, response_file_name, write_atomically};
use onshi_oqs::{
    DecodeError, EligibilityAnswer, EligibilityRequest, EligibilityResponse, MAX_REQUEST_BYTES, QualificationResult,
    RequestError, RequestFailure, ServiceFailure, ViewingConsent, parse_request,
};

use crate::platform::{self, ApiFailure, FacilityApi};
use crate::settings;

/// Where answered requests go.
pub(crate) const DONE_DIR: &str = "done";

#[derive(Debug, Args)]
pub(crate) struct ConnectorArgs {
    /// The exchange folder: requests are read from DIR/req, answers written
    /// to DIR/res, answered requests moved to DIR/done (all created if missing).
    #[arg(long, value_name = "DIR")]
    dir: PathBuf,
    #[command(flatten)]
    client: crate::platform::ClientArgs,
    /// This facility's 医療機関コード: a request naming another one is
    /// answered with an error. Without it, any code is accepted.
    #[arg(long, value_name = "CODE")]
    facility: Option<String>,
    /// How often DIR/req is listed, in milliseconds.
    #[arg(long, default_value_t = 500, value_name = "MS")]
    poll_ms: u64,
    /// How long a file's size and modification time must stay the same
    /// before it is read, in milliseconds.
    #[arg(long, default_value_t = 1000, value_name = "MS")]
    settle_ms: u64,
    /// How long a file that is empty or not yet well-formed XML may stay
    /// unchanged before it is answered as malformed, in milliseconds.
    #[arg(long, default_value_t = 10_000, value_name = "MS")]
    incomplete_ms: u64,
}

/// Now in Japan, as the files write times.
pub(crate) fn japan_now() -> NaiveDateTime {
    time_in_japan(chrono::Utc::now())
}

pub(crate) async fn run(config_file: Option<PathBuf>, args: ConnectorArgs) -> anyhow::Result<ExitCode> {
    if args.poll_ms == 0 {
        anyhow::bail!("--poll-ms must be at least 1");
    }
    let loaded = settings::load(config_file, &[])?;
    onshi_server::init_tracing(loaded.config.log.format, &loaded.config.log.filter)?;
    let platform = match &args.client.platform {
        Some(url) => url.trim_end_matches('/').to_owned(),
        None => loaded.config.server.public_base_url(),
    };
    let facility = match &args.facility {
        Some(code) => Some(code.parse::<FacilityCode>().map_err(|e| anyhow::anyhow!("--facility {code:?}: {e}"))?),
        None => None,
    };
    let exchange = ExchangeDir::new(&args.dir);
    exchange
        .create_all()
        .with_context(|| format!("cannot create the exchange folders under {}", args.dir.display()))?;
    let done = args.dir.join(DONE_DIR);
    std::fs::create_dir_all(&done).with_context(|| format!("cannot create {}", done.display()))?;
    let mut connector = Connector {
        api: FacilityApi::new(&platform, &args.client.client_id, &args.client.client_secret)?,
        exchange,
        done,
        facility,
        incomplete: Duration::from_millis(args.incomplete_ms),
    };
    let settle = Duration::from_millis(args.settle_ms);
    let poll = Duration::from_millis(args.poll_ms);

    let (stop, mut stopped) = tokio::sync::watch::channel(false);
    tokio::spawn(async move {
        onshi_server::shutdown_signal().await;
        let _ = stop.send(true);
    });
    tracing::info!(
        dir = %args.dir.display(),
        %platform,
        poll_ms = args.poll_ms,
        "connector answering requests in {}",
        connector.exchange.request_dir().display()
    );
    let mut watch = Watch::default();
    'watching: loop {
        for file in watch.scan(&connector.exchange.request_dir(), settle, Instant::now()) {
            if *stopped.borrow() {
                break 'watching;
            }
            let outcome = connector.handle(&file).await;
            watch.settle(&file.name, outcome);
        }
        tokio::select! {
            _ = stopped.changed() => break,
            () = tokio::time::sleep(poll) => {}
        }
    }
    tracing::info!("connector stopped");
    Ok(ExitCode::SUCCESS)
}

/// What became of a file handed to [`Connector::handle`].
#[derive(Debug, Clone, PartialEq, Eq)]
enum Outcome {
    /// Answered (and moved to done, unless that failed: it is then not
    /// answered again until it changes).
    Answered,
    /// Gone before it could be read.
    Gone,
    /// Looks cut off: read again when it changes or its time is up.
    Incomplete(String),
    /// Could not be read or answered now (a log line said why, once); tried again.
    Retry(String),
}

/// The files of `req` as last seen.
#[derive(Default)]
struct Watch {
    files: HashMap<String, Seen>,
    listing_failed: bool,
    odd_names: HashSet<OsString>,
}

struct Seen {
    len: u64,
    modified: Option<SystemTime>,
    /// Since when the size and modification time have not changed.
    since: Instant,
    answered: bool,
    /// Whether this version's wait or retry has been logged.
    noted: bool,
}

/// A request file ready to read, and how long it has not changed.
struct Ready {
    name: String,
    still_for: Duration,
}

impl Watch {
    /// List `dir` and return the request files unchanged for `settle` and not answered yet.
    fn scan(&mut self, dir: &Path, settle: Duration, now: Instant) -> Vec<Ready> {
        let entries = match std::fs::read_dir(dir) {
            Ok(entries) => {
                if std::mem::take(&mut self.listing_failed) {
                    tracing::info!("{} can be listed again", dir.display());
                }
                entries
            }
            Err(error) => {
                if !std::mem::replace(&mut self.listing_failed, true) {
                    tracing::error!(%error, "cannot list {}; trying again", dir.display());
                }
                return Vec::new();
            }
        };
        let mut present = HashSet::new();
        let mut ready = Vec::new();
        for entry in entries.flatten() {
            let name = match entry.file_name().into_string() {
                Ok(name) => name,
                Err(raw) => {
                    if self.odd_names.insert(raw.clone()) {
                        tracing::warn!(name = ?raw, "skipping a file whose name is not valid Unicode; rename it");
                    }
                    continue;
                }
            };
            if !is_request_file(&name) {
                continue;
            }
            let Ok(meta) = std::fs::metadata(entry.path()) else { continue };
            if !meta.is_file() {
                continue;
            }
            let (len, modified) = (meta.len(), meta.modified().ok());
            present.insert(name.clone());
            let seen = self.files.entry(name.clone()).or_insert(Seen {
                len,
                modified,
                since: now,
                answered: false,
                noted: false,
            });
            if seen.len != len || seen.modified != modified {
                *seen = Seen { len, modified, since: now, answered: false, noted: false };
            }
            let still_for = now.duration_since(seen.since);
            if !seen.answered && still_for >= settle {
                ready.push(Ready { name, still_for });
            }
        }
        self.files.retain(|name, _| present.contains(name));
        ready
    }

    /// Record what became of a file, logging a wait or a retry once per version.
    fn settle(&mut self, name: &str, outcome: Outcome) {
        match outcome {
            Outcome::Answered => {
                if let Some(seen) = self.files.get_mut(name) {
                    seen.answered = true;
                }
            }
            Outcome::Gone => {
                self.files.remove(name);
            }
            Outcome::Incomplete(why) | Outcome::Retry(why) => {
                if let Some(seen) = self.files.get_mut(name)
                    && !std::mem::replace(&mut seen.noted, true)
                {
                    tracing::info!(request = name, "{name} not answered yet: {why}");
                }
            }
        }
    }
}

struct Connector {
    api: FacilityApi,
    exchange: ExchangeDir,
    done: PathBuf,
    facility: Option<FacilityCode>,
    incomplete: Duration,
}

/// Whether a refusal may come from a file cut off by its writer.
fn maybe_incomplete(error: &RequestError) -> bool {
    matches!(
        error,
        RequestError::Empty
            | RequestError::Xml(_)
            | RequestError::Encoding(DecodeError::Undecodable { .. } | DecodeError::BadUtf8AfterBom { .. })
    )
}

impl Connector {
    async fn handle(&mut self, file: &Ready) -> Outcome {
        let name = &file.name;
        let path = self.exchange.request_dir().join(name);
        let bytes = match read_limited(&path, MAX_REQUEST_BYTES) {
            Ok(bytes) => bytes,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Outcome::Gone,
            Err(error) => return Outcome::Retry(format!("cannot read it: {error}")),
        };
        let at = japan_now();
        let (response, failed) = match parse_request(&bytes) {
            Ok(request) => self.answer(&request, at).await,
            Err(failure) => {
                if maybe_incomplete(&failure.error) && file.still_for < self.incomplete {
                    return Outcome::Incomplete(format!(
                        "it may still be being written ({failure}); waiting up to {} ms for it to be completed",
                        self.incomplete.as_millis()
                    ));
                }
                (EligibilityResponse::refusal(&failure, at), true)
            }
        };

        let response_name = response_file_name(name);
        let encoded = response.to_xml();
        if !encoded.replaced.is_empty() {
            let replaced: String = encoded.replaced.iter().collect();
            tracing::warn!(request = %name, "{response_name}: Shift_JIS cannot hold {replaced:?}; written as 〓");
        }
        if let Err(error) = write_atomically(&self.exchange.response_dir(), &response_name, &encoded.bytes) {
            return Outcome::Retry(format!("cannot write res/{response_name}: {error}"));
        }
        let result = match &response.header.error {
            Some(error) => format!("error {}: {}", error.code, error.message),
            None => match response.answer.validity {
                Some(validity) => format!("資格有効性 {} ({})", validity.code(), validity.label_ja()),
                None => "no 資格有効性".to_owned(),
            },
        };
        if failed {
            tracing::warn!(request = %name, response = %response_name, "answered {name} → res/{response_name}: {result}");
        } else {
            tracing::info!(request = %name, response = %response_name, "answered {name} → res/{response_name}: {result}");
        }
        if let Err(error) = std::fs::rename(&path, self.done.join(name)) {
            tracing::error!(request = %name, %error, "answered {name} but cannot move it to {}", self.done.display());
        }
        Outcome::Answered
    }

    /// The answer to a well-formed request, and whether it is an error answer.
    async fn answer(&mut self, request: &EligibilityRequest, at: NaiveDateTime) -> (EligibilityResponse, bool) {
        if let (Some(own), Some(code)) = (&self.facility, &request.medical_institution_code)
            && own.as_str() != code
        {
            let failure = RequestFailure {
                error: RequestError::Invalid {
                    element: onshi_oqs::request::path::MEDICAL_INSTITUTION_CODE,
                    label: "医療機関コード",
                    value: code.clone(),
                    rule: format!("this connector answers for 医療機関コード {own} only"),
                },
                encoding: request.encoding,
                confirmation_date: request.confirmation_date,
                medical_institution_code: request.medical_institution_code.clone(),
                arbitrary_file_identifier: request.arbitrary_file_identifier.clone(),
            };
            return (EligibilityResponse::refusal(&failure, at), true);
        }
        let search = &request.search;
        let mut query = serde_json::json!({
            "insurer_number": search.insurer_number.as_str(),
            "symbol": search.symbol.as_str(),
            "number": search.number.as_str(),
            "birth_date": onshi_domain::date::iso(search.birthdate),
        });
        if let Some(branch) = search.branch {
            query["branch"] = branch.to_string().into();
        }
        if let Some(date) = request.confirmation_date {
            query["visit_date"] = onshi_domain::date::iso(date).into();
        }
        let unanswered = EligibilityResponse::to_request(request, EligibilityAnswer::not_found(), at);
        let (kind, detail) = match self.api.post("/facility/eligibility/insured-number", &query).await {
            Ok(body) => match serde_json::from_value::<platform::Answer>(body) {
                Ok(answer) => match oqs_answer(&answer, at) {
                    Ok(answer) => return (EligibilityResponse::to_request(request, answer, at), false),
                    Err(detail) => (ServiceFailure::Unavailable, detail),
                },
                Err(error) => (
                    ServiceFailure::Unavailable,
                    format!("the platform's answer is not an eligibility answer: {error}"),
                ),
            },
            Err(failure) => (service_failure(&failure), format!("the platform at {} {failure}", self.api.base())),
        };
        tracing::error!(code = kind.code(), "{detail}");
        (unanswered.failed(kind, &detail), true)
    }
}

/// The answer file's code for a failed call to the platform.
pub(crate) fn service_failure(failure: &ApiFailure) -> ServiceFailure {
    match failure {
        ApiFailure::Unreachable(_) => ServiceFailure::Unreachable,
        ApiFailure::Unauthorized { .. } => ServiceFailure::Unauthorized,
        ApiFailure::Refused { .. } => ServiceFailure::Refused,
        ApiFailure::Unavailable(_) => ServiceFailure::Unavailable,
    }
}

/// The platform's answer in the terminal's vocabulary. The platform keeps
/// no 被保険者証区分, so every qualification is written 01 被保険者証（一般）;
/// a card check's consent becomes the viewing consents (診療・薬剤情報 →
/// `PharmacistsInfo` and `DiagnosisInfo`, 特定健診等情報 →
/// `SpecificHealthCheckupsInfo`), given at `at` and valid until the
/// platform's `consent_expires_at`.
pub(crate) fn oqs_answer(answer: &platform::Answer, at: NaiveDateTime) -> Result<EligibilityAnswer, String> {
    let validity = QualificationValidity::from_code(&answer.validity.code.to_string()).ok_or_else(|| {
        format!("the platform's validity {} ({}) is not an OQSCD006 code", answer.validity.code, answer.validity.label)
    })?;
    let consent = match &answer.consent_categories {
        None => None,
        Some(categories) => {
            let until = match &answer.consent_expires_at {
                None => None,
                Some(text) => Some(
                    chrono::DateTime::parse_from_rfc3339(text)
                        .map(|t| time_in_japan(t.to_utc()))
                        .map_err(|e| format!("the platform's consent_expires_at {text:?}: {e}"))?,
                ),
            };
            let given = |category: &str| categories.iter().any(|c| c == category);
            let viewing = |given: bool| {
                Some(ViewingConsent {
                    flag: if given { ConsentFlag::Given } else { ConsentFlag::NotGiven },
                    at: given.then_some(at),
                    available_until: if given { until } else { None },
                })
            };
            Some((viewing(given("clinical_drug")), viewing(given("checkup"))))
        }
    };
    let mut results = Vec::with_capacity(answer.coverages.len());
    for coverage in &answer.coverages {
        let mut result = qualification(coverage)?;
        if let Some((clinical_drug, checkup)) = &consent {
            result.drug_consent = clinical_drug.clone();
            result.diagnosis_consent = clinical_drug.clone();
            result.checkups_consent = checkup.clone();
        }
        results.push(result);
    }
    Ok(EligibilityAnswer::found(validity, results))
}

fn qualification(c: &platform::CoverageBody) -> Result<QualificationResult, String> {
    fn bad(field: &str, value: impl std::fmt::Debug, rule: impl std::fmt::Display) -> String {
        format!("the platform's {field} {value:?}: {rule}")
    }
    let date = |field: &str, value: &str| onshi_domain::date::parse_date(value).map_err(|e| bad(field, value, e));
    let sex = Sex::from_code(c.sex).ok_or_else(|| bad("sex", c.sex, "is not 1, 2, 3 or 9"))?;
    let mut r = QualificationResult::new(
        InsuredCardClassification::General,
        c.name.clone(),
        sex,
        date("birth_date", &c.birth_date)?,
        c.insurer_name.clone(),
    );
    r.insurer_number = Some(c.insurer_number.parse().map_err(|e| bad("insurer_number", &c.insurer_number, e))?);
    r.symbol = c.symbol.parse().map_err(|e| bad("symbol", &c.symbol, e))?;
    r.number = Some(c.number.parse().map_err(|e| bad("number", &c.number, e))?);
    r.branch = Some(c.branch.parse().map_err(|e| bad("branch", &c.branch, e))?);
    r.relationship = Some(
        Relationship::from_code(c.relationship).ok_or_else(|| bad("relationship", c.relationship, "is not 1 or 2"))?,
    );
    r.name_kana = Some(c.name_kana.clone()).filter(|k| !k.is_empty());
    r.address = Some(c.address.clone()).filter(|a| !a.is_empty());
    r.acquired_on = Some(date("acquired_on", &c.acquired_on)?);
    r.lost_on = c.lost_on.as_deref().map(|d| date("lost_on", d)).transpose()?;
    r.copay_ratio =
        Some(CopayRatio::new(c.copay_ratio).ok_or_else(|| bad("copay_ratio", c.copay_ratio, "is not 1, 2 or 3"))?);
    let optional_date = |field: &str, value: &Option<String>| value.as_deref().map(|v| date(field, v)).transpose();
    if let Some(reason) = &c.loss_reason {
        r.reason_of_loss = Some(
            ReasonOfLoss::from_code(&reason.code)
                .ok_or_else(|| bad("loss_reason.code", &reason.code, "is not 01, 02, 03 or 99"))?,
        );
    }
    if let Some(limit) = &c.limit {
        r.limit_certificate = Some(LimitCertificate {
            classification: LimitCertificateClassification::from_code(&limit.kind.code)
                .ok_or_else(|| bad("limit.kind.code", &limit.kind.code, "is not 01, 02 or 03"))?,
            category: Some(
                LimitCategory::from_code(&limit.category.code)
                    .ok_or_else(|| bad("limit.category.code", &limit.category.code, "is not a code of OQSCD012"))?,
            ),
            issued_on: optional_date("limit.issued_on", &limit.issued_on)?,
            valid_from: optional_date("limit.valid_from", &limit.valid_from)?,
            valid_until: Some(date("limit.valid_until", &limit.valid_until)?),
            long_term_on: None,
        });
    }
    if let Some(elderly) = &c.elderly {
        r.elderly_recipient = Some(ElderlyRecipient {
            issued_on: optional_date("elderly.issued_on", &elderly.issued_on)?,
            valid_from: optional_date("elderly.valid_from", &elderly.valid_from)?,
            valid_until: Some(date("elderly.valid_until", &elderly.valid_until)?),
            copay_ratio: Some(
                CopayRatio::new(elderly.copay_ratio)
                    .ok_or_else(|| bad("elderly.copay_ratio", elderly.copay_ratio, "is not 1, 2 or 3"))?,
            ),
        });
    }
    Ok(r)
}
