//! The shared veille of a cycle: saved links (bookmarks) with tags and comments, subscribed feeds
//! fetched in the background (conditional requests, back-off on errors), their entries with
//! read/unread per reader, OPML in and out, and the group's own Atom feed of saved links at a
//! secret address that a mail client can subscribe to.

pub mod api;
#[cfg(feature = "bench")]
pub mod bench;
pub mod fetch;
pub mod service;
pub mod store;
pub mod web;

use chrono::{DateTime, Utc};

use crate::db::now;
use crate::error::AppError;
use crate::state::AppState;
use fetch::{FetchError, Fetcher};

/// Entries kept from one fetch of a feed.
pub const MAX_ENTRIES_PER_FETCH: usize = 200;
/// A feed is read again after this many seconds when it worked.
pub const REFRESH_SECONDS: i64 = 3600;

/// Seconds before the next try after `errors` failures in a row: 15 min, 30, 1 h… capped at 1 day.
pub fn backoff(errors: i64) -> i64 {
    (900i64 << (errors - 1).clamp(0, 7)).min(86_400)
}

#[derive(Clone, Debug, PartialEq)]
pub struct ParsedEntry {
    pub uid: String,
    pub url: String,
    pub title: String,
    /// Sanitised HTML.
    pub summary: String,
    pub published_at: i64,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ParsedFeed {
    pub title: String,
    pub site_url: String,
    pub entries: Vec<ParsedEntry>,
}

fn clean_text(s: &str, max: usize) -> String {
    // Most titles hold no markup: only HTML goes through the sanitiser.
    let text = if s.contains(['<', '&']) {
        html_unescape(&ammonia::Builder::empty().clean(s).to_string())
    } else {
        s.to_string()
    };
    text.split_whitespace().collect::<Vec<_>>().join(" ").chars().take(max).collect()
}

fn html_unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&nbsp;", " ")
        .replace("&amp;", "&")
}

/// Sanitised HTML of an entry: no scripts, styles, frames, forms or event handlers; links open safely.
pub fn clean_html(s: &str) -> String {
    let cut: String = s.chars().take(20_000).collect();
    ammonia::Builder::default().link_rel(Some("noopener noreferrer nofollow")).clean(&cut).to_string()
}

/// Parses RSS 0.9x/1.0/2.0, Atom or JSON Feed.
pub fn parse_feed(body: &[u8], base: &url::Url) -> Result<ParsedFeed, String> {
    let feed = feed_rs::parser::parse(body).map_err(|_| {
        let head =
            body_text(&body[..body.len().min(2048)]).trim_start_matches('\u{feff}').trim_start().to_ascii_lowercase();
        let looks_like_feed = head.starts_with('{') || ["<rss", "<feed", "<rdf:rdf"].iter().any(|t| head.contains(t));
        if looks_like_feed {
            "Ce flux est mal formé (XML ou JSON invalide) : le site doit le corriger.".to_string()
        } else {
            "Ce document n'est pas un flux RSS, Atom ou JSON Feed.".to_string()
        }
    })?;
    let link_of = |links: &[feed_rs::model::Link]| {
        links
            .iter()
            .find(|l| l.rel.as_deref().is_none_or(|r| r == "alternate"))
            .or(links.first())
            .and_then(|l| base.join(l.href.trim()).ok())
            .filter(|u| u.scheme() == "http" || u.scheme() == "https")
            .map(|u| u.to_string())
            .unwrap_or_default()
    };
    let site_url = link_of(&feed.links);
    let title = feed
        .title
        .as_ref()
        .map(|t| clean_text(&t.content, 200))
        .filter(|t| !t.is_empty())
        .unwrap_or_else(|| base.host_str().unwrap_or("Flux").to_string());
    let fallback_time = now();
    let entries = feed
        .entries
        .iter()
        .take(MAX_ENTRIES_PER_FETCH)
        .map(|e| {
            let url = link_of(&e.links);
            let summary = e
                .content
                .as_ref()
                .and_then(|c| c.body.clone())
                .or_else(|| e.summary.as_ref().map(|s| s.content.clone()))
                .map(|h| clean_html(&h))
                .unwrap_or_default();
            let title =
                e.title.as_ref().map(|t| clean_text(&t.content, 300)).filter(|t| !t.is_empty()).unwrap_or_else(|| {
                    let t = clean_text(&summary, 80);
                    if t.is_empty() { "(sans titre)".to_string() } else { t }
                });
            let when: Option<DateTime<Utc>> = e.published.or(e.updated);
            let uid = if !e.id.trim().is_empty() { e.id.trim().to_string() } else { url.clone() };
            ParsedEntry {
                uid: uid.chars().take(500).collect(),
                url,
                title,
                summary,
                published_at: when.map(|d| d.timestamp()).unwrap_or(fallback_time),
            }
        })
        .collect();
    Ok(ParsedFeed { title, site_url, entries })
}

