//! Promotions on contracts (PRM-1…7): the core decides what a renewal,
//! package change, purchase, transfer or deactivation does to a promotion;
//! this module loads the promotion, hands it over and stores the result.

use std::collections::HashMap;

use jiff::civil::Date;
use tarifa_core::catalog::{Catalog, Package};
use tarifa_core::contract::{Commitment, Contract, ContractStatus};
use tarifa_core::market::Market;
use tarifa_core::money::Money;
use tarifa_core::promotion::{self, ContractPromotion, PromotionStatus, PromotionStep};
use tarifa_core::rule::Decision;
use tarifa_store::{ContractPromotionRow, PromotionStepRow, StoreError, Tx};

use crate::{Result, convert};

/// A stored promotion: its id and how many schedule steps are stored.
pub(crate) struct Held {
    pub id: i64,
    pub contract_id: i64,
    pub stored_steps: usize,
    pub promotion: ContractPromotion,
}

fn corrupt(detail: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt {
        what: "promotion",
        detail: detail.to_string(),
    }
}

fn from_rows(
    market: &Market,
    row: &ContractPromotionRow,
    steps: &[PromotionStepRow],
) -> Result<ContractPromotion> {
    let schedule = steps
        .iter()
        .map(|s| {
            Ok(PromotionStep {
                from: convert::date("promotion step", &s.valid_from)?,
                package: s.package_id.clone(),
                rule: s.rule.parse().map_err(corrupt)?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(ContractPromotion {
        offer: row.offer.clone(),
        granted_on: convert::date("promotion grant", &row.granted_on)?,
        base_fee: Money::from_minor(row.base_fee_minor, market.currency),
        valid_until: convert::date("promotion validity", &row.valid_until)?,
        status: row.status.parse().map_err(corrupt)?,
        ended_on: row
            .ended_on
            .as_deref()
            .map(|d| convert::date("promotion end", d))
            .transpose()?,
        schedule,
    })
}

fn row_of(contract_id: i64, id: i64, promotion: &ContractPromotion) -> ContractPromotionRow {
    ContractPromotionRow {
        id,
        contract_id,
        offer: promotion.offer.clone(),
        granted_on: promotion.granted_on.to_string(),
        base_fee_minor: promotion.base_fee.minor(),
        valid_until: promotion.valid_until.to_string(),
        status: promotion.status.to_string(),
        ended_on: promotion.ended_on.map(|d| d.to_string()),
    }
}

fn step_row(promotion_id: i64, step: &PromotionStep) -> PromotionStepRow {
    PromotionStepRow {
        promotion_id,
        seq: 0,
        valid_from: step.from.to_string(),
        package_id: step.package.clone(),
        rule: step.rule.to_string(),
    }
}

/// The newest promotion of a contract.
pub(crate) async fn current(
    tx: &mut Tx,
    market: &Market,
    contract_id: i64,
) -> Result<Option<Held>> {
    let Some(row) = tx.contract_promotions(contract_id).await?.pop() else {
        return Ok(None);
    };
    let steps = tx.promotion_steps(row.id).await?;
    Ok(Some(Held {
        id: row.id,
        contract_id,
        stored_steps: steps.len(),
        promotion: from_rows(market, &row, &steps)?,
    }))
}

/// Attaches a granted promotion to a contract.
pub(crate) async fn attach(
    tx: &mut Tx,
    contract_id: i64,
    promotion: &ContractPromotion,
) -> Result<i64> {
    let first = promotion
        .schedule
        .first()
        .ok_or_else(|| corrupt("a promotion without its grant"))?;
    Ok(tx
        .insert_promotion(&row_of(contract_id, 0, promotion), &step_row(0, first))
        .await?)
}

/// Stores what a rule changed: the state and the steps added.
pub(crate) async fn save(tx: &mut Tx, held: &Held, on: Date) -> Result<()> {
    tx.update_promotion(
        &row_of(held.contract_id, held.id, &held.promotion),
        &on.to_string(),
    )
    .await?;
    for step in held.promotion.schedule.iter().skip(held.stored_steps) {
        tx.insert_promotion_step(&step_row(held.id, step)).await?;
    }
    Ok(())
}

/// PRM-6: the day an earlier contract on this number, of this customer,
/// ended or was deactivated while it carried a promotion in force.
pub(crate) async fn lost_before(
    tx: &mut Tx,
    market: &Market,
    customer_id: i64,
    number: &str,
) -> Result<Option<Date>> {
    for row in tx.contracts_of_customer(customer_id).await? {
        if row.number != number {
            continue;
        }
        let Some(held) = current(tx, market, row.id).await? else {
            continue;
        };
        let p = &held.promotion;
        if p.status == PromotionStatus::Lost {
            return Ok(p.ended_on);
        }
        let ended = convert::opt_date("contract end", row.ended_on.as_deref())?;
        if row.status != ContractStatus::Active.as_str()
            && row.status != ContractStatus::Suspended.as_str()
            && let Some(ended) = ended
            && p.status_on(ended) == PromotionStatus::Active
        {
            return Ok(Some(ended));
        }
    }
    Ok(None)
}

/// Whether the benefit and the phone's commitment the contract was renewed
/// on still run (PRM-4).
fn renewal_live(contract: &Contract, on: Date) -> bool {
    contract.in_commitment(on) && !contract.signed.benefits.is_empty()
}

/// A package change (PRM-2, PRM-3, PRM-4).
pub(crate) async fn after_package_change(
    tx: &mut Tx,
    market: &Market,
    catalog: &Catalog,
    contract: &Contract,
    new: &Package,
    on: Date,
) -> Result<Decision> {
    let Some(mut held) = current(tx, market, contract.id).await? else {
        return Ok(Decision::approved());
    };
    let Some(offer) = catalog.promotion(&held.promotion.offer) else {
        return Ok(Decision::approved());
    };
    let decision = promotion::on_package_change(
        market,
        &mut held.promotion,
        offer,
        new,
        on,
        renewal_live(contract, on),
    );
    save(tx, &held, on).await?;
    Ok(decision)
}

/// A phone bought during the promotion (PRM-7).
#[allow(clippy::too_many_arguments)] // one purchase, told its parts
pub(crate) async fn after_purchase(
    tx: &mut Tx,
    market: &Market,
    catalog: &Catalog,
    contract_id: i64,
    previous: &Package,
    new: &Package,
    renewal: Option<&Commitment>,
    on: Date,
) -> Result<Decision> {
    let Some(mut held) = current(tx, market, contract_id).await? else {
        return Ok(Decision::approved());
    };
    let Some(offer) = catalog.promotion(&held.promotion.offer) else {
        return Ok(Decision::approved());
    };
    let decision = promotion::on_device_purchase(
        market,
        &mut held.promotion,
        offer,
        previous,
        new,
        renewal,
        on,
    );
    save(tx, &held, on).await?;
    Ok(decision)
}

/// A transfer of ownership (PRM-5).
pub(crate) async fn after_transfer(
    tx: &mut Tx,
    market: &Market,
    catalog: &Catalog,
    contract: &Contract,
    on: Date,
) -> Result<Decision> {
    let Some(held) = current(tx, market, contract.id).await? else {
        return Ok(Decision::approved());
    };
    match (
        catalog.promotion(&held.promotion.offer),
        catalog.package(&contract.package),
    ) {
        (Some(offer), Some(package)) => Ok(promotion::on_transfer(
            market,
            &held.promotion,
            offer,
            package,
            on,
        )),
        _ => Ok(Decision::approved()),
    }
}

/// A contract deactivated (suspended or disconnected) loses its promotion (PRM-6).
pub(crate) async fn after_deactivation(
    tx: &mut Tx,
    market: &Market,
    contract_id: i64,
    on: Date,
) -> Result<Decision> {
    let Some(mut held) = current(tx, market, contract_id).await? else {
        return Ok(Decision::approved());
    };
    let catalog = convert::load_catalog(tx, market).await?;
    let Some(offer) = catalog.promotion(&held.promotion.offer) else {
        return Ok(Decision::approved());
    };
    let decision = promotion::on_deactivation(market, &mut held.promotion, offer, on);
    save(tx, &held, on).await?;
    Ok(decision)
}

/// The newest promotion of every contract of a market, for the bill run.
pub(crate) async fn of_market(
    tx: &mut Tx,
    market: &Market,
) -> Result<HashMap<i64, ContractPromotion>> {
    let mut steps: HashMap<i64, Vec<PromotionStepRow>> = HashMap::new();
    for step in tx.market_promotion_steps(&market.id).await? {
        steps.entry(step.promotion_id).or_default().push(step);
    }
    let mut promotions = HashMap::new();
    for row in tx.market_promotions(&market.id).await? {
        let schedule = steps.remove(&row.id).unwrap_or_default();
        promotions.insert(row.contract_id, from_rows(market, &row, &schedule)?);
    }
    Ok(promotions)
}
