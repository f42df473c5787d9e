//! Who is asking: the [`CurrentUser`] extractor, from a bearer token or from the session.

use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;

use crate::auth::backend::AuthSession;
use crate::auth::{Role, User, store};
use crate::error::AppError;
use crate::state::AppState;

/// The authenticated person making the request.
#[derive(Clone, Debug)]
pub struct CurrentUser {
    pub user: User,
    /// True when authenticated by an API token rather than the session cookie.
    pub via_token: bool,
}

impl CurrentUser {
    pub fn id(&self) -> i64 {
        self.user.id
    }

    pub fn role(&self) -> Role {
        self.user.role()
    }

    pub fn is_admin(&self) -> bool {
        self.role() == Role::Admin
    }

    /// The organisation whose data this user works on; the network admin has none.
    pub fn org_id(&self) -> Result<i64, AppError> {
        self.user.org_id.ok_or(AppError::Forbidden)
    }

    /// The organisation of a coordinator or an intervenant (readers of the organisation's records).
    pub fn staff_org(&self) -> Result<i64, AppError> {
        if self.role().is_staff() { self.org_id() } else { Err(AppError::Forbidden) }
    }

    /// The organisation of a coordinator (who may change the organisation's records).
    pub fn coordinator_org(&self) -> Result<i64, AppError> {
        if self.role() == Role::Coordinator { self.org_id() } else { Err(AppError::Forbidden) }
    }

    pub fn require_admin(&self) -> Result<(), AppError> {
        if self.is_admin() { Ok(()) } else { Err(AppError::Forbidden) }
    }
}

impl FromRequestParts<AppState> for CurrentUser {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        if let Some(found) = parts.extensions.get::<CurrentUser>() {
            return Ok(found.clone());
        }
        let found = if let Some(value) = parts.headers.get(AUTHORIZATION) {
            let token = value
                .to_str()
                .ok()
                .and_then(|v| v.strip_prefix("Bearer "))
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .ok_or(AppError::Unauthorized)?;
            let user = store::user_by_token(&state.db, token).await?.ok_or(AppError::Unauthorized)?;
            CurrentUser { user, via_token: true }
        } else {
            let auth = AuthSession::from_request_parts(parts, state)
                .await
                .map_err(|_| AppError::Internal(anyhow::anyhow!("auth layer missing")))?;
            let user = auth.user.ok_or(AppError::Unauthorized)?;
            CurrentUser { user, via_token: false }
        };
        parts.extensions.insert(found.clone());
        Ok(found)
    }
}

/// A coordinator or an intervenant, with their organisation: the extractor of every handler that
/// reads the organisation's records (anyone else is refused, 403, before the handler runs).
#[derive(Clone, Debug)]
pub struct Staff {
    pub user: CurrentUser,
    pub org: i64,
}

impl FromRequestParts<AppState> for Staff {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let user = CurrentUser::from_request_parts(parts, state).await?;
        let org = user.staff_org()?;
        Ok(Staff { user, org })
    }
}

/// The user when there is one (pages that also show to visitors).
pub struct MaybeUser(pub Option<CurrentUser>);

impl FromRequestParts<AppState> for MaybeUser {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        match CurrentUser::from_request_parts(parts, state).await {
            Ok(u) => Ok(MaybeUser(Some(u))),
            Err(AppError::Unauthorized) => Ok(MaybeUser(None)),
            Err(e) => Err(e),
        }
    }
}
