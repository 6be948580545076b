//! Unlocking a SIM-locked device (UNL-1…12): who may ask, what the request
//! must name, whether the device is eligible in the market, the deadline of
//! the answer, and the code's journey from the manufacturer to the last
//! allowed wrong entry.

use std::collections::BTreeMap;

use jiff::civil::Date;

use crate::catalog::{Device, UnlockMethod};
use crate::contract::Contract;
use crate::market::Market;
use crate::money::Money;
use crate::names::snake_case_str;
use crate::party::PartyKind;
use crate::rule::{Decision, rules};
use crate::time::add_days;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UnlockStatus {
    Received,
    Rejected,
    AwaitingManufacturer,
    CodeSent,
    Unlocked,
    /// Too many wrong codes: no more unlocking by code (UNL-9).
    Disabled,
}

snake_case_str!(UnlockStatus {
    Received = "received",
    Rejected = "rejected",
    AwaitingManufacturer = "awaiting_manufacturer",
    CodeSent = "code_sent",
    Unlocked = "unlocked",
    Disabled = "disabled",
});

/// Who starts the process (UNL-11).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Requester {
    Owner,
    Contact,
    Proxy,
}

snake_case_str!(Requester {
    Owner = "owner",
    Contact = "contact",
    Proxy = "proxy",
});

/// Everything a request is judged on, as of the day it is filed (UNL-4).
#[derive(Clone, Debug)]
pub struct UnlockCase<'a> {
    pub today: Date,
    pub device: &'a Device,
    /// The contract the device was bought with.
    pub contract: &'a Contract,
    pub party_kind: PartyKind,
    /// The contract's package is prepaid and flagged for UNL-7's route.
    pub prepaid_route: bool,
    /// Bills past their due date with money open.
    pub overdue_debt: Money,
    /// Everything the customer owes, due or not (UNL-1 c).
    pub total_debt: Money,
    /// Instalments of the device not billed yet (UNL-2).
    pub instalments_left: Money,
    /// What ending the commitment would cost now (UNL-2's penalties).
    pub commitment_penalty: Money,
    /// An authorised service changed the IMEI (UNL-10).
    pub imei_changed: bool,
    /// The service report of that change, when the operator recorded it.
    pub recorded_repair: Option<&'a str>,
    pub requester: Requester,
    pub channel: &'a str,
    /// The request's data: owner_name, model, number, software_version, …
    pub fields: &'a BTreeMap<String, String>,
}

/// What the request leads to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnlockOutcome {
    pub status: UnlockStatus,
    /// The answer is due by then (UNL-6).
    pub respond_by: Option<Date>,
    /// Paid on the spot (UNL-2: penalties and instalments).
    pub paid_on_the_spot: Option<Money>,
    /// Ready without a code on this day (UNL-12: Apple, 24 hours).
    pub ready_on: Option<Date>,
}

fn has(fields: &BTreeMap<String, String>, name: &str) -> bool {
    fields.get(name).is_some_and(|v| !v.trim().is_empty())
}

/// The data the request lacks, each named with the rule that asks for it.
fn missing_data(market: &Market, case: &UnlockCase<'_>, decision: &mut Decision) {
    let fields = case.fields;
    let need = |decision: &mut Decision, rule, name: &str, why: &str| {
        if !has(fields, name) {
            decision.refuse(rule, format!("the request lacks {name} ({why})"));
        }
    };
    if market.applies(rules::UNL_4) {
        for name in ["owner_name", "model", "number"] {
            need(decision, rules::UNL_4, name, "every request names it");
        }
        for name in &case.device.unlock_needs {
            need(
                decision,
                rules::UNL_4,
                name,
                &format!("asked for {} devices", case.device.model),
            );
        }
    }
    if market.applies(rules::UNL_5) && case.party_kind != PartyKind::Individual {
        for name in ["letterhead", "stamp", "signature"] {
            need(
                decision,
                rules::UNL_5,
                name,
                "a legal entity writes on letterhead, stamped and signed by an authorised person",
            );
        }
    }
    if market.applies(rules::UNL_7) && case.prepaid_route {
        for name in [
            "purchase_date",
            "fiscal_register_number",
            "fiscal_receipt_number",
        ] {
            need(
                decision,
                rules::UNL_7,
                name,
                "the prepaid route gives the purchase data",
            );
        }
    }
    if market.applies(rules::UNL_10)
        && case.imei_changed
        && let Some(report) = case.recorded_repair
    {
        decision.because(
            rules::UNL_10,
            format!("the IMEI change is on record with the service report {report}"),
        );
    } else if market.applies(rules::UNL_10) && case.imei_changed {
        let proofs: &[&str] = if market.id == "hu" {
            &["swap_certificate", "warranty_card"]
        } else {
            &["service_report"]
        };
        if !proofs.iter().any(|p| has(fields, p)) {
            decision.refuse(
                rules::UNL_10,
                format!(
                    "an authorised service changed the IMEI: the request needs {}",
                    proofs.join(" or ")
                ),
            );
        }
    }
    if market.applies(rules::UNL_11) {
        if case.requester == Requester::Proxy {
            need(
                decision,
                rules::UNL_11,
                "power_of_attorney",
                "a proxy shows a valid power of attorney",
            );
        }
        if case.channel != "store" && case.party_kind == PartyKind::Individual {
            decision.refuse(
                rules::UNL_11,
                "the process starts in person in a store, with identity documents and the device",
            );
        }
    } else if market.applies(rules::UNL_4) && case.channel == "phone" {
        decision.refuse(rules::UNL_4, "a request is made in writing");
    }
}

