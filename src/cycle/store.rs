//! All SQL of cycles: the cycle and its structures, its modules, the groupe mixte, the sessions
//! and their conflicts, conference registrations, calendar tokens.

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::Row;

use crate::catalogue::{ModuleContent, ModuleKind};
use crate::cycle::planning::Conflict;
use crate::cycle::{Facts, Membership, Phase};
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
        self.timezone.parse().unwrap_or(chrono_tz::Europe::Paris)
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

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct TrainingSession {
    pub id: i64,
    pub cycle_id: i64,
    pub cycle_module_id: i64,
    pub module_kind: ModuleKind,
    pub module_title: String,
    pub position: i64,
    pub title: String,
    pub description: String,
    /// Unix seconds (UTC).
    pub start_at: i64,
    pub end_at: i64,
    /// Minutes of training (without the lunch break).
    pub minutes: i64,
    pub room_id: Option<i64>,
    pub room_name: Option<String>,
    pub intervenant_id: Option<i64>,
    pub intervenant_name: Option<String>,
    /// Seats of a conference (public registration).
    pub capacity: Option<i64>,
    #[serde(skip)]
    pub registration_token: Option<String>,
    pub registered: i64,
    /// When the session was cancelled: it stays, struck out, out of the hours and the calendars.
    pub cancelled_at: Option<i64>,
    pub cancel_reason: String,
}

impl TrainingSession {
    pub fn is_cancelled(&self) -> bool {
        self.cancelled_at.is_some()
    }
    pub fn start(&self) -> DateTime<Utc> {
        DateTime::from_timestamp(self.start_at, 0).unwrap_or_default()
    }
    pub fn end(&self) -> DateTime<Utc> {
        DateTime::from_timestamp(self.end_at, 0).unwrap_or_default()
    }
}

const CYCLE_SELECT: &str = "SELECT c.id, c.client_id, cl.name AS client_name, c.quote_id, c.title, c.territory, c.status, c.timezone, \
    c.waitlist, c.created_at, c.updated_at FROM cycles c JOIN clients cl ON cl.id = c.client_id";

