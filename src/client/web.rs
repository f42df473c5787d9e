//! Client pages: list with search, sorting and paging, CSV export, form, page of a client.

use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use tower_sessions::Session;

use crate::auth::CurrentUser;
use crate::auth::Staff;
use crate::client::{Client, ClientInput, Contact, ContactInput, store};
use crate::error::{AppError, FieldErrors};
use crate::extract::{Form, Path, Query};
use crate::sector::{CLIENT_KINDS, SECTORS};
use crate::state::AppState;
use crate::web::list::{ListParams, Listing, Pager, csv_bytes, csv_response};
use crate::web::{PageCtx, flash, render, render_invalid};

#[derive(Template)]
#[template(path = "client/list.html")]
struct ListPage {
    ctx: PageCtx,
    clients: Vec<Client>,
    pager: Pager,
    can_edit: bool,
}

pub async fn list(
    ctx: PageCtx,
    Staff { user, org }: Staff,
    State(s): State<AppState>,
    Query(p): Query<ListParams>,
) -> Result<Response, AppError> {
    let l = Listing::new(&p, &store::SORT);
    let (clients, total) = store::list(&s.db, org, &l).await?;
    let pager = Pager::new("/clients", &l, &store::SORT, total);
    render(&ListPage { ctx, clients, pager, can_edit: user.coordinator_org().is_ok() })
}

pub const CSV_HEADERS: [&str; 13] = [
    "Identifiant",
    "Nom",
    "SIRET",
    "Secteur",
    "Type de structure",
    "Adresse",
    "Code postal",
    "Commune",
    "Latitude",
    "Longitude",
    "E-mail",
    "Téléphone",
    "Notes",
];

pub fn csv_row(c: &Client) -> Vec<String> {
    let coord = |v: Option<f64>| v.map(|x| x.to_string().replace('.', ",")).unwrap_or_default();
    vec![
        c.id.to_string(),
        c.name.clone(),
        c.siret.clone(),
        c.sector_label().into(),
        c.kind_label().into(),
        c.address.clone(),
        c.postal_code.clone(),
        c.city.clone(),
        coord(c.latitude),
        coord(c.longitude),
        c.email.clone(),
        c.phone.clone(),
        c.notes.clone(),
    ]
}

pub async fn csv(
    Staff { org, .. }: Staff,
    State(s): State<AppState>,
    Query(p): Query<ListParams>,
) -> Result<Response, AppError> {
    let clients = store::all(&s.db, org, &Listing::new(&p, &store::SORT)).await?;
    Ok(csv_response("clients.csv", csv_bytes(&CSV_HEADERS, clients.iter().map(csv_row))))
}

/// The client form as typed (coordinates are text until checked).
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct ClientForm {
    pub name: String,
    pub siret: String,
    pub sector: String,
    pub kind: String,
    pub address: String,
    pub postal_code: String,
    pub city: String,
    pub latitude: String,
    pub longitude: String,
    pub email: String,
    pub phone: String,
    pub notes: String,
}

impl ClientForm {
    fn from_client(c: &Client) -> Self {
        let coord = |v: Option<f64>| v.map(|x| x.to_string()).unwrap_or_default();
        ClientForm {
            name: c.name.clone(),
            siret: c.siret.clone(),
            sector: c.sector.clone(),
            kind: c.kind.clone(),
            address: c.address.clone(),
            postal_code: c.postal_code.clone(),
            city: c.city.clone(),
            latitude: coord(c.latitude),
            longitude: coord(c.longitude),
            email: c.email.clone(),
            phone: c.phone.clone(),
            notes: c.notes.clone(),
        }
    }

    fn to_input(&self) -> Result<ClientInput, FieldErrors> {
        let mut e = FieldErrors::new();
        let lat = crate::text::parse_opt_f64(&self.latitude).unwrap_or_else(|_| {
            e.add("latitude", "La latitude est un nombre (exemple : 45,65).");
            None
        });
        let lon = crate::text::parse_opt_f64(&self.longitude).unwrap_or_else(|_| {
            e.add("longitude", "La longitude est un nombre (exemple : 0,16).");
            None
        });
        let input = ClientInput {
            name: self.name.clone(),
            siret: self.siret.clone(),
            sector: self.sector.clone(),
            kind: self.kind.clone(),
            address: self.address.clone(),
            postal_code: self.postal_code.clone(),
            city: self.city.clone(),
            latitude: lat,
            longitude: lon,
            email: self.email.clone(),
            phone: self.phone.clone(),
            notes: self.notes.clone(),
        };
        match input.validate() {
            Ok(v) if e.is_empty() => Ok(v),
            Ok(_) => Err(e),
            Err(mut more) => {
                more.0.extend(e.0);
                Err(more)
            }
        }
    }
}

#[derive(Template)]
#[template(path = "client/form.html")]
struct FormPage {
    ctx: PageCtx,
    id: Option<i64>,
    form: ClientForm,
    errors: FieldErrors,
    sectors: &'static [(&'static str, &'static str)],
    kinds: &'static [(&'static str, &'static str)],
}

fn form_page(ctx: PageCtx, id: Option<i64>, form: ClientForm, errors: FieldErrors) -> FormPage {
    FormPage { ctx, id, form, errors, sectors: SECTORS, kinds: CLIENT_KINDS }
}

pub async fn new_form(ctx: PageCtx, user: CurrentUser) -> Result<Response, AppError> {
    user.coordinator_org()?;
    render(&form_page(ctx, None, ClientForm::default(), FieldErrors::new()))
}

