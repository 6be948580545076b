//! Transfers of a contract's ownership (CON-9, CON-11): who held a contract
//! on a given day, so that usage and days of service are charged to whoever
//! held the number when they happened, whenever their record arrives.

use jiff::civil::Date;

/// One change of owner: `to` holds the contract from `on`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Transfer {
    pub from: i64,
    pub to: i64,
    pub on: Date,
}

/// Who held the contract on `day`: `current` is its owner now, `transfers`
/// its transfers oldest first.
pub fn holder_on(current: i64, transfers: &[Transfer], day: Date) -> i64 {
    transfers
        .iter()
        .find(|t| t.on > day)
        .map_or(current, |t| t.from)
}

/// The last transfer that splits the days `from`–`to` between two owners
/// (one made on `from` leaves the days whole to the new owner).
pub fn last_within(transfers: &[Transfer], from: Date, to: Date) -> Option<Transfer> {
    transfers
        .iter()
        .rev()
        .find(|t| from < t.on && t.on <= to)
        .copied()
}

/// The days `from`–`to` cut where the number changed hands: (holder, first
/// day, last day), in order.
pub fn holders_between(
    current: i64,
    transfers: &[Transfer],
    from: Date,
    to: Date,
) -> Vec<(i64, Date, Date)> {
    let mut holders = Vec::new();
    let mut cut = from;
    for t in transfers.iter().filter(|t| from < t.on && t.on <= to) {
        holders.push((t.from, cut, t.on.yesterday().unwrap_or(t.on)));
        cut = t.on;
    }
    if cut <= to {
        holders.push((holder_on(current, transfers, to), cut, to));
    }
    holders
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> Date {
        text.parse().expect("date")
    }

    #[test]
    fn the_holder_is_whoever_held_it_that_day() {
        let transfers = [
            Transfer {
                from: 1,
                to: 2,
                on: day("2026-03-15"),
            },
            Transfer {
                from: 2,
                to: 3,
                on: day("2026-05-01"),
            },
        ];
        assert_eq!(holder_on(3, &transfers, day("2026-03-14")), 1);
        assert_eq!(holder_on(3, &transfers, day("2026-03-15")), 2);
        assert_eq!(holder_on(3, &transfers, day("2026-04-30")), 2);
        assert_eq!(holder_on(3, &transfers, day("2026-05-01")), 3);
        assert_eq!(holder_on(7, &[], day("2026-05-01")), 7);
        let march = last_within(&transfers, day("2026-03-01"), day("2026-03-31"));
        assert_eq!(march.map(|t| t.from), Some(1));
        // Made on the 1st: May is the new owner's whole.
        assert_eq!(
            last_within(&transfers, day("2026-05-01"), day("2026-05-31")),
            None
        );
    }

    #[test]
    fn a_month_is_cut_where_the_number_changed_hands() {
        let transfers = [Transfer {
            from: 1,
            to: 2,
            on: day("2026-03-15"),
        }];
        assert_eq!(
            holders_between(2, &transfers, day("2026-03-01"), day("2026-03-31")),
            [
                (1, day("2026-03-01"), day("2026-03-14")),
                (2, day("2026-03-15"), day("2026-03-31"))
            ]
        );
        assert_eq!(
            holders_between(2, &transfers, day("2026-02-01"), day("2026-02-28")),
            [(1, day("2026-02-01"), day("2026-02-28"))]
        );
    }
}
