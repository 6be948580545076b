//! A bill's body: all its document shows beyond the header columns — the
//! detail (owner and operator blocks, packages, usage by type and
//! destination, allowances, VAT per rate) and the lines — in one compact
//! column, `bills.body`, so that a bill is one row of about a quarter of the
//! size its JSON took (issue 17).
//!
//! Layout, version 2 (the codec's varints):
//! - the version byte;
//! - the detail, as a JSON tree (below);
//! - the number of lines, then per line: position (zigzag), contract (0 for
//!   none, or 1 and the id, zigzag), kind and description (words), amount in
//!   minor units (zigzag), the VAT assignment (a tree), rule and category (a
//!   word, or 0 for none), the phrase (0 for none, or 1 and a tree).
//!
//! Words — every text: `1`, its length and the text the first time it
//! appears in a body; `2 + k` for entry `k` of [`WORDS`] (the keys, codes and
//! message ids every bill repeats); `2 + WORDS.len() + i` for the `i`-th
//! text spelled out earlier in the same body. A phone number that appears in
//! every phrase of a bill is spelled once.
//!
//! A JSON tree is a tag byte and what it needs: null, false, true, a whole
//! number ≥ 0 (varint), a negative one (varint of −(n+1)), a float (8 bytes,
//! little endian), a text (a word), an array (its items, then an end tag),
//! an object (key words and values, then a key of 0). Objects keep the order
//! of their keys, so a detail reads back as the very text it was made from.
//!
//! [`WORDS`] belongs to the version: no word is ever removed, moved or
//! added; other words mean another version. Bills stored before this form
//! (the detail as JSON text in `bills.detail`, the lines in `bills.lines` in
//! version 1 of [`lines_v1`], or earlier in a table `bill_lines`) are moved
//! into it when the store opens ([`crate::Store::convert_bill_bodies`]).

use std::hash::BuildHasher;
use std::sync::LazyLock;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};

use crate::codec::{Cursor, corrupt, put, put_signed};
use crate::{BillLineRow, StoreError};

mod serializer;

const VERSION: u8 = 2;
const WHAT: &str = "bill body";

// The tags of a JSON tree.
const NULL: u8 = 0;
const FALSE: u8 = 1;
const TRUE: u8 = 2;
const WHOLE: u8 = 3;
const NEGATIVE: u8 = 4;
const FLOAT: u8 = 5;
const TEXT: u8 = 6;
const ARRAY: u8 = 7;
const OBJECT: u8 = 8;
const END: u8 = 9;

/// A word spelled out; 0 is "none" (or an object's end).
const SPELLED: u64 = 1;
const FIRST_KNOWN: u64 = 2;
/// Deeper trees are refused as damaged; a bill's detail nests four deep.
const MAX_DEPTH: usize = 64;

