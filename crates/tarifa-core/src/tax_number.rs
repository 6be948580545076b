//! A business's tax number, checked the way its country writes it: the
//! number a bill to a business carries, and the one tax authorities take
//! the business by (NAV's `customerVatStatus = DOMESTIC`, SEF's buyer).

use crate::party::PartyKind;

/// The tax number `text` of a `kind` of party in `country` (ISO 3166
/// alpha-2), in its usual written form; `Err` says why it is not one.
///
/// - HU (adószám): 8 digits of the taxpayer with a check digit (weights
///   9, 7, 3, 1, 9, 7, 3), the VAT code 1–5 and a two-digit county code,
///   written `12345676-2-41`.
/// - RS (PIB): 9 digits, the last a check digit by ISO 7064 MOD 11,10.
/// - ME (PIB): 8 digits.
/// - elsewhere: letters, digits and `-`, 4 to 20 characters.
///
/// An individual is billed as a private person: a tax number is for a
/// business or an entrepreneur.
pub fn check(country: &str, kind: PartyKind, text: &str) -> Result<String, String> {
    let text = text.trim();
    if !kind.is_legal_entity() {
        return Err(
            "an individual is billed as a private person: a tax number belongs to a business or an entrepreneur"
                .into(),
        );
    }
    let shown = crate::text::clip(text, crate::text::ECHO_CHARS);
    let digits: String = text.chars().filter(|c| !matches!(c, '-' | ' ')).collect();
    let all_digits = digits.chars().all(|c| c.is_ascii_digit());
    match country {
        "HU" => {
            if digits.len() != 11 || !all_digits {
                return Err(format!(
                    "{shown:?} is not a Hungarian tax number (11 digits, as 12345676-2-41)"
                ));
            }
            if !hungarian_check_digit_holds(&digits[..8]) {
                return Err(format!(
                    "{shown:?}: the 8th digit of a Hungarian tax number does not check"
                ));
            }
            if !matches!(&digits[8..9], "1" | "2" | "3" | "4" | "5") {
                return Err(format!(
                    "{shown:?}: the VAT code (9th digit) of a Hungarian tax number is 1 to 5"
                ));
            }
            Ok(format!(
                "{}-{}-{}",
                &digits[..8],
                &digits[8..9],
                &digits[9..]
            ))
        }
        "RS" => {
            if digits.len() != 9 || !all_digits || !mod_11_10_holds(&digits) {
                return Err(format!(
                    "{shown:?} is not a Serbian PIB (9 digits, the last a check digit)"
                ));
            }
            Ok(digits)
        }
        "ME" => {
            if digits.len() != 8 || !all_digits {
                return Err(format!("{shown:?} is not a Montenegrin PIB (8 digits)"));
            }
            Ok(digits)
        }
        _ => {
            let len = text.chars().count();
            if !(4..=20).contains(&len)
                || !text.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            {
                return Err(format!(
                    "{shown:?} is not a tax number (4 to 20 letters, digits or -)"
                ));
            }
            Ok(text.to_owned())
        }
    }
}

/// The Hungarian taxpayer number's 8th digit: (10 − Σ digitᵢ·weightᵢ mod 10)
/// mod 10 over the first seven.
fn hungarian_check_digit_holds(taxpayer: &str) -> bool {
    let d: Vec<u32> = taxpayer.chars().filter_map(|c| c.to_digit(10)).collect();
    if d.len() != 8 {
        return false;
    }
    let sum: u32 = d[..7]
        .iter()
        .zip([9, 7, 3, 1, 9, 7, 3])
        .map(|(a, w)| a * w)
        .sum();
    (10 - sum % 10) % 10 == d[7]
}

/// ISO 7064 MOD 11,10 over all digits, the last being the check digit.
fn mod_11_10_holds(digits: &str) -> bool {
    let mut product = 10;
    for c in digits.chars().take(digits.len().saturating_sub(1)) {
        let Some(d) = c.to_digit(10) else {
            return false;
        };
        let mut sum = (d + product) % 10;
        if sum == 0 {
            sum = 10;
        }
        product = (sum * 2) % 11;
    }
    let check = (11 - product) % 10;
    digits.chars().last().and_then(|c| c.to_digit(10)) == Some(check)
}

/// A Hungarian taxpayer number made valid: the first seven digits of
/// `seed` and their check digit (for generated test data).
pub fn hungarian_taxpayer(seed: u32) -> String {
    let base = format!("{:07}", seed % 10_000_000);
    let sum: u32 = base
        .chars()
        .filter_map(|c| c.to_digit(10))
        .zip([9, 7, 3, 1, 9, 7, 3])
        .map(|(a, w)| a * w)
        .sum();
    format!("{base}{}", (10 - sum % 10) % 10)
}

/// A Serbian PIB made valid: the eight digits of `seed` and their check
/// digit (for generated test data).
pub fn serbian_pib(seed: u32) -> String {
    let base = format!("{:08}", seed % 100_000_000);
    (0..10)
        .map(|d| format!("{base}{d}"))
        .find(|candidate| mod_11_10_holds(candidate))
        .unwrap_or(base)
}

#[cfg(test)]
mod tests {
    use super::*;

    const BUSINESS: PartyKind = PartyKind::Business;

    #[test]
    fn hungarian_numbers_check_their_eighth_digit() {
        // 1234567: 9+14+9+4+45+42+21 = 144 → check digit 6.
        assert_eq!(
            check("HU", BUSINESS, "12345676-2-41"),
            Ok("12345676-2-41".into())
        );
        assert_eq!(
            check("HU", BUSINESS, "12345676241"),
            Ok("12345676-2-41".into())
        );
        let wrong = check("HU", BUSINESS, "12345678-2-41").expect_err("check digit");
        assert!(wrong.contains("8th digit"), "{wrong}");
        let vat = check("HU", BUSINESS, "12345676-7-41").expect_err("VAT code");
        assert!(vat.contains("VAT code"), "{vat}");
        assert!(check("HU", BUSINESS, "1234567").is_err());
    }

    #[test]
    fn generated_hungarian_numbers_check() {
        for seed in [0, 1, 1_234_567, 9_999_999, 4_242_424] {
            let number = format!("{}-2-41", hungarian_taxpayer(seed));
            assert!(check("HU", BUSINESS, &number).is_ok(), "{number}");
        }
    }

    #[test]
    fn serbian_pib_checks_by_iso_7064() {
        // 10000000: products 2, 4, 8, 5, 10, 9, 7, 3 → check digit 8.
        assert_eq!(check("RS", BUSINESS, "100000008"), Ok("100000008".into()));
        assert!(check("RS", BUSINESS, "100000002").is_err());
        assert!(check("RS", BUSINESS, "12345").is_err());
        for seed in [10_000_000, 10_416_221, 99_999_999] {
            let pib = serbian_pib(seed);
            assert_eq!(check("RS", BUSINESS, &pib), Ok(pib.clone()));
        }
    }

    #[test]
    fn montenegro_takes_eight_digits_and_others_a_plain_code() {
        assert_eq!(check("ME", BUSINESS, "02005123"), Ok("02005123".into()));
        assert!(check("ME", BUSINESS, "0200512").is_err());
        assert_eq!(check("AT", BUSINESS, "ATU1234567"), Ok("ATU1234567".into()));
        assert!(check("AT", BUSINESS, "no!").is_err());
    }

    #[test]
    fn individuals_have_no_tax_number() {
        assert!(check("HU", PartyKind::Individual, "12345676-2-41").is_err());
        assert!(check("HU", PartyKind::Entrepreneur, "12345676-2-41").is_ok());
    }
}