/// Whether the device may be unlocked in the market, and at what price.
fn eligibility(market: &Market, case: &UnlockCase<'_>, decision: &mut Decision) -> Option<Money> {
    let contract = case.contract;
    let today = case.today;
    let commitment_end = contract.commitment().map(|c| c.end);
    let live = contract.in_commitment(today) && contract.status.is_live();
    let ended_early = !contract.status.is_live()
        && commitment_end.is_some_and(|end| contract.ended_on.is_some_and(|e| e < end));
    if market.applies(rules::UNL_1) {
        let full_price = commitment_end.is_none() && contract.signed.benefits.is_empty();
        if case.prepaid_route && market.applies(rules::UNL_7) {
            decision.because(rules::UNL_7, "bought with the prepaid package flagged for it and registered: the code on request");
        } else if ended_early {
            if case.total_debt.is_positive() {
                decision.refuse(
                    rules::UNL_1,
                    format!("the contract ended before its commitment: the whole debt, penalty included, must be paid first ({} open)", case.total_debt),
                );
            } else {
                decision.because(
                    rules::UNL_1,
                    "the contract ended early and everything, the penalty included, is paid",
                );
            }
        } else if live {
            decision.refuse(
                rules::UNL_1,
                format!("the commitment runs until {}: unlocking comes after it, or with early termination and everything paid", commitment_end.map(|d| d.to_string()).unwrap_or_default()),
            );
        } else if case.overdue_debt.is_positive() {
            decision.refuse(
                rules::UNL_1,
                format!(
                    "due debts are not paid: {} open past the due date",
                    case.overdue_debt
                ),
            );
        } else if full_price {
            decision.because(
                rules::UNL_1,
                "bought at full price without a commitment, due debts paid",
            );
        } else {
            decision.because(
                rules::UNL_1,
                "the commitment has expired and due debts are paid",
            );
        }
        return None;
    }
    if market.applies(rules::UNL_2) {
        if !live {
            decision.because(rules::UNL_2, "no live commitment: unlocking is free");
            return None;
        }
        let due = case.commitment_penalty + case.instalments_left;
        if !due.is_positive() {
            decision.because(
                rules::UNL_2,
                "a live commitment, but no penalty or instalment is owed on it: unlocking is free",
            );
            return None;
        }
        if has(case.fields, "pays_on_the_spot") {
            decision.because(
                rules::UNL_2,
                format!("a live commitment: the penalties ({}) and the instalments left ({}) are paid on the spot: {due}", case.commitment_penalty, case.instalments_left),
            );
            return Some(due);
        }
        decision.refuse(
            rules::UNL_2,
            format!("a live commitment: unlocking needs the penalties and the instalments left paid on the spot ({due})"),
        );
        return None;
    }
    if market.applies(rules::UNL_3) {
        if live {
            decision.refuse(
                rules::UNL_3,
                format!(
                    "unlocking is free once the commitment expires ({}) or the contract ends early",
                    commitment_end.map(|d| d.to_string()).unwrap_or_default()
                ),
            );
        } else {
            decision.because(
                rules::UNL_3,
                "the commitment has expired or the contract has ended: free on request",
            );
        }
        return None;
    }
    decision.refuse_plainly(format!(
        "the terms of market {} set no unlocking process",
        market.id
    ));
    None
}

