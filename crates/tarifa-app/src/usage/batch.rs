//! A batch of an import: records grouped by contract and month, each group
//! sealed into one usage segment.
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
//! Repeats are found by 64-bit hashes of the ids, kept sorted per group (8
//! bytes a record); a hash that matches is then checked against the records
//! themselves, so two different ids that hash alike are both kept.

use std::collections::{HashMap, HashSet};

use tarifa_core::usage::Bucket;
use tarifa_store::segment::{self, NewSegment, RecordFields};

use super::index::{FastMap, NumberIndex};
use super::parse::{Prepared, Texts, id_hash, period_of};
use crate::{App, Ctx, Result};

/// How a batch learns which ids the store holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Known {
    /// All ids of a month at once, the first time the month is needed:
    /// files, whose records touch most contracts.
    WholeMonths,
    /// The ids of each contract-month the batch needs: a few records.
    PerGroup,
}

/// The months around a record's month whose ids it must not repeat.
fn window(month: u32) -> impl Iterator<Item = u32> {
    month.saturating_sub(1)..=month.saturating_add(1)
}

struct Group {
    /// Hashes of the ids stored or sealed before, sorted.
    known: Vec<u64>,
    /// Whether the store's ids of this group are in `known` (per-group mode).
    store_read: bool,
    /// The segment's classes: `local[bucket index]` is the record's class
    /// byte, `classes` the bucket indexes in that order.
    local: [u8; Bucket::ALL.len()],
    classes: Vec<u8>,
    bytes: Vec<u8>,
    hashes: Vec<u64>,
    offsets: Vec<u32>,
    /// Each pending record's line (or position in a request) and its
    /// arrival order in the batch.
    lines: Vec<u64>,
    seqs: Vec<u64>,
}

impl Default for Group {
    fn default() -> Self {
        Self {
            known: Vec::new(),
            store_read: false,
            local: [u8::MAX; Bucket::ALL.len()],
            classes: Vec::new(),
            bytes: Vec::new(),
            hashes: Vec::new(),
            offsets: Vec::new(),
            lines: Vec::new(),
            seqs: Vec::new(),
        }
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

impl Group {
    fn local_class(&mut self, class: u8) -> u8 {
        let slot = &mut self.local[usize::from(class)];
        if *slot == u8::MAX {
            *slot = u8::try_from(self.classes.len()).unwrap_or(0);
            self.classes.push(class);
        }
        *slot
    }

    fn record(&self, i: usize) -> &[u8] {
        let start = self.offsets[i] as usize;
        let end = self
            .offsets
            .get(i + 1)
            .map_or(self.bytes.len(), |e| *e as usize);
        &self.bytes[start..end]
    }

    fn id(&self, i: usize) -> &[u8] {
        segment::record_key(self.record(i)).map_or(&[], |k| k.id)
    }

    fn is_known(&self, hash: u64) -> bool {
        self.known.binary_search(&hash).is_ok()
    }

    /// What pending record `i` of this group (of `month`) says.
    fn content(&self, month: u32, i: usize) -> Result<Content> {
        let r = segment::decode_record(self.record(i))?;
        let class = self
            .classes
            .get(usize::from(r.class_index))
            .and_then(|c| Bucket::ALL.get(usize::from(*c)))
            .map(|b| b.code())
            .unwrap_or_default();
        Ok(Content {
            at: segment::local_time(&period_of(month), r.offset_s, r.nanosecond),
            class,
            to: r.to.to_owned(),
            quantity: r.quantity,
            roaming: r.roaming.map(str::to_owned),
        })
    }

    fn clear_pending(&mut self) {
        self.local = [u8::MAX; Bucket::ALL.len()];
        self.classes = Vec::new();
        self.bytes = Vec::new();
        self.hashes = Vec::new();
        self.offsets = Vec::new();
        self.lines = Vec::new();
        self.seqs = Vec::new();
    }
}

/// A pending record: its group's month and its index there.
type Pending = (u32, usize);

/// A pending record with what it is sorted by, read once.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Keyed {
    hash: u64,
    seq: u64,
    month: u32,
    index: usize,
}

/// What sealing made: the segments to store and what they count.
#[derive(Default)]
pub(super) struct Sealed {
    pub segments: Vec<NewSegment>,
    /// Contract-months that received usage after they were billed.
    pub late: Vec<(i64, String)>,
    pub imported: u64,
    pub duplicates: u64,
    /// Records refused because their id came before with other content:
    /// (line, reason).
    pub conflicts: Vec<(u64, String)>,
}

pub(super) struct Batch {
    known: Known,
    import_id: Option<i64>,
    seal_at_bytes: usize,
    groups: FastMap<(i64, u32), Group>,
    months_read: HashSet<u32>,
    pending_bytes: usize,
    pending: u64,
    next_seq: u64,
}

impl Batch {
    /// A batch that is full at `seal_at_bytes` of encoded records.
    pub fn new(known: Known, import_id: Option<i64>, seal_at_bytes: usize) -> Self {
        Self {
            known,
            import_id,
            seal_at_bytes,
            groups: FastMap::default(),
            months_read: HashSet::new(),
            pending_bytes: 0,
            pending: 0,
            next_seq: 0,
        }
    }

