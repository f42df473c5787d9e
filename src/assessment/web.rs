//! The pages: the group's positioning and results (the intervenant's and the coordination's), one
//! participant's progress, the evidence of indicators 8 and 11 with its CSV, the participant's
//! questionnaire (phone first), and the questionnaire's editor in the catalogue.

use std::collections::BTreeMap;

use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use tower_sessions::Session;

use super::service::{self, Given, Group};
use super::store::Assessment;
use super::{Level, Phase, may_answer};
use crate::auth::CurrentUser;
use crate::catalogue::questionnaire::{QuestionKind, QuestionRow, SELF_SCALE, check_questions};
use crate::chart::{AFTER, BEFORE, COLD, Row, Series, bars};
use crate::cycle::extract::CycleOf;
use crate::cycle::store::{self as cycles, Cycle};
use crate::error::{AppError, FieldErrors};
use crate::extract::{Form, Path};
use crate::state::AppState;
use crate::web::{PageCtx, flash, flash_error, render, render_invalid};

/// The chart of a group's rows, before / at the end / « à froid » (the series that have figures;
/// « before » always).
pub fn progress_chart(id: &str, title: &str, rows: &[service::ProfileRow]) -> String {
    type Figure = fn(&service::ProfileRow) -> Option<u32>;
    let all: [(&Series, Figure); 3] = [(&BEFORE, |r| r.before), (&AFTER, |r| r.after), (&COLD, |r| r.cold)];
    let shown: Vec<(&Series, Figure)> = all
        .into_iter()
        .enumerate()
        .filter(|(i, (_, f))| *i == 0 || rows.iter().any(|r| f(r).is_some()))
        .map(|(_, x)| x)
        .collect();
    let rows: Vec<Row> = rows
        .iter()
        .map(|r| Row { label: r.label.clone(), values: shown.iter().map(|(_, f)| f(r)).collect(), texts: Vec::new() })
        .collect();
    let series: Vec<&Series> = shown.iter().map(|(s, _)| *s).collect();
    bars(id, title, &series, &rows)
}

#[derive(Template)]
#[template(path = "assessment/group.html")]
struct GroupPage {
    ctx: PageCtx,
    cycle: Cycle,
    g: Group,
    chart_objectives: String,
    chart_structures: String,
    chart_services: String,
    adaptation: String,
    errors: FieldErrors,
}

async fn group_page(
    s: &AppState,
    ctx: PageCtx,
    org: i64,
    cycle: Cycle,
    cm: i64,
    adaptation: String,
    errors: FieldErrors,
) -> Result<GroupPage, AppError> {
    let g = service::group(s, org, &cycle, cm).await?;
    Ok(GroupPage {
        ctx,
        chart_objectives: progress_chart("objectifs", "Le groupe, objectif par objectif", &g.by_objective),
        chart_structures: progress_chart("structures", "Le groupe, par structure", &g.by_structure),
        chart_services: progress_chart("services", "Le groupe, par service", &g.by_service),
        cycle,
        g,
        adaptation,
        errors,
    })
}

/// `GET /cycles/{id}/modules/{module}/positionnement`
pub async fn group(
    ctx: PageCtx,
    CycleOf { org, cycle, .. }: CycleOf,
    State(s): State<AppState>,
    Path((_, cm)): Path<(i64, i64)>,
) -> Result<Response, AppError> {
    render(&group_page(&s, ctx, org, cycle, cm, String::new(), FieldErrors::new()).await?)
}

