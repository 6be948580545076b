//! `tarifa einvoice`: bills as the tax authorities take them, and their
//! reporting.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, Result, bail};
use tarifa_app::einvoice::{NavClient, SubmitPolicy, credentials_from_env, credentials_from_file};
use tarifa_app::{App, Ctx};

#[derive(clap::Subcommand)]
pub enum Command {
    /// Write a Hungarian bill or credit note as NAV Online Számla 3.0's
    /// InvoiceData XML, as it is (or would be) reported.
    Export(ExportArgs),
    /// Report the queued bills and credit notes to NAV: batches of at most
    /// 100, then poll each transaction until every document is done or
    /// aborted. The technical user comes from TARIFA_NAV_LOGIN,
    /// TARIFA_NAV_PASSWORD, TARIFA_NAV_SIGNATURE_KEY and
    /// TARIFA_NAV_EXCHANGE_KEY, or from --credentials.
    Submit(SubmitArgs),
    /// Where each reported document stands: queued, sent, done or aborted.
    List(ListArgs),
    /// Queue an aborted document again, once its data are mended.
    Requeue(RequeueArgs),
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

#[derive(clap::Args)]
pub struct SubmitArgs {
    #[arg(long, value_name = "URL", default_value = crate::DEFAULT_DB)]
    db: String,
    #[arg(long, default_value = "hu")]
    market: String,
    /// The service's base URL, e.g.
    /// https://api-test.onlineszamla.nav.gov.hu/invoiceService/v3
    #[arg(long, value_name = "URL", env = "TARIFA_NAV_ENDPOINT")]
    endpoint: String,
    /// A TOML file of login, password, signature_key and exchange_key
    /// (instead of the environment).
    #[arg(long, value_name = "FILE")]
    credentials: Option<PathBuf>,
    /// One pass only: form batches, send or poll what is due, and stop.
    #[arg(long)]
    once: bool,
    /// Seconds to wait for an answer before counting it lost.
    #[arg(long, default_value_t = 60)]
    timeout: u64,
    /// Seconds between polls of a transaction still being processed.
    #[arg(long, default_value_t = 10)]
    poll_every: u64,
    /// Seconds to wait after the first failed send (doubled after each).
    #[arg(long, default_value_t = 30)]
    retry_after: u64,
    #[arg(long)]
    json: bool,
}

#[derive(clap::Args)]
pub struct ListArgs {
    #[arg(long, value_name = "URL", default_value = crate::DEFAULT_DB)]
    db: String,
    #[arg(long, default_value = "hu")]
    market: String,
    #[arg(long)]
    json: bool,
}

#[derive(clap::Args)]
pub struct RequeueArgs {
    #[arg(long, value_name = "URL", default_value = crate::DEFAULT_DB)]
    db: String,
    /// The aborted bill's or credit note's number.
    #[arg(long, value_name = "NUMBER")]
    bill: String,
}

pub fn run(command: Command, markets: Option<&PathBuf>) -> Result<()> {
    let markets = crate::load_markets(markets)?;
    let ctx = Ctx::new("cli");
    crate::runtime()?.block_on(async {
        match command {
            Command::Export(args) => {
                let app = crate::open_existing_app(&args.db, markets).await?;
                let xml = app.nav_invoice_data(&ctx, &args.bill).await?;
                std::fs::write(&args.out, xml)
                    .with_context(|| format!("writing {}", args.out.display()))?;
                tell!("{} → {}", args.bill, args.out.display());
            }
            Command::Submit(args) => {
                let app = crate::open_existing_app(&args.db, markets).await?;
                let client = nav_client(
                    &app,
                    &args.market,
                    &args.endpoint,
                    args.credentials.as_deref(),
                    Duration::from_secs(args.timeout),
                )?;
                let defaults = SubmitPolicy::default();
                let policy = SubmitPolicy {
                    poll_wait: Duration::from_secs(args.poll_every),
                    retry: tarifa_app::delivery::RetryPolicy {
                        first_wait: Duration::from_secs(args.retry_after),
                        ..defaults.retry
                    },
                    ..defaults
                };
                submit(&app, &ctx, &args, &client, &policy).await?;
            }
            Command::List(args) => {
                let app = crate::open_existing_app(&args.db, markets).await?;
                let rows = app.einvoices(&ctx, &args.market).await?;
                if args.json {
                    say!("{}", serde_json::to_string_pretty(&rows)?);
                } else {
                    for r in &rows {
                        say!(
                            "{:<22} {:<11} {:<8} {:<18} attempts {} {}",
                            r.number,
                            r.kind,
                            r.state,
                            r.transaction_id.as_deref().unwrap_or("-"),
                            r.attempts,
                            r.last_error.as_deref().unwrap_or("")
                        );
                    }
                    say!("{} documents", rows.len());
                }
            }
            Command::Requeue(args) => {
                let app = crate::open_existing_app(&args.db, markets).await?;
                app.requeue_einvoice(&ctx, &args.bill).await?;
                tell!("{} is queued again", args.bill);
            }
        }
        Ok(())
    })
}

/// The connection to NAV for `market`, with the technical user from the
/// file or the environment.
pub fn nav_client(
    app: &App,
    market: &str,
    endpoint: &str,
    credentials: Option<&Path>,
    timeout: Duration,
) -> Result<NavClient> {
    let market = app.market(market)?;
    if market.einvoice.is_none() {
        bail!(
            "market {} reports its bills to no tax authority (no [einvoice] in its market file)",
            market.id
        );
    }
    let tax_number = &market.operator.tax_id;
    let credentials = match credentials {
        Some(path) => credentials_from_file(path, tax_number),
        None => credentials_from_env(tax_number),
    }
    .map_err(|e| anyhow::anyhow!("the NAV technical user: {e}"))?;
    Ok(NavClient::new(endpoint, credentials, timeout))
}

/// Passes until nothing is queued or waiting for the authority (or one).
async fn submit(
    app: &App,
    ctx: &Ctx,
    args: &SubmitArgs,
    client: &NavClient,
    policy: &SubmitPolicy,
) -> Result<()> {
    let mut total = tarifa_app::einvoice::SubmitReport::default();
    loop {
        total += app
            .submit_einvoices(ctx, &args.market, client, policy)
            .await?;
        if args.once || !app.einvoices_pending(ctx, &args.market).await? {
            break;
        }
        tokio::time::sleep(
            policy
                .poll_wait
                .min(Duration::from_secs(1))
                .max(Duration::from_millis(200)),
        )
        .await;
    }
    if args.json {
        say!("{}", serde_json::to_string_pretty(&total)?);
    } else {
        say!(
            "{} batches of {} documents sent; {} done, {} aborted, {} refused before sending, {} attempts to repeat",
            total.batches,
            total.documents,
            total.done,
            total.aborted,
            total.refused,
            total.retrying
        );
    }
    Ok(())
}
