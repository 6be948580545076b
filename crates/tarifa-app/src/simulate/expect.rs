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
    tx.rollback().await?;
    Ok(failures)
}
