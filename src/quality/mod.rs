//! Yearly figures computed from the records: the indicators of results (attendance, completion,
//! satisfaction — Qualiopi indicator 2, on a page the organisation may make public) and the Bilan
//! Pédagogique et Financier (trainees, trainee-hours, revenue by source), with the list of what is
//! missing to compute them.

pub mod store;

use askama::Template;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use tower_sessions::Session;

use crate::attendance::documents::module_attendance;
use crate::auth::Staff;
use crate::auth::{CurrentUser, Role};
use crate::catalogue::ModuleKind;
use crate::db::now;
use crate::error::AppError;
use crate::extract::{Form, Json, Path};
use crate::state::AppState;
use crate::survey::store as surveys;
use crate::survey::web::{YearQuery, year_bounds, year_of};
use crate::survey::{Audience, mark_text, satisfaction};
use crate::web::{PageCtx, flash, render};

/// A participant has completed a training when they followed at least this share of its hours.
pub const COMPLETION_SHARE: f64 = 0.8;

pub fn completed(attended: i64, planned: i64) -> bool {
    planned > 0 && attended as f64 >= planned as f64 * COMPLETION_SHARE
}

/// "87 %" or "—"
pub fn percent(num: f64, den: f64) -> Option<f64> {
    if den > 0.0 { Some(num * 100.0 / den) } else { None }
}

pub fn percent_text(p: Option<f64>) -> String {
    p.map(|x| format!("{} %", x.round() as i64)).unwrap_or_else(|| "—".into())
}

/// The public side of a client structure, for the BPF: its people are public agents.
pub fn is_public_client(kind: &str) -> bool {
    matches!(kind, "collectivite" | "etablissement_public")
}

/// The figures of one training module.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct ModuleFigures {
    pub cycle_id: i64,
    pub cycle_title: String,
    pub client_kind: String,
    pub module_id: i64,
    pub module_title: String,
    pub kind: ModuleKind,
    /// First and last half-day.
    pub start_at: i64,
    pub end_at: i64,
    pub finished: bool,
    pub trainees: usize,
    /// Hours planned per person (past half-days only, for the attendance rate).
    pub past_planned_minutes: i64,
    pub planned_minutes: i64,
    /// Minutes followed by everyone, over the past half-days.
    pub attended_minutes: i64,
    /// Minutes followed in the half-days of the year asked for (for the BPF).
    pub attended_in_year: i64,
    /// Participants who followed something in the year.
    pub trainees_in_year: Vec<i64>,
    /// Participants who completed the training (finished modules only).
    pub completed: usize,
    pub responses: usize,
    pub satisfaction: Option<f64>,
    /// Past half-days whose sheet is not closed.
    pub open_sheets: usize,
    /// Marks missing on past half-days.
    pub missing_marks: usize,
}

impl ModuleFigures {
    pub fn attendance_rate(&self) -> Option<f64> {
        percent(self.attended_minutes as f64, (self.past_planned_minutes * self.trainees as i64) as f64)
    }
    pub fn completion_rate(&self) -> Option<f64> {
        if self.finished { percent(self.completed as f64, self.trainees as f64) } else { None }
    }
    pub fn attendance_text(&self) -> String {
        percent_text(self.attendance_rate())
    }
    pub fn completion_text(&self) -> String {
        if self.finished { percent_text(self.completion_rate()) } else { "en cours".into() }
    }
    pub fn satisfaction_text(&self) -> String {
        mark_text(self.satisfaction)
    }
    pub fn dates(&self) -> String {
        let d = |t: i64| crate::fr::date(t);
        format!("du {} au {}", d(self.start_at), d(self.end_at))
    }
}

