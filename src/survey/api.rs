//! `/api/v1/surveys…`: the JSON twin of the survey pages.

use std::collections::BTreeMap;

use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};

use crate::auth::CurrentUser;
use crate::auth::Staff;
use crate::error::{AppError, ErrorBody, FieldErrors};
use crate::extract::{Json, Path};
use crate::state::AppState;
use crate::survey::service::do_answer;
use crate::survey::store::{self, Questionnaire};
use crate::survey::web::{GroupResult, Sent, check_weeks, module_results, send};
use crate::survey::{Audience, Kind, Question, QuestionRow, check_questions};

/// The organisation's questionnaires.
#[utoipa::path(get, path = "/api/v1/surveys/questionnaires", tag = "surveys", responses((status = 200, body = Vec<Questionnaire>)))]
pub async fn questionnaires(
    Staff { org, .. }: Staff,
    State(s): State<AppState>,
) -> Result<Json<Vec<Questionnaire>>, AppError> {
    let mut out = Vec::new();
    for a in Audience::ALL {
        out.push(store::questionnaire(&s.db, org, a).await?);
    }
    Ok(Json(out))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct QuestionInput {
    pub label: String,
    /// scale, yes_no or text
    pub kind: String,
    #[serde(default)]
    pub required: bool,
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct QuestionnaireInput {
    pub questions: Vec<QuestionInput>,
    #[serde(default = "yes")]
    pub anonymous: bool,
    /// Weeks between the end of a training and the « à froid » survey (1 to 52).
    pub cold_weeks: Option<i64>,
}

fn yes() -> bool {
    true
}

/// Replace a questionnaire (`participant_hot`, `participant_cold`, `intervenant`, `client`).
#[utoipa::path(put, path = "/api/v1/surveys/questionnaires/{audience}", tag = "surveys", params(("audience" = String, Path)), request_body = QuestionnaireInput,
    responses((status = 200, body = Questionnaire), (status = 422, body = ErrorBody)))]
pub async fn save_questionnaire(
    user: CurrentUser,
    State(s): State<AppState>,
    Path(audience): Path<String>,
    Json(b): Json<QuestionnaireInput>,
) -> Result<Json<Questionnaire>, AppError> {
    let org = user.coordinator_org()?;
    let audience = Audience::parse(&audience).ok_or(AppError::NotFound)?;
    let rows: Vec<QuestionRow> = b
        .questions
        .iter()
        .map(|q| QuestionRow { label: q.label.clone(), kind: q.kind.clone(), required: q.required })
        .collect();
    let mut e = FieldErrors::new();
    let weeks = check_weeks(&mut e, &b.cold_weeks.map(|w| w.to_string()).unwrap_or_default());
    let questions = match check_questions(&rows) {
        Ok(q) => q,
        Err(more) => {
            e.0.extend(more.0);
            Vec::new()
        }
    };
    e.into_result(())?;
    store::save_questionnaire(&s.db, org, audience, &questions, b.anonymous, weeks).await?;
    Ok(Json(store::questionnaire(&s.db, org, audience).await?))
}

/// Send a survey (`hot` or `cold`) to the people of a training module.
#[utoipa::path(post, path = "/api/v1/cycles/{id}/modules/{module}/surveys/{kind}", tag = "surveys",
    params(("id" = i64, Path), ("module" = i64, Path), ("kind" = String, Path)), responses((status = 200, body = Sent), (status = 409, body = ErrorBody)))]
pub async fn send_survey(
    user: CurrentUser,
    State(s): State<AppState>,
    Path((id, cm, kind)): Path<(i64, i64, String)>,
) -> Result<Json<Sent>, AppError> {
    let org = user.coordinator_org()?;
    let kind = Kind::parse(&kind).ok_or(AppError::NotFound)?;
    let cycle = crate::cycle::store::get(&s.db, org, id).await?;
    Ok(Json(send(&s, org, &cycle, cm, kind).await?))
}

/// The results of a module's surveys, per survey and audience.
#[utoipa::path(get, path = "/api/v1/cycles/{id}/modules/{module}/surveys", tag = "surveys", params(("id" = i64, Path), ("module" = i64, Path)),
    responses((status = 200, body = Vec<GroupResult>), (status = 404, body = ErrorBody)))]
pub async fn results(
    Staff { org, .. }: Staff,
    State(s): State<AppState>,
    Path((id, cm)): Path<(i64, i64)>,
) -> Result<Json<Vec<GroupResult>>, AppError> {
    crate::cycle::store::module(&s.db, org, id, cm).await?;
    Ok(Json(module_results(&s, org, cm).await?.0))
}

/// What a respondent sees.
#[derive(Serialize, utoipa::ToSchema)]
pub struct SurveyForm {
    pub module_title: String,
    pub questions: Vec<Question>,
    pub anonymous: bool,
    pub answered: bool,
}

/// The questionnaire behind an invitation link (no account).
#[utoipa::path(get, path = "/api/v1/surveys/{token}", tag = "surveys", params(("token" = String, Path)), security(()),
    responses((status = 200, body = SurveyForm), (status = 404, body = ErrorBody)))]
pub async fn form(State(s): State<AppState>, Path(token): Path<String>) -> Result<Json<SurveyForm>, AppError> {
    let inv = store::by_token(&s.db, &token).await?;
    let module_title = store::module_title(&s.db, inv.cycle_module_id).await?;
    Ok(Json(SurveyForm {
        module_title,
        questions: inv.questions,
        anonymous: inv.anonymous,
        answered: inv.answered_at.is_some(),
    }))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct AnswersInput {
    /// Question key → answer: a mark 1 to 5, `true`/`false` (or "oui"/"non"), or text.
    #[schema(value_type = Object)]
    pub answers: BTreeMap<String, serde_json::Value>,
}

/// Answer a survey, once.
#[utoipa::path(post, path = "/api/v1/surveys/{token}", tag = "surveys", params(("token" = String, Path)), request_body = AnswersInput, security(()),
    responses((status = 201), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn answer(
    State(s): State<AppState>,
    Path(token): Path<String>,
    Json(b): Json<AnswersInput>,
) -> Result<StatusCode, AppError> {
    let given: BTreeMap<String, String> = b
        .answers
        .into_iter()
        .map(|(k, v)| {
            let text = match v {
                serde_json::Value::String(t) => t,
                serde_json::Value::Bool(true) => "oui".into(),
                serde_json::Value::Bool(false) => "non".into(),
                serde_json::Value::Null => String::new(),
                other => other.to_string(),
            };
            (k, text)
        })
        .collect();
    do_answer(&s, &token, &given).await?;
    Ok(StatusCode::CREATED)
}
