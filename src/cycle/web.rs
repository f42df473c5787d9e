//! Cycle pages: the list, a new cycle (from scratch or from an accepted quote), a cycle's page with
//! its timeline and phases, the groupe mixte, planning and moving sessions, rooms, convocations,
//! conference registration, the participant's and intervenant's pages, and the calendars.

use std::str::FromStr;

use askama::Template;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{NaiveDate, NaiveTime};
use serde::Deserialize;
use tower_sessions::Session;

use crate::auth::CurrentUser;
use crate::catalogue::{Module, ModuleKind};
use crate::client::Client;
use crate::cycle::mixity::{self, Mixity};
use crate::cycle::planning::{PlanParams, Rhythm};
use crate::cycle::room::{Room, RoomInput, RoomKind};
use crate::cycle::service::{self, ParticipantInput, SessionInput};
use crate::cycle::store::{self, Cycle, CycleModule, Participant, Registration, TrainingSession};
use crate::cycle::{Membership, Phase, blockers, ics, mails};
use crate::error::{AppError, FieldErrors};
use crate::extract::{Form, Path, Query};
use crate::intervenant::Intervenant;
use crate::state::AppState;
use crate::web::list::{ListParams, Listing, Pager};
use crate::web::{PageCtx, flash, render, render_invalid};

/// The time zones of France and its overseas territories.
pub const ZONES: &[(&str, &str)] = &[
    ("Europe/Paris", "France métropolitaine (Paris)"),
    ("America/Guadeloupe", "Guadeloupe"),
    ("America/Martinique", "Martinique"),
    ("America/Cayenne", "Guyane (Cayenne)"),
    ("Indian/Reunion", "La Réunion"),
    ("Indian/Mayotte", "Mayotte"),
    ("America/Miquelon", "Saint-Pierre-et-Miquelon"),
    ("Pacific/Noumea", "Nouvelle-Calédonie (Nouméa)"),
    ("Pacific/Tahiti", "Polynésie française (Tahiti)"),
    ("Pacific/Wallis", "Wallis-et-Futuna"),
];

fn local(ts: i64, c: &Cycle) -> String {
    mails::local(ts, c.tz())
}

// --- list and creation -------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "cycle/list.html")]
struct ListPage {
    ctx: PageCtx,
    cycles: Vec<Cycle>,
    pager: Pager,
    can_edit: bool,
}

pub async fn list(
    ctx: PageCtx,
    user: CurrentUser,
    State(s): State<AppState>,
    Query(p): Query<ListParams>,
) -> Result<Response, AppError> {
    let org = user.staff_org()?;
    let mut p = p;
    if p.dir.is_none() && p.sort.is_none() {
        p.dir = Some("desc".into());
    }
    let l = Listing::new(&p, &store::SORT);
    let (cycles, total) = store::list(&s.db, org, &l, taught_filter(&s, &user).await?).await?;
    let pager = Pager::new("/cycles", &l, &store::SORT, total);
    render(&ListPage { ctx, cycles, pager, can_edit: user.coordinator_org().is_ok() })
}

/// For an intervenant, the record whose cycles they see (a coordinator sees them all; an account not
/// linked to a record sees none).
pub async fn taught_filter(s: &AppState, user: &CurrentUser) -> Result<Option<i64>, AppError> {
    if user.role() != crate::auth::Role::Intervenant {
        return Ok(None);
    }
    let org = user.org_id()?;
    Ok(Some(store::intervenant_of_user(&s.db, org, user.id()).await?.unwrap_or(-1)))
}

#[derive(Clone, Debug, Default)]
pub struct CycleForm {
    pub client_id: String,
    pub title: String,
    pub territory: String,
    pub timezone: String,
    pub quote_id: String,
    pub versions: Vec<i64>,
}

impl CycleForm {
    pub fn has(&self, v: &i64) -> bool {
        self.versions.contains(v)
    }
}

#[derive(Template)]
#[template(path = "cycle/new.html")]
struct NewPage {
    ctx: PageCtx,
    form: CycleForm,
    errors: FieldErrors,
    clients: Vec<Client>,
    modules: Vec<(Module, i64)>,
    zones: &'static [(&'static str, &'static str)],
}

async fn new_page(
    s: &AppState,
    org: i64,
    ctx: PageCtx,
    form: CycleForm,
    errors: FieldErrors,
) -> Result<NewPage, AppError> {
    let clients =
        crate::client::store::all(&s.db, org, &Listing::new(&ListParams::default(), &crate::client::store::SORT))
            .await?;
    let mut modules = Vec::new();
    for m in crate::catalogue::store::list(&s.db, org, false).await? {
        let v = crate::catalogue::store::version(&s.db, org, m.id, m.version).await?.id;
        modules.push((m, v));
    }
    Ok(NewPage { ctx, form, errors, clients, modules, zones: ZONES })
}

#[derive(Deserialize, Default)]
pub struct NewQuery {
    pub devis: Option<i64>,
}

