//! The store suite: the same tests on SQLite and, when
//! `TARIFA_TEST_DATABASE_URL` is set, on PostgreSQL.

use tarifa_store::testing::TestDatabase;
use tarifa_store::{
    ApiTokenRow, Backend, BenefitRow, BillLineRow, BillRow, ContractRow, CustomerRow, EncodedBody,
    FeeRow, NewBill, NewDecision, NewEntry, Owner, PackageRow, Page, PaymentRow, Store, StoreError,
};

const AT: &str = "2026-01-10T11:00:00Z";

async fn each_backend<F, Fut>(test: F)
where
    F: Fn(Store) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    for db in TestDatabase::all().await.expect("test databases") {
        let store = db
            .open()
            .await
            .unwrap_or_else(|e| panic!("opening {}: {e}", db.url));
        test(store.clone()).await;
        store.close().await;
        db.drop_database()
            .await
            .expect("dropping the test database");
    }
}

fn customer(handle: &str) -> CustomerRow {
    CustomerRow {
        id: 0,
        market: "me".into(),
        handle: Some(handle.into()),
        kind: "individual".into(),
        residency: "citizen".into(),
        name: "Ana Vujović".into(),
        email: Some("ana@example.me".into()),
        phone: None,
        address: Some("Bulevar 1".into()),
        id_document: Some("passport".into()),
        id_document_number: Some("P123".into()),
        keeps_document_copies: false,
        directory: "listed".into(),
        marketing_consent: true,
        language: None,
        tax_number: None,
        registered_on: "2026-01-10".into(),
        anonymised_on: None,
    }
}

fn package(id: &str, fee: i64) -> PackageRow {
    PackageRow {
        market: "me".into(),
        id: id.into(),
        name: id.into(),
        monthly_fee_minor: fee,
        voice_min: 100,
        sms: 0,
        data_mb: -1,
        rates: r#"{"voice_min":"0.20"}"#.into(),
        promotion_eligible: false,
        exempt_from_commitment_rule: false,
        public: true,
        prepaid: false,
        prepaid_unlock_route: false,
        service: "internet_access".into(),
        vat_split: "{}".into(),
        withdrawn: false,
    }
}

fn contract(customer_id: i64, handle: &str, number: &str) -> ContractRow {
    ContractRow {
        id: 0,
        market: "me".into(),
        handle: Some(handle.into()),
        customer_id,
        package_id: "fiber-100".into(),
        number: number.into(),
        status: "active".into(),
        channel: "store".into(),
        signed_on: "2026-01-10".into(),
        activated_on: "2026-01-10".into(),
        commitment_start: Some("2026-01-10".into()),
        commitment_months: Some(24),
        commitment_end: Some("2028-01-10".into()),
        deposit_may_be_required: false,
        ended_on: None,
        device_id: Some("router-ax".into()),
        device_imei: None,
        device_price_minor: Some(0),
        device_instalments: Some(1),
        device_lent: Some(true),
        device_sim_locked: Some(false),
        suspended_on: None,
        suspension_cause: None,
        return_by: None,
        equipment_returned_on: None,
        owner_since: None,
    }
}

async fn with_market(store: &Store) {
    let mut tx = store.begin("test", AT).await.expect("begin");
    tx.ensure_market("me", "EUR").await.expect("market");
    tx.upsert_package(&package("fiber-100", 2500))
        .await
        .expect("package");
    tx.commit().await.expect("commit");
}

#[tokio::test]
async fn customers_round_trip_with_an_audit_event_each() {
    each_backend(|store| async move {
        with_market(&store).await;
        let mut tx = store.begin("agent:1", AT).await.expect("begin");
        let before = tx.audit_count().await.expect("count");
        let id = tx.insert_customer(&customer("ana")).await.expect("insert");
        assert_eq!(tx.audit_count().await.expect("count"), before + 1);
        tx.commit().await.expect("commit");

        let mut tx = store.begin("agent:1", AT).await.expect("begin");
        let row = tx.customer(id).await.expect("read").expect("present");
        assert_eq!(row.name, "Ana Vujović");
        assert!(row.marketing_consent);
        assert_eq!(
            tx.customer_by_handle("me", "ana")
                .await
                .expect("read")
                .map(|c| c.id),
            Some(id)
        );
        assert_eq!(tx.count_customers("me").await.expect("count"), 1);
        let trail = tx
            .audit_trail("customer", &id.to_string())
            .await
            .expect("trail");
        assert_eq!(trail.len(), 1);
        assert_eq!(trail[0].actor, "agent:1");
        assert_eq!(trail[0].action, "register");
    })
    .await;
}

#[tokio::test]
async fn a_rolled_back_change_leaves_nothing() {
    each_backend(|store| async move {
        with_market(&store).await;
        let mut tx = store.begin("agent:1", AT).await.expect("begin");
        let audits = tx.audit_count().await.expect("count");
        tx.insert_customer(&customer("ana")).await.expect("insert");
        drop(tx); // never committed

        let mut tx = store.begin("agent:1", AT).await.expect("begin");
        assert_eq!(tx.count_customers("me").await.expect("count"), 0);
        assert_eq!(tx.audit_count().await.expect("count"), audits);
    })
    .await;
}

#[tokio::test]
async fn duplicate_handles_are_refused() {
    each_backend(|store| async move {
        with_market(&store).await;
        let mut tx = store.begin("agent:1", AT).await.expect("begin");
        tx.insert_customer(&customer("ana")).await.expect("insert");
        let err = tx
            .insert_customer(&customer("ana"))
            .await
            .expect_err("unique handle");
        assert!(matches!(err, StoreError::Database(_)), "{err}");
    })
    .await;
}

