//! Which contract a usage record belongs to: where each subscriber number
//! pointed over time (CON-13 number changes included), and the last month
//! billed in each market (usage for it is late usage).

use std::collections::HashMap;
use std::sync::Arc;

use jiff::civil::Date;
use tarifa_core::market::Market;
use tarifa_store::NumberRow;

use crate::{App, Result, convert};

/// A fast hasher for the import's maps (keys are our own data, not an
/// attacker's: no need for SipHash's flood resistance).
pub(super) type FastMap<K, V> = HashMap<K, V, foldhash::fast::RandomState>;

/// A contract that held a number from one day to another.
#[derive(Clone, Debug)]
pub(super) struct Holding {
    pub contract_id: i64,
    /// Index into [`NumberIndex::markets`].
    pub market: usize,
    pub from: Date,
    pub to: Option<Date>,
}

pub(super) struct NumberIndex {
    by_number: FastMap<String, Vec<Holding>>,
    pub markets: Vec<Arc<Market>>,
    market_of: FastMap<i64, usize>,
    billed_through: HashMap<String, String>,
    /// The last day a record may carry: tomorrow on the market's calendar
    /// (a day's grace for clocks that run ahead), per market index.
    last_day: Vec<Date>,
}

impl NumberIndex {
    /// Every number of every contract: for files.
    pub async fn load(app: &App, tx: &mut tarifa_store::Tx) -> Result<Self> {
        let rows = tx.contract_numbers().await?;
        Self::of(app, tx, rows).await
    }

    /// Only the contracts that held these numbers: for a few records (the
    /// API, scenario steps), so that one record does not read every number.
    pub async fn load_for(app: &App, tx: &mut tarifa_store::Tx, numbers: &[&str]) -> Result<Self> {
        let mut rows: Vec<NumberRow> = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for number in numbers {
            for row in tx.contracts_with_number(number).await? {
                if seen.insert(row.contract_id) {
                    rows.push(row);
                }
            }
        }
        rows.sort_by_key(|r| r.contract_id);
        Self::of(app, tx, rows).await
    }

    async fn of(app: &App, tx: &mut tarifa_store::Tx, rows: Vec<NumberRow>) -> Result<Self> {
        let billed_through = tx.billed_through().await?.into_iter().collect();
        let mut markets: Vec<Arc<Market>> = Vec::new();
        let mut market_of = FastMap::default();
        let mut by_number: FastMap<String, Vec<Holding>> = FastMap::default();
        // CON-13: a number a contract held before a change points to it until
        // the day before the change; the current number from that day.
        let mut changed: HashMap<i64, Vec<(String, Date)>> = HashMap::new();
        for (contract, old, applied) in tx.applied_number_changes().await? {
            changed
                .entry(contract)
                .or_default()
                .push((old, convert::date("number change", &applied)?));
        }
        for row in rows {
            let market = match markets.iter().position(|m| m.id == row.market) {
                Some(i) => i,
                None => {
                    markets.push(Arc::clone(app.market(&row.market)?));
                    markets.len() - 1
                }
            };
            market_of.insert(row.contract_id, market);
            let mut from = convert::date("activation date", &row.activated_on)?;
            let to = row
                .ended_on
                .as_deref()
                .map(|d| convert::date("end date", d))
                .transpose()?;
            for (old, applied) in changed.remove(&row.contract_id).unwrap_or_default() {
                by_number.entry(old).or_default().push(Holding {
                    contract_id: row.contract_id,
                    market,
                    from,
                    to: applied.yesterday().ok(),
                });
                from = applied;
            }
            by_number.entry(row.number).or_default().push(Holding {
                contract_id: row.contract_id,
                market,
                from,
                to,
            });
        }
        let last_day = markets
            .iter()
            .map(|m| app.today(m).tomorrow().unwrap_or_else(|_| app.today(m)))
            .collect();
        Ok(Self {
            by_number,
            markets,
            market_of,
            billed_through,
            last_day,
        })
    }

    /// Whether usage of a contract's month arrives after that month was billed.
    pub fn is_late(&self, contract_id: i64, period: &str) -> bool {
        self.market_of
            .get(&contract_id)
            .and_then(|m| self.billed_through.get(&self.markets[*m].id))
            .is_some_and(|through| period <= through.as_str())
    }

    /// The market a number belongs to (that of any contract that held it):
    /// whose time zone turns a record's instant into local time.
    pub fn market_of_number(&self, number: &str) -> Option<&Market> {
        self.by_number
            .get(number)
            .and_then(|holdings| holdings.first())
            .map(|h| self.markets[h.market].as_ref())
    }

    /// The last day a record of market `market` (an index) may carry.
    pub fn last_day(&self, market: usize) -> Date {
        self.last_day[market]
    }

    /// The contract that held `number` on `day`.
    pub fn contract_on(&self, number: &str, day: Date) -> Option<&Holding> {
        self.by_number
            .get(number)?
            .iter()
            .rev()
            .find(|h| h.from <= day && h.to.is_none_or(|to| day <= to))
    }
}
