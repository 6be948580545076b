//! TMF637 Product Inventory: contracts as products — the package, the number,
//! the status, the commitment and its end, the devices and the promotion.
//! `POST /product` signs a new contract (CON-1…8).

use std::collections::BTreeMap;

use axum::extract::{Extension, Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::{Deserialize, Serialize};
use tarifa_app::contracts::{DeviceInput, SignRequest};
use tarifa_app::tokens::{Principal, Role};
use tarifa_core::catalog::Catalog;
use tarifa_core::contract::{Benefit, BenefitKind, SalesChannel};
use tarifa_store::{ContractRow, Tx};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::account::account_ref;
use super::customer::{customer_ref, visible_customer};
use super::{
    Base, CATALOG_API, Characteristic, CustomerFilter, FieldParams, INVENTORY_API, JsonBody,
    ListParams, Money, Ref, TimePeriod, ctx, day_start, listed, numeric_id, one, reader, scope,
    sees,
};
use crate::auth::allow;
use crate::{ApiError, AppState};

/// A span a term lasts.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct Quantity {
    pub amount: f64,
    pub units: String,
}

/// A term of the product: the commitment.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ProductTerm {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    pub duration: Quantity,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub valid_for: Option<TimePeriod>,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Price {
    pub tax_included_amount: Money,
}

/// A price the product carries: the package's monthly fee.
#[derive(Clone, Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ProductPrice {
    pub name: String,
    pub price_type: String,
    pub recurring_charge_period: String,
    pub price: Price,
    pub product_offering_price: Ref,
}

/// A contract (TMF637 product).
#[derive(Clone, Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Product {
    pub id: String,
    pub href: String,
    pub name: String,
    pub is_bundle: bool,
    pub is_customer_visible: bool,
    /// The subscriber number.
    pub product_serial_number: String,
    /// `active`, `suspended`, `pendingTerminate` (disconnected) or `terminated`.
    pub status: String,
    pub order_date: Option<String>,
    pub start_date: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub termination_date: Option<String>,
    pub product_offering: Ref,
    pub billing_account: Ref,
    pub related_party: Vec<Ref>,
    pub product_term: Vec<ProductTerm>,
    pub product_price: Vec<ProductPrice>,
    /// contractStatus, channel, suspensionCause, device, imei, promotion, …
    pub product_characteristic: Vec<Characteristic>,
    #[serde(rename = "@type")]
    pub kind: String,
}

/// A new contract: the customer, the package offering, and optionally the
/// number, the commitment, the device and the promotion.
#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ProductCreate {
    /// `{market}.package.{id}`.
    pub product_offering: Ref,
    /// The customer, with role `customer` (or the only party given).
    pub related_party: Vec<Ref>,
    /// The number to use (a ported or chosen one); otherwise the next free one.
    pub product_serial_number: Option<String>,
    /// `commitment` with a duration in months.
    #[serde(default)]
    pub product_term: Vec<ProductTerm>,
    /// `channel` (store, distance, off_premises), `portedFrom`, `promotion`,
    /// `device`, `imei`, `devicePrice`, `instalments`, `externalId`, and the
    /// benefits a commitment is given for (CON-1): `deviceDiscount`,
    /// `serviceDiscount` (amounts).
    #[serde(default)]
    pub product_characteristic: Vec<Characteristic>,
}

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_products, create_product))
        .routes(routes!(get_product))
}

pub fn product_ref(base: &Base, contract_id: i64, number: &str) -> Ref {
    Ref::to(
        contract_id,
        base.href(INVENTORY_API, &format!("product/{contract_id}")),
        "Product",
    )
    .named(number.to_owned())
}

/// Reads what products need beyond the contract rows: catalogs and customers.
struct Context {
    catalogs: BTreeMap<String, Catalog>,
    names: BTreeMap<i64, String>,
}

impl Context {
    async fn load(state: &AppState, tx: &mut Tx, rows: &[ContractRow]) -> Result<Self, ApiError> {
        let mut catalogs = BTreeMap::new();
        let mut names = BTreeMap::new();
        for row in rows {
            if !catalogs.contains_key(&row.market) {
                let market = super::market(state, &row.market)?;
                catalogs.insert(row.market.clone(), state.app.catalog(tx, market).await?);
            }
            if let std::collections::btree_map::Entry::Vacant(entry) = names.entry(row.customer_id)
                && let Some(customer) = tx.customer(row.customer_id).await?
            {
                entry.insert(customer.name);
            }
        }
        Ok(Self { catalogs, names })
    }
}

