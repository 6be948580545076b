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
    /// When personal data were erased (CON-14).
    pub anonymised_on: Option<String>,
    /// A business's tax number (bills carry it; NAV takes the business by it).
    pub tax_number: Option<String>,
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
    /// When outgoing traffic was suspended, and why (dunning, complaint, abuse).
    pub suspended_on: Option<String>,
    pub suspension_cause: Option<String>,
    /// DEV-4: lent equipment due back by this day; when it came back (or was billed).
    pub return_by: Option<String>,
    pub equipment_returned_on: Option<String>,
    /// The day the current owner took the contract over (CON-9, CON-11).
    pub owner_since: Option<String>,
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

/// A usage record as stored (decoded from its segment).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct UsageRow {
    pub id: String,
    pub contract_id: i64,
    /// The billing period, `YYYY-MM`.
    pub period: String,
    /// Local date and time, `YYYY-MM-DDTHH:MM:SS`.
    pub at: String,
    pub to_number: String,
    pub quantity: i64,
    pub roaming: Option<String>,
    /// The usage class, e.g. `voice.national`.
    pub bucket: String,
    pub units: i64,
    pub import_id: Option<i64>,
}

/// Usage totals of a contract, period and class.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct UsageTotalRow {
    pub contract_id: i64,
    pub period: String,
    pub bucket: String,
    pub records: i64,
    pub quantity: i64,
    pub units: i64,
}

/// Where a subscriber number pointed, for matching usage to contracts.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct NumberRow {
    pub number: String,
    pub contract_id: i64,
    pub market: String,
    pub activated_on: String,
    pub ended_on: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct BillRow {
    pub id: i64,
    pub market: String,
    pub number: String,
    /// `monthly` (BIL-1) or `separate` (TRM-3).
    pub kind: String,
    pub customer_id: i64,
    /// `YYYY-MM`.
    pub period: String,
    pub period_from: String,
    pub period_to: String,
    pub issued_on: String,
    pub due_on: String,
    pub total_minor: i64,
    pub vat_minor: i64,
    pub previous_balance_minor: i64,
    pub total_due_minor: i64,
    /// JSON: the owner and operator blocks, usage by type and destination,
    /// allowances, VAT per rate. Stored in the bill's body
    /// (`crate::bill_body`) with its lines.
    #[sqlx(rename = "body", try_from = "crate::bill_body::Stored")]
    pub detail: String,
    pub transfer_id: i64,
}

/// A bill's number and total (`Tx::bill_amounts_of_customer`).
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct BillAmount {
    pub id: i64,
    pub number: String,
    pub total_minor: i64,
    /// For a credit note: the id of the bill it corrects.
    pub corrects: Option<i64>,
}

/// A bill whose notice (BIL-6) the outbox is to make: what the notice says.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct BillNoticeDue {
    pub bill_id: i64,
    pub market: String,
    pub number: String,
    pub customer_id: i64,
    pub period_from: String,
    pub period_to: String,
    pub issued_on: String,
    pub due_on: String,
    pub total_due_minor: i64,
    /// `monthly`, `separate` or `credit_note`.
    pub kind: String,
    pub total_minor: i64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct BillLineRow {
    pub bill_id: i64,
    pub position: i64,
    pub contract_id: Option<i64>,
    pub kind: String,
    pub description: String,
    pub amount_minor: i64,
    /// JSON VAT assignment.
    pub vat: String,
    pub rule: Option<String>,
    pub category: Option<String>,
    /// The description as a message and its arguments (JSON), if any.
    pub phrase: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct ChargeRow {
    pub id: i64,
    pub market: String,
    pub customer_id: i64,
    pub contract_id: Option<i64>,
    pub kind: String,
    pub category: Option<String>,
    pub description: String,
    pub amount_minor: i64,
    pub vat: String,
    pub rule: Option<String>,
    pub on_date: String,
    pub bill_id: Option<i64>,
    /// The fee kind of SCENARIOS.md (reconnection, early_termination, …).
    pub fee_kind: Option<String>,
    /// The device sale an instalment belongs to (DEV-3).
    pub device_sale_id: Option<i64>,
    /// The description as a message and its arguments (JSON), if any.
    pub phrase: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct PaymentRow {
    pub id: i64,
    pub market: String,
    pub customer_id: i64,
    pub reference: String,
    pub amount_minor: i64,
    pub received_on: String,
    pub transfer_id: i64,
}

/// One entry of a transfer to write.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct NewEntry {
    pub account: String,
    pub amount_minor: i64,
}

/// A bill to write with its body and ledger transfer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewBill {
    /// Its columns; `detail` is not written (the body holds the detail).
    pub bill: BillRow,
    /// Its detail and lines, encoded ([`crate::EncodedBody::write`]).
    pub body: crate::EncodedBody,
    pub entries: Vec<NewEntry>,
    /// Charges this bill carries (marked as billed).
    pub charge_ids: Vec<i64>,
    /// The usage totals it billed.
    pub usage_billed: Vec<UsageBilled>,
    /// The tax authority it is reported to (`nav`), queued with the bill.
    pub reported_to: Option<&'static str>,
}

