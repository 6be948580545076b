//! Dunning (DUN-1…6): an unpaid bill is reminded when it falls due, outgoing
//! traffic of the services the market names is suspended when it is still
//! unpaid after the grace days (emergency and customer-centre numbers stay
//! open, USE-2), paying within the window restores it with the reconnection
//! fee, and still unpaid after the window the number is permanently
//! disconnected and the contract ends. Fees and instalments go on being
//! billed while suspended (DUN-5: the bill run bills suspended contracts).
//! Every step is a decision citing its rule and a notice (DUN-6).

use std::collections::HashMap;

use jiff::civil::Date;
use tarifa_core::catalog::OneTimeCategory;
use tarifa_core::complaint::{ComplaintStatus, DunnedBill, UpheldCredit};
use tarifa_core::contract::ContractStatus;
use tarifa_core::ledger;
use tarifa_core::market::Market;
use tarifa_core::money::Money;
use tarifa_core::phrase::Phrase;
use tarifa_core::rule::{Decision, rules};
use tarifa_core::termination::{Grounds, TerminatedBy};
use tarifa_core::time::add_days;
use tarifa_store::{BillRow, ComplaintRow, CorrectionRow, Tx};
use tarifa_texts::Arg;

use crate::charges::{Charge, charge_row};
use crate::outbox::{Notice, date_arg, notify};
use crate::termination::Ending;
use crate::{App, AppError, Ctx, Result, record};

/// The cause recorded with a suspension for non-payment.
const DUNNING: &str = "dunning";

/// A customer's bills with what is still open on each (oldest first).
struct Account {
    customer_id: i64,
    open: Vec<(BillRow, Money)>,
    /// Amounts disputed by open complaints, by bill (CMP-5).
    disputed: HashMap<i64, i64>,
}

impl Account {
    /// The oldest bill still open after `days` past its due date on `day`.
    fn overdue(&self, day: Date, days: u32) -> Option<&(BillRow, Money)> {
        self.open.iter().find(|(bill, open)| {
            // CMP-5: while a complaint is open, only the undisputed part counts.
            let owed = open.minor() - self.disputed.get(&bill.id).copied().unwrap_or(0);
            owed > 0
                && bill
                    .due_on
                    .parse::<Date>()
                    .is_ok_and(|due| day > add_days(due, i64::from(days)))
        })
    }
}

/// The oldest bill of a customer past its due date with money open (CON-7,
/// CON-9): its number and what is open.
pub(crate) async fn overdue_bill(
    tx: &mut Tx,
    market: &Market,
    customer_id: i64,
    day: Date,
) -> Result<Option<(String, Money)>> {
    Ok(account(tx, market, customer_id).await?.and_then(|a| {
        a.overdue(day, 0)
            .map(|(bill, open)| (bill.number.clone(), *open))
    }))
}

/// One customer's account: only that customer's records are read, since
/// this runs at every signing (CON-7) and every payment (DUN-3).
async fn account(tx: &mut Tx, market: &Market, customer_id: i64) -> Result<Option<Account>> {
    let bills = tx.bills_of_customer(customer_id).await?;
    let paid = HashMap::from([(customer_id, tx.paid_by_customer(customer_id).await?)]);
    let complaints = tx.complaints_of_customer(customer_id).await?;
    let corrections = tx.corrections(None, Some(customer_id)).await?;
    Ok(
        build_accounts(market, bills, paid, complaints, &corrections)
            .into_iter()
            .find(|a| a.customer_id == customer_id),
    )
}

impl crate::App {
    /// A customer's oldest bill past its due date with money open, amounts
    /// under a pending complaint aside (CMP-1): what the API shows as
    /// `overdue` and CON-7 refuses on.
    pub async fn overdue_bill(
        &self,
        tx: &mut Tx,
        market: &Market,
        customer_id: i64,
        day: Date,
    ) -> Result<Option<(String, Money)>> {
        overdue_bill(tx, market, customer_id, day).await
    }
}