async fn represent(
    state: &AppState,
    tx: &mut Tx,
    base: &Base,
    context: &Context,
    row: &ContractRow,
) -> Result<Product, ApiError> {
    let market = super::market(state, &row.market)?;
    let tz = &market.time_zone;
    let package = context
        .catalogs
        .get(&row.market)
        .and_then(|c| c.packages.iter().find(|p| p.id == row.package_id));
    let offering_id = format!("{}.package.{}", row.market, row.package_id);
    let package_name = package.map_or_else(|| row.package_id.clone(), |p| p.name.clone());
    let status = match row.status.as_str() {
        "disconnected" => "pendingTerminate",
        other => other,
    };
    let mut terms = Vec::new();
    if let (Some(months), Some(start)) = (row.commitment_months, &row.commitment_start) {
        terms.push(ProductTerm {
            name: "commitment".to_owned(),
            description: Some("minimum period of the contract (CON-2, CON-3)".to_owned()),
            duration: Quantity {
                amount: months as f64,
                units: "month".to_owned(),
            },
            valid_for: Some(TimePeriod::days(
                Some(start),
                row.commitment_end.as_deref(),
                tz,
            )),
        });
    }
    let mut characteristic = vec![
        Characteristic::text("contractStatus", &row.status),
        Characteristic::text("channel", &row.channel),
        Characteristic::text("market", &row.market),
    ];
    let optional = [
        ("suspensionCause", &row.suspension_cause),
        ("suspendedOn", &row.suspended_on),
        ("externalId", &row.handle),
        ("ownerSince", &row.owner_since),
    ];
    for (name, value) in optional {
        if let Some(value) = value {
            characteristic.push(Characteristic::text(name, value));
        }
    }
    for benefit in tx.benefits(row.id).await? {
        characteristic.push(Characteristic::text(
            &format!("benefit.{}", benefit.kind),
            tarifa_core::money::Money::from_minor(benefit.amount_minor, market.currency)
                .to_string(),
        ));
    }
    for sale in tx.device_sales(row.id).await? {
        characteristic.push(Characteristic::text("device", &sale.device_id));
        if let Some(imei) = &sale.imei {
            characteristic.push(Characteristic::text("imei", imei));
        }
    }
    if let Some(promotion) = tx.contract_promotions(row.id).await?.last() {
        characteristic.push(Characteristic::text("promotion", &promotion.offer));
        characteristic.push(Characteristic::text("promotionStatus", &promotion.status));
        characteristic.push(Characteristic::text(
            "promotionValidUntil",
            &promotion.valid_until,
        ));
    }
    let customer_name = context
        .names
        .get(&row.customer_id)
        .cloned()
        .unwrap_or_default();
    Ok(Product {
        id: row.id.to_string(),
        href: base.href(INVENTORY_API, &format!("product/{}", row.id)),
        name: format!("{package_name} · {}", row.number),
        is_bundle: false,
        is_customer_visible: true,
        product_serial_number: row.number.clone(),
        status: status.to_owned(),
        order_date: day_start(&row.signed_on, tz),
        start_date: day_start(&row.activated_on, tz),
        termination_date: row.ended_on.as_deref().and_then(|d| day_start(d, tz)),
        product_offering: Ref::to(
            &offering_id,
            base.href(CATALOG_API, &format!("productOffering/{offering_id}")),
            "ProductOffering",
        )
        .named(package_name.clone()),
        billing_account: account_ref(base, row.customer_id),
        related_party: vec![
            customer_ref(base, row.customer_id, &customer_name).as_role("customer"),
        ],
        product_term: terms,
        product_price: package
            .map(|p| {
                let price_id = format!("{offering_id}.monthly");
                vec![ProductPrice {
                    name: "monthly fee".to_owned(),
                    price_type: "recurring".to_owned(),
                    recurring_charge_period: "month".to_owned(),
                    price: Price {
                        tax_included_amount: Money::of(p.monthly_fee.minor(), market),
                    },
                    product_offering_price: Ref::to(
                        &price_id,
                        base.href(CATALOG_API, &format!("productOfferingPrice/{price_id}")),
                        "ProductOfferingPrice",
                    ),
                }]
            })
            .unwrap_or_default(),
        product_characteristic: characteristic,
        kind: "Product".to_owned(),
    })
}

/// Lists contracts (a subscriber sees only their own).
#[utoipa::path(get, path = "/product", tag = "TMF637 product inventory", params(ListParams, CustomerFilter),
    responses((status = 200, description = "A page of contracts", body = [Product],
        headers(("X-Total-Count" = i64), ("X-Result-Count" = i64)))))]
async fn list_products(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    base: Base,
    Query(params): Query<ListParams>,
    Query(filter): Query<CustomerFilter>,
) -> Result<Response, ApiError> {
    let mut tx = reader(&state, &principal).await?;
    let page = tx
        .list_contracts(scope(&principal, &filter)?, params.page())
        .await?;
    let context = Context::load(&state, &mut tx, &page.rows).await?;
    let mut items = Vec::with_capacity(page.rows.len());
    for row in &page.rows {
        items.push(represent(&state, &mut tx, &base, &context, row).await?);
    }
    Ok(listed(&items, page.total, params.fields.as_deref()))
}

/// A contract as its hub event carries it.
pub(crate) async fn find(
    state: &AppState,
    base: &Base,
    id: &str,
) -> Result<Box<serde_json::value::RawValue>, ApiError> {
    let id = numeric_id(id, "product")?;
    let product = product(state, &super::system(), base, id).await?;
    Ok(super::event_body(&product))
}

