//! All SQL about clients and their contacts. Every query is scoped by `org_id`.

use crate::client::{Client, ClientInput, Contact, ContactInput};
use crate::db::{Arg, Db, json_rows, now};
use crate::error::AppError;
use crate::text::search_key;
use crate::web::list::{Listing, SortSpec};

const COLUMN_LIST: [&str; 15] = [
    "id",
    "name",
    "siret",
    "sector",
    "kind",
    "address",
    "postal_code",
    "city",
    "latitude",
    "longitude",
    "email",
    "phone",
    "notes",
    "created_at",
    "updated_at",
];

const COLUMNS: &str = "id, name, siret, sector, kind, address, postal_code, city, latitude, longitude, email, phone, \
                       notes, created_at, updated_at";

pub const SORT: SortSpec = SortSpec {
    columns: &[
        ("name", "search", "Nom"),
        ("sector", "sector", "Secteur"),
        ("city", "city", "Commune"),
        ("created", "created_at", "Créé le"),
    ],
    default: "name",
};

fn key(c: &ClientInput) -> String {
    search_key(&format!("{} {} {} {}", c.name, c.city, c.postal_code, c.siret))
}

#[tracing::instrument(skip_all)]
pub async fn create(db: &Db, org_id: i64, c: &ClientInput) -> Result<Client, AppError> {
    let t = now();
    Ok(sqlx::query_as::<_, Client>(&format!(
        "INSERT INTO clients (org_id, name, siret, sector, kind, address, postal_code, city, latitude, longitude, \
         email, phone, notes, search, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $15) RETURNING {COLUMNS}"
    ))
    .bind(org_id)
    .bind(&c.name)
    .bind(&c.siret)
    .bind(&c.sector)
    .bind(&c.kind)
    .bind(&c.address)
    .bind(&c.postal_code)
    .bind(&c.city)
    .bind(crate::db::Real(c.latitude))
    .bind(crate::db::Real(c.longitude))
    .bind(&c.email)
    .bind(&c.phone)
    .bind(&c.notes)
    .bind(key(c))
    .bind(t)
    .fetch_one(&db.pool)
    .await?)
}

#[tracing::instrument(skip_all)]
pub async fn update(db: &Db, org_id: i64, id: i64, c: &ClientInput) -> Result<Client, AppError> {
    sqlx::query_as::<_, Client>(&format!(
        "UPDATE clients SET name = $1, siret = $2, sector = $3, kind = $4, address = $5, postal_code = $6, city = $7, \
         latitude = $8, longitude = $9, email = $10, phone = $11, notes = $12, search = $13, updated_at = $14 \
         WHERE id = $15 AND org_id = $16 RETURNING {COLUMNS}"
    ))
    .bind(&c.name)
    .bind(&c.siret)
    .bind(&c.sector)
    .bind(&c.kind)
    .bind(&c.address)
    .bind(&c.postal_code)
    .bind(&c.city)
    .bind(crate::db::Real(c.latitude))
    .bind(crate::db::Real(c.longitude))
    .bind(&c.email)
    .bind(&c.phone)
    .bind(&c.notes)
    .bind(key(c))
    .bind(now())
    .bind(id)
    .bind(org_id)
    .fetch_optional(&db.pool)
    .await?
    .ok_or(AppError::NotFound)
}

pub async fn get(db: &Db, org_id: i64, id: i64) -> Result<Client, AppError> {
    sqlx::query_as::<_, Client>(&format!("SELECT {COLUMNS} FROM clients WHERE id = $1 AND org_id = $2"))
        .bind(id)
        .bind(org_id)
        .fetch_optional(&db.pool)
        .await?
        .ok_or(AppError::NotFound)
}

/// Deletes a client and its contacts; a client with quotes stays (they are commercial records).
pub async fn delete(db: &Db, org_id: i64, id: i64) -> Result<(), AppError> {
    let r =
        sqlx::query("DELETE FROM clients WHERE id = $1 AND org_id = $2").bind(id).bind(org_id).execute(&db.pool).await;
    match r {
        Ok(r) if r.rows_affected() == 0 => Err(AppError::NotFound),
        Ok(_) => Ok(()),
        Err(e) if crate::db::is_foreign_key_violation(&e) => {
            Err(AppError::Conflict("Ce client a des devis : il ne peut pas être supprimé.".into()))
        }
        Err(e) => Err(e.into()),
    }
}