fn attr(tag: &str, name: &str) -> Option<String> {
    let lower = tag.to_ascii_lowercase();
    let mut from = 0;
    while let Some(pos) = lower[from..].find(name) {
        let at = from + pos;
        let before_ok = at == 0 || lower.as_bytes()[at - 1].is_ascii_whitespace();
        let rest = lower[at + name.len()..].trim_start();
        if before_ok && rest.starts_with('=') {
            let offset = tag.len() - rest.len() + 1;
            let value = tag[offset..].trim_start();
            let (quote, body) = match value.chars().next() {
                Some(q @ ('"' | '\'')) => (Some(q), &value[1..]),
                _ => (None, value),
            };
            let end = match quote {
                Some(q) => body.find(q).unwrap_or(body.len()),
                None => body.find(|c: char| c.is_whitespace() || c == '>').unwrap_or(body.len()),
            };
            return Some(html_unescape(&body[..end]));
        }
        from = at + name.len();
    }
    None
}

/// The feeds a page announces (`<link rel="alternate" type="application/rss+xml" href="…">`).
pub fn discover(html: &str, base: &url::Url) -> Vec<url::Url> {
    let mut out = Vec::new();
    let lower = html.to_ascii_lowercase();
    let mut from = 0;
    while let Some(pos) = lower[from..].find("<link") {
        let start = from + pos;
        let end = lower[start..].find('>').map(|e| start + e).unwrap_or(lower.len());
        let tag = &html[start..end];
        let rel = attr(tag, "rel").unwrap_or_default().to_ascii_lowercase();
        let kind = attr(tag, "type").unwrap_or_default().to_ascii_lowercase();
        if rel.split_whitespace().any(|r| r == "alternate")
            && [
                "application/rss+xml",
                "application/atom+xml",
                "application/feed+json",
                "application/json",
                "application/rdf+xml",
            ]
            .iter()
            .any(|k| kind.starts_with(k))
            && let Some(u) = attr(tag, "href").and_then(|h| base.join(h.trim()).ok())
            && !out.contains(&u)
        {
            out.push(u);
        }
        from = end;
    }
    out
}

/// The title and description of a page (for a saved link).
pub fn page_meta(html: &str) -> (String, String) {
    let lower = html.to_ascii_lowercase();
    let title = lower
        .find("<title")
        .and_then(|s| lower[s..].find('>').map(|e| s + e + 1))
        .and_then(|s| lower[s..].find("</title").map(|e| clean_text(&html[s..s + e], 300)))
        .unwrap_or_default();
    let mut description = String::new();
    let mut from = 0;
    while let Some(pos) = lower[from..].find("<meta") {
        let start = from + pos;
        let end = lower[start..].find('>').map(|e| start + e).unwrap_or(lower.len());
        let tag = &html[start..end];
        let name = attr(tag, "name").or_else(|| attr(tag, "property")).unwrap_or_default().to_ascii_lowercase();
        if (name == "description" || name == "og:description") && description.is_empty() {
            description = clean_text(&attr(tag, "content").unwrap_or_default(), 1000);
        }
        from = end;
    }
    (title, description)
}

