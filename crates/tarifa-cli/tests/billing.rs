//! Black-box tests of usage import, bill runs and the benchmark, on SQLite
//! and (when `TARIFA_TEST_DATABASE_URL` is set) PostgreSQL.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use tarifa_store::Store;
use tarifa_store::testing::TestDatabase;

mod common;
use common::{backends, ok, s, tarifa, temp_dir};

/// A generated month loaded into `url`: subscribers provisioned, usage
/// imported and February billed.
fn bench(dir: &Path, subscribers: &str, records: &str, url: Option<&str>) -> serde_json::Value {
    bench_with(dir, subscribers, records, url, &[])
}

/// [`bench`] with more arguments to `bench run` (e.g. `--no-bill-run`).
fn bench_with(
    dir: &Path,
    subscribers: &str,
    records: &str,
    url: Option<&str>,
    more: &[&str],
) -> serde_json::Value {
    ok(tarifa(&[
        "bench",
        "generate",
        "--market",
        "me",
        "--subscribers",
        subscribers,
        "--records-per-subscriber",
        records,
        "--period",
        "2026-02",
        "--seed",
        "11",
        "--dir",
        s(dir),
    ]));
    let mut args = vec!["bench", "run", "--dir", s(dir)];
    if let Some(url) = url {
        args.extend(["--db", url]);
    }
    args.extend(more);
    let out = ok(tarifa(&args));
    serde_json::from_str(out.trim()).expect("one JSON line")
}

/// Closes the store, drops the test database and removes the directory.
/// The test's database: PostgreSQL's when given, else the bench's SQLite
/// file in `dir`.
fn database_url(dir: &Path, db: Option<&TestDatabase>) -> String {
    db.map_or_else(
        || dir.join("bench.sqlite").display().to_string(),
        |d| d.url.clone(),
    )
}

