//! The catalog and price list (CAT-1, CAT-5): tariff packages with their
//! allowances and beyond-allowance rates, devices, price-list fees, and the
//! one-time charge categories of the bill.
//!
//! A catalog is written in TOML (`[[package]]`, `[[device]]`, `[[fee]]`) in a
//! market file or a scenario; the `*Spec` types are that text, checked and
//! turned into priced items by [`CatalogSpec::resolve`].

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::money::{Currency, Money, MoneyError};
use crate::names::snake_case_str;

/// An included quantity per billing period.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Allowance {
    Limited(u64),
    Unlimited,
}

impl Allowance {
    /// `-1` is unlimited, `0` none, `n` that many units.
    pub fn from_signed(value: i64) -> Option<Self> {
        match value {
            -1 => Some(Self::Unlimited),
            v if v >= 0 => Some(Self::Limited(v.unsigned_abs())),
            _ => None,
        }
    }

    pub fn as_signed(self) -> i64 {
        match self {
            Self::Unlimited => -1,
            Self::Limited(n) => i64::try_from(n).unwrap_or(i64::MAX),
        }
    }

    /// The allowance doubled (PRM-1); unlimited stays unlimited.
    pub fn times(self, factor: u64) -> Self {
        match self {
            Self::Unlimited => Self::Unlimited,
            Self::Limited(n) => Self::Limited(n.saturating_mul(factor)),
        }
    }
}

/// What a package includes each period (CAT-1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Allowances {
    /// National minutes.
    pub voice_min: Allowance,
    pub sms: Allowance,
    /// Megabytes of 1024 × 1024 bytes.
    pub data_mb: Allowance,
}

/// Beyond-allowance rates, VAT included, with as many decimals as the price
/// list has (rounded once per bill line).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rates {
    /// Per started minute of a national call beyond the allowance.
    #[serde(
        default,
        with = "rust_decimal::serde::str_option",
        skip_serializing_if = "Option::is_none"
    )]
    pub voice_min: Option<Decimal>,
    /// Per started minute of an international call (never from the allowance).
    #[serde(
        default,
        with = "rust_decimal::serde::str_option",
        skip_serializing_if = "Option::is_none"
    )]
    pub voice_intl_min: Option<Decimal>,
    #[serde(
        default,
        with = "rust_decimal::serde::str_option",
        skip_serializing_if = "Option::is_none"
    )]
    pub sms: Option<Decimal>,
    #[serde(
        default,
        with = "rust_decimal::serde::str_option",
        skip_serializing_if = "Option::is_none"
    )]
    pub sms_intl: Option<Decimal>,
    /// Per started MB beyond the allowance, summed over the period.
    #[serde(
        default,
        with = "rust_decimal::serde::str_option",
        skip_serializing_if = "Option::is_none"
    )]
    pub data_mb: Option<Decimal>,
    #[serde(
        default,
        with = "rust_decimal::serde::str_option",
        skip_serializing_if = "Option::is_none"
    )]
    pub roaming_voice_min: Option<Decimal>,
    #[serde(
        default,
        with = "rust_decimal::serde::str_option",
        skip_serializing_if = "Option::is_none"
    )]
    pub roaming_sms: Option<Decimal>,
    #[serde(
        default,
        with = "rust_decimal::serde::str_option",
        skip_serializing_if = "Option::is_none"
    )]
    pub roaming_data_mb: Option<Decimal>,
}

impl Rates {
    fn check(&self, path: &str) -> Result<(), CatalogError> {
        let all = [
            ("voice_min", self.voice_min),
            ("voice_intl_min", self.voice_intl_min),
            ("sms", self.sms),
            ("sms_intl", self.sms_intl),
            ("data_mb", self.data_mb),
            ("roaming_voice_min", self.roaming_voice_min),
            ("roaming_sms", self.roaming_sms),
            ("roaming_data_mb", self.roaming_data_mb),
        ];
        for (name, rate) in all {
            if rate.is_some_and(|r| r.is_sign_negative()) {
                return Err(CatalogError::field(
                    format!("{path}.rates.{name}"),
                    "a rate must not be negative",
                ));
            }
        }
        Ok(())
    }
}

