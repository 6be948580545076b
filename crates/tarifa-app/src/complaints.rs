//! Complaints (CMP-1…6): filing, the operator's decision (a credit on the
//! next bill when upheld), the appeal to the regulator, and the deadline job.

use jiff::civil::Date;
use tarifa_core::complaint::Verdict;
use tarifa_core::complaint::{self, ComplainedBill, ComplaintStatus};
use tarifa_core::market::Market;
use tarifa_core::money::Money;
pub use tarifa_core::phrase::Phrase;
use tarifa_core::rule::{Decision, Outcome, rules};
use tarifa_core::time::add_days;
use tarifa_store::{ComplaintRow, Tx};
use tarifa_texts::Arg;

use crate::charges::{Charge, charge_row};
use crate::outbox::{Notice, date_arg, notify};
use crate::{App, AppError, Ctx, Decided, Result, conclude, record};

/// Which bill a complaint is about.
#[derive(Clone, Debug)]
pub enum BillRef {
    /// The customer's latest bill.
    Last,
    Number(String),
}

/// A complaint as it is filed.
#[derive(Clone, Debug)]
pub struct NewComplaint<'a> {
    /// The caller's own reference (a scenario's id), unique per market.
    pub handle: Option<&'a str>,
    /// The bill complained about; `None` for the quality of service (CMP-6).
    pub bill: Option<BillRef>,
    /// The amount disputed (else the whole bill).
    pub disputed: Option<Money>,
    /// `store`, `phone`, `email`, `letter`, `self_care` …
    pub channel: &'a str,
    /// What the subscriber wrote, kept and shown as written.
    pub description: Option<&'a str>,
}

/// A stored complaint's status.
pub(crate) fn status(row: &ComplaintRow) -> Result<ComplaintStatus> {
    row.status
        .parse()
        .map_err(|e: String| AppError::Conflict(format!("complaint {}: {e}", row.id)))
}