#[tokio::test]
async fn customer_changes_keep_old_and_new_values() {
    each_backend(|store| async move {
        with_market(&store).await;
        let mut tx = store.begin("agent:1", AT).await.expect("begin");
        let id = tx.insert_customer(&customer("ana")).await.expect("insert");
        tx.update_customer_field(
            id,
            "2026-02-01",
            "address",
            Some("Bulevar 1"),
            Some("Njegoševa 5"),
        )
        .await
        .expect("address");
        tx.update_customer_field(
            id,
            "2026-02-01",
            "marketing_consent",
            Some("true"),
            Some("false"),
        )
        .await
        .expect("consent");
        assert!(
            tx.update_customer_field(id, "2026-02-01", "kind", None, Some("business"))
                .await
                .is_err()
        );
        tx.commit().await.expect("commit");

        let mut tx = store.begin("agent:1", AT).await.expect("begin");
        let row = tx.customer(id).await.expect("read").expect("present");
        assert_eq!(row.address.as_deref(), Some("Njegoševa 5"));
        assert!(!row.marketing_consent);
        let trail = tx
            .audit_trail("customer", &id.to_string())
            .await
            .expect("trail");
        let change: serde_json::Value = serde_json::from_str(&trail[1].detail).expect("json");
        assert_eq!(change["field"], "address");
        assert_eq!(change["old"], "Bulevar 1");
        assert_eq!(change["new"], "Njegoševa 5");
    })
    .await;
}

#[tokio::test]
async fn contracts_benefits_packages_and_status() {
    each_backend(|store| async move {
        with_market(&store).await;
        let mut tx = store.begin("agent:1", AT).await.expect("begin");
        tx.upsert_package(&package("fiber-300", 3500))
            .await
            .expect("package");
        let customer_id = tx
            .insert_customer(&customer("ana"))
            .await
            .expect("customer");
        let benefits = vec![BenefitRow {
            contract_id: 0,
            position: 0,
            kind: "service_discount".into(),
            amount_minor: 6000,
        }];
        let id = tx
            .insert_contract(&contract(customer_id, "c1", "+38220000001"), &benefits)
            .await
            .expect("contract");
        assert!(tx.number_in_use("+38220000001").await.expect("in use"));
        tx.change_contract_package(id, "fiber-300", "2026-02-01")
            .await
            .expect("change");
        tx.set_contract_status(id, "active", "suspended", "2026-03-01", None)
            .await
            .expect("suspend");
        let err = tx
            .set_contract_status(id, "active", "terminated", "2026-03-02", Some("2026-03-02"))
            .await
            .expect_err("no longer active");
        assert!(matches!(err, StoreError::Conflict(_)));
        tx.commit().await.expect("commit");

        let mut tx = store.begin("agent:1", AT).await.expect("begin");
        let row = tx.contract(id).await.expect("read").expect("present");
        assert_eq!(row.status, "suspended");
        assert_eq!(row.package_id, "fiber-300");
        assert_eq!(row.commitment_end.as_deref(), Some("2028-01-10"));
        assert_eq!(row.device_lent, Some(true));
        let history = tx.package_history(id).await.expect("history");
        assert_eq!(
            history
                .iter()
                .map(|p| (p.valid_from.as_str(), p.package_id.as_str()))
                .collect::<Vec<_>>(),
            vec![("2026-01-10", "fiber-100"), ("2026-02-01", "fiber-300")]
        );
        assert_eq!(
            tx.benefits(id).await.expect("benefits")[0].amount_minor,
            6000
        );
        assert_eq!(
            tx.contracts_with_commitment_end("me", "2028-01-10")
                .await
                .expect("ending")
                .len(),
            1
        );
        let trail = tx
            .audit_trail("contract", &id.to_string())
            .await
            .expect("trail");
        assert_eq!(
            trail.iter().map(|a| a.action.as_str()).collect::<Vec<_>>(),
            vec!["sign", "change_package", "status"]
        );
    })
    .await;
}

#[tokio::test]
async fn catalog_upserts_replace_by_id() {
    each_backend(|store| async move {
        with_market(&store).await;
        let mut tx = store.begin("billing:1", AT).await.expect("begin");
        tx.upsert_package(&package("fiber-100", 2900))
            .await
            .expect("replace");
        tx.upsert_fee(&FeeRow {
            market: "me".into(),
            kind: "reconnection".into(),
            amount_minor: 1000,
        })
        .await
        .expect("fee");
        tx.upsert_fee(&FeeRow {
            market: "me".into(),
            kind: "reconnection".into(),
            amount_minor: 1200,
        })
        .await
        .expect("fee again");
        let packages = tx.packages("me").await.expect("packages");
        assert_eq!(packages.len(), 1);
        assert_eq!(packages[0].monthly_fee_minor, 2900);
        assert_eq!(tx.fees("me").await.expect("fees")[0].amount_minor, 1200);
        assert!(tx.ensure_market("me", "EUR").await.is_ok());
        assert!(tx.ensure_market("me", "RSD").await.is_err());
    })
    .await;
}

