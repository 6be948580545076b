//! Rows as the store reads and writes them. Money is in minor units, dates are
//! `YYYY-MM-DD` strings; the application turns them into domain types.

use serde::Serialize;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct CustomerRow {
    pub id: i64,
    pub market: String,
    pub handle: Option<String>,
    pub kind: String,
    pub residency: String,
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub address: Option<String>,
    pub id_document: Option<String>,
    pub id_document_number: Option<String>,
    pub keeps_document_copies: bool,
    pub directory: String,
    pub marketing_consent: bool,
    pub language: Option<String>,
    pub registered_on: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct PackageRow {
    pub market: String,
    pub id: String,
    pub name: String,
    pub monthly_fee_minor: i64,
    pub voice_min: i64,
    pub sms: i64,
    pub data_mb: i64,
    /// JSON object of decimal strings.
    pub rates: String,
    pub promotion_eligible: bool,
    pub exempt_from_commitment_rule: bool,
    pub public: bool,
    pub prepaid: bool,
    pub prepaid_unlock_route: bool,
    pub service: String,
    /// JSON object: VAT class → share of the fee.
    pub vat_split: String,
    pub withdrawn: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct DeviceRow {
    pub market: String,
    pub id: String,
    pub brand: String,
    pub model: String,
    pub retail_price_minor: i64,
    pub subsidised_price_minor: Option<i64>,
    pub lent: bool,
    pub sim_locked: bool,
    /// JSON array of request field names.
    pub unlock_needs: String,
    pub unlock_method: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct FeeRow {
    pub market: String,
    pub kind: String,
    pub amount_minor: i64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct ContractRow {
    pub id: i64,
    pub market: String,
    pub handle: Option<String>,
    pub customer_id: i64,
    pub package_id: String,
    pub number: String,
    pub status: String,
    pub channel: String,
    pub signed_on: String,
    pub activated_on: String,
    pub commitment_start: Option<String>,
    pub commitment_months: Option<i64>,
    pub commitment_end: Option<String>,
    pub deposit_may_be_required: bool,
    pub ended_on: Option<String>,
    pub device_id: Option<String>,
    pub device_imei: Option<String>,
    pub device_price_minor: Option<i64>,
    pub device_instalments: Option<i64>,
    pub device_lent: Option<bool>,
    pub device_sim_locked: Option<bool>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct BenefitRow {
    pub contract_id: i64,
    pub position: i64,
    pub kind: String,
    pub amount_minor: i64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct PackagePeriodRow {
    pub contract_id: i64,
    pub valid_from: String,
    pub seq: i64,
    pub package_id: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct DecisionRow {
    pub id: i64,
    pub market: String,
    pub on_date: String,
    pub action: String,
    /// What the decision is about, e.g. `contract:12`, `customer:3`.
    pub subject: Option<String>,
    pub outcome: String,
    /// Rule IDs, comma-separated.
    pub rules: String,
    /// JSON array of reason strings.
    pub reasons: String,
    /// Where the decision was asked for (e.g. `step 7` of a scenario).
    pub context: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct AuditRow {
    pub id: i64,
    pub recorded_at: String,
    pub business_date: Option<String>,
    pub actor: String,
    pub action: String,
    pub entity: String,
    pub entity_id: String,
    /// JSON.
    pub detail: String,
}

/// A decision to record (the id is assigned by the store).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewDecision {
    pub market: String,
    pub on_date: String,
    pub action: String,
    pub subject: Option<String>,
    pub outcome: String,
    pub rules: Vec<String>,
    pub reasons: Vec<String>,
    pub context: Option<String>,
}
