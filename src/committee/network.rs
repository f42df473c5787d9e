//! The TICA network: territories group cycles; committees publish retours d'expérience; a committee
//! finds the other structures whose action plans and retours share its problems (tags and text
//! similarity, see `matching`), with the distance; a mise en lien shows contact details only once
//! both sides have accepted it.
//!
//! What another organisation sees of a cycle: nothing, unless the cycle is visible in the network
//! (then its structure, territory, action titles and tags) or has published retours (then those).

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::{Deserialize, Serialize};
use sqlx::Row;
use tower_sessions::Session;

use crate::auth::{CurrentUser, Role};
use crate::committee::matching::{self, Profile};
use crate::cycle::store::{self as cycles, Cycle};
use crate::db::{Db, get_bool, now};
use crate::error::{AppError, FieldErrors};
use crate::extract::{Form, Json, Path};
use crate::state::AppState;
use crate::web::{PageCtx, flash, render, render_invalid};

pub const TERRITORY_KINDS: [(&str, &str); 3] =
    [("communes", "Communes"), ("epci", "Intercommunalité (EPCI)"), ("departement", "Département")];

/// Below this score, two committees have nothing worth a mise en lien.
pub const MIN_SCORE: f64 = 0.05;

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Territory {
    pub id: i64,
    pub name: String,
    /// communes, epci or departement
    pub kind: String,
    /// INSEE codes of the communes, SIREN of the EPCI or numbers of the départements.
    pub codes: String,
    /// Cycles of the territory visible in the network.
    pub cycles: i64,
}

impl Territory {
    pub fn kind_label(&self) -> &'static str {
        crate::committee::label(&TERRITORY_KINDS, &self.kind)
    }
}

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

#[derive(Deserialize, Default, Clone, utoipa::ToSchema)]
#[serde(default)]
pub struct TerritoryForm {
    pub name: String,
    /// communes, epci or departement
    pub kind: String,
    pub codes: String,
}

/// Codes of communes (5 characters, 2A/2B for Corsica), EPCI (9 digits) or départements.
fn check_codes(kind: &str, codes: &str) -> Result<String, String> {
    let list: Vec<String> =
        codes.split([',', ';', ' ', '\n']).map(|c| c.trim().to_uppercase()).filter(|c| !c.is_empty()).collect();
    for c in &list {
        let ok = match kind {
            "communes" => c.len() == 5 && c.chars().all(|x| x.is_ascii_alphanumeric()),
            "epci" => c.len() == 9 && c.chars().all(|x| x.is_ascii_digit()),
            _ => (2..=3).contains(&c.len()) && c.chars().all(|x| x.is_ascii_alphanumeric()),
        };
        if !ok {
            return Err(format!("« {c} » n'est pas un code valable pour ce type de territoire."));
        }
    }
    Ok(list.join(", "))
}

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

