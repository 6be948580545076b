//! Ending contracts (TRM-1, TRM-2, TRM-4, TRM-5, TRM-6, CMP-6) and the return
//! of lent equipment (DEV-4). The quote is the core's; executing it ends the
//! contract, queues its fees for the final bill and sets the return deadline.

use jiff::civil::Date;
use tarifa_core::bill::VatAssignment;
use tarifa_core::catalog::OneTimeCategory;
use tarifa_core::contract::ContractStatus;
use tarifa_core::correction::{ChargedAmount, CreditRequest};
use tarifa_core::market::Market;
use tarifa_core::money::Money;
use tarifa_core::phrase::Phrase;
use tarifa_core::rule::{Decision, rules};
use tarifa_core::termination::{self, Grounds, Quote, TerminatedBy, TerminationCase};
use tarifa_store::{ChargeRow, ScheduledTerminationRow, Tx};

use crate::charges::{Charge, charge_row};
use crate::{App, AppError, Ctx, Decided, Result, conclude, convert, record};

/// How and when a contract ends.
pub(crate) struct Ending {
    pub by: TerminatedBy,
    pub grounds: Grounds,
    /// Terminated, or disconnected (DUN-4, ABU-*).
    pub status: ContractStatus,
    /// The day it ends (a scheduler job's day, or today).
    pub on: Date,
}

/// A fee a termination or DEV-4 puts on the final bill.
struct Fee<'a> {
    kind: &'a str,
    amount: Money,
    rule: tarifa_core::rule::RuleId,
    description: String,
    phrase: Phrase,
}

fn charge(
    market: &Market,
    customer_id: i64,
    contract_id: i64,
    on: Date,
    fee: Fee<'_>,
) -> ChargeRow {
    let category = if fee.kind == "early_termination" {
        OneTimeCategory::CommitmentBuyOut
    } else {
        OneTimeCategory::Penalties
    };
    charge_row(
        market,
        Charge {
            customer_id,
            contract_id: Some(contract_id),
            on,
            line: "penalty",
            category,
            fee_kind: Some(fee.kind),
            amount: fee.amount,
            rule: fee.rule,
            description: fee.description,
            phrase: fee.phrase,
        },
    )
}

/// The grounds a request gives, or a refusal naming the accepted reasons.
fn grounds(reason: &str) -> Result<Grounds> {
    Grounds::parse(reason).map_err(|e| AppError::invalid("reason", e))
}

impl App {
    /// What ending a contract today would cost, and why (nothing is changed).
    pub async fn quote_termination(
        &self,
        ctx: &Ctx,
        contract_id: i64,
        by: TerminatedBy,
        reason: &str,
    ) -> Result<Quote> {
        let mut tx = self.begin(ctx).await?;
        let (_, _, today) = self.load_contract(&mut tx, contract_id).await?;
        let quote = self
            .quote_in(&mut tx, contract_id, by, grounds(reason)?, today)
            .await?
            .1;
        tx.rollback().await?;
        Ok(quote)
    }

