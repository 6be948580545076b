//! The usage import's batches on both backends (and on a SQLite file, whose
//! batches go through the lean writer): a file cut into many blocks
//! and batches (each sealed into segments and written on its own) rates
//! every record once, repeats within and across batches included, and a
//! second import of the file rates nothing.

use std::sync::Arc;

use jiff::civil::date;
use tarifa_app::contracts::Provisioned;
use tarifa_app::usage::{ImportSummary, ImportTuning};
use tarifa_app::{App, Ctx};
use tarifa_core::time::ManualClock;
use tarifa_store::Store;
use tarifa_store::testing::TestDatabase;

const FILE: &str = "id,number,at,kind,to,quantity,roaming
r1,+38267000001,2026-02-03T10:00:00,voice,+38267000002,61,
r2,+38267000001,2026-02-03T11:00:00.25,sms,\"+382 67 000 002\",1,
r1,+38267000001,2026-02-03T10:00:00,voice,+38267000002,61,
r1,+38267000002,2026-02-04T10:00:00,data,internet,1048577,
r3,+38267000002,2026-02-05T10:00:00,voice,112,30,
r4,+38267000009,2026-02-05T10:00:00,voice,112,30,
r5,+38267000001,2026-03-01T00:00:01,voice,+38267000002,5,
";

/// The `me` market on `db` on 2 March 2026, with a phone line from
/// 1 February for each of `numbers`.
async fn provisioned(db: &TestDatabase, numbers: &[String]) -> (Store, App, Ctx) {
    let market = tarifa_app::presets::embedded_market("me")
        .expect("preset")
        .expect("valid");
    let clock = Arc::new(ManualClock::at_date(date(2026, 3, 2), &market.time_zone));
    let store = db.open().await.expect("store");
    let app = App::new(store.clone(), vec![market.clone()], clock)
        .await
        .expect("app");
    let ctx = Ctx::new("test");
    let lines: Vec<Provisioned> = numbers
        .iter()
        .map(|number| Provisioned {
            number: number.clone(),
            package: "phone-line".to_owned(),
        })
        .collect();
    app.provision(&ctx, &market, &lines, date(2026, 2, 1))
        .await
        .expect("provision");
    (store, app, ctx)
}

fn counts(s: &ImportSummary) -> (u64, u64, u64) {
    (s.imported, s.duplicates, s.rejected)
}

#[tokio::test]
async fn batches_rate_each_record_once_on_every_backend() {
    for db in TestDatabase::all_and_a_file().await.expect("databases") {
        let numbers = ["+38267000001", "+38267000002"].map(str::to_owned);
        let (store, app, ctx) = provisioned(&db, &numbers).await;
        // Blocks of a line or two, and every block sealed into its own batch.
        let tuning = ImportTuning {
            block_bytes: 64,
            seal_at_bytes: 1,
            ..ImportTuning::default()
        };
        let first = app
            .import_usage_csv_with(&ctx, "f.csv", std::io::Cursor::new(FILE), |_| {}, tuning)
            .await
            .expect("import");
        assert_eq!(
            counts(&first),
            (5, 1, 1),
            "r1 twice for one number is one record; r1 of another number is its own"
        );
        assert_eq!(first.rejected_lines[0].line, 7);
        assert!(first.rejected_lines[0].reason.contains("held no contract"));
        let again = app
            .import_usage_csv_with(&ctx, "f.csv", std::io::Cursor::new(FILE), |_| {}, tuning)
            .await
            .expect("second import");
        assert_eq!(counts(&again), (0, 6, 1), "nothing is rated twice");
        let whole = app
            .import_usage_csv(&ctx, "f.csv", std::io::Cursor::new(FILE), |_| {})
            .await
            .expect("in one batch");
        assert_eq!(counts(&whole), (0, 6, 1));

        let mut tx = store
            .begin("test", "2026-03-02T00:00:00Z")
            .await
            .expect("tx");
        let contracts = tx.contracts("me").await.expect("contracts");
        let ana = contracts
            .iter()
            .find(|c| c.number == "+38267000001")
            .expect("ana")
            .id;
        let records = tx.usage_records(ana, "2026-02").await.expect("records");
        assert_eq!(
            records
                .iter()
                .map(|r| (
                    r.id.as_str(),
                    r.at.as_str(),
                    r.to_number.as_str(),
                    r.bucket.as_str()
                ))
                .collect::<Vec<_>>(),
            vec![
                (
                    "r1",
                    "2026-02-03T10:00:00",
                    "+38267000002",
                    "voice.national"
                ),
                (
                    "r2",
                    "2026-02-03T11:00:00.25",
                    "+382 67 000 002",
                    "sms.national"
                ),
            ]
        );
        let totals = tx
            .contract_usage_totals(ana, "2026-02")
            .await
            .expect("totals");
        assert_eq!(
            totals
                .iter()
                .map(|t| (t.bucket.as_str(), t.records, t.quantity, t.units))
                .collect::<Vec<_>>(),
            vec![("sms.national", 1, 1, 1), ("voice.national", 1, 61, 2)]
        );
        assert_eq!(
            tx.usage_record(ana, "2026-03", "r5")
                .await
                .expect("read")
                .map(|r| r.quantity),
            Some(5)
        );
        assert_eq!(tx.count_usage_records().await.expect("count"), 5);
        // Each batch of the first import is one event by the importing
        // actor, with its counts.
        let events = tx.audit_trail("usage_import", "1").await.expect("events");
        assert!(events.len() > 1, "{} batches", events.len());
        let mut imported = 0;
        for e in &events {
            assert_eq!(
                (e.actor.as_str(), e.action.as_str()),
                ("test", "import_usage")
            );
            let detail: serde_json::Value = serde_json::from_str(&e.detail).expect("JSON");
            imported += detail["imported"].as_u64().expect("a count");
        }
        assert_eq!(imported, 5);
        tx.rollback().await.expect("rollback");
        store.close().await;
        db.drop_database().await.expect("drop");
    }
}

