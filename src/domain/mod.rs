//! The pure heart of bgcheck, compiled into both the widget and the proxy.
//!
//! Nothing here performs I/O, reads the clock or draws random numbers: time arrives as an
//! argument. That is what lets the badge a recruiter sees in the browser and the status the
//! proxy stores come from the same code.

pub mod assess;
pub mod badge;
pub mod checkr;
pub mod connection;
pub mod continuous;
pub mod events;
pub mod geo;
pub mod hierarchy;
pub mod karmacheck;
pub mod karmacheck_order;
pub mod linking;
pub mod manage;
pub mod order;
pub mod progress;
pub mod screening;
pub mod subscription;
pub mod time;
pub mod validation;
pub mod view;
