//! `tarifa bills`: list bills, render one as PDF or HTML, correct one by a
//! credit note.

use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use tarifa_app::Ctx;
use tarifa_app::corrections::Credit;
use tarifa_app::documents::BillFilter;
use tarifa_render::Format;
use tarifa_texts::Lang;

#[derive(clap::Subcommand)]
pub enum Command {
    /// List bills, by number: all, one market's or one customer's.
    List(ListArgs),
    /// Write one bill as a PDF or HTML document.
    Render(RenderArgs),
    /// Correct an issued bill with a credit note (the bill itself never changes).
    Credit(CreditArgs),
}

#[derive(clap::Args)]
#[command(group(clap::ArgGroup::new("what").required(true).args(["amount", "lines"])))]
pub struct CreditArgs {
    #[arg(long, value_name = "URL", default_value = crate::DEFAULT_DB)]
    db: String,
    /// The number of the bill corrected, e.g. ME-2026-0000001.
    #[arg(long, value_name = "NUMBER")]
    bill: String,
    /// An amount to credit, VAT included, spread over the bill's VAT rates.
    #[arg(long, value_name = "AMOUNT")]
    amount: Option<String>,
    /// Lines of the bill to credit, by number from 1, each wholly or up to
    /// an amount: `2,5=1.50`.
    #[arg(long, value_name = "LINES")]
    lines: Option<String>,
    /// Why the bill is corrected (printed on the credit note).
    #[arg(long)]
    reason: String,
    /// Print the credit note as JSON.
    #[arg(long)]
    json: bool,
}

#[derive(clap::Args)]
pub struct ListArgs {
    #[arg(long, value_name = "URL", default_value = crate::DEFAULT_DB)]
    db: String,
    #[arg(long)]
    market: Option<String>,
    /// The customer's id.
    #[arg(long, value_name = "ID")]
    customer: Option<i64>,
    /// Print a JSON array instead of a table.
    #[arg(long)]
    json: bool,
}

#[derive(clap::Args)]
pub struct RenderArgs {
    #[arg(long, value_name = "URL", default_value = crate::DEFAULT_DB)]
    db: String,
    /// The bill's number, e.g. RS-2026-0000001.
    #[arg(long, value_name = "NUMBER")]
    bill: String,
    /// pdf or html.
    #[arg(long, default_value = "pdf")]
    format: String,
    /// Where to write the document.
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
    /// sr, hu, me or en (default: the customer's language, else the market's).
    #[arg(long)]
    lang: Option<String>,
}

pub fn run(command: Command, markets: Option<&PathBuf>) -> Result<()> {
    let markets = crate::load_markets(markets)?;
    let ctx = Ctx::new("cli");
    match command {
        Command::List(args) => crate::runtime()?.block_on(async {
            let app = crate::open_existing_app(&args.db, markets).await?;
            let filter = BillFilter {
                market: args.market.clone(),
                customer: args.customer,
            };
            let bills = app.list_bills(&ctx, &filter).await?;
            if args.json {
                say!("{}", serde_json::to_string_pretty(&bills)?);
            } else {
                say!(
                    "{:<18} {:>8} {:<6} {:<8} {:>14} {:>14}",
                    "number",
                    "customer",
                    "market",
                    "period",
                    "total",
                    "total due"
                );
                for b in &bills {
                    say!(
                        "{:<18} {:>8} {:<6} {:<8} {:>14} {:>14} {}",
                        b.number,
                        b.customer,
                        b.market,
                        b.period,
                        b.total,
                        b.total_due,
                        b.currency
                    );
                }
            }
            Ok(())
        }),
        Command::Credit(args) => crate::runtime()?.block_on(async {
            let app = crate::open_existing_app(&args.db, markets).await?;
            let credit = match (&args.amount, &args.lines) {
                (Some(amount), _) => Credit::Amount(amount.clone()),
                (None, Some(lines)) => Credit::parse_lines(lines)?,
                (None, None) => bail!("--amount or --lines: what the credit note takes back"),
            };
            let note = app
                .credit_note(&ctx, &args.bill, &credit, &args.reason)
                .await?;
            if args.json {
                say!("{}", serde_json::to_string_pretty(&note)?);
            } else {
                say!(
                    "{} corrects {}: {} {} (VAT {})",
                    note.number,
                    note.corrects,
                    note.total,
                    note.currency,
                    note.vat
                );
            }
            Ok(())
        }),
        Command::Render(args) => {
            let Some(format) = Format::parse(&args.format) else {
                bail!("--format {:?}: pdf or html", args.format);
            };
            let lang = args
                .lang
                .as_deref()
                .map(|tag| {
                    Lang::known(tag)
                        .ok_or_else(|| anyhow::anyhow!("--lang {tag:?}: sr, hu, me or en"))
                })
                .transpose()?;
            crate::runtime()?.block_on(async {
                let app = crate::open_existing_app(&args.db, markets).await?;
                let view = app.bill_view(&ctx, &args.bill, lang, None).await?;
                let bytes = tarifa_render::render(&view, format)?;
                std::fs::write(&args.out, bytes)
                    .with_context(|| format!("writing {}", args.out.display()))?;
                tell!("{} ({}) → {}", args.bill, view.lang, args.out.display());
                Ok(())
            })
        }
    }
}
