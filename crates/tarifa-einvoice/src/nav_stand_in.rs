//! A stand-in for NAV Online Számla, for tests: a small HTTP server on
//! 127.0.0.1 that speaks interface 3.0 as the specification describes, so
//! that nothing in a test reaches the real authority.
//!
//! It validates every request against `invoiceApi.xsd` and every document
//! against `invoiceData.xsd` (with `xmllint`), checks the password hash and
//! the request signature, hands out AES-encrypted exchange tokens, refuses a
//! request id used before (`REQUEST_ID_NOT_UNIQUE`), and answers
//! `queryTransactionStatus` (with the original documents when asked) and
//! `queryTransactionList`. It can be told to fail or hang the next
//! `manageInvoice`, to keep documents `PROCESSING` for some polls, and to
//! abort a document with a business message. It counts what it accepted, so
//! a test can say each document was reported exactly once.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use jiff::Timestamp;

use crate::nav_api::{
    Credentials, Element, Header, Operation, encode_token, invoice_hash, password_hash,
    request_signature,
};

/// A document the stand-in took in a transaction.
#[derive(Clone, Debug)]
struct Received {
    number: String,
    invoice_data: String,
    /// The messages it ends with; `ABORTED` when one is an `ERROR`.
    messages: Vec<(String, String, String)>,
}

#[derive(Clone, Debug)]
struct Transaction {
    id: String,
    received_at: Timestamp,
    documents: Vec<Received>,
    polls: u32,
}

#[derive(Default)]
struct State {
    request_ids: HashSet<String>,
    tokens: HashSet<String>,
    transactions: Vec<Transaction>,
    fail_next: u32,
    hang_next: Option<(u32, Duration)>,
    polls_before_done: u32,
    aborts: HashMap<String, (String, String)>,
    refusals: Vec<String>,
    calls: BTreeMap<String, u32>,
}

/// The running stand-in; stops when dropped.
pub struct StandIn {
    endpoint: String,
    state: Arc<Mutex<State>>,
    stop: Arc<AtomicBool>,
}

struct Shared {
    state: Arc<Mutex<State>>,
    user: Credentials,
    schemas: PathBuf,
}

fn lock(state: &Mutex<State>) -> MutexGuard<'_, State> {
    state
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl StandIn {
    /// Starts the stand-in for one technical user on a free port.
    pub fn start(user: Credentials) -> std::io::Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let endpoint = format!("http://{}/invoiceService/v3", listener.local_addr()?);
        let state = Arc::new(Mutex::new(State::default()));
        let stop = Arc::new(AtomicBool::new(false));
        let shared = Arc::new(Shared {
            state: state.clone(),
            user,
            schemas: Path::new(env!("CARGO_MANIFEST_DIR")).join("schemas/nav"),
        });
        let stopping = stop.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                if stopping.load(Ordering::Relaxed) {
                    break;
                }
                let Ok(stream) = stream else { continue };
                let shared = shared.clone();
                std::thread::spawn(move || {
                    let _ = serve(stream, &shared);
                });
            }
        });
        Ok(Self {
            endpoint,
            state,
            stop,
        })
    }

    /// The base URL the worker is given.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// The next `n` `manageInvoice` requests are answered 500
    /// `OPERATION_FAILED` and not taken.
    pub fn fail_next(&self, n: u32) {
        lock(&self.state).fail_next = n;
    }

    /// The next `n` `manageInvoice` requests are taken, but answered only
    /// after `delay` (longer than the worker waits: the answer is lost).
    pub fn hang_next(&self, n: u32, delay: Duration) {
        lock(&self.state).hang_next = Some((n, delay));
    }

    /// Documents stay `PROCESSING` for the first `n` polls of their
    /// transaction.
    pub fn polls_before_done(&self, n: u32) {
        lock(&self.state).polls_before_done = n;
    }

    /// The document `number` ends `ABORTED` with this business message.
    pub fn abort(&self, number: &str, code: &str, message: &str) {
        lock(&self.state)
            .aborts
            .insert(number.to_owned(), (code.to_owned(), message.to_owned()));
    }

    /// How many times each document number was taken in a transaction.
    pub fn taken(&self) -> BTreeMap<String, usize> {
        let mut counts = BTreeMap::new();
        for t in &lock(&self.state).transactions {
            for d in &t.documents {
                *counts.entry(d.number.clone()).or_insert(0) += 1;
            }
        }
        counts
    }

    /// The number of documents in each transaction, in order.
    pub fn batch_sizes(&self) -> Vec<usize> {
        lock(&self.state)
            .transactions
            .iter()
            .map(|t| t.documents.len())
            .collect()
    }

    /// The error codes of the requests refused, in order.
    pub fn refusals(&self) -> Vec<String> {
        lock(&self.state).refusals.clone()
    }

    /// How many requests each operation got.
    pub fn calls(&self) -> BTreeMap<String, u32> {
        lock(&self.state).calls.clone()
    }
}

