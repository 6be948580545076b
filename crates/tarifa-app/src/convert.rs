//! Rows of the store ↔ types of the core.

use std::collections::BTreeMap;

use jiff::civil::Date;
use rust_decimal::Decimal;
use tarifa_core::catalog::{
    Allowance, Allowances, Catalog, Device, Package, PromotionOffer, Rates, UnlockMethod,
};
use tarifa_core::contract::{
    Benefit, BenefitKind, Commitment, Contract, ContractStatus, DeviceHandover, SalesChannel,
    SignedTerms,
};
use tarifa_core::market::Market;
use tarifa_core::money::Money;
use tarifa_core::party::{DirectoryListing, IdDocumentKind, Party, PartyKind, Residency};
use tarifa_store::{
    BenefitRow, ContractRow, CustomerRow, DeviceRow, FeeRow, PackageRow, PromotionOfferRow,
    StoreError, Tx,
};

use crate::Result;

fn corrupt(what: &'static str, detail: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt {
        what,
        detail: detail.to_string(),
    }
}

pub(crate) fn date(what: &'static str, text: &str) -> Result<Date, StoreError> {
    text.parse()
        .map_err(|e| corrupt(what, format!("{text:?}: {e}")))
}

pub(crate) fn opt_date(what: &'static str, text: Option<&str>) -> Result<Option<Date>, StoreError> {
    text.map(|t| date(what, t)).transpose()
}

fn parse<T: std::str::FromStr<Err = String>>(
    what: &'static str,
    text: &str,
) -> Result<T, StoreError> {
    text.parse().map_err(|e: String| corrupt(what, e))
}

pub(crate) async fn store_catalog(tx: &mut Tx, market: &Market, catalog: &Catalog) -> Result<()> {
    for p in &catalog.packages {
        tx.upsert_package(&PackageRow {
            market: market.id.clone(),
            id: p.id.clone(),
            name: p.name.clone(),
            monthly_fee_minor: p.monthly_fee.minor(),
            voice_min: p.allowances.voice_min.as_signed(),
            sms: p.allowances.sms.as_signed(),
            data_mb: p.allowances.data_mb.as_signed(),
            rates: serde_json::to_string(&p.rates).unwrap_or_else(|_| "{}".into()),
            promotion_eligible: p.promotion_eligible,
            exempt_from_commitment_rule: p.exempt_from_commitment_rule,
            public: p.public,
            prepaid: p.prepaid,
            prepaid_unlock_route: p.prepaid_unlock_route,
            service: p.service.clone(),
            vat_split: serde_json::to_string(&p.vat_split).unwrap_or_else(|_| "{}".into()),
            withdrawn: p.withdrawn,
        })
        .await?;
    }
    for d in &catalog.devices {
        tx.upsert_device(&DeviceRow {
            market: market.id.clone(),
            id: d.id.clone(),
            brand: d.brand.clone(),
            model: d.model.clone(),
            retail_price_minor: d.retail_price.minor(),
            subsidised_price_minor: d.subsidised_price.map(|m| m.minor()),
            lent: d.lent,
            sim_locked: d.sim_locked,
            unlock_needs: serde_json::to_string(&d.unlock_needs).unwrap_or_else(|_| "[]".into()),
            unlock_method: d.unlock_method.to_string(),
        })
        .await?;
    }
    for (kind, amount) in &catalog.fees {
        tx.upsert_fee(&FeeRow {
            market: market.id.clone(),
            kind: kind.clone(),
            amount_minor: amount.minor(),
        })
        .await?;
    }
    for p in &catalog.promotions {
        tx.upsert_promotion_offer(&PromotionOfferRow {
            market: market.id.clone(),
            id: p.id.clone(),
            name: p.name.clone(),
            data_factor: i64::from(p.data_factor),
            voice_factor: i64::from(p.voice_factor),
            sms_factor: i64::from(p.sms_factor),
            fee_discount_percent: p.fee_discount_percent.to_string(),
        })
        .await?;
    }
    Ok(())
}

