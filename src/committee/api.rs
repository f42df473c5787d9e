//! `/api/v1/cycles/{id}/…`: the committee's vote, commitments, action plan and AMO journal.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

use crate::auth::CurrentUser;
use crate::auth::Staff;
use crate::committee::service::{self, ActionForm, AmoForm, CommitmentForm, VoteForm};
use crate::committee::store::{self, Action, AmoEntry, Commitment, Note, Vote};
use crate::committee::{METHOD, TIE_RULE, Tally};
use crate::cycle::extract::CycleOf;
use crate::cycle::store as cycles;
use crate::db::now;
use crate::error::{AppError, ErrorBody};
use crate::extract::{Json, Path};
use crate::state::AppState;

#[derive(Serialize, utoipa::ToSchema)]
pub struct VoteView {
    #[serde(flatten)]
    pub vote: Vote,
    pub open: bool,
    pub method: String,
    pub tie_rule: String,
    /// Members who voted (ids), whatever the secrecy.
    pub voters: Vec<i64>,
    /// The count, once the vote is closed.
    pub result: Option<Tally>,
}

async fn view(s: &AppState, v: Vote) -> Result<VoteView, AppError> {
    let open = v.is_open(now());
    let result = if open { None } else { Some(store::result(&s.db, &v).await?) };
    Ok(VoteView {
        voters: store::voters(&s.db, v.id).await?,
        open,
        method: METHOD.into(),
        tie_rule: TIE_RULE.into(),
        result,
        vote: v,
    })
}

/// The votes of a cycle's committee.
#[utoipa::path(get, path = "/api/v1/cycles/{id}/votes", tag = "committee", params(("id" = i64, Path)), responses((status = 200, body = Vec<VoteView>)))]
pub async fn votes(
    CycleOf { org, .. }: CycleOf,
    State(s): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Json<Vec<VoteView>>, AppError> {
    let mut out = Vec::new();
    for v in store::votes(&s.db, org, id).await? {
        out.push(view(&s, v).await?);
    }
    Ok(Json(out))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct VoteInput {
    #[serde(default)]
    pub question: String,
    /// Topics of the usage training's menu put to the vote (all of them when empty).
    #[serde(default)]
    pub topics: Vec<String>,
    /// How many topics are kept (default 3).
    pub seats: Option<i64>,
    /// How many a member may tick (default: the seats).
    pub max_choices: Option<i64>,
    #[serde(default)]
    pub secret: bool,
    /// Closing date (YYYY-MM-DD) and time (HH:MM, default 18:00), local time of the cycle.
    pub closes_on: String,
    #[serde(default)]
    pub closes_at: String,
}

/// Open a vote on the optional topics of the usage training.
#[utoipa::path(post, path = "/api/v1/cycles/{id}/votes", tag = "committee", params(("id" = i64, Path)), request_body = VoteInput,
    responses((status = 201, body = VoteView), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_vote(
    user: CurrentUser,
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Json(b): Json<VoteInput>,
) -> Result<Response, AppError> {
    let org = user.coordinator_org()?;
    let cycle = cycles::get(&s.db, org, id).await?;
    let f = VoteForm {
        question: b.question,
        topics: b.topics,
        seats: b.seats.map(|x| x.to_string()).unwrap_or_default(),
        max_choices: b.max_choices.map(|x| x.to_string()).unwrap_or_default(),
        secret: b.secret,
        closes_on: b.closes_on,
        closes_at: b.closes_at,
    };
    let vid = service::do_create_vote(&s, org, &cycle, &f).await?;
    let v = view(&s, store::vote(&s.db, org, id, vid).await?).await?;
    Ok((StatusCode::CREATED, Json(v)).into_response())
}

#[utoipa::path(get, path = "/api/v1/cycles/{id}/votes/{vote}", tag = "committee", params(("id" = i64, Path), ("vote" = i64, Path)),
    responses((status = 200, body = VoteView), (status = 404, body = ErrorBody)))]
pub async fn vote(
    Staff { org, .. }: Staff,
    State(s): State<AppState>,
    Path((id, vid)): Path<(i64, i64)>,
) -> Result<Json<VoteView>, AppError> {
    Ok(Json(view(&s, store::vote(&s.db, org, id, vid).await?).await?))
}

/// Close a vote before its time.
#[utoipa::path(post, path = "/api/v1/cycles/{id}/votes/{vote}/close", tag = "committee", params(("id" = i64, Path), ("vote" = i64, Path)),
    responses((status = 200, body = VoteView), (status = 409, body = ErrorBody)))]
pub async fn close(
    user: CurrentUser,
    State(s): State<AppState>,
    Path((id, vid)): Path<(i64, i64)>,
) -> Result<Json<VoteView>, AppError> {
    let org = user.coordinator_org()?;
    let v = store::vote(&s.db, org, id, vid).await?;
    if !v.is_open(now()) {
        return Err(AppError::Conflict("Ce vote est déjà clos.".into()));
    }
    store::close_vote(&s.db, org, vid).await?;
    Ok(Json(view(&s, store::vote(&s.db, org, id, vid).await?).await?))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Applied {
    /// The topics now in the programme of the usage training.
    pub topics: Vec<String>,
}

/// Make a closed vote's result the programme of the cycle's usage training.
#[utoipa::path(post, path = "/api/v1/cycles/{id}/votes/{vote}/apply", tag = "committee", params(("id" = i64, Path), ("vote" = i64, Path)),
    responses((status = 200, body = Applied), (status = 409, body = ErrorBody)))]