/// What a bill took from a contract's usage of a month (totals as JSON).
/// `None` leaves what is stored.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct UsageBilled {
    pub contract_id: i64,
    /// `YYYY-MM`.
    pub period: String,
    /// The month's totals billed; `None` only for the assignor's part of a
    /// month already billed.
    pub snapshot: Option<String>,
    /// In a month with a transfer of ownership: the records before the
    /// transfer, as billed to the assignor.
    pub before_transfer: Option<String>,
    /// In a month with a transfer: the part of `snapshot` not charged to
    /// the assignee.
    pub assignee_base: Option<String>,
}

/// What was billed of a contract's month, as stored (see [`UsageBilled`]).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct BilledUsage {
    pub contract_id: i64,
    pub snapshot: String,
    pub before_transfer: Option<String>,
    pub assignee_base: Option<String>,
}

/// A transfer of a contract's ownership (CON-9, CON-11).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct ContractTransferRow {
    pub contract_id: i64,
    pub from_customer: i64,
    pub to_customer: i64,
    /// The first day of the new owner.
    pub on_date: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct BalanceRow {
    pub account: String,
    pub amount_minor: i64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct InterruptionRow {
    pub id: i64,
    pub contract_id: i64,
    pub from_date: String,
    pub to_date: String,
    /// `interference` or `maintenance`.
    pub cause: String,
    pub announced_on: Option<String>,
}

/// A notice to a subscriber (NOT-3), in the outbox until delivered.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct NoticeRow {
    pub id: i64,
    pub market: String,
    pub customer_id: i64,
    pub contract_id: Option<i64>,
    pub on_date: String,
    pub kind: String,
    pub channel: String,
    /// Rule IDs, comma-separated.
    pub rules: String,
    pub text: String,
    pub sent_at: Option<String>,
    pub attempts: i64,
    /// The language the text was written in (BCP 47).
    pub language: String,
    /// The e-mail subject; the first line of an SMS or letter.
    pub subject: String,
    /// A worker holds the notice until then while it sends it.
    pub claimed_until: Option<String>,
    /// After a failed attempt: not before then.
    pub next_attempt_at: Option<String>,
    pub last_error: Option<String>,
    /// Where it was delivered: the address, number or print-queue file.
    pub destination: Option<String>,
}

/// A complaint (CMP-1…6).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct ComplaintRow {
    pub id: i64,
    pub market: String,
    pub handle: Option<String>,
    pub customer_id: i64,
    pub bill_id: Option<i64>,
    /// `bill` or `quality`.
    pub kind: String,
    pub channel: String,
    pub filed_on: String,
    pub disputed_minor: i64,
    /// What must still be paid by the due date (CMP-1).
    pub undisputed_minor: i64,
    pub decide_by: String,
    /// pending, upheld, rejected, appealed, closed.
    pub status: String,
    pub decided_on: Option<String>,
    pub appeal_by: Option<String>,
    pub appealed_on: Option<String>,
    pub regulator_by: Option<String>,
    /// What the subscriber wrote.
    pub description: Option<String>,
}

