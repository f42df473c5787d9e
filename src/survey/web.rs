//! Survey pages: the questionnaires and their editor, sending a survey for a module, the results
//! (per module and over the year, with charts), and the public page where people answer.

use std::collections::BTreeMap;

use super::service::do_answer;
use askama::Template;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::{Deserialize, Serialize};
use tower_sessions::Session;

use crate::attendance::documents::attendees;
use crate::auth::Staff;
use crate::auth::{CurrentUser, Role};
use crate::cycle::extract::CycleOf;
use crate::cycle::store::{self as cycles, Cycle, CycleModule};
use crate::error::{AppError, FieldErrors};
use crate::extract::{Form, Path};
use crate::state::AppState;
use crate::survey::store::{self, Invitation, Questionnaire};
use crate::survey::{
    Audience, Kind, Question, QuestionKind, QuestionResult, QuestionRow, SCALE, aggregate, check_questions, mark_text,
    satisfaction,
};
use crate::web::{PageCtx, flash, render, render_invalid};

// --- sending ------------------------------------------------------------------------------------

/// What sending a survey did.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Sent {
    /// New invitations (people already invited to this survey are not invited twice).
    pub invited: usize,
    /// People who could not be invited: no e-mail address.
    pub without_email: Vec<String>,
    /// When the e-mails go (the end of the training for « à chaud », some weeks later for « à froid »).
    pub send_at: i64,
}

/// Invites the people of a module to a survey and queues their e-mails.
pub async fn send(s: &AppState, org: i64, cycle: &Cycle, cm: i64, kind: Kind) -> Result<Sent, AppError> {
    let db = &s.db;
    let module = cycles::module(db, org, cycle.id, cm).await?;
    if !module.kind.is_training() {
        return Err(AppError::Conflict("Les enquêtes de satisfaction portent sur les formations.".into()));
    }
    let sessions: Vec<_> = cycles::sessions(db, org, cycle.id)
        .await?
        .into_iter()
        .filter(|x| x.cycle_module_id == cm && !x.is_cancelled())
        .collect();
    let Some(end) = sessions.iter().map(|x| x.end_at).max() else {
        return Err(AppError::Conflict("Planifiez d'abord les séances de ce module.".into()));
    };
    let cold_weeks = store::questionnaire(db, org, Audience::ParticipantCold).await?.cold_weeks;
    let opens = crate::survey::opens_at(kind, end, cold_weeks);
    let send_at = s.now().max(opens);
    // Who is asked: the people of the training, its intervenants, the client's contacts.
    let mut people: Vec<(Audience, String, String)> = Vec::new();
    let mut without_email = Vec::new();
    for p in attendees(module.kind, &cycles::participants(db, org, cycle.id).await?) {
        if p.email.trim().is_empty() {
            without_email.push(p.full_name());
        } else {
            people.push((kind.audiences()[0], p.full_name(), p.email.clone()));
        }
    }
    if kind.audiences().contains(&Audience::Intervenant) {
        let mut ids: Vec<i64> = sessions.iter().filter_map(|x| x.intervenant_id).collect();
        ids.sort();
        ids.dedup();
        for id in ids {
            let i = crate::intervenant::store::get(db, org, id).await?;
            if i.email.trim().is_empty() {
                without_email.push(i.full_name());
            } else {
                people.push((Audience::Intervenant, i.full_name(), i.email.clone()));
            }
        }
    }
    for c in crate::client::store::contacts(db, org, cycle.client_id).await? {
        if !c.email.trim().is_empty() {
            people.push((Audience::Client, c.name.clone(), c.email.clone()));
        }
    }
    let org_name = crate::org::store::name_of(db, org).await?.unwrap_or_default();
    let base = s.config.public_url();
    let mut questionnaires: BTreeMap<&str, Questionnaire> = BTreeMap::new();
    let mut invited = 0;
    for (audience, name, email) in people {
        if !questionnaires.contains_key(audience.as_str()) {
            questionnaires.insert(audience.as_str(), store::questionnaire(db, org, audience).await?);
        }
        let q = &questionnaires[audience.as_str()];
        let Some(inv) = store::invite(db, org, cm, kind, q, &name, &email, opens).await? else {
            continue;
        };
        invited += 1;
        let anonymous = if q.anonymous { " Vos réponses sont anonymes." } else { "" };
        let what = match audience {
            Audience::Intervenant => format!("la {} que vous avez animée", module.title.to_lowercase()),
            Audience::Client => format!("la {} suivie par vos équipes", module.title.to_lowercase()),
            _ => format!("la {} que vous avez suivie", module.title.to_lowercase()),
        };
        let body = format!(
            "Bonjour {name},\n\nQue pensez-vous de {what} dans le cadre du cycle « {} » ? Votre avis ({}) nous aide à améliorer nos formations. Le questionnaire prend deux minutes.{anonymous}\n\n{base}/enquete/{}\n\nMerci !\n\n{org_name}",
            cycle.title,
            kind.label(),
            inv.token
        );
        let mail = crate::mail::Mail {
            to: inv.email.clone(),
            to_name: name.clone(),
            subject: format!("Votre avis sur la formation — {}", module.title),
            body,
            attachments: Vec::new(),
        };
        crate::jobs::enqueue(db, Some(org), "mail", &mail, send_at, Some(&format!("survey:{}", inv.id))).await?;
    }
    Ok(Sent { invited, without_email, send_at })
}

