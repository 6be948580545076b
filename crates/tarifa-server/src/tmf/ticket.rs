//! TMF621 Trouble Ticket: complaints about a bill (CMP-1…5) or the quality of
//! service (CMP-6), with the deadline the operator must answer by, the amount
//! still due while it is open, and the way to the regulator.

use axum::extract::{Extension, Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::{Deserialize, Serialize};
use tarifa_app::complaints::{BillRef, NewComplaint};
use tarifa_app::tokens::{Principal, Role};
use tarifa_core::complaint::Verdict;
use tarifa_store::ComplaintRow;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::customer::{customer_ref, visible_customer};
use super::{
    BILL_API, Base, CustomerFilter, FieldParams, JsonBody, ListParams, Money, Ref, TICKET_API, ctx,
    day_end, day_start, listed, numeric_id, one, reader, scope, sees,
};
use crate::auth::allow;
use crate::{ApiError, AppState};

/// Something the ticket is about: the disputed bill.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct RelatedEntity {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub href: Option<String>,
    #[serde(default)]
    pub role: String,
    #[serde(rename = "@referredType", default)]
    pub referred_type: String,
}

/// A remark on the ticket.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Note {
    pub text: String,
}

/// A complaint (TMF621 trouble ticket).
#[derive(Clone, Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TroubleTicket {
    pub id: String,
    pub href: String,
    pub name: String,
    pub description: String,
    /// `bill` or `quality`.
    pub ticket_type: String,
    pub severity: String,
    /// `inProgress` (awaiting the operator's answer), `resolved` (upheld),
    /// `rejected`, `pending` (appealed to the regulator) or `closed`.
    pub status: String,
    /// The complaint's own status: pending, upheld, rejected, appealed, closed.
    pub complaint_status: String,
    pub creation_date: Option<String>,
    /// The operator answers by then (CMP-3).
    pub expected_resolution_date: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resolution_date: Option<String>,
    /// The amount disputed, and what must still be paid by the due date (CMP-1).
    pub disputed_amount: Money,
    pub undisputed_amount: Money,
    /// The subscriber may appeal until then (CMP-4).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub appeal_by: Option<String>,
    /// The regulator answers by then (CMP-4).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub regulator_by: Option<String>,
    pub channel: Ref,
    pub related_entity: Vec<RelatedEntity>,
    pub related_party: Vec<Ref>,
    pub note: Vec<Note>,
    #[serde(rename = "@type")]
    pub kind: String,
}

/// A new complaint: `ticketType` `bill` or `quality`, the customer in
/// `relatedParty`, the bill in `relatedEntity` (else the latest bill), and
/// the amount disputed (else the whole bill).
#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TroubleTicketCreate {
    pub description: String,
    pub severity: String,
    pub ticket_type: String,
    pub related_party: Vec<Ref>,
    #[serde(default)]
    pub related_entity: Vec<RelatedEntity>,
    pub disputed_amount: Option<Money>,
    /// `store`, `phone`, `email`, `letter`, `self_care` …
    pub channel: Option<Ref>,
}

/// A change of state: `resolved` upholds, `rejected` rejects (the operator,
/// CMP-3); `pending` appeals to the regulator (the subscriber, CMP-4).
#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TroubleTicketUpdate {
    pub status: String,
}

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_tickets, create_ticket))
        .routes(routes!(get_ticket, patch_ticket))
}

