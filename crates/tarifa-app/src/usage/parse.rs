//! Reading usage lines: a block of whole lines at a time, checked (USE-1),
//! matched to the contract that held the number and classified (USE-2),
//! and encoded as a usage segment keeps it, without a string allocated per
//! record. Blocks are independent, so several threads read them at once,
//! and the task that gathers their records only files them.

use std::hash::BuildHasher;

use tarifa_core::usage::{UsageError, UsageFields, UsageTime};
use tarifa_store::segment::{self, NewSegments, RecordFields};

use super::index::NumberIndex;

/// The record ids' hash (fixed, so the same id hashes alike in every batch).
pub(super) fn id_hash(id: &[u8]) -> u64 {
    foldhash::fast::FixedState::with_seed(0x7a71_fa00_0003).hash_one(id)
}

/// A record checked, matched and classified, its fields encoded (as a
/// usage segment keeps them) in its chunk: what a batch takes.
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct Prepared {
    pub hash: u64,
    /// The record's line in its file (its position in a request).
    pub line: u64,
    /// The contract's slot in the [`NumberIndex`].
    pub slot: u32,
    /// Year × 12 + month − 1 of the record's local time.
    pub month: u32,
    /// Which of a batch's chunks holds the encoding (set by the batch), and
    /// where in it the record starts.
    pub chunk: u32,
    pub start: u32,
}

/// Records encoded one after another, the class byte of each being its
/// [`tarifa_core::usage::Bucket::index`] (a segment renumbers them).
#[derive(Default)]
pub(super) struct Chunk {
    pub bytes: Vec<u8>,
    pub records: Vec<Prepared>,
}

impl Chunk {
    /// A chunk holds at most this many bytes, so a record's start fits 32
    /// bits; records given one by one start a new chunk past it.
    pub const MAX_BYTES: usize = 1 << 30;

    fn with_capacity(bytes: usize) -> Self {
        Self {
            bytes: Vec::with_capacity(bytes),
            records: Vec::with_capacity(bytes / 32),
        }
    }

    fn clear(&mut self) {
        self.bytes.clear();
        self.records.clear();
    }

    pub fn is_full(&self) -> bool {
        self.bytes.len() >= Self::MAX_BYTES
    }

    /// The length of record `i`'s encoding (records lie one after another).
    pub fn record_len(&self, i: usize) -> usize {
        let end = self
            .records
            .get(i + 1)
            .map_or(self.bytes.len(), |next| next.start as usize);
        end - self.records[i].start as usize
    }

    /// Record `i`'s encoding.
    pub fn record(&self, i: usize) -> &[u8] {
        let start = self.records[i].start as usize;
        &self.bytes[start..start + self.record_len(i)]
    }
}

/// `YYYY-MM` of a month number.
pub(super) fn period_of(month: u32) -> String {
    format!("{:04}-{:02}", month / 12, month % 12 + 1)
}

/// Matches and classifies checked fields and adds the record to `chunk`;
/// `Err` is why the record is refused (and nothing is added).
pub(super) fn prepare(
    index: &NumberIndex,
    chunk: &mut Chunk,
    line: u64,
    fields: &UsageFields<'_>,
) -> Result<(), String> {
    let at = match fields.at {
        UsageTime::Local(at) => at,
        // An instant is local time in the time zone of the number's market.
        UsageTime::Instant(_) => {
            let market = index.market_of_number(fields.number).ok_or_else(|| {
                format!("number: {} is not a number of this operator", fields.number)
            })?;
            fields.at.local_in(&market.time_zone)
        }
    };
    let day = at.date();
    let holding = index
        .contract_on(fields.number, day)
        .ok_or_else(|| format!("number: {} held no contract on {day}", fields.number))?;
    // Usage is what happened: a record dated ahead is a broken clock or file.
    if day > index.last_day(holding.market()) {
        return Err(format!(
            "at: {at} lies in the future (the market's today is the day before {})",
            index.last_day(holding.market())
        ));
    }
    let bucket = fields
        .bucket(&index.markets[holding.market()])
        .map_err(|e| e.to_string())?;
    if i64::try_from(fields.quantity).is_err() {
        return Err("quantity: too large".to_owned());
    }
    let time = at.time();
    let start = u32::try_from(chunk.bytes.len())
        .map_err(|_| "the import's chunk of records is full".to_owned())?;
    segment::encode_record(
        &mut chunk.bytes,
        &RecordFields {
            id: fields.id.as_bytes(),
            day: u8::try_from(day.day()).unwrap_or(1),
            second_of_day: u32::try_from(
                i32::from(time.hour()) * 3600
                    + i32::from(time.minute()) * 60
                    + i32::from(time.second()),
            )
            .unwrap_or(0),
            nanosecond: u32::try_from(time.subsec_nanosecond()).unwrap_or(0),
            class: u8::try_from(bucket.index()).unwrap_or(0),
            to: fields.to.as_bytes(),
            quantity: fields.quantity,
            units: bucket.units(fields.quantity),
            roaming: fields.roaming.map(str::as_bytes),
        },
    );
    chunk.records.push(Prepared {
        hash: id_hash(fields.id.as_bytes()),
        line,
        slot: holding.slot,
        month: u32::try_from(day.year()).unwrap_or(0) * 12
            + u32::try_from(day.month() - 1).unwrap_or(0),
        chunk: 0,
        start,
    });
    Ok(())
}

