//! A notepad's history: the revisions kept (when the last person leaves, every ten minutes while
//! people write, on demand and around a restore), viewed one by one and restored; restoring is an
//! edit like a client's, so everyone connected sees it live. And the export as PDF.

use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use serde::{Deserialize, Serialize};
use serde_json::json;
use yrs::types::text::YChange;
use yrs::{Any, Out, ReadTxn, Text, Transact};

use super::room::{self, Revision, Room};
use super::store::{self, Notepad, RevisionInfo};
use super::{TEXT, text};
use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::extract::{Form, Json, Path};
use crate::state::AppState;
use crate::web::{PageCtx, render};

/// Replaces the notepad's text by a revision's, as one edit of `author` that everyone sees live.
/// The text as it was just before is kept as a revision first, and the restored one after.
pub async fn restore(
    s: &AppState,
    room: &std::sync::Arc<Room>,
    rev: &RevisionInfo,
    state: &[u8],
    author: &str,
) -> Result<(), AppError> {
    room.flush().await;
    room.compact_now(&s.db, Revision::Now("avant restauration")).await;
    let old = super::text::doc_of(&[state])?;
    let chunks = {
        let src = old.get_or_insert_text(TEXT);
        src.diff(&old.transact(), YChange::identity)
    };
    let copy = room.copy().await?;
    let before = copy.transact().state_vector();
    let target = copy.get_or_insert_text(TEXT);
    {
        let mut txn = copy.transact_mut();
        let len = target.len(&txn);
        if len > 0 {
            target.remove_range(&mut txn, 0, len);
        }
        for d in chunks {
            if let Out::Any(Any::String(chunk)) = d.insert {
                let at = target.len(&txn);
                let attrs = d.attributes.map(|a| *a).unwrap_or_default();
                target.insert_with_attributes(&mut txn, at, &chunk, text::with_plain(attrs));
            }
        }
    }
    let update = copy.transact().encode_state_as_update_v1(&before);
    let applied = room.apply(0, update, author).await;
    if applied.is_ok() {
        let note = format!("restauration de la version du {}", crate::fr::date_time_default(rev.created_at));
        room.compact_now(&s.db, Revision::Now(&note)).await;
    }
    crate::notepad::room::rooms(&s.db).release_if_idle(&s.db, room).await;
    applied.map_err(|e| AppError::BadRequest(format!("Restauration impossible : {e}.")))
}

async fn notepad_of(s: &AppState, user: &CurrentUser, id: i64, notepad: i64) -> Result<Notepad, AppError> {
    let org = user.staff_org()?;
    let n = store::get(&s.db, org, notepad).await?;
    if n.cycle_id != id {
        return Err(AppError::NotFound);
    }
    Ok(n)
}

/// A revision as the pages show it.
pub struct RevisionRow {
    pub info: RevisionInfo,
    pub when: String,
}

#[derive(Template)]
#[template(path = "notepad/history.html")]
struct HistoryPage {
    ctx: PageCtx,
    cycle_id: i64,
    notepad: Notepad,
    revisions: Vec<RevisionRow>,
}

/// `GET /cycles/{id}/carnets/{notepad}/versions`
pub async fn history(
    ctx: PageCtx,
    user: CurrentUser,
    State(s): State<AppState>,
    Path((id, notepad)): Path<(i64, i64)>,
) -> Result<Response, AppError> {
    let n = notepad_of(&s, &user, id, notepad).await?;
    let revisions = store::revisions(&s.db, n.id)
        .await?
        .into_iter()
        .map(|info| RevisionRow { when: crate::fr::date_time_default(info.created_at), info })
        .collect();
    render(&HistoryPage { ctx, cycle_id: id, notepad: n, revisions })
}

#[derive(Template)]
#[template(path = "notepad/revision.html")]
struct RevisionPage {
    ctx: PageCtx,
    cycle_id: i64,
    notepad: Notepad,
    revision: RevisionRow,
    html: String,
}

