//! Reading a vendor's commercial proposal: the committee (coordinator, intervenant or a member from
//! their personal page) uploads it as PDF or text, its text is extracted, the glossary marks the
//! jargon in it, and the intervenant writes a plain-language reading beside it.

use askama::Template;
use axum::extract::{Multipart, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use serde::{Deserialize, Serialize};
use tower_sessions::Session;

use crate::auth::CurrentUser;
use crate::auth::Staff;
use crate::cycle::extract::CycleOf;
pub mod glossary;
pub mod store;

use crate::cycle::store::{self as cycles, Cycle};
use crate::error::{AppError, FieldErrors};
use crate::extract::{Form, Json, Path};
use crate::state::AppState;
use crate::web::{PageCtx, flash, render, render_invalid};
use glossary::{Found, Segment};

/// Extracted texts are kept up to this many characters.
pub const MAX_TEXT_CHARS: usize = 400_000;

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Proposal {
    pub id: i64,
    pub cycle_id: i64,
    pub title: String,
    pub vendor: String,
    pub filename: String,
    pub mime: String,
    pub size: i64,
    /// The plain-language reading (Markdown).
    pub reading: String,
    pub reading_by: String,
    pub reading_at: Option<i64>,
    pub uploaded_by: String,
    pub created_at: i64,
    /// The extracted text (only in the detail).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
}

impl Proposal {
    pub fn size_text(&self) -> String {
        if self.size >= 1024 * 1024 {
            format!("{:.1} Mo", self.size as f64 / 1_048_576.0).replace('.', ",")
        } else {
            format!("{} Ko", (self.size + 1023) / 1024)
        }
    }
}

const COLUMNS: &str =
    "id, cycle_id, title, vendor, filename, mime, size, reading, reading_by, reading_at, uploaded_by, created_at";

pub struct NewProposal<'a> {
    pub title: &'a str,
    pub vendor: &'a str,
    pub filename: &'a str,
    pub mime: &'a str,
    pub content: &'a [u8],
    pub text: &'a str,
    pub uploaded_by: &'a str,
}

// --- extraction ----------------------------------------------------------------------------------

/// The text of an uploaded file, with its type: a PDF (read by `pdf-extract`, which must not bring
/// the server down on a broken file) or a UTF-8 text. The message says why a file cannot be read.
pub async fn extract(bytes: Vec<u8>) -> Result<(&'static str, String), String> {
    let (mime, text) = if bytes.starts_with(b"%PDF-") {
        let text = tokio::task::spawn_blocking(move || {
            std::panic::catch_unwind(|| pdf_extract::extract_text_from_mem(&bytes)).ok().and_then(Result::ok)
        })
        .await
        .ok()
        .flatten()
        .ok_or_else(|| {
            "Ce PDF n'a pas pu être lu : il est peut-être abîmé ou protégé. Enregistrez-le à nouveau en PDF, ou envoyez le texte de la proposition."
                .to_string()
        })?;
        ("application/pdf", text)
    } else {
        let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
        let text = std::str::from_utf8(body).ok().filter(|t| !t.contains('\0')).ok_or_else(|| {
            "Ce fichier n'est ni un PDF ni un texte (UTF-8). Envoyez la proposition en PDF ou en texte.".to_string()
        })?;
        ("text/plain", text.to_string())
    };
    let text = text.replace("\r\n", "\n").replace('\u{0}', "");
    if text.trim().is_empty() {
        return Err(
            "Ce document ne contient pas de texte lisible (un PDF scanné n'est qu'une image) : envoyez le texte de la proposition."
                .into(),
        );
    }
    Ok((mime, text.chars().take(MAX_TEXT_CHARS).collect()))
}

/// A file name fit for a header: no path, no quotes, no control characters.
fn clean_filename(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    let clean: String = base
        .chars()
        .filter(|c| !c.is_control() && *c != '"' && *c != ';')
        .take(120)
        .collect::<String>()
        .trim()
        .to_string();
    if clean.is_empty() { "proposition".into() } else { clean }
}

