//! Usage records, stored in segments (see `segment`), and their totals.

use crate::segment::{self, NewSegments};
use crate::{
    BilledUsage, NumberRow, Result, Store, StoreError, Tx, UsageRow, UsageTotalRow, on_tx,
};

/// A usage record row of the layout before segments (migration 0002).
#[derive(sqlx::FromRow)]
struct RecordRow {
    id: String,
    contract_id: i64,
    period: String,
    at: String,
    to_number: String,
    quantity: i64,
    roaming: Option<String>,
    bucket: String,
    units: i64,
    import_id: Option<i64>,
}

/// Day of the month, second of the day and nanosecond of `YYYY-MM-DDTHH:MM:SS[.f]`.
fn time_parts(at: &str) -> Option<(u8, u32, u32)> {
    let num = |from: usize, to: usize| at.get(from..to)?.parse::<u32>().ok();
    let day = u8::try_from(num(8, 10)?).ok()?;
    let second = num(11, 13)? * 3600 + num(14, 16)? * 60 + num(17, 19)?;
    let nanosecond = match at.get(20..) {
        Some(f) if !f.is_empty() => format!("{f:0<9}").get(..9)?.parse().ok()?,
        _ => 0,
    };
    Some((day, second, nanosecond))
}

impl Store {
    /// Moves usage stored one row a record (before migration 0027) into
    /// segments, one per contract, month and import, then drops the old
    /// tables. Runs once: afterwards the tables are gone.
    pub async fn convert_usage_rows(&self) -> Result<()> {
        // Every open asks; only a store that has the old table takes the write lock.
        let mut tx = self.begin_read("store", "1970-01-01T00:00:00Z").await?;
        let exists = tx.has_table("usage_records").await?;
        tx.rollback().await?;
        if !exists {
            return Ok(());
        }
        let mut tx = self.begin("store", "1970-01-01T00:00:00Z").await?;
        if !tx.has_table("usage_records").await? {
            // Another process converted it in between.
            return tx.rollback().await;
        }
        let rows: Vec<RecordRow> = on_tx!(&mut tx, c => {
            sqlx::query_as(
                "SELECT id, contract_id, period, at, to_number, quantity, roaming, bucket, units, import_id
                 FROM usage_records ORDER BY contract_id, period, import_id, at, id",
            )
            .fetch_all(c)
            .await?
        });
        let mut segments = NewSegments::default();
        for group in rows.chunk_by(|a, b| {
            (a.contract_id, &a.period, a.import_id) == (b.contract_id, &b.period, b.import_id)
        }) {
            let mut classes: Vec<&str> = group.iter().map(|r| r.bucket.as_str()).collect();
            classes.sort_unstable();
            classes.dedup();
            let mut encoded = Vec::new();
            for r in group {
                let (day, second_of_day, nanosecond) =
                    time_parts(&r.at).ok_or_else(|| StoreError::Corrupt {
                        what: "usage record time",
                        detail: r.at.clone(),
                    })?;
                let mut bytes = Vec::new();
                segment::encode_record(
                    &mut bytes,
                    &segment::RecordFields {
                        id: r.id.as_bytes(),
                        day,
                        second_of_day,
                        nanosecond,
                        class: u8::try_from(classes.binary_search(&r.bucket.as_str()).unwrap_or(0))
                            .unwrap_or(0),
                        to: r.to_number.as_bytes(),
                        quantity: u64::try_from(r.quantity).unwrap_or(0),
                        units: u64::try_from(r.units).unwrap_or(0),
                        roaming: r.roaming.as_deref().map(str::as_bytes),
                    },
                );
                encoded.push(bytes);
            }
            segments.add(
                group[0].contract_id,
                &group[0].period,
                group[0].import_id,
                &classes,
                encoded.iter().map(Vec::as_slice),
            )?;
        }
        tx.insert_usage_segments(&segments).await?;
        on_tx!(&mut tx, c => {
            sqlx::query("DROP TABLE usage_records").execute(&mut *c).await?;
            sqlx::query("DROP TABLE usage_totals").execute(&mut *c).await?;
        });
        tx.commit().await
    }
}

