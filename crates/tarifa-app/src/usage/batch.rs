//! A batch of an import: records grouped by contract and month, each group
//! sealed into one usage segment.
//!
//! Until it is sealed a batch only files its records: they stay in the
//! chunks the parsing threads encoded them in, with a 32-byte entry each, in
//! the order they came. A file in time order names every subscriber in
//! turn, and filing each record into buffers of its own contract cost a
//! cache miss for every buffer it touched; sealing moves the entries into
//! contract order with one counting sort instead, and reads them in order
//! from then on.
//!
//! A record id is unique per number within a window of three months: the
//! record's month and the months before and after it. Sealing compares each
//! record with every record of the same number and id seen before — earlier
//! in the batch, in an earlier batch of the import, or in the store, in any
//! month of the window — so a record whose time moved into the neighbouring
//! month (an offset read differently, a corrected timestamp) is still found.
//! A repeat with the same content is a duplicate and changes nothing; a
//! repeat with other content is refused and reported with its line, since
//! either copy may be the wrong one.
//!
//! Repeats are found by 64-bit hashes of the ids, kept sorted per
//! contract-month (8 bytes a record); a hash that matches is then checked
//! against the records themselves, so two different ids that hash alike are
//! both kept.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use tarifa_core::usage::Bucket;
use tarifa_store::segment::{self, NewSegments};

use super::index::{FastMap, NumberIndex};
use super::parse::{Chunk, Prepared, Spares, id_hash, period_of};
use crate::{App, AppError, Ctx, Result};

/// How a batch learns which ids the store holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Known {
    /// All ids of a month at once, the first time the month is needed:
    /// files, whose records touch most contracts.
    WholeMonths,
    /// The ids of each contract-month the batch needs: a few records.
    PerGroup,
    /// The ids of the batch's range of contracts in each month it needs,
    /// read for every batch and dropped after it: the parts of a spill,
    /// each holding every record still to come of its contracts.
    PerRange,
}

/// The months around a record's month whose ids it must not repeat.
fn window(month: u32) -> impl Iterator<Item = u32> {
    month.saturating_sub(1)..=month.saturating_add(1)
}

/// The ids of a contract-month stored or sealed before.
#[derive(Default)]
struct Seen {
    /// Their hashes, sorted.
    hashes: Vec<u64>,
    /// Whether the store's ids are among them (per-group mode).
    store_read: bool,
}

impl Seen {
    fn has(&self, hash: u64) -> bool {
        self.hashes.binary_search(&hash).is_ok()
    }
}

/// What a record says, to compare a repeat with what came first.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Content {
    at: String,
    class: String,
    to: String,
    quantity: u64,
    roaming: Option<String>,
}

impl std::fmt::Display for Content {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} {} to {} quantity {}",
            self.at, self.class, self.to, self.quantity
        )?;
        if let Some(network) = &self.roaming {
            write!(f, " roaming {network}")?;
        }
        Ok(())
    }
}

/// A pending record as sealing sorts it: by its id's hash, then by its
/// arrival (its index among the batch's pending records).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Keyed {
    hash: u64,
    seq: usize,
}

/// What sealing made: the segments to store and what they count.
#[derive(Default)]
pub(super) struct Sealed {
    pub segments: NewSegments,
    /// Contract-months that received usage after they were billed.
    pub late: Vec<(i64, String)>,
    pub imported: u64,
    pub duplicates: u64,
    /// Records refused because their id came before with other content:
    /// (line, reason).
    pub conflicts: Vec<(u64, String)>,
}

/// Chunks filed in the order they came, until there are enough to seal.
#[derive(Default)]
pub(super) struct Filed {
    chunks: Vec<Chunk>,
    bytes: usize,
}

impl Filed {
    /// Files a chunk's records after those that came before.
    pub fn push(&mut self, chunk: Chunk) {
        if chunk.records.is_empty() {
            return;
        }
        self.bytes += chunk.bytes.len() + chunk.records.len() * size_of::<Prepared>();
        self.chunks.push(chunk);
    }

    /// The bytes of the records and their entries.
    pub fn bytes(&self) -> usize {
        self.bytes
    }

    #[cfg(test)]
    pub fn chunks(&self) -> &[Chunk] {
        &self.chunks
    }

