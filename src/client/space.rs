//! The client contact's space (`/mes-documents`, and its twin `GET /api/v1/my/documents`): the
//! documents of their own structure only, even in a mixed group shared with other structures —
//! their trainees' hours (from the closed sheets) and issued certificates, their quotes and
//! conventions, and the group's survey results.

use askama::Template;
use axum::Json;
use axum::extract::State;
use axum::response::Response;
use serde::Serialize;

use crate::attendance::documents::module_attendance;
use crate::attendance::hours_text;
use crate::auth::{CurrentUser, Role};
use crate::cycle::store as cycles;
use crate::error::AppError;
use crate::extract::Path;
use crate::state::AppState;
use crate::web::{PageCtx, render};

/// The organisation and the client structure of a client contact's account.
pub async fn contact_of(s: &AppState, user: &CurrentUser) -> Result<(i64, i64), AppError> {
    if user.role() != Role::ClientContact {
        return Err(AppError::Forbidden);
    }
    let org = user.org_id()?;
    let client = crate::client::store::client_of_user(&s.db, user.id()).await?.ok_or(AppError::Forbidden)?;
    Ok((org, client))
}

/// A certificate of a trainee, as the client sees it.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct SpaceCertificate {
    pub kind: String,
    pub label: String,
    pub issued_at: i64,
    /// Where to download it (the page's link).
    pub href: String,
}

/// One of the structure's trainees in a module.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct SpaceTrainee {
    pub participant_id: i64,
    pub name: String,
    /// Minutes followed, from the closed sheets.
    pub attended_minutes: i64,
    pub attended: String,
    pub certificates: Vec<SpaceCertificate>,
}

