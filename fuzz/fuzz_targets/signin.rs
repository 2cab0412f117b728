//! The platform's sign-in verification and OCSP responder on outside bytes:
//! the input is split into a certificate, a challenge and a signature (and
//! also taken whole as an OCSP request). Nothing may panic; a valid
//! certificate with a wrong signature must never be accepted.

#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use onshi_pki::{Authority, IssuedCard, IssuingCa, TrustStore};

#[path = "common.rs"]
mod common;

struct Fixture {
    authority: Authority,
    issued: IssuedCard,
    trust: TrustStore,
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let (authority, issued, _) = common::authority_and_card();
        let trust = TrustStore::new(
            authority.root_cert_der(),
            authority.ca_cert_der(IssuingCa::UserAuthentication),
            authority.ca_cert_der(IssuingCa::Signing),
        )
        .expect("trust store");
        Fixture { authority, issued, trust }
    })
}

fuzz_target!(|data: &[u8]| {
    let fixture = fixture();
    let now = common::now();
    let _ = fixture.authority.ocsp_response(data, &[], now, now);
    let Some((&split, rest)) = data.split_first() else { return };
    let at = usize::from(split).min(rest.len());
    let (message, signature) = rest.split_at(at);
    // Garbage as a certificate.
    let _ = fixture.trust.verify_sign_in(data, message, signature, now);
    // Our real certificate with a fuzzed signature: never accepted unless the
    // bytes are a genuine signature, which a fuzzer cannot forge.
    let result = fixture.trust.verify_sign_in(&fixture.issued.user_authentication.cert_der, message, signature, now);
    assert!(result.is_err(), "a fuzzed signature was accepted");
});
