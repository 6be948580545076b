//! The e-invoice submission queue: each document reported to a tax
//! authority (queued in the transaction that issues it), the batches they
//! go in, and what the authority answered.
//!
//! A batch is claimed for a lease before it is sent, so two workers never
//! send the same one; its request id is fixed when it is formed, so a batch
//! sent again after a lost answer is one the authority recognises.

use serde::Serialize;

use crate::{Result, StoreError, Tx, on_tx};

pub(crate) const INSERT_EINVOICE_SUBMISSIONS: &str =
    "INSERT INTO einvoice_submissions (bill_id, market, authority, state, queued_at) ";

/// A document's reporting, as listed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct SubmissionRow {
    pub bill_id: i64,
    /// The bill's or credit note's number.
    pub number: String,
    /// `bill` or `credit_note` (the bill's kind).
    pub kind: String,
    pub market: String,
    pub authority: String,
    /// `queued`, `sent`, `done` or `aborted`.
    pub state: String,
    pub operation: Option<String>,
    pub batch_id: Option<i64>,
    pub batch_index: Option<i64>,
    pub request_id: Option<String>,
    pub transaction_id: Option<String>,
    /// Attempts at sending its batch.
    pub attempts: i64,
    pub last_error: Option<String>,
    /// The authority's messages (JSON array), for a document it finished.
    pub messages: Option<String>,
    pub queued_at: String,
    pub done_at: Option<String>,
}

macro_rules! submissions {
    ($where:literal) => {
        concat!(
            "SELECT s.bill_id, b.number, b.kind, s.market, s.authority, s.state, \
s.operation, s.batch_id, s.batch_index, t.request_id, t.transaction_id, \
COALESCE(t.attempts, s.attempts) AS attempts, COALESCE(s.last_error, t.last_error) AS last_error, \
s.messages, s.queued_at, s.done_at \
FROM einvoice_submissions s JOIN bills b ON b.id = s.bill_id \
LEFT JOIN einvoice_batches t ON t.id = s.batch_id ",
            $where
        )
    };
}

/// A batch of documents sent in one request.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct BatchRow {
    pub id: i64,
    pub market: String,
    pub authority: String,
    pub request_id: String,
    /// `sending` (no transaction id yet), `sent` (polled), `finished`.
    pub state: String,
    pub transaction_id: Option<String>,
    pub created_at: String,
    pub first_sent_at: Option<String>,
    pub attempts: i64,
    pub next_attempt_at: String,
    pub lease_until: Option<String>,
    pub last_error: Option<String>,
}

/// A document of a batch, as sent.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct BatchDocument {
    pub bill_id: i64,
    pub number: String,
    pub batch_index: i64,
    pub operation: String,
    pub document: String,
    pub state: String,
}

/// A queued document ready to go into a batch.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct QueuedDocument {
    pub bill_id: i64,
    pub number: String,
    /// The bill a credit note corrects.
    pub corrects: Option<i64>,
}

impl Tx {
    /// A market's documents and where each stands, by bill id.
    pub async fn einvoice_submissions(&mut self, market: &str) -> Result<Vec<SubmissionRow>> {
        Ok(on_tx!(self, c => {
            sqlx::query_as::<_, SubmissionRow>(submissions!("WHERE s.market = $1 ORDER BY s.bill_id"))
                .bind(market)
                .fetch_all(c)
                .await?
        }))
    }

    /// Whether `market` has a document the authority has not finished.
    pub async fn einvoices_pending(&mut self, market: &str) -> Result<bool> {
        Ok(on_tx!(self, c => {
            sqlx::query_scalar::<_, i64>(
                "SELECT 1 FROM einvoice_submissions WHERE market = $1 AND state IN ('queued', 'sent') LIMIT 1",
            )
            .bind(market)
            .fetch_optional(c)
            .await?
            .is_some()
        }))
    }

    /// A customer's documents and where each stands.
    pub async fn einvoice_submissions_of_customer(
        &mut self,
        customer_id: i64,
    ) -> Result<Vec<SubmissionRow>> {
        Ok(on_tx!(self, c => {
            sqlx::query_as::<_, SubmissionRow>(submissions!("WHERE b.customer_id = $1 ORDER BY s.bill_id"))
                .bind(customer_id)
                .fetch_all(c)
                .await?
        }))
    }

