//! `tarifa bench`: generate a month of usage for N subscribers, then load,
//! import and bill it, timing each part.

use std::io::{BufRead, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result, bail};
use tarifa_app::Ctx;
use tarifa_app::contracts::Provisioned;
use tarifa_core::catalog::CatalogSpec;
use tarifa_core::time::add_months;

use crate::demo::Dice;

#[derive(clap::Subcommand)]
pub enum Command {
    /// Write DIR/catalog.toml, DIR/subscribers.csv and DIR/usage.csv for one month.
    Generate {
        #[arg(long, default_value = "me")]
        market: String,
        #[arg(long)]
        subscribers: u64,
        #[arg(long, default_value_t = 100)]
        records_per_subscriber: u64,
        /// The month, YYYY-MM.
        #[arg(long)]
        period: String,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        #[arg(long)]
        dir: PathBuf,
    },
    /// Load DIR into a fresh store, import the usage, run the month's bills,
    /// write DIR/totals.csv and print the timings as one JSON line.
    Run {
        #[arg(long)]
        dir: PathBuf,
        /// Database (default: a fresh SQLite file DIR/bench.sqlite).
        #[arg(long, value_name = "URL")]
        db: Option<String>,
        /// Load and import only: the bills are left to `tarifa bill-run`
        /// (for instance to measure it alone, or in several processes).
        #[arg(long)]
        no_bill_run: bool,
    },
    /// Write DIR/totals.csv from the month's bills in the database, however
    /// they were made (for `tools/bench_check.py`).
    Totals {
        #[arg(long)]
        dir: PathBuf,
        /// Database (default: DIR/bench.sqlite).
        #[arg(long, value_name = "URL")]
        db: Option<String>,
    },
}

/// The benchmark's description of what it generated.
#[derive(serde::Serialize, serde::Deserialize)]
struct Manifest {
    market: String,
    period: String,
    subscribers: u64,
    records: u64,
}

pub fn run(command: Command, markets: Option<&PathBuf>) -> Result<()> {
    match command {
        Command::Generate {
            market,
            subscribers,
            records_per_subscriber,
            period,
            seed,
            dir,
        } => generate(
            &crate::load_markets(markets)?,
            &market,
            subscribers,
            records_per_subscriber,
            &period,
            seed,
            &dir,
        ),
        Command::Run {
            dir,
            db,
            no_bill_run,
        } => bench_run(&dir, db, !no_bill_run, markets),
        Command::Totals { dir, db } => bench_totals(&dir, db, markets),
    }
}

/// The benchmark's packages, in the SCENARIOS.md catalog schema.
const CATALOG: &str = r#"# tarifa bench: packages of the generated month.
[[package]]
id = "bench-s"
name = "Bench S"
monthly_fee = "9.90"
voice_min = 100
sms = 50
data_mb = 2048
rates = { voice_min = "0.12", voice_intl_min = "0.59", sms = "0.06", data_mb = "0.0125" }

[[package]]
id = "bench-m"
name = "Bench M"
monthly_fee = "19.90"
voice_min = 500
sms = 200
data_mb = 10240
rates = { voice_min = "0.10", voice_intl_min = "0.49", sms = "0.05", data_mb = "0.01" }

[[package]]
id = "bench-l"
name = "Bench L"
monthly_fee = "29.90"
voice_min = -1
sms = -1
data_mb = 30720
rates = { voice_min = "0.10", voice_intl_min = "0.39", sms = "0.05", data_mb = "0.0075" }
"#;

/// The same packages for a currency billed in whole units (the forint):
/// the fees at about 400 to the euro, whole; the rates too.
const CATALOG_WHOLE_UNITS: &str = r#"# tarifa bench: packages of the generated month.
[[package]]
id = "bench-s"
name = "Bench S"
monthly_fee = "3990"
voice_min = 100
sms = 50
data_mb = 2048
rates = { voice_min = "48", voice_intl_min = "236", sms = "24", data_mb = "5" }

[[package]]
id = "bench-m"
name = "Bench M"
monthly_fee = "7990"
voice_min = 500
sms = 200
data_mb = 10240
rates = { voice_min = "40", voice_intl_min = "196", sms = "20", data_mb = "4" }

[[package]]
id = "bench-l"
name = "Bench L"
monthly_fee = "11990"
voice_min = -1
sms = -1
data_mb = 30720
rates = { voice_min = "40", voice_intl_min = "156", sms = "20", data_mb = "3" }
"#;

const PACKAGES: [&str; 3] = ["bench-s", "bench-m", "bench-l"];

