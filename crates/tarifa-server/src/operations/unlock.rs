//! Unlock requests (UNL-1…12): filing one, the code arriving from the
//! manufacturer, and the subscriber's code entries.

use std::collections::BTreeMap;

use axum::extract::{Extension, Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::{Deserialize, Serialize};
use tarifa_app::tokens::{Principal, Role};
use tarifa_app::unlock::UnlockRequest;
use tarifa_core::unlock::Requester;
use tarifa_store::UnlockRow;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{DecisionView, OPERATIONS_API, respond};
use crate::auth::allow;
use crate::tmf::product::product_ref;
use crate::tmf::{Base, JsonBody, ctx, day_start, numeric_id, one, reader, sees};
use crate::{ApiError, AppState};

/// A request to unlock a device.
#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UnlockRequestCreate {
    /// The market (rs, hu, me).
    pub market: String,
    pub imei: String,
    /// `owner`, `contact` or `proxy`.
    pub requester: String,
    /// `store`, `email`, `post`, `self_care` …
    pub channel: String,
    /// What the request gives: owner_name, model, number, purchase_date,
    /// fiscal_receipt_number, power_of_attorney, … (UNL-3…6).
    #[serde(default)]
    pub fields: BTreeMap<String, String>,
}

/// An unlock request and where it stands.
#[derive(Clone, Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UnlockRequestView {
    pub id: String,
    pub href: String,
    pub imei: String,
    pub device: String,
    /// received, rejected, awaiting_manufacturer, code_sent, unlocked, disabled.
    pub status: String,
    pub received: Option<String>,
    /// The operator answers by then.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub respond_by: Option<String>,
    pub wrong_entries: i64,
    pub product: crate::tmf::Ref,
    #[serde(rename = "@type")]
    pub kind: String,
}

/// One code entry on the device.
#[derive(Clone, Debug, Deserialize, ToSchema)]
pub struct CodeEntry {
    /// Whether the code the subscriber entered unlocked the device.
    pub correct: bool,
}

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(file_request))
        .routes(routes!(get_request))
        .routes(routes!(code_received))
        .routes(routes!(code_entry))
}

fn represent(
    state: &AppState,
    base: &Base,
    row: &UnlockRow,
) -> Result<UnlockRequestView, ApiError> {
    let market = crate::tmf::market(state, &row.market)?;
    let tz = &market.time_zone;
    Ok(UnlockRequestView {
        id: row.id.to_string(),
        href: base.href(OPERATIONS_API, &format!("unlockRequest/{}", row.id)),
        imei: row.imei.clone(),
        device: row.device_id.clone(),
        status: row.status.clone(),
        received: day_start(&row.received_on, tz),
        respond_by: row.respond_by.as_deref().and_then(|d| day_start(d, tz)),
        wrong_entries: row.wrong_entries,
        product: product_ref(base, row.contract_id, ""),
        kind: "UnlockRequest".to_owned(),
    })
}

async fn visible(state: &AppState, principal: &Principal, id: &str) -> Result<UnlockRow, ApiError> {
    let missing = || ApiError::not_found(format!("no unlock request {id:?}"));
    let id = numeric_id(id, "unlock request")?;
    let mut tx = reader(state, principal).await?;
    let row = tx.unlock_request(id).await?.ok_or_else(missing)?;
    let contract = tx.contract(row.contract_id).await?.ok_or_else(missing)?;
    if sees(principal, contract.customer_id) {
        Ok(row)
    } else {
        Err(missing())
    }
}

/// Files an unlock request — an agent for the subscriber at a shop or by
/// letter, or the subscriber for a device sold on their own contract: 201
/// with the decision and the request's id, or 422 naming every missing
/// condition.
#[utoipa::path(post, path = "/unlockRequest", tag = "operations", request_body = UnlockRequestCreate,
    responses((status = 201, description = "The request recorded", body = DecisionView)))]
async fn file_request(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    JsonBody(create): JsonBody<UnlockRequestCreate>,
) -> Result<Response, ApiError> {
    allow(&principal, &[Role::Admin, Role::Agent, Role::Subscriber])?;
    let create = create?;
    if principal.role == Role::Subscriber {
        crate::tmf::market(&state, &create.market)?;
        let mut tx = reader(&state, &principal).await?;
        let sale = tx
            .sales_with_imei(&create.market, create.imei.trim())
            .await?;
        let mut own = false;
        if let Some(sale) = sale.first()
            && let Some(contract) = tx.contract(sale.contract_id).await?
        {
            own = sees(&principal, contract.customer_id);
        }
        if !own {
            return Err(ApiError::not_found(format!(
                "no device with IMEI {} on your contracts",
                create.imei.trim()
            )));
        }
    }
    let requester: Requester = create
        .requester
        .parse()
        .map_err(|e: String| ApiError::bad_request(format!("requester: {e}")))?;
    let request = UnlockRequest {
        handle: None,
        imei: create.imei,
        requester,
        channel: create.channel,
        fields: create.fields,
    };
    let decided = state
        .app
        .request_unlock(&ctx(&principal), &create.market, request)
        .await?;
    respond(
        StatusCode::CREATED,
        &decided.decision,
        decided.value.map(|id| id.to_string()),
    )
}

/// An unlock request.
#[utoipa::path(get, path = "/unlockRequest/{id}", tag = "operations",
    params(("id" = String, Path, description = "The request's id")),
    responses((status = 200, description = "The request", body = UnlockRequestView)))]
async fn get_request(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    base: Base,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let row = visible(&state, &principal, &id).await?;
    Ok(one(StatusCode::OK, &represent(&state, &base, &row)?, None))
}

/// The manufacturer's code arrived and is sent to the subscriber (UNL-12).
#[utoipa::path(post, path = "/unlockRequest/{id}/codeReceived", tag = "operations",
    params(("id" = String, Path, description = "The request's id")),
    responses((status = 200, description = "The code was sent on", body = DecisionView)))]
async fn code_received(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    allow(&principal, &[Role::Admin, Role::Agent])?;
    let row = visible(&state, &principal, &id).await?;
    let decided = state
        .app
        .unlock_code_received(&ctx(&principal), row.id)
        .await?;
    respond(StatusCode::OK, &decided.decision, None)
}

/// The subscriber entered the code (UNL-11: too many wrong entries disable it).
#[utoipa::path(post, path = "/unlockRequest/{id}/codeEntry", tag = "operations",
    params(("id" = String, Path, description = "The request's id")), request_body = CodeEntry,
    responses((status = 200, description = "The entry recorded", body = DecisionView)))]
async fn code_entry(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<String>,
    JsonBody(entry): JsonBody<CodeEntry>,
) -> Result<Response, ApiError> {
    allow(&principal, &[Role::Admin, Role::Agent, Role::Subscriber])?;
    let entry = entry?;
    let row = visible(&state, &principal, &id).await?;
    let decided = state
        .app
        .unlock_code_entry(&ctx(&principal), row.id, entry.correct)
        .await?;
    respond(StatusCode::OK, &decided.decision, None)
}
