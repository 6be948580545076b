//! TMF629 Customer Management: the operator's customers, with the party
//! behind each (TMF632-style: an individual or an organization).

use axum::extract::{Extension, Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::{Deserialize, Serialize};
use tarifa_app::customers::CustomerChanges;
use tarifa_app::tokens::{Principal, Role};
use tarifa_core::market::Market;
use tarifa_core::party::{IdDocumentKind, PartyApplication, PartyKind, Residency};
use tarifa_store::CustomerRow;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{
    ACCOUNT_API, Base, CUSTOMER_API, Characteristic, FieldParams, JsonBody, ListParams, Ref,
    TimePeriod, characteristic_text, ctx, listed, numeric_id, one, owner, reader, sees,
};
use crate::auth::allow;
use crate::{ApiError, AppState};

/// How to reach a customer.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ContactMedium {
    /// `email`, `phone` or `postalAddress`.
    pub medium_type: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub preferred: Option<bool>,
    pub characteristic: MediumCharacteristic,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MediumCharacteristic {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email_address: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone_number: Option<String>,
    /// The postal address, on one line.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub street1: Option<String>,
}

/// A customer (TMF629).
#[derive(Clone, Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Customer {
    pub id: String,
    pub href: String,
    pub name: String,
    /// `active`, or `anonymised` once personal data were erased (CON-14).
    pub status: String,
    /// The individual or organization who is the customer.
    pub engaged_party: Ref,
    pub contact_medium: Vec<ContactMedium>,
    /// The customer's billing account.
    pub account: Vec<Ref>,
    /// market, kind, residency, identity document, directory listing,
    /// marketing consent, language.
    pub characteristic: Vec<Characteristic>,
    pub valid_for: TimePeriod,
    #[serde(rename = "@type")]
    pub kind: String,
}

/// What a new customer is: `name`, the party and how to reach them, with the
/// identification CON-4 asks for as characteristics.
#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CustomerCreate {
    pub name: String,
    /// `@referredType` `Individual` or `Organization`.
    pub engaged_party: Ref,
    #[serde(default)]
    pub contact_medium: Vec<ContactMedium>,
    /// `market` (required), `residency` (citizen, foreigner, refugee),
    /// `partyKind` (individual, business, entrepreneur), `idDocument`,
    /// `idDocumentNumber`, `taxNumber` (a business's, as its country writes
    /// it), `keepsDocumentCopies`, `directoryOptOut`,
    /// `securityBody`, `marketingConsent`, `language`, `externalId`.
    #[serde(default)]
    pub characteristic: Vec<Characteristic>,
}

/// A merge-patch of a customer: the fields given change (CON-12).
#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CustomerUpdate {
    pub name: Option<String>,
    pub contact_medium: Option<Vec<ContactMedium>>,
    /// `idDocument`, `idDocumentNumber`, `marketingConsent`,
    /// `directoryOptOut`, `language`.
    pub characteristic: Option<Vec<Characteristic>>,
}

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_customers, create_customer))
        .routes(routes!(get_customer, patch_customer))
}

pub fn customer_ref(base: &Base, id: i64, name: &str) -> Ref {
    Ref::to(
        id,
        base.href(CUSTOMER_API, &format!("customer/{id}")),
        "Customer",
    )
    .named(name)
}

pub fn represent(base: &Base, row: &CustomerRow, market: &Market) -> Customer {
    let party_type = if row.kind == "individual" {
        "Individual"
    } else {
        "Organization"
    };
    let mut contact = Vec::new();
    if let Some(email) = &row.email {
        contact.push(ContactMedium {
            medium_type: "email".to_owned(),
            preferred: None,
            characteristic: MediumCharacteristic {
                email_address: Some(email.clone()),
                ..MediumCharacteristic::default()
            },
        });
    }
    if let Some(phone) = &row.phone {
        contact.push(ContactMedium {
            medium_type: "phone".to_owned(),
            preferred: None,
            characteristic: MediumCharacteristic {
                phone_number: Some(phone.clone()),
                ..MediumCharacteristic::default()
            },
        });
    }
    if let Some(address) = &row.address {
        contact.push(ContactMedium {
            medium_type: "postalAddress".to_owned(),
            preferred: None,
            characteristic: MediumCharacteristic {
                street1: Some(address.clone()),
                ..MediumCharacteristic::default()
            },
        });
    }
    let mut characteristic = vec![
        Characteristic::text("market", &row.market),
        Characteristic::text("partyKind", &row.kind),
        Characteristic::text("residency", &row.residency),
        Characteristic::text("directoryListing", &row.directory),
        Characteristic::flag("marketingConsent", row.marketing_consent),
        Characteristic::flag("keepsDocumentCopies", row.keeps_document_copies),
    ];
    let optional = [
        ("idDocument", &row.id_document),
        ("idDocumentNumber", &row.id_document_number),
        ("taxNumber", &row.tax_number),
        ("language", &row.language),
        ("externalId", &row.handle),
        ("anonymisedOn", &row.anonymised_on),
    ];
    for (name, value) in optional {
        if let Some(value) = value {
            characteristic.push(Characteristic::text(name, value));
        }
    }
    Customer {
        id: row.id.to_string(),
        href: base.href(CUSTOMER_API, &format!("customer/{}", row.id)),
        name: row.name.clone(),
        status: if row.anonymised_on.is_some() {
            "anonymised"
        } else {
            "active"
        }
        .to_owned(),
        engaged_party: Ref {
            id: row.id.to_string(),
            name: Some(row.name.clone()),
            role: Some("customer".to_owned()),
            referred_type: Some(party_type.to_owned()),
            href: None,
        },
        contact_medium: contact,
        account: vec![
            Ref::to(
                row.id,
                base.href(ACCOUNT_API, &format!("billingAccount/{}", row.id)),
                "BillingAccount",
            )
            .named(format!("Billing account of {}", row.name)),
        ],
        characteristic,
        valid_for: TimePeriod::days(Some(&row.registered_on), None, &market.time_zone),
        kind: "Customer".to_owned(),
    }
}

