//! All SQL of cycles: the cycle and its structures, its modules, the groupe mixte, the sessions
//! and their conflicts, conference registrations, calendar tokens.

mod registrations;
mod sessions;

pub use registrations::*;
pub use sessions::*;

use serde::Serialize;
use sqlx::Row;

use crate::catalogue::{ModuleContent, ModuleKind};
use crate::cycle::{Membership, Phase};
use crate::db::{Db, get_bool, is_unique_violation, now};
use crate::error::AppError;
use crate::text::search_key;
use crate::web::list::{Listing, SortSpec};

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Cycle {
    pub id: i64,
    /// The main client structure.
    pub client_id: i64,
    pub client_name: String,
    pub quote_id: Option<i64>,
    pub title: String,
    /// The territory (TICA) the cycle belongs to.
    pub territory: String,
    pub status: Phase,
    /// IANA zone of the place (Europe/Paris, Indian/Reunion…).
    pub timezone: String,
    /// Whether a full group puts newcomers on a waiting list (otherwise it refuses them).
    pub waitlist: bool,
    pub created_at: i64,
    pub updated_at: i64,
}

impl Cycle {
    pub fn tz(&self) -> chrono_tz::Tz {
        self.timezone.parse().unwrap_or(crate::fr::DEFAULT_TZ)
    }
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct CycleModule {
    pub id: i64,
    pub module_id: i64,
    /// The catalogue version the cycle uses (it does not change when the catalogue does).
    pub module_version_id: i64,
    /// The number of that version in the catalogue.
    pub version: i64,
    pub kind: ModuleKind,
    pub title: String,
    pub position: i64,
    pub intervenant_id: Option<i64>,
    pub content: ModuleContent,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Participant {
    pub id: i64,
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    pub phone: String,
    /// Métier.
    pub job: String,
    pub service: String,
    /// The structure the person works for.
    pub structure: String,
    /// That structure among the cycle's clients, when it is one (its contact sees this person's
    /// attendance and certificates, and nobody else's).
    pub client_id: Option<i64>,
    pub membership: Membership,
    /// Member of the comité de pilotage.
    pub committee: bool,
    #[serde(skip)]
    pub calendar_token: String,
    pub created_at: i64,
}

impl Participant {
    pub fn full_name(&self) -> String {
        format!("{} {}", self.first_name, self.last_name)
    }
}

pub(crate) const CYCLE_SELECT: &str = "SELECT c.id, c.client_id, cl.name AS client_name, c.quote_id, c.title, c.territory, c.status, c.timezone, \
    c.waitlist, c.created_at, c.updated_at FROM cycles c JOIN clients cl ON cl.id = c.client_id";

pub(crate) fn cycle_from_row(r: &sqlx::any::AnyRow) -> Result<Cycle, AppError> {
    let status: String = r.try_get("status")?;
    Ok(Cycle {
        id: r.try_get("id")?,
        client_id: r.try_get("client_id")?,
        client_name: r.try_get("client_name")?,
        quote_id: r.try_get("quote_id")?,
        title: r.try_get("title")?,
        territory: r.try_get("territory")?,
        status: Phase::parse(&status).unwrap_or(Phase::Preparation),
        timezone: r.try_get("timezone")?,
        waitlist: get_bool(r, "waitlist")?,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
    })
}

pub const SORT: SortSpec = SortSpec {
    columns: &[("title", "c.search", "Cycle"), ("status", "c.status", "Temps"), ("created", "c.created_at", "Créé le")],
    default: "created",
};

/// Creates a cycle for a client with modules given by their catalogue versions.
#[allow(clippy::too_many_arguments)]
pub async fn create(
    db: &Db,
    org_id: i64,
    client_id: i64,
    title: &str,
    territory: &str,
    timezone: &str,
    quote_id: Option<i64>,
    versions: &[i64],
) -> Result<Cycle, AppError> {
    let client = crate::client::store::get(db, org_id, client_id)
        .await
        .map_err(|_| AppError::invalid("client_id", "Ce client n'existe pas dans votre organisation."))?;
    let mut mods = Vec::new();
    for v in versions {
        let mv = crate::catalogue::store::version_by_id(db, org_id, *v)
            .await
            .map_err(|_| AppError::invalid("modules", "Un des modules n'existe pas dans votre catalogue."))?;
        let kind: String = sqlx::query_scalar("SELECT kind FROM modules WHERE id = $1 AND org_id = $2")
            .bind(mv.module_id)
            .bind(org_id)
            .fetch_one(&db.pool)
            .await?;
        mods.push((mv, kind));
    }
    let t = now();
    let mut tx = db.pool.begin().await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO cycles (org_id, client_id, quote_id, title, territory, status, timezone, waitlist, calendar_token, search, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, 'preparation', $6, TRUE, $7, $8, $9, $9) RETURNING id",
    )
    .bind(org_id)
    .bind(client_id)
    .bind(quote_id)
    .bind(title)
    .bind(territory)
    .bind(timezone)
    .bind(crate::auth::random_token())
    .bind(search_key(&format!("{title} {} {territory}", client.name)))
    .bind(t)
    .fetch_one(&mut *tx)
    .await?;
    sqlx::query("INSERT INTO cycle_structures (cycle_id, client_id) VALUES ($1, $2)")
        .bind(id)
        .bind(client_id)
        .execute(&mut *tx)
        .await?;
    for (i, (mv, kind)) in mods.iter().enumerate() {
        sqlx::query("INSERT INTO cycle_modules (cycle_id, org_id, module_id, module_version_id, kind, title, position) VALUES ($1, $2, $3, $4, $5, $6, $7)")
            .bind(id)
            .bind(org_id)
            .bind(mv.module_id)
            .bind(mv.id)
            .bind(kind)
            .bind(&mv.content.title)
            .bind(i as i64 + 1)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    get(db, org_id, id).await
}

pub async fn get(db: &Db, org_id: i64, id: i64) -> Result<Cycle, AppError> {
    let row = sqlx::query(&format!("{CYCLE_SELECT} WHERE c.id = $1 AND c.org_id = $2"))
        .bind(id)
        .bind(org_id)
        .fetch_optional(&db.pool)
        .await?
        .ok_or(AppError::NotFound)?;
    cycle_from_row(&row)
}

/// The cycles of a client structure: those it ordered and those of the mixed groups it joins.
pub async fn of_client(db: &Db, org_id: i64, client_id: i64) -> Result<Vec<Cycle>, AppError> {
    let rows = sqlx::query(&format!(
        "{CYCLE_SELECT} WHERE c.org_id = $1 AND (c.client_id = $2 OR c.id IN (SELECT cycle_id FROM cycle_structures WHERE client_id = $2)) \
         ORDER BY c.created_at DESC, c.id DESC"
    ))
    .bind(org_id)
    .bind(client_id)
    .fetch_all(&db.pool)
    .await?;
    rows.iter().map(cycle_from_row).collect()
}

/// A page of the organisation's cycles; with `taught_by`, only those that intervenant teaches.
pub async fn list(db: &Db, org_id: i64, l: &Listing, taught_by: Option<i64>) -> Result<(Vec<Cycle>, i64), AppError> {
    let mine = |n: &str| match taught_by {
        Some(_) => format!(
            " AND (c.id IN (SELECT cycle_id FROM training_sessions WHERE intervenant_id = {n}) \
             OR c.id IN (SELECT cycle_id FROM cycle_modules WHERE intervenant_id = {n}) \
             OR c.id IN (SELECT cycle_id FROM amo_entries WHERE intervenant_id = {n}))"
        ),
        None => String::new(),
    };
    let filter = format!("WHERE c.org_id = $1 AND {}", db.contains("c.search", "$2"));
    let order = l.order_by().replace(", id ", ", c.id ");
    let rows_sql = format!("{CYCLE_SELECT} {filter}{} {order} LIMIT $3 OFFSET $4", mine("$5"));
    let mut rows = sqlx::query(&rows_sql).bind(org_id).bind(search_key(&l.q)).bind(l.per_page).bind(l.offset());
    if let Some(i) = taught_by {
        rows = rows.bind(i);
    }
    let rows = rows.fetch_all(&db.pool).await?;
    let count_sql = format!("SELECT COUNT(*) FROM cycles c {filter}{}", mine("$3"));
    let mut total = sqlx::query_scalar(&count_sql).bind(org_id).bind(search_key(&l.q));
    if let Some(i) = taught_by {
        total = total.bind(i);
    }
    let total: i64 = total.fetch_one(&db.pool).await?;
    Ok((rows.iter().map(cycle_from_row).collect::<Result<_, _>>()?, total))
}

pub async fn set_status(db: &Db, org_id: i64, id: i64, from: Phase, to: Phase) -> Result<(), AppError> {
    let r = sqlx::query("UPDATE cycles SET status = $1, updated_at = $2 WHERE id = $3 AND org_id = $4 AND status = $5")
        .bind(to.as_str())
        .bind(now())
        .bind(id)
        .bind(org_id)
        .bind(from.as_str())
        .execute(&db.pool)
        .await?;
    if r.rows_affected() == 1 {
        Ok(())
    } else {
        Err(AppError::Conflict("Le cycle vient de changer de temps : rechargez la page.".into()))
    }
}

pub async fn update(
    db: &Db,
    org_id: i64,
    id: i64,
    title: &str,
    territory: &str,
    timezone: &str,
    waitlist: bool,
) -> Result<Cycle, AppError> {
    let c = get(db, org_id, id).await?;
    sqlx::query("UPDATE cycles SET title = $1, territory = $2, timezone = $3, waitlist = $4, search = $5, updated_at = $6 WHERE id = $7 AND org_id = $8")
        .bind(title)
        .bind(territory)
        .bind(timezone)
        .bind(waitlist)
        .bind(search_key(&format!("{title} {} {territory}", c.client_name)))
        .bind(now())
        .bind(id)
        .bind(org_id)
        .execute(&db.pool)
        .await?;
    get(db, org_id, id).await
}

/// The structures of a territory cycle beyond the main client.
pub async fn structures(db: &Db, org_id: i64, cycle_id: i64) -> Result<Vec<(i64, String)>, AppError> {
    Ok(sqlx::query_as("SELECT cl.id, cl.name FROM cycle_structures s JOIN clients cl ON cl.id = s.client_id JOIN cycles c ON c.id = s.cycle_id WHERE s.cycle_id = $1 AND c.org_id = $2 ORDER BY cl.name")
        .bind(cycle_id)
        .bind(org_id)
        .fetch_all(&db.pool)
        .await?)
}

pub async fn add_structure(db: &Db, org_id: i64, cycle_id: i64, client_id: i64) -> Result<(), AppError> {
    get(db, org_id, cycle_id).await?;
    crate::client::store::get(db, org_id, client_id)
        .await
        .map_err(|_| AppError::invalid("client_id", "Cette structure n'existe pas dans votre organisation."))?;
    sqlx::query("INSERT INTO cycle_structures (cycle_id, client_id) VALUES ($1, $2) ON CONFLICT DO NOTHING")
        .bind(cycle_id)
        .bind(client_id)
        .execute(&db.pool)
        .await?;
    Ok(())
}

/// Ties participants to a client structure of the cycle.
pub async fn set_participants_client(
    db: &Db,
    org_id: i64,
    cycle_id: i64,
    ids: &[i64],
    client_id: i64,
) -> Result<(), AppError> {
    for id in ids {
        sqlx::query("UPDATE participants SET client_id = $1 WHERE id = $2 AND cycle_id = $3 AND org_id = $4")
            .bind(client_id)
            .bind(id)
            .bind(cycle_id)
            .bind(org_id)
            .execute(&db.pool)
            .await?;
    }
    Ok(())
}

// --- modules ----------------------------------------------------------------------------------------

pub async fn modules(db: &Db, org_id: i64, cycle_id: i64) -> Result<Vec<CycleModule>, AppError> {
    let rows = sqlx::query(
        "SELECT m.id, m.module_id, m.module_version_id, v.version, m.kind, m.title, m.position, m.intervenant_id, v.content FROM cycle_modules m \
         JOIN module_versions v ON v.id = m.module_version_id WHERE m.cycle_id = $1 AND m.org_id = $2 ORDER BY m.position, m.id",
    )
    .bind(cycle_id)
    .bind(org_id)
    .fetch_all(&db.pool)
    .await?;
    rows.iter()
        .map(|r| {
            let kind: String = r.try_get("kind")?;
            Ok(CycleModule {
                id: r.try_get("id")?,
                module_id: r.try_get("module_id")?,
                module_version_id: r.try_get("module_version_id")?,
                version: r.try_get("version")?,
                kind: ModuleKind::parse(&kind).unwrap_or(ModuleKind::CultureTraining),
                title: r.try_get("title")?,
                position: r.try_get("position")?,
                intervenant_id: r.try_get("intervenant_id")?,
                content: serde_json::from_str(&r.try_get::<String, _>("content")?)
                    .map_err(|e| AppError::Internal(e.into()))?,
            })
        })
        .collect()
}

pub async fn module(db: &Db, org_id: i64, cycle_id: i64, id: i64) -> Result<CycleModule, AppError> {
    modules(db, org_id, cycle_id).await?.into_iter().find(|m| m.id == id).ok_or(AppError::NotFound)
}

/// Adds a catalogue module (its current version) to a cycle.
pub async fn add_module(db: &Db, org_id: i64, cycle_id: i64, module_id: i64) -> Result<(), AppError> {
    get(db, org_id, cycle_id).await?;
    let m = crate::catalogue::store::get(db, org_id, module_id)
        .await
        .map_err(|_| AppError::invalid("module_id", "Ce module n'existe pas dans votre catalogue."))?;
    let v = crate::catalogue::store::version(db, org_id, module_id, m.version).await?;
    let pos: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(position), 0) + 1 FROM cycle_modules WHERE cycle_id = $1")
        .bind(cycle_id)
        .fetch_one(&db.pool)
        .await?;
    sqlx::query("INSERT INTO cycle_modules (cycle_id, org_id, module_id, module_version_id, kind, title, position) VALUES ($1, $2, $3, $4, $5, $6, $7)")
        .bind(cycle_id)
        .bind(org_id)
        .bind(module_id)
        .bind(v.id)
        .bind(m.kind.as_str())
        .bind(&v.content.title)
        .bind(pos)
        .execute(&db.pool)
        .await?;
    Ok(())
}

// --- participants -------------------------------------------------------------------------------------

const PARTICIPANT_COLUMNS: &str = "id, first_name, last_name, email, phone, job, service, structure, client_id, status, committee, calendar_token, created_at";

fn participant_from_row(r: &sqlx::any::AnyRow) -> Result<Participant, AppError> {
    let status: String = r.try_get("status")?;
    Ok(Participant {
        id: r.try_get("id")?,
        first_name: r.try_get("first_name")?,
        last_name: r.try_get("last_name")?,
        email: r.try_get("email")?,
        phone: r.try_get("phone")?,
        job: r.try_get("job")?,
        service: r.try_get("service")?,
        structure: r.try_get("structure")?,
        client_id: r.try_get("client_id")?,
        membership: Membership::parse(&status).unwrap_or(Membership::Other),
        committee: get_bool(r, "committee")?,
        calendar_token: r.try_get("calendar_token")?,
        created_at: r.try_get("created_at")?,
    })
}

/// The row holds the nonce of the person's link; the link itself is made from it (see
/// [`crate::links`]).
async fn with_link(db: &Db, mut p: Participant) -> Result<Participant, AppError> {
    p.calendar_token = crate::links::token(db, crate::links::Kind::Participant, &p.calendar_token).await?;
    Ok(p)
}

pub async fn participants(db: &Db, org_id: i64, cycle_id: i64) -> Result<Vec<Participant>, AppError> {
    let rows = sqlx::query(&format!("SELECT {PARTICIPANT_COLUMNS} FROM participants WHERE cycle_id = $1 AND org_id = $2 ORDER BY status, last_name, first_name, id"))
        .bind(cycle_id)
        .bind(org_id)
        .fetch_all(&db.pool)
        .await?;
    let key = crate::links::key(db).await?;
    rows.iter()
        .map(|r| {
            let mut p = participant_from_row(r)?;
            p.calendar_token = crate::links::derive(&key, crate::links::Kind::Participant, &p.calendar_token);
            Ok(p)
        })
        .collect()
}

pub async fn participant(db: &Db, org_id: i64, cycle_id: i64, id: i64) -> Result<Participant, AppError> {
    let row = sqlx::query(&format!(
        "SELECT {PARTICIPANT_COLUMNS} FROM participants WHERE id = $1 AND cycle_id = $2 AND org_id = $3"
    ))
    .bind(id)
    .bind(cycle_id)
    .bind(org_id)
    .fetch_optional(&db.pool)
    .await?
    .ok_or(AppError::NotFound)?;
    with_link(db, participant_from_row(&row)?).await
}

/// A participant and their cycle, by the secret token of their page and calendar.
pub async fn participant_by_token(db: &Db, token: &str) -> Result<(i64, i64, Participant), AppError> {
    let row = sqlx::query(&format!(
        "SELECT org_id, cycle_id, {PARTICIPANT_COLUMNS} FROM participants WHERE calendar_token_hash = $1"
    ))
    .bind(crate::links::hash(token))
    .fetch_optional(&db.pool)
    .await?
    .ok_or(AppError::NotFound)?;
    let mut p = participant_from_row(&row)?;
    p.calendar_token = token.to_string();
    Ok((row.try_get("org_id")?, row.try_get("cycle_id")?, p))
}

/// The fields of a new participant, already checked.
pub struct NewParticipant<'a> {
    pub first_name: &'a str,
    pub last_name: &'a str,
    pub email: &'a str,
    pub phone: &'a str,
    pub job: &'a str,
    pub service: &'a str,
    pub structure: &'a str,
    pub client_id: Option<i64>,
    pub committee: bool,
}