/// The modules of an accepted quote, by the catalogue versions it was priced with.
async fn quote_versions(
    s: &AppState,
    org: i64,
    quote_id: i64,
) -> Result<(crate::quote::store::Quote, Vec<i64>), AppError> {
    let q = crate::quote::store::get(&s.db, org, quote_id).await?;
    let v = crate::quote::store::version(&s.db, org, q.id, q.decided_version.unwrap_or(q.version)).await?;
    let versions = v.priced.lines.iter().filter_map(|l| l.module_version_id).collect();
    Ok((q, versions))
}

pub async fn new_form(
    ctx: PageCtx,
    user: CurrentUser,
    State(s): State<AppState>,
    Query(q): Query<NewQuery>,
) -> Result<Response, AppError> {
    let org = user.coordinator_org()?;
    let mut form = CycleForm { timezone: "Europe/Paris".into(), title: "Cycle ACUNUM".into(), ..Default::default() };
    if let Some(qid) = q.devis {
        let (quote, versions) = quote_versions(&s, org, qid).await?;
        form.client_id = quote.client_id.to_string();
        form.title = quote.title.clone();
        form.quote_id = quote.id.to_string();
        form.versions = versions;
    }
    let mut page = new_page(&s, org, ctx, form, FieldErrors::new()).await?;
    if page.form.versions.is_empty() {
        page.form.versions = page.modules.iter().map(|(_, v)| *v).collect();
    }
    render(&page)
}

/// Creates a cycle from what the form or the API gives.
#[allow(clippy::too_many_arguments)]
pub async fn create_cycle(
    s: &AppState,
    org: i64,
    client_id: i64,
    title: &str,
    territory: &str,
    timezone: &str,
    quote_id: Option<i64>,
    versions: &[i64],
) -> Result<Cycle, AppError> {
    let mut e = FieldErrors::new();
    let title = crate::text::check_text(&mut e, "title", title, true, 200);
    let territory = crate::text::check_text(&mut e, "territory", territory, false, 200);
    if timezone.parse::<chrono_tz::Tz>().is_err() {
        e.add("timezone", "Choisissez le fuseau horaire dans la liste.");
    }
    if versions.is_empty() {
        e.add("modules", "Choisissez au moins un module du catalogue.");
    }
    if client_id <= 0 {
        e.add("client_id", "Choisissez le client.");
    }
    e.into_result(())?;
    let quote_id = match quote_id {
        Some(q) => {
            let quote = crate::quote::store::get(&s.db, org, q)
                .await
                .map_err(|_| AppError::invalid("quote_id", "Ce devis n'existe pas dans votre organisation."))?;
            if quote.status != crate::quote::Status::Accepted {
                return Err(AppError::invalid("quote_id", "Un cycle s'ouvre à partir d'un devis accepté."));
            }
            Some(quote.id)
        }
        None => None,
    };
    store::create(&s.db, org, client_id, &title, &territory, timezone, quote_id, versions).await
}

pub async fn create(
    ctx: PageCtx,
    user: CurrentUser,
    session: Session,
    State(s): State<AppState>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let org = user.coordinator_org()?;
    let get = |k: &str| pairs.iter().find(|(key, _)| key == k).map(|(_, v)| v.clone()).unwrap_or_default();
    let form = CycleForm {
        client_id: get("client_id"),
        title: get("title"),
        territory: get("territory"),
        timezone: get("timezone"),
        quote_id: get("quote_id"),
        versions: pairs.iter().filter(|(k, _)| k == "versions").filter_map(|(_, v)| v.parse().ok()).collect(),
    };
    match create_cycle(
        &s,
        org,
        form.client_id.parse().unwrap_or(0),
        &form.title,
        &form.territory,
        &form.timezone,
        form.quote_id.parse().ok(),
        &form.versions,
    )
    .await
    {
        Ok(c) => {
            flash(
                &session,
                format!("Le cycle « {} » est ouvert : inscrivez le groupe mixte et planifiez les séances.", c.title),
            )
            .await;
            Ok(Redirect::to(&format!("/cycles/{}", c.id)).into_response())
        }
        Err(AppError::Invalid(errors)) => render_invalid(&new_page(&s, org, ctx, form, errors).await?),
        Err(e) => Err(e),
    }
}

// --- a cycle ------------------------------------------------------------------------------------------

/// A module of the cycle with its sessions, as its card shows it.
pub struct ModuleCard {
    pub module: CycleModule,
    pub sessions: Vec<TrainingSession>,
    pub unready_rooms: Vec<String>,
}

#[derive(Template)]
#[template(path = "cycle/show.html")]
struct ShowPage {
    ctx: PageCtx,
    cycle: Cycle,
    structures: Vec<(i64, String)>,
    cards: Vec<ModuleCard>,
    group: usize,
    waiting: usize,
    committee: usize,
    capacity: Option<i64>,
    mixity: Mixity,
    blockers: Vec<String>,
    next: Option<Phase>,
    timeline: String,
    calendar_url: String,
    can_edit: bool,
    errors: FieldErrors,
    clients: Vec<Client>,
    catalogue: Vec<Module>,
}