    /// One document's reporting, if it is reported at all.
    pub async fn einvoice_submission(&mut self, bill_id: i64) -> Result<Option<SubmissionRow>> {
        Ok(on_tx!(self, c => {
            sqlx::query_as::<_, SubmissionRow>(submissions!("WHERE s.bill_id = $1"))
                .bind(bill_id)
                .fetch_optional(c)
                .await?
        }))
    }

    /// How many documents stand in each state, by market.
    pub async fn einvoice_counts(&mut self) -> Result<Vec<(String, String, i64)>> {
        Ok(on_tx!(self, c => {
            sqlx::query_as(
                "SELECT market, state, COUNT(*) FROM einvoice_submissions GROUP BY market, state ORDER BY market, state",
            )
            .fetch_all(c)
            .await?
        }))
    }

    /// Up to `limit` queued documents of `market` not yet in a batch, oldest
    /// first. A credit note waits until the bill it corrects, and any earlier
    /// credit note of that bill, is done. On PostgreSQL the rows are locked
    /// (others skip them) until the transaction ends.
    pub async fn einvoices_to_batch(
        &mut self,
        market: &str,
        limit: i64,
    ) -> Result<Vec<QueuedDocument>> {
        macro_rules! to_batch {
            ($lock:literal) => {
                concat!(
                    "SELECT s.bill_id, b.number, c.bill_id AS corrects
             FROM einvoice_submissions s JOIN bills b ON b.id = s.bill_id
             LEFT JOIN bill_corrections c ON c.credit_note_id = s.bill_id
             WHERE s.market = $1 AND s.state = 'queued' AND s.batch_id IS NULL
               AND (c.bill_id IS NULL OR NOT EXISTS (
                    SELECT 1 FROM einvoice_submissions o
                    WHERE o.state <> 'done' AND (o.bill_id = c.bill_id OR o.bill_id IN (
                        SELECT e.credit_note_id FROM bill_corrections e
                        WHERE e.bill_id = c.bill_id AND e.credit_note_id < s.bill_id))))
             ORDER BY s.bill_id LIMIT $2",
                    $lock
                )
            };
        }
        Ok(match &mut self.inner {
            crate::TxInner::Sqlite(c) => {
                sqlx::query_as::<_, QueuedDocument>(to_batch!(""))
                    .bind(market)
                    .bind(limit)
                    .fetch_all(&mut **c)
                    .await?
            }
            crate::TxInner::Postgres(c) => {
                sqlx::query_as::<_, QueuedDocument>(to_batch!(" FOR UPDATE OF s SKIP LOCKED"))
                    .bind(market)
                    .bind(limit)
                    .fetch_all(&mut **c)
                    .await?
            }
        })
    }

    /// A new batch of `market`, due at once; returns its id.
    pub async fn insert_einvoice_batch(
        &mut self,
        market: &str,
        authority: &str,
        request_id: &str,
        now: &str,
    ) -> Result<i64> {
        Ok(on_tx!(self, c => {
            sqlx::query_scalar(
                "INSERT INTO einvoice_batches (market, authority, request_id, state, created_at, next_attempt_at)
                 VALUES ($1, $2, $3, 'sending', $4, $4) RETURNING id",
            )
            .bind(market)
            .bind(authority)
            .bind(request_id)
            .bind(now)
            .fetch_one(c)
            .await?
        }))
    }

    /// Puts a queued document in a batch with the XML it is sent as.
    pub async fn add_to_einvoice_batch(
        &mut self,
        batch_id: i64,
        bill_id: i64,
        index: i64,
        operation: &str,
        document: &str,
    ) -> Result<()> {
        let affected = on_tx!(self, c => {
            sqlx::query(
                "UPDATE einvoice_submissions SET batch_id = $1, batch_index = $2, operation = $3, document = $4
                 WHERE bill_id = $5 AND state = 'queued' AND batch_id IS NULL",
            )
            .bind(batch_id)
            .bind(index)
            .bind(operation)
            .bind(document)
            .bind(bill_id)
            .execute(c)
            .await?
            .rows_affected()
        });
        if affected != 1 {
            return Err(StoreError::Conflict(format!(
                "document {bill_id} was put in a batch by another worker"
            )));
        }
        Ok(())
    }

