//! A bill's lines, kept with the bill in one column (`bills.lines`) instead
//! of a row each: a bill run writes one row a bill where it wrote about nine
//! (issue 17), and a bill is read with one row too.
//!
//! Layout (codec's varints): version byte `1`; the number of lines; then per
//! line its position (zigzag), contract (a byte 0 for none, or 1 and its id, zigzag),
//! kind, description, amount in minor units (zigzag), VAT assignment (JSON
//! text), rule, category and phrase (each an optional text).
//!
//! Bills issued before this form had their lines in `bill_lines`; the store
//! moves them into this column when it opens ([`crate::Store::open`]).

use crate::codec::{Cursor, put, put_bytes, put_optional, put_signed};
use crate::{BillLineRow, StoreError};

const VERSION: u8 = 1;
const WHAT: &str = "bill lines";

/// The encoded lines of a bill.
pub fn encode(lines: &[BillLineRow]) -> Vec<u8> {
    let mut out = Vec::with_capacity(16 + lines.len() * 64);
    out.push(VERSION);
    put(&mut out, lines.len() as u64);
    for line in lines {
        put_signed(&mut out, line.position);
        match line.contract_id {
            None => out.push(0),
            Some(id) => {
                out.push(1);
                put_signed(&mut out, id);
            }
        }
        put_bytes(&mut out, line.kind.as_bytes());
        put_bytes(&mut out, line.description.as_bytes());
        put_signed(&mut out, line.amount_minor);
        put_bytes(&mut out, line.vat.as_bytes());
        put_optional(&mut out, line.rule.as_deref());
        put_optional(&mut out, line.category.as_deref());
        put_optional(&mut out, line.phrase.as_deref());
    }
    out
}

/// The lines of bill `bill_id` from their encoding (none for a bill without).
pub fn decode(bill_id: i64, bytes: Option<&[u8]>) -> Result<Vec<BillLineRow>, StoreError> {
    let Some(bytes) = bytes.filter(|b| !b.is_empty()) else {
        return Ok(Vec::new());
    };
    let mut c = Cursor::new(WHAT, bytes);
    if c.byte()? != VERSION {
        return Err(crate::codec::corrupt(WHAT, "unknown version"));
    }
    let count =
        usize::try_from(c.number()?).map_err(|_| crate::codec::corrupt(WHAT, "line count"))?;
    let mut lines = Vec::with_capacity(count.min(1024));
    for _ in 0..count {
        let position = c.signed()?;
        let contract_id = match c.byte()? {
            0 => None,
            1 => Some(c.signed()?),
            _ => {
                return Err(crate::codec::corrupt(
                    WHAT,
                    "a contract's flag is neither 0 nor 1",
                ));
            }
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
        return Err(crate::codec::corrupt(WHAT, "bytes after the last line"));
    }
    Ok(lines)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(position: i64, contract_id: Option<i64>) -> BillLineRow {
        BillLineRow {
            bill_id: 7,
            position,
            contract_id,
            kind: "subscription".into(),
            description: "Mobile 1590 monthly fee, +381641112233".into(),
            amount_minor: -159_000,
            vat: "\"standard\"".into(),
            rule: Some("BIL-1".into()),
            category: None,
            phrase: Some(r#"{"id":"line-fee","args":{}}"#.into()),
        }
    }

    #[test]
    fn lines_read_back_as_written() {
        let lines = vec![
            line(0, Some(1)),
            line(1, None),
            line(2, Some(i64::MAX)),
            line(3, Some(0)),
            line(4, Some(i64::MIN)),
        ];
        let bytes = encode(&lines);
        assert_eq!(decode(7, Some(&bytes)).expect("decoded"), lines);
        assert_eq!(decode(7, None).expect("none"), Vec::new());
        assert!(decode(7, Some(&bytes[..bytes.len() - 1])).is_err());
        let mut longer = bytes.clone();
        longer.push(0);
        assert!(decode(7, Some(&longer)).is_err());
    }
}
