//! What the black-box tests share: the real server on a random port and
//! plain HTTP calls on a blocking thread.
#![allow(dead_code)]

use std::sync::Arc;
use std::time::Duration;

pub struct Running {
    pub base: String,
    pub app: Arc<tarifa_app::App>,
    pub stop: tokio::sync::oneshot::Sender<()>,
    pub done: tokio::task::JoinHandle<std::io::Result<()>>,
}

pub async fn start(url: &str) -> Running {
    let store = tarifa_store::Store::open(url).await.expect("store");
    let markets = tarifa_app::presets::embedded().expect("presets");
    let app = Arc::new(
        tarifa_app::App::new(store, markets, Arc::new(tarifa_app::SystemClock))
            .await
            .expect("app"),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a free port");
    let base = format!("http://{}", listener.local_addr().expect("address"));
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let options = tarifa_server::Options {
        request_timeout: Duration::from_secs(5),
        // The tests' listeners run on this machine.
        hub_allow: vec!["127.0.0.1".to_owned()],
        ..tarifa_server::Options::default()
    };
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
