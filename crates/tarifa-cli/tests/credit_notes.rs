//! Black-box tests of credit notes (`tarifa bills credit`): a bill is
//! corrected by a numbered document that names it, never beyond what is
//! left of it; on SQLite and (when `TARIFA_TEST_DATABASE_URL` is set)
//! PostgreSQL.

use std::path::Path;

use serde_json::Value;
use tarifa_store::Store;

mod common;
use common::{backends, ok, s, tarifa, temp_dir};

/// A month of a few Hungarian subscribers billed into `url` (or the
/// directory's SQLite file).
fn billed_month(dir: &Path, url: Option<&str>) -> String {
    ok(tarifa(&[
        "bench",
        "generate",
        "--market",
        "hu",
        "--subscribers",
        "6",
        "--records-per-subscriber",
        "20",
        "--period",
        "2026-02",
        "--seed",
        "5",
        "--dir",
        s(dir),
    ]));
    let mut args = vec!["bench", "run", "--dir", s(dir)];
    if let Some(url) = url {
        args.extend(["--db", url]);
    }
    ok(tarifa(&args));
    url.map_or_else(
        || dir.join("bench.sqlite").display().to_string(),
        ToOwned::to_owned,
    )
}

fn bills(url: &str) -> Vec<Value> {
    let out = ok(tarifa(&[
        "bills", "list", "--market", "hu", "--json", "--db", url,
    ]));
    serde_json::from_str::<Vec<Value>>(&out).expect("a JSON array")
}

fn minor(v: &Value) -> i64 {
    v.as_str()
        .expect("an amount")
        .parse()
        .expect("whole forints")
}

