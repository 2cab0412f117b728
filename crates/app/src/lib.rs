//! onshi's use cases: load → decide (domain) → store. This crate sees only the
//! `Store` trait; the binary chooses the backend.

pub mod documents;
pub mod eligibility;
mod group_commit;
pub mod import;
pub mod inspection;
pub mod jpki;
pub mod medical;
pub mod medical_import;
pub mod members;
pub mod oidc;
pub mod portal;
pub mod report;
