//! Parties: the people and companies that sign contracts (CON-4, CON-12,
//! CON-14, CON-15).

use serde::{Deserialize, Serialize};

use crate::names::snake_case_str;
use crate::rule::{Decision, rules};

/// Who the subscriber is in law.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PartyKind {
    Individual,
    Business,
    Entrepreneur,
}

impl PartyKind {
    /// Legal entities and entrepreneurs identify with registry documents (CON-4)
    /// and cannot hide their identifying data from the directory (CON-15).
    pub fn is_legal_entity(self) -> bool {
        !matches!(self, Self::Individual)
    }

    /// A residential subscriber (CON-3, TRM-4).
    pub fn is_residential(self) -> bool {
        matches!(self, Self::Individual)
    }
}

/// An individual's residency status, which sets the identity documents of CON-4.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Residency {
    #[default]
    Citizen,
    Foreigner,
    Refugee,
}

/// The documents CON-4 names.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IdDocumentKind {
    BiometricIdCard,
    Passport,
    ForeignerId,
    DiplomaticId,
    /// A legally recognised identity document of a displaced person or refugee.
    RecognisedId,
    /// The registration packet of a legal entity or entrepreneur: registry
    /// extract, VAT registration and the signature card.
    RegistryExtract,
}

snake_case_str!(PartyKind {
    Individual = "individual",
    Business = "business",
    Entrepreneur = "entrepreneur",
});
snake_case_str!(Residency {
    Citizen = "citizen",
    Foreigner = "foreigner",
    Refugee = "refugee",
});
snake_case_str!(IdDocumentKind {
    BiometricIdCard = "biometric_id_card",
    Passport = "passport",
    ForeignerId = "foreigner_id",
    DiplomaticId = "diplomatic_id",
    RecognisedId = "recognised_id",
    RegistryExtract = "registry_extract",
});

/// How a subscriber appears in the public directory (CON-15).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DirectoryListing {
    Listed,
    OptedOut,
    /// A legal entity that opted out: its identifying data stay listed.
    IdentifyingDataOnly,
}

snake_case_str!(DirectoryListing {
    Listed = "listed",
    OptedOut = "opted_out",
    IdentifyingDataOnly = "identifying_data_only",
});

/// What a party asks to be registered with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PartyApplication {
    pub kind: PartyKind,
    pub residency: Residency,
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub address: Option<String>,
    pub id_document: Option<IdDocumentKind>,
    pub id_document_number: Option<String>,
    /// A business's or entrepreneur's tax number, as its bills carry it.
    pub tax_number: Option<String>,
    /// Written consent to keep copies of the identity documents (CON-4).
    pub copy_consent: bool,
    pub directory_opt_out: bool,
    /// A defence or security body: may hide even identifying data (CON-15).
    pub security_body: bool,
    pub marketing_consent: bool,
    pub language: Option<String>,
}

/// A registered party, as the store keeps it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Party {
    pub kind: PartyKind,
    pub residency: Residency,
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub address: Option<String>,
    pub id_document: Option<IdDocumentKind>,
    pub id_document_number: Option<String>,
    pub tax_number: Option<String>,
    /// Copies of the identity documents may be kept (CON-4).
    pub keeps_document_copies: bool,
    pub directory: DirectoryListing,
    pub marketing_consent: bool,
    pub language: Option<String>,
}

/// The documents that identify a party under CON-4.
pub fn accepted_documents(kind: PartyKind, residency: Residency) -> &'static [IdDocumentKind] {
    use IdDocumentKind::*;
    if kind.is_legal_entity() {
        return &[RegistryExtract];
    }
    match residency {
        Residency::Citizen => &[BiometricIdCard, Passport],
        Residency::Foreigner => &[Passport, ForeignerId, DiplomaticId],
        Residency::Refugee => &[RecognisedId, Passport, ForeignerId],
    }
}

/// The checks the market applies at registration.
#[derive(Clone, Copy, Debug, Default)]
pub struct RegistrationPolicy {
    /// CON-4: identity documents are checked.
    pub identification: bool,
    /// CON-15: the public directory rules apply.
    pub directory: bool,
}

