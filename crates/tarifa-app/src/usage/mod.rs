//! Usage import (USE-1…3): records are checked, matched to the contract that
//! held the number at the time, classified, and stored in segments per
//! contract and month (see `tarifa_store::segment`), a batch a transaction.
//! Record ids make it idempotent: a record seen before is counted as a
//! duplicate and changes nothing.
//!
//! A file is read by several threads, a block of lines each; one task
//! files their records in file order into a batch; a batch is sealed by a
//! task of its own while the next one is filed, and written by the import's
//! writer task while the next one is sealed. A file in time order is
//! spilled by contract range instead, and sealed a range at a time once it
//! has been read (`spill`).

mod batch;
mod index;
mod parse;
mod spill;

use std::collections::BTreeMap;
use std::io::{BufRead, Read};
use std::sync::{Arc, Mutex, mpsc};

use tarifa_core::usage::UsageRecord;

use self::batch::{Filed, Known, Sealed, Sealer};
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
    /// Bytes of records (encoded, with their entries) filed before a batch
    /// is sealed. A batch is sealed and written while the next one is
    /// filed, so an import holds about twice this.
    pub seal_at_bytes: usize,
    /// Bytes of one part's records a spill (a file in time order) holds
    /// before it writes them to its temporary file; it has a few hundred
    /// parts.
    pub spill_block_bytes: usize,
}

