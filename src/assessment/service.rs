//! What the pages and the API both do: sending a questionnaire to a module's group and reminding
//! it, answering it, the group's profile and results, and the evidence of indicators 8 and 11.

use std::collections::BTreeMap;

use serde::Serialize;

use super::store::{self, Adaptation, Assessment, NewAssessment};
use super::{Level, Phase, check_answers, may_answer, may_send, mean, percent, window};
use crate::attendance::documents::attendees;
use crate::catalogue::questionnaire::{Question, questions_of};
use crate::cycle::store::{self as cycles, Cycle, CycleModule, Participant};
use crate::error::{AppError, FieldErrors};
use crate::state::AppState;

/// The objectives and questions of a cycle's module (the catalogue version the cycle uses).
pub fn questionnaire(module: &CycleModule) -> (Vec<String>, Vec<Question>) {
    let objectives: Vec<String> = module.content.objectives_list().into_iter().map(String::from).collect();
    let questions = questions_of(module.kind, &module.content.questionnaire, objectives.len());
    (objectives, questions)
}

/// The first start and the last end of a module's sessions (cancelled ones left out).
pub async fn bounds(s: &AppState, org: i64, cycle: &Cycle, cm: i64) -> Result<Option<(i64, i64)>, AppError> {
    let sessions: Vec<_> = cycles::sessions(&s.db, org, cycle.id)
        .await?
        .into_iter()
        .filter(|x| x.cycle_module_id == cm && !x.is_cancelled())
        .collect();
    let first = sessions.iter().map(|x| x.start_at).min();
    let last = sessions.iter().map(|x| x.end_at).max();
    Ok(first.zip(last))
}

async fn cold_weeks(s: &AppState, org: i64) -> Result<i64, AppError> {
    Ok(crate::survey::store::questionnaire(&s.db, org, crate::survey::Audience::ParticipantCold).await?.cold_weeks)
}

/// When a questionnaire may be answered, from the module's sessions as they are now (they may have
/// moved since it was sent); the window it was sent with when none is left.
pub async fn current_window(s: &AppState, org: i64, cycle: &Cycle, a: &Assessment) -> Result<(i64, i64), AppError> {
    Ok(match bounds(s, org, cycle, a.cycle_module_id).await? {
        Some((first, last)) => {
            let (opens, closes) = window(a.phase, first, last, cold_weeks(s, org).await?);
            (opens.max(0), closes)
        }
        None => (a.opens_at, a.closes_at),
    })
}

/// What sending a questionnaire did.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
#[schema(as = AssessmentSent)]
pub struct Sent {
    /// Participants who received it now (those who already had it are not sent it twice).
    pub sent: usize,
    /// Participants without an e-mail address: it waits on their personal page.
    pub without_email: Vec<String>,
    /// When the e-mails go (the end of the training for the final assessment).
    pub send_at: i64,
}

