//! E-invoices: a stored bill or credit note as the tax authority takes it.
//! Hungary first (NAV Online Számla 3.0, `tarifa_einvoice::nav`): the
//! document is built from what the bill stored when it was issued (the
//! operator's data, the lines, the VAT of each rate), never from today's
//! market file, so it says what the bill said.

mod nav_client;
mod submit;

pub use nav_client::{NavClient, credentials_from_env, credentials_from_file};
pub use submit::{SubmitPolicy, SubmitReport};

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
    let buyer = match owner.as_ref() {
        Some(c) if c.kind != "individual" => {
            // A business is reported by its tax number, with the name and
            // address its bill was issued to.
            let number = c.tax_number.as_deref().ok_or_else(|| {
                AppError::invalid(
                    "tax_number",
                    format!(
                        "bill {}: the customer is a {} with no tax number on record; NAV takes a business by it",
                        bill.number, c.kind
                    ),
                )
            })?;
            let issued_to = detail.owner.as_ref();
            let name = issued_to.map_or_else(|| c.name.clone(), |o| o.name.clone());
            let address = issued_to
                .and_then(|o| o.address.clone())
                .or_else(|| c.address.clone())
                .unwrap_or_default();
            Buyer::Domestic {
                tax_number: TaxNumber::parse("the customer's tax number", number)
                    .map_err(invalid)?,
                name,
                address: Address::parse("the customer's address", &address).map_err(invalid)?,
            }
        }
        // A private person: nothing of them is reported.
        _ => Buyer::PrivatePerson,
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

impl App {
    /// A market's reported documents and where each stands.
    pub async fn einvoices(
        &self,
        ctx: &Ctx,
        market_id: &str,
    ) -> Result<Vec<tarifa_store::SubmissionRow>> {
        let market = self.market(market_id)?.clone();
        let mut tx = self.begin_read(ctx).await?;
        let rows = tx.einvoice_submissions(&market.id).await?;
        tx.rollback().await?;
        Ok(rows)
    }

    /// Where the report of bill or credit note `number` stands, if it is
    /// reported.
    pub async fn einvoice_of_bill(
        &self,
        ctx: &Ctx,
        bill_id: i64,
    ) -> Result<Option<tarifa_store::SubmissionRow>> {
        let mut tx = self.begin_read(ctx).await?;
        let row = tx.einvoice_submission(bill_id).await?;
        tx.rollback().await?;
        Ok(row)
    }

    /// Documents by market and state, for `/metrics`.
    pub async fn einvoice_counts(&self, ctx: &Ctx) -> Result<Vec<(String, String, i64)>> {
        let mut tx = self.begin_read(ctx).await?;
        let counts = tx.einvoice_counts().await?;
        tx.rollback().await?;
        Ok(counts)
    }

    /// Puts an aborted document back in the queue, once its data are
    /// mended (a business's tax number recorded, say): it is written anew
    /// and sent with the next batch.
    pub async fn requeue_einvoice(&self, ctx: &Ctx, number: &str) -> Result<()> {
        let mut tx = self.begin(ctx).await?;
        let bill = tx
            .bill_by_number(number)
            .await?
            .ok_or_else(|| AppError::not_found("bill", number))?;
        if !tx.requeue_einvoice(bill.id).await? {
            return Err(AppError::Conflict(format!(
                "{number} is not aborted: only an aborted report is queued again"
            )));
        }
        tx.commit().await?;
        Ok(())
    }
}
