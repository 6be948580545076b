//! What a bill's payment slip carries in Serbia: the operator's account
//! checked by its control number, the payment reference in model 97, and the
//! NBS IPS QR code (the text a banking app reads to fill in the payment).
//!
//! Both checks are ISO 7064 MOD 97-10: a number is valid when it leaves 1
//! divided by 97; the two check digits are `98 - (rest of the number × 100
//! mod 97)`.

use crate::money::Money;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SlipError {
    #[error("account {0:?}: expected bank-account-control digits, e.g. 160-0000000012345-95")]
    AccountShape(String),
    #[error("account {account:?}: control number {found:02} is wrong, {expected:02} expected")]
    AccountCheck {
        account: String,
        expected: u32,
        found: u32,
    },
    #[error(
        "reference {0:?}: only digits, letters and dashes, at most 20 besides the check digits"
    )]
    ReferenceShape(String),
    #[error("reference {reference:?}: check digits {found:02} are wrong, {expected:02} expected")]
    ReferenceCheck {
        reference: String,
        expected: u32,
        found: u32,
    },
    #[error("the amount of a payment order must be positive and in RSD, got {0}")]
    Amount(String),
    #[error("{field} must be {limit} characters at most and must not contain '|'")]
    Text { field: &'static str, limit: usize },
    #[error("payment code {0:?}: three digits expected, e.g. 221")]
    PaymentCode(String),
}

/// The remainder of a MOD 97-10 number, letters counting as 10 (A) to 35 (Z);
/// `None` for any other character.
fn remainder_97(text: &str) -> Option<u32> {
    let mut rest = 0_u32;
    for c in text.chars() {
        let value = c.to_digit(36)?;
        rest = if value < 10 {
            (rest * 10 + value) % 97
        } else {
            (rest * 100 + value) % 97
        };
    }
    Some(rest)
}

/// The two check digits MOD 97-10 adds to `text`.
fn check_digits(text: &str) -> Option<u32> {
    let rest = remainder_97(text)?;
    Some(98 - (rest * 100) % 97)
}

/// A Serbian current account: 3 digits of bank, 13 of account, 2 of control.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RsAccount {
    digits: String,
}

impl RsAccount {
    /// Reads `160-0000000012345-95` or `160-12345-95` (the account part is
    /// padded with zeros to 13 digits) and checks the control number.
    pub fn parse(text: &str) -> Result<Self, SlipError> {
        let shape = || SlipError::AccountShape(text.to_owned());
        let parts: Vec<&str> = text.trim().split('-').collect();
        let digits = match parts.as_slice() {
            [bank, account, control] => {
                let all_digits = [bank, account, control]
                    .iter()
                    .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
                if !all_digits || bank.len() != 3 || account.len() > 13 || control.len() != 2 {
                    return Err(shape());
                }
                format!("{bank}{account:0>13}{control}")
            }
            [whole] if whole.len() == 18 && whole.bytes().all(|b| b.is_ascii_digit()) => {
                (*whole).to_owned()
            }
            _ => return Err(shape()),
        };
        let expected = check_digits(&digits[..16]).ok_or_else(shape)?;
        let found: u32 = digits[16..].parse().map_err(|_| shape())?;
        if expected != found {
            return Err(SlipError::AccountCheck {
                account: text.to_owned(),
                expected,
                found,
            });
        }
        Ok(Self { digits })
    }

    /// The 18 digits, as the IPS code and the slip's account field take them.
    pub fn digits(&self) -> &str {
        &self.digits
    }
}

/// A payment reference in model 97: two check digits, then the reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Model97 {
    /// Check digits and reference, dashes kept: `51-0000042`.
    text: String,
}

