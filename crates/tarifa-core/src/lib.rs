//! The tarifa domain. Everything here is a pure function of its inputs:
//! no I/O, no async, no system clock, no floats for money.

pub mod abuse;
pub mod bill;
pub mod calendar;
pub mod catalog;
pub mod complaint;
pub mod contract;
pub mod correction;
pub mod device;
pub mod ledger;
pub mod market;
pub mod money;
mod names;
pub mod party;
pub mod payment_slip;
pub mod phrase;
pub mod promotion;
pub mod rating;
pub mod relocation;
pub mod rule;
pub mod tax_number;
pub mod termination;
pub mod text;
pub mod time;
pub mod transfer;
pub mod unlock;
pub mod usage;

pub use jiff::civil::Date;
pub use rust_decimal::Decimal;
