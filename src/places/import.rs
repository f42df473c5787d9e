//! Importing a file of places: reading it (CSV with `,` or `;`, JSON array, GeoJSON; UTF-8 or
//! Windows-1252), turning each row into a record of the schema, and writing the records by their
//! `(source, id)`: new ones are created, changed ones updated, the rest left alone. The report says,
//! row by row, what was corrected and how, and what was rejected and why.

use std::collections::HashMap;
use std::time::Instant;

use serde::Serialize;
use sqlx::Row;

use super::schema::{self, FileContext, Normalized, RawRow, ReportRow};
use super::vocabulary;
use crate::db::{Db, now};
use crate::error::AppError;

/// How many report rows are kept in detail (counts are always complete).
pub const REPORT_DETAIL_MAX: usize = 5_000;

/// A file that cannot be read at all, with the reason in French.
#[derive(Debug)]
pub struct Refused(pub String);

/// What a file holds, before the rules.
#[derive(Debug)]
pub struct ParsedFile {
    pub format: &'static str,
    pub rows: Vec<RawRow>,
    /// Facts about the whole file (encoding, extra columns...).
    pub notes: Vec<String>,
    pub context: FileContext,
}

/// Decodes and parses a file.
pub fn parse(bytes: &[u8], filename: &str) -> Result<ParsedFile, Refused> {
    let mut notes = Vec::new();
    let text = decode(bytes, &mut notes)?;
    let trimmed = text.trim_start();
    if trimmed.is_empty() {
        return Err(Refused("Le fichier est vide.".into()));
    }
    let (format, rows) = if trimmed.starts_with('[') || trimmed.starts_with('{') {
        ("json", parse_json(trimmed)?)
    } else {
        ("csv", parse_csv(trimmed, &mut notes)?)
    };
    if rows.is_empty() {
        return Err(Refused("Le fichier ne contient aucune ligne de lieu.".into()));
    }
    let mut columns: Vec<String> = Vec::new();
    for r in rows.iter().take(1000) {
        for (k, _) in r {
            if !columns.contains(k) {
                columns.push(k.clone());
            }
        }
    }
    let lower: Vec<String> = columns.iter().map(|c| c.trim().trim_start_matches('\u{feff}').to_lowercase()).collect();
    let known = |c: &str| ["nom", "lib_fs", "adresse", "code_postal", "commune"].contains(&c);
    if !lower.iter().any(|c| known(c)) {
        return Err(Refused(format!(
            "Aucune colonne attendue (nom, adresse, code_postal, commune…) : ce fichier ne suit pas le schéma des lieux de médiation numérique. Colonnes lues : {}.",
            columns.iter().take(8).cloned().collect::<Vec<_>>().join(", ")
        )));
    }
    let france_services = lower.iter().any(|c| c == "id_fs") && lower.iter().any(|c| c == "lib_fs");
    if france_services {
        notes.push("Liste des France Services : les horaires par jour sont écrits au format OpenStreetMap, le dispositif « France Services » est ajouté.".into());
    }
    let extra: Vec<&String> = columns
        .iter()
        .zip(&lower)
        .filter(|(_, l)| {
            schema::field_index(l).is_none()
                && !matches!(
                    l.as_str(),
                    "courriel"
                        | "mail"
                        | "email"
                        | "accessibilite"
                        | "labels_autres"
                        | "conditions_acces"
                        | "conditions_access"
                        | "labels_nationaux"
                        | "lib_fs"
                        | "lib_com"
                        | "insee_com"
                        | "id_fs"
                        | "publics_accueillis"
                        | "lat"
                        | "lon"
                        | "lng"
                        | "cp"
                        | "h_lundi"
                        | "h_mardi"
                        | "h_mercredi"
                        | "h_jeudi"
                        | "h_vendredi"
                        | "h_samedi"
                        | "h_dimanche"
                )
        })
        .map(|(c, _)| c)
        .collect();
    if !extra.is_empty() {
        notes.push(format!(
            "Colonnes hors du schéma, conservées telles quelles : {}.",
            extra.iter().map(|c| c.as_str()).collect::<Vec<_>>().join(", ")
        ));
    }
    let stem = filename.rsplit(['/', '\\']).next().unwrap_or(filename);
    let stem = stem.rsplit_once('.').map(|(s, _)| s).unwrap_or(stem);
    let context = FileContext {
        default_source: if france_services { "France Services".into() } else { stem.chars().take(100).collect() },
        france_services,
        today: chrono::Utc::now().date_naive().format("%Y-%m-%d").to_string(),
    };
    Ok(ParsedFile { format, rows, notes, context })
}