/// Text of a fetched body: UTF-8, or Latin-1 / Windows-1252 when it is not.
pub fn body_text(body: &[u8]) -> String {
    match std::str::from_utf8(body) {
        Ok(s) => s.to_string(),
        Err(_) => body.iter().map(|b| *b as char).collect(),
    }
}

/// Reads a feed's address given by a user: a feed, or a page that announces one.
pub async fn find_feed(f: &Fetcher, input: &str) -> Result<(url::Url, fetch::Fetched, ParsedFeed), FetchError> {
    let u = fetch::parse_url(input)?;
    let got = fetch::fetch(f, &u, None, None).await?;
    match parse_feed(&got.body, &got.url) {
        Ok(p) => Ok((got.url.clone(), got, p)),
        Err(parse_error) => {
            let html = body_text(&got.body);
            let Some(feed_url) = discover(&html, &got.url).into_iter().next() else {
                return Err(FetchError(if html.to_ascii_lowercase().contains("<html") {
                    "Cette page n'annonce aucun flux : cherchez le lien « RSS » ou « flux » du site.".into()
                } else {
                    parse_error
                }));
            };
            let got = fetch::fetch(f, &feed_url, None, None).await?;
            let p = parse_feed(&got.body, &got.url).map_err(FetchError)?;
            Ok((got.url.clone(), got, p))
        }
    }
}

/// Reads one feed again and stores its new entries; errors are kept on the feed and tried later.
pub async fn refresh(s: &AppState, feed: &store::Feed) -> Result<usize, AppError> {
    let f = Fetcher::from_config(&s.config);
    let outcome = match fetch::parse_url(&feed.url) {
        Ok(u) => fetch::fetch(&f, &u, feed.etag.as_deref(), feed.last_modified.as_deref()).await,
        Err(e) => Err(e),
    };
    let t = now();
    match outcome {
        Ok(got) if got.not_modified => {
            store::fetched(
                &s.db,
                feed.id,
                got.etag.as_deref().or(feed.etag.as_deref()),
                got.last_modified.as_deref().or(feed.last_modified.as_deref()),
                t + REFRESH_SECONDS,
            )
            .await?;
            Ok(0)
        }
        Ok(got) => match parse_feed(&got.body, &got.url) {
            Ok(parsed) => {
                let n = store::add_entries(&s.db, feed, &parsed.entries).await?;
                store::fetched(&s.db, feed.id, got.etag.as_deref(), got.last_modified.as_deref(), t + REFRESH_SECONDS)
                    .await?;
                Ok(n)
            }
            Err(m) => {
                store::failed(&s.db, feed.id, &m, t + backoff(feed.errors + 1)).await?;
                Ok(0)
            }
        },
        Err(e) => {
            store::failed(&s.db, feed.id, &e.0, t + backoff(feed.errors + 1)).await?;
            Ok(0)
        }
    }
}

/// Reads the feeds that are due (called by the worker every minute, and by tests).
pub async fn refresh_due(s: &AppState) -> Result<usize, AppError> {
    let due = store::due_feeds(&s.db, now(), 50).await?;
    let mut n = 0;
    for feed in due {
        // Another process may be reading it: the one that moves its date first reads it.
        if store::claim(&s.db, feed.id, feed.next_fetch_at, now() + 300).await? {
            n += refresh(s, &feed).await?;
        }
    }
    Ok(n)
}