/// Sends a phase's questionnaire to every participant of a training module, by e-mail through the
/// queue and on their personal page.
pub async fn send(s: &AppState, org: i64, cycle: &Cycle, cm: i64, phase: Phase) -> Result<Sent, AppError> {
    let db = &s.db;
    let module = cycles::module(db, org, cycle.id, cm).await?;
    if !module.kind.is_training() {
        return Err(AppError::Conflict(
            "Le positionnement et l'évaluation des acquis portent sur les formations.".into(),
        ));
    }
    let (objectives, questions) = questionnaire(&module);
    if questions.is_empty() {
        return Err(AppError::Conflict(
            "Ce module n'a pas de questionnaire : écrivez-le depuis sa fiche du catalogue.".into(),
        ));
    }
    let Some((first, last)) = bounds(s, org, cycle, cm).await? else {
        return Err(AppError::Conflict("Planifiez d'abord les séances de ce module.".into()));
    };
    let (opens, closes) = window(phase, first, last, cold_weeks(s, org).await?);
    let now = s.now();
    may_send(phase, now, closes, cycle.tz()).map_err(AppError::Conflict)?;
    let send_at = now.max(opens);
    let people = attendees(module.kind, &cycles::participants(db, org, cycle.id).await?);
    if people.is_empty() {
        return Err(AppError::Conflict("Aucun participant n'est inscrit à cette formation.".into()));
    }
    let org_name = crate::org::store::name_of(db, org).await?.unwrap_or_default();
    let new = NewAssessment {
        cycle_module_id: cm,
        phase,
        objectives: &objectives,
        questions: &questions,
        sent_at: now,
        opens_at: opens.max(0),
        closes_at: closes,
    };
    let mut sent = 0;
    let mut without_email = Vec::new();
    for p in &people {
        let Some(a) = store::create(db, org, p.id, &new).await? else {
            continue;
        };
        sent += 1;
        if p.email.trim().is_empty() {
            without_email.push(p.full_name());
            continue;
        }
        let mail = mail_for(s, cycle, &module, p, &a, &org_name, false);
        let key = format!("assessment:{}", a.id);
        if send_at > now {
            crate::jobs::enqueue(db, Some(org), "mail", &mail, send_at, Some(&key)).await?;
        } else {
            crate::mail::queue(db, Some(org), &mail, Some(&key)).await?;
        }
    }
    Ok(Sent { sent, without_email, send_at })
}

fn mail_for(
    s: &AppState,
    cycle: &Cycle,
    module: &CycleModule,
    p: &Participant,
    a: &Assessment,
    org_name: &str,
    reminder: bool,
) -> crate::mail::Mail {
    let tz = cycle.tz();
    let title = format!("formation {}", crate::fr::quoted(&module.title));
    let (subject, why) = match a.phase {
        Phase::Positioning => (
            format!("Avant la formation : votre positionnement — {}", module.title),
            format!(
                "Avant la {title}, dites-nous où vous en êtes pour chacun de ses objectifs, ce que vous en attendez et si vous avez un besoin particulier : l'intervenant·e adaptera la formation au groupe. Cinq minutes suffisent, avant le {}.",
                crate::fr::date_time(a.closes_at, tz)
            ),
        ),
        Phase::Final => (
            format!("Fin de formation : vos acquis — {}", module.title),
            format!(
                "La {title} est terminée : les mêmes questions qu'au début mesurent ce que vous avez acquis. Le résultat figure sur votre attestation de fin de formation. Jusqu'au {}.",
                crate::fr::date(a.closes_at)
            ),
        ),
        Phase::Cold => (
            format!("Quelques semaines après : vos acquis — {}", module.title),
            format!(
                "Quelques semaines après la {title}, où en êtes-vous ? Les mêmes questions, une dernière fois, jusqu'au {}.",
                crate::fr::date(a.closes_at)
            ),
        ),
    };
    let again = if reminder { "Petit rappel : vous n'avez pas encore répondu.\n\n" } else { "" };
    crate::mail::Mail {
        to: p.email.clone(),
        to_name: p.full_name(),
        subject: if reminder { format!("Rappel — {subject}") } else { subject },
        body: format!(
            "Bonjour {},\n\n{again}{why}\n\n{}/p/{}/questionnaires/{}\n\nMerci !\n\n{org_name}",
            p.first_name,
            s.config.public_url(),
            p.calendar_token,
            a.id
        ),
        attachments: Vec::new(),
    }
}

