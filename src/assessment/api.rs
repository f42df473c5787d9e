//! `/api/v1/…/assessments`: the JSON twin of the positioning and assessment pages.

use std::collections::BTreeMap;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

use super::service::{self, Given};
#[allow(unused_imports)] // named by the OpenAPI annotations
use super::service::{Group, Sent};
use super::store::{self, Adaptation, Assessment};
use super::{Answer, Phase};
use crate::auth::CurrentUser;
use crate::catalogue::questionnaire::{Question, QuestionKind, check_list};
use crate::cycle::extract::CycleOf;
use crate::cycle::store as cycles;
use crate::error::{AppError, ErrorBody};
use crate::extract::{Json, Path};
use crate::state::AppState;

/// A module's positioning and assessment: the questionnaires sent and answered, the group's profile
/// per objective, structure and service, each participant's scores and results, the adaptations.
#[utoipa::path(get, path = "/api/v1/cycles/{id}/modules/{module}/assessments", tag = "assessment",
    params(("id" = i64, Path), ("module" = i64, Path)),
    responses((status = 200, body = Group), (status = 404, body = ErrorBody)))]
pub async fn group(
    CycleOf { org, cycle, .. }: CycleOf,
    State(s): State<AppState>,
    Path((_cycle, cm)): Path<(i64, i64)>,
) -> Result<Json<Group>, AppError> {
    Ok(Json(service::group(&s, org, &cycle, cm).await?))
}

/// The evidence of Qualiopi indicators 8 and 11 as CSV (a row per participant and objective).
#[utoipa::path(get, path = "/api/v1/cycles/{id}/modules/{module}/assessments/evidence.csv", tag = "assessment",
    params(("id" = i64, Path), ("module" = i64, Path)),
    responses((status = 200, content_type = "text/csv", body = String), (status = 404, body = ErrorBody)))]
pub async fn evidence_csv(
    cycle: CycleOf,
    state: State<AppState>,
    path: Path<(i64, i64)>,
) -> Result<Response, AppError> {
    super::web::evidence_csv(cycle, state, path).await
}

/// Send a phase's questionnaire (`positioning`, `final`, `cold`) to the module's participants.
#[utoipa::path(post, path = "/api/v1/cycles/{id}/modules/{module}/assessments/{phase}", tag = "assessment",
    params(("id" = i64, Path), ("module" = i64, Path), ("phase" = String, Path)),
    responses((status = 200, body = Sent), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn send(
    CycleOf { org, cycle, .. }: CycleOf,
    State(s): State<AppState>,
    Path((_cycle, cm, phase)): Path<(i64, i64, String)>,
) -> Result<Json<Sent>, AppError> {
    let phase = Phase::parse(&phase).ok_or(AppError::NotFound)?;
    Ok(Json(service::send(&s, org, &cycle, cm, phase).await?))
}

/// How many reminders were queued.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Reminded {
    pub reminded: usize,
}

/// Remind those who have not answered a phase's questionnaire.
#[utoipa::path(post, path = "/api/v1/cycles/{id}/modules/{module}/assessments/{phase}/reminders", tag = "assessment",
    params(("id" = i64, Path), ("module" = i64, Path), ("phase" = String, Path)),
    responses((status = 200, body = Reminded), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn remind(
    CycleOf { org, cycle, .. }: CycleOf,
    State(s): State<AppState>,
    Path((_cycle, cm, phase)): Path<(i64, i64, String)>,
) -> Result<Json<Reminded>, AppError> {
    let phase = Phase::parse(&phase).ok_or(AppError::NotFound)?;
    Ok(Json(Reminded { reminded: service::remind(&s, org, &cycle, cm, phase).await? }))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct NewAdaptation {
    /// What is adapted for the group, and why.
    pub text: String,
}

/// Write down an adaptation decided for the group (kept as written, with who and when).
#[utoipa::path(post, path = "/api/v1/cycles/{id}/modules/{module}/adaptations", tag = "assessment",
    params(("id" = i64, Path), ("module" = i64, Path)), request_body = NewAdaptation,
    responses((status = 201, body = Adaptation), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn adapt(
    CycleOf { user, org, .. }: CycleOf,
    State(s): State<AppState>,
    Path((id, cm)): Path<(i64, i64)>,
    Json(input): Json<NewAdaptation>,
) -> Result<Response, AppError> {
    cycles::module(&s.db, org, id, cm).await?;
    let a = service::adapt(&s, org, cm, &user.user, &input.text).await?;
    Ok((StatusCode::CREATED, Json(a)).into_response())
}

/// A question as the participant sees it: without its right answers.
#[derive(Serialize, utoipa::ToSchema)]
pub struct AskedQuestion {
    pub id: String,
    /// The objective it assesses (its position, from 0).
    pub objective: usize,
    pub kind: QuestionKind,
    pub label: String,
    pub choices: Vec<String>,
    pub required: bool,
}

/// One of the participant's questionnaires, as they see it.
#[derive(Serialize, utoipa::ToSchema)]
pub struct MyAssessment {
    pub id: i64,
    pub cycle_module_id: i64,
    pub phase: Phase,
    pub objectives: Vec<String>,
    pub questions: Vec<AskedQuestion>,
    pub opens_at: i64,
    pub closes_at: i64,
    pub answered_at: Option<i64>,
    pub answers: Option<BTreeMap<String, Answer>>,
    /// Once answered: their score per objective, in percent.
    pub scores: Vec<Option<u32>>,
}

impl From<Assessment> for MyAssessment {
    fn from(a: Assessment) -> MyAssessment {
        MyAssessment {
            scores: a.scores().into_iter().map(super::percent).collect(),
            id: a.id,
            cycle_module_id: a.cycle_module_id,
            phase: a.phase,
            objectives: a.objectives,
            questions: a
                .questions
                .into_iter()
                .map(|q| AskedQuestion {
                    id: q.id,
                    objective: q.objective,
                    kind: q.kind,
                    label: q.label,
                    choices: q.choices,
                    required: q.required,
                })
                .collect(),
            opens_at: a.opens_at,
            closes_at: a.closes_at,
            answered_at: a.answered_at,
            answers: a.answers,
        }
    }
}

/// The participant's own questionnaires (positioning, end of training, « à froid »).
#[utoipa::path(get, path = "/api/v1/participants/{token}/assessments", tag = "assessment", security(()),
    params(("token" = String, Path)), responses((status = 200, body = Vec<MyAssessment>), (status = 404, body = ErrorBody)))]
pub async fn mine(State(s): State<AppState>, Path(token): Path<String>) -> Result<Json<Vec<MyAssessment>>, AppError> {
    let (org, _, person) = cycles::participant_by_token(&s.db, &token).await?;
    Ok(Json(store::of_participant(&s.db, org, person.id).await?.into_iter().map(MyAssessment::from).collect()))
}

/// A participant's answers: per question key, a level (1–4), the position of a choice, the
/// positions of several choices, or a text.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct AnswersInput {
    #[serde(default)]
    #[schema(value_type = Object)]
    pub answers: BTreeMap<String, serde_json::Value>,
    #[serde(default)]
    pub expectations: String,
    #[serde(default)]
    pub needs: String,
}