const COPY_USAGE_SEGMENTS: &str = "COPY usage_segments (contract_id, period, import_id, records, \
totals, body) FROM STDIN (FORMAT binary)";

// The statements of an import batch, shared by the driver's path and the
// lean one (`crate::lean`).
pub(crate) const INSERT_USAGE_SEGMENTS: &str =
    "INSERT INTO usage_segments (contract_id, period, import_id, records, totals, body) ";
pub(crate) const INSERT_USAGE_LATE: &str = "INSERT INTO usage_late (contract_id, period) ";
pub(crate) const USAGE_LATE_CONFLICT: &str = " ON CONFLICT (contract_id, period) DO NOTHING";
pub(crate) const COUNT_USAGE_IMPORT: &str = "UPDATE usage_imports SET imported = imported + $1, \
duplicates = duplicates + $2, rejected = rejected + $3, finished_at = COALESCE($4, finished_at) \
WHERE id = $5";

impl Tx {
    /// Opens an import run; returns its id.
    pub async fn start_usage_import(&mut self, source: &str) -> Result<i64> {
        let at = self.recorded_at.clone();
        Ok(on_tx!(self, c => {
            sqlx::query_scalar(
                "INSERT INTO usage_imports (source, started_at, imported, duplicates, rejected)
                 VALUES ($1, $2, 0, 0, 0) RETURNING id",
            )
            .bind(source)
            .bind(&at)
            .fetch_one(c)
            .await?
        }))
    }

    /// Adds a batch's counts to an import run (in the batch's transaction).
    pub async fn count_usage_import(
        &mut self,
        id: i64,
        imported: i64,
        duplicates: i64,
        rejected: i64,
        finished: bool,
    ) -> Result<()> {
        let at = finished.then(|| self.recorded_at.clone());
        on_tx!(self, c => {
            sqlx::query(COUNT_USAGE_IMPORT)
            .bind(imported)
            .bind(duplicates)
            .bind(rejected)
            .bind(at)
            .bind(id)
            .execute(c)
            .await?;
        });
        Ok(())
    }

    /// Stores usage segments (one import batch's records of each contract
    /// and month), in multi-row statements (by COPY on PostgreSQL).
    pub async fn insert_usage_segments(&mut self, segments: &NewSegments) -> Result<()> {
        // A statement carries up to this many rows or about this many bytes.
        const ROWS: usize = 500;
        const BYTES: usize = 8 << 20;
        // A COPY takes any number of rows; one is sent at about this size,
        // so the encoded copy of a batch stays small beside the batch.
        const COPY_BYTES: usize = 8 << 20;
        if let crate::TxInner::Postgres(t) = &mut self.inner {
            let mut rows = crate::pg_copy::CopyRows::new(6);
            for segment in segments.iter() {
                rows.row()
                    .int8(segment.contract_id)
                    .text(segment.period)
                    .opt_int8(segment.import_id)
                    .int8(segment.records)
                    .bytes(segment.totals)
                    .bytes(segment.body);
                if rows.encoded_bytes() >= COPY_BYTES {
                    std::mem::replace(&mut rows, crate::pg_copy::CopyRows::new(6))
                        .send(t, COPY_USAGE_SEGMENTS)
                        .await?;
                }
            }
            rows.send(t, COPY_USAGE_SEGMENTS).await?;
            return Ok(());
        }
        let segments: Vec<segment::NewSegment<'_>> = segments.iter().collect();
        let mut from = 0;
        while from < segments.len() {
            let mut to = from;
            let mut bytes = 0;
            while to < segments.len() && to - from < ROWS && (bytes < BYTES || to == from) {
                bytes += segments[to].body.len();
                to += 1;
            }
            let chunk = &segments[from..to];
            on_tx!(self, c => {
                let mut query = sqlx::QueryBuilder::new(INSERT_USAGE_SEGMENTS);
                query.push_values(chunk, |mut row, s| {
                    row.push_bind(s.contract_id)
                        .push_bind(s.period)
                        .push_bind(s.import_id)
                        .push_bind(s.records)
                        .push_bind(s.totals)
                        .push_bind(s.body);
                });
                query.build().execute(c).await?;
            });
            from = to;
        }
        Ok(())
    }

