//! The itemised listing (USE-5) as a document: every usage record of one
//! number in one billing period — when, to which number, what, how much —
//! a page per [`RECORDS_PER_PAGE`] records, in the customer's language.

use askama::Template;
use jiff::civil::Date;
use serde::Serialize;
use tarifa_core::usage::{Bucket, UsageKind};
use tarifa_texts::{Arg, Lang, Texts, format_count, format_date};

use crate::RenderError;
use crate::view::Words;

/// Records on one page of a listing; the app counts a listing's pages by it.
pub const RECORDS_PER_PAGE: usize = 40;

/// A listing as the app reads it from the store.
#[derive(Clone, Debug)]
pub struct ListingInput {
    pub id: i64,
    /// The subscriber number listed.
    pub number: String,
    /// `YYYY-MM`.
    pub period: String,
    pub requested_on: Date,
    pub owner_name: String,
    pub owner_address: String,
    pub operator_name: String,
    pub records: Vec<ListingRecord>,
}

/// One usage record.
#[derive(Clone, Debug)]
pub struct ListingRecord {
    /// Local date and time, `YYYY-MM-DDTHH:MM:SS`.
    pub at: String,
    pub to_number: String,
    /// The usage class, e.g. `voice.national`.
    pub bucket: String,
    /// Seconds, messages or bytes, as the class counts.
    pub quantity: i64,
    pub roaming: Option<String>,
}

/// The listing in words, ready to lay out.
#[derive(Clone, Debug, Serialize)]
pub struct ListingView {
    /// What identifies the document: `listing 12`.
    pub reference: String,
    pub lang: String,
    pub title: String,
    /// Label and value: number, period, subscriber, requested on, records.
    pub facts: Vec<(String, String)>,
    /// The column heads: date and time, number called, type, quantity.
    pub heading: [String; 4],
    pub rows: Vec<[String; 4]>,
    pub per_page: usize,
    pub empty: String,
    pub page: String,
    pub operator_name: String,
}

/// A record's quantity as people read it: minutes and seconds, messages,
/// kilobytes.
fn quantity(lang: Lang, kind: Option<UsageKind>, amount: i64) -> String {
    match kind {
        Some(UsageKind::Voice) => format!("{}:{:02}", amount / 60, amount % 60),
        Some(UsageKind::Sms) => format_count(lang, amount),
        Some(UsageKind::Data) => format!("{} kB", format_count(lang, (amount + 1023) / 1024)),
        None => format_count(lang, amount),
    }
}

/// `2026-11-03T14:22:05` as the language writes the day, then the time.
fn moment(lang: Lang, at: &str) -> String {
    let (day, time) = at.split_once('T').unwrap_or((at, ""));
    match day.parse::<Date>() {
        Ok(date) => format!("{} {time}", format_date(lang, date))
            .trim()
            .to_owned(),
        Err(_) => at.to_owned(),
    }
}

impl ListingView {
    pub fn build(input: &ListingInput, lang: Lang) -> Result<Self, RenderError> {
        let reference = format!("listing {}", input.id);
        let words = Words {
            texts: Texts::shipped(),
            lang,
            bill: &reference,
        };
        let rows = input
            .records
            .iter()
            .map(|r| {
                let bucket = r.bucket.parse::<Bucket>().ok();
                let kind = bucket.map(|b| b.kind);
                let mut what = match bucket {
                    Some(b) => format!(
                        "{}, {}",
                        words.or_code("bill-kind", &b.kind.to_string()),
                        words.or_code("bill-destination", &b.destination.to_string())
                    ),
                    None => r.bucket.clone(),
                };
                if let Some(zone) = &r.roaming {
                    what.push_str(&format!(
                        " ({})",
                        words.with("listing-roaming", &[("zone", Arg::Text(zone.clone()))])?
                    ));
                }
                Ok([
                    moment(lang, &r.at),
                    r.to_number.clone(),
                    what,
                    quantity(lang, kind, r.quantity),
                ])
            })
            .collect::<Result<Vec<_>, RenderError>>()?;
        let records = i64::try_from(rows.len()).unwrap_or(i64::MAX);
        Ok(Self {
            lang: lang.tag().to_owned(),
            title: words.get("listing-title")?,
            facts: vec![
                (words.get("listing-number")?, input.number.clone()),
                (words.get("bill-period")?, input.period.clone()),
                (
                    words.get("listing-owner")?,
                    format!("{}, {}", input.owner_name, input.owner_address),
                ),
                (
                    words.get("listing-requested")?,
                    format_date(lang, input.requested_on),
                ),
                (words.get("listing-records")?, format_count(lang, records)),
            ],
            heading: [
                words.get("listing-at")?,
                words.get("listing-called")?,
                words.get("listing-type")?,
                words.get("listing-quantity")?,
            ],
            rows,
            per_page: RECORDS_PER_PAGE,
            empty: words.get("listing-empty")?,
            page: words.get("bill-page")?,
            operator_name: input.operator_name.clone(),
            reference: reference.clone(),
        })
    }
}

#[derive(Template)]
#[template(path = "listing.html")]
struct ListingPage<'a> {
    listing: &'a ListingView,
}

/// The listing as a standalone HTML document.
pub fn html(view: &ListingView) -> Result<String, RenderError> {
    ListingPage { listing: view }
        .render()
        .map_err(|e| RenderError::Html {
            bill: view.reference.clone(),
            reason: e.to_string(),
        })
}
