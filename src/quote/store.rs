//! All SQL of quotes: numbering, versions, life cycle. Every query is scoped by `org_id`, except
//! the look-up by the client's secret link.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use sqlx::Row;

use crate::db::{Db, now};
use crate::error::AppError;
use crate::quote::pricing::Priced;
use crate::quote::{QuoteInput, Status, number};
use crate::text::search_key;
use crate::web::list::{Listing, SortSpec};

/// A quote as lists and pages show it.
#[derive(Clone, Debug, serde::Serialize, utoipa::ToSchema)]
pub struct Quote {
    pub id: i64,
    pub number: String,
    pub client_id: i64,
    pub client_name: String,
    pub title: String,
    /// Where the quote stands today (a sent quote past its validity is expired).
    pub status: Status,
    /// The current version.
    pub version: i64,
    #[schema(value_type = String, format = Date)]
    pub valid_until: NaiveDate,
    #[schema(value_type = String)]
    pub total_ht: Decimal,
    #[schema(value_type = String)]
    pub total_ttc: Decimal,
    pub sent_at: Option<i64>,
    pub decided_at: Option<i64>,
    /// Who accepted or refused, as typed on the acceptance page.
    pub decision_name: Option<String>,
    pub decision_ip: Option<String>,
    pub decided_version: Option<i64>,
    pub convention_number: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

/// One version of a quote: what was entered and how it was priced.
#[derive(Clone, Debug, serde::Serialize, utoipa::ToSchema)]
pub struct QuoteVersion {
    pub version: i64,
    pub input: QuoteInput,
    pub priced: Priced,
    pub created_at: i64,
    pub created_by: Option<String>,
}

pub const SORT: SortSpec = SortSpec {
    columns: &[
        ("number", "q.number", "Numéro"),
        ("client", "c.search", "Client"),
        ("amount", "CAST(q.total_ttc AS DOUBLE PRECISION)", "Montant TTC"),
        ("status", "q.status", "État"),
        ("created", "q.created_at", "Créé le"),
    ],
    default: "created",
};

const SELECT: &str = "SELECT q.id, q.number, q.client_id, c.name AS client_name, q.title, q.status, q.current_version, \
     q.valid_until, q.total_ht, q.total_ttc, q.sent_at, q.decided_at, q.decision_name, q.decision_ip, q.decided_version, \
     q.convention_number, q.created_at, q.updated_at FROM quotes q JOIN clients c ON c.id = q.client_id";

fn internal(what: &str, e: impl std::fmt::Display) -> AppError {
    AppError::Internal(anyhow::anyhow!("{what}: {e}"))
}

fn from_row(r: &sqlx::any::AnyRow) -> Result<Quote, AppError> {
    let status: String = r.try_get("status")?;
    let valid: String = r.try_get("valid_until")?;
    let valid_until = NaiveDate::parse_from_str(&valid, "%Y-%m-%d").map_err(|e| internal("valid_until", e))?;
    let dec = |c: &str| -> Result<Decimal, AppError> {
        r.try_get::<String, _>(c)?.parse::<Decimal>().map_err(|e| internal(c, e))
    };
    Ok(Quote {
        id: r.try_get("id")?,
        number: r.try_get("number")?,
        client_id: r.try_get("client_id")?,
        client_name: r.try_get("client_name")?,
        title: r.try_get("title")?,
        status: Status::parse(&status)
            .ok_or_else(|| internal("status", &status))?
            .effective(valid_until, crate::quote::today()),
        version: r.try_get("current_version")?,
        valid_until,
        total_ht: dec("total_ht")?,
        total_ttc: dec("total_ttc")?,
        sent_at: r.try_get("sent_at")?,
        decided_at: r.try_get("decided_at")?,
        decision_name: r.try_get("decision_name")?,
        decision_ip: r.try_get("decision_ip")?,
        decided_version: r.try_get("decided_version")?,
        convention_number: r.try_get("convention_number")?,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
    })
}

fn json<T: serde::Serialize>(v: &T) -> Result<String, AppError> {
    serde_json::to_string(v).map_err(|e| internal("json", e))
}

/// Takes the next number of a counter (`DEV`, `CONV`…) of an organisation for a year, inside the
/// caller's transaction: the upsert locks the counter's row until the transaction ends, so two
/// documents created at the same instant get two successive numbers, and a failed creation gives
/// its number back.
pub async fn next_in_counter(
    tx: &mut sqlx::AnyConnection,
    org_id: i64,
    name: &str,
    year: i32,
) -> Result<i64, AppError> {
    Ok(sqlx::query_scalar(
        "INSERT INTO counters (org_id, name, year, value) VALUES ($1, $2, $3, 1) \
         ON CONFLICT (org_id, name, year) DO UPDATE SET value = counters.value + 1 RETURNING value",
    )
    .bind(org_id)
    .bind(name)
    .bind(i64::from(year))
    .fetch_one(&mut *tx)
    .await?)
}

fn quote_search(number: &str, client: &str, title: &str) -> String {
    search_key(&format!("{number} {client} {title}"))
}

/// Creates a quote (version 1, draft) with the next number of the year.
#[tracing::instrument(skip_all)]
pub async fn create(
    db: &Db,
    org_id: i64,
    user_id: Option<i64>,
    input: &QuoteInput,
    priced: &Priced,
) -> Result<Quote, AppError> {
    let client_name: String = sqlx::query_scalar("SELECT name FROM clients WHERE id = $1 AND org_id = $2")
        .bind(input.client_id)
        .bind(org_id)
        .fetch_optional(&db.pool)
        .await?
        .ok_or_else(|| AppError::invalid("client_id", "Ce client n'existe pas dans votre organisation."))?;
    let year = chrono::Datelike::year(&crate::quote::today());
    let t = now();
    let mut tx = db.pool.begin().await?;
    let seq = next_in_counter(&mut tx, org_id, "DEV", year).await?;
    let num = number("DEV", year, seq);
    let valid = input.valid_until.unwrap_or_else(crate::quote::today).format("%Y-%m-%d").to_string();
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO quotes (org_id, number, client_id, title, status, current_version, valid_until, total_ht, total_ttc, \
         search, created_by, created_at, updated_at) VALUES ($1, $2, $3, $4, 'draft', 1, $5, $6, $7, $8, $9, $10, $10) RETURNING id",
    )
    .bind(org_id)
    .bind(&num)
    .bind(input.client_id)
    .bind(&input.title)
    .bind(valid)
    .bind(priced.total_ht.to_string())
    .bind(priced.total_ttc.to_string())
    .bind(quote_search(&num, &client_name, &input.title))
    .bind(user_id)
    .bind(t)
    .fetch_one(&mut *tx)
    .await?;
    sqlx::query("INSERT INTO quote_versions (quote_id, org_id, version, input, priced, created_by, created_at) VALUES ($1, $2, 1, $3, $4, $5, $6)")
        .bind(id)
        .bind(org_id)
        .bind(json(input)?)
        .bind(json(priced)?)
        .bind(user_id)
        .bind(t)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    get(db, org_id, id).await
}