/// Reminds those who have not answered a questionnaire that is open (or, for the positioning, not
/// closed yet): the number of reminders queued.
pub async fn remind(s: &AppState, org: i64, cycle: &Cycle, cm: i64, phase: Phase) -> Result<usize, AppError> {
    let db = &s.db;
    let module = cycles::module(db, org, cycle.id, cm).await?;
    let now = s.now();
    let people = cycles::participants(db, org, cycle.id).await?;
    let org_name = crate::org::store::name_of(db, org).await?.unwrap_or_default();
    let pending: Vec<Assessment> = store::of_module(db, org, cm)
        .await?
        .into_iter()
        .filter(|a| a.phase == phase && a.answered_at.is_none())
        .collect();
    if pending.is_empty() {
        return Err(AppError::Conflict("Tout le monde a répondu : personne à relancer.".into()));
    }
    if let Some(a) = pending.first() {
        let (opens, closes) = current_window(s, org, cycle, a).await?;
        if now >= closes {
            return Err(AppError::Conflict("Ce questionnaire est clos : il n'y a plus personne à relancer.".into()));
        }
        if now < opens {
            return Err(AppError::Conflict(format!(
                "Ce questionnaire s'ouvre le {} : les relances viendront ensuite.",
                crate::fr::date_time(opens, cycle.tz())
            )));
        }
    }
    let mut n = 0;
    for a in &pending {
        let Some(p) = people.iter().find(|p| p.id == a.participant_id && !p.email.trim().is_empty()) else {
            continue;
        };
        let mail = mail_for(s, cycle, &module, p, a, &org_name, true);
        let key = format!("assessment:{}:reminder:{}", a.id, a.reminders + 1);
        if crate::mail::queue(db, Some(org), &mail, Some(&key)).await? {
            store::mark_reminded(db, org, a.id, now).await?;
            n += 1;
        }
    }
    Ok(n)
}

/// What a participant sends: the answers (several values for a multiple choice), and with the
/// positioning their expectations and any particular need.
#[derive(Clone, Debug, Default)]
pub struct Given {
    pub answers: BTreeMap<String, Vec<String>>,
    pub expectations: String,
    pub needs: String,
}

/// The questionnaire `id` of the participant of `token`: another person's is "not found".
pub async fn own(s: &AppState, token: &str, id: i64) -> Result<(Cycle, Participant, Assessment), AppError> {
    let (org, cycle_id, person) = cycles::participant_by_token(&s.db, token).await?;
    let a = store::get(&s.db, org, id).await?;
    if a.participant_id != person.id {
        return Err(AppError::NotFound);
    }
    let cycle = cycles::get(&s.db, org, cycle_id).await?;
    Ok((cycle, person, a))
}

/// Answers a questionnaire, once, while it is open; a refusal changes nothing.
pub async fn answer(s: &AppState, token: &str, id: i64, given: &Given) -> Result<Assessment, AppError> {
    let (cycle, _, a) = own(s, token, id).await?;
    if a.answered_at.is_some() {
        return Err(AppError::Conflict("Vous avez déjà répondu à ce questionnaire. Merci !".into()));
    }
    let (opens, closes) = current_window(s, a.org_id, &cycle, &a).await?;
    may_answer(a.phase, s.now(), opens, closes, cycle.tz()).map_err(AppError::Conflict)?;
    let mut errors = FieldErrors::new();
    let answers = match check_answers(&a.questions, &given.answers) {
        Ok(x) => x,
        Err(e) => {
            errors = e;
            BTreeMap::new()
        }
    };
    let (expectations, needs) = if a.phase == Phase::Positioning {
        (
            crate::text::check_text(&mut errors, "expectations", &given.expectations, false, 2000),
            crate::text::check_text(&mut errors, "needs", &given.needs, false, 2000),
        )
    } else {
        (String::new(), String::new())
    };
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    if !store::answer(&s.db, &a, &answers, &expectations, &needs, s.now()).await? {
        return Err(AppError::Conflict("Vous avez déjà répondu à ce questionnaire. Merci !".into()));
    }
    store::get(&s.db, a.org_id, a.id).await
}

// --- the group ----------------------------------------------------------------------------------

/// A phase's questionnaires for the module: sent, answered, open or not.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct PhaseState {
    pub phase: Phase,
    pub label: String,
    pub sent: usize,
    pub answered: usize,
    pub reminders: i64,
    pub opens_at: Option<i64>,
    pub closes_at: Option<i64>,
    /// Why it cannot be sent now, if it cannot.
    pub not_now: Option<String>,
}

