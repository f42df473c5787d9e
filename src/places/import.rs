//! Importing a file of places: reading it as a stream (`read`: CSV with `,` or `;`, JSON array,
//! GeoJSON; UTF-8, UTF-16 or Windows-1252), turning each row into a record of the schema, batch by
//! batch, and writing the records by their `(source, id)` as the batches come: new ones are
//! created, changed ones updated, the rest left alone, all in one transaction (a file refused half-way
//! changes nothing). The report says, row by row, what was corrected and how, what is to be checked
//! and why, and what was rejected and why. Memory holds a few batches, never the file.

use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::io::Read;
use std::time::Instant;

use serde::Serialize;
use sqlx::Row;

pub use super::read::Refused;
use super::read::{self, BAD_WIDTH};
use super::schema::{self, FileContext, Normalized, RawRow, ReportRow};
use super::vocabulary;
use crate::db::{Db, now};
use crate::error::AppError;

/// How many report rows are kept in detail (counts are always complete).
pub const REPORT_DETAIL_MAX: usize = 5_000;

/// Rows read and checked together, then written together.
pub const BATCH_ROWS: usize = 2_000;

/// What a file says of itself: its format, facts about the whole file (encoding, delimiter, extra
/// columns…) and what its rows share.
#[derive(Debug, Default)]
pub struct Header {
    pub format: &'static str,
    pub notes: Vec<String>,
    pub context: FileContext,
}

