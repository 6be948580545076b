//! Paged listings for the API and self-care: one page of rows in a stable
//! order and how many rows match in all, optionally only one customer's.

use crate::{
    BillLineRow, BillRow, ComplaintRow, ContractRow, CustomerRow, NoticeRow, PaymentRow, Result,
    Tx, UsageRow, on_tx,
};

/// Which rows of a listing to return.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Page {
    pub offset: i64,
    pub limit: i64,
}

/// Whose rows a listing covers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Owner {
    Anyone,
    Customer(i64),
}

/// A page of rows and the number of rows the listing has in all.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Listed<T> {
    pub rows: Vec<T>,
    pub total: i64,
}

/// What a listing reads: the table, its order, and how its rows belong to a
/// customer. Only these fixed texts ever reach the SQL.
struct Source {
    table: &'static str,
    /// The columns read (`*`, or fewer where a column is large).
    columns: &'static str,
    order: &'static str,
    of_customer: &'static str,
}

const CUSTOMERS: Source = Source {
    columns: "*",
    table: "customers",
    order: "id",
    of_customer: "id = $1",
};
const CONTRACTS: Source = Source {
    columns: "*",
    table: "contracts",
    order: "id",
    of_customer: "customer_id = $1",
};
const BILLS: Source = Source {
    columns: crate::billing::BILL_COLUMNS,
    table: "bills",
    order: "id",
    of_customer: "customer_id = $1",
};
const PAYMENTS: Source = Source {
    columns: "*",
    table: "payments",
    order: "id",
    of_customer: "customer_id = $1",
};
const COMPLAINTS: Source = Source {
    columns: "*",
    table: "complaints",
    order: "id",
    of_customer: "customer_id = $1",
};
const NOTICES: Source = Source {
    columns: "*",
    table: "notices",
    order: "id",
    of_customer: "customer_id = $1",
};

