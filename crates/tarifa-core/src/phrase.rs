//! A bill line's text as a message and its arguments, kept beside the
//! English description so that a bill document can write the line in the
//! bill's language. The messages live in the Fluent files (`line-*`); the
//! core only names them.

use std::collections::BTreeMap;

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::money::Money;
use crate::usage::Bucket;

/// One argument of a phrase, typed so that each language formats it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PhraseArg {
    /// Shown as it is: a package's name, a number, a device.
    Text(String),
    /// A day, written the way the language writes days.
    Date(Date),
    /// A whole number with the language's grouping.
    Count(i64),
    /// An amount in minor units of the bill's currency, as the language
    /// writes amounts.
    Amount(i64),
    /// The label of a code: the message `{prefix}-{code}` (e.g.
    /// `bill-kind-voice`), or the code itself when there is none.
    Label { prefix: String, code: String },
}

/// A message id and its named arguments.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Phrase {
    pub id: String,
    #[serde(default)]
    pub args: BTreeMap<String, PhraseArg>,
}

impl Phrase {
    pub fn new(id: &str) -> Self {
        Self {
            id: id.to_owned(),
            args: BTreeMap::new(),
        }
    }

    fn arg(mut self, name: &str, value: PhraseArg) -> Self {
        self.args.insert(name.to_owned(), value);
        self
    }

    pub fn text(self, name: &str, value: impl Into<String>) -> Self {
        self.arg(name, PhraseArg::Text(value.into()))
    }

    pub fn date(self, name: &str, value: Date) -> Self {
        self.arg(name, PhraseArg::Date(value))
    }

    pub fn count(self, name: &str, value: impl Into<i64>) -> Self {
        self.arg(name, PhraseArg::Count(value.into()))
    }

    pub fn amount(self, name: &str, value: Money) -> Self {
        self.arg(name, PhraseArg::Amount(value.minor()))
    }

    /// A usage class as two labels: `kind` (calls, messages, data) and
    /// `destination`.
    pub fn bucket(self, bucket: Bucket) -> Self {
        self.label("kind", "bill-kind", bucket.kind.to_string())
            .label(
                "destination",
                "bill-destination",
                bucket.destination.to_string(),
            )
    }

    pub fn label(self, name: &str, prefix: &str, code: impl Into<String>) -> Self {
        self.arg(
            name,
            PhraseArg::Label {
                prefix: prefix.to_owned(),
                code: code.into(),
            },
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::money::Currency;

    fn rsd() -> Currency {
        Currency::new("RSD", 2).expect("valid")
    }

    #[test]
    fn a_phrase_survives_its_stored_form() {
        let phrase = Phrase::new("line-instalment")
            .text("device", "Samsung Galaxy A56")
            .count("number", 2)
            .count("of", 24)
            .date("on", jiff::civil::date(2026, 11, 1))
            .amount("fee", Money::from_minor(99_000, rsd()))
            .label("kind", "bill-kind", "voice");
        let stored = serde_json::to_string(&phrase).expect("json");
        assert_eq!(
            serde_json::from_str::<Phrase>(&stored).expect("read back"),
            phrase
        );
    }
}
