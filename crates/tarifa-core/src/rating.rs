//! Rating (USE-1, USE-3): a contract's usage totals of one billing period are
//! set against the package's allowances first, then priced at its rates.
//!
//! The model (see `docs/rating.md`):
//! - voice is counted in started minutes per call; national minutes come from
//!   the allowance, then cost `rates.voice_min`; international minutes cost
//!   `rates.voice_intl_min` and never come from the allowance;
//! - SMS: national from the allowance, then `rates.sms`; international at
//!   `rates.sms_intl` (else `rates.sms`);
//! - data is summed over the period in bytes; what exceeds the allowance is
//!   rounded up to whole MB and costs `rates.data_mb` per MB;
//! - roaming outside the home-like zone costs the `roaming_*` rates (else the
//!   international, else the national rate) and never comes from allowances;
//! - emergency and customer-centre numbers are free and not counted (USE-2);
//! - a kind without a rate is not charged beyond its allowance;
//! - each bucket is one bill line: its amount is rounded once, with the
//!   market's rounding mode. The bill shows the whole traffic at list rates
//!   and, as a discount, what the allowances covered (BIL-3 element 5).

use rust_decimal::Decimal;
use serde::Serialize;

use crate::catalog::{Allowance, Allowances, Rates};
use crate::money::{Currency, Money, RoundingMode};
use crate::usage::{Bucket, Destination, MB, UsageKind};

/// What a contract used in one bucket over a period.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct BucketTotal {
    pub bucket: Bucket,
    /// Number of records (calls, messages, sessions).
    pub records: u64,
    /// Seconds, messages or bytes.
    pub quantity: u64,
    /// Billable units: started minutes summed per call, messages, bytes.
    pub units: u64,
}

/// A bucket after rating.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RatedBucket {
    pub total: BucketTotal,
    /// The whole traffic at list rates.
    pub gross: Money,
    /// What is charged beyond the allowance.
    pub charged: Money,
    /// Units the allowance covered (minutes, messages, MB).
    pub covered: u64,
    /// Units charged (minutes, messages, MB).
    pub excess: u64,
}

impl RatedBucket {
    /// The value the allowance covered: shown as a discount on the bill.
    pub fn discount(&self) -> Money {
        self.gross - self.charged
    }
}

/// How much of an allowance was granted and used in a period.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct AllowanceUse {
    pub kind: UsageKind,
    pub granted: Allowance,
    /// Minutes, messages or MB taken from the allowance.
    pub used: u64,
}

fn rate_for(rates: &Rates, bucket: Bucket) -> Option<Decimal> {
    use Destination::*;
    use UsageKind::*;
    match (bucket.kind, bucket.destination) {
        (Voice, National) => rates.voice_min,
        (Voice, International) => rates.voice_intl_min.or(rates.voice_min),
        (Voice, Roaming) => rates
            .roaming_voice_min
            .or(rates.voice_intl_min)
            .or(rates.voice_min),
        (Sms, National) => rates.sms,
        (Sms, International) => rates.sms_intl.or(rates.sms),
        (Sms, Roaming) => rates.roaming_sms.or(rates.sms_intl).or(rates.sms),
        (Data, Internet) => rates.data_mb,
        (Data, Roaming) => rates.roaming_data_mb.or(rates.data_mb),
        _ => None,
    }
}

/// The allowance a bucket draws on, if any.
fn allowance_for(allowances: &Allowances, bucket: Bucket) -> Option<Allowance> {
    match (bucket.kind, bucket.destination) {
        (UsageKind::Voice, Destination::National) => Some(allowances.voice_min),
        (UsageKind::Sms, Destination::National) => Some(allowances.sms),
        (UsageKind::Data, Destination::Internet) => Some(allowances.data_mb),
        _ => None,
    }
}

/// Units as priced: minutes, messages, or whole MB of data.
fn priced_units(bucket: Bucket, units: u64) -> u64 {
    match bucket.kind {
        UsageKind::Data => units.div_ceil(MB),
        _ => units,
    }
}

/// Usage whose charge does not fit an amount: an error, never a zero.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{units} units of {bucket} at {rate} per unit are more than an amount can hold")]
pub struct Overflow {
    pub bucket: Bucket,
    pub units: u64,
    pub rate: Decimal,
}

