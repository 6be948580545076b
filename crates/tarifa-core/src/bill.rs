//! Bills (BIL-1…4): what one account owes for one billing period, line by
//! line, with usage by type and destination, allowances, and VAT per rate.
//!
//! The monthly fee of a partial period is prorated by days: fee × days of
//! service / days in the month, rounded once per line (17.01–31.01 of a
//! 31-day month is 15/31 of the fee). A package change splits the month into
//! one line per package.

use std::collections::BTreeMap;

use jiff::civil::Date;
use rust_decimal::Decimal;
use serde::Serialize;

use crate::catalog::{Allowance, Allowances, OneTimeCategory, Package, Rates};
use crate::market::Market;
use crate::money::Money;
use crate::names::snake_case_str;
use crate::phrase::Phrase;
use crate::rating::{AllowanceUse, BucketTotal, rate};
use crate::rule::RuleId;
use crate::usage::UsageKind;

/// The kinds of bill line of SCENARIOS.md.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum LineKind {
    Subscription,
    Usage,
    Discount,
    OneTime,
    Instalment,
    Fee,
    Penalty,
    Credit,
    Refund,
}

snake_case_str!(LineKind {
    Subscription = "subscription",
    Usage = "usage",
    Discount = "discount",
    OneTime = "one_time",
    Instalment = "instalment",
    Fee = "fee",
    Penalty = "penalty",
    Credit = "credit",
    Refund = "refund",
});

/// Which VAT rate a line's amount falls under.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, serde::Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum VatAssignment {
    #[default]
    Standard,
    Class(String),
    /// Shares of the amount per class; the rest is at the standard rate.
    Split(BTreeMap<String, Decimal>),
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct BillLine {
    pub kind: LineKind,
    pub contract_id: Option<i64>,
    pub description: String,
    /// The description as a message, for documents in other languages.
    pub phrase: Option<Phrase>,
    /// VAT included.
    pub amount: Money,
    pub vat: VatAssignment,
    pub rule: Option<RuleId>,
    pub category: Option<OneTimeCategory>,
}

/// A package a contract was on for some days of the period.
#[derive(Clone, Debug)]
pub struct PackagePeriod<'a> {
    pub package: &'a Package,
    /// The monthly fee in force in this period (the package's, unless a
    /// price change took effect since).
    pub fee: Money,
    pub from: Date,
    pub to: Date,
}

/// One contract's part of a bill.
#[derive(Clone, Debug)]
pub struct ContractPeriod<'a> {
    pub contract_id: i64,
    pub number: String,
    /// The packages of the service days in the period, in date order.
    pub packages: Vec<PackagePeriod<'a>>,
    /// Allowances and rates of the period (the package at the period's end,
    /// after promotions).
    pub allowances: Allowances,
    /// A promotion's discount on the monthly fee (PRM-1).
    pub fee_discount: Option<crate::promotion::FeeDiscount>,
    pub rates: &'a Rates,
    pub usage: Vec<BucketTotal>,
    /// Days the operator interrupted the service (BIL-7), inclusive ranges.
    pub interruptions: Vec<(Date, Date)>,
}

/// Usage of one contract in one bucket, as the bill shows it (BIL-3 2–4).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct UsageSummary {
    pub contract_id: i64,
    pub kind: UsageKind,
    pub destination: String,
    pub count: u64,
    pub quantity: u64,
    pub unit: &'static str,
    /// Started minutes for voice (BIL-3 element 3), messages, or MB.
    pub billed_units: u64,
    /// The charge beyond the allowance.
    pub amount: Money,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ContractAllowance {
    pub contract_id: i64,
    pub allowance: AllowanceUse,
}

/// VAT of one rate (BIL-4).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct VatShare {
    /// `None` for the standard rate.
    pub class: Option<String>,
    pub rate: Decimal,
    /// Amount at this rate, VAT included.
    pub gross: Money,
    pub vat: Money,
}

/// A bill before it is numbered and stored.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct BillDraft {
    pub from: Date,
    pub to: Date,
    pub lines: Vec<BillLine>,
    pub usage: Vec<UsageSummary>,
    pub allowances: Vec<ContractAllowance>,
    pub vat: Vec<VatShare>,
    /// The amount for the period, VAT included.
    pub total: Money,
    pub vat_total: Money,
}

/// Days from `from` to `to`, both included.
pub fn days_between(from: Date, to: Date) -> i64 {
    i64::from((to - from).get_days()) + 1
}

