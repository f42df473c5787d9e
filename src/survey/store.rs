//! Questionnaires, invitations and responses.

use std::collections::BTreeMap;

use serde::Serialize;
use sqlx::Row;

use crate::db::{Db, get_bool, now};
use crate::error::AppError;
use crate::survey::{Answer, Audience, Kind, Question, ResponseData, default_questions};

/// An organisation's questionnaire for an audience.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Questionnaire {
    pub audience: Audience,
    pub questions: Vec<Question>,
    /// Responses are kept without the respondent's name.
    pub anonymous: bool,
    /// For the « à froid » survey: weeks after the end of the training.
    pub cold_weeks: i64,
    /// False while the organisation uses the default questionnaire.
    pub edited: bool,
}

pub const DEFAULT_COLD_WEEKS: i64 = 8;

fn parse_questions(json: &str) -> Vec<Question> {
    serde_json::from_str(json).unwrap_or_default()
}

/// The questionnaire of an audience: the organisation's, or the default one.
pub async fn questionnaire(db: &Db, org_id: i64, audience: Audience) -> Result<Questionnaire, AppError> {
    let row = sqlx::query(
        "SELECT questions, anonymous, cold_weeks FROM survey_templates WHERE org_id = $1 AND audience = $2",
    )
    .bind(org_id)
    .bind(audience.as_str())
    .fetch_optional(&db.pool)
    .await?;
    Ok(match row {
        Some(r) => Questionnaire {
            audience,
            questions: parse_questions(&r.try_get::<String, _>("questions")?),
            anonymous: get_bool(&r, "anonymous")?,
            cold_weeks: r.try_get("cold_weeks")?,
            edited: true,
        },
        None => Questionnaire {
            audience,
            questions: default_questions(audience),
            anonymous: true,
            cold_weeks: DEFAULT_COLD_WEEKS,
            edited: false,
        },
    })
}

pub async fn save_questionnaire(
    db: &Db,
    org_id: i64,
    audience: Audience,
    questions: &[Question],
    anonymous: bool,
    cold_weeks: i64,
) -> Result<(), AppError> {
    let json = serde_json::to_string(questions).map_err(|e| AppError::Internal(e.into()))?;
    sqlx::query(
        "INSERT INTO survey_templates (org_id, audience, questions, anonymous, cold_weeks, updated_at) VALUES ($1, $2, $3, $4, $5, $6) \
         ON CONFLICT (org_id, audience) DO UPDATE SET questions = excluded.questions, anonymous = excluded.anonymous, cold_weeks = excluded.cold_weeks, updated_at = excluded.updated_at",
    )
    .bind(org_id)
    .bind(audience.as_str())
    .bind(json)
    .bind(anonymous)
    .bind(cold_weeks)
    .bind(now())
    .execute(&db.pool)
    .await?;
    Ok(())
}

/// Back to the default questionnaire.
pub async fn reset_questionnaire(db: &Db, org_id: i64, audience: Audience) -> Result<(), AppError> {
    sqlx::query("DELETE FROM survey_templates WHERE org_id = $1 AND audience = $2")
        .bind(org_id)
        .bind(audience.as_str())
        .execute(&db.pool)
        .await?;
    Ok(())
}

/// A person asked to answer.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Invitation {
    pub id: i64,
    pub org_id: i64,
    pub cycle_module_id: i64,
    pub kind: Kind,
    pub audience: Audience,
    pub name: String,
    pub email: String,
    #[serde(skip)]
    pub token: String,
    pub questions: Vec<Question>,
    pub anonymous: bool,
    pub created_at: i64,
    pub answered_at: Option<i64>,
    /// From when it may be answered (the end of the training).
    pub opens_at: i64,
}

const INVITATION_COLUMNS: &str = "id, org_id, cycle_module_id, kind, audience, name, email, token, questions, anonymous, created_at, answered_at, opens_at";

