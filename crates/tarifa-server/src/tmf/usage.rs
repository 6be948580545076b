//! TMF635 Usage Management: the rated usage records, and `POST /usage` for a
//! single record (the CSV import stays the bulk path). A record's id is its
//! CDR id, so posting it twice rates it once (USE-1).

use axum::extract::{Extension, Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::{Deserialize, Serialize};
use tarifa_app::tokens::{Principal, Role};
use tarifa_core::usage::{Bucket, UsageRecord};
use tarifa_store::UsageRow;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::product::product_ref;
use super::{
    Base, Characteristic, CustomerFilter, FieldParams, JsonBody, ListParams, USAGE_API, ctx,
    listed, local_time, one, reader, scope, sees,
};
use crate::auth::allow;
use crate::{ApiError, AppState};

/// How a record was rated, and on which contract.
#[derive(Clone, Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RatedProductUsage {
    /// The usage class the record was rated in (e.g. `voice.national`, `voice.emergency`).
    pub usage_rating_tag: String,
    pub product_ref: super::Ref,
}

/// A usage record (TMF635).
#[derive(Clone, Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Usage {
    pub id: String,
    pub href: String,
    pub description: String,
    pub usage_date: Option<String>,
    /// `voice`, `sms` or `data`.
    pub usage_type: String,
    /// `rated`.
    pub status: String,
    /// to, quantity (seconds, messages or bytes), units (what was rated:
    /// started minutes, messages, bytes), roaming, period.
    pub usage_characteristic: Vec<Characteristic>,
    pub rated_product_usage: Vec<RatedProductUsage>,
    #[serde(rename = "@type")]
    pub kind: String,
}

/// One record to rate: `usageType`, `usageDate` (RFC 3339, or local time in
/// the number's market) and the characteristics `recordId`, `number`, `to`,
/// `quantity` and optionally `roaming` (MCC+MNC).
#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UsageCreate {
    pub usage_type: String,
    pub usage_date: String,
    pub usage_characteristic: Vec<Characteristic>,
}

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_usage, create_usage))
        .routes(routes!(get_usage))
}

/// A usage resource's id: `{contract}-{YYYY-MM}-{record id}`. Records are
/// stored by contract and month; the id says where to find one.
fn usage_id(row: &UsageRow) -> String {
    format!("{}-{}-{}", row.contract_id, row.period, row.id)
}

/// The contract, month and record id of a usage resource's id.
fn parse_usage_id(id: &str) -> Option<(i64, &str, &str)> {
    let (contract, rest) = id.split_once('-')?;
    let period = rest.get(..7)?;
    let record = rest.get(7..)?.strip_prefix('-')?;
    let valid_period = period.as_bytes()[4] == b'-'
        && period
            .bytes()
            .enumerate()
            .all(|(i, b)| i == 4 || b.is_ascii_digit());
    (valid_period && !record.is_empty()).then_some((contract.parse().ok()?, period, record))
}

fn represent(
    state: &AppState,
    base: &Base,
    row: &UsageRow,
    market: &str,
) -> Result<Usage, ApiError> {
    let market = super::market(state, market)?;
    let mut characteristic = vec![
        Characteristic::text("to", &row.to_number),
        Characteristic::number("quantity", row.quantity),
        Characteristic::number("units", row.units),
        Characteristic::text("period", &row.period),
    ];
    if let Some(roaming) = &row.roaming {
        characteristic.push(Characteristic::text("roaming", roaming));
    }
    let kind =
        Bucket::parse(&row.bucket).map_or_else(|| row.bucket.clone(), |b| b.kind.to_string());
    let id = usage_id(row);
    characteristic.insert(0, Characteristic::text("recordId", &row.id));
    Ok(Usage {
        href: base.href(USAGE_API, &format!("usage/{id}")),
        id,
        description: format!("{kind} to {}", row.to_number),
        usage_date: local_time(&row.at, &market.time_zone),
        usage_type: kind,
        status: "rated".to_owned(),
        usage_characteristic: characteristic,
        rated_product_usage: vec![RatedProductUsage {
            usage_rating_tag: row.bucket.clone(),
            product_ref: product_ref(base, row.contract_id, ""),
        }],
        kind: "Usage".to_owned(),
    })
}

/// Lists usage records (a subscriber sees only their own contracts').
#[utoipa::path(get, path = "/usage", tag = "TMF635 usage", params(ListParams, CustomerFilter),
    responses((status = 200, description = "A page of usage records", body = [Usage],
        headers(("X-Total-Count" = i64), ("X-Result-Count" = i64)))))]
async fn list_usage(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    base: Base,
    Query(params): Query<ListParams>,
    Query(filter): Query<CustomerFilter>,
) -> Result<Response, ApiError> {
    let mut tx = reader(&state, &principal).await?;
    let page = tx
        .list_usage(scope(&principal, &filter)?, params.page())
        .await?;
    let mut items = Vec::with_capacity(page.rows.len());
    // A page holds many records of few contracts: each contract is read once.
    let mut markets: std::collections::HashMap<i64, String> = std::collections::HashMap::new();
    for row in &page.rows {
        if let std::collections::hash_map::Entry::Vacant(entry) = markets.entry(row.contract_id) {
            let market = tx.contract(row.contract_id).await?.map(|c| c.market);
            entry.insert(market.unwrap_or_default());
        }
        items.push(represent(&state, &base, row, &markets[&row.contract_id])?);
    }
    Ok(listed(&items, page.total, params.fields.as_deref()))
}

