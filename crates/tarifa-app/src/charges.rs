//! Charges queued for the next bill: fees, penalties and credits that rules
//! decide between bill runs.

use jiff::civil::Date;
use tarifa_core::catalog::OneTimeCategory;
use tarifa_core::market::Market;
use tarifa_core::money::Money;
use tarifa_core::phrase::Phrase;
use tarifa_core::rule::RuleId;
use tarifa_store::ChargeRow;

/// A charge a rule decided.
pub(crate) struct Charge<'a> {
    pub customer_id: i64,
    pub contract_id: Option<i64>,
    pub on: Date,
    /// The bill line kind: fee, penalty, credit, …
    pub line: &'a str,
    pub category: OneTimeCategory,
    /// The fee kind of SCENARIOS.md (reconnection, early_termination, …).
    pub fee_kind: Option<&'a str>,
    pub amount: Money,
    pub rule: RuleId,
    pub description: String,
    /// The description as a message, for bills in other languages.
    pub phrase: Phrase,
}

/// The row the store keeps for a charge, at the standard VAT rate.
pub(crate) fn charge_row(market: &Market, charge: Charge<'_>) -> ChargeRow {
    ChargeRow {
        id: 0,
        market: market.id.clone(),
        customer_id: charge.customer_id,
        contract_id: charge.contract_id,
        kind: charge.line.to_owned(),
        category: Some(charge.category.to_string()),
        description: charge.description,
        amount_minor: charge.amount.minor(),
        vat: "\"standard\"".into(),
        rule: Some(charge.rule.to_string()),
        on_date: charge.on.to_string(),
        bill_id: None,
        fee_kind: charge.fee_kind.map(str::to_owned),
        device_sale_id: None,
        phrase: serde_json::to_string(&charge.phrase).ok(),
    }
}
