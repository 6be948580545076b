//! Credit notes: a bill once issued is never changed; a credit note, a
//! document of its own that names the bill, takes part of it back.
//!
//! What a credit note may take: never more than is left of the bill (its
//! total less what earlier credit notes took). Given as an amount, the credit
//! is spread over the bill's VAT rates in proportion to what is left at each
//! rate, so the VAT reversed is the bill's in proportion; given as lines, each
//! line is credited at its own VAT assignment, up to what is left of it.

use std::collections::BTreeMap;

use crate::bill::{BillLine, LineKind, VatAssignment, vat_shares};
use crate::market::Market;
use crate::money::Money;

/// What a credit note is asked to take back.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CreditRequest {
    /// An amount (VAT included), spread over the bill's VAT rates.
    Amount(Money),
    /// Lines of the bill by their number (from 1, in the bill's order), each
    /// wholly or up to the amount given.
    Lines(Vec<(usize, Option<Money>)>),
    /// Amounts the bill charged at a known VAT (a charge it carried, such as
    /// a device's instalments), each taken back at that VAT.
    Charged(Vec<ChargedAmount>),
}

/// An amount a bill charged at a known VAT, for one contract or none.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChargedAmount {
    pub amount: Money,
    pub vat: VatAssignment,
    pub contract_id: Option<i64>,
}

/// What earlier credit notes took from a bill.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Credited {
    /// Their lines, as they credited (negative amounts).
    pub lines: Vec<BillLine>,
    /// How much of each of the bill's lines they credited (by line number),
    /// for those given as lines.
    pub by_line: BTreeMap<usize, Money>,
}

/// One line of a credit note: what it takes back (a positive amount, VAT
/// included) and at which VAT; `line` is the bill's line it credits, if it
/// was asked for by line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CreditPart {
    pub line: Option<usize>,
    pub amount: Money,
    pub vat: VatAssignment,
    pub contract_id: Option<i64>,
}

/// Why a credit note cannot be issued as asked.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CreditRefusal {
    #[error("a credit note takes back a positive amount, not {0}")]
    NotPositive(Money),
    #[error("{asked} is more than is left of the bill ({left})")]
    MoreThanLeft { asked: Money, left: Money },
    #[error("the bill has no line {line} (it has {count})")]
    NoSuchLine { line: usize, count: usize },
    #[error("line {line} is named twice")]
    LineTwice { line: usize },
    #[error("{asked} is more than is left of line {line} ({left})")]
    MoreThanLeftOfLine {
        line: usize,
        asked: Money,
        left: Money,
    },
    #[error("no line is named")]
    NoLines,
}

/// What is left of a bill of `total` after the credit notes `credited`.
pub fn left_of(total: Money, credited: &Credited) -> Money {
    credited
        .lines
        .iter()
        .fold(total, |left, line| left + line.amount)
}

