//! Questionnaires sent, their answers, and the adaptations decided.

use std::collections::BTreeMap;

use serde::Serialize;
use sqlx::Row;

use super::{Answer, Phase};
use crate::catalogue::questionnaire::Question;
use crate::db::Db;
use crate::error::AppError;

/// One participant's questionnaire of one phase for one module.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Assessment {
    pub id: i64,
    #[serde(skip)]
    pub org_id: i64,
    pub cycle_module_id: i64,
    pub participant_id: i64,
    pub phase: Phase,
    /// The module's objectives when it was sent.
    pub objectives: Vec<String>,
    /// The questions it was sent with.
    pub questions: Vec<Question>,
    pub sent_at: i64,
    /// From when, and until when, it may be answered.
    pub opens_at: i64,
    pub closes_at: i64,
    pub reminded_at: Option<i64>,
    pub reminders: i64,
    /// The answers, once given (keyed by question).
    pub answers: Option<BTreeMap<String, Answer>>,
    /// What the participant expects of the training (positioning).
    pub expectations: String,
    /// A particular need: a disability or another situation asking for an adaptation.
    pub needs: String,
    pub answered_at: Option<i64>,
}

impl Assessment {
    /// "14 janvier 2027 à 17:00": until when it may be answered.
    pub fn closes_text(&self, tz: chrono_tz::Tz) -> String {
        crate::fr::date_time(self.closes_at, tz)
    }

    /// The score of each objective, from the answers (none before they are given).
    pub fn scores(&self) -> Vec<Option<f64>> {
        match &self.answers {
            Some(a) => super::objective_scores(self.objectives.len(), &self.questions, a),
            None => vec![None; self.objectives.len()],
        }
    }
}

const COLUMNS: &str = "id, org_id, cycle_module_id, participant_id, phase, objectives, questions, sent_at, opens_at, \
    closes_at, reminded_at, reminders, answers, expectations, needs, answered_at";

fn json<T: serde::de::DeserializeOwned + Default>(s: &str) -> T {
    serde_json::from_str(s).unwrap_or_default()
}

fn from_row(r: &sqlx::any::AnyRow) -> Result<Assessment, AppError> {
    let phase: String = r.try_get("phase")?;
    let answers: Option<String> = r.try_get("answers")?;
    Ok(Assessment {
        id: r.try_get("id")?,
        org_id: r.try_get("org_id")?,
        cycle_module_id: r.try_get("cycle_module_id")?,
        participant_id: r.try_get("participant_id")?,
        phase: Phase::parse(&phase).unwrap_or(Phase::Positioning),
        objectives: json(&r.try_get::<String, _>("objectives")?),
        questions: json(&r.try_get::<String, _>("questions")?),
        sent_at: r.try_get("sent_at")?,
        opens_at: r.try_get("opens_at")?,
        closes_at: r.try_get("closes_at")?,
        reminded_at: r.try_get("reminded_at")?,
        reminders: r.try_get("reminders")?,
        answers: answers.as_deref().map(json),
        expectations: r.try_get("expectations")?,
        needs: r.try_get("needs")?,
        answered_at: r.try_get("answered_at")?,
    })
}

fn encode<T: Serialize>(v: &T) -> Result<String, AppError> {
    serde_json::to_string(v).map_err(|e| AppError::Internal(e.into()))
}

/// What a new questionnaire is sent with.
pub struct NewAssessment<'a> {
    pub cycle_module_id: i64,
    pub phase: Phase,
    pub objectives: &'a [String],
    pub questions: &'a [Question],
    pub sent_at: i64,
    pub opens_at: i64,
    pub closes_at: i64,
}

/// Sends a questionnaire to a participant: the new row, or `None` when they already have this one.
pub async fn create(
    db: &Db,
    org: i64,
    participant: i64,
    n: &NewAssessment<'_>,
) -> Result<Option<Assessment>, AppError> {
    let r = sqlx::query(&format!(
        "INSERT INTO assessments (org_id, cycle_module_id, participant_id, phase, objectives, questions, sent_at, opens_at, closes_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (cycle_module_id, participant_id, phase) DO NOTHING RETURNING {COLUMNS}"
    ))
    .bind(org)
    .bind(n.cycle_module_id)
    .bind(participant)
    .bind(n.phase.as_str())
    .bind(encode(&n.objectives)?)
    .bind(encode(&n.questions)?)
    .bind(n.sent_at)
    .bind(n.opens_at)
    .bind(n.closes_at)
    .fetch_optional(&db.pool)
    .await?;
    r.as_ref().map(from_row).transpose()
}

pub async fn get(db: &Db, org: i64, id: i64) -> Result<Assessment, AppError> {
    let r = sqlx::query(&format!("SELECT {COLUMNS} FROM assessments WHERE id = $1 AND org_id = $2"))
        .bind(id)
        .bind(org)
        .fetch_optional(&db.pool)
        .await?
        .ok_or(AppError::NotFound)?;
    from_row(&r)
}