/// A tariff package (CAT-1).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Package {
    pub id: String,
    pub name: String,
    pub monthly_fee: Money,
    pub allowances: Allowances,
    pub rates: Rates,
    /// May carry a promotion (PRM rules).
    pub promotion_eligible: bool,
    /// CON-3's exemption ("Digital welfare" packages keep their own terms).
    pub exempt_from_commitment_rule: bool,
    /// A public tariff offer (CON-3; NOT-1's closest public offer).
    pub public: bool,
    /// A prepaid package (UNL-7's route when flagged for it).
    pub prepaid: bool,
    /// UNL-7: buyers of a device with this prepaid package get the code on request.
    pub prepaid_unlock_route: bool,
    /// The service class of the package for VAT and dunning (e.g. mobile,
    /// telephone_line, internet_access, pbx, leased_line).
    pub service: String,
    /// Share of the monthly fee per VAT class other than the standard one
    /// (HU: internet access at 5 %), e.g. `{ internet_access = "0.40" }`.
    pub vat_split: BTreeMap<String, Decimal>,
    /// Withdrawn from sale: no new contracts, subscribers move (CAT-3).
    pub withdrawn: bool,
}

/// How a device is unlocked once eligible (UNL-12).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum UnlockMethod {
    /// A code from the manufacturer.
    #[default]
    Code,
    /// No code: usable in other networks within 24 hours after re-activation (Apple).
    Activation,
    /// Only the manufacturer's service can unlock it (2–3 weeks).
    ManufacturerService,
}

snake_case_str!(UnlockMethod {
    Code = "code",
    Activation = "activation",
    ManufacturerService = "manufacturer_service",
});

/// A device of the catalog: sold, or lent with fixed service (DEV-4).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Device {
    pub id: String,
    pub brand: String,
    pub model: String,
    pub retail_price: Money,
    /// Price under a commitment, when the catalog offers one.
    pub subsidised_price: Option<Money>,
    /// Terminal equipment lent to the subscriber and returned at the end (DEV-4).
    pub lent: bool,
    /// Locked to the network (DEV-2).
    pub sim_locked: bool,
    /// Extra fields an unlock request for this device must give (UNL-4).
    pub unlock_needs: Vec<String>,
    pub unlock_method: UnlockMethod,
}

/// The one-time charge categories of CAT-5, as the bill groups them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum OneTimeCategory {
    PremiumServices,
    CardActivation,
    ContentParking,
    TravelPack,
    DailyClick,
    AgreedSpend,
    Ivr,
    ClickAddOn,
    PrepaidCreditTransfer,
    OtherChargesCredits,
    CommitmentBuyOut,
    Penalties,
    ReconnectionAfterSettledDebt,
    FavouriteNumberChange,
    DeviceInstalment,
    ComputerEquipmentInstalment,
    ComputerEquipment,
    ComputerEquipmentInInstalments,
    Device,
    DeviceWithoutTax,
    DeviceInInstalments,
    SmsViaOutlook,
    SmsAdvertising,
    Itemisation9000,
    ItemisationOnRequest,
    SpecialNumber,
    SpeedBoost,
    IpAddOn,
    PortalServices,
    NumberChangeOnRequest,
    SimReplacement,
}