fn prorate_allowance(allowance: Allowance, days: i64, month_days: i64) -> Allowance {
    match allowance {
        Allowance::Unlimited => Allowance::Unlimited,
        Allowance::Limited(n) => {
            let scaled = u128::from(n) * u128::try_from(days).unwrap_or(0)
                / u128::try_from(month_days.max(1)).unwrap_or(1);
            Allowance::Limited(u64::try_from(scaled).unwrap_or(n))
        }
    }
}

/// Days of `[from, to]` inside any of the interruptions (counted once).
fn interrupted_days(interruptions: &[(Date, Date)], from: Date, to: Date) -> i64 {
    let mut days = 0;
    let mut day = from;
    while day <= to {
        if interruptions.iter().any(|(a, b)| *a <= day && day <= *b) {
            days += 1;
        }
        match day.tomorrow() {
            Ok(next) => day = next,
            Err(_) => break,
        }
    }
    days
}

/// Assembles an account's bill for a calendar month from its contracts and
/// the one-time charges, fees and credits that fall in it.
pub fn draft(
    market: &Market,
    month_start: Date,
    contracts: &[ContractPeriod<'_>],
    charges: Vec<BillLine>,
) -> Result<BillDraft, crate::rating::Overflow> {
    let month_end = month_start.last_of_month();
    let month_days = days_between(month_start, month_end);
    let currency = market.currency;
    let mut lines = Vec::new();
    let mut usage = Vec::new();
    let mut allowances = Vec::new();
    let mut from = month_end;
    let mut to = month_start;
    let data_class = market.vat.usage.get("data").cloned();

    for contract in contracts {
        let service_days: i64 = contract
            .packages
            .iter()
            .map(|p| days_between(p.from, p.to))
            .sum();
        for period in &contract.packages {
            from = from.min(period.from);
            to = to.max(period.to);
            let interrupted = interrupted_days(&contract.interruptions, period.from, period.to);
            let days = days_between(period.from, period.to) - interrupted;
            let fee = period.fee;
            let amount = if days == month_days {
                fee
            } else {
                fee.scaled(
                    Decimal::from(days) / Decimal::from(month_days),
                    market.rounding,
                )
                .unwrap_or(fee)
            };
            let mut span = if days == month_days {
                String::new()
            } else {
                format!(
                    ", {} – {} ({days}/{month_days} days)",
                    period.from, period.to
                )
            };
            if interrupted > 0 {
                span.push_str(&format!(
                    "; {interrupted} days of service interrupted by the operator not charged"
                ));
            }
            let phrase = if interrupted > 0 {
                Phrase::new("line-monthly-fee-interrupted")
                    .date("from", period.from)
                    .date("to", period.to)
                    .count("days", days)
                    .count("month_days", month_days)
                    .count("interrupted", interrupted)
            } else if days == month_days {
                Phrase::new("line-monthly-fee")
            } else {
                Phrase::new("line-monthly-fee-part")
                    .date("from", period.from)
                    .date("to", period.to)
                    .count("days", days)
                    .count("month_days", month_days)
            };
            lines.push(BillLine {
                kind: LineKind::Subscription,
                contract_id: Some(contract.contract_id),
                description: format!(
                    "{} monthly fee, {}{span}",
                    period.package.name, contract.number
                ),
                phrase: Some(
                    phrase
                        .text("package", period.package.name.clone())
                        .text("number", contract.number.clone()),
                ),
                amount,
                vat: if period.package.vat_split.is_empty() {
                    VatAssignment::Standard
                } else {
                    VatAssignment::Split(period.package.vat_split.clone())
                },
                rule: (interrupted > 0).then_some(crate::rule::rules::BIL_7),
                category: None,
            });
            if let Some(discount) = &contract.fee_discount {
                let off = amount
                    .scaled(discount.percent / Decimal::ONE_HUNDRED, market.rounding)
                    .unwrap_or(Money::zero(currency));
                if !off.is_zero() {
                    let vat = lines
                        .last()
                        .map(|l: &BillLine| l.vat.clone())
                        .unwrap_or(VatAssignment::Standard);
                    lines.push(BillLine {
                        kind: LineKind::Discount,
                        contract_id: Some(contract.contract_id),
                        description: format!(
                            "{}: {} % off the monthly fee, {}",
                            discount.name, discount.percent, contract.number
                        ),
                        phrase: Some(
                            Phrase::new("line-fee-discount")
                                .text("promotion", discount.name.clone())
                                .text("percent", discount.percent.to_string())
                                .text("number", contract.number.clone()),
                        ),
                        amount: -off,
                        vat,
                        rule: Some(crate::rule::rules::PRM_1),
                        category: None,
                    });
                }
            }
        }
        let granted = if market.billing.prorate_allowances && service_days < month_days {
            Allowances {
                voice_min: prorate_allowance(
                    contract.allowances.voice_min,
                    service_days,
                    month_days,
                ),
                sms: prorate_allowance(contract.allowances.sms, service_days, month_days),
                data_mb: prorate_allowance(contract.allowances.data_mb, service_days, month_days),
            }
        } else {
            contract.allowances
        };
        let (rated, uses) = rate(
            &granted,
            contract.rates,
            &contract.usage,
            currency,
            market.rounding,
        )?;
        for r in &rated {
            let bucket = r.total.bucket;
            let vat = match (bucket.kind, &data_class) {
                (UsageKind::Data, Some(class)) => VatAssignment::Class(class.clone()),
                _ => VatAssignment::Standard,
            };
            usage.push(UsageSummary {
                contract_id: contract.contract_id,
                kind: bucket.kind,
                destination: bucket.destination.to_string(),
                count: r.total.records,
                quantity: r.total.quantity,
                unit: bucket.kind.unit(),
                billed_units: r.covered + r.excess,
                amount: r.charged,
            });
            if !r.gross.is_zero() {
                lines.push(BillLine {
                    kind: LineKind::Usage,
                    contract_id: Some(contract.contract_id),
                    description: format!(
                        "{} {}, {}",
                        bucket.kind, bucket.destination, contract.number
                    ),
                    phrase: Some(
                        Phrase::new("line-usage")
                            .bucket(bucket)
                            .text("number", contract.number.clone()),
                    ),
                    amount: r.gross,
                    vat: vat.clone(),
                    rule: None,
                    category: None,
                });
            }
            let discount = r.discount();
            if !discount.is_zero() {
                lines.push(BillLine {
                    kind: LineKind::Discount,
                    contract_id: Some(contract.contract_id),
                    description: format!(
                        "{} {} in the allowance, {}",
                        bucket.kind, bucket.destination, contract.number
                    ),
                    phrase: Some(
                        Phrase::new("line-in-allowance")
                            .bucket(bucket)
                            .text("number", contract.number.clone()),
                    ),
                    amount: -discount,
                    vat,
                    rule: None,
                    category: None,
                });
            }
        }
        allowances.extend(uses.into_iter().map(|allowance| ContractAllowance {
            contract_id: contract.contract_id,
            allowance,
        }));
    }
    lines.extend(charges);
    if from > to {
        from = month_start;
        to = month_end;
    }

    let total = lines
        .iter()
        .fold(Money::zero(currency), |sum, l| sum + l.amount);
    let vat = vat_shares(market, &lines);
    let vat_total = vat.iter().fold(Money::zero(currency), |sum, v| sum + v.vat);
    Ok(BillDraft {
        from,
        to,
        lines,
        usage,
        allowances,
        vat,
        total,
        vat_total,
    })
}

/// VAT per rate: each line's amount is split into its classes, summed per
/// class, and the VAT included in each sum is rounded once.
pub fn vat_shares(market: &Market, lines: &[BillLine]) -> Vec<VatShare> {
    let currency = market.currency;
    let mut bases: BTreeMap<Option<String>, Money> = BTreeMap::new();
    for line in lines {
        let mut rest = line.amount;
        match &line.vat {
            VatAssignment::Standard => {}
            VatAssignment::Class(class) => {
                *bases
                    .entry(Some(class.clone()))
                    .or_insert_with(|| Money::zero(currency)) += line.amount;
                rest = Money::zero(currency);
            }
            VatAssignment::Split(shares) => {
                for (class, share) in shares {
                    let part = line
                        .amount
                        .scaled(*share, market.rounding)
                        .unwrap_or(line.amount);
                    *bases
                        .entry(Some(class.clone()))
                        .or_insert_with(|| Money::zero(currency)) += part;
                    rest -= part;
                }
            }
        }
        *bases.entry(None).or_insert_with(|| Money::zero(currency)) += rest;
    }
    bases
        .into_iter()
        .filter(|(_, gross)| !gross.is_zero())
        .map(|(class, gross)| {
            let rate = market.vat.rate(class.as_deref());
            let vat = gross
                .scaled(rate / (Decimal::ONE_HUNDRED + rate), market.rounding)
                .unwrap_or_else(|| Money::zero(currency));
            VatShare {
                class,
                rate,
                gross,
                vat,
            }
        })
        .collect()
}

/// Why the operator interrupted a service (BIL-7).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InterruptionCause {
    /// Interference, until it is removed.
    Interference,
    /// Maintenance, announced in public media at least one day before.
    Maintenance,
}

