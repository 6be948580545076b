//! Usage import (USE-1…3): records are checked, matched to the contract that
//! held the number at the time, classified, and stored in segments per
//! contract and month (see `tarifa_store::segment`), a batch a transaction.
//! Record ids make it idempotent: a record seen before is counted as a
//! duplicate and changes nothing.
//!
//! A file is read by several threads, a block of lines each; one task
//! gathers their records in file order into the batch, and a batch is
//! written while the next one is read.

mod batch;
mod index;
mod parse;

use std::collections::BTreeMap;
use std::io::{BufRead, Read};
use std::sync::{Arc, Mutex, mpsc};

use tarifa_core::usage::UsageRecord;

use self::batch::{Batch, Known, Sealed};
use self::index::NumberIndex;
use self::parse::{Block, Chunk, ParsedBlock, Spares};
use crate::{App, AppError, Ctx, Result};

/// Rejected lines kept with their reasons (the rest are only counted).
const KEEP_REJECTED: usize = 10_000;
/// How a file import reads and batches.
#[derive(Clone, Copy, Debug)]
pub struct ImportTuning {
    /// Bytes of the file a parsing thread takes at a time.
    pub block_bytes: usize,
    /// Encoded records held before a batch is sealed and written.
    pub seal_at_bytes: usize,
}

impl Default for ImportTuning {
    fn default() -> Self {
        Self {
            block_bytes: 4 << 20,
            seal_at_bytes: 256 << 20,
        }
    }
}
/// Up to this many records are matched by looking up their own numbers;
/// more load every number at once.
const FEW_RECORDS: usize = 1_000;

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

impl ImportSummary {
    /// The import as a decision (USE-3): `charged` says what was rated; the
    /// repeats are noted and every refused `item` (a line, a record) named.
    pub fn decision(&self, charged: String, item: &str) -> tarifa_core::rule::Decision {
        let mut decision = tarifa_core::rule::Decision::approved();
        decision.because(tarifa_core::rule::rules::USE_3, charged);
        if self.duplicates > 0 {
            decision.note(format!(
                "{} records were already rated and are not rated again",
                self.duplicates
            ));
        }
        for rejected in &self.rejected_lines {
            decision.refuse_plainly(format!("{item} {}: {}", rejected.line, rejected.reason));
        }
        decision
    }

    fn reject(&mut self, line: u64, reason: String) {
        self.rejected += 1;
        if self.rejected_lines.len() < KEEP_REJECTED {
            self.rejected_lines.push(RejectedLine { line, reason });
        }
    }
}

/// Stores a sealed batch, its counts and its audit event in one transaction.
async fn write(
    app: App,
    ctx: Ctx,
    import_id: Option<i64>,
    sealed: Sealed,
    rejected: u64,
    last: bool,
) -> Result<(u64, u64)> {
    let mut tx = app.begin(&ctx).await?;
    tx.insert_usage_segments(&sealed.segments).await?;
    tx.mark_late_usage(&sealed.late).await?;
    let count = |n: u64| i64::try_from(n).unwrap_or(i64::MAX);
    if let Some(id) = import_id {
        tx.count_usage_import(
            id,
            count(sealed.imported),
            count(sealed.duplicates),
            count(rejected),
            last,
        )
        .await?;
    }
    tx.audit(
        None,
        "import_usage",
        "usage_import",
        &import_id.map_or_else(|| "api".to_owned(), |id| id.to_string()),
        &serde_json::json!({
            "records": sealed.imported + sealed.duplicates,
            "imported": sealed.imported,
            "duplicates": sealed.duplicates,
            "segments": sealed.segments.len(),
        }),
    )
    .await?;
    tx.commit().await?;
    Ok((sealed.imported, sealed.duplicates))
}

