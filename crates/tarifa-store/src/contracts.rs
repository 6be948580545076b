//! Contracts, their benefits, package history and status moves.

use crate::{BenefitRow, ContractRow, PackagePeriodRow, Result, StoreError, Tx, on_tx};

/// The columns a new contract is written with (VALUES follow), shared with
/// the lean path's bulk load.
pub(crate) const INSERT_CONTRACTS: &str = "INSERT INTO contracts (market, handle, customer_id, package_id, \
number, status, channel, signed_on, activated_on, commitment_start, commitment_months, commitment_end, \
deposit_may_be_required, ended_on, device_id, device_imei, device_price_minor, device_instalments, \
device_lent, device_sim_locked) ";
/// A contract's package periods (VALUES follow).
pub(crate) const INSERT_PACKAGE_PERIODS: &str =
    "INSERT INTO contract_packages (contract_id, valid_from, seq, package_id) ";

impl Tx {
    async fn insert_contract_row(&mut self, row: &ContractRow) -> Result<i64> {
        let returned = self
            .insert_contract_values(std::slice::from_ref(row))
            .await?;
        returned
            .first()
            .map(|(id, _)| *id)
            .ok_or_else(|| StoreError::Conflict("the contract was not stored".into()))
    }

    /// One multi-row statement: the ids and numbers of the rows stored.
    async fn insert_contract_values(&mut self, rows: &[ContractRow]) -> Result<Vec<(i64, String)>> {
        Ok(on_tx!(self, c => {
            let mut query = sqlx::QueryBuilder::new(INSERT_CONTRACTS);
            query.push_values(rows, |mut q, row| {
                q.push_bind(&row.market)
                    .push_bind(&row.handle)
                    .push_bind(row.customer_id)
                    .push_bind(&row.package_id)
                    .push_bind(&row.number)
                    .push_bind(&row.status)
                    .push_bind(&row.channel)
                    .push_bind(&row.signed_on)
                    .push_bind(&row.activated_on)
                    .push_bind(&row.commitment_start)
                    .push_bind(row.commitment_months)
                    .push_bind(&row.commitment_end)
                    .push_bind(row.deposit_may_be_required)
                    .push_bind(&row.ended_on)
                    .push_bind(&row.device_id)
                    .push_bind(&row.device_imei)
                    .push_bind(row.device_price_minor)
                    .push_bind(row.device_instalments)
                    .push_bind(row.device_lent)
                    .push_bind(row.device_sim_locked);
            });
            query.push(" RETURNING id, number");
            query.build_query_as().fetch_all(c).await?
        }))
    }

    /// Stores contracts without benefits and without an audit event each,
    /// with their first package periods: for bulk loads, whose caller audits
    /// the batch in the same transaction. Numbers must differ within the
    /// call (the ids come back matched by number); ids in the rows' order.
    pub async fn insert_contracts_quietly(&mut self, rows: &[ContractRow]) -> Result<Vec<i64>> {
        let mut ids: std::collections::HashMap<String, i64> =
            std::collections::HashMap::with_capacity(rows.len());
        // 20 values a row, under both databases' parameter limits.
        for chunk in rows.chunks(1_500) {
            let returned = self.insert_contract_values(chunk).await?;
            if returned.len() != chunk.len() {
                return Err(StoreError::Conflict("not every contract was stored".into()));
            }
            for (id, number) in returned {
                if ids.insert(number.clone(), id).is_some() {
                    return Err(StoreError::Conflict(format!(
                        "number {number} twice in one bulk load"
                    )));
                }
            }
        }
        let ids: Vec<i64> = rows.iter().map(|row| ids[&row.number]).collect();
        let packages: Vec<(i64, &ContractRow)> = ids.iter().copied().zip(rows).collect();
        for chunk in packages.chunks(5_000) {
            on_tx!(self, c => {
                let mut query = sqlx::QueryBuilder::new(INSERT_PACKAGE_PERIODS);
                query.push_values(chunk, |mut q, (id, row)| {
                    q.push_bind(*id).push_bind(&row.activated_on).push_bind(0_i64).push_bind(&row.package_id);
                });
                query.build().execute(c).await?;
            });
        }
        Ok(ids)
    }

