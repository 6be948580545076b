//! E-invoices: a stored bill or credit note as the tax authority takes it.
//! Hungary first (NAV Online Számla 3.0, `tarifa_einvoice::nav`): the
//! document is built from what the bill stored when it was issued (the
//! operator's data, the lines, the VAT of each rate), never from today's
//! market file, so it says what the bill said.

use rust_decimal::Decimal;
use tarifa_core::bill::vat_shares;
use tarifa_core::market::Market;
use tarifa_core::money::Money;
use tarifa_einvoice::nav::{
    self, Address, Appearance, Buyer, Document, Line, Modification, RateTotal, Supplier, TaxNumber,
};
use tarifa_render::BillDetail;
use tarifa_store::{BillRow, Tx};

use crate::corrections::CREDIT_NOTE;
use crate::{App, AppError, Ctx, Result};

impl App {
    /// The NAV `InvoiceData` XML of the Hungarian bill or credit note
    /// `number`, as it is (or would be) reported.
    pub async fn nav_invoice_data(&self, ctx: &Ctx, number: &str) -> Result<String> {
        let mut tx = self.begin_read(ctx).await?;
        let bill = tx
            .bill_by_number(number)
            .await?
            .ok_or_else(|| AppError::not_found("bill", number))?;
        let market = self.market(&bill.market)?.clone();
        if market.country != "HU" {
            return Err(AppError::invalid(
                "bill",
                format!(
                    "{number} is a bill of market {}: NAV Online Számla takes Hungarian bills",
                    market.id
                ),
            ));
        }
        let doc = nav_document(&mut tx, &market, &bill).await?;
        nav::invoice_data(&doc).map_err(|e| AppError::invalid("bill", format!("{number}: {e}")))
    }
}

/// The NAV document of a stored bill (a credit note: a modification of the
/// bill it corrects).
async fn nav_document(tx: &mut Tx, market: &Market, bill: &BillRow) -> Result<Document> {
    let detail = BillDetail::parse(&bill.detail)
        .map_err(|e| AppError::invalid("detail", format!("bill {}: {e}", bill.number)))?;
    let invalid = |e: nav::NavError| AppError::invalid("bill", format!("{}: {e}", bill.number));
    let op = &detail.operator;
    let supplier = Supplier {
        tax_number: TaxNumber::parse("the operator's tax number", &op.tax_id).map_err(invalid)?,
        name: op.name.clone(),
        address: Address::parse("the operator's address", &op.address).map_err(invalid)?,
        bank_account: op.bank_account.clone(),
    };
    let owner = tx.customer(bill.customer_id).await?;
    let buyer = match owner.as_ref().map(|c| c.kind.as_str()) {
        Some("individual") | None => Buyer::PrivatePerson,
        Some(kind) => {
            // A business is reported by its tax number, which tarifa does
            // not hold yet: refused rather than sent as a private person.
            return Err(AppError::invalid(
                "customer",
                format!(
                    "bill {}: the customer is a {kind}; NAV needs its tax number, which is not recorded",
                    bill.number
                ),
            ));
        }
    };
    let lines = nav_lines(market, tx, bill).await?;
    let rates = detail
        .vat
        .iter()
        .map(|v| {
            let rate: Decimal = v.rate.parse().map_err(|_| {
                AppError::invalid("vat", format!("bill {}: rate {:?}", bill.number, v.rate))
            })?;
            let money = |text: &str| {
                Money::parse(text, market.currency)
                    .map_err(|e| AppError::invalid("vat", format!("bill {}: {e}", bill.number)))
            };
            Ok(RateTotal {
                rate,
                gross: money(&v.gross)?,
                vat: money(&v.vat)?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let modification = if bill.kind == CREDIT_NOTE {
        let correction = tx.correction(bill.id).await?.ok_or_else(|| {
            AppError::Conflict(format!(
                "credit note {}: the bill it corrects is not recorded",
                bill.number
            ))
        })?;
        let earlier = tx.corrections_of_bill(correction.bill_id).await?;
        let index = earlier
            .iter()
            .position(|c| c.credit_note_id == bill.id)
            .map_or(1, |i| i + 1);
        let original = tx
            .bill_by_number(&correction.bill_number)
            .await?
            .ok_or_else(|| AppError::not_found("bill", correction.bill_number.clone()))?;
        let original_doc = Box::pin(nav_document(tx, market, &original)).await?;
        let (reported, _) = nav::reported_lines(&original_doc).map_err(invalid)?;
        // The lines each earlier credit note created came after the bill's.
        let mut before = reported.len();
        for c in earlier.iter().take(index.saturating_sub(1)) {
            if let Some(note) = tx
                .bills_of_customer(original.customer_id)
                .await?
                .into_iter()
                .find(|b| b.id == c.credit_note_id)
            {
                before += nav_lines(market, tx, &note).await?.len();
            }
        }
        Some(Modification {
            original_number: correction.bill_number,
            index: u32::try_from(index).unwrap_or(u32::MAX),
            original_lines: before,
        })
    } else {
        None
    };
    let date = |field: &str, text: &str| {
        text.parse()
            .map_err(|_| AppError::invalid(field.to_owned(), format!("{text:?} is not a date")))
    };
    Ok(Document {
        number: bill.number.clone(),
        issued_on: date("issued_on", &bill.issued_on)?,
        period_from: date("period_from", &bill.period_from)?,
        period_to: date("period_to", &bill.period_to)?,
        due_on: date("due_on", &bill.due_on)?,
        appearance: if detail.delivery == "post" {
            Appearance::Paper
        } else {
            Appearance::Electronic
        },
        supplier,
        buyer,
        lines,
        rates,
        modification,
    })
}

/// A bill's lines at one VAT rate each: a bundle split over two rates
/// becomes two lines, split as the bill split it.
async fn nav_lines(market: &Market, tx: &mut Tx, bill: &BillRow) -> Result<Vec<Line>> {
    let mut lines = Vec::new();
    for row in tx.bill_lines(bill.id).await? {
        let product = row.kind.clone();
        let line = crate::convert::bill_line(market, row)?;
        // In Hungarian when the line carries its phrase (an invoice is
        // written in the language of the country); the stored text else.
        let description = line
            .phrase
            .as_ref()
            .and_then(|p| {
                tarifa_texts::Texts::shipped()
                    .phrase(tarifa_texts::Lang::Hu, p, market.currency)
                    .ok()
            })
            .unwrap_or_else(|| line.description.clone());
        for share in vat_shares(market, std::slice::from_ref(&line)) {
            lines.push(Line {
                description: description.clone(),
                product: product.clone(),
                gross: share.gross,
                rate: share.rate,
            });
        }
    }
    Ok(lines)
}
