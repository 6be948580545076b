//! Exact money: an amount in the currency's minor units (cents, para, fillér).
//!
//! Rates may carry more decimals than the currency; they are `Decimal`s and are
//! turned into `Money` once, at bill-line level, with the market's rounding mode.

use std::fmt;
use std::iter::Sum;
use std::ops::{Add, AddAssign, Neg, Sub, SubAssign};
use std::str::FromStr;

use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};

/// An ISO 4217 currency with the number of decimals its amounts carry.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Currency {
    code: [u8; 3],
    minor_unit: u8,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    #[error("currency code must be three capital letters, got {0:?}")]
    BadCurrencyCode(String),
    #[error("a currency has 0 to 4 decimals, got {0}")]
    BadMinorUnit(u8),
    #[error("{0:?} is not an amount: expected a decimal number such as \"25.00\"")]
    NotANumber(String),
    #[error("{amount:?} has more decimals than {currency} allows ({minor_unit})")]
    TooManyDecimals {
        amount: String,
        currency: Currency,
        minor_unit: u8,
    },
    #[error("amount {0:?} is out of range")]
    OutOfRange(String),
    #[error("amount must not be negative, got {0}")]
    Negative(String),
}

impl Currency {
    pub fn new(code: &str, minor_unit: u8) -> Result<Self, MoneyError> {
        let bytes = code.as_bytes();
        if bytes.len() != 3 || !bytes.iter().all(u8::is_ascii_uppercase) {
            return Err(MoneyError::BadCurrencyCode(code.to_owned()));
        }
        if minor_unit > 4 {
            return Err(MoneyError::BadMinorUnit(minor_unit));
        }
        Ok(Self {
            code: [bytes[0], bytes[1], bytes[2]],
            minor_unit,
        })
    }

    pub fn code(&self) -> &str {
        // The constructor only admits ASCII capitals.
        std::str::from_utf8(&self.code).unwrap_or("???")
    }

    pub fn minor_unit(&self) -> u8 {
        self.minor_unit
    }

    fn scale_factor(&self) -> i64 {
        10_i64.pow(u32::from(self.minor_unit))
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// How amounts with more decimals than the currency are brought to its minor unit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RoundingMode {
    /// Half away from zero: 0.125 → 0.13 (commercial rounding).
    #[default]
    HalfUp,
    /// Half to even (banker's rounding): 0.125 → 0.12.
    HalfEven,
    /// Towards zero.
    Down,
    /// Away from zero.
    Up,
}

impl RoundingMode {
    fn strategy(self) -> RoundingStrategy {
        match self {
            Self::HalfUp => RoundingStrategy::MidpointAwayFromZero,
            Self::HalfEven => RoundingStrategy::MidpointNearestEven,
            Self::Down => RoundingStrategy::ToZero,
            Self::Up => RoundingStrategy::AwayFromZero,
        }
    }

    /// Rounds a decimal to `decimals` places with this mode.
    pub fn round(self, value: Decimal, decimals: u32) -> Decimal {
        value.round_dp_with_strategy(decimals, self.strategy())
    }
}

/// An exact amount of one currency, held in minor units.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Money {
    minor: i64,
    currency: Currency,
}

impl Money {
    pub fn from_minor(minor: i64, currency: Currency) -> Self {
        Self { minor, currency }
    }

    pub fn zero(currency: Currency) -> Self {
        Self::from_minor(0, currency)
    }

    /// Parses a decimal string such as `"25.00"` or `"1990"`. More decimals than
    /// the currency has are refused unless they are zeros (`"4990.00"` in HUF).
    pub fn parse(text: &str, currency: Currency) -> Result<Self, MoneyError> {
        let value =
            Decimal::from_str(text.trim()).map_err(|_| MoneyError::NotANumber(shown(text)))?;
        let normalized = value.normalize();
        if normalized.scale() > u32::from(currency.minor_unit) {
            return Err(MoneyError::TooManyDecimals {
                amount: shown(text),
                currency,
                minor_unit: currency.minor_unit,
            });
        }
        Self::from_exact_decimal(normalized, currency)
            .ok_or_else(|| MoneyError::OutOfRange(shown(text)))
    }