impl Model97 {
    /// The reference for `base` (digits, letters and dashes; 20 at most
    /// without the dashes), its check digits computed.
    pub fn for_base(base: &str) -> Result<Self, SlipError> {
        let compact: String = base.chars().filter(|c| *c != '-').collect();
        if compact.is_empty()
            || compact.len() > 20
            || !compact
                .chars()
                .all(|c| c.is_ascii_digit() || c.is_ascii_uppercase())
        {
            return Err(SlipError::ReferenceShape(base.to_owned()));
        }
        let check =
            check_digits(&compact).ok_or_else(|| SlipError::ReferenceShape(base.to_owned()))?;
        Ok(Self {
            text: format!("{check:02}{base}"),
        })
    }

    /// Reads a reference with its check digits (`51-0000042` or `510000042`)
    /// and checks them.
    pub fn parse(text: &str) -> Result<Self, SlipError> {
        let compact: String = text.chars().filter(|c| *c != '-').collect();
        if compact.len() < 3 || !compact.is_char_boundary(2) {
            return Err(SlipError::ReferenceShape(text.to_owned()));
        }
        let found: u32 = compact[..2]
            .parse()
            .map_err(|_| SlipError::ReferenceShape(text.to_owned()))?;
        let base = text
            .strip_prefix(&compact[..2])
            .map(|rest| rest.strip_prefix('-').unwrap_or(rest))
            .ok_or_else(|| SlipError::ReferenceShape(text.to_owned()))?;
        let expected = Self::for_base(base)?;
        let expected_digits: u32 = expected.text[..2].parse().unwrap_or(0);
        if expected_digits != found {
            return Err(SlipError::ReferenceCheck {
                reference: text.to_owned(),
                expected: expected_digits,
                found,
            });
        }
        Ok(Self {
            text: format!("{found:02}{base}"),
        })
    }

    /// Check digits and reference without dashes, as the IPS code takes it.
    pub fn compact(&self) -> String {
        self.text.chars().filter(|c| *c != '-').collect()
    }

    /// As printed on the slip after "97": `51-0000042` stays as written.
    pub fn as_str(&self) -> &str {
        &self.text
    }
}

/// A payment order as the NBS IPS QR code carries it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IpsOrder {
    pub account: RsAccount,
    /// Payee name and address (70 characters at most).
    pub payee: String,
    pub amount: Money,
    /// Payer name and address (70 at most); optional.
    pub payer: Option<String>,
    /// Payment code (šifra plaćanja): 221 for a payment from a current account.
    pub payment_code: String,
    /// Purpose of payment (35 at most).
    pub purpose: String,
    pub reference: Model97,
}

fn checked_text(field: &'static str, text: &str, limit: usize) -> Result<(), SlipError> {
    if text.chars().count() > limit || text.contains('|') || text.is_empty() {
        return Err(SlipError::Text { field, limit });
    }
    Ok(())
}