async fn usage(
    state: &AppState,
    principal: &Principal,
    base: &Base,
    id: &str,
) -> Result<Usage, ApiError> {
    let mut tx = reader(state, principal).await?;
    let missing = || ApiError::not_found(format!("no usage record {id:?}"));
    let (contract_id, period, record) = parse_usage_id(id).ok_or_else(missing)?;
    let row = tx
        .usage_record(contract_id, period, record)
        .await?
        .ok_or_else(missing)?;
    let contract = tx.contract(row.contract_id).await?.ok_or_else(missing)?;
    if !sees(principal, contract.customer_id) {
        return Err(missing());
    }
    represent(state, base, &row, &contract.market)
}

/// One usage record.
#[utoipa::path(get, path = "/usage/{id}", tag = "TMF635 usage",
    params(("id" = String, Path, description = "The usage's id: `{contract}-{YYYY-MM}-{record id}` (the record id is the CDR's, as `recordId`)"), FieldParams),
    responses((status = 200, description = "The usage record", body = Usage)))]
async fn get_usage(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    base: Base,
    Path(id): Path<String>,
    Query(params): Query<FieldParams>,
) -> Result<Response, ApiError> {
    let usage = usage(&state, &principal, &base, &id).await?;
    Ok(one(StatusCode::OK, &usage, params.fields.as_deref()))
}

fn text(list: &[Characteristic], name: &str) -> Result<Option<String>, ApiError> {
    super::characteristic_text(list, "usageCharacteristic", name)
}

/// Rates one usage record (USE-1…3): 201 with the record; posting an id
/// already rated answers 200 with the record as first rated; a record the
/// rules cannot rate (unknown number, bad quantity) is 422.
#[utoipa::path(post, path = "/usage", tag = "TMF635 usage", request_body = UsageCreate,
    responses((status = 201, description = "The record rated", body = Usage),
        (status = 200, description = "The record was rated before", body = Usage)))]
async fn create_usage(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    base: Base,
    JsonBody(create): JsonBody<UsageCreate>,
) -> Result<Response, ApiError> {
    allow(&principal, &[Role::Admin, Role::Billing])?;
    let create = create?;
    let list = &create.usage_characteristic;
    let required = |name: &str| -> Result<String, ApiError> {
        text(list, name)?
            .ok_or_else(|| ApiError::bad_request(format!("usageCharacteristic {name}: required")))
    };
    let id = required("recordId")?;
    let number = required("number")?;
    let to = required("to")?;
    let quantity = required("quantity")?;
    let roaming = text(list, "roaming")?.unwrap_or_default();
    let mut tx = reader(&state, &principal).await?;
    let market_id = tx.market_of_number(number.trim()).await?.ok_or_else(|| {
        state.metrics.usage(0, 0, 1);
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            format!(
                "usageCharacteristic number: {} is not a subscriber number of this operator",
                tarifa_core::text::clip(&number, tarifa_core::text::ECHO_CHARS)
            ),
        )
    })?;
    drop(tx);
    let market = super::market(&state, &market_id)?;
    // The same fields and the same rules as a line of a usage file: the
    // time local in the market, or with Z or an offset converted to it.
    let fields = [
        id.as_str(),
        number.as_str(),
        create.usage_date.as_str(),
        create.usage_type.as_str(),
        to.as_str(),
        quantity.as_str(),
        roaming.as_str(),
    ];
    let record = UsageRecord::parse(&fields, &market.time_zone).map_err(|e| {
        let e = e.to_string();
        // The CSV's column names, as this resource calls them.
        let e = e
            .strip_prefix("at:")
            .map(|rest| format!("usageDate:{rest}"))
            .or_else(|| {
                e.strip_prefix("kind:")
                    .map(|rest| format!("usageType:{rest}"))
            })
            .unwrap_or_else(|| format!("usageCharacteristic {e}"));
        ApiError::bad_request(e)
    })?;
    let at = record.at;
    let (id, number) = (record.id.clone(), record.number.clone());
    let summary = state
        .app
        .import_records_decided(&ctx(&principal), market, &[(1, record)])
        .await?;
    state
        .metrics
        .usage(summary.imported, summary.duplicates, summary.rejected);
    if let Some(rejected) = summary.rejected_lines.first() {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            format!("the record is not rated: {}", rejected.reason),
        ));
    }
    let row = state
        .app
        .usage_record_of(&ctx(&principal), &number, at, &id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("no usage record {id:?}")))?;
    let usage = represent(&state, &base, &row, &market.id)?;
    if summary.imported == 1 {
        super::events::publish(&state, "usage", "UsageCreateEvent", &usage).await;
        Ok(one(StatusCode::CREATED, &usage, None))
    } else {
        Ok(one(StatusCode::OK, &usage, None))
    }
}
