//! Civil time: dates in a market's time zone, the injected clock, and the
//! date conventions of RULES.md.

use std::sync::Mutex;

use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan};

/// Where "now" comes from. The server reads the system clock; `simulate` and
/// tests hold a manual one. Core never asks the system for the time.
pub trait Clock: Send + Sync {
    fn now(&self) -> Timestamp;

    /// Today's civil date in a time zone.
    fn today(&self, tz: &TimeZone) -> Date {
        self.now().to_zoned(tz.clone()).date()
    }
}

/// A clock that moves only when told to: the virtual clock of scenarios.
#[derive(Debug)]
pub struct ManualClock {
    now: Mutex<Timestamp>,
}

impl ManualClock {
    pub fn new(now: Timestamp) -> Self {
        Self {
            now: Mutex::new(now),
        }
    }

    /// A clock standing at noon of `date` in `tz` (noon keeps the date the same
    /// in every zone a market could use, whatever the DST offset).
    pub fn at_date(date: Date, tz: &TimeZone) -> Self {
        Self::new(noon(date, tz))
    }

    pub fn set(&self, now: Timestamp) {
        *self
            .now
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = now;
    }

    pub fn set_date(&self, date: Date, tz: &TimeZone) {
        self.set(noon(date, tz));
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Timestamp {
        *self
            .now
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

fn noon(date: Date, tz: &TimeZone) -> Timestamp {
    date.at(12, 0, 0, 0)
        .to_zoned(tz.clone())
        .map(|z| z.timestamp())
        // Every date of the supported range (years 1–9999 minus a day) has a noon.
        .unwrap_or(Timestamp::UNIX_EPOCH)
}

/// `date + n days` ("within N days of D": the last day is D + N).
pub fn add_days(date: Date, days: i64) -> Date {
    date.checked_add(days.days()).unwrap_or(date)
}

/// `date + n months`, keeping the day of the month or taking the month's last
/// day when it has no such day (a 24-month commitment from 2024-02-29 ends on
/// 2026-02-28).
pub fn add_months(date: Date, months: i32) -> Date {
    date.checked_add(months.months()).unwrap_or(date)
}

/// First day of the month `date` is in.
pub fn month_start(date: Date) -> Date {
    date.first_of_month()
}

/// Last day of the month `date` is in.
pub fn month_end(date: Date) -> Date {
    date.last_of_month()
}

/// "Months left" of RULES.md: whole months from `from` to `end`, a started
/// month counting as a whole one. Zero when `end` is not after `from`.
pub fn months_left(from: Date, end: Date) -> u32 {
    if end <= from {
        return 0;
    }
    let mut months = 0_u32;
    let mut cursor = from;
    while cursor < end {
        months += 1;
        cursor = add_months(from, i32::try_from(months).unwrap_or(i32::MAX));
    }
    months
}

/// Parses `YYYY-MM-DD`.
pub fn parse_date(text: &str) -> Result<Date, String> {
    let date: Date = text
        .parse()
        .map_err(|_| format!("{text:?} is not a date: expected YYYY-MM-DD"))?;
    if date.to_string() != text {
        return Err(format!("{text:?} is not a date: expected YYYY-MM-DD"));
    }
    Ok(date)
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn commitment_end_clamps_to_month_end() {
        assert_eq!(add_months(date(2024, 2, 29), 24), date(2026, 2, 28));
        assert_eq!(add_months(date(2026, 1, 31), 1), date(2026, 2, 28));
        assert_eq!(add_months(date(2026, 1, 10), 24), date(2028, 1, 10));
    }

    #[test]
    fn started_months_count_whole() {
        assert_eq!(months_left(date(2026, 1, 10), date(2028, 1, 10)), 24);
        assert_eq!(months_left(date(2026, 1, 11), date(2028, 1, 10)), 24);
        assert_eq!(months_left(date(2027, 12, 11), date(2028, 1, 10)), 1);
        assert_eq!(months_left(date(2028, 1, 10), date(2028, 1, 10)), 0);
        assert_eq!(months_left(date(2027, 1, 10), date(2028, 1, 10)), 12);
    }

    #[test]
    fn manual_clock_gives_the_civil_date() {
        let tz = TimeZone::get("Europe/Belgrade").expect("bundled tzdb");
        let clock = ManualClock::at_date(date(2026, 3, 29), &tz);
        assert_eq!(clock.today(&tz), date(2026, 3, 29));
        clock.set_date(date(2026, 10, 25), &tz);
        assert_eq!(clock.today(&tz), date(2026, 10, 25));
    }

    #[test]
    fn dates_are_strict() {
        assert_eq!(parse_date("2026-01-31"), Ok(date(2026, 1, 31)));
        assert!(parse_date("2026-02-30").is_err());
        assert!(parse_date("2026-1-3").is_err());
        assert!(parse_date("31.01.2026").is_err());
    }
}
