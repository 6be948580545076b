//! The bill as one HTML page (the self-care view and the e-mail copy): the
//! front, the back and the legend, the QR code inline as SVG.

use askama::Template;

use crate::{BillView, RenderError};

#[derive(Template)]
#[template(path = "bill.html")]
struct BillPage<'a> {
    bill: &'a BillView,
}

/// The bill as a standalone HTML document.
pub fn render(view: &BillView) -> Result<String, RenderError> {
    BillPage { bill: view }
        .render()
        .map_err(|e| RenderError::Html {
            bill: view.number.clone(),
            reason: e.to_string(),
        })
}
