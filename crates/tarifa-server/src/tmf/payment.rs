//! TMF676 Payment Management (at `/tmf-api/paymentManagement/v4`): payments
//! received, allocated to the oldest open bill first with any excess kept as
//! credit. The payment's `correlatorId` is its bank reference: a reference
//! seen before is recorded once.

use axum::extract::{Extension, Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::{Deserialize, Serialize};
use tarifa_app::tokens::{Principal, Role};
use tarifa_store::PaymentRow;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::account::account_ref;
use super::customer::visible_customer;
use super::{
    Base, CustomerFilter, FieldParams, JsonBody, ListParams, Money, PAYMENT_API, Ref, ctx,
    day_start, listed, numeric_id, one, reader, scope, sees,
};
use crate::auth::allow;
use crate::{ApiError, AppState};

/// How the payment was made.
#[derive(Clone, Debug, Default, Serialize, Deserialize, ToSchema)]
pub struct PaymentMethod {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(rename = "@type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
}

/// A payment (TMF676).
#[derive(Clone, Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Payment {
    pub id: String,
    pub href: String,
    /// The payment's reference.
    pub correlator_id: String,
    pub name: String,
    pub payment_date: Option<String>,
    /// `succeeded`: every payment stored was received.
    pub status: String,
    pub account: Ref,
    pub payment_method: PaymentMethod,
    pub amount: Money,
    pub total_amount: Money,
    #[serde(rename = "@type")]
    pub kind: String,
}

/// A payment received: the account (the customer's id), the amount and
/// the reference (`correlatorId`).
#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PaymentCreate {
    pub account: Ref,
    pub payment_method: PaymentMethod,
    pub total_amount: Money,
    pub correlator_id: String,
}

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_payments, create_payment))
        .routes(routes!(get_payment))
}

fn represent(state: &AppState, base: &Base, row: &PaymentRow) -> Result<Payment, ApiError> {
    let market = super::market(state, &row.market)?;
    let amount = Money::of(row.amount_minor, market);
    Ok(Payment {
        id: row.id.to_string(),
        href: base.href(PAYMENT_API, &format!("payment/{}", row.id)),
        correlator_id: row.reference.clone(),
        name: format!("payment {}", row.reference),
        payment_date: day_start(&row.received_on, &market.time_zone),
        status: "succeeded".to_owned(),
        account: account_ref(base, row.customer_id),
        payment_method: PaymentMethod {
            id: None,
            name: Some("bank transfer".to_owned()),
            kind: Some("BankTransfer".to_owned()),
        },
        amount: amount.clone(),
        total_amount: amount,
        kind: "Payment".to_owned(),
    })
}

/// A payment as its hub event carries it.
pub(crate) async fn find(
    state: &AppState,
    base: &Base,
    id: &str,
) -> Result<Box<serde_json::value::RawValue>, ApiError> {
    let id = numeric_id(id, "payment")?;
    let mut tx = reader(state, &super::system()).await?;
    let row = tx
        .payment(id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("no payment {id}")))?;
    drop(tx);
    Ok(super::event_body(&represent(state, base, &row)?))
}

/// Lists payments (a subscriber sees only their own).
#[utoipa::path(get, path = "/payment", tag = "TMF676 payment", params(ListParams, CustomerFilter),
    responses((status = 200, description = "A page of payments", body = [Payment],
        headers(("X-Total-Count" = i64), ("X-Result-Count" = i64)))))]
async fn list_payments(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    base: Base,
    Query(params): Query<ListParams>,
    Query(filter): Query<CustomerFilter>,
) -> Result<Response, ApiError> {
    let mut tx = reader(&state, &principal).await?;
    let page = tx
        .list_payments(scope(&principal, &filter)?, params.page())
        .await?;
    let items = page
        .rows
        .iter()
        .map(|row| represent(&state, &base, row))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(listed(&items, page.total, params.fields.as_deref()))
}

/// One payment.
#[utoipa::path(get, path = "/payment/{id}", tag = "TMF676 payment",
    params(("id" = String, Path, description = "The payment's id"), FieldParams),
    responses((status = 200, description = "The payment", body = Payment)))]
async fn get_payment(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    base: Base,
    Path(id): Path<String>,
    Query(params): Query<FieldParams>,
) -> Result<Response, ApiError> {
    let id = numeric_id(&id, "payment")?;
    let mut tx = reader(&state, &principal).await?;
    let row = tx
        .payment(id)
        .await?
        .filter(|row| sees(&principal, row.customer_id))
        .ok_or_else(|| ApiError::not_found(format!("no payment {id}")))?;
    Ok(one(
        StatusCode::OK,
        &represent(&state, &base, &row)?,
        params.fields.as_deref(),
    ))
}

/// Records a payment (billing): 201; the same reference again answers 200
/// with the payment first recorded, never a second payment.
#[utoipa::path(post, path = "/payment", tag = "TMF676 payment", request_body = PaymentCreate,
    responses((status = 201, description = "The payment recorded", body = Payment),
        (status = 200, description = "This reference was recorded before", body = Payment)))]
async fn create_payment(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    base: Base,
    JsonBody(create): JsonBody<PaymentCreate>,
) -> Result<Response, ApiError> {
    allow(&principal, &[Role::Admin, Role::Billing])?;
    let create = create?;
    let customer = visible_customer(&state, &principal, &create.account.id).await?;
    let market = super::market(&state, &customer.market)?;
    let amount = create.total_amount.to_money("totalAmount", market)?;
    let reference = create.correlator_id.trim();
    let mut tx = reader(&state, &principal).await?;
    if let Some(previous) = tx.payment_by_reference(&market.id, reference).await? {
        if previous.customer_id == customer.id && previous.amount_minor == amount.minor() {
            return Ok(one(
                StatusCode::OK,
                &represent(&state, &base, &previous)?,
                None,
            ));
        }
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            format!(
                "reference {reference} was recorded on {} for another account or amount",
                previous.received_on
            ),
        ));
    }
    drop(tx);
    let decided = state
        .app
        .pay(&ctx(&principal), customer.id, amount, reference)
        .await?;
    let Some(id) = decided.value else {
        return Err(ApiError::refused(&decided.decision));
    };
    let mut tx = reader(&state, &principal).await?;
    let row = tx
        .payment(id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("no payment {id}")))?;
    let payment = represent(&state, &base, &row)?;
    Ok(one(StatusCode::CREATED, &payment, None))
}