// --- results ------------------------------------------------------------------------------------

/// The results of one survey for one audience on a module.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct GroupResult {
    pub kind: Kind,
    pub audience: Audience,
    pub invited: usize,
    pub answered: usize,
    /// Average of every mark given, out of 5.
    pub satisfaction: Option<f64>,
    pub questions: Vec<QuestionResult>,
}

impl GroupResult {
    pub fn title(&self) -> String {
        match self.audience {
            Audience::ParticipantHot | Audience::ParticipantCold => format!("Participants, {}", self.kind.label()),
            a => format!("{}, {}", a.label(), self.kind.label()),
        }
    }

    pub fn rate(&self) -> String {
        (self.answered * 100).checked_div(self.invited).map(|p| format!("{p} %")).unwrap_or_else(|| "—".into())
    }

    pub fn satisfaction_text(&self) -> String {
        mark_text(self.satisfaction)
    }
}

/// The questions of a group of invitations, in order, without repeats.
fn questions_of(invs: &[&Invitation]) -> Vec<Question> {
    let mut out: Vec<Question> = Vec::new();
    for i in invs {
        for q in &i.questions {
            if !out.iter().any(|x| x.id == q.id && x.label == q.label) {
                out.push(q.clone());
            }
        }
    }
    out
}

pub async fn module_results(s: &AppState, org: i64, cm: i64) -> Result<(Vec<GroupResult>, Vec<Invitation>), AppError> {
    let invs = store::invitations(&s.db, org, cm).await?;
    let responses = store::responses_of_module(&s.db, org, cm).await?;
    let mut out = Vec::new();
    for kind in [Kind::Hot, Kind::Cold] {
        for &audience in kind.audiences() {
            let group: Vec<&Invitation> = invs.iter().filter(|i| i.kind == kind && i.audience == audience).collect();
            if group.is_empty() {
                continue;
            }
            let data: Vec<_> =
                responses.iter().filter(|r| r.kind == kind && r.audience == audience).map(|r| r.data.clone()).collect();
            out.push(GroupResult {
                kind,
                audience,
                invited: group.len(),
                answered: group.iter().filter(|i| i.answered_at.is_some()).count(),
                satisfaction: satisfaction(&data),
                questions: aggregate(&questions_of(&group), &data),
            });
        }
    }
    Ok((out, invs))
}