fn cycle_from_row(r: &sqlx::any::AnyRow) -> Result<Cycle, AppError> {
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

const SESSION_SELECT: &str = "SELECT s.id, s.cycle_id, s.cycle_module_id, m.kind AS module_kind, m.title AS module_title, s.position, s.title, \
    s.description, s.start_at, s.end_at, s.minutes, s.room_id, r.name AS room_name, s.intervenant_id, \
    i.first_name AS i_first, i.last_name AS i_last, s.capacity, s.registration_token, s.cancelled_at, s.cancel_reason, \
    (SELECT COUNT(*) FROM registrations g WHERE g.session_id = s.id AND g.waiting = FALSE) AS registered \
    FROM training_sessions s JOIN cycle_modules m ON m.id = s.cycle_module_id \
    LEFT JOIN rooms r ON r.id = s.room_id LEFT JOIN intervenants i ON i.id = s.intervenant_id";

fn session_from_row(r: &sqlx::any::AnyRow) -> Result<TrainingSession, AppError> {
    let kind: String = r.try_get("module_kind")?;
    let first: Option<String> = r.try_get("i_first")?;
    let last: Option<String> = r.try_get("i_last")?;
    Ok(TrainingSession {
        id: r.try_get("id")?,
        cycle_id: r.try_get("cycle_id")?,
        cycle_module_id: r.try_get("cycle_module_id")?,
        module_kind: ModuleKind::parse(&kind).unwrap_or(ModuleKind::CultureTraining),
        module_title: r.try_get("module_title")?,
        position: r.try_get("position")?,
        title: r.try_get("title")?,
        description: r.try_get("description")?,
        start_at: r.try_get("start_at")?,
        end_at: r.try_get("end_at")?,
        minutes: r.try_get("minutes")?,
        room_id: r.try_get("room_id")?,
        room_name: r.try_get("room_name")?,
        intervenant_id: r.try_get("intervenant_id")?,
        intervenant_name: first.zip(last).map(|(f, l)| format!("{f} {l}")),
        capacity: r.try_get("capacity")?,
        registration_token: r.try_get("registration_token")?,
        registered: r.try_get("registered")?,
        cancelled_at: r.try_get("cancelled_at")?,
        cancel_reason: r.try_get("cancel_reason")?,
    })
}

pub async fn sessions(db: &Db, org_id: i64, cycle_id: i64) -> Result<Vec<TrainingSession>, AppError> {
    let rows =
        sqlx::query(&format!("{SESSION_SELECT} WHERE s.cycle_id = $1 AND s.org_id = $2 ORDER BY s.start_at, s.id"))
            .bind(cycle_id)
            .bind(org_id)
            .fetch_all(&db.pool)
            .await?;
    rows.iter().map(session_from_row).collect()
}

pub async fn session(db: &Db, org_id: i64, id: i64) -> Result<TrainingSession, AppError> {
    let row = sqlx::query(&format!("{SESSION_SELECT} WHERE s.id = $1 AND s.org_id = $2"))
        .bind(id)
        .bind(org_id)
        .fetch_optional(&db.pool)
        .await?
        .ok_or(AppError::NotFound)?;
    session_from_row(&row)
}

/// An intervenant's sessions from `from` on (their agenda and calendar).
pub async fn sessions_of_intervenant(
    db: &Db,
    org_id: i64,
    intervenant_id: i64,
    from: i64,
) -> Result<Vec<TrainingSession>, AppError> {
    let rows = sqlx::query(&format!(
        "{SESSION_SELECT} WHERE s.org_id = $1 AND s.intervenant_id = $2 AND s.end_at >= $3 ORDER BY s.start_at, s.id"
    ))
    .bind(org_id)
    .bind(intervenant_id)
    .bind(from)
    .fetch_all(&db.pool)
    .await?;
    rows.iter().map(session_from_row).collect()
}

/// A conference session by its public registration token.
pub async fn session_by_registration(db: &Db, token: &str) -> Result<(i64, TrainingSession), AppError> {
    let row = sqlx::query(&format!("{SESSION_SELECT} WHERE s.registration_token = $1"))
        .bind(token)
        .fetch_optional(&db.pool)
        .await?
        .ok_or(AppError::NotFound)?;
    let s = session_from_row(&row)?;
    let org: i64 =
        sqlx::query_scalar("SELECT org_id FROM training_sessions WHERE id = $1").bind(s.id).fetch_one(&db.pool).await?;
    Ok((org, s))
}

/// A session to save.
pub struct SessionData<'a> {
    pub position: i64,
    pub title: &'a str,
    pub description: &'a str,
    pub start_at: i64,
    pub end_at: i64,
    pub minutes: i64,
    pub room_id: Option<i64>,
    pub intervenant_id: Option<i64>,
    pub capacity: Option<i64>,
}

pub async fn insert_session(
    tx: &mut sqlx::AnyConnection,
    org_id: i64,
    cycle_id: i64,
    module_id: i64,
    kind: ModuleKind,
    s: &SessionData<'_>,
) -> Result<i64, AppError> {
    let token = (kind == ModuleKind::Conference).then(crate::auth::random_token);
    let t = now();
    Ok(sqlx::query_scalar(
        "INSERT INTO training_sessions (org_id, cycle_id, cycle_module_id, position, title, description, start_at, end_at, minutes, room_id, \
         intervenant_id, capacity, registration_token, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $14) RETURNING id",
    )
    .bind(org_id)
    .bind(cycle_id)
    .bind(module_id)
    .bind(s.position)
    .bind(s.title)
    .bind(s.description)
    .bind(s.start_at)
    .bind(s.end_at)
    .bind(s.minutes)
    .bind(s.room_id)
    .bind(s.intervenant_id)
    .bind(s.capacity)
    .bind(token)
    .bind(t)
    .fetch_one(&mut *tx)
    .await?)
}

