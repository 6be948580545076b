//! Promotions: the offers of a market and the ones contracts carry (PRM-1…7).

use crate::{ContractPromotionRow, PromotionOfferRow, PromotionStepRow, Result, Tx, on_tx};

impl Tx {
    pub async fn upsert_promotion_offer(&mut self, row: &PromotionOfferRow) -> Result<()> {
        on_tx!(self, c => {
            sqlx::query(
                "INSERT INTO promotion_offers (market, id, name, data_factor, voice_factor, sms_factor, fee_discount_percent)
                 VALUES ($1, $2, $3, $4, $5, $6, $7)
                 ON CONFLICT (market, id) DO UPDATE SET name = excluded.name, data_factor = excluded.data_factor,
                    voice_factor = excluded.voice_factor, sms_factor = excluded.sms_factor,
                    fee_discount_percent = excluded.fee_discount_percent",
            )
            .bind(&row.market)
            .bind(&row.id)
            .bind(&row.name)
            .bind(row.data_factor)
            .bind(row.voice_factor)
            .bind(row.sms_factor)
            .bind(&row.fee_discount_percent)
            .execute(c)
            .await?;
        });
        self.audit(
            None,
            "upsert",
            "promotion_offer",
            &format!("{}/{}", row.market, row.id),
            &serde_json::to_value(row).unwrap_or_default(),
        )
        .await
    }

    pub async fn promotion_offers(&mut self, market: &str) -> Result<Vec<PromotionOfferRow>> {
        Ok(on_tx!(self, c => {
            sqlx::query_as::<_, PromotionOfferRow>("SELECT * FROM promotion_offers WHERE market = $1 ORDER BY id")
                .bind(market)
                .fetch_all(c)
                .await?
        }))
    }

    /// Attaches a promotion to a contract with its first step; returns its id.
    pub async fn insert_promotion(
        &mut self,
        row: &ContractPromotionRow,
        first: &PromotionStepRow,
    ) -> Result<i64> {
        let id: i64 = on_tx!(self, c => {
            sqlx::query_scalar(
                "INSERT INTO contract_promotions (contract_id, offer, granted_on, base_fee_minor, valid_until, status, ended_on)
                 VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
            )
            .bind(row.contract_id)
            .bind(&row.offer)
            .bind(&row.granted_on)
            .bind(row.base_fee_minor)
            .bind(&row.valid_until)
            .bind(&row.status)
            .bind(&row.ended_on)
            .fetch_one(c)
            .await?
        });
        let mut stored = row.clone();
        stored.id = id;
        self.audit(
            Some(&row.granted_on),
            "promotion",
            "contract",
            &row.contract_id.to_string(),
            &serde_json::to_value(&stored).unwrap_or_default(),
        )
        .await?;
        let mut first = first.clone();
        first.promotion_id = id;
        self.insert_promotion_step(&first).await?;
        Ok(id)
    }

    /// Writes a promotion's state after a rule changed it.
    pub async fn update_promotion(&mut self, row: &ContractPromotionRow, on: &str) -> Result<()> {
        on_tx!(self, c => {
            sqlx::query(
                "UPDATE contract_promotions SET base_fee_minor = $1, valid_until = $2, status = $3, ended_on = $4 WHERE id = $5",
            )
            .bind(row.base_fee_minor)
            .bind(&row.valid_until)
            .bind(&row.status)
            .bind(&row.ended_on)
            .bind(row.id)
            .execute(c)
            .await?;
        });
        self.audit(
            Some(on),
            "promotion",
            "contract",
            &row.contract_id.to_string(),
            &serde_json::to_value(row).unwrap_or_default(),
        )
        .await
    }

    /// Adds a step at the end of a promotion's schedule (its `seq` is assigned).
    pub async fn insert_promotion_step(&mut self, step: &PromotionStepRow) -> Result<()> {
        on_tx!(self, c => {
            sqlx::query(
                "INSERT INTO promotion_steps (promotion_id, seq, valid_from, package_id, rule)
                 VALUES ($1, (SELECT COALESCE(MAX(seq), -1) + 1 FROM promotion_steps WHERE promotion_id = $1), $2, $3, $4)",
            )
            .bind(step.promotion_id)
            .bind(&step.valid_from)
            .bind(&step.package_id)
            .bind(&step.rule)
            .execute(c)
            .await?;
        });
        Ok(())
    }

    /// A contract's promotions, oldest first.
    pub async fn contract_promotions(
        &mut self,
        contract_id: i64,
    ) -> Result<Vec<ContractPromotionRow>> {
        Ok(on_tx!(self, c => {
            sqlx::query_as::<_, ContractPromotionRow>(
                "SELECT * FROM contract_promotions WHERE contract_id = $1 ORDER BY id",
            )
            .bind(contract_id)
            .fetch_all(c)
            .await?
        }))
    }

    /// The promotions of every contract of a market, oldest first.
    pub async fn market_promotions(&mut self, market: &str) -> Result<Vec<ContractPromotionRow>> {
        Ok(on_tx!(self, c => {
            sqlx::query_as::<_, ContractPromotionRow>(
                "SELECT p.* FROM contract_promotions p JOIN contracts k ON k.id = p.contract_id
                 WHERE k.market = $1 ORDER BY p.id",
            )
            .bind(market)
            .fetch_all(c)
            .await?
        }))
    }

    /// The schedule of one promotion.
    pub async fn promotion_steps(&mut self, promotion_id: i64) -> Result<Vec<PromotionStepRow>> {
        Ok(on_tx!(self, c => {
            sqlx::query_as::<_, PromotionStepRow>(
                "SELECT * FROM promotion_steps WHERE promotion_id = $1 ORDER BY seq",
            )
            .bind(promotion_id)
            .fetch_all(c)
            .await?
        }))
    }

    /// The schedules of every promotion of a market.
    pub async fn market_promotion_steps(&mut self, market: &str) -> Result<Vec<PromotionStepRow>> {
        Ok(on_tx!(self, c => {
            sqlx::query_as::<_, PromotionStepRow>(
                "SELECT s.* FROM promotion_steps s JOIN contract_promotions p ON p.id = s.promotion_id
                 JOIN contracts k ON k.id = p.contract_id WHERE k.market = $1 ORDER BY s.promotion_id, s.seq",
            )
            .bind(market)
            .fetch_all(c)
            .await?
        }))
    }
}
