//! NAV Online Számla over HTTP: one POST of XML per operation, to
//! `{endpoint}/tokenExchange`, `/manageInvoice`, `/queryTransactionStatus`
//! and `/queryTransactionList`.

use std::path::Path;
use std::time::Duration;

use tarifa_einvoice::nav_api::{self, Credentials, Element, Refusal};

/// What came of a request.
#[derive(Debug)]
pub enum Reply {
    /// The authority answered `OK`.
    Answer(Element),
    /// The authority answered with a refusal.
    Refused(Refusal),
}

/// Why no answer came.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NoAnswer {
    /// The request may or may not have arrived: the connection failed, the
    /// answer did not come in time, or it was not NAV's XML.
    #[error("{0}")]
    Unknown(String),
}

/// The technical user, from the environment or a file; never from the
/// command line, never logged.
pub fn credentials_from_env(tax_number: &str) -> Result<Credentials, String> {
    let get = |name: &str| {
        std::env::var(name)
            .ok()
            .filter(|v| !v.is_empty())
            .ok_or_else(|| format!("{name} is not set"))
    };
    Ok(Credentials {
        login: get("TARIFA_NAV_LOGIN")?,
        password: get("TARIFA_NAV_PASSWORD")?,
        signature_key: get("TARIFA_NAV_SIGNATURE_KEY")?,
        exchange_key: get("TARIFA_NAV_EXCHANGE_KEY")?,
        tax_number: taxpayer_id(tax_number),
    })
}

/// The technical user from a TOML file of `login`, `password`,
/// `signature_key` and `exchange_key`.
pub fn credentials_from_file(path: &Path, tax_number: &str) -> Result<Credentials, String> {
    #[derive(serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    struct File {
        login: String,
        password: String,
        signature_key: String,
        exchange_key: String,
    }
    let text =
        std::fs::read_to_string(path).map_err(|e| format!("reading {}: {e}", path.display()))?;
    // The error names the line and field, never echoes a value.
    let file: File = toml::from_str(&text).map_err(|e| {
        format!(
            "{}: {}",
            path.display(),
            e.message()
                .lines()
                .next()
                .unwrap_or("not the credentials file")
        )
    })?;
    Ok(Credentials {
        login: file.login,
        password: file.password,
        signature_key: file.signature_key,
        exchange_key: file.exchange_key,
        tax_number: taxpayer_id(tax_number),
    })
}

/// The 8-digit taxpayer id of `12345676-2-41`.
fn taxpayer_id(tax_number: &str) -> String {
    tax_number
        .chars()
        .filter(char::is_ascii_digit)
        .take(8)
        .collect()
}

/// A connection to one NAV endpoint.
#[derive(Clone, Debug)]
pub struct NavClient {
    endpoint: String,
    pub(crate) credentials: Credentials,
    agent: ureq::Agent,
}

impl NavClient {
    /// `endpoint` is the service's base, e.g.
    /// `https://api-test.onlineszamla.nav.gov.hu/invoiceService/v3`.
    pub fn new(endpoint: &str, credentials: Credentials, timeout: Duration) -> Self {
        let agent = ureq::Agent::config_builder()
            .timeout_global(Some(timeout))
            .http_status_as_error(false)
            .build()
            .new_agent();
        Self {
            endpoint: endpoint.trim_end_matches('/').to_owned(),
            credentials,
            agent,
        }
    }

    /// POSTs `xml` to `operation` and reads the answer.
    pub async fn call(&self, operation: &'static str, xml: String) -> Result<Reply, NoAnswer> {
        let client = self.clone();
        // ureq blocks: keep it off the async workers.
        tokio::task::spawn_blocking(move || client.post(operation, &xml))
            .await
            .map_err(|e| NoAnswer::Unknown(format!("the sending task: {e}")))?
    }

    fn post(&self, operation: &str, xml: &str) -> Result<Reply, NoAnswer> {
        let url = format!("{}/{operation}", self.endpoint);
        let mut response = self
            .agent
            .post(&url)
            .header("Content-Type", "application/xml")
            .header("Accept", "application/xml")
            .send(xml)
            .map_err(|e| NoAnswer::Unknown(format!("{operation}: {e}")))?;
        let status = response.status().as_u16();
        let body = response
            .body_mut()
            .read_to_string()
            .map_err(|e| NoAnswer::Unknown(format!("{operation}: reading the answer: {e}")))?;
        match nav_api::answer(&body) {
            Ok(Ok(root)) => Ok(Reply::Answer(root)),
            Ok(Err(refusal)) => Ok(Reply::Refused(refusal)),
            Err(e) => Err(NoAnswer::Unknown(format!(
                "{operation}: HTTP {status}, {e}"
            ))),
        }
    }
}