    async fn insert_first_package(&mut self, id: i64, row: &ContractRow) -> Result<()> {
        on_tx!(self, c => {
            sqlx::query("INSERT INTO contract_packages (contract_id, valid_from, seq, package_id) VALUES ($1, $2, 0, $3)")
                .bind(id)
                .bind(&row.activated_on)
                .bind(&row.package_id)
                .execute(c)
                .await?;
        });
        Ok(())
    }

    /// Stores a signed contract with its benefits and first package period.
    pub async fn insert_contract(
        &mut self,
        row: &ContractRow,
        benefits: &[BenefitRow],
    ) -> Result<i64> {
        let id = self.insert_contract_row(row).await?;
        for (position, benefit) in benefits.iter().enumerate() {
            let position = i64::try_from(position).unwrap_or(i64::MAX);
            on_tx!(self, c => {
                sqlx::query("INSERT INTO contract_benefits (contract_id, position, kind, amount_minor) VALUES ($1, $2, $3, $4)")
                    .bind(id)
                    .bind(position)
                    .bind(&benefit.kind)
                    .bind(benefit.amount_minor)
                    .execute(c)
                    .await?;
            });
        }
        self.insert_first_package(id, row).await?;
        let mut stored = row.clone();
        stored.id = id;
        self.audit(
            Some(&row.signed_on),
            "sign",
            "contract",
            &id.to_string(),
            &serde_json::json!({ "contract": stored, "benefits": benefits }),
        )
        .await?;
        Ok(id)
    }

    pub async fn contract(&mut self, id: i64) -> Result<Option<ContractRow>> {
        Ok(on_tx!(self, c => {
            sqlx::query_as::<_, ContractRow>("SELECT * FROM contracts WHERE id = $1")
                .bind(id)
                .fetch_optional(c)
                .await?
        }))
    }

    pub async fn contract_by_handle(
        &mut self,
        market: &str,
        handle: &str,
    ) -> Result<Option<ContractRow>> {
        Ok(on_tx!(self, c => {
            sqlx::query_as::<_, ContractRow>("SELECT * FROM contracts WHERE market = $1 AND handle = $2")
                .bind(market)
                .bind(handle)
                .fetch_optional(c)
                .await?
        }))
    }

    pub async fn contracts(&mut self, market: &str) -> Result<Vec<ContractRow>> {
        Ok(on_tx!(self, c => {
            sqlx::query_as::<_, ContractRow>("SELECT * FROM contracts WHERE market = $1 ORDER BY id")
                .bind(market)
                .fetch_all(c)
                .await?
        }))
    }

    pub async fn contracts_of_customer(&mut self, customer_id: i64) -> Result<Vec<ContractRow>> {
        Ok(on_tx!(self, c => {
            sqlx::query_as::<_, ContractRow>("SELECT * FROM contracts WHERE customer_id = $1 ORDER BY id")
                .bind(customer_id)
                .fetch_all(c)
                .await?
        }))
    }

    /// The live (active or suspended) contracts of a market on a package.
    pub async fn live_contracts_on_package(
        &mut self,
        market: &str,
        package_id: &str,
    ) -> Result<Vec<ContractRow>> {
        Ok(on_tx!(self, c => {
            sqlx::query_as::<_, ContractRow>(
                "SELECT * FROM contracts WHERE market = $1 AND package_id = $2
                 AND status IN ('active', 'suspended') ORDER BY id",
            )
            .bind(market)
            .bind(package_id)
            .fetch_all(c)
            .await?
        }))
    }

    /// The customers of a market with a live (active or suspended) contract.
    pub async fn customers_with_live_contracts(&mut self, market: &str) -> Result<Vec<i64>> {
        Ok(on_tx!(self, c => {
            sqlx::query_scalar(
                "SELECT DISTINCT customer_id FROM contracts WHERE market = $1
                 AND status IN ('active', 'suspended') ORDER BY customer_id",
            )
            .bind(market)
            .fetch_all(c)
            .await?
        }))
    }

    pub async fn count_contracts(&mut self, market: &str) -> Result<i64> {
        Ok(on_tx!(self, c => {
            sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM contracts WHERE market = $1")
                .bind(market)
                .fetch_one(c)
                .await?
        }))
    }