/// The words of version 2, known without being spelled: the detail's keys,
/// the lines' kinds, categories, rules and message ids, and the codes of
/// usage. Frozen with the version.
pub const WORDS: &[&str] = &[
    // The detail's keys.
    "owner",
    "name",
    "address",
    "email",
    "operator",
    "tax_id",
    "registry_number",
    "bank_account",
    "website",
    "customer_centre",
    "packages",
    "letter",
    "delivery",
    "usage",
    "contract_id",
    "kind",
    "destination",
    "count",
    "quantity",
    "unit",
    "billed_units",
    "amount",
    "allowances",
    "allowance",
    "granted",
    "limited",
    "unlimited",
    "used",
    "vat",
    "class",
    "rate",
    "gross",
    // Phrases and their arguments.
    "id",
    "args",
    "text",
    "date",
    "label",
    "prefix",
    "code",
    "number",
    "package",
    "device",
    "days",
    "month_days",
    "from",
    "to",
    "of",
    "bill-kind",
    "bill-destination",
    "line-complaint-credit",
    "line-damage-compensation",
    "line-device",
    "line-downgrade",
    "line-early-termination",
    "line-equipment-damaged",
    "line-equipment-late",
    "line-equipment-not-returned",
    "line-fee-discount",
    "line-in-allowance",
    "line-instalment",
    "line-interruption-credit",
    "line-late-usage",
    "line-late-usage-before-transfer",
    "line-listing",
    "line-monthly-fee",
    "line-monthly-fee-interrupted",
    "line-monthly-fee-part",
    "line-number-change",
    "line-reconnection",
    "line-relocation",
    "line-relocation-infrastructure",
    "line-spending-limit",
    "line-unlock-fee",
    "line-unlock-penalties",
    "line-usage",
    "line-usage-since",
    "line-withdrawal-credit",
    // Usage.
    "voice",
    "sms",
    "data",
    "national",
    "international",
    "internet",
    "roaming",
    "s",
    "msg",
    "B",
    "0.00",
    // Delivery and VAT.
    "post",
    "electronic",
    "standard",
    "split",
    "internet_access",
    // Line kinds.
    "subscription",
    "discount",
    "one_time",
    "instalment",
    "fee",
    "penalty",
    "credit",
    // One-time categories.
    "premium_services",
    "card_activation",
    "content_parking",
    "travel_pack",
    "daily_click",
    "agreed_spend",
    "ivr",
    "click_add_on",
    "prepaid_credit_transfer",
    "other_charges_credits",
    "commitment_buy_out",
    "penalties",
    "reconnection_after_settled_debt",
    "favourite_number_change",
    "device_instalment",
    "computer_equipment_instalment",
    "computer_equipment",
    "computer_equipment_in_instalments",
    "device_without_tax",
    "device_in_instalments",
    "sms_via_outlook",
    "sms_advertising",
    "itemisation_9000",
    "itemisation_on_request",
    "special_number",
    "speed_boost",
    "ip_add_on",
    "portal_services",
    "number_change_on_request",
    "sim_replacement",
    // The rules lines cite most.
    "BIL-1",
    "BIL-3",
    "BIL-4",
    "BIL-5",
    "CMP-3",
    "CMP-6",
    "CON-9",
    "DEV-1",
    "DEV-3",
    "PRM-1",
    "PRM-2",
    "TRM-3",
    "TRM-4",
    "TRM-6",
    "USE-3",
    "USE-4",
    "USE-5",
    "UNL-3",
    "UNL-4",
];

/// Each known word's index, for the writer.
static KNOWN: LazyLock<foldhash::HashMap<&'static str, u64>> =
    LazyLock::new(|| WORDS.iter().zip(0..).map(|(w, k)| (*w, k)).collect());

/// Hashes of the words a body spells, compared before their bytes.
static SPELLED_HASH: foldhash::fast::FixedState = foldhash::fast::FixedState::with_seed(17);

/// A bill's body, encoded: what `bills.body` holds, with its number of
/// lines. Made from the detail's and the lines' values
/// ([`EncodedBody::write`], the bill run) or from their JSON texts
/// ([`EncodedBody::from_json`]); the two give the same bytes.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EncodedBody {
    bytes: Vec<u8>,
    lines: usize,
}

/// One line of a bill, as [`EncodedBody::write`] takes it: its VAT
/// assignment and phrase are values, written as the JSON they serialize to;
/// its rule and category, as the texts they display as.
pub struct BodyLine<'a, V: ?Sized, P: ?Sized> {
    pub position: i64,
    pub contract_id: Option<i64>,
    pub kind: &'a str,
    pub description: &'a str,
    pub amount_minor: i64,
    pub vat: &'a V,
    pub rule: Option<&'a dyn std::fmt::Display>,
    pub category: Option<&'a dyn std::fmt::Display>,
    pub phrase: Option<&'a P>,
}

