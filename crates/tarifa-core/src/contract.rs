//! Contracts: term and commitment (CON-1, CON-2, CON-3), signing (CON-5,
//! CON-8, DEV-1), the status machine, and package changes.

use std::fmt;

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::catalog::{Device, Package};
use crate::device::Imei;
use crate::market::Market;
use crate::money::Money;
use crate::names::snake_case_str;
use crate::party::{PartyKind, Residency};
use crate::rule::{Decision, rules};
use crate::time::add_months;

/// Where a contract stands. Moves outside [`ContractStatus::can_become`] are errors.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ContractStatus {
    Active,
    /// Outgoing traffic suspended (DUN-2, CMP-5, ABU-1); emergency and
    /// customer-centre numbers stay open (USE-2).
    Suspended,
    /// The number is permanently disconnected (DUN-4, ABU-5).
    Disconnected,
    /// The contract has ended. Final.
    Terminated,
}

snake_case_str!(ContractStatus {
    Active = "active",
    Suspended = "suspended",
    Disconnected = "disconnected",
    Terminated = "terminated",
});

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a contract cannot go from {from} to {to}")]
pub struct IllegalTransition {
    pub from: ContractStatus,
    pub to: ContractStatus,
}

impl ContractStatus {
    pub fn can_become(self, to: ContractStatus) -> bool {
        use ContractStatus::*;
        matches!(
            (self, to),
            (Active, Suspended)
                | (Suspended, Active)
                | (Active | Suspended, Disconnected)
                | (Active | Suspended | Disconnected, Terminated)
        )
    }

    /// The checked move: `Ok(to)` or the illegal transition.
    pub fn become_(self, to: ContractStatus) -> Result<ContractStatus, IllegalTransition> {
        if self.can_become(to) {
            Ok(to)
        } else {
            Err(IllegalTransition { from: self, to })
        }
    }

    /// Whether the contract still has service of some kind.
    pub fn is_live(self) -> bool {
        matches!(self, Self::Active | Self::Suspended)
    }
}

/// How the contract was concluded (TRM-6 applies to the last two).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum SalesChannel {
    #[default]
    Store,
    Distance,
    OffPremises,
}

snake_case_str!(SalesChannel {
    Store = "store",
    Distance = "distance",
    OffPremises = "off_premises",
});

/// A benefit granted with the contract (CON-1): it is what puts a contract
/// under a commitment, and what TRM-2 and TRM-5 may claim back.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BenefitKind {
    DeviceDiscount,
    ServiceDiscount,
}

snake_case_str!(BenefitKind {
    DeviceDiscount = "device_discount",
    ServiceDiscount = "service_discount",
});

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Benefit {
    pub kind: BenefitKind,
    pub amount: Money,
}

/// A minimum period (CON-1). It ends on `start + months` (RULES.md conventions).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Commitment {
    pub start: Date,
    pub months: u32,
    pub end: Date,
}

impl Commitment {
    pub fn new(start: Date, months: u32) -> Self {
        Self {
            start,
            months,
            end: add_months(start, i32::try_from(months).unwrap_or(i32::MAX)),
        }
    }

    /// Live on `date`: the commitment has started and not yet ended. From its
    /// end on, the contract goes on as an indefinite one (CON-2).
    pub fn is_live(&self, date: Date) -> bool {
        date >= self.start && date < self.end
    }
}

/// A device handed over with the contract: sold (DEV-1) or lent (DEV-4).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DeviceHandover {
    pub device: String,
    pub imei: Option<Imei>,
    /// The price paid (zero for lent equipment).
    pub price: Money,
    /// Number of monthly instalments the price is paid in (1 = at once).
    pub instalments: u32,
    pub lent: bool,
    pub sim_locked: bool,
}

/// What is asked at signing.
#[derive(Clone, Debug)]
pub struct ContractApplication<'a> {
    pub package: &'a Package,
    pub signed_on: Date,
    pub commitment_months: Option<u32>,
    pub benefits: Vec<Benefit>,
    pub device: Option<DeviceRequest<'a>>,
    pub channel: SalesChannel,
    pub party_kind: PartyKind,
    pub residency: Residency,
    /// Live contracts the party already has (CON-8: several numbers).
    pub other_live_contracts: u32,
}

