//! Credit notes: an issued bill is corrected by a document of its own that
//! names it (never by changing the bill).

use axum::extract::{Extension, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::{Deserialize, Serialize};
use tarifa_app::corrections::{Credit, CreditNote};
use tarifa_app::tokens::{Principal, Role};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::allow;
use crate::tmf::{JsonBody, Money, ctx};
use crate::{ApiError, AppState};

/// What a credit note takes back: an `amount` spread over the bill's VAT
/// rates, or `lines` of the bill; and why.
#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CreditNoteInput {
    /// The number of the bill corrected.
    pub bill: String,
    #[serde(default)]
    pub amount: Option<Money>,
    #[serde(default)]
    pub lines: Vec<CreditNoteLineInput>,
    pub reason: String,
}

/// A line of the bill (from 1), wholly or up to `amount`.
#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CreditNoteLineInput {
    pub line: usize,
    #[serde(default)]
    pub amount: Option<Money>,
}

/// A credit note as issued.
#[derive(Clone, Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CreditNoteView {
    pub number: String,
    /// The number of the bill it corrects.
    pub corrects: String,
    pub customer: String,
    pub issued_on: String,
    /// Negative: what it takes back, VAT included.
    pub total: Money,
    pub vat: Money,
    pub reason: String,
    pub rule: Option<String>,
    pub lines: Vec<CreditNoteLineView>,
    #[serde(rename = "@type")]
    pub kind: String,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CreditNoteLineView {
    pub corrects_line: Option<usize>,
    pub amount: Money,
    /// `standard`, a VAT class of the market, or `split`.
    pub vat: String,
}

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(issue))
}

/// Issues a credit note (billing): 201; 400 for a request that names no
/// amount or lines, 404 for an unknown bill, 409 when it asks for more than
/// is left of the bill.
#[utoipa::path(post, path = "/creditNote", tag = "operations", request_body = CreditNoteInput,
    responses((status = 201, description = "The credit note issued", body = CreditNoteView)))]
async fn issue(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    JsonBody(input): JsonBody<CreditNoteInput>,
) -> Result<Response, ApiError> {
    allow(&principal, &[Role::Admin, Role::Billing])?;
    let input = input?;
    let ctx = ctx(&principal);
    let market_id = state.app.bill_market(&ctx, &input.bill).await?;
    let market = crate::tmf::market(&state, &market_id)?;
    let credit = match (&input.amount, input.lines.is_empty()) {
        (Some(amount), true) => Credit::Amount(amount.to_money("amount", market)?.to_string()),
        (None, false) => Credit::Lines(
            input
                .lines
                .iter()
                .map(|l| {
                    Ok((
                        l.line,
                        l.amount
                            .as_ref()
                            .map(|a| a.to_money("lines.amount", market).map(|m| m.to_string()))
                            .transpose()?,
                    ))
                })
                .collect::<Result<_, ApiError>>()?,
        ),
        _ => {
            return Err(ApiError::bad_request(
                "give either amount or lines: what the credit note takes back",
            ));
        }
    };
    let note = state
        .app
        .credit_note(&ctx, &input.bill, &credit, &input.reason)
        .await?;
    let view = view(&note, market)?;
    Ok(crate::tmf::one(StatusCode::CREATED, &view, None))
}

fn view(
    note: &CreditNote,
    market: &tarifa_core::market::Market,
) -> Result<CreditNoteView, ApiError> {
    let money = |text: &str| -> Result<Money, ApiError> {
        let m = tarifa_core::money::Money::parse(text, market.currency)
            .map_err(|e| ApiError::bad_request(e.to_string()))?;
        Ok(Money::of(m.minor(), market))
    };
    Ok(CreditNoteView {
        number: note.number.clone(),
        corrects: note.corrects.clone(),
        customer: note.customer.to_string(),
        issued_on: note.issued_on.clone(),
        total: money(&note.total)?,
        vat: money(&note.vat)?,
        reason: note.reason.clone(),
        rule: note.rule.clone(),
        lines: note
            .lines
            .iter()
            .map(|l| {
                Ok(CreditNoteLineView {
                    corrects_line: l.corrects_line,
                    amount: money(&l.amount)?,
                    vat: l.vat.clone(),
                })
            })
            .collect::<Result<_, ApiError>>()?,
        kind: "CreditNote".to_owned(),
    })
}
