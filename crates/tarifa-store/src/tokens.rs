//! API tokens (stored as hashes) for the server's callers.

use crate::{ApiTokenRow, Result, StoreError, Tx, on_tx};

impl Tx {
    /// Stores a new token; returns its id.
    pub async fn insert_token(&mut self, row: &ApiTokenRow) -> Result<i64> {
        let id: i64 = on_tx!(self, c => {
            sqlx::query_scalar(
                "INSERT INTO api_tokens (hash, role, customer_id, label, created_on, revoked_on)
                 VALUES ($1, $2, $3, $4, $5, NULL) RETURNING id",
            )
            .bind(&row.hash)
            .bind(&row.role)
            .bind(row.customer_id)
            .bind(&row.label)
            .bind(&row.created_on)
            .fetch_one(c)
            .await?
        });
        // The hash stays out of the audit trail.
        self.audit(
            Some(&row.created_on),
            "create",
            "api_token",
            &id.to_string(),
            &serde_json::json!({ "role": row.role, "customer_id": row.customer_id, "label": row.label }),
        )
        .await?;
        Ok(id)
    }

    /// The live (unrevoked) token with this hash.
    pub async fn live_token(&mut self, hash: &str) -> Result<Option<ApiTokenRow>> {
        Ok(on_tx!(self, c => {
            sqlx::query_as::<_, ApiTokenRow>("SELECT * FROM api_tokens WHERE hash = $1 AND revoked_on IS NULL")
                .bind(hash)
                .fetch_optional(c)
                .await?
        }))
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