impl Tx {
    async fn listing<T>(&mut self, source: &Source, owner: Owner, page: Page) -> Result<Listed<T>>
    where
        T: for<'r> sqlx::FromRow<'r, sqlx::sqlite::SqliteRow>
            + for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow>
            + Send
            + Unpin,
    {
        let Source {
            table,
            columns,
            order,
            of_customer,
        } = source;
        let (filter, customer) = match owner {
            Owner::Anyone => ("$1 = $1".to_owned(), 0),
            Owner::Customer(id) => ((*of_customer).to_owned(), id),
        };
        let select = format!(
            "SELECT {columns} FROM {table} WHERE {filter} ORDER BY {order} LIMIT $2 OFFSET $3"
        );
        let count = format!("SELECT COUNT(*) FROM {table} WHERE {filter}");
        let (rows, total) = on_tx!(self, c => {
            let rows = sqlx::query_as::<_, T>(sqlx::AssertSqlSafe(select))
                .bind(customer)
                .bind(page.limit)
                .bind(page.offset)
                .fetch_all(&mut *c)
                .await?;
            let total = sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(count))
                .bind(customer)
                .fetch_one(&mut *c)
                .await?;
            (rows, total)
        });
        Ok(Listed { rows, total })
    }

    pub async fn list_customers(
        &mut self,
        owner: Owner,
        page: Page,
    ) -> Result<Listed<CustomerRow>> {
        self.listing(&CUSTOMERS, owner, page).await
    }

    pub async fn list_contracts(
        &mut self,
        owner: Owner,
        page: Page,
    ) -> Result<Listed<ContractRow>> {
        self.listing(&CONTRACTS, owner, page).await
    }

    pub async fn list_bills(&mut self, owner: Owner, page: Page) -> Result<Listed<BillRow>> {
        self.listing(&BILLS, owner, page).await
    }

    /// A page of bill lines, in bill and line order. Lines live in their
    /// bill's row: the bills that hold the page are found by the running
    /// count of their lines, and only theirs are decoded.
    pub async fn list_bill_lines(
        &mut self,
        owner: Owner,
        page: Page,
    ) -> Result<Listed<BillLineRow>> {
        let (filter, customer) = match owner {
            Owner::Anyone => ("$1 = $1", 0),
            Owner::Customer(id) => ("customer_id = $1", id),
        };
        let total_sql = format!(
            "SELECT CAST(COALESCE(SUM(line_count), 0) AS BIGINT) FROM bills WHERE {filter}"
        );
        // Each bill with the count of lines before it; the page starts in the
        // first bill whose lines reach past the offset.
        let page_sql = format!(
            "SELECT id, body, lines_before FROM (
                 SELECT id, body, line_count,
                        CAST(SUM(line_count) OVER (ORDER BY id) AS BIGINT) - line_count AS lines_before
                 FROM bills WHERE {filter}
             ) counted
             WHERE lines_before + line_count > $2 AND line_count > 0 ORDER BY id LIMIT $3"
        );
        let offset = page.offset.max(0);
        let limit = page.limit.max(0);
        let (total, bills) = on_tx!(self, c => {
            let total = sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(total_sql))
                .bind(customer)
                .fetch_one(&mut *c)
                .await?;
            // A bill has at least one line here, so `limit` bills hold the page.
            let bills = sqlx::query_as::<_, (i64, Vec<u8>, i64)>(sqlx::AssertSqlSafe(page_sql))
                .bind(customer)
                .bind(offset)
                .bind(limit)
                .fetch_all(&mut *c)
                .await?;
            (total, bills)
        });
        let mut rows = Vec::new();
        for (id, body, lines_before) in bills {
            let skip = usize::try_from((offset - lines_before).max(0)).unwrap_or(0);
            let want = usize::try_from(limit)
                .unwrap_or(0)
                .saturating_sub(rows.len());
            rows.extend(
                crate::bill_body::lines(id, &body)?
                    .into_iter()
                    .skip(skip)
                    .take(want),
            );
            if rows.len() >= usize::try_from(limit).unwrap_or(0) {
                break;
            }
        }
        Ok(Listed { rows, total })
    }

    pub async fn list_payments(&mut self, owner: Owner, page: Page) -> Result<Listed<PaymentRow>> {
        self.listing(&PAYMENTS, owner, page).await
    }

    pub async fn list_complaints(
        &mut self,
        owner: Owner,
        page: Page,
    ) -> Result<Listed<ComplaintRow>> {
        self.listing(&COMPLAINTS, owner, page).await
    }

    pub async fn list_notices(&mut self, owner: Owner, page: Page) -> Result<Listed<NoticeRow>> {
        self.listing(&NOTICES, owner, page).await
    }

    /// Usage records by contract, month and arrival. Records live in
    /// segments: the segments' counts place the page, and only the segments
    /// it covers are decoded.
    pub async fn list_usage(&mut self, owner: Owner, page: Page) -> Result<Listed<UsageRow>> {
        let (filter, customer) = match owner {
            Owner::Anyone => ("$1 = $1", 0),
            Owner::Customer(id) => (
                "contract_id IN (SELECT id FROM contracts WHERE customer_id = $1)",
                id,
            ),
        };
        let counts = format!(
            "SELECT id, records FROM usage_segments WHERE {filter} ORDER BY contract_id, period, id"
        );
        let segments: Vec<(i64, i64)> = on_tx!(self, c => {
            sqlx::query_as(sqlx::AssertSqlSafe(counts))
                .bind(customer)
                .fetch_all(c)
                .await?
        });
        let total = segments.iter().map(|(_, n)| n).sum();
        let (from, to) = (page.offset.max(0), page.offset.max(0) + page.limit.max(0));
        let mut rows = Vec::new();
        let mut start = 0_i64;
        for (id, records) in segments {
            let end = start + records;
            if end > from && start < to {
                let (contract_id, period, import_id, body): (i64, String, Option<i64>, Vec<u8>) = on_tx!(self, c => {
                    sqlx::query_as(
                        "SELECT contract_id, period, import_id, body FROM usage_segments WHERE id = $1",
                    )
                    .bind(id)
                    .fetch_one(c)
                    .await?
                });
                let decoded = crate::segment::rows(contract_id, &period, import_id, &body)?;
                let skip = usize::try_from(from - start).unwrap_or(0);
                let take = usize::try_from(to.min(end) - start.max(from)).unwrap_or(0);
                rows.extend(decoded.into_iter().skip(skip).take(take));
            }
            start = end;
            if start >= to {
                break;
            }
        }
        Ok(Listed { rows, total })
    }
}
