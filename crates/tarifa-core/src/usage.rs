//! Usage records and their destination classes (USE-1…3).
//!
//! A record is classified once, when it comes in, into a [`Bucket`]: what it
//! is (voice, SMS, data), where it went (national, international, a free
//! number) and whether it was in roaming. Rating works on the totals of each
//! bucket per contract and billing period, so the order records arrive in
//! never changes a bill.

use std::fmt;
use std::str::FromStr;

use jiff::Timestamp;
use jiff::civil::DateTime;
use jiff::tz::TimeZone;
use serde::{Deserialize, Serialize};

use crate::market::Market;
use crate::names::snake_case_str;

/// One megabyte of the catalog: 1024 × 1024 bytes.
pub const MB: u64 = 1024 * 1024;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum UsageKind {
    Voice,
    Sms,
    Data,
}

snake_case_str!(UsageKind {
    Voice = "voice",
    Sms = "sms",
    Data = "data",
});

impl UsageKind {
    /// The unit of a record's quantity.
    pub fn unit(self) -> &'static str {
        match self {
            Self::Voice => "s",
            Self::Sms => "msg",
            Self::Data => "B",
        }
    }

    /// The most one record may hold: a call of a day (switches cut longer
    /// calls into partial records), 1,000 messages, 1 TiB of data. More is
    /// a broken record, refused at import — so that no total of a month can
    /// reach the limits of the arithmetic that rates it.
    pub const fn max_quantity(self) -> u64 {
        match self {
            Self::Voice => 86_400,
            Self::Sms => 1_000,
            Self::Data => 1 << 40,
        }
    }
}

/// When a record happened, as it was written: the market's local time, or an
/// instant (with `Z` or an offset) that the market's time zone turns into
/// local time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UsageTime {
    Local(DateTime),
    Instant(Timestamp),
}

/// The form a record's time takes, for messages.
pub const TIME_FORM: &str =
    "YYYY-MM-DDTHH:MM:SS, local time of the market, or with Z or an offset such as +01:00";

impl UsageTime {
    /// Reads `YYYY-MM-DDTHH:MM:SS`, optionally with a fraction of a second
    /// and then `Z` or `±HH:MM`. Nothing else: no date alone, no space for
    /// the `T`, no basic form (`20261202T100000`), no `[zone]` suffix — a
    /// time that could be read two ways is refused, not guessed.
    pub fn parse(text: &str) -> Result<Self, String> {
        let refuse = || {
            format!(
                "{:?} is not a time ({TIME_FORM})",
                crate::text::clip(text, crate::text::ECHO_CHARS)
            )
        };
        let bytes = text.as_bytes();
        if bytes.len() < 19 {
            return Err(refuse());
        }
        let (local, mut rest) = text.split_at(19);
        let mut at = fast_local_time(local).ok_or_else(refuse)?;
        if let Some(fraction) = rest.strip_prefix('.') {
            let digits = fraction.bytes().take_while(u8::is_ascii_digit).count();
            if !(1..=9).contains(&digits) {
                return Err(refuse());
            }
            let nanos: i32 = format!("{:0<9}", &fraction[..digits])
                .parse()
                .map_err(|_| refuse())?;
            at = at
                .with()
                .subsec_nanosecond(nanos)
                .build()
                .map_err(|_| refuse())?;
            rest = &fraction[digits..];
        }
        let offset_seconds: i32 = match rest.as_bytes() {
            [] => return Ok(Self::Local(at)),
            [b'Z'] => 0,
            [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2]
                if [h1, h2, m1, m2].iter().all(|b| b.is_ascii_digit()) =>
            {
                let hours = i32::from((h1 - b'0') * 10 + (h2 - b'0'));
                let minutes = i32::from((m1 - b'0') * 10 + (m2 - b'0'));
                if hours > 18 || minutes > 59 {
                    return Err(refuse());
                }
                let seconds = hours * 3600 + minutes * 60;
                if *sign == b'-' { -seconds } else { seconds }
            }
            _ => return Err(refuse()),
        };
        let offset = jiff::tz::Offset::from_seconds(offset_seconds).map_err(|_| refuse())?;
        let instant = offset.to_timestamp(at).map_err(|_| refuse())?;
        Ok(Self::Instant(instant))
    }

