//! Relocation of a fixed service to a new address (CON-10).

use tarifa_core::catalog::OneTimeCategory;
use tarifa_core::money::Money;
use tarifa_core::phrase::Phrase;
use tarifa_core::relocation::{self, Answer, Infrastructure, RelocationStatus};
use tarifa_core::rule::{Decision, rules};
use tarifa_core::time::add_months;
use tarifa_store::{RelocationRow, Tx};

use crate::charges::{Charge, charge_row};
use crate::dunning::overdue_bill;
use crate::{App, AppError, Ctx, Decided, Result, conclude};

/// The step a relocation request takes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RelocationStep {
    Request { address: String },
    Answer(Answer),
    Annex(Option<Infrastructure>),
    Done,
}

impl App {
    /// Moves a relocation request of a contract one step on.
    pub async fn relocate(
        &self,
        ctx: &Ctx,
        contract_id: i64,
        step: RelocationStep,
    ) -> Result<Decided<()>> {
        let mut tx = self.begin(ctx).await?;
        let (row, market, today) = self.load_contract(&mut tx, contract_id).await?;
        let open = tx.relocations(contract_id).await?.into_iter().rfind(|r| {
            r.status != RelocationStatus::Done.as_str()
                && r.status != RelocationStatus::Impossible.as_str()
        });
        let live = crate::convert::is_live(&row);
        let mut decision = Decision::approved();
        let status = |r: &RelocationRow| {
            r.status
                .parse::<RelocationStatus>()
                .map_err(|e| AppError::Conflict(e.to_string()))
        };
        let date = |text: &str| {
            text.parse::<jiff::civil::Date>()
                .map_err(|e| AppError::Conflict(e.to_string()))
        };
        match (step, open) {
            (_, _) if !live => {
                decision.refuse_plainly(format!("the contract is {}", row.status));
            }
            (RelocationStep::Request { address }, None) => {
                let (answer_by, d) = relocation::request(&market, today);
                decision = d;
                if address.trim().is_empty() {
                    decision.refuse(rules::CON_10, "the new address is missing");
                }
                if decision.is_approved() {
                    tx.insert_relocation(&RelocationRow {
                        id: 0,
                        contract_id,
                        new_address: address.trim().to_owned(),
                        requested_on: today.to_string(),
                        answer_by: answer_by.to_string(),
                        status: RelocationStatus::Requested.to_string(),
                        answered_on: None,
                        infrastructure_minor: None,
                        infrastructure: None,
                        annexed_on: None,
                        done_by: None,
                        done_on: None,
                    })
                    .await?;
                }
            }
            (RelocationStep::Request { .. }, Some(open)) => {
                decision.refuse(
                    rules::CON_10,
                    format!(
                        "a relocation requested on {} is still open",
                        open.requested_on
                    ),
                );
            }
            (_, None) => {
                decision.refuse(
                    rules::CON_10,
                    "no relocation request is open for this contract",
                );
            }
            (RelocationStep::Answer(answer), Some(open)) => {
                let (next, d) =
                    relocation::answer(status(&open)?, answer, date(&open.answer_by)?, today);
                decision = d;
                if decision.is_approved() {
                    let mut new = open.clone();
                    new.status = next.to_string();
                    new.answered_on = Some(today.to_string());
                    if let Answer::Infrastructure(cost) = answer {
                        new.infrastructure_minor = Some(cost.minor());
                    }
                    tx.update_relocation(&open, &new, &today.to_string())
                        .await?;
                }
            }
            (RelocationStep::Annex(infrastructure), Some(open)) => {
                let debt = overdue_bill(&mut tx, &market, row.customer_id, today)
                    .await?
                    .map(|(_, open)| open);
                let (done_by, d) =
                    relocation::annex(&market, status(&open)?, debt, infrastructure, today);
                decision = d;
                if decision.is_approved() {
                    let mut new = open.clone();
                    new.status = RelocationStatus::Annexed.to_string();
                    new.annexed_on = Some(today.to_string());
                    new.done_by = Some(done_by.to_string());
                    let cost =
                        Money::from_minor(open.infrastructure_minor.unwrap_or(0), market.currency);
                    if open.status == RelocationStatus::NeedsInfrastructure.as_str() {
                        new.infrastructure = match infrastructure {
                            Some(Infrastructure::SubscriberPays) => {
                                tx.insert_charge(&charge_row(
                                    &market,
                                    Charge {
                                        customer_id: row.customer_id,
                                        contract_id: Some(contract_id),
                                        on: today,
                                        line: "one_time",
                                        category: OneTimeCategory::OtherChargesCredits,
                                        fee_kind: None,
                                        amount: cost,
                                        rule: rules::CON_10,
                                        description: format!(
                                            "access infrastructure for the move to {}",
                                            open.new_address
                                        ),
                                        phrase: Phrase::new("line-relocation-infrastructure")
                                            .text("address", open.new_address.clone()),
                                    },
                                ))
                                .await?;
                                Some("subscriber_pays".to_owned())
                            }
                            Some(Infrastructure::NewCommitment(months)) => {
                                let end =
                                    add_months(today, i32::try_from(months).unwrap_or(i32::MAX));
                                renew(&mut tx, contract_id, today, months, end, cost).await?;
                                decision.because(
                                    rules::CON_1,
                                    format!("the commitment runs to {end}; the infrastructure ({cost}) is its benefit"),
                                );
                                Some("new_commitment".to_owned())
                            }
                            None => None,
                        };
                    }
                    tx.update_relocation(&open, &new, &today.to_string())
                        .await?;
                }
            }
            (RelocationStep::Done, Some(open)) => {
                let catalog = self.catalog(&mut tx, &market).await?;
                let fee = catalog.fee("relocation");
                decision = relocation::complete(
                    status(&open)?,
                    open.done_by.as_deref().map(date).transpose()?,
                    fee,
                    today,
                );
                if decision.is_approved() {
                    let mut new = open.clone();
                    new.status = RelocationStatus::Done.to_string();
                    new.done_on = Some(today.to_string());
                    tx.update_relocation(&open, &new, &today.to_string())
                        .await?;
                    if let Some(fee) = fee.filter(|f| f.is_positive()) {
                        tx.insert_charge(&charge_row(
                            &market,
                            Charge {
                                customer_id: row.customer_id,
                                contract_id: Some(contract_id),
                                on: today,
                                line: "fee",
                                category: OneTimeCategory::OtherChargesCredits,
                                fee_kind: Some("relocation"),
                                amount: fee,
                                rule: rules::CON_10,
                                description: format!(
                                    "relocation of {} to {}",
                                    row.number, open.new_address
                                ),
                                phrase: Phrase::new("line-relocation")
                                    .text("number", row.number.clone())
                                    .text("address", open.new_address.clone()),
                            },
                        ))
                        .await?;
                    }
                }
            }
        }
        conclude(
            tx,
            ctx,
            &market,
            today,
            "relocation",
            Some(format!("contract:{contract_id}")),
            Decided {
                decision,
                value: Some(()),
            },
        )
        .await
    }
}

async fn renew(
    tx: &mut Tx,
    contract_id: i64,
    start: jiff::civil::Date,
    months: u32,
    end: jiff::civil::Date,
    benefit: Money,
) -> Result<()> {
    tx.renew_commitment(
        contract_id,
        &start.to_string(),
        i64::from(months),
        &end.to_string(),
        &[tarifa_store::BenefitRow {
            contract_id,
            position: 0,
            kind: tarifa_core::contract::BenefitKind::ServiceDiscount.to_string(),
            amount_minor: benefit.minor(),
        }],
        false,
    )
    .await?;
    Ok(())
}