impl App {
    /// Files a complaint about a bill (CMP-1…3), or about the quality of
    /// service when `bill` is `None` (CMP-6).
    pub async fn file_complaint(
        &self,
        ctx: &Ctx,
        customer_id: i64,
        complaint: NewComplaint<'_>,
    ) -> Result<Decided<i64>> {
        let NewComplaint {
            handle,
            bill,
            disputed,
            channel,
            description,
        } = complaint;
        let channel = channel.trim();
        tarifa_core::text::check(channel, tarifa_core::text::ID)
            .map_err(|e| AppError::invalid("channel", e))?;
        if let Some(handle) = handle {
            tarifa_core::text::check(handle, tarifa_core::text::ID)
                .map_err(|e| AppError::invalid("id", e))?;
        }
        let description = description.map(str::trim).filter(|d| !d.is_empty());
        if let Some(description) = description {
            tarifa_core::text::check(description, tarifa_core::text::PROSE)
                .map_err(|e| AppError::invalid("description", e))?;
        }
        let mut tx = self.begin(ctx).await?;
        let (_, market, today) = self.load_customer(&mut tx, customer_id).await?;
        if let Some(handle) = handle
            && tx.complaint_by_handle(&market.id, handle).await?.is_some()
        {
            return Err(AppError::Conflict(format!(
                "complaint {handle:?} already exists"
            )));
        }
        let mut row = ComplaintRow {
            id: 0,
            market: market.id.clone(),
            handle: handle.map(str::to_owned),
            customer_id,
            bill_id: None,
            kind: "quality".into(),
            channel: channel.to_owned(),
            filed_on: today.to_string(),
            disputed_minor: 0,
            undisputed_minor: 0,
            decide_by: add_days(today, i64::from(market.rules.cmp_3.decide_within_days))
                .to_string(),
            status: ComplaintStatus::Pending.to_string(),
            decided_on: None,
            appeal_by: None,
            appealed_on: None,
            regulator_by: None,
            description: description.map(str::to_owned),
        };
        let decision = match bill {
            Some(reference) => {
                let bills = tx.bills_of_customer(customer_id).await?;
                let found = match &reference {
                    // A credit note is not a bill one complains about.
                    BillRef::Last => bills
                        .iter()
                        .rev()
                        .find(|b| b.kind != crate::corrections::CREDIT_NOTE),
                    BillRef::Number(n) => bills.iter().find(|b| &b.number == n),
                };
                let Some(bill) = found else {
                    let mut d = Decision::approved();
                    d.refuse(
                        rules::CMP_1,
                        "a complaint about a bill names a bill of this customer; there is none",
                    );
                    let refused = Decided {
                        decision: d,
                        value: None,
                    };
                    return conclude(tx, ctx, &market, today, "complaint", None, refused).await;
                };
                let complained = ComplainedBill {
                    number: bill.number.clone(),
                    total: Money::from_minor(bill.total_minor, market.currency),
                    issued: crate::convert::date("bill issue date", &bill.issued_on)?,
                };
                let disputed_bills: Vec<i64> = tx
                    .complaints(&market.id)
                    .await?
                    .iter()
                    .filter_map(|c| c.bill_id)
                    .collect();
                let previous: Vec<Money> = bills
                    .iter()
                    .rev()
                    .filter(|b| b.id != bill.id && !disputed_bills.contains(&b.id))
                    .map(|b| Money::from_minor(b.total_minor, market.currency))
                    .collect();
                let disputed = disputed.unwrap_or(complained.total);
                let (filing, decision) = complaint::file_about_bill(
                    &market,
                    &complained,
                    disputed,
                    channel,
                    today,
                    &previous,
                );
                if let Some(filing) = filing {
                    row.bill_id = Some(bill.id);
                    row.kind = "bill".into();
                    row.disputed_minor = disputed.minor();
                    row.undisputed_minor = filing.undisputed.minor();
                    row.decide_by = filing.decide_by.to_string();
                }
                decision
            }
            None => {
                let mut d = Decision::new(Outcome::Pending);
                d.because(
                    rules::CMP_6,
                    format!(
                        "a complaint about access or quality; if the service is below contract the subscriber may, within {} days of learning it, terminate and get all prepaid charges back",
                        market.rules.cmp_6.terminate_within_days
                    ),
                );
                d.because(
                    rules::CMP_3,
                    format!("a reasoned written decision is due by {}", row.decide_by),
                );
                d
            }
        };
        let id = if decision.is_rejected() {
            None
        } else {
            Some(tx.insert_complaint(&row).await?)
        };
        let subject = id.map(|i| format!("complaint:{i}"));
        conclude(
            tx,
            ctx,
            &market,
            today,
            "complaint",
            subject,
            Decided {
                decision,
                value: id,
            },
        )
        .await
    }