/// The training modules with half-days in `year`, and their figures.
pub async fn modules_of_year(s: &AppState, org: i64, year: i32) -> Result<Vec<ModuleFigures>, AppError> {
    let (from, to) = year_bounds(year);
    let pairs = store::modules_held_between(&s.db, org, from, to).await?;
    let t = now();
    let mut out = Vec::new();
    for (cycle_id, cm) in pairs {
        let ma = module_attendance(&s.db, org, cycle_id, cm).await?;
        if !ma.module.kind.is_training() || ma.halves.is_empty() {
            continue;
        }
        let client_kind = store::client_kind(&s.db, ma.cycle.client_id).await?;
        let past: Vec<_> = ma.halves.iter().filter(|(_, h, _)| h.end_at < t).collect();
        let past_planned: i64 = past.iter().map(|(_, h, _)| h.minutes).sum();
        let planned = ma.planned_minutes();
        let start_at = ma.halves.iter().map(|(_, h, _)| h.start_at).min().unwrap_or_default();
        let end_at = ma.halves.iter().map(|(_, h, _)| h.end_at).max().unwrap_or_default();
        let finished = end_at < t;
        let mut attended = 0;
        let mut attended_in_year = 0;
        let mut trainees_in_year = Vec::new();
        let mut done = 0;
        let mut missing = 0;
        for p in &ma.people {
            let mut mine_in_year = 0;
            for (_, h, marks) in &past {
                let m = marks.iter().find(|m| m.participant_id == p.id);
                if m.is_none() {
                    missing += 1;
                }
                let a = crate::attendance::attended_minutes(
                    h.minutes,
                    m.map(|m| m.status),
                    m.map(|m| m.late_minutes).unwrap_or(0),
                );
                attended += a;
                if h.start_at >= from && h.start_at < to {
                    mine_in_year += a;
                }
            }
            if mine_in_year > 0 {
                trainees_in_year.push(p.id);
                attended_in_year += mine_in_year;
            }
            if finished && completed(ma.attended(p.id), planned) {
                done += 1;
            }
        }
        let responses: Vec<_> = surveys::responses_of_module(&s.db, org, cm)
            .await?
            .into_iter()
            .filter(|r| matches!(r.audience, Audience::ParticipantHot | Audience::ParticipantCold))
            .map(|r| r.data)
            .collect();
        out.push(ModuleFigures {
            cycle_id,
            cycle_title: ma.cycle.title.clone(),
            client_kind,
            module_id: cm,
            module_title: ma.module.title.clone(),
            kind: ma.module.kind,
            start_at,
            end_at,
            finished,
            trainees: ma.people.len(),
            past_planned_minutes: past_planned,
            planned_minutes: planned,
            attended_minutes: attended,
            attended_in_year,
            trainees_in_year,
            completed: done,
            responses: responses.len(),
            satisfaction: satisfaction(&responses),
            open_sheets: past.iter().filter(|(_, h, _)| !h.is_locked()).count(),
            missing_marks: missing,
        });
    }
    Ok(out)
}

/// The indicators of a year.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Indicators {
    pub year: i32,
    pub modules: Vec<ModuleFigures>,
    pub trainees: usize,
    /// Attendance rate over every module, in percent.
    pub attendance_rate: Option<f64>,
    pub completion_rate: Option<f64>,
    /// Participants' average mark, out of 5.
    pub satisfaction: Option<f64>,
    pub responses: usize,
    pub complaints: i64,
    pub complaints_closed: i64,
}

impl Indicators {
    /// Attendance, completion and satisfaction per training, as a chart (satisfaction out of 5 shown
    /// as a share of the bar).
    pub fn chart(&self) -> String {
        use crate::chart::{ATTENDANCE, COMPLETION, Row, SATISFACTION, bars};
        let p = |x: Option<f64>| x.map(|v| v.clamp(0.0, 100.0).round() as u32);
        let rows: Vec<Row> = self
            .modules
            .iter()
            .map(|m| Row {
                label: format!("{} — {}", m.module_title, m.cycle_title),
                values: vec![p(m.attendance_rate()), p(m.completion_rate()), p(m.satisfaction.map(|x| x * 20.0))],
                texts: vec![m.attendance_text(), m.completion_text(), m.satisfaction_text()],
            })
            .collect();
        bars(
            "indicateurs",
            &format!("Assiduité, achèvement et satisfaction par formation, {}", self.year),
            &[&ATTENDANCE, &COMPLETION, &SATISFACTION],
            &rows,
        )
    }
    pub fn attendance_text(&self) -> String {
        percent_text(self.attendance_rate)
    }
    pub fn completion_text(&self) -> String {
        percent_text(self.completion_rate)
    }
    pub fn satisfaction_text(&self) -> String {
        mark_text(self.satisfaction)
    }
}

