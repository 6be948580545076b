//! Delivery of the notices outbox (NOT-3) through pluggable channels:
//! e-mail over SMTP, SMS through an HTTP gateway, and post as a print queue.
//!
//! A worker claims a notice for a lease in its own transaction, sends it
//! outside any transaction, and records the outcome in a third. Two workers
//! never hold the same notice; a failed attempt is retried with exponential
//! backoff, and a customer's own channel that cannot be reached (a
//! permanent error, or too many attempts) gives way to post, so no notice is
//! lost. A process that dies after sending but before recording would send
//! again when the lease runs out; every channel therefore carries the
//! notice's stable identity (the e-mail's Message-ID, the gateway's
//! `reference`, the print file's name) for the receiving end to recognise
//! a repeat.

mod print;
mod sms;
mod smtp;

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use jiff::Timestamp;
use tarifa_store::NoticeRow;

pub use print::PrintQueue;
pub use sms::SmsGateway;
pub use smtp::SmtpChannel;

use crate::{App, Ctx, Result};

/// A notice ready to go out, with where to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outgoing {
    pub notice_id: i64,
    pub market: String,
    pub kind: String,
    pub language: String,
    /// The customer's name.
    pub name: String,
    /// E-mail address, phone number or postal address, by channel.
    pub to: String,
    pub subject: String,
    pub text: String,
}

impl Outgoing {
    /// The identity a receiving end can recognise a repeat by.
    pub fn reference(&self) -> String {
        format!("tarifa-notice-{}-{}", self.market, self.notice_id)
    }
}

/// Why an attempt failed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SendError {
    /// Worth trying again later: the server is down, busy or timed out.
    #[error("temporary: {0}")]
    Temporary(String),
    /// This channel will not take it: unknown mailbox, number refused.
    #[error("permanent: {0}")]
    Permanent(String),
}

pub type SendFuture<'a> = Pin<Box<dyn Future<Output = Result<String, SendError>> + Send + 'a>>;

/// A way of reaching customers. `send` returns where the notice went.
pub trait Channel: Send + Sync {
    fn send<'a>(&'a self, notice: &'a Outgoing) -> SendFuture<'a>;
}

/// The channels configured; a notice for a missing one waits in the outbox.
#[derive(Default)]
pub struct Channels {
    pub email: Option<Box<dyn Channel>>,
    pub sms: Option<Box<dyn Channel>>,
    pub post: Option<Box<dyn Channel>>,
}

impl Channels {
    fn get(&self, name: &str) -> Option<&dyn Channel> {
        match name {
            "email" => self.email.as_deref(),
            "sms" => self.sms.as_deref(),
            "post" => self.post.as_deref(),
            _ => None,
        }
    }
}

/// How hard to try.
#[derive(Clone, Copy, Debug)]
pub struct RetryPolicy {
    /// The wait after the first failure; doubled after each further one.
    pub first_wait: Duration,
    pub longest_wait: Duration,
    /// After this many failed attempts on e-mail or SMS, post takes over.
    pub attempts_before_post: i64,
    /// How long a worker holds a notice it is sending.
    pub lease: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            first_wait: Duration::from_secs(60),
            longest_wait: Duration::from_secs(6 * 3600),
            attempts_before_post: 8,
            lease: Duration::from_secs(300),
        }
    }
}

impl RetryPolicy {
    /// The wait after `failures` failed attempts (1 = the first).
    pub fn wait_after(&self, failures: i64) -> Duration {
        let doublings = u32::try_from(failures.saturating_sub(1).clamp(0, 30)).unwrap_or(30);
        self.first_wait
            .saturating_mul(1u32 << doublings.min(20))
            .min(self.longest_wait)
    }
}

/// What one delivery pass did.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct DeliveryReport {
    pub sent: u32,
    /// Failed this time, to be tried again.
    pub retrying: u32,
    /// Moved to post after their own channel failed.
    pub moved_to_post: u32,
    /// Due, but their channel is not configured here.
    pub waiting: u32,
}

