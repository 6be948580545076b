//! `tarifa`: the command line of the billing system.

/// mimalloc instead of the system allocator: the import and the bill run
/// allocate from several threads at once, and glibc's malloc took a fifth of
/// their time (see docs/benchmarks.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// `println!` that never panics: when standard output is closed or its
/// reader went away, the line is lost and the command goes on (`| head`).
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout(), $($arg)*);
    }};
}

/// `eprintln!` that never panics: a closed standard error loses messages,
/// not the command's work.
macro_rules! tell {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), $($arg)*);
    }};
}

mod bench;
mod bill_run;
mod bills;
mod calendar;
mod demo;
mod einvoice;
mod notices;
mod serve;
mod simulate;
mod token;
mod usage;
mod user;

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};
use tarifa_core::market::Market;

#[derive(Parser)]
#[command(
    name = "tarifa",
    version,
    about = "Subscriber lifecycle and billing for telecom operators"
)]
struct Cli {
    /// Folder of market files to use instead of the shipped presets (rs, hu, me).
    #[arg(long, global = true, value_name = "DIR")]
    markets: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run a scenario file on a virtual clock and print its report (exit 0 ok, 1 an expect failed, 2 invalid file).
    Simulate(simulate::Args),
    /// Seed a database with demo customers and contracts in every market and run three months.
    Demo(demo::Args),
    /// Market calendars: working days and public holidays.
    #[command(subcommand)]
    Calendar(calendar::Command),
    /// Usage records.
    #[command(subcommand)]
    Usage(usage::Command),
    /// Issue a market's bills for a month.
    BillRun(bill_run::Args),
    /// Bills: list them, render one as PDF or HTML, correct one by a credit note.
    #[command(subcommand)]
    Bills(bills::Command),
    /// E-invoices: a bill as the tax authority takes it (NAV Online Számla, Hungary).
    #[command(subcommand)]
    Einvoice(einvoice::Command),
    /// Benchmarks: generate a month of usage, then load, import and bill it.
    #[command(subcommand)]
    Bench(bench::Command),
    /// Notices to subscribers: list the outbox, deliver it.
    #[command(subcommand)]
    Notices(notices::Command),
    /// Serve HTTP (health, readiness, metrics) with the daily scheduler on the system clock.
    Serve(serve::Args),
    /// API tokens for the server: create, revoke.
    #[command(subcommand)]
    Token(token::Command),
    /// Users of the console and self-care (password logins): create.
    #[command(subcommand)]
    User(user::Command),
}

/// The demo's database, the default of every command that takes `--db`.
pub(crate) const DEFAULT_DB: &str = "tarifa-demo.sqlite";

/// Opens a database (creating a missing SQLite file) and the application
/// over it, on the system clock: for the commands that seed a database.
pub(crate) async fn open_app(url: &str, markets: Vec<Market>) -> Result<tarifa_app::App> {
    open_app_with(url, markets, tarifa_store::Create::IfMissing).await
}

/// Opens a database that must exist already: for the commands that read or
/// change what is there, so that a mistyped path is an error.
pub(crate) async fn open_existing_app(url: &str, markets: Vec<Market>) -> Result<tarifa_app::App> {
    open_app_with(url, markets, tarifa_store::Create::Never).await
}

async fn open_app_with(
    url: &str,
    markets: Vec<Market>,
    create: tarifa_store::Create,
) -> Result<tarifa_app::App> {
    let store = tarifa_store::Store::open_with(url, create)
        .await
        .with_context(|| format!("opening {}", tarifa_store::redact(url)))?;
    Ok(tarifa_app::App::new(store, markets, std::sync::Arc::new(tarifa_app::SystemClock)).await?)
}

/// The markets to use: the shipped presets, or an operator's folder.
pub(crate) fn load_markets(dir: Option<&PathBuf>) -> Result<Vec<Market>> {
    match dir {
        Some(dir) => tarifa_app::presets::load_dir(dir).map_err(anyhow::Error::msg),
        None => tarifa_app::presets::embedded().context("a shipped market preset is invalid"),
    }
}

/// One market by id.
pub(crate) fn load_market(dir: Option<&PathBuf>, id: &str) -> Result<Market> {
    let markets = load_markets(dir)?;
    let known: Vec<String> = markets.iter().map(|m| m.id.clone()).collect();
    markets
        .into_iter()
        .find(|m| m.id == id)
        .with_context(|| format!("unknown market {id:?} (known: {})", known.join(", ")))
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Simulate(args) => simulate::run(args, cli.markets.as_ref()),
        Command::Demo(args) => demo::run(args, cli.markets.as_ref()).map(|()| ExitCode::SUCCESS),
        Command::Calendar(command) => {
            calendar::run(command, cli.markets.as_ref()).map(|()| ExitCode::SUCCESS)
        }
        Command::Usage(command) => usage::run(command, cli.markets.as_ref()),
        Command::Notices(command) => {
            notices::run(command, cli.markets.as_ref()).map(|()| ExitCode::SUCCESS)
        }
        Command::BillRun(args) => {
            bill_run::run(args, cli.markets.as_ref()).map(|()| ExitCode::SUCCESS)
        }
        Command::Bills(command) => {
            bills::run(command, cli.markets.as_ref()).map(|()| ExitCode::SUCCESS)
        }
        Command::Einvoice(command) => {
            einvoice::run(command, cli.markets.as_ref()).map(|()| ExitCode::SUCCESS)
        }
        Command::Bench(command) => {
            bench::run(command, cli.markets.as_ref()).map(|()| ExitCode::SUCCESS)
        }
        Command::Serve(args) => serve::run(args, cli.markets.as_ref()).map(|()| ExitCode::SUCCESS),
        Command::Token(command) => {
            token::run(command, cli.markets.as_ref()).map(|()| ExitCode::SUCCESS)
        }
        Command::User(command) => {
            user::run(command, cli.markets.as_ref()).map(|()| ExitCode::SUCCESS)
        }
    };
    match result {
        Ok(code) => code,
        Err(error) => {
            tell!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

/// A runtime for the async application.
pub(crate) fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("could not start the async runtime")
}