impl Drop for StandIn {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        // Wake the accepting thread so it sees the flag.
        if let Some(addr) = self
            .endpoint
            .strip_prefix("http://")
            .and_then(|rest| rest.split('/').next())
        {
            let _ = TcpStream::connect(addr);
        }
    }
}

fn serve(stream: TcpStream, shared: &Shared) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut request_line = String::new();
    reader.read_line(&mut request_line)?;
    let path = request_line
        .split_whitespace()
        .nth(1)
        .unwrap_or("")
        .to_owned();
    let mut length = 0usize;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 || line == "\r\n" || line == "\n" {
            break;
        }
        if let Some((name, value)) = line.split_once(':')
            && name.eq_ignore_ascii_case("content-length")
        {
            length = value.trim().parse().unwrap_or(0);
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body)?;
    let body = String::from_utf8_lossy(&body).into_owned();
    let operation = path.rsplit('/').next().unwrap_or("").to_owned();
    let (status, answer, delay) = answer(shared, &operation, &body);
    if let Some(delay) = delay {
        std::thread::sleep(delay);
    }
    let mut stream = stream;
    write!(
        stream,
        "HTTP/1.1 {status}\r\nContent-Type: application/xml;charset=UTF-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{answer}",
        answer.len()
    )?;
    stream.flush()
}

