//! The audit trail: who cancelled, corrected or overrode a legal record, when, and why.
//!
//! Records that the law asks for (attendance sheets, certificates, quotes, conventions, invoices)
//! are never deleted nor silently changed: each cancellation, correction or late entry leaves a row
//! here, which is itself never deleted (a database trigger refuses it). The organisation's
//! coordinators read it at `/journal` and `GET /api/v1/audit`.

use serde::Serialize;
use sqlx::Row;

use crate::db::Db;
use crate::error::AppError;

/// Who acts: a user of the application, or the application itself (a scheduled job).
#[derive(Clone, Debug)]
pub struct Actor {
    pub user_id: Option<i64>,
    pub name: String,
}

impl Actor {
    pub fn user(id: i64, name: &str, role: crate::auth::Role) -> Actor {
        Actor { user_id: Some(id), name: format!("{name} ({})", role.label()) }
    }

    pub fn system(what: &str) -> Actor {
        Actor { user_id: None, name: format!("Acunum ({what})") }
    }
}

/// One line of the trail.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct AuditEntry {
    pub id: i64,
    pub at: i64,
    pub actor: String,
    /// What was done: `session.cancel`, `attendance.correct`, `certificate.issue`…
    pub action: String,
    /// The kind of record: `session`, `half_day`, `certificate`, `quote`…
    pub subject: String,
    pub subject_id: Option<i64>,
    pub reason: String,
    pub details: String,
}

impl AuditEntry {
    /// The action in words, for the pages.
    pub fn label(&self) -> &'static str {
        match self.action.as_str() {
            "session.cancel" => "Séance annulée",
            "attendance.correct" => "Présence corrigée après clôture",
            "attendance.late_entry" => "Présences reportées après la demi-journée",
            "attendance.lock" => "Feuille d'émargement close",
            "attendance.absent_unmarked" => "Personnes non renseignées notées absentes",
            "certificate.issue" => "Certificat délivré",
            "certificate.cancel" => "Certificat annulé",
            "quote.cancel" => "Devis annulé",
            "participant.withdraw" => "Participant·e retiré·e du groupe",
            "personal_data.export" => "Données personnelles exportées",
            "personal_data.erase" => "Données personnelles effacées",
            "retention.apply" => "Durées de conservation appliquées",
            "mail.cancel" => "Message annulé",
            "mail.retry" => "Message renvoyé",
            "account.link" => "Compte lié à une fiche",
            _ => "Action",
        }
    }
}

/// What a row says, before it is written.
pub struct Event<'a> {
    pub action: &'a str,
    pub subject: &'a str,
    pub subject_id: Option<i64>,
    pub reason: &'a str,
    pub details: String,
}

/// Writes one line of the trail, dated `at` (the application's clock).
pub async fn record(db: &Db, org_id: Option<i64>, at: i64, actor: &Actor, e: Event<'_>) -> Result<(), AppError> {
    sqlx::query(
        "INSERT INTO audit_log (org_id, at, user_id, actor, action, subject, subject_id, reason, details) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(org_id)
    .bind(at)
    .bind(actor.user_id)
    .bind(&actor.name)
    .bind(e.action)
    .bind(e.subject)
    .bind(e.subject_id)
    .bind(e.reason)
    .bind(e.details)
    .execute(&db.pool)
    .await?;
    Ok(())
}

const COLUMNS: &str = "id, at, actor, action, subject, subject_id, reason, details";

fn from_row(r: &sqlx::any::AnyRow) -> Result<AuditEntry, AppError> {
    Ok(AuditEntry {
        id: r.try_get("id")?,
        at: r.try_get("at")?,
        actor: r.try_get("actor")?,
        action: r.try_get("action")?,
        subject: r.try_get("subject")?,
        subject_id: r.try_get("subject_id")?,
        reason: r.try_get("reason")?,
        details: r.try_get("details")?,
    })
}

/// The organisation's trail, newest first.
pub async fn list(db: &Db, org_id: i64, limit: i64, offset: i64) -> Result<(Vec<AuditEntry>, i64), AppError> {
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM audit_log WHERE org_id = $1 ORDER BY at DESC, id DESC LIMIT $2 OFFSET $3"
    ))
    .bind(org_id)
    .bind(limit)
    .bind(offset)
    .fetch_all(&db.pool)
    .await?;
    let total: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE org_id = $1").bind(org_id).fetch_one(&db.pool).await?;
    Ok((rows.iter().map(from_row).collect::<Result<_, _>>()?, total))
}

/// The trail of one record, oldest first.
pub async fn of_subject(db: &Db, org_id: i64, subject: &str, subject_id: i64) -> Result<Vec<AuditEntry>, AppError> {
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM audit_log WHERE org_id = $1 AND subject = $2 AND subject_id = $3 ORDER BY at, id"
    ))
    .bind(org_id)
    .bind(subject)
    .bind(subject_id)
    .fetch_all(&db.pool)
    .await?;
    rows.iter().map(from_row).collect()
}