/// Lists customers (a subscriber sees only their own).
#[utoipa::path(get, path = "/customer", tag = "TMF629 customer", params(ListParams),
    responses((status = 200, description = "A page of customers", body = [Customer],
        headers(("X-Total-Count" = i64), ("X-Result-Count" = i64)))))]
async fn list_customers(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    base: Base,
    Query(params): Query<ListParams>,
) -> Result<Response, ApiError> {
    let mut tx = reader(&state, &principal).await?;
    let page = tx.list_customers(owner(&principal), params.page()).await?;
    let items = page
        .rows
        .iter()
        .map(|row| Ok(represent(&base, row, super::market(&state, &row.market)?)))
        .collect::<Result<Vec<_>, ApiError>>()?;
    Ok(listed(&items, page.total, params.fields.as_deref()))
}

/// A customer as its hub event carries it.
pub(crate) async fn find(
    state: &AppState,
    base: &Base,
    id: &str,
) -> Result<Box<serde_json::value::RawValue>, ApiError> {
    let row = visible_customer(state, &super::system(), id).await?;
    let market = super::market(state, &row.market)?;
    Ok(super::event_body(&represent(base, &row, market)))
}

/// The customer, if the caller may see them.
pub async fn visible_customer(
    state: &AppState,
    principal: &Principal,
    id: &str,
) -> Result<CustomerRow, ApiError> {
    let id = numeric_id(id, "customer")?;
    state
        .app
        .read_customer(&super::ctx(principal), id, |customer| {
            sees(principal, customer)
        })
        .await?
        .ok_or_else(|| ApiError::not_found(format!("no customer {id}")))
}

/// One customer.
#[utoipa::path(get, path = "/customer/{id}", tag = "TMF629 customer",
    params(("id" = String, Path, description = "The customer's id"), FieldParams),
    responses((status = 200, description = "The customer", body = Customer)))]
async fn get_customer(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    base: Base,
    Path(id): Path<String>,
    Query(params): Query<FieldParams>,
) -> Result<Response, ApiError> {
    let row = visible_customer(&state, &principal, &id).await?;
    let market = super::market(&state, &row.market)?;
    Ok(one(
        StatusCode::OK,
        &represent(&base, &row, market),
        params.fields.as_deref(),
    ))
}

fn characteristic<'a>(list: &'a [Characteristic], name: &str) -> Option<&'a serde_json::Value> {
    list.iter().find(|c| c.name == name).map(|c| &c.value)
}

fn text_of(list: &[Characteristic], name: &str) -> Result<Option<String>, ApiError> {
    characteristic_text(list, "characteristic", name)
}

fn flag_of(list: &[Characteristic], name: &str) -> Result<Option<bool>, ApiError> {
    match characteristic(list, name) {
        None | Some(serde_json::Value::Null) => Ok(None),
        Some(serde_json::Value::Bool(flag)) => Ok(Some(*flag)),
        Some(_) => Err(ApiError::bad_request(format!(
            "characteristic {name}: true or false is expected"
        ))),
    }
}

fn parsed<T: std::str::FromStr<Err = String>>(
    list: &[Characteristic],
    name: &str,
) -> Result<Option<T>, ApiError> {
    text_of(list, name)?
        .map(|text| {
            text.parse()
                .map_err(|e: String| ApiError::bad_request(format!("characteristic {name}: {e}")))
        })
        .transpose()
}

/// The e-mail, phone and address of contact media.
fn contacts(media: &[ContactMedium]) -> (Option<String>, Option<String>, Option<String>) {
    let find = |pick: fn(&MediumCharacteristic) -> &Option<String>| {
        media.iter().find_map(|m| pick(&m.characteristic).clone())
    };
    (
        find(|c| &c.email_address),
        find(|c| &c.phone_number),
        find(|c| &c.street1),
    )
}

