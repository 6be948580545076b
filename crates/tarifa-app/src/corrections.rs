//! Credit notes: the one way a bill once issued is corrected.
//!
//! A credit note is a document of its own: a bill of kind `credit_note`
//! with negative amounts, numbered from its own gapless series per market
//! and year (`ME-CN-2026-0000001`), naming the bill it corrects and why. It
//! is posted to the ledger like a bill (the receivable goes down, the
//! revenue and the VAT of each rate are reversed), so the customer's next
//! bill counts it in its previous balance. What it may take is decided in
//! the core (`tarifa_core::correction`): never more than is left of the
//! bill, spread over the bill's VAT rates in proportion or taken line by
//! line.

use jiff::civil::Date;
use serde::Serialize;
use tarifa_core::bill::{self, BillLine, VatAssignment};
use tarifa_core::correction::{self, CreditPart, CreditRefusal, CreditRequest, Credited};
use tarifa_core::market::Market;
use tarifa_core::money::Money;
use tarifa_core::phrase::Phrase;
use tarifa_core::rule::RuleId;
use tarifa_store::{BillLineRow, BillRow};

use crate::billing::{OwnDocument, write_own_document};
use crate::{App, AppError, Ctx, Result};

/// The kind of a credit note's bill row.
pub const CREDIT_NOTE: &str = "credit_note";

/// The number series of credit notes.
const SERIES: &str = "credit_note";

/// What a credit note is to take back, as asked (amounts as decimal text in
/// the market's currency).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Credit {
    /// An amount, VAT included, spread over the bill's VAT rates.
    Amount(String),
    /// Lines of the bill by number (from 1), each wholly or up to an amount.
    Lines(Vec<(usize, Option<String>)>),
}

impl Credit {
    /// Reads `--lines 2,5=1.50`: line numbers, each optionally with `=AMOUNT`.
    pub fn parse_lines(text: &str) -> Result<Self> {
        let mut lines = Vec::new();
        for item in text.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            let (number, amount) = match item.split_once('=') {
                Some((n, a)) => (n.trim(), Some(a.trim().to_owned())),
                None => (item, None),
            };
            let number: usize = number.parse().map_err(|_| {
                AppError::invalid(
                    "lines",
                    format!("{item:?}: a line number (from 1), optionally =AMOUNT"),
                )
            })?;
            lines.push((number, amount));
        }
        Ok(Self::Lines(lines))
    }
}

/// A credit note as issued.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct CreditNote {
    pub number: String,
    /// The number of the bill it corrects.
    pub corrects: String,
    pub customer: i64,
    pub market: String,
    pub issued_on: String,
    /// What it takes back: negative, VAT included.
    pub total: String,
    pub vat: String,
    pub currency: String,
    pub reason: String,
    pub rule: Option<String>,
    pub lines: Vec<CreditNoteLine>,
}

/// One line of a credit note.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct CreditNoteLine {
    /// The corrected bill's line it takes from, when asked by line.
    pub corrects_line: Option<usize>,
    pub amount: String,
    /// The VAT class (`None`: the standard rate; `split` for a bundle).
    pub vat: String,
}

impl App {
    /// Issues a credit note for the bill `number`, as `credit` asks, for
    /// `reason`.
    pub async fn credit_note(
        &self,
        ctx: &Ctx,
        number: &str,
        credit: &Credit,
        reason: &str,
    ) -> Result<CreditNote> {
        let mut tx = self.begin(ctx).await?;
        let bill = tx
            .bill_by_number(number)
            .await?
            .ok_or_else(|| AppError::not_found("bill", number))?;
        let market = self.market(&bill.market)?.clone();
        let request = match credit {
            Credit::Amount(text) => CreditRequest::Amount(money("amount", text, &market)?),
            Credit::Lines(lines) => CreditRequest::Lines(
                lines
                    .iter()
                    .map(|(n, amount)| {
                        Ok((
                            *n,
                            amount
                                .as_deref()
                                .map(|a| money("lines", a, &market))
                                .transpose()?,
                        ))
                    })
                    .collect::<Result<_>>()?,
            ),
        };
        let today = self.today(&market);
        let note =
            write_credit_note(&mut tx, &market, &bill, &request, reason, None, today).await?;
        tx.commit().await?;
        Ok(note)
    }
}

