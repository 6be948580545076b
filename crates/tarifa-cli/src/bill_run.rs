//! `tarifa bill-run`: issue a market's bills for a month (the scheduler does
//! this on the 1st; this runs it by hand, e.g. after an import).

use std::path::PathBuf;

use anyhow::{Context, Result};
use jiff::civil::Date;
use tarifa_app::Ctx;

#[derive(clap::Args)]
pub struct Args {
    #[arg(long)]
    market: String,
    /// The month billed, YYYY-MM.
    #[arg(long)]
    period: String,
    /// Issue date (default: the market's issue day of the next month, BIL-1,
    /// or today when that has not come yet). The month must have ended.
    #[arg(long)]
    issued: Option<Date>,
    #[arg(long, value_name = "URL", default_value = crate::DEFAULT_DB)]
    db: String,
    /// Bills written per transaction.
    #[arg(long, default_value_t = 5_000)]
    batch_size: usize,
}

/// Test hook: milliseconds to pause after each batch, so a test can kill a
/// run half-way and prove that running it again issues each bill once.
const PAUSE_VAR: &str = "TARIFA_BILL_RUN_PAUSE_MS";

pub fn parse_period(text: &str) -> Result<Date> {
    tarifa_app::billing::parse_period(text)
        .with_context(|| format!("--period {text:?} is not a month (YYYY-MM)"))
}

pub fn run(args: Args, markets: Option<&PathBuf>) -> Result<()> {
    let month = parse_period(&args.period)?;
    let markets = crate::load_markets(markets)?;
    crate::runtime()?.block_on(async {
        let app = crate::open_existing_app(&args.db, markets).await?;
        let market = app.market(&args.market)?.clone();
        let options = tarifa_app::billing::BillRunOptions {
            batch_size: args.batch_size,
            pause_between_batches: std::env::var(PAUSE_VAR)
                .ok()
                .and_then(|v| v.parse().ok())
                .map(std::time::Duration::from_millis),
            ..tarifa_app::billing::BillRunOptions::default()
        };
        let summary = app
            .requested_bill_run(
                &Ctx::new("cli:bill-run"),
                &market,
                month,
                args.issued,
                options,
            )
            .await?;
        app.store().close().await;
        say!("{}", serde_json::to_string(&summary)?);
        Ok(())
    })
}
