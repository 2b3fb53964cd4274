//! bgcheck: a background-check ordering widget for applicant-tracking systems, and the
//! partner proxy it talks to.
//!
//! - [`domain`] is pure and builds for both targets: status badges, event folding, account
//!   hierarchy, order validation.
//! - The widget (wasm32 only) is a Leptos component an ATS page embeds with one script tag.
//! - The proxy (native only) holds the provider credentials and embeds a Checkr sandbox.

pub mod domain;

#[cfg(target_arch = "wasm32")]
pub mod widget;

#[cfg(not(target_arch = "wasm32"))]
pub mod proxy;

#[cfg(not(target_arch = "wasm32"))]
pub mod sandbox;