fn decode<'a>(bytes: &'a [u8], notes: &mut Vec<String>) -> Result<std::borrow::Cow<'a, str>, Refused> {
    if bytes.starts_with(b"%PDF") || bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"\x89PNG") {
        return Err(Refused("Ce fichier n'est ni un CSV ni un JSON (c'est un PDF, une archive ou une image).".into()));
    }
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        return std::str::from_utf8(rest)
            .map(Into::into)
            .map_err(|_| Refused("Le fichier annonce l'UTF-8 mais ne l'est pas.".into()));
    }
    if bytes.starts_with(b"\xFF\xFE") || bytes.starts_with(b"\xFE\xFF") {
        let le = bytes[0] == 0xFF;
        let units: Vec<u16> = bytes[2..]
            .chunks_exact(2)
            .map(|c| if le { u16::from_le_bytes([c[0], c[1]]) } else { u16::from_be_bytes([c[0], c[1]]) })
            .collect();
        notes.push("Fichier lu en UTF-16.".into());
        return String::from_utf16(&units).map(Into::into).map_err(|_| Refused("Le fichier UTF-16 est abîmé.".into()));
    }
    if bytes.iter().take(8192).any(|b| *b == 0) {
        return Err(Refused("Ce fichier n'est ni un CSV ni un JSON (il contient des données binaires).".into()));
    }
    match std::str::from_utf8(bytes) {
        Ok(s) => Ok(s.into()),
        Err(_) => {
            notes.push(
                "Fichier lu en Windows-1252 (Latin-1) : il n'est pas en UTF-8 ; les accents ont été convertis.".into(),
            );
            Ok(bytes.iter().map(|b| cp1252(*b)).collect())
        }
    }
}

fn cp1252(b: u8) -> char {
    const HIGH: [char; 32] = [
        '€', '\u{81}', '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', '\u{8d}', 'Ž', '\u{8f}', '\u{90}', '‘',
        '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', '\u{9d}', 'ž', 'Ÿ',
    ];
    if (0x80..0xA0).contains(&b) { HIGH[(b - 0x80) as usize] } else { char::from(b) }
}

fn parse_csv(text: &str, notes: &mut Vec<String>) -> Result<Vec<RawRow>, Refused> {
    let header = text.lines().next().unwrap_or("");
    let delimiter =
        [b';', b',', b'\t'].into_iter().max_by_key(|d| header.bytes().filter(|b| b == d).count()).unwrap_or(b',');
    if delimiter != b',' {
        notes.push(format!("Colonnes séparées par « {} ».", if delimiter == b';' { ";" } else { "tabulation" }));
    }
    let mut reader = csv::ReaderBuilder::new().delimiter(delimiter).flexible(true).from_reader(text.as_bytes());
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| Refused(format!("L'en-tête du CSV est illisible : {e}.")))?
        .iter()
        .map(|h| h.trim().trim_matches('"').to_string())
        .collect();
    if headers.len() < 2 {
        return Err(Refused("Ce fichier n'est pas un CSV de lieux : une seule colonne lue.".into()));
    }
    let mut rows = Vec::new();
    for (i, record) in reader.records().enumerate() {
        match record {
            Ok(r) => {
                let mut row: RawRow = headers.iter().cloned().zip(r.iter().map(str::to_string)).collect();
                if r.len() != headers.len() {
                    row.push((BAD_WIDTH.into(), format!("{} colonnes au lieu de {}", r.len(), headers.len())));
                }
                rows.push(row);
            }
            Err(e) => rows.push(vec![(BAD_WIDTH.into(), format!("ligne {} illisible : {e}", i + 2))]),
        }
    }
    Ok(rows)
}

/// A marker column for a CSV line whose width differs from the header's.
const BAD_WIDTH: &str = "\u{0}largeur";

fn value_text(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::Null => String::new(),
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Array(a) => a.iter().map(value_text).filter(|s| !s.is_empty()).collect::<Vec<_>>().join("|"),
        other => other.to_string(),
    }
}

