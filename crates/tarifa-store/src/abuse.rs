//! Findings of abuse (ABU-1…5) and the remedies they wait for.

use crate::{Result, Tx, on_tx};

impl Tx {
    /// Records a finding of abuse; returns its id.
    pub async fn insert_abuse(&mut self, row: &crate::AbuseRow) -> Result<i64> {
        let id: i64 = on_tx!(self, c => {
            sqlx::query_scalar(
                "INSERT INTO abuse_cases (contract_id, kind, found_on, action, remedy_by, remedy_on, suspended_until)
                 VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
            )
            .bind(row.contract_id)
            .bind(&row.kind)
            .bind(&row.found_on)
            .bind(&row.action)
            .bind(&row.remedy_by)
            .bind(&row.remedy_on)
            .bind(&row.suspended_until)
            .fetch_one(c)
            .await?
        });
        let detail = serde_json::to_value(row).unwrap_or_default();
        self.audit(
            Some(&row.found_on),
            "abuse",
            "contract",
            &row.contract_id.to_string(),
            &detail,
        )
        .await?;
        Ok(id)
    }

    /// The findings of abuse on a contract, oldest first.
    pub async fn abuse_cases(&mut self, contract_id: i64) -> Result<Vec<crate::AbuseRow>> {
        Ok(on_tx!(self, c => {
            sqlx::query_as::<_, crate::AbuseRow>("SELECT * FROM abuse_cases WHERE contract_id = $1 ORDER BY id")
                .bind(contract_id)
                .fetch_all(c)
                .await?
        }))
    }

    /// Findings in a market whose remedy is overdue on `day`, on contracts
    /// still in service.
    pub async fn overdue_abuse_remedies(
        &mut self,
        market: &str,
        day: &str,
    ) -> Result<Vec<crate::AbuseRow>> {
        Ok(on_tx!(self, c => {
            sqlx::query_as::<_, crate::AbuseRow>(
                "SELECT a.* FROM abuse_cases a JOIN contracts k ON k.id = a.contract_id
                 WHERE k.market = $1 AND k.status IN ('active', 'suspended') AND a.remedy_on IS NULL
                 AND a.remedy_by IS NOT NULL AND a.remedy_by < $2 ORDER BY a.id",
            )
            .bind(market)
            .bind(day)
            .fetch_all(c)
            .await?
        }))
    }

    /// Abuse suspensions in a market that may end on `day`: remedied, and
    /// their minimum passed.
    pub async fn abuse_suspensions_to_lift(
        &mut self,
        market: &str,
        day: &str,
    ) -> Result<Vec<crate::AbuseRow>> {
        Ok(on_tx!(self, c => {
            sqlx::query_as::<_, crate::AbuseRow>(
                "SELECT a.* FROM abuse_cases a JOIN contracts k ON k.id = a.contract_id
                 WHERE k.market = $1 AND k.status = 'suspended' AND k.suspension_cause = 'abuse'
                 AND a.action = 'suspension' AND a.remedy_on IS NOT NULL AND a.suspended_until <= $2
                 AND NOT EXISTS (SELECT 1 FROM abuse_cases b WHERE b.contract_id = a.contract_id
                                 AND b.action = 'suspension' AND b.id > a.id)
                 ORDER BY a.id",
            )
            .bind(market)
            .bind(day)
            .fetch_all(c)
            .await?
        }))
    }

    /// Records the remedy a finding waited for.
    pub async fn record_abuse_remedy(&mut self, case: &crate::AbuseRow, on: &str) -> Result<()> {
        on_tx!(self, c => {
            sqlx::query("UPDATE abuse_cases SET remedy_on = $1 WHERE id = $2")
                .bind(on)
                .bind(case.id)
                .execute(c)
                .await?;
        });
        let detail = serde_json::json!({ "case": case.id, "kind": case.kind, "remedy_on": on });
        self.audit(
            Some(on),
            "abuse_remedy",
            "contract",
            &case.contract_id.to_string(),
            &detail,
        )
        .await?;
        Ok(())
    }
}