impl EncodedBody {
    /// A body from a detail and lines as values, each written as the JSON
    /// tree its serialization is (no JSON text made).
    pub fn write<'a, D, V, P>(
        detail: &D,
        lines: impl ExactSizeIterator<Item = BodyLine<'a, V, P>>,
    ) -> Result<Self, StoreError>
    where
        D: serde::Serialize + ?Sized,
        V: serde::Serialize + ?Sized + 'a,
        P: serde::Serialize + ?Sized + 'a,
    {
        let count = lines.len();
        let mut e = Encoder::with_capacity(512 + count * 48);
        e.value("the detail", detail)?;
        put(&mut e.out, count as u64);
        for line in lines {
            e.line_start(
                line.position,
                line.contract_id,
                line.kind,
                line.description,
                line.amount_minor,
            );
            e.value("a line's VAT", line.vat)?;
            e.optional_shown(line.rule);
            e.optional_shown(line.category);
            match line.phrase {
                None => e.out.push(0),
                Some(phrase) => {
                    e.out.push(1);
                    e.value("a line's phrase", phrase)?;
                }
            }
        }
        Ok(Self {
            bytes: e.out,
            lines: count,
        })
    }

    /// A body from a detail and lines as JSON texts.
    pub fn from_json(detail: &str, lines: &[BillLineRow]) -> Result<Self, StoreError> {
        let mut e = Encoder::with_capacity(64 + detail.len() / 3 + lines.len() * 48);
        e.json("the detail", detail)?;
        put(&mut e.out, lines.len() as u64);
        for line in lines {
            e.line_start(
                line.position,
                line.contract_id,
                &line.kind,
                &line.description,
                line.amount_minor,
            );
            e.json("a line's VAT", &line.vat)?;
            e.optional_word(line.rule.as_deref());
            e.optional_word(line.category.as_deref());
            match &line.phrase {
                None => e.out.push(0),
                Some(phrase) => {
                    e.out.push(1);
                    e.json("a line's phrase", phrase)?;
                }
            }
        }
        Ok(Self {
            bytes: e.out,
            lines: lines.len(),
        })
    }

    /// The bytes `bills.body` holds.
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The number of lines (`bills.line_count`).
    pub fn line_count(&self) -> usize {
        self.lines
    }
}

/// The detail of a body, as JSON text.
pub fn detail(bytes: &[u8]) -> Result<String, StoreError> {
    let mut d = Decoder::open(bytes)?;
    let mut out = Vec::with_capacity(bytes.len() * 2);
    d.tree(Some(&mut out), 0)?;
    text(out)
}

/// The lines of bill `bill_id` from its body.
pub fn lines(bill_id: i64, bytes: &[u8]) -> Result<Vec<BillLineRow>, StoreError> {
    let mut d = Decoder::open(bytes)?;
    // The detail is walked for the words it spells, not written out.
    d.tree(None, 0)?;
    d.lines(bill_id)
}

fn text(out: Vec<u8>) -> Result<String, StoreError> {
    String::from_utf8(out).map_err(|_| corrupt(WHAT, "the detail is not UTF-8"))
}

/// A body as its column holds it; `BillRow::detail` reads through it.
#[derive(sqlx::Type)]
#[sqlx(transparent)]
pub struct Stored(Vec<u8>);

impl TryFrom<Stored> for String {
    type Error = StoreError;

    fn try_from(body: Stored) -> Result<Self, StoreError> {
        detail(&body.0)
    }
}

struct Encoder {
    out: Vec<u8>,
    /// Each spelled word: its hash, where it starts in `out`, its length.
    spelled: Vec<(u64, usize, usize)>,
    /// Room for a word given by its display.
    scratch: String,
}

impl Encoder {
    /// An encoder with the version byte written.
    fn with_capacity(capacity: usize) -> Self {
        let mut out = Vec::with_capacity(capacity);
        out.push(VERSION);
        Self {
            out,
            spelled: Vec::with_capacity(32),
            scratch: String::new(),
        }
    }

    /// A line's fields up to its VAT.
    fn line_start(
        &mut self,
        position: i64,
        contract_id: Option<i64>,
        kind: &str,
        description: &str,
        amount_minor: i64,
    ) {
        put_signed(&mut self.out, position);
        match contract_id {
            None => self.out.push(0),
            Some(id) => {
                self.out.push(1);
                put_signed(&mut self.out, id);
            }
        }
        self.word(kind);
        self.word(description);
        put_signed(&mut self.out, amount_minor);
    }

    /// Writes `value` (`what`: which, for the error) as the tree of its JSON.
    fn value<T: serde::Serialize + ?Sized>(
        &mut self,
        what: &str,
        value: &T,
    ) -> Result<(), StoreError> {
        value
            .serialize(serializer::Tree(self))
            .map_err(|e| StoreError::Conflict(format!("{what} could not be written: {e}")))
    }