    /// Adds a record to its contract-month's group.
    pub fn push(&mut self, texts: &Texts, p: &Prepared) {
        let group = self.groups.entry((p.contract_id, p.month)).or_default();
        let class = group.local_class(p.class);
        let before = group.bytes.len();
        group
            .offsets
            .push(u32::try_from(before).unwrap_or(u32::MAX));
        group.hashes.push(p.hash);
        group.lines.push(p.line);
        group.seqs.push(self.next_seq);
        self.next_seq += 1;
        segment::encode_record(
            &mut group.bytes,
            &RecordFields {
                id: texts.get(p.id),
                day: p.day,
                second_of_day: p.second_of_day,
                nanosecond: p.nanosecond,
                class,
                to: texts.get(p.to),
                quantity: p.quantity,
                units: p.units,
                roaming: p.roaming.map(|r| texts.get(r)),
            },
        );
        self.pending_bytes += group.bytes.len() - before + 28;
        self.pending += 1;
    }

    pub fn is_full(&self) -> bool {
        self.pending_bytes >= self.seal_at_bytes
    }

    /// The contract-months with pending records.
    fn pending_keys(&self) -> Vec<(i64, u32)> {
        self.groups
            .iter()
            .filter(|(_, g)| !g.hashes.is_empty())
            .map(|(key, _)| *key)
            .collect()
    }

    /// Reads the ids the store holds for the windows this batch touches.
    async fn read_known(&mut self, app: &App, ctx: &Ctx) -> Result<()> {
        let mut tx = app.begin_read(ctx).await?;
        let pending = self.pending_keys();
        match self.known {
            Known::WholeMonths => {
                let mut months: Vec<u32> = pending
                    .iter()
                    .flat_map(|(_, month)| window(*month))
                    .filter(|m| !self.months_read.contains(m))
                    .collect();
                months.sort_unstable();
                months.dedup();
                for month in months {
                    let groups = &mut self.groups;
                    let mut touched = HashSet::new();
                    tx.each_usage_id_of_period(&period_of(month), |contract, ids| {
                        let group = groups.entry((contract, month)).or_default();
                        group
                            .known
                            .extend(ids.iter().map(|id| id_hash(id.as_bytes())));
                        touched.insert(contract);
                    })
                    .await?;
                    for contract in touched {
                        if let Some(g) = self.groups.get_mut(&(contract, month)) {
                            g.known.sort_unstable();
                        }
                    }
                    self.months_read.insert(month);
                }
            }
            Known::PerGroup => {
                let mut keys: Vec<(i64, u32)> = pending
                    .iter()
                    .flat_map(|(contract, month)| window(*month).map(|m| (*contract, m)))
                    .collect();
                keys.sort_unstable();
                keys.dedup();
                for (contract, month) in keys {
                    let group = self.groups.entry((contract, month)).or_default();
                    if group.store_read {
                        continue;
                    }
                    let ids = tx.usage_ids(contract, &period_of(month)).await?;
                    group
                        .known
                        .extend(ids.iter().map(|id| id_hash(id.as_bytes())));
                    group.known.sort_unstable();
                    group.store_read = true;
                }
            }
        }
        tx.rollback().await?;
        Ok(())
    }

    fn group(&self, contract: i64, month: u32) -> &Group {
        &self.groups[&(contract, month)]
    }