pub async fn create(
    ctx: PageCtx,
    user: CurrentUser,
    session: Session,
    State(s): State<AppState>,
    Form(form): Form<ClientForm>,
) -> Result<Response, AppError> {
    let org = user.coordinator_org()?;
    match form.to_input() {
        Ok(input) => {
            let c = store::create(&s.db, org, &input).await?;
            flash(&session, format!("Le client « {} » est enregistré.", c.name)).await;
            Ok(Redirect::to(&format!("/clients/{}", c.id)).into_response())
        }
        Err(errors) => render_invalid(&form_page(ctx, None, form, errors)),
    }
}

#[derive(Template)]
#[template(path = "client/show.html")]
struct ShowPage {
    ctx: PageCtx,
    client: Client,
    quotes: Vec<crate::quote::store::Quote>,
    contacts: Vec<Contact>,
    contact: ContactInput,
    errors: FieldErrors,
    can_edit: bool,
}

pub async fn show(
    ctx: PageCtx,
    Staff { user, org }: Staff,
    State(s): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let client = store::get(&s.db, org, id).await?;
    let contacts = store::contacts(&s.db, org, id).await?;
    let quotes = crate::quote::store::of_client(&s.db, org, id).await?;
    render(&ShowPage {
        ctx,
        client,
        quotes,
        contacts,
        contact: ContactInput::default(),
        errors: FieldErrors::new(),
        can_edit: user.coordinator_org().is_ok(),
    })
}

pub async fn edit_form(
    ctx: PageCtx,
    user: CurrentUser,
    State(s): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let org = user.coordinator_org()?;
    let c = store::get(&s.db, org, id).await?;
    render(&form_page(ctx, Some(id), ClientForm::from_client(&c), FieldErrors::new()))
}

pub async fn update(
    ctx: PageCtx,
    user: CurrentUser,
    session: Session,
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Form(form): Form<ClientForm>,
) -> Result<Response, AppError> {
    let org = user.coordinator_org()?;
    store::get(&s.db, org, id).await?;
    match form.to_input() {
        Ok(input) => {
            let c = store::update(&s.db, org, id, &input).await?;
            flash(&session, format!("Le client « {} » est mis à jour.", c.name)).await;
            Ok(Redirect::to(&format!("/clients/{id}")).into_response())
        }
        Err(errors) => render_invalid(&form_page(ctx, Some(id), form, errors)),
    }
}

pub async fn delete(
    user: CurrentUser,
    session: Session,
    State(s): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let org = user.coordinator_org()?;
    let c = store::get(&s.db, org, id).await?;
    store::delete(&s.db, org, id).await?;
    flash(&session, format!("Le client « {} » est supprimé.", c.name)).await;
    Ok(Redirect::to("/clients").into_response())
}

pub async fn add_contact(
    ctx: PageCtx,
    user: CurrentUser,
    session: Session,
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Form(form): Form<ContactInput>,
) -> Result<Response, AppError> {
    let org = user.coordinator_org()?;
    let client = store::get(&s.db, org, id).await?;
    match form.validate() {
        Ok(c) => {
            store::add_contact(&s.db, org, id, &c).await?;
            flash(&session, format!("Le contact « {} » est ajouté.", c.name)).await;
            Ok(Redirect::to(&format!("/clients/{id}#contacts")).into_response())
        }
        Err(errors) => {
            let contacts = store::contacts(&s.db, org, id).await?;
            let quotes = crate::quote::store::of_client(&s.db, org, id).await?;
            render_invalid(&ShowPage { ctx, client, quotes, contacts, contact: form, errors, can_edit: true })
        }
    }
}

pub async fn delete_contact(
    user: CurrentUser,
    session: Session,
    State(s): State<AppState>,
    Path((id, contact)): Path<(i64, i64)>,
) -> Result<Response, AppError> {
    let org = user.coordinator_org()?;
    store::delete_contact(&s.db, org, id, contact).await?;
    flash(&session, "Le contact est retiré.").await;
    Ok(Redirect::to(&format!("/clients/{id}#contacts")).into_response())
}

/// `POST /clients/{id}/contacts/{contact}/acces`: the contact gets an account of « référent·e de la
/// structure cliente », tied to this client, to see the documents of their people; a link to choose
/// a password goes through the outbox.
pub async fn grant_access(
    user: CurrentUser,
    session: Session,
    State(s): State<AppState>,
    Path((id, contact)): Path<(i64, i64)>,
) -> Result<Response, AppError> {
    let org = user.coordinator_org()?;
    let actor = crate::audit::Actor::user(user.id(), &user.user.name, user.role());
    let linked = match crate::auth::accounts::link_client_contact(
        &s.db,
        org,
        id,
        contact,
        &actor,
        s.now(),
        &s.config.public_url(),
    )
    .await
    {
        Ok(l) => l,
        Err(e) => {
            let e = e.into_form_errors("email")?;
            crate::web::flash_error(&session, e.0.first().map(|x| x.message.clone()).unwrap_or_default()).await;
            return Ok(Redirect::to(&format!("/clients/{id}#contacts")).into_response());
        }
    };
    crate::auth::accounts::send_invitation(&s.db, org, &linked, "les documents de formation de votre structure")
        .await?;
    flash(
        &session,
        format!(
            "Accès ouvert pour {} : le lien pour choisir son mot de passe est en file d'envoi ({}).",
            linked.user.name, linked.reset_link
        ),
    )
    .await;
    Ok(Redirect::to(&format!("/clients/{id}#contacts")).into_response())
}
