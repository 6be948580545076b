//! Bills, their lines, pending charges, the ledger and payments.

use crate::pg_copy::CopyRows;
use crate::{
    BalanceRow, BillAmount, BillLineRow, BillRow, ChargeRow, NewBill, NewEntry, PaymentRow, Result,
    StoreError, Tx, on_tx,
};

/// The columns of a [`BillRow`]: its detail is read from the body, its lines
/// are not (most readers — dunning, listings, the bill run's history — do
/// not need them).
macro_rules! bill_columns {
    () => {
        "id, market, number, kind, customer_id, period, period_from, period_to, issued_on, due_on, \
total_minor, vat_minor, previous_balance_minor, total_due_minor, body, transfer_id"
    };
}
pub(crate) const BILL_COLUMNS: &str = bill_columns!();
// The point reads the lean path shares (`crate::lean_reads`).
pub(crate) const BILL_BY_ID: &str =
    concat!("SELECT ", bill_columns!(), " FROM bills WHERE id = $1");
pub(crate) const BILL_AMOUNTS_OF_CUSTOMER: &str = "SELECT b.id, b.number, b.total_minor, c.bill_id AS corrects FROM bills b \
     LEFT JOIN bill_corrections c ON c.credit_note_id = b.id WHERE b.customer_id = $1 ORDER BY b.id";
pub(crate) const PAID_BY_CUSTOMER: &str = "SELECT paid_minor FROM customers WHERE id = $1";

// The statements that write a batch of bills, shared by the driver's path
// and the lean SQLite path (`crate::lean`): the inserts take their VALUES
// after them, the rest bind `$1`, `$2`, … in order.
pub(crate) const INSERT_BILL_TRANSFERS: &str = "INSERT INTO ledger_transfers (market, kind, reference, on_date, customer_id, receivable_minor, legs) ";
pub(crate) const INSERT_BILLS: &str = "INSERT INTO bills (market, number, kind, customer_id, period, period_from, \
period_to, issued_on, due_on, total_minor, vat_minor, previous_balance_minor, total_due_minor, transfer_id, body, line_count) ";
pub(crate) const INSERT_USAGE_BILLED: &str = "INSERT INTO usage_billed (contract_id, period, bill_id, snapshot, before_transfer, assignee_base) ";
/// A month billed again (late usage) replaces its snapshot; the parts of a
/// month split by a transfer are kept unless given anew.
pub(crate) const USAGE_BILLED_CONFLICT: &str = " ON CONFLICT (contract_id, period) DO UPDATE SET \
bill_id = excluded.bill_id, snapshot = excluded.snapshot, \
before_transfer = COALESCE(excluded.before_transfer, usage_billed.before_transfer), \
assignee_base = COALESCE(excluded.assignee_base, usage_billed.assignee_base)";
pub(crate) const ASSIGNOR_PART_BILLED: &str = "UPDATE usage_billed SET before_transfer = COALESCE($1, before_transfer), \
assignee_base = COALESCE($2, assignee_base) WHERE contract_id = $3 AND period = $4";
pub(crate) const LATE_MONTH_BILLED: &str =
    "DELETE FROM usage_late WHERE contract_id = $1 AND period = $2";
pub(crate) const INSERT_BILL_NOTICES_DUE: &str = "INSERT INTO bill_notices_due (bill_id) ";
pub(crate) const CHARGE_BILLED: &str =
    "UPDATE charges SET bill_id = $1 WHERE id = $2 AND bill_id IS NULL";
pub(crate) const RESERVE_SEQUENCE: &str = "INSERT INTO bill_sequences (market, year, next_value) VALUES ($1, $2, 1) \
ON CONFLICT (market, year) DO NOTHING";
pub(crate) const TAKE_BILL_NUMBERS: &str = "UPDATE bill_sequences SET next_value = next_value + $1 \
WHERE market = $2 AND year = $3 RETURNING next_value - $1";

