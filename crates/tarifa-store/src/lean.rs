//! The lean SQLite path for bulk work (issue 17): a connection of its own to
//! the same database file, statements prepared once per batch and stepped
//! row by row with values bound from where they lie and read in place, on
//! the caller's thread. [`LeanWriter`] writes a bill run's batches,
//! [`LeanReader`] reads its ranges of accounts.
//!
//! The driver's path (sqlx) sends each statement to a worker thread with its
//! values copied into argument buffers, and builds multi-row statements that
//! SQLite parses again for every batch; for the bill run that was about half
//! of the writer's time (docs/benchmarks.md). Here a batch of bills costs a
//! few prepared statements' steps a bill.
//!
//! Only a SQLite *file* has this path: an in-memory database lives in the
//! pool's one connection, and PostgreSQL has its own bulk path. It writes the
//! same rows with the same statements as [`crate::Tx`] (the constants in
//! `billing.rs`, `notices.rs` and `journal.rs`), so either path gives the
//! same database; the scenario tests compare the two.

use std::path::Path;
use std::time::Duration;

use rusqlite::{OpenFlags, OptionalExtension, TransactionBehavior, params};

use crate::accounts_range::{
    AccountsRange, OwnerRow, RANGE_BALANCES, RANGE_CONTRACTS, RANGE_OWNERS, RANGE_PACKAGES,
    RANGE_USAGE, RangeRows,
};
use crate::billing::{
    ASSIGNOR_PART_BILLED, AfterBills, CHARGE_BILLED, INSERT_BILL_NOTICES_DUE,
    INSERT_BILL_TRANSFERS, INSERT_BILLS, INSERT_USAGE_BILLED, LATE_MONTH_BILLED, RESERVE_SEQUENCE,
    TAKE_BILL_NUMBERS, USAGE_BILLED_CONFLICT,
};
use crate::contracts::{INSERT_CONTRACTS, INSERT_PACKAGE_PERIODS};
use crate::journal::INSERT_AUDIT_EVENTS;
use crate::notices::{BILL_NOTICE_COLUMNS, INSERT_NOTICES, TAKE_BILL_NOTICES_DUE};
use crate::parties::{CUSTOMER_BY_ID, INSERT_CUSTOMERS, customer_from};
use crate::segment::NewSegments;
use crate::usage::{
    COUNT_USAGE_IMPORT, INSERT_USAGE_LATE, INSERT_USAGE_SEGMENTS, USAGE_LATE_CONFLICT,
};
use crate::{
    BillNoticeDue, ContractRow, CustomerRow, NewBill, NoticeRow, PackagePeriodRow, Result,
};

/// A connection for bulk writes to a SQLite file, for one actor.
pub struct LeanWriter {
    conn: rusqlite::Connection,
    actor: String,
}

/// One write transaction of a [`LeanWriter`]: like [`crate::Tx`], dropping
/// it without [`LeanTx::commit`] rolls everything back.
pub struct LeanTx<'a> {
    tx: rusqlite::Transaction<'a>,
    actor: &'a str,
    recorded_at: String,
}

/// A read-only connection for bulk reads of a SQLite file.
pub struct LeanReader {
    conn: rusqlite::Connection,
}

impl crate::Store {
    /// A reader on the lean path when the store is a SQLite file; `None`
    /// otherwise (see [`crate::Store::lean_writer`]).
    pub fn lean_reader(&self) -> Result<Option<LeanReader>> {
        let Some(path) = self.sqlite_file() else {
            return Ok(None);
        };
        let conn = rusqlite::Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        conn.busy_timeout(Duration::from_secs(30))?;
        conn.set_prepared_statement_cache_capacity(16);
        // Pages read through a mapping of the file instead of copied out by
        // `pread`: about 6 % less CPU for a bill run (docs/benchmarks.md).
        // The file only grows (no VACUUM, no auto-vacuum), so a mapped page
        // is never cut from under a reader. SQLite caps the mapping at 2 GB;
        // beyond it pages are read as before.
        conn.pragma_update(None, "mmap_size", 2_000_000_000i64)?;
        Ok(Some(LeanReader { conn }))
    }