    /// How many records are filed.
    pub fn records(&self) -> usize {
        self.chunks.iter().map(|c| c.records.len()).sum()
    }

    /// The entries of every record filed, in the order they came.
    pub fn entries(&self) -> impl Iterator<Item = &Prepared> {
        self.chunks.iter().flat_map(|c| &c.records)
    }

    /// Takes the chunks out, for a spill.
    pub fn into_chunks(self) -> Vec<Chunk> {
        self.chunks
    }
}

/// What an import knows across its batches, and the room sealing one uses.
pub(super) struct Sealer {
    known: Known,
    import_id: Option<i64>,
    seen: FastMap<(i64, u32), Seen>,
    months_read: HashSet<u32>,
    /// The batch being sealed, as it was filed.
    chunks: Vec<Chunk>,
    /// The batch's entries grouped by contract, each contract's in the
    /// order they came. An index into it is a record's `seq`;
    /// [`Prepared::chunk`] names the buffer of `grouped` that holds the
    /// record.
    sorted: Vec<Prepared>,
    /// The records' encodings, each contract's together.
    grouped: Vec<Vec<u8>>,
    /// Where emptied chunks go back to.
    spares: Arc<Spares>,
    /// Whether the ids of sealed records are kept for the batches after
    /// (not when no later batch can hold their contracts: a spill's parts).
    remember: bool,
}

impl Sealer {
    /// A sealer of an import's batches (`import_id`, none for records
    /// given one by one), its emptied chunks given to `spares`.
    pub fn new(known: Known, import_id: Option<i64>, spares: Arc<Spares>) -> Self {
        Self {
            known,
            import_id,
            seen: FastMap::default(),
            months_read: HashSet::new(),
            chunks: Vec::new(),
            sorted: Vec::new(),
            grouped: Vec::new(),
            spares,
            remember: true,
        }
    }

    /// From now on the batches sealed hold every record of their contracts
    /// that is still to come: their ids need not be kept.
    pub fn forget_sealed(&mut self) {
        self.remember = false;
    }

    /// [`Sealer::forget_sealed`], for an import whose every batch is a
    /// range of contracts (spilled from its first batch on): the stored ids
    /// are read a batch's range at a time, not a whole month at once.
    pub fn seal_by_range(&mut self) {
        self.remember = false;
        self.known = Known::PerRange;
    }

    /// The encoding of record `seq` (and what follows it).
    fn record(&self, seq: usize) -> &[u8] {
        let p = &self.sorted[seq];
        &self.grouped[p.chunk as usize][p.start as usize..]
    }

    fn id(&self, seq: usize) -> &[u8] {
        segment::record_key(self.record(seq)).map_or(&[], |k| k.id)
    }

    /// What record `seq` says.
    fn content(&self, seq: usize) -> Result<Content> {
        let r = segment::decode_record(self.record(seq))?;
        let class = Bucket::ALL
            .get(usize::from(r.class_index))
            .map(|b| b.code())
            .unwrap_or_default();
        Ok(Content {
            at: segment::local_time(&period_of(self.sorted[seq].month), r.offset_s, r.nanosecond),
            class,
            to: r.to.to_owned(),
            quantity: r.quantity,
            roaming: r.roaming.map(str::to_owned),
        })
    }