/// Replaces the content of a draft's current version.
pub async fn update_draft(
    db: &Db,
    org_id: i64,
    id: i64,
    user_id: Option<i64>,
    input: &QuoteInput,
    priced: &Priced,
) -> Result<Quote, AppError> {
    let q = get(db, org_id, id).await?;
    crate::quote::allowed(q.status, crate::quote::Action::Edit).map_err(|m| AppError::Conflict(m.into()))?;
    let client_name: String = sqlx::query_scalar("SELECT name FROM clients WHERE id = $1 AND org_id = $2")
        .bind(input.client_id)
        .bind(org_id)
        .fetch_optional(&db.pool)
        .await?
        .ok_or_else(|| AppError::invalid("client_id", "Ce client n'existe pas dans votre organisation."))?;
    let t = now();
    let mut tx = db.pool.begin().await?;
    let r = sqlx::query(
        "UPDATE quotes SET client_id = $1, title = $2, valid_until = $3, total_ht = $4, total_ttc = $5, search = $6, updated_at = $7 \
         WHERE id = $8 AND org_id = $9 AND status = 'draft'",
    )
    .bind(input.client_id)
    .bind(&input.title)
    .bind(input.valid_until.unwrap_or(q.valid_until).format("%Y-%m-%d").to_string())
    .bind(priced.total_ht.to_string())
    .bind(priced.total_ttc.to_string())
    .bind(quote_search(&q.number, &client_name, &input.title))
    .bind(t)
    .bind(id)
    .bind(org_id)
    .execute(&mut *tx)
    .await?;
    if r.rows_affected() != 1 {
        return Err(AppError::Conflict("Ce devis vient de changer d'état : rechargez la page.".into()));
    }
    sqlx::query("UPDATE quote_versions SET input = $1, priced = $2, created_by = $3, created_at = $4 WHERE quote_id = $5 AND version = $6")
        .bind(json(input)?)
        .bind(json(priced)?)
        .bind(user_id)
        .bind(t)
        .bind(id)
        .bind(q.version)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    get(db, org_id, id).await
}