    /// The local time in the market's time zone.
    pub fn local_in(self, time_zone: &TimeZone) -> DateTime {
        match self {
            Self::Local(at) => at,
            Self::Instant(instant) => time_zone.to_datetime(instant),
        }
    }
}

/// Where usage went, as the bill groups it (BIL-3 element 4).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum Destination {
    National,
    International,
    /// 112 and the other emergency numbers (USE-2): free, never counted.
    Emergency,
    /// The operator's customer centre (USE-2): free, never counted.
    CustomerCentre,
    /// Data sessions.
    Internet,
    /// Usage while roaming outside the home-like zone.
    Roaming,
}

snake_case_str!(Destination {
    National = "national",
    International = "international",
    Emergency = "emergency",
    CustomerCentre = "customer_centre",
    Internet = "internet",
    Roaming = "roaming",
});

/// The class a record is totalled in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
pub struct Bucket {
    pub kind: UsageKind,
    pub destination: Destination,
}

impl Bucket {
    pub const fn new(kind: UsageKind, destination: Destination) -> Self {
        Self { kind, destination }
    }

    /// Free numbers are neither charged nor counted against allowances (USE-2).
    pub fn is_free(self) -> bool {
        matches!(
            self.destination,
            Destination::Emergency | Destination::CustomerCentre
        )
    }

    /// Every class, in the order of [`Bucket::index`].
    pub const ALL: [Self; 18] = {
        const KINDS: [UsageKind; 3] = [UsageKind::Voice, UsageKind::Sms, UsageKind::Data];
        const DESTINATIONS: [Destination; 6] = [
            Destination::National,
            Destination::International,
            Destination::Emergency,
            Destination::CustomerCentre,
            Destination::Internet,
            Destination::Roaming,
        ];
        let mut all = [Self::new(UsageKind::Voice, Destination::National); 18];
        let mut i = 0;
        while i < 18 {
            all[i] = Self::new(KINDS[i / 6], DESTINATIONS[i % 6]);
            i += 1;
        }
        all
    };

    /// A small number for the class (its place in [`Bucket::ALL`]), for
    /// tables indexed by class.
    pub fn index(self) -> usize {
        let kind = match self.kind {
            UsageKind::Voice => 0,
            UsageKind::Sms => 1,
            UsageKind::Data => 2,
        };
        let destination = match self.destination {
            Destination::National => 0,
            Destination::International => 1,
            Destination::Emergency => 2,
            Destination::CustomerCentre => 3,
            Destination::Internet => 4,
            Destination::Roaming => 5,
        };
        kind * 6 + destination
    }

    /// The stored code, e.g. `voice.national`.
    pub fn code(self) -> String {
        format!("{}.{}", self.kind, self.destination)
    }

    pub fn parse(code: &str) -> Option<Self> {
        let (kind, destination) = code.split_once('.')?;
        Some(Self {
            kind: kind.parse().ok()?,
            destination: destination.parse().ok()?,
        })
    }

    /// Billable units of one record: started minutes of a call (per call),
    /// messages, or bytes (data is rounded over the period, not per session).
    pub fn units(self, quantity: u64) -> u64 {
        match self.kind {
            UsageKind::Voice => quantity.div_ceil(60),
            UsageKind::Sms | UsageKind::Data => quantity,
        }
    }
}

impl fmt::Display for Bucket {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.kind, self.destination)
    }
}