pub(crate) async fn load_catalog(tx: &mut Tx, market: &Market) -> Result<Catalog> {
    let currency = market.currency;
    let allowance =
        |v: i64| Allowance::from_signed(v).ok_or_else(|| corrupt("package allowance", v));
    let mut catalog = Catalog::default();
    for row in tx.packages(&market.id).await? {
        let rates: Rates =
            serde_json::from_str(&row.rates).map_err(|e| corrupt("package rates", e))?;
        let vat_split: BTreeMap<String, Decimal> =
            serde_json::from_str(&row.vat_split).map_err(|e| corrupt("package VAT split", e))?;
        catalog.packages.push(Package {
            id: row.id,
            name: row.name,
            monthly_fee: Money::from_minor(row.monthly_fee_minor, currency),
            allowances: Allowances {
                voice_min: allowance(row.voice_min)?,
                sms: allowance(row.sms)?,
                data_mb: allowance(row.data_mb)?,
            },
            rates,
            promotion_eligible: row.promotion_eligible,
            exempt_from_commitment_rule: row.exempt_from_commitment_rule,
            public: row.public,
            prepaid: row.prepaid,
            prepaid_unlock_route: row.prepaid_unlock_route,
            service: row.service,
            vat_split,
            withdrawn: row.withdrawn,
        });
    }
    for row in tx.devices(&market.id).await? {
        let unlock_needs: Vec<String> = serde_json::from_str(&row.unlock_needs)
            .map_err(|e| corrupt("device unlock needs", e))?;
        catalog.devices.push(Device {
            id: row.id,
            brand: row.brand,
            model: row.model,
            retail_price: Money::from_minor(row.retail_price_minor, currency),
            subsidised_price: row
                .subsidised_price_minor
                .map(|m| Money::from_minor(m, currency)),
            lent: row.lent,
            sim_locked: row.sim_locked,
            unlock_needs,
            unlock_method: parse::<UnlockMethod>("device unlock method", &row.unlock_method)?,
        });
    }
    for row in tx.fees(&market.id).await? {
        catalog
            .fees
            .insert(row.kind, Money::from_minor(row.amount_minor, currency));
    }
    let factor = |v: i64| u32::try_from(v).map_err(|e| corrupt("promotion factor", e));
    for row in tx.promotion_offers(&market.id).await? {
        catalog.promotions.push(PromotionOffer {
            id: row.id,
            name: row.name,
            data_factor: factor(row.data_factor)?,
            voice_factor: factor(row.voice_factor)?,
            sms_factor: factor(row.sms_factor)?,
            fee_discount_percent: row
                .fee_discount_percent
                .parse()
                .map_err(|e| corrupt("promotion discount", e))?,
        });
    }
    Ok(catalog)
}

pub(crate) fn customer_row(
    market: &Market,
    handle: Option<String>,
    party: &Party,
    registered_on: Date,
) -> CustomerRow {
    CustomerRow {
        id: 0,
        market: market.id.clone(),
        handle,
        kind: party.kind.to_string(),
        residency: party.residency.to_string(),
        name: party.name.clone(),
        email: party.email.clone(),
        phone: party.phone.clone(),
        address: party.address.clone(),
        id_document: party.id_document.map(|d| d.to_string()),
        id_document_number: party.id_document_number.clone(),
        keeps_document_copies: party.keeps_document_copies,
        directory: party.directory.to_string(),
        marketing_consent: party.marketing_consent,
        language: party.language.clone(),
        registered_on: registered_on.to_string(),
        anonymised_on: None,
        tax_number: party.tax_number.clone(),
    }
}

pub(crate) fn party(row: &CustomerRow) -> Result<Party> {
    Ok(Party {
        kind: parse::<PartyKind>("customer kind", &row.kind)?,
        residency: parse::<Residency>("customer residency", &row.residency)?,
        name: row.name.clone(),
        email: row.email.clone(),
        phone: row.phone.clone(),
        address: row.address.clone(),
        id_document: row
            .id_document
            .as_deref()
            .map(|d| parse::<IdDocumentKind>("identity document", d))
            .transpose()?,
        id_document_number: row.id_document_number.clone(),
        tax_number: row.tax_number.clone(),
        keeps_document_copies: row.keeps_document_copies,
        directory: parse::<DirectoryListing>("directory listing", &row.directory)?,
        marketing_consent: row.marketing_consent,
        language: row.language.clone(),
    })
}

/// Active or suspended: the contract still runs.
pub(crate) fn is_live(row: &ContractRow) -> bool {
    row.status
        .parse::<tarifa_core::contract::ContractStatus>()
        .is_ok_and(tarifa_core::contract::ContractStatus::is_live)
}

pub(crate) fn contract_rows(
    market: &Market,
    handle: Option<String>,
    customer_id: i64,
    number: &str,
    terms: &SignedTerms,
) -> (ContractRow, Vec<BenefitRow>) {
    let commitment = terms.commitment.as_ref();
    let device = terms.device.as_ref();
    let row = ContractRow {
        id: 0,
        market: market.id.clone(),
        handle,
        customer_id,
        package_id: terms.package.clone(),
        number: number.to_owned(),
        status: ContractStatus::Active.to_string(),
        channel: terms.channel.to_string(),
        signed_on: terms.signed_on.to_string(),
        activated_on: terms.activated_on.to_string(),
        commitment_start: commitment.map(|c| c.start.to_string()),
        commitment_months: commitment.map(|c| i64::from(c.months)),
        commitment_end: commitment.map(|c| c.end.to_string()),
        deposit_may_be_required: terms.deposit_may_be_required,
        ended_on: None,
        device_id: device.map(|d| d.device.clone()),
        device_imei: device.and_then(|d| d.imei.as_ref().map(ToString::to_string)),
        device_price_minor: device.map(|d| d.price.minor()),
        device_instalments: device.map(|d| i64::from(d.instalments)),
        device_lent: device.map(|d| d.lent),
        device_sim_locked: device.map(|d| d.sim_locked),
        suspended_on: None,
        suspension_cause: None,
        return_by: None,
        equipment_returned_on: None,
        owner_since: None,
    };
    let benefits = terms
        .benefits
        .iter()
        .enumerate()
        .map(|(i, b)| BenefitRow {
            contract_id: 0,
            position: i64::try_from(i).unwrap_or(i64::MAX),
            kind: b.kind.to_string(),
            amount_minor: b.amount.minor(),
        })
        .collect();
    (row, benefits)
}

