//! A file in time order, spilled by contract range before it is sealed.
//!
//! A mediation system writes a month in time order, every subscriber's
//! records interleaved: each batch of such a file holds a few records of
//! every contract, and sealed batch by batch it made a segment per contract
//! a batch — at a million subscribers, fifty million rows, each an insert
//! at a random place of the segments' index (a month's import took 318 s
//! where the same file sorted by subscriber took 32 s).
//!
//! So once the import sees that batches share their contracts, it stops
//! sealing them as they come: each record goes, as encoded, to one of a
//! few hundred parts by its contract's slot (parts are ranges of slots, so
//! of contract ids), a part's records kept in memory up to a block and then
//! appended to one temporary file. When the file has been read, the parts
//! are read back one after another and sealed as batches: every contract's
//! records of the import in one batch, a segment per contract and month,
//! written in contract order. Memory holds a block per part and the batch
//! being sealed, not the month; the temporary file (in the system's
//! temporary directory, `TMPDIR`) is unlinked from the start, so nothing
//! is left behind by a process that dies.

use std::io::{Read, Seek, SeekFrom, Write};

use super::batch::Filed;
use super::parse::{Chunk, Prepared, Spares};

/// What one spilled record's entry takes in the file: hash, line, slot,
/// month and length of its encoding.
const ENTRY_BYTES: usize = 8 + 8 + 4 + 4 + 4;

/// One part: the records not yet written, and where its written blocks lie.
#[derive(Default)]
struct Part {
    open: Chunk,
    /// (offset in the file, records, bytes of encodings) of each block.
    blocks: Vec<(u64, u32, u32)>,
}

pub(super) struct Spill {
    file: std::fs::File,
    /// Bytes written so far: where the next block goes.
    end: u64,
    parts: Vec<Part>,
    /// Slots a part covers.
    slots_per_part: usize,
    /// A part's open records are written once their encodings and entries
    /// reach this many bytes.
    block_bytes: usize,
    /// Room to write a block from.
    out: Vec<u8>,
}

impl Spill {
    /// A spill of records of `slots` contracts into `parts` ranges of slots.
    pub fn new(slots: usize, parts: usize, block_bytes: usize) -> std::io::Result<Self> {
        let parts = parts.clamp(1, slots.max(1));
        Ok(Self {
            file: tempfile::tempfile()?,
            end: 0,
            parts: (0..parts).map(|_| Part::default()).collect(),
            slots_per_part: slots.div_ceil(parts).max(1),
            // A record's start in its block must fit 32 bits.
            block_bytes: block_bytes.min(Chunk::MAX_BYTES),
            out: Vec::new(),
        })
    }

    pub fn parts(&self) -> usize {
        self.parts.len()
    }

    /// Files each record of `chunk` into its part; the emptied chunk goes
    /// back to `spares`.
    pub fn push(&mut self, chunk: Chunk, spares: &Spares) -> std::io::Result<()> {
        for (i, p) in chunk.records.iter().enumerate() {
            let part = (p.slot as usize / self.slots_per_part).min(self.parts.len() - 1);
            let open = &mut self.parts[part].open;
            let start = u32::try_from(open.bytes.len()).unwrap_or(u32::MAX);
            open.bytes.extend_from_slice(chunk.record(i));
            open.records.push(Prepared { start, ..*p });
            if open.bytes.len() + open.records.len() * ENTRY_BYTES >= self.block_bytes {
                self.write_block(part)?;
            }
        }
        spares.give(chunk);
        Ok(())
    }

