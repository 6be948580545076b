//! TMF678 Customer Bill Management: the issued bills (BIL-1…7) with what is
//! still open on each, and their lines as applied customer billing rates.

use axum::extract::{Extension, Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Serialize;
use tarifa_app::tokens::Principal;
use tarifa_store::{BillLineRow, BillRow, Tx};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::account::account_ref;
use super::customer::customer_ref;
use super::product::product_ref;
use super::{
    BILL_API, Base, Characteristic, CustomerFilter, FieldParams, ListParams, Money, Ref,
    TimePeriod, day_start, listed, one, reader, scope, sees,
};
use crate::{ApiError, AppState};
use tarifa_render::Format;

/// VAT at one rate.
#[derive(Clone, Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TaxItem {
    /// `standard`, or the class taxed apart (HU: `internet_access`).
    pub tax_category: String,
    /// Percent.
    pub tax_rate: f64,
    pub tax_amount: Money,
}

/// A bill's document (TMF678 `billDocument`, an attachment by reference).
#[derive(Clone, Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct BillDocument {
    /// `{bill id}-pdf` or `{bill id}-html`.
    pub id: String,
    pub name: String,
    pub attachment_type: String,
    pub mime_type: String,
    /// Where to fetch it (add `&lang=sr|hu|me|en` for another language).
    pub url: String,
    #[serde(rename = "@type")]
    pub kind: String,
}

/// A bill (TMF678).
#[derive(Clone, Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CustomerBill {
    pub id: String,
    pub href: String,
    pub bill_no: String,
    pub bill_date: Option<String>,
    pub payment_due_date: Option<String>,
    /// `normal` for the monthly bill (BIL-1), `final` for a separate bill (TRM-3).
    pub category: String,
    /// `onCycle` or `offCycle`.
    pub run_type: String,
    pub billing_period: TimePeriod,
    /// The period's amount, VAT included.
    pub tax_included_amount: Money,
    pub tax_excluded_amount: Money,
    pub tax_item: Vec<TaxItem>,
    /// The period's amount plus the previous balance (unpaid, or less credit).
    pub amount_due: Money,
    /// What is still open on this bill after the payments so far.
    pub remaining_amount: Money,
    /// `sent`, `partiallyPaid` or `settled`.
    pub state: String,
    pub billing_account: Ref,
    pub related_party: Vec<Ref>,
    /// The bill as PDF and as HTML, in the customer's language.
    pub bill_document: Vec<BillDocument>,
    #[serde(rename = "@type")]
    pub kind: String,
}

/// A line of a bill (TMF678 applied customer billing rate).
#[derive(Clone, Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AppliedCustomerBillingRate {
    /// `{bill id}-{line position}`.
    pub id: String,
    pub href: String,
    pub name: String,
    pub description: String,
    pub date: Option<String>,
    /// The line's kind (subscription, usage, discount, one_time, instalment, …).
    #[serde(rename = "type")]
    pub line_type: String,
    pub is_billed: bool,
    pub bill: Ref,
    pub billing_account: Ref,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub product: Option<Ref>,
    pub tax_included_amount: Money,
    /// The rule the line applies and its CAT-5 category, when it has them.
    pub characteristic: Vec<Characteristic>,
    #[serde(rename = "@type")]
    pub kind: String,
}

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_bills))
        .routes(routes!(get_bill))
        .routes(routes!(get_bill_document))
        .routes(routes!(list_rates))
        .routes(routes!(get_rate))
}

fn bill_ref(base: &Base, bill: &BillRow) -> Ref {
    Ref::to(
        bill.id,
        base.href(BILL_API, &format!("customerBill/{}", bill.id)),
        "CustomerBill",
    )
    .named(bill.number.clone())
}

/// What is open on each of a customer's bills (bill number, open amount).
type OpenBills = Vec<(String, tarifa_core::money::Money)>;

/// What is open on each bill of the bill's customer.
async fn open_bills(state: &AppState, tx: &mut Tx, bill: &BillRow) -> Result<OpenBills, ApiError> {
    let market = super::market(state, &bill.market)?;
    Ok(state.app.open_bills(tx, market, bill.customer_id).await?.0)
}

