//! What a careless or hostile user tried on the command line (issue 22),
//! each case written to fail before its fix: bill runs of months not over,
//! a scenario run into a live database, a mistyped `--db` path, the database
//! password in messages, usage files that are folders, empty, with a byte
//! order mark, wholly refused, or repeating an id with other content, market
//! files that contradict each other or the database, a closed standard
//! error, and a scenario of thousands of payments.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn tarifa(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tarifa"))
        .args(args)
        .output()
        .expect("the tarifa binary runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A folder of this test's own under the target directory.
fn folder(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("hardening-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("a folder");
    dir
}

const NUMBER: &str = "+381641112233";

/// A scenario's start: Nikola signs for Mobile 1590 on 1 March 2026.
fn nikola(name: &str) -> String {
    format!(
        r#"name = "{name}"
market = "rs"
start = "2026-03-01"

[[step]]
on = "2026-03-01"
do = "customer"
id = "nikola"
name = "Nikola Nikolić"

[[step]]
on = "2026-03-01"
do = "contract"
id = "n1"
customer = "nikola"
package = "mobile-1590"
number = "{NUMBER}"
"#
    )
}

/// A database with Nikola's contract (from 2026-03-01) and its first bills,
/// made by a scenario run into it.
fn seeded(dir: &Path) -> String {
    let scenario = dir.join("seed.toml");
    std::fs::write(
        &scenario,
        format!(
            "{}\n[[step]]\non = \"2026-05-02\"\ndo = \"advance\"\n",
            nikola("seed")
        ),
    )
    .expect("written");
    let db = dir.join("seeded.sqlite").display().to_string();
    let out = tarifa(&["simulate", scenario.to_str().expect("utf-8"), "--db", &db]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    db
}

/// Bills or customers of market rs in a database, read through the store.
fn count(db: &str, what: &str) -> i64 {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime")
        .block_on(async {
            let store = tarifa_store::Store::open(db).await.expect("store");
            let mut tx = store
                .begin_read("test", "2026-12-01T00:00:00Z")
                .await
                .expect("tx");
            let n = match what {
                "bills" => i64::try_from(tx.bills("rs").await.expect("bills").len()).unwrap_or(-1),
                _ => tx.count_customers("rs").await.expect("customers"),
            };
            tx.rollback().await.expect("rolled back");
            store.close().await;
            n
        })
}

#[test]
fn bill_runs_wait_for_the_month_and_scenarios_keep_out_of_live_databases() {
    let dir = folder("bill-run");
    let db = seeded(&dir);
    let bills = count(&db, "bills");
    assert!(bills >= 2, "March and April were billed: {bills}");
    let today = jiff::Zoned::now().date();
    let this_month = format!("{:04}-{:02}", today.year(), today.month());
    for (period, says) in [
        ("2099-01", "has not ended"),
        (this_month.as_str(), "has not ended"),
        ("2025-11", "before market rs's first contract"),
    ] {
        let out = tarifa(&[
            "bill-run", "--market", "rs", "--period", period, "--db", &db,
        ]);
        assert!(!out.status.success(), "{period}: {}", text(&out.stdout));
        let stderr = text(&out.stderr);
        assert!(stderr.contains(says), "{period}: {stderr}");
    }
    let out = tarifa(&[
        "bill-run",
        "--market",
        "rs",
        "--period",
        "2026-05",
        "--issued",
        "2099-06-01",
        "--db",
        &db,
    ]);
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("not dated ahead"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(count(&db, "bills"), bills, "nothing issued");

    // A second scenario into the same database is refused, and writes nothing.
    let customers = count(&db, "customers");
    let scenario = dir.join("seed.toml");
    let out = tarifa(&["simulate", scenario.to_str().expect("utf-8"), "--db", &db]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("already holds data"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(count(&db, "customers"), customers);
}

#[test]
fn a_mistyped_database_is_an_error_and_its_password_is_never_shown() {
    let dir = folder("db");
    let missing = dir.join("no-such.sqlite");
    let out = tarifa(&["bills", "list", "--db", missing.to_str().expect("utf-8")]);
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("no database at"),
        "{}",
        text(&out.stderr)
    );
    assert!(!missing.exists(), "a read command created a database");

    let url = "postgres://tarifa:s3cret-pw@127.0.0.1:1/bss";
    for args in [
        vec!["bills", "list", "--db", url],
        vec!["serve", "--db", url, "--listen", "127.0.0.1:0"],
        vec!["token", "create", "--role", "admin", "--db", url],
    ] {
        let out = tarifa(&args);
        assert!(!out.status.success(), "{args:?}");
        let said = format!("{}{}", text(&out.stdout), text(&out.stderr));
        assert!(!said.contains("s3cret-pw"), "{args:?}: {said}");
        assert!(said.contains("tarifa:***@127.0.0.1"), "{args:?}: {said}");
    }

    // A closed standard error loses the message, not the exit code.
    let out = Command::new("sh")
        .arg("-c")
        .arg("exec \"$0\" bills list --db /no/such/dir/x.sqlite 2>&-")
        .arg(env!("CARGO_BIN_EXE_tarifa"))
        .output()
        .expect("sh runs");
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
}

#[test]
fn usage_files_say_what_is_wrong_with_them() {
    let dir = folder("usage");
    let db = seeded(&dir);
    let import = |name: &str, content: &[u8]| {
        let path = dir.join(name);
        std::fs::write(&path, content).expect("written");
        tarifa(&[
            "usage",
            "import",
            path.to_str().expect("utf-8"),
            "--db",
            &db,
        ])
    };
    let header = "id,number,at,kind,to,quantity,roaming\n";

    // A folder is not a file.
    let out = tarifa(&["usage", "import", dir.to_str().expect("utf-8"), "--db", &db]);
    assert!(!out.status.success());
    let stderr = text(&out.stderr);
    assert!(stderr.contains("is not a file"), "{stderr}");
    assert!(!stderr.contains("line 1"), "{stderr}");

    // An empty file holds nothing, and nothing is wrong with it.
    let out = import("empty.csv", b"");
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("0 imported"),
        "{}",
        text(&out.stdout)
    );

    // A byte order mark is no part of the header.
    let with_bom =
        format!("\u{feff}{header}bom-1,{NUMBER},2026-04-10T09:00:00,voice,+381111234567,60,\n");
    let out = import("bom.csv", with_bom.as_bytes());
    assert!(out.status.success(), "{}", text(&out.stdout));
    assert!(
        text(&out.stdout).contains("1 imported"),
        "{}",
        text(&out.stdout)
    );

    // Every line refused: exit 1. Some refused: exit 3, the rest imported.
    let all_bad = format!("{header}x-1,{NUMBER},2026-04-10,voice,+381111234567,60,\n");
    let out = import("all-bad.csv", all_bad.as_bytes());
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stdout));
    let huge = "9".repeat(10_000_000);
    let some_bad = format!(
        "{header}s-1,{NUMBER},2026-04-11T09:00:00,voice,+381111234567,60,\n\
         s-2,{NUMBER},2026-04-11T09:05:00,data,internet,9223372036854775807,\n\
         s-3,{NUMBER},2026-04-11T09:06:00,voice,+381111234567,{huge},\n\
         s-4,{NUMBER},2026-04-11 09:07:00,voice,+381111234567,60,\n\
         s-1,{NUMBER},2026-04-12T09:00:00,voice,+381111234567,60,\n\
         bom-1,{NUMBER},2026-05-01T00:00:30+02:00,voice,+381111234567,60,\n\
         f-1,{NUMBER},2099-04-11T09:00:00,voice,+381111234567,60,\n"
    );
    let out = import("some-bad.csv", some_bad.as_bytes());
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stdout));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("1 imported"), "{stdout}");
    assert!(stdout.contains("line 3: quantity:"), "{stdout}");
    assert!(stdout.contains("line 4: quantity:"), "{stdout}");
    assert!(stdout.contains("line 5: at:"), "{stdout}");
    // The same id with another time: reported, not kept, not dropped silently.
    assert!(
        stdout.contains("line 6: id: s-1 came before, on line 2"),
        "{stdout}"
    );
    // An id of an earlier import, now an hour into the next month.
    assert!(
        stdout.contains("line 7: id: bom-1 was rated before"),
        "{stdout}"
    );
    assert!(stdout.len() < 10_000, "a refused field is echoed whole");

    // The offset of a record is the same instant by CSV as by the API: the
    // same record sent again with it is a duplicate.
    let again = format!("{header}bom-1,{NUMBER},2026-04-10T07:00:00Z,voice,+381111234567,60,\n");
    let out = import("again.csv", again.as_bytes());
    assert!(out.status.success(), "{}", text(&out.stdout));
    assert!(
        text(&out.stdout).contains("1 duplicates"),
        "{}",
        text(&out.stdout)
    );
}

