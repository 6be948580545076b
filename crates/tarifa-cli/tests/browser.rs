//! The console and self-care in a real browser: headless Chromium (Debian's
//! `chromium`) clicks through `tarifa serve` over a demo database. An agent
//! signs a contract, sees an unlock refused with its rule, and quotes and
//! executes a termination; a subscriber opens a bill and downloads its PDF,
//! whose text poppler's `pdftotext` reads back and whose IPS QR code is
//! decoded from the rendered page and checked against the bill; billing
//! operations start a bill run and watch it end. With
//! `TARIFA_SCREENSHOTS=DIR` the pages are saved there as PNG (how the
//! screenshots in `docs/screenshots/` are made).

use std::ffi::OsStr;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine as _;
use headless_chrome::protocol::cdp::Page::CaptureScreenshotFormatOption;
use headless_chrome::{Browser, LaunchOptions, Tab};

const TARIFA: &str = env!("CARGO_BIN_EXE_tarifa");
/// A valid IMEI (Luhn) that the demo does not use.
const IMEI: &str = "356938035643908";

fn tarifa(args: &[&str], envs: &[(&str, &str)]) -> String {
    let out = Command::new(TARIFA)
        .args(args)
        .envs(envs.iter().copied())
        .output()
        .expect("tarifa runs");
    assert!(
        out.status.success(),
        "tarifa {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8")
}

/// `tarifa serve`, stopped when dropped.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn serve(db: &str) -> (Server, String) {
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let listen = format!("127.0.0.1:{port}");
    let child = Command::new(TARIFA)
        .args(["serve", "--db", db, "--listen", &listen])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("tarifa serve starts");
    let server = Server(child);
    let started = Instant::now();
    while std::net::TcpStream::connect(&listen).is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the server listens"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    (server, format!("http://{listen}"))
}

fn bills(db: &str, market: &str) -> Vec<serde_json::Value> {
    let json = tarifa(
        &["bills", "list", "--db", db, "--market", market, "--json"],
        &[],
    );
    serde_json::from_str::<Vec<serde_json::Value>>(&json).expect("a JSON array")
}

fn shot(tab: &Tab, dir: &Path, name: &str) {
    let png = tab
        .capture_screenshot(CaptureScreenshotFormatOption::Png, None, None, true)
        .expect("a screenshot");
    std::fs::write(dir.join(format!("{name}.png")), png).expect("screenshot written");
}

fn content(tab: &Tab) -> String {
    tab.get_content().expect("the page's HTML")
}