    /// The operator decides a complaint (CMP-3): upheld, the disputed amount
    /// is credited on the next bill; rejected, the subscriber may appeal to
    /// the regulator within the days CMP-4 gives.
    pub async fn decide_complaint(
        &self,
        ctx: &Ctx,
        complaint_id: i64,
        verdict: Verdict,
    ) -> Result<Decided<()>> {
        let mut tx = self.begin(ctx).await?;
        let mut row = tx
            .complaint(complaint_id)
            .await?
            .ok_or_else(|| AppError::not_found("complaint", complaint_id.to_string()))?;
        let market = self.market(&row.market)?.clone();
        let today = self.today(&market);
        let mut decision = Decision::approved();
        if status(&row)? != ComplaintStatus::Pending {
            decision.refuse(
                rules::CMP_3,
                format!("the complaint was already decided: it is {}", row.status),
            );
        } else {
            if today.to_string() > row.decide_by {
                decision.because(
                    rules::CMP_3,
                    format!("decided after the deadline of {}", row.decide_by),
                );
            }
            row.decided_on = Some(today.to_string());
            match verdict {
                Verdict::Upheld => {
                    row.status = ComplaintStatus::Upheld.to_string();
                    decision.because(rules::CMP_3, "the complaint is upheld");
                    let bill = match row.bill_id {
                        Some(id) => tx
                            .bills_of_customer(row.customer_id)
                            .await?
                            .into_iter()
                            .find(|b| b.id == id),
                        None => None,
                    };
                    let handle = row.handle.clone().unwrap_or_else(|| row.id.to_string());
                    if let (true, Some(bill)) = (row.disputed_minor > 0, bill) {
                        // The bill complained about is corrected by a credit
                        // note of the upheld amount (never more than is left
                        // of the bill).
                        let disputed = Money::from_minor(row.disputed_minor, market.currency);
                        let left = Money::from_minor(
                            crate::corrections::left_of_bill(&mut tx, &bill).await?,
                            market.currency,
                        );
                        if let Some(request) = tarifa_core::correction::within_left(
                            tarifa_core::correction::CreditRequest::Amount(disputed),
                            left,
                        ) {
                            let note = crate::corrections::write_credit_note(
                                &mut tx,
                                &market,
                                &bill,
                                &request,
                                &format!("upheld complaint {handle}"),
                                Some(rules::CMP_3),
                                today,
                            )
                            .await?;
                            decision.because(
                                rules::CMP_3,
                                format!(
                                    "{} of bill {} is credited by credit note {}",
                                    note.total.trim_start_matches('-'),
                                    bill.number,
                                    note.number
                                ),
                            );
                        }
                    } else if row.disputed_minor > 0 {
                        // No bill to correct: the amount is credited on the next bill.
                        let credit = Money::from_minor(row.disputed_minor, market.currency);
                        tx.insert_charge(&charge_row(
                            &market,
                            Charge {
                                customer_id: row.customer_id,
                                contract_id: None,
                                on: today,
                                line: "credit",
                                category:
                                    tarifa_core::catalog::OneTimeCategory::OtherChargesCredits,
                                fee_kind: None,
                                amount: -credit,
                                rule: rules::CMP_3,
                                description: format!("credit for the upheld complaint {handle}"),
                                phrase: Phrase::new("line-complaint-credit")
                                    .text("complaint", handle.clone()),
                            },
                        ))
                        .await?;
                        decision.because(
                            rules::CMP_3,
                            format!("{credit} is credited on the next bill"),
                        );
                    }
                }
                Verdict::Rejected => {
                    row.status = ComplaintStatus::Rejected.to_string();
                    let appeal_by =
                        add_days(today, i64::from(market.rules.cmp_4.appeal_within_days));
                    row.appeal_by = Some(appeal_by.to_string());
                    decision.because(rules::CMP_3, "the complaint is rejected, with reasons");
                    decision.because(
                        rules::CMP_4,
                        format!("the subscriber may appeal to the regulator by {appeal_by}"),
                    );
                }
            }
            tx.update_complaint(&row, &today.to_string()).await?;
            if verdict == Verdict::Upheld {
                // CMP-5: the upheld amount is not owed; a line suspended for it comes back.
                self.restore_after_payment(&mut tx, &market, row.customer_id, today, &mut decision)
                    .await?;
            }
            let subject = match row.bill_id {
                Some(bill_id) => tx
                    .bills_of_customer(row.customer_id)
                    .await?
                    .into_iter()
                    .find(|b| b.id == bill_id)
                    .map(|b| b.number),
                None => None,
            }
            .unwrap_or_else(|| row.handle.clone().unwrap_or_else(|| row.id.to_string()));
            let (message, mut args) = match verdict {
                Verdict::Upheld => (
                    "complaint-upheld",
                    vec![(
                        "credit",
                        Arg::from(Money::from_minor(
                            row.disputed_minor.max(0),
                            market.currency,
                        )),
                    )],
                ),
                Verdict::Rejected => (
                    "complaint-rejected",
                    vec![(
                        "appeal_by",
                        date_arg(row.appeal_by.as_deref().unwrap_or_default()),
                    )],
                ),
            };
            args.push(("bill", Arg::from(subject)));
            notify(
                &mut tx,
                &market,
                Notice {
                    customer_id: row.customer_id,
                    contract_id: None,
                    on: today,
                    kind: "complaint_decision",
                    rules: &[rules::CMP_3, rules::NOT_3],
                    message,
                    args,
                },
            )
            .await?;
        }
        conclude(
            tx,
            ctx,
            &market,
            today,
            "complaint_decision",
            Some(format!("complaint:{complaint_id}")),
            Decided {
                decision,
                value: Some(()),
            },
        )
        .await
    }