fn invitation_from_row(r: &sqlx::any::AnyRow) -> Result<Invitation, AppError> {
    let kind: String = r.try_get("kind")?;
    let audience: String = r.try_get("audience")?;
    Ok(Invitation {
        id: r.try_get("id")?,
        org_id: r.try_get("org_id")?,
        cycle_module_id: r.try_get("cycle_module_id")?,
        kind: Kind::parse(&kind).unwrap_or(Kind::Hot),
        audience: Audience::parse(&audience).unwrap_or(Audience::ParticipantHot),
        name: r.try_get("name")?,
        email: r.try_get("email")?,
        token: r.try_get("token")?,
        questions: parse_questions(&r.try_get::<String, _>("questions")?),
        anonymous: get_bool(r, "anonymous")?,
        created_at: r.try_get("created_at")?,
        answered_at: r.try_get("answered_at")?,
        opens_at: r.try_get("opens_at")?,
    })
}

/// Invites someone, once per module, survey and audience, to answer from `opens_at` on; returns
/// the invitation if it is new.
#[allow(clippy::too_many_arguments)]
pub async fn invite(
    db: &Db,
    org_id: i64,
    cycle_module_id: i64,
    kind: Kind,
    q: &Questionnaire,
    name: &str,
    email: &str,
    opens_at: i64,
) -> Result<Option<Invitation>, AppError> {
    let json = serde_json::to_string(&q.questions).map_err(|e| AppError::Internal(e.into()))?;
    let r = sqlx::query(
        "INSERT INTO survey_invitations (org_id, cycle_module_id, kind, audience, name, email, token, questions, anonymous, created_at, opens_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT (cycle_module_id, kind, audience, email) DO NOTHING",
    )
    .bind(org_id)
    .bind(cycle_module_id)
    .bind(kind.as_str())
    .bind(q.audience.as_str())
    .bind(name)
    .bind(email.to_lowercase())
    .bind(crate::auth::random_token())
    .bind(json)
    .bind(q.anonymous)
    .bind(now())
    .bind(opens_at)
    .execute(&db.pool)
    .await?;
    if r.rows_affected() == 0 {
        return Ok(None);
    }
    let row = sqlx::query(&format!(
        "SELECT {INVITATION_COLUMNS} FROM survey_invitations WHERE cycle_module_id = $1 AND kind = $2 AND audience = $3 AND email = $4"
    ))
    .bind(cycle_module_id)
    .bind(kind.as_str())
    .bind(q.audience.as_str())
    .bind(email.to_lowercase())
    .fetch_one(&db.pool)
    .await?;
    Ok(Some(invitation_from_row(&row)?))
}

/// The time zone of the cycle a module belongs to.
pub async fn tz_of_module(db: &Db, cycle_module_id: i64) -> Result<chrono_tz::Tz, AppError> {
    let tz: Option<String> =
        sqlx::query_scalar("SELECT c.timezone FROM cycle_modules m JOIN cycles c ON c.id = m.cycle_id WHERE m.id = $1")
            .bind(cycle_module_id)
            .fetch_optional(&db.pool)
            .await?;
    Ok(tz.and_then(|t| t.parse().ok()).unwrap_or(crate::fr::DEFAULT_TZ))
}

pub async fn by_token(db: &Db, token: &str) -> Result<Invitation, AppError> {
    let row = sqlx::query(&format!("SELECT {INVITATION_COLUMNS} FROM survey_invitations WHERE token = $1"))
        .bind(token)
        .fetch_optional(&db.pool)
        .await?
        .ok_or(AppError::NotFound)?;
    invitation_from_row(&row)
}

pub async fn invitations(db: &Db, org_id: i64, cycle_module_id: i64) -> Result<Vec<Invitation>, AppError> {
    let rows = sqlx::query(&format!(
        "SELECT {INVITATION_COLUMNS} FROM survey_invitations WHERE org_id = $1 AND cycle_module_id = $2 ORDER BY id"
    ))
    .bind(org_id)
    .bind(cycle_module_id)
    .fetch_all(&db.pool)
    .await?;
    rows.iter().map(invitation_from_row).collect()
}

/// The invitations of a participant (by address) on the modules of a cycle, not yet answered.
pub async fn pending_for(db: &Db, org_id: i64, cycle_id: i64, email: &str) -> Result<Vec<Invitation>, AppError> {
    let rows = sqlx::query(&format!(
        "SELECT {INVITATION_COLUMNS} FROM survey_invitations WHERE org_id = $1 AND email = $2 AND answered_at IS NULL \
         AND cycle_module_id IN (SELECT id FROM cycle_modules WHERE cycle_id = $3) ORDER BY id"
    ))
    .bind(org_id)
    .bind(email.to_lowercase())
    .bind(cycle_id)
    .fetch_all(&db.pool)
    .await?;
    rows.iter().map(invitation_from_row).collect()
}

