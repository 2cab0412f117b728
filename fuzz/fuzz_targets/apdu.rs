//! Throws sequences of APDUs at the card emulator (input: 1-byte length,
//! then that many bytes, repeated): every answer carries a status word and
//! nothing panics, whatever the card's state.

#![no_main]

use std::sync::{Mutex, OnceLock};

use libfuzzer_sys::fuzz_target;
use onshi_card::{Card, InMemory};

#[path = "common.rs"]
mod common;

fn card() -> &'static Mutex<Card> {
    static CARD: OnceLock<Mutex<Card>> = OnceLock::new();
    CARD.get_or_init(|| Mutex::new(Card::new(common::authority_and_card().2, InMemory).expect("card")))
}

fuzz_target!(|data: &[u8]| {
    let _ = onshi_card::apdu::parse(data);
    let mut card = card().lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    card.reset();
    let mut rest = data;
    while let Some((&len, tail)) = rest.split_first() {
        let take = usize::from(len).min(tail.len());
        let (apdu, next) = tail.split_at(take);
        let response = card.transmit(apdu);
        assert!(response.len() >= 2, "no status word for {apdu:02X?}");
        rest = next;
    }
});
