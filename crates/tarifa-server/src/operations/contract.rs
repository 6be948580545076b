//! Operations on one contract: what ending it or moving it to another
//! package would cost (TRM-1…6, TRM-3, CAT-3), doing it, spending limits and
//! itemised listings (USE-4, USE-5), and transfer of ownership (CON-9).

use axum::extract::{Extension, Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::{Deserialize, Serialize};
use tarifa_app::tokens::{Principal, Role};
use tarifa_core::termination::TerminatedBy;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{DecisionView, respond, visible_contract};
use crate::auth::allow;
use crate::tmf::customer::visible_customer;
use crate::tmf::{JsonBody, Money, ctx, day_start, one};
use crate::{ApiError, AppState};

/// Who ends the contract and why.
#[derive(Clone, Debug, Deserialize, ToSchema)]
pub struct TerminationInput {
    /// `subscriber` or `operator`.
    pub by: String,
    /// `ordinary`, `unfavourable_change` (CAT-4), `quality` (CMP-6),
    /// `withdrawal` (TRM-6), `bankruptcy`, `non-payment`, `abuse` …
    #[serde(default = "ordinary")]
    pub reason: String,
}

fn ordinary() -> String {
    "ordinary".to_owned()
}

/// A fee a termination or package change costs.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct QuotedFee {
    /// early_termination, equipment, downgrade …
    pub kind: String,
    pub amount: Money,
}

/// What ending the contract today would cost, and why.
#[derive(Clone, Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TerminationQuote {
    /// `approved` or `rejected`.
    pub outcome: String,
    pub rules: Vec<String>,
    pub reasons: Vec<String>,
    pub ends_on: Option<String>,
    pub fees: Vec<QuotedFee>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refund: Option<Money>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refund_by: Option<String>,
    /// Lent equipment is due back by then (DEV-4).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub return_by: Option<String>,
    #[serde(rename = "@type")]
    pub kind: String,
}

/// The package to move to.
#[derive(Clone, Debug, Deserialize, ToSchema)]
pub struct PackageInput {
    /// The package's id in the contract's market (e.g. `mobile-1990`).
    pub package: String,
}

/// What a package change would decide and cost.
#[derive(Clone, Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PackageChangeQuote {
    pub outcome: String,
    pub rules: Vec<String>,
    pub reasons: Vec<String>,
    pub fees: Vec<QuotedFee>,
    #[serde(rename = "@type")]
    pub kind: String,
}

/// A monthly spending limit.
#[derive(Clone, Debug, Deserialize, ToSchema)]
pub struct SpendingLimitInput {
    pub amount: Money,
}

/// A period to itemise.
#[derive(Clone, Debug, Deserialize, ToSchema)]
pub struct ListingInput {
    /// `YYYY-MM`.
    pub period: String,
}

/// The customer who takes the contract over.
#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TransferInput {
    pub to_customer: String,
}

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(termination_quote))
        .routes(routes!(terminate))
        .routes(routes!(package_change_quote))
        .routes(routes!(change_package))
        .routes(routes!(spending_limit))
        .routes(routes!(listing))
        .routes(routes!(transfer))
}

fn terminated_by(text: &str) -> Result<TerminatedBy, ApiError> {
    match text {
        "subscriber" => Ok(TerminatedBy::Subscriber),
        "operator" => Ok(TerminatedBy::Operator),
        other => Err(ApiError::bad_request(format!(
            "by: {other:?} is neither subscriber nor operator"
        ))),
    }
}

/// What ending the contract today would cost — the fees and the rules that
/// set them, the refund, the return deadline — before anything is changed.
#[utoipa::path(post, path = "/product/{id}/terminationQuote", tag = "operations",
    params(("id" = String, Path, description = "The contract's id")), request_body = TerminationInput,
    responses((status = 200, description = "The quote (nothing is changed)", body = TerminationQuote)))]
async fn termination_quote(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<String>,
    JsonBody(input): JsonBody<TerminationInput>,
) -> Result<Response, ApiError> {
    let row = visible_contract(&state, &principal, &id).await?;
    let input = input?;
    let by = terminated_by(&input.by)?;
    let market = crate::tmf::market(&state, &row.market)?;
    let tz = &market.time_zone;
    let quote = state
        .app
        .quote_termination(&ctx(&principal), row.id, by, &input.reason)
        .await?;
    let view = TerminationQuote {
        outcome: quote.decision.outcome.as_str().to_owned(),
        rules: quote
            .decision
            .rules
            .iter()
            .map(ToString::to_string)
            .collect(),
        reasons: quote.decision.reason_texts(),
        ends_on: day_start(&quote.ends_on.to_string(), tz),
        fees: quote
            .fees
            .iter()
            .map(|fee| QuotedFee {
                kind: fee.kind.to_owned(),
                amount: Money::of(fee.amount.minor(), market),
            })
            .collect(),
        refund: quote.refund.map(|(m, _)| Money::of(m.minor(), market)),
        refund_by: quote
            .refund
            .and_then(|(_, d)| day_start(&d.to_string(), tz)),
        return_by: quote.return_by.and_then(|d| day_start(&d.to_string(), tz)),
        kind: "TerminationQuote".to_owned(),
    };
    Ok(one(StatusCode::OK, &view, None))
}

/// Ends the contract today (agents): its fees go on the final bill.
#[utoipa::path(post, path = "/product/{id}/termination", tag = "operations",
    params(("id" = String, Path, description = "The contract's id")), request_body = TerminationInput,
    responses((status = 200, description = "The contract ended", body = DecisionView)))]
