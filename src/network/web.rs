//! The network's pages.

use super::service::*;
use super::store::*;
use super::*;

use askama::Template;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use tower_sessions::Session;

use crate::auth::Staff;
use crate::auth::{CurrentUser, Role};
use crate::cycle::extract::CycleOf;
use crate::cycle::store::{self as cycles, Cycle};
use crate::error::{AppError, FieldErrors};
use crate::extract::{Form, Path};
use crate::state::AppState;
use crate::web::{PageCtx, flash, render, render_invalid};

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct NetworkQuery {
    pub tag: String,
    pub territoire: Option<i64>,
}

#[derive(Template)]
#[template(path = "committee/network.html")]
pub(crate) struct NetworkPage {
    ctx: PageCtx,
    territories: Vec<Territory>,
    retours: Vec<Retour>,
    tag: String,
    territory: Option<i64>,
    can_create: bool,
    form: TerritoryForm,
    kinds: Vec<(&'static str, &'static str)>,
    errors: FieldErrors,
}

impl NetworkPage {
    fn is_territory(&self, id: &i64) -> bool {
        self.territory == Some(*id)
    }
}

pub(crate) async fn network_page(
    s: &AppState,
    user: &CurrentUser,
    ctx: PageCtx,
    q: NetworkQuery,
    form: TerritoryForm,
    errors: FieldErrors,
) -> Result<NetworkPage, AppError> {
    Ok(NetworkPage {
        ctx,
        territories: territories(&s.db).await?,
        retours: published(&s.db, Some(&q.tag), q.territoire).await?,
        tag: q.tag,
        territory: q.territoire,
        can_create: matches!(user.role(), Role::Coordinator | Role::Admin),
        form,
        kinds: TERRITORY_KINDS.to_vec(),
        errors,
    })
}

/// `GET /reseau`
pub async fn network(
    ctx: PageCtx,
    user: CurrentUser,
    State(s): State<AppState>,
    Query(q): Query<NetworkQuery>,
) -> Result<Response, AppError> {
    network_member(&user)?;
    render(&network_page(&s, &user, ctx, q, TerritoryForm::default(), FieldErrors::new()).await?)
}

/// `POST /reseau/territoires`
pub async fn create_territory(
    ctx: PageCtx,
    user: CurrentUser,
    session: Session,
    State(s): State<AppState>,
    Form(f): Form<TerritoryForm>,
) -> Result<Response, AppError> {
    if !matches!(user.role(), Role::Coordinator | Role::Admin) {
        return Err(AppError::Forbidden);
    }
    match do_create_territory(&s, user.user.org_id, &f).await {
        Ok(_) => {
            flash(&session, "Le territoire est créé : les cycles peuvent y être rattachés.").await;
            Ok(Redirect::to("/reseau").into_response())
        }
        Err(AppError::Invalid(e)) => {
            render_invalid(&network_page(&s, &user, ctx, NetworkQuery::default(), f, e).await?)
        }
        Err(e) => Err(e),
    }
}

/// `GET /reseau/retours/{id}`
pub async fn retour(
    ctx: PageCtx,
    user: CurrentUser,
    State(s): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    network_member(&user)?;
    #[derive(Template)]
    #[template(path = "committee/retour.html")]
    struct Page {
        ctx: PageCtx,
        r: Retour,
    }
    render(&Page { ctx, r: published_one(&s.db, id).await? })
}

#[derive(Template)]
#[template(path = "committee/cycle_network.html")]
pub(crate) struct CyclePage {
    ctx: PageCtx,
    cycle: Cycle,
    settings: Settings,
    territories: Vec<(String, String)>,
    /// The territory the structure's commune falls in, when the cycle has none yet.
    suggested: Option<Territory>,
    retours: Vec<Retour>,
    matches: Vec<Match>,
    links: Vec<Link>,
    form: RetourForm,
    errors: FieldErrors,
}

impl CyclePage {
    fn territory_value(&self) -> String {
        self.settings.territory_id.or(self.suggested.as_ref().map(|t| t.id)).map(|t| t.to_string()).unwrap_or_default()
    }
}

