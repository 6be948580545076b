//! The monthly bill run (BIL-1…5), payments, and balances from the ledger.
//!
//! A bill run first reads what crosses accounts or is rare (transfers of
//! ownership, late usage, pending charges, promotions, interruptions), then
//! the market a range of customers at a time (contracts, package history,
//! usage totals, balances: `AccountsRange`). It computes each account's bill
//! in the core and writes bills in batches, each batch one transaction with
//! its bill numbers; reading, drafting and writing overlap. An account already
//! billed for the period is skipped, so a run that was interrupted, or is
//! run twice, issues each bill exactly once.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use tarifa_core::bill::InterruptionCause;
pub use tarifa_core::promotion;

use jiff::civil::Date;
use tarifa_core::bill::{
    self, BillDraft, BillLine, ContractPeriod, LineKind, PackagePeriod, VatAssignment,
};
use tarifa_core::catalog::{Catalog, OneTimeCategory};
use tarifa_core::contract::Contract;
use tarifa_core::ledger;
use tarifa_core::market::Market;
use tarifa_core::money::Money;
use tarifa_core::phrase::Phrase;
use tarifa_core::rating::{BucketTotal, holder_late_charges};
use tarifa_core::rule::{Decision, rules};
use tarifa_core::time::add_months;
use tarifa_core::transfer::{Transfer, holder_on, holders_between, last_within};
use tarifa_core::usage::Bucket;
use tarifa_store::{
    AccountsRange, BillRow, BodyLine, ChargeRow, CustomerRow, EncodedBody, NewBill, NewEntry,
    PaymentRow, StoreError, UsageBilled,
};

use crate::charges::{Charge, charge_row};
use crate::{App, AppError, Ctx, Decided, Result, conclude, convert};

/// How a bill run writes.
#[derive(Clone, Debug)]
pub struct BillRunOptions {
    /// Bills per transaction.
    pub batch_size: usize,
    /// A pause after each batch: lets tests interrupt a run half-way.
    pub pause_between_batches: Option<std::time::Duration>,
    /// Told how far the run is after each batch (the console's progress bar).
    pub progress: Option<tokio::sync::watch::Sender<BillRunProgress>>,
}

impl Default for BillRunOptions {
    fn default() -> Self {
        Self {
            batch_size: 5_000,
            pause_between_batches: None,
            progress: None,
        }
    }
}

/// How far a bill run is: the accounts it bills, and the bills written so
/// far (accounts billed by an earlier run are not counted).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BillRunProgress {
    pub accounts: u64,
    pub issued: u64,
    pub total_minor: i64,
}

/// What a bill run did.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct BillRunSummary {
    pub market: String,
    pub period: String,
    pub issued: u64,
    /// Accounts billed for the period before this run (a re-run skips them).
    pub already_billed: u64,
    pub total_minor: i64,
}

impl BillRunSummary {
    /// Counts a batch of bills written.
    fn add(&mut self, bills: &[NewBill]) {
        self.issued += u64::try_from(bills.len()).unwrap_or(0);
        self.total_minor += bills.iter().map(|b| b.bill.total_minor).sum::<i64>();
    }
}

/// A contract-month that received usage after it was billed:
/// (contract, month, all its totals now, the totals billed before).
/// Usage of a month that reaches a bill after the month was billed, or that
/// a transfer in the month splits between two holders (CON-9: each pays for
/// what happened while it held the number, whenever the record arrived).
struct LateUsage {
    contract: i64,
    month: String,
    /// The totals to charge up to, and what was billed of them.
    all: Vec<BucketTotal>,
    billed: Vec<BucketTotal>,
    /// For the holder after a transfer in the month: the assignor's part
    /// (the records before the transfer, and what was billed of them), which
    /// is charged to the assignor, not here.
    assignors_part: Option<(Vec<BucketTotal>, Vec<BucketTotal>)>,
    /// What the month's snapshot becomes; `None` when another bill writes it.
    snapshot: Option<UsageBilled>,
    /// For the assignor's part: the day the number passed to its new holder.
    transferred_on: Option<Date>,
}

/// Totals of a contract's records of a month made before `day`: the
/// assignor's part of a month with a transfer in it.
async fn totals_before(
    tx: &mut tarifa_store::Tx,
    contract_id: i64,
    period: &str,
    day: Date,
) -> Result<Vec<BucketTotal>> {
    let day = day.to_string();
    let mut totals: Vec<BucketTotal> = Vec::new();
    for record in tx.usage_records(contract_id, period).await? {
        if record.at.as_str() >= day.as_str() {
            continue;
        }
        let bucket = Bucket::parse(&record.bucket).ok_or_else(|| StoreError::Corrupt {
            what: "usage class",
            detail: record.bucket.clone(),
        })?;
        let quantity = u64::try_from(record.quantity).unwrap_or(0);
        let units = u64::try_from(record.units).unwrap_or(0);
        match totals.iter_mut().find(|t| t.bucket == bucket) {
            Some(t) => {
                t.records += 1;
                t.quantity += quantity;
                t.units += units;
            }
            None => totals.push(BucketTotal {
                bucket,
                records: 1,
                quantity,
                units,
            }),
        }
    }
    Ok(totals)
}

/// Usage totals rows grouped by contract.
fn totals_by_contract(
    rows: Vec<tarifa_store::UsageTotalRow>,
) -> Result<HashMap<i64, Vec<BucketTotal>>> {
    let mut by_contract: HashMap<i64, Vec<BucketTotal>> = HashMap::new();
    for row in rows {
        let bucket = Bucket::parse(&row.bucket).ok_or_else(|| StoreError::Corrupt {
            what: "usage class",
            detail: row.bucket.clone(),
        })?;
        by_contract
            .entry(row.contract_id)
            .or_default()
            .push(BucketTotal {
                bucket,
                records: u64::try_from(row.records).unwrap_or(0),
                quantity: u64::try_from(row.quantity).unwrap_or(0),
                units: u64::try_from(row.units).unwrap_or(0),
            });
    }
    Ok(by_contract)
}

/// Totals as a bill took them: `{"voice.national": [records, quantity, units], …}`.
fn to_snapshot(totals: &[BucketTotal]) -> String {
    let map: BTreeMap<String, [u64; 3]> = totals
        .iter()
        .map(|t| (t.bucket.code(), [t.records, t.quantity, t.units]))
        .collect();
    serde_json::to_string(&map).unwrap_or_else(|_| "{}".into())
}

fn from_snapshot(text: &str) -> Result<Vec<BucketTotal>> {
    let map: BTreeMap<String, [u64; 3]> =
        serde_json::from_str(text).map_err(|e| StoreError::Corrupt {
            what: "billed usage snapshot",
            detail: e.to_string(),
        })?;
    map.into_iter()
        .map(|(code, [records, quantity, units])| {
            let bucket = Bucket::parse(&code).ok_or_else(|| StoreError::Corrupt {
                what: "usage class",
                detail: code.clone(),
            })?;
            Ok(BucketTotal {
                bucket,
                records,
                quantity,
                units,
            })
        })
        .collect()
}

fn same_totals(a: &[BucketTotal], b: &[BucketTotal]) -> bool {
    let key = |totals: &[BucketTotal]| {
        let mut v: Vec<(Bucket, u64, u64, u64)> = totals
            .iter()
            .map(|t| (t.bucket, t.records, t.quantity, t.units))
            .collect();
        v.sort();
        v
    };
    key(a) == key(b)
}

/// What a bill is, besides its draft.
struct BillHeader<'a> {
    market: &'a Market,
    number: String,
    kind: &'a str,
    customer_id: i64,
    period: &'a str,
    issued_on: Date,
    due_on: Date,
    /// The customer's balance before this bill (+ owed, − credit).
    previous: i64,
}

/// A drafted bill as the store writes it, with its ledger transfer.
fn to_new_bill(
    header: BillHeader<'_>,
    draft: &BillDraft,
    body: EncodedBody,
    charge_ids: Vec<i64>,
    usage_billed: Vec<UsageBilled>,
) -> NewBill {
    let transfer = ledger::bill_transfer(header.customer_id, draft);
    NewBill {
        bill: BillRow {
            id: 0,
            market: header.market.id.clone(),
            number: header.number,
            kind: header.kind.to_owned(),
            customer_id: header.customer_id,
            period: header.period.to_owned(),
            period_from: draft.from.to_string(),
            period_to: draft.to.to_string(),
            issued_on: header.issued_on.to_string(),
            due_on: header.due_on.to_string(),
            total_minor: draft.total.minor(),
            vat_minor: draft.vat_total.minor(),
            previous_balance_minor: header.previous,
            total_due_minor: header.previous + draft.total.minor(),
            // Not written: the body holds it.
            detail: String::new(),
            transfer_id: 0,
        },
        body,
        entries: transfer
            .entries
            .iter()
            .map(|e| NewEntry {
                account: e.account.clone(),
                amount_minor: e.amount.minor(),
            })
            .collect(),
        charge_ids,
        usage_billed,
        reported_to: header
            .market
            .einvoice
            .as_ref()
            .map(|e| e.authority.as_str()),
    }
}

