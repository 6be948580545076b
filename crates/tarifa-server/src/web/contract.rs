//! The console's contract page: what the contract is (package, commitment,
//! devices, promotions, spending limits, listings) and what an agent does
//! with it — sell a device, quote and make a package change, quote and
//! execute a termination, set a spending limit, give a listing. A quote is a
//! GET that changes nothing; executing it is a POST with the CSRF token.

use askama::Template;
use axum::Router;
use axum::extract::{Extension, Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use tarifa_core::market::Market;
use tarifa_core::rule::{Decision, Outcome};
use tarifa_core::termination::TerminatedBy;
use tarifa_store::{
    ContractPromotionRow, ContractRow, CustomerRow, DeviceSaleRow, ListingRow, SpendingLimitRow,
};

use super::pages::{Frame, Message, Words, money_text, render};
use super::{WebSession, console};
use crate::AppState;
use tarifa_texts::Arg;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/console/contract/{id}", get(show))
        .route("/console/contract/{id}/device", post(sell_device))
        .route("/console/contract/{id}/package", post(change_package))
        .route("/console/contract/{id}/terminate", post(terminate))
        .route(
            "/console/contract/{id}/spending-limit",
            post(spending_limit),
        )
        .route("/console/contract/{id}/listing", post(listing))
}

/// A quote as the page shows it: the decision, what it would cost, and the
/// form that carries it out when it may be.
struct QuoteView {
    title: String,
    /// `ok` or `refused`: the CSS class.
    kind: &'static str,
    verdict: String,
    reasons: Vec<String>,
    /// What the quote says, as label and value.
    facts: Vec<(String, String)>,
    /// The POST that executes it; none when refused.
    execute: Option<Execute>,
}

/// The form that carries out a quote.
struct Execute {
    action: String,
    /// Hidden fields: name and value.
    fields: Vec<(String, String)>,
    label: String,
}

impl QuoteView {
    fn new(words: Words, title: String, decision: &Decision) -> Self {
        let (kind, verdict) = match decision.outcome {
            Outcome::Rejected => ("refused", "console-verdict-refused"),
            Outcome::Pending => ("ok", "console-verdict-pending"),
            Outcome::Approved => ("ok", "console-verdict-done"),
        };
        Self {
            title: words.with("console-quote", &[("title", Arg::Text(title))]),
            kind,
            verdict: words.t(verdict),
            reasons: decision.reasons.iter().map(ToString::to_string).collect(),
            facts: Vec::new(),
            execute: None,
        }
    }
}

#[derive(Template)]
#[template(path = "console_contract.html")]
struct ContractPage {
    frame: Frame,
    contract: ContractRow,
    customer: CustomerRow,
    package: String,
    /// The contract's facts in the agent's words.
    status: String,
    signed: String,
    commitment: String,
    device: String,
    sales: Vec<(DeviceSaleRow, String)>,
    promotions: Vec<ContractPromotionRow>,
    /// Each with what it is, in words.
    limits: Vec<(SpendingLimitRow, String)>,
    listings: Vec<(ListingRow, String)>,
    quote: Option<QuoteView>,
    packages: Vec<(String, String)>,
    devices: Vec<(String, String)>,
    periods: Vec<String>,
    agreed_price_label: String,
    limit_label: String,
}

/// What the quote form asks for: a package change (`package`) or a
/// termination (`by`, `reason`).
#[derive(Default, Deserialize)]
struct QuoteQuery {
    #[serde(default)]
    package: Option<String>,
    #[serde(default)]
    by: Option<String>,
    #[serde(default)]
    reason: Option<String>,
}

fn terminated_by(text: &str) -> Result<TerminatedBy, Message> {
    match text {
        "subscriber" => Ok(TerminatedBy::Subscriber),
        "operator" => Ok(TerminatedBy::Operator),
        other => Err(Message::error(format!(
            "terminated by: {other:?} is neither subscriber nor operator"
        ))),
    }
}

