//! The scenario report of SCENARIOS.md, built from the store.

use std::collections::BTreeMap;

use serde_json::{Value, json};
use tarifa_core::market::Market;

use super::scenario::Scenario;
use crate::{App, Ctx, Result};

pub(super) async fn build(app: &App, scenario: &Scenario, market: &Market) -> Result<Value> {
    let mut tx = app.begin(&Ctx::new("simulate")).await?;
    let customers = tx.customers(&market.id).await?;
    let handles: BTreeMap<i64, String> = customers
        .iter()
        .map(|c| (c.id, c.handle.clone().unwrap_or_else(|| c.id.to_string())))
        .collect();
    let customer_list: Vec<Value> = customers
        .iter()
        .map(|c| {
            json!({
                "id": handles.get(&c.id),
                "name": c.name,
                "kind": c.kind,
                "directory": c.directory,
                "marketing_consent": c.marketing_consent,
            })
        })
        .collect();
    let contracts: Vec<Value> = tx
        .contracts(&market.id)
        .await?
        .iter()
        .map(|c| {
            json!({
                "id": c.handle.clone().unwrap_or_else(|| c.id.to_string()),
                "customer": handles.get(&c.customer_id),
                "status": c.status,
                "package": c.package_id,
                "number": c.number,
                "signed_on": c.signed_on,
                "commitment_end": c.commitment_end,
            })
        })
        .collect();
    let decisions: Vec<Value> = tx
        .decisions(&market.id)
        .await?
        .iter()
        .map(|d| {
            let step = d
                .context
                .as_deref()
                .and_then(|c| c.strip_prefix("step "))
                .and_then(|n| n.parse::<u64>().ok());
            let reasons: Vec<String> = serde_json::from_str(&d.reasons).unwrap_or_default();
            let rules: Vec<&str> = d.rules.split(',').filter(|r| !r.is_empty()).collect();
            json!({
                "step": step,
                "on": d.on_date,
                "action": d.action,
                "outcome": d.outcome,
                "rules": rules,
                "reasons": reasons,
            })
        })
        .collect();
    tx.rollback().await?;
    Ok(json!({
        "scenario": scenario.name,
        "market": market.id,
        "currency": market.currency.code(),
        "customers": customer_list,
        "contracts": contracts,
        "decisions": decisions,
    }))
}