async fn clean_up(store: Store, db: Option<TestDatabase>, dir: &Path) {
    store.close().await;
    if let Some(db) = db {
        db.drop_database().await.expect("drop");
    }
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn bench_totals_equal_an_independent_computation() {
    let dir = temp_dir("bench-check");
    let result = bench(&dir, "300", "40", None);
    assert_eq!(result["subscribers"], 300);
    assert_eq!(result["records"], 12_000);
    assert_eq!(result["bills"], 300);
    for key in [
        "import_s",
        "bill_run_s",
        "total_s",
        "records_per_s",
        "peak_rss_mb",
    ] {
        assert!(result.get(key).is_some(), "{key} missing");
    }
    bench_check(&dir);
    std::fs::remove_dir_all(dir).ok();
}

fn bench_check(dir: &Path) {
    let checker = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tools/bench_check.py");
    let out = Command::new("python3")
        .arg(&checker)
        .arg(dir)
        .output()
        .expect("python3 runs");
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// `bench run --no-bill-run` leaves the bills to `tarifa bill-run`, which
/// reads the market a range of customers at a time; `bench totals` writes
/// what was billed for the independent check. A second bill run issues
/// nothing.
#[tokio::test]
async fn a_bill_run_of_its_own_bills_the_benchmark_month_exactly() {
    for (backend, db) in backends().await {
        let dir = temp_dir(&format!("separate-bill-run-{backend}"));
        let url = database_url(&dir, db.as_ref());
        // More customers than one range of the bill run's reads (5,000).
        let out = bench_with(
            &dir,
            "5300",
            "2",
            db.as_ref().map(|d| d.url.as_str()),
            &["--no-bill-run"],
        );
        assert_eq!(out["records"], 10_600, "{backend}");
        assert!(out.get("bill_run_s").is_none(), "{backend}");
        let bill_run = [
            "bill-run",
            "--market",
            "me",
            "--period",
            "2026-02",
            "--issued",
            "2026-03-01",
            "--db",
            &url,
        ];
        let summary = |out: String| -> serde_json::Value {
            serde_json::from_str(out.trim()).expect("one JSON line")
        };
        let first = summary(ok(tarifa(&bill_run)));
        assert_eq!(
            (&first["issued"], &first["already_billed"]),
            (&5300.into(), &0.into()),
            "{backend}"
        );
        let again = summary(ok(tarifa(&bill_run)));
        assert_eq!(
            (&again["issued"], &again["already_billed"]),
            (&0.into(), &5300.into()),
            "{backend}"
        );
        let mut args = vec!["bench", "totals", "--dir", s(&dir)];
        if db.is_some() {
            args.extend(["--db", &url]);
        }
        ok(tarifa(&args));
        bench_check(&dir);
        let store = Store::open(&url).await.expect("open");
        let mut tx = store
            .begin_read("test", "2026-03-02T00:00:00Z")
            .await
            .expect("read");
        assert_eq!(
            tx.ledger_check("me").await.expect("ledger"),
            (0, 0),
            "{backend}"
        );
        drop(tx);
        clean_up(store, db, &dir).await;
    }
}

#[tokio::test]
async fn a_second_import_of_a_file_rates_nothing_twice() {
    for (backend, db) in backends().await {
        let dir = temp_dir(&format!("double-import-{backend}"));
        let url = database_url(&dir, db.as_ref());
        bench(&dir, "50", "20", db.as_ref().map(|d| d.url.as_str()));
        let out = ok(tarifa(&[
            "usage",
            "import",
            s(&dir.join("usage.csv")),
            "--db",
            &url,
            "--json",
        ]));
        let summary: serde_json::Value = serde_json::from_str(out.trim()).expect("JSON");
        assert_eq!(summary["imported"], 0, "{backend}");
        assert_eq!(summary["duplicates"], 1000, "{backend}");
        assert_eq!(summary["rejected"], 0, "{backend}");

        let store = Store::open(&url).await.expect("open");
        let mut tx = store
            .begin("test", "2026-03-02T00:00:00Z")
            .await
            .expect("begin");
        assert_eq!(
            tx.count_usage_records().await.expect("count"),
            1000,
            "{backend}"
        );
        let totals = tx.usage_totals("me", "2026-02").await.expect("totals");
        assert_eq!(
            totals.iter().map(|t| t.records).sum::<i64>(),
            1000,
            "{backend}: totals counted once"
        );
        assert_eq!(
            tx.ledger_check("me").await.expect("ledger"),
            (0, 0),
            "{backend}"
        );
        drop(tx);
        clean_up(store, db, &dir).await;
    }
}

#[test]
fn bad_lines_are_named_and_the_good_ones_imported() {
    let dir = temp_dir("bad-lines");
    bench(&dir, "5", "2", None);
    let file = dir.join("bad.csv");
    std::fs::write(
        &file,
        "id,number,at,kind,to,quantity,roaming\n\
         good-1,+382600000001,2026-02-10T09:00:00,voice,+38220111222,60,\n\
         bad-cols,+382600000001,2026-02-10T09:00:00,voice,60,\n\
         bad-kind,+382600000001,2026-02-10T09:00:00,fax,+38220111222,60,\n\
         bad-neg,+382600000001,2026-02-10T09:00:00,voice,+38220111222,-60,\n\
         bad-date,+382600000001,2026-02-30T09:00:00,voice,+38220111222,60,\n\
         bad-number,+382699999999,2026-02-10T09:00:00,voice,+38220111222,60,\n\
         good-2,+382600000002,2026-02-11T09:00:00,sms,+38220111222,1,\n",
    )
    .expect("write");
    let db = dir.join("bench.sqlite");
    let out = tarifa(&["usage", "import", s(&file), "--db", s(&db)]);
    // Some lines refused, the rest imported: exit code 3.
    assert_eq!(out.status.code(), Some(3));
    let out = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.contains("2 imported, 0 duplicates, 5 rejected"),
        "{out}"
    );
    assert!(out.contains("line 3: expected 7 columns"), "{out}");
    assert!(out.contains("line 4: kind:"), "{out}");
    assert!(out.contains("line 5: quantity: -60 is negative"), "{out}");
    assert!(out.contains("line 6: at:"), "{out}");
    assert!(
        out.contains("line 7: number: +382699999999 held no contract on 2026-02-10"),
        "{out}"
    );

    let bad_header = dir.join("header.csv");
    std::fs::write(&bad_header, "number,at\n").expect("write");
    let out = tarifa(&["usage", "import", s(&bad_header), "--db", s(&db)]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("line 1"));
    std::fs::remove_dir_all(dir).ok();
}

/// Kills a bill run half-way, runs it again, and checks that every account
/// has exactly one bill, the numbers have no gaps, and the ledger balances.
#[tokio::test]
async fn a_killed_bill_run_resumes_and_bills_each_account_once() {
    for (backend, db) in backends().await {
        let dir = temp_dir(&format!("kill-{backend}"));
        let url = database_url(&dir, db.as_ref());
        bench(&dir, "200", "3", db.as_ref().map(|d| d.url.as_str()));
        let store = Store::open(&url).await.expect("open");
        let count = |period: &'static str| {
            let store = store.clone();
            async move {
                let mut tx = store
                    .begin("test", "2026-04-01T00:00:00Z")
                    .await
                    .expect("begin");
                tx.bills("me")
                    .await
                    .expect("bills")
                    .iter()
                    .filter(|b| b.period == period)
                    .count()
            }
        };

        let mut child = Command::new(env!("CARGO_BIN_EXE_tarifa"))
            .args([
                "bill-run",
                "--market",
                "me",
                "--period",
                "2026-03",
                "--db",
                &url,
                "--batch-size",
                "10",
            ])
            .env("TARIFA_BILL_RUN_PAUSE_MS", "150")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("bill run starts");
        let started = Instant::now();
        while count("2026-03").await < 30 {
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "{backend}: the run never got going"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        child.kill().expect("kill");
        child.wait().expect("reaped");
        let after_kill = count("2026-03").await;
        assert!(
            (30..200).contains(&after_kill),
            "{backend}: killed half-way, got {after_kill} bills"
        );

        let out = ok(tarifa(&[
            "bill-run", "--market", "me", "--period", "2026-03", "--db", &url,
        ]));
        let summary: serde_json::Value = serde_json::from_str(out.trim()).expect("JSON");
        assert_eq!(
            summary["issued"].as_u64(),
            Some(200 - after_kill as u64),
            "{backend}"
        );
        assert_eq!(
            summary["already_billed"].as_u64(),
            Some(after_kill as u64),
            "{backend}"
        );
        // Running it once more changes nothing.
        let out = ok(tarifa(&[
            "bill-run", "--market", "me", "--period", "2026-03", "--db", &url,
        ]));
        assert!(out.contains("\"issued\":0"), "{backend}: {out}");

        let mut tx = store
            .begin("test", "2026-04-01T00:00:00Z")
            .await
            .expect("begin");
        let bills = tx.bills("me").await.expect("bills");
        let march: Vec<_> = bills.iter().filter(|b| b.period == "2026-03").collect();
        assert_eq!(march.len(), 200, "{backend}");
        let mut customers: Vec<i64> = march.iter().map(|b| b.customer_id).collect();
        customers.sort_unstable();
        customers.dedup();
        assert_eq!(customers.len(), 200, "{backend}: one bill per account");
        let mut numbers: Vec<i64> = bills
            .iter()
            .map(|b| {
                b.number
                    .rsplit('-')
                    .next()
                    .and_then(|n| n.parse().ok())
                    .expect("numbered")
            })
            .collect();
        numbers.sort_unstable();
        assert_eq!(
            numbers,
            (1..=400).collect::<Vec<i64>>(),
            "{backend}: gapless numbers for 2026"
        );
        assert_eq!(
            tx.ledger_check("me").await.expect("ledger"),
            (0, 0),
            "{backend}"
        );
        // Each bill's notice made once, whether its run was killed or not.
        let mut noticed: Vec<String> = tx
            .notices("me")
            .await
            .expect("notices")
            .iter()
            .filter(|n| n.kind == "bill")
            .map(|n| {
                let number = n.text.split_whitespace().find(|w| w.starts_with("ME-"));
                number.expect("the bill's number").to_owned()
            })
            .collect();
        noticed.sort();
        let mut numbers: Vec<String> = bills.iter().map(|b| b.number.clone()).collect();
        numbers.sort();
        assert_eq!(noticed, numbers, "{backend}: one notice a bill");
        drop(tx);
        clean_up(store, db, &dir).await;
    }
}
