//! NAV Online Számla 3.0: the `InvoiceData` of a Hungarian bill or credit
//! note, as the tax authority's schema (`invoiceData.xsd`) has it.
//!
//! What the law and the interface ask of a telecom bill:
//! - the supplier by its tax number (`12345678-2-41`: taxpayer id, VAT
//!   code, county code), name, address and bank account;
//! - a private person's bill names no buyer: only `PRIVATE_PERSON` is sent
//!   (no name, address or tax number); a business is `DOMESTIC` with its
//!   tax number, name and address;
//! - a line a charge, its net amount, VAT rate and VAT (our lines carry
//!   gross amounts; a bundle split over two rates is two lines); the VAT of
//!   each rate is the bill's own (rounded once a rate), shared over that
//!   rate's lines so that the lines add up to it exactly;
//! - many lines are merged per product (`mergedItemIndicator`), so that a
//!   request stays far below the interface's 10 MB;
//! - a credit note is a modification of the bill (`invoiceReference`: the
//!   original number and the modification's index), its lines created
//!   after the bill's (`lineModificationReference`).

use std::collections::BTreeMap;
use std::io;

use jiff::civil::Date;
use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesText, Event};
use rust_decimal::Decimal;
use tarifa_core::money::Money;

const DATA_NS: &str = "http://schemas.nav.gov.hu/OSA/3.0/data";
const BASE_NS: &str = "http://schemas.nav.gov.hu/OSA/3.0/base";
const COMMON_NS: &str = "http://schemas.nav.gov.hu/NTCA/1.0/common";

/// More lines than this are merged per product and VAT rate.
pub const MERGE_ABOVE_LINES: usize = 100;

/// Why a document cannot be built.
#[derive(Debug, thiserror::Error)]
pub enum NavError {
    #[error("{what} {value:?} is not a Hungarian tax number (12345678-2-41)")]
    TaxNumber { what: &'static str, value: String },
    #[error("{what} {value:?} is not an address as \"street and number, postal code city\"")]
    Address { what: &'static str, value: String },
    #[error("the bill has no line")]
    NoLines,
    #[error("VAT at {rate} % is on no line of the bill")]
    RateWithoutLines { rate: Decimal },
    #[error("writing the XML: {0}")]
    Write(#[from] io::Error),
}

/// A Hungarian tax number in its three parts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TaxNumber {
    pub taxpayer_id: String,
    pub vat_code: String,
    pub county_code: String,
}

impl TaxNumber {
    /// Reads `12345678-2-41` (the dashes optional).
    pub fn parse(what: &'static str, text: &str) -> Result<Self, NavError> {
        let digits: String = text.chars().filter(|c| *c != '-' && *c != ' ').collect();
        let bad = || NavError::TaxNumber {
            what,
            value: text.to_owned(),
        };
        if digits.len() != 11 || !digits.chars().all(|c| c.is_ascii_digit()) {
            return Err(bad());
        }
        let vat_code = &digits[8..9];
        if !matches!(vat_code, "1" | "2" | "3" | "4" | "5") {
            return Err(bad());
        }
        Ok(Self {
            taxpayer_id: digits[..8].to_owned(),
            vat_code: vat_code.to_owned(),
            county_code: digits[9..].to_owned(),
        })
    }
}

/// An address as the market file and a customer's record write it:
/// `Pannon út 1, 2045 Törökbálint`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Address {
    pub postal_code: String,
    pub city: String,
    pub detail: String,
}

impl Address {
    pub fn parse(what: &'static str, text: &str) -> Result<Self, NavError> {
        let bad = || NavError::Address {
            what,
            value: text.to_owned(),
        };
        let (detail, place) = text.rsplit_once(',').ok_or_else(bad)?;
        let (postal_code, city) = place.trim().split_once(' ').ok_or_else(bad)?;
        let (detail, city) = (detail.trim(), city.trim());
        if postal_code.len() != 4
            || !postal_code.chars().all(|c| c.is_ascii_digit())
            || city.is_empty()
            || detail.is_empty()
        {
            return Err(bad());
        }
        Ok(Self {
            postal_code: postal_code.to_owned(),
            city: city.to_owned(),
            detail: detail.to_owned(),
        })
    }
}

/// The operator, from the market file.
#[derive(Clone, Debug)]
pub struct Supplier {
    pub tax_number: TaxNumber,
    pub name: String,
    pub address: Address,
    pub bank_account: String,
}

/// Who the bill is to, as the tax authority may know it.
#[derive(Clone, Debug)]
pub enum Buyer {
    /// A private person: nothing of them is sent.
    PrivatePerson,
    /// A Hungarian business, by its tax number.
    Domestic {
        tax_number: TaxNumber,
        name: String,
        address: Address,
    },
}

/// How the bill reaches the customer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Appearance {
    Paper,
    Electronic,
}