snake_case_str!(OneTimeCategory {
    PremiumServices = "premium_services",
    CardActivation = "card_activation",
    ContentParking = "content_parking",
    TravelPack = "travel_pack",
    DailyClick = "daily_click",
    AgreedSpend = "agreed_spend",
    Ivr = "ivr",
    ClickAddOn = "click_add_on",
    PrepaidCreditTransfer = "prepaid_credit_transfer",
    OtherChargesCredits = "other_charges_credits",
    CommitmentBuyOut = "commitment_buy_out",
    Penalties = "penalties",
    ReconnectionAfterSettledDebt = "reconnection_after_settled_debt",
    FavouriteNumberChange = "favourite_number_change",
    DeviceInstalment = "device_instalment",
    ComputerEquipmentInstalment = "computer_equipment_instalment",
    ComputerEquipment = "computer_equipment",
    ComputerEquipmentInInstalments = "computer_equipment_in_instalments",
    Device = "device",
    DeviceWithoutTax = "device_without_tax",
    DeviceInInstalments = "device_in_instalments",
    SmsViaOutlook = "sms_via_outlook",
    SmsAdvertising = "sms_advertising",
    Itemisation9000 = "itemisation_9000",
    ItemisationOnRequest = "itemisation_on_request",
    SpecialNumber = "special_number",
    SpeedBoost = "speed_boost",
    IpAddOn = "ip_add_on",
    PortalServices = "portal_services",
    NumberChangeOnRequest = "number_change_on_request",
    SimReplacement = "sim_replacement",
});

impl OneTimeCategory {
    pub const ALL: [OneTimeCategory; 31] = [
        Self::PremiumServices,
        Self::CardActivation,
        Self::ContentParking,
        Self::TravelPack,
        Self::DailyClick,
        Self::AgreedSpend,
        Self::Ivr,
        Self::ClickAddOn,
        Self::PrepaidCreditTransfer,
        Self::OtherChargesCredits,
        Self::CommitmentBuyOut,
        Self::Penalties,
        Self::ReconnectionAfterSettledDebt,
        Self::FavouriteNumberChange,
        Self::DeviceInstalment,
        Self::ComputerEquipmentInstalment,
        Self::ComputerEquipment,
        Self::ComputerEquipmentInInstalments,
        Self::Device,
        Self::DeviceWithoutTax,
        Self::DeviceInInstalments,
        Self::SmsViaOutlook,
        Self::SmsAdvertising,
        Self::Itemisation9000,
        Self::ItemisationOnRequest,
        Self::SpecialNumber,
        Self::SpeedBoost,
        Self::IpAddOn,
        Self::PortalServices,
        Self::NumberChangeOnRequest,
        Self::SimReplacement,
    ];
}

/// A resolved catalog: every item priced in the market's currency.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Catalog {
    pub packages: Vec<Package>,
    pub devices: Vec<Device>,
    /// Price-list fees by kind (reconnection, relocation, number_change, …).
    pub fees: BTreeMap<String, Money>,
    pub promotions: Vec<PromotionOffer>,
}

/// A promotion the market offers with a renewal (PRM-1): what it multiplies
/// or discounts while a contract carries it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PromotionOffer {
    pub id: String,
    pub name: String,
    /// Factors on the package's allowances (1 = unchanged; "double internet": data 2).
    pub data_factor: u32,
    pub voice_factor: u32,
    pub sms_factor: u32,
    /// Percent off the monthly fee (0 = none).
    pub fee_discount_percent: Decimal,
}

impl Catalog {
    pub fn package(&self, id: &str) -> Option<&Package> {
        self.packages.iter().find(|p| p.id == id)
    }

    pub fn device(&self, id: &str) -> Option<&Device> {
        self.devices.iter().find(|d| d.id == id)
    }

    /// The public offer closest to a package (NOT-1, CAT-3): a public,
    /// unwithdrawn, postpaid package of the same service whose monthly fee
    /// is nearest; the package itself counts unless `other_than_itself`.
    pub fn closest_public_package(
        &self,
        package_id: &str,
        other_than_itself: bool,
    ) -> Option<&Package> {
        let current = self.package(package_id)?;
        self.packages
            .iter()
            .filter(|p| p.public && !p.withdrawn && !p.prepaid && p.service == current.service)
            .filter(|p| !(other_than_itself && p.id == current.id))
            .min_by_key(|p| {
                (
                    (p.monthly_fee.minor() - current.monthly_fee.minor()).abs(),
                    p.id != current.id,
                )
            })
    }

