//! Transfer of ownership (CON-9): with the operator's consent, once the
//! assignor's due debts are settled and the assignee has none; the assignor
//! pays up to the day of the assignment, the assignee takes over everything
//! from it, the commitment included.

use tarifa_core::phrase::Phrase;
use tarifa_core::rule::{Decision, rules};
use tarifa_texts::Arg;

use crate::dunning::overdue_bill;
use crate::{App, AppError, Ctx, Decided, Result, conclude, convert};

impl App {
    /// Hands a contract to another customer of the same market from today.
    pub async fn transfer(
        &self,
        ctx: &Ctx,
        contract_id: i64,
        to_customer: i64,
    ) -> Result<Decided<()>> {
        let mut tx = self.begin(ctx).await?;
        let (row, market, today) = self.load_contract(&mut tx, contract_id).await?;
        let assignee = tx
            .customer(to_customer)
            .await?
            .ok_or_else(|| AppError::not_found("customer", to_customer.to_string()))?;
        let contract = convert::contract(&mut tx, &market, row.clone()).await?;
        let mut decision = Decision::approved();
        if !contract.status.is_live() {
            decision.refuse_plainly(format!("the contract is {}", contract.status));
        }
        if assignee.id == row.customer_id {
            decision.refuse(rules::CON_9, "the assignee is the subscriber already");
        }
        if assignee.market != market.id {
            decision.refuse(rules::CON_9, "the assignee is a customer of another market");
        }
        if let Some((number, open)) = overdue_bill(&mut tx, &market, row.customer_id, today).await?
        {
            decision.refuse(
                rules::CON_9,
                format!("the assignor's due debts are not settled: bill {number} has {open} open"),
            );
        }
        if let Some((number, open)) = overdue_bill(&mut tx, &market, assignee.id, today).await? {
            decision.refuse(
                rules::CON_7,
                format!("the assignee has due debts: bill {number} has {open} open"),
            );
        }
        if decision.is_approved() {
            self.hand_over(
                &mut tx,
                &market,
                &contract,
                &assignee,
                today,
                rules::CON_9,
                &mut decision,
            )
            .await?;
        }
        conclude(
            tx,
            ctx,
            &market,
            today,
            "transfer",
            Some(format!("contract:{contract_id}")),
            Decided {
                decision,
                value: Some(()),
            },
        )
        .await
    }

    /// Hands a contract over from today: the previous owner is billed up to
    /// the day before, the new one takes over everything, commitment included.
    #[allow(clippy::too_many_arguments)] // one hand-over, told its parts
    async fn hand_over(
        &self,
        tx: &mut tarifa_store::Tx,
        market: &tarifa_core::market::Market,
        contract: &tarifa_core::contract::Contract,
        new_owner: &tarifa_store::CustomerRow,
        today: jiff::civil::Date,
        rule: tarifa_core::rule::RuleId,
        decision: &mut Decision,
    ) -> Result<()> {
        if let Some(number) = self.bill_month_so_far(tx, market, contract, today).await? {
            decision.because(
                rule,
                format!("the previous subscriber pays up to the day before: bill {number}"),
            );
        }
        tx.transfer_contract(
            contract.id,
            contract.customer_id,
            new_owner.id,
            &today.to_string(),
        )
        .await?;
        let commitment = contract
            .commitment()
            .filter(|c| c.is_live(today))
            .map(|c| format!(", the commitment until {} included", c.end))
            .unwrap_or_default();
        decision.because(
            rule,
            format!(
                "{} takes over all rights and obligations of {} from {today}{commitment}",
                new_owner.name, contract.number
            ),
        );
        let catalog = self.catalog(tx, market).await?;
        decision.absorb(
            crate::promotions::after_transfer(tx, market, &catalog, contract, today).await?,
        );
        Ok(())
    }

