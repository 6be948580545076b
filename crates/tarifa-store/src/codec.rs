//! The compact binary forms the store keeps in single columns (usage
//! segments, a bill's body): unsigned LEB128 varints, zigzag for signed
//! numbers, texts as a length and UTF-8, and a reader that checks every
//! bound, so a damaged column is an error that names it, never a panic.

use crate::StoreError;

/// The error of malformed bytes in `what` (a usage segment, a bill's lines).
pub(crate) fn corrupt(what: &'static str, detail: &str) -> StoreError {
    StoreError::Corrupt {
        what,
        detail: detail.to_owned(),
    }
}

/// Appends `n` as an unsigned varint.
pub(crate) fn put(out: &mut Vec<u8>, mut n: u64) {
    while n >= 0x80 {
        out.push((n as u8) | 0x80);
        n >>= 7;
    }
    out.push(n as u8);
}

/// Appends a signed number, zigzag-encoded (small magnitudes stay short).
pub(crate) fn put_signed(out: &mut Vec<u8>, n: i64) {
    put(out, ((n << 1) ^ (n >> 63)) as u64);
}

/// Appends bytes after their length.
pub(crate) fn put_bytes(out: &mut Vec<u8>, bytes: &[u8]) {
    put(out, bytes.len() as u64);
    out.extend_from_slice(bytes);
}

/// Appends an optional text: a byte 0 for none, or 1 and the text (the form
/// of bill lines before the body, written only by tests now).
#[cfg(test)]
pub(crate) fn put_optional(out: &mut Vec<u8>, text: Option<&str>) {
    match text {
        None => out.push(0),
        Some(text) => {
            out.push(1);
            put_bytes(out, text.as_bytes());
        }
    }
}

/// A reader over encoded bytes; every read checks the bounds.
pub(crate) struct Cursor<'a> {
    what: &'static str,
    bytes: &'a [u8],
    pub(crate) at: usize,
}

impl<'a> Cursor<'a> {
    pub(crate) fn new(what: &'static str, bytes: &'a [u8]) -> Self {
        Self { what, bytes, at: 0 }
    }

    fn corrupt(&self, detail: &str) -> StoreError {
        corrupt(self.what, detail)
    }

    /// The next byte, left to be read.
    pub(crate) fn peek(&self) -> Result<u8, StoreError> {
        self.bytes
            .get(self.at)
            .copied()
            .ok_or_else(|| self.corrupt("cut short"))
    }

    pub(crate) fn done(&self) -> bool {
        self.at >= self.bytes.len()
    }

    pub(crate) fn byte(&mut self) -> Result<u8, StoreError> {
        let b = *self
            .bytes
            .get(self.at)
            .ok_or_else(|| self.corrupt("cut short"))?;
        self.at += 1;
        Ok(b)
    }

    pub(crate) fn number(&mut self) -> Result<u64, StoreError> {
        let mut n = 0_u64;
        for shift in (0..64).step_by(7) {
            let b = self.byte()?;
            n |= u64::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return Ok(n);
            }
        }
        Err(self.corrupt("a number longer than 64 bits"))
    }

    pub(crate) fn signed(&mut self) -> Result<i64, StoreError> {
        let n = self.number()?;
        Ok(((n >> 1) as i64) ^ -((n & 1) as i64))
    }

    pub(crate) fn bytes(&mut self, len: usize) -> Result<&'a [u8], StoreError> {
        let end = self
            .at
            .checked_add(len)
            .ok_or_else(|| self.corrupt("length"))?;
        let slice = self
            .bytes
            .get(self.at..end)
            .ok_or_else(|| self.corrupt("cut short"))?;
        self.at = end;
        Ok(slice)
    }

    pub(crate) fn counted(&mut self) -> Result<&'a [u8], StoreError> {
        let len = usize::try_from(self.number()?).map_err(|_| self.corrupt("length"))?;
        self.bytes(len)
    }

    pub(crate) fn text(&mut self) -> Result<&'a str, StoreError> {
        std::str::from_utf8(self.counted()?).map_err(|_| self.corrupt("text not UTF-8"))
    }

    pub(crate) fn short_text(&mut self) -> Result<&'a str, StoreError> {
        let len = usize::from(self.byte()?);
        std::str::from_utf8(self.bytes(len)?).map_err(|_| self.corrupt("text not UTF-8"))
    }

    pub(crate) fn optional(&mut self) -> Result<Option<&'a str>, StoreError> {
        match self.byte()? {
            0 => Ok(None),
            1 => self.text().map(Some),
            _ => Err(self.corrupt("an optional text's flag is neither 0 nor 1")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_texts_read_back() {
        let mut out = Vec::new();
        for n in [0, 1, -1, 127, -128, i64::MAX, i64::MIN] {
            put_signed(&mut out, n);
        }
        put(&mut out, u64::MAX);
        put_optional(&mut out, None);
        put_optional(&mut out, Some("Mesečna pretplata"));
        let mut c = Cursor::new("test", &out);
        for n in [0, 1, -1, 127, -128, i64::MAX, i64::MIN] {
            assert_eq!(c.signed().expect("a number"), n);
        }
        assert_eq!(c.number().expect("a number"), u64::MAX);
        assert_eq!(c.optional().expect("none"), None);
        assert_eq!(c.optional().expect("text"), Some("Mesečna pretplata"));
        assert!(c.done());
        assert!(c.byte().is_err(), "reading past the end is an error");
    }
}
