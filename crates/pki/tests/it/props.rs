//! Random and mutated input to the parsers on the untrusted paths: sign-in
//! verification and OCSP request parsing never panic.

use chrono::TimeDelta;
use onshi_pki::IssuingCa;
use proptest::prelude::*;

use crate::fixture::*;

fn mutate(base: &[u8], at: usize, xor: u8, cut: usize) -> Vec<u8> {
    let mut out = base.to_vec();
    if !out.is_empty() {
        let i = at % out.len();
        out[i] ^= xor;
    }
    let keep = out.len().saturating_sub(cut % 8);
    out.truncate(keep);
    out
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn verify_never_panics_on_random_bytes(cert in proptest::collection::vec(any::<u8>(), 0..600),
                                            sig in proptest::collection::vec(any::<u8>(), 0..300)) {
        let _ = crate::verify::trust().verify_sign_in(&cert, b"challenge", &sig, issued_at());
    }

    #[test]
    fn verify_never_panics_on_mutated_certificates(at in any::<usize>(), xor in 1u8.., cut in any::<usize>(),
                                                   sig in proptest::collection::vec(any::<u8>(), 256..=256)) {
        let cert = mutate(&card().user_authentication.cert_der, at, xor, cut);
        let _ = crate::verify::trust().verify_sign_in(&cert, b"challenge", &sig, issued_at());
    }

    #[test]
    fn ocsp_never_panics_on_random_or_mutated_requests(random in proptest::collection::vec(any::<u8>(), 0..300),
                                                       at in any::<usize>(), xor in 1u8.., cut in any::<usize>()) {
        let entries = crate::status::entries();
        let now = issued_at();
        let _ = authority().ocsp_response(&random, &entries, now, now + TimeDelta::hours(1));
        let base = crate::status::request(IssuingCa::UserAuthentication, &card().user_authentication.serial, Some(b"nonce"));
        let req = mutate(&base, at, xor, cut);
        let resp = authority().ocsp_response(&req, &entries, now, now + TimeDelta::hours(1));
        prop_assert!(!resp.is_empty());
    }
}
