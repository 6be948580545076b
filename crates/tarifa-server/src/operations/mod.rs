//! The operations TM Forum does not cover, under `/api/v1/` in the same
//! style (TMF `Error` bodies, absolute hrefs, `Money`): unlock requests and
//! code entry, quotes before a termination or a package change and the
//! changes themselves, price changes, spending limits and listings, transfer
//! of ownership, credit notes, and the scenario runner.

mod contract;
mod credit_note;
mod pricing;
mod simulate;
mod unlock;

use serde::Serialize;
use tarifa_app::tokens::Principal;
use tarifa_core::rule::Decision;
use tarifa_store::ContractRow;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;

use crate::tmf::{numeric_id, reader, sees};
use crate::{ApiError, AppState};

pub const OPERATIONS_API: &str = "/api/v1";

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().nest(
        OPERATIONS_API,
        unlock::routes()
            .merge(contract::routes())
            .merge(pricing::routes())
            .merge(credit_note::routes())
            .merge(simulate::routes()),
    )
}

/// A decision as the operations answer it: the outcome, the rules and the
/// reasons; `id` names what an approved command created.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct DecisionView {
    /// `approved` (a refusal is a 422 `Error` with the same reasons and rules).
    pub outcome: String,
    pub rules: Vec<String>,
    pub reasons: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(rename = "@type")]
    pub kind: String,
}

impl DecisionView {
    pub fn of(decision: &Decision, id: Option<String>) -> Self {
        Self {
            outcome: decision.outcome.as_str().to_owned(),
            rules: decision.rules.iter().map(ToString::to_string).collect(),
            reasons: decision.reason_texts(),
            id,
            kind: "Decision".to_owned(),
        }
    }
}

/// The view of an approved decision, or the 422 of a refused one.
fn approved(decision: &Decision, id: Option<String>) -> Result<DecisionView, ApiError> {
    if decision.is_approved() {
        Ok(DecisionView::of(decision, id))
    } else {
        Err(ApiError::refused(decision))
    }
}

/// The answer to a command: its decision with `status` when approved, the
/// 422 `Error` when refused.
pub fn respond(
    status: axum::http::StatusCode,
    decision: &Decision,
    id: Option<String>,
) -> Result<axum::response::Response, ApiError> {
    Ok(crate::tmf::one(status, &approved(decision, id)?, None))
}

/// A contract the caller may see (a subscriber: only their own).
pub async fn visible_contract(
    state: &AppState,
    principal: &Principal,
    id: &str,
) -> Result<ContractRow, ApiError> {
    let id = numeric_id(id, "product")?;
    let mut tx = reader(state, principal).await?;
    tx.contract(id)
        .await?
        .filter(|row| sees(principal, row.customer_id))
        .ok_or_else(|| ApiError::not_found(format!("no product {id}")))
}