    pub(crate) async fn quote_in(
        &self,
        tx: &mut Tx,
        contract_id: i64,
        by: TerminatedBy,
        grounds: Grounds,
        today: Date,
    ) -> Result<(std::sync::Arc<Market>, Quote, i64)> {
        let (row, market, _) = self.load_contract(tx, contract_id).await?;
        let customer = tx
            .customer(row.customer_id)
            .await?
            .ok_or_else(|| AppError::not_found("customer", row.customer_id.to_string()))?;
        let party = convert::party(&customer)?;
        let catalog = self.catalog(tx, &market).await?;
        let contract = convert::contract(tx, &market, row.clone()).await?;
        let monthly_fee = catalog
            .package(&contract.package)
            .map_or(Money::zero(market.currency), |p| p.monthly_fee);
        let mut quality_complaint = None;
        for c in tx.complaints_of_customer(customer.id).await? {
            if c.kind != "quality" {
                continue;
            }
            let complaint = termination::QualityComplaint {
                filed_on: convert::date("complaint filing date", &c.filed_on)?,
                status: crate::complaints::status(&c)?,
                decided_on: c
                    .decided_on
                    .as_deref()
                    .map(|d| convert::date("complaint decision date", d))
                    .transpose()?,
            };
            // The latest complaint speaks for the quality now.
            if quality_complaint
                .is_none_or(|q: termination::QualityComplaint| q.filed_on <= complaint.filed_on)
            {
                quality_complaint = Some(complaint);
            }
        }
        let owed = self.receivable(tx, customer.id).await?;
        let prepaid = Money::from_minor((-owed).max(0), market.currency);
        let lent_equipment_value = contract
            .signed
            .device
            .as_ref()
            .filter(|d| d.lent)
            .and_then(|d| catalog.device(&d.device))
            .map(|d| d.retail_price);
        let case = TerminationCase {
            contract: &contract,
            party_kind: party.kind,
            monthly_fee,
            by,
            grounds,
            today,
            quality_complaint,
            unfavourable_window: self
                .open_unfavourable_window(tx, &market, &contract.package, today)
                .await?,
            prepaid,
            lent_equipment_value,
        };
        let quote = termination::quote(&market, &case);
        Ok((market, quote, customer.id))
    }

    /// Ends a contract today: its fees go on the final bill, lent equipment
    /// is due back, and the last period is billed up to today.
    pub async fn terminate(
        &self,
        ctx: &Ctx,
        contract_id: i64,
        by: TerminatedBy,
        reason: &str,
    ) -> Result<Decided<()>> {
        let mut tx = self.begin(ctx).await?;
        let (_, market, today) = self.load_contract(&mut tx, contract_id).await?;
        let ending = Ending {
            by,
            grounds: grounds(reason)?,
            status: ContractStatus::Terminated,
            on: today,
        };
        let decision = self.end_contract(&mut tx, contract_id, ending).await?;
        conclude(
            tx,
            ctx,
            &market,
            today,
            "terminate",
            Some(format!("contract:{contract_id}")),
            Decided {
                decision,
                value: Some(()),
            },
        )
        .await
    }

    /// Ends a contract on `ending.on` in `tx` as its quote says, leaving it
    /// in `ending.status` (terminated, or disconnected); the decision is the
    /// quote's, with what was done added.
    pub(crate) async fn end_contract(
        &self,
        tx: &mut Tx,
        contract_id: i64,
        ending: Ending,
    ) -> Result<Decision> {
        let Ending {
            by,
            grounds,
            status,
            on: today,
        } = ending;
        let reason = grounds.label();
        let withdrawal = grounds == Grounds::Withdrawal;
        let (market, quote, customer_id) =
            self.quote_in(tx, contract_id, by, grounds, today).await?;
        let mut decision = quote.decision.clone();
        if let Some(pending) = tx.scheduled_termination(contract_id).await? {
            if by == TerminatedBy::Operator {
                // The operator's own termination (e.g. for abuse) comes first.
                tx.termination_done(contract_id, &today.to_string()).await?;
            } else {
                decision.refuse_plainly(format!(
                    "the contract is already terminated with effect from {} ({})",
                    pending.ends_on, pending.reason
                ));
            }
        }
        if decision.is_approved() {
            let row = tx
                .contract(contract_id)
                .await?
                .ok_or_else(|| AppError::not_found("contract", contract_id.to_string()))?;
            if quote.ends_on > today {
                // Service runs on until the day the termination takes effect (CAT-4 in ME).
                tx.schedule_termination(&ScheduledTerminationRow {
                    contract_id,
                    decided_on: today.to_string(),
                    ends_on: quote.ends_on.to_string(),
                    by_whom: match by {
                        TerminatedBy::Subscriber => "subscriber".into(),
                        TerminatedBy::Operator => "operator".into(),
                    },
                    reason: reason.clone(),
                    done_on: None,
                })
                .await?;
            } else {
                tx.set_contract_status(
                    contract_id,
                    &row.status,
                    status.as_str(),
                    &today.to_string(),
                    Some(&today.to_string()),
                )
                .await?;
            }
            for fee in &quote.fees {
                let rule = if by == TerminatedBy::Operator {
                    rules::TRM_5
                } else {
                    rules::TRM_2
                };
                tx.insert_charge(&charge(
                    &market,
                    customer_id,
                    contract_id,
                    today,
                    Fee {
                        kind: fee.kind,
                        amount: fee.amount,
                        rule,
                        description: format!("early termination of {}", row.number),
                        phrase: Phrase::new("line-early-termination")
                            .text("number", row.number.clone()),
                    },
                ))
                .await?;
            }
            if let Some(by) = quote.return_by {
                tx.set_equipment_return(contract_id, Some(&by.to_string()), None)
                    .await?;
            }
            if withdrawal {
                self.undo_device_sales(tx, &market, customer_id, &row, today, &mut decision)
                    .await?;
            }
            if let Some((amount, by)) = quote.refund
                && amount.is_positive()
            {
                // Paid back as a payment the other way: out of the bank,
                // the customer's credit gone; the final bill for the days
                // used follows as usual.
                let reference = format!("refund:contract:{contract_id}");
                self.record_payment(tx, &market, customer_id, -amount, &reference, today)
                    .await?;
                decision.note(format!(
                    "{amount} paid in advance is refunded today (due by {by})"
                ));
            }
            decision.note(format!(
                "the contract ends on {}; the final bill follows on the next billing day",
                quote.ends_on
            ));
        }
        Ok(decision)
    }

