//! Reading a file of places as a stream: bytes are decoded to UTF-8 as they come (UTF-8, UTF-16 with
//! its mark, or Windows-1252 from the first byte that is not UTF-8), then CSV records or the items of
//! a JSON array (or of a GeoJSON collection) are handed over one by one. Nothing holds the whole
//! file: memory stays that of a batch, whatever the file's size.

use std::io::{BufRead, BufReader, Read};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use super::schema::RawRow;

/// A file that cannot be read at all, with the reason in French.
#[derive(Debug)]
pub struct Refused(pub String);

/// A marker column for a CSV line whose width differs from the header's, or an item that is not an
/// object.
pub const BAD_WIDTH: &str = "\u{0}largeur";

/// A reader that counts the bytes read through it (the progress of an import).
pub struct Counting<R> {
    inner: R,
    count: Arc<AtomicU64>,
}

impl<R> Counting<R> {
    pub fn new(inner: R) -> (Counting<R>, Arc<AtomicU64>) {
        let count = Arc::new(AtomicU64::new(0));
        (Counting { inner, count: count.clone() }, count)
    }
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Encoding {
    Utf8,
    Windows1252,
    Utf16(&'static encoding_rs::Encoding),
}

/// Decodes a file to UTF-8 as it is read. The first 8 KiB decide: a byte-order mark, or binary
/// content (refused); then UTF-8 is passed through while it is valid, and from the first byte that
/// is not, the rest is read as Windows-1252 (the `note` says so).
pub struct Decoder<R> {
    inner: R,
    encoding: Encoding,
    decoder: Option<encoding_rs::Decoder>,
    /// Bytes read but not yet decoded (an incomplete UTF-8 sequence at a chunk's end).
    pending: Vec<u8>,
    out: Vec<u8>,
    pos: usize,
    eof: bool,
    /// Facts about the whole file (encoding, delimiter), shared with whoever reads the rows.
    notes: Arc<Mutex<Vec<String>>>,
}

const CHUNK: usize = 64 * 1024;

impl<R: Read> Decoder<R> {
    pub fn new(mut inner: R) -> Result<Decoder<R>, Refused> {
        let mut head = vec![0u8; 8192];
        let mut n = 0;
        while n < head.len() {
            match inner.read(&mut head[n..]) {
                Ok(0) => break,
                Ok(k) => n += k,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(Refused(format!("Le fichier n'a pas pu être lu : {e}."))),
            }
        }
        head.truncate(n);
        if head.starts_with(b"%PDF") || head.starts_with(b"PK\x03\x04") || head.starts_with(b"\x89PNG") {
            return Err(Refused(
                "Ce fichier n'est ni un CSV ni un JSON (c'est un PDF, une archive ou une image).".into(),
            ));
        }
        let mut notes = Vec::new();
        let (encoding, skip) = if head.starts_with(b"\xEF\xBB\xBF") {
            (Encoding::Utf8, 3)
        } else if head.starts_with(b"\xFF\xFE") {
            notes.push("Fichier lu en UTF-16.".into());
            (Encoding::Utf16(encoding_rs::UTF_16LE), 2)
        } else if head.starts_with(b"\xFE\xFF") {
            notes.push("Fichier lu en UTF-16.".into());
            (Encoding::Utf16(encoding_rs::UTF_16BE), 2)
        } else if head.contains(&0) {
            return Err(Refused("Ce fichier n'est ni un CSV ni un JSON (il contient des données binaires).".into()));
        } else {
            (Encoding::Utf8, 0)
        };
        let decoder = match encoding {
            Encoding::Utf16(e) => Some(e.new_decoder_without_bom_handling()),
            _ => None,
        };
        let mut d = Decoder {
            inner,
            encoding,
            decoder,
            pending: head[skip..].to_vec(),
            out: Vec::with_capacity(CHUNK * 2),
            pos: 0,
            eof: false,
            notes: Arc::new(Mutex::new(notes)),
        };
        d.decode_pending(false);
        Ok(d)
    }

    /// Decodes what is pending into `out`; `last` when the input has ended.
    fn decode_pending(&mut self, last: bool) {
        if self.encoding == Encoding::Utf8 {
            match std::str::from_utf8(&self.pending) {
                Ok(_) => {
                    self.out.extend_from_slice(&self.pending);
                    self.pending.clear();
                    return;
                }
                Err(e) => {
                    let valid = e.valid_up_to();
                    if e.error_len().is_none() && !last {
                        // An incomplete sequence at the end: wait for the next chunk.
                        self.out.extend_from_slice(&self.pending[..valid]);
                        self.pending.drain(..valid);
                        return;
                    }
                    self.out.extend_from_slice(&self.pending[..valid]);
                    self.pending.drain(..valid);
                    self.encoding = Encoding::Windows1252;
                    self.decoder = Some(encoding_rs::WINDOWS_1252.new_decoder_without_bom_handling());
                    if let Ok(mut notes) = self.notes.lock() {
                        notes.push(
                            "Fichier lu en Windows-1252 (Latin-1) : il n'est pas en UTF-8 ; les accents ont été convertis."
                                .into(),
                        );
                    }
                }
            }
        }
        if let Some(d) = self.decoder.as_mut() {
            let mut src: &[u8] = &self.pending;
            loop {
                let start = self.out.len();
                let room = d.max_utf8_buffer_length(src.len()).unwrap_or(src.len() * 3 + 16).max(16);
                self.out.resize(start + room, 0);
                let (result, read, written, _) = d.decode_to_utf8(src, &mut self.out[start..], last);
                self.out.truncate(start + written);
                src = &src[read..];
                if result == encoding_rs::CoderResult::InputEmpty {
                    break;
                }
            }
            self.pending.clear();
        }
    }

    fn fill(&mut self) -> std::io::Result<()> {
        self.out.clear();
        self.pos = 0;
        while self.out.is_empty() && !self.eof {
            let start = self.pending.len();
            self.pending.resize(start + CHUNK, 0);
            let n = loop {
                match self.inner.read(&mut self.pending[start..]) {
                    Ok(n) => break n,
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                    Err(e) => return Err(e),
                }
            };
            self.pending.truncate(start + n);
            self.eof = n == 0;
            self.decode_pending(self.eof);
        }
        Ok(())
    }
}

impl<R: Read> Read for Decoder<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.pos >= self.out.len() {
            self.fill()?;
        }
        let n = buf.len().min(self.out.len() - self.pos);
        buf[..n].copy_from_slice(&self.out[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

/// How a file's rows are laid out.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Format {
    Csv,
    Json,
}

impl Format {
    pub fn name(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Json => "json",
        }
    }
}

/// A decoded file, ready to hand its rows over.
pub struct Rows<R: Read> {
    reader: BufReader<Decoder<R>>,
    pub format: Format,
}

/// Opens a file: decoding, then the first character tells CSV from JSON.
pub fn open<R: Read>(input: R) -> Result<Rows<R>, Refused> {
    let decoder = Decoder::new(input)?;
    let mut reader = BufReader::with_capacity(1024 * 1024, decoder);
    loop {
        let buf = reader.fill_buf().map_err(|e| Refused(format!("Le fichier n'a pas pu être lu : {e}.")))?;
        if buf.is_empty() {
            return Err(Refused("Le fichier est vide.".into()));
        }
        let blank = buf.iter().take_while(|b| b.is_ascii_whitespace()).count();
        if blank == buf.len() {
            reader.consume(blank);
            continue;
        }
        let format = if matches!(buf[blank], b'[' | b'{') { Format::Json } else { Format::Csv };
        reader.consume(blank);
        return Ok(Rows { reader, format });
    }
}

impl<R: Read> Rows<R> {
    /// Facts about the whole file (encoding, delimiter), as they are noticed while reading.
    pub fn notes_handle(&self) -> Arc<Mutex<Vec<String>>> {
        self.reader.get_ref().notes.clone()
    }

    /// Hands every row to `each`, in the file's order. `each` may stop the reading by returning an
    /// error, given back as is.
    pub fn for_each(self, mut each: impl FnMut(RawRow) -> Result<(), String>) -> Result<(), Refused> {
        let notes = self.notes_handle();
        match self.format {
            Format::Csv => csv_rows(self.reader, &notes, &mut each),
            Format::Json => json_rows(self.reader, &mut each),
        }
    }
}

fn csv_rows<R: Read>(
    mut reader: BufReader<R>,
    notes: &Mutex<Vec<String>>,
    each: &mut dyn FnMut(RawRow) -> Result<(), String>,
) -> Result<(), Refused> {
    let head = reader.fill_buf().map_err(|e| Refused(format!("Le fichier n'a pas pu être lu : {e}.")))?;
    let line_end = head.iter().position(|b| *b == b'\n').unwrap_or(head.len());
    let header = String::from_utf8_lossy(&head[..line_end]).to_string();
    let delimiter =
        [b';', b',', b'\t'].into_iter().max_by_key(|d| header.bytes().filter(|b| b == d).count()).unwrap_or(b',');
    if delimiter != b','
        && let Ok(mut notes) = notes.lock()
    {
        notes.push(format!("Colonnes séparées par « {} ».", if delimiter == b';' { ";" } else { "tabulation" }));
    }
    let mut csv = csv::ReaderBuilder::new().delimiter(delimiter).flexible(true).from_reader(reader);
    let headers: Vec<String> = csv
        .headers()
        .map_err(|e| Refused(format!("L'en-tête du CSV est illisible : {e}.")))?
        .iter()
        .map(|h| h.trim().trim_matches('"').to_string())
        .collect();
    if headers.len() < 2 {
        return Err(Refused("Ce fichier n'est pas un CSV de lieux : une seule colonne lue.".into()));
    }
    let mut record = csv::StringRecord::new();
    let mut line = 1;
    loop {
        line += 1;
        let row = match csv.read_record(&mut record) {
            Ok(false) => return Ok(()),
            Ok(true) => {
                let mut row: RawRow = headers.iter().cloned().zip(record.iter().map(str::to_string)).collect();
                if record.len() != headers.len() {
                    row.push((BAD_WIDTH.into(), format!("{} colonnes au lieu de {}", record.len(), headers.len())));
                }
                row
            }
            Err(e) if e.is_io_error() => return Err(Refused(format!("Le fichier n'a pas pu être lu : {e}."))),
            Err(e) => vec![(BAD_WIDTH.into(), format!("ligne {line} illisible : {e}"))],
        };
        each(row).map_err(Refused)?;
    }
}

fn value_text(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::Null => String::new(),
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Array(a) => a.iter().map(value_text).filter(|s| !s.is_empty()).collect::<Vec<_>>().join("|"),
        other => other.to_string(),
    }
}

/// One item of the array: an object's fields as text (arrays joined with `|`); a GeoJSON feature's
/// properties with its point as coordinates.
fn item_row(item: serde_json::Value, geojson: bool) -> RawRow {
    let item = if geojson {
        let mut f = item;
        let coords = f.pointer("/geometry/coordinates").and_then(|c| c.as_array()).cloned();
        let mut props = f.get_mut("properties").map(serde_json::Value::take).unwrap_or_default();
        if let (Some(obj), Some(c)) = (props.as_object_mut(), coords)
            && c.len() >= 2
        {
            obj.entry("longitude").or_insert(c[0].clone());
            obj.entry("latitude").or_insert(c[1].clone());
        }
        props
    } else {
        item
    };
    match item {
        serde_json::Value::Object(o) => o
            .into_iter()
            .map(|(k, v)| {
                let text = match v {
                    serde_json::Value::String(s) => s,
                    other => value_text(&other),
                };
                (k, text)
            })
            .collect(),
        _ => vec![(BAD_WIDTH.into(), "cet élément n'est pas un objet".into())],
    }
}

/// The array's items, one at a time.
struct Items<'a> {
    each: &'a mut dyn FnMut(RawRow) -> Result<(), String>,
    geojson: bool,
    /// Set once an array of rows was read.
    read: &'a mut bool,
}

