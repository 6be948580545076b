//! The TM Forum Open API v4 resources. What every resource shares lives here:
//! base paths, absolute `href`s, `Money`, `TimePeriod` and references,
//! `fields=` attribute selection, `offset`/`limit` paging with
//! `X-Total-Count` and `X-Result-Count`, and who may see which customer's data.

pub mod account;
pub mod bill;
pub mod catalog;
pub mod customer;
pub mod events;
pub mod message;
pub mod payment;
pub mod product;
pub mod ticket;
pub mod usage;

use utoipa_axum::router::OpenApiRouter;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use jiff::civil::{Date, DateTime};
use jiff::tz::TimeZone;
use serde::{Deserialize, Serialize};
use tarifa_app::Ctx;
use tarifa_app::tokens::{Principal, Role};
use tarifa_core::market::Market;
use tarifa_store::{Owner, Page, Tx};
use utoipa::{IntoParams, ToSchema};

use crate::{ApiError, AppState};

pub const CUSTOMER_API: &str = "/tmf-api/customerManagement/v4";
pub const ACCOUNT_API: &str = "/tmf-api/accountManagement/v4";
pub const CATALOG_API: &str = "/tmf-api/productCatalogManagement/v4";
pub const INVENTORY_API: &str = "/tmf-api/productInventory/v4";
pub const USAGE_API: &str = "/tmf-api/usageManagement/v4";
pub const BILL_API: &str = "/tmf-api/customerBillManagement/v4";
/// TMF676 as the conformance kits call it (the swagger's `/payment/v4` is a slip).
pub const PAYMENT_API: &str = "/tmf-api/paymentManagement/v4";
pub const TICKET_API: &str = "/tmf-api/troubleTicket/v4";
pub const MESSAGE_API: &str = "/tmf-api/communicationManagement/v4";

/// Every TMF resource under its API's base path, with the hubs.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .nest(
            CUSTOMER_API,
            customer::routes().merge(events::customer_hub::routes()),
        )
        .nest(ACCOUNT_API, account::routes())
        .nest(CATALOG_API, catalog::routes())
        .nest(
            INVENTORY_API,
            product::routes().merge(events::product_hub::routes()),
        )
        .nest(
            USAGE_API,
            usage::routes().merge(events::usage_hub::routes()),
        )
        .nest(BILL_API, bill::routes().merge(events::bill_hub::routes()))
        .nest(
            PAYMENT_API,
            payment::routes().merge(events::payment_hub::routes()),
        )
        .nest(
            TICKET_API,
            ticket::routes().merge(events::ticket_hub::routes()),
        )
        .nest(MESSAGE_API, message::routes())
}

/// The scheme and authority the caller used, for absolute `href`s.
#[derive(Clone, Debug)]
pub struct Base(pub String);

/// The server's own address, as configured (`serve --public-url`, else the
/// listening address) — never the request's `Host`, which the caller
/// chooses and would put into every link and event.
impl FromRequestParts<AppState> for Base {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(_: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        Ok(Self(state.public_base.as_ref().clone()))
    }
}

impl Base {
    /// The `href` of a resource: `api` is its base path, `path` what follows.
    pub fn href(&self, api: &str, path: &str) -> String {
        format!("{}{api}/{path}", self.0)
    }
}

/// `fields`, `offset` and `limit` of a listing.
#[derive(Clone, Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// Comma-separated attributes to return (`id`, `href` and `@type` always come).
    pub fields: Option<String>,
    /// How many items to skip.
    pub offset: Option<u32>,
    /// How many items to return at most (default 100, at most 1000).
    pub limit: Option<u32>,
}

/// Narrows a listing to one customer's resources, by the reference the
/// resource carries (TMF630 attribute filtering): the customer's id, which is
/// also their billing account's.
#[derive(Clone, Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CustomerFilter {
    /// Products, bills and bill lines of this billing account.
    #[serde(rename = "billingAccount.id")]
    #[param(rename = "billingAccount.id")]
    pub billing_account: Option<String>,
    /// Products, usage and trouble tickets of this customer.
    #[serde(rename = "relatedParty.id")]
    #[param(rename = "relatedParty.id")]
    pub related_party: Option<String>,
    /// Payments to this account.
    #[serde(rename = "account.id")]
    #[param(rename = "account.id")]
    pub account: Option<String>,
    /// Messages to this customer.
    #[serde(rename = "receiver.id")]
    #[param(rename = "receiver.id")]
    pub receiver: Option<String>,
}