/// Starts a new draft version from the current one; the previous versions stay as they were and
/// the link sent to the client stops working.
pub async fn revise(db: &Db, org_id: i64, id: i64, user_id: Option<i64>) -> Result<Quote, AppError> {
    let q = get(db, org_id, id).await?;
    crate::quote::allowed(q.status, crate::quote::Action::Revise).map_err(|m| AppError::Conflict(m.into()))?;
    let current = version(db, org_id, id, q.version).await?;
    let mut input = current.input.clone();
    let today = crate::quote::today();
    if input.valid_until.is_some_and(|v| v < today) {
        input.valid_until = Some(today + chrono::Days::new(30));
    }
    let t = now();
    let mut tx = db.pool.begin().await?;
    let v: i64 = sqlx::query_scalar(
        "UPDATE quotes SET current_version = current_version + 1, status = 'draft', link_token_hash = NULL, valid_until = $1, \
         updated_at = $2 WHERE id = $3 AND org_id = $4 AND status <> 'accepted' RETURNING current_version",
    )
    .bind(input.valid_until.unwrap_or(today).format("%Y-%m-%d").to_string())
    .bind(t)
    .bind(id)
    .bind(org_id)
    .fetch_optional(&mut *tx)
    .await?
    .ok_or_else(|| AppError::Conflict("Ce devis vient d'être accepté.".into()))?;
    sqlx::query("INSERT INTO quote_versions (quote_id, org_id, version, input, priced, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)")
        .bind(id)
        .bind(org_id)
        .bind(v)
        .bind(json(&input)?)
        .bind(json(&current.priced)?)
        .bind(user_id)
        .bind(t)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    get(db, org_id, id).await
}

/// Marks a draft as sent and stores the hash of the client's secret link.
pub async fn send(db: &Db, org_id: i64, id: i64, token: &str) -> Result<Quote, AppError> {
    let q = get(db, org_id, id).await?;
    crate::quote::allowed(q.status, crate::quote::Action::Send).map_err(|m| AppError::Conflict(m.into()))?;
    if q.valid_until < crate::quote::today() {
        return Err(AppError::invalid(
            "valid_until",
            "La date de validité est passée : modifiez-la avant d'envoyer le devis.",
        ));
    }
    let r = sqlx::query("UPDATE quotes SET status = 'sent', sent_at = $1, link_token_hash = $2, updated_at = $1 WHERE id = $3 AND org_id = $4 AND status = 'draft'")
        .bind(now())
        .bind(crate::auth::token_hash(token))
        .bind(id)
        .bind(org_id)
        .execute(&db.pool)
        .await?;
    if r.rows_affected() != 1 {
        return Err(AppError::Conflict("Ce devis vient de changer d'état : rechargez la page.".into()));
    }
    get(db, org_id, id).await
}