/// A price change of a package (CAT-3, CAT-4).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct PriceChangeRow {
    pub id: i64,
    pub market: String,
    pub package_id: String,
    pub monthly_fee_minor: i64,
    pub previous_fee_minor: i64,
    pub announced_on: String,
    pub effective_on: String,
    pub unfavourable: bool,
    /// The penalty-free termination window of an unfavourable change (CAT-4).
    pub window_from: Option<String>,
    pub window_to: Option<String>,
}

/// A finding of abuse against a contract (ABU-1…5).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct AbuseRow {
    pub id: i64,
    pub contract_id: i64,
    pub kind: String,
    pub found_on: String,
    /// warning, suspension, deadline or disconnection.
    pub action: String,
    /// Without the remedy by this day (a signed statement of no further
    /// abuse, access granted, over-use remedied) the contract is
    /// disconnected for good (ABU-3, ABU-5).
    pub remedy_by: Option<String>,
    pub remedy_on: Option<String>,
    /// The earliest day a suspension may end (ABU-2).
    pub suspended_until: Option<String>,
}

/// A relocation request (CON-10).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct RelocationRow {
    pub id: i64,
    pub contract_id: i64,
    pub new_address: String,
    pub requested_on: String,
    pub answer_by: String,
    /// requested, possible, needs_infrastructure, impossible, annexed, done.
    pub status: String,
    pub answered_on: Option<String>,
    pub infrastructure_minor: Option<i64>,
    /// subscriber_pays or new_commitment.
    pub infrastructure: Option<String>,
    pub annexed_on: Option<String>,
    pub done_by: Option<String>,
    pub done_on: Option<String>,
}

/// A number ported in or out (CON-13).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct NumberPortRow {
    pub id: i64,
    pub contract_id: i64,
    pub number: String,
    /// in or out.
    pub direction: String,
    /// The other operator.
    pub operator: String,
    pub on_date: String,
}

/// A package withdrawn from sale (CAT-3).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct PackageWithdrawalRow {
    pub id: i64,
    pub market: String,
    pub package_id: String,
    pub announced_on: String,
    pub effective_on: String,
    /// The closest package its subscribers move to.
    pub moved_to: String,
}

/// A termination that takes effect on a later day.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct ScheduledTerminationRow {
    pub contract_id: i64,
    pub decided_on: String,
    /// The day the contract is deemed terminated; service runs to the day before.
    pub ends_on: String,
    pub by_whom: String,
    pub reason: String,
    pub done_on: Option<String>,
}

/// A change of the general terms (CAT-2, CAT-4).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct TermsChangeRow {
    pub id: i64,
    pub market: String,
    pub summary: String,
    pub published_on: String,
    pub effective_on: String,
    pub unfavourable: bool,
    pub window_from: Option<String>,
    pub window_to: Option<String>,
}

/// An unlock request (UNL-1…12).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct UnlockRow {
    pub id: i64,
    pub market: String,
    pub handle: Option<String>,
    pub contract_id: i64,
    pub imei: String,
    pub device_id: String,
    pub requester: String,
    pub channel: String,
    /// The request's data as given (JSON object).
    pub fields: String,
    pub received_on: String,
    /// received, rejected, awaiting_manufacturer, code_sent, unlocked, disabled.
    pub status: String,
    pub respond_by: Option<String>,
    pub wrong_entries: i64,
    pub code_received_on: Option<String>,
    pub closed_on: Option<String>,
    /// Paid on the spot (UNL-2) or as the fee after UNL-9.
    pub paid_minor: Option<i64>,
}

/// An IMEI changed by an authorised repair (UNL-10).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct ImeiChangeRow {
    pub id: i64,
    pub contract_id: i64,
    pub old_imei: String,
    pub new_imei: String,
    pub on_date: String,
    /// The service report's reference.
    pub service_report: String,
}

/// A device sold with a contract, at signing or later (DEV-1).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct DeviceSaleRow {
    pub id: i64,
    pub contract_id: i64,
    pub sold_on: String,
    pub device_id: String,
    pub imei: Option<String>,
    pub price_minor: i64,
    pub instalments: i64,
    pub sim_locked: bool,
    /// The package the sale was made with.
    pub package_id: String,
    /// The sale came with a new commitment on a running contract.
    pub renewal: bool,
    pub commitment_end: Option<String>,
    /// Undone by a withdrawal from the distance sale (TRM-6).
    #[sqlx(default)]
    pub withdrawn_on: Option<String>,
    /// The device of a withdrawn sale came back.
    #[sqlx(default)]
    pub returned_on: Option<String>,
}

