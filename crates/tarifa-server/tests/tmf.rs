//! Black-box: the TM Forum resources over HTTP on every backend — each
//! resource's happy path validated against the official TMF swagger schema,
//! every role's boundary, a subscriber confined to their own customer, bad
//! input answered with a TMF Error and nothing written, and hub events.

mod common;

use std::sync::Arc;

use common::{Answer, call, get_json, listener, send_json, start};
use serde_json::{Value, json};
use tarifa_app::Ctx;
use tarifa_app::tokens::Role;
use tarifa_store::testing::TestDatabase;

const CUSTOMERS: &str = "/tmf-api/customerManagement/v4/customer";
const ACCOUNTS: &str = "/tmf-api/accountManagement/v4/billingAccount";
const OFFERINGS: &str = "/tmf-api/productCatalogManagement/v4/productOffering";
const PRICES: &str = "/tmf-api/productCatalogManagement/v4/productOfferingPrice";
const PRODUCTS: &str = "/tmf-api/productInventory/v4/product";
const USAGE: &str = "/tmf-api/usageManagement/v4/usage";
const BILLS: &str = "/tmf-api/customerBillManagement/v4/customerBill";
const RATES: &str = "/tmf-api/customerBillManagement/v4/appliedCustomerBillingRate";
const PAYMENTS: &str = "/tmf-api/paymentManagement/v4/payment";
const TICKETS: &str = "/tmf-api/troubleTicket/v4/troubleTicket";
const MESSAGES: &str = "/tmf-api/communicationManagement/v4/communicationMessage";

/// A validator for one definition of an official TMF swagger file.
fn tmf_schema(file: &str, definition: &str) -> jsonschema::Validator {
    let path = format!("{}/tests/tmf-swagger/{file}", env!("CARGO_MANIFEST_DIR"));
    let swagger: Value =
        serde_json::from_str(&std::fs::read_to_string(&path).expect("the swagger file"))
            .expect("the swagger is JSON");
    let schema = json!({
        "$ref": format!("#/definitions/{definition}"),
        "definitions": swagger["definitions"],
    });
    jsonschema::options()
        .with_draft(jsonschema::Draft::Draft4)
        .should_validate_formats(true)
        .build(&schema)
        .expect("the swagger's schema compiles")
}

fn conforms(file: &str, definition: &str, value: &Value) {
    let validator = tmf_schema(file, definition);
    let errors: Vec<String> = validator
        .iter_errors(value)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "{definition} does not conform to {file}: {errors:#?}\n{value:#}"
    );
}

fn created(answer: &Answer, what: &str) -> Value {
    assert_eq!(answer.status, 201, "{what}: {}", answer.text);
    answer.json.clone()
}

fn customer_body(name: &str) -> Value {
    json!({
        "name": name,
        "engagedParty": { "id": "new", "@referredType": "Individual" },
        "contactMedium": [
            { "mediumType": "email", "characteristic": { "emailAddress": "ana@example.rs" } },
            { "mediumType": "postalAddress", "characteristic": { "street1": "Bulevar 1, Beograd" } }
        ],
        "characteristic": [
            { "name": "market", "value": "rs" },
            { "name": "idDocument", "value": "biometric_id_card" },
            { "name": "idDocumentNumber", "value": "123456789" }
        ]
    })
}

struct Party {
    customer: String,
    product: String,
    number: String,
}

async fn onboard(base: &str, agent: &str, name: &str) -> Party {
    let customer = created(
        &send_json(
            "POST",
            format!("{base}{CUSTOMERS}"),
            agent,
            customer_body(name),
        )
        .await,
        "customer",
    );
    conforms("TMF629-Customer-v4.0.0.swagger.json", "Customer", &customer);
    let id = customer["id"].as_str().expect("an id").to_owned();
    let product = created(
        &send_json(
            "POST",
            format!("{base}{PRODUCTS}"),
            agent,
            json!({
                "productOffering": { "id": "rs.package.mobile-1590" },
                "relatedParty": [{ "id": id, "role": "customer", "@referredType": "Customer" }],
            }),
        )
        .await,
        "product",
    );
    conforms(
        "TMF637-ProductInventory-v4.0.0.swagger.json",
        "Product",
        &product,
    );
    assert_eq!(product["status"], "active");
    Party {
        customer: id,
        product: product["id"].as_str().expect("an id").to_owned(),
        number: product["productSerialNumber"]
            .as_str()
            .expect("a number")
            .to_owned(),
    }
}