/// A usage record as it arrives (CSV line, API call, scenario step).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct UsageRecord {
    pub id: String,
    /// The subscriber's number (E.164).
    pub number: String,
    /// Local time in the market's time zone.
    pub at: DateTime,
    pub kind: UsageKind,
    pub to: String,
    /// Seconds (voice), messages (SMS) or bytes (data).
    pub quantity: u64,
    /// The visited network's MCC+MNC; `None` at home.
    pub roaming: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UsageError {
    #[error("{field}: {reason}")]
    Field { field: &'static str, reason: String },
    #[error("expected 7 columns (id,number,at,kind,to,quantity,roaming), got {0}")]
    Columns(usize),
}

fn field(field: &'static str, reason: impl Into<String>) -> UsageError {
    UsageError::Field {
        field,
        reason: reason.into(),
    }
}

/// The subscriber number of a record: `+` and 6–15 digits.
pub fn check_number(number: &str) -> Result<(), String> {
    let digits = number
        .strip_prefix('+')
        .ok_or_else(|| format!("{number:?} is not an E.164 number (+ and digits)"))?;
    if !(6..=15).contains(&digits.len()) || !digits.chars().all(|c| c.is_ascii_digit()) {
        return Err(format!(
            "{number:?} is not an E.164 number (+ and 6 to 15 digits)"
        ));
    }
    Ok(())
}

/// A usage record read in place from its text fields: what an import checks
/// and classifies without copying a string (the owned [`UsageRecord`] is
/// built from it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UsageFields<'a> {
    pub id: &'a str,
    pub number: &'a str,
    pub at: UsageTime,
    pub kind: UsageKind,
    pub to: &'a str,
    pub quantity: u64,
    pub roaming: Option<&'a str>,
}

/// `YYYY-MM-DDTHH:MM:SS`, the form every mediation file uses, read without
/// the general parser; anything else (fractions, other forms) goes to it.
fn fast_local_time(text: &str) -> Option<DateTime> {
    let b = text.as_bytes();
    if b.len() != 19
        || b[4] != b'-'
        || b[7] != b'-'
        || b[10] != b'T'
        || b[13] != b':'
        || b[16] != b':'
    {
        return None;
    }
    let num = |from: usize, to: usize| -> Option<i16> {
        b[from..to].iter().try_fold(0_i16, |n, &c| {
            c.is_ascii_digit().then(|| n * 10 + i16::from(c - b'0'))
        })
    };
    let year = num(0, 4)?;
    let [month, day, hour, minute, second] = [
        num(5, 7)?,
        num(8, 10)?,
        num(11, 13)?,
        num(14, 16)?,
        num(17, 19)?,
    ]
    .map(|n| i8::try_from(n).unwrap_or(i8::MAX));
    DateTime::new(year, month, day, hour, minute, second, 0).ok()
}

