//! The notice of each bill (BIL-1, BIL-6), made by the outbox from the bill
//! row after the bill is written (issue 17 item 3). A bill run writes bills
//! only; `insert_bills` marks each as awaiting its notice in the bill's own
//! transaction, and this pass takes the marked bills a batch at a time and
//! writes their notices in the transaction that takes them: each notice
//! exactly once, in the customer's language, on their channel.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use tarifa_core::market::Market;
use tarifa_core::money::Money;
use tarifa_core::rule::rules;
use tarifa_store::{BillNoticeDue, CustomerRow, NoticeRow};
use tarifa_texts::Arg;

use crate::corrections::CREDIT_NOTE;
use crate::outbox::{Notice, date_arg};
use crate::{App, AppError, Ctx, Result, convert};

/// Bills taken in one transaction.
const BATCH: i64 = 2_000;

impl App {
    /// Makes the notice of every bill still without one and returns how
    /// many it made. Runs when a requested bill run ends, after each day's
    /// bill run and before each delivery pass (which also catches the bills
    /// of a run stopped before its notices were made).
    pub async fn make_bill_notices(&self, ctx: &Ctx) -> Result<u64> {
        let markets = Arc::clone(&self.markets);
        if let Some(mut writer) = self.store().lean_writer(&ctx.actor)? {
            // A SQLite file: through the lean path, on a thread of its own.
            let clock = self.clock.clone();
            return tokio::task::spawn_blocking(move || -> Result<u64> {
                let mut made = 0;
                loop {
                    let mut tx = writer.begin(&clock.now().to_string())?;
                    let due = tx.take_bill_notices_due(BATCH)?;
                    if due.is_empty() {
                        return Ok(made);
                    }
                    let owners = tx.customers_in(&customers(&due))?;
                    let notices = notices_of(&markets, &due, owners)?;
                    tx.insert_notices(&notices)?;
                    tx.commit()?;
                    made += u64::try_from(notices.len()).unwrap_or(0);
                }
            })
            .await
            .map_err(|e| AppError::Conflict(format!("making bill notices stopped: {e}")))?;
        }
        let mut made = 0;
        loop {
            let mut tx = self.begin(ctx).await?;
            let due = tx.take_bill_notices_due(BATCH).await?;
            if due.is_empty() {
                tx.rollback().await?;
                return Ok(made);
            }
            let owners = tx.customers_in(&customers(&due)).await?;
            let notices = notices_of(&markets, &due, owners)?;
            tx.insert_notices(&notices).await?;
            tx.commit().await?;
            made += u64::try_from(notices.len()).unwrap_or(0);
        }
    }
}

/// Makes the notice of bill `number`, issued on its own in `tx` (a
/// separate bill, TRM-3), in that same transaction: one bill needs no batch.
pub(crate) async fn notice_of_bill(
    tx: &mut tarifa_store::Tx,
    market: &Market,
    number: &str,
) -> Result<()> {
    let Some(bill) = tx.take_bill_notice_due(number).await? else {
        return Ok(());
    };
    if let Some(owner) = tx.customer(bill.customer_id).await? {
        tx.insert_notice(&bill_notice(market, &owner, &bill)?)
            .await?;
    }
    Ok(())
}

/// The customers the bills are addressed to.
fn customers(due: &[BillNoticeDue]) -> Vec<i64> {
    due.iter().map(|b| b.customer_id).collect()
}

/// The notice of each bill to its customer (`owners`: the rows of the bills'
/// customers; a bill of a customer not there gets none).
fn notices_of(
    markets: &BTreeMap<String, Arc<Market>>,
    due: &[BillNoticeDue],
    owners: Vec<CustomerRow>,
) -> Result<Vec<NoticeRow>> {
    let owners: HashMap<i64, CustomerRow> = owners.into_iter().map(|c| (c.id, c)).collect();
    let mut notices = Vec::with_capacity(due.len());
    for bill in due {
        let market = markets.get(&bill.market).ok_or_else(|| {
            AppError::UnknownMarket(
                bill.market.clone(),
                markets.keys().cloned().collect::<Vec<_>>().join(", "),
            )
        })?;
        if let Some(owner) = owners.get(&bill.customer_id) {
            notices.push(bill_notice(market, owner, bill)?);
        }
    }
    Ok(notices)
}

/// The notice that a bill is issued (BIL-6: delivered on the customer's channel).
fn bill_notice(market: &Market, owner: &CustomerRow, bill: &BillNoticeDue) -> Result<NoticeRow> {
    let due = Money::from_minor(bill.total_due_minor, market.currency);
    let mut args = vec![
        ("bill", Arg::from(bill.number.as_str())),
        ("from", date_arg(&bill.period_from)),
        ("to", date_arg(&bill.period_to)),
    ];
    let credit_note = bill.kind == CREDIT_NOTE;
    if credit_note {
        let credited = Money::from_minor(-bill.total_minor, market.currency);
        args.push(("credited", Arg::from(credited)));
    }
    let message = match (credit_note, due.is_positive()) {
        (false, true) => {
            args.push(("total_due", Arg::from(due)));
            args.push(("due_on", date_arg(&bill.due_on)));
            "bill-issued"
        }
        (false, false) => {
            args.push(("credit", Arg::from(-due)));
            "bill-issued-nothing-due"
        }
        (true, true) => {
            args.push(("total_due", Arg::from(due)));
            "credit-note-issued"
        }
        (true, false) => {
            args.push(("credit", Arg::from(-due)));
            "credit-note-issued-nothing-due"
        }
    };
    // A credit note is no monthly bill (BIL-1); it goes where bills go (BIL-6).
    let cited: &[tarifa_core::rule::RuleId] = match (credit_note, market.applies(rules::BIL_6)) {
        (false, true) => &[rules::BIL_1, rules::BIL_6],
        (false, false) => &[rules::BIL_1],
        (true, true) => &[rules::BIL_6],
        (true, false) => &[],
    };
    crate::outbox::render(
        market,
        owner,
        Notice {
            customer_id: owner.id,
            contract_id: None,
            on: convert::date("issue date", &bill.issued_on)?,
            kind: if credit_note { CREDIT_NOTE } else { "bill" },
            rules: cited,
            message,
            args,
        },
    )
}
