//! The SQL of rooms: created, updated, listed, their host's link and checklist.

use super::*;

use crate::db::{Db, now};
use crate::error::AppError;

pub(crate) fn from_row(r: &sqlx::any::AnyRow) -> Result<Room, AppError> {
    use sqlx::Row;
    let kind: String = r.try_get("kind")?;
    Ok(Room {
        id: r.try_get("id")?,
        client_id: r.try_get("client_id")?,
        name: r.try_get("name")?,
        kind: RoomKind::parse(&kind).unwrap_or(RoomKind::Training),
        address: r.try_get("address")?,
        postal_code: r.try_get("postal_code")?,
        city: r.try_get("city")?,
        capacity: r.try_get("capacity")?,
        checklist: serde_json::from_str(&r.try_get::<String, _>("checklist")?).unwrap_or_default(),
        practical: r.try_get("practical")?,
    })
}

pub(crate) const COLUMNS: &str =
    "id, client_id, name, kind, address, postal_code, city, capacity, checklist, practical";

pub(crate) async fn check_client(db: &Db, org_id: i64, client_id: Option<i64>) -> Result<(), AppError> {
    if let Some(c) = client_id {
        crate::client::store::get(db, org_id, c)
            .await
            .map_err(|_| AppError::invalid("client_id", "Cette structure n'existe pas dans votre organisation."))?;
    }
    Ok(())
}

pub async fn create(db: &Db, org_id: i64, input: &RoomInput) -> Result<Room, AppError> {
    let (kind, r) = input.validate().map_err(AppError::Invalid)?;
    check_client(db, org_id, r.client_id).await?;
    let t = now();
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO rooms (org_id, client_id, name, kind, address, postal_code, city, capacity, checklist, practical, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11) RETURNING id",
    )
    .bind(org_id)
    .bind(r.client_id)
    .bind(&r.name)
    .bind(kind.as_str())
    .bind(&r.address)
    .bind(&r.postal_code)
    .bind(&r.city)
    .bind(r.capacity)
    .bind(checklist_json(kind, &r.ready))
    .bind(&r.practical)
    .bind(t)
    .fetch_one(&db.pool)
    .await?;
    get(db, org_id, id).await
}

pub async fn update(db: &Db, org_id: i64, id: i64, input: &RoomInput) -> Result<Room, AppError> {
    get(db, org_id, id).await?;
    let (kind, r) = input.validate().map_err(AppError::Invalid)?;
    check_client(db, org_id, r.client_id).await?;
    let n = sqlx::query(
        "UPDATE rooms SET client_id = $1, name = $2, kind = $3, address = $4, postal_code = $5, city = $6, capacity = $7, \
         checklist = $8, practical = $9, updated_at = $10 WHERE id = $11 AND org_id = $12",
    )
    .bind(r.client_id)
    .bind(&r.name)
    .bind(kind.as_str())
    .bind(&r.address)
    .bind(&r.postal_code)
    .bind(&r.city)
    .bind(r.capacity)
    .bind(checklist_json(kind, &r.ready))
    .bind(&r.practical)
    .bind(now())
    .bind(id)
    .bind(org_id)
    .execute(&db.pool)
    .await?;
    if n.rows_affected() == 0 {
        return Err(AppError::NotFound);
    }
    get(db, org_id, id).await
}

pub async fn get(db: &Db, org_id: i64, id: i64) -> Result<Room, AppError> {
    let row = sqlx::query(&format!("SELECT {COLUMNS} FROM rooms WHERE id = $1 AND org_id = $2"))
        .bind(id)
        .bind(org_id)
        .fetch_optional(&db.pool)
        .await?
        .ok_or(AppError::NotFound)?;
    from_row(&row)
}

pub async fn list(db: &Db, org_id: i64) -> Result<Vec<Room>, AppError> {
    let rows = sqlx::query(&format!("SELECT {COLUMNS} FROM rooms WHERE org_id = $1 ORDER BY name, id"))
        .bind(org_id)
        .fetch_all(&db.pool)
        .await?;
    rows.iter().map(from_row).collect()
}

/// The host's secret link to tick the checklist, made on first use.
pub async fn host_token(db: &Db, org_id: i64, id: i64) -> Result<String, AppError> {
    let current: Option<Option<String>> =
        sqlx::query_scalar("SELECT host_token FROM rooms WHERE id = $1 AND org_id = $2")
            .bind(id)
            .bind(org_id)
            .fetch_optional(&db.pool)
            .await?;
    match current {
        None => Err(AppError::NotFound),
        Some(Some(t)) => Ok(t),
        Some(None) => {
            sqlx::query("UPDATE rooms SET host_token = $1 WHERE id = $2 AND org_id = $3 AND host_token IS NULL")
                .bind(crate::auth::random_token())
                .bind(id)
                .bind(org_id)
                .execute(&db.pool)
                .await?;
            Ok(sqlx::query_scalar("SELECT host_token FROM rooms WHERE id = $1").bind(id).fetch_one(&db.pool).await?)
        }
    }
}

/// The room behind a host's link, with its organisation.
pub async fn by_host_token(db: &Db, token: &str) -> Result<(i64, Room), AppError> {
    let row = sqlx::query(&format!("SELECT org_id, {COLUMNS} FROM rooms WHERE host_token = $1"))
        .bind(token)
        .fetch_optional(&db.pool)
        .await?
        .ok_or(AppError::NotFound)?;
    use sqlx::Row;
    Ok((row.try_get("org_id")?, from_row(&row)?))
}

/// Ticks the checklist from the host's link (only the items of the room's list count).
pub async fn set_ready(db: &Db, org_id: i64, id: i64, ready: &[String]) -> Result<Room, AppError> {
    let room = get(db, org_id, id).await?;
    sqlx::query("UPDATE rooms SET checklist = $1, updated_at = $2 WHERE id = $3 AND org_id = $4")
        .bind(checklist_json(room.kind, ready))
        .bind(now())
        .bind(id)
        .bind(org_id)
        .execute(&db.pool)
        .await?;
    get(db, org_id, id).await
}
