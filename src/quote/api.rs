//! `/api/v1/quotes` and `/api/v1/quote-links`: the JSON twin of the quote pages.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

use crate::auth::CurrentUser;
use crate::auth::Staff;
use crate::auth::web::ClientIp;
use crate::error::{AppError, ErrorBody};
use crate::extract::{Json, Path, Query};
use crate::quote::pricing::Priced;
use crate::quote::store::{self, Quote, QuoteFilters, QuoteVersion};
use crate::quote::{QuoteInput, service};
use crate::state::AppState;
use crate::web::list::{ListParams, Listing, Page, csv_bytes, csv_response};

/// A quote with its current version.
#[derive(Serialize, utoipa::ToSchema)]
pub struct QuoteDetail {
    #[serde(flatten)]
    pub quote: Quote,
    pub current: QuoteVersion,
}

/// A quote just sent, with the link for the client (shown once).
#[derive(Serialize, utoipa::ToSchema)]
pub struct SentQuote {
    #[serde(flatten)]
    pub quote: Quote,
    pub client_link: String,
    /// The link was e-mailed to the client's contacts.
    pub mailed: bool,
}

async fn detail(s: &AppState, org: i64, q: Quote) -> Result<QuoteDetail, AppError> {
    let current = store::version(&s.db, org, q.id, q.version).await?;
    Ok(QuoteDetail { quote: q, current })
}

/// The organisation's quotes (search; filters `status` and `client_id`; sort by `number`, `client`,
/// `amount`, `status` or `created`). With `Accept: text/csv`, a CSV file of the page.
#[utoipa::path(get, path = "/api/v1/quotes", tag = "quotes", params(ListParams, QuoteFilters),
    responses((status = 200, description = "A page of the list, or with `Accept: text/csv` the list as a CSV file", content((Page<Quote> = "application/json"), (String = "text/csv"))), (status = 401, body = ErrorBody)))]
pub async fn list(
    Staff { org, .. }: Staff,
    State(s): State<AppState>,
    Query(p): Query<ListParams>,
    Query(f): Query<QuoteFilters>,
    headers: axum::http::HeaderMap,
) -> Result<Response, AppError> {
    let l = Listing::checked(&p, &store::SORT)?;
    let (items, total) = store::list(&s.db, org, &l, &f).await?;
    if headers.get(axum::http::header::ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|v| v.contains("text/csv")) {
        return Ok(csv_response(
            "devis.csv",
            csv_bytes(&super::web::CSV_HEADERS, items.iter().map(super::web::csv_row)),
        ));
    }
    Ok(Json(Page { items, total, page: l.page, per_page: l.per_page }).into_response())
}

/// Price a quote without saving it (the builder's live totals).
#[utoipa::path(post, path = "/api/v1/quotes/preview", tag = "quotes", request_body = QuoteInput,
    responses((status = 200, body = Priced), (status = 422, body = ErrorBody)))]
pub async fn preview(
    user: CurrentUser,
    State(s): State<AppState>,
    Json(input): Json<QuoteInput>,
) -> Result<Json<Priced>, AppError> {
    let org = user.coordinator_org()?;
    Ok(Json(service::prepare(&s.db, org, input, false).await?.1))
}

/// Create a quote (a draft numbered DEV-year-nnnn).
#[utoipa::path(post, path = "/api/v1/quotes", tag = "quotes", request_body = QuoteInput,
    responses((status = 201, body = QuoteDetail), (status = 422, body = ErrorBody)))]
pub async fn create(
    user: CurrentUser,
    State(s): State<AppState>,
    Json(input): Json<QuoteInput>,
) -> Result<Response, AppError> {
    let org = user.coordinator_org()?;
    let q = service::create(&s.db, org, user.id(), input).await?;
    Ok((StatusCode::CREATED, Json(detail(&s, org, q).await?)).into_response())
}

/// A quote and its current version.
#[utoipa::path(get, path = "/api/v1/quotes/{id}", tag = "quotes", params(("id" = i64, Path)),
    responses((status = 200, body = QuoteDetail), (status = 404, body = ErrorBody)))]
pub async fn get_one(
    Staff { org, .. }: Staff,
    State(s): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Json<QuoteDetail>, AppError> {
    let q = store::get(&s.db, org, id).await?;
    Ok(Json(detail(&s, org, q).await?))
}

/// Change a draft.
#[utoipa::path(put, path = "/api/v1/quotes/{id}", tag = "quotes", params(("id" = i64, Path)), request_body = QuoteInput,
    responses((status = 200, body = QuoteDetail), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update(
    user: CurrentUser,
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Json(input): Json<QuoteInput>,
) -> Result<Json<QuoteDetail>, AppError> {
    let org = user.coordinator_org()?;
    let q = service::update(&s.db, org, id, user.id(), input).await?;
    Ok(Json(detail(&s, org, q).await?))
}

/// Send a draft: returns the client's link.
#[utoipa::path(post, path = "/api/v1/quotes/{id}/send", tag = "quotes", params(("id" = i64, Path)),
    responses((status = 200, body = SentQuote), (status = 409, body = ErrorBody)))]
