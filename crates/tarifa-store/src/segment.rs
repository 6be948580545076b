//! Usage segments: the usage records of one contract and month that one
//! import batch brought, stored together as one row in a compact binary
//! form, with their totals per usage class beside them.
//!
//! One row a record made the store the import's bottleneck (a B-tree insert
//! keyed by a text id for every record); a segment is one insert for the
//! whole batch of a contract, and the bill run reads only the totals column.
//!
//! Layout (all integers unsigned LEB128 varints unless said otherwise):
//! - body: version byte `1`; the number of classes, then each class's code
//!   (a length byte and UTF-8); then the records, one after another:
//!   id (length, bytes), seconds since the month began, nanoseconds, class
//!   (a byte: its index in the body's classes), destination (length, bytes),
//!   quantity, billable units, visited network (length, bytes; 0 = at home).
//! - totals: the number of classes, then per class its code (a length byte
//!   and UTF-8), records, quantity and units.

use crate::codec::{Cursor, put, put_bytes};
use crate::{StoreError, UsageRow, UsageTotalRow};

const VERSION: u8 = 1;

/// One record as the import hands it over, before it is encoded. Its texts
/// are UTF-8 the caller has checked (the import reads them in place from its
/// file, already checked; checking again would cost every record twice).
#[derive(Clone, Copy, Debug)]
pub struct RecordFields<'a> {
    pub id: &'a [u8],
    /// The day of the month (1–31) and the time of day.
    pub day: u8,
    pub second_of_day: u32,
    pub nanosecond: u32,
    /// The record's class: an index into the segment's classes.
    pub class: u8,
    pub to: &'a [u8],
    pub quantity: u64,
    pub units: u64,
    pub roaming: Option<&'a [u8]>,
}

/// A segment ready to be stored, as [`NewSegments`] lends it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NewSegment<'a> {
    pub contract_id: i64,
    /// `YYYY-MM`.
    pub period: &'a str,
    pub import_id: Option<i64>,
    pub records: i64,
    pub totals: &'a [u8],
    pub body: &'a [u8],
}

/// Segments ready to be stored: their totals and bodies one after another
/// in one buffer. An import fills one a batch and reuses it for a later
/// batch once it is written: a buffer of its own for every segment was
/// memory taken fresh from the kernel (and zeroed by it) batch after batch,
/// a fifth of the import's CPU.
#[derive(Debug, Default)]
pub struct NewSegments {
    bytes: Vec<u8>,
    rows: Vec<SegmentAt>,
    periods: Vec<String>,
    /// Room for one segment's records while its classes are gathered.
    scratch: Vec<u8>,
}

/// Where one segment lies in [`NewSegments::bytes`]: its totals from
/// `start`, then its body.
#[derive(Clone, Copy, Debug)]
struct SegmentAt {
    contract_id: i64,
    period: u32,
    import_id: Option<i64>,
    records: i64,
    start: usize,
    totals_len: usize,
    body_len: usize,
}

