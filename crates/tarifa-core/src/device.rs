//! Devices in subscribers' hands: the IMEI and its check digit (DEV-1…3).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

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
