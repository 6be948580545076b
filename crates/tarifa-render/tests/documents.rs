//! Each market's bill as HTML and PDF: every BIL-2/BIL-3 element with its
//! legend number in the PDF's text (read back with poppler's `pdftotext`),
//! and the QR code read back from the rendered page (`pdftoppm`, then a QR
//! decoder) carrying a valid payment order for the amount due.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use jiff::civil::date;
use tarifa_core::market::Market;
use tarifa_core::money::Money;
use tarifa_core::payment_slip::{CreditorReference, CurrentAccount, GiroAccount, Model97};
use tarifa_render::input::{AllowanceItem, AllowanceUse, OperatorData, Owner, UsageItem, VatItem};
use tarifa_render::{BillDetail, BillInput, BillView, Format, InputLine};
use tarifa_texts::Lang;

fn market(id: &str) -> Market {
    let text = match id {
        "rs" => include_str!("../../../markets/rs.toml"),
        "hu" => include_str!("../../../markets/hu.toml"),
        _ => include_str!("../../../markets/me.toml"),
    };
    Market::from_toml(id, text).expect("preset")
}

fn line(kind: &str, description: &str, amount: Money) -> InputLine {
    InputLine {
        kind: kind.into(),
        contract_id: Some(7),
        description: description.into(),
        phrase: None,
        amount,
        rule: None,
    }
}

/// A bill with a line of every kind the back groups, usage of every type,
/// an allowance and two VAT rates.
fn sample(market: &Market) -> BillInput {
    let m = |text: &str| Money::parse(text, market.currency).expect("amount");
    let (fee, usage, discount, device, total, vat, previous, due) =
        if market.currency.minor_unit() == 0 {
            (
                "9990", "1200", "-1000", "5000", "15190", "3000", "2500", "17690",
            )
        } else {
            (
                "1990.00", "120.50", "-100.00", "500.00", "2510.50", "418.42", "250.00", "2760.50",
            )
        };
    let detail = BillDetail {
        owner: Some(Owner {
            name: "Petar Petrović".into(),
            address: Some("Bulevar 1, Beograd".into()),
            email: Some("petar@example.com".into()),
        }),
        operator: OperatorData {
            name: market.operator.name.clone(),
            address: market.operator.address.clone(),
            tax_id: market.operator.tax_id.clone(),
            registry_number: market.operator.registry_number.clone(),
            bank_account: market.operator.bank_account.clone(),
            website: market.operator.website.clone(),
            customer_centre: market.operator.customer_centre_phone.clone(),
        },
        packages: vec!["+381640000007: Max".into()],
        delivery: "post".into(),
        usage: vec![
            UsageItem {
                contract_id: 7,
                kind: "voice".into(),
                destination: "national".into(),
                count: 42,
                quantity: 7_260,
                unit: "s".into(),
                billed_units: 131,
                amount: usage.into(),
            },
            UsageItem {
                contract_id: 7,
                kind: "sms".into(),
                destination: "international".into(),
                count: 5,
                quantity: 5,
                unit: "sms".into(),
                billed_units: 5,
                amount: "0".into(),
            },
            UsageItem {
                contract_id: 7,
                kind: "data".into(),
                destination: "internet".into(),
                count: 30,
                quantity: 2_097_152,
                unit: "kb".into(),
                billed_units: 2_048,
                amount: "0".into(),
            },
        ],
        allowances: vec![AllowanceItem {
            contract_id: 7,
            allowance: AllowanceUse {
                kind: "voice".into(),
                granted: serde_json::json!({"limited": 100}),
                used: 100,
            },
        }],
        vat: vec![VatItem {
            class: None,
            rate: "20".into(),
            gross: total.into(),
            vat: vat.into(),
        }],
    };
    BillInput {
        correction: None,
        number: format!("{}-2026-0000042", market.id.to_uppercase()),
        kind: "monthly".into(),
        customer_id: 9,
        period_from: date(2026, 1, 17),
        period_to: date(2026, 1, 31),
        issued_on: date(2026, 2, 1),
        due_on: date(2026, 2, 15),
        total: m(total),
        vat: m(vat),
        previous_balance: m(previous),
        total_due: m(due),
        lines: vec![
            line("subscription", "Max monthly fee", m(fee)),
            line("usage", "Calls beyond the allowance", m(usage)),
            line("discount", "Double internet promotion", m(discount)),
            line("instalment", "Device instalment 1 of 24", m(device)),
        ],
        detail,
        numbers: BTreeMap::from([(7, "+381640000007".to_owned())]),
    }
}