/// `POST /cycles/{id}/modules/{module}/questionnaires/{phase}`: sends a phase's questionnaire.
pub async fn send(
    session: Session,
    CycleOf { org, cycle, .. }: CycleOf,
    State(s): State<AppState>,
    Path((id, cm, phase)): Path<(i64, i64, String)>,
) -> Result<Response, AppError> {
    let phase = Phase::parse(&phase).ok_or(AppError::NotFound)?;
    match service::send(&s, org, &cycle, cm, phase).await {
        Ok(sent) => {
            let mut msg = match sent.sent {
                0 => "Tout le groupe a déjà reçu ce questionnaire.".to_string(),
                1 => format!(
                    "Questionnaire envoyé à 1 participant·e (courriel dans la file d'envoi pour le {}).",
                    crate::fr::date(sent.send_at)
                ),
                n => format!(
                    "Questionnaire envoyé à {n} participant·es (courriels dans la file d'envoi pour le {}).",
                    crate::fr::date(sent.send_at)
                ),
            };
            if !sent.without_email.is_empty() {
                msg.push_str(&format!(
                    " Sans adresse e-mail, le questionnaire les attend sur leur page personnelle : {}.",
                    sent.without_email.join(", ")
                ));
            }
            flash(&session, msg).await;
        }
        Err(AppError::Conflict(m)) => flash_error(&session, m).await,
        Err(e) => return Err(e),
    }
    Ok(Redirect::to(&format!("/cycles/{id}/modules/{cm}/positionnement")).into_response())
}

