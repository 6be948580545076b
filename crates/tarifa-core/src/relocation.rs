//! Relocation of a fixed service to a new address (CON-10): the request,
//! the operator's answer within its days, the annex, the move within its
//! days, and the fee on the next bill.

use jiff::civil::Date;

use crate::market::Market;
use crate::money::Money;
use crate::names::snake_case_str;
use crate::rule::{Decision, rules};
use crate::time::add_days;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RelocationStatus {
    /// Waiting for the operator's answer.
    Requested,
    Possible,
    /// Possible with new access infrastructure: paid by the subscriber, or
    /// a new commitment instead.
    NeedsInfrastructure,
    /// Not possible: the subscriber may terminate (TRM-2) or assign (CON-9).
    Impossible,
    /// The annex is signed; the move is due.
    Annexed,
    Done,
}

snake_case_str!(RelocationStatus {
    Requested = "requested",
    Possible = "possible",
    NeedsInfrastructure = "needs_infrastructure",
    Impossible = "impossible",
    Annexed = "annexed",
    Done = "done",
});

/// The operator's answer to a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Answer {
    Possible,
    /// Possible once new access infrastructure of this cost is built.
    Infrastructure(Money),
    Impossible,
}

/// Who bears new access infrastructure, agreed in the annex.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Infrastructure {
    SubscriberPays,
    /// A new commitment of this many months instead.
    NewCommitment(u32),
}

/// A request: the answer is due within the market's days.
pub fn request(market: &Market, today: Date) -> (Date, Decision) {
    let mut decision = Decision::approved();
    let days = market.rules.con_10.answer_days;
    let answer_by = add_days(today, i64::from(days));
    if market.applies(rules::CON_10) {
        decision.because(
            rules::CON_10,
            format!("the operator answers within {days} days, by {answer_by}, whether the move is technically possible"),
        );
    } else {
        decision.refuse(
            rules::CON_10,
            format!(
                "the terms of market {} set no relocation process",
                market.id
            ),
        );
    }
    (answer_by, decision)
}

/// The operator's answer.
pub fn answer(
    status: RelocationStatus,
    answer: Answer,
    answer_by: Date,
    today: Date,
) -> (RelocationStatus, Decision) {
    let mut decision = Decision::approved();
    if status != RelocationStatus::Requested {
        decision.refuse(
            rules::CON_10,
            format!("the request was already answered: it is {status}"),
        );
        return (status, decision);
    }
    if today > answer_by {
        decision.because(
            rules::CON_10,
            format!("answered after the deadline of {answer_by}"),
        );
    }
    let next = match answer {
        Answer::Possible => {
            decision.because(
                rules::CON_10,
                "the move is technically possible: an annex can be signed",
            );
            RelocationStatus::Possible
        }
        Answer::Infrastructure(cost) => {
            decision.because(
                rules::CON_10,
                format!("the new address needs access infrastructure ({cost}): paid by the subscriber, or a new commitment instead"),
            );
            RelocationStatus::NeedsInfrastructure
        }
        Answer::Impossible => {
            decision.because(rules::CON_10, "the move is not technically possible");
            decision.because(
                rules::TRM_2,
                "the subscriber may terminate; the early-termination fee applies",
            );
            decision.because(rules::CON_9, "or assign the contract to someone else");
            RelocationStatus::Impossible
        }
    };
    (next, decision)
}

/// The annex: only once the move is possible, and with the debts settled;
/// the move is then due within the market's days.
pub fn annex(
    market: &Market,
    status: RelocationStatus,
    overdue_debt: Option<Money>,
    infrastructure: Option<Infrastructure>,
    today: Date,
) -> (Date, Decision) {
    let mut decision = Decision::approved();
    let days = market.rules.con_10.relocation_days;
    let done_by = add_days(today, i64::from(days));
    match status {
        RelocationStatus::Possible => {}
        RelocationStatus::NeedsInfrastructure => match infrastructure {
            Some(Infrastructure::SubscriberPays) => {
                decision.because(
                    rules::CON_10,
                    "the subscriber pays for the new access infrastructure, on the next bill",
                );
            }
            Some(Infrastructure::NewCommitment(months)) if months > 0 => {
                decision.because(rules::CON_10, format!("a new commitment of {months} months instead of paying for the infrastructure"));
            }
            _ => {
                decision.refuse(
                    rules::CON_10,
                    "new access infrastructure is needed: the annex says whether the subscriber pays for it or takes a new commitment",
                );
            }
        },
        other => {
            decision.refuse(
                rules::CON_10,
                format!("an annex needs a positive answer first: the request is {other}"),
            );
        }
    }
    if let Some(debt) = overdue_debt.filter(|d| d.is_positive()) {
        decision.refuse(
            rules::CON_10,
            format!("the move needs the debts settled: {debt} is overdue"),
        );
    }
    if decision.is_approved() {
        decision.because(
            rules::CON_10,
            format!("the move is due within {days} days of the annex, by {done_by}"),
        );
    }
    (done_by, decision)
}