/// Adds a person with the given membership; a second person with the same e-mail is refused.
pub async fn add_participant(
    db: &Db,
    org_id: i64,
    cycle_id: i64,
    p: &NewParticipant<'_>,
    membership: Membership,
) -> Result<Participant, AppError> {
    let (nonce, link_hash) = crate::links::fresh(db, crate::links::Kind::Participant).await?;
    let res = sqlx::query_scalar::<_, i64>(
        "INSERT INTO participants (cycle_id, org_id, first_name, last_name, email, phone, job, service, structure, status, committee, calendar_token, created_at, client_id, calendar_token_hash) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) RETURNING id",
    )
    .bind(cycle_id)
    .bind(org_id)
    .bind(p.first_name)
    .bind(p.last_name)
    .bind(p.email)
    .bind(p.phone)
    .bind(p.job)
    .bind(p.service)
    .bind(p.structure)
    .bind(membership.as_str())
    .bind(p.committee)
    .bind(&nonce)
    .bind(now())
    .bind(p.client_id)
    .bind(&link_hash)
    .fetch_one(&db.pool)
    .await;
    match res {
        Ok(id) => participant(db, org_id, cycle_id, id).await,
        Err(e)
            if is_unique_violation(&e, "participants", "email")
                || e.as_database_error().is_some_and(|d| {
                    d.message().contains("participants.cycle_id, participants.email")
                        || d.constraint() == Some("participants_cycle_email_key")
                }) =>
        {
            Err(AppError::invalid("email", "Cette personne est déjà inscrite à ce cycle (même adresse e-mail)."))
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn count_group(db: &Db, cycle_id: i64) -> Result<i64, AppError> {
    Ok(sqlx::query_scalar("SELECT COUNT(*) FROM participants WHERE cycle_id = $1 AND status = 'group'")
        .bind(cycle_id)
        .fetch_one(&db.pool)
        .await?)
}

pub async fn set_membership(db: &Db, org_id: i64, cycle_id: i64, id: i64, m: Membership) -> Result<(), AppError> {
    let r = sqlx::query("UPDATE participants SET status = $1 WHERE id = $2 AND cycle_id = $3 AND org_id = $4")
        .bind(m.as_str())
        .bind(id)
        .bind(cycle_id)
        .bind(org_id)
        .execute(&db.pool)
        .await?;
    if r.rows_affected() == 1 { Ok(()) } else { Err(AppError::NotFound) }
}

pub async fn set_committee(db: &Db, org_id: i64, cycle_id: i64, id: i64, on: bool) -> Result<(), AppError> {
    let r = sqlx::query("UPDATE participants SET committee = $1 WHERE id = $2 AND cycle_id = $3 AND org_id = $4")
        .bind(on)
        .bind(id)
        .bind(cycle_id)
        .bind(org_id)
        .execute(&db.pool)
        .await?;
    if r.rows_affected() == 1 { Ok(()) } else { Err(AppError::NotFound) }
}

pub async fn delete_participant(db: &Db, org_id: i64, cycle_id: i64, id: i64) -> Result<(), AppError> {
    let r = sqlx::query("DELETE FROM participants WHERE id = $1 AND cycle_id = $2 AND org_id = $3")
        .bind(id)
        .bind(cycle_id)
        .bind(org_id)
        .execute(&db.pool)
        .await?;
    if r.rows_affected() == 1 { Ok(()) } else { Err(AppError::NotFound) }
}

// --- sessions -----------------------------------------------------------------------------------------

// --- conference registrations ---------------------------------------------------------------------

// --- calendars -------------------------------------------------------------------------------------
