//! TMF event hubs: integrators register a callback on an API's `/hub`
//! (`POST`, optionally filtered with `query=eventType=…`) and remove it with
//! `DELETE /hub/{id}`.
//!
//! Events come from the audit trail, which every change writes in its own
//! transaction — whether an API call, an agent's command or the scheduler
//! made it — so no committed change goes untold. The dispatcher turns new
//! audit events into hub events for the listeners that want them (moving its
//! cursor in the same transaction), and the delivery posts each to its
//! callback, with retries and a growing pause between them, until delivered
//! or given up. Usage records, which are not audited one by one, are queued
//! as they are posted.

use std::time::Duration;

use axum::extract::{Extension, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use tarifa_app::App;
use tarifa_app::tokens::{Principal, Role};
use tarifa_store::{AuditRow, HubEventRow, HubSubscriptionRow};
use tokio::sync::watch;
use utoipa::ToSchema;

use super::{
    BILL_API, Base, CUSTOMER_API, INVENTORY_API, JsonBody, PAYMENT_API, TICKET_API, USAGE_API, ctx,
    numeric_id, one, reader,
};
use crate::auth::allow;
use crate::{ApiError, AppState};

/// Attempts before an event is given up.
const MAX_ATTEMPTS: i64 = 8;
/// How long a callback may take to answer.
const CALLBACK_TIMEOUT: Duration = Duration::from_secs(5);

/// A listener to register.
#[derive(Clone, Debug, Deserialize, ToSchema)]
pub struct EventSubscriptionInput {
    /// Where events are posted (http or https).
    pub callback: String,
    /// A filter, e.g. `eventType=CustomerCreateEvent` (several separated by commas).
    pub query: Option<String>,
}

/// A registered listener.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct EventSubscription {
    pub id: String,
    pub callback: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub query: Option<String>,
    /// The key every event to this listener is signed with (HMAC-SHA256,
    /// header `X-Tarifa-Signature`): in the answer to the registration only,
    /// never again.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
}

/// The header carrying an event's signature: `t=<unix seconds>,v1=<hex>`,
/// where the hex is HMAC-SHA256 under the listener's secret of the seconds,
/// a dot, and the body as sent.
pub const SIGNATURE_HEADER: &str = "x-tarifa-signature";

/// The signature header's value for a body sent at `seconds`.
pub fn signature(secret: &str, seconds: i64, body: &str) -> String {
    let signed = format!("{seconds}.{body}");
    format!(
        "t={seconds},v1={}",
        tarifa_app::tokens::hmac_hex(secret.as_bytes(), signed.as_bytes())
    )
}