    /// A subscriber died on `died_on`: an heir who asks within the days
    /// CON-11 gives takes over the subscriber's contracts and numbers.
    pub async fn succession(
        &self,
        ctx: &Ctx,
        customer_id: i64,
        died_on: jiff::civil::Date,
        heir_id: i64,
    ) -> Result<Decided<()>> {
        let mut tx = self.begin(ctx).await?;
        let deceased = tx
            .customer(customer_id)
            .await?
            .ok_or_else(|| AppError::not_found("customer", customer_id.to_string()))?;
        let heir = tx
            .customer(heir_id)
            .await?
            .ok_or_else(|| AppError::not_found("customer", heir_id.to_string()))?;
        let market = self.market(&deceased.market)?.clone();
        let today = self.today(&market);
        let days = i64::from(market.rules.con_11.heir_request_days);
        let last_day = tarifa_core::time::add_days(died_on, days);
        let mut decision = Decision::approved();
        if !market.applies(rules::CON_11) {
            decision.refuse(
                rules::CON_11,
                format!("succession to a number is not a rule in {}", market.name),
            );
        } else if died_on > today {
            decision.refuse_plainly(format!("the date of death {died_on} is in the future"));
        } else if today > last_day {
            decision.refuse(
                rules::CON_11,
                format!(
                    "an heir could ask to take over until {last_day}, {days} days after the death"
                ),
            );
        }
        if heir.id == deceased.id || heir.market != market.id {
            decision.refuse(
                rules::CON_11,
                "the heir is another customer of the same market",
            );
        }
        if decision.is_approved() {
            let contracts = tx.contracts_of_customer(customer_id).await?;
            let mut any = false;
            for row in contracts.into_iter().filter(convert::is_live) {
                let contract = convert::contract(&mut tx, &market, row).await?;
                self.hand_over(
                    &mut tx,
                    &market,
                    &contract,
                    &heir,
                    today,
                    rules::CON_11,
                    &mut decision,
                )
                .await?;
                any = true;
            }
            if !any {
                decision.refuse(
                    rules::CON_11,
                    "the subscriber had no live contract to take over",
                );
            }
        }
        conclude(
            tx,
            ctx,
            &market,
            today,
            "death",
            Some(format!("customer:{customer_id}")),
            Decided {
                decision,
                value: Some(()),
            },
        )
        .await
    }
}

/// Who asks for a number change (CON-13).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NumberChangeBy {
    /// On request, for the price-list fee, from today.
    Subscriber,
    /// By the operator, announced at least the days CON-13 names before.
    Operator,
}

impl App {
    /// Changes a contract's number (CON-13). `effective` is the day an
    /// operator's change takes effect; a subscriber's takes effect today.
    pub async fn change_number(
        &self,
        ctx: &Ctx,
        contract_id: i64,
        by: NumberChangeBy,
        number: Option<String>,
        effective: Option<jiff::civil::Date>,
    ) -> Result<Decided<()>> {
        let mut tx = self.begin(ctx).await?;
        let (row, market, today) = self.load_contract(&mut tx, contract_id).await?;
        let mut decision = Decision::approved();
        if !convert::is_live(&row) {
            decision.refuse_plainly(format!("the contract is {}", row.status));
        }
        let notice_days = i64::from(market.rules.con_13.operator_change_notice_days);
        let effective = match by {
            NumberChangeBy::Subscriber => today,
            NumberChangeBy::Operator => {
                let earliest = tarifa_core::time::add_days(today, notice_days);
                let day = effective.unwrap_or(earliest);
                if day < earliest {
                    decision.refuse(
                        rules::CON_13,
                        format!("the operator changes a number with at least {notice_days} days' notice: not before {earliest}"),
                    );
                }
                day
            }
        };
        let new_number = match number {
            Some(n) => {
                let valid = n.starts_with(&market.country_code)
                    && n[1..].chars().all(|c| c.is_ascii_digit());
                if !valid {
                    decision.refuse(
                        rules::CON_13,
                        format!("{n:?} is not a number of the {} plan", market.id),
                    );
                } else if tx.number_in_use(&n).await? {
                    decision.refuse(
                        rules::CON_13,
                        format!("number {n} is assigned to another subscriber"),
                    );
                }
                n
            }
            None => self.assign_number(&mut tx, &market).await?,
        };
        if decision.is_approved() {
            let who = match by {
                NumberChangeBy::Subscriber => "subscriber",
                NumberChangeBy::Operator => "operator",
            };
            let change = tx
                .insert_number_change(
                    contract_id,
                    &row.number,
                    &new_number,
                    who,
                    &today.to_string(),
                    &effective.to_string(),
                )
                .await?;
            match by {
                NumberChangeBy::Subscriber => {
                    tx.apply_number_change(change, contract_id, &new_number, &today.to_string())
                        .await?;
                    decision.because(
                        rules::CON_13,
                        format!("{} becomes {new_number} on request", row.number),
                    );
                    let catalog = self.catalog(&mut tx, &market).await?;
                    if let Some(fee) = catalog.fee("number_change") {
                        tx.insert_charge(&crate::charges::charge_row(
                            &market,
                            crate::charges::Charge {
                                customer_id: row.customer_id,
                                contract_id: Some(contract_id),
                                on: today,
                                line: "fee",
                                category:
                                    tarifa_core::catalog::OneTimeCategory::NumberChangeOnRequest,
                                fee_kind: Some("number_change"),
                                amount: fee,
                                rule: rules::CON_13,
                                description: format!(
                                    "number change on request, {} → {new_number}",
                                    row.number
                                ),
                                phrase: Phrase::new("line-number-change")
                                    .text("number", row.number.clone())
                                    .text("new_number", new_number.clone()),
                            },
                        ))
                        .await?;
                        decision.because(
                            rules::CON_13,
                            format!("the price-list fee of {fee} goes on the next bill"),
                        );
                    }
                }
                NumberChangeBy::Operator => {
                    decision.because(
                        rules::CON_13,
                        format!("{} becomes {new_number} on {effective}, announced {notice_days} days or more before", row.number),
                    );
                    crate::outbox::notify(
                        &mut tx,
                        &market,
                        crate::outbox::Notice {
                            customer_id: row.customer_id,
                            contract_id: Some(contract_id),
                            on: today,
                            kind: "number_change",
                            rules: &[rules::CON_13, rules::NOT_3],
                            message: "number-change",
                            args: vec![
                                ("number", Arg::from(row.number.as_str())),
                                ("new_number", Arg::from(new_number.as_str())),
                                ("effective", Arg::from(effective)),
                            ],
                        },
                    )
                    .await?;
                }
            }
        }
        conclude(
            tx,
            ctx,
            &market,
            today,
            "number_change",
            Some(format!("contract:{contract_id}")),
            Decided {
                decision,
                value: Some(()),
            },
        )
        .await
    }

