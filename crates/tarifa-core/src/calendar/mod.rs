//! Public-holiday calendars and working-day arithmetic.
//!
//! Every market's holiday rules are *data*: the `[calendar]` table of the
//! market's TOML file deserializes into [`CalendarRules`]. The code below knows
//! nothing about any particular country; all differences between markets
//! (which days are holidays, how many days they last, what happens when they
//! fall on a Sunday, decreed moved rest days) are expressed in that table.
//!
//! # TOML shape
//!
//! ```toml
//! [calendar]
//! # Optional. Last year for which the `[[calendar.moved]]` table is complete
//! # (Hungary: the year of the last published decree). Omit it for markets that
//! # have no decreed moved days.
//! moved_days_decreed_through = 2026
//!
//! # A fixed-date holiday. `days` consecutive days starting on `date` (MM-DD).
//! [[calendar.holiday]]
//! name = "New Year's Day"
//! date = "01-01"
//! days = 2                      # optional, default 1
//! sunday = "next_working_day"   # optional: "none" (default), "next_working_day", "extend"
//! from_year = 2002              # optional, first year the holiday exists (inclusive)
//! until_year = 2030             # optional, last year the holiday exists (inclusive)
//!
//! # An Easter-relative holiday: `offset` days from Easter Sunday.
//! [[calendar.holiday]]
//! name = "Good Friday"
//! easter = "orthodox"           # or "western"
//! offset = -2                   # optional, default 0
//!
//! # A decreed moved rest day (a weekday off) and the weekend day worked for it.
//! [[calendar.moved]]
//! rest = "2024-08-19"
//! work = "2024-08-03"
//! ```
//!
//! ## Sunday rules
//!
//! * `"none"` — nothing happens when a day of the holiday falls on a Sunday.
//! * `"next_working_day"` — for each day of the holiday that falls on a
//!   Sunday, the first following *working* day is off. "Working" is evaluated
//!   against the whole calendar: weekends, every other holiday, moved rest days
//!   and substitute days already assigned (in date order) are skipped. This is
//!   the Serbian rule (Law on State and Other Holidays, art. 3a: "ne radi se
//!   prvog narednog radnog dana"); e.g. in 2021 Labour Day's second day was a
//!   Sunday, the Monday was Orthodox Easter Monday, so Tuesday 4 May was off.
//! * `"extend"` — for each day of the holiday that falls on a Sunday, the
//!   holiday's run of days is extended by one Monday–Friday day right after its
//!   last day, without looking at other holidays. This is the Montenegrin rule
//!   (Law on State and Other Holidays, art. 3: "Ukoliko je praznik nedjelja,
//!   neradna su dva naredna dana. Ukoliko je drugi praznični dan nedjelja,
//!   neradni je prvi naredni dan.").
//!
//! # Working days
//!
//! A date is a working day when it is Monday–Friday and not a holiday,
//! substitute day or moved rest day, or when it is a decreed moved working day
//! (a Hungarian "ledolgozós szombat"). Holidays that are "celebrated while
//! working" (Serbia's Victory Day, Montenegro's Ecological State Day) are not
//! listed in the data at all.
//!
//! # The shipped market calendars
//!
//! The data lives in the markets' TOML files; each file's comments cite the
//! exact articles. In short:
//!
//! * **Serbia** — Zakon o državnim i drugim praznicima u Republici Srbiji
//!   ("Sl. glasnik RS" 43/2001, 101/2007, 92/2011): state holidays New Year
//!   (1–2 Jan), Sretenje (15–16 Feb), Labour Day (1–2 May), Armistice Day
//!   (11 Nov) with the art. 3a Sunday rule (`next_working_day`); religious
//!   holidays Orthodox Christmas (7 Jan) and Orthodox Good Friday through
//!   Easter Monday (art. 2), non-working for everyone, no Sunday rule.
//! * **Montenegro** — Zakon o državnim i drugim praznicima ("Sl. list RCG"
//!   27/07, "Sl. list CG" 36/13, 145/21, 3/23, 30/23): New Year, Labour Day,
//!   Independence Day (21–22 May), Statehood Day (13–14 Jul), Njegoš Day
//!   (13 Nov; one day in 2022 under art. 3b, two days since 30/23), each with
//!   the art. 3 Sunday rule (`extend`). The Orthodox religious days (Badnji
//!   dan 6 Jan, Christmas 7–8 Jan, Good Friday, Easter Monday) are, under the
//!   Zakon o svetkovanju vjerskih praznika ("Sl. list RCG" 56/93, 27/94,
//!   73/10, art. 3), *paid leave for Orthodox believers*, not general
//!   non-working days. The product deliberately treats them as non-working
//!   days of the operator's ME calendar; the strictly statutory calendar is
//!   obtained by deleting those entries from the data.
//! * **Hungary** — Labour Code (2012. évi I. törvény, 102. § (1)): 1 Jan,
//!   15 Mar, Good Friday (since 2017), Easter Sunday and Monday, 1 May, Whit
//!   Sunday and Monday, 20 Aug, 23 Oct, 1 Nov, 25–26 Dec (24 Dec is not a
//!   statutory holiday); no Sunday rule. Moved rest days and working Saturdays
//!   come from the minister's yearly decree under 102. § (5): 15/2023.
//!   (VII. 13.) GFM for 2024, 11/2024. (IV. 8.) NGM for 2025, 10/2025.
//!   (IV. 30.) NGM for 2026 (`moved_days_decreed_through = 2026`).