/// Now, in the one fixed UTC form the store compares as text.
fn instant(at: Timestamp) -> String {
    at.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

fn represent(row: &HubSubscriptionRow) -> EventSubscription {
    EventSubscription {
        id: row.id.to_string(),
        callback: row.callback.clone(),
        query: row.query.clone(),
        secret: None,
    }
}

/// Whether a listener's query lets an event type through.
fn wants(listener: &HubSubscriptionRow, event_type: &str) -> bool {
    wanted_types(listener.query.as_deref())
        .is_none_or(|types| types.iter().any(|t| t == event_type))
}

/// The event types a listener's query lets through (`None`: all).
fn wanted_types(query: Option<&str>) -> Option<Vec<String>> {
    let query = query?;
    let value = query
        .split('&')
        .find_map(|pair| pair.trim().strip_prefix("eventType"))?
        .trim_start()
        .strip_prefix('=')?;
    Some(value.split(',').map(|t| t.trim().to_owned()).collect())
}

async fn register(
    state: &AppState,
    principal: &Principal,
    api: &str,
    input: Result<EventSubscriptionInput, ApiError>,
) -> Result<Response, ApiError> {
    allow(principal, &[Role::Admin, Role::Billing, Role::Agent])?;
    let input = input?;
    if input.callback.len() > 2048 {
        return Err(ApiError::bad_request("callback: longer than 2048 bytes"));
    }
    if let Some(query) = &input.query {
        tarifa_core::text::check(query, tarifa_core::text::LINE)
            .map_err(|e| ApiError::bad_request(format!("query: {e}")))?;
    }
    state
        .callbacks
        .check(&input.callback)
        .await
        .map_err(|e| ApiError::bad_request(format!("callback: {e}")))?;
    let secret = tarifa_app::tokens::random_hex(32)
        .map(|hex| format!("whsec_{hex}"))
        .ok_or_else(|| ApiError::unavailable("no randomness for the listener's secret"))?;
    let mut tx = state.app.begin(&ctx(principal)).await?;
    let row = HubSubscriptionRow {
        id: 0,
        api: api.to_owned(),
        callback: input.callback,
        query: input.query.filter(|q| !q.trim().is_empty()),
        created_at: instant(state.app.clock().now()),
        deleted_at: None,
        from_audit_id: 0,
        owner_token_id: Some(principal.token_id),
        secret: Some(secret.clone()),
    };
    let id = tx.insert_subscription(&row).await?;
    tx.commit().await?;
    let mut shown = represent(&HubSubscriptionRow { id, ..row });
    shown.secret = Some(secret);
    Ok(one(StatusCode::CREATED, &shown, None))
}

async fn unregister(
    state: &AppState,
    principal: &Principal,
    api: &str,
    id: &str,
) -> Result<Response, ApiError> {
    allow(principal, &[Role::Admin, Role::Billing, Role::Agent])?;
    let id = numeric_id(id, "listener")?;
    let mut tx = state.app.begin(&ctx(principal)).await?;
    let listener = tx
        .subscription(api, id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("no listener {id}")))?;
    if principal.role != Role::Admin && listener.owner_token_id != Some(principal.token_id) {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "only the token that registered a listener, or an admin, removes it",
        ));
    }
    tx.delete_subscription(id, &instant(state.app.clock().now()))
        .await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn show(
    state: &AppState,
    principal: &Principal,
    api: &str,
    id: &str,
) -> Result<Response, ApiError> {
    allow(principal, &[Role::Admin, Role::Billing, Role::Agent])?;
    let id = numeric_id(id, "listener")?;
    let mut tx = reader(state, principal).await?;
    let row = tx
        .subscription(api, id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("no listener {id}")))?;
    Ok(one(StatusCode::OK, &represent(&row), None))
}

/// The hub of one API: `POST /hub`, `GET` and `DELETE /hub/{id}`.
macro_rules! hub {
    ($module:ident, $api:expr, $tag:literal) => {
        pub mod $module {
            use super::*;
            use utoipa_axum::router::OpenApiRouter;
            use utoipa_axum::routes;

            /// Registers a listener for this API's events.
            #[utoipa::path(post, path = "/hub", tag = $tag,
                operation_id = concat!(stringify!($module), "_register"),
                request_body = EventSubscriptionInput,
                responses((status = 201, description = "The listener registered", body = EventSubscription)))]
            async fn register(
                State(state): State<AppState>,
                Extension(principal): Extension<Principal>,
                JsonBody(input): JsonBody<EventSubscriptionInput>,
            ) -> Result<Response, ApiError> {
                super::register(&state, &principal, $api, input).await
            }

            /// A registered listener.
            #[utoipa::path(get, path = "/hub/{id}", tag = $tag,
                operation_id = concat!(stringify!($module), "_show"),
                params(("id" = String, Path, description = "The listener's id")),
                responses((status = 200, description = "The listener", body = EventSubscription)))]
            async fn show(
                State(state): State<AppState>,
                Extension(principal): Extension<Principal>,
                Path(id): Path<String>,
            ) -> Result<Response, ApiError> {
                super::show(&state, &principal, $api, &id).await
            }

            /// Removes a listener; events not yet delivered to it are dropped.
            #[utoipa::path(delete, path = "/hub/{id}", tag = $tag,
                operation_id = concat!(stringify!($module), "_unregister"),
                params(("id" = String, Path, description = "The listener's id")),
                responses((status = 204, description = "The listener removed")))]
            async fn unregister(
                State(state): State<AppState>,
                Extension(principal): Extension<Principal>,
                Path(id): Path<String>,
            ) -> Result<Response, ApiError> {
                super::unregister(&state, &principal, $api, &id).await
            }

            pub fn routes() -> OpenApiRouter<AppState> {
                OpenApiRouter::new()
                    .routes(routes!(register))
                    .routes(routes!(show, unregister))
            }
        }
    };
}

hub!(customer_hub, CUSTOMER_API, "TMF629 customer");
hub!(product_hub, INVENTORY_API, "TMF637 product inventory");
hub!(usage_hub, USAGE_API, "TMF635 usage");
hub!(payment_hub, PAYMENT_API, "TMF676 payment");
hub!(ticket_hub, TICKET_API, "TMF621 trouble ticket");
hub!(bill_hub, BILL_API, "TMF678 customer bill");