fn parse_json(text: &str) -> Result<Vec<RawRow>, Refused> {
    let v: serde_json::Value = serde_json::from_str(text)
        .map_err(|e| Refused(format!("Le JSON est illisible (ligne {}, colonne {}).", e.line(), e.column())))?;
    let items: Vec<serde_json::Value> = match v {
        serde_json::Value::Array(a) => a,
        serde_json::Value::Object(mut o) => {
            if let Some(serde_json::Value::Array(features)) = o.remove("features") {
                // GeoJSON: the properties, and the point as coordinates.
                features
                    .into_iter()
                    .map(|mut f| {
                        let coords = f.pointer("/geometry/coordinates").and_then(|c| c.as_array()).cloned();
                        let mut props = f.get_mut("properties").map(serde_json::Value::take).unwrap_or_default();
                        if let (Some(obj), Some(c)) = (props.as_object_mut(), coords)
                            && c.len() >= 2
                        {
                            obj.entry("longitude").or_insert(c[0].clone());
                            obj.entry("latitude").or_insert(c[1].clone());
                        }
                        props
                    })
                    .collect()
            } else if let Some(a) =
                o.into_iter().find_map(|(_, x)| if let serde_json::Value::Array(a) = x { Some(a) } else { None })
            {
                a
            } else {
                return Err(Refused("Le JSON n'est pas une liste de lieux.".into()));
            }
        }
        _ => return Err(Refused("Le JSON n'est pas une liste de lieux.".into())),
    };
    Ok(items
        .into_iter()
        .map(|item| match item {
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
        })
        .collect())
}

/// The outcome of an import.
#[derive(Clone, Debug, Default, Serialize, utoipa::ToSchema)]
pub struct Report {
    pub id: i64,
    pub filename: String,
    pub format: String,
    pub created_by: String,
    pub rows_total: i64,
    pub accepted: i64,
    pub corrected: i64,
    pub rejected: i64,
    pub created: i64,
    pub updated: i64,
    pub unchanged: i64,
    pub notes: Vec<String>,
    /// Corrected and rejected rows, the first `REPORT_DETAIL_MAX`.
    pub rows: Vec<ReportRow>,
    pub millis: i64,
    pub created_at: i64,
}

/// A row that passed the rules, ready to be written.
pub struct Ready {
    pub source: String,
    pub ext_id: String,
    pub n: Normalized,
    pub fingerprint: String,
    pub search: String,
    pub record_json: String,
    pub extra_json: String,
}

/// Applies the rules to every row (on all cores), rejecting ids seen twice.
pub fn check_rows(file: &ParsedFile, report: &mut Report) -> Vec<Ready> {
    let threads = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1).clamp(1, 8);
    let chunk = file.rows.len().div_ceil(threads).max(1);
    let results: Vec<Result<Ready, Vec<String>>> = std::thread::scope(|s| {
        let handles: Vec<_> = file
            .rows
            .chunks(chunk)
            .map(|rows| s.spawn(|| rows.iter().map(|r| check_one(r, &file.context)).collect::<Vec<_>>()))
            .collect();
        handles.into_iter().flat_map(|h| h.join().unwrap_or_default()).collect()
    });
    let mut seen: HashMap<(String, String), usize> = HashMap::new();
    let mut ready = Vec::with_capacity(results.len());
    report.rows_total = results.len() as i64;
    for (i, (result, raw)) in results.into_iter().zip(&file.rows).enumerate() {
        let line = i + 1;
        let raw_get = |k: &str| {
            raw.iter().find(|(c, _)| c.eq_ignore_ascii_case(k)).map(|(_, v)| v.trim().to_string()).unwrap_or_default()
        };
        match result {
            Ok(r) => {
                if let Some(first) = seen.get(&(r.source.clone(), r.ext_id.clone())) {
                    report.rejected += 1;
                    push_row(
                        report,
                        ReportRow {
                            line,
                            id: r.ext_id.clone(),
                            nom: r.n.record.get("nom").to_string(),
                            status: "rejetée".into(),
                            messages: vec![format!(
                                "identifiant « {} » déjà présent dans ce fichier (élément {first})",
                                r.ext_id
                            )],
                        },
                    );
                    continue;
                }
                seen.insert((r.source.clone(), r.ext_id.clone()), line);
                if r.n.corrections.is_empty() {
                    report.accepted += 1;
                } else {
                    report.corrected += 1;
                    push_row(
                        report,
                        ReportRow {
                            line,
                            id: r.ext_id.clone(),
                            nom: r.n.record.get("nom").to_string(),
                            status: "corrigée".into(),
                            messages: r.n.corrections.clone(),
                        },
                    );
                }
                ready.push(r);
            }
            Err(messages) => {
                report.rejected += 1;
                let id = {
                    let id = raw_get("id");
                    if id.is_empty() { raw_get("id_fs") } else { id }
                };
                let nom = {
                    let n = raw_get("nom");
                    if n.is_empty() { raw_get("lib_fs") } else { n }
                };
                push_row(
                    report,
                    ReportRow { line, id, nom: nom.chars().take(200).collect(), status: "rejetée".into(), messages },
                );
            }
        }
    }
    ready
}

