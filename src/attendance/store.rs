//! All SQL of attendance: half-days, the append-only marks, code attempts.

use serde::Serialize;
use sqlx::Row;

use crate::attendance::{Part, Status, split};
use crate::cycle::store::TrainingSession;
use crate::db::{Db, now};
use crate::error::AppError;

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct HalfDay {
    pub id: i64,
    pub session_id: i64,
    pub part: Part,
    pub start_at: i64,
    pub end_at: i64,
    pub minutes: i64,
    /// `planned`, `open` (signing) or `locked` (signed by the trainer).
    pub status: String,
    #[serde(skip)]
    pub code: Option<String>,
    pub opened_at: Option<i64>,
    pub locked_at: Option<i64>,
    pub trainer_name: Option<String>,
    #[serde(skip)]
    pub trainer_signature: Option<String>,
}

impl HalfDay {
    pub fn is_open(&self) -> bool {
        self.status == "open"
    }
    pub fn is_locked(&self) -> bool {
        self.status == "locked"
    }
}

/// One row of the audit trail; the latest per participant is the current mark.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Mark {
    pub id: i64,
    pub half_day_id: i64,
    pub participant_id: i64,
    pub status: Status,
    pub reason: String,
    pub late_minutes: i64,
    #[serde(skip)]
    pub signature: Option<String>,
    pub signed: bool,
    /// `self` (signed on the phone), `trainer`, `paper`, `announced`, `correction`
    pub method: String,
    /// Who: `participant` or the user's name.
    pub actor: String,
    pub ip: String,
    pub at: i64,
    /// Why a closed sheet was corrected, or a mark entered after its day.
    pub correction: String,
}

impl Mark {
    /// How the mark was made, in words.
    pub fn method_label(&self) -> &'static str {
        match self.method.as_str() {
            "self" => "signée sur son téléphone",
            "paper" => "reportée de la feuille papier",
            "announced" => "absence annoncée à l'avance",
            "correction" => "correction après clôture",
            "late" => "reportée après la demi-journée",
            _ => "notée par l'intervenant·e",
        }
    }
}

const HALF_COLUMNS: &str = "id, session_id, part, start_at, end_at, minutes, status, code, opened_at, locked_at, trainer_name, trainer_signature";

fn half_from_row(r: &sqlx::any::AnyRow) -> Result<HalfDay, AppError> {
    let part: String = r.try_get("part")?;
    Ok(HalfDay {
        id: r.try_get("id")?,
        session_id: r.try_get("session_id")?,
        part: Part::parse(&part).unwrap_or(Part::Whole),
        start_at: r.try_get("start_at")?,
        end_at: r.try_get("end_at")?,
        minutes: r.try_get("minutes")?,
        status: r.try_get("status")?,
        code: r.try_get("code")?,
        opened_at: r.try_get("opened_at")?,
        locked_at: r.try_get("locked_at")?,
        trainer_name: r.try_get("trainer_name")?,
        trainer_signature: r.try_get("trainer_signature")?,
    })
}

