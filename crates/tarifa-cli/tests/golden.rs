//! Golden bill documents: the demo from a fixed day and seed, and of each
//! market the largest bill of its last month, rendered as HTML and PDF, must be
//! byte for byte what `tests/golden/` holds. A change to how bills are stored
//! (issue 17) must leave every document it renders unchanged.
//!
//! `TARIFA_UPDATE_GOLDEN=1 cargo test -p tarifa-cli --test golden` writes the
//! files anew, for a change that means to change the documents.
//!
//! `tests/fixtures/demo-before-bill-body.sqlite.gz` is the same demo made by
//! tarifa before bills kept their detail and lines in one body (be6727c):
//! opened by this tarifa, it is converted and renders the same documents.

use std::path::{Path, PathBuf};
use std::process::Command;

fn tarifa(args: &[&str]) -> Vec<u8> {
    let out = Command::new(env!("CARGO_BIN_EXE_tarifa"))
        .args(args)
        .output()
        .expect("the tarifa binary runs");
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

fn golden() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden")
}

/// Compares `actual` with the golden file `name`, or writes it when asked.
fn check(name: &str, actual: &[u8], differences: &mut Vec<String>) {
    let path = golden().join(name);
    if std::env::var_os("TARIFA_UPDATE_GOLDEN").is_some() {
        std::fs::create_dir_all(golden()).expect("the golden folder");
        std::fs::write(&path, actual).expect("written");
        return;
    }
    match std::fs::read(&path) {
        Ok(expected) if expected == actual => {}
        Ok(expected) => differences.push(format!(
            "{name}: {} bytes, the golden file {} (TARIFA_UPDATE_GOLDEN=1 writes it anew)",
            actual.len(),
            expected.len()
        )),
        Err(e) => differences.push(format!("{name}: {e}")),
    }
}

/// The demo's bill list and, of each market, the largest bill of March as
/// HTML and PDF: the differences from the golden files.
fn documents_of(db: &str, dir: &Path) -> Vec<String> {
    let list = tarifa(&["bills", "list", "--db", db, "--json"]);
    let mut differences = Vec::new();
    check("bills.json", &list, &mut differences);
    let bills: Vec<serde_json::Value> = serde_json::from_slice(&list).expect("JSON");
    for market in ["rs", "hu", "me"] {
        // The largest bill says the most: usage, discounts, one-time charges.
        let amount = |b: &serde_json::Value| {
            b["total"]
                .as_str()
                .and_then(|t| t.replace('.', "").parse::<i64>().ok())
                .unwrap_or(0)
        };
        let number = bills
            .iter()
            .filter(|b| b["market"] == market && b["period"] == "2026-03")
            .max_by_key(|b| (amount(b), b["number"].as_str().map(str::to_owned)))
            .and_then(|b| b["number"].as_str())
            .expect("a bill of March")
            .to_owned();
        for format in ["html", "pdf"] {
            let out = dir.join(format!("{market}.{format}"));
            tarifa(&[
                "bills",
                "render",
                "--bill",
                &number,
                "--format",
                format,
                "--out",
                out.to_str().expect("utf-8"),
                "--db",
                db,
            ]);
            let rendered = std::fs::read(&out).expect("the document");
            check(&format!("{market}.{format}"), &rendered, &mut differences);
        }
    }
    differences
}

fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("a folder");
    dir
}

#[test]
fn bill_documents_of_the_demo_are_the_golden_ones() {
    let dir = scratch("golden");
    let db = dir.join("demo.sqlite").display().to_string();
    tarifa(&[
        "demo",
        "--db",
        &db,
        "--start",
        "2026-01-01",
        "--customers",
        "12",
        "--json",
    ]);
    let differences = documents_of(&db, &dir);
    let unlike = bodies_unlike_their_json(&db);
    std::fs::remove_dir_all(&dir).ok();
    assert!(differences.is_empty(), "{differences:#?}");
    assert!(
        unlike.is_empty(),
        "bodies written from values unlike their JSON's: {unlike:?}"
    );
}

/// The bills of each market whose body, written from the draft's values,
/// is not what their detail and lines as JSON texts encode to.
fn bodies_unlike_their_json(db: &str) -> Vec<String> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime")
        .block_on(async {
            let store = tarifa_store::Store::open(&format!("sqlite:{db}"))
                .await
                .expect("the demo opens");
            let mut unlike = Vec::new();
            for market in ["rs", "hu", "me"] {
                let (count, of_market) =
                    tarifa_store::testing::bodies_unlike_their_json(&store, market)
                        .await
                        .expect("the bills read");
                assert!(count > 20, "{market}: {count} bills in the demo");
                unlike.extend(of_market);
            }
            store.close().await;
            unlike
        })
}

#[test]
fn a_demo_stored_before_the_bill_body_opens_and_renders_the_same_documents() {
    if std::env::var_os("TARIFA_UPDATE_GOLDEN").is_some() {
        return;
    }
    let dir = scratch("golden-before");
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/demo-before-bill-body.sqlite.gz");
    let mut packed =
        flate2::read::GzDecoder::new(std::fs::File::open(&fixture).expect("the fixture"));
    let db = dir.join("demo.sqlite");
    let mut file = std::fs::File::create(&db).expect("a database file");
    std::io::copy(&mut packed, &mut file).expect("unpacked");
    drop(file);
    let db = db.display().to_string();
    let differences = documents_of(&db, &dir);
    // Converted once: the old columns are gone, and the bills read the same again.
    let again = documents_of(&db, &dir);
    std::fs::remove_dir_all(&dir).ok();
    assert!(differences.is_empty(), "{differences:#?}");
    assert!(again.is_empty(), "{again:#?}");
}
