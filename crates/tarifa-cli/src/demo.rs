//! `tarifa demo`: seeds a database with customers and contracts in every
//! market and runs three months of the daily scheduler on a manual clock.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use indicatif::{ProgressBar, ProgressStyle};
use jiff::ToSpan;
use jiff::civil::Date;
use tarifa_app::contracts::{DeviceInput, SignRequest};
use tarifa_app::{App, Ctx};
use tarifa_core::catalog::Catalog;
use tarifa_core::contract::{Benefit, BenefitKind, SalesChannel};
use tarifa_core::device::luhn_check_digit;
use tarifa_core::market::Market;
use tarifa_core::party::{
    IdDocumentKind, PartyApplication, PartyKind, Residency, accepted_documents,
};
use tarifa_core::time::{Clock, ManualClock, add_months};
use tarifa_store::Store;

use crate::DEFAULT_DB;

#[derive(clap::Args)]
pub struct Args {
    /// Database to seed: an SQLite file, sqlite::memory: or postgres://… (must be empty).
    /// Default: ./tarifa-demo.sqlite, recreated on every run.
    #[arg(long, value_name = "URL")]
    db: Option<String>,
    /// Customers to register per market.
    #[arg(long, default_value_t = 300)]
    customers: u32,
    /// First day of the three months (default: the 1st of the month three months ago).
    #[arg(long)]
    start: Option<Date>,
    /// Seed of the generated data.
    #[arg(long, default_value_t = 2026)]
    seed: u64,
    /// Print the summary as one JSON object.
    #[arg(long)]
    json: bool,
}

/// A small deterministic generator (SplitMix64): the demo is reproducible from its seed.
pub(crate) struct Dice(pub(crate) u64);

impl Dice {
    pub(crate) fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    pub(crate) fn below(&mut self, n: u64) -> u64 {
        if n == 0 { 0 } else { self.next() % n }
    }

    pub(crate) fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    pub(crate) fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        let len = u64::try_from(items.len()).unwrap_or(1);
        &items[usize::try_from(self.below(len)).unwrap_or(0)]
    }

    pub(crate) fn imei(&mut self) -> String {
        let body: String = (0..14)
            .map(|_| char::from(b'0' + u8::try_from(self.below(10)).unwrap_or(0)))
            .collect();
        let check = luhn_check_digit(&body);
        format!("{body}{check}")
    }
}

fn names(market: &str) -> (&'static [&'static str], &'static [&'static str]) {
    match market {
        "hu" => (
            &[
                "Bence", "Anna", "Máté", "Zsófia", "Levente", "Eszter", "Dániel", "Réka",
                "Gergely", "Katalin",
            ],
            &[
                "Nagy", "Kovács", "Tóth", "Szabó", "Horváth", "Varga", "Kiss", "Molnár", "Németh",
                "Farkas",
            ],
        ),
        "me" => (
            &[
                "Marko", "Jelena", "Nikola", "Milica", "Vuk", "Ana", "Luka", "Teodora", "Stefan",
                "Maja",
            ],
            &[
                "Vujović",
                "Popović",
                "Radović",
                "Kovačević",
                "Đukanović",
                "Perović",
                "Lekić",
                "Bulatović",
                "Marković",
                "Šćekić",
            ],
        ),
        _ => (
            &[
                "Milan", "Jovana", "Nemanja", "Ivana", "Aleksa", "Mina", "Lazar", "Sara", "Đorđe",
                "Tamara",
            ],
            &[
                "Jovanović",
                "Petrović",
                "Nikolić",
                "Marković",
                "Đorđević",
                "Stojanović",
                "Ilić",
                "Stanković",
                "Pavlović",
                "Milošević",
            ],
        ),
    }
}

#[derive(Default, serde::Serialize)]
struct MarketSummary {
    currency: String,
    customers: i64,
    contracts: i64,
    bills: i64,
    billed: String,
    paid: String,
    outstanding: String,
    contracts_by_status: BTreeMap<String, i64>,
    in_commitment: i64,
    decisions_approved: i64,
    decisions_rejected: i64,
}

