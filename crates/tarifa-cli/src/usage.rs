//! `tarifa usage import FILE`: the bulk path for usage records.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use indicatif::{ProgressBar, ProgressStyle};
use tarifa_app::Ctx;

#[derive(clap::Subcommand)]
pub enum Command {
    /// Import a usage CSV (id,number,at,kind,to,quantity,roaming); bad lines
    /// are named and skipped. Exit code 0: every line imported (or there
    /// already); 3: some lines were refused; 1: none could be imported.
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

/// Some lines were refused; the rest are imported.
const SOME_REFUSED: u8 = 3;

pub fn run(command: Command, markets: Option<&PathBuf>) -> Result<ExitCode> {
    let Command::Import { file, db, json } = command;
    let markets = crate::load_markets(markets)?;
    let metadata = std::fs::metadata(&file).with_context(|| format!("{}", file.display()))?;
    if !metadata.is_file() {
        bail!(
            "{} is not a file: give one usage file (CSV) to import",
            file.display()
        );
    }
    crate::runtime()?.block_on(async {
        let app = crate::open_existing_app(&db, markets).await?;
        let size = metadata.len();
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
            say!("{}", serde_json::to_string(&summary)?);
        } else {
            say!(
                "{}: {} imported, {} duplicates, {} rejected",
                file.display(),
                summary.imported,
                summary.duplicates,
                summary.rejected
            );
            for rejected in &summary.rejected_lines {
                say!("  line {}: {}", rejected.line, rejected.reason);
            }
            let shown = u64::try_from(summary.rejected_lines.len()).unwrap_or(0);
            if summary.rejected > shown {
                say!("  … and {} more", summary.rejected - shown);
            }
        }
        Ok(
            match (summary.rejected, summary.imported + summary.duplicates) {
                (0, _) => ExitCode::SUCCESS,
                (_, 0) => {
                    tell!("{}: no line could be imported", file.display());
                    ExitCode::FAILURE
                }
                _ => ExitCode::from(SOME_REFUSED),
            },
        )
    })
}
