//! The OpenAPI 3.1 document of every route, served at `GET /openapi.json`.
//!
//! Each handler carries its own `#[utoipa::path]`; this module only lists
//! them. A test checks that the document and the router agree.

use axum::routing::get;
use axum::{Json, Router};
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::state::AppState;

/// The document. `ApiDoc::openapi()` builds it.
#[derive(Debug, OpenApi)]
#[openapi(
    info(
        title = "onshi",
        description = "オンライン資格確認等システム: an open implementation of Japan's My Number card medical platform."
    ),
    paths(
        crate::landing::landing,
        crate::health::healthz,
        crate::health::readyz,
        crate::telemetry::metrics,
        openapi_json,
        crate::admin::stats,
        crate::jpki::crl,
        crate::jpki::ocsp_post,
        crate::jpki::ocsp_get,
        crate::jpki::ca_certificate,
        crate::jpki::status,
        crate::jpki::challenge,
        crate::jpki::sign_in,
        crate::municipality::issue,
        crate::municipality::card,
        crate::municipality::suspend,
        crate::municipality::resume,
        crate::municipality::revoke,
        crate::municipality::renew,
        crate::municipality::pin_reset,
        crate::facility::token,
        crate::facility::card_check,
        crate::facility::number_check,
        crate::facility::offline_visit,
        crate::facility::register,
        crate::insurer::suspended,
        crate::insurer::linkage,
        crate::insurer::confirm,
        crate::insurer::correct,
        crate::insurer_members::acquire,
        crate::insurer_members::change,
        crate::insurer_members::lose,
        crate::insurer_members::events,
        crate::insurer_members::late,
        crate::medical::facility_read,
        crate::medical::emergency,
        crate::medical::crew_read,
        crate::medical::public_key,
        crate::medical::verify,
        crate::citizen::sign_in,
        crate::citizen::own_records,
        crate::citizen::consents,
        crate::citizen::revoke,
        crate::citizen::access_log,
        crate::oidc::discovery,
        crate::oidc::jwks,
        crate::oidc::par,
        crate::oidc::authorize,
        crate::oidc::status,
        crate::oidc::cancel,
        crate::oidc::app_request,
        crate::oidc::app_challenge,
        crate::oidc::app_approve,
        crate::oidc::token,
        crate::oidc::userinfo,
    ),
    components(schemas(
        crate::error::ErrorBody,
        crate::health::Health,
        crate::admin::Stats,
        crate::jpki::CertificateStatus,
        crate::jpki::ChallengeBody,
        crate::jpki::SignInRequest,
        crate::jpki::SignedInBody,
        crate::municipality::IssueRequest,
        crate::municipality::CardView,
        crate::municipality::CertificateView,
        crate::municipality::EventView,
        crate::municipality::RevokeRequest,
        crate::municipality::PinResetRequest,
        crate::facility::TokenBody,
        crate::facility::CardCheckRequest,
        crate::facility::ConsentRequest,
        crate::facility::NumberCheckRequest,
        crate::facility::ValidityBody,
        crate::facility::CoverageBody,
        crate::facility::AnswerBody,
        crate::facility::OfflineVisitRequest,
        crate::facility::OfflineVisitBody,
        crate::facility::RegistrationRequest,
        crate::facility::RegistrationBody,
        crate::insurer::SuspensionView,
        crate::insurer::SuspendedLinkView,
        crate::insurer::LinkageView,
        crate::insurer::ConfirmRequest,
        crate::insurer::CorrectRequest,
        crate::insurer_members::AcquireRequest,
        crate::insurer_members::ChangeRequest,
        crate::insurer_members::LossRequest,
        crate::insurer_members::LimitBody,
        crate::insurer_members::ElderlyBody,
        crate::insurer_members::CodeView,
        crate::insurer_members::LimitView,
        crate::insurer_members::ElderlyView,
        crate::insurer_members::MemberView,
        crate::insurer_members::MemberEventView,
        crate::insurer_members::MemberHistoryView,
        crate::insurer_members::LateRegistrationView,
        crate::medical::RecordView,
        crate::medical::RecordsBody,
        crate::medical::FacilityReadRequest,
        crate::medical::PatientRequest,
        crate::medical::EmergencyRequest,
        crate::medical::CrewRequest,
        crate::medical::CrewRecordView,
        crate::medical::FacilityRef,
        crate::medical::EmergencySetBody,
        crate::medical::PublicKeyBody,
        crate::medical::VerifyFailure,
        crate::medical::VerifyBody,
        crate::citizen::CitizenSignInRequest,
        crate::citizen::CitizenTokenBody,
        crate::citizen::ConsentCategoryView,
        crate::citizen::ConsentFacilityView,
        crate::citizen::ConsentView,
        crate::citizen::ConsentsBody,
        crate::citizen::AccessEntryView,
        crate::citizen::HeadView,
        crate::citizen::AccessLogBody,
    )),
    modifiers(&AdminToken),
    tags(
        (name = "pages", description = "Server-rendered pages for people"),
        (name = "operations", description = "Probes, metrics and this document; no authentication"),
        (name = "admin", description = "Operator API; needs the admin token"),
        (name = "oidc", description = "The OpenID Connect provider: relying parties (private_key_jwt), the person's browser and app (card sign-in)"),
        (name = "jpki", description = "公的個人認証: certificate status (CRL, OCSP) and challenge sign-in with the card"),
        (name = "facility", description = "医療機関・薬局: online eligibility verification; OAuth 2.0 client credentials"),
        (name = "municipality", description = "市区町村窓口: card issuance and status changes; needs the admin token for now"),
        (name = "crew", description = "消防本部・救急隊 (マイナ救急): the emergency set read from the card at the scene; OAuth 2.0 client credentials"),
        (name = "citizen", description = "本人 (the portal): sign in with the card; one's own records, consents and access log with its proof"),
        (name = "insurer", description = "保険者: links held by the linkage checks (総点検) and the insurer's decisions; needs the admin token for now"),
    )
)]
pub struct ApiDoc;

/// Declares the `admin_token` bearer scheme that `/admin` routes name.
struct AdminToken;

impl Modify for AdminToken {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme("admin_token", SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)));
        components.add_security_scheme("facility_token", SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)));
        components.add_security_scheme("crew_token", SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)));
        components.add_security_scheme("citizen_token", SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)));
    }
}

pub(crate) fn router() -> Router<AppState> {
    Router::new().route("/openapi.json", get(openapi_json))
}

/// This document.
#[utoipa::path(
    get,
    path = "/openapi.json",
    tag = "operations",
    responses((status = 200, description = "OpenAPI 3.1 document", content_type = "application/json"))
)]
pub(crate) async fn openapi_json() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}