/// The quote a client's link points to, with its organisation.
pub async fn by_token(db: &Db, token: &str) -> Result<(i64, Quote), AppError> {
    let row = sqlx::query(&format!("{SELECT} WHERE q.link_token_hash = $1"))
        .bind(crate::auth::token_hash(token))
        .fetch_optional(&db.pool)
        .await?
        .ok_or_else(|| {
            AppError::NotFoundBecause(
                "Ce lien n'est pas valable : il est erroné ou a été remplacé par une nouvelle version du devis.".into(),
            )
        })?;
    let org: i64 = sqlx::query_scalar("SELECT org_id FROM quotes WHERE link_token_hash = $1")
        .bind(crate::auth::token_hash(token))
        .fetch_one(&db.pool)
        .await?;
    Ok((org, from_row(&row)?))
}

/// Records the client's answer to the sent version; an acceptance takes the convention's number.
pub async fn decide(db: &Db, token: &str, accept: bool, name: &str, ip: &str) -> Result<Quote, AppError> {
    let (org_id, q) = by_token(db, token).await?;
    crate::quote::allowed(q.status, crate::quote::Action::Decide).map_err(|m| AppError::Conflict(m.into()))?;
    let today = crate::quote::today();
    let t = now();
    let mut tx = db.pool.begin().await?;
    let r = sqlx::query(
        "UPDATE quotes SET status = $1, decided_at = $2, decision_name = $3, decision_ip = $4, decided_version = current_version, \
         updated_at = $2 WHERE id = $5 AND status = 'sent' AND valid_until >= $6",
    )
    .bind(if accept { "accepted" } else { "refused" })
    .bind(t)
    .bind(name)
    .bind(ip)
    .bind(q.id)
    .bind(today.format("%Y-%m-%d").to_string())
    .execute(&mut *tx)
    .await?;
    if r.rows_affected() != 1 {
        return Err(AppError::Conflict("Ce devis n'attend plus de réponse.".into()));
    }
    if accept {
        let year = chrono::Datelike::year(&today);
        let seq = next_in_counter(&mut tx, org_id, "CONV", year).await?;
        sqlx::query("UPDATE quotes SET convention_number = $1 WHERE id = $2")
            .bind(number("CONV", year, seq))
            .bind(q.id)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    get(db, org_id, q.id).await
}

pub async fn get(db: &Db, org_id: i64, id: i64) -> Result<Quote, AppError> {
    let row = sqlx::query(&format!("{SELECT} WHERE q.id = $1 AND q.org_id = $2"))
        .bind(id)
        .bind(org_id)
        .fetch_optional(&db.pool)
        .await?
        .ok_or(AppError::NotFound)?;
    from_row(&row)
}

fn version_from_row(r: &sqlx::any::AnyRow) -> Result<QuoteVersion, AppError> {
    Ok(QuoteVersion {
        version: r.try_get("version")?,
        input: serde_json::from_str(&r.try_get::<String, _>("input")?).map_err(|e| internal("quote input", e))?,
        priced: serde_json::from_str(&r.try_get::<String, _>("priced")?).map_err(|e| internal("quote priced", e))?,
        created_at: r.try_get("created_at")?,
        created_by: r.try_get("author")?,
    })
}

pub async fn version(db: &Db, org_id: i64, id: i64, version: i64) -> Result<QuoteVersion, AppError> {
    let row = sqlx::query(
        "SELECT v.version, v.input, v.priced, v.created_at, u.name AS author FROM quote_versions v \
         LEFT JOIN users u ON u.id = v.created_by WHERE v.quote_id = $1 AND v.org_id = $2 AND v.version = $3",
    )
    .bind(id)
    .bind(org_id)
    .bind(version)
    .fetch_optional(&db.pool)
    .await?
    .ok_or(AppError::NotFound)?;
    version_from_row(&row)
}

pub async fn versions(db: &Db, org_id: i64, id: i64) -> Result<Vec<QuoteVersion>, AppError> {
    let rows = sqlx::query(
        "SELECT v.version, v.input, v.priced, v.created_at, u.name AS author FROM quote_versions v \
         LEFT JOIN users u ON u.id = v.created_by WHERE v.quote_id = $1 AND v.org_id = $2 ORDER BY v.version DESC",
    )
    .bind(id)
    .bind(org_id)
    .fetch_all(&db.pool)
    .await?;
    rows.iter().map(version_from_row).collect()
}

/// Filters of the quote list besides the search words.
#[derive(Clone, Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct QuoteFilters {
    /// draft, sent, accepted, refused or expired
    pub status: Option<String>,
    pub client_id: Option<i64>,
}