/// `fields` of a single resource.
#[derive(Clone, Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FieldParams {
    /// Comma-separated attributes to return (`id`, `href` and `@type` always come).
    pub fields: Option<String>,
}

const DEFAULT_LIMIT: u32 = 100;
const MAX_LIMIT: u32 = 1000;

impl ListParams {
    pub fn page(&self) -> Page {
        Page {
            offset: i64::from(self.offset.unwrap_or(0)),
            limit: i64::from(self.limit.unwrap_or(DEFAULT_LIMIT).min(MAX_LIMIT)),
        }
    }
}

/// The attributes `fields` names, if it names any.
fn wanted(fields: Option<&str>) -> Option<Vec<&str>> {
    let fields = fields.map(str::trim).filter(|f| !f.is_empty())?;
    Some(fields.split(',').map(str::trim).collect())
}

/// An object's members in their order, each value as its JSON text.
struct Members(Vec<(String, Box<serde_json::value::RawValue>)>);

impl<'de> Deserialize<'de> for Members {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visit;
        impl<'de> serde::de::Visitor<'de> for Visit {
            type Value = Members;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<Members, A::Error> {
                let mut members = Vec::new();
                while let Some(member) = map.next_entry()? {
                    members.push(member);
                }
                Ok(Members(members))
            }
        }
        deserializer.deserialize_map(Visit)
    }
}

/// A resource as JSON text, narrowed to `fields` (and always `id`, `href`,
/// `@type`). The text is never parsed into numbers: amounts keep the digits
/// they were written with.
fn json_text<T: Serialize>(item: &T, fields: Option<&str>) -> String {
    let text = serde_json::to_string(item).unwrap_or_else(|_| "null".to_owned());
    let Some(wanted) = wanted(fields) else {
        return text;
    };
    let Ok(Members(members)) = serde_json::from_str::<Members>(&text) else {
        return text;
    };
    let mut out = String::with_capacity(text.len());
    out.push('{');
    for (key, value) in members.iter().filter(|(key, _)| {
        matches!(key.as_str(), "id" | "href" | "@type") || wanted.contains(&key.as_str())
    }) {
        if out.len() > 1 {
            out.push(',');
        }
        out.push_str(&serde_json::to_string(key).unwrap_or_default());
        out.push(':');
        out.push_str(value.get());
    }
    out.push('}');
    out
}

fn json_response(status: StatusCode, text: String) -> Response {
    (
        status,
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        text,
    )
        .into_response()
}

/// One resource as JSON, narrowed to `fields`.
pub fn one<T: Serialize>(status: StatusCode, item: &T, fields: Option<&str>) -> Response {
    json_response(status, json_text(item, fields))
}

/// A page of resources with the counts TMF630 asks for.
pub fn listed<T: Serialize>(items: &[T], total: i64, fields: Option<&str>) -> Response {
    let mut text = String::from("[");
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            text.push(',');
        }
        text.push_str(&json_text(item, fields));
    }
    text.push(']');
    let mut response = json_response(StatusCode::OK, text);
    let headers = response.headers_mut();
    headers.insert("x-total-count", HeaderValue::from(total));
    headers.insert("x-result-count", HeaderValue::from(items.len()));
    response
}

/// A resource as its hub event carries it: JSON text, digits kept.
pub fn event_body<T: Serialize>(item: &T) -> Box<serde_json::value::RawValue> {
    // A resource that cannot be written as JSON is told as `null`.
    serde_json::value::to_raw_value(item).unwrap_or_default()
}

/// An amount as a JSON number, read from the digits as written — never
/// through a float, which cannot hold 99999999999999.99 — and written with
/// the amount's own digits.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Amount(pub rust_decimal::Decimal);

