//! The agent console: find a customer by name, number, IMEI or bill number;
//! a customer's contracts, bills, payments, complaints and unlock requests;
//! forms that act for the customer, each refusal shown with its rule and
//! reason.

use std::collections::BTreeMap;

use askama::Template;
use axum::Router;
use axum::extract::{Extension, Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use tarifa_app::tokens::Role;
use tarifa_app::unlock::UnlockRequest;
use tarifa_core::unlock::Requester;
use tarifa_store::{ContractRow, CustomerRow, NoticeRow, PaymentRow};
use tarifa_texts::Arg;

use super::pages::{BillLine, Frame, Message, money_text, render};
use super::{Detour, WebSession};
use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/console", get(search))
        .route("/console/customer/{id}", get(customer))
        .route("/console/customer/{id}/unlock", post(unlock))
        .route("/console/customer/{id}/contract", post(sign))
        .route("/console/customer/{id}/complaint", post(complaint))
        .route("/console/bills/{number}", get(bill_html))
        .route("/console/bills/{number}/pdf", get(bill_pdf))
        .route("/console/listings/{id}", get(listing_html))
        .route("/console/listings/{id}/pdf", get(listing_pdf))
}

/// Staff only: a subscriber's session goes to self-care.
pub(super) fn staff(session: &WebSession) -> Result<(), Detour> {
    match session.principal.role {
        Role::Admin | Role::Agent | Role::Billing => Ok(()),
        Role::Subscriber => Err(Detour::SelfCare),
    }
}

pub(super) fn frame(session: &WebSession, title: String, message: Option<Message>) -> Frame {
    Frame {
        title,
        role: session.principal.role.to_string(),
        csrf: session.csrf.clone(),
        message,
        words: session.words,
    }
}

#[derive(Template)]
#[template(path = "console_search.html")]
struct SearchPage {
    frame: Frame,
    query: String,
    found: Vec<CustomerRow>,
    searched: bool,
    /// "No customer matches …", in the agent's language.
    no_match: String,
}

#[derive(Deserialize)]
struct SearchQuery {
    #[serde(default)]
    q: String,
}

async fn search(
    State(state): State<AppState>,
    Extension(session): Extension<WebSession>,
    Query(query): Query<SearchQuery>,
) -> Response {
    if let Err(elsewhere) = staff(&session) {
        return elsewhere.into_response();
    }
    let q = query.q.trim().to_owned();
    let mut found = Vec::new();
    if !q.is_empty() {
        let result = async {
            let mut tx = state.app.begin_read(&session.ctx()).await?;
            Ok::<_, tarifa_app::AppError>(tx.search_customers(&q).await?)
        };
        match result.await {
            Ok(rows) => found = rows,
            Err(e) => {
                tracing::error!(error = %e, "customer search");
                return (StatusCode::SERVICE_UNAVAILABLE, "search is unavailable").into_response();
            }
        }
        // One match: straight to the customer.
        if let [only] = found.as_slice() {
            return Redirect::to(&format!("/console/customer/{}", only.id)).into_response();
        }
    }
    let words = session.words;
    render(&SearchPage {
        frame: frame(&session, words.t("console-title"), None),
        searched: !q.is_empty(),
        no_match: words.with("console-no-match", &[("query", Arg::Text(q.clone()))]),
        query: q,
        found,
    })
}

/// Notices a customer page shows.
const LATEST_NOTICES: i64 = 20;

/// A contract as the console lists it.
struct ContractLine {
    row: ContractRow,
    package: String,
    /// Its promotions: offer and status.
    promotions: Vec<String>,
}

#[derive(Template)]
#[template(path = "console_customer.html")]
struct CustomerPage {
    frame: Frame,
    /// Where the complaint form posts.
    complaint_action: String,
    customer: CustomerRow,
    /// What the customer owes, or has in credit, by the ledger.
    balance: String,
    contracts: Vec<ContractLine>,
    bills: Vec<BillLine>,
    /// What is still open of each bill, by number (paid ones are absent).
    open: BTreeMap<String, String>,
    /// Where each bill's report to the tax authority stands, by number:
    /// the state, and the last error or the authority's messages.
    reported: BTreeMap<String, (String, String)>,
    payments: Vec<(PaymentRow, String)>,
    /// "Customer 7 · rs · individual".
    customer_line: String,
    /// Complaints and unlock requests: what, about what, status, deadline.
    requests: Vec<(String, String, String, String)>,
    /// The latest notices sent or queued, and how many there are in all.
    notices: Vec<NoticeRow>,
    /// "The latest 20 of 31", when there are more.
    notices_latest: Option<String>,
    /// The market's packages and devices for the contract form: (id, name).
    offer_packages: Vec<(String, String)>,
    offer_devices: Vec<(String, String)>,
}