fn usage_body(id: &str, number: &str) -> Value {
    json!({
        "usageType": "voice",
        "usageDate": jiff::Timestamp::now().to_string(),
        "usageCharacteristic": [
            { "name": "recordId", "value": id },
            { "name": "number", "value": number },
            { "name": "to", "value": "+381112222222" },
            { "name": "quantity", "value": 125 }
        ]
    })
}

/// A body announced at 2 MiB: the server answers before reading it, so the
/// request is written by hand and only its start is sent.
async fn oversized(base: &str, path: &str, token: &str) -> Answer {
    use std::io::{Read, Write};
    let address = base.trim_start_matches("http://").to_owned();
    let request = format!(
        "POST {path} HTTP/1.1\r\nhost: {address}\r\nauthorization: Bearer {token}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{{\"name\": \"",
        2 * 1024 * 1024
    );
    tokio::task::spawn_blocking(move || {
        let mut stream = std::net::TcpStream::connect(&address).expect("connect");
        stream.write_all(request.as_bytes()).expect("write");
        let mut text = String::new();
        let _ = stream.read_to_string(&mut text);
        let status = text
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        let body = text
            .split_once("\r\n\r\n")
            .map_or("", |(_, b)| b)
            .to_owned();
        Answer {
            status,
            headers: Default::default(),
            json: serde_json::from_str(&body).unwrap_or(Value::Null),
            text: body,
        }
    })
    .await
    .expect("the request ran")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tmf_resources_roles_scoping_and_events_on_every_backend() {
    for db in TestDatabase::all_and_a_file()
        .await
        .expect("test databases")
    {
        let server = start(&db.url).await;
        let base = server.base.clone();
        let app: Arc<tarifa_app::App> = server.app.clone();
        let ctx = Ctx::new("test");
        let token = |role| {
            let app = app.clone();
            let ctx = ctx.clone();
            async move {
                let (id, secret) = app
                    .create_token(&ctx, role, None, None)
                    .await
                    .expect("a token");
                (id, secret)
            }
        };
        let (_, admin) = token(Role::Admin).await;
        let (agent_id, agent) = token(Role::Agent).await;
        let (_, billing) = token(Role::Billing).await;

        // A hub listener hears of the next customer.
        let (callback, delivered) = listener().await;
        let hub = created(
            &send_json(
                "POST",
                format!("{base}/tmf-api/customerManagement/v4/hub"),
                &agent,
                json!({ "callback": callback, "query": "eventType=CustomerCreateEvent" }),
            )
            .await,
            "hub",
        );

        let ana = onboard(&base, &agent, "Ana Petrović").await;
        let event: Value = serde_json::from_str(
            &tokio::time::timeout(std::time::Duration::from_secs(20), delivered)
                .await
                .expect("the event is delivered in time")
                .expect("the listener ran")
                .body,
        )
        .expect("the event is JSON");
        assert_eq!(event["eventType"], "CustomerCreateEvent");
        assert_eq!(event["event"]["customer"]["id"], ana.customer.as_str());
        let hub_url = format!(
            "{base}/tmf-api/customerManagement/v4/hub/{}",
            hub["id"].as_str().expect("id")
        );
        assert_eq!(
            call("DELETE", hub_url.clone(), Some(&agent), None)
                .await
                .status,
            204
        );
        assert_eq!(get_json(hub_url, &agent).await.status, 404);

        let bo = onboard(&base, &agent, "Bojan Marković").await;

        // Every write is audited with the token that made it.
        let mut tx = app.begin(&ctx).await.expect("tx");
        let trail = tx
            .audit_trail("customer", &ana.customer)
            .await
            .expect("trail");
        assert!(
            trail.iter().any(|a| a.actor == format!("token:{agent_id}")),
            "{trail:?}"
        );
        tx.rollback().await.expect("rollback");

        // Usage: rated once however often it is posted; the same id with
        // other content (a later time) is refused, not rated again.
        let body = usage_body("api-1", &ana.number);
        let first = send_json("POST", format!("{base}{USAGE}"), &billing, body.clone()).await;
        let record = created(&first, "usage");
        conforms("TMF635-Usage-v4.0.0.swagger.json", "Usage", &record);
        let again = send_json("POST", format!("{base}{USAGE}"), &billing, body).await;
        assert_eq!(again.status, 200, "{}", again.text);
        let other = send_json(
            "POST",
            format!("{base}{USAGE}"),
            &billing,
            usage_body("api-1", &ana.number),
        )
        .await;
        assert_eq!(other.status, 422, "{}", other.text);
        assert!(other.text.contains("other content"), "{}", other.text);
        let bo_usage = created(
            &send_json(
                "POST",
                format!("{base}{USAGE}"),
                &billing,
                usage_body("api-2", &bo.number),
            )
            .await,
            "usage of the other customer",
        );
        let bo_usage_id = bo_usage["id"].as_str().expect("id").to_owned();
        assert!(
            bo_usage_id.ends_with("-api-2")
                && bo_usage["usageCharacteristic"][0]["value"] == "api-2",
            "the id says where the record is, and recordId is the CDR's: {bo_usage}"
        );
        let unknown = send_json(
            "POST",
            format!("{base}{USAGE}"),
            &billing,
            usage_body("api-3", "+38164999999999"),
        )
        .await;
        assert_eq!(unknown.status, 422, "{}", unknown.text);
        let metrics = call("GET", format!("{base}/metrics"), Some(&admin), None)
            .await
            .text;
        for line in [
            r#"tarifa_usage_records_total{outcome="imported"} 2"#,
            r#"tarifa_usage_records_total{outcome="duplicate"} 1"#,
            // The repeat with other content, and the unknown number.
            r#"tarifa_usage_records_total{outcome="rejected"} 2"#,
            "tarifa_bills_issued_total",
        ] {
            assert!(metrics.contains(line), "{line} in {metrics}");
        }

        // Bills: this month's run, then the bills and their lines. The run
        // is no API call, yet the bill hub hears of it (from the audit trail).
        let (callback, delivered) = listener().await;
        created(
            &send_json(
                "POST",
                format!("{base}/tmf-api/customerBillManagement/v4/hub"),
                &billing,
                json!({ "callback": callback }),
            )
            .await,
            "bill hub",
        );
        let market = app.market("rs").expect("rs").clone();
        let today = app.today(&market);
        app.run_bills(&ctx, &market, today.first_of_month(), today)
            .await
            .expect("a bill run");
        let event: Value = serde_json::from_str(
            &tokio::time::timeout(std::time::Duration::from_secs(30), delivered)
                .await
                .expect("the bill event is delivered in time")
                .expect("the listener ran")
                .body,
        )
        .expect("the event is JSON");
        assert_eq!(event["eventType"], "CustomerBillCreateEvent", "{event:#}");
        conforms(
            "TMF678-CustomerBill-v4.0.0.swagger.json",
            "CustomerBill",
            &event["event"]["customerBill"],
        );
        let bills = get_json(format!("{base}{BILLS}"), &admin).await;
        assert_eq!(bills.status, 200, "{}", bills.text);
        let bills = bills.json.as_array().expect("a list").clone();
        assert!(bills.len() >= 2, "{bills:#?}");
        for bill in &bills {
            conforms(
                "TMF678-CustomerBill-v4.0.0.swagger.json",
                "CustomerBill",
                bill,
            );
        }
        let bill_of = |customer: &str| {
            bills
                .iter()
                .find(|b| b["billingAccount"]["id"] == customer)
                .expect("a bill of the customer")
                .clone()
        };
        let ana_bill = bill_of(&ana.customer);
        let bo_bill = bill_of(&bo.customer);
        let rates = get_json(format!("{base}{RATES}?limit=1000"), &admin).await;
        let rates = rates.json.as_array().expect("a list").clone();
        for rate in &rates {
            conforms(
                "TMF678-CustomerBill-v4.0.0.swagger.json",
                "AppliedCustomerBillingRate",
                rate,
            );
        }
        let bo_rate = rates
            .iter()
            .find(|r| r["bill"]["id"] == bo_bill["id"])
            .expect("a line of the other bill")
            .clone();

        // Payments: recorded once per reference.
        let pay = |customer: &str, reference: &str| {
            json!({
                "account": { "id": customer },
                "paymentMethod": { "name": "bank transfer" },
                "totalAmount": { "unit": "RSD", "value": 100.5 },
                "correlatorId": reference,
            })
        };
        let payment = created(
            &send_json(
                "POST",
                format!("{base}{PAYMENTS}"),
                &billing,
                pay(&ana.customer, "ref-1"),
            )
            .await,
            "payment",
        );
        conforms("TMF676-Payment-v4.0.0.swagger.json", "Payment", &payment);
        assert_eq!(payment["totalAmount"]["value"], 100.5);
        let repeat = send_json(
            "POST",
            format!("{base}{PAYMENTS}"),
            &billing,
            pay(&ana.customer, "ref-1"),
        )
        .await;
        assert_eq!(repeat.status, 200, "{}", repeat.text);
        assert_eq!(repeat.json["id"], payment["id"]);
        let bo_payment = created(
            &send_json(
                "POST",
                format!("{base}{PAYMENTS}"),
                &billing,
                pay(&bo.customer, "ref-2"),
            )
            .await,
            "payment of the other customer",
        );
        let account = get_json(format!("{base}{ACCOUNTS}/{}", ana.customer), &billing).await;
        assert_eq!(account.status, 200, "{}", account.text);
        conforms(
            "TMF666-Account-2.1.swagger.json",
            "BillingAccount",
            &account.json,
        );

        // The catalog.
        let offerings = get_json(format!("{base}{OFFERINGS}?limit=1000"), &agent).await;
        for offering in offerings.json.as_array().expect("a list") {
            conforms(
                "TMF620-ProductCatalog-v4.1.0.swagger.json",
                "ProductOffering",
                offering,
            );
        }
        let one = get_json(format!("{base}{OFFERINGS}/rs.package.mobile-1590"), &agent).await;
        assert_eq!(one.status, 200, "{}", one.text);
        let prices = get_json(format!("{base}{PRICES}?limit=1000"), &agent).await;
        for price in prices.json.as_array().expect("a list") {
            conforms(
                "TMF620-ProductCatalog-v4.1.0.swagger.json",
                "ProductOfferingPrice",
                price,
            );
        }

        // Subscribers: Ana's token, and a complaint about her bill.
        let (_, ana_token) = app
            .create_token(
                &ctx,
                Role::Subscriber,
                Some(ana.customer.parse().expect("id")),
                None,
            )
            .await
            .expect("a subscriber token");
        let ticket = created(
            &send_json(
                "POST",
                format!("{base}{TICKETS}"),
                &ana_token,
                json!({
                    "description": "the bill is too high",
                    "severity": "minor",
                    "ticketType": "bill",
                    "relatedParty": [{ "id": ana.customer, "@referredType": "Customer" }],
                    "relatedEntity": [{ "id": ana_bill["id"], "role": "disputedBill", "@referredType": "CustomerBill" }],
                }),
            )
            .await,
            "complaint",
        );
        conforms(
            "TMF621-TroubleTicket-v4.0.0.swagger.json",
            "TroubleTicket",
            &ticket,
        );
        assert_eq!(ticket["status"], "inProgress");
        let ticket_url = format!("{base}{TICKETS}/{}", ticket["id"].as_str().expect("id"));
        let subscriber_decides = send_json(
            "PATCH",
            ticket_url.clone(),
            &ana_token,
            json!({ "status": "resolved" }),
        )
        .await;
        assert_eq!(
            subscriber_decides.status, 403,
            "{}",
            subscriber_decides.text
        );
        let decided = send_json("PATCH", ticket_url, &agent, json!({ "status": "resolved" })).await;
        assert_eq!(decided.status, 200, "{}", decided.text);
        assert_eq!(decided.json["status"], "resolved");
        let bo_ticket = created(
            &send_json(
                "POST",
                format!("{base}{TICKETS}"),
                &agent,
                json!({
                    "description": "calls drop",
                    "severity": "minor",
                    "ticketType": "quality",
                    "relatedParty": [{ "id": bo.customer, "@referredType": "Customer" }],
                }),
            )
            .await,
            "the other customer's complaint",
        );

        // What is Bojan's, Ana cannot see: 404 on each, and lists hold only hers.
        let bo_items = [
            format!("{CUSTOMERS}/{}", bo.customer),
            format!("{ACCOUNTS}/{}", bo.customer),
            format!("{PRODUCTS}/{}", bo.product),
            format!("{USAGE}/{bo_usage_id}"),
            format!("{BILLS}/{}", bo_bill["id"].as_str().expect("id")),
            format!(
                "{BILLS}/{}/document?format=html",
                bo_bill["id"].as_str().expect("id")
            ),
            format!("{RATES}/{}", bo_rate["id"].as_str().expect("id")),
            format!("{PAYMENTS}/{}", bo_payment["id"].as_str().expect("id")),
            format!("{TICKETS}/{}", bo_ticket["id"].as_str().expect("id")),
        ];
        for item in &bo_items {
            assert_eq!(
                get_json(format!("{base}{item}"), &admin).await.status,
                200,
                "{item}"
            );
            let hidden = get_json(format!("{base}{item}"), &ana_token).await;
            assert_eq!(hidden.status, 404, "{item}: {}", hidden.text);
            assert_eq!(hidden.json["@type"], "Error");
        }
        // The bill's documents (TMF678 billDocument): the PDF and the HTML
        // page in the customer's language; unknown formats and languages refused.
        let documents = bo_bill["billDocument"].as_array().expect("billDocument");
        assert_eq!(documents.len(), 2, "{bo_bill:#}");
        let pdf_url = documents[0]["url"].as_str().expect("url");
        assert_eq!(documents[0]["mimeType"], "application/pdf");
        let pdf = call("GET", pdf_url.to_owned(), Some(&admin), None).await;
        assert_eq!(pdf.status, 200);
        assert_eq!(pdf.headers["content-type"], "application/pdf");
        assert!(pdf.headers["content-disposition"].contains(".pdf"));
        let html_url = documents[1]["url"].as_str().expect("url");
        let html = call("GET", format!("{html_url}&lang=en"), Some(&admin), None).await;
        assert_eq!(html.status, 200);
        assert!(html.headers["content-type"].starts_with("text/html"));
        assert!(
            html.text
                .contains(bo_bill["billNo"].as_str().expect("number"))
        );
        assert!(html.text.contains("Total due"), "English on request");
        for bad in ["?format=docx", "?lang=de"] {
            let answer = call(
                "GET",
                format!(
                    "{base}{BILLS}/{}/document{bad}",
                    bo_bill["id"].as_str().expect("id")
                ),
                Some(&admin),
                None,
            )
            .await;
            assert_eq!(answer.status, 400, "{bad}: {}", answer.text);
        }

        for list in [
            CUSTOMERS, ACCOUNTS, PRODUCTS, USAGE, BILLS, RATES, PAYMENTS, TICKETS, MESSAGES,
        ] {
            let mine = get_json(format!("{base}{list}?limit=1000"), &ana_token).await;
            assert_eq!(mine.status, 200, "{list}: {}", mine.text);
            let text = mine.text.clone();
            assert!(
                !mine.json.as_array().expect("a list").is_empty() || list == MESSAGES,
                "{list}"
            );
            assert!(
                !text.contains(&format!("/customer/{}\"", bo.customer)),
                "{list}: {text}"
            );
            assert!(
                !text.contains(&format!("/billingAccount/{}\"", bo.customer)),
                "{list}: {text}"
            );
            assert_eq!(
                mine.headers.get("x-result-count").map(String::as_str),
                Some(
                    mine.json
                        .as_array()
                        .expect("a list")
                        .len()
                        .to_string()
                        .as_str()
                )
            );
        }
        let change_other = send_json(
            "PATCH",
            format!("{base}{CUSTOMERS}/{}", bo.customer),
            &ana_token,
            json!({ "characteristic": [{ "name": "marketingConsent", "value": true }] }),
        )
        .await;
        assert_eq!(change_other.status, 404, "{}", change_other.text);
        let change_own = send_json(
            "PATCH",
            format!("{base}{CUSTOMERS}/{}", ana.customer),
            &ana_token,
            json!({ "characteristic": [{ "name": "marketingConsent", "value": true }] }),
        )
        .await;
        assert_eq!(change_own.status, 200, "{}", change_own.text);
        conforms(
            "TMF629-Customer-v4.0.0.swagger.json",
            "Customer",
            &change_own.json,
        );

        // Roles: each may do only its part.
        let forbidden = [
            ("POST", PAYMENTS, agent.clone(), pay(&ana.customer, "ref-3")),
            (
                "POST",
                "/tmf-api/customerManagement/v4/hub",
                ana_token.clone(),
                json!({ "callback": "http://127.0.0.1:9/events" }),
            ),
            ("POST", CUSTOMERS, billing.clone(), customer_body("Nobody")),
            (
                "POST",
                CUSTOMERS,
                ana_token.clone(),
                customer_body("Nobody"),
            ),
            (
                "POST",
                USAGE,
                agent.clone(),
                usage_body("api-9", &ana.number),
            ),
            (
                "POST",
                PAYMENTS,
                ana_token.clone(),
                pay(&ana.customer, "ref-4"),
            ),
        ];
        for (method, path, who, body) in forbidden {
            let answer = send_json(method, format!("{base}{path}"), &who, body).await;
            assert_eq!(answer.status, 403, "{path}: {}", answer.text);
            assert_eq!(answer.json["@type"], "Error");
        }

        // Filtering a listing by customer.
        let anas = get_json(
            format!("{base}{BILLS}?billingAccount.id={}", ana.customer),
            &admin,
        )
        .await;
        let anas = anas.json.as_array().expect("a list").clone();
        assert!(!anas.is_empty());
        assert!(
            anas.iter()
                .all(|b| b["billingAccount"]["id"] == ana.customer.as_str()),
            "{anas:#?}"
        );
        let bos = get_json(
            format!("{base}{PAYMENTS}?account.id={}", bo.customer),
            &admin,
        )
        .await;
        assert_eq!(
            bos.json.as_array().expect("a list").len(),
            1,
            "{}",
            bos.text
        );
        assert_eq!(bos.json[0]["account"]["id"], bo.customer.as_str());
        let peek = get_json(
            format!("{base}{PRODUCTS}?relatedParty.id={}", bo.customer),
            &ana_token,
        )
        .await;
        assert_eq!(
            peek.json,
            json!([]),
            "a subscriber's filter never widens what they see"
        );
        assert_eq!(
            peek.headers.get("x-total-count").map(String::as_str),
            Some("0")
        );

        // fields= and paging.
        let narrow = get_json(
            format!("{base}{CUSTOMERS}/{}?fields=name", ana.customer),
            &admin,
        )
        .await;
        let keys: Vec<&String> = narrow.json.as_object().expect("an object").keys().collect();
        assert_eq!(keys, ["id", "href", "name", "@type"]);
        let page = get_json(format!("{base}{CUSTOMERS}?offset=1&limit=1"), &admin).await;
        assert_eq!(
            page.headers.get("x-result-count").map(String::as_str),
            Some("1")
        );
        assert_eq!(
            page.headers.get("x-total-count").map(String::as_str),
            Some("2")
        );
        assert_eq!(page.json[0]["id"], bo.customer.as_str());

        // Bad input: a TMF Error, and nothing written.
        let audited = {
            let mut tx = app.begin(&ctx).await.expect("tx");
            tx.audit_count().await.expect("count")
        };
        let url = format!("{base}{CUSTOMERS}");
        let bad = [
            call(
                "POST",
                url.clone(),
                Some(&agent),
                Some(("application/json", "{\"name\": ".to_owned())),
            )
            .await,
            call(
                "POST",
                url.clone(),
                Some(&agent),
                Some(("application/json", "{\"name\": 5}".to_owned())),
            )
            .await,
            call(
                "POST",
                url.clone(),
                Some(&agent),
                Some(("text/plain", "name".to_owned())),
            )
            .await,
            oversized(&base, CUSTOMERS, &agent).await,
            send_json(
                "POST",
                url.clone(),
                &agent,
                json!({ "name": "No Market", "engagedParty": { "id": "x" } }),
            )
            .await,
            send_json(
                "POST",
                format!("{base}{PAYMENTS}"),
                &billing,
                json!({
                "account": { "id": ana.customer }, "paymentMethod": {},
                "totalAmount": { "unit": "EUR", "value": 1 }, "correlatorId": "ref-5" }),
            )
            .await,
            send_json(
                "POST",
                format!("{base}{PAYMENTS}"),
                &billing,
                json!({
                "account": { "id": ana.customer }, "paymentMethod": {},
                "totalAmount": { "unit": "RSD", "value": 1.005 }, "correlatorId": "ref-6" }),
            )
            .await,
        ];
        let expected = [400, 400, 415, 413, 400, 400, 400];
        for (answer, status) in bad.iter().zip(expected) {
            assert_eq!(answer.status, status, "{}", answer.text);
            assert_eq!(answer.json["@type"], "Error", "{}", answer.text);
        }
        for unknown in [
            format!("{CUSTOMERS}/999999"),
            format!("{CUSTOMERS}/abc"),
            format!("{BILLS}/0"),
            format!("{RATES}/1-999"),
            format!("{OFFERINGS}/xx.package.none"),
        ] {
            let answer = get_json(format!("{base}{unknown}"), &admin).await;
            assert_eq!(answer.status, 404, "{unknown}: {}", answer.text);
        }
        let mut tx = app.begin(&ctx).await.expect("tx");
        assert_eq!(
            tx.audit_count().await.expect("count"),
            audited,
            "bad input writes nothing"
        );
        tx.rollback().await.expect("rollback");

        let _ = server.stop.send(());
        let _ = server.done.await;
        db.drop_database().await.expect("cleanup");
    }
}