    /// Sorts a contract's pending records into first sightings of their ids
    /// and repeats within the batch; a repeat with other content is a
    /// conflict.
    fn first_sightings(
        &self,
        contract: i64,
        mut records: Vec<Keyed>,
        sealed: &mut Sealed,
    ) -> Result<Vec<Pending>> {
        let id = |r: &Keyed| self.group(contract, r.month).id(r.index);
        // Sorted by hash, then arrival: the first of a run is the earliest.
        records.sort_unstable();
        let mut firsts = Vec::with_capacity(records.len());
        for run in records.chunk_by(|a, b| a.hash == b.hash) {
            if let [only] = run {
                firsts.push((only.month, only.index));
                continue;
            }
            // Within a run of equal hashes, an id seen earlier in it is a repeat.
            let mut seen: Vec<&Keyed> = Vec::with_capacity(1);
            for r in run {
                match seen.iter().find(|f| id(f) == id(r)) {
                    None => seen.push(r),
                    Some(first) => {
                        let was = self
                            .group(contract, first.month)
                            .content(first.month, first.index)?;
                        let is = self.group(contract, r.month).content(r.month, r.index)?;
                        if was == is {
                            sealed.duplicates += 1;
                        } else {
                            sealed.conflicts.push((
                                self.group(contract, r.month).lines[r.index],
                                format!(
                                    "id: {} came before, on line {}, with other content ({was}; this record: {is}): neither is taken for the other",
                                    String::from_utf8_lossy(id(r)),
                                    self.group(contract, first.month).lines[first.index],
                                ),
                            ));
                        }
                    }
                }
            }
            firsts.extend(seen.iter().map(|r| (r.month, r.index)));
        }
        Ok(firsts)
    }

