//! Packages withdrawn from sale (CAT-3): announced in advance with a
//! written notice to every subscriber, who moves to the closest package on
//! the effective day; a move to a dearer package is an unfavourable change
//! (CAT-4).

use jiff::civil::Date;
use tarifa_core::rule::{Decision, rules};
use tarifa_store::{PackageWithdrawalRow, PriceChangeRow, Tx};
use tarifa_texts::Arg;

use crate::outbox::{Notice, notify};
use crate::pricing::unfavourable_window;
use crate::{App, AppError, Ctx, Decided, Result, conclude, record};

impl App {
    /// Announces that a package is withdrawn from `effective`.
    pub async fn withdraw_package(
        &self,
        ctx: &Ctx,
        market_id: &str,
        package_id: &str,
        effective: Date,
    ) -> Result<Decided<i64>> {
        let market = self.market(market_id)?.clone();
        let today = self.today(&market);
        let mut tx = self.begin(ctx).await?;
        let catalog = self.catalog(&mut tx, &market).await?;
        let package = catalog
            .package(package_id)
            .ok_or_else(|| {
                AppError::invalid(
                    "package",
                    format!("{package_id:?} is not in the {market_id} catalog"),
                )
            })?
            .clone();
        let mut decision = Decision::approved();
        if effective <= today {
            decision.refuse(
                rules::CAT_3,
                format!("a withdrawal is announced in advance: {effective} is not after {today}"),
            );
        }
        if package.withdrawn
            || tx
                .package_withdrawal(&market.id, package_id)
                .await?
                .is_some()
        {
            decision.refuse(
                rules::CAT_3,
                format!("{} is already withdrawn", package.name),
            );
        }
        let target = catalog.closest_public_package(package_id, true).cloned();
        if target.is_none() {
            decision.refuse(
                rules::CAT_3,
                format!(
                    "no public package of the same service to move the subscribers of {} to",
                    package.name
                ),
            );
        }
        let mut id = None;
        if let (true, Some(target)) = (decision.is_approved(), target) {
            decision.because(
                rules::CAT_3,
                format!("{} is withdrawn on {effective}; its subscribers move to the closest package, {} at {}", package.name, target.name, target.monthly_fee),
            );
            let dearer = target.monthly_fee.minor() > package.monthly_fee.minor();
            let window = (dearer && market.applies(rules::CAT_4))
                .then(|| unfavourable_window(&market, today, effective));
            if let Some((from, to)) = window {
                decision.because(
                    rules::CAT_4,
                    format!("the move costs more: every affected subscriber may terminate from {from} to {to} with no penalty"),
                );
                // The same window as a price rise of the package, so termination quotes find it.
                tx.insert_price_change(&PriceChangeRow {
                    id: 0,
                    market: market.id.clone(),
                    package_id: package_id.to_owned(),
                    monthly_fee_minor: target.monthly_fee.minor(),
                    previous_fee_minor: package.monthly_fee.minor(),
                    announced_on: today.to_string(),
                    effective_on: effective.to_string(),
                    unfavourable: true,
                    window_from: Some(from.to_string()),
                    window_to: Some(to.to_string()),
                })
                .await?;
            }
            id = Some(
                tx.insert_package_withdrawal(&PackageWithdrawalRow {
                    id: 0,
                    market: market.id.clone(),
                    package_id: package_id.to_owned(),
                    announced_on: today.to_string(),
                    effective_on: effective.to_string(),
                    moved_to: target.id.clone(),
                })
                .await?,
            );
            let affected = tx.live_contracts_on_package(&market.id, package_id).await?;
            let cited: Vec<_> = if window.is_some() {
                vec![rules::CAT_3, rules::CAT_4, rules::NOT_3]
            } else {
                vec![rules::CAT_3, rules::NOT_3]
            };
            for contract in &affected {
                notify(
                    &mut tx,
                    &market,
                    Notice {
                        customer_id: contract.customer_id,
                        contract_id: Some(contract.id),
                        on: today,
                        kind: "terms_change",
                        rules: &cited,
                        message: "package-withdrawn",
                        args: vec![
                            ("package", Arg::from(package.name.as_str())),
                            ("effective", Arg::from(effective)),
                            ("new_package", Arg::from(target.name.as_str())),
                            ("new_fee", Arg::from(target.monthly_fee)),
                        ],
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
            "withdraw_package",
            Some(format!("package:{package_id}")),
            Decided {
                decision,
                value: id,
            },
        )
        .await
    }

    /// The day's withdrawals: the package goes off sale and its subscribers
    /// move to the package named at the announcement.
    pub(crate) async fn run_package_withdrawals(
        &self,
        tx: &mut Tx,
        ctx: &Ctx,
        market: &tarifa_core::market::Market,
        day: Date,
    ) -> Result<u32> {
        let mut decisions = 0;
        for withdrawal in tx
            .package_withdrawals_on(&market.id, &day.to_string())
            .await?
        {
            tx.set_package_withdrawn(&market.id, &withdrawal.package_id, &day.to_string())
                .await?;
            let moving = tx
                .live_contracts_on_package(&market.id, &withdrawal.package_id)
                .await?;
            for contract in moving {
                tx.change_contract_package(contract.id, &withdrawal.moved_to, &day.to_string())
                    .await?;
                let mut decision = Decision::approved();
                decision.because(
                    rules::CAT_3,
                    format!(
                        "{} is withdrawn: {} moves to {}, as announced on {}",
                        withdrawal.package_id,
                        contract.number,
                        withdrawal.moved_to,
                        withdrawal.announced_on
                    ),
                );
                record(
                    tx,
                    market,
                    day,
                    "package_withdrawal",
                    Some(format!("contract:{}", contract.id)),
                    &decision,
                    ctx,
                )
                .await?;
                decisions += 1;
            }
        }
        Ok(decisions)
    }
}