#[derive(Clone, Debug)]
pub struct DeviceRequest<'a> {
    pub device: &'a Device,
    pub imei: Option<String>,
    /// The price asked; the retail price when omitted.
    pub price: Option<Money>,
    pub instalments: u32,
}

/// The terms a signed contract gets.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SignedTerms {
    pub package: String,
    pub signed_on: Date,
    /// CON-5: in force from signature; service starts when the technical conditions are met.
    pub activated_on: Date,
    pub commitment: Option<Commitment>,
    pub benefits: Vec<Benefit>,
    pub device: Option<DeviceHandover>,
    pub channel: SalesChannel,
    /// CON-8: the operator may ask for a security deposit.
    pub deposit_may_be_required: bool,
}

/// A contract as it stands.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Contract {
    pub id: i64,
    /// An external reference (a scenario's handle, an integrator's id).
    pub handle: Option<String>,
    pub customer_id: i64,
    pub number: String,
    pub status: ContractStatus,
    /// The package now.
    pub package: String,
    /// The terms signed (the package then, commitment, benefits, device).
    pub signed: SignedTerms,
    pub ended_on: Option<Date>,
    /// The day the current owner took over, after a transfer or succession.
    pub owner_since: Option<Date>,
}

impl Contract {
    /// The commitment, if the contract is fixed-term.
    pub fn commitment(&self) -> Option<&Commitment> {
        self.signed.commitment.as_ref()
    }

    /// Whether the contract is under a live commitment on `date` (CON-2: after
    /// its end the contract is an indefinite one).
    pub fn in_commitment(&self, date: Date) -> bool {
        self.commitment().is_some_and(|c| c.is_live(date))
    }

    /// The contract's handle for people: its external reference or its id.
    pub fn reference(&self) -> String {
        self.handle.clone().unwrap_or_else(|| self.id.to_string())
    }
}

/// Signs a contract: decides its term (CON-1, CON-3, DEV-1), checks the device
/// (DEV-1, DEV-4), notes CON-5 and CON-8. All unmet conditions are listed at once.
pub fn sign(
    application: ContractApplication<'_>,
    market: &Market,
) -> (Option<SignedTerms>, Decision) {
    let mut decision = Decision::approved();
    let package = application.package;
    let date = application.signed_on;

    if package.withdrawn {
        decision.refuse(
            rules::CAT_3,
            format!("package {} is withdrawn from sale", package.id),
        );
    }

    let mut benefits = application.benefits.clone();
    for (i, b) in benefits.iter().enumerate() {
        if !b.amount.is_positive() {
            decision.refuse_plainly(format!(
                "benefit {} ({}) must be a positive amount",
                i + 1,
                b.kind
            ));
        }
    }

    let mut handover = None;
    let mut bought_device = false;
    let mut subsidised = false;
    if let Some(request) = &application.device
        && let Some(handed) = hand_over(request, market, &mut decision)
    {
        bought_device = !handed.handover.lent;
        if let Some(discount) = handed.discount {
            subsidised = true;
            if !benefits
                .iter()
                .any(|b| b.kind == BenefitKind::DeviceDiscount)
            {
                benefits.push(discount);
            }
        }
        handover = Some(handed.handover);
    }

    let commitment = decide_term(
        &application,
        market,
        bought_device,
        subsidised,
        &benefits,
        &mut decision,
    );

    if decision.is_rejected() {
        return (None, decision);
    }
    if market.applies(rules::CON_5) {
        decision.because(
            rules::CON_5,
            format!("in force from signature on {date}; service starts on {date}"),
        );
    }
    let mut deposit = Vec::new();
    if market.applies(rules::CON_8) {
        if !application.party_kind.is_legal_entity() {
            match application.residency {
                Residency::Foreigner => deposit.push("a foreign national"),
                Residency::Refugee => deposit.push("a displaced person or refugee"),
                Residency::Citizen => {}
            }
        }
        if application.other_live_contracts > 0 {
            deposit.push("several numbers");
        }
        if subsidised {
            deposit.push("subsidised equipment");
        }
        if !deposit.is_empty() {
            decision.because(
                rules::CON_8,
                format!(
                    "a security deposit may be required ({})",
                    deposit.join("; ")
                ),
            );
        }
    }

    let terms = SignedTerms {
        package: package.id.clone(),
        signed_on: date,
        activated_on: date,
        commitment,
        benefits,
        device: handover,
        channel: application.channel,
        deposit_may_be_required: !deposit.is_empty(),
    };
    (Some(terms), decision)
}

