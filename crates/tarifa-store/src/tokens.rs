//! API tokens and sessions (stored as hashes) for the server's callers, and
//! the users who log in with a password.

use crate::{ApiTokenRow, Result, StoreError, Tx, UserRow, on_tx};

/// The live token of a hash (`Store::live_token`), on either path.
pub(crate) const LIVE_TOKEN: &str = "SELECT t.* FROM api_tokens t
     LEFT JOIN api_tokens o ON o.id = t.opened_with_token
     LEFT JOIN users u ON u.id = t.opened_by_user
     WHERE t.hash = $1 AND t.revoked_on IS NULL AND (t.expires_at IS NULL OR t.expires_at > $2)
       AND (t.opened_with_token IS NULL
            OR (o.revoked_on IS NULL AND (o.expires_at IS NULL OR o.expires_at > $2)))
       AND (t.opened_by_user IS NULL OR u.disabled_on IS NULL)";

impl crate::Store {
    /// The live token with this hash: not revoked, and not expired at `now`
    /// (instants as RFC 3339 UTC text, which sorts in time order). A session
    /// is live only while the token it was opened with is live too, and the
    /// user it was opened by is enabled.
    ///
    /// Every API request asks this, so it is one statement with no
    /// transaction around it, on the lean path when the store is a SQLite
    /// file (`crate::lean_reads`).
    pub async fn live_token(&self, hash: &str, now: &str) -> Result<Option<ApiTokenRow>> {
        if let Some(reads) = self.lean_reads() {
            return reads.read(|r| r.live_token(hash, now));
        }
        Ok(match &self.pool {
            crate::Pool::Sqlite(pool) => {
                sqlx::query_as(LIVE_TOKEN)
                    .bind(hash)
                    .bind(now)
                    .fetch_optional(pool)
                    .await?
            }
            crate::Pool::Postgres(pool) => {
                sqlx::query_as(LIVE_TOKEN)
                    .bind(hash)
                    .bind(now)
                    .fetch_optional(pool)
                    .await?
            }
        })
    }
}

impl Tx {
    /// Stores a new token; returns its id.
    pub async fn insert_token(&mut self, row: &ApiTokenRow) -> Result<i64> {
        let id: i64 = on_tx!(self, c => {
            sqlx::query_scalar(
                "INSERT INTO api_tokens (hash, role, customer_id, label, created_on, revoked_on, expires_at, opened_with_token, opened_by_user)
                 VALUES ($1, $2, $3, $4, $5, NULL, $6, $7, $8) RETURNING id",
            )
            .bind(&row.hash)
            .bind(&row.role)
            .bind(row.customer_id)
            .bind(&row.label)
            .bind(&row.created_on)
            .bind(&row.expires_at)
            .bind(row.opened_with_token)
            .bind(row.opened_by_user)
            .fetch_one(c)
            .await?
        });
        // The hash stays out of the audit trail.
        self.audit(
            Some(&row.created_on),
            "create",
            "api_token",
            &id.to_string(),
            &serde_json::json!({
                "role": row.role,
                "customer_id": row.customer_id,
                "label": row.label,
                "expires_at": row.expires_at,
                "opened_with_token": row.opened_with_token,
                "opened_by_user": row.opened_by_user,
            }),
        )
        .await?;
        Ok(id)
    }

    /// Stores a user; returns its id. A taken username is a conflict.
    pub async fn insert_user(&mut self, row: &UserRow) -> Result<i64> {
        let taken: Option<i64> = on_tx!(self, c => {
            sqlx::query_scalar("SELECT id FROM users WHERE username = $1")
                .bind(&row.username)
                .fetch_optional(c)
                .await?
        });
        if taken.is_some() {
            return Err(StoreError::Conflict(format!(
                "username {:?} is taken",
                row.username
            )));
        }
        let id: i64 = on_tx!(self, c => {
            sqlx::query_scalar(
                "INSERT INTO users (username, password_hash, role, customer_id, created_on, disabled_on)
                 VALUES ($1, $2, $3, $4, $5, NULL) RETURNING id",
            )
            .bind(&row.username)
            .bind(&row.password_hash)
            .bind(&row.role)
            .bind(row.customer_id)
            .bind(&row.created_on)
            .fetch_one(c)
            .await?
        });
        // The password hash stays out of the audit trail.
        self.audit(
            Some(&row.created_on),
            "create",
            "user",
            &id.to_string(),
            &serde_json::json!({ "username": row.username, "role": row.role, "customer_id": row.customer_id }),
        )
        .await?;
        Ok(id)
    }

    /// The enabled user with this username.
    pub async fn active_user(&mut self, username: &str) -> Result<Option<UserRow>> {
        Ok(on_tx!(self, c => {
            sqlx::query_as::<_, UserRow>(
                "SELECT * FROM users WHERE username = $1 AND disabled_on IS NULL",
            )
            .bind(username)
            .fetch_optional(c)
            .await?
        }))
    }

    /// Disables a user from `on`: no new login, and every session the user
    /// opened ends with it. A user unknown or disabled already is not found.
    pub async fn disable_user(&mut self, username: &str, on: &str) -> Result<i64> {
        let id: Option<i64> = on_tx!(self, c => {
            sqlx::query_scalar(
                "UPDATE users SET disabled_on = $1 WHERE username = $2 AND disabled_on IS NULL RETURNING id",
            )
            .bind(on)
            .bind(username)
            .fetch_optional(c)
            .await?
        });
        let Some(id) = id else {
            return Err(StoreError::Conflict(format!(
                "user {username:?} does not exist or is disabled already"
            )));
        };
        // The sessions end in the same transaction (the join in `live_token`
        // already refuses them; this keeps the table honest too).
        on_tx!(self, c => {
            sqlx::query("UPDATE api_tokens SET revoked_on = $1 WHERE opened_by_user = $2 AND revoked_on IS NULL")
                .bind(on)
                .bind(id)
                .execute(c)
                .await?;
        });
        self.audit(
            Some(on),
            "disable",
            "user",
            &id.to_string(),
            &serde_json::json!({ "username": username }),
        )
        .await?;
        Ok(id)
    }

    /// Revokes a token from `on`.
    pub async fn revoke_token(&mut self, id: i64, on: &str) -> Result<()> {
        let affected = on_tx!(self, c => {
            sqlx::query("UPDATE api_tokens SET revoked_on = $1 WHERE id = $2 AND revoked_on IS NULL")
                .bind(on)
                .bind(id)
                .execute(c)
                .await?
                .rows_affected()
        });
        if affected != 1 {
            return Err(StoreError::Conflict(format!(
                "token {id} does not exist or is revoked already"
            )));
        }
        // Its sessions end with it.
        on_tx!(self, c => {
            sqlx::query("UPDATE api_tokens SET revoked_on = $1 WHERE opened_with_token = $2 AND revoked_on IS NULL")
                .bind(on)
                .bind(id)
                .execute(c)
                .await?;
        });
        self.audit(
            Some(on),
            "revoke",
            "api_token",
            &id.to_string(),
            &serde_json::json!({}),
        )
        .await
    }
}
