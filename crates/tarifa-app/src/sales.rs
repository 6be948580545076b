//! Devices sold with contracts (DEV-1…3): the sale record, its price as
//! dated instalment charges, and purchases on a running contract, which
//! renew it when they carry a commitment (PRM-7).

use jiff::civil::Date;
use tarifa_core::catalog::OneTimeCategory;
use tarifa_core::contract::{self, Commitment, DeviceHandover, DevicePurchase, DeviceRequest};
use tarifa_core::market::Market;
use tarifa_core::phrase::Phrase;
use tarifa_core::promotion::{self, Grant};
use tarifa_core::rule::{Decision, rules};
use tarifa_store::{DeviceSaleRow, Tx};

use crate::charges::{Charge, charge_row};
use crate::contracts::DeviceInput;
use crate::{App, AppError, Ctx, Decided, Result, conclude, convert, promotions};

/// A sold device as stored: the sale, and each instalment as a charge dated
/// for the bill of its month (DEV-3), so that the price is billed in full
/// whatever becomes of the contract.
#[allow(clippy::too_many_arguments)] // one sale, told its parts
pub(crate) async fn record_sale(
    tx: &mut Tx,
    market: &Market,
    customer_id: i64,
    contract_id: i64,
    device: &DeviceHandover,
    package: &str,
    commitment: Option<&Commitment>,
    renewal: bool,
    on: Date,
) -> Result<i64> {
    let sale = tx
        .insert_device_sale(&DeviceSaleRow {
            id: 0,
            contract_id,
            sold_on: on.to_string(),
            device_id: device.device.clone(),
            imei: device.imei.as_ref().map(ToString::to_string),
            price_minor: device.price.minor(),
            instalments: i64::from(device.instalments),
            sim_locked: device.sim_locked,
            package_id: package.to_owned(),
            renewal,
            commitment_end: commitment.map(|c| c.end.to_string()),
            withdrawn_on: None,
            returned_on: None,
        })
        .await?;
    if device.price.is_zero() {
        return Ok(sale);
    }
    let rule = if market.applies(rules::DEV_3) {
        rules::DEV_3
    } else {
        rules::DEV_1
    };
    for instalment in tarifa_core::device::instalments(device.price, device.instalments, on) {
        let (line, category, description, phrase) = if instalment.of == 1 {
            (
                "one_time",
                OneTimeCategory::Device,
                format!("device {}", device.device),
                Phrase::new("line-device").text("device", device.device.clone()),
            )
        } else {
            (
                "instalment",
                OneTimeCategory::DeviceInstalment,
                format!(
                    "device {}, instalment {} of {}",
                    device.device, instalment.number, instalment.of
                ),
                Phrase::new("line-instalment")
                    .text("device", device.device.clone())
                    .count("number", instalment.number)
                    .count("of", instalment.of),
            )
        };
        let mut row = charge_row(
            market,
            Charge {
                customer_id,
                contract_id: Some(contract_id),
                on: instalment.on,
                line,
                category,
                fee_kind: None,
                amount: instalment.amount,
                rule,
                description,
                phrase,
            },
        );
        row.device_sale_id = Some(sale);
        tx.insert_charge(&row).await?;
    }
    Ok(sale)
}

/// What a subscriber asks for when buying a device on a running contract.
#[derive(Clone, Debug)]
pub struct DevicePurchaseRequest {
    pub device: DeviceInput,
    /// Another package to go with the device (PRM-7); the current one when omitted.
    pub package: Option<String>,
    pub commitment_months: Option<u32>,
    /// A promotion accepted with this renewal (PRM-1).
    pub promotion: Option<String>,
}

