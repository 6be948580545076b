//! `tarifa simulate`: a scenario drives the application through dated steps
//! on a virtual clock, from an empty store, and ends with a report.
//!
//! The runner uses the same services, store and scheduler as the server; only
//! the clock differs (manual instead of system).

mod expect;
mod report;
pub mod scenario;

use std::collections::BTreeMap;
use std::sync::Arc;

use tarifa_core::contract::{Benefit, BenefitKind, SalesChannel};
use tarifa_core::market::Market;
use tarifa_core::party::{IdDocumentKind, PartyApplication, PartyKind, Residency};
use tarifa_core::relocation::{Answer, Infrastructure};
use tarifa_core::time::ManualClock;
use tarifa_store::Store;

use crate::contracts::{DeviceInput, SignRequest};
use crate::customers::CustomerChanges;
use crate::relocation::RelocationStep;
use crate::{App, AppError, Ctx};
pub use scenario::{InvalidScenario, Scenario};

/// How a run ended.
#[derive(Debug)]
pub struct Simulation {
    /// The report of SCENARIOS.md.
    pub report: serde_json::Value,
    /// Every `expect` that did not hold, naming its step.
    pub failures: Vec<String>,
}

impl Simulation {
    /// 0 when every expectation held, 1 otherwise.
    pub fn exit_code(&self) -> i32 {
        i32::from(!self.failures.is_empty())
    }
}

/// Runs a scenario against a fresh in-memory store. `markets` resolves a
/// market id to its preset.
pub async fn run(
    scenario: &Scenario,
    market_for: impl Fn(&str) -> Option<Market>,
) -> Result<Simulation, InvalidScenario> {
    run_on(scenario, market_for, "sqlite::memory:", None).await
}

/// Runs a scenario against the (empty) database at `url`.
pub async fn run_on(
    scenario: &Scenario,
    market_for: impl Fn(&str) -> Option<Market>,
    url: &str,
    base_dir: Option<&std::path::Path>,
) -> Result<Simulation, InvalidScenario> {
    let market = market_for(&scenario.market).ok_or_else(|| {
        InvalidScenario(format!(
            "invalid scenario: market: unknown market {:?} (rs, hu, me)",
            scenario.market
        ))
    })?;
    let additions = scenario
        .catalog
        .resolve(market.currency, &market.vat.class_names())
        .map_err(|e| InvalidScenario(format!("invalid scenario: {}: {}", e.field, e.reason)))?;
    let internal = |e: AppError| InvalidScenario(format!("could not run the scenario: {e}"));
    let store = Store::open(url).await.map_err(|e| internal(e.into()))?;
    // A scenario's customers and contracts are fictitious: in a live
    // database the scheduler would bill them.
    if store.holds_data().await.map_err(|e| internal(e.into()))? {
        store.close().await;
        return Err(InvalidScenario(format!(
            "{} already holds data (customers or an audit trail): a scenario runs only on an empty database",
            tarifa_store::redact(url)
        )));
    }
    let clock = Arc::new(ManualClock::at_date(scenario.start, &market.time_zone));
    let app = App::new(store, vec![market.clone()], clock.clone())
        .await
        .map_err(internal)?;
    let setup = Ctx::new("simulate").with_context("setup");
    if !additions.packages.is_empty() || !additions.devices.is_empty() || !additions.fees.is_empty()
    {
        app.update_catalog(&setup, &market, &additions)
            .await
            .map_err(internal)?;
    }

    let mut runner = Runner {
        app: &app,
        market: &market,
        customers: BTreeMap::new(),
        contracts: BTreeMap::new(),
        complaints: BTreeMap::new(),
        unlocks: BTreeMap::new(),
        failures: Vec::new(),
        base_dir: base_dir.map(std::path::Path::to_path_buf),
    };
    for step in &scenario.steps {
        clock.set_date(step.on, &market.time_zone);
        let ctx = Ctx::new("simulate").with_context(format!("step {}", step.number));
        app.run_scheduler(&ctx, scenario.start, step.on)
            .await
            .map_err(|e| InvalidScenario(format!("{}: the scheduler failed: {e}", step.label())))?;
        runner
            .step(step, &ctx)
            .await
            .map_err(|e| InvalidScenario(format!("{}: {e}", step.label())))?;
    }
    let report = report::build(&app, scenario, &market)
        .await
        .map_err(internal)?;
    app.store().close().await;
    Ok(Simulation {
        report,
        failures: runner.failures,
    })
}

