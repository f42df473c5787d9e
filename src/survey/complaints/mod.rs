//! The complaints register (Qualiopi indicator 31): what was received, from whom, by which channel,
//! about which cycle, and its follow-up (analysis, actions, closing). Pages and API.

pub mod store;

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use tower_sessions::Session;

use crate::auth::CurrentUser;
use crate::auth::Staff;
use crate::db::Db;
use crate::error::{AppError, ErrorBody, FieldErrors};
use crate::extract::{Form, Json, Path};
use crate::state::AppState;
use crate::web::{PageCtx, flash, render, render_invalid};

pub const CHANNELS: [(&str, &str); 6] = [
    ("email", "Courriel"),
    ("phone", "Téléphone"),
    ("mail", "Courrier"),
    ("oral", "De vive voix"),
    ("survey", "Enquête de satisfaction"),
    ("other", "Autre"),
];

pub const STATUSES: [(&str, &str); 3] =
    [("received", "Reçue"), ("in_progress", "En cours de traitement"), ("closed", "Traitée et close")];

fn label_of(list: &[(&'static str, &'static str)], code: &str) -> &'static str {
    list.iter().find(|(c, _)| *c == code).map(|(_, l)| *l).unwrap_or("—")
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Complaint {
    pub id: i64,
    pub cycle_id: Option<i64>,
    pub cycle_title: Option<String>,
    /// Date received (YYYY-MM-DD).
    pub received_at: String,
    pub author: String,
    pub channel: String,
    pub subject: String,
    pub description: String,
    pub status: String,
    /// Analysis and actions taken.
    pub actions: String,
    pub closed_at: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

impl Complaint {
    pub fn channel_label(&self) -> &'static str {
        label_of(&CHANNELS, &self.channel)
    }
    pub fn status_label(&self) -> &'static str {
        label_of(&STATUSES, &self.status)
    }
    pub fn received_text(&self) -> String {
        NaiveDate::parse_from_str(&self.received_at, "%Y-%m-%d").map(crate::fr::date_short).unwrap_or_default()
    }
}

#[derive(Clone, Debug, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(default)]
pub struct ComplaintInput {
    pub received_at: String,
    pub author: String,
    /// email, phone, mail, oral, survey, other
    pub channel: String,
    pub subject: String,
    pub description: String,
    #[serde(deserialize_with = "crate::web::form_opt_i64")]
    pub cycle_id: Option<i64>,
    /// received, in_progress, closed
    pub status: String,
    pub actions: String,
    pub closed_at: String,
}

impl ComplaintInput {
    /// Checks the form; a closed complaint needs its actions and its closing date.
    pub fn check(&mut self) -> FieldErrors {
        let mut e = FieldErrors::new();
        let date = |e: &mut FieldErrors, field: &str, v: &str, required: bool| -> String {
            let v = v.trim();
            if v.is_empty() {
                if required {
                    e.add(field, "Indiquez la date (jj/mm/aaaa).");
                }
                return String::new();
            }
            match NaiveDate::parse_from_str(v, "%Y-%m-%d").or_else(|_| NaiveDate::parse_from_str(v, "%d/%m/%Y")) {
                Ok(d) => d.format("%Y-%m-%d").to_string(),
                Err(_) => {
                    e.add(field, "Cette date n'est pas valide (jj/mm/aaaa).");
                    String::new()
                }
            }
        };
        self.received_at = date(&mut e, "received_at", &self.received_at.clone(), true);
        self.author = crate::text::check_text(&mut e, "author", &self.author, true, 200);
        if !CHANNELS.iter().any(|(c, _)| *c == self.channel) {
            e.add("channel", "Choisissez le canal de réception.");
        }
        self.subject = crate::text::check_text(&mut e, "subject", &self.subject, true, 200);
        self.description = crate::text::check_text(&mut e, "description", &self.description, true, 5000);
        if self.status.is_empty() {
            self.status = "received".into();
        }
        if !STATUSES.iter().any(|(c, _)| *c == self.status) {
            e.add("status", "Choisissez l'état de la réclamation.");
        }
        self.actions = crate::text::check_text(&mut e, "actions", &self.actions, false, 5000);
        self.closed_at = date(&mut e, "closed_at", &self.closed_at.clone(), self.status == "closed");
        if self.status == "closed" && self.actions.is_empty() {
            e.add("actions", "Décrivez l'analyse et les actions menées avant de clore la réclamation.");
        }
        if self.status != "closed" {
            self.closed_at.clear();
        } else if !self.closed_at.is_empty() && self.closed_at < self.received_at {
            e.add("closed_at", "La clôture ne peut pas précéder la réception.");
        }
        e
    }
}

