//! Attendance pages: the intervenant's sheet of a session (open signing with a code and its QR code,
//! mark, sign and close), the participant's signing on their phone, absences announced in advance,
//! the sheets and certificates as PDF, and the client contact's documents.

use super::service::*;
use askama::Template;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use tower_sessions::Session;

use crate::attendance::documents::{self, ModuleAttendance, attendees, module_attendance};
use crate::attendance::store::{self as att, HalfDay, Mark};
use crate::attendance::{Status, has_sheets, hours_text, late_entry, may_lock, may_mark, may_open, new_code};
use crate::auth::Staff;
use crate::auth::web::ClientIp;
use crate::auth::{CurrentUser, Role};
use crate::cycle::store::{self as cycles, Cycle, Participant, TrainingSession};
use crate::documents::pdf_response;
use crate::error::{AppError, FieldErrors};
use crate::extract::{Form, Path};
use crate::state::AppState;
use crate::web::{PageCtx, flash, render, render_invalid};

/// A half-day of the sheet page, with its rows.
pub struct SheetHalf {
    pub half: HalfDay,
    pub when: String,
    pub rows: Vec<(Participant, Option<Mark>)>,
    pub history: Vec<(Mark, String)>,
    pub qr: String,
    pub sign_url: String,
    /// Why signing cannot be opened now (none when it can).
    pub open_note: Option<String>,
    /// Why the sheet cannot be closed now (none when it can).
    pub lock_note: Option<String>,
    /// Why presences cannot be noted yet (none when they can).
    pub mark_note: Option<String>,
    /// A mark now would come after the half-day's own day: the coordination's, with a reason.
    pub late: bool,
    /// People without a mark yet.
    pub unmarked: usize,
}

#[derive(Template)]
#[template(path = "attendance/session.html")]
struct SessionSheetPage {
    ctx: PageCtx,
    cycle: Cycle,
    session: TrainingSession,
    halves: Vec<SheetHalf>,
    coordinator: bool,
    statuses: Vec<(&'static str, &'static str)>,
    errors: FieldErrors,
    trainer: String,
    /// Why the sheet is not written at all (a cancelled session, an AMO meeting).
    closed_note: Option<String>,
}

fn qr_svg(text: &str) -> String {
    match qrcode::QrCode::new(text.as_bytes()) {
        Ok(code) => code.render::<qrcode::render::svg::Color>().min_dimensions(180, 180).quiet_zone(true).build(),
        Err(_) => String::new(),
    }
}

async fn sheet_page(
    s: &AppState,
    user: &CurrentUser,
    ctx: PageCtx,
    cycle_id: i64,
    session_id: i64,
    errors: FieldErrors,
) -> Result<SessionSheetPage, AppError> {
    let a = access(s, user, cycle_id, session_id).await?;
    let module = cycles::module(&s.db, a.org, cycle_id, a.session.cycle_module_id).await?;
    let people = attendees(module.kind, &cycles::participants(&s.db, a.org, cycle_id).await?);
    let tz = a.cycle.tz();
    let now = s.now();
    let margin = s.config.attendance_open_minutes_before;
    let mut halves = Vec::new();
    for h in att::ensure(&s.db, a.org, &a.session).await? {
        let marks = att::current(&s.db, a.org, h.id).await?;
        let rows =
            people.iter().map(|p| (p.clone(), marks.iter().find(|m| m.participant_id == p.id).cloned())).collect();
        let history = att::history(&s.db, a.org, h.id)
            .await?
            .into_iter()
            .map(|m| {
                let who = people.iter().find(|p| p.id == m.participant_id).map(|p| p.full_name()).unwrap_or_default();
                (m, who)
            })
            .collect();
        let sign_url = format!("{}/signer/{}", s.config.public_url(), h.code.clone().unwrap_or_default());
        let a_ = chrono::DateTime::from_timestamp(h.start_at, 0).unwrap_or_default().with_timezone(&tz);
        let b_ = chrono::DateTime::from_timestamp(h.end_at, 0).unwrap_or_default().with_timezone(&tz);
        let unmarked = people.iter().filter(|p| !marks.iter().any(|m| m.participant_id == p.id)).count();
        halves.push(SheetHalf {
            open_note: may_open(now, h.start_at, h.end_at, margin, tz).err(),
            lock_note: may_lock(now, h.end_at, tz).err(),
            mark_note: may_mark(now, h.start_at, tz).err(),
            late: late_entry(now, h.start_at, tz),
            unmarked,
            when: format!(
                "{} — {} de {} à {}",
                h.part.label(),
                crate::fr::date_long(a_.date_naive()),
                a_.format("%H:%M"),
                b_.format("%H:%M")
            ),
            qr: if h.is_open() { qr_svg(&sign_url) } else { String::new() },
            sign_url,
            half: h,
            rows,
            history,
        });
    }
    let trainer = a.session.intervenant_name.clone().unwrap_or_else(|| user.user.name.clone());
    let closed_note = if a.session.is_cancelled() {
        Some(format!("Cette séance est annulée ({}) : sa feuille ne s'écrit plus.", a.session.cancel_reason))
    } else if !has_sheets(a.session.module_kind) {
        Some(
            "Les réunions d'accompagnement (AMO) et les conférences ne s'émargent pas par demi-journée : les présents \
             d'une réunion d'AMO se notent dans le journal d'AMO."
                .to_string(),
        )
    } else {
        None
    };
    Ok(SessionSheetPage {
        closed_note,
        ctx,
        cycle: a.cycle,
        session: a.session,
        halves,
        coordinator: a.coordinator,
        statuses: Status::ALL.iter().map(|s| (s.as_str(), s.label())).collect(),
        errors,
        trainer,
    })
}