    /// Like [`Money::parse`], refusing negative amounts (prices, fees).
    pub fn parse_non_negative(text: &str, currency: Currency) -> Result<Self, MoneyError> {
        let money = Self::parse(text, currency)?;
        if money.is_negative() {
            return Err(MoneyError::Negative(shown(text)));
        }
        Ok(money)
    }

    fn from_exact_decimal(value: Decimal, currency: Currency) -> Option<Self> {
        let scaled = value.checked_mul(Decimal::from(currency.scale_factor()))?;
        let minor = i64::try_from(scaled.trunc()).ok()?;
        Some(Self { minor, currency })
    }

    /// Rounds a decimal amount (e.g. minutes × a 4-decimal rate) to the currency.
    /// Returns `None` only for amounts beyond ±9.2 × 10^18 minor units.
    pub fn from_decimal(
        value: Decimal,
        currency: Currency,
        rounding: RoundingMode,
    ) -> Option<Self> {
        let rounded = rounding.round(value, u32::from(currency.minor_unit));
        Self::from_exact_decimal(rounded, currency)
    }

    pub fn minor(&self) -> i64 {
        self.minor
    }

    pub fn currency(&self) -> Currency {
        self.currency
    }

    pub fn to_decimal(&self) -> Decimal {
        Decimal::new(self.minor, u32::from(self.currency.minor_unit))
    }

    pub fn is_zero(&self) -> bool {
        self.minor == 0
    }

    pub fn is_negative(&self) -> bool {
        self.minor < 0
    }

    pub fn is_positive(&self) -> bool {
        self.minor > 0
    }

    pub fn abs(self) -> Self {
        Self::from_minor(self.minor.abs(), self.currency)
    }

    pub fn min(self, other: Self) -> Self {
        self.assert_same_currency(other);
        if other.minor < self.minor {
            other
        } else {
            self
        }
    }

    pub fn max(self, other: Self) -> Self {
        self.assert_same_currency(other);
        if other.minor > self.minor {
            other
        } else {
            self
        }
    }

    /// Multiplies by a whole count (e.g. months left × monthly fee).
    pub fn times(self, count: i64) -> Self {
        Self::from_minor(self.minor * count, self.currency)
    }

    /// Multiplies by a decimal factor and rounds the result to the currency.
    pub fn scaled(self, factor: Decimal, rounding: RoundingMode) -> Option<Self> {
        Self::from_decimal(self.to_decimal() * factor, self.currency, rounding)
    }

    /// Splits the amount into `parts` amounts that add up to it exactly; the
    /// first ones carry the remainder (1.00 / 3 = 0.34 + 0.33 + 0.33).
    pub fn split(self, parts: u32) -> Vec<Self> {
        if parts == 0 {
            return Vec::new();
        }
        let n = i64::from(parts);
        let base = self.minor.div_euclid(n);
        let remainder = self.minor.rem_euclid(n);
        (0..n)
            .map(|i| Self::from_minor(base + i64::from(i < remainder), self.currency))
            .collect()
    }

    fn assert_same_currency(self, other: Self) {
        // Mixing currencies is a programming error: every market bills in one currency.
        assert_eq!(
            self.currency, other.currency,
            "money of two currencies combined: {} and {}",
            self.currency, other.currency
        );
    }
}

/// A refused amount as a message repeats it: never a whole 10 MB field.
fn shown(text: &str) -> String {
    crate::text::clip(text, crate::text::ECHO_CHARS).into_owned()
}

impl fmt::Display for Money {
    /// `25.00`, `-3.50`, `4990` — a plain decimal, no grouping, no currency code.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let decimals = usize::from(self.currency.minor_unit);
        write!(f, "{:.*}", decimals, self.to_decimal())
    }
}

