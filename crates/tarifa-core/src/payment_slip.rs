//! What a bill's payment slip and payment QR code carry in each market: the
//! operator's account checked by its control digits, a payment reference the
//! operator can match the payment with, and the text a banking app reads to
//! fill in the payment.
//!
//! - Serbia: the "uplatnica" with a model-97 reference and the NBS IPS QR
//!   code (`K:PR|V:01|…`), the code every Serbian banking app scans.
//! - Montenegro: the same 3-13-2 account layout and control number; bills
//!   are paid in euro, so the code is the European Payments Council's
//!   EPC069-12 ("BCD", version 002) with an ISO 11649 creditor reference
//!   (`RF…`), the euro standard banking apps read.
//! - Hungary: the 16- or 24-digit GIRO account with its 9-7-3-1 check digits,
//!   and the Magyar Nemzeti Bank's QR code for instant credit transfers
//!   ("HCT", version 001) with the bill number as the payment message.
//!
//! The model-97, creditor-reference and IBAN checks are ISO 7064 MOD 97-10: a
//! number is valid when it leaves 1 divided by 97; the two check digits are
//! `98 - (rest of the number × 100 mod 97)`.

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
    #[error("reference {0:?}: only digits and dashes, at most 20 digits besides the check digits")]
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
    #[error(
        "account {0:?}: expected a GIRO account of two or three blocks of 8 digits, e.g. 11600006-00000000-00000000"
    )]
    GiroShape(String),
    #[error("account {account:?}: block {block} fails its 9-7-3-1 check digit")]
    GiroCheck { account: String, block: usize },
    #[error("BIC {0:?}: 8 or 11 letters and digits expected, e.g. GIBAHUHB")]
    Bic(String),
    #[error("a payment code in {0} needs the operator's BIC (operator.bic)")]
    MissingBic(&'static str),
    #[error("country {0:?} has no payment slip standard in tarifa")]
    Country(String),
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

/// A current account of Serbia or Montenegro: 3 digits of bank, 13 of
/// account, 2 of control.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CurrentAccount {
    digits: String,
}

impl CurrentAccount {
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
    /// The reference for `base` (digits and dashes; 20 digits at most), its
    /// check digits computed. Serbian banks take model 97 in digits only.
    pub fn for_base(base: &str) -> Result<Self, SlipError> {
        let compact: String = base.chars().filter(|c| *c != '-').collect();
        if compact.is_empty() || compact.len() > 20 || !compact.chars().all(|c| c.is_ascii_digit())
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
    pub account: CurrentAccount,
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

/// A Hungarian GIRO account: a block of 8 digits for the bank and branch,
/// then one or two blocks of 8 for the account; the last digit of the first
/// block, and of the rest, is a 9-7-3-1 check digit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GiroAccount {
    /// 24 digits (a 16-digit account is padded with zeros, as its IBAN is).
    digits: String,
}

/// Weights 9, 7, 3, 1 repeated: the sum of a checked block ends in 0.
fn giro_block_valid(block: &str) -> bool {
    const WEIGHTS: [u32; 4] = [9, 7, 3, 1];
    let sum: u32 = block
        .bytes()
        .enumerate()
        .map(|(i, b)| u32::from(b - b'0') * WEIGHTS[i % 4])
        .sum();
    sum.is_multiple_of(10)
}

impl GiroAccount {
    /// Reads `11600006-00000000-00000000`, `11600006-00000000` or the digits
    /// run together, and checks both check digits.
    pub fn parse(text: &str) -> Result<Self, SlipError> {
        let shape = || SlipError::GiroShape(text.to_owned());
        let trimmed = text.trim();
        let compact: String = trimmed.chars().filter(|c| *c != '-').collect();
        let blocks_ok = !trimmed.contains('-') || trimmed.split('-').all(|b| b.len() == 8);
        if !(compact.len() == 16 || compact.len() == 24)
            || !compact.bytes().all(|b| b.is_ascii_digit())
            || !blocks_ok
        {
            return Err(shape());
        }
        if !giro_block_valid(&compact[..8]) {
            return Err(SlipError::GiroCheck {
                account: text.to_owned(),
                block: 1,
            });
        }
        if !giro_block_valid(&compact[8..]) {
            return Err(SlipError::GiroCheck {
                account: text.to_owned(),
                block: 2,
            });
        }
        Ok(Self {
            digits: format!("{compact:0<24}"),
        })
    }