/// The half-days of a session, made from its times the first time they are asked for (and
/// re-made while none is open or closed, should the session have moved).
pub async fn ensure(db: &Db, org_id: i64, s: &TrainingSession) -> Result<Vec<HalfDay>, AppError> {
    let existing = of_session(db, org_id, s.id).await?;
    let wanted = split(s);
    let same = existing.len() == wanted.len()
        && existing
            .iter()
            .zip(&wanted)
            .all(|(h, w)| h.part == w.0 && h.start_at == w.1 && h.end_at == w.2 && h.minutes == w.3);
    if same {
        return Ok(existing);
    }
    if existing.iter().any(|h| h.status != "planned") {
        return Ok(existing);
    }
    let mut tx = db.pool.begin().await?;
    sqlx::query("DELETE FROM half_days WHERE session_id = $1 AND org_id = $2 AND status = 'planned'")
        .bind(s.id)
        .bind(org_id)
        .execute(&mut *tx)
        .await?;
    for (part, start, end, minutes) in wanted {
        sqlx::query("INSERT INTO half_days (org_id, session_id, part, start_at, end_at, minutes, status) VALUES ($1, $2, $3, $4, $5, $6, 'planned') ON CONFLICT (session_id, part) DO NOTHING")
            .bind(org_id)
            .bind(s.id)
            .bind(part.as_str())
            .bind(start)
            .bind(end)
            .bind(minutes)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    of_session(db, org_id, s.id).await
}

pub async fn of_session(db: &Db, org_id: i64, session_id: i64) -> Result<Vec<HalfDay>, AppError> {
    let rows = sqlx::query(&format!(
        "SELECT {HALF_COLUMNS} FROM half_days WHERE session_id = $1 AND org_id = $2 ORDER BY start_at, id"
    ))
    .bind(session_id)
    .bind(org_id)
    .fetch_all(&db.pool)
    .await?;
    rows.iter().map(half_from_row).collect()
}

pub async fn get(db: &Db, org_id: i64, id: i64) -> Result<HalfDay, AppError> {
    let row = sqlx::query(&format!("SELECT {HALF_COLUMNS} FROM half_days WHERE id = $1 AND org_id = $2"))
        .bind(id)
        .bind(org_id)
        .fetch_optional(&db.pool)
        .await?
        .ok_or(AppError::NotFound)?;
    half_from_row(&row)
}

/// Opens signing with a fresh code.
pub async fn open(db: &Db, org_id: i64, id: i64, user_id: i64, code: &str, at: i64) -> Result<(), AppError> {
    let r = sqlx::query("UPDATE half_days SET status = 'open', code = $1, opened_at = $2, opened_by = $3 WHERE id = $4 AND org_id = $5 AND status <> 'locked'")
        .bind(code)
        .bind(at)
        .bind(user_id)
        .bind(id)
        .bind(org_id)
        .execute(&db.pool)
        .await?;
    if r.rows_affected() == 1 {
        Ok(())
    } else {
        Err(AppError::Conflict("Cette feuille est close : elle ne se rouvre pas.".into()))
    }
}

/// Closes the sheet with the trainer's name and signature, at `at`.
pub async fn lock(
    db: &Db,
    org_id: i64,
    id: i64,
    user_id: i64,
    trainer: &str,
    signature: &str,
    at: i64,
) -> Result<(), AppError> {
    let r = sqlx::query(
        "UPDATE half_days SET status = 'locked', code = NULL, locked_at = $1, locked_by = $2, trainer_name = $3, trainer_signature = $4 \
         WHERE id = $5 AND org_id = $6 AND status <> 'locked'",
    )
    .bind(at)
    .bind(user_id)
    .bind(trainer)
    .bind(signature)
    .bind(id)
    .bind(org_id)
    .execute(&db.pool)
    .await?;
    if r.rows_affected() == 1 { Ok(()) } else { Err(AppError::Conflict("Cette feuille est déjà close.".into())) }
}

fn mark_from_row(r: &sqlx::any::AnyRow) -> Result<Mark, AppError> {
    let status: String = r.try_get("status")?;
    let signature: Option<String> = r.try_get("signature")?;
    Ok(Mark {
        id: r.try_get("id")?,
        half_day_id: r.try_get("half_day_id")?,
        participant_id: r.try_get("participant_id")?,
        status: Status::parse(&status).unwrap_or(Status::Absent),
        reason: r.try_get("reason")?,
        late_minutes: r.try_get("late_minutes")?,
        signed: signature.is_some(),
        signature,
        method: r.try_get("method")?,
        actor: r.try_get("actor")?,
        ip: r.try_get("ip")?,
        at: r.try_get("at")?,
        correction: r.try_get("correction")?,
    })
}

const MARK_COLUMNS: &str =
    "id, half_day_id, participant_id, status, reason, late_minutes, signature, method, actor, ip, at, correction";

/// Every mark of a half-day, oldest first (the audit trail).
pub async fn history(db: &Db, org_id: i64, half_day_id: i64) -> Result<Vec<Mark>, AppError> {
    let rows = sqlx::query(&format!(
        "SELECT {MARK_COLUMNS} FROM attendance WHERE half_day_id = $1 AND org_id = $2 ORDER BY id"
    ))
    .bind(half_day_id)
    .bind(org_id)
    .fetch_all(&db.pool)
    .await?;
    rows.iter().map(mark_from_row).collect()
}

/// The current mark of each participant of a half-day: the latest row, with the last signature the
/// person drew when they are (still) marked present or late.
pub async fn current(db: &Db, org_id: i64, half_day_id: i64) -> Result<Vec<Mark>, AppError> {
    let rows = history(db, org_id, half_day_id).await?;
    let mut latest: Vec<Mark> = Vec::new();
    for m in &rows {
        match latest.iter_mut().find(|x| x.participant_id == m.participant_id) {
            Some(x) => *x = m.clone(),
            None => latest.push(m.clone()),
        }
    }
    for x in &mut latest {
        let present = matches!(x.status, Status::Present | Status::Late);
        x.signature = if present {
            rows.iter()
                .rev()
                .find(|r| r.participant_id == x.participant_id && r.signature.is_some())
                .and_then(|r| r.signature.clone())
        } else {
            None
        };
        x.signed = x.signature.is_some();
    }
    Ok(latest)
}

/// A new mark, with who made it and from where.
pub struct NewMark<'a> {
    pub participant_id: i64,
    pub status: Status,
    pub reason: &'a str,
    pub late_minutes: i64,
    pub signature: Option<&'a str>,
    pub method: &'a str,
    pub actor: &'a str,
    pub ip: &'a str,
    /// When the mark is made (the application's clock).
    pub at: i64,
    /// Why, for a correction or a late entry (empty otherwise).
    pub correction: &'a str,
}