/// The number of a market's bill: `ME-2026-0000042`.
fn bill_number(market: &Market, year: i64, sequence: i64) -> String {
    format!("{}-{year}-{sequence:07}", market.id.to_uppercase())
}

impl App {
    /// Issues a bill of its own for queued charges (TRM-3 puts the downgrade
    /// fee on a separate bill): numbered from the market's sequence, with its
    /// ledger transfer; returns its number.
    pub(crate) async fn issue_separate_bill(
        &self,
        tx: &mut tarifa_store::Tx,
        market: &Market,
        customer_id: i64,
        charges: &[ChargeRow],
        on: Date,
    ) -> Result<String> {
        let lines = charges
            .iter()
            .map(|c| charge_line(market, c))
            .collect::<Result<Vec<_>>>()?;
        let mut draft = bill::draft(market, on.first_of_month(), &[], lines)
            .map_err(|e| too_large(customer_id, &e))?;
        draft.from = on;
        draft.to = on;
        let ids = charges.iter().map(|c| c.id).collect();
        self.write_separate_bill(tx, market, customer_id, draft, ids, Vec::new(), on)
            .await
    }

    /// Bills a contract's month so far to its owner on a bill of its own
    /// (CON-9: the assignor pays up to the day of assignment), marking the
    /// usage it took as billed; returns the bill's number, if there was
    /// anything to bill.
    pub(crate) async fn bill_month_so_far(
        &self,
        tx: &mut tarifa_store::Tx,
        market: &Market,
        contract: &Contract,
        on: Date,
    ) -> Result<Option<String>> {
        let month_start = on.first_of_month();
        let period = period_code(month_start);
        let Some(to) = on.yesterday().ok().filter(|y| *y >= month_start) else {
            return Ok(None);
        };
        let Some((from, to)) = overlaps(contract, month_start, to) else {
            return Ok(None);
        };
        let Some((draft, used)) = self
            .draft_month_so_far(tx, market, contract, month_start, from, to)
            .await?
        else {
            return Ok(None);
        };
        // The assignor's part of the month, should a record of its days come later.
        let usage_billed = vec![UsageBilled {
            contract_id: contract.id,
            period: period.clone(),
            snapshot: Some(to_snapshot(&used)),
            before_transfer: Some(to_snapshot(&used)),
            assignee_base: Some(to_snapshot(&used)),
        }];
        let number = self
            .write_separate_bill(
                tx,
                market,
                contract.customer_id,
                draft,
                Vec::new(),
                usage_billed,
                on,
            )
            .await?;
        Ok(Some(number))
    }

    /// A contract's bill for `from`–`to` of the month starting `month_start`
    /// as the bill run would draft it, with the usage it took; `None` when
    /// the contract had no package those days.
    async fn draft_month_so_far(
        &self,
        tx: &mut tarifa_store::Tx,
        market: &Market,
        contract: &Contract,
        month_start: Date,
        from: Date,
        to: Date,
    ) -> Result<Option<(BillDraft, Vec<BucketTotal>)>> {
        let period = period_code(month_start);
        let used = totals_by_contract(tx.contract_usage_totals(contract.id, &period).await?)?
            .remove(&contract.id)
            .unwrap_or_default();
        let interruptions = contract_interruptions(tx, contract.id).await?;
        Ok(self
            .draft_contract_days(
                tx,
                market,
                contract,
                (month_start, from, to),
                used.clone(),
                interruptions,
            )
            .await?
            .map(|draft| (draft, used)))
    }

    /// A contract's part of a bill for `from`–`to` of the month starting
    /// `month_start`, with the usage and interruptions given; `None` when
    /// the contract had no package those days.
    async fn draft_contract_days(
        &self,
        tx: &mut tarifa_store::Tx,
        market: &Market,
        contract: &Contract,
        (month_start, from, to): (Date, Date, Date),
        used: Vec<BucketTotal>,
        interruptions: Vec<(Date, Date)>,
    ) -> Result<Option<BillDraft>> {
        let catalog = self.catalog(tx, market).await?;
        let prices = price_history(tx, market).await?;
        let history: Vec<(Date, String)> = tx
            .package_history(contract.id)
            .await?
            .into_iter()
            .map(|p| {
                Ok((
                    convert::date("package period", &p.valid_from)?,
                    p.package_id,
                ))
            })
            .collect::<Result<_>>()?;
        let periods = package_periods(&catalog, &prices, &history, from, to)?;
        let Some(last) = periods.last() else {
            return Ok(None);
        };
        let package = last.package;
        let promotion = crate::promotions::current(tx, market, contract.id).await?;
        let (allowances, fee_discount) = promotion::period_terms(
            promotion.as_ref().map(|h| &h.promotion),
            &catalog,
            package,
            month_start.last_of_month(),
        );
        let part = ContractPeriod {
            contract_id: contract.id,
            number: contract.number.clone(),
            allowances,
            fee_discount,
            rates: &package.rates,
            usage: used,
            interruptions,
            packages: periods,
        };
        Ok(Some(
            bill::draft(market, month_start, &[part], Vec::new())
                .map_err(|e| too_large(contract.customer_id, &e))?,
        ))
    }

    /// BIL-7 for days already billed: an interruption recorded after its
    /// days were billed is credited on the next bill of whoever was billed
    /// for them (the holder on those days, CON-9). The credit is what those
    /// bills charged for the contract's subscription (less a promotion's
    /// discount) minus what they would have charged had the interruption
    /// been known: (holder, credit, first day, last day) per bill.
    async fn billed_interruption_credits(
        &self,
        tx: &mut tarifa_store::Tx,
        market: &Market,
        contract: &Contract,
        (from, to): (Date, Date),
        earlier: &[(Date, Date)],
    ) -> Result<Vec<InterruptionCredit>> {
        let transfers: Vec<Transfer> = tx
            .contract_transfers(contract.id)
            .await?
            .into_iter()
            .map(|t| {
                Ok(Transfer {
                    from: t.from_customer,
                    to: t.to_customer,
                    on: convert::date("transfer day", &t.on_date)?,
                })
            })
            .collect::<Result<_>>()?;
        let mut with_this = earlier.to_vec();
        with_this.push((from, to));
        let mut credits = Vec::new();
        let mut month_start = from.first_of_month();
        while month_start <= to {
            let month_end = month_start.last_of_month();
            let period = period_code(month_start);
            let start = contract.signed.activated_on.max(month_start);
            let end = contract.ended_on.map_or(month_end, |e| e.min(month_end));
            // The month's service days, cut where the number changed hands.
            for (holder, days_from, days_to) in
                holders_between(contract.customer_id, &transfers, start, end)
            {
                let (a, b) = (days_from.max(from), days_to.min(to));
                if a > b || !subscription_billed(tx, holder, &period, contract.id).await? {
                    continue;
                }
                let days = (month_start, days_from, days_to);
                let charged = self
                    .draft_contract_days(tx, market, contract, days, Vec::new(), earlier.to_vec())
                    .await?;
                let due = self
                    .draft_contract_days(tx, market, contract, days, Vec::new(), with_this.clone())
                    .await?;
                if let (Some(charged), Some(due)) = (charged, due) {
                    let amount = fees_of(&charged) - fees_of(&due);
                    if amount.is_positive() {
                        let vat = charged
                            .lines
                            .iter()
                            .find(|l| l.kind == LineKind::Subscription)
                            .map(|l| l.vat.clone())
                            .unwrap_or_default();
                        credits.push(InterruptionCredit {
                            customer_id: holder,
                            amount,
                            from: a,
                            to: b,
                            vat,
                        });
                    }
                }
            }
            month_start = add_months(month_start, 1);
        }
        Ok(credits)
    }

    /// Each live contract of a customer with its allowances used so far this
    /// month (through today), as the bill will count them: what self-care
    /// shows as a bar per allowance.
    pub async fn allowances_this_month(
        &self,
        ctx: &Ctx,
        customer_id: i64,
    ) -> Result<Vec<(String, Vec<tarifa_core::rating::AllowanceUse>)>> {
        let mut tx = self.begin_read(ctx).await?;
        let (_, market, today) = self.load_customer(&mut tx, customer_id).await?;
        let month_start = today.first_of_month();
        let mut meters = Vec::new();
        for row in tx.contracts_of_customer(customer_id).await? {
            let contract = convert::contract(&mut tx, &market, row).await?;
            let Some((from, to)) = overlaps(&contract, month_start, today) else {
                continue;
            };
            if let Some((draft, _)) = self
                .draft_month_so_far(&mut tx, &market, &contract, month_start, from, to)
                .await?
            {
                meters.push((
                    contract.number.clone(),
                    draft.allowances.into_iter().map(|a| a.allowance).collect(),
                ));
            }
        }
        Ok(meters)
    }

