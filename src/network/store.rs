//! The network's SQL: territories, a cycle's settings, retours, the candidates of matching, mises en lien.

use super::*;

use std::collections::HashMap;

use sqlx::Row;

use crate::committee::matching::{self, Profile};
use crate::db::{Db, get_bool, now};
use crate::error::AppError;

pub async fn territories(db: &Db) -> Result<Vec<Territory>, AppError> {
    let rows = sqlx::query(
        "SELECT t.id, t.name, t.kind, t.codes, \
         (SELECT COUNT(*) FROM cycles c WHERE c.territory_id = t.id AND (c.network_visible = $1 OR EXISTS (SELECT 1 FROM retours r WHERE r.cycle_id = c.id AND r.published_at IS NOT NULL))) AS n \
         FROM territories t ORDER BY t.name",
    )
    .bind(true)
    .fetch_all(&db.pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Territory {
                id: r.try_get("id")?,
                name: r.try_get("name")?,
                kind: r.try_get("kind")?,
                codes: r.try_get("codes")?,
                cycles: r.try_get("n")?,
            })
        })
        .collect()
}

pub async fn settings(db: &Db, org: i64, cycle_id: i64) -> Result<Settings, AppError> {
    let r = sqlx::query("SELECT territory_id, network_visible FROM cycles WHERE id = $1 AND org_id = $2")
        .bind(cycle_id)
        .bind(org)
        .fetch_optional(&db.pool)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(Settings { territory_id: r.try_get("territory_id")?, visible: get_bool(&r, "network_visible")? })
}

pub async fn set_settings(db: &Db, org: i64, cycle_id: i64, st: &Settings) -> Result<(), AppError> {
    if let Some(t) = st.territory_id {
        let found: Option<i64> =
            sqlx::query_scalar("SELECT id FROM territories WHERE id = $1").bind(t).fetch_optional(&db.pool).await?;
        if found.is_none() {
            return Err(AppError::invalid("territory_id", "Ce territoire n'existe pas."));
        }
    }
    sqlx::query("UPDATE cycles SET territory_id = $1, network_visible = $2 WHERE id = $3 AND org_id = $4")
        .bind(st.territory_id)
        .bind(st.visible)
        .bind(cycle_id)
        .bind(org)
        .execute(&db.pool)
        .await?;
    Ok(())
}

pub(crate) fn retour_from_row(r: &sqlx::any::AnyRow, public: bool) -> Result<Retour, AppError> {
    Ok(Retour {
        id: r.try_get("id")?,
        cycle_id: r.try_get("cycle_id")?,
        title: r.try_get("title")?,
        problem: r.try_get("problem")?,
        done: r.try_get("done")?,
        result: r.try_get("result")?,
        tags: matching::tags(&r.try_get::<String, _>("tags")?),
        published_at: r.try_get("published_at")?,
        created_at: r.try_get("created_at")?,
        organisation: if public { r.try_get("oname")? } else { None },
        structure: if public { r.try_get("cname")? } else { None },
        territory: if public { r.try_get("tname")? } else { None },
    })
}

pub async fn retours_of(db: &Db, org: i64, cycle_id: i64) -> Result<Vec<Retour>, AppError> {
    let rows = sqlx::query(
        "SELECT id, cycle_id, title, problem, done, result, tags, published_at, created_at FROM retours \
         WHERE org_id = $1 AND cycle_id = $2 ORDER BY created_at DESC, id DESC",
    )
    .bind(org)
    .bind(cycle_id)
    .fetch_all(&db.pool)
    .await?;
    rows.iter().map(|r| retour_from_row(r, false)).collect()
}

pub(crate) const PUBLIC_RETOUR: &str = "SELECT r.id, r.cycle_id, r.title, r.problem, r.done, r.result, r.tags, r.published_at, r.created_at, \
     o.name AS oname, cl.name AS cname, t.name AS tname \
     FROM retours r JOIN cycles c ON c.id = r.cycle_id JOIN organisations o ON o.id = r.org_id \
     JOIN clients cl ON cl.id = c.client_id LEFT JOIN territories t ON t.id = c.territory_id \
     WHERE r.published_at IS NOT NULL";

/// Published retours, newest first, filtered by tag (folded) and territory.
pub async fn published(db: &Db, tag: Option<&str>, territory: Option<i64>) -> Result<Vec<Retour>, AppError> {
    let rows = sqlx::query(&format!(
        "{PUBLIC_RETOUR} AND ($1 < 0 OR c.territory_id = $1) ORDER BY r.published_at DESC, r.id DESC LIMIT 500"
    ))
    .bind(territory.unwrap_or(-1))
    .fetch_all(&db.pool)
    .await?;
    let all: Vec<Retour> = rows.iter().map(|r| retour_from_row(r, true)).collect::<Result<_, _>>()?;
    Ok(match tag.filter(|t| !crate::text::search_key(t).is_empty()) {
        Some(t) => all.into_iter().filter(|r| r.tags.iter().any(|x| matching::same_tag(x, t))).collect(),
        None => all,
    })
}