pub async fn update_session(db: &Db, org_id: i64, id: i64, s: &SessionData<'_>) -> Result<(), AppError> {
    let r = sqlx::query(
        "UPDATE training_sessions SET title = $1, description = $2, start_at = $3, end_at = $4, minutes = $5, room_id = $6, intervenant_id = $7, \
         capacity = $8, updated_at = $9 WHERE id = $10 AND org_id = $11",
    )
    .bind(s.title)
    .bind(s.description)
    .bind(s.start_at)
    .bind(s.end_at)
    .bind(s.minutes)
    .bind(s.room_id)
    .bind(s.intervenant_id)
    .bind(s.capacity)
    .bind(now())
    .bind(id)
    .bind(org_id)
    .execute(&db.pool)
    .await?;
    if r.rows_affected() == 1 { Ok(()) } else { Err(AppError::NotFound) }
}

/// Whether a session holds legal records: a sheet opened or closed, or a mark.
pub async fn session_has_records(db: &Db, org_id: i64, id: i64) -> Result<bool, AppError> {
    let n: i64 = sqlx::query_scalar(
        "SELECT (SELECT COUNT(*) FROM half_days WHERE session_id = $1 AND org_id = $2 AND status <> 'planned') \
         + (SELECT COUNT(*) FROM attendance a JOIN half_days h ON h.id = a.half_day_id WHERE h.session_id = $1 AND h.org_id = $2)",
    )
    .bind(id)
    .bind(org_id)
    .fetch_one(&db.pool)
    .await?;
    Ok(n > 0)
}

/// Whether a session's sheet was closed (the session took place).
pub async fn session_has_locked_sheet(db: &Db, org_id: i64, id: i64) -> Result<bool, AppError> {
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM half_days WHERE session_id = $1 AND org_id = $2 AND status = 'locked'",
    )
    .bind(id)
    .bind(org_id)
    .fetch_one(&db.pool)
    .await?;
    Ok(n > 0)
}

/// Cancels a session: it stays, struck out, out of the hours.
pub async fn cancel_session(db: &Db, org_id: i64, id: i64, at: i64, reason: &str) -> Result<(), AppError> {
    let r = sqlx::query(
        "UPDATE training_sessions SET cancelled_at = $1, cancel_reason = $2, registration_token = NULL, updated_at = $1 \
         WHERE id = $3 AND org_id = $4 AND cancelled_at IS NULL",
    )
    .bind(at)
    .bind(reason)
    .bind(id)
    .bind(org_id)
    .execute(&db.pool)
    .await?;
    if r.rows_affected() == 1 { Ok(()) } else { Err(AppError::Conflict("Cette séance est déjà annulée.".into())) }
}

/// Whether a participant appears on a legal record: a mark on a sheet, or a certificate.
pub async fn participant_has_records(db: &Db, org_id: i64, id: i64) -> Result<bool, AppError> {
    let n: i64 = sqlx::query_scalar(
        "SELECT (SELECT COUNT(*) FROM attendance WHERE participant_id = $1 AND org_id = $2) \
         + (SELECT COUNT(*) FROM certificates WHERE participant_id = $1 AND org_id = $2)",
    )
    .bind(id)
    .bind(org_id)
    .fetch_one(&db.pool)
    .await?;
    Ok(n > 0)
}

/// Deletes a session that holds no legal record (see [`session_has_records`]).
pub async fn delete_session(db: &Db, org_id: i64, id: i64) -> Result<(), AppError> {
    let r = sqlx::query("DELETE FROM training_sessions WHERE id = $1 AND org_id = $2")
        .bind(id)
        .bind(org_id)
        .execute(&db.pool)
        .await?;
    if r.rows_affected() == 1 { Ok(()) } else { Err(AppError::NotFound) }
}

