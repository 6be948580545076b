//! Tests of the calendar module against the shipped market data.
//!
//! The expected tables below were derived by hand from the laws and decrees
//! cited in the `[calendar]` tables of `markets/*.toml` and cross-checked against the
//! ministries' yearly announcements where those were available (see the
//! comments on each table).

use jiff::civil::{Date, Weekday};
use serde::Deserialize;

use super::*;

const RS_TOML: &str = include_str!("../../../../markets/rs.toml");
const ME_TOML: &str = include_str!("../../../../markets/me.toml");
const HU_TOML: &str = include_str!("../../../../markets/hu.toml");

/// The `[calendar]` table of a whole market file.
#[derive(Debug, Deserialize)]
struct Wrapper {
    calendar: CalendarRules,
}

fn parse(text: &str) -> Result<CalendarRules, toml::de::Error> {
    toml::from_str::<Wrapper>(text).map(|w| w.calendar)
}

fn load(text: &str) -> CalendarRules {
    let rules = parse(text).expect("market calendar parses");
    rules.validate().expect("market calendar validates");
    rules
}

fn d(text: &str) -> Date {
    text.parse().expect("valid date literal in test")
}

fn dates(year: i16, month_days: &[&str]) -> Vec<Date> {
    month_days
        .iter()
        .map(|md| d(&format!("{year}-{md}")))
        .collect()
}

fn is_weekday(date: Date) -> bool {
    !matches!(date.weekday(), Weekday::Saturday | Weekday::Sunday)
}

/// Weekdays of `year` listed by `holidays()` (deduplicated, sorted).
fn non_working_weekdays(rules: &CalendarRules, year: i16) -> Vec<Date> {
    let mut out: Vec<Date> = rules
        .holidays(year)
        .into_iter()
        .map(|h| h.date)
        .filter(|&date| is_weekday(date))
        .collect();
    out.dedup();
    out
}

/// Every date of `year`.
fn all_days(year: i16) -> Vec<Date> {
    let mut out = Vec::new();
    let mut date = d(&format!("{year}-01-01"));
    while date.year() == year {
        out.push(date);
        date = date.tomorrow().expect("not at Date::MAX");
    }
    out
}

/// Checks the listed non-working weekdays against `expected` and that
/// `is_working_day` agrees with `holidays()` on every day of the year.
fn assert_year(rules: &CalendarRules, year: i16, expected: &[&str], work_saturdays: &[&str]) {
    let expected = dates(year, expected);
    assert_eq!(
        non_working_weekdays(rules, year),
        expected,
        "non-working weekdays of {year}"
    );
    let saturdays = dates(year, work_saturdays);
    for date in all_days(year) {
        let want = if saturdays.contains(&date) {
            true
        } else {
            is_weekday(date) && !expected.contains(&date)
        };
        assert_eq!(rules.is_working_day(date), want, "is_working_day({date})");
    }
    let working = rules.working_days(d(&format!("{year}-01-01")), d(&format!("{year}-12-31")));
    let count = all_days(year)
        .into_iter()
        .filter(|&date| rules.is_working_day(date))
        .count();
    assert_eq!(working.len(), count, "working_days over {year}");
}

// ---------------------------------------------------------------- Easter ---

#[test]
fn western_easter_2024_2030() {
    let expected = [
        (2024, "2024-03-31"),
        (2025, "2025-04-20"),
        (2026, "2026-04-05"),
        (2027, "2027-03-28"),
        (2028, "2028-04-16"),
        (2029, "2029-04-01"),
        (2030, "2030-04-21"),
    ];
    for (year, date) in expected {
        assert_eq!(western_easter(year), d(date), "western Easter {year}");
    }
}

#[test]
fn orthodox_easter_2024_2030() {
    let expected = [
        (2024, "2024-05-05"),
        (2025, "2025-04-20"),
        (2026, "2026-04-12"),
        (2027, "2027-05-02"),
        (2028, "2028-04-16"),
        (2029, "2029-04-08"),
        (2030, "2030-04-28"),
    ];
    for (year, date) in expected {
        assert_eq!(orthodox_easter(year), d(date), "orthodox Easter {year}");
    }
}