pub async fn session_sheet(
    ctx: PageCtx,
    user: CurrentUser,
    State(s): State<AppState>,
    Path((id, sid)): Path<(i64, i64)>,
) -> Result<Response, AppError> {
    render(&sheet_page(&s, &user, ctx, id, sid, FieldErrors::new()).await?)
}

/// Opens signing with `code`, for the session's intervenant or the coordination, on the half-day's
/// own day only (see [`crate::attendance::may_open`]).
pub async fn open_checked(
    s: &AppState,
    user: &CurrentUser,
    id: i64,
    sid: i64,
    hid: i64,
    code: &str,
) -> Result<(), AppError> {
    let a = access(s, user, id, sid).await?;
    writable(&a)?;
    let h = half_of(s, &a, hid).await?;
    if h.is_locked() {
        return Err(AppError::Conflict("Cette feuille est close : elle ne se rouvre pas.".into()));
    }
    let now = s.now();
    may_open(now, h.start_at, h.end_at, s.config.attendance_open_minutes_before, a.cycle.tz())
        .map_err(AppError::Conflict)?;
    att::open(&s.db, a.org, h.id, user.id(), code, now).await
}

pub async fn open(
    ctx: PageCtx,
    user: CurrentUser,
    session: Session,
    State(s): State<AppState>,
    Path((id, sid, hid)): Path<(i64, i64, i64)>,
) -> Result<Response, AppError> {
    match open_checked(&s, &user, id, sid, hid, &new_code()).await {
        Ok(()) => {
            flash(&session, "La signature est ouverte : montrez le code ou le QR code aux participants.").await;
            Ok(Redirect::to(&format!("/cycles/{id}/seances/{sid}/emargement#demi-{hid}")).into_response())
        }
        Err(e) => {
            let e = e.into_form_errors("open")?;
            crate::web::render_invalid(&sheet_page(&s, &user, ctx, id, sid, e).await?)
        }
    }
}

pub async fn mark(
    ctx: PageCtx,
    user: CurrentUser,
    session: Session,
    ClientIp(ip): ClientIp,
    State(s): State<AppState>,
    Path((id, sid, hid)): Path<(i64, i64, i64)>,
    Form(f): Form<MarkForm>,
) -> Result<Response, AppError> {
    match do_mark(&s, &user, id, sid, hid, &f, &ip).await {
        Ok(()) => {
            flash(&session, "Présence enregistrée.").await;
            Ok(Redirect::to(&format!("/cycles/{id}/seances/{sid}/emargement#demi-{hid}")).into_response())
        }
        Err(e) => {
            let e = e.into_form_errors("status")?;
            crate::web::render_invalid(&sheet_page(&s, &user, ctx, id, sid, e).await?)
        }
    }
}

pub async fn lock(
    ctx: PageCtx,
    user: CurrentUser,
    session: Session,
    State(s): State<AppState>,
    Path((id, sid, hid)): Path<(i64, i64, i64)>,
    Form(f): Form<LockForm>,
) -> Result<Response, AppError> {
    match do_lock(&s, &user, id, sid, hid, &f).await {
        Ok(()) => {
            flash(&session, "La feuille est signée et close. Toute modification ultérieure sera tracée.").await;
            Ok(Redirect::to(&format!("/cycles/{id}/seances/{sid}/emargement#demi-{hid}")).into_response())
        }
        Err(e) => {
            let e = e.into_form_errors("trainer_name")?;
            crate::web::render_invalid(&sheet_page(&s, &user, ctx, id, sid, e).await?)
        }
    }
}