    /// The usage totals of a market's contracts for one period, per contract
    /// and class, summed from the segments' totals.
    pub async fn usage_totals(&mut self, market: &str, period: &str) -> Result<Vec<UsageTotalRow>> {
        let rows: Vec<(i64, Vec<u8>)> = on_tx!(self, c => {
            sqlx::query_as(
                "SELECT s.contract_id, s.totals FROM usage_segments s JOIN contracts k ON k.id = s.contract_id
                 WHERE k.market = $1 AND s.period = $2",
            )
            .bind(market)
            .bind(period)
            .fetch_all(c)
            .await?
        });
        segment::total_rows(period, rows.iter().map(|(c, t)| (*c, t.as_slice())))
    }

    /// The usage totals of one contract and month.
    pub async fn contract_usage_totals(
        &mut self,
        contract_id: i64,
        period: &str,
    ) -> Result<Vec<UsageTotalRow>> {
        let rows: Vec<(Vec<u8>,)> = on_tx!(self, c => {
            sqlx::query_as("SELECT totals FROM usage_segments WHERE contract_id = $1 AND period = $2")
                .bind(contract_id)
                .bind(period)
                .fetch_all(c)
                .await?
        });
        segment::total_rows(period, rows.iter().map(|(t,)| (contract_id, t.as_slice())))
    }

    /// The segments of one contract and month: (import, body).
    async fn segment_bodies(
        &mut self,
        contract_id: i64,
        period: &str,
    ) -> Result<Vec<(Option<i64>, Vec<u8>)>> {
        Ok(on_tx!(self, c => {
            sqlx::query_as(
                "SELECT import_id, body FROM usage_segments WHERE contract_id = $1 AND period = $2 ORDER BY id",
            )
            .bind(contract_id)
            .bind(period)
            .fetch_all(c)
            .await?
        }))
    }

    /// The ids of the records stored for one contract and month (an import
    /// checks a suspected repeat against them).
    pub async fn usage_ids(&mut self, contract_id: i64, period: &str) -> Result<Vec<String>> {
        let mut ids = Vec::new();
        for (_, body) in self.segment_bodies(contract_id, period).await? {
            ids.extend(segment::ids(&body)?.into_iter().map(str::to_owned));
        }
        Ok(ids)
    }

    /// Every record id stored for a month: calls `each` with a contract and
    /// the ids of one of its segments. Reads a page of segments at a time.
    pub async fn each_usage_id_of_period(
        &mut self,
        period: &str,
        contracts: std::ops::RangeInclusive<i64>,
        mut each: impl FnMut(i64, &[&str]),
    ) -> Result<()> {
        // Paged by (contract, segment): the order of the period's index, so
        // that every page starts where the one before ended.
        let (mut contract, mut after) = (*contracts.start(), i64::MIN);
        loop {
            let rows: Vec<(i64, i64, Vec<u8>)> = on_tx!(self, c => {
                sqlx::query_as(
                    "SELECT id, contract_id, body FROM usage_segments
                     WHERE period = $1 AND (contract_id, id) > ($2, $3) AND contract_id <= $4
                     ORDER BY contract_id, id LIMIT 1000",
                )
                .bind(period)
                .bind(contract)
                .bind(after)
                .bind(*contracts.end())
                .fetch_all(c)
                .await?
            });
            let Some((last, last_contract, _)) = rows.last() else {
                return Ok(());
            };
            (contract, after) = (*last_contract, *last);
            for (_, contract_id, body) in &rows {
                each(*contract_id, &segment::ids(body)?);
            }
        }
    }

    /// Every subscriber number a contract ever held, for matching usage.
    pub async fn contract_numbers(&mut self) -> Result<Vec<NumberRow>> {
        Ok(on_tx!(self, c => {
            sqlx::query_as::<_, NumberRow>(
                "SELECT number, id AS contract_id, market, activated_on, ended_on FROM contracts ORDER BY id",
            )
            .fetch_all(c)
            .await?
        }))
    }

