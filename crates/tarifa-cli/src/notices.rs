//! `tarifa notices`: the outbox of notices and its delivery.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Result, bail};
use tarifa_app::Ctx;
use tarifa_app::delivery::{Channels, PrintQueue, RetryPolicy, SmsGateway, SmtpChannel};

#[derive(clap::Subcommand)]
pub enum Command {
    /// Send the notices that are due, on the channels given; the others wait.
    Deliver(DeliverArgs),
    /// Print a market's notices with their delivery state as JSON.
    List(ListArgs),
}

#[derive(clap::Args)]
pub struct DeliverArgs {
    #[arg(long, value_name = "URL", default_value = crate::DEFAULT_DB)]
    db: String,
    /// SMTP relay, e.g. smtp://localhost:25 or smtps://user:pass@mail.example.me.
    #[arg(long, value_name = "URL", requires = "from")]
    smtp: Option<String>,
    /// The sender of e-mail, e.g. "Operator <notices@example.me>".
    #[arg(long)]
    from: Option<String>,
    /// The SMS gateway's URL (JSON POST of to, text, reference).
    #[arg(long, value_name = "URL")]
    sms_gateway: Option<String>,
    /// Bearer token for the SMS gateway (or TARIFA_SMS_TOKEN).
    #[arg(long, env = "TARIFA_SMS_TOKEN", hide_env_values = true)]
    sms_token: Option<String>,
    /// The folder letters are written to for printing.
    #[arg(long, value_name = "DIR")]
    print_queue: Option<PathBuf>,
    /// Keep delivering, one pass every this many seconds, until stopped.
    #[arg(long, value_name = "SECONDS")]
    every: Option<u64>,
}

#[derive(clap::Args)]
pub struct ListArgs {
    #[arg(long, value_name = "URL", default_value = crate::DEFAULT_DB)]
    db: String,
    #[arg(long)]
    market: String,
}

pub fn run(command: Command, markets: Option<&PathBuf>) -> Result<()> {
    let markets = crate::load_markets(markets)?;
    match command {
        Command::Deliver(args) => deliver(args, markets),
        Command::List(args) => crate::runtime()?.block_on(async {
            let app = crate::open_existing_app(&args.db, markets).await?;
            let notices = app.notices(&args.market).await?;
            say!("{}", serde_json::to_string_pretty(&notices)?);
            Ok(())
        }),
    }
}

fn deliver(args: DeliverArgs, markets: Vec<tarifa_core::market::Market>) -> Result<()> {
    let mut channels = Channels::default();
    if let Some(url) = &args.smtp {
        let from = args.from.as_deref().unwrap_or_default();
        channels.email = Some(Box::new(
            SmtpChannel::new(url, from).map_err(anyhow::Error::msg)?,
        ));
    }
    if let Some(url) = &args.sms_gateway {
        channels.sms = Some(Box::new(SmsGateway::new(url, args.sms_token.clone())));
    }
    if let Some(dir) = &args.print_queue {
        channels.post = Some(Box::new(PrintQueue::new(dir)));
    }
    if channels.email.is_none() && channels.sms.is_none() && channels.post.is_none() {
        bail!("no channel given: --smtp, --sms-gateway and/or --print-queue");
    }
    crate::runtime()?.block_on(async {
        let app = crate::open_existing_app(&args.db, markets).await?;
        let ctx = Ctx::new("notices");
        let policy = RetryPolicy::default();
        loop {
            let report = app.deliver_notices(&ctx, &channels, &policy).await?;
            say!("{}", serde_json::to_string(&report)?);
            match args.every {
                Some(seconds) => tokio::time::sleep(Duration::from_secs(seconds.max(1))).await,
                None => return Ok(()),
            }
        }
    })
}
