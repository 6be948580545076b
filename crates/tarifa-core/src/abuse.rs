//! Abuse (ABU-1…5): what a finding leads to, from a warning to permanent
//! disconnection, and the cap on the operator's liability.

use jiff::civil::Date;

use crate::market::Market;
use crate::money::Money;
use crate::names::snake_case_str;
use crate::rule::{Decision, rules};
use crate::time::add_days;

/// The prohibited uses and the other findings the rules name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AbuseKind {
    /// International traffic presented as national, and other traffic the contract does not cover.
    Bypass,
    IncompatibleEquipment,
    UnsolicitedContent,
    Harassment,
    IpInfringement,
    Intrusion,
    Scanning,
    Flooding,
    /// The subscriber refused the operator access to fix interference (ABU-3).
    AccessRefused,
    /// Use beyond the contract, to be remedied in the time the operator gives (ABU-5).
    OverUse,
    /// Reselling or handing over the number or the service.
    Reselling,
    Fraud,
    FalseDocuments,
    GrossAbuse,
    RegulatorOrder,
    EmergencyAbuse,
}

snake_case_str!(AbuseKind {
    Bypass = "bypass",
    IncompatibleEquipment = "incompatible_equipment",
    UnsolicitedContent = "unsolicited_content",
    Harassment = "harassment",
    IpInfringement = "ip_infringement",
    Intrusion = "intrusion",
    Scanning = "scanning",
    Flooding = "flooding",
    AccessRefused = "access_refused",
    OverUse = "over_use",
    Reselling = "reselling",
    Fraud = "fraud",
    FalseDocuments = "false_documents",
    GrossAbuse = "gross_abuse",
    RegulatorOrder = "regulator_order",
    EmergencyAbuse = "emergency_abuse",
});

/// What the operator does about a finding.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AbuseAction {
    Warning,
    /// Outgoing traffic suspended at least until `until`; the statement of
    /// no further abuse is due by `remedy_by`.
    Suspension {
        until: Date,
        remedy_by: Date,
    },
    /// Service continues, but without the remedy by `remedy_by` the
    /// contract is disconnected for good.
    Deadline {
        remedy_by: Date,
    },
    Disconnection,
}

impl AbuseAction {
    pub fn name(self) -> &'static str {
        match self {
            Self::Warning => "warning",
            Self::Suspension { .. } => "suspension",
            Self::Deadline { .. } => "deadline",
            Self::Disconnection => "disconnection",
        }
    }

    /// The day by which the remedy is due, if the action waits for one.
    pub fn remedy_by(self) -> Option<Date> {
        match self {
            Self::Suspension { remedy_by, .. } | Self::Deadline { remedy_by } => Some(remedy_by),
            Self::Warning | Self::Disconnection => None,
        }
    }
}

/// An earlier finding on the same contract: its kind and the action taken.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EarlierFinding<'a> {
    pub kind: AbuseKind,
    pub action: &'a str,
}

/// The rule that makes a kind of finding actionable.
fn rule_of(kind: AbuseKind) -> crate::rule::RuleId {
    match kind {
        AbuseKind::Harassment => rules::ABU_2,
        AbuseKind::AccessRefused => rules::ABU_3,
        AbuseKind::OverUse
        | AbuseKind::Reselling
        | AbuseKind::Fraud
        | AbuseKind::FalseDocuments
        | AbuseKind::GrossAbuse
        | AbuseKind::RegulatorOrder
        | AbuseKind::EmergencyAbuse => rules::ABU_5,
        _ => rules::ABU_1,
    }
}