impl IpsOrder {
    /// The QR code's text: `K:PR|V:01|C:1|R:…|N:…|I:RSD…|P:…|SF:…|S:…|RO:97…`.
    pub fn qr_text(&self) -> Result<String, SlipError> {
        checked_text("payee", &self.payee, 70)?;
        checked_text("purpose", &self.purpose, 35)?;
        if let Some(payer) = &self.payer {
            checked_text("payer", payer, 70)?;
        }
        if self.payment_code.len() != 3 || !self.payment_code.bytes().all(|b| b.is_ascii_digit()) {
            return Err(SlipError::PaymentCode(self.payment_code.clone()));
        }
        if self.amount.currency().code() != "RSD" || !self.amount.is_positive() {
            return Err(SlipError::Amount(format!(
                "{} {}",
                self.amount,
                self.amount.currency()
            )));
        }
        // The amount with a decimal comma and no grouping: RSD3596,13.
        let amount = self.amount.to_string().replace('.', ",");
        let mut text = format!(
            "K:PR|V:01|C:1|R:{}|N:{}|I:RSD{amount}",
            self.account.digits(),
            self.payee
        );
        if let Some(payer) = &self.payer {
            text.push_str(&format!("|P:{payer}"));
        }
        text.push_str(&format!(
            "|SF:{}|S:{}|RO:97{}",
            self.payment_code,
            self.purpose,
            self.reference.compact()
        ));
        Ok(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::money::Currency;
    use proptest::prelude::*;

    fn rsd(minor: i64) -> Money {
        Money::from_minor(minor, Currency::new("RSD", 2).expect("valid"))
    }

    #[test]
    fn an_account_is_padded_and_its_control_number_checked() {
        let account = RsAccount::parse("160-12345-95").expect("valid");
        assert_eq!(account.digits(), "160000000001234595");
        assert_eq!(
            RsAccount::parse("160000000001234595").expect("valid"),
            account
        );
        assert_eq!(
            RsAccount::parse("160-0000000012345-94"),
            Err(SlipError::AccountCheck {
                account: "160-0000000012345-94".into(),
                expected: 95,
                found: 94
            })
        );
        assert!(matches!(
            RsAccount::parse("16-12345-95"),
            Err(SlipError::AccountShape(_))
        ));
        assert!(matches!(
            RsAccount::parse("160-1234a-95"),
            Err(SlipError::AccountShape(_))
        ));
    }

    #[test]
    fn a_model_97_reference_gets_check_digits_that_its_parse_accepts() {
        let reference = Model97::for_base("2026-0000042").expect("valid");
        let compact = reference.compact();
        // The whole reference, check digits moved to the end, leaves 1 by 97.
        let moved = format!("{}{}", &compact[2..], &compact[..2]);
        assert_eq!(remainder_97(&moved), Some(1));
        assert_eq!(
            Model97::parse(reference.as_str()).expect("valid"),
            reference
        );
        let wrong = format!(
            "{:02}2026-0000042",
            (compact[..2].parse::<u32>().expect("valid") + 1) % 100
        );
        assert!(matches!(
            Model97::parse(&wrong),
            Err(SlipError::ReferenceCheck { .. })
        ));
    }

    #[test]
    fn the_ips_code_has_the_fields_in_the_order_nbs_gives() {
        let order = IpsOrder {
            account: RsAccount::parse("160-0000000012345-95").expect("valid"),
            payee: "Telenor d.o.o. Beograd".into(),
            amount: rsd(359_613),
            payer: Some("Petar Petrović, Beograd".into()),
            payment_code: "221".into(),
            purpose: "Račun RS-2026-0000042".into(),
            reference: Model97::for_base("20260000042").expect("valid"),
        };
        let text = order.qr_text().expect("valid");
        assert!(text.starts_with("K:PR|V:01|C:1|R:160000000001234595|N:Telenor d.o.o. Beograd|I:RSD3596,13|P:Petar Petrović, Beograd|SF:221|S:Račun RS-2026-0000042|RO:97"));
        assert!(text.ends_with(&order.reference.compact()));
        let nothing_due = IpsOrder {
            amount: rsd(0),
            ..order.clone()
        };
        assert!(matches!(nothing_due.qr_text(), Err(SlipError::Amount(_))));
        let long_purpose = IpsOrder {
            purpose: "x".repeat(36),
            ..order
        };
        assert!(matches!(
            long_purpose.qr_text(),
            Err(SlipError::Text { .. })
        ));
    }

    proptest! {
        #[test]
        fn every_generated_check_is_accepted_and_every_changed_digit_refused(
            bank in 100_u32..999, account in 1_u64..9_999_999_999_999, digit in 0_usize..16, delta in 1_u32..10
        ) {
            let body = format!("{bank:03}{account:013}");
            let control = check_digits(&body).expect("valid");
            let text = format!("{body}{control:02}");
            prop_assert!(RsAccount::parse(&text).is_ok());
            let mut changed: Vec<u32> = text.chars().map(|c| c.to_digit(10).expect("valid")).collect();
            changed[digit] = (changed[digit] + delta) % 10;
            let changed: String = changed.iter().map(|d| char::from_digit(*d, 10).expect("valid")).collect();
            prop_assert!(RsAccount::parse(&changed).is_err());
        }
    }
}
