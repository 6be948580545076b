//! Promotions a contract carries (PRM-1…7): granted with a renewal, they
//! multiply the allowances (or discount the fee) of a package for as long as
//! the renewal's commitment runs, and follow the contract through package
//! changes, device purchases, transfers and deactivation.
//!
//! A promotion keeps a schedule of steps: from a step's day on, it works on
//! that step's package, or not at all. A billing period takes the last step
//! that began on or before its last day; allowances being per period, a
//! promotion granted during a period covers that whole period, and one that
//! the rules end "from the next period" keeps the current one.

use jiff::civil::Date;
use serde::Serialize;

use crate::catalog::{Allowances, Catalog, Package, PromotionOffer};
use crate::contract::Commitment;
use crate::market::Market;
use crate::money::Money;
use crate::names::snake_case_str;
use crate::rule::{Decision, RuleId, rules};
use crate::time::{add_days, month_end};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PromotionStatus {
    Active,
    /// Ended by a change to a package that does not qualify (PRM-3); it may
    /// come back (PRM-4).
    Lapsed,
    /// Ended by deactivation; it never comes back (PRM-6).
    Lost,
    /// Its validity ran out (PRM-1, PRM-7).
    Expired,
}

snake_case_str!(PromotionStatus {
    Active = "active",
    Lapsed = "lapsed",
    Lost = "lost",
    Expired = "expired",
});

/// From `from` on, the promotion works on `package` (or, when `None`, not at all).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PromotionStep {
    pub from: Date,
    pub package: Option<String>,
    pub rule: RuleId,
}

/// A promotion attached to a contract.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ContractPromotion {
    pub offer: String,
    pub granted_on: Date,
    /// PRM-2, PRM-3: the monthly fee of the package used before the renewal.
    pub base_fee: Money,
    /// The first day without the promotion: the commitment's end (PRM-1, PRM-7).
    pub valid_until: Date,
    pub status: PromotionStatus,
    /// The day it stopped (lapsed, lost), when it did.
    pub ended_on: Option<Date>,
    /// Never empty: the first step is the grant.
    pub schedule: Vec<PromotionStep>,
}

/// The first day of the billing period after the one holding `date`.
fn next_period(date: Date) -> Date {
    add_days(month_end(date), 1)
}

impl ContractPromotion {
    /// The package the promotion was granted on.
    pub fn granted_package(&self) -> Option<&str> {
        self.schedule.first().and_then(|s| s.package.as_deref())
    }

    /// Its status on `date`: an active promotion past its validity has expired.
    pub fn status_on(&self, date: Date) -> PromotionStatus {
        match self.status {
            PromotionStatus::Active if date >= self.valid_until => PromotionStatus::Expired,
            status => status,
        }
    }

    /// The package whose allowances the promotion multiplies in the billing
    /// period ending `period_end`, if it is in force then.
    pub fn package_in(&self, period_end: Date) -> Option<&str> {
        if period_end >= self.valid_until {
            return None;
        }
        self.schedule
            .iter()
            .rfind(|s| s.from <= period_end)
            .and_then(|s| s.package.as_deref())
    }

    /// The allowances of a period ending `period_end` on `current` (the
    /// package at the period's end): each allowance the offer multiplies is
    /// that of the package the promotion works on, multiplied.
    pub fn allowances(
        &self,
        offer: &PromotionOffer,
        current: &Package,
        catalog: &Catalog,
        period_end: Date,
    ) -> Allowances {
        let mut allowances = current.allowances;
        let Some(promoted) = self
            .package_in(period_end)
            .and_then(|id| catalog.package(id))
        else {
            return allowances;
        };
        if offer.voice_factor > 1 {
            allowances.voice_min = promoted
                .allowances
                .voice_min
                .times(offer.voice_factor.into());
        }
        if offer.sms_factor > 1 {
            allowances.sms = promoted.allowances.sms.times(offer.sms_factor.into());
        }
        if offer.data_factor > 1 {
            allowances.data_mb = promoted.allowances.data_mb.times(offer.data_factor.into());
        }
        allowances
    }