/// Every account of a market with bills, and what is open on them.
async fn accounts(tx: &mut Tx, market: &Market) -> Result<Vec<Account>> {
    let bills = tx.bills(&market.id).await?;
    let paid = tx
        .paid_by_customers(&market.id)
        .await?
        .into_iter()
        .collect();
    let complaints = tx.complaints(&market.id).await?;
    let corrections = tx.corrections(Some(&market.id), None).await?;
    Ok(build_accounts(
        market,
        bills,
        paid,
        complaints,
        &corrections,
    ))
}

/// Accounts from bills, what each customer paid in all, complaints, and the
/// credit notes that correct bills (each lowers the bill it corrects).
fn build_accounts(
    market: &Market,
    all_bills: Vec<BillRow>,
    paid: HashMap<i64, i64>,
    complaints: Vec<ComplaintRow>,
    corrections: &[CorrectionRow],
) -> Vec<Account> {
    // An upheld complaint corrected by a credit note (CMP-3) needs no
    // setting aside: the credit note lowers the bill complained about.
    let corrected_for_complaint: std::collections::HashSet<i64> = corrections
        .iter()
        .filter(|c| c.rule.as_deref() == Some(rules::CMP_3.to_string().as_str()))
        .map(|c| c.bill_id)
        .collect();
    let corrects: HashMap<i64, i64> = corrections
        .iter()
        .map(|c| (c.credit_note_id, c.bill_id))
        .collect();
    let mut bills: HashMap<i64, Vec<BillRow>> = HashMap::new();
    for bill in all_bills {
        bills.entry(bill.customer_id).or_default().push(bill);
    }
    let mut disputed: HashMap<i64, HashMap<i64, i64>> = HashMap::new();
    let mut upheld: HashMap<i64, Vec<UpheldCredit>> = HashMap::new();
    for complaint in complaints {
        let status = complaint
            .status
            .parse::<tarifa_core::complaint::ComplaintStatus>()
            .ok();
        let open = status.is_some_and(|s| s.is_open());
        if let (Some(ComplaintStatus::Upheld), Some(bill), Some(decided)) =
            (status, complaint.bill_id, complaint.decided_on.as_deref())
            && complaint.disputed_minor > 0
            && !corrected_for_complaint.contains(&bill)
        {
            upheld
                .entry(complaint.customer_id)
                .or_default()
                .push(UpheldCredit {
                    disputed_bill: bill,
                    credited_in: decided.get(..7).unwrap_or_default().to_owned(),
                    amount_minor: complaint.disputed_minor,
                });
        }
        if let (true, Some(bill)) = (open, complaint.bill_id) {
            *disputed
                .entry(complaint.customer_id)
                .or_default()
                .entry(bill)
                .or_default() += complaint.disputed_minor;
        }
    }
    let mut out = Vec::with_capacity(bills.len());
    for (customer_id, bills) in bills {
        let mut totals: Vec<(i64, i64)> = bills.iter().map(|b| (b.id, b.total_minor)).collect();
        let dunned: Vec<DunnedBill<'_>> = bills
            .iter()
            .map(|b| DunnedBill {
                id: b.id,
                period: &b.period,
                monthly: b.kind == "monthly",
            })
            .collect();
        for credit in upheld.remove(&customer_id).unwrap_or_default() {
            credit.set_aside(&dunned, &mut totals);
        }
        let mut amounts: Vec<(i64, Money)> = totals
            .into_iter()
            .map(|(id, total)| (id, Money::from_minor(total, market.currency)))
            .collect();
        let links: Vec<(i64, i64)> = bills
            .iter()
            .filter_map(|b| corrects.get(&b.id).map(|bill| (b.id, *bill)))
            .collect();
        tarifa_core::correction::net_onto_corrected(&mut amounts, &links);
        let credit = Money::from_minor(
            paid.get(&customer_id).copied().unwrap_or(0),
            market.currency,
        );
        let (open, _) = ledger::allocate_oldest_first(&amounts, credit);
        out.push(Account {
            customer_id,
            open: bills
                .into_iter()
                .zip(open)
                .map(|(b, (_, o))| (b, o))
                .collect(),
            disputed: disputed.remove(&customer_id).unwrap_or_default(),
        });
    }
    out.sort_by_key(|a| a.customer_id);
    out
}

