//! Cycle pages: the list, a new cycle (from scratch or from an accepted quote), a cycle's page with
//! its timeline and phases, the groupe mixte, planning and moving sessions, rooms, convocations,
//! conference registration, the participant's and intervenant's pages, and the calendars.

pub mod agenda;
pub mod rooms;
pub mod sessions;

use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use tower_sessions::Session;

use crate::auth::CurrentUser;
use crate::auth::Staff;
use crate::catalogue::Module;
use crate::client::Client;
use crate::cycle::mixity::{self, Mixity};
use crate::cycle::service::{self, ParticipantInput};
use crate::cycle::store::{self, Cycle, CycleModule, Participant, Registration, TrainingSession};
use crate::cycle::{Membership, Phase, blockers, mails};
use crate::error::{AppError, FieldErrors};
use crate::extract::{Form, Path, Query};
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
    crate::fr::date_time_short(ts, c.tz())
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
    Staff { user, org }: Staff,
    State(s): State<AppState>,
    Query(p): Query<ListParams>,
) -> Result<Response, AppError> {
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
    let rooms = crate::cycle::room::store::list(&s.db, org).await?;
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
                crate::committee::service::check_room(&s, org, id).await?;
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
    crate::committee::service::check_room(&s, org, id).await?;
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

// --- rooms ---------------------------------------------------------------------------------------------

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

// --- calendars -----------------------------------------------------------------------------------------

// --- agenda ---------------------------------------------------------------------------------------------

// --- the host's checklist ---------------------------------------------------------------------------

/// For templates: the local date-time of a session.
pub fn session_when(x: &TrainingSession, c: &Cycle) -> String {
    local(x.start_at, c)
}
