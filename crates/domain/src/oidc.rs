//! The rules of the OpenID Connect provider (デジタル認証アプリ-style sign-in
//! for relying parties), as pure functions: PKCE S256 (RFC 7636), the pairwise
//! subject identifier (OIDC Core §8.1), the scopes the platform knows, exact
//! redirect URI matching, and the shape of `state` and `nonce`.
//!
//! Every error names the parameter, the value (shortened when long) and the
//! rule it breaks; the provider maps them to the RFC 6749 error codes.

use std::collections::BTreeSet;
use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};

/// Why a request parameter is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{param} {value:?}: {rule}")]
pub struct ParamError {
    /// The parameter's name as on the wire (`scope`, `state`, …).
    pub param: &'static str,
    /// The value given, cut to 64 characters.
    pub value: String,
    pub rule: &'static str,
}

impl ParamError {
    fn new(param: &'static str, value: &str, rule: &'static str) -> ParamError {
        let value: String = value.chars().take(64).collect();
        ParamError { param, value, rule }
    }
}

/// The RFC 3986 unreserved characters, the alphabet of a PKCE verifier.
fn is_unreserved(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~')
}

/// Check a PKCE `code_verifier`'s shape (RFC 7636 §4.1): 43–128 unreserved
/// characters.
pub fn check_code_verifier(verifier: &str) -> Result<(), ParamError> {
    if !(43..=128).contains(&verifier.len()) {
        return Err(ParamError::new("code_verifier", verifier, "must be 43 to 128 characters long"));
    }
    if !verifier.bytes().all(is_unreserved) {
        return Err(ParamError::new("code_verifier", verifier, "may hold only A-Z a-z 0-9 - . _ ~"));
    }
    Ok(())
}

/// Check a `code_challenge`'s shape: the base64url (unpadded) of a SHA-256,
/// so exactly 43 characters of the base64url alphabet.
pub fn check_code_challenge(challenge: &str) -> Result<(), ParamError> {
    match URL_SAFE_NO_PAD.decode(challenge) {
        Ok(bytes) if bytes.len() == 32 && challenge.len() == 43 => Ok(()),
        _ => Err(ParamError::new(
            "code_challenge",
            challenge,
            "must be the unpadded base64url of a SHA-256 digest (43 characters)",
        )),
    }
}

