//! `tarifa calendar`: a market's working days and public holidays.

use std::io::Write;
use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use clap::Subcommand;
use jiff::civil::Date;

#[derive(Subcommand)]
pub enum Command {
    /// Print each working day of a range, one YYYY-MM-DD per line.
    WorkingDays {
        #[arg(long)]
        market: String,
        /// First day (inclusive).
        #[arg(long)]
        from: Date,
        /// Last day (inclusive).
        #[arg(long)]
        to: Date,
    },
    /// List a year's public holidays (and moved rest days) with their names.
    Holidays {
        #[arg(long)]
        market: String,
        #[arg(long)]
        year: i16,
    },
    /// The date N working days after a date (the date itself not counted).
    AddWorkingDays {
        #[arg(long)]
        market: String,
        #[arg(long)]
        from: Date,
        #[arg(long)]
        days: u32,
    },
}

pub fn run(command: Command, markets: Option<&PathBuf>) -> Result<()> {
    let mut out = std::io::stdout().lock();
    match command {
        Command::WorkingDays { market, from, to } => {
            if to < from {
                bail!("--to {to} is before --from {from}");
            }
            let market = crate::load_market(markets, &market)?;
            warn_if_incomplete(&market, from.year(), to.year());
            for day in market.calendar.working_days(from, to) {
                writeln!(out, "{day}").context("writing to stdout")?;
            }
        }
        Command::Holidays { market, year } => {
            let market = crate::load_market(markets, &market)?;
            warn_if_incomplete(&market, year, year);
            for holiday in market.calendar.holidays(year) {
                writeln!(
                    out,
                    "{}  {}  {}",
                    holiday.date,
                    holiday.date.weekday_abbrev(),
                    holiday.name
                )
                .context("writing to stdout")?;
            }
        }
        Command::AddWorkingDays { market, from, days } => {
            let market = crate::load_market(markets, &market)?;
            writeln!(out, "{}", market.calendar.add_working_days(from, days))
                .context("writing to stdout")?;
        }
    }
    Ok(())
}

fn warn_if_incomplete(market: &tarifa_core::market::Market, from: i16, to: i16) {
    for year in from..=to {
        if !market.calendar.is_complete_for(year) {
            tell!(
                "warning: the {} calendar has no decreed moved days for {year} yet; only statutory holidays are counted",
                market.id
            );
        }
    }
}

trait WeekdayAbbrev {
    fn weekday_abbrev(&self) -> &'static str;
}

impl WeekdayAbbrev for Date {
    fn weekday_abbrev(&self) -> &'static str {
        use jiff::civil::Weekday::*;
        match self.weekday() {
            Monday => "Mon",
            Tuesday => "Tue",
            Wednesday => "Wed",
            Thursday => "Thu",
            Friday => "Fri",
            Saturday => "Sat",
            Sunday => "Sun",
        }
    }
}