fn represent(
    state: &AppState,
    base: &Base,
    row: &ComplaintRow,
    customer_name: &str,
) -> Result<TroubleTicket, ApiError> {
    let market = super::market(state, &row.market)?;
    let tz = &market.time_zone;
    let status = match row.status.as_str() {
        "pending" => "inProgress",
        "upheld" => "resolved",
        "rejected" => "rejected",
        "appealed" => "pending",
        _ => "closed",
    };
    let mut notes = Vec::new();
    if row.kind == "bill" {
        notes.push(Note {
            text: format!(
                "CMP-1: {} is disputed; {} is due by the bill's due date",
                tarifa_core::money::Money::from_minor(row.disputed_minor, market.currency),
                tarifa_core::money::Money::from_minor(row.undisputed_minor, market.currency),
            ),
        });
    }
    notes.push(Note {
        text: format!("CMP-3: the operator answers by {}", row.decide_by),
    });
    if let Some(appeal_by) = &row.appeal_by {
        notes.push(Note {
            text: format!("CMP-4: an appeal to the regulator is possible until {appeal_by}"),
        });
    }
    Ok(TroubleTicket {
        id: row.id.to_string(),
        href: base.href(TICKET_API, &format!("troubleTicket/{}", row.id)),
        name: row
            .handle
            .clone()
            .unwrap_or_else(|| format!("complaint {}", row.id)),
        // What the subscriber wrote; complaints filed without words say what
        // they are about.
        description: row.description.clone().unwrap_or_else(|| {
            if row.kind == "bill" {
                "complaint about a bill"
            } else {
                "complaint about the quality of service"
            }
            .to_owned()
        }),
        ticket_type: row.kind.clone(),
        severity: "minor".to_owned(),
        status: status.to_owned(),
        complaint_status: row.status.clone(),
        creation_date: day_start(&row.filed_on, tz),
        expected_resolution_date: day_end(&row.decide_by, tz),
        resolution_date: row.decided_on.as_deref().and_then(|d| day_start(d, tz)),
        disputed_amount: Money::of(row.disputed_minor, market),
        undisputed_amount: Money::of(row.undisputed_minor, market),
        appeal_by: row.appeal_by.as_deref().and_then(|d| day_end(d, tz)),
        regulator_by: row.regulator_by.as_deref().and_then(|d| day_end(d, tz)),
        channel: Ref {
            id: row.channel.clone(),
            name: Some(row.channel.clone()),
            ..Ref::default()
        },
        related_entity: row
            .bill_id
            .map(|bill| RelatedEntity {
                id: bill.to_string(),
                href: Some(base.href(BILL_API, &format!("customerBill/{bill}"))),
                role: "disputedBill".to_owned(),
                referred_type: "CustomerBill".to_owned(),
            })
            .into_iter()
            .collect(),
        related_party: vec![
            customer_ref(base, row.customer_id, customer_name).as_role("complainant"),
        ],
        note: notes,
        kind: "TroubleTicket".to_owned(),
    })
}

/// A complaint as its hub event carries it.
pub(crate) async fn find(
    state: &AppState,
    base: &Base,
    id: &str,
) -> Result<Box<serde_json::value::RawValue>, ApiError> {
    let ticket = ticket(state, &super::system(), base, id).await?;
    Ok(super::event_body(&ticket))
}

async fn ticket(
    state: &AppState,
    principal: &Principal,
    base: &Base,
    id: &str,
) -> Result<TroubleTicket, ApiError> {
    let missing = || ApiError::not_found(format!("no trouble ticket {id:?}"));
    let id = numeric_id(id, "trouble ticket")?;
    let mut tx = reader(state, principal).await?;
    let row = tx
        .complaint(id)
        .await?
        .filter(|row| sees(principal, row.customer_id))
        .ok_or_else(missing)?;
    let name = tx
        .customer(row.customer_id)
        .await?
        .map(|c| c.name)
        .unwrap_or_default();
    represent(state, base, &row, &name)
}

/// Lists complaints (a subscriber sees only their own).
#[utoipa::path(get, path = "/troubleTicket", tag = "TMF621 trouble ticket", params(ListParams, CustomerFilter),
    responses((status = 200, description = "A page of complaints", body = [TroubleTicket],
        headers(("X-Total-Count" = i64), ("X-Result-Count" = i64)))))]
async fn list_tickets(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    base: Base,
    Query(params): Query<ListParams>,
    Query(filter): Query<CustomerFilter>,
) -> Result<Response, ApiError> {
    let mut tx = reader(&state, &principal).await?;
    let page = tx
        .list_complaints(scope(&principal, &filter)?, params.page())
        .await?;
    let mut items = Vec::with_capacity(page.rows.len());
    for row in &page.rows {
        let name = tx
            .customer(row.customer_id)
            .await?
            .map(|c| c.name)
            .unwrap_or_default();
        items.push(represent(&state, &base, row, &name)?);
    }
    Ok(listed(&items, page.total, params.fields.as_deref()))
}

/// One complaint.
#[utoipa::path(get, path = "/troubleTicket/{id}", tag = "TMF621 trouble ticket",
    params(("id" = String, Path, description = "The complaint's id"), FieldParams),
    responses((status = 200, description = "The complaint", body = TroubleTicket)))]
async fn get_ticket(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    base: Base,
    Path(id): Path<String>,
    Query(params): Query<FieldParams>,
) -> Result<Response, ApiError> {
    let ticket = ticket(&state, &principal, &base, &id).await?;
    Ok(one(StatusCode::OK, &ticket, params.fields.as_deref()))
}