impl Serialize for Money {
    /// Amounts travel as decimal strings (`"25.00"`), never as floats.
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl Add for Money {
    type Output = Money;
    fn add(self, rhs: Money) -> Money {
        self.assert_same_currency(rhs);
        Money::from_minor(self.minor + rhs.minor, self.currency)
    }
}

impl AddAssign for Money {
    fn add_assign(&mut self, rhs: Money) {
        *self = *self + rhs;
    }
}

impl Sub for Money {
    type Output = Money;
    fn sub(self, rhs: Money) -> Money {
        self.assert_same_currency(rhs);
        Money::from_minor(self.minor - rhs.minor, self.currency)
    }
}

impl SubAssign for Money {
    fn sub_assign(&mut self, rhs: Money) {
        *self = *self - rhs;
    }
}

impl Neg for Money {
    type Output = Money;
    fn neg(self) -> Money {
        Money::from_minor(-self.minor, self.currency)
    }
}

/// Sums money of one currency; the currency of an empty sum is unknown, so
/// callers fold from `Money::zero(currency)` instead of using `Sum` on empty input.
impl Sum for Money {
    fn sum<I: Iterator<Item = Money>>(mut iter: I) -> Money {
        let first = iter.next().expect("sum of money needs at least one amount");
        iter.fold(first, |acc, m| acc + m)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn rsd() -> Currency {
        Currency::new("RSD", 2).expect("valid")
    }
    fn huf() -> Currency {
        Currency::new("HUF", 0).expect("valid")
    }

    #[test]
    fn parses_and_prints_exactly() {
        let m = Money::parse("25.00", rsd()).expect("parses");
        assert_eq!(m.minor(), 2500);
        assert_eq!(m.to_string(), "25.00");
        assert_eq!(
            Money::parse("-3.5", rsd()).expect("parses").to_string(),
            "-3.50"
        );
        assert_eq!(
            Money::parse("4990.00", huf())
                .expect("zeros allowed")
                .to_string(),
            "4990"
        );
    }

    #[test]
    fn refuses_extra_decimals_and_garbage() {
        assert!(matches!(
            Money::parse("1.005", rsd()),
            Err(MoneyError::TooManyDecimals { .. })
        ));
        assert!(matches!(
            Money::parse("12,50", rsd()),
            Err(MoneyError::NotANumber(_))
        ));
        assert!(matches!(
            Money::parse("4990.5", huf()),
            Err(MoneyError::TooManyDecimals { .. })
        ));
        assert!(matches!(
            Money::parse_non_negative("-1", rsd()),
            Err(MoneyError::Negative(_))
        ));
        assert!(Currency::new("rsd", 2).is_err());
        assert!(Currency::new("RSD", 9).is_err());
    }

    #[test]
    fn rounds_with_the_market_mode() {
        let d = Decimal::from_str("0.125").expect("decimal");
        assert_eq!(
            Money::from_decimal(d, rsd(), RoundingMode::HalfUp).map(|m| m.minor()),
            Some(13)
        );
        assert_eq!(
            Money::from_decimal(d, rsd(), RoundingMode::HalfEven).map(|m| m.minor()),
            Some(12)
        );
        assert_eq!(
            Money::from_decimal(-d, rsd(), RoundingMode::HalfUp).map(|m| m.minor()),
            Some(-13)
        );
        assert_eq!(
            Money::from_decimal(d, rsd(), RoundingMode::Down).map(|m| m.minor()),
            Some(12)
        );
        assert_eq!(
            Money::from_decimal(d, rsd(), RoundingMode::Up).map(|m| m.minor()),
            Some(13)
        );
    }

    #[test]
    fn split_adds_up() {
        let parts = Money::from_minor(100, rsd()).split(3);
        assert_eq!(
            parts.iter().map(Money::minor).collect::<Vec<_>>(),
            vec![34, 33, 33]
        );
    }

    #[test]
    #[should_panic(expected = "two currencies")]
    fn mixing_currencies_is_a_bug() {
        let _ = Money::from_minor(1, rsd()) + Money::from_minor(1, huf());
    }

    proptest! {
        #[test]
        fn split_always_adds_up(minor in -10_000_000_i64..10_000_000, parts in 1_u32..48) {
            let m = Money::from_minor(minor, rsd());
            let pieces = m.split(parts);
            prop_assert_eq!(pieces.len(), parts as usize);
            prop_assert_eq!(pieces.iter().map(Money::minor).sum::<i64>(), minor);
            let max = pieces.iter().map(Money::minor).max().unwrap_or(0);
            let min = pieces.iter().map(Money::minor).min().unwrap_or(0);
            prop_assert!(max - min <= 1);
        }

        #[test]
        fn display_parse_round_trip(minor in -1_000_000_000_i64..1_000_000_000) {
            let m = Money::from_minor(minor, rsd());
            prop_assert_eq!(Money::parse(&m.to_string(), rsd()).ok(), Some(m));
        }
    }
}
