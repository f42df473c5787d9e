//! The outbox of an organisation: `/messages` and `GET /api/v1/outbox`, with retry and cancel.

use askama::Template;
use axum::Json;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::{Deserialize, Serialize};
use tower_sessions::Session;

use crate::audit::{Actor, Event};
use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::extract::Path;
use crate::mail::store::{self, OutboxCounts, OutboxMessage};
use crate::state::AppState;
use crate::web::{PageCtx, flash, render};

const PER_PAGE: i64 = 50;

#[derive(Deserialize, Default, utoipa::IntoParams)]
#[serde(default)]
pub struct OutboxQuery {
    /// `en-attente`, `envoyes`, `echecs` or `annules`; every message when absent.
    pub etat: Option<String>,
    pub page: Option<i64>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Outbox {
    /// Whether an SMTP server is configured: without one, every message waits.
    pub smtp_configured: bool,
    pub counts: OutboxCounts,
    pub total: i64,
    pub page: i64,
    pub per_page: i64,
    pub items: Vec<OutboxMessage>,
}

async fn load(s: &AppState, user: &CurrentUser, q: &OutboxQuery) -> Result<Outbox, AppError> {
    let org = user.coordinator_org()?;
    let page = q.page.unwrap_or(1).clamp(1, 1_000_000);
    let (items, total) = store::list(&s.db, org, q.etat.as_deref(), PER_PAGE, (page - 1) * PER_PAGE).await?;
    Ok(Outbox {
        smtp_configured: !s.config.smtp_url.is_empty(),
        counts: store::counts(&s.db, org).await?,
        total,
        page,
        per_page: PER_PAGE,
        items,
    })
}

#[derive(Template)]
#[template(path = "mail/outbox.html")]
struct OutboxPage {
    ctx: PageCtx,
    o: Outbox,
    etat: String,
    pages: i64,
}

/// `GET /messages`
pub async fn page(
    ctx: PageCtx,
    user: CurrentUser,
    State(s): State<AppState>,
    Query(q): Query<OutboxQuery>,
) -> Result<Response, AppError> {
    let o = load(&s, &user, &q).await?;
    let pages = ((o.total + PER_PAGE - 1) / PER_PAGE).max(1);
    render(&OutboxPage { ctx, o, etat: q.etat.unwrap_or_default(), pages })
}

/// The organisation's messages: recipient, subject, state (pending, retrying with the next attempt
/// and the last error, sent with its Message-ID, failed, cancelled).
#[utoipa::path(get, path = "/api/v1/outbox", tag = "outbox", params(OutboxQuery),
    responses((status = 200, body = Outbox), (status = 403, body = crate::error::ErrorBody)))]
pub async fn api_list(
    user: CurrentUser,
    State(s): State<AppState>,
    Query(q): Query<OutboxQuery>,
) -> Result<Json<Outbox>, AppError> {
    Ok(Json(load(&s, &user, &q).await?))
}

async fn act(s: &AppState, user: &CurrentUser, id: i64, retry: bool) -> Result<OutboxMessage, AppError> {
    let org = user.coordinator_org()?;
    let m = store::get(&s.db, org, id).await?;
    let now = s.now();
    if retry {
        store::retry(&s.db, org, id, now).await?;
    } else {
        store::cancel(&s.db, org, id, now).await?;
    }
    crate::audit::record(
        &s.db,
        Some(org),
        now,
        &Actor::user(user.id(), &user.user.name, user.role()),
        Event {
            action: if retry { "mail.retry" } else { "mail.cancel" },
            subject: "message",
            subject_id: Some(id),
            reason: "",
            details: format!("{} — {}", m.to, m.subject),
        },
    )
    .await?;
    store::get(&s.db, org, id).await
}

/// Try a message again now (a failed one, or one waiting for its next attempt).
#[utoipa::path(post, path = "/api/v1/outbox/{id}/retry", tag = "outbox", params(("id" = i64, Path)),
    responses((status = 200, body = OutboxMessage), (status = 404, body = crate::error::ErrorBody),
        (status = 409, body = crate::error::ErrorBody)))]
pub async fn api_retry(
    user: CurrentUser,
    State(s): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Json<OutboxMessage>, AppError> {
    Ok(Json(act(&s, &user, id, true).await?))
}

/// Cancel a message that has not been sent.
#[utoipa::path(post, path = "/api/v1/outbox/{id}/cancel", tag = "outbox", params(("id" = i64, Path)),
    responses((status = 200, body = OutboxMessage), (status = 404, body = crate::error::ErrorBody),
        (status = 409, body = crate::error::ErrorBody)))]
pub async fn api_cancel(
    user: CurrentUser,
    State(s): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Json<OutboxMessage>, AppError> {
    Ok(Json(act(&s, &user, id, false).await?))
}

/// `POST /messages/{id}/renvoyer` and `POST /messages/{id}/annuler`
pub async fn retry_page(
    user: CurrentUser,
    session: Session,
    State(s): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    page_action(&s, &user, &session, id, true).await
}

pub async fn cancel_page(
    user: CurrentUser,
    session: Session,
    State(s): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    page_action(&s, &user, &session, id, false).await
}

async fn page_action(
    s: &AppState,
    user: &CurrentUser,
    session: &Session,
    id: i64,
    retry: bool,
) -> Result<Response, AppError> {
    let msg = match act(s, user, id, retry).await {
        Ok(m) if retry => format!("Le message à {} repart dans la file d'envoi.", m.to),
        Ok(m) => format!("Le message à {} est annulé.", m.to),
        Err(AppError::Conflict(m)) => m,
        Err(e) => return Err(e),
    };
    flash(session, msg).await;
    Ok((StatusCode::SEE_OTHER, Redirect::to("/messages")).into_response())
}
