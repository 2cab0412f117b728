//! The card's contract, driven through APDUs as a client sees it.
//!
//! `check` replays a table of command/response pairs (hex, ISO/IEC 7816-4
//! command APDUs and response data + SW1 SW2) against one card; the other
//! modules cover what a table cannot: PIN counters across reloads,
//! signatures checked against the certificate, the two socket transports,
//! and random APDUs.

mod client;
mod exchanges;
mod fixture;
#[cfg(feature = "pcsc")]
mod pcsc;
mod persistence;
mod pins;
mod random;
mod reader;
mod sign;
mod signin;
mod transport;