/// The longest a session may last: overlap look-ups only read the index from `start − MAX` on.
pub const MAX_SESSION_SECONDS: i64 = 16 * 3600;

fn fmt_when(ts: i64, tz: chrono_tz::Tz) -> String {
    let t = DateTime::from_timestamp(ts, 0).unwrap_or_default().with_timezone(&tz);
    format!("{} à {}", crate::documents::date_long(t.date_naive()), t.format("%H:%M"))
}

/// The conflicts of a session placed from `start` to `end` (excluding the session `exclude` when it
/// is being moved). Every look-up is an index range scan: by intervenant, by room, by cycle.
#[allow(clippy::too_many_arguments)]
pub async fn conflicts(
    db: &Db,
    org_id: i64,
    cycle: &Cycle,
    kind: ModuleKind,
    start: i64,
    end: i64,
    intervenant: Option<i64>,
    room: Option<i64>,
    exclude: i64,
) -> Result<Vec<Conflict>, AppError> {
    let tz = cycle.tz();
    let mut out = crate::cycle::planning::local_checks(
        DateTime::from_timestamp(start, 0).unwrap_or_default(),
        DateTime::from_timestamp(end, 0).unwrap_or_default(),
        tz,
    );
    if cycle.status == Phase::Closed {
        out.push(Conflict::refuse("phase", "Le cycle est clos : ses séances ne changent plus."));
    }
    let lower = start - MAX_SESSION_SECONDS;
    if let Some(i) = intervenant {
        let rows: Vec<(String, i64, String)> = sqlx::query_as(
            "SELECT s.title, s.start_at, c.title FROM training_sessions s JOIN cycles c ON c.id = s.cycle_id \
             WHERE s.intervenant_id = $1 AND s.start_at > $2 AND s.start_at < $3 AND s.end_at > $4 AND s.id <> $5 AND s.org_id = $6 AND s.cancelled_at IS NULL LIMIT 3",
        )
        .bind(i)
        .bind(lower)
        .bind(end)
        .bind(start)
        .bind(exclude)
        .bind(org_id)
        .fetch_all(&db.pool)
        .await?;
        for (t, s, c) in rows {
            out.push(Conflict::refuse("intervenant", format!("L'intervenant·e anime déjà « {t} » ({c}) le {} : une personne ne peut être à deux endroits à la fois.", fmt_when(s, tz))));
        }
    }
    if let Some(r) = room {
        let rows: Vec<(String, i64, String)> = sqlx::query_as(
            "SELECT s.title, s.start_at, c.title FROM training_sessions s JOIN cycles c ON c.id = s.cycle_id \
             WHERE s.room_id = $1 AND s.start_at > $2 AND s.start_at < $3 AND s.end_at > $4 AND s.id <> $5 AND s.org_id = $6 AND s.cancelled_at IS NULL LIMIT 3",
        )
        .bind(r)
        .bind(lower)
        .bind(end)
        .bind(start)
        .bind(exclude)
        .bind(org_id)
        .fetch_all(&db.pool)
        .await?;
        for (t, s, c) in rows {
            out.push(Conflict::refuse(
                "room",
                format!("La salle accueille déjà « {t} » ({c}) le {}.", fmt_when(s, tz)),
            ));
        }
    }
    if matches!(kind, ModuleKind::CultureTraining | ModuleKind::UsageTraining) {
        // The same people (by e-mail) in the group of another cycle, at a group session then.
        let rows: Vec<(String, String, String, i64)> = sqlx::query_as(
            "SELECT p.first_name, p.last_name, c2.title, s.start_at FROM participants p \
             JOIN participants p2 ON p2.org_id = p.org_id AND p2.email = p.email AND p2.cycle_id <> p.cycle_id AND p2.status = 'group' \
             JOIN training_sessions s ON s.cycle_id = p2.cycle_id JOIN cycle_modules m ON m.id = s.cycle_module_id \
             JOIN cycles c2 ON c2.id = s.cycle_id \
             WHERE p.cycle_id = $1 AND p.status = 'group' AND p.org_id = $2 AND m.kind IN ('culture_training', 'usage_training') \
             AND s.start_at > $3 AND s.start_at < $4 AND s.end_at > $5 AND s.cancelled_at IS NULL LIMIT 3",
        )
        .bind(cycle.id)
        .bind(org_id)
        .bind(lower)
        .bind(end)
        .bind(start)
        .fetch_all(&db.pool)
        .await?;
        for (f, l, c, s) in rows {
            out.push(Conflict::refuse(
                "participant",
                format!("{f} {l} suit déjà une séance du cycle « {c} » le {}.", fmt_when(s, tz)),
            ));
        }
    }
    // The phases follow each other: the usage training after the culture training, the AMO after the usage training.
    let before: &[&str] = match kind {
        ModuleKind::UsageTraining => &["culture_training"],
        ModuleKind::Amo => &["usage_training"],
        _ => &[],
    };
    if !before.is_empty() {
        let last: Option<i64> = sqlx::query_scalar(&format!(
            "SELECT MAX(s.end_at) FROM training_sessions s JOIN cycle_modules m ON m.id = s.cycle_module_id WHERE s.cycle_id = $1 AND s.cancelled_at IS NULL AND m.kind IN ('{}')",
            before.join("','")
        ))
        .bind(cycle.id)
        .fetch_one(&db.pool)
        .await?;
        if let Some(l) = last
            && start < l
        {
            out.push(Conflict::refuse(
                "order",
                format!("Cette séance précède la fin du temps précédent du cycle ({}) : le cycle suit l'ordre de ses trois temps.", fmt_when(l, tz)),
            ));
        }
    }
    Ok(out)
}

