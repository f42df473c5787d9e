//! `/api/v1/intervenants`: the JSON twin of the intervenant pages.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use crate::auth::CurrentUser;
use crate::auth::Staff;
use crate::error::{AppError, ErrorBody};
use crate::extract::{Json, Path, Query};
use crate::intervenant::store::{self, Filters};
use crate::intervenant::{Intervenant, IntervenantInput};
use crate::state::AppState;
use crate::web::list::{ListParams, Listing, Page, csv_bytes, csv_response};

/// List the organisation's intervenants (search; filters `role` = mediator|animator and `sector`;
/// sort by `name`, `city`, `rate` or `created`; paging). With `Accept: text/csv`, a CSV file.
#[utoipa::path(get, path = "/api/v1/intervenants", tag = "intervenants", params(ListParams, Filters),
    responses((status = 200, description = "A page of the list, or with `Accept: text/csv` the list as a CSV file", content((Page<Intervenant> = "application/json"), (String = "text/csv"))), (status = 401, body = ErrorBody)))]
pub async fn list(
    Staff { org, .. }: Staff,
    State(s): State<AppState>,
    Query(p): Query<ListParams>,
    Query(q): Query<Vec<(String, String)>>,
    headers: axum::http::HeaderMap,
) -> Result<Response, AppError> {
    let (_, f) = super::web::parse_query(&q);
    let l = Listing::checked(&p, &store::SORT)?;
    if headers.get(axum::http::header::ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|v| v.contains("text/csv")) {
        let items = store::all(&s.db, org, &l, &f).await?;
        return Ok(csv_response(
            "intervenants.csv",
            csv_bytes(&super::web::CSV_HEADERS, items.iter().map(super::web::csv_row)),
        ));
    }
    let (items, total) = store::list(&s.db, org, &l, &f).await?;
    Ok(Json(Page { items, total, page: l.page, per_page: l.per_page }).into_response())
}

/// Create an intervenant.
#[utoipa::path(post, path = "/api/v1/intervenants", tag = "intervenants", request_body = IntervenantInput,
    responses((status = 201, body = Intervenant), (status = 422, body = ErrorBody), (status = 400, body = ErrorBody)))]
pub async fn create(
    user: CurrentUser,
    State(s): State<AppState>,
    Json(input): Json<IntervenantInput>,
) -> Result<Response, AppError> {
    let org = user.coordinator_org()?;
    let input = input.validate().map_err(AppError::Invalid)?;
    let i = store::create(&s.db, org, &input).await?;
    Ok((StatusCode::CREATED, Json(i)).into_response())
}

/// One intervenant.
#[utoipa::path(get, path = "/api/v1/intervenants/{id}", tag = "intervenants", params(("id" = i64, Path)),
    responses((status = 200, body = Intervenant), (status = 404, body = ErrorBody)))]
pub async fn get_one(
    Staff { org, .. }: Staff,
    State(s): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Json<Intervenant>, AppError> {
    Ok(Json(store::get(&s.db, org, id).await?))
}

/// Replace an intervenant's fields.
#[utoipa::path(put, path = "/api/v1/intervenants/{id}", tag = "intervenants", params(("id" = i64, Path)), request_body = IntervenantInput,
    responses((status = 200, body = Intervenant), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update(
    user: CurrentUser,
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Json(input): Json<IntervenantInput>,
) -> Result<Json<Intervenant>, AppError> {
    let org = user.coordinator_org()?;
    store::get(&s.db, org, id).await?;
    let input = input.validate().map_err(AppError::Invalid)?;
    Ok(Json(store::update(&s.db, org, id, &input).await?))
}

/// Delete an intervenant.
#[utoipa::path(delete, path = "/api/v1/intervenants/{id}", tag = "intervenants", params(("id" = i64, Path)),
    responses((status = 204), (status = 404, body = ErrorBody)))]
pub async fn delete(user: CurrentUser, State(s): State<AppState>, Path(id): Path<i64>) -> Result<StatusCode, AppError> {
    let org = user.coordinator_org()?;
    crate::intervenant::service::delete(&s, org, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The account created or linked for a record.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct AccountLink {
    pub user: crate::auth::UserView,
    pub created: bool,
    /// Where the person chooses their password (valid 48 hours; also sent by e-mail).
    pub reset_link: String,
}

impl From<crate::auth::accounts::Linked> for AccountLink {
    fn from(l: crate::auth::accounts::Linked) -> Self {
        AccountLink { user: crate::auth::UserView::from(&l.user), created: l.created, reset_link: l.reset_link }
    }
}

/// Create (or link) the account of an intervenant record, and send the invitation e-mail.
#[utoipa::path(post, path = "/api/v1/intervenants/{id}/account", tag = "intervenants", params(("id" = i64, Path)),
    responses((status = 200, body = AccountLink), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn invite(
    user: CurrentUser,
    State(s): State<AppState>,
    Path(id): Path<i64>,
) -> Result<axum::Json<AccountLink>, AppError> {
    Ok(axum::Json(crate::intervenant::service::invite(&s, &user, id).await?.into()))
}