pub async fn indicators(s: &AppState, org: i64, year: i32) -> Result<Indicators, AppError> {
    let modules = modules_of_year(s, org, year).await?;
    let attended: i64 = modules.iter().map(|m| m.attended_minutes).sum();
    let expected: i64 = modules.iter().map(|m| m.past_planned_minutes * m.trainees as i64).sum();
    let finished: Vec<_> = modules.iter().filter(|m| m.finished).collect();
    let y = crate::survey::web::year_satisfaction(s, org, year).await?;
    let (complaints, complaints_closed) = crate::survey::complaints::store::counts(&s.db, org, year).await?;
    Ok(Indicators {
        year,
        trainees: modules.iter().map(|m| m.trainees).sum(),
        attendance_rate: percent(attended as f64, expected as f64),
        completion_rate: percent(
            finished.iter().map(|m| m.completed).sum::<usize>() as f64,
            finished.iter().map(|m| m.trainees).sum::<usize>() as f64,
        ),
        satisfaction: y.total,
        responses: y.months.iter().map(|(_, n, _)| n).sum(),
        complaints,
        complaints_closed,
        modules,
    })
}

// --- the BPF ---------------------------------------------------------------------------------------

/// One line of the BPF.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct BpfLine {
    /// The cadre and line of the Cerfa 10443 form (« C-1 », « F-1 a »…).
    pub code: String,
    pub label: String,
    /// As printed (« 6 836,17 € », « 12 », « 84,5 »).
    pub value: String,
    /// The figure itself, as a decimal string (« 6836.17 », « 12 », « 84.5 »).
    pub amount: String,
}

/// Something that must be completed before the BPF figures can be trusted.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Missing {
    pub message: String,
    pub href: Option<String>,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Bpf {
    pub year: i32,
    pub lines: Vec<BpfLine>,
    pub missing: Vec<Missing>,
}

impl Bpf {
    /// The revenue lines of cadre C (who paid for the training), as a chart.
    pub fn chart(&self) -> String {
        use crate::chart::{AMOUNT, Row, bars, share};
        let lines: Vec<(&BpfLine, f64)> = self
            .lines
            .iter()
            .filter(|l| l.code.starts_with("C-") && l.code != "C-total")
            .map(|l| (l, l.amount.parse::<f64>().unwrap_or(0.0)))
            .collect();
        let max = lines.iter().map(|(_, v)| *v).fold(0.0, f64::max);
        let rows: Vec<Row> = lines
            .iter()
            .map(|(l, v)| Row {
                label: format!("{} — {}", l.code, l.label),
                values: vec![share(*v, max).or(Some(0))],
                texts: vec![l.value.clone()],
            })
            .collect();
        bars("bpf", &format!("Produits de la formation par financeur, {}", self.year), &[&AMOUNT], &rows)
    }
}

/// An invoice or credit note, as the BPF reads it: the training part of its excl.-VAT total (negative
/// for a credit note), and who pays it.
#[derive(Clone, Debug)]
pub struct Sale {
    pub number: String,
    pub client_kind: String,
    pub opco: bool,
    pub training_ht: Decimal,
}

/// Revenue excl. VAT by source: (companies, OPCO, public bodies), from the training part of the
/// invoices of the fiscal year (AMO, conferences for the public and expenses are not training).
pub fn revenue(sales: &[Sale]) -> (Decimal, Decimal, Decimal) {
    let (mut companies, mut opco, mut public) = (Decimal::ZERO, Decimal::ZERO, Decimal::ZERO);
    for s in sales {
        if s.opco {
            opco += s.training_ht;
        } else if is_public_client(&s.client_kind) {
            public += s.training_ht;
        } else {
            companies += s.training_ht;
        }
    }
    (companies, opco, public)
}

fn euros(d: Decimal) -> String {
    crate::money::euros(d)
}

fn hours_amount(minutes: i64) -> Decimal {
    (Decimal::from(minutes) / Decimal::from(60))
        .round_dp_with_strategy(1, rust_decimal::RoundingStrategy::MidpointAwayFromZero)
        .normalize()
}

fn hours(minutes: i64) -> String {
    crate::fr::decimal(hours_amount(minutes))
}

