//! Usage import (USE-1…3): records are checked, matched to the contract that
//! held the number at the time, classified, and stored with their totals, in
//! batches of one transaction each. Record ids make it idempotent: a record
//! seen before is counted as a duplicate and changes nothing.

use std::collections::{BTreeMap, HashMap};
use std::io::Read;

use jiff::civil::Date;
use tarifa_core::usage::UsageRecord;
use tarifa_store::{NumberRow, UsageRow, UsageTotalRow};

use crate::{App, AppError, Ctx, Result, convert};

/// Records per transaction.
const BATCH: usize = 20_000;
/// Rejected lines kept with their reasons (the rest are only counted).
const KEEP_REJECTED: usize = 10_000;

pub const HEADER: [&str; 7] = ["id", "number", "at", "kind", "to", "quantity", "roaming"];

/// A line that was not imported, and why.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct RejectedLine {
    pub line: u64,
    pub reason: String,
}

/// What an import did.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct ImportSummary {
    pub imported: u64,
    pub duplicates: u64,
    pub rejected: u64,
    /// The first rejected lines with their reasons.
    pub rejected_lines: Vec<RejectedLine>,
}

/// What an import needs to know: where each number pointed over time, and
/// the last month billed in each market (usage for it is late usage).
struct NumberIndex {
    by_number: HashMap<String, Vec<(NumberRow, Date, Option<Date>)>>,
    market_of: HashMap<i64, String>,
    billed_through: HashMap<String, String>,
}

/// Up to this many records are matched by looking up their own numbers;
/// more load every number at once.
const FEW_RECORDS: usize = 1_000;

impl NumberIndex {
    /// Every number of every contract: for files.
    async fn load(tx: &mut tarifa_store::Tx) -> Result<Self> {
        let rows = tx.contract_numbers().await?;
        Self::of(tx, rows).await
    }

    /// Only the contracts that held these numbers: for a few records (the
    /// API, scenario steps), so that one record does not read every number.
    async fn load_for(tx: &mut tarifa_store::Tx, numbers: &[&str]) -> Result<Self> {
        let mut rows: Vec<NumberRow> = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for number in numbers {
            for row in tx.contracts_with_number(number).await? {
                if seen.insert(row.contract_id) {
                    rows.push(row);
                }
            }
        }
        rows.sort_by_key(|r| r.contract_id);
        Self::of(tx, rows).await
    }

    async fn of(tx: &mut tarifa_store::Tx, rows: Vec<NumberRow>) -> Result<Self> {
        let billed_through = tx.billed_through().await?.into_iter().collect();
        let market_of = rows
            .iter()
            .map(|r| (r.contract_id, r.market.clone()))
            .collect();
        let mut by_number: HashMap<String, Vec<(NumberRow, Date, Option<Date>)>> = HashMap::new();
        // CON-13: a number a contract held before a change points to it until
        // the day before the change; the current number from that day.
        let mut changed: HashMap<i64, Vec<(String, Date)>> = HashMap::new();
        for (contract, old, applied) in tx.applied_number_changes().await? {
            changed
                .entry(contract)
                .or_default()
                .push((old, convert::date("number change", &applied)?));
        }
        for row in rows {
            let mut from = convert::date("activation date", &row.activated_on)?;
            let to = row
                .ended_on
                .as_deref()
                .map(|d| convert::date("end date", d))
                .transpose()?;
            for (old, applied) in changed.remove(&row.contract_id).unwrap_or_default() {
                let mut earlier = row.clone();
                earlier.number = old.clone();
                by_number
                    .entry(old)
                    .or_default()
                    .push((earlier, from, applied.yesterday().ok()));
                from = applied;
            }
            by_number
                .entry(row.number.clone())
                .or_default()
                .push((row, from, to));
        }
        Ok(Self {
            by_number,
            market_of,
            billed_through,
        })
    }

    /// Whether usage of a contract's month arrives after that month was billed.
    fn is_late(&self, contract_id: i64, period: &str) -> bool {
        self.market_of
            .get(&contract_id)
            .and_then(|m| self.billed_through.get(m))
            .is_some_and(|through| period <= through.as_str())
    }

    fn contract_on(&self, number: &str, day: Date) -> Option<&NumberRow> {
        self.by_number
            .get(number)?
            .iter()
            .rev()
            .find(|(_, from, to)| *from <= day && to.is_none_or(|to| day <= to))
            .map(|(row, _, _)| row)
    }
}