    #[allow(clippy::too_many_arguments)] // the parts of one bill, written together
    async fn write_separate_bill(
        &self,
        tx: &mut tarifa_store::Tx,
        market: &Market,
        customer_id: i64,
        draft: BillDraft,
        charge_ids: Vec<i64>,
        usage_billed: Vec<UsageBilled>,
        on: Date,
    ) -> Result<String> {
        let year = i64::from(on.year());
        let number = bill_number(
            market,
            year,
            tx.reserve_bill_numbers(&market.id, year, 1).await?,
        );
        let document = OwnDocument {
            number: number.clone(),
            kind: "separate",
            customer_id,
            period: &period_code(on.first_of_month()),
            issued_on: on,
            due_on: market.due_date(on),
        };
        write_own_document(tx, market, &document, &draft, charge_ids, usage_billed).await?;
        Ok(number)
    }
}

/// A document issued on its own, between bill runs (a separate bill, a
/// credit note): what it is besides its draft.
pub(crate) struct OwnDocument<'a> {
    pub(crate) number: String,
    pub(crate) kind: &'a str,
    pub(crate) customer_id: i64,
    pub(crate) period: &'a str,
    pub(crate) issued_on: Date,
    pub(crate) due_on: Date,
}

/// Writes a document of its own with its ledger transfer (the customer's
/// balance before it is its previous balance) and makes its notice.
pub(crate) async fn write_own_document(
    tx: &mut tarifa_store::Tx,
    market: &Market,
    document: &OwnDocument<'_>,
    draft: &BillDraft,
    charge_ids: Vec<i64>,
    usage_billed: Vec<UsageBilled>,
) -> Result<()> {
    let customer_id = document.customer_id;
    let previous = tx.account_balance(&ledger::receivable(customer_id)).await?;
    let owner = tx.customer(customer_id).await?;
    let new = to_new_bill(
        BillHeader {
            market,
            number: document.number.clone(),
            kind: document.kind,
            customer_id,
            period: document.period,
            issued_on: document.issued_on,
            due_on: document.due_on,
            previous,
        },
        draft,
        body(
            market,
            owner.as_ref().map(OwnerBlock::from).as_ref(),
            &[],
            &[],
            draft,
        )?,
        charge_ids,
        usage_billed,
    );
    tx.insert_bills(std::slice::from_ref(&new)).await?;
    crate::bill_notices::notice_of_bill(tx, market, &document.number).await
}

/// The price changes of a market by package.
async fn price_history(tx: &mut tarifa_store::Tx, market: &Market) -> Result<PriceHistory> {
    let mut prices: PriceHistory = HashMap::new();
    for change in tx.price_changes(&market.id).await? {
        prices.entry(change.package_id.clone()).or_default().push((
            convert::date("price change", &change.effective_on)?,
            change.previous_fee_minor,
            change.monthly_fee_minor,
        ));
    }
    Ok(prices)
}

/// The VAT class of a usage line (HU: data is internet access).
fn usage_vat(market: &Market, bucket: Bucket) -> VatAssignment {
    match (bucket.kind, market.vat.usage.get("data")) {
        (tarifa_core::usage::UsageKind::Data, Some(class)) => VatAssignment::Class(class.clone()),
        _ => VatAssignment::Standard,
    }
}

/// A charge that does not fit an amount stops the bill: an error that names
/// the account, never a bill with a zero in it.
fn too_large(customer_id: i64, overflow: &tarifa_core::rating::Overflow) -> AppError {
    AppError::Conflict(format!(
        "customer {customer_id}: {overflow}; no bill is issued until the usage is corrected"
    ))
}

/// `YYYY-MM` of a month.
pub fn period_code(month_start: Date) -> String {
    format!("{:04}-{:02}", month_start.year(), month_start.month())
}

/// A billing period `YYYY-MM` as the first day of its month; anything else
/// is none.
pub fn parse_period(text: &str) -> Option<Date> {
    let date: Date = format!("{text}-01").parse().ok()?;
    (period_code(date) == text).then_some(date)
}

/// The day a month's bills are issued: the market's issue day (BIL-1) in
/// the month after.
pub fn issue_date(market: &Market, month_start: Date) -> Date {
    let next = add_months(month_start, 1);
    next.with()
        .day(i8::try_from(market.rules.bil_1.issue_day).unwrap_or(1))
        .build()
        .unwrap_or(next)
}

/// A contract's interruptions (BIL-7), as inclusive day ranges.
async fn contract_interruptions(
    tx: &mut tarifa_store::Tx,
    contract_id: i64,
) -> Result<Vec<(Date, Date)>> {
    tx.contract_interruptions(contract_id)
        .await?
        .into_iter()
        .map(|row| {
            Ok((
                convert::date("interruption start", &row.from_date)?,
                convert::date("interruption end", &row.to_date)?,
            ))
        })
        .collect()
}

/// Whether a customer's bills of a month charged a contract's subscription.
async fn subscription_billed(
    tx: &mut tarifa_store::Tx,
    customer_id: i64,
    period: &str,
    contract_id: i64,
) -> Result<bool> {
    for bill in tx.bills_of_customer(customer_id).await? {
        if bill.period != period {
            continue;
        }
        if tx.bill_lines(bill.id).await?.iter().any(|l| {
            l.contract_id == Some(contract_id) && l.kind == LineKind::Subscription.to_string()
        }) {
            return Ok(true);
        }
    }
    Ok(false)
}

/// Days of an interruption that were billed before it was recorded, to be
/// credited (BIL-7).
struct InterruptionCredit {
    customer_id: i64,
    amount: Money,
    from: Date,
    to: Date,
    /// The VAT of the subscription it gives back.
    vat: tarifa_core::bill::VatAssignment,
}

/// What a draft charges for subscriptions, promotion discounts taken off.
fn fees_of(draft: &BillDraft) -> Money {
    draft
        .lines
        .iter()
        .filter(|l| matches!(l.kind, LineKind::Subscription | LineKind::Discount))
        .fold(Money::zero(draft.total.currency()), |sum, l| sum + l.amount)
}

/// The days of `[from, to]` the contract served its current owner.
fn overlaps(contract: &Contract, from: Date, to: Date) -> Option<(Date, Date)> {
    let start = contract
        .signed
        .activated_on
        .max(contract.owner_since.unwrap_or(from))
        .max(from);
    let end = contract.ended_on.map_or(to, |e| e.min(to));
    (start <= end).then_some((start, end))
}

/// The package periods of a contract within `[from, to]`.
/// The price changes of a market by package: (effective day, fee before, fee from then).
pub(crate) type PriceHistory = HashMap<String, Vec<(Date, i64, i64)>>;

/// The fee of a package on a day, from its price changes (CAT-3).
fn fee_on(package: &tarifa_core::catalog::Package, prices: &PriceHistory, day: Date) -> Money {
    let currency = package.monthly_fee.currency();
    let Some(changes) = prices.get(&package.id) else {
        return package.monthly_fee;
    };
    match changes
        .iter()
        .rev()
        .find(|(effective, _, _)| *effective <= day)
    {
        Some((_, _, after)) => Money::from_minor(*after, currency),
        None => changes
            .first()
            .map_or(package.monthly_fee, |(_, before, _)| {
                Money::from_minor(*before, currency)
            }),
    }
}

/// The package periods of a contract within `[from, to]`, split where a
/// price change took effect.
fn package_periods<'a>(
    catalog: &'a Catalog,
    prices: &PriceHistory,
    history: &[(Date, String)],
    from: Date,
    to: Date,
) -> Result<Vec<PackagePeriod<'a>>> {
    let mut periods = Vec::new();
    for (i, (valid_from, package_id)) in history.iter().enumerate() {
        let next = history.get(i + 1).map(|(d, _)| *d);
        let start = (*valid_from).max(from);
        let end = next.map_or(to, |n| n.yesterday().unwrap_or(n).min(to));
        if start > end {
            continue;
        }
        let package = catalog.package(package_id).ok_or_else(|| {
            AppError::Conflict(format!(
                "package {package_id} of a contract is not in the catalog"
            ))
        })?;
        let mut cuts: Vec<Date> = prices
            .get(package_id)
            .map(|c| {
                c.iter()
                    .map(|(d, _, _)| *d)
                    .filter(|d| start < *d && *d <= end)
                    .collect()
            })
            .unwrap_or_default();
        cuts.sort();
        let mut segment_start = start;
        for cut in cuts
            .into_iter()
            .chain(std::iter::once(end.tomorrow().unwrap_or(end)))
        {
            let segment_end = cut.yesterday().unwrap_or(cut).min(end);
            if segment_start <= segment_end {
                periods.push(PackagePeriod {
                    package,
                    fee: fee_on(package, prices, segment_start),
                    from: segment_start,
                    to: segment_end,
                });
            }
            segment_start = cut;
        }
    }
    Ok(periods)
}