async fn customer_page(
    state: &AppState,
    session: &WebSession,
    id: i64,
    message: Option<Message>,
) -> Response {
    if let Err(elsewhere) = staff(session) {
        return elsewhere.into_response();
    }
    let ctx = session.ctx();
    let loaded = async {
        let bills = state
            .app
            .list_bills(
                &ctx,
                &tarifa_app::documents::BillFilter {
                    market: None,
                    customer: Some(id),
                },
            )
            .await?;
        let mut tx = state.app.begin_read(&ctx).await?;
        let Some(customer) = tx.customer(id).await? else {
            return Ok(None);
        };
        let market = state.app.market(&customer.market)?.clone();
        let packages: BTreeMap<String, String> = tx
            .packages(&customer.market)
            .await?
            .into_iter()
            .map(|p| (p.id, p.name))
            .collect();
        let mut contracts = Vec::new();
        for row in tx.contracts_of_customer(id).await? {
            let promotions = tx
                .contract_promotions(row.id)
                .await?
                .into_iter()
                .map(|p| format!("{} ({}, until {})", p.offer, p.status, p.valid_until))
                .collect();
            contracts.push(ContractLine {
                package: packages
                    .get(&row.package_id)
                    .cloned()
                    .unwrap_or_else(|| row.package_id.clone()),
                promotions,
                row,
            });
        }
        let numbers: BTreeMap<i64, String> = contracts
            .iter()
            .map(|c| (c.row.id, c.row.number.clone()))
            .collect();
        let payments = tx
            .payments_of_customer(id)
            .await?
            .into_iter()
            .map(|p| {
                let amount = money_text(&market, p.amount_minor);
                (p, amount)
            })
            .collect();
        let complaints = tx.complaints_of_customer(id).await?;
        let unlocks = tx.unlock_requests_of_customer(id).await?;
        // The latest notices, newest first: the listing runs oldest first.
        let owner = tarifa_store::Owner::Customer(id);
        let total = tx
            .list_notices(
                owner,
                tarifa_store::Page {
                    offset: 0,
                    limit: 1,
                },
            )
            .await?
            .total;
        let mut notices = tx
            .list_notices(
                owner,
                tarifa_store::Page {
                    offset: (total - LATEST_NOTICES).max(0),
                    limit: LATEST_NOTICES,
                },
            )
            .await?;
        notices.rows.reverse();
        let catalog = state.app.catalog(&mut tx, &market).await?;
        let owed = state.app.receivable(&mut tx, id).await?;
        let words = session.words;
        let amount = |minor: i64| [("amount", Arg::Text(money_text(&market, minor)))];
        let balance = match owed {
            0 => words.t("console-settled"),
            owed if owed > 0 => words.with("console-owes", &amount(owed)),
            credit => words.with("console-in-credit", &amount(-credit)),
        };
        let id_arg = |n: i64| [("id", Arg::Text(n.to_string()))];
        let mut requests = Vec::new();
        for c in &complaints {
            requests.push((
                words.with("page-request-complaint", &id_arg(c.id)),
                format!(
                    "{} ({}, {}){}",
                    words.label("page-complaint-kind", &c.kind),
                    c.channel,
                    c.filed_on,
                    written(c.description.as_deref())
                ),
                words.label("page-status", &c.status),
                c.decide_by.clone(),
            ));
        }
        for u in &unlocks {
            let number = numbers
                .get(&u.contract_id)
                .map(|n| format!(" ({n})"))
                .unwrap_or_default();
            requests.push((
                words.with("page-request-unlock", &id_arg(u.id)),
                format!(
                    "{}{number}",
                    words.with("page-imei", &[("imei", Arg::Text(u.imei.clone()))])
                ),
                words.label("page-status", &u.status),
                u.respond_by.clone().unwrap_or_default(),
            ));
        }
        let shown = i64::try_from(notices.rows.len()).unwrap_or(i64::MAX);
        let notices_latest = (notices.total > shown).then(|| {
            words.with(
                "console-latest",
                &[
                    ("shown", Arg::Count(shown)),
                    ("total", Arg::Count(notices.total)),
                ],
            )
        });
        let reported = tx
            .einvoice_submissions_of_customer(id)
            .await?
            .into_iter()
            .map(|r| {
                let why = r.last_error.or(r.messages).unwrap_or_default();
                (r.number, (r.state, why))
            })
            .collect();
        let (open_bills, _) = state.app.open_bills(&mut tx, &market, id).await?;
        let open = open_bills
            .into_iter()
            .filter(|(_, open)| !open.is_zero())
            .map(|(number, open)| (number, money_text(&market, open.minor())))
            .collect();
        Ok::<_, tarifa_app::AppError>(Some(CustomerPage {
            complaint_action: format!("/console/customer/{id}/complaint"),
            frame: frame(session, customer.name.clone(), message),
            customer_line: words.with(
                "console-customer-line",
                &[
                    ("id", Arg::Text(customer.id.to_string())),
                    ("market", Arg::Text(customer.market.clone())),
                    ("kind", Arg::Text(customer.kind.clone())),
                ],
            ),
            requests,
            customer,
            balance,
            open,
            reported,
            contracts,
            bills: bills
                .into_iter()
                .map(|b| BillLine::of(&state.app, b))
                .collect(),
            payments,
            notices: notices.rows,
            notices_latest,
            offer_packages: catalog
                .packages
                .iter()
                .filter(|p| p.public)
                .map(|p| (p.id.clone(), p.name.clone()))
                .collect(),
            offer_devices: catalog
                .devices
                .iter()
                .map(|d| (d.id.clone(), format!("{} {}", d.brand, d.model)))
                .collect(),
        }))
    };
    match loaded.await {
        Ok(Some(page)) => render(&page),
        Ok(None) => (StatusCode::NOT_FOUND, "no such customer").into_response(),
        Err(e) => {
            tracing::error!(error = %e, "console customer page");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                "the page could not be read; it is logged",
            )
                .into_response()
        }
    }
}