async fn quote(
    state: &AppState,
    session: &WebSession,
    contract_id: i64,
    market: &Market,
    query: &QuoteQuery,
) -> Result<Option<QuoteView>, Message> {
    let ctx = session.ctx();
    let words = session.words;
    let amount = |m: tarifa_core::money::Money| Arg::Text(money_text(market, m.minor()));
    let no_quote = |e: tarifa_app::AppError| {
        Message::error(words.with("console-no-quote", &[("error", Arg::Text(e.to_string()))]))
    };
    if let Some(package) = query.package.as_deref().filter(|p| !p.is_empty()) {
        let quote = state
            .app
            .quote_package_change(&ctx, contract_id, package)
            .await
            .map_err(no_quote)?;
        let mut view = QuoteView::new(
            words,
            words.with(
                "console-quote-package",
                &[("package", Arg::Text(package.to_owned()))],
            ),
            &quote.decision,
        );
        view.facts.push((
            words.t("console-downgrade-fee"),
            quote.downgrade_fee.as_ref().map_or_else(
                || words.t("console-none"),
                |fee| {
                    words.with(
                        "console-downgrade-fee-line",
                        &[
                            ("amount", amount(fee.amount)),
                            ("months", Arg::Count(i64::from(fee.months_left))),
                        ],
                    )
                },
            ),
        ));
        if quote.decision.is_approved() {
            view.execute = Some(Execute {
                action: format!("/console/contract/{contract_id}/package"),
                fields: vec![("package".into(), package.to_owned())],
                label: words.t("console-change-package"),
            });
        }
        return Ok(Some(view));
    }
    if let Some(by_text) = query.by.as_deref().filter(|b| !b.is_empty()) {
        let by = terminated_by(by_text)?;
        let reason = query.reason.clone().unwrap_or_default();
        let quote = state
            .app
            .quote_termination(&ctx, contract_id, by, &reason)
            .await
            .map_err(no_quote)?;
        let mut view = QuoteView::new(
            words,
            words.with(
                "console-quote-termination",
                &[
                    ("by", Arg::Text(words.t(&format!("console-by-{by_text}")))),
                    ("reason", Arg::Text(reason.clone())),
                ],
            ),
            &quote.decision,
        );
        view.facts
            .push((words.t("console-ends-on"), quote.ends_on.to_string()));
        if quote.fees.is_empty() {
            view.facts
                .push((words.t("console-fees"), words.t("console-none")));
        }
        for fee in &quote.fees {
            view.facts.push((
                words.with(
                    "console-fee",
                    &[("kind", Arg::Text(fee.kind.replace('_', " ")))],
                ),
                money_text(market, fee.amount.minor()),
            ));
        }
        if let Some((refund, by)) = quote.refund {
            view.facts.push((
                words.t("console-refund"),
                words.with(
                    "console-refund-line",
                    &[
                        ("amount", amount(refund)),
                        ("date", Arg::Text(by.to_string())),
                    ],
                ),
            ));
        }
        if let Some(return_by) = quote.return_by {
            view.facts
                .push((words.t("console-return-by"), return_by.to_string()));
        }
        if quote.decision.is_approved() {
            view.execute = Some(Execute {
                action: format!("/console/contract/{contract_id}/terminate"),
                fields: vec![("by".into(), by_text.to_owned()), ("reason".into(), reason)],
                label: words.t("console-terminate"),
            });
        }
        return Ok(Some(view));
    }
    Ok(None)
}