snake_case_str!(InterruptionCause {
    Interference = "interference",
    Maintenance = "maintenance",
});

/// A bill run someone asked for by hand, as far as the calendar decides it.
#[derive(Clone, Copy, Debug)]
pub struct RunRequest<'a> {
    pub market: &'a str,
    /// Today on the market's calendar.
    pub today: Date,
    /// The first day of the month to bill.
    pub month_start: Date,
    /// The issue date asked for, if any.
    pub issued: Option<Date>,
    /// The market's issue day after the month (BIL-1).
    pub issue_day: Date,
    /// The day the market's first contract was activated, if it has one.
    pub first_activation: Option<Date>,
}

/// Whether a month may be billed now, and the day its bills are dated: the
/// month must be over (its last day past), must not lie before the market's
/// first contract, and its bills are dated after it and not ahead of today —
/// the issue day when it has come, else today. `Err` names the field and why.
pub fn check_run(request: &RunRequest<'_>) -> Result<Date, (&'static str, String)> {
    let RunRequest {
        market,
        today,
        month_start,
        issued,
        issue_day,
        first_activation,
    } = *request;
    let month_end = month_start.last_of_month();
    let period = format!("{:04}-{:02}", month_start.year(), month_start.month());
    if today <= month_end {
        return Err((
            "period",
            format!(
                "{period} has not ended in market {market} (today is {today} there): BIL-1 bills a month once its last day is over"
            ),
        ));
    }
    let issued = issued.unwrap_or_else(|| issue_day.min(today));
    if issued <= month_end {
        return Err((
            "issued",
            format!("{issued} lies inside {period}: bills are dated after their month"),
        ));
    }
    if issued > today {
        return Err((
            "issued",
            format!("{issued} is after today ({today}): a bill is not dated ahead"),
        ));
    }
    match first_activation {
        None => Err((
            "period",
            format!("market {market} has no contracts yet: there is nothing to bill"),
        )),
        Some(first) if month_end < first => Err((
            "period",
            format!(
                "{period} is before market {market}'s first contract (activated on {first}): there is nothing to bill"
            ),
        )),
        Some(_) => Ok(issued),
    }
}

