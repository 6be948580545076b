//! Price changes of a package (CAT-3, CAT-4): announced ahead, with the
//! termination window an unfavourable change opens.

use axum::extract::{Extension, State};
use axum::http::StatusCode;
use axum::response::Response;
use jiff::civil::Date;
use serde::Deserialize;
use tarifa_app::tokens::{Principal, Role};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{DecisionView, respond};
use crate::auth::allow;
use crate::tmf::{JsonBody, Money, ctx};
use crate::{ApiError, AppState};

/// A new monthly fee for a package from a day.
#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PriceChangeInput {
    pub market: String,
    pub package: String,
    pub monthly_fee: Money,
    /// `YYYY-MM-DD`.
    pub effective: String,
    /// Whether the change is unfavourable to subscribers (CAT-4).
    pub unfavourable: bool,
}

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(announce))
}

/// Announces a price change (billing): 201, or 422 when it comes too late
/// or names no package.
#[utoipa::path(post, path = "/priceChange", tag = "operations", request_body = PriceChangeInput,
    responses((status = 201, description = "The change announced", body = DecisionView)))]
async fn announce(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    JsonBody(input): JsonBody<PriceChangeInput>,
) -> Result<Response, ApiError> {
    allow(&principal, &[Role::Admin, Role::Billing])?;
    let input = input?;
    let market = crate::tmf::market(&state, &input.market)?;
    let fee = input.monthly_fee.to_money("monthlyFee", market)?;
    let effective: Date = input
        .effective
        .parse()
        .map_err(|_| ApiError::bad_request("effective: a date YYYY-MM-DD is expected"))?;
    let decided = state
        .app
        .announce_price_change(
            &ctx(&principal),
            &input.market,
            &input.package,
            fee,
            effective,
            input.unfavourable,
        )
        .await?;
    respond(
        StatusCode::CREATED,
        &decided.decision,
        decided.value.map(|id| id.to_string()),
    )
}
