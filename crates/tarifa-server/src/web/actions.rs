//! What the console and self-care both do: read a form's amounts and
//! counts, take an unlock request, file a complaint, set a spending limit,
//! request a listing, send a bill document.

use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use tarifa_app::complaints::BillRef;
use tarifa_app::unlock::UnlockRequest;
use tarifa_core::money::{Currency, Money};
use tarifa_render::Format;

use super::WebSession;
use super::pages::{Message, Words};
use crate::AppState;
use tarifa_texts::Arg;

#[derive(Deserialize)]
pub(super) struct ComplaintForm {
    #[serde(default)]
    pub csrf: String,
    /// A bill number, or empty for the quality of service.
    #[serde(default)]
    pub bill: String,
    #[serde(default)]
    pub disputed: String,
    /// What the subscriber writes about it.
    #[serde(default)]
    pub description: String,
}

/// A form's amount, with a decimal comma or point; empty is none. `field`
/// names it in the page's language.
pub(super) fn amount(
    words: Words,
    field: &str,
    text: &str,
    currency: Currency,
) -> Result<Option<Money>, Message> {
    match text.trim() {
        "" => Ok(None),
        t => Money::parse_non_negative(&t.replace(',', "."), currency)
            .map(Some)
            .map_err(|_| {
                Message::error(format!(
                    "{field}: {}",
                    words.with("page-bad-amount", &[("text", Arg::Text(t.to_owned()))])
                ))
            }),
    }
}

/// A form's whole number; empty is none.
pub(super) fn count(field: &str, text: &str) -> Result<Option<u32>, Message> {
    match text.trim() {
        "" => Ok(None),
        t => t
            .parse()
            .map(Some)
            .map_err(|_| Message::error(format!("{field}: {t:?} is not a whole number"))),
    }
}

/// The device fields of a form (catalog device, IMEI, agreed price,
/// instalments); no device chosen is none.
pub(super) fn device_input(
    device: &str,
    imei: &str,
    price: &str,
    instalments: &str,
    currency: Currency,
) -> Result<Option<tarifa_app::contracts::DeviceInput>, Message> {
    match device.trim() {
        "" => Ok(None),
        device => Ok(Some(tarifa_app::contracts::DeviceInput {
            device: device.to_owned(),
            imei: Some(imei.trim().to_owned()).filter(|i| !i.is_empty()),
            price: amount(Words::english(), "device price", price, currency)?,
            instalments: count("instalments", instalments)?.unwrap_or(0),
        })),
    }
}

/// One of the customer's contracts, with its market's currency; a contract
/// of anyone else is not found (self-care's scope).
pub(super) async fn own_contract(
    state: &AppState,
    session: &WebSession,
    words: Words,
    customer_id: i64,
    contract_id: i64,
) -> Result<(tarifa_store::ContractRow, Currency), Message> {
    let found = async {
        let mut tx = state.app.begin_read(&session.ctx()).await?;
        Ok::<_, tarifa_app::AppError>(tx.contract(contract_id).await?)
    };
    match found.await {
        Ok(Some(row)) if row.customer_id == customer_id => {
            let currency = state
                .app
                .market(&row.market)
                .map_err(|e| Message::error(e.to_string()))?
                .currency;
            Ok((row, currency))
        }
        Ok(_) => Err(Message::error(words.t("page-no-contract"))),
        Err(e) => Err(Message::error(e.to_string())),
    }
}

/// Sets a spending limit on one of the customer's contracts (USE-4).
pub(super) async fn set_spending_limit(
    state: &AppState,
    session: &WebSession,
    words: Words,
    customer_id: i64,
    contract_id: i64,
    limit: &str,
) -> Message {
    let what = words.t("page-what-limit");
    let (row, currency) = match own_contract(state, session, words, customer_id, contract_id).await
    {
        Ok(found) => found,
        Err(message) => return message,
    };
    let limit = match amount(words, &what, limit, currency) {
        Ok(Some(limit)) => limit,
        Ok(None) => return Message::error(words.t("page-amount-needed")),
        Err(message) => return message,
    };
    match state
        .app
        .set_spending_limit(&session.ctx(), row.id, limit)
        .await
    {
        Ok(decided) => Message::decision(words, &what, &decided.decision),
        Err(e) => Message::failed(words, &what, e),
    }
}

/// Requests an itemised listing of a month for one of the customer's
/// contracts (USE-5).
pub(super) async fn request_listing(
    state: &AppState,
    session: &WebSession,
    words: Words,
    customer_id: i64,
    contract_id: i64,
    period: &str,
) -> Message {
    let what = words.t("page-what-listing");
    let row = match own_contract(state, session, words, customer_id, contract_id).await {
        Ok((row, _)) => row,
        Err(message) => return message,
    };
    match state
        .app
        .request_listing(&session.ctx(), row.id, period.trim())
        .await
    {
        Ok(decided) => Message::decision(words, &what, &decided.decision),
        Err(e) => Message::failed(words, &what, e),
    }
}

/// The months a listing may cover today (USE-5): this one and the ones
/// before it that the market allows, newest first.
pub(super) fn listing_periods(
    market: &tarifa_core::market::Market,
    today: jiff::civil::Date,
) -> Vec<String> {
    let back = i32::try_from(market.rules.use_5.max_previous_periods).unwrap_or(5);
    (0..=back)
        .map(|n| {
            tarifa_app::billing::period_code(tarifa_core::time::add_months(
                today.first_of_month(),
                -n,
            ))
        })
        .collect()
}

