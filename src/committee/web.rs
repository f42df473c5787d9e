//! Committee pages: members and référent, the vote on the usage training's topics (and the
//! member's ballot from their personal page), commitments, the action plan (board, list, CSV,
//! notes, reminders) and the AMO journal.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::NaiveDate;
use serde::Deserialize;
use tower_sessions::Session;

use crate::auth::{CurrentUser, Role};
use crate::catalogue::ModuleKind;
use crate::committee::store::{self, Action, ActionData, AmoEntry, Commitment, NewAmo, NewVote, Note, Vote};
use crate::committee::{AMO_KINDS, CATEGORIES, METHOD, STATUSES, TIE_RULE, Tally, check_ballot, label, parse_date};
use crate::cycle::store::{self as cycles, Cycle, CycleModule, Participant};
use crate::db::now;
use crate::error::{AppError, FieldErrors};
use crate::extract::{Form, Path};
use crate::state::AppState;
use crate::web::{PageCtx, flash, render, render_invalid};

fn members(people: &[Participant]) -> Vec<Participant> {
    people.iter().filter(|p| p.committee).cloned().collect()
}

async fn usage_module(s: &AppState, org: i64, cycle_id: i64) -> Result<Option<CycleModule>, AppError> {
    Ok(cycles::modules(&s.db, org, cycle_id).await?.into_iter().find(|m| m.kind == ModuleKind::UsageTraining))
}

/// The committee's size limit: the usage training's headcount.
pub async fn capacity(s: &AppState, org: i64, cycle_id: i64) -> Result<Option<i64>, AppError> {
    Ok(usage_module(s, org, cycle_id).await?.and_then(|m| m.content.headcount_max))
}

/// Refuses a new member when the committee is full.
pub async fn check_room(s: &AppState, org: i64, cycle_id: i64) -> Result<(), AppError> {
    if let Some(max) = capacity(s, org, cycle_id).await? {
        let n = members(&cycles::participants(&s.db, org, cycle_id).await?).len() as i64;
        if n >= max {
            return Err(AppError::Conflict(format!(
                "Le comité de pilotage est complet ({max} membres, l'effectif de la formation aux usages)."
            )));
        }
    }
    Ok(())
}

// --- the committee page ----------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "committee/show.html")]
struct CommitteePage {
    ctx: PageCtx,
    cycle: Cycle,
    members: Vec<Participant>,
    referent: Option<i64>,
    capacity: Option<i64>,
    votes: Vec<Vote>,
    actions: usize,
    overdue: usize,
    commitments: usize,
    amo_minutes: i64,
    can_edit: bool,
}

impl CommitteePage {
    fn is_referent(&self, id: impl std::borrow::Borrow<i64>) -> bool {
        self.referent == Some(*id.borrow())
    }
}

