//! The scenario file (SCENARIOS.md): parsed and checked completely before
//! anything runs, so an invalid file changes nothing and names its line.

use std::collections::BTreeMap;

use jiff::civil::Date;
use serde::Deserialize;
use tarifa_core::catalog::{CatalogSpec, DeviceSpec, FeeSpec, PackageSpec, PromotionSpec};
use tarifa_core::time::parse_date;

/// Why a scenario file cannot run (exit code 2).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct InvalidScenario(pub String);

/// The steps later versions implement are refused by name, never ignored.

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ScenarioFile {
    name: String,
    market: String,
    start: toml::Value,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    package: Vec<PackageSpec>,
    #[serde(default)]
    device: Vec<DeviceSpec>,
    #[serde(default)]
    fee: Vec<FeeSpec>,
    #[serde(default)]
    promotion: Vec<PromotionSpec>,
    #[serde(default)]
    step: Vec<toml::Spanned<toml::Table>>,
}

/// A checked scenario.
#[derive(Debug, Clone)]
pub struct Scenario {
    pub name: String,
    pub description: Option<String>,
    pub market: String,
    pub start: Date,
    pub catalog: CatalogSpec,
    pub steps: Vec<Step>,
}

/// One step, with where it stands in the file.
#[derive(Debug, Clone)]
pub struct Step {
    /// 1-based position among the steps.
    pub number: usize,
    pub line: usize,
    pub on: Date,
    pub action: Action,
}

