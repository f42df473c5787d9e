//! Calendars (iCalendar) and the agendas of intervenants, and the host's form.

use std::str::FromStr;

use askama::Template;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};

use crate::auth::Staff;
use crate::cycle::store::{self, Cycle, TrainingSession};
use crate::cycle::{Membership, ics, mails};
use crate::error::AppError;
use crate::extract::Path;
use crate::intervenant::Intervenant;
use crate::state::AppState;
use crate::web::{PageCtx, render};

pub(crate) fn ics_response(name: &str, body: String) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/calendar; charset=utf-8".to_string()),
            (header::CONTENT_DISPOSITION, format!("inline; filename=\"{name}.ics\"")),
        ],
        body,
    )
        .into_response()
}

pub(crate) async fn events(s: &AppState, org: i64, cycle: &Cycle, sessions: &[TrainingSession]) -> Vec<ics::Event> {
    let mut out = Vec::new();
    for x in sessions {
        let place = mails::place_of(&s.db, org, x).await;
        out.push(mails::event(x, cycle, &place, &s.config.public_url()));
    }
    out
}

pub async fn cycle_calendar(State(s): State<AppState>, Path(token): Path<String>) -> Result<Response, AppError> {
    let (org, cycle) = store::cycle_by_calendar(&s.db, &token).await?;
    let sessions = store::sessions(&s.db, org, cycle.id).await?;
    let ev = events(&s, org, &cycle, &sessions).await;
    Ok(ics_response("cycle", ics::calendar(&cycle.title, cycle.tz(), &ev)))
}

pub async fn intervenant_calendar(State(s): State<AppState>, Path(token): Path<String>) -> Result<Response, AppError> {
    let (org, iid) = store::intervenant_by_calendar(&s.db, &token).await?;
    let sessions = store::sessions_of_intervenant(&s.db, org, iid, crate::db::now() - 365 * 86400).await?;
    let mut ev = Vec::new();
    let mut tz = crate::fr::DEFAULT_TZ;
    for x in &sessions {
        let cycle = store::get(&s.db, org, x.cycle_id).await?;
        tz = cycle.tz();
        let place = mails::place_of(&s.db, org, x).await;
        ev.push(mails::event(x, &cycle, &place, &s.config.public_url()));
    }
    let name = crate::intervenant::store::get(&s.db, org, iid).await?.full_name();
    Ok(ics_response("agenda", ics::calendar(&format!("Séances de {name}"), tz, &ev)))
}

pub async fn session_ics(
    Staff { org, .. }: Staff,
    State(s): State<AppState>,
    Path(sid): Path<i64>,
) -> Result<Response, AppError> {
    let x = store::session(&s.db, org, sid).await?;
    let cycle = store::get(&s.db, org, x.cycle_id).await?;
    let ev = events(&s, org, &cycle, std::slice::from_ref(&x)).await;
    Ok(ics_response(&format!("seance-{sid}"), ics::calendar(&cycle.title, cycle.tz(), &ev)))
}

#[derive(Template)]
#[template(path = "cycle/agenda.html")]
pub(crate) struct AgendaPage {
    ctx: PageCtx,
    intervenant: Intervenant,
    sessions: Vec<(TrainingSession, String, String, String)>,
    calendar_url: String,
}

pub(crate) async fn agenda_of(s: &AppState, org: i64, ctx: PageCtx, iid: i64) -> Result<Response, AppError> {
    let intervenant = crate::intervenant::store::get(&s.db, org, iid).await?;
    let mut sessions = Vec::new();
    for x in store::sessions_of_intervenant(&s.db, org, iid, crate::db::now() - 86400).await? {
        let cycle = store::get(&s.db, org, x.cycle_id).await?;
        let place = mails::place_of(&s.db, org, &x).await;
        sessions.push((x.clone(), mails::when(&x, cycle.tz()), place, cycle.title));
    }
    let token = store::intervenant_calendar_token(&s.db, org, iid).await?;
    render(&AgendaPage {
        ctx,
        intervenant,
        sessions,
        calendar_url: format!("{}/calendrier/intervenant/{token}", s.config.public_url()),
    })
}

/// `GET /agenda`: the logged-in intervenant's sessions.
#[derive(Template)]
#[template(path = "cycle/no_agenda.html")]
pub(crate) struct NoAgendaPage {
    ctx: PageCtx,
}

pub async fn my_agenda(
    ctx: PageCtx,
    Staff { user, org }: Staff,
    State(s): State<AppState>,
) -> Result<Response, AppError> {
    match store::intervenant_of_user(&s.db, org, user.id()).await? {
        Some(iid) => agenda_of(&s, org, ctx, iid).await,
        // Not an error of the person's: say what to ask for, on a page of the application.
        None => render(&NoAgendaPage { ctx }),
    }
}

/// `GET /intervenants/{id}/agenda`
pub async fn intervenant_agenda(
    ctx: PageCtx,
    Staff { org, .. }: Staff,
    State(s): State<AppState>,
    Path(iid): Path<i64>,
) -> Result<Response, AppError> {
    agenda_of(&s, org, ctx, iid).await
}

impl FromStr for Membership {
    type Err = ();
    fn from_str(s: &str) -> Result<Self, ()> {
        Membership::parse(s).ok_or(())
    }
}
