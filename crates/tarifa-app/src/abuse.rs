//! Abuse (ABU-1…5): findings, suspensions and deadlines with the remedy they
//! wait for, permanent disconnection, and compensation within the
//! operator's liability.

use jiff::civil::Date;
use tarifa_core::abuse::{self, AbuseAction, AbuseKind, DamageCause, EarlierFinding};
use tarifa_core::catalog::OneTimeCategory;
use tarifa_core::contract::ContractStatus;
use tarifa_core::market::Market;
use tarifa_core::money::Money;
use tarifa_core::phrase::Phrase;
use tarifa_core::rule::{Decision, rules};
use tarifa_core::termination::{Grounds, TerminatedBy};
use tarifa_store::{AbuseRow, Tx};
use tarifa_texts::Arg;

use crate::charges::{Charge, charge_row};
use crate::outbox::{Notice, notify};
use crate::termination::Ending;
use crate::{App, AppError, Ctx, Decided, Result, conclude, record};

/// The cause recorded with a suspension for abuse.
const ABUSE: &str = "abuse";

impl App {
    /// Records a finding of abuse on a contract and takes the action the
    /// rules give. `remedy_days` is the time given to remedy over-use.
    pub async fn report_abuse(
        &self,
        ctx: &Ctx,
        contract_id: i64,
        kind: AbuseKind,
        remedy_days: Option<u32>,
    ) -> Result<Decided<()>> {
        let mut tx = self.begin(ctx).await?;
        let (row, market, today) = self.load_contract(&mut tx, contract_id).await?;
        let earlier = tx.abuse_cases(contract_id).await?;
        let earlier: Vec<EarlierFinding<'_>> = earlier
            .iter()
            .filter_map(|c| {
                c.kind.parse().ok().map(|kind| EarlierFinding {
                    kind,
                    action: c.action.as_str(),
                })
            })
            .collect();
        let (action, mut decision) = abuse::decide(&market, kind, &earlier, remedy_days, today);
        let live = crate::convert::is_live(&row);
        if !live {
            decision.refuse_plainly(format!("the contract is {}", row.status));
        }
        if decision.is_approved() {
            tx.insert_abuse(&AbuseRow {
                id: 0,
                contract_id,
                kind: kind.to_string(),
                found_on: today.to_string(),
                action: action.name().to_owned(),
                remedy_by: action.remedy_by().map(|d| d.to_string()),
                remedy_on: None,
                suspended_until: match action {
                    AbuseAction::Suspension { until, .. } => Some(until.to_string()),
                    _ => None,
                },
            })
            .await?;
            let mut args = vec![("number", Arg::from(row.number.as_str()))];
            let (notice_kind, message) = match action {
                AbuseAction::Warning => {
                    args.push((
                        "days",
                        Arg::from(i64::from(market.rules.abu_2.min_suspension_days)),
                    ));
                    ("abuse_warning", "abuse-warning")
                }
                AbuseAction::Deadline { remedy_by } => {
                    args.push(("remedy_by", Arg::from(remedy_by)));
                    ("abuse_deadline", "abuse-deadline")
                }
                AbuseAction::Suspension { until, remedy_by } => {
                    args.push(("until", Arg::from(until)));
                    args.push(("remedy_by", Arg::from(remedy_by)));
                    if row.status == ContractStatus::Active.as_str() {
                        tx.set_contract_status(
                            contract_id,
                            &row.status,
                            "suspended",
                            &today.to_string(),
                            None,
                        )
                        .await?;
                    }
                    // An abuse suspension outranks one for non-payment:
                    // paying does not lift it, the remedy does.
                    tx.set_suspension(contract_id, Some(&today.to_string()), Some(ABUSE))
                        .await?;
                    decision.absorb(
                        crate::promotions::after_deactivation(&mut tx, &market, contract_id, today)
                            .await?,
                    );
                    ("suspension", "abuse-suspension")
                }
                AbuseAction::Disconnection => {
                    let ended = self
                        .disconnect_for_abuse(&mut tx, contract_id, kind, today)
                        .await?;
                    decision.absorb(ended);
                    ("disconnection", "abuse-disconnection")
                }
            };
            notify(
                &mut tx,
                &market,
                Notice {
                    customer_id: row.customer_id,
                    contract_id: Some(contract_id),
                    on: today,
                    kind: notice_kind,
                    rules: &decision.rules.clone(),
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
            "abuse",
            Some(format!("contract:{contract_id}")),
            Decided {
                decision,
                value: Some(()),
            },
        )
        .await
    }

    /// Permanent disconnection (ABU-2, ABU-3, ABU-5): the contract ends for
    /// the subscriber's fault, with what TRM-5 claims on the final bill.
    async fn disconnect_for_abuse(
        &self,
        tx: &mut Tx,
        contract_id: i64,
        kind: AbuseKind,
        on: Date,
    ) -> Result<Decision> {
        let ending = Ending {
            by: TerminatedBy::Operator,
            grounds: Grounds::SubscriberFault(format!("abuse: {kind}")),
            status: ContractStatus::Disconnected,
            on,
        };
        let decision = self.end_contract(tx, contract_id, ending).await?;
        if decision.is_rejected() {
            // The finding was written in this transaction: undo it whole
            // rather than keep a disconnection that did not happen.
            return Err(AppError::Conflict(format!(
                "contract {contract_id} cannot be disconnected: {}",
                decision.reason_texts().join(" ")
            )));
        }
        Ok(decision)
    }

    /// The remedy an open finding waits for has come: the statement of no
    /// further abuse is signed, access is granted, or over-use is remedied.
    /// A suspension ends once its minimum has passed.
    pub async fn remedy_abuse(&self, ctx: &Ctx, contract_id: i64) -> Result<Decided<()>> {
        let mut tx = self.begin(ctx).await?;
        let (row, market, today) = self.load_contract(&mut tx, contract_id).await?;
        let open = tx
            .abuse_cases(contract_id)
            .await?
            .into_iter()
            .rfind(|c| c.remedy_by.is_some() && c.remedy_on.is_none());
        let mut decision = Decision::approved();
        match open {
            None => {
                decision.refuse(
                    rules::ABU_3,
                    "no finding of abuse on this contract awaits a remedy",
                );
            }
            Some(case) if !crate::convert::is_live(&row) => {
                decision.refuse(
                    rules::ABU_3,
                    format!(
                        "too late: the contract is {} since the remedy was due by {}",
                        row.status,
                        case.remedy_by.unwrap_or_default()
                    ),
                );
            }
            Some(case) => {
                tx.record_abuse_remedy(&case, &today.to_string()).await?;
                let (rule, what) = match case.kind.parse() {
                    Ok(AbuseKind::AccessRefused) => {
                        (rules::ABU_3, "access to fix the interference is granted")
                    }
                    Ok(AbuseKind::OverUse) => (rules::ABU_5, "the over-use is remedied"),
                    _ => (rules::ABU_3, "the statement of no further abuse is signed"),
                };
                decision.because(rule, what);
                if case.action == "suspension" {
                    let until = case.suspended_until.clone().unwrap_or_default();
                    if row.status == ContractStatus::Suspended.as_str()
                        && today.to_string() >= until
                    {
                        lift_suspension(&mut tx, contract_id, today).await?;
                        decision.because(rules::ABU_3, "outgoing traffic is restored");
                    } else {
                        decision.because(
                            rules::ABU_2,
                            format!("the suspension lasts until {until} at least"),
                        );
                    }
                }
            }
        }
        conclude(
            tx,
            ctx,
            &market,
            today,
            "abuse_remedy",
            Some(format!("contract:{contract_id}")),
            Decided {
                decision,
                value: Some(()),
            },
        )
        .await
    }

    /// The day's abuse jobs: a remedy missing after its deadline disconnects
    /// for good (ABU-3, ABU-5); a remedied suspension ends once its minimum
    /// has passed (ABU-2).
    pub(crate) async fn run_abuse(
        &self,
        tx: &mut Tx,
        ctx: &Ctx,
        market: &Market,
        day: Date,
    ) -> Result<u32> {
        if !market.applies(rules::ABU_3) && !market.applies(rules::ABU_5) {
            return Ok(0);
        }
        let mut decisions = 0;
        for case in tx
            .overdue_abuse_remedies(&market.id, &day.to_string())
            .await?
        {
            let Ok(kind) = case.kind.parse::<AbuseKind>() else {
                continue;
            };
            let Some(row) = tx.contract(case.contract_id).await? else {
                continue;
            };
            let due = case.remedy_by.clone().unwrap_or_default();
            let mut decision = Decision::approved();
            match kind {
                AbuseKind::AccessRefused => decision.because(
                    rules::ABU_3,
                    format!("access to fix the interference still refused after {due}: {} is disconnected for good", row.number),
                ),
                AbuseKind::OverUse => decision.because(
                    rules::ABU_5,
                    format!("over-use not remedied by {due}: {} is disconnected for good", row.number),
                ),
                _ => decision.because(
                    rules::ABU_3,
                    format!("no statement of no further abuse by {due}: {} is disconnected for good", row.number),
                ),
            };
            let ended = self.disconnect_for_abuse(tx, row.id, kind, day).await?;
            decision.absorb(ended);
            notify(
                tx,
                market,
                Notice {
                    customer_id: row.customer_id,
                    contract_id: Some(row.id),
                    on: day,
                    kind: "disconnection",
                    rules: &decision.rules.clone(),
                    message: "abuse-disconnection",
                    args: vec![("number", Arg::from(row.number.as_str()))],
                },
            )
            .await?;
            record(
                tx,
                market,
                day,
                "abuse",
                Some(format!("contract:{}", row.id)),
                &decision,
                ctx,
            )
            .await?;
            decisions += 1;
        }
        for case in tx
            .abuse_suspensions_to_lift(&market.id, &day.to_string())
            .await?
        {
            lift_suspension(tx, case.contract_id, day).await?;
            let mut decision = Decision::approved();
            decision.because(
                rules::ABU_2,
                format!(
                    "the suspension's minimum ended on {}: outgoing traffic is restored",
                    case.suspended_until.unwrap_or_default()
                ),
            );
            record(
                tx,
                market,
                day,
                "abuse",
                Some(format!("contract:{}", case.contract_id)),
                &decision,
                ctx,
            )
            .await?;
            decisions += 1;
        }
        Ok(decisions)
    }

    /// Compensation for damage the operator caused (ABU-4), as a credit on
    /// the next bill.
    pub async fn compensate(
        &self,
        ctx: &Ctx,
        contract_id: i64,
        cause: DamageCause,
        claimed: Money,
    ) -> Result<Decided<Money>> {
        let mut tx = self.begin(ctx).await?;
        let (row, market, today) = self.load_contract(&mut tx, contract_id).await?;
        let catalog = self.catalog(&mut tx, &market).await?;
        let fee = catalog
            .package(&row.package_id)
            .map_or(Money::zero(market.currency), |p| p.monthly_fee);
        let (granted, decision) = abuse::compensation(&market, cause, claimed, fee);
        if decision.is_approved() && granted.is_positive() {
            tx.insert_charge(&charge_row(
                &market,
                Charge {
                    customer_id: row.customer_id,
                    contract_id: Some(contract_id),
                    on: today,
                    line: "credit",
                    category: OneTimeCategory::OtherChargesCredits,
                    fee_kind: None,
                    amount: -granted,
                    rule: rules::ABU_4,
                    description: format!("compensation for damage, {}", row.number),
                    phrase: Phrase::new("line-damage-compensation")
                        .text("number", row.number.clone()),
                },
            ))
            .await?;
        }
        conclude(
            tx,
            ctx,
            &market,
            today,
            "compensation",
            Some(format!("contract:{contract_id}")),
            Decided {
                decision,
                value: Some(granted),
            },
        )
        .await
    }
}

async fn lift_suspension(tx: &mut Tx, contract_id: i64, today: Date) -> Result<()> {
    tx.set_contract_status(contract_id, "suspended", "active", &today.to_string(), None)
        .await?;
    tx.set_suspension(contract_id, None, None).await?;
    Ok(())
}