/// Reads `reader` in blocks of whole lines (the first line being
/// `first_line`) and has `threads` threads parse them; parsed blocks (or the
/// read error) arrive on the returned channel, in any order.
fn read_in_parallel<R: Read + Send + 'static>(
    mut reader: R,
    first_line: u64,
    mut offset: u64,
    index: Arc<NumberIndex>,
    spares: Arc<Spares>,
    threads: usize,
    block_bytes: usize,
) -> std::io::Result<tokio::sync::mpsc::Receiver<std::io::Result<ParsedBlock>>> {
    let (parsed, receiver) = tokio::sync::mpsc::channel(threads * 2);
    let (blocks, to_parse) = mpsc::sync_channel::<Block>(threads);
    let to_parse = Arc::new(Mutex::new(to_parse));
    // A parsed block's buffer goes back to be read into again: fresh memory
    // would be zeroed by the kernel for every block.
    let (emptied, refill) = mpsc::channel::<Vec<u8>>();
    for _ in 0..threads {
        let to_parse = Arc::clone(&to_parse);
        let index = Arc::clone(&index);
        let spares = Arc::clone(&spares);
        let parsed = parsed.clone();
        let emptied = emptied.clone();
        let worker = std::thread::Builder::new().name("usage-parse".into());
        worker.spawn(move || {
            loop {
                let block = match to_parse.lock() {
                    Ok(receiver) => receiver.recv(),
                    Err(_) => return,
                };
                let Ok(block) = block else { return };
                let done = parse::parse_block(&index, &spares, &block);
                let _ = emptied.send(block.bytes);
                if parsed.blocking_send(Ok(done)).is_err() {
                    return;
                }
            }
        })?;
    }
    let reading = std::thread::Builder::new().name("usage-read".into());
    reading.spawn(move || {
        let mut line = first_line;
        let mut carry: Vec<u8> = Vec::new();
        for seq in 0.. {
            let mut bytes = refill.try_recv().unwrap_or_default();
            bytes.clear();
            bytes.append(&mut carry);
            // Read until the block is full and holds a line's end (a line
            // longer than a block makes the block longer), or the file ends.
            let eof = loop {
                let filled = bytes.len();
                if filled >= block_bytes && memchr::memchr(b'\n', &bytes).is_some() {
                    break false;
                }
                // `take` + `read_to_end` reads into spare capacity: no zeroing.
                let want = u64::try_from(block_bytes.max(1 << 12)).unwrap_or(u64::MAX);
                match (&mut reader).take(want).read_to_end(&mut bytes) {
                    Ok(0) => break true,
                    Ok(_) => {}
                    Err(e) => {
                        let _ = parsed.blocking_send(Err(e));
                        return;
                    }
                }
            };
            // A block ends at its last line's end; the rest starts the next.
            if !eof && let Some(end) = memchr::memrchr(b'\n', &bytes) {
                carry.extend_from_slice(&bytes[end + 1..]);
                bytes.truncate(end + 1);
            }
            let lines = memchr::memchr_iter(b'\n', &bytes).count() as u64;
            offset += bytes.len() as u64;
            let block = Block {
                seq,
                first_line: line,
                bytes,
                end: offset,
            };
            line += lines;
            if block.bytes.is_empty() && eof {
                return;
            }
            if blocks.send(block).is_err() || eof {
                return;
            }
        }
    })?;
    Ok(receiver)
}

impl App {
    /// Imports usage records given one by one (scenario steps, the API).
    /// `records` pairs each record with the number that names it in errors.
    pub async fn import_records(
        &self,
        ctx: &Ctx,
        records: &[(u64, UsageRecord)],
    ) -> Result<ImportSummary> {
        let few = records.len() <= FEW_RECORDS;
        let mut tx = self.begin_read(ctx).await?;
        let index = if few {
            let mut numbers: Vec<&str> = records.iter().map(|(_, r)| r.number.as_str()).collect();
            numbers.sort_unstable();
            numbers.dedup();
            NumberIndex::load_for(self, &mut tx, &numbers).await?
        } else {
            NumberIndex::load(self, &mut tx).await?
        };
        tx.rollback().await?;
        let mut summary = ImportSummary::default();
        let known = if few {
            Known::PerGroup
        } else {
            Known::WholeMonths
        };
        let mut batch = Batch::new(known, None, usize::MAX, Arc::default());
        let mut chunk = Chunk::default();
        for (line, record) in records {
            if let Err(reason) = parse::prepare(&index, &mut chunk, *line, &record.fields()) {
                summary.reject(*line, reason);
            }
            if chunk.is_full() {
                batch.push(std::mem::take(&mut chunk));
            }
        }
        batch.push(chunk);
        let mut sealed = batch.seal(self, ctx, &index).await?;
        for (line, reason) in std::mem::take(&mut sealed.conflicts) {
            summary.reject(line, reason);
        }
        let (imported, duplicates) = write(
            self.clone(),
            ctx.clone(),
            None,
            sealed,
            summary.rejected,
            true,
        )
        .await?;
        summary.imported = imported;
        summary.duplicates = duplicates;
        summary.rejected_lines.sort_by_key(|r| r.line);
        Ok(summary)
    }

    /// The stored record `id` that `number` made at `at` (a local time):
    /// found through the contract that held the number then.
    pub async fn usage_record_of(
        &self,
        ctx: &Ctx,
        number: &str,
        at: jiff::civil::DateTime,
        id: &str,
    ) -> Result<Option<tarifa_store::UsageRow>> {
        let mut tx = self.begin_read(ctx).await?;
        let index = NumberIndex::load_for(self, &mut tx, &[number]).await?;
        let row = match index.contract_on(number, at.date()) {
            Some(holding) => {
                let period = crate::billing::period_code(at.date());
                tx.usage_record(holding.contract_id, &period, id).await?
            }
            None => None,
        };
        tx.rollback().await?;
        Ok(row)
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
        let decision = summary.decision(
            format!(
                "{} records charged to the subscribers whose numbers made them",
                summary.imported
            ),
            "record",
        );
        let today = self.today(market);
        let mut tx = self.begin(ctx).await?;
        crate::record(&mut tx, market, today, "usage", None, &decision, ctx).await?;
        tx.commit().await?;
        Ok(summary)
    }

