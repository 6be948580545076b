//! The pages people use in a browser: the agent console (`/console`) and
//! self-care (`/self`), server-rendered HTML (askama) that works without
//! scripts.
//!
//! Login takes a username and password or an API token and opens a session
//! (`tarifa_app::tokens`): its secret lives in a cookie that is `Secure`,
//! `HttpOnly` and `SameSite=Strict`. Every form carries the session's CSRF
//! token and a POST without it is refused; the login form itself is guarded
//! by a double-submit cookie. A subscriber's session sees only its customer.

mod actions;
mod bill_runs;
mod console;
mod contract;
mod pages;
mod selfcare;

use axum::Router;
use axum::extract::{Form, FromRequest, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use serde::Deserialize;
use tarifa_app::Ctx;
use tarifa_app::tokens::{
    Credentials, Principal, Role, SESSION_HOURS, csrf_token, hmac_hex, same_secret,
};

use crate::auth::{Attempt, client_address, too_many};

pub use bill_runs::BillRuns;

use crate::AppState;
use pages::{LoginPage, Message, Words, render};

const SESSION_COOKIE: &str = "tarifa_session";
const LOGIN_COOKIE: &str = "tarifa_login";

/// The signed-in person, as the pages see them.
#[derive(Clone, Debug)]
pub struct WebSession {
    pub principal: Principal,
    pub secret: String,
    /// What every form of this session carries.
    pub csrf: String,
    /// The browser's language: the console's (self-care speaks the
    /// customer's).
    pub words: Words,
}

impl WebSession {
    pub fn ctx(&self) -> Ctx {
        Ctx::new(format!("token:{}", self.principal.token_id))
            .with_context(format!("web ({})", self.principal.role))
    }

    /// Refuses a form whose CSRF token is not this session's.
    pub fn check(&self, sent: &str) -> Result<(), Detour> {
        if same_secret(sent, &self.csrf) {
            Ok(())
        } else {
            Err(Detour::RefusedForm)
        }
    }
}

/// Where a request goes instead of the page it asked for.
#[derive(Clone, Copy, Debug)]
pub enum Detour {
    /// A subscriber on a console page.
    SelfCare,
    /// Staff on a self-care page.
    Console,
    /// A form without this session's CSRF token.
    RefusedForm,
}

impl IntoResponse for Detour {
    fn into_response(self) -> Response {
        match self {
            Self::SelfCare => Redirect::to("/self").into_response(),
            Self::Console => Redirect::to("/console").into_response(),
            Self::RefusedForm => refused_form(),
        }
    }
}

fn refused_form() -> Response {
    (
        StatusCode::FORBIDDEN,
        Html(
            "<!DOCTYPE html><html lang=\"en\"><title>Form refused</title><h1>Form refused</h1>\
             <p>The form did not carry this session's security token (CSRF), so nothing was done. \
             Go back, reload the page and send it again.</p></html>",
        ),
    )
        .into_response()
}

fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value.to_owned())
}

fn set_cookie(name: &str, value: &str, max_age_seconds: i64) -> HeaderValue {
    HeaderValue::from_str(&format!(
        "{name}={value}; Path=/; HttpOnly; Secure; SameSite=Strict; Max-Age={max_age_seconds}"
    ))
    .unwrap_or_else(|_| HeaderValue::from_static("tarifa_session=; Max-Age=0"))
}

/// Pages that need a session: without one, the login page.
async fn require_session(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    let secret = cookie(request.headers(), SESSION_COOKIE).filter(|s| !s.is_empty());
    let principal = match &secret {
        Some(secret) => state.app.authenticate(secret).await.ok().flatten(),
        None => None,
    };
    match (principal, secret) {
        (Some(principal), Some(secret)) => {
            let csrf = csrf_token(&secret);
            let words = Words::of_browser(request.headers());
            request.extensions_mut().insert(WebSession {
                principal,
                secret,
                csrf,
                words,
            });
            next.run(request).await
        }
        _ => Redirect::to("/login").into_response(),
    }
}

