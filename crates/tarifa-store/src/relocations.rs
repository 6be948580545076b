//! Relocation requests (CON-10).

use crate::{RelocationRow, Result, Tx, on_tx};

impl Tx {
    /// Records a new request; returns its id.
    pub async fn insert_relocation(&mut self, row: &RelocationRow) -> Result<i64> {
        let id: i64 = on_tx!(self, c => {
            sqlx::query_scalar(
                "INSERT INTO relocations (contract_id, new_address, requested_on, answer_by, status)
                 VALUES ($1, $2, $3, $4, $5) RETURNING id",
            )
            .bind(row.contract_id)
            .bind(&row.new_address)
            .bind(&row.requested_on)
            .bind(&row.answer_by)
            .bind(&row.status)
            .fetch_one(c)
            .await?
        });
        let detail = serde_json::to_value(row).unwrap_or_default();
        self.audit(
            Some(&row.requested_on),
            "relocation",
            "contract",
            &row.contract_id.to_string(),
            &detail,
        )
        .await?;
        Ok(id)
    }

    /// A contract's requests, oldest first.
    pub async fn relocations(&mut self, contract_id: i64) -> Result<Vec<RelocationRow>> {
        Ok(on_tx!(self, c => {
            sqlx::query_as::<_, RelocationRow>("SELECT * FROM relocations WHERE contract_id = $1 ORDER BY id")
                .bind(contract_id)
                .fetch_all(c)
                .await?
        }))
    }

    /// Writes a request's new state, audited with the old one.
    pub async fn update_relocation(
        &mut self,
        old: &RelocationRow,
        new: &RelocationRow,
        on: &str,
    ) -> Result<()> {
        on_tx!(self, c => {
            sqlx::query(
                "UPDATE relocations SET status = $1, answered_on = $2, infrastructure_minor = $3, infrastructure = $4,
                 annexed_on = $5, done_by = $6, done_on = $7 WHERE id = $8",
            )
            .bind(&new.status)
            .bind(&new.answered_on)
            .bind(new.infrastructure_minor)
            .bind(&new.infrastructure)
            .bind(&new.annexed_on)
            .bind(&new.done_by)
            .bind(&new.done_on)
            .bind(new.id)
            .execute(c)
            .await?;
        });
        let detail = serde_json::json!({ "old": old, "new": new });
        self.audit(
            Some(on),
            "relocation",
            "contract",
            &new.contract_id.to_string(),
            &detail,
        )
        .await
    }
}