impl NewSegments {
    /// Empties it, keeping its memory.
    pub fn clear(&mut self) {
        self.bytes.clear();
        self.rows.clear();
        self.periods.clear();
    }

    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// Segment `i` (in the order added, or sorted by [`NewSegments::sort`]).
    pub fn get(&self, i: usize) -> NewSegment<'_> {
        let at = self.rows[i];
        let totals_end = at.start + at.totals_len;
        NewSegment {
            contract_id: at.contract_id,
            period: &self.periods[at.period as usize],
            import_id: at.import_id,
            records: at.records,
            totals: &self.bytes[at.start..totals_end],
            body: &self.bytes[totals_end..totals_end + at.body_len],
        }
    }

    pub fn iter(&self) -> impl ExactSizeIterator<Item = NewSegment<'_>> {
        (0..self.rows.len()).map(|i| self.get(i))
    }

    /// Puts the segments in order of contract and period.
    pub fn sort(&mut self) {
        let periods = &self.periods;
        self.rows.sort_by(|a, b| {
            (a.contract_id, &periods[a.period as usize])
                .cmp(&(b.contract_id, &periods[b.period as usize]))
        });
    }

    /// Adds a segment of encoded records whose class bytes index `classes`
    /// (each item starts with one record; bytes after it are not taken);
    /// returns its count of records. The segment names only the classes its
    /// records use, in the order they first appear, and the records' class
    /// bytes are renumbered to match: an import encodes a record before it
    /// knows which classes will share its segment. Nothing is added when a
    /// record is refused.
    pub fn add<'r>(
        &mut self,
        contract_id: i64,
        period: &str,
        import_id: Option<i64>,
        classes: &[&str],
        records: impl IntoIterator<Item = &'r [u8]>,
    ) -> Result<i64, StoreError> {
        if classes.len() >= usize::from(u8::MAX) {
            return Err(corrupt("more classes than a byte numbers"));
        }
        let mut local = [u8::MAX; u8::MAX as usize];
        let mut used: Vec<&str> = Vec::new();
        let mut sums: Vec<[u64; 3]> = Vec::new();
        let encoded = &mut self.scratch;
        encoded.clear();
        let mut count = 0_i64;
        for record in records {
            let key = record_key(record)?;
            let class = *classes
                .get(usize::from(key.class))
                .ok_or_else(|| corrupt("class out of range"))?;
            let slot = &mut local[usize::from(key.class)];
            if *slot == u8::MAX {
                // Fewer than 255 classes (checked above): the index fits a byte.
                *slot = used.len() as u8;
                used.push(class);
                sums.push([0; 3]);
            }
            let sum = &mut sums[usize::from(*slot)];
            sum[0] += 1;
            sum[1] = sum[1]
                .checked_add(key.quantity)
                .ok_or_else(|| corrupt("a class's quantity is more than 64 bits hold"))?;
            sum[2] = sum[2]
                .checked_add(key.units)
                .ok_or_else(|| corrupt("a class's units are more than 64 bits hold"))?;
            let start = encoded.len();
            encoded.extend_from_slice(&record[..key.len]);
            encoded[start + key.class_at] = *slot;
            count += 1;
        }
        let mut lengths = Vec::with_capacity(used.len());
        for class in &used {
            lengths.push(u8::try_from(class.len()).map_err(|_| corrupt("class code too long"))?);
        }
        let period = match self.periods.iter().rposition(|p| p == period) {
            Some(i) => i,
            None => {
                self.periods.push(period.to_owned());
                self.periods.len() - 1
            }
        };
        let period = u32::try_from(period).map_err(|_| corrupt("too many periods"))?;
        let out = &mut self.bytes;
        let start = out.len();
        put(out, used.len() as u64);
        for ((class, len), sum) in used.iter().zip(&lengths).zip(&sums) {
            out.push(*len);
            out.extend_from_slice(class.as_bytes());
            for n in sum {
                put(out, *n);
            }
        }
        let totals_len = out.len() - start;
        out.push(VERSION);
        put(out, used.len() as u64);
        for (class, len) in used.iter().zip(&lengths) {
            out.push(*len);
            out.extend_from_slice(class.as_bytes());
        }
        out.extend_from_slice(encoded);
        let body_len = out.len() - start - totals_len;
        self.rows.push(SegmentAt {
            contract_id,
            period,
            import_id,
            records: count,
            start,
            totals_len,
            body_len,
        });
        Ok(count)
    }
}

/// What this module's malformed bytes are called in errors.
const WHAT: &str = "usage segment";

fn corrupt(detail: &str) -> StoreError {
    crate::codec::corrupt(WHAT, detail)
}

/// Appends one record's encoding to `out`.
pub fn encode_record(out: &mut Vec<u8>, r: &RecordFields<'_>) {
    put_bytes(out, r.id);
    put(
        out,
        u64::from(r.day.saturating_sub(1)) * 86_400 + u64::from(r.second_of_day),
    );
    put(out, u64::from(r.nanosecond));
    out.push(r.class);
    put_bytes(out, r.to);
    put(out, r.quantity);
    put(out, r.units);
    put_bytes(out, r.roaming.unwrap_or_default());
}

/// What the import needs of an encoded record without decoding all of it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RecordKey<'a> {
    pub id: &'a [u8],
    pub class: u8,
    pub quantity: u64,
    pub units: u64,
    /// Where the class byte lies in the record, and the record's length.
    pub class_at: usize,
    pub len: usize,
}

/// Reads the id, class, quantity and units of the record at the start of
/// `bytes` (as [`encode_record`] wrote it; bytes after it are not read).
pub fn record_key(bytes: &[u8]) -> Result<RecordKey<'_>, StoreError> {
    let mut c = Cursor::new(WHAT, bytes);
    let id = c.counted()?;
    c.number()?;
    c.number()?;
    let class_at = c.at;
    let class = c.byte()?;
    c.counted()?;
    let quantity = c.number()?;
    let units = c.number()?;
    c.counted()?;
    Ok(RecordKey {
        id,
        class,
        quantity,
        units,
        class_at,
        len: c.at,
    })
}