#[test]
fn easter_known_historical_dates() {
    // Western: 1818 and 2285 are the extreme 22 March, 1943 and 2038 the 25 April.
    assert_eq!(western_easter(1818), d("1818-03-22"));
    assert_eq!(western_easter(2285), d("2285-03-22"));
    assert_eq!(western_easter(1943), d("1943-04-25"));
    assert_eq!(western_easter(2038), d("2038-04-25"));
    assert_eq!(western_easter(2000), d("2000-04-23"));
    // Orthodox: 2021 (the Serbian 4 May case), 2000, and the 14-day shift after 2100.
    assert_eq!(orthodox_easter(2021), d("2021-05-02"));
    assert_eq!(orthodox_easter(2000), d("2000-04-30"));
    assert_eq!(orthodox_easter(2010), western_easter(2010));
    assert_eq!(orthodox_easter(2017), d("2017-04-16"));
}

#[test]
fn easter_is_a_sunday_in_its_window_and_total() {
    for year in 1583..=9999_i16 {
        let western = western_easter(year);
        assert_eq!(western.weekday(), Weekday::Sunday, "western {year}");
        assert!(
            (d(&format!("{year:04}-03-22"))..=d(&format!("{year:04}-04-25"))).contains(&western),
            "western {year} = {western}"
        );
        let orthodox = orthodox_easter(year);
        assert_eq!(orthodox.weekday(), Weekday::Sunday, "orthodox {year}");
        assert!(orthodox >= western, "orthodox before western in {year}");
    }
    for year in 1900..=2099_i16 {
        let orthodox = orthodox_easter(year);
        assert!(
            (d(&format!("{year}-04-04"))..=d(&format!("{year}-05-08"))).contains(&orthodox),
            "orthodox {year} = {orthodox}"
        );
    }
    // Never panics, even outside jiff's range (clamped).
    for year in [i16::MIN, -10_000, -9999, -1, 0, 1, 9999, 10_000, i16::MAX] {
        assert_eq!(western_easter(year).weekday(), Weekday::Sunday);
        assert_eq!(orthodox_easter(year).weekday(), Weekday::Sunday);
    }
}

// ----------------------------------------------------------------- Serbia ---

/// Serbia, 2024–2030. Law on State and Other Holidays (Sl. glasnik RS 43/2001,
/// 101/2007, 92/2011). Cross-checked: 2025 Feb 17 and 2026 Feb 16–17 (Sunday
/// rule), 2025 Easter 18–21 Apr, 2026 Easter 10–13 Apr, 2024 1–6 May
/// (ministry/press announcements).
#[test]
fn rs_non_working_weekdays_2024_2030() {
    let rs = load(RS_TOML);
    let table: [(i16, &[&str]); 7] = [
        (
            2024,
            &[
                "01-01", "01-02", "02-15", "02-16", "05-01", "05-02", "05-03", "05-06", "11-11",
            ],
        ),
        (
            2025,
            &[
                "01-01", "01-02", "01-07", "02-17", "04-18", "04-21", "05-01", "05-02", "11-11",
            ],
        ),
        (
            2026,
            &[
                "01-01", "01-02", "01-07", "02-16", "02-17", "04-10", "04-13", "05-01", "11-11",
            ],
        ),
        (
            2027,
            &[
                "01-01", "01-07", "02-15", "02-16", "04-30", "05-03", "05-04", "11-11",
            ],
        ),
        (
            2028,
            &[
                "01-03", "01-07", "02-15", "02-16", "04-14", "04-17", "05-01", "05-02",
            ],
        ),
        (
            2029,
            &[
                "01-01", "01-02", "02-15", "02-16", "04-06", "04-09", "05-01", "05-02", "11-12",
            ],
        ),
        (
            2030,
            &[
                "01-01", "01-02", "01-07", "02-15", "04-26", "04-29", "05-01", "05-02", "11-11",
            ],
        ),
    ];
    for (year, expected) in table {
        assert_year(&rs, year, expected, &[]);
    }
}

#[test]
fn rs_2021_labour_day_substitute_skips_easter_monday() {
    let rs = load(RS_TOML);
    let holidays = rs.holidays(2021);
    let may_4 = holidays
        .iter()
        .find(|h| h.date == d("2021-05-04"))
        .expect("4 May 2021 is off");
    assert_eq!(may_4.name, "Labour Day (substitute day)");
    assert!(!rs.is_working_day(d("2021-05-03")));
    assert!(!rs.is_working_day(d("2021-05-04")));
    assert!(rs.is_working_day(d("2021-05-05")));
    // 2017: 1 Jan Sunday, 2 Jan Monday -> Tuesday 3 Jan off (ministry notice).
    assert_eq!(
        non_working_weekdays(&rs, 2017)[..2],
        [d("2017-01-02"), d("2017-01-03")]
    );
}

