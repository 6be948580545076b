//! Complaints (CMP-1…6): filing against a bill within its window, the
//! undisputed amount still to pay, the operator's decision, the appeal to
//! the regulator.

use jiff::civil::Date;

use crate::market::Market;
use crate::money::Money;
use crate::names::snake_case_str;
use crate::rule::{Decision, rules};
use crate::time::add_days;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ComplaintStatus {
    Pending,
    Upheld,
    Rejected,
    Appealed,
    Closed,
}

snake_case_str!(ComplaintStatus {
    Pending = "pending",
    Upheld = "upheld",
    Rejected = "rejected",
    Appealed = "appealed",
    Closed = "closed",
});

impl ComplaintStatus {
    /// Open until the operator's decision, or the regulator's on appeal (CMP-5).
    pub fn is_open(self) -> bool {
        matches!(self, Self::Pending | Self::Appealed)
    }
}

/// The bill a complaint is about.
#[derive(Clone, Debug)]
pub struct ComplainedBill {
    pub number: String,
    pub total: Money,
    pub issued: Date,
}

/// What a complaint about a bill comes to when it is filed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Filing {
    /// The day the bill counts as received.
    pub received: Date,
    /// What the subscriber must still pay by the due date (CMP-1).
    pub undisputed: Money,
    /// The operator's decision is due by this day (CMP-3).
    pub decide_by: Date,
}

/// The day a bill counts as received: its issue date when delivered
/// electronically; by post, at the latest on the day BIL-5 names.
pub fn received_on(market: &Market, issued: Date) -> Date {
    let by_post = market.billing.default_delivery == "post";
    if by_post && market.applies(rules::BIL_5) {
        let day = i8::try_from(market.rules.bil_5.due_day).unwrap_or(15);
        issued.with().day(day).build().unwrap_or(issued).max(issued)
    } else {
        issued
    }
}

/// Files a complaint about a bill (CMP-1, CMP-2, CMP-3). `previous` are the
/// totals of the last undisputed bills, newest first.
pub fn file_about_bill(
    market: &Market,
    bill: &ComplainedBill,
    disputed: Money,
    channel: &str,
    filed_on: Date,
    previous: &[Money],
) -> (Option<Filing>, Decision) {
    let mut decision = Decision::new(crate::rule::Outcome::Pending);
    let channels = &market.rules.cmp_2.channels;
    if market.applies(rules::CMP_2) && !channels.iter().any(|c| c == channel) {
        decision.refuse(
            rules::CMP_2,
            format!(
                "a complaint is filed {}; not by {channel}",
                channels.join(", ")
            ),
        );
    }
    let received = received_on(market, bill.issued);
    let window = market.rules.cmp_1.file_within_days;
    let last_day = add_days(received, i64::from(window));
    if filed_on > last_day {
        decision.refuse(
            rules::CMP_1,
            format!(
                "bill {} was received on {received}: a complaint about it could be filed until {last_day} ({window} days)",
                bill.number
            ),
        );
    }
    if !disputed.is_positive() || disputed.minor() > bill.total.minor() {
        decision.refuse(
            rules::CMP_1,
            format!(
                "the amount disputed ({disputed}) must be more than zero and at most the bill's {}",
                bill.total
            ),
        );
    }
    if decision.is_rejected() {
        return (None, decision);
    }
    let part = bill.total - disputed;
    let count = usize::try_from(market.rules.cmp_1.average_of_bills).unwrap_or(3);
    let recent: Vec<Money> = previous.iter().take(count).copied().collect();
    let undisputed = if part.is_zero() && !recent.is_empty() {
        let sum = recent
            .iter()
            .fold(Money::zero(market.currency), |s, m| s + *m);
        let average = sum
            .scaled(
                rust_decimal::Decimal::ONE / rust_decimal::Decimal::from(recent.len()),
                market.rounding,
            )
            .unwrap_or(sum);
        decision.because(
            rules::CMP_1,
            format!("the whole bill is disputed: the average of the last {} undisputed bills, {average}, is still due", recent.len()),
        );
        average
    } else {
        decision.because(
            rules::CMP_1,
            format!(
                "{disputed} of {} disputed: the undisputed {part} is still due by the due date",
                bill.total
            ),
        );
        part
    };
    let decide_by = add_days(filed_on, i64::from(market.rules.cmp_3.decide_within_days));
    decision.because(rules::CMP_2, format!("filed by {channel} on {filed_on}"));
    decision.because(
        rules::CMP_3,
        format!("a reasoned written decision is due by {decide_by}"),
    );
    (
        Some(Filing {
            received,
            undisputed,
            decide_by,
        }),
        decision,
    )
}