/// Judges a request on the day it is filed.
pub fn request(market: &Market, case: &UnlockCase<'_>) -> (UnlockOutcome, Decision) {
    let mut decision = Decision::approved();
    if !case.device.sim_locked
        && case
            .contract
            .signed
            .device
            .as_ref()
            .is_none_or(|d| !d.sim_locked)
    {
        decision.refuse_plainly(format!(
            "{} is not SIM-locked: nothing to unlock",
            case.device.model
        ));
    }
    missing_data(market, case, &mut decision);
    let paid = eligibility(market, case, &mut decision);
    let mut outcome = UnlockOutcome {
        status: UnlockStatus::Rejected,
        respond_by: None,
        paid_on_the_spot: None,
        ready_on: None,
    };
    if market.applies(rules::UNL_6) {
        let days = market.rules.unl_6.respond_working_days;
        let by = market.calendar.add_working_days(case.today, days);
        outcome.respond_by = Some(by);
        if decision.is_approved() {
            decision.because(
                rules::UNL_6,
                format!("the answer goes out by post within {days} working days, by {by}"),
            );
        } else {
            decision.because(
                rules::UNL_6,
                format!("this refusal goes out by post by {by}"),
            );
        }
    }
    if decision.is_rejected() {
        return (outcome, decision);
    }
    outcome.paid_on_the_spot = paid;
    let unl_12 = &market.rules.unl_12;
    outcome.status = match case.device.unlock_method {
        UnlockMethod::Activation if market.applies(rules::UNL_12) => {
            let hours = unl_12.activation_hours;
            let ready = add_days(case.today, i64::from(hours.div_ceil(24)));
            outcome.ready_on = Some(ready);
            decision.because(rules::UNL_12, format!("{} needs no code: usable in other networks within {hours} hours, after re-activation", case.device.brand));
            UnlockStatus::Unlocked
        }
        UnlockMethod::ManufacturerService if market.applies(rules::UNL_12) => {
            decision.because(
                rules::UNL_12,
                format!("unlocked only by software: the device goes to the manufacturer's service (about {} days)", unl_12.manufacturer_service_days),
            );
            UnlockStatus::AwaitingManufacturer
        }
        _ => {
            decision.because(rules::UNL_8, "the code is asked from the manufacturer, whose delivery time the operator does not control");
            UnlockStatus::AwaitingManufacturer
        }
    };
    (outcome, decision)
}

/// The manufacturer delivered the code (UNL-8): the customer is told.
pub fn code_received(status: UnlockStatus) -> (UnlockStatus, Decision) {
    let mut decision = Decision::approved();
    if status != UnlockStatus::AwaitingManufacturer {
        decision.refuse(
            rules::UNL_8,
            format!("no code is awaited: the request is {status}"),
        );
        return (status, decision);
    }
    decision.because(
        rules::UNL_8,
        "the manufacturer delivered the code: it is sent to the customer",
    );
    (UnlockStatus::CodeSent, decision)
}

/// A code entry on the device (UNL-9). `wrong_before` counts the earlier
/// wrong entries; returns the new status and the wrong entries now.
pub fn code_entry(
    market: &Market,
    status: UnlockStatus,
    wrong_before: u32,
    correct: bool,
) -> (UnlockStatus, u32, Decision) {
    let mut decision = Decision::approved();
    if status != UnlockStatus::CodeSent {
        decision.refuse(
            rules::UNL_9,
            format!("no code to enter: the request is {status}"),
        );
        return (status, wrong_before, decision);
    }
    let max = market.rules.unl_9.max_wrong_entries;
    if correct {
        decision.because(rules::UNL_9, "the code is right: the device is unlocked");
        return (UnlockStatus::Unlocked, wrong_before, decision);
    }
    let wrong = wrong_before + 1;
    if wrong > max {
        decision.because(
            rules::UNL_9,
            format!("wrong code {wrong} times, more than {max}: unlocking by code is disabled; further unlocking is at the customer's cost"),
        );
        (UnlockStatus::Disabled, wrong, decision)
    } else {
        decision.because(
            rules::UNL_9,
            format!("wrong code: {wrong} wrong of the {max} allowed; one more wrong entry beyond {max} disables unlocking by code"),
        );
        (UnlockStatus::CodeSent, wrong, decision)
    }
}

/// Wrong entries still allowed before the next one disables the device
/// (the report's `attempts_left`).
pub fn attempts_left(market: &Market, wrong: u32) -> u32 {
    market.rules.unl_9.max_wrong_entries.saturating_sub(wrong)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fourth_wrong_entry_disables() {
        let rs = crate::market::preset("rs");
        let mut status = UnlockStatus::CodeSent;
        let mut wrong = 0;
        for _ in 0..3 {
            let (s, w, d) = code_entry(&rs, status, wrong, false);
            assert_eq!(s, UnlockStatus::CodeSent, "{:?}", d.reason_texts());
            (status, wrong) = (s, w);
        }
        assert_eq!(attempts_left(&rs, wrong), 0);
        assert_eq!(attempts_left(&rs, 0), 3);
        let (status, wrong, decision) = code_entry(&rs, status, wrong, false);
        assert_eq!((status, wrong), (UnlockStatus::Disabled, 4));
        assert!(decision.reason_texts()[0].contains("customer's cost"));
        let (after, _, refused) = code_entry(&rs, status, wrong, true);
        assert_eq!(after, UnlockStatus::Disabled);
        assert!(refused.is_rejected());
    }

    #[test]
    fn a_code_only_when_awaited() {
        assert_eq!(
            code_received(UnlockStatus::AwaitingManufacturer).0,
            UnlockStatus::CodeSent
        );
        assert!(code_received(UnlockStatus::Unlocked).1.is_rejected());
    }
}