/// The satisfaction of the group, for a module.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct SpaceSurvey {
    pub title: String,
    pub invited: usize,
    pub answered: usize,
    /// Average mark out of 5.
    pub satisfaction: Option<f64>,
    pub satisfaction_text: String,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct SpaceModule {
    pub cycle_module_id: i64,
    pub title: String,
    pub planned_minutes: i64,
    pub planned: String,
    pub trainees: Vec<SpaceTrainee>,
    pub surveys: Vec<SpaceSurvey>,
    /// The structure's people, before the training and at its end, objective by objective
    /// (averages, never a person's answers).
    pub progress: Option<crate::assessment::service::StructureProgress>,
    #[serde(skip)]
    pub progress_chart: String,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct SpaceCycle {
    pub id: i64,
    pub title: String,
    pub phase: String,
    pub modules: Vec<SpaceModule>,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct SpaceQuote {
    pub id: i64,
    pub number: String,
    pub title: String,
    pub status: crate::quote::Status,
    pub status_label: String,
    #[schema(value_type = String)]
    pub total_ttc: rust_decimal::Decimal,
    pub total_text: String,
    pub sent_at: Option<i64>,
    pub convention_number: Option<String>,
}

/// An invoice or credit note addressed to the structure (the OPCO's invoices are the OPCO's).
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct SpaceInvoice {
    pub id: i64,
    pub number: String,
    pub kind_label: String,
    #[schema(value_type = String, format = Date)]
    pub issue_date: chrono::NaiveDate,
    #[schema(value_type = String, format = Date)]
    pub due_date: chrono::NaiveDate,
    #[schema(value_type = String)]
    pub total_ttc: rust_decimal::Decimal,
    pub total_text: String,
    /// What is still due on it.
    #[schema(value_type = String)]
    pub balance: rust_decimal::Decimal,
    pub balance_text: String,
    pub overdue: bool,
}

/// Everything a client contact may see.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Documents {
    pub client_name: String,
    pub cycles: Vec<SpaceCycle>,
    pub quotes: Vec<SpaceQuote>,
    pub invoices: Vec<SpaceInvoice>,
    /// What the structure still owes, all invoices together.
    #[schema(value_type = String)]
    pub due: rust_decimal::Decimal,
    pub due_text: String,
}

/// The structure's own invoices and credit notes, newest first, settled.
async fn invoices_of(s: &AppState, org: i64, client: i64) -> Result<Vec<crate::invoice::store::Invoice>, AppError> {
    let mut list: Vec<_> = crate::invoice::store::all(&s.db, org)
        .await?
        .into_iter()
        .filter(|i| i.client_id == client && i.payer == crate::invoice::Payer::Client)
        .collect();
    list.reverse();
    Ok(list)
}

pub async fn documents(s: &AppState, org: i64, client: i64) -> Result<Documents, AppError> {
    let client_name = crate::client::store::get(&s.db, org, client).await?.name;
    let mut out = Vec::new();
    for c in cycles::of_client(&s.db, org, client).await? {
        let mut modules = Vec::new();
        for m in cycles::modules(&s.db, org, c.id).await?.into_iter().filter(|m| m.kind.is_training()) {
            let ma = module_attendance(&s.db, org, c.id, m.id).await?;
            let mut trainees = Vec::new();
            for p in ma.people.iter().filter(|p| p.client_id == Some(client)) {
                let mut certificates = Vec::new();
                for (kind, _) in crate::attendance::certificates::KINDS {
                    if let Some(cert) = crate::attendance::store::certificate(&s.db, org, m.id, p.id, kind).await? {
                        certificates.push(SpaceCertificate {
                            kind: kind.to_string(),
                            label: if kind == "realisation" {
                                "Certificat de réalisation".into()
                            } else {
                                "Attestation de fin de formation".into()
                            },
                            issued_at: cert.issued_at,
                            href: format!("/mes-documents/{}/{}/{}/{kind}", c.id, m.id, p.id),
                        });
                    }
                }
                let attended = ma.attended(p.id);
                trainees.push(SpaceTrainee {
                    participant_id: p.id,
                    name: p.full_name(),
                    attended_minutes: attended,
                    attended: hours_text(attended),
                    certificates,
                });
            }
            // The group's results: aggregated, never a person's answers.
            let (groups, _) = crate::survey::web::module_results(s, org, m.id).await?;
            let surveys = groups
                .iter()
                .filter(|g| g.audience != crate::survey::Audience::Intervenant)
                .map(|g| SpaceSurvey {
                    title: g.title(),
                    invited: g.invited,
                    answered: g.answered,
                    satisfaction: g.satisfaction,
                    satisfaction_text: g.satisfaction_text(),
                })
                .collect();
            let progress = crate::assessment::service::structure_progress(s, org, &c, m.id, client).await?;
            let progress_chart = progress
                .as_ref()
                .map(|p| {
                    crate::assessment::web::progress_chart(
                        &format!("progres-{}", m.id),
                        &format!("Vos équipes : {}, avant et après", m.title),
                        &p.objectives,
                    )
                })
                .unwrap_or_default();
            modules.push(SpaceModule {
                cycle_module_id: m.id,
                title: m.title.clone(),
                planned_minutes: ma.planned_minutes(),
                planned: hours_text(ma.planned_minutes()),
                trainees,
                surveys,
                progress,
                progress_chart,
            });
        }
        out.push(SpaceCycle { id: c.id, title: c.title.clone(), phase: c.status.short().to_string(), modules });
    }
    let quotes = crate::quote::store::of_client(&s.db, org, client)
        .await?
        .into_iter()
        .filter(|q| q.status != crate::quote::Status::Draft)
        .map(|q| SpaceQuote {
            id: q.id,
            number: q.number.clone(),
            title: q.title.clone(),
            status: q.status,
            status_label: q.status.label().to_string(),
            total_ttc: q.total_ttc,
            total_text: crate::money::euros(q.total_ttc),
            sent_at: q.sent_at,
            convention_number: q.convention_number.clone(),
        })
        .collect();
    let today = crate::invoice::service::day_of(s.now());
    let invoices: Vec<SpaceInvoice> = invoices_of(s, org, client)
        .await?
        .into_iter()
        .map(|i| SpaceInvoice {
            overdue: crate::invoice::is_overdue(i.due_date, i.balance, today),
            id: i.id,
            kind_label: i.kind.label().to_string(),
            issue_date: i.issue_date,
            due_date: i.due_date,
            total_text: crate::money::euros(i.total_ttc),
            total_ttc: i.total_ttc,
            balance_text: crate::money::euros(i.balance),
            balance: i.balance,
            number: i.number,
        })
        .collect();
    let due: rust_decimal::Decimal = invoices.iter().map(|i| i.balance).sum();
    Ok(Documents { client_name, cycles: out, quotes, invoices, due_text: crate::money::euros(due), due })
}

#[derive(Template)]
#[template(path = "client/space.html")]
struct SpacePage {
    ctx: PageCtx,
    docs: Documents,
}

/// `GET /mes-documents`
pub async fn page(ctx: PageCtx, user: CurrentUser, State(s): State<AppState>) -> Result<Response, AppError> {
    let (org, client) = contact_of(&s, &user).await?;
    render(&SpacePage { ctx, docs: documents(&s, org, client).await? })
}

/// The documents of the client contact's structure.
#[utoipa::path(get, path = "/api/v1/my/documents", tag = "client space",
    responses((status = 200, body = Documents), (status = 403, body = crate::error::ErrorBody)))]