impl Serialize for Amount {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match serde_json::value::RawValue::from_string(self.0.to_string()) {
            Ok(raw) => raw.serialize(serializer),
            Err(e) => Err(serde::ser::Error::custom(e)),
        }
    }
}

impl<'de> Deserialize<'de> for Amount {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = Box::<serde_json::value::RawValue>::deserialize(deserializer)?;
        let text = raw.get().trim();
        // A number as TMF writes it; a string of digits is taken too.
        let digits = text
            .strip_prefix('"')
            .and_then(|t| t.strip_suffix('"'))
            .unwrap_or(text);
        let exact = if digits.contains(['e', 'E']) {
            rust_decimal::Decimal::from_scientific(digits)
        } else {
            rust_decimal::Decimal::from_str_exact(digits)
        };
        exact.map(Amount).map_err(|_| {
            serde::de::Error::custom(format!(
                "{:?} is not an amount",
                tarifa_core::text::clip(digits, tarifa_core::text::ECHO_CHARS)
            ))
        })
    }
}

impl std::str::FromStr for Amount {
    type Err = rust_decimal::Error;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        rust_decimal::Decimal::from_str_exact(text).map(Amount)
    }
}

/// An amount of money as TMF writes it: a JSON number and the currency code.
/// The number carries the amount's digits exactly, both ways.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Money {
    pub unit: String,
    #[schema(value_type = f64)]
    pub value: Amount,
}

impl Money {
    pub fn of(minor: i64, market: &Market) -> Self {
        let money = tarifa_core::money::Money::from_minor(minor, market.currency);
        Self {
            unit: market.currency.code().to_owned(),
            value: money.to_string().parse().unwrap_or_default(),
        }
    }

    /// The exact amount in `market`'s currency, or why not.
    pub fn to_money(
        &self,
        field: &str,
        market: &Market,
    ) -> Result<tarifa_core::money::Money, ApiError> {
        if self.unit != market.currency.code() {
            return Err(ApiError::bad_request(format!(
                "{field}.unit: {:?} is not the currency of market {} ({})",
                tarifa_core::text::clip(&self.unit, tarifa_core::text::ECHO_CHARS),
                market.id,
                market.currency.code()
            )));
        }
        tarifa_core::money::Money::parse(&self.value.0.to_string(), market.currency)
            .map_err(|e| ApiError::bad_request(format!("{field}.value: {e}")))
    }
}

/// A span of time; either end may be open.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TimePeriod {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start_date_time: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end_date_time: Option<String>,
}

impl TimePeriod {
    /// From the first to the last day of a span of whole days in `tz`.
    pub fn days(from: Option<&str>, to: Option<&str>, tz: &TimeZone) -> Self {
        Self {
            start_date_time: from.and_then(|d| day_start(d, tz)),
            end_date_time: to.and_then(|d| day_end(d, tz)),
        }
    }
}

/// A reference to another resource.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Ref {
    pub id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub href: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    #[serde(rename = "@referredType", skip_serializing_if = "Option::is_none")]
    pub referred_type: Option<String>,
}

impl Ref {
    pub fn to(id: impl ToString, href: String, referred_type: &str) -> Self {
        Self {
            id: id.to_string(),
            href: Some(href),
            referred_type: Some(referred_type.to_owned()),
            ..Self::default()
        }
    }

    /// Names the reference (an empty name is left out).
    pub fn named(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into()).filter(|n: &String| !n.is_empty());
        self
    }

    pub fn as_role(mut self, role: &str) -> Self {
        self.role = Some(role.to_owned());
        self
    }
}

/// A named value.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Characteristic {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value_type: Option<String>,
    pub value: serde_json::Value,
}

impl Characteristic {
    pub fn text(name: &str, value: impl Into<String>) -> Self {
        Self {
            name: name.to_owned(),
            value_type: Some("string".to_owned()),
            value: serde_json::Value::String(value.into()),
        }
    }

    pub fn flag(name: &str, value: bool) -> Self {
        Self {
            name: name.to_owned(),
            value_type: Some("boolean".to_owned()),
            value: serde_json::Value::Bool(value),
        }
    }