/// Queues the weekly digest of new links for each subscriber (once per ISO week; nothing when the
/// group saved no link in the last seven days). Called every hour by the worker.
pub async fn digest_weekly(s: &AppState) -> Result<usize, AppError> {
    use chrono::Datelike;
    let today = crate::quote::today();
    let week = format!("{}-{}", today.iso_week().year(), today.iso_week().week());
    let since = now() - 7 * 86_400;
    let mut n = 0;
    for (org, cycle_id, email, name) in store::digests(&s.db).await? {
        let links = store::bookmarks_since(&s.db, org, cycle_id, since).await?;
        if links.is_empty() {
            continue;
        }
        let cycle = crate::cycle::store::get(&s.db, org, cycle_id).await?;
        let mut body = format!(
            "Bonjour{},\n\nVoici les {} lien(s) enregistré(s) cette semaine dans la veille du groupe « {} » :\n\n",
            if name.is_empty() { String::new() } else { format!(" {name}") },
            links.len(),
            cycle.title
        );
        for b in &links {
            body.push_str(&format!("• {}\n  {}\n", b.title, b.url));
            if !b.comment.is_empty() {
                body.push_str(&format!("  « {} » ({})\n", b.comment, b.added_by));
            }
            if !b.tags.is_empty() {
                body.push_str(&format!("  Mots-clés : {}\n", b.tags.join(", ")));
            }
            body.push('\n');
        }
        body.push_str(
            "Pour ne plus recevoir ce résumé, décochez-le sur la page de la veille.\n\nL'équipe d'accompagnement",
        );
        let mail = crate::mail::Mail {
            to: email.clone(),
            to_name: name.clone(),
            subject: format!("Veille du groupe : {} nouveau(x) lien(s)", links.len()),
            body,
            attachments: Vec::new(),
        };
        if crate::mail::queue(&s.db, Some(org), &mail, Some(&format!("veille-digest:{cycle_id}:{email}:{week}")))
            .await?
        {
            n += 1;
        }
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base() -> url::Url {
        url::Url::parse("https://exemple.fr/blog/").unwrap()
    }

    #[test]
    fn feeds_are_discovered_from_a_page() {
        let html = r#"<html><head><title>Blog &amp; co</title>
            <link rel="stylesheet" href="/s.css">
            <LINK REL="alternate" TYPE="application/rss+xml" title="RSS" HREF="/feed.xml">
            <link rel='alternate' type='application/atom+xml' href='https://autre.fr/atom'>
            <meta name="description" content="Un blog sur la médiation &amp; le numérique"></head></html>"#;
        let found: Vec<String> = discover(html, &base()).iter().map(|u| u.to_string()).collect();
        assert_eq!(found, vec!["https://exemple.fr/feed.xml", "https://autre.fr/atom"]);
        assert_eq!(page_meta(html), ("Blog & co".to_string(), "Un blog sur la médiation & le numérique".to_string()));
    }

    #[test]
    fn rss_atom_and_json_feed_parse_and_their_html_is_cleaned() {
        let rss = r#"<?xml version="1.0"?><rss version="2.0"><channel><title>Médiation</title><link>https://exemple.fr/</link>
            <item><title>Premier</title><link>/a</link><guid>a1</guid><description>&lt;p onclick="x()"&gt;Bonjour&lt;script&gt;alert(1)&lt;/script&gt;&lt;/p&gt;</description><pubDate>Tue, 01 Dec 2026 10:00:00 GMT</pubDate></item>
            </channel></rss>"#;
        let f = parse_feed(rss.as_bytes(), &base()).unwrap();
        assert_eq!(f.title, "Médiation");
        assert_eq!(f.entries.len(), 1);
        assert_eq!(f.entries[0].url, "https://exemple.fr/a");
        assert_eq!(f.entries[0].summary, "<p>Bonjour</p>");
        let atom = br#"<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>A</title><id>urn:a</id><updated>2026-12-01T10:00:00Z</updated>
            <entry><title>E</title><id>urn:e</id><link href="https://exemple.fr/e"/><updated>2026-12-01T10:00:00Z</updated></entry></feed>"#;
        assert_eq!(parse_feed(atom, &base()).unwrap().entries[0].uid, "urn:e");
        let json = br#"{"version": "https://jsonfeed.org/version/1.1", "title": "J", "items": [{"id": "1", "url": "https://exemple.fr/j", "content_text": "Texte"}]}"#;
        assert_eq!(parse_feed(json, &base()).unwrap().entries[0].url, "https://exemple.fr/j");
        assert!(parse_feed(b"<html><body>pas un flux</body></html>", &base()).is_err());
        assert!(parse_feed(b"<rss><channel><title>cass", &base()).is_err());
    }

    #[test]
    fn backoff_grows_and_is_capped() {
        assert_eq!(backoff(1), 900);
        assert_eq!(backoff(2), 1800);
        assert_eq!(backoff(30), 86_400);
    }
}