pub async fn send(
    user: CurrentUser,
    State(s): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Json<SentQuote>, AppError> {
    let org = user.coordinator_org()?;
    let (quote, client_link) = service::send(&s.db, org, id, &s.config.public_url()).await?;
    let mailed = service::mail_link(&s.db, org, &quote, &client_link).await?;
    Ok(Json(SentQuote { quote, client_link, mailed }))
}

/// Start a new version of a sent, refused or expired quote.
#[utoipa::path(post, path = "/api/v1/quotes/{id}/revise", tag = "quotes", params(("id" = i64, Path)),
    responses((status = 200, body = QuoteDetail), (status = 409, body = ErrorBody)))]
pub async fn revise(
    user: CurrentUser,
    State(s): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Json<QuoteDetail>, AppError> {
    let org = user.coordinator_org()?;
    let q = store::revise(&s.db, org, id, Some(user.id())).await?;
    Ok(Json(detail(&s, org, q).await?))
}

/// One version of a quote.
#[utoipa::path(get, path = "/api/v1/quotes/{id}/versions/{version}", tag = "quotes", params(("id" = i64, Path), ("version" = i64, Path)),
    responses((status = 200, body = QuoteVersion), (status = 404, body = ErrorBody)))]
pub async fn version(
    Staff { org, .. }: Staff,
    State(s): State<AppState>,
    Path((id, v)): Path<(i64, i64)>,
) -> Result<Json<QuoteVersion>, AppError> {
    Ok(Json(store::version(&s.db, org, id, v).await?))
}

/// The quote as a PDF.
#[utoipa::path(get, path = "/api/v1/quotes/{id}/pdf", tag = "quotes", params(("id" = i64, Path)),
    responses((status = 200, content_type = "application/pdf", body = Vec<u8>), (status = 404, body = ErrorBody)))]
pub async fn pdf(user: CurrentUser, State(s): State<AppState>, Path(id): Path<i64>) -> Result<Response, AppError> {
    super::web::pdf(user, State(s), Path(id)).await
}

/// The convention de formation of an accepted quote, as a PDF.
#[utoipa::path(get, path = "/api/v1/quotes/{id}/convention", tag = "quotes", params(("id" = i64, Path)),
    responses((status = 200, content_type = "application/pdf", body = Vec<u8>), (status = 409, body = ErrorBody)))]
pub async fn convention(
    user: CurrentUser,
    State(s): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    super::web::convention(user, State(s), Path(id)).await
}

/// What the client reads through the link.
#[derive(Serialize, utoipa::ToSchema)]
pub struct LinkedQuote {
    pub organisation: String,
    #[serde(flatten)]
    pub quote: Quote,
    pub current: QuoteVersion,
}

/// The quote behind a client's link (no account).
#[utoipa::path(get, path = "/api/v1/quote-links/{token}", tag = "quotes", params(("token" = String, Path)), security(()),
    responses((status = 200, body = LinkedQuote), (status = 400, body = ErrorBody)))]
pub async fn link_get(State(s): State<AppState>, Path(token): Path<String>) -> Result<Json<LinkedQuote>, AppError> {
    let (org, quote) = store::by_token(&s.db, &token).await?;
    let current = store::version(&s.db, org, quote.id, quote.version).await?;
    let organisation = crate::org::store::name_of(&s.db, org).await?.unwrap_or_default();
    Ok(Json(LinkedQuote { organisation, quote, current }))
}

/// The client's answer.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct Decision {
    /// Name and position of the person who answers.
    pub name: String,
}

async fn decide(s: &AppState, token: &str, accept: bool, name: &str, ip: &str) -> Result<Json<Quote>, AppError> {
    let name = service::check_decider(name)?;
    Ok(Json(store::decide(&s.db, token, accept, &name, ip).await?))
}

/// Accept the sent quote (the date, name and IP are recorded; the convention gets its number).
#[utoipa::path(post, path = "/api/v1/quote-links/{token}/accept", tag = "quotes", params(("token" = String, Path)), request_body = Decision, security(()),
    responses((status = 200, body = Quote), (status = 400, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn link_accept(
    ClientIp(ip): ClientIp,
    State(s): State<AppState>,
    Path(token): Path<String>,
    Json(d): Json<Decision>,
) -> Result<Json<Quote>, AppError> {
    decide(&s, &token, true, &d.name, &ip).await
}

/// Refuse the sent quote.
#[utoipa::path(post, path = "/api/v1/quote-links/{token}/refuse", tag = "quotes", params(("token" = String, Path)), request_body = Decision, security(()),
    responses((status = 200, body = Quote), (status = 400, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn link_refuse(
    ClientIp(ip): ClientIp,
    State(s): State<AppState>,
    Path(token): Path<String>,
    Json(d): Json<Decision>,
) -> Result<Json<Quote>, AppError> {
    decide(&s, &token, false, &d.name, &ip).await
}

/// The convention of an accepted quote, for the client.
#[utoipa::path(get, path = "/api/v1/quote-links/{token}/convention", tag = "quotes", params(("token" = String, Path)), security(()),
    responses((status = 200, content_type = "application/pdf", body = Vec<u8>), (status = 409, body = ErrorBody)))]
pub async fn link_convention(State(s): State<AppState>, Path(token): Path<String>) -> Result<Response, AppError> {
    super::decision::client_convention(State(s), Path(token)).await
}
