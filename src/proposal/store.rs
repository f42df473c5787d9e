//! The SQL of vendors' proposals: kept, listed, read, their reading saved, deleted.

use super::*;

use sqlx::Row;

use crate::db::{Db, now};
use crate::error::AppError;

pub(crate) fn from_row(r: &sqlx::any::AnyRow, with_text: bool) -> Result<Proposal, AppError> {
    Ok(Proposal {
        id: r.try_get("id")?,
        cycle_id: r.try_get("cycle_id")?,
        title: r.try_get("title")?,
        vendor: r.try_get("vendor")?,
        filename: r.try_get("filename")?,
        mime: r.try_get("mime")?,
        size: r.try_get("size")?,
        reading: r.try_get("reading")?,
        reading_by: r.try_get("reading_by")?,
        reading_at: r.try_get("reading_at")?,
        uploaded_by: r.try_get("uploaded_by")?,
        created_at: r.try_get("created_at")?,
        text: if with_text { Some(r.try_get("text")?) } else { None },
    })
}

pub async fn list(db: &Db, org_id: i64, cycle_id: i64) -> Result<Vec<Proposal>, AppError> {
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM proposals WHERE org_id = $1 AND cycle_id = $2 ORDER BY created_at DESC, id DESC"
    ))
    .bind(org_id)
    .bind(cycle_id)
    .fetch_all(&db.pool)
    .await?;
    rows.iter().map(|r| from_row(r, false)).collect()
}

pub async fn get(db: &Db, org_id: i64, cycle_id: i64, id: i64) -> Result<Proposal, AppError> {
    let row =
        sqlx::query(&format!("SELECT {COLUMNS}, text FROM proposals WHERE id = $1 AND org_id = $2 AND cycle_id = $3"))
            .bind(id)
            .bind(org_id)
            .bind(cycle_id)
            .fetch_optional(&db.pool)
            .await?
            .ok_or(AppError::NotFound)?;
    from_row(&row, true)
}

pub async fn file(db: &Db, org_id: i64, cycle_id: i64, id: i64) -> Result<(String, String, Vec<u8>), AppError> {
    let row =
        sqlx::query("SELECT filename, mime, content FROM proposals WHERE id = $1 AND org_id = $2 AND cycle_id = $3")
            .bind(id)
            .bind(org_id)
            .bind(cycle_id)
            .fetch_optional(&db.pool)
            .await?
            .ok_or(AppError::NotFound)?;
    Ok((row.try_get("filename")?, row.try_get("mime")?, row.try_get("content")?))
}

pub async fn add(db: &Db, org_id: i64, cycle_id: i64, p: &NewProposal<'_>) -> Result<i64, AppError> {
    Ok(sqlx::query_scalar(
        "INSERT INTO proposals (org_id, cycle_id, title, vendor, filename, mime, size, content, text, uploaded_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
    )
    .bind(org_id)
    .bind(cycle_id)
    .bind(p.title)
    .bind(p.vendor)
    .bind(p.filename)
    .bind(p.mime)
    .bind(p.content.len() as i64)
    .bind(p.content.to_vec())
    .bind(p.text)
    .bind(p.uploaded_by)
    .bind(now())
    .fetch_one(&db.pool)
    .await?)
}

pub async fn set_reading(
    db: &Db,
    org_id: i64,
    cycle_id: i64,
    id: i64,
    reading: &str,
    by: &str,
) -> Result<(), AppError> {
    let r = sqlx::query(
        "UPDATE proposals SET reading = $1, reading_by = $2, reading_at = $3 WHERE id = $4 AND org_id = $5 AND cycle_id = $6",
    )
    .bind(reading)
    .bind(by)
    .bind(now())
    .bind(id)
    .bind(org_id)
    .bind(cycle_id)
    .execute(&db.pool)
    .await?;
    if r.rows_affected() == 1 { Ok(()) } else { Err(AppError::NotFound) }
}

pub async fn delete(db: &Db, org_id: i64, cycle_id: i64, id: i64) -> Result<(), AppError> {
    sqlx::query("DELETE FROM proposals WHERE id = $1 AND org_id = $2 AND cycle_id = $3")
        .bind(id)
        .bind(org_id)
        .bind(cycle_id)
        .execute(&db.pool)
        .await?;
    Ok(())
}