/// A month of `subscribers` × `records` lines (each record's id and content
/// its own), with a repeat of every subscriber's first record at the end of
/// its day and, for the first subscriber, an id that comes back with other
/// content; in time order (every subscriber in turn) or sorted by
/// subscriber.
fn month(subscribers: u32, records: u32, in_time_order: bool) -> String {
    let line = |s: u32, r: u32| {
        format!(
            "s{s}-{r},+382670{s:05},2026-02-{:02}T10:{:02}:00,voice,+38267999999,{},\n",
            r + 1,
            s % 60,
            30 + s + r
        )
    };
    let mut lines: Vec<(u32, u32, String)> = Vec::new();
    for s in 0..subscribers {
        for r in 0..records {
            lines.push((r, s, line(s, r)));
        }
        // The first record again, the same: a duplicate.
        lines.push((records, s, line(s, 0)));
    }
    // The first subscriber's second id, with another quantity: a conflict.
    lines.push((records, 0, line(0, 1).replace(",31,", ",999,")));
    if in_time_order {
        lines.sort_by_key(|(r, s, _)| (*r, *s));
    } else {
        lines.sort_by_key(|(r, s, _)| (*s, *r));
    }
    let mut file = "id,number,at,kind,to,quantity,roaming\n".to_owned();
    for (_, _, line) in lines {
        file.push_str(&line);
    }
    file
}

/// What an import stored: (number, id, quantity) of every record, and the
/// segments it made.
type Outcome = (Vec<(String, String, i64)>, u64);

/// A file in time order is spilled by contract range and sealed a segment
/// per contract: from its first batch on when that holds few records a
/// contract (its stored ids then read a range of contracts at a time)...
#[tokio::test]
async fn a_file_in_time_order_stores_what_the_sorted_file_stores() {
    in_time_order_as_sorted(40, 20, 9_000).await;
}

/// ...or from the batch that shares its contracts with the one before.
#[tokio::test]
async fn a_file_found_in_time_order_at_its_second_batch_is_spilled_from_there() {
    in_time_order_as_sorted(4, 20, 2_400).await;
}

/// A month of `subscribers` × `records` in time order, imported in batches
/// of `seal_at` bytes, stores exactly what the same records sorted by
/// subscriber store, with the same duplicates and the same conflict found,
/// in at most two segments a contract; a second import of either rates
/// nothing.
async fn in_time_order_as_sorted(subscribers: u32, records: u32, seal_at: usize) {
    // Per order, per database: the records stored and the segments made.
    let mut outcomes: Vec<Vec<Outcome>> = Vec::new();
    for in_time_order in [false, true] {
        let mut outcome = Vec::new();
        for db in TestDatabase::all_and_a_file().await.expect("databases") {
            let numbers: Vec<String> = (0..subscribers).map(|s| format!("+382670{s:05}")).collect();
            let (store, app, ctx) = provisioned(&db, &numbers).await;
            // Small blocks and batches; a spill that writes every few
            // records to its file.
            let tuning = ImportTuning {
                block_bytes: 256,
                seal_at_bytes: seal_at,
                spill_block_bytes: 200,
            };
            let file = month(subscribers, records, in_time_order);
            let summary = app
                .import_usage_csv_with(
                    &ctx,
                    "month.csv",
                    std::io::Cursor::new(file.clone()),
                    |_| {},
                    tuning,
                )
                .await
                .expect("import");
            let all = u64::from(subscribers * records);
            assert_eq!(counts(&summary), (all, u64::from(subscribers), 1));
            assert!(
                summary.rejected_lines[0].reason.contains("other content"),
                "{:?}",
                summary.rejected_lines
            );
            let again = app
                .import_usage_csv_with(
                    &ctx,
                    "month.csv",
                    std::io::Cursor::new(file),
                    |_| {},
                    tuning,
                )
                .await
                .expect("again");
            assert_eq!(counts(&again).0, 0, "nothing is rated twice");

            let mut tx = store
                .begin("test", "2026-03-02T00:00:00Z")
                .await
                .expect("tx");
            let mut stored = Vec::new();
            for contract in tx.contracts("me").await.expect("contracts") {
                for r in tx
                    .usage_records(contract.id, "2026-02")
                    .await
                    .expect("records")
                {
                    stored.push((contract.number.clone(), r.id, r.quantity));
                }
            }
            stored.sort();
            assert_eq!(stored.len() as u64, all);
            let mut made = 0;
            for e in tx.audit_trail("usage_import", "1").await.expect("events") {
                let detail: serde_json::Value = serde_json::from_str(&e.detail).expect("JSON");
                made += detail["segments"].as_u64().expect("a count");
            }
            outcome.push((stored, made));
            tx.rollback().await.expect("rollback");
            store.close().await;
            db.drop_database().await.expect("drop");
        }
        outcomes.push(outcome);
    }
    for ((sorted, sorted_segments), (in_time_order, time_segments)) in
        outcomes[0].iter().zip(&outcomes[1])
    {
        assert_eq!(sorted, in_time_order, "the same records either way");
        // Sorted, a contract's records share a batch or two; in time order
        // the first batch is sealed as it came and the rest spilled: at most
        // two segments a contract, where a batch at a time made one a batch.
        let most = u64::from(subscribers) * 2;
        assert!(*sorted_segments <= most, "{sorted_segments} segments");
        assert!(*time_segments <= most, "{time_segments} segments");
    }
}
