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

/// A contract that held a number from one day to another. Small (16
/// bytes), since a file in time order looks one up at random for every
/// record: the smaller the table, the more of it the caches hold.
#[derive(Clone, Copy, Debug)]
pub(super) struct Holding {
    /// The contract's place in [`NumberIndex::contract_id`]'s numbering
    /// (dense, for arrays indexed by contract).
    pub slot: u32,
    /// Index into [`NumberIndex::markets`].
    market: u16,
    from: Date,
    /// The last day held; [`Date::MAX`] while it is held.
    to: Date,
}

impl Holding {
    fn covers(&self, day: Date) -> bool {
        self.from <= day && day <= self.to
    }

    /// Index into [`NumberIndex::markets`].
    pub fn market(&self) -> usize {
        usize::from(self.market)
    }
}

/// An E.164 number (`+` and at most 15 digits) as an integer: its digits,
/// and their count in the top byte (so that `+0…` numbers stay apart).
/// Looking numbers up by integer keeps an import's lookup to one probe of
/// the table, where a text key is one more read elsewhere in memory.
fn number_key(number: &str) -> Option<u64> {
    let digits = number.strip_prefix('+')?.as_bytes();
    if digits.is_empty() || digits.len() > 15 {
        return None;
    }
    let mut n = 0_u64;
    for d in digits {
        if !d.is_ascii_digit() {
            return None;
        }
        n = n * 10 + u64::from(d - b'0');
    }
    Some((digits.len() as u64) << 56 | n)
}

/// Every contract that held each number, in the order they were added:
/// the last one kept in the table itself (most numbers have one holder).
#[derive(Default)]
struct Holders {
    latest: FastMap<u64, Holding>,
    earlier: FastMap<u64, Vec<Holding>>,
    /// Numbers that are not E.164 (kept, though no record can name them).
    other: FastMap<String, Vec<Holding>>,
}

impl Holders {
    fn add(&mut self, number: String, holding: Holding) {
        let Some(key) = number_key(&number) else {
            self.other.entry(number).or_default().push(holding);
            return;
        };
        if let Some(before) = self.latest.insert(key, holding) {
            self.earlier.entry(key).or_default().push(before);
        }
    }

    /// The last added holding of `number` that `pick` takes.
    fn find(&self, number: &str, pick: impl Fn(&Holding) -> bool) -> Option<&Holding> {
        let Some(key) = number_key(number) else {
            return self.other.get(number)?.iter().rev().find(|h| pick(h));
        };
        let latest = self.latest.get(&key)?;
        if pick(latest) {
            return Some(latest);
        }
        self.earlier.get(&key)?.iter().rev().find(|h| pick(h))
    }

    /// The first holding added for `number`.
    fn first(&self, number: &str) -> Option<&Holding> {
        let Some(key) = number_key(number) else {
            return self.other.get(number)?.first();
        };
        match self.earlier.get(&key).and_then(|e| e.first()) {
            Some(first) => Some(first),
            None => self.latest.get(&key),
        }
    }
}

