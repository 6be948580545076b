//! What a bill run reads of a range of a market's customers (issue 17 item
//! 4): their owner blocks, contracts, package periods, usage totals of the
//! month and receivable balances, read together in one short transaction.
//!
//! A bill run reads the market a range at a time, so its memory is bounded
//! by the range and the drafting of one range overlaps the reading of the
//! next and the writing of the one before. On PostgreSQL and an in-memory
//! SQLite database the range is read through the driver ([`crate::Tx`]); on
//! a SQLite file through the lean path ([`crate::LeanReader`]), with the same
//! statements.

use crate::{ContractRow, PackagePeriodRow, Result, Tx, UsageTotalRow, on_tx, segment};

/// A customer as its bill's owner block shows it (BIL-2 (1)).
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct OwnerRow {
    pub id: i64,
    pub name: String,
    pub address: Option<String>,
    pub email: Option<String>,
}

/// The rows of the market's customers with `after < id <= last`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AccountsRange {
    pub after: i64,
    pub last: i64,
    /// In id order.
    pub owners: Vec<OwnerRow>,
    /// The contracts these customers hold now, in id order.
    pub contracts: Vec<ContractRow>,
    /// Their package periods, by contract and sequence.
    pub packages: Vec<PackagePeriodRow>,
    /// Their usage totals of the month, by contract and class.
    pub usage: Vec<UsageTotalRow>,
    /// Each customer's receivable balance (customer, amount), where it has one.
    pub balances: Vec<(i64, i64)>,
}

// The statements below compare the market as `market || ''`: SQLite, which
// keeps no statistics here, would otherwise walk the market's index (every
// contract of the market) for each range instead of the range's index, and
// a bill run would read the market once per range.

/// `$1` market, `$2` after, `$3` how many.
pub(crate) const RANGE_OWNERS: &str = "SELECT id, name, address, email FROM customers
     WHERE market || '' = $1 AND id > $2 ORDER BY id LIMIT $3";

/// `$1` market, `$2` after, `$3` last.
pub(crate) const RANGE_CONTRACTS: &str =
    "SELECT id, market, handle, customer_id, package_id, number, status, channel,
            signed_on, activated_on, commitment_start, commitment_months, commitment_end,
            deposit_may_be_required, ended_on, device_id, device_imei, device_price_minor,
            device_instalments, device_lent, device_sim_locked, suspended_on, suspension_cause,
            return_by, equipment_returned_on, owner_since
     FROM contracts WHERE market || '' = $1 AND customer_id > $2 AND customer_id <= $3
     ORDER BY id";

/// `$1` market, `$2` after, `$3` last.
pub(crate) const RANGE_PACKAGES: &str = "SELECT p.contract_id, p.valid_from, p.seq, p.package_id
     FROM contracts k CROSS JOIN contract_packages p
     WHERE p.contract_id = k.id AND k.market || '' = $1 AND k.customer_id > $2 AND k.customer_id <= $3
     ORDER BY p.contract_id, p.seq";

/// `$1` market, `$2` after, `$3` last, `$4` month. (`CROSS JOIN` makes
/// SQLite read the range's contracts first, then their segments, not the
/// month's segments of the whole market.)
pub(crate) const RANGE_USAGE: &str = "SELECT s.contract_id, s.totals
     FROM contracts k CROSS JOIN usage_segments s
     WHERE s.contract_id = k.id AND k.market || '' = $1 AND k.customer_id > $2 AND k.customer_id <= $3
       AND s.period = $4";

/// `$1` market, `$2` after, `$3` last.
pub(crate) const RANGE_BALANCES: &str = "SELECT customer_id, CAST(SUM(receivable_minor) AS BIGINT)
     FROM ledger_transfers
     WHERE market || '' = $1 AND customer_id > $2 AND customer_id <= $3
     GROUP BY customer_id";

/// `$1` market, `$2` the month's last day, `$3` its first: the customers
/// holding a contract that served them in the month (a bill run's estimate
/// of its accounts, for its progress).
const ACCOUNTS_IN_MONTH: &str = "SELECT COUNT(DISTINCT customer_id) FROM contracts
     WHERE market = $1 AND activated_on <= $2 AND (ended_on IS NULL OR ended_on >= $3)
       AND (owner_since IS NULL OR owner_since <= $2)";

impl AccountsRange {
    /// Assembles a range from its owners and the rows read for them; `None`
    /// when there was no customer after `after`.
    pub(crate) fn assemble(
        after: i64,
        owners: Vec<OwnerRow>,
        rows: RangeRows,
        period: &str,
    ) -> Result<Option<Self>> {
        let Some(last) = owners.last().map(|o| o.id) else {
            return Ok(None);
        };
        Ok(Some(Self {
            after,
            last,
            owners,
            contracts: rows.contracts,
            packages: rows.packages,
            usage: segment::total_rows(period, rows.segments.iter().map(|(c, t)| (*c, &t[..])))?,
            balances: rows.balances,
        }))
    }
}

/// The rows read for a range's owners, before its usage totals are summed.
pub(crate) struct RangeRows {
    pub contracts: Vec<ContractRow>,
    pub packages: Vec<PackagePeriodRow>,
    /// (contract, encoded totals) of each segment of the month.
    pub segments: Vec<(i64, Vec<u8>)>,
    pub balances: Vec<(i64, i64)>,
}

impl Tx {
    /// The next range of a market's customers after `after`, at most
    /// `count` of them, with what a bill run of `period` needs of them.
    pub async fn accounts_range(
        &mut self,
        market: &str,
        after: i64,
        count: i64,
        period: &str,
    ) -> Result<Option<AccountsRange>> {
        let owners: Vec<OwnerRow> = on_tx!(self, c => {
            sqlx::query_as(RANGE_OWNERS)
                .bind(market)
                .bind(after)
                .bind(count)
                .fetch_all(&mut *c)
                .await?
        });
        let Some(last) = owners.last().map(|o| o.id) else {
            return Ok(None);
        };
        let rows = on_tx!(self, c => {
            RangeRows {
                contracts: sqlx::query_as(RANGE_CONTRACTS)
                    .bind(market)
                    .bind(after)
                    .bind(last)
                    .fetch_all(&mut *c)
                    .await?,
                packages: sqlx::query_as(RANGE_PACKAGES)
                    .bind(market)
                    .bind(after)
                    .bind(last)
                    .fetch_all(&mut *c)
                    .await?,
                segments: sqlx::query_as(RANGE_USAGE)
                    .bind(market)
                    .bind(after)
                    .bind(last)
                    .bind(period)
                    .fetch_all(&mut *c)
                    .await?,
                balances: sqlx::query_as(RANGE_BALANCES)
                    .bind(market)
                    .bind(after)
                    .bind(last)
                    .fetch_all(&mut *c)
                    .await?,
            }
        });
        AccountsRange::assemble(after, owners, rows, period)
    }

    /// How many of a market's customers held a contract that served them
    /// between `first` and `last` (ISO days).
    pub async fn accounts_in_month(
        &mut self,
        market: &str,
        first: &str,
        last: &str,
    ) -> Result<i64> {
        Ok(on_tx!(self, c => {
            sqlx::query_scalar(ACCOUNTS_IN_MONTH)
                .bind(market)
                .bind(last)
                .bind(first)
                .fetch_one(c)
                .await?
        }))
    }
}
