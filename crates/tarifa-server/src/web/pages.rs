//! What the pages share: rendering, messages, decisions as people read them.

use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use tarifa_core::rule::{Decision, Outcome};

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
