//! Signing contracts and changing their package.

use tarifa_core::contract::{self, Benefit, ContractApplication, DeviceRequest, SalesChannel};
use tarifa_core::money::Money;
use tarifa_core::phrase::Phrase;
use tarifa_core::rule::{Decision, rules};

use crate::charges::{Charge, charge_row};
use crate::{App, AppError, Ctx, Decided, Result, conclude, convert};

/// A device handed over at signing, as asked.
#[derive(Clone, Debug)]
pub struct DeviceInput {
    pub device: String,
    pub imei: Option<String>,
    pub price: Option<Money>,
    pub instalments: u32,
}

/// What an agent (or a scenario) asks for when signing.
#[derive(Clone, Debug)]
pub struct SignRequest {
    pub customer_id: i64,
    pub handle: Option<String>,
    pub package: String,
    pub number: Option<String>,
    pub commitment_months: Option<u32>,
    pub benefits: Vec<Benefit>,
    pub device: Option<DeviceInput>,
    pub channel: SalesChannel,
    /// The operator the number is ported in from (CON-13); `number` is then required.
    pub ported_from: Option<String>,
    /// A promotion accepted with the contract (PRM-1).
    pub promotion: Option<String>,
}

/// The TRM-3 fee of a move to a cheaper package during the commitment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DowngradeFee {
    pub amount: Money,
    pub months_left: u32,
    pub package_name: String,
}

/// What a package change decides and costs, before it is made.
#[derive(Clone, Debug)]
pub struct PackageChangeQuote {
    pub decision: Decision,
    pub downgrade_fee: Option<DowngradeFee>,
}

/// CAT-1, CAT-3 and TRM-3: whether the move is allowed and what it costs —
/// a cheaper package during the commitment costs the difference from the
/// package signed for, for the months left, on a bill of its own.
fn plan_package_change(
    market: &tarifa_core::market::Market,
    catalog: &tarifa_core::catalog::Catalog,
    current: &tarifa_core::contract::Contract,
    package_id: &str,
    today: jiff::civil::Date,
) -> PackageChangeQuote {
    let mut decision = match catalog.package(package_id) {
        Some(package) => contract::change_package(&current.package, package, current.status, today),
        None => {
            let mut d = Decision::approved();
            d.refuse(
                rules::CAT_1,
                format!("package {package_id:?} is not in the {} catalog", market.id),
            );
            d
        }
    };
    let mut downgrade_fee = None;
    if decision.is_approved()
        && market.applies(rules::TRM_3)
        && let (Some(commitment), Some(signed), Some(new)) = (
            current.commitment().filter(|c| c.is_live(today)),
            catalog.package(&current.signed.package),
            catalog.package(package_id),
        )
        && new.monthly_fee.minor() < signed.monthly_fee.minor()
    {
        let months = tarifa_core::time::months_left(today, commitment.end);
        let difference = signed.monthly_fee - new.monthly_fee;
        let fee = difference.times(i64::from(months));
        if fee.is_positive() {
            decision.because(
                rules::TRM_3,
                format!(
                    "({} − {}) × {months} months left until {} = {fee}, on a separate bill",
                    signed.monthly_fee, new.monthly_fee, commitment.end
                ),
            );
            downgrade_fee = Some(DowngradeFee {
                amount: fee,
                months_left: months,
                package_name: new.name.clone(),
            });
        }
    }
    PackageChangeQuote {
        decision,
        downgrade_fee,
    }
}

/// CON-7 (and DEV-1 for a device): a party with obligations past their due
/// date, as the operator's own records show them, is refused.
pub(crate) async fn refuse_if_in_debt(
    tx: &mut tarifa_store::Tx,
    market: &tarifa_core::market::Market,
    customer_id: i64,
    today: jiff::civil::Date,
    decision: &mut Decision,
) -> Result<()> {
    if market.applies(rules::CON_7)
        && let Some((bill, open)) =
            crate::dunning::overdue_bill(tx, market, customer_id, today).await?
    {
        decision.refuse(
            rules::CON_7,
            format!("due obligations are not settled: bill {bill} has {open} open past its due date; paying it lifts the refusal"),
        );
    }
    Ok(())
}