    /// Seals every group with pending records into a segment of the records
    /// not seen before. The store must hold every earlier batch of the
    /// import (written and committed) when this is called.
    pub async fn seal(&mut self, app: &App, ctx: &Ctx, index: &NumberIndex) -> Result<Sealed> {
        self.read_known(app, ctx).await?;
        let mut sealed = Sealed::default();
        let mut by_contract: FastMap<i64, Vec<Keyed>> = FastMap::default();
        for ((contract, month), group) in &self.groups {
            if group.hashes.is_empty() {
                continue;
            }
            by_contract.entry(*contract).or_default().extend(
                group
                    .hashes
                    .iter()
                    .zip(&group.seqs)
                    .enumerate()
                    .map(|(index, (hash, seq))| Keyed {
                        hash: *hash,
                        seq: *seq,
                        month: *month,
                        index,
                    }),
            );
        }
        // Per group: the records to keep; and those whose hash the window
        // knows, to be checked against the stored records.
        let mut keep: FastMap<(i64, u32), Vec<usize>> = FastMap::default();
        let mut suspects: Vec<(i64, Pending)> = Vec::new();
        for (contract, records) in by_contract {
            // The ids known in each month's window, looked up once a month.
            let mut known_in: Vec<(u32, Vec<&Group>)> = Vec::with_capacity(2);
            for (month, i) in self.first_sightings(contract, records, &mut sealed)? {
                let hash = self.group(contract, month).hashes[i];
                let at = match known_in.iter().position(|(m, _)| *m == month) {
                    Some(at) => at,
                    None => {
                        let groups = window(month)
                            .filter_map(|m| self.groups.get(&(contract, m)))
                            .filter(|g| !g.known.is_empty())
                            .collect();
                        known_in.push((month, groups));
                        known_in.len() - 1
                    }
                };
                let known = known_in[at].1.iter().any(|g| g.is_known(hash));
                if known {
                    suspects.push((contract, (month, i)));
                } else {
                    keep.entry((contract, month)).or_default().push(i);
                }
            }
        }
        if !suspects.is_empty() {
            let mut tx = app.begin_read(ctx).await?;
            let mut stored: HashMap<(i64, u32), HashMap<String, Content>> = HashMap::new();
            for (contract, (month, i)) in suspects {
                let group = self.group(contract, month);
                let id = String::from_utf8_lossy(group.id(i)).into_owned();
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
                    None => keep.entry((contract, month)).or_default().push(i),
                    Some(was) => {
                        let is = group.content(month, i)?;
                        if was == is {
                            sealed.duplicates += 1;
                        } else {
                            sealed.conflicts.push((
                                group.lines[i],
                                format!(
                                    "id: {id} was rated before with other content ({was}; this record: {is}): it is not rated again"
                                ),
                            ));
                        }
                    }
                }
            }
            tx.rollback().await?;
        }
        for ((contract_id, month), mut kept) in keep {
            let Some(group) = self.groups.get_mut(&(contract_id, month)) else {
                continue;
            };
            kept.sort_unstable();
            if !kept.is_empty() {
                let classes: Vec<String> = group
                    .classes
                    .iter()
                    .map(|c| Bucket::ALL[usize::from(*c)].code())
                    .collect();
                let class_names: Vec<&str> = classes.iter().map(String::as_str).collect();
                let (records, totals, body) =
                    segment::assemble(&class_names, kept.iter().map(|&i| group.record(i)))?;
                let period = period_of(month);
                if index.is_late(contract_id, &period) {
                    sealed.late.push((contract_id, period.clone()));
                }
                sealed.segments.push(NewSegment {
                    contract_id,
                    period,
                    import_id: self.import_id,
                    records,
                    totals,
                    body,
                });
                sealed.imported += kept.len() as u64;
                group.known.extend(kept.iter().map(|&i| group.hashes[i]));
                group.known.sort_unstable();
            }
        }
        for group in self.groups.values_mut() {
            group.clear_pending();
        }
        // Segments in contract order: neighbours in the table, and the same
        // order on every run.
        sealed
            .segments
            .sort_by(|a, b| (a.contract_id, &a.period).cmp(&(b.contract_id, &b.period)));
        sealed.late.sort();
        sealed.conflicts.sort();
        self.pending_bytes = 0;
        self.pending = 0;
        Ok(sealed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn batch_of(records: &[(&str, u32, u64, u64)]) -> Batch {
        let mut batch = Batch::new(Known::PerGroup, None, usize::MAX);
        for (id, month, hash, quantity) in records {
            let group = batch.groups.entry((1, *month)).or_default();
            let class = group.local_class(0);
            group
                .offsets
                .push(u32::try_from(group.bytes.len()).expect("small"));
            group.hashes.push(*hash);
            group.lines.push(batch.next_seq + 2);
            group.seqs.push(batch.next_seq);
            batch.next_seq += 1;
            segment::encode_record(
                &mut group.bytes,
                &RecordFields {
                    id: id.as_bytes(),
                    day: 1,
                    second_of_day: 0,
                    nanosecond: 0,
                    class,
                    to: b"112",
                    quantity: *quantity,
                    units: 1,
                    roaming: None,
                },
            );
        }
        batch
    }

    fn all(batch: &Batch) -> Vec<Keyed> {
        batch
            .groups
            .iter()
            .flat_map(|((_, month), g)| {
                (0..g.hashes.len()).map(|index| Keyed {
                    hash: g.hashes[index],
                    seq: g.seqs[index],
                    month: *month,
                    index,
                })
            })
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
            .first_sightings(1, all(&batch), &mut sealed)
            .expect("sorted");
        firsts.sort_unstable();
        assert_eq!(firsts, vec![(5, 0), (5, 1), (5, 3)]);
        assert_eq!(sealed.duplicates, 2);
        assert!(sealed.conflicts.is_empty());
    }

    #[test]
    fn a_repeat_in_the_next_month_with_other_content_is_a_conflict() {
        // "a" first in month 5, then again in month 6 with another quantity.
        let batch = batch_of(&[("a", 5, 1, 1), ("a", 6, 1, 2), ("b", 6, 2, 1)]);
        let mut sealed = Sealed::default();
        let mut firsts = batch
            .first_sightings(1, all(&batch), &mut sealed)
            .expect("sorted");
        firsts.sort_unstable();
        assert_eq!(firsts, vec![(5, 0), (6, 1)]);
        assert_eq!(sealed.duplicates, 0);
        assert_eq!(sealed.conflicts.len(), 1);
        let (line, reason) = &sealed.conflicts[0];
        assert_eq!(*line, 3, "the repeat's line");
        assert!(reason.contains("on line 2"), "{reason}");
    }

    #[test]
    fn the_window_is_the_month_and_its_neighbours() {
        assert_eq!(
            window(24_315).collect::<Vec<_>>(),
            vec![24_314, 24_315, 24_316]
        );
    }
}