/// The API whose hub hears about a resource.
fn api_of(resource: &str) -> Option<&'static str> {
    Some(match resource {
        "customer" => CUSTOMER_API,
        "product" => INVENTORY_API,
        "usage" => USAGE_API,
        "payment" => PAYMENT_API,
        "troubleTicket" => TICKET_API,
        "customerBill" => BILL_API,
        _ => return None,
    })
}

/// Queues an event about a usage record for every listener that wants it
/// (usage is not audited record by record). The record is committed
/// already; a failure here is logged.
pub async fn publish<T: Serialize>(state: &AppState, resource: &str, event_type: &str, body: &T) {
    if let Err(error) = queue(state, resource, event_type, body).await {
        tracing::error!(%error, event_type, "an event could not be queued");
    }
}

async fn queue<T: Serialize>(
    state: &AppState,
    resource: &str,
    event_type: &str,
    body: &T,
) -> Result<(), ApiError> {
    let Some(api) = api_of(resource) else {
        return Ok(());
    };
    let mut tx = state.app.begin(&tarifa_app::Ctx::new("hub")).await?;
    let listeners = tx.subscriptions(api).await?;
    if listeners.is_empty() {
        return Ok(());
    }
    let now = state.app.clock().now();
    let body = super::event_body(body);
    let mut queued = 0;
    for listener in listeners.iter().filter(|l| wants(l, event_type)) {
        let event_id = format!("usage-{}-{}", now.as_millisecond(), listener.id);
        tx.insert_hub_event(&event_row(
            listener.id,
            resource,
            event_type,
            &body,
            now,
            event_id,
        ))
        .await?;
        queued += 1;
    }
    tx.commit().await?;
    if queued > 0 {
        state.hub_wake.notify_one();
    }
    Ok(())
}

/// The pause before attempt `attempts + 1`: 10 s, doubling, at most an hour.
fn backoff(attempts: i64) -> SignedDuration {
    let seconds = 10_i64.saturating_mul(1 << attempts.clamp(0, 9));
    SignedDuration::from_secs(seconds.min(3600))
}

/// Posts one event, signed; `Err` tells why it was not accepted. Redirects
/// are not followed: they could lead where the policy refuses.
fn post(callback: &str, secret: &str, event_id: i64, payload: &str) -> Result<(), String> {
    let agent = ureq::Agent::config_builder()
        .timeout_global(Some(CALLBACK_TIMEOUT))
        .http_status_as_error(false)
        .max_redirects(0)
        .build()
        .new_agent();
    let seconds = Timestamp::now().as_second();
    let response = agent
        .post(callback)
        .header("content-type", "application/json")
        .header(SIGNATURE_HEADER, signature(secret, seconds, payload))
        .header("x-tarifa-event-id", event_id.to_string())
        .send(payload)
        .map_err(|e| e.to_string())?;
    let status = response.status();
    if status.is_success() {
        Ok(())
    } else {
        Err(format!("the callback answered {status}"))
    }
}

/// Which hub event an audit event makes: the resource, the event type and
/// the resource's id.
fn event_of(audit: &AuditRow) -> Option<(&'static str, &'static str, String)> {
    let id = audit.entity_id.clone();
    Some(match (audit.entity.as_str(), audit.action.as_str()) {
        ("customer", "register") => ("customer", "CustomerCreateEvent", id),
        ("customer", "change" | "erase") => ("customer", "CustomerAttributeValueChangeEvent", id),
        ("customer", "pay") => {
            let detail: serde_json::Value = serde_json::from_str(&audit.detail).ok()?;
            (
                "payment",
                "PaymentCreateEvent",
                detail["payment"].as_i64()?.to_string(),
            )
        }
        ("contract", "sign") => ("product", "ProductCreateEvent", id),
        ("contract", "status" | "termination_done") => ("product", "ProductStateChangeEvent", id),
        (
            "contract",
            "change_package" | "transfer" | "renew_commitment" | "number_change" | "device_sale"
            | "promotion" | "equipment",
        ) => ("product", "ProductAttributeValueChangeEvent", id),
        ("complaint", "file") => ("troubleTicket", "TroubleTicketCreateEvent", id),
        ("complaint", "change") => ("troubleTicket", "TroubleTicketStatusChangeEvent", id),
        // Bills issued before audit events were kept per batch.
        ("bill", "issue") => ("customerBill", "CustomerBillCreateEvent", id),
        _ => return None,
    })
}