fn generate(
    markets: &[tarifa_core::market::Market],
    market: &str,
    subscribers: u64,
    per: u64,
    period: &str,
    seed: u64,
    dir: &Path,
) -> Result<()> {
    let month = crate::bill_run::parse_period(period)?;
    let days = i64::from(month.days_in_month());
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let Some(of_market) = markets.iter().find(|m| m.id == market) else {
        bail!("--market {market:?}: not a market of this installation");
    };
    let catalog = if of_market.currency.minor_unit() == 0 {
        CATALOG_WHOLE_UNITS
    } else {
        CATALOG
    };
    std::fs::write(dir.join("catalog.toml"), catalog).context("writing catalog.toml")?;
    let mut dice = Dice(seed);
    let mut subs =
        BufWriter::with_capacity(1 << 20, std::fs::File::create(dir.join("subscribers.csv"))?);
    writeln!(subs, "number,package")?;
    let number = |i: u64| format!("+3826{:08}", i + 1);
    for i in 0..subscribers {
        writeln!(subs, "{},{}", number(i), dice.pick(&PACKAGES))?;
    }
    subs.flush()?;
    let mut usage =
        BufWriter::with_capacity(1 << 22, std::fs::File::create(dir.join("usage.csv"))?);
    writeln!(usage, "id,number,at,kind,to,quantity,roaming")?;
    let seconds_in_month = days * 86_400;
    let year = month.year();
    let mon = month.month();
    for i in 0..subscribers {
        let n = number(i);
        for k in 0..per {
            // Spread the records over the month, in time order per subscriber.
            let offset = (seconds_in_month * i64::try_from(k).unwrap_or(0))
                / i64::try_from(per.max(1)).unwrap_or(1)
                + i64::try_from(dice.below(3600)).unwrap_or(0);
            let offset = offset.min(seconds_in_month - 1);
            let day = offset / 86_400 + 1;
            let rest = offset % 86_400;
            let at = format!(
                "{year:04}-{mon:02}-{day:02}T{:02}:{:02}:{:02}",
                rest / 3600,
                rest / 60 % 60,
                rest % 60
            );
            let roll = dice.below(100);
            let (kind, to, quantity) = if roll < 45 {
                let to = match dice.below(100) {
                    0..=79 => format!("+3826{:08}", dice.below(subscribers.max(1)) + 1),
                    80..=97 => format!("+381{:09}", dice.below(1_000_000_000)),
                    _ => "112".to_owned(),
                };
                ("voice", to, dice.below(900) + 1)
            } else if roll < 65 {
                (
                    "sms",
                    format!("+3826{:08}", dice.below(subscribers.max(1)) + 1),
                    1,
                )
            } else {
                (
                    "data",
                    "internet".to_owned(),
                    dice.below(30 * 1024 * 1024) + 1,
                )
            };
            writeln!(usage, "r{i}-{k},{n},{at},{kind},{to},{quantity},")?;
        }
    }
    usage.flush()?;
    let manifest = Manifest {
        market: market.to_owned(),
        period: period.to_owned(),
        subscribers,
        records: subscribers * per,
    };
    std::fs::write(
        dir.join("bench.json"),
        serde_json::to_string_pretty(&manifest)?,
    )?;
    say!(
        "{}: {subscribers} subscribers, {} records for {period}",
        dir.display(),
        subscribers * per
    );
    Ok(())
}

/// Peak resident memory of this process, in MB (Linux).
fn peak_rss_mb() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024)
}

/// Starts a new peak of resident memory, so that each phase reports its own
/// (Linux: writing 5 to `clear_refs` resets `VmHWM` to the current size).
fn reset_peak_rss() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