pub async fn published_one(db: &Db, id: i64) -> Result<Retour, AppError> {
    let row = sqlx::query(&format!("{PUBLIC_RETOUR} AND r.id = $1"))
        .bind(id)
        .fetch_optional(&db.pool)
        .await?
        .ok_or(AppError::NotFound)?;
    retour_from_row(&row, true)
}

pub async fn set_published(db: &Db, org: i64, cycle_id: i64, id: i64, publish: bool) -> Result<(), AppError> {
    let r = sqlx::query(
        "UPDATE retours SET published_at = $1, updated_at = $2 WHERE id = $3 AND org_id = $4 AND cycle_id = $5",
    )
    .bind(if publish { Some(now()) } else { None })
    .bind(now())
    .bind(id)
    .bind(org)
    .bind(cycle_id)
    .execute(&db.pool)
    .await?;
    if r.rows_affected() == 1 { Ok(()) } else { Err(AppError::NotFound) }
}

pub(crate) fn point(r: &sqlx::any::AnyRow) -> Result<Option<(f64, f64)>, AppError> {
    let lat: Option<f64> = r.try_get("latitude")?;
    let lon: Option<f64> = r.try_get("longitude")?;
    Ok(lat.zip(lon))
}

/// The committees whose problems meet this cycle's, best first.
pub async fn matches(db: &Db, org: i64, cycle_id: i64) -> Result<Vec<Match>, AppError> {
    let me = sqlx::query(
        "SELECT cl.latitude, cl.longitude FROM cycles c JOIN clients cl ON cl.id = c.client_id WHERE c.id = $1 AND c.org_id = $2",
    )
    .bind(cycle_id)
    .bind(org)
    .fetch_optional(&db.pool)
    .await?
    .ok_or(AppError::NotFound)?;
    let my_point = point(&me)?;
    let mut mine: Vec<(String, Vec<String>, String)> = Vec::new();
    for a in crate::committee::store::actions(db, org, cycle_id).await? {
        mine.push((a.title, a.tags, a.description));
    }
    for r in retours_of(db, org, cycle_id).await? {
        mine.push((r.title, r.tags, format!("{} {} {}", r.problem, r.done, r.result)));
    }
    let query = profile(&mine);

    let rows = sqlx::query(
        "SELECT c.id, c.network_visible, o.name AS oname, cl.name AS cname, cl.latitude, cl.longitude, t.name AS tname \
         FROM cycles c JOIN organisations o ON o.id = c.org_id JOIN clients cl ON cl.id = c.client_id \
         LEFT JOIN territories t ON t.id = c.territory_id \
         WHERE c.id <> $1 AND (c.network_visible = $2 OR EXISTS (SELECT 1 FROM retours r WHERE r.cycle_id = c.id AND r.published_at IS NOT NULL)) \
         ORDER BY c.id",
    )
    .bind(cycle_id)
    .bind(true)
    .fetch_all(&db.pool)
    .await?;
    let mut candidates: Vec<Candidate> = Vec::new();
    let mut index: HashMap<i64, usize> = HashMap::new();
    for r in &rows {
        index.insert(r.try_get("id")?, candidates.len());
        candidates.push(Candidate {
            cycle_id: r.try_get("id")?,
            organisation: r.try_get("oname")?,
            structure: r.try_get("cname")?,
            territory: r.try_get("tname")?,
            point: point(r)?,
            visible: get_bool(r, "network_visible")?,
            items: Vec::new(),
        });
    }
    // The action plans of visible cycles.
    let actions = sqlx::query(
        "SELECT a.cycle_id, a.title, a.description, a.tags FROM actions a JOIN cycles c ON c.id = a.cycle_id \
         WHERE c.network_visible = $1 AND c.id <> $2 ORDER BY a.id",
    )
    .bind(true)
    .bind(cycle_id)
    .fetch_all(&db.pool)
    .await?;
    for r in &actions {
        if let Some(&i) = index.get(&r.try_get::<i64, _>("cycle_id")?)
            && candidates[i].visible
        {
            candidates[i].items.push((
                r.try_get("title")?,
                matching::tags(&r.try_get::<String, _>("tags")?),
                r.try_get("description")?,
            ));
        }
    }
    // The published retours of every cycle.
    let retours = sqlx::query(
        "SELECT cycle_id, title, problem, done, result, tags FROM retours WHERE published_at IS NOT NULL AND cycle_id <> $1 ORDER BY id",
    )
    .bind(cycle_id)
    .fetch_all(&db.pool)
    .await?;
    for r in &retours {
        if let Some(&i) = index.get(&r.try_get::<i64, _>("cycle_id")?) {
            let body = format!(
                "{} {} {}",
                r.try_get::<String, _>("problem")?,
                r.try_get::<String, _>("done")?,
                r.try_get::<String, _>("result")?
            );
            candidates[i].items.push((r.try_get("title")?, matching::tags(&r.try_get::<String, _>("tags")?), body));
        }
    }
    let profiles: Vec<Profile> = candidates.iter().map(|c| profile(&c.items)).collect();
    let scores = matching::scores(&query, &profiles);
    let links = links_of(db, org, cycle_id).await?;
    let my_words: std::collections::HashSet<String> = matching::tokens(&query.text).into_iter().collect();
    let mut out: Vec<Match> = candidates
        .into_iter()
        .zip(scores)
        .filter(|(_, s)| s.total >= MIN_SCORE)
        .map(|(c, s)| {
            let items = c
                .items
                .iter()
                .filter(|(title, tags, body)| {
                    tags.iter().any(|t| query.tags.iter().any(|q| matching::same_tag(q, t)))
                        || matching::tokens(&format!("{title} {body}")).iter().any(|w| my_words.contains(w))
                })
                .map(|(title, _, _)| title.clone())
                .take(5)
                .collect();
            Match {
                distance_km: my_point.zip(c.point).map(|(a, b)| matching::distance_km(a, b)),
                link: links.iter().find(|l| l.other_cycle_id == c.cycle_id).map(|l| l.status.clone()),
                cycle_id: c.cycle_id,
                organisation: c.organisation,
                structure: c.structure,
                territory: c.territory,
                score: s.total,
                text_score: s.text,
                tag_score: s.tags,
                shared_tags: s.shared_tags,
                items,
            }
        })
        .collect();
    out.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then(a.distance_km.unwrap_or(f64::MAX).total_cmp(&b.distance_km.unwrap_or(f64::MAX)))
    });
    out.truncate(50);
    Ok(out)
}

