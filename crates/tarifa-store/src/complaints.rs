//! Complaints (CMP-1…6).

use crate::{ComplaintRow, Result, StoreError, Tx, on_tx};

impl Tx {
    pub async fn insert_complaint(&mut self, row: &ComplaintRow) -> Result<i64> {
        let id: i64 = on_tx!(self, c => {
            sqlx::query_scalar(
                "INSERT INTO complaints (market, handle, customer_id, bill_id, kind, channel, filed_on, disputed_minor,
                    undisputed_minor, decide_by, status, decided_on, appeal_by, appealed_on, regulator_by, description)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16) RETURNING id",
            )
            .bind(&row.market)
            .bind(&row.handle)
            .bind(row.customer_id)
            .bind(row.bill_id)
            .bind(&row.kind)
            .bind(&row.channel)
            .bind(&row.filed_on)
            .bind(row.disputed_minor)
            .bind(row.undisputed_minor)
            .bind(&row.decide_by)
            .bind(&row.status)
            .bind(&row.decided_on)
            .bind(&row.appeal_by)
            .bind(&row.appealed_on)
            .bind(&row.regulator_by)
            .bind(&row.description)
            .fetch_one(c)
            .await?
        });
        self.audit(
            Some(&row.filed_on),
            "file",
            "complaint",
            &id.to_string(),
            &serde_json::to_value(row).unwrap_or_default(),
        )
        .await?;
        Ok(id)
    }

    /// Writes a complaint's new state (status, decision and appeal dates).
    pub async fn update_complaint(
        &mut self,
        row: &ComplaintRow,
        business_date: &str,
    ) -> Result<()> {
        let affected = on_tx!(self, c => {
            sqlx::query(
                "UPDATE complaints SET status = $1, decided_on = $2, appeal_by = $3, appealed_on = $4, regulator_by = $5
                 WHERE id = $6",
            )
            .bind(&row.status)
            .bind(&row.decided_on)
            .bind(&row.appeal_by)
            .bind(&row.appealed_on)
            .bind(&row.regulator_by)
            .bind(row.id)
            .execute(c)
            .await?
            .rows_affected()
        });
        if affected != 1 {
            return Err(StoreError::Conflict(format!("no complaint {}", row.id)));
        }
        self.audit(
            Some(business_date),
            "change",
            "complaint",
            &row.id.to_string(),
            &serde_json::json!({ "status": row.status, "appeal_by": row.appeal_by, "regulator_by": row.regulator_by }),
        )
        .await
    }

    pub async fn complaint(&mut self, id: i64) -> Result<Option<ComplaintRow>> {
        Ok(on_tx!(self, c => {
            sqlx::query_as::<_, ComplaintRow>("SELECT * FROM complaints WHERE id = $1")
                .bind(id)
                .fetch_optional(c)
                .await?
        }))
    }

    pub async fn complaint_by_handle(
        &mut self,
        market: &str,
        handle: &str,
    ) -> Result<Option<ComplaintRow>> {
        Ok(on_tx!(self, c => {
            sqlx::query_as::<_, ComplaintRow>("SELECT * FROM complaints WHERE market = $1 AND handle = $2")
                .bind(market)
                .bind(handle)
                .fetch_optional(c)
                .await?
        }))
    }

    /// One customer's complaints, oldest first.
    pub async fn complaints_of_customer(&mut self, customer_id: i64) -> Result<Vec<ComplaintRow>> {
        Ok(on_tx!(self, c => {
            sqlx::query_as::<_, ComplaintRow>("SELECT * FROM complaints WHERE customer_id = $1 ORDER BY id")
                .bind(customer_id)
                .fetch_all(c)
                .await?
        }))
    }

    pub async fn complaints(&mut self, market: &str) -> Result<Vec<ComplaintRow>> {
        Ok(on_tx!(self, c => {
            sqlx::query_as::<_, ComplaintRow>("SELECT * FROM complaints WHERE market = $1 ORDER BY id")
                .bind(market)
                .fetch_all(c)
                .await?
        }))
    }
}
