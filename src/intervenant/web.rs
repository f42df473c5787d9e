//! Intervenant pages: list (search, role and sector filters, sorting, paging), CSV, form, page.

use std::str::FromStr;

use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use rust_decimal::Decimal;
use tower_sessions::Session;

use crate::auth::CurrentUser;
use crate::auth::Staff;
use crate::error::{AppError, FieldErrors};
use crate::extract::{Form, Path, Query};
use crate::intervenant::store::{self, Filters};
use crate::intervenant::{Intervenant, IntervenantInput};
use crate::sector::SECTORS;
use crate::state::AppState;
use crate::web::list::{ListParams, Listing, Pager, csv_bytes, csv_response};
use crate::web::{PageCtx, flash, render, render_invalid};

#[derive(Template)]
#[template(path = "intervenant/list.html")]
struct ListPage {
    ctx: PageCtx,
    items: Vec<Intervenant>,
    pager: Pager,
    filters: Filters,
    sectors: &'static [(&'static str, &'static str)],
    can_edit: bool,
}

pub async fn list(
    ctx: PageCtx,
    Staff { user, org }: Staff,
    State(s): State<AppState>,
    Query(q): Query<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let (p, filters) = parse_query(&q);
    let l = Listing::new(&p, &store::SORT);
    let (items, total) = store::list(&s.db, org, &l, &filters).await?;
    let mut pager = Pager::new("/intervenants", &l, &store::SORT, total);
    let extra = filter_query(&filters);
    if !extra.is_empty() {
        for h in &mut pager.headers {
            h.href.push_str(&extra);
        }
        for link in [&mut pager.prev, &mut pager.next].into_iter().flatten() {
            link.push_str(&extra);
        }
        pager.csv.push_str(&extra);
    }
    render(&ListPage { ctx, items, pager, filters, sectors: SECTORS, can_edit: user.coordinator_org().is_ok() })
}

/// Reads the list's query string (paging, sorting, filters); unknown or malformed values are ignored.
pub fn parse_query(q: &[(String, String)]) -> (ListParams, Filters) {
    let get = |k: &str| q.iter().find(|(key, _)| key == k).map(|(_, v)| v.clone());
    let p = ListParams {
        q: get("q"),
        sort: get("sort"),
        dir: get("dir"),
        page: get("page").and_then(|v| v.parse().ok()),
        per_page: get("per_page").and_then(|v| v.parse().ok()),
    };
    let f = Filters {
        role: get("role").filter(|r| r == "mediator" || r == "animator"),
        sector: get("sector").filter(|s| crate::sector::is_sector(s)),
    };
    (p, f)
}

fn filter_query(f: &Filters) -> String {
    let mut s = String::new();
    if let Some(r) = &f.role {
        s.push_str(&format!("&role={r}"));
    }
    if let Some(sec) = &f.sector {
        s.push_str(&format!("&sector={sec}"));
    }
    s
}

pub const CSV_HEADERS: [&str; 14] = [
    "Identifiant",
    "Prénom",
    "Nom",
    "E-mail",
    "Téléphone",
    "Médiateur numérique",
    "Animateur multimédia",
    "Lieu de rattachement",
    "Adresse",
    "Code postal",
    "Commune",
    "Secteurs",
    "Tarif journalier HT",
    "Actif",
];

pub fn csv_row(i: &Intervenant) -> Vec<String> {
    let yes = |b: bool| if b { "oui" } else { "non" }.to_string();
    vec![
        i.id.to_string(),
        i.first_name.clone(),
        i.last_name.clone(),
        i.email.clone(),
        i.phone.clone(),
        yes(i.is_mediator),
        yes(i.is_animator),
        i.place_name.clone(),
        i.address.clone(),
        i.postal_code.clone(),
        i.city.clone(),
        i.sector_labels().join(", "),
        i.daily_rate.to_string().replace('.', ","),
        yes(i.active),
    ]
}

pub async fn csv(
    Staff { org, .. }: Staff,
    State(s): State<AppState>,
    Query(q): Query<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let (p, f) = parse_query(&q);
    let items = store::all(&s.db, org, &Listing::new(&p, &store::SORT), &f).await?;
    Ok(csv_response("intervenants.csv", csv_bytes(&CSV_HEADERS, items.iter().map(csv_row))))
}