#[test]
fn rs_holidays_are_sorted_and_named() {
    let rs = load(RS_TOML);
    let holidays = rs.holidays(2026);
    assert!(holidays.windows(2).all(|w| w[0].date <= w[1].date));
    let names: Vec<(String, &str)> = holidays
        .iter()
        .map(|h| (h.date.to_string(), h.name.as_str()))
        .collect();
    assert_eq!(
        names[..6],
        [
            ("2026-01-01".to_string(), "New Year's Day"),
            ("2026-01-02".to_string(), "New Year's Day (day 2)"),
            ("2026-01-07".to_string(), "Orthodox Christmas"),
            ("2026-02-15".to_string(), "Statehood Day (Sretenje)"),
            ("2026-02-16".to_string(), "Statehood Day (Sretenje) (day 2)"),
            (
                "2026-02-17".to_string(),
                "Statehood Day (Sretenje) (substitute day)"
            ),
        ]
    );
    // Weekend holidays are listed too (Holy Saturday, Easter Sunday, 2 May).
    assert!(holidays.iter().any(|h| h.date == d("2026-04-11")));
    assert!(holidays.iter().any(|h| h.date == d("2026-04-12")));
    assert!(holidays.iter().any(|h| h.date == d("2026-05-02")));
    assert_eq!(holidays.len(), 13);
}

#[test]
fn rs_add_working_days_across_new_year() {
    let rs = load(RS_TOML);
    // Mon 2026-12-28: 29, 30, 31 Dec; 1–2 Jan off (Fri–Sat); 4, 5, 6 Jan;
    // 7 Jan Christmas; 8, 11, 12, 13, 14, 15, 18, 19, 20 Jan.
    assert_eq!(rs.add_working_days(d("2026-12-28"), 15), d("2027-01-20"));
    assert_eq!(rs.add_working_days(d("2026-12-28"), 3), d("2026-12-31"));
    assert_eq!(rs.add_working_days(d("2026-12-28"), 4), d("2027-01-04"));
    assert_eq!(rs.add_working_days(d("2026-12-31"), 1), d("2027-01-04"));
}

#[test]
fn rs_add_working_days_across_orthodox_easter() {
    let rs = load(RS_TOML);
    // 2024: 1–2 May Labour Day, 3 May Good Friday, 6 May Easter Monday.
    assert_eq!(rs.add_working_days(d("2024-04-30"), 1), d("2024-05-07"));
    // 2027: 30 Apr Good Friday, 3 May Easter Monday, 4 May Labour Day substitute.
    assert_eq!(rs.add_working_days(d("2027-04-29"), 1), d("2027-05-05"));
    assert_eq!(rs.add_working_days(d("2027-04-29"), 3), d("2027-05-07"));
    // Starting on a holiday: `from` is not counted.
    assert_eq!(rs.add_working_days(d("2027-05-03"), 1), d("2027-05-05"));
    assert_eq!(rs.add_working_days(d("2027-05-03"), 0), d("2027-05-03"));
}

// ------------------------------------------------------------- Montenegro ---

/// Montenegro, 2024–2030, including the Orthodox religious days (product
/// decision, see `markets/me.toml`). Cross-checked against Ministry of
/// Labour notices: 2024 1–2 May, 3/6 May (Easter, believers), 15 Jul,
/// 13–14 Nov; 2025 6–8 Jan, 18/21 Apr, 1–2 May, 14–15 Jul, 13–14 Nov.
#[test]
fn me_non_working_weekdays_2024_2030() {
    let me = load(ME_TOML);
    let table: [(i16, &[&str]); 7] = [
        (
            2024,
            &[
                "01-01", "01-02", "01-08", "05-01", "05-02", "05-03", "05-06", "05-21", "05-22",
                "07-15", "11-13", "11-14",
            ],
        ),
        (
            2025,
            &[
                "01-01", "01-02", "01-06", "01-07", "01-08", "04-18", "04-21", "05-01", "05-02",
                "05-21", "05-22", "07-14", "07-15", "11-13", "11-14",
            ],
        ),
        (
            2026,
            &[
                "01-01", "01-02", "01-06", "01-07", "01-08", "04-10", "04-13", "05-01", "05-21",
                "05-22", "07-13", "07-14", "11-13",
            ],
        ),
        (
            2027,
            &[
                "01-01", "01-06", "01-07", "01-08", "04-30", "05-03", "05-21", "07-13", "07-14",
                "11-15",
            ],
        ),
        (
            2028,
            &[
                "01-03", "01-06", "01-07", "04-14", "04-17", "05-01", "05-02", "05-22", "05-23",
                "07-13", "07-14", "11-13", "11-14",
            ],
        ),
        (
            2029,
            &[
                "01-01", "01-02", "01-08", "04-06", "04-09", "05-01", "05-02", "05-21", "05-22",
                "07-13", "11-13", "11-14",
            ],
        ),
        (
            2030,
            &[
                "01-01", "01-02", "01-07", "01-08", "04-26", "04-29", "05-01", "05-02", "05-21",
                "05-22", "07-15", "11-13", "11-14",
            ],
        ),
    ];
    for (year, expected) in table {
        assert_year(&me, year, expected, &[]);
    }
}