impl App {
    /// The day's dunning steps for a market, in the day's transaction.
    pub(crate) async fn run_dunning(
        &self,
        tx: &mut Tx,
        ctx: &Ctx,
        market: &Market,
        day: Date,
    ) -> Result<u32> {
        if !market.applies(rules::DUN_1) && !market.applies(rules::DUN_2) {
            return Ok(0);
        }
        let catalog = self.catalog(tx, market).await?;
        let grace = market.rules.dun_2.suspend_after_days;
        let window = i64::from(market.rules.dun_3.pay_window_days);
        let mut decisions = 0;
        for account in accounts(tx, market).await? {
            // DUN-6: the debt has arisen: the deadlines and sanctions, by e-mail.
            if let Some((bill, open)) = account.overdue(day, 0)
                && tx
                    .take_dunning_step(bill.id, "reminder", &day.to_string())
                    .await?
            {
                let deadline = bill
                    .due_on
                    .parse::<Date>()
                    .map(|d| add_days(d, i64::from(grace)))
                    .ok();
                notify(
                    tx,
                    market,
                    Notice {
                        customer_id: account.customer_id,
                        contract_id: None,
                        on: day,
                        kind: "dunning",
                        rules: &[rules::DUN_6, rules::DUN_1],
                        message: "dunning",
                        args: vec![
                            ("bill", Arg::from(bill.number.as_str())),
                            ("due_on", date_arg(&bill.due_on)),
                            ("open", Arg::from(*open)),
                            (
                                "deadline",
                                deadline.map_or_else(|| Arg::from(""), Arg::from),
                            ),
                            ("window", Arg::from(window)),
                        ],
                    },
                )
                .await?;
            }
            let contracts = tx.contracts_of_customer(account.customer_id).await?;
            // DUN-2: still unpaid after the grace days: suspend the named services.
            if market.applies(rules::DUN_2)
                && let Some((bill, open)) = account.overdue(day, grace)
            {
                for row in contracts
                    .iter()
                    .filter(|c| c.status == ContractStatus::Active.as_str())
                {
                    let service = catalog
                        .package(&row.package_id)
                        .map(|p| p.service.as_str())
                        .unwrap_or("");
                    if !market.rules.dun_2.services.iter().any(|s| s == service) {
                        continue;
                    }
                    tx.set_contract_status(row.id, "active", "suspended", &day.to_string(), None)
                        .await?;
                    tx.set_suspension(row.id, Some(&day.to_string()), Some(DUNNING))
                        .await?;
                    let mut decision = Decision::approved();
                    let promotion =
                        crate::promotions::after_deactivation(tx, market, row.id, day).await?;
                    decision.because(
                            rules::DUN_2,
                            format!(
                                "bill {} ({open} open) unpaid {grace} days after its due date {}: outgoing traffic of {} suspended",
                                bill.number, bill.due_on, row.number
                            ),
                        );
                    decision.because(
                        rules::USE_2,
                        "emergency and customer-centre numbers stay open",
                    );
                    decision.because(
                            rules::DUN_3,
                            format!("paying within {window} days restores service, with the reconnection fee"),
                        );
                    decision.because(
                        rules::DUN_5,
                        "the monthly fee and instalments go on being billed",
                    );
                    decision.absorb(promotion);
                    record(
                        tx,
                        market,
                        day,
                        "dunning",
                        Some(format!("contract:{}", row.id)),
                        &decision,
                        ctx,
                    )
                    .await?;
                    notify(
                        tx,
                        market,
                        Notice {
                            customer_id: account.customer_id,
                            contract_id: Some(row.id),
                            on: day,
                            kind: "suspension",
                            rules: &[rules::DUN_2, rules::DUN_6],
                            message: "suspension-unpaid",
                            args: vec![
                                ("number", Arg::from(row.number.as_str())),
                                ("bill", Arg::from(bill.number.as_str())),
                                ("window", Arg::from(window)),
                            ],
                        },
                    )
                    .await?;
                    decisions += 1;
                }
            }
            // DUN-4: still unpaid when the window closes: permanent disconnection.
            if market.applies(rules::DUN_4) && account.overdue(day, grace).is_some() {
                for row in contracts.iter().filter(|c| {
                    c.status == ContractStatus::Suspended.as_str()
                        && c.suspension_cause.as_deref() == Some(DUNNING)
                }) {
                    let Some(since) = row
                        .suspended_on
                        .as_deref()
                        .and_then(|d| d.parse::<Date>().ok())
                    else {
                        continue;
                    };
                    if day <= add_days(since, window) {
                        continue;
                    }
                    let mut decision = Decision::approved();
                    decision.because(
                        rules::DUN_4,
                        format!(
                            "unpaid {window} days after the suspension on {since}: {} is permanently disconnected and the contract ends",
                            row.number
                        ),
                    );
                    // Ended for the subscriber's fault, as any other
                    // termination: TRM-5 claims the discounts in a commitment.
                    let ending = Ending {
                        by: TerminatedBy::Operator,
                        grounds: Grounds::SubscriberFault("non-payment".into()),
                        status: ContractStatus::Disconnected,
                        on: day,
                    };
                    let ended = self.end_contract(tx, row.id, ending).await?;
                    if ended.is_rejected() {
                        return Err(AppError::Conflict(format!(
                            "contract {} cannot be disconnected: {}",
                            row.id,
                            ended.reason_texts().join(" ")
                        )));
                    }
                    decision.absorb(ended);
                    record(
                        tx,
                        market,
                        day,
                        "dunning",
                        Some(format!("contract:{}", row.id)),
                        &decision,
                        ctx,
                    )
                    .await?;
                    notify(
                        tx,
                        market,
                        Notice {
                            customer_id: account.customer_id,
                            contract_id: Some(row.id),
                            on: day,
                            kind: "disconnection",
                            rules: &[rules::DUN_4, rules::DUN_6],
                            message: "disconnection-unpaid",
                            args: vec![("number", Arg::from(row.number.as_str()))],
                        },
                    )
                    .await?;
                    decisions += 1;
                }
            }
        }
        Ok(decisions)
    }

