//! The outbox of notices (NOT-3) and the state of their delivery.

use crate::{BillNoticeDue, NoticeRow, Result, Tx, TxInner, on_tx};

/// The columns a new notice is written with (VALUES follow).
pub(crate) const INSERT_NOTICES: &str = "INSERT INTO notices (market, customer_id, contract_id, on_date, kind, channel, \
rules, text, language, subject) ";

/// Takes bills from `bill_notices_due` (SQLite; PostgreSQL skips bills
/// another transaction took), shared with the lean path.
pub(crate) const TAKE_BILL_NOTICES_DUE: &str = "DELETE FROM bill_notices_due WHERE bill_id IN
   (SELECT bill_id FROM bill_notices_due ORDER BY bill_id LIMIT $1) RETURNING bill_id";
const TAKE_BILL_NOTICES_DUE_PG: &str = "DELETE FROM bill_notices_due WHERE bill_id IN
   (SELECT bill_id FROM bill_notices_due ORDER BY bill_id LIMIT $1 FOR UPDATE SKIP LOCKED) RETURNING bill_id";
/// The columns of a [`BillNoticeDue`], read from `bills`.
pub(crate) const BILL_NOTICE_COLUMNS: &str = "id AS bill_id, market, number, customer_id, period_from, \
period_to, issued_on, due_on, total_due_minor, kind, total_minor";

impl Tx {
    /// Takes up to `limit` of the bills whose notice is still to be made,
    /// oldest first: they leave `bill_notices_due` in this transaction, so
    /// the notices written in it are made exactly once. On PostgreSQL, bills
    /// another transaction has taken are skipped, not waited for.
    pub async fn take_bill_notices_due(&mut self, limit: i64) -> Result<Vec<BillNoticeDue>> {
        let take = match &self.inner {
            TxInner::Sqlite(_) => TAKE_BILL_NOTICES_DUE,
            TxInner::Postgres(_) => TAKE_BILL_NOTICES_DUE_PG,
        };
        let mut ids: Vec<i64> = on_tx!(self, c => {
            sqlx::query_scalar(take).bind(limit).fetch_all(c).await?
        });
        ids.sort_unstable();
        self.bill_notices_of(&ids).await
    }

    /// Takes bill `number` from `bill_notices_due`, if it is there: for a
    /// bill issued on its own (TRM-3), whose notice is made with it.
    pub async fn take_bill_notice_due(&mut self, number: &str) -> Result<Option<BillNoticeDue>> {
        let ids: Vec<i64> = on_tx!(self, c => {
            sqlx::query_scalar(
                "DELETE FROM bill_notices_due WHERE bill_id IN (SELECT id FROM bills WHERE number = $1)
                 RETURNING bill_id",
            )
            .bind(number)
            .fetch_all(c)
            .await?
        });
        Ok(self.bill_notices_of(&ids).await?.pop())
    }

