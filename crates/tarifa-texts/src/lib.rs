//! What tarifa says to people, in the markets' languages.
//!
//! Messages live in Fluent files under `locales/`, compiled in, one folder
//! per language; dates, numbers and money are formatted per locale here
//! rather than by Fluent, so that 1.234,56 RSD and 2026.02.15. come out the
//! way each market writes them.

use std::sync::OnceLock;

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use jiff::civil::Date;
use tarifa_core::money::{Currency, Money};
use tarifa_core::phrase::{Phrase, PhraseArg};
use unic_langid::LanguageIdentifier;

/// A language tarifa speaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Lang {
    En,
    /// Serbian in the Latin script (ekavian), for Serbia.
    SrLatn,
    /// Montenegrin (ijekavian, Latin script).
    SrLatnMe,
    Hu,
}

impl Lang {
    pub const ALL: [Lang; 4] = [Lang::En, Lang::SrLatn, Lang::SrLatnMe, Lang::Hu];

    /// The BCP 47 tag.
    pub fn tag(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::SrLatn => "sr-Latn",
            Lang::SrLatnMe => "sr-Latn-ME",
            Lang::Hu => "hu",
        }
    }

    /// The language for a tag a customer or market gives (sr, sr-Latn-RS,
    /// me, cnr, hu-HU, en-GB, …); English when none of ours matches.
    pub fn negotiate(tag: &str) -> Lang {
        let tag = tag.trim().to_ascii_lowercase().replace('_', "-");
        let mut parts = tag.split('-');
        let language = parts.next().unwrap_or("");
        let rest: Vec<&str> = parts.collect();
        match language {
            "me" | "cnr" => Lang::SrLatnMe,
            "sr" | "sh" if rest.contains(&"me") => Lang::SrLatnMe,
            "sr" | "sh" => Lang::SrLatn,
            "hu" => Lang::Hu,
            _ => Lang::En,
        }
    }

    /// The language for a tag only when it is one of ours: `negotiate`
    /// answers English for anything else, this answers none.
    pub fn known(tag: &str) -> Option<Lang> {
        let lang = Lang::negotiate(tag);
        let english = tag.trim().to_ascii_lowercase().starts_with("en");
        (lang != Lang::En || english).then_some(lang)
    }

    /// The language's Fluent files: notices, the bill document, the pages,
    /// the console.
    fn sources(self) -> [&'static str; 4] {
        match self {
            Lang::En => [
                include_str!("../locales/en/notices.ftl"),
                include_str!("../locales/en/bill.ftl"),
                include_str!("../locales/en/pages.ftl"),
                include_str!("../locales/en/console.ftl"),
            ],
            Lang::SrLatn => [
                include_str!("../locales/sr-Latn/notices.ftl"),
                include_str!("../locales/sr-Latn/bill.ftl"),
                include_str!("../locales/sr-Latn/pages.ftl"),
                include_str!("../locales/sr-Latn/console.ftl"),
            ],
            Lang::SrLatnMe => [
                include_str!("../locales/sr-Latn-ME/notices.ftl"),
                include_str!("../locales/sr-Latn-ME/bill.ftl"),
                include_str!("../locales/sr-Latn-ME/pages.ftl"),
                include_str!("../locales/sr-Latn-ME/console.ftl"),
            ],
            Lang::Hu => [
                include_str!("../locales/hu/notices.ftl"),
                include_str!("../locales/hu/bill.ftl"),
                include_str!("../locales/hu/pages.ftl"),
                include_str!("../locales/hu/console.ftl"),
            ],
        }
    }

    /// Decimal mark and thousands separator.
    fn separators(self) -> (char, char) {
        match self {
            Lang::En => ('.', ','),
            Lang::SrLatn | Lang::SrLatnMe => (',', '.'),
            // A no-break space, as Hungarian writes thousands.
            Lang::Hu => (',', '\u{a0}'),
        }
    }
}

/// A value put into a message, formatted for the message's language.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Arg {
    Text(String),
    Date(Date),
    Money(Money),
    Count(i64),
}

impl From<&str> for Arg {
    fn from(text: &str) -> Self {
        Arg::Text(text.to_owned())
    }
}

impl From<String> for Arg {
    fn from(text: String) -> Self {
        Arg::Text(text)
    }
}

impl From<Date> for Arg {
    fn from(date: Date) -> Self {
        Arg::Date(date)
    }
}

impl From<Money> for Arg {
    fn from(money: Money) -> Self {
        Arg::Money(money)
    }
}

