//! Every kind of `InvoiceData` tarifa builds validates against the tax
//! authority's own schema (`schemas/nav/invoiceData.xsd`, NAV Online
//! Számla 3.0), checked by libxml2's `xmllint`.

use std::path::{Path, PathBuf};
use std::process::Command;

use jiff::civil::date;
use rust_decimal::Decimal;
use tarifa_core::money::{Currency, Money};
use tarifa_einvoice::nav::{
    Address, Appearance, Buyer, Document, Line, MERGE_ABOVE_LINES, Modification, RateTotal,
    Supplier, TaxNumber, invoice_data,
};

fn huf(minor: i64) -> Money {
    Money::from_minor(minor, Currency::new("HUF", 0).expect("HUF"))
}

fn schema() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("schemas/nav/invoiceData.xsd")
}

/// Validates `xml`; the error names what xmllint said.
fn validate(name: &str, xml: &str) {
    let dir = std::env::temp_dir().join(format!("tarifa-nav-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let file = dir.join(format!("{name}.xml"));
    std::fs::write(&file, xml).expect("write");
    let out = Command::new("xmllint")
        .arg("--noout")
        .arg("--schema")
        .arg(schema())
        .arg(&file)
        .output()
        .expect("xmllint runs (Debian: libxml2-utils)");
    assert!(
        out.status.success(),
        "{name} does not validate:\n{}\n{xml}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn supplier() -> Supplier {
    Supplier {
        tax_number: TaxNumber::parse("supplier", "10000001-2-13").expect("valid"),
        name: "Telenor Magyarország Zrt.".into(),
        address: Address::parse("supplier", "Pannon út 1, 2045 Törökbálint").expect("valid"),
        bank_account: "11600006-00000000-12345676".into(),
    }
}

fn line(description: &str, product: &str, gross: i64, rate: i64) -> Line {
    Line {
        description: description.into(),
        product: product.into(),
        gross: huf(gross),
        rate: Decimal::from(rate),
    }
}

fn rate(rate: i64, gross: i64, vat: i64) -> RateTotal {
    RateTotal {
        rate: Decimal::from(rate),
        gross: huf(gross),
        vat: huf(vat),
    }
}

/// The bill of BIL-4's scenario: 4990 Ft split 40 % internet access, 40 Ft
/// of data beyond the allowance, to a private person.
fn bill(buyer: Buyer) -> Document {
    Document {
        number: "HU-2026-0000001".into(),
        issued_on: date(2026, 3, 1),
        period_from: date(2026, 2, 1),
        period_to: date(2026, 2, 28),
        due_on: date(2026, 3, 16),
        appearance: Appearance::Paper,
        supplier: supplier(),
        buyer,
        lines: vec![
            line("Start havidíj, +36200000001", "subscription", 2994, 27),
            line("Start havidíj, +36200000001", "subscription", 1996, 5),
            line("adat, internet, +36200000001", "usage", 20520, 5),
            line("adat a keretben, +36200000001", "discount", -20480, 5),
        ],
        rates: vec![rate(27, 2994, 637), rate(5, 2036, 97)],
        modification: None,
    }
}

#[test]
fn a_private_persons_bill_validates_and_names_no_one() {
    let xml = invoice_data(&bill(Buyer::PrivatePerson)).expect("built");
    validate("private", &xml);
    assert!(xml.contains("<customerVatStatus>PRIVATE_PERSON</customerVatStatus>"));
    assert!(!xml.contains("customerName"));
    assert!(!xml.contains("customerAddress"));
    assert!(!xml.contains("customerTaxNumber"));
    assert!(xml.contains("<invoiceGrossAmount>5030</invoiceGrossAmount>"));
    assert!(xml.contains("<vatPercentage>0.05</vatPercentage>"));
    assert!(xml.contains("<vatPercentage>0.27</vatPercentage>"));
    assert!(xml.contains("<invoiceAppearance>PAPER</invoiceAppearance>"));
}

#[test]
fn a_business_bill_validates_with_its_tax_number() {
    let buyer = Buyer::Domestic {
        tax_number: TaxNumber::parse("customer", "99887764-2-02").expect("valid"),
        name: "Beszerző Kft.".into(),
        address: Address::parse("customer", "Északi sugárút 123, 7600 Pécs").expect("valid"),
    };
    let mut doc = bill(buyer);
    doc.appearance = Appearance::Electronic;
    let xml = invoice_data(&doc).expect("built");
    validate("business", &xml);
    assert!(xml.contains("<customerVatStatus>DOMESTIC</customerVatStatus>"));
    assert!(xml.contains("<base:taxpayerId>99887764</base:taxpayerId>"));
    assert!(xml.contains("<customerName>Beszerző Kft.</customerName>"));
}

#[test]
fn a_credit_note_validates_as_a_modification_of_its_bill() {
    let doc = Document {
        number: "HU-CN-2026-0000001".into(),
        issued_on: date(2026, 3, 5),
        lines: vec![
            line(
                "A(z) HU-2026-0000001 számla helyesbítése",
                "credit",
                -595,
                27,
            ),
            line(
                "A(z) HU-2026-0000001 számla helyesbítése",
                "credit",
                -405,
                5,
            ),
        ],
        rates: vec![rate(27, -595, -126), rate(5, -405, -19)],
        modification: Some(Modification {
            original_number: "HU-2026-0000001".into(),
            index: 1,
            original_lines: 4,
        }),
        ..bill(Buyer::PrivatePerson)
    };
    let xml = invoice_data(&doc).expect("built");
    validate("credit-note", &xml);
    assert!(xml.contains("<originalInvoiceNumber>HU-2026-0000001</originalInvoiceNumber>"));
    assert!(xml.contains("<modificationIndex>1</modificationIndex>"));
    assert!(xml.contains("<lineNumberReference>5</lineNumberReference>"));
    assert!(xml.contains("<lineOperation>CREATE</lineOperation>"));
    assert!(xml.contains("<invoiceGrossAmount>-1000</invoiceGrossAmount>"));
}

#[test]
fn a_bill_of_many_lines_is_merged_per_product_and_rate() {
    let mut doc = bill(Buyer::PrivatePerson);
    doc.lines = (0..=MERGE_ABOVE_LINES)
        .map(|i| line(&format!("hívás {i}"), "usage", 10, 27))
        .collect();
    let gross = 10 * i64::try_from(MERGE_ABOVE_LINES + 1).expect("small");
    doc.rates = vec![rate(27, gross, 215)];
    let xml = invoice_data(&doc).expect("built");
    validate("merged", &xml);
    assert!(xml.contains("<mergedItemIndicator>true</mergedItemIndicator>"));
    assert_eq!(xml.matches("<line>").count(), 1);
    assert!(xml.contains("<lineVatAmount>215</lineVatAmount>"));
}