pub fn run(args: Args, markets_dir: Option<&PathBuf>) -> Result<()> {
    let markets = crate::load_markets(markets_dir)?;
    let url = match &args.db {
        Some(url) => url.clone(),
        None => {
            for suffix in ["", "-wal", "-shm"] {
                let path = format!("{DEFAULT_DB}{suffix}");
                if std::path::Path::new(&path).exists() {
                    std::fs::remove_file(&path)
                        .with_context(|| format!("removing the previous demo database {path}"))?;
                }
            }
            DEFAULT_DB.to_owned()
        }
    };
    let today = jiff::Zoned::now().date();
    let start = args
        .start
        .unwrap_or_else(|| add_months(today.first_of_month(), -3));
    let end = add_months(start, 3);
    crate::runtime()?.block_on(seed(args, markets, url, start, end))
}

async fn seed(args: Args, markets: Vec<Market>, url: String, start: Date, end: Date) -> Result<()> {
    let began = Instant::now();
    let shown = tarifa_store::redact(&url);
    let store = Store::open(&url)
        .await
        .with_context(|| format!("opening {shown}"))?;
    if store.holds_data().await? {
        bail!(
            "{shown} already holds data (customers or an audit trail): the demo seeds an empty database"
        );
    }
    let tz = markets
        .first()
        .map(|m| m.time_zone.clone())
        .context("no market to seed")?;
    let clock = Arc::new(ManualClock::at_date(start, &tz));
    let app = App::new(store, markets.clone(), clock.clone()).await?;

    let days: Vec<Date> = start.series(1.day()).take_while(|d| *d <= end).collect();
    let registration_days = days.len().clamp(1, 28);
    let total_customers = u64::from(args.customers) * u64::try_from(markets.len()).unwrap_or(0);
    let progress = if args.json {
        ProgressBar::hidden()
    } else {
        ProgressBar::new(total_customers + u64::try_from(days.len()).unwrap_or(0))
    };
    progress.set_style(
        ProgressStyle::with_template("{spinner} {msg:<28} [{bar:40}] {pos}/{len} ({elapsed})")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );

    let mut dice = Dice(args.seed);
    let mut contracts: Vec<(String, i64)> = Vec::new();
    let mut registered: BTreeMap<String, u32> = BTreeMap::new();
    let ctx = Ctx::new("demo");
    for (index, day) in days.iter().enumerate() {
        clock.set_date(*day, &tz);
        progress.set_message(format!("{day}"));
        app.run_scheduler(&ctx, start, *day).await?;
        for market in &markets {
            let catalog = {
                let mut tx = app.begin(&ctx).await?;
                let catalog = app.catalog(&mut tx, market).await?;
                tx.rollback().await?;
                catalog
            };
            // Registrations are spread over the first four weeks.
            let done = registered.entry(market.id.clone()).or_insert(0);
            let due = if index + 1 >= registration_days {
                args.customers
            } else {
                let share = u64::from(args.customers) * u64::try_from(index + 1).unwrap_or(1)
                    / u64::try_from(registration_days).unwrap_or(1);
                u32::try_from(share).unwrap_or(args.customers)
            };
            while *done < due {
                *done += 1;
                if let Some(id) = sign_up(&app, &ctx, market, &catalog, &mut dice, *done).await? {
                    contracts.push((market.id.clone(), id));
                }
                progress.inc(1);
            }
            // Ten days after the bills, most are paid in full, some in part, some not.
            if day.day() == 10 {
                pay_bills(&app, &ctx, market, &mut dice, day.first_of_month()).await?;
            }
            // Now and then a subscriber changes package.
            if index >= registration_days && !contracts.is_empty() {
                for _ in 0..dice.below(4) {
                    let (market_id, contract) = dice.pick(&contracts).clone();
                    if market_id == market.id {
                        let package = dice.pick(&catalog.packages).id.clone();
                        app.change_package(&ctx, contract, &package).await?;
                    }
                }
            }
        }
        progress.inc(1);
    }
    progress.finish_and_clear();

    let mut summary = BTreeMap::new();
    let mut tx = app.begin(&ctx).await?;
    let on = clock.today(&tz);
    for market in &markets {
        let bills = tx.bills(&market.id).await?;
        let money =
            |minor: i64| tarifa_core::money::Money::from_minor(minor, market.currency).to_string();
        let outstanding: i64 = tx
            .receivable_balances(&market.id)
            .await?
            .iter()
            .map(|b| b.amount_minor.max(0))
            .sum();
        let mut s = MarketSummary {
            currency: market.currency.code().to_owned(),
            customers: tx.count_customers(&market.id).await?,
            contracts: tx.count_contracts(&market.id).await?,
            bills: i64::try_from(bills.len()).unwrap_or(0),
            billed: money(bills.iter().map(|b| b.total_minor).sum()),
            paid: money(
                tx.payments(&market.id)
                    .await?
                    .iter()
                    .map(|p| p.amount_minor)
                    .sum(),
            ),
            outstanding: money(outstanding),
            ..MarketSummary::default()
        };
        for c in tx.contracts(&market.id).await? {
            *s.contracts_by_status.entry(c.status.clone()).or_insert(0) += 1;
            if c.commitment_end
                .as_deref()
                .is_some_and(|end| end > on.to_string().as_str())
            {
                s.in_commitment += 1;
            }
        }
        for d in tx.decisions(&market.id).await? {
            match d.outcome.as_str() {
                "approved" => s.decisions_approved += 1,
                "rejected" => s.decisions_rejected += 1,
                _ => {}
            }
        }
        summary.insert(market.id.clone(), s);
    }
    tx.rollback().await?;
    app.store().close().await;

    let customers: i64 = summary.values().map(|s| s.customers).sum();
    let contract_count: i64 = summary.values().map(|s| s.contracts).sum();
    let bill_count: i64 = summary.values().map(|s| s.bills).sum();
    let seconds = began.elapsed().as_secs_f64();
    if args.json {
        let json = serde_json::json!({
            "database": shown,
            "from": start.to_string(),
            "to": end.to_string(),
            "customers": customers,
            "contracts": contract_count,
            "bills": bill_count,
            "markets": summary,
            "seconds": (seconds * 100.0).round() / 100.0,
        });
        say!("{json}");
    } else {
        say!(
            "tarifa demo: {shown}, {start} → {end} ({} days on the manual clock)",
            days.len()
        );
        say!();
        say!(
            "{:<7} {:>9} {:>9} {:>10} {:>6} {:>16} {:>16} {:>16} {:>9} {:>8}",
            "market",
            "customers",
            "contracts",
            "committed",
            "bills",
            "billed",
            "paid",
            "outstanding",
            "approved",
            "refused"
        );
        for (id, s) in &summary {
            say!(
                "{:<7} {:>9} {:>9} {:>10} {:>6} {:>16} {:>16} {:>16} {:>9} {:>8}",
                id,
                s.customers,
                s.contracts,
                s.in_commitment,
                s.bills,
                format!("{} {}", s.billed, s.currency),
                format!("{} {}", s.paid, s.currency),
                format!("{} {}", s.outstanding, s.currency),
                s.decisions_approved,
                s.decisions_rejected
            );
        }
        say!(
            "{:<7} {:>9} {:>9} {:>10} {:>6}",
            "total",
            customers,
            contract_count,
            "",
            bill_count
        );
        say!();
        say!(
            "Done in {seconds:.1} s. Refusals name their rule: e.g. CON-4 for a customer without the right identity document."
        );
    }
    Ok(())
}

