//! A cycle of the organisation, taken from the route's `{id}`: the extractor of the handlers that
//! work on one cycle. Only the team (a coordinator or an intervenant) passes; a cycle of another
//! organisation, or a malformed id, is "not found" before the handler runs.

use axum::extract::{FromRequestParts, RawPathParams};
use axum::http::request::Parts;

use crate::auth::{CurrentUser, Staff};
use crate::cycle::store::{self, Cycle};
use crate::error::AppError;
use crate::state::AppState;

pub struct CycleOf {
    pub user: CurrentUser,
    pub org: i64,
    pub cycle: Cycle,
}

impl FromRequestParts<AppState> for CycleOf {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let Staff { user, org } = Staff::from_request_parts(parts, state).await?;
        let params = RawPathParams::from_request_parts(parts, state).await.map_err(|_| AppError::NotFound)?;
        let id = params
            .iter()
            .find(|(name, _)| *name == "id")
            .and_then(|(_, value)| value.parse::<i64>().ok())
            .ok_or(AppError::NotFound)?;
        let cycle = store::get(&state.db, org, id).await?;
        Ok(CycleOf { user, org, cycle })
    }
}