async fn contract_page(
    state: &AppState,
    session: &WebSession,
    id: i64,
    query: &QuoteQuery,
    message: Option<Message>,
) -> Response {
    if let Err(elsewhere) = console::staff(session) {
        return elsewhere.into_response();
    }
    let ctx = session.ctx();
    let loaded = async {
        let mut tx = state.app.begin_read(&ctx).await?;
        let Some(contract) = tx.contract(id).await? else {
            return Ok(None);
        };
        let Some(customer) = tx.customer(contract.customer_id).await? else {
            return Ok(None);
        };
        let market = state.app.market(&contract.market)?.clone();
        let catalog = state.app.catalog(&mut tx, &market).await?;
        let sales = tx
            .device_sales(id)
            .await?
            .into_iter()
            .map(|s| {
                let price = money_text(&market, s.price_minor);
                (s, price)
            })
            .collect();
        let promotions = tx.contract_promotions(id).await?;
        let limits = tx
            .spending_limits_of_customer(customer.id)
            .await?
            .into_iter()
            .filter(|l| l.contract_id == id)
            .map(|l| {
                let what = session.words.with(
                    "console-limit-line",
                    &[("amount", Arg::Text(money_text(&market, l.amount_minor)))],
                );
                (l, what)
            })
            .collect();
        let listings = tx
            .listings_of_customer(customer.id)
            .await?
            .into_iter()
            .filter(|l| l.contract_id == id)
            .map(|l| {
                let what = session.words.with(
                    "console-listing-line",
                    &[
                        ("period", Arg::Text(l.period.clone())),
                        ("records", Arg::Count(l.records)),
                        ("pages", Arg::Count(l.pages)),
                        (
                            "delivery",
                            Arg::Text(session.words.label("page-delivery", &l.delivery)),
                        ),
                    ],
                );
                (l, what)
            })
            .collect();
        drop(tx);
        Ok::<_, tarifa_app::AppError>(Some((
            contract, customer, market, catalog, sales, promotions, limits, listings,
        )))
    };
    let (contract, customer, market, catalog, sales, promotions, limits, listings) =
        match loaded.await {
            Ok(Some(found)) => found,
            Ok(None) => return (StatusCode::NOT_FOUND, "no such contract").into_response(),
            Err(e) => {
                tracing::error!(error = %e, "console contract page");
                return (
                    StatusCode::SERVICE_UNAVAILABLE,
                    "the page could not be read; it is logged",
                )
                    .into_response();
            }
        };
    let (quote, message) = match quote(state, session, id, &market, query).await {
        Ok(quote) => (quote, message),
        Err(refused) => (None, Some(refused)),
    };
    let today = state.app.today(&market);
    let words = session.words;
    let currency = [("currency", Arg::Text(market.currency.code().to_owned()))];
    let date = |d: &str| Arg::Text(d.to_owned());
    let mut status = words.label("console-contract-status", &contract.status);
    if let Some(on) = &contract.ended_on {
        status = format!(
            "{status} {}",
            words.with("console-ended-on", &[("date", date(on))])
        );
    }
    if let Some(since) = &contract.suspended_on {
        status = format!(
            "{status} · {}",
            words.with("console-suspended-since", &[("date", date(since))])
        );
        if let Some(why) = &contract.suspension_cause {
            status = format!("{status} ({why})");
        }
    }
    let signed = words.with(
        "console-signed-line",
        &[
            ("date", date(&contract.signed_on)),
            ("channel", Arg::Text(contract.channel.clone())),
            ("active", date(&contract.activated_on)),
        ],
    );
    let commitment = match contract.commitment_months {
        Some(months) => {
            let mut text = words.with("console-months", &[("months", Arg::Count(months))]);
            if let Some(end) = &contract.commitment_end {
                text = format!(
                    "{text}, {}",
                    words.with("console-ends", &[("date", date(end))])
                );
            }
            text
        }
        None => words.t("console-indefinite"),
    };
    let device = match &contract.device_id {
        Some(d) => {
            let mut text = d.clone();
            if let Some(imei) = &contract.device_imei {
                text = format!("{text} (IMEI {imei})");
            }
            if contract.device_lent == Some(true) {
                text = format!("{text}, {}", words.t("console-lent"));
            }
            if let Some(by) = &contract.return_by {
                text = format!(
                    "{text} · {}",
                    words.with("console-due-back", &[("date", date(by))])
                );
            }
            text
        }
        None => words.t("console-none"),
    };
    render(&ContractPage {
        frame: console::frame(
            session,
            format!("{} · {}", contract.number, customer.name),
            message,
        ),
        package: catalog
            .package(&contract.package_id)
            .map_or_else(|| contract.package_id.clone(), |p| p.name.clone()),
        packages: catalog
            .packages
            .iter()
            .filter(|p| p.public && p.id != contract.package_id)
            .map(|p| {
                (
                    p.id.clone(),
                    format!(
                        "{} ({})",
                        p.name,
                        money_text(&market, p.monthly_fee.minor())
                    ),
                )
            })
            .collect(),
        devices: catalog
            .devices
            .iter()
            .map(|d| {
                (
                    d.id.clone(),
                    format!(
                        "{} {} ({})",
                        d.brand,
                        d.model,
                        money_text(&market, d.retail_price.minor())
                    ),
                )
            })
            .collect(),
        periods: super::actions::listing_periods(&market, today),
        agreed_price_label: words.with("console-agreed-price", &currency),
        limit_label: words.with("page-limit-label", &currency),
        status,
        signed,
        commitment,
        device,
        contract,
        customer,
        sales,
        promotions,
        limits,
        listings,
        quote,
    })
}