pub(crate) async fn cycle_page(
    s: &AppState,
    org: i64,
    ctx: PageCtx,
    id: i64,
    form: RetourForm,
    errors: FieldErrors,
) -> Result<CyclePage, AppError> {
    let cycle = cycles::get(&s.db, org, id).await?;
    let settings = settings(&s.db, org, id).await?;
    let all = territories(&s.db).await?;
    let mut suggested = None;
    if settings.territory_id.is_none() {
        let client = crate::client::store::get(&s.db, org, cycle.client_id).await?;
        if let Some(c) = crate::places::communes::find(&client.postal_code, &client.city) {
            suggested = territory_of(&all, &c.insee, &c.departement).cloned();
        }
    }
    Ok(CyclePage {
        ctx,
        settings,
        suggested,
        territories: all.into_iter().map(|t| (t.id.to_string(), t.name)).collect(),
        retours: retours_of(&s.db, org, id).await?,
        matches: matches(&s.db, org, id).await?,
        links: links_of(&s.db, org, id).await?,
        cycle,
        form,
        errors,
    })
}

/// `GET /cycles/{id}/reseau`
pub async fn cycle_network(
    ctx: PageCtx,
    Staff { org, .. }: Staff,
    State(s): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    render(&cycle_page(&s, org, ctx, id, RetourForm::default(), FieldErrors::new()).await?)
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct SettingsForm {
    pub territory_id: String,
    pub visible: Option<String>,
}

/// `POST /cycles/{id}/reseau`
pub async fn save_settings(
    CycleOf { org, .. }: CycleOf,
    session: Session,
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Form(f): Form<SettingsForm>,
) -> Result<Response, AppError> {
    let territory_id = if f.territory_id.trim().is_empty() {
        None
    } else {
        Some(f.territory_id.trim().parse().map_err(|_| AppError::BadRequest("Territoire illisible.".into()))?)
    };
    match set_settings(&s.db, org, id, &Settings { territory_id, visible: f.visible.is_some() }).await {
        Ok(()) => {}
        Err(e) => return Err(e.on_page()),
    }
    flash(&session, "La place du comité dans le réseau est enregistrée.").await;
    Ok(Redirect::to(&format!("/cycles/{id}/reseau")).into_response())
}

/// `POST /cycles/{id}/retours`
pub async fn add_retour(
    ctx: PageCtx,
    Staff { org, .. }: Staff,
    session: Session,
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Form(f): Form<RetourForm>,
) -> Result<Response, AppError> {
    match do_add_retour(&s, org, id, &f).await {
        Ok(_) => {
            flash(&session, "Le retour d'expérience est enregistré.").await;
            Ok(Redirect::to(&format!("/cycles/{id}/reseau#retours")).into_response())
        }
        Err(AppError::Invalid(e)) => render_invalid(&cycle_page(&s, org, ctx, id, f, e).await?),
        Err(e) => Err(e),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct PublishForm {
    pub publish: String,
}

/// `POST /cycles/{id}/retours/{retour}/publication`
pub async fn publish(
    Staff { org, .. }: Staff,
    session: Session,
    State(s): State<AppState>,
    Path((id, rid)): Path<(i64, i64)>,
    Form(f): Form<PublishForm>,
) -> Result<Response, AppError> {
    let on = f.publish == "1";
    set_published(&s.db, org, id, rid, on).await?;
    flash(&session, if on { "Le retour est publié dans le réseau." } else { "Le retour n'est plus publié." }).await;
    Ok(Redirect::to(&format!("/cycles/{id}/reseau#retours")).into_response())
}

/// `POST /cycles/{id}/mises-en-lien`
pub async fn request(
    Staff { org, .. }: Staff,
    session: Session,
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Form(f): Form<LinkForm>,
) -> Result<Response, AppError> {
    match do_request(&s, org, id, &f).await {
        Ok(_) => {
            flash(
                &session,
                "La demande de mise en lien est envoyée : les coordonnées s'affichent quand l'autre comité l'accepte.",
            )
            .await;
            Ok(Redirect::to(&format!("/cycles/{id}/reseau#liens")).into_response())
        }
        Err(e) => Err(e.on_page()),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct AnswerForm {
    /// accepter or refuser
    pub decision: String,
}

/// `POST /cycles/{id}/mises-en-lien/{link}`
pub async fn answer(
    CycleOf { org, .. }: CycleOf,
    session: Session,
    State(s): State<AppState>,
    Path((id, lid)): Path<(i64, i64)>,
    Form(f): Form<AnswerForm>,
) -> Result<Response, AppError> {
    let accept = match f.decision.as_str() {
        "accepter" => true,
        "refuser" => false,
        _ => return Err(AppError::BadRequest("Acceptez ou refusez la demande.".into())),
    };
    do_answer(&s, org, id, lid, accept).await?;
    flash(
        &session,
        if accept {
            "Mise en lien acceptée : chacun voit maintenant les coordonnées de l'autre."
        } else {
            "Demande refusée."
        },
    )
    .await;
    Ok(Redirect::to(&format!("/cycles/{id}/reseau#liens")).into_response())
}
