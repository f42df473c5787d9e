//! The notepads' pages, websocket and API: one notepad per module of a cycle, opened from the
//! cycle's notepads page, edited live by the cycle's team; a read-only link; exports to Markdown
//! and HTML; an import of Markdown (appended as an edit); the links typed in them.

use askama::Template;
use axum::extract::ws::WebSocketUpgrade;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::{Deserialize, Serialize};
use yrs::{ReadTxn, Text, Transact};

use super::room::{self, Room};
use super::store::{self, Notepad};
use super::text::{self, Block};
use crate::auth::CurrentUser;
use crate::auth::Staff;
use crate::auth::extract::MaybeUser;
use crate::cycle::extract::CycleOf;
use crate::cycle::store as cycles;
use crate::error::AppError;
use crate::extract::{Form, Json, Path};
use crate::state::AppState;
use crate::web::{PageCtx, render};

/// The notepad of a module of a cycle, made from the template on first use.
pub async fn notepad_of_module(s: &AppState, org: i64, cycle_id: i64, module_id: i64) -> Result<Notepad, AppError> {
    let cycle = cycles::get(&s.db, org, cycle_id).await?;
    let module = cycles::modules(&s.db, org, cycle_id)
        .await?
        .into_iter()
        .find(|m| m.id == module_id)
        .ok_or(AppError::NotFound)?;
    if let Some(id) = store::of_module(&s.db, org, cycle_id, module_id).await? {
        return store::get(&s.db, org, id).await;
    }
    let sessions: Vec<cycles::TrainingSession> =
        cycles::sessions(&s.db, org, cycle_id).await?.into_iter().filter(|x| x.cycle_module_id == module_id).collect();
    let mut blocks = vec![
        Block::Heading(1, format!("{} — bloc-notes", module.title)),
        Block::Paragraph(format!(
            "Bloc-notes collaboratif de la formation ({}) : chacun y écrit, en même temps que les autres.",
            cycle.title
        )),
        Block::Heading(2, "Programme".into()),
    ];
    for line in module.content.objectives.lines().map(str::trim).filter(|l| !l.is_empty()) {
        blocks.push(Block::Bullet(line.trim_start_matches(['-', '•', '*']).trim().to_string()));
    }
    blocks.push(Block::Heading(2, "Liens utiles".into()));
    blocks.push(Block::Bullet(String::new()));
    if sessions.is_empty() {
        blocks.push(Block::Heading(2, "Jour 1".into()));
        blocks.push(Block::Paragraph(String::new()));
    }
    for (i, x) in sessions.iter().enumerate() {
        blocks.push(Block::Heading(2, format!("Jour {} — {}", i + 1, crate::fr::date(x.start_at))));
        if !x.title.is_empty() {
            blocks.push(Block::Paragraph(x.title.clone()));
        }
        blocks.push(Block::Paragraph(String::new()));
    }
    let notepad = store::create(&s.db, org, cycle_id, &module.title, &text::template(&blocks)).await?;
    store::set_module(&s.db, notepad.id, module_id).await?;
    Ok(notepad)
}

/// A notepad's links, for the cycle's pages and the API.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct NotepadLinks {
    pub notepad_id: i64,
    pub title: String,
    /// (address, text around it)
    pub links: Vec<(String, String)>,
}

pub async fn links_of_cycle(s: &AppState, org: i64, cycle_id: i64) -> Result<Vec<NotepadLinks>, AppError> {
    let mut out = Vec::new();
    for n in store::for_cycle(&s.db, org, cycle_id).await? {
        let doc = room::load_doc(&s.db, n.id).await?;
        out.push(NotepadLinks { notepad_id: n.id, title: n.title, links: text::links(&doc) });
    }
    Ok(out)
}

#[derive(Template)]
#[template(path = "notepad/index.html")]
struct IndexPage {
    ctx: PageCtx,
    cycle: cycles::Cycle,
    modules: Vec<(cycles::CycleModule, Option<Notepad>)>,
    links: Vec<NotepadLinks>,
}

/// `GET /cycles/{id}/carnets`
pub async fn index(
    ctx: PageCtx,
    CycleOf { org, cycle, .. }: CycleOf,
    State(s): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let pads = store::for_cycle(&s.db, org, id).await?;
    let module_of = store::modules_of(&s.db, org, id).await?;
    let modules = cycles::modules(&s.db, org, id)
        .await?
        .into_iter()
        .map(|m| {
            let pad = module_of
                .iter()
                .find(|(_, cm)| *cm == Some(m.id))
                .and_then(|(pid, _)| pads.iter().find(|p| p.id == *pid).cloned());
            (m, pad)
        })
        .collect();
    let links = links_of_cycle(&s, org, id).await?;
    render(&IndexPage { ctx, cycle, modules, links })
}