/// One page of the organisation's clients matching the search, and the number of matches.
#[tracing::instrument(skip_all)]
pub async fn list(db: &Db, org_id: i64, l: &Listing) -> Result<(Vec<Client>, i64), AppError> {
    let key = search_key(&l.q);
    let filter = format!("FROM clients WHERE org_id = $1 AND {}", db.contains("search", "$2"));
    let args = [Arg::Int(org_id), Arg::Text(key.clone())];
    let rows: Vec<Client> = json_rows(db, &COLUMN_LIST, &filter, &l.order_by(), l.per_page, l.offset(), &args).await?;
    let total = if l.page == 1 && (rows.len() as i64) < l.per_page {
        rows.len() as i64
    } else {
        sqlx::query_scalar(&format!("SELECT COUNT(*) {filter}")).bind(org_id).bind(&key).fetch_one(&db.pool).await?
    };
    Ok((rows, total))
}

/// Every client matching the search, for the CSV export.
pub async fn all(db: &Db, org_id: i64, l: &Listing) -> Result<Vec<Client>, AppError> {
    Ok(sqlx::query_as::<_, Client>(&format!(
        "SELECT {COLUMNS} FROM clients WHERE org_id = $1 AND {} {}",
        db.contains("search", "$2"),
        l.order_by()
    ))
    .bind(org_id)
    .bind(search_key(&l.q))
    .fetch_all(&db.pool)
    .await?)
}

pub async fn count(db: &Db, org_id: i64) -> Result<i64, AppError> {
    Ok(sqlx::query_scalar("SELECT COUNT(*) FROM clients WHERE org_id = $1").bind(org_id).fetch_one(&db.pool).await?)
}

// --- contacts -----------------------------------------------------------------------------------

const CONTACT_COLUMNS: &str = "id, client_id, name, job_title, email, phone, created_at";

pub async fn contacts(db: &Db, org_id: i64, client_id: i64) -> Result<Vec<Contact>, AppError> {
    Ok(sqlx::query_as::<_, Contact>(&format!(
        "SELECT {CONTACT_COLUMNS} FROM client_contacts WHERE client_id = $1 AND org_id = $2 ORDER BY name, id"
    ))
    .bind(client_id)
    .bind(org_id)
    .fetch_all(&db.pool)
    .await?)
}

pub async fn add_contact(db: &Db, org_id: i64, client_id: i64, c: &ContactInput) -> Result<Contact, AppError> {
    get(db, org_id, client_id).await?;
    Ok(sqlx::query_as::<_, Contact>(&format!(
        "INSERT INTO client_contacts (client_id, org_id, name, job_title, email, phone, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING {CONTACT_COLUMNS}"
    ))
    .bind(client_id)
    .bind(org_id)
    .bind(&c.name)
    .bind(&c.job_title)
    .bind(&c.email)
    .bind(&c.phone)
    .bind(now())
    .fetch_one(&db.pool)
    .await?)
}

pub async fn delete_contact(db: &Db, org_id: i64, client_id: i64, id: i64) -> Result<(), AppError> {
    let r = sqlx::query("DELETE FROM client_contacts WHERE id = $1 AND client_id = $2 AND org_id = $3")
        .bind(id)
        .bind(client_id)
        .bind(org_id)
        .execute(&db.pool)
        .await?;
    if r.rows_affected() == 0 { Err(AppError::NotFound) } else { Ok(()) }
}

/// The client structure of a client contact's account.
pub async fn client_of_user(db: &Db, user_id: i64) -> Result<Option<i64>, AppError> {
    Ok(sqlx::query_scalar::<_, Option<i64>>("SELECT client_id FROM users WHERE id = $1")
        .bind(user_id)
        .fetch_optional(&db.pool)
        .await?
        .flatten())
}

/// Ties a contact to their account.
pub async fn set_contact_user(db: &Db, org_id: i64, contact_id: i64, user_id: i64) -> Result<(), AppError> {
    sqlx::query("UPDATE client_contacts SET user_id = $1 WHERE id = $2 AND org_id = $3")
        .bind(user_id)
        .bind(contact_id)
        .bind(org_id)
        .execute(&db.pool)
        .await?;
    Ok(())
}

/// The client structure a contact belongs to.
pub async fn client_of_contact(db: &Db, org_id: i64, contact_id: i64) -> Result<Option<i64>, AppError> {
    Ok(sqlx::query_scalar("SELECT client_id FROM client_contacts WHERE id = $1 AND org_id = $2")
        .bind(contact_id)
        .bind(org_id)
        .fetch_optional(&db.pool)
        .await?)
}