/// `GET /cycles/{id}/carnets/{notepad}/versions/{rev}`
pub async fn revision(
    ctx: PageCtx,
    user: CurrentUser,
    State(s): State<AppState>,
    Path((id, notepad, rev)): Path<(i64, i64, i64)>,
) -> Result<Response, AppError> {
    let n = notepad_of(&s, &user, id, notepad).await?;
    let (info, state) = store::revision(&s.db, n.id, rev).await?;
    let doc = super::text::doc_of(&[&state])?;
    render(&RevisionPage {
        ctx,
        cycle_id: id,
        notepad: n,
        html: text::html(&doc),
        revision: RevisionRow { when: crate::fr::date_time_default(info.created_at), info },
    })
}

/// `POST /cycles/{id}/carnets/{notepad}/versions/{rev}/restaurer`
pub async fn restore_page(
    user: CurrentUser,
    State(s): State<AppState>,
    Path((id, notepad, rev)): Path<(i64, i64, i64)>,
) -> Result<Response, AppError> {
    let n = notepad_of(&s, &user, id, notepad).await?;
    let (info, state) = store::revision(&s.db, n.id, rev).await?;
    let room = crate::notepad::room::rooms(&s.db).open(&s.db, n.id).await?;
    restore(&s, &room, &info, &state, &user.user.name).await.map_err(AppError::on_page)?;
    Ok(Redirect::to(&format!("/cycles/{id}/carnets/{notepad}")).into_response())
}

#[derive(Deserialize, Default, utoipa::ToSchema)]
#[serde(default)]
pub struct KeepForm {
    /// A note for the revision ("avant la séance 2"…).
    pub note: String,
}

async fn keep(s: &AppState, n: &Notepad, note: &str) -> Result<RevisionInfo, AppError> {
    let note = note.trim();
    if note.chars().count() > 200 {
        return Err(AppError::invalid("note", "La note d'une version fait au plus 200 caractères."));
    }
    let room = crate::notepad::room::rooms(&s.db).open(&s.db, n.id).await?;
    room.flush().await;
    room.compact_now(&s.db, Revision::Now(if note.is_empty() { "version enregistrée" } else { note })).await;
    crate::notepad::room::rooms(&s.db).release_if_idle(&s.db, &room).await;
    store::revisions(&s.db, n.id).await?.into_iter().next().ok_or(AppError::NotFound)
}

/// `POST /cycles/{id}/carnets/{notepad}/versions`: keeps the text as it is now.
pub async fn keep_page(
    user: CurrentUser,
    State(s): State<AppState>,
    Path((id, notepad)): Path<(i64, i64)>,
    Form(f): Form<KeepForm>,
) -> Result<Response, AppError> {
    let n = notepad_of(&s, &user, id, notepad).await?;
    keep(&s, &n, &f.note).await.map_err(AppError::on_page)?;
    Ok(Redirect::to(&format!("/cycles/{id}/carnets/{notepad}/versions")).into_response())
}

/// The notepad as a PDF document (title, the organisation, the text with its headings, lists,
/// bold, italics and links).
pub async fn pdf(s: &AppState, org: i64, n: &Notepad, doc: &yrs::Doc) -> Result<Vec<u8>, AppError> {
    let organisation = crate::org::store::get(&s.db, org).await?;
    let (org_json, logo) = crate::documents::org_data(&s.db, &organisation).await?;
    let data = json!({
        "title": format!("{} — bloc-notes", n.title),
        "reference": format!("Bloc-notes « {} », état du {}", n.title, crate::fr::date_time_default(crate::db::now())),
        "org": org_json,
        "lines": text::pdf_lines(doc),
    });
    crate::documents::render(NOTEPAD_PDF, data, logo).await
}

const NOTEPAD_PDF: &str = include_str!("../../pdf/notepad.typ");

fn pdf_name(n: &Notepad) -> String {
    format!("bloc-notes-{}.pdf", crate::places::communes::slug(&n.title))
}

/// `GET /cycles/{id}/carnets/{notepad}/bloc-notes.pdf`
pub async fn export_pdf(
    user: CurrentUser,
    State(s): State<AppState>,
    Path((id, notepad)): Path<(i64, i64)>,
) -> Result<Response, AppError> {
    let n = notepad_of(&s, &user, id, notepad).await?;
    let doc = room::load_doc(&s.db, n.id).await?;
    let bytes = pdf(&s, user.staff_org()?, &n, &doc).await?;
    Ok(crate::documents::pdf_response(&pdf_name(&n), bytes))
}

