//! The daily scheduler: for every day the clock passes, each market's jobs
//! run once, in date order, as commands. The server drives it from the
//! system clock; `simulate` from its virtual clock. A day's jobs and the
//! mark that they ran commit together, so a restart neither skips nor
//! repeats a day.

use jiff::ToSpan;
use jiff::civil::Date;
use tarifa_core::market::Market;
use tarifa_core::rule::{Decision, rules};
use tarifa_core::time::add_months;

use crate::{App, Ctx, Result, convert, record};

/// What a scheduler pass did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SchedulerReport {
    pub days: u32,
    pub decisions: u32,
    /// Bills the days' bill runs issued.
    pub bills: u64,
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
                let (decisions, bills) = self.run_day(ctx, &market, day).await?;
                report.decisions += decisions;
                report.bills += bills;
                report.days += 1;
                day = match day.checked_add(1.day()) {
                    Ok(next) => next,
                    Err(_) => break,
                };
            }
        }
        Ok(report)
    }

    /// One day's jobs for one market. Bulk jobs (the bill run) commit their
    /// own batches and are idempotent; the small jobs and the mark that the
    /// day ran commit together.
    /// Returns the decisions taken and the bills issued.
    async fn run_day(&self, ctx: &Ctx, market: &Market, day: Date) -> Result<(u32, u64)> {
        let mut bills = 0;
        if market.applies(rules::BIL_1)
            && day.day() == i8::try_from(market.rules.bil_1.issue_day).unwrap_or(1)
        {
            let month = add_months(day.first_of_month(), -1);
            let run = self.run_bills(ctx, market, month, day).await?;
            tracing::info!(market = %market.id, period = %run.period, issued = run.issued, "bill run");
            bills = run.issued;
            self.make_bill_notices(ctx).await?;
        }
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
        decisions += self
            .run_scheduled_terminations(&mut tx, ctx, market, day)
            .await?;
        decisions += self
            .run_complaint_deadlines(&mut tx, ctx, market, day)
            .await?;
        decisions += self.run_dunning(&mut tx, ctx, market, day).await?;
        decisions += self
            .run_equipment_returns(&mut tx, ctx, market, day)
            .await?;
        self.run_commitment_notices(&mut tx, market, day).await?;
        self.run_price_changes(&mut tx, market, day).await?;
        decisions += self
            .run_package_withdrawals(&mut tx, ctx, market, day)
            .await?;
        self.run_number_changes(&mut tx, market, day).await?;
        decisions += self.run_abuse(&mut tx, ctx, market, day).await?;
        decisions += self.run_retention(&mut tx, ctx, market, day).await?;
        tx.finish_scheduled_day(&market.id, &day.to_string())
            .await?;
        tx.commit().await?;
        Ok((decisions, bills))
    }
}