impl App {
    /// Signs a contract and activates its service (CON-1…8, DEV-1, CON-13).
    pub async fn sign_contract(&self, ctx: &Ctx, request: SignRequest) -> Result<Decided<i64>> {
        let mut tx = self.begin(ctx).await?;
        let customer = tx
            .customer(request.customer_id)
            .await?
            .ok_or_else(|| AppError::not_found("customer", request.customer_id.to_string()))?;
        let market = self.market(&customer.market)?.clone();
        let today = self.today(&market);
        if let Some(handle) = &request.handle
            && tx.contract_by_handle(&market.id, handle).await?.is_some()
        {
            return Err(AppError::Conflict(format!(
                "contract {handle:?} already exists"
            )));
        }
        let party = convert::party(&customer)?;
        let catalog = self.catalog(&mut tx, &market).await?;
        let held = tx.contracts_of_customer(customer.id).await?;
        let other_live_contracts = held.iter().filter(|c| convert::is_live(c)).count();

        let mut refusal = Decision::approved();
        refuse_if_in_debt(&mut tx, &market, customer.id, today, &mut refusal).await?;
        // CON-6: a party whose service was ended for abuse.
        if market.applies(rules::CON_6) {
            for contract in held.iter().filter(|c| c.status == "disconnected") {
                let abused = tx.abuse_cases(contract.id).await?.into_iter().find(|c| {
                    c.action == "disconnection" || (c.remedy_by.is_some() && c.remedy_on.is_none())
                });
                if let Some(case) = abused {
                    refusal.refuse(
                        rules::CON_6,
                        format!(
                            "{} was disconnected for abuse ({}, found on {}): the operator refuses a new contract",
                            contract.number, case.kind, case.found_on
                        ),
                    );
                }
            }
        }
        let package = catalog.package(&request.package);
        if package.is_none() {
            refusal.refuse(
                rules::CAT_1,
                format!(
                    "package {:?} is not in the {} catalog",
                    request.package, market.id
                ),
            );
        }
        let device = match &request.device {
            Some(input) => match catalog.device(&input.device) {
                Some(device) => Some(DeviceRequest {
                    device,
                    imei: input.imei.clone(),
                    price: input.price,
                    instalments: input.instalments,
                }),
                None => {
                    refusal.refuse(
                        rules::CAT_1,
                        format!(
                            "device {:?} is not in the {} catalog",
                            input.device, market.id
                        ),
                    );
                    None
                }
            },
            None => None,
        };
        let number = match &request.number {
            Some(number) => {
                let valid = number.starts_with(&market.country_code)
                    && number.len() > market.country_code.len() + 3
                    && number[1..].chars().all(|c| c.is_ascii_digit());
                if !valid {
                    refusal.refuse(
                        rules::CON_13,
                        format!(
                            "{number:?} is not a number of the {} plan (E.164, starting {})",
                            market.id, market.country_code
                        ),
                    );
                } else if tx.number_in_use(number).await? {
                    refusal.refuse(
                        rules::CON_13,
                        format!("number {number} is assigned to another subscriber"),
                    );
                }
                Some(number.clone())
            }
            None => None,
        };
        if request.ported_from.is_some() && number.is_none() {
            refusal.refuse(rules::CON_13, "a number ported in must be given");
        }

        let (terms, mut decision) = match package {
            Some(package) if refusal.is_approved() => contract::sign(
                ContractApplication {
                    package,
                    signed_on: today,
                    commitment_months: request.commitment_months,
                    benefits: request.benefits.clone(),
                    device,
                    channel: request.channel,
                    party_kind: party.kind,
                    residency: party.residency,
                    other_live_contracts: u32::try_from(other_live_contracts).unwrap_or(u32::MAX),
                },
                &market,
            ),
            _ => (None, refusal),
        };

        // PRM-1, PRM-6: a promotion accepted with the contract.
        let mut granted = None;
        if let (Some(asked), Some(terms), Some(package)) = (&request.promotion, &terms, package) {
            let lost_before = match &number {
                Some(number) => {
                    crate::promotions::lost_before(&mut tx, &market, customer.id, number).await?
                }
                None => None,
            };
            let (promotion, grant_decision) = tarifa_core::promotion::grant(
                &market,
                &tarifa_core::promotion::Grant {
                    offer: catalog.promotion(asked),
                    asked,
                    package,
                    base_fee: package.monthly_fee,
                    commitment: terms.commitment.as_ref(),
                    on: today,
                    lost_before,
                },
            );
            decision.absorb(grant_decision);
            granted = promotion;
        }
        let terms = terms.filter(|_| decision.is_approved());

        let id = match terms {
            Some(terms) => {
                let number = match number {
                    Some(number) => number,
                    None => self.assign_number(&mut tx, &market).await?,
                };
                let (row, benefits) = convert::contract_rows(
                    &market,
                    request.handle.clone(),
                    customer.id,
                    &number,
                    &terms,
                );
                let id = tx.insert_contract(&row, &benefits).await?;
                if let Some(device) = terms.device.as_ref().filter(|d| !d.lent) {
                    crate::sales::record_sale(
                        &mut tx,
                        &market,
                        customer.id,
                        id,
                        device,
                        &terms.package,
                        terms.commitment.as_ref(),
                        false,
                        today,
                    )
                    .await?;
                }
                if let Some(promotion) = &granted {
                    crate::promotions::attach(&mut tx, id, promotion).await?;
                }
                match &request.ported_from {
                    Some(operator) => {
                        tx.insert_number_port(&tarifa_store::NumberPortRow {
                            id: 0,
                            contract_id: id,
                            number: number.clone(),
                            direction: "in".into(),
                            operator: operator.clone(),
                            on_date: today.to_string(),
                        })
                        .await?;
                        decision.because(
                            rules::CON_13,
                            format!("number {number} ported in from {operator}"),
                        );
                    }
                    None => {
                        decision.because(rules::CON_13, format!("number {number} assigned"));
                    }
                }
                Some(id)
            }
            None => None,
        };
        let subject = id.map(|id| format!("contract:{id}"));
        conclude(
            tx,
            ctx,
            &market,
            today,
            "contract",
            subject,
            Decided {
                decision,
                value: id,
            },
        )
        .await
    }