    /// TRM-6: a withdrawal undoes the sale with the contract. Each device
    /// sold with it stops its instalments, is due back sealed, and what was
    /// billed for it is credited on the next bill.
    async fn undo_device_sales(
        &self,
        tx: &mut Tx,
        market: &Market,
        customer_id: i64,
        contract: &tarifa_store::ContractRow,
        today: Date,
        decision: &mut Decision,
    ) -> Result<()> {
        for sale in tx.device_sales(contract.id).await? {
            if sale.withdrawn_on.is_some() {
                continue;
            }
            let billed = Money::from_minor(
                tx.withdraw_device_sale(sale.id, &today.to_string()).await?,
                market.currency,
            );
            decision.because(
                rules::TRM_6,
                format!(
                    "the sale of {} is undone: no further instalments; the device is to be returned sealed",
                    sale.device_id
                ),
            );
            if billed.is_positive() {
                // What the bills charged for the device is taken back by a
                // credit note on each of them, at the VAT it was charged at.
                let mut by_bill: Vec<(i64, Vec<ChargedAmount>)> = Vec::new();
                for (bill_id, amount, vat) in tx.billed_sale_charges(sale.id).await? {
                    let vat: VatAssignment = serde_json::from_str(&vat).map_err(|e| {
                        AppError::invalid("vat", format!("a charge of sale {}: {e}", sale.id))
                    })?;
                    let part = ChargedAmount {
                        amount: Money::from_minor(amount, market.currency),
                        vat,
                        contract_id: Some(contract.id),
                    };
                    match by_bill.iter_mut().find(|(id, _)| *id == bill_id) {
                        Some((_, parts)) => parts.push(part),
                        None => by_bill.push((bill_id, vec![part])),
                    }
                }
                let bills = tx.bills_of_customer(customer_id).await?;
                for (bill_id, parts) in by_bill {
                    let Some(bill) = bills.iter().find(|b| b.id == bill_id) else {
                        continue;
                    };
                    let asked: i64 = parts.iter().map(|p| p.amount.minor()).sum();
                    let left = crate::corrections::left_of_bill(tx, bill).await?;
                    // A bill already corrected in part gives back what is left of it.
                    let Some(request) = tarifa_core::correction::within_left(
                        CreditRequest::Charged(parts),
                        Money::from_minor(left, market.currency),
                    ) else {
                        continue;
                    };
                    let note = crate::corrections::write_credit_note(
                        tx,
                        market,
                        bill,
                        &request,
                        &format!(
                            "withdrawal from the sale of {}, {}",
                            sale.device_id, contract.number
                        ),
                        Some(rules::TRM_6),
                        today,
                    )
                    .await?;
                    decision.because(
                        rules::TRM_6,
                        format!(
                            "{} billed for {} on bill {} is credited by credit note {}",
                            Money::from_minor(asked.min(left), market.currency),
                            sale.device_id,
                            bill.number,
                            note.number
                        ),
                    );
                }
            }
        }
        Ok(())
    }