impl App {
    /// The market of the bill `number`.
    pub async fn bill_market(&self, ctx: &Ctx, number: &str) -> Result<String> {
        let mut tx = self.begin_read(ctx).await?;
        tx.bill_by_number(number)
            .await?
            .map(|b| b.market)
            .ok_or_else(|| AppError::not_found("bill", number))
    }

    /// The number of a customer's last bill (credit notes aside).
    pub async fn last_bill_number(&self, ctx: &Ctx, customer_id: i64) -> Result<Option<String>> {
        let mut tx = self.begin_read(ctx).await?;
        let bills = tx.bills_of_customer(customer_id).await?;
        Ok(bills
            .into_iter()
            .rev()
            .find(|b| b.kind != CREDIT_NOTE)
            .map(|b| b.number))
    }
}

/// What is left of `bill` after its credit notes (minor units).
pub(crate) async fn left_of_bill(tx: &mut tarifa_store::Tx, bill: &BillRow) -> Result<i64> {
    let notes: Vec<i64> = tx
        .corrections_of_bill(bill.id)
        .await?
        .iter()
        .map(|c| c.credit_note_id)
        .collect();
    if notes.is_empty() {
        return Ok(bill.total_minor);
    }
    let credited: i64 = tx
        .bills_of_customer(bill.customer_id)
        .await?
        .iter()
        .filter(|b| notes.contains(&b.id))
        .map(|b| b.total_minor)
        .sum();
    Ok(bill.total_minor + credited)
}

fn money(field: &str, text: &str, market: &Market) -> Result<Money> {
    Money::parse(text, market.currency).map_err(|e| AppError::invalid(field, e.to_string()))
}