pub async fn add(db: &Db, org_id: i64, half_day_id: i64, m: &NewMark<'_>) -> Result<(), AppError> {
    sqlx::query(
        "INSERT INTO attendance (org_id, half_day_id, participant_id, status, reason, late_minutes, signature, method, actor, ip, at, correction) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
    )
    .bind(org_id)
    .bind(half_day_id)
    .bind(m.participant_id)
    .bind(m.status.as_str())
    .bind(m.reason)
    .bind(m.late_minutes)
    .bind(m.signature)
    .bind(m.method)
    .bind(m.actor)
    .bind(m.ip)
    .bind(m.at)
    .bind(m.correction)
    .execute(&db.pool)
    .await?;
    Ok(())
}

/// Whether the participant already signed this half-day themselves.
pub async fn has_signed(db: &Db, half_day_id: i64, participant_id: i64) -> Result<bool, AppError> {
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM attendance WHERE half_day_id = $1 AND participant_id = $2 AND method = 'self'",
    )
    .bind(half_day_id)
    .bind(participant_id)
    .fetch_one(&db.pool)
    .await?;
    Ok(n > 0)
}

pub async fn record_failure(db: &Db, participant_id: i64, ip: &str) -> Result<(), AppError> {
    sqlx::query("INSERT INTO sign_attempts (participant_id, ip, at) VALUES ($1, $2, $3)")
        .bind(participant_id)
        .bind(ip)
        .bind(now())
        .execute(&db.pool)
        .await?;
    Ok(())
}

/// The half-days open for signing among a cycle's sessions.
pub async fn open_of_cycle(db: &Db, org_id: i64, cycle_id: i64) -> Result<Vec<HalfDay>, AppError> {
    let rows = sqlx::query(&format!(
        "SELECT {} FROM half_days h JOIN training_sessions s ON s.id = h.session_id WHERE s.cycle_id = $1 AND h.org_id = $2 AND h.status = 'open' ORDER BY h.start_at",
        HALF_COLUMNS.split(", ").map(|c| format!("h.{c}")).collect::<Vec<_>>().join(", ")
    ))
    .bind(cycle_id)
    .bind(org_id)
    .fetch_all(&db.pool)
    .await?;
    rows.iter().map(half_from_row).collect()
}

// --- issued certificates ----------------------------------------------------------------------------

/// A certificate as issued: its figures and its printed content are fixed on the day it is issued.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Certificate {
    pub id: i64,
    pub cycle_id: i64,
    pub cycle_module_id: i64,
    pub participant_id: i64,
    /// `realisation` (certificat de réalisation) or `attestation` (attestation de fin de formation).
    pub kind: String,
    pub issued_at: i64,
    pub attended_minutes: i64,
    pub planned_minutes: i64,
    #[serde(skip)]
    pub content: String,
    pub cancelled_at: Option<i64>,
    pub cancel_reason: String,
}

const CERT_COLUMNS: &str = "id, cycle_id, cycle_module_id, participant_id, kind, issued_at, attended_minutes, planned_minutes, content, cancelled_at, cancel_reason";