#[derive(Template)]
#[template(path = "survey/module.html")]
struct ModulePage {
    ctx: PageCtx,
    cycle: Cycle,
    module: CycleModule,
    groups: Vec<GroupResult>,
    invitations: Vec<Invitation>,
    show_people: bool,
    coordinator: bool,
    scale: [&'static str; 5],
}

/// `GET /cycles/{id}/modules/{module}/enquetes`
pub async fn module_page(
    ctx: PageCtx,
    CycleOf { user, org, cycle }: CycleOf,
    State(s): State<AppState>,
    Path((id, cm)): Path<(i64, i64)>,
) -> Result<Response, AppError> {
    let module = cycles::module(&s.db, org, id, cm).await?;
    let (groups, invitations) = module_results(&s, org, cm).await?;
    let coordinator = user.role() == Role::Coordinator;
    // Who answered stays with the coordination when the survey is anonymous.
    let show_people = coordinator || invitations.iter().all(|i| !i.anonymous);
    render(&ModulePage { ctx, cycle, module, groups, invitations, show_people, coordinator, scale: SCALE })
}

/// `POST /cycles/{id}/modules/{module}/enquetes/{kind}`
pub async fn send_page(
    user: CurrentUser,
    session: Session,
    State(s): State<AppState>,
    Path((id, cm, kind)): Path<(i64, i64, String)>,
) -> Result<Response, AppError> {
    let org = user.coordinator_org()?;
    let kind = Kind::parse(&kind).ok_or(AppError::NotFound)?;
    let cycle = cycles::get(&s.db, org, id).await?;
    let sent = send(&s, org, &cycle, cm, kind).await?;
    let when = crate::fr::date(sent.send_at);
    let mut msg = match sent.invited {
        0 => "Tout le monde a déjà été invité à cette enquête.".to_string(),
        1 => format!("Une invitation est dans la file d'envoi, pour le {when}."),
        n => format!("{n} invitations sont dans la file d'envoi, pour le {when}."),
    };
    if !sent.without_email.is_empty() {
        msg.push_str(&format!(" Sans adresse e-mail : {}.", sent.without_email.join(", ")));
    }
    flash(&session, msg).await;
    Ok(Redirect::to(&format!("/cycles/{id}/modules/{cm}/enquetes")).into_response())
}

// --- the overview and the charts ----------------------------------------------------------------

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct YearQuery {
    pub annee: Option<i32>,
}

pub fn year_of(q: &YearQuery) -> i32 {
    use chrono::Datelike;
    q.annee.filter(|y| (2000..=2100).contains(y)).unwrap_or_else(|| crate::quote::today().year())
}

/// Bounds of a year, as timestamps (Paris time).
pub fn year_bounds(year: i32) -> (i64, i64) {
    let at = |y: i32| {
        let d = chrono::NaiveDate::from_ymd_opt(y, 1, 1).unwrap_or_default();
        crate::cycle::planning::local_to_utc(crate::fr::DEFAULT_TZ, d, chrono::NaiveTime::MIN)
            .map(|t| t.timestamp())
            .unwrap_or(0)
    };
    (at(year), at(year + 1))
}

/// A row of the year's table.
pub struct ModuleRow {
    pub cycle_id: i64,
    pub cycle_title: String,
    pub module_id: i64,
    pub module_title: String,
    pub responses: usize,
    pub hot: Option<f64>,
    pub cold: Option<f64>,
}

#[derive(Template)]
#[template(path = "survey/index.html")]
struct IndexPage {
    ctx: PageCtx,
    year: i32,
    questionnaires: Vec<Questionnaire>,
    chart: String,
    months: Vec<(String, usize, String)>,
    rows: Vec<ModuleRow>,
    total: String,
    coordinator: bool,
}

/// A bar chart of averages out of 5, as accessible SVG (the same figures are in a table beside it).
pub fn bar_chart(title: &str, bars: &[(String, Option<f64>)]) -> String {
    let (w, h, left, bottom, top) = (640.0, 220.0, 34.0, 26.0, 10.0);
    let step = (w - left) / bars.len().max(1) as f64;
    let plot = h - bottom - top;
    let mut svg = format!(
        "<svg class=\"chart\" viewBox=\"0 0 {w} {h}\" role=\"img\" aria-labelledby=\"chart-title\"><title id=\"chart-title\">{}</title>",
        crate::text::escape(title)
    );
    for mark in 0..=5 {
        let y = top + plot - plot * mark as f64 / 5.0;
        svg.push_str(&format!("<line x1=\"{left}\" x2=\"{w}\" y1=\"{y:.1}\" y2=\"{y:.1}\" class=\"grid\"/><text x=\"{:.1}\" y=\"{:.1}\" class=\"axis\" text-anchor=\"end\">{mark}</text>", left - 6.0, y + 4.0));
    }
    for (i, (label, value)) in bars.iter().enumerate() {
        let x = left + step * i as f64;
        if let Some(v) = value {
            let bh = plot * v.clamp(0.0, 5.0) / 5.0;
            svg.push_str(&format!(
                "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{bh:.1}\" class=\"bar\"><title>{} : {}</title></rect>",
                x + step * 0.15,
                top + plot - bh,
                step * 0.7,
                crate::text::escape(label),
                mark_text(Some(*v))
            ));
        }
        svg.push_str(&format!(
            "<text x=\"{:.1}\" y=\"{:.1}\" class=\"axis\" text-anchor=\"middle\">{}</text>",
            x + step / 2.0,
            h - 8.0,
            crate::text::escape(label)
        ));
    }
    svg.push_str("</svg>");
    svg
}

/// The participants' satisfaction of a year: per month, per module, and over the year.
pub struct YearSatisfaction {
    pub months: Vec<(String, usize, Option<f64>)>,
    pub rows: Vec<ModuleRow>,
    pub total: Option<f64>,
}

pub async fn year_satisfaction(s: &AppState, org: i64, year: i32) -> Result<YearSatisfaction, AppError> {
    let (from, to) = year_bounds(year);
    let responses = store::responses_between(&s.db, org, from, to).await?;
    let participants: Vec<_> = responses
        .iter()
        .filter(|r| matches!(r.audience, Audience::ParticipantHot | Audience::ParticipantCold))
        .collect();
    let mut months = Vec::new();
    for (m, name) in crate::fr::MONTHS_SHORT.iter().enumerate() {
        let of_month: Vec<_> = participants
            .iter()
            .filter(|r| {
                use chrono::Datelike;
                chrono::DateTime::from_timestamp(r.created_at, 0)
                    .map(|d| d.with_timezone(&crate::fr::DEFAULT_TZ).month0() as usize == m)
                    .unwrap_or(false)
            })
            .map(|r| r.data.clone())
            .collect();
        months.push((name.to_string(), of_month.len(), satisfaction(&of_month)));
    }
    let mut ids: Vec<i64> = responses.iter().map(|r| r.cycle_module_id).collect();
    ids.sort();
    ids.dedup();
    let mut rows = Vec::new();
    for id in ids {
        let Some(row) = store::module_and_cycle(&s.db, org, id).await? else {
            continue;
        };
        let of = |a: Audience| -> Vec<_> {
            responses.iter().filter(|r| r.cycle_module_id == id && r.audience == a).map(|r| r.data.clone()).collect()
        };
        rows.push(ModuleRow {
            cycle_id: row.0,
            cycle_title: row.1,
            module_id: id,
            module_title: row.2,
            responses: responses.iter().filter(|r| r.cycle_module_id == id).count(),
            hot: satisfaction(&of(Audience::ParticipantHot)),
            cold: satisfaction(&of(Audience::ParticipantCold)),
        });
    }
    let all: Vec<_> = participants.iter().map(|r| r.data.clone()).collect();
    Ok(YearSatisfaction { months, rows, total: satisfaction(&all) })
}

/// `GET /enquetes`
pub async fn index(
    ctx: PageCtx,
    Staff { user, org }: Staff,
    State(s): State<AppState>,
    Query(q): Query<YearQuery>,
) -> Result<Response, AppError> {
    let year = year_of(&q);
    let mut questionnaires = Vec::new();
    for a in Audience::ALL {
        questionnaires.push(store::questionnaire(&s.db, org, a).await?);
    }
    let y = year_satisfaction(&s, org, year).await?;
    let chart = bar_chart(
        &format!("Satisfaction des participants par mois, {year} (moyenne sur 5)"),
        &y.months.iter().map(|(m, _, v)| (m.clone(), *v)).collect::<Vec<_>>(),
    );
    render(&IndexPage {
        ctx,
        year,
        questionnaires,
        chart,
        months: y.months.into_iter().map(|(m, n, v)| (m, n, mark_text(v))).collect(),
        rows: y.rows,
        total: mark_text(y.total),
        coordinator: user.role() == Role::Coordinator,
    })
}

// --- the questionnaire editor ---------------------------------------------------------------------

#[derive(Template)]
#[template(path = "survey/edit.html")]
struct EditPage {
    ctx: PageCtx,
    q: Questionnaire,
    rows: Vec<EditRow>,
    kinds: Vec<(&'static str, &'static str)>,
    errors: FieldErrors,
}

/// Empty rows offered to add questions.
const SPARE_ROWS: usize = 3;

/// A row of the editor page.
pub struct EditRow {
    pub n: usize,
    pub label: String,
    pub kind: String,
    pub required: bool,
    pub error: Option<String>,
}

fn edit_rows(rows: impl Iterator<Item = (String, String, bool)>, errors: &FieldErrors) -> Vec<EditRow> {
    rows.chain(std::iter::repeat_n((String::new(), "scale".to_string(), true), SPARE_ROWS))
        .enumerate()
        .map(|(n, (label, kind, required))| {
            let error = errors.get(&format!("label_{n}")).or(errors.get(&format!("kind_{n}"))).map(String::from);
            EditRow { n, label, kind, required, error }
        })
        .collect()
}

fn kinds() -> Vec<(&'static str, &'static str)> {
    QuestionKind::ALL.iter().map(|k| (k.as_str(), k.label())).collect()
}

/// `GET /enquetes/questionnaires/{audience}`
pub async fn edit_form(
    ctx: PageCtx,
    user: CurrentUser,
    State(s): State<AppState>,
    Path(audience): Path<String>,
) -> Result<Response, AppError> {
    let org = user.coordinator_org()?;
    let audience = Audience::parse(&audience).ok_or(AppError::NotFound)?;
    let q = store::questionnaire(&s.db, org, audience).await?;
    let rows = edit_rows(
        q.questions.iter().map(|x| (x.label.clone(), x.kind.as_str().to_string(), x.required)),
        &FieldErrors::new(),
    );
    render(&EditPage { ctx, q, rows, kinds: kinds(), errors: FieldErrors::new() })
}

/// Reads the editor's form: `label_N`, `kind_N`, `required_N`, `anonymous`, `cold_weeks`.
pub fn read_editor(pairs: &[(String, String)]) -> (Vec<QuestionRow>, bool, String) {
    let mut rows: BTreeMap<usize, QuestionRow> = BTreeMap::new();
    let mut anonymous = false;
    let mut weeks = String::new();
    for (k, v) in pairs {
        if let Some((field, n)) = k.rsplit_once('_')
            && let Ok(n) = n.parse::<usize>()
        {
            if n < 100 {
                let row = rows.entry(n).or_default();
                match field {
                    "label" => row.label = v.clone(),
                    "kind" => row.kind = v.clone(),
                    "required" => row.required = true,
                    _ => {}
                }
            }
            continue;
        }
        match k.as_str() {
            "anonymous" => anonymous = true,
            "cold_weeks" => weeks = v.clone(),
            _ => {}
        }
    }
    (rows.into_values().collect(), anonymous, weeks)
}

pub fn check_weeks(e: &mut FieldErrors, weeks: &str) -> i64 {
    match weeks.trim().parse::<i64>() {
        Ok(w) if (1..=52).contains(&w) => w,
        _ if weeks.trim().is_empty() => store::DEFAULT_COLD_WEEKS,
        _ => {
            e.add("cold_weeks", "Indiquez un nombre de semaines entre 1 et 52.");
            store::DEFAULT_COLD_WEEKS
        }
    }
}

/// `POST /enquetes/questionnaires/{audience}`
pub async fn edit_save(
    ctx: PageCtx,
    user: CurrentUser,
    session: Session,
    State(s): State<AppState>,
    Path(audience): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let org = user.coordinator_org()?;
    let audience = Audience::parse(&audience).ok_or(AppError::NotFound)?;
    let (rows, anonymous, weeks) = read_editor(&pairs);
    let mut e = FieldErrors::new();
    let weeks = check_weeks(&mut e, &weeks);
    let questions = match check_questions(&rows) {
        Ok(q) => q,
        Err(more) => {
            e.0.extend(more.0);
            Vec::new()
        }
    };
    if !e.is_empty() {
        let q = Questionnaire { audience, questions: Vec::new(), anonymous, cold_weeks: weeks, edited: true };
        let shown = edit_rows(rows.iter().map(|r| (r.label.clone(), r.kind.clone(), r.required)), &e);
        return render_invalid(&EditPage { ctx, q, rows: shown, kinds: kinds(), errors: e });
    }
    store::save_questionnaire(&s.db, org, audience, &questions, anonymous, weeks).await?;
    flash(&session, "Questionnaire enregistré : il servira aux prochaines enquêtes.").await;
    Ok(Redirect::to("/enquetes").into_response())
}

/// `POST /enquetes/questionnaires/{audience}/reinitialiser`
pub async fn edit_reset(
    user: CurrentUser,
    session: Session,
    State(s): State<AppState>,
    Path(audience): Path<String>,
) -> Result<Response, AppError> {
    let org = user.coordinator_org()?;
    let audience = Audience::parse(&audience).ok_or(AppError::NotFound)?;
    store::reset_questionnaire(&s.db, org, audience).await?;
    flash(&session, "Le questionnaire par défaut est rétabli.").await;
    Ok(Redirect::to("/enquetes").into_response())
}

// --- answering (public) ---------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "survey/answer.html")]
struct AnswerPage {
    ctx: PageCtx,
    token: String,
    inv: Invitation,
    module_title: String,
    org_name: String,
    given: BTreeMap<String, String>,
    errors: FieldErrors,
    scale: [&'static str; 5],
    done: bool,
    /// Why it cannot be answered yet (it opens at the end of the training).
    not_yet: Option<String>,
}

async fn answer_page(
    s: &AppState,
    ctx: PageCtx,
    token: String,
    given: BTreeMap<String, String>,
    errors: FieldErrors,
    done: bool,
) -> Result<AnswerPage, AppError> {
    let inv = store::by_token(&s.db, &token).await?;
    let module_title = store::module_title(&s.db, inv.cycle_module_id).await?;
    let org_name = crate::org::store::name_of(&s.db, inv.org_id).await?.unwrap_or_default();
    let done = done || inv.answered_at.is_some();
    let tz = store::tz_of_module(&s.db, inv.cycle_module_id).await?;
    let not_yet = crate::survey::may_answer(s.now(), inv.opens_at, tz).err();
    Ok(AnswerPage { ctx, token, inv, module_title, org_name, given, errors, scale: SCALE, done, not_yet })
}

/// `GET /enquete/{token}`
pub async fn answer_form(
    ctx: PageCtx,
    State(s): State<AppState>,
    Path(token): Path<String>,
) -> Result<Response, AppError> {
    render(&answer_page(&s, ctx, token, BTreeMap::new(), FieldErrors::new(), false).await?)
}

/// `POST /enquete/{token}`
pub async fn answer_save(
    ctx: PageCtx,
    State(s): State<AppState>,
    Path(token): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let given: BTreeMap<String, String> = pairs.into_iter().filter(|(k, _)| k != "_csrf").collect();
    match do_answer(&s, &token, &given).await {
        Ok(()) => render(&answer_page(&s, ctx, token, BTreeMap::new(), FieldErrors::new(), true).await?),
        Err(e) => {
            let e = e.into_form_errors("form")?;
            render_invalid(&answer_page(&s, ctx, token, given, e, false).await?)
        }
    }
}