    /// A document that cannot be written as the authority takes it: aborted
    /// here, with why, without being sent.
    pub async fn einvoice_refused(&mut self, bill_id: i64, reason: &str, now: &str) -> Result<()> {
        on_tx!(self, c => {
            sqlx::query(
                "UPDATE einvoice_submissions SET state = 'aborted', last_error = $1, done_at = $2
                 WHERE bill_id = $3 AND state = 'queued'",
            )
            .bind(reason)
            .bind(now)
            .bind(bill_id)
            .execute(c)
            .await?;
        });
        Ok(())
    }

    /// Claims the next batch of `market` due at `now` for a lease: one to
    /// send (`sending`) or to poll (`sent`). `None` when none is due or
    /// another worker holds it.
    pub async fn claim_einvoice_batch(
        &mut self,
        market: &str,
        now: &str,
        lease_until: &str,
    ) -> Result<Option<BatchRow>> {
        let candidates: Vec<i64> = on_tx!(self, c => {
            sqlx::query_scalar(
                "SELECT id FROM einvoice_batches
                 WHERE market = $1 AND state IN ('sending', 'sent') AND next_attempt_at <= $2
                   AND (lease_until IS NULL OR lease_until < $2)
                 ORDER BY next_attempt_at, id LIMIT 5",
            )
            .bind(market)
            .bind(now)
            .fetch_all(c)
            .await?
        });
        for id in candidates {
            // Only one worker's update finds the lease free.
            let claimed: Option<BatchRow> = on_tx!(self, c => {
                sqlx::query_as::<_, BatchRow>(
                    "UPDATE einvoice_batches SET lease_until = $1
                     WHERE id = $2 AND (lease_until IS NULL OR lease_until < $3)
                     RETURNING id, market, authority, request_id, state, transaction_id, created_at,
                               first_sent_at, attempts, next_attempt_at, lease_until, last_error",
                )
                .bind(lease_until)
                .bind(id)
                .bind(now)
                .fetch_optional(c)
                .await?
            });
            if claimed.is_some() {
                return Ok(claimed);
            }
        }
        Ok(None)
    }

    /// The documents of a batch in index order.
    pub async fn einvoice_batch_documents(&mut self, batch_id: i64) -> Result<Vec<BatchDocument>> {
        Ok(on_tx!(self, c => {
            sqlx::query_as::<_, BatchDocument>(
                "SELECT s.bill_id, b.number, s.batch_index, s.operation, s.document, s.state
                 FROM einvoice_submissions s JOIN bills b ON b.id = s.bill_id
                 WHERE s.batch_id = $1 AND s.document IS NOT NULL AND s.operation IS NOT NULL
                   AND s.batch_index IS NOT NULL
                 ORDER BY s.batch_index",
            )
            .bind(batch_id)
            .fetch_all(c)
            .await?
        }))
    }

    /// A batch the authority took: its transaction id, polled from
    /// `next_poll_at`.
    pub async fn einvoice_batch_sent(
        &mut self,
        batch_id: i64,
        transaction_id: &str,
        now: &str,
        next_poll_at: &str,
    ) -> Result<()> {
        on_tx!(self, c => {
            sqlx::query(
                "UPDATE einvoice_batches SET state = 'sent', transaction_id = $1,
                     first_sent_at = COALESCE(first_sent_at, $2), attempts = attempts + 1,
                     next_attempt_at = $3, lease_until = NULL, last_error = NULL
                 WHERE id = $4",
            )
            .bind(transaction_id)
            .bind(now)
            .bind(next_poll_at)
            .bind(batch_id)
            .execute(&mut *c)
            .await?;
            sqlx::query("UPDATE einvoice_submissions SET state = 'sent' WHERE batch_id = $1 AND state = 'queued'")
                .bind(batch_id)
                .execute(&mut *c)
                .await?;
        });
        Ok(())
    }