fn charge_line(market: &Market, row: &ChargeRow) -> Result<BillLine> {
    let kind = match row.kind.as_str() {
        "subscription" => LineKind::Subscription,
        "usage" => LineKind::Usage,
        "discount" => LineKind::Discount,
        "one_time" => LineKind::OneTime,
        "instalment" => LineKind::Instalment,
        "fee" => LineKind::Fee,
        "penalty" => LineKind::Penalty,
        "credit" => LineKind::Credit,
        "refund" => LineKind::Refund,
        other => {
            return Err(AppError::Conflict(format!(
                "charge {} has an unknown kind {other:?}",
                row.id
            )));
        }
    };
    Ok(BillLine {
        kind,
        contract_id: row.contract_id,
        description: row.description.clone(),
        // A phrase that does not read is left out: the description stands.
        phrase: row
            .phrase
            .as_deref()
            .and_then(|p| serde_json::from_str(p).ok()),
        amount: Money::from_minor(row.amount_minor, market.currency),
        vat: serde_json::from_str(&row.vat).unwrap_or_default(),
        rule: row.rule.as_deref().and_then(|r| r.parse().ok()),
        category: row
            .category
            .as_deref()
            .and_then(|c| c.parse::<OneTimeCategory>().ok()),
    })
}

/// The report-ready detail of a bill kept with it.
/// Everything BIL-2 and BIL-3 put on the bill besides its lines: the owner
/// and delivery address (1), the operator's data (4), the packages (back 1),
/// usage by type and destination (back 2–4), allowances (back 5), VAT per
/// rate (BIL-4) and how it is delivered (BIL-6).
fn body(
    market: &Market,
    owner: Option<&OwnerBlock>,
    packages: &[String],
    letters: &[String],
    draft: &BillDraft,
) -> Result<EncodedBody> {
    let detail = detail(market, owner, packages, letters, draft);
    let lines = draft.lines.iter().enumerate().map(|(i, l)| BodyLine {
        position: i64::try_from(i).unwrap_or(i64::MAX),
        contract_id: l.contract_id,
        kind: l.kind.as_str(),
        description: &l.description,
        amount_minor: l.amount.minor(),
        vat: &l.vat,
        rule: l.rule.as_ref().map(|r| r as &dyn std::fmt::Display),
        category: l.category.as_ref().map(|c| c as &dyn std::fmt::Display),
        phrase: l.phrase.as_ref(),
    });
    Ok(EncodedBody::write(&detail, lines)?)
}

/// What a bill's document shows beyond its lines (its body's detail).
fn detail<'a>(
    market: &'a Market,
    owner: Option<&'a OwnerBlock>,
    packages: &'a [String],
    letters: &'a [String],
    draft: &'a BillDraft,
) -> Detail<'a> {
    let op = &market.operator;
    Detail {
        owner,
        operator: OperatorBlock {
            name: &op.name,
            address: &op.address,
            tax_id: &op.tax_id,
            registry_number: &op.registry_number,
            bank_account: &op.bank_account,
            website: &op.website,
            customer_centre: &op.customer_centre_phone,
        },
        packages,
        letter: letters,
        delivery: &market.billing.default_delivery,
        usage: &draft.usage,
        allowances: &draft.allowances,
        vat: &draft.vat,
    }
}

/// A bill's detail: what its document shows beyond the lines. Written
/// straight from the draft into the body (no JSON text made); the fields'
/// order is the detail's JSON's.
#[derive(serde::Serialize)]
struct Detail<'a> {
    owner: Option<&'a OwnerBlock>,
    operator: OperatorBlock<'a>,
    packages: &'a [String],
    letter: &'a [String],
    delivery: &'a str,
    usage: &'a [tarifa_core::bill::UsageSummary],
    allowances: &'a [tarifa_core::bill::ContractAllowance],
    vat: &'a [tarifa_core::bill::VatShare],
}

/// The operator's block of a bill (BIL-2).
#[derive(serde::Serialize)]
struct OperatorBlock<'a> {
    name: &'a str,
    address: &'a str,
    tax_id: &'a str,
    registry_number: &'a str,
    bank_account: &'a str,
    website: &'a str,
    customer_centre: &'a str,
}

/// The owner block of a bill (BIL-2 (1)): all a bill run keeps of each
/// customer while it drafts; the notices read the customers a batch at a time.
#[derive(Clone, Debug, serde::Serialize)]
struct OwnerBlock {
    name: String,
    address: Option<String>,
    email: Option<String>,
}

impl From<tarifa_store::OwnerRow> for OwnerBlock {
    fn from(o: tarifa_store::OwnerRow) -> Self {
        Self {
            name: o.name,
            address: o.address,
            email: o.email,
        }
    }
}

impl From<&CustomerRow> for OwnerBlock {
    fn from(c: &CustomerRow) -> Self {
        Self {
            name: c.name.clone(),
            address: c.address.clone(),
            email: c.email.clone(),
        }
    }
}

/// What was billed of a contract's month (see [`UsageBilled`]).
#[derive(Clone, Debug, Default)]
struct Billed {
    all: Vec<BucketTotal>,
    before_transfer: Option<Vec<BucketTotal>>,
    assignee_base: Option<Vec<BucketTotal>>,
}

impl Billed {
    /// Whether one side of a transfer in the month was billed for the
    /// records before it and the other not yet.
    fn holders_differ(&self) -> bool {
        match (&self.before_transfer, &self.assignee_base) {
            (Some(a), Some(b)) => !same_totals(a, b),
            _ => false,
        }
    }
}

fn billed_usage(row: &tarifa_store::BilledUsage) -> Result<Billed> {
    Ok(Billed {
        all: from_snapshot(&row.snapshot)?,
        before_transfer: row
            .before_transfer
            .as_deref()
            .map(from_snapshot)
            .transpose()?,
        assignee_base: row
            .assignee_base
            .as_deref()
            .map(from_snapshot)
            .transpose()?,
    })
}

/// The assignor's late part of a month with a transfer in it: the records
/// before the transfer, less what was billed of them.
fn assignors_late(
    contract: i64,
    month: &str,
    transfer: Transfer,
    before: &[BucketTotal],
    before_billed: Vec<BucketTotal>,
) -> LateUsage {
    LateUsage {
        contract,
        month: month.to_owned(),
        all: before.to_vec(),
        billed: before_billed,
        assignors_part: None,
        transferred_on: Some(transfer.on),
        snapshot: Some(UsageBilled {
            contract_id: contract,
            period: month.to_owned(),
            snapshot: None,
            before_transfer: Some(to_snapshot(before)),
            assignee_base: None,
        }),
    }
}

/// A contract's month billed in part before the bill run: to the assignor,
/// at a transfer in the month (CON-9).
struct PartlyBilled {
    billed: Vec<BucketTotal>,
    /// The records before the transfer and what was billed of them: the
    /// assignor's part, charged to the assignor.
    assignors_part: Option<(Vec<BucketTotal>, Vec<BucketTotal>)>,
}

/// Customers a bill run reads in one range (`AccountsRange`): about one
/// batch of bills, so that reading, drafting and writing overlap.
const RANGE_CUSTOMERS: i64 = 5_000;

/// A contract of a late month, which may now belong to a customer of another
/// range: its number and package periods, read before the ranges.
struct LateContract {
    number: String,
    history: Vec<(Date, String)>,
}

/// What a bill run read of the range of customers being drafted, kept in
/// maps that are refilled (not reallocated) for each range.
#[derive(Default)]
struct RangeMaps {
    history: HashMap<i64, Vec<(Date, String)>>,
    usage: HashMap<i64, Vec<BucketTotal>>,
    owners: HashMap<i64, OwnerBlock>,
    balances: HashMap<i64, i64>,
}

