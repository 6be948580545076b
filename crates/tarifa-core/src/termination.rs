//! Ending a contract (TRM-1, TRM-2, TRM-4, TRM-5, TRM-6, CMP-6, DEV-4): what
//! it costs and when it takes effect, decided before anything is executed,
//! so an agent can quote it first.

use jiff::civil::Date;

use crate::complaint::ComplaintStatus;
use crate::contract::{Contract, SalesChannel};
use crate::market::Market;
use crate::money::Money;
use crate::party::PartyKind;
use crate::rule::{Decision, rules};
use crate::time::{add_days, months_left};

/// Who ends the contract.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TerminatedBy {
    Subscriber,
    Operator,
}

/// Why, as far as the rules care.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Grounds {
    /// Either side, at any time (TRM-1).
    Ordinary,
    /// For the subscriber's fault: non-payment, breach, abuse, harassment (TRM-5).
    SubscriberFault(String),
    /// A unilateral change unfavourable to the subscriber (CAT-4).
    UnfavourableChange,
    /// Service below the contracted quality (CMP-6).
    Quality,
    /// Withdrawal from a distance or off-premises sale (TRM-6).
    Withdrawal,
    /// Bankruptcy or liquidation of a legal entity (CON-11).
    Insolvency,
}

/// The reasons a termination request may give, for messages.
pub const ACCEPTED_REASONS: &str = "ordinary (or TRM-1, or none), CAT-4 (unfavourable_change), \
CMP-6 (quality), TRM-6 (withdrawal), CON-11 (bankruptcy, liquidation), TRM-5 (non-payment, \
breach, abuse, harassment, emergency_abuse) or an ABU-/DUN- rule id; a note may follow a colon, \
as in \"ordinary: moving abroad\"";

impl Grounds {
    /// Reads a `reason` of a termination request: a rule id or a word,
    /// optionally followed by `:` and a note of the agent's. A reason it does
    /// not know is refused — a typo must not turn a withdrawal (no fee) into
    /// an ordinary termination (with its fee).
    pub fn parse(reason: &str) -> Result<Self, String> {
        let reason = reason.trim();
        let word = reason
            .split_once(':')
            .map_or(reason, |(word, _)| word)
            .trim()
            .to_lowercase();
        let is_rule = |prefix: &str| {
            word.strip_prefix(prefix)
                .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
        };
        Ok(match word.as_str() {
            "" | "ordinary" | "trm-1" => Self::Ordinary,
            "cat-4" | "unfavourable_change" | "unfavorable_change" => Self::UnfavourableChange,
            "cmp-6" | "quality" => Self::Quality,
            "trm-6" | "withdrawal" => Self::Withdrawal,
            "con-11" | "bankruptcy" | "liquidation" => Self::Insolvency,
            "trm-5" | "non-payment" | "non_payment" | "breach" | "abuse" | "harassment"
            | "emergency_abuse" => Self::SubscriberFault(reason.to_owned()),
            _ if is_rule("abu-") || is_rule("dun-") => Self::SubscriberFault(reason.to_owned()),
            _ => {
                return Err(format!(
                    "{:?} is not a termination reason; accepted: {ACCEPTED_REASONS}",
                    crate::text::clip(reason, crate::text::ECHO_CHARS)
                ));
            }
        })
    }

    /// The grounds of a reason stored before reasons were checked: what
    /// [`Grounds::parse`] does not know was taken as ordinary then.
    pub fn of_stored(reason: &str) -> Self {
        Self::parse(reason).unwrap_or(Self::Ordinary)
    }

    /// The grounds as a reason `parse` reads back the same.
    pub fn label(&self) -> String {
        match self {
            Self::Ordinary => "ordinary".into(),
            Self::SubscriberFault(why) => why.clone(),
            Self::UnfavourableChange => "CAT-4".into(),
            Self::Quality => "quality".into(),
            Self::Withdrawal => "withdrawal".into(),
            Self::Insolvency => "bankruptcy".into(),
        }
    }
}