/// The hub events an audit event makes: one, none, or for a batch of bills
/// (one audit event a batch) one for each bill.
fn events_of(audit: &AuditRow) -> Vec<(&'static str, &'static str, String)> {
    if (audit.entity.as_str(), audit.action.as_str()) != ("bill_batch", "issue") {
        return event_of(audit).into_iter().collect();
    }
    let detail: serde_json::Value = serde_json::from_str(&audit.detail).unwrap_or_default();
    detail["bills"]
        .as_array()
        .map(|bills| {
            bills
                .iter()
                .filter_map(|b| b["id"].as_i64())
                .map(|id| ("customerBill", "CustomerBillCreateEvent", id.to_string()))
                .collect()
        })
        .unwrap_or_default()
}

/// The resource as its event carries it (`None` once it is gone).
async fn render(
    state: &AppState,
    base: &Base,
    resource: &str,
    id: &str,
) -> Result<Option<Box<RawValue>>, ApiError> {
    let found = match resource {
        "customer" => super::customer::find(state, base, id).await,
        "payment" => super::payment::find(state, base, id).await,
        "product" => super::product::find(state, base, id).await,
        "troubleTicket" => super::ticket::find(state, base, id).await,
        "customerBill" => super::bill::find(state, base, id).await,
        _ => return Ok(None),
    };
    match found {
        Ok(value) => Ok(Some(value)),
        Err(error) if error.status == StatusCode::NOT_FOUND => Ok(None),
        Err(error) => Err(error),
    }
}

/// Audit events read per dispatcher pass.
const AUDIT_BATCH: i64 = 500;

/// Turns the audit events after the cursor into hub events; returns how
/// many audit events it went through.
async fn dispatch(state: &AppState, base: &Base) -> Result<usize, ApiError> {
    let ctx = tarifa_app::Ctx::new("hub");
    let mut tx = state.app.begin(&ctx).await?;
    let cursor = tx.hub_cursor().await?;
    let listeners = tx.all_subscriptions().await?;
    if listeners.is_empty() {
        // Nobody listens: nothing before now will ever be told.
        let last = tx.last_audit_id().await?;
        if last != cursor {
            tx.set_hub_cursor(last).await?;
            tx.commit().await?;
        }
        return Ok(0);
    }
    let audits = tx.audit_after(cursor, AUDIT_BATCH).await?;
    // Rendering reads in transactions of its own.
    tx.rollback().await?;
    let Some(last) = audits.last().map(|a| a.id) else {
        return Ok(0);
    };
    let now = state.app.clock().now();
    let mut queued = Vec::new();
    let mut told = std::collections::HashSet::new();
    for audit in &audits {
        for (nth, (resource, event_type, id)) in events_of(audit).into_iter().enumerate() {
            let Some(api) = api_of(resource) else {
                continue;
            };
            let wanting: Vec<&HubSubscriptionRow> = listeners
                .iter()
                .filter(|l| l.api == api && audit.id > l.from_audit_id && wants(l, event_type))
                .collect();
            // One change often writes several audit events: one event tells it.
            if wanting.is_empty() || !told.insert((event_type, id.clone())) {
                continue;
            }
            let Some(body) = render(state, base, resource, &id).await? else {
                continue;
            };
            for listener in wanting {
                // The n-th bill of a batch's audit event has an id of its own.
                let event_id = if nth == 0 {
                    format!("{}-{}", audit.id, listener.id)
                } else {
                    format!("{}.{nth}-{}", audit.id, listener.id)
                };
                queued.push(event_row(
                    listener.id,
                    resource,
                    event_type,
                    &body,
                    now,
                    event_id,
                ));
            }
        }
    }
    let mut tx = state.app.begin(&ctx).await?;
    if tx.hub_cursor().await? != cursor {
        // Another dispatcher went through these meanwhile.
        return Ok(0);
    }
    for row in &queued {
        tx.insert_hub_event(row).await?;
    }
    tx.set_hub_cursor(last).await?;
    tx.commit().await?;
    Ok(audits.len())
}

/// An event as it is posted: the resource as JSON text, so amounts keep
/// their digits.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Payload<'a> {
    event_id: String,
    event_time: String,
    event_type: &'a str,
    event: std::collections::BTreeMap<&'a str, &'a RawValue>,
    #[serde(rename = "@type")]
    kind: &'a str,
}