/// Registers one customer and signs a contract for them; returns the contract id.
async fn sign_up(
    app: &App,
    ctx: &Ctx,
    market: &Market,
    catalog: &Catalog,
    dice: &mut Dice,
    n: u32,
) -> Result<Option<i64>> {
    let (first, last) = names(&market.id);
    let kind = if dice.chance(12) {
        PartyKind::Business
    } else {
        PartyKind::Individual
    };
    let residency = match dice.below(100) {
        0..=5 => Residency::Foreigner,
        6..=7 => Residency::Refugee,
        _ => Residency::Citizen,
    };
    let name = match kind {
        PartyKind::Individual => format!("{} {}", dice.pick(first), dice.pick(last)),
        _ => format!("{} {} d.o.o.", dice.pick(last), n),
    };
    let documents = accepted_documents(kind, residency);
    // A few arrive with the wrong document, to show CON-4 refusals where it applies.
    let id_document = if dice.chance(3) {
        Some(IdDocumentKind::DiplomaticId)
    } else {
        Some(*dice.pick(documents))
    };
    let (street, house) = (dice.below(90) + 1, dice.below(200) + 1);
    let mut address = format!("Street {street} no. {house}");
    // A business's bill names it by tax number and address: valid ones, as
    // its country writes them (NAV takes a Hungarian one by both).
    let tax_number = kind
        .is_legal_entity()
        .then(|| demo_tax_number(&market.country, n));
    if kind.is_legal_entity() && market.country == "HU" {
        address = format!("{address}, {} Budapest", 1011 + street * 10);
    }
    let application = PartyApplication {
        kind,
        residency,
        name: name.clone(),
        email: Some(format!("subscriber{n}@example.{}", market.id)),
        phone: None,
        address: Some(address),
        id_document,
        id_document_number: Some(format!("{:09}", dice.below(1_000_000_000))),
        tax_number,
        copy_consent: dice.chance(50),
        directory_opt_out: dice.chance(20),
        security_body: false,
        marketing_consent: dice.chance(40),
        language: None,
    };
    let handle = format!("{}-c{n:05}", market.id);
    let customer = app
        .register_customer(ctx, &market.id, Some(&handle), application)
        .await?;
    let Some(customer_id) = customer.value else {
        return Ok(None);
    };
    let packages: Vec<_> = catalog
        .packages
        .iter()
        .filter(|p| !p.withdrawn && !p.prepaid)
        .collect();
    let Some(package) =
        packages.get(usize::try_from(dice.below(packages.len() as u64)).unwrap_or(0))
    else {
        return Ok(None);
    };
    let phones: Vec<_> = catalog.devices.iter().filter(|d| !d.lent).collect();
    let lent: Vec<_> = catalog.devices.iter().filter(|d| d.lent).collect();
    let mut request = SignRequest {
        customer_id,
        handle: Some(format!("{}-k{n:05}", market.id)),
        package: package.id.clone(),
        number: None,
        commitment_months: None,
        benefits: Vec::new(),
        device: None,
        ported_from: None,
        promotion: None,
        channel: if dice.chance(15) {
            SalesChannel::Distance
        } else {
            SalesChannel::Store
        },
    };
    if let (true, Some(device)) = (
        dice.chance(45),
        phones.get(usize::try_from(dice.below(phones.len().max(1) as u64)).unwrap_or(0)),
    ) {
        request.device = Some(DeviceInput {
            device: device.id.clone(),
            imei: Some(dice.imei()),
            price: device.subsidised_price,
            instalments: if dice.chance(50) { 24 } else { 1 },
        });
        request.commitment_months = Some(24);
    } else if let Some(router) = lent.first() {
        request.device = Some(DeviceInput {
            device: router.id.clone(),
            imei: None,
            price: None,
            instalments: 1,
        });
        if dice.chance(50) {
            let discount = package.monthly_fee.times(3);
            request.benefits.push(Benefit {
                kind: BenefitKind::ServiceDiscount,
                amount: discount,
            });
            request.commitment_months = Some(24);
        }
    } else if dice.chance(20) {
        request.benefits.push(Benefit {
            kind: BenefitKind::ServiceDiscount,
            amount: package.monthly_fee,
        });
        request.commitment_months = Some(12);
    }
    Ok(app.sign_contract(ctx, request).await?.value)
}