    pub fn fee(&self, kind: &str) -> Option<Money> {
        self.fees.get(kind).copied()
    }

    pub fn promotion(&self, id: &str) -> Option<&PromotionOffer> {
        self.promotions.iter().find(|p| p.id == id)
    }

    /// Adds or replaces items: an item with the id of an existing one replaces it.
    pub fn merge(&mut self, other: Catalog) {
        for package in other.packages {
            match self.packages.iter_mut().find(|p| p.id == package.id) {
                Some(slot) => *slot = package,
                None => self.packages.push(package),
            }
        }
        for device in other.devices {
            match self.devices.iter_mut().find(|d| d.id == device.id) {
                Some(slot) => *slot = device,
                None => self.devices.push(device),
            }
        }
        self.fees.extend(other.fees);
        for promotion in other.promotions {
            match self.promotions.iter_mut().find(|p| p.id == promotion.id) {
                Some(slot) => *slot = promotion,
                None => self.promotions.push(promotion),
            }
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {reason}")]
pub struct CatalogError {
    /// The TOML path of the offending field, e.g. `package[2].monthly_fee`.
    pub field: String,
    pub reason: String,
}

impl CatalogError {
    pub fn field(field: impl Into<String>, reason: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            reason: reason.into(),
        }
    }
}

fn money(field: String, text: &str, currency: Currency) -> Result<Money, CatalogError> {
    Money::parse_non_negative(text, currency)
        .map_err(|e: MoneyError| CatalogError::field(field, e.to_string()))
}

/// A `[[package]]` as written.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PackageSpec {
    pub id: String,
    #[serde(default)]
    pub name: Option<String>,
    pub monthly_fee: String,
    /// Included national minutes (0 = none, -1 = unlimited).
    #[serde(default)]
    pub voice_min: i64,
    #[serde(default)]
    pub sms: i64,
    /// Included MB (omitted or -1 = unlimited).
    #[serde(default)]
    pub data_mb: Option<i64>,
    #[serde(default)]
    pub rates: Rates,
    #[serde(default)]
    pub promotion_eligible: bool,
    #[serde(default)]
    pub exempt_from_commitment_rule: bool,
    #[serde(default = "yes")]
    pub public: bool,
    #[serde(default)]
    pub prepaid: bool,
    #[serde(default)]
    pub prepaid_unlock_route: bool,
    #[serde(default = "mobile")]
    pub service: String,
    #[serde(default)]
    pub vat_split: BTreeMap<String, Decimal>,
    #[serde(default)]
    pub withdrawn: bool,
}

fn yes() -> bool {
    true
}

fn mobile() -> String {
    "mobile".to_owned()
}

/// A `[[device]]` as written.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct DeviceSpec {
    pub id: String,
    pub brand: String,
    #[serde(default)]
    pub model: Option<String>,
    pub retail_price: String,
    #[serde(default)]
    pub subsidised_price: Option<String>,
    #[serde(default)]
    pub lent: bool,
    #[serde(default)]
    pub sim_locked: Option<bool>,
    #[serde(default)]
    pub unlock_needs: Vec<String>,
    #[serde(default)]
    pub unlock_method: Option<UnlockMethod>,
}

/// A `[[fee]]` as written: the fee `kind` and its amount.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct FeeSpec {
    pub id: String,
    pub amount: String,
}

/// A `[[promotion]]` as written.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PromotionSpec {
    pub id: String,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default = "one")]
    pub data_factor: u32,
    #[serde(default = "one")]
    pub voice_factor: u32,
    #[serde(default = "one")]
    pub sms_factor: u32,
    #[serde(default)]
    pub fee_discount_percent: Decimal,
}

fn one() -> u32 {
    1
}