    /// The day the market's first contract was activated (`YYYY-MM-DD`), if
    /// it has any.
    pub async fn first_activation(&mut self, market: &str) -> Result<Option<String>> {
        Ok(on_tx!(self, c => {
            sqlx::query_scalar::<_, Option<String>>(
                "SELECT MIN(activated_on) FROM contracts WHERE market = $1",
            )
            .bind(market)
            .fetch_one(c)
            .await?
        }))
    }

    pub async fn benefits(&mut self, contract_id: i64) -> Result<Vec<BenefitRow>> {
        Ok(on_tx!(self, c => {
            sqlx::query_as::<_, BenefitRow>("SELECT * FROM contract_benefits WHERE contract_id = $1 ORDER BY position")
                .bind(contract_id)
                .fetch_all(c)
                .await?
        }))
    }

    pub async fn package_history(&mut self, contract_id: i64) -> Result<Vec<PackagePeriodRow>> {
        Ok(on_tx!(self, c => {
            sqlx::query_as::<_, PackagePeriodRow>("SELECT * FROM contract_packages WHERE contract_id = $1 ORDER BY seq")
                .bind(contract_id)
                .fetch_all(c)
                .await?
        }))
    }

    /// Moves a contract to a new package from `valid_from`.
    pub async fn change_contract_package(
        &mut self,
        contract_id: i64,
        package_id: &str,
        valid_from: &str,
    ) -> Result<()> {
        let current = self
            .contract(contract_id)
            .await?
            .ok_or_else(|| StoreError::Conflict(format!("no contract {contract_id}")))?;
        let next_seq: i64 = on_tx!(self, c => {
            sqlx::query_scalar("SELECT COALESCE(MAX(seq), -1) + 1 FROM contract_packages WHERE contract_id = $1")
                .bind(contract_id)
                .fetch_one(c)
                .await?
        });
        on_tx!(self, c => {
            sqlx::query("INSERT INTO contract_packages (contract_id, valid_from, seq, package_id) VALUES ($1, $2, $3, $4)")
                .bind(contract_id)
                .bind(valid_from)
                .bind(next_seq)
                .bind(package_id)
                .execute(c)
                .await?;
        });
        on_tx!(self, c => {
            sqlx::query("UPDATE contracts SET package_id = $1 WHERE id = $2")
                .bind(package_id)
                .bind(contract_id)
                .execute(c)
                .await?;
        });
        self.audit(
            Some(valid_from),
            "change_package",
            "contract",
            &contract_id.to_string(),
            &serde_json::json!({ "old": current.package_id, "new": package_id }),
        )
        .await
    }

    /// Moves a contract from `from` to `to`; refuses if it is no longer in `from`
    /// (another change got there first). `ended_on` is set when given.
    pub async fn set_contract_status(
        &mut self,
        contract_id: i64,
        from: &str,
        to: &str,
        business_date: &str,
        ended_on: Option<&str>,
    ) -> Result<()> {
        let affected = on_tx!(self, c => {
            sqlx::query("UPDATE contracts SET status = $1, ended_on = COALESCE($2, ended_on) WHERE id = $3 AND status = $4")
                .bind(to)
                .bind(ended_on)
                .bind(contract_id)
                .bind(from)
                .execute(c)
                .await?
                .rows_affected()
        });
        if affected != 1 {
            return Err(StoreError::Conflict(format!(
                "contract {contract_id} is no longer {from}"
            )));
        }
        self.audit(
            Some(business_date),
            "status",
            "contract",
            &contract_id.to_string(),
            &serde_json::json!({ "old": from, "new": to }),
        )
        .await
    }

    /// The market a subscriber number belongs to (any contract that held it).
    pub async fn market_of_number(&mut self, number: &str) -> Result<Option<String>> {
        Ok(on_tx!(self, c => {
            sqlx::query_scalar::<_, String>("SELECT market FROM contracts WHERE number = $1 ORDER BY id DESC LIMIT 1")
                .bind(number)
                .fetch_optional(c)
                .await?
        }))
    }

