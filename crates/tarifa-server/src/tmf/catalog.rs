//! TMF620 Product Catalog: each market's packages, devices, promotions and
//! price-list fees as product offerings, and their prices as product offering
//! prices. Ids are `{market}.{kind}.{id}` (kind: package, device, promotion,
//! fee); prices add what they price (`.monthly`, `.voice_min`, `.retail`, …).

use axum::extract::{Extension, Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Serialize;
use tarifa_app::tokens::Principal;
use tarifa_core::catalog::{Allowance, Catalog};
use tarifa_core::market::Market;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{Base, CATALOG_API, FieldParams, ListParams, Money, Ref, listed, one, reader};
use crate::{ApiError, AppState};

/// A value a product specification characteristic takes.
#[derive(Clone, Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CharacteristicValue {
    pub value: serde_json::Value,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unit_of_measure: Option<String>,
}

/// A characteristic of the offer (an allowance, a flag).
#[derive(Clone, Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CharacteristicValueUse {
    pub name: String,
    pub value_type: String,
    pub product_spec_characteristic_value: Vec<CharacteristicValue>,
}

/// A product offering (TMF620): a package, device, promotion or fee.
#[derive(Clone, Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ProductOffering {
    pub id: String,
    pub href: String,
    pub name: String,
    pub description: String,
    pub is_bundle: bool,
    /// Withdrawn packages are not sold (CAT-3); fees are not sold on their own.
    pub is_sellable: bool,
    /// `Launched` or `Retired`.
    pub lifecycle_status: String,
    /// The market's id.
    pub category: Vec<Ref>,
    pub prod_spec_char_value_use: Vec<CharacteristicValueUse>,
    pub product_offering_price: Vec<Ref>,
    #[serde(rename = "@type")]
    pub kind: String,
}

/// A price of an offering (TMF620).
#[derive(Clone, Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ProductOfferingPrice {
    pub id: String,
    pub href: String,
    pub name: String,
    pub description: String,
    pub is_bundle: bool,
    pub lifecycle_status: String,
    /// `recurring`, `oneTime` or `usage`.
    pub price_type: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recurring_charge_period_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recurring_charge_period_length: Option<i64>,
    /// VAT included, as the price list states it.
    pub price: Money,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unit_of_measure: Option<Quantity>,
    #[serde(rename = "@type")]
    pub kind: String,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Quantity {
    pub amount: f64,
    pub units: String,
}

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_offerings))
        .routes(routes!(get_offering))
        .routes(routes!(list_prices))
        .routes(routes!(get_price))
}