/// Everything a bill run read before its ranges, and the range it drafts,
/// owned by the thread that drafts its bills.
struct Drafting {
    market: Market,
    catalog: Catalog,
    prices: PriceHistory,
    billed: HashSet<i64>,
    promotions: HashMap<i64, promotion::ContractPromotion>,
    partly_billed: HashMap<i64, PartlyBilled>,
    interruptions: HashMap<i64, Vec<(Date, Date)>>,
    late_by_account: HashMap<i64, Vec<LateUsage>>,
    late_contracts: HashMap<i64, LateContract>,
    /// Accounts with charges or late usage, not yet billed.
    extra_accounts: BTreeSet<i64>,
    charges: HashMap<i64, Vec<ChargeRow>>,
    range: RangeMaps,
    month_start: Date,
    month_end: Date,
    period: String,
    issued_on: Date,
    due_on: Date,
    /// The accounts drafted so far (with a bill or without), for progress.
    drafted_accounts: Arc<AtomicU64>,
}

impl Drafting {
    /// Drafts the accounts' bills range by range, a batch at a time, and
    /// hands each batch over; stops early when the writer is gone.
    fn run(
        mut self,
        mut ranges: tokio::sync::mpsc::Receiver<Result<AccountsRange>>,
        batch_size: usize,
        batches: &tokio::sync::mpsc::Sender<Result<Vec<NewBill>>>,
    ) {
        let mut ready = Vec::with_capacity(batch_size);
        let mut last = 0;
        loop {
            let (accounts, ended) = match ranges.blocking_recv() {
                Some(Ok(range)) => {
                    last = range.last;
                    (self.take_range(range), false)
                }
                Some(Err(e)) => (Err(e), false),
                // After the last range, the accounts beyond it (none, unless
                // a charge names a customer the market does not list).
                None => (
                    Ok(self.accounts_between(last, i64::MAX, BTreeMap::new())),
                    true,
                ),
            };
            let accounts = match accounts {
                Ok(accounts) => accounts,
                Err(e) => {
                    // The writer reports it; nothing more is drafted.
                    let _ = batches.blocking_send(Err(e));
                    return;
                }
            };
            for (customer_id, contracts) in accounts {
                self.drafted_accounts.fetch_add(1, Ordering::Relaxed);
                match self.bill(customer_id, &contracts) {
                    Ok(Some(new)) => ready.push(new),
                    Ok(None) => {}
                    Err(e) => {
                        let _ = batches.blocking_send(Err(e));
                        return;
                    }
                }
                if ready.len() >= batch_size {
                    let full = std::mem::replace(&mut ready, Vec::with_capacity(batch_size));
                    if batches.blocking_send(Ok(full)).is_err() {
                        return;
                    }
                }
            }
            if ended {
                break;
            }
        }
        if !ready.is_empty() {
            let _ = batches.blocking_send(Ok(ready));
        }
    }

    /// Takes a range's rows into the range maps; returns its accounts to
    /// bill, by customer, with the contracts that served them in the month.
    fn take_range(&mut self, range: AccountsRange) -> Result<BTreeMap<i64, Vec<Contract>>> {
        let maps = &mut self.range;
        maps.history.clear();
        maps.usage.clear();
        maps.owners.clear();
        maps.balances.clear();
        for row in range.packages {
            maps.history.entry(row.contract_id).or_default().push((
                convert::date("package period", &row.valid_from)?,
                row.package_id,
            ));
        }
        maps.usage.extend(totals_by_contract(range.usage)?);
        maps.owners.extend(
            range
                .owners
                .into_iter()
                .map(|o| (o.id, OwnerBlock::from(o))),
        );
        maps.balances.extend(range.balances);
        let mut accounts: BTreeMap<i64, Vec<Contract>> = BTreeMap::new();
        for row in &range.contracts {
            if self.billed.contains(&row.customer_id) {
                continue;
            }
            let contract = convert::contract_without_children(&self.market, row)?;
            if overlaps(&contract, self.month_start, self.month_end).is_some() {
                accounts
                    .entry(contract.customer_id)
                    .or_default()
                    .push(contract);
            }
        }
        Ok(self.accounts_between(range.after, range.last, accounts))
    }

    /// Adds to `accounts` those with charges or late usage in `(after, last]`.
    fn accounts_between(
        &mut self,
        after: i64,
        last: i64,
        mut accounts: BTreeMap<i64, Vec<Contract>>,
    ) -> BTreeMap<i64, Vec<Contract>> {
        if after < last {
            let extra: Vec<i64> = self
                .extra_accounts
                .range(after.saturating_add(1)..=last)
                .copied()
                .collect();
            for customer in extra {
                self.extra_accounts.remove(&customer);
                accounts.entry(customer).or_default();
            }
        }
        accounts
    }

    /// An account's bill for the month, not yet numbered; `None` when it has
    /// nothing to bill.
    fn bill(&mut self, customer_id: i64, contracts: &[Contract]) -> Result<Option<NewBill>> {
        let market = &self.market;
        let catalog = &self.catalog;
        let (month_start, month_end) = (self.month_start, self.month_end);
        let mut parts = Vec::new();
        let mut extra_lines = Vec::new();
        let mut usage_billed = Vec::new();
        let empty = Vec::new();
        for contract in contracts {
            let Some((from, to)) = overlaps(contract, month_start, month_end) else {
                continue;
            };
            let periods = package_periods(
                catalog,
                &self.prices,
                self.range.history.get(&contract.id).unwrap_or(&empty),
                from,
                to,
            )?;
            let Some(last) = periods.last() else { continue };
            let package = last.package;
            let (allowances, fee_discount) = promotion::period_terms(
                self.promotions.get(&contract.id),
                catalog,
                package,
                month_end,
            );
            let mut used = self.range.usage.remove(&contract.id).unwrap_or_default();
            let partly = self.partly_billed.remove(&contract.id);
            if !used.is_empty() {
                usage_billed.push(UsageBilled {
                    contract_id: contract.id,
                    period: self.period.clone(),
                    snapshot: Some(to_snapshot(&used)),
                    before_transfer: None,
                    assignee_base: partly
                        .as_ref()
                        .and_then(|p| p.assignors_part.as_ref())
                        .map(|(before, _)| to_snapshot(before)),
                });
            }
            // Part of the month was billed already (to the previous owner,
            // CON-9): only what came on top goes on this bill, less what the
            // records before the transfer add to the assignor's bill.
            if let Some(PartlyBilled {
                billed,
                assignors_part,
            }) = partly
            {
                let charges = holder_late_charges(
                    &allowances,
                    &package.rates,
                    (&used, &billed),
                    assignors_part
                        .as_ref()
                        .map(|(before, base)| (before.as_slice(), base.as_slice())),
                    market.currency,
                    market.rounding,
                )
                .map_err(|e| too_large(customer_id, &e))?;
                for (bucket, amount) in charges {
                    extra_lines.push(BillLine {
                        kind: LineKind::Usage,
                        contract_id: Some(contract.id),
                        description: format!(
                            "{} {} since {from}, {}",
                            bucket.kind, bucket.destination, contract.number
                        ),
                        phrase: Some(
                            Phrase::new("line-usage-since")
                                .bucket(bucket)
                                .date("from", from)
                                .text("number", contract.number.clone()),
                        ),
                        amount,
                        vat: usage_vat(market, bucket),
                        rule: Some(rules::USE_1),
                        category: None,
                    });
                }
                used = Vec::new();
            }
            parts.push(ContractPeriod {
                contract_id: contract.id,
                number: contract.number.clone(),
                allowances,
                fee_discount,
                rates: &package.rates,
                usage: used,
                interruptions: self.interruptions.remove(&contract.id).unwrap_or_default(),
                packages: periods,
            });
        }
        for LateUsage {
            contract,
            month,
            all,
            billed,
            assignors_part,
            snapshot,
            transferred_on,
        } in self
            .late_by_account
            .remove(&customer_id)
            .unwrap_or_default()
        {
            let month_start_late = convert::date("late month", &format!("{month}-01"))?;
            let late_contract = self.late_contracts.get(&contract);
            let periods = package_periods(
                catalog,
                &self.prices,
                late_contract.map_or(&empty, |c| &c.history),
                month_start_late,
                month_start_late.last_of_month(),
            )?;
            let number = late_contract.map(|c| c.number.clone()).unwrap_or_default();
            if let Some(last) = periods.last() {
                let package = last.package;
                let (allowances, _) = promotion::period_terms(
                    self.promotions.get(&contract),
                    catalog,
                    package,
                    month_start_late.last_of_month(),
                );
                let charges = holder_late_charges(
                    &allowances,
                    &package.rates,
                    (&all, &billed),
                    assignors_part
                        .as_ref()
                        .map(|(before, base)| (before.as_slice(), base.as_slice())),
                    market.currency,
                    market.rounding,
                )
                .map_err(|e| too_large(customer_id, &e))?;
                for (bucket, amount) in charges {
                    // The assignor's part cites CON-9: it pays up to the transfer.
                    let (description, phrase, rule) = match transferred_on {
                        Some(on) => (
                            format!(
                                "late usage of {month} before the number passed to its new holder on {on}: {} {}, {number}",
                                bucket.kind, bucket.destination
                            ),
                            Phrase::new("line-late-usage-before-transfer").date("transfer", on),
                            rules::CON_9,
                        ),
                        None => (
                            format!(
                                "late usage of {month}: {} {}, {number}",
                                bucket.kind, bucket.destination
                            ),
                            Phrase::new("line-late-usage"),
                            rules::USE_1,
                        ),
                    };
                    extra_lines.push(BillLine {
                        kind: LineKind::Usage,
                        contract_id: Some(contract),
                        description,
                        phrase: Some(
                            phrase
                                .text("month", month.clone())
                                .bucket(bucket)
                                .text("number", number.clone()),
                        ),
                        amount,
                        vat: usage_vat(market, bucket),
                        rule: Some(rule),
                        category: None,
                    });
                }
            }
            usage_billed.extend(snapshot);
        }
        let letters: Vec<String> = contracts
            .iter()
            .filter_map(|c| {
                crate::notices::bill_letter(
                    market,
                    catalog,
                    self.issued_on,
                    &c.package,
                    c.commitment().map(|k| k.end),
                    &c.number,
                )
            })
            .collect();
        let pending = self.charges.remove(&customer_id).unwrap_or_default();
        let charge_ids: Vec<i64> = pending.iter().map(|c| c.id).collect();
        for charge in &pending {
            extra_lines.push(charge_line(market, charge)?);
        }
        if parts.is_empty() && extra_lines.is_empty() {
            return Ok(None);
        }
        let mut packages: Vec<String> = Vec::new();
        for part in &parts {
            for period in &part.packages {
                let name = format!("{}: {}", part.number, period.package.name);
                if !packages.contains(&name) {
                    packages.push(name);
                }
            }
        }
        let draft = bill::draft(market, month_start, &parts, extra_lines)
            .map_err(|e| too_large(customer_id, &e))?;
        let previous = self.range.balances.get(&customer_id).copied().unwrap_or(0);
        let body = body(
            market,
            self.range.owners.get(&customer_id),
            &packages,
            &letters,
            &draft,
        )?;
        Ok(Some(to_new_bill(
            BillHeader {
                market,
                // Numbered when written, in the batch's transaction.
                number: String::new(),
                kind: "monthly",
                customer_id,
                period: &self.period,
                issued_on: self.issued_on,
                due_on: self.due_on,
                previous,
            },
            &draft,
            body,
            charge_ids,
            usage_billed,
        )))
    }
}