#[test]
fn market_files_may_not_contradict_each_other_or_the_database() {
    let dir = folder("markets");
    let rs = tarifa_app::presets::PRESETS
        .iter()
        .find(|(id, _)| *id == "rs")
        .map(|(_, text)| *text)
        .expect("the rs preset");
    let twice = dir.join("twice");
    std::fs::create_dir_all(&twice).expect("a folder");
    std::fs::write(twice.join("rs.toml"), rs).expect("written");
    std::fs::write(twice.join("serbia.toml"), rs).expect("written");
    let out = tarifa(&[
        "--markets",
        twice.to_str().expect("utf-8"),
        "calendar",
        "holidays",
        "--market",
        "rs",
        "--year",
        "2026",
    ]);
    assert!(!out.status.success());
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("rs.toml") && stderr.contains("serbia.toml"),
        "{stderr}"
    );

    let db = seeded(&dir);
    let relabelled = dir.join("relabelled");
    std::fs::create_dir_all(&relabelled).expect("a folder");
    std::fs::write(
        relabelled.join("rs.toml"),
        rs.replacen("currency = \"RSD\"", "currency = \"USD\"", 1),
    )
    .expect("written");
    let out = tarifa(&[
        "--markets",
        relabelled.to_str().expect("utf-8"),
        "bills",
        "list",
        "--db",
        &db,
    ]);
    assert!(!out.status.success(), "{}", text(&out.stdout));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("rs.toml") && stderr.contains("RSD"),
        "{stderr}"
    );
}

#[test]
fn a_scenario_of_thousands_of_payments_runs() {
    let dir = folder("payments");
    let mut scenario = nikola("many payments");
    for i in 0..3_000 {
        scenario.push_str(&format!(
            "\n[[step]]\non = \"2026-04-02\"\ndo = \"pay\"\ncustomer = \"nikola\"\namount = \"1.00\"\nreference = \"p-{i}\"\n"
        ));
    }
    scenario.push_str(
        "\n[[step]]\non = \"2026-04-02\"\ndo = \"expect\"\nbalance = { nikola = \"1410.00\" }\n",
    );
    let path = dir.join("payments.toml");
    std::fs::write(&path, scenario).expect("written");
    let out = tarifa(&["simulate", path.to_str().expect("utf-8")]);
    assert!(out.status.success(), "{}", text(&out.stderr));
}
