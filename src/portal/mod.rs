//! The participant's page (`/p/{token}`): the next session and signing first, then the votes, the
//! surveys, the notepads and the documents of their cycle, made for a phone. It gathers what the
//! concepts offer a participant, so it sits above them.

use crate::cycle::web::agenda::{events, ics_response};

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use serde::Deserialize;
use tower_sessions::Session;

use crate::catalogue::ModuleKind;
use crate::cycle::store::{self, Cycle, Participant, TrainingSession};
use crate::cycle::{Membership, ics, mails};
use crate::error::AppError;
use crate::extract::{Path, Query};
use crate::state::AppState;
use crate::web::{PageCtx, render};

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
pub(crate) struct ParticipantPage {
    ctx: PageCtx,
    token: String,
    person: Participant,
    cycle: Cycle,
    sessions: Vec<MySession>,
    /// The next session not over: when, what, where.
    next: Option<(String, String, String)>,
    org_name: String,
    base: String,
    code: String,
    /// Surveys waiting for this person's answer: (module title, link token).
    surveys: Vec<(String, String)>,
    /// Positioning and assessment questionnaires open now, and the answered ones of the end of
    /// the training (to see one's progress): (module title, questionnaire).
    questionnaires: Vec<(String, crate::assessment::store::Assessment)>,
    /// The committee's votes, for a member.
    votes: Vec<crate::committee::web::MemberVote>,
    /// The actions of the plan this person carries (all of them for a member of the committee).
    plan: Vec<crate::committee::store::Action>,
    statuses: Vec<(&'static str, &'static str)>,
    /// The vendors' proposals, for a member of the committee.
    proposals: Vec<crate::proposal::Proposal>,
    board: crate::mutual::Board,
    mutual_kinds: Vec<(&'static str, &'static str)>,
    /// The cycle's notepads, where the participant writes with the others.
    notepads: Vec<crate::notepad::store::Notepad>,
}

#[derive(Deserialize, Default)]
pub struct CodeQuery {
    pub code: Option<String>,
}

/// The sessions a participant attends: the group's trainings, the committee's when a member.
pub(crate) fn sessions_for(p: &Participant, all: Vec<TrainingSession>) -> Vec<TrainingSession> {
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
    let _ = session.insert(crate::attendance::signing::PARTICIPANT_KEY, &token).await;
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
    let next = sessions
        .iter()
        .find(|x| !x.session.is_cancelled() && x.session.end_at > now)
        .map(|x| (x.when.clone(), format!("{} — {}", x.session.module_title, x.session.title), x.place.clone()));
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
    let titles = store::modules(&s.db, org, cycle_id).await?;
    let title_of = |cm: i64| titles.iter().find(|m| m.id == cm).map(|m| m.title.clone()).unwrap_or_default();
    let questionnaires = crate::assessment::store::of_participant(&s.db, org, person.id)
        .await?
        .into_iter()
        .filter(|a| match a.answered_at {
            None => a.opens_at <= now && now < a.closes_at,
            Some(_) => a.phase != crate::assessment::Phase::Positioning,
        })
        .map(|a| (title_of(a.cycle_module_id), a))
        .collect();
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
        next,
        org_name,
        base: s.config.public_url(),
        code,
        surveys,
        questionnaires,
        votes,
        plan,
        statuses: crate::committee::STATUSES.to_vec(),
        proposals: if person_committee {
            crate::proposal::store::list(&s.db, org, cycle_id).await?
        } else {
            Vec::new()
        },
        board: crate::mutual::Board::load(&s.db, org, cycle_id).await?,
        mutual_kinds: crate::mutual::KINDS.to_vec(),
        notepads: crate::notepad::store::for_cycle(&s.db, org, cycle_id).await?,
    })
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