pub async fn half_pdf(
    user: CurrentUser,
    State(s): State<AppState>,
    Path((id, sid, hid)): Path<(i64, i64, i64)>,
) -> Result<Response, AppError> {
    let a = access(&s, &user, id, sid).await?;
    half_of(&s, &a, hid).await?;
    let ma = module_attendance(&s.db, a.org, id, a.session.cycle_module_id).await?;
    Ok(pdf_response(
        &format!("emargement-{hid}.pdf"),
        documents::sheets_pdf(&s.db, a.org, &ma, Some(hid), false).await?,
    ))
}

pub async fn module_pdf(
    Staff { org, .. }: Staff,
    State(s): State<AppState>,
    Path((id, cm)): Path<(i64, i64)>,
) -> Result<Response, AppError> {
    let ma = module_attendance(&s.db, org, id, cm).await?;
    Ok(pdf_response("emargement.pdf", documents::sheets_pdf(&s.db, org, &ma, None, false).await?))
}

pub async fn blank_pdf(
    Staff { org, .. }: Staff,
    State(s): State<AppState>,
    Path((id, cm)): Path<(i64, i64)>,
) -> Result<Response, AppError> {
    let ma = module_attendance(&s.db, org, id, cm).await?;
    Ok(pdf_response("emargement-vierge.pdf", documents::sheets_pdf(&s.db, org, &ma, None, true).await?))
}

// --- the module's summary and certificates ---------------------------------------------------------

/// A row of the summary: a person, their hours from the closed sheets, their marks, and their
/// certificates in force.
pub struct SummaryRow {
    pub person: Participant,
    pub hours: String,
    pub cells: Vec<String>,
    pub certificates: Vec<crate::attendance::store::Certificate>,
}

#[derive(Template)]
#[template(path = "attendance/summary.html")]
struct SummaryPage {
    ctx: PageCtx,
    ma: ModuleAttendance,
    rows: Vec<SummaryRow>,
    planned: String,
    /// Why certificates cannot be issued yet (none when they can).
    not_yet: Option<String>,
    cancelled: Vec<(crate::attendance::store::Certificate, String)>,
    coordinator: bool,
    errors: FieldErrors,
}

async fn summary_page(
    s: &AppState,
    user: &CurrentUser,
    ctx: PageCtx,
    id: i64,
    cm: i64,
    errors: FieldErrors,
) -> Result<SummaryPage, AppError> {
    let org = user.staff_org()?;
    let ma = module_attendance(&s.db, org, id, cm).await?;
    let all = att::certificates_of_module(&s.db, org, cm).await?;
    let rows = ma
        .people
        .iter()
        .map(|p| {
            let cells = ma
                .halves
                .iter()
                .map(|(_, h, _)| {
                    ma.mark(h.id, p.id).map(|m| m.status.label().to_string()).unwrap_or_else(|| "—".into())
                })
                .collect();
            SummaryRow {
                person: p.clone(),
                hours: hours_text(ma.attended(p.id)),
                cells,
                certificates: all
                    .iter()
                    .filter(|c| c.participant_id == p.id && c.cancelled_at.is_none())
                    .cloned()
                    .collect(),
            }
        })
        .collect();
    let cancelled = all
        .iter()
        .filter(|c| c.cancelled_at.is_some())
        .map(|c| {
            let who = ma.people.iter().find(|p| p.id == c.participant_id).map(|p| p.full_name()).unwrap_or_default();
            (c.clone(), who)
        })
        .collect();
    let planned = hours_text(ma.planned_minutes());
    let not_yet = crate::attendance::may_issue(s.now(), ma.last_end(), ma.unlocked().len(), ma.cycle.tz()).err();
    Ok(SummaryPage {
        ctx,
        ma,
        rows,
        planned,
        not_yet,
        cancelled,
        coordinator: user.role() == Role::Coordinator,
        errors,
    })
}

pub async fn summary(
    ctx: PageCtx,
    user: CurrentUser,
    State(s): State<AppState>,
    Path((id, cm)): Path<(i64, i64)>,
) -> Result<Response, AppError> {
    render(&summary_page(&s, &user, ctx, id, cm, FieldErrors::new()).await?)
}

fn actor_of(user: &CurrentUser) -> crate::audit::Actor {
    crate::audit::Actor::user(user.id(), &user.user.name, user.role())
}