    /// A writer on the lean path when the store is a SQLite file; `None` for
    /// an in-memory database and for PostgreSQL, which keep the driver's.
    pub fn lean_writer(&self, actor: &str) -> Result<Option<LeanWriter>> {
        let Some(path) = self.sqlite_file() else {
            return Ok(None);
        };
        LeanWriter::open(path, actor).map(Some)
    }
}

impl LeanWriter {
    fn open(path: &Path, actor: &str) -> Result<Self> {
        // The pool already made and migrated the file; this connection only
        // writes. One thread uses it, so SQLite's own mutex is not needed.
        let conn = rusqlite::Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        // What the pool's connections are opened with (`Store::open_with`).
        conn.busy_timeout(Duration::from_secs(30))?;
        conn.pragma_update(None, "foreign_keys", true)?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        // Statements are prepared once per connection, not once per batch.
        conn.set_prepared_statement_cache_capacity(32);
        Ok(Self {
            conn,
            actor: actor.to_owned(),
        })
    }

    /// Begins a write transaction, taking SQLite's write lock at once (as
    /// [`crate::Store::begin`] does). `recorded_at` is the instant of its
    /// audit events.
    pub fn begin(&mut self, recorded_at: &str) -> Result<LeanTx<'_>> {
        Ok(LeanTx {
            tx: self
                .conn
                .transaction_with_behavior(TransactionBehavior::Immediate)?,
            actor: &self.actor,
            recorded_at: recorded_at.to_owned(),
        })
    }
}

