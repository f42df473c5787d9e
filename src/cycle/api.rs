//! `/api/v1/cycles`, `/api/v1/rooms` and `/api/v1/registrations`: the JSON twin of the cycle pages.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

use crate::auth::CurrentUser;
use crate::auth::Staff;
use crate::cycle::mixity::Mixity;
use crate::cycle::planning::PlanParams;
use crate::cycle::room::{Room, RoomInput};
use crate::cycle::service::{self, ParticipantInput, SessionInput};
use crate::cycle::store::{self, Cycle, CycleModule, Participant, Registration, TrainingSession};
use crate::cycle::{Phase, blockers};
use crate::error::{AppError, ErrorBody};
use crate::extract::{Json, Path, Query};
use crate::state::AppState;
use crate::web::list::{ListParams, Listing, Page};

/// A cycle with everything its page shows.
#[derive(Serialize, utoipa::ToSchema)]
pub struct CycleDetail {
    #[serde(flatten)]
    pub cycle: Cycle,
    pub structures: Vec<(i64, String)>,
    pub modules: Vec<CycleModule>,
    pub sessions: Vec<TrainingSession>,
    pub participants: Vec<Participant>,
    pub mixity: Mixity,
    /// Why the cycle cannot move to the next phase yet.
    pub blockers: Vec<String>,
    /// The calendar a calendar application subscribes to.
    pub calendar_url: String,
}

async fn detail(s: &AppState, org: i64, id: i64) -> Result<CycleDetail, AppError> {
    let cycle = store::get(&s.db, org, id).await?;
    let participants = store::participants(&s.db, org, id).await?;
    let facts = store::facts(&s.db, org, id, s.now()).await?;
    let token = store::calendar_token_of_cycle(&s.db, org, id).await?;
    Ok(CycleDetail {
        structures: store::structures(&s.db, org, id).await?,
        modules: store::modules(&s.db, org, id).await?,
        sessions: store::sessions(&s.db, org, id).await?,
        mixity: super::web::measure(&participants),
        participants,
        blockers: blockers(cycle.status, &facts),
        calendar_url: format!("{}/calendrier/cycle/{token}", s.config.public_url()),
        cycle,
    })
}

/// The organisation's cycles.
#[utoipa::path(get, path = "/api/v1/cycles", tag = "cycles", params(ListParams), responses((status = 200, body = Page<Cycle>), (status = 401, body = ErrorBody)))]
pub async fn list(
    Staff { user, org }: Staff,
    State(s): State<AppState>,
    Query(p): Query<ListParams>,
) -> Result<Json<Page<Cycle>>, AppError> {
    let l = Listing::checked(&p, &store::SORT)?;
    let (items, total) = store::list(&s.db, org, &l, super::web::taught_filter(&s, &user).await?).await?;
    Ok(Json(Page { items, total, page: l.page, per_page: l.per_page }))
}

/// A new cycle: from an accepted quote (its modules' versions) or from catalogue modules.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct NewCycle {
    pub client_id: Option<i64>,
    pub title: String,
    #[serde(default)]
    pub territory: String,
    #[serde(default = "default_zone")]
    pub timezone: String,
    /// An accepted quote: the cycle takes its client and the versions of its modules.
    pub quote_id: Option<i64>,
    /// Catalogue modules (their current versions), when there is no quote.
    #[serde(default)]
    pub module_ids: Vec<i64>,
}

fn default_zone() -> String {
    "Europe/Paris".into()
}

/// Open a cycle.
#[utoipa::path(post, path = "/api/v1/cycles", tag = "cycles", request_body = NewCycle, responses((status = 201, body = CycleDetail), (status = 422, body = ErrorBody)))]
pub async fn create(
    user: CurrentUser,
    State(s): State<AppState>,
    Json(b): Json<NewCycle>,
) -> Result<Response, AppError> {
    let org = user.coordinator_org()?;
    let (client_id, versions) = match b.quote_id {
        Some(q) => {
            let quote = crate::quote::store::get(&s.db, org, q)
                .await
                .map_err(|_| AppError::invalid("quote_id", "Ce devis n'existe pas dans votre organisation."))?;
            let v = crate::quote::store::version(&s.db, org, q, quote.decided_version.unwrap_or(quote.version)).await?;
            (
                b.client_id.unwrap_or(quote.client_id),
                v.priced.lines.iter().filter_map(|l| l.module_version_id).collect::<Vec<_>>(),
            )
        }
        None => {
            let mut versions = Vec::new();
            for m in &b.module_ids {
                let module = crate::catalogue::store::get(&s.db, org, *m).await.map_err(|_| {
                    AppError::invalid("module_ids", "Un des modules n'existe pas dans votre catalogue.")
                })?;
                versions.push(crate::catalogue::store::version(&s.db, org, *m, module.version).await?.id);
            }
            (b.client_id.unwrap_or(0), versions)
        }
    };
    let c = super::web::create_cycle(&s, org, client_id, &b.title, &b.territory, &b.timezone, b.quote_id, &versions)
        .await?;
    Ok((StatusCode::CREATED, Json(detail(&s, org, c.id).await?)).into_response())
}

