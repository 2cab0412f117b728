//! Random APDUs never panic the card and always get at least a status word.

use proptest::prelude::*;

use crate::client::{hex, select_ap, select_ef, verify};
use crate::fixture;

/// Commands that move the card into deeper states, mixed with noise.
fn apdu() -> impl Strategy<Value = Vec<u8>> {
    let meaningful = prop::sample::select(vec![
        select_ap(&onshi_card::JPKI_AID),
        select_ap(&onshi_card::SUPPORT_AID),
        select_ef(0x000A),
        select_ef(0x0001),
        select_ef(0x0002),
        select_ef(0x0011),
        select_ef(0x0017),
        select_ef(0x0018),
        select_ef(0x001A),
        select_ef(0x001B),
        verify(b"1234"),
        verify(b"5678"),
        verify(b"ABC123"),
        hex("00 20 00 80"),
    ]);
    let header = (
        prop::sample::select(vec![0x00u8, 0x80, 0x0C, 0xFF]),
        prop::sample::select(vec![0xA4u8, 0xB0, 0x20, 0x2A, 0x24, 0xCA]),
        any::<u8>(),
        any::<u8>(),
        prop::collection::vec(any::<u8>(), 0..300),
    )
        .prop_map(|(cla, ins, p1, p2, tail)| {
            let mut apdu = vec![cla, ins, p1, p2];
            apdu.extend(tail);
            apdu
        });
    prop_oneof![
        3 => meaningful,
        3 => header,
        1 => prop::collection::vec(any::<u8>(), 0..20),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn random_apdus_never_panic(apdus in prop::collection::vec(apdu(), 1..24)) {
        let mut card = fixture::card();
        for apdu in apdus {
            let response = card.transmit(&apdu);
            prop_assert!(response.len() >= 2);
            let sw = [response[response.len() - 2], response[response.len() - 1]];
            prop_assert!(matches!(sw[0], 0x61..=0x6F | 0x90), "{sw:02X?}");
        }
    }
}
