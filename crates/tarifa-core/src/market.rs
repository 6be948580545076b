//! A market preset (`markets/<id>.toml`): everything that differs between
//! Serbia, Hungary and Montenegro, as data. Code asks the market; it never
//! branches on the market's id.
//!
//! Loading is strict: an unknown, missing or invalid field refuses the whole
//! file with the field's name.

use std::collections::BTreeMap;

use jiff::civil::Date;
use jiff::tz::TimeZone;
use rust_decimal::Decimal;
use serde::Deserialize;

use crate::calendar::CalendarRules;
use crate::catalog::{Catalog, CatalogSpec};
use crate::money::{Currency, Money, RoundingMode};
use crate::rule::RuleId;
use crate::time::add_days;

/// The operator's company data printed on bills (BIL-2 element 4).
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Operator {
    pub name: String,
    pub address: String,
    pub tax_id: String,
    pub registry_number: String,
    pub website: String,
    pub bank_account: String,
    /// The bank's BIC: in the Hungarian payment code; optional in the euro one.
    #[serde(default)]
    pub bic: Option<String>,
    pub customer_centre_phone: String,
}

/// The tax authority that takes every bill as it is issued, and how the
/// billing software introduces itself to it.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EInvoicing {
    pub authority: Authority,
    /// The software's identity at the authority (NAV: 18 of 0-9, A-Z, -).
    pub software_id: String,
    pub software_name: String,
    pub software_version: String,
    pub developer_name: String,
    pub developer_contact: String,
    /// ISO 3166 alpha-2.
    pub developer_country: String,
    #[serde(default)]
    pub developer_tax_number: Option<String>,
}

/// Tax authorities tarifa reports bills to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Authority {
    /// Hungary's NAV Online Számla, interface 3.0.
    Nav,
}

impl Authority {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Nav => "nav",
        }
    }
}

/// Special numbers (USE-2): free, never counted against allowances, open while suspended.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Numbers {
    pub emergency: Vec<String>,
    pub customer_centre: Vec<String>,
    #[serde(default)]
    pub directory: Option<String>,
    /// CON-13: numbers the operator assigns: country code, this prefix, then
    /// `subscriber_digits` digits from the numbering plan's sequence.
    pub subscriber_prefix: String,
    pub subscriber_digits: u8,
}

impl Numbers {
    /// The E.164 number of the n-th number of the plan.
    pub fn subscriber_number(&self, country_code: &str, sequence: u64) -> String {
        let width = usize::from(self.subscriber_digits);
        format!("{country_code}{}{sequence:0width$}", self.subscriber_prefix)
    }
}

/// VAT rates, VAT included in the catalog's prices.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Vat {
    /// Percent, e.g. `"20"`.
    #[serde(with = "rust_decimal::serde::str")]
    pub standard: Decimal,
    /// Other rates by service class (HU: `internet_access = "5"`).
    #[serde(default)]
    pub classes: BTreeMap<String, PercentText>,
    /// The class usage of a kind falls in (HU: `data = "internet_access"`).
    #[serde(default)]
    pub usage: BTreeMap<String, String>,
}

/// Roaming zones (USE-1): networks where usage is rated as at home.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Roaming {
    /// Mobile country codes (3 digits) of the roam-like-at-home zone
    /// (EU/EEA for HU; the Western Balkans agreement for RS and ME).
    pub home_like_mcc: Vec<String>,
}

impl Roaming {
    /// Whether a visited network (MCC+MNC) is in the home-like zone.
    pub fn is_home_like(&self, network: &str) -> bool {
        self.home_like_mcc
            .iter()
            .any(|mcc| network.starts_with(mcc.as_str()))
    }
}

/// A percentage written as a decimal string.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(transparent)]
pub struct PercentText(#[serde(with = "rust_decimal::serde::str")] pub Decimal);

impl Vat {
    /// The rate (percent) for a VAT class; the standard rate for anything else.
    pub fn rate(&self, class: Option<&str>) -> Decimal {
        class
            .and_then(|c| self.classes.get(c))
            .map_or(self.standard, |p| p.0)
    }

    pub fn class_names(&self) -> Vec<&str> {
        self.classes.keys().map(String::as_str).collect()
    }
}

/// Bill issue and due dates.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Billing {
    /// Product: days from the issue date to the due date where BIL-5 does not
    /// fix a day of the month.
    pub due_days_after_issue: u32,
    /// Product: how bills are delivered by default (post, email, app, sms).
    pub default_delivery: String,
    /// Product: whether allowances of a partial first or last period shrink
    /// with its days, like the monthly fee does.
    pub prorate_allowances: bool,
}

