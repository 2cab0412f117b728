//! Integration tests of onshi-pki: one binary, one module per concern.

// In tests a panic is the failure report; `unwrap` keeps the cases short.
#![allow(clippy::unwrap_used)]

mod fixture;
mod issue;
mod openssl;
mod props;
mod status;
mod verify;
