//! tarifa over HTTP. The ground every resource stands on: liveness and
//! readiness, Prometheus metrics, a request id on every request and in its
//! logs, body limits and timeouts, the TM Forum `Error` body on every 4xx and
//! 5xx, graceful shutdown, and the daily scheduler driven by the system clock.

pub mod auth;
pub mod callback;
mod error;
mod metrics;
mod openapi;
mod operations;
pub mod tmf;
mod web;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{Extension, MatchedPath, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use tarifa_app::tokens::{Principal, Role};
use tarifa_app::{App, Ctx};
use tokio::net::TcpListener;
use tokio::sync::{Notify, watch};
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use utoipa_swagger_ui::SwaggerUi;

pub use error::ApiError;
pub use metrics::Metrics;
pub use web::BillRuns;

/// How the server behaves; [`Options::default`] is what `tarifa serve` uses.
#[derive(Clone, Debug)]
pub struct Options {
    /// The largest request body accepted (413 beyond it).
    pub body_limit: usize,
    /// How long a request may take (408 beyond it).
    pub request_timeout: Duration,
    /// How often the scheduler looks whether a new day began.
    pub scheduler_every: Duration,
    /// The address integrators reach the server at, for the `href`s of hub
    /// events (default: `http://` and the listening address).
    pub public_url: Option<String>,
    /// Hosts, addresses and networks hub callbacks may point to beyond the
    /// public internet (`serve --hub-allow`).
    pub hub_allow: Vec<String>,
    /// Markets whose bills are reported to NAV, each with its connection:
    /// the queue is worked every `einvoice_every`.
    pub nav: Vec<(String, tarifa_app::einvoice::NavClient)>,
    pub einvoice_every: Duration,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            body_limit: 1024 * 1024,
            request_timeout: Duration::from_secs(30),
            scheduler_every: Duration::from_secs(60),
            public_url: None,
            hub_allow: Vec::new(),
            nav: Vec::new(),
            einvoice_every: Duration::from_secs(10),
        }
    }
}

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub app: Arc<App>,
    pub metrics: Arc<Metrics>,
    pub throttle: Arc<auth::Throttle>,
    /// Wakes the event delivery when events are queued.
    pub hub_wake: Arc<Notify>,
    /// Bill runs started from the console.
    pub bill_runs: Arc<web::BillRuns>,
    /// Signs the login form's guard: random for each process.
    pub login_key: Arc<[u8; 32]>,
    /// Where hub callbacks may point.
    pub callbacks: Arc<callback::CallbackPolicy>,
    /// The address links and events name the server by.
    pub public_base: Arc<String>,
}

impl AppState {
    pub fn new(app: Arc<App>, metrics: Arc<Metrics>) -> Self {
        Self {
            app,
            metrics,
            throttle: Arc::default(),
            hub_wake: Arc::default(),
            bill_runs: Arc::default(),
            login_key: Arc::new(random_key()),
            callbacks: Arc::default(),
            public_base: Arc::new("http://localhost".to_owned()),
        }
    }

    /// The same state naming the server by `base` (`http://host:port`).
    #[must_use]
    pub fn with_public_base(mut self, base: String) -> Self {
        self.public_base = Arc::new(base);
        self
    }

    /// The same state with hub callbacks allowed to `policy`'s addresses too.
    #[must_use]
    pub fn with_callbacks(mut self, policy: callback::CallbackPolicy) -> Self {
        self.callbacks = Arc::new(policy);
        self
    }
}

/// 32 random bytes. Without randomness they stay zero, but then no login
/// guard is made either (its nonce is random too), so no one logs in.
fn random_key() -> [u8; 32] {
    let mut key = [0_u8; 32];
    let _ = getrandom::fill(&mut key);
    key
}

