//! A bill in words: every element of BIL-2 and BIL-3 with its legend number,
//! labels and values formatted in the reader's language.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use rust_decimal::Decimal;
use serde::Serialize;
use tarifa_core::market::Market;
use tarifa_core::money::Money;
use tarifa_texts::{Arg, Lang, Texts, format_count, format_date, format_money};

use crate::payment::{PaymentCode, payment_code, qr_svg};
use crate::{BillInput, InputLine, RenderError};

/// One element of the bill with the number the legend gives it.
#[derive(Clone, Debug, Serialize)]
pub struct Numbered {
    pub number: u8,
    pub label: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct LineView {
    pub kind: String,
    pub number: String,
    pub description: String,
    pub amount: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct CountView {
    pub kind: String,
    pub count: String,
    pub quantity: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct TrafficView {
    pub number: String,
    pub kind: String,
    pub destination: String,
    pub count: String,
    pub billed: String,
    pub amount: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct AllowanceView {
    pub number: String,
    pub kind: String,
    pub granted: String,
    pub used: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct VatView {
    pub rate: String,
    pub base: String,
    pub vat: String,
    pub gross: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct SlipView {
    pub payer: String,
    pub purpose: String,
    pub payee: String,
    pub payment_code: Option<String>,
    pub currency: String,
    pub amount: String,
    pub account: String,
    pub iban: Option<String>,
    pub bic: Option<String>,
    pub reference: String,
    pub caption: String,
    /// What the QR code encodes.
    pub qr_text: String,
}

/// Everything a bill document shows, as text.
#[derive(Clone, Debug, Serialize)]
pub struct BillView {
    pub lang: &'static str,
    pub market: String,
    pub number: String,
    /// What the document is: a bill, or a credit note.
    pub title: String,
    /// For a credit note: the number of the bill it corrects, and why.
    pub corrects: Option<String>,
    pub reason: Option<String>,
    /// Every `bill-*` label in the reader's language, by id without the
    /// `bill-` prefix.
    pub labels: BTreeMap<String, String>,
    pub front: BTreeMap<&'static str, Numbered>,
    pub back: BTreeMap<&'static str, Numbered>,
    pub owner_name: String,
    pub owner_address: String,
    pub owner_email: String,
    pub operator_name: String,
    pub operator_address: String,
    pub operator_tax_id: String,
    pub operator_registry: String,
    pub operator_account: String,
    pub operator_website: String,
    pub operator_centre: String,
    pub customer: String,
    pub period: String,
    pub issued_on: String,
    pub due_on: String,
    pub total_traffic: String,
    pub discounts: String,
    pub usage: String,
    pub amount: String,
    pub previous_balance: String,
    pub total_due: String,
    pub nothing_due: Option<String>,
    pub delivery: String,
    pub packages: Vec<String>,
    pub subscriptions: Vec<LineView>,
    pub counts: Vec<CountView>,
    pub minutes: String,
    pub traffic: Vec<TrafficView>,
    pub usage_lines: Vec<LineView>,
    pub promotions: Vec<LineView>,
    pub allowances: Vec<AllowanceView>,
    pub one_time: Vec<LineView>,
    pub period_total: String,
    pub vat: Vec<VatView>,
    pub vat_total: String,
    pub legend_front: Vec<Numbered>,
    pub legend_back: Vec<Numbered>,
    pub slip: Option<SlipView>,
    /// The QR code as SVG, when something is due.
    #[serde(skip)]
    pub qr_svg: Option<String>,
}

/// The front's elements (BIL-2), in legend order.
const FRONT: [(&str, u8); 9] = [
    ("owner", 1),
    ("period", 2),
    ("due-date", 3),
    ("operator", 4),
    ("usage", 5),
    ("amount", 6),
    ("previous-balance", 6),
    ("total-due", 6),
    ("payment-slip", 7),
];

/// The back's elements (BIL-3), in legend order.
const BACK: [(&str, u8); 7] = [
    ("package", 1),
    ("counts", 2),
    ("minutes", 3),
    ("traffic", 4),
    ("promotions", 5),
    ("one-time", 6),
    ("period-total", 7),
];

/// Lines that BIL-3 (6) lists as one-time charges (CAT-5): besides premium
/// services, devices and their instalments, penalties and other charges
/// and credits.
fn is_one_time(kind: &str) -> bool {
    matches!(
        kind,
        "one_time" | "instalment" | "fee" | "penalty" | "credit" | "refund"
    )
}

/// A document's texts in one language; a missing or broken message names
/// the document (`bill`: a bill number or `listing 12`).
pub(crate) struct Words<'a> {
    pub texts: &'a Texts,
    pub lang: Lang,
    pub bill: &'a str,
}

impl Words<'_> {
    pub fn get(&self, id: &str) -> Result<String, RenderError> {
        self.with(id, &[])
    }

    pub fn with(&self, id: &str, args: &[(&str, Arg)]) -> Result<String, RenderError> {
        self.texts
            .message(self.lang, id, args)
            .map_err(|source| RenderError::Text {
                bill: self.bill.to_owned(),
                source,
            })
    }

    /// A label for a code (`bill-kind-voice`); the code itself when there is
    /// no label for it.
    pub fn or_code(&self, prefix: &str, code: &str) -> String {
        self.texts.label(self.lang, prefix, code)
    }
}

/// The `bill-*` labels of a language that take no arguments (those that do
/// are filled in where they are used), made once per process: a bill run's
/// documents all ask for the same hundred.
fn labels(lang: Lang) -> &'static BTreeMap<String, String> {
    static LABELS: OnceLock<Vec<(Lang, BTreeMap<String, String>)>> = OnceLock::new();
    let all = LABELS.get_or_init(|| {
        let texts = Texts::shipped();
        Lang::ALL
            .iter()
            .map(|&lang| {
                let labels = Texts::ids(lang)
                    .iter()
                    .filter_map(|id| {
                        let short = id.strip_prefix("bill-")?;
                        let text = texts.message(lang, id, &[]).ok()?;
                        Some((short.to_owned(), text))
                    })
                    .collect();
                (lang, labels)
            })
            .collect()
    });
    all.iter()
        .find(|(l, _)| *l == lang)
        .map_or(&all[0].1, |(_, labels)| labels)
}

impl BillView {
    /// The bill `input` of `market` in `lang`.
    pub fn build(input: &BillInput, market: &Market, lang: Lang) -> Result<BillView, RenderError> {
        let texts = Texts::shipped();
        let words = Words {
            texts,
            lang,
            bill: &input.number,
        };
        let money = |m: Money| format_money(lang, m);
        let data_error = |reason: String| RenderError::Data {
            bill: input.number.clone(),
            reason,
        };
        let parse_money = |text: &str| {
            Money::parse(text, market.currency)
                .map_err(|e| data_error(format!("amount {text:?} in the detail: {e}")))
        };

        let labels = labels(lang).clone();
        let numbered = |elements: &[(&'static str, u8)]| -> Result<_, RenderError> {
            let mut map = BTreeMap::new();
            for (id, number) in elements {
                map.insert(
                    *id,
                    Numbered {
                        number: *number,
                        label: words.get(&format!("bill-{id}"))?,
                    },
                );
            }
            Ok(map)
        };
        let front = numbered(&FRONT)?;
        let back = numbered(&BACK)?;
        let legend = |side: &str| -> Result<Vec<Numbered>, RenderError> {
            (1..=7)
                .map(|n| {
                    Ok(Numbered {
                        number: n,
                        label: words.get(&format!("bill-legend-{side}-{n}"))?,
                    })
                })
                .collect()
        };

        let number_of = |contract: Option<i64>| {
            contract
                .and_then(|id| input.numbers.get(&id).cloned())
                .unwrap_or_default()
        };
        let line_view = |line: &InputLine| LineView {
            kind: words.or_code("bill-line", &line.kind),
            number: number_of(line.contract_id),
            // In the bill's language when the line carries its phrase; the
            // stored English text otherwise (bills issued before phrases).
            description: line
                .phrase
                .as_ref()
                .and_then(|p| texts.phrase(lang, p, market.currency).ok())
                .unwrap_or_else(|| line.description.clone()),
            amount: money(line.amount),
        };
        let of_kinds = |pick: &dyn Fn(&str) -> bool| -> Vec<LineView> {
            input
                .lines
                .iter()
                .filter(|l| pick(&l.kind))
                .map(line_view)
                .collect()
        };

        // Front (5): usage is the total traffic less the discounts.
        let zero = Money::zero(market.currency);
        let sum = |pick: &dyn Fn(&str) -> bool| {
            input
                .lines
                .iter()
                .filter(|l| pick(&l.kind))
                .fold(zero, |acc, l| acc + l.amount)
        };
        let discounts = sum(&|k| k == "discount");
        let traffic_total = sum(&|k| k != "discount");

        // Back (2)–(4): counts per type, total minutes, traffic by type and
        // destination.
        let mut counts: BTreeMap<String, (u64, u64, String)> = BTreeMap::new();
        let mut minutes = 0_u64;
        let mut traffic = Vec::new();
        for item in &input.detail.usage {
            let entry = counts
                .entry(item.kind.clone())
                .or_insert((0, 0, item.unit.clone()));
            entry.0 += item.count;
            entry.1 += item.billed_units;
            if item.kind == "voice" {
                minutes += item.billed_units;
            }
            let unit = billed_unit(&item.kind);
            traffic.push(TrafficView {
                number: input
                    .numbers
                    .get(&item.contract_id)
                    .cloned()
                    .unwrap_or_default(),
                kind: words.or_code("bill-kind", &item.kind),
                destination: words.or_code("bill-destination", &item.destination),
                count: format_count(lang, to_i64(item.count)),
                billed: format!(
                    "{} {}",
                    format_count(lang, to_i64(item.billed_units)),
                    words.or_code("bill-unit", unit)
                ),
                amount: money(parse_money(&item.amount)?),
            });
        }
        let counts = ["voice", "sms", "data"]
            .iter()
            .filter_map(|kind| counts.get(*kind).map(|c| (*kind, c)))
            .map(|(kind, (count, billed, _))| CountView {
                kind: words.or_code("bill-kind", kind),
                count: format_count(lang, to_i64(*count)),
                quantity: format!(
                    "{} {}",
                    format_count(lang, to_i64(*billed)),
                    words.or_code("bill-unit", billed_unit(kind))
                ),
            })
            .collect();

        let allowances = input
            .detail
            .allowances
            .iter()
            .map(|a| {
                let unit = words.or_code("bill-unit", billed_unit(&a.allowance.kind));
                let granted = match &a.allowance.granted {
                    serde_json::Value::String(s) if s == "unlimited" => {
                        labels.get("unlimited").cloned().unwrap_or_default()
                    }
                    serde_json::Value::Object(o) => o
                        .get("limited")
                        .and_then(serde_json::Value::as_i64)
                        .map(|n| format!("{} {unit}", format_count(lang, n)))
                        .unwrap_or_default(),
                    other => other.to_string(),
                };
                AllowanceView {
                    number: input
                        .numbers
                        .get(&a.contract_id)
                        .cloned()
                        .unwrap_or_default(),
                    kind: words.or_code("bill-kind", &a.allowance.kind),
                    granted,
                    used: format!("{} {unit}", format_count(lang, to_i64(a.allowance.used))),
                }
            })
            .collect();

        let mut vat = Vec::new();
        for share in &input.detail.vat {
            let gross = parse_money(&share.gross)?;
            let tax = parse_money(&share.vat)?;
            let rate: Decimal = share
                .rate
                .parse()
                .map_err(|_| data_error(format!("VAT rate {:?}", share.rate)))?;
            let class = match &share.class {
                None => labels.get("vat-standard").cloned().unwrap_or_default(),
                Some(class) => class.replace('_', " "),
            };
            vat.push(VatView {
                rate: format!("{} % ({class})", format_decimal(lang, rate)),
                base: money(gross - tax),
                vat: money(tax),
                gross: money(gross),
            });
        }

        let owner = input.detail.owner.clone().unwrap_or_default();
        let purpose = words.with(
            "bill-slip-purpose-text",
            &[("bill", Arg::Text(input.number.clone()))],
        )?;
        let code: Option<PaymentCode> = payment_code(market, input, &purpose)?;
        let qr_svg = code
            .as_ref()
            .map(|c| qr_svg(&input.number, &c.text))
            .transpose()?;
        let slip = code
            .map(|c| -> Result<SlipView, RenderError> {
                Ok(SlipView {
                    payer: [owner.name.as_str(), owner.address.as_deref().unwrap_or("")]
                        .iter()
                        .filter(|s| !s.is_empty())
                        .copied()
                        .collect::<Vec<_>>()
                        .join(", "),
                    purpose: c.purpose.clone(),
                    payee: format!("{}, {}", market.operator.name, market.operator.address),
                    payment_code: c.payment_code.clone(),
                    currency: market.currency.code().to_owned(),
                    amount: format_money(lang, input.total_due)
                        .trim_end_matches(market.currency.code())
                        .trim()
                        .to_owned(),
                    account: c.account.clone(),
                    iban: c.iban.clone(),
                    bic: c.bic.clone(),
                    reference: c.reference.clone(),
                    caption: words.with(
                        "bill-slip-qr",
                        &[("standard", Arg::Text(c.standard.name().into()))],
                    )?,
                    qr_text: c.text,
                })
            })
            .transpose()?;
        let nothing_due = if input.total_due.is_positive() {
            None
        } else {
            Some(words.with(
                "bill-nothing-due",
                &[("credit", Arg::Money(input.total_due.abs()))],
            )?)
        };
        let delivery = words.or_code("bill-delivery", &input.detail.delivery);
        let operator = &input.detail.operator;
        let title = if input.correction.is_some() {
            words.get("bill-title-credit-note")?
        } else {
            words.get("bill-title")?
        };
        Ok(BillView {
            lang: lang.tag(),
            market: market.id.clone(),
            number: input.number.clone(),
            title,
            corrects: input.correction.as_ref().map(|c| c.corrects.clone()),
            reason: input.correction.as_ref().map(|c| c.reason.clone()),
            front,
            back,
            owner_name: owner.name.clone(),
            owner_address: owner.address.clone().unwrap_or_default(),
            owner_email: owner.email.clone().unwrap_or_default(),
            operator_name: operator.name.clone(),
            operator_address: operator.address.clone(),
            operator_tax_id: operator.tax_id.clone(),
            operator_registry: operator.registry_number.clone(),
            operator_account: operator.bank_account.clone(),
            operator_website: operator.website.clone(),
            operator_centre: operator.customer_centre.clone(),
            customer: input.customer_id.to_string(),
            period: format!(
                "{} – {}",
                format_date(lang, input.period_from),
                format_date(lang, input.period_to)
            ),
            issued_on: format_date(lang, input.issued_on),
            due_on: format_date(lang, input.due_on),
            total_traffic: money(traffic_total),
            discounts: money(-discounts),
            usage: money(traffic_total + discounts),
            amount: money(input.total),
            previous_balance: money(input.previous_balance),
            total_due: money(input.total_due),
            nothing_due,
            delivery,
            packages: input.detail.packages.clone(),
            subscriptions: of_kinds(&|k| k == "subscription"),
            counts,
            minutes: format!(
                "{} {}",
                format_count(lang, to_i64(minutes)),
                words.or_code("bill-unit", "min")
            ),
            traffic,
            usage_lines: of_kinds(&|k| k == "usage"),
            promotions: of_kinds(&|k| k == "discount"),
            allowances,
            one_time: of_kinds(&is_one_time),
            period_total: money(input.total),
            vat,
            vat_total: money(input.vat),
            legend_front: legend("front")?,
            legend_back: legend("back")?,
            slip,
            qr_svg,
            labels,
        })
    }
}

/// The unit a bill counts a kind of usage in (started minutes, messages, MB).
fn billed_unit(kind: &str) -> &'static str {
    match kind {
        "voice" => "min",
        "sms" => "sms",
        _ => "mb",
    }
}

fn to_i64(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

/// A rate such as 20 or 5.5 with the language's decimal mark.
fn format_decimal(lang: Lang, value: Decimal) -> String {
    let text = value.normalize().to_string();
    match lang {
        Lang::En => text,
        _ => text.replace('.', ","),
    }
}