    /// Moves the pending records into contract order: their entries into
    /// `sorted` and their encodings into `grouped`, each contract's
    /// together and in arrival order (a stable counting sort by slot; each
    /// record is copied once, and read in order from then on). Slot `s` has
    /// `sorted[starts[s]..starts[s + 1]]`; returns `starts`.
    fn sort_by_contract(&mut self, slots: usize) -> Result<Vec<usize>> {
        let mut starts = vec![0_usize; slots + 1];
        let mut sizes = vec![0_usize; slots];
        for chunk in &self.chunks {
            for (i, p) in chunk.records.iter().enumerate() {
                starts[p.slot as usize + 1] += 1;
                sizes[p.slot as usize] += chunk.record_len(i);
            }
        }
        for s in 1..=slots {
            starts[s] += starts[s - 1];
        }
        // Where each slot's encodings go: buffers of at most a chunk's size
        // (so that a record's start fits 32 bits), a slot never split.
        let mut place: Vec<(u32, u32)> = vec![(0, 0); slots];
        let mut buffers: Vec<usize> = vec![0];
        for (slot, &size) in sizes.iter().enumerate() {
            if size == 0 {
                continue;
            }
            // Files are sealed every 128 MB: only records given one by one
            // by the million could reach this.
            if u32::try_from(size).is_err() {
                return Err(AppError::invalid(
                    "records",
                    "one contract's records in one batch exceed 4 GB",
                ));
            }
            let mut at = buffers.len() - 1;
            if buffers[at] > 0 && buffers[at] + size > Chunk::MAX_BYTES {
                buffers.push(0);
                at += 1;
            }
            place[slot] = (
                u32::try_from(at).unwrap_or(u32::MAX),
                u32::try_from(buffers[at]).unwrap_or(u32::MAX),
            );
            buffers[at] += size;
        }
        // The buffers of the batch before are written over, not made
        // afresh: new memory is zeroed by the kernel page by page. Bytes
        // past a record are never read as records (each starts where the
        // entries say).
        self.grouped.truncate(buffers.len());
        self.grouped.resize_with(buffers.len(), Vec::new);
        for (buffer, &size) in self.grouped.iter_mut().zip(&buffers) {
            if buffer.len() < size {
                buffer.resize(size, 0);
            }
        }
        let mut next = starts.clone();
        self.sorted.clear();
        self.sorted.resize(starts[slots], Prepared::default());
        for chunk in std::mem::take(&mut self.chunks) {
            for (i, p) in chunk.records.iter().enumerate() {
                let slot = p.slot as usize;
                let (buffer, at) = &mut place[slot];
                let bytes = chunk.record(i);
                let from = *at as usize;
                self.grouped[*buffer as usize][from..from + bytes.len()].copy_from_slice(bytes);
                self.sorted[next[slot]] = Prepared {
                    chunk: *buffer,
                    start: *at,
                    ..*p
                };
                next[slot] += 1;
                *at += u32::try_from(bytes.len()).unwrap_or(u32::MAX);
            }
            self.spares.give(chunk);
        }
        Ok(starts)
    }

    /// Reads the ids the store holds for the windows this batch touches.
    async fn read_known(&mut self, app: &App, ctx: &Ctx, index: &NumberIndex) -> Result<()> {
        let mut tx = app.begin_read(ctx).await?;
        match self.known {
            Known::WholeMonths | Known::PerRange => {
                let mut months: Vec<u32> = Vec::new();
                let per_range = self.known == Known::PerRange;
                let mut contracts = (i64::MAX, i64::MIN);
                for chunk in &self.chunks {
                    let mut last = None;
                    for p in &chunk.records {
                        if last != Some(p.month) && !months.contains(&p.month) {
                            months.push(p.month);
                        }
                        last = Some(p.month);
                        if per_range {
                            let id = index.contract_id(p.slot);
                            contracts = (contracts.0.min(id), contracts.1.max(id));
                        }
                    }
                }
                let contracts = if per_range {
                    // The batch before is sealed: its ids are not needed again.
                    self.seen.clear();
                    self.months_read.clear();
                    contracts.0..=contracts.1
                } else {
                    i64::MIN..=i64::MAX
                };
                let mut months: Vec<u32> = months
                    .into_iter()
                    .flat_map(window)
                    .filter(|m| !self.months_read.contains(m))
                    .collect();
                months.sort_unstable();
                months.dedup();
                for month in months {
                    let seen = &mut self.seen;
                    let mut touched = HashSet::new();
                    let period = period_of(month);
                    tx.each_usage_id_of_period(&period, contracts.clone(), |contract, ids| {
                        seen.entry((contract, month))
                            .or_default()
                            .hashes
                            .extend(ids.iter().map(|id| id_hash(id.as_bytes())));
                        touched.insert(contract);
                    })
                    .await?;
                    for contract in touched {
                        if let Some(s) = self.seen.get_mut(&(contract, month)) {
                            s.hashes.sort_unstable();
                        }
                    }
                    self.months_read.insert(month);
                }
            }
            Known::PerGroup => {
                let mut keys: Vec<(i64, u32)> = self
                    .chunks
                    .iter()
                    .flat_map(|c| &c.records)
                    .flat_map(|p| window(p.month).map(|m| (index.contract_id(p.slot), m)))
                    .collect();
                keys.sort_unstable();
                keys.dedup();
                for (contract, month) in keys {
                    let seen = self.seen.entry((contract, month)).or_default();
                    if seen.store_read {
                        continue;
                    }
                    let ids = tx.usage_ids(contract, &period_of(month)).await?;
                    seen.hashes
                        .extend(ids.iter().map(|id| id_hash(id.as_bytes())));
                    seen.hashes.sort_unstable();
                    seen.store_read = true;
                }
            }
        }
        tx.rollback().await?;
        Ok(())
    }

