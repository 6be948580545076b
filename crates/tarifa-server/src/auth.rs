//! Bearer tokens on every call but health and readiness: 401 without a live
//! token, 403 for a role without the right, 429 for an address that keeps
//! presenting bad tokens or failing to log in, and for a username that keeps
//! being tried with wrong passwords (one count for the API and the form).

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

/// Failed logins or bad tokens one address (or one username) may make per
/// window before it must wait.
const MAX_FAILURES: u32 = 10;
const WINDOW: Duration = Duration::from_secs(60);
/// Usernames are the caller's to choose: past this many counted at once,
/// new ones are not tracked (addresses always are), so memory stays bounded.
const MAX_TRACKED: usize = 100_000;

/// Who failures are counted against.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Attempt {
    /// The client address (bad bearer tokens, failed logins of any kind).
    Address(IpAddr),
    /// A username tried at the login form, whatever address tries it.
    Username(String),
}

/// Failed authentications per client address and per username, shared by
/// the API's bearer tokens and the login form: over [`MAX_FAILURES`] in
/// [`WINDOW`], the next attempt is answered 429 until the window is over.
#[derive(Default)]
pub struct Throttle {
    failures: Mutex<Failures>,
}

#[derive(Default)]
struct Failures {
    counts: HashMap<Attempt, (u32, Instant)>,
    /// When entries past their window were last forgotten.
    swept: Option<Instant>,
}

impl Throttle {
    /// Whether any of `attempts` is over its limit.
    pub fn locked_out(&self, attempts: &[Attempt], now: Instant) -> bool {
        let failures = self
            .failures
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        attempts.iter().any(|attempt| {
            failures.counts.get(attempt).is_some_and(|(count, since)| {
                *count >= MAX_FAILURES && now.duration_since(*since) < WINDOW
            })
        })
    }

    /// Counts a failure against each of `attempts`.
    pub fn failed(&self, attempts: &[Attempt], now: Instant) {
        let mut failures = self
            .failures
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        // Forget what is past its window, so the map stays small: once a
        // second at most, so that a flood of failures is not a flood of sweeps.
        if failures
            .swept
            .is_none_or(|at| now.duration_since(at) >= Duration::from_secs(1))
        {
            failures
                .counts
                .retain(|_, (_, since)| now.duration_since(*since) < WINDOW);
            failures.swept = Some(now);
        }
        for attempt in attempts {
            if matches!(attempt, Attempt::Username(_))
                && failures.counts.len() >= MAX_TRACKED
                && !failures.counts.contains_key(attempt)
            {
                continue;
            }
            let entry = failures.counts.entry(attempt.clone()).or_insert((0, now));
            // A window that has passed starts again.
            if now.duration_since(entry.1) >= WINDOW {
                *entry = (0, now);
            }
            entry.0 = entry.0.saturating_add(1);
        }
    }

    /// Seconds until the window that locked `attempts` out is over.
    pub fn retry_after(&self, attempts: &[Attempt], now: Instant) -> u64 {
        let failures = self
            .failures
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        attempts
            .iter()
            .filter_map(|a| failures.counts.get(a))
            .map(|(_, since)| WINDOW.saturating_sub(now.duration_since(*since)).as_secs() + 1)
            .max()
            .unwrap_or(WINDOW.as_secs())
    }
}

/// The 429 answer of a throttled caller, with `Retry-After`.
pub fn too_many(retry_after: u64) -> Response {
    let mut response = ApiError::new(
        StatusCode::TOO_MANY_REQUESTS,
        "too many failed logins or bad tokens: wait a minute",
    )
    .into_response();
    if let Ok(value) = header::HeaderValue::from_str(&retry_after.to_string()) {
        response.headers_mut().insert(header::RETRY_AFTER, value);
    }
    response
}

/// The client's address, as the connection gives it.
pub fn client_address(request: &Request) -> IpAddr {
    request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map_or(IpAddr::from([0, 0, 0, 0]), |c| c.0.ip())
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
    let attempts = [Attempt::Address(client_address(&request))];
    let now = Instant::now();
    if state.throttle.locked_out(&attempts, now) {
        return too_many(state.throttle.retry_after(&attempts, now));
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
            let mut response = next.run(request).await;
            // Answers to a token carry personal data: no cache keeps them,
            // and no browser reads them as anything but their type.
            let headers = response.headers_mut();
            headers.insert(
                header::CACHE_CONTROL,
                header::HeaderValue::from_static("no-store"),
            );
            headers.insert(
                header::X_CONTENT_TYPE_OPTIONS,
                header::HeaderValue::from_static("nosniff"),
            );
            response
        }
        Ok(None) => {
            state.throttle.failed(&attempts, now);
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_username_is_throttled_whatever_address_tries_it() {
        let throttle = Throttle::default();
        let now = Instant::now();
        let ana = Attempt::Username("ana".to_owned());
        for i in 0..MAX_FAILURES {
            let address = Attempt::Address(IpAddr::from([10, 0, 0, u8::try_from(i).unwrap_or(0)]));
            assert!(!throttle.locked_out(&[address.clone(), ana.clone()], now));
            throttle.failed(&[address, ana.clone()], now);
        }
        // A new address trying Ana waits; the same address trying Bojan does not.
        let fresh = Attempt::Address(IpAddr::from([10, 9, 9, 9]));
        assert!(throttle.locked_out(&[fresh.clone(), ana.clone()], now));
        let bojan = Attempt::Username("bojan".to_owned());
        assert!(!throttle.locked_out(&[fresh, bojan], now));
        assert!(throttle.retry_after(std::slice::from_ref(&ana), now) <= 61);
        // A minute later Ana may try again.
        assert!(!throttle.locked_out(&[ana], now + WINDOW));
    }
}