mod easter;
#[cfg(test)]
mod tests;

use std::collections::BTreeSet;

use jiff::civil::{Date, Weekday};
use serde::Deserialize;

pub use easter::{orthodox_easter, western_easter};

/// Largest allowed `days` of a holiday rule.
const MAX_HOLIDAY_DAYS: u8 = 31;
/// Largest allowed |offset| of an Easter-relative holiday rule.
const MAX_EASTER_OFFSET: i16 = 200;
/// Bound on the search for a substitute working day (pathological data only).
const MAX_SUBSTITUTE_SEARCH: usize = 400;

/// A market's holiday calendar: the `[calendar]` table of its TOML file.
///
/// Deserialize it with any serde format (the markets use `toml`), then call
/// [`CalendarRules::validate`] once. All other methods are total: on
/// unvalidated, malformed rules they ignore the malformed entries instead of
/// panicking.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CalendarRules {
    /// Holiday rules (`[[calendar.holiday]]`).
    #[serde(default, rename = "holiday")]
    pub holiday_rules: Vec<HolidayRule>,
    /// Decreed moved rest days and the weekend days worked for them
    /// (`[[calendar.moved]]`).
    #[serde(default)]
    pub moved: Vec<MovedDay>,
    /// Last year for which `moved` is complete, for markets where moved days
    /// are decreed yearly (Hungary). `None` means the market has no decreed
    /// moved days and its calendar is complete for every year.
    #[serde(default)]
    pub moved_days_decreed_through: Option<i16>,
}

/// One `[[calendar.holiday]]` entry. Exactly one of `date` and `easter` is set.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HolidayRule {
    /// Display name, e.g. "New Year's Day". Extra days are named
    /// "New Year's Day (day 2)", substitute days "New Year's Day (substitute day)".
    pub name: String,
    /// Fixed yearly date as `MM-DD` (e.g. "01-01"). "02-29" is rejected.
    #[serde(default)]
    pub date: Option<String>,
    /// Easter-relative holiday: which Easter it is relative to.
    #[serde(default)]
    pub easter: Option<EasterKind>,
    /// Days from Easter Sunday (Good Friday = -2, Easter Monday = 1,
    /// Whit Monday = 50). Only with `easter`; defaults to 0.
    #[serde(default)]
    pub offset: Option<i16>,
    /// Number of consecutive days the holiday lasts (1..=31, default 1).
    #[serde(default = "default_days")]
    pub days: u8,
    /// What happens when a day of the holiday falls on a Sunday.
    #[serde(default)]
    pub sunday: SundayRule,
    /// First year (inclusive) in which the holiday exists.
    #[serde(default)]
    pub from_year: Option<i16>,
    /// Last year (inclusive) in which the holiday exists.
    #[serde(default)]
    pub until_year: Option<i16>,
}

fn default_days() -> u8 {
    1
}