/// `POST /cycles/{id}/modules/{module}/questionnaires/{phase}/relance`
pub async fn remind(
    session: Session,
    CycleOf { org, cycle, .. }: CycleOf,
    State(s): State<AppState>,
    Path((id, cm, phase)): Path<(i64, i64, String)>,
) -> Result<Response, AppError> {
    let phase = Phase::parse(&phase).ok_or(AppError::NotFound)?;
    match service::remind(&s, org, &cycle, cm, phase).await {
        Ok(0) => flash(&session, "Aucune relance : les personnes sans réponse n'ont pas d'adresse e-mail.").await,
        Ok(1) => flash(&session, "1 relance est dans la file d'envoi.").await,
        Ok(n) => flash(&session, format!("{n} relances sont dans la file d'envoi.")).await,
        Err(AppError::Conflict(m)) => flash_error(&session, m).await,
        Err(e) => return Err(e),
    }
    Ok(Redirect::to(&format!("/cycles/{id}/modules/{cm}/positionnement")).into_response())
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct AdaptationForm {
    pub text: String,
}

/// `POST /cycles/{id}/modules/{module}/adaptations`
pub async fn adapt(
    ctx: PageCtx,
    session: Session,
    CycleOf { user, org, cycle }: CycleOf,
    State(s): State<AppState>,
    Path((id, cm)): Path<(i64, i64)>,
    Form(f): Form<AdaptationForm>,
) -> Result<Response, AppError> {
    cycles::module(&s.db, org, id, cm).await?;
    match service::adapt(&s, org, cm, &user.user, &f.text).await {
        Ok(_) => {
            flash(&session, "L'adaptation est notée.").await;
            Ok(Redirect::to(&format!("/cycles/{id}/modules/{cm}/positionnement#adaptations")).into_response())
        }
        Err(AppError::Invalid(e)) => render_invalid(&group_page(&s, ctx, org, cycle, cm, f.text, e).await?),
        Err(e) => Err(e),
    }
}

#[derive(Template)]
#[template(path = "assessment/person.html")]
struct PersonPage {
    ctx: PageCtx,
    cycle: Cycle,
    g: Group,
    person: service::Person,
    chart: String,
    /// Per objective: its words, before, at the end, « à froid », the result.
    rows: Vec<[String; 5]>,
    /// Each answered questionnaire: its title, and each question with what was answered.
    answered: Vec<(String, Vec<(String, String)>)>,
}

/// What a participant answered to a question, in words.
fn answer_text(q: &crate::catalogue::questionnaire::Question, a: Option<&super::Answer>) -> String {
    use super::Answer;
    let choice = |i: &usize| {
        let words = q.choices.get(*i).cloned().unwrap_or_default();
        if q.is_correct(*i) { format!("{words} (juste)") } else { format!("{words} (inexact)") }
    };
    match a {
        Some(Answer::Scale(n)) => {
            format!("{n} — {}", SELF_SCALE.get(usize::from(*n).saturating_sub(1)).copied().unwrap_or_default())
        }
        Some(Answer::Choice(i)) => choice(i),
        Some(Answer::Choices(v)) => v.iter().map(choice).collect::<Vec<_>>().join(" ; "),
        Some(Answer::Text(t)) => t.clone(),
        None => "sans réponse".into(),
    }
}

/// `GET /cycles/{id}/modules/{module}/participants/{participant}/acquis`
pub async fn person(
    ctx: PageCtx,
    CycleOf { org, cycle, .. }: CycleOf,
    State(s): State<AppState>,
    Path((_, cm, pid)): Path<(i64, i64, i64)>,
) -> Result<Response, AppError> {
    let g = service::group(&s, org, &cycle, cm).await?;
    let person = g.people.iter().find(|p| p.participant_id == pid).cloned().ok_or(AppError::NotFound)?;
    let rows: Vec<service::ProfileRow> = g
        .objectives
        .iter()
        .enumerate()
        .map(|(i, o)| {
            service::ProfileRow::of_scores(
                o,
                service::at(&person.before, i),
                service::at(&person.after, i),
                service::at(&person.cold, i),
            )
        })
        .collect();
    let chart = progress_chart("personne", &format!("{} : avant et après, par objectif", person.name), &rows);
    let figure = |v: Option<u32>| v.map(|v| format!("{v} %")).unwrap_or_else(|| "—".into());
    let rows = g
        .objectives
        .iter()
        .enumerate()
        .map(|(i, o)| {
            [
                o.clone(),
                figure(person.before[i]),
                figure(person.after[i]),
                figure(person.cold[i]),
                person.result_label(i).into(),
            ]
        })
        .collect();
    let tz = cycle.tz();
    let answered = super::store::of_participant(&s.db, org, pid)
        .await?
        .into_iter()
        .filter(|a| a.cycle_module_id == cm)
        .filter_map(|a| {
            let at = a.answered_at?;
            let given = a.answers.clone().unwrap_or_default();
            let title = format!("{} — {}", a.phase.label(), crate::fr::date_time(at, tz));
            Some((title, a.questions.iter().map(|q| (q.label.clone(), answer_text(q, given.get(&q.id)))).collect()))
        })
        .collect();
    render(&PersonPage { ctx, cycle, g, person, chart, rows, answered })
}

#[derive(Template)]
#[template(path = "assessment/evidence.html")]
struct EvidencePage {
    ctx: PageCtx,
    cycle: Cycle,
    g: Group,
    chart: String,
}

/// `GET /cycles/{id}/modules/{module}/preuves`: what an auditor asks for indicators 8 and 11.
pub async fn evidence(
    ctx: PageCtx,
    CycleOf { org, cycle, .. }: CycleOf,
    State(s): State<AppState>,
    Path((_, cm)): Path<(i64, i64)>,
) -> Result<Response, AppError> {
    let g = service::group(&s, org, &cycle, cm).await?;
    let chart = progress_chart("preuves", "Progression du groupe par objectif", &g.by_objective);
    render(&EvidencePage { ctx, cycle, g, chart })
}

/// `GET /cycles/{id}/modules/{module}/preuves.csv` (and its API twin): a row per participant and
/// objective.
pub async fn evidence_csv(
    CycleOf { org, cycle, .. }: CycleOf,
    State(s): State<AppState>,
    Path((_, cm)): Path<(i64, i64)>,
) -> Result<Response, AppError> {
    let g = service::group(&s, org, &cycle, cm).await?;
    let bytes = crate::web::list::csv_bytes(&service::CSV_HEADERS, service::evidence_csv(&g, cycle.tz()));
    Ok(crate::web::list::csv_response(&format!("positionnement-evaluation-{cm}.csv"), bytes))
}

// --- the participant's questionnaire ------------------------------------------------------------

#[derive(Template)]
#[template(path = "assessment/answer.html")]
struct AnswerPage {
    ctx: PageCtx,
    token: String,
    a: Assessment,
    module_title: String,
    org_name: String,
    handicap_contact: String,
    given: Given,
    errors: FieldErrors,
    /// Why it cannot be answered now (not open yet, or closed).
    not_now: Option<String>,
    scale: [&'static str; 4],
    /// After answering: the participant's score per objective, before and now.
    chart: String,
    /// Until when it may be answered, in words.
    closes: String,
}

impl AnswerPage {
    fn chosen(&self, id: &str, value: &str) -> bool {
        self.given.answers.get(id).is_some_and(|v| v.iter().any(|x| x == value))
    }

    fn label_of(&self, q: &crate::catalogue::questionnaire::Question) -> String {
        if q.required { format!("{} (obligatoire)", q.label) } else { q.label.clone() }
    }

    fn needs_hint(&self) -> String {
        let base = "Facultatif ; seule l'équipe de formation le lit.";
        if self.handicap_contact.is_empty() {
            base.to_string()
        } else {
            format!("{base} Référent·e handicap de l'organisme : {}.", self.handicap_contact)
        }
    }

    fn value(&self, id: &str) -> String {
        self.given.answers.get(id).and_then(|v| v.first()).cloned().unwrap_or_default()
    }
}

async fn answer_page(
    s: &AppState,
    ctx: PageCtx,
    token: String,
    id: i64,
    given: Given,
    errors: FieldErrors,
) -> Result<AnswerPage, AppError> {
    let (cycle, person, a) = service::own(s, &token, id).await?;
    let module = cycles::module(&s.db, a.org_id, cycle.id, a.cycle_module_id).await?;
    let org = crate::org::store::get(&s.db, a.org_id).await?;
    let (opens, closes) = service::current_window(s, a.org_id, &cycle, &a).await?;
    let not_now =
        if a.answered_at.is_some() { None } else { may_answer(a.phase, s.now(), opens, closes, cycle.tz()).err() };
    let chart = if a.answered_at.is_some() && a.phase != Phase::Positioning {
        let mine = super::store::of_participant(&s.db, a.org_id, person.id).await?;
        let before = mine
            .iter()
            .find(|x| x.cycle_module_id == a.cycle_module_id && x.phase == Phase::Positioning)
            .map(|x| x.scores());
        let rows: Vec<service::ProfileRow> = a
            .objectives
            .iter()
            .zip(a.scores())
            .enumerate()
            .map(|(i, (o, now))| {
                service::ProfileRow::of_scores(
                    o,
                    super::percent(before.as_ref().and_then(|b| b.get(i).copied().flatten())),
                    if a.phase == Phase::Final { super::percent(now) } else { None },
                    if a.phase == Phase::Cold { super::percent(now) } else { None },
                )
            })
            .collect();
        progress_chart("mes-acquis", "Vos réponses, avant la formation et maintenant", &rows)
    } else {
        String::new()
    };
    Ok(AnswerPage {
        ctx,
        token,
        closes: crate::fr::date_time(closes, cycle.tz()),
        a,
        module_title: module.title,
        org_name: org.name,
        handicap_contact: org.handicap_contact,
        given,
        errors,
        not_now,
        scale: SELF_SCALE,
        chart,
    })
}

/// `GET /p/{token}/questionnaires/{assessment}`
pub async fn answer_form(
    ctx: PageCtx,
    State(s): State<AppState>,
    Path((token, id)): Path<(String, i64)>,
) -> Result<Response, AppError> {
    render(&answer_page(&s, ctx, token, id, Given::default(), FieldErrors::new()).await?)
}

/// Reads a posted questionnaire: repeated keys for a multiple choice.
pub fn given_of(pairs: Vec<(String, String)>) -> Given {
    let mut g = Given::default();
    for (k, v) in pairs {
        match k.as_str() {
            "_csrf" => {}
            "expectations" => g.expectations = v,
            "needs" => g.needs = v,
            _ => g.answers.entry(k).or_default().push(v),
        }
    }
    g
}

/// `POST /p/{token}/questionnaires/{assessment}`
pub async fn answer_save(
    ctx: PageCtx,
    session: Session,
    State(s): State<AppState>,
    Path((token, id)): Path<(String, i64)>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let given = given_of(pairs);
    match service::answer(&s, &token, id, &given).await {
        Ok(_) => {
            flash(&session, "Merci, vos réponses sont enregistrées.").await;
            Ok(Redirect::to(&format!("/p/{token}/questionnaires/{id}")).into_response())
        }
        Err(e) => {
            let e = e.into_form_errors("form")?;
            render_invalid(&answer_page(&s, ctx, token, id, given, e).await?)
        }
    }
}

// --- the questionnaire's editor in the catalogue ------------------------------------------------

#[derive(Template)]
#[template(path = "catalogue/questionnaire.html")]
struct EditorPage {
    ctx: PageCtx,
    module: crate::catalogue::Module,
    objectives: Vec<String>,
    rows: Vec<QuestionRow>,
    kinds: Vec<(&'static str, &'static str)>,
    errors: FieldErrors,
    own: bool,
}

fn editor(
    ctx: PageCtx,
    module: crate::catalogue::Module,
    rows: Option<Vec<QuestionRow>>,
    errors: FieldErrors,
) -> EditorPage {
    let objectives: Vec<String> = module.content.objectives_list().into_iter().map(String::from).collect();
    let own = !module.content.questionnaire.is_empty();
    let mut rows = rows.unwrap_or_else(|| {
        crate::catalogue::questionnaire::questions_of(module.kind, &module.content.questionnaire, objectives.len())
            .iter()
            .map(QuestionRow::of)
            .collect()
    });
    // Room for new questions.
    let blank = rows.len() + 3;
    rows.resize_with(blank.min(crate::catalogue::questionnaire::MAX_QUESTIONS), || QuestionRow {
        kind: QuestionKind::SelfScale.as_str().into(),
        objective: "1".into(),
        required: true,
        ..QuestionRow::default()
    });
    EditorPage {
        ctx,
        module,
        objectives,
        rows,
        kinds: QuestionKind::ALL.iter().map(|k| (k.as_str(), k.label())).collect(),
        errors,
        own,
    }
}

/// `GET /catalogue/{id}/questionnaire`
pub async fn editor_form(
    ctx: PageCtx,
    user: CurrentUser,
    State(s): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let org = user.coordinator_org()?;
    let module = crate::catalogue::store::get(&s.db, org, id).await?;
    render(&editor(ctx, module, None, FieldErrors::new()))
}

/// Reads the editor's rows (`label_0`, `kind_0`, `objective_0`, `choices_0`, `required_0`…).
fn rows_of(pairs: &[(String, String)]) -> Vec<QuestionRow> {
    let mut rows: BTreeMap<usize, QuestionRow> = BTreeMap::new();
    for (k, v) in pairs {
        let Some((field, i)) = k.rsplit_once('_') else { continue };
        let Ok(i) = i.parse::<usize>() else { continue };
        if i >= crate::catalogue::questionnaire::MAX_QUESTIONS + 10 {
            continue;
        }
        let r = rows.entry(i).or_default();
        match field {
            "label" => r.label = v.clone(),
            "kind" => r.kind = v.clone(),
            "objective" => r.objective = v.clone(),
            "choices" => r.choices = v.clone(),
            "required" => r.required = !v.is_empty(),
            _ => {}
        }
    }
    rows.into_values().collect()
}

/// `POST /catalogue/{id}/questionnaire`: a new version of the module with this questionnaire.
pub async fn editor_save(
    ctx: PageCtx,
    session: Session,
    user: CurrentUser,
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let org = user.coordinator_org()?;
    let module = crate::catalogue::store::get(&s.db, org, id).await?;
    let rows = rows_of(&pairs);
    let objectives = module.content.objectives_list().len();
    match check_questions(&rows, objectives) {
        Ok(questions) if !questions.is_empty() => {
            let mut content = module.content.clone();
            content.questionnaire = questions;
            let m = crate::catalogue::store::update(&s.db, org, id, &content, Some(user.id())).await?;
            flash(&session, format!("Questionnaire enregistré (version {} du module).", m.version)).await;
            Ok(Redirect::to(&format!("/catalogue/{id}/questionnaire")).into_response())
        }
        Ok(_) => {
            let mut e = FieldErrors::new();
            e.add("label_0", "Le questionnaire doit compter au moins une question.");
            render_invalid(&editor(ctx, module, Some(rows), e))
        }
        Err(e) => render_invalid(&editor(ctx, module, Some(rows), e)),
    }
}

impl EditorPage {
    fn level_words(&self) -> String {
        SELF_SCALE.iter().enumerate().map(|(i, w)| format!("{} — {w}", i + 1)).collect::<Vec<_>>().join(" ; ")
    }
}

/// The label of a result, for the templates.
pub fn level_label(l: &Option<Level>) -> &'static str {
    l.map(Level::label).unwrap_or("—")
}