/// A device handed over, as decided.
struct HandedOver {
    handover: DeviceHandover,
    /// The device discount of a subsidised sale (DEV-1).
    discount: Option<Benefit>,
}

/// Checks a device handed over — sold (DEV-1, DEV-3) or lent (DEV-4) — and
/// says what it costs; unmet conditions go into `decision`.
fn hand_over(
    request: &DeviceRequest<'_>,
    market: &Market,
    decision: &mut Decision,
) -> Option<HandedOver> {
    let device = request.device;
    let imei = match request.imei.as_deref() {
        Some(text) => match text.parse::<Imei>() {
            Ok(imei) => Some(imei),
            Err(e) => {
                decision.refuse(rules::DEV_1, e.to_string());
                None
            }
        },
        None if device.lent => None,
        None => {
            decision.refuse(
                rules::DEV_1,
                format!(
                    "the IMEI of the {} {} sold is missing",
                    device.brand, device.model
                ),
            );
            None
        }
    };
    if request.instalments == 0 {
        decision.refuse(rules::DEV_3, "a device is paid in at least 1 instalment");
    }
    if device.lent {
        decision.because(
            rules::DEV_4,
            format!(
                "{} {} is lent and stays the operator's; it is returned when the contract ends",
                device.brand, device.model
            ),
        );
        return Some(HandedOver {
            handover: DeviceHandover {
                device: device.id.clone(),
                imei,
                price: Money::zero(market.currency),
                instalments: 1,
                lent: true,
                sim_locked: false,
            },
            discount: None,
        });
    }
    let price = request.price.unwrap_or(device.retail_price);
    let mut discount = None;
    if price.is_negative() {
        decision.refuse(rules::DEV_1, "the device price must not be negative");
    } else if price.minor() > device.retail_price.minor() {
        decision.refuse(
            rules::DEV_1,
            format!(
                "the price {price} is above the retail price {} of {}",
                device.retail_price, device.id
            ),
        );
    } else if price.minor() < device.retail_price.minor() {
        let amount = device.retail_price - price;
        decision.because(
            rules::DEV_1,
            format!(
                "{} sold at the subsidised price {price} (retail {}): a device discount of {amount}",
                device.id, device.retail_price
            ),
        );
        discount = Some(Benefit {
            kind: BenefitKind::DeviceDiscount,
            amount,
        });
    } else {
        decision.because(
            rules::DEV_1,
            format!("{} sold at the retail price {price}", device.id),
        );
    }
    if request.instalments > 1 {
        decision.because(
            rules::DEV_3,
            format!(
                "paid in {} monthly instalments on the bill",
                request.instalments
            ),
        );
    }
    if device.sim_locked && market.applies(rules::DEV_2) {
        decision.because(
            rules::DEV_2,
            format!("{} is SIM-locked to the network until unlocked", device.id),
        );
    }
    Some(HandedOver {
        handover: DeviceHandover {
            device: device.id.clone(),
            imei,
            price,
            instalments: request.instalments.max(1),
            lent: false,
            sim_locked: device.sim_locked,
        },
        discount,
    })
}

