//! TMF666 Account Management: one billing account per customer, with the
//! balance derived from the ledger (bills less payments) and whether it is
//! paid, due or overdue.

use axum::extract::{Extension, Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Serialize;
use tarifa_app::tokens::Principal;
use tarifa_store::{CustomerRow, Tx};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::customer::{customer_ref, visible_customer};
use super::{
    ACCOUNT_API, Base, FieldParams, ListParams, Money, Ref, TimePeriod, listed, one, owner, reader,
};
use crate::{ApiError, AppState};

/// A balance of the account.
#[derive(Clone, Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AccountBalance {
    /// `totalDue` (open bills less credit; negative is credit).
    #[serde(rename = "type")]
    pub kind: String,
    pub amount: Money,
    pub valid_for: TimePeriod,
}

/// A billing account (TMF666).
#[derive(Clone, Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct BillingAccount {
    pub id: String,
    pub href: String,
    pub name: String,
    /// `active`, or `closed` once the customer's data were erased.
    pub state: String,
    /// `paid`, `due` (open bills not yet past their due date) or `overdue`
    /// (money open past a due date, amounts under a pending complaint aside).
    pub payment_status: String,
    pub account_balance: Vec<AccountBalance>,
    /// The customer who owns the account.
    pub related_party: Vec<Ref>,
    #[serde(rename = "@type")]
    pub kind: String,
}

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_accounts))
        .routes(routes!(get_account))
}

pub fn account_ref(base: &Base, customer_id: i64) -> Ref {
    Ref::to(
        customer_id,
        base.href(ACCOUNT_API, &format!("billingAccount/{customer_id}")),
        "BillingAccount",
    )
}

async fn represent(
    state: &AppState,
    tx: &mut Tx,
    base: &Base,
    row: &CustomerRow,
) -> Result<BillingAccount, ApiError> {
    let market = super::market(state, &row.market)?;
    let today = state.app.today(market);
    let (open, credit) = state.app.open_bills(tx, market, row.id).await?;
    let due: i64 = open.iter().map(|(_, m)| m.minor()).sum::<i64>() - credit.minor();
    let payment_status = if state
        .app
        .overdue_bill(tx, market, row.id, today)
        .await?
        .is_some()
    {
        "overdue"
    } else if open.iter().any(|(_, left)| left.is_positive()) {
        "due"
    } else {
        "paid"
    };
    Ok(BillingAccount {
        id: row.id.to_string(),
        href: base.href(ACCOUNT_API, &format!("billingAccount/{}", row.id)),
        name: format!("Billing account of {}", row.name),
        state: if row.anonymised_on.is_some() {
            "closed"
        } else {
            "active"
        }
        .to_owned(),
        payment_status: payment_status.to_owned(),
        account_balance: vec![AccountBalance {
            kind: "totalDue".to_owned(),
            amount: Money::of(due, market),
            valid_for: TimePeriod::days(Some(&today.to_string()), None, &market.time_zone),
        }],
        related_party: vec![customer_ref(base, row.id, &row.name).as_role("owner")],
        kind: "BillingAccount".to_owned(),
    })
}

/// Lists billing accounts (a subscriber sees only their own).
#[utoipa::path(get, path = "/billingAccount", tag = "TMF666 billing account", params(ListParams),
    responses((status = 200, description = "A page of billing accounts", body = [BillingAccount],
        headers(("X-Total-Count" = i64), ("X-Result-Count" = i64)))))]
async fn list_accounts(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    base: Base,
    Query(params): Query<ListParams>,
) -> Result<Response, ApiError> {
    let mut tx = reader(&state, &principal).await?;
    let page = tx.list_customers(owner(&principal), params.page()).await?;
    let mut items = Vec::with_capacity(page.rows.len());
    for row in &page.rows {
        items.push(represent(&state, &mut tx, &base, row).await?);
    }
    Ok(listed(&items, page.total, params.fields.as_deref()))
}

/// One billing account (its id is the customer's).
#[utoipa::path(get, path = "/billingAccount/{id}", tag = "TMF666 billing account",
    params(("id" = String, Path, description = "The account's id (the customer's)"), FieldParams),
    responses((status = 200, description = "The billing account", body = BillingAccount)))]
async fn get_account(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    base: Base,
    Path(id): Path<String>,
    Query(params): Query<FieldParams>,
) -> Result<Response, ApiError> {
    let row = visible_customer(&state, &principal, &id).await?;
    let mut tx = reader(&state, &principal).await?;
    let account = represent(&state, &mut tx, &base, &row).await?;
    Ok(one(StatusCode::OK, &account, params.fields.as_deref()))
}
