//! Persistence for tarifa behind one interface, with two backends: SQLite
//! (bundled, the embedded default) and PostgreSQL.
//!
//! One SQL text serves both backends (`$1` placeholders work in both); the
//! schema differs only in its DDL, so each backend has its own embedded
//! migrations. Every method that changes state writes an audit event in the
//! same transaction ([`Tx::audit`]), so a change is never recorded without it.
//!
//! The store speaks in rows (integer minor units, ISO date strings); turning
//! them into domain types is the application's job.

mod abuse;
mod accounts_range;
mod bill_body;
mod billing;
mod catalog;
mod codec;
mod complaints;
mod contracts;
mod corrections;
mod einvoices;
mod hub;
mod journal;
mod lean;
mod lean_reads;
mod ledger;
mod listings;
mod notices;
mod parties;
mod pg_copy;
mod promotions;
mod relocations;
mod rows;
mod sales;
mod scheduler;
pub mod segment;
mod services;
pub mod testing;
mod tokens;
mod unlock;
mod usage;

use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{PgPool, Postgres, Sqlite, SqlitePool, Transaction};

pub use accounts_range::{AccountsRange, OwnerRow};
pub use bill_body::{BodyLine, EncodedBody};
pub use corrections::CorrectionRow;
pub use einvoices::{BatchDocument, BatchRow, QueuedDocument, SubmissionRow};
pub use journal::AuditEvent;
pub use lean::{LeanReader, LeanTx, LeanWriter};
pub use lean_reads::{LeanRead, LeanReads};
pub use listings::{Listed, Owner, Page};
pub use rows::*;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(
        "database URL {0:?} is neither SQLite (a file path, sqlite:PATH or sqlite::memory:) nor PostgreSQL (postgres://…)"
    )]
    BadUrl(String),
    #[error("no database at {0:?}: check the path (only commands that seed a database create one)")]
    Missing(String),
    #[error("{url}: {reason}")]
    Connect { url: String, reason: String },
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    /// An error of the lean SQLite path ([`lean`]).
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("migration failed: {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
    #[error("stored {what} is corrupt: {detail}")]
    Corrupt { what: &'static str, detail: String },
    #[error("{0}")]
    Conflict(String),
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// A database URL as it may be shown or logged: a password in its userinfo
/// or in a `password=` parameter is replaced by `***`.
pub fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    let authority = match authority.rsplit_once('@') {
        Some((userinfo, host)) => match userinfo.split_once(':') {
            Some((user, _password)) => format!("{user}:***@{host}"),
            None => format!("{userinfo}@{host}"),
        },
        None => authority.to_owned(),
    };
    let tail = match tail.split_once('?') {
        Some((path, query)) => {
            let query: Vec<String> = query
                .split('&')
                .map(|pair| match pair.split_once('=') {
                    Some((key, _)) if key.eq_ignore_ascii_case("password") => {
                        format!("{key}=***")
                    }
                    _ => pair.to_owned(),
                })
                .collect();
            format!("{path}?{}", query.join("&"))
        }
        None => tail.to_owned(),
    };
    format!("{scheme}://{authority}{tail}")
}

/// Whether [`Store::open_with`] may create a database that is not there.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Create {
    /// Commands that seed a database (demo, serve, simulate, first tokens
    /// and users) make a missing SQLite file.
    IfMissing,
    /// Commands that read or change what is there refuse a missing file:
    /// a mistyped path is an error, not a new empty database.
    Never,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

#[derive(Clone, Debug)]
enum Pool {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// The database: a pool of connections to SQLite or PostgreSQL.
#[derive(Clone, Debug)]
pub struct Store {
    pool: Pool,
    /// The database file, for a SQLite store that is one: the lean path
    /// opens its own connection to it.
    file: Option<std::path::PathBuf>,
    /// The API's point reads of that file (`lean_reads`).
    reads: Option<std::sync::Arc<LeanReads>>,
}

enum TxInner {
    Sqlite(Transaction<'static, Sqlite>),
    Postgres(Transaction<'static, Postgres>),
}

/// One transaction. Dropping it without [`Tx::commit`] rolls everything back,
/// so bad input never leaves half a change behind.
pub struct Tx {
    inner: TxInner,
    actor: String,
    recorded_at: String,
}

/// Runs the same body against whichever backend the transaction holds; the
/// body is compiled once per backend, so the SQL text is shared.
macro_rules! on_tx {
    ($tx:expr, $conn:ident => $body:expr) => {
        match &mut $tx.inner {
            $crate::TxInner::Sqlite(t) => {
                let $conn = &mut **t;
                $body
            }
            $crate::TxInner::Postgres(t) => {
                let $conn = &mut **t;
                $body
            }
        }
    };
}
pub(crate) use on_tx;

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

impl Store {
    /// Opens (creating if needed) and migrates the database at `url`:
    /// `sqlite::memory:`, `sqlite:PATH`, a plain file path, or `postgres://…`.
    pub async fn open(url: &str) -> Result<Self> {
        Self::open_with(url, Create::IfMissing).await
    }

    /// [`Store::open`], creating a missing SQLite file only when `create`
    /// says so. Errors name the URL without its password.
    pub async fn open_with(url: &str, create: Create) -> Result<Self> {
        // The driver's own messages may quote the URL: they are told with
        // the redacted one instead.
        let connect = |e: sqlx::Error| StoreError::Connect {
            url: redact(url),
            reason: e.to_string().replace(url, &redact(url)),
        };
        let store = if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let options = PgConnectOptions::from_str(url).map_err(connect)?;
            // One attempt first: a wrong host, port or password is told at
            // once, not after the pool has retried for its whole timeout.
            {
                use sqlx::Connection as _;
                let probe = sqlx::PgConnection::connect_with(&options)
                    .await
                    .map_err(connect)?;
                let _ = probe.close().await;
            }
            let pool = PgPoolOptions::new()
                .max_connections(16)
                .acquire_timeout(Duration::from_secs(30))
                .connect_with(options)
                .await
                .map_err(connect)?;
            Self {
                pool: Pool::Postgres(pool),
                file: None,
                reads: None,
            }
        } else {
            let memory = url == "sqlite::memory:" || url == ":memory:";
            let mut file = None;
            let options = if memory {
                SqliteConnectOptions::from_str("sqlite::memory:")?
            } else {
                let path = url
                    .strip_prefix("sqlite://")
                    .or_else(|| url.strip_prefix("sqlite:"))
                    .unwrap_or(url);
                if path.is_empty() || path.contains("://") {
                    return Err(StoreError::BadUrl(redact(url)));
                }
                if create == Create::Never && !std::path::Path::new(path).exists() {
                    return Err(StoreError::Missing(path.to_owned()));
                }
                file = Some(std::path::PathBuf::from(path));
                SqliteConnectOptions::new()
                    .filename(path)
                    .create_if_missing(create == Create::IfMissing)
                    .journal_mode(SqliteJournalMode::Wal)
                    .synchronous(SqliteSynchronous::Full)
            }
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(30));
            // An in-memory database lives in its one connection: keep exactly one, forever.
            let pool_options = if memory {
                SqlitePoolOptions::new()
                    .max_connections(1)
                    .min_connections(1)
                    .idle_timeout(None)
                    .max_lifetime(None)
            } else {
                SqlitePoolOptions::new().max_connections(4)
            };
            Self {
                pool: Pool::Sqlite(pool_options.connect_with(options).await.map_err(connect)?),
                reads: file
                    .as_deref()
                    .map(|path| std::sync::Arc::new(LeanReads::new(path))),
                file,
            }
        };
        store.migrate().await?;
        store.convert_usage_rows().await?;
        store.convert_bill_bodies().await?;
        Ok(store)
    }

    async fn migrate(&self) -> Result<()> {
        match &self.pool {
            Pool::Sqlite(pool) => SQLITE_MIGRATIONS.run(pool).await?,
            Pool::Postgres(pool) => POSTGRES_MIGRATIONS.run(pool).await?,
        }
        Ok(())
    }

    /// The database file of a SQLite store that is one.
    pub(crate) fn sqlite_file(&self) -> Option<&std::path::PathBuf> {
        self.file.as_ref()
    }

    /// The API's point reads on the lean path, when the store is a SQLite
    /// file (`crate::lean_reads`).
    pub fn lean_reads(&self) -> Option<&LeanReads> {
        self.reads.as_deref()
    }

    pub fn backend(&self) -> Backend {
        match self.pool {
            Pool::Sqlite(_) => Backend::Sqlite,
            Pool::Postgres(_) => Backend::Postgres,
        }
    }

    /// Begins a transaction on behalf of `actor` (a user, a token, `scheduler`,
    /// `simulate`), who is named in every audit event it writes.
    /// `recorded_at` is the instant the change is recorded (RFC 3339), from the
    /// caller's clock, so virtual-clock runs audit virtual time.
    ///
    /// On SQLite the transaction takes the write lock at once (`BEGIN
    /// IMMEDIATE`): a transaction that read first and wrote later would fail
    /// outright, not wait, if another connection wrote in between.
    pub async fn begin(&self, actor: &str, recorded_at: &str) -> Result<Tx> {
        let inner = match &self.pool {
            Pool::Sqlite(pool) => TxInner::Sqlite(pool.begin_with("BEGIN IMMEDIATE").await?),
            Pool::Postgres(pool) => TxInner::Postgres(pool.begin().await?),
        };
        Ok(Tx {
            inner,
            actor: actor.to_owned(),
            recorded_at: recorded_at.to_owned(),
        })
    }

    /// Begins a transaction that only reads (the API's reads): on SQLite it
    /// takes no write lock, so readers never wait for writers.
    pub async fn begin_read(&self, actor: &str, recorded_at: &str) -> Result<Tx> {
        let inner = match &self.pool {
            Pool::Sqlite(pool) => TxInner::Sqlite(pool.begin().await?),
            Pool::Postgres(pool) => TxInner::Postgres(pool.begin().await?),
        };
        Ok(Tx {
            inner,
            actor: actor.to_owned(),
            recorded_at: recorded_at.to_owned(),
        })
    }

    /// Whether the database holds anything of an operator's: a customer or
    /// an audit event (a fresh database has neither).
    pub async fn holds_data(&self) -> Result<bool> {
        let sql = "SELECT (SELECT COUNT(*) FROM (SELECT 1 FROM customers LIMIT 1) c)
                        + (SELECT COUNT(*) FROM (SELECT 1 FROM audit_events LIMIT 1) a)";
        let count: i64 = match &self.pool {
            Pool::Sqlite(pool) => sqlx::query_scalar(sql).fetch_one(pool).await?,
            Pool::Postgres(pool) => sqlx::query_scalar(sql).fetch_one(pool).await?,
        };
        Ok(count > 0)
    }

    /// Closes the pool, waiting for connections to finish.
    pub async fn close(&self) {
        match &self.pool {
            Pool::Sqlite(pool) => pool.close().await,
            Pool::Postgres(pool) => pool.close().await,
        }
    }
}

impl Tx {
    pub async fn commit(self) -> Result<()> {
        match self.inner {
            TxInner::Sqlite(t) => t.commit().await?,
            TxInner::Postgres(t) => t.commit().await?,
        }
        Ok(())
    }

    pub async fn rollback(self) -> Result<()> {
        match self.inner {
            TxInner::Sqlite(t) => t.rollback().await?,
            TxInner::Postgres(t) => t.rollback().await?,
        }
        Ok(())
    }

    pub fn actor(&self) -> &str {
        &self.actor
    }

    /// Whether the database has a table of this name (tables of an older
    /// form exist until the store has converted them).
    pub(crate) async fn has_table(&mut self, name: &str) -> Result<bool> {
        Ok(match &mut self.inner {
            TxInner::Sqlite(c) => {
                sqlx::query_scalar::<_, i64>(
                    "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = $1",
                )
                .bind(name)
                .fetch_one(&mut **c)
                .await?
                    > 0
            }
            TxInner::Postgres(c) => {
                sqlx::query_scalar::<_, bool>("SELECT to_regclass($1::text) IS NOT NULL")
                    .bind(name)
                    .fetch_one(&mut **c)
                    .await?
            }
        })
    }

    /// Whether table `table` has a column of this name (columns of an older
    /// form exist until the store has converted them).
    pub(crate) async fn has_column(&mut self, table: &str, column: &str) -> Result<bool> {
        Ok(match &mut self.inner {
            TxInner::Sqlite(c) => {
                sqlx::query_scalar::<_, i64>(
                    "SELECT COUNT(*) FROM pragma_table_info($1) WHERE name = $2",
                )
                .bind(table)
                .bind(column)
                .fetch_one(&mut **c)
                .await?
                    > 0
            }
            TxInner::Postgres(c) => {
                sqlx::query_scalar::<_, bool>(
                    "SELECT EXISTS (SELECT 1 FROM information_schema.columns
                     WHERE table_schema = current_schema() AND table_name = $1 AND column_name = $2)",
                )
                .bind(table)
                .bind(column)
                .fetch_one(&mut **c)
                .await?
            }
        })
    }
}

/// Bools travel as bool on both backends (SQLite stores 0/1).
pub(crate) fn json<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_else(|_| "null".to_owned())
}

#[cfg(test)]
mod tests {
    use super::redact;

    #[test]
    fn a_url_is_shown_without_its_password() {
        assert_eq!(
            redact("postgres://tarifa:s3cret@db.example:5432/bss"),
            "postgres://tarifa:***@db.example:5432/bss"
        );
        assert_eq!(
            redact("postgresql://db/bss?user=x&password=s3cret&sslmode=require"),
            "postgresql://db/bss?user=x&password=***&sslmode=require"
        );
        assert_eq!(
            redact("postgres://a:b:c@host/db"),
            "postgres://a:***@host/db",
            "everything after the first colon of the userinfo"
        );
        assert_eq!(redact("postgres://user@host/db"), "postgres://user@host/db");
        assert_eq!(redact("tarifa-demo.sqlite"), "tarifa-demo.sqlite");
        assert_eq!(redact("sqlite::memory:"), "sqlite::memory:");
    }
}