impl<'a> UsageFields<'a> {
    /// Checks a record's text fields (the CSV columns).
    pub fn parse(fields: &[&'a str]) -> Result<Self, UsageError> {
        if fields.len() != 7 {
            return Err(UsageError::Columns(fields.len()));
        }
        let id = fields[0].trim();
        if id.is_empty() || id.len() > 128 {
            return Err(field(
                "id",
                "a record id of 1 to 128 characters is required",
            ));
        }
        crate::text::check(id, crate::text::ID).map_err(|e| field("id", e))?;
        let number = fields[1].trim();
        check_number(number).map_err(|e| field("number", e))?;
        let at_text = fields[2].trim();
        let at = match fast_local_time(at_text) {
            Some(at) => UsageTime::Local(at),
            None => UsageTime::parse(at_text).map_err(|e| field("at", e))?,
        };
        let kind: UsageKind = fields[3].trim().parse().map_err(|e| field("kind", e))?;
        let to = fields[4].trim();
        if to.is_empty() {
            return Err(field("to", "the destination is missing"));
        }
        crate::text::check(to, crate::text::ID).map_err(|e| field("to", e))?;
        let quantity_text = fields[5].trim();
        let shown = crate::text::clip(quantity_text, crate::text::ECHO_CHARS);
        let quantity: u64 = quantity_text
            .parse()
            .map_err(|e: std::num::ParseIntError| {
                use std::num::IntErrorKind;
                match e.kind() {
                    _ if quantity_text.starts_with('-') => {
                        field("quantity", format!("{shown} is negative"))
                    }
                    IntErrorKind::PosOverflow => field(
                        "quantity",
                        format!(
                            "{shown} is far more than one record can hold (at most {} {})",
                            kind.max_quantity(),
                            kind.unit()
                        ),
                    ),
                    _ => field(
                        "quantity",
                        format!("{shown:?} is not a whole number of {}", kind.unit()),
                    ),
                }
            })?;
        if quantity > kind.max_quantity() {
            return Err(field(
                "quantity",
                format!(
                    "{quantity} {} is more than one {kind} record can hold (at most {})",
                    kind.unit(),
                    kind.max_quantity()
                ),
            ));
        }
        let roaming = match fields[6].trim() {
            "" => None,
            network
                if (5..=6).contains(&network.len())
                    && network.chars().all(|c| c.is_ascii_digit()) =>
            {
                Some(network)
            }
            other => {
                return Err(field(
                    "roaming",
                    format!(
                        "{:?} is not an MCC+MNC (5 or 6 digits)",
                        crate::text::clip(other, crate::text::ECHO_CHARS)
                    ),
                ));
            }
        };
        Ok(Self {
            id,
            number,
            at,
            kind,
            to,
            quantity,
            roaming,
        })
    }

    /// The class this record is totalled in, in `market` (USE-2, roaming).
    pub fn bucket(&self, market: &Market) -> Result<Bucket, UsageError> {
        let to = self.to;
        let dialled = || -> Result<Destination, UsageError> {
            // Most numbers come without separators: no copy for them.
            let cleaned: std::borrow::Cow<'_, str> = if to.contains([' ', '-', '(', ')']) {
                to.chars()
                    .filter(|c| !matches!(c, ' ' | '-' | '(' | ')'))
                    .collect::<String>()
                    .into()
            } else {
                to.into()
            };
            let cleaned = cleaned.as_ref();
            if market.numbers.emergency.iter().any(|n| n == cleaned) {
                return Ok(Destination::Emergency);
            }
            if market.numbers.customer_centre.iter().any(|n| n == cleaned) {
                return Ok(Destination::CustomerCentre);
            }
            let (international, digits) = match cleaned
                .strip_prefix('+')
                .or_else(|| cleaned.strip_prefix("00"))
            {
                Some(rest) => (true, rest),
                None => (false, cleaned),
            };
            if digits.is_empty() || !digits.bytes().all(|c| c.is_ascii_digit()) {
                return Err(field(
                    "to",
                    format!(
                        "{:?} is not a dialled number",
                        crate::text::clip(to, crate::text::ECHO_CHARS)
                    ),
                ));
            }
            // The market's country code is written `+382`.
            let home = market
                .country_code
                .strip_prefix('+')
                .is_some_and(|code| digits.starts_with(code));
            Ok(if international && !home {
                Destination::International
            } else {
                Destination::National
            })
        };
        let home_like = self
            .roaming
            .is_none_or(|network| market.roaming.is_home_like(network));
        let destination = match self.kind {
            UsageKind::Data => {
                if home_like {
                    Destination::Internet
                } else {
                    Destination::Roaming
                }
            }
            UsageKind::Voice | UsageKind::Sms => match dialled()? {
                free @ (Destination::Emergency | Destination::CustomerCentre) => free,
                _ if !home_like => Destination::Roaming,
                // Roam like at home: national prices, whatever the visited country.
                _ if self.roaming.is_some() => Destination::National,
                other => other,
            },
        };
        Ok(Bucket::new(self.kind, destination))
    }

    /// The owned record, its time local in `time_zone` (the market's).
    pub fn to_owned_record(&self, time_zone: &TimeZone) -> UsageRecord {
        UsageRecord {
            id: self.id.to_owned(),
            number: self.number.to_owned(),
            at: self.at.local_in(time_zone),
            kind: self.kind,
            to: self.to.to_owned(),
            quantity: self.quantity,
            roaming: self.roaming.map(str::to_owned),
        }
    }
}

impl UsageRecord {
    /// Checks and builds a record from its text fields (the CSV columns); a
    /// time with an offset becomes local time in `time_zone` (the market's).
    pub fn parse(fields: &[&str], time_zone: &TimeZone) -> Result<Self, UsageError> {
        UsageFields::parse(fields).map(|f| f.to_owned_record(time_zone))
    }

