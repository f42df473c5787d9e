//! The organisation's audit trail: the page `/journal` and `GET /api/v1/audit`.

use askama::Template;
use axum::Json;
use axum::extract::{Query, State};
use axum::response::Response;
use serde::{Deserialize, Serialize};

use crate::audit::AuditEntry;
use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::state::AppState;
use crate::web::{PageCtx, render};

const PER_PAGE: i64 = 50;

#[derive(Deserialize, Default, utoipa::IntoParams)]
#[serde(default)]
pub struct AuditQuery {
    /// Page number, from 1.
    pub page: Option<i64>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct AuditPage {
    pub total: i64,
    pub page: i64,
    pub per_page: i64,
    pub items: Vec<AuditEntry>,
}

async fn load(s: &AppState, user: &CurrentUser, q: &AuditQuery) -> Result<AuditPage, AppError> {
    let org = user.coordinator_org()?;
    let page = q.page.unwrap_or(1).clamp(1, 1_000_000);
    let (items, total) = crate::audit::list(&s.db, org, PER_PAGE, (page - 1) * PER_PAGE).await?;
    Ok(AuditPage { total, page, per_page: PER_PAGE, items })
}

#[derive(Template)]
#[template(path = "audit/list.html")]
struct ListPage {
    ctx: PageCtx,
    p: AuditPage,
    pages: i64,
}

/// `GET /journal`
pub async fn page(
    ctx: PageCtx,
    user: CurrentUser,
    State(s): State<AppState>,
    Query(q): Query<AuditQuery>,
) -> Result<Response, AppError> {
    let p = load(&s, &user, &q).await?;
    let pages = ((p.total + PER_PAGE - 1) / PER_PAGE).max(1);
    render(&ListPage { ctx, p, pages })
}

/// The organisation's audit trail, newest first: cancellations, corrections, late entries, issued
/// certificates, exports and erasures of personal data.
#[utoipa::path(get, path = "/api/v1/audit", tag = "audit", params(AuditQuery),
    responses((status = 200, body = AuditPage), (status = 403, body = crate::error::ErrorBody)))]
pub async fn api_list(
    user: CurrentUser,
    State(s): State<AppState>,
    Query(q): Query<AuditQuery>,
) -> Result<Json<AuditPage>, AppError> {
    Ok(Json(load(&s, &user, &q).await?))
}