/// One participant, from their starting point to what they reached.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Person {
    pub participant_id: i64,
    pub name: String,
    pub structure: String,
    pub service: String,
    #[serde(skip)]
    pub client_id: Option<i64>,
    /// Score per objective, in percent, where answered.
    pub before: Vec<Option<u32>>,
    pub after: Vec<Option<u32>>,
    pub cold: Vec<Option<u32>>,
    /// The result per objective, from the final assessment.
    pub results: Vec<Option<Level>>,
    pub positioning_answered_at: Option<i64>,
    pub final_answered_at: Option<i64>,
    pub cold_answered_at: Option<i64>,
    pub expectations: String,
    pub needs: String,
}

impl Person {
    pub fn result_label(&self, i: usize) -> &'static str {
        self.results.get(i).copied().flatten().map(Level::label).unwrap_or("—")
    }

    /// How many objectives the final assessment says are reached.
    pub fn reached(&self) -> usize {
        self.results.iter().filter(|r| **r == Some(Level::Reached)).count()
    }
}

impl Group {
    /// How many people signalled a particular need.
    pub fn needs(&self) -> usize {
        self.people.iter().filter(|p| !p.needs.is_empty()).count()
    }
}

/// A line of the group's profile: an objective, or a structure, or a service.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct ProfileRow {
    pub label: String,
    /// Average score, in percent, before, at the end, « à froid ».
    pub before: Option<u32>,
    pub after: Option<u32>,
    pub cold: Option<u32>,
    /// How many reached, partly reached, did not reach it (objectives).
    pub reached: usize,
    pub partly: usize,
    pub not_reached: usize,
}

impl ProfileRow {
    /// A row of scores alone (one person's), without the counts of results.
    pub fn of_scores(label: &str, before: Option<u32>, after: Option<u32>, cold: Option<u32>) -> ProfileRow {
        ProfileRow { label: label.to_string(), before, after, cold, reached: 0, partly: 0, not_reached: 0 }
    }
}

/// Everything about a module's positioning and assessment.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Group {
    pub cycle_id: i64,
    pub cycle_module_id: i64,
    pub module_title: String,
    pub objectives: Vec<String>,
    pub questions: Vec<Question>,
    pub first_start: Option<i64>,
    pub last_end: Option<i64>,
    pub phases: Vec<PhaseState>,
    pub people: Vec<Person>,
    pub by_objective: Vec<ProfileRow>,
    pub by_structure: Vec<ProfileRow>,
    pub by_service: Vec<ProfileRow>,
    pub adaptations: Vec<Adaptation>,
    /// The organisation's handicap referent (indicator 26).
    pub handicap_contact: String,
}

/// The figure of objective `i`, none where there is none (a questionnaire sent with fewer
/// objectives, say).
pub fn at(v: &[Option<u32>], i: usize) -> Option<u32> {
    v.get(i).copied().flatten()
}

fn pct(v: &[Option<f64>]) -> Vec<Option<u32>> {
    v.iter().map(|x| percent(*x)).collect()
}

fn averaged(label: String, people: &[&Person]) -> ProfileRow {
    let avg = |f: fn(&Person) -> &Vec<Option<u32>>| {
        mean(people.iter().flat_map(|p| f(p).iter().map(|v| v.map(|v| f64::from(v) / 100.0))))
            .and_then(|m| percent(Some(m)))
    };
    ProfileRow {
        label,
        before: avg(|p| &p.before),
        after: avg(|p| &p.after),
        cold: avg(|p| &p.cold),
        reached: 0,
        partly: 0,
        not_reached: 0,
    }
}

/// A row per objective: the people's average scores and how many reached it.
fn objective_rows(objectives: &[String], people: &[&Person]) -> Vec<ProfileRow> {
    objectives
        .iter()
        .enumerate()
        .map(|(i, o)| {
            let avg = |f: fn(&Person) -> &Vec<Option<u32>>| {
                mean(people.iter().map(|p| at(f(p), i).map(|v| f64::from(v) / 100.0))).and_then(|m| percent(Some(m)))
            };
            let count = |l: Level| people.iter().filter(|p| p.results.get(i).copied().flatten() == Some(l)).count();
            ProfileRow {
                label: o.clone(),
                before: avg(|p| &p.before),
                after: avg(|p| &p.after),
                cold: avg(|p| &p.cold),
                reached: count(Level::Reached),
                partly: count(Level::Partly),
                not_reached: count(Level::NotReached),
            }
        })
        .collect()
}