// --- store ---------------------------------------------------------------------------------------

const COLUMNS: &str = "r.id, r.cycle_id, c.title AS cycle_title, r.received_at, r.author, r.channel, r.subject, r.description, r.status, r.actions, r.closed_at, r.created_at, r.updated_at";

async fn check_cycle(db: &Db, org_id: i64, cycle_id: Option<i64>) -> Result<(), AppError> {
    if let Some(c) = cycle_id
        && crate::cycle::store::get(db, org_id, c).await.is_err()
    {
        return Err(AppError::invalid("cycle_id", "Ce cycle n'existe pas."));
    }
    Ok(())
}

// --- pages ---------------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "survey/complaints.html")]
struct ListPage {
    ctx: PageCtx,
    items: Vec<Complaint>,
    status: String,
    statuses: Vec<(&'static str, &'static str)>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ListQuery {
    pub etat: String,
}

/// `GET /reclamations`
pub async fn index(
    ctx: PageCtx,
    Staff { org, .. }: Staff,
    State(s): State<AppState>,
    Query(q): Query<ListQuery>,
) -> Result<Response, AppError> {
    let status = if STATUSES.iter().any(|(c, _)| *c == q.etat) { q.etat.clone() } else { String::new() };
    let items = store::list(&s.db, org, Some(&status)).await?;
    render(&ListPage { ctx, items, status, statuses: STATUSES.to_vec() })
}

#[derive(Template)]
#[template(path = "survey/complaint_form.html")]
struct FormPage {
    ctx: PageCtx,
    id: Option<i64>,
    input: ComplaintInput,
    errors: FieldErrors,
    cycles: Vec<(String, String)>,
    channels: Vec<(&'static str, &'static str)>,
    statuses: Vec<(&'static str, &'static str)>,
    record: Option<Complaint>,
}

impl FormPage {
    fn cycle_value(&self) -> String {
        self.input.cycle_id.map(|c| c.to_string()).unwrap_or_default()
    }
}

async fn form_page(
    s: &AppState,
    ctx: PageCtx,
    org: i64,
    id: Option<i64>,
    input: ComplaintInput,
    errors: FieldErrors,
) -> Result<FormPage, AppError> {
    let cycles: Vec<(String, String)> =
        store::cycle_choices(&s.db, org).await?.into_iter().map(|(i, t)| (i.to_string(), t)).collect();
    let record = match id {
        Some(i) => Some(store::get(&s.db, org, i).await?),
        None => None,
    };
    Ok(FormPage { ctx, id, input, errors, cycles, channels: CHANNELS.to_vec(), statuses: STATUSES.to_vec(), record })
}

/// `GET /reclamations/nouvelle`
pub async fn new_form(ctx: PageCtx, user: CurrentUser, State(s): State<AppState>) -> Result<Response, AppError> {
    let org = user.coordinator_org()?;
    let input = ComplaintInput {
        received_at: crate::quote::today().format("%Y-%m-%d").to_string(),
        status: "received".into(),
        ..Default::default()
    };
    render(&form_page(&s, ctx, org, None, input, FieldErrors::new()).await?)
}

/// `POST /reclamations/nouvelle`
pub async fn create_page(
    ctx: PageCtx,
    user: CurrentUser,
    session: Session,
    State(s): State<AppState>,
    Form(mut input): Form<ComplaintInput>,
) -> Result<Response, AppError> {
    let org = user.coordinator_org()?;
    let e = input.check();
    if !e.is_empty() {
        return render_invalid(&form_page(&s, ctx, org, None, input, e).await?);
    }
    match store::create(&s.db, org, &input).await {
        Ok(id) => {
            flash(&session, "Réclamation enregistrée.").await;
            Ok(Redirect::to(&format!("/reclamations/{id}")).into_response())
        }
        Err(AppError::Invalid(e)) => render_invalid(&form_page(&s, ctx, org, None, input, e).await?),
        Err(e) => Err(e),
    }
}

/// `GET /reclamations/{id}`
pub async fn edit_form(
    ctx: PageCtx,
    Staff { org, .. }: Staff,
    State(s): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let c = store::get(&s.db, org, id).await?;
    let input = ComplaintInput {
        received_at: c.received_at.clone(),
        author: c.author.clone(),
        channel: c.channel.clone(),
        subject: c.subject.clone(),
        description: c.description.clone(),
        cycle_id: c.cycle_id,
        status: c.status.clone(),
        actions: c.actions.clone(),
        closed_at: c.closed_at.clone().unwrap_or_default(),
    };
    render(&form_page(&s, ctx, org, Some(id), input, FieldErrors::new()).await?)
}

/// `POST /reclamations/{id}`
pub async fn update_page(
    ctx: PageCtx,
    user: CurrentUser,
    session: Session,
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Form(mut input): Form<ComplaintInput>,
) -> Result<Response, AppError> {
    let org = user.coordinator_org()?;
    store::get(&s.db, org, id).await?;
    let e = input.check();
    if !e.is_empty() {
        return render_invalid(&form_page(&s, ctx, org, Some(id), input, e).await?);
    }
    match store::update(&s.db, org, id, &input).await {
        Ok(()) => {
            flash(&session, "Suivi de la réclamation enregistré.").await;
            Ok(Redirect::to(&format!("/reclamations/{id}")).into_response())
        }
        Err(AppError::Invalid(e)) => render_invalid(&form_page(&s, ctx, org, Some(id), input, e).await?),
        Err(e) => Err(e),
    }
}

// --- API -------------------------------------------------------------------------------------------

/// The complaints register.
#[utoipa::path(get, path = "/api/v1/complaints", tag = "quality", responses((status = 200, body = Vec<Complaint>)))]
pub async fn api_list(Staff { org, .. }: Staff, State(s): State<AppState>) -> Result<Json<Vec<Complaint>>, AppError> {
    Ok(Json(store::list(&s.db, org, None).await?))
}

/// Record a complaint.
#[utoipa::path(post, path = "/api/v1/complaints", tag = "quality", request_body = ComplaintInput,
    responses((status = 201, body = Complaint), (status = 422, body = ErrorBody)))]
