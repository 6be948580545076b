//! Self-care: a subscriber's bills (HTML and PDF), usage against the
//! allowances, requests with their status and deadline, and forms to
//! request an unlock, a listing or a spending limit and to file a
//! complaint — in the customer's language. Every read names the session's
//! own customer; nothing else can be reached.

use std::collections::BTreeMap;

use askama::Template;
use axum::Router;
use axum::extract::{Extension, Form, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use tarifa_app::documents::BillFilter;
use tarifa_app::tokens::Role;
use tarifa_app::unlock::UnlockRequest;
use tarifa_core::unlock::Requester;
use tarifa_render::Format;
use tarifa_store::CustomerRow;
use tarifa_texts::{Arg, format_date};

use super::pages::{BillLine, Frame, Message, Words, money_text, render};
use super::{Detour, WebSession};
use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/self", get(home))
        .route("/self/bills/{number}", get(bill_html))
        .route("/self/bills/{number}/pdf", get(bill_pdf))
        .route("/self/unlock", post(unlock))
        .route("/self/complaint", post(complaint))
        .route("/self/spending-limit", post(spending_limit))
        .route("/self/listing", post(listing))
        .route("/self/listings/{id}", get(listing_html))
        .route("/self/listings/{id}/pdf", get(listing_pdf))
}

#[derive(Template)]
#[template(path = "self.html")]
struct SelfPage {
    frame: Frame,
    /// Where the complaint form posts.
    complaint_action: String,
    customer: CustomerRow,
    bills: Vec<BillLine>,
    requests: Vec<RequestLine>,
    /// The contracts a request may name: (id, number).
    live_contracts: Vec<(i64, String)>,
    /// The months a listing may cover.
    periods: Vec<String>,
    /// The spending limit's label, with the currency.
    limit_label: String,
    meters: Vec<Meter>,
}

/// One request in the customer's words: what, about what, its status and
/// the day it is due by.
struct RequestLine {
    what: String,
    /// Its document, if it has one (a listing).
    link: Option<String>,
    about: String,
    status: String,
    deadline: String,
}

/// One allowance of one number this month: a bar in self-care.
struct Meter {
    number: String,
    kind: String,
    /// "120 min of 500 min".
    used_of: String,
    /// 0–100; an unlimited allowance shows no fill.
    percent: u64,
}

fn meters(
    words: Words,
    contracts: Vec<(String, Vec<tarifa_core::rating::AllowanceUse>)>,
) -> Vec<Meter> {
    use tarifa_core::catalog::Allowance;
    use tarifa_core::usage::UsageKind;
    let lang = words.lang();
    let mut meters = Vec::new();
    for (number, uses) in contracts {
        for usage in uses {
            let (kind, unit) = match usage.kind {
                UsageKind::Voice => ("voice", "min"),
                UsageKind::Sms => ("sms", "SMS"),
                UsageKind::Data => ("data", "MB"),
            };
            let quantity = |n: u64| {
                format!(
                    "{} {unit}",
                    tarifa_texts::format_count(lang, i64::try_from(n).unwrap_or(i64::MAX))
                )
            };
            let (granted, percent) = match usage.granted {
                Allowance::Unlimited => (words.t("page-unlimited"), 0),
                Allowance::Limited(0) => continue,
                Allowance::Limited(n) => (quantity(n), (usage.used * 100 / n).min(100)),
            };
            meters.push(Meter {
                number: number.clone(),
                kind: words.label("page-allowance", kind),
                used_of: words.with(
                    "page-used-of",
                    &[
                        ("used", Arg::Text(quantity(usage.used))),
                        ("granted", Arg::Text(granted)),
                    ],
                ),
                percent,
            });
        }
    }
    meters
}

/// The customer of a subscriber's session; any other role goes to the console.
fn own_customer(session: &WebSession) -> Result<i64, Detour> {
    match (session.principal.role, session.principal.customer_id) {
        (Role::Subscriber, Some(id)) => Ok(id),
        _ => Err(Detour::Console),
    }
}

/// The session's customer and their language; any other role goes to the
/// console.
async fn customer_words(state: &AppState, session: &WebSession) -> Result<(i64, Words), Response> {
    let customer_id = own_customer(session).map_err(IntoResponse::into_response)?;
    let found = async {
        let mut tx = state.app.begin_read(&session.ctx()).await?;
        Ok::<_, tarifa_app::AppError>(tx.customer(customer_id).await?)
    };
    match found.await {
        Ok(Some(customer)) => Ok((customer_id, Words::of_customer(&state.app, &customer))),
        Ok(None) => Err((StatusCode::NOT_FOUND, "no such customer").into_response()),
        Err(e) => {
            tracing::error!(error = %e, "self-care customer");
            Err((
                StatusCode::SERVICE_UNAVAILABLE,
                "the page could not be read",
            )
                .into_response())
        }
    }
}

