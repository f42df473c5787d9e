//! What the veille's pages and API both do: adding a feed or a bookmark, importing an OPML file.

use serde::Deserialize;

use crate::cycle::store::{self as cycles};
use crate::db::now;
use crate::error::{AppError, FieldErrors};
use crate::state::AppState;
use crate::veille::fetch::{self, Fetcher};
use crate::veille::store::{self, NewBookmark, NewFeed};

/// Saves a link; the page's title and description are read when it answers. Returns the id and,
/// when the page could not be read, why.
pub async fn do_add_bookmark(
    s: &AppState,
    org: i64,
    cycle_id: i64,
    f: &BookmarkForm,
    by: &str,
) -> Result<(i64, Option<String>), AppError> {
    cycles::get(&s.db, org, cycle_id).await?;
    let mut e = FieldErrors::new();
    let url = match fetch::parse_url(&f.url) {
        Ok(u) => Some(u),
        Err(m) => {
            e.add("url", m.0);
            None
        }
    };
    let title = crate::text::check_text(&mut e, "title", &f.title, false, 300);
    let comment = crate::text::check_text(&mut e, "comment", &f.comment, false, 5000);
    let tags = crate::committee::matching::tags(&f.tags);
    let (url, title, comment) = e.into_result((url, title, comment))?;
    let Some(url) = url else { return Err(AppError::invalid("url", "Adresse invalide.")) };
    let (mut page_title, mut description, mut problem) = (String::new(), String::new(), None);
    match fetch::fetch(&Fetcher::from_config(&s.config), &url, None, None).await {
        Ok(got) => {
            if got.content_type.contains("html") || got.content_type.is_empty() {
                (page_title, description) = crate::veille::page_meta(&crate::veille::body_text(&got.body));
            }
        }
        Err(m) => problem = Some(m.0),
    }
    let title = if !title.is_empty() {
        title
    } else if !page_title.is_empty() {
        page_title
    } else {
        format!("{}{}", url.host_str().unwrap_or_default(), url.path().trim_end_matches('/'))
    };
    let id = store::add_bookmark(
        &s.db,
        org,
        cycle_id,
        &NewBookmark {
            url: url.as_str(),
            title: &title,
            description: &description,
            comment: &comment,
            tags: &tags,
            added_by: by,
        },
    )
    .await?;
    Ok((id, problem))
}

/// Subscribes the group to a feed (or to the feed a page announces) and reads it at once.
pub async fn do_add_feed(s: &AppState, org: i64, cycle_id: i64, input: &str, by: &str) -> Result<i64, AppError> {
    cycles::get(&s.db, org, cycle_id).await?;
    if input.trim().is_empty() {
        return Err(AppError::invalid("url", "Donnez l'adresse du site ou de son flux."));
    }
    let (url, got, parsed) = crate::veille::find_feed(&Fetcher::from_config(&s.config), input)
        .await
        .map_err(|e| AppError::invalid("url", e.0))?;
    let id = store::add_feed(
        &s.db,
        org,
        cycle_id,
        &NewFeed {
            url: url.as_str(),
            site_url: &parsed.site_url,
            title: &parsed.title,
            added_by: by,
            next_fetch_at: now() + crate::veille::REFRESH_SECONDS,
        },
    )
    .await?;
    let feed = store::feed(&s.db, org, cycle_id, id).await?;
    store::add_entries(&s.db, &feed, &parsed.entries).await?;
    store::fetched(
        &s.db,
        id,
        got.etag.as_deref(),
        got.last_modified.as_deref(),
        now() + crate::veille::REFRESH_SECONDS,
    )
    .await?;
    Ok(id)
}

/// Imports the feeds of an OPML file; they are read by the background fetcher within a minute.
pub async fn do_import_opml(
    s: &AppState,
    org: i64,
    cycle_id: i64,
    text: &str,
    by: &str,
) -> Result<ImportReport, AppError> {
    cycles::get(&s.db, org, cycle_id).await?;
    let found = opml_feeds(text)?;
    let mut report = ImportReport::default();
    for (u, title) in found.into_iter().take(500) {
        match fetch::parse_url(&u) {
            Err(e) => report.skipped.push((u, e.0)),
            Ok(url) => {
                let title = if title.trim().is_empty() {
                    url.host_str().unwrap_or_default().to_string()
                } else {
                    title.trim().chars().take(200).collect()
                };
                match store::add_feed(
                    &s.db,
                    org,
                    cycle_id,
                    &NewFeed { url: url.as_str(), site_url: "", title: &title, added_by: by, next_fetch_at: now() },
                )
                .await
                {
                    Ok(_) => report.added.push(url.to_string()),
                    Err(AppError::Invalid(_)) => report.skipped.push((u, "déjà abonné".into())),
                    Err(e) => return Err(e),
                }
            }
        }
    }
    Ok(report)
}

#[derive(Deserialize, Default, Clone, utoipa::ToSchema)]
#[serde(default)]
pub struct BookmarkForm {
    pub url: String,
    /// Read from the page when empty.
    pub title: String,
    pub comment: String,
    /// Comma-separated.
    pub tags: String,
}

/// What an OPML import did.
#[derive(Default, serde::Serialize, utoipa::ToSchema)]
pub struct ImportReport {
    pub added: Vec<String>,
    /// (address, why)
    pub skipped: Vec<(String, String)>,
}

/// The feeds of an OPML file (address, title), in their order, or why the file cannot be read.
pub fn opml_feeds(text: &str) -> Result<Vec<(String, String)>, AppError> {
    let doc = opml::OPML::from_str(text.trim_start_matches('\u{feff}')).map_err(|_| {
        AppError::invalid("opml", "Ce fichier OPML est illisible : exportez-le à nouveau depuis votre lecteur de flux.")
    })?;
    let mut found = Vec::new();
    outlines(&doc.body.outlines, &mut found);
    if found.is_empty() {
        return Err(AppError::invalid("opml", "Ce fichier OPML ne contient aucun flux."));
    }
    Ok(found)
}

pub(crate) fn outlines(list: &[opml::Outline], out: &mut Vec<(String, String)>) {
    for o in list {
        if let Some(u) = o.xml_url.as_ref().filter(|u| !u.trim().is_empty()) {
            out.push((u.trim().to_string(), o.title.clone().unwrap_or_else(|| o.text.clone())));
        }
        outlines(&o.outlines, out);
    }
}
