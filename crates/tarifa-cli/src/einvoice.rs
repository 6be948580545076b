//! `tarifa einvoice`: bills as the tax authorities take them.

use std::path::PathBuf;

use anyhow::{Context, Result};
use tarifa_app::Ctx;

#[derive(clap::Subcommand)]
pub enum Command {
    /// Write a Hungarian bill or credit note as NAV Online Számla 3.0's
    /// InvoiceData XML, as it is (or would be) reported.
    Export(ExportArgs),
}

#[derive(clap::Args)]
pub struct ExportArgs {
    #[arg(long, value_name = "URL", default_value = crate::DEFAULT_DB)]
    db: String,
    /// The bill's or credit note's number, e.g. HU-2026-0000001.
    #[arg(long, value_name = "NUMBER")]
    bill: String,
    /// Where to write the XML.
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
}

pub fn run(command: Command, markets: Option<&PathBuf>) -> Result<()> {
    let markets = crate::load_markets(markets)?;
    let ctx = Ctx::new("cli");
    match command {
        Command::Export(args) => crate::runtime()?.block_on(async {
            let app = crate::open_existing_app(&args.db, markets).await?;
            let xml = app.nav_invoice_data(&ctx, &args.bill).await?;
            std::fs::write(&args.out, xml)
                .with_context(|| format!("writing {}", args.out.display()))?;
            tell!("{} → {}", args.bill, args.out.display());
            Ok(())
        }),
    }
}
