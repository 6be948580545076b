//! Which days' scheduled jobs have run, so a restart neither skips nor repeats a day.

use crate::{Result, Tx, on_tx};

impl Tx {
    /// The last day whose jobs finished for a market.
    pub async fn last_scheduled_day(&mut self, market: &str) -> Result<Option<String>> {
        Ok(on_tx!(self, c => {
            sqlx::query_scalar("SELECT MAX(day) FROM scheduler_days WHERE market = $1")
                .bind(market)
                .fetch_one(c)
                .await?
        }))
    }

    /// Marks a day's jobs as done (in the transaction that did them).
    pub async fn finish_scheduled_day(&mut self, market: &str, day: &str) -> Result<()> {
        let at = self.recorded_at.clone();
        on_tx!(self, c => {
            sqlx::query("INSERT INTO scheduler_days (market, day, finished_at) VALUES ($1, $2, $3)")
                .bind(market)
                .bind(day)
                .bind(&at)
                .execute(c)
                .await?;
        });
        Ok(())
    }
}
