//! Devices in subscribers' hands: the IMEI and its check digit (DEV-1…3).

use std::fmt;
use std::str::FromStr;

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::money::Money;
use crate::time::{add_months, month_start};

/// A 15-digit IMEI whose last digit is the Luhn check digit of the first 14.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Imei(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ImeiError {
    #[error("IMEI {0:?} must be 15 digits")]
    Length(String),
    #[error("IMEI {0:?} fails its check digit (Luhn): the last digit should be {1}")]
    CheckDigit(String, u32),
}

/// One instalment of a device's price (DEV-3).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Instalment {
    /// The day it is charged: the sale day for the first, the first day of
    /// each following month for the others.
    pub on: Date,
    pub number: u32,
    pub of: u32,
    pub amount: Money,
}

/// A price paid in `count` monthly instalments that add up to it exactly
/// (the first ones carry the remainder).
pub fn instalments(price: Money, count: u32, sold_on: Date) -> Vec<Instalment> {
    let count = count.max(1);
    let first_of_month = month_start(sold_on);
    price
        .split(count)
        .into_iter()
        .zip(1..)
        .map(|(amount, number)| Instalment {
            on: if number == 1 {
                sold_on
            } else {
                add_months(
                    first_of_month,
                    i32::try_from(number - 1).unwrap_or(i32::MAX),
                )
            },
            number,
            of: count,
            amount,
        })
        .collect()
}

/// The Luhn check digit for a string of digits.
pub fn luhn_check_digit(digits: &str) -> u32 {
    let sum: u32 = digits
        .chars()
        .rev()
        .filter_map(|c| c.to_digit(10))
        .enumerate()
        .map(|(i, d)| {
            if i % 2 == 0 {
                let doubled = d * 2;
                if doubled > 9 { doubled - 9 } else { doubled }
            } else {
                d
            }
        })
        .sum();
    (10 - sum % 10) % 10
}

impl Imei {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for Imei {
    type Err = ImeiError;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let text = text.trim();
        if text.len() != 15 || !text.chars().all(|c| c.is_ascii_digit()) {
            return Err(ImeiError::Length(text.to_owned()));
        }
        let expected = luhn_check_digit(&text[..14]);
        let given = text[14..].chars().next().and_then(|c| c.to_digit(10));
        if given != Some(expected) {
            return Err(ImeiError::CheckDigit(text.to_owned(), expected));
        }
        Ok(Self(text.to_owned()))
    }
}

impl fmt::Display for Imei {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Serialize for Imei {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Imei {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer)?
            .parse()
            .map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    use crate::money::Currency;

    proptest! {
        /// DEV-3: the instalments add up to the price exactly, a month apart.
        #[test]
        fn instalments_add_up_to_the_price(minor in 0_i64..100_000_000, count in 1_u32..60, day in 1_i8..29) {
            let rsd = Currency::new("RSD", 2).expect("test data");
            let sold_on = Date::new(2026, 3, day).expect("test data");
            let parts = instalments(Money::from_minor(minor, rsd), count, sold_on);
            prop_assert_eq!(parts.len(), count as usize);
            prop_assert_eq!(parts.iter().map(|p| p.amount.minor()).sum::<i64>(), minor);
            prop_assert_eq!(parts[0].on, sold_on);
            let spread = parts.iter().map(|p| p.amount.minor()).max().expect("test data") - parts.iter().map(|p| p.amount.minor()).min().expect("test data");
            prop_assert!(spread <= 1);
            for (k, p) in parts.iter().enumerate().skip(1) {
                prop_assert_eq!(p.on, add_months(Date::new(2026, 3, 1).expect("test data"), k as i32));
            }
        }
    }

    #[test]
    fn checks_the_luhn_digit() {
        assert!("490154203237518".parse::<Imei>().is_ok());
        assert!("356938035643809".parse::<Imei>().is_ok());
        assert_eq!(
            "490154203237517".parse::<Imei>(),
            Err(ImeiError::CheckDigit("490154203237517".into(), 8))
        );
        assert!(matches!(
            "49015420323751".parse::<Imei>(),
            Err(ImeiError::Length(_))
        ));
        assert!(matches!(
            "49015420323751X".parse::<Imei>(),
            Err(ImeiError::Length(_))
        ));
    }

    proptest! {
        #[test]
        fn any_14_digits_with_their_check_digit_is_valid(body in "[0-9]{14}") {
            let imei = format!("{body}{}", luhn_check_digit(&body));
            prop_assert!(imei.parse::<Imei>().is_ok());
            let wrong = format!("{body}{}", (luhn_check_digit(&body) + 1) % 10);
            prop_assert!(wrong.parse::<Imei>().is_err());
        }
    }
}
