//! Hungarian bills reported to NAV Online Számla against a stand-in
//! authority (`tarifa_einvoice::nav_stand_in`, which validates every request
//! against the official schema and checks its signature): batches of at most
//! 100, polling until done, an aborted bill shown with the authority's
//! messages, a business reported by its tax number, a credit note as a
//! modification of the bill, a failing service retried, a lost answer and a
//! worker stopped mid-batch recovered without reporting anything twice. On
//! SQLite and, when configured, PostgreSQL.

use std::sync::Arc;
use std::time::Duration;

use jiff::SignedDuration;
use jiff::civil::date;
use tarifa_app::contracts::{Provisioned, SignRequest};
use tarifa_app::corrections::Credit;
use tarifa_app::einvoice::{NavClient, SubmitPolicy};
use tarifa_app::{App, Ctx};
use tarifa_core::contract::SalesChannel;
use tarifa_core::party::{IdDocumentKind, PartyApplication, PartyKind, Residency};
use tarifa_core::time::{Clock, ManualClock};
use tarifa_einvoice::nav_api::Credentials;
use tarifa_einvoice::nav_stand_in::StandIn;
use tarifa_store::Store;
use tarifa_store::testing::TestDatabase;

fn user() -> Credentials {
    Credentials {
        login: "tarifatest01".into(),
        password: "a password of the test user".into(),
        signature_key: "ab-cd12-3456789abcdef0123456789AB".into(),
        exchange_key: "1234567890ABCDEF".into(),
        tax_number: "10000001".into(),
    }
}

struct World {
    app: App,
    clock: Arc<ManualClock>,
    ctx: Ctx,
    client: NavClient,
    authority: StandIn,
    policy: SubmitPolicy,
}

impl World {
    async fn pass(&self) -> tarifa_app::einvoice::SubmitReport {
        self.app
            .submit_einvoices(&self.ctx, "hu", &self.client, &self.policy)
            .await
            .expect("a pass")
    }

    fn later(&self, seconds: i64) {
        let now = self.clock.now();
        self.clock.set(
            now.checked_add(SignedDuration::from_secs(seconds))
                .expect("time"),
        );
    }

    async fn states(&self) -> Vec<(String, String)> {
        self.app
            .einvoices(&self.ctx, "hu")
            .await
            .expect("list")
            .into_iter()
            .map(|r| (r.number, r.state))
            .collect()
    }
}