    /// Appends part `part`'s open records to the file as one block.
    fn write_block(&mut self, part: usize) -> std::io::Result<()> {
        let Part { open, blocks } = &mut self.parts[part];
        if open.records.is_empty() {
            return Ok(());
        }
        let out = &mut self.out;
        out.clear();
        for (i, p) in open.records.iter().enumerate() {
            out.extend_from_slice(&p.hash.to_le_bytes());
            out.extend_from_slice(&p.line.to_le_bytes());
            out.extend_from_slice(&p.slot.to_le_bytes());
            out.extend_from_slice(&p.month.to_le_bytes());
            let len = u32::try_from(open.record_len(i)).unwrap_or(u32::MAX);
            out.extend_from_slice(&len.to_le_bytes());
        }
        out.extend_from_slice(&open.bytes);
        self.file.write_all(out)?;
        let records = u32::try_from(open.records.len()).unwrap_or(u32::MAX);
        let bytes = u32::try_from(open.bytes.len()).unwrap_or(u32::MAX);
        blocks.push((self.end, records, bytes));
        self.end += out.len() as u64;
        open.bytes.clear();
        open.records.clear();
        Ok(())
    }

    /// Adds part `part`'s records, in the order they were filed, to `into`.
    pub fn take(&mut self, part: usize, into: &mut Filed, spares: &Spares) -> std::io::Result<()> {
        let blocks = std::mem::take(&mut self.parts[part].blocks);
        let mut block = Vec::new();
        for (offset, records, bytes) in blocks {
            let (records, bytes) = (records as usize, bytes as usize);
            block.resize(records * ENTRY_BYTES + bytes, 0);
            self.file.seek(SeekFrom::Start(offset))?;
            self.file.read_exact(&mut block)?;
            let (entries, encodings) = block.split_at(records * ENTRY_BYTES);
            let mut chunk = spares.take(bytes);
            chunk.bytes.extend_from_slice(encodings);
            let mut start = 0_u32;
            for entry in entries.chunks_exact(ENTRY_BYTES) {
                let word = |at: usize| {
                    u32::from_le_bytes(entry[at..at + 4].try_into().unwrap_or_default())
                };
                let long = |at: usize| {
                    u64::from_le_bytes(entry[at..at + 8].try_into().unwrap_or_default())
                };
                chunk.records.push(Prepared {
                    hash: long(0),
                    line: long(8),
                    slot: word(16),
                    month: word(20),
                    chunk: 0,
                    start,
                });
                start += word(24);
            }
            into.push(chunk);
        }
        into.push(std::mem::take(&mut self.parts[part].open));
        Ok(())
    }
}

/// Parts a spill makes of the contracts. It holds at most a block of
/// records a part in memory (`ImportTuning::spill_block_bytes`).
pub(super) const PARTS: usize = 256;

/// Which contracts (slots) a batch holds records of.
pub(super) fn contracts_of(batch: &Filed, slots: usize) -> Vec<bool> {
    let mut touched = vec![false; slots];
    for p in batch.entries() {
        if let Some(t) = touched.get_mut(p.slot as usize) {
            *t = true;
        }
    }
    touched
}