    fn word(&mut self, word: &str) {
        if let Some(k) = KNOWN.get(word) {
            put(&mut self.out, FIRST_KNOWN + k);
            return;
        }
        let hash = SPELLED_HASH.hash_one(word);
        let bytes = word.as_bytes();
        let seen = self.spelled.iter().position(|&(h, start, len)| {
            h == hash && len == bytes.len() && &self.out[start..start + len] == bytes
        });
        if let Some(i) = seen {
            put(&mut self.out, FIRST_KNOWN + WORDS.len() as u64 + i as u64);
            return;
        }
        put(&mut self.out, SPELLED);
        put(&mut self.out, bytes.len() as u64);
        let start = self.out.len();
        self.out.extend_from_slice(bytes);
        self.spelled.push((hash, start, bytes.len()));
    }

    /// A word given as what it displays as.
    fn optional_shown(&mut self, word: Option<&dyn std::fmt::Display>) {
        use std::fmt::Write;
        match word {
            None => self.out.push(0),
            Some(word) => {
                let mut text = std::mem::take(&mut self.scratch);
                text.clear();
                // Writing to a String cannot fail.
                let _ = write!(text, "{word}");
                self.word(&text);
                self.scratch = text;
            }
        }
    }

    fn optional_word(&mut self, word: Option<&str>) {
        match word {
            None => self.out.push(0),
            Some(word) => self.word(word),
        }
    }

    /// Writes JSON text `json` (`what`: which, for the error) as a tree.
    fn json(&mut self, what: &str, json: &str) -> Result<(), StoreError> {
        let not_json =
            |e: serde_json::Error| StoreError::Conflict(format!("{what} is not JSON: {e}"));
        let mut de = serde_json::Deserializer::from_str(json);
        Tree(self).deserialize(&mut de).map_err(not_json)?;
        de.end().map_err(not_json)
    }
}

/// Writes the JSON value it is given into the encoder, as it is parsed.
struct Tree<'e>(&'e mut Encoder);

impl<'de> DeserializeSeed<'de> for Tree<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Tree<'_> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        self.0.out.push(NULL);
        Ok(())
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<(), E> {
        self.0.out.push(if v { TRUE } else { FALSE });
        Ok(())
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<(), E> {
        self.0.out.push(WHOLE);
        put(&mut self.0.out, v);
        Ok(())
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<(), E> {
        if v >= 0 {
            return self.visit_u64(v.unsigned_abs());
        }
        self.0.out.push(NEGATIVE);
        // −(v+1) ≥ 0: the bits of v inverted.
        put(&mut self.0.out, !v as u64);
        Ok(())
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<(), E> {
        self.0.out.push(FLOAT);
        self.0.out.extend_from_slice(&v.to_le_bytes());
        Ok(())
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<(), E> {
        self.0.out.push(TEXT);
        self.0.word(v);
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let e = self.0;
        e.out.push(ARRAY);
        while seq.next_element_seed(Tree(&mut *e))?.is_some() {}
        e.out.push(END);
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let e = self.0;
        e.out.push(OBJECT);
        while map.next_key_seed(Key(&mut *e))?.is_some() {
            map.next_value_seed(Tree(&mut *e))?;
        }
        e.out.push(0);
        Ok(())
    }
}

/// Writes an object's key as a word.
struct Key<'e>(&'e mut Encoder);

impl<'de> DeserializeSeed<'de> for Key<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for Key<'_> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a key")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<(), E> {
        self.0.word(v);
        Ok(())
    }
}

struct Decoder<'a> {
    c: Cursor<'a>,
    spelled: Vec<&'a str>,
}

impl<'a> Decoder<'a> {
    fn open(bytes: &'a [u8]) -> Result<Self, StoreError> {
        let mut c = Cursor::new(WHAT, bytes);
        match c.byte() {
            Ok(VERSION) => Ok(Self {
                c,
                spelled: Vec::with_capacity(32),
            }),
            Ok(_) => Err(corrupt(WHAT, "unknown version")),
            Err(_) => Err(corrupt(WHAT, "empty")),
        }
    }