/// Checks the form of an application's texts: lengths, no control
/// characters, one e-mail address, a phone number of digits, a tax number
/// as `country` writes it. `Err` names the field and why; nothing about the
/// party is decided here.
pub fn check_fields(
    application: &PartyApplication,
    country: &str,
) -> Result<(), (&'static str, String)> {
    check_texts(&PartyTexts {
        kind: application.kind,
        country,
        tax_number: application.tax_number.as_deref(),
        name: &application.name,
        email: application.email.as_deref(),
        phone: application.phone.as_deref(),
        address: application.address.as_deref(),
        id_document_number: application.id_document_number.as_deref(),
        language: application.language.as_deref(),
    })
}

/// The texts of a party a person typed.
pub struct PartyTexts<'a> {
    pub kind: PartyKind,
    /// The market's country, which says how a tax number is written.
    pub country: &'a str,
    pub tax_number: Option<&'a str>,
    pub name: &'a str,
    pub email: Option<&'a str>,
    pub phone: Option<&'a str>,
    pub address: Option<&'a str>,
    pub id_document_number: Option<&'a str>,
    pub language: Option<&'a str>,
}

impl<'a> PartyTexts<'a> {
    /// The texts of a registered party in a market of `country`.
    pub fn of(party: &'a Party, country: &'a str) -> Self {
        Self {
            kind: party.kind,
            country,
            tax_number: party.tax_number.as_deref(),
            name: &party.name,
            email: party.email.as_deref(),
            phone: party.phone.as_deref(),
            address: party.address.as_deref(),
            id_document_number: party.id_document_number.as_deref(),
            language: party.language.as_deref(),
        }
    }
}

/// [`check_fields`] for any party's texts.
pub fn check_texts(texts: &PartyTexts<'_>) -> Result<(), (&'static str, String)> {
    use crate::text::{ID, LINE, check, check_email};
    check(texts.name, LINE).map_err(|e| ("name", e))?;
    if let Some(email) = texts.email.filter(|e| !e.trim().is_empty()) {
        check_email(email.trim()).map_err(|e| ("email", e))?;
    }
    if let Some(phone) = texts.phone.filter(|p| !p.trim().is_empty()) {
        let phone = phone.trim();
        let digits = phone.chars().filter(char::is_ascii_digit).count();
        if phone.chars().count() > 32
            || !(3..=15).contains(&digits)
            || !phone
                .chars()
                .all(|c| c.is_ascii_digit() || matches!(c, '+' | ' ' | '-' | '(' | ')' | '/'))
        {
            return Err((
                "phone",
                format!(
                    "{:?} is not a phone number (3 to 15 digits, with + ( ) - / and spaces)",
                    crate::text::clip(phone, crate::text::ECHO_CHARS)
                ),
            ));
        }
    }
    if let Some(address) = texts.address {
        check(
            address,
            crate::text::Limit {
                max_chars: 300,
                multiline: true,
            },
        )
        .map_err(|e| ("address", e))?;
    }
    if let Some(number) = texts.id_document_number {
        check(number, ID).map_err(|e| ("id_document_number", e))?;
    }
    if let Some(language) = texts.language {
        check(language, ID).map_err(|e| ("language", e))?;
    }
    if let Some(number) = texts.tax_number {
        crate::tax_number::check(texts.country, texts.kind, number)
            .map_err(|e| ("tax_number", e))?;
    }
    Ok(())
}