    /// Sorts a contract's pending records into first sightings of their ids
    /// and repeats within the batch; a repeat with other content is a
    /// conflict. Returns the first sightings.
    fn first_sightings(&self, records: &mut [Keyed], sealed: &mut Sealed) -> Result<Vec<usize>> {
        // Sorted by hash, then arrival: the first of a run is the earliest.
        records.sort_unstable();
        let mut firsts = Vec::with_capacity(records.len());
        for run in records.chunk_by(|a, b| a.hash == b.hash) {
            if let [only] = run {
                firsts.push(only.seq);
                continue;
            }
            // Within a run of equal hashes, an id seen earlier in it is a repeat.
            let mut seen: Vec<usize> = Vec::with_capacity(1);
            for r in run {
                match seen.iter().find(|&&first| self.id(first) == self.id(r.seq)) {
                    None => seen.push(r.seq),
                    Some(&first) => {
                        let was = self.content(first)?;
                        let is = self.content(r.seq)?;
                        if was == is {
                            sealed.duplicates += 1;
                        } else {
                            sealed.conflicts.push((
                                self.sorted[r.seq].line,
                                format!(
                                    "id: {} came before, on line {}, with other content ({was}; this record: {is}): neither is taken for the other",
                                    String::from_utf8_lossy(self.id(r.seq)),
                                    self.sorted[first].line,
                                ),
                            ));
                        }
                    }
                }
            }
            firsts.extend(seen);
        }
        Ok(firsts)
    }

    /// Seals a contract's records not seen before (`kept`) into a segment
    /// per month.
    fn seal_contract(
        &mut self,
        contract_id: i64,
        mut kept: Vec<usize>,
        index: &NumberIndex,
        codes: &[&str],
        sealed: &mut Sealed,
    ) -> Result<()> {
        // By month, each month's in the order the records came.
        kept.sort_unstable_by_key(|&seq| (self.sorted[seq].month, seq));
        for month_kept in kept.chunk_by(|a, b| self.sorted[*a].month == self.sorted[*b].month) {
            let month = self.sorted[month_kept[0]].month;
            let period = period_of(month);
            sealed.segments.add(
                contract_id,
                &period,
                self.import_id,
                codes,
                month_kept.iter().map(|&seq| self.record(seq)),
            )?;
            if index.is_late(self.sorted[month_kept[0]].slot, &period) {
                sealed.late.push((contract_id, period));
            }
            sealed.imported += month_kept.len() as u64;
            if !self.remember {
                continue;
            }
            let seen = self.seen.entry((contract_id, month)).or_default();
            let before = seen.hashes.len();
            seen.hashes
                .extend(month_kept.iter().map(|&seq| self.sorted[seq].hash));
            // Only the new hashes need sorting; then the two sorted runs merge
            // (the stable sort finds the runs), instead of sorting every
            // hash of earlier batches again.
            seen.hashes[before..].sort_unstable();
            seen.hashes.sort();
        }
        Ok(())
    }

