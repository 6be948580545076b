//! The TM Forum `Error` body (TMF630): `code`, `reason`, `message`,
//! `status`, `@type`. Every 4xx and 5xx the server sends carries one.

use axum::body::to_bytes;
use axum::extract::Request;
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

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
}

#[derive(Serialize)]
struct ErrorBody<'a> {
    code: &'a str,
    reason: &'a str,
    message: &'a str,
    status: String,
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
        }
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
            kind: "Error",
        };
        (self.status, axum::Json(body)).into_response()
    }
}

/// Gives an `Error` body to the 4xx and 5xx that layers answer without one
/// (body too large, timeout, method not allowed).
pub(crate) async fn tmf_error_bodies(request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    let status = response.status();
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if !(status.is_client_error() || status.is_server_error()) || is_json {
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
