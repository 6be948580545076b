//! What the console and self-care both do: take an unlock request, file a
//! complaint from a form, send a bill document.

use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use tarifa_app::complaints::BillRef;
use tarifa_app::unlock::UnlockRequest;
use tarifa_core::money::Money;
use tarifa_render::Format;

use super::WebSession;
use super::pages::Message;
use crate::AppState;

#[derive(Deserialize)]
pub(super) struct ComplaintForm {
    #[serde(default)]
    pub csrf: String,
    /// A bill number, or empty for the quality of service.
    #[serde(default)]
    pub bill: String,
    #[serde(default)]
    pub disputed: String,
}

/// Takes an unlock request for a device on one of the customer's contracts.
pub(super) async fn request_unlock(
    state: &AppState,
    session: &WebSession,
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
    let market = match owned.await {
        Ok(Some(market)) => market,
        Ok(None) => {
            return Message::error(format!(
                "No device with IMEI {:?} was sold on this customer's contracts.",
                request.imei
            ));
        }
        Err(e) => return Message::error(format!("Unlock request not taken: {e}")),
    };
    match state.app.request_unlock(&ctx, &market, request).await {
        Ok(decided) => Message::decision("Unlock request", &decided.decision),
        Err(e) => Message::error(format!("Unlock request not taken: {e}")),
    }
}

/// Files a complaint for a customer from a form: about a bill of theirs, or
/// about the quality of service when no bill is named.
pub(super) async fn file_complaint(
    state: &AppState,
    session: &WebSession,
    customer_id: i64,
    bill: &str,
    disputed: &str,
    channel: &str,
) -> Message {
    let ctx = session.ctx();
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
    let disputed = match disputed.trim() {
        "" => None,
        text => match Money::parse_non_negative(&text.replace(',', "."), market.currency) {
            Ok(m) => Some(m),
            Err(e) => return Message::error(format!("disputed amount: {e}")),
        },
    };
    let bill_ref = (!bill.is_empty()).then(|| BillRef::Number(bill.to_owned()));
    match state
        .app
        .file_complaint(&ctx, customer_id, None, bill_ref, disputed, channel)
        .await
    {
        Ok(decided) => Message::decision("Complaint", &decided.decision),
        Err(e) => Message::error(format!("Complaint not filed: {e}")),
    }
}

/// A bill document as the answer: PDF as a download, HTML inline.
pub(super) async fn send_document(view: tarifa_render::BillView, format: Format) -> Response {
    let number = view.number.clone();
    // Typesetting is CPU work: off the request threads.
    match tokio::task::spawn_blocking(move || tarifa_render::render(&view, format)).await {
        Ok(Ok(bytes)) => {
            let disposition = match format {
                Format::Pdf => format!("attachment; filename=\"{number}.pdf\""),
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
            tracing::error!(?other, "bill rendering");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                "the bill could not be rendered",
            )
                .into_response()
        }
    }
}