/// Rates a period's totals against allowances and rates. Returns the rated
/// buckets (in bucket order) and the use of each allowance of the package.
pub fn rate(
    allowances: &Allowances,
    rates: &Rates,
    totals: &[BucketTotal],
    currency: Currency,
    rounding: RoundingMode,
) -> Result<(Vec<RatedBucket>, Vec<AllowanceUse>), Overflow> {
    let money = |bucket: Bucket, units: u64, rate: Option<Decimal>| {
        let rate = rate.unwrap_or(Decimal::ZERO);
        rate.checked_mul(Decimal::from(units))
            .and_then(|value| Money::from_decimal(value, currency, rounding))
            .ok_or(Overflow {
                bucket,
                units,
                rate,
            })
    };
    let mut sorted: Vec<BucketTotal> = totals.to_vec();
    sorted.sort_by_key(|t| t.bucket);
    let mut rated = Vec::with_capacity(sorted.len());
    let mut uses: Vec<AllowanceUse> = [
        (UsageKind::Voice, allowances.voice_min),
        (UsageKind::Sms, allowances.sms),
        (UsageKind::Data, allowances.data_mb),
    ]
    .into_iter()
    .filter(|(_, a)| *a != Allowance::Limited(0))
    .map(|(kind, granted)| AllowanceUse {
        kind,
        granted,
        used: 0,
    })
    .collect();

    for total in sorted {
        let bucket = total.bucket;
        if bucket.is_free() {
            let zero = Money::zero(currency);
            rated.push(RatedBucket {
                total,
                gross: zero,
                charged: zero,
                covered: 0,
                excess: 0,
            });
            continue;
        }
        let rate = rate_for(rates, bucket);
        let all_units = priced_units(bucket, total.units);
        let (covered, excess) = match allowance_for(allowances, bucket) {
            None => (0, all_units),
            Some(Allowance::Unlimited) => (all_units, 0),
            Some(Allowance::Limited(granted)) => match bucket.kind {
                // Data: the excess bytes are rounded up to whole MB.
                UsageKind::Data => {
                    let excess = total
                        .units
                        .saturating_sub(granted.saturating_mul(MB))
                        .div_ceil(MB);
                    (all_units.saturating_sub(excess).min(granted), excess)
                }
                _ => {
                    let covered = all_units.min(granted);
                    (covered, all_units - covered)
                }
            },
        };
        if let Some(use_) = uses
            .iter_mut()
            .find(|u| allowance_for(allowances, bucket).is_some() && u.kind == bucket.kind)
        {
            use_.used = use_.used.saturating_add(covered);
        }
        rated.push(RatedBucket {
            total,
            gross: money(bucket, all_units, rate)?,
            charged: money(bucket, excess, rate)?,
            covered,
            excess,
        });
    }
    Ok((rated, uses))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    #[test]
    fn a_charge_too_large_for_an_amount_is_an_error_not_zero() {
        let (allowances, rates) = package();
        let rated = rate(
            &allowances,
            &rates,
            &[total("voice.international", 1, u64::MAX)],
            eur(),
            RoundingMode::HalfUp,
        );
        let overflow = rated.expect_err("an overflow");
        assert_eq!(overflow.bucket.code(), "voice.international");
    }

    fn eur() -> Currency {
        Currency::new("EUR", 2).expect("valid")
    }

    fn dec(text: &str) -> Option<Decimal> {
        Some(Decimal::from_str(text).expect("decimal"))
    }

    fn total(code: &str, records: u64, quantity: u64) -> BucketTotal {
        let bucket = Bucket::parse(code).expect("bucket");
        BucketTotal {
            bucket,
            records,
            quantity,
            units: if bucket.kind == UsageKind::Voice {
                quantity.div_ceil(60)
            } else {
                quantity
            },
        }
    }

    fn package() -> (Allowances, Rates) {
        (
            Allowances {
                voice_min: Allowance::Limited(100),
                sms: Allowance::Limited(0),
                data_mb: Allowance::Limited(1024),
            },
            Rates {
                voice_min: dec("0.20"),
                voice_intl_min: dec("0.55"),
                sms: dec("0.05"),
                data_mb: dec("0.0125"),
                ..Rates::default()
            },
        )
    }

    #[test]
    fn allowance_first_then_rates() {
        let (allowances, rates) = package();
        let mut voice = total("voice.national", 3, 0);
        voice.units = 103; // started minutes summed per call
        let (rated, uses) = rate(
            &allowances,
            &rates,
            &[
                voice,
                total("voice.international", 1, 61),
                total("sms.national", 4, 4),
            ],
            eur(),
            RoundingMode::HalfUp,
        )
        .expect("rated");
        let national = rated
            .iter()
            .find(|r| r.total.bucket.code() == "voice.national")
            .expect("rated");
        assert_eq!((national.covered, national.excess), (100, 3));
        assert_eq!(national.charged.to_string(), "0.60");
        assert_eq!(national.gross.to_string(), "20.60");
        let intl = rated
            .iter()
            .find(|r| r.total.bucket.code() == "voice.international")
            .expect("rated");
        assert_eq!(
            intl.charged.to_string(),
            "1.10",
            "2 started minutes, never from the allowance"
        );
        let sms = rated
            .iter()
            .find(|r| r.total.bucket.code() == "sms.national")
            .expect("rated");
        assert_eq!(sms.charged.to_string(), "0.20");
        assert_eq!(
            uses.iter()
                .find(|u| u.kind == UsageKind::Voice)
                .map(|u| u.used),
            Some(100)
        );
    }

    #[test]
    fn data_excess_is_rounded_up_to_whole_mb_over_the_period() {
        let (allowances, rates) = package();
        let bytes = 1024 * MB + 1; // one byte over the allowance
        let (rated, uses) = rate(
            &allowances,
            &rates,
            &[total("data.internet", 7, bytes)],
            eur(),
            RoundingMode::HalfUp,
        )
        .expect("rated");
        assert_eq!(rated[0].excess, 1);
        assert_eq!(rated[0].charged.to_string(), "0.01");
        assert_eq!(
            uses.iter()
                .find(|u| u.kind == UsageKind::Data)
                .map(|u| u.used),
            Some(1024)
        );
        let (rated, _) = rate(
            &allowances,
            &rates,
            &[total("data.internet", 1, 200 * MB)],
            eur(),
            RoundingMode::HalfUp,
        )
        .expect("rated");
        assert_eq!(rated[0].charged.to_string(), "0.00");
        assert_eq!(rated[0].gross.to_string(), "2.50");
    }

    #[test]
    fn emergency_is_free_and_not_counted() {
        let (allowances, rates) = package();
        let (rated, uses) = rate(
            &allowances,
            &rates,
            &[total("voice.emergency", 2, 600)],
            eur(),
            RoundingMode::HalfUp,
        )
        .expect("rated");
        assert!(rated[0].charged.is_zero() && rated[0].gross.is_zero());
        assert_eq!(
            uses.iter()
                .find(|u| u.kind == UsageKind::Voice)
                .map(|u| u.used),
            Some(0)
        );
    }

    #[test]
    fn unlimited_covers_everything() {
        let (mut allowances, rates) = package();
        allowances.voice_min = Allowance::Unlimited;
        let (rated, _) = rate(
            &allowances,
            &rates,
            &[total("voice.national", 1, 60_000)],
            eur(),
            RoundingMode::HalfUp,
        )
        .expect("rated");
        assert!(rated[0].charged.is_zero());
        assert_eq!(rated[0].covered, 1000);
    }
}