/// The form as typed: text fields, checkboxes, and the repeated `sectors` boxes.
#[derive(Clone, Debug, Default)]
pub struct IntervenantForm {
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    pub phone: String,
    pub is_mediator: bool,
    pub is_animator: bool,
    pub place_name: String,
    pub address: String,
    pub postal_code: String,
    pub city: String,
    pub latitude: String,
    pub longitude: String,
    pub sectors: Vec<String>,
    pub cv: String,
    pub daily_rate: String,
    pub active: bool,
}

impl IntervenantForm {
    fn from_pairs(pairs: &[(String, String)]) -> Self {
        let get = |k: &str| pairs.iter().find(|(key, _)| key == k).map(|(_, v)| v.clone()).unwrap_or_default();
        let on = |k: &str| pairs.iter().any(|(key, v)| key == k && (v == "on" || v == "true"));
        IntervenantForm {
            first_name: get("first_name"),
            last_name: get("last_name"),
            email: get("email"),
            phone: get("phone"),
            is_mediator: on("is_mediator"),
            is_animator: on("is_animator"),
            place_name: get("place_name"),
            address: get("address"),
            postal_code: get("postal_code"),
            city: get("city"),
            latitude: get("latitude"),
            longitude: get("longitude"),
            sectors: pairs.iter().filter(|(k, _)| k == "sectors").map(|(_, v)| v.clone()).collect(),
            cv: get("cv"),
            daily_rate: get("daily_rate"),
            active: on("active"),
        }
    }

    fn from_intervenant(i: &Intervenant) -> Self {
        let coord = |v: Option<f64>| v.map(|x| x.to_string()).unwrap_or_default();
        IntervenantForm {
            first_name: i.first_name.clone(),
            last_name: i.last_name.clone(),
            email: i.email.clone(),
            phone: i.phone.clone(),
            is_mediator: i.is_mediator,
            is_animator: i.is_animator,
            place_name: i.place_name.clone(),
            address: i.address.clone(),
            postal_code: i.postal_code.clone(),
            city: i.city.clone(),
            latitude: coord(i.latitude),
            longitude: coord(i.longitude),
            sectors: i.sectors.clone(),
            cv: i.cv.clone(),
            daily_rate: i.daily_rate.to_string().replace('.', ","),
            active: i.active,
        }
    }

    pub fn has_sector(&self, code: &&str) -> bool {
        self.sectors.iter().any(|s| s == code)
    }