fn cert_from_row(r: &sqlx::any::AnyRow) -> Result<Certificate, AppError> {
    Ok(Certificate {
        id: r.try_get("id")?,
        cycle_id: r.try_get("cycle_id")?,
        cycle_module_id: r.try_get("cycle_module_id")?,
        participant_id: r.try_get("participant_id")?,
        kind: r.try_get("kind")?,
        issued_at: r.try_get("issued_at")?,
        attended_minutes: r.try_get("attended_minutes")?,
        planned_minutes: r.try_get("planned_minutes")?,
        content: r.try_get("content")?,
        cancelled_at: r.try_get("cancelled_at")?,
        cancel_reason: r.try_get("cancel_reason")?,
    })
}

/// The certificate in force (not cancelled) of a participant for a module.
pub async fn certificate(
    db: &Db,
    org_id: i64,
    cycle_module_id: i64,
    participant_id: i64,
    kind: &str,
) -> Result<Option<Certificate>, AppError> {
    let row = sqlx::query(&format!(
        "SELECT {CERT_COLUMNS} FROM certificates WHERE org_id = $1 AND cycle_module_id = $2 AND participant_id = $3 \
         AND kind = $4 AND cancelled_at IS NULL"
    ))
    .bind(org_id)
    .bind(cycle_module_id)
    .bind(participant_id)
    .bind(kind)
    .fetch_optional(&db.pool)
    .await?;
    row.as_ref().map(cert_from_row).transpose()
}

/// Every certificate of a module, cancelled ones included (newest last).
pub async fn certificates_of_module(db: &Db, org_id: i64, cycle_module_id: i64) -> Result<Vec<Certificate>, AppError> {
    let rows = sqlx::query(&format!(
        "SELECT {CERT_COLUMNS} FROM certificates WHERE org_id = $1 AND cycle_module_id = $2 ORDER BY id"
    ))
    .bind(org_id)
    .bind(cycle_module_id)
    .fetch_all(&db.pool)
    .await?;
    rows.iter().map(cert_from_row).collect()
}

/// What a new certificate holds.
pub struct NewCertificate<'a> {
    pub cycle_id: i64,
    pub cycle_module_id: i64,
    pub participant_id: i64,
    pub kind: &'a str,
    pub issued_at: i64,
    pub issued_by: Option<i64>,
    pub attended_minutes: i64,
    pub planned_minutes: i64,
    pub content: &'a str,
}

/// Issues a certificate; when another request issued the same one meanwhile, that one is returned.
pub async fn issue_certificate(db: &Db, org_id: i64, c: &NewCertificate<'_>) -> Result<Certificate, AppError> {
    let inserted = sqlx::query(
        "INSERT INTO certificates (org_id, cycle_id, cycle_module_id, participant_id, kind, issued_at, issued_by, attended_minutes, planned_minutes, content) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(org_id)
    .bind(c.cycle_id)
    .bind(c.cycle_module_id)
    .bind(c.participant_id)
    .bind(c.kind)
    .bind(c.issued_at)
    .bind(c.issued_by)
    .bind(c.attended_minutes)
    .bind(c.planned_minutes)
    .bind(c.content)
    .execute(&db.pool)
    .await;
    match inserted {
        Ok(_) => {}
        // The only unique index of the table: one certificate in force per person, module and kind.
        Err(sqlx::Error::Database(d)) if d.is_unique_violation() => {}
        Err(e) => return Err(e.into()),
    }
    certificate(db, org_id, c.cycle_module_id, c.participant_id, c.kind).await?.ok_or(AppError::NotFound)
}

/// Cancels a certificate in force (it stays, marked cancelled, with the reason).
pub async fn cancel_certificate(db: &Db, org_id: i64, id: i64, at: i64, reason: &str) -> Result<(), AppError> {
    let r = sqlx::query(
        "UPDATE certificates SET cancelled_at = $1, cancel_reason = $2 WHERE id = $3 AND org_id = $4 AND cancelled_at IS NULL",
    )
    .bind(at)
    .bind(reason)
    .bind(id)
    .bind(org_id)
    .execute(&db.pool)
    .await?;
    if r.rows_affected() == 1 { Ok(()) } else { Err(AppError::Conflict("Ce certificat est déjà annulé.".into())) }
}
