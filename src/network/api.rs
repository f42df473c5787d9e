//! The network's API.

use super::service::*;
use super::store::*;
use super::*;

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

use crate::auth::Staff;
use crate::auth::{CurrentUser, Role};
use crate::cycle::extract::CycleOf;
use crate::error::AppError;
use crate::extract::{Json, Path};
use crate::state::AppState;

/// The territories of the network.
#[utoipa::path(get, path = "/api/v1/territories", tag = "network", responses((status = 200, body = Vec<Territory>)))]
pub async fn api_territories(user: CurrentUser, State(s): State<AppState>) -> Result<Json<Vec<Territory>>, AppError> {
    network_member(&user)?;
    Ok(Json(territories(&s.db).await?))
}

/// Create a territory (coordinators and the network admin).
#[utoipa::path(post, path = "/api/v1/territories", tag = "network", request_body = TerritoryForm, responses((status = 201, body = Vec<Territory>)))]
pub async fn api_create_territory(
    user: CurrentUser,
    State(s): State<AppState>,
    Json(b): Json<TerritoryForm>,
) -> Result<Response, AppError> {
    if !matches!(user.role(), Role::Coordinator | Role::Admin) {
        return Err(AppError::Forbidden);
    }
    do_create_territory(&s, user.user.org_id, &b).await?;
    Ok((StatusCode::CREATED, Json(territories(&s.db).await?)).into_response())
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct RetoursQuery {
    pub tag: String,
    pub territory: Option<i64>,
}

/// The retours d'expérience published in the network.
#[utoipa::path(get, path = "/api/v1/network/retours", tag = "network", params(("tag" = Option<String>, Query), ("territory" = Option<i64>, Query)), responses((status = 200, body = Vec<Retour>)))]
pub async fn api_retours(
    user: CurrentUser,
    State(s): State<AppState>,
    Query(q): Query<RetoursQuery>,
) -> Result<Json<Vec<Retour>>, AppError> {
    network_member(&user)?;
    Ok(Json(published(&s.db, Some(&q.tag), q.territory).await?))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct CycleNetwork {
    #[serde(flatten)]
    pub settings: Settings,
    pub retours: Vec<Retour>,
    pub matches: Vec<Match>,
    pub links: Vec<Link>,
}

pub(crate) async fn cycle_view(s: &AppState, org: i64, id: i64) -> Result<CycleNetwork, AppError> {
    Ok(CycleNetwork {
        settings: settings(&s.db, org, id).await?,
        retours: retours_of(&s.db, org, id).await?,
        matches: matches(&s.db, org, id).await?,
        links: links_of(&s.db, org, id).await?,
    })
}

/// A committee's place in the network: territory, visibility, retours, matches and mises en lien.
#[utoipa::path(get, path = "/api/v1/cycles/{id}/network", tag = "network", params(("id" = i64, Path)), responses((status = 200, body = CycleNetwork)))]
pub async fn api_cycle(
    CycleOf { org, .. }: CycleOf,
    State(s): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Json<CycleNetwork>, AppError> {
    Ok(Json(cycle_view(&s, org, id).await?))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct SettingsInput {
    pub territory_id: Option<i64>,
    #[serde(default)]
    pub visible: bool,
}

/// Set the territory and the visibility of a committee.
#[utoipa::path(put, path = "/api/v1/cycles/{id}/network", tag = "network", params(("id" = i64, Path)), request_body = SettingsInput, responses((status = 200, body = CycleNetwork)))]
pub async fn api_settings(
    CycleOf { org, .. }: CycleOf,
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Json(b): Json<SettingsInput>,
) -> Result<Json<CycleNetwork>, AppError> {
    set_settings(&s.db, org, id, &Settings { territory_id: b.territory_id, visible: b.visible }).await?;
    Ok(Json(cycle_view(&s, org, id).await?))
}

#[derive(Deserialize, Default, utoipa::ToSchema)]
#[serde(default)]
pub struct RetourInput {
    pub title: String,
    pub problem: String,
    pub done: String,
    #[serde(default)]
    pub result: String,
    pub tags: Vec<String>,
    #[serde(default)]
    pub published: bool,
}

/// Write a retour d'expérience (published at once when asked).
#[utoipa::path(post, path = "/api/v1/cycles/{id}/retours", tag = "network", params(("id" = i64, Path)), request_body = RetourInput, responses((status = 201, body = CycleNetwork)))]
pub async fn api_add_retour(
    CycleOf { org, .. }: CycleOf,
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Json(b): Json<RetourInput>,
) -> Result<Response, AppError> {
    let f = RetourForm {
        title: b.title,
        problem: b.problem,
        done: b.done,
        result: b.result,
        tags: b.tags.join(", "),
        publish: b.published.then(|| "1".to_string()),
    };
    do_add_retour(&s, org, id, &f).await?;
    Ok((StatusCode::CREATED, Json(cycle_view(&s, org, id).await?)).into_response())
}

/// Ask another committee for a mise en lien.
#[utoipa::path(post, path = "/api/v1/cycles/{id}/links", tag = "network", params(("id" = i64, Path)), request_body = LinkForm, responses((status = 201, body = CycleNetwork), (status = 422, body = crate::error::ErrorBody)))]
pub async fn api_request(
    Staff { org, .. }: Staff,
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Json(b): Json<LinkForm>,
) -> Result<Response, AppError> {
    do_request(&s, org, id, &b).await?;
    Ok((StatusCode::CREATED, Json(cycle_view(&s, org, id).await?)).into_response())
}

#[derive(Deserialize, Default, utoipa::ToSchema)]
#[serde(default)]
pub struct AnswerInput {
    pub accept: bool,
}

/// Accept or refuse a mise en lien asked of this committee.
#[utoipa::path(post, path = "/api/v1/cycles/{id}/links/{link}", tag = "network", params(("id" = i64, Path), ("link" = i64, Path)), request_body = AnswerInput, responses((status = 200, body = CycleNetwork)))]
pub async fn api_answer(
    Staff { org, .. }: Staff,
    State(s): State<AppState>,
    Path((id, lid)): Path<(i64, i64)>,
    Json(b): Json<AnswerInput>,
) -> Result<Json<CycleNetwork>, AppError> {
    do_answer(&s, org, id, lid, b.accept).await?;
    Ok(Json(cycle_view(&s, org, id).await?))
}
