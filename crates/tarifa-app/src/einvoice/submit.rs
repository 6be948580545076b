//! Reporting the queue to NAV Online Számla: documents are gathered into
//! batches of at most 100, each batch is sent once with `manageInvoice`
//! under a request id fixed when it was formed, and its transaction is
//! polled with `queryTransactionStatus` until every document in it is
//! `DONE` or `ABORTED`.
//!
//! Exactly once, across crashes and lost answers:
//! - every step is its own transaction, and a batch is claimed for a lease
//!   before it is sent, so two workers never send the same batch;
//! - a batch whose answer was lost (a timeout, a dead worker) is sent again
//!   with the same request id. If the first attempt arrived, the authority
//!   refuses the repeat (`REQUEST_ID_NOT_UNIQUE`) and nothing is reported
//!   twice; the worker then finds the transaction of the first attempt among
//!   those received since (`queryTransactionList`), by the documents it
//!   carried (`returnOriginalRequest`), and polls it.
//! - a refusal of the request itself (it broke the schema) aborts its
//!   documents with the authority's messages; a refusal of the user or the
//!   service being down is retried with growing waits, as is a network error.

use std::time::Duration;

use jiff::Timestamp;
use tarifa_core::market::{Authority, Market};
use tarifa_einvoice::nav_api::{
    self, BATCH_LIMIT, Header, InvoiceOperation, InvoiceStatus, Operation, Software,
};
use tarifa_store::{BatchDocument, BatchRow};

use super::nav_client::{NavClient, NoAnswer, Reply};
use crate::delivery::{RetryPolicy, later, stamp};
use crate::{App, AppError, Ctx, Result};

/// How the worker paces itself.
#[derive(Clone, Copy, Debug)]
pub struct SubmitPolicy {
    /// Waits after failed sends (doubling), and the lease on a batch.
    pub retry: RetryPolicy,
    /// The wait between polls of a transaction still being processed.
    pub poll_wait: Duration,
    /// How far back to look for a transaction whose answer was lost.
    pub look_back: Duration,
}

impl Default for SubmitPolicy {
    fn default() -> Self {
        Self {
            retry: RetryPolicy {
                first_wait: Duration::from_secs(30),
                longest_wait: Duration::from_secs(3600),
                attempts_before_post: i64::MAX,
                lease: Duration::from_secs(300),
            },
            poll_wait: Duration::from_secs(10),
            look_back: Duration::from_secs(600),
        }
    }
}

/// What one pass did (passes add up with `+=`).
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct SubmitReport {
    /// Batches formed, and the documents put in them.
    pub batches: u32,
    pub documents: u32,
    /// Batches the authority took (a transaction id known).
    pub sent: u32,
    /// Documents the authority finished: done, or aborted.
    pub done: u32,
    pub aborted: u32,
    /// Sends or polls that failed and wait for another attempt.
    pub retrying: u32,
    /// Documents refused here, before sending (their data cannot be written).
    pub refused: u32,
}

impl std::ops::AddAssign for SubmitReport {
    fn add_assign(&mut self, other: Self) {
        self.batches += other.batches;
        self.documents += other.documents;
        self.sent += other.sent;
        self.done += other.done;
        self.aborted += other.aborted;
        self.retrying += other.retrying;
        self.refused += other.refused;
    }
}

impl App {
    /// One pass for `market`: new batches formed from the queue, every batch
    /// due sent or polled once.
    pub async fn submit_einvoices(
        &self,
        ctx: &Ctx,
        market_id: &str,
        client: &NavClient,
        policy: &SubmitPolicy,
    ) -> Result<SubmitReport> {
        let market = self.market(market_id)?.clone();
        let software = software(&market)?;
        let mut report = SubmitReport::default();
        self.form_batches(ctx, &market, &mut report).await?;
        loop {
            let now = self.clock().now();
            let mut tx = self.begin(ctx).await?;
            let claimed = tx
                .claim_einvoice_batch(
                    &market.id,
                    &stamp(now),
                    &stamp(later(now, policy.retry.lease)),
                )
                .await?;
            tx.commit().await?;
            let Some(batch) = claimed else { break };
            if batch.state == "sent" {
                self.poll(ctx, &batch, client, &software, policy, &mut report)
                    .await?;
            } else {
                self.send(ctx, &batch, client, &software, policy, &mut report)
                    .await?;
            }
        }
        Ok(report)
    }

    /// Whether `market` has documents the authority has not finished.
    pub async fn einvoices_pending(&self, ctx: &Ctx, market_id: &str) -> Result<bool> {
        let mut tx = self.begin_read(ctx).await?;
        // One row looked for, not the market's whole queue: the CLI asks
        // after every pass.
        let pending = tx.einvoices_pending(market_id).await?;
        tx.rollback().await?;
        Ok(pending)
    }