/// `POST /cycles/{id}/carnets/modules/{module}`: opens (and makes on first use) a module's notepad.
pub async fn open_module(
    Staff { org, .. }: Staff,
    State(s): State<AppState>,
    Path((id, module)): Path<(i64, i64)>,
) -> Result<Response, AppError> {
    let n = notepad_of_module(&s, org, id, module).await?;
    Ok(Redirect::to(&format!("/cycles/{id}/carnets/{}", n.id)).into_response())
}

#[derive(Template)]
#[template(path = "notepad/editor.html")]
struct EditorPage {
    ctx: PageCtx,
    cycle_id: i64,
    notepad: Notepad,
    ws_base: String,
    room: String,
    read_only: bool,
    name: String,
    html: String,
    public_url: String,
    /// The page to go back to ("" for the read-only link).
    back: String,
    /// The team's tools: sharing, exports, import, history.
    staff: bool,
}

/// `GET /cycles/{id}/carnets/{notepad}`
pub async fn editor(
    ctx: PageCtx,
    Staff { user, org }: Staff,
    State(s): State<AppState>,
    Path((id, notepad)): Path<(i64, i64)>,
) -> Result<Response, AppError> {
    let n = store::get(&s.db, org, notepad).await?;
    if n.cycle_id != id {
        return Err(AppError::NotFound);
    }
    let doc = room::load_doc(&s.db, n.id).await?;
    render(&EditorPage {
        ctx,
        cycle_id: id,
        ws_base: "/carnets/ws".into(),
        room: n.id.to_string(),
        read_only: false,
        name: user.user.name.clone(),
        html: text::html(&doc),
        public_url: format!("{}/carnet/{}", s.config.public_url(), n.read_token),
        back: format!("/cycles/{id}/carnets"),
        staff: true,
        notepad: n,
    })
}

/// `GET /carnet/{token}`: the read-only view (it follows the edits live).
pub async fn read_only(
    ctx: PageCtx,
    State(s): State<AppState>,
    Path(token): Path<String>,
) -> Result<Response, AppError> {
    let (_, n) = store::by_read_token(&s.db, &token).await?;
    let doc = room::load_doc(&s.db, n.id).await?;
    render(&EditorPage {
        ctx,
        cycle_id: n.cycle_id,
        ws_base: "/carnet/ws".into(),
        room: token,
        read_only: true,
        name: String::new(),
        html: text::html(&doc),
        public_url: String::new(),
        back: String::new(),
        staff: false,
        notepad: n,
    })
}

/// The notepad of the participant's cycle behind a participant's link.
async fn participant_notepad(s: &AppState, token: &str, notepad: i64) -> Result<(String, Notepad), AppError> {
    let (org, cycle_id, person) = cycles::participant_by_token(&s.db, token).await?;
    let n = store::get(&s.db, org, notepad).await?;
    if n.cycle_id != cycle_id {
        return Err(AppError::NotFound);
    }
    Ok((format!("{} {}", person.first_name, person.last_name).trim().to_string(), n))
}

/// `GET /p/{token}/carnets/{notepad}`: a participant writes in the notepads of the cycle.
pub async fn participant_editor(
    ctx: PageCtx,
    State(s): State<AppState>,
    Path((token, notepad)): Path<(String, i64)>,
) -> Result<Response, AppError> {
    let (name, n) = participant_notepad(&s, &token, notepad).await?;
    let doc = room::load_doc(&s.db, n.id).await?;
    render(&EditorPage {
        ctx,
        cycle_id: n.cycle_id,
        ws_base: format!("/p/{token}/carnets/ws"),
        room: n.id.to_string(),
        read_only: false,
        name,
        html: text::html(&doc),
        public_url: String::new(),
        back: format!("/p/{token}"),
        staff: false,
        notepad: n,
    })
}

/// `GET /p/{token}/carnets/ws/{notepad}`: the participant's websocket.
pub async fn participant_ws(
    headers: HeaderMap,
    State(s): State<AppState>,
    Path((token, notepad)): Path<(String, i64)>,
    upgrade: Result<WebSocketUpgrade, axum::extract::ws::rejection::WebSocketUpgradeRejection>,
) -> Result<Response, AppError> {
    let (name, n) = participant_notepad(&s, &token, notepad).await?;
    open_socket(&s, &headers, &n, upgrade, Some(name)).await
}