    /// An attempt that got no usable answer: tried again from `next_at`.
    /// `sent_at` is set when the request may have reached the authority.
    pub async fn einvoice_batch_retry(
        &mut self,
        batch_id: i64,
        error: &str,
        sent_at: Option<&str>,
        next_at: &str,
    ) -> Result<()> {
        on_tx!(self, c => {
            sqlx::query(
                "UPDATE einvoice_batches SET attempts = attempts + 1, last_error = $1,
                     first_sent_at = COALESCE(first_sent_at, $2), next_attempt_at = $3, lease_until = NULL
                 WHERE id = $4",
            )
            .bind(error)
            .bind(sent_at)
            .bind(next_at)
            .bind(batch_id)
            .execute(c)
            .await?;
        });
        Ok(())
    }

    /// Notes that the authority already has a batch's request (its id was
    /// used): the attempt that got there is looked for from now on.
    pub async fn einvoice_batch_arrived(
        &mut self,
        batch_id: i64,
        first_sent_at: &str,
    ) -> Result<()> {
        on_tx!(self, c => {
            sqlx::query(
                "UPDATE einvoice_batches SET first_sent_at = COALESCE(first_sent_at, $1) WHERE id = $2",
            )
            .bind(first_sent_at)
            .bind(batch_id)
            .execute(c)
            .await?;
        });
        Ok(())
    }

    /// The authority refused a batch's request outright: every document in
    /// it is aborted with why, and the batch finished.
    pub async fn einvoice_batch_refused(
        &mut self,
        batch_id: i64,
        error: &str,
        now: &str,
    ) -> Result<()> {
        on_tx!(self, c => {
            sqlx::query(
                "UPDATE einvoice_submissions SET state = 'aborted', last_error = $1, done_at = $2
                 WHERE batch_id = $3 AND state IN ('queued', 'sent')",
            )
            .bind(error)
            .bind(now)
            .bind(batch_id)
            .execute(&mut *c)
            .await?;
            sqlx::query(
                "UPDATE einvoice_batches SET state = 'finished', attempts = attempts + 1, last_error = $1,
                     lease_until = NULL WHERE id = $2",
            )
            .bind(error)
            .bind(batch_id)
            .execute(&mut *c)
            .await?;
        });
        Ok(())
    }

    /// The authority's final word on a document: `done` or `aborted`, with
    /// its messages (JSON).
    pub async fn einvoice_finished(
        &mut self,
        bill_id: i64,
        state: &str,
        messages: &str,
        now: &str,
    ) -> Result<()> {
        on_tx!(self, c => {
            sqlx::query(
                "UPDATE einvoice_submissions SET state = $1, messages = $2, done_at = $3
                 WHERE bill_id = $4 AND state IN ('queued', 'sent')",
            )
            .bind(state)
            .bind(messages)
            .bind(now)
            .bind(bill_id)
            .execute(c)
            .await?;
        });
        Ok(())
    }

    /// A polled batch: finished when no document in it waits, else polled
    /// again from `next_poll_at`.
    pub async fn einvoice_batch_polled(
        &mut self,
        batch_id: i64,
        next_poll_at: &str,
        error: Option<&str>,
    ) -> Result<()> {
        on_tx!(self, c => {
            sqlx::query(
                "UPDATE einvoice_batches SET lease_until = NULL, next_attempt_at = $1, last_error = $2,
                     state = CASE WHEN EXISTS (SELECT 1 FROM einvoice_submissions
                                  WHERE batch_id = $3 AND state IN ('queued', 'sent'))
                             THEN state ELSE 'finished' END
                 WHERE id = $3",
            )
            .bind(next_poll_at)
            .bind(error)
            .bind(batch_id)
            .execute(c)
            .await?;
        });
        Ok(())
    }

    /// Puts an aborted document back in the queue (after its data were
    /// mended), to be written and sent anew. `false` if it was not aborted.
    pub async fn requeue_einvoice(&mut self, bill_id: i64) -> Result<bool> {
        Ok(on_tx!(self, c => {
            sqlx::query(
                "UPDATE einvoice_submissions SET state = 'queued', batch_id = NULL, batch_index = NULL,
                     operation = NULL, document = NULL, last_error = NULL, messages = NULL, done_at = NULL,
                     attempts = attempts + 1
                 WHERE bill_id = $1 AND state = 'aborted'",
            )
            .bind(bill_id)
            .execute(c)
            .await?
            .rows_affected()
                == 1
        }))
    }
}
