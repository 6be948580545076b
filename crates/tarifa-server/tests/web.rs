//! The console and self-care through plain HTTP, as a browser without
//! scripts uses them: login, session cookies, CSRF, and a subscriber who
//! never sees another customer's data.

mod common;

use std::sync::Arc;

use tarifa_app::Ctx;
use tarifa_app::tokens::Role;
use tarifa_store::testing::TestDatabase;

use common::{Browser, onboard};

/// A server with an agent's token and two customers, Ana and Bojan, each
/// with a contract.
struct Scene {
    server: common::Running,
    base: String,
    app: Arc<tarifa_app::App>,
    ctx: Ctx,
    agent_token: String,
    ana: i64,
    bojan: i64,
    /// Now, until a test moves it (the scheduler passes once, at the start).
    clock: Arc<tarifa_core::time::ManualClock>,
}

impl Scene {
    async fn start(url: &str) -> Self {
        let clock = Arc::new(tarifa_core::time::ManualClock::new(jiff::Timestamp::now()));
        let server = common::start_on(
            url,
            tarifa_server::Options {
                request_timeout: std::time::Duration::from_secs(5),
                scheduler_every: std::time::Duration::from_secs(3600),
                hub_allow: vec!["127.0.0.1".to_owned()],
                ..tarifa_server::Options::default()
            },
            clock.clone(),
        )
        .await;
        let base = server.base.clone();
        let app = server.app.clone();
        let ctx = Ctx::new("test");
        let (_, agent_token) = app
            .create_token(&ctx, Role::Agent, None, None)
            .await
            .expect("token");
        let ana = onboard(&base, &agent_token, "Ana Petrović").await;
        let bojan = onboard(&base, &agent_token, "Bojan Marković").await;
        Self {
            server,
            base,
            app,
            ctx,
            agent_token,
            ana,
            bojan,
            clock,
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn console_and_self_care_sessions_csrf_and_scoping_on_every_backend() {
    for db in TestDatabase::all().await.expect("test databases") {
        let Scene {
            server,
            base,
            app,
            ctx,
            agent_token,
            ana,
            bojan,
            clock: _,
        } = Scene::start(&db.url).await;
        let market = app.market("rs").expect("rs").clone();
        let today = app.today(&market);
        app.run_bills(&ctx, &market, today.first_of_month(), today)
            .await
            .expect("a bill run");
        let bill_of = |customer: i64| {
            let app = app.clone();
            let ctx = ctx.clone();
            async move {
                app.list_bills(
                    &ctx,
                    &tarifa_app::documents::BillFilter {
                        market: None,
                        customer: Some(customer),
                    },
                )
                .await
                .expect("bills")[0]
                    .number
                    .clone()
            }
        };
        let ana_bill = bill_of(ana).await;
        let bojan_bill = bill_of(bojan).await;
        app.create_user(
            &ctx,
            "ana",
            "ana's long password",
            Role::Subscriber,
            Some(ana),
        )
        .await
        .expect("user");

        // Signed out: every page leads to the login.
        let mut browser = Browser::new(&base);
        for path in ["/self", "/console", &format!("/self/bills/{ana_bill}/pdf")] {
            let page = browser.get(path).await;
            assert_eq!(page.status, 303, "{path}");
            assert_eq!(page.header("location"), Some("/login"));
        }

        // The login page speaks the browser's first language we have.
        for (accepted, title) in [
            ("hu-HU,hu;q=0.9,en;q=0.8", "Bejelentkezés"),
            ("de-DE,sr-Latn;q=0.8", "Prijava"),
            ("en-GB,sr;q=0.5", "Log in"),
        ] {
            let page = tokio::task::spawn_blocking({
                let url = format!("{base}/login");
                move || {
                    let mut answer = ureq::get(&url)
                        .header("accept-language", accepted)
                        .call()
                        .expect("the login page");
                    answer.body_mut().read_to_string().expect("text")
                }
            })
            .await
            .expect("ran");
            assert!(
                page.contains(&format!("<h1>{title}</h1>")),
                "{accepted}: {page}"
            );
        }

        // The login form is refused without its CSRF cookie and field.
        let page = browser.get("/login").await;
        assert!(browser.cookies.contains_key("tarifa_login"));
        let csrf = page.csrf();
        let mut stranger = Browser::new(&base);
        let refused = stranger
            .post(
                "/login",
                &[
                    ("username", "ana"),
                    ("password", "ana's long password"),
                    ("csrf", &csrf),
                ],
            )
            .await;
        assert_eq!(refused.status, 403, "no login cookie: forged");
        let wrong = browser
            .log_in(&[("username", "ana"), ("password", "not it at all")])
            .await;
        assert_eq!(wrong.status, 401);
        assert!(wrong.text().contains("not right"));

        // Ana logs in: a Secure, HttpOnly, SameSite=Strict session cookie.
        let login = browser
            .log_in(&[("username", "ana"), ("password", "ana's long password")])
            .await;
        assert_eq!(login.status, 303, "{}", login.text());
        assert_eq!(login.header("location"), Some("/self"));
        let set = login
            .headers
            .iter()
            .find(|(k, v)| k == "set-cookie" && v.starts_with("tarifa_session="))
            .map(|(_, v)| v.clone())
            .expect("a session cookie");
        for attribute in ["HttpOnly", "Secure", "SameSite=Strict", "Path=/"] {
            assert!(set.contains(attribute), "{set}");
        }

        // Her page holds her bills and nothing of Bojan's.
        let home = browser.get("/self").await;
        assert_eq!(home.status, 200);
        let text = home.text();
        assert!(
            text.contains("Ana Petrović") && text.contains(&ana_bill),
            "{text}"
        );
        assert!(!text.contains("Bojan") && !text.contains(&bojan_bill));
        assert!(
            text.contains("role=\"progressbar\""),
            "a bar per allowance: {text}"
        );
        assert!(
            text.contains("<html lang=\"sr-Latn\">")
                && text.contains("Ukupno zaduženje")
                && text.contains("Potrošnja ovog meseca"),
            "self-care in the customer's language: {text}"
        );
        let pdf = browser.get(&format!("/self/bills/{ana_bill}/pdf")).await;
        assert_eq!(pdf.status, 200);
        assert_eq!(pdf.header("content-type"), Some("application/pdf"));
        assert!(pdf.body.starts_with(b"%PDF-"));
        let html = browser.get(&format!("/self/bills/{ana_bill}")).await;
        assert!(
            html.text().contains("Ukupno zaduženje"),
            "a Serbian bill in Serbian"
        );
        assert!(
            html.text().contains("Mesečna pretplata Mobile 1590"),
            "its lines in Serbian too: {}",
            html.text()
        );
        for path in [
            format!("/self/bills/{bojan_bill}"),
            format!("/self/bills/{bojan_bill}/pdf"),
        ] {
            assert_eq!(browser.get(&path).await.status, 404, "{path}");
        }
        for path in [
            "/console".to_owned(),
            format!("/console/customer/{bojan}"),
            format!("/console/bills/{bojan_bill}"),
        ] {
            let page = browser.get(&path).await;
            assert_eq!(page.status, 303, "{path}");
            assert_eq!(page.header("location"), Some("/self"), "{path}");
        }

        // A form without the session's CSRF token changes nothing.
        let complaints = |customer| {
            let app = app.clone();
            let ctx = ctx.clone();
            async move {
                let mut tx = app.begin_read(&ctx).await.expect("tx");
                tx.complaints_of_customer(customer)
                    .await
                    .expect("complaints")
                    .len()
            }
        };
        let csrf = home.csrf();
        for bad in ["", "forged"] {
            let page = browser
                .post(
                    "/self/complaint",
                    &[("bill", &ana_bill), ("disputed", "100"), ("csrf", bad)],
                )
                .await;
            assert_eq!(page.status, 403);
        }
        assert_eq!(complaints(ana).await, 0);
        let filed = browser
            .post(
                "/self/complaint",
                &[("bill", &ana_bill), ("disputed", "100"), ("csrf", &csrf)],
            )
            .await;
        assert_eq!(filed.status, 200);
        assert!(
            filed.text().contains("Reklamacija: primljeno, u obradi"),
            "her page speaks Serbian: {}",
            filed.text()
        );
        assert_eq!(complaints(ana).await, 1);
        // Another customer's bill cannot be complained about from her session.
        let theirs = browser
            .post("/self/complaint", &[("bill", &bojan_bill), ("csrf", &csrf)])
            .await;
        let text = theirs.text();
        assert!(
            text.contains("Reklamacija: odbijeno") && text.contains("CMP-1"),
            "{text}"
        );
        assert_eq!(complaints(bojan).await, 0);
        // An unlock request for a device that is not hers is refused.
        let unlock = browser
            .post(
                "/self/unlock",
                &[("imei", "490154203237518"), ("csrf", &csrf)],
            )
            .await;
        assert!(unlock.text().contains("Uređaj sa IMEI brojem"));

        // Logout ends the session for good.
        let out = browser.post("/logout", &[("csrf", &csrf)]).await;
        assert_eq!(out.status, 303);
        assert_eq!(browser.get("/self").await.status, 303);

        // An agent logs in with a token and finds customers.
        let mut agent = Browser::new(&base);
        let login = agent.log_in(&[("token", &agent_token)]).await;
        assert_eq!(login.header("location"), Some("/console"));
        let found = agent.get("/console?q=petrov").await;
        assert_eq!(found.status, 303, "one match goes to the customer");
        assert_eq!(
            found.header("location"),
            Some(format!("/console/customer/{ana}").as_str())
        );
        let by_bill = agent.get(&format!("/console?q={bojan_bill}")).await;
        assert_eq!(
            by_bill.header("location"),
            Some(format!("/console/customer/{bojan}").as_str())
        );
        let none = agent.get("/console?q=nobody%20at%20all").await;
        assert!(none.text().contains("No customer matches"));
        let page = agent.get(&format!("/console/customer/{bojan}")).await;
        assert_eq!(page.status, 200);
        let text = page.text();
        assert!(text.contains("Bojan Marković") && text.contains(&bojan_bill));
        assert!(
            text.contains("Account: <strong>owes ") && !text.contains(">paid</td>"),
            "the balance by the ledger: {text}"
        );
        let filed = agent
            .post(
                &format!("/console/customer/{bojan}/complaint"),
                &[("bill", ""), ("csrf", &page.csrf())],
            )
            .await;
        assert!(
            filed.text().contains("Complaint: recorded"),
            "{}",
            filed.text()
        );
        let forged = agent
            .post(
                &format!("/console/customer/{bojan}/complaint"),
                &[("bill", ""), ("csrf", &csrf)],
            )
            .await;
        assert_eq!(forged.status, 403, "another session's token");
        assert_eq!(complaints(bojan).await, 1);
        // A contract with a subsidised phone under commitment; its unlock is
        // refused while the commitment runs, the rule shown.
        let page = agent.get(&format!("/console/customer/{bojan}")).await;
        let signed = agent
            .post(
                &format!("/console/customer/{bojan}/contract"),
                &[
                    ("package", "mobile-1590"),
                    ("commitment_months", "24"),
                    ("device", "samsung-a56"),
                    ("imei", "356938035643817"),
                    ("price", "19990.00"),
                    ("instalments", "24"),
                    ("csrf", &page.csrf()),
                ],
            )
            .await;
        let text = signed.text();
        assert!(text.contains("Contract: done"), "{text}");
        assert!(text.contains("356938035643817"));
        let unlock = agent
            .post(
                &format!("/console/customer/{bojan}/unlock"),
                &[
                    ("imei", "356938035643817"),
                    ("requester", "owner"),
                    ("csrf", &page.csrf()),
                ],
            )
            .await;
        let text = unlock.text();
        assert!(
            text.contains("Unlock request: refused") && text.contains("UNL-1"),
            "{text}"
        );
        let view = agent.get(&format!("/console/bills/{bojan_bill}")).await;
        assert!(view.text().contains(&bojan_bill));

        let _ = server.stop.send(());
    }
}

/// The first contract of a customer, read from the store.
async fn first_contract(app: &tarifa_app::App, customer: i64) -> tarifa_store::ContractRow {
    let mut tx = app.begin_read(&Ctx::new("test")).await.expect("tx");
    tx.contracts_of_customer(customer)
        .await
        .expect("contracts")
        .remove(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn contract_actions_self_care_requests_and_bill_runs_on_every_backend() {
    for db in TestDatabase::all().await.expect("test databases") {
        let Scene {
            server,
            base,
            app,
            ctx,
            agent_token,
            ana,
            bojan,
            clock,
        } = Scene::start(&db.url).await;
        let (_, billing_token) = app
            .create_token(&ctx, Role::Billing, None, None)
            .await
            .expect("token");
        let ana_contract = first_contract(&app, ana).await;
        let bojan_contract = first_contract(&app, bojan).await;
        let market = app.market("rs").expect("rs").clone();
        let period = tarifa_app::billing::period_code(app.today(&market).first_of_month());
        app.create_user(
            &ctx,
            "ana",
            "ana's long password",
            Role::Subscriber,
            Some(ana),
        )
        .await
        .expect("user");
        let services = |customer| {
            let app = app.clone();
            async move {
                let mut tx = app.begin_read(&Ctx::new("test")).await.expect("tx");
                (
                    tx.listings_of_customer(customer).await.expect("listings"),
                    tx.spending_limits_of_customer(customer)
                        .await
                        .expect("limits"),
                )
            }
        };

        // Ana asks for a listing and a spending limit on her own number.
        let mut browser = Browser::new(&base);
        browser
            .log_in(&[("username", "ana"), ("password", "ana's long password")])
            .await;
        let home = browser.get("/self").await;
        let csrf = home.csrf();
        assert!(home.text().contains("id=\"listing-form\""));
        let ana_id = ana_contract.id.to_string();
        let bojan_id = bojan_contract.id.to_string();
        let refused = browser
            .post(
                "/self/listing",
                &[("contract", &ana_id), ("period", &period), ("csrf", "")],
            )
            .await;
        assert_eq!(refused.status, 403);
        let listing = browser
            .post(
                "/self/listing",
                &[("contract", &ana_id), ("period", &period), ("csrf", &csrf)],
            )
            .await;
        let text = listing.text();
        assert!(
            text.contains("Listing: urađeno") && text.contains("USE-5"),
            "{text}"
        );
        assert!(
            text.contains("Listing br."),
            "the request is listed: {text}"
        );
        let limit = browser
            .post(
                "/self/spending-limit",
                &[
                    ("contract", &ana_id),
                    ("amount", "2500,00"),
                    ("csrf", &csrf),
                ],
            )
            .await;
        let text = limit.text();
        assert!(
            text.contains("Limit potrošnje: urađeno") && text.contains("USE-4"),
            "{text}"
        );
        assert!(
            text.contains("2.500,00 RSD po obračunskom periodu"),
            "{text}"
        );
        let (listings, limits) = services(ana).await;
        assert_eq!((listings.len(), limits.len()), (1, 1));
        assert_eq!(limits[0].amount_minor, 250_000);
        // The listing is a document of hers, as a page and as a PDF.
        let ana_listing = listings[0].id;
        assert!(text.contains(&format!("href=\"/self/listings/{ana_listing}\"")));
        let page = browser.get(&format!("/self/listings/{ana_listing}")).await;
        assert_eq!(page.status, 200);
        assert!(
            page.text().contains("Listing (specifikacija saobraćaja)")
                && page.text().contains(&ana_contract.number),
            "{}",
            page.text()
        );
        let pdf = browser
            .get(&format!("/self/listings/{ana_listing}/pdf"))
            .await;
        assert_eq!(pdf.header("content-type"), Some("application/pdf"));
        assert!(pdf.body.starts_with(b"%PDF-"));
        // Bojan's listing is not there for her; the console opens it.
        let bojan_listing = app
            .request_listing(&ctx, bojan_contract.id, &period)
            .await
            .expect("a listing")
            .value
            .expect("given");
        for path in [
            format!("/self/listings/{bojan_listing}"),
            format!("/self/listings/{bojan_listing}/pdf"),
        ] {
            assert_eq!(browser.get(&path).await.status, 404, "{path}");
        }
        assert_eq!(
            browser
                .get(&format!("/console/listings/{bojan_listing}"))
                .await
                .header("location"),
            Some("/self")
        );
        // A listing further back than USE-5 allows is refused with the rule.
        let old = browser
            .post(
                "/self/listing",
                &[
                    ("contract", &ana_id),
                    ("period", "2001-01"),
                    ("csrf", &csrf),
                ],
            )
            .await;
        let text = old.text();
        assert!(
            text.contains("Listing: odbijeno") && text.contains("USE-5"),
            "{text}"
        );
        // Bojan's number is out of her reach, and nothing is written for him.
        for (path, field, value) in [
            ("/self/listing", "period", period.as_str()),
            ("/self/spending-limit", "amount", "100"),
        ] {
            let page = browser
                .post(
                    path,
                    &[("contract", &bojan_id), (field, value), ("csrf", &csrf)],
                )
                .await;
            assert!(
                page.text().contains("Ovaj korisnik nema takav ugovor"),
                "{path}: {}",
                page.text()
            );
            assert!(!page.text().contains(&bojan_contract.number));
        }
        let (listings, limits) = services(bojan).await;
        assert_eq!(
            (listings.len(), limits.len()),
            (1, 0),
            "only the console's listing"
        );
        // The console's contract page is not hers.
        let page = browser
            .get(&format!("/console/contract/{}", bojan_contract.id))
            .await;
        assert_eq!(page.header("location"), Some("/self"));

        // The agent opens Ana's contract from her customer page.
        let mut agent = Browser::new(&base);
        agent.log_in(&[("token", &agent_token)]).await;
        let customer = agent.get(&format!("/console/customer/{ana}")).await;
        assert!(
            customer
                .text()
                .contains(&format!("href=\"/console/contract/{}\"", ana_contract.id)),
            "contracts link to their page"
        );
        assert!(customer.text().contains("id=\"notices\""));
        let path = format!("/console/contract/{}", ana_contract.id);
        let page = agent.get(&path).await;
        assert_eq!(page.status, 200);
        let text = page.text();
        assert!(text.contains(&ana_contract.number) && text.contains("Listing #"));
        let listing = agent
            .get(&format!("/console/listings/{bojan_listing}/pdf"))
            .await;
        assert_eq!(listing.header("content-type"), Some("application/pdf"));
        let csrf = page.csrf();

        // A device sold on the running contract, with a new commitment.
        let sold = agent
            .post(
                &format!("{path}/device"),
                &[
                    ("device", "samsung-a56"),
                    ("imei", "356938035643817"),
                    ("price", "19990,00"),
                    ("instalments", "12"),
                    ("package", ""),
                    ("commitment_months", "24"),
                    ("csrf", &csrf),
                ],
            )
            .await;
        let text = sold.text();
        assert!(text.contains("Device sale: done"), "{text}");
        assert!(text.contains("356938035643817"), "the sale is listed");

        // A package change is quoted by GET (nothing changes), then made.
        let quoted = agent.get(&format!("{path}?package=mobile-1990")).await;
        let text = quoted.text();
        assert!(text.contains("Quote: Move to mobile-1990"), "{text}");
        assert!(text.contains("id=\"execute-form\""), "{text}");
        assert_eq!(
            first_contract(&app, ana).await.package_id,
            "mobile-1590",
            "a quote changes nothing"
        );
        let changed = agent
            .post(
                &format!("{path}/package"),
                &[("package", "mobile-1990"), ("csrf", &csrf)],
            )
            .await;
        assert!(
            changed.text().contains("Package change: done"),
            "{}",
            changed.text()
        );
        assert_eq!(first_contract(&app, ana).await.package_id, "mobile-1990");
        // An unknown package is refused with its rule.
        let unknown = agent.get(&format!("{path}?package=no-such")).await;
        let text = unknown.text();
        assert!(
            text.contains("would be refused") && text.contains("CAT-1"),
            "{text}"
        );
        assert!(!text.contains("id=\"execute-form\""));

        // Ending Bojan's contract: quoted with its fees, then executed.
        let bojan_path = format!("/console/contract/{}", bojan_contract.id);
        let quoted = agent
            .get(&format!("{bojan_path}?by=subscriber&reason=ordinary"))
            .await;
        let text = quoted.text();
        assert!(
            text.contains("Quote: Termination by the subscriber"),
            "{text}"
        );
        assert!(text.contains("Ends on"), "{text}");
        assert_eq!(first_contract(&app, bojan).await.status, "active");
        let ended = agent
            .post(
                &format!("{bojan_path}/terminate"),
                &[
                    ("by", "subscriber"),
                    ("reason", "ordinary"),
                    ("csrf", &csrf),
                ],
            )
            .await;
        let text = ended.text();
        assert!(text.contains("Termination: done"), "{text}");
        assert!(text.contains("TRM-"), "the rule is shown: {text}");
        assert_eq!(first_contract(&app, bojan).await.status, "terminated");
        // Ending it again is refused, with the reason.
        let again = agent
            .get(&format!("{bojan_path}?by=subscriber&reason=ordinary"))
            .await;
        assert!(again.text().contains("would be refused"));
        let forged = agent
            .post(
                &format!("{path}/terminate"),
                &[("by", "subscriber"), ("reason", "ordinary"), ("csrf", "x")],
            )
            .await;
        assert_eq!(forged.status, 403);
        assert_eq!(first_contract(&app, ana).await.status, "active");

        // The console speaks the agent's browser language: Hungarian here.
        let mut hungarian = Browser::new(&base);
        hungarian.language = Some("hu-HU,hu;q=0.9");
        hungarian.log_in(&[("token", &agent_token)]).await;
        let search = hungarian.get("/console").await.text();
        assert!(
            search.contains("<html lang=\"hu\">") && search.contains("Ügyfél keresése"),
            "{search}"
        );
        let customer = hungarian
            .get(&format!("/console/customer/{ana}"))
            .await
            .text();
        assert!(
            customer.contains("Szerződések") && customer.contains("Egyenleg"),
            "{customer}"
        );
        let quoted = hungarian
            .get(&format!("{path}?by=subscriber&reason=ordinary"))
            .await
            .text();
        assert!(
            quoted.contains("Ajánlat: Felmondás: az előfizető") && quoted.contains("Megszűnik"),
            "{quoted}"
        );
        assert!(
            hungarian
                .get("/console/bill-runs")
                .await
                .text()
                .contains("Számlázott időszakok")
        );

        // Bill runs: an agent watches but may not start one.
        let runs = agent.get("/console/bill-runs").await;
        assert_eq!(runs.status, 200);
        assert!(!runs.text().contains("id=\"bill-run-form\""));
        let next_month = tarifa_core::time::add_months(app.today(&market).first_of_month(), 1);
        let refused = agent
            .post(
                "/console/bill-runs",
                &[
                    ("market", "rs"),
                    ("period", &period),
                    ("issued_on", &next_month.to_string()),
                    ("csrf", &csrf),
                ],
            )
            .await;
        assert!(refused.text().contains("for billing operations"));
        // A month is billed once it is over: the clock moves to the first
        // day of the next (the scheduler does not pass again in this test).
        clock.set_date(next_month, &market.time_zone);
        let mut billing = Browser::new(&base);
        billing.log_in(&[("token", &billing_token)]).await;
        let runs = billing.get("/console/bill-runs").await;
        assert!(runs.text().contains("id=\"bill-run-form\""));
        let bad = billing
            .post(
                "/console/bill-runs",
                &[
                    ("market", "rs"),
                    ("period", "2026-13"),
                    ("csrf", &runs.csrf()),
                ],
            )
            .await;
        assert!(bad.text().contains("is not a month"), "{}", bad.text());
        let started = billing
            .post(
                "/console/bill-runs",
                &[
                    ("market", "rs"),
                    ("period", &period),
                    ("issued_on", &next_month.to_string()),
                    ("csrf", &runs.csrf()),
                ],
            )
            .await;
        assert_eq!(started.status, 303, "{}", started.text());
        let mut done = String::new();
        for _ in 0..200 {
            let page = billing.get("/console/bill-runs").await.text();
            if page.contains("class=\"run done\"") {
                done = page;
                break;
            }
            assert!(!page.contains("class=\"run failed\""), "{page}");
            assert!(
                page.contains("http-equiv=\"refresh\""),
                "a running run refreshes the page"
            );
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        let bills = app
            .list_bills(
                &ctx,
                &tarifa_app::documents::BillFilter {
                    market: Some("rs".into()),
                    customer: None,
                },
            )
            .await
            .expect("bills")
            .into_iter()
            .filter(|b| b.period == period)
            .count();
        assert!(bills >= 2, "both customers billed");
        assert!(
            done.contains(&format!("{bills} of {bills} bills")),
            "{done}"
        );
        assert!(!done.contains("http-equiv=\"refresh\""));
        assert!(
            done.contains(&format!("<td>rs</td><td>{period}</td>")),
            "the period in the history: {done}"
        );

        let _ = server.stop.send(());
    }
}
