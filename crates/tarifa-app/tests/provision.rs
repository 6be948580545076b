//! The bulk load of subscribers on every path that writes it: the driver
//! (in-memory SQLite, PostgreSQL) and the lean path (a SQLite file). Each
//! subscriber becomes a customer and a contract with its first package
//! period, one audit event a batch; a load with a bad line writes nothing.

use std::sync::Arc;

use jiff::civil::date;
use tarifa_app::contracts::Provisioned;
use tarifa_app::{App, Ctx};
use tarifa_core::time::ManualClock;
use tarifa_store::testing::TestDatabase;

fn subscriber(number: &str) -> Provisioned {
    Provisioned {
        number: number.to_owned(),
        package: "phone-line".to_owned(),
    }
}

#[tokio::test]
async fn subscribers_load_as_customers_and_contracts_on_every_path() {
    let file = std::env::temp_dir().join(format!("tarifa-provision-{}.sqlite", std::process::id()));
    for suffix in ["", "-wal", "-shm"] {
        std::fs::remove_file(format!("{}{suffix}", file.display())).ok();
    }
    let mut urls: Vec<(String, Option<TestDatabase>)> = vec![(file.display().to_string(), None)];
    for db in TestDatabase::all().await.expect("databases") {
        urls.push((db.url.clone(), Some(db)));
    }
    for (url, db) in urls {
        let market = tarifa_app::presets::embedded_market("me")
            .expect("preset")
            .expect("valid");
        let clock = Arc::new(ManualClock::at_date(date(2026, 3, 2), &market.time_zone));
        let store = tarifa_store::Store::open(&url).await.expect("store");
        let app = App::new(store.clone(), vec![market.clone()], clock)
            .await
            .expect("app");
        let ctx = Ctx::new("test");

        // A bad line anywhere: nothing is written.
        let twice = [subscriber("+38267000001"), subscriber("+38267000001")];
        let error = app
            .provision(&ctx, &market, &twice, date(2026, 2, 1))
            .await
            .expect_err("a number twice");
        assert!(error.to_string().contains("subscriber 2"), "{url}: {error}");
        let unknown = [
            subscriber("+38267000001"),
            Provisioned {
                number: "+38267000002".into(),
                package: "no-such-package".into(),
            },
        ];
        assert!(
            app.provision(&ctx, &market, &unknown, date(2026, 2, 1))
                .await
                .is_err()
        );

        let numbers = ["+38267000001", "+38267000002", "+38267000003"];
        let loaded = app
            .provision(&ctx, &market, &numbers.map(subscriber), date(2026, 2, 1))
            .await
            .expect("loaded");
        assert_eq!(loaded, 3, "{url}");

        let mut tx = store
            .begin("test", "2026-03-02T00:00:00Z")
            .await
            .expect("begin");
        let customers = tx.customers("me").await.expect("customers");
        let contracts = tx.contracts("me").await.expect("contracts");
        assert_eq!(customers.len(), 3, "{url}");
        assert_eq!(contracts.len(), 3, "{url}");
        for (contract, number) in contracts.iter().zip(numbers) {
            assert_eq!(contract.number, number, "{url}");
            assert_eq!(contract.activated_on, "2026-02-01", "{url}");
            let owner = customers
                .iter()
                .find(|c| c.id == contract.customer_id)
                .expect("its customer");
            assert_eq!(owner.phone.as_deref(), Some(number), "{url}");
            let periods = tx.package_history(contract.id).await.expect("periods");
            assert_eq!(periods.len(), 1, "{url}");
            assert_eq!(periods[0].package_id, "phone-line", "{url}");
        }
        let events = tx.audit_trail("market", "me").await.expect("audit");
        let loads: Vec<_> = events.iter().filter(|e| e.action == "provision").collect();
        assert_eq!(loads.len(), 1, "{url}: one event a batch");
        assert!(loads[0].detail.contains("\"subscribers\":3"), "{url}");
        tx.rollback().await.expect("rolled back");
        store.close().await;
        if let Some(db) = db {
            db.drop_database().await.expect("dropped");
        }
    }
    for suffix in ["", "-wal", "-shm"] {
        std::fs::remove_file(format!("{}{suffix}", file.display())).ok();
    }
}
