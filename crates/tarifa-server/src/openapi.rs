//! The OpenAPI 3.1 document, generated from the handlers: every path, its
//! parameters and bodies, the bearer scheme, and the `Error` body of every
//! failure a call can meet.

use utoipa::Modify;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{ContentBuilder, OpenApi, Ref, RefOr, ResponseBuilder, Schema};

use crate::error::ErrorBody;

#[derive(utoipa::OpenApi)]
#[openapi(
    info(
        title = "tarifa",
        description = "Subscriber lifecycle and billing. TM Forum Open API v4 resources under \
            `/tmf-api/…`, the operations TM Forum does not cover under `/api/v1/`. Every call \
            but `/health`, `/ready`, `/openapi.json` and `/docs` needs `Authorization: Bearer \
            <token>` (`tarifa token create`). A refusal is a 422 `Error` naming the rules."
    ),
    security(("bearer" = [])),
    components(schemas(ErrorBody)),
    modifiers(&BearerScheme, &ErrorResponses)
)]
pub struct ApiDoc;

impl ApiDoc {
    pub fn base() -> OpenApi {
        <Self as utoipa::OpenApi>::openapi()
    }
}

struct BearerScheme;

impl Modify for BearerScheme {
    fn modify(&self, openapi: &mut OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("A token from `tarifa token create`"))
                    .build(),
            ),
        );
    }
}

/// The failures every operation can answer with, each an `Error` body.
struct ErrorResponses;

const FAILURES: &[(&str, &str)] = &[
    ("400", "Bad input: the field and why"),
    ("401", "No token, or an unknown or revoked one"),
    ("403", "The token's role may not do this"),
    ("404", "No such resource (or not the caller's)"),
    ("405", "The method is not allowed here"),
    ("408", "The request took too long"),
    ("409", "The request conflicts with what is recorded"),
    ("413", "The body is too large"),
    ("415", "The body is not JSON"),
    ("422", "The rules refuse it: the reasons and rule ids"),
    (
        "429",
        "Too many failed authentications from this address, or another scenario is running",
    ),
    ("500", "The request failed; it is logged"),
    ("503", "The store does not answer"),
];

impl Modify for ErrorResponses {
    fn modify(&self, openapi: &mut OpenApi) {
        for item in openapi.paths.paths.values_mut() {
            let operations = [
                &mut item.get,
                &mut item.post,
                &mut item.patch,
                &mut item.put,
                &mut item.delete,
            ];
            for operation in operations.into_iter().flatten() {
                for (status, description) in FAILURES {
                    operation
                        .responses
                        .responses
                        .entry((*status).to_owned())
                        .or_insert_with(|| {
                            ResponseBuilder::new()
                                .description(*description)
                                .content(
                                    "application/json",
                                    ContentBuilder::new()
                                        .schema(Some(Ref::from_schema_name("Error")))
                                        .build(),
                                )
                                .build()
                                .into()
                        });
                }
            }
        }
    }
}

/// `fields=` may leave out any attribute of a resource but `id`, `href` and
/// `@type`, so only those are required in the resources' schemas.
struct SelectableFields;

const RESOURCES: &[&str] = &[
    "Customer",
    "BillingAccount",
    "ProductOffering",
    "ProductOfferingPrice",
    "Product",
    "Usage",
    "CustomerBill",
    "AppliedCustomerBillingRate",
    "Payment",
    "TroubleTicket",
    "CommunicationMessage",
];

impl Modify for SelectableFields {
    fn modify(&self, openapi: &mut OpenApi) {
        let Some(components) = openapi.components.as_mut() else {
            return;
        };
        for name in RESOURCES {
            if let Some(RefOr::T(Schema::Object(object))) = components.schemas.get_mut(*name) {
                object
                    .required
                    .retain(|field| matches!(field.as_str(), "id" | "href" | "@type"));
            }
        }
    }
}

/// The whole document: the base with every route's paths.
pub fn document(paths: OpenApi) -> OpenApi {
    let mut document = ApiDoc::base();
    document.merge(paths);
    for modifier in [
        &BearerScheme as &dyn Modify,
        &ErrorResponses,
        &SelectableFields,
    ] {
        modifier.modify(&mut document);
    }
    document
}