    /// The next free number of the market's numbering plan (CON-13).
    pub(crate) async fn assign_number(
        &self,
        tx: &mut tarifa_store::Tx,
        market: &tarifa_core::market::Market,
    ) -> Result<String> {
        loop {
            let sequence = tx.next_number(&market.id, 1).await?;
            let number = market
                .numbers
                .subscriber_number(&market.country_code, u64::try_from(sequence).unwrap_or(0));
            if !tx.number_in_use(&number).await? {
                return Ok(number);
            }
        }
    }

    /// What moving a contract to another package today would decide, and the
    /// TRM-3 fee it would cost (nothing is changed).
    pub async fn quote_package_change(
        &self,
        ctx: &Ctx,
        contract_id: i64,
        package_id: &str,
    ) -> Result<PackageChangeQuote> {
        let mut tx = self.begin(ctx).await?;
        let (row, market, today) = self.load_contract(&mut tx, contract_id).await?;
        let current = convert::contract(&mut tx, &market, row).await?;
        let catalog = self.catalog(&mut tx, &market).await?;
        tx.rollback().await?;
        Ok(plan_package_change(
            &market, &catalog, &current, package_id, today,
        ))
    }

    /// Moves a contract to another package from today (CAT-1, CAT-3).
    pub async fn change_package(
        &self,
        ctx: &Ctx,
        contract_id: i64,
        package_id: &str,
    ) -> Result<Decided<()>> {
        let mut tx = self.begin(ctx).await?;
        let (row, market, today) = self.load_contract(&mut tx, contract_id).await?;
        let current = convert::contract(&mut tx, &market, row).await?;
        let catalog = self.catalog(&mut tx, &market).await?;
        let PackageChangeQuote {
            mut decision,
            downgrade_fee,
        } = plan_package_change(&market, &catalog, &current, package_id, today);
        if decision.is_approved() {
            tx.change_contract_package(contract_id, package_id, &today.to_string())
                .await?;
            if let Some(fee) = downgrade_fee {
                let mut charge = charge_row(
                    &market,
                    Charge {
                        customer_id: current.customer_id,
                        contract_id: Some(contract_id),
                        on: today,
                        line: "fee",
                        category: tarifa_core::catalog::OneTimeCategory::OtherChargesCredits,
                        fee_kind: Some("downgrade"),
                        amount: fee.amount,
                        rule: rules::TRM_3,
                        description: format!(
                            "move to the cheaper package {} during the commitment, {}",
                            fee.package_name, current.number
                        ),
                        phrase: Phrase::new("line-downgrade")
                            .text("package", fee.package_name.clone())
                            .text("number", current.number.clone()),
                    },
                );
                charge.id = tx.insert_charge(&charge).await?;
                let number = self
                    .issue_separate_bill(&mut tx, &market, current.customer_id, &[charge], today)
                    .await?;
                decision.note(format!("the fee is on the separate bill {number}"));
            }
        }
        if decision.is_approved()
            && let Some(new) = catalog.package(package_id)
        {
            let effect = crate::promotions::after_package_change(
                &mut tx, &market, &catalog, &current, new, today,
            )
            .await?;
            decision.absorb(effect);
        }
        conclude(
            tx,
            ctx,
            &market,
            today,
            "change_package",
            Some(format!("contract:{contract_id}")),
            Decided {
                decision,
                value: Some(()),
            },
        )
        .await
    }

