//! The bill as PDF, typeset by Typst as a library: the template
//! (`typst/bill.typ`) reads the bill as JSON and the QR code as SVG from a
//! world that holds nothing else; the fonts are Typst's own, compiled in.
//! Nothing is read from disk or the network.

use std::sync::OnceLock;

use typst::diag::{FileError, FileResult};
use typst::foundations::{Bytes, Datetime, Duration};
use typst::syntax::{FileId, RootedPath, Source, VirtualPath, VirtualRoot};
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;
use typst::{Library, LibraryExt, World};

use crate::{BillView, RenderError};

const TEMPLATE: &str = include_str!("../typst/bill.typ");

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

/// One bill's world: the template, the bill and its QR code.
struct BillWorld {
    shared: &'static Shared,
    main: Source,
    files: Vec<(FileId, Bytes)>,
}

impl World for BillWorld {
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

    /// Bills carry their own dates; the template never asks for today.
    fn today(&self, _offset: Option<Duration>) -> Option<Datetime> {
        None
    }
}

/// The bill as a PDF document.
pub fn render(view: &BillView) -> Result<Vec<u8>, RenderError> {
    let failed = |reason: String| RenderError::Typeset {
        bill: view.number.clone(),
        reason,
    };
    let ids = ["/main.typ", "/bill.json", "/qr.svg"]
        .map(|p| file_id(p).ok_or_else(|| failed(format!("path {p}"))));
    let [main, json, qr] = ids;
    let json_bytes = serde_json::to_vec(view).map_err(|e| failed(e.to_string()))?;
    let mut files = vec![(json?, Bytes::new(json_bytes))];
    if let Some(svg) = &view.qr_svg {
        files.push((qr?, Bytes::new(svg.clone().into_bytes())));
    }
    let world = BillWorld {
        shared: shared(),
        main: Source::new(main?, TEMPLATE.to_owned()),
        files,
    };
    let document: typst_layout::PagedDocument =
        typst::compile(&world).output.map_err(|errors| {
            failed(
                errors
                    .iter()
                    .map(|e| e.message.to_string())
                    .collect::<Vec<_>>()
                    .join("; "),
            )
        })?;
    let options = typst_pdf::PdfOptions {
        ident: typst::foundations::Smart::Custom(view.number.clone()),
        ..typst_pdf::PdfOptions::default()
    };
    typst_pdf::pdf(&document, &options).map_err(|errors| {
        failed(
            errors
                .iter()
                .map(|e| e.message.to_string())
                .collect::<Vec<_>>()
                .join("; "),
        )
    })
}