/// Registers a customer (CON-4, CON-14, CON-15): 201, or 422 with the rules
/// that refuse the registration.
#[utoipa::path(post, path = "/customer", tag = "TMF629 customer", request_body = CustomerCreate,
    responses((status = 201, description = "The customer registered", body = Customer)))]
async fn create_customer(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    base: Base,
    JsonBody(create): JsonBody<CustomerCreate>,
) -> Result<Response, ApiError> {
    allow(&principal, &[Role::Admin, Role::Agent])?;
    let create = create?;
    let list = &create.characteristic;
    let market_id = text_of(list, "market")?
        .ok_or_else(|| ApiError::bad_request("characteristic market: required (rs, hu, me)"))?;
    let kind = match parsed::<PartyKind>(list, "partyKind")? {
        Some(kind) => kind,
        None => match create.engaged_party.referred_type.as_deref() {
            Some("Individual") | None => PartyKind::Individual,
            Some("Organization") => PartyKind::Business,
            Some(other) => {
                return Err(ApiError::bad_request(format!(
                    "engagedParty.@referredType: {other:?} is neither Individual nor Organization"
                )));
            }
        },
    };
    let (email, phone, address) = contacts(&create.contact_medium);
    let application = PartyApplication {
        kind,
        residency: parsed::<Residency>(list, "residency")?.unwrap_or_default(),
        name: create.name,
        email,
        phone,
        address,
        id_document: parsed::<IdDocumentKind>(list, "idDocument")?,
        id_document_number: text_of(list, "idDocumentNumber")?,
        tax_number: text_of(list, "taxNumber")?,
        copy_consent: flag_of(list, "keepsDocumentCopies")?.unwrap_or(false),
        directory_opt_out: flag_of(list, "directoryOptOut")?.unwrap_or(false),
        security_body: flag_of(list, "securityBody")?.unwrap_or(false),
        marketing_consent: flag_of(list, "marketingConsent")?.unwrap_or(false),
        language: text_of(list, "language")?,
    };
    let handle = text_of(list, "externalId")?;
    let decided = state
        .app
        .register_customer(&ctx(&principal), &market_id, handle.as_deref(), application)
        .await?;
    let Some(id) = decided.value else {
        return Err(ApiError::refused(&decided.decision));
    };
    let row = visible_customer(&state, &principal, &id.to_string()).await?;
    let market = super::market(&state, &row.market)?;
    Ok(one(
        StatusCode::CREATED,
        &represent(&base, &row, market),
        None,
    ))
}

/// Changes a customer's data (CON-12: each change is recorded with who and
/// when). Agents change anything; a subscriber changes their own contact
/// data, consent, directory listing and language.
#[utoipa::path(patch, path = "/customer/{id}", tag = "TMF629 customer",
    params(("id" = String, Path, description = "The customer's id")),
    request_body(content = CustomerUpdate, content_type = "application/merge-patch+json"),
    responses((status = 200, description = "The customer as changed", body = Customer)))]
async fn patch_customer(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    base: Base,
    Path(id): Path<String>,
    JsonBody(update): JsonBody<CustomerUpdate>,
) -> Result<Response, ApiError> {
    allow(&principal, &[Role::Admin, Role::Agent, Role::Subscriber])?;
    let update = update?;
    let row = visible_customer(&state, &principal, &id).await?;
    let list = update.characteristic.unwrap_or_default();
    let mut changes = CustomerChanges {
        name: update.name,
        id_document: parsed::<IdDocumentKind>(&list, "idDocument")?,
        id_document_number: text_of(&list, "idDocumentNumber")?,
        tax_number: text_of(&list, "taxNumber")?,
        marketing_consent: flag_of(&list, "marketingConsent")?,
        directory_opt_out: flag_of(&list, "directoryOptOut")?,
        language: text_of(&list, "language")?,
        ..CustomerChanges::default()
    };
    if let Some(media) = &update.contact_medium {
        (changes.email, changes.phone, changes.address) = contacts(media);
    }
    if principal.role == Role::Subscriber
        && (changes.name.is_some()
            || changes.id_document.is_some()
            || changes.id_document_number.is_some()
            || changes.tax_number.is_some())
    {
        return Err(ApiError::forbidden(
            "a subscriber changes their name, identity document and tax number at a shop or with an agent (CON-4)",
        ));
    }
    let decided = state
        .app
        .change_customer(&ctx(&principal), row.id, changes)
        .await?;
    if !decided.decision.is_approved() {
        return Err(ApiError::refused(&decided.decision));
    }
    let row = visible_customer(&state, &principal, &id).await?;
    let market = super::market(&state, &row.market)?;
    let customer = represent(&base, &row, market);
    Ok(one(StatusCode::OK, &customer, None))
}