/// A cycle's place in the network.
#[derive(Clone, Debug, Default, Serialize, utoipa::ToSchema)]
pub struct Settings {
    pub territory_id: Option<i64>,
    /// Whether the cycle's structure, territory and action plan (titles, tags) can be found by the network.
    pub visible: bool,
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

// --- retours d'expérience ------------------------------------------------------------------------

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Retour {
    pub id: i64,
    pub cycle_id: i64,
    pub title: String,
    /// The problem met.
    pub problem: String,
    /// What was done.
    pub done: String,
    pub result: String,
    pub tags: Vec<String>,
    pub published_at: Option<i64>,
    pub created_at: i64,
    /// The organisation, the structure and the territory (published retours only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub organisation: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub structure: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub territory: Option<String>,
}

fn retour_from_row(r: &sqlx::any::AnyRow, public: bool) -> Result<Retour, AppError> {
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

const PUBLIC_RETOUR: &str = "SELECT r.id, r.cycle_id, r.title, r.problem, r.done, r.result, r.tags, r.published_at, r.created_at, \
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
    Ok(match tag.map(crate::text::search_key).filter(|t| !t.is_empty()) {
        Some(t) => all.into_iter().filter(|r| r.tags.contains(&t)).collect(),
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

#[derive(Deserialize, Default, Clone, utoipa::ToSchema)]
#[serde(default)]
pub struct RetourForm {
    pub title: String,
    pub problem: String,
    pub done: String,
    pub result: String,
    /// Comma-separated.
    pub tags: String,
    /// Publish it to the network now.
    pub publish: Option<String>,
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

// --- matching ------------------------------------------------------------------------------------

/// Another committee that met the same problems.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
#[schema(as = NetworkMatch)]
pub struct Match {
    pub cycle_id: i64,
    pub organisation: String,
    pub structure: String,
    pub territory: Option<String>,
    /// Between the two structures, when both have coordinates.
    pub distance_km: Option<f64>,
    /// 0 to 1: half the shared tags, half the similarity of the texts.
    pub score: f64,
    pub text_score: f64,
    pub tag_score: f64,
    pub shared_tags: Vec<String>,
    /// The titles of their actions and retours that meet ours.
    pub items: Vec<String>,
    /// The mise en lien between the two, if any: requested, accepted, refused.
    pub link: Option<String>,
}

impl Match {
    pub fn distance_text(&self) -> String {
        self.distance_km.map(|d| format!("{} km", d.round() as i64)).unwrap_or_else(|| "distance inconnue".into())
    }
    pub fn percent(&self) -> i64 {
        (self.score * 100.0).round() as i64
    }
}

struct Candidate {
    cycle_id: i64,
    organisation: String,
    structure: String,
    territory: Option<String>,
    point: Option<(f64, f64)>,
    visible: bool,
    /// (title, tags, text)
    items: Vec<(String, Vec<String>, String)>,
}

fn profile(items: &[(String, Vec<String>, String)]) -> Profile {
    let mut tags: Vec<String> = Vec::new();
    let mut text = String::new();
    for (title, t, body) in items {
        for x in t {
            if !tags.contains(x) {
                tags.push(x.clone());
            }
        }
        text.push_str(title);
        text.push_str(". ");
        text.push_str(body);
        text.push('\n');
    }
    Profile { tags, text }
}

fn point(r: &sqlx::any::AnyRow) -> Result<Option<(f64, f64)>, AppError> {
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
                    tags.iter().any(|t| query.tags.contains(t))
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

// --- mises en lien -------------------------------------------------------------------------------

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
#[schema(as = NetworkContact)]
pub struct Contact {
    pub name: String,
    pub email: String,
    pub phone: String,
    pub role: String,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Link {
    pub id: i64,
    /// True when this cycle asked.
    pub outgoing: bool,
    pub other_cycle_id: i64,
    pub other_organisation: String,
    pub other_structure: String,
    pub message: String,
    /// requested, accepted or refused
    pub status: String,
    pub created_at: i64,
    pub answered_at: Option<i64>,
    /// The other side's contacts: only once the link is accepted.
    pub contacts: Vec<Contact>,
}

impl Link {
    pub fn status_label(&self) -> &'static str {
        match self.status.as_str() {
            "accepted" => "acceptée",
            "refused" => "refusée",
            _ => "en attente de réponse",
        }
    }
}

/// The référent of a cycle and its organisation's address: shown once a link is accepted.
async fn contacts(db: &Db, cycle_id: i64) -> Result<Vec<Contact>, AppError> {
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

#[derive(Deserialize, Default, Clone, utoipa::ToSchema)]
#[serde(default)]
pub struct LinkForm {
    /// The other committee's cycle.
    pub to_cycle: i64,
    pub message: String,
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

// --- pages ---------------------------------------------------------------------------------------

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct NetworkQuery {
    pub tag: String,
    pub territoire: Option<i64>,
}

#[derive(Template)]
#[template(path = "committee/network.html")]
struct NetworkPage {
    ctx: PageCtx,
    territories: Vec<Territory>,
    retours: Vec<Retour>,
    tag: String,
    territory: Option<i64>,
    can_create: bool,
    form: TerritoryForm,
    kinds: Vec<(&'static str, &'static str)>,
    errors: FieldErrors,
}

impl NetworkPage {
    fn is_territory(&self, id: &i64) -> bool {
        self.territory == Some(*id)
    }
}

async fn network_page(
    s: &AppState,
    user: &CurrentUser,
    ctx: PageCtx,
    q: NetworkQuery,
    form: TerritoryForm,
    errors: FieldErrors,
) -> Result<NetworkPage, AppError> {
    Ok(NetworkPage {
        ctx,
        territories: territories(&s.db).await?,
        retours: published(&s.db, Some(&q.tag), q.territoire).await?,
        tag: q.tag,
        territory: q.territoire,
        can_create: matches!(user.role(), Role::Coordinator | Role::Admin),
        form,
        kinds: TERRITORY_KINDS.to_vec(),
        errors,
    })
}

fn network_member(user: &CurrentUser) -> Result<(), AppError> {
    if user.role().is_staff() || user.role() == Role::Admin { Ok(()) } else { Err(AppError::Forbidden) }
}

/// `GET /reseau`
pub async fn network(
    ctx: PageCtx,
    user: CurrentUser,
    State(s): State<AppState>,
    Query(q): Query<NetworkQuery>,
) -> Result<Response, AppError> {
    network_member(&user)?;
    render(&network_page(&s, &user, ctx, q, TerritoryForm::default(), FieldErrors::new()).await?)
}

/// `POST /reseau/territoires`
pub async fn create_territory(
    ctx: PageCtx,
    user: CurrentUser,
    session: Session,
    State(s): State<AppState>,
    Form(f): Form<TerritoryForm>,
) -> Result<Response, AppError> {
    if !matches!(user.role(), Role::Coordinator | Role::Admin) {
        return Err(AppError::Forbidden);
    }
    match do_create_territory(&s, user.user.org_id, &f).await {
        Ok(_) => {
            flash(&session, "Le territoire est créé : les cycles peuvent y être rattachés.").await;
            Ok(Redirect::to("/reseau").into_response())
        }
        Err(AppError::Invalid(e)) => {
            render_invalid(&network_page(&s, &user, ctx, NetworkQuery::default(), f, e).await?)
        }
        Err(e) => Err(e),
    }
}

/// `GET /reseau/retours/{id}`
pub async fn retour(
    ctx: PageCtx,
    user: CurrentUser,
    State(s): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    network_member(&user)?;
    #[derive(Template)]
    #[template(path = "committee/retour.html")]
    struct Page {
        ctx: PageCtx,
        r: Retour,
    }
    render(&Page { ctx, r: published_one(&s.db, id).await? })
}

#[derive(Template)]
#[template(path = "committee/cycle_network.html")]
struct CyclePage {
    ctx: PageCtx,
    cycle: Cycle,
    settings: Settings,
    territories: Vec<(String, String)>,
    /// The territory the structure's commune falls in, when the cycle has none yet.
    suggested: Option<Territory>,
    retours: Vec<Retour>,
    matches: Vec<Match>,
    links: Vec<Link>,
    form: RetourForm,
    errors: FieldErrors,
}

impl CyclePage {
    fn territory_value(&self) -> String {
        self.settings.territory_id.or(self.suggested.as_ref().map(|t| t.id)).map(|t| t.to_string()).unwrap_or_default()
    }
}

/// The first territory that holds a commune (by its INSEE code) or its département.
pub fn territory_of<'a>(territories: &'a [Territory], insee: &str, departement: &str) -> Option<&'a Territory> {
    let has = |t: &Territory, code: &str| t.codes.split(',').any(|c| c.trim().eq_ignore_ascii_case(code));
    territories.iter().find(|t| match t.kind.as_str() {
        "communes" => has(t, insee),
        "departement" => has(t, departement),
        _ => false,
    })
}

async fn cycle_page(
    s: &AppState,
    org: i64,
    ctx: PageCtx,
    id: i64,
    form: RetourForm,
    errors: FieldErrors,
) -> Result<CyclePage, AppError> {
    let cycle = cycles::get(&s.db, org, id).await?;
    let settings = settings(&s.db, org, id).await?;
    let all = territories(&s.db).await?;
    let mut suggested = None;
    if settings.territory_id.is_none() {
        let client = crate::client::store::get(&s.db, org, cycle.client_id).await?;
        if let Some(c) = crate::places::communes::find(&client.postal_code, &client.city) {
            suggested = territory_of(&all, &c.insee, &c.departement).cloned();
        }
    }
    Ok(CyclePage {
        ctx,
        settings,
        suggested,
        territories: all.into_iter().map(|t| (t.id.to_string(), t.name)).collect(),
        retours: retours_of(&s.db, org, id).await?,
        matches: matches(&s.db, org, id).await?,
        links: links_of(&s.db, org, id).await?,
        cycle,
        form,
        errors,
    })
}

/// `GET /cycles/{id}/reseau`
pub async fn cycle_network(
    ctx: PageCtx,
    user: CurrentUser,
    State(s): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let org = user.staff_org()?;
    render(&cycle_page(&s, org, ctx, id, RetourForm::default(), FieldErrors::new()).await?)
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct SettingsForm {
    pub territory_id: String,
    pub visible: Option<String>,
}

/// `POST /cycles/{id}/reseau`
pub async fn save_settings(
    user: CurrentUser,
    session: Session,
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Form(f): Form<SettingsForm>,
) -> Result<Response, AppError> {
    let org = user.staff_org()?;
    cycles::get(&s.db, org, id).await?;
    let territory_id = if f.territory_id.trim().is_empty() {
        None
    } else {
        Some(f.territory_id.trim().parse().map_err(|_| AppError::BadRequest("Territoire illisible.".into()))?)
    };
    match set_settings(&s.db, org, id, &Settings { territory_id, visible: f.visible.is_some() }).await {
        Ok(()) => {}
        Err(e) => return Err(e.on_page()),
    }
    flash(&session, "La place du comité dans le réseau est enregistrée.").await;
    Ok(Redirect::to(&format!("/cycles/{id}/reseau")).into_response())
}

/// `POST /cycles/{id}/retours`
pub async fn add_retour(
    ctx: PageCtx,
    user: CurrentUser,
    session: Session,
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Form(f): Form<RetourForm>,
) -> Result<Response, AppError> {
    let org = user.staff_org()?;
    match do_add_retour(&s, org, id, &f).await {
        Ok(_) => {
            flash(&session, "Le retour d'expérience est enregistré.").await;
            Ok(Redirect::to(&format!("/cycles/{id}/reseau#retours")).into_response())
        }
        Err(AppError::Invalid(e)) => render_invalid(&cycle_page(&s, org, ctx, id, f, e).await?),
        Err(e) => Err(e),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct PublishForm {
    pub publish: String,
}

/// `POST /cycles/{id}/retours/{retour}/publication`
pub async fn publish(
    user: CurrentUser,
    session: Session,
    State(s): State<AppState>,
    Path((id, rid)): Path<(i64, i64)>,
    Form(f): Form<PublishForm>,
) -> Result<Response, AppError> {
    let org = user.staff_org()?;
    let on = f.publish == "1";
    set_published(&s.db, org, id, rid, on).await?;
    flash(&session, if on { "Le retour est publié dans le réseau." } else { "Le retour n'est plus publié." }).await;
    Ok(Redirect::to(&format!("/cycles/{id}/reseau#retours")).into_response())
}

/// `POST /cycles/{id}/mises-en-lien`
pub async fn request(
    user: CurrentUser,
    session: Session,
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Form(f): Form<LinkForm>,
) -> Result<Response, AppError> {
    let org = user.staff_org()?;
    match do_request(&s, org, id, &f).await {
        Ok(_) => {
            flash(
                &session,
                "La demande de mise en lien est envoyée : les coordonnées s'affichent quand l'autre comité l'accepte.",
            )
            .await;
            Ok(Redirect::to(&format!("/cycles/{id}/reseau#liens")).into_response())
        }
        Err(e) => Err(e.on_page()),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct AnswerForm {
    /// accepter or refuser
    pub decision: String,
}

/// `POST /cycles/{id}/mises-en-lien/{link}`
pub async fn answer(
    user: CurrentUser,
    session: Session,
    State(s): State<AppState>,
    Path((id, lid)): Path<(i64, i64)>,
    Form(f): Form<AnswerForm>,
) -> Result<Response, AppError> {
    let org = user.staff_org()?;
    cycles::get(&s.db, org, id).await?;
    let accept = match f.decision.as_str() {
        "accepter" => true,
        "refuser" => false,
        _ => return Err(AppError::BadRequest("Acceptez ou refusez la demande.".into())),
    };
    do_answer(&s, org, id, lid, accept).await?;
    flash(
        &session,
        if accept {
            "Mise en lien acceptée : chacun voit maintenant les coordonnées de l'autre."
        } else {
            "Demande refusée."
        },
    )
    .await;
    Ok(Redirect::to(&format!("/cycles/{id}/reseau#liens")).into_response())
}

// --- API -----------------------------------------------------------------------------------------

/// The territories of the network.
#[utoipa::path(get, path = "/api/v1/territories", tag = "network", responses((status = 200, body = Vec<Territory>)))]
pub async fn api_territories(user: CurrentUser, State(s): State<AppState>) -> Result<Json<Vec<Territory>>, AppError> {
    network_member(&user)?;
    Ok(Json(territories(&s.db).await?))
}

/// Create a territory (coordinators and the network admin).
#[utoipa::path(post, path = "/api/v1/territories", tag = "network", request_body = TerritoryForm, responses((status = 201, body = Vec<Territory>)))]
pub async fn api_create_territory(
    user: CurrentUser,
    State(s): State<AppState>,
    Json(b): Json<TerritoryForm>,
) -> Result<Response, AppError> {
    if !matches!(user.role(), Role::Coordinator | Role::Admin) {
        return Err(AppError::Forbidden);
    }
    do_create_territory(&s, user.user.org_id, &b).await?;
    Ok((StatusCode::CREATED, Json(territories(&s.db).await?)).into_response())
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct RetoursQuery {
    pub tag: String,
    pub territory: Option<i64>,
}

/// The retours d'expérience published in the network.
#[utoipa::path(get, path = "/api/v1/network/retours", tag = "network", params(("tag" = Option<String>, Query), ("territory" = Option<i64>, Query)), responses((status = 200, body = Vec<Retour>)))]
pub async fn api_retours(
    user: CurrentUser,
    State(s): State<AppState>,
    Query(q): Query<RetoursQuery>,
) -> Result<Json<Vec<Retour>>, AppError> {
    network_member(&user)?;
    Ok(Json(published(&s.db, Some(&q.tag), q.territory).await?))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct CycleNetwork {
    #[serde(flatten)]
    pub settings: Settings,
    pub retours: Vec<Retour>,
    pub matches: Vec<Match>,
    pub links: Vec<Link>,
}

async fn cycle_view(s: &AppState, org: i64, id: i64) -> Result<CycleNetwork, AppError> {
    Ok(CycleNetwork {
        settings: settings(&s.db, org, id).await?,
        retours: retours_of(&s.db, org, id).await?,
        matches: matches(&s.db, org, id).await?,
        links: links_of(&s.db, org, id).await?,
    })
}

/// A committee's place in the network: territory, visibility, retours, matches and mises en lien.
#[utoipa::path(get, path = "/api/v1/cycles/{id}/network", tag = "network", params(("id" = i64, Path)), responses((status = 200, body = CycleNetwork)))]
pub async fn api_cycle(
    user: CurrentUser,
    State(s): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Json<CycleNetwork>, AppError> {
    let org = user.staff_org()?;
    cycles::get(&s.db, org, id).await?;
    Ok(Json(cycle_view(&s, org, id).await?))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct SettingsInput {
    pub territory_id: Option<i64>,
    #[serde(default)]
    pub visible: bool,
}

/// Set the territory and the visibility of a committee.
#[utoipa::path(put, path = "/api/v1/cycles/{id}/network", tag = "network", params(("id" = i64, Path)), request_body = SettingsInput, responses((status = 200, body = CycleNetwork)))]
pub async fn api_settings(
    user: CurrentUser,
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Json(b): Json<SettingsInput>,
) -> Result<Json<CycleNetwork>, AppError> {
    let org = user.staff_org()?;
    cycles::get(&s.db, org, id).await?;
    set_settings(&s.db, org, id, &Settings { territory_id: b.territory_id, visible: b.visible }).await?;
    Ok(Json(cycle_view(&s, org, id).await?))
}

#[derive(Deserialize, Default, utoipa::ToSchema)]
#[serde(default)]
pub struct RetourInput {
    pub title: String,
    pub problem: String,
    pub done: String,
    #[serde(default)]
    pub result: String,
    pub tags: Vec<String>,
    #[serde(default)]
    pub published: bool,
}

/// Write a retour d'expérience (published at once when asked).
#[utoipa::path(post, path = "/api/v1/cycles/{id}/retours", tag = "network", params(("id" = i64, Path)), request_body = RetourInput, responses((status = 201, body = CycleNetwork)))]
pub async fn api_add_retour(
    user: CurrentUser,
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Json(b): Json<RetourInput>,
) -> Result<Response, AppError> {
    let org = user.staff_org()?;
    cycles::get(&s.db, org, id).await?;
    let f = RetourForm {
        title: b.title,
        problem: b.problem,
        done: b.done,
        result: b.result,
        tags: b.tags.join(", "),
        publish: b.published.then(|| "1".to_string()),
    };
    do_add_retour(&s, org, id, &f).await?;
    Ok((StatusCode::CREATED, Json(cycle_view(&s, org, id).await?)).into_response())
}

/// Ask another committee for a mise en lien.
#[utoipa::path(post, path = "/api/v1/cycles/{id}/links", tag = "network", params(("id" = i64, Path)), request_body = LinkForm, responses((status = 201, body = CycleNetwork), (status = 422, body = crate::error::ErrorBody)))]
pub async fn api_request(
    user: CurrentUser,
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Json(b): Json<LinkForm>,
) -> Result<Response, AppError> {
    let org = user.staff_org()?;
    do_request(&s, org, id, &b).await?;
    Ok((StatusCode::CREATED, Json(cycle_view(&s, org, id).await?)).into_response())
}

#[derive(Deserialize, Default, utoipa::ToSchema)]
#[serde(default)]
pub struct AnswerInput {
    pub accept: bool,
}

/// Accept or refuse a mise en lien asked of this committee.
#[utoipa::path(post, path = "/api/v1/cycles/{id}/links/{link}", tag = "network", params(("id" = i64, Path), ("link" = i64, Path)), request_body = AnswerInput, responses((status = 200, body = CycleNetwork)))]
pub async fn api_answer(
    user: CurrentUser,
    State(s): State<AppState>,
    Path((id, lid)): Path<(i64, i64)>,
    Json(b): Json<AnswerInput>,
) -> Result<Json<CycleNetwork>, AppError> {
    let org = user.staff_org()?;
    do_answer(&s, org, id, lid, b.accept).await?;
    Ok(Json(cycle_view(&s, org, id).await?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_commune_falls_in_the_first_territory_that_holds_it() {
        let t = |id: i64, kind: &str, codes: &str| Territory {
            id,
            name: format!("T{id}"),
            kind: kind.into(),
            codes: codes.into(),
            cycles: 0,
        };
        let all = vec![t(1, "epci", "200071827"), t(2, "communes", "16015, 16102"), t(3, "departement", "16, 17")];
        assert_eq!(territory_of(&all, "16015", "16").map(|x| x.id), Some(2));
        assert_eq!(territory_of(&all, "16106", "16").map(|x| x.id), Some(3));
        assert_eq!(territory_of(&all, "64102", "64").map(|x| x.id), None);
    }

    #[test]
    fn territory_codes_are_checked_by_kind() {
        assert_eq!(check_codes("departement", "16, 17 ;2A").unwrap(), "16, 17, 2A");
        assert_eq!(check_codes("communes", "16015 16102").unwrap(), "16015, 16102");
        assert!(check_codes("communes", "160").is_err());
        assert!(check_codes("epci", "200071827").is_ok());
        assert!(check_codes("epci", "2000718").is_err());
    }
}