/// A stored contract without what other tables hold (benefits, the signed
/// package): enough for the bill run, which loads package history in bulk.
pub(crate) fn contract_without_children(market: &Market, row: &ContractRow) -> Result<Contract> {
    build_contract(market, row, Vec::new(), row.package_id.clone())
}

/// A stored contract as the core sees it; its benefits and first package come from the store.
pub(crate) async fn contract(tx: &mut Tx, market: &Market, row: ContractRow) -> Result<Contract> {
    let currency = market.currency;
    let benefits = tx
        .benefits(row.id)
        .await?
        .into_iter()
        .map(|b| {
            Ok(Benefit {
                kind: parse::<BenefitKind>("benefit kind", &b.kind)?,
                amount: Money::from_minor(b.amount_minor, currency),
            })
        })
        .collect::<Result<Vec<_>>>()?;
    // The package signed for: a renewal's (DEV-1), else the first one.
    let renewed = tx
        .device_sales(row.id)
        .await?
        .into_iter()
        .rfind(|s| s.renewal)
        .map(|s| s.package_id);
    let signed_package = match renewed {
        Some(package) => package,
        None => tx
            .package_history(row.id)
            .await?
            .first()
            .map_or_else(|| row.package_id.clone(), |p| p.package_id.clone()),
    };
    build_contract(market, &row, benefits, signed_package)
}

fn build_contract(
    market: &Market,
    row: &ContractRow,
    benefits: Vec<Benefit>,
    signed_package: String,
) -> Result<Contract> {
    let currency = market.currency;
    let commitment = match (&row.commitment_start, row.commitment_months) {
        (Some(start), Some(months)) => Some(Commitment::new(
            date("commitment start", start)?,
            u32::try_from(months).map_err(|e| corrupt("commitment months", e))?,
        )),
        _ => None,
    };
    let device = match &row.device_id {
        Some(id) => Some(DeviceHandover {
            device: id.clone(),
            imei: row
                .device_imei
                .as_deref()
                .map(|i| i.parse())
                .transpose()
                .map_err(|e| corrupt("IMEI", e))?,
            price: Money::from_minor(row.device_price_minor.unwrap_or(0), currency),
            instalments: u32::try_from(row.device_instalments.unwrap_or(1)).unwrap_or(1),
            lent: row.device_lent.unwrap_or(false),
            sim_locked: row.device_sim_locked.unwrap_or(false),
        }),
        None => None,
    };
    Ok(Contract {
        id: row.id,
        handle: row.handle.clone(),
        customer_id: row.customer_id,
        number: row.number.clone(),
        status: parse::<ContractStatus>("contract status", &row.status)?,
        package: row.package_id.clone(),
        signed: SignedTerms {
            package: signed_package,
            signed_on: date("signing date", &row.signed_on)?,
            activated_on: date("activation date", &row.activated_on)?,
            commitment,
            benefits,
            device,
            channel: parse::<SalesChannel>("sales channel", &row.channel)?,
            deposit_may_be_required: row.deposit_may_be_required,
        },
        ended_on: opt_date("end date", row.ended_on.as_deref())?,
        owner_since: opt_date("owner since", row.owner_since.as_deref())?,
    })
}

/// A stored bill line as the core reads it: kind, contract, text and
/// phrase, amount and VAT (its rule and category are not needed by those
/// that read lines back: corrections and e-invoices).
pub(crate) fn bill_line(
    market: &Market,
    row: tarifa_store::BillLineRow,
) -> Result<tarifa_core::bill::BillLine> {
    let corrupt = |what: &'static str, detail: String| StoreError::Corrupt { what, detail };
    let vat = serde_json::from_str(&row.vat)
        .map_err(|e| corrupt("bill line VAT", format!("line {}: {e}", row.position)))?;
    let kind = row
        .kind
        .parse()
        .map_err(|e: String| corrupt("bill line kind", e))?;
    let phrase = row
        .phrase
        .as_deref()
        .and_then(|p| serde_json::from_str(p).ok());
    Ok(tarifa_core::bill::BillLine {
        kind,
        contract_id: row.contract_id,
        description: row.description,
        phrase,
        amount: Money::from_minor(row.amount_minor, market.currency),
        vat,
        rule: None,
        category: None,
    })
}