/// What the phase transitions look at (cancelled sessions do not count), at `now`.
pub async fn facts(db: &Db, org_id: i64, cycle_id: i64, now: i64) -> Result<Facts, AppError> {
    let group = count_group(db, cycle_id).await?;
    let committee: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM participants WHERE cycle_id = $1 AND committee = TRUE AND org_id = $2",
    )
    .bind(cycle_id)
    .bind(org_id)
    .fetch_one(&db.pool)
    .await?;
    let mods = modules(db, org_id, cycle_id).await?;
    let sess: Vec<TrainingSession> =
        sessions(db, org_id, cycle_id).await?.into_iter().filter(|s| !s.is_cancelled()).collect();
    let count = |k: ModuleKind| sess.iter().filter(|s| s.module_kind == k).count() as i64;
    let last_end = |k: ModuleKind| sess.iter().filter(|s| s.module_kind == k).map(|s| s.end_at).max();
    Ok(Facts {
        group,
        committee,
        has_culture: mods.iter().any(|m| m.kind == ModuleKind::CultureTraining),
        culture_sessions: count(ModuleKind::CultureTraining),
        culture_last_end: last_end(ModuleKind::CultureTraining),
        has_usage: mods.iter().any(|m| m.kind == ModuleKind::UsageTraining),
        usage_sessions: count(ModuleKind::UsageTraining),
        usage_last_end: last_end(ModuleKind::UsageTraining),
        now,
    })
}

// --- conference registrations ---------------------------------------------------------------------

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Registration {
    pub id: i64,
    pub name: String,
    pub email: String,
    pub structure: String,
    pub job: String,
    /// Volunteers for the comité de pilotage.
    pub volunteer: bool,
    pub waiting: bool,
    pub created_at: i64,
}