/// A hub event for one listener, as it is stored and posted.
fn event_row(
    listener: i64,
    resource: &str,
    event_type: &str,
    body: &RawValue,
    now: Timestamp,
    event_id: String,
) -> HubEventRow {
    let payload = Payload {
        event_id,
        event_time: now.to_string(),
        event_type,
        event: std::collections::BTreeMap::from([(resource, body)]),
        kind: event_type,
    };
    HubEventRow {
        id: 0,
        subscription_id: listener,
        event_type: event_type.to_owned(),
        payload: serde_json::to_string(&payload).unwrap_or_default(),
        created_at: instant(now),
        attempts: 0,
        next_attempt_at: instant(now),
        delivered_at: None,
        given_up_at: None,
        last_error: None,
    }
}

/// Dispatches and delivers events until `stopped`: woken after changes made
/// over the API, and every few seconds for the scheduler's and for retries.
pub async fn deliver_events(state: AppState, base: Base, mut stopped: watch::Receiver<bool>) {
    let app = state.app.clone();
    let wake = state.hub_wake.clone();
    loop {
        loop {
            match dispatch(&state, &base).await {
                Ok(n) if n as i64 == AUDIT_BATCH => continue,
                Ok(_) => break,
                Err(error) => {
                    tracing::error!(%error, "hub events could not be dispatched; it is retried");
                    break;
                }
            }
        }
        if let Err(error) = deliver_due(&app, &state.callbacks).await {
            tracing::error!(%error, "event delivery failed; it is retried");
        }
        tokio::select! {
            () = wake.notified() => {}
            () = tokio::time::sleep(Duration::from_secs(5)) => {}
            _ = stopped.changed() => return,
        }
    }
}

async fn deliver_due(
    app: &App,
    callbacks: &crate::callback::CallbackPolicy,
) -> Result<(), tarifa_app::AppError> {
    let ctx = tarifa_app::Ctx::new("hub");
    loop {
        let now = app.clock().now();
        let mut tx = app.begin_read(&ctx).await?;
        let due = tx.due_hub_events(&instant(now), 50).await?;
        tx.rollback().await?;
        if due.is_empty() {
            return Ok(());
        }
        for (event, listener) in due {
            let payload = event.payload.clone();
            let secret = listener.secret.clone().unwrap_or_default();
            let id = event.id;
            // Checked again before each post: a name may resolve elsewhere now.
            let outcome = match callbacks.check(&listener.callback).await {
                Err(refused) => Err(format!("the callback is refused: {refused}")),
                Ok(()) if secret.is_empty() => Err("the listener has no signing secret".to_owned()),
                Ok(()) => {
                    let callback = listener.callback.clone();
                    tokio::task::spawn_blocking(move || post(&callback, &secret, id, &payload))
                        .await
                        .unwrap_or_else(|e| Err(e.to_string()))
                }
            };
            let at = app.clock().now();
            let mut tx = app.begin(&ctx).await?;
            match outcome {
                Ok(()) => {
                    tx.hub_event_attempted(event.id, &instant(at), None, None)
                        .await?
                }
                Err(error) => {
                    let retry = (event.attempts + 1 < MAX_ATTEMPTS)
                        .then(|| instant(at + backoff(event.attempts)));
                    tracing::warn!(event = event.id, %error, "an event was not delivered");
                    tx.hub_event_attempted(event.id, &instant(at), Some(&error), retry.as_deref())
                        .await?;
                }
            }
            tx.commit().await?;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_query_filters_event_types() {
        assert_eq!(wanted_types(None), None);
        assert_eq!(
            wanted_types(Some("eventType=CustomerCreateEvent")),
            Some(vec!["CustomerCreateEvent".to_owned()])
        );
        assert_eq!(
            wanted_types(Some("eventType = A,B")),
            Some(vec!["A".to_owned(), "B".to_owned()])
        );
        assert_eq!(wanted_types(Some("status=active")), None);
    }

    #[test]
    fn an_event_is_signed_over_its_time_and_body() {
        let header = signature("whsec_k", 1_700_000_000, "{}");
        assert_eq!(
            header,
            format!(
                "t=1700000000,v1={}",
                tarifa_app::tokens::hmac_hex(b"whsec_k", b"1700000000.{}")
            )
        );
        assert_ne!(header, signature("whsec_other", 1_700_000_000, "{}"));
    }

    #[test]
    fn retries_pause_longer_up_to_an_hour() {
        assert_eq!(backoff(0), SignedDuration::from_secs(10));
        assert_eq!(backoff(1), SignedDuration::from_secs(20));
        assert_eq!(backoff(20), SignedDuration::from_secs(3600));
    }
}