impl<'de> Visitor<'de> for Items<'_> {
    type Value = ();
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("une liste de lieux")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        *self.read = true;
        while let Some(item) = seq.next_element::<serde_json::Value>()? {
            (self.each)(item_row(item, self.geojson)).map_err(serde::de::Error::custom)?;
        }
        Ok(())
    }
    // Anything else where rows might have been (a number, a text, an object): not rows.
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(())
    }
    fn visit_str<E: serde::de::Error>(self, _: &str) -> Result<(), E> {
        Ok(())
    }
    fn visit_bool<E: serde::de::Error>(self, _: bool) -> Result<(), E> {
        Ok(())
    }
    fn visit_i64<E: serde::de::Error>(self, _: i64) -> Result<(), E> {
        Ok(())
    }
    fn visit_u64<E: serde::de::Error>(self, _: u64) -> Result<(), E> {
        Ok(())
    }
    fn visit_f64<E: serde::de::Error>(self, _: f64) -> Result<(), E> {
        Ok(())
    }
    fn visit_unit<E: serde::de::Error>(self) -> Result<(), E> {
        Ok(())
    }
}

impl<'de> DeserializeSeed<'de> for Items<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

/// The document: an array of rows, or an object holding one (GeoJSON's `features`, or the first
/// array among its values).
struct Document<'a> {
    each: &'a mut dyn FnMut(RawRow) -> Result<(), String>,
    read: &'a mut bool,
}