    /// The record as borrowed fields.
    pub fn fields(&self) -> UsageFields<'_> {
        UsageFields {
            id: &self.id,
            number: &self.number,
            at: UsageTime::Local(self.at),
            kind: self.kind,
            to: &self.to,
            quantity: self.quantity,
            roaming: self.roaming.as_deref(),
        }
    }

    /// The class this record is totalled in, in `market` (USE-2, roaming).
    pub fn bucket(&self, market: &Market) -> Result<Bucket, UsageError> {
        self.fields().bucket(market)
    }
}

impl FromStr for Bucket {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, String> {
        Self::parse(text).ok_or_else(|| format!("{text:?} is not a usage class"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn me() -> Market {
        crate::market::preset("me")
    }

    fn hu() -> Market {
        crate::market::preset("hu")
    }

    fn record(
        kind: &str,
        to: &str,
        quantity: &str,
        roaming: &str,
    ) -> Result<UsageRecord, UsageError> {
        UsageRecord::parse(
            &[
                "r1",
                "+38220123456",
                "2026-02-10T09:00:00",
                kind,
                to,
                quantity,
                roaming,
            ],
            &TimeZone::UTC,
        )
    }

    #[test]
    fn classifies_destinations() {
        let me = me();
        let class = |kind, to, roaming| {
            record(kind, to, "60", roaming)
                .and_then(|r| r.bucket(&me))
                .map(|b| b.code())
                .unwrap_or_else(|e| e.to_string())
        };
        assert_eq!(class("voice", "+38220987654", ""), "voice.national");
        assert_eq!(class("voice", "020987654", ""), "voice.national");
        assert_eq!(class("voice", "+381112222222", ""), "voice.international");
        assert_eq!(class("voice", "00381112222222", ""), "voice.international");
        assert_eq!(class("voice", "112", ""), "voice.emergency");
        assert_eq!(class("voice", "1700", ""), "voice.customer_centre");
        assert_eq!(class("voice", "112", "26201"), "voice.emergency");
        assert_eq!(class("voice", "+38220987654", "26201"), "voice.roaming");
        assert_eq!(
            class("voice", "+38220987654", "22001"),
            "voice.national",
            "Western Balkans roam like at home"
        );
        assert_eq!(class("sms", "+38267111222", ""), "sms.national");
        assert_eq!(class("data", "internet", ""), "data.internet");
        assert_eq!(class("data", "internet", "23201"), "data.roaming");
        assert!(class("voice", "pizza", "").contains("not a dialled number"));
        let hu = hu();
        let r = record("data", "internet", "100", "23201").expect("valid");
        assert_eq!(
            r.bucket(&hu).map(|b| b.code()),
            Ok("data.internet".into()),
            "EU roam like at home"
        );
    }

    #[test]
    fn refuses_bad_fields_by_name() {
        let reason = |r: Result<UsageRecord, UsageError>| r.expect_err("refused").to_string();
        assert!(reason(record("fax", "1", "1", "")).starts_with("kind:"));
        assert!(reason(record("voice", "1", "-5", "")).contains("negative"));
        assert!(reason(record("voice", "1", "1.5", "")).starts_with("quantity:"));
        assert!(reason(record("voice", "1", "1", "ab")).starts_with("roaming:"));
        assert!(
            reason(UsageRecord::parse(
                &["r", "+3822", "2026-02-10T09:00:00", "voice", "1", "1", ""],
                &TimeZone::UTC
            ))
            .starts_with("number:")
        );
        assert!(
            reason(UsageRecord::parse(
                &[
                    "r",
                    "+38220123456",
                    "2026-02-30T09:00:00",
                    "voice",
                    "1",
                    "1",
                    ""
                ],
                &TimeZone::UTC
            ))
            .starts_with("at:")
        );
        assert!(
            reason(UsageRecord::parse(&["r", "+38220123456"], &TimeZone::UTC))
                .contains("7 columns")
        );
    }

    #[test]
    fn reads_local_times_in_place_as_the_general_parser_does() {
        for text in [
            "2026-02-10T09:00:00",
            "2024-02-29T23:59:59",
            "2026-12-31T00:00:00",
        ] {
            assert_eq!(
                fast_local_time(text),
                text.parse::<DateTime>().ok(),
                "{text}"
            );
        }
        for text in [
            "2026-02-30T09:00:00",
            "2026-13-01T00:00:00",
            "2026-02-10T24:00:00",
            "2026-02-10 09:00:00",
            "2026-0a-10T09:00:00",
        ] {
            assert_eq!(fast_local_time(text), None, "{text}");
        }
        let fraction = UsageRecord::parse(
            &[
                "r",
                "+38220123456",
                "2026-02-10T09:00:00.5",
                "voice",
                "112",
                "1",
                "",
            ],
            &TimeZone::UTC,
        )
        .expect("a fraction of a second is read too");
        assert_eq!(fraction.at.subsec_nanosecond(), 500_000_000);
    }

    #[test]
    fn a_time_is_local_or_an_instant_and_nothing_else() {
        let belgrade = TimeZone::get("Europe/Belgrade").expect("zone");
        let local = |text: &str| UsageTime::parse(text).map(|t| t.local_in(&belgrade));
        let at = |text: &str| text.parse::<DateTime>().expect("a date and time");
        assert_eq!(local("2026-11-30T23:30:00"), Ok(at("2026-11-30T23:30:00")));
        // An offset is converted: -10:00 is 10:30 the next day in Belgrade.
        assert_eq!(
            local("2026-11-30T23:30:00-10:00"),
            Ok(at("2026-12-01T10:30:00"))
        );
        assert_eq!(local("2026-11-30T23:30:00Z"), Ok(at("2026-12-01T00:30:00")));
        assert_eq!(
            local("2026-07-01T12:00:00.25+02:00"),
            Ok(at("2026-07-01T12:00:00.25"))
        );
        for refused in [
            "2026-12-02",
            "2026-12-02 10:00:00",
            "20261202T100000",
            "2026-12-02T10:00:00[Europe/Belgrade]",
            "2026-12-02T10:00:00+01:00[Europe/Belgrade]",
            "2026-12-02T10:00",
            "2026-12-02T10:00:00+0100",
            "2026-12-02T10:00:00z",
            "2026-12-02T10:00:00.",
            "2026-12-02T10:00:00+25:00",
        ] {
            assert!(UsageTime::parse(refused).is_err(), "{refused}");
        }
        // The CSV reads the same rule.
        let record = UsageRecord::parse(
            &[
                "r",
                "+38220123456",
                "2026-11-30T23:30:00-10:00",
                "voice",
                "1",
                "1",
                "",
            ],
            &belgrade,
        )
        .expect("a record");
        assert_eq!(record.at, at("2026-12-01T10:30:00"));
    }

    #[test]
    fn a_quantity_no_record_can_hold_is_refused() {
        let reason = |r: Result<UsageRecord, UsageError>| r.expect_err("refused").to_string();
        assert!(record("voice", "1", "86400", "").is_ok());
        assert!(reason(record("voice", "1", "86401", "")).contains("at most 86400"));
        assert!(
            reason(record("data", "internet", "1000000000000000000", "")).starts_with("quantity:")
        );
        let max = i64::MAX.to_string();
        assert!(reason(record("sms", "1", &max, "")).contains("more than one sms record"));
        let huge = "9".repeat(40);
        let refused = reason(record("voice", "1", &huge, ""));
        assert!(refused.contains("far more"), "{refused}");
        assert!(!refused.contains("not a whole number"), "{refused}");
    }

    #[test]
    fn every_class_has_its_own_index() {
        for (i, bucket) in Bucket::ALL.iter().enumerate() {
            assert_eq!(bucket.index(), i);
            assert_eq!(Bucket::parse(&bucket.code()), Some(*bucket));
        }
    }

    #[test]
    fn voice_is_rated_per_started_minute_per_call() {
        let b = Bucket::new(UsageKind::Voice, Destination::National);
        assert_eq!(b.units(0), 0);
        assert_eq!(b.units(1), 1);
        assert_eq!(b.units(60), 1);
        assert_eq!(b.units(61), 2);
        assert_eq!(
            Bucket::parse("data.internet"),
            Some(Bucket::new(UsageKind::Data, Destination::Internet))
        );
    }
}