/// Checks and matches one record; `Err` is the reason it is rejected.
fn prepare(
    app: &App,
    index: &NumberIndex,
    record: &UsageRecord,
    import_id: Option<i64>,
) -> Result<UsageRow, String> {
    let day = record.at.date();
    let contract = index
        .contract_on(&record.number, day)
        .ok_or_else(|| format!("number: {} held no contract on {day}", record.number))?;
    let market = app.market(&contract.market).map_err(|e| e.to_string())?;
    let bucket = record.bucket(market).map_err(|e| e.to_string())?;
    let quantity = i64::try_from(record.quantity).map_err(|_| "quantity: too large".to_owned())?;
    Ok(UsageRow {
        id: record.id.clone(),
        contract_id: contract.contract_id,
        period: format!("{:04}-{:02}", day.year(), day.month()),
        at: record.at.to_string(),
        kind: record.kind.to_string(),
        to_number: record.to.clone(),
        quantity,
        roaming: record.roaming.clone(),
        bucket: bucket.code(),
        units: i64::try_from(bucket.units(record.quantity)).unwrap_or(i64::MAX),
        import_id,
    })
}

impl ImportSummary {
    fn reject(&mut self, line: u64, reason: String) {
        self.rejected += 1;
        if self.rejected_lines.len() < KEEP_REJECTED {
            self.rejected_lines.push(RejectedLine { line, reason });
        }
    }
}

impl App {
    /// Stores a batch of checked rows and their totals in one transaction.
    async fn store_usage(
        &self,
        ctx: &Ctx,
        index: &NumberIndex,
        import_id: Option<i64>,
        rows: &[UsageRow],
        rejected: u64,
        last: bool,
    ) -> Result<(u64, u64)> {
        let mut tx = self.begin(ctx).await?;
        let fresh = tx.insert_usage(rows).await?;
        let mut totals: BTreeMap<(i64, &str, &str), UsageTotalRow> = BTreeMap::new();
        let mut imported = 0_u64;
        for (row, new) in rows.iter().zip(&fresh) {
            if !new {
                continue;
            }
            imported += 1;
            let total = totals
                .entry((row.contract_id, row.period.as_str(), row.bucket.as_str()))
                .or_insert_with(|| UsageTotalRow {
                    contract_id: row.contract_id,
                    period: row.period.clone(),
                    bucket: row.bucket.clone(),
                    records: 0,
                    quantity: 0,
                    units: 0,
                });
            total.records += 1;
            total.quantity += row.quantity;
            total.units += row.units;
        }
        let late: Vec<(i64, String)> = totals
            .keys()
            .filter(|(contract, period, _)| index.is_late(*contract, period))
            .map(|(contract, period, _)| (*contract, (*period).to_owned()))
            .collect();
        tx.mark_late_usage(&late).await?;
        let totals: Vec<UsageTotalRow> = totals.into_values().collect();
        tx.add_usage_totals(&totals).await?;
        let duplicates = u64::try_from(rows.len()).unwrap_or(0) - imported;
        if let Some(id) = import_id {
            tx.count_usage_import(
                id,
                i64::try_from(imported).unwrap_or(i64::MAX),
                i64::try_from(duplicates).unwrap_or(i64::MAX),
                i64::try_from(rejected).unwrap_or(i64::MAX),
                last,
            )
            .await?;
        }
        tx.audit(
            None,
            "import_usage",
            "usage_import",
            &import_id.map_or_else(|| "api".to_owned(), |id| id.to_string()),
            &serde_json::json!({ "records": rows.len(), "imported": imported, "duplicates": duplicates }),
        )
        .await?;
        tx.commit().await?;
        Ok((imported, duplicates))
    }

    /// Imports usage records given one by one (scenario steps, the API).
    /// `records` pairs each record with the number that names it in errors.
    pub async fn import_records(
        &self,
        ctx: &Ctx,
        records: &[(u64, UsageRecord)],
    ) -> Result<ImportSummary> {
        let mut tx = self.begin(ctx).await?;
        let index = if records.len() <= FEW_RECORDS {
            let mut numbers: Vec<&str> = records.iter().map(|(_, r)| r.number.as_str()).collect();
            numbers.sort_unstable();
            numbers.dedup();
            NumberIndex::load_for(&mut tx, &numbers).await?
        } else {
            NumberIndex::load(&mut tx).await?
        };
        tx.rollback().await?;
        let mut summary = ImportSummary::default();
        let mut rows = Vec::new();
        for (line, record) in records {
            match prepare(self, &index, record, None) {
                Ok(row) => rows.push(row),
                Err(reason) => summary.reject(*line, reason),
            }
        }
        let (imported, duplicates) = self
            .store_usage(ctx, &index, None, &rows, summary.rejected, true)
            .await?;
        summary.imported = imported;
        summary.duplicates = duplicates;
        Ok(summary)
    }