    /// The day's scheduled terminations: the contract ends, its service
    /// having run to the day before.
    pub(crate) async fn run_scheduled_terminations(
        &self,
        tx: &mut Tx,
        ctx: &Ctx,
        market: &Market,
        day: Date,
    ) -> Result<u32> {
        let mut decisions = 0;
        for due in tx.due_terminations(&market.id, &day.to_string()).await? {
            let Some(row) = tx.contract(due.contract_id).await? else {
                continue;
            };
            tx.termination_done(due.contract_id, &day.to_string())
                .await?;
            if !crate::convert::is_live(&row) {
                continue;
            }
            let last_day = tarifa_core::time::add_days(day, -1);
            tx.set_contract_status(
                row.id,
                &row.status,
                ContractStatus::Terminated.as_str(),
                &day.to_string(),
                Some(&last_day.to_string()),
            )
            .await?;
            let rule = if Grounds::of_stored(&due.reason) == Grounds::UnfavourableChange {
                rules::CAT_4
            } else {
                rules::TRM_1
            };
            let mut decision = Decision::approved();
            decision.because(
                rule,
                format!(
                    "terminated by the {} on {} ({}): deemed terminated today, served and billed to {last_day}",
                    due.by_whom, due.decided_on, due.reason
                ),
            );
            record(
                tx,
                market,
                day,
                "terminate",
                Some(format!("contract:{}", row.id)),
                &decision,
                ctx,
            )
            .await?;
            decisions += 1;
        }
        Ok(decisions)
    }

    /// Lent equipment comes back (DEV-4): undamaged, nothing is owed;
    /// damaged, its price-list value is billed.
    pub async fn return_equipment(
        &self,
        ctx: &Ctx,
        contract_id: i64,
        device_id: &str,
        damaged: bool,
    ) -> Result<Decided<()>> {
        let mut tx = self.begin(ctx).await?;
        let (row, market, today) = self.load_contract(&mut tx, contract_id).await?;
        let catalog = self.catalog(&mut tx, &market).await?;
        let mut decision = Decision::approved();
        let withdrawn = tx
            .device_sales(contract_id)
            .await?
            .into_iter()
            .find(|s| s.device_id == device_id && s.withdrawn_on.is_some());
        if let Some(sale) = withdrawn {
            return self
                .return_withdrawn_device(tx, ctx, (&row, &market, today), sale, damaged)
                .await;
        }
        if row.device_id.as_deref() != Some(device_id) || row.device_lent != Some(true) {
            decision.refuse(
                rules::DEV_4,
                format!("{device_id} is not equipment lent with this contract"),
            );
        } else if row.equipment_returned_on.is_some() {
            decision.refuse(rules::DEV_4, "the equipment was already returned or billed");
        }
        if decision.is_approved() {
            let value = catalog
                .device(device_id)
                .map_or(Money::zero(market.currency), |d| d.retail_price);
            let late = row
                .return_by
                .as_deref()
                .is_some_and(|by| today.to_string().as_str() > by);
            if damaged || late {
                let why = if damaged {
                    "returned damaged"
                } else {
                    "returned after the deadline"
                };
                decision.because(
                    rules::DEV_4,
                    format!("{device_id} {why}: its price-list value of {value} is billed"),
                );
                tx.insert_charge(&charge(
                    &market,
                    row.customer_id,
                    contract_id,
                    today,
                    Fee {
                        kind: "equipment_not_returned",
                        amount: value,
                        rule: rules::DEV_4,
                        description: format!("{device_id} {why}"),
                        phrase: Phrase::new(if damaged {
                            "line-equipment-damaged"
                        } else {
                            "line-equipment-late"
                        })
                        .text("device", device_id),
                    },
                ))
                .await?;
            } else {
                decision.because(
                    rules::DEV_4,
                    format!("{device_id} returned undamaged on {today}"),
                );
            }
            tx.set_equipment_return(contract_id, None, Some(&today.to_string()))
                .await?;
        }
        conclude(
            tx,
            ctx,
            &market,
            today,
            "return_equipment",
            Some(format!("contract:{contract_id}")),
            Decided {
                decision,
                value: Some(()),
            },
        )
        .await
    }