#[cfg(test)]
mod run_tests {
    use super::*;
    use jiff::civil::date;

    fn request(today: Date, issued: Option<Date>) -> RunRequest<'static> {
        RunRequest {
            market: "rs",
            today,
            month_start: date(2026, 11, 1),
            issued,
            issue_day: date(2026, 12, 1),
            first_activation: Some(date(2026, 3, 5)),
        }
    }

    #[test]
    fn a_month_is_billed_from_the_day_after_its_last() {
        // Every day from the month's start to its last is refused; the day
        // after, it is billed and dated that day.
        let mut day = date(2026, 11, 1);
        while day <= date(2026, 11, 30) {
            let refused = check_run(&request(day, None)).expect_err("not over");
            assert_eq!(refused.0, "period", "{day}");
            day = day.tomorrow().expect("a day");
        }
        assert_eq!(
            check_run(&request(date(2026, 12, 1), None)),
            Ok(date(2026, 12, 1))
        );
        // Later, the issue day it had.
        assert_eq!(
            check_run(&request(date(2027, 3, 9), None)),
            Ok(date(2026, 12, 1))
        );
    }

    #[test]
    fn bills_are_dated_after_their_month_and_not_ahead() {
        let today = date(2026, 12, 6);
        assert_eq!(
            check_run(&request(today, Some(date(2026, 11, 30)))).map_err(|e| e.0),
            Err("issued")
        );
        assert_eq!(
            check_run(&request(today, Some(date(2026, 12, 7)))).map_err(|e| e.0),
            Err("issued")
        );
        assert_eq!(
            check_run(&request(today, Some(date(2026, 12, 6)))),
            Ok(date(2026, 12, 6))
        );
    }

    #[test]
    fn nothing_is_billed_before_the_first_contract() {
        let mut early = request(date(2026, 12, 6), None);
        early.month_start = date(2026, 2, 1);
        assert!(
            check_run(&early)
                .expect_err("before")
                .1
                .contains("first contract")
        );
        early.month_start = date(2026, 3, 1);
        assert!(check_run(&early).is_ok(), "the month of the first contract");
        early.first_activation = None;
        assert!(
            check_run(&early)
                .expect_err("none")
                .1
                .contains("no contracts")
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::usage::{Bucket, MB};
    use jiff::civil::date;

    fn market(id: &str) -> Market {
        crate::market::preset(id)
    }

    #[test]
    fn a_partial_first_period_is_prorated_by_days() {
        let me = market("me");
        let package = me.catalog.package("fiber-100").expect("preset");
        let contract = ContractPeriod {
            fee_discount: None,
            contract_id: 1,
            number: "+38220000001".into(),
            packages: vec![PackagePeriod {
                package,
                fee: package.monthly_fee,
                from: date(2026, 1, 10),
                to: date(2026, 1, 31),
            }],
            allowances: package.allowances,
            rates: &package.rates,
            usage: vec![],
            interruptions: vec![],
        };
        let bill = draft(&me, date(2026, 1, 1), &[contract], vec![]).expect("drafted");
        assert_eq!((bill.from, bill.to), (date(2026, 1, 10), date(2026, 1, 31)));
        assert_eq!(bill.total.to_string(), "17.74", "25.00 × 22/31");
        assert_eq!(bill.vat_total.to_string(), "3.08", "21 % included");
    }

    #[test]
    fn hungary_splits_vat_by_service() {
        let hu = market("hu");
        let package = hu.catalog.package("hu-start").expect("preset");
        let contract = ContractPeriod {
            fee_discount: None,
            contract_id: 1,
            number: "+36201234567".into(),
            packages: vec![PackagePeriod {
                package,
                fee: package.monthly_fee,
                from: date(2026, 2, 1),
                to: date(2026, 2, 28),
            }],
            allowances: package.allowances,
            rates: &package.rates,
            usage: vec![BucketTotal {
                bucket: Bucket::parse("data.internet").expect("bucket"),
                records: 3,
                quantity: 5120 * MB + 10 * MB,
                units: 5120 * MB + 10 * MB,
            }],
            interruptions: vec![],
        };
        let bill = draft(&hu, date(2026, 2, 1), &[contract], vec![]).expect("drafted");
        // 4990 fee + 10 MB × 4 Ft beyond the 5 GB allowance.
        assert_eq!(bill.total.to_string(), "5030");
        let internet = bill
            .vat
            .iter()
            .find(|v| v.class.as_deref() == Some("internet_access"))
            .expect("5 % share");
        assert_eq!(
            internet.gross.to_string(),
            "2036",
            "40 % of 4990 = 1996, plus 40 Ft of data"
        );
        assert_eq!(internet.vat.to_string(), "97");
        let standard = bill
            .vat
            .iter()
            .find(|v| v.class.is_none())
            .expect("27 % share");
        assert_eq!(standard.gross.to_string(), "2994");
        assert_eq!(standard.vat.to_string(), "637");
    }

    #[test]
    fn a_package_change_splits_the_month() {
        let me = market("me");
        let a = me.catalog.package("fiber-100").expect("preset");
        let b = me.catalog.package("fiber-300").expect("preset");
        let contract = ContractPeriod {
            fee_discount: None,
            contract_id: 1,
            number: "+38220000001".into(),
            packages: vec![
                PackagePeriod {
                    package: a,
                    fee: a.monthly_fee,
                    from: date(2026, 4, 1),
                    to: date(2026, 4, 14),
                },
                PackagePeriod {
                    package: b,
                    fee: b.monthly_fee,
                    from: date(2026, 4, 15),
                    to: date(2026, 4, 30),
                },
            ],
            allowances: b.allowances,
            rates: &b.rates,
            usage: vec![],
            interruptions: vec![],
        };
        let bill = draft(&me, date(2026, 4, 1), &[contract], vec![]).expect("drafted");
        // 25 × 14/30 = 11.666… → 11.67; 35 × 16/30 = 18.666… → 18.67
        assert_eq!(bill.total.to_string(), "30.34");
        assert_eq!(bill.lines.len(), 2);
    }
}

#[cfg(test)]
mod interruption_tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn bil7_interrupted_days_are_not_charged() {
        let me = crate::market::preset("me");
        let package = me.catalog.package("fiber-100").expect("preset");
        let contract = ContractPeriod {
            fee_discount: None,
            contract_id: 1,
            number: "+38220000001".into(),
            packages: vec![PackagePeriod {
                package,
                fee: package.monthly_fee,
                from: date(2026, 3, 1),
                to: date(2026, 3, 31),
            }],
            allowances: package.allowances,
            rates: &package.rates,
            usage: vec![],
            interruptions: vec![
                (date(2026, 3, 10), date(2026, 3, 12)),
                (date(2026, 3, 12), date(2026, 3, 13)),
            ],
        };
        let bill = draft(&me, date(2026, 3, 1), &[contract], vec![]).expect("drafted");
        // 4 days interrupted: 25.00 × 27/31 = 21.77
        assert_eq!(bill.total.to_string(), "21.77");
        assert_eq!(bill.lines[0].rule, Some(crate::rule::rules::BIL_7));
    }
}
