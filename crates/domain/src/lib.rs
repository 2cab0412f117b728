//! onshi's domain core: the identifiers of Japanese health insurance and the
//! resident registry, each a type that can only hold a valid value; 和暦 dates;
//! Japanese text normalisation for matching; and the records the platform keeps.
//!
//! Architecture invariant: this crate does no I/O, spawns no tasks and knows
//! nothing of databases or HTTP. Everything here is a pure function of its
//! inputs, so it can be tested exhaustively. The one serialisation format it
//! knows is the medical-information import format (JSON Lines, `medical`),
//! which is part of the domain's contract with insurers.

pub mod audit;
pub mod date;
pub mod eligibility;
pub mod facility;
pub mod id;
pub mod insurance;
pub mod linkage;
pub mod medical;
mod numeral;
pub mod oidc;
pub mod person;
pub mod registry;
pub mod text;
pub mod usage;
pub mod wareki;

pub use chrono::NaiveDate as Date;

pub(crate) use id::normalise_digits as id_normalise_digits;
