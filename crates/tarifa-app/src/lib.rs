//! tarifa's use cases. Each command parses its input into core types, opens
//! one transaction, lets `tarifa-core` decide, and writes the new state, the
//! decision and the audit trail in that one transaction.

pub mod abuse;
mod bill_notices;
pub mod billing;
mod charges;
pub mod complaints;
pub mod contracts;
mod convert;
pub mod corrections;
pub mod customers;
pub mod delivery;
pub mod documents;
mod dunning;
pub mod einvoice;
pub mod notices;
mod outbox;
pub mod ownership;
pub mod presets;
pub mod pricing;
mod promotions;
pub mod reads;
pub mod relocation;
pub mod sales;
pub mod scheduler;
pub mod services;
pub mod simulate;
pub mod termination;
pub mod terms;
pub mod tokens;
pub mod unlock;
pub mod usage;
pub mod withdrawal;

use std::collections::BTreeMap;
use std::sync::Arc;

use jiff::Timestamp;
use jiff::civil::Date;
use tarifa_core::catalog::Catalog;
use tarifa_core::market::Market;
use tarifa_core::rule::Decision;
use tarifa_core::time::Clock;
use tarifa_store::{NewDecision, Store, StoreError, Tx};

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("unknown market {0:?} (loaded: {1})")]
    UnknownMarket(String, String),
    #[error("{what} {id:?} not found")]
    NotFound { what: &'static str, id: String },
    #[error("{field}: {reason}")]
    Invalid { field: String, reason: String },
    #[error("{0}")]
    Conflict(String),
    #[error(transparent)]
    Text(#[from] tarifa_texts::TextError),
    #[error(transparent)]
    Render(#[from] tarifa_render::RenderError),
}

impl AppError {
    pub fn invalid(field: impl Into<String>, reason: impl Into<String>) -> Self {
        Self::Invalid {
            field: field.into(),
            reason: reason.into(),
        }
    }

    pub fn not_found(what: &'static str, id: impl Into<String>) -> Self {
        Self::NotFound {
            what,
            id: id.into(),
        }
    }
}

pub type Result<T, E = AppError> = std::result::Result<T, E>;

/// The system clock, for the server. Everything else uses a manual clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        Timestamp::now()
    }
}

/// Who asks, and where from: named in audit events and decisions.
#[derive(Clone, Debug)]
pub struct Ctx {
    /// The actor of the audit trail (`agent:7`, `scheduler`, `simulate`).
    pub actor: String,
    /// Where the request came from (e.g. `step 7`), kept with decisions.
    pub context: Option<String>,
}

impl Ctx {
    pub fn new(actor: impl Into<String>) -> Self {
        Self {
            actor: actor.into(),
            context: None,
        }
    }

    pub fn with_context(mut self, context: impl Into<String>) -> Self {
        self.context = Some(context.into());
        self
    }
}

/// A command's result: the decision and, when approved, what it created.
#[derive(Clone, Debug)]
pub struct Decided<T> {
    pub decision: Decision,
    pub value: Option<T>,
}

/// The application: the store, the markets it serves and the clock.
#[derive(Clone)]
pub struct App {
    store: Store,
    markets: Arc<BTreeMap<String, Arc<Market>>>,
    clock: Arc<dyn Clock>,
}

