//! `/api/v1/organisation` and `/api/v1/admin/organisations`.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

use crate::auth::CurrentUser;
use crate::error::{AppError, ErrorBody};
use crate::extract::Json;
use crate::org::{OrgInput, Organisation, store};
use crate::state::AppState;

/// The caller's organisation.
#[utoipa::path(get, path = "/api/v1/organisation", tag = "organisation", responses((status = 200, body = Organisation), (status = 403, body = ErrorBody)))]
pub async fn get_own(user: CurrentUser, State(s): State<AppState>) -> Result<Json<Organisation>, AppError> {
    Ok(Json(store::get(&s.db, user.staff_org()?).await?))
}

/// Change the caller's organisation (coordinators).
#[utoipa::path(put, path = "/api/v1/organisation", tag = "organisation", request_body = OrgInput,
    responses((status = 200, body = Organisation), (status = 422, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn update_own(
    user: CurrentUser,
    State(s): State<AppState>,
    Json(input): Json<OrgInput>,
) -> Result<Json<Organisation>, AppError> {
    let org = user.coordinator_org()?;
    let clean = input.validate().map_err(AppError::Invalid)?;
    Ok(Json(store::update(&s.db, org, &clean).await?))
}

/// An organisation in the admin's list.
#[derive(Serialize, utoipa::ToSchema)]
pub struct OrgSummary {
    #[serde(flatten)]
    pub organisation: Organisation,
    pub users: i64,
}

/// Every organisation of the instance (network admin).
#[utoipa::path(get, path = "/api/v1/admin/organisations", tag = "admin", responses((status = 200, body = Vec<OrgSummary>), (status = 403, body = ErrorBody)))]
pub async fn admin_list(user: CurrentUser, State(s): State<AppState>) -> Result<Json<Vec<OrgSummary>>, AppError> {
    user.require_admin()?;
    Ok(Json(
        store::list(&s.db).await?.into_iter().map(|(organisation, users)| OrgSummary { organisation, users }).collect(),
    ))
}

/// A new organisation and its first coordinator.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct NewOrganisation {
    pub organisation: OrgInput,
    pub coordinator_name: String,
    pub coordinator_email: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct CreatedOrganisation {
    pub organisation: Organisation,
    /// The link the coordinator opens to choose a password (valid 48 hours, shown once).
    pub coordinator_password_link: String,
}

/// Create an organisation (with the ACUNUM catalogue) and its first coordinator (network admin).
#[utoipa::path(post, path = "/api/v1/admin/organisations", tag = "admin", request_body = NewOrganisation,
    responses((status = 201, body = CreatedOrganisation), (status = 422, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn admin_create(
    user: CurrentUser,
    State(s): State<AppState>,
    Json(input): Json<NewOrganisation>,
) -> Result<Response, AppError> {
    user.require_admin()?;
    let (organisation, link) = super::web::create_org_with_coordinator(
        &s,
        &input.organisation,
        &input.coordinator_name,
        &input.coordinator_email,
        Some(user.id()),
    )
    .await?;
    Ok((StatusCode::CREATED, Json(CreatedOrganisation { organisation, coordinator_password_link: link }))
        .into_response())
}