impl LeanReader {
    /// [`crate::Tx::accounts_range`], read in one transaction (one snapshot).
    pub fn accounts_range(
        &mut self,
        market: &str,
        after: i64,
        count: i64,
        period: &str,
    ) -> Result<Option<AccountsRange>> {
        let tx = self.conn.transaction()?;
        let owners = tx
            .prepare_cached(RANGE_OWNERS)?
            .query_map(params![market, after, count], |r| {
                Ok(OwnerRow {
                    id: r.get(0)?,
                    name: r.get(1)?,
                    address: r.get(2)?,
                    email: r.get(3)?,
                })
            })?
            .collect::<Result<Vec<_>, _>>()?;
        let Some(last) = owners.last().map(|o| o.id) else {
            return Ok(None);
        };
        let range = params![market, after, last];
        let contracts = tx
            .prepare_cached(RANGE_CONTRACTS)?
            .query_map(range, |r| {
                Ok(ContractRow {
                    id: r.get(0)?,
                    market: r.get(1)?,
                    handle: r.get(2)?,
                    customer_id: r.get(3)?,
                    package_id: r.get(4)?,
                    number: r.get(5)?,
                    status: r.get(6)?,
                    channel: r.get(7)?,
                    signed_on: r.get(8)?,
                    activated_on: r.get(9)?,
                    commitment_start: r.get(10)?,
                    commitment_months: r.get(11)?,
                    commitment_end: r.get(12)?,
                    deposit_may_be_required: r.get(13)?,
                    ended_on: r.get(14)?,
                    device_id: r.get(15)?,
                    device_imei: r.get(16)?,
                    device_price_minor: r.get(17)?,
                    device_instalments: r.get(18)?,
                    device_lent: r.get(19)?,
                    device_sim_locked: r.get(20)?,
                    suspended_on: r.get(21)?,
                    suspension_cause: r.get(22)?,
                    return_by: r.get(23)?,
                    equipment_returned_on: r.get(24)?,
                    owner_since: r.get(25)?,
                })
            })?
            .collect::<Result<Vec<_>, _>>()?;
        let packages = tx
            .prepare_cached(RANGE_PACKAGES)?
            .query_map(range, |r| {
                Ok(PackagePeriodRow {
                    contract_id: r.get(0)?,
                    valid_from: r.get(1)?,
                    seq: r.get(2)?,
                    package_id: r.get(3)?,
                })
            })?
            .collect::<Result<Vec<_>, _>>()?;
        let segments = tx
            .prepare_cached(RANGE_USAGE)?
            .query_map(params![market, after, last, period], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        let balances = tx
            .prepare_cached(RANGE_BALANCES)?
            .query_map(range, |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<Vec<_>, _>>()?;
        tx.finish()?;
        AccountsRange::assemble(
            after,
            owners,
            RangeRows {
                contracts,
                packages,
                segments,
                balances,
            },
            period,
        )
    }
}

impl LeanTx<'_> {
    pub fn commit(self) -> Result<()> {
        Ok(self.tx.commit()?)
    }

    /// [`crate::Tx::reserve_bill_numbers`].
    pub fn reserve_bill_numbers(&mut self, market: &str, year: i64, count: i64) -> Result<i64> {
        self.tx
            .prepare_cached(RESERVE_SEQUENCE)?
            .execute(params![market, year])?;
        Ok(self
            .tx
            .prepare_cached(TAKE_BILL_NUMBERS)?
            .query_row(params![count, market, year], |row| row.get(0))?)
    }

    /// [`crate::Tx::insert_bills`]: each bill's transfer and row, then what
    /// follows from them ([`AfterBills`]) and one audit event.
    pub fn insert_bills(&mut self, bills: &[NewBill]) -> Result<()> {
        if bills.is_empty() {
            return Ok(());
        }
        let mut ids = std::collections::HashMap::with_capacity(bills.len());
        {
            let mut transfer = self.tx.prepare_cached(&format!(
                "{INSERT_BILL_TRANSFERS} VALUES (?1, 'bill', ?2, ?3, ?4, ?5, ?6)"
            ))?;
            let mut bill = self.tx.prepare_cached(&format!(
                "{INSERT_BILLS} VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)"
            ))?;
            for new in bills {
                let b = &new.bill;
                let packed = crate::ledger::pack("bill", &b.number, &new.entries)?;
                transfer.execute(params![
                    b.market,
                    b.number,
                    b.issued_on,
                    packed.customer_id,
                    packed.receivable_minor,
                    packed.legs
                ])?;
                let transfer_id = self.tx.last_insert_rowid();
                let line_count = i64::try_from(new.body.line_count()).unwrap_or(i64::MAX);
                bill.execute(params![
                    b.market,
                    b.number,
                    b.kind,
                    b.customer_id,
                    b.period,
                    b.period_from,
                    b.period_to,
                    b.issued_on,
                    b.due_on,
                    b.total_minor,
                    b.vat_minor,
                    b.previous_balance_minor,
                    b.total_due_minor,
                    transfer_id,
                    new.body.bytes(),
                    line_count
                ])?;
                ids.insert(b.number.as_str(), self.tx.last_insert_rowid());
            }
        }
        let after = AfterBills::of(bills, |number| ids.get(number).copied())?;
        {
            let mut due = self
                .tx
                .prepare_cached(&format!("{INSERT_BILL_NOTICES_DUE} VALUES (?1)"))?;
            for id in &after.ids {
                due.execute([id])?;
            }
        }
        if !after.reports.is_empty() {
            let mut queue = self.tx.prepare_cached(&format!(
                "{} VALUES (?1, ?2, ?3, 'queued', ?4)",
                crate::einvoices::INSERT_EINVOICE_SUBMISSIONS
            ))?;
            for (id, market, authority) in &after.reports {
                queue.execute(params![id, market, authority, self.recorded_at])?;
            }
        }
        {
            let mut snapshot = self.tx.prepare_cached(&format!(
                "{INSERT_USAGE_BILLED} VALUES (?1, ?2, ?3, ?4, ?5, ?6){USAGE_BILLED_CONFLICT}"
            ))?;
            for (contract, period, bill, text, u) in &after.snapshots {
                snapshot.execute(params![
                    contract,
                    period,
                    bill,
                    text,
                    u.before_transfer,
                    u.assignee_base
                ])?;
            }
        }
        for u in &after.assignor_parts {
            self.tx
                .prepare_cached(ASSIGNOR_PART_BILLED)?
                .execute(params![
                    u.before_transfer,
                    u.assignee_base,
                    u.contract_id,
                    u.period
                ])?;
        }
        for (contract, period) in &after.late_done {
            self.tx
                .prepare_cached(LATE_MONTH_BILLED)?
                .execute(params![contract, period])?;
        }
        for (bill, charge) in &after.charges {
            self.tx
                .prepare_cached(CHARGE_BILLED)?
                .execute(params![bill, charge])?;
        }
        let (business_date, action, entity, entity_id, detail) = &after.event;
        self.audit(business_date.as_deref(), action, entity, entity_id, detail)
    }

    /// [`crate::Tx::insert_usage_segments`]: a row a segment, the bodies
    /// bound from where they lie.
    pub fn insert_usage_segments(&mut self, segments: &NewSegments) -> Result<()> {
        let mut statement = self.tx.prepare_cached(&format!(
            "{INSERT_USAGE_SEGMENTS} VALUES (?1, ?2, ?3, ?4, ?5, ?6)"
        ))?;
        for s in segments.iter() {
            statement.execute(params![
                s.contract_id,
                s.period,
                s.import_id,
                s.records,
                s.totals,
                s.body
            ])?;
        }
        Ok(())
    }

    /// [`crate::Tx::mark_late_usage`].
    pub fn mark_late_usage(&mut self, keys: &[(i64, String)]) -> Result<()> {
        let mut statement = self.tx.prepare_cached(&format!(
            "{INSERT_USAGE_LATE} VALUES (?1, ?2){USAGE_LATE_CONFLICT}"
        ))?;
        for (contract, period) in keys {
            statement.execute(params![contract, period])?;
        }
        Ok(())
    }

    /// [`crate::Tx::count_usage_import`].
    pub fn count_usage_import(
        &mut self,
        id: i64,
        imported: i64,
        duplicates: i64,
        rejected: i64,
        finished: bool,
    ) -> Result<()> {
        let at = finished.then_some(self.recorded_at.as_str());
        self.tx
            .prepare_cached(COUNT_USAGE_IMPORT)?
            .execute(params![imported, duplicates, rejected, at, id])?;
        Ok(())
    }

    /// [`crate::Tx::insert_customers_quietly`]: ids in the rows' order.
    pub fn insert_customers_quietly(&mut self, rows: &[CustomerRow]) -> Result<Vec<i64>> {
        let mut statement = self.tx.prepare_cached(&format!(
            "{INSERT_CUSTOMERS} VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)"
        ))?;
        let mut ids = Vec::with_capacity(rows.len());
        for row in rows {
            statement.execute(params![
                row.market,
                row.handle,
                row.kind,
                row.residency,
                row.name,
                row.email,
                row.phone,
                row.address,
                row.id_document,
                row.id_document_number,
                row.keeps_document_copies,
                row.directory,
                row.marketing_consent,
                row.language,
                row.registered_on,
                row.tax_number
            ])?;
            ids.push(self.tx.last_insert_rowid());
        }
        Ok(ids)
    }

    /// [`crate::Tx::insert_contracts_quietly`]: each contract with its first
    /// package period; ids in the rows' order.
    pub fn insert_contracts_quietly(&mut self, rows: &[ContractRow]) -> Result<Vec<i64>> {
        let mut contract = self.tx.prepare_cached(&format!(
            "{INSERT_CONTRACTS} VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20)"
        ))?;
        let mut package = self
            .tx
            .prepare_cached(&format!("{INSERT_PACKAGE_PERIODS} VALUES (?1, ?2, 0, ?3)"))?;
        let mut ids = Vec::with_capacity(rows.len());
        for row in rows {
            contract.execute(params![
                row.market,
                row.handle,
                row.customer_id,
                row.package_id,
                row.number,
                row.status,
                row.channel,
                row.signed_on,
                row.activated_on,
                row.commitment_start,
                row.commitment_months,
                row.commitment_end,
                row.deposit_may_be_required,
                row.ended_on,
                row.device_id,
                row.device_imei,
                row.device_price_minor,
                row.device_instalments,
                row.device_lent,
                row.device_sim_locked
            ])?;
            let id = self.tx.last_insert_rowid();
            package.execute(params![id, row.activated_on, row.package_id])?;
            ids.push(id);
        }
        Ok(ids)
    }

    /// [`crate::Tx::audit`]: one event, by the writer's actor.
    pub fn audit(
        &mut self,
        business_date: Option<&str>,
        action: &str,
        entity: &str,
        entity_id: &str,
        detail: &serde_json::Value,
    ) -> Result<()> {
        self.tx
            .prepare_cached(&format!(
                "{INSERT_AUDIT_EVENTS} VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"
            ))?
            .execute(params![
                self.recorded_at,
                business_date,
                self.actor,
                action,
                entity,
                entity_id,
                detail.to_string()
            ])?;
        Ok(())
    }

    /// [`crate::Tx::take_bill_notices_due`].
    pub fn take_bill_notices_due(&mut self, limit: i64) -> Result<Vec<BillNoticeDue>> {
        let mut ids = self
            .tx
            .prepare_cached(TAKE_BILL_NOTICES_DUE)?
            .query_map([limit], |r| r.get::<_, i64>(0))?
            .collect::<Result<Vec<_>, _>>()?;
        ids.sort_unstable();
        let mut statement = self.tx.prepare_cached(&format!(
            "SELECT {BILL_NOTICE_COLUMNS} FROM bills WHERE id = ?1"
        ))?;
        let mut due = Vec::with_capacity(ids.len());
        for id in ids {
            due.push(statement.query_row([id], |r| {
                Ok(BillNoticeDue {
                    bill_id: r.get(0)?,
                    market: r.get(1)?,
                    number: r.get(2)?,
                    customer_id: r.get(3)?,
                    period_from: r.get(4)?,
                    period_to: r.get(5)?,
                    issued_on: r.get(6)?,
                    due_on: r.get(7)?,
                    total_due_minor: r.get(8)?,
                    kind: r.get(9)?,
                    total_minor: r.get(10)?,
                })
            })?);
        }
        Ok(due)
    }

    /// [`crate::Tx::customers_in`]: the customers of these ids that exist, by id.
    pub fn customers_in(&mut self, ids: &[i64]) -> Result<Vec<CustomerRow>> {
        let mut sorted = ids.to_vec();
        sorted.sort_unstable();
        sorted.dedup();
        let mut statement = self.tx.prepare_cached(CUSTOMER_BY_ID)?;
        let mut rows = Vec::with_capacity(sorted.len());
        for id in sorted {
            let row = statement.query_row([id], customer_from).optional()?;
            rows.extend(row);
        }
        Ok(rows)
    }

    /// [`crate::Tx::insert_notices`].
    pub fn insert_notices(&mut self, notices: &[NoticeRow]) -> Result<()> {
        let mut statement = self.tx.prepare_cached(&format!(
            "{INSERT_NOTICES} VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"
        ))?;
        for n in notices {
            statement.execute(params![
                n.market,
                n.customer_id,
                n.contract_id,
                n.on_date,
                n.kind,
                n.channel,
                n.rules,
                n.text,
                n.language,
                n.subject
            ])?;
        }
        Ok(())
    }
}
