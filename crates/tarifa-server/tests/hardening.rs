//! What a hostile or careless caller tried (issue 22), each case written to
//! fail before its fix: sessions that outlived their token, login without a
//! throttle, pages without security headers, hub callbacks to internal
//! addresses and unsigned events, complaint texts thrown away, money through
//! floats, a termination reason with a typo, bodies checked before roles,
//! query filters ignored, `Host` and `X-Request-Id` reflected, the CSRF
//! refusal as JSON, a login guard the server did not make, bill runs of
//! months not over, NUL characters reaching the database.

mod common;

use std::time::Duration;

use common::{Browser, CUSTOMERS, PRODUCTS, call, get_json, listener, onboard, send_json};
use serde_json::json;
use tarifa_app::Ctx;
use tarifa_app::tokens::{Role, hmac_hex};
use tarifa_store::testing::TestDatabase;

const OPS: &str = "/api/v1";
const PAYMENTS: &str = "/tmf-api/paymentManagement/v4/payment";
const TICKETS: &str = "/tmf-api/troubleTicket/v4/troubleTicket";
const CUSTOMER_HUB: &str = "/tmf-api/customerManagement/v4/hub";

async fn token(app: &tarifa_app::App, role: Role, customer: Option<i64>) -> (i64, String) {
    app.create_token(&Ctx::new("test"), role, customer, None)
        .await
        .expect("a token")
}

/// Ana's login, and the agent user it logs in.
const ANA: &[(&str, &str)] = &[("username", "ana"), ("password", "correct horse battery")];

async fn agent_ana(app: &tarifa_app::App) {
    app.create_user(
        &Ctx::new("test"),
        "ana",
        "correct horse battery",
        Role::Agent,
        None,
    )
    .await
    .expect("a user");
}