    pub fn number(name: &str, value: i64) -> Self {
        Self {
            name: name.to_owned(),
            value_type: Some("integer".to_owned()),
            value: serde_json::Value::from(value),
        }
    }
}

/// The text of the characteristic `name` in `list` (a number counts as its
/// digits); `field` names the list in errors.
pub fn characteristic_text(
    list: &[Characteristic],
    field: &str,
    name: &str,
) -> Result<Option<String>, ApiError> {
    match list.iter().find(|c| c.name == name).map(|c| &c.value) {
        None | Some(serde_json::Value::Null) => Ok(None),
        Some(serde_json::Value::String(text)) => Ok(Some(text.clone())),
        Some(serde_json::Value::Number(n)) => Ok(Some(n.to_string())),
        Some(_) => Err(ApiError::bad_request(format!(
            "{field} {name}: a string is expected"
        ))),
    }
}

fn zoned_text(zoned: &jiff::Zoned) -> String {
    zoned.strftime("%Y-%m-%dT%H:%M:%S%:z").to_string()
}

/// The start of a day (`YYYY-MM-DD`) in `tz`, as RFC 3339.
pub fn day_start(day: &str, tz: &TimeZone) -> Option<String> {
    let date: Date = day.parse().ok()?;
    date.to_zoned(tz.clone()).ok().map(|z| zoned_text(&z))
}

/// The last second of a day in `tz`, as RFC 3339.
pub fn day_end(day: &str, tz: &TimeZone) -> Option<String> {
    let date: Date = day.parse().ok()?;
    date.at(23, 59, 59, 0)
        .to_zoned(tz.clone())
        .ok()
        .map(|z| zoned_text(&z))
}

/// A local date and time (`YYYY-MM-DDTHH:MM:SS`) in `tz`, as RFC 3339.
pub fn local_time(at: &str, tz: &TimeZone) -> Option<String> {
    let at: DateTime = at.parse().ok()?;
    at.to_zoned(tz.clone()).ok().map(|z| zoned_text(&z))
}

/// The subscriber's own customer, or anyone's for the operator's roles.
pub fn owner(principal: &Principal) -> Owner {
    match (principal.role, principal.customer_id) {
        (Role::Subscriber, Some(id)) => Owner::Customer(id),
        // A subscriber token without a customer sees nothing.
        (Role::Subscriber, None) => Owner::Customer(-1),
        _ => Owner::Anyone,
    }
}

/// The rows a listing covers: the caller's (a subscriber sees only their
/// own), narrowed to the customer a filter names.
pub fn scope(principal: &Principal, filter: &CustomerFilter) -> Result<Owner, ApiError> {
    let mut named = [
        &filter.billing_account,
        &filter.related_party,
        &filter.account,
        &filter.receiver,
    ]
    .into_iter()
    .flatten();
    let first = named.next();
    // Two filters naming different customers would match nothing: say so.
    if let Some(first) = first
        && let Some(other) = named.find(|n| *n != first)
    {
        return Err(ApiError::bad_request(format!(
            "the filters name two customers ({:?} and {:?}): give one",
            tarifa_core::text::clip(first, tarifa_core::text::ECHO_CHARS),
            tarifa_core::text::clip(other, tarifa_core::text::ECHO_CHARS)
        )));
    }
    Ok(match (owner(principal), first) {
        (allowed, None) => allowed,
        // An id that is no customer's matches nothing.
        (Owner::Anyone, Some(id)) => Owner::Customer(id.parse().unwrap_or(-1)),
        (Owner::Customer(own), Some(id)) => {
            Owner::Customer(if id.parse() == Ok(own) { own } else { -1 })
        }
    })
}

/// Every query parameter the API reads, on any resource.
const QUERY_PARAMETERS: [&str; 9] = [
    "fields",
    "offset",
    "limit",
    "billingAccount.id",
    "relatedParty.id",
    "account.id",
    "receiver.id",
    "format",
    "lang",
];