/// Takes an unlock request for a device on one of the customer's contracts.
pub(super) async fn request_unlock(
    state: &AppState,
    session: &WebSession,
    words: Words,
    customer_id: i64,
    request: UnlockRequest,
) -> Message {
    let ctx = session.ctx();
    let owned = async {
        let mut tx = state.app.begin_read(&ctx).await?;
        let Some(customer) = tx.customer(customer_id).await? else {
            return Ok(None);
        };
        let contracts = tx.contracts_of_customer(customer_id).await?;
        let mut own = contracts
            .iter()
            .any(|c| c.device_imei.as_deref() == Some(request.imei.as_str()));
        for sale in tx.sales_with_imei(&customer.market, &request.imei).await? {
            own |= contracts.iter().any(|c| c.id == sale.contract_id);
        }
        Ok::<_, tarifa_app::AppError>(own.then_some(customer.market))
    };
    let what = words.t("page-what-unlock");
    let market = match owned.await {
        Ok(Some(market)) => market,
        Ok(None) => {
            return Message::error(words.with(
                "page-no-device",
                &[("imei", Arg::Text(request.imei.clone()))],
            ));
        }
        Err(e) => return Message::failed(words, &what, e),
    };
    match state.app.request_unlock(&ctx, &market, request).await {
        Ok(decided) => Message::decision(words, &what, &decided.decision),
        Err(e) => Message::failed(words, &what, e),
    }
}

/// Files a complaint for a customer from a form: about a bill of theirs, or
/// about the quality of service when no bill is named.
pub(super) async fn file_complaint(
    state: &AppState,
    session: &WebSession,
    words: Words,
    customer_id: i64,
    form: &ComplaintForm,
    channel: &str,
) -> Message {
    let ctx = session.ctx();
    let (bill, disputed) = (&form.bill, &form.disputed);
    let bill = bill.trim();
    let market = {
        let Ok(mut tx) = state.app.begin_read(&ctx).await else {
            return Message::error("the store is unavailable");
        };
        match tx.customer(customer_id).await {
            Ok(Some(c)) => c.market,
            _ => return Message::error("no such customer"),
        }
    };
    let Ok(market) = state.app.market(&market) else {
        return Message::error("unknown market");
    };
    let what = words.t("page-what-complaint");
    let disputed = match amount(
        words,
        &words.t("page-complaint-disputed"),
        disputed,
        market.currency,
    ) {
        Ok(disputed) => disputed,
        Err(message) => return message,
    };
    let bill_ref = (!bill.is_empty()).then(|| BillRef::Number(bill.to_owned()));
    match state
        .app
        .file_complaint(
            &ctx,
            customer_id,
            tarifa_app::complaints::NewComplaint {
                handle: None,
                bill: bill_ref,
                disputed,
                channel,
                description: Some(&form.description),
            },
        )
        .await
    {
        Ok(decided) => Message::decision(words, &what, &decided.decision),
        Err(e) => Message::failed(words, &what, e),
    }
}

/// A bill document as the answer: PDF as a download, HTML inline.
async fn send_document(view: tarifa_render::BillView, format: Format) -> Response {
    let name = view.number.clone();
    send_rendered(name, format, move || tarifa_render::render(&view, format)).await
}

/// An itemised listing as the answer, like a bill document.
async fn send_listing(view: tarifa_render::ListingView, format: Format) -> Response {
    let name = view.reference.replace(' ', "-");
    send_rendered(name, format, move || {
        tarifa_render::render_listing(&view, format)
    })
    .await
}

/// What `make` renders, as a download named `name` (PDF) or inline (HTML).
async fn send_rendered(
    name: String,
    format: Format,
    make: impl FnOnce() -> Result<Vec<u8>, tarifa_render::RenderError> + Send + 'static,
) -> Response {
    // Typesetting is CPU work: off the request threads.
    match tokio::task::spawn_blocking(make).await {
        Ok(Ok(bytes)) => {
            let disposition = match format {
                Format::Pdf => format!("attachment; filename=\"{name}.pdf\""),
                Format::Html => "inline".to_owned(),
            };
            (
                [
                    (header::CONTENT_TYPE, format.media_type().to_owned()),
                    (header::CONTENT_DISPOSITION, disposition),
                ],
                bytes,
            )
                .into_response()
        }
        other => {
            tracing::error!(?other, "document rendering");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                "the document could not be rendered",
            )
                .into_response()
        }
    }
}

/// A bill for the console (`customer` none) or self-care (the session's
/// customer), or 404 when it is not there for them.
pub(super) async fn bill_document(
    state: &AppState,
    session: &WebSession,
    number: &str,
    customer: Option<i64>,
    format: Format,
) -> Response {
    match state
        .app
        .bill_view(&session.ctx(), number, None, customer)
        .await
    {
        Ok(view) => send_document(view, format).await,
        // Another customer's bill is simply not there.
        Err(tarifa_app::AppError::NotFound { .. }) => {
            (StatusCode::NOT_FOUND, "no such bill").into_response()
        }
        Err(e) => {
            tracing::error!(error = %e, "bill document");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                "the bill could not be read",
            )
                .into_response()
        }
    }
}

/// A listing for the console (`customer` none) or self-care (the session's
/// customer), or 404 when it is not there for them.
pub(super) async fn listing_document(
    state: &AppState,
    session: &WebSession,
    id: i64,
    customer: Option<i64>,
    format: Format,
) -> Response {
    match state
        .app
        .listing_view(&session.ctx(), id, None, customer)
        .await
    {
        Ok(view) => send_listing(view, format).await,
        Err(tarifa_app::AppError::NotFound { .. }) => {
            (StatusCode::NOT_FOUND, "no such listing").into_response()
        }
        Err(e) => {
            tracing::error!(error = %e, "listing document");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                "the listing could not be read",
            )
                .into_response()
        }
    }
}
