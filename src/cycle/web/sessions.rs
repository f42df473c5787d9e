//! The pages of a cycle's sessions: planning a module, a session's form, cancelling, convoking.

use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{NaiveDate, NaiveTime};
use serde::Deserialize;
use tower_sessions::Session;

use crate::auth::CurrentUser;
use crate::catalogue::ModuleKind;
use crate::cycle::extract::CycleOf;
use crate::cycle::mails;
use crate::cycle::planning::{PlanParams, Rhythm};
use crate::cycle::room::{Room, RoomKind};
use crate::cycle::service::{self, SessionInput};
use crate::cycle::store::{self, Cycle, CycleModule, Registration, TrainingSession};
use crate::error::{AppError, FieldErrors};
use crate::extract::{Form, Path};
use crate::intervenant::Intervenant;
use crate::state::AppState;
use crate::web::list::{ListParams, Listing};
use crate::web::{PageCtx, flash, render, render_invalid};

#[derive(Template)]
#[template(path = "cycle/plan.html")]
pub(crate) struct PlanPage {
    ctx: PageCtx,
    cycle: Cycle,
    module: CycleModule,
    sessions: Vec<TrainingSession>,
    rooms: Vec<Room>,
    intervenants: Vec<Intervenant>,
    form: PlanForm,
    errors: FieldErrors,
    can_force: bool,
}

#[derive(Clone, Debug, Deserialize, Default)]
#[serde(default)]
pub struct PlanForm {
    pub start_date: String,
    pub rhythm: String,
    pub start_time: String,
    pub count: String,
    pub room_id: String,
    pub intervenant_id: String,
    #[serde(deserialize_with = "crate::web::form_bool")]
    pub force: bool,
}

impl PlanForm {
    fn to_params(&self) -> Result<PlanParams, FieldErrors> {
        let mut e = FieldErrors::new();
        let start_date = parse_date(&self.start_date).unwrap_or_else(|| {
            e.add("start_date", "Indiquez la date de la première séance (jj/mm/aaaa).");
            NaiveDate::default()
        });
        let start_time = parse_time(&self.start_time).unwrap_or_else(|| {
            e.add("start_time", "Indiquez l'heure de début (hh:mm).");
            NaiveTime::default()
        });
        let count = if self.count.trim().is_empty() {
            None
        } else {
            match self.count.trim().parse::<i64>() {
                Ok(n) => Some(n),
                Err(_) => {
                    e.add("count", "Le nombre de séances est un nombre entier.");
                    None
                }
            }
        };
        if !e.is_empty() {
            return Err(e);
        }
        Ok(PlanParams {
            start_date,
            rhythm: if self.rhythm == "weekly" { Rhythm::Weekly } else { Rhythm::Daily },
            start_time,
            count,
            room_id: self.room_id.parse().ok(),
            intervenant_id: self.intervenant_id.parse().ok(),
        })
    }
}

pub fn parse_date(s: &str) -> Option<NaiveDate> {
    let s = s.trim();
    NaiveDate::parse_from_str(s, "%Y-%m-%d").or_else(|_| NaiveDate::parse_from_str(s, "%d/%m/%Y")).ok()
}

pub fn parse_time(s: &str) -> Option<NaiveTime> {
    let s = s.trim().replace('h', ":");
    let s = if s.ends_with(':') { format!("{s}00") } else { s };
    NaiveTime::parse_from_str(&s, "%H:%M").ok()
}

pub(crate) async fn plan_page(
    s: &AppState,
    org: i64,
    ctx: PageCtx,
    id: i64,
    cm: i64,
    form: PlanForm,
    errors: FieldErrors,
) -> Result<PlanPage, AppError> {
    let cycle = store::get(&s.db, org, id).await?;
    let module = store::module(&s.db, org, id, cm).await?;
    let sessions = store::sessions(&s.db, org, id).await?.into_iter().filter(|x| x.cycle_module_id == cm).collect();
    let kind = if module.kind == ModuleKind::Conference { RoomKind::Conference } else { RoomKind::Training };
    let rooms = crate::cycle::room::store::list(&s.db, org).await?.into_iter().filter(|r| r.kind == kind).collect();
    let il = Listing::new(&ListParams { per_page: Some(200), ..Default::default() }, &crate::intervenant::store::SORT);
    let intervenants = crate::intervenant::store::all(&s.db, org, &il, &Default::default())
        .await?
        .into_iter()
        .filter(|i| i.active)
        .collect();
    let can_force = !errors.is_empty() && errors.0.iter().all(|e| e.field == "warnings");
    Ok(PlanPage { ctx, cycle, module, sessions, rooms, intervenants, form, errors, can_force })
}