impl App {
    /// Builds the application over a store, registering each market (and, the
    /// first time a market is stored, its preset catalog).
    pub async fn new(store: Store, markets: Vec<Market>, clock: Arc<dyn Clock>) -> Result<Self> {
        for (i, market) in markets.iter().enumerate() {
            if let Some(other) = markets[..i].iter().find(|m| m.id == market.id) {
                return Err(AppError::Conflict(format!(
                    "{} and {} both define market {:?}: keep one",
                    other.source, market.source, market.id
                )));
            }
        }
        let app = Self {
            store,
            markets: Arc::new(
                markets
                    .into_iter()
                    .map(|m| (m.id.clone(), Arc::new(m)))
                    .collect(),
            ),
            clock,
        };
        for market in app.markets.values() {
            let mut tx = app.begin(&Ctx::new("system")).await?;
            let fresh = !tx.has_market(&market.id).await?;
            // Stored money is in minor units of the market's currency: a file
            // that names another currency would relabel every amount.
            tx.ensure_market(&market.id, market.currency.code())
                .await
                .map_err(|e| {
                    AppError::Conflict(format!(
                        "{}: {e}; a market's currency cannot change once it holds data",
                        market.source
                    ))
                })?;
            if fresh {
                convert::store_catalog(&mut tx, market, &market.catalog).await?;
            }
            tx.commit().await?;
        }
        Ok(app)
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    pub fn clock(&self) -> &Arc<dyn Clock> {
        &self.clock
    }

    pub fn market(&self, id: &str) -> Result<&Arc<Market>> {
        self.markets.get(id).ok_or_else(|| {
            AppError::UnknownMarket(
                id.to_owned(),
                self.markets.keys().cloned().collect::<Vec<_>>().join(", "),
            )
        })
    }

    pub fn markets(&self) -> impl Iterator<Item = &Arc<Market>> {
        self.markets.values()
    }

    /// Today in a market's time zone, from the application's clock.
    pub fn today(&self, market: &Market) -> Date {
        self.clock.today(&market.time_zone)
    }

    /// Opens a transaction for `ctx`, stamped with the clock's instant.
    pub async fn begin(&self, ctx: &Ctx) -> Result<Tx> {
        Ok(self
            .store
            .begin(&ctx.actor, &self.clock.now().to_string())
            .await?)
    }

    /// Opens a transaction that only reads (never committed): it does not
    /// wait for, or hold up, the writers.
    pub async fn begin_read(&self, ctx: &Ctx) -> Result<Tx> {
        Ok(self
            .store
            .begin_read(&ctx.actor, &self.clock.now().to_string())
            .await?)
    }

    /// A contract's row, its market and today there: where most commands
    /// about a contract start.
    pub(crate) async fn load_contract(
        &self,
        tx: &mut Tx,
        contract_id: i64,
    ) -> Result<(tarifa_store::ContractRow, Arc<Market>, Date)> {
        let row = tx
            .contract(contract_id)
            .await?
            .ok_or_else(|| AppError::not_found("contract", contract_id.to_string()))?;
        let market = self.market(&row.market)?.clone();
        let today = self.today(&market);
        Ok((row, market, today))
    }

    /// A customer's row, its market and today there: where commands about
    /// a customer start.
    pub(crate) async fn load_customer(
        &self,
        tx: &mut Tx,
        customer_id: i64,
    ) -> Result<(tarifa_store::CustomerRow, Arc<Market>, Date)> {
        let row = tx
            .customer(customer_id)
            .await?
            .ok_or_else(|| AppError::not_found("customer", customer_id.to_string()))?;
        let market = self.market(&row.market)?.clone();
        let today = self.today(&market);
        Ok((row, market, today))
    }

    /// Whether the store answers (the server's readiness).
    pub async fn check_store(&self) -> Result<()> {
        let tx = self.begin_read(&Ctx::new("readiness")).await?;
        tx.rollback().await?;
        Ok(())
    }

    /// The market's current catalog: the preset plus every change stored since.
    pub async fn catalog(&self, tx: &mut Tx, market: &Market) -> Result<Catalog> {
        convert::load_catalog(tx, market).await
    }

    /// Adds or replaces catalog items (scenario additions, price-list updates).
    pub async fn update_catalog(&self, ctx: &Ctx, market: &Market, items: &Catalog) -> Result<()> {
        let mut tx = self.begin(ctx).await?;
        convert::store_catalog(&mut tx, market, items).await?;
        tx.commit().await?;
        Ok(())
    }
}

/// The last steps of a command: its decision recorded, its transaction
/// committed, the decision handed back with its value.
pub(crate) async fn conclude<T>(
    mut tx: Tx,
    ctx: &Ctx,
    market: &Market,
    on: Date,
    action: &str,
    subject: Option<String>,
    decided: Decided<T>,
) -> Result<Decided<T>> {
    record(&mut tx, market, on, action, subject, &decided.decision, ctx).await?;
    tx.commit().await?;
    Ok(decided)
}

/// Writes a decision with its context.
pub(crate) async fn record(
    tx: &mut Tx,
    market: &Market,
    on: Date,
    action: &str,
    subject: Option<String>,
    decision: &Decision,
    ctx: &Ctx,
) -> Result<i64> {
    Ok(tx
        .record_decision(&NewDecision {
            market: market.id.clone(),
            on_date: on.to_string(),
            action: action.to_owned(),
            subject,
            outcome: decision.outcome.as_str().to_owned(),
            rules: decision.rules.iter().map(ToString::to_string).collect(),
            reasons: decision.reason_texts(),
            context: ctx.context.clone(),
        })
        .await?)
}