/// The columns of the first rows: refused when none is a column of places; the France Services
/// list recognised; columns outside the schema noted.
fn describe(rows: &[RawRow], filename: &str, notes: &mut Vec<String>) -> Result<FileContext, Refused> {
    let mut columns: Vec<String> = Vec::new();
    for r in rows.iter().take(1000) {
        for (k, _) in r {
            if k != BAD_WIDTH && !columns.contains(k) {
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
    Ok(FileContext {
        default_source: if france_services { "France Services".into() } else { stem.chars().take(100).collect() },
        france_services,
        today: chrono::Utc::now().date_naive().format("%Y-%m-%d").to_string(),
    })
}

/// A row after the rules: ready to be written, or rejected with its reasons (with the id and name
/// the file gave, for the report).
pub struct Checked {
    pub result: Result<Ready, Vec<String>>,
    pub id: String,
    pub nom: String,
}

/// Applies the rules to a batch of rows, on all cores.
fn check_batch(rows: &[RawRow], ctx: &FileContext) -> Vec<Checked> {
    let threads = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1).clamp(1, 8);
    let chunk = rows.len().div_ceil(threads).max(1);
    let one = |raw: &RawRow| {
        let result = check_one(raw, ctx);
        let (id, nom) = if result.is_err() {
            let get = |k: &str| {
                raw.iter()
                    .find(|(c, _)| c.eq_ignore_ascii_case(k))
                    .map(|(_, v)| v.trim().to_string())
                    .unwrap_or_default()
            };
            let id = Some(get("id")).filter(|s| !s.is_empty()).unwrap_or_else(|| get("id_fs"));
            let nom = Some(get("nom")).filter(|s| !s.is_empty()).unwrap_or_else(|| get("lib_fs"));
            (id, nom.chars().take(200).collect())
        } else {
            (String::new(), String::new())
        };
        Checked { result, id, nom }
    };
    if rows.len() < 64 || threads == 1 {
        return rows.iter().map(one).collect();
    }
    std::thread::scope(|s| {
        let handles: Vec<_> =
            rows.chunks(chunk).map(|part| s.spawn(|| part.iter().map(one).collect::<Vec<_>>())).collect();
        handles.into_iter().flat_map(|h| h.join().unwrap_or_default()).collect()
    })
}

/// Reads a file and applies the rules, handing the rows over `BATCH_ROWS` at a time (`batch` may
/// stop the reading with an error). The header is known from the first batch and final at the end
/// (an encoding switched half-way is noted).
pub fn read_checked(
    input: impl Read,
    filename: &str,
    mut batch: impl FnMut(&Header, Vec<Checked>) -> Result<(), String>,
) -> Result<Header, Refused> {
    let rows = read::open(input)?;
    let format = rows.format.name();
    let said = rows.notes_handle();
    let said_now = || said.lock().map(|n| n.clone()).unwrap_or_default();
    let mut header: Option<Header> = None;
    let mut buf: Vec<RawRow> = Vec::with_capacity(BATCH_ROWS);
    let mut flush = |buf: &mut Vec<RawRow>, header: &mut Option<Header>| {
        if header.is_none() {
            let mut notes = said_now();
            let context = describe(buf, filename, &mut notes).map_err(|r| r.0)?;
            *header = Some(Header { format, notes, context });
        }
        let h = header.as_ref().expect("set above");
        let checked = check_batch(buf, &h.context);
        buf.clear();
        batch(h, checked)
    };
    rows.for_each(|row| {
        buf.push(row);
        if buf.len() >= BATCH_ROWS { flush(&mut buf, &mut header) } else { Ok(()) }
    })?;
    if buf.is_empty() && header.is_none() {
        return Err(Refused("Le fichier ne contient aucune ligne de lieu.".into()));
    }
    if !buf.is_empty() {
        flush(&mut buf, &mut header).map_err(Refused)?;
    }
    let mut header = header.expect("a batch was flushed");
    for n in said_now().into_iter().rev() {
        if !header.notes.contains(&n) {
            header.notes.insert(0, n);
        }
    }
    Ok(header)
}

/// The outcome of an import.
#[derive(Clone, Debug, Default, Serialize, utoipa::ToSchema)]
pub struct Report {
    pub id: i64,
    pub filename: String,
    pub format: String,
    pub created_by: String,
    pub rows_total: i64,
    /// Rows taken as they came.
    pub accepted: i64,
    /// Rows corrected by the rules (written, the corrections said).
    pub corrected: i64,
    /// Rows written "à vérifier": their commune, codes or point disagree (both values said).
    pub to_check: i64,
    pub rejected: i64,
    pub created: i64,
    pub updated: i64,
    pub unchanged: i64,
    pub notes: Vec<String>,
    /// Corrected, to-check and rejected rows, the first `REPORT_DETAIL_MAX`.
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
    /// What is to be checked, one line each ("" when nothing).
    pub to_check: String,
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
    let to_check = n.to_check.join("\n");
    use sha2::Digest;
    let fingerprint =
        hex::encode(&sha2::Sha256::digest(format!("{record}\u{1}{extra}\u{1}{}\u{1}{to_check}", n.coords_from))[..12]);
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
        to_check,
        n,
    })
}

/// A row's key among the file's rows: `(source, id)` as 128 bits (two hashes), so that a file of
/// a million rows remembers them in a few dozen megabytes.
fn row_key(source: &str, id: &str) -> u128 {
    let half = |salt: u8| {
        let mut h = std::hash::DefaultHasher::new();
        (salt, source, id).hash(&mut h);
        h.finish() as u128
    };
    (half(1) << 64) | half(2)
}

