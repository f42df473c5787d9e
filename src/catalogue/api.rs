//! `/api/v1/modules`: the JSON twin of the catalogue pages.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use crate::auth::CurrentUser;
use crate::auth::Staff;
use crate::catalogue::{Module, ModuleContent, ModuleKind, ModuleVersion, store};
use crate::error::{AppError, ErrorBody};
use crate::extract::{Json, Path};
use crate::state::AppState;

/// A new module: its kind and its content.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct NewModule {
    pub kind: ModuleKind,
    pub content: ModuleContent,
}

/// Publication state of a module.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct ModuleState {
    pub published: bool,
    pub archived: bool,
}

/// The catalogue, archived modules included.
#[utoipa::path(get, path = "/api/v1/modules", tag = "catalogue", responses((status = 200, body = Vec<Module>), (status = 401, body = ErrorBody)))]
pub async fn list(Staff { org, .. }: Staff, State(s): State<AppState>) -> Result<Json<Vec<Module>>, AppError> {
    Ok(Json(store::list(&s.db, org, true).await?))
}

/// Add a module to the catalogue.
#[utoipa::path(post, path = "/api/v1/modules", tag = "catalogue", request_body = NewModule,
    responses((status = 201, body = Module), (status = 422, body = ErrorBody), (status = 400, body = ErrorBody)))]
pub async fn create(
    user: CurrentUser,
    State(s): State<AppState>,
    Json(input): Json<NewModule>,
) -> Result<Response, AppError> {
    let org = user.coordinator_org()?;
    let content = input.content.validate(input.kind).map_err(AppError::Invalid)?;
    let m = store::create(&s.db, org, input.kind, &content, None, Some(user.id())).await?;
    Ok((StatusCode::CREATED, Json(m)).into_response())
}

/// One module with its current content.
#[utoipa::path(get, path = "/api/v1/modules/{id}", tag = "catalogue", params(("id" = i64, Path)),
    responses((status = 200, body = Module), (status = 404, body = ErrorBody)))]
pub async fn get_one(
    Staff { org, .. }: Staff,
    State(s): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Json<Module>, AppError> {
    Ok(Json(store::get(&s.db, org, id).await?))
}

/// Replace a module's content: writes a new version when something changed.
#[utoipa::path(put, path = "/api/v1/modules/{id}", tag = "catalogue", params(("id" = i64, Path)), request_body = ModuleContent,
    responses((status = 200, body = Module), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update(
    user: CurrentUser,
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Json(content): Json<ModuleContent>,
) -> Result<Json<Module>, AppError> {
    let org = user.coordinator_org()?;
    let current = store::get(&s.db, org, id).await?;
    let content = content.validate(current.kind).map_err(AppError::Invalid)?;
    Ok(Json(store::update(&s.db, org, id, &content, Some(user.id())).await?))
}

/// Duplicate a module into a variant.
#[utoipa::path(post, path = "/api/v1/modules/{id}/duplicate", tag = "catalogue", params(("id" = i64, Path)),
    responses((status = 201, body = Module), (status = 404, body = ErrorBody)))]
pub async fn duplicate(
    user: CurrentUser,
    State(s): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let org = user.coordinator_org()?;
    let m = store::duplicate(&s.db, org, id, Some(user.id())).await?;
    Ok((StatusCode::CREATED, Json(m)).into_response())
}

/// Publish, unpublish or archive a module.
#[utoipa::path(put, path = "/api/v1/modules/{id}/state", tag = "catalogue", params(("id" = i64, Path)), request_body = ModuleState,
    responses((status = 200, body = Module), (status = 404, body = ErrorBody)))]
pub async fn set_state(
    user: CurrentUser,
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Json(st): Json<ModuleState>,
) -> Result<Json<Module>, AppError> {
    let org = user.coordinator_org()?;
    Ok(Json(store::set_flags(&s.db, org, id, st.published, st.archived).await?))
}

/// Every version of a module, newest first.
#[utoipa::path(get, path = "/api/v1/modules/{id}/versions", tag = "catalogue", params(("id" = i64, Path)),
    responses((status = 200, body = Vec<ModuleVersion>), (status = 404, body = ErrorBody)))]
pub async fn versions(
    Staff { org, .. }: Staff,
    State(s): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Json<Vec<ModuleVersion>>, AppError> {
    Ok(Json(store::versions(&s.db, org, id).await?))
}

/// One version of a module.
#[utoipa::path(get, path = "/api/v1/modules/{id}/versions/{version}", tag = "catalogue", params(("id" = i64, Path), ("version" = i64, Path)),
    responses((status = 200, body = ModuleVersion), (status = 404, body = ErrorBody)))]
pub async fn version(
    Staff { org, .. }: Staff,
    State(s): State<AppState>,
    Path((id, n)): Path<(i64, i64)>,
) -> Result<Json<ModuleVersion>, AppError> {
    Ok(Json(store::version(&s.db, org, id, n).await?))
}

/// The programme sheet of a module (current version) as a PDF.
#[utoipa::path(get, path = "/api/v1/modules/{id}/programme.pdf", tag = "catalogue", params(("id" = i64, Path)),
    responses((status = 200, content_type = "application/pdf", body = Vec<u8>), (status = 404, body = ErrorBody)))]
pub async fn programme_pdf(
    user: CurrentUser,
    State(s): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    super::web::programme_pdf(user, State(s), Path(id)).await
}