/// The move is done: the fee goes on the next bill.
pub fn complete(
    status: RelocationStatus,
    done_by: Option<Date>,
    fee: Option<Money>,
    today: Date,
) -> Decision {
    let mut decision = Decision::approved();
    // An annex sets the deadline; a request without one was never annexed.
    let (RelocationStatus::Annexed, Some(done_by)) = (status, done_by) else {
        decision.refuse(
            rules::CON_10,
            format!(
                "the move needs a signed annex first: the request is {status}, with no annex signed"
            ),
        );
        return decision;
    };
    if today > done_by {
        decision.because(
            rules::CON_10,
            format!("moved after the deadline of {done_by}"),
        );
    }
    match fee {
        Some(fee) => decision.because(
            rules::CON_10,
            format!("moved; the relocation fee of {fee} goes on the next bill"),
        ),
        None => decision.because(rules::CON_10, "moved; the price list has no relocation fee"),
    };
    decision
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
    fn the_answer_is_due_in_15_days_and_the_move_15_days_after_the_annex() {
        let market = me();
        let (answer_by, decision) = request(&market, day("2026-03-02"));
        assert_eq!(answer_by, day("2026-03-17"));
        assert!(decision.is_approved());
        let (status, _) = answer(
            RelocationStatus::Requested,
            Answer::Possible,
            answer_by,
            day("2026-03-10"),
        );
        assert_eq!(status, RelocationStatus::Possible);
        let (done_by, decision) = annex(&market, status, None, None, day("2026-03-12"));
        assert!(decision.is_approved());
        assert_eq!(done_by, day("2026-03-27"));
    }

    #[test]
    fn debts_block_the_annex_and_infrastructure_needs_a_choice() {
        let market = me();
        let debt = market.money("12.00").expect("money");
        let (_, decision) = annex(
            &market,
            RelocationStatus::Possible,
            Some(debt),
            None,
            day("2026-03-12"),
        );
        assert!(decision.is_rejected());
        let (_, decision) = annex(
            &market,
            RelocationStatus::NeedsInfrastructure,
            None,
            None,
            day("2026-03-12"),
        );
        assert!(decision.is_rejected());
        let choice = Some(Infrastructure::NewCommitment(24));
        let (_, decision) = annex(
            &market,
            RelocationStatus::NeedsInfrastructure,
            None,
            choice,
            day("2026-03-12"),
        );
        assert!(decision.is_approved());
        let (_, decision) = annex(
            &market,
            RelocationStatus::Impossible,
            None,
            None,
            day("2026-03-12"),
        );
        assert!(decision.is_rejected());
    }

    #[test]
    fn impossible_points_to_termination_or_assignment() {
        let (status, decision) = answer(
            RelocationStatus::Requested,
            Answer::Impossible,
            day("2026-03-17"),
            day("2026-03-18"),
        );
        assert_eq!(status, RelocationStatus::Impossible);
        assert!(decision.rules.contains(&rules::TRM_2) && decision.rules.contains(&rules::CON_9));
        assert!(
            decision
                .reason_texts()
                .iter()
                .any(|r| r.contains("after the deadline"))
        );
    }

    #[test]
    fn a_move_without_a_signed_annex_is_refused_not_failed() {
        let fee = Some(Money::from_minor(2_000, me().currency));
        for (status, done_by) in [
            (RelocationStatus::Possible, None),
            (RelocationStatus::Requested, None),
            (RelocationStatus::NeedsInfrastructure, None),
            (RelocationStatus::Annexed, None),
        ] {
            let decision = complete(status, done_by, fee, day("2026-03-10"));
            assert!(!decision.is_approved(), "{status}");
            assert_eq!(decision.rules, vec![rules::CON_10]);
            assert!(decision.reason_texts()[0].contains("signed annex"));
        }
        let decision = complete(
            RelocationStatus::Annexed,
            Some(day("2026-03-12")),
            fee,
            day("2026-03-10"),
        );
        assert!(decision.is_approved());
    }
}
