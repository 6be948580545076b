//! Self-care: a subscriber's bills (HTML and PDF), requests with their status
//! and deadline, and forms to request an unlock or file a complaint. Every
//! read names the session's own customer; nothing else can be reached.

use std::collections::BTreeMap;

use askama::Template;
use axum::Router;
use axum::extract::{Extension, Form, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use tarifa_app::documents::{BillFilter, BillSummary};
use tarifa_app::tokens::Role;
use tarifa_app::unlock::UnlockRequest;
use tarifa_core::unlock::Requester;
use tarifa_render::Format;
use tarifa_store::{ComplaintRow, CustomerRow, ListingRow, SpendingLimitRow, UnlockRow};

use super::pages::{BillLine, Frame, Message, money_text, render};
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
}

#[derive(Template)]
#[template(path = "self.html")]
struct SelfPage {
    frame: Frame,
    /// Where the complaint form posts.
    complaint_action: String,
    customer: CustomerRow,
    bills: Vec<BillLine>,
    unlocks: Vec<UnlockRow>,
    complaints: Vec<ComplaintRow>,
    limits: Vec<(SpendingLimitRow, String)>,
    listings: Vec<ListingRow>,
    numbers: BTreeMap<i64, String>,
    /// The contracts a request may name: (id, number).
    live_contracts: Vec<(i64, String)>,
    /// The months a listing may cover.
    periods: Vec<String>,
    currency: String,
    meters: Vec<Meter>,
}

/// What the self-care page reads.
struct Loaded {
    customer: CustomerRow,
    bills: Vec<BillSummary>,
    unlocks: Vec<UnlockRow>,
    complaints: Vec<ComplaintRow>,
    limits: Vec<SpendingLimitRow>,
    listings: Vec<ListingRow>,
    contracts: Vec<tarifa_store::ContractRow>,
    meters: Vec<Meter>,
}

/// One allowance of one number this month: a bar in self-care.
struct Meter {
    number: String,
    kind: &'static str,
    used: String,
    granted: String,
    /// 0–100; an unlimited allowance shows no fill.
    percent: u64,
}

fn meters(contracts: Vec<(String, Vec<tarifa_core::rating::AllowanceUse>)>) -> Vec<Meter> {
    use tarifa_core::catalog::Allowance;
    use tarifa_core::usage::UsageKind;
    let mut meters = Vec::new();
    for (number, uses) in contracts {
        for usage in uses {
            let (kind, unit) = match usage.kind {
                UsageKind::Voice => ("Minutes", "min"),
                UsageKind::Sms => ("Messages", "SMS"),
                UsageKind::Data => ("Data", "MB"),
            };
            let (granted, percent) = match usage.granted {
                Allowance::Unlimited => ("unlimited".to_owned(), 0),
                Allowance::Limited(0) => continue,
                Allowance::Limited(n) => (format!("{n} {unit}"), (usage.used * 100 / n).min(100)),
            };
            meters.push(Meter {
                number: number.clone(),
                kind,
                used: format!("{} {unit}", usage.used),
                granted,
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
        let meters = meters(state.app.allowances_this_month(&ctx, customer_id).await?);
        Ok::<_, tarifa_app::AppError>(Some(Loaded {
            customer,
            bills,
            unlocks,
            complaints,
            limits,
            listings,
            contracts,
            meters,
        }))
    };
    let loaded = match loaded.await {
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
    let Ok(market) = state.app.market(&loaded.customer.market) else {
        return (StatusCode::SERVICE_UNAVAILABLE, "unknown market").into_response();
    };
    let currency = market.currency;
    render(&SelfPage {
        complaint_action: "/self/complaint".to_owned(),
        frame: Frame {
            title: loaded.customer.name.clone(),
            role: session.principal.role.to_string(),
            csrf: session.csrf.clone(),
            message,
        },
        numbers: loaded
            .contracts
            .iter()
            .map(|c| (c.id, c.number.clone()))
            .collect(),
        live_contracts: loaded
            .contracts
            .iter()
            .filter(|c| c.ended_on.is_none())
            .map(|c| (c.id, c.number.clone()))
            .collect(),
        periods: super::actions::listing_periods(market, state.app.today(market)),
        currency: currency.code().to_owned(),
        limits: loaded
            .limits
            .into_iter()
            .map(|l| {
                let amount = money_text(market, l.amount_minor);
                (l, amount)
            })
            .collect(),
        listings: loaded.listings,
        customer: loaded.customer,
        bills: loaded
            .bills
            .into_iter()
            .map(|b| BillLine::of(&state.app, b))
            .collect(),
        unlocks: loaded.unlocks,
        complaints: loaded.complaints,
        meters: loaded.meters,
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
    let customer_id = match own_customer(session) {
        Ok(id) => id,
        Err(elsewhere) => return elsewhere.into_response(),
    };
    let view = match state
        .app
        .bill_view(&session.ctx(), number, None, Some(customer_id))
        .await
    {
        Ok(view) => view,
        // Another customer's bill is simply not there.
        Err(tarifa_app::AppError::NotFound { .. }) => {
            return (StatusCode::NOT_FOUND, "no such bill").into_response();
        }
        Err(e) => {
            tracing::error!(error = %e, "bill document");
            return (
                StatusCode::SERVICE_UNAVAILABLE,
                "the bill could not be read",
            )
                .into_response();
        }
    };
    super::actions::send_document(view, format).await
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
    if let Err(refused) = session.check(&form.csrf) {
        return refused.into_response();
    }
    let customer_id = match own_customer(&session) {
        Ok(id) => id,
        Err(elsewhere) => return elsewhere.into_response(),
    };
    let message = super::actions::request_unlock(
        &state,
        &session,
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
    if let Err(refused) = session.check(&form.csrf) {
        return refused.into_response();
    }
    let customer_id = match own_customer(&session) {
        Ok(id) => id,
        Err(elsewhere) => return elsewhere.into_response(),
    };
    let message = super::actions::file_complaint(
        &state,
        &session,
        customer_id,
        &form.bill,
        &form.disputed,
        "self_care",
    )
    .await;
    page(&state, &session, Some(message)).await
}

async fn spending_limit(
    State(state): State<AppState>,
    Extension(session): Extension<WebSession>,
    Form(form): Form<super::contract::SpendingLimitForm>,
) -> Response {
    if let Err(refused) = session.check(&form.csrf) {
        return refused.into_response();
    }
    let customer_id = match own_customer(&session) {
        Ok(id) => id,
        Err(elsewhere) => return elsewhere.into_response(),
    };
    let message = match form.contract {
        Some(contract) => {
            super::actions::set_spending_limit(
                &state,
                &session,
                customer_id,
                contract,
                &form.amount,
            )
            .await
        }
        None => Message::error("Choose the number the limit is for."),
    };
    page(&state, &session, Some(message)).await
}

async fn listing(
    State(state): State<AppState>,
    Extension(session): Extension<WebSession>,
    Form(form): Form<super::contract::ListingForm>,
) -> Response {
    if let Err(refused) = session.check(&form.csrf) {
        return refused.into_response();
    }
    let customer_id = match own_customer(&session) {
        Ok(id) => id,
        Err(elsewhere) => return elsewhere.into_response(),
    };
    let message = match form.contract {
        Some(contract) => {
            super::actions::request_listing(&state, &session, customer_id, contract, &form.period)
                .await
        }
        None => Message::error("Choose the number the listing is for."),
    };
    page(&state, &session, Some(message)).await
}
