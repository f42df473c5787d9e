//! The SQL of conference registrations and volunteers, calendar tokens, and who teaches what.

use serde::Serialize;
use sqlx::Row;

use super::{CYCLE_SELECT, Cycle, TrainingSession, cycle_from_row};
use crate::db::{Db, get_bool, now};
use crate::error::AppError;

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