    /// Batches of the queue's documents, each document written as it will
    /// be sent.
    async fn form_batches(
        &self,
        ctx: &Ctx,
        market: &Market,
        report: &mut SubmitReport,
    ) -> Result<()> {
        let limit = i64::try_from(BATCH_LIMIT).unwrap_or(100);
        loop {
            let now = self.clock().now();
            let mut tx = self.begin(ctx).await?;
            let queued = tx.einvoices_to_batch(&market.id, limit).await?;
            if queued.is_empty() {
                tx.rollback().await?;
                return Ok(());
            }
            let batch = tx
                .insert_einvoice_batch(
                    &market.id,
                    Authority::Nav.as_str(),
                    &request_id(now),
                    &stamp(now),
                )
                .await?;
            let mut index = 0;
            for doc in &queued {
                let bill = tx
                    .bill_by_number(&doc.number)
                    .await?
                    .ok_or_else(|| AppError::not_found("bill", doc.number.clone()))?;
                let written = match super::nav_document(&mut tx, market, &bill).await {
                    Ok(document) => tarifa_einvoice::nav::invoice_data(&document)
                        .map_err(|e| AppError::invalid("bill", format!("{}: {e}", bill.number))),
                    Err(e) => Err(e),
                };
                match written {
                    Ok(xml) => {
                        index += 1;
                        let operation = if doc.corrects.is_some() {
                            Operation::Modify
                        } else {
                            Operation::Create
                        };
                        tx.add_to_einvoice_batch(
                            batch,
                            doc.bill_id,
                            index,
                            operation.as_str(),
                            &xml,
                        )
                        .await?;
                    }
                    Err(e) => {
                        // Sending what cannot be written right would only
                        // be refused: it waits, aborted, for its data.
                        tx.einvoice_refused(doc.bill_id, &e.to_string(), &stamp(now))
                            .await?;
                        report.refused += 1;
                        tracing::warn!(bill = %doc.number, error = %e, "not reportable");
                    }
                }
            }
            if index == 0 {
                tx.einvoice_batch_refused(
                    batch,
                    "no document of the batch could be written",
                    &stamp(now),
                )
                .await?;
            } else {
                report.batches += 1;
                report.documents += u32::try_from(index).unwrap_or(u32::MAX);
            }
            tx.commit().await?;
        }
    }

    async fn send(
        &self,
        ctx: &Ctx,
        batch: &BatchRow,
        client: &NavClient,
        software: &Software,
        policy: &SubmitPolicy,
        report: &mut SubmitReport,
    ) -> Result<()> {
        let mut tx = self.begin_read(ctx).await?;
        let documents = tx.einvoice_batch_documents(batch.id).await?;
        tx.rollback().await?;
        let operations = operations(&documents)?;
        let outcome = self
            .send_batch(batch, &operations, client, software, policy)
            .await;
        let now = self.clock().now();
        let mut tx = self.begin(ctx).await?;
        match outcome {
            Sent::Transaction(id) => {
                tx.einvoice_batch_sent(
                    batch.id,
                    &id,
                    &stamp(now),
                    &stamp(later(now, policy.poll_wait)),
                )
                .await?;
                report.sent += 1;
            }
            Sent::Refused(why) => {
                tx.einvoice_batch_refused(batch.id, &why, &stamp(now))
                    .await?;
                report.aborted += u32::try_from(documents.len()).unwrap_or(u32::MAX);
                tracing::warn!(request = %batch.request_id, error = %why, "batch refused");
            }
            Sent::Retry {
                error,
                maybe_arrived,
            } => {
                let wait = policy.retry.wait_after(batch.attempts + 1);
                let sent_at = maybe_arrived.then(|| stamp(now));
                tx.einvoice_batch_retry(
                    batch.id,
                    &error,
                    sent_at.as_deref(),
                    &stamp(later(now, wait)),
                )
                .await?;
                report.retrying += 1;
                tracing::warn!(request = %batch.request_id, %error, "batch not sent; tried again later");
            }
        }
        tx.commit().await?;
        Ok(())
    }