pub async fn bpf(s: &AppState, org: i64, year: i32) -> Result<Bpf, AppError> {
    let modules = modules_of_year(s, org, year).await?;
    let (_, to) = year_bounds(year);
    let mut private = (std::collections::BTreeSet::new(), 0i64);
    let mut public = (std::collections::BTreeSet::new(), 0i64);
    for m in &modules {
        let side = if is_public_client(&m.client_kind) { &mut public } else { &mut private };
        side.0.extend(m.trainees_in_year.iter().copied());
        side.1 += m.attended_in_year;
    }
    let invoices = crate::invoice::store::issued_between(
        &s.db,
        org,
        chrono::NaiveDate::from_ymd_opt(year, 1, 1).unwrap_or_default(),
        chrono::NaiveDate::from_ymd_opt(year + 1, 1, 1).unwrap_or_default(),
    )
    .await?;
    let clients: std::collections::HashMap<i64, (String, String)> =
        store::clients(&s.db, org).await?.into_iter().map(|(id, kind, name)| (id, (kind, name))).collect();
    let mut missing = Vec::new();
    let mut unclassified = std::collections::BTreeSet::new();
    let mut sales = Vec::new();
    for i in &invoices {
        let (kind, name) = clients.get(&i.client_id).cloned().unwrap_or_default();
        let opco = i.payer == crate::invoice::Payer::Opco;
        if !opco && (kind.is_empty() || kind == "autre") && unclassified.insert(i.client_id) {
            missing.push(Missing { message: format!("Le type de structure du client « {name} » n'est pas précisé (entreprise, collectivité…) : ses factures sont comptées avec les entreprises."), href: Some(format!("/clients/{}", i.client_id)) });
        }
        let training = i.document.totals.training;
        sales.push(Sale {
            number: i.number.clone(),
            client_kind: kind,
            opco,
            training_ht: if i.kind == crate::invoice::Kind::Credit { -training } else { training },
        });
    }
    let accepted_unbilled = store::accepted_unbilled(&s.db, org, to).await?;
    if accepted_unbilled > 0 {
        missing.push(Missing {
            message: format!(
                "{accepted_unbilled} devis accepté{} sans aucune facture : le BPF ne compte que ce qui est facturé dans l'exercice.",
                plural(accepted_unbilled as usize)
            ),
            href: Some("/devis?status=accepted".into()),
        });
    }
    let (companies, opco, public_money) = revenue(&sales);
    let org_record = crate::org::store::get(&s.db, org).await?;
    if org_record.nda.trim().is_empty() {
        missing.insert(
            0,
            Missing {
                message: "Le numéro de déclaration d'activité de l'organisme manque.".into(),
                href: Some("/organisation".into()),
            },
        );
    }
    for m in &modules {
        if m.open_sheets > 0 {
            missing.push(Missing {
                message: format!(
                    "{} — {} : {} feuille{} d'émargement passée{} non close{}.",
                    m.cycle_title,
                    m.module_title,
                    m.open_sheets,
                    plural(m.open_sheets),
                    plural(m.open_sheets),
                    plural(m.open_sheets)
                ),
                href: Some(format!("/cycles/{}/modules/{}/presences", m.cycle_id, m.module_id)),
            });
        }
        if m.missing_marks > 0 {
            missing.push(Missing {
                message: format!(
                    "{} — {} : {} présence{} non renseignée{} (comptée{} comme absence{}).",
                    m.cycle_title,
                    m.module_title,
                    m.missing_marks,
                    plural(m.missing_marks),
                    plural(m.missing_marks),
                    plural(m.missing_marks),
                    plural(m.missing_marks)
                ),
                href: Some(format!("/cycles/{}/modules/{}/presences", m.cycle_id, m.module_id)),
            });
        }
    }
    missing.push(Missing { message: "Les charges (cadre D), les effectifs de formateurs (cadre E) et les prestations sous-traitées viennent de votre comptabilité : Acunum ne les calcule pas.".into(), href: None });
    let money = |d: Decimal| (euros(d), crate::money::cents(d).to_string());
    let count = |n: usize| (n.to_string(), n.to_string());
    let hours = |m: i64| (hours(m), hours_amount(m).to_string());
    let line = |code: &str, label: &str, (value, amount): (String, String)| BpfLine {
        code: code.into(),
        label: label.into(),
        value,
        amount,
    };
    let lines = vec![
        line("C-1", "Produits des entreprises pour la formation de leurs salariés", money(companies)),
        line("C-2", "Produits des opérateurs de compétences (OPCO)", money(opco)),
        line("C-3", "Produits des pouvoirs publics pour la formation de leurs agents", money(public_money)),
        line(
            "C-total",
            "Total des produits réalisés au titre de la formation professionnelle",
            money(companies + opco + public_money),
        ),
        line("F-1 a", "Stagiaires salariés d'employeurs privés — nombre", count(private.0.len())),
        line("F-1 a", "Stagiaires salariés d'employeurs privés — heures-stagiaires", hours(private.1)),
        line("F-1 e", "Autres stagiaires (agents publics) — nombre", count(public.0.len())),
        line("F-1 e", "Autres stagiaires (agents publics) — heures-stagiaires", hours(public.1)),
        line("F-1 total", "Total des stagiaires", count(private.0.len() + public.0.len())),
        line("F-1 total", "Total des heures-stagiaires", hours(private.1 + public.1)),
        line(
            "F-3",
            "Objectif général des prestations : autres actions de formation continue — heures-stagiaires",
            hours(private.1 + public.1),
        ),
    ];
    Ok(Bpf { year, lines, missing })
}