/// Decides a finding of `kind` on `today`, given the earlier findings on
/// the same contract (oldest first). `remedy_days` is the time the operator
/// gives to remedy over-use (ABU-5).
pub fn decide(
    market: &Market,
    kind: AbuseKind,
    earlier: &[EarlierFinding<'_>],
    remedy_days: Option<u32>,
    today: Date,
) -> (AbuseAction, Decision) {
    let mut decision = Decision::approved();
    let rule = rule_of(kind);
    if !market.applies(rule) {
        decision.refuse(
            rule,
            format!(
                "the terms of market {} name no action for {kind}",
                market.id
            ),
        );
        return (AbuseAction::Warning, decision);
    }
    let abu_3 = &market.rules.abu_3;
    let statement_by = add_days(today, i64::from(abu_3.statement_days));
    let statement_reason = format!(
        "a statement of no further abuse is due within {} days, by {statement_by}; without it the contract is disconnected for good",
        abu_3.statement_days
    );
    let count_before = |k: AbuseKind, action: &str| {
        earlier
            .iter()
            .filter(|f| f.kind == k && f.action == action)
            .count()
    };
    let action = match kind {
        AbuseKind::Reselling
        | AbuseKind::Fraud
        | AbuseKind::FalseDocuments
        | AbuseKind::GrossAbuse
        | AbuseKind::RegulatorOrder => {
            decision.because(
                rules::ABU_5,
                format!("{kind}: permanent disconnection at once, without prior notice"),
            );
            AbuseAction::Disconnection
        }
        AbuseKind::EmergencyAbuse => {
            decision.because(
                rules::ABU_5,
                "abuse of the emergency numbers: the operator terminates the contract",
            );
            decision.because(rules::TRM_5, "terminated for the subscriber's fault");
            AbuseAction::Disconnection
        }
        AbuseKind::OverUse => match remedy_days {
            Some(days) => {
                let remedy_by = add_days(today, i64::from(days));
                decision.because(
                    rules::ABU_5,
                    format!("over-use to be remedied within {days} days, by {remedy_by}; otherwise permanent disconnection"),
                );
                AbuseAction::Deadline { remedy_by }
            }
            None => {
                decision.refuse(
                    rules::ABU_5,
                    "over-use needs the time given to remedy it (remedy_days)",
                );
                AbuseAction::Warning
            }
        },
        AbuseKind::AccessRefused => {
            let attempts = count_before(kind, "warning") as u32 + 1;
            if attempts < abu_3.access_attempts {
                decision.because(
                    rules::ABU_3,
                    format!(
                        "access to fix interference refused (attempt {attempts}); after attempt {} the refusal may last at most {} days",
                        abu_3.access_attempts, abu_3.access_refusal_days
                    ),
                );
                AbuseAction::Warning
            } else {
                let remedy_by = add_days(today, i64::from(abu_3.access_refusal_days));
                decision.because(
                    rules::ABU_3,
                    format!(
                        "access refused at attempt {attempts}: without access by {remedy_by} ({} days) the contract is disconnected for good",
                        abu_3.access_refusal_days
                    ),
                );
                AbuseAction::Deadline { remedy_by }
            }
        }
        AbuseKind::Harassment => {
            let min_days = market.rules.abu_2.min_suspension_days;
            if count_before(kind, "suspension") > 0 {
                decision.because(
                    rules::ABU_2,
                    "harassment repeated after a suspension: permanent disconnection",
                );
                AbuseAction::Disconnection
            } else if count_before(kind, "warning") > 0 {
                decision.because(
                    rules::ABU_2,
                    format!("harassment continued after a warning: suspended for at least {min_days} days"),
                );
                decision.because(rules::ABU_3, statement_reason);
                AbuseAction::Suspension {
                    until: add_days(today, i64::from(min_days)),
                    remedy_by: statement_by,
                }
            } else {
                decision.because(
                    rules::ABU_2,
                    format!("harassment: a warning; if it continues, a suspension of at least {min_days} days"),
                );
                AbuseAction::Warning
            }
        }
        _ => {
            decision.because(
                rules::ABU_1,
                format!(
                    "{kind} is a prohibited use: outgoing traffic suspended at once, without notice"
                ),
            );
            decision.because(rules::ABU_3, statement_reason);
            AbuseAction::Suspension {
                until: today,
                remedy_by: statement_by,
            }
        }
    };
    (action, decision)
}

/// Who or what caused the damage a subscriber claims (ABU-4).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DamageCause {
    Intent,
    GrossNegligence,
    /// Ordinary negligence, force majeure, the subscriber's own doing, …
    Other,
}

snake_case_str!(DamageCause {
    Intent = "intent",
    GrossNegligence = "gross_negligence",
    Other = "other",
});

