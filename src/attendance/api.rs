//! `/api/v1/…/attendance` and the participant's signing: the JSON twin of the attendance pages.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::{Deserialize, Serialize};

use crate::attendance::documents::module_attendance;
use crate::attendance::service::{AbsenceForm, LockForm, MarkForm, SignForm, do_announce, do_lock, do_mark, do_sign};
use crate::attendance::store::{self as att, HalfDay, Mark};
use crate::auth::CurrentUser;
use crate::auth::Staff;
use crate::auth::web::ClientIp;
use crate::error::{AppError, ErrorBody};
use crate::extract::{Json, Path};
use crate::state::AppState;

/// A half-day with its current marks.
#[derive(Serialize, utoipa::ToSchema)]
pub struct HalfDaySheet {
    #[serde(flatten)]
    pub half_day: HalfDay,
    /// The signing code, while signing is open.
    pub code: Option<String>,
    pub marks: Vec<Mark>,
}

/// The attendance of a session, per half-day.
#[utoipa::path(get, path = "/api/v1/cycles/{id}/sessions/{session}/attendance", tag = "attendance", params(("id" = i64, Path), ("session" = i64, Path)),
    responses((status = 200, body = Vec<HalfDaySheet>), (status = 404, body = ErrorBody)))]
pub async fn session_attendance(
    Staff { org, .. }: Staff,
    State(s): State<AppState>,
    Path((id, sid)): Path<(i64, i64)>,
) -> Result<Json<Vec<HalfDaySheet>>, AppError> {
    let session = crate::cycle::store::session(&s.db, org, sid).await?;
    if session.cycle_id != id {
        return Err(AppError::NotFound);
    }
    let mut out = Vec::new();
    for h in att::ensure(&s.db, org, &session).await? {
        let marks = att::current(&s.db, org, h.id).await?;
        out.push(HalfDaySheet { code: h.code.clone().filter(|_| h.is_open()), half_day: h, marks });
    }
    Ok(Json(out))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Opened {
    pub code: String,
}

/// Open signing for a half-day (returns the code to show).
#[utoipa::path(post, path = "/api/v1/cycles/{id}/sessions/{session}/attendance/{half}/open", tag = "attendance",
    params(("id" = i64, Path), ("session" = i64, Path), ("half" = i64, Path)), responses((status = 200, body = Opened), (status = 409, body = ErrorBody)))]