fn represent(
    state: &AppState,
    base: &Base,
    bill: &BillRow,
    open: &OpenBills,
) -> Result<CustomerBill, ApiError> {
    let market = super::market(state, &bill.market)?;
    let tz = &market.time_zone;
    let remaining = open
        .iter()
        .find(|(number, _)| number == &bill.number)
        .map_or(0, |(_, m)| m.minor());
    let detail: serde_json::Value = serde_json::from_str(&bill.detail).unwrap_or_default();
    let tax_item = detail["vat"]
        .as_array()
        .map(|shares| {
            shares
                .iter()
                .map(|share| TaxItem {
                    tax_category: share["class"].as_str().unwrap_or("standard").to_owned(),
                    tax_rate: share["rate"]
                        .as_str()
                        .and_then(|r| r.parse().ok())
                        .unwrap_or_default(),
                    tax_amount: Money {
                        unit: market.currency.code().to_owned(),
                        value: share["vat"]
                            .as_str()
                            .and_then(|v| v.parse().ok())
                            .unwrap_or_default(),
                    },
                })
                .collect()
        })
        .unwrap_or_default();
    let owner_name = detail["owner"]["name"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let state_name = if remaining <= 0 {
        "settled"
    } else if remaining < bill.total_due_minor {
        "partiallyPaid"
    } else {
        "sent"
    };
    Ok(CustomerBill {
        id: bill.id.to_string(),
        href: base.href(BILL_API, &format!("customerBill/{}", bill.id)),
        bill_no: bill.number.clone(),
        bill_date: day_start(&bill.issued_on, tz),
        payment_due_date: day_start(&bill.due_on, tz),
        category: match bill.kind.as_str() {
            "separate" => "final",
            tarifa_app::corrections::CREDIT_NOTE => "creditNote",
            _ => "normal",
        }
        .to_owned(),
        run_type: if bill.kind == "monthly" {
            "onCycle"
        } else {
            "offCycle"
        }
        .to_owned(),
        billing_period: TimePeriod::days(Some(&bill.period_from), Some(&bill.period_to), tz),
        tax_included_amount: Money::of(bill.total_minor, market),
        tax_excluded_amount: Money::of(bill.total_minor - bill.vat_minor, market),
        tax_item,
        amount_due: Money::of(bill.total_due_minor, market),
        remaining_amount: Money::of(remaining.max(0), market),
        state: state_name.to_owned(),
        billing_account: account_ref(base, bill.customer_id),
        related_party: vec![customer_ref(base, bill.customer_id, &owner_name).as_role("customer")],
        bill_document: [Format::Pdf, Format::Html]
            .into_iter()
            .map(|format| BillDocument {
                id: format!("{}-{}", bill.id, format.extension()),
                name: format!("{}.{}", bill.number, format.extension()),
                attachment_type: "bill".to_owned(),
                mime_type: format
                    .media_type()
                    .split(';')
                    .next()
                    .unwrap_or_default()
                    .to_owned(),
                url: base.href(
                    BILL_API,
                    &format!(
                        "customerBill/{}/document?format={}",
                        bill.id,
                        format.extension()
                    ),
                ),
                kind: "Attachment".to_owned(),
            })
            .collect(),
        kind: "CustomerBill".to_owned(),
    })
}

fn represent_line(
    state: &AppState,
    base: &Base,
    bill: &BillRow,
    line: &BillLineRow,
) -> Result<AppliedCustomerBillingRate, ApiError> {
    let market = super::market(state, &bill.market)?;
    let id = format!("{}-{}", line.bill_id, line.position);
    let mut characteristic = Vec::new();
    if let Some(rule) = &line.rule {
        characteristic.push(Characteristic::text("rule", rule));
    }
    if let Some(category) = &line.category {
        characteristic.push(Characteristic::text("category", category));
    }
    Ok(AppliedCustomerBillingRate {
        href: base.href(BILL_API, &format!("appliedCustomerBillingRate/{id}")),
        id,
        name: line.kind.clone(),
        description: line.description.clone(),
        date: day_start(&bill.issued_on, &market.time_zone),
        line_type: line.kind.clone(),
        is_billed: true,
        bill: bill_ref(base, bill),
        billing_account: account_ref(base, bill.customer_id),
        product: line.contract_id.map(|c| product_ref(base, c, "")),
        tax_included_amount: Money::of(line.amount_minor, market),
        characteristic,
        kind: "AppliedCustomerBillingRate".to_owned(),
    })
}

/// A bill as its hub event carries it.
pub(crate) async fn find(
    state: &AppState,
    base: &Base,
    id: &str,
) -> Result<Box<serde_json::value::RawValue>, ApiError> {
    let (bill, open) = bill_with_open(state, &super::system(), id).await?;
    let bill = represent(state, base, &bill, &open)?;
    Ok(super::event_body(&bill))
}

/// Lists bills, newest last (a subscriber sees only their own).
#[utoipa::path(get, path = "/customerBill", tag = "TMF678 customer bill", params(ListParams, CustomerFilter),
    responses((status = 200, description = "A page of bills", body = [CustomerBill],
        headers(("X-Total-Count" = i64), ("X-Result-Count" = i64)))))]
