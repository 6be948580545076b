//! Black-box tests of the `tarifa` binary: every scenario in `scenarios/`
//! passes (on SQLite, and on PostgreSQL when `TARIFA_TEST_DATABASE_URL` is
//! set), the exit codes of SCENARIOS.md, the calendar and the demo.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use tarifa_store::testing::TestDatabase;

fn tarifa(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tarifa"))
        .args(args)
        .output()
        .expect("the tarifa binary runs")
}

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn scenario_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("scenarios folder") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            scenario_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "toml") {
            out.push(path);
        }
    }
}

fn all_scenarios() -> Vec<PathBuf> {
    let mut files = Vec::new();
    scenario_files(&repo().join("scenarios"), &mut files);
    files.sort();
    assert!(!files.is_empty(), "scenarios/ holds scenario files");
    files
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Every scenario passes in memory and on a SQLite file, with the same
/// report: a file's bill runs write through the lean path
/// (`tarifa_store::LeanWriter`), memory's through the driver, and the two
/// must leave the same bills, notices and ledger.
#[test]
fn every_scenario_passes_on_sqlite() {
    let dir = std::env::temp_dir().join(format!("tarifa-scenarios-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    for (n, file) in all_scenarios().into_iter().enumerate() {
        let path = file.to_str().expect("utf-8 path");
        let out = tarifa(&["simulate", path]);
        assert!(
            out.status.success(),
            "{} failed ({:?}):\n{}",
            file.display(),
            out.status.code(),
            text(&out.stderr)
        );
        let report: serde_json::Value =
            serde_json::from_slice(&out.stdout).expect("the report is JSON");
        for key in [
            "scenario",
            "market",
            "currency",
            "customers",
            "contracts",
            "decisions",
        ] {
            assert!(
                report.get(key).is_some(),
                "{}: report lacks {key}",
                file.display()
            );
        }
        let db = dir.join(format!("{n}.sqlite"));
        let on_file = tarifa(&["simulate", path, "--db", db.to_str().expect("utf-8 path")]);
        assert!(
            on_file.status.success(),
            "{} failed on a file ({:?}):\n{}",
            file.display(),
            on_file.status.code(),
            text(&on_file.stderr)
        );
        let on_file: serde_json::Value =
            serde_json::from_slice(&on_file.stdout).expect("the report is JSON");
        assert_eq!(
            report,
            on_file,
            "{}: the report on a file differs from the one in memory",
            file.display()
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn every_scenario_passes_on_postgres() {
    for file in all_scenarios() {
        let Some(db) = TestDatabase::postgres().await.expect("test database") else {
            eprintln!("TARIFA_TEST_DATABASE_URL is not set: skipping the PostgreSQL run");
            return;
        };
        let out = tarifa(&[
            "simulate",
            file.to_str().expect("utf-8 path"),
            "--db",
            &db.url,
        ]);
        db.drop_database().await.expect("drop");
        assert!(
            out.status.success(),
            "{} failed on PostgreSQL:\n{}",
            file.display(),
            text(&out.stderr)
        );
    }
}

/// Every rule of RULES.md (as the core knows them) is exercised by a scenario that names it.
#[test]
fn every_rule_has_a_scenario() {
    let mut cited = String::new();
    for file in all_scenarios() {
        cited.push_str(&std::fs::read_to_string(file).expect("readable"));
    }
    let rules: Vec<String> = tarifa_core::rule::RuleId::all()
        .map(|r| r.to_string())
        .collect();
    assert!(rules.len() > 80, "every rule of RULES.md: {rules:?}");
    // Whole IDs only: CON-13 does not count for CON-1.
    for rule in &rules {
        let rule = rule.as_str();
        let named = cited
            .match_indices(rule)
            .any(|(at, _)| !cited[at + rule.len()..].starts_with(|c: char| c.is_ascii_digit()));
        assert!(named, "no scenario exercises {rule}");
    }
}

#[test]
fn a_failed_expect_exits_1_naming_the_step() {
    let out = tarifa(&["simulate", "tests/fixtures/failing-expect.toml"]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("step 3 (line 18, expect)"), "{stderr}");
    assert!(
        stderr.contains("contract m1 is active, expected suspended"),
        "{stderr}"
    );
    let report: serde_json::Value =
        serde_json::from_slice(&out.stdout).expect("the report is still printed");
    assert_eq!(report["contracts"][0]["status"], "active");
}

#[test]
fn a_malformed_file_exits_2_naming_the_line_and_field() {
    let out = tarifa(&["simulate", "tests/fixtures/malformed.toml"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("line 5") && stderr.contains("nmae"),
        "{stderr}"
    );
    assert!(out.stdout.is_empty(), "nothing runs");
}

#[test]
fn an_unknown_step_is_refused_not_ignored() {
    let out = tarifa(&["simulate", "tests/fixtures/unknown-step.toml"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("step 2 (line 9)") && stderr.contains("\"teleport\""),
        "{stderr}"
    );
}

#[test]
fn the_report_can_go_to_a_file() {
    let dir = std::env::temp_dir().join(format!("tarifa-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let out_file = dir.join("report.json");
    let scenario = all_scenarios().remove(0);
    let out = tarifa(&[
        "simulate",
        scenario.to_str().expect("utf-8"),
        "--out",
        out_file.to_str().expect("utf-8"),
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out_file).expect("written")).expect("JSON");
    assert!(report["decisions"].is_array());
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn calendar_prints_working_days_and_holidays() {
    let out = tarifa(&[
        "calendar",
        "working-days",
        "--market",
        "rs",
        "--from",
        "2026-01-01",
        "--to",
        "2026-01-12",
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stdout),
        "2026-01-05\n2026-01-06\n2026-01-08\n2026-01-09\n2026-01-12\n"
    );

    let out = tarifa(&["calendar", "holidays", "--market", "hu", "--year", "2026"]);
    let holidays = text(&out.stdout);
    assert!(holidays.contains("2026-08-21"), "{holidays}");
    assert!(
        holidays.lines().all(|l| l.len() > 16),
        "every holiday has a name"
    );

    let out = tarifa(&[
        "calendar",
        "add-working-days",
        "--market",
        "rs",
        "--from",
        "2026-12-28",
        "--days",
        "15",
    ]);
    assert_eq!(text(&out.stdout).trim(), "2027-01-20");

    let out = tarifa(&["calendar", "holidays", "--market", "xx", "--year", "2026"]);
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("unknown market"));
}

#[test]
fn demo_seeds_and_reports_json() {
    let dir = std::env::temp_dir().join(format!("tarifa-demo-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("dir");
    let db = dir.join("demo.sqlite");
    let db = db.to_str().expect("utf-8 path");
    let out = tarifa(&[
        "demo",
        "--db",
        db,
        "--customers",
        "20",
        "--start",
        "2026-01-01",
        "--json",
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let summary: serde_json::Value = serde_json::from_slice(&out.stdout).expect("one JSON object");
    assert!(summary["customers"].as_i64().expect("count") >= 50);
    assert!(summary["contracts"].as_i64().expect("count") >= 50);
    assert!(
        summary["bills"]
            .as_i64()
            .expect("bills are issued on the 1st")
            >= 100
    );
    for market in ["rs", "hu", "me"] {
        assert!(
            summary["markets"][market]["contracts"]
                .as_i64()
                .expect("per market")
                > 0
        );
    }

    // The demo's notices: letters go to the print queue, the rest wait for their channels; none goes twice.
    let mut outbox = 0;
    for market in ["rs", "hu", "me"] {
        let out = tarifa(&["notices", "list", "--db", db, "--market", market]);
        assert!(out.status.success(), "{}", text(&out.stderr));
        let notices: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).expect("JSON");
        outbox += notices.len() as i64;
    }
    assert!(outbox > 0, "the demo's dunning writes notices");
    let queue = dir.join("print");
    let queue = queue.to_str().expect("utf-8 path");
    let deliver = || {
        let out = tarifa(&["notices", "deliver", "--db", db, "--print-queue", queue]);
        assert!(out.status.success(), "{}", text(&out.stderr));
        serde_json::from_slice::<serde_json::Value>(&out.stdout).expect("one JSON line")
    };
    let first = deliver();
    let letters = std::fs::read_dir(queue).map_or(0, |d| d.count()) as i64;
    assert_eq!(first["sent"].as_i64(), Some(letters), "{first}");
    assert_eq!(
        letters + first["waiting"].as_i64().expect("waiting"),
        outbox,
        "{first}"
    );
    let second = deliver();
    assert_eq!(second["sent"].as_i64(), Some(0), "{second}");
    let out = tarifa(&["notices", "deliver", "--db", db]);
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("no channel given"),
        "{}",
        text(&out.stderr)
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_bad_market_folder_is_refused_with_the_field() {
    let dir = std::env::temp_dir().join(format!("tarifa-markets-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let text_me = std::fs::read_to_string(repo().join("markets/me.toml")).expect("preset");
    std::fs::write(
        dir.join("me.toml"),
        text_me.replacen("currency = \"EUR\"", "currency = \"euro\"", 1),
    )
    .expect("write");
    let out = tarifa(&[
        "--markets",
        dir.to_str().expect("utf-8"),
        "calendar",
        "holidays",
        "--market",
        "me",
        "--year",
        "2026",
    ]);
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("currency"),
        "{}",
        text(&out.stderr)
    );
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn tokens_are_created_once_and_revoked() {
    let dir = std::env::temp_dir().join(format!("tarifa-token-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let db = dir.join("tokens.sqlite");
    let db = db.to_str().expect("utf-8");
    let out = tarifa(&["token", "create", "--role", "agent", "--db", db]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let secret = text(&out.stdout);
    assert!(
        secret.trim().starts_with("trf_") && secret.trim().len() == 68,
        "{secret}"
    );
    let refused = tarifa(&["token", "create", "--role", "subscriber", "--db", db]);
    assert!(!refused.status.success());
    assert!(text(&refused.stderr).contains("names its customer"));
    let bad_role = tarifa(&["token", "create", "--role", "root", "--db", db]);
    assert!(text(&bad_role.stderr).contains("is not a role"));
    assert!(
        tarifa(&["token", "revoke", "1", "--db", db])
            .status
            .success()
    );
    let again = tarifa(&["token", "revoke", "1", "--db", db]);
    assert!(!again.status.success(), "a token is revoked once");
    let _ = std::fs::remove_dir_all(&dir);
}