/// The websocket of a notepad: `author` writes, None only reads.
async fn open_socket(
    s: &AppState,
    headers: &HeaderMap,
    n: &Notepad,
    upgrade: Result<WebSocketUpgrade, axum::extract::ws::rejection::WebSocketUpgradeRejection>,
    author: Option<String>,
) -> Result<Response, AppError> {
    let origin = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok());
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
    if !origin_allowed(origin, host, &s.config.public_url()) {
        return Err(AppError::Forbidden);
    }
    let upgrade = upgrade.map_err(|_| upgrade_refused())?;
    let room = crate::notepad::room::rooms(&s.db).open(&s.db, n.id).await?;
    let db = s.db.clone();
    let limit = s.config.notepad_max_messages_per_second;
    let upgrade = match author {
        // Up to four times the limit the message arrives and is refused with a reason; beyond, the
        // transport drops the connection.
        Some(_) => upgrade.max_message_size(4 * super::MAX_MESSAGE_BYTES).max_frame_size(4 * super::MAX_MESSAGE_BYTES),
        None => upgrade.max_message_size(64 * 1024),
    };
    let read_only = author.is_none();
    Ok(upgrade.on_upgrade(move |socket| room::serve(socket, db, room, author.unwrap_or_default(), read_only, limit)))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct WsQuery {
    /// An API token, for clients that cannot send a header (node's y-websocket).
    pub token: String,
}

/// A browser's websocket must come from a page of this site (its `Origin` is the public address,
/// or the host it asked for), or another site's page could open it with the person's cookie.
/// Clients outside a browser send no `Origin` and authenticate with a token.
pub fn origin_allowed(origin: Option<&str>, host: Option<&str>, public_url: &str) -> bool {
    let Some(origin) = origin else { return true };
    let origin = origin.trim_end_matches('/');
    if origin.eq_ignore_ascii_case(public_url.trim_end_matches('/')) {
        return true;
    }
    match (origin.split_once("://"), host) {
        (Some((scheme, rest)), Some(host)) => {
            matches!(scheme, "http" | "https") && !host.is_empty() && rest.eq_ignore_ascii_case(host)
        }
        _ => false,
    }
}

fn upgrade_refused() -> AppError {
    AppError::BadRequest("Cette adresse est celle du bloc-notes en temps réel (websocket).".into())
}

/// `GET /carnets/ws/{notepad}`: the y-websocket endpoint for the cycle's team.
pub async fn ws(
    headers: HeaderMap,
    MaybeUser(user): MaybeUser,
    State(s): State<AppState>,
    Path(notepad): Path<i64>,
    Query(q): Query<WsQuery>,
    upgrade: Result<WebSocketUpgrade, axum::extract::ws::rejection::WebSocketUpgradeRejection>,
) -> Result<Response, AppError> {
    let user = match user {
        Some(u) => u.user,
        None if !q.token.is_empty() => {
            crate::auth::store::user_by_token(&s.db, &q.token).await?.ok_or(AppError::Unauthorized)?
        }
        None => return Err(AppError::Unauthorized),
    };
    if !user.role().is_staff() {
        return Err(AppError::Forbidden);
    }
    let org = user.org_id.ok_or(AppError::Forbidden)?;
    let n = store::get(&s.db, org, notepad).await?;
    // An intervenant writes in the notepads of the cycles they teach (the permission matrix).
    if user.role() == crate::auth::Role::Intervenant {
        let me = crate::cycle::store::intervenant_of_user(&s.db, org, user.id).await?;
        if !matches!(me, Some(i) if crate::cycle::store::teaches(&s.db, org, n.cycle_id, i).await?) {
            return Err(AppError::Forbidden);
        }
    }
    open_socket(&s, &headers, &n, upgrade, Some(user.name)).await
}

/// `GET /carnet/ws/{token}`: the read-only link's websocket (it receives, its edits are ignored).
pub async fn read_ws(
    headers: HeaderMap,
    State(s): State<AppState>,
    Path(token): Path<String>,
    upgrade: Result<WebSocketUpgrade, axum::extract::ws::rejection::WebSocketUpgradeRejection>,
) -> Result<Response, AppError> {
    let (_, n) = store::by_read_token(&s.db, &token).await?;
    open_socket(&s, &headers, &n, upgrade, None).await
}

async fn notepad_doc(s: &AppState, user: &CurrentUser, id: i64, notepad: i64) -> Result<(Notepad, yrs::Doc), AppError> {
    let org = user.staff_org()?;
    let n = store::get(&s.db, org, notepad).await?;
    if n.cycle_id != id {
        return Err(AppError::NotFound);
    }
    let doc = room::load_doc(&s.db, n.id).await?;
    Ok((n, doc))
}

