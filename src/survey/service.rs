//! What the survey pages and API both do: answering a survey.

use std::collections::BTreeMap;

use crate::error::AppError;
use crate::state::AppState;
use crate::survey::check_answers;
use crate::survey::store;

/// Answers a survey (shared with the API).
pub async fn do_answer(s: &AppState, token: &str, given: &BTreeMap<String, String>) -> Result<(), AppError> {
    let inv = store::by_token(&s.db, token).await?;
    if inv.answered_at.is_some() {
        return Err(AppError::Conflict("Vous avez déjà répondu à ce questionnaire. Merci !".into()));
    }
    let tz = store::tz_of_module(&s.db, inv.cycle_module_id).await?;
    crate::survey::may_answer(s.now(), inv.opens_at, tz).map_err(AppError::Conflict)?;
    let answers = check_answers(&inv.questions, given).map_err(AppError::Invalid)?;
    store::respond(&s.db, &inv, &answers).await
}