pub fn measure(people: &[Participant]) -> Mixity {
    let members: Vec<(&str, &str, &str)> = people
        .iter()
        .filter(|p| p.membership == Membership::Group)
        .map(|p| (p.job.as_str(), p.service.as_str(), p.structure.as_str()))
        .collect();
    mixity::measure(&members)
}

async fn show_page(
    s: &AppState,
    user: &CurrentUser,
    ctx: PageCtx,
    id: i64,
    errors: FieldErrors,
) -> Result<ShowPage, AppError> {
    let org = user.staff_org()?;
    let cycle = store::get(&s.db, org, id).await?;
    let sessions = store::sessions(&s.db, org, id).await?;
    let people = store::participants(&s.db, org, id).await?;
    let rooms = crate::cycle::room::list(&s.db, org).await?;
    let mut cards = Vec::new();
    for m in store::modules(&s.db, org, id).await? {
        let ms: Vec<TrainingSession> = sessions.iter().filter(|x| x.cycle_module_id == m.id).cloned().collect();
        let mut unready: Vec<String> = Vec::new();
        for x in &ms {
            if let Some(r) = rooms.iter().find(|r| Some(r.id) == x.room_id)
                && !r.ready()
                && !unready.contains(&r.name)
            {
                unready.push(r.name.clone());
            }
        }
        cards.push(ModuleCard { module: m, sessions: ms, unready_rooms: unready });
    }
    let facts = store::facts(&s.db, org, id, s.now()).await?;
    let base = s.config.public_url();
    let token = store::calendar_token_of_cycle(&s.db, org, id).await?;
    let clients =
        crate::client::store::all(&s.db, org, &Listing::new(&ListParams::default(), &crate::client::store::SORT))
            .await?;
    Ok(ShowPage {
        ctx,
        structures: store::structures(&s.db, org, id).await?,
        group: people.iter().filter(|p| p.membership == Membership::Group).count(),
        waiting: people.iter().filter(|p| p.membership == Membership::Waiting).count(),
        committee: people.iter().filter(|p| p.committee).count(),
        capacity: service::group_capacity(&s.db, org, id).await?,
        mixity: measure(&people),
        blockers: blockers(cycle.status, &facts),
        next: cycle.status.next(),
        timeline: crate::cycle::timeline::svg(&sessions, cycle.status, cycle.tz(), chrono::Utc::now()),
        calendar_url: format!("{base}/calendrier/cycle/{token}"),
        can_edit: user.coordinator_org().is_ok(),
        errors,
        clients,
        catalogue: crate::catalogue::store::list(&s.db, org, false).await?,
        cards,
        cycle,
    })
}

pub async fn show(
    ctx: PageCtx,
    user: CurrentUser,
    State(s): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    render(&show_page(&s, &user, ctx, id, FieldErrors::new()).await?)
}