pub(crate) fn stamp(t: Timestamp) -> String {
    // Whole seconds in UTC: fixed width, so text order is time order.
    t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

pub(crate) fn later(t: Timestamp, by: Duration) -> Timestamp {
    let by = jiff::SignedDuration::try_from(by).unwrap_or(jiff::SignedDuration::MAX);
    t.checked_add(by).unwrap_or(Timestamp::MAX)
}

impl App {
    /// A market's notices, oldest first, with their delivery state.
    pub async fn notices(&self, market_id: &str) -> Result<Vec<NoticeRow>> {
        let market = self.market(market_id)?.clone();
        let mut tx = self.begin(&Ctx::new("reader")).await?;
        let notices = tx.notices(&market.id).await?;
        tx.rollback().await?;
        Ok(notices)
    }

    /// One pass over the outbox: every notice due now is sent on its
    /// channel, or scheduled again.
    pub async fn deliver_notices(
        &self,
        ctx: &Ctx,
        channels: &Channels,
        policy: &RetryPolicy,
    ) -> Result<DeliveryReport> {
        let mut report = DeliveryReport::default();
        // Bills whose notices are not made yet are not left behind.
        self.make_bill_notices(ctx).await?;
        let now = self.clock().now();
        let mut tx = self.begin(ctx).await?;
        let due = tx.due_notices(&stamp(now), 500).await?;
        tx.commit().await?;
        for notice in due {
            let Some(channel) = channels.get(&notice.channel) else {
                report.waiting += 1;
                continue;
            };
            let now = self.clock().now();
            let mut tx = self.begin(ctx).await?;
            let claimed = tx
                .claim_notice(notice.id, &stamp(now), &stamp(later(now, policy.lease)))
                .await?;
            let customer = tx.customer(notice.customer_id).await?;
            tx.commit().await?;
            if !claimed {
                continue;
            }
            let outcome = match customer.as_ref().and_then(|c| outgoing(&notice, c)) {
                Some(outgoing) => channel.send(&outgoing).await,
                None => Err(SendError::Permanent(format!(
                    "the customer has no {} on file",
                    what(&notice.channel)
                ))),
            };
            let now = self.clock().now();
            let mut tx = self.begin(ctx).await?;
            match outcome {
                Ok(destination) => {
                    tx.notice_sent(&notice, &stamp(now), &destination).await?;
                    report.sent += 1;
                }
                Err(error) => {
                    let attempts = notice.attempts + 1;
                    let give_up = matches!(error, SendError::Permanent(_))
                        || attempts >= policy.attempts_before_post;
                    if give_up && notice.channel != "post" {
                        // The customer's own channel failed: the letter always reaches the address on file.
                        tx.notice_failed(&notice, "post", &stamp(now), &error.to_string(), 0)
                            .await?;
                        report.moved_to_post += 1;
                    } else {
                        let next = later(now, policy.wait_after(attempts));
                        tx.notice_failed(
                            &notice,
                            &notice.channel,
                            &stamp(next),
                            &error.to_string(),
                            attempts,
                        )
                        .await?;
                        report.retrying += 1;
                    }
                    tracing::warn!(notice = notice.id, channel = %notice.channel, %error, "notice not delivered");
                }
            }
            tx.commit().await?;
        }
        Ok(report)
    }
}

fn what(channel: &str) -> &'static str {
    match channel {
        "email" => "e-mail address",
        "sms" => "phone number",
        _ => "postal address",
    }
}

/// The notice addressed for its channel, if the customer has that address.
fn outgoing(notice: &NoticeRow, customer: &tarifa_store::CustomerRow) -> Option<Outgoing> {
    let to = match notice.channel.as_str() {
        "email" => customer.email.clone(),
        "sms" => customer.phone.clone(),
        _ => customer.address.clone(),
    }
    .filter(|to| !to.trim().is_empty())?;
    Some(Outgoing {
        notice_id: notice.id,
        market: notice.market.clone(),
        kind: notice.kind.clone(),
        language: notice.language.clone(),
        name: customer.name.clone(),
        to,
        subject: notice.subject.clone(),
        text: notice.text.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_the_longest_wait() {
        let policy = RetryPolicy::default();
        assert_eq!(policy.wait_after(1), Duration::from_secs(60));
        assert_eq!(policy.wait_after(2), Duration::from_secs(120));
        assert_eq!(policy.wait_after(4), Duration::from_secs(480));
        assert_eq!(policy.wait_after(40), Duration::from_secs(6 * 3600));
    }

    #[test]
    fn stamps_order_like_time() {
        let a: Timestamp = "2026-03-01T09:05:00Z".parse().expect("ts");
        let b = later(a, Duration::from_secs(3600 * 30));
        assert!(stamp(a) < stamp(b));
        assert_eq!(stamp(a), "2026-03-01T09:05:00Z");
    }
}