/// The upload form's fields.
#[derive(Default, Clone)]
pub struct Upload {
    pub title: String,
    pub vendor: String,
    pub filename: String,
    pub content: Vec<u8>,
}

/// The multipart body, read once access is known to be granted (a refused body must not tell a
/// stranger more than "not found").
type MultipartBody = Result<Multipart, axum::extract::multipart::MultipartRejection>;

pub async fn read_upload(multipart: MultipartBody) -> Result<Upload, AppError> {
    let mut multipart = multipart.map_err(|_| {
        AppError::BadRequest("Envoyez la proposition avec le formulaire de dépôt (fichier joint).".into())
    })?;
    let mut u = Upload::default();
    while let Some(field) = multipart.next_field().await.map_err(|_| AppError::upload_failed())? {
        let name = field.name().unwrap_or_default().to_string();
        match name.as_str() {
            "file" => {
                u.filename = clean_filename(field.file_name().unwrap_or_default());
                u.content = field.bytes().await.map_err(|_| AppError::upload_failed())?.to_vec();
            }
            "title" | "vendor" => {
                let v = field.text().await.map_err(|_| AppError::upload_failed())?;
                if name == "title" { u.title = v } else { u.vendor = v }
            }
            _ => {}
        }
    }
    Ok(u)
}

/// Checks and stores an upload (shared by the pages and the API).
pub async fn do_upload(s: &AppState, org: i64, cycle_id: i64, u: &Upload, by: &str) -> Result<i64, AppError> {
    cycles::get(&s.db, org, cycle_id).await?;
    let mut e = FieldErrors::new();
    let title = crate::text::check_text(&mut e, "title", &u.title, true, 200);
    let vendor = crate::text::check_text(&mut e, "vendor", &u.vendor, false, 200);
    let mut extracted = None;
    if u.content.is_empty() {
        e.add("file", "Choisissez le fichier de la proposition (PDF ou texte).");
    } else if u.content.len() > s.config.max_upload_bytes {
        e.add(
            "file",
            format!("Le fichier dépasse {} Ko : envoyez une version plus légère.", s.config.max_upload_bytes / 1024),
        );
    } else {
        match extract(u.content.clone()).await {
            Ok(x) => extracted = Some(x),
            Err(m) => e.add("file", m),
        }
    }
    let (title, vendor) = e.into_result((title, vendor))?;
    let Some((mime, text)) = extracted else { return Err(AppError::invalid("file", "Fichier illisible.")) };
    let filename = if u.filename.is_empty() { "proposition".to_string() } else { u.filename.clone() };
    store::add(
        &s.db,
        org,
        cycle_id,
        &NewProposal {
            title: &title,
            vendor: &vendor,
            filename: &filename,
            mime,
            content: &u.content,
            text: &text,
            uploaded_by: by,
        },
    )
    .await
}

// --- pages ---------------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "committee/proposals.html")]
struct ListPage {
    ctx: PageCtx,
    cycle: Cycle,
    items: Vec<Proposal>,
    form: Upload,
    errors: FieldErrors,
}

async fn list_page(
    s: &AppState,
    org: i64,
    ctx: PageCtx,
    id: i64,
    form: Upload,
    errors: FieldErrors,
) -> Result<ListPage, AppError> {
    Ok(ListPage {
        cycle: cycles::get(&s.db, org, id).await?,
        items: store::list(&s.db, org, id).await?,
        ctx,
        form,
        errors,
    })
}

/// `GET /cycles/{id}/propositions`
pub async fn index(
    ctx: PageCtx,
    Staff { org, .. }: Staff,
    State(s): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    render(&list_page(&s, org, ctx, id, Upload::default(), FieldErrors::new()).await?)
}

