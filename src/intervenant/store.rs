//! All SQL about intervenants. Every query is scoped by `org_id`; an intervenant's sectors are kept
//! both as a `|`-joined column (for display) and in `intervenant_sectors` (for indexed matching).

use std::str::FromStr;

use rust_decimal::Decimal;
use sqlx::Row;

use crate::db::{Db, now};
use crate::error::AppError;
use crate::intervenant::{Intervenant, IntervenantInput};
use crate::text::search_key;
use crate::web::list::{Listing, SortSpec};

const COLUMNS: &str = "id, first_name, last_name, email, phone, is_mediator, is_animator, place_name, address, \
                       postal_code, city, latitude, longitude, sectors, cv, daily_rate, user_id, active, created_at, updated_at";

pub const SORT: SortSpec = SortSpec {
    columns: &[
        ("name", "search", "Nom"),
        ("city", "city", "Commune"),
        ("rate", "daily_rate", "Tarif journalier"),
        ("created", "created_at", "Créé le"),
    ],
    default: "name",
};

fn from_row(r: &sqlx::any::AnyRow) -> Result<Intervenant, AppError> {
    let sectors: String = r.try_get("sectors")?;
    let rate: String = r.try_get("daily_rate")?;
    Ok(Intervenant {
        id: r.try_get("id")?,
        first_name: r.try_get("first_name")?,
        last_name: r.try_get("last_name")?,
        email: r.try_get("email")?,
        phone: r.try_get("phone")?,
        is_mediator: crate::db::get_bool(r, "is_mediator")?,
        is_animator: crate::db::get_bool(r, "is_animator")?,
        place_name: r.try_get("place_name")?,
        address: r.try_get("address")?,
        postal_code: r.try_get("postal_code")?,
        city: r.try_get("city")?,
        latitude: r.try_get("latitude")?,
        longitude: r.try_get("longitude")?,
        sectors: sectors.split('|').filter(|s| !s.is_empty()).map(str::to_string).collect(),
        cv: r.try_get("cv")?,
        daily_rate: Decimal::from_str(&rate).unwrap_or_default(),
        user_id: r.try_get("user_id")?,
        active: crate::db::get_bool(r, "active")?,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
    })
}

fn key(i: &IntervenantInput) -> String {
    search_key(&format!("{} {} {} {} {}", i.last_name, i.first_name, i.place_name, i.city, i.postal_code))
}

async fn write_sectors(tx: &mut sqlx::AnyConnection, org_id: i64, id: i64, sectors: &[String]) -> Result<(), AppError> {
    sqlx::query("DELETE FROM intervenant_sectors WHERE intervenant_id = $1").bind(id).execute(&mut *tx).await?;
    for s in sectors {
        sqlx::query("INSERT INTO intervenant_sectors (intervenant_id, org_id, sector) VALUES ($1, $2, $3)")
            .bind(id)
            .bind(org_id)
            .bind(s)
            .execute(&mut *tx)
            .await?;
    }
    Ok(())
}

#[tracing::instrument(skip_all)]
pub async fn create(db: &Db, org_id: i64, i: &IntervenantInput) -> Result<Intervenant, AppError> {
    let t = now();
    let mut tx = db.pool.begin().await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO intervenants (org_id, first_name, last_name, email, phone, is_mediator, is_animator, place_name, \
         address, postal_code, city, latitude, longitude, sectors, cv, daily_rate, active, search, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $19) RETURNING id",
    )
    .bind(org_id)
    .bind(&i.first_name)
    .bind(&i.last_name)
    .bind(&i.email)
    .bind(&i.phone)
    .bind(i.is_mediator)
    .bind(i.is_animator)
    .bind(&i.place_name)
    .bind(&i.address)
    .bind(&i.postal_code)
    .bind(&i.city)
    .bind(crate::db::Real(i.latitude))
    .bind(crate::db::Real(i.longitude))
    .bind(i.sectors.join("|"))
    .bind(&i.cv)
    .bind(i.daily_rate.to_string())
    .bind(i.active)
    .bind(key(i))
    .bind(t)
    .fetch_one(&mut *tx)
    .await?;
    write_sectors(&mut tx, org_id, id, &i.sectors).await?;
    tx.commit().await?;
    get(db, org_id, id).await
}

#[tracing::instrument(skip_all)]
pub async fn update(db: &Db, org_id: i64, id: i64, i: &IntervenantInput) -> Result<Intervenant, AppError> {
    let mut tx = db.pool.begin().await?;
    let r = sqlx::query(
        "UPDATE intervenants SET first_name = $1, last_name = $2, email = $3, phone = $4, is_mediator = $5, \
         is_animator = $6, place_name = $7, address = $8, postal_code = $9, city = $10, latitude = $11, longitude = $12, \
         sectors = $13, cv = $14, daily_rate = $15, active = $16, search = $17, updated_at = $18 WHERE id = $19 AND org_id = $20",
    )
    .bind(&i.first_name)
    .bind(&i.last_name)
    .bind(&i.email)
    .bind(&i.phone)
    .bind(i.is_mediator)
    .bind(i.is_animator)
    .bind(&i.place_name)
    .bind(&i.address)
    .bind(&i.postal_code)
    .bind(&i.city)
    .bind(crate::db::Real(i.latitude))
    .bind(crate::db::Real(i.longitude))
    .bind(i.sectors.join("|"))
    .bind(&i.cv)
    .bind(i.daily_rate.to_string())
    .bind(i.active)
    .bind(key(i))
    .bind(now())
    .bind(id)
    .bind(org_id)
    .execute(&mut *tx)
    .await?;
    if r.rows_affected() == 0 {
        return Err(AppError::NotFound);
    }
    write_sectors(&mut tx, org_id, id, &i.sectors).await?;
    tx.commit().await?;
    get(db, org_id, id).await
}