/// The catalog part of a market file or scenario.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
pub struct CatalogSpec {
    #[serde(default)]
    pub package: Vec<PackageSpec>,
    #[serde(default)]
    pub device: Vec<DeviceSpec>,
    #[serde(default)]
    pub fee: Vec<FeeSpec>,
    #[serde(default)]
    pub promotion: Vec<PromotionSpec>,
}

/// Extra request fields a device may need (UNL-4, UNL-7, UNL-10).
pub const UNLOCK_FIELDS: &[&str] = &[
    "software_version",
    "reference_number",
    "purchase_date",
    "fiscal_register_number",
    "fiscal_receipt_number",
    "service_report",
];

/// VAT classes besides the standard one a package may split its fee into.
fn check_share(path: &str, class: &str, share: Decimal) -> Result<(), CatalogError> {
    if share.is_sign_negative() || share > Decimal::ONE {
        return Err(CatalogError::field(
            format!("{path}.vat_split.{class}"),
            "a share of the monthly fee is between 0 and 1",
        ));
    }
    Ok(())
}

impl CatalogSpec {
    /// Checks every field and prices the items in `currency`. `vat_classes` are
    /// the classes the market defines (a split into another one is refused).
    pub fn resolve(
        &self,
        currency: Currency,
        vat_classes: &[&str],
    ) -> Result<Catalog, CatalogError> {
        let mut catalog = Catalog::default();
        for (i, p) in self.package.iter().enumerate() {
            let path = format!("package[{i}]");
            check_id(&format!("{path}.id"), &p.id)?;
            if self.package[..i].iter().any(|q| q.id == p.id) {
                return Err(CatalogError::field(
                    format!("{path}.id"),
                    format!("package {:?} is defined twice", p.id),
                ));
            }
            let allowance = |field: &str, value: i64| {
                Allowance::from_signed(value).ok_or_else(|| {
                    CatalogError::field(
                        format!("{path}.{field}"),
                        "an allowance is -1 (unlimited), 0 (none) or a positive number",
                    )
                })
            };
            let allowances = Allowances {
                voice_min: allowance("voice_min", p.voice_min)?,
                sms: allowance("sms", p.sms)?,
                data_mb: allowance("data_mb", p.data_mb.unwrap_or(-1))?,
            };
            p.rates.check(&path)?;
            let mut share_total = Decimal::ZERO;
            for (class, share) in &p.vat_split {
                if !vat_classes.contains(&class.as_str()) {
                    return Err(CatalogError::field(
                        format!("{path}.vat_split.{class}"),
                        format!(
                            "the market has no VAT class {class:?} (it has: {})",
                            vat_classes.join(", ")
                        ),
                    ));
                }
                check_share(&path, class, *share)?;
                share_total += *share;
            }
            if share_total > Decimal::ONE {
                return Err(CatalogError::field(
                    format!("{path}.vat_split"),
                    "the shares add up to more than 1",
                ));
            }
            if p.service.trim().is_empty() {
                return Err(CatalogError::field(
                    format!("{path}.service"),
                    "a service class is required",
                ));
            }
            catalog.packages.push(Package {
                id: p.id.clone(),
                name: p.name.clone().unwrap_or_else(|| p.id.clone()),
                monthly_fee: money(format!("{path}.monthly_fee"), &p.monthly_fee, currency)?,
                allowances,
                rates: p.rates.clone(),
                promotion_eligible: p.promotion_eligible,
                exempt_from_commitment_rule: p.exempt_from_commitment_rule,
                public: p.public,
                prepaid: p.prepaid,
                prepaid_unlock_route: p.prepaid_unlock_route,
                service: p.service.clone(),
                vat_split: p.vat_split.clone(),
                withdrawn: p.withdrawn,
            });
        }
        for (i, d) in self.device.iter().enumerate() {
            let path = format!("device[{i}]");
            check_id(&format!("{path}.id"), &d.id)?;
            if self.device[..i].iter().any(|q| q.id == d.id) {
                return Err(CatalogError::field(
                    format!("{path}.id"),
                    format!("device {:?} is defined twice", d.id),
                ));
            }
            for need in &d.unlock_needs {
                if !UNLOCK_FIELDS.contains(&need.as_str()) {
                    return Err(CatalogError::field(
                        format!("{path}.unlock_needs"),
                        format!(
                            "{need:?} is not a request field (known: {})",
                            UNLOCK_FIELDS.join(", ")
                        ),
                    ));
                }
            }
            let retail_price = money(format!("{path}.retail_price"), &d.retail_price, currency)?;
            let subsidised_price = d
                .subsidised_price
                .as_deref()
                .map(|s| money(format!("{path}.subsidised_price"), s, currency))
                .transpose()?;
            if subsidised_price.is_some_and(|s| s.minor() > retail_price.minor()) {
                return Err(CatalogError::field(
                    format!("{path}.subsidised_price"),
                    "the subsidised price is above the retail price",
                ));
            }
            let unlock_method =
                d.unlock_method
                    .unwrap_or(if d.brand.eq_ignore_ascii_case("apple") {
                        UnlockMethod::Activation
                    } else {
                        UnlockMethod::Code
                    });
            catalog.devices.push(Device {
                id: d.id.clone(),
                brand: d.brand.clone(),
                model: d.model.clone().unwrap_or_else(|| d.id.clone()),
                retail_price,
                subsidised_price,
                lent: d.lent,
                // Lent equipment is the operator's and is not locked to a SIM.
                sim_locked: d.sim_locked.unwrap_or(!d.lent),
                unlock_needs: d.unlock_needs.clone(),
                unlock_method,
            });
        }
        for (i, f) in self.fee.iter().enumerate() {
            let path = format!("fee[{i}]");
            check_id(&format!("{path}.id"), &f.id)?;
            let amount = money(format!("{path}.amount"), &f.amount, currency)?;
            if catalog.fees.insert(f.id.clone(), amount).is_some() {
                return Err(CatalogError::field(
                    format!("{path}.id"),
                    format!("fee {:?} is defined twice", f.id),
                ));
            }
        }
        for (i, p) in self.promotion.iter().enumerate() {
            let path = format!("promotion[{i}]");
            check_id(&format!("{path}.id"), &p.id)?;
            if self.promotion[..i].iter().any(|q| q.id == p.id) {
                return Err(CatalogError::field(
                    format!("{path}.id"),
                    format!("promotion {:?} is defined twice", p.id),
                ));
            }
            for (name, factor) in [
                ("data_factor", p.data_factor),
                ("voice_factor", p.voice_factor),
                ("sms_factor", p.sms_factor),
            ] {
                if factor == 0 {
                    return Err(CatalogError::field(
                        format!("{path}.{name}"),
                        "a factor is at least 1 (1 leaves the allowance as it is)",
                    ));
                }
            }
            if p.fee_discount_percent.is_sign_negative()
                || p.fee_discount_percent > Decimal::ONE_HUNDRED
            {
                return Err(CatalogError::field(
                    format!("{path}.fee_discount_percent"),
                    "a discount is between 0 and 100 percent",
                ));
            }
            catalog.promotions.push(PromotionOffer {
                id: p.id.clone(),
                name: p.name.clone().unwrap_or_else(|| p.id.clone()),
                data_factor: p.data_factor,
                voice_factor: p.voice_factor,
                sms_factor: p.sms_factor,
                fee_discount_percent: p.fee_discount_percent,
            });
        }
        Ok(catalog)
    }
}