impl From<i64> for Arg {
    fn from(count: i64) -> Self {
        Arg::Count(count)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TextError {
    #[error("no message {id} in any language")]
    Missing { id: String },
    #[error("message {id} ({lang}): {reason}")]
    Format {
        id: String,
        lang: &'static str,
        reason: String,
    },
}

/// The compiled messages of every language.
pub struct Texts {
    bundles: Vec<(Lang, FluentBundle<FluentResource>)>,
}

impl Texts {
    /// The messages shipped with tarifa, parsed once.
    pub fn shipped() -> &'static Texts {
        static TEXTS: OnceLock<Texts> = OnceLock::new();
        TEXTS.get_or_init(|| {
            Texts::parse().unwrap_or_else(|e| panic!("the shipped Fluent files are invalid: {e}"))
        })
    }

    fn parse() -> Result<Texts, String> {
        let mut bundles = Vec::new();
        for lang in Lang::ALL {
            let id: LanguageIdentifier = lang
                .tag()
                .parse()
                .map_err(|e| format!("{}: {e:?}", lang.tag()))?;
            let mut bundle = FluentBundle::new_concurrent(vec![id]);
            // Plain text goes into e-mails, SMS and print: no bidi isolation marks.
            bundle.set_use_isolating(false);
            for source in lang.sources() {
                let resource = FluentResource::try_new(source.to_owned())
                    .map_err(|(_, errors)| format!("{}: {errors:?}", lang.tag()))?;
                bundle
                    .add_resource(resource)
                    .map_err(|errors| format!("{}: {errors:?}", lang.tag()))?;
            }
            bundles.push((lang, bundle));
        }
        Ok(Texts { bundles })
    }

    fn bundle(&self, lang: Lang) -> &FluentBundle<FluentResource> {
        &self
            .bundles
            .iter()
            .find(|(l, _)| *l == lang)
            .unwrap_or(&self.bundles[0])
            .1
    }

    /// Message `id` in `lang` (English when the language lacks it), with
    /// `args` formatted for that language.
    pub fn message(&self, lang: Lang, id: &str, args: &[(&str, Arg)]) -> Result<String, TextError> {
        let (lang, bundle) = [lang, Lang::En]
            .into_iter()
            .map(|l| (l, self.bundle(l)))
            .find(|(_, b)| b.has_message(id))
            .ok_or_else(|| TextError::Missing { id: id.to_owned() })?;
        let pattern = bundle
            .get_message(id)
            .and_then(|m| m.value())
            .ok_or_else(|| TextError::Missing { id: id.to_owned() })?;
        let mut fluent_args = FluentArgs::new();
        for (name, value) in args {
            let value = match value {
                Arg::Text(text) => FluentValue::from(text.clone()),
                Arg::Date(date) => FluentValue::from(format_date(lang, *date)),
                Arg::Money(money) => FluentValue::from(format_money(lang, *money)),
                // Numbers as strings too: Fluent's own formatting knows no locale.
                Arg::Count(count) => FluentValue::from(format_count(lang, *count)),
            };
            fluent_args.set(*name, value);
        }
        let mut errors = Vec::new();
        let text = bundle
            .format_pattern(pattern, Some(&fluent_args), &mut errors)
            .into_owned();
        if let Some(error) = errors.first() {
            return Err(TextError::Format {
                id: id.to_owned(),
                lang: lang.tag(),
                reason: format!("{error:?}"),
            });
        }
        // A date written with its closing period (15.06.2026.) that ends a
        // sentence takes no second one.
        let mut text = text.replace(".. ", ". ");
        if text.ends_with("..") {
            text.pop();
        }
        Ok(text)
    }

    /// The label of a code (`prefix-code`, e.g. `page-status-pending`) in
    /// `lang`; the code itself when there is no label for it.
    pub fn label(&self, lang: Lang, prefix: &str, code: &str) -> String {
        self.message(lang, &format!("{prefix}-{code}"), &[])
            .unwrap_or_else(|_| code.to_owned())
    }

    /// A stored phrase (a bill line's text) in `lang`; its amounts are in
    /// `currency`.
    pub fn phrase(
        &self,
        lang: Lang,
        phrase: &Phrase,
        currency: Currency,
    ) -> Result<String, TextError> {
        let args: Vec<(&str, Arg)> = phrase
            .args
            .iter()
            .map(|(name, value)| {
                let arg = match value {
                    PhraseArg::Text(text) => Arg::Text(text.clone()),
                    PhraseArg::Date(date) => Arg::Date(*date),
                    PhraseArg::Count(count) => Arg::Count(*count),
                    PhraseArg::Amount(minor) => Arg::Money(Money::from_minor(*minor, currency)),
                    PhraseArg::Label { prefix, code } => Arg::Text(self.label(lang, prefix, code)),
                };
                (name.as_str(), arg)
            })
            .collect();
        self.message(lang, &phrase.id, &args)
    }

    /// The message ids of one language, to check that every language has them all.
    pub fn ids(lang: Lang) -> Vec<String> {
        lang.sources()
            .iter()
            .flat_map(|source| source.lines())
            .filter(|l| l.starts_with(|c: char| c.is_ascii_lowercase()))
            .filter_map(|l| l.split_once('=').map(|(id, _)| id.trim().to_owned()))
            .collect()
    }
}

/// A date the way the language writes it: 15 February 2026, 15.02.2026.,
/// 2026. 02. 15.
pub fn format_date(lang: Lang, date: Date) -> String {
    match lang {
        Lang::En => {
            const MONTHS: [&str; 12] = [
                "January",
                "February",
                "March",
                "April",
                "May",
                "June",
                "July",
                "August",
                "September",
                "October",
                "November",
                "December",
            ];
            let month = MONTHS[usize::try_from(date.month() - 1).unwrap_or(0)];
            format!("{} {month} {}", date.day(), date.year())
        }
        Lang::SrLatn | Lang::SrLatnMe => {
            format!("{:02}.{:02}.{}.", date.day(), date.month(), date.year())
        }
        Lang::Hu => format!("{}. {:02}. {:02}.", date.year(), date.month(), date.day()),
    }
}

fn group(lang: Lang, digits: &str) -> String {
    let (_, thousands) = lang.separators();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(thousands);
        }
        out.push(c);
    }
    out
}