#[tokio::test]
async fn a_credit_note_corrects_a_bill_within_what_is_left_of_it() {
    for (backend, db) in backends().await {
        let dir = temp_dir(&format!("credit-notes-{backend}"));
        let url = billed_month(&dir, db.as_ref().map(|d| d.url.as_str()));
        let all = bills(&url);
        assert_eq!(all.len(), 6, "{backend}");
        let first = &all[0];
        let number = first["number"].as_str().expect("number").to_owned();
        let total = minor(&first["total"]);
        assert!(total > 3, "{backend}: a bill with something to credit");

        // A third of the bill, spread over its VAT rates.
        let third = (total / 3).to_string();
        let out = ok(tarifa(&[
            "bills",
            "credit",
            "--bill",
            &number,
            "--amount",
            &third,
            "--reason",
            "charged twice",
            "--json",
            "--db",
            &url,
        ]));
        let note: Value = serde_json::from_str(&out).expect("the credit note as JSON");
        assert_eq!(note["number"], "HU-CN-2026-0000001", "{backend}");
        assert_eq!(note["corrects"], number.as_str(), "{backend}");
        assert_eq!(minor(&note["total"]), -(total / 3), "{backend}");
        assert!(minor(&note["vat"]) < 0, "{backend}: the VAT is reversed");
        let parts: i64 = note["lines"]
            .as_array()
            .expect("lines")
            .iter()
            .map(|l| minor(&l["amount"]))
            .sum();
        assert_eq!(parts, -(total / 3), "{backend}: one line a rate, adding up");

        // More than is left is refused, and nothing is written.
        let left = total - total / 3;
        let refused = tarifa(&[
            "bills",
            "credit",
            "--bill",
            &number,
            "--amount",
            &(left + 1).to_string(),
            "--reason",
            "too much",
            "--db",
            &url,
        ]);
        assert!(!refused.status.success(), "{backend}");
        let said = String::from_utf8_lossy(&refused.stderr);
        assert!(said.contains("more than is left"), "{backend}: {said}");
        assert!(
            said.contains(&left.to_string().replace('-', "")),
            "{backend}: {said}"
        );
        assert_eq!(bills(&url).len(), 7, "{backend}: only the first note");

        // A line of another bill, wholly: the next number of the series.
        let other = all[1]["number"].as_str().expect("number").to_owned();
        let out = ok(tarifa(&[
            "bills",
            "credit",
            "--bill",
            &other,
            "--lines",
            "1",
            "--reason",
            "not subscribed",
            "--json",
            "--db",
            &url,
        ]));
        let by_line: Value = serde_json::from_str(&out).expect("JSON");
        assert_eq!(by_line["number"], "HU-CN-2026-0000002", "{backend}");
        assert_eq!(by_line["lines"][0]["corrects_line"], 1, "{backend}");
        // The same line again: nothing left of it.
        let again = tarifa(&[
            "bills", "credit", "--bill", &other, "--lines", "1", "--reason", "again", "--db", &url,
        ]);
        assert!(!again.status.success(), "{backend}");
        // A credit note is not corrected by another.
        let of_note = tarifa(&[
            "bills",
            "credit",
            "--bill",
            "HU-CN-2026-0000001",
            "--amount",
            "1",
            "--reason",
            "no",
            "--db",
            &url,
        ]);
        assert!(!of_note.status.success(), "{backend}");

        // Listed with what they correct; the bills themselves unchanged.
        let listed = bills(&url);
        let notes: Vec<&Value> = listed
            .iter()
            .filter(|b| b["kind"] == "credit_note")
            .collect();
        assert_eq!(notes.len(), 2, "{backend}");
        assert_eq!(notes[0]["corrects"], number.as_str(), "{backend}");
        assert_eq!(notes[1]["corrects"], other.as_str(), "{backend}");
        let unchanged = listed.iter().find(|b| b["number"] == number.as_str());
        assert_eq!(
            unchanged.map(|b| minor(&b["total"])),
            Some(total),
            "{backend}"
        );
        assert!(
            listed
                .iter()
                .filter(|b| b["kind"] != "credit_note")
                .all(|b| b.get("corrects").is_none())
        );

        // The document says what it is and what it corrects.
        let html = dir.join("note.html");
        ok(tarifa(&[
            "bills",
            "render",
            "--bill",
            "HU-CN-2026-0000001",
            "--format",
            "html",
            "--lang",
            "en",
            "--out",
            s(&html),
            "--db",
            &url,
        ]));
        let page = std::fs::read_to_string(&html).expect("the document");
        assert!(page.contains("Credit note HU-CN-2026-0000001"), "{backend}");
        assert!(
            page.contains(&format!("Corrects bill: {number}")),
            "{backend}"
        );
        assert!(page.contains("charged twice"), "{backend}");

        // Both as NAV Online Számla takes them: valid against the
        // authority's schema, the credit note a modification of its bill.
        let schema = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../tarifa-einvoice/schemas/nav/invoiceData.xsd");
        for (document, file) in [
            (number.as_str(), "bill.xml"),
            ("HU-CN-2026-0000001", "note.xml"),
        ] {
            let xml = dir.join(file);
            ok(tarifa(&[
                "einvoice",
                "export",
                "--bill",
                document,
                "--out",
                s(&xml),
                "--db",
                &url,
            ]));
            let valid = std::process::Command::new("xmllint")
                .arg("--noout")
                .arg("--schema")
                .arg(&schema)
                .arg(&xml)
                .output()
                .expect("xmllint runs (Debian: libxml2-utils)");
            assert!(
                valid.status.success(),
                "{backend}: {document}: {}",
                String::from_utf8_lossy(&valid.stderr)
            );
            let text = std::fs::read_to_string(&xml).expect("the XML");
            assert!(
                text.contains("<customerVatStatus>PRIVATE_PERSON</customerVatStatus>"),
                "{backend}"
            );
            assert!(
                !text.contains("<customerName>"),
                "{backend}: a private person is not named"
            );
        }
        let note_xml = std::fs::read_to_string(dir.join("note.xml")).expect("the XML");
        assert!(
            note_xml.contains(&format!(
                "<originalInvoiceNumber>{number}</originalInvoiceNumber>"
            )),
            "{backend}"
        );
        assert!(
            note_xml.contains(&format!(
                "<invoiceGrossAmount>{}</invoiceGrossAmount>",
                -(total / 3)
            )),
            "{backend}"
        );
        assert!(
            note_xml.contains(&format!(
                "<lineDescription>A(z) {number} számla helyesbítése</lineDescription>"
            )),
            "{backend}: the lines in Hungarian"
        );
        let bill_xml = std::fs::read_to_string(dir.join("bill.xml")).expect("the XML");
        assert!(
            bill_xml.contains(&format!("<invoiceGrossAmount>{total}</invoiceGrossAmount>")),
            "{backend}: the gross total is the bill's"
        );

        // The ledger still balances, and the customer owes the bill less the credit.
        let store = Store::open(&url).await.expect("open");
        let mut tx = store
            .begin_read("test", "2026-03-20T00:00:00Z")
            .await
            .expect("read");
        assert_eq!(
            tx.ledger_check("hu").await.expect("ledger"),
            (0, 0),
            "{backend}"
        );
        drop(tx);
        store.close().await;
        if let Some(db) = db {
            db.drop_database().await.expect("drop");
        }
        std::fs::remove_dir_all(&dir).ok();
    }
}