    /// Whether a subscriber number is held by a live contract.
    pub async fn number_in_use(&mut self, number: &str) -> Result<bool> {
        let count: i64 = on_tx!(self, c => {
            sqlx::query_scalar("SELECT COUNT(*) FROM contracts WHERE number = $1 AND status IN ('active', 'suspended')")
                .bind(number)
                .fetch_one(c)
                .await?
        });
        Ok(count > 0)
    }

    /// The next value of a market's numbering-plan sequence (starting at `first`).
    pub async fn next_number(&mut self, market: &str, first: i64) -> Result<i64> {
        on_tx!(self, c => {
            sqlx::query("INSERT INTO number_sequences (market, next_value) VALUES ($1, $2) ON CONFLICT (market) DO NOTHING")
                .bind(market)
                .bind(first)
                .execute(&mut *c)
                .await?;
            let value: i64 = sqlx::query_scalar("UPDATE number_sequences SET next_value = next_value + 1 WHERE market = $1 RETURNING next_value - 1")
                .bind(market)
                .fetch_one(&mut *c)
                .await?;
            Ok(value)
        })
    }
}

impl Tx {
    /// Live contracts whose commitment ends on `day` (CON-2, NOT-1).
    pub async fn contracts_with_commitment_end(
        &mut self,
        market: &str,
        day: &str,
    ) -> Result<Vec<ContractRow>> {
        Ok(on_tx!(self, c => {
            sqlx::query_as::<_, ContractRow>(
                "SELECT * FROM contracts WHERE market = $1 AND commitment_end = $2
                 AND status IN ('active', 'suspended') ORDER BY id",
            )
            .bind(market)
            .bind(day)
            .fetch_all(c)
            .await?
        }))
    }
}

impl Tx {
    /// Records days a contract's service was interrupted by the operator (BIL-7).
    pub async fn insert_interruption(&mut self, row: &crate::InterruptionRow) -> Result<i64> {
        let id: i64 = on_tx!(self, c => {
            sqlx::query_scalar(
                "INSERT INTO service_interruptions (contract_id, from_date, to_date, cause, announced_on)
                 VALUES ($1, $2, $3, $4, $5) RETURNING id",
            )
            .bind(row.contract_id)
            .bind(&row.from_date)
            .bind(&row.to_date)
            .bind(&row.cause)
            .bind(&row.announced_on)
            .fetch_one(c)
            .await?
        });
        self.audit(
            Some(&row.from_date),
            "interruption",
            "contract",
            &row.contract_id.to_string(),
            &serde_json::json!({ "from": row.from_date, "to": row.to_date, "cause": row.cause }),
        )
        .await?;
        Ok(id)
    }

    /// A contract's interruptions, in date order.
    pub async fn contract_interruptions(
        &mut self,
        contract_id: i64,
    ) -> Result<Vec<crate::InterruptionRow>> {
        Ok(on_tx!(self, c => {
            sqlx::query_as::<_, crate::InterruptionRow>(
                "SELECT * FROM service_interruptions WHERE contract_id = $1 ORDER BY from_date, id",
            )
            .bind(contract_id)
            .fetch_all(c)
            .await?
        }))
    }

    /// Interruptions of a market's contracts that overlap `[from, to]`.
    pub async fn interruptions(
        &mut self,
        market: &str,
        from: &str,
        to: &str,
    ) -> Result<Vec<crate::InterruptionRow>> {
        Ok(on_tx!(self, c => {
            sqlx::query_as::<_, crate::InterruptionRow>(
                "SELECT i.* FROM service_interruptions i JOIN contracts k ON k.id = i.contract_id
                 WHERE k.market = $1 AND i.from_date <= $3 AND i.to_date >= $2 ORDER BY i.contract_id, i.from_date",
            )
            .bind(market)
            .bind(from)
            .bind(to)
            .fetch_all(c)
            .await?
        }))
    }

    /// Notes when and why a contract's outgoing traffic was suspended (None: lifted).
    pub async fn set_suspension(
        &mut self,
        contract_id: i64,
        on: Option<&str>,
        cause: Option<&str>,
    ) -> Result<()> {
        on_tx!(self, c => {
            sqlx::query("UPDATE contracts SET suspended_on = $1, suspension_cause = $2 WHERE id = $3")
                .bind(on)
                .bind(cause)
                .bind(contract_id)
                .execute(c)
                .await?;
        });
        Ok(())
    }