#[tokio::test]
async fn decisions_numbers_and_scheduler_days() {
    each_backend(|store| async move {
        with_market(&store).await;
        let mut tx = store.begin("simulate", AT).await.expect("begin");
        for outcome in ["approved", "rejected"] {
            tx.record_decision(&NewDecision {
                market: "me".into(),
                on_date: "2026-01-10".into(),
                action: "contract".into(),
                subject: Some("contract:1".into()),
                outcome: outcome.into(),
                rules: vec!["CON-1".into(), "CON-2".into()],
                reasons: vec!["CON-1: because".into()],
                context: Some("step 2".into()),
            })
            .await
            .expect("decision");
        }
        let decisions = tx.decisions("me").await.expect("decisions");
        assert_eq!(decisions.len(), 2);
        assert_eq!(decisions[1].outcome, "rejected");
        assert_eq!(decisions[0].rules, "CON-1,CON-2");
        assert_eq!(
            tx.decisions_about("contract:1").await.expect("about").len(),
            2
        );

        assert_eq!(tx.next_number("me", 1).await.expect("first"), 1);
        assert_eq!(tx.next_number("me", 1).await.expect("second"), 2);

        assert_eq!(tx.last_scheduled_day("me").await.expect("none"), None);
        tx.finish_scheduled_day("me", "2026-01-10")
            .await
            .expect("day");
        tx.finish_scheduled_day("me", "2026-01-11")
            .await
            .expect("day");
        assert!(
            tx.finish_scheduled_day("me", "2026-01-11").await.is_err(),
            "a day runs once"
        );
    })
    .await;
}

