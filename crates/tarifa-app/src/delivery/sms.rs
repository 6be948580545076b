//! SMS through an HTTP gateway: one JSON POST per message.

use std::time::Duration;

use super::{Channel, Outgoing, SendError, SendFuture};

/// A gateway that takes `{"to", "text", "reference"}` as JSON at one URL,
/// with an optional bearer token. 2xx is accepted; 408, 429 and 5xx are
/// worth retrying; any other status is a refusal.
#[derive(Clone)]
pub struct SmsGateway {
    url: String,
    token: Option<String>,
    agent: ureq::Agent,
}

impl SmsGateway {
    pub fn new(url: &str, token: Option<String>) -> Self {
        let agent = ureq::Agent::config_builder()
            .timeout_global(Some(Duration::from_secs(30)))
            .http_status_as_error(false)
            .build()
            .new_agent();
        Self {
            url: url.to_owned(),
            token,
            agent,
        }
    }

    fn post(&self, notice: &Outgoing) -> Result<String, SendError> {
        // The subject leads: an SMS has no separate subject line.
        let body = serde_json::json!({
            "to": notice.to.trim(),
            "text": format!("{}\n{}", notice.subject, notice.text),
            "reference": notice.reference(),
        });
        let mut request = self
            .agent
            .post(&self.url)
            .header("Idempotency-Key", &notice.reference());
        if let Some(token) = &self.token {
            request = request.header("Authorization", &format!("Bearer {token}"));
        }
        let response = request
            .send_json(&body)
            .map_err(|e| SendError::Temporary(format!("the gateway {}: {e}", self.url)))?;
        let status = response.status().as_u16();
        match status {
            200..=299 => Ok(format!("sms:{}", notice.to.trim())),
            408 | 429 | 500..=599 => Err(SendError::Temporary(format!(
                "the gateway answered {status}"
            ))),
            _ => Err(SendError::Permanent(format!(
                "the gateway refused it with {status}"
            ))),
        }
    }
}

impl Channel for SmsGateway {
    fn send<'a>(&'a self, notice: &'a Outgoing) -> SendFuture<'a> {
        Box::pin(async move {
            // ureq blocks: keep it off the async workers.
            let gateway = self.clone();
            let notice = notice.clone();
            tokio::task::spawn_blocking(move || gateway.post(&notice))
                .await
                .map_err(|e| SendError::Temporary(format!("the sending task: {e}")))?
        })
    }
}