/// A participant's certificate as a PDF: the one in force, or, for the coordination, issued now
/// when the time rules allow it (shared with the API).
pub async fn certificate_response(
    s: &AppState,
    user: &CurrentUser,
    id: i64,
    cm: i64,
    pid: i64,
    kind: &str,
) -> Result<Response, AppError> {
    let org = user.coordinator_org()?;
    if !crate::attendance::certificates::is_kind(kind) {
        return Err(AppError::NotFound);
    }
    let ma = module_attendance(&s.db, org, id, cm).await?;
    let p = ma.people.iter().find(|p| p.id == pid).cloned().ok_or(AppError::NotFound)?;
    let issuer = documents::Issuer::load(&s.db, org).await?;
    let c = crate::attendance::certificates::issue(s, org, &ma, &issuer, &p, kind, &actor_of(user)).await?;
    let pdf = documents::certificate_pdf(&issuer, &c.content).await?;
    Ok(pdf_response(&format!("{}.pdf", crate::attendance::certificates::file_name(kind, &p)), pdf))
}

pub async fn certificate(
    user: CurrentUser,
    State(s): State<AppState>,
    Path((id, cm, pid, kind)): Path<(i64, i64, i64, String)>,
) -> Result<Response, AppError> {
    certificate_response(&s, &user, id, cm, pid, &kind).await
}

/// `POST /cycles/{id}/modules/{module}/certificats`: issues every certificate of the module.
pub async fn issue_certificates(
    ctx: PageCtx,
    user: CurrentUser,
    session: Session,
    State(s): State<AppState>,
    Path((id, cm)): Path<(i64, i64)>,
) -> Result<Response, AppError> {
    let org = user.coordinator_org()?;
    let ma = module_attendance(&s.db, org, id, cm).await?;
    match crate::attendance::certificates::issue_all(&s, org, &ma, &actor_of(&user)).await {
        Ok(list) => {
            flash(&session, format!("{} en vigueur.", crate::fr::plural(list.len() as i64, "document", "documents")))
                .await;
            Ok(Redirect::to(&format!("/cycles/{id}/modules/{cm}/presences")).into_response())
        }
        Err(e) => {
            let e = e.into_form_errors("certificates")?;
            render_invalid(&summary_page(&s, &user, ctx, id, cm, e).await?)
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct CancelCertificateForm {
    pub reason: String,
}

/// `POST /cycles/{id}/modules/{module}/certificats/{certificate}/annuler`
pub async fn cancel_certificate(
    ctx: PageCtx,
    user: CurrentUser,
    session: Session,
    State(s): State<AppState>,
    Path((id, cm, cid)): Path<(i64, i64, i64)>,
    Form(f): Form<CancelCertificateForm>,
) -> Result<Response, AppError> {
    let org = user.coordinator_org()?;
    let c = att::certificates_of_module(&s.db, org, cm)
        .await?
        .into_iter()
        .find(|c| c.id == cid && c.cycle_id == id)
        .ok_or(AppError::NotFound)?;
    match crate::attendance::certificates::cancel(&s, org, &c, &f.reason, &actor_of(&user)).await {
        Ok(()) => {
            flash(&session, "Le document est annulé : il reste au dossier. Un nouveau peut être délivré.").await;
            Ok(Redirect::to(&format!("/cycles/{id}/modules/{cm}/presences")).into_response())
        }
        Err(e) => {
            let e = e.into_form_errors("reason")?;
            render_invalid(&summary_page(&s, &user, ctx, id, cm, e).await?)
        }
    }
}

pub async fn certificates_zip(
    user: CurrentUser,
    State(s): State<AppState>,
    Path((id, cm)): Path<(i64, i64)>,
) -> Result<Response, AppError> {
    let org = user.coordinator_org()?;
    let ma = module_attendance(&s.db, org, id, cm).await?;
    let issued = crate::attendance::certificates::issue_all(&s, org, &ma, &actor_of(&user)).await?;
    let issuer = documents::Issuer::load(&s.db, org).await?;
    let mut seen = std::collections::HashSet::new();
    let items: Vec<(String, String)> = issued
        .iter()
        .map(|(p, c)| {
            let mut name = crate::attendance::certificates::file_name(&c.kind, p);
            if !seen.insert(name.clone()) {
                name = format!("{name}-{}", p.id);
            }
            (name, c.content.clone())
        })
        .collect();
    let zip = documents::certificates_zip(&issuer, &items).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/zip".to_string()),
            (header::CONTENT_DISPOSITION, "attachment; filename=\"certificats.zip\"".to_string()),
        ],
        zip,
    )
        .into_response())
}

// --- the participant's side -------------------------------------------------------------------------

// --- the client contact's documents ---------------------------------------------------------------