/// Registers a party: CON-4 identification, CON-15 directory listing, CON-14
/// marketing consent. Returns the party (when approved) and the decision.
pub fn register(
    application: PartyApplication,
    policy: RegistrationPolicy,
) -> (Option<Party>, Decision) {
    let mut decision = Decision::approved();
    let name = application.name.trim().to_owned();
    if name.is_empty() {
        decision.refuse_plainly("the name is missing");
    }

    if policy.identification {
        let accepted = accepted_documents(application.kind, application.residency);
        let who = if application.kind.is_legal_entity() {
            format!("a {}", application.kind)
        } else {
            format!("an individual ({})", application.residency)
        };
        let list = accepted
            .iter()
            .map(|d| d.as_str())
            .collect::<Vec<_>>()
            .join(" or ");
        match application.id_document {
            None => {
                decision.refuse(
                    rules::CON_4,
                    format!("no identity document was presented; {who} identifies with {list}"),
                );
            }
            Some(doc) if !accepted.contains(&doc) => {
                decision.refuse(
                    rules::CON_4,
                    format!("{doc} does not identify {who}; accepted: {list}"),
                );
            }
            Some(doc) => {
                decision.because(rules::CON_4, format!("identified by the original {doc}"));
                if application.copy_consent {
                    decision.because(
                        rules::CON_4,
                        "copies of the documents kept with written consent",
                    );
                } else {
                    decision.because(
                        rules::CON_4,
                        "no written consent: copies of the documents are not kept",
                    );
                }
            }
        }
    }

    if decision.is_rejected() {
        return (None, decision);
    }
    let directory = match (
        application.directory_opt_out,
        application.kind.is_legal_entity(),
    ) {
        (false, _) => DirectoryListing::Listed,
        (true, false) => DirectoryListing::OptedOut,
        (true, true) if application.security_body => DirectoryListing::OptedOut,
        (true, true) => DirectoryListing::IdentifyingDataOnly,
    };
    if policy.directory {
        match directory {
            DirectoryListing::Listed => {
                decision.because(
                    rules::CON_15,
                    "listed in the public directory (no written opt-out)",
                );
            }
            DirectoryListing::OptedOut => {
                decision.because(
                    rules::CON_15,
                    "opted out of the public directory in writing",
                );
            }
            DirectoryListing::IdentifyingDataOnly => {
                decision.because(
                    rules::CON_15,
                    "a legal entity cannot opt out of the data that identify it: those stay listed",
                );
            }
        }
    }
    if application.marketing_consent {
        decision.because(
            rules::CON_14,
            "direct marketing consented (can be withdrawn at any time)",
        );
    }

    let party = Party {
        kind: application.kind,
        residency: application.residency,
        name,
        email: application.email,
        phone: application.phone,
        address: application.address,
        id_document: application.id_document,
        id_document_number: application.id_document_number,
        tax_number: application
            .tax_number
            .map(|n| n.trim().to_owned())
            .filter(|n| !n.is_empty()),
        keeps_document_copies: application.copy_consent,
        directory: if policy.directory {
            directory
        } else {
            DirectoryListing::Listed
        },
        marketing_consent: application.marketing_consent,
        language: application.language,
    };
    (Some(party), decision)
}

/// One changed field of a party's data: CON-12 keeps who, when, old and new.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldChange {
    pub field: &'static str,
    pub old: Option<String>,
    pub new: Option<String>,
}