/// A cycle, its modules, sessions, group, mixity and what blocks its next phase.
#[utoipa::path(get, path = "/api/v1/cycles/{id}", tag = "cycles", params(("id" = i64, Path)), responses((status = 200, body = CycleDetail), (status = 404, body = ErrorBody)))]
pub async fn get_one(
    user: CurrentUser,
    State(s): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Json<CycleDetail>, AppError> {
    Ok(Json(detail(&s, user.staff_org()?, id).await?))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct PhaseChange {
    pub status: Phase,
}

/// Move the cycle to its next phase (422 with the reasons when something is missing).
#[utoipa::path(post, path = "/api/v1/cycles/{id}/advance", tag = "cycles", params(("id" = i64, Path)), responses((status = 200, body = PhaseChange), (status = 422, body = ErrorBody)))]
pub async fn advance(
    user: CurrentUser,
    State(s): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Json<PhaseChange>, AppError> {
    let org = user.coordinator_org()?;
    let cycle = store::get(&s.db, org, id).await?;
    Ok(Json(PhaseChange { status: service::advance(&s.db, org, &cycle, s.now()).await? }))
}

/// Add a person to the groupe mixte (or to the waiting list when it is full).
#[utoipa::path(post, path = "/api/v1/cycles/{id}/participants", tag = "cycles", params(("id" = i64, Path)), request_body = ParticipantInput,
    responses((status = 201, body = Participant), (status = 422, body = ErrorBody)))]
pub async fn add_participant(
    user: CurrentUser,
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Json(b): Json<ParticipantInput>,
) -> Result<Response, AppError> {
    let org = user.coordinator_org()?;
    let cycle = store::get(&s.db, org, id).await?;
    let p = service::add_participant(&s.db, org, &cycle, &b).await?;
    Ok((StatusCode::CREATED, Json(p)).into_response())
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct ParticipantChange {
    pub committee: Option<bool>,
    /// `group` to move someone from the waiting list into the group; `other` to take them out of
    /// the group (they stay on the records already made).
    pub membership: Option<String>,
}

/// Change a participant: committee membership, or into the group.
#[utoipa::path(put, path = "/api/v1/cycles/{id}/participants/{participant}", tag = "cycles", params(("id" = i64, Path), ("participant" = i64, Path)),
    request_body = ParticipantChange, responses((status = 200, body = Participant), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn update_participant(
    user: CurrentUser,
    State(s): State<AppState>,
    Path((id, pid)): Path<(i64, i64)>,
    Json(b): Json<ParticipantChange>,
) -> Result<Json<Participant>, AppError> {
    let org = user.coordinator_org()?;
    let cycle = store::get(&s.db, org, id).await?;
    store::participant(&s.db, org, id, pid).await?;
    if let Some(c) = b.committee {
        store::set_committee(&s.db, org, id, pid, c).await?;
    }
    match b.membership.as_deref() {
        Some("group") => service::promote(&s.db, org, &cycle, pid).await?,
        Some("other") => store::set_membership(&s.db, org, id, pid, crate::cycle::Membership::Other).await?,
        Some(other) => {
            return Err(AppError::invalid(
                "membership",
                format!("Valeur inconnue : {}", other.chars().take(20).collect::<String>()),
            ));
        }
        None => {}
    }
    Ok(Json(store::participant(&s.db, org, id, pid).await?))
}

/// Remove a participant from the cycle (refused, 409, once they appear on a sheet or a certificate:
/// set their membership to `other` instead).
#[utoipa::path(delete, path = "/api/v1/cycles/{id}/participants/{participant}", tag = "cycles", params(("id" = i64, Path), ("participant" = i64, Path)),
    responses((status = 204), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn delete_participant(
    user: CurrentUser,
    State(s): State<AppState>,
    Path((id, pid)): Path<(i64, i64)>,
) -> Result<StatusCode, AppError> {
    let org = user.coordinator_org()?;
    let cycle = store::get(&s.db, org, id).await?;
    service::delete_participant(&s.db, org, &cycle, pid).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct PlanRequest {
    #[serde(flatten)]
    pub params: PlanParams,
    /// Plan despite warnings (weekends, public holidays).
    #[serde(default)]
    pub force: bool,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Planned {
    pub session_ids: Vec<i64>,
}

/// Expand a module of the cycle into its sessions (422 listing the conflicts when refused).
#[utoipa::path(post, path = "/api/v1/cycles/{id}/modules/{module}/plan", tag = "cycles", params(("id" = i64, Path), ("module" = i64, Path)),
    request_body = PlanRequest, responses((status = 201, body = Planned), (status = 422, body = ErrorBody)))]
pub async fn plan(
    user: CurrentUser,
    State(s): State<AppState>,
    Path((id, cm)): Path<(i64, i64)>,
    Json(b): Json<PlanRequest>,
) -> Result<Response, AppError> {
    let org = user.coordinator_org()?;
    let cycle = store::get(&s.db, org, id).await?;
    let session_ids = service::plan_module(&s.db, org, &cycle, cm, &b.params, b.force).await?;
    Ok((StatusCode::CREATED, Json(Planned { session_ids })).into_response())
}

/// Add one session to a module of the cycle.
#[utoipa::path(post, path = "/api/v1/cycles/{id}/modules/{module}/sessions", tag = "cycles", params(("id" = i64, Path), ("module" = i64, Path)),
    request_body = SessionInput, responses((status = 201, body = TrainingSession), (status = 422, body = ErrorBody)))]
pub async fn add_session(
    user: CurrentUser,
    State(s): State<AppState>,
    Path((id, cm)): Path<(i64, i64)>,
    Json(b): Json<SessionInput>,
) -> Result<Response, AppError> {
    let org = user.coordinator_org()?;
    let cycle = store::get(&s.db, org, id).await?;
    let sid = service::add_session(&s.db, org, &cycle, cm, &b).await?;
    Ok((StatusCode::CREATED, Json(store::session(&s.db, org, sid).await?)).into_response())
}

/// Move or change a session.
#[utoipa::path(put, path = "/api/v1/cycles/{id}/sessions/{session}", tag = "cycles", params(("id" = i64, Path), ("session" = i64, Path)),
    request_body = SessionInput, responses((status = 200, body = TrainingSession), (status = 422, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn update_session(
    user: CurrentUser,
    State(s): State<AppState>,
    Path((id, sid)): Path<(i64, i64)>,
    Json(b): Json<SessionInput>,
) -> Result<Json<TrainingSession>, AppError> {
    let org = user.coordinator_org()?;
    let cycle = store::get(&s.db, org, id).await?;
    service::update_session(&s.db, org, &cycle, sid, &b).await?;
    Ok(Json(store::session(&s.db, org, sid).await?))
}

/// Delete a session that holds no record (409 once a sheet was opened or marked: cancel it instead).
#[utoipa::path(delete, path = "/api/v1/cycles/{id}/sessions/{session}", tag = "cycles", params(("id" = i64, Path), ("session" = i64, Path)),
    responses((status = 204), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn delete_session(
    user: CurrentUser,
    State(s): State<AppState>,
    Path((id, sid)): Path<(i64, i64)>,
) -> Result<StatusCode, AppError> {
    let org = user.coordinator_org()?;
    let cycle = store::get(&s.db, org, id).await?;
    service::delete_session(&s.db, org, &cycle, sid).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct StructureRequest {
    pub client_id: i64,
}

/// Add a client structure to the cycle's mixed group; the participants enrolled under its name are
/// tied to it (its contact then sees their attendance and certificates).
#[utoipa::path(post, path = "/api/v1/cycles/{id}/structures", tag = "cycles", params(("id" = i64, Path)),
    request_body = StructureRequest,
    responses((status = 204), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn add_structure(
    user: CurrentUser,
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Json(b): Json<StructureRequest>,
) -> Result<StatusCode, AppError> {
    let org = user.coordinator_org()?;
    let cycle = store::get(&s.db, org, id).await?;
    service::add_structure(&s.db, org, &cycle, b.client_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct CancelRequest {
    /// Why the session is cancelled (kept in the audit trail).
    pub reason: String,
}

/// Cancel a session: it stays, struck out, out of the hours, calendars and reminders (409 when one
/// of its sheets is closed: it took place).
#[utoipa::path(post, path = "/api/v1/cycles/{id}/sessions/{session}/cancel", tag = "cycles", params(("id" = i64, Path), ("session" = i64, Path)),
    request_body = CancelRequest,
    responses((status = 200, body = TrainingSession), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn cancel_session(
    user: CurrentUser,
    State(s): State<AppState>,
    Path((id, sid)): Path<(i64, i64)>,
    Json(b): Json<CancelRequest>,
) -> Result<Json<TrainingSession>, AppError> {
    let org = user.coordinator_org()?;
    let cycle = store::get(&s.db, org, id).await?;
    let actor = crate::audit::Actor::user(user.id(), &user.user.name, user.role());
    service::cancel_session(&s.db, org, &cycle, sid, &b.reason, &actor, s.now()).await?;
    Ok(Json(store::session(&s.db, org, sid).await?))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Convoked {
    /// Convocations queued now (people already convoked for the same dates are not again).
    pub queued: usize,
}

/// Queue the convocations of a module's participants (with the sessions as .ics).
#[utoipa::path(post, path = "/api/v1/cycles/{id}/modules/{module}/convocations", tag = "cycles", params(("id" = i64, Path), ("module" = i64, Path)),
    responses((status = 200, body = Convoked), (status = 409, body = ErrorBody)))]
pub async fn convoke(
    user: CurrentUser,
    State(s): State<AppState>,
    Path((id, cm)): Path<(i64, i64)>,
) -> Result<Json<Convoked>, AppError> {
    let org = user.coordinator_org()?;
    let cycle = store::get(&s.db, org, id).await?;
    Ok(Json(Convoked { queued: super::mails::convoke(&s, org, &cycle, cm).await? }))
}

/// The registrations of a conference session.
#[utoipa::path(get, path = "/api/v1/cycles/{id}/sessions/{session}/registrations", tag = "cycles", params(("id" = i64, Path), ("session" = i64, Path)),
    responses((status = 200, body = Vec<Registration>), (status = 404, body = ErrorBody)))]
pub async fn registrations(
    Staff { org, .. }: Staff,
    State(s): State<AppState>,
    Path((id, sid)): Path<(i64, i64)>,
) -> Result<Json<Vec<Registration>>, AppError> {
    let x = store::session(&s.db, org, sid).await?;
    if x.cycle_id != id {
        return Err(AppError::NotFound);
    }
    Ok(Json(store::registrations(&s.db, org, sid).await?))
}

/// The rooms of the host structures.
#[utoipa::path(get, path = "/api/v1/rooms", tag = "rooms", responses((status = 200, body = Vec<Room>)))]
pub async fn rooms(user: CurrentUser, State(s): State<AppState>) -> Result<Json<Vec<Room>>, AppError> {
    Ok(Json(crate::cycle::room::store::list(&s.db, user.staff_org()?).await?))
}

/// Add a room (its checklist comes from its kind; `ready` lists the items that are ready).
#[utoipa::path(post, path = "/api/v1/rooms", tag = "rooms", request_body = RoomInput, responses((status = 201, body = Room), (status = 422, body = ErrorBody)))]
pub async fn create_room(
    user: CurrentUser,
    State(s): State<AppState>,
    Json(b): Json<RoomInput>,
) -> Result<Response, AppError> {
    let org = user.coordinator_org()?;
    Ok((StatusCode::CREATED, Json(crate::cycle::room::store::create(&s.db, org, &b).await?)).into_response())
}

/// A room and its checklist.
#[utoipa::path(get, path = "/api/v1/rooms/{id}", tag = "rooms", params(("id" = i64, Path)), responses((status = 200, body = Room), (status = 404, body = ErrorBody)))]
pub async fn room(user: CurrentUser, State(s): State<AppState>, Path(id): Path<i64>) -> Result<Json<Room>, AppError> {
    Ok(Json(crate::cycle::room::store::get(&s.db, user.staff_org()?, id).await?))
}

/// Change a room, tick its checklist.
#[utoipa::path(put, path = "/api/v1/rooms/{id}", tag = "rooms", params(("id" = i64, Path)), request_body = RoomInput, responses((status = 200, body = Room), (status = 422, body = ErrorBody)))]
pub async fn update_room(
    user: CurrentUser,
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Json(b): Json<RoomInput>,
) -> Result<Json<Room>, AppError> {
    Ok(Json(crate::cycle::room::store::update(&s.db, user.coordinator_org()?, id, &b).await?))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct RegistrationRequest {
    pub name: String,
    pub email: String,
    #[serde(default)]
    pub structure: String,
    #[serde(default)]
    pub job: String,
    /// Volunteer for the comité de pilotage.
    #[serde(default)]
    pub volunteer: bool,
}

/// Register to a conference through its public link (no account).
#[utoipa::path(post, path = "/api/v1/registrations/{token}", tag = "cycles", params(("token" = String, Path)), request_body = RegistrationRequest, security(()),
    responses((status = 201, body = Registration), (status = 422, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn register(
    State(s): State<AppState>,
    Path(token): Path<String>,
    Json(b): Json<RegistrationRequest>,
) -> Result<Response, AppError> {
    let f = super::web::RegisterForm {
        name: b.name,
        email: b.email,
        structure: b.structure,
        job: b.job,
        volunteer: b.volunteer,
    };
    let r = super::web::do_register(&s, &token, &f).await?;
    Ok((StatusCode::CREATED, Json(r)).into_response())
}