    /// Whether `package` qualifies for the promotion after a change: it may
    /// carry promotions and is the one granted on or at least the threshold
    /// dearer than the package used before the renewal (PRM-2, PRM-4).
    pub fn qualifies(&self, package: &Package, threshold: Money) -> bool {
        package.promotion_eligible
            && (self.granted_package() == Some(package.id.as_str())
                || (package.monthly_fee - self.base_fee).minor() >= threshold.minor())
    }

    fn push(&mut self, from: Date, package: Option<&str>, rule: RuleId) {
        self.schedule.push(PromotionStep {
            from,
            package: package.map(str::to_owned),
            rule,
        });
    }
}

/// A percentage off the monthly fee a promotion gives in a period.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FeeDiscount {
    /// The promotion's name, for the bill line.
    pub name: String,
    pub percent: rust_decimal::Decimal,
}

/// What a contract on `current` gets in the period ending `period_end`,
/// with its promotion (if any): allowances, and a fee discount.
pub fn period_terms(
    promotion: Option<&ContractPromotion>,
    catalog: &Catalog,
    current: &Package,
    period_end: Date,
) -> (Allowances, Option<FeeDiscount>) {
    let in_force = promotion.and_then(|p| {
        let offer = catalog.promotion(&p.offer)?;
        p.package_in(period_end)?;
        Some((p, offer))
    });
    match in_force {
        Some((p, offer)) => (
            p.allowances(offer, current, catalog, period_end),
            (!offer.fee_discount_percent.is_zero()).then(|| FeeDiscount {
                name: offer.name.clone(),
                percent: offer.fee_discount_percent,
            }),
        ),
        None => (current.allowances, None),
    }
}

/// The offer's effect in words, for decisions.
fn effect(offer: &PromotionOffer, package: &Package) -> String {
    let mut parts = Vec::new();
    for (factor, what, allowance) in [
        (offer.data_factor, "data", package.allowances.data_mb),
        (offer.voice_factor, "minutes", package.allowances.voice_min),
        (offer.sms_factor, "messages", package.allowances.sms),
    ] {
        if factor > 1 {
            let granted = match allowance.times(factor.into()) {
                crate::catalog::Allowance::Unlimited => "unlimited".to_owned(),
                crate::catalog::Allowance::Limited(n) => n.to_string(),
            };
            parts.push(format!("{what} × {factor} ({granted} {})", unit(what)));
        }
    }
    if !offer.fee_discount_percent.is_zero() {
        parts.push(format!(
            "{} % off the monthly fee",
            offer.fee_discount_percent
        ));
    }
    if parts.is_empty() {
        "no change to the package".to_owned()
    } else {
        parts.join(", ")
    }
}

fn unit(what: &str) -> &'static str {
    match what {
        "data" => "MB",
        "minutes" => "min",
        _ => "SMS",
    }
}

/// What a renewal (or a signing) with a promotion accepted is asked to grant.
pub struct Grant<'a> {
    pub offer: Option<&'a PromotionOffer>,
    /// The offer's id as asked (for the refusal when it is not offered).
    pub asked: &'a str,
    pub package: &'a Package,
    /// The monthly fee of the package used before the renewal (a new contract: its own).
    pub base_fee: Money,
    pub commitment: Option<&'a Commitment>,
    pub on: Date,
    /// A promotion this contract lost by deactivation (PRM-6).
    pub lost_before: Option<Date>,
}