/// Registers a person to a conference; beyond its capacity, on the waiting list. Returns the
/// registration; a second registration with the same e-mail is refused.
#[allow(clippy::too_many_arguments)]
pub async fn register(
    db: &Db,
    org_id: i64,
    session: &TrainingSession,
    name: &str,
    email: &str,
    structure: &str,
    job: &str,
    volunteer: bool,
) -> Result<Registration, AppError> {
    let mut tx = db.pool.begin().await?;
    let taken: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM registrations WHERE session_id = $1 AND waiting = FALSE")
        .bind(session.id)
        .fetch_one(&mut *tx)
        .await?;
    let waiting = session.capacity.is_some_and(|c| taken >= c);
    let res = sqlx::query_scalar::<_, i64>(
        "INSERT INTO registrations (session_id, org_id, name, email, structure, job, volunteer, waiting, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
    )
    .bind(session.id)
    .bind(org_id)
    .bind(name)
    .bind(email)
    .bind(structure)
    .bind(job)
    .bind(volunteer)
    .bind(waiting)
    .bind(now())
    .fetch_one(&mut *tx)
    .await;
    let id = match res {
        Ok(id) => id,
        Err(e) if e.as_database_error().is_some_and(|d| d.is_unique_violation()) => {
            return Err(AppError::invalid("email", "Cette adresse e-mail est déjà inscrite à cette conférence."));
        }
        Err(e) => return Err(e.into()),
    };
    tx.commit().await?;
    Ok(Registration {
        id,
        name: name.into(),
        email: email.into(),
        structure: structure.into(),
        job: job.into(),
        volunteer,
        waiting,
        created_at: now(),
    })
}

pub async fn registrations(db: &Db, org_id: i64, session_id: i64) -> Result<Vec<Registration>, AppError> {
    let rows = sqlx::query("SELECT id, name, email, structure, job, volunteer, waiting, created_at FROM registrations WHERE session_id = $1 AND org_id = $2 ORDER BY waiting, created_at, id")
        .bind(session_id)
        .bind(org_id)
        .fetch_all(&db.pool)
        .await?;
    rows.iter()
        .map(|r| {
            Ok(Registration {
                id: r.try_get("id")?,
                name: r.try_get("name")?,
                email: r.try_get("email")?,
                structure: r.try_get("structure")?,
                job: r.try_get("job")?,
                volunteer: get_bool(r, "volunteer")?,
                waiting: get_bool(r, "waiting")?,
                created_at: r.try_get("created_at")?,
            })
        })
        .collect()
}

/// The volunteers for the committee across a cycle's conferences.
pub async fn volunteers(db: &Db, org_id: i64, cycle_id: i64) -> Result<Vec<Registration>, AppError> {
    let rows = sqlx::query(
        "SELECT g.id, g.name, g.email, g.structure, g.job, g.volunteer, g.waiting, g.created_at FROM registrations g \
         JOIN training_sessions s ON s.id = g.session_id WHERE s.cycle_id = $1 AND g.org_id = $2 AND g.volunteer = TRUE ORDER BY g.name",
    )
    .bind(cycle_id)
    .bind(org_id)
    .fetch_all(&db.pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Registration {
                id: r.try_get("id")?,
                name: r.try_get("name")?,
                email: r.try_get("email")?,
                structure: r.try_get("structure")?,
                job: r.try_get("job")?,
                volunteer: true,
                waiting: get_bool(r, "waiting")?,
                created_at: r.try_get("created_at")?,
            })
        })
        .collect()
}

// --- calendars -------------------------------------------------------------------------------------

pub async fn cycle_by_calendar(db: &Db, token: &str) -> Result<(i64, Cycle), AppError> {
    let row = sqlx::query(&format!("{CYCLE_SELECT} WHERE c.calendar_token = $1"))
        .bind(token)
        .fetch_optional(&db.pool)
        .await?
        .ok_or(AppError::NotFound)?;
    let c = cycle_from_row(&row)?;
    let org: i64 = sqlx::query_scalar("SELECT org_id FROM cycles WHERE id = $1").bind(c.id).fetch_one(&db.pool).await?;
    Ok((org, c))
}

