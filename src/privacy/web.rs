//! Personal data pages and API: find a person by e-mail, export their data (JSON, PDF), erase it,
//! the register of processing, and one's own data from « Mon compte ».

use askama::Template;
use axum::Json;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::{Deserialize, Serialize};
use serde_json::json;
use tower_sessions::Session;

use crate::audit::{Actor, Event};
use crate::auth::CurrentUser;
use crate::error::{AppError, FieldErrors};
use crate::extract::{Form, Path};
use crate::privacy::store::{self, Found, Retentions};
use crate::privacy::{Erasure, PersonKind, PersonalData, REGISTER, erasure};
use crate::state::AppState;
use crate::web::{PageCtx, flash, render, render_invalid};

const PDF: &str = include_str!("../../pdf/personal_data.typ");

fn kind_of(kind: &str) -> Result<PersonKind, AppError> {
    PersonKind::parse(kind).ok_or(AppError::NotFound)
}

/// Everything held about a person of the organisation.
pub async fn gather(s: &AppState, org: i64, kind: PersonKind, id: i64) -> Result<PersonalData, AppError> {
    let (name, email) = store::identity(&s.db, org, kind, id).await?;
    let r = Retentions::of(&s.config);
    let sections = match kind {
        PersonKind::Participant => store::participant(&s.db, org, id, &r).await?,
        PersonKind::Contact => store::contact(&s.db, org, id, &r).await?,
        PersonKind::Intervenant => store::intervenant(&s.db, org, id, &r).await?,
        PersonKind::User => store::user(&s.db, Some(org), id).await?,
    };
    Ok(PersonalData {
        kind,
        id,
        name,
        email,
        organisation: crate::org::store::name_of(&s.db, org).await?.unwrap_or_default(),
        generated_at: s.now(),
        sections,
    })
}

async fn exported(s: &AppState, user: &CurrentUser, org: i64, d: &PersonalData, how: &str) -> Result<(), AppError> {
    crate::audit::record(
        &s.db,
        Some(org),
        s.now(),
        &Actor::user(user.id(), &user.user.name, user.role()),
        Event {
            action: "personal_data.export",
            subject: d.kind.as_str(),
            subject_id: Some(d.id),
            reason: "",
            details: format!("{} ({how})", d.name),
        },
    )
    .await
}

/// The PDF of a person's data: every section, readable.
pub async fn pdf_of(s: &AppState, org: i64, d: &PersonalData) -> Result<Vec<u8>, AppError> {
    let organisation = crate::org::store::get(&s.db, org).await?;
    let (org_json, logo) = crate::documents::org_data(&s.db, &organisation).await?;
    let data = json!({
        "title": format!("Données personnelles — {}", d.name),
        "reference": format!("Données personnelles de {} au {}", d.name, crate::fr::date(d.generated_at)),
        "org": org_json,
        "name": d.name,
        "email": d.email,
        "kind": d.kind.label(),
        "date": crate::fr::date_time(d.generated_at, crate::fr::DEFAULT_TZ),
        "sections": d.sections.iter().map(|x| json!({
            "title": x.title, "purpose": x.purpose, "retention": x.retention,
            "rows": x.rows.iter().map(|r| r.iter().map(|f| json!([f.label, f.value])).collect::<Vec<_>>()).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
    });
    crate::documents::render(PDF, data, logo).await
}

#[derive(Deserialize, Default, utoipa::IntoParams)]
#[serde(default)]
pub struct FindQuery {
    /// The person's e-mail address.
    pub email: String,
}

#[derive(Template)]
#[template(path = "privacy/index.html")]
struct IndexPage {
    ctx: PageCtx,
    email: String,
    found: Vec<Found>,
    searched: bool,
    errors: FieldErrors,
    reason: String,
}

/// `GET /donnees-personnelles`
pub async fn index(
    ctx: PageCtx,
    user: CurrentUser,
    State(s): State<AppState>,
    Query(q): Query<FindQuery>,
) -> Result<Response, AppError> {
    let org = user.coordinator_org()?;
    let searched = !q.email.trim().is_empty();
    let found = if searched { store::find(&s.db, org, &q.email).await? } else { Vec::new() };
    render(&IndexPage { ctx, email: q.email, found, searched, errors: FieldErrors::new(), reason: String::new() })
}

/// Everyone of the organisation with an e-mail address: participants, client contacts, intervenants, accounts.
#[utoipa::path(get, path = "/api/v1/personal-data", tag = "personal data", params(FindQuery),
    responses((status = 200, body = Vec<Found>), (status = 403, body = crate::error::ErrorBody)))]
pub async fn api_find(
    user: CurrentUser,
    State(s): State<AppState>,
    Query(q): Query<FindQuery>,
) -> Result<Json<Vec<Found>>, AppError> {
    let org = user.coordinator_org()?;
    Ok(Json(store::find(&s.db, org, &q.email).await?))
}

/// A person's data as JSON (RGPD, articles 15 and 20).
#[utoipa::path(get, path = "/api/v1/personal-data/{kind}/{id}", tag = "personal data",
    params(("kind" = String, Path, description = "participant, contact, intervenant or user"), ("id" = i64, Path)),
    responses((status = 200, body = PersonalData), (status = 404, body = crate::error::ErrorBody)))]
