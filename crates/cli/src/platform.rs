//! The platform's facility API as a clinic's system calls it: an access
//! token by OAuth 2.0 client credentials (`POST /oauth/token`), kept and
//! renewed shortly before it expires, or at once when the platform says it is
//! no longer valid (a restarted platform with a new token key); and the
//! eligibility checks under `/facility/eligibility`. `onshi facility
//! check-number`, `onshi connector` and `onshi reader check` share it.
//!
//! Every failure is one of four kinds ([`ApiFailure`]), which the connector
//! turns into the matching error code of the terminal's answer file.

use std::time::{Duration, Instant};

use anyhow::Context;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::Deserialize;

/// How long the platform may take to accept a connection.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);
/// How long the platform may take to answer.
const ANSWER_TIMEOUT: Duration = Duration::from_secs(10);

/// A client of the facility API with its credentials and current token.
pub(crate) struct FacilityApi {
    http: reqwest::Client,
    base: String,
    client_id: String,
    client_secret: String,
    token: Option<Token>,
    /// The 医療機関コード the platform's token names.
    facility_code: Option<String>,
}

struct Token {
    access: String,
    renew_at: Instant,
}

/// Why a call to the platform gave no answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ApiFailure {
    /// No connection, or no answer in time.
    Unreachable(String),
    /// The client credentials (`invalid_client`) or the token (`invalid_token`,
    /// even after a new one) were refused.
    Unauthorized { code: String, message: String },
    /// The platform refused the query: `400` or `422` with its code.
    Refused { code: String, message: String },
    /// The platform failed (`5xx`) or answered something unexpected.
    Unavailable(String),
}

impl std::fmt::Display for ApiFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ApiFailure::Unreachable(detail) => write!(f, "cannot be reached: {detail}"),
            ApiFailure::Unauthorized { code, message } => write!(f, "refused the client ({code}): {message}"),
            ApiFailure::Refused { code, message } => write!(f, "refused the query ({code}): {message}"),
            ApiFailure::Unavailable(detail) => write!(f, "failed: {detail}"),
        }
    }
}

impl std::error::Error for ApiFailure {}

/// When to renew a token that lives `expires_in` seconds: a tenth of its
/// life before it ends (between 1 second and 1 minute), so that a check
/// never leaves with a token about to expire.
pub(crate) fn renew_after(expires_in: u64) -> Duration {
    let margin = (expires_in / 10).clamp(1, 60);
    Duration::from_secs(expires_in.saturating_sub(margin))
}

impl FacilityApi {
    pub(crate) fn new(base: &str, client_id: &str, client_secret: &str) -> anyhow::Result<FacilityApi> {
        let http = reqwest::Client::builder()
            .connect_timeout(CONNECT_TIMEOUT)
            .timeout(ANSWER_TIMEOUT)
            .build()
            .context("cannot start the HTTP client")?;
        Ok(FacilityApi {
            http,
            base: base.trim_end_matches('/').to_owned(),
            client_id: client_id.to_owned(),
            client_secret: client_secret.to_owned(),
            token: None,
            facility_code: None,
        })
    }

    /// The platform's base URL.
    pub(crate) fn base(&self) -> &str {
        &self.base
    }

    /// The HTTP client, for the public routes (`/jpki/challenges`).
    pub(crate) fn http(&self) -> &reqwest::Client {
        &self.http
    }

    /// The facility the client acts for, once the platform gave a token.
    pub(crate) fn facility_code(&self) -> Option<&str> {
        self.facility_code.as_deref()
    }

    /// A token now (to learn the facility code, or to see that the
    /// platform answers).
    pub(crate) async fn sign_in(&mut self) -> Result<(), ApiFailure> {
        self.token().await.map(|_| ())
    }

    /// GET a public route's bytes (`/jpki/…` certificates and CRL).
    pub(crate) async fn get_bytes(&self, path: &str) -> Result<Vec<u8>, ApiFailure> {
        let response = self.http.get(format!("{}{path}", self.base)).send().await.map_err(unreachable)?;
        let status = response.status();
        if !status.is_success() {
            return Err(ApiFailure::Unavailable(format!("GET {path} answered {status}")));
        }
        Ok(response.bytes().await.map_err(unreachable)?.to_vec())
    }

