//! `/api/v1/cycles/{id}/…`: the veille's saved links, feeds, news and OPML.

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

use crate::auth::Staff;
use crate::cycle::extract::CycleOf;
use crate::error::AppError;
use crate::extract::{Json, Path};
use crate::state::AppState;
use crate::veille::service::{BookmarkForm, ImportReport, do_add_bookmark, do_add_feed, do_import_opml};
use crate::veille::store::{self, Bookmark, Entry, Feed};
use crate::veille::web::reader_of;

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ListQuery {
    pub q: String,
    pub tag: String,
    pub unread: bool,
}

/// The saved links of a cycle's veille (search `q`, `tag`).
#[utoipa::path(get, path = "/api/v1/cycles/{id}/bookmarks", tag = "veille", params(("id" = i64, Path), ("q" = Option<String>, Query), ("tag" = Option<String>, Query)), responses((status = 200, body = Vec<Bookmark>)))]
pub async fn bookmarks(
    CycleOf { org, .. }: CycleOf,
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Query(q): Query<ListQuery>,
) -> Result<Json<Vec<Bookmark>>, AppError> {
    Ok(Json(store::bookmarks(&s.db, org, id, &q.q, &q.tag, 1000).await?))
}

#[derive(Deserialize, Default, utoipa::ToSchema)]
#[serde(default)]
pub struct BookmarkInput {
    pub url: String,
    pub title: String,
    pub comment: String,
    pub tags: Vec<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct BookmarkCreated {
    #[serde(flatten)]
    pub bookmark: Bookmark,
    /// Why the page's title could not be read, if so.
    pub warning: Option<String>,
}

/// Save a link (its page's title and description are read).
#[utoipa::path(post, path = "/api/v1/cycles/{id}/bookmarks", tag = "veille", params(("id" = i64, Path)), request_body = BookmarkInput, responses((status = 201, body = BookmarkCreated), (status = 422, body = crate::error::ErrorBody)))]
pub async fn add_bookmark(
    Staff { user, org }: Staff,
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Json(b): Json<BookmarkInput>,
) -> Result<Response, AppError> {
    let f = BookmarkForm { url: b.url, title: b.title, comment: b.comment, tags: b.tags.join(", ") };
    let (bid, warning) = do_add_bookmark(&s, org, id, &f, &user.user.name).await?;
    let bookmark = store::bookmarks(&s.db, org, id, "", "", 1000)
        .await?
        .into_iter()
        .find(|x| x.id == bid)
        .ok_or(AppError::NotFound)?;
    Ok((StatusCode::CREATED, Json(BookmarkCreated { bookmark, warning })).into_response())
}

/// Remove a saved link.
#[utoipa::path(delete, path = "/api/v1/cycles/{id}/bookmarks/{bookmark}", tag = "veille", params(("id" = i64, Path), ("bookmark" = i64, Path)), responses((status = 204)))]
pub async fn delete_bookmark(
    Staff { org, .. }: Staff,
    State(s): State<AppState>,
    Path((id, bid)): Path<(i64, i64)>,
) -> Result<StatusCode, AppError> {
    store::delete_bookmark(&s.db, org, id, bid).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The feeds the group subscribes to, with their last error.
#[utoipa::path(get, path = "/api/v1/cycles/{id}/feeds", tag = "veille", params(("id" = i64, Path)), responses((status = 200, body = Vec<Feed>)))]
pub async fn feeds(
    CycleOf { org, .. }: CycleOf,
    State(s): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Json<Vec<Feed>>, AppError> {
    Ok(Json(store::feeds(&s.db, org, id).await?))
}

#[derive(Deserialize, Default, utoipa::ToSchema)]
#[serde(default)]
pub struct FeedInput {
    /// A feed, or a page that announces one.
    pub url: String,
}

/// Subscribe to a feed (discovered from a page when needed) and read it at once.
#[utoipa::path(post, path = "/api/v1/cycles/{id}/feeds", tag = "veille", params(("id" = i64, Path)), request_body = FeedInput, responses((status = 201, body = Feed), (status = 422, body = crate::error::ErrorBody)))]
pub async fn add_feed(
    Staff { user, org }: Staff,
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Json(b): Json<FeedInput>,
) -> Result<Response, AppError> {
    let fid = do_add_feed(&s, org, id, &b.url, &user.user.name).await?;
    Ok((StatusCode::CREATED, Json(store::feed(&s.db, org, id, fid).await?)).into_response())
}

/// Read a feed now.
#[utoipa::path(post, path = "/api/v1/cycles/{id}/feeds/{feed}/refresh", tag = "veille", params(("id" = i64, Path), ("feed" = i64, Path)), responses((status = 200, body = Feed)))]
pub async fn refresh(
    Staff { org, .. }: Staff,
    State(s): State<AppState>,
    Path((id, fid)): Path<(i64, i64)>,
) -> Result<Json<Feed>, AppError> {
    let feed = store::feed(&s.db, org, id, fid).await?;
    crate::veille::refresh(&s, &feed).await?;
    Ok(Json(store::feed(&s.db, org, id, fid).await?))
}

/// Unsubscribe.
#[utoipa::path(delete, path = "/api/v1/cycles/{id}/feeds/{feed}", tag = "veille", params(("id" = i64, Path), ("feed" = i64, Path)), responses((status = 204)))]
pub async fn delete_feed(
    Staff { org, .. }: Staff,
    State(s): State<AppState>,
    Path((id, fid)): Path<(i64, i64)>,
) -> Result<StatusCode, AppError> {
    store::delete_feed(&s.db, org, id, fid).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The news of the group's feeds, newest first (`unread=true` for the unread ones, `q` to search).
#[utoipa::path(get, path = "/api/v1/cycles/{id}/entries", tag = "veille", params(("id" = i64, Path), ("unread" = Option<bool>, Query), ("q" = Option<String>, Query)), responses((status = 200, body = Vec<Entry>)))]
pub async fn entries(
    CycleOf { user, org, .. }: CycleOf,
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Query(q): Query<ListQuery>,
) -> Result<Json<Vec<Entry>>, AppError> {
    Ok(Json(store::entries(&s.db, org, id, &reader_of(&user), q.unread, &q.q, 500).await?))
}

#[derive(Deserialize, Default, utoipa::ToSchema)]
#[serde(default)]
pub struct ReadInput {
    pub read: bool,
}

/// Mark an entry read or unread for the one asking.
#[utoipa::path(post, path = "/api/v1/cycles/{id}/entries/{entry}/read", tag = "veille", params(("id" = i64, Path), ("entry" = i64, Path)), request_body = ReadInput, responses((status = 204)))]
pub async fn read(
    Staff { user, org }: Staff,
    State(s): State<AppState>,
    Path((id, eid)): Path<(i64, i64)>,
    Json(b): Json<ReadInput>,
) -> Result<StatusCode, AppError> {
    store::mark_read(&s.db, org, id, eid, &reader_of(&user), b.read).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Addresses {
    /// The Atom feed of the saved links (secret address, for a mail client).
    pub atom_url: String,
    /// The live OPML list of the feeds (secret address).
    pub opml_url: String,
}

/// The group's secret addresses.
#[utoipa::path(get, path = "/api/v1/cycles/{id}/veille", tag = "veille", params(("id" = i64, Path)), responses((status = 200, body = Addresses)))]
pub async fn addresses(
    Staff { org, .. }: Staff,
    State(s): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Json<Addresses>, AppError> {
    let token = store::token(&s.db, org, id).await?;
    let base = s.config.public_url();
    Ok(Json(Addresses {
        atom_url: format!("{base}/veille/{token}/liens.atom"),
        opml_url: format!("{base}/veille/{token}/abonnements.opml"),
    }))
}

#[derive(Deserialize, Default, utoipa::ToSchema)]
#[serde(default)]
pub struct OpmlInput {
    /// The OPML document.
    pub opml: String,
}

/// Import the feeds of an OPML document.
#[utoipa::path(post, path = "/api/v1/cycles/{id}/opml", tag = "veille", params(("id" = i64, Path)), request_body = OpmlInput, responses((status = 200, body = ImportReport), (status = 422, body = crate::error::ErrorBody)))]
pub async fn import_opml(
    Staff { user, org }: Staff,
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Json(b): Json<OpmlInput>,
) -> Result<Json<ImportReport>, AppError> {
    Ok(Json(do_import_opml(&s, org, id, &b.opml, &user.user.name).await?))
}