    /// After a payment: when nothing is overdue any more, service suspended
    /// for non-payment comes back, with the reconnection fee (DUN-3).
    pub(crate) async fn restore_after_payment(
        &self,
        tx: &mut Tx,
        market: &Market,
        customer_id: i64,
        day: Date,
        decision: &mut Decision,
    ) -> Result<()> {
        let grace = market.rules.dun_2.suspend_after_days;
        let still_overdue = account(tx, market, customer_id)
            .await?
            .is_some_and(|a| a.overdue(day, grace).is_some());
        if still_overdue {
            return Ok(());
        }
        let catalog = self.catalog(tx, market).await?;
        for row in tx.contracts_of_customer(customer_id).await? {
            if row.status != ContractStatus::Suspended.as_str()
                || row.suspension_cause.as_deref() != Some(DUNNING)
            {
                continue;
            }
            tx.set_contract_status(row.id, "suspended", "active", &day.to_string(), None)
                .await?;
            tx.set_suspension(row.id, None, None).await?;
            decision.because(
                rules::DUN_3,
                format!(
                    "the debt is settled: outgoing traffic of {} is restored",
                    row.number
                ),
            );
            if let Some(fee) = catalog.fee("reconnection") {
                tx.insert_charge(&charge_row(
                    market,
                    Charge {
                        customer_id,
                        contract_id: Some(row.id),
                        on: day,
                        line: "fee",
                        category: OneTimeCategory::ReconnectionAfterSettledDebt,
                        fee_kind: Some("reconnection"),
                        amount: fee,
                        rule: rules::DUN_3,
                        description: format!("reconnection after settled debt, {}", row.number),
                        phrase: Phrase::new("line-reconnection").text("number", row.number.clone()),
                    },
                ))
                .await?;
                decision.because(
                    rules::DUN_3,
                    format!("the reconnection fee of {fee} goes on the next bill"),
                );
            }
            notify(
                tx,
                market,
                Notice {
                    customer_id,
                    contract_id: Some(row.id),
                    on: day,
                    kind: "reconnection",
                    rules: &[rules::DUN_3],
                    message: "reconnection",
                    args: vec![("number", Arg::from(row.number.as_str()))],
                },
            )
            .await?;
        }
        Ok(())
    }
}