    /// The current token, or a new one when there is none or it is due for renewal.
    async fn token(&mut self) -> Result<String, ApiFailure> {
        if let Some(token) = &self.token
            && Instant::now() < token.renew_at
        {
            return Ok(token.access.clone());
        }
        let renewing = self.token.is_some();
        let basic = STANDARD.encode(format!("{}:{}", self.client_id, self.client_secret));
        let response = self
            .http
            .post(format!("{}/oauth/token", self.base))
            .header("authorization", format!("Basic {basic}"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body("grant_type=client_credentials")
            .send()
            .await
            .map_err(unreachable)?;
        let status = response.status();
        let body: serde_json::Value = response
            .json()
            .await
            .map_err(|e| ApiFailure::Unavailable(format!("the token answer ({status}) is not JSON: {e}")))?;
        if !status.is_success() {
            let code = body["error"].as_str().unwrap_or("unknown").to_owned();
            let message = body["error_description"].as_str().unwrap_or("").to_owned();
            return Err(if status.is_server_error() {
                ApiFailure::Unavailable(format!("the token endpoint answered {status} ({code}): {message}"))
            } else {
                ApiFailure::Unauthorized { code, message }
            });
        }
        let (Some(access), Some(expires_in)) = (body["access_token"].as_str(), body["expires_in"].as_u64()) else {
            return Err(ApiFailure::Unavailable(format!("the token answer lacks access_token or expires_in: {body}")));
        };
        if renewing {
            tracing::info!(platform = %self.base, "access token renewed");
        }
        if let Some(code) = body["facility_code"].as_str() {
            self.facility_code = Some(code.to_owned());
        }
        self.token = Some(Token { access: access.to_owned(), renew_at: Instant::now() + renew_after(expires_in) });
        Ok(access.to_owned())
    }

    /// POST a JSON query to a facility route with the token; a token the
    /// platform no longer accepts is replaced once and the query sent again.
    pub(crate) async fn post(
        &mut self,
        path: &str,
        query: &serde_json::Value,
    ) -> Result<serde_json::Value, ApiFailure> {
        let mut renewed = false;
        loop {
            let token = self.token().await?;
            let response = self
                .http
                .post(format!("{}{path}", self.base))
                .bearer_auth(&token)
                .json(query)
                .send()
                .await
                .map_err(unreachable)?;
            let status = response.status();
            let body: serde_json::Value = response
                .json()
                .await
                .map_err(|e| ApiFailure::Unavailable(format!("the answer ({status}) is not JSON: {e}")))?;
            if status.is_success() {
                return Ok(body);
            }
            let code = body["code"].as_str().unwrap_or("unknown").to_owned();
            let message = body["message"].as_str().unwrap_or("").to_owned();
            match status.as_u16() {
                401 if !renewed => {
                    tracing::info!(platform = %self.base, %code, "the platform no longer accepts the token; getting a new one");
                    self.token = None;
                    renewed = true;
                }
                401 | 403 => return Err(ApiFailure::Unauthorized { code, message }),
                400 | 422 => return Err(ApiFailure::Refused { code, message }),
                _ => return Err(ApiFailure::Unavailable(format!("{status} ({code}): {message}"))),
            }
        }
    }
}

fn unreachable(error: reqwest::Error) -> ApiFailure {
    // The chain names the cause (connection refused, timed out, DNS).
    let mut detail = error.to_string();
    let mut source = std::error::Error::source(&error);
    while let Some(cause) = source {
        detail.push_str(": ");
        detail.push_str(&cause.to_string());
        source = cause.source();
    }
    ApiFailure::Unreachable(detail)
}

/// An eligibility answer of `/facility/eligibility/*` (the fields the
/// connector writes; see `onshi_server`'s `AnswerBody`).
/// Where the platform is and the facility system's client credentials: the
/// same flags for every command that calls the facility API.
#[derive(Debug, Clone, clap::Args)]
pub(crate) struct ClientArgs {
    /// The platform's base URL (default: `server.public_url`, else `http://` and `server.bind`).
    #[arg(long, value_name = "URL")]
    pub(crate) platform: Option<String>,
    /// The facility system's client id (`onshi facility add-client`). Also `ONSHI_CLIENT_ID`.
    #[arg(long, env = "ONSHI_CLIENT_ID", value_name = "ID")]
    pub(crate) client_id: String,
    /// The client secret (it may begin with `-`). Also `ONSHI_CLIENT_SECRET`.
    #[arg(
        long,
        env = "ONSHI_CLIENT_SECRET",
        hide_env_values = true,
        allow_hyphen_values = true,
        value_name = "SECRET"
    )]
    pub(crate) client_secret: String,
}