pub async fn api_export(
    user: CurrentUser,
    State(s): State<AppState>,
    Path((kind, id)): Path<(String, i64)>,
) -> Result<Response, AppError> {
    let org = user.coordinator_org()?;
    let d = gather(&s, org, kind_of(&kind)?, id).await?;
    exported(&s, &user, org, &d, "JSON").await?;
    let name = format!("donnees-{}-{}.json", d.kind.as_str(), d.id);
    Ok(([(axum::http::header::CONTENT_DISPOSITION, format!("inline; filename=\"{name}\""))], Json(d)).into_response())
}

/// A person's data as a readable PDF.
#[utoipa::path(get, path = "/api/v1/personal-data/{kind}/{id}/pdf", tag = "personal data",
    params(("kind" = String, Path), ("id" = i64, Path)),
    responses((status = 200, content_type = "application/pdf", body = Vec<u8>), (status = 404, body = crate::error::ErrorBody)))]
pub async fn api_pdf(
    user: CurrentUser,
    State(s): State<AppState>,
    Path((kind, id)): Path<(String, i64)>,
) -> Result<Response, AppError> {
    let org = user.coordinator_org()?;
    let d = gather(&s, org, kind_of(&kind)?, id).await?;
    exported(&s, &user, org, &d, "PDF").await?;
    let pdf = pdf_of(&s, org, &d).await?;
    Ok(crate::documents::pdf_response(&format!("donnees-{}-{}.pdf", d.kind.as_str(), d.id), pdf))
}

