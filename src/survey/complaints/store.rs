//! The SQL of the complaints register.

use super::*;

use sqlx::Row;

use crate::db::{Db, now};
use crate::error::AppError;

pub(crate) fn from_row(r: &sqlx::any::AnyRow) -> Result<Complaint, AppError> {
    Ok(Complaint {
        id: r.try_get("id")?,
        cycle_id: r.try_get("cycle_id")?,
        cycle_title: r.try_get("cycle_title")?,
        received_at: r.try_get("received_at")?,
        author: r.try_get("author")?,
        channel: r.try_get("channel")?,
        subject: r.try_get("subject")?,
        description: r.try_get("description")?,
        status: r.try_get("status")?,
        actions: r.try_get("actions")?,
        closed_at: r.try_get("closed_at")?,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
    })
}

pub async fn list(db: &Db, org_id: i64, status: Option<&str>) -> Result<Vec<Complaint>, AppError> {
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM complaints r LEFT JOIN cycles c ON c.id = r.cycle_id WHERE r.org_id = $1 AND ($2 = '' OR r.status = $2) ORDER BY r.received_at DESC, r.id DESC"
    ))
    .bind(org_id)
    .bind(status.unwrap_or(""))
    .fetch_all(&db.pool)
    .await?;
    rows.iter().map(from_row).collect()
}

pub async fn get(db: &Db, org_id: i64, id: i64) -> Result<Complaint, AppError> {
    let row = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM complaints r LEFT JOIN cycles c ON c.id = r.cycle_id WHERE r.id = $1 AND r.org_id = $2"
    ))
    .bind(id)
    .bind(org_id)
    .fetch_optional(&db.pool)
    .await?
    .ok_or(AppError::NotFound)?;
    from_row(&row)
}

pub async fn create(db: &Db, org_id: i64, i: &ComplaintInput) -> Result<i64, AppError> {
    check_cycle(db, org_id, i.cycle_id).await?;
    let t = now();
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO complaints (org_id, cycle_id, received_at, author, channel, subject, description, status, actions, closed_at, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11) RETURNING id",
    )
    .bind(org_id)
    .bind(i.cycle_id)
    .bind(&i.received_at)
    .bind(&i.author)
    .bind(&i.channel)
    .bind(&i.subject)
    .bind(&i.description)
    .bind(&i.status)
    .bind(&i.actions)
    .bind(Some(i.closed_at.clone()).filter(|d| !d.is_empty()))
    .bind(t)
    .fetch_one(&db.pool)
    .await?;
    Ok(id)
}

pub async fn update(db: &Db, org_id: i64, id: i64, i: &ComplaintInput) -> Result<(), AppError> {
    check_cycle(db, org_id, i.cycle_id).await?;
    let r = sqlx::query(
        "UPDATE complaints SET cycle_id = $1, received_at = $2, author = $3, channel = $4, subject = $5, description = $6, status = $7, actions = $8, closed_at = $9, updated_at = $10 \
         WHERE id = $11 AND org_id = $12",
    )
    .bind(i.cycle_id)
    .bind(&i.received_at)
    .bind(&i.author)
    .bind(&i.channel)
    .bind(&i.subject)
    .bind(&i.description)
    .bind(&i.status)
    .bind(&i.actions)
    .bind(Some(i.closed_at.clone()).filter(|d| !d.is_empty()))
    .bind(now())
    .bind(id)
    .bind(org_id)
    .execute(&db.pool)
    .await?;
    if r.rows_affected() == 0 { Err(AppError::NotFound) } else { Ok(()) }
}

/// Counts for the indicators: received and closed in a year.
pub async fn counts(db: &Db, org_id: i64, year: i32) -> Result<(i64, i64), AppError> {
    let (from, to) = (format!("{year}-01-01"), format!("{}-01-01", year + 1));
    let row = sqlx::query(
        "SELECT COUNT(*) AS n, COALESCE(SUM(CASE WHEN status = 'closed' THEN 1 ELSE 0 END), 0) AS closed FROM complaints WHERE org_id = $1 AND received_at >= $2 AND received_at < $3",
    )
    .bind(org_id)
    .bind(from)
    .bind(to)
    .fetch_one(&db.pool)
    .await?;
    Ok((row.try_get("n")?, row.try_get("closed")?))
}

/// The cycles a complaint can be about (the latest 500).
pub async fn cycle_choices(db: &Db, org: i64) -> Result<Vec<(i64, String)>, AppError> {
    Ok(sqlx::query_as("SELECT id, title FROM cycles WHERE org_id = $1 ORDER BY created_at DESC LIMIT 500")
        .bind(org)
        .fetch_all(&db.pool)
        .await?)
}