fn filter_sql(db: &Db, f: &QuoteFilters) -> String {
    let mut s = format!("q.org_id = $1 AND {}", db.contains("q.search", "$2"));
    match f.status.as_deref().and_then(Status::parse) {
        Some(Status::Expired) => s.push_str(" AND q.status = 'sent' AND q.valid_until < $3"),
        Some(Status::Sent) => s.push_str(" AND q.status = 'sent' AND q.valid_until >= $3"),
        Some(other) => s.push_str(&format!(" AND q.status = '{}' AND $3 = $3", other.as_str())),
        None => s.push_str(" AND $3 = $3"),
    }
    if f.client_id.is_some() {
        s.push_str(" AND q.client_id = $4");
    }
    s
}

/// One page of quotes and the number of matches.
pub async fn list(db: &Db, org_id: i64, l: &Listing, f: &QuoteFilters) -> Result<(Vec<Quote>, i64), AppError> {
    let where_sql = filter_sql(db, f);
    let today = crate::quote::today().format("%Y-%m-%d").to_string();
    let key = search_key(&l.q);
    let n = if f.client_id.is_some() { 5 } else { 4 };
    let order = l.order_by().replace(", id ", ", q.id ");
    let sql = format!("{SELECT} WHERE {where_sql} {order} LIMIT ${n} OFFSET ${}", n + 1);
    let mut q = sqlx::query(&sql).bind(org_id).bind(&key).bind(&today);
    if let Some(c) = f.client_id {
        q = q.bind(c);
    }
    let rows = q.bind(l.per_page).bind(l.offset()).fetch_all(&db.pool).await?;
    let items = rows.iter().map(from_row).collect::<Result<Vec<_>, _>>()?;
    let count_sql = format!("SELECT COUNT(*) FROM quotes q JOIN clients c ON c.id = q.client_id WHERE {where_sql}");
    let mut c = sqlx::query_scalar::<_, i64>(&count_sql).bind(org_id).bind(&key).bind(&today);
    if let Some(cl) = f.client_id {
        c = c.bind(cl);
    }
    Ok((items, c.fetch_one(&db.pool).await?))
}

/// Replaces the secret link of a sent quote.
pub async fn set_link(db: &Db, org_id: i64, id: i64, token: &str) -> Result<(), AppError> {
    let r = sqlx::query(
        "UPDATE quotes SET link_token_hash = $1, updated_at = $2 WHERE id = $3 AND org_id = $4 AND status = 'sent'",
    )
    .bind(crate::auth::token_hash(token))
    .bind(now())
    .bind(id)
    .bind(org_id)
    .execute(&db.pool)
    .await?;
    if r.rows_affected() == 1 { Ok(()) } else { Err(AppError::Conflict("Ce devis n'attend plus de réponse.".into())) }
}

/// Every quote of a client (for the client's page).
pub async fn of_client(db: &Db, org_id: i64, client_id: i64) -> Result<Vec<Quote>, AppError> {
    let rows = sqlx::query(&format!(
        "{SELECT} WHERE q.org_id = $1 AND q.client_id = $2 ORDER BY q.created_at DESC, q.id DESC"
    ))
    .bind(org_id)
    .bind(client_id)
    .fetch_all(&db.pool)
    .await?;
    rows.iter().map(from_row).collect()
}