/// ABU-4: the operator compensates only damage it caused by intent or gross
/// negligence, and at most the monthly subscriptions the rule names.
pub fn compensation(
    market: &Market,
    cause: DamageCause,
    claimed: Money,
    monthly_fee: Money,
) -> (Money, Decision) {
    let mut decision = Decision::approved();
    let zero = Money::zero(claimed.currency());
    if !market.applies(rules::ABU_4) {
        decision.refuse(
            rules::ABU_4,
            format!("the terms of market {} set no liability rule", market.id),
        );
        return (zero, decision);
    }
    if cause == DamageCause::Other {
        decision.refuse(
            rules::ABU_4,
            "the operator is liable only for damage caused by intent or gross negligence",
        );
        return (zero, decision);
    }
    let months = market.rules.abu_4.cap_monthly_fees;
    let cap = monthly_fee.times(i64::from(months));
    let granted = claimed.min(cap);
    decision.because(
        rules::ABU_4,
        format!("liability is capped at {months} monthly subscriptions ({cap}): {granted} of {claimed} credited"),
    );
    (granted, decision)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn me() -> Market {
        crate::market::preset("me")
    }

    fn day(text: &str) -> Date {
        text.parse().expect("date")
    }

    #[test]
    fn harassment_goes_warning_suspension_disconnection() {
        let market = me();
        let (first, _) = decide(&market, AbuseKind::Harassment, &[], None, day("2026-03-02"));
        assert_eq!(first, AbuseAction::Warning);
        let warned = [EarlierFinding {
            kind: AbuseKind::Harassment,
            action: "warning",
        }];
        let (second, decision) = decide(
            &market,
            AbuseKind::Harassment,
            &warned,
            None,
            day("2026-03-02"),
        );
        assert_eq!(
            second,
            AbuseAction::Suspension {
                until: day("2026-03-17"),
                remedy_by: day("2026-03-17")
            }
        );
        assert!(decision.rules.contains(&rules::ABU_2) && decision.rules.contains(&rules::ABU_3));
        let suspended = [
            warned[0],
            EarlierFinding {
                kind: AbuseKind::Harassment,
                action: "suspension",
            },
        ];
        let (third, _) = decide(
            &market,
            AbuseKind::Harassment,
            &suspended,
            None,
            day("2026-05-02"),
        );
        assert_eq!(third, AbuseAction::Disconnection);
    }

    #[test]
    fn another_kind_of_finding_does_not_escalate_harassment() {
        let market = me();
        let earlier = [EarlierFinding {
            kind: AbuseKind::Flooding,
            action: "suspension",
        }];
        let (action, _) = decide(
            &market,
            AbuseKind::Harassment,
            &earlier,
            None,
            day("2026-03-02"),
        );
        assert_eq!(action, AbuseAction::Warning);
    }

    #[test]
    fn access_refused_twice_gives_three_days() {
        let market = me();
        let (first, _) = decide(
            &market,
            AbuseKind::AccessRefused,
            &[],
            None,
            day("2026-03-02"),
        );
        assert_eq!(first, AbuseAction::Warning);
        let earlier = [EarlierFinding {
            kind: AbuseKind::AccessRefused,
            action: "warning",
        }];
        let (second, _) = decide(
            &market,
            AbuseKind::AccessRefused,
            &earlier,
            None,
            day("2026-03-04"),
        );
        assert_eq!(
            second,
            AbuseAction::Deadline {
                remedy_by: day("2026-03-07")
            }
        );
    }

    #[test]
    fn over_use_needs_the_time_to_remedy() {
        let market = me();
        let (_, refused) = decide(&market, AbuseKind::OverUse, &[], None, day("2026-03-02"));
        assert!(refused.is_rejected());
        let (action, _) = decide(
            &market,
            AbuseKind::OverUse,
            &[],
            Some(10),
            day("2026-03-02"),
        );
        assert_eq!(
            action,
            AbuseAction::Deadline {
                remedy_by: day("2026-03-12")
            }
        );
    }

    #[test]
    fn markets_without_the_rules_refuse() {
        let rs = crate::market::preset("rs");
        let (_, decision) = decide(&rs, AbuseKind::Fraud, &[], None, day("2026-03-02"));
        assert!(decision.is_rejected());
        assert_eq!(decision.rules, vec![rules::ABU_5]);
    }

    #[test]
    fn compensation_is_capped_and_needs_intent_or_gross_negligence() {
        let market = me();
        let fee = market.money("10.00").expect("money");
        let (granted, _) = compensation(
            &market,
            DamageCause::GrossNegligence,
            market.money("500.00").expect("money"),
            fee,
        );
        assert_eq!(granted, market.money("120.00").expect("money"));
        let (granted, _) = compensation(
            &market,
            DamageCause::Intent,
            market.money("50.00").expect("money"),
            fee,
        );
        assert_eq!(granted, market.money("50.00").expect("money"));
        let (granted, decision) = compensation(
            &market,
            DamageCause::Other,
            market.money("50.00").expect("money"),
            fee,
        );
        assert!(decision.is_rejected());
        assert!(!granted.is_positive());
    }
}