    /// Imports a usage CSV (SCENARIOS.md format, one record a line) from
    /// `reader`. Bad lines are reported with their line number and skipped;
    /// `progress` is told the bytes read as the import goes.
    pub async fn import_usage_csv<R: Read + Send + 'static>(
        &self,
        ctx: &Ctx,
        source: &str,
        reader: R,
        progress: impl FnMut(u64),
    ) -> Result<ImportSummary> {
        self.import_usage_csv_with(ctx, source, reader, progress, ImportTuning::default())
            .await
    }

    /// [`App::import_usage_csv`] with explicit block and batch sizes.
    pub async fn import_usage_csv_with<R: Read + Send + 'static>(
        &self,
        ctx: &Ctx,
        source: &str,
        reader: R,
        mut progress: impl FnMut(u64),
        tuning: ImportTuning,
    ) -> Result<ImportSummary> {
        let mut reader = std::io::BufReader::with_capacity(1 << 16, reader);
        let mut first = Vec::new();
        // Reading fails before any line when the source is no file at all.
        reader
            .read_until(b'\n', &mut first)
            .map_err(|e| AppError::invalid(source, format!("cannot be read: {e}")))?;
        if first.is_empty() {
            // An empty file holds no records: nothing to import, nothing wrong.
            return Ok(ImportSummary::default());
        }
        // Spreadsheets save UTF-8 with a byte order mark; it is no part of the header.
        let header_bytes = first.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&first);
        let header_text = String::from_utf8_lossy(header_bytes);
        let header: Vec<&str> = header_text.trim_end().split(',').map(str::trim).collect();
        if header != HEADER {
            return Err(AppError::invalid(
                format!("{source}: line 1"),
                format!(
                    "the header must be {:?}, got {:?}",
                    HEADER.join(","),
                    tarifa_core::text::clip(&header.join(","), tarifa_core::text::ECHO_CHARS)
                ),
            ));
        }
        let import_id = {
            let mut tx = self.begin(ctx).await?;
            let id = tx.start_usage_import(source).await?;
            tx.commit().await?;
            id
        };
        let index = {
            let mut tx = self.begin_read(ctx).await?;
            let index = NumberIndex::load(self, &mut tx).await?;
            tx.rollback().await?;
            Arc::new(index)
        };
        let threads = std::thread::available_parallelism().map_or(2, |n| n.get().clamp(1, 8));
        let spares = Arc::new(Spares::default());
        let mut parsed = read_in_parallel(
            reader,
            2,
            first.len() as u64,
            Arc::clone(&index),
            Arc::clone(&spares),
            threads,
            tuning.block_bytes.max(1),
        )
        .map_err(|e| AppError::Conflict(format!("could not start the import's threads: {e}")))?;
        let mut summary = ImportSummary::default();
        let mut batch = Batch::new(
            Known::WholeMonths,
            Some(import_id),
            tuning.seal_at_bytes,
            Arc::clone(&spares),
        );
        let mut waiting: BTreeMap<u64, ParsedBlock> = BTreeMap::new();
        let mut next = 0_u64;
        let mut rejected = 0_u64;
        let mut writing: Option<tokio::task::JoinHandle<Result<(u64, u64)>>> = None;
        let written = |summary: &mut ImportSummary, counts: (u64, u64)| {
            summary.imported += counts.0;
            summary.duplicates += counts.1;
        };
        while let Some(block) = parsed.recv().await {
            let block = block.map_err(|e| AppError::invalid(source, e.to_string()))?;
            waiting.insert(block.seq, block);
            // Blocks are taken in file order: the first of two repeats is the one kept.
            while let Some(block) = waiting.remove(&next) {
                next += 1;
                for (line, reason) in block.rejected {
                    summary.reject(line, reason);
                    rejected += 1;
                }
                batch.push(block.chunk);
                progress(block.end);
                if batch.is_full() {
                    // Sealing reads the store: the batch before must be in it.
                    if let Some(w) = writing.take() {
                        written(&mut summary, join(w).await?);
                    }
                    let mut sealed = batch.seal(self, ctx, &index).await?;
                    for (line, reason) in std::mem::take(&mut sealed.conflicts) {
                        summary.reject(line, reason);
                        rejected += 1;
                    }
                    writing = Some(tokio::spawn(write(
                        self.clone(),
                        ctx.clone(),
                        Some(import_id),
                        sealed,
                        std::mem::take(&mut rejected),
                        false,
                    )));
                }
            }
        }
        if let Some(w) = writing.take() {
            written(&mut summary, join(w).await?);
        }
        let mut sealed = batch.seal(self, ctx, &index).await?;
        for (line, reason) in std::mem::take(&mut sealed.conflicts) {
            summary.reject(line, reason);
            rejected += 1;
        }
        let counts = write(
            self.clone(),
            ctx.clone(),
            Some(import_id),
            sealed,
            rejected,
            true,
        )
        .await?;
        written(&mut summary, counts);
        summary.rejected_lines.sort_by_key(|r| r.line);
        Ok(summary)
    }
}

async fn join(writing: tokio::task::JoinHandle<Result<(u64, u64)>>) -> Result<(u64, u64)> {
    writing
        .await
        .map_err(|e| AppError::Conflict(format!("the usage writer stopped: {e}")))?
}