/// A line of the bill at one VAT rate (VAT included).
#[derive(Clone, Debug)]
pub struct Line {
    /// What the line is for (merged lines keep the first's).
    pub description: String,
    /// The product it belongs to, for merging (e.g. the line's kind).
    pub product: String,
    pub gross: Money,
    /// The VAT rate in per cent (27, 5).
    pub rate: Decimal,
}

/// The VAT of one rate as the bill computed it.
#[derive(Clone, Debug)]
pub struct RateTotal {
    pub rate: Decimal,
    pub gross: Money,
    pub vat: Money,
}

/// A credit note's reference to the bill it modifies.
#[derive(Clone, Debug)]
pub struct Modification {
    pub original_number: String,
    /// 1 for the first modification of the bill, 2 for the next …
    pub index: u32,
    /// How many lines the bill reported: the note's lines are numbered after.
    pub original_lines: usize,
}

/// A bill or credit note to report.
#[derive(Clone, Debug)]
pub struct Document {
    pub number: String,
    pub issued_on: Date,
    pub period_from: Date,
    pub period_to: Date,
    pub due_on: Date,
    pub appearance: Appearance,
    pub supplier: Supplier,
    pub buyer: Buyer,
    pub lines: Vec<Line>,
    pub rates: Vec<RateTotal>,
    pub modification: Option<Modification>,
}

/// A line as reported: its amounts split into net and VAT.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReportedLine {
    pub description: String,
    pub rate: Decimal,
    pub net: i64,
    pub vat: i64,
    pub gross: i64,
}

/// The lines as reported: merged per product and rate when there are many;
/// each line's VAT is the VAT its gross includes, and what the bill's
/// rounding once a rate leaves over is put on the largest lines of that
/// rate a unit at a time, so that the lines add up to the bill's VAT of
/// each rate exactly. Returns the lines and whether they were merged.
pub fn reported_lines(doc: &Document) -> Result<(Vec<ReportedLine>, bool), NavError> {
    if doc.lines.is_empty() {
        return Err(NavError::NoLines);
    }
    let merged = doc.lines.len() > MERGE_ABOVE_LINES;
    let mut lines: Vec<(String, String, Decimal, i64)> = Vec::new();
    for line in &doc.lines {
        let found = merged
            .then(|| {
                lines
                    .iter_mut()
                    .find(|(product, _, rate, _)| *product == line.product && *rate == line.rate)
            })
            .flatten();
        match found {
            Some((_, _, _, gross)) => *gross += line.gross.minor(),
            None => lines.push((
                line.product.clone(),
                line.description.clone(),
                line.rate,
                line.gross.minor(),
            )),
        }
    }
    let mut vat_of: BTreeMap<usize, i64> = BTreeMap::new();
    for total in &doc.rates {
        let at_rate: Vec<usize> = (0..lines.len())
            .filter(|i| lines[*i].2 == total.rate)
            .collect();
        if at_rate.is_empty() {
            if total.vat.is_zero() {
                continue;
            }
            return Err(NavError::RateWithoutLines { rate: total.rate });
        }
        let grosses: Vec<i64> = at_rate.iter().map(|i| lines[*i].3).collect();
        for (i, vat) in at_rate
            .iter()
            .zip(line_vats(&grosses, total.rate, total.vat.minor()))
        {
            vat_of.insert(*i, vat);
        }
    }
    let reported = lines
        .into_iter()
        .enumerate()
        .map(|(i, (_, description, rate, gross))| {
            let vat = vat_of.get(&i).copied().unwrap_or(0);
            ReportedLine {
                description,
                rate,
                net: gross - vat,
                vat,
                gross,
            }
        })
        .collect();
    Ok((reported, merged))
}

/// The VAT of each of `grosses` at `rate` (per cent, VAT included, in
/// minor units), adding up to `total`: each rounded on its own, then what
/// is left put on the largest lines a unit at a time.
fn line_vats(grosses: &[i64], rate: Decimal, total: i64) -> Vec<i64> {
    let share = rate / (Decimal::ONE_HUNDRED + rate);
    let mut vats: Vec<i64> = grosses
        .iter()
        .map(|g| {
            (Decimal::from(*g) * share)
                .round_dp_with_strategy(0, rust_decimal::RoundingStrategy::MidpointAwayFromZero)
                .mantissa()
                .try_into()
                .unwrap_or(0)
        })
        .collect();
    let mut order: Vec<usize> = (0..grosses.len()).collect();
    order.sort_by_key(|i| std::cmp::Reverse(grosses[*i].unsigned_abs()));
    let mut left = total - vats.iter().sum::<i64>();
    let step = left.signum();
    while left != 0 {
        for i in &order {
            if left == 0 {
                break;
            }
            vats[*i] += step;
            left -= step;
        }
    }
    vats
}

