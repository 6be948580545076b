//! Test support shared by this crate's suite and the application's: a fresh,
//! empty database on each backend the machine offers.

use std::sync::atomic::{AtomicU32, Ordering};

use crate::{EncodedBody, Result, Store};

/// Of the bills of `market`: how many there are, and the numbers of those
/// whose stored body differs from the one their detail and lines, as JSON
/// texts, encode to. The bill run writes bodies from values
/// ([`EncodedBody::write`]); both ways must agree.
pub async fn bodies_unlike_their_json(store: &Store, market: &str) -> Result<(usize, Vec<String>)> {
    let mut tx = store.begin_read("test", "2026-01-01T00:00:00Z").await?;
    let mut unlike = Vec::new();
    let bills = tx.bills(market).await?;
    let count = bills.len();
    for bill in bills {
        let lines = tx.bill_lines(bill.id).await?;
        let stored = tx.bill_body(bill.id).await?;
        let from_json = EncodedBody::from_json(&bill.detail, &lines)?;
        if stored.as_deref() != Some(from_json.bytes()) {
            unlike.push(bill.number);
        }
    }
    tx.rollback().await?;
    Ok((count, unlike))
}

/// The variable that enables the PostgreSQL runs, e.g.
/// `postgres://postgres:postgres@localhost/postgres`.
pub const DATABASE_URL_VAR: &str = "TARIFA_TEST_DATABASE_URL";

/// A database made for one test; [`TestDatabase::drop_database`] removes it.
pub struct TestDatabase {
    pub url: String,
    admin_url: Option<String>,
    name: Option<String>,
}

static COUNTER: AtomicU32 = AtomicU32::new(0);

impl TestDatabase {
    /// An empty PostgreSQL database on the server `TARIFA_TEST_DATABASE_URL`
    /// names, when it is set.
    pub async fn postgres() -> Result<Option<Self>> {
        let Ok(admin_url) = std::env::var(DATABASE_URL_VAR) else {
            return Ok(None);
        };
        let name = format!(
            "tarifa_test_{}_{}_{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.subsec_nanos())
                .unwrap_or(0)
        );
        let admin = sqlx::PgPool::connect(&admin_url).await?;
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&admin)
            .await?;
        admin.close().await;
        let url = with_database(&admin_url, &name);
        Ok(Some(Self {
            url,
            admin_url: Some(admin_url),
            name: Some(name),
        }))
    }

    /// An in-memory SQLite database.
    pub fn sqlite() -> Self {
        Self {
            url: "sqlite::memory:".to_owned(),
            admin_url: None,
            name: None,
        }
    }

    /// A SQLite file of its own in the temporary folder: unlike memory, it
    /// has the lean path (`crate::lean`, `crate::lean_reads`).
    pub fn sqlite_file() -> Self {
        let path = std::env::temp_dir().join(format!(
            "tarifa-test-{}-{}.sqlite",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        for stale in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{stale}", path.display()));
        }
        Self {
            url: format!("sqlite:{}", path.display()),
            admin_url: None,
            name: None,
        }
    }

    /// [`TestDatabase::all`] and a SQLite file besides.
    pub async fn all_and_a_file() -> Result<Vec<Self>> {
        let mut all = Self::all().await?;
        all.insert(1, Self::sqlite_file());
        Ok(all)
    }

    /// Every backend available here: SQLite always, PostgreSQL when configured.
    pub async fn all() -> Result<Vec<Self>> {
        let mut all = vec![Self::sqlite()];
        if let Some(pg) = Self::postgres().await? {
            all.push(pg);
        }
        Ok(all)
    }

    pub async fn open(&self) -> Result<Store> {
        Store::open(&self.url).await
    }

    /// Removes a PostgreSQL test database or a SQLite test file (closing
    /// the store first).
    pub async fn drop_database(self) -> Result<()> {
        if let Some(path) = self
            .url
            .strip_prefix("sqlite:")
            .filter(|p| !p.starts_with(':'))
        {
            for file in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{path}{file}"));
            }
        }
        if let (Some(admin_url), Some(name)) = (self.admin_url, self.name) {
            let admin = sqlx::PgPool::connect(&admin_url).await?;
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
            )))
            .execute(&admin)
            .await?;
            admin.close().await;
        }
        Ok(())
    }
}

/// Runs SQL of a test's own on the store (to build a database of an older
/// form, say): never for anything but tests.
pub async fn execute(store: &Store, sql: &str) -> Result<()> {
    match &store.pool {
        crate::Pool::Sqlite(pool) => {
            sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_owned()))
                .execute(pool)
                .await?;
        }
        crate::Pool::Postgres(pool) => {
            sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_owned()))
                .execute(pool)
                .await?;
        }
    }
    Ok(())
}

/// The URL of another database on the same server: `postgres://u:p@h:5432/db?x`
/// with `db` replaced by `name`.
fn with_database(url: &str, name: &str) -> String {
    let after_scheme = url.find("://").map_or(0, |i| i + 3);
    let (head, tail) = url.split_at(after_scheme);
    let (authority, rest) = tail.split_at(tail.find('/').unwrap_or(tail.len()));
    let query = rest.find('?').map_or("", |q| &rest[q..]);
    format!("{head}{authority}/{name}{query}")
}

#[cfg(test)]
mod tests {
    #[test]
    fn replaces_the_database() {
        assert_eq!(
            super::with_database(
                "postgres://u:p@localhost:5432/postgres?sslmode=disable",
                "t1"
            ),
            "postgres://u:p@localhost:5432/t1?sslmode=disable"
        );
        assert_eq!(
            super::with_database("postgres://localhost", "t1"),
            "postgres://localhost/t1"
        );
    }
}