/// A whole number with the language's thousands separator.
pub fn format_count(lang: Lang, count: i64) -> String {
    let sign = if count < 0 { "-" } else { "" };
    format!("{sign}{}", group(lang, &count.unsigned_abs().to_string()))
}

/// An amount with its currency: 1,234.56 EUR, 1.234,56 RSD, 12 345 HUF.
pub fn format_money(lang: Lang, money: Money) -> String {
    let currency = money.currency();
    let decimals = u32::from(currency.minor_unit());
    let minor = money.minor().unsigned_abs();
    let scale = 10u64.pow(decimals);
    let sign = if money.is_negative() { "-" } else { "" };
    let whole = group(lang, &(minor / scale).to_string());
    let (mark, _) = lang.separators();
    if decimals == 0 {
        format!("{sign}{whole} {}", currency.code())
    } else {
        let width = usize::try_from(decimals).unwrap_or(2);
        format!(
            "{sign}{whole}{mark}{:0width$} {}",
            minor % scale,
            currency.code()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tarifa_core::money::Currency;

    /// Every `line-…` message the core and the app name exists (in English,
    /// and so, by the test below, in every language).
    #[test]
    fn every_bill_line_phrase_has_a_message() {
        let english = Texts::ids(Lang::En);
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let mut named = 0;
        for dir in ["tarifa-core/src", "tarifa-app/src"] {
            for entry in std::fs::read_dir(root.join(dir)).expect("sources") {
                let path = entry.expect("entry").path();
                if path.extension().is_none_or(|e| e != "rs") {
                    continue;
                }
                let source = std::fs::read_to_string(&path).expect("source");
                for piece in source.split("\"line-").skip(1) {
                    let id = format!("line-{}", &piece[..piece.find('"').expect("closing quote")]);
                    assert!(
                        english.contains(&id),
                        "{}: {id} has no message",
                        path.display()
                    );
                    named += 1;
                }
            }
        }
        assert!(named >= 20, "the lines name their phrases ({named})");
    }

    #[test]
    fn a_phrase_is_written_in_the_bill_language() {
        let rsd = Currency::new("RSD", 2).expect("currency");
        let phrase = Phrase::new("line-monthly-fee-part")
            .text("package", "Mobile 1590")
            .text("number", "+381640000002")
            .date("from", jiff::civil::date(2026, 11, 10))
            .date("to", jiff::civil::date(2026, 11, 30))
            .count("days", 21)
            .count("month_days", 30);
        let texts = Texts::shipped();
        assert_eq!(
            texts.phrase(Lang::SrLatn, &phrase, rsd).expect("sr"),
            "Mesečna pretplata Mobile 1590, +381640000002, 10.11.2026. – 30.11.2026. (21/30 dana)"
        );
        let usage = Phrase::new("line-usage")
            .label("kind", "bill-kind", "voice")
            .label("destination", "bill-destination", "nowhere-known")
            .text("number", "+36201234567");
        assert_eq!(
            texts.phrase(Lang::Hu, &usage, rsd).expect("hu"),
            format!(
                "{}, nowhere-known, +36201234567",
                texts.label(Lang::Hu, "bill-kind", "voice")
            ),
            "a code without a label shows as itself"
        );
    }

    #[test]
    fn every_language_has_every_message() {
        let english = Texts::ids(Lang::En);
        assert!(english.len() > 10);
        for lang in Lang::ALL {
            let ids = Texts::ids(lang);
            for id in &english {
                assert!(ids.contains(id), "{} lacks {id}", lang.tag());
            }
            for id in &ids {
                assert!(
                    english.contains(id),
                    "{} has {id}, English does not",
                    lang.tag()
                );
            }
        }
        // And they all parse.
        let _ = Texts::shipped();
    }

    #[test]
    fn tags_negotiate() {
        assert_eq!(Lang::negotiate("sr-Latn"), Lang::SrLatn);
        assert_eq!(Lang::negotiate("sr_Latn_RS"), Lang::SrLatn);
        assert_eq!(Lang::negotiate("sr-Latn-ME"), Lang::SrLatnMe);
        assert_eq!(Lang::negotiate("me"), Lang::SrLatnMe);
        assert_eq!(Lang::negotiate("hu-HU"), Lang::Hu);
        assert_eq!(Lang::negotiate("de"), Lang::En);
        assert_eq!(Lang::known("de"), None);
        assert_eq!(Lang::known("en-GB"), Some(Lang::En));
        assert_eq!(Lang::known("hu-HU"), Some(Lang::Hu));
    }

    #[test]
    fn money_dates_and_counts_per_locale() {
        let rsd = Currency::new("RSD", 2).expect("currency");
        let huf = Currency::new("HUF", 0).expect("currency");
        let amount = Money::from_minor(123_456, rsd);
        assert_eq!(format_money(Lang::SrLatn, amount), "1.234,56 RSD");
        assert_eq!(format_money(Lang::En, amount), "1,234.56 RSD");
        assert_eq!(
            format_money(Lang::En, -Money::from_minor(5, rsd)),
            "-0.05 RSD"
        );
        assert_eq!(
            format_money(Lang::Hu, Money::from_minor(1_234_567, huf)),
            "1\u{a0}234\u{a0}567 HUF"
        );
        let day: Date = "2026-02-05".parse().expect("date");
        assert_eq!(format_date(Lang::SrLatnMe, day), "05.02.2026.");
        assert_eq!(format_date(Lang::Hu, day), "2026. 02. 05.");
        assert_eq!(format_date(Lang::En, day), "5 February 2026");
        assert_eq!(format_count(Lang::SrLatn, 1_000_000), "1.000.000");
    }

    #[test]
    fn a_message_in_each_language() {
        let texts = Texts::shipped();
        let args = [("number", Arg::from("+38220100200"))];
        let en = texts.message(Lang::En, "reconnection", &args).expect("en");
        let me = texts
            .message(Lang::SrLatnMe, "reconnection", &args)
            .expect("me");
        assert!(en.contains("+38220100200") && me.contains("+38220100200"));
        assert_ne!(en, me);
        assert!(matches!(
            texts.message(Lang::Hu, "no-such-message", &[]),
            Err(TextError::Missing { .. })
        ));
    }

    #[test]
    fn a_date_at_the_end_of_a_sentence_has_one_period() {
        let texts = Texts::shipped();
        let day: Date = "2026-06-15".parse().expect("date");
        let args = [
            ("number", Arg::from("+38220100200")),
            ("new_number", Arg::from("+38220100300")),
            ("effective", Arg::from(day)),
        ];
        let text = texts
            .message(Lang::SrLatnMe, "number-change", &args)
            .expect("me");
        assert!(
            text.ends_with("15.06.2026.") && !text.contains(".."),
            "{text}"
        );
    }

    #[test]
    fn a_missing_argument_is_an_error_not_a_silent_gap() {
        let texts = Texts::shipped();
        assert!(matches!(
            texts.message(Lang::En, "reconnection", &[]),
            Err(TextError::Format { .. })
        ));
    }
}