/// Pays the bills issued on `issued`: most in full, some in part, some not at all.
async fn pay_bills(
    app: &App,
    ctx: &Ctx,
    market: &Market,
    dice: &mut Dice,
    issued: Date,
) -> Result<()> {
    let bills = {
        let mut tx = app.begin(ctx).await?;
        let bills = tx.bills(&market.id).await?;
        tx.rollback().await?;
        bills
    };
    for bill in bills
        .iter()
        .filter(|b| b.issued_on == issued.to_string() && b.total_due_minor > 0)
    {
        let cents = match dice.below(100) {
            0..=74 => bill.total_due_minor,
            75..=84 => bill.total_due_minor / 2,
            _ => continue,
        };
        if cents > 0 {
            let amount = tarifa_core::money::Money::from_minor(cents, market.currency);
            app.pay(
                ctx,
                bill.customer_id,
                amount,
                &format!("demo-{}", bill.number),
            )
            .await?;
        }
    }
    Ok(())
}

/// A valid tax number for the demo's `n`th customer in `country`.
fn demo_tax_number(country: &str, n: u32) -> String {
    let seed = n % 10_000_000;
    match country {
        "HU" => format!(
            "{}-2-41",
            tarifa_core::tax_number::hungarian_taxpayer(1_000_000 + seed)
        ),
        "RS" => tarifa_core::tax_number::serbian_pib(10_000_000 + seed),
        _ => format!("{:08}", 2_000_000 + seed),
    }
}