/// Every offering and price of a market's current catalog.
fn entries(
    base: &Base,
    market: &Market,
    catalog: &Catalog,
) -> (Vec<ProductOffering>, Vec<ProductOfferingPrice>) {
    let m = &market.id;
    let mut offerings = Vec::new();
    let mut prices = Vec::new();
    let category = vec![
        Ref::to(
            m,
            base.href(CATALOG_API, &format!("category/{m}")),
            "Category",
        )
        .named(market.name.clone()),
    ];
    let price =
        |id: String, name: String, price_type: &str, money: Money, unit: Option<Quantity>| {
            let recurring = price_type == "recurring";
            ProductOfferingPrice {
                href: base.href(CATALOG_API, &format!("productOfferingPrice/{id}")),
                id,
                description: name.clone(),
                name,
                is_bundle: false,
                lifecycle_status: "Launched".to_owned(),
                price_type: price_type.to_owned(),
                recurring_charge_period_type: recurring.then(|| "month".to_owned()),
                recurring_charge_period_length: recurring.then_some(1),
                price: money,
                unit_of_measure: unit,
                kind: "ProductOfferingPrice".to_owned(),
            }
        };
    let price_ref = |p: &ProductOfferingPrice| {
        Ref::to(&p.id, p.href.clone(), "ProductOfferingPrice").named(p.name.clone())
    };
    let offering = |id: String,
                    name: String,
                    description: String,
                    sellable: bool,
                    uses: Vec<CharacteristicValueUse>,
                    refs: Vec<Ref>| ProductOffering {
        href: base.href(CATALOG_API, &format!("productOffering/{id}")),
        id,
        name,
        description,
        is_bundle: false,
        is_sellable: sellable,
        lifecycle_status: if sellable { "Launched" } else { "Retired" }.to_owned(),
        category: category.clone(),
        prod_spec_char_value_use: uses,
        product_offering_price: refs,
        kind: "ProductOffering".to_owned(),
    };
    let allowance = |name: &str, allowance: Allowance, unit: &str| CharacteristicValueUse {
        name: name.to_owned(),
        value_type: "integer".to_owned(),
        product_spec_characteristic_value: vec![CharacteristicValue {
            // -1 is unlimited, as in the catalog files.
            value: serde_json::Value::from(allowance.as_signed()),
            unit_of_measure: Some(unit.to_owned()),
        }],
    };
    let flag = |name: &str, value: bool| CharacteristicValueUse {
        name: name.to_owned(),
        value_type: "boolean".to_owned(),
        product_spec_characteristic_value: vec![CharacteristicValue {
            value: serde_json::Value::Bool(value),
            unit_of_measure: None,
        }],
    };
    for package in &catalog.packages {
        let id = format!("{m}.package.{}", package.id);
        let mut own = vec![price(
            format!("{id}.monthly"),
            format!("{}: monthly fee", package.name),
            "recurring",
            Money::of(package.monthly_fee.minor(), market),
            None,
        )];
        if let Ok(serde_json::Value::Object(rates)) = serde_json::to_value(&package.rates) {
            for (rate, value) in rates {
                let Some(text) = value.as_str() else { continue };
                let unit = if rate.ends_with("_min") {
                    "min"
                } else if rate.ends_with("_mb") {
                    "MB"
                } else {
                    "message"
                };
                own.push(price(
                    format!("{id}.{rate}"),
                    format!("{}: {rate} rate", package.name),
                    "usage",
                    Money {
                        unit: market.currency.code().to_owned(),
                        value: text.parse().unwrap_or_default(),
                    },
                    Some(Quantity {
                        amount: 1.0,
                        units: unit.to_owned(),
                    }),
                ));
            }
        }
        let uses = vec![
            allowance("voiceAllowance", package.allowances.voice_min, "min"),
            allowance("smsAllowance", package.allowances.sms, "message"),
            allowance("dataAllowance", package.allowances.data_mb, "MB"),
            flag("promotionEligible", package.promotion_eligible),
            flag("prepaid", package.prepaid),
            flag("public", package.public),
        ];
        offerings.push(offering(
            id,
            package.name.clone(),
            format!("{} package ({})", package.service, market.name),
            !package.withdrawn,
            uses,
            own.iter().map(price_ref).collect(),
        ));
        prices.extend(own);
    }
    for device in &catalog.devices {
        let id = format!("{m}.device.{}", device.id);
        let name = format!("{} {}", device.brand, device.model);
        let mut own = vec![price(
            format!("{id}.retail"),
            format!("{name}: retail price"),
            "oneTime",
            Money::of(device.retail_price.minor(), market),
            None,
        )];
        if let Some(subsidised) = device.subsidised_price {
            own.push(price(
                format!("{id}.subsidised"),
                format!("{name}: price with a commitment"),
                "oneTime",
                Money::of(subsidised.minor(), market),
                None,
            ));
        }
        offerings.push(offering(
            id,
            name,
            "device".to_owned(),
            true,
            vec![
                flag("simLocked", device.sim_locked),
                flag("lent", device.lent),
            ],
            own.iter().map(price_ref).collect(),
        ));
        prices.extend(own);
    }
    for promotion in &catalog.promotions {
        let id = format!("{m}.promotion.{}", promotion.id);
        let factor = |name: &str, value: u32| CharacteristicValueUse {
            name: name.to_owned(),
            value_type: "integer".to_owned(),
            product_spec_characteristic_value: vec![CharacteristicValue {
                value: serde_json::Value::from(value),
                unit_of_measure: None,
            }],
        };
        offerings.push(offering(
            id,
            promotion.name.clone(),
            "promotion with a renewal (PRM-1)".to_owned(),
            true,
            vec![
                factor("dataFactor", promotion.data_factor),
                factor("voiceFactor", promotion.voice_factor),
                factor("smsFactor", promotion.sms_factor),
                CharacteristicValueUse {
                    name: "feeDiscountPercent".to_owned(),
                    value_type: "number".to_owned(),
                    product_spec_characteristic_value: vec![CharacteristicValue {
                        value: serde_json::Value::from(
                            promotion
                                .fee_discount_percent
                                .to_string()
                                .parse::<f64>()
                                .unwrap_or_default(),
                        ),
                        unit_of_measure: Some("%".to_owned()),
                    }],
                },
            ],
            Vec::new(),
        ));
    }
    for (kind, amount) in &catalog.fees {
        let id = format!("{m}.fee.{kind}");
        let own = price(
            format!("{id}.price"),
            format!("{kind} fee"),
            "oneTime",
            Money::of(amount.minor(), market),
            None,
        );
        offerings.push(offering(
            id,
            format!("{kind} fee"),
            "a price-list fee (CAT-5)".to_owned(),
            false,
            Vec::new(),
            vec![price_ref(&own)],
        ));
        prices.push(own);
    }
    (offerings, prices)
}

