//! The client's side of a quote, through its personal link: reading it, accepting or refusing it,
//! and downloading the quote and the convention.

use super::web::*;

use askama::Template;
use axum::extract::State;
use axum::response::Response;

use crate::auth::web::ClientIp;
use crate::error::{AppError, FieldErrors};
use crate::extract::{Form, Path};
use crate::quote::Status;
use crate::quote::store::{self, Quote, QuoteVersion};
use crate::state::AppState;
use crate::web::{PageCtx, render, render_invalid};

#[derive(Template)]
#[template(path = "quote/client.html")]
pub(crate) struct ClientPage {
    ctx: PageCtx,
    token: String,
    q: Quote,
    v: QuoteVersion,
    org_name: String,
    errors: FieldErrors,
    decider: String,
}

pub(crate) async fn client_page(
    ctx: PageCtx,
    s: &AppState,
    token: String,
    errors: FieldErrors,
    decider: String,
) -> Result<ClientPage, AppError> {
    let (org_id, q) = store::by_token(&s.db, &token).await?;
    let v = store::version(&s.db, org_id, q.id, q.version).await?;
    let org_name = crate::org::store::name_of(&s.db, org_id).await?.unwrap_or_default();
    Ok(ClientPage { ctx, token, q, v, org_name, errors, decider })
}

pub async fn client_view(
    ctx: PageCtx,
    State(s): State<AppState>,
    Path(token): Path<String>,
) -> Result<Response, AppError> {
    render(&client_page(ctx, &s, token, FieldErrors::new(), String::new()).await?)
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct DecisionForm {
    pub decision: String,
    pub name: String,
    #[serde(deserialize_with = "crate::web::form_bool")]
    pub agree: bool,
}

pub async fn client_decide(
    ctx: PageCtx,
    ClientIp(ip): ClientIp,
    State(s): State<AppState>,
    Path(token): Path<String>,
    Form(f): Form<DecisionForm>,
) -> Result<Response, AppError> {
    let accept = match f.decision.as_str() {
        "accepter" => true,
        "refuser" => false,
        _ => return Err(AppError::BadRequest("Choisissez d'accepter ou de refuser le devis.".into())),
    };
    let mut errors = FieldErrors::new();
    let name = crate::text::check_text(&mut errors, "name", &f.name, true, 200);
    if accept && !f.agree {
        errors.add("agree", "Cochez « Bon pour accord » pour accepter le devis.");
    }
    if !errors.is_empty() {
        return render_invalid(&client_page(ctx, &s, token, errors, f.name).await?);
    }
    store::decide(&s.db, &token, accept, &name, &ip).await?;
    render(&client_page(ctx, &s, token, FieldErrors::new(), String::new()).await?)
}

pub async fn client_pdf(State(s): State<AppState>, Path(token): Path<String>) -> Result<Response, AppError> {
    let (org_id, q) = store::by_token(&s.db, &token).await?;
    quote_pdf_of(&s, org_id, q.id, None).await
}

pub async fn client_convention(State(s): State<AppState>, Path(token): Path<String>) -> Result<Response, AppError> {
    let (org_id, q) = store::by_token(&s.db, &token).await?;
    convention_of(&s, org_id, q.id).await
}