/// Refuses a query parameter the API does not read, or one given twice: a
/// filter silently ignored would answer a question nobody asked.
pub(crate) async fn known_query(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let query = request.uri().query().unwrap_or("");
    let mut seen: Vec<String> = Vec::new();
    for (key, _) in form_urlencoded::parse(query.as_bytes()) {
        if !QUERY_PARAMETERS.contains(&key.as_ref()) {
            return ApiError::bad_request(format!(
                "unknown query parameter {:?} (known: {})",
                tarifa_core::text::clip(&key, tarifa_core::text::ECHO_CHARS),
                QUERY_PARAMETERS.join(", ")
            ))
            .into_response();
        }
        if seen.iter().any(|k| *k == key) {
            return ApiError::bad_request(format!("query parameter {key} is given twice"))
                .into_response();
        }
        seen.push(key.into_owned());
    }
    next.run(request).await
}

/// Whether `principal` may see a customer's data; anything else is "not found".
pub fn sees(principal: &Principal, customer_id: i64) -> bool {
    match owner(principal) {
        Owner::Anyone => true,
        Owner::Customer(id) => id == customer_id,
    }
}

/// An id of the path: numeric ids only, anything else is unknown.
pub fn numeric_id(id: &str, what: &str) -> Result<i64, ApiError> {
    id.parse::<i64>()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| ApiError::not_found(format!("no {what} {id:?}")))
}

/// The server itself, reading for its hubs: sees everything.
pub fn system() -> Principal {
    Principal {
        token_id: 0,
        role: Role::Admin,
        customer_id: None,
        session: false,
    }
}

/// The audit actor of a call: the token that made it.
pub fn ctx(principal: &Principal) -> Ctx {
    Ctx::new(format!("token:{}", principal.token_id))
        .with_context(format!("api ({})", principal.role))
}

/// A transaction to read in (never committed).
pub async fn reader(state: &AppState, principal: &Principal) -> Result<Tx, ApiError> {
    Ok(state.app.begin_read(&ctx(principal)).await?)
}

/// The market a row belongs to.
pub fn market<'a>(state: &'a AppState, id: &str) -> Result<&'a Market, ApiError> {
    Ok(state.app.market(id)?.as_ref())
}

/// Whether JSON text holds the escape of a NUL character.
fn holds_nul_escape(bytes: &[u8]) -> bool {
    bytes.windows(6).any(|w| w == b"\\u0000")
}

/// A JSON request body (`application/json` or `application/merge-patch+json`):
/// anything else is 415, malformed JSON is 400 with the line and column.
/// The error waits in the `Result` until the handler asks for the body,
/// which it does after checking who calls: a caller without the right gets
/// 403, and learns nothing of the fields from a 400 first.
pub struct JsonBody<T>(pub Result<T, ApiError>);

impl<S: Send + Sync, T: serde::de::DeserializeOwned> axum::extract::FromRequest<S> for JsonBody<T> {
    type Rejection = std::convert::Infallible;

    async fn from_request(
        request: axum::extract::Request,
        state: &S,
    ) -> Result<Self, std::convert::Infallible> {
        let content_type = request
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        let essence = content_type.split(';').next().unwrap_or("").trim();
        if !matches!(essence, "application/json" | "application/merge-patch+json") {
            return Ok(Self(Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "the body must be application/json (or application/merge-patch+json for PATCH)",
            ))));
        }
        let bytes = match axum::body::Bytes::from_request(request, state).await {
            Ok(bytes) => bytes,
            Err(e) => return Ok(Self(Err(ApiError::new(e.status(), e.body_text())))),
        };
        // No text of ours holds a NUL; PostgreSQL would refuse it as a
        // server error rather than a bad request.
        if holds_nul_escape(&bytes) {
            return Ok(Self(Err(ApiError::bad_request(
                "the body holds a NUL character (\\u0000), which no field accepts",
            ))));
        }
        Ok(Self(serde_json::from_slice(&bytes).map_err(|e| {
            ApiError::bad_request(format!(
                "the body is not a valid request: {}",
                tarifa_core::text::clip(&e.to_string(), 300)
            ))
        })))
    }
}
