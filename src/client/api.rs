//! `/api/v1/clients`: the JSON twin of the client pages.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use crate::auth::CurrentUser;
use crate::auth::Staff;
use crate::client::{Client, ClientInput, Contact, ContactInput, store};
use crate::error::{AppError, ErrorBody};
use crate::extract::{Json, Path, Query};
use crate::state::AppState;
use crate::web::list::{ListParams, Listing, Page, csv_bytes, csv_response};

/// A client with its contacts.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct ClientDetail {
    #[serde(flatten)]
    pub client: Client,
    pub contacts: Vec<Contact>,
}

/// List the organisation's clients (search, sort by `name`, `sector`, `city` or `created`, paging).
/// With `Accept: text/csv`, the whole matching list as a CSV file.
#[utoipa::path(get, path = "/api/v1/clients", tag = "clients", params(ListParams),
    responses((status = 200, description = "A page of the list, or with `Accept: text/csv` the list as a CSV file", content((Page<Client> = "application/json"), (String = "text/csv"))), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn list(
    Staff { org, .. }: Staff,
    State(s): State<AppState>,
    Query(p): Query<ListParams>,
    headers: axum::http::HeaderMap,
) -> Result<Response, AppError> {
    let l = Listing::checked(&p, &store::SORT)?;
    if headers.get(axum::http::header::ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|v| v.contains("text/csv")) {
        let clients = store::all(&s.db, org, &l).await?;
        return Ok(csv_response(
            "clients.csv",
            csv_bytes(&super::web::CSV_HEADERS, clients.iter().map(super::web::csv_row)),
        ));
    }
    let (items, total) = store::list(&s.db, org, &l).await?;
    Ok(Json(Page { items, total, page: l.page, per_page: l.per_page }).into_response())
}

/// Create a client.
#[utoipa::path(post, path = "/api/v1/clients", tag = "clients", request_body = ClientInput,
    responses((status = 201, body = Client), (status = 422, body = ErrorBody), (status = 400, body = ErrorBody)))]
pub async fn create(
    user: CurrentUser,
    State(s): State<AppState>,
    Json(input): Json<ClientInput>,
) -> Result<Response, AppError> {
    let org = user.coordinator_org()?;
    let input = input.validate().map_err(AppError::Invalid)?;
    let c = store::create(&s.db, org, &input).await?;
    Ok((StatusCode::CREATED, Json(c)).into_response())
}

/// A client and its contacts.
#[utoipa::path(get, path = "/api/v1/clients/{id}", tag = "clients", params(("id" = i64, Path)),
    responses((status = 200, body = ClientDetail), (status = 404, body = ErrorBody)))]
pub async fn get_one(
    Staff { org, .. }: Staff,
    State(s): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Json<ClientDetail>, AppError> {
    let client = store::get(&s.db, org, id).await?;
    let contacts = store::contacts(&s.db, org, id).await?;
    Ok(Json(ClientDetail { client, contacts }))
}

/// Replace a client's fields.
#[utoipa::path(put, path = "/api/v1/clients/{id}", tag = "clients", params(("id" = i64, Path)), request_body = ClientInput,
    responses((status = 200, body = Client), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update(
    user: CurrentUser,
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Json(input): Json<ClientInput>,
) -> Result<Json<Client>, AppError> {
    let org = user.coordinator_org()?;
    store::get(&s.db, org, id).await?;
    let input = input.validate().map_err(AppError::Invalid)?;
    Ok(Json(store::update(&s.db, org, id, &input).await?))
}

/// Delete a client and its contacts.
#[utoipa::path(delete, path = "/api/v1/clients/{id}", tag = "clients", params(("id" = i64, Path)),
    responses((status = 204), (status = 404, body = ErrorBody)))]
pub async fn delete(user: CurrentUser, State(s): State<AppState>, Path(id): Path<i64>) -> Result<StatusCode, AppError> {
    let org = user.coordinator_org()?;
    store::delete(&s.db, org, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Add a contact to a client.
#[utoipa::path(post, path = "/api/v1/clients/{id}/contacts", tag = "clients", params(("id" = i64, Path)), request_body = ContactInput,
    responses((status = 201, body = Contact), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn add_contact(
    user: CurrentUser,
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Json(input): Json<ContactInput>,
) -> Result<Response, AppError> {
    let org = user.coordinator_org()?;
    store::get(&s.db, org, id).await?;
    let input = input.validate().map_err(AppError::Invalid)?;
    let c = store::add_contact(&s.db, org, id, &input).await?;
    Ok((StatusCode::CREATED, Json(c)).into_response())
}

/// Remove a contact.
#[utoipa::path(delete, path = "/api/v1/clients/{id}/contacts/{contact}", tag = "clients",
    params(("id" = i64, Path), ("contact" = i64, Path)), responses((status = 204), (status = 404, body = ErrorBody)))]
pub async fn delete_contact(
    user: CurrentUser,
    State(s): State<AppState>,
    Path((id, contact)): Path<(i64, i64)>,
) -> Result<StatusCode, AppError> {
    let org = user.coordinator_org()?;
    store::delete_contact(&s.db, org, id, contact).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Create (or link) the account of a client contact, tied to their structure, and send the
/// invitation e-mail: they then see their structure's documents only.
#[utoipa::path(post, path = "/api/v1/clients/{id}/contacts/{contact}/account", tag = "clients",
    params(("id" = i64, Path), ("contact" = i64, Path)),
    responses((status = 200, body = crate::intervenant::api::AccountLink), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn invite_contact(
    user: CurrentUser,
    State(s): State<AppState>,
    Path((id, contact)): Path<(i64, i64)>,
) -> Result<Json<crate::intervenant::api::AccountLink>, AppError> {
    let org = user.coordinator_org()?;
    let actor = crate::audit::Actor::user(user.id(), &user.user.name, user.role());
    let linked =
        crate::auth::accounts::link_client_contact(&s.db, org, id, contact, &actor, s.now(), &s.config.public_url())
            .await?;
    crate::auth::accounts::send_invitation(&s.db, org, &linked, "les documents de formation de votre structure")
        .await?;
    Ok(Json(linked.into()))
}