/// A posted form's checks: this session's CSRF token, a subscriber; then
/// the customer and their language.
async fn posted(
    state: &AppState,
    session: &WebSession,
    csrf: &str,
) -> Result<(i64, Words), Response> {
    session.check(csrf).map_err(IntoResponse::into_response)?;
    customer_words(state, session).await
}

/// A stored day (YYYY-MM-DD) as the language writes it.
fn day(words: Words, text: &str) -> String {
    text.parse()
        .map_or_else(|_| text.to_owned(), |d| format_date(words.lang(), d))
}

async fn page(state: &AppState, session: &WebSession, message: Option<Message>) -> Response {
    let customer_id = match own_customer(session) {
        Ok(id) => id,
        Err(elsewhere) => return elsewhere.into_response(),
    };
    let ctx = session.ctx();
    let loaded = async {
        let bills = state
            .app
            .list_bills(
                &ctx,
                &BillFilter {
                    market: None,
                    customer: Some(customer_id),
                },
            )
            .await?;
        let mut tx = state.app.begin_read(&ctx).await?;
        let Some(customer) = tx.customer(customer_id).await? else {
            return Ok(None);
        };
        let unlocks = tx.unlock_requests_of_customer(customer_id).await?;
        let complaints = tx.complaints_of_customer(customer_id).await?;
        let limits = tx.spending_limits_of_customer(customer_id).await?;
        let listings = tx.listings_of_customer(customer_id).await?;
        let contracts = tx.contracts_of_customer(customer_id).await?;
        drop(tx);
        let allowances = state.app.allowances_this_month(&ctx, customer_id).await?;
        Ok::<_, tarifa_app::AppError>(Some((
            customer, bills, unlocks, complaints, limits, listings, contracts, allowances,
        )))
    };
    let (customer, bills, unlocks, complaints, limits, listings, contracts, allowances) =
        match loaded.await {
            Ok(Some(loaded)) => loaded,
            Ok(None) => return (StatusCode::NOT_FOUND, "no such customer").into_response(),
            Err(e) => {
                tracing::error!(error = %e, "self-care page");
                return (
                    StatusCode::SERVICE_UNAVAILABLE,
                    "the page could not be read; it is logged",
                )
                    .into_response();
            }
        };
    let Ok(market) = state.app.market(&customer.market) else {
        return (StatusCode::SERVICE_UNAVAILABLE, "unknown market").into_response();
    };
    let words = Words::of_customer(&state.app, &customer);
    let numbers: BTreeMap<i64, String> =
        contracts.iter().map(|c| (c.id, c.number.clone())).collect();
    let on_number = |contract: i64| {
        numbers
            .get(&contract)
            .map(|n| format!(" ({n})"))
            .unwrap_or_default()
    };
    let id = |n: i64| [("id", Arg::Text(n.to_string()))];
    let mut requests = Vec::new();
    for u in &unlocks {
        requests.push(RequestLine {
            what: words.with("page-request-unlock", &id(u.id)),
            link: None,
            about: format!(
                "{}{}",
                words.with("page-imei", &[("imei", Arg::Text(u.imei.clone()))]),
                on_number(u.contract_id)
            ),
            status: words.label("page-status", &u.status),
            deadline: u
                .respond_by
                .as_deref()
                .map(|d| day(words, d))
                .unwrap_or_default(),
        });
    }
    for c in &complaints {
        requests.push(RequestLine {
            what: words.with("page-request-complaint", &id(c.id)),
            link: None,
            about: format!(
                "{}{}",
                words.label("page-complaint-kind", &c.kind),
                super::console::written(c.description.as_deref())
            ),
            status: words.label("page-status", &c.status),
            deadline: day(words, &c.decide_by),
        });
    }
    for l in &limits {
        requests.push(RequestLine {
            what: words.with("page-request-limit", &id(l.id)),
            link: None,
            about: format!(
                "{}{}",
                words.with(
                    "page-limit-about",
                    &[("amount", Arg::Text(money_text(market, l.amount_minor)))]
                ),
                on_number(l.contract_id)
            ),
            status: words.with(
                "page-limit-status",
                &[("date", Arg::Text(day(words, &l.activated_on)))],
            ),
            deadline: String::new(),
        });
    }
    for l in &listings {
        requests.push(RequestLine {
            what: words.with("page-request-listing", &id(l.id)),
            link: Some(format!("/self/listings/{}", l.id)),
            about: format!(
                "{}{}",
                words.with(
                    "page-listing-about",
                    &[
                        ("period", Arg::Text(l.period.clone())),
                        ("records", Arg::Count(l.records)),
                        ("pages", Arg::Count(l.pages)),
                    ]
                ),
                on_number(l.contract_id)
            ),
            status: words.with(
                "page-listing-status",
                &[
                    ("date", Arg::Text(day(words, &l.requested_on))),
                    (
                        "delivery",
                        Arg::Text(words.label("page-delivery", &l.delivery)),
                    ),
                ],
            ),
            deadline: String::new(),
        });
    }
    render(&SelfPage {
        complaint_action: "/self/complaint".to_owned(),
        frame: Frame {
            title: customer.name.clone(),
            role: session.principal.role.to_string(),
            csrf: session.csrf.clone(),
            message,
            words,
        },
        live_contracts: contracts
            .iter()
            .filter(|c| c.ended_on.is_none())
            .map(|c| (c.id, c.number.clone()))
            .collect(),
        periods: super::actions::listing_periods(market, state.app.today(market)),
        limit_label: words.with(
            "page-limit-label",
            &[("currency", Arg::Text(market.currency.code().to_owned()))],
        ),
        bills: bills
            .into_iter()
            .map(|b| {
                let mut line = BillLine::of(&state.app, b);
                line.due_on = day(words, &line.due_on);
                line
            })
            .collect(),
        requests,
        meters: meters(words, allowances),
        customer,
    })
}