    /// DEV-4: sets the day lent equipment is due back, or records it back.
    pub async fn set_equipment_return(
        &mut self,
        contract_id: i64,
        return_by: Option<&str>,
        returned_on: Option<&str>,
    ) -> Result<()> {
        on_tx!(self, c => {
            sqlx::query("UPDATE contracts SET return_by = COALESCE($1, return_by), equipment_returned_on = $2 WHERE id = $3")
                .bind(return_by)
                .bind(returned_on)
                .bind(contract_id)
                .execute(c)
                .await?;
        });
        self.audit(
            returned_on.or(return_by),
            "equipment",
            "contract",
            &contract_id.to_string(),
            &serde_json::json!({ "return_by": return_by, "returned_on": returned_on }),
        )
        .await
    }

    /// Contracts of a market whose lent equipment was due back before `day` and is not.
    pub async fn equipment_overdue(&mut self, market: &str, day: &str) -> Result<Vec<ContractRow>> {
        Ok(on_tx!(self, c => {
            sqlx::query_as::<_, ContractRow>(
                "SELECT * FROM contracts WHERE market = $1 AND return_by IS NOT NULL AND return_by < $2
                 AND equipment_returned_on IS NULL ORDER BY id",
            )
            .bind(market)
            .bind(day)
            .fetch_all(c)
            .await?
        }))
    }

    /// Hands a contract to a new owner from `on` (CON-9, CON-11).
    pub async fn transfer_contract(
        &mut self,
        contract_id: i64,
        from_customer: i64,
        to_customer: i64,
        on: &str,
    ) -> Result<()> {
        let affected = on_tx!(self, c => {
            sqlx::query("UPDATE contracts SET customer_id = $1, owner_since = $2 WHERE id = $3 AND customer_id = $4")
                .bind(to_customer)
                .bind(on)
                .bind(contract_id)
                .bind(from_customer)
                .execute(c)
                .await?
                .rows_affected()
        });
        if affected != 1 {
            return Err(StoreError::Conflict(format!(
                "contract {contract_id} is no longer the customer's {from_customer}"
            )));
        }
        on_tx!(self, c => {
            sqlx::query("INSERT INTO contract_transfers (contract_id, from_customer, to_customer, on_date) VALUES ($1, $2, $3, $4)")
                .bind(contract_id)
                .bind(from_customer)
                .bind(to_customer)
                .bind(on)
                .execute(c)
                .await?;
        });
        self.audit(
            Some(on),
            "transfer",
            "contract",
            &contract_id.to_string(),
            &serde_json::json!({ "old": from_customer, "new": to_customer }),
        )
        .await
    }

    /// A contract's transfers of ownership, oldest first.
    pub async fn contract_transfers(
        &mut self,
        contract_id: i64,
    ) -> Result<Vec<crate::ContractTransferRow>> {
        Ok(on_tx!(self, c => {
            sqlx::query_as::<_, crate::ContractTransferRow>(
                "SELECT contract_id, from_customer, to_customer, on_date FROM contract_transfers
                 WHERE contract_id = $1 ORDER BY on_date, id",
            )
            .bind(contract_id)
            .fetch_all(c)
            .await?
        }))
    }

    /// A market's transfers of ownership from `since` on, by contract and day.
    pub async fn transfers_since(
        &mut self,
        market: &str,
        since: &str,
    ) -> Result<Vec<crate::ContractTransferRow>> {
        Ok(on_tx!(self, c => {
            sqlx::query_as::<_, crate::ContractTransferRow>(
                "SELECT t.contract_id, t.from_customer, t.to_customer, t.on_date FROM contract_transfers t
                 JOIN contracts k ON k.id = t.contract_id
                 WHERE k.market = $1 AND t.on_date >= $2 ORDER BY t.contract_id, t.on_date, t.id",
            )
            .bind(market)
            .bind(since)
            .fetch_all(c)
            .await?
        }))
    }