#[test]
fn me_njegos_day_was_one_day_in_2022() {
    let me = load(ME_TOML);
    let nov: Vec<Holiday> = me
        .holidays(2022)
        .into_iter()
        .filter(|h| h.date.month() == 11)
        .collect();
    assert_eq!(
        nov,
        vec![Holiday {
            date: d("2022-11-13"),
            name: "Njegoš Day".to_string(),
        }]
    );
    assert!(me.is_working_day(d("2022-11-14")));
    assert!(me.holidays(2021).iter().all(|h| h.date.month() != 11));
    // 2022: 1 May Sunday -> 2 and 3 May off (ministry notice).
    assert!(!me.is_working_day(d("2022-05-02")));
    assert!(!me.is_working_day(d("2022-05-03")));
    assert!(me.is_working_day(d("2022-05-04")));
}

#[test]
fn me_extension_does_not_skip_religious_days() {
    let me = load(ME_TOML);
    // 2027: 1–2 May Sat–Sun; Monday 3 May is both the Labour Day extension and
    // Orthodox Easter Monday; Tuesday 4 May is a working day.
    let may_3: Vec<String> = me
        .holidays(2027)
        .into_iter()
        .filter(|h| h.date == d("2027-05-03"))
        .map(|h| h.name)
        .collect();
    assert_eq!(
        may_3,
        vec![
            "Labour Day (substitute day)".to_string(),
            "Orthodox Easter Monday".to_string()
        ]
    );
    assert!(me.is_working_day(d("2027-05-04")));
    assert_eq!(me.add_working_days(d("2027-04-29"), 1), d("2027-05-04"));
}

#[test]
fn me_add_working_days_across_orthodox_christmas() {
    let me = load(ME_TOML);
    // 2025: 1–2 Jan, 6–8 Jan off.
    assert_eq!(me.add_working_days(d("2024-12-31"), 1), d("2025-01-03"));
    assert_eq!(me.add_working_days(d("2024-12-31"), 2), d("2025-01-09"));
}

// ---------------------------------------------------------------- Hungary ---

/// Hungary, decreed years 2024–2026: Mt. 102. § (1) plus the yearly decrees
/// 15/2023. (VII. 13.) GFM, 11/2024. (IV. 8.) NGM, 10/2025. (IV. 30.) NGM.
#[test]
fn hu_non_working_weekdays_decreed_years() {
    let hu = load(HU_TOML);
    assert_year(
        &hu,
        2024,
        &[
            "01-01", "03-15", "03-29", "04-01", "05-01", "05-20", "08-19", "08-20", "10-23",
            "11-01", "12-24", "12-25", "12-26", "12-27",
        ],
        &["08-03", "12-07", "12-14"],
    );
    assert_year(
        &hu,
        2025,
        &[
            "01-01", "04-18", "04-21", "05-01", "05-02", "06-09", "08-20", "10-23", "10-24",
            "12-24", "12-25", "12-26",
        ],
        &["05-17", "10-18", "12-13"],
    );
    assert_year(
        &hu,
        2026,
        &[
            "01-01", "01-02", "04-03", "04-06", "05-01", "05-25", "08-20", "08-21", "10-23",
            "12-24", "12-25",
        ],
        &["01-10", "08-08", "12-12"],
    );
}