pub async fn open(
    Staff { user, org }: Staff,
    State(s): State<AppState>,
    Path((id, sid, hid)): Path<(i64, i64, i64)>,
) -> Result<Json<Opened>, AppError> {
    let session = crate::cycle::store::session(&s.db, org, sid).await?;
    if session.cycle_id != id || att::get(&s.db, org, hid).await?.session_id != sid {
        return Err(AppError::NotFound);
    }
    let code = crate::attendance::new_code();
    // The same rules as the page (the intervenant of the session, or the coordination).
    crate::attendance::web::open_checked(&s, &user, id, sid, hid, &code).await?;
    Ok(Json(Opened { code }))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct MarkInput {
    pub participant_id: i64,
    /// present, absent, excused or late
    pub status: String,
    #[serde(default)]
    pub reason: String,
    #[serde(default)]
    pub late_minutes: i64,
    /// Typed from the paper sheet of a room without network.
    #[serde(default)]
    pub paper: bool,
    /// Why: required for a correction of a closed sheet or a mark entered after the half-day's own
    /// day (both the coordination's only, kept in the audit trail).
    #[serde(default)]
    pub correction: String,
}

/// Mark a participant (after the sheet is closed, a coordinator's correction, kept in the history).
#[utoipa::path(post, path = "/api/v1/cycles/{id}/sessions/{session}/attendance/{half}/marks", tag = "attendance",
    params(("id" = i64, Path), ("session" = i64, Path), ("half" = i64, Path)), request_body = MarkInput,
    responses((status = 201), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn mark(
    user: CurrentUser,
    ClientIp(ip): ClientIp,
    State(s): State<AppState>,
    Path((id, sid, hid)): Path<(i64, i64, i64)>,
    Json(b): Json<MarkInput>,
) -> Result<StatusCode, AppError> {
    let f = MarkForm {
        participant_id: b.participant_id,
        status: b.status,
        reason: b.reason,
        late_minutes: b.late_minutes.to_string(),
        paper: b.paper,
        correction: b.correction,
    };
    do_mark(&s, &user, id, sid, hid, &f, &ip).await?;
    Ok(StatusCode::CREATED)
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct LockInput {
    pub trainer_name: String,
    /// The trainer's signature, a PNG as a data URL.
    pub signature: String,
    /// Note the people without a mark as absent (otherwise closing is refused while some are unmarked).
    #[serde(default)]
    pub absent_unmarked: bool,
}

/// Sign and close the sheet of a half-day.
#[utoipa::path(post, path = "/api/v1/cycles/{id}/sessions/{session}/attendance/{half}/lock", tag = "attendance",
    params(("id" = i64, Path), ("session" = i64, Path), ("half" = i64, Path)), request_body = LockInput,
    responses((status = 204), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn lock(
    user: CurrentUser,
    State(s): State<AppState>,
    Path((id, sid, hid)): Path<(i64, i64, i64)>,
    Json(b): Json<LockInput>,
) -> Result<StatusCode, AppError> {
    do_lock(
        &s,
        &user,
        id,
        sid,
        hid,
        &LockForm { trainer_name: b.trainer_name, signature: b.signature, absent_unmarked: b.absent_unmarked },
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A participant's hours on a module.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Followed {
    pub participant_id: i64,
    pub name: String,
    pub attended_minutes: i64,
    pub planned_minutes: i64,
}

/// Hours followed by each participant of a module, from the marks.
#[utoipa::path(get, path = "/api/v1/cycles/{id}/modules/{module}/attendance", tag = "attendance", params(("id" = i64, Path), ("module" = i64, Path)),
    responses((status = 200, body = Vec<Followed>), (status = 404, body = ErrorBody)))]
pub async fn module_summary(
    Staff { org, .. }: Staff,
    State(s): State<AppState>,
    Path((id, cm)): Path<(i64, i64)>,
) -> Result<Json<Vec<Followed>>, AppError> {
    let ma = module_attendance(&s.db, org, id, cm).await?;
    let planned = ma.planned_minutes();
    Ok(Json(
        ma.people
            .iter()
            .map(|p| Followed {
                participant_id: p.id,
                name: p.full_name(),
                attended_minutes: ma.attended(p.id),
                planned_minutes: planned,
            })
            .collect(),
    ))
}

/// A participant's certificat de réalisation (`realisation`) or attestation (`attestation`), as PDF:
/// the one in force, or one issued now (409 before the module's last session or while a sheet is
/// open: certificates are dated when issued and count the closed sheets only).
#[utoipa::path(get, path = "/api/v1/cycles/{id}/modules/{module}/certificates/{participant}/{kind}", tag = "attendance",
    params(("id" = i64, Path), ("module" = i64, Path), ("participant" = i64, Path), ("kind" = String, Path)),
    responses((status = 200, content_type = "application/pdf", body = Vec<u8>), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody)))]
pub async fn certificate(
    user: CurrentUser,
    State(s): State<AppState>,
    Path((id, cm, pid, kind)): Path<(i64, i64, i64, String)>,
) -> Result<Response, AppError> {
    crate::attendance::web::certificate_response(&s, &user, id, cm, pid, &kind).await
}

/// The certificates of a module, cancelled ones included.
#[utoipa::path(get, path = "/api/v1/cycles/{id}/modules/{module}/certificates", tag = "attendance",
    params(("id" = i64, Path), ("module" = i64, Path)),
    responses((status = 200, body = Vec<crate::attendance::store::Certificate>), (status = 404, body = ErrorBody)))]
pub async fn certificates(
    user: CurrentUser,
    State(s): State<AppState>,
    Path((id, cm)): Path<(i64, i64)>,
) -> Result<Json<Vec<crate::attendance::store::Certificate>>, AppError> {
    let org = user.coordinator_org()?;
    crate::cycle::store::module(&s.db, org, id, cm).await?;
    Ok(Json(att::certificates_of_module(&s.db, org, cm).await?))
}