/// Decodes the one record at the start of `bytes` (as [`encode_record`]
/// wrote it); its `class` is empty — only the segment's header names it.
pub fn decode_record(bytes: &[u8]) -> Result<Decoded<'_>, StoreError> {
    let mut c = Cursor::new(WHAT, bytes);
    let id = c.text()?;
    let offset_s = c.number()?;
    let nanosecond = c.number()?;
    let class_index = c.byte()?;
    let to = c.text()?;
    let quantity = c.number()?;
    let units = c.number()?;
    let roaming = Some(c.text()?).filter(|r| !r.is_empty());
    Ok(Decoded {
        start: 0,
        id,
        offset_s,
        nanosecond,
        class_index,
        class: "",
        to,
        quantity,
        units,
        roaming,
    })
}

/// Adds a segment's totals column to `into` (class code → records,
/// quantity, units).
pub fn add_totals(
    bytes: &[u8],
    mut add: impl FnMut(&str, u64, u64, u64),
) -> Result<(), StoreError> {
    let mut c = Cursor::new(WHAT, bytes);
    let n = c.number()?;
    for _ in 0..n {
        let class = c.short_text()?;
        let (records, quantity, units) = (c.number()?, c.number()?, c.number()?);
        add(class, records, quantity, units);
    }
    Ok(())
}

/// A record as decoded from a segment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decoded<'a> {
    /// Where the record's encoding starts in the body.
    pub start: usize,
    pub id: &'a str,
    pub offset_s: u64,
    pub nanosecond: u64,
    pub class_index: u8,
    pub class: &'a str,
    pub to: &'a str,
    pub quantity: u64,
    pub units: u64,
    pub roaming: Option<&'a str>,
}

/// Every record of a segment body, in the order they were stored.
pub fn decode(body: &[u8]) -> Result<Vec<Decoded<'_>>, StoreError> {
    let mut c = Cursor::new(WHAT, body);
    if c.byte()? != VERSION {
        return Err(corrupt("unknown version"));
    }
    let n = c.number()?;
    let mut classes = Vec::new();
    for _ in 0..n {
        classes.push(c.short_text()?);
    }
    let mut out = Vec::new();
    while !c.done() {
        let start = c.at;
        let id = c.text()?;
        let offset_s = c.number()?;
        let nanosecond = c.number()?;
        let class_index = c.byte()?;
        let class = *classes
            .get(usize::from(class_index))
            .ok_or_else(|| corrupt("class out of range"))?;
        let to = c.text()?;
        let quantity = c.number()?;
        let units = c.number()?;
        let roaming = Some(c.text()?).filter(|r| !r.is_empty());
        out.push(Decoded {
            start,
            id,
            offset_s,
            nanosecond,
            class_index,
            class,
            to,
            quantity,
            units,
            roaming,
        });
    }
    Ok(out)
}

/// The ids of a segment's records.
pub fn ids(body: &[u8]) -> Result<Vec<&str>, StoreError> {
    Ok(decode(body)?.into_iter().map(|r| r.id).collect())
}

/// A segment's body again, with every destination replaced by `with`
/// (erasure of personal data: the traffic stays, whom it went to does not).
pub fn with_destinations(body: &[u8], with: &str) -> Result<Vec<u8>, StoreError> {
    let records = decode(body)?;
    let header = records.first().map_or(body.len(), |r| r.start);
    let mut out = body[..header].to_vec();
    for r in records {
        encode_record(
            &mut out,
            &RecordFields {
                id: r.id.as_bytes(),
                day: u8::try_from(r.offset_s / 86_400 + 1).map_err(|_| corrupt("day"))?,
                second_of_day: u32::try_from(r.offset_s % 86_400).unwrap_or(0),
                nanosecond: u32::try_from(r.nanosecond).map_err(|_| corrupt("nanosecond"))?,
                class: r.class_index,
                to: with.as_bytes(),
                quantity: r.quantity,
                units: r.units,
                roaming: r.roaming.map(str::as_bytes),
            },
        );
    }
    Ok(out)
}

/// The local time of a record: `YYYY-MM-DDTHH:MM:SS[.fraction]`.
pub fn local_time(period: &str, offset_s: u64, nanosecond: u64) -> String {
    let day = offset_s / 86_400 + 1;
    let s = offset_s % 86_400;
    let mut at = format!(
        "{period}-{day:02}T{:02}:{:02}:{:02}",
        s / 3600,
        s / 60 % 60,
        s % 60
    );
    if nanosecond > 0 {
        let fraction = format!("{nanosecond:09}");
        at.push('.');
        at.push_str(fraction.trim_end_matches('0'));
    }
    at
}