/// What usage that arrived after a period was billed adds to that period's
/// charge: the period rated with everything, less the period rated with what
/// was billed, per class (allowances of the period are used once).
pub fn late_charges(
    allowances: &Allowances,
    rates: &Rates,
    all: &[BucketTotal],
    billed: &[BucketTotal],
    currency: Currency,
    rounding: RoundingMode,
) -> Result<Vec<(Bucket, Money)>, Overflow> {
    let (now, _) = rate(allowances, rates, all, currency, rounding)?;
    let (before, _) = rate(allowances, rates, billed, currency, rounding)?;
    Ok(now
        .into_iter()
        .map(|r| {
            let earlier = before
                .iter()
                .find(|b| b.total.bucket == r.total.bucket)
                .map_or(Money::zero(currency), |b| b.charged);
            (r.total.bucket, r.charged - earlier)
        })
        .filter(|(_, amount)| !amount.is_zero())
        .collect())
}

/// What a holder of the number owes for a period on top of what was billed
/// to it: the period's late charges; for the holder after a transfer in the
/// period (CON-9), less the part that falls to the assignor (the records
/// before the transfer, less what was billed of them), per class.
/// Allowances are used in the order the days came, so the assignor's
/// records take them first.
pub fn holder_late_charges(
    allowances: &Allowances,
    rates: &Rates,
    (all, billed): (&[BucketTotal], &[BucketTotal]),
    assignors_part: Option<(&[BucketTotal], &[BucketTotal])>,
    currency: Currency,
    rounding: RoundingMode,
) -> Result<Vec<(Bucket, Money)>, Overflow> {
    let mut charges = late_charges(allowances, rates, all, billed, currency, rounding)?;
    let Some((before, before_billed)) = assignors_part else {
        return Ok(charges);
    };
    for (bucket, amount) in
        late_charges(allowances, rates, before, before_billed, currency, rounding)?
    {
        match charges.iter_mut().find(|(b, _)| *b == bucket) {
            Some((_, total)) => *total -= amount,
            None => charges.push((bucket, -amount)),
        }
    }
    charges.retain(|(_, amount)| !amount.is_zero());
    Ok(charges)
}

