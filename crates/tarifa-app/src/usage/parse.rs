//! Reading usage lines: a block of whole lines at a time, checked (USE-1),
//! matched to the contract that held the number and classified (USE-2),
//! without a string allocated per record. Blocks are independent, so several
//! threads read them at once.

use std::hash::BuildHasher;

use tarifa_core::usage::{UsageError, UsageFields, UsageTime};

use super::index::NumberIndex;

/// The record ids' hash (fixed, so the same id hashes alike in every batch).
pub(super) fn id_hash(id: &[u8]) -> u64 {
    foldhash::fast::FixedState::with_seed(0x7a71_fa00_0003).hash_one(id)
}

/// A text of a record: where it lies in its block's [`Texts`].
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct Span {
    start: u32,
    len: u32,
}

/// The bytes a block's records point into: the block itself, and copies of
/// the fields that had to be unquoted.
#[derive(Default)]
pub(super) struct Texts {
    pub block: Vec<u8>,
    extra: Vec<u8>,
}

/// Records where texts lie, copying those that are not in the block.
pub(super) struct Spans<'a> {
    block: &'a [u8],
    extra: &'a mut Vec<u8>,
}

impl Spans<'_> {
    fn span_of(&mut self, text: &str) -> Span {
        let block = self.block.as_ptr_range();
        let at = text.as_ptr();
        // A field read in place lies inside the block; an unquoted one is copied.
        let start = if block.contains(&at) {
            at as usize - block.start as usize
        } else {
            let start = self.block.len() + self.extra.len();
            self.extra.extend_from_slice(text.as_bytes());
            start
        };
        Span {
            start: u32::try_from(start).unwrap_or(u32::MAX),
            len: u32::try_from(text.len()).unwrap_or(0),
        }
    }
}

impl Texts {
    /// Where to record the spans of this buffer's texts.
    pub fn spans(&mut self) -> Spans<'_> {
        Spans {
            block: &self.block,
            extra: &mut self.extra,
        }
    }

    /// The bytes of a text (checked UTF-8 when its span was made).
    pub fn get(&self, span: Span) -> &[u8] {
        let (start, len) = (span.start as usize, span.len as usize);
        match start.checked_sub(self.block.len()) {
            None => &self.block[start..start + len],
            Some(at) => &self.extra[at..at + len],
        }
    }

    /// A buffer holding copies of records' texts (records given one by one).
    pub fn owned() -> Self {
        Self::default()
    }
}

/// A record checked, matched and classified: what a batch takes.
#[derive(Clone, Copy, Debug)]
pub(super) struct Prepared {
    /// The record's line in its file (its position in a request).
    pub line: u64,
    pub contract_id: i64,
    /// Year × 12 + month − 1 of the record's local time.
    pub month: u32,
    /// The usage class, as [`tarifa_core::usage::Bucket::index`].
    pub class: u8,
    pub hash: u64,
    pub id: Span,
    pub to: Span,
    pub roaming: Option<Span>,
    pub day: u8,
    pub second_of_day: u32,
    pub nanosecond: u32,
    pub quantity: u64,
    pub units: u64,
}

/// `YYYY-MM` of a month number.
pub(super) fn period_of(month: u32) -> String {
    format!("{:04}-{:02}", month / 12, month % 12 + 1)
}

/// Matches and classifies checked fields; `Err` is why the record is refused.
pub(super) fn prepare(
    index: &NumberIndex,
    spans: &mut Spans<'_>,
    line: u64,
    fields: &UsageFields<'_>,
) -> Result<Prepared, String> {
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
    if day > index.last_day(holding.market) {
        return Err(format!(
            "at: {at} lies in the future (the market's today is the day before {})",
            index.last_day(holding.market)
        ));
    }
    let bucket = fields
        .bucket(&index.markets[holding.market])
        .map_err(|e| e.to_string())?;
    if i64::try_from(fields.quantity).is_err() {
        return Err("quantity: too large".to_owned());
    }
    let time = at.time();
    Ok(Prepared {
        line,
        contract_id: holding.contract_id,
        month: u32::try_from(day.year()).unwrap_or(0) * 12
            + u32::try_from(day.month() - 1).unwrap_or(0),
        class: u8::try_from(bucket.index()).unwrap_or(0),
        hash: id_hash(fields.id.as_bytes()),
        id: spans.span_of(fields.id),
        to: spans.span_of(fields.to),
        roaming: fields.roaming.map(|r| spans.span_of(r)),
        day: u8::try_from(day.day()).unwrap_or(1),
        second_of_day: u32::try_from(
            i32::from(time.hour()) * 3600
                + i32::from(time.minute()) * 60
                + i32::from(time.second()),
        )
        .unwrap_or(0),
        nanosecond: u32::try_from(time.subsec_nanosecond()).unwrap_or(0),
        quantity: fields.quantity,
        units: bucket.units(fields.quantity),
    })
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
    pub texts: Texts,
    pub records: Vec<Prepared>,
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
pub(super) fn parse_block(index: &NumberIndex, block: Block) -> ParsedBlock {
    let mut texts = Texts {
        block: block.bytes,
        extra: Vec::new(),
    };
    let mut records = Vec::with_capacity(texts.block.len() / 64);
    let mut rejected = Vec::new();
    let mut spans = Spans {
        block: &texts.block,
        extra: &mut texts.extra,
    };
    let block_bytes: &[u8] = &texts.block;
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
                .and_then(|f| prepare(index, &mut spans, this_line, &f))
        })
        .and_then(|r| r);
        match outcome {
            Ok(record) => records.push(record),
            Err(reason) => rejected.push((this_line, reason)),
        }
    }
    ParsedBlock {
        seq: block.seq,
        end: block.end,
        texts,
        records,
        rejected,
    }
}