pub async fn plan_form(
    ctx: PageCtx,
    user: CurrentUser,
    State(s): State<AppState>,
    Path((id, cm)): Path<(i64, i64)>,
) -> Result<Response, AppError> {
    let org = user.coordinator_org()?;
    let module = store::module(&s.db, org, id, cm).await?;
    let start = crate::cycle::calendar::next_working_day(crate::quote::today() + chrono::Days::new(30));
    let form = PlanForm {
        start_date: start.format("%Y-%m-%d").to_string(),
        rhythm: if module.kind == ModuleKind::UsageTraining { "weekly".into() } else { "daily".into() },
        start_time: if module.kind == ModuleKind::Conference { "18:00".into() } else { "09:00".into() },
        count: if module.content.unit_count == 0 || module.kind == ModuleKind::Conference {
            "2".into()
        } else {
            String::new()
        },
        intervenant_id: module.intervenant_id.map(|i| i.to_string()).unwrap_or_default(),
        ..Default::default()
    };
    render(&plan_page(&s, org, ctx, id, cm, form, FieldErrors::new()).await?)
}

pub async fn plan(
    ctx: PageCtx,
    user: CurrentUser,
    session: Session,
    State(s): State<AppState>,
    Path((id, cm)): Path<(i64, i64)>,
    Form(form): Form<PlanForm>,
) -> Result<Response, AppError> {
    let org = user.coordinator_org()?;
    let cycle = store::get(&s.db, org, id).await?;
    let result = match form.to_params() {
        Ok(p) => service::plan_module(&s.db, org, &cycle, cm, &p, form.force).await,
        Err(e) => Err(AppError::Invalid(e)),
    };
    match result {
        Ok(ids) => {
            flash(
                &session,
                format!(
                    "{} séance{} planifiée{}.",
                    ids.len(),
                    if ids.len() > 1 { "s" } else { "" },
                    if ids.len() > 1 { "s" } else { "" }
                ),
            )
            .await;
            Ok(Redirect::to(&format!("/cycles/{id}")).into_response())
        }
        Err(AppError::Invalid(e)) => render_invalid(&plan_page(&s, org, ctx, id, cm, form, e).await?),
        Err(e) => Err(e),
    }
}

#[derive(Template)]
#[template(path = "cycle/session.html")]
pub(crate) struct SessionPage {
    ctx: PageCtx,
    cycle: Cycle,
    session: Option<TrainingSession>,
    module: CycleModule,
    rooms: Vec<Room>,
    intervenants: Vec<Intervenant>,
    form: SessionForm,
    errors: FieldErrors,
    can_force: bool,
    registrations: Vec<Registration>,
    registration_url: Option<String>,
    room: Option<Room>,
    /// The session holds a sheet opened or marked: it is cancelled, not deleted.
    has_records: bool,
    cancel_reason: String,
    audit: Vec<crate::audit::AuditEntry>,
}

#[derive(Clone, Debug, Deserialize, Default)]
#[serde(default)]
pub struct SessionForm {
    pub title: String,
    pub description: String,
    pub date: String,
    pub start_time: String,
    pub end_time: String,
    pub room_id: String,
    pub intervenant_id: String,
    pub capacity: String,
    #[serde(deserialize_with = "crate::web::form_bool")]
    pub force: bool,
}

impl SessionForm {
    fn from_session(s: &TrainingSession, c: &Cycle) -> SessionForm {
        let tz = c.tz();
        let a = s.start().with_timezone(&tz);
        let b = s.end().with_timezone(&tz);
        SessionForm {
            title: s.title.clone(),
            description: s.description.clone(),
            date: a.format("%Y-%m-%d").to_string(),
            start_time: a.format("%H:%M").to_string(),
            end_time: b.format("%H:%M").to_string(),
            room_id: s.room_id.map(|x| x.to_string()).unwrap_or_default(),
            intervenant_id: s.intervenant_id.map(|x| x.to_string()).unwrap_or_default(),
            capacity: s.capacity.map(|x| x.to_string()).unwrap_or_default(),
            force: false,
        }
    }

