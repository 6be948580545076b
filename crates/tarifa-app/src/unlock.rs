//! Unlock requests (UNL-1…12): judged on the day they are filed, then the
//! manufacturer's code, the customer's notice and the code entries.

use std::collections::BTreeMap;

use tarifa_core::catalog::OneTimeCategory;
use tarifa_core::device::Imei;
use tarifa_core::money::Money;
use tarifa_core::phrase::Phrase;
use tarifa_core::rule::{Decision, rules};
use tarifa_core::termination::{Grounds, TerminatedBy};
use tarifa_core::unlock::{self, Requester, UnlockCase, UnlockStatus};
use tarifa_store::UnlockRow;
use tarifa_texts::Arg;

use crate::charges::{Charge, charge_row};
use crate::dunning::overdue_bill;
use crate::outbox::{Notice, notify};
use crate::{App, AppError, Ctx, Decided, Result, conclude, convert};

/// A request as the customer files it.
#[derive(Clone, Debug)]
pub struct UnlockRequest {
    pub handle: Option<String>,
    pub imei: String,
    pub requester: Requester,
    pub channel: String,
    /// owner_name, model, number, software_version, reference_number,
    /// letterhead, stamp, signature, purchase_date, fiscal_register_number,
    /// fiscal_receipt_number, previous_imei, service_report, power_of_attorney, …
    pub fields: BTreeMap<String, String>,
}

