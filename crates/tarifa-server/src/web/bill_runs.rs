//! The console's bill-run page: billing operations start a market's run for
//! a month, and everyone on staff watches its progress (accounts to bill,
//! bills written, amount) and the periods billed before. A run goes on in
//! the background after the form returns; the page refreshes itself while
//! one is running, without scripts.

use std::sync::{Arc, Mutex, PoisonError};

use askama::Template;
use axum::Router;
use axum::extract::{Extension, Form, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use jiff::civil::Date;
use serde::Deserialize;
use tarifa_app::billing::{BillRunOptions, BillRunProgress, BillRunSummary, period_code};
use tarifa_app::tokens::Role;
use tarifa_core::time::add_months;
use tarifa_texts::Arg;
use tokio::sync::watch;

use super::pages::{Message, render};
use super::{WebSession, console};
use crate::AppState;

/// Runs the page remembers since the server started.
const REMEMBERED_RUNS: usize = 20;
/// Bills per transaction of a run started here: small enough that the
/// progress bar moves on a large market.
const BATCH_SIZE: usize = 1_000;
/// Periods of history the page shows.
const HISTORY_PERIODS: i64 = 36;

pub fn routes() -> Router<AppState> {
    Router::new().route("/console/bill-runs", get(show).post(start))
}

/// How a run ended, once it has.
#[derive(Clone, Debug)]
enum Ending {
    Issued(BillRunSummary),
    Failed(String),
}

/// A run started from this page.
struct Run {
    id: u64,
    market: String,
    period: String,
    issued_on: Date,
    started_by: String,
    progress: watch::Receiver<BillRunProgress>,
    ending: Arc<Mutex<Option<Ending>>>,
}

/// The runs started from the console since the server started.
#[derive(Default)]
pub struct BillRuns {
    runs: Mutex<(u64, Vec<Run>)>,
}

impl BillRuns {
    fn lock(&self) -> std::sync::MutexGuard<'_, (u64, Vec<Run>)> {
        self.runs.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// A run as the page shows it.
struct RunLine {
    id: u64,
    market: String,
    period: String,
    issued_on: String,
    started_by: String,
    /// The bar: value of max (full once the run is done).
    bar: (u64, u64),
    total: String,
    /// running, done or failed (the CSS class).
    status: &'static str,
    status_text: String,
    /// "12 of 40 bills".
    progress: String,
    detail: String,
}

/// A period billed before, from the bills themselves.
struct HistoryLine {
    market: String,
    period: String,
    bills: i64,
    total: String,
    issued_on: String,
}

#[derive(Template)]
#[template(path = "console_bill_runs.html")]
struct BillRunPage {
    frame: super::pages::Frame,
    may_run: bool,
    markets: Vec<(String, String, String, String)>,
    runs: Vec<RunLine>,
    history: Vec<HistoryLine>,
    running: bool,
    /// Documents reported to a tax authority: market, state, count.
    einvoices: Vec<(String, String, i64)>,
}

fn may_run(session: &WebSession) -> bool {
    matches!(session.principal.role, Role::Admin | Role::Billing)
}

fn amount(state: &AppState, market: &str, minor: i64) -> String {
    match state.app.market(market) {
        Ok(m) => super::pages::money_text(m, minor),
        Err(_) => minor.to_string(),
    }
}

async fn page(state: &AppState, session: &WebSession, message: Option<Message>) -> Response {
    if let Err(elsewhere) = console::staff(session) {
        return elsewhere.into_response();
    }
    let words = session.words;
    let runs: Vec<RunLine> = state
        .bill_runs
        .lock()
        .1
        .iter()
        .rev()
        .map(|run| {
            let progress = run.progress.borrow().clone();
            let ending = run
                .ending
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .clone();
            let (status, detail, issued, total_minor) = match ending {
                None => (
                    "running",
                    String::new(),
                    progress.issued,
                    progress.total_minor,
                ),
                Some(Ending::Issued(summary)) => (
                    "done",
                    words.with(
                        "console-run-summary",
                        &[
                            (
                                "issued",
                                Arg::Count(i64::try_from(summary.issued).unwrap_or(i64::MAX)),
                            ),
                            (
                                "before",
                                Arg::Count(
                                    i64::try_from(summary.already_billed).unwrap_or(i64::MAX),
                                ),
                            ),
                        ],
                    ),
                    summary.issued,
                    summary.total_minor,
                ),
                Some(Ending::Failed(why)) => ("failed", why, progress.issued, progress.total_minor),
            };
            let accounts = progress.accounts.max(issued);
            let bar = match status {
                "running" => (issued, accounts.max(1)),
                _ => (accounts.max(1), accounts.max(1)),
            };
            let count = |n: u64| Arg::Count(i64::try_from(n).unwrap_or(i64::MAX));
            RunLine {
                id: run.id,
                bar,
                status_text: words.t(&format!("console-run-{status}")),
                progress: words.with(
                    "console-run-of",
                    &[("issued", count(issued)), ("accounts", count(accounts))],
                ),
                market: run.market.clone(),
                period: run.period.clone(),
                issued_on: run.issued_on.to_string(),
                started_by: run.started_by.clone(),
                total: amount(state, &run.market, total_minor),
                status,
                detail,
            }
        })
        .collect();
    let running = runs.iter().any(|r| r.status == "running");
    // The history is a scan of the bills: read when the page is opened, not
    // on each refresh while a run is writing them.
    let history = if running {
        Vec::new()
    } else {
        let read = async {
            let mut tx = state.app.begin_read(&session.ctx()).await?;
            Ok::<_, tarifa_app::AppError>(tx.bill_run_totals(HISTORY_PERIODS).await?)
        };
        match read.await {
            Ok(rows) => rows
                .into_iter()
                .map(|row| HistoryLine {
                    total: amount(state, &row.market, row.total_minor),
                    market: row.market,
                    period: row.period,
                    bills: row.bills,
                    issued_on: row.first_issued_on,
                })
                .collect(),
            Err(e) => {
                tracing::error!(error = %e, "bill-run history");
                return (
                    StatusCode::SERVICE_UNAVAILABLE,
                    "the page could not be read; it is logged",
                )
                    .into_response();
            }
        }
    };
    let einvoices = match state.app.einvoice_counts(&session.ctx()).await {
        Ok(counts) => counts,
        Err(e) => {
            tracing::error!(error = %e, "e-invoice counts");
            Vec::new()
        }
    };
    let markets = state
        .app
        .markets()
        .map(|m| {
            let today = state.app.today(m);
            let month = add_months(today.first_of_month(), -1);
            (
                m.id.clone(),
                m.name.clone(),
                period_code(month),
                today.to_string(),
            )
        })
        .collect();
    render(&BillRunPage {
        frame: console::frame(session, words.t("console-runs-title"), message),
        may_run: may_run(session),
        markets,
        running,
        runs,
        history,
        einvoices,
    })
}

async fn show(
    State(state): State<AppState>,
    Extension(session): Extension<WebSession>,
) -> Response {
    page(&state, &session, None).await
}

#[derive(Deserialize)]
struct StartForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    market: String,
    /// YYYY-MM.
    #[serde(default)]
    period: String,
    /// YYYY-MM-DD, or empty for the market's issue day after the period.
    #[serde(default)]
    issued_on: String,
}

async fn start(
    State(state): State<AppState>,
    Extension(session): Extension<WebSession>,
    Form(form): Form<StartForm>,
) -> Response {
    if let Err(refused) = session.check(&form.csrf) {
        return refused.into_response();
    }
    if let Err(elsewhere) = console::staff(&session) {
        return elsewhere.into_response();
    }
    match begin_run(&state, &session, &form).await {
        // Back to the page by GET, so a reload does not start it again.
        Ok(()) => Redirect::to("/console/bill-runs").into_response(),
        Err(message) => page(&state, &session, Some(message)).await,
    }
}

/// Checks the form and starts the run in the background.
async fn begin_run(
    state: &AppState,
    session: &WebSession,
    form: &StartForm,
) -> Result<(), Message> {
    let words = session.words;
    if !may_run(session) {
        return Err(Message::error(words.with(
            "console-run-not-yours",
            &[("role", Arg::Text(session.principal.role.to_string()))],
        )));
    }
    let market = state
        .app
        .market(form.market.trim())
        .map_err(|e| Message::error(format!("market: {e}")))?
        .clone();
    let period = form.period.trim();
    let text = |t: &str| Arg::Text(t.to_owned());
    let month = tarifa_app::billing::parse_period(period).ok_or_else(|| {
        Message::error(words.with("console-run-bad-period", &[("text", text(period))]))
    })?;
    let issued_on = match form.issued_on.trim() {
        "" => None,
        given => Some(given.parse::<Date>().map_err(|_| {
            Message::error(words.with("console-run-bad-date", &[("text", text(given))]))
        })?),
    };
    if let Some(issued_on) = issued_on
        && issued_on <= month.last_of_month()
    {
        return Err(Message::error(words.with(
            "console-run-inside",
            &[("date", Arg::Date(issued_on)), ("period", text(period))],
        )));
    }
    // A month not ended, before the market's first contract, or dated ahead.
    let issued_on = state
        .app
        .check_bill_run(&session.ctx(), &market, month, issued_on)
        .await
        .map_err(|e| Message::error(e.to_string()))?;
    let (progress, watcher) = watch::channel(BillRunProgress::default());
    let ending = Arc::new(Mutex::new(None));
    {
        let mut runs = state.bill_runs.lock();
        if runs.1.iter().any(|r| {
            r.market == market.id
                && r.ending
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .is_none()
        }) {
            return Err(Message::error(words.with(
                "console-run-busy",
                &[("market", Arg::Text(market.id.clone()))],
            )));
        }
        runs.0 += 1;
        let id = runs.0;
        runs.1.push(Run {
            id,
            market: market.id.clone(),
            period: period.to_owned(),
            issued_on,
            started_by: format!(
                "{} (token {})",
                session.principal.role, session.principal.token_id
            ),
            progress: watcher,
            ending: ending.clone(),
        });
        let excess = runs.1.len().saturating_sub(REMEMBERED_RUNS);
        runs.1.drain(..excess);
    }
    let app = state.app.clone();
    let ctx = session.ctx();
    tokio::spawn(async move {
        let options = BillRunOptions {
            batch_size: BATCH_SIZE,
            progress: Some(progress),
            ..BillRunOptions::default()
        };
        let result = app
            .run_bills_with(&ctx, &market, month, issued_on, options)
            .await;
        let end = match result {
            Ok(summary) => {
                tracing::info!(market = %summary.market, period = %summary.period, issued = summary.issued, "bill run from the console");
                // The bills' notices now, not at the next delivery pass.
                if let Err(e) = app.make_bill_notices(&ctx).await {
                    tracing::error!(error = %e, "bill notices after a console bill run; the next delivery pass makes them");
                }
                Ending::Issued(summary)
            }
            Err(e) => {
                tracing::error!(error = %e, "bill run from the console");
                Ending::Failed(e.to_string())
            }
        };
        *ending.lock().unwrap_or_else(PoisonError::into_inner) = Some(end);
    });
    Ok(())
}