    fn to_input(&self) -> Result<SessionInput, FieldErrors> {
        let mut e = FieldErrors::new();
        let date = parse_date(&self.date);
        if date.is_none() {
            e.add("date", "Indiquez la date (jj/mm/aaaa).");
        }
        let st = parse_time(&self.start_time);
        if st.is_none() {
            e.add("start_time", "Indiquez l'heure de début (hh:mm).");
        }
        let et = parse_time(&self.end_time);
        if et.is_none() {
            e.add("end_time", "Indiquez l'heure de fin (hh:mm).");
        }
        let capacity = if self.capacity.trim().is_empty() {
            None
        } else {
            match self.capacity.trim().parse() {
                Ok(c) => Some(c),
                Err(_) => {
                    e.add("capacity", "La capacité est un nombre entier.");
                    None
                }
            }
        };
        if !e.is_empty() {
            return Err(e);
        }
        Ok(SessionInput {
            title: self.title.clone(),
            description: self.description.clone(),
            date: date.unwrap_or_default(),
            start_time: st.unwrap_or_default(),
            end_time: et.unwrap_or_default(),
            minutes: None,
            room_id: self.room_id.parse().ok(),
            intervenant_id: self.intervenant_id.parse().ok(),
            capacity,
            force: self.force,
        })
    }
}

#[allow(clippy::too_many_arguments)]
pub(crate) async fn session_page(
    s: &AppState,
    org: i64,
    ctx: PageCtx,
    id: i64,
    cm: i64,
    session: Option<TrainingSession>,
    form: SessionForm,
    errors: FieldErrors,
) -> Result<SessionPage, AppError> {
    let p = plan_page(s, org, ctx, id, cm, PlanForm::default(), FieldErrors::new()).await?;
    let can_force = !errors.is_empty() && errors.0.iter().all(|e| e.field == "warnings");
    let (registrations, registration_url) = match &session {
        Some(x) if x.module_kind == ModuleKind::Conference => (
            store::registrations(&s.db, org, x.id).await?,
            x.registration_token.as_ref().map(|t| format!("{}/inscription/{t}", s.config.public_url())),
        ),
        _ => (Vec::new(), None),
    };
    let room = match session.as_ref().and_then(|x| x.room_id) {
        Some(r) => crate::cycle::room::store::get(&s.db, org, r).await.ok(),
        None => None,
    };
    let (has_records, audit) = match &session {
        Some(x) => (
            store::session_has_records(&s.db, org, x.id).await?,
            crate::audit::of_subject(&s.db, org, "session", x.id).await?,
        ),
        None => (false, Vec::new()),
    };
    Ok(SessionPage {
        ctx: p.ctx,
        cycle: p.cycle,
        session,
        module: p.module,
        rooms: p.rooms,
        intervenants: p.intervenants,
        form,
        errors,
        can_force,
        registrations,
        registration_url,
        room,
        has_records,
        cancel_reason: String::new(),
        audit,
    })
}

pub async fn session_form(
    ctx: PageCtx,
    CycleOf { org, cycle, .. }: CycleOf,
    State(s): State<AppState>,
    Path((id, sid)): Path<(i64, i64)>,
) -> Result<Response, AppError> {
    let x = store::session(&s.db, org, sid).await?;
    if x.cycle_id != id {
        return Err(AppError::NotFound);
    }
    let form = SessionForm::from_session(&x, &cycle);
    let cm = x.cycle_module_id;
    render(&session_page(&s, org, ctx, id, cm, Some(x), form, FieldErrors::new()).await?)
}

pub async fn session_update(
    ctx: PageCtx,
    user: CurrentUser,
    session: Session,
    State(s): State<AppState>,
    Path((id, sid)): Path<(i64, i64)>,
    Form(form): Form<SessionForm>,
) -> Result<Response, AppError> {
    let org = user.coordinator_org()?;
    let cycle = store::get(&s.db, org, id).await?;
    let x = store::session(&s.db, org, sid).await?;
    if x.cycle_id != id {
        return Err(AppError::NotFound);
    }
    let result = match form.to_input() {
        Ok(i) => service::update_session(&s.db, org, &cycle, sid, &i).await,
        Err(e) => Err(AppError::Invalid(e)),
    };
    match result {
        Ok(()) => {
            flash(&session, "La séance est enregistrée.").await;
            Ok(Redirect::to(&format!("/cycles/{id}")).into_response())
        }
        Err(e) => {
            let e = e.into_form_errors("conflicts")?;
            let cm = x.cycle_module_id;
            render_invalid(&session_page(&s, org, ctx, id, cm, Some(x), form, e).await?)
        }
    }
}