/// The open termination window of an unfavourable change (CAT-4).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OpenWindow {
    /// The window's last day.
    pub until: Date,
    /// The day the change takes effect.
    pub effective: Date,
}

/// A complaint about the quality of service, as far as CMP-6 cares.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct QualityComplaint {
    pub filed_on: Date,
    pub status: ComplaintStatus,
    /// The day the operator decided it, if it did.
    pub decided_on: Option<Date>,
}

/// What the situation is when the quote is asked for.
#[derive(Clone, Debug)]
pub struct TerminationCase<'a> {
    pub contract: &'a Contract,
    pub party_kind: PartyKind,
    /// The monthly fee of the package now.
    pub monthly_fee: Money,
    pub by: TerminatedBy,
    pub grounds: Grounds,
    pub today: Date,
    /// The subscriber's latest complaint about quality, if any (CMP-6).
    pub quality_complaint: Option<QualityComplaint>,
    /// An open window of an unfavourable change (CAT-4).
    pub unfavourable_window: Option<OpenWindow>,
    /// Charges paid in advance, refunded on CMP-6 and TRM-6.
    pub prepaid: Money,
    /// The lent equipment's price-list value (DEV-4), if any.
    pub lent_equipment_value: Option<Money>,
}

/// A fee the termination costs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TerminationFee {
    /// The fee kind of SCENARIOS.md.
    pub kind: &'static str,
    pub amount: Money,
}

/// The quote: the decision, the end date, fees, refund and return deadline.
#[derive(Clone, Debug)]
pub struct Quote {
    pub decision: Decision,
    pub ends_on: Date,
    pub fees: Vec<TerminationFee>,
    /// Money to refund and the day it is due by.
    pub refund: Option<(Money, Date)>,
    /// Lent equipment must be back by this day (DEV-4).
    pub return_by: Option<Date>,
}

/// Whether a quality complaint opens the exit of CMP-6 today: `Ok` with how
/// it was established, or `Err` with why not. The exit needs the low quality
/// established; a complaint the operator has not yet decided counts, because
/// the operator's deadline to decide (CMP-3) is as long as the subscriber's
/// window, and its silence must not close the exit. A rejected complaint
/// (or one the regulator still has on appeal) does not.
fn quality_exit(complaint: QualityComplaint, days: i64, today: Date) -> Result<String, String> {
    let QualityComplaint {
        filed_on,
        status,
        decided_on,
    } = complaint;
    let (since, established) = match (status, decided_on) {
        (ComplaintStatus::Pending, _) | (ComplaintStatus::Appealed, None) => {
            (filed_on, format!("reported on {filed_on}"))
        }
        (ComplaintStatus::Upheld, Some(on)) => (on, format!("established on {on}")),
        (ComplaintStatus::Upheld, None) => (filed_on, format!("established on {filed_on}")),
        (ComplaintStatus::Rejected | ComplaintStatus::Appealed, Some(on)) => {
            return Err(format!(
                "the complaint about quality of {filed_on} was rejected on {on}: below-contract quality is not established, and no appeal has been won"
            ));
        }
        (ComplaintStatus::Rejected, None) => {
            return Err(format!(
                "the complaint about quality of {filed_on} was rejected: below-contract quality is not established, and no appeal has been won"
            ));
        }
        (ComplaintStatus::Closed, _) => {
            return Err(format!(
                "the complaint about quality of {filed_on} is closed without below-contract quality established"
            ));
        }
    };
    let until = add_days(since, days);
    if today > until {
        return Err(format!(
            "termination for quality is open {days} days from {since}: it closed on {until}"
        ));
    }
    Ok(established)
}