    /// Records a number change, applied now or on its effective day (CON-13).
    pub async fn insert_number_change(
        &mut self,
        contract_id: i64,
        old_number: &str,
        new_number: &str,
        requested_by: &str,
        announced_on: &str,
        effective_on: &str,
    ) -> Result<i64> {
        let id: i64 = on_tx!(self, c => {
            sqlx::query_scalar(
                "INSERT INTO number_changes (contract_id, old_number, new_number, requested_by, announced_on, effective_on)
                 VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
            )
            .bind(contract_id)
            .bind(old_number)
            .bind(new_number)
            .bind(requested_by)
            .bind(announced_on)
            .bind(effective_on)
            .fetch_one(c)
            .await?
        });
        Ok(id)
    }

    /// Number changes due on or before `day` and not applied: (id, contract, new number).
    pub async fn due_number_changes(
        &mut self,
        market: &str,
        day: &str,
    ) -> Result<Vec<(i64, i64, String)>> {
        Ok(on_tx!(self, c => {
            sqlx::query_as::<_, (i64, i64, String)>(
                "SELECT n.id, n.contract_id, n.new_number FROM number_changes n JOIN contracts k ON k.id = n.contract_id
                 WHERE k.market = $1 AND n.applied_on IS NULL AND n.effective_on <= $2 ORDER BY n.id",
            )
            .bind(market)
            .bind(day)
            .fetch_all(c)
            .await?
        }))
    }

    /// Gives a contract its new number and marks the change applied.
    pub async fn apply_number_change(
        &mut self,
        change_id: i64,
        contract_id: i64,
        new_number: &str,
        on: &str,
    ) -> Result<()> {
        on_tx!(self, c => {
            sqlx::query("UPDATE contracts SET number = $1 WHERE id = $2")
                .bind(new_number)
                .bind(contract_id)
                .execute(&mut *c)
                .await?;
            sqlx::query("UPDATE number_changes SET applied_on = $1 WHERE id = $2")
                .bind(on)
                .bind(change_id)
                .execute(&mut *c)
                .await?;
            Ok::<(), crate::StoreError>(())
        })?;
        self.audit(
            Some(on),
            "number_change",
            "contract",
            &contract_id.to_string(),
            &serde_json::json!({ "new": new_number }),
        )
        .await
    }

    /// Applied number changes, in order: (contract, old number, applied on).
    pub async fn applied_number_changes(&mut self) -> Result<Vec<(i64, String, String)>> {
        Ok(on_tx!(self, c => {
            sqlx::query_as::<_, (i64, String, String)>(
                "SELECT contract_id, old_number, applied_on FROM number_changes WHERE applied_on IS NOT NULL ORDER BY applied_on, id",
            )
            .fetch_all(c)
            .await?
        }))
    }

    /// Records a number ported in or out (CON-13).
    pub async fn insert_number_port(&mut self, row: &crate::NumberPortRow) -> Result<i64> {
        let id: i64 = on_tx!(self, c => {
            sqlx::query_scalar(
                "INSERT INTO number_ports (contract_id, number, direction, operator, on_date)
                 VALUES ($1, $2, $3, $4, $5) RETURNING id",
            )
            .bind(row.contract_id)
            .bind(&row.number)
            .bind(&row.direction)
            .bind(&row.operator)
            .bind(&row.on_date)
            .fetch_one(c)
            .await?
        });
        let detail = serde_json::to_value(row).unwrap_or_default();
        self.audit(
            Some(&row.on_date),
            "number_port",
            "contract",
            &row.contract_id.to_string(),
            &detail,
        )
        .await?;
        Ok(id)
    }

    /// A contract's ports, oldest first.
    pub async fn number_ports(&mut self, contract_id: i64) -> Result<Vec<crate::NumberPortRow>> {
        Ok(on_tx!(self, c => {
            sqlx::query_as::<_, crate::NumberPortRow>("SELECT * FROM number_ports WHERE contract_id = $1 ORDER BY id")
                .bind(contract_id)
                .fetch_all(c)
                .await?
        }))
    }