impl Step {
    pub fn name(&self) -> &'static str {
        self.action.name()
    }

    /// "step 3 (line 27, customer)" — how messages name a step.
    pub fn label(&self) -> String {
        format!("step {} (line {}, {})", self.number, self.line, self.name())
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CustomerStep {
    pub id: String,
    #[serde(default = "individual")]
    pub kind: String,
    #[serde(default = "citizen")]
    pub residency: String,
    pub name: String,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub phone: Option<String>,
    #[serde(default)]
    pub address: Option<String>,
    #[serde(default)]
    pub id_document: Option<String>,
    #[serde(default)]
    pub id_document_number: Option<String>,
    /// A business's or entrepreneur's tax number.
    #[serde(default)]
    pub tax_number: Option<String>,
    /// Written consent to keep copies of the identity documents (CON-4).
    #[serde(default)]
    pub copy_consent: bool,
    #[serde(default)]
    pub directory_opt_out: bool,
    /// A defence or security body (CON-15).
    #[serde(default)]
    pub security_body: bool,
    #[serde(default)]
    pub marketing_consent: bool,
    #[serde(default)]
    pub language: Option<String>,
}

fn individual() -> String {
    "individual".into()
}

fn citizen() -> String {
    "citizen".into()
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UpdateCustomerStep {
    pub customer: String,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub phone: Option<String>,
    #[serde(default)]
    pub address: Option<String>,
    #[serde(default)]
    pub id_document: Option<String>,
    #[serde(default)]
    pub id_document_number: Option<String>,
    #[serde(default)]
    pub tax_number: Option<String>,
    #[serde(default)]
    pub marketing_consent: Option<bool>,
    #[serde(default)]
    pub directory_opt_out: Option<bool>,
    #[serde(default)]
    pub language: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BenefitSpec {
    pub kind: String,
    pub amount: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeviceSaleSpec {
    pub id: String,
    #[serde(default)]
    pub imei: Option<String>,
    #[serde(default)]
    pub price: Option<String>,
    #[serde(default = "one")]
    pub instalments: u32,
}

fn one() -> u32 {
    1
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContractStep {
    pub id: String,
    pub customer: String,
    pub package: String,
    #[serde(default)]
    pub number: Option<String>,
    #[serde(default)]
    pub commitment_months: Option<u32>,
    #[serde(default)]
    pub benefits: Vec<BenefitSpec>,
    #[serde(default)]
    pub device: Option<DeviceSaleSpec>,
    #[serde(default)]
    pub promotion: Option<String>,
    #[serde(default = "store")]
    pub channel: String,
    /// The operator the number is ported in from (CON-13).
    #[serde(default)]
    pub ported_from: Option<String>,
}

fn store() -> String {
    "store".into()
}

/// One record of a `usage` step.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InlineRecord {
    /// The record id (default: `step<N>-<i>`); the same id twice is rated once.
    #[serde(default)]
    pub id: Option<String>,
    pub at: toml::Value,
    pub kind: String,
    pub to: String,
    #[serde(default)]
    pub seconds: Option<u64>,
    #[serde(default)]
    pub count: Option<u64>,
    #[serde(default)]
    pub bytes: Option<u64>,
    /// MB of 1024 × 1024 bytes, for convenience.
    #[serde(default)]
    pub mb: Option<u64>,
    #[serde(default)]
    pub roaming: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UsageStep {
    /// The subscriber number of inline records (a contract handle also works).
    #[serde(default)]
    pub number: Option<String>,
    #[serde(default)]
    pub contract: Option<String>,
    #[serde(default)]
    pub records: Vec<InlineRecord>,
    /// A CSV of usage records, relative to the scenario file.
    #[serde(default)]
    pub file: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ComplaintStep {
    pub id: String,
    pub customer: String,
    /// "last" or a bill number; omitted for a complaint about quality (CMP-6).
    #[serde(default)]
    pub bill: Option<String>,
    /// The amount disputed (default: the whole bill).
    #[serde(default)]
    pub disputed: Option<String>,
    pub channel: String,
    /// What the subscriber wrote (optional).
    #[serde(default)]
    pub description: Option<String>,
}

/// A credit note: `bill` ("last" of `customer`, or a bill number), and
/// either `amount` or `lines`, and `reason`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreditNoteStep {
    #[serde(default)]
    pub customer: Option<String>,
    pub bill: String,
    #[serde(default)]
    pub amount: Option<String>,
    #[serde(default)]
    pub lines: Vec<CreditNoteLineStep>,
    pub reason: String,
}

/// A line of the bill to credit (from 1), wholly or up to `amount`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreditNoteLineStep {
    pub line: usize,
    #[serde(default)]
    pub amount: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ComplaintDecisionStep {
    pub complaint: String,
    /// upheld or rejected.
    pub outcome: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AppealStep {
    pub complaint: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TerminateStep {
    pub contract: String,
    /// subscriber or operator.
    #[serde(default = "subscriber")]
    pub by: String,
    /// Free text or a rule id (CAT-4, CMP-6, TRM-5, TRM-6).
    #[serde(default)]
    pub reason: Option<String>,
    #[serde(default)]
    pub immediate: bool,
}

fn subscriber() -> String {
    "subscriber".into()
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReturnEquipmentStep {
    pub contract: String,
    pub device: String,
    #[serde(default)]
    pub damaged: bool,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PriceChangeStep {
    pub package: String,
    pub monthly_fee: String,
    pub effective: String,
    #[serde(default)]
    pub unfavourable: bool,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SpendingLimitStep {
    pub contract: String,
    pub amount: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListingStep {
    pub contract: String,
    /// `YYYY-MM`.
    pub period: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TransferStep {
    pub contract: String,
    /// The new owner (a customer handle).
    pub to: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeathStep {
    pub customer: String,
    pub died_on: String,
    /// The heir taking over (a customer handle).
    pub heir: String,
}

/// A number change (CON-13).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NumberChangeStep {
    pub contract: String,
    /// subscriber (on request, with the fee) or operator (with notice).
    #[serde(default = "subscriber")]
    pub by: String,
    #[serde(default)]
    pub number: Option<String>,
    /// When an operator's change takes effect.
    #[serde(default)]
    pub effective: Option<String>,
}

/// A finding of abuse (ABU-1, ABU-2, ABU-3, ABU-5).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AbuseStep {
    pub contract: String,
    /// bypass, harassment, flooding, access_refused, over_use, reselling,
    /// fraud, emergency_abuse, …
    pub kind: String,
    /// The days given to remedy over-use (ABU-5).
    pub remedy_days: Option<u32>,
}

/// A contract reference alone (abuse_remedied).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContractRef {
    pub contract: String,
}

/// An unlock request (UNL-1…12).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UnlockRequestStep {
    pub id: String,
    pub imei: String,
    /// owner, contact or proxy.
    #[serde(default = "owner")]
    pub requester: String,
    /// The request's data (UNL-4, UNL-5, UNL-7, UNL-10, UNL-11).
    #[serde(default)]
    pub fields: BTreeMap<String, toml::Value>,
    #[serde(default = "in_writing")]
    pub channel: String,
}

fn owner() -> String {
    "owner".into()
}

fn in_writing() -> String {
    "post".into()
}

/// An IMEI changed by an authorised repair (UNL-10).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImeiChangeStep {
    pub contract: String,
    /// The IMEI before the repair, when the contract has several devices.
    #[serde(default)]
    pub previous_imei: Option<String>,
    pub imei: String,
    pub service_report: String,
}

/// A reference to an unlock request (unlock_code_received).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UnlockRef {
    pub request: String,
}

/// A code entered on the device (UNL-9).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UnlockCodeEntryStep {
    pub request: String,
    pub correct: bool,
}

/// A change of the general terms (CAT-2, CAT-4).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TermsChangeStep {
    pub summary: String,
    /// The regulator approved it in advance (CAT-2).
    #[serde(default)]
    pub approved: bool,
    #[serde(default)]
    pub unfavourable: bool,
    pub effective: Option<String>,
}

/// A package withdrawn from sale (CAT-3).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WithdrawPackageStep {
    pub package: String,
    pub effective: String,
}

/// A number ported out to another operator (CON-13): the contract ends.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PortOutStep {
    pub contract: String,
    pub operator: String,
}

/// A relocation request (CON-10).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RelocationStep {
    pub contract: String,
    pub address: String,
}

/// The operator's answer to a relocation request (CON-10).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RelocationAnswerStep {
    pub contract: String,
    /// possible, infrastructure or impossible.
    pub outcome: String,
    /// The cost of new access infrastructure (with `infrastructure`).
    pub cost: Option<String>,
}

/// The relocation annex (CON-10).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RelocationAnnexStep {
    pub contract: String,
    /// subscriber_pays or new_commitment, when infrastructure is needed.
    pub infrastructure: Option<String>,
    pub commitment_months: Option<u32>,
}