/// The parts of a credit note for the bill of `lines` (its total is their
/// sum), after the credit notes `credited`, as `request` asks.
pub fn credit_parts(
    market: &Market,
    lines: &[BillLine],
    credited: &Credited,
    request: &CreditRequest,
) -> Result<Vec<CreditPart>, CreditRefusal> {
    let currency = market.currency;
    let total = lines
        .iter()
        .fold(Money::zero(currency), |sum, l| sum + l.amount);
    let left = left_of(total, credited);
    match request {
        CreditRequest::Amount(amount) => {
            if !amount.is_positive() {
                return Err(CreditRefusal::NotPositive(*amount));
            }
            // What is left at each VAT rate: the bill's, less the credits'.
            let mut by_class: BTreeMap<Option<String>, i64> = BTreeMap::new();
            for share in vat_shares(market, lines) {
                *by_class.entry(share.class).or_default() += share.gross.minor();
            }
            for share in vat_shares(market, &credited.lines) {
                *by_class.entry(share.class).or_default() += share.gross.minor();
            }
            by_class.retain(|_, left| *left > 0);
            let at_rates: i64 = by_class.values().sum();
            let left = left.min(Money::from_minor(at_rates, currency));
            if amount.minor() > left.minor() {
                return Err(CreditRefusal::MoreThanLeft {
                    asked: *amount,
                    left,
                });
            }
            let weights: Vec<i64> = by_class.values().copied().collect();
            Ok(by_class
                .into_keys()
                .zip(spread(amount.minor(), &weights))
                .filter(|(_, part)| *part > 0)
                .map(|(class, part)| CreditPart {
                    line: None,
                    amount: Money::from_minor(part, currency),
                    vat: class.map_or(VatAssignment::Standard, VatAssignment::Class),
                    contract_id: None,
                })
                .collect())
        }
        CreditRequest::Charged(charged) => {
            let mut parts = Vec::with_capacity(charged.len());
            for c in charged {
                if !c.amount.is_positive() {
                    return Err(CreditRefusal::NotPositive(c.amount));
                }
                parts.push(CreditPart {
                    line: None,
                    amount: c.amount,
                    vat: c.vat.clone(),
                    contract_id: c.contract_id,
                });
            }
            if parts.is_empty() {
                return Err(CreditRefusal::NoLines);
            }
            let asked = parts
                .iter()
                .fold(Money::zero(currency), |sum, p| sum + p.amount);
            if asked.minor() > left.minor() {
                return Err(CreditRefusal::MoreThanLeft { asked, left });
            }
            Ok(parts)
        }
        CreditRequest::Lines(asked) => {
            if asked.is_empty() {
                return Err(CreditRefusal::NoLines);
            }
            let mut parts = Vec::with_capacity(asked.len());
            for (i, (number, amount)) in asked.iter().enumerate() {
                if asked[..i].iter().any(|(n, _)| n == number) {
                    return Err(CreditRefusal::LineTwice { line: *number });
                }
                let line = number.checked_sub(1).and_then(|i| lines.get(i)).ok_or(
                    CreditRefusal::NoSuchLine {
                        line: *number,
                        count: lines.len(),
                    },
                )?;
                let taken = credited
                    .by_line
                    .get(number)
                    .copied()
                    .unwrap_or_else(|| Money::zero(currency));
                let line_left = (line.amount - taken).max(Money::zero(currency));
                let amount = amount.unwrap_or(line_left);
                if !amount.is_positive() {
                    return Err(CreditRefusal::NotPositive(amount));
                }
                if amount.minor() > line_left.minor() {
                    return Err(CreditRefusal::MoreThanLeftOfLine {
                        line: *number,
                        asked: amount,
                        left: line_left,
                    });
                }
                parts.push(CreditPart {
                    line: Some(*number),
                    amount,
                    vat: line.vat.clone(),
                    contract_id: line.contract_id,
                });
            }
            let asked_total = parts
                .iter()
                .fold(Money::zero(currency), |sum, p| sum + p.amount);
            if asked_total.minor() > left.minor() {
                return Err(CreditRefusal::MoreThanLeft {
                    asked: asked_total,
                    left,
                });
            }
            Ok(parts)
        }
    }
}

/// A credit note's lines: each part taken back (a negative amount) at its
/// VAT, described by `describe(part)`.
pub fn credit_lines(
    parts: &[CreditPart],
    mut describe: impl FnMut(&CreditPart) -> (String, crate::phrase::Phrase),
    rule: Option<crate::rule::RuleId>,
) -> Vec<BillLine> {
    parts
        .iter()
        .map(|part| {
            let (description, phrase) = describe(part);
            BillLine {
                kind: LineKind::Credit,
                contract_id: part.contract_id,
                description,
                phrase: Some(phrase),
                amount: -part.amount,
                vat: part.vat.clone(),
                rule,
                category: None,
            }
        })
        .collect()
}

/// What a rule's credit (an upheld complaint's amount, a withdrawn sale's
/// charges) may take of a bill with `left` on it: all of it when it fits,
/// else what is left (spread over the bill's rates); nothing when nothing is
/// left. A correction the law requires is capped, not refused.
pub fn within_left(request: CreditRequest, left: Money) -> Option<CreditRequest> {
    if !left.is_positive() {
        return None;
    }
    let asked = match &request {
        CreditRequest::Amount(amount) => *amount,
        CreditRequest::Charged(charged) => charged
            .iter()
            .fold(Money::zero(left.currency()), |sum, c| sum + c.amount),
        // Lines are capped line by line by `credit_parts`.
        CreditRequest::Lines(_) => return Some(request),
    };
    if asked.minor() <= left.minor() {
        Some(request)
    } else {
        Some(CreditRequest::Amount(left))
    }
}

