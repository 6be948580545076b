//! A batch of an import: records grouped by contract and month, each group
//! sealed into one usage segment. Sealing drops every record whose id was
//! seen before — earlier in the batch, in an earlier batch of the import, or
//! in the store — so importing a file twice rates each record once.
//!
//! Repeats are found by 64-bit hashes of the ids, kept sorted per group (8
//! bytes a record); a hash that matches is then checked against the ids
//! themselves, so two different ids that hash alike are both kept.

use std::collections::HashSet;

use tarifa_core::usage::Bucket;
use tarifa_store::segment::{self, NewSegment, RecordFields};

use super::index::{FastMap, NumberIndex};
use super::parse::{Prepared, Texts, id_hash, period_of};
use crate::{App, Ctx, Result};

/// How a batch learns which ids the store holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Known {
    /// All ids of a month at once, the first time the month is seen: files,
    /// whose records touch most contracts.
    WholeMonths,
    /// The ids of each contract-month the batch touches: a few records.
    PerGroup,
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
        }
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

    /// The pending records whose id is not repeated earlier in the batch,
    /// in arrival order: those whose hash nothing known has (new), and those
    /// whose hash something known has (to check against the stored ids).
    fn first_sightings(&self) -> (Vec<usize>, Vec<usize>) {
        let mut order: Vec<usize> = (0..self.hashes.len()).collect();
        order.sort_unstable_by_key(|&i| (self.hashes[i], i));
        let mut new = Vec::with_capacity(order.len());
        let mut doubtful = Vec::new();
        for run in order.chunk_by(|a, b| self.hashes[*a] == self.hashes[*b]) {
            // Within a run of equal hashes, an id seen earlier in it is a repeat.
            let mut firsts: Vec<usize> = Vec::with_capacity(1);
            for &i in run {
                if firsts.iter().all(|&f| self.id(f) != self.id(i)) {
                    firsts.push(i);
                }
            }
            if self.is_known(self.hashes[run[0]]) {
                doubtful.extend(firsts);
            } else {
                new.extend(firsts);
            }
        }
        new.sort_unstable();
        doubtful.sort_unstable();
        (new, doubtful)
    }

    fn clear_pending(&mut self) {
        self.local = [u8::MAX; Bucket::ALL.len()];
        self.classes = Vec::new();
        self.bytes = Vec::new();
        self.hashes = Vec::new();
        self.offsets = Vec::new();
    }
}

/// What sealing made: the segments to store and what they count.
#[derive(Default)]
pub(super) struct Sealed {
    pub segments: Vec<NewSegment>,
    /// Contract-months that received usage after they were billed.
    pub late: Vec<(i64, String)>,
    pub imported: u64,
    pub duplicates: u64,
}

pub(super) struct Batch {
    known: Known,
    import_id: Option<i64>,
    seal_at_bytes: usize,
    groups: FastMap<(i64, u32), Group>,
    months_read: HashSet<u32>,
    pending_bytes: usize,
    pending: u64,
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
        self.pending_bytes += group.bytes.len() - before + 12;
        self.pending += 1;
    }

    pub fn is_full(&self) -> bool {
        self.pending_bytes >= self.seal_at_bytes
    }

    /// Reads the ids the store holds for what this batch touches.
    async fn read_known(&mut self, app: &App, ctx: &Ctx) -> Result<()> {
        let mut tx = app.begin_read(ctx).await?;
        match self.known {
            Known::WholeMonths => {
                let mut months: Vec<u32> = self
                    .groups
                    .iter()
                    .filter(|(_, g)| !g.hashes.is_empty())
                    .map(|((_, month), _)| *month)
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
                for ((contract, month), group) in &mut self.groups {
                    if group.store_read || group.hashes.is_empty() {
                        continue;
                    }
                    let ids = tx.usage_ids(*contract, &period_of(*month)).await?;
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

    /// Seals every group with pending records into a segment of the records
    /// not seen before. The store must hold every earlier batch of the
    /// import (written and committed) when this is called.
    pub async fn seal(&mut self, app: &App, ctx: &Ctx, index: &NumberIndex) -> Result<Sealed> {
        self.read_known(app, ctx).await?;
        let mut sealed = Sealed::default();
        // Per group: the records to keep (arrival order), and those whose
        // hash the store knows, to be checked against the stored ids.
        let mut keep: FastMap<(i64, u32), Vec<usize>> = FastMap::default();
        let mut suspects: Vec<((i64, u32), Vec<usize>)> = Vec::new();
        for (key, group) in &self.groups {
            if group.hashes.is_empty() {
                continue;
            }
            let (kept, doubtful) = group.first_sightings();
            if !doubtful.is_empty() {
                suspects.push((*key, doubtful));
            }
            keep.insert(*key, kept);
        }
        if !suspects.is_empty() {
            let mut tx = app.begin_read(ctx).await?;
            for ((contract, month), doubtful) in suspects {
                let stored: HashSet<String> = tx
                    .usage_ids(contract, &period_of(month))
                    .await?
                    .into_iter()
                    .collect();
                let group = &self.groups[&(contract, month)];
                let kept = keep.entry((contract, month)).or_default();
                kept.extend(doubtful.into_iter().filter(|&i| {
                    std::str::from_utf8(group.id(i)).is_ok_and(|id| !stored.contains(id))
                }));
            }
            tx.rollback().await?;
        }
        for ((contract_id, month), mut kept) in keep {
            let Some(group) = self.groups.get_mut(&(contract_id, month)) else {
                continue;
            };
            kept.sort_unstable();
            let total = group.hashes.len() as u64;
            sealed.duplicates += total - kept.len() as u64;
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
            group.clear_pending();
        }
        // Segments in contract order: neighbours in the table, and the same
        // order on every run.
        sealed
            .segments
            .sort_by(|a, b| (a.contract_id, &a.period).cmp(&(b.contract_id, &b.period)));
        sealed.late.sort();
        self.pending_bytes = 0;
        self.pending = 0;
        Ok(sealed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn group_of(records: &[(&str, u64)]) -> Group {
        let mut group = Group::default();
        for (id, hash) in records {
            group
                .offsets
                .push(u32::try_from(group.bytes.len()).expect("small"));
            group.hashes.push(*hash);
            segment::encode_record(
                &mut group.bytes,
                &RecordFields {
                    id: id.as_bytes(),
                    day: 1,
                    second_of_day: 0,
                    nanosecond: 0,
                    class: 0,
                    to: b"112",
                    quantity: 1,
                    units: 1,
                    roaming: None,
                },
            );
        }
        group
    }

    #[test]
    fn a_repeated_id_is_dropped_but_two_ids_that_hash_alike_are_both_kept() {
        // "b" and "c" share a hash (as a collision would); "a" comes twice.
        let group = group_of(&[("a", 1), ("b", 7), ("a", 1), ("c", 7), ("b", 7)]);
        assert_eq!(group.first_sightings(), (vec![0, 1, 3], vec![]));
    }

    #[test]
    fn a_hash_already_known_is_only_a_suspicion() {
        let mut group = group_of(&[("a", 1), ("b", 2), ("b", 2)]);
        group.known = vec![2, 9];
        assert_eq!(
            group.first_sightings(),
            (vec![0], vec![1]),
            "b is checked against the stored ids, once"
        );
    }
}