impl Default for ImportTuning {
    fn default() -> Self {
        Self {
            block_bytes: 4 << 20,
            seal_at_bytes: 128 << 20,
            spill_block_bytes: 256 << 10,
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
    sealed: &Sealed,
    rejected: u64,
    last: bool,
) -> Result<(u64, u64)> {
    let mut tx = app.begin(&ctx).await?;
    tx.insert_usage_segments(&sealed.segments).await?;
    tx.mark_late_usage(&sealed.late).await?;
    if let Some(id) = import_id {
        let (imported, duplicates, rejected) = counts(sealed, rejected);
        tx.count_usage_import(id, imported, duplicates, rejected, last)
            .await?;
    }
    tx.audit(
        None,
        AUDIT_ACTION,
        AUDIT_ENTITY,
        &audited(import_id),
        &audit_detail(sealed),
    )
    .await?;
    tx.commit().await?;
    Ok((sealed.imported, sealed.duplicates))
}

/// [`write`] on the lean path of a SQLite file (`tarifa_store::LeanWriter`):
/// the same rows and event, the segments bound from where they lie.
fn write_lean(
    writer: &mut tarifa_store::LeanWriter,
    recorded_at: &str,
    import_id: Option<i64>,
    batch: &ToWrite,
) -> Result<(u64, u64)> {
    let sealed = &batch.sealed;
    let mut tx = writer.begin(recorded_at)?;
    tx.insert_usage_segments(&sealed.segments)?;
    tx.mark_late_usage(&sealed.late)?;
    if let Some(id) = import_id {
        let (imported, duplicates, rejected) = counts(sealed, batch.rejected);
        tx.count_usage_import(id, imported, duplicates, rejected, batch.last)?;
    }
    tx.audit(
        None,
        AUDIT_ACTION,
        AUDIT_ENTITY,
        &audited(import_id),
        &audit_detail(sealed),
    )?;
    tx.commit()?;
    Ok((sealed.imported, sealed.duplicates))
}

const AUDIT_ACTION: &str = "import_usage";
const AUDIT_ENTITY: &str = "usage_import";

/// The import an audit event names: its id, or `api` for records posted.
fn audited(import_id: Option<i64>) -> String {
    import_id.map_or_else(|| "api".to_owned(), |id| id.to_string())
}

fn audit_detail(sealed: &Sealed) -> serde_json::Value {
    serde_json::json!({
        "records": sealed.imported + sealed.duplicates,
        "imported": sealed.imported,
        "duplicates": sealed.duplicates,
        "segments": sealed.segments.len(),
    })
}

/// A batch's counts as the import's row adds them.
fn counts(sealed: &Sealed, rejected: u64) -> (i64, i64, i64) {
    let count = |n: u64| i64::try_from(n).unwrap_or(i64::MAX);
    (
        count(sealed.imported),
        count(sealed.duplicates),
        count(rejected),
    )
}

/// A sealed batch on its way to the store, with the import's count of
/// lines refused since the batch before.
struct ToWrite {
    sealed: Sealed,
    rejected: u64,
    last: bool,
}

/// Writes an import's sealed batches in the order they come, one
/// transaction each, counting the batches in the store on `written` and
/// giving each batch's segment buffer back to `spares`; returns the records
/// imported and the duplicates.
async fn write_in_order(
    app: App,
    ctx: Ctx,
    import_id: Option<i64>,
    mut batches: tokio::sync::mpsc::Receiver<ToWrite>,
    written: tokio::sync::watch::Sender<u64>,
    spares: Arc<Spares>,
) -> Result<(u64, u64)> {
    let (mut imported, mut duplicates) = (0, 0);
    if let Some(mut writer) = app.store().lean_writer(&ctx.actor)? {
        // A SQLite file: the batches are written on a thread of their own.
        let clock = app.clock.clone();
        return tokio::task::spawn_blocking(move || -> Result<(u64, u64)> {
            while let Some(batch) = batches.blocking_recv() {
                let at = clock.now().to_string();
                let counts = write_lean(&mut writer, &at, import_id, &batch)?;
                spares.give_segments(batch.sealed.segments);
                imported += counts.0;
                duplicates += counts.1;
                written.send_modify(|n| *n += 1);
            }
            Ok((imported, duplicates))
        })
        .await
        .map_err(|e| AppError::Conflict(format!("the usage writer stopped: {e}")))?;
    }
    while let Some(batch) = batches.recv().await {
        let counts = write(
            app.clone(),
            ctx.clone(),
            import_id,
            &batch.sealed,
            batch.rejected,
            batch.last,
        )
        .await?;
        spares.give_segments(batch.sealed.segments);
        imported += counts.0;
        duplicates += counts.1;
        written.send_modify(|n| *n += 1);
    }
    Ok((imported, duplicates))
}

fn writer_stopped() -> AppError {
    AppError::Conflict("the usage writer stopped".to_owned())
}

/// A batch sealed: the records sealing refused, and the sealer, free for
/// the next batch.
struct Sealing {
    sealer: Sealer,
    conflicts: Vec<(u64, String)>,
}

/// What every batch of one file's import is sealed with and handed to.
#[derive(Clone)]
struct Storing {
    app: App,
    ctx: Ctx,
    index: Arc<NumberIndex>,
    spares: Arc<Spares>,
    to_write: tokio::sync::mpsc::Sender<ToWrite>,
    written: tokio::sync::watch::Receiver<u64>,
}

impl Storing {
    /// Seals batch `number` (the first is 1) and hands it to the writer.
    /// Sealing reads stored records only to check ids seen before, and
    /// then waits for the batches before this one to be in the store.
    async fn seal(
        self,
        mut sealer: Sealer,
        batch: Filed,
        number: u64,
        rejected: u64,
        last: bool,
    ) -> Result<Sealing> {
        let mut written = self.written.clone();
        let stored_before = async move {
            written
                .wait_for(|n| *n + 1 >= number)
                .await
                .map(|_| ())
                .map_err(|_| writer_stopped())
        };
        let mut sealed = sealer
            .seal(&self.app, &self.ctx, &self.index, batch, stored_before)
            .await?;
        let conflicts = std::mem::take(&mut sealed.conflicts);
        let rejected = rejected + conflicts.len() as u64;
        self.to_write
            .send(ToWrite {
                sealed,
                rejected,
                last,
            })
            .await
            .map_err(|_| writer_stopped())?;
        Ok(Sealing { sealer, conflicts })
    }
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
        let mut sealer = Sealer::new(known, None, Arc::default());
        let mut batch = Filed::default();
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
        let mut sealed = sealer
            .seal(self, ctx, &index, batch, std::future::ready(Ok(())))
            .await?;
        for (line, reason) in std::mem::take(&mut sealed.conflicts) {
            summary.reject(line, reason);
        }
        let (imported, duplicates) = write(
            self.clone(),
            ctx.clone(),
            None,
            &sealed,
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
                tx.usage_record(index.contract_id(holding.slot), &period, id)
                    .await?
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
        progress: impl FnMut(u64),
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
        let (to_write, batches) = tokio::sync::mpsc::channel(1);
        let (written, written_rx) = tokio::sync::watch::channel(0);
        let writer = tokio::spawn(write_in_order(
            self.clone(),
            ctx.clone(),
            Some(import_id),
            batches,
            written,
            Arc::clone(&spares),
        ));
        let storing = Storing {
            app: self.clone(),
            ctx: ctx.clone(),
            index: Arc::clone(&index),
            spares: Arc::clone(&spares),
            to_write,
            written: written_rx,
        };
        let mut summary = ImportSummary::default();
        let sealer = Sealer::new(Known::WholeMonths, Some(import_id), Arc::clone(&spares));
        let filed = file_and_seal(
            source,
            &mut parsed,
            storing,
            sealer,
            &mut summary,
            progress,
            tuning,
        )
        .await;
        // The writer stops once every sealed batch is written, or at the
        // first that fails: then that is the error to report.
        let (imported, duplicates) = writer
            .await
            .map_err(|e| AppError::Conflict(format!("the usage writer stopped: {e}")))??;
        filed?;
        summary.imported = imported;
        summary.duplicates = duplicates;
        summary.rejected_lines.sort_by_key(|r| r.line);
        Ok(summary)
    }
}

/// Files parsed blocks in file order into batches, each sealed by a task
/// of its own (and handed to the writer) while the next one is filed. Once
/// a batch shares most of its contracts with the one before (a file in
/// time order), the rest of the file is spilled by contract range instead
/// and sealed part by part when it has been read (see [`spill`]).
async fn file_and_seal(
    source: &str,
    parsed: &mut tokio::sync::mpsc::Receiver<std::io::Result<ParsedBlock>>,
    storing: Storing,
    sealer: Sealer,
    summary: &mut ImportSummary,
    mut progress: impl FnMut(u64),
    tuning: ImportTuning,
) -> Result<()> {
    let spilling = |e: std::io::Error| {
        AppError::Conflict(format!(
            "the import could not use its temporary file (TMPDIR): {e}"
        ))
    };
    let slots = storing.index.contract_count();
    let mut slot = SealerSlot {
        idle: Some(sealer),
        sealing: None,
    };
    let mut batch = Filed::default();
    let mut number = 0_u64;
    let mut waiting: BTreeMap<u64, ParsedBlock> = BTreeMap::new();
    let mut next = 0_u64;
    let mut rejected = 0_u64;
    // The contracts of the batch sealed last, and the spill once the file
    // shows it is in time order.
    let mut before: Option<Vec<bool>> = None;
    let mut spilled: Option<spill::Spill> = None;
    let mut spill_from_start = false;
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
            progress(block.end);
            if let Some(spill) = &mut spilled {
                spill.push(block.chunk, &storing.spares).map_err(spilling)?;
                continue;
            }
            batch.push(block.chunk);
            if batch.bytes() >= tuning.seal_at_bytes {
                let contracts = spill::contracts_of(&batch, slots);
                if spill::interleaved(before.as_deref(), &contracts, batch.records()) {
                    // Spilled from the first batch on, every batch is a range
                    // of contracts with all their records.
                    spill_from_start = before.is_none();
                    let mut spill =
                        spill::Spill::new(slots, spill::PARTS, tuning.spill_block_bytes)
                            .map_err(spilling)?;
                    for chunk in std::mem::take(&mut batch).into_chunks() {
                        spill.push(chunk, &storing.spares).map_err(spilling)?;
                    }
                    spilled = Some(spill);
                    continue;
                }
                before = Some(contracts);
                let sealer = slot.free(summary).await?;
                slot.start(&storing, sealer, &mut batch, &mut number, &mut rejected);
            }
        }
    }
    let spilled_any = spilled.is_some();
    // A spill's batches hold every record still to come of their contracts.
    let after_spill = |sealer: &mut Sealer| match (spilled_any, spill_from_start) {
        (true, true) => sealer.seal_by_range(),
        (true, false) => sealer.forget_sealed(),
        (false, _) => {}
    };
    if let Some(mut spill) = spilled {
        // The parts, in contract order, a batch of about the usual size at a time.
        let parts = spill.parts();
        for part in 0..parts {
            spill
                .take(part, &mut batch, &storing.spares)
                .map_err(spilling)?;
            if batch.bytes() >= tuning.seal_at_bytes && part + 1 < parts {
                let mut sealer = slot.free(summary).await?;
                after_spill(&mut sealer);
                slot.start(&storing, sealer, &mut batch, &mut number, &mut rejected);
            }
        }
    }
    let mut sealer = slot.free(summary).await?;
    after_spill(&mut sealer);
    let sealing = storing
        .seal(sealer, batch, number + 1, rejected, true)
        .await?;
    for (line, reason) in sealing.conflicts {
        summary.reject(line, reason);
    }
    Ok(())
}

