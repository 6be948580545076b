//! `tarifa usage import FILE`: the bulk path for usage records.

use std::path::PathBuf;

use anyhow::{Context, Result};
use indicatif::{ProgressBar, ProgressStyle};
use tarifa_app::Ctx;

#[derive(clap::Subcommand)]
pub enum Command {
    /// Import a usage CSV (id,number,at,kind,to,quantity,roaming); bad lines are named and skipped.
    Import {
        file: PathBuf,
        /// The database (default: the demo's ./tarifa-demo.sqlite).
        #[arg(long, value_name = "URL", default_value = crate::DEFAULT_DB)]
        db: String,
        /// Print the summary as JSON.
        #[arg(long)]
        json: bool,
    },
}

pub fn run(command: Command, markets: Option<&PathBuf>) -> Result<()> {
    let Command::Import { file, db, json } = command;
    let markets = crate::load_markets(markets)?;
    crate::runtime()?.block_on(async {
        let app = crate::open_existing_app(&db, markets).await?;
        let size = std::fs::metadata(&file)
            .with_context(|| format!("{}", file.display()))?
            .len();
        let reader =
            std::fs::File::open(&file).with_context(|| format!("opening {}", file.display()))?;
        let progress = if json {
            ProgressBar::hidden()
        } else {
            ProgressBar::new(size)
        };
        progress.set_style(
            ProgressStyle::with_template(
                "{spinner} importing [{bar:40}] {bytes}/{total_bytes} ({bytes_per_sec}, {eta})",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
        );
        let ctx = Ctx::new("cli:usage-import");
        let summary = app
            .import_usage_csv(
                &ctx,
                &file.display().to_string(),
                std::io::BufReader::with_capacity(1 << 20, reader),
                |bytes| progress.set_position(bytes),
            )
            .await?;
        progress.finish_and_clear();
        app.store().close().await;
        if json {
            println!("{}", serde_json::to_string(&summary)?);
        } else {
            println!(
                "{}: {} imported, {} duplicates, {} rejected",
                file.display(),
                summary.imported,
                summary.duplicates,
                summary.rejected
            );
            for rejected in &summary.rejected_lines {
                println!("  line {}: {}", rejected.line, rejected.reason);
            }
            let shown = u64::try_from(summary.rejected_lines.len()).unwrap_or(0);
            if summary.rejected > shown {
                println!("  … and {} more", summary.rejected - shown);
            }
        }
        Ok(())
    })
}
