//! TMF681 Communication Management: the notices tarifa sent or is sending to
//! subscribers (NOT-1…3), by e-mail, SMS or letter, with the rules behind them.

use axum::extract::{Extension, Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Serialize;
use tarifa_app::tokens::Principal;
use tarifa_store::NoticeRow;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::customer::customer_ref;
use super::{
    Base, Characteristic, CustomerFilter, FieldParams, ListParams, MESSAGE_API, Ref, day_start,
    listed, numeric_id, one, reader, scope, sees,
};
use crate::{ApiError, AppState};

/// Who a message goes to.
#[derive(Clone, Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Receiver {
    pub id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone_number: Option<String>,
    pub party: Ref,
}

/// A notice (TMF681 communication message).
#[derive(Clone, Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CommunicationMessage {
    pub id: String,
    pub href: String,
    pub subject: String,
    pub content: String,
    /// `email`, `sms` or `letter`.
    pub message_type: String,
    /// `initial` (waiting), `inProgress` (being sent), `completed` or `failed`
    /// (the last attempt failed; it is retried).
    pub state: String,
    /// The day it is due.
    pub scheduled_send_time: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub send_time_complete: Option<String>,
    pub try_times: i64,
    pub receiver: Vec<Receiver>,
    /// kind, rules, language, the contract it concerns, the last error.
    pub characteristic: Vec<Characteristic>,
    #[serde(rename = "@type")]
    pub kind: String,
}

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_messages))
        .routes(routes!(get_message))
}

fn represent(
    state: &AppState,
    base: &Base,
    row: &NoticeRow,
) -> Result<CommunicationMessage, ApiError> {
    let market = super::market(state, &row.market)?;
    let message_state = if row.sent_at.is_some() {
        "completed"
    } else if row.last_error.is_some() {
        "failed"
    } else if row.claimed_until.is_some() {
        "inProgress"
    } else {
        "initial"
    };
    let mut characteristic = vec![
        Characteristic::text("kind", &row.kind),
        Characteristic::text("rules", &row.rules),
        Characteristic::text("language", &row.language),
    ];
    if let Some(contract) = row.contract_id {
        characteristic.push(Characteristic::number("contract", contract));
    }
    if let Some(error) = &row.last_error {
        characteristic.push(Characteristic::text("lastError", error));
    }
    let destination = row.destination.clone();
    Ok(CommunicationMessage {
        id: row.id.to_string(),
        href: base.href(MESSAGE_API, &format!("communicationMessage/{}", row.id)),
        subject: row.subject.clone(),
        content: row.text.clone(),
        message_type: row.channel.clone(),
        state: message_state.to_owned(),
        scheduled_send_time: day_start(&row.on_date, &market.time_zone),
        send_time_complete: row.sent_at.clone(),
        try_times: row.attempts,
        receiver: vec![Receiver {
            id: row.customer_id.to_string(),
            email: destination.clone().filter(|_| row.channel == "email"),
            phone_number: destination.filter(|_| row.channel == "sms"),
            party: customer_ref(base, row.customer_id, "").as_role("receiver"),
        }],
        characteristic,
        kind: "CommunicationMessage".to_owned(),
    })
}

/// Lists notices (a subscriber sees only their own).
#[utoipa::path(get, path = "/communicationMessage", tag = "TMF681 communication", params(ListParams, CustomerFilter),
    responses((status = 200, description = "A page of notices", body = [CommunicationMessage],
        headers(("X-Total-Count" = i64), ("X-Result-Count" = i64)))))]
async fn list_messages(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    base: Base,
    Query(params): Query<ListParams>,
    Query(filter): Query<CustomerFilter>,
) -> Result<Response, ApiError> {
    let mut tx = reader(&state, &principal).await?;
    let page = tx
        .list_notices(scope(&principal, &filter)?, params.page())
        .await?;
    let items = page
        .rows
        .iter()
        .map(|row| represent(&state, &base, row))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(listed(&items, page.total, params.fields.as_deref()))
}

/// One notice.
#[utoipa::path(get, path = "/communicationMessage/{id}", tag = "TMF681 communication",
    params(("id" = String, Path, description = "The notice's id"), FieldParams),
    responses((status = 200, description = "The notice", body = CommunicationMessage)))]
async fn get_message(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    base: Base,
    Path(id): Path<String>,
    Query(params): Query<FieldParams>,
) -> Result<Response, ApiError> {
    let id = numeric_id(&id, "communication message")?;
    let mut tx = reader(&state, &principal).await?;
    let row = tx
        .notice(id)
        .await?
        .filter(|row| sees(&principal, row.customer_id))
        .ok_or_else(|| ApiError::not_found(format!("no communication message {id}")))?;
    Ok(one(
        StatusCode::OK,
        &represent(&state, &base, &row)?,
        params.fields.as_deref(),
    ))
}