/// Sorts a batch's rows into the report (accepted, corrected, to check, rejected, seen twice) and
/// gives back those to write.
fn sort_batch(batch: Vec<Checked>, seen: &mut HashMap<u128, usize>, report: &mut Report) -> Vec<Ready> {
    let mut ready = Vec::with_capacity(batch.len());
    for c in batch {
        report.rows_total += 1;
        let line = report.rows_total as usize;
        match c.result {
            Ok(r) => {
                let key = row_key(&r.source, &r.ext_id);
                if let Some(first) = seen.get(&key) {
                    report.rejected += 1;
                    let messages =
                        vec![format!("identifiant « {} » déjà présent dans ce fichier (élément {first})", r.ext_id)];
                    let nom = r.n.record.get("nom").to_string();
                    push_row(report, ReportRow { line, id: r.ext_id, nom, status: "rejetée".into(), messages });
                    continue;
                }
                seen.insert(key, line);
                let status = if !r.n.to_check.is_empty() {
                    report.to_check += 1;
                    "à vérifier"
                } else if !r.n.corrections.is_empty() {
                    report.corrected += 1;
                    "corrigée"
                } else {
                    report.accepted += 1;
                    ""
                };
                if !status.is_empty() {
                    let messages = r.n.to_check.iter().chain(&r.n.corrections).cloned().collect();
                    let row = ReportRow {
                        line,
                        id: r.ext_id.clone(),
                        nom: r.n.record.get("nom").to_string(),
                        status: status.into(),
                        messages,
                    };
                    push_row(report, row);
                }
                ready.push(r);
            }
            Err(messages) => {
                report.rejected += 1;
                push_row(report, ReportRow { line, id: c.id, nom: c.nom, status: "rejetée".into(), messages });
            }
        }
    }
    ready
}

