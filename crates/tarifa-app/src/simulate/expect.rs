//! `expect` steps: assertions about the state on the step's date.

use std::collections::BTreeMap;

use tarifa_core::market::Market;

use super::scenario::ExpectStep;
use crate::{App, AppError, Ctx};

/// Checks every assertion of the step; returns what did not hold.
pub(super) async fn check(
    app: &App,
    market: &Market,
    contracts: &BTreeMap<String, i64>,
    customers: &BTreeMap<String, i64>,
    complaints: &BTreeMap<String, i64>,
    expect: &ExpectStep,
) -> Result<Vec<String>, AppError> {
    let mut failures = Vec::new();
    let mut tx = app.begin(&Ctx::new("simulate")).await?;
    let contract_id = |handle: &str| {
        contracts.get(handle).copied().ok_or_else(|| {
            AppError::invalid("expect", format!("no contract {handle:?} was signed"))
        })
    };

    for (handle, expected) in &expect.contract_status {
        let row = tx.contract(contract_id(handle)?).await?;
        let actual = row.map(|r| r.status).unwrap_or_default();
        if &actual != expected {
            failures.push(format!(
                "contract {handle} is {actual}, expected {expected}"
            ));
        }
    }
    for (handle, expected) in &expect.commitment_end {
        let row = tx.contract(contract_id(handle)?).await?;
        let actual = row
            .and_then(|r| r.commitment_end)
            .unwrap_or_else(|| "none".into());
        if &actual != expected {
            failures.push(format!(
                "contract {handle}: commitment ends {actual}, expected {expected}"
            ));
        }
    }
    for (handle, expected) in &expect.package {
        let row = tx.contract(contract_id(handle)?).await?;
        let actual = row.map(|r| r.package_id).unwrap_or_default();
        if &actual != expected {
            failures.push(format!(
                "contract {handle} is on package {actual}, expected {expected}"
            ));
        }
    }
    for (handle, expected) in &expect.number {
        let row = tx.contract(contract_id(handle)?).await?;
        let actual = row.map(|r| r.number).unwrap_or_default();
        if &actual != expected {
            failures.push(format!(
                "contract {handle} has number {actual}, expected {expected}"
            ));
        }
    }
    for (handle, fields) in &expect.customer {
        let id = customers.get(handle).copied().ok_or_else(|| {
            AppError::invalid("expect", format!("no customer {handle:?} was registered"))
        })?;
        let row = tx
            .customer(id)
            .await?
            .ok_or_else(|| AppError::not_found("customer", handle.clone()))?;
        let value = serde_json::to_value(&row).unwrap_or_default();
        for (name, expected) in fields {
            let actual = match value.get(name) {
                Some(serde_json::Value::String(s)) => s.clone(),
                Some(serde_json::Value::Null) => "none".into(),
                Some(other) => other.to_string(),
                None => {
                    return Err(AppError::invalid(
                        "expect.customer",
                        format!("customers have no field {name:?}"),
                    ));
                }
            };
            if &actual != expected {
                failures.push(format!(
                    "customer {handle}: {name} is {actual:?}, expected {expected:?}"
                ));
            }
        }
    }
    let decisions = tx.decisions(&market.id).await?;
    if let Some(expected) = &expect.last_decision {
        match decisions.last() {
            None => failures.push("no decision was taken".into()),
            Some(last) => {
                let rules: Vec<&str> = last.rules.split(',').filter(|r| !r.is_empty()).collect();
                let reasons: Vec<String> = serde_json::from_str(&last.reasons).unwrap_or_default();
                let mut problems = Vec::new();
                if let Some(outcome) = &expected.outcome
                    && &last.outcome != outcome
                {
                    problems.push(format!("outcome {}, expected {outcome}", last.outcome));
                }
                if let Some(action) = &expected.action
                    && &last.action != action
                {
                    problems.push(format!("action {}, expected {action}", last.action));
                }
                for rule in &expected.rules {
                    if !rules.contains(&rule.as_str()) {
                        problems.push(format!("rule {rule} not cited"));
                    }
                }
                if let Some(text) = &expected.reason
                    && !reasons.iter().any(|r| r.contains(text.as_str()))
                {
                    problems.push(format!("no reason mentions {text:?}"));
                }
                if !problems.is_empty() {
                    failures.push(format!(
                        "last decision ({} on {}: {} [{}]; {}): {}",
                        last.action,
                        last.on_date,
                        last.outcome,
                        last.rules,
                        reasons.join(" | "),
                        problems.join("; ")
                    ));
                }
            }
        }
    }
    if let Some(count) = &expect.decisions {
        let actual = decisions
            .iter()
            .filter(|d| count.action.as_ref().is_none_or(|a| &d.action == a))
            .filter(|d| count.outcome.as_ref().is_none_or(|o| &d.outcome == o))
            .filter(|d| {
                count
                    .rule
                    .as_ref()
                    .is_none_or(|r| d.rules.split(',').any(|x| x == r))
            })
            .count();
        if actual != count.count {
            failures.push(format!(
                "{actual} decisions match (action {:?}, outcome {:?}, rule {:?}), expected {}",
                count.action, count.outcome, count.rule, count.count
            ));
        }
    }
    let money = |field: &str, text: &str| {
        market
            .money(text)
            .map_err(|e| AppError::invalid(format!("expect.{field}"), e.to_string()))
    };
    if let Some(expected) = &expect.bill {
        let bills = tx.bills(&market.id).await?;
        for want in expected.all() {
            let customer_id = customers.get(&want.customer).copied().ok_or_else(|| {
                AppError::invalid(
                    "expect.bill",
                    format!("no customer {:?} was registered", want.customer),
                )
            })?;
            let Some(bill) = bills.iter().find(|b| {
                b.customer_id == customer_id && b.period == want.period && b.kind == "monthly"
            }) else {
                let periods: Vec<&str> = bills
                    .iter()
                    .filter(|b| b.customer_id == customer_id)
                    .map(|b| b.period.as_str())
                    .collect();
                failures.push(format!(
                    "no bill of {} for {} (bills for: {})",
                    want.customer,
                    want.period,
                    if periods.is_empty() {
                        "none".to_owned()
                    } else {
                        periods.join(", ")
                    }
                ));
                continue;
            };
            let show = |minor: i64| {
                tarifa_core::money::Money::from_minor(minor, market.currency).to_string()
            };
            let amounts = [
                ("total", &want.total, bill.total_minor),
                ("vat", &want.vat, bill.vat_minor),
                (
                    "previous_balance",
                    &want.previous_balance,
                    bill.previous_balance_minor,
                ),
                ("total_due", &want.total_due, bill.total_due_minor),
            ];
            for (name, wanted, actual) in amounts {
                if let Some(text) = wanted
                    && money(&format!("bill.{name}"), text)?.minor() != actual
                {
                    failures.push(format!(
                        "bill {} ({} {}): {name} is {}, expected {text}",
                        bill.number,
                        want.customer,
                        want.period,
                        show(actual)
                    ));
                }
            }
            let dates = [
                ("from", &want.from, &bill.period_from),
                ("to", &want.to, &bill.period_to),
                ("issued", &want.issued, &bill.issued_on),
                ("due", &want.due, &bill.due_on),
            ];
            for (name, wanted, actual) in dates {
                if let Some(text) = wanted
                    && text != actual
                {
                    failures.push(format!(
                        "bill {} ({} {}): {name} is {actual}, expected {text}",
                        bill.number, want.customer, want.period
                    ));
                }
            }
            let detail: serde_json::Value = serde_json::from_str(&bill.detail).unwrap_or_default();
            let texts = [
                ("delivery", &want.delivery, detail["delivery"].as_str()),
                ("owner", &want.owner, detail["owner"]["name"].as_str()),
                (
                    "address",
                    &want.address,
                    detail["owner"]["address"].as_str(),
                ),
            ];
            for (name, wanted, actual) in texts {
                if let Some(text) = wanted
                    && Some(text.as_str()) != actual
                {
                    failures.push(format!(
                        "bill {}: {name} is {actual:?}, expected {text:?}",
                        bill.number
                    ));
                }
            }
            if let Some(wanted) = want.letter {
                let has = detail["letter"].as_array().is_some_and(|l| !l.is_empty());
                if has != wanted {
                    failures.push(format!(
                        "bill {}: {} the NOT-2 letter",
                        bill.number,
                        if has { "carries" } else { "does not carry" }
                    ));
                }
            }
            if let Some(count) = want.usage_classes {
                let actual = detail["usage"].as_array().map_or(0, Vec::len);
                if actual != count {
                    failures.push(format!(
                        "bill {}: {actual} usage classes listed, expected {count}",
                        bill.number
                    ));
                }
            }
            if !want.lines.is_empty() || !want.categories.is_empty() {
                let lines = tx.bill_lines(bill.id).await?;
                let by_kind = want.lines.iter().map(|(k, t)| ("", k, t));
                let by_category = want.categories.iter().map(|(k, t)| ("category ", k, t));
                for (what, name, text) in by_kind.chain(by_category) {
                    let actual: i64 = lines
                        .iter()
                        .filter(|l| {
                            if what.is_empty() {
                                &l.kind == name
                            } else {
                                l.category.as_ref() == Some(name)
                            }
                        })
                        .map(|l| l.amount_minor)
                        .sum();
                    if money(&format!("bill.lines.{name}"), text)?.minor() != actual {
                        failures.push(format!(
                            "bill {}: {what}{name} lines add up to {}, expected {text}",
                            bill.number,
                            show(actual)
                        ));
                    }
                }
            }
        }
    }
    for (handle, expected) in &expect.balance {
        let id = customers.get(handle).copied().ok_or_else(|| {
            AppError::invalid(
                "expect.balance",
                format!("no customer {handle:?} was registered"),
            )
        })?;
        let owed = app.receivable(&mut tx, id).await?;
        let balance = tarifa_core::money::Money::from_minor(-owed, market.currency);
        if money("balance", expected)?.minor() != balance.minor() {
            failures.push(format!(
                "balance of {handle} is {balance}, expected {expected}"
            ));
        }
    }
    if !expect.promotion.is_empty() {
        let promotions = crate::promotions::of_market(&mut tx, market).await?;
        let today = app.today(market);
        for (handle, expected) in &expect.promotion {
            let actual = promotions
                .get(&contract_id(handle)?)
                .map_or("none".to_owned(), |p| p.status_on(today).to_string());
            if &actual != expected {
                failures.push(format!(
                    "contract {handle}: promotion is {actual}, expected {expected}"
                ));
            }
        }
    }
    if let Some(expected) = &expect.allowance {
        let bills = tx.bills(&market.id).await?;
        for want in expected.all() {
            let id = contract_id(&want.contract)?;
            let found = bills
                .iter()
                .filter(|b| b.period == want.period && b.kind == "monthly")
                .filter_map(|b| serde_json::from_str::<serde_json::Value>(&b.detail).ok())
                .flat_map(|d| d["allowances"].as_array().cloned().unwrap_or_default())
                .find(|a| {
                    a["contract_id"].as_i64() == Some(id)
                        && a["allowance"]["kind"].as_str() == Some(want.kind.as_str())
                });
            let Some(found) = found else {
                failures.push(format!(
                    "no {} allowance of contract {} on a bill for {}",
                    want.kind, want.contract, want.period
                ));
                continue;
            };
            let granted = match &found["allowance"]["granted"] {
                serde_json::Value::String(s) if s == "unlimited" => -1,
                serde_json::Value::Object(o) => o
                    .get("limited")
                    .and_then(serde_json::Value::as_i64)
                    .unwrap_or(0),
                other => other.as_i64().unwrap_or(0),
            };
            let used = found["allowance"]["used"].as_i64().unwrap_or(0);
            for (name, wanted, actual) in [
                ("granted", want.granted, granted),
                ("used", want.used, used),
            ] {
                if let Some(wanted) = wanted
                    && wanted != actual
                {
                    failures.push(format!(
                        "contract {} {} {}: {} allowance {name} is {actual}, expected {wanted}",
                        want.contract, want.period, want.kind, want.kind
                    ));
                }
            }
        }
    }
    for (handle, expected) in &expect.bills {
        let id = customers.get(handle).copied().ok_or_else(|| {
            AppError::invalid(
                "expect.bills",
                format!("no customer {handle:?} was registered"),
            )
        })?;
        // Bills, not the credit notes that correct them (`credit_note`).
        let count = tx
            .bills_of_customer(id)
            .await?
            .iter()
            .filter(|b| b.kind != crate::corrections::CREDIT_NOTE)
            .count();
        if count != *expected {
            failures.push(format!("{handle} has {count} bills, expected {expected}"));
        }
    }
    if let Some(want) = &expect.credit_note {
        let id = customers.get(&want.customer).copied().ok_or_else(|| {
            AppError::invalid(
                "expect.credit_note",
                format!("no customer {:?} was registered", want.customer),
            )
        })?;
        let bills = tx.bills_of_customer(id).await?;
        let corrections = tx.corrections(None, Some(id)).await?;
        let notes: Vec<(&tarifa_store::BillRow, &tarifa_store::CorrectionRow)> = corrections
            .iter()
            .filter_map(|c| {
                let corrected = bills.iter().find(|b| b.id == c.bill_id)?;
                let note = bills.iter().find(|b| b.id == c.credit_note_id)?;
                (corrected.period == want.period).then_some((note, c))
            })
            .collect();
        if let Some(count) = want.count
            && notes.len() != count
        {
            failures.push(format!(
                "{} has {} credit notes for {}, expected {count}",
                want.customer,
                notes.len(),
                want.period
            ));
        }
        match notes.last() {
            None if want.count != Some(0) => failures.push(format!(
                "no credit note of {} for {}",
                want.customer, want.period
            )),
            None => {}
            Some((note, correction)) => {
                let amounts = [
                    ("total", &want.total, note.total_minor),
                    ("vat", &want.vat, note.vat_minor),
                    (
                        "previous_balance",
                        &want.previous_balance,
                        note.previous_balance_minor,
                    ),
                    ("total_due", &want.total_due, note.total_due_minor),
                ];
                for (name, wanted, actual) in amounts {
                    if let Some(text) = wanted
                        && money(&format!("credit_note.{name}"), text)?.minor() != actual
                    {
                        failures.push(format!(
                            "credit note {} ({} {}): {name} is {}, expected {text}",
                            note.number,
                            want.customer,
                            want.period,
                            tarifa_core::money::Money::from_minor(actual, market.currency)
                        ));
                    }
                }
                if let Some(rule) = &want.rule
                    && correction.rule.as_deref() != Some(rule.as_str())
                {
                    failures.push(format!(
                        "credit note {}: rule is {:?}, expected {rule}",
                        note.number, correction.rule
                    ));
                }
            }
        }
    }
    if let Some(expected) = &expect.notices {
        let id = customers.get(&expected.customer).copied().ok_or_else(|| {
            AppError::invalid(
                "expect.notices",
                format!("no customer {:?} was registered", expected.customer),
            )
        })?;
        let count = tx
            .notices(&market.id)
            .await?
            .iter()
            .filter(|n| n.customer_id == id && n.kind == expected.kind)
            .count();
        if count != expected.count {
            failures.push(format!(
                "{} was sent {count} {} notices, expected {}",
                expected.customer, expected.kind, expected.count
            ));
        }
    }
    if let Some(expected) = &expect.fee {
        let id = contract_id(&expected.contract)?;
        let fees: Vec<i64> = tx
            .fees_charged(&market.id)
            .await?
            .iter()
            .filter(|f| {
                f.contract_id == Some(id) && f.fee_kind.as_deref() == Some(expected.kind.as_str())
            })
            .map(|f| f.amount_minor)
            .collect();
        let wanted = money("fee.amount", &expected.amount)?.minor();
        if !fees.contains(&wanted) {
            let shown: Vec<String> = fees
                .iter()
                .map(|m| tarifa_core::money::Money::from_minor(*m, market.currency).to_string())
                .collect();
            failures.push(format!(
                "contract {}: no {} fee of {} (charged: {})",
                expected.contract,
                expected.kind,
                expected.amount,
                if shown.is_empty() {
                    "none".to_owned()
                } else {
                    shown.join(", ")
                }
            ));
        }
    }
    if let Some(expected) = &expect.complaint {
        let id = complaints.get(&expected.id).copied().ok_or_else(|| {
            AppError::invalid(
                "expect.complaint",
                format!("no complaint {:?} was filed", expected.id),
            )
        })?;
        let row = tx
            .complaint(id)
            .await?
            .ok_or_else(|| AppError::not_found("complaint", expected.id.clone()))?;
        let appeal_by = row.appeal_by.clone().unwrap_or_else(|| "none".into());
        let undisputed =
            tarifa_core::money::Money::from_minor(row.undisputed_minor, market.currency)
                .to_string();
        let checks = [
            ("status", &expected.status, row.status.clone()),
            ("decide_by", &expected.decide_by, row.decide_by.clone()),
            ("appeal_by", &expected.appeal_by, appeal_by),
        ];
        for (name, wanted, actual) in checks {
            if let Some(wanted) = wanted
                && *wanted != actual
            {
                failures.push(format!(
                    "complaint {}: {name} is {actual}, expected {wanted}",
                    expected.id
                ));
            }
        }
        if let Some(wanted) = &expected.undisputed
            && money("complaint.undisputed", wanted)?.minor() != row.undisputed_minor
        {
            failures.push(format!(
                "complaint {}: undisputed is {undisputed}, expected {wanted}",
                expected.id
            ));
        }
    }
    if let Some(expected) = expect.ledger_balanced {
        let (total, unbalanced) = tx.ledger_check(&market.id).await?;
        let balanced = total == 0 && unbalanced == 0;
        if balanced != expected {
            failures.push(format!(
                "the ledger is {}balanced (sum {total}, {unbalanced} unbalanced transfers)",
                if balanced { "" } else { "not " }
            ));
        }
    }
    tx.rollback().await?;
    Ok(failures)
}