    /// The 24 digits.
    pub fn digits(&self) -> &str {
        &self.digits
    }
}

/// The operator's account of a market, checked as that country checks it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OperatorAccount {
    /// Serbia (`RS`) and Montenegro (`ME`).
    Current {
        country: &'static str,
        account: CurrentAccount,
    },
    /// Hungary (`HU`).
    Giro(GiroAccount),
}

impl OperatorAccount {
    /// The account of a market in `country` (ISO 3166 alpha-2).
    pub fn parse(country: &str, text: &str) -> Result<Self, SlipError> {
        match country {
            "RS" => Ok(Self::Current {
                country: "RS",
                account: CurrentAccount::parse(text)?,
            }),
            "ME" => Ok(Self::Current {
                country: "ME",
                account: CurrentAccount::parse(text)?,
            }),
            "HU" => Ok(Self::Giro(GiroAccount::parse(text)?)),
            other => Err(SlipError::Country(other.to_owned())),
        }
    }

    pub fn country(&self) -> &'static str {
        match self {
            Self::Current { country, .. } => country,
            Self::Giro(_) => "HU",
        }
    }

    /// The national account number (BBAN) as digits.
    pub fn digits(&self) -> &str {
        match self {
            Self::Current { account, .. } => account.digits(),
            Self::Giro(account) => account.digits(),
        }
    }

    /// The account as an IBAN (ISO 13616): country, two check digits, BBAN.
    pub fn iban(&self) -> String {
        let country = self.country();
        let bban = self.digits();
        let check = check_digits(&format!("{bban}{country}")).unwrap_or(0);
        format!("{country}{check:02}{bban}")
    }
}

/// An ISO 11649 creditor reference: `RF`, two check digits, up to 21 letters
/// and digits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreditorReference {
    text: String,
}

impl CreditorReference {
    /// The reference for `base`; characters other than letters and digits
    /// are left out.
    pub fn for_base(base: &str) -> Result<Self, SlipError> {
        let compact: String = base
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .map(|c| c.to_ascii_uppercase())
            .collect();
        if compact.is_empty() || compact.len() > 21 {
            return Err(SlipError::ReferenceShape(base.to_owned()));
        }
        let check = check_digits(&format!("{compact}RF"))
            .ok_or_else(|| SlipError::ReferenceShape(base.to_owned()))?;
        Ok(Self {
            text: format!("RF{check:02}{compact}"),
        })
    }

    /// Reads `RF18539007547034` and checks its digits.
    pub fn parse(text: &str) -> Result<Self, SlipError> {
        let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
        let shape = || SlipError::ReferenceShape(text.to_owned());
        let body = compact.strip_prefix("RF").ok_or_else(shape)?;
        if body.len() < 3 || !body.is_char_boundary(2) {
            return Err(shape());
        }
        let found: u32 = body[..2].parse().map_err(|_| shape())?;
        let expected = Self::for_base(&body[2..])?;
        if expected.text != compact {
            let expected_digits: u32 = expected.text[2..4].parse().unwrap_or(0);
            return Err(SlipError::ReferenceCheck {
                reference: text.to_owned(),
                expected: expected_digits,
                found,
            });
        }
        Ok(expected)
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }
}

/// A BIC (ISO 9362): 8 or 11 capital letters and digits.
pub fn check_bic(bic: &str) -> Result<(), SlipError> {
    let ok = (bic.len() == 8 || bic.len() == 11)
        && bic
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit());
    if ok {
        Ok(())
    } else {
        Err(SlipError::Bic(bic.to_owned()))
    }
}

/// A credit transfer in euro as the EPC069-12 QR code ("BCD") carries it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EpcOrder {
    /// Optional in version 002.
    pub bic: Option<String>,
    /// Beneficiary name (70 characters at most).
    pub payee: String,
    pub iban: String,
    pub amount: Money,
    pub reference: CreditorReference,
}