/// The rows of a stored segment.
pub fn rows(
    contract_id: i64,
    period: &str,
    import_id: Option<i64>,
    body: &[u8],
) -> Result<Vec<UsageRow>, StoreError> {
    Ok(decode(body)?
        .into_iter()
        .map(|r| UsageRow {
            id: r.id.to_owned(),
            contract_id,
            period: period.to_owned(),
            at: local_time(period, r.offset_s, r.nanosecond),
            to_number: r.to.to_owned(),
            quantity: i64::try_from(r.quantity).unwrap_or(i64::MAX),
            roaming: r.roaming.map(str::to_owned),
            bucket: r.class.to_owned(),
            units: i64::try_from(r.units).unwrap_or(i64::MAX),
            import_id,
        })
        .collect())
}

/// Sums segments' totals columns into rows per contract and class, ordered
/// by contract and class.
pub fn total_rows<'a>(
    period: &str,
    segments: impl IntoIterator<Item = (i64, &'a [u8])>,
) -> Result<Vec<UsageTotalRow>, StoreError> {
    let mut sums: std::collections::BTreeMap<(i64, String), [i64; 3]> =
        std::collections::BTreeMap::new();
    for (contract_id, totals) in segments {
        add_totals(totals, |class, records, quantity, units| {
            let sum = sums.entry((contract_id, class.to_owned())).or_default();
            sum[0] += i64::try_from(records).unwrap_or(i64::MAX);
            sum[1] += i64::try_from(quantity).unwrap_or(i64::MAX);
            sum[2] += i64::try_from(units).unwrap_or(i64::MAX);
        })?;
    }
    Ok(sums
        .into_iter()
        .map(
            |((contract_id, bucket), [records, quantity, units])| UsageTotalRow {
                contract_id,
                period: period.to_owned(),
                bucket,
                records,
                quantity,
                units,
            },
        )
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record<'a>(id: &'a str, class: u8, quantity: u64, roaming: Option<&'a str>) -> Vec<u8> {
        let mut out = Vec::new();
        encode_record(
            &mut out,
            &RecordFields {
                id: id.as_bytes(),
                day: 28,
                second_of_day: 23 * 3600 + 59 * 60 + 58,
                nanosecond: if roaming.is_some() { 250_000_000 } else { 0 },
                class,
                to: b"+38267123456",
                quantity,
                units: quantity.div_ceil(60),
                roaming: roaming.map(str::as_bytes),
            },
        );
        out
    }

    /// One segment of `records`: its count, totals and body.
    fn assemble<'r>(
        classes: &[&str],
        records: impl IntoIterator<Item = &'r [u8]>,
    ) -> Result<(i64, Vec<u8>, Vec<u8>), StoreError> {
        let mut segments = NewSegments::default();
        let count = segments.add(7, "2026-02", None, classes, records)?;
        let segment = segments.get(0);
        Ok((count, segment.totals.to_vec(), segment.body.to_vec()))
    }

    #[test]
    fn records_come_back_as_they_went_in_with_their_totals() {
        let a = record("r-1", 0, 61, None);
        let b = record("r-2ž", 1, 300_000_000_000, Some("26201"));
        let c = record("r-3", 0, 59, None);
        assert_eq!(record_key(&b).expect("key").id, "r-2ž".as_bytes());
        let (count, totals, body) = assemble(
            &["voice.national", "voice.roaming"],
            [a.as_slice(), b.as_slice(), c.as_slice()],
        )
        .expect("assembled");
        assert_eq!(count, 3);
        let rows = rows(7, "2026-02", Some(3), &body).expect("decoded");
        assert_eq!(rows.len(), 3);
        assert_eq!(rows[0].at, "2026-02-28T23:59:58");
        assert_eq!(rows[1].at, "2026-02-28T23:59:58.25");
        assert_eq!(rows[1].roaming.as_deref(), Some("26201"));
        assert_eq!(rows[1].quantity, 300_000_000_000);
        assert_eq!(rows[1].bucket, "voice.roaming");
        assert_eq!((rows[2].units, rows[2].import_id), (1, Some(3)));
        let totals = total_rows("2026-02", [(7, totals.as_slice())]).expect("totals");
        assert_eq!(
            totals
                .iter()
                .map(|t| (t.bucket.as_str(), t.records, t.quantity, t.units))
                .collect::<Vec<_>>(),
            vec![
                ("voice.national", 2, 120, 3),
                ("voice.roaming", 1, 300_000_000_000, 5_000_000_000)
            ]
        );
        let erased = with_destinations(&body, "erased").expect("rewritten");
        let again = super::rows(7, "2026-02", Some(3), &erased).expect("decoded");
        assert!(again.iter().all(|r| r.to_number == "erased"));
        assert_eq!(again[1].bucket, "voice.roaming", "the class stays");
        assert_eq!(again[1].at, rows[1].at);
    }

    #[test]
    fn a_segment_names_only_the_classes_its_records_use_in_their_order() {
        // Classes as an import numbers them: all known ones, most unused.
        let all = [
            "data.national",
            "sms.national",
            "voice.national",
            "voice.roaming",
        ];
        let a = record("r-1", 3, 60, Some("26201"));
        let b = record("r-2", 1, 1, None);
        let c = record("r-3", 3, 30, Some("26201"));
        // Bytes after a record (the rest of its chunk) are not taken.
        let mut a_then_more = a.clone();
        a_then_more.extend_from_slice(&b);
        let (count, totals, body) =
            assemble(&all, [a_then_more.as_slice(), b.as_slice(), c.as_slice()])
                .expect("assembled");
        assert_eq!(count, 3);
        let records = decode(&body).expect("decoded");
        let classes: Vec<&str> = records.iter().map(|r| r.class).collect();
        assert_eq!(classes, ["voice.roaming", "sms.national", "voice.roaming"]);
        assert_eq!(
            records.iter().map(|r| r.class_index).collect::<Vec<_>>(),
            [0, 1, 0]
        );
        let header = 2 + 1 + "voice.roaming".len() + 1 + "sms.national".len();
        assert_eq!(records[0].start, header, "two classes named, no more");
        let totals = total_rows("2026-02", [(7, totals.as_slice())]).expect("totals");
        assert_eq!(
            totals
                .iter()
                .map(|t| (t.bucket.as_str(), t.records, t.quantity))
                .collect::<Vec<_>>(),
            vec![("sms.national", 1, 1), ("voice.roaming", 2, 90)]
        );
        assert!(assemble(&all, [record("r", 4, 1, None).as_slice()]).is_err());
    }

    #[test]
    fn segments_share_one_buffer_and_a_refused_one_leaves_nothing() {
        let classes = ["sms.national", "voice.national"];
        let mut segments = NewSegments::default();
        let first = record("a", 1, 60, None);
        let second = record("b", 0, 1, None);
        let one = segments.add(9, "2026-03", Some(1), &classes, [first.as_slice()]);
        assert_eq!(one.expect("added"), 1);
        let two = segments.add(
            4,
            "2026-02",
            None,
            &classes,
            [second.as_slice(), second.as_slice()],
        );
        assert_eq!(two.expect("added"), 2);
        let bytes = segments.bytes.len();
        // A class the list does not have: refused, the buffer as it was.
        let bad = record("c", 5, 1, None);
        assert!(
            segments
                .add(
                    5,
                    "2026-02",
                    None,
                    &classes,
                    [second.as_slice(), bad.as_slice()]
                )
                .is_err()
        );
        assert_eq!((segments.len(), segments.bytes.len()), (2, bytes));
        segments
            .add(4, "2026-01", None, &classes, [first.as_slice()])
            .expect("added");
        segments.sort();
        let keys: Vec<(i64, &str, i64)> = segments
            .iter()
            .map(|s| (s.contract_id, s.period, s.records))
            .collect();
        assert_eq!(
            keys,
            [(4, "2026-01", 1), (4, "2026-02", 2), (9, "2026-03", 1)]
        );
        let nine = segments.get(2);
        assert_eq!(nine.import_id, Some(1));
        assert_eq!(ids(nine.body).expect("decoded"), ["a"]);
        let totals = total_rows("2026-02", [(4, segments.get(1).totals)]).expect("totals");
        assert_eq!(
            (totals[0].bucket.as_str(), totals[0].records),
            ("sms.national", 2)
        );
        // Emptied, it fills again from the start.
        segments.clear();
        assert!(segments.is_empty());
        segments
            .add(1, "2026-02", None, &classes, [second.as_slice()])
            .expect("added");
        assert_eq!(segments.get(0).period, "2026-02");
    }

    #[test]
    fn damaged_segments_are_reported_not_misread() {
        let (_, _, body) =
            assemble(&["sms.national"], [record("r", 0, 1, None).as_slice()]).expect("assembled");
        let header = 3 + "sms.national".len();
        assert!(decode(&body[..header]).expect("no records").is_empty());
        for cut in (1..body.len()).filter(|&cut| cut != header) {
            assert!(decode(&body[..cut]).is_err(), "cut at {cut}");
        }
        assert!(decode(&[9]).is_err(), "unknown version");
    }
}
