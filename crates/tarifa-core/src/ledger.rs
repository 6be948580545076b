//! The double-entry ledger: every bill, payment, credit, fee and refund is a
//! transfer whose entries add up to zero. Balances are sums of entries,
//! never stored on their own.
//!
//! Sign convention: a positive amount is a debit, a negative one a credit.
//! A customer's receivable account is debited by bills and credited by
//! payments, so its sum is what the customer owes (negative: a credit).

use serde::Serialize;

use crate::bill::BillDraft;
use crate::money::{Currency, Money};

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Entry {
    pub account: String,
    pub amount: Money,
}

/// A set of entries that must balance.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Transfer {
    pub entries: Vec<Entry>,
}

impl Transfer {
    pub fn is_balanced(&self) -> bool {
        self.entries.iter().map(|e| e.amount.minor()).sum::<i64>() == 0
    }
}

/// The account of what a customer owes.
pub fn receivable(customer_id: i64) -> String {
    format!("receivable:customer:{customer_id}")
}

/// The account payments of a market arrive in.
pub fn bank(market: &str) -> String {
    format!("bank:{market}")
}

/// A bill's transfer: the customer owes its total; revenue per line kind;
/// the VAT included moves to the VAT account of its rate.
pub fn bill_transfer(customer_id: i64, bill: &BillDraft) -> Transfer {
    let mut entries = vec![Entry {
        account: receivable(customer_id),
        amount: bill.total,
    }];
    let mut by_kind: Vec<(String, Money)> = Vec::new();
    for line in &bill.lines {
        let account = format!("revenue:{}", line.kind);
        match by_kind.iter_mut().find(|(a, _)| *a == account) {
            Some((_, sum)) => *sum += line.amount,
            None => by_kind.push((account, line.amount)),
        }
    }
    entries.extend(by_kind.into_iter().map(|(account, sum)| Entry {
        account,
        amount: -sum,
    }));
    if !bill.vat_total.is_zero() {
        entries.push(Entry {
            account: "revenue:vat_included".into(),
            amount: bill.vat_total,
        });
        for share in &bill.vat {
            entries.push(Entry {
                account: format!("vat:{}", share.class.as_deref().unwrap_or("standard")),
                amount: -share.vat,
            });
        }
    }
    entries.retain(|e| !e.amount.is_zero() || e.account.starts_with("receivable:"));
    Transfer { entries }
}

/// A payment's transfer: money in the bank, less owed by the customer.
pub fn payment_transfer(market: &str, customer_id: i64, amount: Money) -> Transfer {
    Transfer {
        entries: vec![
            Entry {
                account: bank(market),
                amount,
            },
            Entry {
                account: receivable(customer_id),
                amount: -amount,
            },
        ],
    }
}

/// How much of each bill is still open when `paid` has been paid in all,
/// allocated to the oldest bill first. Bills are `(id, amount)` in issue
/// order; a negative amount (a credit note) adds to what is available.
/// Returns the open amount of each bill and the credit left over.
pub fn allocate_oldest_first(bills: &[(i64, Money)], paid: Money) -> (Vec<(i64, Money)>, Money) {
    let currency: Currency = paid.currency();
    let mut available = paid;
    for (_, amount) in bills {
        if amount.is_negative() {
            available += -*amount;
        }
    }
    let mut open = Vec::with_capacity(bills.len());
    for (id, amount) in bills {
        if !amount.is_positive() {
            open.push((*id, Money::zero(currency)));
            continue;
        }
        let taken = (*amount).min(available.max(Money::zero(currency)));
        available -= taken;
        open.push((*id, *amount - taken));
    }
    (open, available)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn eur(minor: i64) -> Money {
        Money::from_minor(minor, Currency::new("EUR", 2).expect("valid"))
    }

    #[test]
    fn payments_go_to_the_oldest_bill_first() {
        let bills = [(1, eur(2500)), (2, eur(3000)), (3, eur(1000))];
        let (open, credit) = allocate_oldest_first(&bills, eur(4000));
        assert_eq!(open, vec![(1, eur(0)), (2, eur(1500)), (3, eur(1000))]);
        assert!(credit.is_zero());
        let (open, credit) = allocate_oldest_first(&bills, eur(7000));
        assert!(open.iter().all(|(_, o)| o.is_zero()));
        assert_eq!(credit, eur(500), "an overpayment stays as credit");
    }

    #[test]
    fn a_bill_transfer_balances() {
        let me = crate::market::preset("me");
        let package = me.catalog.package("fiber-100").expect("preset");
        let bill = crate::bill::draft(
            &me,
            jiff::civil::date(2026, 1, 1),
            &[crate::bill::ContractPeriod {
                fee_discount: None,
                contract_id: 1,
                number: "+38220000001".into(),
                packages: vec![crate::bill::PackagePeriod {
                    package,
                    fee: package.monthly_fee,
                    from: jiff::civil::date(2026, 1, 10),
                    to: jiff::civil::date(2026, 1, 31),
                }],
                allowances: package.allowances,
                rates: &package.rates,
                usage: vec![],
                interruptions: vec![],
            }],
            vec![],
        )
        .expect("drafted");
        let transfer = bill_transfer(7, &bill);
        assert!(transfer.is_balanced(), "{transfer:?}");
        assert_eq!(transfer.entries[0].account, "receivable:customer:7");
        assert!(payment_transfer("me", 7, eur(1774)).is_balanced());
    }

    proptest! {
        #[test]
        fn allocation_conserves_money(amounts in proptest::collection::vec(0_i64..100_000, 0..12), paid in 0_i64..500_000) {
            let bills: Vec<(i64, Money)> = amounts.iter().enumerate().map(|(i, a)| (i as i64, eur(*a))).collect();
            let (open, credit) = allocate_oldest_first(&bills, eur(paid));
            let owed: i64 = amounts.iter().sum();
            let still_open: i64 = open.iter().map(|(_, o)| o.minor()).sum();
            // What was paid either settled a bill or is left as credit.
            prop_assert_eq!(owed - still_open + credit.minor(), paid);
            // Oldest first: once a bill is open, every later one is untouched.
            let first_open = open.iter().position(|(_, o)| o.is_positive());
            if let Some(i) = first_open {
                for (j, (_, o)) in open.iter().enumerate().skip(i + 1) {
                    prop_assert_eq!(o.minor(), amounts[j]);
                }
            }
        }
    }
}