/// The fields that differ between two versions of a party (CON-12).
pub fn changes(old: &Party, new: &Party) -> Vec<FieldChange> {
    let mut out = Vec::new();
    let mut compare = |field: &'static str, a: Option<String>, b: Option<String>| {
        if a != b {
            out.push(FieldChange {
                field,
                old: a,
                new: b,
            });
        }
    };
    compare("name", Some(old.name.clone()), Some(new.name.clone()));
    compare("email", old.email.clone(), new.email.clone());
    compare("phone", old.phone.clone(), new.phone.clone());
    compare("address", old.address.clone(), new.address.clone());
    compare(
        "id_document",
        old.id_document.map(|d| d.to_string()),
        new.id_document.map(|d| d.to_string()),
    );
    compare(
        "id_document_number",
        old.id_document_number.clone(),
        new.id_document_number.clone(),
    );
    compare("tax_number", old.tax_number.clone(), new.tax_number.clone());
    compare(
        "directory",
        Some(old.directory.to_string()),
        Some(new.directory.to_string()),
    );
    compare(
        "marketing_consent",
        Some(old.marketing_consent.to_string()),
        Some(new.marketing_consent.to_string()),
    );
    compare("language", old.language.clone(), new.language.clone());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts_of_an_application_are_checked_by_field() {
        let mut application = PartyApplication {
            kind: PartyKind::Individual,
            residency: Residency::Citizen,
            name: "Ana Petrović".into(),
            email: Some("ana@example.rs".into()),
            phone: Some("+381 64 123 4567".into()),
            address: Some("Bulevar 1, Beograd".into()),
            id_document: None,
            id_document_number: Some("123456789".into()),
            tax_number: None,
            copy_consent: false,
            directory_opt_out: false,
            security_body: false,
            marketing_consent: false,
            language: None,
        };
        assert_eq!(check_fields(&application, "RS"), Ok(()));
        application.tax_number = Some("100000008".into());
        assert_eq!(
            check_fields(&application, "RS").map_err(|e| e.0),
            Err("tax_number"),
            "an individual has no tax number"
        );
        application.kind = PartyKind::Business;
        assert_eq!(check_fields(&application, "RS"), Ok(()));
        application.tax_number = Some("100000002".into());
        assert_eq!(
            check_fields(&application, "RS").map_err(|e| e.0),
            Err("tax_number")
        );
        application.tax_number = None;
        application.kind = PartyKind::Individual;
        application.email = Some("x\r\nBcc: y@example.com".into());
        assert_eq!(
            check_fields(&application, "RS").map_err(|e| e.0),
            Err("email")
        );
        application.email = None;
        application.name = "Ana\0".into();
        assert_eq!(
            check_fields(&application, "RS").map_err(|e| e.0),
            Err("name")
        );
        application.name = "A".repeat(201);
        assert_eq!(
            check_fields(&application, "RS").map_err(|e| e.0),
            Err("name")
        );
        application.name = "Ana".into();
        application.phone = Some("call me".into());
        assert_eq!(
            check_fields(&application, "RS").map_err(|e| e.0),
            Err("phone")
        );
    }

    fn application(
        kind: PartyKind,
        residency: Residency,
        doc: Option<IdDocumentKind>,
    ) -> PartyApplication {
        PartyApplication {
            kind,
            residency,
            name: "Ana Anić".into(),
            email: None,
            phone: None,
            address: None,
            id_document: doc,
            id_document_number: None,
            tax_number: None,
            copy_consent: false,
            directory_opt_out: false,
            security_body: false,
            marketing_consent: false,
            language: None,
        }
    }

    const STRICT: RegistrationPolicy = RegistrationPolicy {
        identification: true,
        directory: true,
    };

    #[test]
    fn con4_documents_per_residency() {
        use IdDocumentKind::*;
        let (party, d) = register(
            application(PartyKind::Individual, Residency::Citizen, Some(Passport)),
            STRICT,
        );
        assert!(party.is_some() && d.is_approved());
        let (party, d) = register(
            application(PartyKind::Individual, Residency::Citizen, Some(ForeignerId)),
            STRICT,
        );
        assert!(party.is_none());
        assert_eq!(d.rules, vec![rules::CON_4]);
        let (_, d) = register(
            application(
                PartyKind::Individual,
                Residency::Foreigner,
                Some(DiplomaticId),
            ),
            STRICT,
        );
        assert!(d.is_approved());
        let (_, d) = register(
            application(PartyKind::Business, Residency::Citizen, Some(Passport)),
            STRICT,
        );
        assert!(d.is_rejected());
        let (_, d) = register(
            application(
                PartyKind::Entrepreneur,
                Residency::Citizen,
                Some(RegistryExtract),
            ),
            STRICT,
        );
        assert!(d.is_approved());
        let (_, d) = register(
            application(PartyKind::Individual, Residency::Refugee, None),
            STRICT,
        );
        assert!(d.is_rejected());
        let lax = RegistrationPolicy::default();
        let (_, d) = register(
            application(PartyKind::Individual, Residency::Refugee, None),
            lax,
        );
        assert!(d.is_approved());
    }

    #[test]
    fn con15_legal_entities_stay_listed() {
        let mut app = application(
            PartyKind::Business,
            Residency::Citizen,
            Some(IdDocumentKind::RegistryExtract),
        );
        app.directory_opt_out = true;
        let (party, _) = register(app.clone(), STRICT);
        assert_eq!(
            party.map(|p| p.directory),
            Some(DirectoryListing::IdentifyingDataOnly)
        );
        app.security_body = true;
        let (party, _) = register(app, STRICT);
        assert_eq!(party.map(|p| p.directory), Some(DirectoryListing::OptedOut));
    }

    #[test]
    fn con12_changes_name_old_and_new() {
        let (Some(old), _) = register(
            application(
                PartyKind::Individual,
                Residency::Citizen,
                Some(IdDocumentKind::Passport),
            ),
            STRICT,
        ) else {
            panic!("registered");
        };
        let mut new = old.clone();
        new.address = Some("Bulevar 1".into());
        let diff = changes(&old, &new);
        assert_eq!(diff.len(), 1);
        assert_eq!(diff[0].field, "address");
        assert_eq!(diff[0].new.as_deref(), Some("Bulevar 1"));
    }
}