/// The S256 challenge of a verifier: `BASE64URL(SHA256(ASCII(verifier)))`.
pub fn s256_challenge(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// Whether `verifier` is well formed and answers `challenge` (S256). The
/// comparison does not stop at the first differing byte.
pub fn pkce_s256_matches(verifier: &str, challenge: &str) -> bool {
    if check_code_verifier(verifier).is_err() {
        return false;
    }
    constant_time_eq(s256_challenge(verifier).as_bytes(), challenge.as_bytes())
}

/// Equality of two byte strings whose time depends only on their lengths.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// HMAC-SHA256 (RFC 2104).
pub fn hmac_sha256(key: &[u8], message: &[u8]) -> [u8; 32] {
    const BLOCK: usize = 64;
    let mut block = [0u8; BLOCK];
    if key.len() > BLOCK {
        block[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    let mut inner = Sha256::new();
    inner.update(block.map(|b| b ^ 0x36));
    inner.update(message);
    let mut outer = Sha256::new();
    outer.update(block.map(|b| b ^ 0x5c));
    outer.update(inner.finalize());
    outer.finalize().into()
}

/// The pairwise subject identifier (OIDC Core §8.1) of a person for a
/// sector: `base64url(HMAC-SHA256(secret, sector_identifier || "\n" ||
/// person_key))`. `person_key` is the platform's person id, never anything
/// taken from a certificate, so the `sub` survives a card renewal; relying
/// parties of different sectors cannot join their users on it.
pub fn pairwise_subject(secret: &[u8], sector_identifier: &str, person_key: &str) -> String {
    let mut message = Vec::with_capacity(sector_identifier.len() + 1 + person_key.len());
    message.extend_from_slice(sector_identifier.as_bytes());
    message.push(b'\n');
    message.extend_from_slice(person_key.as_bytes());
    URL_SAFE_NO_PAD.encode(hmac_sha256(secret, &message))
}

/// A scope value the platform knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Scope {
    /// `openid`: required on every request.
    OpenId,
    /// `name`: 氏名.
    Name,
    /// `address`: 住所.
    Address,
    /// `birthdate`: 生年月日.
    Birthdate,
    /// `gender`: 性別.
    Gender,
    /// `sign`: 署名 (accepted in the scope, no signing flow yet).
    Sign,
}

impl Scope {
    pub const ALL: [Scope; 6] =
        [Scope::OpenId, Scope::Name, Scope::Address, Scope::Birthdate, Scope::Gender, Scope::Sign];

    /// The four attributes (基本4情報) a person can release as claims.
    pub const CLAIMS: [Scope; 4] = [Scope::Name, Scope::Address, Scope::Birthdate, Scope::Gender];

    pub fn code(self) -> &'static str {
        match self {
            Scope::OpenId => "openid",
            Scope::Name => "name",
            Scope::Address => "address",
            Scope::Birthdate => "birthdate",
            Scope::Gender => "gender",
            Scope::Sign => "sign",
        }
    }

    pub fn from_code(code: &str) -> Option<Scope> {
        Scope::ALL.into_iter().find(|s| s.code() == code)
    }

    /// Whether the scope releases a claim of the same name.
    pub fn is_claim(self) -> bool {
        Scope::CLAIMS.contains(&self)
    }

    /// The attribute in Japanese, for the consent page.
    pub fn label_ja(self) -> &'static str {
        match self {
            Scope::OpenId => "利用者の識別子",
            Scope::Name => "氏名",
            Scope::Address => "住所",
            Scope::Birthdate => "生年月日",
            Scope::Gender => "性別",
            Scope::Sign => "電子署名",
        }
    }
}

/// A set of scopes, always holding `openid`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Scopes(BTreeSet<Scope>);

impl Scopes {
    /// Parse a space-separated `scope` value: every value known, `openid`
    /// among them. Repeats are harmless.
    pub fn parse(value: &str) -> Result<Scopes, ParamError> {
        let mut set = BTreeSet::new();
        for code in value.split(' ').filter(|s| !s.is_empty()) {
            let scope = Scope::from_code(code).ok_or_else(|| {
                ParamError::new("scope", value, "may hold only openid, name, address, birthdate, gender and sign")
            })?;
            set.insert(scope);
        }
        if !set.contains(&Scope::OpenId) {
            return Err(ParamError::new("scope", value, "must contain openid"));
        }
        Ok(Scopes(set))
    }

    pub fn contains(&self, scope: Scope) -> bool {
        self.0.contains(&scope)
    }

    pub fn iter(&self) -> impl Iterator<Item = Scope> + '_ {
        self.0.iter().copied()
    }

    /// Whether every scope here is in `allowed`.
    pub fn is_subset(&self, allowed: &Scopes) -> bool {
        self.0.is_subset(&allowed.0)
    }

    /// The claim scopes (基本4情報) among these.
    pub fn claims(&self) -> Vec<Scope> {
        self.iter().filter(|s| s.is_claim()).collect()
    }
}

impl fmt::Display for Scopes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let codes: Vec<&str> = self.iter().map(Scope::code).collect();
        f.write_str(&codes.join(" "))
    }
}

/// Check `state` or `nonce` (named by `param`): 1 to 255 visible ASCII
/// characters (VSCHAR, `%x20-7E`, as the デジタル認証アプリ requires).
pub fn check_opaque(param: &'static str, value: &str) -> Result<(), ParamError> {
    if value.is_empty() {
        return Err(ParamError::new(param, value, "is required"));
    }
    if value.len() > 255 {
        return Err(ParamError::new(param, value, "must be at most 255 characters"));
    }
    if !value.bytes().all(|b| (0x20..=0x7e).contains(&b)) {
        return Err(ParamError::new(param, value, "may hold only visible ASCII characters"));
    }
    Ok(())
}

