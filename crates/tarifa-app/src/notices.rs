//! Scheduled notices: the commitment-ending notices of NOT-1 and the bill
//! letter of NOT-2.

use jiff::civil::Date;
use tarifa_core::catalog::Catalog;
use tarifa_core::market::Market;
use tarifa_core::rule::rules;
use tarifa_core::time::{add_days, add_months};
use tarifa_store::Tx;
use tarifa_texts::Arg;

use crate::outbox::{Notice, notify};
use crate::{App, Result};

/// What the subscriber is told about the end of a commitment (NOT-1, NOT-2).
pub fn commitment_ending_text(
    catalog: &Catalog,
    package_id: &str,
    end: Date,
    number: &str,
) -> String {
    let offer = catalog
        .closest_public_package(package_id, false)
        .map(|p| format!("{} at {} a month", p.name, p.monthly_fee))
        .unwrap_or_else(|| "any public offer".into());
    format!(
        "the commitment of {number} ends on {end}; from then the contract goes on unchanged, as a contract of \
         indefinite term (CON-2), and may be ended at any time without consequence. The public offer closest \
         to your package: {offer}; any public offer may be chosen instead."
    )
}

impl App {
    /// NOT-1: within the days before a commitment ends, the notices it
    /// names, spread evenly (90 days, 3 notices: 90, 60 and 30 days before).
    pub(crate) async fn run_commitment_notices(
        &self,
        tx: &mut Tx,
        market: &Market,
        day: Date,
    ) -> Result<u32> {
        if !market.applies(rules::NOT_1) {
            return Ok(0);
        }
        let window = i64::from(market.rules.not_1.window_days);
        let count = i64::from(market.rules.not_1.count.max(1));
        let catalog = self.catalog(tx, market).await?;
        let mut sent = 0;
        for k in 0..count {
            let before = window - k * window / count;
            let end = add_days(day, before);
            for row in tx
                .contracts_with_commitment_end(&market.id, &end.to_string())
                .await?
            {
                let offer = catalog.closest_public_package(&row.package_id, false);
                let mut args = vec![
                    ("notice", Arg::from(k + 1)),
                    ("count", Arg::from(count)),
                    ("number", Arg::from(row.number.as_str())),
                    ("ends_on", Arg::from(end)),
                ];
                if let Some(offer) = offer {
                    args.push(("offer", Arg::from(offer.name.as_str())));
                    args.push(("offer_fee", Arg::from(offer.monthly_fee)));
                }
                notify(
                    tx,
                    market,
                    Notice {
                        customer_id: row.customer_id,
                        contract_id: Some(row.id),
                        on: day,
                        kind: "commitment_ending",
                        rules: &[rules::NOT_1],
                        message: if offer.is_some() {
                            "commitment-ending"
                        } else {
                            "commitment-ending-no-offer"
                        },
                        args,
                    },
                )
                .await?;
                sent += 1;
            }
        }
        Ok(sent)
    }
}

/// NOT-2: the bill letter, on bills issued in the months before a commitment ends.
pub fn bill_letter(
    market: &Market,
    catalog: &Catalog,
    issued: Date,
    package_id: &str,
    end: Option<Date>,
    number: &str,
) -> Option<String> {
    let end = end?;
    if !market.applies(rules::NOT_2) || end <= issued {
        return None;
    }
    let months = i32::try_from(market.rules.not_2.bill_letter_months).unwrap_or(4);
    (end <= add_months(issued, months))
        .then(|| commitment_ending_text(catalog, package_id, end, number))
}

impl App {
    /// CON-14: subscriber data are kept at least the months it names after
    /// service ends, then erased: personal data and the traffic's
    /// destinations. Bills, amounts and the ledger are kept.
    pub(crate) async fn run_retention(
        &self,
        tx: &mut Tx,
        ctx: &crate::Ctx,
        market: &Market,
        day: Date,
    ) -> Result<u32> {
        if !market.applies(rules::CON_14) {
            return Ok(0);
        }
        let months = i32::try_from(market.rules.con_14.retention_months).unwrap_or(12);
        let until = add_days(add_months(day, -months), -1);
        let mut erased = 0;
        for customer in tx
            .customers_to_erase(&market.id, &until.to_string())
            .await?
        {
            tx.erase_personal_data(customer, &day.to_string()).await?;
            let mut decision = tarifa_core::rule::Decision::approved();
            decision.because(
                rules::CON_14,
                format!("service ended on or before {until}, {months} months ago: personal and traffic data erased"),
            );
            crate::record(
                tx,
                market,
                day,
                "retention",
                Some(format!("customer:{customer}")),
                &decision,
                ctx,
            )
            .await?;
            erased += 1;
        }
        Ok(erased)
    }
}