/// Decides what ending a contract costs (TRM-2: the lesser of the fees left
/// and the discounts received, counting a started month as whole) and lists
/// every reason at once.
pub fn quote(market: &Market, case: &TerminationCase<'_>) -> Quote {
    let contract = case.contract;
    let today = case.today;
    let currency = market.currency;
    let mut decision = Decision::approved();
    let mut fees = Vec::new();
    let mut refund = None;
    let mut ends_on = today;
    if !contract.status.is_live() {
        decision.refuse_plainly(format!("the contract is {} already", contract.status));
    }
    let discounts = contract
        .signed
        .benefits
        .iter()
        .fold(Money::zero(currency), |sum, b| sum + b.amount);
    let in_commitment = contract.in_commitment(today);
    let end = contract.commitment().map(|c| c.end);

    match (&case.grounds, case.by) {
        (Grounds::Insolvency, TerminatedBy::Operator) => {
            if !market.applies(rules::CON_11) {
                decision.refuse(
                    rules::CON_11,
                    format!(
                        "the terms of market {} give no ground of insolvency",
                        market.id
                    ),
                );
            } else if case.party_kind == PartyKind::Individual {
                decision.refuse(
                    rules::CON_11,
                    "bankruptcy or liquidation is a ground only against a legal entity",
                );
            } else {
                decision.because(
                    rules::CON_11,
                    "the subscriber is in bankruptcy or liquidation: the operator terminates; what is owed is claimed in the proceedings",
                );
            }
        }
        (Grounds::Insolvency, TerminatedBy::Subscriber) => {
            decision.refuse(
                rules::CON_11,
                "bankruptcy or liquidation is the operator's ground to terminate",
            );
        }
        (Grounds::Withdrawal, _) => {
            let days = i64::from(market.rules.trm_6.withdrawal_days);
            let distance = matches!(
                contract.signed.channel,
                SalesChannel::Distance | SalesChannel::OffPremises
            );
            if !market.applies(rules::TRM_6) {
                decision.refuse(
                    rules::TRM_6,
                    format!(
                        "withdrawal from a distance sale is not a right in {}",
                        market.name
                    ),
                );
            } else if !distance || case.party_kind != PartyKind::Individual {
                decision.refuse(
                    rules::TRM_6,
                    "only a natural person who bought at a distance or off premises may withdraw",
                );
            } else if today > add_days(contract.signed.signed_on, days) {
                decision.refuse(
                    rules::TRM_6,
                    format!(
                        "the {days} days to withdraw from the sale of {} ended on {}",
                        contract.signed.signed_on,
                        add_days(contract.signed.signed_on, days)
                    ),
                );
            } else {
                let by = add_days(today, i64::from(market.rules.trm_6.refund_within_days));
                decision.because(
                    rules::TRM_6,
                    format!(
                        "withdrawal from a distance sale: no fee; {} refunded by {by}",
                        case.prepaid
                    ),
                );
                refund = Some((case.prepaid, by));
            }
        }
        (Grounds::Quality, TerminatedBy::Subscriber) => {
            let days = i64::from(market.rules.cmp_6.terminate_within_days);
            match case.quality_complaint {
                _ if !market.applies(rules::CMP_6) => {
                    decision.refuse(
                        rules::CMP_6,
                        format!("the terms of market {} give no exit for quality", market.id),
                    );
                }
                None => {
                    decision.refuse(
                        rules::CMP_6,
                        "termination for quality needs a complaint about quality first",
                    );
                }
                Some(complaint) => match quality_exit(complaint, days, today) {
                    Ok(since) => {
                        let by = add_days(today, i64::from(market.rules.trm_6.refund_within_days));
                        decision.because(
                            rules::CMP_6,
                            format!("service below the contracted quality, {since}: terminated without a fee; {} prepaid refunded", case.prepaid),
                        );
                        refund = Some((case.prepaid, by));
                    }
                    Err(why) => {
                        decision.refuse(rules::CMP_6, why);
                    }
                },
            }
        }
        (Grounds::UnfavourableChange, TerminatedBy::Subscriber) => match case.unfavourable_window {
            Some(OpenWindow { until, effective })
                if market.applies(rules::CAT_4) && today <= until =>
            {
                decision.because(rules::CAT_4, format!("an unfavourable change: terminated until {until} with no penalty and no notice"));
                if market.rules.cat_4.terminated_on_effective {
                    ends_on = effective;
                    decision.because(
                            rules::CAT_4,
                            format!(
                                "the contract is deemed terminated on {effective}, the day the change takes effect; until then it runs on the old terms"
                            ),
                        );
                }
            }
            _ => {
                decision.refuse(rules::CAT_4, "no unfavourable change of this contract's terms has an open termination window");
            }
        },
        (Grounds::SubscriberFault(why), TerminatedBy::Operator) => {
            decision.because(
                rules::TRM_5,
                format!("terminated by the operator for the subscriber's fault ({why})"),
            );
            if discounts.is_positive() && in_commitment {
                decision.because(
                    rules::TRM_5,
                    format!("the discounts received are claimed: {discounts}"),
                );
                fees.push(TerminationFee {
                    kind: "early_termination",
                    amount: discounts,
                });
            }
        }
        (_, TerminatedBy::Operator) => {
            decision.because(
                rules::TRM_1,
                "terminated by the operator in writing; no fee for the subscriber",
            );
        }
        (_, TerminatedBy::Subscriber) => {
            if in_commitment && let Some(end) = end {
                let months = months_left(today, end);
                let remaining = case.monthly_fee.times(i64::from(months));
                let fee = remaining.min(discounts);
                decision.because(
                    rules::TRM_2,
                    format!(
                        "{months} months left until {end} (a started month counts whole) × {} = {remaining}; discounts received {discounts}; the lesser, {fee}, is due",
                        case.monthly_fee
                    ),
                );
                if fee.is_positive() {
                    fees.push(TerminationFee {
                        kind: "early_termination",
                        amount: fee,
                    });
                }
            } else if market.applies(rules::TRM_4) && case.party_kind.is_residential() {
                decision.because(
                    rules::TRM_4,
                    "no live commitment: a residential subscriber terminates with immediate effect and no consequence; open bills and the final bill are settled with it",
                );
            } else {
                let why = if end.is_some() {
                    "the commitment has ended (CON-2)"
                } else {
                    "an indefinite contract"
                };
                decision.because(
                    rules::TRM_1,
                    format!("terminated by the subscriber in writing: {why}, no fee"),
                );
            }
        }
    }
    let mut return_by = None;
    if let Some(value) = case.lent_equipment_value
        && market.applies(rules::DEV_4)
    {
        let by = add_days(ends_on, i64::from(market.rules.dev_4.return_days));
        decision.because(
            rules::DEV_4,
            format!("the lent equipment is returned undamaged by {by}, or its price-list value of {value} is billed"),
        );
        return_by = Some(by);
    }
    if decision.is_rejected() {
        fees.clear();
        refund = None;
        return_by = None;
    }
    Quote {
        decision,
        ends_on,
        fees,
        refund,
        return_by,
    }
}