async fn whole_catalog(
    state: &AppState,
    principal: &Principal,
    base: &Base,
) -> Result<(Vec<ProductOffering>, Vec<ProductOfferingPrice>), ApiError> {
    let mut tx = reader(state, principal).await?;
    let mut offerings = Vec::new();
    let mut prices = Vec::new();
    for market in state.app.markets() {
        let catalog = state.app.catalog(&mut tx, market).await?;
        let (o, p) = entries(base, market, &catalog);
        offerings.extend(o);
        prices.extend(p);
    }
    Ok((offerings, prices))
}

fn page<T: Serialize>(items: &[T], params: &ListParams) -> Response {
    let page = params.page();
    let start = usize::try_from(page.offset)
        .unwrap_or(usize::MAX)
        .min(items.len());
    let end = start
        .saturating_add(usize::try_from(page.limit).unwrap_or(0))
        .min(items.len());
    listed(
        &items[start..end],
        i64::try_from(items.len()).unwrap_or(i64::MAX),
        params.fields.as_deref(),
    )
}

/// Lists the offerings of every market.
#[utoipa::path(get, path = "/productOffering", tag = "TMF620 product catalog", params(ListParams),
    responses((status = 200, description = "A page of offerings", body = [ProductOffering],
        headers(("X-Total-Count" = i64), ("X-Result-Count" = i64)))))]
async fn list_offerings(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    base: Base,
    Query(params): Query<ListParams>,
) -> Result<Response, ApiError> {
    let (offerings, _) = whole_catalog(&state, &principal, &base).await?;
    Ok(page(&offerings, &params))
}

/// One offering.
#[utoipa::path(get, path = "/productOffering/{id}", tag = "TMF620 product catalog",
    params(("id" = String, Path, description = "`{market}.{kind}.{id}`, e.g. `rs.package.mobile-1590`"), FieldParams),
    responses((status = 200, description = "The offering", body = ProductOffering)))]
async fn get_offering(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    base: Base,
    Path(id): Path<String>,
    Query(params): Query<FieldParams>,
) -> Result<Response, ApiError> {
    let (offerings, _) = whole_catalog(&state, &principal, &base).await?;
    let offering = offerings
        .iter()
        .find(|o| o.id == id)
        .ok_or_else(|| ApiError::not_found(format!("no product offering {id:?}")))?;
    Ok(one(StatusCode::OK, offering, params.fields.as_deref()))
}

/// Lists the prices of every market.
#[utoipa::path(get, path = "/productOfferingPrice", tag = "TMF620 product catalog", params(ListParams),
    responses((status = 200, description = "A page of prices", body = [ProductOfferingPrice],
        headers(("X-Total-Count" = i64), ("X-Result-Count" = i64)))))]
async fn list_prices(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    base: Base,
    Query(params): Query<ListParams>,
) -> Result<Response, ApiError> {
    let (_, prices) = whole_catalog(&state, &principal, &base).await?;
    Ok(page(&prices, &params))
}

/// One price.
#[utoipa::path(get, path = "/productOfferingPrice/{id}", tag = "TMF620 product catalog",
    params(("id" = String, Path, description = "e.g. `rs.package.mobile-1590.monthly`"), FieldParams),
    responses((status = 200, description = "The price", body = ProductOfferingPrice)))]
async fn get_price(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    base: Base,
    Path(id): Path<String>,
    Query(params): Query<FieldParams>,
) -> Result<Response, ApiError> {
    let (_, prices) = whole_catalog(&state, &principal, &base).await?;
    let price = prices
        .iter()
        .find(|p| p.id == id)
        .ok_or_else(|| ApiError::not_found(format!("no product offering price {id:?}")))?;
    Ok(one(StatusCode::OK, price, params.fields.as_deref()))
}
