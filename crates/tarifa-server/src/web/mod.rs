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
use axum::extract::{Form, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use serde::Deserialize;
use tarifa_app::Ctx;
use tarifa_app::tokens::{Credentials, Principal, Role, SESSION_HOURS, csrf_token};

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
        if constant_time_eq(sent.as_bytes(), self.csrf.as_bytes()) {
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

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0_u8, |acc, (x, y)| acc | (x ^ y)) == 0
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
}

/// Where a role lands after login.
fn home(role: Role) -> &'static str {
    match role {
        Role::Subscriber => "/self",
        _ => "/console",
    }
}

fn random_hex() -> String {
    let mut bytes = [0_u8; 16];
    // Without randomness the login form cannot be guarded: an empty value
    // never matches, so login fails safe.
    if getrandom::fill(&mut bytes).is_err() {
        return String::new();
    }
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

async fn login_page(headers: HeaderMap, State(state): State<AppState>) -> Response {
    // Already signed in: straight home.
    if let Some(secret) = cookie(&headers, SESSION_COOKIE)
        && let Ok(Some(principal)) = state.app.authenticate(&secret).await
    {
        return Redirect::to(home(principal.role)).into_response();
    }
    let guard = random_hex();
    let page = render(&LoginPage {
        csrf: guard.clone(),
        message: None,
        words: Words::of_browser(&headers),
    });
    let mut response = page.into_response();
    response
        .headers_mut()
        .append(header::SET_COOKIE, set_cookie(LOGIN_COOKIE, &guard, 3600));
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

async fn login(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Response {
    let guard = cookie(&headers, LOGIN_COOKIE).unwrap_or_default();
    if guard.is_empty() || !constant_time_eq(guard.as_bytes(), form.csrf.as_bytes()) {
        return refused_form();
    }
    let ctx = Ctx::new("web login");
    let credentials = if form.token.trim().is_empty() {
        Credentials::Password {
            username: &form.username,
            password: &form.password,
        }
    } else {
        Credentials::Token(form.token.trim())
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