/// The module's group: who answered what, the profile per objective, per structure and per service,
/// the results, the adaptations decided.
pub async fn group(s: &AppState, org: i64, cycle: &Cycle, cm: i64) -> Result<Group, AppError> {
    let db = &s.db;
    let module = cycles::module(db, org, cycle.id, cm).await?;
    let (objectives, questions) = questionnaire(&module);
    let all = store::of_module(db, org, cm).await?;
    let participants = cycles::participants(db, org, cycle.id).await?;
    let bounds = bounds(s, org, cycle, cm).await?;
    let cold_weeks = cold_weeks(s, org).await?;
    let now = s.now();
    let mut phases = Vec::new();
    for phase in Phase::ALL {
        let of: Vec<&Assessment> = all.iter().filter(|a| a.phase == phase).collect();
        let w = bounds.map(|(f, l)| window(phase, f, l, cold_weeks));
        let not_now = if !module.kind.is_training() {
            Some("Le positionnement porte sur les formations.".to_string())
        } else if questions.is_empty() {
            Some("Ce module n'a pas de questionnaire.".to_string())
        } else {
            match w {
                None => Some("Planifiez d'abord les séances de ce module.".into()),
                Some((_, closes)) => may_send(phase, now, closes, cycle.tz()).err(),
            }
        };
        phases.push(PhaseState {
            phase,
            label: phase.label().into(),
            sent: of.len(),
            answered: of.iter().filter(|a| a.answered_at.is_some()).count(),
            reminders: of.iter().map(|a| a.reminders).sum(),
            opens_at: w.map(|(o, _)| o.max(0)).filter(|_| phase != Phase::Positioning),
            closes_at: w.map(|(_, c)| c),
            not_now,
        });
    }
    let mut people = Vec::new();
    for p in attendees(module.kind, &participants) {
        let of = |phase: Phase| all.iter().find(|a| a.participant_id == p.id && a.phase == phase);
        let scores = |phase: Phase| of(phase).map(|a| a.scores()).unwrap_or_else(|| vec![None; objectives.len()]);
        let after = scores(Phase::Final);
        let pos = of(Phase::Positioning);
        people.push(Person {
            participant_id: p.id,
            name: p.full_name(),
            structure: if p.structure.is_empty() { cycle.client_name.clone() } else { p.structure.clone() },
            service: p.service.clone(),
            client_id: p.client_id,
            before: pct(&scores(Phase::Positioning)),
            results: after.iter().map(|s| s.map(Level::of)).collect(),
            after: pct(&after),
            cold: pct(&scores(Phase::Cold)),
            positioning_answered_at: pos.and_then(|a| a.answered_at),
            final_answered_at: of(Phase::Final).and_then(|a| a.answered_at),
            cold_answered_at: of(Phase::Cold).and_then(|a| a.answered_at),
            expectations: pos.map(|a| a.expectations.clone()).unwrap_or_default(),
            needs: pos.map(|a| a.needs.clone()).unwrap_or_default(),
        });
    }
    let by_objective = objective_rows(&objectives, &people.iter().collect::<Vec<_>>());
    let grouped = |key: fn(&Person) -> &str, missing: &str| {
        let mut keys: Vec<&str> = people.iter().map(key).collect();
        keys.sort();
        keys.dedup();
        keys.into_iter()
            .map(|k| {
                let of: Vec<&Person> = people.iter().filter(|p| key(p) == k).collect();
                let label = if k.is_empty() { missing.to_string() } else { k.to_string() };
                averaged(format!("{label} ({})", of.len()), &of)
            })
            .collect::<Vec<_>>()
    };
    let by_structure = grouped(|p| p.structure.as_str(), "Structure non précisée");
    let by_service = grouped(|p| p.service.as_str(), "Service non précisé");
    let handicap_contact = crate::org::store::get(db, org).await?.handicap_contact;
    Ok(Group {
        cycle_id: cycle.id,
        cycle_module_id: cm,
        module_title: module.title.clone(),
        objectives,
        questions,
        first_start: bounds.map(|b| b.0),
        last_end: bounds.map(|b| b.1),
        phases,
        people,
        by_objective,
        by_structure,
        by_service,
        adaptations: store::adaptations(db, org, cm).await?,
        handicap_contact,
    })
}