    /// The contracts that held `number` at any time, now or before a number
    /// change, for matching a few records without loading every number.
    pub async fn contracts_with_number(&mut self, number: &str) -> Result<Vec<NumberRow>> {
        Ok(on_tx!(self, c => {
            sqlx::query_as::<_, NumberRow>(
                "SELECT number, id AS contract_id, market, activated_on, ended_on FROM contracts
                 WHERE number = $1
                    OR id IN (SELECT contract_id FROM number_changes WHERE old_number = $1 AND applied_on IS NOT NULL)
                 ORDER BY id",
            )
            .bind(number)
            .fetch_all(c)
            .await?
        }))
    }

    /// A contract's records of a period, in time order (itemised listings).
    pub async fn usage_records(&mut self, contract_id: i64, period: &str) -> Result<Vec<UsageRow>> {
        let mut rows = Vec::new();
        for (import_id, body) in self.segment_bodies(contract_id, period).await? {
            rows.extend(segment::rows(contract_id, period, import_id, &body)?);
        }
        rows.sort_by(|a, b| (&a.at, &a.id).cmp(&(&b.at, &b.id)));
        Ok(rows)
    }

    /// How many records a contract has in a period.
    pub async fn count_contract_usage(&mut self, contract_id: i64, period: &str) -> Result<i64> {
        Ok(on_tx!(self, c => {
            sqlx::query_scalar::<_, i64>(
                "SELECT CAST(COALESCE(SUM(records), 0) AS BIGINT) FROM usage_segments WHERE contract_id = $1 AND period = $2",
            )
            .bind(contract_id)
            .bind(period)
            .fetch_one(c)
            .await?
        }))
    }

    pub async fn count_usage_records(&mut self) -> Result<i64> {
        Ok(on_tx!(self, c => {
            sqlx::query_scalar::<_, i64>("SELECT CAST(COALESCE(SUM(records), 0) AS BIGINT) FROM usage_segments")
                .fetch_one(c)
                .await?
        }))
    }

    /// The latest month billed in each market.
    pub async fn billed_through(&mut self) -> Result<Vec<(String, String)>> {
        Ok(on_tx!(self, c => {
            sqlx::query_as::<_, (String, String)>("SELECT market, MAX(period) FROM bills GROUP BY market")
                .fetch_all(c)
                .await?
        }))
    }

    /// Notes contract-months that received usage after they were billed.
    pub async fn mark_late_usage(&mut self, keys: &[(i64, String)]) -> Result<()> {
        for chunk in keys.chunks(5_000) {
            on_tx!(self, c => {
                let mut query = sqlx::QueryBuilder::new(INSERT_USAGE_LATE);
                query.push_values(chunk, |mut row, (contract, period)| {
                    row.push_bind(*contract).push_bind(period);
                });
                query.push(USAGE_LATE_CONFLICT);
                query.build().execute(c).await?;
            });
        }
        Ok(())
    }

    /// Contract-months of a market with late usage, before `before`.
    pub async fn late_usage(&mut self, market: &str, before: &str) -> Result<Vec<(i64, String)>> {
        Ok(on_tx!(self, c => {
            sqlx::query_as::<_, (i64, String)>(
                "SELECT l.contract_id, l.period FROM usage_late l JOIN contracts k ON k.id = l.contract_id
                 WHERE k.market = $1 AND l.period < $2 ORDER BY l.contract_id, l.period",
            )
            .bind(market)
            .bind(before)
            .fetch_all(c)
            .await?
        }))
    }

    /// What the bills took from a market's usage of a month: (contract,
    /// snapshot, the assignor's part and the assignee's base in a month with
    /// a transfer), as JSON.
    pub async fn usage_billed(&mut self, market: &str, period: &str) -> Result<Vec<BilledUsage>> {
        Ok(on_tx!(self, c => {
            sqlx::query_as::<_, BilledUsage>(
                "SELECT b.contract_id, b.snapshot, b.before_transfer, b.assignee_base FROM usage_billed b JOIN contracts k ON k.id = b.contract_id
                 WHERE k.market = $1 AND b.period = $2",
            )
            .bind(market)
            .bind(period)
            .fetch_all(c)
            .await?
        }))
    }