/// The console, self-care and login pages.
pub fn routes(state: AppState) -> Router<AppState> {
    let signed_in = Router::new()
        .merge(console::routes())
        .merge(contract::routes())
        .merge(bill_runs::routes())
        .merge(selfcare::routes())
        .route("/logout", axum::routing::post(logout))
        .route_layer(middleware::from_fn_with_state(state, require_session));
    Router::new()
        .route("/login", get(login_page).post(login))
        .route("/", get(|| async { Redirect::to("/login") }))
        .merge(signed_in)
        .layer(middleware::from_fn(no_nul_in_forms))
        .layer(middleware::from_fn(page_headers))
}

/// Refuses a form with a NUL character in a field (`%00`): no text of ours
/// holds one, and PostgreSQL would refuse it as a server error.
async fn no_nul_in_forms(request: Request, next: Next) -> Response {
    if request.method() != axum::http::Method::POST {
        return next.run(request).await;
    }
    let (parts, body) = request.into_parts();
    // The server's body limit has bounded what can arrive.
    let Ok(bytes) = axum::body::to_bytes(body, usize::MAX).await else {
        return (
            StatusCode::PAYLOAD_TOO_LARGE,
            Html("The form is too large."),
        )
            .into_response();
    };
    if bytes
        .windows(3)
        .any(|w| w[0] == b'%' && w[1] == b'0' && w[2] == b'0')
    {
        return (
            StatusCode::BAD_REQUEST,
            Html(
                "<!DOCTYPE html><html lang=\"en\"><title>Form refused</title><h1>Form refused</h1>\
                 <p>A field holds a NUL character, which no field accepts. Nothing was done.</p></html>",
            ),
        )
            .into_response();
    }
    next.run(Request::from_parts(parts, axum::body::Body::from(bytes)))
        .await
}

/// The policy every page and document is served under: content from this
/// server only, no plugins, never inside another site's frame, forms posted
/// only here. Inline styles stay allowed: bill documents are self-contained
/// files (the same HTML a subscriber downloads), and CSS runs no code; the
/// pages have no scripts, and no inline script would run.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; style-src 'self' 'unsafe-inline'; \
img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// Security headers on every page, and no caching: the pages show personal
/// data, which must not stay in a shared or back-button cache.
async fn page_headers(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CONTENT_SECURITY_POLICY),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// Where a role lands after login.
fn home(role: Role) -> &'static str {
    match role {
        Role::Subscriber => "/self",
        _ => "/console",
    }
}

/// How long a login form may wait before it is sent.
const LOGIN_FORM_SECONDS: u64 = 3600;

/// The login form's guard: when it was made, a random nonce, and the
/// server's signature of both. The same value goes into a cookie and the
/// form (double submit), and the server accepts only a guard it made, less
/// than [`LOGIN_FORM_SECONDS`] ago — a value a script or another site chose
/// is refused. Without randomness the guard is empty, which never passes.
fn login_guard(key: &[u8], now: u64) -> String {
    let Some(nonce) = tarifa_app::tokens::random_hex(16) else {
        return String::new();
    };
    let signed = format!("{now}.{nonce}");
    let signature = hmac_hex(key, signed.as_bytes());
    format!("{signed}.{signature}")
}

/// Whether `guard` is one [`login_guard`] made with `key` and still fresh.
fn login_guard_holds(key: &[u8], guard: &str, now: u64) -> bool {
    let Some((signed, signature)) = guard.rsplit_once('.') else {
        return false;
    };
    let Some(made) = signed
        .split_once('.')
        .and_then(|(made, _)| made.parse::<u64>().ok())
    else {
        return false;
    };
    same_secret(&hmac_hex(key, signed.as_bytes()), signature)
        && made <= now
        && now - made <= LOGIN_FORM_SECONDS
}