/// A rule with no parameters: only whether the market applies it.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Flag {
    pub applies: bool,
}

macro_rules! params {
    ($($(#[$meta:meta])* $name:ident { $($(#[$fmeta:meta])* $field:ident : $ty:ty),* $(,)? })*) => {
        $(
            $(#[$meta])*
            #[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
            #[serde(deny_unknown_fields)]
            pub struct $name {
                pub applies: bool,
                $($(#[$fmeta])* pub $field: $ty,)*
            }
        )*
    };
}

/// Which window CAT-4 opens.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WindowAnchor {
    /// The window is the `window_days` before the change takes effect (ME).
    BeforeEffective,
    /// The window is the `window_days` from the announcement (HU).
    FromAnnouncement,
}

params! {
    /// CON-3: no commitment on public residential packages unless a device is bought.
    Con3 { since: Date, device_commitment_months: u32 }
    /// CON-5: service starts within N days of the technical conditions.
    Con5 { service_start_days: u32 }
    /// CON-10: relocation answer and execution deadlines.
    Con10 { answer_days: u32, relocation_days: u32 }
    /// CON-11: an heir's request within N days of the death.
    Con11 { heir_request_days: u32 }
    /// CON-13: notice before an operator-initiated number change.
    Con13 { operator_change_notice_days: u32 }
    /// CON-14: subscriber data kept N months after service ends, then erased.
    Con14 { retention_months: u32 }
    /// CAT-2: changed terms bind N days after publication.
    Cat2 { binding_days: u32 }
    /// CAT-4: the penalty-free termination window of an unfavourable change.
    Cat4 { window_days: u32, window: WindowAnchor, terminated_on_effective: bool }
    /// DEV-1: whether a full-price purchase carries a commitment.
    Dev1 { full_price_commitment: bool }
    /// DEV-4: lent equipment returned within N days of the end.
    Dev4 { return_days: u32 }
    /// UNL-6: outcome within N working days of a valid request.
    Unl6 { respond_working_days: u32 }
    /// UNL-9: wrong code entries allowed before unlocking by code is disabled.
    Unl9 { max_wrong_entries: u32 }
    /// UNL-12: hours until an Apple device works elsewhere; days of the manufacturer's service.
    Unl12 { activation_hours: u32, manufacturer_service_days: u32 }
    /// PRM-2: a package at least this much dearer keeps the promotion.
    Prm2 { threshold: String }
    /// PRM-3: below the threshold the promotion ends at the month's end.
    Prm3 { threshold: String }
    /// PRM-7: a phone bought with a package this much dearer extends the promotion.
    Prm7 { threshold: String }
    /// USE-4: free spending-limit activations per calendar year.
    Use4 { free_activations_per_year: u32 }
    /// USE-5: free listings per month, how far back, when electronic.
    Use5 { free_per_month: u32, max_previous_periods: u32, electronic_over_pages: u32 }
    /// BIL-1: the day of the month bills are issued for the previous month.
    Bil1 { issue_day: u8 }
    /// BIL-5: the day of the month bills fall due and count as received.
    Bil5 { due_day: u8 }
    /// BIL-6: delivery channels.
    Bil6 { channels: Vec<String> }
    /// DUN-1: days from the due date to pay.
    Dun1 { pay_within_days: u32 }
    /// DUN-2: suspension of outgoing traffic when unpaid N days after the due date.
    Dun2 { suspend_after_days: u32, services: Vec<String> }
    /// DUN-3: days from suspension to pay before permanent disconnection.
    Dun3 { pay_window_days: u32 }
    /// DUN-6: the channel dunning notices use.
    Dun6 { channel: String }
    /// CMP-1: filing window and the number of undisputed bills averaged.
    Cmp1 { file_within_days: u32, average_of_bills: u32 }
    /// CMP-2: filing channels.
    Cmp2 { channels: Vec<String> }
    /// CMP-3: days to decide.
    Cmp3 { decide_within_days: u32 }
    /// CMP-4: days to appeal; days the regulator has.
    Cmp4 { appeal_within_days: u32, regulator_decides_within_days: u32 }
    /// CMP-6: days from learning of low quality to terminate.
    Cmp6 { terminate_within_days: u32 }
    /// TRM-4: immediate termination for residential subscribers out of commitment;
    /// the notice period it replaced.
    Trm4 { former_notice_days: u32 }
    /// TRM-6: days to refund a withdrawn distance sale; days to withdraw
    /// (consumer law: 14).
    Trm6 { refund_within_days: u32, withdrawal_days: u32 }
    /// NOT-1: notices within N days before a commitment ends.
    Not1 { window_days: u32, count: u32 }
    /// NOT-2: months before the end the bill letter carries the information.
    Not2 { bill_letter_months: u32 }
    /// ABU-2: minimum suspension for continued harassment.
    Abu2 { min_suspension_days: u32 }
    /// ABU-3: days to sign the no-abuse statement; refused access attempts and days.
    Abu3 { statement_days: u32, access_attempts: u32, access_refusal_days: u32 }
    /// ABU-4: liability capped at N monthly subscriptions.
    Abu4 { cap_monthly_fees: u32 }
}

macro_rules! rule_set {
    ($($field:ident : $id:literal => $ty:ty),* $(,)?) => {
        /// Every rule of RULES.md with whether this market applies it and its parameters.
        #[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
        #[serde(deny_unknown_fields)]
        pub struct RuleSet {
            $(#[serde(rename = $id)] pub $field: $ty,)*
        }

        impl RuleSet {
            /// Whether the market applies a rule.
            pub fn applies(&self, rule: RuleId) -> bool {
                match rule.to_string().as_str() {
                    $($id => self.$field.applies,)*
                    _ => false,
                }
            }

            /// The IDs the set names, in order (all of RULES.md).
            pub fn ids() -> &'static [&'static str] {
                &[$($id),*]
            }
        }
    };
}

rule_set! {
    con_1: "CON-1" => Flag, con_2: "CON-2" => Flag, con_3: "CON-3" => Con3, con_4: "CON-4" => Flag,
    con_5: "CON-5" => Con5, con_6: "CON-6" => Flag, con_7: "CON-7" => Flag, con_8: "CON-8" => Flag,
    con_9: "CON-9" => Flag, con_10: "CON-10" => Con10, con_11: "CON-11" => Con11, con_12: "CON-12" => Flag,
    con_13: "CON-13" => Con13, con_14: "CON-14" => Con14, con_15: "CON-15" => Flag,
    cat_1: "CAT-1" => Flag, cat_2: "CAT-2" => Cat2, cat_3: "CAT-3" => Flag, cat_4: "CAT-4" => Cat4,
    cat_5: "CAT-5" => Flag,
    dev_1: "DEV-1" => Dev1, dev_2: "DEV-2" => Flag, dev_3: "DEV-3" => Flag, dev_4: "DEV-4" => Dev4,
    unl_1: "UNL-1" => Flag, unl_2: "UNL-2" => Flag, unl_3: "UNL-3" => Flag, unl_4: "UNL-4" => Flag,
    unl_5: "UNL-5" => Flag, unl_6: "UNL-6" => Unl6, unl_7: "UNL-7" => Flag, unl_8: "UNL-8" => Flag,
    unl_9: "UNL-9" => Unl9, unl_10: "UNL-10" => Flag, unl_11: "UNL-11" => Flag, unl_12: "UNL-12" => Unl12,
    prm_1: "PRM-1" => Flag, prm_2: "PRM-2" => Prm2, prm_3: "PRM-3" => Prm3, prm_4: "PRM-4" => Flag,
    prm_5: "PRM-5" => Flag, prm_6: "PRM-6" => Flag, prm_7: "PRM-7" => Prm7,
    use_1: "USE-1" => Flag, use_2: "USE-2" => Flag, use_3: "USE-3" => Flag, use_4: "USE-4" => Use4,
    use_5: "USE-5" => Use5,
    bil_1: "BIL-1" => Bil1, bil_2: "BIL-2" => Flag, bil_3: "BIL-3" => Flag, bil_4: "BIL-4" => Flag,
    bil_5: "BIL-5" => Bil5, bil_6: "BIL-6" => Bil6, bil_7: "BIL-7" => Flag,
    dun_1: "DUN-1" => Dun1, dun_2: "DUN-2" => Dun2, dun_3: "DUN-3" => Dun3, dun_4: "DUN-4" => Flag,
    dun_5: "DUN-5" => Flag, dun_6: "DUN-6" => Dun6,
    cmp_1: "CMP-1" => Cmp1, cmp_2: "CMP-2" => Cmp2, cmp_3: "CMP-3" => Cmp3, cmp_4: "CMP-4" => Cmp4,
    cmp_5: "CMP-5" => Flag, cmp_6: "CMP-6" => Cmp6,
    trm_1: "TRM-1" => Flag, trm_2: "TRM-2" => Flag, trm_3: "TRM-3" => Flag, trm_4: "TRM-4" => Trm4,
    trm_5: "TRM-5" => Flag, trm_6: "TRM-6" => Trm6,
    not_1: "NOT-1" => Not1, not_2: "NOT-2" => Not2, not_3: "NOT-3" => Flag,
    abu_1: "ABU-1" => Flag, abu_2: "ABU-2" => Abu2, abu_3: "ABU-3" => Abu3, abu_4: "ABU-4" => Abu4,
    abu_5: "ABU-5" => Flag,
}

/// A market file as written.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
struct MarketFile {
    id: String,
    name: String,
    country: String,
    country_code: String,
    currency: String,
    currency_minor_unit: u8,
    rounding: RoundingMode,
    time_zone: String,
    language: String,
    operator: Operator,
    numbers: Numbers,
    vat: Vat,
    roaming: Roaming,
    billing: Billing,
    rules: RuleSet,
    calendar: CalendarRules,
    #[serde(default)]
    einvoice: Option<EInvoicing>,
    #[serde(default)]
    package: Vec<crate::catalog::PackageSpec>,
    #[serde(default)]
    device: Vec<crate::catalog::DeviceSpec>,
    #[serde(default)]
    fee: Vec<crate::catalog::FeeSpec>,
    #[serde(default)]
    promotion: Vec<crate::catalog::PromotionSpec>,
}

/// A loaded, checked market.
#[derive(Clone, Debug)]
pub struct Market {
    pub id: String,
    /// The file it was loaded from, for messages that must name it.
    pub source: String,
    pub name: String,
    /// ISO 3166 alpha-2.
    pub country: String,
    /// E.164 country calling code, e.g. `+382`.
    pub country_code: String,
    pub currency: Currency,
    pub rounding: RoundingMode,
    pub time_zone: TimeZone,
    pub time_zone_name: String,
    /// BCP 47 tag of the market's language (sr-Latn, hu, sr-Latn-ME).
    pub language: String,
    pub operator: Operator,
    pub numbers: Numbers,
    pub vat: Vat,
    pub roaming: Roaming,
    pub billing: Billing,
    pub rules: RuleSet,
    pub calendar: CalendarRules,
    /// Where bills are reported as they are issued; `None`: nowhere.
    pub einvoice: Option<EInvoicing>,
    /// The demo catalog the preset ships.
    pub catalog: Catalog,
    /// PRM thresholds, parsed.
    pub promotion_threshold: Money,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MarketError {
    /// The TOML does not match the schema (the message names line and field).
    #[error("market {file}: {message}")]
    Schema { file: String, message: String },
    #[error("market {file}: {field}: {reason}")]
    Field {
        file: String,
        field: String,
        reason: String,
    },
}

impl Market {
    /// Parses and checks a market file. `file` names it in errors.
    pub fn from_toml(file: &str, text: &str) -> Result<Self, MarketError> {
        let raw: MarketFile = toml::from_str(text).map_err(|e| MarketError::Schema {
            file: file.to_owned(),
            message: e.to_string().trim_end().to_owned(),
        })?;
        let field = |field: &str, reason: String| MarketError::Field {
            file: file.to_owned(),
            field: field.to_owned(),
            reason,
        };
        if raw.id.is_empty() || !raw.id.chars().all(|c| c.is_ascii_lowercase()) {
            return Err(field(
                "id",
                format!("{:?} is not a market id (lowercase letters)", raw.id),
            ));
        }
        if raw.country.len() != 2 || !raw.country.chars().all(|c| c.is_ascii_uppercase()) {
            return Err(field(
                "country",
                format!("{:?} is not an ISO 3166 country code", raw.country),
            ));
        }
        if !raw.country_code.starts_with('+')
            || !raw.country_code[1..].chars().all(|c| c.is_ascii_digit())
            || raw.country_code.len() < 2
        {
            return Err(field(
                "country_code",
                format!(
                    "{:?} is not a calling code such as \"+382\"",
                    raw.country_code
                ),
            ));
        }
        let currency = Currency::new(&raw.currency, raw.currency_minor_unit)
            .map_err(|e| field("currency", e.to_string()))?;
        // A bill's payment slip and QR code carry the account: one whose
        // control digits are wrong would send every payment astray.
        crate::payment_slip::OperatorAccount::parse(&raw.country, &raw.operator.bank_account)
            .map_err(|e| field("operator.bank_account", e.to_string()))?;
        if let Some(bic) = &raw.operator.bic {
            crate::payment_slip::check_bic(bic)
                .map_err(|e| field("operator.bic", e.to_string()))?;
        } else if raw.country == "HU" {
            // The MNB code names the payee's bank.
            return Err(field(
                "operator.bic",
                "a Hungarian market needs the operator's BIC for the payment QR code".into(),
            ));
        }
        if let Some(e) = &raw.einvoice {
            match e.authority {
                Authority::Nav if raw.country != "HU" => {
                    return Err(field(
                        "einvoice.authority",
                        format!(
                            "NAV Online Számla takes Hungarian bills; this market is in {}",
                            raw.country
                        ),
                    ));
                }
                Authority::Nav => {
                    if e.software_id.len() != 18
                        || !e
                            .software_id
                            .chars()
                            .all(|c| c.is_ascii_digit() || c.is_ascii_uppercase() || c == '-')
                    {
                        return Err(field(
                            "einvoice.software_id",
                            format!(
                                "{:?} is not a NAV software id (18 of 0-9, A-Z and -)",
                                e.software_id
                            ),
                        ));
                    }
                }
            }
            if e.developer_country.len() != 2
                || !e.developer_country.chars().all(|c| c.is_ascii_uppercase())
            {
                return Err(field(
                    "einvoice.developer_country",
                    format!("{:?} is not an ISO 3166 country code", e.developer_country),
                ));
            }
        }
        let time_zone = TimeZone::get(&raw.time_zone).map_err(|_| {
            field(
                "time_zone",
                format!("{:?} is not a time zone of the tz database", raw.time_zone),
            )
        })?;
        if raw.language.trim().is_empty() {
            return Err(field("language", "a language tag is required".into()));
        }
        if raw.numbers.emergency.is_empty() {
            return Err(field(
                "numbers.emergency",
                "at least one emergency number (112) is required".into(),
            ));
        }
        for (name, list) in [
            ("numbers.emergency", &raw.numbers.emergency),
            ("numbers.customer_centre", &raw.numbers.customer_centre),
        ] {
            if let Some(bad) = list
                .iter()
                .find(|n| n.is_empty() || !n.chars().all(|c| c.is_ascii_digit()))
            {
                return Err(field(
                    name,
                    format!("{bad:?} is not a dialled number (digits only)"),
                ));
            }
        }
        if raw.numbers.subscriber_prefix.is_empty()
            || !raw
                .numbers
                .subscriber_prefix
                .chars()
                .all(|c| c.is_ascii_digit())
        {
            return Err(field(
                "numbers.subscriber_prefix",
                "digits of the numbering plan, e.g. \"64\"".into(),
            ));
        }
        if !(4..=10).contains(&raw.numbers.subscriber_digits) {
            return Err(field(
                "numbers.subscriber_digits",
                "between 4 and 10 digits".into(),
            ));
        }
        let percent_ok = |p: Decimal| !p.is_sign_negative() && p < Decimal::ONE_HUNDRED;
        if !percent_ok(raw.vat.standard) {
            return Err(field(
                "vat.standard",
                format!("{} is not a VAT rate in percent", raw.vat.standard),
            ));
        }
        for (class, rate) in &raw.vat.classes {
            if !percent_ok(rate.0) {
                return Err(field(
                    &format!("vat.classes.{class}"),
                    format!("{} is not a VAT rate in percent", rate.0),
                ));
            }
        }
        for (kind, class) in &raw.vat.usage {
            if !["voice", "sms", "data"].contains(&kind.as_str()) {
                return Err(field(
                    &format!("vat.usage.{kind}"),
                    "a usage kind is voice, sms or data".into(),
                ));
            }
            if !raw.vat.classes.contains_key(class) {
                return Err(field(
                    &format!("vat.usage.{kind}"),
                    format!("{class:?} is not one of vat.classes"),
                ));
            }
        }
        if let Some(bad) = raw
            .roaming
            .home_like_mcc
            .iter()
            .find(|m| m.len() != 3 || !m.chars().all(|c| c.is_ascii_digit()))
        {
            return Err(field(
                "roaming.home_like_mcc",
                format!("{bad:?} is not a mobile country code (3 digits)"),
            ));
        }
        let bil1 = &raw.rules.bil_1;
        if !(1..=28).contains(&bil1.issue_day) {
            return Err(field(
                "rules.BIL-1.issue_day",
                "a day of the month between 1 and 28".into(),
            ));
        }
        if !(1..=28).contains(&raw.rules.bil_5.due_day) {
            return Err(field(
                "rules.BIL-5.due_day",
                "a day of the month between 1 and 28".into(),
            ));
        }
        let mut thresholds = Vec::new();
        for (name, text) in [
            ("rules.PRM-2.threshold", &raw.rules.prm_2.threshold),
            ("rules.PRM-3.threshold", &raw.rules.prm_3.threshold),
            ("rules.PRM-7.threshold", &raw.rules.prm_7.threshold),
        ] {
            thresholds.push(
                Money::parse_non_negative(text, currency)
                    .map_err(|e| field(name, e.to_string()))?,
            );
        }
        if thresholds.windows(2).any(|w| w[0] != w[1]) {
            return Err(field(
                "rules.PRM-3.threshold",
                "PRM-2, PRM-3 and PRM-7 name the same threshold".into(),
            ));
        }
        raw.calendar
            .validate()
            .map_err(|e| field("calendar", e.to_string()))?;
        let classes = raw.vat.class_names();
        let spec = CatalogSpec {
            package: raw.package.clone(),
            device: raw.device.clone(),
            fee: raw.fee.clone(),
            promotion: raw.promotion.clone(),
        };
        let catalog = spec
            .resolve(currency, &classes)
            .map_err(|e| field(&e.field, e.reason))?;
        Ok(Self {
            id: raw.id,
            source: file.to_owned(),
            name: raw.name,
            country: raw.country,
            country_code: raw.country_code,
            currency,
            rounding: raw.rounding,
            time_zone,
            time_zone_name: raw.time_zone,
            language: raw.language,
            operator: raw.operator,
            numbers: raw.numbers,
            vat: raw.vat,
            roaming: raw.roaming,
            billing: raw.billing,
            rules: raw.rules,
            calendar: raw.calendar,
            einvoice: raw.einvoice,
            catalog,
            promotion_threshold: thresholds[0],
        })
    }

    pub fn applies(&self, rule: RuleId) -> bool {
        self.rules.applies(rule)
    }

    /// Parses an amount in the market's currency.
    pub fn money(&self, text: &str) -> Result<Money, crate::money::MoneyError> {
        Money::parse(text, self.currency)
    }

    pub fn zero(&self) -> Money {
        Money::zero(self.currency)
    }

    /// The due date of a bill issued on `issued` (BIL-5, or the product's default).
    pub fn due_date(&self, issued: Date) -> Date {
        if self.rules.bil_5.applies {
            let day = i8::try_from(self.rules.bil_5.due_day).unwrap_or(15);
            let due = issued.with().day(day).build().unwrap_or(issued);
            if due >= issued {
                due
            } else {
                crate::time::add_months(due, 1)
            }
        } else {
            add_days(issued, i64::from(self.billing.due_days_after_issue))
        }
    }

    /// Whether a dialled number is an emergency or customer-centre number (USE-2).
    pub fn is_free_number(&self, dialled: &str) -> bool {
        self.numbers.emergency.iter().any(|n| n == dialled)
            || self.numbers.customer_centre.iter().any(|n| n == dialled)
    }
}

/// A shipped preset by id (rs, hu, me), read at compile time: the markets
/// every unit test of the core works with.
#[cfg(test)]
pub(crate) fn preset(id: &str) -> Market {
    let (id, text) = tests::PRESETS
        .into_iter()
        .find(|(p, _)| *p == id)
        .unwrap_or_else(|| panic!("no preset {id:?}"));
    Market::from_toml(id, text).unwrap_or_else(|e| panic!("{e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The shipped presets, read at compile time so the tests need no files.
    pub(crate) const PRESETS: [(&str, &str); 3] = [
        ("rs", include_str!("../../../markets/rs.toml")),
        ("hu", include_str!("../../../markets/hu.toml")),
        ("me", include_str!("../../../markets/me.toml")),
    ];

    #[test]
    fn presets_load() {
        for (id, text) in PRESETS {
            let market = Market::from_toml(id, text).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(market.id, id);
            assert!(
                !market.catalog.packages.is_empty(),
                "{id} ships a demo catalog"
            );
        }
    }

    #[test]
    fn every_rule_is_listed() {
        let ids: Vec<String> = RuleId::all().map(|r| r.to_string()).collect();
        assert_eq!(
            RuleSet::ids(),
            ids.iter()
                .map(String::as_str)
                .collect::<Vec<_>>()
                .as_slice()
        );
    }

    #[test]
    fn vat_rates_of_the_rules() {
        let load = |i: usize| {
            Market::from_toml(PRESETS[i].0, PRESETS[i].1).unwrap_or_else(|e| panic!("{e}"))
        };
        assert_eq!(load(0).vat.standard, Decimal::from(20));
        assert_eq!(load(1).vat.standard, Decimal::from(27));
        assert_eq!(load(1).vat.rate(Some("internet_access")), Decimal::from(5));
        assert_eq!(load(2).vat.standard, Decimal::from(21));
    }

    #[test]
    fn me_bills_fall_due_on_the_15th() {
        let me = Market::from_toml("me", PRESETS[2].1).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            me.due_date(jiff::civil::date(2026, 2, 1)),
            jiff::civil::date(2026, 2, 15)
        );
    }

    #[test]
    fn a_missing_field_is_named() {
        let text = PRESETS[2].1.replacen("pay_window_days = 60", "", 1);
        let err = Market::from_toml("me", &text).expect_err("missing field");
        assert!(err.to_string().contains("pay_window_days"), "{err}");
        let text = PRESETS[2].1.replacen(
            "time_zone = \"Europe/Podgorica\"",
            "time_zone = \"Europe/Atlantis\"",
            1,
        );
        let err = Market::from_toml("me", &text).expect_err("bad zone");
        assert!(err.to_string().contains("time_zone"), "{err}");
        let text = PRESETS[2].1.replacen("[rules.ABU-5]", "[rules.ABU-6]", 1);
        let err = Market::from_toml("me", &text).expect_err("unknown rule");
        assert!(err.to_string().contains("ABU-6"), "{err}");
    }

    #[test]
    fn hungarian_and_montenegrin_accounts_and_bics_are_checked_at_load() {
        let hu = PRESETS[1].1;
        let text = hu.replacen("12345676", "12345678", 1);
        let err = Market::from_toml("hu", &text).expect_err("wrong check digit");
        assert!(err.to_string().contains("operator.bank_account"), "{err}");
        let text = hu.replacen("bic = \"GIBAHUHB\"\n", "", 1);
        let err = Market::from_toml("hu", &text).expect_err("no BIC");
        assert!(err.to_string().contains("operator.bic"), "{err}");
        let text = hu.replacen("GIBAHUHB", "GIBA-HU", 1);
        let err = Market::from_toml("hu", &text).expect_err("bad BIC");
        assert!(err.to_string().contains("operator.bic"), "{err}");
        let text = PRESETS[2]
            .1
            .replacen("510-0000000000001-37", "510-0000000000001-00", 1);
        let err = Market::from_toml("me", &text).expect_err("wrong control number");
        assert!(err.to_string().contains("37 expected"), "{err}");
    }

    #[test]
    fn a_serbian_account_with_a_wrong_control_number_is_refused() {
        let text = PRESETS[0]
            .1
            .replacen("160-0000000012345-95", "160-0000000012345-96", 1);
        let err = Market::from_toml("rs", &text).expect_err("wrong control number");
        assert!(err.to_string().contains("operator.bank_account"), "{err}");
        assert!(err.to_string().contains("95 expected"), "{err}");
        let text = PRESETS[0]
            .1
            .replacen("160-0000000012345-95", "160-12345", 1);
        let err = Market::from_toml("rs", &text).expect_err("no control number");
        assert!(err.to_string().contains("operator.bank_account"), "{err}");
    }
}