    /// What was billed of one contract's month.
    pub async fn contract_usage_billed(
        &mut self,
        contract_id: i64,
        period: &str,
    ) -> Result<Option<BilledUsage>> {
        Ok(on_tx!(self, c => {
            sqlx::query_as("SELECT contract_id, snapshot, before_transfer, assignee_base FROM usage_billed WHERE contract_id = $1 AND period = $2")
                .bind(contract_id)
                .bind(period)
                .fetch_optional(c)
                .await?
        }))
    }

    /// One record of a contract and month, by its id.
    pub async fn usage_record(
        &mut self,
        contract_id: i64,
        period: &str,
        id: &str,
    ) -> Result<Option<UsageRow>> {
        for (import_id, body) in self.segment_bodies(contract_id, period).await? {
            if segment::ids(&body)?.contains(&id) {
                return Ok(segment::rows(contract_id, period, import_id, &body)?
                    .into_iter()
                    .find(|r| r.id == id));
            }
        }
        Ok(None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn rows_of_the_old_layout_move_into_segments() {
        let store = Store::open("sqlite::memory:").await.expect("store");
        let mut tx = store
            .begin("test", "2026-03-01T00:00:00Z")
            .await
            .expect("tx");
        on_tx!(&mut tx, c => {
            for sql in [
                "CREATE TABLE usage_records (id TEXT PRIMARY KEY, contract_id INTEGER NOT NULL, period TEXT NOT NULL,
                    at TEXT NOT NULL, kind TEXT NOT NULL, to_number TEXT NOT NULL, quantity INTEGER NOT NULL,
                    roaming TEXT, bucket TEXT NOT NULL, units INTEGER NOT NULL, import_id INTEGER)",
                "CREATE TABLE usage_totals (contract_id INTEGER NOT NULL, period TEXT NOT NULL, bucket TEXT NOT NULL,
                    records INTEGER NOT NULL, quantity INTEGER NOT NULL, units INTEGER NOT NULL)",
                "INSERT INTO usage_records VALUES
                    ('a', 7, '2026-02', '2026-02-10T09:00:00', 'voice', '+38267111222', 61, NULL, 'voice.national', 2, 1),
                    ('b', 7, '2026-02', '2026-02-11T09:00:00.5', 'data', 'internet', 1000, '26201', 'data.roaming', 1000, 1),
                    ('c', 7, '2026-02', '2026-02-12T09:00:00', 'voice', '+38267111222', 5, NULL, 'voice.national', 1, 2),
                    ('d', 8, '2026-03', '2026-03-01T00:00:00', 'sms', '+38267111222', 1, NULL, 'sms.national', 1, NULL)",
            ] {
                sqlx::query(sql).execute(&mut *c).await.expect("old layout");
            }
        });
        tx.commit().await.expect("commit");
        store.convert_usage_rows().await.expect("converted");
        store
            .convert_usage_rows()
            .await
            .expect("nothing left to convert");
        let mut tx = store
            .begin("test", "2026-03-01T00:00:00Z")
            .await
            .expect("tx");
        let records = tx.usage_records(7, "2026-02").await.expect("records");
        assert_eq!(
            records
                .iter()
                .map(|r| (
                    r.id.as_str(),
                    r.at.as_str(),
                    r.bucket.as_str(),
                    r.roaming.as_deref(),
                    r.import_id
                ))
                .collect::<Vec<_>>(),
            vec![
                ("a", "2026-02-10T09:00:00", "voice.national", None, Some(1)),
                (
                    "b",
                    "2026-02-11T09:00:00.5",
                    "data.roaming",
                    Some("26201"),
                    Some(1)
                ),
                ("c", "2026-02-12T09:00:00", "voice.national", None, Some(2)),
            ]
        );
        let totals = tx
            .contract_usage_totals(7, "2026-02")
            .await
            .expect("totals");
        assert_eq!(
            totals
                .iter()
                .map(|t| (t.bucket.as_str(), t.records, t.units))
                .collect::<Vec<_>>(),
            vec![("data.roaming", 1, 1000), ("voice.national", 2, 3)]
        );
        assert_eq!(tx.count_usage_records().await.expect("count"), 4);
        tx.rollback().await.expect("rollback");
    }
}