/// Whether a batch of `records` records (of `now`'s contracts) shows the
/// file is in time order: it shares more than an eighth of its contracts
/// with the batch before (two batches of a file sorted by subscriber share
/// one at most), or, the first batch, it holds fewer than eight records a
/// contract (sealed as it came, it would make a segment for every few
/// records).
pub(super) fn interleaved(before: Option<&[bool]>, now: &[bool], records: usize) -> bool {
    let contracts = now.iter().filter(|&&is| is).count();
    match before {
        None => contracts * 8 > records,
        Some(before) => {
            let shared = before
                .iter()
                .zip(now)
                .filter(|(was, is)| **was && **is)
                .count();
            shared * 8 > contracts
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tarifa_store::segment::{self, RecordFields};

    fn chunk_of(records: &[(u32, &str)]) -> Chunk {
        let mut chunk = Chunk::default();
        for (line, (slot, id)) in records.iter().enumerate() {
            let start = u32::try_from(chunk.bytes.len()).expect("small");
            segment::encode_record(
                &mut chunk.bytes,
                &RecordFields {
                    id: id.as_bytes(),
                    day: 2,
                    second_of_day: 60,
                    nanosecond: 0,
                    class: 1,
                    to: b"+38267000000",
                    quantity: 5,
                    units: 5,
                    roaming: None,
                },
            );
            chunk.records.push(Prepared {
                hash: u64::from(*slot) * 1000 + line as u64,
                line: line as u64 + 2,
                slot: *slot,
                month: 24_313,
                chunk: 0,
                start,
            });
        }
        chunk
    }

    fn ids(filed: &Filed) -> Vec<(u32, u64, String)> {
        let mut out = Vec::new();
        for chunk in filed.chunks() {
            for (i, p) in chunk.records.iter().enumerate() {
                let key = segment::record_key(chunk.record(i)).expect("record");
                out.push((p.slot, p.line, String::from_utf8_lossy(key.id).into_owned()));
            }
        }
        out
    }

    #[test]
    fn records_come_back_by_part_in_the_order_they_were_filed() {
        let spares = Spares::default();
        // Ten slots in three parts (4, 4, 2); blocks of a few records, so
        // that every part is written in several blocks and keeps some open.
        let mut spill = Spill::new(10, 3, 120).expect("spill");
        assert_eq!(spill.parts(), 3);
        let first = chunk_of(&[(0, "a"), (9, "b"), (4, "c"), (3, "d"), (5, "e")]);
        let second = chunk_of(&[(0, "f"), (8, "g"), (3, "h"), (9, "i"), (0, "j")]);
        spill.push(first, &spares).expect("pushed");
        spill.push(second, &spares).expect("pushed");
        let mut parts = Vec::new();
        for part in 0..spill.parts() {
            let mut filed = Filed::default();
            spill.take(part, &mut filed, &spares).expect("taken");
            parts.push(ids(&filed));
        }
        let kept = |records: &[(u32, u64, &str)]| -> Vec<(u32, u64, String)> {
            records
                .iter()
                .map(|(slot, line, id)| (*slot, *line, (*id).to_owned()))
                .collect()
        };
        assert_eq!(
            parts[0],
            kept(&[
                (0, 2, "a"),
                (3, 5, "d"),
                (0, 2, "f"),
                (3, 4, "h"),
                (0, 6, "j")
            ])
        );
        assert_eq!(parts[1], kept(&[(4, 4, "c"), (5, 6, "e")]));
        assert_eq!(parts[2], kept(&[(9, 3, "b"), (8, 3, "g"), (9, 5, "i")]));
    }

    #[test]
    fn batches_in_time_order_share_their_contracts_and_sorted_ones_do_not() {
        let mut first = Filed::default();
        first.push(chunk_of(&[(0, "a"), (1, "b"), (2, "c"), (3, "d")]));
        let before = contracts_of(&first, 16);
        assert_eq!(before.iter().filter(|&&t| t).count(), 4);
        assert!(before[..4].iter().all(|&t| t));
        // Nine contracts, the first of them the last of the batch before.
        let names = ["e", "f", "g", "h", "i", "j", "k", "l", "m"];
        let records: Vec<(u32, &str)> = (3..12).zip(names).collect();
        let mut sorted = Filed::default();
        sorted.push(chunk_of(&records));
        let sorted = contracts_of(&sorted, 16);
        assert!(
            !interleaved(Some(&before), &sorted, 9),
            "one contract shared"
        );
        let mut in_time_order = Filed::default();
        in_time_order.push(chunk_of(&[(0, "j"), (5, "k"), (1, "l"), (6, "m")]));
        let in_time_order = contracts_of(&in_time_order, 16);
        assert!(interleaved(Some(&before), &in_time_order, 4));
    }

    #[test]
    fn a_first_batch_of_a_few_records_a_contract_is_in_time_order() {
        // Four contracts: 32 records are eight a contract, 31 fewer.
        let contracts = [true, true, false, true, true];
        assert!(!interleaved(None, &contracts, 32));
        assert!(interleaved(None, &contracts, 31));
    }
}
