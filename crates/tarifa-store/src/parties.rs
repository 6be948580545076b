//! Customers (parties) and their changes (CON-12).

use crate::{CustomerRow, Result, StoreError, Tx, on_tx};

/// The fields of a customer that may change after registration.
pub const CUSTOMER_FIELDS: &[&str] = &[
    "name",
    "email",
    "phone",
    "address",
    "id_document",
    "id_document_number",
    "tax_number",
    "directory",
    "marketing_consent",
    "language",
];

/// The columns a new customer is written with (VALUES follow), shared with
/// the lean path's bulk load.
pub(crate) const INSERT_CUSTOMERS: &str = "INSERT INTO customers (market, handle, kind, residency, name, \
email, phone, address, id_document, id_document_number, keeps_document_copies, directory, \
marketing_consent, language, registered_on, tax_number) ";

macro_rules! customer_columns {
    () => {
        "id, market, handle, kind, residency, name, email, phone, address, id_document, \
id_document_number, keeps_document_copies, directory, marketing_consent, language, registered_on, \
anonymised_on, tax_number"
    };
}
/// A customer's row by id, shared with the lean path (`crate::lean`,
/// `crate::lean_reads`), which reads it with [`customer_from`].
pub(crate) const CUSTOMER_BY_ID: &str = concat!(
    "SELECT ",
    customer_columns!(),
    " FROM customers WHERE id = $1"
);

/// A [`CustomerRow`] from a lean row of [`CUSTOMER_BY_ID`]'s columns.
pub(crate) fn customer_from(r: &rusqlite::Row<'_>) -> rusqlite::Result<CustomerRow> {
    Ok(CustomerRow {
        id: r.get(0)?,
        market: r.get(1)?,
        handle: r.get(2)?,
        kind: r.get(3)?,
        residency: r.get(4)?,
        name: r.get(5)?,
        email: r.get(6)?,
        phone: r.get(7)?,
        address: r.get(8)?,
        id_document: r.get(9)?,
        id_document_number: r.get(10)?,
        keeps_document_copies: r.get(11)?,
        directory: r.get(12)?,
        marketing_consent: r.get(13)?,
        language: r.get(14)?,
        registered_on: r.get(15)?,
        anonymised_on: r.get(16)?,
        tax_number: r.get(17)?,
    })
}