#[test]
fn hu_working_saturdays_are_working_days() {
    let hu = load(HU_TOML);
    for saturday in [
        "2024-08-03",
        "2024-12-07",
        "2024-12-14",
        "2025-05-17",
        "2025-10-18",
        "2025-12-13",
        "2026-01-10",
        "2026-08-08",
        "2026-12-12",
    ] {
        let date = d(saturday);
        assert_eq!(date.weekday(), Weekday::Saturday);
        assert!(hu.is_working_day(date), "{saturday}");
    }
    assert!(!hu.is_working_day(d("2024-08-10")));
    // Fri 2024-08-02 + 1 working day = the working Saturday.
    assert_eq!(hu.add_working_days(d("2024-08-02"), 1), d("2024-08-03"));
    // Over the 2024 August bridge: Sat 3 (work), Mon 5 … Fri 16, then
    // 19 (moved rest) and 20 (holiday) are off.
    assert_eq!(hu.add_working_days(d("2024-08-16"), 1), d("2024-08-21"));
    assert_eq!(
        hu.working_days(d("2024-08-01"), d("2024-08-05")),
        vec![
            d("2024-08-01"),
            d("2024-08-02"),
            d("2024-08-03"),
            d("2024-08-05")
        ]
    );
}

#[test]
fn hu_moved_rest_days_are_named() {
    let hu = load(HU_TOML);
    let holidays = hu.holidays(2024);
    let aug_19 = holidays
        .iter()
        .find(|h| h.date == d("2024-08-19"))
        .expect("19 Aug 2024 listed");
    assert_eq!(aug_19.name, "Moved rest day (worked on 2024-08-03)");
    assert_eq!(holidays.len(), 16);
    assert!(holidays.windows(2).all(|w| w[0].date <= w[1].date));
    // Good Friday exists only from 2017 on.
    assert!(hu.holidays(2016).iter().all(|h| h.name != "Good Friday"));
    assert!(hu.holidays(2017).iter().any(|h| h.name == "Good Friday"));
}

#[test]
fn hu_completeness_follows_the_decrees() {
    let hu = load(HU_TOML);
    assert!(hu.is_complete_for(2026));
    assert!(!hu.is_complete_for(2027));
    assert!(load(RS_TOML).is_complete_for(2030));
    // Undecreed years still have the statutory holidays.
    assert_eq!(
        non_working_weekdays(&hu, 2027),
        dates(
            2027,
            &[
                "01-01", "03-15", "03-26", "03-29", "05-17", "08-20", "11-01"
            ]
        )
    );
}

// --------------------------------------------------------- general / edges ---

#[test]
fn working_days_range_edges() {
    let rs = load(RS_TOML);
    assert!(rs.working_days(d("2026-01-10"), d("2026-01-09")).is_empty());
    assert_eq!(
        rs.working_days(d("2026-01-09"), d("2026-01-09")),
        vec![d("2026-01-09")]
    );
    assert!(rs.working_days(d("2026-01-10"), d("2026-01-11")).is_empty());
    assert_eq!(
        rs.working_days(d("2025-12-31"), d("2026-01-08")),
        vec![
            d("2025-12-31"),
            d("2026-01-05"),
            d("2026-01-06"),
            d("2026-01-08")
        ]
    );
}

#[test]
fn extreme_dates_do_not_panic() {
    let rs = load(RS_TOML);
    let hu = load(HU_TOML);
    assert_eq!(rs.add_working_days(d("9999-12-20"), 100), Date::MAX);
    assert_eq!(rs.add_working_days(Date::MAX, 1), Date::MAX);
    assert!(rs.holidays(i16::MAX).is_empty());
    assert!(rs.holidays(i16::MIN).is_empty());
    assert!(!rs.holidays(9999).is_empty());
    assert!(!hu.holidays(-9999).is_empty());
    assert_eq!(
        rs.working_days(d("9999-12-30"), Date::MAX),
        vec![d("9999-12-30"), d("9999-12-31")]
    );
    let _ = rs.is_working_day(Date::MIN);
    let end = Date::new(-9999, 1, 10).expect("in range");
    assert_eq!(rs.working_days(Date::MIN, end).len(), 6);
}

