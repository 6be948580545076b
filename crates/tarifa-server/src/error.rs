//! The TM Forum `Error` body (TMF630): `code`, `reason`, `message`,
//! `status`, `@type`. Every 4xx and 5xx the server sends carries one.

use axum::body::to_bytes;
use axum::extract::Request;
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use tarifa_app::AppError;
use tarifa_core::rule::Decision;
use tarifa_store::StoreError;

/// An error as the API answers it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("{status} {reason}: {message}")]
pub struct ApiError {
    #[serde(skip)]
    pub status: StatusCode,
    /// An application code (the HTTP status unless more precise).
    pub code: String,
    pub reason: String,
    pub message: String,
    /// The rules behind a refusal, so a caller can show them.
    pub rules: Vec<String>,
}

/// The TMF630 `Error` body.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = Error)]
pub(crate) struct ErrorBody<'a> {
    /// The HTTP status, or `refused` when the rules refused a command.
    code: &'a str,
    /// The status's reason phrase (`Not Found`, `Refused`, …).
    reason: &'a str,
    /// What went wrong: the field and why, or the decision's reasons.
    message: &'a str,
    /// The HTTP status code.
    status: String,
    /// The rules behind a refusal.
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    rules: &'a [String],
    #[serde(rename = "@type")]
    kind: &'static str,
}

impl ApiError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self {
            status,
            code: status.as_u16().to_string(),
            reason: status.canonical_reason().unwrap_or("Error").to_owned(),
            message: message.into(),
            rules: Vec::new(),
        }
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, message)
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, message)
    }

    /// A command the rules refused: 422 with every reason and rule.
    pub fn refused(decision: &Decision) -> Self {
        let mut error = Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            decision.reason_texts().join("; "),
        );
        error.reason = "Refused".to_owned();
        error.code = "refused".to_owned();
        error.rules = decision.rules.iter().map(ToString::to_string).collect();
        error
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, message)
    }

    pub fn unavailable(message: impl Into<String>) -> Self {
        Self::new(StatusCode::SERVICE_UNAVAILABLE, message)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            code: &self.code,
            reason: &self.reason,
            message: &self.message,
            status: self.status.as_u16().to_string(),
            rules: &self.rules,
            kind: "Error",
        };
        (self.status, axum::Json(body)).into_response()
    }
}

impl From<AppError> for ApiError {
    fn from(error: AppError) -> Self {
        match &error {
            AppError::NotFound { .. } => Self::not_found(error.to_string()),
            AppError::Invalid { .. } | AppError::UnknownMarket(..) => {
                Self::bad_request(error.to_string())
            }
            AppError::Conflict(_) => Self::new(StatusCode::CONFLICT, error.to_string()),
            AppError::Store(_) | AppError::Text(_) | AppError::Render(_) => {
                tracing::error!(%error, "a request failed");
                Self::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "the request could not be completed; it is logged",
                )
            }
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> Self {
        AppError::from(error).into()
    }
}

/// Gives an `Error` body to the 4xx and 5xx that layers answer without one
/// (body too large, timeout, method not allowed). A page's answer (HTML, a
/// refused form) stays the page it is.
pub(crate) async fn tmf_error_bodies(request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    let status = response.status();
    let kind = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let answered = kind.starts_with("application/json") || kind.starts_with("text/html");
    if !(status.is_client_error() || status.is_server_error()) || answered {
        return response;
    }
    let (parts, body) = response.into_parts();
    let text = to_bytes(body, 64 * 1024).await.unwrap_or_default();
    let message = match std::str::from_utf8(&text).map(str::trim) {
        Ok(t) if !t.is_empty() => t.to_owned(),
        _ => parts
            .status
            .canonical_reason()
            .unwrap_or("error")
            .to_owned(),
    };
    let mut answered = ApiError::new(parts.status, message).into_response();
    for (name, value) in &parts.headers {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            answered.headers_mut().insert(name, value.clone());
        }
    }
    answered
}
