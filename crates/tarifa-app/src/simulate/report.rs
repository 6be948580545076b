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
    let balances: BTreeMap<String, i64> = tx
        .receivable_balances(&market.id)
        .await?
        .into_iter()
        .map(|b| (b.account, b.amount_minor))
        .collect();
    let money =
        |minor: i64| tarifa_core::money::Money::from_minor(minor, market.currency).to_string();
    let customer_list: Vec<Value> = customers
        .iter()
        .map(|c| {
            let owed = balances
                .get(&tarifa_core::ledger::receivable(c.id))
                .copied()
                .unwrap_or(0);
            json!({
                "id": handles.get(&c.id),
                "balance": money(-owed),
                "name": c.name,
                "kind": c.kind,
                "directory": c.directory,
                "marketing_consent": c.marketing_consent,
            })
        })
        .collect();
    let today = app.today(market);
    let promotions = crate::promotions::of_market(&mut tx, market).await?;
    let mut contracts = Vec::new();
    for c in tx.contracts(&market.id).await? {
        let promotion = promotions.get(&c.id).map(|p| {
            json!({
                "id": p.offer,
                "status": p.status_on(today),
                "granted_on": p.granted_on,
                "valid_until": p.valid_until,
                "ended_on": p.ended_on,
            })
        });
        let devices: Vec<Value> = tx
            .device_sales(c.id)
            .await?
            .iter()
            .map(|s| {
                json!({
                    "device": s.device_id,
                    "imei": s.imei,
                    "sold_on": s.sold_on,
                    "price": money(s.price_minor),
                    "instalments": s.instalments,
                    "renewal": s.renewal,
                })
            })
            .collect();
        contracts.push(json!({
            "id": c.handle.clone().unwrap_or_else(|| c.id.to_string()),
            "customer": handles.get(&c.customer_id),
            "status": c.status,
            "package": c.package_id,
            "number": c.number,
            "signed_on": c.signed_on,
            "commitment_end": c.commitment_end,
            "promotion": promotion,
            "devices": devices,
        }));
    }
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
    let mut bills = Vec::new();
    let corrections: std::collections::HashMap<i64, tarifa_store::CorrectionRow> = tx
        .corrections(Some(&market.id), None)
        .await?
        .into_iter()
        .map(|c| (c.credit_note_id, c))
        .collect();
    for b in tx.bills(&market.id).await? {
        let lines: Vec<Value> = tx
            .bill_lines(b.id)
            .await?
            .iter()
            .map(|l| {
                json!({
                    "kind": l.kind,
                    "description": l.description,
                    "amount": money(l.amount_minor),
                    "rule": l.rule,
                    "category": l.category,
                })
            })
            .collect();
        let detail: Value = serde_json::from_str(&b.detail).unwrap_or(Value::Null);
        let usage: Vec<Value> = detail["usage"]
            .as_array()
            .map(|u| {
                u.iter()
                    .map(|x| {
                        json!({
                            "type": x["kind"],
                            "destination": x["destination"],
                            "count": x["count"],
                            "quantity": x["quantity"],
                            "unit": x["unit"],
                            "amount": x["amount"],
                        })
                    })
                    .collect()
            })
            .unwrap_or_default();
        let allowances: Vec<Value> = detail["allowances"]
            .as_array()
            .map(|a| a.iter().map(allowance).collect())
            .unwrap_or_default();
        let mut bill = json!({
            "number": b.number,
            "kind": b.kind,
            "customer": handles.get(&b.customer_id),
            "owner": detail["owner"],
            "packages": detail["packages"],
            "letter": detail["letter"],
            "delivery": detail["delivery"],
            "period": { "from": b.period_from, "to": b.period_to },
            "issued": b.issued_on,
            "due": b.due_on,
            "lines": lines,
            "usage": usage,
            "allowances": allowances,
            "vat_by_rate": detail["vat"],
            "total": money(b.total_minor),
            "vat": money(b.vat_minor),
            "previous_balance": money(b.previous_balance_minor),
            "total_due": money(b.total_due_minor),
        });
        if let Some(c) = corrections.get(&b.id) {
            bill["corrects"] = json!(c.bill_number);
            bill["reason"] = json!(c.reason);
            bill["rules"] = json!(c.rule.iter().collect::<Vec<_>>());
        }
        bills.push(bill);
    }
    let payments: Vec<Value> = tx
        .payments(&market.id)
        .await?
        .iter()
        .map(|p| {
            json!({
                "customer": handles.get(&p.customer_id),
                "reference": p.reference,
                "amount": money(p.amount_minor),
                "received": p.received_on,
            })
        })
        .collect();
    let contract_handles: BTreeMap<i64, String> = tx
        .contracts(&market.id)
        .await?
        .iter()
        .map(|c| (c.id, c.handle.clone().unwrap_or_else(|| c.id.to_string())))
        .collect();
    let fees: Vec<Value> = tx
        .fees_charged(&market.id)
        .await?
        .iter()
        .map(|f| {
            json!({
                "contract": f.contract_id.and_then(|c| contract_handles.get(&c)),
                "kind": f.fee_kind,
                "amount": money(f.amount_minor),
                "rules": f.rule.iter().collect::<Vec<_>>(),
                "on": f.on_date,
            })
        })
        .collect();
    let notices: Vec<Value> = tx
        .notices(&market.id)
        .await?
        .iter()
        .map(|n| {
            json!({
                "on": n.on_date,
                "customer": handles.get(&n.customer_id),
                "contract": n.contract_id.and_then(|c| contract_handles.get(&c)),
                "channel": n.channel,
                "kind": n.kind,
                "rules": n.rules.split(',').filter(|r| !r.is_empty()).collect::<Vec<_>>(),
                "text": n.text,
            })
        })
        .collect();
    let bill_numbers: BTreeMap<i64, String> = tx
        .bills(&market.id)
        .await?
        .into_iter()
        .map(|b| (b.id, b.number))
        .collect();
    let complaints: Vec<Value> = tx
        .complaints(&market.id)
        .await?
        .iter()
        .map(|c| {
            json!({
                "id": c.handle.clone().unwrap_or_else(|| c.id.to_string()),
                "customer": handles.get(&c.customer_id),
                "bill": c.bill_id.and_then(|b| bill_numbers.get(&b)),
                "kind": c.kind,
                "channel": c.channel,
                "status": c.status,
                "filed": c.filed_on,
                "disputed": money(c.disputed_minor),
                "undisputed": money(c.undisputed_minor),
                "decide_by": c.decide_by,
                "appeal_by": c.appeal_by,
                "regulator_by": c.regulator_by,
            })
        })
        .collect();
    let unlock_requests: Vec<Value> = tx
        .unlock_requests(&market.id)
        .await?
        .iter()
        .map(|u| {
            let wrong = u32::try_from(u.wrong_entries).unwrap_or(u32::MAX);
            json!({
                "id": u.handle.clone().unwrap_or_else(|| u.id.to_string()),
                "imei": u.imei,
                "contract": contract_handles.get(&u.contract_id),
                "status": u.status,
                "received": u.received_on,
                "respond_by": u.respond_by,
                "attempts_left": tarifa_core::unlock::attempts_left(market, wrong),
                "paid": u.paid_minor.map(money),
            })
        })
        .collect();
    let (ledger_sum, unbalanced) = tx.ledger_check(&market.id).await?;
    tx.rollback().await?;
    Ok(json!({
        "scenario": scenario.name,
        "market": market.id,
        "currency": market.currency.code(),
        "customers": customer_list,
        "contracts": contracts,
        "bills": bills,
        "payments": payments,
        "fees": fees,
        "decisions": decisions,
        "notices": notices,
        "unlock_requests": unlock_requests,
        "complaints": complaints,
        "ledger": { "balanced": ledger_sum == 0 && unbalanced == 0 },
    }))
}

/// An allowance as the report shows it: granted and used, in its unit
/// (`-1` granted: unlimited).
fn allowance(entry: &Value) -> Value {
    let a = &entry["allowance"];
    let kind = a["kind"].as_str().unwrap_or("");
    let granted = match &a["granted"] {
        Value::String(s) if s == "unlimited" => json!(-1),
        Value::Object(o) => o.get("limited").cloned().unwrap_or(Value::Null),
        other => other.clone(),
    };
    let (granted_key, used_key) = match kind {
        "voice" => ("granted_min", "used_min"),
        "sms" => ("granted", "used"),
        _ => ("granted_mb", "used_mb"),
    };
    let mut out = serde_json::Map::new();
    out.insert("type".into(), json!(kind));
    out.insert(granted_key.into(), granted);
    out.insert(used_key.into(), a["used"].clone());
    Value::Object(out)
}