impl EpcOrder {
    /// The code's text, one field a line: service tag, version 002, UTF-8,
    /// SCT, BIC, name, IBAN, amount (`EUR12.30`), purpose, reference.
    pub fn qr_text(&self) -> Result<String, SlipError> {
        checked_text("payee", &self.payee, 70)?;
        if let Some(bic) = &self.bic {
            check_bic(bic)?;
        }
        if self.amount.currency().code() != "EUR" || !self.amount.is_positive() {
            return Err(SlipError::Amount(format!(
                "{} {}",
                self.amount,
                self.amount.currency()
            )));
        }
        Ok(format!(
            "BCD\n002\n1\nSCT\n{}\n{}\n{}\nEUR{}\n\n{}",
            self.bic.as_deref().unwrap_or(""),
            self.payee,
            self.iban,
            self.amount,
            self.reference.as_str()
        ))
    }
}

/// A payment as the MNB QR code for instant credit transfers ("HCT")
/// carries it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HctOrder {
    pub bic: String,
    /// Beneficiary name (70 characters at most).
    pub payee: String,
    pub iban: String,
    /// Whole forints.
    pub amount: Money,
    /// Until when the code may be paid: `YYYYMMDDhhmmss` and the UTC offset
    /// in hours, `20260215235959+1`.
    pub valid_until: String,
    /// The payment message (közlemény, 70 at most).
    pub message: String,
    /// The bill's number (35 at most).
    pub invoice_id: String,
    /// The customer's account (35 at most).
    pub customer_id: String,
}

impl HctOrder {
    /// The code's text: 17 fields, each ended by a line feed.
    pub fn qr_text(&self) -> Result<String, SlipError> {
        check_bic(&self.bic)?;
        checked_text("payee", &self.payee, 70)?;
        checked_text("message", &self.message, 70)?;
        checked_text("invoice id", &self.invoice_id, 35)?;
        checked_text("customer id", &self.customer_id, 35)?;
        let whole = self.amount.currency().minor_unit() == 0;
        if self.amount.currency().code() != "HUF" || !self.amount.is_positive() || !whole {
            return Err(SlipError::Amount(format!(
                "{} {}",
                self.amount,
                self.amount.currency()
            )));
        }
        // An 8-letter BIC is written with XXX for its head office.
        let bic = format!("{:X<11}", self.bic);
        let fields = [
            "HCT",
            "001",
            "1",
            &bic,
            &self.payee,
            &self.iban,
            &format!("HUF{}", self.amount.minor()),
            &self.valid_until,
            "",
            &self.message,
            "",
            "",
            &self.invoice_id,
            &self.customer_id,
            "",
            "",
            "",
        ];
        let mut text = String::new();
        for field in fields {
            text.push_str(field);
            text.push('\n');
        }
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
        let account = CurrentAccount::parse("160-12345-95").expect("valid");
        assert_eq!(account.digits(), "160000000001234595");
        assert_eq!(
            CurrentAccount::parse("160000000001234595").expect("valid"),
            account
        );
        assert_eq!(
            CurrentAccount::parse("160-0000000012345-94"),
            Err(SlipError::AccountCheck {
                account: "160-0000000012345-94".into(),
                expected: 95,
                found: 94
            })
        );
        assert!(matches!(
            CurrentAccount::parse("16-12345-95"),
            Err(SlipError::AccountShape(_))
        ));
        assert!(matches!(
            CurrentAccount::parse("160-1234a-95"),
            Err(SlipError::AccountShape(_))
        ));
    }