    /// `tokenExchange`, then `manageInvoice` under the batch's request id.
    async fn send_batch(
        &self,
        batch: &BatchRow,
        operations: &[InvoiceOperation],
        client: &NavClient,
        software: &Software,
        policy: &SubmitPolicy,
    ) -> Sent {
        let credentials = &client.credentials;
        let header = self.fresh_header();
        let token = match client
            .call(
                "tokenExchange",
                nav_api::token_exchange(&header, credentials, software),
            )
            .await
        {
            Ok(Reply::Answer(root)) => match nav_api::encoded_token(&root)
                .and_then(|t| nav_api::decode_token(t, &credentials.exchange_key))
            {
                Ok(token) => token,
                Err(e) => return Sent::retry(format!("tokenExchange: {e}"), false),
            },
            Ok(Reply::Refused(refusal)) => {
                return Sent::retry(format!("tokenExchange: {refusal}"), false);
            }
            Err(NoAnswer::Unknown(e)) => return Sent::retry(e, false),
        };
        let header = Header {
            request_id: batch.request_id.clone(),
            timestamp: self.clock().now(),
        };
        let xml = nav_api::manage_invoice(&header, credentials, software, &token, operations);
        match client.call("manageInvoice", xml).await {
            Ok(Reply::Answer(root)) => match nav_api::transaction_id(&root) {
                Ok(id) => Sent::Transaction(id.to_owned()),
                Err(e) => Sent::retry(format!("manageInvoice: {e}"), true),
            },
            Ok(Reply::Refused(refusal)) if refusal.is_repeated_request() => {
                // An earlier attempt arrived: find its transaction.
                match self
                    .find_transaction(batch, operations, client, software, policy)
                    .await
                {
                    Ok(Some(id)) => Sent::Transaction(id),
                    Ok(None) => Sent::retry(
                        "the authority has this batch's request but does not list its transaction yet"
                            .into(),
                        true,
                    ),
                    Err(e) => Sent::retry(e, true),
                }
            }
            Ok(Reply::Refused(refusal))
                if refusal.technical.is_empty() || refusal.is_temporary() =>
            {
                // The user, the token or the service: not the documents.
                Sent::retry(format!("manageInvoice: {refusal}"), false)
            }
            Ok(Reply::Refused(refusal)) => Sent::Refused(format!("manageInvoice: {refusal}")),
            Err(NoAnswer::Unknown(e)) => Sent::retry(e, true),
        }
    }

    /// The transaction an earlier attempt of `batch` created: among those
    /// received since it was first sent, the one of this user carrying these
    /// documents.
    async fn find_transaction(
        &self,
        batch: &BatchRow,
        operations: &[InvoiceOperation],
        client: &NavClient,
        software: &Software,
        policy: &SubmitPolicy,
    ) -> std::result::Result<Option<String>, String> {
        let now = self.clock().now();
        let since = batch
            .first_sent_at
            .as_deref()
            .unwrap_or(&batch.created_at)
            .parse::<Timestamp>()
            .map_err(|e| format!("the batch's first send: {e}"))?;
        let back = jiff::SignedDuration::try_from(policy.look_back).unwrap_or_default();
        let from = since.checked_sub(back).unwrap_or(since);
        let to = now
            .checked_add(jiff::SignedDuration::from_secs(60))
            .unwrap_or(now);
        let credentials = &client.credentials;
        let mut page = 1;
        loop {
            let header = self.fresh_header();
            let xml =
                nav_api::query_transaction_list(&header, credentials, software, page, from, to);
            let root = match client.call("queryTransactionList", xml).await {
                Ok(Reply::Answer(root)) => root,
                Ok(Reply::Refused(r)) => return Err(format!("queryTransactionList: {r}")),
                Err(NoAnswer::Unknown(e)) => return Err(e),
            };
            let (transactions, pages) =
                nav_api::transactions(&root).map_err(|e| format!("queryTransactionList: {e}"))?;
            for t in transactions {
                if t.user != credentials.login
                    || usize::try_from(t.item_count).ok() != Some(operations.len())
                {
                    continue;
                }
                let results = self
                    .query_status(client, software, &t.transaction_id, true)
                    .await?;
                let carries_ours = operations.iter().all(|op| {
                    results.iter().any(|r| {
                        r.index == op.index && r.original.as_deref() == Some(&op.invoice_data)
                    })
                });
                if carries_ours {
                    return Ok(Some(t.transaction_id));
                }
            }
            if page >= pages {
                return Ok(None);
            }
            page += 1;
        }
    }

    async fn query_status(
        &self,
        client: &NavClient,
        software: &Software,
        transaction_id: &str,
        original: bool,
    ) -> std::result::Result<Vec<nav_api::ProcessingResult>, String> {
        let header = self.fresh_header();
        let xml = nav_api::query_transaction_status(
            &header,
            &client.credentials,
            software,
            transaction_id,
            original,
        );
        match client.call("queryTransactionStatus", xml).await {
            Ok(Reply::Answer(root)) => nav_api::processing_results(&root)
                .map_err(|e| format!("queryTransactionStatus: {e}")),
            Ok(Reply::Refused(r)) => Err(format!("queryTransactionStatus: {r}")),
            Err(NoAnswer::Unknown(e)) => Err(e),
        }
    }

    /// A header under a request id of its own, at the clock's now.
    fn fresh_header(&self) -> Header {
        let now = self.clock().now();
        Header {
            request_id: request_id(now),
            timestamp: now,
        }
    }

