//! KarmaCheck, the second provider: its API client and the admin's connection of an account
//! to it. An account orders through Checkr or through KarmaCheck, never both.

pub mod account;
pub mod client;
pub mod demo;
pub mod orders;
pub mod webhook;

pub use client::{KarmaCheckClient, KarmaCheckError};

/// The KarmaCheck routes under `/api`.
pub fn routes() -> axum::Router<super::AppState> {
    account::routes().merge(orders::routes())
}
