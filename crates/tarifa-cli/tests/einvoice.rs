//! The demo's Hungarian bills as NAV Online Számla takes them: every one
//! exported validates against the authority's schema, its gross total is
//! the bill's, a private person is neither named nor addressed, a business
//! is reported by its tax number; and every one is queued for reporting
//! (`tarifa einvoice list`).

use std::path::Path;

use serde_json::Value;

mod common;
use common::{ok, s, tarifa, temp_dir};

#[test]
fn every_hungarian_bill_of_the_demo_exports_as_valid_invoice_data() {
    let dir = temp_dir("einvoice-demo");
    let db = dir.join("demo.sqlite").display().to_string();
    ok(tarifa(&[
        "demo",
        "--db",
        &db,
        "--start",
        "2026-01-01",
        "--customers",
        "40",
        "--json",
    ]));
    let bills: Vec<Value> = serde_json::from_str(&ok(tarifa(&[
        "bills", "list", "--market", "hu", "--json", "--db", &db,
    ])))
    .expect("JSON");
    assert!(bills.len() > 40, "{} bills", bills.len());
    let mut files = Vec::new();
    let (mut private, mut business) = (0, 0);
    for bill in &bills {
        let number = bill["number"].as_str().expect("a number");
        let xml = dir.join(format!("{number}.xml"));
        ok(tarifa(&[
            "einvoice",
            "export",
            "--bill",
            number,
            "--out",
            s(&xml),
            "--db",
            &db,
        ]));
        let text = std::fs::read_to_string(&xml).expect("the XML");
        let total = bill["total"].as_str().expect("a total");
        assert!(
            text.contains(&format!("<invoiceGrossAmount>{total}</invoiceGrossAmount>")),
            "{number}: the gross total is the bill's {total}"
        );
        if text.contains("<customerVatStatus>PRIVATE_PERSON</customerVatStatus>") {
            private += 1;
            assert!(
                !text.contains("<customerName>") && !text.contains("<customerAddress>"),
                "{number}: a private person is neither named nor addressed"
            );
        } else {
            business += 1;
            assert!(
                text.contains("<customerVatStatus>DOMESTIC</customerVatStatus>")
                    && text.contains("<customerTaxNumber>")
                    && text.contains("<customerName>"),
                "{number}: a business is reported by its tax number"
            );
        }
        files.push(xml);
    }
    assert!(
        private > 0 && business > 0,
        "{private} private, {business} business"
    );
    let schema = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tarifa-einvoice/schemas/nav/invoiceData.xsd");
    for chunk in files.chunks(200) {
        let valid = std::process::Command::new("xmllint")
            .arg("--noout")
            .arg("--schema")
            .arg(&schema)
            .args(chunk)
            .output()
            .expect("xmllint runs (Debian: libxml2-utils)");
        assert!(
            valid.status.success(),
            "{}",
            String::from_utf8_lossy(&valid.stderr)
        );
    }

    // Each is queued for NAV with its bill.
    let queue: Vec<Value> = serde_json::from_str(&ok(tarifa(&[
        "einvoice", "list", "--market", "hu", "--json", "--db", &db,
    ])))
    .expect("JSON");
    assert_eq!(queue.len(), bills.len());
    assert!(queue.iter().all(|r| r["state"] == "queued"));
    std::fs::remove_dir_all(&dir).ok();
}