    /// Polls a batch's transaction; records each document the authority
    /// finished.
    async fn poll(
        &self,
        ctx: &Ctx,
        batch: &BatchRow,
        client: &NavClient,
        software: &Software,
        policy: &SubmitPolicy,
        report: &mut SubmitReport,
    ) -> Result<()> {
        let Some(transaction) = &batch.transaction_id else {
            return Ok(());
        };
        let outcome = self
            .query_status(client, software, transaction, false)
            .await;
        let mut tx = self.begin_read(ctx).await?;
        let documents = tx.einvoice_batch_documents(batch.id).await?;
        tx.rollback().await?;
        let now = self.clock().now();
        let mut tx = self.begin(ctx).await?;
        let error = match outcome {
            Ok(results) => {
                for result in results.iter().filter(|r| r.status.is_final()) {
                    let Some(doc) = documents
                        .iter()
                        .find(|d| d.batch_index == i64::from(result.index) && d.state == "sent")
                    else {
                        continue;
                    };
                    let state = if result.status == InvoiceStatus::Done {
                        report.done += 1;
                        "done"
                    } else {
                        report.aborted += 1;
                        tracing::warn!(bill = %doc.number, "NAV aborted the document");
                        "aborted"
                    };
                    let messages = serde_json::to_string(&result.messages).unwrap_or_default();
                    tx.einvoice_finished(doc.bill_id, state, &messages, &stamp(now))
                        .await?;
                }
                None
            }
            Err(e) => {
                report.retrying += 1;
                Some(e)
            }
        };
        let wait = if error.is_some() {
            policy.retry.first_wait
        } else {
            policy.poll_wait
        };
        tx.einvoice_batch_polled(batch.id, &stamp(later(now, wait)), error.as_deref())
            .await?;
        tx.commit().await?;
        Ok(())
    }
}

/// What a send came to.
enum Sent {
    Transaction(String),
    /// The request was refused for what it carried.
    Refused(String),
    /// To be tried again; `maybe_arrived` when the request may have reached
    /// the authority.
    Retry {
        error: String,
        maybe_arrived: bool,
    },
}

impl Sent {
    fn retry(error: String, maybe_arrived: bool) -> Self {
        Self::Retry {
            error,
            maybe_arrived,
        }
    }
}

fn operations(documents: &[BatchDocument]) -> Result<Vec<InvoiceOperation>> {
    documents
        .iter()
        .map(|d| {
            Ok(InvoiceOperation {
                index: u32::try_from(d.batch_index)
                    .map_err(|_| AppError::Conflict(format!("batch index {}", d.batch_index)))?,
                operation: Operation::parse(&d.operation).ok_or_else(|| {
                    AppError::Conflict(format!("{}: operation {:?}", d.number, d.operation))
                })?,
                invoice_data: d.document.clone(),
            })
        })
        .collect()
}

/// The software block of every request, from the market file.
fn software(market: &Market) -> Result<Software> {
    let e = market.einvoice.as_ref().ok_or_else(|| {
        AppError::invalid(
            "market",
            format!("market {} reports its bills to no tax authority", market.id),
        )
    })?;
    Ok(Software {
        id: e.software_id.clone(),
        name: e.software_name.clone(),
        version: e.software_version.clone(),
        developer_name: e.developer_name.clone(),
        developer_contact: e.developer_contact.clone(),
        developer_country: e.developer_country.clone(),
        developer_tax_number: e.developer_tax_number.clone(),
    })
}

/// A request id never used before: `TRF`, the UTC second, and 8 random
/// characters (NAV: 1 to 30 of `[+a-zA-Z0-9_]`, unique per taxpayer).
fn request_id(now: Timestamp) -> String {
    let mut random = [0u8; 5];
    // Without randomness the time and a counter still tell requests apart.
    if getrandom::fill(&mut random).is_err() {
        static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        random[..5].copy_from_slice(&n.to_le_bytes()[..5]);
    }
    const ALPHABET: &[u8; 32] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let bits = random
        .iter()
        .fold(0u64, |acc, b| (acc << 8) | u64::from(*b));
    let tail: String = (0..8)
        .map(|i| char::from(ALPHABET[usize::try_from((bits >> (i * 5)) & 31).unwrap_or(0)]))
        .collect();
    format!("TRF{}{tail}", now.strftime("%Y%m%d%H%M%S"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_ids_fit_nav_and_differ() {
        let now: Timestamp = "2026-12-08T05:00:00Z".parse().expect("ts");
        let a = request_id(now);
        let b = request_id(now);
        assert_ne!(a, b);
        assert!(a.len() <= 30);
        assert!(a.chars().all(|c| c.is_ascii_alphanumeric()));
        assert!(a.starts_with("TRF20261208050000"));
    }
}