async fn show(
    State(state): State<AppState>,
    Extension(session): Extension<WebSession>,
    Path(id): Path<i64>,
    Query(query): Query<QuoteQuery>,
) -> Response {
    contract_page(&state, &session, id, &query, None).await
}

/// Checks the form's CSRF token and the role; then the contract's customer.
async fn customer_of(
    state: &AppState,
    session: &WebSession,
    csrf: &str,
    contract_id: i64,
) -> Result<i64, Response> {
    session.check(csrf).map_err(IntoResponse::into_response)?;
    console::staff(session).map_err(IntoResponse::into_response)?;
    let found = async {
        let mut tx = state.app.begin_read(&session.ctx()).await?;
        Ok::<_, tarifa_app::AppError>(tx.contract(contract_id).await?)
    };
    match found.await {
        Ok(Some(row)) => Ok(row.customer_id),
        Ok(None) => Err((StatusCode::NOT_FOUND, "no such contract").into_response()),
        Err(e) => {
            tracing::error!(error = %e, "console contract");
            Err((
                StatusCode::SERVICE_UNAVAILABLE,
                "the contract could not be read",
            )
                .into_response())
        }
    }
}

#[derive(Deserialize)]
struct DeviceSaleForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    device: String,
    #[serde(default)]
    imei: String,
    #[serde(default)]
    price: String,
    #[serde(default)]
    instalments: String,
    /// Another package with the device (PRM-7), or empty to keep the current.
    #[serde(default)]
    package: String,
    /// A new commitment in months, or empty for none.
    #[serde(default)]
    commitment_months: String,
}

async fn sell_device(
    State(state): State<AppState>,
    Extension(session): Extension<WebSession>,
    Path(id): Path<i64>,
    Form(form): Form<DeviceSaleForm>,
) -> Response {
    let customer_id = match customer_of(&state, &session, &form.csrf, id).await {
        Ok(customer) => customer,
        Err(response) => return response,
    };
    let message = async {
        let (_, currency) =
            super::actions::own_contract(&state, &session, session.words, customer_id, id).await?;
        let device = super::actions::device_input(
            &form.device,
            &form.imei,
            &form.price,
            &form.instalments,
            currency,
        )?
        .ok_or_else(|| Message::error(session.words.t("console-choose-device")))?;
        let request = tarifa_app::sales::DevicePurchaseRequest {
            device,
            package: Some(form.package.trim().to_owned()).filter(|p| !p.is_empty()),
            commitment_months: super::actions::count("commitment", &form.commitment_months)?,
            promotion: None,
        };
        match state.app.buy_device(&session.ctx(), id, request).await {
            Ok(decided) => Ok(Message::decision(
                session.words,
                &session.words.t("console-what-device-sale"),
                &decided.decision,
            )),
            Err(e) => Err(Message::failed(
                session.words,
                &session.words.t("console-what-device-sale"),
                e,
            )),
        }
    }
    .await
    .unwrap_or_else(|message| message);
    contract_page(&state, &session, id, &QuoteQuery::default(), Some(message)).await
}