async fn product(
    state: &AppState,
    principal: &Principal,
    base: &Base,
    id: i64,
) -> Result<Product, ApiError> {
    let mut tx = reader(state, principal).await?;
    let row = tx
        .contract(id)
        .await?
        .filter(|row| sees(principal, row.customer_id))
        .ok_or_else(|| ApiError::not_found(format!("no product {id}")))?;
    let context = Context::load(state, &mut tx, std::slice::from_ref(&row)).await?;
    represent(state, &mut tx, base, &context, &row).await
}

/// One contract.
#[utoipa::path(get, path = "/product/{id}", tag = "TMF637 product inventory",
    params(("id" = String, Path, description = "The contract's id"), FieldParams),
    responses((status = 200, description = "The contract", body = Product)))]
async fn get_product(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    base: Base,
    Path(id): Path<String>,
    Query(params): Query<FieldParams>,
) -> Result<Response, ApiError> {
    let id = numeric_id(&id, "product")?;
    let product = product(&state, &principal, &base, id).await?;
    Ok(one(StatusCode::OK, &product, params.fields.as_deref()))
}

fn text(list: &[Characteristic], name: &str) -> Result<Option<String>, ApiError> {
    super::characteristic_text(list, "productCharacteristic", name)
}

/// Signs a contract for a customer (CON-1…8, DEV-1, CON-13, PRM-1): 201 with
/// the contract, or 422 with the rules that refuse it.
#[utoipa::path(post, path = "/product", tag = "TMF637 product inventory", request_body = ProductCreate,
    responses((status = 201, description = "The contract signed", body = Product)))]
async fn create_product(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    base: Base,
    JsonBody(create): JsonBody<ProductCreate>,
) -> Result<Response, ApiError> {
    allow(&principal, &[Role::Admin, Role::Agent])?;
    let create = create?;
    let party = create
        .related_party
        .iter()
        .find(|p| p.role.as_deref() == Some("customer"))
        .or(create.related_party.first())
        .ok_or_else(|| ApiError::bad_request("relatedParty: the customer is required"))?;
    let customer = visible_customer(&state, &principal, &party.id).await?;
    let (market, package) = create
        .product_offering
        .id
        .split_once(".package.")
        .ok_or_else(|| {
            ApiError::bad_request(format!(
                "productOffering.id: {:?} is not a package offering ({{market}}.package.{{id}})",
                create.product_offering.id
            ))
        })?;
    if market != customer.market {
        return Err(ApiError::bad_request(format!(
            "productOffering.id: the customer is in market {}, the offering in {market}",
            customer.market
        )));
    }
    let market = super::market(&state, market)?;
    let list = &create.product_characteristic;
    let commitment_months = match create.product_term.iter().find(|t| t.name == "commitment") {
        None => None,
        Some(term)
            if term.duration.units.starts_with("month")
                && term.duration.amount.fract() == 0.0
                && (0.0..=120.0).contains(&term.duration.amount) =>
        {
            Some(term.duration.amount as u32)
        }
        Some(_) => {
            return Err(ApiError::bad_request(
                "productTerm commitment: a whole number of months (0–120) is expected",
            ));
        }
    };
    let channel = match text(list, "channel")? {
        Some(text) => text
            .parse::<SalesChannel>()
            .map_err(|e| ApiError::bad_request(format!("productCharacteristic channel: {e}")))?,
        None => SalesChannel::Store,
    };
    let device = match text(list, "device")? {
        None => None,
        Some(device) => Some(DeviceInput {
            device,
            imei: text(list, "imei")?,
            price: text(list, "devicePrice")?
                .map(|p| {
                    tarifa_core::money::Money::parse_non_negative(&p, market.currency).map_err(
                        |e| {
                            ApiError::bad_request(format!("productCharacteristic devicePrice: {e}"))
                        },
                    )
                })
                .transpose()?,
            instalments: text(list, "instalments")?
                .map(|n| {
                    n.parse::<u32>().map_err(|_| {
                        ApiError::bad_request("productCharacteristic instalments: a whole number")
                    })
                })
                .transpose()?
                .unwrap_or(0),
        }),
    };
    let mut benefits = Vec::new();
    for (name, kind) in [
        ("deviceDiscount", BenefitKind::DeviceDiscount),
        ("serviceDiscount", BenefitKind::ServiceDiscount),
    ] {
        if let Some(amount) = text(list, name)? {
            let amount = tarifa_core::money::Money::parse_non_negative(&amount, market.currency)
                .map_err(|e| ApiError::bad_request(format!("productCharacteristic {name}: {e}")))?;
            benefits.push(Benefit { kind, amount });
        }
    }
    let request = SignRequest {
        customer_id: customer.id,
        handle: text(list, "externalId")?,
        package: package.to_owned(),
        number: create.product_serial_number.clone(),
        commitment_months,
        benefits,
        device,
        channel,
        ported_from: text(list, "portedFrom")?,
        promotion: text(list, "promotion")?,
    };
    let decided = state.app.sign_contract(&ctx(&principal), request).await?;
    let Some(id) = decided.value else {
        return Err(ApiError::refused(&decided.decision));
    };
    let product = product(&state, &principal, &base, id).await?;
    Ok(one(StatusCode::CREATED, &product, None))
}