fn file_name(n: &Notepad, ext: &str) -> String {
    let slug = crate::places::communes::slug(&n.title);
    format!("attachment; filename=\"bloc-notes-{slug}.{ext}\"")
}

/// `GET /cycles/{id}/carnets/{notepad}/bloc-notes.md`
pub async fn export_md(
    user: CurrentUser,
    State(s): State<AppState>,
    Path((id, notepad)): Path<(i64, i64)>,
) -> Result<Response, AppError> {
    let (n, doc) = notepad_doc(&s, &user, id, notepad).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/markdown; charset=utf-8".to_string()),
            (header::CONTENT_DISPOSITION, file_name(&n, "md")),
        ],
        text::markdown(&doc),
    )
        .into_response())
}

/// `GET /cycles/{id}/carnets/{notepad}/bloc-notes.html`
pub async fn export_html(
    user: CurrentUser,
    State(s): State<AppState>,
    Path((id, notepad)): Path<(i64, i64)>,
) -> Result<Response, AppError> {
    let (n, doc) = notepad_doc(&s, &user, id, notepad).await?;
    let page = format!(
        "<!doctype html>\n<html lang=\"fr\"><head><meta charset=\"utf-8\"><title>{}</title></head><body>\n{}</body></html>\n",
        n.title.replace('&', "&amp;").replace('<', "&lt;"),
        text::html(&doc)
    );
    Ok((
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8".to_string()),
            (header::CONTENT_DISPOSITION, file_name(&n, "html")),
        ],
        page,
    )
        .into_response())
}

#[derive(Deserialize, Default, utoipa::ToSchema)]
#[serde(default)]
pub struct ImportForm {
    pub markdown: String,
}

/// Appends Markdown to the notepad as an edit (the others see it live).
pub async fn append_markdown(
    s: &AppState,
    room: &std::sync::Arc<Room>,
    md: &str,
    author: &str,
) -> Result<(), AppError> {
    let blocks = text::blocks_from_markdown(md);
    if blocks.is_empty() {
        return Err(AppError::invalid("markdown", "Collez du texte en Markdown à ajouter."));
    }
    // The edit is made on a copy of the document, then sent as an update like a client's.
    let copy = room.copy().await?;
    let before = copy.transact().state_vector();
    let added = text::template(&blocks);
    let tmp = yrs::Doc::new();
    {
        tmp.transact_mut()
            .apply_update(super::text::decode_update(&added).map_err(|e| AppError::Internal(anyhow::anyhow!(e)))?)
            .map_err(|e| AppError::Internal(e.into()))?;
    }
    // Copy the new lines at the end of the current text, with their attributes.
    let text_ref = copy.get_or_insert_text(super::TEXT);
    let src = tmp.get_or_insert_text(super::TEXT);
    {
        let diff = src.diff(&tmp.transact(), yrs::types::text::YChange::identity);
        let mut txn = copy.transact_mut();
        for d in diff {
            if let yrs::Out::Any(yrs::Any::String(chunk)) = d.insert {
                let at = text_ref.len(&txn);
                let a = d.attributes.map(|a| *a).unwrap_or_default();
                text_ref.insert_with_attributes(&mut txn, at, &chunk, text::with_plain(a));
            }
        }
    }
    let update = copy.transact().encode_state_as_update_v1(&before);
    let applied = room.apply(0, update, author).await;
    crate::notepad::room::rooms(&s.db).release_if_idle(&s.db, room).await;
    applied.map_err(|e| AppError::BadRequest(format!("Import impossible : {e}.")))
}