/// Buffers an import has emptied, to be filled again: chunks for the
/// parsing threads, and segment buffers for sealing once a batch is
/// written. Fresh memory would first be zeroed by the kernel, page by page.
#[derive(Default)]
pub(super) struct Spares {
    chunks: std::sync::Mutex<Vec<Chunk>>,
    segments: std::sync::Mutex<Vec<NewSegments>>,
}

impl Spares {
    /// At most this many chunks are kept (a chunk of a 4 MB block holds
    /// about 4 MB): about a batch's, at 128 MB a batch.
    const KEEP: usize = 32;
    /// Segment buffers: one being sealed, one waiting, one being written.
    const KEEP_SEGMENTS: usize = 3;

    /// An empty chunk with room for about `bytes` of encodings.
    pub fn take(&self, bytes: usize) -> Chunk {
        let spare = self.chunks.lock().ok().and_then(|mut spares| spares.pop());
        spare.unwrap_or_else(|| Chunk::with_capacity(bytes))
    }

    /// Keeps an emptied chunk for reuse.
    pub fn give(&self, mut chunk: Chunk) {
        if let Ok(mut spares) = self.chunks.lock()
            && spares.len() < Self::KEEP
        {
            chunk.clear();
            spares.push(chunk);
        }
    }

    /// An empty segment buffer.
    pub fn segments(&self) -> NewSegments {
        let spare = self
            .segments
            .lock()
            .ok()
            .and_then(|mut spares| spares.pop());
        spare.unwrap_or_default()
    }

    /// Keeps a written batch's segment buffer for reuse.
    pub fn give_segments(&self, mut segments: NewSegments) {
        if let Ok(mut spares) = self.segments.lock()
            && spares.len() < Self::KEEP_SEGMENTS
        {
            segments.clear();
            spares.push(segments);
        }
    }
}

/// A block of whole lines of a usage file.
pub(super) struct Block {
    pub seq: u64,
    /// The line number of the block's first line.
    pub first_line: u64,
    pub bytes: Vec<u8>,
    /// The file's byte offset at the block's end (for progress).
    pub end: u64,
}

/// A block read: its records and the lines refused, with their reasons.
pub(super) struct ParsedBlock {
    pub seq: u64,
    pub end: u64,
    pub chunk: Chunk,
    pub rejected: Vec<(u64, String)>,
}

/// Splits a line into its fields; quoted fields go through the CSV reader.
fn with_fields<T>(line: &str, f: impl FnOnce(&[&str]) -> T) -> Result<T, String> {
    if !line.contains('"') {
        let mut fields: [&str; 8] = [""; 8];
        let mut n = 0;
        for field in line.split(',') {
            if n < fields.len() {
                fields[n] = field;
            }
            n += 1;
        }
        if n > fields.len() {
            return Err(UsageError::Columns(n).to_string());
        }
        return Ok(f(&fields[..n]));
    }
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(line.as_bytes());
    let mut record = csv::StringRecord::new();
    match reader.read_record(&mut record) {
        Ok(true) => {
            let fields: Vec<&str> = record.iter().collect();
            Ok(f(&fields))
        }
        Ok(false) => Err("not a CSV line: empty".to_owned()),
        Err(e) => Err(format!("not a CSV line: {e}")),
    }
}

/// Reads every line of a block.
pub(super) fn parse_block(index: &NumberIndex, spares: &Spares, block: &Block) -> ParsedBlock {
    // A record encodes to about half its line.
    let mut chunk = spares.take(block.bytes.len() / 2);
    let mut rejected = Vec::new();
    let block_bytes: &[u8] = &block.bytes;
    let mut start = 0;
    let mut line = block.first_line;
    while start < block_bytes.len() {
        let end =
            memchr::memchr(b'\n', &block_bytes[start..]).map_or(block_bytes.len(), |i| start + i);
        let mut raw = &block_bytes[start..end];
        start = end + 1;
        let this_line = line;
        line += 1;
        if let Some(stripped) = raw.strip_suffix(b"\r") {
            raw = stripped;
        }
        if raw.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let Ok(text) = std::str::from_utf8(raw) else {
            rejected.push((this_line, "not UTF-8 text".to_owned()));
            continue;
        };
        let outcome = with_fields(text, |fields| {
            UsageFields::parse(fields)
                .map_err(|e| e.to_string())
                .and_then(|f| prepare(index, &mut chunk, this_line, &f))
        })
        .and_then(|r| r);
        if let Err(reason) = outcome {
            rejected.push((this_line, reason));
        }
    }
    ParsedBlock {
        seq: block.seq,
        end: block.end,
        chunk,
        rejected,
    }
}