    /// The subscriber appeals to the regulator (CMP-4).
    pub async fn appeal_complaint(&self, ctx: &Ctx, complaint_id: i64) -> Result<Decided<()>> {
        let mut tx = self.begin(ctx).await?;
        let mut row = tx
            .complaint(complaint_id)
            .await?
            .ok_or_else(|| AppError::not_found("complaint", complaint_id.to_string()))?;
        let market = self.market(&row.market)?.clone();
        let today = self.today(&market);
        let mut decision = Decision::approved();
        let state = status(&row)?;
        let undecided_late = state == ComplaintStatus::Pending && today.to_string() > row.decide_by;
        match &row.appeal_by {
            _ if state != ComplaintStatus::Rejected && !undecided_late => {
                decision.refuse(
                    rules::CMP_4,
                    format!(
                        "an appeal is possible once the complaint is rejected or not decided by {}; it is {}",
                        row.decide_by, row.status
                    ),
                );
            }
            Some(by) if today.to_string() > *by => {
                decision.refuse(
                    rules::CMP_4,
                    format!("the appeal had to reach the regulator by {by}"),
                );
            }
            _ => {
                let regulator_by = add_days(
                    today,
                    i64::from(market.rules.cmp_4.regulator_decides_within_days),
                );
                row.status = ComplaintStatus::Appealed.to_string();
                row.appealed_on = Some(today.to_string());
                row.regulator_by = Some(regulator_by.to_string());
                tx.update_complaint(&row, &today.to_string()).await?;
                decision.because(
                    rules::CMP_4,
                    format!("appealed to the regulator, who decides by {regulator_by}"),
                );
                decision.because(
                    rules::CMP_5,
                    "until the regulator's decision, outgoing traffic is suspended only if the undisputed amount is unpaid",
                );
            }
        }
        conclude(
            tx,
            ctx,
            &market,
            today,
            "appeal",
            Some(format!("complaint:{complaint_id}")),
            Decided {
                decision,
                value: Some(()),
            },
        )
        .await
    }

    /// The day's complaint deadlines (CMP-4): a complaint not decided in
    /// time opens the appeal to the regulator.
    pub(crate) async fn run_complaint_deadlines(
        &self,
        tx: &mut Tx,
        ctx: &Ctx,
        market: &Market,
        day: Date,
    ) -> Result<u32> {
        if !market.applies(rules::CMP_3) {
            return Ok(0);
        }
        let mut decisions = 0;
        for mut row in tx.complaints(&market.id).await? {
            if row.status != ComplaintStatus::Pending.as_str()
                || row.appeal_by.is_some()
                || day.to_string() <= row.decide_by
            {
                continue;
            }
            let decide_by = crate::convert::date("complaint deadline", &row.decide_by)?;
            let appeal_by = add_days(decide_by, i64::from(market.rules.cmp_4.appeal_within_days));
            row.appeal_by = Some(appeal_by.to_string());
            tx.update_complaint(&row, &day.to_string()).await?;
            let mut decision = Decision::new(Outcome::Pending);
            decision.because(
                rules::CMP_4,
                format!(
                    "not decided by {}: the subscriber may appeal to the regulator by {appeal_by}",
                    row.decide_by
                ),
            );
            record(
                tx,
                market,
                day,
                "complaint_deadline",
                Some(format!("complaint:{}", row.id)),
                &decision,
                ctx,
            )
            .await?;
            decisions += 1;
        }
        Ok(decisions)
    }
}