fn values(v: &serde_json::Value) -> Vec<String> {
    match v {
        serde_json::Value::Array(a) => a.iter().flat_map(values).collect(),
        serde_json::Value::String(s) => vec![s.clone()],
        serde_json::Value::Number(n) => vec![n.to_string()],
        serde_json::Value::Null => Vec::new(),
        other => vec![other.to_string()],
    }
}

/// Answer one's questionnaire, once, while it is open.
#[utoipa::path(post, path = "/api/v1/participants/{token}/assessments/{assessment}", tag = "assessment", security(()),
    params(("token" = String, Path), ("assessment" = i64, Path)), request_body = AnswersInput,
    responses((status = 200, body = MyAssessment), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn answer(
    State(s): State<AppState>,
    Path((token, id)): Path<(String, i64)>,
    Json(input): Json<AnswersInput>,
) -> Result<Json<MyAssessment>, AppError> {
    let given = Given {
        answers: input.answers.iter().map(|(k, v)| (k.clone(), values(v))).collect(),
        expectations: input.expectations,
        needs: input.needs,
    };
    Ok(Json(service::answer(&s, &token, id, &given).await?.into()))
}

/// A module's questionnaire: its own questions, or the default ones of its kind.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ModuleQuestionnaire {
    pub objectives: Vec<String>,
    pub questions: Vec<Question>,
    /// False while the module uses the default questionnaire of its kind.
    pub own: bool,
}

/// The questionnaire of a module of the catalogue.
#[utoipa::path(get, path = "/api/v1/modules/{id}/questionnaire", tag = "assessment", params(("id" = i64, Path)),
    responses((status = 200, body = ModuleQuestionnaire), (status = 404, body = ErrorBody)))]
pub async fn questionnaire(
    user: CurrentUser,
    State(s): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Json<ModuleQuestionnaire>, AppError> {
    let org = user.staff_org()?;
    let m = crate::catalogue::store::get(&s.db, org, id).await?;
    let objectives: Vec<String> = m.content.objectives_list().into_iter().map(String::from).collect();
    Ok(Json(ModuleQuestionnaire {
        questions: crate::catalogue::questionnaire::questions_of(m.kind, &m.content.questionnaire, objectives.len()),
        objectives,
        own: !m.content.questionnaire.is_empty(),
    }))
}

/// A module's new questionnaire.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct QuestionnaireInput {
    /// Each question names its objective by its position in the module's objectives, from 0.
    #[serde(default)]
    pub questions: Vec<Question>,
}

/// Replace a module's questionnaire (a new version of the module).
#[utoipa::path(put, path = "/api/v1/modules/{id}/questionnaire", tag = "assessment", params(("id" = i64, Path)),
    request_body = QuestionnaireInput,
    responses((status = 200, body = ModuleQuestionnaire), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn save_questionnaire(
    user: CurrentUser,
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Json(input): Json<QuestionnaireInput>,
) -> Result<Json<ModuleQuestionnaire>, AppError> {
    let org = user.coordinator_org()?;
    let m = crate::catalogue::store::get(&s.db, org, id).await?;
    let n = m.content.objectives_list().len();
    let questions = check_list(&input.questions, n).map_err(AppError::Invalid)?;
    if questions.is_empty() {
        let mut e = crate::error::FieldErrors::new();
        e.add("label_0", "Le questionnaire doit compter au moins une question.");
        return Err(AppError::Invalid(e));
    }
    let mut content = m.content.clone();
    content.questionnaire = questions;
    crate::catalogue::store::update(&s.db, org, id, &content, Some(user.id())).await?;
    questionnaire(user, State(s), Path(id)).await
}