/// Writes a credit note for `bill` in `tx`, dated `on`; `rule` is the rule
/// that required it, if one did (an upheld complaint, a withdrawal).
pub(crate) async fn write_credit_note(
    tx: &mut tarifa_store::Tx,
    market: &Market,
    bill: &BillRow,
    request: &CreditRequest,
    reason: &str,
    rule: Option<RuleId>,
    on: Date,
) -> Result<CreditNote> {
    if bill.kind == CREDIT_NOTE {
        return Err(AppError::invalid(
            "bill",
            format!(
                "{} is a credit note: credit notes correct bills, not each other",
                bill.number
            ),
        ));
    }
    // What is left of the bill is read and taken in one transaction; on
    // PostgreSQL the bill is locked for it (SQLite's writer is alone).
    tx.lock_bill(bill.id).await?;
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(AppError::invalid(
            "reason",
            "a credit note says why it corrects the bill",
        ));
    }
    let lines = bill_lines(market, tx.bill_lines(bill.id).await?)?;
    let mut credited = Credited::default();
    for earlier in tx.corrections_of_bill(bill.id).await? {
        let taken = bill_lines(market, tx.bill_lines(earlier.credit_note_id).await?)?;
        let from_lines: Vec<Option<usize>> = serde_json::from_str(&earlier.lines).map_err(|e| {
            AppError::invalid(
                "lines",
                format!("the credit note of bill {}: {e}", bill.number),
            )
        })?;
        for (line, taken) in from_lines.iter().zip(&taken) {
            if let Some(line) = line {
                *credited
                    .by_line
                    .entry(*line)
                    .or_insert_with(|| Money::zero(market.currency)) -= taken.amount;
            }
        }
        credited.lines.extend(taken);
    }
    let parts = correction::credit_parts(market, &lines, &credited, request).map_err(|e| {
        let field = match request {
            CreditRequest::Amount(_) | CreditRequest::Charged(_) => "amount",
            CreditRequest::Lines(_) => "lines",
        };
        match e {
            // The bill's state refuses it, not the request's form.
            CreditRefusal::MoreThanLeft { .. } | CreditRefusal::MoreThanLeftOfLine { .. } => {
                AppError::Conflict(format!("bill {}: {e}", bill.number))
            }
            _ => AppError::invalid(field, format!("bill {}: {e}", bill.number)),
        }
    })?;
    let credit_lines = credit_lines(&bill.number, &parts, rule);
    let mut draft = bill::draft(market, on.first_of_month(), &[], credit_lines)
        .map_err(|e| AppError::Conflict(format!("credit note for bill {}: {e}", bill.number)))?;
    draft.from = date("period_from", &bill.period_from)?;
    draft.to = date("period_to", &bill.period_to)?;
    let year = i64::from(on.year());
    let sequence = tx
        .reserve_document_numbers(&market.id, SERIES, year, 1)
        .await?;
    let number = format!("{}-CN-{year}-{sequence:07}", market.id.to_uppercase());
    let customer_id = bill.customer_id;
    let document = OwnDocument {
        number: number.clone(),
        kind: CREDIT_NOTE,
        customer_id,
        period: &bill.period,
        issued_on: on,
        // Nothing is to be paid for a credit note.
        due_on: on,
    };
    write_own_document(tx, market, &document, &draft, Vec::new(), Vec::new()).await?;
    let id = tx
        .bill_by_number(&number)
        .await?
        .map(|b| b.id)
        .ok_or_else(|| AppError::Conflict(format!("credit note {number} was not written")))?;
    let from_lines: Vec<Option<usize>> = parts.iter().map(|p| p.line).collect();
    tx.insert_correction(
        id,
        bill.id,
        reason,
        rule.map(|r| r.to_string()).as_deref(),
        &serde_json::to_string(&from_lines).unwrap_or_else(|_| "[]".into()),
    )
    .await?;
    let shown = |m: Money| m.to_string();
    Ok(CreditNote {
        number,
        corrects: bill.number.clone(),
        customer: customer_id,
        market: market.id.clone(),
        issued_on: on.to_string(),
        total: shown(draft.total),
        vat: shown(draft.vat_total),
        currency: market.currency.code().to_owned(),
        reason: reason.to_owned(),
        rule: rule.map(|r| r.to_string()),
        lines: draft
            .lines
            .iter()
            .zip(&parts)
            .map(|(line, part)| CreditNoteLine {
                corrects_line: part.line,
                amount: shown(line.amount),
                vat: match &line.vat {
                    VatAssignment::Standard => "standard".into(),
                    VatAssignment::Class(class) => class.clone(),
                    VatAssignment::Split(_) => "split".into(),
                },
            })
            .collect(),
    })
}

/// A credit note's lines: each part taken back, described in words that
/// name the bill (and its line, when asked by line).
fn credit_lines(bill: &str, parts: &[CreditPart], rule: Option<RuleId>) -> Vec<BillLine> {
    correction::credit_lines(
        parts,
        |part| match part.line {
            Some(line) => (
                format!("correction of bill {bill}, line {line}"),
                Phrase::new("line-credit-note-line")
                    .text("bill", bill)
                    .text("line", line.to_string()),
            ),
            None => (
                format!("correction of bill {bill}"),
                Phrase::new("line-credit-note").text("bill", bill),
            ),
        },
        rule,
    )
}

/// A stored bill's lines as the core reads them.
fn bill_lines(market: &Market, rows: Vec<BillLineRow>) -> Result<Vec<BillLine>> {
    rows.into_iter()
        .map(|row| crate::convert::bill_line(market, row))
        .collect()
}

fn date(field: &str, text: &str) -> Result<Date> {
    text.parse()
        .map_err(|_| AppError::invalid(field, format!("{text:?} is not a date")))
}
