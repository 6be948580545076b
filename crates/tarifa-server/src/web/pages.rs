//! What the pages share: rendering, messages, decisions as people read them.

use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use tarifa_core::market::Market;
use tarifa_core::money::Money;
use tarifa_core::rule::{Decision, Outcome};
use tarifa_texts::Lang;

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

    /// A decision: approved or pending as `ok`, rejected as `refused`, each
    /// reason with the rule it comes from.
    pub fn decision(what: &str, decision: &Decision) -> Self {
        let (kind, verb) = match decision.outcome {
            Outcome::Approved => ("ok", "done"),
            Outcome::Pending => ("ok", "recorded, pending"),
            Outcome::Rejected => ("refused", "refused"),
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
            text: format!("{what}: {verb}"),
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
}

#[derive(Template)]
#[template(path = "login.html")]
pub struct LoginPage {
    pub csrf: String,
    pub message: Option<Message>,
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