fn check_id(field: &str, id: &str) -> Result<(), CatalogError> {
    let ok = !id.is_empty()
        && id.len() <= 64
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '+'));
    if ok {
        Ok(())
    } else {
        Err(CatalogError::field(
            field,
            format!("{id:?} is not an id: use 1–64 letters, digits, '-', '_', '.' or '+'"),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eur() -> Currency {
        Currency::new("EUR", 2).expect("valid")
    }

    fn spec(text: &str) -> CatalogSpec {
        toml::from_str(text).expect("parses")
    }

    #[test]
    fn resolves_the_scenario_schema() {
        let catalog = spec(
            r#"
            [[package]]
            id = "fiber-100"
            monthly_fee = "25.00"
            voice_min = 100
            sms = 0
            data_mb = 0
            rates = { voice_min = "0.20", sms = "0.05", data_mb = "0.0125" }
            promotion_eligible = true

            [[device]]
            id = "router-ax"
            brand = "ZTE"
            retail_price = "90.00"
            lent = true

            [[fee]]
            id = "reconnection"
            amount = "10.00"
            "#,
        )
        .resolve(eur(), &[])
        .expect("valid");
        let p = catalog.package("fiber-100").expect("present");
        assert_eq!(p.monthly_fee.to_string(), "25.00");
        assert_eq!(p.allowances.voice_min, Allowance::Limited(100));
        assert_eq!(p.allowances.data_mb, Allowance::Limited(0));
        assert_eq!(
            p.rates.data_mb.map(|r| r.to_string()),
            Some("0.0125".into())
        );
        let d = catalog.device("router-ax").expect("present");
        assert!(d.lent && !d.sim_locked);
        assert_eq!(
            catalog.fee("reconnection").map(|m| m.to_string()),
            Some("10.00".into())
        );
    }

    #[test]
    fn data_omitted_is_unlimited() {
        let catalog = spec("[[package]]\nid = \"x\"\nmonthly_fee = \"1\"\n")
            .resolve(eur(), &[])
            .expect("valid");
        assert_eq!(catalog.packages[0].allowances.data_mb, Allowance::Unlimited);
        assert_eq!(
            catalog.packages[0].allowances.voice_min,
            Allowance::Limited(0)
        );
    }

    #[test]
    fn errors_name_the_field() {
        let err = spec("[[package]]\nid = \"x\"\nmonthly_fee = \"1.999\"\n")
            .resolve(eur(), &[])
            .expect_err("bad fee");
        assert_eq!(err.field, "package[0].monthly_fee");
        let err = spec("[[package]]\nid = \"x\"\nmonthly_fee = \"1\"\nsms = -5\n")
            .resolve(eur(), &[])
            .expect_err("bad sms");
        assert_eq!(err.field, "package[0].sms");
        let err = spec("[[package]]\nid = \"x\"\nmonthly_fee = \"1\"\nvat_split = { internet_access = \"0.5\" }\n")
            .resolve(eur(), &[])
            .expect_err("no such class");
        assert_eq!(err.field, "package[0].vat_split.internet_access");
        let err = spec("[[device]]\nid = \"p\"\nbrand = \"Alcatel\"\nretail_price = \"1\"\nunlock_needs = [\"colour\"]\n")
            .resolve(eur(), &[])
            .expect_err("unknown need");
        assert_eq!(err.field, "device[0].unlock_needs");
        assert!(
            toml::from_str::<CatalogSpec>(
                "[[package]]\nid = \"x\"\nmonthly_fee = \"1\"\nfoo = 1\n"
            )
            .is_err()
        );
    }

    #[test]
    fn merge_replaces_by_id() {
        let mut base = spec("[[package]]\nid = \"a\"\nmonthly_fee = \"1\"\n[[package]]\nid = \"b\"\nmonthly_fee = \"2\"\n")
            .resolve(eur(), &[])
            .expect("valid");
        let extra = spec("[[package]]\nid = \"a\"\nmonthly_fee = \"5\"\n")
            .resolve(eur(), &[])
            .expect("valid");
        base.merge(extra);
        assert_eq!(base.packages.len(), 2);
        assert_eq!(base.package("a").map(|p| p.monthly_fee.minor()), Some(500));
    }
}