async fn home(
    State(state): State<AppState>,
    Extension(session): Extension<WebSession>,
) -> Response {
    page(&state, &session, None).await
}

async fn document(
    state: &AppState,
    session: &WebSession,
    number: &str,
    format: Format,
) -> Response {
    match own_customer(session) {
        Ok(customer) => {
            super::actions::bill_document(state, session, number, Some(customer), format).await
        }
        Err(elsewhere) => elsewhere.into_response(),
    }
}

async fn bill_html(
    State(state): State<AppState>,
    Extension(session): Extension<WebSession>,
    Path(number): Path<String>,
) -> Response {
    document(&state, &session, &number, Format::Html).await
}

async fn bill_pdf(
    State(state): State<AppState>,
    Extension(session): Extension<WebSession>,
    Path(number): Path<String>,
) -> Response {
    document(&state, &session, &number, Format::Pdf).await
}

#[derive(Deserialize)]
struct UnlockForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    imei: String,
}

async fn unlock(
    State(state): State<AppState>,
    Extension(session): Extension<WebSession>,
    Form(form): Form<UnlockForm>,
) -> Response {
    let (customer_id, words) = match posted(&state, &session, &form.csrf).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let message = super::actions::request_unlock(
        &state,
        &session,
        words,
        customer_id,
        UnlockRequest {
            handle: None,
            imei: form.imei.trim().to_owned(),
            requester: Requester::Owner,
            channel: "self_care".into(),
            fields: BTreeMap::new(),
        },
    )
    .await;
    page(&state, &session, Some(message)).await
}

async fn complaint(
    State(state): State<AppState>,
    Extension(session): Extension<WebSession>,
    Form(form): Form<super::actions::ComplaintForm>,
) -> Response {
    let (customer_id, words) = match posted(&state, &session, &form.csrf).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let message =
        super::actions::file_complaint(&state, &session, words, customer_id, &form, "self_care")
            .await;
    page(&state, &session, Some(message)).await
}

async fn spending_limit(
    State(state): State<AppState>,
    Extension(session): Extension<WebSession>,
    Form(form): Form<super::contract::SpendingLimitForm>,
) -> Response {
    let (customer_id, words) = match posted(&state, &session, &form.csrf).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let message = match form.contract {
        Some(contract) => {
            super::actions::set_spending_limit(
                &state,
                &session,
                words,
                customer_id,
                contract,
                &form.amount,
            )
            .await
        }
        None => Message::error(words.t("page-choose-number")),
    };
    page(&state, &session, Some(message)).await
}

async fn listing(
    State(state): State<AppState>,
    Extension(session): Extension<WebSession>,
    Form(form): Form<super::contract::ListingForm>,
) -> Response {
    let (customer_id, words) = match posted(&state, &session, &form.csrf).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let message = match form.contract {
        Some(contract) => {
            super::actions::request_listing(
                &state,
                &session,
                words,
                customer_id,
                contract,
                &form.period,
            )
            .await
        }
        None => Message::error(words.t("page-choose-number")),
    };
    page(&state, &session, Some(message)).await
}

async fn listing_document(
    state: &AppState,
    session: &WebSession,
    id: i64,
    format: Format,
) -> Response {
    match own_customer(session) {
        Ok(customer) => {
            super::actions::listing_document(state, session, id, Some(customer), format).await
        }
        Err(elsewhere) => elsewhere.into_response(),
    }
}

async fn listing_html(
    State(state): State<AppState>,
    Extension(session): Extension<WebSession>,
    Path(id): Path<i64>,
) -> Response {
    listing_document(&state, &session, id, Format::Html).await
}

async fn listing_pdf(
    State(state): State<AppState>,
    Extension(session): Extension<WebSession>,
    Path(id): Path<i64>,
) -> Response {
    listing_document(&state, &session, id, Format::Pdf).await
}
