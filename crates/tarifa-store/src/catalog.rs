//! The catalog as stored: a market's packages, devices and fees.

use crate::{DeviceRow, FeeRow, PackageRow, Result, Tx, on_tx};

impl Tx {
    /// Registers a market (idempotent).
    pub async fn ensure_market(&mut self, id: &str, currency: &str) -> Result<()> {
        let existing: Option<String> = on_tx!(self, c => {
            sqlx::query_scalar("SELECT currency FROM markets WHERE id = $1").bind(id).fetch_optional(c).await?
        });
        match existing {
            Some(stored) if stored == currency => Ok(()),
            Some(stored) => Err(crate::StoreError::Conflict(format!(
                "market {id} is stored with currency {stored}, not {currency}"
            ))),
            None => {
                let at = self.recorded_at.clone();
                on_tx!(self, c => {
                    sqlx::query("INSERT INTO markets (id, currency, loaded_at) VALUES ($1, $2, $3)")
                        .bind(id)
                        .bind(currency)
                        .bind(&at)
                        .execute(c)
                        .await?;
                });
                self.audit(
                    None,
                    "load",
                    "market",
                    id,
                    &serde_json::json!({ "currency": currency }),
                )
                .await
            }
        }
    }

    /// Adds or replaces a package.
    pub async fn upsert_package(&mut self, row: &PackageRow) -> Result<()> {
        on_tx!(self, c => {
            sqlx::query(
                "INSERT INTO packages (market, id, name, monthly_fee_minor, voice_min, sms, data_mb, rates,
                    promotion_eligible, exempt_from_commitment_rule, public, prepaid, prepaid_unlock_route,
                    service, vat_split, withdrawn)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)
                 ON CONFLICT (market, id) DO UPDATE SET name = excluded.name,
                    monthly_fee_minor = excluded.monthly_fee_minor, voice_min = excluded.voice_min,
                    sms = excluded.sms, data_mb = excluded.data_mb, rates = excluded.rates,
                    promotion_eligible = excluded.promotion_eligible,
                    exempt_from_commitment_rule = excluded.exempt_from_commitment_rule,
                    public = excluded.public, prepaid = excluded.prepaid,
                    prepaid_unlock_route = excluded.prepaid_unlock_route, service = excluded.service,
                    vat_split = excluded.vat_split, withdrawn = excluded.withdrawn",
            )
            .bind(&row.market)
            .bind(&row.id)
            .bind(&row.name)
            .bind(row.monthly_fee_minor)
            .bind(row.voice_min)
            .bind(row.sms)
            .bind(row.data_mb)
            .bind(&row.rates)
            .bind(row.promotion_eligible)
            .bind(row.exempt_from_commitment_rule)
            .bind(row.public)
            .bind(row.prepaid)
            .bind(row.prepaid_unlock_route)
            .bind(&row.service)
            .bind(&row.vat_split)
            .bind(row.withdrawn)
            .execute(c)
            .await?;
        });
        self.audit(
            None,
            "upsert",
            "package",
            &format!("{}/{}", row.market, row.id),
            &serde_json::to_value(row).unwrap_or_default(),
        )
        .await
    }

    pub async fn upsert_device(&mut self, row: &DeviceRow) -> Result<()> {
        on_tx!(self, c => {
            sqlx::query(
                "INSERT INTO devices (market, id, brand, model, retail_price_minor, subsidised_price_minor, lent,
                    sim_locked, unlock_needs, unlock_method)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
                 ON CONFLICT (market, id) DO UPDATE SET brand = excluded.brand, model = excluded.model,
                    retail_price_minor = excluded.retail_price_minor,
                    subsidised_price_minor = excluded.subsidised_price_minor, lent = excluded.lent,
                    sim_locked = excluded.sim_locked, unlock_needs = excluded.unlock_needs,
                    unlock_method = excluded.unlock_method",
            )
            .bind(&row.market)
            .bind(&row.id)
            .bind(&row.brand)
            .bind(&row.model)
            .bind(row.retail_price_minor)
            .bind(row.subsidised_price_minor)
            .bind(row.lent)
            .bind(row.sim_locked)
            .bind(&row.unlock_needs)
            .bind(&row.unlock_method)
            .execute(c)
            .await?;
        });
        self.audit(
            None,
            "upsert",
            "device",
            &format!("{}/{}", row.market, row.id),
            &serde_json::to_value(row).unwrap_or_default(),
        )
        .await
    }

    pub async fn upsert_fee(&mut self, row: &FeeRow) -> Result<()> {
        on_tx!(self, c => {
            sqlx::query(
                "INSERT INTO fees (market, kind, amount_minor) VALUES ($1, $2, $3)
                 ON CONFLICT (market, kind) DO UPDATE SET amount_minor = excluded.amount_minor",
            )
            .bind(&row.market)
            .bind(&row.kind)
            .bind(row.amount_minor)
            .execute(c)
            .await?;
        });
        self.audit(
            None,
            "upsert",
            "fee",
            &format!("{}/{}", row.market, row.kind),
            &serde_json::to_value(row).unwrap_or_default(),
        )
        .await
    }

    pub async fn packages(&mut self, market: &str) -> Result<Vec<PackageRow>> {
        Ok(on_tx!(self, c => {
            sqlx::query_as::<_, PackageRow>("SELECT * FROM packages WHERE market = $1 ORDER BY id")
                .bind(market)
                .fetch_all(c)
                .await?
        }))
    }

    pub async fn devices(&mut self, market: &str) -> Result<Vec<DeviceRow>> {
        Ok(on_tx!(self, c => {
            sqlx::query_as::<_, DeviceRow>("SELECT * FROM devices WHERE market = $1 ORDER BY id")
                .bind(market)
                .fetch_all(c)
                .await?
        }))
    }

    pub async fn fees(&mut self, market: &str) -> Result<Vec<FeeRow>> {
        Ok(on_tx!(self, c => {
            sqlx::query_as::<_, FeeRow>("SELECT * FROM fees WHERE market = $1 ORDER BY kind")
                .bind(market)
                .fetch_all(c)
                .await?
        }))
    }

    /// Whether the market is stored at all (its catalog was loaded).
    pub async fn has_market(&mut self, id: &str) -> Result<bool> {
        let count: i64 = on_tx!(self, c => {
            sqlx::query_scalar("SELECT COUNT(*) FROM markets WHERE id = $1").bind(id).fetch_one(c).await?
        });
        Ok(count > 0)
    }

    /// Records an announced price change.
    pub async fn insert_price_change(&mut self, row: &crate::PriceChangeRow) -> Result<i64> {
        let id: i64 = on_tx!(self, c => {
            sqlx::query_scalar(
                "INSERT INTO price_changes (market, package_id, monthly_fee_minor, previous_fee_minor, announced_on,
                    effective_on, unfavourable, window_from, window_to)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
            )
            .bind(&row.market)
            .bind(&row.package_id)
            .bind(row.monthly_fee_minor)
            .bind(row.previous_fee_minor)
            .bind(&row.announced_on)
            .bind(&row.effective_on)
            .bind(row.unfavourable)
            .bind(&row.window_from)
            .bind(&row.window_to)
            .fetch_one(c)
            .await?
        });
        self.audit(
            Some(&row.announced_on),
            "announce",
            "price_change",
            &id.to_string(),
            &serde_json::to_value(row).unwrap_or_default(),
        )
        .await?;
        Ok(id)
    }

    /// A market's price changes, in the order they take effect.
    pub async fn price_changes(&mut self, market: &str) -> Result<Vec<crate::PriceChangeRow>> {
        Ok(on_tx!(self, c => {
            sqlx::query_as::<_, crate::PriceChangeRow>(
                "SELECT * FROM price_changes WHERE market = $1 ORDER BY effective_on, id",
            )
            .bind(market)
            .fetch_all(c)
            .await?
        }))
    }

    /// Sets a package's monthly fee (a price change taking effect).
    pub async fn set_package_fee(
        &mut self,
        market: &str,
        package_id: &str,
        monthly_fee_minor: i64,
        business_date: &str,
    ) -> Result<()> {
        on_tx!(self, c => {
            sqlx::query("UPDATE packages SET monthly_fee_minor = $1 WHERE market = $2 AND id = $3")
                .bind(monthly_fee_minor)
                .bind(market)
                .bind(package_id)
                .execute(c)
                .await?;
        });
        self.audit(
            Some(business_date),
            "price",
            "package",
            &format!("{market}/{package_id}"),
            &serde_json::json!({ "monthly_fee": monthly_fee_minor }),
        )
        .await
    }

    /// Announces the withdrawal of a package; returns its id.
    pub async fn insert_package_withdrawal(
        &mut self,
        row: &crate::PackageWithdrawalRow,
    ) -> Result<i64> {
        let id: i64 = on_tx!(self, c => {
            sqlx::query_scalar(
                "INSERT INTO package_withdrawals (market, package_id, announced_on, effective_on, moved_to)
                 VALUES ($1, $2, $3, $4, $5) RETURNING id",
            )
            .bind(&row.market)
            .bind(&row.package_id)
            .bind(&row.announced_on)
            .bind(&row.effective_on)
            .bind(&row.moved_to)
            .fetch_one(c)
            .await?
        });
        let detail = serde_json::to_value(row).unwrap_or_default();
        self.audit(
            Some(&row.announced_on),
            "withdraw",
            "package",
            &format!("{}/{}", row.market, row.package_id),
            &detail,
        )
        .await?;
        Ok(id)
    }

    /// A market's withdrawals taking effect on `day`.
    pub async fn package_withdrawals_on(
        &mut self,
        market: &str,
        day: &str,
    ) -> Result<Vec<crate::PackageWithdrawalRow>> {
        Ok(on_tx!(self, c => {
            sqlx::query_as::<_, crate::PackageWithdrawalRow>(
                "SELECT * FROM package_withdrawals WHERE market = $1 AND effective_on = $2 ORDER BY id",
            )
            .bind(market)
            .bind(day)
            .fetch_all(c)
            .await?
        }))
    }

    /// Whether a package's withdrawal was already announced.
    pub async fn package_withdrawal(
        &mut self,
        market: &str,
        package_id: &str,
    ) -> Result<Option<crate::PackageWithdrawalRow>> {
        Ok(on_tx!(self, c => {
            sqlx::query_as::<_, crate::PackageWithdrawalRow>(
                "SELECT * FROM package_withdrawals WHERE market = $1 AND package_id = $2",
            )
            .bind(market)
            .bind(package_id)
            .fetch_optional(c)
            .await?
        }))
    }

    /// Takes a package off sale.
    pub async fn set_package_withdrawn(
        &mut self,
        market: &str,
        package_id: &str,
        business_date: &str,
    ) -> Result<()> {
        on_tx!(self, c => {
            sqlx::query("UPDATE packages SET withdrawn = $1 WHERE market = $2 AND id = $3")
                .bind(true)
                .bind(market)
                .bind(package_id)
                .execute(c)
                .await?;
        });
        self.audit(
            Some(business_date),
            "withdrawn",
            "package",
            &format!("{market}/{package_id}"),
            &serde_json::json!({ "withdrawn": true }),
        )
        .await
    }

    /// Records a change of the general terms; returns its id.
    pub async fn insert_terms_change(&mut self, row: &crate::TermsChangeRow) -> Result<i64> {
        let id: i64 = on_tx!(self, c => {
            sqlx::query_scalar(
                "INSERT INTO terms_changes (market, summary, published_on, effective_on, unfavourable, window_from, window_to)
                 VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
            )
            .bind(&row.market)
            .bind(&row.summary)
            .bind(&row.published_on)
            .bind(&row.effective_on)
            .bind(row.unfavourable)
            .bind(&row.window_from)
            .bind(&row.window_to)
            .fetch_one(c)
            .await?
        });
        let detail = serde_json::to_value(row).unwrap_or_default();
        self.audit(
            Some(&row.published_on),
            "terms_change",
            "market",
            &row.market,
            &detail,
        )
        .await?;
        Ok(id)
    }

    /// A market's changes of the general terms, oldest first.
    pub async fn terms_changes(&mut self, market: &str) -> Result<Vec<crate::TermsChangeRow>> {
        Ok(on_tx!(self, c => {
            sqlx::query_as::<_, crate::TermsChangeRow>("SELECT * FROM terms_changes WHERE market = $1 ORDER BY id")
                .bind(market)
                .fetch_all(c)
                .await?
        }))
    }
}