/// Which Easter an Easter-relative holiday follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EasterKind {
    /// Gregorian computus ([`western_easter`]).
    Western,
    /// Julian computus converted to the Gregorian calendar ([`orthodox_easter`]).
    Orthodox,
}

impl EasterKind {
    /// Easter Sunday of `year` for this tradition.
    pub fn easter_sunday(self, year: i16) -> Date {
        match self {
            EasterKind::Western => western_easter(year),
            EasterKind::Orthodox => orthodox_easter(year),
        }
    }
}

/// What happens when a day of a holiday falls on a Sunday (see the module
/// documentation for the exact semantics).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SundayRule {
    /// Nothing: the day is simply lost.
    #[default]
    None,
    /// The first following working day of the whole calendar is off (Serbia).
    NextWorkingDay,
    /// The holiday is extended by one weekday after its last day (Montenegro).
    Extend,
}

/// One `[[calendar.moved]]` entry: a decreed swap of a weekday and a weekend
/// day (Hungary: "áthelyezett pihenőnap" / "áthelyezett munkanap").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MovedDay {
    /// The weekday that becomes a rest day (written `"YYYY-MM-DD"`).
    pub rest: Date,
    /// The weekend day that becomes a working day (written `"YYYY-MM-DD"`).
    pub work: Date,
}

/// A non-working day of a calendar year, as listed by [`CalendarRules::holidays`].
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize)]
pub struct Holiday {
    /// The day.
    pub date: Date,
    /// Human-readable name, e.g. "Labour Day (substitute day)".
    pub name: String,
}

/// A problem found by [`CalendarRules::validate`]. Every message starts with
/// the path of the offending field, e.g. `calendar.holiday[3].date`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CalendarError {
    /// A `date` that is not a valid `MM-DD` yearly date.
    #[error("{field}: expected MM-DD, got {got:?}")]
    BadMonthDay {
        /// Path of the field, e.g. `calendar.holiday[3].date`.
        field: String,
        /// The rejected text.
        got: String,
    },
    /// Any other invalid or inconsistent value.
    #[error("{field}: {reason}")]
    Invalid {
        /// Path of the field, e.g. `calendar.moved[0].rest`.
        field: String,
        /// What is wrong with it.
        reason: String,
    },
}

fn invalid(field: String, reason: impl Into<String>) -> CalendarError {
    CalendarError::Invalid {
        field,
        reason: reason.into(),
    }
}

/// Where a computed non-working day comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Source {
    Holiday,
    Substitute,
    MovedRest,
}

#[derive(Debug, Clone)]
struct Entry {
    date: Date,
    name: String,
    source: Source,
}

/// One year's occurrence of a holiday rule.
struct Occurrence<'a> {
    rule: &'a HolidayRule,
    /// The consecutive days, first to last (never empty).
    days: Vec<Date>,
}

/// The non-working weekdays and working weekend days of one year, computed
/// once and reused by the day-walking methods.
struct YearDays {
    year: i16,
    /// Sorted, deduplicated non-working dates of `year`.
    off: Vec<Date>,
    /// Sorted decreed working weekend days of `year`.
    work: Vec<Date>,
}

impl YearDays {
    fn is_working_day(&self, date: Date) -> bool {
        if self.off.binary_search(&date).is_ok() {
            return false;
        }
        !is_weekend(date) || self.work.binary_search(&date).is_ok()
    }
}

fn is_weekend(date: Date) -> bool {
    matches!(date.weekday(), Weekday::Saturday | Weekday::Sunday)
}

fn in_jiff_range(year: i16) -> bool {
    (Date::MIN.year()..=Date::MAX.year()).contains(&year)
}

/// Parses `MM-DD` into (month, day); rejects anything else, including 02-29.
fn parse_month_day(text: &str) -> Option<(i8, i8)> {
    let bytes = text.as_bytes();
    if bytes.len() != 5 || bytes[2] != b'-' {
        return None;
    }
    let digit = |i: usize| -> Option<i8> {
        let b = bytes[i];
        if b.is_ascii_digit() {
            i8::try_from(b - b'0').ok()
        } else {
            None
        }
    };
    let month = digit(0)? * 10 + digit(1)?;
    let day = digit(3)? * 10 + digit(4)?;
    // 2023 is not a leap year, so this rejects 02-29 along with 13-01, 04-31, …
    Date::new(2023, month, day).ok()?;
    Some((month, day))
}

