//! `tarifa simulate FILE.toml`: the scenario language of SCENARIOS.md.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use tarifa_app::simulate::{self, Scenario};

#[derive(clap::Args)]
pub struct Args {
    /// The scenario file.
    file: PathBuf,
    /// Write the report here instead of stdout.
    #[arg(long, value_name = "FILE.json")]
    out: Option<PathBuf>,
    /// Run against this database instead of a private in-memory SQLite. It
    /// must be empty (no customer, no audit event): a scenario's fictitious
    /// contracts would otherwise be billed with the real ones.
    #[arg(long, value_name = "URL")]
    db: Option<String>,
}

pub fn run(args: Args, markets: Option<&PathBuf>) -> Result<ExitCode> {
    let text = match std::fs::read_to_string(&args.file) {
        Ok(text) => text,
        Err(e) => {
            tell!("{}: {e}", args.file.display());
            return Ok(ExitCode::from(2));
        }
    };
    let scenario = match Scenario::parse(&text) {
        Ok(scenario) => scenario,
        Err(e) => {
            tell!("{}: {e}", args.file.display());
            return Ok(ExitCode::from(2));
        }
    };
    let presets = crate::load_markets(markets)?;
    let market_for = |id: &str| presets.iter().find(|m| m.id == id).cloned();
    let url = args.db.unwrap_or_else(|| "sqlite::memory:".to_owned());
    let outcome = crate::runtime()?.block_on(simulate::run_on(
        &scenario,
        market_for,
        &url,
        args.file.parent(),
    ));
    let simulation = match outcome {
        Ok(simulation) => simulation,
        Err(e) => {
            tell!("{}: {e}", args.file.display());
            return Ok(ExitCode::from(2));
        }
    };
    let json = serde_json::to_string_pretty(&simulation.report).context("encoding the report")?;
    match &args.out {
        Some(path) => std::fs::write(path, json + "\n")
            .with_context(|| format!("writing {}", path.display()))?,
        None => say!("{json}"),
    }
    for failure in &simulation.failures {
        tell!("{}: expectation failed: {failure}", args.file.display());
    }
    Ok(ExitCode::from(
        u8::try_from(simulation.exit_code()).unwrap_or(1),
    ))
}
