//! A ledger transfer in one row (migration 0036): the customer's receivable
//! leg as integers, the other legs packed as `account=amount;…`. The app
//! hands over entries as before; this module packs and unpacks them.

use std::fmt::Write as _;

use crate::{NewEntry, Result, StoreError};

/// The prefix of a customer's receivable account (`receivable:customer:42`).
const RECEIVABLE: &str = "receivable:customer:";

/// A transfer's entries as stored.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Packed {
    /// The customer whose receivable the transfer moves, if any.
    pub customer_id: Option<i64>,
    pub receivable_minor: i64,
    pub legs: String,
}

/// The customer of a receivable account's name.
pub(crate) fn receivable_customer(account: &str) -> Option<i64> {
    account.strip_prefix(RECEIVABLE)?.parse().ok()
}

/// Packs a balanced transfer's entries; a transfer that does not add up to
/// zero, moves two customers' receivables, or names an account that cannot
/// be packed is refused, naming the transfer (`kind reference`). The name is
/// written only for a refusal: a bill run packs a transfer a bill.
pub(crate) fn pack(kind: &str, reference: &str, entries: &[NewEntry]) -> Result<Packed> {
    let what = || format!("{kind} {reference}");
    let sum: i64 = entries.iter().map(|e| e.amount_minor).sum();
    if sum != 0 {
        return Err(StoreError::Conflict(format!(
            "{}: the entries add up to {sum}, not 0",
            what()
        )));
    }
    let mut customer_id = None;
    let mut receivable_minor = 0;
    let mut legs = String::new();
    for entry in entries {
        if let Some(customer) = receivable_customer(&entry.account) {
            if customer_id.is_some_and(|c| c != customer) {
                return Err(StoreError::Conflict(format!(
                    "{}: one transfer moves one customer's receivable",
                    what()
                )));
            }
            customer_id = Some(customer);
            receivable_minor += entry.amount_minor;
            continue;
        }
        if entry.account.is_empty() || entry.account.contains(['=', ';']) {
            return Err(StoreError::Conflict(format!(
                "{}: account {:?} cannot be a ledger account",
                what(),
                entry.account
            )));
        }
        if !legs.is_empty() {
            legs.push(';');
        }
        legs.push_str(&entry.account);
        legs.push('=');
        // Writing into the string itself cannot fail.
        let _ = write!(legs, "{}", entry.amount_minor);
    }
    Ok(Packed {
        customer_id,
        receivable_minor,
        legs,
    })
}

/// The packed legs of a transfer: (account, amount).
pub(crate) fn legs(packed: &str) -> Result<Vec<(&str, i64)>> {
    packed
        .split(';')
        .filter(|leg| !leg.is_empty())
        .map(|leg| {
            leg.rsplit_once('=')
                .and_then(|(account, amount)| Some((account, amount.parse().ok()?)))
                .ok_or_else(|| StoreError::Corrupt {
                    what: "ledger legs",
                    detail: leg.to_owned(),
                })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(account: &str, amount_minor: i64) -> NewEntry {
        NewEntry {
            account: account.into(),
            amount_minor,
        }
    }

    #[test]
    fn a_transfer_packs_and_unpacks_to_its_entries() {
        let entries = [
            entry("receivable:customer:7", 2_500),
            entry("revenue:subscription", -2_500),
            entry("revenue:vat_included", 434),
            entry("vat:standard", -434),
        ];
        let packed = pack("bill", "1", &entries).expect("packed");
        assert_eq!(packed.customer_id, Some(7));
        assert_eq!(packed.receivable_minor, 2_500);
        assert_eq!(
            legs(&packed.legs).expect("legs"),
            [
                ("revenue:subscription", -2_500),
                ("revenue:vat_included", 434),
                ("vat:standard", -434)
            ]
        );
        assert!(pack("bill", "1", &entries[..2]).is_ok());
        assert!(pack("bill", "1", &entries[1..]).is_err(), "unbalanced");
        let two = [
            entry("receivable:customer:7", 100),
            entry("receivable:customer:8", -100),
        ];
        assert!(pack("move", "1", &two).is_err());
        assert!(pack("odd", "1", &[entry("a=b", 0)]).is_err());
        assert!(legs("revenue:fee").is_err());
    }
}