/// PRM-1: the promotion is granted with a renewal that carries a commitment,
/// on a package that may carry it, and lasts until that commitment ends.
/// Every unmet condition is listed.
pub fn grant(market: &Market, grant: &Grant<'_>) -> (Option<ContractPromotion>, Decision) {
    let mut decision = Decision::approved();
    if !market.applies(rules::PRM_1) {
        decision.refuse(
            rules::PRM_1,
            format!("promotions with a renewal are not offered in {}", market.id),
        );
    }
    let Some(offer) = grant.offer else {
        decision.refuse(
            rules::PRM_1,
            format!(
                "promotion {:?} is not in the {} catalog",
                grant.asked, market.id
            ),
        );
        return (None, decision);
    };
    if !grant.package.promotion_eligible {
        decision.refuse(
            rules::PRM_1,
            format!(
                "package {} does not qualify for {}",
                grant.package.name, offer.name
            ),
        );
    }
    let commitment = grant.commitment.filter(|c| c.is_live(grant.on));
    if commitment.is_none() {
        decision.refuse(
            rules::PRM_1,
            format!(
                "{} comes with a renewal under a commitment, and none was agreed",
                offer.name
            ),
        );
    }
    if let Some(lost) = grant.lost_before
        && market.applies(rules::PRM_6)
    {
        decision.refuse(
            rules::PRM_6,
            format!(
                "the contract was deactivated on {lost} and reactivated: {} does not come back",
                offer.name
            ),
        );
    }
    let Some(commitment) = commitment else {
        return (None, decision);
    };
    if decision.is_rejected() {
        return (None, decision);
    }
    decision.because(
        rules::PRM_1,
        format!(
            "{} on {}: {} from the period of {} until {}; what is left of a period does not carry over",
            offer.name,
            grant.package.name,
            effect(offer, grant.package),
            grant.on,
            commitment.end
        ),
    );
    let promotion = ContractPromotion {
        offer: offer.id.clone(),
        granted_on: grant.on,
        base_fee: grant.base_fee,
        valid_until: commitment.end,
        status: PromotionStatus::Active,
        ended_on: None,
        schedule: vec![PromotionStep {
            from: grant.on,
            package: Some(grant.package.id.clone()),
            rule: rules::PRM_1,
        }],
    };
    (Some(promotion), decision)
}

/// What a package change does to the promotion (PRM-2, PRM-3, PRM-4).
/// `renewal_live`: the commitment of the bought phone and the benefit the
/// contract was renewed on are both still running (PRM-4).
pub fn on_package_change(
    market: &Market,
    promotion: &mut ContractPromotion,
    offer: &PromotionOffer,
    new: &Package,
    on: Date,
    renewal_live: bool,
) -> Decision {
    let mut decision = Decision::approved();
    let threshold = market.promotion_threshold;
    let next = next_period(on);
    let qualifies = promotion.qualifies(new, threshold);
    match promotion.status_on(on) {
        PromotionStatus::Active if qualifies => {
            promotion.push(next, Some(&new.id), rules::PRM_2);
            decision.because(
                rules::PRM_2,
                format!(
                    "{} follows the change to {}: from {next} the allowance is {}'s, {}; until then the current one stays",
                    offer.name,
                    new.name,
                    new.name,
                    effect(offer, new)
                ),
            );
        }
        PromotionStatus::Active => {
            let last = month_end(on);
            promotion.push(next, None, rules::PRM_3);
            promotion.status = PromotionStatus::Lapsed;
            promotion.ended_on = Some(last);
            let why = if new.promotion_eligible {
                format!(
                    "{}'s monthly fee {} is not at least {threshold} above {}, the fee before the renewal",
                    new.name, new.monthly_fee, promotion.base_fee
                )
            } else {
                format!("{} does not qualify for {}", new.name, offer.name)
            };
            decision.because(
                rules::PRM_3,
                format!(
                    "{why}: the promotion's allowance may be used until {last}, then {} ends",
                    offer.name
                ),
            );
            if market.applies(rules::PRM_4) {
                decision.because(
                    rules::PRM_4,
                    format!("it comes back from the next period on a change to a qualifying package while the phone's commitment (until {}) and the renewal's benefit last", promotion.valid_until),
                );
            }
        }
        PromotionStatus::Lapsed if qualifies && market.applies(rules::PRM_4) => {
            if renewal_live && on < promotion.valid_until {
                promotion.push(next, Some(&new.id), rules::PRM_4);
                promotion.status = PromotionStatus::Active;
                promotion.ended_on = None;
                decision.because(
                    rules::PRM_4,
                    format!(
                        "back on the qualifying package {} with the phone's commitment and the renewal's benefit still running: {} returns from {next}, {}",
                        new.name,
                        offer.name,
                        effect(offer, new)
                    ),
                );
            } else {
                decision.because(
                    rules::PRM_4,
                    format!(
                        "{} qualifies, but the phone's commitment or the renewal's benefit has ended: {} does not return",
                        new.name, offer.name
                    ),
                );
            }
        }
        PromotionStatus::Lost => {
            decision.because(
                rules::PRM_6,
                format!(
                    "{} was lost when the contract was deactivated and does not return",
                    offer.name
                ),
            );
        }
        PromotionStatus::Lapsed | PromotionStatus::Expired => {}
    }
    decision
}