impl App {
    /// Files an unlock request in a market; returns its id when recorded.
    pub async fn request_unlock(
        &self,
        ctx: &Ctx,
        market_id: &str,
        request: UnlockRequest,
    ) -> Result<Decided<i64>> {
        let market = self.market(market_id)?.clone();
        let today = self.today(&market);
        let mut tx = self.begin(ctx).await?;
        let imei: Imei = request
            .imei
            .parse()
            .map_err(|e| AppError::invalid("imei", format!("{e}")))?;
        // A repaired device carries a new IMEI: the sale is found by the old one (UNL-10).
        let previous = request
            .fields
            .get("previous_imei")
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty());
        let mut sold = tx.sales_with_imei(&market.id, imei.as_str()).await?;
        if sold.is_empty()
            && let Some(previous) = &previous
        {
            sold = tx.sales_with_imei(&market.id, previous).await?;
        }
        let Some(sale) = sold.into_iter().next() else {
            let mut decision = Decision::approved();
            decision.refuse_plainly(format!(
                "no device with IMEI {} was sold by the operator in {}",
                imei.as_str(),
                market.id
            ));
            let refused = Decided {
                decision,
                value: None,
            };
            return conclude(tx, ctx, &market, today, "unlock_request", None, refused).await;
        };
        let row = tx
            .contract(sale.contract_id)
            .await?
            .ok_or_else(|| AppError::not_found("contract", sale.contract_id.to_string()))?;
        let catalog = self.catalog(&mut tx, &market).await?;
        let device = catalog
            .device(&sale.device_id)
            .ok_or_else(|| {
                AppError::Conflict(format!("device {:?} is not in the catalog", sale.device_id))
            })?
            .clone();
        let customer = tx
            .customer(row.customer_id)
            .await?
            .ok_or_else(|| AppError::not_found("customer", row.customer_id.to_string()))?;
        let party = convert::party(&customer)?;
        let contract = convert::contract(&mut tx, &market, row.clone()).await?;
        let repair = tx.imei_change_to(imei.as_str()).await?;
        let prepaid_route = catalog
            .package(&contract.signed.package)
            .is_some_and(|p| p.prepaid && p.prepaid_unlock_route);
        let zero = Money::zero(market.currency);
        let overdue_debt = overdue_bill(&mut tx, &market, customer.id, today)
            .await?
            .map_or(zero, |(_, open)| open);
        let total_debt = Money::from_minor(
            self.receivable(&mut tx, customer.id).await?.max(0),
            market.currency,
        );
        // UNL-2: what is still to be billed of the sale.
        let instalments_left =
            Money::from_minor(tx.unbilled_instalments(sale.id).await?, market.currency);
        let (_, quote, _) = self
            .quote_in(
                &mut tx,
                row.id,
                TerminatedBy::Subscriber,
                Grounds::Ordinary,
                today,
            )
            .await?;
        let commitment_penalty = quote.fees.iter().fold(zero, |sum, f| sum + f.amount);
        let case = UnlockCase {
            today,
            device: &device,
            contract: &contract,
            party_kind: party.kind,
            prepaid_route,
            overdue_debt,
            total_debt,
            instalments_left,
            commitment_penalty,
            imei_changed: previous.is_some() || repair.is_some(),
            recorded_repair: repair.as_ref().map(|r| r.service_report.as_str()),
            requester: request.requester,
            channel: &request.channel,
            fields: &request.fields,
        };
        let (outcome, mut decision) = unlock::request(&market, &case);
        // UNL-9: after a device was disabled for wrong codes, unlocking is at the customer's cost.
        let disabled_before = tx
            .unlock_requests_for_imei(imei.as_str())
            .await?
            .iter()
            .any(|r| r.status == UnlockStatus::Disabled.as_str());
        let mut paid = outcome.paid_on_the_spot;
        if decision.is_approved() && disabled_before {
            let fee = catalog.fee("unlock").unwrap_or(zero);
            decision.because(
                rules::UNL_9,
                format!("code unlocking was disabled for this device: this unlocking costs {fee}"),
            );
            if fee.is_positive() {
                tx.insert_charge(&charge_row(
                    &market,
                    Charge {
                        customer_id: customer.id,
                        contract_id: Some(row.id),
                        on: today,
                        line: "fee",
                        category: OneTimeCategory::OtherChargesCredits,
                        fee_kind: Some("unlock"),
                        amount: fee,
                        rule: rules::UNL_9,
                        description: format!("unlocking of {} after a disabled code", device.model),
                        phrase: Phrase::new("line-unlock-fee").text("device", device.model.clone()),
                    },
                ))
                .await?;
                paid = Some(paid.unwrap_or(zero) + fee);
            }
        }
        if decision.is_approved()
            && let Some(amount) = outcome.paid_on_the_spot.filter(|a| a.is_positive())
        {
            // UNL-2: the instalments left fall due now and the penalties are
            // charged; both are paid at the counter, so the account is square.
            tx.bring_instalments_forward(sale.id, &today.to_string())
                .await?;
            let penalty = amount - instalments_left;
            if penalty.is_positive() {
                tx.insert_charge(&charge_row(
                    &market,
                    Charge {
                        customer_id: customer.id,
                        contract_id: Some(row.id),
                        on: today,
                        line: "penalty",
                        category: OneTimeCategory::CommitmentBuyOut,
                        fee_kind: Some("unlock"),
                        amount: penalty,
                        rule: rules::UNL_2,
                        description: format!(
                            "commitment penalties, paid to unlock {}",
                            device.model
                        ),
                        phrase: Phrase::new("line-unlock-penalties")
                            .text("device", device.model.clone()),
                    },
                ))
                .await?;
            }
            let reference = format!("unlock:{}:{}", imei.as_str(), today);
            self.record_payment(&mut tx, &market, customer.id, amount, &reference, today)
                .await?;
        }
        let status = if decision.is_approved() {
            outcome.status
        } else {
            UnlockStatus::Rejected
        };
        let id = tx
            .insert_unlock(&UnlockRow {
                id: 0,
                market: market.id.clone(),
                handle: request.handle.clone(),
                contract_id: row.id,
                imei: imei.as_str().to_owned(),
                device_id: device.id.clone(),
                requester: request.requester.to_string(),
                channel: request.channel.clone(),
                fields: serde_json::to_string(&request.fields).unwrap_or_default(),
                received_on: today.to_string(),
                status: status.to_string(),
                respond_by: outcome.respond_by.map(|d| d.to_string()),
                wrong_entries: 0,
                code_received_on: None,
                closed_on: (status == UnlockStatus::Unlocked || status == UnlockStatus::Rejected)
                    .then(|| today.to_string()),
                paid_minor: paid.map(|m| m.minor()),
            })
            .await?;
        let subject = Some(format!("unlock:{id}"));
        conclude(
            tx,
            ctx,
            &market,
            today,
            "unlock_request",
            subject,
            Decided {
                decision,
                value: Some(id),
            },
        )
        .await
    }

    /// An authorised service changed a sold device's IMEI: recorded with its
    /// service report, the contract's device carries the new IMEI (UNL-10).
    pub async fn record_imei_change(
        &self,
        ctx: &Ctx,
        contract_id: i64,
        old_imei: Option<&str>,
        new_imei: &str,
        service_report: &str,
    ) -> Result<Decided<()>> {
        let mut tx = self.begin(ctx).await?;
        let (_, market, today) = self.load_contract(&mut tx, contract_id).await?;
        let imei: Imei = new_imei
            .parse()
            .map_err(|e| AppError::invalid("imei", format!("{e}")))?;
        let mut decision = Decision::approved();
        // The device repaired: the one sold with the contract whose IMEI
        // is given, or the contract's only (latest) sale.
        let sales = tx.device_sales(contract_id).await?;
        let sale = match old_imei {
            Some(old) => sales.iter().find(|s| s.imei.as_deref() == Some(old)),
            None => sales.iter().rev().find(|s| s.imei.is_some()),
        };
        let Some(old) = sale.and_then(|s| s.imei.clone()) else {
            return Err(AppError::invalid(
                "contract",
                match old_imei {
                    Some(old) => format!("no device with IMEI {old} was sold with this contract"),
                    None => "no device with an IMEI was sold with this contract".to_owned(),
                },
            ));
        };
        if service_report.trim().is_empty() {
            decision.refuse(
                rules::UNL_10,
                "an IMEI change is recorded with the authorised service's report",
            );
        }
        if !tx
            .sales_with_imei(&market.id, imei.as_str())
            .await?
            .is_empty()
        {
            decision.refuse_plainly(format!(
                "IMEI {} belongs to another device sold",
                imei.as_str()
            ));
        }
        if decision.is_approved() {
            tx.insert_imei_change(&tarifa_store::ImeiChangeRow {
                id: 0,
                contract_id,
                old_imei: old.clone(),
                new_imei: imei.as_str().to_owned(),
                on_date: today.to_string(),
                service_report: service_report.trim().to_owned(),
            })
            .await?;
            decision.because(
                rules::UNL_10,
                format!(
                    "IMEI {old} became {} at an authorised service (report {})",
                    imei.as_str(),
                    service_report.trim()
                ),
            );
        }
        conclude(
            tx,
            ctx,
            &market,
            today,
            "imei_change",
            Some(format!("contract:{contract_id}")),
            Decided {
                decision,
                value: Some(()),
            },
        )
        .await
    }

    /// The manufacturer delivered the code (UNL-8): the customer is told.
    pub async fn unlock_code_received(&self, ctx: &Ctx, request_id: i64) -> Result<Decided<()>> {
        let mut tx = self.begin(ctx).await?;
        let (old, status, market, today) = self.load_unlock(&mut tx, request_id).await?;
        let (next, decision) = unlock::code_received(status);
        if decision.is_approved() {
            let mut new = old.clone();
            new.status = next.to_string();
            new.code_received_on = Some(today.to_string());
            tx.update_unlock(&old, &new, &today.to_string()).await?;
            let contract = tx
                .contract(old.contract_id)
                .await?
                .ok_or_else(|| AppError::not_found("contract", old.contract_id.to_string()))?;
            let model = self
                .catalog(&mut tx, &market)
                .await?
                .device(&old.device_id)
                .map(|d| d.model.clone())
                .unwrap_or_default();
            notify(
                &mut tx,
                &market,
                Notice {
                    customer_id: contract.customer_id,
                    contract_id: Some(contract.id),
                    on: today,
                    kind: "unlock_code_ready",
                    rules: &[rules::UNL_8, rules::UNL_9, rules::NOT_3],
                    message: "unlock-code-ready",
                    args: vec![
                        ("model", Arg::from(model)),
                        ("imei", Arg::from(old.imei.as_str())),
                        (
                            "attempts",
                            Arg::from(i64::from(market.rules.unl_9.max_wrong_entries)),
                        ),
                    ],
                },
            )
            .await?;
        }
        conclude(
            tx,
            ctx,
            &market,
            today,
            "unlock_code_received",
            Some(format!("unlock:{request_id}")),
            Decided {
                decision,
                value: Some(()),
            },
        )
        .await
    }

    /// The customer enters the code on the device (UNL-9).
    pub async fn unlock_code_entry(
        &self,
        ctx: &Ctx,
        request_id: i64,
        correct: bool,
    ) -> Result<Decided<()>> {
        let mut tx = self.begin(ctx).await?;
        let (old, status, market, today) = self.load_unlock(&mut tx, request_id).await?;
        let wrong_before = u32::try_from(old.wrong_entries).unwrap_or(u32::MAX);
        let (next, wrong, decision) = unlock::code_entry(&market, status, wrong_before, correct);
        if decision.is_approved() {
            let mut new = old.clone();
            new.status = next.to_string();
            new.wrong_entries = i64::from(wrong);
            if next != UnlockStatus::CodeSent {
                new.closed_on = Some(today.to_string());
            }
            tx.update_unlock(&old, &new, &today.to_string()).await?;
        }
        conclude(
            tx,
            ctx,
            &market,
            today,
            "unlock_code_entry",
            Some(format!("unlock:{request_id}")),
            Decided {
                decision,
                value: Some(()),
            },
        )
        .await
    }

    /// A request with its status, market and today.
    async fn load_unlock(
        &self,
        tx: &mut tarifa_store::Tx,
        request_id: i64,
    ) -> Result<(
        UnlockRow,
        UnlockStatus,
        std::sync::Arc<tarifa_core::market::Market>,
        jiff::civil::Date,
    )> {
        let row = tx
            .unlock_request(request_id)
            .await?
            .ok_or_else(|| AppError::not_found("unlock request", request_id.to_string()))?;
        let market = self.market(&row.market)?.clone();
        let today = self.today(&market);
        let status = row
            .status
            .parse()
            .map_err(|e: String| AppError::Conflict(e))?;
        Ok((row, status, market, today))
    }

    /// A market's unlock requests.
    pub async fn unlock_requests(&self, market_id: &str) -> Result<Vec<UnlockRow>> {
        let market = self.market(market_id)?.clone();
        let mut tx = self.begin(&Ctx::new("reader")).await?;
        let rows = tx.unlock_requests(&market.id).await?;
        tx.rollback().await?;
        Ok(rows)
    }
}