async fn customer(
    State(state): State<AppState>,
    Extension(session): Extension<WebSession>,
    Path(id): Path<i64>,
) -> Response {
    customer_page(&state, &session, id, None).await
}

#[derive(Deserialize)]
struct UnlockForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    imei: String,
    #[serde(default)]
    requester: String,
}

async fn unlock(
    State(state): State<AppState>,
    Extension(session): Extension<WebSession>,
    Path(id): Path<i64>,
    Form(form): Form<UnlockForm>,
) -> Response {
    if let Err(refused) = session.check(&form.csrf) {
        return refused.into_response();
    }
    if let Err(elsewhere) = staff(&session) {
        return elsewhere.into_response();
    }
    let requester: Requester = match form.requester.parse() {
        Ok(r) => r,
        Err(e) => {
            return customer_page(
                &state,
                &session,
                id,
                Some(Message::error(format!("requester: {e}"))),
            )
            .await;
        }
    };
    let message = super::actions::request_unlock(
        &state,
        &session,
        session.words,
        id,
        UnlockRequest {
            handle: None,
            imei: form.imei.trim().to_owned(),
            requester,
            channel: "shop".into(),
            fields: BTreeMap::new(),
        },
    )
    .await;
    customer_page(&state, &session, id, Some(message)).await
}

#[derive(Deserialize)]
struct ContractForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    package: String,
    /// Months, or empty for an indefinite contract.
    #[serde(default)]
    commitment_months: String,
    /// A catalog device, or empty.
    #[serde(default)]
    device: String,
    #[serde(default)]
    imei: String,
    /// The agreed device price, or empty for the catalog's.
    #[serde(default)]
    price: String,
    #[serde(default)]
    instalments: String,
}

