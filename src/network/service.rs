//! What pages and API both do: create a territory, add a retour, request and answer a mise en lien.

use super::*;

use sqlx::Row;

use crate::committee::matching::{self};
use crate::cycle::store::{self as cycles};
use crate::db::now;
use crate::error::{AppError, FieldErrors};
use crate::state::AppState;

pub async fn do_create_territory(s: &AppState, org: Option<i64>, f: &TerritoryForm) -> Result<i64, AppError> {
    let mut e = FieldErrors::new();
    let name = crate::text::check_text(&mut e, "name", &f.name, true, 120);
    if !TERRITORY_KINDS.iter().any(|(k, _)| *k == f.kind) {
        e.add("kind", "Choisissez le type de territoire.");
    }
    let codes = match check_codes(&f.kind, &f.codes) {
        Ok(c) => c,
        Err(m) => {
            e.add("codes", m);
            String::new()
        }
    };
    let (name, codes) = e.into_result((name, codes))?;
    let exists: Option<i64> =
        sqlx::query_scalar("SELECT id FROM territories WHERE name = $1").bind(&name).fetch_optional(&s.db.pool).await?;
    if exists.is_some() {
        return Err(AppError::invalid("name", "Un territoire porte déjà ce nom."));
    }
    Ok(sqlx::query_scalar(
        "INSERT INTO territories (name, kind, codes, created_by_org, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(name)
    .bind(&f.kind)
    .bind(codes)
    .bind(org)
    .bind(now())
    .fetch_one(&s.db.pool)
    .await?)
}

pub async fn do_add_retour(s: &AppState, org: i64, cycle_id: i64, f: &RetourForm) -> Result<i64, AppError> {
    cycles::get(&s.db, org, cycle_id).await?;
    let mut e = FieldErrors::new();
    let title = crate::text::check_text(&mut e, "title", &f.title, true, 200);
    let problem = crate::text::check_text(&mut e, "problem", &f.problem, true, 5000);
    let done = crate::text::check_text(&mut e, "done", &f.done, true, 5000);
    let result = crate::text::check_text(&mut e, "result", &f.result, false, 5000);
    let tags = matching::tags(&f.tags);
    if tags.is_empty() {
        e.add(
            "tags",
            "Donnez au moins un mot-clé du problème (par exemple : messagerie) : c'est lui qui rapproche les comités.",
        );
    }
    let (title, problem, done, result) = e.into_result((title, problem, done, result))?;
    let t = now();
    let publish = f.publish.as_deref().is_some_and(|v| !v.is_empty() && v != "false");
    Ok(sqlx::query_scalar(
        "INSERT INTO retours (org_id, cycle_id, title, problem, done, result, tags, published_at, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) RETURNING id",
    )
    .bind(org)
    .bind(cycle_id)
    .bind(title)
    .bind(problem)
    .bind(done)
    .bind(result)
    .bind(tags.join(", "))
    .bind(if publish { Some(t) } else { None })
    .bind(t)
    .fetch_one(&s.db.pool)
    .await?)
}

/// Asks for a mise en lien with a committee found by the matching (shared with the API).
pub async fn do_request(s: &AppState, org: i64, cycle_id: i64, f: &LinkForm) -> Result<i64, AppError> {
    cycles::get(&s.db, org, cycle_id).await?;
    if f.to_cycle == cycle_id {
        return Err(AppError::invalid("to_cycle", "Un comité ne peut pas demander une mise en lien avec lui-même."));
    }
    let mut e = FieldErrors::new();
    let message = crate::text::check_text(&mut e, "message", &f.message, false, 2000);
    let message = e.into_result(message)?;
    // Only a committee that can be found in the network can be asked.
    let target = sqlx::query(
        "SELECT c.org_id FROM cycles c WHERE c.id = $1 AND (c.network_visible = $2 OR EXISTS (SELECT 1 FROM retours r WHERE r.cycle_id = c.id AND r.published_at IS NOT NULL))",
    )
    .bind(f.to_cycle)
    .bind(true)
    .fetch_optional(&s.db.pool)
    .await?
    .ok_or_else(|| AppError::invalid("to_cycle", "Ce comité n'est pas visible dans le réseau."))?;
    let to_org: i64 = target.try_get("org_id")?;
    let exists: Option<i64> = sqlx::query_scalar(
        "SELECT id FROM network_links WHERE (from_cycle_id = $1 AND to_cycle_id = $2) OR (from_cycle_id = $2 AND to_cycle_id = $1)",
    )
    .bind(cycle_id)
    .bind(f.to_cycle)
    .fetch_optional(&s.db.pool)
    .await?;
    if exists.is_some() {
        return Err(AppError::Conflict("Une mise en lien existe déjà entre ces deux comités.".into()));
    }
    let id = sqlx::query_scalar(
        "INSERT INTO network_links (from_org_id, from_cycle_id, to_org_id, to_cycle_id, message, status, created_at) \
         VALUES ($1, $2, $3, $4, $5, 'requested', $6) RETURNING id",
    )
    .bind(org)
    .bind(cycle_id)
    .bind(to_org)
    .bind(f.to_cycle)
    .bind(message)
    .bind(now())
    .fetch_one(&s.db.pool)
    .await?;
    Ok(id)
}

/// The asked side accepts or refuses (shared with the API).
pub async fn do_answer(s: &AppState, org: i64, cycle_id: i64, link: i64, accept: bool) -> Result<(), AppError> {
    let row = sqlx::query("SELECT status FROM network_links WHERE id = $1 AND to_cycle_id = $2 AND to_org_id = $3")
        .bind(link)
        .bind(cycle_id)
        .bind(org)
        .fetch_optional(&s.db.pool)
        .await?
        .ok_or(AppError::NotFound)?;
    let status: String = row.try_get("status")?;
    if status != "requested" {
        return Err(AppError::Conflict("Cette demande a déjà reçu une réponse.".into()));
    }
    sqlx::query("UPDATE network_links SET status = $1, answered_at = $2 WHERE id = $3")
        .bind(if accept { "accepted" } else { "refused" })
        .bind(now())
        .bind(link)
        .execute(&s.db.pool)
        .await?;
    Ok(())
}