/// PRM-7: a phone bought with another package before the commitment ends.
/// The promotion keeps its validity unless the new package is at least the
/// threshold dearer than the previous one; then it runs until the new
/// commitment ends. A change of package is otherwise judged as one (PRM-2…4).
pub fn on_device_purchase(
    market: &Market,
    promotion: &mut ContractPromotion,
    offer: &PromotionOffer,
    previous: &Package,
    new: &Package,
    new_commitment: Option<&Commitment>,
    on: Date,
) -> Decision {
    let mut decision = Decision::approved();
    if promotion.status_on(on) != PromotionStatus::Active || !market.applies(rules::PRM_7) {
        return decision;
    }
    let threshold = market.promotion_threshold;
    let dearer = (new.monthly_fee - previous.monthly_fee).minor() >= threshold.minor();
    match new_commitment {
        Some(commitment) if dearer && new.promotion_eligible => {
            promotion.valid_until = commitment.end;
            promotion.base_fee = previous.monthly_fee;
            decision.because(
                rules::PRM_7,
                format!(
                    "a phone bought with {} ({}), at least {threshold} above {} ({}): {} runs until the new commitment ends on {}",
                    new.name, new.monthly_fee, previous.name, previous.monthly_fee, offer.name, commitment.end
                ),
            );
        }
        _ if new.promotion_eligible => {
            decision.because(
                rules::PRM_7,
                format!(
                    "a phone bought with {}, not at least {threshold} above {}: {} keeps its validity until {}",
                    new.name, previous.name, offer.name, promotion.valid_until
                ),
            );
        }
        _ => {}
    }
    if new.id != previous.id {
        if new.promotion_eligible {
            promotion.push(next_period(on), Some(&new.id), rules::PRM_7);
            decision.because(
                rules::PRM_7,
                format!(
                    "from {} it works on {}: {}",
                    next_period(on),
                    new.name,
                    effect(offer, new)
                ),
            );
        } else {
            decision.absorb(on_package_change(market, promotion, offer, new, on, true));
        }
    }
    decision
}

/// PRM-5: after a transfer of ownership the new owner keeps the promotion
/// while staying on, or choosing, a qualifying package.
pub fn on_transfer(
    market: &Market,
    promotion: &ContractPromotion,
    offer: &PromotionOffer,
    package: &Package,
    on: Date,
) -> Decision {
    let mut decision = Decision::approved();
    if market.applies(rules::PRM_5) && promotion.status_on(on) == PromotionStatus::Active {
        let qualifies = promotion.qualifies(package, market.promotion_threshold);
        decision.because(
            rules::PRM_5,
            if qualifies {
                format!(
                    "the new owner keeps {} on {} until {}",
                    offer.name, package.name, promotion.valid_until
                )
            } else {
                format!(
                    "the new owner keeps {} only by choosing a qualifying package",
                    offer.name
                )
            },
        );
    }
    decision
}