pub async fn calendar_token_of_cycle(db: &Db, org_id: i64, id: i64) -> Result<String, AppError> {
    sqlx::query_scalar("SELECT calendar_token FROM cycles WHERE id = $1 AND org_id = $2")
        .bind(id)
        .bind(org_id)
        .fetch_optional(&db.pool)
        .await?
        .ok_or(AppError::NotFound)
}

/// The intervenant's calendar token, made on first use.
pub async fn intervenant_calendar_token(db: &Db, org_id: i64, intervenant_id: i64) -> Result<String, AppError> {
    let current: Option<Option<String>> =
        sqlx::query_scalar("SELECT calendar_token FROM intervenants WHERE id = $1 AND org_id = $2")
            .bind(intervenant_id)
            .bind(org_id)
            .fetch_optional(&db.pool)
            .await?;
    match current {
        None => Err(AppError::NotFound),
        Some(Some(t)) => Ok(t),
        Some(None) => {
            let t = crate::auth::random_token();
            sqlx::query(
                "UPDATE intervenants SET calendar_token = $1 WHERE id = $2 AND org_id = $3 AND calendar_token IS NULL",
            )
            .bind(&t)
            .bind(intervenant_id)
            .bind(org_id)
            .execute(&db.pool)
            .await?;
            Ok(sqlx::query_scalar("SELECT calendar_token FROM intervenants WHERE id = $1")
                .bind(intervenant_id)
                .fetch_one(&db.pool)
                .await?)
        }
    }
}

pub async fn intervenant_by_calendar(db: &Db, token: &str) -> Result<(i64, i64), AppError> {
    sqlx::query_as("SELECT org_id, id FROM intervenants WHERE calendar_token = $1")
        .bind(token)
        .fetch_optional(&db.pool)
        .await?
        .ok_or(AppError::NotFound)
}

/// The intervenant record linked to a user account.
pub async fn intervenant_of_user(db: &Db, org_id: i64, user_id: i64) -> Result<Option<i64>, AppError> {
    Ok(sqlx::query_scalar("SELECT id FROM intervenants WHERE org_id = $1 AND user_id = $2")
        .bind(org_id)
        .bind(user_id)
        .fetch_optional(&db.pool)
        .await?)
}

/// Whether an intervenant teaches in a cycle: one of its modules or sessions is theirs, or they
/// wrote in its AMO journal.
pub async fn teaches(db: &Db, org_id: i64, cycle_id: i64, intervenant_id: i64) -> Result<bool, AppError> {
    let n: i64 = sqlx::query_scalar(
        "SELECT (SELECT COUNT(*) FROM training_sessions WHERE cycle_id = $1 AND org_id = $2 AND intervenant_id = $3) \
         + (SELECT COUNT(*) FROM cycle_modules WHERE cycle_id = $1 AND org_id = $2 AND intervenant_id = $3) \
         + (SELECT COUNT(*) FROM amo_entries WHERE cycle_id = $1 AND org_id = $2 AND intervenant_id = $3)",
    )
    .bind(cycle_id)
    .bind(org_id)
    .bind(intervenant_id)
    .fetch_one(&db.pool)
    .await?;
    Ok(n > 0)
}

/// The cycles an intervenant teaches (see [`teaches`]).
pub async fn taught_by(db: &Db, org_id: i64, intervenant_id: i64) -> Result<Vec<i64>, AppError> {
    Ok(sqlx::query_scalar(
        "SELECT id FROM cycles WHERE org_id = $1 AND (id IN (SELECT cycle_id FROM training_sessions WHERE intervenant_id = $2) \
         OR id IN (SELECT cycle_id FROM cycle_modules WHERE intervenant_id = $2) \
         OR id IN (SELECT cycle_id FROM amo_entries WHERE intervenant_id = $2))",
    )
    .bind(org_id)
    .bind(intervenant_id)
    .fetch_all(&db.pool)
    .await?)
}