/// Compensation claimed from the operator (ABU-4).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CompensationStep {
    pub contract: String,
    pub amount: String,
    /// intent, gross_negligence or other.
    pub cause: String,
}

/// Service interrupted by the operator (BIL-7).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InterruptionStep {
    pub contract: String,
    pub from: String,
    pub to: String,
    /// `interference` or `maintenance`.
    pub cause: String,
    /// When maintenance was announced in public media.
    #[serde(default)]
    pub announced: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PayStep {
    pub customer: String,
    pub amount: String,
    pub reference: String,
}

/// A bill an `expect` step looks for (by customer and period).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExpectedBill {
    pub customer: String,
    /// `YYYY-MM`.
    pub period: String,
    #[serde(default)]
    pub total: Option<String>,
    #[serde(default)]
    pub vat: Option<String>,
    #[serde(default)]
    pub previous_balance: Option<String>,
    #[serde(default)]
    pub total_due: Option<String>,
    #[serde(default)]
    pub from: Option<String>,
    #[serde(default)]
    pub to: Option<String>,
    #[serde(default)]
    pub issued: Option<String>,
    #[serde(default)]
    pub due: Option<String>,
    /// How the bill is delivered (BIL-6): post, app, email, sms.
    #[serde(default)]
    pub delivery: Option<String>,
    /// The owner's name and delivery address printed on it (BIL-2 element 1).
    #[serde(default)]
    pub owner: Option<String>,
    #[serde(default)]
    pub address: Option<String>,
    /// Whether the bill carries the NOT-2 letter about the end of a commitment.
    #[serde(default)]
    pub letter: Option<bool>,
    /// The number of usage classes listed (BIL-3 elements 2–4).
    #[serde(default)]
    pub usage_classes: Option<usize>,
    /// Amount of the lines of one kind, e.g. `{ subscription = "17.74" }`.
    #[serde(default)]
    pub lines: BTreeMap<String, String>,
    /// Amount of the one-time lines of a CAT-5 category, e.g. `{ device_instalment = "832.92" }`.
    #[serde(default)]
    pub categories: BTreeMap<String, String>,
}