fn push_row(report: &mut Report, row: ReportRow) {
    if report.rows.len() < REPORT_DETAIL_MAX {
        report.rows.push(row);
    }
}

fn check_one(raw: &RawRow, ctx: &FileContext) -> Result<Ready, Vec<String>> {
    if let Some((_, why)) = raw.iter().find(|(c, _)| c == BAD_WIDTH) {
        return Err(vec![why.clone()]);
    }
    let n = schema::normalize(raw, ctx)?;
    let record = n.record.json_string();
    let extra = serde_json::Value::Object(n.extra.clone()).to_string();
    use sha2::Digest;
    let fingerprint = hex::encode(&sha2::Sha256::digest(format!("{record}\u{1}{extra}\u{1}{}", n.coords_from))[..12]);
    let r = &n.record;
    let typo_labels: Vec<&str> = r.get("typologie").split('|').filter_map(vocabulary::typology_label).collect();
    let search = super::communes::fold(&format!(
        "{} {} {} {} {} {}",
        r.get("nom"),
        r.get("commune"),
        r.get("code_postal"),
        r.get("adresse"),
        r.get("typologie").replace('|', " "),
        typo_labels.join(" ")
    ));
    Ok(Ready {
        source: r.get("source").to_string(),
        ext_id: r.get("id").to_string(),
        fingerprint,
        search,
        record_json: record,
        extra_json: extra,
        n,
    })
}

/// Reads, checks and writes a file for an organisation; the report is stored and returned.
pub async fn import(db: &Db, org: i64, bytes: &[u8], filename: &str, by: &str) -> Result<Report, ImportError> {
    import_with_progress(db, org, bytes, filename, by, |_, _| {}).await
}

#[derive(Debug)]
pub enum ImportError {
    Refused(String),
    Db(AppError),
}

impl From<AppError> for ImportError {
    fn from(e: AppError) -> Self {
        ImportError::Db(e)
    }
}

impl From<sqlx::Error> for ImportError {
    fn from(e: sqlx::Error) -> Self {
        ImportError::Db(e.into())
    }
}

/// As [`import`], calling `progress(done, total)` as rows are written.
pub async fn import_with_progress(
    db: &Db,
    org: i64,
    bytes: &[u8],
    filename: &str,
    by: &str,
    mut progress: impl FnMut(usize, usize),
) -> Result<Report, ImportError> {
    let started = Instant::now();
    let name: String = filename.rsplit(['/', '\\']).next().unwrap_or(filename).chars().take(200).collect();
    let mut file = parse(bytes, &name).map_err(|r| ImportError::Refused(r.0))?;
    let parsed_ms = started.elapsed().as_millis();
    let mut report =
        Report { filename: name.clone(), format: file.format.into(), created_by: by.into(), ..Default::default() };
    report.notes = std::mem::take(&mut file.notes);
    let (ready, mut report) = tokio::task::spawn_blocking(move || {
        let ready = check_rows(&file, &mut report);
        (ready, report)
    })
    .await
    .map_err(|e| ImportError::Db(AppError::Internal(anyhow::anyhow!("import: {e}"))))?;
    let checked_ms = started.elapsed().as_millis();
    write(db, org, &ready, &mut report, &mut progress).await?;
    report.millis = started.elapsed().as_millis() as i64;
    tracing::info!(rows = report.rows_total, parsed_ms, checked_ms, total_ms = report.millis, "places imported");
    report.created_at = now();
    report.id = save_report(db, org, &report).await?;
    Ok(report)
}

const INSERT_COLUMNS: &str = "org_id, source, ext_id, nom, commune, code_postal, latitude, longitude, coords_from, typologie, \
                              services, search, record, extra, fingerprint, import_id, created_at, updated_at";