#[test]
fn substitute_day_crosses_new_year_and_skips_january_holidays() {
    let rules = parse(
        r#"
        [calendar]
        [[calendar.holiday]]
        name = "Year End"
        date = "12-31"
        sunday = "next_working_day"

        [[calendar.holiday]]
        name = "New Year"
        date = "01-01"
        days = 2
        sunday = "next_working_day"
        "#,
    )
    .expect("parses");
    rules.validate().expect("valid");
    // 2028-12-31 is a Sunday; 1–2 Jan 2029 (Mon–Tue) are holidays -> Wed 3 Jan.
    let jan: Vec<Holiday> = rules
        .holidays(2029)
        .into_iter()
        .filter(|h| h.date.month() == 1)
        .collect();
    assert_eq!(
        jan.iter().map(|h| h.date).collect::<Vec<_>>(),
        vec![d("2029-01-01"), d("2029-01-02"), d("2029-01-03")]
    );
    assert_eq!(jan[2].name, "Year End (substitute day)");
    // A multi-day holiday starting 31 Dec spills into the next year.
    let spill = parse(
        r#"
        [calendar]
        [[calendar.holiday]]
        name = "Hogmanay"
        date = "12-31"
        days = 3
        "#,
    )
    .expect("parses");
    assert_eq!(
        spill.holidays(2025),
        vec![
            Holiday {
                date: d("2025-01-01"),
                name: "Hogmanay (day 2)".to_string()
            },
            Holiday {
                date: d("2025-01-02"),
                name: "Hogmanay (day 3)".to_string()
            },
            Holiday {
                date: d("2025-12-31"),
                name: "Hogmanay".to_string()
            },
        ]
    );
}

#[test]
fn empty_calendar_is_weekdays_only() {
    let rules = parse("[calendar]\n").expect("parses");
    rules.validate().expect("valid");
    assert!(rules.holidays(2026).is_empty());
    assert_eq!(rules.add_working_days(d("2026-01-02"), 1), d("2026-01-05"));
    assert!(rules.is_complete_for(2100));
}

// ------------------------------------------------------------- validation ---

fn validation_error(toml_text: &str) -> String {
    parse(toml_text)
        .expect("parses")
        .validate()
        .expect_err("must be rejected")
        .to_string()
}

const THREE_GOOD: &str = r#"
[calendar]
[[calendar.holiday]]
name = "A"
date = "01-01"
[[calendar.holiday]]
name = "B"
easter = "western"
offset = 1
[[calendar.holiday]]
name = "C"
date = "05-01"
days = 2
sunday = "extend"
"#;

#[test]
fn validation_names_the_bad_month_day() {
    let text = format!("{THREE_GOOD}[[calendar.holiday]]\nname = \"D\"\ndate = \"13-01\"\n");
    assert_eq!(
        validation_error(&text),
        r#"calendar.holiday[3].date: expected MM-DD, got "13-01""#
    );
    for bad in [
        "02-29", "04-31", "1-01", "01/01", "00-10", "01-00", "0a-01", "01-011",
    ] {
        let text = format!("[calendar]\n[[calendar.holiday]]\nname = \"X\"\ndate = \"{bad}\"\n");
        assert_eq!(
            validation_error(&text),
            format!("calendar.holiday[0].date: expected MM-DD, got {bad:?}")
        );
    }
}

#[test]
fn validation_of_holiday_fields() {
    let cases = [
        (
            "name = \"\"\ndate = \"01-01\"",
            "calendar.holiday[0].name: must not be empty",
        ),
        (
            "name = \"X\"",
            "calendar.holiday[0]: exactly one of `date` and `easter` must be set (holiday \"X\")",
        ),
        (
            "name = \"X\"\ndate = \"01-01\"\neaster = \"western\"",
            "calendar.holiday[0]: exactly one of `date` and `easter` must be set (holiday \"X\")",
        ),
        (
            "name = \"X\"\ndate = \"01-01\"\noffset = 1",
            "calendar.holiday[0].offset: only allowed together with `easter`",
        ),
        (
            "name = \"X\"\neaster = \"orthodox\"\noffset = 300",
            "calendar.holiday[0].offset: must be within -200..=200, got 300",
        ),
        (
            "name = \"X\"\ndate = \"01-01\"\ndays = 0",
            "calendar.holiday[0].days: must be within 1..=31, got 0",
        ),
        (
            "name = \"X\"\ndate = \"01-01\"\nfrom_year = 2024\nuntil_year = 2023",
            "calendar.holiday[0].until_year: 2023 is before from_year = 2024",
        ),
        (
            "name = \"X\"\ndate = \"01-01\"\nfrom_year = 12000",
            "calendar.holiday[0].from_year: must be within -9999..=9999, got 12000",
        ),
    ];
    for (body, message) in cases {
        let text = format!("[calendar]\n[[calendar.holiday]]\n{body}\n");
        assert_eq!(validation_error(&text), message, "for {body:?}");
    }
}