/// 230 subscribers and a business billed for February 2026: 231 bills queued.
async fn world(url: &str) -> World {
    let market = tarifa_app::presets::embedded_market("hu")
        .expect("preset")
        .expect("valid");
    let tz = market.time_zone.clone();
    let clock = Arc::new(ManualClock::at_date(date(2026, 2, 1), &tz));
    let store = Store::open(url).await.expect("store");
    let app = App::new(store, vec![market.clone()], clock.clone())
        .await
        .expect("app");
    let ctx = Ctx::new("test");
    let subscribers: Vec<Provisioned> = (0..230)
        .map(|i| Provisioned {
            number: format!("+3620{:07}", 1_000_000 + i),
            package: "hu-start".into(),
        })
        .collect();
    app.provision(&ctx, &market, &subscribers, date(2026, 2, 1))
        .await
        .expect("provision");
    let business = app
        .register_customer(
            &ctx,
            "hu",
            Some("acme"),
            PartyApplication {
                kind: PartyKind::Business,
                residency: Residency::Citizen,
                name: "Acme Kft.".into(),
                email: Some("szamla@acme.hu".into()),
                phone: None,
                address: Some("Váci út 1, 1062 Budapest".into()),
                id_document: Some(IdDocumentKind::RegistryExtract),
                id_document_number: Some("01-09-123456".into()),
                tax_number: Some("12345676-2-41".into()),
                copy_consent: false,
                directory_opt_out: false,
                security_body: false,
                marketing_consent: false,
                language: None,
            },
        )
        .await
        .expect("register")
        .value
        .expect("registered");
    app.sign_contract(
        &ctx,
        SignRequest {
            customer_id: business,
            handle: None,
            package: "hu-plus".into(),
            number: None,
            commitment_months: None,
            benefits: vec![],
            device: None,
            channel: SalesChannel::Store,
            ported_from: None,
            promotion: None,
        },
    )
    .await
    .expect("sign");
    clock.set_date(date(2026, 3, 1), &tz);
    app.run_bills(&ctx, &market, date(2026, 2, 1), date(2026, 3, 1))
        .await
        .expect("bill run");
    let authority = StandIn::start(user()).expect("the stand-in");
    let client = NavClient::new(authority.endpoint(), user(), Duration::from_secs(2));
    let defaults = SubmitPolicy::default();
    let policy = SubmitPolicy {
        poll_wait: Duration::from_secs(10),
        retry: tarifa_app::delivery::RetryPolicy {
            first_wait: Duration::from_secs(30),
            ..defaults.retry
        },
        ..defaults
    };
    World {
        app,
        clock,
        ctx,
        client,
        authority,
        policy,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_hungarian_bill_is_reported_once_through_failures() {
    for db in TestDatabase::all().await.expect("databases") {
        let w = world(&db.url).await;
        let queued = w.states().await;
        assert_eq!(queued.len(), 231, "every bill is queued with the bill run");
        assert!(queued.iter().all(|(_, s)| s == "queued"));
        let aborted_number = queued[7].0.clone();
        w.authority.abort(
            &aborted_number,
            "INCORRECT_VAT_CODE",
            "the VAT code does not match the taxpayer's",
        );
        w.authority.polls_before_done(1);

        // Batches of at most 100, each sent once.
        let first = w.pass().await;
        assert_eq!(
            (first.batches, first.documents, first.sent),
            (3, 231, 3),
            "{first:?}"
        );
        assert_eq!(w.authority.batch_sizes(), vec![100, 100, 31]);
        assert!(w.states().await.iter().all(|(_, s)| s == "sent"));

        // Polled: still processing at the first poll, done at the next.
        let early = w.pass().await;
        assert_eq!(
            early.done, 0,
            "nothing is due before the poll wait: {early:?}"
        );
        w.later(11);
        let processing = w.pass().await;
        assert_eq!(processing.done, 0, "{processing:?}");
        w.later(11);
        let done = w.pass().await;
        assert_eq!((done.done, done.aborted), (230, 1), "{done:?}");
        let rows = w.app.einvoices(&w.ctx, "hu").await.expect("list");
        let aborted = rows
            .iter()
            .find(|r| r.number == aborted_number)
            .expect("the aborted bill");
        assert_eq!(aborted.state, "aborted");
        let messages = aborted.messages.as_deref().unwrap_or("");
        assert!(
            messages.contains("INCORRECT_VAT_CODE") && messages.contains("does not match"),
            "{messages}"
        );
        assert!(rows.iter().all(|r| r.transaction_id.is_some()));

        // A credit note is a modification, sent after its bill is done; the
        // service fails once, and the batch is tried again later.
        let corrected = rows
            .iter()
            .find(|r| r.state == "done")
            .expect("a done bill")
            .number
            .clone();
        let note = w
            .app
            .credit_note(
                &w.ctx,
                &corrected,
                &Credit::Amount("1000".into()),
                "a disputed charge",
            )
            .await
            .expect("credit note");
        w.authority.polls_before_done(0);
        w.authority.fail_next(1);
        let failed = w.pass().await;
        assert_eq!(
            (failed.batches, failed.sent, failed.retrying),
            (1, 0, 1),
            "{failed:?}"
        );
        let waiting = w.app.einvoices(&w.ctx, "hu").await.expect("list");
        let row = waiting
            .iter()
            .find(|r| r.number == note.number)
            .expect("note");
        assert_eq!(row.state, "queued");
        assert!(
            row.last_error.as_deref().unwrap_or("").contains("500"),
            "{row:?}"
        );
        w.later(31);
        let retried = w.pass().await;
        assert_eq!(retried.sent, 1, "{retried:?}");
        w.later(11);
        let note_done = w.pass().await;
        assert_eq!(note_done.done, 1, "{note_done:?}");

        // The answer is lost (the service takes the batch but answers too
        // late): sent again under the same request id, the repeat is refused
        // and the first attempt's transaction found and polled.
        let second = w
            .app
            .credit_note(
                &w.ctx,
                &corrected,
                &Credit::Amount("500".into()),
                "a second correction",
            )
            .await
            .expect("credit note");
        w.authority.hang_next(1, Duration::from_secs(4));
        let lost = w.pass().await;
        assert_eq!((lost.sent, lost.retrying), (0, 1), "{lost:?}");
        w.later(31);
        let found = w.pass().await;
        assert_eq!(found.sent, 1, "{found:?}");
        assert!(
            w.authority
                .refusals()
                .contains(&"REQUEST_ID_NOT_UNIQUE".to_owned())
        );
        w.later(11);
        assert_eq!(w.pass().await.done, 1);

        // A worker stopped while its batch is in flight: the lease runs out,
        // another pass sends the same request, and it is reported once.
        let third = w
            .app
            .credit_note(
                &w.ctx,
                &corrected,
                &Credit::Amount("300".into()),
                "a third correction",
            )
            .await
            .expect("credit note");
        w.authority.hang_next(1, Duration::from_secs(3));
        let stopped = tokio::time::timeout(Duration::from_millis(1_000), w.pass()).await;
        assert!(stopped.is_err(), "the worker was stopped mid-batch");
        tokio::time::sleep(Duration::from_millis(1_500)).await;
        let held = w.pass().await;
        assert_eq!(
            held.sent, 0,
            "the batch is leased to the stopped worker: {held:?}"
        );
        w.later(301);
        assert_eq!(w.pass().await.sent, 1);
        w.later(11);
        assert_eq!(w.pass().await.done, 1);

        let taken = w.authority.taken();
        assert_eq!(taken.len(), 234, "{taken:?}");
        assert!(
            taken.values().all(|n| *n == 1),
            "a document reported twice: {taken:?}"
        );
        for number in [&note.number, &second.number, &third.number] {
            assert_eq!(taken.get(number.as_str()), Some(&1), "{number}");
        }
        let states = w.states().await;
        assert_eq!(states.iter().filter(|(_, s)| s == "done").count(), 233);
        assert!(
            !w.app
                .einvoices_pending(&w.ctx, "hu")
                .await
                .expect("pending")
        );
        drop(w);
        db.drop_database().await.expect("drop");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_password_or_key_is_refused_and_nothing_is_lost() {
    let db = TestDatabase::sqlite();
    let w = world(&db.url).await;
    for (what, wrong, code) in [
        (
            "password",
            Credentials {
                password: "not the password".into(),
                ..user()
            },
            "INVALID_SECURITY_USER",
        ),
        (
            "signature key",
            Credentials {
                signature_key: "not-the-signature-key-0123456789".into(),
                ..user()
            },
            "INVALID_REQUEST_SIGNATURE",
        ),
    ] {
        let client = NavClient::new(w.authority.endpoint(), wrong, Duration::from_secs(2));
        let report = w
            .app
            .submit_einvoices(&w.ctx, "hu", &client, &w.policy)
            .await
            .expect("a pass");
        assert_eq!(report.sent, 0, "{what}: {report:?}");
        let rows = w.app.einvoices(&w.ctx, "hu").await.expect("list");
        assert!(
            rows.iter().all(|r| r.state == "queued"),
            "{what}: a refused user aborts nothing"
        );
        assert!(
            rows.iter()
                .any(|r| r.last_error.as_deref().unwrap_or("").contains(code)),
            "{what}: the error is shown"
        );
        w.later(3_601);
    }
    assert!(w.authority.taken().is_empty());
    let report = w.pass().await;
    assert_eq!(report.sent, 3, "the right user sends them all: {report:?}");
}
