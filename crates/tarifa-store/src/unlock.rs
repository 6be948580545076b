//! Unlock requests (UNL-1…12).

use crate::{Result, Tx, UnlockRow, on_tx};

impl Tx {
    /// Records a request as judged on the day it is filed; returns its id.
    pub async fn insert_unlock(&mut self, row: &UnlockRow) -> Result<i64> {
        let id: i64 = on_tx!(self, c => {
            sqlx::query_scalar(
                "INSERT INTO unlock_requests (market, handle, contract_id, imei, device_id, requester, channel, fields,
                 received_on, status, respond_by, wrong_entries, code_received_on, closed_on, paid_minor)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) RETURNING id",
            )
            .bind(&row.market)
            .bind(&row.handle)
            .bind(row.contract_id)
            .bind(&row.imei)
            .bind(&row.device_id)
            .bind(&row.requester)
            .bind(&row.channel)
            .bind(&row.fields)
            .bind(&row.received_on)
            .bind(&row.status)
            .bind(&row.respond_by)
            .bind(row.wrong_entries)
            .bind(&row.code_received_on)
            .bind(&row.closed_on)
            .bind(row.paid_minor)
            .fetch_one(c)
            .await?
        });
        let detail = serde_json::to_value(row).unwrap_or_default();
        self.audit(
            Some(&row.received_on),
            "unlock_request",
            "contract",
            &row.contract_id.to_string(),
            &detail,
        )
        .await?;
        Ok(id)
    }

    pub async fn unlock_request(&mut self, id: i64) -> Result<Option<UnlockRow>> {
        Ok(on_tx!(self, c => {
            sqlx::query_as::<_, UnlockRow>("SELECT * FROM unlock_requests WHERE id = $1")
                .bind(id)
                .fetch_optional(c)
                .await?
        }))
    }

    /// The requests about one device, oldest first.
    pub async fn unlock_requests_for_imei(&mut self, imei: &str) -> Result<Vec<UnlockRow>> {
        Ok(on_tx!(self, c => {
            sqlx::query_as::<_, UnlockRow>("SELECT * FROM unlock_requests WHERE imei = $1 ORDER BY id")
                .bind(imei)
                .fetch_all(c)
                .await?
        }))
    }

    /// A market's requests, oldest first.
    /// The unlock requests on a customer's contracts, newest first.
    pub async fn unlock_requests_of_customer(
        &mut self,
        customer_id: i64,
    ) -> Result<Vec<UnlockRow>> {
        Ok(on_tx!(self, c => {
            sqlx::query_as::<_, UnlockRow>(
                "SELECT u.* FROM unlock_requests u JOIN contracts k ON k.id = u.contract_id
                 WHERE k.customer_id = $1 ORDER BY u.id DESC",
            )
            .bind(customer_id)
            .fetch_all(c)
            .await?
        }))
    }

    pub async fn unlock_requests(&mut self, market: &str) -> Result<Vec<UnlockRow>> {
        Ok(on_tx!(self, c => {
            sqlx::query_as::<_, UnlockRow>("SELECT * FROM unlock_requests WHERE market = $1 ORDER BY id")
                .bind(market)
                .fetch_all(c)
                .await?
        }))
    }

    /// Moves a request on, audited with its old state.
    pub async fn update_unlock(
        &mut self,
        old: &UnlockRow,
        new: &UnlockRow,
        on: &str,
    ) -> Result<()> {
        on_tx!(self, c => {
            sqlx::query(
                "UPDATE unlock_requests SET status = $1, wrong_entries = $2, code_received_on = $3, closed_on = $4
                 WHERE id = $5",
            )
            .bind(&new.status)
            .bind(new.wrong_entries)
            .bind(&new.code_received_on)
            .bind(&new.closed_on)
            .bind(new.id)
            .execute(c)
            .await?;
        });
        let detail = serde_json::json!({ "old": old.status, "new": new.status, "wrong_entries": new.wrong_entries });
        self.audit(
            Some(on),
            "unlock",
            "unlock_request",
            &new.id.to_string(),
            &detail,
        )
        .await
    }

    /// Records an IMEI changed by an authorised repair and moves the sold
    /// device (and the contract's device, when it is that one) to the new IMEI.
    pub async fn insert_imei_change(&mut self, row: &crate::ImeiChangeRow) -> Result<i64> {
        let id: i64 = on_tx!(self, c => {
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO imei_changes (contract_id, old_imei, new_imei, on_date, service_report)
                 VALUES ($1, $2, $3, $4, $5) RETURNING id",
            )
            .bind(row.contract_id)
            .bind(&row.old_imei)
            .bind(&row.new_imei)
            .bind(&row.on_date)
            .bind(&row.service_report)
            .fetch_one(&mut *c)
            .await?;
            sqlx::query("UPDATE contracts SET device_imei = $1 WHERE id = $2 AND device_imei = $3")
                .bind(&row.new_imei)
                .bind(row.contract_id)
                .bind(&row.old_imei)
                .execute(&mut *c)
                .await?;
            sqlx::query("UPDATE device_sales SET imei = $1 WHERE contract_id = $2 AND imei = $3")
                .bind(&row.new_imei)
                .bind(row.contract_id)
                .bind(&row.old_imei)
                .execute(&mut *c)
                .await?;
            Ok::<i64, crate::StoreError>(id)
        })?;
        let detail = serde_json::to_value(row).unwrap_or_default();
        self.audit(
            Some(&row.on_date),
            "imei_change",
            "contract",
            &row.contract_id.to_string(),
            &detail,
        )
        .await?;
        Ok(id)
    }

    /// The recorded change that gave a device this IMEI, if any.
    pub async fn imei_change_to(&mut self, imei: &str) -> Result<Option<crate::ImeiChangeRow>> {
        Ok(on_tx!(self, c => {
            sqlx::query_as::<_, crate::ImeiChangeRow>(
                "SELECT * FROM imei_changes WHERE new_imei = $1 ORDER BY id DESC LIMIT 1",
            )
            .bind(imei)
            .fetch_optional(c)
            .await?
        }))
    }
}
