//! The documents tax authorities take for a bill, built from the bill's
//! figures: pure functions, no I/O (sending them is the app's business).
//!
//! - [`nav`]: Hungary's Online Számla 3.0 `InvoiceData`, reported for every
//!   bill and credit note;
//! - [`nav_api`]: the interface's requests, signatures and answers;
//! - `nav_stand_in` (feature `stand-in`, for tests): a stand-in authority
//!   that speaks the interface over HTTP.

pub mod nav;
pub mod nav_api;
#[cfg(feature = "stand-in")]
pub mod nav_stand_in;