impl App {
    /// A device bought on a running contract (DEV-1…3, CON-7): a purchase
    /// with a new commitment renews the contract and may carry a promotion
    /// (PRM-1); one made during a promotion is judged by PRM-7.
    pub async fn buy_device(
        &self,
        ctx: &Ctx,
        contract_id: i64,
        request: DevicePurchaseRequest,
    ) -> Result<Decided<i64>> {
        let mut tx = self.begin(ctx).await?;
        let (row, market, today) = self.load_contract(&mut tx, contract_id).await?;
        let contract = convert::contract(&mut tx, &market, row.clone()).await?;
        let customer = tx
            .customer(contract.customer_id)
            .await?
            .ok_or_else(|| AppError::not_found("customer", contract.customer_id.to_string()))?;
        let party = convert::party(&customer)?;
        let catalog = self.catalog(&mut tx, &market).await?;

        let mut decision = Decision::approved();
        crate::contracts::refuse_if_in_debt(&mut tx, &market, customer.id, today, &mut decision)
            .await?;
        let current = catalog.package(&contract.package).ok_or_else(|| {
            AppError::Conflict(format!(
                "package {} of the contract is not in the catalog",
                contract.package
            ))
        })?;
        let package_id = request.package.as_deref().unwrap_or(&contract.package);
        let package = catalog.package(package_id);
        if package.is_none() {
            decision.refuse(
                rules::CAT_1,
                format!("package {package_id:?} is not in the {} catalog", market.id),
            );
        }
        let device = catalog.device(&request.device.device);
        if device.is_none() {
            decision.refuse(
                rules::CAT_1,
                format!(
                    "device {:?} is not in the {} catalog",
                    request.device.device, market.id
                ),
            );
        }
        let (purchase, sale_decision) = match (package, device) {
            (Some(package), Some(device)) => contract::buy_device(
                DevicePurchase {
                    contract: &contract,
                    package,
                    device: DeviceRequest {
                        device,
                        imei: request.device.imei.clone(),
                        price: request.device.price,
                        instalments: request.device.instalments,
                    },
                    commitment_months: request.commitment_months,
                    on: today,
                    party_kind: party.kind,
                    residency: party.residency,
                },
                &market,
            ),
            _ => (None, Decision::approved()),
        };
        decision.absorb(sale_decision);
        if let (Some(purchase), Some(package)) = (&purchase, package)
            && purchase.renewal.is_none()
            && package.id != contract.package
        {
            decision.refuse_plainly(format!(
                "a purchase without a new commitment keeps the package {}: change the package on its own (TRM-3 may apply)",
                current.name
            ));
        }

        // The promotion: one running is judged by PRM-7; one accepted now is granted (PRM-1).
        let held = promotions::current(&mut tx, &market, contract_id).await?;
        let lost_before = held
            .as_ref()
            .filter(|h| h.promotion.status == promotion::PromotionStatus::Lost)
            .and_then(|h| h.promotion.ended_on);
        let running =
            held.filter(|h| h.promotion.status_on(today) == promotion::PromotionStatus::Active);
        let mut granted = None;
        if let (Some(asked), None, Some(package)) = (&request.promotion, &running, package) {
            let renewal = purchase.as_ref().and_then(|p| p.renewal);
            let (promotion, grant_decision) = promotion::grant(
                &market,
                &Grant {
                    offer: catalog.promotion(asked),
                    asked,
                    package,
                    base_fee: current.monthly_fee,
                    commitment: renewal.as_ref(),
                    on: today,
                    lost_before,
                },
            );
            decision.absorb(grant_decision);
            granted = promotion;
        }

        let (Some(purchase), Some(package), true) = (purchase, package, decision.is_approved())
        else {
            let refused = Decided {
                decision,
                value: None,
            };
            let subject = Some(format!("contract:{contract_id}"));
            return conclude(tx, ctx, &market, today, "buy_device", subject, refused).await;
        };

        if let Some(renewal) = &purchase.renewal {
            let benefits: Vec<tarifa_store::BenefitRow> = purchase
                .benefits
                .iter()
                .map(|b| tarifa_store::BenefitRow {
                    contract_id,
                    position: 0,
                    kind: b.kind.to_string(),
                    amount_minor: b.amount.minor(),
                })
                .collect();
            tx.renew_commitment(
                contract_id,
                &renewal.start.to_string(),
                i64::from(renewal.months),
                &renewal.end.to_string(),
                &benefits,
                true,
            )
            .await?;
        }
        if package.id != contract.package {
            tx.change_contract_package(contract_id, &package.id, &today.to_string())
                .await?;
            decision.because(
                rules::DEV_1,
                format!("bought with the package {} from {today}", package.name),
            );
        }
        let sale = record_sale(
            &mut tx,
            &market,
            customer.id,
            contract_id,
            &purchase.handover,
            &package.id,
            purchase.renewal.as_ref().or(contract.commitment()),
            purchase.renewal.is_some(),
            today,
        )
        .await?;
        if running.is_some() {
            let effect = promotions::after_purchase(
                &mut tx,
                &market,
                &catalog,
                contract_id,
                current,
                package,
                purchase.renewal.as_ref(),
                today,
            )
            .await?;
            decision.absorb(effect);
        }
        if let Some(promotion) = &granted {
            promotions::attach(&mut tx, contract_id, promotion).await?;
        }
        conclude(
            tx,
            ctx,
            &market,
            today,
            "buy_device",
            Some(format!("contract:{contract_id}")),
            Decided {
                decision,
                value: Some(sale),
            },
        )
        .await
    }
}
