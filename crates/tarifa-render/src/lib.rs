//! Bill documents and itemised listings (USE-5, `listing`). Each bill as
//! BIL-2 (front) and BIL-3 (back) lay it out,
//! every element numbered as the legend numbers it, VAT per rate (BIL-4),
//! the market's payment slip and QR code, in the customer's language; as
//! HTML (askama) and as PDF (Typst as a library, fonts compiled in).
//!
//! The crate is pure apart from the typesetting itself: the app hands it a
//! [`BillInput`] read from the store, [`BillView::build`] turns it into
//! localised text, and [`html`] and [`pdf`] lay that text out.

pub mod html;
pub mod input;
pub mod listing;
pub mod payment;
pub mod pdf;
pub mod view;

pub use input::{BillDetail, BillInput, Correction, InputLine};
pub use listing::{ListingInput, ListingRecord, ListingView};
pub use payment::{PaymentCode, QrStandard};
pub use view::BillView;

/// A document that could not be made.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error("bill {bill}: {reason}")]
    Data { bill: String, reason: String },
    #[error("bill {bill}: payment code: {source}")]
    Payment {
        bill: String,
        source: tarifa_core::payment_slip::SlipError,
    },
    #[error("bill {bill}: text {source}")]
    Text {
        bill: String,
        source: tarifa_texts::TextError,
    },
    #[error("bill {bill}: QR code: {reason}")]
    Qr { bill: String, reason: String },
    #[error("bill {bill}: typesetting: {reason}")]
    Typeset { bill: String, reason: String },
    #[error("bill {bill}: HTML: {reason}")]
    Html { bill: String, reason: String },
}

/// The formats a bill document comes in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Html,
    Pdf,
}

impl Format {
    pub fn parse(text: &str) -> Option<Self> {
        match text.trim().to_ascii_lowercase().as_str() {
            "html" => Some(Self::Html),
            "pdf" => Some(Self::Pdf),
            _ => None,
        }
    }

    pub fn media_type(self) -> &'static str {
        match self {
            Self::Html => "text/html; charset=utf-8",
            Self::Pdf => "application/pdf",
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            Self::Html => "html",
            Self::Pdf => "pdf",
        }
    }
}

/// One bill as a document in `format`.
pub fn render(view: &BillView, format: Format) -> Result<Vec<u8>, RenderError> {
    match format {
        Format::Html => html::render(view).map(String::into_bytes),
        Format::Pdf => pdf::render(view),
    }
}

/// One itemised listing as a document in `format`.
pub fn render_listing(view: &ListingView, format: Format) -> Result<Vec<u8>, RenderError> {
    match format {
        Format::Html => listing::html(view).map(String::into_bytes),
        Format::Pdf => pdf::render_listing(view),
    }
}