pub async fn api_create(
    user: CurrentUser,
    State(s): State<AppState>,
    Json(mut input): Json<ComplaintInput>,
) -> Result<Response, AppError> {
    let org = user.coordinator_org()?;
    input.check().into_result(())?;
    let id = store::create(&s.db, org, &input).await?;
    Ok((StatusCode::CREATED, Json(store::get(&s.db, org, id).await?)).into_response())
}

#[utoipa::path(get, path = "/api/v1/complaints/{id}", tag = "quality", params(("id" = i64, Path)),
    responses((status = 200, body = Complaint), (status = 404, body = ErrorBody)))]
pub async fn api_get(
    Staff { org, .. }: Staff,
    State(s): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Json<Complaint>, AppError> {
    Ok(Json(store::get(&s.db, org, id).await?))
}

/// Update a complaint and its follow-up.
#[utoipa::path(put, path = "/api/v1/complaints/{id}", tag = "quality", params(("id" = i64, Path)), request_body = ComplaintInput,
    responses((status = 200, body = Complaint), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn api_update(
    user: CurrentUser,
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Json(mut input): Json<ComplaintInput>,
) -> Result<Json<Complaint>, AppError> {
    let org = user.coordinator_org()?;
    store::get(&s.db, org, id).await?;
    input.check().into_result(())?;
    store::update(&s.db, org, id, &input).await?;
    Ok(Json(store::get(&s.db, org, id).await?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_closed_complaint_needs_its_actions_and_date() {
        let mut i = ComplaintInput {
            received_at: "03/02/2027".into(),
            author: "Mme Roux".into(),
            channel: "email".into(),
            subject: "Salle trop petite".into(),
            description: "Dix personnes pour huit postes.".into(),
            status: "closed".into(),
            ..Default::default()
        };
        let e = i.check();
        assert!(e.get("actions").is_some() && e.get("closed_at").is_some(), "{e:?}");
        assert_eq!(i.received_at, "2027-02-03");
        i.actions = "Salle changée pour la suite du cycle.".into();
        i.closed_at = "2027-02-01".into();
        assert!(i.check().get("closed_at").is_some(), "closed before received");
        i.closed_at = "2027-02-10".into();
        assert!(i.check().is_empty());
        i.channel = "pigeon".into();
        assert!(i.check().get("channel").is_some());
    }
}