    /// Imports records and records the outcome as a decision of `market`
    /// (USE-1, USE-3): every rejected record is named with its reason.
    pub async fn import_records_decided(
        &self,
        ctx: &Ctx,
        market: &tarifa_core::market::Market,
        records: &[(u64, UsageRecord)],
    ) -> Result<ImportSummary> {
        let summary = self.import_records(ctx, records).await?;
        let mut decision = tarifa_core::rule::Decision::approved();
        decision.because(
            tarifa_core::rule::rules::USE_3,
            format!(
                "{} records charged to the subscribers whose numbers made them",
                summary.imported
            ),
        );
        if summary.duplicates > 0 {
            decision.note(format!(
                "{} records were already rated and are not rated again",
                summary.duplicates
            ));
        }
        for rejected in &summary.rejected_lines {
            decision.refuse_plainly(format!("record {}: {}", rejected.line, rejected.reason));
        }
        let today = self.today(market);
        let mut tx = self.begin(ctx).await?;
        crate::record(&mut tx, market, today, "usage", None, &decision, ctx).await?;
        tx.commit().await?;
        Ok(summary)
    }

    /// Imports a usage CSV (SCENARIOS.md format) from `reader`. Bad lines are
    /// reported with their line number and skipped; `progress` is told the
    /// bytes read after each batch.
    pub async fn import_usage_csv<R: Read>(
        &self,
        ctx: &Ctx,
        source: &str,
        reader: R,
        mut progress: impl FnMut(u64),
    ) -> Result<ImportSummary> {
        let mut csv = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .trim(csv::Trim::None)
            .from_reader(reader);
        let mut summary = ImportSummary::default();
        let mut record = csv::StringRecord::new();
        let header_ok = csv
            .read_record(&mut record)
            .map_err(|e| AppError::invalid("line 1", e.to_string()))?;
        let header: Vec<&str> = record.iter().map(str::trim).collect();
        if !header_ok || header != HEADER {
            return Err(AppError::invalid(
                "line 1",
                format!(
                    "the header must be {:?}, got {:?}",
                    HEADER.join(","),
                    header.join(",")
                ),
            ));
        }
        let import_id = {
            let mut tx = self.begin(ctx).await?;
            let id = tx.start_usage_import(source).await?;
            tx.commit().await?;
            id
        };
        let mut tx = self.begin(ctx).await?;
        let index = NumberIndex::load(&mut tx).await?;
        tx.rollback().await?;
        let mut rows = Vec::with_capacity(BATCH);
        let mut batch_rejected = 0_u64;
        loop {
            let line = csv.position().line();
            match csv.read_record(&mut record) {
                Ok(false) => break,
                Ok(true) => {
                    let fields: Vec<&str> = record.iter().collect();
                    let prepared = UsageRecord::parse(&fields)
                        .map_err(|e| e.to_string())
                        .and_then(|r| prepare(self, &index, &r, Some(import_id)));
                    match prepared {
                        Ok(row) => rows.push(row),
                        Err(reason) => {
                            summary.reject(line, reason);
                            batch_rejected += 1;
                        }
                    }
                }
                Err(e) => {
                    summary.reject(line, format!("not a CSV line: {e}"));
                    batch_rejected += 1;
                }
            }
            if rows.len() >= BATCH {
                let (imported, duplicates) = self
                    .store_usage(ctx, &index, Some(import_id), &rows, batch_rejected, false)
                    .await?;
                summary.imported += imported;
                summary.duplicates += duplicates;
                rows.clear();
                batch_rejected = 0;
                progress(csv.position().byte());
            }
        }
        let (imported, duplicates) = self
            .store_usage(ctx, &index, Some(import_id), &rows, batch_rejected, true)
            .await?;
        summary.imported += imported;
        summary.duplicates += duplicates;
        progress(csv.position().byte());
        Ok(summary)
    }
}