/// The routes and layers of the server.
pub fn router(state: AppState, options: &Options) -> Router {
    // Everything but liveness, readiness and the API's description needs a token.
    let (protected, protected_paths) = OpenApiRouter::new()
        .routes(routes!(metrics_text))
        .merge(tmf::routes())
        .merge(operations::routes())
        .route_layer(middleware::from_fn(tmf::known_query))
        .route_layer(middleware::from_fn_with_state(
            state.clone(),
            auth::require_token,
        ))
        .split_for_parts();
    let (public, public_paths) = OpenApiRouter::new()
        .routes(routes!(health))
        .routes(routes!(ready))
        .split_for_parts();
    let mut paths = protected_paths;
    paths.merge(public_paths);
    let document = openapi::document(paths);
    Router::new()
        .merge(public)
        .merge(protected)
        .merge(web::routes(state.clone()))
        .merge(SwaggerUi::new("/docs").url("/openapi.json", document))
        .route_layer(middleware::from_fn(tag_route))
        .fallback(not_found)
        .layer(RequestBodyLimitLayer::new(options.body_limit))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            options.request_timeout,
        ))
        // Outside the limits, so that their answers get an Error body too.
        .layer(middleware::from_fn(error::tmf_error_bodies))
        .layer(middleware::from_fn_with_state(state.clone(), measure))
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(
            TraceLayer::new_for_http().make_span_with(|request: &Request| {
                let id = request
                    .headers()
                    .get("x-request-id")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("-");
                tracing::info_span!("request", id, method = %request.method(), uri = %request.uri())
            })
            .on_response(DefaultOnResponse::new().level(tracing::Level::INFO)),
        )
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
        // Outermost: a request id the caller sent is kept only if it is a
        // plain token, else a new one is made (it goes into logs and back).
        .layer(middleware::from_fn(plain_request_id))
        .with_state(state)
}

/// Drops an `X-Request-Id` that is not 1 to 64 letters, digits and `._:-`.
async fn plain_request_id(mut request: Request, next: Next) -> Response {
    let plain = request.headers().get("x-request-id").map(|v| {
        let bytes = v.as_bytes();
        !bytes.is_empty()
            && bytes.len() <= 64
            && bytes
                .iter()
                .all(|b| b.is_ascii_alphanumeric() || b".:_-".contains(b))
    });
    if plain == Some(false) {
        request.headers_mut().remove("x-request-id");
    }
    next.run(request).await
}

/// Serves until `shutdown` completes, then lets requests in flight finish;
/// the scheduler runs each market's jobs for every day the system clock passes.
pub async fn serve(
    app: Arc<App>,
    listener: TcpListener,
    options: Options,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let metrics = Arc::new(Metrics::new());
    let callbacks = callback::CallbackPolicy::new(&options.hub_allow).map_err(|e| {
        std::io::Error::new(std::io::ErrorKind::InvalidInput, format!("--hub-allow {e}"))
    })?;
    let public_base = match &options.public_url {
        Some(url) => url.trim_end_matches('/').to_owned(),
        None => format!("http://{}", listener.local_addr()?),
    };
    let state = AppState::new(app.clone(), metrics.clone())
        .with_callbacks(callbacks)
        .with_public_base(public_base.clone());
    let (stop, stopped) = watch::channel(false);
    let base = tmf::Base(public_base);
    let delivery = tokio::spawn(tmf::events::deliver_events(
        state.clone(),
        base,
        stopped.clone(),
    ));
    let einvoices = tokio::spawn(submit_einvoices(
        app.clone(),
        options.nav.clone(),
        options.einvoice_every,
        stopped.clone(),
    ));
    let scheduler = tokio::spawn(run_scheduler(
        app,
        metrics,
        options.scheduler_every,
        stopped,
    ));
    let service = router(state, &options).into_make_service_with_connect_info::<SocketAddr>();
    let result = axum::serve(listener, service)
        .with_graceful_shutdown(async move {
            shutdown.await;
            tracing::info!("shutting down: finishing the requests in flight");
        })
        .await;
    // A day the scheduler is running finishes; no new one starts.
    let _ = stop.send(true);
    let _ = scheduler.await;
    let _ = delivery.await;
    let _ = einvoices.await;
    result
}