/// Records the answers of an invitation, once: the invitation is marked answered and the response
/// kept with the respondent's name, or without it when the survey is anonymous.
pub async fn respond(db: &Db, inv: &Invitation, answers: &BTreeMap<String, Answer>) -> Result<(), AppError> {
    let json = serde_json::to_string(answers).map_err(|e| AppError::Internal(e.into()))?;
    let mut tx = db.pool.begin().await?;
    let r = sqlx::query("UPDATE survey_invitations SET answered_at = $1 WHERE id = $2 AND answered_at IS NULL")
        .bind(now())
        .bind(inv.id)
        .execute(&mut *tx)
        .await?;
    if r.rows_affected() == 0 {
        return Err(AppError::Conflict("Vous avez déjà répondu à ce questionnaire. Merci !".into()));
    }
    sqlx::query(
        "INSERT INTO survey_responses (org_id, cycle_module_id, kind, audience, respondent, answers, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(inv.org_id)
    .bind(inv.cycle_module_id)
    .bind(inv.kind.as_str())
    .bind(inv.audience.as_str())
    .bind(if inv.anonymous { None } else { Some(inv.name.clone()) })
    .bind(json)
    .bind(now())
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(())
}

/// A stored response.
#[derive(Clone, Debug)]
pub struct Response {
    pub cycle_module_id: i64,
    pub kind: Kind,
    pub audience: Audience,
    pub created_at: i64,
    pub data: ResponseData,
}

fn response_from_row(r: &sqlx::any::AnyRow) -> Result<Response, AppError> {
    let kind: String = r.try_get("kind")?;
    let audience: String = r.try_get("audience")?;
    let answers: String = r.try_get("answers")?;
    Ok(Response {
        cycle_module_id: r.try_get("cycle_module_id")?,
        kind: Kind::parse(&kind).unwrap_or(Kind::Hot),
        audience: Audience::parse(&audience).unwrap_or(Audience::ParticipantHot),
        created_at: r.try_get("created_at")?,
        data: ResponseData {
            respondent: r.try_get("respondent")?,
            answers: serde_json::from_str(&answers).unwrap_or_default(),
        },
    })
}

const RESPONSE_COLUMNS: &str = "cycle_module_id, kind, audience, respondent, answers, created_at";

pub async fn responses_of_module(db: &Db, org_id: i64, cycle_module_id: i64) -> Result<Vec<Response>, AppError> {
    let rows = sqlx::query(&format!(
        "SELECT {RESPONSE_COLUMNS} FROM survey_responses WHERE org_id = $1 AND cycle_module_id = $2 ORDER BY id"
    ))
    .bind(org_id)
    .bind(cycle_module_id)
    .fetch_all(&db.pool)
    .await?;
    rows.iter().map(response_from_row).collect()
}

/// Every response received in `[from, to)`.
pub async fn responses_between(db: &Db, org_id: i64, from: i64, to: i64) -> Result<Vec<Response>, AppError> {
    let rows = sqlx::query(&format!("SELECT {RESPONSE_COLUMNS} FROM survey_responses WHERE org_id = $1 AND created_at >= $2 AND created_at < $3 ORDER BY created_at"))
        .bind(org_id)
        .bind(from)
        .bind(to)
        .fetch_all(&db.pool)
        .await?;
    rows.iter().map(response_from_row).collect()
}

/// A module's cycle (id and title) and its own title, within the organisation.
pub async fn module_and_cycle(db: &Db, org: i64, module_id: i64) -> Result<Option<(i64, String, String)>, AppError> {
    Ok(sqlx::query_as(
        "SELECT c.id, c.title, cm.title FROM cycle_modules cm JOIN cycles c ON c.id = cm.cycle_id WHERE cm.id = $1 AND c.org_id = $2",
    )
    .bind(module_id)
    .bind(org)
    .fetch_optional(&db.pool)
    .await?)
}

/// The title of a cycle's module (a survey's invitation names it).
pub async fn module_title(db: &Db, module_id: i64) -> Result<String, AppError> {
    Ok(sqlx::query_scalar("SELECT title FROM cycle_modules WHERE id = $1").bind(module_id).fetch_one(&db.pool).await?)
}