/// The `InvoiceData` XML of `doc`.
pub fn invoice_data(doc: &Document) -> Result<String, NavError> {
    let (lines, merged) = reported_lines(doc)?;
    let currency = doc
        .rates
        .first()
        .map(|r| r.gross.currency())
        .or_else(|| doc.lines.first().map(|l| l.gross.currency()));
    let decimals = currency.map_or(0, |c| u32::from(c.minor_unit()));
    let code = currency.map_or_else(|| "HUF".to_owned(), |c| c.code().to_owned());
    let amount = |minor: i64| Decimal::new(minor, decimals).to_string();
    let mut w = Writer::new_with_indent(Vec::new(), b'\t', 1);
    w.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
    w.create_element("InvoiceData")
        .with_attribute(("xmlns", DATA_NS))
        .with_attribute(("xmlns:common", COMMON_NS))
        .with_attribute(("xmlns:base", BASE_NS))
        .write_inner_content(|w| {
            text(w, "invoiceNumber", &doc.number)?;
            text(w, "invoiceIssueDate", &doc.issued_on.to_string())?;
            text(w, "completenessIndicator", "false")?;
            w.create_element("invoiceMain").write_inner_content(|w| {
                w.create_element("invoice").write_inner_content(|w| {
                    if let Some(m) = &doc.modification {
                        w.create_element("invoiceReference")
                            .write_inner_content(|w| {
                                text(w, "originalInvoiceNumber", &m.original_number)?;
                                text(w, "modifyWithoutMaster", "false")?;
                                text(w, "modificationIndex", &m.index.to_string())
                            })?;
                    }
                    head(w, doc, &code)?;
                    w.create_element("invoiceLines").write_inner_content(|w| {
                        text(w, "mergedItemIndicator", bool_text(merged))?;
                        for (i, line) in lines.iter().enumerate() {
                            let number = i + 1;
                            w.create_element("line").write_inner_content(|w| {
                                text(w, "lineNumber", &number.to_string())?;
                                if let Some(m) = &doc.modification {
                                    w.create_element("lineModificationReference")
                                        .write_inner_content(|w| {
                                            text(
                                                w,
                                                "lineNumberReference",
                                                &(m.original_lines + number).to_string(),
                                            )?;
                                            text(w, "lineOperation", "CREATE")
                                        })?;
                                }
                                text(w, "lineExpressionIndicator", "false")?;
                                text(w, "lineNatureIndicator", "SERVICE")?;
                                text(w, "lineDescription", &clip(&line.description, 512))?;
                                w.create_element("lineAmountsNormal")
                                    .write_inner_content(|w| {
                                        pair(
                                            w,
                                            "lineNetAmountData",
                                            "lineNetAmount",
                                            &amount(line.net),
                                        )?;
                                        w.create_element("lineVatRate").write_inner_content(
                                            |w| text(w, "vatPercentage", &fraction(line.rate)),
                                        )?;
                                        pair(w, "lineVatData", "lineVatAmount", &amount(line.vat))?;
                                        pair(
                                            w,
                                            "lineGrossAmountData",
                                            "lineGrossAmountNormal",
                                            &amount(line.gross),
                                        )
                                    })?;
                                Ok(())
                            })?;
                        }
                        Ok(())
                    })?;
                    summary(w, doc, &amount)
                })?;
                Ok(())
            })?;
            Ok(())
        })?;
    String::from_utf8(w.into_inner())
        .map_err(|e| NavError::Write(io::Error::new(io::ErrorKind::InvalidData, e)))
}