#[cfg(test)]
mod late_tests {
    use super::*;
    use std::str::FromStr;

    /// 100 free minutes, then 0.20 a minute, in EUR.
    fn hundred_minutes_then_20_cents() -> (Allowances, Rates, Currency, Bucket) {
        let allowances = Allowances {
            voice_min: Allowance::Limited(100),
            sms: Allowance::Limited(0),
            data_mb: Allowance::Limited(0),
        };
        let rates = Rates {
            voice_min: Some(Decimal::from_str("0.20").expect("decimal")),
            ..Rates::default()
        };
        let eur = Currency::new("EUR", 2).expect("valid");
        let bucket = Bucket::parse("voice.national").expect("bucket");
        (allowances, rates, eur, bucket)
    }

    #[test]
    fn late_usage_uses_what_is_left_of_the_allowance() {
        let (allowances, rates, eur, bucket) = hundred_minutes_then_20_cents();
        let billed = BucketTotal {
            bucket,
            records: 1,
            quantity: 90 * 60,
            units: 90,
        };
        let all = BucketTotal {
            bucket,
            records: 2,
            quantity: 120 * 60,
            units: 120,
        };
        let late = late_charges(
            &allowances,
            &rates,
            &[all],
            &[billed],
            eur,
            RoundingMode::HalfUp,
        )
        .expect("rated");
        // 30 late minutes: 10 from the allowance, 20 at 0.20.
        assert_eq!(late, vec![(bucket, Money::from_minor(400, eur))]);
    }

    #[test]
    fn a_transfer_splits_late_usage_by_when_it_happened() {
        let (allowances, rates, eur, bucket) = hundred_minutes_then_20_cents();
        let minutes = |m: u64, records: u64| BucketTotal {
            bucket,
            records,
            quantity: m * 60,
            units: m,
        };
        // Billed at the transfer: 80 minutes; then 40 minutes after it, billed
        // at the month's end (120 in all); then a late record of 50 minutes
        // made before the transfer.
        let before_billed = [minutes(80, 1)];
        let billed = [minutes(120, 2)];
        let before = [minutes(130, 2)];
        let all = [minutes(170, 3)];
        let assignor = late_charges(
            &allowances,
            &rates,
            &before,
            &before_billed,
            eur,
            RoundingMode::HalfUp,
        )
        .expect("rated");
        let assignee = holder_late_charges(
            &allowances,
            &rates,
            (&all, &billed),
            Some((&before, &before_billed)),
            eur,
            RoundingMode::HalfUp,
        )
        .expect("rated");
        // The assignor's 50 late minutes: 20 left of the allowance, 30 at 0.20.
        assert_eq!(assignor, vec![(bucket, Money::from_minor(600, eur))]);
        // The assignee had 40 minutes billed, 20 of them free; now all 40 are
        // beyond the allowance: 4.00 more.
        assert_eq!(assignee, vec![(bucket, Money::from_minor(400, eur))]);
        // Together: the month as one (170 minutes, 70 × 0.20 = 14.00) less what was billed (20 × 0.20).
        let whole = late_charges(
            &allowances,
            &rates,
            &all,
            &billed,
            eur,
            RoundingMode::HalfUp,
        )
        .expect("rated");
        assert_eq!(whole, vec![(bucket, Money::from_minor(1_000, eur))]);
    }
}