async fn write(
    db: &Db,
    org: i64,
    ready: &[Ready],
    report: &mut Report,
    progress: &mut impl FnMut(usize, usize),
) -> Result<(), ImportError> {
    let existing: HashMap<(String, String), (i64, String)> =
        sqlx::query("SELECT id, source, ext_id, fingerprint FROM places WHERE org_id = $1")
            .bind(org)
            .fetch_all(&db.pool)
            .await?
            .into_iter()
            .map(|r| ((r.get::<String, _>(1), r.get::<String, _>(2)), (r.get::<i64, _>(0), r.get::<String, _>(3))))
            .collect();
    let t = now();
    let mut tx = db.pool.begin().await?;
    let mut inserts: Vec<&Ready> = Vec::new();
    let total = ready.len();
    let mut done = 0;
    for r in ready {
        match existing.get(&(r.source.clone(), r.ext_id.clone())) {
            None => inserts.push(r),
            Some((_, fp)) if *fp == r.fingerprint => {
                report.unchanged += 1;
                done += 1;
            }
            Some((id, _)) => {
                let rec = &r.n.record;
                sqlx::query(
                    "UPDATE places SET nom = $1, commune = $2, code_postal = $3, latitude = $4, longitude = $5, coords_from = $6, \
                     typologie = $7, services = $8, search = $9, record = $10, extra = $11, fingerprint = $12, updated_at = $13 \
                     WHERE id = $14 AND org_id = $15",
                )
                .bind(rec.get("nom"))
                .bind(rec.get("commune"))
                .bind(rec.get("code_postal"))
                .bind(crate::db::Real(r.n.point.map(|p| p.0)))
                .bind(crate::db::Real(r.n.point.map(|p| p.1)))
                .bind(r.n.coords_from)
                .bind(rec.get("typologie"))
                .bind(rec.get("services"))
                .bind(&r.search)
                .bind(&r.record_json)
                .bind(&r.extra_json)
                .bind(&r.fingerprint)
                .bind(t)
                .bind(id)
                .bind(org)
                .execute(&mut *tx)
                .await?;
                report.updated += 1;
                done += 1;
            }
        }
        if done % 1000 == 0 {
            progress(done, total);
        }
    }
    // SQLite gets anonymous `?` parameters: sqlx looks a named `$n` up among all of the statement's
    // names, which is quadratic in their number (65% of an import's time with `$n` and 500 rows).
    const BATCH: usize = 200;
    let sqlite = !db.is_postgres();
    for chunk in inserts.chunks(BATCH) {
        let mut sql = format!("INSERT INTO places ({INSERT_COLUMNS}) VALUES ");
        let per = 18;
        for i in 0..chunk.len() {
            if i > 0 {
                sql.push(',');
            }
            sql.push('(');
            for j in 0..per {
                if j > 0 {
                    sql.push(',');
                }
                if sqlite {
                    sql.push('?');
                } else {
                    sql.push_str(&format!("${}", i * per + j + 1));
                }
            }
            sql.push(')');
        }
        let mut q = sqlx::query(&sql);
        for r in chunk {
            let rec = &r.n.record;
            q = q
                .bind(org)
                .bind(r.source.clone())
                .bind(r.ext_id.clone())
                .bind(rec.get("nom").to_string())
                .bind(rec.get("commune").to_string())
                .bind(rec.get("code_postal").to_string())
                .bind(crate::db::Real(r.n.point.map(|p| p.0)))
                .bind(crate::db::Real(r.n.point.map(|p| p.1)))
                .bind(r.n.coords_from)
                .bind(rec.get("typologie").to_string())
                .bind(rec.get("services").to_string())
                .bind(r.search.clone())
                .bind(r.record_json.clone())
                .bind(r.extra_json.clone())
                .bind(r.fingerprint.clone())
                .bind(None::<i64>)
                .bind(t)
                .bind(t);
        }
        q.execute(&mut *tx).await?;
        report.created += chunk.len() as i64;
        done += chunk.len();
        progress(done, total);
    }
    if report.created + report.updated > 0 {
        bump_revision(&mut tx, org).await?;
    }
    tx.commit().await?;
    progress(total, total);
    Ok(())
}

async fn bump_revision(tx: &mut sqlx::Transaction<'_, sqlx::Any>, org: i64) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO place_revisions (org_id, revision) VALUES ($1, 1) \
         ON CONFLICT (org_id) DO UPDATE SET revision = place_revisions.revision + 1",
    )
    .bind(org)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