impl Tx {
    /// Customers an agent looks for (at most 50, by id): by name (any part,
    /// any case), or exactly by a contract's number, a bill's number or a
    /// device's IMEI.
    pub async fn search_customers(&mut self, query: &str) -> Result<Vec<CustomerRow>> {
        let query = query.trim();
        let pattern = format!(
            "%{}%",
            query
                .to_lowercase()
                .replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_")
        );
        Ok(on_tx!(self, c => {
            sqlx::query_as::<_, CustomerRow>(
                "SELECT * FROM customers WHERE id IN (
                     SELECT id FROM customers WHERE lower(name) LIKE $1 ESCAPE '\\'
                     UNION SELECT customer_id FROM contracts WHERE number = $2 OR device_imei = $2
                     UNION SELECT customer_id FROM bills WHERE number = $2
                     UNION SELECT k.customer_id FROM device_sales s JOIN contracts k ON k.id = s.contract_id WHERE s.imei = $2
                 ) ORDER BY id LIMIT 50",
            )
            .bind(&pattern)
            .bind(query)
            .fetch_all(c)
            .await?
        }))
    }

    /// Registers a customer; `row.id` is ignored and the new id returned.
    pub async fn insert_customer(&mut self, row: &CustomerRow) -> Result<i64> {
        let id = self.insert_customer_quietly(row).await?;
        let mut stored = row.clone();
        stored.id = id;
        self.audit(
            Some(&row.registered_on),
            "register",
            "customer",
            &id.to_string(),
            &serde_json::to_value(&stored).unwrap_or_default(),
        )
        .await?;
        Ok(id)
    }

    /// Registers customers without an audit event each: for bulk loads,
    /// whose caller audits the batch in the same transaction. Every row needs
    /// a handle of its own (the ids come back matched by handle); the ids are
    /// returned in the rows' order.
    pub async fn insert_customers_quietly(&mut self, rows: &[CustomerRow]) -> Result<Vec<i64>> {
        let mut ids: std::collections::HashMap<String, i64> =
            std::collections::HashMap::with_capacity(rows.len());
        // 16 values a row, under both databases' parameter limits.
        for chunk in rows.chunks(2_000) {
            let returned = self.insert_customer_values(chunk).await?;
            ids.extend(returned.into_iter().filter_map(|(id, h)| Some((h?, id))));
        }
        rows.iter()
            .map(|row| {
                row.handle
                    .as_ref()
                    .and_then(|h| ids.get(h).copied())
                    .ok_or_else(|| {
                        StoreError::Conflict(format!(
                            "customer {:?}: a bulk load needs a handle of its own for each customer",
                            row.handle
                        ))
                    })
            })
            .collect()
    }

    async fn insert_customer_quietly(&mut self, row: &CustomerRow) -> Result<i64> {
        let returned = self
            .insert_customer_values(std::slice::from_ref(row))
            .await?;
        returned
            .first()
            .map(|(id, _)| *id)
            .ok_or_else(|| StoreError::Conflict("the customer was not stored".into()))
    }

    /// One multi-row statement: the ids and handles of the rows stored.
    async fn insert_customer_values(
        &mut self,
        rows: &[CustomerRow],
    ) -> Result<Vec<(i64, Option<String>)>> {
        Ok(on_tx!(self, c => {
            let mut query = sqlx::QueryBuilder::new(INSERT_CUSTOMERS);
            query.push_values(rows, |mut q, row| {
                q.push_bind(&row.market)
                    .push_bind(&row.handle)
                    .push_bind(&row.kind)
                    .push_bind(&row.residency)
                    .push_bind(&row.name)
                    .push_bind(&row.email)
                    .push_bind(&row.phone)
                    .push_bind(&row.address)
                    .push_bind(&row.id_document)
                    .push_bind(&row.id_document_number)
                    .push_bind(row.keeps_document_copies)
                    .push_bind(&row.directory)
                    .push_bind(row.marketing_consent)
                    .push_bind(&row.language)
                    .push_bind(&row.registered_on)
                    .push_bind(&row.tax_number);
            });
            query.push(" RETURNING id, handle");
            query.build_query_as().fetch_all(c).await?
        }))
    }

    pub async fn customer(&mut self, id: i64) -> Result<Option<CustomerRow>> {
        Ok(on_tx!(self, c => {
            sqlx::query_as::<_, CustomerRow>(CUSTOMER_BY_ID)
                .bind(id)
                .fetch_optional(c)
                .await?
        }))
    }

    pub async fn customer_by_handle(
        &mut self,
        market: &str,
        handle: &str,
    ) -> Result<Option<CustomerRow>> {
        Ok(on_tx!(self, c => {
            sqlx::query_as::<_, CustomerRow>("SELECT * FROM customers WHERE market = $1 AND handle = $2")
                .bind(market)
                .bind(handle)
                .fetch_optional(c)
                .await?
        }))
    }

    pub async fn customers(&mut self, market: &str) -> Result<Vec<CustomerRow>> {
        Ok(on_tx!(self, c => {
            sqlx::query_as::<_, CustomerRow>("SELECT * FROM customers WHERE market = $1 ORDER BY id")
                .bind(market)
                .fetch_all(c)
                .await?
        }))
    }

    /// The customers with these ids, in id order.
    pub async fn customers_in(&mut self, ids: &[i64]) -> Result<Vec<CustomerRow>> {
        let mut rows = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(5_000) {
            let page: Vec<CustomerRow> = on_tx!(self, c => {
                let mut query = sqlx::QueryBuilder::new("SELECT * FROM customers WHERE id IN (");
                let mut list = query.separated(", ");
                for id in chunk {
                    list.push_bind(*id);
                }
                query.push(") ORDER BY id");
                query.build_query_as::<CustomerRow>().fetch_all(c).await?
            });
            rows.extend(page);
        }
        Ok(rows)
    }

    pub async fn count_customers(&mut self, market: &str) -> Result<i64> {
        Ok(on_tx!(self, c => {
            sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM customers WHERE market = $1")
                .bind(market)
                .fetch_one(c)
                .await?
        }))
    }

    /// Changes one field of a customer and records who, when, old and new (CON-12).
    pub async fn update_customer_field(
        &mut self,
        id: i64,
        business_date: &str,
        field: &str,
        old: Option<&str>,
        new: Option<&str>,
    ) -> Result<()> {
        if !CUSTOMER_FIELDS.contains(&field) || field == "directory" && new.is_none() {
            return Err(StoreError::Conflict(format!(
                "customer field {field:?} cannot be changed"
            )));
        }
        let sql: &'static str = match field {
            "name" => "UPDATE customers SET name = $1 WHERE id = $2",
            "email" => "UPDATE customers SET email = $1 WHERE id = $2",
            "phone" => "UPDATE customers SET phone = $1 WHERE id = $2",
            "address" => "UPDATE customers SET address = $1 WHERE id = $2",
            "id_document" => "UPDATE customers SET id_document = $1 WHERE id = $2",
            "id_document_number" => "UPDATE customers SET id_document_number = $1 WHERE id = $2",
            "tax_number" => "UPDATE customers SET tax_number = $1 WHERE id = $2",
            "directory" => "UPDATE customers SET directory = $1 WHERE id = $2",
            "language" => "UPDATE customers SET language = $1 WHERE id = $2",
            _ => "UPDATE customers SET marketing_consent = $1 WHERE id = $2",
        };
        let affected = if field == "marketing_consent" {
            let value = new == Some("true");
            on_tx!(self, c => sqlx::query(sql).bind(value).bind(id).execute(c).await?.rows_affected())
        } else {
            on_tx!(self, c => sqlx::query(sql).bind(new).bind(id).execute(c).await?.rows_affected())
        };
        if affected != 1 {
            return Err(StoreError::Conflict(format!("no customer {id}")));
        }
        self.audit(
            Some(business_date),
            "change",
            "customer",
            &id.to_string(),
            &serde_json::json!({ "field": field, "old": old, "new": new }),
        )
        .await
    }

    /// Customers of a market whose every contract ended on or before `until`
    /// and whose data are not yet erased (CON-14).
    pub async fn customers_to_erase(&mut self, market: &str, until: &str) -> Result<Vec<i64>> {
        Ok(on_tx!(self, c => {
            sqlx::query_scalar(
                "SELECT k.customer_id FROM contracts k JOIN customers p ON p.id = k.customer_id
                 WHERE k.market = $1 AND p.anonymised_on IS NULL
                 GROUP BY k.customer_id
                 HAVING SUM(CASE WHEN k.ended_on IS NULL OR k.ended_on > $2 THEN 1 ELSE 0 END) = 0
                 ORDER BY k.customer_id",
            )
            .bind(market)
            .bind(until)
            .fetch_all(c)
            .await?
        }))
    }

    /// Erases a customer's personal data and the destinations of their
    /// traffic (CON-14); bills, amounts and the ledger stay for the accounts,
    /// and so does a business's tax number, which its bills carry.
    pub async fn erase_personal_data(&mut self, customer_id: i64, on: &str) -> Result<()> {
        on_tx!(self, c => {
            sqlx::query(
                "UPDATE customers SET name = 'erased', email = NULL, phone = NULL, address = NULL,
                    id_document_number = NULL, anonymised_on = $1 WHERE id = $2",
            )
            .bind(on)
            .bind(customer_id)
            .execute(&mut *c)
            .await?;
            // Whom the traffic went to is personal: each segment is rewritten.
            let segments: Vec<(i64, Vec<u8>)> = sqlx::query_as(
                "SELECT id, body FROM usage_segments
                 WHERE contract_id IN (SELECT id FROM contracts WHERE customer_id = $1)",
            )
            .bind(customer_id)
            .fetch_all(&mut *c)
            .await?;
            for (id, body) in segments {
                sqlx::query("UPDATE usage_segments SET body = $1 WHERE id = $2")
                    .bind(crate::segment::with_destinations(&body, "erased")?)
                    .bind(id)
                    .execute(&mut *c)
                    .await?;
            }
            // Notices name the number and the address they went to.
            sqlx::query(
                "UPDATE notices SET subject = 'erased', text = 'erased', destination = NULL WHERE customer_id = $1",
            )
            .bind(customer_id)
            .execute(&mut *c)
            .await?;
            Ok::<(), crate::StoreError>(())
        })?;
        self.audit(
            Some(on),
            "erase",
            "customer",
            &customer_id.to_string(),
            &serde_json::json!({ "rule": "CON-14" }),
        )
        .await
    }
}
