//! What the app reads from the store for one bill.

use std::collections::BTreeMap;

use jiff::civil::Date;
use serde::Deserialize;
use tarifa_core::money::Money;

/// A stored bill with its lines and the detail kept with it.
#[derive(Clone, Debug)]
pub struct BillInput {
    pub number: String,
    /// `monthly`, `separate` or `credit_note`.
    pub kind: String,
    /// For a credit note: the bill it corrects, and why.
    pub correction: Option<Correction>,
    pub customer_id: i64,
    pub period_from: Date,
    pub period_to: Date,
    pub issued_on: Date,
    pub due_on: Date,
    /// The amount for the period, VAT included.
    pub total: Money,
    pub vat: Money,
    /// + unpaid or late, − overpaid (BIL-2 element 6).
    pub previous_balance: Money,
    pub total_due: Money,
    pub lines: Vec<InputLine>,
    pub detail: BillDetail,
    /// The numbers of the bill's contracts, by contract id.
    pub numbers: BTreeMap<i64, String>,
}

/// What a credit note corrects.
#[derive(Clone, Debug)]
pub struct Correction {
    /// The corrected bill's number.
    pub corrects: String,
    pub reason: String,
}

#[derive(Clone, Debug)]
pub struct InputLine {
    /// A `LineKind` of the core, as stored (`subscription`, `one_time`, …).
    pub kind: String,
    pub contract_id: Option<i64>,
    pub description: String,
    /// The description as a message, written in the bill's language.
    pub phrase: Option<tarifa_core::phrase::Phrase>,
    pub amount: Money,
    pub rule: Option<String>,
}

/// The JSON detail the bill run stores with each bill.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct BillDetail {
    #[serde(default)]
    pub owner: Option<Owner>,
    pub operator: OperatorData,
    #[serde(default)]
    pub packages: Vec<String>,
    #[serde(default)]
    pub delivery: String,
    #[serde(default)]
    pub usage: Vec<UsageItem>,
    #[serde(default)]
    pub allowances: Vec<AllowanceItem>,
    #[serde(default)]
    pub vat: Vec<VatItem>,
}

impl BillDetail {
    pub fn parse(json: &str) -> Result<Self, serde_json::Error> {
        serde_json::from_str(json)
    }
}

#[derive(Clone, Debug, Default, Deserialize)]
pub struct Owner {
    pub name: String,
    #[serde(default)]
    pub address: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
}

#[derive(Clone, Debug, Default, Deserialize)]
pub struct OperatorData {
    pub name: String,
    pub address: String,
    pub tax_id: String,
    pub registry_number: String,
    pub bank_account: String,
    pub website: String,
    pub customer_centre: String,
}

#[derive(Clone, Debug, Deserialize)]
pub struct UsageItem {
    pub contract_id: i64,
    /// `voice`, `sms` or `data`.
    pub kind: String,
    pub destination: String,
    pub count: u64,
    pub quantity: u64,
    pub unit: String,
    /// Started minutes, messages or MB.
    pub billed_units: u64,
    /// The charge beyond the allowance, a decimal in the market's currency.
    pub amount: String,
}

#[derive(Clone, Debug, Deserialize)]
pub struct AllowanceItem {
    pub contract_id: i64,
    pub allowance: AllowanceUse,
}

#[derive(Clone, Debug, Deserialize)]
pub struct AllowanceUse {
    pub kind: String,
    /// `{"limited": n}` or `"unlimited"`.
    pub granted: serde_json::Value,
    pub used: u64,
}

#[derive(Clone, Debug, Deserialize)]
pub struct VatItem {
    #[serde(default)]
    pub class: Option<String>,
    pub rate: String,
    pub gross: String,
    pub vat: String,
}