/// The device of a sale undone by a withdrawal comes back (TRM-6): sealed,
/// nothing is owed; unsealed or damaged, withdrawal does not cover it and
/// its price as sold is billed (the amount returned). A device comes back
/// once.
pub fn withdrawn_device_back(
    device: &str,
    price: Money,
    already_returned: bool,
    damaged: bool,
    today: Date,
) -> (Decision, Option<Money>) {
    let mut decision = Decision::approved();
    if already_returned {
        decision.refuse(rules::TRM_6, format!("{device} was already returned"));
        return (decision, None);
    }
    if damaged {
        decision.because(
            rules::TRM_6,
            format!("{device} came back unsealed or damaged: withdrawal does not cover it, and its price of {price} is billed"),
        );
        return (decision, Some(price));
    }
    decision.because(
        rules::TRM_6,
        format!("{device} returned sealed on {today}, as the withdrawal requires: nothing is owed for it"),
    );
    (decision, None)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contract::{Benefit, BenefitKind, Commitment, ContractStatus, SignedTerms};
    use jiff::civil::date;

    fn me() -> Market {
        crate::market::preset("me")
    }

    fn contract(market: &Market, discount: &str) -> Contract {
        Contract {
            id: 1,
            handle: None,
            customer_id: 1,
            number: "+38220000001".into(),
            status: ContractStatus::Active,
            package: "fiber-100".into(),
            signed: SignedTerms {
                package: "fiber-100".into(),
                signed_on: date(2026, 1, 10),
                activated_on: date(2026, 1, 10),
                commitment: Some(Commitment::new(date(2026, 1, 10), 24)),
                benefits: vec![Benefit {
                    kind: BenefitKind::ServiceDiscount,
                    amount: market.money(discount).expect("money"),
                }],
                device: None,
                channel: SalesChannel::Store,
                deposit_may_be_required: false,
            },
            ended_on: None,
            owner_since: None,
        }
    }

    fn case<'a>(
        market: &Market,
        contract: &'a Contract,
        today: Date,
        grounds: Grounds,
        by: TerminatedBy,
    ) -> TerminationCase<'a> {
        TerminationCase {
            contract,
            party_kind: PartyKind::Individual,
            monthly_fee: market.money("25.00").expect("money"),
            by,
            grounds,
            today,
            quality_complaint: None,
            unfavourable_window: None,
            prepaid: Money::zero(market.currency),
            lent_equipment_value: None,
        }
    }

    #[test]
    fn cat4_in_montenegro_ends_on_the_day_the_change_takes_effect() {
        let me = me();
        let c = contract(&me, "97.50");
        let mut in_window = case(
            &me,
            &c,
            date(2026, 4, 1),
            Grounds::UnfavourableChange,
            TerminatedBy::Subscriber,
        );
        in_window.unfavourable_window = Some(OpenWindow {
            until: date(2026, 4, 14),
            effective: date(2026, 4, 15),
        });
        let q = quote(&me, &in_window);
        assert!(q.decision.is_approved());
        assert!(q.fees.is_empty(), "no penalty in the window");
        assert_eq!(q.ends_on, date(2026, 4, 15));
        let mut late = in_window.clone();
        late.today = date(2026, 4, 15);
        assert!(quote(&me, &late).decision.is_rejected());
        let mut hu = me.clone();
        hu.rules.cat_4.terminated_on_effective = false;
        assert_eq!(
            quote(&hu, &in_window).ends_on,
            date(2026, 4, 1),
            "elsewhere it ends when asked"
        );
    }

    #[test]
    fn con11_insolvency_only_against_a_legal_entity_by_the_operator() {
        let me = me();
        let c = contract(&me, "97.50");
        let individual = case(
            &me,
            &c,
            date(2026, 4, 1),
            Grounds::parse("bankruptcy").expect("known"),
            TerminatedBy::Operator,
        );
        assert!(quote(&me, &individual).decision.is_rejected());
        let mut company = individual.clone();
        company.party_kind = PartyKind::Business;
        let q = quote(&me, &company);
        assert!(q.decision.is_approved() && q.fees.is_empty());
        let mut by_subscriber = company.clone();
        by_subscriber.by = TerminatedBy::Subscriber;
        assert!(quote(&me, &by_subscriber).decision.is_rejected());
    }

    #[test]
    fn trm2_the_lesser_of_the_fees_left_and_the_discounts() {
        let me = me();
        let c = contract(&me, "97.50");
        // 2027-10-11 to 2028-01-10: 3 months (the started one counts) × 25.00 = 75.00 < 97.50.
        let q = quote(
            &me,
            &case(
                &me,
                &c,
                date(2027, 10, 11),
                Grounds::Ordinary,
                TerminatedBy::Subscriber,
            ),
        );
        assert_eq!(
            q.fees,
            vec![TerminationFee {
                kind: "early_termination",
                amount: me.money("75.00").expect("m")
            }]
        );
        // A year left: 12 × 25.00 = 300.00 > 97.50: the discounts.
        let q = quote(
            &me,
            &case(
                &me,
                &c,
                date(2027, 1, 10),
                Grounds::Ordinary,
                TerminatedBy::Subscriber,
            ),
        );
        assert_eq!(q.fees[0].amount.to_string(), "97.50");
        assert!(q.decision.reason_texts()[0].contains("12 months left"));
        // After the commitment: nothing.
        let q = quote(
            &me,
            &case(
                &me,
                &c,
                date(2028, 1, 10),
                Grounds::Ordinary,
                TerminatedBy::Subscriber,
            ),
        );
        assert!(q.fees.is_empty());
        assert_eq!(q.decision.rules, vec![rules::TRM_1]);
    }

    #[test]
    fn trm5_fault_claims_the_discounts() {
        let me = me();
        let c = contract(&me, "60.00");
        let q = quote(
            &me,
            &case(
                &me,
                &c,
                date(2027, 12, 1),
                Grounds::parse("non-payment").expect("known"),
                TerminatedBy::Operator,
            ),
        );
        assert_eq!(q.fees[0].amount.to_string(), "60.00");
        assert!(q.decision.rules.contains(&rules::TRM_5));
    }

    #[test]
    fn cmp6_quality_within_8_days_costs_nothing() {
        let me = me();
        let c = contract(&me, "60.00");
        let mut k = case(
            &me,
            &c,
            date(2026, 6, 9),
            Grounds::Quality,
            TerminatedBy::Subscriber,
        );
        k.quality_complaint = Some(QualityComplaint {
            filed_on: date(2026, 6, 1),
            status: ComplaintStatus::Pending,
            decided_on: None,
        });
        let q = quote(&me, &k);
        assert!(q.decision.is_approved() && q.fees.is_empty());
        k.today = date(2026, 6, 10);
        assert!(quote(&me, &k).decision.is_rejected());
    }

    #[test]
    fn cmp6_needs_the_low_quality_established() {
        let me = me();
        let c = contract(&me, "97.50");
        let mut k = case(
            &me,
            &c,
            date(2026, 6, 5),
            Grounds::Quality,
            TerminatedBy::Subscriber,
        );
        let complaint = |status, decided_on| QualityComplaint {
            filed_on: date(2026, 6, 1),
            status,
            decided_on,
        };
        k.quality_complaint = Some(complaint(ComplaintStatus::Rejected, Some(date(2026, 6, 3))));
        let q = quote(&me, &k);
        assert!(q.decision.is_rejected());
        assert!(q.decision.reason_texts()[0].contains("rejected on 2026-06-03"));
        k.quality_complaint = Some(complaint(ComplaintStatus::Appealed, Some(date(2026, 6, 3))));
        assert!(quote(&me, &k).decision.is_rejected());
        k.quality_complaint = Some(complaint(ComplaintStatus::Closed, None));
        assert!(quote(&me, &k).decision.is_rejected());
        // Upheld late: the 8 days run from the day it was established.
        k.quality_complaint = Some(complaint(ComplaintStatus::Upheld, Some(date(2026, 6, 8))));
        k.today = date(2026, 6, 16);
        assert!(quote(&me, &k).decision.is_approved());
        k.today = date(2026, 6, 17);
        assert!(quote(&me, &k).decision.is_rejected());
        // Appealed with no decision of the operator: still open.
        k.quality_complaint = Some(complaint(ComplaintStatus::Appealed, None));
        k.today = date(2026, 6, 9);
        assert!(quote(&me, &k).decision.is_approved());
    }

    #[test]
    fn a_withdrawn_device_comes_back_sealed_for_nothing_once() {
        let price = Money::from_minor(12_000, me().currency);
        let (d, billed) =
            withdrawn_device_back("dect-phone", price, false, false, date(2026, 3, 9));
        assert!(d.is_approved() && billed.is_none());
        assert!(d.reason_texts()[0].contains("returned sealed"));
        let (d, billed) = withdrawn_device_back("dect-phone", price, false, true, date(2026, 3, 9));
        assert!(d.is_approved());
        assert_eq!(billed, Some(price));
        let (d, billed) = withdrawn_device_back("dect-phone", price, true, false, date(2026, 3, 9));
        assert!(d.is_rejected() && billed.is_none());
        assert_eq!(d.rules, vec![rules::TRM_6]);
    }
}
