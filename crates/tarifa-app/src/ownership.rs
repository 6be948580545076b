//! Transfer of ownership (CON-9): with the operator's consent, once the
//! assignor's due debts are settled and the assignee has none; the assignor
//! pays up to the day of the assignment, the assignee takes over everything
//! from it, the commitment included.

use tarifa_core::rule::{Decision, rules};

use crate::dunning::overdue_bill;
use crate::{App, AppError, Ctx, Decided, Result, convert, record};

impl App {
    /// Hands a contract to another customer of the same market from today.
    pub async fn transfer(
        &self,
        ctx: &Ctx,
        contract_id: i64,
        to_customer: i64,
    ) -> Result<Decided<()>> {
        let mut tx = self.begin(ctx).await?;
        let row = tx
            .contract(contract_id)
            .await?
            .ok_or_else(|| AppError::not_found("contract", contract_id.to_string()))?;
        let market = self.market(&row.market)?.clone();
        let today = self.today(&market);
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
            if let Some(number) = self
                .bill_month_so_far(&mut tx, &market, &contract, today)
                .await?
            {
                decision.because(
                    rules::CON_9,
                    format!("the assignor pays up to the day before the assignment: bill {number}"),
                );
            }
            tx.transfer_contract(
                contract_id,
                row.customer_id,
                assignee.id,
                &today.to_string(),
            )
            .await?;
            let commitment = contract
                .commitment()
                .filter(|c| c.is_live(today))
                .map(|c| format!(", the commitment until {} included", c.end))
                .unwrap_or_default();
            decision.because(
                rules::CON_9,
                format!(
                    "{} takes over all rights and obligations of {} from {today}{commitment}",
                    assignee.name, contract.number
                ),
            );
        }
        record(
            &mut tx,
            &market,
            today,
            "transfer",
            Some(format!("contract:{contract_id}")),
            &decision,
            ctx,
        )
        .await?;
        tx.commit().await?;
        Ok(Decided {
            decision,
            value: Some(()),
        })
    }
}