/// A revision with its text.
#[derive(Serialize, utoipa::ToSchema)]
pub struct RevisionView {
    #[serde(flatten)]
    pub revision: RevisionInfo,
    pub markdown: String,
    pub html: String,
}

impl RevisionView {
    fn of(revision: RevisionInfo, doc: &yrs::Doc) -> RevisionView {
        RevisionView { revision, markdown: text::markdown(doc), html: text::html(doc) }
    }
}

/// The notepad's revisions, the latest first.
#[utoipa::path(get, path = "/api/v1/cycles/{id}/notepads/{notepad}/revisions", tag = "notepads", params(("id" = i64, Path), ("notepad" = i64, Path)), responses((status = 200, body = Vec<RevisionInfo>)))]
pub async fn api_revisions(
    user: CurrentUser,
    State(s): State<AppState>,
    Path((id, notepad)): Path<(i64, i64)>,
) -> Result<Json<Vec<RevisionInfo>>, AppError> {
    let n = notepad_of(&s, &user, id, notepad).await?;
    Ok(Json(store::revisions(&s.db, n.id).await?))
}

/// Keeps the text as it is now as a revision.
#[utoipa::path(post, path = "/api/v1/cycles/{id}/notepads/{notepad}/revisions", tag = "notepads", params(("id" = i64, Path), ("notepad" = i64, Path)), request_body = KeepForm, responses((status = 200, body = RevisionInfo), (status = 422, body = crate::error::ErrorBody)))]
pub async fn api_keep(
    user: CurrentUser,
    State(s): State<AppState>,
    Path((id, notepad)): Path<(i64, i64)>,
    Json(f): Json<KeepForm>,
) -> Result<Json<RevisionInfo>, AppError> {
    let n = notepad_of(&s, &user, id, notepad).await?;
    Ok(Json(keep(&s, &n, &f.note).await?))
}

/// One revision, with its text in Markdown and HTML.
#[utoipa::path(get, path = "/api/v1/cycles/{id}/notepads/{notepad}/revisions/{rev}", tag = "notepads", params(("id" = i64, Path), ("notepad" = i64, Path), ("rev" = i64, Path)), responses((status = 200, body = RevisionView)))]
pub async fn api_revision(
    user: CurrentUser,
    State(s): State<AppState>,
    Path((id, notepad, rev)): Path<(i64, i64, i64)>,
) -> Result<Json<RevisionView>, AppError> {
    let n = notepad_of(&s, &user, id, notepad).await?;
    let (revision, state) = store::revision(&s.db, n.id, rev).await?;
    Ok(Json(RevisionView::of(revision, &super::text::doc_of(&[&state])?)))
}

/// Restores a revision: the notepad's text becomes the revision's, as a live edit.
#[utoipa::path(post, path = "/api/v1/cycles/{id}/notepads/{notepad}/revisions/{rev}/restore", tag = "notepads", params(("id" = i64, Path), ("notepad" = i64, Path), ("rev" = i64, Path)), responses((status = 200, body = RevisionView)))]
pub async fn api_restore(
    user: CurrentUser,
    State(s): State<AppState>,
    Path((id, notepad, rev)): Path<(i64, i64, i64)>,
) -> Result<Json<RevisionView>, AppError> {
    let n = notepad_of(&s, &user, id, notepad).await?;
    let (info, state) = store::revision(&s.db, n.id, rev).await?;
    let room = crate::notepad::room::rooms(&s.db).open(&s.db, n.id).await?;
    restore(&s, &room, &info, &state, &user.user.name).await?;
    let latest = store::revisions(&s.db, n.id).await?.into_iter().next().ok_or(AppError::NotFound)?;
    Ok(Json(RevisionView::of(latest, &room::load_doc(&s.db, n.id).await?)))
}

/// The notepad as a PDF.
#[utoipa::path(get, path = "/api/v1/cycles/{id}/notepads/{notepad}/pdf", tag = "notepads", params(("id" = i64, Path), ("notepad" = i64, Path)), responses((status = 200, content_type = "application/pdf", body = Vec<u8>)))]
pub async fn api_pdf(
    user: CurrentUser,
    State(s): State<AppState>,
    Path((id, notepad)): Path<(i64, i64)>,
) -> Result<Response, AppError> {
    export_pdf(user, State(s), Path((id, notepad))).await
}