fn bench_run(
    dir: &Path,
    db: Option<String>,
    bill: bool,
    markets_dir: Option<&PathBuf>,
) -> Result<()> {
    let manifest = read_manifest(dir)?;
    let month = crate::bill_run::parse_period(&manifest.period)?;
    let url = match db {
        Some(url) => url,
        None => {
            let path = dir.join("bench.sqlite");
            for suffix in ["", "-wal", "-shm"] {
                let p = PathBuf::from(format!("{}{suffix}", path.display()));
                if p.exists() {
                    std::fs::remove_file(&p)?;
                }
            }
            path.display().to_string()
        }
    };
    let markets = crate::load_markets(markets_dir)?;
    let market = markets
        .iter()
        .find(|m| m.id == manifest.market)
        .cloned()
        .with_context(|| format!("unknown market {}", manifest.market))?;
    let spec: CatalogSpec = toml::from_str(&std::fs::read_to_string(dir.join("catalog.toml"))?)?;
    let catalog = spec
        .resolve(market.currency, &market.vat.class_names())
        .map_err(|e| anyhow::anyhow!("catalog.toml: {}: {}", e.field, e.reason))?;
    let mut subscribers = Vec::new();
    let file = std::io::BufReader::new(std::fs::File::open(dir.join("subscribers.csv"))?);
    for (i, line) in file.lines().enumerate().skip(1) {
        let line = line?;
        let Some((number, package)) = line.split_once(',') else {
            bail!("subscribers.csv line {}: expected number,package", i + 1);
        };
        subscribers.push(Provisioned {
            number: number.to_owned(),
            package: package.to_owned(),
        });
    }
    crate::runtime()?.block_on(async {
        let started = Instant::now();
        // The clock stands on the day after the month, as on a real run:
        // the month's records lie in the past.
        let store = tarifa_store::Store::open(&url)
            .await
            .with_context(|| format!("opening {}", tarifa_store::redact(&url)))?;
        let clock = std::sync::Arc::new(tarifa_core::time::ManualClock::at_date(
            add_months(month, 1),
            &market.time_zone,
        ));
        let app = tarifa_app::App::new(store, markets.clone(), clock).await?;
        let ctx = Ctx::new("bench");
        app.update_catalog(&ctx, &market, &catalog).await?;
        app.provision(&ctx, &market, &subscribers, month).await?;
        let load_s = started.elapsed().as_secs_f64();

        let load_peak = peak_rss_mb();
        reset_peak_rss();
        let import_started = Instant::now();
        let reader =
            std::io::BufReader::with_capacity(1 << 22, std::fs::File::open(dir.join("usage.csv"))?);
        let summary = app
            .import_usage_csv(&ctx, "usage.csv", reader, |_| {})
            .await?;
        let import_s = import_started.elapsed().as_secs_f64();
        if summary.rejected > 0 {
            bail!(
                "{} records rejected, e.g. {:?}",
                summary.rejected,
                summary.rejected_lines.first()
            );
        }

        let import_peak = peak_rss_mb();
        let records = summary.imported;
        let records_per_s = (records as f64 / import_s.max(1e-9)).round();
        if !bill {
            app.store().close().await;
            let line = serde_json::json!({
                "subscribers": manifest.subscribers,
                "records": records,
                "load_s": round(load_s),
                "import_s": round(import_s),
                "total_s": round(started.elapsed().as_secs_f64()),
                "records_per_s": records_per_s,
                "load_peak_rss_mb": load_peak,
                "import_peak_rss_mb": import_peak,
                "database": url,
            });
            say!("{line}");
            return Ok(());
        }
        reset_peak_rss();
        let bill_started = Instant::now();
        let issued = add_months(month, 1);
        let run = app.run_bills(&ctx, &market, month, issued).await?;
        let bill_run_s = bill_started.elapsed().as_secs_f64();

        let bill_run_peak = peak_rss_mb();
        // The bills' notices, made by the outbox after the bill run: timed
        // on their own, as a worker makes them while the next job runs.
        let notices_started = Instant::now();
        let notices = app.make_bill_notices(&ctx).await?;
        let notices_s = notices_started.elapsed().as_secs_f64();
        if notices != run.issued {
            bail!("{} bills issued, but {notices} notices made", run.issued);
        }

        write_totals(app.store(), &market, month, dir).await?;
        app.store().close().await;
        let total_s = started.elapsed().as_secs_f64();
        let peak = [load_peak, import_peak, bill_run_peak, peak_rss_mb()]
            .into_iter()
            .flatten()
            .max();
        let line = serde_json::json!({
            "subscribers": manifest.subscribers,
            "records": records,
            "bills": run.issued,
            "load_s": round(load_s),
            "import_s": round(import_s),
            "bill_run_s": round(bill_run_s),
            "notices_s": round(notices_s),
            "total_s": round(total_s),
            "records_per_s": records_per_s,
            "peak_rss_mb": peak,
            "load_peak_rss_mb": load_peak,
            "import_peak_rss_mb": import_peak,
            "bill_run_peak_rss_mb": bill_run_peak,
            "database": url,
        });
        say!("{line}");
        Ok(())
    })
}

/// Writes `DIR/totals.csv`: each bill of the month, by number, with its total.
async fn write_totals(
    store: &tarifa_store::Store,
    market: &tarifa_core::market::Market,
    month: jiff::civil::Date,
    dir: &Path,
) -> Result<()> {
    let mut tx = store.begin_read("bench", "").await?;
    let mut totals = BufWriter::new(std::fs::File::create(dir.join("totals.csv"))?);
    writeln!(totals, "number,total")?;
    let period = tarifa_app::billing::period_code(month);
    for (number, total_minor) in tx.bill_totals(&market.id, &period).await? {
        let total = tarifa_core::money::Money::from_minor(total_minor, market.currency);
        writeln!(totals, "{number},{total}")?;
    }
    totals.flush()?;
    tx.rollback().await?;
    Ok(())
}

fn bench_totals(dir: &Path, db: Option<String>, markets_dir: Option<&PathBuf>) -> Result<()> {
    let manifest = read_manifest(dir)?;
    let month = crate::bill_run::parse_period(&manifest.period)?;
    let url = db.unwrap_or_else(|| dir.join("bench.sqlite").display().to_string());
    let markets = crate::load_markets(markets_dir)?;
    let market = markets
        .iter()
        .find(|m| m.id == manifest.market)
        .with_context(|| format!("unknown market {}", manifest.market))?;
    crate::runtime()?.block_on(async {
        let store = tarifa_store::Store::open_with(&url, tarifa_store::Create::Never)
            .await
            .with_context(|| format!("opening {}", tarifa_store::redact(&url)))?;
        write_totals(&store, market, month, dir).await?;
        store.close().await;
        Ok(())
    })
}

fn read_manifest(dir: &Path) -> Result<Manifest> {
    Ok(serde_json::from_str(
        &std::fs::read_to_string(dir.join("bench.json"))
            .context("reading bench.json (run `tarifa bench generate` first)")?,
    )?)
}

fn round(seconds: f64) -> f64 {
    (seconds * 1000.0).round() / 1000.0
}