    /// A contract by id, as the core sees it.
    pub async fn contract(&self, contract_id: i64) -> Result<tarifa_core::contract::Contract> {
        let mut tx = self.begin(&Ctx::new("reader")).await?;
        let row = tx
            .contract(contract_id)
            .await?
            .ok_or_else(|| AppError::not_found("contract", contract_id.to_string()))?;
        let market = self.market(&row.market)?.clone();
        let contract = convert::contract(&mut tx, &market, row).await?;
        tx.rollback().await?;
        Ok(contract)
    }
}

/// One subscriber of a bulk load: a number on a package.
#[derive(Clone, Debug)]
pub struct Provisioned {
    pub number: String,
    pub package: String,
}

impl App {
    /// Loads subscribers in bulk (a migration from another system, the
    /// benchmark): for each, an individual customer and an indefinite contract
    /// active from `activated_on`. Batches of one transaction each; one audit
    /// event per batch names what it loaded. On a SQLite file the batches go
    /// through the lean path, on a thread of their own.
    pub async fn provision(
        &self,
        ctx: &Ctx,
        market: &tarifa_core::market::Market,
        subscribers: &[Provisioned],
        activated_on: jiff::civil::Date,
    ) -> Result<u64> {
        let mut tx = self.begin(ctx).await?;
        let catalog = self.catalog(&mut tx, market).await?;
        tx.rollback().await?;
        let mut numbers = std::collections::HashSet::with_capacity(subscribers.len());
        for (i, s) in subscribers.iter().enumerate() {
            if catalog.package(&s.package).is_none() {
                return Err(AppError::invalid(
                    format!("subscriber {}", i + 1),
                    format!("package {:?} is not in the catalog", s.package),
                ));
            }
            tarifa_core::usage::check_number(&s.number)
                .map_err(|e| AppError::invalid(format!("subscriber {}", i + 1), e))?;
            if !numbers.insert(s.number.as_str()) {
                return Err(AppError::invalid(
                    format!("subscriber {}", i + 1),
                    format!("number {} twice in one load", s.number),
                ));
            }
        }
        let mut loaded = 0_u64;
        if let Some(mut writer) = self.store().lean_writer(&ctx.actor)? {
            let market = market.clone();
            let subscribers = subscribers.to_vec();
            let clock = self.clock().clone();
            return tokio::task::spawn_blocking(move || -> Result<u64> {
                for chunk in subscribers.chunks(PROVISIONED_BATCH) {
                    let mut tx = writer.begin(&clock.now().to_string())?;
                    let customers = tx.insert_customers_quietly(&provisioned_customers(
                        &market,
                        chunk,
                        activated_on,
                    ))?;
                    tx.insert_contracts_quietly(&provisioned_contracts(
                        &market,
                        chunk,
                        &customers,
                        activated_on,
                    ))?;
                    let (date, detail) = provisioned_event(chunk, activated_on);
                    tx.audit(Some(&date), "provision", "market", &market.id, &detail)?;
                    tx.commit()?;
                    loaded += u64::try_from(chunk.len()).unwrap_or(0);
                }
                Ok(loaded)
            })
            .await
            .map_err(|e| AppError::Conflict(format!("the load stopped: {e}")))?;
        }
        for chunk in subscribers.chunks(PROVISIONED_BATCH) {
            let mut tx = self.begin(ctx).await?;
            let customers = tx
                .insert_customers_quietly(&provisioned_customers(market, chunk, activated_on))
                .await?;
            tx.insert_contracts_quietly(&provisioned_contracts(
                market,
                chunk,
                &customers,
                activated_on,
            ))
            .await?;
            let (date, detail) = provisioned_event(chunk, activated_on);
            tx.audit(Some(&date), "provision", "market", &market.id, &detail)
                .await?;
            tx.commit().await?;
            loaded += u64::try_from(chunk.len()).unwrap_or(0);
        }
        Ok(loaded)
    }
}