fn add_days(date: Date, days: i64) -> Option<Date> {
    let span = jiff::Span::new().try_days(days).ok()?;
    date.checked_add(span).ok()
}

impl HolidayRule {
    fn applies_in(&self, year: i16) -> bool {
        self.from_year.is_none_or(|from| year >= from)
            && self.until_year.is_none_or(|until| year <= until)
    }

    /// First day of the holiday in `year`, if the rule is well-formed.
    fn start(&self, year: i16) -> Option<Date> {
        match (&self.date, self.easter) {
            (Some(text), None) => {
                let (month, day) = parse_month_day(text)?;
                Date::new(year, month, day).ok()
            }
            (None, Some(kind)) => {
                let offset = self.offset.unwrap_or(0);
                if offset.abs() > MAX_EASTER_OFFSET {
                    return None;
                }
                add_days(kind.easter_sunday(year), i64::from(offset))
            }
            _ => None,
        }
    }

    fn occurrence(&self, year: i16) -> Option<Occurrence<'_>> {
        if !in_jiff_range(year) || !self.applies_in(year) {
            return None;
        }
        let count = self.days.clamp(1, MAX_HOLIDAY_DAYS);
        let mut day = self.start(year)?;
        let mut days = vec![day];
        for _ in 1..count {
            let Ok(next) = day.tomorrow() else { break };
            day = next;
            days.push(day);
        }
        Some(Occurrence { rule: self, days })
    }
}

impl CalendarRules {
    /// Checks the rules; the error names the offending field.
    ///
    /// Checks: every holiday has a non-empty name and exactly one of
    /// `date`/`easter`; `date` is a valid `MM-DD`; `offset` only with
    /// `easter` and within ±200; `days` in 1..=31; `from_year <= until_year`.
    /// Every moved rest day is a Monday–Friday that is not already a holiday,
    /// every moved working day is a Saturday or Sunday that is not a holiday,
    /// no date is listed twice, and no moved day lies after
    /// `moved_days_decreed_through`.
    pub fn validate(&self) -> Result<(), CalendarError> {
        for (i, rule) in self.holiday_rules.iter().enumerate() {
            validate_rule(i, rule)?;
        }
        let mut rests: Vec<(Date, usize)> = Vec::new();
        let mut works: Vec<(Date, usize)> = Vec::new();
        for (i, moved) in self.moved.iter().enumerate() {
            let field = |name: &str| format!("calendar.moved[{i}].{name}");
            if is_weekend(moved.rest) {
                return Err(invalid(
                    field("rest"),
                    format!(
                        "{} is a {:?}; a moved rest day must be a Monday to Friday",
                        moved.rest,
                        moved.rest.weekday()
                    ),
                ));
            }
            if !is_weekend(moved.work) {
                return Err(invalid(
                    field("work"),
                    format!(
                        "{} is a {:?}; a moved working day must be a Saturday or Sunday",
                        moved.work,
                        moved.work.weekday()
                    ),
                ));
            }
            for (name, date) in [("rest", moved.rest), ("work", moved.work)] {
                if let Some(through) = self.moved_days_decreed_through
                    && date.year() > through
                {
                    return Err(invalid(
                        field(name),
                        format!("{date} is after moved_days_decreed_through = {through}"),
                    ));
                }
                if let Some(holiday) = self
                    .entries(date.year())
                    .into_iter()
                    .find(|e| e.date == date && e.source != Source::MovedRest)
                {
                    return Err(invalid(
                        field(name),
                        format!("{date} is already a holiday ({})", holiday.name),
                    ));
                }
            }
            for (name, date, seen) in [
                ("rest", moved.rest, &mut rests),
                ("work", moved.work, &mut works),
            ] {
                if let Some((_, j)) = seen.iter().find(|(d, _)| *d == date) {
                    return Err(invalid(
                        field(name),
                        format!("{date} is already listed in calendar.moved[{j}]"),
                    ));
                }
                seen.push((date, i));
            }
        }
        Ok(())
    }