async fn list_bills(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    base: Base,
    Query(params): Query<ListParams>,
    Query(filter): Query<CustomerFilter>,
) -> Result<Response, ApiError> {
    let mut tx = reader(&state, &principal).await?;
    let page = tx
        .list_bills(scope(&principal, &filter)?, params.page())
        .await?;
    let mut items = Vec::with_capacity(page.rows.len());
    // A customer's open amounts are derived once per page, not once per bill.
    let mut open: std::collections::HashMap<i64, OpenBills> = std::collections::HashMap::new();
    for row in &page.rows {
        if let std::collections::hash_map::Entry::Vacant(entry) = open.entry(row.customer_id) {
            entry.insert(open_bills(&state, &mut tx, row).await?);
        }
        items.push(represent(&state, &base, row, &open[&row.customer_id])?);
    }
    Ok(listed(&items, page.total, params.fields.as_deref()))
}

async fn visible_bill(tx: &mut Tx, principal: &Principal, id: &str) -> Result<BillRow, ApiError> {
    let missing = || ApiError::not_found(format!("no bill {id:?}"));
    let id = id.parse::<i64>().map_err(|_| missing())?;
    tx.bill(id)
        .await?
        .filter(|bill| sees(principal, bill.customer_id))
        .ok_or_else(missing)
}

/// A bill the caller may see, with what is open on each bill of its
/// customer (the API's point read: `App::read_bill`).
async fn bill_with_open(
    state: &AppState,
    principal: &Principal,
    id: &str,
) -> Result<(BillRow, OpenBills), ApiError> {
    let missing = || ApiError::not_found(format!("no bill {id:?}"));
    let bill_id = id.parse::<i64>().map_err(|_| missing())?;
    state
        .app
        .read_bill(&super::ctx(principal), bill_id, |customer| {
            sees(principal, customer)
        })
        .await?
        .ok_or_else(missing)
}

/// One bill.
#[utoipa::path(get, path = "/customerBill/{id}", tag = "TMF678 customer bill",
    params(("id" = String, Path, description = "The bill's id"), FieldParams),
    responses((status = 200, description = "The bill", body = CustomerBill)))]
async fn get_bill(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    base: Base,
    Path(id): Path<String>,
    Query(params): Query<FieldParams>,
) -> Result<Response, ApiError> {
    let (bill, open) = bill_with_open(&state, &principal, &id).await?;
    let bill = represent(&state, &base, &bill, &open)?;
    Ok(one(StatusCode::OK, &bill, params.fields.as_deref()))
}

/// Which document of a bill, in which language.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DocumentParams {
    /// `pdf` (the default) or `html`.
    pub format: Option<String>,
    /// `sr`, `hu`, `me` or `en`; the customer's language when left out.
    pub lang: Option<String>,
}

/// A bill as a document: the front and back of BIL-2 and BIL-3 with their
/// legend, VAT per rate and the market's payment slip and QR code.
#[utoipa::path(get, path = "/customerBill/{id}/document", tag = "TMF678 customer bill",
    params(("id" = String, Path, description = "The bill's id"), DocumentParams),
    responses(
        (status = 200, description = "The bill as PDF or HTML", content(
            (Vec<u8> = "application/pdf"), (String = "text/html")))))]