impl<'de> Visitor<'de> for Document<'_> {
    type Value = ();
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("une liste de lieux")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<(), A::Error> {
        Items { each: self.each, geojson: false, read: self.read }.visit_seq(seq)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<String>()? {
            if *self.read {
                map.next_value::<IgnoredAny>()?;
            } else {
                let geojson = key == "features";
                map.next_value_seed(Items { each: &mut *self.each, geojson, read: &mut *self.read })?;
            }
        }
        Ok(())
    }
}

fn json_rows<R: Read>(reader: BufReader<R>, each: &mut dyn FnMut(RawRow) -> Result<(), String>) -> Result<(), Refused> {
    let mut de = serde_json::Deserializer::from_reader(reader);
    let mut read = false;
    let mut stopped: Option<String> = None;
    let mut guard = |row: RawRow| each(row).inspect_err(|e| stopped = Some(e.clone()));
    let outcome = de.deserialize_any(Document { each: &mut guard, read: &mut read }).and_then(|_| de.end());
    if let Some(why) = stopped {
        return Err(Refused(why));
    }
    match outcome {
        Err(e) if e.is_io() => Err(Refused(format!("Le fichier n'a pas pu être lu : {e}."))),
        Err(e) => Err(Refused(format!("Le JSON est illisible (ligne {}, colonne {}).", e.line(), e.column()))),
        Ok(()) if !read => Err(Refused("Le JSON n'est pas une liste de lieux.".into())),
        Ok(()) => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(bytes: &[u8]) -> Result<(Format, Vec<RawRow>, Vec<String>), Refused> {
        let rows = open(bytes)?;
        let format = rows.format;
        let notes = rows.notes_handle();
        let mut out = Vec::new();
        rows.for_each(|r| {
            out.push(r);
            Ok(())
        })?;
        let notes = notes.lock().unwrap().clone();
        Ok((format, out, notes))
    }

    #[test]
    fn csv_json_and_geojson_are_read_row_by_row() {
        let (f, rows, notes) = all(b"nom;commune\nA;Reims\nB;Paris\n").unwrap();
        assert_eq!((f, rows.len()), (Format::Csv, 2));
        assert!(notes.iter().any(|n| n.contains("« ; »")), "{notes:?}");
        assert_eq!(rows[1][1], ("commune".to_string(), "Paris".to_string()));
        let (f, rows, _) = all(br#"  [{"nom": "A", "services": ["x", "y"]}, 3]"#).unwrap();
        assert_eq!((f, rows.len()), (Format::Json, 2));
        assert_eq!(rows[0][1].1, "x|y");
        assert_eq!(rows[1][0].0, BAD_WIDTH);
        let geo = br#"{"type": "FeatureCollection", "features": [{"type": "Feature",
            "geometry": {"type": "Point", "coordinates": [4.03, 49.25]}, "properties": {"nom": "A"}}]}"#;
        let (_, rows, _) = all(geo).unwrap();
        assert!(rows[0].contains(&("latitude".to_string(), "49.25".to_string())), "{rows:?}");
    }

    #[test]
    fn encodings_are_told_apart_as_the_bytes_come() {
        // Windows-1252 after 100 KiB of ASCII: the note, and the accents converted.
        let mut bytes = b"nom,commune\n".to_vec();
        while bytes.len() < 100 * 1024 {
            bytes.extend_from_slice(b"Lieu,Reims\n");
        }
        bytes.extend_from_slice(b"Caf\xe9,Angoul\xeame\n");
        let (_, rows, notes) = all(&bytes).unwrap();
        assert_eq!(rows.last().unwrap()[1].1, "Angoulême");
        assert!(notes.iter().any(|n| n.contains("Windows-1252")), "{notes:?}");
        // UTF-16 with its mark.
        let text = "nom,commune\nÉcole,Brûlon\n";
        let mut utf16 = vec![0xFF, 0xFE];
        for u in text.encode_utf16() {
            utf16.extend_from_slice(&u.to_le_bytes());
        }
        let (_, rows, _) = all(&utf16).unwrap();
        assert_eq!(rows[0][1].1, "Brûlon");
        // A multi-byte character cut by a chunk's end stays whole.
        let mut long = b"nom,commune\n".to_vec();
        while long.len() < CHUNK - 1 {
            long.push(b'a');
        }
        long.extend_from_slice("é,Reims\n".as_bytes());
        let (_, rows, notes) = all(&long).unwrap();
        assert!(rows[0][0].1.ends_with('é'), "{notes:?}");
        assert!(!notes.iter().any(|n| n.contains("Windows-1252")));
    }

    #[test]
    fn what_is_not_rows_is_refused_with_a_reason() {
        assert!(all(b"").unwrap_err().0.contains("vide"));
        assert!(all(b"%PDF-1.7").unwrap_err().0.contains("PDF"));
        assert!(all(br#"{"a": 1}"#).unwrap_err().0.contains("liste"));
        assert!(all(br#"[{"nom": "A"}, {"nom": "#).unwrap_err().0.contains("illisible"));
        assert!(all(b"nom\nA\n").unwrap_err().0.contains("une seule colonne"));
    }
}
