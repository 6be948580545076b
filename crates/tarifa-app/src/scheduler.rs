//! The daily scheduler: for every day the clock passes, each market's jobs
//! run once, in date order, as commands. The server drives it from the
//! system clock; `simulate` from its virtual clock. A day's jobs and the
//! mark that they ran commit together, so a restart neither skips nor
//! repeats a day.

use jiff::ToSpan;
use jiff::civil::Date;
use tarifa_core::market::Market;
use tarifa_core::rule::{Decision, rules};

use crate::{App, Ctx, Result, convert, record};

/// What a scheduler pass did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SchedulerReport {
    pub days: u32,
    pub decisions: u32,
}

impl App {
    /// Runs every market's jobs for each day up to and including `until`
    /// that has not run yet. A market that never ran starts at `first_day`.
    pub async fn run_scheduler(
        &self,
        ctx: &Ctx,
        first_day: Date,
        until: Date,
    ) -> Result<SchedulerReport> {
        let mut report = SchedulerReport::default();
        let markets: Vec<_> = self.markets().cloned().collect();
        for market in markets {
            let mut tx = self.begin(ctx).await?;
            let last = tx.last_scheduled_day(&market.id).await?;
            tx.rollback().await?;
            let mut day = match last {
                Some(last) => convert::date("scheduler day", &last)?
                    .checked_add(1.day())
                    .unwrap_or(until),
                None => first_day,
            };
            while day <= until {
                report.decisions += self.run_day(ctx, &market, day).await?;
                report.days += 1;
                day = match day.checked_add(1.day()) {
                    Ok(next) => next,
                    Err(_) => break,
                };
            }
        }
        Ok(report)
    }

    /// One day's jobs for one market, in one transaction.
    async fn run_day(&self, ctx: &Ctx, market: &Market, day: Date) -> Result<u32> {
        let mut tx = self.begin(ctx).await?;
        let mut decisions = 0;
        // CON-2: a commitment that ends today leaves an indefinite contract, unchanged.
        for row in tx
            .contracts_with_commitment_end(&market.id, &day.to_string())
            .await?
        {
            let id = row.id;
            let mut decision = Decision::approved();
            decision.because(
                rules::CON_2,
                format!("the commitment ended on {day}: the contract goes on unchanged as an indefinite contract"),
            );
            record(
                &mut tx,
                market,
                day,
                "commitment_end",
                Some(format!("contract:{id}")),
                &decision,
                ctx,
            )
            .await?;
            decisions += 1;
        }
        tx.finish_scheduled_day(&market.id, &day.to_string())
            .await?;
        tx.commit().await?;
        Ok(decisions)
    }
}
