//! A few hand-written DER (X.690) encoders for the structures rcgen has no
//! builder for: the AuthorityInfoAccess extension of RFC 5280 §4.2.2.1.

/// One TLV with a definite length in the shortest form (X.690 §10.1).
pub(crate) fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let len = content.len();
    if len < 0x80 {
        out.push(u8::try_from(len).expect("checked to be below 0x80"));
    } else {
        let bytes = len.to_be_bytes();
        let skip = bytes.iter().take_while(|b| **b == 0).count();
        out.push(0x80 | u8::try_from(bytes.len() - skip).expect("a usize has at most 8 bytes"));
        out.extend_from_slice(&bytes[skip..]);
    }
    out.extend_from_slice(content);
    out
}

/// `id-pe-authorityInfoAccess` (RFC 5280 §4.2.2.1).
pub(crate) const AIA_OID: [u64; 9] = [1, 3, 6, 1, 5, 5, 7, 1, 1];

/// `AuthorityInfoAccessSyntax` with one `id-ad-ocsp` access description whose
/// location is a uniformResourceIdentifier ([6] IMPLICIT IA5String).
pub(crate) fn authority_info_access_ocsp(url: &str) -> Vec<u8> {
    // id-ad-ocsp = 1.3.6.1.5.5.7.48.1
    let id_ad_ocsp = tlv(0x06, &[0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x30, 0x01]);
    let location = tlv(0x86, url.as_bytes());
    let description = tlv(0x30, &[id_ad_ocsp, location].concat());
    tlv(0x30, &description)
}