    /// The word numbered `n` (not 0).
    fn resolve(&mut self, n: u64) -> Result<&'a str, StoreError> {
        if n == SPELLED {
            let word = self.c.text()?;
            self.spelled.push(word);
            return Ok(word);
        }
        let k = n
            .checked_sub(FIRST_KNOWN)
            .and_then(|k| usize::try_from(k).ok())
            .ok_or_else(|| corrupt(WHAT, "a word numbered 0"))?;
        match WORDS.get(k) {
            Some(word) => Ok(word),
            None => self
                .spelled
                .get(k - WORDS.len())
                .copied()
                .ok_or_else(|| corrupt(WHAT, "a word not spelled before")),
        }
    }

    fn word(&mut self) -> Result<&'a str, StoreError> {
        let n = self.c.number()?;
        self.resolve(n)
    }

    fn optional_word(&mut self) -> Result<Option<&'a str>, StoreError> {
        match self.c.number()? {
            0 => Ok(None),
            n => self.resolve(n).map(Some),
        }
    }

    /// Reads a tree, writing it as JSON text into `out` if given.
    fn tree(&mut self, mut out: Option<&mut Vec<u8>>, depth: usize) -> Result<(), StoreError> {
        if depth > MAX_DEPTH {
            return Err(corrupt(WHAT, "nested too deep"));
        }
        let write = |out: &mut Option<&mut Vec<u8>>, bytes: &[u8]| {
            if let Some(out) = out {
                out.extend_from_slice(bytes);
            }
        };
        match self.c.byte()? {
            NULL => write(&mut out, b"null"),
            FALSE => write(&mut out, b"false"),
            TRUE => write(&mut out, b"true"),
            WHOLE => {
                let n = self.c.number()?;
                write(&mut out, n.to_string().as_bytes());
            }
            NEGATIVE => {
                let n = !(self.c.number()? as i64);
                write(&mut out, n.to_string().as_bytes());
            }
            FLOAT => {
                let bytes: [u8; 8] = self
                    .c
                    .bytes(8)?
                    .try_into()
                    .map_err(|_| corrupt(WHAT, "a float"))?;
                if let Some(out) = out {
                    json_into(out, &f64::from_le_bytes(bytes))?;
                }
            }
            TEXT => {
                let word = self.word()?;
                if let Some(out) = out {
                    json_into(out, word)?;
                }
            }
            ARRAY => {
                write(&mut out, b"[");
                let mut first = true;
                while self.c.peek()? != END {
                    if !first {
                        write(&mut out, b",");
                    }
                    first = false;
                    self.tree(out.as_deref_mut(), depth + 1)?;
                }
                self.c.byte()?;
                write(&mut out, b"]");
            }
            OBJECT => {
                write(&mut out, b"{");
                let mut first = true;
                loop {
                    let key = match self.c.number()? {
                        0 => break,
                        n => self.resolve(n)?,
                    };
                    if let Some(out) = out.as_deref_mut() {
                        if !first {
                            out.push(b',');
                        }
                        json_into(out, key)?;
                        out.push(b':');
                    }
                    first = false;
                    self.tree(out.as_deref_mut(), depth + 1)?;
                }
                write(&mut out, b"}");
            }
            _ => return Err(corrupt(WHAT, "an unknown tag")),
        }
        Ok(())
    }

    /// A tree as JSON text.
    fn json(&mut self) -> Result<String, StoreError> {
        let mut out = Vec::with_capacity(32);
        self.tree(Some(&mut out), 0)?;
        text(out)
    }

    fn lines(&mut self, bill_id: i64) -> Result<Vec<BillLineRow>, StoreError> {
        let count =
            usize::try_from(self.c.number()?).map_err(|_| corrupt(WHAT, "the number of lines"))?;
        let mut lines = Vec::with_capacity(count.min(1024));
        for _ in 0..count {
            let position = self.c.signed()?;
            let contract_id = match self.c.byte()? {
                0 => None,
                1 => Some(self.c.signed()?),
                _ => return Err(corrupt(WHAT, "a contract's flag is neither 0 nor 1")),
            };
            let kind = self.word()?.to_owned();
            let description = self.word()?.to_owned();
            let amount_minor = self.c.signed()?;
            let vat = self.json()?;
            let rule = self.optional_word()?.map(str::to_owned);
            let category = self.optional_word()?.map(str::to_owned);
            let phrase = match self.c.byte()? {
                0 => None,
                1 => Some(self.json()?),
                _ => return Err(corrupt(WHAT, "a phrase's flag is neither 0 nor 1")),
            };
            lines.push(BillLineRow {
                bill_id,
                position,
                contract_id,
                kind,
                description,
                amount_minor,
                vat,
                rule,
                category,
                phrase,
            });
        }
        if !self.c.done() {
            return Err(corrupt(WHAT, "bytes after the last line"));
        }
        Ok(lines)
    }
}