impl App {
    /// A bill run someone asked for (the CLI, the console, the API): the
    /// month must have ended on the market's calendar, and must not lie
    /// before the market's first contract; the bills are dated `issued_on`,
    /// or the market's issue day (BIL-1) when that has come, else today.
    /// The scheduler runs the month just ended through [`App::run_bills`].
    pub async fn requested_bill_run(
        &self,
        ctx: &Ctx,
        market: &Market,
        month_start: Date,
        issued_on: Option<Date>,
        options: BillRunOptions,
    ) -> Result<BillRunSummary> {
        let issued_on = self
            .check_bill_run(ctx, market, month_start, issued_on)
            .await?;
        let summary = self
            .run_bills_with(ctx, market, month_start, issued_on, options)
            .await?;
        // The bills are written; their notices follow (crate::bill_notices).
        let notices = self.make_bill_notices(ctx).await?;
        tracing::info!(market = %market.id, notices, "bill notices made");
        Ok(summary)
    }

    /// Why a month cannot be billed now, or the day its bills are dated.
    pub async fn check_bill_run(
        &self,
        ctx: &Ctx,
        market: &Market,
        month_start: Date,
        issued_on: Option<Date>,
    ) -> Result<Date> {
        let mut tx = self.begin_read(ctx).await?;
        let first = tx.first_activation(&market.id).await?;
        tx.rollback().await?;
        let first_activation = first
            .map(|d| convert::date("first activation", &d))
            .transpose()?;
        bill::check_run(&bill::RunRequest {
            market: &market.id,
            today: self.today(market),
            month_start,
            issued: issued_on,
            issue_day: issue_date(market, month_start),
            first_activation,
        })
        .map_err(|(field, reason)| AppError::invalid(field, reason))
    }

    /// Issues the bills of `market` for the month starting `month_start`,
    /// dated `issued_on` (BIL-1). Idempotent.
    pub async fn run_bills(
        &self,
        ctx: &Ctx,
        market: &Market,
        month_start: Date,
        issued_on: Date,
    ) -> Result<BillRunSummary> {
        self.run_bills_with(
            ctx,
            market,
            month_start,
            issued_on,
            BillRunOptions::default(),
        )
        .await
    }