fn view(id: &str) -> (Market, BillInput, BillView) {
    let market = market(id);
    let input = sample(&market);
    let lang = Lang::negotiate(&market.language);
    let view = BillView::build(&input, &market, lang).expect("view");
    (market, input, view)
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("tarifa-render-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir.join(name)
}

fn tool(name: &str, args: &[&str]) -> Vec<u8> {
    let out = Command::new(name)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{name} is needed (Debian: poppler-utils): {e}"));
    assert!(
        out.status.success(),
        "{name} {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// One space between words, whatever the layout (no-break spaces too).
fn norm(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn pdf_text(pdf: &Path) -> String {
    norm(
        &String::from_utf8(tool(
            "pdftotext",
            &["-layout", pdf.to_str().expect("path"), "-"],
        ))
        .expect("utf-8"),
    )
}

/// The QR code on the first page, decoded from the page as printed.
fn qr_from_pdf(pdf: &Path) -> String {
    let prefix = pdf.with_extension("");
    tool(
        "pdftoppm",
        &[
            "-r",
            "200",
            "-png",
            "-gray",
            "-f",
            "1",
            "-l",
            "1",
            "-singlefile",
            pdf.to_str().expect("path"),
            prefix.to_str().expect("path"),
        ],
    );
    let page = image::open(prefix.with_extension("png"))
        .expect("page image")
        .to_luma8();
    let mut prepared = rqrr::PreparedImage::prepare(page);
    let grids = prepared.detect_grids();
    assert_eq!(grids.len(), 1, "one QR code on the front");
    grids[0].decode().expect("QR decodes").1
}

fn check_document(id: &str, front_labels: &[&str]) -> (BillView, String, String) {
    let (_, _, view) = view(id);
    let pdf = tarifa_render::render(&view, Format::Pdf).expect("pdf");
    assert!(pdf.starts_with(b"%PDF-"));
    let path = scratch(&format!("{id}.pdf"));
    std::fs::write(&path, &pdf).expect("write");
    let text = pdf_text(&path);
    // Every element of front and back with its legend number before it.
    for element in view.front.values().chain(view.back.values()) {
        let wanted = norm(&format!("{} {}", element.number, element.label));
        assert!(
            text.contains(&wanted),
            "{id}: {wanted:?} missing in:\n{text}"
        );
    }
    for element in view.legend_front.iter().chain(&view.legend_back) {
        let first_words = norm(
            &element
                .label
                .split_whitespace()
                .take(4)
                .collect::<Vec<_>>()
                .join(" "),
        );
        assert!(
            text.contains(&first_words),
            "{id}: legend {:?} missing",
            element.label
        );
    }
    for label in front_labels {
        assert!(text.contains(label), "{id}: {label:?} missing in:\n{text}");
    }
    assert!(
        text.contains(&norm(&view.total_due)),
        "{id}: total due {}",
        view.total_due
    );
    for vat in &view.vat {
        assert!(text.contains(&norm(&vat.vat)), "{id}: VAT {}", vat.vat);
    }
    let qr = qr_from_pdf(&path);
    let html = String::from_utf8(tarifa_render::render(&view, Format::Html).expect("html"))
        .expect("utf-8");
    (view, qr, html)
}

#[test]
fn a_serbian_bill_uses_the_seeds_terms_and_its_ips_code_checks_out() {
    let (view, qr, html) = check_document(
        "rs",
        &[
            "Obračunski period",
            "Datum dospeća",
            "Prethodni saldo",
            "Ukupno zaduženje",
            "Tarifni paket",
            "Uplatnica",
            "Legenda",
            "17.01.2026. – 31.01.2026.",
            "2.760,50 RSD",
        ],
    );
    let slip = view.slip.as_ref().expect("something is due");
    assert_eq!(qr, slip.qr_text);
    let fields: BTreeMap<&str, &str> = qr
        .split('|')
        .map(|f| f.split_once(':').expect("tag:value"))
        .collect();
    assert_eq!(fields["K"], "PR");
    assert_eq!(fields["V"], "01");
    assert_eq!(fields["C"], "1");
    let account = CurrentAccount::parse(fields["R"]).expect("account check digits hold");
    assert_eq!(account.digits().len(), 18);
    assert_eq!(
        fields["I"], "RSD2760,50",
        "the amount is the total due, decimal comma"
    );
    let reference = fields["RO"].strip_prefix("97").expect("model 97");
    Model97::parse(reference).expect("reference check digits hold");
    assert_eq!(fields["SF"], "221");
    assert!(fields["S"].contains("RS-2026-0000042"));
    assert!(html.contains("Ukupno zaduženje") && html.contains("<svg"));
}

#[test]
fn a_montenegrin_bill_carries_an_epc_code_with_a_creditor_reference() {
    let (view, qr, html) = check_document(
        "me",
        &[
            "Obračunski period",
            "Datum dospeća",
            "Prethodni saldo",
            "Ukupno zaduženje",
            "Nalog za plaćanje",
            "2.760,50 EUR",
        ],
    );
    assert_eq!(qr, view.slip.as_ref().expect("due").qr_text);
    let lines: Vec<&str> = qr.split('\n').collect();
    assert_eq!(&lines[..4], ["BCD", "002", "1", "SCT"]);
    let iban = lines[6];
    assert!(iban.starts_with("ME"));
    // ISO 13616: the rearranged IBAN leaves 1 divided by 97.
    let rearranged = format!("{}{}", &iban[4..], &iban[..4]);
    let rest = rearranged.chars().fold(0_u32, |r, c| {
        let v = c.to_digit(36).expect("alphanumeric");
        if v < 10 {
            (r * 10 + v) % 97
        } else {
            (r * 100 + v) % 97
        }
    });
    assert_eq!(rest, 1, "IBAN {iban}");
    assert_eq!(lines[7], "EUR2760.50");
    CreditorReference::parse(lines[9]).expect("RF check digits hold");
    assert!(html.contains("Nalog za plaćanje"));
}

#[test]
fn a_hungarian_bill_carries_the_mnb_code_due_at_the_end_of_the_due_date() {
    let (view, qr, html) = check_document(
        "hu",
        &[
            "Számlázási időszak",
            "Fizetési határidő",
            "Előző egyenleg",
            "Fizetendő összesen",
            "Díjcsomag",
            "Jelmagyarázat",
        ],
    );
    assert_eq!(qr, view.slip.as_ref().expect("due").qr_text);
    let fields: Vec<&str> = qr
        .strip_suffix('\n')
        .expect("ends with a line feed")
        .split('\n')
        .collect();
    assert_eq!(fields.len(), 17);
    assert_eq!(&fields[..3], ["HCT", "001", "1"]);
    assert_eq!(fields[3], "GIBAHUHBXXX");
    assert!(fields[5].starts_with("HU") && fields[5].len() == 28);
    GiroAccount::parse(&fields[5][4..]).expect("GIRO check digits hold");
    assert_eq!(fields[6], "HUF17690");
    assert_eq!(
        fields[7], "20260215235959+1",
        "end of the due date, Budapest winter time"
    );
    assert_eq!(fields[12], "HU-2026-0000042");
    assert!(html.contains("Fizetendő összesen"));
}

#[test]
fn nothing_due_means_no_code_and_says_what_stays_in_credit() {
    let market = market("rs");
    let mut input = sample(&market);
    input.total_due = Money::parse("-150.00", market.currency).expect("amount");
    let view = BillView::build(&input, &market, Lang::SrLatn).expect("view");
    assert!(view.slip.is_none() && view.qr_svg.is_none());
    assert!(
        view.nothing_due
            .as_deref()
            .expect("said")
            .contains("150,00 RSD")
    );
    let pdf = tarifa_render::render(&view, Format::Pdf).expect("pdf");
    assert!(pdf.starts_with(b"%PDF-"));
}

#[test]
fn every_language_renders_every_market() {
    for id in ["rs", "hu", "me"] {
        let market = market(id);
        let input = sample(&market);
        for lang in Lang::ALL {
            let view = BillView::build(&input, &market, lang).expect("view");
            let html = tarifa_render::html::render(&view).expect("html");
            assert!(
                html.contains(&view.labels["total-due"]),
                "{id} {}",
                lang.tag()
            );
            assert!(html.contains(&format!("lang=\"{}\"", lang.tag())));
        }
    }
}

#[test]
fn html_escapes_what_customers_typed() {
    let market = market("rs");
    let mut input = sample(&market);
    if let Some(owner) = input.detail.owner.as_mut() {
        owner.name = "<script>alert(1)</script>".into();
    }
    let view = BillView::build(&input, &market, Lang::SrLatn).expect("view");
    let html = tarifa_render::html::render(&view).expect("html");
    assert!(!html.contains("<script>alert"), "owner name not escaped");
    assert!(html.contains("alert(1)"), "owner name shown");
}

fn listing(records: usize) -> tarifa_render::ListingInput {
    tarifa_render::ListingInput {
        id: 12,
        number: "+381640000002".into(),
        period: "2026-11".into(),
        requested_on: date(2026, 11, 20),
        owner_name: "Jovana Milošević".into(),
        owner_address: "Bulevar 1, Beograd".into(),
        operator_name: "Telenor d.o.o. Beograd".into(),
        records: (0..records)
            .map(|i| {
                let (bucket, quantity) = match i % 3 {
                    0 => ("voice.national", 125),
                    1 => ("sms.national", 1),
                    _ => ("data.internet", 2_500_000),
                };
                tarifa_render::ListingRecord {
                    at: format!(
                        "2026-11-{:02}T{:02}:{:02}:05",
                        1 + i / 10,
                        8 + i % 10,
                        i % 60
                    ),
                    to_number: format!("+3816{:07}", 1_000_000 + i),
                    bucket: bucket.into(),
                    quantity,
                    roaming: (i == 4).then(|| "EU".to_owned()),
                }
            })
            .collect(),
    }
}

#[test]
fn a_listing_runs_a_page_per_forty_records_in_the_customers_language() {
    let view = tarifa_render::ListingView::build(&listing(85), Lang::SrLatn).expect("view");
    let pdf = tarifa_render::render_listing(&view, Format::Pdf).expect("pdf");
    let path = scratch("listing.pdf");
    std::fs::write(&path, &pdf).expect("written");
    let info = String::from_utf8(tool("pdfinfo", &[path.to_str().expect("path")])).expect("utf-8");
    let pages = info
        .lines()
        .find_map(|l| l.strip_prefix("Pages:"))
        .map(|p| p.trim().parse::<usize>().expect("a count"));
    assert_eq!(pages, Some(3), "85 records at 40 a page: {info}");
    let text = pdf_text(&path);
    for expected in [
        "Listing (specifikacija saobraćaja)",
        "+381640000002",
        "Jovana Milošević",
        "Pozvani broj",
        "01.11.2026. 08:00:05",
        "+3816",
        "2:05",
        "2.442 kB",
        "roming, EU",
        "Broj zapisa 85",
    ] {
        assert!(text.contains(expected), "{expected:?} in {text}");
    }
    let html = String::from_utf8(tarifa_render::render_listing(&view, Format::Html).expect("html"))
        .expect("utf-8");
    assert_eq!(html.matches("<tr><td>").count(), 85, "a row per record");

    // No records: one page that says so, in Hungarian.
    let empty = tarifa_render::ListingView::build(&listing(0), Lang::Hu).expect("view");
    let pdf = tarifa_render::render_listing(&empty, Format::Pdf).expect("pdf");
    let path = scratch("listing-empty.pdf");
    std::fs::write(&path, &pdf).expect("written");
    assert!(pdf_text(&path).contains("Ebben az időszakban nem volt forgalom."));
}