fn plural(n: usize) -> &'static str {
    if n > 1 { "s" } else { "" }
}

/// The BPF as CSV (semicolons, for a French spreadsheet).
pub fn bpf_csv(b: &Bpf) -> String {
    let esc = |s: &str| format!("\"{}\"", s.replace('"', "\"\""));
    let mut out = String::from("cadre;libellé;valeur\r\n");
    for l in &b.lines {
        out.push_str(&format!("{};{};{}\r\n", esc(&l.code), esc(&l.label), esc(&l.value)));
    }
    out
}

// --- pages -----------------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "quality/indicators.html")]
struct IndicatorsPage {
    ctx: PageCtx,
    ind: Indicators,
    public_flag: bool,
    public_url: String,
    coordinator: bool,
    publish_label: String,
}

/// `GET /indicateurs`
pub async fn indicators_page(
    ctx: PageCtx,
    Staff { user, org }: Staff,
    State(s): State<AppState>,
    Query(q): Query<YearQuery>,
) -> Result<Response, AppError> {
    let ind = indicators(&s, org, year_of(&q)).await?;
    let o = crate::org::store::get(&s.db, org).await?;
    let public_url = format!("{}/organismes/{}/indicateurs", s.config.public_url(), o.slug);
    render(&IndicatorsPage {
        ctx,
        ind,
        public_flag: o.indicators_public,
        public_url,
        coordinator: user.role() == Role::Coordinator,
        publish_label: format!(
            "Publier les indicateurs de résultats de {} sur une page publique (indicateur 2 du référentiel Qualiopi)",
            o.name
        ),
    })
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct PublishForm {
    #[serde(deserialize_with = "crate::web::form_bool")]
    pub public: bool,
}

/// `POST /indicateurs/publication`
pub async fn publish(
    user: CurrentUser,
    session: Session,
    State(s): State<AppState>,
    Form(f): Form<PublishForm>,
) -> Result<Response, AppError> {
    let org = user.coordinator_org()?;
    store::set_public(&s.db, org, f.public).await?;
    flash(&session, if f.public { "Les indicateurs sont publiés." } else { "Les indicateurs ne sont plus publics." })
        .await;
    Ok(Redirect::to("/indicateurs").into_response())
}

#[derive(Template)]
#[template(path = "quality/public.html")]
struct PublicPage {
    ctx: PageCtx,
    ind: Indicators,
    org_name: String,
    slug: String,
}

/// `GET /organismes/{slug}/indicateurs`: the results an organisation chose to publish.
pub async fn public_page(
    ctx: PageCtx,
    State(s): State<AppState>,
    Path(slug): Path<String>,
    Query(q): Query<YearQuery>,
) -> Result<Response, AppError> {
    let o = crate::org::store::by_slug(&s.db, &slug).await?;
    if !o.indicators_public {
        return Err(AppError::NotFound);
    }
    let ind = indicators(&s, o.id, year_of(&q)).await?;
    render(&PublicPage { ctx, ind, org_name: o.name, slug: o.slug })
}

#[derive(Template)]
#[template(path = "quality/bpf.html")]
struct BpfPage {
    ctx: PageCtx,
    bpf: Bpf,
}

/// `GET /bpf`
pub async fn bpf_page(
    ctx: PageCtx,
    user: CurrentUser,
    State(s): State<AppState>,
    Query(q): Query<YearQuery>,
) -> Result<Response, AppError> {
    let org = user.coordinator_org()?;
    render(&BpfPage { ctx, bpf: bpf(&s, org, year_of(&q)).await? })
}

/// `GET /bpf.csv`
pub async fn bpf_csv_page(
    user: CurrentUser,
    State(s): State<AppState>,
    Query(q): Query<YearQuery>,
) -> Result<Response, AppError> {
    let org = user.coordinator_org()?;
    let b = bpf(&s, org, year_of(&q)).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"bpf-{}.csv\"", b.year)),
        ],
        format!("\u{feff}{}", bpf_csv(&b)),
    )
        .into_response())
}