/// `POST /cycles/{id}/propositions` (multipart, `_csrf` in the query)
pub async fn upload(
    ctx: PageCtx,
    CycleOf { user, org, .. }: CycleOf,
    session: Session,
    State(s): State<AppState>,
    Path(id): Path<i64>,
    multipart: MultipartBody,
) -> Result<Response, AppError> {
    let u = read_upload(multipart).await?;
    match do_upload(&s, org, id, &u, &user.user.name).await {
        Ok(pid) => {
            flash(&session, "La proposition est enregistrée ; son texte est lu avec le glossaire.").await;
            Ok(Redirect::to(&format!("/cycles/{id}/propositions/{pid}")).into_response())
        }
        Err(AppError::Invalid(e)) => {
            render_invalid(&list_page(&s, org, ctx, id, Upload { content: Vec::new(), ..u }, e).await?)
        }
        Err(e) => Err(e),
    }
}

#[derive(Template)]
#[template(path = "committee/proposal.html")]
struct ReadPage {
    ctx: PageCtx,
    cycle: Cycle,
    p: Proposal,
    segments: Vec<Segment>,
    found: Vec<Found>,
    reading_html: String,
    form_reading: String,
    errors: FieldErrors,
    /// Set on a member's page: `/p/{token}`; the reading is then read-only.
    member_base: Option<String>,
}

impl ReadPage {
    fn meaning(&self, i: &usize) -> &'static str {
        glossary::GLOSSARY[*i].meaning
    }
    fn term(&self, i: &usize) -> &'static str {
        glossary::GLOSSARY[*i].term
    }
}

fn read_page(
    ctx: PageCtx,
    cycle: Cycle,
    p: Proposal,
    form_reading: Option<String>,
    errors: FieldErrors,
    member_base: Option<String>,
) -> ReadPage {
    let (segments, found) = glossary::highlight(p.text.as_deref().unwrap_or_default());
    ReadPage {
        ctx,
        cycle,
        reading_html: crate::markdown::to_safe_html(&p.reading),
        form_reading: form_reading.unwrap_or_else(|| p.reading.clone()),
        p,
        segments,
        found,
        errors,
        member_base,
    }
}