    /// The device of a sale undone by a withdrawal comes back (TRM-6):
    /// sealed, nothing is owed; unsealed or damaged, the right of withdrawal
    /// does not cover it and its price as sold is billed.
    async fn return_withdrawn_device(
        &self,
        mut tx: Tx,
        ctx: &Ctx,
        (row, market, today): (&tarifa_store::ContractRow, &Market, Date),
        sale: tarifa_store::DeviceSaleRow,
        damaged: bool,
    ) -> Result<Decided<()>> {
        let price = Money::from_minor(sale.price_minor, market.currency);
        let (decision, billed) = termination::withdrawn_device_back(
            &sale.device_id,
            price,
            sale.returned_on.is_some(),
            damaged,
            today,
        );
        if decision.is_approved() {
            tx.device_sale_returned(sale.id, &today.to_string()).await?;
        }
        if let Some(price) = billed {
            tx.insert_charge(&charge(
                market,
                row.customer_id,
                row.id,
                today,
                Fee {
                    kind: "equipment_not_returned",
                    amount: price,
                    rule: rules::TRM_6,
                    description: format!("{} returned unsealed or damaged", sale.device_id),
                    phrase: Phrase::new("line-equipment-damaged")
                        .text("device", sale.device_id.clone()),
                },
            ))
            .await?;
        }
        conclude(
            tx,
            ctx,
            market,
            today,
            "return_equipment",
            Some(format!("contract:{}", row.id)),
            Decided {
                decision,
                value: Some(()),
            },
        )
        .await
    }

    /// The day's DEV-4 job: lent equipment not back by its day is billed.
    pub(crate) async fn run_equipment_returns(
        &self,
        tx: &mut Tx,
        ctx: &Ctx,
        market: &Market,
        day: Date,
    ) -> Result<u32> {
        if !market.applies(rules::DEV_4) {
            return Ok(0);
        }
        let catalog = self.catalog(tx, market).await?;
        let mut decisions = 0;
        for row in tx.equipment_overdue(&market.id, &day.to_string()).await? {
            let device = row.device_id.clone().unwrap_or_default();
            let value = catalog
                .device(&device)
                .map_or(Money::zero(market.currency), |d| d.retail_price);
            tx.insert_charge(&charge(
                market,
                row.customer_id,
                row.id,
                day,
                Fee {
                    kind: "equipment_not_returned",
                    amount: value,
                    rule: rules::DEV_4,
                    description: format!("{device} not returned"),
                    phrase: Phrase::new("line-equipment-not-returned")
                        .text("device", device.clone()),
                },
            ))
            .await?;
            tx.set_equipment_return(row.id, None, Some(&format!("billed {day}")))
                .await?;
            let mut decision = Decision::approved();
            decision.because(
                rules::DEV_4,
                format!(
                    "{device} was due back by {}: its price-list value of {value} is billed",
                    row.return_by.clone().unwrap_or_default()
                ),
            );
            record(
                tx,
                market,
                day,
                "equipment",
                Some(format!("contract:{}", row.id)),
                &decision,
                ctx,
            )
            .await?;
            decisions += 1;
        }
        Ok(decisions)
    }
}