/// Subscribers loaded in one transaction.
const PROVISIONED_BATCH: usize = 20_000;

/// The customer of each subscriber of a bulk load.
fn provisioned_customers(
    market: &tarifa_core::market::Market,
    chunk: &[Provisioned],
    activated_on: jiff::civil::Date,
) -> Vec<tarifa_store::CustomerRow> {
    chunk
        .iter()
        .map(|s| {
            let party = tarifa_core::party::Party {
                kind: tarifa_core::party::PartyKind::Individual,
                residency: tarifa_core::party::Residency::Citizen,
                name: format!("Subscriber {}", s.number),
                email: None,
                phone: Some(s.number.clone()),
                address: None,
                id_document: None,
                id_document_number: None,
                tax_number: None,
                keeps_document_copies: false,
                directory: tarifa_core::party::DirectoryListing::Listed,
                marketing_consent: false,
                language: None,
            };
            convert::customer_row(market, Some(s.number.clone()), &party, activated_on)
        })
        .collect()
}

/// The contract of each subscriber of a bulk load, for the customers stored
/// for them (`customers`, in the same order).
fn provisioned_contracts(
    market: &tarifa_core::market::Market,
    chunk: &[Provisioned],
    customers: &[i64],
    activated_on: jiff::civil::Date,
) -> Vec<tarifa_store::ContractRow> {
    chunk
        .iter()
        .zip(customers)
        .map(|(s, customer_id)| {
            let terms = tarifa_core::contract::SignedTerms {
                package: s.package.clone(),
                signed_on: activated_on,
                activated_on,
                commitment: None,
                benefits: Vec::new(),
                device: None,
                channel: tarifa_core::contract::SalesChannel::Store,
                deposit_may_be_required: false,
            };
            convert::contract_rows(
                market,
                Some(s.number.clone()),
                *customer_id,
                &s.number,
                &terms,
            )
            .0
        })
        .collect()
}

/// The audit event of a batch of a bulk load: its business date and detail.
fn provisioned_event(
    chunk: &[Provisioned],
    activated_on: jiff::civil::Date,
) -> (String, serde_json::Value) {
    (
        activated_on.to_string(),
        serde_json::json!({ "subscribers": chunk.len(), "first": chunk.first().map(|s| &s.number) }),
    )
}
