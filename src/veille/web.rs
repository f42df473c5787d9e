//! The veille's pages: saved links, news, feeds and OPML, the group's public addresses; and the
//! public Atom feed of saved links and OPML list of feeds at the cycle's secret address.

use super::service::*;
use askama::Template;
use axum::extract::{Multipart, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use tower_sessions::Session;

use crate::auth::CurrentUser;
use crate::auth::Staff;
use crate::cycle::extract::CycleOf;
use crate::cycle::store::{self as cycles, Cycle};
use crate::error::{AppError, FieldErrors};
use crate::extract::{Form, Path};
use crate::state::AppState;
use crate::veille::store::{self, Bookmark, Entry, Feed};
use crate::web::{PageCtx, flash, render, render_invalid};

/// Who reads: a user of the organisation or a participant.
pub fn reader_of(user: &CurrentUser) -> String {
    format!("u{}", user.user.id)
}

// --- shared actions (pages and API) ----------------------------------------------------------------

/// The OPML list of the cycle's feeds.
pub fn opml_of(title: &str, feeds: &[Feed]) -> String {
    let mut doc = opml::OPML {
        head: Some(opml::Head { title: Some(format!("Veille — {title}")), ..Default::default() }),
        ..Default::default()
    };
    for f in feeds {
        doc.body.outlines.push(opml::Outline {
            text: f.title.clone(),
            title: Some(f.title.clone()),
            r#type: Some("rss".into()),
            xml_url: Some(f.url.clone()),
            html_url: (!f.site_url.is_empty()).then(|| f.site_url.clone()),
            ..Default::default()
        });
    }
    // With its XML declaration: without one, some readers take the file for Latin-1 and write
    // "numÃ©rique".
    let xml = doc.to_string().unwrap_or_default();
    if xml.starts_with("<?xml") { xml } else { format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n{xml}") }
}

fn xml_escape(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_control() || *c == '\n' || *c == '\t')
        .collect::<String>()
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn rfc3339(t: i64) -> String {
    chrono::DateTime::from_timestamp(t, 0).unwrap_or_default().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// The Atom feed of the group's saved links (newest 100).
pub fn atom_of(title: &str, self_url: &str, links: &[Bookmark]) -> String {
    let updated = links.iter().map(|b| b.created_at).max().unwrap_or(0);
    let mut x = String::from(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"fr\">\n",
    );
    x.push_str(&format!("  <title>{}</title>\n", xml_escape(&format!("Liens de la veille — {title}"))));
    x.push_str(&format!(
        "  <id>{}</id>\n  <link rel=\"self\" href=\"{}\"/>\n",
        xml_escape(self_url),
        xml_escape(self_url)
    ));
    x.push_str(&format!("  <updated>{}</updated>\n  <generator>Acunum</generator>\n", rfc3339(updated)));
    for b in links.iter().take(100) {
        x.push_str("  <entry>\n");
        x.push_str(&format!("    <title>{}</title>\n", xml_escape(&b.title)));
        x.push_str(&format!("    <id>{}#lien-{}</id>\n", xml_escape(self_url), b.id));
        x.push_str(&format!("    <link rel=\"alternate\" href=\"{}\"/>\n", xml_escape(&b.url)));
        x.push_str(&format!("    <updated>{}</updated>\n", rfc3339(b.created_at)));
        x.push_str(&format!("    <author><name>{}</name></author>\n", xml_escape(&b.added_by)));
        for t in &b.tags {
            x.push_str(&format!("    <category term=\"{}\"/>\n", xml_escape(t)));
        }
        let mut summary = b.comment.clone();
        if !b.description.is_empty() {
            if !summary.is_empty() {
                summary.push_str("\n\n");
            }
            summary.push_str(&b.description);
        }
        x.push_str(&format!("    <summary type=\"text\">{}</summary>\n", xml_escape(&summary)));
        x.push_str("  </entry>\n");
    }
    x.push_str("</feed>\n");
    x
}

// --- pages ---------------------------------------------------------------------------------------

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct VeilleQuery {
    pub q: String,
    pub tag: String,
    pub non_lus: Option<String>,
}

#[derive(Template)]
#[template(path = "veille/links.html")]
struct LinksPage {
    ctx: PageCtx,
    cycle: Cycle,
    links: Vec<Bookmark>,
    q: String,
    tag: String,
    atom_url: String,
    opml_url: String,
    digest: bool,
    form: BookmarkForm,
    errors: FieldErrors,
}

async fn links_page(
    s: &AppState,
    user: &CurrentUser,
    ctx: PageCtx,
    id: i64,
    q: VeilleQuery,
    form: BookmarkForm,
    errors: FieldErrors,
) -> Result<LinksPage, AppError> {
    let org = user.staff_org()?;
    let cycle = cycles::get(&s.db, org, id).await?;
    let token = store::token(&s.db, org, id).await?;
    let base = s.config.public_url();
    Ok(LinksPage {
        links: store::bookmarks(&s.db, org, id, &q.q, &q.tag, 500).await?,
        atom_url: format!("{base}/veille/{token}/liens.atom"),
        opml_url: format!("{base}/veille/{token}/abonnements.opml"),
        digest: store::has_digest(&s.db, id, &user.user.email).await?,
        q: q.q,
        tag: q.tag,
        cycle,
        ctx,
        form,
        errors,
    })
}

/// `GET /cycles/{id}/veille`
pub async fn links(
    ctx: PageCtx,
    user: CurrentUser,
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Query(q): Query<VeilleQuery>,
) -> Result<Response, AppError> {
    render(&links_page(&s, &user, ctx, id, q, BookmarkForm::default(), FieldErrors::new()).await?)
}

/// `POST /cycles/{id}/veille/liens`
pub async fn add_link(
    ctx: PageCtx,
    Staff { user, org }: Staff,
    session: Session,
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Form(f): Form<BookmarkForm>,
) -> Result<Response, AppError> {
    match do_add_bookmark(&s, org, id, &f, &user.user.name).await {
        Ok((_, problem)) => {
            let msg = match problem {
                Some(p) => format!("Lien enregistré, sans son titre : {p}"),
                None => "Lien enregistré dans la veille du groupe.".into(),
            };
            flash(&session, &msg).await;
            Ok(Redirect::to(&format!("/cycles/{id}/veille")).into_response())
        }
        Err(AppError::Invalid(e)) => {
            render_invalid(&links_page(&s, &user, ctx, id, VeilleQuery::default(), f, e).await?)
        }
        Err(e) => Err(e),
    }
}

/// `POST /cycles/{id}/veille/liens/{bookmark}/supprimer`
pub async fn delete_link(
    Staff { org, .. }: Staff,
    session: Session,
    State(s): State<AppState>,
    Path((id, bid)): Path<(i64, i64)>,
) -> Result<Response, AppError> {
    store::delete_bookmark(&s.db, org, id, bid).await?;
    flash(&session, "Lien retiré de la veille.").await;
    Ok(Redirect::to(&format!("/cycles/{id}/veille")).into_response())
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct DigestForm {
    /// "1" to receive it, "0" to stop.
    pub resume: String,
}

fn digest_message(on: bool) -> &'static str {
    if on { "Vous recevrez chaque semaine les nouveaux liens du groupe." } else { "Vous ne recevrez plus le résumé." }
}

/// `POST /cycles/{id}/veille/resume`: the weekly digest of new links, by e-mail, for the one asking.
pub async fn digest(
    CycleOf { user, org, .. }: CycleOf,
    session: Session,
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Form(f): Form<DigestForm>,
) -> Result<Response, AppError> {
    let on = f.resume == "1";
    store::set_digest(&s.db, org, id, &user.user.email, &user.user.name, on).await?;
    flash(&session, digest_message(on)).await;
    Ok(Redirect::to(&format!("/cycles/{id}/veille#abonnement")).into_response())
}

/// `POST /p/{token}/veille/resume`
pub async fn member_digest(
    session: Session,
    State(s): State<AppState>,
    Path(token): Path<String>,
    Form(f): Form<DigestForm>,
) -> Result<Response, AppError> {
    let (org, cycle_id, person) = cycles::participant_by_token(&s.db, &token).await?;
    if person.email.is_empty() {
        return Err(AppError::BadRequest(
            "Votre adresse e-mail n'est pas connue : demandez à l'équipe de l'ajouter.".into(),
        ));
    }
    let on = f.resume == "1";
    store::set_digest(&s.db, org, cycle_id, &person.email, &person.full_name(), on).await?;
    flash(&session, digest_message(on)).await;
    Ok(Redirect::to(&format!("/p/{token}/veille#mail-h")).into_response())
}

/// `POST /cycles/{id}/veille/jeton`: new secret addresses.
pub async fn renew(
    CycleOf { org, .. }: CycleOf,
    session: Session,
    State(s): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    store::renew_token(&s.db, org, id).await?;
    flash(&session, "Nouvelles adresses créées : les anciennes ne fonctionnent plus.").await;
    Ok(Redirect::to(&format!("/cycles/{id}/veille#abonnement")).into_response())
}

#[derive(Template)]
#[template(path = "veille/news.html")]
struct NewsPage {
    ctx: PageCtx,
    cycle: Cycle,
    entries: Vec<Entry>,
    unread_only: bool,
    q: String,
}

/// `GET /cycles/{id}/veille/actualites`
pub async fn news(
    ctx: PageCtx,
    CycleOf { user, org, cycle }: CycleOf,
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Query(q): Query<VeilleQuery>,
) -> Result<Response, AppError> {
    let unread_only = q.non_lus.is_some();
    let entries = store::entries(&s.db, org, id, &reader_of(&user), unread_only, &q.q, 200).await?;
    render(&NewsPage { ctx, cycle, entries, unread_only, q: q.q })
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ReadForm {
    /// "1" to mark read, "0" unread.
    pub lu: String,
}

/// `POST /cycles/{id}/veille/actualites/{entry}/lu`
pub async fn mark(
    Staff { user, org }: Staff,
    State(s): State<AppState>,
    Path((id, eid)): Path<(i64, i64)>,
    Form(f): Form<ReadForm>,
) -> Result<Response, AppError> {
    store::mark_read(&s.db, org, id, eid, &reader_of(&user), f.lu != "0").await?;
    Ok(Redirect::to(&format!("/cycles/{id}/veille/actualites#e-{eid}")).into_response())
}

/// `POST /cycles/{id}/veille/actualites/tout-lu`
pub async fn mark_all(
    CycleOf { user, org, .. }: CycleOf,
    session: Session,
    State(s): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    store::mark_all_read(&s.db, org, id, &reader_of(&user)).await?;
    flash(&session, "Toutes les actualités sont marquées comme lues.").await;
    Ok(Redirect::to(&format!("/cycles/{id}/veille/actualites")).into_response())
}

#[derive(Template)]
#[template(path = "veille/feeds.html")]
struct FeedsPage {
    ctx: PageCtx,
    cycle: Cycle,
    feeds: Vec<Feed>,
    url: String,
    errors: FieldErrors,
    report: Option<ImportReport>,
}

async fn feeds_page(
    s: &AppState,
    org: i64,
    ctx: PageCtx,
    id: i64,
    url: String,
    errors: FieldErrors,
    report: Option<ImportReport>,
) -> Result<FeedsPage, AppError> {
    let cycle = cycles::get(&s.db, org, id).await?;
    Ok(FeedsPage { feeds: store::feeds(&s.db, org, id).await?, cycle, ctx, url, errors, report })
}

/// `GET /cycles/{id}/veille/flux`
pub async fn feeds(
    ctx: PageCtx,
    Staff { org, .. }: Staff,
    State(s): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    render(&feeds_page(&s, org, ctx, id, String::new(), FieldErrors::new(), None).await?)
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct FeedForm {
    pub url: String,
}

/// `POST /cycles/{id}/veille/flux`
pub async fn add_feed(
    ctx: PageCtx,
    Staff { user, org }: Staff,
    session: Session,
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Form(f): Form<FeedForm>,
) -> Result<Response, AppError> {
    match do_add_feed(&s, org, id, &f.url, &user.user.name).await {
        Ok(_) => {
            flash(&session, "Le groupe est abonné : ses actualités sont dans « Actualités ».").await;
            Ok(Redirect::to(&format!("/cycles/{id}/veille/flux")).into_response())
        }
        Err(AppError::Invalid(e)) => render_invalid(&feeds_page(&s, org, ctx, id, f.url, e, None).await?),
        Err(e) => Err(e),
    }
}

/// `POST /cycles/{id}/veille/flux/{feed}/actualiser`
pub async fn refresh(
    Staff { org, .. }: Staff,
    session: Session,
    State(s): State<AppState>,
    Path((id, fid)): Path<(i64, i64)>,
) -> Result<Response, AppError> {
    let feed = store::feed(&s.db, org, id, fid).await?;
    let n = crate::veille::refresh(&s, &feed).await?;
    let feed = store::feed(&s.db, org, id, fid).await?;
    let msg = if feed.error.is_empty() {
        format!("Flux relu : {n} nouvelle(s) actualité(s).")
    } else {
        format!("Le flux n'a pas pu être lu : {}", feed.error)
    };
    flash(&session, &msg).await;
    Ok(Redirect::to(&format!("/cycles/{id}/veille/flux")).into_response())
}

/// `POST /cycles/{id}/veille/flux/{feed}/supprimer`
pub async fn delete_feed(
    Staff { org, .. }: Staff,
    session: Session,
    State(s): State<AppState>,
    Path((id, fid)): Path<(i64, i64)>,
) -> Result<Response, AppError> {
    store::delete_feed(&s.db, org, id, fid).await?;
    flash(&session, "Abonnement supprimé.").await;
    Ok(Redirect::to(&format!("/cycles/{id}/veille/flux")).into_response())
}

/// `POST /cycles/{id}/veille/opml` (multipart, `_csrf` in the query)
pub async fn import_opml(
    ctx: PageCtx,
    CycleOf { user, org, .. }: CycleOf,
    State(s): State<AppState>,
    Path(id): Path<i64>,
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Result<Response, AppError> {
    let mut multipart =
        multipart.map_err(|_| AppError::BadRequest("Envoyez le fichier OPML avec le formulaire.".into()))?;
    let mut bytes = Vec::new();
    while let Some(field) = multipart.next_field().await.map_err(|_| AppError::upload_failed())? {
        if field.name() == Some("opml") {
            bytes = field.bytes().await.map_err(|_| AppError::upload_failed())?.to_vec();
        }
    }
    let text = String::from_utf8(bytes).unwrap_or_default();
    match do_import_opml(&s, org, id, &text, &user.user.name).await {
        Ok(report) => render(&feeds_page(&s, org, ctx, id, String::new(), FieldErrors::new(), Some(report)).await?),
        Err(AppError::Invalid(e)) => render_invalid(&feeds_page(&s, org, ctx, id, String::new(), e, None).await?),
        Err(e) => Err(e),
    }
}

/// `GET /cycles/{id}/veille/abonnements.opml`
pub async fn export_opml(
    CycleOf { org, cycle, .. }: CycleOf,
    State(s): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let body = opml_of(&cycle.title, &store::feeds(&s.db, org, id).await?);
    Ok((
        [
            (header::CONTENT_TYPE, "text/x-opml; charset=utf-8"),
            (header::CONTENT_DISPOSITION, "attachment; filename=\"veille.opml\""),
        ],
        body,
    )
        .into_response())
}

/// `GET /veille/{token}/liens.atom`: the group's saved links, for a mail client or a reader.
pub async fn public_atom(State(s): State<AppState>, Path(token): Path<String>) -> Result<Response, AppError> {
    let (org, cycle_id, title) = store::cycle_by_token(&s.db, &token).await?;
    let links = store::bookmarks(&s.db, org, cycle_id, "", "", 100).await?;
    let self_url = format!("{}/veille/{token}/liens.atom", s.config.public_url());
    Ok(([(header::CONTENT_TYPE, "application/atom+xml; charset=utf-8")], atom_of(&title, &self_url, &links))
        .into_response())
}

/// `GET /veille/{token}/abonnements.opml`: the live list of the group's feeds.
pub async fn public_opml(State(s): State<AppState>, Path(token): Path<String>) -> Result<Response, AppError> {
    let (org, cycle_id, title) = store::cycle_by_token(&s.db, &token).await?;
    Ok((
        [(header::CONTENT_TYPE, "text/x-opml; charset=utf-8")],
        opml_of(&title, &store::feeds(&s.db, org, cycle_id).await?),
    )
        .into_response())
}

// --- a participant's side ----------------------------------------------------------------------

#[derive(Template)]
#[template(path = "veille/member.html")]
struct MemberPage {
    ctx: PageCtx,
    token: String,
    cycle: Cycle,
    links: Vec<Bookmark>,
    entries: Vec<Entry>,
    feeds: Vec<Feed>,
    q: String,
    atom_url: String,
    digest: bool,
    has_email: bool,
}

/// `GET /p/{token}/veille`: a participant's view of the group's veille.
pub async fn member(
    ctx: PageCtx,
    State(s): State<AppState>,
    Path(token): Path<String>,
    Query(q): Query<VeilleQuery>,
) -> Result<Response, AppError> {
    let (org, cycle_id, person) = cycles::participant_by_token(&s.db, &token).await?;
    let cycle = cycles::get(&s.db, org, cycle_id).await?;
    let secret = store::token(&s.db, org, cycle_id).await?;
    render(&MemberPage {
        links: store::bookmarks(&s.db, org, cycle_id, &q.q, &q.tag, 200).await?,
        entries: store::entries(&s.db, org, cycle_id, &format!("p{}", person.id), q.non_lus.is_some(), &q.q, 100)
            .await?,
        feeds: store::feeds(&s.db, org, cycle_id).await?,
        atom_url: format!("{}/veille/{secret}/liens.atom", s.config.public_url()),
        digest: store::has_digest(&s.db, cycle_id, &person.email).await?,
        has_email: !person.email.is_empty(),
        q: q.q,
        ctx,
        token,
        cycle,
    })
}

/// `POST /p/{token}/veille/liens`
pub async fn member_add_link(
    session: Session,
    State(s): State<AppState>,
    Path(token): Path<String>,
    Form(f): Form<BookmarkForm>,
) -> Result<Response, AppError> {
    let (org, cycle_id, person) = cycles::participant_by_token(&s.db, &token).await?;
    match do_add_bookmark(&s, org, cycle_id, &f, &person.full_name()).await {
        Ok((_, problem)) => {
            flash(
                &session,
                &match problem {
                    Some(p) => format!("Lien enregistré, sans son titre : {p}"),
                    None => "Merci, le lien est dans la veille du groupe.".into(),
                },
            )
            .await;
            Ok(Redirect::to(&format!("/p/{token}/veille")).into_response())
        }
        Err(e) => {
            let kept = [
                ("link:url".to_string(), f.url.clone()),
                ("link:tags".to_string(), f.tags.clone()),
                ("link:comment".to_string(), f.comment.clone()),
            ];
            crate::web::back_keeping(&session, e, &format!("/p/{token}/veille"), &kept).await
        }
    }
}

/// `POST /p/{token}/veille/flux`
pub async fn member_add_feed(
    session: Session,
    State(s): State<AppState>,
    Path(token): Path<String>,
    Form(f): Form<FeedForm>,
) -> Result<Response, AppError> {
    let (org, cycle_id, person) = cycles::participant_by_token(&s.db, &token).await?;
    match do_add_feed(&s, org, cycle_id, &f.url, &person.full_name()).await {
        Ok(_) => {
            flash(&session, "Le groupe est abonné à ce site : ses actualités arrivent ici.").await;
            Ok(Redirect::to(&format!("/p/{token}/veille")).into_response())
        }
        Err(e) => {
            let kept = [("feed:url".to_string(), f.url.clone())];
            crate::web::back_keeping(&session, e, &format!("/p/{token}/veille"), &kept).await
        }
    }
}

/// `POST /p/{token}/veille/actualites/{entry}/lu`
pub async fn member_mark(
    State(s): State<AppState>,
    Path((token, eid)): Path<(String, i64)>,
    Form(f): Form<ReadForm>,
) -> Result<Response, AppError> {
    let (org, cycle_id, person) = cycles::participant_by_token(&s.db, &token).await?;
    store::mark_read(&s.db, org, cycle_id, eid, &format!("p{}", person.id), f.lu != "0").await?;
    Ok(Redirect::to(&format!("/p/{token}/veille#e-{eid}")).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_atom_feed_escapes_and_parses() {
        let b = Bookmark {
            id: 1,
            url: "https://exemple.fr/?a=1&b=2".into(),
            title: "Tri & filtres <courriels>".into(),
            description: "Desc".into(),
            comment: "À lire".into(),
            tags: vec!["messagerie".into()],
            added_by: "Inès".into(),
            created_at: 1_780_000_000,
        };
        let x = atom_of("Cycle", "https://acunum.test/veille/t/liens.atom", &[b]);
        let feed = feed_rs::parser::parse(x.as_bytes()).unwrap();
        assert_eq!(feed.entries.len(), 1);
        assert_eq!(feed.entries[0].title.as_ref().unwrap().content, "Tri & filtres <courriels>");
        assert_eq!(feed.entries[0].links[0].href, "https://exemple.fr/?a=1&b=2");
    }

    #[test]
    fn opml_round_trips() {
        let f = Feed {
            id: 1,
            cycle_id: 1,
            org_id: 1,
            url: "https://exemple.fr/flux".into(),
            site_url: "https://exemple.fr/".into(),
            title: "Exemple & co".into(),
            etag: None,
            last_modified: None,
            fetched_at: None,
            next_fetch_at: 0,
            error: String::new(),
            errors: 0,
            added_by: String::new(),
            entries: 0,
        };
        let text = opml_of("Cycle", &[f]);
        let doc = opml::OPML::from_str(&text).unwrap();
        let mut found = Vec::new();
        outlines(&doc.body.outlines, &mut found);
        assert_eq!(found, vec![("https://exemple.fr/flux".to_string(), "Exemple & co".to_string())]);
    }
}
