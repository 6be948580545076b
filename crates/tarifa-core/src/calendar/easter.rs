//! Easter computus for both Christian traditions.
//!
//! Both functions are pure integer arithmetic (no floats, no tables) and are
//! total: they never panic, whatever `i16` they are given.

use jiff::civil::Date;

/// First year representable by [`jiff::civil::Date`].
const MIN_YEAR: i16 = -9999;
/// Last year representable by [`jiff::civil::Date`].
const MAX_YEAR: i16 = 9999;

/// Western (Gregorian) Easter Sunday of `year`.
///
/// Uses the "Anonymous Gregorian algorithm" (Meeus/Jones/Butcher), which is
/// exact for every year of the Gregorian calendar (1583 onwards) and is applied
/// proleptically before that. Years outside jiff's supported range
/// (-9999..=9999) are clamped into it.
///
/// ```
/// use tarifa_core::calendar::western_easter;
/// assert_eq!(western_easter(2024).to_string(), "2024-03-31");
/// ```
pub fn western_easter(year: i16) -> Date {
    let year = year.clamp(MIN_YEAR, MAX_YEAR);
    let y = i32::from(year);
    let a = y.rem_euclid(19);
    let b = y.div_euclid(100);
    let c = y.rem_euclid(100);
    let d = b.div_euclid(4);
    let e = b.rem_euclid(4);
    let f = (b + 8).div_euclid(25);
    let g = (b - f + 1).div_euclid(3);
    let h = (19 * a + b - d - g + 15).rem_euclid(30);
    let i = c.div_euclid(4);
    let k = c.rem_euclid(4);
    let l = (32 + 2 * e + 2 * i - h - k).rem_euclid(7);
    let m = (a + 11 * h + 22 * l).div_euclid(451);
    let month = (h + l - 7 * m + 114).div_euclid(31);
    let day = (h + l - 7 * m + 114).rem_euclid(31) + 1;
    month_day(year, month, day)
}

/// Orthodox Easter Sunday of `year`, expressed in the Gregorian calendar.
///
/// Computes the Julian-calendar date with Meeus' Julian algorithm, then
/// shifts it by the Julian–Gregorian difference of that year (13 days for
/// 1900–2099, 14 days for 2100–2199, …). Years outside jiff's supported range
/// (-9999..=9999) are clamped into it.
///
/// ```
/// use tarifa_core::calendar::orthodox_easter;
/// assert_eq!(orthodox_easter(2024).to_string(), "2024-05-05");
/// ```
pub fn orthodox_easter(year: i16) -> Date {
    let year = year.clamp(MIN_YEAR, MAX_YEAR);
    let y = i32::from(year);
    let a = y.rem_euclid(4);
    let b = y.rem_euclid(7);
    let c = y.rem_euclid(19);
    let d = (19 * c + 15).rem_euclid(30);
    let e = (2 * a + 4 * b - d + 34).rem_euclid(7);
    let month = (d + e + 114).div_euclid(31);
    let day = (d + e + 114).rem_euclid(31) + 1;
    // Julian day numbers of the same (y, m, d) read in both calendars differ
    // by `yy/100 - yy/400 - 38`, where `yy = y + 4800` for March–May dates.
    // Adding that many days to the Gregorian (y, m, d) gives the Gregorian
    // date of the Julian (y, m, d).
    let yy = y + 4800;
    let shift = yy.div_euclid(100) - yy.div_euclid(400) - 38;
    let julian_as_gregorian = month_day(year, month, day);
    add_days(julian_as_gregorian, shift)
}

/// Builds the computus result. The computus formulas yield month 3 or 4 and
/// a day that exists in that month, so `Date::new` cannot fail here; the
/// fallback keeps the function total without `unwrap`/`expect`.
fn month_day(year: i16, month: i32, day: i32) -> Date {
    let month = i8::try_from(month).unwrap_or(4);
    let day = i8::try_from(day).unwrap_or(1);
    Date::new(year, month, day).unwrap_or(Date::MIN)
}

/// Adds `days` (|days| < 100 here) to `date`, saturating at jiff's bounds.
fn add_days(date: Date, days: i32) -> Date {
    jiff::Span::new()
        .try_days(days)
        .ok()
        .and_then(|span| date.checked_add(span).ok())
        .unwrap_or(if days < 0 { Date::MIN } else { Date::MAX })
}