#[tokio::test]
async fn a_file_database_survives_reopening() {
    let dir = std::env::temp_dir().join(format!("tarifa-store-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join("t.sqlite");
    let url = format!("sqlite:{}", path.display());
    {
        let store = Store::open(&url).await.expect("create");
        with_market(&store).await;
        let mut tx = store.begin("test", AT).await.expect("begin");
        tx.insert_customer(&customer("ana")).await.expect("insert");
        tx.commit().await.expect("commit");
        store.close().await;
    }
    let store = Store::open(path.to_str().expect("utf-8 path"))
        .await
        .expect("reopen");
    let mut tx = store.begin("test", AT).await.expect("begin");
    assert_eq!(tx.count_customers("me").await.expect("count"), 1);
    drop(tx);
    store.close().await;
    std::fs::remove_dir_all(&dir).ok();
}

#[tokio::test]
async fn erasing_personal_data_touches_nothing_else() {
    each_backend(|store| async move {
        with_market(&store).await;
        let mut tx = store.begin("test", AT).await.expect("begin");
        let a = tx.insert_customer(&customer("a")).await.expect("a");
        let b = tx.insert_customer(&customer("b")).await.expect("b");
        let mut ended = contract(a, "ka", "+38220000001");
        ended.status = "terminated".into();
        ended.ended_on = Some("2026-03-31".into());
        let ka = tx.insert_contract(&ended, &[]).await.expect("ka");
        let kb = tx
            .insert_contract(&contract(b, "kb", "+38220000002"), &[])
            .await
            .expect("kb");
        let mut segments = tarifa_store::segment::NewSegments::default();
        let mut record = |id: &str, contract_id: i64| {
            use tarifa_store::segment;
            let mut bytes = Vec::new();
            segment::encode_record(
                &mut bytes,
                &segment::RecordFields {
                    id: id.as_bytes(),
                    day: 10,
                    second_of_day: 36_000,
                    nanosecond: 0,
                    class: 0,
                    to: b"+38267555444",
                    quantity: 60,
                    units: 1,
                    roaming: None,
                },
            );
            segments
                .add(
                    contract_id,
                    "2026-02",
                    None,
                    &["voice.national"],
                    [bytes.as_slice()],
                )
                .expect("segment");
        };
        record("r1", ka);
        record("r2", kb);
        tx.insert_usage_segments(&segments).await.expect("usage");
        let entries = [
            tarifa_store::NewEntry {
                account: "receivable:customer:1".into(),
                amount_minor: 2500,
            },
            tarifa_store::NewEntry {
                account: "revenue:subscription".into(),
                amount_minor: -2500,
            },
        ];
        tx.insert_transfer("me", "bill", "ME-2026-0000001", "2026-02-01", &entries)
            .await
            .expect("transfer");
        let notice = |customer_id: i64, contract_id: i64| tarifa_store::NoticeRow {
            id: 0,
            market: "me".into(),
            customer_id,
            contract_id: Some(contract_id),
            on_date: "2026-02-16".into(),
            kind: "dunning".into(),
            channel: "email".into(),
            rules: "DUN-6".into(),
            text: "Račun za +38220000001 nije plaćen".into(),
            sent_at: None,
            attempts: 0,
            language: "sr-Latn-ME".into(),
            subject: "Račun nije plaćen".into(),
            claimed_until: None,
            next_attempt_at: None,
            last_error: None,
            destination: None,
        };
        tx.insert_notice(&notice(a, ka)).await.expect("notice a");
        tx.insert_notice(&notice(b, kb)).await.expect("notice b");
        tx.commit().await.expect("commit");

        let mut tx = store.begin("test", AT).await.expect("begin");
        let notices_before = tx.notices("me").await.expect("notices");
        let b_before = tx.customer(b).await.expect("read");
        let kb_before = tx.contract(kb).await.expect("read");
        let ka_before = tx.contract(ka).await.expect("read");
        let b_usage_before = tx.usage_records(kb, "2026-02").await.expect("usage");
        assert_eq!(
            tx.customers_to_erase("me", "2026-04-01")
                .await
                .expect("due"),
            vec![a]
        );
        assert!(
            tx.customers_to_erase("me", "2026-03-30")
                .await
                .expect("not yet")
                .is_empty()
        );
        tx.erase_personal_data(a, "2027-04-01")
            .await
            .expect("erase");
        tx.commit().await.expect("commit");

        let mut tx = store.begin("test", AT).await.expect("begin");
        let erased = tx.customer(a).await.expect("read").expect("kept");
        assert_eq!(erased.name, "erased");
        assert_eq!(
            (erased.email, erased.address, erased.id_document_number),
            (None, None, None)
        );
        assert_eq!(erased.anonymised_on.as_deref(), Some("2027-04-01"));
        assert_eq!(erased.kind, "individual", "what is not personal stays");
        let a_usage = tx.usage_records(ka, "2026-02").await.expect("usage");
        assert_eq!(a_usage[0].to_number, "erased");
        assert_eq!(
            a_usage[0].quantity, 60,
            "the traffic itself stays for the accounts"
        );
        assert_eq!(
            tx.customer(b).await.expect("read"),
            b_before,
            "another customer is untouched"
        );
        assert_eq!(tx.contract(kb).await.expect("read"), kb_before);
        assert_eq!(
            tx.contract(ka).await.expect("read"),
            ka_before,
            "contracts stay"
        );
        assert_eq!(
            tx.usage_records(kb, "2026-02").await.expect("usage"),
            b_usage_before
        );
        let notices = tx.notices("me").await.expect("notices");
        assert_eq!(
            (notices[0].text.as_str(), notices[0].subject.as_str()),
            ("erased", "erased")
        );
        assert_eq!(notices[0].kind, "dunning", "that a notice was sent stays");
        assert_eq!(
            notices[1], notices_before[1],
            "another customer's notice is untouched"
        );
        assert_eq!(tx.ledger_check("me").await.expect("ledger"), (0, 0));
        assert_eq!(
            tx.account_balance("receivable:customer:1")
                .await
                .expect("balance"),
            2500
        );
        assert!(
            tx.customers_to_erase("me", "2027-04-01")
                .await
                .expect("done")
                .is_empty()
        );
    })
    .await;
}

fn bill(number: &str, customer_id: i64, period: &str, lines: usize) -> NewBill {
    let total = 1000 * i64::try_from(lines).expect("few");
    let detail =
        format!(r#"{{"owner":{{"name":"Ana Vujović"}},"packages":["{number}"],"vat":[]}}"#);
    let lines: Vec<BillLineRow> = (0..lines)
        .map(|i| BillLineRow {
            bill_id: 0,
            position: i64::try_from(i).expect("few"),
            contract_id: Some(1),
            kind: "subscription".into(),
            description: format!("line {i} of {number}"),
            amount_minor: 1000,
            vat: "\"standard\"".into(),
            rule: None,
            category: None,
            phrase: None,
        })
        .collect();
    NewBill {
        bill: BillRow {
            id: 0,
            market: "me".into(),
            number: number.into(),
            kind: "monthly".into(),
            customer_id,
            period: period.into(),
            period_from: "2026-01-01".into(),
            period_to: "2026-01-31".into(),
            issued_on: "2026-02-01".into(),
            due_on: "2026-02-15".into(),
            total_minor: total,
            vat_minor: 0,
            previous_balance_minor: 0,
            total_due_minor: total,
            detail: detail.clone(),
            transfer_id: 0,
        },
        body: EncodedBody::from_json(&detail, &lines).expect("a body"),
        entries: vec![
            NewEntry {
                account: format!("receivable:customer:{customer_id}"),
                amount_minor: total,
            },
            NewEntry {
                account: "revenue:me".into(),
                amount_minor: -total,
            },
        ],
        charge_ids: Vec::new(),
        usage_billed: Vec::new(),
        reported_to: None,
    }
}

#[tokio::test]
async fn a_bill_is_one_row_and_an_older_database_moves_its_bills_into_that_form() {
    each_backend(|store| async move {
        with_market(&store).await;
        let mut tx = store.begin("test", AT).await.expect("begin");
        let ana = tx.insert_customer(&customer("ana")).await.expect("ana");
        tx.insert_bills(&[bill("ME-1", ana, "2026-01", 2), bill("ME-22", ana, "2026-02", 3)])
            .await
            .expect("bills");
        tx.commit().await.expect("commit");

        let mut tx = store.begin_read("test", AT).await.expect("read");
        let bills = tx.bills_of_customer(ana).await.expect("bills");
        assert_eq!(
            bills[1].detail,
            r#"{"owner":{"name":"Ana Vujović"},"packages":["ME-22"],"vat":[]}"#,
            "the detail reads back as written"
        );
        let lines = tx.bill_lines(bills[1].id).await.expect("lines");
        assert_eq!(lines.len(), 3);
        assert_eq!(lines[2].description, "line 2 of ME-22");
        assert!(lines.iter().all(|l| l.bill_id == bills[1].id));
        // A page across two bills, and the total of every line.
        let page = tx
            .list_bill_lines(Owner::Customer(ana), Page { offset: 1, limit: 3 })
            .await
            .expect("a page");
        assert_eq!(page.total, 5);
        let seen: Vec<&str> = page.rows.iter().map(|l| l.description.as_str()).collect();
        assert_eq!(seen, ["line 1 of ME-1", "line 0 of ME-22", "line 1 of ME-22"]);
        let last = tx
            .list_bill_lines(Owner::Anyone, Page { offset: 4, limit: 10 })
            .await
            .expect("the last page");
        assert_eq!(last.rows.len(), 1);
        assert!(
            tx.list_bill_lines(Owner::Customer(ana + 1), Page { offset: 0, limit: 10 })
                .await
                .expect("none")
                .rows
                .is_empty()
        );
        tx.rollback().await.expect("rolled back");

        // A database of before: the detail as JSON text, the lines in a
        // column of their own or, older still, in a table of their own.
        let id = bills[1].id;
        tarifa_store::testing::execute(
            &store,
            &format!(
                "ALTER TABLE bills ADD COLUMN detail TEXT NOT NULL DEFAULT '{{}}';
                 ALTER TABLE bills ADD COLUMN lines BLOB;
                 UPDATE bills SET body = '', line_count = 0,
                    detail = '{{\"owner\":{{\"name\":\"old \\u00e9\"}},\"vat\":[{{\"rate\":\"21\"}}]}}';
                 CREATE TABLE bill_lines (bill_id BIGINT NOT NULL, position BIGINT NOT NULL, contract_id BIGINT,
                    kind TEXT NOT NULL, description TEXT NOT NULL, amount_minor BIGINT NOT NULL, vat TEXT NOT NULL,
                    rule TEXT, category TEXT, phrase TEXT, PRIMARY KEY (bill_id, position));
                 INSERT INTO bill_lines VALUES ({id}, 0, 1, 'subscription', 'old line 0', 700, '\"standard\"', 'BIL-1', NULL, NULL);
                 INSERT INTO bill_lines VALUES ({id}, 1, NULL, 'credit', 'old line 1', -200, '\"standard\"', NULL, 'credit', '{{\"id\":\"line-credit\"}}');"
            )
            .replace("BLOB", if store.backend() == Backend::Postgres { "BYTEA" } else { "BLOB" }),
        )
        .await
        .expect("an older database");
        store.convert_bill_bodies().await.expect("converted");
        let mut tx = store.begin_read("test", AT).await.expect("read");
        let bills = tx.bills_of_customer(ana).await.expect("bills");
        assert_eq!(
            bills[1].detail, r#"{"owner":{"name":"old é"},"vat":[{"rate":"21"}]}"#,
            "the detail is serde_json's text of the old one"
        );
        let lines = tx.bill_lines(id).await.expect("lines");
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0].rule.as_deref(), Some("BIL-1"));
        assert_eq!(lines[1].contract_id, None);
        assert_eq!(lines[1].amount_minor, -200);
        assert_eq!(lines[1].phrase.as_deref(), Some(r#"{"id":"line-credit"}"#));
        assert!(tx.bill_lines(bills[0].id).await.expect("none").is_empty());
        let page = tx
            .list_bill_lines(Owner::Anyone, Page { offset: 0, limit: 100 })
            .await
            .expect("a page");
        assert_eq!(page.total, 2, "the 2 moved (ME-1 had its lines in neither place)");
        tx.rollback().await.expect("rolled back");
        // The old columns and table are gone: converting again is nothing to do.
        store.convert_bill_bodies().await.expect("nothing to do");
        let mut tx = store.begin("test", AT).await.expect("begin");
        tx.insert_bills(&[bill("ME-23", ana, "2026-03", 1)])
            .await
            .expect("a new bill after the conversion");
        tx.commit().await.expect("commit");
    })
    .await;
}

#[tokio::test]
async fn transfers_are_kept_and_an_older_database_takes_them_from_the_audit_trail() {
    each_backend(|store| async move {
        with_market(&store).await;
        let mut tx = store.begin("agent:1", AT).await.expect("begin");
        let ana = tx.insert_customer(&customer("ana")).await.expect("ana");
        let marko = tx.insert_customer(&customer("marko")).await.expect("marko");
        let id = tx
            .insert_contract(&contract(ana, "c1", "+38220000001"), &[])
            .await
            .expect("contract");
        tx.transfer_contract(id, ana, marko, "2026-03-15")
            .await
            .expect("transfer");
        tx.transfer_contract(id, marko, ana, "2026-05-01")
            .await
            .expect("and back");
        tx.commit().await.expect("commit");
        let kept = |store: Store| async move {
            let mut tx = store.begin_read("test", AT).await.expect("read");
            let transfers = tx.contract_transfers(id).await.expect("transfers");
            let since = tx.transfers_since("me", "2026-04-01").await.expect("since");
            tx.rollback().await.expect("rolled back");
            (transfers, since)
        };
        let (transfers, since) = kept(store.clone()).await;
        let days: Vec<(i64, i64, &str)> = transfers
            .iter()
            .map(|t| (t.from_customer, t.to_customer, t.on_date.as_str()))
            .collect();
        assert_eq!(
            days,
            [(ana, marko, "2026-03-15"), (marko, ana, "2026-05-01")]
        );
        assert_eq!(since.len(), 1);

        // A database of before migration 0035: the transfers only in the audit trail.
        let migration = match store.backend() {
            Backend::Sqlite => include_str!("../migrations/sqlite/0035_later_events.sql"),
            Backend::Postgres => include_str!("../migrations/postgres/0035_later_events.sql"),
        };
        let backfill = migration
            .split(';')
            .map(str::trim)
            .find(|s| s.contains("INSERT INTO contract_transfers"))
            .expect("the migration takes transfers over");
        tarifa_store::testing::execute(
            &store,
            &format!("DELETE FROM contract_transfers; {backfill};"),
        )
        .await
        .expect("taken over");
        let (again, _) = kept(store.clone()).await;
        assert_eq!(again, transfers);
    })
    .await;
}

#[tokio::test]
async fn a_transfer_is_one_row_and_an_older_ledger_moves_into_it() {
    each_backend(|store| async move {
        with_market(&store).await;
        let mut tx = store.begin("test", AT).await.expect("begin");
        let ana = tx.insert_customer(&customer("ana")).await.expect("ana");
        let entry = |account: &str, amount_minor: i64| NewEntry {
            account: account.into(),
            amount_minor,
        };
        let receivable = format!("receivable:customer:{ana}");
        tx.insert_transfer(
            "me",
            "bill",
            "ME-1",
            "2026-02-01",
            &[
                entry(&receivable, 2_500),
                entry("revenue:subscription", -2_500),
                entry("revenue:vat_included", 434),
                entry("vat:standard", -434),
            ],
        )
        .await
        .expect("a bill");
        tx.insert_transfer(
            "me",
            "payment",
            "P-1",
            "2026-02-10",
            &[entry("bank:me", 1_000), entry(&receivable, -1_000)],
        )
        .await
        .expect("a payment");
        assert!(
            tx.insert_transfer("me", "bill", "ME-2", "2026-02-01", &[entry(&receivable, 1)])
                .await
                .is_err(),
            "unbalanced"
        );
        tx.commit().await.expect("commit");
        let balances = |store: Store, receivable: String| async move {
            let mut tx = store.begin_read("test", AT).await.expect("read");
            let found = (
                tx.account_balance(&receivable).await.expect("receivable"),
                tx.account_balance("bank:me").await.expect("bank"),
                tx.account_balance("vat:standard").await.expect("vat"),
                tx.receivable_balances("me").await.expect("all"),
                tx.ledger_check("me").await.expect("check"),
                tx.count_transfers("me").await.expect("count"),
            );
            tx.rollback().await.expect("rolled back");
            found
        };
        let now = balances(store.clone(), receivable.clone()).await;
        assert_eq!((now.0, now.1, now.2), (1_500, 1_000, -434));
        assert_eq!(now.3.len(), 1);
        assert_eq!(now.3[0].account, receivable);
        assert_eq!(now.3[0].amount_minor, 1_500);
        assert_eq!((now.4, now.5), ((0, 0), 2));

        // A ledger of before migration 0036: one row per entry.
        let migration = match store.backend() {
            Backend::Sqlite => include_str!("../migrations/sqlite/0036_packed_ledger.sql"),
            Backend::Postgres => include_str!("../migrations/postgres/0036_packed_ledger.sql"),
        };
        // Statements end a line (the packed legs' separator is a ';' too).
        let moves: Vec<&str> = migration
            .split(";\n")
            .map(str::trim)
            .filter(|s| s.contains("UPDATE ledger_transfers") || s.starts_with("DROP TABLE"))
            .collect();
        assert_eq!(moves.len(), 3);
        tarifa_store::testing::execute(
            &store,
            &format!(
                "CREATE TABLE ledger_entries (transfer_id BIGINT NOT NULL, position BIGINT NOT NULL,
                    account TEXT NOT NULL, amount_minor BIGINT NOT NULL, PRIMARY KEY (transfer_id, position));
                 INSERT INTO ledger_entries SELECT id, 0, 'receivable:customer:{ana}', receivable_minor FROM ledger_transfers;
                 INSERT INTO ledger_entries SELECT id, 1, CASE WHEN kind = 'bill' THEN 'revenue:subscription' ELSE 'bank:me' END,
                     CASE WHEN kind = 'bill' THEN -2500 ELSE 1000 END FROM ledger_transfers;
                 INSERT INTO ledger_entries SELECT id, 2, 'revenue:vat_included', 434 FROM ledger_transfers WHERE kind = 'bill';
                 INSERT INTO ledger_entries SELECT id, 3, 'vat:standard', -434 FROM ledger_transfers WHERE kind = 'bill';
                 UPDATE ledger_transfers SET customer_id = NULL, receivable_minor = 0, legs = '';
                 {};",
                moves.join(";\n")
            ),
        )
        .await
        .expect("an older ledger moved");
        assert_eq!(balances(store.clone(), receivable).await, now);
    })
    .await;
}

/// Customers of two markets with interleaved ids, contracts, a usage segment
/// and a receivable; returns the `me` customers' ids.
async fn accounts_of_two_markets(store: &Store) -> Vec<i64> {
    with_market(store).await;
    let mut tx = store.begin("test", AT).await.expect("begin");
    tx.ensure_market("rs", "RSD").await.expect("rs");
    let mut ids = Vec::new();
    for i in 0..7 {
        let mut row = customer(&format!("c{i}"));
        if i % 3 == 1 {
            row.market = "rs".into();
        }
        let id = tx.insert_customer(&row).await.expect("customer");
        if i % 3 == 1 {
            let mut k = contract(id, &format!("k{i}"), &format!("+38164000000{i}"));
            k.market = "rs".into();
            tx.insert_contract(&k, &[]).await.expect("rs contract");
            continue;
        }
        ids.push(id);
        for j in 0..i % 3 {
            tx.insert_contract(
                &contract(id, &format!("k{i}{j}"), &format!("+3822000000{i}{j}")),
                &[],
            )
            .await
            .expect("contract");
        }
    }
    let first = tx.contracts_of_customer(ids[1]).await.expect("contracts")[0].id;
    let mut bytes = Vec::new();
    tarifa_store::segment::encode_record(
        &mut bytes,
        &tarifa_store::segment::RecordFields {
            id: b"r1",
            day: 3,
            second_of_day: 600,
            nanosecond: 0,
            class: 0,
            to: b"+38267555444",
            quantity: 90,
            units: 2,
            roaming: None,
        },
    );
    let mut segments = tarifa_store::segment::NewSegments::default();
    segments
        .add(
            first,
            "2026-02",
            None,
            &["voice.national"],
            [bytes.as_slice()],
        )
        .expect("segment");
    tx.insert_usage_segments(&segments).await.expect("usage");
    let receivable = format!("receivable:customer:{}", ids[2]);
    tx.insert_transfer(
        "me",
        "bill",
        "ME-1",
        "2026-02-01",
        &[
            NewEntry {
                account: receivable,
                amount_minor: 2_500,
            },
            NewEntry {
                account: "revenue:subscription".into(),
                amount_minor: -2_500,
            },
        ],
    )
    .await
    .expect("a bill");
    tx.commit().await.expect("commit");
    ids
}

#[tokio::test]
async fn a_market_is_read_a_range_of_customers_at_a_time() {
    each_backend(|store| async move {
        let ids = accounts_of_two_markets(&store).await;
        let mut tx = store.begin_read("test", AT).await.expect("read");
        let mut ranges = Vec::new();
        let mut after = 0;
        while let Some(range) = tx
            .accounts_range("me", after, 2, "2026-02")
            .await
            .expect("range")
        {
            after = range.last;
            ranges.push(range);
        }
        tx.rollback().await.expect("rolled back");
        // Five customers of `me`, two a range; `rs` customers never appear.
        assert_eq!(ranges.len(), 3);
        let owners: Vec<i64> = ranges
            .iter()
            .flat_map(|r| &r.owners)
            .map(|o| o.id)
            .collect();
        assert_eq!(owners, ids);
        for range in &ranges {
            assert!(
                range
                    .owners
                    .iter()
                    .all(|o| o.id > range.after && o.id <= range.last)
            );
            assert!(range.contracts.iter().all(|k| k.market == "me"
                && range.owners.iter().any(|o| o.id == k.customer_id)));
        }
        let contracts: usize = ranges.iter().map(|r| r.contracts.len()).sum();
        assert_eq!(contracts, 4, "two customers of `me` hold two each");
        let packages: usize = ranges.iter().map(|r| r.packages.len()).sum();
        assert_eq!(packages, 4, "one package period a contract");
        let usage: Vec<_> = ranges.iter().flat_map(|r| &r.usage).collect();
        assert_eq!(usage.len(), 1);
        assert_eq!(
            (usage[0].records, usage[0].quantity, usage[0].units),
            (1, 90, 2)
        );
        let balances: Vec<(i64, i64)> = ranges.iter().flat_map(|r| r.balances.clone()).collect();
        assert_eq!(balances, vec![(ids[2], 2_500)]);
    })
    .await;
}

#[tokio::test]
async fn the_lean_reader_reads_the_same_ranges_as_the_driver() {
    let db = TestDatabase::sqlite_file();
    let store = db.open().await.expect("create");
    accounts_of_two_markets(&store).await;
    let mut lean = store.lean_reader().expect("open").expect("a file has one");
    let mut after = 0;
    let mut read = 0;
    loop {
        let mut tx = store.begin_read("test", AT).await.expect("read");
        let by_driver = tx
            .accounts_range("me", after, 2, "2026-02")
            .await
            .expect("driver");
        tx.rollback().await.expect("rolled back");
        let by_lean = lean
            .accounts_range("me", after, 2, "2026-02")
            .expect("lean");
        assert_eq!(by_lean, by_driver);
        let Some(range) = by_lean else { break };
        read += range.owners.len();
        after = range.last;
    }
    assert_eq!(read, 5);
    store.close().await;
    db.drop_database().await.expect("removed");
}

#[tokio::test]
async fn the_api_point_reads_are_the_same_on_the_lean_path_as_through_the_driver() {
    let db = TestDatabase::sqlite_file();
    let store = db.open().await.expect("create");
    with_market(&store).await;
    let mut tx = store.begin("test", AT).await.expect("begin");
    let ana = tx.insert_customer(&customer("ana")).await.expect("ana");
    let bo = tx.insert_customer(&customer("bo")).await.expect("bo");
    tx.insert_bills(&[
        bill("ME-1", ana, "2026-01", 2),
        bill("ME-2", bo, "2026-01", 1),
        bill("ME-3", ana, "2026-02", 3),
    ])
    .await
    .expect("bills");
    tx.insert_payment(
        &PaymentRow {
            id: 0,
            market: "me".into(),
            customer_id: ana,
            reference: "p-1".into(),
            amount_minor: 2_500,
            received_on: "2026-02-20".into(),
            transfer_id: 0,
        },
        &[
            NewEntry {
                account: "bank:me".into(),
                amount_minor: 2_500,
            },
            NewEntry {
                account: format!("receivable:customer:{ana}"),
                amount_minor: -2_500,
            },
        ],
    )
    .await
    .expect("payment");
    let token = |hash: &str, opened_with_token: Option<i64>| ApiTokenRow {
        id: 0,
        hash: hash.into(),
        role: "care".into(),
        customer_id: None,
        label: Some(hash.into()),
        created_on: AT.into(),
        revoked_on: None,
        expires_at: opened_with_token.map(|_| "2026-01-10T12:00:00Z".into()),
        opened_with_token,
        opened_by_user: None,
    };
    let live = tx.insert_token(&token("live", None)).await.expect("live");
    let revoked = tx
        .insert_token(&token("revoked", None))
        .await
        .expect("revoked");
    tx.insert_token(&token("session", Some(revoked)))
        .await
        .expect("session");
    tx.revoke_token(revoked, AT).await.expect("revoke");
    tx.commit().await.expect("commit");

    let reads = store.lean_reads().expect("a file has them");
    let mut tx = store.begin_read("test", AT).await.expect("read");
    for hash in ["live", "revoked", "session", "unknown"] {
        // (The driver's path of `Store::live_token` is the one of memory and
        // PostgreSQL, which the server's suites authenticate through.)
        let by_lean = reads.read(|r| r.live_token(hash, AT)).expect("lean");
        assert_eq!(
            by_lean.map(|t| t.id),
            (hash == "live").then_some(live),
            "{hash}"
        );
    }
    let found = store
        .live_token("live", AT)
        .await
        .expect("store")
        .expect("live");
    assert_eq!(
        found,
        ApiTokenRow {
            id: live,
            ..token("live", None)
        }
    );
    let bills = tx.bills_of_customer(ana).await.expect("bills");
    for id in [bills[0].id, bills[1].id, 999] {
        let by_lean = reads.read(|r| r.bill(id)).expect("lean");
        assert_eq!(by_lean, tx.bill(id).await.expect("driver"));
    }
    assert_eq!(
        reads
            .read(|r| r.bill(bills[1].id))
            .expect("lean")
            .map(|b| b.detail),
        Some(bills[1].detail.clone()),
        "the detail read back from the body"
    );
    for id in [ana, bo, 999] {
        let (amounts, paid, row) = reads
            .read(|r| {
                Ok((
                    r.bill_amounts_of_customer(id)?,
                    r.paid_by_customer(id)?,
                    r.customer(id)?,
                ))
            })
            .expect("lean");
        assert_eq!(
            amounts,
            tx.bill_amounts_of_customer(id).await.expect("driver")
        );
        assert_eq!(paid, tx.paid_by_customer(id).await.expect("driver"));
        assert_eq!(row, tx.customer(id).await.expect("driver"));
    }
    let amounts = reads
        .read(|r| r.bill_amounts_of_customer(ana))
        .expect("lean");
    assert_eq!(
        amounts
            .iter()
            .map(|b| (b.number.as_str(), b.total_minor))
            .collect::<Vec<_>>(),
        [("ME-1", 2_000), ("ME-3", 3_000)]
    );
    assert_eq!(
        reads.read(|r| r.paid_by_customer(ana)).expect("lean"),
        2_500
    );
    tx.rollback().await.expect("rolled back");

    // A change committed after a connection was kept is seen by the next read.
    let mut tx = store.begin("test", AT).await.expect("begin");
    tx.revoke_token(live, AT).await.expect("revoke");
    tx.commit().await.expect("commit");
    assert_eq!(
        reads.read(|r| r.live_token("live", AT)).expect("lean"),
        None
    );
    store.close().await;
    db.drop_database().await.expect("removed");
}

#[tokio::test]
async fn each_bill_awaits_its_notice_until_a_transaction_takes_it() {
    each_backend(|store| async move {
        with_market(&store).await;
        let mut tx = store.begin("test", AT).await.expect("begin");
        let ana = tx.insert_customer(&customer("ana")).await.expect("ana");
        tx.insert_bills(&[
            bill("ME-1", ana, "2026-01", 1),
            bill("ME-2", ana, "2026-02", 1),
        ])
        .await
        .expect("bills");
        tx.commit().await.expect("commit");

        // Taken and rolled back: still due.
        let mut tx = store.begin("test", AT).await.expect("begin");
        let due = tx.take_bill_notices_due(10).await.expect("due");
        assert_eq!(
            due.iter().map(|b| b.number.as_str()).collect::<Vec<_>>(),
            ["ME-1", "ME-2"]
        );
        assert_eq!(due[0].customer_id, ana);
        assert_eq!(due[1].total_due_minor, 1000);
        tx.rollback().await.expect("rolled back");

        // One bill taken by its number (a separate bill), once.
        let mut tx = store.begin("test", AT).await.expect("begin");
        let one = tx.take_bill_notice_due("ME-2").await.expect("ME-2");
        assert_eq!(one.map(|b| b.number).as_deref(), Some("ME-2"));
        assert!(
            tx.take_bill_notice_due("ME-2")
                .await
                .expect("gone")
                .is_none()
        );
        assert!(
            tx.take_bill_notice_due("ME-9")
                .await
                .expect("none")
                .is_none()
        );
        tx.rollback().await.expect("rolled back");

        // Taken a batch at a time, each once.
        let mut tx = store.begin("test", AT).await.expect("begin");
        let first = tx.take_bill_notices_due(1).await.expect("one");
        let second = tx.take_bill_notices_due(1).await.expect("the other");
        let none = tx.take_bill_notices_due(10).await.expect("none");
        tx.commit().await.expect("commit");
        assert_eq!(first[0].number, "ME-1");
        assert_eq!(second[0].number, "ME-2");
        assert!(none.is_empty());
        let mut tx = store.begin("test", AT).await.expect("begin");
        assert!(tx.take_bill_notices_due(10).await.expect("none").is_empty());
        tx.rollback().await.expect("rolled back");
    })
    .await;
}
