//! Changes of the general terms (CAT-2): approved by the regulator where the
//! market asks for it, published, binding from some days after
//! publication, told to every subscriber; an unfavourable change opens the
//! CAT-4 window for all of them.

use jiff::civil::Date;
use tarifa_core::rule::{Decision, rules};
use tarifa_core::time::add_days;
use tarifa_store::TermsChangeRow;
use tarifa_texts::Arg;

use crate::outbox::{Notice, notify};
use crate::pricing::unfavourable_window;
use crate::{App, Ctx, Decided, Result, conclude};

/// A change of the general terms as the operator submits it.
#[derive(Clone, Debug)]
pub struct TermsChange {
    pub summary: String,
    /// The regulator approved it in advance (CAT-2).
    pub approved: bool,
    pub unfavourable: bool,
    /// When it binds; the earliest day allowed when not given.
    pub effective: Option<Date>,
}

impl App {
    /// Publishes a change of a market's general terms today.
    pub async fn change_terms(
        &self,
        ctx: &Ctx,
        market_id: &str,
        change: TermsChange,
    ) -> Result<Decided<i64>> {
        let market = self.market(market_id)?.clone();
        let today = self.today(&market);
        let mut tx = self.begin(ctx).await?;
        let mut decision = Decision::approved();
        if change.summary.trim().is_empty() {
            decision.refuse_plainly("the change needs a summary for the subscribers");
        }
        let effective = if market.applies(rules::CAT_2) {
            let days = market.rules.cat_2.binding_days;
            let earliest = add_days(today, i64::from(days));
            if !change.approved {
                decision.refuse(
                    rules::CAT_2,
                    "a change of the general terms needs the regulator's prior approval",
                );
            }
            let effective = change.effective.unwrap_or(earliest);
            if effective < earliest {
                decision.refuse(
                    rules::CAT_2,
                    format!("the terms bind {days} days after publication on the website: not before {earliest}"),
                );
            }
            effective
        } else {
            let effective = change.effective.unwrap_or_else(|| add_days(today, 1));
            if effective <= today {
                decision.refuse(
                    rules::CAT_3,
                    format!("a change is announced in advance: {effective} is not after {today}"),
                );
            }
            effective
        };
        let window = (change.unfavourable && market.applies(rules::CAT_4))
            .then(|| unfavourable_window(&market, today, effective));
        let mut id = None;
        if decision.is_approved() {
            if market.applies(rules::CAT_2) {
                decision.because(
                    rules::CAT_2,
                    format!("approved by the regulator, published on {today} on the website and in two print media; binding from {effective}"),
                );
            }
            if let Some((from, to)) = window {
                decision.because(
                    rules::CAT_4,
                    format!("unfavourable: every subscriber may terminate from {from} to {to} with no penalty and no notice"),
                );
            }
            id = Some(
                tx.insert_terms_change(&TermsChangeRow {
                    id: 0,
                    market: market.id.clone(),
                    summary: change.summary.trim().to_owned(),
                    published_on: today.to_string(),
                    effective_on: effective.to_string(),
                    unfavourable: change.unfavourable,
                    window_from: window.map(|(f, _)| f.to_string()),
                    window_to: window.map(|(_, t)| t.to_string()),
                })
                .await?,
            );
            // One letter per subscriber, however many contracts they hold.
            let subscribers = tx.customers_with_live_contracts(&market.id).await?;
            let cited = if window.is_some() {
                vec![rules::CAT_2, rules::CAT_4, rules::NOT_3]
            } else {
                vec![rules::CAT_2, rules::NOT_3]
            };
            for customer_id in &subscribers {
                let mut args = vec![
                    ("summary", Arg::from(change.summary.trim())),
                    ("effective", Arg::from(effective)),
                ];
                if let Some((from, to)) = window {
                    args.push(("from", Arg::from(from)));
                    args.push(("to", Arg::from(to)));
                }
                notify(
                    &mut tx,
                    &market,
                    Notice {
                        customer_id: *customer_id,
                        contract_id: None,
                        on: today,
                        kind: "terms_change",
                        rules: &cited,
                        message: if window.is_some() {
                            "terms-change-unfavourable"
                        } else {
                            "terms-change"
                        },
                        args,
                    },
                )
                .await?;
            }
            decision.note(format!("{} subscribers notified", subscribers.len()));
        }
        conclude(
            tx,
            ctx,
            &market,
            today,
            "terms_change",
            Some(format!("market:{}", market.id)),
            Decided {
                decision,
                value: id,
            },
        )
        .await
    }
}