/// Status line, body, and how long to hold the answer back.
fn answer(
    shared: &Shared,
    operation: &str,
    body: &str,
) -> (&'static str, String, Option<Duration>) {
    *lock(&shared.state)
        .calls
        .entry(operation.to_owned())
        .or_insert(0) += 1;
    let refuse = |code: &str, message: &str, technical: &[String]| {
        lock(&shared.state).refusals.push(code.to_owned());
        let technical: String = technical
            .iter()
            .map(|m| {
                format!(
                    "<technicalValidationMessages><validationResultCode>ERROR</validationResultCode><validationErrorCode>SCHEMA_VIOLATION</validationErrorCode><message>{}</message></technicalValidationMessages>",
                    quick_xml::escape::escape(m)
                )
            })
            .collect();
        (
            "400 Bad Request",
            format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?><GeneralErrorResponse xmlns=\"http://schemas.nav.gov.hu/OSA/3.0/api\" xmlns:common=\"http://schemas.nav.gov.hu/NTCA/1.0/common\"><common:header/><common:result><common:funcCode>ERROR</common:funcCode><common:errorCode>{code}</common:errorCode><common:message>{}</common:message></common:result>{technical}</GeneralErrorResponse>",
                quick_xml::escape::escape(message)
            ),
            None,
        )
    };
    let schema_errors = xmllint(&shared.schemas.join("invoiceApi.xsd"), body);
    if !schema_errors.is_empty() {
        return refuse(
            "INVALID_REQUEST",
            "the request breaks invoiceApi.xsd",
            &schema_errors,
        );
    }
    let Ok(root) = Element::parse(body) else {
        return refuse("INVALID_REQUEST", "not XML", &[]);
    };
    let text = |parent: &str, name: &str| {
        root.child(parent)
            .and_then(|p| p.text_of(name))
            .unwrap_or("")
            .to_owned()
    };
    let header = Header {
        request_id: text("header", "requestId"),
        timestamp: text("header", "timestamp")
            .parse()
            .unwrap_or(Timestamp::UNIX_EPOCH),
    };
    let user = &shared.user;
    if text("user", "login") != user.login
        || text("user", "passwordHash") != password_hash(&user.password)
        || text("user", "taxNumber") != user.tax_number
    {
        return refuse(
            "INVALID_SECURITY_USER",
            "unknown user or wrong password",
            &[],
        );
    }
    // manageInvoice signs its documents' hashes too.
    let operations: Vec<(u32, Operation, String)> = root
        .child("invoiceOperations")
        .map(|ops| {
            ops.children_named("invoiceOperation")
                .filter_map(|op| {
                    Some((
                        op.text_of("index")?.parse().ok()?,
                        Operation::parse(op.text_of("invoiceOperation")?)?,
                        op.text_of("invoiceData")?.to_owned(),
                    ))
                })
                .collect()
        })
        .unwrap_or_default();
    let hashes: Vec<String> = operations
        .iter()
        .map(|(_, op, data)| invoice_hash(*op, data))
        .collect();
    if text("user", "requestSignature") != request_signature(&header, &user.signature_key, &hashes)
    {
        return refuse(
            "INVALID_REQUEST_SIGNATURE",
            "the request signature does not match",
            &[],
        );
    }
    {
        let mut state = lock(&shared.state);
        if !state.request_ids.insert(header.request_id.clone()) {
            drop(state);
            return refuse(
                "REQUEST_ID_NOT_UNIQUE",
                "the request id was used before",
                &[],
            );
        }
    }
    // tokenExchange → TokenExchangeResponse
    let mut root_name = format!("{operation}Response");
    if let Some(first) = root_name.get_mut(0..1) {
        first.make_ascii_uppercase();
    }
    let ok = |payload: String| {
        (
            "200 OK",
            format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?><{root_name} xmlns=\"http://schemas.nav.gov.hu/OSA/3.0/api\" xmlns:common=\"http://schemas.nav.gov.hu/NTCA/1.0/common\"><common:header><common:requestId>{}</common:requestId><common:timestamp>{}</common:timestamp><common:requestVersion>3.0</common:requestVersion><common:headerVersion>1.0</common:headerVersion></common:header><common:result><common:funcCode>OK</common:funcCode></common:result>{payload}</{root_name}>",
                header.request_id,
                header.stamp()
            ),
            None,
        )
    };
    match operation {
        "tokenExchange" => {
            let mut state = lock(&shared.state);
            let token = format!("stand-in-token-{}", state.tokens.len() + 1);
            state.tokens.insert(token.clone());
            drop(state);
            match encode_token(&token, &user.exchange_key) {
                Ok(encoded) => ok(format!(
                    "<encodedExchangeToken>{encoded}</encodedExchangeToken><tokenValidityFrom>{0}</tokenValidityFrom><tokenValidityTo>{0}</tokenValidityTo>",
                    header.stamp()
                )),
                Err(e) => refuse("OPERATION_FAILED", &e.to_string(), &[]),
            }
        }
        "manageInvoice" => {
            let token = root.text_of("exchangeToken").unwrap_or("").to_owned();
            let mut state = lock(&shared.state);
            if !state.tokens.remove(&token) {
                drop(state);
                return refuse("INVALID_EXCHANGE_TOKEN", "no such token", &[]);
            }
            if state.fail_next > 0 {
                state.fail_next -= 1;
                // Not taken: the request id may be used again.
                state.request_ids.remove(&header.request_id);
                state.refusals.push("OPERATION_FAILED".into());
                return (
                    "500 Internal Server Error",
                    "<html>the service is failing</html>".into(),
                    None,
                );
            }
            let delay = match &mut state.hang_next {
                Some((n, delay)) if *n > 0 => {
                    *n -= 1;
                    Some(*delay)
                }
                _ => None,
            };
            let mut documents = Vec::new();
            for (_, _, data) in &operations {
                let xml = BASE64
                    .decode(data)
                    .map(|b| String::from_utf8_lossy(&b).into_owned())
                    .unwrap_or_default();
                let number = Element::parse(&xml)
                    .ok()
                    .and_then(|e| e.text_of("invoiceNumber").map(str::to_owned))
                    .unwrap_or_default();
                let mut messages: Vec<(String, String, String)> =
                    xmllint(&shared.schemas.join("invoiceData.xsd"), &xml)
                        .into_iter()
                        .map(|m| ("ERROR".into(), "SCHEMA_VIOLATION".into(), m))
                        .collect();
                if let Some((code, message)) = state.aborts.get(&number) {
                    messages.push(("ERROR".into(), code.clone(), message.clone()));
                }
                documents.push(Received {
                    number,
                    invoice_data: xml,
                    messages,
                });
            }
            let id = format!("STANDIN{:09}", state.transactions.len() + 1);
            state.transactions.push(Transaction {
                id: id.clone(),
                received_at: header.timestamp,
                documents,
                polls: 0,
            });
            drop(state);
            let (status, body, _) = ok(format!("<transactionId>{id}</transactionId>"));
            (status, body, delay)
        }
        "queryTransactionStatus" => {
            let id = root.text_of("transactionId").unwrap_or("").to_owned();
            let original = root.text_of("returnOriginalRequest") == Some("true");
            let mut state = lock(&shared.state);
            let wait = state.polls_before_done;
            let Some(t) = state.transactions.iter_mut().find(|t| t.id == id) else {
                drop(state);
                return ok(String::new());
            };
            t.polls += 1;
            let results: String = t
                .documents
                .iter()
                .enumerate()
                .map(|(i, d)| {
                    let status = if t.polls <= wait {
                        "PROCESSING"
                    } else if d.messages.iter().any(|m| m.0 == "ERROR") {
                        "ABORTED"
                    } else {
                        "DONE"
                    };
                    let messages: String = if status == "PROCESSING" {
                        String::new()
                    } else {
                        d.messages
                            .iter()
                            .map(|(result, code, message)| {
                                format!(
                                    "<businessValidationMessages><validationResultCode>{result}</validationResultCode><validationErrorCode>{code}</validationErrorCode><message>{}</message></businessValidationMessages>",
                                    quick_xml::escape::escape(message.as_str())
                                )
                            })
                            .collect()
                    };
                    let original = if original {
                        format!(
                            "<originalRequest>{}</originalRequest>",
                            BASE64.encode(d.invoice_data.as_bytes())
                        )
                    } else {
                        String::new()
                    };
                    format!(
                        "<processingResult><index>{}</index><invoiceStatus>{status}</invoiceStatus>{messages}<compressedContentIndicator>false</compressedContentIndicator>{original}</processingResult>",
                        i + 1
                    )
                })
                .collect();
            drop(state);
            ok(format!(
                "<processingResults>{results}<originalRequestVersion>3.0</originalRequestVersion></processingResults>"
            ))
        }
        "queryTransactionList" => {
            let range = root.child("insDate");
            let bound = |name: &str| {
                range
                    .and_then(|r| r.text_of(name))
                    .and_then(|t| t.parse::<Timestamp>().ok())
            };
            let (from, to) = (
                bound("dateTimeFrom").unwrap_or(Timestamp::UNIX_EPOCH),
                bound("dateTimeTo").unwrap_or(Timestamp::MAX),
            );
            let state = lock(&shared.state);
            let listed: String = state
                .transactions
                .iter()
                .filter(|t| t.received_at >= from && t.received_at <= to)
                .map(|t| {
                    format!(
                        "<transaction><insDate>{}</insDate><insCusUser>{}</insCusUser><source>MGM</source><transactionId>{}</transactionId><requestStatus>FINISHED</requestStatus><technicalAnnulment>false</technicalAnnulment><originalRequestVersion>3.0</originalRequestVersion><itemCount>{}</itemCount></transaction>",
                        t.received_at.strftime("%Y-%m-%dT%H:%M:%S%.3fZ"),
                        user.login,
                        t.id,
                        t.documents.len()
                    )
                })
                .collect();
            drop(state);
            ok(format!(
                "<transactionListResult><currentPage>1</currentPage><availablePage>1</availablePage>{listed}</transactionListResult>"
            ))
        }
        _ => refuse("INVALID_REQUEST", "no such operation", &[]),
    }
}

/// The schema's complaints about `xml` (none when it validates).
fn xmllint(schema: &Path, xml: &str) -> Vec<String> {
    let file = std::env::temp_dir().join(format!(
        "tarifa-nav-stand-in-{}-{}.xml",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    ));
    if std::fs::write(&file, xml).is_err() {
        return vec!["the stand-in could not write the request".into()];
    }
    let out = std::process::Command::new("xmllint")
        .arg("--noout")
        .arg("--schema")
        .arg(schema)
        .arg(&file)
        .output();
    let _ = std::fs::remove_file(&file);
    match out {
        Ok(out) if out.status.success() => Vec::new(),
        Ok(out) => String::from_utf8_lossy(&out.stderr)
            .lines()
            .filter(|l| !l.contains("fails to validate") && !l.trim().is_empty())
            .map(|l| l.rsplit(": ").next().unwrap_or(l).to_owned())
            .collect(),
        Err(e) => vec![format!("xmllint: {e}")],
    }
}

static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