#[derive(Deserialize, Default, utoipa::ToSchema)]
#[serde(default)]
pub struct EraseRequest {
    /// The person's request (kept in the audit trail).
    pub reason: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Erased {
    pub kind: PersonKind,
    pub id: i64,
    pub result: Erasure,
    /// What stays, and why.
    pub kept: String,
}

/// Erases or anonymises a person's data, by the rule of [`erasure`].
pub async fn erase(
    s: &AppState,
    user: &CurrentUser,
    kind: PersonKind,
    id: i64,
    reason: &str,
) -> Result<Erased, AppError> {
    let org = user.coordinator_org()?;
    let mut e = FieldErrors::new();
    let reason = crate::text::check_text(&mut e, "reason", reason, true, 500);
    if !e.is_empty() {
        return Err(AppError::invalid(
            "reason",
            "Indiquez la demande de la personne (date, moyen) : elle est gardée au journal.",
        ));
    }
    let (name, _) = store::identity(&s.db, org, kind, id).await?;
    if kind == PersonKind::User && id == user.id() {
        return Err(AppError::Conflict("Vous ne pouvez pas effacer votre propre compte.".into()));
    }
    let (result, kept) = match kind {
        PersonKind::Participant => {
            let r = erasure(store::participant_on_records(&s.db, org, id).await?);
            store::erase_participant(&s.db, org, id, r == Erasure::Deleted).await?;
            (
                r,
                if r == Erasure::Anonymised {
                    format!(
                        "Le nom et la structure restent sur les feuilles d'émargement et les certificats, {} ans après la dernière séance.",
                        s.config.retention_records_years
                    )
                } else {
                    "Rien.".into()
                },
            )
        }
        PersonKind::Contact => {
            if let Some(u) = store::erase_contact(&s.db, org, id).await? {
                store::erase_user(&s.db, org, u).await?;
            }
            (
                Erasure::Deleted,
                "Le nom tapé lors d'une décision sur un devis reste sur le devis (pièce commerciale, 10 ans).".into(),
            )
        }
        PersonKind::Intervenant => {
            let r = erasure(crate::intervenant::store::has_records(&s.db, org, id).await?);
            if let Some(u) = store::erase_intervenant(&s.db, org, id, r == Erasure::Deleted).await? {
                store::erase_user(&s.db, org, u).await?;
            }
            (
                r,
                if r == Erasure::Anonymised {
                    "Le nom reste sur les séances et les feuilles signées.".into()
                } else {
                    "Rien.".into()
                },
            )
        }
        PersonKind::User => {
            store::erase_user(&s.db, org, id).await?;
            (
                Erasure::Anonymised,
                "Le compte reste, sans nom ni adresse, pour les documents qui disent qui a fait quoi.".into(),
            )
        }
    };
    crate::audit::record(
        &s.db,
        Some(org),
        s.now(),
        &Actor::user(user.id(), &user.user.name, user.role()),
        Event {
            action: "personal_data.erase",
            subject: kind.as_str(),
            subject_id: Some(id),
            reason: &reason,
            details: format!("{name} : {}", if result == Erasure::Deleted { "supprimé" } else { "anonymisé" }),
        },
    )
    .await?;
    Ok(Erased { kind, id, result, kept })
}

/// Erase or anonymise a person's data (what legal records hold stays until their retention ends).
#[utoipa::path(post, path = "/api/v1/personal-data/{kind}/{id}/erase", tag = "personal data",
    params(("kind" = String, Path), ("id" = i64, Path)), request_body = EraseRequest,
    responses((status = 200, body = Erased), (status = 404, body = crate::error::ErrorBody),
        (status = 409, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn api_erase(
    user: CurrentUser,
    State(s): State<AppState>,
    Path((kind, id)): Path<(String, i64)>,
    crate::extract::Json(b): crate::extract::Json<EraseRequest>,
) -> Result<Json<Erased>, AppError> {
    Ok(Json(erase(&s, &user, kind_of(&kind)?, id, &b.reason).await?))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct EraseForm {
    pub reason: String,
    pub email: String,
}

/// `POST /donnees-personnelles/{kind}/{id}/effacer`
pub async fn erase_page(
    ctx: PageCtx,
    user: CurrentUser,
    session: Session,
    State(s): State<AppState>,
    Path((kind, id)): Path<(String, i64)>,
    Form(f): Form<EraseForm>,
) -> Result<Response, AppError> {
    let org = user.coordinator_org()?;
    match erase(&s, &user, kind_of(&kind)?, id, &f.reason).await {
        Ok(e) => {
            flash(
                &session,
                format!(
                    "{} {}",
                    if e.result == Erasure::Deleted { "Données supprimées." } else { "Données anonymisées." },
                    e.kept
                ),
            )
            .await;
            Ok(Redirect::to("/donnees-personnelles").into_response())
        }
        Err(e) => {
            let errors = e.into_form_errors("reason")?;
            let found = store::find(&s.db, org, &f.email).await?;
            render_invalid(&IndexPage { ctx, email: f.email, found, searched: true, errors, reason: f.reason })
        }
    }
}

/// One line of the register, with the retentions in effect.
#[derive(Serialize, utoipa::ToSchema)]
pub struct RegisterEntry {
    pub name: String,
    pub purpose: String,
    pub basis: String,
    pub people: String,
    pub data: String,
    pub recipients: String,
    pub retention: String,
}

pub fn register(c: &crate::config::Config) -> Vec<RegisterEntry> {
    REGISTER
        .iter()
        .map(|p| RegisterEntry {
            name: p.name.into(),
            purpose: p.purpose.into(),
            basis: p.basis.into(),
            people: p.people.into(),
            data: p.data.into(),
            recipients: p.recipients.into(),
            retention: p
                .retention
                .replace("{contact}", &c.retention_contact_years.to_string())
                .replace("{records}", &c.retention_records_years.to_string())
                .replace("{logs}", &c.retention_logs_days.to_string()),
        })
        .collect()
}

#[derive(Template)]
#[template(path = "privacy/register.html")]
struct RegisterPage {
    ctx: PageCtx,
    org: crate::org::Organisation,
    entries: Vec<RegisterEntry>,
}

/// `GET /donnees-personnelles/registre`: the register of processing of the organisation.
pub async fn register_page(ctx: PageCtx, user: CurrentUser, State(s): State<AppState>) -> Result<Response, AppError> {
    let org = user.coordinator_org()?;
    render(&RegisterPage { ctx, org: crate::org::store::get(&s.db, org).await?, entries: register(&s.config) })
}

/// The register of processing (RGPD, article 30), with the retention periods in effect.
#[utoipa::path(get, path = "/api/v1/personal-data/register", tag = "personal data",
    responses((status = 200, body = Vec<RegisterEntry>), (status = 403, body = crate::error::ErrorBody)))]
pub async fn api_register(user: CurrentUser, State(s): State<AppState>) -> Result<Json<Vec<RegisterEntry>>, AppError> {
    user.coordinator_org()?;
    Ok(Json(register(&s.config)))
}

/// One's own account's data, as JSON (« Mon compte »).
#[utoipa::path(get, path = "/api/v1/me/personal-data", tag = "personal data",
    responses((status = 200, body = PersonalData)))]