/// A promotion a market offers (PRM-1).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct PromotionOfferRow {
    pub market: String,
    pub id: String,
    pub name: String,
    pub data_factor: i64,
    pub voice_factor: i64,
    pub sms_factor: i64,
    /// A decimal string, 0–100.
    pub fee_discount_percent: String,
}

/// A promotion a contract carries (PRM-1…7).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct ContractPromotionRow {
    pub id: i64,
    pub contract_id: i64,
    pub offer: String,
    pub granted_on: String,
    pub base_fee_minor: i64,
    pub valid_until: String,
    pub status: String,
    pub ended_on: Option<String>,
}

/// From which day a promotion multiplies which package's allowances.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct PromotionStepRow {
    pub promotion_id: i64,
    pub seq: i64,
    pub valid_from: String,
    /// `None`: the promotion is not in force from that day.
    pub package_id: Option<String>,
    pub rule: String,
}

/// An API token; the secret itself is never stored.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct ApiTokenRow {
    pub id: i64,
    /// SHA-256 of the secret, hex.
    pub hash: String,
    pub role: String,
    pub customer_id: Option<i64>,
    pub label: Option<String>,
    pub created_on: String,
    pub revoked_on: Option<String>,
    /// Sessions end at this instant; API tokens do not expire.
    pub expires_at: Option<String>,
    /// A session opened with an API token lives only while that token does.
    pub opened_with_token: Option<i64>,
    /// A session opened with a password lives only while its user is enabled.
    pub opened_by_user: Option<i64>,
}

impl ApiTokenRow {
    /// Whether this is a console or self-care session (made at login), not
    /// an API token.
    pub fn is_session(&self) -> bool {
        self.expires_at.is_some()
            || self.opened_with_token.is_some()
            || self.opened_by_user.is_some()
    }
}

/// Someone who logs in to the console or self-care with a password.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct UserRow {
    pub id: i64,
    pub username: String,
    /// Argon2id, PHC string.
    pub password_hash: String,
    pub role: String,
    pub customer_id: Option<i64>,
    pub created_on: String,
    pub disabled_on: Option<String>,
}

/// A registered event listener (TMF hub).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct HubSubscriptionRow {
    pub id: i64,
    /// The API's base path it listens to.
    pub api: String,
    pub callback: String,
    /// The listener's filter, e.g. `eventType=CustomerCreateEvent`.
    pub query: Option<String>,
    pub created_at: String,
    pub deleted_at: Option<String>,
    /// The last audit event before it registered: it hears of later ones.
    pub from_audit_id: i64,
    /// The token that registered it.
    pub owner_token_id: Option<i64>,
    /// The key its events are signed with (never shown after registration).
    #[serde(skip)]
    pub secret: Option<String>,
}

/// An event waiting for (or done with) delivery to one listener.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct HubEventRow {
    pub id: i64,
    pub subscription_id: i64,
    pub event_type: String,
    /// The event body, JSON.
    pub payload: String,
    pub created_at: String,
    pub attempts: i64,
    pub next_attempt_at: String,
    pub delivered_at: Option<String>,
    pub given_up_at: Option<String>,
    pub last_error: Option<String>,
}

/// A spending limit set on a contract (USE-4).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct SpendingLimitRow {
    pub id: i64,
    pub contract_id: i64,
    pub amount_minor: i64,
    pub activated_on: String,
}

/// An itemised listing given for a contract's period (USE-5).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct ListingRow {
    pub id: i64,
    pub contract_id: i64,
    /// The month listed, YYYY-MM.
    pub period: String,
    pub requested_on: String,
    pub records: i64,
    pub pages: i64,
    /// paper or electronic.
    pub delivery: String,
}

/// The monthly bills of one market and period, as the bill-run page sums them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct BillRunTotal {
    pub market: String,
    pub period: String,
    pub bills: i64,
    pub total_minor: i64,
    pub first_issued_on: String,
}