// --- API ---------------------------------------------------------------------------------------------

#[derive(Deserialize, utoipa::IntoParams)]
pub struct YearParam {
    /// The civil year (default: this year).
    pub year: Option<i32>,
}

/// Attendance, completion and satisfaction of a year.
#[utoipa::path(get, path = "/api/v1/indicators", tag = "quality", params(YearParam), responses((status = 200, body = Indicators)))]
pub async fn api_indicators(
    Staff { org, .. }: Staff,
    State(s): State<AppState>,
    Query(q): Query<YearParam>,
) -> Result<Json<Indicators>, AppError> {
    Ok(Json(indicators(&s, org, year_of(&YearQuery { annee: q.year })).await?))
}

/// The figures of the Bilan Pédagogique et Financier of a year, with what is missing.
#[utoipa::path(get, path = "/api/v1/bpf", tag = "quality", params(YearParam), responses((status = 200, body = Bpf)))]
pub async fn api_bpf(
    user: CurrentUser,
    State(s): State<AppState>,
    Query(q): Query<YearParam>,
) -> Result<Json<Bpf>, AppError> {
    let org = user.coordinator_org()?;
    Ok(Json(bpf(&s, org, year_of(&YearQuery { annee: q.year })).await?))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dec(n: i64) -> Decimal {
        Decimal::from(n)
    }

    #[test]
    fn completion_needs_four_fifths_of_the_hours() {
        assert!(completed(1344, 1680));
        assert!(!completed(1343, 1680));
        assert!(!completed(0, 0));
        assert_eq!(percent_text(percent(1470.0, 1680.0)), "88 %");
        assert_eq!(percent_text(percent(1.0, 0.0)), "—");
    }

    #[test]
    fn revenue_splits_by_payer_with_credit_notes_deducted() {
        let sale =
            |kind: &str, opco, training_ht| Sale { number: "F".into(), client_kind: kind.into(), opco, training_ht };
        let (companies, opco, public) = revenue(&[
            sale("entreprise", false, dec(4000)),
            sale("entreprise", true, dec(6000)),
            sale("collectivite", false, dec(5000)),
            sale("association", false, dec(400)),
            sale("association", true, dec(600)),
            sale("entreprise", false, dec(-150)),
        ]);
        assert_eq!(opco, dec(6600));
        assert_eq!(companies, dec(4250));
        assert_eq!(public, dec(5000));
        assert!(is_public_client("etablissement_public") && !is_public_client("entreprise"));
    }

    #[test]
    fn the_csv_quotes_its_cells() {
        let b = Bpf {
            year: 2027,
            lines: vec![BpfLine {
                code: "C-1".into(),
                label: "Produits \"entreprises\"".into(),
                value: "1 000,00 €".into(),
                amount: "1000.00".into(),
            }],
            missing: vec![],
        };
        assert_eq!(bpf_csv(&b), "cadre;libellé;valeur\r\n\"C-1\";\"Produits \"\"entreprises\"\"\";\"1 000,00 €\"\r\n");
    }
}