/// `GET /cycles/{id}/propositions/{proposal}`
pub async fn show(
    ctx: PageCtx,
    CycleOf { org, cycle, .. }: CycleOf,
    State(s): State<AppState>,
    Path((id, pid)): Path<(i64, i64)>,
) -> Result<Response, AppError> {
    let p = store::get(&s.db, org, id, pid).await?;
    render(&read_page(ctx, cycle, p, None, FieldErrors::new(), None))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ReadingForm {
    pub reading: String,
}

pub async fn do_reading(s: &AppState, org: i64, id: i64, pid: i64, reading: &str, by: &str) -> Result<(), AppError> {
    store::get(&s.db, org, id, pid).await?;
    let mut e = FieldErrors::new();
    let reading = crate::text::check_text(&mut e, "reading", reading, true, 50_000);
    let reading = e.into_result(reading)?;
    store::set_reading(&s.db, org, id, pid, &reading, by).await
}

/// `POST /cycles/{id}/propositions/{proposal}/lecture`
pub async fn save_reading(
    ctx: PageCtx,
    Staff { user, org }: Staff,
    session: Session,
    State(s): State<AppState>,
    Path((id, pid)): Path<(i64, i64)>,
    Form(f): Form<ReadingForm>,
) -> Result<Response, AppError> {
    match do_reading(&s, org, id, pid, &f.reading, &user.user.name).await {
        Ok(()) => {
            flash(&session, "La lecture est enregistrée : le comité la voit depuis sa page.").await;
            Ok(Redirect::to(&format!("/cycles/{id}/propositions/{pid}")).into_response())
        }
        Err(AppError::Invalid(e)) => {
            let cycle = cycles::get(&s.db, org, id).await?;
            let p = store::get(&s.db, org, id, pid).await?;
            render_invalid(&read_page(ctx, cycle, p, Some(f.reading), e, None))
        }
        Err(e) => Err(e),
    }
}

fn file_response(filename: String, mime: String, content: Vec<u8>) -> Response {
    let ascii: String = filename.chars().map(|c| if c.is_ascii_graphic() || c == ' ' { c } else { '_' }).collect();
    let encoded = percent_encoding::utf8_percent_encode(&filename, percent_encoding::NON_ALPHANUMERIC).to_string();
    (
        [
            (header::CONTENT_TYPE, if mime == "text/plain" { "text/plain; charset=utf-8".to_string() } else { mime }),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")),
        ],
        content,
    )
        .into_response()
}

/// `GET /cycles/{id}/propositions/{proposal}/fichier`: the file as uploaded.
pub async fn download(
    Staff { org, .. }: Staff,
    State(s): State<AppState>,
    Path((id, pid)): Path<(i64, i64)>,
) -> Result<Response, AppError> {
    let (name, mime, content) = store::file(&s.db, org, id, pid).await?;
    Ok(file_response(name, mime, content))
}

/// `POST /cycles/{id}/propositions/{proposal}/supprimer`
pub async fn remove(
    user: CurrentUser,
    session: Session,
    State(s): State<AppState>,
    Path((id, pid)): Path<(i64, i64)>,
) -> Result<Response, AppError> {
    let org = user.coordinator_org()?;
    store::get(&s.db, org, id, pid).await?;
    store::delete(&s.db, org, id, pid).await?;
    flash(&session, "La proposition est supprimée.").await;
    Ok(Redirect::to(&format!("/cycles/{id}/propositions")).into_response())
}

// --- a member's side ---------------------------------------------------------------------------

async fn member(s: &AppState, token: &str) -> Result<(i64, i64, cycles::Participant), AppError> {
    let (org, cycle_id, person) = cycles::participant_by_token(&s.db, token).await?;
    if !person.committee {
        return Err(AppError::Forbidden);
    }
    Ok((org, cycle_id, person))
}

/// `POST /p/{token}/propositions` (multipart): a member of the committee uploads a proposal.
pub async fn member_upload(
    session: Session,
    State(s): State<AppState>,
    Path(token): Path<String>,
    multipart: MultipartBody,
) -> Result<Response, AppError> {
    let (org, cycle_id, person) = member(&s, &token).await?;
    let u = read_upload(multipart).await?;
    match do_upload(&s, org, cycle_id, &u, &person.full_name()).await {
        Ok(pid) => {
            flash(&session, "Merci, la proposition est enregistrée : l'équipe d'accompagnement va la lire.").await;
            Ok(Redirect::to(&format!("/p/{token}/propositions/{pid}")).into_response())
        }
        Err(e) => {
            let kept =
                [("proposal:title".to_string(), u.title.clone()), ("proposal:vendor".to_string(), u.vendor.clone())];
            crate::web::back_keeping(&session, e, &format!("/p/{token}#propositions"), &kept).await
        }
    }
}

/// `GET /p/{token}/propositions/{proposal}`: a member reads the proposal and its reading.
pub async fn member_show(
    ctx: PageCtx,
    State(s): State<AppState>,
    Path((token, pid)): Path<(String, i64)>,
) -> Result<Response, AppError> {
    let (org, cycle_id, _) = member(&s, &token).await?;
    let cycle = cycles::get(&s.db, org, cycle_id).await?;
    let p = store::get(&s.db, org, cycle_id, pid).await?;
    render(&read_page(ctx, cycle, p, None, FieldErrors::new(), Some(format!("/p/{token}"))))
}

/// `GET /p/{token}/propositions/{proposal}/fichier`
pub async fn member_download(
    State(s): State<AppState>,
    Path((token, pid)): Path<(String, i64)>,
) -> Result<Response, AppError> {
    let (org, cycle_id, _) = member(&s, &token).await?;
    let (name, mime, content) = store::file(&s.db, org, cycle_id, pid).await?;
    Ok(file_response(name, mime, content))
}

/// `GET /glossaire`: the whole glossary.
pub async fn glossary_page(ctx: PageCtx) -> Result<Response, AppError> {
    #[derive(Template)]
    #[template(path = "committee/glossary.html")]
    struct Page {
        ctx: PageCtx,
        terms: &'static [glossary::Term],
    }
    render(&Page { ctx, terms: glossary::GLOSSARY })
}

// --- API -----------------------------------------------------------------------------------------

/// The proposals of a cycle's committee.
#[utoipa::path(get, path = "/api/v1/cycles/{id}/proposals", tag = "committee", params(("id" = i64, Path)), responses((status = 200, body = Vec<Proposal>)))]
pub async fn api_list(
    CycleOf { org, .. }: CycleOf,
    State(s): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Json<Vec<Proposal>>, AppError> {
    Ok(Json(store::list(&s.db, org, id).await?))
}

/// The multipart form of an upload, as the document describes it.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct ProposalUpload {
    /// The proposal's title (at most 200 characters).
    title: String,
    /// The vendor (at most 200 characters).
    vendor: Option<String>,
    /// The file: a PDF or UTF-8 text.
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
}

/// Upload a proposal: multipart fields `title`, `vendor` and `file` (PDF or UTF-8 text).
#[utoipa::path(post, path = "/api/v1/cycles/{id}/proposals", tag = "committee", params(("id" = i64, Path)),
    request_body(content = ProposalUpload, content_type = "multipart/form-data"),
    responses((status = 201, body = ProposalView), (status = 422, body = crate::error::ErrorBody)))]