async fn save_report(db: &Db, org: i64, r: &Report) -> Result<i64, AppError> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO place_imports (org_id, filename, format, created_by, rows_total, accepted, corrected, rejected, created, \
         updated, unchanged, notes, rows, millis, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) \
         RETURNING id",
    )
    .bind(org)
    .bind(&r.filename)
    .bind(&r.format)
    .bind(&r.created_by)
    .bind(r.rows_total)
    .bind(r.accepted)
    .bind(r.corrected)
    .bind(r.rejected)
    .bind(r.created)
    .bind(r.updated)
    .bind(r.unchanged)
    .bind(serde_json::to_string(&r.notes).unwrap_or_default())
    .bind(serde_json::to_string(&r.rows).unwrap_or_default())
    .bind(r.millis)
    .bind(r.created_at)
    .fetch_one(&db.pool)
    .await?;
    Ok(id)
}

fn report_from_row(r: &sqlx::any::AnyRow, with_rows: bool) -> Report {
    Report {
        id: r.get("id"),
        filename: r.get("filename"),
        format: r.get("format"),
        created_by: r.get("created_by"),
        rows_total: r.get("rows_total"),
        accepted: r.get("accepted"),
        corrected: r.get("corrected"),
        rejected: r.get("rejected"),
        created: r.get("created"),
        updated: r.get("updated"),
        unchanged: r.get("unchanged"),
        notes: serde_json::from_str(&r.get::<String, _>("notes")).unwrap_or_default(),
        rows: if with_rows {
            serde_json::from_str(&r.get::<String, _>("rows")).unwrap_or_default()
        } else {
            Vec::new()
        },
        millis: r.get("millis"),
        created_at: r.get("created_at"),
    }
}

/// One stored report of the organisation.
pub async fn get_report(db: &Db, org: i64, id: i64) -> Result<Report, AppError> {
    let r = sqlx::query("SELECT * FROM place_imports WHERE id = $1 AND org_id = $2")
        .bind(id)
        .bind(org)
        .fetch_optional(&db.pool)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(report_from_row(&r, true))
}

/// The organisation's imports, the latest first (without their rows).
pub async fn reports(db: &Db, org: i64) -> Result<Vec<Report>, AppError> {
    let rows = sqlx::query(
        "SELECT id, filename, format, created_by, rows_total, accepted, corrected, rejected, created, updated, unchanged, \
         notes, '[]' AS rows, millis, created_at FROM place_imports WHERE org_id = $1 ORDER BY created_at DESC, id DESC LIMIT 50",
    )
    .bind(org)
    .fetch_all(&db.pool)
    .await?;
    Ok(rows.iter().map(|r| report_from_row(r, false)).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_with_semicolons_and_latin1_is_read() {
        let bytes = b"id;nom;adresse;code_postal;commune\n1;M\xe9diath\xe8que;1 rue;16000;Angoul\xeame\n";
        let f = parse(bytes, "x.csv").unwrap();
        assert_eq!(f.rows.len(), 1);
        assert!(f.rows[0].contains(&("nom".into(), "Médiathèque".into())));
        assert!(f.notes.iter().any(|n| n.contains("Windows-1252")));
        assert!(f.notes.iter().any(|n| n.contains(';')));
    }

    #[test]
    fn files_that_are_not_places_are_refused_with_a_reason() {
        assert!(parse(b"%PDF-1.4 ...", "a.pdf").unwrap_err().0.contains("PDF"));
        assert!(parse(b"", "a.csv").unwrap_err().0.contains("vide"));
        assert!(parse(b"{\"a\": ", "a.json").unwrap_err().0.contains("JSON"));
        assert!(parse(b"foo,bar\n1,2\n", "a.csv").unwrap_err().0.contains("colonne"));
    }

    #[test]
    fn duplicate_ids_and_bad_lines_are_reported_row_by_row() {
        let csv = "id,nom,adresse,code_postal,commune\na,Un,1 rue,16000,Angoulême\na,Deux,2 rue,16000,Angoulême\nb,Trois\n,,,,\n";
        let f = parse(csv.as_bytes(), "x.csv").unwrap();
        let mut report = Report::default();
        let ready = check_rows(&f, &mut report);
        assert_eq!(ready.len(), 1);
        assert_eq!(report.rows_total, 4);
        assert_eq!(report.rejected, 3);
        let rejected: Vec<&ReportRow> = report.rows.iter().filter(|r| r.status == "rejetée").collect();
        assert!(rejected[0].messages[0].contains("déjà présent"), "{:?}", report.rows);
        assert!(rejected[1].messages[0].contains("colonnes"), "{:?}", report.rows);
        assert!(rejected[2].messages.iter().any(|m| m.contains("nom")), "{:?}", report.rows);
    }
}
