//! What the black-box tests share: the real server on a random port and
//! plain HTTP calls on a blocking thread.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::sync::Arc;

use serde_json::json;
use std::time::Duration;

pub struct Running {
    pub base: String,
    pub app: Arc<tarifa_app::App>,
    pub stop: tokio::sync::oneshot::Sender<()>,
    pub done: tokio::task::JoinHandle<std::io::Result<()>>,
}

pub async fn start(url: &str) -> Running {
    start_with(
        url,
        tarifa_server::Options {
            request_timeout: Duration::from_secs(5),
            // The tests' listeners run on this machine.
            hub_allow: vec!["127.0.0.1".to_owned()],
            ..tarifa_server::Options::default()
        },
    )
    .await
}

/// The server with `options` of the test's own.
pub async fn start_with(url: &str, options: tarifa_server::Options) -> Running {
    start_on(url, options, Arc::new(tarifa_app::SystemClock)).await
}

/// The server on a clock of the test's own (the scheduler passes when
/// `options.scheduler_every` says).
pub async fn start_on(
    url: &str,
    options: tarifa_server::Options,
    clock: Arc<dyn tarifa_core::time::Clock>,
) -> Running {
    let store = tarifa_store::Store::open(url).await.expect("store");
    let markets = tarifa_app::presets::embedded().expect("presets");
    let app = Arc::new(
        tarifa_app::App::new(store, markets, clock)
            .await
            .expect("app"),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a free port");
    let base = format!("http://{}", listener.local_addr().expect("address"));
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let done = tokio::spawn(tarifa_server::serve(
        app.clone(),
        listener,
        options,
        async move {
            let _ = stopped.await;
        },
    ));
    Running {
        base,
        app,
        stop,
        done,
    }
}

/// A GET on a blocking thread: status, headers we look at, body.
pub async fn get(url: String) -> (u16, Option<String>, Option<String>, String) {
    get_with(url, None).await
}

pub async fn get_with(
    url: String,
    token: Option<String>,
) -> (u16, Option<String>, Option<String>, String) {
    tokio::task::spawn_blocking(move || {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .build()
            .into();
        let mut request = agent.get(&url).header("x-request-id", "test-42");
        if let Some(token) = token {
            request = request.header("authorization", format!("Bearer {token}"));
        }
        let mut response = request.call().expect("the server answers");
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        let id = header("x-request-id");
        let kind = header("content-type");
        let status = response.status().as_u16();
        let body = response.body_mut().read_to_string().expect("a body");
        (status, id, kind, body)
    })
    .await
    .expect("the request ran")
}

/// An answer: status, headers (lower-case names) and the body as JSON (or
/// `Null` when it is not JSON).
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub headers: std::collections::BTreeMap<String, String>,
    pub json: serde_json::Value,
    pub text: String,
}