#[derive(Deserialize)]
struct PackageForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    package: String,
}

async fn change_package(
    State(state): State<AppState>,
    Extension(session): Extension<WebSession>,
    Path(id): Path<i64>,
    Form(form): Form<PackageForm>,
) -> Response {
    if let Err(response) = customer_of(&state, &session, &form.csrf, id).await {
        return response;
    }
    let message = match state
        .app
        .change_package(&session.ctx(), id, form.package.trim())
        .await
    {
        Ok(decided) => Message::decision(
            session.words,
            &session.words.t("console-what-package-change"),
            &decided.decision,
        ),
        Err(e) => Message::failed(
            session.words,
            &session.words.t("console-what-package-change"),
            e,
        ),
    };
    contract_page(&state, &session, id, &QuoteQuery::default(), Some(message)).await
}

#[derive(Deserialize)]
struct TerminationForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    by: String,
    #[serde(default)]
    reason: String,
}

async fn terminate(
    State(state): State<AppState>,
    Extension(session): Extension<WebSession>,
    Path(id): Path<i64>,
    Form(form): Form<TerminationForm>,
) -> Response {
    if let Err(response) = customer_of(&state, &session, &form.csrf, id).await {
        return response;
    }
    let message = match terminated_by(&form.by) {
        Ok(by) => match state
            .app
            .terminate(&session.ctx(), id, by, &form.reason)
            .await
        {
            Ok(decided) => Message::decision(
                session.words,
                &session.words.t("console-what-termination"),
                &decided.decision,
            ),
            Err(e) => Message::failed(
                session.words,
                &session.words.t("console-what-termination"),
                e,
            ),
        },
        Err(message) => message,
    };
    contract_page(&state, &session, id, &QuoteQuery::default(), Some(message)).await
}

#[derive(Deserialize)]
pub(super) struct SpendingLimitForm {
    #[serde(default)]
    pub csrf: String,
    /// The contract, when the form does not name it in its address.
    #[serde(default)]
    pub contract: Option<i64>,
    #[serde(default)]
    pub amount: String,
}

async fn spending_limit(
    State(state): State<AppState>,
    Extension(session): Extension<WebSession>,
    Path(id): Path<i64>,
    Form(form): Form<SpendingLimitForm>,
) -> Response {
    let customer_id = match customer_of(&state, &session, &form.csrf, id).await {
        Ok(customer) => customer,
        Err(response) => return response,
    };
    let message = super::actions::set_spending_limit(
        &state,
        &session,
        session.words,
        customer_id,
        id,
        &form.amount,
    )
    .await;
    contract_page(&state, &session, id, &QuoteQuery::default(), Some(message)).await
}

#[derive(Deserialize)]
pub(super) struct ListingForm {
    #[serde(default)]
    pub csrf: String,
    /// The contract, when the form does not name it in its address.
    #[serde(default)]
    pub contract: Option<i64>,
    #[serde(default)]
    pub period: String,
}

async fn listing(
    State(state): State<AppState>,
    Extension(session): Extension<WebSession>,
    Path(id): Path<i64>,
    Form(form): Form<ListingForm>,
) -> Response {
    let customer_id = match customer_of(&state, &session, &form.csrf, id).await {
        Ok(customer) => customer,
        Err(response) => return response,
    };
    let message = super::actions::request_listing(
        &state,
        &session,
        session.words,
        customer_id,
        id,
        &form.period,
    )
    .await;
    contract_page(&state, &session, id, &QuoteQuery::default(), Some(message)).await
}
