//! onshi's JPKI-like public key infrastructure: the certificate authority
//! ([`authority`]), certificate status as CRLs (RFC 5280 §5) and OCSP
//! (RFC 6960) ([`status`]), the platform's sign-in verification and the card's
//! raw signature ([`verify`]), and the birthday rules of validity
//! ([`validity`]).
//!
//! No HTTP, no database, no clock: every function that needs the time takes it
//! as a parameter, and nothing here reads or writes files.

pub mod authority;
mod der;
pub mod status;
pub mod validity;
pub mod verify;

pub use authority::{
    Authority, AuthorityFiles, CaFiles, Holder, IssuedCard, IssuedCertificate, IssuingCa, PkiError, StatusUrls,
};
pub use status::{CertState, Crl, RevocationReason, StatusEntry, ocsp_request, requested_serials};
pub use verify::{CertKind, SignError, TrustStore, Validity, Verified, VerifyError};