    #[test]
    fn a_model_97_reference_gets_check_digits_that_its_parse_accepts() {
        assert!(Model97::for_base("ME2026").is_err());
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
            account: CurrentAccount::parse("160-0000000012345-95").expect("valid"),
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

    #[test]
    fn giro_accounts_are_checked_block_by_block_and_give_their_iban() {
        let otp = OperatorAccount::parse("HU", "11773016-11111018").expect("valid");
        assert_eq!(otp.iban(), "HU42117730161111101800000000");
        assert!(GiroAccount::parse("11600006-00000000-00000000").is_ok());
        assert_eq!(
            GiroAccount::parse("11600006-00000000-12345678"),
            Err(SlipError::GiroCheck {
                account: "11600006-00000000-12345678".into(),
                block: 2
            })
        );
        assert!(matches!(
            GiroAccount::parse("11600007-00000000"),
            Err(SlipError::GiroCheck { block: 1, .. })
        ));
        assert!(matches!(
            GiroAccount::parse("1160000-600000000"),
            Err(SlipError::GiroShape(_))
        ));
    }

    #[test]
    fn a_montenegrin_account_has_the_serbian_layout_and_its_iban() {
        // The IBAN registry's example for Montenegro.
        let account = OperatorAccount::parse("ME", "505-0000123456789-51").expect("valid");
        assert_eq!(account.iban(), "ME25505000012345678951");
        assert!(matches!(
            OperatorAccount::parse("XX", "505-0000123456789-51"),
            Err(SlipError::Country(_))
        ));
    }

    #[test]
    fn creditor_references_follow_iso_11649() {
        // The standard's own example.
        let reference = CreditorReference::for_base("539007547034").expect("valid");
        assert_eq!(reference.as_str(), "RF18539007547034");
        assert_eq!(
            CreditorReference::parse("RF18 5390 0754 7034").expect("valid"),
            reference
        );
        assert!(matches!(
            CreditorReference::parse("RF19539007547034"),
            Err(SlipError::ReferenceCheck { .. })
        ));
        assert!(CreditorReference::for_base(&"1".repeat(22)).is_err());
    }

    #[test]
    fn the_epc_code_carries_iban_amount_and_reference_on_their_lines() {
        let eur = Currency::new("EUR", 2).expect("valid");
        let order = EpcOrder {
            bic: Some("CKBCMEPG".into()),
            payee: "Telenor d.o.o. Podgorica".into(),
            iban: "ME25505000012345678951".into(),
            amount: Money::from_minor(2_150, eur),
            reference: CreditorReference::for_base("ME20260000042").expect("valid"),
        };
        let text = order.qr_text().expect("valid");
        let lines: Vec<&str> = text.split('\n').collect();
        assert_eq!(&lines[..4], ["BCD", "002", "1", "SCT"]);
        assert_eq!(lines[4], "CKBCMEPG");
        assert_eq!(lines[6], "ME25505000012345678951");
        assert_eq!(lines[7], "EUR21.50");
        assert_eq!(lines[9], order.reference.as_str());
        let in_dinars = EpcOrder {
            amount: rsd(100),
            ..order
        };
        assert!(matches!(in_dinars.qr_text(), Err(SlipError::Amount(_))));
    }

    #[test]
    fn the_hct_code_has_seventeen_fields_each_ended_by_a_line_feed() {
        let huf = Currency::new("HUF", 0).expect("valid");
        let order = HctOrder {
            bic: "GIBAHUHB".into(),
            payee: "Telenor Magyarország Zrt.".into(),
            iban: "HU42117730161111101800000000".into(),
            amount: Money::from_minor(12_990, huf),
            valid_until: "20260215235959+1".into(),
            message: "HU-2026-0000042".into(),
            invoice_id: "HU-2026-0000042".into(),
            customer_id: "7".into(),
        };
        let text = order.qr_text().expect("valid");
        assert!(text.ends_with('\n'));
        let fields: Vec<&str> = text
            .strip_suffix('\n')
            .expect("ends with a line feed")
            .split('\n')
            .collect();
        assert_eq!(fields.len(), 17);
        assert_eq!(&fields[..4], ["HCT", "001", "1", "GIBAHUHBXXX"]);
        assert_eq!(fields[6], "HUF12990");
        assert_eq!(fields[7], "20260215235959+1");
        assert_eq!(fields[9], "HU-2026-0000042");
        let bad_bic = HctOrder {
            bic: "GIBA".into(),
            ..order
        };
        assert!(matches!(bad_bic.qr_text(), Err(SlipError::Bic(_))));
    }

    proptest! {
        #[test]
        fn every_generated_check_is_accepted_and_every_changed_digit_refused(
            bank in 100_u32..999, account in 1_u64..9_999_999_999_999, digit in 0_usize..16, delta in 1_u32..10
        ) {
            let body = format!("{bank:03}{account:013}");
            let control = check_digits(&body).expect("valid");
            let text = format!("{body}{control:02}");
            prop_assert!(CurrentAccount::parse(&text).is_ok());
            let mut changed: Vec<u32> = text.chars().map(|c| c.to_digit(10).expect("valid")).collect();
            changed[digit] = (changed[digit] + delta) % 10;
            let changed: String = changed.iter().map(|d| char::from_digit(*d, 10).expect("valid")).collect();
            prop_assert!(CurrentAccount::parse(&changed).is_err());
        }
    }
}
