//! TMF event hubs: listeners and the events queued for them.

use crate::{HubEventRow, HubSubscriptionRow, Result, Tx, on_tx};

impl Tx {
    pub async fn insert_subscription(&mut self, row: &HubSubscriptionRow) -> Result<i64> {
        let id: i64 = on_tx!(self, c => {
            sqlx::query_scalar(
                "INSERT INTO hub_subscriptions (api, callback, query, created_at, from_audit_id, owner_token_id, secret)
                 VALUES ($1, $2, $3, $4, (SELECT COALESCE(MAX(id), 0) FROM audit_events), $5, $6) RETURNING id",
            )
            .bind(&row.api)
            .bind(&row.callback)
            .bind(&row.query)
            .bind(&row.created_at)
            .bind(row.owner_token_id)
            .bind(&row.secret)
            .fetch_one(c)
            .await?
        });
        self.audit(
            None,
            "create",
            "hub_subscription",
            &id.to_string(),
            &serde_json::json!({ "api": row.api, "callback": row.callback, "query": row.query, "owner_token_id": row.owner_token_id }),
        )
        .await?;
        Ok(id)
    }

    /// A live listener of `api`.
    pub async fn subscription(&mut self, api: &str, id: i64) -> Result<Option<HubSubscriptionRow>> {
        Ok(on_tx!(self, c => {
            sqlx::query_as::<_, HubSubscriptionRow>(
                "SELECT * FROM hub_subscriptions WHERE id = $1 AND api = $2 AND deleted_at IS NULL",
            )
            .bind(id)
            .bind(api)
            .fetch_optional(c)
            .await?
        }))
    }

    /// Stops a listener; events not yet delivered to it are dropped.
    pub async fn delete_subscription(&mut self, id: i64, at: &str) -> Result<()> {
        on_tx!(self, c => {
            sqlx::query("UPDATE hub_subscriptions SET deleted_at = $1 WHERE id = $2")
                .bind(at)
                .bind(id)
                .execute(&mut *c)
                .await?;
            sqlx::query("UPDATE hub_events SET given_up_at = $1, last_error = 'the listener was deleted' WHERE subscription_id = $2 AND delivered_at IS NULL AND given_up_at IS NULL")
                .bind(at)
                .bind(id)
                .execute(&mut *c)
                .await?;
        });
        self.audit(
            None,
            "delete",
            "hub_subscription",
            &id.to_string(),
            &serde_json::json!({}),
        )
        .await
    }

    /// The live listeners of an API.
    pub async fn subscriptions(&mut self, api: &str) -> Result<Vec<HubSubscriptionRow>> {
        Ok(on_tx!(self, c => {
            sqlx::query_as::<_, HubSubscriptionRow>(
                "SELECT * FROM hub_subscriptions WHERE api = $1 AND deleted_at IS NULL ORDER BY id",
            )
            .bind(api)
            .fetch_all(c)
            .await?
        }))
    }

    /// Queues an event for one listener.
    pub async fn insert_hub_event(&mut self, row: &HubEventRow) -> Result<i64> {
        Ok(on_tx!(self, c => {
            sqlx::query_scalar(
                "INSERT INTO hub_events (subscription_id, event_type, payload, created_at, attempts, next_attempt_at) VALUES ($1, $2, $3, $4, 0, $5) RETURNING id",
            )
            .bind(row.subscription_id)
            .bind(&row.event_type)
            .bind(&row.payload)
            .bind(&row.created_at)
            .bind(&row.next_attempt_at)
            .fetch_one(c)
            .await?
        }))
    }

    /// Every live listener, of any API.
    pub async fn all_subscriptions(&mut self) -> Result<Vec<HubSubscriptionRow>> {
        Ok(on_tx!(self, c => {
            sqlx::query_as::<_, HubSubscriptionRow>(
                "SELECT * FROM hub_subscriptions WHERE deleted_at IS NULL ORDER BY id",
            )
            .fetch_all(c)
            .await?
        }))
    }

    /// The last audit event turned into hub events (0 before the first).
    pub async fn hub_cursor(&mut self) -> Result<i64> {
        let cursor: Option<i64> = on_tx!(self, c => {
            sqlx::query_scalar("SELECT audit_id FROM hub_cursor WHERE id = 1")
                .fetch_optional(c)
                .await?
        });
        Ok(cursor.unwrap_or(0))
    }

    pub async fn set_hub_cursor(&mut self, audit_id: i64) -> Result<()> {
        on_tx!(self, c => {
            sqlx::query(
                "INSERT INTO hub_cursor (id, audit_id) VALUES (1, $1)
                 ON CONFLICT (id) DO UPDATE SET audit_id = excluded.audit_id",
            )
            .bind(audit_id)
            .execute(c)
            .await?;
        });
        Ok(())
    }

    /// Events due for delivery at `now`, with their listener.
    pub async fn due_hub_events(
        &mut self,
        now: &str,
        limit: i64,
    ) -> Result<Vec<(HubEventRow, HubSubscriptionRow)>> {
        let events = on_tx!(self, c => {
            sqlx::query_as::<_, HubEventRow>(
                "SELECT * FROM hub_events WHERE delivered_at IS NULL AND given_up_at IS NULL AND next_attempt_at <= $1 ORDER BY id LIMIT $2",
            )
            .bind(now)
            .bind(limit)
            .fetch_all(&mut *c)
            .await?
        });
        let mut due = Vec::with_capacity(events.len());
        for event in events {
            let listener: Option<HubSubscriptionRow> = on_tx!(self, c => {
                sqlx::query_as::<_, HubSubscriptionRow>("SELECT * FROM hub_subscriptions WHERE id = $1")
                    .bind(event.subscription_id)
                    .fetch_optional(c)
                    .await?
            });
            if let Some(listener) = listener {
                due.push((event, listener));
            }
        }
        Ok(due)
    }

    /// Records one delivery attempt: delivered, retried from `retry_at`, or
    /// given up (no `retry_at`).
    pub async fn hub_event_attempted(
        &mut self,
        id: i64,
        at: &str,
        error: Option<&str>,
        retry_at: Option<&str>,
    ) -> Result<()> {
        on_tx!(self, c => {
            match (error, retry_at) {
                (None, _) => sqlx::query("UPDATE hub_events SET attempts = attempts + 1, delivered_at = $1, last_error = NULL WHERE id = $2")
                    .bind(at)
                    .bind(id)
                    .execute(c)
                    .await?,
                (Some(error), Some(retry)) => sqlx::query("UPDATE hub_events SET attempts = attempts + 1, next_attempt_at = $1, last_error = $2 WHERE id = $3")
                    .bind(retry)
                    .bind(error)
                    .bind(id)
                    .execute(c)
                    .await?,
                (Some(error), None) => sqlx::query("UPDATE hub_events SET attempts = attempts + 1, given_up_at = $1, last_error = $2 WHERE id = $3")
                    .bind(at)
                    .bind(error)
                    .bind(id)
                    .execute(c)
                    .await?,
            };
        });
        Ok(())
    }

    /// Every event of a listener (for tests and support).
    pub async fn hub_events(&mut self, subscription_id: i64) -> Result<Vec<HubEventRow>> {
        Ok(on_tx!(self, c => {
            sqlx::query_as::<_, HubEventRow>("SELECT * FROM hub_events WHERE subscription_id = $1 ORDER BY id")
                .bind(subscription_id)
                .fetch_all(c)
                .await?
        }))
    }
}