/// Every questionnaire of a module, by phase then participant.
pub async fn of_module(db: &Db, org: i64, cycle_module_id: i64) -> Result<Vec<Assessment>, AppError> {
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM assessments WHERE org_id = $1 AND cycle_module_id = $2 ORDER BY phase, participant_id"
    ))
    .bind(org)
    .bind(cycle_module_id)
    .fetch_all(&db.pool)
    .await?;
    rows.iter().map(from_row).collect()
}

/// A participant's questionnaires, oldest first.
pub async fn of_participant(db: &Db, org: i64, participant: i64) -> Result<Vec<Assessment>, AppError> {
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM assessments WHERE org_id = $1 AND participant_id = $2 ORDER BY id"
    ))
    .bind(org)
    .bind(participant)
    .fetch_all(&db.pool)
    .await?;
    rows.iter().map(from_row).collect()
}

/// Records the answers, once: false when the questionnaire was already answered (by another
/// request in between too).
pub async fn answer(
    db: &Db,
    a: &Assessment,
    answers: &BTreeMap<String, Answer>,
    expectations: &str,
    needs: &str,
    at: i64,
) -> Result<bool, AppError> {
    let done = sqlx::query(
        "UPDATE assessments SET answers = $1, expectations = $2, needs = $3, answered_at = $4 \
         WHERE id = $5 AND org_id = $6 AND answered_at IS NULL",
    )
    .bind(encode(answers)?)
    .bind(expectations)
    .bind(needs)
    .bind(at)
    .bind(a.id)
    .bind(a.org_id)
    .execute(&db.pool)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn mark_reminded(db: &Db, org: i64, id: i64, at: i64) -> Result<(), AppError> {
    sqlx::query("UPDATE assessments SET reminded_at = $1, reminders = reminders + 1 WHERE id = $2 AND org_id = $3")
        .bind(at)
        .bind(id)
        .bind(org)
        .execute(&db.pool)
        .await?;
    Ok(())
}

/// What the intervenant or the coordination decided to adapt, as written then.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Adaptation {
    pub id: i64,
    pub text: String,
    pub author: String,
    pub created_at: i64,
}

impl Adaptation {
    pub fn at_text(&self, tz: chrono_tz::Tz) -> String {
        crate::fr::date_time(self.created_at, tz)
    }
}

pub async fn add_adaptation(
    db: &Db,
    org: i64,
    cycle_module_id: i64,
    author_id: Option<i64>,
    author: &str,
    text: &str,
    at: i64,
) -> Result<Adaptation, AppError> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO assessment_adaptations (org_id, cycle_module_id, text, author_id, author, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(org)
    .bind(cycle_module_id)
    .bind(text)
    .bind(author_id)
    .bind(author)
    .bind(at)
    .fetch_one(&db.pool)
    .await?;
    Ok(Adaptation { id, text: text.into(), author: author.into(), created_at: at })
}

pub async fn adaptations(db: &Db, org: i64, cycle_module_id: i64) -> Result<Vec<Adaptation>, AppError> {
    let rows = sqlx::query(
        "SELECT id, text, author, created_at FROM assessment_adaptations WHERE org_id = $1 AND cycle_module_id = $2 \
         ORDER BY created_at, id",
    )
    .bind(org)
    .bind(cycle_module_id)
    .fetch_all(&db.pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Adaptation {
                id: r.try_get("id")?,
                text: r.try_get("text")?,
                author: r.try_get("author")?,
                created_at: r.try_get("created_at")?,
            })
        })
        .collect()
}

/// The results printed on a participant's attestation de fin de formation: each objective with what
/// the final assessment says of it, « non évalué » while it was sent and not answered; nothing when
/// none was sent.
pub async fn attestation_results(
    db: &Db,
    org: i64,
    cm: i64,
    participant: i64,
) -> Result<Vec<(String, &'static str)>, AppError> {
    let last = of_participant(db, org, participant)
        .await?
        .into_iter()
        .find(|a| a.cycle_module_id == cm && a.phase == Phase::Final);
    Ok(match last {
        Some(a) => a
            .objectives
            .iter()
            .zip(a.scores())
            .map(|(o, s)| (o.clone(), s.map(|s| super::Level::of(s).label()).unwrap_or("non évalué")))
            .collect(),
        None => Vec::new(),
    })
}

/// Forgets a person's own words (what they expected, any particular need, their free answers): the
/// scores stay as the training's evidence.
pub async fn erase_words(db: &Db, org: i64, participant: i64) -> Result<(), AppError> {
    for a in of_participant(db, org, participant).await? {
        let answers: Option<BTreeMap<String, Answer>> =
            a.answers.map(|m| m.into_iter().filter(|(_, v)| !matches!(v, Answer::Text(_))).collect());
        let encoded = answers.as_ref().map(encode).transpose()?;
        sqlx::query("UPDATE assessments SET expectations = '', needs = '', answers = $1 WHERE id = $2 AND org_id = $3")
            .bind(encoded)
            .bind(a.id)
            .bind(org)
            .execute(&db.pool)
            .await?;
    }
    Ok(())
}