/// Check a `client_id`: 1 to 255 ASCII letters and digits (e.g. RP00000001).
pub fn check_client_id(value: &str) -> Result<(), ParamError> {
    if (1..=255).contains(&value.len()) && value.bytes().all(|b| b.is_ascii_alphanumeric()) {
        Ok(())
    } else {
        Err(ParamError::new("client_id", value, "must be 1 to 255 ASCII letters and digits"))
    }
}

/// The registered redirect URI `given` matches exactly (simple string
/// comparison, OIDC Core §3.1.2.1), if any.
pub fn match_redirect_uri<'a>(registered: &'a [String], given: &str) -> Option<&'a str> {
    registered.iter().map(String::as_str).find(|r| *r == given)
}

/// Check a redirect URI to register: at most 255 characters, absolute
/// `https://` (or `http://` for localhost), no fragment.
pub fn check_redirect_uri(value: &str) -> Result<(), ParamError> {
    let local = ["http://localhost", "http://127.0.0.1", "http://[::1]"];
    let scheme_ok = value.starts_with("https://")
        || local
            .iter()
            .any(|l| value.strip_prefix(l).is_some_and(|rest| rest.is_empty() || rest.starts_with(['/', ':'])));
    if value.len() > 255 {
        Err(ParamError::new("redirect_uri", value, "must be at most 255 characters"))
    } else if !scheme_ok {
        Err(ParamError::new("redirect_uri", value, "must be https:// (http:// only for localhost)"))
    } else if value.contains('#') {
        Err(ParamError::new("redirect_uri", value, "must not contain a fragment"))
    } else if value.chars().any(|c| c.is_whitespace() || c.is_control()) {
        Err(ParamError::new("redirect_uri", value, "must not contain spaces or control characters"))
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn rfc7636_appendix_b_example() {
        let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
        assert_eq!(s256_challenge(verifier), "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
        assert!(pkce_s256_matches(verifier, "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"));
        assert!(!pkce_s256_matches(verifier, "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cN"));
        assert!(check_code_challenge("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM").is_ok());
        assert!(check_code_challenge("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-c").is_err());
    }

    #[test]
    fn verifier_shape() {
        assert!(check_code_verifier(&"a".repeat(42)).is_err());
        assert!(check_code_verifier(&"a".repeat(43)).is_ok());
        assert!(check_code_verifier(&"a".repeat(128)).is_ok());
        assert!(check_code_verifier(&"a".repeat(129)).is_err());
        let err = check_code_verifier(&format!("{}+", "a".repeat(50))).expect_err("refused");
        assert_eq!(err.param, "code_verifier");
        // A too-short verifier never matches, even its own challenge.
        assert!(!pkce_s256_matches("short", &s256_challenge("short")));
    }

    #[test]
    fn rfc4231_hmac_vectors() {
        // Test case 2.
        let mac = hmac_sha256(b"Jefe", b"what do ya want for nothing?");
        let hex: String = mac.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(hex, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
        // Test case 6: a key longer than the block is hashed first.
        let mac = hmac_sha256(&[0xaa; 131], b"Test Using Larger Than Block-Size Key - Hash Key First");
        let hex: String = mac.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(hex, "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
    }

    #[test]
    fn pairwise_subject_depends_on_sector_and_person_only() {
        let a = pairwise_subject(b"secret", "rp.example.jp", "42");
        assert_eq!(a, pairwise_subject(b"secret", "rp.example.jp", "42"));
        assert_ne!(a, pairwise_subject(b"secret", "other.example.jp", "42"));
        assert_ne!(a, pairwise_subject(b"secret", "rp.example.jp", "43"));
        assert_ne!(a, pairwise_subject(b"other", "rp.example.jp", "42"));
        // The separator keeps a sector ending in digits apart from the next
        // person: ("rp1", "2") is not ("rp", "12").
        assert_ne!(pairwise_subject(b"k", "rp1", "2"), pairwise_subject(b"k", "rp", "12"));
        assert_eq!(a.len(), 43);
    }

    #[test]
    fn scopes() {
        let s = Scopes::parse("openid name  gender").expect("valid");
        assert!(s.contains(Scope::Name) && s.contains(Scope::Gender) && !s.contains(Scope::Address));
        assert_eq!(s.to_string(), "openid name gender");
        assert_eq!(s.claims(), vec![Scope::Name, Scope::Gender]);
        assert_eq!(Scopes::parse("name").expect_err("refused").rule, "must contain openid");
        assert_eq!(Scopes::parse("openid email").expect_err("refused").param, "scope");
        let allowed = Scopes::parse("openid name address birthdate gender").expect("valid");
        assert!(s.is_subset(&allowed));
        assert!(!Scopes::parse("openid sign").expect("valid").is_subset(&allowed));
    }

    #[test]
    fn opaque_values_and_redirects() {
        assert!(check_opaque("state", "").is_err());
        assert!(check_opaque("state", "a b~").is_ok());
        assert!(check_opaque("nonce", &"x".repeat(256)).is_err());
        assert!(check_opaque("nonce", "あ").is_err());
        assert!(check_opaque("state", "\t").is_err());
        let registered = vec!["https://rp.example.jp/cb".to_owned()];
        assert!(match_redirect_uri(&registered, "https://rp.example.jp/cb").is_some());
        assert!(match_redirect_uri(&registered, "https://rp.example.jp/cb/").is_none());
        assert!(match_redirect_uri(&registered, "https://rp.example.jp/cb?x=1").is_none());
        assert!(check_redirect_uri("https://rp.example.jp/cb").is_ok());
        assert!(check_redirect_uri("http://127.0.0.1:8080/cb").is_ok());
        assert!(check_redirect_uri("http://localhost.evil.example/cb").is_err());
        assert!(check_redirect_uri("http://rp.example.jp/cb").is_err());
        assert!(check_redirect_uri("https://rp.example.jp/cb#x").is_err());
        assert!(check_client_id("RP00000001").is_ok());
        assert!(check_client_id("RP-1").is_err());
    }

    proptest! {
        #[test]
        fn every_well_formed_verifier_matches_its_challenge(v in "[A-Za-z0-9._~-]{43,128}") {
            let challenge = s256_challenge(&v);
            prop_assert!(check_code_challenge(&challenge).is_ok());
            prop_assert!(pkce_s256_matches(&v, &challenge));
        }

        #[test]
        fn a_different_verifier_never_matches(v in "[A-Za-z0-9._~-]{43,128}", w in "[A-Za-z0-9._~-]{43,128}") {
            prop_assume!(v != w);
            prop_assert!(!pkce_s256_matches(&w, &s256_challenge(&v)));
        }

        #[test]
        fn pairwise_subjects_are_url_safe_and_sector_bound(
            person in 1i64..1_000_000_000, a in "[a-z.]{1,30}", b in "[a-z.]{1,30}"
        ) {
            let sa = pairwise_subject(b"k", &a, &person.to_string());
            prop_assert!(sa.bytes().all(is_unreserved));
            prop_assert_eq!(a == b, sa == pairwise_subject(b"k", &b, &person.to_string()));
        }

        #[test]
        fn scope_parsing_round_trips(picks in proptest::collection::vec(0usize..6, 0..8)) {
            let mut codes: Vec<&str> = picks.iter().map(|&i| Scope::ALL[i].code()).collect();
            codes.push("openid");
            let parsed = Scopes::parse(&codes.join(" ")).expect("valid");
            prop_assert_eq!(Scopes::parse(&parsed.to_string()).expect("valid"), parsed);
        }

        #[test]
        fn opaque_accepts_exactly_vschar(s in "[ -~]{1,255}") {
            prop_assert!(check_opaque("state", &s).is_ok());
        }
    }
}