/// `GET /cycles/{id}/comite`
pub async fn show(
    ctx: PageCtx,
    user: CurrentUser,
    State(s): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let org = user.staff_org()?;
    let cycle = cycles::get(&s.db, org, id).await?;
    let people = cycles::participants(&s.db, org, id).await?;
    let actions = store::actions(&s.db, org, id).await?;
    render(&CommitteePage {
        ctx,
        members: members(&people),
        referent: store::referent(&s.db, org, id).await?,
        capacity: capacity(&s, org, id).await?,
        votes: store::votes(&s.db, org, id).await?,
        overdue: actions.iter().filter(|a| a.overdue).count(),
        actions: actions.len(),
        commitments: store::commitments(&s.db, org, id).await?.len(),
        amo_minutes: store::amo_entries(&s.db, org, id).await?.iter().map(|e| e.minutes).sum(),
        can_edit: user.role() == Role::Coordinator,
        cycle,
    })
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ReferentForm {
    #[serde(deserialize_with = "crate::web::form_opt_i64")]
    pub participant_id: Option<i64>,
}

/// Sets the référent (a member of the committee), or none. Shared with the API.
pub async fn do_referent(s: &AppState, org: i64, cycle_id: i64, pid: Option<i64>) -> Result<(), AppError> {
    cycles::get(&s.db, org, cycle_id).await?;
    if let Some(p) = pid {
        let person = cycles::participant(&s.db, org, cycle_id, p)
            .await
            .map_err(|_| AppError::invalid("participant_id", "Cette personne n'est pas de ce cycle."))?;
        if !person.committee {
            return Err(AppError::invalid("participant_id", "Le référent est choisi parmi les membres du comité."));
        }
    }
    store::set_referent(&s.db, org, cycle_id, pid).await
}

/// `POST /cycles/{id}/comite/referent`
pub async fn referent(
    user: CurrentUser,
    session: Session,
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Form(f): Form<ReferentForm>,
) -> Result<Response, AppError> {
    let org = user.coordinator_org()?;
    match do_referent(&s, org, id, f.participant_id).await {
        Ok(()) => flash(&session, "Référent du comité enregistré.").await,
        Err(e) => return Err(e.on_page()),
    }
    Ok(Redirect::to(&format!("/cycles/{id}/comite")).into_response())
}

// --- votes -----------------------------------------------------------------------------------------

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct VoteForm {
    pub question: String,
    /// Menu positions of the topics put to the vote (empty: all of them).
    pub topics: Vec<String>,
    pub seats: String,
    pub max_choices: String,
    #[serde(deserialize_with = "crate::web::form_bool")]
    pub secret: bool,
    /// YYYY-MM-DD
    pub closes_on: String,
    /// HH:MM (default 18:00)
    pub closes_at: String,
}

/// Opens a vote on the usage training's menu of topics (shared with the API).
pub async fn do_create_vote(s: &AppState, org: i64, cycle: &Cycle, f: &VoteForm) -> Result<i64, AppError> {
    let module = usage_module(s, org, cycle.id).await?.ok_or_else(|| {
        AppError::Conflict("Ce cycle n'a pas de formation aux usages : pas de thèmes à choisir.".into())
    })?;
    let menu = &module.content.topics;
    let mut e = FieldErrors::new();
    let question = {
        let q = crate::text::check_text(&mut e, "question", &f.question, false, 300);
        if q.is_empty() { format!("Quels thèmes voulez-vous pour la {} ?", module.title.to_lowercase()) } else { q }
    };
    let topics: Vec<String> = if f.topics.is_empty() {
        menu.clone()
    } else {
        let mut chosen = Vec::new();
        for t in &f.topics {
            match menu.iter().find(|m| *m == t) {
                Some(m) if !chosen.contains(m) => chosen.push(m.clone()),
                Some(_) => {}
                None => e.add("topics", format!("« {t} » n'est pas au menu de la formation.")),
            }
        }
        chosen
    };
    if topics.len() < 2 {
        e.add("topics", "Soumettez au moins deux thèmes au vote (le menu se modifie dans le catalogue).");
    }
    let number = |e: &mut FieldErrors, field: &str, v: &str, default: i64, max: i64, msg: &str| -> i64 {
        if v.trim().is_empty() {
            return default.min(max).max(1);
        }
        match v.trim().parse::<i64>() {
            Ok(n) if n >= 1 && n <= max => n,
            _ => {
                e.add(field, msg);
                1
            }
        }
    };
    let n = topics.len().max(1) as i64;
    let seats = number(
        &mut e,
        "seats",
        &f.seats,
        3,
        n - 1,
        "Le nombre de thèmes retenus va de 1 au nombre de thèmes soumis moins un.",
    );
    let max_choices = number(
        &mut e,
        "max_choices",
        &f.max_choices,
        seats,
        n,
        "Le nombre de coches par membre va de 1 au nombre de thèmes soumis.",
    );
    let day = parse_date(&mut e, "closes_on", &f.closes_on, true);
    let time = if f.closes_at.trim().is_empty() {
        chrono::NaiveTime::from_hms_opt(18, 0, 0)
    } else {
        chrono::NaiveTime::parse_from_str(f.closes_at.trim(), "%H:%M").ok().or_else(|| {
            e.add("closes_at", "L'heure de clôture s'écrit HH:MM.");
            None
        })
    };
    let closes_at = match (day, time) {
        (Some(d), Some(t)) => crate::cycle::planning::local_to_utc(cycle.tz(), d, t).map(|x| x.timestamp()),
        _ => None,
    };
    if let Some(c) = closes_at
        && c <= now()
    {
        e.add("closes_on", "La clôture du vote doit être à venir.");
    }
    e.into_result(())?;
    store::create_vote(
        &s.db,
        org,
        cycle.id,
        &NewVote {
            cycle_module_id: module.id,
            question: &question,
            topics: &topics,
            seats,
            max_choices,
            secret: f.secret,
            closes_at: closes_at.unwrap_or_default(),
        },
    )
    .await
}

#[derive(Template)]
#[template(path = "committee/votes.html")]
struct VotesPage {
    ctx: PageCtx,
    cycle: Cycle,
    votes: Vec<Vote>,
    menu: Vec<String>,
    form: VoteForm,
    errors: FieldErrors,
    method: &'static str,
    tie_rule: &'static str,
    can_edit: bool,
}

async fn votes_page(
    s: &AppState,
    user: &CurrentUser,
    ctx: PageCtx,
    id: i64,
    form: VoteForm,
    errors: FieldErrors,
) -> Result<VotesPage, AppError> {
    let org = user.staff_org()?;
    let cycle = cycles::get(&s.db, org, id).await?;
    let menu = usage_module(s, org, id).await?.map(|m| m.content.topics).unwrap_or_default();
    Ok(VotesPage {
        ctx,
        votes: store::votes(&s.db, org, id).await?,
        menu,
        form,
        errors,
        method: METHOD,
        tie_rule: TIE_RULE,
        can_edit: user.role() == Role::Coordinator,
        cycle,
    })
}

/// `GET /cycles/{id}/votes`
pub async fn votes(
    ctx: PageCtx,
    user: CurrentUser,
    State(s): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let form = VoteForm {
        closes_on: (crate::quote::today() + chrono::Days::new(7)).format("%Y-%m-%d").to_string(),
        closes_at: "18:00".into(),
        ..Default::default()
    };
    render(&votes_page(&s, &user, ctx, id, form, FieldErrors::new()).await?)
}

/// Reads the vote form, whose `topics` field repeats.
fn vote_form(pairs: &[(String, String)]) -> VoteForm {
    let mut f = VoteForm::default();
    for (k, v) in pairs {
        match k.as_str() {
            "question" => f.question = v.clone(),
            "topics" => f.topics.push(v.clone()),
            "seats" => f.seats = v.clone(),
            "max_choices" => f.max_choices = v.clone(),
            "secret" => f.secret = matches!(v.as_str(), "on" | "true" | "1"),
            "closes_on" => f.closes_on = v.clone(),
            "closes_at" => f.closes_at = v.clone(),
            _ => {}
        }
    }
    f
}

/// `POST /cycles/{id}/votes`
pub async fn create_vote(
    ctx: PageCtx,
    user: CurrentUser,
    session: Session,
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let org = user.coordinator_org()?;
    let cycle = cycles::get(&s.db, org, id).await?;
    let f = vote_form(&pairs);
    match do_create_vote(&s, org, &cycle, &f).await {
        Ok(vid) => {
            flash(&session, "Le vote est ouvert : les membres du comité votent depuis leur page personnelle.").await;
            Ok(Redirect::to(&format!("/cycles/{id}/votes/{vid}")).into_response())
        }
        Err(AppError::Invalid(e)) => render_invalid(&votes_page(&s, &user, ctx, id, f, e).await?),
        Err(e) => Err(e),
    }
}

#[derive(Template)]
#[template(path = "committee/vote.html")]
struct VotePage {
    ctx: PageCtx,
    cycle: Cycle,
    vote: Vote,
    open: bool,
    members: Vec<(Participant, bool)>,
    tally: Option<Tally>,
    open_ballots: Vec<(String, Vec<String>)>,
    method: &'static str,
    tie_rule: &'static str,
    can_edit: bool,
}

/// `GET /cycles/{id}/votes/{vote}`: participation while open; the count once closed.
pub async fn vote(
    ctx: PageCtx,
    user: CurrentUser,
    State(s): State<AppState>,
    Path((id, vid)): Path<(i64, i64)>,
) -> Result<Response, AppError> {
    let org = user.staff_org()?;
    let cycle = cycles::get(&s.db, org, id).await?;
    let v = store::vote(&s.db, org, id, vid).await?;
    let voted = store::voters(&s.db, vid).await?;
    let people = cycles::participants(&s.db, org, id).await?;
    let open = v.is_open(now());
    let (tally, open_ballots) = if open {
        (None, Vec::new())
    } else {
        let t = store::result(&s.db, &v).await?;
        let ballots = if v.secret {
            Vec::new()
        } else {
            store::ballots(&s.db, vid)
                .await?
                .into_iter()
                .filter_map(|(p, c)| {
                    let who = people.iter().find(|x| Some(x.id) == p)?.full_name();
                    Some((who, c.iter().filter_map(|i| v.topics.get(*i).cloned()).collect()))
                })
                .collect()
        };
        (Some(t), ballots)
    };
    let members = members(&people).into_iter().map(|p| {
        let did = voted.contains(&p.id);
        (p, did)
    });
    render(&VotePage {
        ctx,
        members: members.collect(),
        open,
        tally,
        open_ballots,
        method: METHOD,
        tie_rule: TIE_RULE,
        can_edit: user.role() == Role::Coordinator,
        cycle,
        vote: v,
    })
}

/// `POST /cycles/{id}/votes/{vote}/clore`
pub async fn close_vote(
    user: CurrentUser,
    session: Session,
    State(s): State<AppState>,
    Path((id, vid)): Path<(i64, i64)>,
) -> Result<Response, AppError> {
    let org = user.coordinator_org()?;
    let v = store::vote(&s.db, org, id, vid).await?;
    if !v.is_open(now()) {
        return Err(AppError::Conflict("Ce vote est déjà clos.".into()));
    }
    store::close_vote(&s.db, org, vid).await?;
    flash(&session, "Le vote est clos : voici le résultat.").await;
    Ok(Redirect::to(&format!("/cycles/{id}/votes/{vid}")).into_response())
}

/// Makes a closed vote's result the programme of the usage training (shared with the API).
pub async fn do_apply(s: &AppState, org: i64, cycle_id: i64, vid: i64) -> Result<Vec<String>, AppError> {
    let v = store::vote(&s.db, org, cycle_id, vid).await?;
    if v.is_open(now()) {
        return Err(AppError::Conflict("Le vote est encore ouvert : attendez sa clôture.".into()));
    }
    let t = store::result(&s.db, &v).await?;
    if t.ballots == 0 {
        return Err(AppError::Conflict("Personne n'a voté : aucun thème ne peut être retenu.".into()));
    }
    let chosen = t.chosen();
    store::apply(&s.db, org, &v, &chosen).await?;
    Ok(chosen)
}

/// `POST /cycles/{id}/votes/{vote}/appliquer`
pub async fn apply(
    user: CurrentUser,
    session: Session,
    State(s): State<AppState>,
    Path((id, vid)): Path<(i64, i64)>,
) -> Result<Response, AppError> {
    let org = user.coordinator_org()?;
    let chosen = do_apply(&s, org, id, vid).await?;
    flash(&session, format!("Programme de la formation aux usages : {}.", chosen.join(", "))).await;
    Ok(Redirect::to(&format!("/cycles/{id}/votes/{vid}")).into_response())
}

/// `GET /cycles/{id}/modules/{module}/programme.pdf`: the programme of the module as this cycle
/// runs it (with the topics its committee chose).
pub async fn programme(
    user: CurrentUser,
    State(s): State<AppState>,
    Path((id, cm)): Path<(i64, i64)>,
) -> Result<Response, AppError> {
    let org = user.staff_org()?;
    let module = cycles::module(&s.db, org, id, cm).await?;
    let o = crate::org::store::get(&s.db, org).await?;
    let chosen = store::chosen_topics(&s.db, org, cm).await?;
    let pdf = crate::documents::cycle_programme_pdf(
        &s.db,
        &o,
        module.kind,
        &module.content,
        module.version,
        chosen.as_deref(),
    )
    .await?;
    Ok(crate::documents::pdf_response("programme.pdf", pdf))
}

// --- the member's ballot (personal page) -------------------------------------------------------------

/// The votes a member of the committee can see from their page: open ones to vote, closed ones with
/// their result.
pub struct MemberVote {
    pub vote: Vote,
    pub open: bool,
    pub voted: bool,
    pub chosen: Vec<String>,
}

pub async fn member_votes(
    s: &AppState,
    org: i64,
    cycle_id: i64,
    person: &Participant,
) -> Result<Vec<MemberVote>, AppError> {
    if !person.committee {
        return Ok(Vec::new());
    }
    let mut out = Vec::new();
    for v in store::votes(&s.db, org, cycle_id).await? {
        let open = v.is_open(now());
        let voted = store::has_voted(&s.db, v.id, person.id).await?;
        let chosen = if open { Vec::new() } else { store::result(&s.db, &v).await?.chosen() };
        out.push(MemberVote { vote: v, open, voted, chosen });
    }
    Ok(out)
}

/// A member votes (shared with the API): a member of the committee, once, while the vote is open.
pub async fn do_cast(s: &AppState, token: &str, vid: i64, choices: &[usize]) -> Result<(), AppError> {
    let (org, cycle_id, person) = cycles::participant_by_token(&s.db, token).await?;
    let v = store::vote(&s.db, org, cycle_id, vid).await?;
    if !person.committee {
        return Err(AppError::Forbidden);
    }
    if !v.is_open(now()) {
        return Err(AppError::Conflict("Ce vote est clos : les bulletins ne sont plus reçus.".into()));
    }
    let choices = check_ballot(choices, v.topics.len(), v.max_choices.max(1) as usize)
        .map_err(|m| AppError::invalid("choices", m))?;
    store::cast(&s.db, &v, person.id, &choices).await
}

/// `POST /p/{token}/votes/{vote}`
pub async fn cast(
    session: Session,
    State(s): State<AppState>,
    Path((token, vid)): Path<(String, i64)>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let choices: Vec<usize> = pairs.iter().filter(|(k, _)| k == "choice").filter_map(|(_, v)| v.parse().ok()).collect();
    match do_cast(&s, &token, vid, &choices).await {
        Ok(()) => {
            flash(&session, "Merci, votre bulletin est enregistré.").await;
            Ok(Redirect::to(&format!("/p/{token}#votes")).into_response())
        }
        // Back to the person's page, the refusal said at the top.
        Err(e) => crate::web::back_with(&session, e, &format!("/p/{token}")).await,
    }
}

// --- commitments -------------------------------------------------------------------------------------

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct CommitmentForm {
    /// A participant's id, or empty for the group.
    #[serde(deserialize_with = "crate::web::form_opt_i64")]
    pub participant_id: Option<i64>,
    pub what: String,
    pub who: String,
    pub due_date: String,
}

pub async fn do_add_commitment(s: &AppState, org: i64, cycle_id: i64, f: &CommitmentForm) -> Result<i64, AppError> {
    cycles::get(&s.db, org, cycle_id).await?;
    let mut e = FieldErrors::new();
    if let Some(p) = f.participant_id
        && cycles::participant(&s.db, org, cycle_id, p).await.is_err()
    {
        e.add("participant_id", "Cette personne n'est pas de ce cycle.");
    }
    let what = crate::text::check_text(&mut e, "what", &f.what, true, 500);
    let who = crate::text::check_text(&mut e, "who", &f.who, false, 200);
    let due = parse_date(&mut e, "due_date", &f.due_date, false);
    e.into_result(())?;
    let who = if who.is_empty() {
        match f.participant_id {
            Some(p) => cycles::participant(&s.db, org, cycle_id, p).await?.full_name(),
            None => "Le groupe".into(),
        }
    } else {
        who
    };
    store::add_commitment(&s.db, org, cycle_id, f.participant_id, &what, &who, due).await
}

#[derive(Template)]
#[template(path = "committee/commitments.html")]
struct CommitmentsPage {
    ctx: PageCtx,
    cycle: Cycle,
    items: Vec<(Commitment, String)>,
    people: Vec<(String, String)>,
    statuses: Vec<(&'static str, &'static str)>,
    form: CommitmentForm,
    errors: FieldErrors,
}

impl CommitmentsPage {
    fn person_value(&self) -> String {
        self.form.participant_id.map(|p| p.to_string()).unwrap_or_default()
    }
}

async fn commitments_page(
    s: &AppState,
    user: &CurrentUser,
    ctx: PageCtx,
    id: i64,
    form: CommitmentForm,
    errors: FieldErrors,
) -> Result<CommitmentsPage, AppError> {
    let org = user.staff_org()?;
    let cycle = cycles::get(&s.db, org, id).await?;
    let people = cycles::participants(&s.db, org, id).await?;
    let items = store::commitments(&s.db, org, id)
        .await?
        .into_iter()
        .map(|c| {
            let whose = c
                .participant_id
                .and_then(|p| people.iter().find(|x| x.id == p))
                .map(|p| p.full_name())
                .unwrap_or_else(|| "Le groupe".into());
            (c, whose)
        })
        .collect();
    Ok(CommitmentsPage {
        ctx,
        cycle,
        items,
        people: people
            .iter()
            .filter(|p| p.committee || p.membership == crate::cycle::Membership::Group)
            .map(|p| (p.id.to_string(), p.full_name()))
            .collect(),
        statuses: STATUSES.to_vec(),
        form,
        errors,
    })
}

/// `GET /cycles/{id}/engagements`
pub async fn commitments(
    ctx: PageCtx,
    user: CurrentUser,
    State(s): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    render(&commitments_page(&s, &user, ctx, id, CommitmentForm::default(), FieldErrors::new()).await?)
}

/// `POST /cycles/{id}/engagements`
pub async fn add_commitment(
    ctx: PageCtx,
    user: CurrentUser,
    session: Session,
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Form(f): Form<CommitmentForm>,
) -> Result<Response, AppError> {
    let org = user.staff_org()?;
    match do_add_commitment(&s, org, id, &f).await {
        Ok(_) => {
            flash(&session, "Engagement enregistré.").await;
            Ok(Redirect::to(&format!("/cycles/{id}/engagements")).into_response())
        }
        Err(AppError::Invalid(e)) => render_invalid(&commitments_page(&s, &user, ctx, id, f, e).await?),
        Err(e) => Err(e),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct FollowForm {
    pub status: String,
    pub notes: String,
}

pub fn check_status(status: &str) -> Result<(), AppError> {
    if STATUSES.iter().any(|(c, _)| *c == status) {
        Ok(())
    } else {
        Err(AppError::invalid("status", "Choisissez l'état dans la liste."))
    }
}

/// `POST /cycles/{id}/engagements/{commitment}`
pub async fn follow_commitment(
    user: CurrentUser,
    session: Session,
    State(s): State<AppState>,
    Path((id, cid)): Path<(i64, i64)>,
    Form(f): Form<FollowForm>,
) -> Result<Response, AppError> {
    let org = user.staff_org()?;
    cycles::get(&s.db, org, id).await?;
    check_status(&f.status).map_err(|_| AppError::BadRequest("Choisissez l'état dans la liste.".into()))?;
    let mut e = FieldErrors::new();
    let notes = crate::text::check_text(&mut e, "notes", &f.notes, false, 2000);
    e.into_result(()).map_err(|_| AppError::BadRequest("Le suivi est trop long (2 000 caractères au plus).".into()))?;
    store::update_commitment(&s.db, org, id, cid, &f.status, &notes).await?;
    flash(&session, "Suivi de l'engagement enregistré.").await;
    Ok(Redirect::to(&format!("/cycles/{id}/engagements")).into_response())
}

// --- the action plan -----------------------------------------------------------------------------------

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct ActionForm {
    pub category: String,
    pub title: String,
    pub description: String,
    pub owners: Vec<i64>,
    pub due_date: String,
    pub status: String,
    /// Problems, comma-separated.
    pub tags: String,
}

/// Reads the action form, whose `owners` field repeats.
fn action_form(pairs: &[(String, String)]) -> Result<ActionForm, AppError> {
    let mut f = ActionForm::default();
    for (k, v) in pairs {
        match k.as_str() {
            "category" => f.category = v.clone(),
            "title" => f.title = v.clone(),
            "description" => f.description = v.clone(),
            "owners" => f.owners.push(v.parse().map_err(|_| AppError::BadRequest("Responsable illisible.".into()))?),
            "due_date" => f.due_date = v.clone(),
            "status" => f.status = v.clone(),
            "tags" => f.tags = v.clone(),
            _ => {}
        }
    }
    Ok(f)
}

/// Checks an action: owners are people of the cycle.
pub async fn check_action(
    s: &AppState,
    org: i64,
    cycle_id: i64,
    f: &ActionForm,
) -> Result<(String, String, Option<NaiveDate>, String), AppError> {
    let people = cycles::participants(&s.db, org, cycle_id).await?;
    let mut e = FieldErrors::new();
    if !CATEGORIES.iter().any(|(c, _)| *c == f.category) {
        e.add("category", "Choisissez la catégorie de l'action.");
    }
    let title = crate::text::check_text(&mut e, "title", &f.title, true, 200);
    let description = crate::text::check_text(&mut e, "description", &f.description, false, 5000);
    if f.owners.iter().any(|o| !people.iter().any(|p| p.id == *o)) {
        e.add("owners", "Les responsables d'une action sont des personnes du cycle.");
    }
    let due = parse_date(&mut e, "due_date", &f.due_date, false);
    let status = if f.status.is_empty() { "todo".to_string() } else { f.status.clone() };
    if !STATUSES.iter().any(|(c, _)| *c == status) {
        e.add("status", "Choisissez l'état dans la liste.");
    }
    e.into_result((title, description, due, status))
}

pub async fn do_create_action(s: &AppState, org: i64, cycle_id: i64, f: &ActionForm) -> Result<i64, AppError> {
    cycles::get(&s.db, org, cycle_id).await?;
    let (title, description, due, status) = check_action(s, org, cycle_id, f).await?;
    store::create_action(
        &s.db,
        org,
        cycle_id,
        &ActionData {
            category: &f.category,
            title: &title,
            description: &description,
            owners: &f.owners,
            due_date: due,
            status: &status,
            tags: &crate::committee::matching::tags(&f.tags),
        },
    )
    .await
}

pub async fn do_update_action(s: &AppState, org: i64, cycle_id: i64, id: i64, f: &ActionForm) -> Result<(), AppError> {
    store::action(&s.db, org, cycle_id, id).await?;
    let (title, description, due, status) = check_action(s, org, cycle_id, f).await?;
    store::update_action(
        &s.db,
        org,
        cycle_id,
        id,
        &ActionData {
            category: &f.category,
            title: &title,
            description: &description,
            owners: &f.owners,
            due_date: due,
            status: &status,
            tags: &crate::committee::matching::tags(&f.tags),
        },
    )
    .await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct BoardQuery {
    pub vue: String,
}

#[derive(Template)]
#[template(path = "committee/actions.html")]
struct ActionsPage {
    ctx: PageCtx,
    cycle: Cycle,
    list: bool,
    columns: Vec<(&'static str, &'static str, Vec<Action>)>,
    actions: Vec<Action>,
    names: Vec<(i64, String)>,
    can_edit: bool,
}

impl ActionsPage {
    fn owners_of(&self, a: &Action) -> String {
        a.owners
            .iter()
            .filter_map(|o| self.names.iter().find(|(id, _)| id == o).map(|(_, n)| n.clone()))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// `GET /cycles/{id}/actions`: the board (by status) or the list (`?vue=liste`).
pub async fn actions(
    ctx: PageCtx,
    user: CurrentUser,
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Query(q): Query<BoardQuery>,
) -> Result<Response, AppError> {
    let org = user.staff_org()?;
    let cycle = cycles::get(&s.db, org, id).await?;
    let actions = store::actions(&s.db, org, id).await?;
    let columns =
        STATUSES.iter().map(|(c, l)| (*c, *l, actions.iter().filter(|a| a.status == *c).cloned().collect())).collect();
    let names = cycles::participants(&s.db, org, id).await?.into_iter().map(|p| (p.id, p.full_name())).collect();
    render(&ActionsPage {
        ctx,
        cycle,
        list: q.vue == "liste",
        columns,
        actions,
        names,
        can_edit: user.role().is_staff(),
    })
}

#[derive(Template)]
#[template(path = "committee/action.html")]
struct ActionPage {
    ctx: PageCtx,
    cycle: Cycle,
    id: Option<i64>,
    form: ActionForm,
    errors: FieldErrors,
    people: Vec<Participant>,
    categories: Vec<(&'static str, &'static str)>,
    statuses: Vec<(&'static str, &'static str)>,
    notes: Vec<Note>,
    amo: Vec<AmoEntry>,
    overdue: bool,
}

async fn action_page(
    s: &AppState,
    org: i64,
    ctx: PageCtx,
    cycle_id: i64,
    id: Option<i64>,
    form: ActionForm,
    errors: FieldErrors,
) -> Result<ActionPage, AppError> {
    let cycle = cycles::get(&s.db, org, cycle_id).await?;
    let people = cycles::participants(&s.db, org, cycle_id).await?;
    let (notes, amo, overdue) = match id {
        Some(i) => {
            let a = store::action(&s.db, org, cycle_id, i).await?;
            let amo = store::amo_entries(&s.db, org, cycle_id)
                .await?
                .into_iter()
                .filter(|e| e.action_ids.contains(&i))
                .collect();
            (store::notes(&s.db, org, i).await?, amo, a.overdue)
        }
        None => (Vec::new(), Vec::new(), false),
    };
    Ok(ActionPage {
        ctx,
        cycle,
        id,
        form,
        errors,
        people,
        categories: CATEGORIES.to_vec(),
        statuses: STATUSES.to_vec(),
        notes,
        amo,
        overdue,
    })
}

/// `GET /cycles/{id}/actions/nouvelle`
pub async fn new_action(
    ctx: PageCtx,
    user: CurrentUser,
    State(s): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let org = user.staff_org()?;
    let form = ActionForm { category: "organisation".into(), status: "todo".into(), ..Default::default() };
    render(&action_page(&s, org, ctx, id, None, form, FieldErrors::new()).await?)
}

/// `POST /cycles/{id}/actions/nouvelle`
pub async fn create_action(
    ctx: PageCtx,
    user: CurrentUser,
    session: Session,
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let org = user.staff_org()?;
    let f = action_form(&pairs)?;
    match do_create_action(&s, org, id, &f).await {
        Ok(aid) => {
            flash(&session, "Action ajoutée au plan.").await;
            Ok(Redirect::to(&format!("/cycles/{id}/actions/{aid}")).into_response())
        }
        Err(AppError::Invalid(e)) => render_invalid(&action_page(&s, org, ctx, id, None, f, e).await?),
        Err(e) => Err(e),
    }
}

/// `GET /cycles/{id}/actions/{action}`
pub async fn action(
    ctx: PageCtx,
    user: CurrentUser,
    State(s): State<AppState>,
    Path((id, aid)): Path<(i64, i64)>,
) -> Result<Response, AppError> {
    let org = user.staff_org()?;
    let a = store::action(&s.db, org, id, aid).await?;
    let form = ActionForm {
        category: a.category,
        title: a.title,
        description: a.description,
        owners: a.owners,
        due_date: a.due_date.map(|d| d.format("%Y-%m-%d").to_string()).unwrap_or_default(),
        status: a.status,
        tags: a.tags.join(", "),
    };
    render(&action_page(&s, org, ctx, id, Some(aid), form, FieldErrors::new()).await?)
}

/// `POST /cycles/{id}/actions/{action}`
pub async fn update_action(
    ctx: PageCtx,
    user: CurrentUser,
    session: Session,
    State(s): State<AppState>,
    Path((id, aid)): Path<(i64, i64)>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let org = user.staff_org()?;
    let f = action_form(&pairs)?;
    match do_update_action(&s, org, id, aid, &f).await {
        Ok(()) => {
            flash(&session, "Action enregistrée.").await;
            Ok(Redirect::to(&format!("/cycles/{id}/actions/{aid}")).into_response())
        }
        Err(AppError::Invalid(e)) => render_invalid(&action_page(&s, org, ctx, id, Some(aid), f, e).await?),
        Err(e) => Err(e),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct NoteForm {
    pub text: String,
}

pub async fn do_note(
    s: &AppState,
    org: i64,
    cycle_id: i64,
    aid: i64,
    author: &str,
    text: &str,
) -> Result<(), AppError> {
    store::action(&s.db, org, cycle_id, aid).await?;
    let mut e = FieldErrors::new();
    let text = crate::text::check_text(&mut e, "text", text, true, 3000);
    e.into_result(())?;
    store::add_note(&s.db, org, aid, author, &text).await
}

/// `POST /cycles/{id}/actions/{action}/notes`
pub async fn add_note(
    user: CurrentUser,
    session: Session,
    State(s): State<AppState>,
    Path((id, aid)): Path<(i64, i64)>,
    Form(f): Form<NoteForm>,
) -> Result<Response, AppError> {
    let org = user.staff_org()?;
    match do_note(&s, org, id, aid, &user.user.name, &f.text).await {
        Ok(()) => flash(&session, "Note d'avancement ajoutée.").await,
        Err(AppError::Invalid(_)) => {
            return Err(AppError::BadRequest("Écrivez la note d'avancement (3 000 caractères au plus).".into()));
        }
        Err(e) => return Err(e),
    }
    Ok(Redirect::to(&format!("/cycles/{id}/actions/{aid}#notes")).into_response())
}

fn csv_cell(s: &str) -> String {
    let s = if s.starts_with(['=', '+', '-', '@']) { format!("'{s}") } else { s.to_string() };
    format!("\"{}\"", s.replace('"', "\"\""))
}

fn csv_response(name: &str, body: String) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")),
        ],
        format!("\u{feff}{body}"),
    )
        .into_response()
}

/// `GET /cycles/{id}/actions.csv`
pub async fn actions_csv(
    user: CurrentUser,
    State(s): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let org = user.staff_org()?;
    cycles::get(&s.db, org, id).await?;
    let people = cycles::participants(&s.db, org, id).await?;
    let mut out = String::from("catégorie;action;description;responsables;échéance;état;en retard\r\n");
    for a in store::actions(&s.db, org, id).await? {
        let owners = a
            .owners
            .iter()
            .filter_map(|o| people.iter().find(|p| p.id == *o).map(|p| p.full_name()))
            .collect::<Vec<_>>()
            .join(", ");
        out.push_str(&format!(
            "{};{};{};{};{};{};{}\r\n",
            csv_cell(a.category_label()),
            csv_cell(&a.title),
            csv_cell(&a.description),
            csv_cell(&owners),
            csv_cell(&a.due_date.map(|d| d.format("%d/%m/%Y").to_string()).unwrap_or_default()),
            csv_cell(a.status_label()),
            if a.overdue { "oui" } else { "non" }
        ));
    }
    Ok(csv_response("plan-d-action.csv", out))
}

/// Queues an e-mail to the owners of each overdue action, once a week per action; returns how many
/// were queued. The job worker calls it; every process may, the deduplication keys keep it once.
pub async fn remind_overdue(s: &AppState) -> Result<usize, AppError> {
    use chrono::Datelike;
    let today = crate::quote::today();
    let week = format!("{}-{}", today.iso_week().year(), today.iso_week().week());
    let mut n = 0;
    for (org, a) in store::overdue_actions(&s.db, today).await? {
        let cycle = cycles::get(&s.db, org, a.cycle_id).await?;
        let people = cycles::participants(&s.db, org, a.cycle_id).await?;
        for owner in people.iter().filter(|p| a.owners.contains(&p.id) && !p.email.is_empty()) {
            let mail = crate::mail::Mail {
                to: owner.email.clone(),
                to_name: owner.full_name(),
                subject: format!("Action en retard : {}", a.title),
                body: format!(
                    "Bonjour {},\n\nL'action « {} » du plan d'action du cycle « {} » devait être terminée le {}. Où en est-elle ?\n\nVous pouvez noter son avancement depuis votre page : {}/p/{}#plan\n\nL'équipe d'accompagnement",
                    owner.first_name,
                    a.title,
                    cycle.title,
                    a.due_text(),
                    s.config.public_url(),
                    owner.calendar_token
                ),
                attachments: Vec::new(),
            };
            if crate::mail::queue(
                &s.db,
                Some(org),
                &mail,
                Some(&format!("action-reminder:{}:{}:{week}", a.id, owner.id)),
            )
            .await?
            {
                n += 1;
            }
        }
    }
    Ok(n)
}

// --- the member's side of the plan ----------------------------------------------------------------------

/// A member of the committee notes the progress of an action they carry, from their page.
pub async fn do_member_note(s: &AppState, token: &str, aid: i64, status: &str, text: &str) -> Result<(), AppError> {
    let (org, cycle_id, person) = cycles::participant_by_token(&s.db, token).await?;
    let a = store::action(&s.db, org, cycle_id, aid).await?;
    if !person.committee && !a.owners.contains(&person.id) {
        return Err(AppError::Forbidden);
    }
    if !status.is_empty() && status != a.status {
        check_status(status)?;
        let data = ActionData {
            category: &a.category,
            title: &a.title,
            description: &a.description,
            owners: &a.owners,
            due_date: a.due_date,
            status,
            tags: &a.tags,
        };
        store::update_action(&s.db, org, cycle_id, aid, &data).await?;
    }
    if !text.trim().is_empty() || status.is_empty() {
        do_note(s, org, cycle_id, aid, &person.full_name(), text).await?;
    }
    Ok(())
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct MemberNoteForm {
    pub status: String,
    pub text: String,
}

/// `POST /p/{token}/actions/{action}`
pub async fn member_note(
    session: Session,
    State(s): State<AppState>,
    Path((token, aid)): Path<(String, i64)>,
    Form(f): Form<MemberNoteForm>,
) -> Result<Response, AppError> {
    match do_member_note(&s, &token, aid, &f.status, &f.text).await {
        Ok(()) => flash(&session, "Avancement enregistré, merci.").await,
        Err(e) => return Err(e.on_page()),
    }
    Ok(Redirect::to(&format!("/p/{token}#plan")).into_response())
}

// --- the AMO journal -----------------------------------------------------------------------------------

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct AmoForm {
    pub kind: String,
    pub day: String,
    /// "1:30", "90" or "1,5" (hours)
    pub duration: String,
    pub text: String,
    pub action_ids: Vec<i64>,
    pub intervenant_id: Option<i64>,
    /// The participants present at a meeting (the AMO's attendance is recorded here, not on a sheet).
    pub attendee_ids: Vec<i64>,
}

/// Reads a duration: minutes ("90"), hours and minutes ("1:30", "1 h 30") or decimal hours ("1,5 h").
pub fn parse_duration(s: &str) -> Option<i64> {
    let t = s.trim().to_lowercase().replace(' ', "");
    if t.is_empty() {
        return None;
    }
    let minutes = if let Some((h, m)) = t.split_once([':', 'h']) {
        let h: i64 = h.parse().ok()?;
        let m: i64 = if m.is_empty() { 0 } else { m.trim_end_matches("min").parse().ok()? };
        if !(0..60).contains(&m) {
            return None;
        }
        h * 60 + m
    } else if t.contains(',') || t.contains('.') {
        let h: f64 = t.replace(',', ".").parse().ok()?;
        (h * 60.0).round() as i64
    } else {
        t.trim_end_matches("min").parse().ok()?
    };
    (1..=24 * 60).contains(&minutes).then_some(minutes)
}

fn amo_form(pairs: &[(String, String)]) -> Result<AmoForm, AppError> {
    let mut f = AmoForm::default();
    for (k, v) in pairs {
        match k.as_str() {
            "kind" => f.kind = v.clone(),
            "day" => f.day = v.clone(),
            "duration" => f.duration = v.clone(),
            "text" => f.text = v.clone(),
            "action_ids" => f.action_ids.push(v.parse().map_err(|_| AppError::BadRequest("Action illisible.".into()))?),
            "attendee_ids" => {
                f.attendee_ids.push(v.parse().map_err(|_| AppError::BadRequest("Participant illisible.".into()))?)
            }
            "intervenant_id" if !v.is_empty() => {
                f.intervenant_id = Some(v.parse().map_err(|_| AppError::BadRequest("Intervenant illisible.".into()))?)
            }
            _ => {}
        }
    }
    Ok(f)
}

pub async fn do_add_amo(s: &AppState, user: &CurrentUser, cycle_id: i64, f: &AmoForm) -> Result<i64, AppError> {
    let org = user.staff_org()?;
    let cycle = cycles::get(&s.db, org, cycle_id).await?;
    let mut e = FieldErrors::new();
    if !AMO_KINDS.iter().any(|(c, _)| *c == f.kind) {
        e.add("kind", "Choisissez le type d'intervention.");
    }
    let day = parse_date(&mut e, "day", &f.day, true);
    // The journal records what took place: never a day still to come.
    let today = crate::fr::local(s.now(), cycle.tz()).date_naive();
    if day.is_some_and(|d| d > today) {
        e.add("day", "Le journal note ce qui a eu lieu : la date ne peut pas être à venir.");
    }
    let people = cycles::participants(&s.db, org, cycle_id).await?;
    if f.attendee_ids.iter().any(|a| !people.iter().any(|p| p.id == *a)) {
        e.add("attendee_ids", "Ces personnes ne sont pas du cycle.");
    }
    let minutes = parse_duration(&f.duration);
    if minutes.is_none() {
        e.add("duration", "Indiquez le temps passé : « 90 », « 1:30 » ou « 1,5 » (heures), 24 h au plus.");
    }
    let text = crate::text::check_text(&mut e, "text", &f.text, true, 5000);
    let actions = store::actions(&s.db, org, cycle_id).await?;
    if f.action_ids.iter().any(|a| !actions.iter().any(|x| x.id == *a)) {
        e.add("action_ids", "Ces actions ne sont pas au plan de ce cycle.");
    }
    // The intervenant: the one of this account, or the one chosen by the coordination.
    let intervenant = match f.intervenant_id {
        Some(i) => {
            if crate::intervenant::store::get(&s.db, org, i).await.is_err() {
                e.add("intervenant_id", "Cet intervenant n'existe pas dans votre organisation.");
            }
            Some(i)
        }
        None => cycles::intervenant_of_user(&s.db, org, user.id()).await?,
    };
    e.into_result(())?;
    store::add_amo(
        &s.db,
        org,
        cycle_id,
        &NewAmo {
            intervenant_id: intervenant,
            kind: &f.kind,
            day: day.unwrap_or_default(),
            minutes: minutes.unwrap_or_default(),
            text: &text,
            action_ids: &f.action_ids,
            attendee_ids: &f.attendee_ids,
            author: &user.user.name,
        },
    )
    .await
}

#[derive(Template)]
#[template(path = "committee/amo.html")]
struct AmoPage {
    ctx: PageCtx,
    cycle: Cycle,
    entries: Vec<AmoEntry>,
    total: String,
    actions: Vec<Action>,
    intervenants: Vec<(String, String)>,
    kinds: Vec<(&'static str, &'static str)>,
    form: AmoForm,
    errors: FieldErrors,
    /// The committee's members first, then the others of the cycle: who can be present at a meeting.
    people: Vec<crate::cycle::store::Participant>,
}

impl AmoPage {
    fn intervenant_value(&self) -> String {
        self.form.intervenant_id.map(|i| i.to_string()).unwrap_or_default()
    }
}

async fn amo_page(
    s: &AppState,
    user: &CurrentUser,
    ctx: PageCtx,
    id: i64,
    form: AmoForm,
    errors: FieldErrors,
) -> Result<AmoPage, AppError> {
    let org = user.staff_org()?;
    let cycle = cycles::get(&s.db, org, id).await?;
    let entries = store::amo_entries(&s.db, org, id).await?;
    let total = crate::attendance::hours_text(entries.iter().map(|e| e.minutes).sum());
    let all = crate::web::list::Listing::new(&Default::default(), &crate::intervenant::store::SORT);
    let intervenants = crate::intervenant::store::list(&s.db, org, &all, &Default::default())
        .await?
        .0
        .into_iter()
        .map(|i| (i.id.to_string(), i.full_name()))
        .collect();
    Ok(AmoPage {
        ctx,
        cycle,
        entries,
        total,
        actions: store::actions(&s.db, org, id).await?,
        intervenants,
        kinds: AMO_KINDS.to_vec(),
        form,
        errors,
        people: {
            let mut p = cycles::participants(&s.db, org, id).await?;
            p.sort_by_key(|x| !x.committee);
            p
        },
    })
}

/// `GET /cycles/{id}/amo`
pub async fn amo(
    ctx: PageCtx,
    user: CurrentUser,
    State(s): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let form = AmoForm {
        kind: "meeting".into(),
        day: crate::quote::today().format("%Y-%m-%d").to_string(),
        ..Default::default()
    };
    render(&amo_page(&s, &user, ctx, id, form, FieldErrors::new()).await?)
}

/// `POST /cycles/{id}/amo`
pub async fn add_amo(
    ctx: PageCtx,
    user: CurrentUser,
    session: Session,
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let f = amo_form(&pairs)?;
    match do_add_amo(&s, &user, id, &f).await {
        Ok(_) => {
            flash(&session, "Intervention ajoutée au journal d'AMO.").await;
            Ok(Redirect::to(&format!("/cycles/{id}/amo")).into_response())
        }
        Err(AppError::Invalid(e)) => render_invalid(&amo_page(&s, &user, ctx, id, f, e).await?),
        Err(e) => Err(e),
    }
}

/// `GET /cycles/{id}/amo.csv`: the journal, for the AMO invoicing.
pub async fn amo_csv(user: CurrentUser, State(s): State<AppState>, Path(id): Path<i64>) -> Result<Response, AppError> {
    let org = user.staff_org()?;
    cycles::get(&s.db, org, id).await?;
    let people = cycles::participants(&s.db, org, id).await?;
    let mut out = String::from("date;intervenant;type;minutes;heures;présents;description\r\n");
    for e in store::amo_entries(&s.db, org, id).await? {
        let present: Vec<String> =
            people.iter().filter(|p| e.attendee_ids.contains(&p.id)).map(|p| p.full_name()).collect();
        out.push_str(&format!(
            "{};{};{};{};{};{};{}\r\n",
            e.day.format("%d/%m/%Y"),
            csv_cell(e.intervenant_name.as_deref().unwrap_or("")),
            csv_cell(e.kind_label()),
            e.minutes,
            crate::documents::number(rust_decimal::Decimal::from(e.minutes) / rust_decimal::Decimal::from(60)),
            csv_cell(&present.join(", ")),
            csv_cell(&e.text)
        ));
    }
    Ok(csv_response("journal-amo.csv", out))
}

/// Labels for the templates.
pub fn category_label(code: &str) -> &'static str {
    label(&CATEGORIES, code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_like_people_write_them() {
        assert_eq!(parse_duration("90"), Some(90));
        assert_eq!(parse_duration("1:30"), Some(90));
        assert_eq!(parse_duration("1 h 30"), Some(90));
        assert_eq!(parse_duration("2h"), Some(120));
        assert_eq!(parse_duration("1,5"), Some(90));
        assert_eq!(parse_duration("45 min"), Some(45));
        assert_eq!(parse_duration("0"), None);
        assert_eq!(parse_duration("1:75"), None);
        assert_eq!(parse_duration("30:00"), None);
        assert_eq!(parse_duration("beaucoup"), None);
    }

    #[test]
    fn csv_cells_cannot_be_formulas() {
        assert_eq!(csv_cell("=SOMME(A1)"), "\"'=SOMME(A1)\"");
        assert_eq!(csv_cell("dit \"oui\""), "\"dit \"\"oui\"\"\"");
    }
}
