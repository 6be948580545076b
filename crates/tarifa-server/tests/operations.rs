//! Black-box: the `/api/v1/` operations over HTTP on every backend — quotes
//! that change nothing, the changes themselves, refusals naming their rules,
//! each role's boundary and a subscriber confined to their own contracts.

mod common;

use common::{Answer, call, get_json, send_json, start};
use serde_json::{Value, json};
use tarifa_app::Ctx;
use tarifa_app::tokens::Role;
use tarifa_store::testing::TestDatabase;

const CUSTOMERS: &str = "/tmf-api/customerManagement/v4/customer";
const PRODUCTS: &str = "/tmf-api/productInventory/v4/product";
const OPS: &str = "/api/v1";

fn ok(answer: &Answer, status: u16, what: &str) -> Value {
    assert_eq!(answer.status, status, "{what}: {}", answer.text);
    answer.json.clone()
}

fn rules(value: &Value) -> Vec<String> {
    value["rules"]
        .as_array()
        .map(|r| {
            r.iter()
                .filter_map(|x| x.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

async fn customer(base: &str, agent: &str, market: &str, name: &str, document: &str) -> String {
    let body = json!({
        "name": name,
        "engagedParty": { "id": "new", "@referredType": "Individual" },
        "contactMedium": [{ "mediumType": "email", "characteristic": { "emailAddress": "someone@example.org" } }],
        "characteristic": [
            { "name": "market", "value": market },
            { "name": "idDocument", "value": document },
            { "name": "idDocumentNumber", "value": "987654321" }
        ]
    });
    let answer = send_json("POST", format!("{base}{CUSTOMERS}"), agent, body).await;
    ok(&answer, 201, "customer")["id"]
        .as_str()
        .expect("an id")
        .to_owned()
}

async fn contract(base: &str, agent: &str, customer: &str, offering: &str, extra: Value) -> Value {
    let mut body = json!({
        "productOffering": { "id": offering },
        "relatedParty": [{ "id": customer, "role": "customer", "@referredType": "Customer" }],
    });
    if let (Some(body), Some(extra)) = (body.as_object_mut(), extra.as_object()) {
        body.extend(extra.clone());
    }
    let answer = send_json("POST", format!("{base}{PRODUCTS}"), agent, body).await;
    ok(&answer, 201, "contract")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn operations_quote_change_and_refuse_on_every_backend() {
    for db in TestDatabase::all().await.expect("test databases") {
        let server = start(&db.url).await;
        let base = server.base.clone();
        let app = server.app.clone();
        let ctx = Ctx::new("test");
        let (_, agent) = app
            .create_token(&ctx, Role::Agent, None, None)
            .await
            .expect("agent");
        let (_, billing) = app
            .create_token(&ctx, Role::Billing, None, None)
            .await
            .expect("billing");
        let (_, admin) = app
            .create_token(&ctx, Role::Admin, None, None)
            .await
            .expect("admin");

        let marko = customer(&base, &agent, "rs", "Marko Petrović", "biometric_id_card").await;
        let jelena = customer(&base, &agent, "rs", "Jelena Ilić", "biometric_id_card").await;
        let m1 = contract(&base, &agent, &marko, "rs.package.mobile-1590", json!({
            "productTerm": [{ "name": "commitment", "duration": { "amount": 24, "units": "month" } }],
            "productCharacteristic": [
                { "name": "device", "value": "samsung-a56" },
                { "name": "imei", "value": "356938035643817" },
                { "name": "devicePrice", "value": "19990.00" },
                { "name": "instalments", "value": 24 }
            ]
        }))
        .await;
        assert_eq!(m1["productTerm"][0]["duration"]["amount"], 24.0);
        let m1_id = m1["id"].as_str().expect("id").to_owned();
        let j1 = contract(&base, &agent, &jelena, "rs.package.mini-990", json!({})).await;
        let j1_id = j1["id"].as_str().expect("id").to_owned();
        let (_, marko_token) = app
            .create_token(
                &ctx,
                Role::Subscriber,
                Some(marko.parse().expect("id")),
                None,
            )
            .await
            .expect("a subscriber token");

        // UNL-1: no unlocking while the commitment runs; the refusal names its rules.
        let unlock = send_json("POST", format!("{base}{OPS}/unlockRequest"), &agent, json!({
            "market": "rs", "imei": "356938035643817", "requester": "owner", "channel": "store",
            "fields": { "owner_name": "Marko Petrović", "model": "Galaxy A56", "number": m1["productSerialNumber"] }
        }))
        .await;
        let refusal = ok(&unlock, 422, "unlock");
        assert_eq!(refusal["code"], "refused");
        assert!(rules(&refusal).contains(&"UNL-1".to_owned()), "{refusal:#}");
        // Marko may ask himself, for his own device only.
        let unlock_body = |imei: &str| {
            json!({
                "market": "rs", "imei": imei, "requester": "owner", "channel": "self_care",
                "fields": { "owner_name": "Marko Petrović", "model": "Galaxy A56" }
            })
        };
        let own = send_json(
            "POST",
            format!("{base}{OPS}/unlockRequest"),
            &marko_token,
            unlock_body("356938035643817"),
        )
        .await;
        assert_eq!(ok(&own, 422, "own unlock")["code"], "refused");
        let other = send_json(
            "POST",
            format!("{base}{OPS}/unlockRequest"),
            &marko_token,
            unlock_body("356938035643825"),
        )
        .await;
        assert_eq!(other.status, 404, "{}", other.text);

        // TRM-2: what leaving now would cost.
        let leave = ok(
            &send_json(
                "POST",
                format!("{base}{OPS}/product/{m1_id}/terminationQuote"),
                &marko_token,
                json!({ "by": "subscriber" }),
            )
            .await,
            200,
            "termination quote",
        );
        assert!(
            leave["fees"]
                .as_array()
                .expect("fees")
                .iter()
                .any(|f| f["kind"] == "early_termination"),
            "{leave:#}"
        );
        assert_eq!(
            get_json(format!("{base}{PRODUCTS}/{m1_id}"), &admin)
                .await
                .json["status"],
            "active"
        );

        // Not Marko's contract: not found; not a subscriber's change: forbidden.
        for path in [
            "packageChangeQuote",
            "terminationQuote",
            "spendingLimit",
            "listing",
        ] {
            let answer = send_json("POST", format!("{base}{OPS}/product/{j1_id}/{path}"), &marko_token,
                json!({ "package": "mini-990", "by": "subscriber", "amount": { "unit": "RSD", "value": 1 }, "period": "2026-01" })).await;
            assert_eq!(answer.status, 404, "{path}: {}", answer.text);
        }
        for path in ["packageChange", "termination", "transfer"] {
            let answer = send_json(
                "POST",
                format!("{base}{OPS}/product/{m1_id}/{path}"),
                &marko_token,
                json!({ "package": "mini-990", "by": "subscriber", "toCustomer": jelena }),
            )
            .await;
            assert_eq!(answer.status, 403, "{path}: {}", answer.text);
        }

        // CON-9: Jelena's contract passes to Marko.
        ok(
            &send_json(
                "POST",
                format!("{base}{OPS}/product/{j1_id}/transfer"),
                &agent,
                json!({ "toCustomer": marko }),
            )
            .await,
            200,
            "transfer",
        );
        let transferred = get_json(format!("{base}{PRODUCTS}/{j1_id}"), &admin).await;
        assert_eq!(transferred.json["relatedParty"][0]["id"], marko.as_str());

        // Price changes are billing's.
        let today = app.today(&app.market("rs").expect("rs").clone());
        let effective = today
            .checked_add(jiff::Span::new().days(60))
            .expect("a date")
            .to_string();
        let price = json!({ "market": "rs", "package": "mobile-1990", "monthlyFee": { "unit": "RSD", "value": 2190 },
            "effective": effective, "unfavourable": true });
        assert_eq!(
            send_json(
                "POST",
                format!("{base}{OPS}/priceChange"),
                &agent,
                price.clone()
            )
            .await
            .status,
            403
        );
        let announced = ok(
            &send_json("POST", format!("{base}{OPS}/priceChange"), &billing, price).await,
            201,
            "price change",
        );
        assert!(announced["id"].is_string(), "{announced:#}");

        // USE-4, USE-5 (me): a spending limit and a listing by the subscriber.
        let maja = customer(&base, &agent, "me", "Maja Perović", "passport").await;
        let f1 = contract(&base, &agent, &maja, "me.package.fiber-100", json!({})).await;
        let f1_id = f1["id"].as_str().expect("id");
        let (_, maja_token) = app
            .create_token(
                &ctx,
                Role::Subscriber,
                Some(maja.parse().expect("id")),
                None,
            )
            .await
            .expect("a subscriber token");
        let limit = ok(
            &send_json(
                "POST",
                format!("{base}{OPS}/product/{f1_id}/spendingLimit"),
                &maja_token,
                json!({ "amount": { "unit": "EUR", "value": 20 } }),
            )
            .await,
            201,
            "spending limit",
        );
        assert!(rules(&limit).contains(&"USE-4".to_owned()), "{limit:#}");
        // TRM-3 (me): a cheaper package during the commitment.
        let l1 = contract(&base, &agent, &maja, "me.package.fiber-300", json!({
            "productTerm": [{ "name": "commitment", "duration": { "amount": 24, "units": "month" } }],
            "productCharacteristic": [{ "name": "serviceDiscount", "value": "100.00" }]
        }))
        .await;
        let l1_id = l1["id"].as_str().expect("id").to_owned();
        assert_eq!(l1["productTerm"][0]["duration"]["amount"], 24.0, "{l1:#}");
        // TRM-3: the quote of a cheaper package names the fee and changes nothing.
        let quote_url = format!("{base}{OPS}/product/{l1_id}/packageChangeQuote");
        let quote = ok(
            &send_json(
                "POST",
                quote_url.clone(),
                &maja_token,
                json!({ "package": "fiber-100" }),
            )
            .await,
            200,
            "package change quote",
        );
        assert_eq!(quote["outcome"], "approved");
        assert!(rules(&quote).contains(&"TRM-3".to_owned()), "{quote:#}");
        assert_eq!(quote["fees"][0]["kind"], "downgrade");
        let fee = quote["fees"][0]["amount"]["value"]
            .as_f64()
            .expect("an amount");
        assert!(
            fee >= 240.0 && (fee / 10.0).fract() == 0.0,
            "(35.00 − 25.00) × months left: {fee}"
        );
        let unchanged = get_json(format!("{base}{PRODUCTS}/{l1_id}"), &admin).await;
        assert_eq!(
            unchanged.json["productOffering"]["id"],
            "me.package.fiber-300"
        );

        // The change itself: the fee goes on a bill of its own.
        let changed = ok(
            &send_json(
                "POST",
                format!("{base}{OPS}/product/{l1_id}/packageChange"),
                &agent,
                json!({ "package": "fiber-100" }),
            )
            .await,
            200,
            "package change",
        );
        assert!(rules(&changed).contains(&"TRM-3".to_owned()), "{changed:#}");
        let moved = get_json(format!("{base}{PRODUCTS}/{l1_id}"), &admin).await;
        assert_eq!(moved.json["productOffering"]["id"], "me.package.fiber-100");

        let period = today.strftime("%Y-%m").to_string();
        let listing = ok(
            &send_json(
                "POST",
                format!("{base}{OPS}/product/{f1_id}/listing"),
                &maja_token,
                json!({ "period": period }),
            )
            .await,
            201,
            "listing",
        );
        assert!(rules(&listing).contains(&"USE-5".to_owned()), "{listing:#}");

        // The scenario runner: a report, never the server's own data.
        let scenario = std::fs::read_to_string(format!(
            "{}/../../scenarios/billing/bil-1-partial-first-period.toml",
            env!("CARGO_MANIFEST_DIR")
        ))
        .expect("a scenario");
        let run = call(
            "POST",
            format!("{base}{OPS}/simulate"),
            Some(&billing),
            Some(("application/toml", scenario.clone())),
        )
        .await;
        let run = ok(&run, 200, "simulate");
        assert_eq!(run["passed"], true, "{run:#}");
        assert!(
            run["report"]["bills"].is_array() || run["report"].is_object(),
            "{run:#}"
        );
        let forbidden = call(
            "POST",
            format!("{base}{OPS}/simulate"),
            Some(&agent),
            Some(("application/toml", scenario)),
        )
        .await;
        assert_eq!(forbidden.status, 403);
        let invalid = call(
            "POST",
            format!("{base}{OPS}/simulate"),
            Some(&admin),
            Some(("application/toml", "name = ".to_owned())),
        )
        .await;
        assert_eq!(invalid.status, 400, "{}", invalid.text);
        assert_eq!(invalid.json["@type"], "Error");
        let customers = get_json(format!("{base}{CUSTOMERS}"), &admin).await;
        assert_eq!(
            customers.headers.get("x-total-count").map(String::as_str),
            Some("3"),
            "the run left the store alone"
        );

        let _ = server.stop.send(());
        let _ = server.done.await;
        db.drop_database().await.expect("cleanup");
    }
}

/// `POST /api/v1/creditNote`: billing corrects an issued bill by a credit
/// note that names it; more than is left of the bill is a 409 and writes
/// nothing; other roles may not; the note is a bill of the TMF listing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn credit_notes_over_http_on_every_backend() {
    for db in TestDatabase::all().await.expect("test databases") {
        let server = start(&db.url).await;
        let base = server.base.clone();
        let app = server.app.clone();
        let ctx = Ctx::new("test");
        let (_, agent) = app
            .create_token(&ctx, Role::Agent, None, None)
            .await
            .expect("agent");
        let (_, billing) = app
            .create_token(&ctx, Role::Billing, None, None)
            .await
            .expect("billing");
        let marko = customer(&base, &agent, "rs", "Marko Petrović", "biometric_id_card").await;
        contract(&base, &agent, &marko, "rs.package.mini-990", json!({})).await;
        let market = app.market("rs").expect("rs").clone();
        let today = app.today(&market);
        app.run_bills(&ctx, &market, today.first_of_month(), today)
            .await
            .expect("a bill run");
        let bills = get_json(
            format!("{base}/tmf-api/customerBillManagement/v4/customerBill"),
            &billing,
        )
        .await;
        let bill = bills.json[0].clone();
        let number = bill["billNo"].as_str().expect("a bill number").to_owned();
        let total = bill["taxIncludedAmount"]["value"]
            .as_f64()
            .expect("a total");
        assert!(total >= 2.0, "{bill:#}");

        let note = send_json(
            "POST",
            format!("{base}{OPS}/creditNote"),
            &billing,
            json!({
                "bill": number, "amount": { "unit": "RSD", "value": 1 }, "reason": "charged twice"
            }),
        )
        .await;
        let note = ok(&note, 201, "credit note");
        assert_eq!(note["@type"], "CreditNote");
        assert!(
            note["number"]
                .as_str()
                .is_some_and(|n| n.starts_with("RS-CN-")),
            "{note:#}"
        );
        assert_eq!(note["corrects"], number.as_str());
        assert_eq!(note["total"]["value"], -1.0);

        let too_much = send_json(
            "POST",
            format!("{base}{OPS}/creditNote"),
            &billing,
            json!({
                "bill": number, "amount": { "unit": "RSD", "value": total }, "reason": "all of it"
            }),
        )
        .await;
        assert_eq!(too_much.status, 409, "{}", too_much.text);
        assert!(
            too_much.text.contains("more than is left"),
            "{}",
            too_much.text
        );
        let neither = send_json(
            "POST",
            format!("{base}{OPS}/creditNote"),
            &billing,
            json!({
                "bill": number, "reason": "nothing asked"
            }),
        )
        .await;
        assert_eq!(neither.status, 400, "{}", neither.text);
        let unknown = send_json(
            "POST",
            format!("{base}{OPS}/creditNote"),
            &billing,
            json!({
                "bill": "RS-2026-9999999", "amount": { "unit": "RSD", "value": 1 }, "reason": "x"
            }),
        )
        .await;
        assert_eq!(unknown.status, 404, "{}", unknown.text);
        let by_agent = send_json(
            "POST",
            format!("{base}{OPS}/creditNote"),
            &agent,
            json!({
                "bill": number, "amount": { "unit": "RSD", "value": 1 }, "reason": "x"
            }),
        )
        .await;
        assert_eq!(by_agent.status, 403, "{}", by_agent.text);

        // The credit note is listed as a bill of its own, the bill unchanged.
        let listed = get_json(
            format!("{base}/tmf-api/customerBillManagement/v4/customerBill"),
            &billing,
        )
        .await;
        let listed = listed.json.as_array().expect("a list").clone();
        assert_eq!(listed.len(), 2, "{listed:#?}");
        let credit = listed
            .iter()
            .find(|b| b["category"] == "creditNote")
            .expect("the credit note");
        assert_eq!(credit["taxIncludedAmount"]["value"], -1.0);
        let same = listed
            .iter()
            .find(|b| b["billNo"] == number.as_str())
            .expect("the bill");
        assert_eq!(same["taxIncludedAmount"]["value"], total);
        let _ = server.stop.send(());
        let _ = server.done.await;
        db.drop_database().await.expect("cleanup");
    }
}