async fn terminate(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<String>,
    JsonBody(input): JsonBody<TerminationInput>,
) -> Result<Response, ApiError> {
    allow(&principal, &[Role::Admin, Role::Agent])?;
    let row = visible_contract(&state, &principal, &id).await?;
    let input = input?;
    let by = terminated_by(&input.by)?;
    let decided = state
        .app
        .terminate(&ctx(&principal), row.id, by, &input.reason)
        .await?;
    respond(StatusCode::OK, &decided.decision, None)
}

/// What moving the contract to another package would decide and cost
/// (TRM-3: a cheaper package during the commitment), before it is made.
#[utoipa::path(post, path = "/product/{id}/packageChangeQuote", tag = "operations",
    params(("id" = String, Path, description = "The contract's id")), request_body = PackageInput,
    responses((status = 200, description = "The quote (nothing is changed)", body = PackageChangeQuote)))]
async fn package_change_quote(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<String>,
    JsonBody(input): JsonBody<PackageInput>,
) -> Result<Response, ApiError> {
    let row = visible_contract(&state, &principal, &id).await?;
    let input = input?;
    let market = crate::tmf::market(&state, &row.market)?;
    let quote = state
        .app
        .quote_package_change(&ctx(&principal), row.id, &input.package)
        .await?;
    let view = PackageChangeQuote {
        outcome: quote.decision.outcome.as_str().to_owned(),
        rules: quote
            .decision
            .rules
            .iter()
            .map(ToString::to_string)
            .collect(),
        reasons: quote.decision.reason_texts(),
        fees: quote
            .downgrade_fee
            .iter()
            .map(|fee| QuotedFee {
                kind: "downgrade".to_owned(),
                amount: Money::of(fee.amount.minor(), market),
            })
            .collect(),
        kind: "PackageChangeQuote".to_owned(),
    };
    Ok(one(StatusCode::OK, &view, None))
}

/// Moves the contract to another package from today (agents).
#[utoipa::path(post, path = "/product/{id}/packageChange", tag = "operations",
    params(("id" = String, Path, description = "The contract's id")), request_body = PackageInput,
    responses((status = 200, description = "The package changed", body = DecisionView)))]
async fn change_package(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<String>,
    JsonBody(input): JsonBody<PackageInput>,
) -> Result<Response, ApiError> {
    allow(&principal, &[Role::Admin, Role::Agent])?;
    let input = input?;
    let row = visible_contract(&state, &principal, &id).await?;
    let decided = state
        .app
        .change_package(&ctx(&principal), row.id, &input.package)
        .await?;
    respond(StatusCode::OK, &decided.decision, None)
}

/// Sets a monthly spending limit (USE-4): agents, or the subscriber for
/// their own contract.
#[utoipa::path(post, path = "/product/{id}/spendingLimit", tag = "operations",
    params(("id" = String, Path, description = "The contract's id")), request_body = SpendingLimitInput,
    responses((status = 201, description = "The limit set", body = DecisionView)))]
async fn spending_limit(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<String>,
    JsonBody(input): JsonBody<SpendingLimitInput>,
) -> Result<Response, ApiError> {
    allow(&principal, &[Role::Admin, Role::Agent, Role::Subscriber])?;
    let input = input?;
    let row = visible_contract(&state, &principal, &id).await?;
    let market = crate::tmf::market(&state, &row.market)?;
    let amount = input.amount.to_money("amount", market)?;
    let decided = state
        .app
        .set_spending_limit(&ctx(&principal), row.id, amount)
        .await?;
    respond(
        StatusCode::CREATED,
        &decided.decision,
        decided.value.map(|id| id.to_string()),
    )
}

/// Asks for an itemised listing of a period (USE-5): agents, or the
/// subscriber for their own contract.
#[utoipa::path(post, path = "/product/{id}/listing", tag = "operations",
    params(("id" = String, Path, description = "The contract's id")), request_body = ListingInput,
    responses((status = 201, description = "The listing requested", body = DecisionView)))]
async fn listing(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<String>,
    JsonBody(input): JsonBody<ListingInput>,
) -> Result<Response, ApiError> {
    allow(&principal, &[Role::Admin, Role::Agent, Role::Subscriber])?;
    let input = input?;
    let row = visible_contract(&state, &principal, &id).await?;
    let decided = state
        .app
        .request_listing(&ctx(&principal), row.id, &input.period)
        .await?;
    respond(
        StatusCode::CREATED,
        &decided.decision,
        decided.value.map(|id| id.to_string()),
    )
}

/// Transfers the contract to another customer (CON-9; agents).
#[utoipa::path(post, path = "/product/{id}/transfer", tag = "operations",
    params(("id" = String, Path, description = "The contract's id")), request_body = TransferInput,
    responses((status = 200, description = "The contract transferred", body = DecisionView)))]
async fn transfer(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<String>,
    JsonBody(input): JsonBody<TransferInput>,
) -> Result<Response, ApiError> {
    allow(&principal, &[Role::Admin, Role::Agent])?;
    let input = input?;
    let row = visible_contract(&state, &principal, &id).await?;
    let assignee = visible_customer(&state, &principal, &input.to_customer).await?;
    let decided = state
        .app
        .transfer(&ctx(&principal), row.id, assignee.id)
        .await?;
    respond(StatusCode::OK, &decided.decision, None)
}
