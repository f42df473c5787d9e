//! `/api/v1/me` and `/api/v1/users`: the JSON twin of the account and user pages.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

use crate::auth::store::{self, ApiToken};
use crate::auth::web::{NewUserForm, PasswordForm, add_user, checked_new_password};
use crate::auth::{CurrentUser, Role, UserView, random_token};
use crate::error::{AppError, ErrorBody};
use crate::extract::{Json, Path};
use crate::state::AppState;

/// The caller.
#[utoipa::path(get, path = "/api/v1/me", tag = "account", responses((status = 200, body = UserView), (status = 401, body = ErrorBody)))]
pub async fn me(user: CurrentUser) -> Json<UserView> {
    Json(UserView::from(&user.user))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct PasswordChange {
    pub current: String,
    pub password: String,
}

/// Change the caller's password (other sessions end).
#[utoipa::path(post, path = "/api/v1/me/password", tag = "account", request_body = PasswordChange,
    responses((status = 204), (status = 422, body = ErrorBody)))]
pub async fn change_password(
    user: CurrentUser,
    State(s): State<AppState>,
    Json(b): Json<PasswordChange>,
) -> Result<StatusCode, AppError> {
    let form = PasswordForm { current: b.current, password: b.password.clone(), confirm: b.password };
    let hash = checked_new_password(&user.user, &form).await?;
    store::set_password(&s.db, user.id(), &hash).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The caller's API tokens (never their secret).
#[utoipa::path(get, path = "/api/v1/me/tokens", tag = "account", responses((status = 200, body = Vec<ApiToken>)))]
pub async fn list_tokens(user: CurrentUser, State(s): State<AppState>) -> Result<Json<Vec<ApiToken>>, AppError> {
    Ok(Json(store::list_tokens(&s.db, user.id()).await?))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct NewToken {
    pub name: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct CreatedToken {
    #[serde(flatten)]
    pub info: ApiToken,
    /// The secret, shown once.
    pub token: String,
}

/// Create an API token.
#[utoipa::path(post, path = "/api/v1/me/tokens", tag = "account", request_body = NewToken,
    responses((status = 201, body = CreatedToken), (status = 422, body = ErrorBody)))]
pub async fn create_token(
    user: CurrentUser,
    State(s): State<AppState>,
    Json(b): Json<NewToken>,
) -> Result<Response, AppError> {
    let mut e = crate::error::FieldErrors::new();
    let name = crate::text::check_text(&mut e, "name", &b.name, true, 100);
    e.into_result(())?;
    let token = random_token();
    let info = store::create_token(&s.db, user.id(), &name, &token).await?;
    Ok((StatusCode::CREATED, Json(CreatedToken { info, token })).into_response())
}

/// Revoke one of the caller's tokens.
#[utoipa::path(delete, path = "/api/v1/me/tokens/{id}", tag = "account", params(("id" = i64, Path)),
    responses((status = 204), (status = 404, body = ErrorBody)))]
pub async fn delete_token(
    user: CurrentUser,
    State(s): State<AppState>,
    Path(id): Path<i64>,
) -> Result<StatusCode, AppError> {
    if store::delete_token(&s.db, user.id(), id).await? { Ok(StatusCode::NO_CONTENT) } else { Err(AppError::NotFound) }
}

/// The users the caller manages: the organisation's (coordinators) or every one (network admin).
#[utoipa::path(get, path = "/api/v1/users", tag = "users", responses((status = 200, body = Vec<UserView>), (status = 403, body = ErrorBody)))]
pub async fn list_users(user: CurrentUser, State(s): State<AppState>) -> Result<Json<Vec<UserView>>, AppError> {
    let scope = if user.is_admin() { None } else { Some(user.coordinator_org()?) };
    Ok(Json(store::list_users(&s.db, scope).await?.iter().map(UserView::from).collect()))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct NewUser {
    pub name: String,
    pub email: String,
    pub role: Role,
    /// For the network admin only: the organisation of the new user.
    pub org_id: Option<i64>,
    /// Initial password; without one, a link to choose it is returned.
    pub password: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct CreatedUser {
    pub user: UserView,
    /// The link to choose a password, when none was given (valid 48 hours).
    pub password_link: Option<String>,
}

/// Create a user.
#[utoipa::path(post, path = "/api/v1/users", tag = "users", request_body = NewUser,
    responses((status = 201, body = CreatedUser), (status = 422, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn create_user(
    user: CurrentUser,
    State(s): State<AppState>,
    Json(b): Json<NewUser>,
) -> Result<Response, AppError> {
    let form = NewUserForm {
        name: b.name,
        email: b.email,
        role: b.role.as_str().into(),
        org_id: b.org_id.map(|i| i.to_string()).unwrap_or_default(),
        password: b.password.unwrap_or_default(),
    };
    let (created, link) = add_user(&s, &user, &form).await?;
    Ok((StatusCode::CREATED, Json(CreatedUser { user: UserView::from(&created), password_link: link })).into_response())
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ResetLink {
    pub password_link: String,
}

/// Issue a link with which a user chooses a new password (valid 48 hours).
#[utoipa::path(post, path = "/api/v1/users/{id}/reset-token", tag = "users", params(("id" = i64, Path)),
    responses((status = 201, body = ResetLink), (status = 404, body = ErrorBody)))]
pub async fn issue_reset(
    user: CurrentUser,
    State(s): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let target = match if user.is_admin() { None } else { Some(user.coordinator_org()?) } {
        Some(org) => store::user_in_org(&s.db, org, id).await?,
        None => store::user_by_id(&s.db, id).await?.ok_or(AppError::NotFound)?,
    };
    let token = random_token();
    store::create_reset(&s.db, target.id, Some(user.id()), &token).await?;
    let link = format!("{}/reinitialiser/{token}", s.config.public_url());
    Ok((StatusCode::CREATED, Json(ResetLink { password_link: link })).into_response())
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct Active {
    pub active: bool,
}

/// Deactivate or reactivate a user.
#[utoipa::path(put, path = "/api/v1/users/{id}/active", tag = "users", params(("id" = i64, Path)), request_body = Active,
    responses((status = 200, body = UserView), (status = 404, body = ErrorBody), (status = 400, body = ErrorBody)))]
pub async fn set_active(
    user: CurrentUser,
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Json(b): Json<Active>,
) -> Result<Json<UserView>, AppError> {
    let target = match if user.is_admin() { None } else { Some(user.coordinator_org()?) } {
        Some(org) => store::user_in_org(&s.db, org, id).await?,
        None => store::user_by_id(&s.db, id).await?.ok_or(AppError::NotFound)?,
    };
    if target.id == user.id() {
        return Err(AppError::BadRequest("Vous ne pouvez pas désactiver votre propre compte.".into()));
    }
    store::set_active(&s.db, target.id, b.active).await?;
    let updated = store::user_by_id(&s.db, target.id).await?.ok_or(AppError::NotFound)?;
    Ok(Json(UserView::from(&updated)))
}
