//! The pages of the cycle's rooms (salles) and their hosts.

use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use tower_sessions::Session;

use crate::auth::CurrentUser;
use crate::auth::Staff;
use crate::client::Client;
use crate::cycle::room::{Room, RoomInput, RoomKind};
use crate::error::{AppError, FieldErrors};
use crate::extract::{Form, Path};
use crate::state::AppState;
use crate::web::list::{ListParams, Listing};
use crate::web::{PageCtx, flash, render, render_invalid};

#[derive(Template)]
#[template(path = "cycle/rooms.html")]
pub(crate) struct RoomsPage {
    ctx: PageCtx,
    rooms: Vec<Room>,
    clients: Vec<Client>,
    edit: Option<Room>,
    form: RoomInput,
    checklist: Vec<crate::cycle::room::CheckItem>,
    capacity: String,
    host_link: Option<String>,
    errors: FieldErrors,
    can_edit: bool,
}

pub(crate) async fn rooms_page(
    s: &AppState,
    user: &CurrentUser,
    ctx: PageCtx,
    edit: Option<Room>,
    form: RoomInput,
    errors: FieldErrors,
) -> Result<RoomsPage, AppError> {
    let org = user.staff_org()?;
    let kind = RoomKind::parse(&form.kind).unwrap_or(RoomKind::Training);
    let checklist = kind
        .default_checklist()
        .into_iter()
        .map(|mut c| {
            c.ok = form.ready.contains(&c.label);
            c
        })
        .collect();
    let host_link = match &edit {
        Some(r) if user.coordinator_org().is_ok() => Some(format!(
            "{}/salle/{}",
            s.config.public_url(),
            crate::cycle::room::store::host_token(&s.db, org, r.id).await?
        )),
        _ => None,
    };
    Ok(RoomsPage {
        host_link,
        capacity: form.capacity.map(|c| c.to_string()).unwrap_or_default(),
        ctx,
        rooms: crate::cycle::room::store::list(&s.db, org).await?,
        clients: crate::client::store::all(
            &s.db,
            org,
            &Listing::new(&ListParams::default(), &crate::client::store::SORT),
        )
        .await?,
        edit,
        form,
        checklist,
        errors,
        can_edit: user.coordinator_org().is_ok(),
    })
}

pub async fn rooms(ctx: PageCtx, user: CurrentUser, State(s): State<AppState>) -> Result<Response, AppError> {
    render(
        &rooms_page(
            &s,
            &user,
            ctx,
            None,
            RoomInput { kind: "training".into(), ..Default::default() },
            FieldErrors::new(),
        )
        .await?,
    )
}

pub(crate) fn room_input(pairs: &[(String, String)]) -> Result<RoomInput, FieldErrors> {
    let get = |k: &str| pairs.iter().find(|(key, _)| key == k).map(|(_, v)| v.clone()).unwrap_or_default();
    let mut e = FieldErrors::new();
    let capacity = if get("capacity").trim().is_empty() {
        None
    } else {
        match get("capacity").trim().parse() {
            Ok(c) => Some(c),
            Err(_) => {
                e.add("capacity", "La capacité est un nombre entier.");
                None
            }
        }
    };
    if !e.is_empty() {
        return Err(e);
    }
    Ok(RoomInput {
        client_id: get("client_id").parse().ok(),
        name: get("name"),
        kind: get("kind"),
        address: get("address"),
        postal_code: get("postal_code"),
        city: get("city"),
        capacity,
        ready: pairs.iter().filter(|(k, _)| k == "ready").map(|(_, v)| v.clone()).collect(),
        practical: get("practical"),
    })
}

pub async fn room_create(
    ctx: PageCtx,
    user: CurrentUser,
    session: Session,
    State(s): State<AppState>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let org = user.coordinator_org()?;
    let parsed = room_input(&pairs);
    let result = match &parsed {
        Ok(i) => crate::cycle::room::store::create(&s.db, org, i).await,
        Err(e) => Err(AppError::Invalid(e.clone())),
    };
    match result {
        Ok(r) => {
            flash(&session, format!("La salle « {} » est enregistrée.", r.name)).await;
            Ok(Redirect::to(&format!("/salles/{}", r.id)).into_response())
        }
        Err(AppError::Invalid(e)) => {
            render_invalid(&rooms_page(&s, &user, ctx, None, parsed.unwrap_or_default(), e).await?)
        }
        Err(e) => Err(e),
    }
}

pub async fn room_show(
    ctx: PageCtx,
    Staff { user, org }: Staff,
    State(s): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let r = crate::cycle::room::store::get(&s.db, org, id).await?;
    let form = RoomInput {
        client_id: r.client_id,
        name: r.name.clone(),
        kind: r.kind.as_str().into(),
        address: r.address.clone(),
        postal_code: r.postal_code.clone(),
        city: r.city.clone(),
        capacity: r.capacity,
        ready: r.checklist.iter().filter(|c| c.ok).map(|c| c.label.clone()).collect(),
        practical: r.practical.clone(),
    };
    render(&rooms_page(&s, &user, ctx, Some(r), form, FieldErrors::new()).await?)
}

pub async fn room_update(
    ctx: PageCtx,
    user: CurrentUser,
    session: Session,
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let org = user.coordinator_org()?;
    let current = crate::cycle::room::store::get(&s.db, org, id).await?;
    let parsed = room_input(&pairs);
    let result = match &parsed {
        Ok(i) => crate::cycle::room::store::update(&s.db, org, id, i).await,
        Err(e) => Err(AppError::Invalid(e.clone())),
    };
    match result {
        Ok(r) => {
            flash(
                &session,
                if r.ready() {
                    "La salle est prête : tout est coché.".to_string()
                } else {
                    format!(
                        "Salle enregistrée ; il manque encore {} élément{}.",
                        r.missing().len(),
                        if r.missing().len() > 1 { "s" } else { "" }
                    )
                },
            )
            .await;
            Ok(Redirect::to(&format!("/salles/{id}")).into_response())
        }
        Err(AppError::Invalid(e)) => {
            render_invalid(&rooms_page(&s, &user, ctx, Some(current), parsed.unwrap_or_default(), e).await?)
        }
        Err(e) => Err(e),
    }
}

#[derive(Template)]
#[template(path = "cycle/host.html")]
pub(crate) struct HostPage {
    ctx: PageCtx,
    token: String,
    room: Room,
    org_name: String,
    saved: bool,
}

/// `GET /salle/{token}`: the host structure ticks what is ready in its room (no account).
pub async fn host_form(
    ctx: PageCtx,
    State(s): State<AppState>,
    Path(token): Path<String>,
) -> Result<Response, AppError> {
    let (org, room) = crate::cycle::room::store::by_host_token(&s.db, &token).await?;
    let org_name = crate::org::store::name_of(&s.db, org).await?.unwrap_or_default();
    render(&HostPage { ctx, token, room, org_name, saved: false })
}

pub async fn host_save(
    ctx: PageCtx,
    State(s): State<AppState>,
    Path(token): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let (org, room) = crate::cycle::room::store::by_host_token(&s.db, &token).await?;
    let ready: Vec<String> = pairs.iter().filter(|(k, _)| k == "ready").map(|(_, v)| v.clone()).collect();
    let room = crate::cycle::room::store::set_ready(&s.db, org, room.id, &ready).await?;
    let org_name = crate::org::store::name_of(&s.db, org).await?.unwrap_or_default();
    render(&HostPage { ctx, token, room, org_name, saved: true })
}