pub async fn api_mine(user: CurrentUser, State(s): State<AppState>) -> Result<Json<PersonalData>, AppError> {
    let organisation = match user.user.org_id {
        Some(org) => crate::org::store::name_of(&s.db, org).await?.unwrap_or_default(),
        None => "Administration du réseau".into(),
    };
    Ok(Json(PersonalData {
        kind: PersonKind::User,
        id: user.id(),
        name: user.user.name.clone(),
        email: user.user.email.clone(),
        organisation,
        generated_at: s.now(),
        sections: store::user(&s.db, None, user.id()).await?,
    }))
}

/// The daily job: applies the retention periods, and says what it did in the audit trail.
pub async fn apply_retention(s: &AppState) -> Result<store::RetentionReport, AppError> {
    let report = store::apply_retention(&s.db, &Retentions::of(&s.config), s.now()).await?;
    if report.contacts_erased + report.records_anonymised + report.messages_deleted > 0 {
        crate::audit::record(
            &s.db,
            None,
            s.now(),
            &Actor::system("durées de conservation"),
            Event {
                action: "retention.apply",
                subject: "retention",
                subject_id: None,
                reason: "",
                details: format!(
                    "{} coordonnées effacées, {} participants anonymisés sur les feuilles, {} e-mails supprimés",
                    report.contacts_erased, report.records_anonymised, report.messages_deleted
                ),
            },
        )
        .await?;
    }
    Ok(report)
}