/// `POST /cycles/{id}/carnets/{notepad}/import`
pub async fn import(
    Staff { user, org }: Staff,
    State(s): State<AppState>,
    Path((id, notepad)): Path<(i64, i64)>,
    Form(f): Form<ImportForm>,
) -> Result<Response, AppError> {
    let n = store::get(&s.db, org, notepad).await?;
    if n.cycle_id != id {
        return Err(AppError::NotFound);
    }
    if f.markdown.len() > 200_000 {
        return Err(AppError::invalid("markdown", "Le texte à importer fait au plus 200 000 caractères."));
    }
    let room = crate::notepad::room::rooms(&s.db).open(&s.db, n.id).await?;
    append_markdown(&s, &room, &f.markdown, &user.user.name).await.map_err(AppError::on_page)?;
    Ok(Redirect::to(&format!("/cycles/{id}/carnets/{notepad}")).into_response())
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct NotepadView {
    #[serde(flatten)]
    pub notepad: Notepad,
    pub markdown: String,
    pub html: String,
    pub links: Vec<(String, String)>,
    /// The websocket of the y-websocket protocol: `{ws_url}/{id}` (add `?token=` without a session).
    pub ws_url: String,
}

/// The cycle's notepads with their links.
#[utoipa::path(get, path = "/api/v1/cycles/{id}/notepads", tag = "notepads", params(("id" = i64, Path)), responses((status = 200, body = Vec<NotepadLinks>)))]
pub async fn api_list(
    CycleOf { org, .. }: CycleOf,
    State(s): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Json<Vec<NotepadLinks>>, AppError> {
    Ok(Json(links_of_cycle(&s, org, id).await?))
}

/// The notepad of a module of the cycle (made from the template on first use).
#[utoipa::path(post, path = "/api/v1/cycles/{id}/modules/{module}/notepad", tag = "notepads", params(("id" = i64, Path), ("module" = i64, Path)), responses((status = 200, body = NotepadView)))]
pub async fn api_module(
    Staff { user, org }: Staff,
    State(s): State<AppState>,
    Path((id, module)): Path<(i64, i64)>,
) -> Result<Json<NotepadView>, AppError> {
    let n = notepad_of_module(&s, org, id, module).await?;
    api_view(&s, &user, id, n.id).await.map(Json)
}

async fn api_view(s: &AppState, user: &CurrentUser, id: i64, notepad: i64) -> Result<NotepadView, AppError> {
    let (n, doc) = notepad_doc(s, user, id, notepad).await?;
    let ws_url = format!("{}/carnets/ws", s.config.public_url().replacen("http", "ws", 1));
    Ok(NotepadView {
        markdown: text::markdown(&doc),
        html: text::html(&doc),
        links: text::links(&doc),
        ws_url,
        notepad: n,
    })
}

/// One notepad: its text in Markdown and HTML, its links.
#[utoipa::path(get, path = "/api/v1/cycles/{id}/notepads/{notepad}", tag = "notepads", params(("id" = i64, Path), ("notepad" = i64, Path)), responses((status = 200, body = NotepadView)))]
pub async fn api_get(
    user: CurrentUser,
    State(s): State<AppState>,
    Path((id, notepad)): Path<(i64, i64)>,
) -> Result<Json<NotepadView>, AppError> {
    api_view(&s, &user, id, notepad).await.map(Json)
}

/// Append Markdown to a notepad (headings, bullets, paragraphs), as a live edit.
#[utoipa::path(post, path = "/api/v1/cycles/{id}/notepads/{notepad}/markdown", tag = "notepads", params(("id" = i64, Path), ("notepad" = i64, Path)), request_body = ImportForm, responses((status = 200, body = NotepadView), (status = 422, body = crate::error::ErrorBody)))]
pub async fn api_import(
    Staff { user, org }: Staff,
    State(s): State<AppState>,
    Path((id, notepad)): Path<(i64, i64)>,
    Json(f): Json<ImportForm>,
) -> Result<Json<NotepadView>, AppError> {
    let n = store::get(&s.db, org, notepad).await?;
    if n.cycle_id != id {
        return Err(AppError::NotFound);
    }
    if f.markdown.len() > 200_000 {
        return Err(AppError::invalid("markdown", "Le texte à importer fait au plus 200 000 caractères."));
    }
    let room = crate::notepad::room::rooms(&s.db).open(&s.db, n.id).await?;
    append_markdown(&s, &room, &f.markdown, &user.user.name).await?;
    api_view(&s, &user, id, notepad).await.map(Json)
}

#[cfg(test)]
mod tests {
    use super::origin_allowed;

    #[test]
    fn a_websocket_opens_from_this_site_only() {
        let public = "https://acunum.exemple.fr";
        // A client outside a browser sends no Origin (it authenticates with a token).
        assert!(origin_allowed(None, Some("acunum.exemple.fr"), public));
        assert!(origin_allowed(Some("https://acunum.exemple.fr"), Some("acunum.exemple.fr"), public));
        assert!(origin_allowed(Some("http://127.0.0.1:8080"), Some("127.0.0.1:8080"), public));
        assert!(!origin_allowed(Some("https://evil.example"), Some("acunum.exemple.fr"), public));
        assert!(!origin_allowed(Some("null"), Some("acunum.exemple.fr"), public));
        assert!(!origin_allowed(Some("http://127.0.0.1:9999"), Some("127.0.0.1:8080"), public));
        assert!(!origin_allowed(Some("https://acunum.exemple.fr.evil.example"), Some("acunum.exemple.fr"), public));
    }
}
