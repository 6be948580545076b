//! Devices sold with contracts (DEV-1), at signing or with a renewal.

use crate::{DeviceSaleRow, Result, Tx, on_tx};

impl Tx {
    /// Records a sale; returns its id.
    pub async fn insert_device_sale(&mut self, row: &DeviceSaleRow) -> Result<i64> {
        let id: i64 = on_tx!(self, c => {
            sqlx::query_scalar(
                "INSERT INTO device_sales (contract_id, sold_on, device_id, imei, price_minor, instalments,
                    sim_locked, package_id, renewal, commitment_end)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
            )
            .bind(row.contract_id)
            .bind(&row.sold_on)
            .bind(&row.device_id)
            .bind(&row.imei)
            .bind(row.price_minor)
            .bind(row.instalments)
            .bind(row.sim_locked)
            .bind(&row.package_id)
            .bind(row.renewal)
            .bind(&row.commitment_end)
            .fetch_one(c)
            .await?
        });
        let mut detail = serde_json::to_value(row).unwrap_or_default();
        detail["id"] = id.into();
        self.audit(
            Some(&row.sold_on),
            "device_sale",
            "contract",
            &row.contract_id.to_string(),
            &detail,
        )
        .await?;
        Ok(id)
    }

    /// A contract's sales, oldest first.
    pub async fn device_sales(&mut self, contract_id: i64) -> Result<Vec<DeviceSaleRow>> {
        Ok(on_tx!(self, c => {
            sqlx::query_as::<_, DeviceSaleRow>("SELECT * FROM device_sales WHERE contract_id = $1 ORDER BY id")
                .bind(contract_id)
                .fetch_all(c)
                .await?
        }))
    }

    /// The sales of a device with this IMEI in a market, newest first.
    pub async fn sales_with_imei(
        &mut self,
        market: &str,
        imei: &str,
    ) -> Result<Vec<DeviceSaleRow>> {
        Ok(on_tx!(self, c => {
            sqlx::query_as::<_, DeviceSaleRow>(
                "SELECT s.* FROM device_sales s JOIN contracts k ON k.id = s.contract_id
                 WHERE k.market = $1 AND s.imei = $2 ORDER BY s.id DESC",
            )
            .bind(market)
            .bind(imei)
            .fetch_all(c)
            .await?
        }))
    }

    /// The instalments of a sale not billed yet, in minor units.
    pub async fn unbilled_instalments(&mut self, sale_id: i64) -> Result<i64> {
        Ok(on_tx!(self, c => {
            sqlx::query_scalar(
                "SELECT CAST(COALESCE(SUM(amount_minor), 0) AS BIGINT) FROM charges
                 WHERE device_sale_id = $1 AND bill_id IS NULL",
            )
            .bind(sale_id)
            .fetch_one(c)
            .await?
        }))
    }

    /// Brings a sale's unbilled instalments forward to `on` (paid off early,
    /// UNL-2); returns how many moved.
    pub async fn bring_instalments_forward(&mut self, sale_id: i64, on: &str) -> Result<u64> {
        let moved = on_tx!(self, c => {
            sqlx::query("UPDATE charges SET on_date = $1 WHERE device_sale_id = $2 AND bill_id IS NULL AND on_date > $1")
                .bind(on)
                .bind(sale_id)
                .execute(c)
                .await?
                .rows_affected()
        });
        self.audit(
            Some(on),
            "instalments_forward",
            "device_sale",
            &sale_id.to_string(),
            &serde_json::json!({ "moved": moved }),
        )
        .await?;
        Ok(moved)
    }

    /// Undoes a sale withdrawn from (TRM-6): its instalments not billed yet
    /// are dropped; returns what was billed of it (instalments and the
    /// price paid at once), in minor units.
    pub async fn withdraw_device_sale(&mut self, sale_id: i64, on: &str) -> Result<i64> {
        let (dropped, billed): (i64, i64) = on_tx!(self, c => {
            let dropped: i64 = sqlx::query_scalar(
                "SELECT CAST(COALESCE(SUM(amount_minor), 0) AS BIGINT) FROM charges WHERE device_sale_id = $1 AND bill_id IS NULL",
            )
            .bind(sale_id)
            .fetch_one(&mut *c)
            .await?;
            sqlx::query("DELETE FROM charges WHERE device_sale_id = $1 AND bill_id IS NULL")
                .bind(sale_id)
                .execute(&mut *c)
                .await?;
            let billed: i64 = sqlx::query_scalar(
                "SELECT CAST(COALESCE(SUM(amount_minor), 0) AS BIGINT) FROM charges WHERE device_sale_id = $1 AND bill_id IS NOT NULL",
            )
            .bind(sale_id)
            .fetch_one(&mut *c)
            .await?;
            sqlx::query("UPDATE device_sales SET withdrawn_on = $1 WHERE id = $2")
                .bind(on)
                .bind(sale_id)
                .execute(&mut *c)
                .await?;
            (dropped, billed)
        });
        self.audit(
            Some(on),
            "sale_withdrawn",
            "device_sale",
            &sale_id.to_string(),
            &serde_json::json!({ "instalments_dropped": dropped, "billed": billed }),
        )
        .await?;
        Ok(billed)
    }

    /// What the bills charged for a sale: (bill id, amount, VAT assignment
    /// as JSON), a row a billed charge, oldest first.
    pub async fn billed_sale_charges(&mut self, sale_id: i64) -> Result<Vec<(i64, i64, String)>> {
        Ok(on_tx!(self, c => {
            sqlx::query_as::<_, (i64, i64, String)>(
                "SELECT bill_id, amount_minor, vat FROM charges
                 WHERE device_sale_id = $1 AND bill_id IS NOT NULL ORDER BY bill_id, id",
            )
            .bind(sale_id)
            .fetch_all(c)
            .await?
        }))
    }

    /// The device of a withdrawn sale came back.
    pub async fn device_sale_returned(&mut self, sale_id: i64, on: &str) -> Result<()> {
        on_tx!(self, c => {
            sqlx::query("UPDATE device_sales SET returned_on = $1 WHERE id = $2")
                .bind(on)
                .bind(sale_id)
                .execute(c)
                .await?;
        });
        self.audit(
            Some(on),
            "device_returned",
            "device_sale",
            &sale_id.to_string(),
            &serde_json::json!({ "on": on }),
        )
        .await
    }
}