/// Moves each credit note's amount onto the bill it corrects, so that what
/// is open is reckoned bill by bill: `amounts` are `(bill id, amount)`,
/// `links` `(credit note id, corrected bill id)`. A credit note whose bill
/// is not among `amounts` keeps its amount (a credit like any other).
pub fn net_onto_corrected(amounts: &mut [(i64, Money)], links: &[(i64, i64)]) {
    for (note, bill) in links {
        let Some(credit) = amounts.iter().find(|(id, _)| id == note).map(|(_, a)| *a) else {
            continue;
        };
        let Some(corrected) = amounts.iter_mut().find(|(id, _)| id == bill) else {
            continue;
        };
        corrected.1 += credit;
        if let Some(n) = amounts.iter_mut().find(|(id, _)| id == note) {
            n.1 = Money::zero(credit.currency());
        }
    }
}

/// `amount` minor units spread over `weights` in proportion, the units
/// rounding leaves going to the largest remainders (the first on a tie).
/// Each share is at most its weight when `amount` is at most their sum.
fn spread(amount: i64, weights: &[i64]) -> Vec<i64> {
    let sum: i128 = weights.iter().map(|w| i128::from(*w)).sum();
    if sum <= 0 {
        return vec![0; weights.len()];
    }
    let amount = i128::from(amount);
    let mut shares: Vec<i128> = Vec::with_capacity(weights.len());
    let mut remainders: Vec<(i128, usize)> = Vec::with_capacity(weights.len());
    for (i, w) in weights.iter().enumerate() {
        let exact = amount * i128::from(*w);
        shares.push(exact / sum);
        remainders.push((exact % sum, i));
    }
    let mut short = amount - shares.iter().sum::<i128>();
    remainders.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    for (_, i) in remainders {
        if short == 0 {
            break;
        }
        shares[i] += 1;
        short -= 1;
    }
    shares
        .into_iter()
        .map(|s| i64::try_from(s).unwrap_or(i64::MAX))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::market::Market;
    use crate::phrase::Phrase;
    use proptest::prelude::*;

    fn hu() -> Market {
        crate::market::preset("hu")
    }

    fn line(market: &Market, minor: i64, vat: VatAssignment) -> BillLine {
        BillLine {
            kind: LineKind::Subscription,
            contract_id: Some(1),
            description: "fee".into(),
            phrase: None,
            amount: Money::from_minor(minor, market.currency),
            vat,
            rule: None,
            category: None,
        }
    }

    fn as_credit(parts: &[CreditPart]) -> Vec<BillLine> {
        credit_lines(
            parts,
            |_| ("credit".into(), Phrase::new("line-credit-note")),
            None,
        )
    }

    /// 3,000 Ft at the standard rate and 1,000 Ft of internet access.
    fn two_rate_bill(market: &Market) -> [BillLine; 2] {
        [
            line(market, 300000, VatAssignment::Standard),
            line(
                market,
                100000,
                VatAssignment::Class("internet_access".into()),
            ),
        ]
    }

    #[test]
    fn an_amount_is_spread_over_the_rates_in_proportion() {
        let market = hu();
        let internet = VatAssignment::Class("internet_access".into());
        let bill = two_rate_bill(&market);
        let parts = credit_parts(
            &market,
            &bill,
            &Credited::default(),
            &CreditRequest::Amount(Money::from_minor(40000, market.currency)),
        )
        .expect("within the bill");
        let amounts: Vec<(VatAssignment, i64)> = parts
            .iter()
            .map(|p| (p.vat.clone(), p.amount.minor()))
            .collect();
        assert_eq!(
            amounts,
            vec![(VatAssignment::Standard, 30000), (internet, 10000)]
        );
    }

    #[test]
    fn nothing_beyond_what_is_left() {
        let market = hu();
        let bill = [line(&market, 100000, VatAssignment::Standard)];
        let first = credit_parts(
            &market,
            &bill,
            &Credited::default(),
            &CreditRequest::Amount(Money::from_minor(60000, market.currency)),
        )
        .expect("within the bill");
        let credited = Credited {
            lines: as_credit(&first),
            by_line: BTreeMap::new(),
        };
        assert_eq!(
            left_of(Money::from_minor(100000, market.currency), &credited).minor(),
            40000
        );
        let refused = credit_parts(
            &market,
            &bill,
            &credited,
            &CreditRequest::Amount(Money::from_minor(40001, market.currency)),
        );
        assert!(matches!(refused, Err(CreditRefusal::MoreThanLeft { .. })));
        assert!(
            credit_parts(
                &market,
                &bill,
                &credited,
                &CreditRequest::Amount(Money::from_minor(40000, market.currency)),
            )
            .is_ok()
        );
    }

    #[test]
    fn lines_are_credited_at_their_own_vat_up_to_what_is_left_of_them() {
        let market = hu();
        let internet = VatAssignment::Class("internet_access".into());
        let bill = two_rate_bill(&market);
        let parts = credit_parts(
            &market,
            &bill,
            &Credited::default(),
            &CreditRequest::Lines(vec![(2, None)]),
        )
        .expect("a whole line");
        assert_eq!(parts.len(), 1);
        assert_eq!(parts[0].vat, internet);
        assert_eq!(parts[0].amount.minor(), 100000);
        let credited = Credited {
            lines: as_credit(&parts),
            by_line: BTreeMap::from([(2, parts[0].amount)]),
        };
        assert!(matches!(
            credit_parts(
                &market,
                &bill,
                &credited,
                &CreditRequest::Lines(vec![(2, Some(Money::from_minor(1, market.currency)))]),
            ),
            Err(CreditRefusal::MoreThanLeftOfLine { line: 2, .. })
        ));
        assert!(matches!(
            credit_parts(
                &market,
                &bill,
                &credited,
                &CreditRequest::Lines(vec![(3, None)])
            ),
            Err(CreditRefusal::NoSuchLine { line: 3, count: 2 })
        ));
        assert!(matches!(
            credit_parts(
                &market,
                &bill,
                &credited,
                &CreditRequest::Lines(vec![(1, None), (1, None)])
            ),
            Err(CreditRefusal::LineTwice { line: 1 })
        ));
        // After a credit by line, an amount is spread over what is left:
        // nothing at the internet rate any more.
        let rest = credit_parts(
            &market,
            &bill,
            &credited,
            &CreditRequest::Amount(Money::from_minor(10000, market.currency)),
        )
        .expect("left at the standard rate");
        assert_eq!(rest.len(), 1);
        assert_eq!(rest[0].vat, VatAssignment::Standard);
    }

    #[test]
    fn zero_and_negative_amounts_are_refused() {
        let market = hu();
        let bill = [line(&market, 100000, VatAssignment::Standard)];
        for minor in [0, -5] {
            assert!(matches!(
                credit_parts(
                    &market,
                    &bill,
                    &Credited::default(),
                    &CreditRequest::Amount(Money::from_minor(minor, market.currency)),
                ),
                Err(CreditRefusal::NotPositive(_))
            ));
        }
    }

    #[test]
    fn a_credit_note_lowers_the_bill_it_corrects_not_the_oldest() {
        let market = hu();
        let m = |minor| Money::from_minor(minor, market.currency);
        // Bill 1 (old, unpaid), bill 2 (corrected by note 3).
        let mut amounts = vec![(1, m(1000)), (2, m(800)), (3, m(-300))];
        net_onto_corrected(&mut amounts, &[(3, 2)]);
        assert_eq!(amounts, vec![(1, m(1000)), (2, m(500)), (3, m(0))]);
        // A credit note whose bill is not listed stays a credit.
        let mut alone = vec![(3, m(-300))];
        net_onto_corrected(&mut alone, &[(3, 2)]);
        assert_eq!(alone, vec![(3, m(-300))]);
    }

    #[test]
    fn a_rules_credit_is_capped_at_what_is_left() {
        let market = hu();
        let m = |minor| Money::from_minor(minor, market.currency);
        assert_eq!(
            within_left(CreditRequest::Amount(m(300)), m(1000)),
            Some(CreditRequest::Amount(m(300)))
        );
        assert_eq!(
            within_left(CreditRequest::Amount(m(3000)), m(1000)),
            Some(CreditRequest::Amount(m(1000)))
        );
        assert_eq!(within_left(CreditRequest::Amount(m(300)), m(0)), None);
        let charged = CreditRequest::Charged(vec![ChargedAmount {
            amount: m(800),
            vat: VatAssignment::Standard,
            contract_id: None,
        }]);
        assert_eq!(within_left(charged.clone(), m(800)), Some(charged.clone()));
        assert_eq!(
            within_left(charged, m(500)),
            Some(CreditRequest::Amount(m(500)))
        );
    }

    #[test]
    fn a_charge_is_credited_at_its_own_vat_within_the_bill() {
        let market = hu();
        let bill = [
            line(&market, 4990, VatAssignment::Standard),
            line(
                &market,
                2000,
                VatAssignment::Class("internet_access".into()),
            ),
        ];
        let at = |minor| {
            CreditRequest::Charged(vec![ChargedAmount {
                amount: Money::from_minor(minor, market.currency),
                vat: VatAssignment::Standard,
                contract_id: Some(7),
            }])
        };
        let parts = credit_parts(&market, &bill, &Credited::default(), &at(4990)).expect("within");
        assert_eq!(parts[0].vat, VatAssignment::Standard);
        assert_eq!(parts[0].contract_id, Some(7));
        assert!(matches!(
            credit_parts(&market, &bill, &Credited::default(), &at(6991)),
            Err(CreditRefusal::MoreThanLeft { .. })
        ));
    }

    proptest! {
        /// However a bill's amounts lie over its rates and however much is
        /// asked, the parts sum to what was asked, none exceeds what is left
        /// at its rate, and credit notes until nothing is left never take
        /// more than the bill.
        #[test]
        fn credits_sum_to_what_is_asked_and_never_exceed_the_bill(
            standard in 0i64..1_000_000,
            internet in 0i64..1_000_000,
            asks in proptest::collection::vec(1i64..700_000, 1..6),
        ) {
            let market = hu();
            let bill = [
                line(&market, standard, VatAssignment::Standard),
                line(&market, internet, VatAssignment::Class("internet_access".into())),
            ];
            let total = Money::from_minor(standard + internet, market.currency);
            let mut credited = Credited::default();
            for ask in asks {
                let left = left_of(total, &credited);
                let asked = Money::from_minor(ask, market.currency);
                match credit_parts(&market, &bill, &credited, &CreditRequest::Amount(asked)) {
                    Ok(parts) => {
                        prop_assert!(asked.minor() <= left.minor());
                        let sum: i64 = parts.iter().map(|p| p.amount.minor()).sum();
                        prop_assert_eq!(sum, ask);
                        credited.lines.extend(as_credit(&parts));
                    }
                    Err(CreditRefusal::MoreThanLeft { left: said, .. }) => {
                        prop_assert!(asked.minor() > left.minor());
                        prop_assert_eq!(said, left);
                    }
                    Err(other) => prop_assert!(false, "refused: {}", other),
                }
                let shares = vat_shares(&market, &bill);
                let credits = vat_shares(&market, &credited.lines);
                for share in &credits {
                    let billed = shares
                        .iter()
                        .find(|s| s.class == share.class)
                        .map_or(0, |s| s.gross.minor());
                    prop_assert!(-share.gross.minor() <= billed);
                }
                prop_assert!(!left_of(total, &credited).is_negative());
            }
        }

        #[test]
        fn a_spread_is_exact_and_within_each_weight(
            weights in proptest::collection::vec(0i64..1_000_000_000, 1..5),
            fraction in 0u32..=1000,
        ) {
            let sum: i64 = weights.iter().sum();
            let amount = i64::try_from(i128::from(sum) * i128::from(fraction) / 1000).unwrap_or(0);
            let shares = spread(amount, &weights);
            prop_assert_eq!(shares.iter().sum::<i64>(), amount);
            for (s, w) in shares.iter().zip(&weights) {
                prop_assert!(*s >= 0 && s <= w);
            }
        }
    }
}