impl crate::Store {
    /// Moves bills stored before migration 0037 into their body
    /// ([`crate::bill_body`]): the detail from `bills.detail`, the lines from
    /// `bills.lines` or, older still, the table `bill_lines`; then drops
    /// those. Runs once, in one transaction, a page of bills at a time.
    pub async fn convert_bill_bodies(&self) -> Result<()> {
        // Every open asks; only a store of the old shape takes the write lock.
        let mut tx = self.begin_read("store", "1970-01-01T00:00:00Z").await?;
        let old = tx.has_column("bills", "detail").await?;
        tx.rollback().await?;
        if !old {
            return Ok(());
        }
        let mut tx = self.begin("store", "1970-01-01T00:00:00Z").await?;
        if !tx.has_column("bills", "detail").await? {
            // Another process converted them in between.
            return tx.rollback().await;
        }
        let line_table = tx.has_table("bill_lines").await?;
        let mut after = i64::MIN;
        loop {
            let bills: Vec<(i64, String, Option<Vec<u8>>)> = on_tx!(&mut tx, c => {
                sqlx::query_as("SELECT id, detail, lines FROM bills WHERE id > $1 ORDER BY id LIMIT 5000")
                    .bind(after)
                    .fetch_all(&mut *c)
                    .await?
            });
            let (Some(first), Some(last)) = (bills.first(), bills.last()) else {
                break;
            };
            let (first, last) = (first.0, last.0);
            let mut in_table: std::collections::HashMap<i64, Vec<BillLineRow>> =
                std::collections::HashMap::new();
            if line_table {
                let rows: Vec<BillLineRow> = on_tx!(&mut tx, c => {
                    sqlx::query_as("SELECT bill_id, position, contract_id, kind, description, amount_minor, vat, rule, category, phrase
                         FROM bill_lines WHERE bill_id BETWEEN $1 AND $2 ORDER BY bill_id, position")
                        .bind(first)
                        .bind(last)
                        .fetch_all(&mut *c)
                        .await?
                });
                for row in rows {
                    in_table.entry(row.bill_id).or_default().push(row);
                }
            }
            for (id, detail, lines) in bills {
                let lines = match in_table.remove(&id) {
                    Some(lines) => lines,
                    None => crate::bill_body::lines_v1(id, lines.as_deref())?,
                };
                let body = crate::EncodedBody::from_json(&detail, &lines)?;
                let count = i64::try_from(lines.len()).unwrap_or(i64::MAX);
                on_tx!(&mut tx, c => {
                    sqlx::query("UPDATE bills SET body = $1, line_count = $2 WHERE id = $3")
                        .bind(body.bytes())
                        .bind(count)
                        .bind(id)
                        .execute(&mut *c)
                        .await?;
                });
            }
            after = last;
        }
        on_tx!(&mut tx, c => {
            if line_table {
                sqlx::query("DROP TABLE bill_lines").execute(&mut *c).await?;
            }
            sqlx::query("ALTER TABLE bills DROP COLUMN detail").execute(&mut *c).await?;
            sqlx::query("ALTER TABLE bills DROP COLUMN lines").execute(&mut *c).await?;
        });
        tx.commit().await
    }
}

/// What a batch of bills writes once the bills have their ids, the same on
/// every path that writes them: the usage snapshots, the assignors' parts of
/// months split by a transfer, the late months now billed, the charges each
/// bill carries, and one audit event listing the bills (the hub tells each).
pub(crate) struct AfterBills<'a> {
    pub event: crate::AuditEvent,
    /// Contract, month, bill id, snapshot, what was billed.
    pub snapshots: Vec<(i64, &'a str, i64, &'a str, &'a crate::UsageBilled)>,
    pub assignor_parts: Vec<&'a crate::UsageBilled>,
    pub late_done: Vec<(i64, &'a str)>,
    /// Bill id, charge id.
    pub charges: Vec<(i64, i64)>,
    /// The bills, whose notices the outbox is to make.
    pub ids: Vec<i64>,
    /// Bill id, market and authority of each bill reported to one.
    pub reports: Vec<(i64, &'a str, &'static str)>,
}

impl<'a> AfterBills<'a> {
    pub(crate) fn of(bills: &'a [NewBill], id_of: impl Fn(&str) -> Option<i64>) -> Result<Self> {
        let mut issued = Vec::with_capacity(bills.len());
        let mut charges = Vec::new();
        let mut snapshots = Vec::new();
        let mut assignor_parts = Vec::new();
        let mut late_done = Vec::new();
        let mut ids = Vec::with_capacity(bills.len());
        let mut reports = Vec::new();
        for new in bills {
            let b = &new.bill;
            let id = id_of(&b.number).ok_or_else(|| {
                StoreError::Conflict(format!("bill {} was not written", b.number))
            })?;
            ids.push(id);
            if let Some(authority) = new.reported_to {
                reports.push((id, b.market.as_str(), authority));
            }
            charges.extend(new.charge_ids.iter().map(|c| (id, *c)));
            issued.push(serde_json::json!({ "id": id, "number": b.number, "customer": b.customer_id, "period": b.period, "total": b.total_minor }));
            for u in &new.usage_billed {
                match &u.snapshot {
                    Some(snapshot) => {
                        snapshots.push((
                            u.contract_id,
                            u.period.as_str(),
                            id,
                            snapshot.as_str(),
                            u,
                        ));
                        if u.period.as_str() < b.period.as_str() {
                            late_done.push((u.contract_id, u.period.as_str()));
                        }
                    }
                    None => assignor_parts.push(u),
                }
            }
        }
        let first = bills
            .first()
            .map(|b| &b.bill)
            .ok_or_else(|| StoreError::Conflict("a batch of bills without a bill".into()))?;
        Ok(Self {
            event: (
                Some(first.issued_on.clone()),
                "issue",
                "bill_batch",
                first.number.clone(),
                serde_json::json!({ "bills": issued }),
            ),
            snapshots,
            assignor_parts,
            late_done,
            charges,
            ids,
            reports,
        })
    }
}

// PostgreSQL's bulk path for a batch of bills (`crate::pg_copy`).
const RESERVE_IDS: &str =
    "SELECT nextval(pg_get_serial_sequence($1, 'id')) FROM generate_series(1, $2)";
const COPY_BILL_TRANSFERS: &str = "COPY ledger_transfers (id, market, kind, reference, on_date, \
customer_id, receivable_minor, legs) FROM STDIN (FORMAT binary)";
const COPY_BILLS: &str = "COPY bills (id, market, number, kind, customer_id, period, period_from, \
period_to, issued_on, due_on, total_minor, vat_minor, previous_balance_minor, total_due_minor, \
transfer_id, body, line_count) FROM STDIN (FORMAT binary)";
const COPY_BILL_NOTICES_DUE: &str = "COPY bill_notices_due (bill_id) FROM STDIN (FORMAT binary)";

/// `count` ids of `table`'s identity, taken from its sequence, ascending.
async fn reserve_ids(conn: &mut sqlx::PgConnection, table: &str, count: usize) -> Result<Vec<i64>> {
    let count = i64::try_from(count).unwrap_or(i64::MAX);
    let mut ids: Vec<i64> = sqlx::query_scalar(RESERVE_IDS)
        .bind(table)
        .bind(count)
        .fetch_all(conn)
        .await?;
    ids.sort_unstable();
    Ok(ids)
}

/// Writes a batch of bills and their transfers by COPY; returns the bills'
/// ids by number. The rows, and the constraints they meet, are those of the
/// `INSERT`s of the other path.
async fn copy_bills(
    conn: &mut sqlx::PgConnection,
    bills: &[NewBill],
    packed: &[crate::ledger::Packed],
) -> Result<std::collections::HashMap<String, i64>> {
    let transfer_ids = reserve_ids(conn, "ledger_transfers", bills.len()).await?;
    let bill_ids = reserve_ids(conn, "bills", bills.len()).await?;
    if transfer_ids.len() != bills.len() || bill_ids.len() != bills.len() {
        return Err(StoreError::Conflict(
            "the sequences gave fewer ids than bills".into(),
        ));
    }
    let mut transfers = CopyRows::new(8);
    for ((new, packed), id) in bills.iter().zip(packed).zip(&transfer_ids) {
        transfers
            .row()
            .int8(*id)
            .text(&new.bill.market)
            .text("bill")
            .text(&new.bill.number)
            .text(&new.bill.issued_on)
            .opt_int8(packed.customer_id)
            .int8(packed.receivable_minor)
            .text(&packed.legs);
    }
    transfers.send(conn, COPY_BILL_TRANSFERS).await?;
    let mut rows = CopyRows::new(17);
    for ((new, id), transfer) in bills.iter().zip(&bill_ids).zip(&transfer_ids) {
        let b = &new.bill;
        rows.row()
            .int8(*id)
            .text(&b.market)
            .text(&b.number)
            .text(&b.kind)
            .int8(b.customer_id)
            .text(&b.period)
            .text(&b.period_from)
            .text(&b.period_to)
            .text(&b.issued_on)
            .text(&b.due_on)
            .int8(b.total_minor)
            .int8(b.vat_minor)
            .int8(b.previous_balance_minor)
            .int8(b.total_due_minor)
            .int8(*transfer)
            .bytes(new.body.bytes())
            .int4(i32::try_from(new.body.line_count()).unwrap_or(i32::MAX));
    }
    rows.send(conn, COPY_BILLS).await?;
    Ok(bills
        .iter()
        .zip(bill_ids)
        .map(|(new, id)| (new.bill.number.clone(), id))
        .collect())
}

impl Tx {
    /// The monthly bills of every market and period, newest periods first
    /// (the bill-run page's history; a scan of the bills).
    pub async fn bill_run_totals(&mut self, periods: i64) -> Result<Vec<crate::BillRunTotal>> {
        Ok(on_tx!(self, c => {
            sqlx::query_as::<_, crate::BillRunTotal>(
                "SELECT market, period, COUNT(*) AS bills,
                        CAST(COALESCE(SUM(total_minor), 0) AS BIGINT) AS total_minor,
                        MIN(issued_on) AS first_issued_on
                 FROM bills WHERE kind = 'monthly'
                 GROUP BY market, period ORDER BY period DESC, market LIMIT $1",
            )
            .bind(periods)
            .fetch_all(c)
            .await?
        }))
    }

    /// Writes a balanced transfer; returns its id. An unbalanced transfer, or
    /// a second one with the same kind and reference, is refused.
    pub async fn insert_transfer(
        &mut self,
        market: &str,
        kind: &str,
        reference: &str,
        on_date: &str,
        entries: &[NewEntry],
    ) -> Result<i64> {
        let packed = crate::ledger::pack(kind, reference, entries)?;
        let id: i64 = on_tx!(self, c => {
            sqlx::query_scalar(
                "INSERT INTO ledger_transfers (market, kind, reference, on_date, customer_id, receivable_minor, legs)
                 VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
            )
            .bind(market)
            .bind(kind)
            .bind(reference)
            .bind(on_date)
            .bind(packed.customer_id)
            .bind(packed.receivable_minor)
            .bind(&packed.legs)
            .fetch_one(c)
            .await?
        });
        Ok(id)
    }

    /// Sums of the receivable accounts of a market's customers.
    pub async fn receivable_balances(&mut self, market: &str) -> Result<Vec<BalanceRow>> {
        Ok(on_tx!(self, c => {
            sqlx::query_as::<_, BalanceRow>(
                "SELECT 'receivable:customer:' || CAST(customer_id AS TEXT) AS account,
                        CAST(SUM(receivable_minor) AS BIGINT) AS amount_minor
                 FROM ledger_transfers WHERE market = $1 AND customer_id IS NOT NULL
                 GROUP BY customer_id ORDER BY customer_id",
            )
            .bind(market)
            .fetch_all(c)
            .await?
        }))
    }

    /// The sum of one account's postings: a customer's receivable from its
    /// own column (indexed), any other account from the packed legs.
    pub async fn account_balance(&mut self, account: &str) -> Result<i64> {
        if let Some(customer_id) = crate::ledger::receivable_customer(account) {
            return Ok(on_tx!(self, c => {
                sqlx::query_scalar::<_, i64>(
                    "SELECT CAST(COALESCE(SUM(receivable_minor), 0) AS BIGINT) FROM ledger_transfers WHERE customer_id = $1",
                )
                .bind(customer_id)
                .fetch_one(c)
                .await?
            }));
        }
        let pattern = format!("%{account}=%");
        let rows: Vec<String> = on_tx!(self, c => {
            sqlx::query_scalar("SELECT legs FROM ledger_transfers WHERE legs LIKE $1")
                .bind(&pattern)
                .fetch_all(c)
                .await?
        });
        let mut sum = 0;
        for legs in &rows {
            for (name, amount) in crate::ledger::legs(legs)? {
                if name == account {
                    sum += amount;
                }
            }
        }
        Ok(sum)
    }

    /// How many transfers a market's ledger holds: one row each.
    pub async fn count_transfers(&mut self, market: &str) -> Result<i64> {
        Ok(on_tx!(self, c => {
            sqlx::query_scalar("SELECT COUNT(*) FROM ledger_transfers WHERE market = $1")
                .bind(market)
                .fetch_one(c)
                .await?
        }))
    }

    /// The ledger's own check: the sum of all entries of a market, and the
    /// number of transfers whose entries do not add up to zero.
    pub async fn ledger_check(&mut self, market: &str) -> Result<(i64, i64)> {
        let rows: Vec<(i64, String)> = on_tx!(self, c => {
            sqlx::query_as("SELECT receivable_minor, legs FROM ledger_transfers WHERE market = $1")
                .bind(market)
                .fetch_all(c)
                .await?
        });
        let (mut total, mut unbalanced) = (0_i64, 0_i64);
        for (receivable, legs) in &rows {
            let sum = receivable
                + crate::ledger::legs(legs)?
                    .iter()
                    .map(|(_, amount)| amount)
                    .sum::<i64>();
            total += sum;
            unbalanced += i64::from(sum != 0);
        }
        Ok((total, unbalanced))
    }

    /// Each monthly bill's amount for a period with the number of the
    /// account's first contract, in bill order: what a benchmark compares,
    /// read without the bills' details.
    pub async fn bill_totals(&mut self, market: &str, period: &str) -> Result<Vec<(String, i64)>> {
        Ok(on_tx!(self, c => {
            sqlx::query_as(
                "SELECT COALESCE((SELECT number FROM contracts k WHERE k.customer_id = b.customer_id ORDER BY k.id LIMIT 1), '?'),
                        b.total_minor
                 FROM bills b WHERE b.market = $1 AND b.period = $2 AND b.kind = 'monthly' ORDER BY b.id",
            )
            .bind(market)
            .bind(period)
            .fetch_all(c)
            .await?
        }))
    }

    /// Customers of a market already billed for a period.
    pub async fn billed_customers(&mut self, market: &str, period: &str) -> Result<Vec<i64>> {
        Ok(on_tx!(self, c => {
            sqlx::query_scalar("SELECT customer_id FROM bills WHERE market = $1 AND period = $2 AND kind = 'monthly' ORDER BY customer_id")
                .bind(market)
                .bind(period)
                .fetch_all(c)
                .await?
        }))
    }

    /// Reserves `count` consecutive bill numbers of a market and year; returns
    /// the first. Committed with the bills that use them, so numbers have no gaps.
    pub async fn reserve_bill_numbers(
        &mut self,
        market: &str,
        year: i64,
        count: i64,
    ) -> Result<i64> {
        on_tx!(self, c => {
            sqlx::query(RESERVE_SEQUENCE)
                .bind(market)
                .bind(year)
                .execute(&mut *c)
                .await?;
            let first: i64 = sqlx::query_scalar(TAKE_BILL_NUMBERS)
            .bind(count)
            .bind(market)
            .bind(year)
            .fetch_one(&mut *c)
            .await?;
            Ok(first)
        })
    }

    /// Writes a batch of bills in a few multi-row statements: their
    /// transfers and entries, the bills, their lines, the charges they carry
    /// and an audit event each.
    pub async fn insert_bills(&mut self, bills: &[NewBill]) -> Result<()> {
        if bills.is_empty() {
            return Ok(());
        }
        let packed = bills
            .iter()
            .map(|new| crate::ledger::pack("bill", &new.bill.number, &new.entries))
            .collect::<Result<Vec<_>>>()?;
        // On PostgreSQL the transfers and bills go by COPY, with ids taken
        // from their sequences first.
        if let crate::TxInner::Postgres(t) = &mut self.inner {
            let bill_ids = copy_bills(t, bills, &packed).await?;
            return self.after_bills(bills, &bill_ids).await;
        }
        let mut transfer_ids: std::collections::HashMap<String, i64> =
            std::collections::HashMap::new();
        let with_packed: Vec<_> = bills.iter().zip(&packed).collect();
        // 7 values a transfer: SQLite takes at most 32,766 in one statement.
        for chunk in with_packed.chunks(4_000) {
            let rows: Vec<(i64, String)> = on_tx!(self, c => {
                let mut query = sqlx::QueryBuilder::new(INSERT_BILL_TRANSFERS);
                query.push_values(chunk, |mut row, (new, packed)| {
                    row.push_bind(&new.bill.market)
                        .push_bind("bill")
                        .push_bind(&new.bill.number)
                        .push_bind(&new.bill.issued_on)
                        .push_bind(packed.customer_id)
                        .push_bind(packed.receivable_minor)
                        .push_bind(&packed.legs);
                });
                query.push(" RETURNING id, reference");
                query.build_query_as::<(i64, String)>().fetch_all(c).await?
            });
            transfer_ids.extend(rows.into_iter().map(|(id, reference)| (reference, id)));
        }
        let transfer_of = |number: &str| {
            transfer_ids.get(number).copied().ok_or_else(|| {
                StoreError::Conflict(format!("bill {number}: its transfer was not written"))
            })
        };
        let mut bill_ids: std::collections::HashMap<String, i64> = std::collections::HashMap::new();
        // 16 values a bill: SQLite takes at most 32,766 in one statement.
        for chunk in bills.chunks(1_500) {
            let mut with_transfer = Vec::with_capacity(chunk.len());
            for new in chunk {
                with_transfer.push((
                    transfer_of(&new.bill.number)?,
                    &new.bill,
                    new.body.bytes(),
                    i64::try_from(new.body.line_count()).unwrap_or(i64::MAX),
                ));
            }
            let rows: Vec<(i64, String)> = on_tx!(self, c => {
                let mut query = sqlx::QueryBuilder::new(INSERT_BILLS);
                query.push_values(&with_transfer, |mut row, (transfer, b, body, count)| {
                    row.push_bind(&b.market)
                        .push_bind(&b.number)
                        .push_bind(&b.kind)
                        .push_bind(b.customer_id)
                        .push_bind(&b.period)
                        .push_bind(&b.period_from)
                        .push_bind(&b.period_to)
                        .push_bind(&b.issued_on)
                        .push_bind(&b.due_on)
                        .push_bind(b.total_minor)
                        .push_bind(b.vat_minor)
                        .push_bind(b.previous_balance_minor)
                        .push_bind(b.total_due_minor)
                        .push_bind(*transfer)
                        .push_bind(body)
                        .push_bind(*count);
                });
                query.push(" RETURNING id, number");
                query.build_query_as::<(i64, String)>().fetch_all(c).await?
            });
            bill_ids.extend(rows.into_iter().map(|(id, number)| (number, id)));
        }
        self.after_bills(bills, &bill_ids).await
    }

    /// What follows a batch of bills once they are stored: their notices
    /// due, usage snapshots, months and charges marked billed, and the
    /// batch's audit event.
    async fn after_bills(
        &mut self,
        bills: &[NewBill],
        bill_ids: &std::collections::HashMap<String, i64>,
    ) -> Result<()> {
        let after = AfterBills::of(bills, |number| bill_ids.get(number).copied())?;
        let AfterBills {
            event,
            snapshots,
            assignor_parts,
            late_done,
            charges,
            ids,
            reports,
        } = after;
        // Each reported bill is queued for its authority with the bill.
        for chunk in reports.chunks(5_000) {
            let at = self.recorded_at.clone();
            on_tx!(self, c => {
                let mut query = sqlx::QueryBuilder::new(crate::einvoices::INSERT_EINVOICE_SUBMISSIONS);
                query.push_values(chunk, |mut row, (id, market, authority)| {
                    row.push_bind(*id)
                        .push_bind(*market)
                        .push_bind(*authority)
                        .push_bind("queued")
                        .push_bind(&at);
                });
                query.build().execute(c).await?;
            });
        }
        if let crate::TxInner::Postgres(t) = &mut self.inner {
            let mut rows = CopyRows::new(1);
            for id in &ids {
                rows.row().int8(*id);
            }
            rows.send(t, COPY_BILL_NOTICES_DUE).await?;
        } else {
            for chunk in ids.chunks(10_000) {
                on_tx!(self, c => {
                    let mut query = sqlx::QueryBuilder::new(INSERT_BILL_NOTICES_DUE);
                    query.push_values(chunk, |mut row, id| {
                        row.push_bind(*id);
                    });
                    query.build().execute(c).await?;
                });
            }
        }
        for chunk in snapshots.chunks(5_000) {
            on_tx!(self, c => {
                let mut query = sqlx::QueryBuilder::new(INSERT_USAGE_BILLED);
                query.push_values(chunk, |mut row, (contract, period, bill, snapshot, u)| {
                    row.push_bind(*contract)
                        .push_bind(*period)
                        .push_bind(*bill)
                        .push_bind(*snapshot)
                        .push_bind(&u.before_transfer)
                        .push_bind(&u.assignee_base);
                });
                query.push(
                    USAGE_BILLED_CONFLICT);
                query.build().execute(c).await?;
            });
        }
        for u in assignor_parts {
            on_tx!(self, c => {
                sqlx::query(ASSIGNOR_PART_BILLED)
                .bind(&u.before_transfer)
                .bind(&u.assignee_base)
                .bind(u.contract_id)
                .bind(&u.period)
                .execute(c)
                .await?;
            });
        }
        for (contract, period) in late_done {
            on_tx!(self, c => {
                sqlx::query(LATE_MONTH_BILLED)
                    .bind(contract)
                    .bind(period)
                    .execute(c)
                    .await?;
            });
        }
        for (bill, charge) in charges {
            on_tx!(self, c => {
                sqlx::query(CHARGE_BILLED)
                    .bind(bill)
                    .bind(charge)
                    .execute(c)
                    .await?;
            });
        }
        self.audit_many(std::slice::from_ref(&event)).await
    }

    pub async fn bills(&mut self, market: &str) -> Result<Vec<BillRow>> {
        Ok(on_tx!(self, c => {
            sqlx::query_as::<_, BillRow>(sqlx::AssertSqlSafe(format!("SELECT {BILL_COLUMNS} FROM bills WHERE market = $1 ORDER BY id")))
                .bind(market)
                .fetch_all(c)
                .await?
        }))
    }

    pub async fn bills_of_customer(&mut self, customer_id: i64) -> Result<Vec<BillRow>> {
        Ok(on_tx!(self, c => {
            sqlx::query_as::<_, BillRow>(sqlx::AssertSqlSafe(format!("SELECT {BILL_COLUMNS} FROM bills WHERE customer_id = $1 ORDER BY id")))
                .bind(customer_id)
                .fetch_all(c)
                .await?
        }))
    }

    /// Each bill of a customer with its number and total, oldest first: what
    /// the allocation of payments to bills needs, without the bodies.
    pub async fn bill_amounts_of_customer(&mut self, customer_id: i64) -> Result<Vec<BillAmount>> {
        Ok(on_tx!(self, c => {
            sqlx::query_as::<_, BillAmount>(BILL_AMOUNTS_OF_CUSTOMER)
                .bind(customer_id)
                .fetch_all(c)
                .await?
        }))
    }

    pub async fn bill_by_number(&mut self, number: &str) -> Result<Option<BillRow>> {
        Ok(on_tx!(self, c => {
            sqlx::query_as::<_, BillRow>(sqlx::AssertSqlSafe(format!("SELECT {BILL_COLUMNS} FROM bills WHERE number = $1")))
                .bind(number)
                .fetch_optional(c)
                .await?
        }))
    }

    /// A bill's lines, in their order (none for a bill that is not there).
    pub async fn bill_lines(&mut self, bill_id: i64) -> Result<Vec<BillLineRow>> {
        match self.bill_body(bill_id).await? {
            Some(body) => crate::bill_body::lines(bill_id, &body),
            None => Ok(Vec::new()),
        }
    }

    /// A bill's body as stored (none for a bill that is not there).
    pub(crate) async fn bill_body(&mut self, bill_id: i64) -> Result<Option<Vec<u8>>> {
        Ok(on_tx!(self, c => {
            sqlx::query_scalar("SELECT body FROM bills WHERE id = $1")
                .bind(bill_id)
                .fetch_optional(c)
                .await?
        }))
    }

    /// Queues a one-time charge, fee or credit for the next bill.
    pub async fn insert_charge(&mut self, charge: &ChargeRow) -> Result<i64> {
        let id: i64 = on_tx!(self, c => {
            sqlx::query_scalar(
                "INSERT INTO charges (market, customer_id, contract_id, kind, category, description, amount_minor, vat, rule, on_date, fee_kind, device_sale_id, phrase)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id",
            )
            .bind(&charge.market)
            .bind(charge.customer_id)
            .bind(charge.contract_id)
            .bind(&charge.kind)
            .bind(&charge.category)
            .bind(&charge.description)
            .bind(charge.amount_minor)
            .bind(&charge.vat)
            .bind(&charge.rule)
            .bind(&charge.on_date)
            .bind(&charge.fee_kind)
            .bind(charge.device_sale_id)
            .bind(&charge.phrase)
            .fetch_one(c)
            .await?
        });
        self.audit(
            Some(&charge.on_date),
            "charge",
            "customer",
            &charge.customer_id.to_string(),
            &serde_json::json!({ "charge": id, "kind": charge.kind, "amount": charge.amount_minor, "rule": charge.rule }),
        )
        .await?;
        Ok(id)
    }

    /// Charges of a market not yet on a bill, dated on or before `until`.
    pub async fn open_charges(&mut self, market: &str, until: &str) -> Result<Vec<ChargeRow>> {
        Ok(on_tx!(self, c => {
            sqlx::query_as::<_, ChargeRow>(
                "SELECT * FROM charges WHERE market = $1 AND bill_id IS NULL AND on_date <= $2 ORDER BY id",
            )
            .bind(market)
            .bind(until)
            .fetch_all(c)
            .await?
        }))
    }

    pub async fn payment_by_reference(
        &mut self,
        market: &str,
        reference: &str,
    ) -> Result<Option<PaymentRow>> {
        Ok(on_tx!(self, c => {
            sqlx::query_as::<_, PaymentRow>("SELECT * FROM payments WHERE market = $1 AND reference = $2")
                .bind(market)
                .bind(reference)
                .fetch_optional(c)
                .await?
        }))
    }

    /// Records a payment and its transfer.
    pub async fn insert_payment(
        &mut self,
        payment: &PaymentRow,
        entries: &[NewEntry],
    ) -> Result<i64> {
        let transfer = self
            .insert_transfer(
                &payment.market,
                "payment",
                &payment.reference,
                &payment.received_on,
                entries,
            )
            .await?;
        let id: i64 = on_tx!(self, c => {
            sqlx::query_scalar(
                "INSERT INTO payments (market, customer_id, reference, amount_minor, received_on, transfer_id)
                 VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
            )
            .bind(&payment.market)
            .bind(payment.customer_id)
            .bind(&payment.reference)
            .bind(payment.amount_minor)
            .bind(&payment.received_on)
            .bind(transfer)
            .fetch_one(c)
            .await?
        });
        on_tx!(self, c => {
            sqlx::query("UPDATE customers SET paid_minor = paid_minor + $1 WHERE id = $2")
                .bind(payment.amount_minor)
                .bind(payment.customer_id)
                .execute(c)
                .await?;
        });
        self.audit(
            Some(&payment.received_on),
            "pay",
            "customer",
            &payment.customer_id.to_string(),
            &serde_json::json!({ "payment": id, "reference": payment.reference, "amount": payment.amount_minor }),
        )
        .await?;
        Ok(id)
    }

    /// What a customer paid in all, in minor units (refunds paid back count
    /// negative): the total [`Tx::insert_payment`] keeps with each payment,
    /// so one number is read however many payments there are.
    pub async fn paid_by_customer(&mut self, customer_id: i64) -> Result<i64> {
        Ok(on_tx!(self, c => {
            sqlx::query_scalar::<_, i64>(PAID_BY_CUSTOMER)
                .bind(customer_id)
                .fetch_optional(c)
                .await?
                .unwrap_or(0)
        }))
    }

    /// What each customer of a market who paid anything paid in all.
    pub async fn paid_by_customers(&mut self, market: &str) -> Result<Vec<(i64, i64)>> {
        Ok(on_tx!(self, c => {
            sqlx::query_as::<_, (i64, i64)>(
                "SELECT id, paid_minor FROM customers WHERE market = $1 AND paid_minor <> 0",
            )
            .bind(market)
            .fetch_all(c)
            .await?
        }))
    }

    pub async fn payments_of_customer(&mut self, customer_id: i64) -> Result<Vec<PaymentRow>> {
        Ok(on_tx!(self, c => {
            sqlx::query_as::<_, PaymentRow>("SELECT * FROM payments WHERE customer_id = $1 ORDER BY id")
                .bind(customer_id)
                .fetch_all(c)
                .await?
        }))
    }

    pub async fn payments(&mut self, market: &str) -> Result<Vec<PaymentRow>> {
        Ok(on_tx!(self, c => {
            sqlx::query_as::<_, PaymentRow>("SELECT * FROM payments WHERE market = $1 ORDER BY id")
                .bind(market)
                .fetch_all(c)
                .await?
        }))
    }

    /// The fees of a market (charges with a fee kind), oldest first.
    pub async fn fees_charged(&mut self, market: &str) -> Result<Vec<ChargeRow>> {
        Ok(on_tx!(self, c => {
            sqlx::query_as::<_, ChargeRow>("SELECT * FROM charges WHERE market = $1 AND fee_kind IS NOT NULL ORDER BY id")
                .bind(market)
                .fetch_all(c)
                .await?
        }))
    }

    /// Records a dunning step of a bill; false if it was taken already.
    pub async fn take_dunning_step(
        &mut self,
        bill_id: i64,
        step: &str,
        on_date: &str,
    ) -> Result<bool> {
        let affected = on_tx!(self, c => {
            sqlx::query(
                "INSERT INTO dunning_steps (bill_id, step, on_date) VALUES ($1, $2, $3) ON CONFLICT (bill_id, step) DO NOTHING",
            )
            .bind(bill_id)
            .bind(step)
            .bind(on_date)
            .execute(c)
            .await?
            .rows_affected()
        });
        Ok(affected == 1)
    }

    pub async fn bill(&mut self, id: i64) -> Result<Option<BillRow>> {
        Ok(on_tx!(self, c => {
            sqlx::query_as::<_, BillRow>(BILL_BY_ID)
                .bind(id)
                .fetch_optional(c)
                .await?
        }))
    }

    pub async fn payment(&mut self, id: i64) -> Result<Option<PaymentRow>> {
        Ok(on_tx!(self, c => {
            sqlx::query_as::<_, PaymentRow>("SELECT * FROM payments WHERE id = $1")
                .bind(id)
                .fetch_optional(c)
                .await?
        }))
    }
}
