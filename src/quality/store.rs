//! The SQL of the indicators and the BPF.

use crate::db::Db;
use crate::error::AppError;

/// The (cycle, module) pairs with a session starting in `[from, to)`.
pub async fn modules_held_between(db: &Db, org: i64, from: i64, to: i64) -> Result<Vec<(i64, i64)>, AppError> {
    Ok(sqlx::query_as(
        "SELECT DISTINCT cycle_id, cycle_module_id FROM training_sessions WHERE org_id = $1 AND start_at >= $2 AND start_at < $3 ORDER BY cycle_id, cycle_module_id",
    )
    .bind(org)
    .bind(from)
    .bind(to)
    .fetch_all(&db.pool)
    .await?)
}

/// The kind of a client (public or private, for the BPF's lines).
pub async fn client_kind(db: &Db, client_id: i64) -> Result<String, AppError> {
    Ok(sqlx::query_scalar("SELECT kind FROM clients WHERE id = $1").bind(client_id).fetch_one(&db.pool).await?)
}

/// Each client of the organisation: id, kind, name.
pub async fn clients(db: &Db, org: i64) -> Result<Vec<(i64, String, String)>, AppError> {
    Ok(sqlx::query_as("SELECT id, kind, name FROM clients WHERE org_id = $1").bind(org).fetch_all(&db.pool).await?)
}

/// Accepted quotes decided before `to` that no invoice follows yet.
pub async fn accepted_unbilled(db: &Db, org: i64, to: i64) -> Result<i64, AppError> {
    Ok(sqlx::query_scalar(
        "SELECT COUNT(*) FROM quotes q WHERE q.org_id = $1 AND q.status = 'accepted' AND q.decided_at < $2 \
         AND NOT EXISTS (SELECT 1 FROM invoices i WHERE i.quote_id = q.id)",
    )
    .bind(org)
    .bind(to)
    .fetch_one(&db.pool)
    .await?)
}

/// Publishes the organisation's indicators (or withdraws them).
pub async fn set_public(db: &Db, org: i64, public: bool) -> Result<(), AppError> {
    sqlx::query("UPDATE organisations SET indicators_public = $1 WHERE id = $2")
        .bind(public)
        .bind(org)
        .execute(&db.pool)
        .await?;
    Ok(())
}