pub async fn advance(
    ctx: PageCtx,
    user: CurrentUser,
    session: Session,
    State(s): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let org = user.coordinator_org()?;
    let cycle = store::get(&s.db, org, id).await?;
    match service::advance(&s.db, org, &cycle, s.now()).await {
        Ok(p) => {
            flash(&session, format!("Le cycle passe au {}.", p.label().to_lowercase())).await;
            Ok(Redirect::to(&format!("/cycles/{id}")).into_response())
        }
        Err(AppError::Invalid(e)) => render_invalid(&show_page(&s, &user, ctx, id, e).await?),
        Err(e) => Err(e),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct AddModuleForm {
    pub module_id: i64,
    pub client_id: i64,
}

pub async fn add_module(
    user: CurrentUser,
    session: Session,
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Form(f): Form<AddModuleForm>,
) -> Result<Response, AppError> {
    let org = user.coordinator_org()?;
    store::add_module(&s.db, org, id, f.module_id).await?;
    flash(&session, "Le module est ajouté au cycle.").await;
    Ok(Redirect::to(&format!("/cycles/{id}")).into_response())
}

pub async fn add_structure(
    user: CurrentUser,
    session: Session,
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Form(f): Form<AddModuleForm>,
) -> Result<Response, AppError> {
    let org = user.coordinator_org()?;
    let cycle = store::get(&s.db, org, id).await?;
    service::add_structure(&s.db, org, &cycle, f.client_id).await?;
    flash(&session, "La structure est associée au cycle.").await;
    Ok(Redirect::to(&format!("/cycles/{id}")).into_response())
}

// --- the group ------------------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "cycle/group.html")]
struct GroupPage {
    ctx: PageCtx,
    cycle: Cycle,
    people: Vec<Participant>,
    volunteers: Vec<Registration>,
    mixity: Mixity,
    capacity: Option<i64>,
    form: ParticipantInput,
    errors: FieldErrors,
    can_edit: bool,
    base: String,
    /// The cycle's client structures, for the participant's structure.
    structures: Vec<(i64, String)>,
}

async fn group_page(
    s: &AppState,
    user: &CurrentUser,
    ctx: PageCtx,
    id: i64,
    form: ParticipantInput,
    errors: FieldErrors,
) -> Result<GroupPage, AppError> {
    let org = user.staff_org()?;
    let cycle = store::get(&s.db, org, id).await?;
    let people = store::participants(&s.db, org, id).await?;
    let volunteers = store::volunteers(&s.db, org, id)
        .await?
        .into_iter()
        .filter(|v| !people.iter().any(|p| p.email == v.email))
        .collect();
    let mut structures = vec![(cycle.client_id, cycle.client_name.clone())];
    structures.extend(store::structures(&s.db, org, id).await?.into_iter().filter(|(c, _)| *c != cycle.client_id));
    Ok(GroupPage {
        ctx,
        structures,
        mixity: measure(&people),
        capacity: service::group_capacity(&s.db, org, id).await?,
        people,
        volunteers,
        cycle,
        form,
        errors,
        can_edit: user.coordinator_org().is_ok(),
        base: s.config.public_url(),
    })
}

pub async fn group(
    ctx: PageCtx,
    user: CurrentUser,
    State(s): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    render(&group_page(&s, &user, ctx, id, ParticipantInput::default(), FieldErrors::new()).await?)
}

pub async fn add_participant(
    ctx: PageCtx,
    user: CurrentUser,
    session: Session,
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let org = user.coordinator_org()?;
    let cycle = store::get(&s.db, org, id).await?;
    let get = |k: &str| pairs.iter().find(|(key, _)| key == k).map(|(_, v)| v.clone()).unwrap_or_default();
    let input = ParticipantInput {
        first_name: get("first_name"),
        last_name: get("last_name"),
        email: get("email"),
        phone: get("phone"),
        job: get("job"),
        service: get("service"),
        structure: get("structure"),
        client_id: get("client_id").parse().ok(),
        committee: get("committee") == "on",
        membership: Some(get("membership")),
    };
    match service::add_participant(&s.db, org, &cycle, &input).await {
        Ok(p) => {
            flash(
                &session,
                match p.membership {
                    Membership::Waiting => {
                        format!("Le groupe est complet : {} est inscrit·e sur la liste d'attente.", p.full_name())
                    }
                    _ => format!("{} est inscrit·e.", p.full_name()),
                },
            )
            .await;
            Ok(Redirect::to(&format!("/cycles/{id}/groupe")).into_response())
        }
        Err(e) => {
            let e = e.into_form_errors("email")?;
            render_invalid(&group_page(&s, &user, ctx, id, input, e).await?)
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ParticipantAction {
    pub action: String,
}

pub async fn participant_action(
    user: CurrentUser,
    session: Session,
    State(s): State<AppState>,
    Path((id, pid)): Path<(i64, i64)>,
    Form(f): Form<ParticipantAction>,
) -> Result<Response, AppError> {
    let org = user.coordinator_org()?;
    let cycle = store::get(&s.db, org, id).await?;
    let p = store::participant(&s.db, org, id, pid).await?;
    let msg = match f.action.as_str() {
        "comite" => {
            if !p.committee {
                crate::committee::web::check_room(&s, org, id).await?;
            }
            store::set_committee(&s.db, org, id, pid, !p.committee).await?;
            if p.committee {
                format!("{} quitte le comité de pilotage.", p.full_name())
            } else {
                format!("{} rejoint le comité de pilotage.", p.full_name())
            }
        }
        "groupe" => {
            service::promote(&s.db, org, &cycle, pid).await?;
            format!("{} rejoint le groupe mixte.", p.full_name())
        }
        "retirer" => {
            service::delete_participant(&s.db, org, &cycle, pid).await?;
            format!("{} est retiré·e du cycle.", p.full_name())
        }
        "hors-groupe" => {
            store::set_membership(&s.db, org, id, pid, Membership::Other).await?;
            format!("{} quitte le groupe mixte ; elle reste sur les documents déjà établis.", p.full_name())
        }
        _ => return Err(AppError::BadRequest("Action inconnue.".into())),
    };
    flash(&session, msg).await;
    Ok(Redirect::to(&format!("/cycles/{id}/groupe")).into_response())
}

/// Adds a conference volunteer to the committee (outside the group).
pub async fn add_volunteer(
    user: CurrentUser,
    session: Session,
    State(s): State<AppState>,
    Path((id, rid)): Path<(i64, i64)>,
) -> Result<Response, AppError> {
    let org = user.coordinator_org()?;
    let cycle = store::get(&s.db, org, id).await?;
    let v = store::volunteers(&s.db, org, id).await?.into_iter().find(|v| v.id == rid).ok_or(AppError::NotFound)?;
    crate::committee::web::check_room(&s, org, id).await?;
    let (first, last) = v.name.split_once(' ').unwrap_or((v.name.as_str(), ""));
    let input = ParticipantInput {
        first_name: first.into(),
        last_name: if last.is_empty() { "—".into() } else { last.into() },
        email: v.email.clone(),
        job: v.job.clone(),
        structure: v.structure.clone(),
        committee: true,
        membership: Some("other".into()),
        ..Default::default()
    };
    let p = service::add_participant(&s.db, org, &cycle, &input).await?;
    flash(&session, format!("{} rejoint le comité de pilotage.", p.full_name())).await;
    Ok(Redirect::to(&format!("/cycles/{id}/groupe")).into_response())
}

// --- planning -------------------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "cycle/plan.html")]
struct PlanPage {
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

async fn plan_page(
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
    let rooms = crate::cycle::room::list(&s.db, org).await?.into_iter().filter(|r| r.kind == kind).collect();
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
struct SessionPage {
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
async fn session_page(
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
        Some(r) => crate::cycle::room::get(&s.db, org, r).await.ok(),
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
    user: CurrentUser,
    State(s): State<AppState>,
    Path((id, sid)): Path<(i64, i64)>,
) -> Result<Response, AppError> {
    let org = user.staff_org()?;
    let cycle = store::get(&s.db, org, id).await?;
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

// --- rooms ---------------------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "cycle/rooms.html")]
struct RoomsPage {
    ctx: PageCtx,
    rooms: Vec<Room>,
    clients: Vec<Client>,
    edit: Option<Room>,
    form: RoomInput,
    checklist: Vec<crate::cycle::room::CheckItem>,
    capacity: String,
    host_link: Option<String>,
    errors: FieldErrors,
    can_edit: bool,
}

async fn rooms_page(
    s: &AppState,
    user: &CurrentUser,
    ctx: PageCtx,
    edit: Option<Room>,
    form: RoomInput,
    errors: FieldErrors,
) -> Result<RoomsPage, AppError> {
    let org = user.staff_org()?;
    let kind = RoomKind::parse(&form.kind).unwrap_or(RoomKind::Training);
    let checklist = kind
        .default_checklist()
        .into_iter()
        .map(|mut c| {
            c.ok = form.ready.contains(&c.label);
            c
        })
        .collect();
    let host_link = match &edit {
        Some(r) if user.coordinator_org().is_ok() => {
            Some(format!("{}/salle/{}", s.config.public_url(), crate::cycle::room::host_token(&s.db, org, r.id).await?))
        }
        _ => None,
    };
    Ok(RoomsPage {
        host_link,
        capacity: form.capacity.map(|c| c.to_string()).unwrap_or_default(),
        ctx,
        rooms: crate::cycle::room::list(&s.db, org).await?,
        clients: crate::client::store::all(
            &s.db,
            org,
            &Listing::new(&ListParams::default(), &crate::client::store::SORT),
        )
        .await?,
        edit,
        form,
        checklist,
        errors,
        can_edit: user.coordinator_org().is_ok(),
    })
}

pub async fn rooms(ctx: PageCtx, user: CurrentUser, State(s): State<AppState>) -> Result<Response, AppError> {
    render(
        &rooms_page(
            &s,
            &user,
            ctx,
            None,
            RoomInput { kind: "training".into(), ..Default::default() },
            FieldErrors::new(),
        )
        .await?,
    )
}

fn room_input(pairs: &[(String, String)]) -> Result<RoomInput, FieldErrors> {
    let get = |k: &str| pairs.iter().find(|(key, _)| key == k).map(|(_, v)| v.clone()).unwrap_or_default();
    let mut e = FieldErrors::new();
    let capacity = if get("capacity").trim().is_empty() {
        None
    } else {
        match get("capacity").trim().parse() {
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
    Ok(RoomInput {
        client_id: get("client_id").parse().ok(),
        name: get("name"),
        kind: get("kind"),
        address: get("address"),
        postal_code: get("postal_code"),
        city: get("city"),
        capacity,
        ready: pairs.iter().filter(|(k, _)| k == "ready").map(|(_, v)| v.clone()).collect(),
        practical: get("practical"),
    })
}

pub async fn room_create(
    ctx: PageCtx,
    user: CurrentUser,
    session: Session,
    State(s): State<AppState>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let org = user.coordinator_org()?;
    let parsed = room_input(&pairs);
    let result = match &parsed {
        Ok(i) => crate::cycle::room::create(&s.db, org, i).await,
        Err(e) => Err(AppError::Invalid(e.clone())),
    };
    match result {
        Ok(r) => {
            flash(&session, format!("La salle « {} » est enregistrée.", r.name)).await;
            Ok(Redirect::to(&format!("/salles/{}", r.id)).into_response())
        }
        Err(AppError::Invalid(e)) => {
            render_invalid(&rooms_page(&s, &user, ctx, None, parsed.unwrap_or_default(), e).await?)
        }
        Err(e) => Err(e),
    }
}

pub async fn room_show(
    ctx: PageCtx,
    user: CurrentUser,
    State(s): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let org = user.staff_org()?;
    let r = crate::cycle::room::get(&s.db, org, id).await?;
    let form = RoomInput {
        client_id: r.client_id,
        name: r.name.clone(),
        kind: r.kind.as_str().into(),
        address: r.address.clone(),
        postal_code: r.postal_code.clone(),
        city: r.city.clone(),
        capacity: r.capacity,
        ready: r.checklist.iter().filter(|c| c.ok).map(|c| c.label.clone()).collect(),
        practical: r.practical.clone(),
    };
    render(&rooms_page(&s, &user, ctx, Some(r), form, FieldErrors::new()).await?)
}

pub async fn room_update(
    ctx: PageCtx,
    user: CurrentUser,
    session: Session,
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let org = user.coordinator_org()?;
    let current = crate::cycle::room::get(&s.db, org, id).await?;
    let parsed = room_input(&pairs);
    let result = match &parsed {
        Ok(i) => crate::cycle::room::update(&s.db, org, id, i).await,
        Err(e) => Err(AppError::Invalid(e.clone())),
    };
    match result {
        Ok(r) => {
            flash(
                &session,
                if r.ready() {
                    "La salle est prête : tout est coché.".to_string()
                } else {
                    format!(
                        "Salle enregistrée ; il manque encore {} élément{}.",
                        r.missing().len(),
                        if r.missing().len() > 1 { "s" } else { "" }
                    )
                },
            )
            .await;
            Ok(Redirect::to(&format!("/salles/{id}")).into_response())
        }
        Err(AppError::Invalid(e)) => {
            render_invalid(&rooms_page(&s, &user, ctx, Some(current), parsed.unwrap_or_default(), e).await?)
        }
        Err(e) => Err(e),
    }
}

// --- public pages: conference registration, participant page ---------------------------------------------

#[derive(Template)]
#[template(path = "cycle/register.html")]
struct RegisterPage {
    ctx: PageCtx,
    token: String,
    session: TrainingSession,
    when: String,
    place: String,
    org_name: String,
    full: bool,
    form: RegisterForm,
    errors: FieldErrors,
    done: Option<bool>,
}

#[derive(Clone, Debug, Deserialize, Default)]
#[serde(default)]
pub struct RegisterForm {
    pub name: String,
    pub email: String,
    pub structure: String,
    pub job: String,
    #[serde(deserialize_with = "crate::web::form_bool")]
    pub volunteer: bool,
}

async fn register_page(
    s: &AppState,
    ctx: PageCtx,
    token: String,
    form: RegisterForm,
    errors: FieldErrors,
    done: Option<bool>,
) -> Result<RegisterPage, AppError> {
    let (org, session) = store::session_by_registration(&s.db, &token).await?;
    let cycle = store::get(&s.db, org, session.cycle_id).await?;
    let place = mails::place_of(&s.db, org, &session).await;
    let org_name = crate::org::store::name_of(&s.db, org).await?.unwrap_or_default();
    let full = session.capacity.is_some_and(|c| session.registered >= c);
    Ok(RegisterPage {
        ctx,
        token,
        when: mails::when(&session, cycle.tz()),
        place,
        org_name,
        full,
        session,
        form,
        errors,
        done,
    })
}

pub async fn register_form(
    ctx: PageCtx,
    State(s): State<AppState>,
    Path(token): Path<String>,
) -> Result<Response, AppError> {
    render(&register_page(&s, ctx, token, RegisterForm::default(), FieldErrors::new(), None).await?)
}

/// Registers someone to a conference (shared by the page and the API).
pub async fn do_register(s: &AppState, token: &str, f: &RegisterForm) -> Result<Registration, AppError> {
    let (org, session) = store::session_by_registration(&s.db, token).await?;
    if session.end_at < crate::db::now() {
        return Err(AppError::Conflict("Cette conférence a déjà eu lieu.".into()));
    }
    let mut e = FieldErrors::new();
    let name = crate::text::check_text(&mut e, "name", &f.name, true, 200);
    let email = crate::text::check_email(&mut e, "email", &f.email, true);
    let structure = crate::text::check_text(&mut e, "structure", &f.structure, false, 200);
    let job = crate::text::check_text(&mut e, "job", &f.job, false, 200);
    e.into_result(())?;
    let r = store::register(&s.db, org, &session, &name, &email, &structure, &job, f.volunteer).await?;
    mails::confirm_registration(s, org, &session, &name, &email, r.waiting).await?;
    Ok(r)
}

pub async fn register(
    ctx: PageCtx,
    State(s): State<AppState>,
    Path(token): Path<String>,
    Form(f): Form<RegisterForm>,
) -> Result<Response, AppError> {
    match do_register(&s, &token, &f).await {
        Ok(r) => {
            render(&register_page(&s, ctx, token, RegisterForm::default(), FieldErrors::new(), Some(r.waiting)).await?)
        }
        Err(AppError::Invalid(e)) => render_invalid(&register_page(&s, ctx, token, f, e, None).await?),
        Err(e) => Err(e),
    }
}

/// A session on the participant's page, with the half-days they can sign now.
pub struct MySession {
    pub session: TrainingSession,
    pub when: String,
    pub place: String,
    pub to_sign: Vec<crate::attendance::store::HalfDay>,
    pub can_announce: bool,
    pub announced: bool,
}

#[derive(Template)]
#[template(path = "cycle/participant.html")]
struct ParticipantPage {
    ctx: PageCtx,
    token: String,
    person: Participant,
    cycle: Cycle,
    sessions: Vec<MySession>,
    org_name: String,
    base: String,
    code: String,
    /// Surveys waiting for this person's answer: (module title, link token).
    surveys: Vec<(String, String)>,
    /// The committee's votes, for a member.
    votes: Vec<crate::committee::web::MemberVote>,
    /// The actions of the plan this person carries (all of them for a member of the committee).
    plan: Vec<crate::committee::store::Action>,
    statuses: Vec<(&'static str, &'static str)>,
    /// The vendors' proposals, for a member of the committee.
    proposals: Vec<crate::committee::proposal::Proposal>,
    board: crate::committee::mutual::Board,
    mutual_kinds: Vec<(&'static str, &'static str)>,
    /// The cycle's notepads, where the participant writes with the others.
    notepads: Vec<crate::notepad::store::Notepad>,
}

#[derive(Deserialize, Default)]
pub struct CodeQuery {
    pub code: Option<String>,
}

/// The sessions a participant attends: the group's trainings, the committee's when a member.
fn sessions_for(p: &Participant, all: Vec<TrainingSession>) -> Vec<TrainingSession> {
    all.into_iter()
        .filter(|s| match s.module_kind {
            ModuleKind::CultureTraining => p.membership == Membership::Group,
            ModuleKind::UsageTraining | ModuleKind::Amo => p.committee,
            ModuleKind::Conference => true,
        })
        .collect()
}

pub async fn participant_page(
    ctx: PageCtx,
    session: Session,
    State(s): State<AppState>,
    Path(token): Path<String>,
    Query(q): Query<CodeQuery>,
) -> Result<Response, AppError> {
    let (org, cycle_id, person) = store::participant_by_token(&s.db, &token).await?;
    // This phone now belongs to this participant: the QR code of a half-day leads here.
    let _ = session.insert(crate::attendance::web::PARTICIPANT_KEY, &token).await;
    let cycle = store::get(&s.db, org, cycle_id).await?;
    let now = s.now();
    let mut sessions = Vec::new();
    for x in sessions_for(&person, store::sessions(&s.db, org, cycle_id).await?) {
        let place = mails::place_of(&s.db, org, &x).await;
        let when = mails::when(&x, cycle.tz());
        let mut to_sign = Vec::new();
        let mut announced = false;
        if x.module_kind.is_training() && !x.is_cancelled() {
            for h in crate::attendance::store::ensure(&s.db, org, &x).await? {
                let marks = crate::attendance::store::current(&s.db, org, h.id).await?;
                let mine = marks.iter().find(|m| m.participant_id == person.id);
                announced |= mine.is_some_and(|m| m.method == "announced");
                if h.is_open()
                    && crate::attendance::within_code_window(now, h.start_at, h.end_at)
                    && !crate::attendance::store::has_signed(&s.db, h.id, person.id).await?
                {
                    to_sign.push(h);
                }
            }
        }
        let can_announce = x.module_kind.is_training()
            && !x.is_cancelled()
            && now < crate::attendance::announce_deadline(x.start_at)
            && !announced;
        sessions.push(MySession { session: x, when, place, to_sign, can_announce, announced });
    }
    let org_name = crate::org::store::name_of(&s.db, org).await?.unwrap_or_default();
    let code: String = q.code.unwrap_or_default().chars().filter(|c| c.is_ascii_digit()).take(6).collect();
    let mut surveys = Vec::new();
    if !person.email.is_empty() {
        let titles = store::modules(&s.db, org, cycle_id).await?;
        for inv in crate::survey::store::pending_for(&s.db, org, cycle_id, &person.email).await? {
            if inv.kind == crate::survey::Kind::Hot
                && inv.audience == crate::survey::Audience::ParticipantHot
                && inv.opens_at <= now
            {
                let title =
                    titles.iter().find(|m| m.id == inv.cycle_module_id).map(|m| m.title.clone()).unwrap_or_default();
                surveys.push((title, inv.token));
            }
        }
    }
    let votes = crate::committee::web::member_votes(&s, org, cycle_id, &person).await?;
    let person_committee = person.committee;
    let plan = crate::committee::store::actions(&s.db, org, cycle_id)
        .await?
        .into_iter()
        .filter(|a| person.committee || a.owners.contains(&person.id))
        .collect();
    render(&ParticipantPage {
        ctx,
        token,
        person,
        cycle,
        sessions,
        org_name,
        base: s.config.public_url(),
        code,
        surveys,
        votes,
        plan,
        statuses: crate::committee::STATUSES.to_vec(),
        proposals: if person_committee {
            crate::committee::proposal::list(&s.db, org, cycle_id).await?
        } else {
            Vec::new()
        },
        board: crate::committee::mutual::Board::load(&s.db, org, cycle_id).await?,
        mutual_kinds: crate::committee::mutual::KINDS.to_vec(),
        notepads: crate::notepad::store::for_cycle(&s.db, org, cycle_id).await?,
    })
}

// --- calendars -----------------------------------------------------------------------------------------

fn ics_response(name: &str, body: String) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/calendar; charset=utf-8".to_string()),
            (header::CONTENT_DISPOSITION, format!("inline; filename=\"{name}.ics\"")),
        ],
        body,
    )
        .into_response()
}

async fn events(s: &AppState, org: i64, cycle: &Cycle, sessions: &[TrainingSession]) -> Vec<ics::Event> {
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

pub async fn participant_calendar(State(s): State<AppState>, Path(token): Path<String>) -> Result<Response, AppError> {
    let (org, cycle_id, person) = store::participant_by_token(&s.db, &token).await?;
    let cycle = store::get(&s.db, org, cycle_id).await?;
    let sessions = sessions_for(&person, store::sessions(&s.db, org, cycle_id).await?);
    let ev = events(&s, org, &cycle, &sessions).await;
    Ok(ics_response(
        "mes-seances",
        ics::calendar(&format!("{} — {}", cycle.title, person.full_name()), cycle.tz(), &ev),
    ))
}

pub async fn intervenant_calendar(State(s): State<AppState>, Path(token): Path<String>) -> Result<Response, AppError> {
    let (org, iid) = store::intervenant_by_calendar(&s.db, &token).await?;
    let sessions = store::sessions_of_intervenant(&s.db, org, iid, crate::db::now() - 365 * 86400).await?;
    let mut ev = Vec::new();
    let mut tz = chrono_tz::Europe::Paris;
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
    user: CurrentUser,
    State(s): State<AppState>,
    Path(sid): Path<i64>,
) -> Result<Response, AppError> {
    let org = user.staff_org()?;
    let x = store::session(&s.db, org, sid).await?;
    let cycle = store::get(&s.db, org, x.cycle_id).await?;
    let ev = events(&s, org, &cycle, std::slice::from_ref(&x)).await;
    Ok(ics_response(&format!("seance-{sid}"), ics::calendar(&cycle.title, cycle.tz(), &ev)))
}

// --- agenda ---------------------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "cycle/agenda.html")]
struct AgendaPage {
    ctx: PageCtx,
    intervenant: Intervenant,
    sessions: Vec<(TrainingSession, String, String, String)>,
    calendar_url: String,
}

async fn agenda_of(s: &AppState, org: i64, ctx: PageCtx, iid: i64) -> Result<Response, AppError> {
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
struct NoAgendaPage {
    ctx: PageCtx,
}

pub async fn my_agenda(ctx: PageCtx, user: CurrentUser, State(s): State<AppState>) -> Result<Response, AppError> {
    let org = user.staff_org()?;
    match store::intervenant_of_user(&s.db, org, user.id()).await? {
        Some(iid) => agenda_of(&s, org, ctx, iid).await,
        // Not an error of the person's: say what to ask for, on a page of the application.
        None => render(&NoAgendaPage { ctx }),
    }
}

/// `GET /intervenants/{id}/agenda`
pub async fn intervenant_agenda(
    ctx: PageCtx,
    user: CurrentUser,
    State(s): State<AppState>,
    Path(iid): Path<i64>,
) -> Result<Response, AppError> {
    let org = user.staff_org()?;
    agenda_of(&s, org, ctx, iid).await
}

impl FromStr for Membership {
    type Err = ();
    fn from_str(s: &str) -> Result<Self, ()> {
        Membership::parse(s).ok_or(())
    }
}

/// For templates: the local date-time of a session.
pub fn session_when(x: &TrainingSession, c: &Cycle) -> String {
    local(x.start_at, c)
}

// --- the host's checklist ---------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "cycle/host.html")]
struct HostPage {
    ctx: PageCtx,
    token: String,
    room: Room,
    org_name: String,
    saved: bool,
}

/// `GET /salle/{token}`: the host structure ticks what is ready in its room (no account).
pub async fn host_form(
    ctx: PageCtx,
    State(s): State<AppState>,
    Path(token): Path<String>,
) -> Result<Response, AppError> {
    let (org, room) = crate::cycle::room::by_host_token(&s.db, &token).await?;
    let org_name = crate::org::store::name_of(&s.db, org).await?.unwrap_or_default();
    render(&HostPage { ctx, token, room, org_name, saved: false })
}

pub async fn host_save(
    ctx: PageCtx,
    State(s): State<AppState>,
    Path(token): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let (org, room) = crate::cycle::room::by_host_token(&s.db, &token).await?;
    let ready: Vec<String> = pairs.iter().filter(|(k, _)| k == "ready").map(|(_, v)| v.clone()).collect();
    let room = crate::cycle::room::set_ready(&s.db, org, room.id, &ready).await?;
    let org_name = crate::org::store::name_of(&s.db, org).await?.unwrap_or_default();
    render(&HostPage { ctx, token, room, org_name, saved: true })
}
