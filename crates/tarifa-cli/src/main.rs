//! `tarifa`: the command line of the billing system.

mod calendar;
mod demo;
mod simulate;

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
    };
    match result {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
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
