//! Committee pages: members and référent, the vote on the usage training's topics (and the
//! member's ballot from their personal page), commitments, the action plan (board, list, CSV,
//! notes, reminders) and the AMO journal.

use super::service::*;
use crate::auth::Staff;
use crate::cycle::extract::CycleOf;
use crate::web::list::{csv_bytes, csv_response};
use askama::Template;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use tower_sessions::Session;

use crate::auth::{CurrentUser, Role};
use crate::committee::store::{self, Action, AmoEntry, Commitment, Note, Vote};
use crate::committee::{CATEGORIES, METHOD, STATUSES, TIE_RULE, Tally, label};
use crate::cycle::store::{self as cycles, Cycle, Participant};
use crate::db::now;
use crate::error::{AppError, FieldErrors};
use crate::extract::{Form, Path};
use crate::state::AppState;
use crate::web::{PageCtx, flash, render, render_invalid};

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
    CycleOf { user, org, cycle }: CycleOf,
    State(s): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
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
    CycleOf { user, org, cycle }: CycleOf,
    State(s): State<AppState>,
    Path((id, vid)): Path<(i64, i64)>,
) -> Result<Response, AppError> {
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
    Staff { org, .. }: Staff,
    State(s): State<AppState>,
    Path((id, cm)): Path<(i64, i64)>,
) -> Result<Response, AppError> {
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
    Staff { user, org }: Staff,
    session: Session,
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Form(f): Form<CommitmentForm>,
) -> Result<Response, AppError> {
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

/// `POST /cycles/{id}/engagements/{commitment}`
pub async fn follow_commitment(
    CycleOf { org, .. }: CycleOf,
    session: Session,
    State(s): State<AppState>,
    Path((id, cid)): Path<(i64, i64)>,
    Form(f): Form<FollowForm>,
) -> Result<Response, AppError> {
    check_status(&f.status).map_err(|_| AppError::BadRequest("Choisissez l'état dans la liste.".into()))?;
    let mut e = FieldErrors::new();
    let notes = crate::text::check_text(&mut e, "notes", &f.notes, false, 2000);
    e.into_result(()).map_err(|_| AppError::BadRequest("Le suivi est trop long (2 000 caractères au plus).".into()))?;
    store::update_commitment(&s.db, org, id, cid, &f.status, &notes).await?;
    flash(&session, "Suivi de l'engagement enregistré.").await;
    Ok(Redirect::to(&format!("/cycles/{id}/engagements")).into_response())
}

// --- the action plan -----------------------------------------------------------------------------------

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
    CycleOf { user, org, cycle }: CycleOf,
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Query(q): Query<BoardQuery>,
) -> Result<Response, AppError> {
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
    Staff { org, .. }: Staff,
    State(s): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let form = ActionForm { category: "organisation".into(), status: "todo".into(), ..Default::default() };
    render(&action_page(&s, org, ctx, id, None, form, FieldErrors::new()).await?)
}

/// `POST /cycles/{id}/actions/nouvelle`
pub async fn create_action(
    ctx: PageCtx,
    Staff { org, .. }: Staff,
    session: Session,
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
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
    Staff { org, .. }: Staff,
    State(s): State<AppState>,
    Path((id, aid)): Path<(i64, i64)>,
) -> Result<Response, AppError> {
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
    Staff { org, .. }: Staff,
    session: Session,
    State(s): State<AppState>,
    Path((id, aid)): Path<(i64, i64)>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
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

/// `POST /cycles/{id}/actions/{action}/notes`
pub async fn add_note(
    Staff { user, org }: Staff,
    session: Session,
    State(s): State<AppState>,
    Path((id, aid)): Path<(i64, i64)>,
    Form(f): Form<NoteForm>,
) -> Result<Response, AppError> {
    match do_note(&s, org, id, aid, &user.user.name, &f.text).await {
        Ok(()) => flash(&session, "Note d'avancement ajoutée.").await,
        Err(AppError::Invalid(_)) => {
            return Err(AppError::BadRequest("Écrivez la note d'avancement (3 000 caractères au plus).".into()));
        }
        Err(e) => return Err(e),
    }
    Ok(Redirect::to(&format!("/cycles/{id}/actions/{aid}#notes")).into_response())
}

/// `GET /cycles/{id}/actions.csv`
pub async fn actions_csv(
    CycleOf { org, .. }: CycleOf,
    State(s): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let people = cycles::participants(&s.db, org, id).await?;
    let rows = store::actions(&s.db, org, id).await?.into_iter().map(|a| {
        let owners = a
            .owners
            .iter()
            .filter_map(|o| people.iter().find(|p| p.id == *o).map(|p| p.full_name()))
            .collect::<Vec<_>>()
            .join(", ");
        vec![
            a.category_label().to_string(),
            a.title.clone(),
            a.description.clone(),
            owners,
            a.due_date.map(|d| d.format("%d/%m/%Y").to_string()).unwrap_or_default(),
            a.status_label().to_string(),
            if a.overdue { "oui" } else { "non" }.to_string(),
        ]
    });
    let headers = ["catégorie", "action", "description", "responsables", "échéance", "état", "en retard"];
    Ok(csv_response("plan-d-action.csv", csv_bytes(&headers, rows.collect::<Vec<_>>())))
}

// --- the member's side of the plan ----------------------------------------------------------------------

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
        Err(e) => {
            let kept = [(format!("note-{aid}:status"), f.status.clone()), (format!("note-{aid}:text"), f.text.clone())];
            return crate::web::back_keeping(&session, e, &format!("/p/{token}#plan"), &kept).await;
        }
    }
    Ok(Redirect::to(&format!("/p/{token}#plan")).into_response())
}

// --- the AMO journal -----------------------------------------------------------------------------------

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
}