    /// [`App::run_bills`] with explicit batching.
    pub async fn run_bills_with(
        &self,
        ctx: &Ctx,
        market: &Market,
        month_start: Date,
        issued_on: Date,
        options: BillRunOptions,
    ) -> Result<BillRunSummary> {
        let month_end = month_start.last_of_month();
        let period = period_code(month_start);
        let mut tx = self.begin_read(ctx).await?;
        let catalog = self.catalog(&mut tx, market).await?;
        let prices = price_history(&mut tx, market).await?;
        let billed: HashSet<i64> = tx
            .billed_customers(&market.id, &period)
            .await?
            .into_iter()
            .collect();
        // What crosses accounts, or is rare, is read for the whole market
        // first; the rest a range of customers at a time (`AccountsRange`).
        // Transfers of ownership (few): who held each number when its usage happened.
        let mut transfers: HashMap<i64, Vec<Transfer>> = HashMap::new();
        for row in tx.transfers_since(&market.id, "").await? {
            transfers
                .entry(row.contract_id)
                .or_default()
                .push(Transfer {
                    from: row.from_customer,
                    to: row.to_customer,
                    on: convert::date("transfer day", &row.on_date)?,
                });
        }
        let mut late_by_account: HashMap<i64, Vec<LateUsage>> = HashMap::new();
        let mut partly_billed: HashMap<i64, PartlyBilled> = HashMap::new();
        for row in tx.usage_billed(&market.id, &period).await? {
            let contract = row.contract_id;
            let billed = billed_usage(&row)?;
            let split = transfers
                .get(&contract)
                .and_then(|t| last_within(t, month_start, month_end));
            let mut assignors_part = None;
            if let Some(transfer) = split {
                // Until the month is billed, the snapshot is the assignor's bill at the transfer.
                let before_billed = billed.before_transfer.unwrap_or_else(|| billed.all.clone());
                let base = billed.assignee_base.unwrap_or_else(|| billed.all.clone());
                let before = totals_before(&mut tx, contract, &period, transfer.on).await?;
                late_by_account
                    .entry(transfer.from)
                    .or_default()
                    .push(assignors_late(
                        contract,
                        &period,
                        transfer,
                        &before,
                        before_billed,
                    ));
                assignors_part = Some((before, base));
            }
            partly_billed.insert(
                contract,
                PartlyBilled {
                    billed: billed.all,
                    assignors_part,
                },
            );
        }
        // Usage that came after its month was billed: last month's totals that
        // differ from what its bills took, and older months noted by imports.
        let previous = period_code(add_months(month_start, -1));
        let mut late: BTreeMap<(i64, String), (Vec<BucketTotal>, Billed)> = BTreeMap::new();
        let mut previous_billed: HashMap<i64, Billed> = HashMap::new();
        for row in tx.usage_billed(&market.id, &previous).await? {
            previous_billed.insert(row.contract_id, billed_usage(&row)?);
        }
        for (contract, all) in totals_by_contract(tx.usage_totals(&market.id, &previous).await?)? {
            let billed = previous_billed.remove(&contract).unwrap_or_default();
            // Either side of a transfer may be billed and not yet the other.
            if !same_totals(&all, &billed.all) || billed.holders_differ() {
                late.insert((contract, previous.clone()), (all, billed));
            }
        }
        for (contract, month) in tx.late_usage(&market.id, &period).await? {
            if late.contains_key(&(contract, month.clone())) {
                continue;
            }
            let all = totals_by_contract(tx.contract_usage_totals(contract, &month).await?)?
                .remove(&contract)
                .unwrap_or_default();
            let billed = match tx.contract_usage_billed(contract, &month).await? {
                Some(row) => billed_usage(&row)?,
                None => Billed::default(),
            };
            late.insert((contract, month), (all, billed));
        }
        let mut charges: HashMap<i64, Vec<ChargeRow>> = HashMap::new();
        for row in tx.open_charges(&market.id, &month_end.to_string()).await? {
            charges.entry(row.customer_id).or_default().push(row);
        }
        let promotions = crate::promotions::of_market(&mut tx, market).await?;
        let mut interruptions: HashMap<i64, Vec<(Date, Date)>> = HashMap::new();
        for row in tx
            .interruptions(&market.id, &month_start.to_string(), &month_end.to_string())
            .await?
        {
            interruptions.entry(row.contract_id).or_default().push((
                convert::date("interruption start", &row.from_date)?,
                convert::date("interruption end", &row.to_date)?,
            ));
        }
        let mut numbers: HashMap<i64, String> = HashMap::new();
        for ((contract, month), (all, billed)) in late {
            let Some(row) = tx.contract(contract).await? else {
                continue;
            };
            if row.market != market.id {
                continue;
            }
            numbers.insert(contract, row.number);
            let current = row.customer_id;
            let late_start = convert::date("late month", &format!("{month}-01"))?;
            let late_end = late_start.last_of_month();
            let contract_transfers = transfers.get(&contract).map_or(&[][..], Vec::as_slice);
            // The late records go to whoever held the number when they were made.
            let holder = holder_on(current, contract_transfers, late_end);
            let split = last_within(contract_transfers, late_start, late_end);
            let Billed {
                all: billed,
                before_transfer,
                assignee_base,
            } = billed;
            let mut assignors_part = None;
            // A month billed before transfers were kept apart is not split.
            if let (Some(transfer), Some(before_billed), Some(base)) =
                (split, before_transfer, assignee_base)
            {
                let before = totals_before(&mut tx, contract, &month, transfer.on).await?;
                late_by_account
                    .entry(transfer.from)
                    .or_default()
                    .push(assignors_late(
                        contract,
                        &month,
                        transfer,
                        &before,
                        before_billed,
                    ));
                assignors_part = Some((before, base));
            }
            let snapshot = UsageBilled {
                contract_id: contract,
                period: month.clone(),
                snapshot: Some(to_snapshot(&all)),
                before_transfer: None,
                assignee_base: assignors_part
                    .as_ref()
                    .map(|(before, _)| to_snapshot(before)),
            };
            late_by_account.entry(holder).or_default().push(LateUsage {
                contract,
                month,
                all,
                billed,
                assignors_part,
                snapshot: Some(snapshot),
                transferred_on: None,
            });
        }
        // The late months' contracts may have passed to customers of other
        // ranges: their numbers and package periods are read here.
        let late_ids: HashSet<i64> = late_by_account
            .values()
            .flatten()
            .map(|l| l.contract)
            .collect();
        let mut late_contracts: HashMap<i64, LateContract> = HashMap::new();
        for contract in late_ids {
            let number = match numbers.remove(&contract) {
                Some(number) => Some(number),
                None => tx.contract(contract).await?.map(|c| c.number),
            };
            let mut history = Vec::new();
            for row in tx.package_history(contract).await? {
                history.push((
                    convert::date("package period", &row.valid_from)?,
                    row.package_id,
                ));
            }
            late_contracts.insert(
                contract,
                LateContract {
                    number: number.unwrap_or_default(),
                    history,
                },
            );
        }
        // Accounts billed only for charges or late usage, in id order.
        let extra_accounts: BTreeSet<i64> = charges
            .keys()
            .chain(late_by_account.keys())
            .copied()
            .filter(|c| !billed.contains(c))
            .collect();
        let estimate = tx
            .accounts_in_month(&market.id, &month_start.to_string(), &month_end.to_string())
            .await?;
        tx.rollback().await?;

        let mut summary = BillRunSummary {
            market: market.id.clone(),
            period: period.clone(),
            already_billed: u64::try_from(billed.len()).unwrap_or(0),
            ..BillRunSummary::default()
        };
        let year = i64::from(issued_on.year());
        // Until drafting is done, the accounts to bill are an estimate (those
        // with a contract in the month, less those billed, plus the others).
        let estimate = u64::try_from(estimate)
            .unwrap_or(0)
            .saturating_sub(summary.already_billed)
            + u64::try_from(extra_accounts.len()).unwrap_or(0);
        let drafted_accounts = Arc::new(AtomicU64::new(0));
        let (progress, pause) = (options.progress, options.pause_between_batches);
        let seen = drafted_accounts.clone();
        let tell = move |summary: &BillRunSummary, done: bool| {
            if let Some(progress) = &progress {
                let seen = seen.load(Ordering::Relaxed);
                progress.send_replace(BillRunProgress {
                    accounts: if done { seen } else { seen.max(estimate) },
                    issued: summary.issued,
                    total_minor: summary.total_minor,
                });
            }
        };
        tell(&summary, false);
        let drafting = Drafting {
            market: market.clone(),
            catalog,
            prices,
            billed,
            promotions,
            partly_billed,
            interruptions,
            late_by_account,
            late_contracts,
            extra_accounts,
            charges,
            range: RangeMaps::default(),
            month_start,
            month_end,
            period: period.clone(),
            issued_on,
            due_on: market.due_date(issued_on),
            drafted_accounts,
        };
        // Three stages, each on its own thread or task: the ranges are read
        // one ahead of the range being drafted, which is drafted one batch
        // ahead of the batch being written.
        let (ranges_out, ranges) = tokio::sync::mpsc::channel(1);
        let (batches, mut drafted) = tokio::sync::mpsc::channel(1);
        let batch_size = options.batch_size.max(1);
        let stopped =
            |e: tokio::task::JoinError| AppError::Conflict(format!("the bill run stopped: {e}"));
        let reader = match self.store().lean_reader()? {
            Some(mut lean) => {
                let (market_id, period) = (market.id.clone(), period.clone());
                tokio::task::spawn_blocking(move || {
                    let mut after = 0;
                    loop {
                        let range = match lean.accounts_range(
                            &market_id,
                            after,
                            RANGE_CUSTOMERS,
                            &period,
                        ) {
                            Ok(Some(range)) => Ok(range),
                            Ok(None) => return,
                            Err(e) => Err(AppError::from(e)),
                        };
                        let next = range.as_ref().ok().map(|r| r.last);
                        if ranges_out.blocking_send(range).is_err() {
                            return;
                        }
                        match next {
                            Some(last) => after = last,
                            None => return,
                        }
                    }
                })
            }
            None => {
                let (app, ctx, market_id) = (self.clone(), ctx.clone(), market.id.clone());
                tokio::spawn(async move {
                    let mut after = 0;
                    loop {
                        let range = async {
                            let mut tx = app.begin_read(&ctx).await?;
                            let range = tx
                                .accounts_range(&market_id, after, RANGE_CUSTOMERS, &period)
                                .await?;
                            tx.rollback().await?;
                            Ok::<_, AppError>(range)
                        }
                        .await;
                        let range = match range {
                            Ok(Some(range)) => Ok(range),
                            Ok(None) => return,
                            Err(e) => Err(e),
                        };
                        let next = range.as_ref().ok().map(|r| r.last);
                        if ranges_out.send(range).await.is_err() {
                            return;
                        }
                        match next {
                            Some(last) => after = last,
                            None => return,
                        }
                    }
                })
            }
        };
        let drafter =
            tokio::task::spawn_blocking(move || drafting.run(ranges, batch_size, &batches));
        if let Some(mut writer) = self.store().lean_writer(&ctx.actor)? {
            // A SQLite file: the batches are written on a thread of their
            // own through the lean path (tarifa_store::LeanWriter).
            let market = market.clone();
            let clock = self.clock.clone();
            summary = tokio::task::spawn_blocking(move || -> Result<BillRunSummary> {
                while let Some(batch) = drafted.blocking_recv() {
                    let mut bills = batch?;
                    let mut tx = writer.begin(&clock.now().to_string())?;
                    let count = i64::try_from(bills.len()).unwrap_or(i64::MAX);
                    let first = tx.reserve_bill_numbers(&market.id, year, count)?;
                    number_bills(&market, year, first, &mut bills);
                    tx.insert_bills(&bills)?;
                    tx.commit()?;
                    summary.add(&bills);
                    tell(&summary, false);
                    if let Some(pause) = pause {
                        std::thread::sleep(pause);
                    }
                }
                tell(&summary, true);
                Ok(summary)
            })
            .await
            .map_err(stopped)??;
        } else {
            while let Some(batch) = drafted.recv().await {
                let mut bills = batch?;
                let mut tx = self.begin(ctx).await?;
                let count = i64::try_from(bills.len()).unwrap_or(i64::MAX);
                let first = tx.reserve_bill_numbers(&market.id, year, count).await?;
                number_bills(market, year, first, &mut bills);
                tx.insert_bills(&bills).await?;
                tx.commit().await?;
                summary.add(&bills);
                tell(&summary, false);
                if let Some(pause) = pause {
                    tokio::time::sleep(pause).await;
                }
            }
            tell(&summary, true);
        }
        drafter.await.map_err(stopped)?;
        reader.await.map_err(stopped)?;
        Ok(summary)
    }