/// PRM-6: a contract deactivated on `on` loses the promotion for good.
pub fn on_deactivation(
    market: &Market,
    promotion: &mut ContractPromotion,
    offer: &PromotionOffer,
    on: Date,
) -> Decision {
    let mut decision = Decision::approved();
    if !market.applies(rules::PRM_6)
        || !matches!(
            promotion.status_on(on),
            PromotionStatus::Active | PromotionStatus::Lapsed
        )
    {
        return decision;
    }
    promotion.push(on, None, rules::PRM_6);
    promotion.status = PromotionStatus::Lost;
    promotion.ended_on = Some(on);
    decision.because(
        rules::PRM_6,
        format!(
            "the contract is deactivated: {} ends on {on} and does not come back on reactivation",
            offer.name
        ),
    );
    decision
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::market::preset;

    fn date(text: &str) -> Date {
        text.parse().expect("test data")
    }

    fn setup() -> (Market, Catalog, PromotionOffer) {
        let market = preset("rs");
        let catalog = market.catalog.clone();
        let offer = catalog.promotion("double-data").expect("test data").clone();
        (market, catalog, offer)
    }

    fn granted(
        market: &Market,
        catalog: &Catalog,
        offer: &PromotionOffer,
        package: &str,
    ) -> ContractPromotion {
        let package = catalog.package(package).expect("test data");
        let commitment = Commitment::new(date("2026-03-15"), 24);
        let (promotion, decision) = grant(
            market,
            &Grant {
                offer: Some(offer),
                asked: "double-data",
                package,
                base_fee: package.monthly_fee,
                commitment: Some(&commitment),
                on: date("2026-03-15"),
                lost_before: None,
            },
        );
        assert!(decision.is_approved(), "{decision:?}");
        promotion.expect("test data")
    }

    fn data(
        p: &ContractPromotion,
        offer: &PromotionOffer,
        catalog: &Catalog,
        package: &str,
        end: &str,
    ) -> i64 {
        p.allowances(
            offer,
            catalog.package(package).expect("test data"),
            catalog,
            date(end),
        )
        .data_mb
        .as_signed()
    }

    #[test]
    fn doubles_data_from_the_grant_period_for_the_commitment() {
        let (market, catalog, offer) = setup();
        let p = granted(&market, &catalog, &offer, "mobile-1590");
        assert_eq!(
            data(&p, &offer, &catalog, "mobile-1590", "2026-02-28"),
            10240
        );
        assert_eq!(
            data(&p, &offer, &catalog, "mobile-1590", "2026-03-31"),
            20480
        );
        assert_eq!(
            data(&p, &offer, &catalog, "mobile-1590", "2028-02-29"),
            20480
        );
        // The commitment ends on 2028-03-15: that period is the package's own.
        assert_eq!(
            data(&p, &offer, &catalog, "mobile-1590", "2028-03-31"),
            10240
        );
        assert_eq!(p.status_on(date("2028-03-15")), PromotionStatus::Expired);
    }

    #[test]
    fn refuses_every_unmet_condition_at_once() {
        let (market, catalog, offer) = setup();
        let mini = catalog.package("mini-990").expect("test data");
        let (promotion, decision) = grant(
            &market,
            &Grant {
                offer: Some(&offer),
                asked: "double-data",
                package: mini,
                base_fee: mini.monthly_fee,
                commitment: None,
                on: date("2026-03-15"),
                lost_before: Some(date("2026-01-10")),
            },
        );
        assert!(promotion.is_none());
        assert_eq!(decision.reasons.len(), 3, "{decision:?}");
        assert!(decision.rules.contains(&rules::PRM_6));
    }

    #[test]
    fn a_dearer_package_carries_the_promotion_from_the_next_period() {
        let (market, catalog, offer) = setup();
        let mut p = granted(&market, &catalog, &offer, "mobile-1590");
        let new = catalog.package("mobile-2990").expect("test data");
        let d = on_package_change(&market, &mut p, &offer, new, date("2026-05-20"), true);
        assert_eq!(d.rules, vec![rules::PRM_2]);
        // May keeps 1590's doubled data; June has 2990's doubled.
        assert_eq!(
            data(&p, &offer, &catalog, "mobile-2990", "2026-05-31"),
            20480
        );
        assert_eq!(
            data(&p, &offer, &catalog, "mobile-2990", "2026-06-30"),
            102_400
        );
    }

    #[test]
    fn a_cheaper_package_keeps_the_data_to_month_end_then_ends_and_may_return() {
        let (market, catalog, offer) = setup();
        let mut p = granted(&market, &catalog, &offer, "mobile-1990");
        // 1990 → 1590: not 300 above the 1990 used before the renewal.
        let cheaper = catalog.package("mobile-1590").expect("test data");
        let d = on_package_change(&market, &mut p, &offer, cheaper, date("2026-05-20"), true);
        assert!(d.rules.contains(&rules::PRM_3));
        assert_eq!(
            data(&p, &offer, &catalog, "mobile-1590", "2026-05-31"),
            40960
        );
        assert_eq!(
            data(&p, &offer, &catalog, "mobile-1590", "2026-06-30"),
            10240
        );
        assert_eq!(p.status, PromotionStatus::Lapsed);
        // Back to the package it was granted on: PRM-4, from the next period.
        let back = catalog.package("mobile-1990").expect("test data");
        let d = on_package_change(&market, &mut p, &offer, back, date("2026-07-03"), true);
        assert_eq!(d.rules, vec![rules::PRM_4]);
        assert_eq!(
            data(&p, &offer, &catalog, "mobile-1990", "2026-07-31"),
            20480
        );
        assert_eq!(
            data(&p, &offer, &catalog, "mobile-1990", "2026-08-31"),
            40960
        );
    }

    #[test]
    fn no_return_once_the_renewal_has_ended() {
        let (market, catalog, offer) = setup();
        let mut p = granted(&market, &catalog, &offer, "mobile-1990");
        let mini = catalog.package("mini-990").expect("test data");
        on_package_change(&market, &mut p, &offer, mini, date("2026-05-20"), true);
        let back = catalog.package("mobile-1990").expect("test data");
        let d = on_package_change(&market, &mut p, &offer, back, date("2026-07-03"), false);
        assert_eq!(d.rules, vec![rules::PRM_4]);
        assert_eq!(p.status, PromotionStatus::Lapsed);
        assert_eq!(
            data(&p, &offer, &catalog, "mobile-1990", "2026-08-31"),
            20480
        );
    }

    #[test]
    fn deactivation_loses_it_for_good() {
        let (market, catalog, offer) = setup();
        let mut p = granted(&market, &catalog, &offer, "mobile-1590");
        let d = on_deactivation(&market, &mut p, &offer, date("2026-06-10"));
        assert_eq!(d.rules, vec![rules::PRM_6]);
        assert_eq!(
            data(&p, &offer, &catalog, "mobile-1590", "2026-06-30"),
            10240
        );
        let back = catalog.package("mobile-1590").expect("test data");
        let d = on_package_change(&market, &mut p, &offer, back, date("2026-07-03"), true);
        assert_eq!(d.rules, vec![rules::PRM_6]);
        assert_eq!(
            data(&p, &offer, &catalog, "mobile-1590", "2026-08-31"),
            10240
        );
    }

    #[test]
    fn a_phone_with_a_dearer_package_extends_the_validity() {
        let (market, catalog, offer) = setup();
        let mut p = granted(&market, &catalog, &offer, "mobile-1590");
        let previous = catalog.package("mobile-1590").expect("test data");
        let dearer = catalog.package("mobile-2990").expect("test data");
        let renewal = Commitment::new(date("2027-01-10"), 24);
        let d = on_device_purchase(
            &market,
            &mut p,
            &offer,
            previous,
            dearer,
            Some(&renewal),
            date("2027-01-10"),
        );
        assert!(d.rules.contains(&rules::PRM_7));
        assert_eq!(p.valid_until, date("2029-01-10"));
        assert_eq!(
            data(&p, &offer, &catalog, "mobile-2990", "2028-12-31"),
            102_400
        );

        // 1990 → 1590 is not 300 dearer: the validity stays, the data follows 1590.
        let mut q = granted(&market, &catalog, &offer, "mobile-1990");
        let before = catalog.package("mobile-1990").expect("test data");
        let d = on_device_purchase(
            &market,
            &mut q,
            &offer,
            before,
            previous,
            Some(&renewal),
            date("2027-01-10"),
        );
        assert_eq!(d.rules, vec![rules::PRM_7]);
        assert_eq!(q.valid_until, date("2028-03-15"));
        assert_eq!(
            data(&q, &offer, &catalog, "mobile-1590", "2027-01-31"),
            40960
        );
        assert_eq!(
            data(&q, &offer, &catalog, "mobile-1590", "2027-02-28"),
            20480
        );
    }
}