/// Reports each market's queue to its tax authority, a pass every `every`.
async fn submit_einvoices(
    app: Arc<App>,
    nav: Vec<(String, tarifa_app::einvoice::NavClient)>,
    every: Duration,
    mut stopped: watch::Receiver<bool>,
) {
    if nav.is_empty() {
        return;
    }
    let ctx = Ctx::new("einvoice");
    let policy = tarifa_app::einvoice::SubmitPolicy::default();
    loop {
        for (market, client) in &nav {
            if let Err(error) = app.submit_einvoices(&ctx, market, client, &policy).await {
                tracing::error!(%market, %error, "the e-invoice pass failed; it is retried");
            }
        }
        tokio::select! {
            _ = tokio::time::sleep(every) => {}
            _ = stopped.changed() => return,
        }
    }
}

/// The daily jobs on the system clock: each pass runs every day up to today
/// that has not run yet (a market that never ran starts today).
async fn run_scheduler(
    app: Arc<App>,
    metrics: Arc<Metrics>,
    every: Duration,
    mut stopped: watch::Receiver<bool>,
) {
    let ctx = Ctx::new("scheduler");
    loop {
        let today = app
            .markets()
            .map(|m| app.today(m))
            .max()
            .unwrap_or_else(|| jiff::Zoned::now().date());
        let first = app.markets().map(|m| app.today(m)).min().unwrap_or(today);
        match app.run_scheduler(&ctx, first, today).await {
            Ok(report) => metrics.scheduled(&report),
            Err(error) => {
                metrics.scheduler_failed();
                tracing::error!(%error, "the scheduler pass failed; it is retried");
            }
        }
        tokio::select! {
            _ = tokio::time::sleep(every) => {}
            _ = stopped.changed() => return,
        }
    }
}

/// Liveness: the process answers.
#[utoipa::path(get, path = "/health", tag = "operations", security(()),
    responses((status = 200, description = "The server is up", body = serde_json::Value)))]
async fn health() -> impl IntoResponse {
    axum::Json(serde_json::json!({ "status": "ok" }))
}

/// Readiness: the store answers.
#[utoipa::path(get, path = "/ready", tag = "operations", security(()),
    responses((status = 200, description = "The store answers", body = serde_json::Value)))]
async fn ready(State(state): State<AppState>) -> Result<impl IntoResponse, ApiError> {
    state
        .app
        .check_store()
        .await
        .map_err(|e| ApiError::unavailable(format!("the store does not answer: {e}")))?;
    Ok(axum::Json(serde_json::json!({ "status": "ready" })))
}

/// Prometheus metrics, for the operator's monitoring: admin and billing tokens.
#[utoipa::path(get, path = "/metrics", tag = "operations",
    responses((status = 200, description = "Prometheus text format", body = String, content_type = "text/plain")))]
async fn metrics_text(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
) -> Result<Response, ApiError> {
    auth::allow(&principal, &[Role::Admin, Role::Billing])?;
    let counts = state
        .app
        .einvoice_counts(&Ctx::new("metrics"))
        .await
        .map_err(ApiError::from)?;
    state.metrics.einvoices(&counts);
    let mut response = state.metrics.encode().into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
    );
    Ok(response)
}

async fn not_found(request: Request) -> ApiError {
    ApiError::not_found(format!("no resource at {}", request.uri().path()))
}

/// Hands the matched route to [`measure`], which runs before routing.
async fn tag_route(request: Request, next: Next) -> Response {
    let route = request.extensions().get::<MatchedPath>().cloned();
    let mut response = next.run(request).await;
    if let Some(route) = route {
        response.extensions_mut().insert(route);
    }
    response
}

/// Counts every request by route and status, and times it; a change made
/// over the API wakes the hub's dispatcher.
async fn measure(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let method = request.method().to_string();
    let started = Instant::now();
    let response = next.run(request).await;
    if method != "GET" && response.status().is_success() {
        state.hub_wake.notify_one();
    }
    let route = response
        .extensions()
        .get::<MatchedPath>()
        .map_or("unmatched", MatchedPath::as_str)
        .to_owned();
    state.metrics.request(
        &method,
        &route,
        response.status().as_u16(),
        started.elapsed(),
    );
    response
}