pub async fn get(db: &Db, org_id: i64, id: i64) -> Result<Intervenant, AppError> {
    let row = sqlx::query(&format!("SELECT {COLUMNS} FROM intervenants WHERE id = $1 AND org_id = $2"))
        .bind(id)
        .bind(org_id)
        .fetch_optional(&db.pool)
        .await?
        .ok_or(AppError::NotFound)?;
    from_row(&row)
}

pub async fn delete(db: &Db, org_id: i64, id: i64) -> Result<(), AppError> {
    let r = sqlx::query("DELETE FROM intervenants WHERE id = $1 AND org_id = $2")
        .bind(id)
        .bind(org_id)
        .execute(&db.pool)
        .await?;
    if r.rows_affected() == 0 { Err(AppError::NotFound) } else { Ok(()) }
}

/// Filters of the intervenant list besides the search words.
#[derive(Clone, Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Filters {
    /// `mediator` or `animator`
    pub role: Option<String>,
    /// A sector code the intervenant must know.
    pub sector: Option<String>,
}

fn filter_sql(f: &Filters) -> String {
    let mut sql = String::new();
    match f.role.as_deref() {
        Some("mediator") => sql.push_str(" AND is_mediator = TRUE"),
        Some("animator") => sql.push_str(" AND is_animator = TRUE"),
        _ => {}
    }
    if f.sector.as_deref().is_some_and(|s| !s.is_empty()) {
        sql.push_str(" AND id IN (SELECT intervenant_id FROM intervenant_sectors WHERE org_id = $1 AND sector = $5)");
    }
    sql
}

#[tracing::instrument(skip_all)]
pub async fn list(db: &Db, org_id: i64, l: &Listing, f: &Filters) -> Result<(Vec<Intervenant>, i64), AppError> {
    let pattern = search_key(&l.q);
    let sector = f.sector.clone().unwrap_or_default();
    let where_sql = format!("org_id = $1 AND {}{}", db.contains("search", "$2"), filter_sql(f));
    let list_sql = format!("SELECT {COLUMNS} FROM intervenants WHERE {where_sql} {} LIMIT $3 OFFSET $4", l.order_by());
    let rows = sqlx::query(&list_sql).bind(org_id).bind(&pattern).bind(l.per_page).bind(l.offset());
    let rows = if sector.is_empty() { rows } else { rows.bind(&sector) };
    let rows = rows.fetch_all(&db.pool).await?;
    let items = rows.iter().map(from_row).collect::<Result<Vec<_>, _>>()?;
    // The count query keeps the same parameter numbers ($3 and $4 are compared to themselves).
    let count_sql = format!("SELECT COUNT(*) FROM intervenants WHERE {where_sql} AND $3 = $3 AND $4 = $4");
    let count = sqlx::query_scalar::<_, i64>(&count_sql).bind(org_id).bind(&pattern).bind(l.per_page).bind(l.offset());
    let count = if sector.is_empty() { count } else { count.bind(&sector) };
    let total = count.fetch_one(&db.pool).await?;
    Ok((items, total))
}

pub async fn all(db: &Db, org_id: i64, l: &Listing, f: &Filters) -> Result<Vec<Intervenant>, AppError> {
    let mut l = l.clone();
    l.page = 1;
    l.per_page = i64::MAX / 4;
    Ok(list(db, org_id, &l, f).await?.0)
}

pub async fn count(db: &Db, org_id: i64) -> Result<i64, AppError> {
    Ok(sqlx::query_scalar("SELECT COUNT(*) FROM intervenants WHERE org_id = $1")
        .bind(org_id)
        .fetch_one(&db.pool)
        .await?)
}

/// Links an intervenant record to a user account of the same organisation.
pub async fn link_user(db: &Db, org_id: i64, id: i64, user_id: Option<i64>) -> Result<(), AppError> {
    sqlx::query("UPDATE intervenants SET user_id = $1 WHERE id = $2 AND org_id = $3")
        .bind(user_id)
        .bind(id)
        .bind(org_id)
        .execute(&db.pool)
        .await?;
    Ok(())
}

/// The intervenant record an account is linked to, if any (another than `except`).
pub async fn linked_to_user(db: &Db, org_id: i64, user_id: i64, except: i64) -> Result<Option<i64>, AppError> {
    Ok(sqlx::query_scalar("SELECT id FROM intervenants WHERE org_id = $1 AND user_id = $2 AND id <> $3")
        .bind(org_id)
        .bind(user_id)
        .bind(except)
        .fetch_optional(&db.pool)
        .await?)
}

/// Whether an intervenant appears on the organisation's records: a session, an AMO entry.
pub async fn has_records(db: &Db, org_id: i64, id: i64) -> Result<bool, AppError> {
    let n: i64 = sqlx::query_scalar(
        "SELECT (SELECT COUNT(*) FROM training_sessions WHERE intervenant_id = $1 AND org_id = $2) \
         + (SELECT COUNT(*) FROM amo_entries WHERE intervenant_id = $1 AND org_id = $2)",
    )
    .bind(id)
    .bind(org_id)
    .fetch_one(&db.pool)
    .await?;
    Ok(n > 0)
}
