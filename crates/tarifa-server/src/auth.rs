//! Bearer tokens on every call but health and readiness: 401 without a live
//! token, 403 for a role without the right, 429 for an address that keeps
//! presenting bad tokens.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tarifa_app::tokens::{Principal, Role};

use crate::{ApiError, AppState};

/// Bad tokens one address may present per window before it must wait.
const MAX_FAILURES: u32 = 10;
const WINDOW: Duration = Duration::from_secs(60);

/// Failed token checks per client address.
#[derive(Default)]
pub struct Throttle {
    failures: Mutex<HashMap<IpAddr, (u32, Instant)>>,
}

impl Throttle {
    fn locked_out(&self, ip: IpAddr, now: Instant) -> bool {
        let failures = self
            .failures
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        failures.get(&ip).is_some_and(|(count, since)| {
            *count >= MAX_FAILURES && now.duration_since(*since) < WINDOW
        })
    }

    fn failed(&self, ip: IpAddr, now: Instant) {
        let mut failures = self
            .failures
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let entry = failures.entry(ip).or_insert((0, now));
        if now.duration_since(entry.1) >= WINDOW {
            *entry = (0, now);
        }
        entry.0 += 1;
        // Forget addresses whose window has passed, so the map stays small.
        failures.retain(|_, (_, since)| now.duration_since(*since) < WINDOW);
    }
}

fn unauthorized(message: &str) -> Response {
    let mut response = ApiError::new(StatusCode::UNAUTHORIZED, message).into_response();
    response.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        header::HeaderValue::from_static("Bearer"),
    );
    response
}

/// Checks the bearer token and hands the caller to the handlers.
pub(crate) async fn require_token(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    let ip = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map_or(IpAddr::from([0, 0, 0, 0]), |c| c.0.ip());
    let now = Instant::now();
    if state.throttle.locked_out(ip, now) {
        return ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "too many bad tokens from this address: wait a minute",
        )
        .into_response();
    }
    let secret = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned);
    let Some(secret) = secret else {
        return unauthorized("an Authorization: Bearer token is required");
    };
    match state.app.authenticate(&secret).await {
        Ok(Some(principal)) => {
            request.extensions_mut().insert(principal);
            next.run(request).await
        }
        Ok(None) => {
            state.throttle.failed(ip, now);
            unauthorized("the token is unknown or revoked")
        }
        Err(e) => ApiError::unavailable(format!("tokens cannot be checked: {e}")).into_response(),
    }
}

/// 403 unless the caller has one of `roles`.
pub fn allow(principal: &Principal, roles: &[Role]) -> Result<(), ApiError> {
    if roles.contains(&principal.role) {
        Ok(())
    } else {
        Err(ApiError::new(
            StatusCode::FORBIDDEN,
            format!("the {} role may not do this", principal.role),
        ))
    }
}