pub async fn api_documents(user: CurrentUser, State(s): State<AppState>) -> Result<Json<Documents>, AppError> {
    let (org, client) = contact_of(&s, &user).await?;
    Ok(Json(documents(&s, org, client).await?))
}

/// A quote of the structure that was sent to it (never a draft).
async fn own_quote(s: &AppState, user: &CurrentUser, id: i64) -> Result<(i64, crate::quote::store::Quote), AppError> {
    let (org, client) = contact_of(s, user).await?;
    let q = crate::quote::store::get(&s.db, org, id).await?;
    if q.client_id != client || q.status == crate::quote::Status::Draft {
        return Err(AppError::NotFound);
    }
    Ok((org, q))
}

/// `GET /mes-documents/devis/{id}/pdf` and `GET /api/v1/my/quotes/{id}/pdf`
#[utoipa::path(get, path = "/api/v1/my/quotes/{id}/pdf", tag = "client space", params(("id" = i64, Path)),
    responses((status = 200, content_type = "application/pdf", body = Vec<u8>), (status = 404, body = crate::error::ErrorBody)))]
pub async fn quote_pdf(
    user: CurrentUser,
    State(s): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let (org, q) = own_quote(&s, &user, id).await?;
    crate::quote::web::quote_pdf_of(&s, org, q.id, None).await
}

/// `GET /mes-documents/devis/{id}/convention` and `GET /api/v1/my/quotes/{id}/convention`
#[utoipa::path(get, path = "/api/v1/my/quotes/{id}/convention", tag = "client space", params(("id" = i64, Path)),
    responses((status = 200, content_type = "application/pdf", body = Vec<u8>), (status = 404, body = crate::error::ErrorBody),
        (status = 409, body = crate::error::ErrorBody)))]
pub async fn convention_pdf(
    user: CurrentUser,
    State(s): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let (org, q) = own_quote(&s, &user, id).await?;
    crate::quote::web::convention_of(&s, org, q.id).await
}

/// `GET /mes-documents/factures/{id}/pdf` and `GET /api/v1/my/invoices/{id}/pdf`: an invoice or credit
/// note of the structure, as Factur-X.
#[utoipa::path(get, path = "/api/v1/my/invoices/{id}/pdf", tag = "client space", params(("id" = i64, Path)),
    responses((status = 200, content_type = "application/pdf", body = Vec<u8>), (status = 404, body = crate::error::ErrorBody)))]
pub async fn invoice_pdf(
    user: CurrentUser,
    State(s): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let (org, client) = contact_of(&s, &user).await?;
    let i = crate::invoice::store::get(&s.db, org, id).await?;
    if i.client_id != client || i.payer != crate::invoice::Payer::Client {
        return Err(AppError::NotFound);
    }
    crate::invoice::api::pdf_response(&s, org, id).await
}