async fn sign(
    State(state): State<AppState>,
    Extension(session): Extension<WebSession>,
    Path(id): Path<i64>,
    Form(form): Form<ContractForm>,
) -> Response {
    if let Err(refused) = session.check(&form.csrf) {
        return refused.into_response();
    }
    if let Err(elsewhere) = staff(&session) {
        return elsewhere.into_response();
    }
    let message = match contract_request(&state, &session, id, &form).await {
        Ok(request) => match state.app.sign_contract(&session.ctx(), request).await {
            Ok(decided) => Message::decision(
                session.words,
                &session.words.t("console-what-contract"),
                &decided.decision,
            ),
            Err(e) => Message::failed(session.words, &session.words.t("console-what-contract"), e),
        },
        Err(message) => message,
    };
    customer_page(&state, &session, id, Some(message)).await
}

/// The form as a signing request; a field that does not parse is named.
async fn contract_request(
    state: &AppState,
    session: &WebSession,
    customer_id: i64,
    form: &ContractForm,
) -> Result<tarifa_app::contracts::SignRequest, Message> {
    let market = {
        let mut tx = state
            .app
            .begin_read(&session.ctx())
            .await
            .map_err(|e| Message::error(e.to_string()))?;
        let customer = tx
            .customer(customer_id)
            .await
            .map_err(|e| Message::error(e.to_string()))?
            .ok_or_else(|| Message::error("no such customer"))?;
        state
            .app
            .market(&customer.market)
            .map_err(|e| Message::error(e.to_string()))?
            .clone()
    };
    let device = super::actions::device_input(
        &form.device,
        &form.imei,
        &form.price,
        &form.instalments,
        market.currency,
    )?;
    Ok(tarifa_app::contracts::SignRequest {
        customer_id,
        handle: None,
        package: form.package.trim().to_owned(),
        number: None,
        commitment_months: super::actions::count("commitment", &form.commitment_months)?,
        benefits: Vec::new(),
        device,
        channel: tarifa_core::contract::SalesChannel::Store,
        ported_from: None,
        promotion: None,
    })
}

async fn complaint(
    State(state): State<AppState>,
    Extension(session): Extension<WebSession>,
    Path(id): Path<i64>,
    Form(form): Form<super::actions::ComplaintForm>,
) -> Response {
    if let Err(refused) = session.check(&form.csrf) {
        return refused.into_response();
    }
    if let Err(elsewhere) = staff(&session) {
        return elsewhere.into_response();
    }
    let message =
        super::actions::file_complaint(&state, &session, session.words, id, &form, "phone").await;
    customer_page(&state, &session, id, Some(message)).await
}

async fn bill_document(
    state: &AppState,
    session: &WebSession,
    number: &str,
    format: tarifa_render::Format,
) -> Response {
    if let Err(elsewhere) = staff(session) {
        return elsewhere.into_response();
    }
    super::actions::bill_document(state, session, number, None, format).await
}

async fn bill_html(
    State(state): State<AppState>,
    Extension(session): Extension<WebSession>,
    Path(number): Path<String>,
) -> Response {
    bill_document(&state, &session, &number, tarifa_render::Format::Html).await
}

async fn bill_pdf(
    State(state): State<AppState>,
    Extension(session): Extension<WebSession>,
    Path(number): Path<String>,
) -> Response {
    bill_document(&state, &session, &number, tarifa_render::Format::Pdf).await
}

async fn listing_document(
    state: &AppState,
    session: &WebSession,
    id: i64,
    format: tarifa_render::Format,
) -> Response {
    if let Err(elsewhere) = staff(session) {
        return elsewhere.into_response();
    }
    super::actions::listing_document(state, session, id, None, format).await
}

async fn listing_html(
    State(state): State<AppState>,
    Extension(session): Extension<WebSession>,
    Path(id): Path<i64>,
) -> Response {
    listing_document(&state, &session, id, tarifa_render::Format::Html).await
}

async fn listing_pdf(
    State(state): State<AppState>,
    Extension(session): Extension<WebSession>,
    Path(id): Path<i64>,
) -> Response {
    listing_document(&state, &session, id, tarifa_render::Format::Pdf).await
}

/// What a subscriber wrote in a request, after its kind: the first 200
/// characters on a list.
pub(super) fn written(text: Option<&str>) -> String {
    text.map(|t| format!(": “{}”", tarifa_core::text::clip(t, 200)))
        .unwrap_or_default()
}