/// Issue every certificate and attestation of a module (those in force are kept as they are).
#[utoipa::path(post, path = "/api/v1/cycles/{id}/modules/{module}/certificates", tag = "attendance",
    params(("id" = i64, Path), ("module" = i64, Path)),
    responses((status = 200, body = Vec<crate::attendance::store::Certificate>), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody)))]
pub async fn issue_certificates(
    user: CurrentUser,
    State(s): State<AppState>,
    Path((id, cm)): Path<(i64, i64)>,
) -> Result<Json<Vec<crate::attendance::store::Certificate>>, AppError> {
    let org = user.coordinator_org()?;
    let ma = crate::attendance::documents::module_attendance(&s.db, org, id, cm).await?;
    let actor = crate::audit::Actor::user(user.id(), &user.user.name, user.role());
    let list = crate::attendance::certificates::issue_all(&s, org, &ma, &actor).await?;
    Ok(Json(list.into_iter().map(|(_, c)| c).collect()))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct CancelCertificate {
    /// Why (kept in the audit trail).
    pub reason: String,
}

/// Cancel a certificate in force (it stays, marked cancelled); a new one can then be issued.
#[utoipa::path(post, path = "/api/v1/cycles/{id}/modules/{module}/certificates/{certificate}/cancel", tag = "attendance",
    params(("id" = i64, Path), ("module" = i64, Path), ("certificate" = i64, Path)), request_body = CancelCertificate,
    responses((status = 204), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn cancel_certificate(
    user: CurrentUser,
    State(s): State<AppState>,
    Path((id, cm, cid)): Path<(i64, i64, i64)>,
    Json(b): Json<CancelCertificate>,
) -> Result<StatusCode, AppError> {
    let org = user.coordinator_org()?;
    let c = att::certificates_of_module(&s.db, org, cm)
        .await?
        .into_iter()
        .find(|c| c.id == cid && c.cycle_id == id)
        .ok_or(AppError::NotFound)?;
    let actor = crate::audit::Actor::user(user.id(), &user.user.name, user.role());
    crate::attendance::certificates::cancel(&s, org, &c, &b.reason, &actor).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct SignInput {
    /// The code shown in the room.
    pub code: String,
    /// A drawn signature (PNG data URL), or none with `confirm`.
    #[serde(default)]
    pub signature: String,
    #[serde(default)]
    pub confirm: bool,
}

/// A participant signs a half-day from their personal link (no account).
#[utoipa::path(post, path = "/api/v1/participants/{token}/sign/{half}", tag = "attendance", params(("token" = String, Path), ("half" = i64, Path)),
    request_body = SignInput, security(()), responses((status = 201), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn sign(
    ClientIp(ip): ClientIp,
    State(s): State<AppState>,
    Path((token, hid)): Path<(String, i64)>,
    Json(b): Json<SignInput>,
) -> Result<StatusCode, AppError> {
    do_sign(&s, &token, hid, &SignForm { code: b.code, signature: b.signature, confirm: b.confirm }, &ip).await?;
    Ok(StatusCode::CREATED)
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct AbsenceInput {
    pub reason: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Announced {
    /// Half-days marked as excused.
    pub half_days: usize,
}

/// A participant announces an absence to a coming session.
#[utoipa::path(post, path = "/api/v1/participants/{token}/absences/{session}", tag = "attendance", params(("token" = String, Path), ("session" = i64, Path)),
    request_body = AbsenceInput, security(()), responses((status = 201, body = Announced), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn announce(
    ClientIp(ip): ClientIp,
    State(s): State<AppState>,
    Path((token, sid)): Path<(String, i64)>,
    Json(b): Json<AbsenceInput>,
) -> Result<Response, AppError> {
    use axum::response::IntoResponse;
    let n = do_announce(&s, &token, sid, &AbsenceForm { reason: b.reason }.reason, &ip).await?;
    Ok((StatusCode::CREATED, Json(Announced { half_days: n })).into_response())
}