    /// What the notices of these bills say, by id.
    async fn bill_notices_of(&mut self, ids: &[i64]) -> Result<Vec<BillNoticeDue>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        Ok(on_tx!(self, c => {
            let mut query =
                sqlx::QueryBuilder::new(format!("SELECT {BILL_NOTICE_COLUMNS} FROM bills WHERE id IN ("));
            let mut list = query.separated(", ");
            for id in ids {
                list.push_bind(*id);
            }
            query.push(") ORDER BY id");
            query.build_query_as::<BillNoticeDue>().fetch_all(c).await?
        }))
    }

    /// Puts a notice in the outbox; returns its id.
    pub async fn insert_notice(&mut self, notice: &NoticeRow) -> Result<i64> {
        Ok(on_tx!(self, c => {
            sqlx::query_scalar(
                "INSERT INTO notices (market, customer_id, contract_id, on_date, kind, channel, rules, text, language, subject)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
            )
            .bind(&notice.market)
            .bind(notice.customer_id)
            .bind(notice.contract_id)
            .bind(&notice.on_date)
            .bind(&notice.kind)
            .bind(&notice.channel)
            .bind(&notice.rules)
            .bind(&notice.text)
            .bind(&notice.language)
            .bind(&notice.subject)
            .fetch_one(c)
            .await?
        }))
    }

    /// Stores many notices in multi-row statements (a bill run's letters).
    pub async fn insert_notices(&mut self, notices: &[NoticeRow]) -> Result<()> {
        for chunk in notices.chunks(3_000) {
            on_tx!(self, c => {
                let mut query = sqlx::QueryBuilder::new(INSERT_NOTICES);
                query.push_values(chunk, |mut q, n| {
                    q.push_bind(&n.market)
                        .push_bind(n.customer_id)
                        .push_bind(n.contract_id)
                        .push_bind(&n.on_date)
                        .push_bind(&n.kind)
                        .push_bind(&n.channel)
                        .push_bind(&n.rules)
                        .push_bind(&n.text)
                        .push_bind(&n.language)
                        .push_bind(&n.subject);
                });
                query.build().execute(c).await?;
            });
        }
        Ok(())
    }

    /// A market's notices, oldest first.
    pub async fn notices(&mut self, market: &str) -> Result<Vec<NoticeRow>> {
        Ok(on_tx!(self, c => {
            sqlx::query_as::<_, NoticeRow>("SELECT * FROM notices WHERE market = $1 ORDER BY id")
                .bind(market)
                .fetch_all(c)
                .await?
        }))
    }

    /// Unsent notices whose next attempt is due at `now` (timestamps as
    /// RFC 3339 UTC text, which orders like time) and that no worker holds.
    pub async fn due_notices(&mut self, now: &str, limit: i64) -> Result<Vec<NoticeRow>> {
        Ok(on_tx!(self, c => {
            sqlx::query_as::<_, NoticeRow>(
                "SELECT * FROM notices WHERE sent_at IS NULL
                 AND (next_attempt_at IS NULL OR next_attempt_at <= $1)
                 AND (claimed_until IS NULL OR claimed_until <= $1)
                 ORDER BY id LIMIT $2",
            )
            .bind(now)
            .bind(limit)
            .fetch_all(c)
            .await?
        }))
    }

    /// Takes a notice for sending until `until`; false when another worker
    /// holds it or it was sent meanwhile.
    pub async fn claim_notice(&mut self, id: i64, now: &str, until: &str) -> Result<bool> {
        let affected = on_tx!(self, c => {
            sqlx::query(
                "UPDATE notices SET claimed_until = $1 WHERE id = $2 AND sent_at IS NULL
                 AND (claimed_until IS NULL OR claimed_until <= $3)",
            )
            .bind(until)
            .bind(id)
            .bind(now)
            .execute(c)
            .await?
            .rows_affected()
        });
        Ok(affected == 1)
    }

    /// The notice went out.
    pub async fn notice_sent(
        &mut self,
        notice: &NoticeRow,
        at: &str,
        destination: &str,
    ) -> Result<()> {
        on_tx!(self, c => {
            sqlx::query(
                "UPDATE notices SET sent_at = $1, destination = $2, attempts = attempts + 1,
                 claimed_until = NULL, last_error = NULL WHERE id = $3",
            )
            .bind(at)
            .bind(destination)
            .bind(notice.id)
            .execute(c)
            .await?;
        });
        let detail = serde_json::json!({ "channel": notice.channel, "destination": destination, "sent_at": at });
        self.audit(
            None,
            "notice_sent",
            "notice",
            &notice.id.to_string(),
            &detail,
        )
        .await
    }

    /// An attempt failed: try again at `next_attempt_at` on `channel` (the
    /// same, or post when the customer's own channel cannot be reached).
    pub async fn notice_failed(
        &mut self,
        notice: &NoticeRow,
        channel: &str,
        next_attempt_at: &str,
        error: &str,
        attempts: i64,
    ) -> Result<()> {
        on_tx!(self, c => {
            sqlx::query(
                "UPDATE notices SET channel = $1, next_attempt_at = $2, last_error = $3, attempts = $4,
                 claimed_until = NULL WHERE id = $5",
            )
            .bind(channel)
            .bind(next_attempt_at)
            .bind(error)
            .bind(attempts)
            .bind(notice.id)
            .execute(c)
            .await?;
        });
        let detail = serde_json::json!({
            "channel": notice.channel, "next_channel": channel, "error": error,
            "attempts": attempts, "next_attempt_at": next_attempt_at,
        });
        self.audit(
            None,
            "notice_failed",
            "notice",
            &notice.id.to_string(),
            &detail,
        )
        .await
    }

    pub async fn notice(&mut self, id: i64) -> Result<Option<NoticeRow>> {
        Ok(on_tx!(self, c => {
            sqlx::query_as::<_, NoticeRow>("SELECT * FROM notices WHERE id = $1")
                .bind(id)
                .fetch_optional(c)
                .await?
        }))
    }
}