/// Appends `value` as JSON (a text quoted and escaped as serde_json does).
fn json_into<T: serde::Serialize + ?Sized>(out: &mut Vec<u8>, value: &T) -> Result<(), StoreError> {
    serde_json::to_writer(out, value).map_err(|e| corrupt(WHAT, &e.to_string()))
}

/// The lines of version 1, kept in `bills.lines` before the body: read once,
/// when the store converts them. Layout: version byte `1`; the number of
/// lines; then per line its position (zigzag), contract (0, or 1 and its id,
/// zigzag), kind, description, amount in minor units (zigzag), VAT (JSON
/// text), rule, category and phrase (each an optional text).
pub(crate) fn lines_v1(bill_id: i64, bytes: Option<&[u8]>) -> Result<Vec<BillLineRow>, StoreError> {
    const WHAT_V1: &str = "bill lines";
    let Some(bytes) = bytes.filter(|b| !b.is_empty()) else {
        return Ok(Vec::new());
    };
    let mut c = Cursor::new(WHAT_V1, bytes);
    if c.byte()? != 1 {
        return Err(corrupt(WHAT_V1, "unknown version"));
    }
    let count = usize::try_from(c.number()?).map_err(|_| corrupt(WHAT_V1, "line count"))?;
    let mut lines = Vec::with_capacity(count.min(1024));
    for _ in 0..count {
        let position = c.signed()?;
        let contract_id = match c.byte()? {
            0 => None,
            1 => Some(c.signed()?),
            _ => return Err(corrupt(WHAT_V1, "a contract's flag is neither 0 nor 1")),
        };
        lines.push(BillLineRow {
            bill_id,
            position,
            contract_id,
            kind: c.text()?.to_owned(),
            description: c.text()?.to_owned(),
            amount_minor: c.signed()?,
            vat: c.text()?.to_owned(),
            rule: c.optional()?.map(str::to_owned),
            category: c.optional()?.map(str::to_owned),
            phrase: c.optional()?.map(str::to_owned),
        });
    }
    if !c.done() {
        return Err(corrupt(WHAT_V1, "bytes after the last line"));
    }
    Ok(lines)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::{put_bytes, put_optional};

    fn encode(detail: &str, lines: &[BillLineRow]) -> Result<Vec<u8>, StoreError> {
        EncodedBody::from_json(detail, lines).map(|b| b.bytes)
    }

    const DETAIL: &str = r#"{"owner":{"name":"Ana Vujović","address":null,"email":"ana@example.me"},"operator":{"name":"Telenor d.o.o. Podgorica","address":"Rimski trg 4, 81000 Podgorica","tax_id":"02000001","registry_number":"5-0000001","bank_account":"510-0000000000001-37","website":"www.telenor.me","customer_centre":"1700"},"packages":["+382600000001: Bench S"],"letter":[],"delivery":"post","usage":[{"contract_id":1,"kind":"voice","destination":"national","count":32,"quantity":14959,"unit":"s","billed_units":265,"amount":"19.80"},{"contract_id":1,"kind":"data","destination":"internet","count":39,"quantity":625622164,"unit":"B","billed_units":597,"amount":"0.00"}],"allowances":[{"contract_id":1,"allowance":{"kind":"voice","granted":{"limited":100},"used":100}},{"contract_id":1,"allowance":{"kind":"sms","granted":"unlimited","used":20}}],"vat":[{"class":null,"rate":"21","gross":"64.51","vat":"11.20"}],"odd":[-1,-9223372036854775808,18446744073709551615,0.5,-2.25e-7,true,false,{},[],"tab\tquote\"\\ \u0001"]}"#;

    fn line(position: i64, contract_id: Option<i64>) -> BillLineRow {
        BillLineRow {
            bill_id: 7,
            position,
            contract_id,
            kind: "subscription".into(),
            description: "Mobile 1590 monthly fee, +381641112233".into(),
            amount_minor: -159_000,
            vat: r#"{"split":{"internet_access":"0.40"}}"#.into(),
            rule: Some("BIL-1".into()),
            category: None,
            phrase: Some(
                r#"{"id":"line-monthly-fee","args":{"number":{"text":"+381641112233"},"package":{"text":"Mobile 1590"}}}"#
                    .into(),
            ),
        }
    }

    fn lines() -> Vec<BillLineRow> {
        let mut lines = vec![
            line(0, Some(1)),
            line(1, None),
            line(2, Some(i64::MAX)),
            line(3, Some(0)),
            line(4, Some(i64::MIN)),
        ];
        lines[1].category = Some("a category of its own".into());
        lines[1].rule = None;
        lines[1].phrase = None;
        lines[1].vat = "\"standard\"".into();
        lines
    }

    #[test]
    fn a_body_reads_back_as_the_very_text_and_lines_written() {
        let lines = lines();
        let bytes = encode(DETAIL, &lines).expect("encoded");
        assert_eq!(detail(&bytes).expect("the detail"), DETAIL);
        assert_eq!(super::lines(7, &bytes).expect("the lines"), lines);
        // Repeated words are spelled once: far smaller than the texts.
        let texts: usize = DETAIL.len()
            + lines
                .iter()
                .map(|l| {
                    l.description.len() + l.vat.len() + l.phrase.as_ref().map_or(0, String::len)
                })
                .sum::<usize>();
        assert!(bytes.len() * 2 < texts, "{} bytes for {texts}", bytes.len());
    }

    #[test]
    fn a_damaged_body_is_an_error_never_a_panic() {
        let bytes = encode(DETAIL, &lines()).expect("encoded");
        for cut in 0..bytes.len() {
            assert!(super::lines(7, &bytes[..cut]).is_err(), "cut at {cut}");
        }
        let mut longer = bytes.clone();
        longer.push(0);
        assert!(super::lines(7, &longer).is_err());
        let mut other = bytes.clone();
        other[0] = 3;
        assert!(detail(&other).is_err(), "an unknown version");
        // Every byte changed in turn: an error or some body, never a panic.
        for at in 1..bytes.len() {
            let mut changed = bytes.clone();
            changed[at] ^= 0x5a;
            let _ = detail(&changed);
            let _ = super::lines(7, &changed);
        }
        // Nesting beyond the limit.
        let deep = format!("{}{}", "[".repeat(100), "]".repeat(100));
        let mut e = Encoder::with_capacity(0);
        e.json("deep", &deep).expect("serde_json takes 100 levels");
        put(&mut e.out, 0);
        assert!(detail(&e.out).is_err());
    }

    #[test]
    fn text_that_is_not_json_is_refused_when_written() {
        assert!(encode("{\"owner\":", &[]).is_err());
        assert!(encode("{} {}", &[]).is_err());
        let mut bad = line(0, None);
        bad.vat = "standard".into();
        assert!(encode("{}", &[bad]).is_err());
    }

    #[test]
    fn the_known_words_are_each_other_than_the_others() {
        assert_eq!(KNOWN.len(), WORDS.len(), "a word twice in WORDS");
    }

    #[test]
    fn lines_of_version_1_still_read() {
        let lines = lines();
        let mut v1 = vec![1];
        put(&mut v1, lines.len() as u64);
        for l in &lines {
            put_signed(&mut v1, l.position);
            match l.contract_id {
                None => v1.push(0),
                Some(id) => {
                    v1.push(1);
                    put_signed(&mut v1, id);
                }
            }
            put_bytes(&mut v1, l.kind.as_bytes());
            put_bytes(&mut v1, l.description.as_bytes());
            put_signed(&mut v1, l.amount_minor);
            put_bytes(&mut v1, l.vat.as_bytes());
            put_optional(&mut v1, l.rule.as_deref());
            put_optional(&mut v1, l.category.as_deref());
            put_optional(&mut v1, l.phrase.as_deref());
        }
        assert_eq!(lines_v1(7, Some(&v1)).expect("read"), lines);
        assert_eq!(lines_v1(7, None).expect("none"), Vec::new());
        assert!(lines_v1(7, Some(&v1[..v1.len() - 1])).is_err());
    }
}
