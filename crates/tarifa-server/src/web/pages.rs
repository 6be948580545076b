//! What the pages share: rendering, messages, decisions as people read them.

use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use tarifa_core::market::Market;
use tarifa_core::money::Money;
use tarifa_core::rule::{Decision, Outcome};
use tarifa_texts::{Arg, Lang, Texts};

/// A template as a response; a template that fails is a logged 500.
pub fn render<T: Template>(page: &T) -> Response {
    match page.render() {
        Ok(html) => Html(html).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "a page failed to render");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                "the page could not be shown; it is logged",
            )
                .into_response()
        }
    }
}

/// A line at the top of a page: what happened.
#[derive(Clone, Debug)]
pub struct Message {
    /// `ok`, `refused` or `error`: the CSS class.
    pub kind: &'static str,
    pub text: String,
    /// The rules and reasons behind a decision, one line each.
    pub reasons: Vec<String>,
}

impl Message {
    pub fn error(text: impl Into<String>) -> Self {
        Self {
            kind: "error",
            text: text.into(),
            reasons: Vec::new(),
        }
    }

    /// What could not be done, and why, in `words`' language.
    pub fn failed(words: Words, what: &str, error: impl std::fmt::Display) -> Self {
        Self::error(words.with(
            "page-failed",
            &[
                ("what", Arg::Text(what.to_owned())),
                ("error", Arg::Text(error.to_string())),
            ],
        ))
    }

    /// A decision: approved or pending as `ok`, rejected as `refused`, each
    /// reason with the rule it comes from. The headline is in `words`'
    /// language; the reasons are the rules' own texts.
    pub fn decision(words: Words, what: &str, decision: &Decision) -> Self {
        let (kind, headline) = match decision.outcome {
            Outcome::Approved => ("ok", "page-decision-done"),
            Outcome::Pending => ("ok", "page-decision-pending"),
            Outcome::Rejected => ("refused", "page-decision-refused"),
        };
        let mut reasons: Vec<String> = decision.reasons.iter().map(ToString::to_string).collect();
        if reasons.is_empty() && !decision.rules.is_empty() {
            reasons.push(
                decision
                    .rules
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(", "),
            );
        }
        Self {
            kind,
            text: words.with(headline, &[("what", Arg::Text(what.to_owned()))]),
            reasons,
        }
    }
}

/// The frame of every signed-in page.
#[derive(Clone, Debug)]
pub struct Frame {
    pub title: String,
    pub role: String,
    pub csrf: String,
    pub message: Option<Message>,
    /// The page's language.
    pub words: Words,
}

/// The texts of a page in one language (Fluent's `pages.ftl`): self-care in
/// the customer's language, the console in English.
#[derive(Clone, Copy, Debug)]
pub struct Words {
    lang: Lang,
}

impl Words {
    pub fn new(lang: Lang) -> Self {
        Self { lang }
    }

    pub fn english() -> Self {
        Self::new(Lang::En)
    }

    /// The first of the browser's languages (`Accept-Language`) that we
    /// have; English otherwise.
    pub fn of_browser(headers: &axum::http::HeaderMap) -> Self {
        let accepted = headers
            .get(axum::http::header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        // A language we lack is skipped, not taken as English.
        let lang = accepted
            .split(',')
            .filter_map(|part| part.split(';').next())
            .find_map(Lang::known)
            .unwrap_or(Lang::En);
        Self::new(lang)
    }

    /// The customer's language, or else their market's.
    pub fn of_customer(app: &tarifa_app::App, customer: &tarifa_store::CustomerRow) -> Self {
        match app.market(&customer.market) {
            Ok(market) => Self::new(tarifa_app::customers::language_of(Some(customer), market)),
            Err(_) => Self::english(),
        }
    }

    /// The BCP 47 tag, for `<html lang>`.
    pub fn tag(&self) -> &'static str {
        self.lang.tag()
    }

    pub fn lang(&self) -> Lang {
        self.lang
    }

    /// Message `id`.
    pub fn t(&self, id: &str) -> String {
        self.with(id, &[])
    }

    /// Message `id` with its arguments; a message that fails is logged and
    /// shown as its id, so the page still renders.
    pub fn with(&self, id: &str, args: &[(&str, Arg)]) -> String {
        Texts::shipped()
            .message(self.lang, id, args)
            .unwrap_or_else(|e| {
                tracing::error!(error = %e, "a page text");
                id.to_owned()
            })
    }

    /// Message `id` whose one argument is `id`: "Listing #12".
    pub fn with_id(&self, id: &str, n: &i64) -> String {
        self.with(id, &[("id", Arg::Text(n.to_string()))])
    }

    /// The label of a stored code (`page-status-pending`), else the code.
    pub fn label(&self, prefix: &str, code: &str) -> String {
        Texts::shipped().label(self.lang, prefix, code)
    }
}

#[derive(Template)]
#[template(path = "login.html")]
pub struct LoginPage {
    pub csrf: String,
    pub message: Option<Message>,
    /// The browser's language (`Accept-Language`), before anyone is known.
    pub words: Words,
}

/// An amount as the market's language writes it: 1.234,56 RSD, 12 345 HUF.
pub fn money_text(market: &Market, minor: i64) -> String {
    tarifa_texts::format_money(
        Lang::negotiate(&market.language),
        Money::from_minor(minor, market.currency),
    )
}

/// A bill as the pages list it, its amounts in the market's format.
pub struct BillLine {
    pub number: String,
    pub period: String,
    pub due_on: String,
    pub total: String,
    pub total_due: String,
}

impl BillLine {
    pub fn of(app: &tarifa_app::App, bill: tarifa_app::documents::BillSummary) -> Self {
        let (total, total_due) = match app.market(&bill.market) {
            Ok(market) => (
                money_text(market, bill.total_minor),
                money_text(market, bill.total_due_minor),
            ),
            Err(_) => (bill.total, bill.total_due),
        };
        Self {
            number: bill.number,
            period: bill.period,
            due_on: bill.due_on,
            total,
            total_due,
        }
    }
}