/// The operator's answer to a complaint (CMP-3).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    Upheld,
    Rejected,
}

snake_case_str!(Verdict {
    Upheld = "upheld",
    Rejected = "rejected",
});

/// A bill as dunning sees it, for [`UpheldCredit::set_aside`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DunnedBill<'a> {
    pub id: i64,
    /// `YYYY-MM`.
    pub period: &'a str,
    /// A monthly bill (not a separate one).
    pub monthly: bool,
}

/// The amount of an upheld complaint (CMP-5): not owed, so it never counts
/// towards dunning. It is taken off the bill complained about and put back
/// on the monthly bill that carries its credit line (the month of the
/// decision), which the credit already lowered: what the customer owes in
/// all is unchanged, but no bill is overdue for the upheld amount, before or
/// after its credit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UpheldCredit {
    pub disputed_bill: i64,
    /// `YYYY-MM`: the period of the bill that carries the credit.
    pub credited_in: String,
    pub amount_minor: i64,
}

impl UpheldCredit {
    /// Moves the amount between the bills' totals `(bill id, total)`.
    pub fn set_aside(&self, bills: &[DunnedBill<'_>], totals: &mut [(i64, i64)]) {
        let credit_bill = bills
            .iter()
            .find(|b| b.monthly && b.period == self.credited_in && b.id != self.disputed_bill)
            .map(|b| b.id);
        for (id, total) in totals.iter_mut() {
            if *id == self.disputed_bill {
                *total -= self.amount_minor;
            } else if Some(*id) == credit_bill {
                *total += self.amount_minor;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn me() -> Market {
        crate::market::preset("me")
    }

    #[test]
    fn cmp1_window_from_receipt_on_the_15th_by_post() {
        let me = me();
        let bill = ComplainedBill {
            number: "ME-2026-0000001".into(),
            total: me.money("42.00").expect("money"),
            issued: date(2026, 2, 1),
        };
        let disputed = me.money("12.00").expect("money");
        let (filing, d) = file_about_bill(&me, &bill, disputed, "email", date(2026, 2, 23), &[]);
        let filing = filing.expect("in time");
        assert_eq!(filing.received, date(2026, 2, 15));
        assert_eq!(filing.undisputed.to_string(), "30.00");
        assert_eq!(filing.decide_by, date(2026, 3, 3));
        assert!(d.rules.contains(&rules::CMP_3));
        let (filing, d) = file_about_bill(&me, &bill, disputed, "email", date(2026, 2, 24), &[]);
        assert!(filing.is_none() && d.is_rejected() && d.rules == vec![rules::CMP_1]);
        let (_, d) = file_about_bill(&me, &bill, disputed, "phone", date(2026, 2, 20), &[]);
        assert_eq!(d.rules, vec![rules::CMP_2]);
    }

    #[test]
    fn cmp1_a_wholly_disputed_bill_leaves_the_average_due() {
        let me = me();
        let bill = ComplainedBill {
            number: "ME-2026-0000009".into(),
            total: me.money("90.00").expect("money"),
            issued: date(2026, 5, 1),
        };
        let previous = [
            me.money("30.00").expect("m"),
            me.money("31.00").expect("m"),
            me.money("35.00").expect("m"),
            me.money("99.00").expect("m"),
        ];
        let (filing, _) = file_about_bill(
            &me,
            &bill,
            bill.total,
            "store",
            date(2026, 5, 10),
            &previous,
        );
        assert_eq!(filing.expect("filed").undisputed.to_string(), "32.00");
    }

    #[test]
    fn an_upheld_amount_moves_to_the_bill_that_credits_it() {
        // January 10.00 with 4.00 upheld in February; February 6.00 after its credit line.
        let bills = [
            DunnedBill {
                id: 1,
                period: "2026-01",
                monthly: true,
            },
            DunnedBill {
                id: 2,
                period: "2026-02",
                monthly: false,
            },
            DunnedBill {
                id: 3,
                period: "2026-02",
                monthly: true,
            },
        ];
        let credit = UpheldCredit {
            disputed_bill: 1,
            credited_in: "2026-02".into(),
            amount_minor: 400,
        };
        let mut totals = vec![(1, 1_000), (2, 500), (3, 600)];
        credit.set_aside(&bills, &mut totals);
        assert_eq!(totals, vec![(1, 600), (2, 500), (3, 1_000)]);
        // Before the credit's bill exists, the amount is only set aside.
        let mut early = vec![(1, 1_000)];
        credit.set_aside(&bills[..1], &mut early);
        assert_eq!(early, vec![(1, 600)]);
    }
}
