//! Typst as a library: a small [`World`] made of a main template, a few more files (other templates,
//! the document's data as JSON, images), and the fonts embedded in `typst-assets`, compiled into a
//! PDF whose fonts are embedded and subset.
//!
//! This crate knows nothing of Acunum's documents: the templates and their data come from the
//! application. It lives in its own crate because Typst takes minutes to compile and changes never.

use std::collections::HashMap;
use std::sync::LazyLock;

use typst::diag::{FileError, FileResult, SourceDiagnostic};
use typst::foundations::{Bytes, Datetime, Duration};
use typst::syntax::{FileId, RootedPath, Source, VirtualPath, VirtualRoot};
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;
use typst::{Library, LibraryExt, World};
use typst_layout::PagedDocument;

/// Fonts and standard library, loaded once per process.
struct Shared {
    library: LazyHash<Library>,
    book: LazyHash<FontBook>,
    fonts: Vec<Font>,
}

static SHARED: LazyLock<Shared> = LazyLock::new(|| {
    let fonts: Vec<Font> = typst_assets::fonts().flat_map(|data| Font::iter(Bytes::new(data))).collect();
    let book = FontBook::from_fonts(&fonts);
    Shared { library: LazyHash::new(Library::default()), book: LazyHash::new(book), fonts }
});

/// One file of a document: a template (`.typ`), data (`.json`) or an image.
pub struct File {
    pub path: String,
    pub bytes: Vec<u8>,
}

impl File {
    pub fn new(path: impl Into<String>, bytes: impl Into<Vec<u8>>) -> File {
        File { path: path.into(), bytes: bytes.into() }
    }
}

struct DocWorld {
    main: FileId,
    sources: HashMap<FileId, Source>,
    files: HashMap<FileId, Bytes>,
    today: Datetime,
}

fn file_id(path: &str) -> Result<FileId, PdfError> {
    let path = if path.starts_with('/') { path.to_string() } else { format!("/{path}") };
    let vpath = VirtualPath::new(&path).map_err(|e| PdfError(format!("{path}: {e:?}")))?;
    Ok(FileId::new(RootedPath::new(VirtualRoot::Project, vpath)))
}

fn not_found(id: FileId) -> FileError {
    FileError::NotFound(id.vpath().get_without_slash().into())
}

impl World for DocWorld {
    fn library(&self) -> &LazyHash<Library> {
        &SHARED.library
    }
    fn book(&self) -> &LazyHash<FontBook> {
        &SHARED.book
    }
    fn main(&self) -> FileId {
        self.main
    }
    fn source(&self, id: FileId) -> FileResult<Source> {
        self.sources.get(&id).cloned().ok_or_else(|| not_found(id))
    }
    fn file(&self, id: FileId) -> FileResult<Bytes> {
        self.files.get(&id).cloned().ok_or_else(|| not_found(id))
    }
    fn font(&self, index: usize) -> Option<Font> {
        SHARED.fonts.get(index).cloned()
    }
    fn today(&self, _offset: Option<Duration>) -> Option<Datetime> {
        Some(self.today)
    }
}

/// Why a document could not be made.
#[derive(Debug)]
pub struct PdfError(pub String);

impl std::fmt::Display for PdfError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for PdfError {}

fn describe(diags: &[SourceDiagnostic]) -> String {
    diags.iter().map(|d| d.message.to_string()).collect::<Vec<_>>().join("; ")
}

/// Compiles `main` (Typst markup) with the other `files` it reads, into a PDF.
pub fn render(main: &str, files: Vec<File>) -> Result<Vec<u8>, PdfError> {
    let main_id = file_id("/main.typ")?;
    let mut sources = HashMap::new();
    sources.insert(main_id, Source::new(main_id, main.to_string()));
    let mut by_id = HashMap::new();
    for f in files {
        let id = file_id(&f.path)?;
        if f.path.ends_with(".typ") {
            let text = String::from_utf8(f.bytes.clone()).map_err(|e| PdfError(format!("{}: {e}", f.path)))?;
            sources.insert(id, Source::new(id, text));
        }
        by_id.insert(id, Bytes::new(f.bytes));
    }
    let now = chrono::Local::now().date_naive();
    use chrono::Datelike;
    let today = Datetime::from_ymd(now.year(), now.month() as u8, now.day() as u8)
        .unwrap_or(Datetime::from_ymd(2026, 1, 1).expect("date"));
    let world = DocWorld { main: main_id, sources, files: by_id, today };
    let document = typst::compile::<PagedDocument>(&world).output.map_err(|d| PdfError(describe(&d)));
    let pdf = document
        .and_then(|doc| typst_pdf::pdf(&doc, &typst_pdf::PdfOptions::default()).map_err(|d| PdfError(describe(&d))));
    // Typst memoises layouts in a global cache: keep what the last documents used (fonts, the
    // templates), drop the rest, so that a server making thousands of documents stays small.
    comemo::evict(EVICT_AFTER);
    pdf
}

/// Results unused for this many documents leave the cache.
const EVICT_AFTER: usize = 10;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_french_page_becomes_a_pdf() {
        let pdf = render(
            "#set text(lang: \"fr\")\n#let d = json(\"data.json\")\nDevis n° #d.number — 1 234,56 € — l’été",
            vec![File::new("data.json", br#"{"number": "DEV-2026-0001"}"#.to_vec())],
        )
        .unwrap();
        assert!(pdf.starts_with(b"%PDF-"));
        assert!(pdf.len() > 1000);
    }

    #[test]
    fn a_broken_template_is_an_error_not_a_panic() {
        assert!(render("#let x = (", vec![]).is_err());
        assert!(render("#json(\"absent.json\")", vec![]).is_err());
    }
}