    fn to_input(&self) -> Result<IntervenantInput, FieldErrors> {
        let mut e = FieldErrors::new();
        let mut coord = |field: &str, v: &str, example: &str| {
            crate::text::parse_opt_f64(v).unwrap_or_else(|_| {
                e.add(field, format!("Ce champ est un nombre (exemple : {example})."));
                None
            })
        };
        let latitude = coord("latitude", &self.latitude, "45,65");
        let longitude = coord("longitude", &self.longitude, "0,16");
        let rate_text = self.daily_rate.trim().replace(',', ".").replace([' ', '€'], "");
        let daily_rate = if rate_text.is_empty() {
            Decimal::ZERO
        } else {
            Decimal::from_str(&rate_text).unwrap_or_else(|_| {
                e.add("daily_rate", "Le tarif journalier est un montant (exemple : 350 ou 350,50).");
                Decimal::ZERO
            })
        };
        let input = IntervenantInput {
            first_name: self.first_name.clone(),
            last_name: self.last_name.clone(),
            email: self.email.clone(),
            phone: self.phone.clone(),
            is_mediator: self.is_mediator,
            is_animator: self.is_animator,
            place_name: self.place_name.clone(),
            address: self.address.clone(),
            postal_code: self.postal_code.clone(),
            city: self.city.clone(),
            latitude,
            longitude,
            sectors: self.sectors.clone(),
            cv: self.cv.clone(),
            daily_rate,
            active: self.active,
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
#[template(path = "intervenant/form.html")]
struct FormPage {
    ctx: PageCtx,
    id: Option<i64>,
    form: IntervenantForm,
    errors: FieldErrors,
    sectors: &'static [(&'static str, &'static str)],
}

pub async fn new_form(ctx: PageCtx, user: CurrentUser) -> Result<Response, AppError> {
    user.coordinator_org()?;
    let form = IntervenantForm { is_mediator: true, active: true, ..Default::default() };
    render(&FormPage { ctx, id: None, form, errors: FieldErrors::new(), sectors: SECTORS })
}

pub async fn create(
    ctx: PageCtx,
    user: CurrentUser,
    session: Session,
    State(s): State<AppState>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let org = user.coordinator_org()?;
    let form = IntervenantForm::from_pairs(&pairs);
    match form.to_input() {
        Ok(input) => {
            let i = store::create(&s.db, org, &input).await?;
            flash(&session, format!("{} est enregistré·e.", i.full_name())).await;
            Ok(Redirect::to(&format!("/intervenants/{}", i.id)).into_response())
        }
        Err(errors) => render_invalid(&FormPage { ctx, id: None, form, errors, sectors: SECTORS }),
    }
}

#[derive(Template)]
#[template(path = "intervenant/show.html")]
struct ShowPage {
    ctx: PageCtx,
    i: Intervenant,
    can_edit: bool,
    /// The account linked to the record, if any.
    account: Option<crate::auth::User>,
}

pub async fn show(
    ctx: PageCtx,
    Staff { user, org }: Staff,
    State(s): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let i = store::get(&s.db, org, id).await?;
    let account = match i.user_id {
        Some(u) => crate::auth::store::user_by_id(&s.db, u).await?,
        None => None,
    };
    render(&ShowPage { ctx, i, can_edit: user.coordinator_org().is_ok(), account })
}

/// `POST /intervenants/{id}/compte`: creates or links the account of this record and invites it.
pub async fn invite(
    user: CurrentUser,
    session: Session,
    State(s): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    match crate::intervenant::service::invite(&s, &user, id).await {
        Ok(l) => {
            flash(
                &session,
                format!(
                    "{} {} : l'invitation à choisir son mot de passe est en file d'envoi ({}).",
                    if l.created { "Compte créé pour" } else { "Compte lié pour" },
                    l.user.name,
                    l.reset_link
                ),
            )
            .await
        }
        Err(e) => {
            let e = e.into_form_errors("email")?;
            crate::web::flash_error(&session, e.0.first().map(|x| x.message.clone()).unwrap_or_default()).await;
        }
    }
    Ok(Redirect::to(&format!("/intervenants/{id}")).into_response())
}

pub async fn edit_form(
    ctx: PageCtx,
    user: CurrentUser,
    State(s): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let org = user.coordinator_org()?;
    let i = store::get(&s.db, org, id).await?;
    render(&FormPage {
        ctx,
        id: Some(id),
        form: IntervenantForm::from_intervenant(&i),
        errors: FieldErrors::new(),
        sectors: SECTORS,
    })
}

pub async fn update(
    ctx: PageCtx,
    user: CurrentUser,
    session: Session,
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let org = user.coordinator_org()?;
    store::get(&s.db, org, id).await?;
    let form = IntervenantForm::from_pairs(&pairs);
    match form.to_input() {
        Ok(input) => {
            let i = store::update(&s.db, org, id, &input).await?;
            flash(&session, format!("La fiche de {} est mise à jour.", i.full_name())).await;
            Ok(Redirect::to(&format!("/intervenants/{id}")).into_response())
        }
        Err(errors) => render_invalid(&FormPage { ctx, id: Some(id), form, errors, sectors: SECTORS }),
    }
}

pub async fn delete(
    user: CurrentUser,
    session: Session,
    State(s): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let org = user.coordinator_org()?;
    let i = store::get(&s.db, org, id).await?;
    if let Err(e) = crate::intervenant::service::delete(&s, org, id).await {
        let e = e.into_form_errors("form")?;
        crate::web::flash_error(&session, e.0.first().map(|x| x.message.clone()).unwrap_or_default()).await;
        return Ok(Redirect::to(&format!("/intervenants/{id}")).into_response());
    }
    flash(&session, format!("La fiche de {} est supprimée.", i.full_name())).await;
    Ok(Redirect::to("/intervenants").into_response())
}
