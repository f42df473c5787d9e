//! The SQL of a cycle's sessions: planning, updates, cancellation, conflicts, the facts of phases.

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::Row;

use super::{Cycle, count_group, modules};
use crate::catalogue::ModuleKind;
use crate::cycle::planning::Conflict;
use crate::cycle::{Facts, Phase};
use crate::db::{Db, now};
use crate::error::AppError;

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

pub const SESSION_SELECT: &str = "SELECT s.id, s.cycle_id, s.cycle_module_id, m.kind AS module_kind, m.title AS module_title, s.position, s.title, \
    s.description, s.start_at, s.end_at, s.minutes, s.room_id, r.name AS room_name, s.intervenant_id, \
    i.first_name AS i_first, i.last_name AS i_last, s.capacity, s.registration_token, s.cancelled_at, s.cancel_reason, \
    (SELECT COUNT(*) FROM registrations g WHERE g.session_id = s.id AND g.waiting = FALSE) AS registered \
    FROM training_sessions s JOIN cycle_modules m ON m.id = s.cycle_module_id \
    LEFT JOIN rooms r ON r.id = s.room_id LEFT JOIN intervenants i ON i.id = s.intervenant_id";

pub fn session_from_row(r: &sqlx::any::AnyRow) -> Result<TrainingSession, AppError> {
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
            out.push(Conflict::refuse("intervenant", format!("L'intervenant·e anime déjà « {t} » ({c}) le {} : une personne ne peut être à deux endroits à la fois.", crate::fr::date_time(s, tz))));
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
                format!("La salle accueille déjà « {t} » ({c}) le {}.", crate::fr::date_time(s, tz)),
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
                format!("{f} {l} suit déjà une séance du cycle « {c} » le {}.", crate::fr::date_time(s, tz)),
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
                format!("Cette séance précède la fin du temps précédent du cycle ({}) : le cycle suit l'ordre de ses trois temps.", crate::fr::date_time(l, tz)),
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
