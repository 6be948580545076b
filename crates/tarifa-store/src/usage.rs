//! Usage records and their totals.

use crate::{NumberRow, Result, Tx, UsageRow, UsageTotalRow, on_tx};

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
            sqlx::query(
                "UPDATE usage_imports SET imported = imported + $1, duplicates = duplicates + $2,
                    rejected = rejected + $3, finished_at = COALESCE($4, finished_at) WHERE id = $5",
            )
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

    /// Stores records not seen before; returns, for each, whether it was new.
    /// A record id already stored (or earlier in the same batch) is left as it
    /// is: imports are idempotent. Rows go in as multi-row statements.
    pub async fn insert_usage(&mut self, records: &[UsageRow]) -> Result<Vec<bool>> {
        // 11 values a row: well under SQLite's 32766 and PostgreSQL's 65535 parameters.
        const ROWS_PER_STATEMENT: usize = 1_000;
        let mut fresh = Vec::with_capacity(records.len());
        for chunk in records.chunks(ROWS_PER_STATEMENT) {
            let inserted: Vec<String> = on_tx!(self, c => {
                let mut query = sqlx::QueryBuilder::new(
                    "INSERT INTO usage_records (id, contract_id, period, at, kind, to_number, quantity, roaming, bucket, units, import_id) ",
                );
                query.push_values(chunk, |mut row, r| {
                    row.push_bind(&r.id)
                        .push_bind(r.contract_id)
                        .push_bind(&r.period)
                        .push_bind(&r.at)
                        .push_bind(&r.kind)
                        .push_bind(&r.to_number)
                        .push_bind(r.quantity)
                        .push_bind(&r.roaming)
                        .push_bind(&r.bucket)
                        .push_bind(r.units)
                        .push_bind(r.import_id);
                });
                query.push(" ON CONFLICT (id) DO NOTHING RETURNING id");
                query.build_query_scalar::<String>().fetch_all(c).await?
            });
            let mut new_ids: std::collections::HashSet<String> = inserted.into_iter().collect();
            // The first row with an id is the one stored; a repeat in the batch is a duplicate.
            fresh.extend(chunk.iter().map(|r| new_ids.remove(&r.id)));
        }
        Ok(fresh)
    }

    /// Adds to the usage totals of contracts, periods and classes.
    pub async fn add_usage_totals(&mut self, totals: &[UsageTotalRow]) -> Result<()> {
        for t in totals {
            on_tx!(self, c => {
                sqlx::query(
                    "INSERT INTO usage_totals (contract_id, period, bucket, records, quantity, units)
                     VALUES ($1, $2, $3, $4, $5, $6)
                     ON CONFLICT (contract_id, period, bucket) DO UPDATE SET
                        records = usage_totals.records + excluded.records,
                        quantity = usage_totals.quantity + excluded.quantity,
                        units = usage_totals.units + excluded.units",
                )
                .bind(t.contract_id)
                .bind(&t.period)
                .bind(&t.bucket)
                .bind(t.records)
                .bind(t.quantity)
                .bind(t.units)
                .execute(c)
                .await?;
            });
        }
        Ok(())
    }

    /// The usage totals of a market's contracts for one period.
    pub async fn usage_totals(&mut self, market: &str, period: &str) -> Result<Vec<UsageTotalRow>> {
        Ok(on_tx!(self, c => {
            sqlx::query_as::<_, UsageTotalRow>(
                "SELECT t.* FROM usage_totals t JOIN contracts k ON k.id = t.contract_id
                 WHERE k.market = $1 AND t.period = $2 ORDER BY t.contract_id, t.bucket",
            )
            .bind(market)
            .bind(period)
            .fetch_all(c)
            .await?
        }))
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
        Ok(on_tx!(self, c => {
            sqlx::query_as::<_, UsageRow>(
                "SELECT * FROM usage_records WHERE contract_id = $1 AND period = $2 ORDER BY at, id",
            )
            .bind(contract_id)
            .bind(period)
            .fetch_all(c)
            .await?
        }))
    }

    pub async fn count_usage_records(&mut self) -> Result<i64> {
        Ok(on_tx!(self, c => {
            sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM usage_records").fetch_one(c).await?
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
                let mut query = sqlx::QueryBuilder::new("INSERT INTO usage_late (contract_id, period) ");
                query.push_values(chunk, |mut row, (contract, period)| {
                    row.push_bind(*contract).push_bind(period);
                });
                query.push(" ON CONFLICT (contract_id, period) DO NOTHING");
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

    /// The usage totals of one contract and month.
    pub async fn contract_usage_totals(
        &mut self,
        contract_id: i64,
        period: &str,
    ) -> Result<Vec<UsageTotalRow>> {
        Ok(on_tx!(self, c => {
            sqlx::query_as::<_, UsageTotalRow>(
                "SELECT * FROM usage_totals WHERE contract_id = $1 AND period = $2 ORDER BY bucket",
            )
            .bind(contract_id)
            .bind(period)
            .fetch_all(c)
            .await?
        }))
    }

    /// What the bills took from a market's usage of a month: (contract, snapshot JSON).
    pub async fn usage_billed(&mut self, market: &str, period: &str) -> Result<Vec<(i64, String)>> {
        Ok(on_tx!(self, c => {
            sqlx::query_as::<_, (i64, String)>(
                "SELECT b.contract_id, b.snapshot FROM usage_billed b JOIN contracts k ON k.id = b.contract_id
                 WHERE k.market = $1 AND b.period = $2",
            )
            .bind(market)
            .bind(period)
            .fetch_all(c)
            .await?
        }))
    }

    /// The snapshot billed for one contract and month.
    pub async fn contract_usage_billed(
        &mut self,
        contract_id: i64,
        period: &str,
    ) -> Result<Option<String>> {
        Ok(on_tx!(self, c => {
            sqlx::query_scalar("SELECT snapshot FROM usage_billed WHERE contract_id = $1 AND period = $2")
                .bind(contract_id)
                .bind(period)
                .fetch_optional(c)
                .await?
        }))
    }

    pub async fn usage_record(&mut self, id: &str) -> Result<Option<UsageRow>> {
        Ok(on_tx!(self, c => {
            sqlx::query_as::<_, UsageRow>("SELECT * FROM usage_records WHERE id = $1")
                .bind(id)
                .fetch_optional(c)
                .await?
        }))
    }
}
