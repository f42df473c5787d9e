//! All SQL of the audit trail.

use sqlx::Row;

use crate::audit::{Actor, AuditEntry, Event};
use crate::db::Db;
use crate::error::AppError;

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