    /// Records a payment, allocated to the customer's oldest open bill first;
    /// an overpayment stays as credit. A reference seen before is not
    /// recorded again.
    pub async fn pay(
        &self,
        ctx: &Ctx,
        customer_id: i64,
        amount: Money,
        reference: &str,
    ) -> Result<Decided<i64>> {
        let mut tx = self.begin(ctx).await?;
        let (_, market, today) = self.load_customer(&mut tx, customer_id).await?;
        let mut decision = Decision::approved();
        let reference = reference.trim();
        if reference.is_empty() {
            decision.refuse_plainly("a payment needs a reference");
        }
        if !amount.is_positive() {
            decision.refuse_plainly(format!("a payment must be a positive amount, got {amount}"));
        }
        if let Some(previous) = tx.payment_by_reference(&market.id, reference).await? {
            decision.refuse_plainly(format!(
                "payment {reference} was already recorded on {} ({}); it is not recorded twice",
                previous.received_on,
                Money::from_minor(previous.amount_minor, market.currency)
            ));
        }
        let mut id = None;
        if decision.is_approved() {
            id = Some(
                self.record_payment(&mut tx, &market, customer_id, amount, reference, today)
                    .await?,
            );
            for text in self.allocation_text(&mut tx, &market, customer_id).await? {
                decision.note(text);
            }
            self.restore_after_payment(&mut tx, &market, customer_id, today, &mut decision)
                .await?;
        }
        conclude(
            tx,
            ctx,
            &market,
            today,
            "pay",
            Some(format!("customer:{customer_id}")),
            Decided {
                decision,
                value: id,
            },
        )
        .await
    }

    /// How a customer's payments settle their bills, oldest first.
    async fn allocation_text(
        &self,
        tx: &mut tarifa_store::Tx,
        market: &Market,
        customer_id: i64,
    ) -> Result<Vec<String>> {
        let (open, credit) = self.open_bills(tx, market, customer_id).await?;
        let mut texts: Vec<String> = open
            .iter()
            .map(|(number, open)| {
                if open.is_zero() {
                    format!("bill {number} is paid")
                } else {
                    format!("bill {number}: {open} still open")
                }
            })
            .collect();
        if credit.is_positive() {
            texts.push(format!("{credit} stays as credit for the next bill"));
        }
        Ok(texts)
    }

    /// Each bill's open amount (bill number, open), oldest first, and the
    /// credit left over: derived from the bills and payments.
    pub async fn open_bills(
        &self,
        tx: &mut tarifa_store::Tx,
        market: &Market,
        customer_id: i64,
    ) -> Result<(Vec<(String, Money)>, Money)> {
        let bills = tx.bill_amounts_of_customer(customer_id).await?;
        let paid = tx.paid_by_customer(customer_id).await?;
        Ok(open_amounts(market, &bills, paid))
    }

    /// Writes a payment and its ledger transfer: money into the bank and off
    /// what the customer owes; a negative amount is a refund paid back.
    pub(crate) async fn record_payment(
        &self,
        tx: &mut tarifa_store::Tx,
        market: &Market,
        customer_id: i64,
        amount: Money,
        reference: &str,
        on: Date,
    ) -> Result<i64> {
        let transfer = ledger::payment_transfer(&market.id, customer_id, amount);
        let entries: Vec<NewEntry> = transfer
            .entries
            .iter()
            .map(|e| NewEntry {
                account: e.account.clone(),
                amount_minor: e.amount.minor(),
            })
            .collect();
        let row = PaymentRow {
            id: 0,
            market: market.id.clone(),
            customer_id,
            reference: reference.to_owned(),
            amount_minor: amount.minor(),
            received_on: on.to_string(),
            transfer_id: 0,
        };
        Ok(tx.insert_payment(&row, &entries).await?)
    }

    /// What a customer owes (positive) or has in credit (negative), in
    /// minor units, from the ledger.
    pub async fn receivable(&self, tx: &mut tarifa_store::Tx, customer_id: i64) -> Result<i64> {
        Ok(tx.account_balance(&ledger::receivable(customer_id)).await?)
    }
}

impl App {
    /// Records that the operator interrupted a contract's service from `from`
    /// to `to` (inclusive): no subscription is charged for those days (BIL-7).
    pub async fn record_interruption(
        &self,
        ctx: &Ctx,
        contract_id: i64,
        from: Date,
        to: Date,
        cause: InterruptionCause,
        announced_on: Option<Date>,
    ) -> Result<Decided<i64>> {
        let mut tx = self.begin(ctx).await?;
        let (row, market, today) = self.load_contract(&mut tx, contract_id).await?;
        let earlier = contract_interruptions(&mut tx, contract_id).await?;
        let mut decision = Decision::approved();
        if to < from {
            decision.refuse_plainly(format!(
                "the interruption ends ({to}) before it starts ({from})"
            ));
        }
        let days = bill::days_between(from, to);
        match cause {
            InterruptionCause::Interference => {
                decision.because(
                    rules::BIL_7,
                    format!("interference from {from} to {to}: {days} days without subscription"),
                );
            }
            InterruptionCause::Maintenance => {
                let announced_in_time = announced_on.is_some_and(|a| a < from);
                decision.because(
                    rules::BIL_7,
                    format!("maintenance from {from} to {to}: {days} days without subscription"),
                );
                if !announced_in_time {
                    decision.because(
                        rules::BIL_7,
                        "maintenance must be announced in public media at least one day before: no announcement in time is recorded",
                    );
                }
            }
        }
        let mut id = None;
        if decision.is_approved() {
            id = Some(
                tx.insert_interruption(&tarifa_store::InterruptionRow {
                    id: 0,
                    contract_id,
                    from_date: from.to_string(),
                    to_date: to.to_string(),
                    cause: cause.to_string(),
                    announced_on: announced_on.map(|d| d.to_string()),
                })
                .await?,
            );
            let contract = convert::contract(&mut tx, &market, row.clone()).await?;
            for credit in self
                .billed_interruption_credits(&mut tx, &market, &contract, (from, to), &earlier)
                .await?
            {
                let InterruptionCredit {
                    customer_id,
                    amount,
                    from: first,
                    to: last,
                    vat,
                } = credit;
                let mut charge = charge_row(
                    &market,
                    Charge {
                        customer_id,
                        contract_id: Some(contract_id),
                        on: today,
                        line: "credit",
                        category: tarifa_core::catalog::OneTimeCategory::OtherChargesCredits,
                        fee_kind: None,
                        amount: -amount,
                        rule: rules::BIL_7,
                        description: format!(
                            "credit for service interrupted by the operator, {first} – {last}, already billed, {}",
                            row.number
                        ),
                        phrase: Phrase::new("line-interruption-credit")
                            .date("from", first)
                            .date("to", last)
                            .text("number", row.number.clone()),
                    },
                );
                charge.vat = serde_json::to_string(&vat).unwrap_or_else(|_| "\"standard\"".into());
                tx.insert_charge(&charge).await?;
                decision.because(
                    rules::BIL_7,
                    format!(
                        "{first} – {last} was already billed: {amount} is credited on the next bill"
                    ),
                );
            }
        }
        conclude(
            tx,
            ctx,
            &market,
            today,
            "interruption",
            Some(format!("contract:{contract_id}")),
            Decided {
                decision,
                value: id,
            },
        )
        .await
    }
}

/// Gives a batch of bills the numbers reserved for it, from `first` on.
fn number_bills(market: &Market, year: i64, first: i64, bills: &mut [NewBill]) {
    for (i, new) in bills.iter_mut().enumerate() {
        new.bill.number = bill_number(market, year, first + i64::try_from(i).unwrap_or(0));
    }
}

/// Each bill's open amount (bill number, open), oldest first, and the credit
/// left over, when the customer paid `paid_minor` in all.
pub(crate) fn open_amounts(
    market: &Market,
    bills: &[tarifa_store::BillAmount],
    paid_minor: i64,
) -> (Vec<(String, Money)>, Money) {
    let mut amounts: Vec<(i64, Money)> = bills
        .iter()
        .map(|b| (b.id, Money::from_minor(b.total_minor, market.currency)))
        .collect();
    let links: Vec<(i64, i64)> = bills
        .iter()
        .filter_map(|b| b.corrects.map(|c| (b.id, c)))
        .collect();
    tarifa_core::correction::net_onto_corrected(&mut amounts, &links);
    let (open, credit) =
        ledger::allocate_oldest_first(&amounts, Money::from_minor(paid_minor, market.currency));
    (
        bills
            .iter()
            .zip(open)
            .map(|(b, (_, o))| (b.number.clone(), o))
            .collect(),
        credit,
    )
}