    /// The day's number changes taking effect (CON-13).
    pub(crate) async fn run_number_changes(
        &self,
        tx: &mut tarifa_store::Tx,
        market: &tarifa_core::market::Market,
        day: jiff::civil::Date,
    ) -> Result<()> {
        for (change, contract, number) in
            tx.due_number_changes(&market.id, &day.to_string()).await?
        {
            tx.apply_number_change(change, contract, &number, &day.to_string())
                .await?;
        }
        Ok(())
    }

    /// The subscriber ports the number out to another operator (CON-13):
    /// the contract ends today as a termination by the subscriber, with
    /// what TRM-2 charges during a commitment.
    pub async fn port_out(
        &self,
        ctx: &Ctx,
        contract_id: i64,
        operator: &str,
    ) -> Result<Decided<()>> {
        let mut tx = self.begin(ctx).await?;
        let (row, market, today) = self.load_contract(&mut tx, contract_id).await?;
        let operator = operator.trim();
        let decision = if operator.is_empty() {
            // Refused before anything is written.
            let mut refused = Decision::approved();
            refused.refuse(rules::CON_13, "the operator the number goes to is missing");
            refused
        } else {
            let ending = crate::termination::Ending {
                by: tarifa_core::termination::TerminatedBy::Subscriber,
                grounds: tarifa_core::termination::Grounds::Ordinary,
                status: tarifa_core::contract::ContractStatus::Terminated,
                on: today,
            };
            let mut ended = self.end_contract(&mut tx, contract_id, ending).await?;
            if ended.is_approved() {
                tx.insert_number_port(&tarifa_store::NumberPortRow {
                    id: 0,
                    contract_id,
                    number: row.number.clone(),
                    direction: "out".into(),
                    operator: operator.to_owned(),
                    on_date: today.to_string(),
                })
                .await?;
                ended.because(
                    rules::CON_13,
                    format!("number {} is ported out to {operator}", row.number),
                );
            }
            ended
        };
        let value = decision.is_approved().then_some(());
        let subject = Some(format!("contract:{contract_id}"));
        conclude(
            tx,
            ctx,
            &market,
            today,
            "port_out",
            subject,
            Decided { decision, value },
        )
        .await
    }
}