    /// All non-working days of `year` that the calendar knows about, sorted by
    /// date: holidays (on whatever weekday they fall), substitute days (named
    /// e.g. "New Year's Day (substitute day)") and moved rest days (named e.g.
    /// "Moved rest day (worked on 2024-08-03)"). Two entries may share a date
    /// when a substitute day coincides with another holiday.
    pub fn holidays(&self, year: i16) -> Vec<Holiday> {
        self.entries(year)
            .into_iter()
            .map(|e| Holiday {
                date: e.date,
                name: e.name,
            })
            .collect()
    }

    /// Whether the rules are complete for `year`: always true for markets
    /// without decreed moved days; for Hungary only up to the last year whose
    /// decree is in the data (`moved_days_decreed_through`). For later years
    /// the statutory holidays are still right, but moved days are unknown.
    pub fn is_complete_for(&self, year: i16) -> bool {
        self.moved_days_decreed_through
            .is_none_or(|through| year <= through)
    }

    /// Whether `date` is a working day: Monday–Friday and not a holiday,
    /// substitute day or moved rest day; or a decreed moved working day.
    ///
    /// Each call computes the holiday set of `date`'s year; to test many
    /// dates use [`CalendarRules::working_days`] or
    /// [`CalendarRules::add_working_days`], which compute it once per year.
    pub fn is_working_day(&self, date: Date) -> bool {
        self.year_days(date.year()).is_working_day(date)
    }

    /// The `n`-th working day after `from` (`from` itself is never counted).
    /// `n = 0` returns `from` unchanged. Saturates at [`Date::MAX`].
    pub fn add_working_days(&self, from: Date, n: u32) -> Date {
        let mut remaining = n;
        let mut date = from;
        let mut year = self.year_days(from.year());
        while remaining > 0 {
            let Ok(next) = date.tomorrow() else {
                return Date::MAX;
            };
            date = next;
            if date.year() != year.year {
                year = self.year_days(date.year());
            }
            if year.is_working_day(date) {
                remaining -= 1;
            }
        }
        date
    }

    /// The working days in `from..=to`, in order (empty when `from > to`).
    pub fn working_days(&self, from: Date, to: Date) -> Vec<Date> {
        let mut out = Vec::new();
        if from > to {
            return out;
        }
        let mut date = from;
        let mut year = self.year_days(from.year());
        loop {
            if date.year() != year.year {
                year = self.year_days(date.year());
            }
            if year.is_working_day(date) {
                out.push(date);
            }
            if date >= to {
                break;
            }
            match date.tomorrow() {
                Ok(next) => date = next,
                Err(_) => break,
            }
        }
        out
    }

    fn year_days(&self, year: i16) -> YearDays {
        let mut off: Vec<Date> = self.entries(year).into_iter().map(|e| e.date).collect();
        off.sort();
        off.dedup();
        let mut work: Vec<Date> = self
            .moved
            .iter()
            .map(|m| m.work)
            .filter(|d| d.year() == year)
            .collect();
        work.sort();
        YearDays { year, off, work }
    }