/// The référent of a cycle and its organisation's address: shown once a link is accepted.
pub(crate) async fn contacts(db: &Db, cycle_id: i64) -> Result<Vec<Contact>, AppError> {
    let mut out = Vec::new();
    let r = sqlx::query(
        "SELECT p.first_name, p.last_name, p.email, p.phone, p.job FROM cycles c JOIN participants p ON p.id = c.referent_id WHERE c.id = $1",
    )
    .bind(cycle_id)
    .fetch_optional(&db.pool)
    .await?;
    if let Some(r) = r {
        out.push(Contact {
            name: format!("{} {}", r.try_get::<String, _>("first_name")?, r.try_get::<String, _>("last_name")?),
            email: r.try_get("email")?,
            phone: r.try_get("phone")?,
            role: format!("Référent·e du comité ({})", r.try_get::<String, _>("job")?),
        });
    }
    let o = sqlx::query(
        "SELECT o.name, o.email, o.phone FROM cycles c JOIN organisations o ON o.id = c.org_id WHERE c.id = $1",
    )
    .bind(cycle_id)
    .fetch_one(&db.pool)
    .await?;
    out.push(Contact {
        name: o.try_get("name")?,
        email: o.try_get("email")?,
        phone: o.try_get("phone")?,
        role: "Organisme qui accompagne le comité".into(),
    });
    Ok(out)
}

pub async fn links_of(db: &Db, org: i64, cycle_id: i64) -> Result<Vec<Link>, AppError> {
    let rows = sqlx::query(
        "SELECT l.id, l.from_cycle_id, l.to_cycle_id, l.message, l.status, l.created_at, l.answered_at, o.name AS oname, cl.name AS cname \
         FROM network_links l \
         JOIN cycles c ON c.id = CASE WHEN l.from_cycle_id = $1 THEN l.to_cycle_id ELSE l.from_cycle_id END \
         JOIN organisations o ON o.id = c.org_id JOIN clients cl ON cl.id = c.client_id \
         WHERE (l.from_cycle_id = $1 AND l.from_org_id = $2) OR (l.to_cycle_id = $1 AND l.to_org_id = $2) \
         ORDER BY l.created_at DESC, l.id DESC",
    )
    .bind(cycle_id)
    .bind(org)
    .fetch_all(&db.pool)
    .await?;
    let mut out = Vec::new();
    for r in &rows {
        let from: i64 = r.try_get("from_cycle_id")?;
        let to: i64 = r.try_get("to_cycle_id")?;
        let outgoing = from == cycle_id;
        let other = if outgoing { to } else { from };
        let status: String = r.try_get("status")?;
        out.push(Link {
            id: r.try_get("id")?,
            outgoing,
            other_cycle_id: other,
            other_organisation: r.try_get("oname")?,
            other_structure: r.try_get("cname")?,
            message: r.try_get("message")?,
            contacts: if status == "accepted" { contacts(db, other).await? } else { Vec::new() },
            status,
            created_at: r.try_get("created_at")?,
            answered_at: r.try_get("answered_at")?,
        });
    }
    Ok(out)
}