fn head(w: &mut Writer<Vec<u8>>, doc: &Document, currency: &str) -> io::Result<()> {
    w.create_element("invoiceHead").write_inner_content(|w| {
        let s = &doc.supplier;
        w.create_element("supplierInfo").write_inner_content(|w| {
            tax_number(w, "supplierTaxNumber", &s.tax_number)?;
            text(w, "supplierName", &clip(&s.name, 512))?;
            address(w, "supplierAddress", &s.address)?;
            text(w, "supplierBankAccountNumber", &s.bank_account)
        })?;
        w.create_element("customerInfo")
            .write_inner_content(|w| match &doc.buyer {
                Buyer::PrivatePerson => text(w, "customerVatStatus", "PRIVATE_PERSON"),
                Buyer::Domestic {
                    tax_number: number,
                    name,
                    address: at,
                } => {
                    text(w, "customerVatStatus", "DOMESTIC")?;
                    w.create_element("customerVatData")
                        .write_inner_content(|w| tax_number(w, "customerTaxNumber", number))?;
                    text(w, "customerName", &clip(name, 512))?;
                    address(w, "customerAddress", at)
                }
            })?;
        w.create_element("invoiceDetail").write_inner_content(|w| {
            text(w, "invoiceCategory", "NORMAL")?;
            text(w, "invoiceDeliveryDate", &doc.period_to.to_string())?;
            text(
                w,
                "invoiceDeliveryPeriodStart",
                &doc.period_from.to_string(),
            )?;
            text(w, "invoiceDeliveryPeriodEnd", &doc.period_to.to_string())?;
            text(w, "currencyCode", currency)?;
            text(w, "exchangeRate", "1")?;
            text(w, "paymentMethod", "TRANSFER")?;
            text(w, "paymentDate", &doc.due_on.to_string())?;
            text(
                w,
                "invoiceAppearance",
                match doc.appearance {
                    Appearance::Paper => "PAPER",
                    Appearance::Electronic => "ELECTRONIC",
                },
            )
        })?;
        Ok(())
    })?;
    Ok(())
}

fn summary(
    w: &mut Writer<Vec<u8>>,
    doc: &Document,
    amount: &dyn Fn(i64) -> String,
) -> io::Result<()> {
    let gross: i64 = doc.rates.iter().map(|r| r.gross.minor()).sum();
    let vat: i64 = doc.rates.iter().map(|r| r.vat.minor()).sum();
    w.create_element("invoiceSummary")
        .write_inner_content(|w| {
            w.create_element("summaryNormal").write_inner_content(|w| {
                for r in &doc.rates {
                    w.create_element("summaryByVatRate")
                        .write_inner_content(|w| {
                            w.create_element("vatRate").write_inner_content(|w| {
                                text(w, "vatPercentage", &fraction(r.rate))
                            })?;
                            pair(
                                w,
                                "vatRateNetData",
                                "vatRateNetAmount",
                                &amount(r.gross.minor() - r.vat.minor()),
                            )?;
                            pair(
                                w,
                                "vatRateVatData",
                                "vatRateVatAmount",
                                &amount(r.vat.minor()),
                            )?;
                            pair(
                                w,
                                "vatRateGrossData",
                                "vatRateGrossAmount",
                                &amount(r.gross.minor()),
                            )
                        })?;
                }
                text(w, "invoiceNetAmount", &amount(gross - vat))?;
                text(w, "invoiceNetAmountHUF", &amount(gross - vat))?;
                text(w, "invoiceVatAmount", &amount(vat))?;
                text(w, "invoiceVatAmountHUF", &amount(vat))
            })?;
            w.create_element("summaryGrossData")
                .write_inner_content(|w| {
                    text(w, "invoiceGrossAmount", &amount(gross))?;
                    text(w, "invoiceGrossAmountHUF", &amount(gross))
                })?;
            Ok(())
        })?;
    Ok(())
}

fn text(w: &mut Writer<Vec<u8>>, name: &str, value: &str) -> io::Result<()> {
    w.create_element(name)
        .write_text_content(BytesText::new(value))?;
    Ok(())
}

/// An amount and the same in forints (`…Amount`, `…AmountHUF`) in `outer`.
fn pair(w: &mut Writer<Vec<u8>>, outer: &str, name: &str, value: &str) -> io::Result<()> {
    w.create_element(outer).write_inner_content(|w| {
        text(w, name, value)?;
        text(w, &format!("{name}HUF"), value)
    })?;
    Ok(())
}

fn tax_number(w: &mut Writer<Vec<u8>>, name: &str, number: &TaxNumber) -> io::Result<()> {
    w.create_element(name).write_inner_content(|w| {
        text(w, "base:taxpayerId", &number.taxpayer_id)?;
        text(w, "base:vatCode", &number.vat_code)?;
        text(w, "base:countyCode", &number.county_code)
    })?;
    Ok(())
}