fn unix_seconds() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

async fn login_page(headers: HeaderMap, State(state): State<AppState>) -> Response {
    // Already signed in: straight home.
    if let Some(secret) = cookie(&headers, SESSION_COOKIE)
        && let Ok(Some(principal)) = state.app.authenticate(&secret).await
    {
        return Redirect::to(home(principal.role)).into_response();
    }
    let guard = login_guard(&state.login_key[..], unix_seconds());
    let page = render(&LoginPage {
        csrf: guard.clone(),
        message: None,
        words: Words::of_browser(&headers),
    });
    let mut response = page.into_response();
    response.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(LOGIN_COOKIE, &guard, LOGIN_FORM_SECONDS as i64),
    );
    response
}

#[derive(Deserialize)]
struct LoginForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    token: String,
    #[serde(default)]
    csrf: String,
}

async fn login(State(state): State<AppState>, request: Request) -> Response {
    let address = client_address(&request);
    let headers = request.headers().clone();
    let Form(form) = match Form::<LoginForm>::from_request(request, &state).await {
        Ok(form) => form,
        Err(refused) => return refused.into_response(),
    };
    let guard = cookie(&headers, LOGIN_COOKIE).unwrap_or_default();
    if guard.is_empty()
        || !same_secret(&guard, &form.csrf)
        || !login_guard_holds(&state.login_key[..], &guard, unix_seconds())
    {
        return refused_form();
    }
    let token = form.token.trim();
    let username = form.username.trim();
    // Failures count against the address, and a password's against the
    // username too (whatever address tries it); the API's bad tokens count
    // against the same address.
    let mut attempts = vec![Attempt::Address(address)];
    if token.is_empty() && !username.is_empty() {
        attempts.push(Attempt::Username(username.chars().take(64).collect()));
    }
    let now = std::time::Instant::now();
    if state.throttle.locked_out(&attempts, now) {
        return too_many(state.throttle.retry_after(&attempts, now));
    }
    let ctx = Ctx::new("web login");
    let credentials = if token.is_empty() {
        Credentials::Password {
            username,
            password: &form.password,
        }
    } else {
        Credentials::Token(token)
    };
    match state.app.log_in(&ctx, credentials).await {
        Ok(Some(session)) => {
            tracing::info!(who = %session.who, role = %session.principal.role, "web login");
            let mut response = Redirect::to(home(session.principal.role)).into_response();
            let headers = response.headers_mut();
            headers.append(
                header::SET_COOKIE,
                set_cookie(SESSION_COOKIE, &session.secret, SESSION_HOURS * 3600),
            );
            headers.append(header::SET_COOKIE, set_cookie(LOGIN_COOKIE, "", 0));
            response
        }
        Ok(None) => {
            state.throttle.failed(&attempts, now);
            let words = Words::of_browser(&headers);
            let page = render(&LoginPage {
                csrf: guard,
                message: Some(Message::error(words.t("page-login-wrong"))),
                words,
            });
            (StatusCode::UNAUTHORIZED, page).into_response()
        }
        Err(e) => {
            tracing::error!(error = %e, "login failed");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Html("Login is unavailable; it is logged."),
            )
                .into_response()
        }
    }
}

#[derive(Deserialize)]
pub(crate) struct CsrfOnly {
    #[serde(default)]
    csrf: String,
}

async fn logout(
    State(state): State<AppState>,
    axum::Extension(session): axum::Extension<WebSession>,
    Form(form): Form<CsrfOnly>,
) -> Response {
    if let Err(refused) = session.check(&form.csrf) {
        return refused.into_response();
    }
    if let Err(e) = state.app.log_out(&session.ctx(), &session.secret).await {
        tracing::error!(error = %e, "logout failed");
    }
    let mut response = Redirect::to("/login").into_response();
    response
        .headers_mut()
        .append(header::SET_COOKIE, set_cookie(SESSION_COOKIE, "", 0));
    response
}
