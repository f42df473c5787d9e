//! All SQL about organisations and their logos.

use crate::db::{Db, is_unique_violation, now};
use crate::error::AppError;
use crate::org::{OrgInput, Organisation, slugify};

const COLUMNS: &str = "id, slug, name, siret, nda, vat_exempt, vat_number, address, postal_code, city, email, \
                       phone, website, pedagogical_contact, handicap_contact, indicators_public, created_at, updated_at";

/// The organisations' names this process keeps for a few seconds (every page shows one).
struct Names(crate::cache::TtlMap<i64, String>);

impl Default for Names {
    fn default() -> Self {
        Names(crate::cache::TtlMap::new(crate::cache::TTL))
    }
}

fn names(db: &Db) -> std::sync::Arc<Names> {
    db.cache.shelf.get::<Names>()
}

/// Creates an organisation with a unique slug made from its name.
#[tracing::instrument(skip_all)]
pub async fn create(db: &Db, o: &OrgInput) -> Result<Organisation, AppError> {
    let base = slugify(&o.name);
    for attempt in 0..50 {
        let slug = if attempt == 0 { base.clone() } else { format!("{base}-{}", attempt + 1) };
        let t = now();
        let res = sqlx::query_as::<_, Organisation>(&format!(
            "INSERT INTO organisations (slug, name, siret, nda, vat_exempt, vat_number, address, postal_code, city, \
             email, phone, website, pedagogical_contact, handicap_contact, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $15) RETURNING {COLUMNS}"
        ))
        .bind(&slug)
        .bind(&o.name)
        .bind(&o.siret)
        .bind(&o.nda)
        .bind(o.vat_exempt)
        .bind(&o.vat_number)
        .bind(&o.address)
        .bind(&o.postal_code)
        .bind(&o.city)
        .bind(&o.email)
        .bind(&o.phone)
        .bind(&o.website)
        .bind(&o.pedagogical_contact)
        .bind(&o.handicap_contact)
        .bind(t)
        .fetch_one(&db.pool)
        .await;
        match res {
            Ok(org) => return Ok(org),
            Err(e) if is_unique_violation(&e, "organisations", "slug") => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(AppError::Conflict("Impossible de trouver un identifiant libre pour cette organisation.".into()))
}

pub async fn update(db: &Db, id: i64, o: &OrgInput) -> Result<Organisation, AppError> {
    names(db).0.remove(&id);
    sqlx::query_as::<_, Organisation>(&format!(
        "UPDATE organisations SET name = $1, siret = $2, nda = $3, vat_exempt = $4, vat_number = $5, address = $6, \
         postal_code = $7, city = $8, email = $9, phone = $10, website = $11, pedagogical_contact = $12, \
         handicap_contact = $13, updated_at = $14 WHERE id = $15 RETURNING {COLUMNS}"
    ))
    .bind(&o.name)
    .bind(&o.siret)
    .bind(&o.nda)
    .bind(o.vat_exempt)
    .bind(&o.vat_number)
    .bind(&o.address)
    .bind(&o.postal_code)
    .bind(&o.city)
    .bind(&o.email)
    .bind(&o.phone)
    .bind(&o.website)
    .bind(&o.pedagogical_contact)
    .bind(&o.handicap_contact)
    .bind(now())
    .bind(id)
    .fetch_optional(&db.pool)
    .await?
    .ok_or(AppError::NotFound)
}

pub async fn get(db: &Db, id: i64) -> Result<Organisation, AppError> {
    sqlx::query_as::<_, Organisation>(&format!("SELECT {COLUMNS} FROM organisations WHERE id = $1"))
        .bind(id)
        .fetch_optional(&db.pool)
        .await?
        .ok_or(AppError::NotFound)
}

pub async fn by_slug(db: &Db, slug: &str) -> Result<Organisation, AppError> {
    sqlx::query_as::<_, Organisation>(&format!("SELECT {COLUMNS} FROM organisations WHERE slug = $1"))
        .bind(slug)
        .fetch_optional(&db.pool)
        .await?
        .ok_or(AppError::NotFound)
}

/// An organisation's name (through the short-lived cache: the layout shows it on every page).
pub async fn name_of(db: &Db, id: i64) -> Result<Option<String>, AppError> {
    if let Some(name) = names(db).0.get(&id) {
        return Ok(Some(name));
    }
    let name: Option<String> =
        sqlx::query_scalar("SELECT name FROM organisations WHERE id = $1").bind(id).fetch_optional(&db.pool).await?;
    if let Some(n) = &name {
        names(db).0.put(id, n.clone());
    }
    Ok(name)
}

/// Every organisation with its number of users, for the network admin.
pub async fn list(db: &Db) -> Result<Vec<(Organisation, i64)>, AppError> {
    let orgs = sqlx::query_as::<_, Organisation>(&format!("SELECT {COLUMNS} FROM organisations ORDER BY name"))
        .fetch_all(&db.pool)
        .await?;
    let counts: Vec<(i64, i64)> =
        sqlx::query_as("SELECT org_id, COUNT(*) FROM users WHERE org_id IS NOT NULL GROUP BY org_id")
            .fetch_all(&db.pool)
            .await?;
    Ok(orgs
        .into_iter()
        .map(|o| {
            let n = counts.iter().find(|(id, _)| *id == o.id).map(|(_, n)| *n).unwrap_or(0);
            (o, n)
        })
        .collect())
}

pub async fn count(db: &Db) -> Result<i64, AppError> {
    Ok(sqlx::query_scalar("SELECT COUNT(*) FROM organisations").fetch_one(&db.pool).await?)
}

pub async fn set_logo(db: &Db, org_id: i64, mime: &str, data: &[u8]) -> Result<(), AppError> {
    sqlx::query(
        "INSERT INTO organisation_logos (org_id, mime, data, updated_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (org_id) DO UPDATE SET mime = excluded.mime, data = excluded.data, updated_at = excluded.updated_at",
    )
    .bind(org_id)
    .bind(mime)
    .bind(data)
    .bind(now())
    .execute(&db.pool)
    .await?;
    Ok(())
}

pub async fn logo(db: &Db, org_id: i64) -> Result<Option<(String, Vec<u8>)>, AppError> {
    Ok(sqlx::query_as("SELECT mime, data FROM organisation_logos WHERE org_id = $1")
        .bind(org_id)
        .fetch_optional(&db.pool)
        .await?)
}

pub async fn delete_logo(db: &Db, org_id: i64) -> Result<(), AppError> {
    sqlx::query("DELETE FROM organisation_logos WHERE org_id = $1").bind(org_id).execute(&db.pool).await?;
    Ok(())
}