/// Writes down what is adapted for the group (kept, never rewritten).
pub async fn adapt(
    s: &AppState,
    org: i64,
    cm: i64,
    user: &crate::auth::User,
    text: &str,
) -> Result<Adaptation, AppError> {
    let mut e = FieldErrors::new();
    let text = crate::text::check_text(&mut e, "text", text, true, 4000);
    if !e.is_empty() {
        return Err(AppError::Invalid(e));
    }
    store::add_adaptation(&s.db, org, cm, Some(user.id), &user.name, &text, s.now()).await
}

/// The fewest people whose averages a client contact sees.
pub const MIN_GROUP: usize = 3;

/// The progress of one structure's people in a module, for its client contact: averages only.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct StructureProgress {
    pub people: usize,
    pub positioned: usize,
    pub assessed: usize,
    pub objectives: Vec<ProfileRow>,
}

pub async fn structure_progress(
    s: &AppState,
    org: i64,
    cycle: &Cycle,
    cm: i64,
    client: i64,
) -> Result<Option<StructureProgress>, AppError> {
    let g = group(s, org, cycle, cm).await?;
    let mine: Vec<&Person> = g.people.iter().filter(|p| p.client_id == Some(client)).collect();
    // Averages only: below three people, they would tell one person's answers.
    if mine.len() < MIN_GROUP
        || mine.iter().all(|p| p.positioning_answered_at.is_none() && p.final_answered_at.is_none())
    {
        return Ok(None);
    }
    let objectives = objective_rows(&g.objectives, &mine);
    Ok(Some(StructureProgress {
        people: mine.len(),
        positioned: mine.iter().filter(|p| p.positioning_answered_at.is_some()).count(),
        assessed: mine.iter().filter(|p| p.final_answered_at.is_some()).count(),
        objectives,
    }))
}

/// The columns of the evidence's CSV.
pub const CSV_HEADERS: [&str; 13] = [
    "participant",
    "structure",
    "service",
    "objectif",
    "positionnement_repondu_le",
    "score_avant_pct",
    "evaluation_repondue_le",
    "score_fin_pct",
    "resultat",
    "a_froid_repondu_le",
    "score_a_froid_pct",
    "attentes",
    "besoin_particulier",
];

/// The evidence of indicators 8 and 11 as CSV rows ([`CSV_HEADERS`]): one per participant and
/// objective.
pub fn evidence_csv(g: &Group, tz: chrono_tz::Tz) -> Vec<Vec<String>> {
    let date = |t: Option<i64>| t.map(|t| crate::fr::date_time(t, tz)).unwrap_or_default();
    let figure = |v: Option<u32>| v.map(|v| v.to_string()).unwrap_or_default();
    let mut rows = Vec::new();
    for p in &g.people {
        for (i, o) in g.objectives.iter().enumerate() {
            rows.push(vec![
                p.name.clone(),
                p.structure.clone(),
                p.service.clone(),
                o.clone(),
                date(p.positioning_answered_at),
                figure(at(&p.before, i)),
                date(p.final_answered_at),
                figure(at(&p.after, i)),
                p.results.get(i).copied().flatten().map(|l| l.label().to_string()).unwrap_or_default(),
                date(p.cold_answered_at),
                figure(at(&p.cold, i)),
                p.expectations.clone(),
                p.needs.clone(),
            ]);
        }
    }
    rows
}