fn decide_term(
    application: &ContractApplication<'_>,
    market: &Market,
    bought_device: bool,
    subsidised: bool,
    benefits: &[Benefit],
    decision: &mut Decision,
) -> Option<Commitment> {
    let date = application.signed_on;
    let package = application.package;
    let con3 = &market.rules.con_3;
    let under_con3 = con3.applies
        && date >= con3.since
        && application.party_kind.is_residential()
        && package.public
        && !package.exempt_from_commitment_rule;
    if under_con3 {
        if bought_device {
            let months = con3.device_commitment_months;
            let commitment = Commitment::new(date, months);
            decision.because(
                rules::CON_3,
                format!("a device is bought with a public residential package: a {months}-month commitment until {}", commitment.end),
            );
            return Some(commitment);
        }
        let asked = application
            .commitment_months
            .map(|m| format!(" (the {m}-month commitment asked for does not apply)"))
            .unwrap_or_default();
        decision.because(
            rules::CON_3,
            format!("public residential packages carry no commitment without a device purchase: indefinite term{asked}"),
        );
        return None;
    }

    let full_price_device_commits =
        bought_device && !subsidised && market.rules.dev_1.full_price_commitment;
    let has_benefit = !benefits.is_empty() || full_price_device_commits;
    match (has_benefit, application.commitment_months) {
        (true, Some(0)) | (true, None) => {
            decision.refuse(
                rules::CON_1,
                "a benefit (subsidised device or discount) puts the contract under a commitment: commitment_months is required",
            );
            None
        }
        (true, Some(months)) => {
            let commitment = Commitment::new(date, months);
            let what = benefits
                .iter()
                .map(|b| format!("{} {}", b.kind, b.amount))
                .collect::<Vec<_>>()
                .join(", ");
            decision.because(
                rules::CON_1,
                format!("fixed term: a {months}-month commitment until {} for the benefit granted ({what})", commitment.end),
            );
            decision.because(
                rules::CON_2,
                format!(
                    "from {} the contract goes on unchanged as an indefinite one",
                    commitment.end
                ),
            );
            Some(commitment)
        }
        (false, Some(months)) if months > 0 => {
            decision.because(
                rules::CON_1,
                format!("no benefit was granted: the contract is of indefinite term (the {months}-month commitment asked for does not apply)"),
            );
            None
        }
        (false, _) => {
            decision.because(
                rules::CON_1,
                "no benefit was granted: the contract is of indefinite term",
            );
            None
        }
    }
}

/// A device bought on a running contract (DEV-1).
#[derive(Clone, Debug)]
pub struct DevicePurchase<'a> {
    pub contract: &'a Contract,
    /// The package the device is bought with (the current one, or another).
    pub package: &'a Package,
    pub device: DeviceRequest<'a>,
    pub commitment_months: Option<u32>,
    pub on: Date,
    pub party_kind: PartyKind,
    pub residency: Residency,
}

/// What a purchase leads to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Purchase {
    pub handover: DeviceHandover,
    /// The new commitment when the purchase renews the contract.
    pub renewal: Option<Commitment>,
    /// The benefits the renewal is granted on.
    pub benefits: Vec<Benefit>,
}

/// DEV-1: a subscriber buys a device on a running contract. A subsidised
/// price (or CON-3's rule for a device with a public package) carries a new
/// commitment that renews the contract from today and replaces the running
/// one; a full-price purchase leaves the contract's term as it is.
pub fn buy_device(purchase: DevicePurchase<'_>, market: &Market) -> (Option<Purchase>, Decision) {
    let mut decision = Decision::approved();
    let contract = purchase.contract;
    let on = purchase.on;
    if contract.status != ContractStatus::Active {
        decision.refuse(
            rules::DEV_1,
            format!(
                "contract {} is {}: devices are sold with an active contract",
                contract.reference(),
                contract.status
            ),
        );
    }
    if purchase.package.withdrawn && purchase.package.id != contract.package {
        decision.refuse(
            rules::CAT_3,
            format!("package {} is withdrawn from sale", purchase.package.id),
        );
    }
    if purchase.device.device.lent {
        decision.refuse_plainly(format!(
            "{} is equipment the operator lends, not sells",
            purchase.device.device.id
        ));
        return (None, decision);
    }
    let handed = hand_over(&purchase.device, market, &mut decision);
    let discount = handed.as_ref().and_then(|h| h.discount);
    let benefits: Vec<Benefit> = discount.into_iter().collect();

    let con3 = &market.rules.con_3;
    let under_con3 = con3.applies
        && on >= con3.since
        && purchase.party_kind.is_residential()
        && purchase.package.public
        && !purchase.package.exempt_from_commitment_rule;
    let commits = !benefits.is_empty() || under_con3 || market.rules.dev_1.full_price_commitment;
    let renewal = if commits {
        let application = ContractApplication {
            package: purchase.package,
            signed_on: on,
            commitment_months: purchase.commitment_months,
            benefits: benefits.clone(),
            device: None,
            channel: contract.signed.channel,
            party_kind: purchase.party_kind,
            residency: purchase.residency,
            other_live_contracts: 0,
        };
        let renewal = decide_term(
            &application,
            market,
            true,
            discount.is_some(),
            &benefits,
            &mut decision,
        );
        if let (Some(new), Some(running)) =
            (renewal, contract.commitment().filter(|c| c.is_live(on)))
        {
            if new.end < running.end {
                decision.refuse(
                    rules::CON_1,
                    format!(
                        "the renewal's commitment would end on {}, before the running one ends on {}",
                        new.end, running.end
                    ),
                );
            } else {
                decision.because(
                    rules::DEV_1,
                    format!(
                        "the purchase renews the contract: the commitment until {} is replaced by one until {}",
                        running.end, new.end
                    ),
                );
            }
        }
        renewal
    } else {
        let term = match contract.commitment().filter(|c| c.is_live(on)) {
            Some(c) => format!("the commitment until {} runs on unchanged", c.end),
            None => "the contract stays of indefinite term".to_owned(),
        };
        let asked = purchase
            .commitment_months
            .filter(|m| *m > 0)
            .map(|m| format!(" (the {m}-month commitment asked for does not apply)"))
            .unwrap_or_default();
        decision.because(
            rules::DEV_1,
            format!("a purchase at the full price carries no commitment: {term}{asked}"),
        );
        None
    };
    match handed {
        Some(handed) if decision.is_approved() => (
            Some(Purchase {
                handover: handed.handover,
                renewal,
                benefits,
            }),
            decision,
        ),
        _ => (None, decision),
    }
}

