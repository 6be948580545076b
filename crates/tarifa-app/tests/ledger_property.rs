//! Property: whatever sequence of signings, usage, payments (some with a
//! reference seen before) and days passing, the ledger balances, each bill
//! and payment is one transfer row whose legs add up to zero, each
//! customer's balance is their bills minus their payments, the bank's is
//! what was paid, and no account is billed twice for a period.

use std::sync::Arc;

use jiff::ToSpan;
use jiff::civil::{Date, date};
use proptest::prelude::*;
use tarifa_app::contracts::SignRequest;
use tarifa_app::{App, Ctx};
use tarifa_core::contract::SalesChannel;
use tarifa_core::party::{IdDocumentKind, PartyApplication, PartyKind, Residency};
use tarifa_core::time::{Clock, ManualClock};
use tarifa_core::usage::UsageRecord;
use tarifa_store::Store;

#[derive(Clone, Debug)]
enum Op {
    Sign {
        customer: usize,
        package: usize,
    },
    Call {
        contract: usize,
        seconds: u64,
        international: bool,
    },
    Pay {
        customer: usize,
        cents: i64,
        reference: u8,
    },
    Advance {
        days: i64,
    },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (0..3_usize, 0..4_usize).prop_map(|(customer, package)| Op::Sign { customer, package }),
        (0..6_usize, 1..20_000_u64, any::<bool>()).prop_map(
            |(contract, seconds, international)| Op::Call {
                contract,
                seconds,
                international
            }
        ),
        (0..3_usize, 1..20_000_i64, 0..6_u8).prop_map(|(customer, cents, reference)| Op::Pay {
            customer,
            cents,
            reference
        }),
        (1..45_i64).prop_map(|days| Op::Advance { days }),
    ]
}

async fn run(ops: Vec<Op>) {
    let market = tarifa_app::presets::embedded_market("me")
        .expect("preset")
        .expect("valid");
    let tz = market.time_zone.clone();
    let start = date(2026, 1, 5);
    let clock = Arc::new(ManualClock::at_date(start, &tz));
    let store = Store::open("sqlite::memory:").await.expect("store");
    let app = App::new(store, vec![market.clone()], clock.clone())
        .await
        .expect("app");
    let ctx = Ctx::new("property");
    let mut customers = Vec::new();
    for i in 0..3 {
        let decided = app
            .register_customer(
                &ctx,
                "me",
                Some(&format!("c{i}")),
                PartyApplication {
                    kind: PartyKind::Individual,
                    residency: Residency::Citizen,
                    name: format!("Customer {i}"),
                    email: None,
                    phone: None,
                    address: None,
                    id_document: Some(IdDocumentKind::Passport),
                    id_document_number: None,
                    tax_number: None,
                    copy_consent: false,
                    directory_opt_out: false,
                    security_body: false,
                    marketing_consent: false,
                    language: None,
                },
            )
            .await
            .expect("register");
        customers.push(decided.value.expect("registered"));
    }
    let packages = ["phone-line", "fiber-100", "fiber-300", "pbx-10"];
    let mut numbers: Vec<String> = Vec::new();
    let mut today: Date = start;
    let mut record = 0_u64;
    for op in ops {
        match op {
            Op::Sign { customer, package } => {
                let decided = app
                    .sign_contract(
                        &ctx,
                        SignRequest {
                            customer_id: customers[customer],
                            handle: None,
                            package: packages[package].into(),
                            number: None,
                            commitment_months: None,
                            benefits: vec![],
                            device: None,
                            channel: SalesChannel::Store,
                            ported_from: None,
                            promotion: None,
                        },
                    )
                    .await
                    .expect("sign");
                if let Some(id) = decided.value {
                    numbers.push(app.contract(id).await.expect("contract").number);
                }
            }
            Op::Call {
                contract,
                seconds,
                international,
            } => {
                let Some(number) = numbers.get(contract % numbers.len().max(1)) else {
                    continue;
                };
                record += 1;
                let to = if international {
                    "+381112222222"
                } else {
                    "+38220999888"
                };
                let at = format!("{today}T10:00:00");
                let seconds = seconds.to_string();
                let r = UsageRecord::parse(
                    &[
                        &format!("r{record}"),
                        number,
                        &at,
                        "voice",
                        to,
                        &seconds,
                        "",
                    ],
                    &market.time_zone,
                )
                .expect("valid");
                app.import_records(&ctx, &[(1, r)]).await.expect("usage");
            }
            Op::Pay {
                customer,
                cents,
                reference,
            } => {
                let amount = tarifa_core::money::Money::from_minor(cents, market.currency);
                app.pay(
                    &ctx,
                    customers[customer],
                    amount,
                    &format!("ref-{reference}"),
                )
                .await
                .expect("pay");
            }
            Op::Advance { days } => {
                today = today.checked_add(days.days()).expect("date");
                clock.set_date(today, &tz);
                app.run_scheduler(&ctx, start, clock.today(&tz))
                    .await
                    .expect("scheduler");
            }
        }
    }

    let mut tx = app.begin(&ctx).await.expect("begin");
    assert_eq!(
        tx.ledger_check("me").await.expect("check"),
        (0, 0),
        "the ledger balances"
    );
    // One row a transfer: each bill and each payment is one, with its legs packed.
    let (mut bill_count, mut payment_count, mut paid_in_all) = (0_i64, 0_i64, 0_i64);
    for id in &customers {
        bill_count +=
            i64::try_from(tx.bills_of_customer(*id).await.expect("bills").len()).expect("few");
        let payments = tx.payments_of_customer(*id).await.expect("payments");
        payment_count += i64::try_from(payments.len()).expect("few");
        paid_in_all += payments.iter().map(|p| p.amount_minor).sum::<i64>();
    }
    assert_eq!(
        tx.count_transfers("me").await.expect("count"),
        bill_count + payment_count
    );
    assert_eq!(
        tx.account_balance(&tarifa_core::ledger::bank("me"))
            .await
            .expect("bank"),
        paid_in_all,
        "the bank's balance, summed from the packed legs, is what was paid"
    );
    for id in &customers {
        let bills = tx.bills_of_customer(*id).await.expect("bills");
        let billed: i64 = bills.iter().map(|b| b.total_minor).sum();
        let paid: i64 = tx
            .payments_of_customer(*id)
            .await
            .expect("payments")
            .iter()
            .map(|p| p.amount_minor)
            .sum();
        assert_eq!(
            app.receivable(&mut tx, *id).await.expect("balance"),
            billed - paid
        );
        assert_eq!(
            tx.paid_by_customer(*id).await.expect("paid"),
            paid,
            "the total kept with the payments is their sum"
        );
        let mut periods: Vec<&str> = bills.iter().map(|b| b.period.as_str()).collect();
        let before = periods.len();
        periods.dedup();
        assert_eq!(periods.len(), before, "one bill per account and period");
        for pair in bills.windows(2) {
            assert_eq!(
                pair[1].previous_balance_minor + pair[1].total_minor,
                pair[1].total_due_minor
            );
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]
    #[test]
    fn the_ledger_balances_after_any_sequence(ops in proptest::collection::vec(op(), 1..25)) {
        tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime").block_on(run(ops));
    }
}
