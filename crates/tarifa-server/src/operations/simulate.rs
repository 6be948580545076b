//! `POST /api/v1/simulate`: a scenario (SCENARIOS.md, TOML) in, its report
//! out — run on a fresh in-memory store and a virtual clock, never on the
//! server's own data. For the compliance team rehearsing a change.

use axum::extract::{Extension, State};
use axum::http::{StatusCode, header};
use axum::response::Response;
use serde::Serialize;
use tarifa_app::simulate::{self, Scenario};
use tarifa_app::tokens::{Principal, Role};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::allow;
use crate::tmf::one;
use crate::{ApiError, AppState};

/// How a scenario ran.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct SimulationView {
    /// Every expectation held.
    pub passed: bool,
    /// The expectations that did not hold, each naming its step.
    pub failures: Vec<String>,
    /// The report of SCENARIOS.md.
    pub report: serde_json::Value,
}

/// The most steps a scenario sent to the server may have.
const MAX_STEPS: usize = 5_000;

/// Scenarios run one at a time.
static RUNNING: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(1);

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(run))
}

/// Runs a scenario (admin and billing): 200 with the report, 400 naming the
/// line and field of an invalid scenario.
#[utoipa::path(post, path = "/simulate", tag = "operations",
    request_body(content = String, content_type = "text/plain", description = "A scenario in the SCENARIOS.md language (TOML; `application/toml` is accepted too)"),
    responses((status = 200, description = "The report", body = SimulationView)))]
async fn run(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    request: axum::extract::Request,
) -> Result<Response, ApiError> {
    allow(&principal, &[Role::Admin, Role::Billing])?;
    let kind = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_owned();
    if !matches!(
        kind.as_str(),
        "application/toml" | "text/plain" | "text/x-toml"
    ) {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "the scenario is sent as application/toml",
        ));
    }
    let bytes = axum::body::to_bytes(request.into_body(), usize::MAX)
        .await
        .map_err(|e| ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, e.to_string()))?;
    let text = std::str::from_utf8(&bytes)
        .map_err(|_| ApiError::bad_request("the scenario is not UTF-8"))?;
    let scenario = Scenario::parse(text).map_err(|e| ApiError::bad_request(e.to_string()))?;
    if scenario.steps.len() > MAX_STEPS {
        return Err(ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!(
                "{} steps: a scenario sent to the server has at most {MAX_STEPS}; run larger ones with `tarifa simulate`",
                scenario.steps.len()
            ),
        ));
    }
    // One scenario at a time: each holds a core while it runs, and the
    // server has requests of its operators to answer too.
    let Ok(_running) = RUNNING.try_acquire() else {
        return Err(ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "another scenario is running: send this one when it is done",
        ));
    };
    let markets: Vec<_> = state.app.markets().map(|m| (**m).clone()).collect();
    let market_for = |id: &str| markets.iter().find(|m| m.id == id).cloned();
    let simulation = simulate::run(&scenario, market_for)
        .await
        .map_err(|e| ApiError::bad_request(e.to_string()))?;
    let view = SimulationView {
        passed: simulation.failures.is_empty(),
        failures: simulation.failures,
        report: simulation.report,
    };
    Ok(one(StatusCode::OK, &view, None))
}
