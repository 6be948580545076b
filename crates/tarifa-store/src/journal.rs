//! Decisions and the audit trail.

use crate::{AuditRow, DecisionRow, NewDecision, Result, Tx, json, on_tx};

impl Tx {
    /// Writes an audit event for a change made in this transaction.
    pub async fn audit(
        &mut self,
        business_date: Option<&str>,
        action: &str,
        entity: &str,
        entity_id: &str,
        detail: &serde_json::Value,
    ) -> Result<()> {
        let detail = detail.to_string();
        let (recorded_at, actor) = (self.recorded_at.clone(), self.actor.clone());
        on_tx!(self, c => {
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "{INSERT_AUDIT_EVENTS} VALUES ($1, $2, $3, $4, $5, $6, $7)"
            )))
            .bind(&recorded_at)
            .bind(business_date)
            .bind(&actor)
            .bind(action)
            .bind(entity)
            .bind(entity_id)
            .bind(&detail)
            .execute(c)
            .await?;
        });
        Ok(())
    }

    /// Records a decision (and audits it). Returns its id.
    pub async fn record_decision(&mut self, decision: &NewDecision) -> Result<i64> {
        let rules = decision.rules.join(",");
        let reasons = json(&decision.reasons);
        let id: i64 = on_tx!(self, c => {
            sqlx::query_scalar(
                "INSERT INTO decisions (market, on_date, action, subject, outcome, rules, reasons, context)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
            )
            .bind(&decision.market)
            .bind(&decision.on_date)
            .bind(&decision.action)
            .bind(&decision.subject)
            .bind(&decision.outcome)
            .bind(&rules)
            .bind(&reasons)
            .bind(&decision.context)
            .fetch_one(c)
            .await?
        });
        self.audit(
            Some(&decision.on_date),
            "decide",
            "decision",
            &id.to_string(),
            &serde_json::json!({
                "action": decision.action,
                "subject": decision.subject,
                "outcome": decision.outcome,
                "rules": decision.rules,
            }),
        )
        .await?;
        Ok(id)
    }

    /// Decisions of a market in the order they were taken.
    pub async fn decisions(&mut self, market: &str) -> Result<Vec<DecisionRow>> {
        Ok(on_tx!(self, c => {
            sqlx::query_as::<_, DecisionRow>("SELECT * FROM decisions WHERE market = $1 ORDER BY id")
                .bind(market)
                .fetch_all(c)
                .await?
        }))
    }

    /// Decisions about one subject (`contract:12`), newest last.
    pub async fn decisions_about(&mut self, subject: &str) -> Result<Vec<DecisionRow>> {
        Ok(on_tx!(self, c => {
            sqlx::query_as::<_, DecisionRow>("SELECT * FROM decisions WHERE subject = $1 ORDER BY id")
                .bind(subject)
                .fetch_all(c)
                .await?
        }))
    }

    /// The audit trail of one entity, oldest first.
    pub async fn audit_trail(&mut self, entity: &str, entity_id: &str) -> Result<Vec<AuditRow>> {
        Ok(on_tx!(self, c => {
            sqlx::query_as::<_, AuditRow>("SELECT * FROM audit_events WHERE entity = $1 AND entity_id = $2 ORDER BY id")
                .bind(entity)
                .bind(entity_id)
                .fetch_all(c)
                .await?
        }))
    }

    /// Audit events after `after`, oldest first.
    pub async fn audit_after(&mut self, after: i64, limit: i64) -> Result<Vec<AuditRow>> {
        Ok(on_tx!(self, c => {
            sqlx::query_as::<_, AuditRow>("SELECT * FROM audit_events WHERE id > $1 ORDER BY id LIMIT $2")
                .bind(after)
                .bind(limit)
                .fetch_all(c)
                .await?
        }))
    }

    /// The newest audit event's id (0 when there is none).
    pub async fn last_audit_id(&mut self) -> Result<i64> {
        Ok(on_tx!(self, c => {
            sqlx::query_scalar::<_, i64>("SELECT COALESCE(MAX(id), 0) FROM audit_events").fetch_one(c).await?
        }))
    }

    pub async fn audit_count(&mut self) -> Result<i64> {
        Ok(on_tx!(self, c => {
            sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM audit_events").fetch_one(c).await?
        }))
    }
}

/// The columns an audit event is written with (VALUES follow).
pub(crate) const INSERT_AUDIT_EVENTS: &str = "INSERT INTO audit_events (recorded_at, business_date, actor, action, entity, entity_id, detail) ";

/// One audit event of a batch: (business date, action, entity, entity id, detail).
pub type AuditEvent = (
    Option<String>,
    &'static str,
    &'static str,
    String,
    serde_json::Value,
);

impl Tx {
    /// Writes many audit events for changes made in this transaction.
    pub async fn audit_many(&mut self, events: &[AuditEvent]) -> Result<()> {
        let (recorded_at, actor) = (self.recorded_at.clone(), self.actor.clone());
        for chunk in events.chunks(4_000) {
            on_tx!(self, c => {
                let mut query = sqlx::QueryBuilder::new(INSERT_AUDIT_EVENTS);
                query.push_values(chunk, |mut row, (date, action, entity, id, detail)| {
                    row.push_bind(&recorded_at)
                        .push_bind(date)
                        .push_bind(&actor)
                        .push_bind(*action)
                        .push_bind(*entity)
                        .push_bind(id)
                        .push_bind(detail.to_string());
                });
                query.build().execute(c).await?;
            });
        }
        Ok(())
    }
}
