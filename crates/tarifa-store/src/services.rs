//! Spending limits (USE-4) and itemised listings (USE-5).

use crate::{ListingRow, Result, SpendingLimitRow, Tx, on_tx};

impl Tx {
    /// Records a spending-limit activation; returns its id.
    pub async fn insert_spending_limit(
        &mut self,
        contract_id: i64,
        amount_minor: i64,
        on: &str,
    ) -> Result<i64> {
        let id: i64 = on_tx!(self, c => {
            sqlx::query_scalar(
                "INSERT INTO spending_limits (contract_id, amount_minor, activated_on) VALUES ($1, $2, $3) RETURNING id",
            )
            .bind(contract_id)
            .bind(amount_minor)
            .bind(on)
            .fetch_one(c)
            .await?
        });
        self.audit(
            Some(on),
            "spending_limit",
            "contract",
            &contract_id.to_string(),
            &serde_json::json!({ "amount": amount_minor }),
        )
        .await?;
        Ok(id)
    }

    /// Activation days of a contract's spending limits.
    pub async fn spending_limit_days(&mut self, contract_id: i64) -> Result<Vec<String>> {
        Ok(on_tx!(self, c => {
            sqlx::query_scalar("SELECT activated_on FROM spending_limits WHERE contract_id = $1 ORDER BY id")
                .bind(contract_id)
                .fetch_all(c)
                .await?
        }))
    }

    /// Records a listing given; returns its id.
    pub async fn insert_listing(
        &mut self,
        contract_id: i64,
        period: &str,
        on: &str,
        records: i64,
        pages: i64,
        delivery: &str,
    ) -> Result<i64> {
        let id: i64 = on_tx!(self, c => {
            sqlx::query_scalar(
                "INSERT INTO listings (contract_id, period, requested_on, records, pages, delivery)
                 VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
            )
            .bind(contract_id)
            .bind(period)
            .bind(on)
            .bind(records)
            .bind(pages)
            .bind(delivery)
            .fetch_one(c)
            .await?
        });
        self.audit(
            Some(on),
            "listing",
            "contract",
            &contract_id.to_string(),
            &serde_json::json!({ "period": period, "pages": pages }),
        )
        .await?;
        Ok(id)
    }

    /// Days listings of a contract were given.
    pub async fn listing_days(&mut self, contract_id: i64) -> Result<Vec<String>> {
        Ok(on_tx!(self, c => {
            sqlx::query_scalar("SELECT requested_on FROM listings WHERE contract_id = $1 ORDER BY id")
                .bind(contract_id)
                .fetch_all(c)
                .await?
        }))
    }

    /// The spending limits set on a customer's contracts, newest first.
    pub async fn spending_limits_of_customer(
        &mut self,
        customer_id: i64,
    ) -> Result<Vec<SpendingLimitRow>> {
        Ok(on_tx!(self, c => {
            sqlx::query_as::<_, SpendingLimitRow>(
                "SELECT s.* FROM spending_limits s JOIN contracts k ON k.id = s.contract_id
                 WHERE k.customer_id = $1 ORDER BY s.id DESC",
            )
            .bind(customer_id)
            .fetch_all(c)
            .await?
        }))
    }

    /// The listings given for a customer's contracts, newest first.
    pub async fn listings_of_customer(&mut self, customer_id: i64) -> Result<Vec<ListingRow>> {
        Ok(on_tx!(self, c => {
            sqlx::query_as::<_, ListingRow>(
                "SELECT l.* FROM listings l JOIN contracts k ON k.id = l.contract_id
                 WHERE k.customer_id = $1 ORDER BY l.id DESC",
            )
            .bind(customer_id)
            .fetch_all(c)
            .await?
        }))
    }

    /// An itemised listing given, by id.
    pub async fn listing_given(&mut self, id: i64) -> Result<Option<ListingRow>> {
        Ok(on_tx!(self, c => {
            sqlx::query_as::<_, ListingRow>("SELECT * FROM listings WHERE id = $1")
                .bind(id)
                .fetch_optional(c)
                .await?
        }))
    }
}
