//! Price changes (CAT-3, CAT-4): announced in advance with a notice to every
//! subscriber of the package; an unfavourable one opens the market's
//! penalty-free termination window; the new fee takes effect on its day.

use jiff::civil::Date;
use tarifa_core::market::{Market, WindowAnchor};
use tarifa_core::money::Money;
use tarifa_core::rule::{Decision, rules};
use tarifa_core::termination::OpenWindow;
use tarifa_core::time::add_days;
use tarifa_store::{PriceChangeRow, Tx};
use tarifa_texts::Arg;

use crate::outbox::{Notice, notify};
use crate::{App, AppError, Ctx, Decided, Result, conclude};

/// The termination window an unfavourable change opens (CAT-4).
pub fn unfavourable_window(market: &Market, announced: Date, effective: Date) -> (Date, Date) {
    let days = i64::from(market.rules.cat_4.window_days);
    match market.rules.cat_4.window {
        WindowAnchor::BeforeEffective => (
            add_days(effective, -days).max(announced),
            add_days(effective, -1),
        ),
        WindowAnchor::FromAnnouncement => (announced, add_days(announced, days)),
    }
}

/// How far ahead a price change may be announced.
pub const PRICE_CHANGE_HORIZON_YEARS: i32 = 5;

impl App {
    /// Announces a new monthly fee for a package from `effective` (CAT-3).
    pub async fn announce_price_change(
        &self,
        ctx: &Ctx,
        market_id: &str,
        package_id: &str,
        monthly_fee: Money,
        effective: Date,
        unfavourable: bool,
    ) -> Result<Decided<i64>> {
        let market = self.market(market_id)?.clone();
        let today = self.today(&market);
        // A date centuries ahead is a typing error, not a plan.
        let horizon = tarifa_core::time::add_months(today, 12 * PRICE_CHANGE_HORIZON_YEARS);
        if effective > horizon {
            return Err(AppError::invalid(
                "effective",
                format!(
                    "{effective} is more than {PRICE_CHANGE_HORIZON_YEARS} years ahead (after {horizon})"
                ),
            ));
        }
        let mut tx = self.begin(ctx).await?;
        let catalog = self.catalog(&mut tx, &market).await?;
        let package = catalog.package(package_id).ok_or_else(|| {
            AppError::invalid(
                "package",
                format!("{package_id:?} is not in the {market_id} catalog"),
            )
        })?;
        let mut decision = Decision::approved();
        if effective <= today {
            decision.refuse(
                rules::CAT_3,
                format!("a price change is announced in advance: {effective} is not after {today}"),
            );
        }
        if monthly_fee.is_negative() {
            decision.refuse_plainly("a monthly fee cannot be negative");
        }
        let window = (unfavourable && market.applies(rules::CAT_4))
            .then(|| unfavourable_window(&market, today, effective));
        let mut id = None;
        if decision.is_approved() {
            decision.because(
                rules::CAT_3,
                format!("{} from {} to {monthly_fee} on {effective}, published and told to every subscriber of it", package.name, package.monthly_fee),
            );
            if let Some((from, to)) = window {
                decision.because(
                    rules::CAT_4,
                    format!("unfavourable: every affected subscriber may terminate from {from} to {to} with no penalty and no notice"),
                );
            }
            id = Some(
                tx.insert_price_change(&PriceChangeRow {
                    id: 0,
                    market: market.id.clone(),
                    package_id: package_id.to_owned(),
                    monthly_fee_minor: monthly_fee.minor(),
                    previous_fee_minor: package.monthly_fee.minor(),
                    announced_on: today.to_string(),
                    effective_on: effective.to_string(),
                    unfavourable,
                    window_from: window.map(|(f, _)| f.to_string()),
                    window_to: window.map(|(_, t)| t.to_string()),
                })
                .await?,
            );
            let affected = tx.live_contracts_on_package(&market.id, package_id).await?;
            for contract in &affected {
                let mut args = vec![
                    ("package", Arg::from(package.name.as_str())),
                    ("old_fee", Arg::from(package.monthly_fee)),
                    ("new_fee", Arg::from(monthly_fee)),
                    ("effective", Arg::from(effective)),
                ];
                if let Some((from, to)) = window {
                    args.push(("number", Arg::from(contract.number.as_str())));
                    args.push(("from", Arg::from(from)));
                    args.push(("to", Arg::from(to)));
                }
                let rules_cited = if window.is_some() {
                    vec![rules::CAT_3, rules::CAT_4, rules::NOT_3]
                } else {
                    vec![rules::CAT_3, rules::NOT_3]
                };
                notify(
                    &mut tx,
                    &market,
                    Notice {
                        customer_id: contract.customer_id,
                        contract_id: Some(contract.id),
                        on: today,
                        kind: "price_change",
                        rules: &rules_cited,
                        message: if window.is_some() {
                            "price-change-unfavourable"
                        } else {
                            "price-change"
                        },
                        args,
                    },
                )
                .await?;
            }
            decision.note(format!("{} subscribers notified", affected.len()));
        }
        conclude(
            tx,
            ctx,
            &market,
            today,
            "price_change",
            Some(format!("package:{package_id}")),
            Decided {
                decision,
                value: id,
            },
        )
        .await
    }

    /// The day's price changes taking effect.
    pub(crate) async fn run_price_changes(
        &self,
        tx: &mut Tx,
        market: &Market,
        day: Date,
    ) -> Result<()> {
        for change in tx.price_changes(&market.id).await? {
            if change.effective_on == day.to_string() {
                tx.set_package_fee(
                    &market.id,
                    &change.package_id,
                    change.monthly_fee_minor,
                    &day.to_string(),
                )
                .await?;
            }
        }
        Ok(())
    }

    /// The open CAT-4 window of a package, from a price change of it or a
    /// change of the general terms, if any (the one that stays open longest).
    pub(crate) async fn open_unfavourable_window(
        &self,
        tx: &mut Tx,
        market: &Market,
        package_id: &str,
        day: Date,
    ) -> Result<Option<OpenWindow>> {
        let today = day.to_string();
        let open = |from: &Option<String>, to: &Option<String>, effective: &str| match (from, to) {
            (Some(from), Some(to)) if *from <= today && today <= *to => Some(OpenWindow {
                until: to.parse::<Date>().ok()?,
                effective: effective.parse::<Date>().ok()?,
            }),
            _ => None,
        };
        let prices: Vec<OpenWindow> = tx
            .price_changes(&market.id)
            .await?
            .iter()
            .filter(|c| c.package_id == package_id && c.unfavourable)
            .filter_map(|c| open(&c.window_from, &c.window_to, &c.effective_on))
            .collect();
        let terms: Vec<OpenWindow> = tx
            .terms_changes(&market.id)
            .await?
            .iter()
            .filter(|c| c.unfavourable)
            .filter_map(|c| open(&c.window_from, &c.window_to, &c.effective_on))
            .collect();
        Ok(prices.into_iter().chain(terms).max_by_key(|w| w.until))
    }
}