/// Files a complaint (CMP-1…3, CMP-6): an agent for any customer, a
/// subscriber for themselves. 201, or 422 with the rules that refuse it.
#[utoipa::path(post, path = "/troubleTicket", tag = "TMF621 trouble ticket", request_body = TroubleTicketCreate,
    responses((status = 201, description = "The complaint filed", body = TroubleTicket)))]
async fn create_ticket(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    base: Base,
    JsonBody(create): JsonBody<TroubleTicketCreate>,
) -> Result<Response, ApiError> {
    allow(&principal, &[Role::Admin, Role::Agent, Role::Subscriber])?;
    let create = create?;
    let party = create
        .related_party
        .first()
        .ok_or_else(|| ApiError::bad_request("relatedParty: the customer is required"))?;
    let customer = visible_customer(&state, &principal, &party.id).await?;
    let market = super::market(&state, &customer.market)?;
    let bill = match create.ticket_type.as_str() {
        "bill" | "billComplaint" => Some(match create.related_entity.first() {
            None => BillRef::Last,
            Some(entity) => {
                let missing = || {
                    ApiError::bad_request(format!(
                        "relatedEntity: no bill {:?} of this customer",
                        entity.id
                    ))
                };
                let id = entity.id.parse::<i64>().map_err(|_| missing())?;
                let mut tx = reader(&state, &principal).await?;
                let bill = tx
                    .bill(id)
                    .await?
                    .filter(|b| b.customer_id == customer.id)
                    .ok_or_else(missing)?;
                BillRef::Number(bill.number)
            }
        }),
        "quality" | "qualityComplaint" => None,
        other => {
            return Err(ApiError::bad_request(format!(
                "ticketType: {other:?} is neither bill nor quality"
            )));
        }
    };
    let disputed = create
        .disputed_amount
        .as_ref()
        .map(|m| m.to_money("disputedAmount", market))
        .transpose()?;
    let channel = create
        .channel
        .as_ref()
        .map_or("self_care", |c| c.name.as_deref().unwrap_or(&c.id))
        .to_owned();
    let decided = state
        .app
        .file_complaint(
            &ctx(&principal),
            customer.id,
            NewComplaint {
                handle: None,
                bill,
                disputed,
                channel: &channel,
                description: Some(&create.description),
            },
        )
        .await?;
    let Some(id) = decided.value else {
        return Err(ApiError::refused(&decided.decision));
    };
    let ticket = ticket(&state, &principal, &base, &id.to_string()).await?;
    Ok(one(StatusCode::CREATED, &ticket, None))
}

/// Decides (agent: `resolved` upholds, `rejected` rejects — CMP-3) or
/// appeals (subscriber or agent: `pending` — CMP-4) a complaint.
#[utoipa::path(patch, path = "/troubleTicket/{id}", tag = "TMF621 trouble ticket",
    params(("id" = String, Path, description = "The complaint's id")),
    request_body(content = TroubleTicketUpdate, content_type = "application/merge-patch+json"),
    responses((status = 200, description = "The complaint as changed", body = TroubleTicket)))]
async fn patch_ticket(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    base: Base,
    Path(id): Path<String>,
    JsonBody(update): JsonBody<TroubleTicketUpdate>,
) -> Result<Response, ApiError> {
    allow(&principal, &[Role::Admin, Role::Agent, Role::Subscriber])?;
    let update = update?;
    ticket(&state, &principal, &base, &id).await?;
    let complaint_id = numeric_id(&id, "trouble ticket")?;
    let ctx = ctx(&principal);
    let decided = match update.status.as_str() {
        "resolved" | "rejected" => {
            allow(&principal, &[Role::Admin, Role::Agent])?;
            let verdict = if update.status == "resolved" {
                Verdict::Upheld
            } else {
                Verdict::Rejected
            };
            state
                .app
                .decide_complaint(&ctx, complaint_id, verdict)
                .await?
        }
        "pending" => state.app.appeal_complaint(&ctx, complaint_id).await?,
        other => {
            return Err(ApiError::bad_request(format!(
                "status: {other:?} cannot be set (resolved, rejected, pending)"
            )));
        }
    };
    if !decided.decision.is_approved() {
        return Err(ApiError::refused(&decided.decision));
    }
    let ticket = ticket(&state, &principal, &base, &id).await?;
    Ok(one(StatusCode::OK, &ticket, None))
}