pub(super) struct NumberIndex {
    by_number: Holders,
    /// Contract ids by slot.
    contracts: Vec<i64>,
    /// Market indexes by slot.
    market_of: Vec<u16>,
    pub markets: Vec<Arc<Market>>,
    /// The last period billed, per market index.
    billed_through: Vec<Option<String>>,
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
        let billed: HashMap<String, String> = tx.billed_through().await?.into_iter().collect();
        let mut markets: Vec<Arc<Market>> = Vec::new();
        let mut market_of = Vec::with_capacity(rows.len());
        let mut by_number = Holders::default();
        let mut contracts = Vec::with_capacity(rows.len());
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
            let market = u16::try_from(market).map_err(|_| {
                crate::AppError::Conflict("more markets than an import can index".to_owned())
            })?;
            market_of.push(market);
            let slot = u32::try_from(contracts.len()).map_err(|_| {
                crate::AppError::Conflict("more contracts than an import can index".to_owned())
            })?;
            contracts.push(row.contract_id);
            let mut from = convert::date("activation date", &row.activated_on)?;
            let to = match row.ended_on.as_deref() {
                Some(d) => convert::date("end date", d)?,
                None => Date::MAX,
            };
            for (old, applied) in changed.remove(&row.contract_id).unwrap_or_default() {
                by_number.add(
                    old,
                    Holding {
                        slot,
                        market,
                        from,
                        to: applied.yesterday().unwrap_or(Date::MIN),
                    },
                );
                from = applied;
            }
            by_number.add(
                row.number,
                Holding {
                    slot,
                    market,
                    from,
                    to,
                },
            );
        }
        let last_day = markets
            .iter()
            .map(|m| app.today(m).tomorrow().unwrap_or_else(|_| app.today(m)))
            .collect();
        let billed_through = markets.iter().map(|m| billed.get(&m.id).cloned()).collect();
        Ok(Self {
            by_number,
            contracts,
            market_of,
            markets,
            billed_through,
            last_day,
        })
    }

    /// Whether usage of a contract's (a slot's) month arrives after that
    /// month was billed.
    pub fn is_late(&self, slot: u32, period: &str) -> bool {
        self.billed_through[usize::from(self.market_of[slot as usize])]
            .as_deref()
            .is_some_and(|through| period <= through)
    }

    /// The market a number belongs to (that of any contract that held it):
    /// whose time zone turns a record's instant into local time.
    pub fn market_of_number(&self, number: &str) -> Option<&Market> {
        self.by_number
            .first(number)
            .map(|h| self.markets[h.market()].as_ref())
    }

    /// The last day a record of market `market` (an index) may carry.
    pub fn last_day(&self, market: usize) -> Date {
        self.last_day[market]
    }

    /// The contract that held `number` on `day`.
    pub fn contract_on(&self, number: &str, day: Date) -> Option<&Holding> {
        self.by_number.find(number, |h| h.covers(day))
    }

    /// The contract of a slot ([`Holding::slot`]).
    pub fn contract_id(&self, slot: u32) -> i64 {
        self.contracts[slot as usize]
    }

    /// How many slots there are.
    pub fn contract_count(&self) -> usize {
        self.contracts.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn holding(slot: u32, from: &str, to: Option<&str>) -> Holding {
        Holding {
            slot,
            market: 0,
            from: from.parse().expect("date"),
            to: to.map_or(Date::MAX, |t| t.parse().expect("date")),
        }
    }

    #[test]
    fn a_holding_is_small() {
        assert_eq!(size_of::<Holding>(), 16);
    }

    #[test]
    fn numbers_are_told_apart_by_their_digits_and_their_length() {
        assert_eq!(number_key("+38267123456"), Some(11 << 56 | 38_267_123_456));
        assert_ne!(number_key("+0123456"), number_key("+123456"));
        assert_eq!(
            number_key("+999999999999999").map(|k| k & ((1 << 56) - 1)),
            Some(999_999_999_999_999)
        );
        for odd in ["38267123456", "+", "+1234567890123456", "+3826a", "+ 382"] {
            assert_eq!(number_key(odd), None, "{odd}");
        }
    }

    #[test]
    fn the_last_added_holder_of_a_day_is_found() {
        let mut holders = Holders::default();
        holders.add(
            "+38267000001".into(),
            holding(1, "2025-01-01", Some("2025-12-31")),
        );
        holders.add("+38267000001".into(), holding(2, "2026-01-01", None));
        holders.add("+38267000001".into(), holding(3, "2026-02-01", None));
        holders.add("odd".into(), holding(4, "2025-01-01", None));
        let on = |number: &str, day: &str| {
            let day: Date = day.parse().expect("date");
            holders.find(number, |h| h.covers(day)).map(|h| h.slot)
        };
        assert_eq!(on("+38267000001", "2025-06-01"), Some(1));
        assert_eq!(on("+38267000001", "2026-01-15"), Some(2));
        assert_eq!(
            on("+38267000001", "2026-02-15"),
            Some(3),
            "the last added first"
        );
        assert_eq!(on("+38267000001", "2024-12-31"), None);
        assert_eq!(on("+38267000002", "2026-01-15"), None);
        assert_eq!(on("odd", "2026-01-15"), Some(4));
        assert_eq!(holders.first("+38267000001").map(|h| h.slot), Some(1));
        assert_eq!(holders.first("odd").map(|h| h.slot), Some(4));
    }
}