#[test]
fn validation_of_moved_days() {
    let base = "[calendar]\nmoved_days_decreed_through = 2026\n\
                [[calendar.holiday]]\nname = \"State Day\"\ndate = \"08-20\"\n\
                [[calendar.moved]]\nrest = \"2024-08-19\"\nwork = \"2024-08-03\"\n";
    let cases = [
        (
            "rest = \"2024-08-17\"\nwork = \"2024-08-10\"",
            "calendar.moved[1].rest: 2024-08-17 is a Saturday; a moved rest day must be a Monday to Friday",
        ),
        (
            "rest = \"2024-08-21\"\nwork = \"2024-08-22\"",
            "calendar.moved[1].work: 2024-08-22 is a Thursday; a moved working day must be a Saturday or Sunday",
        ),
        (
            "rest = \"2027-01-04\"\nwork = \"2027-01-09\"",
            "calendar.moved[1].rest: 2027-01-04 is after moved_days_decreed_through = 2026",
        ),
        (
            "rest = \"2024-08-20\"\nwork = \"2024-08-10\"",
            "calendar.moved[1].rest: 2024-08-20 is already a holiday (State Day)",
        ),
        (
            "rest = \"2024-08-21\"\nwork = \"2025-08-20\"",
            "calendar.moved[1].work: 2025-08-20 is a Wednesday; a moved working day must be a Saturday or Sunday",
        ),
        (
            "rest = \"2024-08-21\"\nwork = \"2022-08-20\"",
            "calendar.moved[1].work: 2022-08-20 is already a holiday (State Day)",
        ),
        (
            "rest = \"2024-08-19\"\nwork = \"2024-08-10\"",
            "calendar.moved[1].rest: 2024-08-19 is already listed in calendar.moved[0]",
        ),
        (
            "rest = \"2024-08-21\"\nwork = \"2024-08-03\"",
            "calendar.moved[1].work: 2024-08-03 is already listed in calendar.moved[0]",
        ),
    ];
    for (body, message) in cases {
        let text = format!("{base}[[calendar.moved]]\n{body}\n");
        assert_eq!(validation_error(&text), message, "for {body:?}");
    }
    parse(base)
        .expect("parses")
        .validate()
        .expect("base is valid");
}

#[test]
fn unknown_fields_and_values_are_rejected_by_the_parser() {
    for text in [
        "[calendar]\nholidays = []\n",
        "[calendar]\n[[calendar.holiday]]\nname = \"X\"\ndate = \"01-01\"\ncolour = \"red\"\n",
        "[calendar]\n[[calendar.holiday]]\nname = \"X\"\ndate = \"01-01\"\nsunday = \"monday\"\n",
        "[calendar]\n[[calendar.holiday]]\nname = \"X\"\neaster = \"coptic\"\n",
        "[calendar]\n[[calendar.moved]]\nrest = \"2024-08-19\"\nwork = \"2024-08-03\"\nwhy = \"x\"\n",
        "[calendar]\n[[calendar.moved]]\nrest = \"2024-13-19\"\nwork = \"2024-08-03\"\n",
    ] {
        assert!(parse(text).is_err(), "accepted: {text}");
    }
}

#[test]
fn unvalidated_bad_rules_are_ignored_not_panicking() {
    let rules = CalendarRules {
        holiday_rules: vec![
            HolidayRule {
                name: "Broken".to_string(),
                date: Some("99-99".to_string()),
                easter: None,
                offset: None,
                days: 0,
                sunday: SundayRule::NextWorkingDay,
                from_year: None,
                until_year: None,
            },
            HolidayRule {
                name: "Both".to_string(),
                date: Some("01-01".to_string()),
                easter: Some(EasterKind::Western),
                offset: Some(i16::MAX),
                days: u8::MAX,
                sunday: SundayRule::Extend,
                from_year: None,
                until_year: None,
            },
        ],
        moved: vec![],
        moved_days_decreed_through: None,
    };
    assert!(rules.validate().is_err());
    assert!(rules.holidays(2026).is_empty());
    assert!(rules.is_working_day(d("2026-01-01")));
}