/// One bill or several.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
#[allow(clippy::large_enum_variant)] // read once per step; boxing would buy nothing
pub enum ExpectedBills {
    One(ExpectedBill),
    Many(Vec<ExpectedBill>),
}

impl ExpectedBills {
    pub fn all(&self) -> Vec<&ExpectedBill> {
        match self {
            Self::One(b) => vec![b],
            Self::Many(bs) => bs.iter().collect(),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BuyDeviceStep {
    pub contract: String,
    pub device: DeviceSaleSpec,
    /// Another package to go with the device (PRM-7).
    #[serde(default)]
    pub package: Option<String>,
    #[serde(default)]
    pub commitment_months: Option<u32>,
    /// A promotion accepted with this renewal (PRM-1).
    #[serde(default)]
    pub promotion: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChangePackageStep {
    pub contract: String,
    pub package: String,
}

/// The decision an `expect` step looks for.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExpectedDecision {
    #[serde(default)]
    pub outcome: Option<String>,
    /// Every rule listed must be among the decision's rules.
    #[serde(default)]
    pub rules: Vec<String>,
    /// The action the decision answered (`contract`, `dunning`, …).
    #[serde(default)]
    pub action: Option<String>,
    /// A text one of the reasons must contain.
    #[serde(default)]
    pub reason: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExpectStep {
    #[serde(default)]
    pub contract_status: BTreeMap<String, String>,
    #[serde(default)]
    pub last_decision: Option<ExpectedDecision>,
    /// Contract → commitment end date, or "none" for an indefinite contract.
    #[serde(default)]
    pub commitment_end: BTreeMap<String, String>,
    /// Contract → current package.
    #[serde(default)]
    pub package: BTreeMap<String, String>,
    /// Contract → its subscriber number now.
    #[serde(default)]
    pub number: BTreeMap<String, String>,
    /// Customer → field → value, as stored (CON-12 changes, directory listing …).
    #[serde(default)]
    pub customer: BTreeMap<String, BTreeMap<String, String>>,
    /// Number of decisions taken so far, optionally by action.
    #[serde(default)]
    pub decisions: Option<DecisionCount>,
    #[serde(default)]
    pub bill: Option<ExpectedBills>,
    /// Customer → balance (negative: the customer owes).
    #[serde(default)]
    pub balance: BTreeMap<String, String>,
    /// Number of bills issued so far, by customer.
    #[serde(default)]
    pub bills: BTreeMap<String, usize>,
    /// Whether the ledger balances.
    #[serde(default)]
    pub ledger_balanced: Option<bool>,
    /// Notices of a kind a customer was sent so far.
    #[serde(default)]
    pub notices: Option<ExpectedNotices>,
    /// A fee charged on a contract.
    #[serde(default)]
    pub fee: Option<ExpectedFee>,
    /// A complaint's state and deadlines.
    #[serde(default)]
    pub complaint: Option<ExpectedComplaint>,
    /// Contract → status of its promotion (active, lapsed, lost, expired, none).
    #[serde(default)]
    pub promotion: BTreeMap<String, String>,
    /// An allowance a contract was granted on a period's bill.
    #[serde(default)]
    pub allowance: Option<ExpectedAllowances>,
    /// The credit notes of a customer's bill of a period.
    #[serde(default)]
    pub credit_note: Option<ExpectedCreditNote>,
}

/// The credit notes correcting a customer's bill of a period: how many,
/// and the amounts of the last.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExpectedCreditNote {
    pub customer: String,
    /// `YYYY-MM` of the bill corrected.
    pub period: String,
    #[serde(default)]
    pub count: Option<usize>,
    /// The last credit note's amount (negative), VAT included.
    #[serde(default)]
    pub total: Option<String>,
    #[serde(default)]
    pub vat: Option<String>,
    #[serde(default)]
    pub previous_balance: Option<String>,
    #[serde(default)]
    pub total_due: Option<String>,
    /// The rule that required it (CMP-3, TRM-6, CMP-6), if one did.
    #[serde(default)]
    pub rule: Option<String>,
}

/// One allowance or several.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum ExpectedAllowances {
    One(ExpectedAllowance),
    Many(Vec<ExpectedAllowance>),
}

impl ExpectedAllowances {
    pub fn all(&self) -> Vec<&ExpectedAllowance> {
        match self {
            Self::One(a) => vec![a],
            Self::Many(all) => all.iter().collect(),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExpectedAllowance {
    pub contract: String,
    /// `YYYY-MM`.
    pub period: String,
    /// voice / sms / data.
    #[serde(rename = "type")]
    pub kind: String,
    /// In the allowance's unit (minutes, messages, MB); -1 = unlimited.
    #[serde(default)]
    pub granted: Option<i64>,
    #[serde(default)]
    pub used: Option<i64>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExpectedComplaint {
    pub id: String,
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub decide_by: Option<String>,
    /// A date, or "none" while no appeal is possible.
    #[serde(default)]
    pub appeal_by: Option<String>,
    #[serde(default)]
    pub undisputed: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExpectedNotices {
    pub customer: String,
    pub kind: String,
    pub count: usize,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExpectedFee {
    pub contract: String,
    pub kind: String,
    pub amount: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DecisionCount {
    #[serde(default)]
    pub action: Option<String>,
    #[serde(default)]
    pub outcome: Option<String>,
    #[serde(default)]
    pub rule: Option<String>,
    pub count: usize,
}

#[derive(Debug, Clone)]
#[allow(clippy::large_enum_variant)] // one per step of a file; boxing would buy nothing
pub enum Action {
    Customer(CustomerStep),
    UpdateCustomer(UpdateCustomerStep),
    Contract(ContractStep),
    ChangePackage(ChangePackageStep),
    BuyDevice(BuyDeviceStep),
    Usage(UsageStep),
    Pay(PayStep),
    Interruption(InterruptionStep),
    Complaint(ComplaintStep),
    ComplaintDecision(ComplaintDecisionStep),
    CreditNote(CreditNoteStep),
    Appeal(AppealStep),
    Terminate(TerminateStep),
    PriceChange(PriceChangeStep),
    Transfer(TransferStep),
    Death(DeathStep),
    NumberChange(NumberChangeStep),
    PortOut(PortOutStep),
    WithdrawPackage(WithdrawPackageStep),
    TermsChange(TermsChangeStep),
    UnlockRequest(UnlockRequestStep),
    ImeiChange(ImeiChangeStep),
    UnlockCodeReceived(UnlockRef),
    UnlockCodeEntry(UnlockCodeEntryStep),
    Relocation(RelocationStep),
    RelocationAnswer(RelocationAnswerStep),
    RelocationAnnex(RelocationAnnexStep),
    RelocationDone(ContractRef),
    Abuse(AbuseStep),
    AbuseRemedied(ContractRef),
    Compensation(CompensationStep),
    SpendingLimit(SpendingLimitStep),
    Listing(ListingStep),
    ReturnEquipment(ReturnEquipmentStep),
    Advance,
    Expect(ExpectStep),
}

impl Action {
    pub fn name(&self) -> &'static str {
        match self {
            Self::Customer(_) => "customer",
            Self::UpdateCustomer(_) => "update_customer",
            Self::Contract(_) => "contract",
            Self::ChangePackage(_) => "change_package",
            Self::BuyDevice(_) => "buy_device",
            Self::Usage(_) => "usage",
            Self::Pay(_) => "pay",
            Self::Interruption(_) => "interruption",
            Self::Complaint(_) => "complaint",
            Self::ComplaintDecision(_) => "complaint_decision",
            Self::CreditNote(_) => "credit_note",
            Self::Appeal(_) => "appeal",
            Self::Terminate(_) => "terminate",
            Self::PriceChange(_) => "price_change",
            Self::Transfer(_) => "transfer",
            Self::Death(_) => "death",
            Self::NumberChange(_) => "number_change",
            Self::PortOut(_) => "port_out",
            Self::WithdrawPackage(_) => "withdraw_package",
            Self::TermsChange(_) => "terms_change",
            Self::UnlockRequest(_) => "unlock_request",
            Self::ImeiChange(_) => "imei_change",
            Self::UnlockCodeReceived(_) => "unlock_code_received",
            Self::UnlockCodeEntry(_) => "unlock_code_entry",
            Self::Relocation(_) => "relocation",
            Self::RelocationAnswer(_) => "relocation_answer",
            Self::RelocationAnnex(_) => "relocation_annex",
            Self::RelocationDone(_) => "relocation_done",
            Self::Abuse(_) => "abuse",
            Self::AbuseRemedied(_) => "abuse_remedied",
            Self::Compensation(_) => "compensation",
            Self::SpendingLimit(_) => "spending_limit",
            Self::Listing(_) => "listing",
            Self::ReturnEquipment(_) => "return_equipment",
            Self::Advance => "advance",
            Self::Expect(_) => "expect",
        }
    }
}

/// Line numbers of offsets that come in order: each counts only the lines
/// since the one before, so a file of many steps is read once, not once a
/// step.
struct Lines<'a> {
    text: &'a str,
    offset: usize,
    line: usize,
}

impl<'a> Lines<'a> {
    fn new(text: &'a str) -> Self {
        Self {
            text,
            offset: 0,
            line: 1,
        }
    }

    /// The line of `offset` (1-based).
    fn of(&mut self, offset: usize) -> usize {
        let offset = offset.min(self.text.len());
        if offset < self.offset {
            *self = Self::new(self.text);
        }
        self.line += memchr::memchr_iter(b'\n', &self.text.as_bytes()[self.offset..offset]).count();
        self.offset = offset;
        self.line
    }
}

fn date_value(value: &toml::Value) -> Result<Date, String> {
    match value {
        toml::Value::String(s) => parse_date(s),
        toml::Value::Datetime(d) => parse_date(&d.to_string()),
        other => Err(format!("expected a date \"YYYY-MM-DD\", got {other}")),
    }
}

impl Scenario {
    /// Parses and checks a scenario file. Every problem names its line.
    pub fn parse(text: &str) -> Result<Self, InvalidScenario> {
        let file: ScenarioFile = toml::from_str(text).map_err(|e| {
            InvalidScenario(format!("invalid scenario: {}", e.to_string().trim_end()))
        })?;
        let start = date_value(&file.start)
            .map_err(|e| InvalidScenario(format!("invalid scenario: start: {e}")))?;
        let mut steps = Vec::with_capacity(file.step.len());
        let mut previous = start;
        let mut lines = Lines::new(text);
        for (index, spanned) in file.step.iter().enumerate() {
            let number = index + 1;
            let line = lines.of(spanned.span().start);
            let fail = |message: String| {
                InvalidScenario(format!("step {number} (line {line}): {message}"))
            };
            let mut table = spanned.get_ref().clone();
            let on = table
                .remove("on")
                .ok_or_else(|| fail("missing field `on`".into()))?;
            let on = date_value(&on).map_err(|e| fail(format!("on: {e}")))?;
            if on < previous {
                return Err(fail(format!(
                    "on = {on} is before {previous}: steps must be in date order (and not before start)"
                )));
            }
            previous = on;
            let action = match table.remove("do") {
                Some(toml::Value::String(name)) => name,
                Some(other) => return Err(fail(format!("do: expected a step name, got {other}"))),
                None => return Err(fail("missing field `do`".into())),
            };
            let value = toml::Value::Table(table);
            let typed = |what: &str, e: toml::de::Error| fail(format!("{what}: {}", e.message()));
            let action = match action.as_str() {
                "customer" => Action::Customer(value.try_into().map_err(|e| typed("customer", e))?),
                "update_customer" => Action::UpdateCustomer(
                    value.try_into().map_err(|e| typed("update_customer", e))?,
                ),
                "contract" => Action::Contract(value.try_into().map_err(|e| typed("contract", e))?),
                "buy_device" => {
                    Action::BuyDevice(value.try_into().map_err(|e| typed("buy_device", e))?)
                }
                "change_package" => {
                    Action::ChangePackage(value.try_into().map_err(|e| typed("change_package", e))?)
                }
                "usage" => {
                    let step: UsageStep = value.try_into().map_err(|e| typed("usage", e))?;
                    if step.records.is_empty() == step.file.is_none() {
                        return Err(fail("usage: give either `records` or `file`".into()));
                    }
                    if !step.records.is_empty() && step.number.is_none() == step.contract.is_none()
                    {
                        return Err(fail(
                            "usage: inline records need `number` (or `contract`)".into(),
                        ));
                    }
                    Action::Usage(step)
                }
                "pay" => Action::Pay(value.try_into().map_err(|e| typed("pay", e))?),
                "complaint" => {
                    Action::Complaint(value.try_into().map_err(|e| typed("complaint", e))?)
                }
                "complaint_decision" => Action::ComplaintDecision(
                    value
                        .try_into()
                        .map_err(|e| typed("complaint_decision", e))?,
                ),
                "credit_note" => {
                    let step: CreditNoteStep =
                        value.try_into().map_err(|e| typed("credit_note", e))?;
                    if step.amount.is_none() == step.lines.is_empty() {
                        return Err(fail("credit_note: give either `amount` or `lines`".into()));
                    }
                    if step.bill == "last" && step.customer.is_none() {
                        return Err(fail("credit_note: bill = \"last\" needs `customer`".into()));
                    }
                    Action::CreditNote(step)
                }
                "appeal" => Action::Appeal(value.try_into().map_err(|e| typed("appeal", e))?),
                "terminate" => {
                    Action::Terminate(value.try_into().map_err(|e| typed("terminate", e))?)
                }
                "price_change" => {
                    Action::PriceChange(value.try_into().map_err(|e| typed("price_change", e))?)
                }
                "spending_limit" => {
                    Action::SpendingLimit(value.try_into().map_err(|e| typed("spending_limit", e))?)
                }
                "listing" => Action::Listing(value.try_into().map_err(|e| typed("listing", e))?),
                "transfer" => Action::Transfer(value.try_into().map_err(|e| typed("transfer", e))?),
                "death" => Action::Death(value.try_into().map_err(|e| typed("death", e))?),
                "abuse" => Action::Abuse(value.try_into().map_err(|e| typed("abuse", e))?),
                "imei_change" => {
                    Action::ImeiChange(value.try_into().map_err(|e| typed("imei_change", e))?)
                }
                "unlock_request" => {
                    Action::UnlockRequest(value.try_into().map_err(|e| typed("unlock_request", e))?)
                }
                "unlock_code_received" => Action::UnlockCodeReceived(
                    value
                        .try_into()
                        .map_err(|e| typed("unlock_code_received", e))?,
                ),
                "unlock_code_entry" => Action::UnlockCodeEntry(
                    value
                        .try_into()
                        .map_err(|e| typed("unlock_code_entry", e))?,
                ),
                "terms_change" => {
                    Action::TermsChange(value.try_into().map_err(|e| typed("terms_change", e))?)
                }
                "withdraw_package" => Action::WithdrawPackage(
                    value.try_into().map_err(|e| typed("withdraw_package", e))?,
                ),
                "port_out" => Action::PortOut(value.try_into().map_err(|e| typed("port_out", e))?),
                "relocation" => {
                    Action::Relocation(value.try_into().map_err(|e| typed("relocation", e))?)
                }
                "relocation_answer" => Action::RelocationAnswer(
                    value
                        .try_into()
                        .map_err(|e| typed("relocation_answer", e))?,
                ),
                "relocation_annex" => Action::RelocationAnnex(
                    value.try_into().map_err(|e| typed("relocation_annex", e))?,
                ),
                "relocation_done" => Action::RelocationDone(
                    value.try_into().map_err(|e| typed("relocation_done", e))?,
                ),
                "abuse_remedied" => {
                    Action::AbuseRemedied(value.try_into().map_err(|e| typed("abuse_remedied", e))?)
                }
                "compensation" => {
                    Action::Compensation(value.try_into().map_err(|e| typed("compensation", e))?)
                }
                "number_change" => {
                    Action::NumberChange(value.try_into().map_err(|e| typed("number_change", e))?)
                }
                "return_equipment" => Action::ReturnEquipment(
                    value.try_into().map_err(|e| typed("return_equipment", e))?,
                ),
                "interruption" => {
                    Action::Interruption(value.try_into().map_err(|e| typed("interruption", e))?)
                }
                "advance" => {
                    if let toml::Value::Table(rest) = &value
                        && let Some(key) = rest.keys().next()
                    {
                        return Err(fail(format!(
                            "advance: unknown field `{key}` (advance only moves the clock)"
                        )));
                    }
                    Action::Advance
                }
                "expect" => {
                    if let toml::Value::Table(rest) = &value
                        && rest.is_empty()
                    {
                        return Err(fail("expect: no assertion given".into()));
                    }
                    Action::Expect(value.try_into().map_err(|e| typed("expect", e))?)
                }
                other => return Err(fail(format!("unknown step do = {other:?}"))),
            };
            steps.push(Step {
                number,
                line,
                on,
                action,
            });
        }
        Ok(Self {
            name: file.name,
            description: file.description,
            market: file.market,
            start,
            catalog: CatalogSpec {
                package: file.package,
                device: file.device,
                fee: file.fee,
                promotion: file.promotion,
            },
            steps,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = "name = \"t\"\nmarket = \"me\"\nstart = \"2026-01-01\"\n";

    #[test]
    fn parses_steps_with_their_lines() {
        let text = format!(
            "{HEADER}\n[[step]]\non = \"2026-01-02\"\ndo = \"customer\"\nid = \"ana\"\nname = \"Ana\"\n\n[[step]]\non = 2026-01-03\ndo = \"advance\"\n"
        );
        let scenario = Scenario::parse(&text).expect("valid");
        assert_eq!(scenario.steps.len(), 2);
        assert_eq!(scenario.steps[0].line, 5);
        assert_eq!(scenario.steps[1].line, 11);
        assert_eq!(scenario.steps[1].on.to_string(), "2026-01-03");
    }

    #[test]
    fn refuses_with_the_line_and_field() {
        let text = format!(
            "{HEADER}\n[[step]]\non = \"2026-01-02\"\ndo = \"customer\"\nid = \"ana\"\nnmae = \"Ana\"\n"
        );
        let err = Scenario::parse(&text).expect_err("typo");
        assert!(err.0.contains("line 5") && err.0.contains("nmae"), "{err}");

        let text = format!("{HEADER}\n[[step]]\non = \"2026-01-02\"\ndo = \"buy_device\"\n");
        let err = Scenario::parse(&text).expect_err("no contract");
        assert!(
            err.0.contains("buy_device") && err.0.contains("contract"),
            "{err}"
        );

        let text = format!(
            "{HEADER}\n[[step]]\non = \"2026-01-02\"\ndo = \"usage\"\nnumber = \"+38220000001\"\n"
        );
        let err = Scenario::parse(&text).expect_err("no records");
        assert!(err.0.contains("`records` or `file`"), "{err}");

        let text = format!(
            "{HEADER}\n[[step]]\non = \"2026-01-05\"\ndo = \"advance\"\n[[step]]\non = \"2026-01-04\"\ndo = \"advance\"\n"
        );
        let err = Scenario::parse(&text).expect_err("out of order");
        assert!(
            err.0.contains("step 2") && err.0.contains("date order"),
            "{err}"
        );

        let err =
            Scenario::parse("name = \"t\"\nmarket = \"me\"\nstart = \"2026-01-01\"\nbogus = 1\n")
                .expect_err("unknown key");
        assert!(err.0.contains("line 4") || err.0.contains("bogus"), "{err}");

        let err =
            Scenario::parse("name = \"t\"\nmarket = \"me\"\nstart = \"2026-01-01\"\n[[step]\n")
                .expect_err("syntax");
        assert!(err.0.contains("line 4"), "{err}");
    }
}