pub async fn api_upload(
    CycleOf { user, org, .. }: CycleOf,
    State(s): State<AppState>,
    Path(id): Path<i64>,
    multipart: MultipartBody,
) -> Result<Response, AppError> {
    let u = read_upload(multipart).await?;
    let pid = do_upload(&s, org, id, &u, &user.user.name).await?;
    Ok((axum::http::StatusCode::CREATED, Json(view(store::get(&s.db, org, id, pid).await?))).into_response())
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct TermFound {
    pub term: String,
    pub meaning: String,
    pub count: usize,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ProposalView {
    #[serde(flatten)]
    pub proposal: Proposal,
    /// The glossary's terms found in the text.
    pub terms: Vec<TermFound>,
}

fn view(p: Proposal) -> ProposalView {
    let (_, found) = glossary::highlight(p.text.as_deref().unwrap_or_default());
    ProposalView {
        terms: found
            .iter()
            .map(|f| TermFound { term: f.term().term.into(), meaning: f.term().meaning.into(), count: f.count })
            .collect(),
        proposal: p,
    }
}

/// A proposal with its text and the glossary's terms found in it.
#[utoipa::path(get, path = "/api/v1/cycles/{id}/proposals/{proposal}", tag = "committee", params(("id" = i64, Path), ("proposal" = i64, Path)), responses((status = 200, body = ProposalView)))]
pub async fn api_get(
    Staff { org, .. }: Staff,
    State(s): State<AppState>,
    Path((id, pid)): Path<(i64, i64)>,
) -> Result<Json<ProposalView>, AppError> {
    Ok(Json(view(store::get(&s.db, org, id, pid).await?)))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct ReadingInput {
    /// Markdown.
    #[serde(default)]
    pub reading: String,
}

/// Write the plain-language reading of a proposal.
#[utoipa::path(put, path = "/api/v1/cycles/{id}/proposals/{proposal}/reading", tag = "committee", params(("id" = i64, Path), ("proposal" = i64, Path)), request_body = ReadingInput, responses((status = 200, body = ProposalView)))]
pub async fn api_reading(
    Staff { user, org }: Staff,
    State(s): State<AppState>,
    Path((id, pid)): Path<(i64, i64)>,
    Json(b): Json<ReadingInput>,
) -> Result<Json<ProposalView>, AppError> {
    do_reading(&s, org, id, pid, &b.reading, &user.user.name).await?;
    Ok(Json(view(store::get(&s.db, org, id, pid).await?)))
}