    /// Computes every non-working day of `year`, sorted by date.
    fn entries(&self, year: i16) -> Vec<Entry> {
        if !in_jiff_range(year) {
            return Vec::new();
        }
        // Occurrences of the previous and next year are needed too: a
        // multi-day holiday or a substitute day can cross New Year, and a
        // December substitute must skip January holidays.
        let mut occurrences: Vec<Occurrence<'_>> = Vec::new();
        for y in [year.saturating_sub(1), year, year.saturating_add(1)] {
            if y != year && !in_jiff_range(y) {
                continue;
            }
            occurrences.extend(self.holiday_rules.iter().filter_map(|r| r.occurrence(y)));
        }
        occurrences.sort_by_key(|o| o.days[0]);

        let mut off: BTreeSet<Date> = occurrences
            .iter()
            .flat_map(|o| o.days.iter().copied())
            .chain(self.moved.iter().map(|m| m.rest))
            .collect();
        let work: BTreeSet<Date> = self.moved.iter().map(|m| m.work).collect();

        let mut entries: Vec<Entry> = Vec::new();
        for occ in &occurrences {
            for (i, &date) in occ.days.iter().enumerate() {
                let name = if i == 0 {
                    occ.rule.name.clone()
                } else {
                    format!("{} (day {})", occ.rule.name, i + 1)
                };
                entries.push(Entry {
                    date,
                    name,
                    source: Source::Holiday,
                });
            }
            let sundays = occ
                .days
                .iter()
                .filter(|d| d.weekday() == Weekday::Sunday)
                .count();
            let substitutes = match occ.rule.sunday {
                SundayRule::None => Vec::new(),
                SundayRule::NextWorkingDay => occ
                    .days
                    .iter()
                    .filter(|d| d.weekday() == Weekday::Sunday)
                    .filter_map(|&sunday| {
                        let day = next_working_day(sunday, &off, &work)?;
                        off.insert(day);
                        Some(day)
                    })
                    .collect(),
                SundayRule::Extend => {
                    let mut days = Vec::new();
                    let mut cursor = occ.days[occ.days.len() - 1];
                    while days.len() < sundays {
                        let Ok(next) = cursor.tomorrow() else { break };
                        cursor = next;
                        if !is_weekend(cursor) {
                            off.insert(cursor);
                            days.push(cursor);
                        }
                    }
                    days
                }
            };
            for date in substitutes {
                entries.push(Entry {
                    date,
                    name: format!("{} (substitute day)", occ.rule.name),
                    source: Source::Substitute,
                });
            }
        }
        for moved in &self.moved {
            entries.push(Entry {
                date: moved.rest,
                name: format!("Moved rest day (worked on {})", moved.work),
                source: Source::MovedRest,
            });
        }
        entries.retain(|e| e.date.year() == year);
        entries.sort_by_key(|e| e.date);
        entries
    }
}

/// First day after `sunday` that is a working day given the non-working
/// dates known so far.
fn next_working_day(sunday: Date, off: &BTreeSet<Date>, work: &BTreeSet<Date>) -> Option<Date> {
    let mut date = sunday;
    for _ in 0..MAX_SUBSTITUTE_SEARCH {
        date = date.tomorrow().ok()?;
        if !off.contains(&date) && (!is_weekend(date) || work.contains(&date)) {
            return Some(date);
        }
    }
    None
}

fn validate_rule(i: usize, rule: &HolidayRule) -> Result<(), CalendarError> {
    let field = |name: &str| format!("calendar.holiday[{i}].{name}");
    if rule.name.trim().is_empty() {
        return Err(invalid(field("name"), "must not be empty"));
    }
    match (&rule.date, rule.easter) {
        (Some(_), Some(_)) | (None, None) => {
            return Err(invalid(
                format!("calendar.holiday[{i}]"),
                format!(
                    "exactly one of `date` and `easter` must be set (holiday {:?})",
                    rule.name
                ),
            ));
        }
        (Some(text), None) => {
            if parse_month_day(text).is_none() {
                return Err(CalendarError::BadMonthDay {
                    field: field("date"),
                    got: text.clone(),
                });
            }
            if rule.offset.is_some() {
                return Err(invalid(
                    field("offset"),
                    "only allowed together with `easter`",
                ));
            }
        }
        (None, Some(_)) => {
            let offset = rule.offset.unwrap_or(0);
            if offset.abs() > MAX_EASTER_OFFSET {
                return Err(invalid(
                    field("offset"),
                    format!(
                        "must be within -{MAX_EASTER_OFFSET}..={MAX_EASTER_OFFSET}, got {offset}"
                    ),
                ));
            }
        }
    }
    if !(1..=MAX_HOLIDAY_DAYS).contains(&rule.days) {
        return Err(invalid(
            field("days"),
            format!("must be within 1..={MAX_HOLIDAY_DAYS}, got {}", rule.days),
        ));
    }
    for (name, year) in [
        ("from_year", rule.from_year),
        ("until_year", rule.until_year),
    ] {
        if let Some(year) = year
            && !in_jiff_range(year)
        {
            return Err(invalid(
                field(name),
                format!("must be within -9999..=9999, got {year}"),
            ));
        }
    }
    if let (Some(from), Some(until)) = (rule.from_year, rule.until_year)
        && until < from
    {
        return Err(invalid(
            field("until_year"),
            format!("{until} is before from_year = {from}"),
        ));
    }
    Ok(())
}
