//! [`ApiError`], the one error type handlers return, and the only place where
//! HTTP status codes for failures are chosen.
//!
//! Every failure answers with a JSON body `{ "code": …, "message": … }`.
//! `code` is a stable machine-readable string, listed on [`ApiError::code`];
//! clients may match on it. `message` is for people and may change. Internal
//! causes (database errors and the like) never reach the body: they travel to
//! the request log in an [`InternalCause`] response extension, which the
//! telemetry middleware writes out with the request's method and route.
//! Bad input from the client is not logged.

use std::sync::Arc;

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use onshi_store::StoreError;
use serde::Serialize;
use utoipa::ToSchema;

/// An error answer.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("no such route")]
    NotFound,
    #[error("method not allowed on this route")]
    MethodNotAllowed,
    #[error("the request took too long")]
    Timeout,
    #[error("the admin API is disabled")]
    AdminDisabled,
    #[error("missing or wrong admin token")]
    Unauthorized,
    #[error("not ready: {context}")]
    NotReady {
        context: &'static str,
        #[source]
        source: StoreError,
    },
    #[error("the database is unavailable: {context}")]
    StoreUnavailable {
        context: &'static str,
        #[source]
        source: StoreError,
    },
    /// A refusal with its own code, chosen by the audience module (bad input,
    /// a sign-in refused, a card state that does not allow the change).
    #[error("{message}")]
    Refused { status: StatusCode, code: &'static str, message: String },
    /// A field of the request that is not acceptable (422 `invalid_field`):
    /// the body names the field.
    #[error("{field} {value:?}: {rule}")]
    Invalid { field: String, value: String, rule: String },
    #[error("internal error: {context}")]
    Internal {
        context: &'static str,
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
}

/// The JSON body of every error answer.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ErrorBody {
    /// Stable machine-readable code, e.g. `store_unavailable`.
    pub code: &'static str,
    /// Human-readable explanation; may change between versions.
    pub message: String,
    /// The request field at fault, for `invalid_field`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

/// The internal cause of a failure, attached to the response for the request
/// log and never serialised.
#[derive(Debug, Clone)]
pub(crate) struct InternalCause(pub(crate) Arc<str>);

impl ApiError {
    /// Wrap a store error met while doing `context`: `Unavailable` becomes a
    /// `503`, anything else a `500`.
    pub fn store(context: &'static str, source: StoreError) -> ApiError {
        match source {
            StoreError::Unavailable { .. } => ApiError::StoreUnavailable { context, source },
            other => ApiError::Internal { context, source: Box::new(other) },
        }
    }

    /// A refusal with a code of the audience's own.
    pub fn refused(status: StatusCode, code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError::Refused { status, code, message: message.into() }
    }

    /// The stable machine-readable code:
    ///
    /// | code | status | meaning |
    /// | --- | --- | --- |
    /// | `not_found` | 404 | no route at this path |
    /// | `method_not_allowed` | 405 | the route exists, not with this method |
    /// | `timeout` | 503 | the request exceeded `server.request_timeout_seconds` |
    /// | `admin_disabled` | 403 | `/admin` is off: no `admin.token` configured |
    /// | `unauthorized` | 401 | missing or wrong `Authorization: Bearer` token |
    /// | `not_ready` | 503 | `/readyz`: the database does not answer or is not migrated |
    /// | `store_unavailable` | 503 | the database does not answer |
    /// | `invalid_field` | 422 | a request field breaks its format or a rule; `field` names it |
    /// | `internal` | 500 | a bug or corrupt data; see the server log |
    ///
    /// Audience modules add their own codes through [`ApiError::refused`];
    /// `/jpki` and `/municipality` list theirs in their module docs.
    pub fn code(&self) -> &'static str {
        match self {
            ApiError::NotFound => "not_found",
            ApiError::MethodNotAllowed => "method_not_allowed",
            ApiError::Timeout => "timeout",
            ApiError::AdminDisabled => "admin_disabled",
            ApiError::Unauthorized => "unauthorized",
            ApiError::NotReady { .. } => "not_ready",
            ApiError::StoreUnavailable { .. } => "store_unavailable",
            ApiError::Refused { code, .. } => code,
            ApiError::Invalid { .. } => "invalid_field",
            ApiError::Internal { .. } => "internal",
        }
    }

    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::NotFound => StatusCode::NOT_FOUND,
            ApiError::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::Timeout | ApiError::NotReady { .. } | ApiError::StoreUnavailable { .. } => {
                StatusCode::SERVICE_UNAVAILABLE
            }
            ApiError::AdminDisabled => StatusCode::FORBIDDEN,
            ApiError::Unauthorized => StatusCode::UNAUTHORIZED,
            ApiError::Refused { status, .. } => *status,
            ApiError::Invalid { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::Internal { .. } => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// What the client is told. Never includes an internal cause.
    fn message(&self) -> String {
        match self {
            ApiError::NotFound => "there is no route at this path; see /openapi.json".to_owned(),
            ApiError::MethodNotAllowed => "this route does not accept this method; see /openapi.json".to_owned(),
            ApiError::Timeout => "the request took too long and was cancelled; try again".to_owned(),
            ApiError::AdminDisabled => "the admin API is disabled: set ONSHI_ADMIN__TOKEN (or [admin] token in \
                                        onshi.toml) on the server to enable it"
                .to_owned(),
            ApiError::Unauthorized => "send the admin token as `Authorization: Bearer <token>`".to_owned(),
            ApiError::NotReady { .. } => "not ready: the database does not answer or is not migrated yet".to_owned(),
            ApiError::StoreUnavailable { .. } => "the database is unavailable; try again later".to_owned(),
            ApiError::Refused { message, .. } => message.clone(),
            ApiError::Invalid { .. } => self.to_string(),
            ApiError::Internal { .. } => "internal error; the server log has the details".to_owned(),
        }
    }

    /// The full error chain, for the log, when this is the server's problem
    /// rather than the client's.
    fn internal_cause(&self) -> Option<String> {
        match self {
            ApiError::NotReady { .. } | ApiError::StoreUnavailable { .. } | ApiError::Internal { .. } => {
                let mut chain = self.to_string();
                let mut source = std::error::Error::source(self);
                while let Some(cause) = source {
                    chain.push_str(": ");
                    chain.push_str(&cause.to_string());
                    source = cause.source();
                }
                Some(chain)
            }
            _ => None,
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        let field = match &self {
            ApiError::Invalid { field, .. } => Some(field.clone()),
            _ => None,
        };
        let body = ErrorBody { code: self.code(), message: self.message(), field };
        let mut response = (status, Json(body)).into_response();
        if matches!(self, ApiError::Unauthorized) {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer realm=\"onshi-admin\""));
        }
        if let Some(cause) = self.internal_cause() {
            response.extensions_mut().insert(InternalCause(Arc::from(cause)));
        }
        response
    }
}

/// Turn a failure of the timeout layer into an answer. The only error the
/// layer raises on its own is the elapsed timer; the inner services are
/// infallible.
pub(crate) async fn from_middleware(error: tower::BoxError) -> ApiError {
    if error.is::<tower::timeout::error::Elapsed>() {
        ApiError::Timeout
    } else {
        ApiError::Internal { context: "middleware", source: error }
    }
}
