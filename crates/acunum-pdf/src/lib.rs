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

/// How a document is exported.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// PDF/A-3b (archival, with attached files: what Factur-X asks).
    pub pdf_a3b: bool,
    /// More XMP metadata, added to what Typst writes (the Factur-X properties and their schema).
    pub xmp: Option<XmpExtra>,
    /// The document's creation instant (Unix seconds, UTC): a document printed again is the same.
    pub created_at: Option<i64>,
}

/// XMP metadata of an application schema: its properties (an `rdf:Description`) and the description
/// of its schema for PDF/A (an `rdf:li` of the `pdfaExtension:schemas` bag).
#[derive(Clone, Debug)]
pub struct XmpExtra {
    pub description: String,
    pub schema: String,
}

/// Compiles `main` (Typst markup) with the other `files` it reads, into a PDF.
pub fn render(main: &str, files: Vec<File>) -> Result<Vec<u8>, PdfError> {
    render_with(main, files, &Options::default())
}

/// The same, exported as `options` say.
pub fn render_with(main: &str, files: Vec<File>, options: &Options) -> Result<Vec<u8>, PdfError> {
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
    let mut pdf_options = typst_pdf::PdfOptions::default();
    if let Some(ts) = options.created_at.or(options.pdf_a3b.then(|| chrono::Utc::now().timestamp()))
        && let Some(at) = chrono::DateTime::from_timestamp(ts, 0)
    {
        use chrono::{Datelike, Timelike};
        pdf_options.timestamp = Datetime::from_ymd_hms(
            at.year(),
            at.month() as u8,
            at.day() as u8,
            at.hour() as u8,
            at.minute() as u8,
            at.second() as u8,
        )
        .map(typst_pdf::Timestamp::new_utc);
    }
    if options.pdf_a3b {
        pdf_options.standards =
            typst_pdf::PdfStandards::new(&[typst_pdf::PdfStandard::A_3b]).map_err(|e| PdfError(format!("{e:?}")))?;
    }
    let pdf = document.and_then(|doc| typst_pdf::pdf(&doc, &pdf_options).map_err(|d| PdfError(describe(&d))));
    let pdf = match (&options.xmp, pdf) {
        (Some(extra), Ok(bytes)) => add_xmp(&bytes, extra),
        (_, Ok(mut bytes)) => {
            drop_suspects(&mut bytes);
            Ok(bytes)
        }
        (_, err) => err,
    };
    // Typst memoises layouts in a global cache: keep what the last documents used (fonts, the
    // templates), drop the rest, so that a server making thousands of documents stays small.
    comemo::evict(EVICT_AFTER);
    pdf
}

/// `/Suspects false` in the catalog's `/MarkInfo` is valid PDF (and the default), but poppler reports
/// it as a syntax error: blanked with spaces of the same length, so that no offset moves.
fn drop_suspects(pdf: &mut [u8]) {
    const NEEDLE: &[u8] = b"/Suspects false";
    if let Some(at) = pdf.windows(NEEDLE.len()).position(|w| w == NEEDLE) {
        pdf[at..at + NEEDLE.len()].fill(b' ');
    }
}

/// Adds an application schema to the document's XMP metadata stream (left uncompressed, as PDF/A
/// wants): its properties beside Typst's, its schema description in Typst's extension bag.
fn add_xmp(pdf: &[u8], extra: &XmpExtra) -> Result<Vec<u8>, PdfError> {
    let err = |e: lopdf::Error| PdfError(format!("métadonnées XMP : {e}"));
    let mut doc = lopdf::Document::load_mem(pdf).map_err(err)?;
    let root = doc.trailer.get(b"Root").and_then(|o| o.as_reference()).map_err(err)?;
    let catalog = doc.get_object_mut(root).and_then(|o| o.as_dict_mut()).map_err(err)?;
    if let Ok(mark) = catalog.get_mut(b"MarkInfo").and_then(|o| o.as_dict_mut()) {
        mark.remove(b"Suspects");
    }
    let meta = catalog.get(b"Metadata").and_then(|o| o.as_reference()).map_err(err)?;
    let stream = doc.get_object_mut(meta).and_then(|o| o.as_stream_mut()).map_err(err)?;
    let content = stream.decompressed_content().unwrap_or_else(|_| stream.content.clone());
    let mut xmp = String::from_utf8(content).map_err(|e| PdfError(format!("métadonnées XMP : {e}")))?;
    match xmp.find("</rdf:Bag></pdfaExtension:schemas>") {
        Some(at) => xmp.insert_str(at, &extra.schema),
        None => return Err(PdfError("métadonnées XMP sans schémas d'extension PDF/A".into())),
    }
    let Some(at) = xmp.rfind("</rdf:RDF>") else {
        return Err(PdfError("métadonnées XMP sans rdf:RDF".into()));
    };
    xmp.insert_str(at, &extra.description);
    stream.dict.remove(b"Filter");
    stream.dict.remove(b"DecodeParms");
    stream.set_content(xmp.into_bytes());
    let mut out = Vec::new();
    doc.save_to(&mut out).map_err(|e| PdfError(format!("enregistrement du PDF : {e}")))?;
    Ok(out)
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
        assert!(!String::from_utf8_lossy(&pdf).contains("/Suspects false"));
    }

    #[test]
    fn an_archival_pdf_carries_its_attachment_and_more_metadata() {
        let pdf = render_with(
            "#pdf.attach(\"factur-x.xml\", bytes(\"<x/>\"), relationship: \"data\", mime-type: \"text/xml\", description: \"Factur-X\")\nFacture",
            vec![],
            &Options {
                pdf_a3b: true,
                xmp: Some(XmpExtra {
                    description: "<rdf:Description rdf:about=\"\" xmlns:fx=\"urn:test#\"><fx:A>1</fx:A></rdf:Description>".into(),
                    schema: "<rdf:li rdf:parseType=\"Resource\"><pdfaSchema:prefix>fx</pdfaSchema:prefix></rdf:li>".into(),
                }),
                created_at: Some(1_800_000_000),
            },
        )
        .unwrap();
        let text = String::from_utf8_lossy(&pdf);
        assert!(
            text.contains("factur-x.xml") && text.contains("<fx:A>1</fx:A>") && text.contains("pdfaid:part"),
            "{text}"
        );
        assert!(text.contains("<pdfaSchema:prefix>fx</pdfaSchema:prefix></rdf:li></rdf:Bag></pdfaExtension:schemas>"));
        assert!(!text.contains("/Suspects"), "poppler reads /Suspects false as an error");
    }

    #[test]
    fn a_broken_template_is_an_error_not_a_panic() {
        assert!(render("#let x = (", vec![]).is_err());
        assert!(render("#json(\"absent.json\")", vec![]).is_err());
    }
}