/// The page once it shows `text` (a click's page may still be loading).
fn page_with(tab: &Tab, text: &str) -> String {
    let started = Instant::now();
    loop {
        let page = content(tab);
        if page.contains(text) {
            return page;
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "{text:?} never appeared in:\n{page}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Types into a field after clicking it, as a person would.
fn type_into(tab: &Tab, selector: &str, text: &str) {
    tab.wait_for_element(selector)
        .expect("the field")
        .click()
        .expect("a click");
    tab.type_str(text).expect("typing");
}

/// Chooses an option of a select (a native drop-down has no clickable list
/// in headless mode).
fn choose(tab: &Tab, selector: &str, value: &str) {
    tab.evaluate(
        &format!("document.querySelector('{selector}').value = '{value}'"),
        false,
    )
    .expect("the option");
}

fn click_and_wait(tab: &Tab, selector: &str) {
    tab.wait_for_element(selector)
        .expect("the button")
        .click()
        .expect("a click");
    tab.wait_until_navigated().expect("the next page");
}

fn log_in(tab: &Tab, base: &str, username: &str, password: &str) {
    tab.navigate_to(&format!("{base}/login"))
        .expect("navigates")
        .wait_until_navigated()
        .expect("the login page");
    type_into(tab, "#username", username);
    type_into(tab, "#password", password);
    click_and_wait(tab, "#login-password");
}

#[test]
fn an_agent_and_a_subscriber_in_a_real_browser() {
    let dir = std::env::temp_dir().join(format!("tarifa-browser-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("scratch");
    let shots: PathBuf = std::env::var_os("TARIFA_SCREENSHOTS")
        .map(PathBuf::from)
        .unwrap_or_else(|| dir.clone());
    std::fs::create_dir_all(&shots).expect("screenshot folder");
    let db = dir.join("demo.sqlite").to_string_lossy().into_owned();
    tarifa(&["demo", "--db", &db, "--customers", "4"], &[]);
    let rs = bills(&db, "rs");
    // A bill with something to pay, so that it carries the IPS QR code.
    let due = rs
        .iter()
        .find(|b| {
            b["total_due"].as_str().is_some_and(|t| {
                !t.starts_with('-') && !t.trim_start_matches(['0', '.']).is_empty()
            })
        })
        .expect("a bill with something due");
    let subscriber_bill = due["number"].as_str().expect("number").to_owned();
    let subscriber_due = due["total_due"].as_str().expect("total due").to_owned();
    let subscriber = due["customer"].as_i64().expect("customer").to_string();
    let other = rs
        .iter()
        .find(|b| b["customer"].as_i64().map(|c| c.to_string()) != Some(subscriber.clone()))
        .expect("another customer's bill");
    let other_bill = other["number"].as_str().expect("number").to_owned();
    let password = "a long enough password";
    tarifa(
        &[
            "user",
            "create",
            "--username",
            "agent",
            "--role",
            "agent",
            "--db",
            &db,
        ],
        &[("TARIFA_PASSWORD", password)],
    );
    tarifa(
        &[
            "user",
            "create",
            "--username",
            "subscriber",
            "--role",
            "subscriber",
            "--customer",
            &subscriber,
            "--db",
            &db,
        ],
        &[("TARIFA_PASSWORD", password)],
    );
    tarifa(
        &[
            "user",
            "create",
            "--username",
            "billing",
            "--role",
            "billing",
            "--db",
            &db,
        ],
        &[("TARIFA_PASSWORD", password)],
    );
    let (_server, base) = serve(&db);

    let options = LaunchOptions::default_builder()
        .path(Some(PathBuf::from(
            std::env::var("TARIFA_CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into()),
        )))
        .headless(true)
        .sandbox(false)
        .enable_gpu(false)
        .window_size(Some((1280, 1600)))
        .args(vec![OsStr::new("--disable-background-networking")])
        .build()
        .expect("launch options");
    let browser =
        Browser::new(options).expect("Chromium starts (Debian: apt-get install chromium)");
    let tab = browser.new_tab().expect("a tab");
    tab.set_default_timeout(Duration::from_secs(20));

    // The agent: find the customer by a bill number, sign a contract with a
    // subsidised phone, then see its unlock refused with the rule.
    log_in(&tab, &base, "agent", password);
    // The console's search field: the agent landed on the console.
    tab.wait_for_element("#q").expect("the console");
    type_into(&tab, "#q", &other_bill);
    click_and_wait(&tab, "#search");
    tab.wait_for_element("#contract-form")
        .expect("the customer page");
    assert!(content(&tab).contains(&other_bill));
    choose(&tab, "#package", "mobile-1590");
    type_into(&tab, "#commitment_months", "24");
    choose(&tab, "#device", "samsung-a56");
    type_into(&tab, "#device_imei", IMEI);
    type_into(&tab, "#price", "19990.00");
    type_into(&tab, "#instalments", "24");
    click_and_wait(&tab, "#sign");
    let page = page_with(&tab, "Contract: done");
    assert!(page.contains(IMEI));
    type_into(&tab, "#imei", IMEI);
    click_and_wait(&tab, "#unlock-form button");
    let page = page_with(&tab, "Unlock request: refused");
    assert!(page.contains("UNL-1"), "the rule is shown: {page}");
    shot(&tab, &shots, "console");
    // The customer's first contract: a termination quoted, then executed.
    click_and_wait(&tab, "a.contract-link");
    tab.wait_for_element("#termination-quote-form")
        .expect("the contract page");
    choose(&tab, "#by", "subscriber");
    choose(&tab, "#reason", "ordinary");
    click_and_wait(&tab, "#quote-termination");
    let page = page_with(&tab, "Quote: Termination by the subscriber");
    assert!(page.contains("Ends on"), "{page}");
    shot(&tab, &shots, "console-contract");
    click_and_wait(&tab, "#execute");
    let page = page_with(&tab, "Termination: done");
    assert!(page.contains("terminated"), "{page}");
    // A bill of each other market, as the agent opens it.
    for market in ["me", "hu"] {
        let number = bills(&db, market)[0]["number"]
            .as_str()
            .expect("number")
            .to_owned();
        tab.navigate_to(&format!("{base}/console/bills/{number}"))
            .expect("navigates")
            .wait_until_navigated()
            .expect("the bill");
        let page = page_with(&tab, &number);
        assert!(page.contains("<svg"), "{market}: the QR code: {page}");
        shot(&tab, &shots, &format!("bill-{market}"));
    }
    tab.navigate_to(&format!("{base}/console"))
        .expect("navigates")
        .wait_until_navigated()
        .expect("the console");
    click_and_wait(&tab, "#logout");
    tab.wait_for_element("#login-password")
        .expect("the login page");

    // The subscriber: her bills and allowances, one bill opened, its PDF
    // downloaded in the session; no other customer in sight.
    log_in(&tab, &base, "subscriber", password);
    tab.wait_for_element("#usage").expect("self-care");
    let page = content(&tab);
    assert!(page.contains(&subscriber_bill), "{page}");
    assert!(!page.contains(&other_bill));
    assert!(page.contains("progressbar"));
    shot(&tab, &shots, "self-care");
    click_and_wait(&tab, "a.view-bill");
    let page = page_with(&tab, "Ukupno zaduženje");
    assert!(
        page.contains("Obračunski period") && page.contains(&subscriber_bill),
        "{page}"
    );
    shot(&tab, &shots, "bill-rs");
    tab.navigate_to(&format!("{base}/self"))
        .expect("navigates")
        .wait_until_navigated()
        .expect("self-care");
    let download = tab
        .evaluate(
            "(async () => {
                const answer = await fetch(document.querySelector('a.pdf-bill').href);
                const bytes = new Uint8Array(await answer.arrayBuffer());
                let text = '';
                for (const b of bytes) text += String.fromCharCode(b);
                return answer.headers.get('content-type') + ' ' + btoa(text);
            })()",
            true,
        )
        .expect("the PDF downloads")
        .value
        .expect("a value");
    let (kind, data) = download
        .as_str()
        .expect("text")
        .split_once(' ')
        .expect("type and data");
    assert_eq!(kind, "application/pdf");
    let pdf = base64::engine::general_purpose::STANDARD
        .decode(data)
        .expect("base64");
    let path = dir.join("bill.pdf");
    std::fs::write(&path, &pdf).expect("PDF written");
    let text = Command::new("pdftotext")
        .args(["-layout", path.to_str().expect("path"), "-"])
        .output()
        .expect("pdftotext (Debian: poppler-utils)");
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(
        text.contains(&subscriber_bill) && text.contains("Ukupno zaduženje"),
        "{text}"
    );
    // The IPS QR code read back from the downloaded PDF: a payment order
    // for this bill's total due to a valid account, with a valid reference.
    let prefix = dir.join("bill-page");
    let rendered = Command::new("pdftoppm")
        .args([
            "-r",
            "200",
            "-png",
            "-gray",
            "-f",
            "1",
            "-l",
            "1",
            "-singlefile",
        ])
        .arg(&path)
        .arg(&prefix)
        .status()
        .expect("pdftoppm (Debian: poppler-utils)");
    assert!(rendered.success());
    let image = image::open(prefix.with_extension("png"))
        .expect("the page as an image")
        .to_luma8();
    let mut prepared = rqrr::PreparedImage::prepare(image);
    let grids = prepared.detect_grids();
    assert_eq!(grids.len(), 1, "one QR code on the bill's front");
    let (_, qr) = grids[0].decode().expect("the QR code decodes");
    let fields: std::collections::BTreeMap<&str, &str> = qr
        .split('|')
        .map(|f| f.split_once(':').expect("tag:value"))
        .collect();
    assert_eq!((fields["K"], fields["V"], fields["C"]), ("PR", "01", "1"));
    tarifa_core::payment_slip::CurrentAccount::parse(fields["R"])
        .expect("the account's check digits hold");
    assert_eq!(
        fields["I"],
        format!("RSD{}", subscriber_due.replace('.', ",")),
        "the amount is the bill's total due"
    );
    let reference = fields["RO"].strip_prefix("97").expect("model 97");
    tarifa_core::payment_slip::Model97::parse(reference)
        .expect("the reference's check digits hold");
    assert!(fields["S"].contains(&subscriber_bill), "{qr}");
    // Another customer's bill is not there for her.
    tab.navigate_to(&format!("{base}/self/bills/{other_bill}"))
        .expect("navigates")
        .wait_until_navigated()
        .expect("an answer");
    page_with(&tab, "no such bill");
    tab.navigate_to(&format!("{base}/self"))
        .expect("navigates")
        .wait_until_navigated()
        .expect("self-care");
    click_and_wait(&tab, "#logout");
    tab.wait_for_element("#login-password")
        .expect("the login page");

    // Billing operations start a bill run and watch it end.
    log_in(&tab, &base, "billing", password);
    tab.wait_for_element("#q").expect("the console");
    click_and_wait(&tab, "#bill-runs-link");
    tab.wait_for_element("#bill-run-form")
        .expect("the bill-run form");
    choose(&tab, "#market", "rs");
    click_and_wait(&tab, "#start-run");
    let page = page_with(&tab, "class=\"run done\"");
    assert!(page.contains("Periods billed"), "{page}");
    shot(&tab, &shots, "bill-runs");
}
