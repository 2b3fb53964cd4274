//! The domain module of bgcheck, compiled on its own for fuzzing: it is pure (serde and
//! thiserror only), so the targets need none of the proxy's dependencies, and `crate::domain`
//! inside it resolves here as it does in bgcheck.
#![allow(missing_docs)]

#[path = "../../src/domain/mod.rs"]
pub mod domain;