pub async fn session_add(
    ctx: PageCtx,
    user: CurrentUser,
    session: Session,
    State(s): State<AppState>,
    Path((id, cm)): Path<(i64, i64)>,
    Form(form): Form<SessionForm>,
) -> Result<Response, AppError> {
    let org = user.coordinator_org()?;
    let cycle = store::get(&s.db, org, id).await?;
    let result = match form.to_input() {
        Ok(i) => service::add_session(&s.db, org, &cycle, cm, &i).await,
        Err(e) => Err(AppError::Invalid(e)),
    };
    match result {
        Ok(_) => {
            flash(&session, "La séance est ajoutée.").await;
            Ok(Redirect::to(&format!("/cycles/{id}")).into_response())
        }
        Err(AppError::Invalid(e)) => render_invalid(&session_page(&s, org, ctx, id, cm, None, form, e).await?),
        Err(e) => Err(e),
    }
}

pub async fn session_delete(
    ctx: PageCtx,
    user: CurrentUser,
    session: Session,
    State(s): State<AppState>,
    Path((id, sid)): Path<(i64, i64)>,
) -> Result<Response, AppError> {
    let org = user.coordinator_org()?;
    let cycle = store::get(&s.db, org, id).await?;
    match service::delete_session(&s.db, org, &cycle, sid).await {
        Ok(()) => {
            flash(&session, "La séance est supprimée.").await;
            Ok(Redirect::to(&format!("/cycles/{id}")).into_response())
        }
        Err(e) => {
            let e = e.into_form_errors("conflicts")?;
            let x = store::session(&s.db, org, sid).await?;
            let form = SessionForm::from_session(&x, &cycle);
            let cm = x.cycle_module_id;
            render_invalid(&session_page(&s, org, ctx, id, cm, Some(x), form, e).await?)
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct CancelForm {
    pub reason: String,
}

/// `POST /cycles/{id}/seances/{session}/annuler`: the session stays, struck out, out of the hours.
pub async fn session_cancel(
    ctx: PageCtx,
    user: CurrentUser,
    session: Session,
    State(s): State<AppState>,
    Path((id, sid)): Path<(i64, i64)>,
    Form(f): Form<CancelForm>,
) -> Result<Response, AppError> {
    let org = user.coordinator_org()?;
    let cycle = store::get(&s.db, org, id).await?;
    let actor = crate::audit::Actor::user(user.id(), &user.user.name, user.role());
    match service::cancel_session(&s.db, org, &cycle, sid, &f.reason, &actor, s.now()).await {
        Ok(()) => {
            flash(&session, "La séance est annulée : elle reste visible, barrée, et ne compte plus dans les heures.")
                .await;
            Ok(Redirect::to(&format!("/cycles/{id}")).into_response())
        }
        Err(e) => {
            let e = e.into_form_errors("reason")?;
            let x = store::session(&s.db, org, sid).await?;
            let form = SessionForm::from_session(&x, &cycle);
            let cm = x.cycle_module_id;
            let mut page = session_page(&s, org, ctx, id, cm, Some(x), form, e).await?;
            page.cancel_reason = f.reason;
            render_invalid(&page)
        }
    }
}

pub async fn convoke(
    user: CurrentUser,
    session: Session,
    State(s): State<AppState>,
    Path((id, cm)): Path<(i64, i64)>,
) -> Result<Response, AppError> {
    let org = user.coordinator_org()?;
    let cycle = store::get(&s.db, org, id).await?;
    let n = mails::convoke(&s, org, &cycle, cm).await?;
    flash(
        &session,
        if n == 0 {
            "Aucune nouvelle convocation : chacun a déjà reçu la sienne pour ces dates.".to_string()
        } else {
            format!(
                "{} dans la file d'envoi : elles partent dès que le serveur d'envoi les accepte (voir « File d'envoi »).",
                crate::fr::plural(n as i64, "convocation", "convocations")
            )
        },
    )
    .await;
    Ok(Redirect::to(&format!("/cycles/{id}")).into_response())
}