pub async fn territory_named(db: &Db, name: &str) -> Result<Option<i64>, AppError> {
    Ok(sqlx::query_scalar("SELECT id FROM territories WHERE name = $1").bind(name).fetch_optional(&db.pool).await?)
}

pub async fn insert_territory(db: &Db, name: &str, kind: &str, codes: &str, org: Option<i64>) -> Result<i64, AppError> {
    Ok(sqlx::query_scalar(
        "INSERT INTO territories (name, kind, codes, created_by_org, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(name)
    .bind(kind)
    .bind(codes)
    .bind(org)
    .bind(now())
    .fetch_one(&db.pool)
    .await?)
}

/// A retour as checked by the service.
pub struct NewRetour {
    pub title: String,
    pub problem: String,
    pub done: String,
    pub result: String,
    pub tags: String,
    pub publish: bool,
}

pub async fn insert_retour(db: &Db, org: i64, cycle_id: i64, r: &NewRetour) -> Result<i64, AppError> {
    let t = now();
    Ok(sqlx::query_scalar(
        "INSERT INTO retours (org_id, cycle_id, title, problem, done, result, tags, published_at, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) RETURNING id",
    )
    .bind(org)
    .bind(cycle_id)
    .bind(&r.title)
    .bind(&r.problem)
    .bind(&r.done)
    .bind(&r.result)
    .bind(&r.tags)
    .bind(if r.publish { Some(t) } else { None })
    .bind(t)
    .fetch_one(&db.pool)
    .await?)
}

/// The organisation of a cycle that can be found in the network (visible, or with a published retour).
pub async fn visible_cycle_org(db: &Db, cycle_id: i64) -> Result<Option<i64>, AppError> {
    Ok(sqlx::query_scalar(
        "SELECT c.org_id FROM cycles c WHERE c.id = $1 AND (c.network_visible = $2 OR EXISTS (SELECT 1 FROM retours r WHERE r.cycle_id = c.id AND r.published_at IS NOT NULL))",
    )
    .bind(cycle_id)
    .bind(true)
    .fetch_optional(&db.pool)
    .await?)
}

/// The mise en lien between two cycles, whichever asked.
pub async fn link_between(db: &Db, a: i64, b: i64) -> Result<Option<i64>, AppError> {
    Ok(sqlx::query_scalar(
        "SELECT id FROM network_links WHERE (from_cycle_id = $1 AND to_cycle_id = $2) OR (from_cycle_id = $2 AND to_cycle_id = $1)",
    )
    .bind(a)
    .bind(b)
    .fetch_optional(&db.pool)
    .await?)
}

/// A requested mise en lien from `(org, cycle)` to `(org, cycle)`.
pub async fn insert_link(db: &Db, from: (i64, i64), to: (i64, i64), message: &str) -> Result<i64, AppError> {
    Ok(sqlx::query_scalar(
        "INSERT INTO network_links (from_org_id, from_cycle_id, to_org_id, to_cycle_id, message, status, created_at) \
         VALUES ($1, $2, $3, $4, $5, 'requested', $6) RETURNING id",
    )
    .bind(from.0)
    .bind(from.1)
    .bind(to.0)
    .bind(to.1)
    .bind(message)
    .bind(now())
    .fetch_one(&db.pool)
    .await?)
}

/// The status of a mise en lien asked of this organisation's cycle.
pub async fn asked_link_status(db: &Db, org: i64, cycle_id: i64, link: i64) -> Result<Option<String>, AppError> {
    Ok(sqlx::query_scalar("SELECT status FROM network_links WHERE id = $1 AND to_cycle_id = $2 AND to_org_id = $3")
        .bind(link)
        .bind(cycle_id)
        .bind(org)
        .fetch_optional(&db.pool)
        .await?)
}

pub async fn set_link_status(db: &Db, link: i64, status: &str) -> Result<(), AppError> {
    sqlx::query("UPDATE network_links SET status = $1, answered_at = $2 WHERE id = $3")
        .bind(status)
        .bind(now())
        .bind(link)
        .execute(&db.pool)
        .await?;
    Ok(())
}