async fn get_bill_document(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<String>,
    Query(params): Query<DocumentParams>,
) -> Result<Response, ApiError> {
    let format = match params.format.as_deref() {
        None => Format::Pdf,
        Some(text) => Format::parse(text)
            .ok_or_else(|| ApiError::bad_request(format!("format {text:?}: pdf or html")))?,
    };
    let lang = params
        .lang
        .as_deref()
        .map(|tag| {
            tarifa_texts::Lang::known(tag)
                .ok_or_else(|| ApiError::bad_request(format!("lang {tag:?}: sr, hu, me or en")))
        })
        .transpose()?;
    let number = {
        let mut tx = reader(&state, &principal).await?;
        visible_bill(&mut tx, &principal, &id).await?.number
    };
    let ctx = super::ctx(&principal);
    let view = state.app.bill_view(&ctx, &number, lang, None).await?;
    // Typesetting is CPU work: off the request threads.
    let bytes = tokio::task::spawn_blocking(move || tarifa_render::render(&view, format))
        .await
        .map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?
        .map_err(tarifa_app::AppError::from)?;
    let disposition = format!(
        "{}; filename=\"{number}.{}\"",
        if format == Format::Pdf {
            "attachment"
        } else {
            "inline"
        },
        format.extension()
    );
    Response::builder()
        .status(StatusCode::OK)
        .header(axum::http::header::CONTENT_TYPE, format.media_type())
        .header(axum::http::header::CONTENT_DISPOSITION, disposition)
        .body(axum::body::Body::from(bytes))
        .map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))
}

/// Lists bill lines (a subscriber sees only their own bills').
#[utoipa::path(get, path = "/appliedCustomerBillingRate", tag = "TMF678 customer bill", params(ListParams, CustomerFilter),
    responses((status = 200, description = "A page of bill lines", body = [AppliedCustomerBillingRate],
        headers(("X-Total-Count" = i64), ("X-Result-Count" = i64)))))]
async fn list_rates(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    base: Base,
    Query(params): Query<ListParams>,
    Query(filter): Query<CustomerFilter>,
) -> Result<Response, ApiError> {
    let mut tx = reader(&state, &principal).await?;
    let page = tx
        .list_bill_lines(scope(&principal, &filter)?, params.page())
        .await?;
    let mut items = Vec::with_capacity(page.rows.len());
    let mut bill: Option<BillRow> = None;
    for line in &page.rows {
        if bill.as_ref().is_none_or(|b| b.id != line.bill_id) {
            bill = tx.bill(line.bill_id).await?;
        }
        if let Some(bill) = &bill {
            items.push(represent_line(&state, &base, bill, line)?);
        }
    }
    Ok(listed(&items, page.total, params.fields.as_deref()))
}

/// One bill line.
#[utoipa::path(get, path = "/appliedCustomerBillingRate/{id}", tag = "TMF678 customer bill",
    params(("id" = String, Path, description = "`{bill id}-{line position}`"), FieldParams),
    responses((status = 200, description = "The bill line", body = AppliedCustomerBillingRate)))]
async fn get_rate(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    base: Base,
    Path(id): Path<String>,
    Query(params): Query<FieldParams>,
) -> Result<Response, ApiError> {
    let missing = || ApiError::not_found(format!("no applied customer billing rate {id:?}"));
    let (bill_id, position) = id.split_once('-').ok_or_else(missing)?;
    let position: i64 = position.parse().map_err(|_| missing())?;
    let mut tx = reader(&state, &principal).await?;
    let bill = visible_bill(&mut tx, &principal, bill_id)
        .await
        .map_err(|_| missing())?;
    let line = tx
        .bill_lines(bill.id)
        .await?
        .into_iter()
        .find(|l| l.position == position)
        .ok_or_else(missing)?;
    let rate = represent_line(&state, &base, &bill, &line)?;
    Ok(one(StatusCode::OK, &rate, params.fields.as_deref()))
}