#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Answer {
    pub(crate) validity: ValidityBody,
    #[serde(default)]
    pub(crate) as_of: Option<String>,
    pub(crate) coverages: Vec<CoverageBody>,
    /// Card checks: `valid` or `within_grace` (expired less than 3 months ago).
    #[serde(default)]
    pub(crate) certificate_validity: Option<String>,
    #[serde(default)]
    pub(crate) medical_information_allowed: bool,
    #[serde(default)]
    pub(crate) consent_categories: Option<Vec<String>>,
    #[serde(default)]
    pub(crate) consent_expires_at: Option<String>,
    /// Card checks: whether the card is registered as insurance card (利用登録).
    #[serde(default)]
    pub(crate) card_registered: Option<bool>,
}

#[derive(Debug, Clone, Deserialize)]
pub(crate) struct ValidityBody {
    pub(crate) code: u8,
    pub(crate) label: String,
}

#[derive(Debug, Clone, Deserialize)]
pub(crate) struct CoverageBody {
    pub(crate) insurer_number: String,
    pub(crate) insurer_name: String,
    pub(crate) symbol: String,
    pub(crate) number: String,
    pub(crate) branch: String,
    pub(crate) relationship: u8,
    pub(crate) name: String,
    pub(crate) name_kana: String,
    pub(crate) birth_date: String,
    pub(crate) sex: u8,
    pub(crate) address: String,
    pub(crate) acquired_on: String,
    #[serde(default)]
    pub(crate) lost_on: Option<String>,
    pub(crate) copay_ratio: u8,
    /// 資格喪失事由, with 資格喪失日.
    #[serde(default)]
    pub(crate) loss_reason: Option<CodeBody>,
    /// 限度額適用認定証関連情報, when the member has one.
    #[serde(default)]
    pub(crate) limit: Option<LimitBody>,
    /// 高齢受給者証, when the member has one.
    #[serde(default)]
    pub(crate) elderly: Option<ElderlyBody>,
}

/// A coded value: its code (e.g. 適用区分 `B01`) and Japanese name (現役並みⅢ).
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct CodeBody {
    #[serde(default)]
    pub(crate) code: String,
    pub(crate) name: String,
}

/// 限度額適用認定証: 証区分, 適用区分 (OQSCD012) and validity.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct LimitBody {
    pub(crate) kind: CodeBody,
    pub(crate) category: CodeBody,
    #[serde(default)]
    pub(crate) issued_on: Option<String>,
    #[serde(default)]
    pub(crate) valid_from: Option<String>,
    pub(crate) valid_until: String,
}

/// 高齢受給者証: its copay and validity.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct ElderlyBody {
    pub(crate) copay_ratio: u8,
    #[serde(default)]
    pub(crate) issued_on: Option<String>,
    #[serde(default)]
    pub(crate) valid_from: Option<String>,
    pub(crate) valid_until: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_is_renewed_a_tenth_of_its_life_before_it_ends() {
        assert_eq!(renew_after(600), Duration::from_secs(540), "the platform's 10 minutes");
        assert_eq!(renew_after(3600), Duration::from_secs(3540), "at most a minute early");
        assert_eq!(renew_after(5), Duration::from_secs(4), "at least a second early");
        assert_eq!(renew_after(0), Duration::ZERO, "an expired token is renewed at once");
    }
}
