//! PostgreSQL's bulk path (issue 17, item 7): rows sent with `COPY … FROM
//! STDIN (FORMAT binary)`. A multi-row `INSERT` is a statement the server
//! parses, plans and binds for every batch, with each value copied into the
//! driver's argument buffers first; COPY streams the values as they are
//! stored, one buffer a batch. Only BIGINT, INTEGER, TEXT and BYTEA columns
//! are written here, whose binary forms are the integer in network order and
//! the bytes themselves.

use sqlx::PgConnection;

use crate::Result;

/// The start of a binary COPY stream: its signature, no flags, no header
/// extension.
const HEADER: &[u8] = b"PGCOPY\n\xff\r\n\0\0\0\0\0\0\0\0\0";

/// The rows of one binary COPY, encoded as they are added.
pub(crate) struct CopyRows {
    data: Vec<u8>,
    columns: i16,
    rows: usize,
}

impl CopyRows {
    pub(crate) fn new(columns: i16) -> Self {
        Self {
            data: HEADER.to_vec(),
            columns,
            rows: 0,
        }
    }

    /// Starts a row: its values follow, one for each column in order.
    pub(crate) fn row(&mut self) -> &mut Self {
        self.data.extend_from_slice(&self.columns.to_be_bytes());
        self.rows += 1;
        self
    }

    pub(crate) fn int8(&mut self, value: i64) -> &mut Self {
        self.data.extend_from_slice(&8_i32.to_be_bytes());
        self.data.extend_from_slice(&value.to_be_bytes());
        self
    }

    pub(crate) fn int4(&mut self, value: i32) -> &mut Self {
        self.data.extend_from_slice(&4_i32.to_be_bytes());
        self.data.extend_from_slice(&value.to_be_bytes());
        self
    }

    pub(crate) fn opt_int8(&mut self, value: Option<i64>) -> &mut Self {
        match value {
            Some(value) => self.int8(value),
            None => self.null(),
        }
    }

    pub(crate) fn text(&mut self, value: &str) -> &mut Self {
        self.bytes(value.as_bytes())
    }

    /// A BYTEA value (or TEXT given as its UTF-8 bytes).
    pub(crate) fn bytes(&mut self, value: &[u8]) -> &mut Self {
        // A field is at most 1 GB in PostgreSQL; the length cannot wrap.
        let len = i32::try_from(value.len()).unwrap_or(i32::MAX);
        self.data.extend_from_slice(&len.to_be_bytes());
        self.data.extend_from_slice(value);
        self
    }

    pub(crate) fn null(&mut self) -> &mut Self {
        self.data.extend_from_slice(&(-1_i32).to_be_bytes());
        self
    }

    /// The bytes encoded so far.
    pub(crate) fn encoded_bytes(&self) -> usize {
        self.data.len()
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.rows == 0
    }

    /// Sends the rows with `statement` (`COPY table (columns) FROM STDIN
    /// (FORMAT binary)`); returns how many the server stored.
    pub(crate) async fn send(mut self, conn: &mut PgConnection, statement: &str) -> Result<u64> {
        if self.is_empty() {
            return Ok(0);
        }
        self.data.extend_from_slice(&(-1_i16).to_be_bytes());
        let mut copy = conn.copy_in_raw(statement).await?;
        if let Err(e) = copy.send(self.data).await {
            // The server is told the COPY failed, so the connection stays usable
            // for the rollback.
            let _ = copy.abort(e.to_string()).await;
            return Err(e.into());
        }
        Ok(copy.finish().await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_row_is_its_field_count_then_each_value_with_its_length() {
        let mut rows = CopyRows::new(4);
        rows.row().int8(-2).text("ab").null().bytes(&[0, 255]);
        assert_eq!(rows.rows, 1);
        let mut expected = HEADER.to_vec();
        expected.extend_from_slice(&[0, 4]);
        expected.extend_from_slice(&[0, 0, 0, 8, 255, 255, 255, 255, 255, 255, 255, 254]);
        expected.extend_from_slice(&[0, 0, 0, 2, b'a', b'b']);
        expected.extend_from_slice(&[255, 255, 255, 255]);
        expected.extend_from_slice(&[0, 0, 0, 2, 0, 255]);
        assert_eq!(rows.data, expected);
        assert_eq!(
            HEADER.len(),
            19,
            "11 bytes of signature, flags, extension length"
        );
    }
}