struct Runner<'a> {
    app: &'a App,
    market: &'a Market,
    customers: BTreeMap<String, i64>,
    contracts: BTreeMap<String, i64>,
    complaints: BTreeMap<String, i64>,
    unlocks: BTreeMap<String, i64>,
    failures: Vec<String>,
    base_dir: Option<std::path::PathBuf>,
}

fn field<T: std::str::FromStr<Err = String>>(name: &str, text: &str) -> Result<T, AppError> {
    text.parse().map_err(|e| AppError::invalid(name, e))
}

impl Runner<'_> {
    fn customer(&self, handle: &str) -> Result<i64, AppError> {
        self.customers.get(handle).copied().ok_or_else(|| {
            AppError::invalid(
                "customer",
                format!("no customer {handle:?} was registered before this step"),
            )
        })
    }

    fn contract(&self, handle: &str) -> Result<i64, AppError> {
        self.contracts.get(handle).copied().ok_or_else(|| {
            AppError::invalid(
                "contract",
                format!("no contract {handle:?} was signed before this step"),
            )
        })
    }

    fn complaint(&self, handle: &str) -> Result<i64, AppError> {
        self.complaints.get(handle).copied().ok_or_else(|| {
            AppError::invalid(
                "complaint",
                format!("no complaint {handle:?} was filed before this step"),
            )
        })
    }

    fn unlock(&self, handle: &str) -> Result<i64, AppError> {
        self.unlocks.get(handle).copied().ok_or_else(|| {
            AppError::invalid(
                "request",
                format!("no unlock request {handle:?} was recorded before this step"),
            )
        })
    }

    fn money(&self, name: &str, text: &str) -> Result<tarifa_core::money::Money, AppError> {
        self.market
            .money(text)
            .map_err(|e| AppError::invalid(name, e.to_string()))
    }

    fn device_input(&self, d: &scenario::DeviceSaleSpec) -> Result<DeviceInput, AppError> {
        Ok(DeviceInput {
            device: d.id.clone(),
            imei: d.imei.clone(),
            price: d
                .price
                .as_deref()
                .map(|p| self.money("device.price", p))
                .transpose()?,
            instalments: d.instalments,
        })
    }

    async fn step(&mut self, step: &scenario::Step, ctx: &Ctx) -> Result<(), AppError> {
        use scenario::Action;
        match &step.action {
            Action::Customer(c) => {
                if self.customers.contains_key(&c.id) {
                    return Err(AppError::invalid(
                        "id",
                        format!("customer {:?} is already registered", c.id),
                    ));
                }
                let application = PartyApplication {
                    kind: field::<PartyKind>("kind", &c.kind)?,
                    residency: field::<Residency>("residency", &c.residency)?,
                    name: c.name.clone(),
                    email: c.email.clone(),
                    phone: c.phone.clone(),
                    address: c.address.clone(),
                    id_document: c
                        .id_document
                        .as_deref()
                        .map(|d| field::<IdDocumentKind>("id_document", d))
                        .transpose()?,
                    id_document_number: c.id_document_number.clone(),
                    tax_number: c.tax_number.clone(),
                    copy_consent: c.copy_consent,
                    directory_opt_out: c.directory_opt_out,
                    security_body: c.security_body,
                    marketing_consent: c.marketing_consent,
                    language: c.language.clone(),
                };
                let decided = self
                    .app
                    .register_customer(ctx, &self.market.id, Some(&c.id), application)
                    .await?;
                if let Some(id) = decided.value {
                    self.customers.insert(c.id.clone(), id);
                }
            }
            Action::UpdateCustomer(u) => {
                let id = self.customer(&u.customer)?;
                let changes = CustomerChanges {
                    name: u.name.clone(),
                    email: u.email.clone(),
                    phone: u.phone.clone(),
                    address: u.address.clone(),
                    id_document: u
                        .id_document
                        .as_deref()
                        .map(|d| field::<IdDocumentKind>("id_document", d))
                        .transpose()?,
                    id_document_number: u.id_document_number.clone(),
                    tax_number: u.tax_number.clone(),
                    marketing_consent: u.marketing_consent,
                    directory_opt_out: u.directory_opt_out,
                    language: u.language.clone(),
                };
                self.app.change_customer(ctx, id, changes).await?;
            }
            Action::Contract(c) => {
                if self.contracts.contains_key(&c.id) {
                    return Err(AppError::invalid(
                        "id",
                        format!("contract {:?} already exists", c.id),
                    ));
                }
                let customer_id = self.customer(&c.customer)?;
                let benefits = c
                    .benefits
                    .iter()
                    .enumerate()
                    .map(|(i, b)| {
                        Ok(Benefit {
                            kind: field::<BenefitKind>(&format!("benefits[{i}].kind"), &b.kind)?,
                            amount: self.money(&format!("benefits[{i}].amount"), &b.amount)?,
                        })
                    })
                    .collect::<Result<Vec<_>, AppError>>()?;
                let device = c
                    .device
                    .as_ref()
                    .map(|d| self.device_input(d))
                    .transpose()?;
                let request = SignRequest {
                    customer_id,
                    handle: Some(c.id.clone()),
                    package: c.package.clone(),
                    number: c.number.clone(),
                    commitment_months: c.commitment_months,
                    benefits,
                    device,
                    channel: field::<SalesChannel>("channel", &c.channel)?,
                    ported_from: c.ported_from.clone(),
                    promotion: c.promotion.clone(),
                };
                let decided = self.app.sign_contract(ctx, request).await?;
                if let Some(id) = decided.value {
                    self.contracts.insert(c.id.clone(), id);
                }
            }
            Action::ChangePackage(c) => {
                let id = self.contract(&c.contract)?;
                self.app.change_package(ctx, id, &c.package).await?;
            }
            Action::BuyDevice(b) => {
                let id = self.contract(&b.contract)?;
                let request = crate::sales::DevicePurchaseRequest {
                    device: self.device_input(&b.device)?,
                    package: b.package.clone(),
                    commitment_months: b.commitment_months,
                    promotion: b.promotion.clone(),
                };
                self.app.buy_device(ctx, id, request).await?;
            }
            Action::Usage(u) => self.usage(step, u, ctx).await?,
            Action::Pay(p) => {
                let customer = self.customer(&p.customer)?;
                let amount = self.money("amount", &p.amount)?;
                self.app.pay(ctx, customer, amount, &p.reference).await?;
            }
            Action::Interruption(i) => {
                let id = self.contract(&i.contract)?;
                let date = |name: &str, text: &str| {
                    tarifa_core::time::parse_date(text).map_err(|e| AppError::invalid(name, e))
                };
                let cause = i
                    .cause
                    .parse()
                    .map_err(|e: String| AppError::invalid("cause", e))?;
                let announced = i
                    .announced
                    .as_deref()
                    .map(|a| date("announced", a))
                    .transpose()?;
                self.app
                    .record_interruption(
                        ctx,
                        id,
                        date("from", &i.from)?,
                        date("to", &i.to)?,
                        cause,
                        announced,
                    )
                    .await?;
            }
            Action::Complaint(c) => {
                if self.complaints.contains_key(&c.id) {
                    return Err(AppError::invalid(
                        "id",
                        format!("complaint {:?} already exists", c.id),
                    ));
                }
                let customer = self.customer(&c.customer)?;
                let bill = c.bill.as_deref().map(|b| match b {
                    "last" => crate::complaints::BillRef::Last,
                    number => crate::complaints::BillRef::Number(number.to_owned()),
                });
                let disputed = c
                    .disputed
                    .as_deref()
                    .map(|d| self.money("disputed", d))
                    .transpose()?;
                let decided = self
                    .app
                    .file_complaint(
                        ctx,
                        customer,
                        crate::complaints::NewComplaint {
                            handle: Some(&c.id),
                            bill,
                            disputed,
                            channel: &c.channel,
                            description: c.description.as_deref(),
                        },
                    )
                    .await?;
                if let Some(id) = decided.value {
                    self.complaints.insert(c.id.clone(), id);
                }
            }
            Action::CreditNote(c) => {
                let number = match (c.bill.as_str(), &c.customer) {
                    ("last", Some(customer)) => {
                        let customer = self.customer(customer)?;
                        self.app
                            .last_bill_number(ctx, customer)
                            .await?
                            .ok_or_else(|| AppError::not_found("bill", "last"))?
                    }
                    (number, _) => number.to_owned(),
                };
                let credit = match &c.amount {
                    Some(amount) => crate::corrections::Credit::Amount(amount.clone()),
                    None => crate::corrections::Credit::Lines(
                        c.lines.iter().map(|l| (l.line, l.amount.clone())).collect(),
                    ),
                };
                self.app
                    .credit_note(ctx, &number, &credit, &c.reason)
                    .await?;
            }
            Action::ComplaintDecision(d) => {
                let id = self.complaint(&d.complaint)?;
                let verdict = d
                    .outcome
                    .parse()
                    .map_err(|e: String| AppError::invalid("outcome", e))?;
                self.app.decide_complaint(ctx, id, verdict).await?;
            }
            Action::Appeal(a) => {
                let id = self.complaint(&a.complaint)?;
                self.app.appeal_complaint(ctx, id).await?;
            }
            Action::Terminate(t) => {
                let id = self.contract(&t.contract)?;
                let by = match t.by.as_str() {
                    "subscriber" => tarifa_core::termination::TerminatedBy::Subscriber,
                    "operator" => tarifa_core::termination::TerminatedBy::Operator,
                    other => {
                        return Err(AppError::invalid(
                            "by",
                            format!("{other:?} is not subscriber or operator"),
                        ));
                    }
                };
                self.app
                    .terminate(ctx, id, by, t.reason.as_deref().unwrap_or(""))
                    .await?;
            }
            Action::ReturnEquipment(r) => {
                let id = self.contract(&r.contract)?;
                self.app
                    .return_equipment(ctx, id, &r.device, r.damaged)
                    .await?;
            }
            Action::PriceChange(p) => {
                let fee = self.money("monthly_fee", &p.monthly_fee)?;
                let effective = tarifa_core::time::parse_date(&p.effective)
                    .map_err(|e| AppError::invalid("effective", e))?;
                self.app
                    .announce_price_change(
                        ctx,
                        &self.market.id,
                        &p.package,
                        fee,
                        effective,
                        p.unfavourable,
                    )
                    .await?;
            }
            Action::SpendingLimit(l) => {
                let id = self.contract(&l.contract)?;
                let amount = self.money("amount", &l.amount)?;
                self.app.set_spending_limit(ctx, id, amount).await?;
            }
            Action::Listing(l) => {
                let id = self.contract(&l.contract)?;
                self.app.request_listing(ctx, id, &l.period).await?;
            }
            Action::Transfer(t) => {
                let id = self.contract(&t.contract)?;
                let to = self.customer(&t.to)?;
                self.app.transfer(ctx, id, to).await?;
            }
            Action::Death(d) => {
                let customer = self.customer(&d.customer)?;
                let heir = self.customer(&d.heir)?;
                let died_on = tarifa_core::time::parse_date(&d.died_on)
                    .map_err(|e| AppError::invalid("died_on", e))?;
                self.app.succession(ctx, customer, died_on, heir).await?;
            }
            Action::NumberChange(n) => {
                let id = self.contract(&n.contract)?;
                let by = match n.by.as_str() {
                    "subscriber" => crate::ownership::NumberChangeBy::Subscriber,
                    "operator" => crate::ownership::NumberChangeBy::Operator,
                    other => {
                        return Err(AppError::invalid(
                            "by",
                            format!("{other:?} is not subscriber or operator"),
                        ));
                    }
                };
                let effective = n
                    .effective
                    .as_deref()
                    .map(|d| {
                        tarifa_core::time::parse_date(d)
                            .map_err(|e| AppError::invalid("effective", e))
                    })
                    .transpose()?;
                self.app
                    .change_number(ctx, id, by, n.number.clone(), effective)
                    .await?;
            }
            Action::UnlockRequest(u) => {
                if self.unlocks.contains_key(&u.id) {
                    return Err(AppError::invalid(
                        "id",
                        format!("unlock request {:?} exists already", u.id),
                    ));
                }
                // A `false` flag is the same as leaving the field out.
                let fields = u
                    .fields
                    .iter()
                    .filter_map(|(k, v)| {
                        let text = match v {
                            toml::Value::String(s) => s.clone(),
                            toml::Value::Boolean(false) => return None,
                            other => other.to_string(),
                        };
                        Some((k.clone(), text))
                    })
                    .collect();
                let request = crate::unlock::UnlockRequest {
                    handle: Some(u.id.clone()),
                    imei: u.imei.clone(),
                    requester: field("requester", &u.requester)?,
                    channel: u.channel.clone(),
                    fields,
                };
                let decided = self
                    .app
                    .request_unlock(ctx, &self.market.id, request)
                    .await?;
                if let Some(id) = decided.value {
                    self.unlocks.insert(u.id.clone(), id);
                }
            }
            Action::ImeiChange(i) => {
                let id = self.contract(&i.contract)?;
                self.app
                    .record_imei_change(
                        ctx,
                        id,
                        i.previous_imei.as_deref(),
                        &i.imei,
                        &i.service_report,
                    )
                    .await?;
            }
            Action::UnlockCodeReceived(u) => {
                let id = self.unlock(&u.request)?;
                self.app.unlock_code_received(ctx, id).await?;
            }
            Action::UnlockCodeEntry(u) => {
                let id = self.unlock(&u.request)?;
                self.app.unlock_code_entry(ctx, id, u.correct).await?;
            }
            Action::TermsChange(t) => {
                let effective = t
                    .effective
                    .as_deref()
                    .map(tarifa_core::time::parse_date)
                    .transpose()
                    .map_err(|e| AppError::invalid("effective", e))?;
                let change = crate::terms::TermsChange {
                    summary: t.summary.clone(),
                    approved: t.approved,
                    unfavourable: t.unfavourable,
                    effective,
                };
                self.app.change_terms(ctx, &self.market.id, change).await?;
            }
            Action::WithdrawPackage(w) => {
                let effective = tarifa_core::time::parse_date(&w.effective)
                    .map_err(|e| AppError::invalid("effective", e))?;
                self.app
                    .withdraw_package(ctx, &self.market.id, &w.package, effective)
                    .await?;
            }
            Action::PortOut(p) => {
                let id = self.contract(&p.contract)?;
                self.app.port_out(ctx, id, &p.operator).await?;
            }
            Action::Relocation(r) => {
                let id = self.contract(&r.contract)?;
                let step = RelocationStep::Request {
                    address: r.address.clone(),
                };
                self.app.relocate(ctx, id, step).await?;
            }
            Action::RelocationAnswer(r) => {
                let id = self.contract(&r.contract)?;
                let answer = match r.outcome.as_str() {
                    "possible" => Answer::Possible,
                    "impossible" => Answer::Impossible,
                    "infrastructure" => {
                        let cost = r.cost.as_deref().ok_or_else(|| {
                            AppError::invalid("cost", "infrastructure needs its cost")
                        })?;
                        Answer::Infrastructure(self.money("cost", cost)?)
                    }
                    other => {
                        return Err(AppError::invalid(
                            "outcome",
                            format!("{other:?}: possible, infrastructure or impossible"),
                        ));
                    }
                };
                self.app
                    .relocate(ctx, id, RelocationStep::Answer(answer))
                    .await?;
            }
            Action::RelocationAnnex(r) => {
                let id = self.contract(&r.contract)?;
                let infrastructure = match r.infrastructure.as_deref() {
                    None => None,
                    Some("subscriber_pays") => Some(Infrastructure::SubscriberPays),
                    Some("new_commitment") => Some(Infrastructure::NewCommitment(
                        r.commitment_months.ok_or_else(|| {
                            AppError::invalid(
                                "commitment_months",
                                "a new commitment needs its months",
                            )
                        })?,
                    )),
                    Some(other) => {
                        return Err(AppError::invalid(
                            "infrastructure",
                            format!("{other:?}: subscriber_pays or new_commitment"),
                        ));
                    }
                };
                self.app
                    .relocate(ctx, id, RelocationStep::Annex(infrastructure))
                    .await?;
            }
            Action::RelocationDone(r) => {
                let id = self.contract(&r.contract)?;
                self.app.relocate(ctx, id, RelocationStep::Done).await?;
            }
            Action::Abuse(a) => {
                let id = self.contract(&a.contract)?;
                let kind = a
                    .kind
                    .parse()
                    .map_err(|e: String| AppError::invalid("kind", e))?;
                self.app.report_abuse(ctx, id, kind, a.remedy_days).await?;
            }
            Action::AbuseRemedied(a) => {
                let id = self.contract(&a.contract)?;
                self.app.remedy_abuse(ctx, id).await?;
            }
            Action::Compensation(c) => {
                let id = self.contract(&c.contract)?;
                let amount = self.money("amount", &c.amount)?;
                let cause = c
                    .cause
                    .parse()
                    .map_err(|e: String| AppError::invalid("cause", e))?;
                self.app.compensate(ctx, id, cause, amount).await?;
            }
            Action::Advance => {}
            Action::Expect(e) => {
                let failures = expect::check(
                    self.app,
                    self.market,
                    &self.contracts,
                    &self.customers,
                    &self.complaints,
                    e,
                )
                .await?;
                self.failures.extend(
                    failures
                        .into_iter()
                        .map(|f| format!("{} on {}: {f}", step.label(), step.on)),
                );
            }
        }
        Ok(())
    }
}