pub async fn apply(
    user: CurrentUser,
    State(s): State<AppState>,
    Path((id, vid)): Path<(i64, i64)>,
) -> Result<Json<Applied>, AppError> {
    let org = user.coordinator_org()?;
    Ok(Json(Applied { topics: service::do_apply(&s, org, id, vid).await? }))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct BallotInput {
    /// Positions (0 first) of the topics ticked.
    pub choices: Vec<usize>,
}

/// A member of the committee votes, from their personal link (no account).
#[utoipa::path(post, path = "/api/v1/participants/{token}/votes/{vote}", tag = "committee", params(("token" = String, Path), ("vote" = i64, Path)),
    request_body = BallotInput, security(()), responses((status = 201), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn cast(
    State(s): State<AppState>,
    Path((token, vid)): Path<(String, i64)>,
    Json(b): Json<BallotInput>,
) -> Result<StatusCode, AppError> {
    service::do_cast(&s, &token, vid, &b.choices).await?;
    Ok(StatusCode::CREATED)
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct ReferentInput {
    pub participant_id: Option<i64>,
}

/// Choose the committee's référent (a member), or none.
#[utoipa::path(put, path = "/api/v1/cycles/{id}/referent", tag = "committee", params(("id" = i64, Path)), request_body = ReferentInput,
    responses((status = 204), (status = 422, body = ErrorBody)))]
pub async fn referent(
    user: CurrentUser,
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Json(b): Json<ReferentInput>,
) -> Result<StatusCode, AppError> {
    let org = user.coordinator_org()?;
    service::do_referent(&s, org, id, b.participant_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Commitments of the cycle (a participant's, or the group's).
#[utoipa::path(get, path = "/api/v1/cycles/{id}/commitments", tag = "committee", params(("id" = i64, Path)), responses((status = 200, body = Vec<Commitment>)))]
pub async fn commitments(
    CycleOf { org, .. }: CycleOf,
    State(s): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Json<Vec<Commitment>>, AppError> {
    Ok(Json(store::commitments(&s.db, org, id).await?))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct CommitmentInput {
    /// None for a commitment of the group.
    pub participant_id: Option<i64>,
    pub what: String,
    #[serde(default)]
    pub who: String,
    /// YYYY-MM-DD
    #[serde(default)]
    pub due_date: String,
}

#[utoipa::path(post, path = "/api/v1/cycles/{id}/commitments", tag = "committee", params(("id" = i64, Path)), request_body = CommitmentInput,
    responses((status = 201, body = Commitment), (status = 422, body = ErrorBody)))]
pub async fn add_commitment(
    Staff { org, .. }: Staff,
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Json(b): Json<CommitmentInput>,
) -> Result<Response, AppError> {
    let cid = service::do_add_commitment(
        &s,
        org,
        id,
        &CommitmentForm { participant_id: b.participant_id, what: b.what, who: b.who, due_date: b.due_date },
    )
    .await?;
    let c = store::commitments(&s.db, org, id).await?.into_iter().find(|c| c.id == cid).ok_or(AppError::NotFound)?;
    Ok((StatusCode::CREATED, Json(c)).into_response())
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct FollowInput {
    /// todo, doing, done, dropped
    pub status: String,
    #[serde(default)]
    pub notes: String,
}

#[utoipa::path(put, path = "/api/v1/cycles/{id}/commitments/{commitment}", tag = "committee", params(("id" = i64, Path), ("commitment" = i64, Path)),
    request_body = FollowInput, responses((status = 204), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn follow_commitment(
    CycleOf { org, .. }: CycleOf,
    State(s): State<AppState>,
    Path((id, cid)): Path<(i64, i64)>,
    Json(b): Json<FollowInput>,
) -> Result<StatusCode, AppError> {
    service::check_status(&b.status)?;
    let mut e = crate::error::FieldErrors::new();
    let notes = crate::text::check_text(&mut e, "notes", &b.notes, false, 2000);
    e.into_result(())?;
    store::update_commitment(&s.db, org, id, cid, &b.status, &notes).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The action plan.
#[utoipa::path(get, path = "/api/v1/cycles/{id}/actions", tag = "committee", params(("id" = i64, Path)), responses((status = 200, body = Vec<Action>)))]
pub async fn actions(
    CycleOf { org, .. }: CycleOf,
    State(s): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Json<Vec<Action>>, AppError> {
    Ok(Json(store::actions(&s.db, org, id).await?))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct ActionInput {
    /// organisation, information_system, training, other
    pub category: String,
    pub title: String,
    #[serde(default)]
    pub description: String,
    /// Participants of the cycle.
    #[serde(default)]
    pub owners: Vec<i64>,
    /// YYYY-MM-DD
    #[serde(default)]
    pub due_date: String,
    /// todo (default), doing, done, dropped
    #[serde(default)]
    pub status: String,
    /// The problems the action answers, matched across the TICA network.
    #[serde(default)]
    pub tags: Vec<String>,
}

impl From<ActionInput> for ActionForm {
    fn from(b: ActionInput) -> Self {
        ActionForm {
            category: b.category,
            title: b.title,
            description: b.description,
            owners: b.owners,
            due_date: b.due_date,
            status: b.status,
            tags: b.tags.join(", "),
        }
    }
}

#[utoipa::path(post, path = "/api/v1/cycles/{id}/actions", tag = "committee", params(("id" = i64, Path)), request_body = ActionInput,
    responses((status = 201, body = Action), (status = 422, body = ErrorBody)))]
pub async fn create_action(
    Staff { org, .. }: Staff,
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Json(b): Json<ActionInput>,
) -> Result<Response, AppError> {
    let aid = service::do_create_action(&s, org, id, &b.into()).await?;
    Ok((StatusCode::CREATED, Json(store::action(&s.db, org, id, aid).await?)).into_response())
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ActionView {
    #[serde(flatten)]
    pub action: Action,
    pub notes: Vec<Note>,
}

#[utoipa::path(get, path = "/api/v1/cycles/{id}/actions/{action}", tag = "committee", params(("id" = i64, Path), ("action" = i64, Path)),
    responses((status = 200, body = ActionView), (status = 404, body = ErrorBody)))]
pub async fn action(
    Staff { org, .. }: Staff,
    State(s): State<AppState>,
    Path((id, aid)): Path<(i64, i64)>,
) -> Result<Json<ActionView>, AppError> {
    let action = store::action(&s.db, org, id, aid).await?;
    Ok(Json(ActionView { notes: store::notes(&s.db, org, aid).await?, action }))
}

#[utoipa::path(put, path = "/api/v1/cycles/{id}/actions/{action}", tag = "committee", params(("id" = i64, Path), ("action" = i64, Path)), request_body = ActionInput,
    responses((status = 200, body = Action), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update_action(
    Staff { org, .. }: Staff,
    State(s): State<AppState>,
    Path((id, aid)): Path<(i64, i64)>,
    Json(b): Json<ActionInput>,
) -> Result<Json<Action>, AppError> {
    service::do_update_action(&s, org, id, aid, &b.into()).await?;
    Ok(Json(store::action(&s.db, org, id, aid).await?))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct NoteInput {
    pub text: String,
}

/// Add a progress note to an action.
#[utoipa::path(post, path = "/api/v1/cycles/{id}/actions/{action}/notes", tag = "committee", params(("id" = i64, Path), ("action" = i64, Path)), request_body = NoteInput,
    responses((status = 201), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn add_note(
    Staff { user, org }: Staff,
    State(s): State<AppState>,
    Path((id, aid)): Path<(i64, i64)>,
    Json(b): Json<NoteInput>,
) -> Result<StatusCode, AppError> {
    service::do_note(&s, org, id, aid, &user.user.name, &b.text).await?;
    Ok(StatusCode::CREATED)
}

/// The AMO journal.
#[utoipa::path(get, path = "/api/v1/cycles/{id}/amo", tag = "committee", params(("id" = i64, Path)), responses((status = 200, body = Vec<AmoEntry>)))]
pub async fn amo(
    CycleOf { org, .. }: CycleOf,
    State(s): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Json<Vec<AmoEntry>>, AppError> {
    Ok(Json(store::amo_entries(&s.db, org, id).await?))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct AmoInput {
    /// feedback, connection, training, proposal, meeting, other
    pub kind: String,
    /// YYYY-MM-DD
    pub day: String,
    pub minutes: i64,
    pub text: String,
    #[serde(default)]
    pub action_ids: Vec<i64>,
    /// Default: the intervenant of the caller's account.
    pub intervenant_id: Option<i64>,
    /// The participants present at a meeting: the AMO's attendance is recorded in its journal.
    #[serde(default)]
    pub attendee_ids: Vec<i64>,
}

#[utoipa::path(post, path = "/api/v1/cycles/{id}/amo", tag = "committee", params(("id" = i64, Path)), request_body = AmoInput,
    responses((status = 201, body = AmoEntry), (status = 422, body = ErrorBody)))]
pub async fn add_amo(
    Staff { user, org }: Staff,
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Json(b): Json<AmoInput>,
) -> Result<Response, AppError> {
    let f = AmoForm {
        kind: b.kind,
        day: b.day,
        duration: b.minutes.to_string(),
        text: b.text,
        action_ids: b.action_ids,
        intervenant_id: b.intervenant_id,
        attendee_ids: b.attendee_ids,
    };
    let eid = service::do_add_amo(&s, &user, id, &f).await?;
    let e = store::amo_entries(&s.db, org, id).await?.into_iter().find(|e| e.id == eid).ok_or(AppError::NotFound)?;
    Ok((StatusCode::CREATED, Json(e)).into_response())
}