/// A package change on `date`: checks the new package (CAT-1, CAT-3). Fees of
/// the change (TRM-3) and promotion effects (PRM-2…4) are decided by their rules.
pub fn change_package(
    current: &str,
    new: &Package,
    status: ContractStatus,
    date: Date,
) -> Decision {
    let mut decision = Decision::approved();
    if current == new.id {
        decision.refuse_plainly(format!("the contract is already on package {}", new.id));
    }
    if new.withdrawn {
        decision.refuse(
            rules::CAT_3,
            format!("package {} is withdrawn from sale", new.id),
        );
    }
    if !status.is_live() {
        decision.refuse_plainly(format!(
            "the contract is {status}: its package cannot change"
        ));
    }
    if decision.is_approved() {
        decision.because(
            rules::CAT_1,
            format!(
                "package {current} → {} from {date} (monthly fee {})",
                new.id, new.monthly_fee
            ),
        );
    }
    decision
}

impl fmt::Display for Commitment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} months from {} to {}",
            self.months, self.start, self.end
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::market::Market;
    use jiff::civil::date;

    fn market(id: &str) -> Market {
        crate::market::preset(id)
    }

    fn application<'a>(
        package: &'a Package,
        months: Option<u32>,
        benefits: Vec<Benefit>,
    ) -> ContractApplication<'a> {
        ContractApplication {
            package,
            signed_on: date(2026, 1, 10),
            commitment_months: months,
            benefits,
            device: None,
            channel: SalesChannel::Store,
            party_kind: PartyKind::Individual,
            residency: Residency::Citizen,
            other_live_contracts: 0,
        }
    }

    #[test]
    fn status_machine_refuses_illegal_moves() {
        use ContractStatus::*;
        assert_eq!(Active.become_(Suspended), Ok(Suspended));
        assert_eq!(Suspended.become_(Active), Ok(Active));
        assert!(Terminated.become_(Active).is_err());
        assert!(Disconnected.become_(Active).is_err());
        assert!(Active.become_(Active).is_err());
        assert_eq!(
            Terminated
                .become_(Suspended)
                .expect_err("final")
                .to_string(),
            "a contract cannot go from terminated to suspended"
        );
    }

    #[test]
    fn con1_commitment_only_with_a_benefit() {
        let me = market("me");
        let package = &me.catalog.packages[0];
        let (terms, d) = sign(application(package, Some(24), vec![]), &me);
        assert!(d.is_approved());
        assert_eq!(terms.expect("signed").commitment, None);
        assert!(d.rules.contains(&rules::CON_1));

        let discount = Benefit {
            kind: BenefitKind::ServiceDiscount,
            amount: me.money("60.00").expect("money"),
        };
        let (terms, d) = sign(application(package, Some(24), vec![discount]), &me);
        let commitment = terms.expect("signed").commitment.expect("fixed term");
        assert_eq!(commitment.end, date(2028, 1, 10));
        assert!(d.rules.contains(&rules::CON_1) && d.rules.contains(&rules::CON_2));

        let (terms, d) = sign(application(package, None, vec![discount]), &me);
        assert!(terms.is_none() && d.is_rejected());
    }

    #[test]
    fn con3_hungary_commits_only_with_a_device() {
        let hu = market("hu");
        let package = hu
            .catalog
            .packages
            .iter()
            .find(|p| p.public && !p.exempt_from_commitment_rule)
            .expect("public");
        let device = hu
            .catalog
            .devices
            .iter()
            .find(|d| !d.lent)
            .expect("a phone");
        let (terms, d) = sign(application(package, Some(12), vec![]), &hu);
        assert_eq!(terms.expect("signed").commitment, None);
        assert_eq!(d.rules, vec![rules::CON_3]);

        let mut app = application(package, None, vec![]);
        app.device = Some(DeviceRequest {
            device,
            imei: Some("490154203237518".into()),
            price: None,
            instalments: 1,
        });
        let (terms, d) = sign(app, &hu);
        assert!(d.is_approved(), "{:?}", d.reasons);
        assert_eq!(
            terms.expect("signed").commitment.map(|c| c.months),
            Some(24)
        );

        let exempt = hu
            .catalog
            .packages
            .iter()
            .find(|p| p.exempt_from_commitment_rule)
            .expect("digital welfare");
        let discount = Benefit {
            kind: BenefitKind::ServiceDiscount,
            amount: hu.money("1000").expect("money"),
        };
        let (terms, d) = sign(application(exempt, Some(12), vec![discount]), &hu);
        assert_eq!(
            terms.expect("signed").commitment.map(|c| c.months),
            Some(12)
        );
        assert!(d.rules.contains(&rules::CON_1));
    }

    #[test]
    fn dev1_subsidy_is_a_benefit_and_imei_is_checked() {
        let rs = market("rs");
        let package = &rs.catalog.packages[0];
        let device = rs
            .catalog
            .devices
            .iter()
            .find(|d| !d.lent)
            .expect("a phone");
        let mut app = application(package, Some(24), vec![]);
        app.device = Some(DeviceRequest {
            device,
            imei: Some("490154203237518".into()),
            price: Some(rs.money("1000.00").expect("money")),
            instalments: 24,
        });
        let (terms, d) = sign(app.clone(), &rs);
        let terms = terms.expect("signed");
        assert!(terms.commitment.is_some());
        assert_eq!(
            terms.benefits[0].amount,
            device.retail_price - rs.money("1000.00").expect("money")
        );
        assert!(d.rules.contains(&rules::DEV_1));

        if let Some(req) = app.device.as_mut() {
            req.imei = Some("490154203237517".into());
        }
        let (terms, d) = sign(app, &rs);
        assert!(terms.is_none());
        assert!(d.reason_texts().iter().any(|r| r.contains("Luhn")));

        // rs: a full-price purchase carries no commitment.
        let mut app = application(package, None, vec![]);
        app.device = Some(DeviceRequest {
            device,
            imei: Some("490154203237518".into()),
            price: None,
            instalments: 1,
        });
        let (terms, d) = sign(app, &rs);
        assert!(d.is_approved(), "{:?}", d.reasons);
        assert_eq!(terms.expect("signed").commitment, None);
    }

    #[test]
    fn con8_deposit_for_foreigners() {
        let me = market("me");
        let mut app = application(&me.catalog.packages[0], None, vec![]);
        app.residency = Residency::Foreigner;
        let (terms, d) = sign(app, &me);
        assert!(terms.expect("signed").deposit_may_be_required);
        assert!(d.rules.contains(&rules::CON_8));
    }

    #[test]
    fn commitment_ends_and_the_contract_goes_on() {
        let c = Commitment::new(date(2026, 1, 10), 24);
        assert!(c.is_live(date(2028, 1, 9)));
        assert!(!c.is_live(date(2028, 1, 10)));
    }
}
