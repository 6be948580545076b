//! Documents as PDF, typeset by Typst as a library: a template
//! (`typst/bill.typ`, `typst/listing.typ`) reads its data as JSON (and a
//! bill's QR code as SVG) from a world that holds nothing else; the fonts
//! are Typst's own, compiled in.
//! Nothing is read from disk or the network.

use std::sync::OnceLock;

use typst::diag::{FileError, FileResult};
use typst::foundations::{Bytes, Datetime, Duration};
use typst::syntax::{FileId, RootedPath, Source, VirtualPath, VirtualRoot};
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;
use typst::{Library, LibraryExt, World};

use crate::{BillView, ListingView, RenderError};

const BILL_TEMPLATE: &str = include_str!("../typst/bill.typ");
const LISTING_TEMPLATE: &str = include_str!("../typst/listing.typ");

/// The library and fonts, loaded once per process.
struct Shared {
    library: LazyHash<Library>,
    book: LazyHash<FontBook>,
    fonts: Vec<Font>,
}

fn shared() -> &'static Shared {
    static SHARED: OnceLock<Shared> = OnceLock::new();
    SHARED.get_or_init(|| {
        let fonts: Vec<Font> = typst_assets::fonts()
            .flat_map(|data| Font::iter(Bytes::new(data)))
            .collect();
        Shared {
            library: LazyHash::new(Library::default()),
            book: LazyHash::new(FontBook::from_fonts(&fonts)),
            fonts,
        }
    })
}

fn file_id(path: &str) -> Option<FileId> {
    let path = VirtualPath::new(path).ok()?;
    Some(FileId::new(RootedPath::new(VirtualRoot::Project, path)))
}

/// One document's world: its template and its data (the bill and its QR
/// code, or the listing).
struct DocumentWorld {
    shared: &'static Shared,
    main: Source,
    files: Vec<(FileId, Bytes)>,
}

impl World for DocumentWorld {
    fn library(&self) -> &LazyHash<Library> {
        &self.shared.library
    }

    fn book(&self) -> &LazyHash<FontBook> {
        &self.shared.book
    }

    fn main(&self) -> FileId {
        self.main.id()
    }

    fn source(&self, id: FileId) -> FileResult<Source> {
        if id == self.main.id() {
            Ok(self.main.clone())
        } else {
            Err(FileError::AccessDenied)
        }
    }

    fn file(&self, id: FileId) -> FileResult<Bytes> {
        self.files
            .iter()
            .find(|(file, _)| *file == id)
            .map(|(_, bytes)| bytes.clone())
            .ok_or(FileError::AccessDenied)
    }

    fn font(&self, index: usize) -> Option<Font> {
        self.shared.fonts.get(index).cloned()
    }

    /// Documents carry their own dates; a template never asks for today.
    fn today(&self, _offset: Option<Duration>) -> Option<Datetime> {
        None
    }
}

/// Typesets `template` over a world holding only `files` (path, bytes);
/// the PDF's identifier is `ident`.
fn typeset(ident: &str, template: &str, files: Vec<(&str, Vec<u8>)>) -> Result<Vec<u8>, String> {
    let main = file_id("/main.typ").ok_or("path /main.typ")?;
    let files = files
        .into_iter()
        .map(|(path, bytes)| {
            file_id(path)
                .map(|id| (id, Bytes::new(bytes)))
                .ok_or_else(|| format!("path {path}"))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let world = DocumentWorld {
        shared: shared(),
        main: Source::new(main, template.to_owned()),
        files,
    };
    let messages = |errors: &[typst::diag::SourceDiagnostic]| {
        errors
            .iter()
            .map(|e| e.message.to_string())
            .collect::<Vec<_>>()
            .join("; ")
    };
    let pdf = typst::compile::<typst_layout::PagedDocument>(&world)
        .output
        .map_err(|errors| messages(&errors))
        .and_then(|document| {
            let options = typst_pdf::PdfOptions {
                ident: typst::foundations::Smart::Custom(ident.to_owned()),
                ..typst_pdf::PdfOptions::default()
            };
            typst_pdf::pdf(&document, &options).map_err(|errors| messages(&errors))
        });
    // Typst memoizes what it computed, across compilations. Every bill is
    // new input, so without eviction a server's memory grows with each
    // document (4.3 GB after 6,600 distinct bills, docs/benchmarks.md).
    // Results unused for the last few documents are dropped; what every
    // document shares (fonts, the template) is used each time and stays.
    comemo::evict(KEEP_FOR_DOCUMENTS);
    pdf
}

/// How many documents a memoized result survives unused.
const KEEP_FOR_DOCUMENTS: usize = 10;

/// The bill as a PDF document.
pub fn render(view: &BillView) -> Result<Vec<u8>, RenderError> {
    let failed = |reason: String| RenderError::Typeset {
        bill: view.number.clone(),
        reason,
    };
    let mut files = vec![(
        "/bill.json",
        serde_json::to_vec(view).map_err(|e| failed(e.to_string()))?,
    )];
    if let Some(svg) = &view.qr_svg {
        files.push(("/qr.svg", svg.clone().into_bytes()));
    }
    typeset(&view.number, BILL_TEMPLATE, files).map_err(failed)
}

/// An itemised listing as a PDF document, a page per
/// [`ListingView::per_page`] records.
pub fn render_listing(view: &ListingView) -> Result<Vec<u8>, RenderError> {
    let failed = |reason: String| RenderError::Typeset {
        bill: view.reference.clone(),
        reason,
    };
    let json = serde_json::to_vec(view).map_err(|e| failed(e.to_string()))?;
    typeset(
        &view.reference,
        LISTING_TEMPLATE,
        vec![("/listing.json", json)],
    )
    .map_err(failed)
}
