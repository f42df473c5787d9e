//! The home page: what the logged-in person has to do, by role.

use askama::Template;
use axum::extract::State;
use axum::response::Response;

use crate::auth::CurrentUser;
use crate::catalogue::Module;
use crate::error::AppError;
use crate::state::AppState;
use crate::web::{PageCtx, render};

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    ctx: PageCtx,
    modules: Vec<Module>,
    orgs: i64,
    users: i64,
}

pub async fn dashboard(ctx: PageCtx, user: CurrentUser, State(s): State<AppState>) -> Result<Response, AppError> {
    let (mut modules, mut orgs, mut users) = (Vec::new(), 0, 0);
    if user.is_admin() {
        orgs = crate::org::store::count(&s.db).await?;
        users = crate::auth::store::count_users(&s.db).await?;
    } else if let Ok(org) = user.staff_org() {
        modules = crate::catalogue::store::list(&s.db, org, false).await?;
    }
    render(&HomePage { ctx, modules, orgs, users })
}