/// Any call: `body` is sent as-is with `content_type`.
pub async fn call(
    method: &'static str,
    url: String,
    token: Option<&str>,
    body: Option<(&'static str, String)>,
) -> Answer {
    let token = token.map(str::to_owned);
    tokio::task::spawn_blocking(move || {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .allow_non_standard_methods(true)
            .build()
            .into();
        let mut request = ureq::http::Request::builder().method(method).uri(&url);
        if let Some(token) = &token {
            request = request.header("authorization", format!("Bearer {token}"));
        }
        let result = match body {
            Some((kind, text)) => agent.run(
                request
                    .header("content-type", kind)
                    .body(text)
                    .expect("a request"),
            ),
            None => agent.run(request.body(()).expect("a request")),
        };
        let mut response = result.expect("the server answers");
        let headers = response
            .headers()
            .iter()
            .map(|(k, v)| (k.as_str().to_owned(), v.to_str().unwrap_or("").to_owned()))
            .collect();
        let status = response.status().as_u16();
        let text = response.body_mut().read_to_string().unwrap_or_default();
        let json = serde_json::from_str(&text).unwrap_or(serde_json::Value::Null);
        Answer {
            status,
            headers,
            json,
            text,
        }
    })
    .await
    .expect("the request ran")
}

pub async fn get_json(url: String, token: &str) -> Answer {
    call("GET", url, Some(token), None).await
}

pub async fn send_json(
    method: &'static str,
    url: String,
    token: &str,
    body: serde_json::Value,
) -> Answer {
    let kind = if method == "PATCH" {
        "application/merge-patch+json"
    } else {
        "application/json"
    };
    call(method, url, Some(token), Some((kind, body.to_string()))).await
}

/// A cookie jar and no automatic redirects, so every answer is seen.
pub struct Browser {
    pub base: String,
    pub cookies: BTreeMap<String, String>,
    /// The browser's `Accept-Language`, if it sends one.
    pub language: Option<&'static str>,
}

pub struct Page {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Page {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The value of the hidden CSRF field of the page's first form.
    pub fn csrf(&self) -> String {
        let text = self.text();
        let at = text
            .find("name=\"csrf\" value=\"")
            .expect("a form with a CSRF field");
        let rest = &text[at + 19..];
        rest[..rest.find('"').expect("closing quote")].to_owned()
    }
}

impl Browser {
    pub fn new(base: &str) -> Self {
        Self {
            base: base.to_owned(),
            cookies: BTreeMap::new(),
            language: None,
        }
    }

    pub async fn request(
        &mut self,
        method: &'static str,
        path: &str,
        form: Option<&[(&str, &str)]>,
    ) -> Page {
        let url = format!("{}{path}", self.base);
        let cookie = self
            .cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ");
        let body = form.map(|fields| {
            fields
                .iter()
                .map(|(k, v)| format!("{k}={}", urlencode(v)))
                .collect::<Vec<_>>()
                .join("&")
        });
        let language = self.language;
        let page = tokio::task::spawn_blocking(move || {
            let agent: ureq::Agent = ureq::Agent::config_builder()
                .http_status_as_error(false)
                .max_redirects(0)
                .build()
                .into();
            let mut request = ureq::http::Request::builder().method(method).uri(&url);
            if !cookie.is_empty() {
                request = request.header("cookie", cookie);
            }
            if let Some(language) = language {
                request = request.header("accept-language", language);
            }
            let result = match body {
                Some(body) => agent.run(
                    request
                        .header("content-type", "application/x-www-form-urlencoded")
                        .body(body)
                        .expect("a request"),
                ),
                None => agent.run(request.body(()).expect("a request")),
            };
            let mut response = result.expect("the server answers");
            let headers = response
                .headers()
                .iter()
                .map(|(k, v)| (k.as_str().to_owned(), v.to_str().unwrap_or("").to_owned()))
                .collect();
            let status = response.status().as_u16();
            let body = response.body_mut().read_to_vec().unwrap_or_default();
            Page {
                status,
                headers,
                body,
            }
        })
        .await
        .expect("the request ran");
        for (name, value) in &page.headers {
            if name == "set-cookie" {
                let pair = value.split(';').next().unwrap_or("");
                if let Some((k, v)) = pair.split_once('=') {
                    if v.is_empty() {
                        self.cookies.remove(k);
                    } else {
                        self.cookies.insert(k.to_owned(), v.to_owned());
                    }
                }
            }
        }
        page
    }

    pub async fn get(&mut self, path: &str) -> Page {
        self.request("GET", path, None).await
    }

    pub async fn post(&mut self, path: &str, form: &[(&str, &str)]) -> Page {
        self.request("POST", path, Some(form)).await
    }

    pub async fn log_in(&mut self, fields: &[(&str, &str)]) -> Page {
        let page = self.get("/login").await;
        assert_eq!(page.status, 200);
        let csrf = page.csrf();
        let mut form = fields.to_vec();
        form.push(("csrf", &csrf));
        self.post("/login", &form).await
    }
}

pub fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

pub const CUSTOMERS: &str = "/tmf-api/customerManagement/v4/customer";
pub const PRODUCTS: &str = "/tmf-api/productInventory/v4/product";

pub async fn onboard(base: &str, agent: &str, name: &str) -> i64 {
    let customer = send_json(
        "POST",
        format!("{base}{CUSTOMERS}"),
        agent,
        json!({
            "name": name,
            "engagedParty": { "id": "new", "@referredType": "Individual" },
            "contactMedium": [{ "mediumType": "postalAddress", "characteristic": { "street1": "Bulevar 1, Beograd" } }],
            "characteristic": [
                { "name": "market", "value": "rs" },
                { "name": "idDocument", "value": "biometric_id_card" },
                { "name": "idDocumentNumber", "value": "123456789" }
            ]
        }),
    )
    .await;
    assert_eq!(customer.status, 201, "{}", customer.text);
    let id = customer.json["id"].as_str().expect("id").to_owned();
    let product = send_json(
        "POST",
        format!("{base}{PRODUCTS}"),
        agent,
        json!({
            "productOffering": { "id": "rs.package.mobile-1590" },
            "relatedParty": [{ "id": id, "role": "customer", "@referredType": "Customer" }],
        }),
    )
    .await;
    assert_eq!(product.status, 201, "{}", product.text);
    id.parse().expect("numeric id")
}

/// The first request a [`listener`] got: its head (request line and
/// headers) and its body.
#[derive(Debug, Default)]
pub struct Delivery {
    pub head: String,
    pub body: String,
}

impl Delivery {
    /// A header's value (the name in lower case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.head.lines().find_map(|line| {
            let (key, value) = line.split_once(':')?;
            key.trim()
                .eq_ignore_ascii_case(name)
                .then_some(value.trim())
        })
    }
}

/// A one-request HTTP listener on this machine: what the first request it
/// gets says.
pub async fn listener() -> (String, tokio::task::JoinHandle<Delivery>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let socket = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a port");
    let url = format!("http://{}/events", socket.local_addr().expect("address"));
    let task = tokio::spawn(async move {
        let (mut stream, _) = socket.accept().await.expect("a delivery");
        let mut received = Vec::new();
        let mut buffer = [0_u8; 8192];
        loop {
            let n = stream.read(&mut buffer).await.expect("read");
            received.extend_from_slice(&buffer[..n]);
            let text = String::from_utf8_lossy(&received).to_string();
            if let Some((head, body)) = text.split_once("\r\n\r\n") {
                let length = head
                    .lines()
                    .find_map(|l| {
                        l.to_ascii_lowercase()
                            .strip_prefix("content-length:")
                            .map(|v| v.trim().parse::<usize>().unwrap_or(0))
                    })
                    .unwrap_or(0);
                if body.len() >= length {
                    stream
                        .write_all(b"HTTP/1.1 204 No Content\r\ncontent-length: 0\r\n\r\n")
                        .await
                        .expect("answer");
                    return Delivery {
                        head: head.to_owned(),
                        body: body.to_owned(),
                    };
                }
            }
            if n == 0 {
                return Delivery {
                    head: text,
                    body: String::new(),
                };
            }
        }
    });
    (url, task)
}