    /// Records a termination that takes effect on `row.ends_on`.
    pub async fn schedule_termination(
        &mut self,
        row: &crate::ScheduledTerminationRow,
    ) -> Result<()> {
        on_tx!(self, c => {
            sqlx::query(
                "INSERT INTO scheduled_terminations (contract_id, decided_on, ends_on, by_whom, reason)
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(row.contract_id)
            .bind(&row.decided_on)
            .bind(&row.ends_on)
            .bind(&row.by_whom)
            .bind(&row.reason)
            .execute(c)
            .await?;
        });
        let detail = serde_json::to_value(row).unwrap_or_default();
        self.audit(
            Some(&row.decided_on),
            "schedule_termination",
            "contract",
            &row.contract_id.to_string(),
            &detail,
        )
        .await
    }

    /// The contract's pending termination, if one is scheduled.
    pub async fn scheduled_termination(
        &mut self,
        contract_id: i64,
    ) -> Result<Option<crate::ScheduledTerminationRow>> {
        Ok(on_tx!(self, c => {
            sqlx::query_as::<_, crate::ScheduledTerminationRow>(
                "SELECT * FROM scheduled_terminations WHERE contract_id = $1 AND done_on IS NULL",
            )
            .bind(contract_id)
            .fetch_optional(c)
            .await?
        }))
    }

    /// Scheduled terminations of a market due on or before `day`, not yet done.
    pub async fn due_terminations(
        &mut self,
        market: &str,
        day: &str,
    ) -> Result<Vec<crate::ScheduledTerminationRow>> {
        Ok(on_tx!(self, c => {
            sqlx::query_as::<_, crate::ScheduledTerminationRow>(
                "SELECT s.* FROM scheduled_terminations s JOIN contracts k ON k.id = s.contract_id
                 WHERE k.market = $1 AND s.ends_on <= $2 AND s.done_on IS NULL ORDER BY s.contract_id",
            )
            .bind(market)
            .bind(day)
            .fetch_all(c)
            .await?
        }))
    }

    /// Marks a scheduled termination carried out.
    pub async fn termination_done(&mut self, contract_id: i64, on: &str) -> Result<()> {
        on_tx!(self, c => {
            sqlx::query("UPDATE scheduled_terminations SET done_on = $1 WHERE contract_id = $2")
                .bind(on)
                .bind(contract_id)
                .execute(c)
                .await?;
        });
        self.audit(
            Some(on),
            "termination_done",
            "contract",
            &contract_id.to_string(),
            &serde_json::json!({ "done_on": on }),
        )
        .await
    }

    /// A new commitment agreed on a running contract (instead of paying for
    /// infrastructure, CON-10; a device bought with a renewal, DEV-1), with
    /// the benefits that justify it (CON-1). A renewal's benefits replace the
    /// earlier ones; otherwise they are added to them.
    pub async fn renew_commitment(
        &mut self,
        contract_id: i64,
        start: &str,
        months: i64,
        end: &str,
        benefits: &[crate::BenefitRow],
        replace_benefits: bool,
    ) -> Result<()> {
        on_tx!(self, c => {
            if replace_benefits {
                sqlx::query("DELETE FROM contract_benefits WHERE contract_id = $1")
                    .bind(contract_id)
                    .execute(&mut *c)
                    .await?;
            }
            sqlx::query("UPDATE contracts SET commitment_start = $1, commitment_months = $2, commitment_end = $3 WHERE id = $4")
                .bind(start)
                .bind(months)
                .bind(end)
                .bind(contract_id)
                .execute(&mut *c)
                .await?;
            for benefit in benefits {
                sqlx::query(
                    "INSERT INTO contract_benefits (contract_id, position, kind, amount_minor)
                     VALUES ($1, (SELECT COALESCE(MAX(position), -1) + 1 FROM contract_benefits WHERE contract_id = $1), $2, $3)",
                )
                .bind(contract_id)
                .bind(&benefit.kind)
                .bind(benefit.amount_minor)
                .execute(&mut *c)
                .await?;
            }
            Ok::<(), crate::StoreError>(())
        })?;
        let detail = serde_json::json!({
            "commitment_start": start, "commitment_months": months, "commitment_end": end,
            "benefits": benefits, "replace_benefits": replace_benefits,
        });
        self.audit(
            Some(start),
            "renew_commitment",
            "contract",
            &contract_id.to_string(),
            &detail,
        )
        .await
    }
}
