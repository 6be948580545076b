//! The payment slip and QR code of a bill, by the market's standard (see
//! `tarifa_core::payment_slip` for why each market uses the one it does).

use qrcode::{EcLevel, QrCode};
use serde::Serialize;
use tarifa_core::market::Market;
use tarifa_core::payment_slip::{
    CreditorReference, EpcOrder, HctOrder, IpsOrder, Model97, OperatorAccount, SlipError,
};

use crate::{BillInput, RenderError};

/// The QR standards tarifa writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum QrStandard {
    /// NBS IPS (Serbia, dinars).
    NbsIps,
    /// EPC069-12 (euro).
    Epc,
    /// MNB instant credit transfer (Hungary, forints).
    MnbHct,
}

impl QrStandard {
    pub fn name(self) -> &'static str {
        match self {
            Self::NbsIps => "NBS IPS QR",
            Self::Epc => "EPC QR",
            Self::MnbHct => "MNB QR",
        }
    }
}

/// Payment code of a Serbian bill paid from a current account: trade in
/// goods and services, final consumption.
const RS_PAYMENT_CODE: &str = "221";

/// What the slip prints and the QR code carries.
#[derive(Clone, Debug, Serialize)]
pub struct PaymentCode {
    pub standard: QrStandard,
    /// The operator's account as the slip prints it.
    pub account: String,
    pub iban: Option<String>,
    pub bic: Option<String>,
    /// Šifra plaćanja (Serbia only).
    pub payment_code: Option<String>,
    /// Model 97 reference with its check digits (`97 12-2026-0000001`), an
    /// ISO 11649 reference (`RF…`), or the bill number (Hungary).
    pub reference: String,
    pub purpose: String,
    /// The text the QR code encodes.
    pub text: String,
}

/// The account's text: 70 characters at most and no field separator, cut
/// at a character boundary.
fn fit(text: &str, limit: usize) -> String {
    text.chars()
        .filter(|c| *c != '|' && *c != '\n')
        .take(limit)
        .collect::<String>()
        .trim()
        .to_owned()
}

/// The QR code and slip data of a bill; `None` when nothing is due.
pub fn payment_code(
    market: &Market,
    bill: &BillInput,
    purpose: &str,
) -> Result<Option<PaymentCode>, RenderError> {
    if !bill.total_due.is_positive() {
        return Ok(None);
    }
    let failed = |source: SlipError| RenderError::Payment {
        bill: bill.number.clone(),
        source,
    };
    let account =
        OperatorAccount::parse(&market.country, &market.operator.bank_account).map_err(failed)?;
    let payee = fit(&market.operator.name, 70);
    let purpose = fit(purpose, 35);
    // The bill number without its market prefix: 2026-0000042.
    let serial = bill
        .number
        .split_once('-')
        .map_or(bill.number.as_str(), |(_, rest)| rest);
    let code = match &account {
        OperatorAccount::Current {
            country: "RS",
            account: current,
        } => {
            let reference = Model97::for_base(serial).map_err(failed)?;
            let payer = bill.detail.owner.as_ref().map(|o| {
                let address = o.address.as_deref().unwrap_or("");
                fit(
                    format!("{}, {address}", o.name).trim_end_matches([',', ' ']),
                    70,
                )
            });
            let order = IpsOrder {
                account: current.clone(),
                payee,
                amount: bill.total_due,
                payer,
                payment_code: RS_PAYMENT_CODE.into(),
                purpose: purpose.clone(),
                reference: reference.clone(),
            };
            PaymentCode {
                standard: QrStandard::NbsIps,
                account: market.operator.bank_account.clone(),
                iban: None,
                bic: market.operator.bic.clone(),
                payment_code: Some(RS_PAYMENT_CODE.into()),
                reference: format!("97 {}", reference.as_str()),
                purpose,
                text: order.qr_text().map_err(failed)?,
            }
        }
        OperatorAccount::Current { .. } => {
            let reference = CreditorReference::for_base(&bill.number).map_err(failed)?;
            let order = EpcOrder {
                bic: market.operator.bic.clone(),
                payee,
                iban: account.iban(),
                amount: bill.total_due,
                reference: reference.clone(),
            };
            PaymentCode {
                standard: QrStandard::Epc,
                account: market.operator.bank_account.clone(),
                iban: Some(account.iban()),
                bic: market.operator.bic.clone(),
                payment_code: None,
                reference: reference.as_str().to_owned(),
                purpose,
                text: order.qr_text().map_err(failed)?,
            }
        }
        OperatorAccount::Giro(_) => {
            let bic = market
                .operator
                .bic
                .clone()
                .ok_or(SlipError::MissingBic("HU"))
                .map_err(failed)?;
            let order = HctOrder {
                bic: bic.clone(),
                payee,
                iban: account.iban(),
                amount: bill.total_due,
                valid_until: valid_until(market, bill),
                message: purpose.clone(),
                invoice_id: bill.number.clone(),
                customer_id: bill.customer_id.to_string(),
            };
            PaymentCode {
                standard: QrStandard::MnbHct,
                account: market.operator.bank_account.clone(),
                iban: Some(account.iban()),
                bic: Some(bic),
                payment_code: None,
                reference: bill.number.clone(),
                purpose,
                text: order.qr_text().map_err(failed)?,
            }
        }
    };
    Ok(Some(code))
}

/// The end of the due date in the market's time zone, as the MNB code writes
/// it: `20260215235959+1`.
fn valid_until(market: &Market, bill: &BillInput) -> String {
    let end = bill.due_on.at(23, 59, 59, 0);
    let offset_hours = end
        .to_zoned(market.time_zone.clone())
        .map(|z| z.offset().seconds() / 3600)
        .unwrap_or(0);
    format!("{}{offset_hours:+}", end.strftime("%Y%m%d%H%M%S"))
}

/// The code as an SVG image, error correction M as the three standards ask.
pub fn qr_svg(bill: &str, text: &str) -> Result<String, RenderError> {
    let code = QrCode::with_error_correction_level(text.as_bytes(), EcLevel::M).map_err(|e| {
        RenderError::Qr {
            bill: bill.to_owned(),
            reason: e.to_string(),
        }
    })?;
    Ok(code
        .render::<qrcode::render::svg::Color>()
        .quiet_zone(true)
        .min_dimensions(240, 240)
        .build())
}