/// The import's one sealer: idle, or sealing a batch on a task of its own
/// while the next one is filed.
struct SealerSlot {
    idle: Option<Sealer>,
    sealing: Option<tokio::task::JoinHandle<Result<Sealing>>>,
}

impl SealerSlot {
    /// The sealer, once the batch it is sealing (if any) is sealed, the
    /// records that batch refused added to `summary`.
    async fn free(&mut self, summary: &mut ImportSummary) -> Result<Sealer> {
        if let Some(task) = self.sealing.take() {
            let sealing = task
                .await
                .map_err(|e| AppError::Conflict(format!("the usage sealer stopped: {e}")))??;
            for (line, reason) in sealing.conflicts {
                summary.reject(line, reason);
            }
            return Ok(sealing.sealer);
        }
        self.idle
            .take()
            .ok_or_else(|| AppError::Conflict("the import's sealer was lost".to_owned()))
    }

    /// Starts sealing the filed batch (not the last) with `sealer`, as the
    /// next batch's number, with the count of lines refused since the batch
    /// before; `batch` and `rejected` start again from empty.
    fn start(
        &mut self,
        storing: &Storing,
        sealer: Sealer,
        batch: &mut Filed,
        number: &mut u64,
        rejected: &mut u64,
    ) {
        *number += 1;
        let batch = std::mem::take(batch);
        let task = storing
            .clone()
            .seal(sealer, batch, *number, std::mem::take(rejected), false);
        self.sealing = Some(tokio::spawn(task));
    }
}