impl Runner<'_> {
    async fn usage(
        &mut self,
        step: &scenario::Step,
        u: &scenario::UsageStep,
        ctx: &Ctx,
    ) -> Result<(), AppError> {
        if let Some(file) = &u.file {
            let path = match &self.base_dir {
                Some(dir) => dir.join(file),
                None => std::path::PathBuf::from(file),
            };
            let reader = std::fs::File::open(&path)
                .map_err(|e| AppError::invalid("file", format!("{}: {e}", path.display())))?;
            let summary = self
                .app
                .import_usage_csv(
                    ctx,
                    &path.display().to_string(),
                    std::io::BufReader::new(reader),
                    |_| {},
                )
                .await?;
            let decision = summary.decision(
                format!(
                    "{} records of {} charged to their subscribers",
                    summary.imported,
                    path.display()
                ),
                "line",
            );
            let mut tx = self.app.begin(ctx).await?;
            crate::record(&mut tx, self.market, step.on, "usage", None, &decision, ctx).await?;
            tx.commit().await?;
            return Ok(());
        }
        let number = match (&u.number, &u.contract) {
            (Some(number), _) => number.clone(),
            (None, Some(handle)) => {
                let id = self.contract(handle)?;
                self.app.contract(id).await?.number
            }
            (None, None) => {
                return Err(AppError::invalid("number", "inline records need a number"));
            }
        };
        let mut records = Vec::with_capacity(u.records.len());
        for (i, r) in u.records.iter().enumerate() {
            let field_name = |name: &str| format!("records[{i}].{name}");
            let at = match &r.at {
                toml::Value::String(s) => s.clone(),
                toml::Value::Datetime(d) => d.to_string(),
                other => {
                    return Err(AppError::invalid(
                        field_name("at"),
                        format!("expected a local date and time, got {other}"),
                    ));
                }
            };
            let quantity = match (r.kind.as_str(), r.seconds, r.count, r.bytes, r.mb) {
                ("voice", Some(q), None, None, None) => q,
                ("sms", None, Some(q), None, None) => q,
                ("sms", None, None, None, None) => 1,
                ("data", None, None, Some(q), None) => q,
                ("data", None, None, None, Some(mb)) => mb.saturating_mul(tarifa_core::usage::MB),
                (kind, ..) => {
                    return Err(AppError::invalid(
                        field_name("kind"),
                        format!(
                            "a {kind} record gives its quantity as seconds (voice), count (sms) or bytes / mb (data), once"
                        ),
                    ));
                }
            };
            let id =
                r.id.clone()
                    .unwrap_or_else(|| format!("step{}-{}", step.number, i + 1));
            let quantity = quantity.to_string();
            let roaming = r.roaming.clone().unwrap_or_default();
            let fields = [
                id.as_str(),
                number.as_str(),
                at.as_str(),
                r.kind.as_str(),
                r.to.as_str(),
                quantity.as_str(),
                roaming.as_str(),
            ];
            let record = tarifa_core::usage::UsageRecord::parse(&fields, &self.market.time_zone)
                .map_err(|e| AppError::invalid(format!("records[{i}]"), e.to_string()))?;
            records.push((u64::try_from(i + 1).unwrap_or(0), record));
        }
        self.app
            .import_records_decided(ctx, self.market, &records)
            .await?;
        Ok(())
    }
}
