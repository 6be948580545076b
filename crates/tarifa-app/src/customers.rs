//! Registering customers (CON-4, CON-14, CON-15) and changing their data (CON-12).

use tarifa_core::market::Market;
use tarifa_core::party::{
    self, DirectoryListing, IdDocumentKind, PartyApplication, RegistrationPolicy,
};
use tarifa_core::rule::{Decision, rules};
use tarifa_texts::Lang;

use crate::{App, AppError, Ctx, Decided, Result, conclude, convert};

/// The language tarifa writes to a customer in: theirs, or else their
/// market's (bills, notices, listings, self-care).
pub fn language_of(customer: Option<&tarifa_store::CustomerRow>, market: &Market) -> Lang {
    Lang::negotiate(
        customer
            .and_then(|c| c.language.as_deref())
            .unwrap_or(&market.language),
    )
}

/// Changes to a customer's data; `None` leaves a field as it is.
#[derive(Clone, Debug, Default)]
pub struct CustomerChanges {
    pub name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub address: Option<String>,
    pub id_document: Option<IdDocumentKind>,
    pub id_document_number: Option<String>,
    pub tax_number: Option<String>,
    pub marketing_consent: Option<bool>,
    pub directory_opt_out: Option<bool>,
    pub language: Option<String>,
}

impl App {
    /// Registers a party in a market. `handle` is an external reference
    /// (unique per market) such as a scenario's customer id.
    pub async fn register_customer(
        &self,
        ctx: &Ctx,
        market_id: &str,
        handle: Option<&str>,
        application: PartyApplication,
    ) -> Result<Decided<i64>> {
        let market = self.market(market_id)?.clone();
        let today = self.today(&market);
        party::check_fields(&application, &market.country)
            .map_err(|(field, e)| AppError::invalid(field, e))?;
        if let Some(handle) = handle {
            tarifa_core::text::check(handle, tarifa_core::text::ID)
                .map_err(|e| AppError::invalid("id", e))?;
        }
        let policy = RegistrationPolicy {
            identification: market.applies(rules::CON_4),
            directory: market.applies(rules::CON_15),
        };
        let mut tx = self.begin(ctx).await?;
        if let Some(handle) = handle
            && tx.customer_by_handle(&market.id, handle).await?.is_some()
        {
            return Err(AppError::Conflict(format!(
                "customer {handle:?} is already registered"
            )));
        }
        let (party, decision) = party::register(application, policy);
        let id = match &party {
            Some(party) => {
                let row = convert::customer_row(&market, handle.map(str::to_owned), party, today);
                Some(tx.insert_customer(&row).await?)
            }
            None => None,
        };
        let subject = id.map(|id| format!("customer:{id}"));
        conclude(
            tx,
            ctx,
            &market,
            today,
            "customer",
            subject,
            Decided {
                decision,
                value: id,
            },
        )
        .await
    }

    /// Changes a customer's data, recording each field's old and new value
    /// with who and when (CON-12). Marketing consent can be withdrawn (CON-14);
    /// a legal entity's opt-out keeps its identifying data listed (CON-15).
    pub async fn change_customer(
        &self,
        ctx: &Ctx,
        customer_id: i64,
        changes: CustomerChanges,
    ) -> Result<Decided<()>> {
        let mut tx = self.begin(ctx).await?;
        let row = tx
            .customer(customer_id)
            .await?
            .ok_or_else(|| AppError::not_found("customer", customer_id.to_string()))?;
        let market = self.market(&row.market)?.clone();
        let today = self.today(&market);
        let old = convert::party(&row)?;
        let mut new = old.clone();
        let mut decision = Decision::approved();
        if let Some(name) = changes.name {
            if name.trim().is_empty() {
                decision.refuse_plainly("the name cannot be empty");
            }
            new.name = name.trim().to_owned();
        }
        if let Some(email) = changes.email {
            new.email = Some(email);
        }
        if let Some(phone) = changes.phone {
            new.phone = Some(phone);
        }
        if let Some(address) = changes.address {
            new.address = Some(address);
        }
        if let Some(document) = changes.id_document {
            if market.applies(rules::CON_4)
                && !party::accepted_documents(old.kind, old.residency).contains(&document)
            {
                decision.refuse(
                    rules::CON_4,
                    format!("{document} does not identify this {}", old.kind),
                );
            }
            new.id_document = Some(document);
        }
        if let Some(number) = changes.id_document_number {
            new.id_document_number = Some(number);
        }
        if let Some(number) = changes.tax_number {
            new.tax_number = Some(number.trim().to_owned()).filter(|n| !n.is_empty());
        }
        party::check_texts(&party::PartyTexts::of(&new, &market.country))
            .map_err(|(field, e)| AppError::invalid(field, e))?;
        if let Some(consent) = changes.marketing_consent {
            new.marketing_consent = consent;
            let text = if consent {
                "direct marketing consented"
            } else {
                "consent to direct marketing withdrawn"
            };
            decision.because(rules::CON_14, text);
        }
        if let Some(opt_out) = changes.directory_opt_out {
            new.directory = match (opt_out, old.kind.is_legal_entity()) {
                (false, _) => DirectoryListing::Listed,
                (true, false) => DirectoryListing::OptedOut,
                (true, true) => {
                    decision.because(
                        rules::CON_15,
                        "a legal entity's identifying data stay listed in the directory",
                    );
                    DirectoryListing::IdentifyingDataOnly
                }
            };
        }
        if let Some(language) = changes.language {
            new.language = Some(language);
        }
        let diff = party::changes(&old, &new);
        if diff.is_empty() && decision.is_approved() {
            decision.refuse_plainly("nothing to change: the data given are the data on record");
        }
        if decision.is_approved() {
            for change in &diff {
                decision.because(
                    rules::CON_12,
                    format!(
                        "{}: {} → {} (by {} on {today})",
                        change.field,
                        change.old.as_deref().unwrap_or("—"),
                        change.new.as_deref().unwrap_or("—"),
                        ctx.actor
                    ),
                );
                tx.update_customer_field(
                    customer_id,
                    &today.to_string(),
                    change.field,
                    change.old.as_deref(),
                    change.new.as_deref(),
                )
                .await?;
            }
        }
        conclude(
            tx,
            ctx,
            &market,
            today,
            "update_customer",
            Some(format!("customer:{customer_id}")),
            Decided {
                decision,
                value: Some(()),
            },
        )
        .await
    }
}