/// Reads, checks and writes a file for an organisation; the report is stored and returned.
pub async fn import(db: &Db, org: i64, bytes: &[u8], filename: &str, by: &str) -> Result<Report, ImportError> {
    let input = std::io::Cursor::new(bytes.to_vec());
    import_stream(db, org, input, bytes.len() as u64, filename, by, |_, _| {}).await
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

enum Message {
    Started(&'static str),
    Batch(Vec<Checked>),
}

/// As [`import`], from a reader of `size` bytes (a file on disk is never held whole), calling
/// `progress(bytes_read, size)` after each batch is written.
pub async fn import_stream(
    db: &Db,
    org: i64,
    input: impl Read + Send + 'static,
    size: u64,
    filename: &str,
    by: &str,
    mut progress: impl FnMut(u64, u64),
) -> Result<Report, ImportError> {
    let started = Instant::now();
    let name: String = filename.rsplit(['/', '\\']).next().unwrap_or(filename).chars().take(200).collect();
    let (counting, bytes_read) = read::Counting::new(input);
    let (sender, mut batches) = tokio::sync::mpsc::channel::<Message>(2);
    let reader_name = name.clone();
    let reader = tokio::task::spawn_blocking(move || {
        let mut first = true;
        read_checked(counting, &reader_name, |header, batch| {
            if std::mem::take(&mut first) {
                sender.blocking_send(Message::Started(header.format)).map_err(|_| "arrêté".to_string())?;
            }
            sender.blocking_send(Message::Batch(batch)).map_err(|_| "arrêté".to_string())
        })
    });
    let mut report = Report { filename: name, created_by: by.into(), ..Default::default() };
    let mut seen: HashMap<u128, usize> = HashMap::new();
    // Rows of a source the directory does not hold yet are new (a file's own repeats are caught by
    // `seen`): only the others are looked up.
    let known_sources: std::collections::HashSet<String> =
        sqlx::query_scalar("SELECT DISTINCT source FROM places WHERE org_id = $1")
            .bind(org)
            .fetch_all(&db.pool)
            .await?
            .into_iter()
            .collect();
    if db.is_postgres() && !known_sources.is_empty() && size > 1024 * 1024 {
        // A large re-import: the lookups are planned on the directory as it is now.
        sqlx::query("ANALYZE places").execute(&db.pool).await?;
    }
    let t = now();
    let mut tx = db.pool.begin().await?;
    if db.is_postgres() {
        // The lookups go through the whole (org, source, id) index: within the import's transaction
        // the planner does not count the rows just inserted, and its plans filtered the ids over a
        // scan of the source's rows (seen with auto_explain: 2.4 s a batch).
        sqlx::query("SET LOCAL enable_seqscan = off").execute(&mut *tx).await?;
        sqlx::query("SET LOCAL plan_cache_mode = force_custom_plan").execute(&mut *tx).await?;
    }
    while let Some(message) = batches.recv().await {
        match message {
            Message::Started(format) => report.format = format.into(),
            Message::Batch(batch) => {
                let ready = sort_batch(batch, &mut seen, &mut report);
                write(&mut tx, org, &ready, &known_sources, &mut report, t, !db.is_postgres()).await?;
                progress(bytes_read.load(std::sync::atomic::Ordering::Relaxed), size);
            }
        }
    }
    let header = reader
        .await
        .map_err(|e| ImportError::Db(AppError::Internal(anyhow::anyhow!("import: {e}"))))?
        .map_err(|r| ImportError::Refused(r.0))?;
    report.notes = header.notes;
    if report.created + report.updated > 0 {
        bump_revision(&mut tx, org).await?;
    }
    tx.commit().await?;
    progress(size, size);
    drop(seen);
    crate::memory::give_back();
    report.millis = started.elapsed().as_millis() as i64;
    tracing::info!(rows = report.rows_total, total_ms = report.millis, "places imported");
    report.created_at = now();
    report.id = save_report(db, org, &report).await?;
    Ok(report)
}

const INSERT_COLUMNS: &str = "org_id, source, ext_id, nom, commune, code_postal, latitude, longitude, coords_from, typologie, \
                              services, search, record, extra, fingerprint, import_id, created_at, updated_at, to_check";

/// `n` placeholders from `$first` (anonymous `?` for SQLite: sqlx looks a named `$n` up among all of
/// the statement's names, which is quadratic in their number).
fn placeholders(sql: &mut String, first: usize, n: usize, sqlite: bool) {
    for j in 0..n {
        if j > 0 {
            sql.push(',');
        }
        if sqlite {
            sql.push('?');
        } else {
            sql.push_str(&format!("${}", first + j));
        }
    }
}

/// Writes a batch: the rows already there by `(source, id)` are looked up (those of a source the
/// directory held before), left alone when unchanged, updated when changed; the others inserted,
/// 200 per statement.
async fn write(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    org: i64,
    ready: &[Ready],
    known_sources: &std::collections::HashSet<String>,
    report: &mut Report,
    t: i64,
    sqlite: bool,
) -> Result<(), ImportError> {
    let mut by_source: HashMap<&str, Vec<&str>> = HashMap::new();
    for r in ready.iter().filter(|r| known_sources.contains(&r.source)) {
        by_source.entry(&r.source).or_default().push(&r.ext_id);
    }
    let mut existing: HashMap<(String, String), (i64, String)> = HashMap::new();
    for (source, ids) in by_source {
        for part in ids.chunks(500) {
            let mut sql = String::from("SELECT id, ext_id, fingerprint FROM places WHERE org_id = ");
            placeholders(&mut sql, 1, 1, sqlite);
            sql.push_str(" AND source = ");
            placeholders(&mut sql, 2, 1, sqlite);
            sql.push_str(" AND ext_id IN (");
            placeholders(&mut sql, 3, part.len(), sqlite);
            sql.push(')');
            let mut q = sqlx::query(&sql).bind(org).bind(source);
            for id in part {
                q = q.bind(*id);
            }
            for row in q.fetch_all(&mut **tx).await? {
                existing.insert((source.to_string(), row.get(1)), (row.get(0), row.get(2)));
            }
        }
    }
    let mut inserts: Vec<&Ready> = Vec::new();
    for r in ready {
        match existing.get(&(r.source.clone(), r.ext_id.clone())) {
            None => inserts.push(r),
            Some((_, fp)) if *fp == r.fingerprint => report.unchanged += 1,
            Some((id, _)) => {
                let rec = &r.n.record;
                sqlx::query(
                    "UPDATE places SET nom = $1, commune = $2, code_postal = $3, latitude = $4, longitude = $5, coords_from = $6, \
                     typologie = $7, services = $8, search = $9, record = $10, extra = $11, fingerprint = $12, updated_at = $13, \
                     to_check = $14 WHERE id = $15 AND org_id = $16",
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
                .bind(&r.to_check)
                .bind(id)
                .bind(org)
                .execute(&mut **tx)
                .await?;
                report.updated += 1;
            }
        }
    }
    const PER: usize = 19;
    for chunk in inserts.chunks(200) {
        let mut sql = format!("INSERT INTO places ({INSERT_COLUMNS}) VALUES ");
        for i in 0..chunk.len() {
            sql.push_str(if i > 0 { ",(" } else { "(" });
            placeholders(&mut sql, i * PER + 1, PER, sqlite);
            sql.push(')');
        }
        let mut q = sqlx::query(&sql);
        for r in chunk {
            let rec = &r.n.record;
            q = q
                .bind(org)
                .bind(r.source.as_str())
                .bind(r.ext_id.as_str())
                .bind(rec.get("nom"))
                .bind(rec.get("commune"))
                .bind(rec.get("code_postal"))
                .bind(crate::db::Real(r.n.point.map(|p| p.0)))
                .bind(crate::db::Real(r.n.point.map(|p| p.1)))
                .bind(r.n.coords_from)
                .bind(rec.get("typologie"))
                .bind(rec.get("services"))
                .bind(r.search.as_str())
                .bind(r.record_json.as_str())
                .bind(r.extra_json.as_str())
                .bind(r.fingerprint.as_str())
                .bind(None::<i64>)
                .bind(t)
                .bind(t)
                .bind(r.to_check.as_str());
        }
        q.execute(&mut **tx).await?;
        report.created += chunk.len() as i64;
    }
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
         updated, unchanged, notes, rows, millis, created_at, to_check) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, \
         $14, $15, $16) RETURNING id",
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
    .bind(r.to_check)
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
        to_check: r.get("to_check"),
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
        "SELECT id, filename, format, created_by, rows_total, accepted, corrected, to_check, rejected, created, updated, unchanged, \
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

    /// Reads and checks a file, sorting its rows as an import does (without a database).
    fn dry(bytes: &[u8], name: &str) -> Result<(Header, Report, usize), Refused> {
        let mut report = Report::default();
        let mut seen = HashMap::new();
        let mut ready = 0;
        let header = read_checked(bytes, name, |_, batch| {
            ready += sort_batch(batch, &mut seen, &mut report).len();
            Ok(())
        })?;
        Ok((header, report, ready))
    }

    #[test]
    fn csv_with_semicolons_and_latin1_is_read() {
        let bytes = b"id;nom;adresse;code_postal;commune\n1;M\xe9diath\xe8que;1 rue;16000;Angoul\xeame\n";
        let (h, r, ready) = dry(bytes, "x.csv").unwrap();
        assert_eq!((ready, r.rows_total), (1, 1));
        assert!(h.notes.iter().any(|n| n.contains("Windows-1252")), "{:?}", h.notes);
        assert!(h.notes.iter().any(|n| n.contains(';')));
    }

    #[test]
    fn files_that_are_not_places_are_refused_with_a_reason() {
        assert!(dry(b"%PDF-1.4 ...", "a.pdf").unwrap_err().0.contains("PDF"));
        assert!(dry(b"", "a.csv").unwrap_err().0.contains("vide"));
        assert!(dry(b"{\"a\": ", "a.json").unwrap_err().0.contains("JSON"));
        assert!(dry(b"foo,bar\n1,2\n", "a.csv").unwrap_err().0.contains("colonne"));
        assert!(dry(b"nom,commune\n", "a.csv").unwrap_err().0.contains("aucune ligne"));
    }

    #[test]
    fn duplicate_ids_and_bad_lines_are_reported_row_by_row() {
        let csv = "id,nom,adresse,code_postal,commune\na,Un,1 rue,16000,Angoulême\na,Deux,2 rue,16000,Angoulême\nb,Trois\n,,,,\n";
        let (_, report, ready) = dry(csv.as_bytes(), "x.csv").unwrap();
        assert_eq!(ready, 1);
        assert_eq!(report.rows_total, 4);
        assert_eq!(report.rejected, 3);
        let rejected: Vec<&ReportRow> = report.rows.iter().filter(|r| r.status == "rejetée").collect();
        assert!(rejected[0].messages[0].contains("déjà présent"), "{:?}", report.rows);
        assert!(rejected[1].messages[0].contains("colonnes"), "{:?}", report.rows);
        assert!(rejected[2].messages.iter().any(|m| m.contains("nom")), "{:?}", report.rows);
    }

    #[test]
    fn places_stay_in_their_commune_and_disagreements_are_to_check() {
        let csv = "id,nom,adresse,commune,code_postal,code_insee,latitude,longitude\n\
            a,Lieu,1 rue,Angoulême,1600,,,\n\
            c,Lieu,1 rue,Cognac,16000,,,\n\
            m,Lieu,1 rue,Mont-Dore,98800,63236,-22.23039,166.52465\n\
            ok,Lieu,1 rue,Angoulême,16000,16015,45.65,0.156\n";
        let mut rows = Vec::new();
        read_checked(csv.as_bytes(), "x.csv", |_, batch| {
            rows.extend(batch.into_iter().map(|c| c.result.ok().unwrap()));
            Ok(())
        })
        .unwrap();
        let get = |r: &Ready, f: &str| r.n.record.get(f).to_string();
        // « Angoulême » with « 1600 »: not Trévoux (01600) but Angoulême, and to check.
        assert_eq!((get(&rows[0], "code_insee"), get(&rows[0], "code_postal")), ("16015".into(), "16000".into()));
        assert!((rows[0].n.point.unwrap().0 - 45.65).abs() < 0.1, "{:?}", rows[0].n.point);
        assert!(rows[0].to_check.contains("Trévoux"), "{}", rows[0].to_check);
        // « Cognac » with « 16000 »: Cognac's INSEE code and point, not Angoulême's.
        assert_eq!((get(&rows[1], "code_insee"), get(&rows[1], "code_postal")), ("16102".into(), "16100".into()));
        assert!((rows[1].n.point.unwrap().1 - -0.33).abs() < 0.1, "{:?}", rows[1].n.point);
        // Mont-Dore of Nouvelle-Calédonie, as the real export writes it.
        assert_eq!((get(&rows[2], "code_insee"), get(&rows[2], "commune")), ("98817".into(), "Le Mont-Dore".into()));
        assert_eq!(rows[2].n.coords_from, "fichier");
        assert!(rows[2].to_check.contains("63236"), "{}", rows[2].to_check);
        // Values that agree: nothing to check.
        assert!(rows[3].to_check.is_empty(), "{}", rows[3].to_check);
    }

    #[test]
    fn a_file_larger_than_a_batch_is_read_in_batches_and_counted_whole() {
        let mut csv = String::from("id,nom,adresse,code_postal,commune\n");
        for i in 0..(BATCH_ROWS * 2 + 7) {
            csv.push_str(&format!("{i},Lieu {i},{i} rue,16000,Angoulême\n"));
        }
        csv.push_str("3,Doublon,1 rue,16000,Angoulême\n");
        let mut sizes = Vec::new();
        let mut seen = HashMap::new();
        let mut report = Report::default();
        read_checked(csv.as_bytes(), "x.csv", |_, batch| {
            sizes.push(batch.len());
            sort_batch(batch, &mut seen, &mut report);
            Ok(())
        })
        .unwrap();
        assert_eq!(sizes, vec![BATCH_ROWS, BATCH_ROWS, 8]);
        assert_eq!((report.rows_total, report.rejected), (BATCH_ROWS as i64 * 2 + 8, 1));
        let twice = report.rows.iter().find(|r| r.status == "rejetée").unwrap();
        assert_eq!(twice.line, BATCH_ROWS * 2 + 8);
        assert!(twice.messages[0].contains("élément 4"), "{twice:?}");
    }
}