fn address(w: &mut Writer<Vec<u8>>, name: &str, at: &Address) -> io::Result<()> {
    w.create_element(name).write_inner_content(|w| {
        w.create_element("base:simpleAddress")
            .write_inner_content(|w| {
                text(w, "base:countryCode", "HU")?;
                text(w, "base:postalCode", &at.postal_code)?;
                text(w, "base:city", &clip(&at.city, 255))?;
                text(w, "base:additionalAddressDetail", &clip(&at.detail, 255))
            })?;
        Ok(())
    })?;
    Ok(())
}

fn bool_text(value: bool) -> &'static str {
    if value { "true" } else { "false" }
}

/// A rate in per cent as the schema's fraction: 27 → `0.27`.
fn fraction(rate: Decimal) -> String {
    (rate / Decimal::ONE_HUNDRED).normalize().to_string()
}

/// At most `max` characters, as the schema's simple text types allow.
fn clip(text: &str, max: usize) -> String {
    text.chars().take(max).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use tarifa_core::money::Currency;

    fn huf(minor: i64) -> Money {
        Money::from_minor(minor, Currency::new("HUF", 0).expect("HUF"))
    }

    #[test]
    fn tax_numbers_and_addresses_are_read_or_refused() {
        let n = TaxNumber::parse("supplier", "10000001-2-13").expect("valid");
        assert_eq!(
            (
                n.taxpayer_id.as_str(),
                n.vat_code.as_str(),
                n.county_code.as_str()
            ),
            ("10000001", "2", "13")
        );
        assert!(TaxNumber::parse("supplier", "1000001-2-13").is_err());
        assert!(TaxNumber::parse("supplier", "10000001-9-13").is_err());
        let a = Address::parse("supplier", "Pannon út 1, 2045 Törökbálint").expect("valid");
        assert_eq!(a.postal_code, "2045");
        assert_eq!(a.city, "Törökbálint");
        assert_eq!(a.detail, "Pannon út 1");
        assert!(Address::parse("customer", "Törökbálint").is_err());
    }

    #[test]
    fn each_rates_vat_is_shared_over_its_lines_exactly() {
        let line = |gross, rate| Line {
            description: "fee".into(),
            product: "subscription".into(),
            gross: huf(gross),
            rate: Decimal::from(rate),
        };
        let doc = Document {
            number: "HU-2026-0000001".into(),
            issued_on: jiff::civil::date(2026, 3, 1),
            period_from: jiff::civil::date(2026, 2, 1),
            period_to: jiff::civil::date(2026, 2, 28),
            due_on: jiff::civil::date(2026, 3, 16),
            appearance: Appearance::Electronic,
            supplier: Supplier {
                tax_number: TaxNumber::parse("s", "10000001-2-13").expect("valid"),
                name: "Telenor".into(),
                address: Address::parse("s", "Pannon út 1, 2045 Törökbálint").expect("valid"),
                bank_account: "11600006-00000000-12345676".into(),
            },
            buyer: Buyer::PrivatePerson,
            lines: vec![line(2994, 27), line(1996, 5), line(40, 5)],
            rates: vec![
                RateTotal {
                    rate: Decimal::from(27),
                    gross: huf(2994),
                    vat: huf(637),
                },
                RateTotal {
                    rate: Decimal::from(5),
                    gross: huf(2036),
                    vat: huf(97),
                },
            ],
            modification: None,
        };
        let (lines, merged) = reported_lines(&doc).expect("lines");
        assert!(!merged);
        assert_eq!(lines[0].vat, 637);
        assert_eq!(lines[1].vat + lines[2].vat, 97);
        assert!(lines.iter().all(|l| l.net + l.vat == l.gross));
    }

    proptest! {
        /// The lines' VAT adds up to the rate's, and stays within a few
        /// units of what each line's gross includes.
        #[test]
        fn line_vats_add_up_to_the_rates(
            grosses in proptest::collection::vec(-100_000i64..100_000, 1..8),
            rate in prop_oneof![Just(5i64), Just(27), Just(18)],
        ) {
            let rate = Decimal::from(rate);
            let share = rate / (Decimal::ONE_HUNDRED + rate);
            let sum: i64 = grosses.iter().sum();
            let total: i64 = (Decimal::from(sum) * share)
                .round_dp_with_strategy(0, rust_decimal::RoundingStrategy::MidpointAwayFromZero)
                .mantissa()
                .try_into()
                .unwrap_or(0);
            let vats = line_vats(&grosses, rate, total);
            prop_assert_eq!(vats.iter().sum::<i64>(), total);
            for (g, v) in grosses.iter().zip(&vats) {
                let exact = Decimal::from(*g) * share;
                prop_assert!((Decimal::from(*v) - exact).abs() <= Decimal::from(grosses.len() as i64));
            }
        }
    }
}