    /// Seals a batch into a segment per contract-month of the records not
    /// seen before. A record whose id hash was seen before is checked
    /// against the stored records, once `stored_before` says every earlier
    /// batch of the import is in the store; nothing else read depends on
    /// them (a month's ids are read from the store before any batch of the
    /// import holds a record of it or of a month beside it).
    pub async fn seal(
        &mut self,
        app: &App,
        ctx: &Ctx,
        index: &NumberIndex,
        batch: Filed,
        stored_before: impl Future<Output = Result<()>>,
    ) -> Result<Sealed> {
        self.chunks = batch.chunks;
        self.read_known(app, ctx, index).await?;
        let mut sealed = Sealed {
            segments: self.spares.segments(),
            ..Sealed::default()
        };
        let codes: Vec<String> = Bucket::ALL.iter().map(|b| b.code()).collect();
        let codes: Vec<&str> = codes.iter().map(String::as_str).collect();
        let slots = index.contract_count();
        let starts = self.sort_by_contract(slots)?;
        // Contracts with records whose hash the window knows wait for those
        // to be checked against the stored records: (contract, kept, suspects).
        let mut waiting: Vec<(i64, Vec<usize>, Vec<usize>)> = Vec::new();
        let mut keyed: Vec<Keyed> = Vec::new();
        for slot in 0..slots {
            let (from, to) = (starts[slot], starts[slot + 1]);
            if from == to {
                continue;
            }
            let contract = index.contract_id(u32::try_from(slot).unwrap_or(u32::MAX));
            keyed.clear();
            keyed.extend((from..to).map(|seq| Keyed {
                hash: self.sorted[seq].hash,
                seq,
            }));
            let mut kept = Vec::with_capacity(to - from);
            let mut suspects = Vec::new();
            // The ids known in each month's window, looked up once a month.
            let mut known_in: Vec<(u32, Vec<&Seen>)> = Vec::with_capacity(2);
            for seq in self.first_sightings(&mut keyed, &mut sealed)? {
                let Prepared { hash, month, .. } = self.sorted[seq];
                let at = match known_in.iter().position(|(m, _)| *m == month) {
                    Some(at) => at,
                    None => {
                        let seen = window(month)
                            .filter_map(|m| self.seen.get(&(contract, m)))
                            .filter(|s| !s.hashes.is_empty())
                            .collect();
                        known_in.push((month, seen));
                        known_in.len() - 1
                    }
                };
                if known_in[at].1.iter().any(|s| s.has(hash)) {
                    suspects.push(seq);
                } else {
                    kept.push(seq);
                }
            }
            if suspects.is_empty() {
                self.seal_contract(contract, kept, index, &codes, &mut sealed)?;
            } else {
                waiting.push((contract, kept, suspects));
            }
        }
        if !waiting.is_empty() {
            stored_before.await?;
            let mut tx = app.begin_read(ctx).await?;
            let mut stored: HashMap<(i64, u32), HashMap<String, Content>> = HashMap::new();
            for (contract, mut kept, suspects) in waiting {
                for seq in suspects {
                    let month = self.sorted[seq].month;
                    let id = String::from_utf8_lossy(self.id(seq)).into_owned();
                    let mut earlier = None;
                    for m in window(month) {
                        if let std::collections::hash_map::Entry::Vacant(slot) =
                            stored.entry((contract, m))
                        {
                            let rows = tx.usage_records(contract, &period_of(m)).await?;
                            slot.insert(
                                rows.into_iter()
                                    .map(|row| {
                                        let content = Content {
                                            at: row.at,
                                            class: row.bucket,
                                            to: row.to_number,
                                            quantity: u64::try_from(row.quantity).unwrap_or(0),
                                            roaming: row.roaming,
                                        };
                                        (row.id, content)
                                    })
                                    .collect(),
                            );
                        }
                        if let Some(content) = stored.get(&(contract, m)).and_then(|s| s.get(&id)) {
                            earlier = Some(content.clone());
                            break;
                        }
                    }
                    match earlier {
                        None => kept.push(seq),
                        Some(was) => {
                            let is = self.content(seq)?;
                            if was == is {
                                sealed.duplicates += 1;
                            } else {
                                sealed.conflicts.push((
                                    self.sorted[seq].line,
                                    format!(
                                        "id: {id} was rated before with other content ({was}; this record: {is}): it is not rated again"
                                    ),
                                ));
                            }
                        }
                    }
                }
                self.seal_contract(contract, kept, index, &codes, &mut sealed)?;
            }
            tx.rollback().await?;
        }
        // The entries' and encodings' room is kept for the next batch.
        self.sorted.clear();
        // Segments in contract order: neighbours in the table, and the same
        // order on every run.
        sealed.segments.sort();
        sealed.late.sort();
        sealed.conflicts.sort();
        Ok(sealed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tarifa_store::segment::RecordFields;

    fn batch_of(records: &[(&str, u32, u64, u64)]) -> Sealer {
        let mut batch = Sealer::new(Known::PerGroup, None, Arc::default());
        let mut chunk = Chunk::default();
        for (seq, (id, month, hash, quantity)) in records.iter().enumerate() {
            let start = u32::try_from(chunk.bytes.len()).expect("small");
            segment::encode_record(
                &mut chunk.bytes,
                &RecordFields {
                    id: id.as_bytes(),
                    day: 1,
                    second_of_day: 0,
                    nanosecond: 0,
                    class: 0,
                    to: b"112",
                    quantity: *quantity,
                    units: 1,
                    roaming: None,
                },
            );
            chunk.records.push(Prepared {
                hash: *hash,
                line: seq as u64 + 2,
                slot: 0,
                month: *month,
                chunk: 0,
                start,
            });
        }
        batch.chunks.push(chunk);
        batch.sort_by_contract(1).expect("sorted");
        batch
    }

    fn all(batch: &Sealer) -> Vec<Keyed> {
        batch
            .sorted
            .iter()
            .enumerate()
            .map(|(seq, p)| Keyed { hash: p.hash, seq })
            .collect()
    }

    #[test]
    fn a_repeated_id_is_dropped_but_two_ids_that_hash_alike_are_both_kept() {
        // "b" and "c" share a hash (as a collision would); "a" comes twice.
        let batch = batch_of(&[
            ("a", 5, 1, 1),
            ("b", 5, 7, 1),
            ("a", 5, 1, 1),
            ("c", 5, 7, 1),
            ("b", 5, 7, 1),
        ]);
        let mut sealed = Sealed::default();
        let mut firsts = batch
            .first_sightings(&mut all(&batch), &mut sealed)
            .expect("sorted");
        firsts.sort_unstable();
        assert_eq!(firsts, vec![0, 1, 3]);
        assert_eq!(sealed.duplicates, 2);
        assert!(sealed.conflicts.is_empty());
    }

    #[test]
    fn a_repeat_in_the_next_month_with_other_content_is_a_conflict() {
        // "a" first in month 5, then again in month 6 with another quantity.
        let batch = batch_of(&[("a", 5, 1, 1), ("a", 6, 1, 2), ("b", 6, 2, 1)]);
        let mut sealed = Sealed::default();
        let mut firsts = batch
            .first_sightings(&mut all(&batch), &mut sealed)
            .expect("sorted");
        firsts.sort_unstable();
        assert_eq!(firsts, vec![0, 2]);
        assert_eq!(sealed.duplicates, 0);
        assert_eq!(sealed.conflicts.len(), 1);
        let (line, reason) = &sealed.conflicts[0];
        assert_eq!(*line, 3, "the repeat's line");
        assert!(reason.contains("on line 2"), "{reason}");
    }

    #[test]
    fn records_are_grouped_by_contract_in_the_order_they_came() {
        let mut batch = Sealer::new(Known::PerGroup, None, Arc::default());
        // Two chunks of three records each (one or two bytes long), of slots 0 to 2.
        for (bytes, slots) in [(b"aBBc", [2, 0, 2]), (b"DeeF", [1, 2, 0])] {
            batch.chunks.push(Chunk {
                bytes: bytes.to_vec(),
                records: [0, 1, 3]
                    .into_iter()
                    .zip(slots)
                    .map(|(start, slot)| Prepared {
                        slot,
                        start,
                        ..Prepared::default()
                    })
                    .collect(),
            });
        }
        let starts = batch.sort_by_contract(4).expect("sorted");
        assert_eq!(starts, vec![0, 2, 3, 6, 6]);
        let records: Vec<(u32, u8)> = (0..6)
            .map(|seq| (batch.sorted[seq].slot, batch.record(seq)[0]))
            .collect();
        assert_eq!(
            records,
            vec![
                (0, b'B'),
                (0, b'F'),
                (1, b'D'),
                (2, b'a'),
                (2, b'c'),
                (2, b'e')
            ]
        );
        assert_eq!(batch.grouped, vec![b"BBFDacee".to_vec()]);
    }

    #[test]
    fn the_window_is_the_month_and_its_neighbours() {
        assert_eq!(
            window(24_315).collect::<Vec<_>>(),
            vec![24_314, 24_315, 24_316]
        );
    }
}