/// A server whose hub may not call this machine (the shipped default).
async fn strict(url: &str) -> common::Running {
    common::start_with(
        url,
        tarifa_server::Options {
            request_timeout: Duration::from_secs(5),
            ..tarifa_server::Options::default()
        },
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_ends_with_its_token_or_user_and_never_renews_itself() {
    for db in TestDatabase::all_and_a_file()
        .await
        .expect("test databases")
    {
        let server = common::start(&db.url).await;
        let (base, app) = (server.base.clone(), server.app.clone());
        let (token_id, secret) = token(&app, Role::Agent, None).await;

        let mut browser = Browser::new(&base);
        let page = browser.log_in(&[("token", &secret)]).await;
        assert_eq!(page.status, 303, "{}", page.text());
        assert_eq!(browser.get("/console").await.status, 200);
        let session = browser.cookies["tarifa_session"].clone();

        // A session's own secret opens no next session.
        let mut thief = Browser::new(&base);
        let page = thief.log_in(&[("token", &session)]).await;
        assert_eq!(page.status, 401, "a session renewed itself");

        // Revoking the token ends the session opened with it.
        app.revoke_token(&Ctx::new("test"), token_id)
            .await
            .expect("revoked");
        let page = browser.get("/console").await;
        assert_eq!(page.status, 303);
        assert_eq!(page.header("location"), Some("/login"));

        // Disabling a user ends the sessions the user opened.
        agent_ana(&app).await;
        let mut ana = Browser::new(&base);
        let page = ana.log_in(ANA).await;
        assert_eq!(page.status, 303);
        assert_eq!(ana.get("/console").await.status, 200);
        app.disable_user(&Ctx::new("test"), "ana")
            .await
            .expect("disabled");
        assert_eq!(ana.get("/console").await.status, 303);
        let again = ana.log_in(ANA).await;
        assert_eq!(again.status, 401);
        let _ = server.stop.send(());
        db.drop_database().await.expect("dropped");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_passwords_and_bad_tokens_are_throttled() {
    let db = TestDatabase::sqlite();
    let server = common::start(&db.url).await;
    let (base, app) = (server.base.clone(), server.app.clone());
    agent_ana(&app).await;
    let mut browser = Browser::new(&base);
    for attempt in 0..10 {
        let page = browser
            .log_in(&[("username", "ana"), ("password", "wrong horse battery")])
            .await;
        assert_eq!(page.status, 401, "attempt {attempt}");
    }
    // The right password waits too, now.
    let page = browser.log_in(ANA).await;
    assert_eq!(page.status, 429, "{}", page.text());
    assert!(page.header("retry-after").is_some());
    // The API shares the address's count: even a good token waits.
    let (_, good) = token(&app, Role::Admin, None).await;
    let answer = get_json(format!("{base}{CUSTOMERS}"), &good).await;
    assert_eq!(answer.status, 429, "{}", answer.text);
    let _ = server.stop.send(());

    // Bad tokens at the form count as failures too.
    let server = common::start(&db.url).await;
    let mut browser = Browser::new(&server.base);
    for _ in 0..10 {
        let page = browser.log_in(&[("token", "trf_not-a-token")]).await;
        assert_eq!(page.status, 401);
    }
    let page = browser.log_in(&[("token", "trf_not-a-token")]).await;
    assert_eq!(page.status, 429);
    let _ = server.stop.send(());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_carry_security_headers_and_answers_to_tokens_are_not_cached() {
    let db = TestDatabase::sqlite();
    let server = common::start(&db.url).await;
    let (base, app) = (server.base.clone(), server.app.clone());
    let (_, agent) = token(&app, Role::Agent, None).await;
    let ana = onboard(&base, &agent, "Ana Petrović").await;
    let mut browser = Browser::new(&base);
    let login = browser.get("/login").await;
    browser.log_in(&[("token", &agent)]).await;
    let console = browser.get("/console").await;
    let customer = browser.get(&format!("/console/customer/{ana}")).await;
    for (what, page) in [
        ("login", &login),
        ("console", &console),
        ("customer", &customer),
    ] {
        assert_eq!(page.status, 200, "{what}");
        let policy = page.header("content-security-policy").unwrap_or("");
        assert!(policy.contains("default-src 'self'"), "{what}: {policy}");
        assert!(
            policy.contains("frame-ancestors 'none'"),
            "{what}: {policy}"
        );
        assert_eq!(page.header("x-content-type-options"), Some("nosniff"));
        assert_eq!(page.header("referrer-policy"), Some("no-referrer"));
        assert_eq!(page.header("cache-control"), Some("no-store"));
        assert_eq!(page.header("x-frame-options"), Some("DENY"));
    }
    let answer = get_json(format!("{base}{CUSTOMERS}/{ana}"), &agent).await;
    assert_eq!(answer.status, 200);
    assert_eq!(
        answer.headers.get("cache-control").map(String::as_str),
        Some("no-store")
    );
    assert_eq!(
        answer
            .headers
            .get("x-content-type-options")
            .map(String::as_str),
        Some("nosniff")
    );
    let _ = server.stop.send(());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hub_callbacks_stay_outside_and_events_are_signed_for_their_owner() {
    let db = TestDatabase::sqlite();
    let server = strict(&db.url).await;
    let (base, app) = (server.base.clone(), server.app.clone());
    let (_, agent) = token(&app, Role::Agent, None).await;
    let own_port = base.rsplit(':').next().unwrap_or("80").to_owned();
    for callback in [
        "http://127.0.0.1:9/events".to_owned(),
        format!("http://127.0.0.1:{own_port}/tmf-api/customerManagement/v4/customer"),
        "http://169.254.169.254/latest/meta-data/".to_owned(),
        "http://[::1]:9/events".to_owned(),
        "http://localhost:9/events".to_owned(),
        "http://10.0.0.7/events".to_owned(),
        "http://user:pw@8.8.8.8/events".to_owned(),
    ] {
        let answer = send_json(
            "POST",
            format!("{base}{CUSTOMER_HUB}"),
            &agent,
            json!({ "callback": callback }),
        )
        .await;
        assert_eq!(answer.status, 400, "{callback}: {}", answer.text);
        assert!(
            answer.json["message"]
                .as_str()
                .unwrap_or("")
                .starts_with("callback:")
        );
    }
    let _ = server.stop.send(());

    // With this machine on the operator's allow-list (as every other test
    // has it), a listener gets signed events.
    let server = common::start(&db.url).await;
    let (base, app) = (server.base.clone(), server.app.clone());
    let (_, agent) = token(&app, Role::Agent, None).await;
    let (_, other_agent) = token(&app, Role::Agent, None).await;
    let (_, admin) = token(&app, Role::Admin, None).await;
    let (callback, delivered) = listener().await;
    let hub = send_json(
        "POST",
        format!("{base}{CUSTOMER_HUB}"),
        &agent,
        json!({ "callback": callback, "query": "eventType=CustomerCreateEvent" }),
    )
    .await;
    assert_eq!(hub.status, 201, "{}", hub.text);
    let secret = hub.json["secret"]
        .as_str()
        .expect("the secret, once")
        .to_owned();
    let hub_url = format!(
        "{base}{CUSTOMER_HUB}/{}",
        hub.json["id"].as_str().expect("id")
    );
    let shown = get_json(hub_url.clone(), &agent).await;
    assert_eq!(shown.status, 200);
    assert!(
        shown.json.get("secret").is_none(),
        "shown again: {}",
        shown.text
    );

    onboard(&base, &agent, "Ana Petrović").await;
    let delivery = tokio::time::timeout(Duration::from_secs(20), delivered)
        .await
        .expect("delivered in time")
        .expect("the listener ran");
    let header = delivery
        .header("x-tarifa-signature")
        .expect("a signature header");
    let (seconds, signature) = header
        .strip_prefix("t=")
        .and_then(|rest| rest.split_once(",v1="))
        .expect("t=…,v1=…");
    let expected = hmac_hex(
        secret.as_bytes(),
        format!("{seconds}.{}", delivery.body).as_bytes(),
    );
    assert_eq!(signature, expected, "the body is signed with the secret");

    // Only the owner or an admin removes the listener.
    assert_eq!(
        call("DELETE", hub_url.clone(), Some(&other_agent), None)
            .await
            .status,
        403
    );
    assert_eq!(get_json(hub_url.clone(), &agent).await.status, 200);
    assert_eq!(
        call("DELETE", hub_url.clone(), Some(&admin), None)
            .await
            .status,
        204
    );
    let _ = server.stop.send(());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn what_a_caller_sends_is_kept_exactly_or_refused_clearly() {
    for db in TestDatabase::all().await.expect("test databases") {
        let server = common::start(&db.url).await;
        let (base, app) = (server.base.clone(), server.app.clone());
        let (_, agent) = token(&app, Role::Agent, None).await;
        let (_, billing) = token(&app, Role::Billing, None).await;
        let ana = onboard(&base, &agent, "Ana Petrović").await;
        let (_, subscriber) = token(&app, Role::Subscriber, Some(ana)).await;

        // The complaint's text is what the subscriber wrote.
        let written = "Račun za novembar je dupliran — molim proveru.\nHvala!";
        let ticket = send_json(
            "POST",
            format!("{base}{TICKETS}"),
            &subscriber,
            json!({
                "description": written,
                "severity": "minor",
                "ticketType": "quality",
                "relatedParty": [{ "id": ana.to_string(), "@referredType": "Customer" }],
            }),
        )
        .await;
        assert_eq!(ticket.status, 201, "{}", ticket.text);
        assert_eq!(ticket.json["description"], written);
        let again = get_json(
            format!(
                "{base}{TICKETS}/{}",
                ticket.json["id"].as_str().expect("id")
            ),
            &agent,
        )
        .await;
        assert_eq!(again.json["description"], written);

        // Money in JSON is read from its digits, not through a float: the
        // body goes as text, so that no float of ours touches it either.
        let text = r#"{"account":{"id":"ANA"},"paymentMethod":{"name":"bank transfer"},"totalAmount":{"unit":"RSD","value":99999999999999.99},"correlatorId":"exact-2"}"#
            .replace("ANA", &ana.to_string());
        let payment = call(
            "POST",
            format!("{base}{PAYMENTS}"),
            Some(&billing),
            Some(("application/json", text)),
        )
        .await;
        assert_eq!(payment.status, 201, "{}", payment.text);
        assert!(
            payment.text.contains("99999999999999.99"),
            "{}",
            payment.text
        );
        let mut tx = app.begin_read(&Ctx::new("test")).await.expect("read");
        let stored = tx.payments_of_customer(ana).await.expect("payments");
        tx.rollback().await.expect("rolled back");
        assert!(
            stored
                .iter()
                .any(|p| p.amount_minor == 9_999_999_999_999_999),
            "{stored:?}"
        );

        // A termination reason with a typo is refused, naming those known.
        let products = get_json(format!("{base}{PRODUCTS}?relatedParty.id={ana}"), &agent).await;
        let product = products.json[0]["id"]
            .as_str()
            .expect("a product")
            .to_owned();
        for path in ["terminationQuote", "termination"] {
            let answer = send_json(
                "POST",
                format!("{base}{OPS}/product/{product}/{path}"),
                &agent,
                json!({ "by": "subscriber", "reason": "withdrawl" }),
            )
            .await;
            assert_eq!(answer.status, 400, "{path}: {}", answer.text);
            let message = answer.json["message"].as_str().unwrap_or("");
            assert!(message.contains("withdrawal"), "{message}");
        }
        assert_eq!(
            get_json(format!("{base}{PRODUCTS}/{product}"), &agent)
                .await
                .json["status"],
            "active"
        );

        // A date centuries ahead is a typing error, not a plan.
        let answer = send_json(
            "POST",
            format!("{base}{OPS}/priceChange"),
            &billing,
            json!({
                "market": "rs",
                "package": "mobile-1590",
                "monthlyFee": { "unit": "RSD", "value": 1690 },
                "effective": "2999-01-01",
                "unfavourable": true,
            }),
        )
        .await;
        assert_eq!(answer.status, 400, "{}", answer.text);
        assert!(answer.text.contains("years ahead"), "{}", answer.text);

        // A role that may not pay hears 403, not what the body lacks.
        let answer = send_json(
            "POST",
            format!("{base}{PAYMENTS}"),
            &subscriber,
            json!({ "nonsense": true }),
        )
        .await;
        assert_eq!(answer.status, 403, "{}", answer.text);

        // A NUL in a name, or a header in an e-mail, is a clear 400: never
        // a database error, never stored.
        for (name, email) in [
            ("Ana\u{0}Petrović", "ana@example.rs"),
            ("Ana Petrović", "x\r\nBcc: y@example.com"),
        ] {
            let answer = send_json(
                "POST",
                format!("{base}{CUSTOMERS}"),
                &agent,
                json!({
                    "name": name,
                    "engagedParty": { "id": "new", "@referredType": "Individual" },
                    "contactMedium": [{ "mediumType": "email", "characteristic": { "emailAddress": email } }],
                    "characteristic": [
                        { "name": "market", "value": "rs" },
                        { "name": "idDocument", "value": "biometric_id_card" }
                    ]
                }),
            )
            .await;
            assert_eq!(answer.status, 400, "{name:?} {email:?}: {}", answer.text);
        }
        let _ = server.stop.send(());
        db.drop_database().await.expect("dropped");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn queries_links_and_request_ids_are_what_the_server_knows() {
    let db = TestDatabase::sqlite();
    let server = common::start(&db.url).await;
    let (base, app) = (server.base.clone(), server.app.clone());
    let (_, agent) = token(&app, Role::Agent, None).await;
    let ana = onboard(&base, &agent, "Ana Petrović").await;
    for query in [
        "?colour=blue",
        "?limit=1&limit=2",
        &format!("?billingAccount.id={ana}&relatedParty.id={}", ana + 1),
    ] {
        let answer = get_json(format!("{base}{PRODUCTS}{query}"), &agent).await;
        assert_eq!(answer.status, 400, "{query}: {}", answer.text);
    }
    let fine = get_json(
        format!("{base}{PRODUCTS}?relatedParty.id={ana}&limit=5"),
        &agent,
    )
    .await;
    assert_eq!(fine.status, 200, "{}", fine.text);

    // Links name the server as configured, whatever Host the caller sends.
    let url = format!("{base}{CUSTOMERS}/{ana}");
    let (href, request_id) = tokio::task::spawn_blocking({
        let agent = agent.clone();
        move || {
            let mut answer = ureq::get(&url)
                .header("authorization", format!("Bearer {agent}"))
                .header("host", "evil.example")
                .header("x-request-id", "a b <script>")
                .call()
                .expect("an answer");
            let id = answer
                .headers()
                .get("x-request-id")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_owned();
            let body: serde_json::Value =
                serde_json::from_str(&answer.body_mut().read_to_string().expect("text"))
                    .expect("JSON");
            (body["href"].as_str().unwrap_or("").to_owned(), id)
        }
    })
    .await
    .expect("ran");
    assert!(href.starts_with(&base), "{href}");
    assert!(
        !request_id.contains(' ') && !request_id.is_empty(),
        "{request_id:?}"
    );
    let _ = server.stop.send(());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forms_refused_are_pages_and_bill_runs_wait_for_the_month_to_end() {
    for db in TestDatabase::all().await.expect("test databases") {
        let server = common::start(&db.url).await;
        let (base, app) = (server.base.clone(), server.app.clone());
        let (_, agent) = token(&app, Role::Agent, None).await;
        let ana = onboard(&base, &agent, "Ana Petrović").await;

        // A login guard the server did not make is refused.
        let mut forger = Browser::new(&base);
        forger
            .cookies
            .insert("tarifa_login".to_owned(), "forged".to_owned());
        let page = forger
            .post("/login", &[("token", &agent), ("csrf", "forged")])
            .await;
        assert_eq!(page.status, 403);

        // A refused form is a page, not JSON with a page inside.
        let mut browser = Browser::new(&base);
        browser.log_in(&[("token", &agent)]).await;
        let page = browser.post("/logout", &[("csrf", "wrong")]).await;
        assert_eq!(page.status, 403);
        assert!(
            page.header("content-type")
                .is_some_and(|t| t.starts_with("text/html")),
            "{:?}",
            page.headers
        );
        assert!(page.text().contains("<h1>"), "{}", page.text());

        // A NUL in a form field is refused before it reaches the store.
        let customer = browser.get(&format!("/console/customer/{ana}")).await;
        let csrf = customer.csrf();
        let page = browser
            .post(
                &format!("/console/customer/{ana}/complaint"),
                &[("csrf", &csrf), ("description", "dupli\u{0}ran")],
            )
            .await;
        assert_eq!(page.status, 400, "{}", page.text());

        // Billing may not bill a month that has not ended.
        let (_, billing) = token(&app, Role::Billing, None).await;
        let mut billing_browser = Browser::new(&base);
        billing_browser.log_in(&[("token", &billing)]).await;
        let runs = billing_browser.get("/console/bill-runs").await;
        let csrf = runs.csrf();
        let market = app.market("rs").expect("rs").clone();
        let this_month = tarifa_app::billing::period_code(app.today(&market));
        for period in ["2031-06", "2099-01", this_month.as_str()] {
            let page = billing_browser
                .post(
                    "/console/bill-runs",
                    &[("csrf", &csrf), ("market", "rs"), ("period", period)],
                )
                .await;
            assert_eq!(page.status, 200, "{period}");
            assert!(
                page.text().contains("has not ended"),
                "{period}: {}",
                page.text()
            );
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
        let bills = app
            .list_bills(
                &Ctx::new("test"),
                &tarifa_app::documents::BillFilter {
                    market: None,
                    customer: None,
                },
            )
            .await
            .expect("bills");
        assert!(bills.is_empty(), "{bills:?}");
        let _ = server.stop.send(());
        db.drop_database().await.expect("dropped");
    }
}
