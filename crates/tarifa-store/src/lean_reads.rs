//! The API's point reads on the lean SQLite path (issue 17, item 8): a
//! caller's token, a bill with what is left to pay of its customer's bills,
//! a customer. Each is a few indexed lookups; on the driver's path every
//! statement (and the `BEGIN` and `ROLLBACK` around them) is handed to the
//! driver's worker thread and back, and on this 2-core machine those
//! hand-offs were half of a request's CPU (docs/benchmarks.md). Here a read
//! runs on the request's own thread, on a read-only connection kept for the
//! next request.
//!
//! Running on the request's thread blocks it for the read, which is why only
//! point reads come here: in WAL mode a reader never waits for a writer, and
//! a short busy timeout bounds the rare wait (a checkpoint resetting the
//! log). A read that waits longer fails, as any store error does, rather
//! than hold the thread.
//!
//! The statements are those of the driver's path (the constants in
//! `billing.rs`, `parties.rs` and `tokens.rs`), so both read the same rows.

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

use rusqlite::{OpenFlags, OptionalExtension};

use crate::billing::{BILL_AMOUNTS_OF_CUSTOMER, BILL_BY_ID, PAID_BY_CUSTOMER};
use crate::parties::{CUSTOMER_BY_ID, customer_from};
use crate::tokens::LIVE_TOKEN;
use crate::{ApiTokenRow, BillAmount, BillRow, CustomerRow, Result};

/// How long a point read waits for a lock before it fails.
const BUSY_TIMEOUT: Duration = Duration::from_millis(500);
/// Connections kept idle between reads: the server's request threads use
/// one each at a time.
const KEPT: usize = 8;

/// Read-only connections to a SQLite file for the API's point reads, kept
/// between uses.
#[derive(Debug)]
pub struct LeanReads {
    path: PathBuf,
    idle: Mutex<Vec<rusqlite::Connection>>,
}

/// One read of [`LeanReads::read`]: its statements see one snapshot.
pub struct LeanRead<'a> {
    conn: &'a rusqlite::Connection,
}

impl LeanReads {
    pub(crate) fn new(path: &Path) -> Self {
        Self {
            path: path.to_owned(),
            idle: Mutex::new(Vec::new()),
        }
    }

    fn connect(&self) -> Result<rusqlite::Connection> {
        let conn = rusqlite::Connection::open_with_flags(
            &self.path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        conn.busy_timeout(BUSY_TIMEOUT)?;
        conn.set_prepared_statement_cache_capacity(16);
        Ok(conn)
    }

    /// Runs `read` in one read transaction on a kept connection (or a new
    /// one), on the caller's thread.
    pub fn read<R>(&self, read: impl FnOnce(&LeanRead<'_>) -> Result<R>) -> Result<R> {
        let kept = self.idle.lock().map_or(None, |mut idle| idle.pop());
        let conn = match kept {
            Some(conn) => conn,
            None => self.connect()?,
        };
        let outcome = {
            let tx = conn.unchecked_transaction()?;
            let outcome = read(&LeanRead { conn: &tx });
            // Nothing was written: ending the transaction only lets go of
            // its snapshot.
            tx.finish()?;
            outcome
        };
        if let Ok(mut idle) = self.idle.lock()
            && idle.len() < KEPT
        {
            idle.push(conn);
        }
        outcome
    }
}

impl LeanRead<'_> {
    /// [`crate::Store::live_token`].
    pub fn live_token(&self, hash: &str, now: &str) -> Result<Option<ApiTokenRow>> {
        Ok(self
            .conn
            .prepare_cached(LIVE_TOKEN)?
            .query_row([hash, now], |r| {
                Ok(ApiTokenRow {
                    id: r.get("id")?,
                    hash: r.get("hash")?,
                    role: r.get("role")?,
                    customer_id: r.get("customer_id")?,
                    label: r.get("label")?,
                    created_on: r.get("created_on")?,
                    revoked_on: r.get("revoked_on")?,
                    expires_at: r.get("expires_at")?,
                    opened_with_token: r.get("opened_with_token")?,
                    opened_by_user: r.get("opened_by_user")?,
                })
            })
            .optional()?)
    }

    /// [`crate::Tx::bill`].
    pub fn bill(&self, id: i64) -> Result<Option<BillRow>> {
        let row = self
            .conn
            .prepare_cached(BILL_BY_ID)?
            .query_row([id], |r| {
                Ok((
                    BillRow {
                        id: r.get(0)?,
                        market: r.get(1)?,
                        number: r.get(2)?,
                        kind: r.get(3)?,
                        customer_id: r.get(4)?,
                        period: r.get(5)?,
                        period_from: r.get(6)?,
                        period_to: r.get(7)?,
                        issued_on: r.get(8)?,
                        due_on: r.get(9)?,
                        total_minor: r.get(10)?,
                        vat_minor: r.get(11)?,
                        previous_balance_minor: r.get(12)?,
                        total_due_minor: r.get(13)?,
                        detail: String::new(),
                        transfer_id: r.get(15)?,
                    },
                    r.get::<_, Vec<u8>>(14)?,
                ))
            })
            .optional()?;
        row.map(|(mut bill, body)| {
            bill.detail = crate::bill_body::detail(&body)?;
            Ok(bill)
        })
        .transpose()
    }

    /// [`crate::Tx::bill_amounts_of_customer`].
    pub fn bill_amounts_of_customer(&self, customer_id: i64) -> Result<Vec<BillAmount>> {
        Ok(self
            .conn
            .prepare_cached(BILL_AMOUNTS_OF_CUSTOMER)?
            .query_map([customer_id], |r| {
                Ok(BillAmount {
                    id: r.get(0)?,
                    number: r.get(1)?,
                    total_minor: r.get(2)?,
                    corrects: r.get(3)?,
                })
            })?
            .collect::<Result<_, _>>()?)
    }

    /// [`crate::Tx::paid_by_customer`].
    pub fn paid_by_customer(&self, customer_id: i64) -> Result<i64> {
        Ok(self
            .conn
            .prepare_cached(PAID_BY_CUSTOMER)?
            .query_row([customer_id], |r| r.get(0))
            .optional()?
            .unwrap_or(0))
    }

    /// [`crate::Tx::customer`].
    pub fn customer(&self, id: i64) -> Result<Option<CustomerRow>> {
        Ok(self
            .conn
            .prepare_cached(CUSTOMER_BY_ID)?
            .query_row([id], customer_from)
            .optional()?)
    }
}
