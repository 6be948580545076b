//! Bills as documents and listings: what `tarifa bills`, the API's TMF678
//! documents, the console and self-care show.

use std::collections::BTreeMap;

use jiff::civil::Date;
use serde::Serialize;
use tarifa_core::money::Money;
use tarifa_render::{
    BillDetail, BillInput, BillView, Correction, InputLine, ListingInput, ListingRecord,
    ListingView,
};
use tarifa_store::BillRow;
use tarifa_texts::Lang;

use crate::{App, AppError, Ctx, Result};

/// One bill in a listing.
#[derive(Clone, Debug, Serialize)]
pub struct BillSummary {
    pub number: String,
    pub customer: i64,
    pub market: String,
    pub period: String,
    /// `monthly`, `separate` or `credit_note`.
    pub kind: String,
    /// For a credit note: the number of the bill it corrects.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub corrects: Option<String>,
    pub issued_on: String,
    pub due_on: String,
    /// The amount for the period, a decimal in the market's currency.
    pub total: String,
    /// What is to pay: the amount plus the previous balance.
    pub total_due: String,
    pub currency: String,
    /// The same amounts in minor units, for pages that format them.
    #[serde(skip)]
    pub total_minor: i64,
    #[serde(skip)]
    pub total_due_minor: i64,
}

/// Which bills to list.
#[derive(Clone, Debug, Default)]
pub struct BillFilter {
    pub market: Option<String>,
    pub customer: Option<i64>,
}

fn date(field: &str, text: &str) -> Result<Date> {
    text.parse()
        .map_err(|_| AppError::invalid(field, format!("{text:?} is not a date")))
}

impl App {
    /// The bills of one market or customer (or all), by number.
    pub async fn list_bills(&self, ctx: &Ctx, filter: &BillFilter) -> Result<Vec<BillSummary>> {
        if let Some(market) = &filter.market {
            self.market(market)?;
        }
        let mut tx = self.begin_read(ctx).await?;
        let rows: Vec<BillRow> = match (filter.customer, &filter.market) {
            (Some(customer), _) => tx.bills_of_customer(customer).await?,
            (None, Some(market)) => tx.bills(market).await?,
            (None, None) => {
                let mut all = Vec::new();
                for market in self.markets() {
                    all.extend(tx.bills(&market.id).await?);
                }
                all
            }
        };
        let corrects: BTreeMap<i64, String> = tx
            .corrections(filter.market.as_deref(), filter.customer)
            .await?
            .into_iter()
            .map(|c| (c.credit_note_id, c.bill_number))
            .collect();
        let mut bills = Vec::with_capacity(rows.len());
        for row in rows {
            if filter.market.as_ref().is_some_and(|m| *m != row.market) {
                continue;
            }
            let market = self.market(&row.market)?;
            let money = |minor| Money::from_minor(minor, market.currency).to_string();
            bills.push(BillSummary {
                total: money(row.total_minor),
                total_due: money(row.total_due_minor),
                currency: market.currency.code().to_owned(),
                total_minor: row.total_minor,
                total_due_minor: row.total_due_minor,
                number: row.number,
                customer: row.customer_id,
                market: row.market,
                period: row.period,
                corrects: corrects.get(&row.id).cloned(),
                kind: row.kind,
                issued_on: row.issued_on,
                due_on: row.due_on,
            });
        }
        bills.sort_by(|a, b| a.number.cmp(&b.number));
        Ok(bills)
    }

    /// The bill `number` ready to render, in `lang` or else the customer's
    /// language, or else the market's. With `customer`, a bill of anyone
    /// else is reported as not found (self-care sees only its own).
    pub async fn bill_view(
        &self,
        ctx: &Ctx,
        number: &str,
        lang: Option<Lang>,
        customer: Option<i64>,
    ) -> Result<BillView> {
        let mut tx = self.begin_read(ctx).await?;
        let row = tx
            .bill_by_number(number)
            .await?
            .filter(|row| customer.is_none_or(|c| c == row.customer_id))
            .ok_or_else(|| AppError::not_found("bill", number))?;
        let market = self.market(&row.market)?.clone();
        let lines = tx.bill_lines(row.id).await?;
        let owner = tx.customer(row.customer_id).await?;
        let mut numbers = BTreeMap::new();
        for id in lines.iter().filter_map(|l| l.contract_id) {
            if let std::collections::btree_map::Entry::Vacant(entry) = numbers.entry(id)
                && let Some(contract) = tx.contract(id).await?
            {
                entry.insert(contract.number);
            }
        }
        let correction = tx.correction(row.id).await?.map(|c| Correction {
            corrects: c.bill_number,
            reason: c.reason,
        });
        drop(tx);
        let detail = BillDetail::parse(&row.detail)
            .map_err(|e| AppError::invalid("detail", format!("bill {number}: {e}")))?;
        let money = |minor| Money::from_minor(minor, market.currency);
        let input = BillInput {
            number: row.number.clone(),
            kind: row.kind.clone(),
            correction,
            customer_id: row.customer_id,
            period_from: date("period_from", &row.period_from)?,
            period_to: date("period_to", &row.period_to)?,
            issued_on: date("issued_on", &row.issued_on)?,
            due_on: date("due_on", &row.due_on)?,
            total: money(row.total_minor),
            vat: money(row.vat_minor),
            previous_balance: money(row.previous_balance_minor),
            total_due: money(row.total_due_minor),
            lines: lines
                .into_iter()
                .map(|l| InputLine {
                    kind: l.kind,
                    contract_id: l.contract_id,
                    description: l.description,
                    phrase: l
                        .phrase
                        .as_deref()
                        .and_then(|p| serde_json::from_str(p).ok()),
                    amount: money(l.amount_minor),
                    rule: l.rule,
                })
                .collect(),
            detail,
            numbers,
        };
        let lang = lang.unwrap_or_else(|| crate::customers::language_of(owner.as_ref(), &market));
        Ok(BillView::build(&input, &market, lang)?)
    }

    /// The itemised listing `id` ready to render (USE-5): every record of
    /// its number and period, in `lang` or else the customer's language, or
    /// else the market's. With `customer`, a listing of anyone else is
    /// reported as not found.
    pub async fn listing_view(
        &self,
        ctx: &Ctx,
        id: i64,
        lang: Option<Lang>,
        customer: Option<i64>,
    ) -> Result<ListingView> {
        let mut tx = self.begin_read(ctx).await?;
        let not_found = || AppError::not_found("listing", id.to_string());
        let listing = tx.listing_given(id).await?.ok_or_else(not_found)?;
        let contract = tx
            .contract(listing.contract_id)
            .await?
            .filter(|c| customer.is_none_or(|own| own == c.customer_id))
            .ok_or_else(not_found)?;
        let owner = tx
            .customer(contract.customer_id)
            .await?
            .ok_or_else(not_found)?;
        let records = tx
            .usage_records(contract.id, &listing.period)
            .await?
            .into_iter()
            .map(|r| ListingRecord {
                at: r.at,
                to_number: r.to_number,
                bucket: r.bucket,
                quantity: r.quantity,
                roaming: r.roaming,
            })
            .collect();
        drop(tx);
        let market = self.market(&contract.market)?;
        let lang = lang.unwrap_or_else(|| crate::customers::language_of(Some(&owner), market));
        let input = ListingInput {
            id,
            number: contract.number,
            period: listing.period,
            requested_on: date("requested_on", &listing.requested_on)?,
            owner_address: owner.address.unwrap_or_default(),
            owner_name: owner.name,
            operator_name: market.operator.name.clone(),
            records,
        };
        Ok(ListingView::build(&input, lang)?)
    }
}
