//! The documents tax authorities take for a bill, built from the bill's
//! figures: pure functions, no I/O (sending them is the app's business).
//!
//! - [`nav`]: Hungary's Online Számla 3.0 `InvoiceData`, reported for every
//!   bill and credit note.

pub mod nav;
