//! Spending limits (USE-4) and itemised listings (USE-5).

use tarifa_core::catalog::OneTimeCategory;
use tarifa_core::money::Money;
use tarifa_core::phrase::Phrase;
use tarifa_core::rule::{Decision, rules};
use tarifa_core::time::add_months;

use crate::charges::{Charge, charge_row};
use crate::{App, AppError, Ctx, Decided, Result, conclude};

/// Records on one page of a printed listing: as the listing document lays
/// them out.
const RECORDS_PER_PAGE: i64 = tarifa_render::listing::RECORDS_PER_PAGE as i64;

impl App {
    /// Sets a spending limit per billing period: free for the activations
    /// USE-4 names in a calendar year, the price-list fee from the next one.
    pub async fn set_spending_limit(
        &self,
        ctx: &Ctx,
        contract_id: i64,
        amount: Money,
    ) -> Result<Decided<i64>> {
        let mut tx = self.begin(ctx).await?;
        let (row, market, today) = self.load_contract(&mut tx, contract_id).await?;
        let catalog = self.catalog(&mut tx, &market).await?;
        let mut decision = Decision::approved();
        if !amount.is_positive() {
            decision.refuse_plainly(format!(
                "a spending limit is a positive amount, not {amount}"
            ));
        }
        if !crate::convert::is_live(&row) {
            decision.refuse_plainly(format!("the contract is {}", row.status));
        }
        let year = today.year().to_string();
        let this_year = tx
            .spending_limit_days(contract_id)
            .await?
            .iter()
            .filter(|d| d.starts_with(&year))
            .count();
        let free = usize::try_from(market.rules.use_4.free_activations_per_year).unwrap_or(2);
        let mut id = None;
        if decision.is_approved() {
            id = Some(
                tx.insert_spending_limit(contract_id, amount.minor(), &today.to_string())
                    .await?,
            );
            decision.because(
                rules::USE_4,
                format!(
                    "a spending limit of {amount} per billing period on {}",
                    row.number
                ),
            );
            if this_year < free {
                decision.because(
                    rules::USE_4,
                    format!("activation {} of {free} free ones in {year}", this_year + 1),
                );
            } else if let Some(fee) = catalog.fee("spending_limit") {
                decision.because(
                    rules::USE_4,
                    format!(
                        "activation {} in {year}: the fee of {fee} applies",
                        this_year + 1
                    ),
                );
                tx.insert_charge(&charge_row(
                    &market,
                    Charge {
                        customer_id: row.customer_id,
                        contract_id: Some(contract_id),
                        on: today,
                        line: "fee",
                        category: OneTimeCategory::AgreedSpend,
                        fee_kind: Some("spending_limit"),
                        amount: fee,
                        rule: rules::USE_4,
                        description: format!(
                            "spending limit, activation {} in {year}",
                            this_year + 1
                        ),
                        phrase: Phrase::new("line-spending-limit")
                            .count(
                                "activation",
                                i64::try_from(this_year + 1).unwrap_or(i64::MAX),
                            )
                            .text("year", year.clone()),
                    },
                ))
                .await?;
            }
        }
        conclude(
            tx,
            ctx,
            &market,
            today,
            "spending_limit",
            Some(format!("contract:{contract_id}")),
            Decided {
                decision,
                value: id,
            },
        )
        .await
    }

    /// An itemised listing of a period's usage (USE-5): the current period
    /// and at most the previous ones USE-5 names; free once a month, charged
    /// beyond; delivered electronically when it runs over the pages it names.
    pub async fn request_listing(
        &self,
        ctx: &Ctx,
        contract_id: i64,
        period: &str,
    ) -> Result<Decided<i64>> {
        let mut tx = self.begin(ctx).await?;
        let (row, market, today) = self.load_contract(&mut tx, contract_id).await?;
        let catalog = self.catalog(&mut tx, &market).await?;
        let params = &market.rules.use_5;
        let mut decision = Decision::approved();
        let month =
            crate::convert::date("listing period", &format!("{period}-01")).map_err(|_| {
                AppError::invalid("period", format!("{period:?} is not a month (YYYY-MM)"))
            })?;
        let current = today.first_of_month();
        let earliest = add_months(
            current,
            -i32::try_from(params.max_previous_periods).unwrap_or(5),
        );
        if month > current || month < earliest {
            decision.refuse(
                rules::USE_5,
                format!(
                    "a listing covers the current period and the {} before it ({} to {})",
                    params.max_previous_periods,
                    crate::billing::period_code(earliest),
                    crate::billing::period_code(current)
                ),
            );
        }
        let mut id = None;
        if decision.is_approved() {
            let records = tx.count_contract_usage(contract_id, period).await?;
            let pages = (records + RECORDS_PER_PAGE - 1) / RECORDS_PER_PAGE;
            let delivery = if pages > i64::from(params.electronic_over_pages) {
                "electronic"
            } else {
                "paper"
            };
            let month_prefix = crate::billing::period_code(current);
            let this_month = tx
                .listing_days(contract_id)
                .await?
                .iter()
                .filter(|d| d.starts_with(&month_prefix))
                .count();
            id = Some(
                tx.insert_listing(
                    contract_id,
                    period,
                    &today.to_string(),
                    records,
                    pages.max(1),
                    delivery,
                )
                .await?,
            );
            decision.because(
                rules::USE_5,
                format!(
                    "{records} records of {period} on {} pages, delivered {delivery}",
                    pages.max(1)
                ),
            );
            if this_month < usize::try_from(params.free_per_month).unwrap_or(1) {
                decision.because(rules::USE_5, "free: the first listing this month");
            } else if let Some(fee) = catalog.fee("listing") {
                decision.because(
                    rules::USE_5,
                    format!("another listing this month: the fee of {fee} applies"),
                );
                tx.insert_charge(&charge_row(
                    &market,
                    Charge {
                        customer_id: row.customer_id,
                        contract_id: Some(contract_id),
                        on: today,
                        line: "fee",
                        category: OneTimeCategory::ItemisationOnRequest,
                        fee_kind: Some("listing"),
                        amount: fee,
                        rule: rules::USE_5,
                        description: format!("itemised listing of {period}"),
                        phrase: Phrase::new("line-listing").text("period", period),
                    },
                ))
                .await?;
            }
        }
        conclude(
            tx,
            ctx,
            &market,
            today,
            "listing",
            Some(format!("contract:{contract_id}")),
            Decided {
                decision,
                value: id,
            },
        )
        .await
    }
}
