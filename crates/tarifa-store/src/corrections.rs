//! Credit notes' links to the bills they correct, and the number series of
//! documents other than bills.

use serde::Serialize;

use crate::{Result, Tx, on_tx};

/// A credit note's link to the bill it corrects.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct CorrectionRow {
    pub credit_note_id: i64,
    pub bill_id: i64,
    /// The corrected bill's number.
    pub bill_number: String,
    pub reason: String,
    /// The rule that required the correction, if one did (CMP-3, TRM-6, …).
    pub rule: Option<String>,
    /// For each line of the credit note, the corrected bill's line (from 1)
    /// it takes from: JSON, `null` where an amount was spread over the rates.
    pub lines: String,
}

const CORRECTION_COLUMNS: &str =
    "c.credit_note_id, c.bill_id, b.number AS bill_number, c.reason, c.rule, c.lines";

impl Tx {
    /// Takes `count` numbers of a document series (gapless per market,
    /// series and year); returns the first.
    pub async fn reserve_document_numbers(
        &mut self,
        market: &str,
        series: &str,
        year: i64,
        count: i64,
    ) -> Result<i64> {
        on_tx!(self, c => {
            sqlx::query(
                "INSERT INTO document_sequences (market, series, year, next_value) VALUES ($1, $2, $3, 1)
                 ON CONFLICT (market, series, year) DO NOTHING",
            )
            .bind(market)
            .bind(series)
            .bind(year)
            .execute(&mut *c)
            .await?;
            let first: i64 = sqlx::query_scalar(
                "UPDATE document_sequences SET next_value = next_value + $1
                 WHERE market = $2 AND series = $3 AND year = $4 RETURNING next_value - $1",
            )
            .bind(count)
            .bind(market)
            .bind(series)
            .bind(year)
            .fetch_one(&mut *c)
            .await?;
            Ok(first)
        })
    }

    /// Locks bill `bill_id` until the transaction ends, so that two
    /// corrections of it are taken one after the other (PostgreSQL; on
    /// SQLite the writer holds the database).
    pub async fn lock_bill(&mut self, bill_id: i64) -> Result<()> {
        if let crate::TxInner::Postgres(c) = &mut self.inner {
            sqlx::query("SELECT id FROM bills WHERE id = $1 FOR UPDATE")
                .bind(bill_id)
                .fetch_optional(&mut **c)
                .await?;
        }
        Ok(())
    }

    /// Links the credit note `credit_note_id` (already written as a bill)
    /// to the bill it corrects.
    pub async fn insert_correction(
        &mut self,
        credit_note_id: i64,
        bill_id: i64,
        reason: &str,
        rule: Option<&str>,
        lines: &str,
    ) -> Result<()> {
        on_tx!(self, c => {
            sqlx::query(
                "INSERT INTO bill_corrections (credit_note_id, bill_id, reason, rule, lines) VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(credit_note_id)
            .bind(bill_id)
            .bind(reason)
            .bind(rule)
            .bind(lines)
            .execute(c)
            .await?;
        });
        Ok(())
    }

    /// The credit notes of a bill, oldest first.
    pub async fn corrections_of_bill(&mut self, bill_id: i64) -> Result<Vec<CorrectionRow>> {
        Ok(on_tx!(self, c => {
            sqlx::query_as::<_, CorrectionRow>(sqlx::AssertSqlSafe(format!(
                "SELECT {CORRECTION_COLUMNS} FROM bill_corrections c JOIN bills b ON b.id = c.bill_id
                 WHERE c.bill_id = $1 ORDER BY c.credit_note_id"
            )))
            .bind(bill_id)
            .fetch_all(c)
            .await?
        }))
    }

    /// What the credit note `credit_note_id` corrects; `None` for a bill.
    pub async fn correction(&mut self, credit_note_id: i64) -> Result<Option<CorrectionRow>> {
        Ok(on_tx!(self, c => {
            sqlx::query_as::<_, CorrectionRow>(sqlx::AssertSqlSafe(format!(
                "SELECT {CORRECTION_COLUMNS} FROM bill_corrections c JOIN bills b ON b.id = c.bill_id
                 WHERE c.credit_note_id = $1"
            )))
            .bind(credit_note_id)
            .fetch_optional(c)
            .await?
        }))
    }

    /// The credit notes of a market's customers (`market`) or of one
    /// customer, with the numbers of the bills they correct.
    pub async fn corrections(
        &mut self,
        market: Option<&str>,
        customer_id: Option<i64>,
    ) -> Result<Vec<CorrectionRow>> {
        Ok(on_tx!(self, c => {
            sqlx::query_as::<_, CorrectionRow>(sqlx::AssertSqlSafe(format!(
                "SELECT {CORRECTION_COLUMNS} FROM bill_corrections c JOIN bills b ON b.id = c.bill_id
                 WHERE ($1 IS NULL OR b.market = $1) AND ($2 IS NULL OR b.customer_id = $2)
                 ORDER BY c.credit_note_id"
            )))
            .bind(market)
            .bind(customer_id)
            .fetch_all(c)
            .await?
        }))
    }
}
