//! The veille's records: saved links, feeds, entries, who read what, the secret token.

use serde::Serialize;
use sqlx::Row;

use crate::db::{Db, now};
use crate::error::AppError;
use crate::veille::ParsedEntry;

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Bookmark {
    pub id: i64,
    pub url: String,
    pub title: String,
    pub description: String,
    pub comment: String,
    pub tags: Vec<String>,
    pub added_by: String,
    pub created_at: i64,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Feed {
    pub id: i64,
    pub cycle_id: i64,
    #[serde(skip)]
    pub org_id: i64,
    pub url: String,
    pub site_url: String,
    pub title: String,
    #[serde(skip)]
    pub etag: Option<String>,
    #[serde(skip)]
    pub last_modified: Option<String>,
    pub fetched_at: Option<i64>,
    pub next_fetch_at: i64,
    /// The last error, empty when the last fetch worked.
    pub error: String,
    /// Failures in a row.
    pub errors: i64,
    pub added_by: String,
    pub entries: i64,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Entry {
    pub id: i64,
    pub feed_id: i64,
    pub feed_title: String,
    pub url: String,
    pub title: String,
    /// Sanitised HTML.
    pub summary: String,
    pub published_at: i64,
    /// Read by the one asking.
    pub read: bool,
}

impl Entry {
    /// The summary for a page: cleaned again when it is shown, whatever the database holds (a row
    /// written by an older version, or by hand, never reaches the page unescaped).
    pub fn summary_html(&self) -> String {
        crate::veille::clean_html(&self.summary)
    }
}

/// The cycle's secret token for its public Atom and OPML addresses (made on first use).
pub async fn token(db: &Db, org: i64, cycle_id: i64) -> Result<String, AppError> {
    let t: Option<Option<String>> = sqlx::query_scalar("SELECT veille_token FROM cycles WHERE id = $1 AND org_id = $2")
        .bind(cycle_id)
        .bind(org)
        .fetch_optional(&db.pool)
        .await?;
    match t {
        None => Err(AppError::NotFound),
        // The column holds the nonce of the link; the token is made from it (see `crate::links`).
        Some(Some(nonce)) => crate::links::token(db, crate::links::Kind::Veille, &nonce).await,
        Some(None) => renew_token(db, org, cycle_id).await,
    }
}

/// A new secret token: the old addresses stop working.
pub async fn renew_token(db: &Db, org: i64, cycle_id: i64) -> Result<String, AppError> {
    let (nonce, link_hash) = crate::links::fresh(db, crate::links::Kind::Veille).await?;
    sqlx::query("UPDATE cycles SET veille_token = $1, veille_token_hash = $2 WHERE id = $3 AND org_id = $4")
        .bind(&nonce)
        .bind(&link_hash)
        .bind(cycle_id)
        .bind(org)
        .execute(&db.pool)
        .await?;
    crate::links::token(db, crate::links::Kind::Veille, &nonce).await
}

pub async fn cycle_by_token(db: &Db, token: &str) -> Result<(i64, i64, String), AppError> {
    if token.len() < 20 {
        return Err(AppError::NotFound);
    }
    let r = sqlx::query("SELECT org_id, id, title FROM cycles WHERE veille_token_hash = $1")
        .bind(crate::links::hash(token))
        .fetch_optional(&db.pool)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok((r.try_get("org_id")?, r.try_get("id")?, r.try_get("title")?))
}

fn bookmark_from_row(r: &sqlx::any::AnyRow) -> Result<Bookmark, AppError> {
    Ok(Bookmark {
        id: r.try_get("id")?,
        url: r.try_get("url")?,
        title: r.try_get("title")?,
        description: r.try_get("description")?,
        comment: r.try_get("comment")?,
        tags: crate::committee::matching::tags(&r.try_get::<String, _>("tags")?),
        added_by: r.try_get("added_by")?,
        created_at: r.try_get("created_at")?,
    })
}

/// Saved links, newest first, filtered by words and a tag.
pub async fn bookmarks(
    db: &Db,
    org: i64,
    cycle_id: i64,
    q: &str,
    tag: &str,
    limit: i64,
) -> Result<Vec<Bookmark>, AppError> {
    let key = crate::text::search_key(q);
    let rows = sqlx::query(&format!(
        "SELECT id, url, title, description, comment, tags, added_by, created_at FROM bookmarks \
         WHERE org_id = $1 AND cycle_id = $2 AND {} ORDER BY created_at DESC, id DESC LIMIT $4",
        db.contains("search", "$3")
    ))
    .bind(org)
    .bind(cycle_id)
    .bind(key)
    .bind(limit)
    .fetch_all(&db.pool)
    .await?;
    let all: Vec<Bookmark> = rows.iter().map(bookmark_from_row).collect::<Result<_, _>>()?;
    let tag = tag.trim().trim_start_matches('#');
    Ok(if crate::text::search_key(tag).is_empty() {
        all
    } else {
        all.into_iter().filter(|b| b.tags.iter().any(|t| crate::committee::matching::same_tag(t, tag))).collect()
    })
}

pub struct NewBookmark<'a> {
    pub url: &'a str,
    pub title: &'a str,
    pub description: &'a str,
    pub comment: &'a str,
    pub tags: &'a [String],
    pub added_by: &'a str,
}

pub async fn add_bookmark(db: &Db, org: i64, cycle_id: i64, b: &NewBookmark<'_>) -> Result<i64, AppError> {
    let exists: Option<i64> = sqlx::query_scalar("SELECT id FROM bookmarks WHERE cycle_id = $1 AND url = $2")
        .bind(cycle_id)
        .bind(b.url)
        .fetch_optional(&db.pool)
        .await?;
    if exists.is_some() {
        return Err(AppError::invalid("url", "Ce lien est déjà dans la veille du groupe."));
    }
    Ok(sqlx::query_scalar(
        "INSERT INTO bookmarks (org_id, cycle_id, url, title, description, comment, tags, added_by, search, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
    )
    .bind(org)
    .bind(cycle_id)
    .bind(b.url)
    .bind(b.title)
    .bind(b.description)
    .bind(b.comment)
    .bind(b.tags.join(", "))
    .bind(b.added_by)
    .bind(crate::text::search_key(&format!("{} {} {} {} {}", b.title, b.description, b.comment, b.tags.join(" "), b.url)))
    .bind(now())
    .fetch_one(&db.pool)
    .await?)
}

pub async fn delete_bookmark(db: &Db, org: i64, cycle_id: i64, id: i64) -> Result<(), AppError> {
    let r = sqlx::query("DELETE FROM bookmarks WHERE id = $1 AND org_id = $2 AND cycle_id = $3")
        .bind(id)
        .bind(org)
        .bind(cycle_id)
        .execute(&db.pool)
        .await?;
    if r.rows_affected() == 1 { Ok(()) } else { Err(AppError::NotFound) }
}

const FEED_COLUMNS: &str = "f.id, f.org_id, f.cycle_id, f.url, f.site_url, f.title, f.etag, f.last_modified, f.fetched_at, f.next_fetch_at, f.error, f.errors, f.added_by, \
     (SELECT COUNT(*) FROM feed_entries e WHERE e.feed_id = f.id) AS n";

fn feed_from_row(r: &sqlx::any::AnyRow) -> Result<Feed, AppError> {
    Ok(Feed {
        id: r.try_get("id")?,
        org_id: r.try_get("org_id")?,
        cycle_id: r.try_get("cycle_id")?,
        url: r.try_get("url")?,
        site_url: r.try_get("site_url")?,
        title: r.try_get("title")?,
        etag: r.try_get("etag")?,
        last_modified: r.try_get("last_modified")?,
        fetched_at: r.try_get("fetched_at")?,
        next_fetch_at: r.try_get("next_fetch_at")?,
        error: r.try_get("error")?,
        errors: r.try_get("errors")?,
        added_by: r.try_get("added_by")?,
        entries: r.try_get("n")?,
    })
}

pub async fn feeds(db: &Db, org: i64, cycle_id: i64) -> Result<Vec<Feed>, AppError> {
    let rows = sqlx::query(&format!(
        "SELECT {FEED_COLUMNS} FROM feeds f WHERE f.org_id = $1 AND f.cycle_id = $2 ORDER BY f.title, f.id"
    ))
    .bind(org)
    .bind(cycle_id)
    .fetch_all(&db.pool)
    .await?;
    rows.iter().map(feed_from_row).collect()
}

pub async fn feed(db: &Db, org: i64, cycle_id: i64, id: i64) -> Result<Feed, AppError> {
    let r = sqlx::query(&format!(
        "SELECT {FEED_COLUMNS} FROM feeds f WHERE f.id = $1 AND f.org_id = $2 AND f.cycle_id = $3"
    ))
    .bind(id)
    .bind(org)
    .bind(cycle_id)
    .fetch_optional(&db.pool)
    .await?
    .ok_or(AppError::NotFound)?;
    feed_from_row(&r)
}

pub async fn due_feeds(db: &Db, at: i64, limit: i64) -> Result<Vec<Feed>, AppError> {
    let rows = sqlx::query(&format!(
        "SELECT {FEED_COLUMNS} FROM feeds f WHERE f.next_fetch_at <= $1 ORDER BY f.next_fetch_at, f.id LIMIT $2"
    ))
    .bind(at)
    .bind(limit)
    .fetch_all(&db.pool)
    .await?;
    rows.iter().map(feed_from_row).collect()
}

/// Takes a due feed for this process (moves its next date); false when another one took it.
pub async fn claim(db: &Db, id: i64, due_at: i64, until: i64) -> Result<bool, AppError> {
    let r = sqlx::query("UPDATE feeds SET next_fetch_at = $1 WHERE id = $2 AND next_fetch_at = $3")
        .bind(until)
        .bind(id)
        .bind(due_at)
        .execute(&db.pool)
        .await?;
    Ok(r.rows_affected() == 1)
}

pub struct NewFeed<'a> {
    pub url: &'a str,
    pub site_url: &'a str,
    pub title: &'a str,
    pub added_by: &'a str,
    /// When to read it first.
    pub next_fetch_at: i64,
}

pub async fn add_feed(db: &Db, org: i64, cycle_id: i64, f: &NewFeed<'_>) -> Result<i64, AppError> {
    let exists: Option<i64> = sqlx::query_scalar("SELECT id FROM feeds WHERE cycle_id = $1 AND url = $2")
        .bind(cycle_id)
        .bind(f.url)
        .fetch_optional(&db.pool)
        .await?;
    if exists.is_some() {
        return Err(AppError::invalid("url", "Le groupe est déjà abonné à ce flux."));
    }
    Ok(sqlx::query_scalar(
        "INSERT INTO feeds (org_id, cycle_id, url, site_url, title, next_fetch_at, added_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
    )
    .bind(org)
    .bind(cycle_id)
    .bind(f.url)
    .bind(f.site_url)
    .bind(f.title)
    .bind(f.next_fetch_at)
    .bind(f.added_by)
    .bind(now())
    .fetch_one(&db.pool)
    .await?)
}

pub async fn delete_feed(db: &Db, org: i64, cycle_id: i64, id: i64) -> Result<(), AppError> {
    let r = sqlx::query("DELETE FROM feeds WHERE id = $1 AND org_id = $2 AND cycle_id = $3")
        .bind(id)
        .bind(org)
        .bind(cycle_id)
        .execute(&db.pool)
        .await?;
    if r.rows_affected() == 1 { Ok(()) } else { Err(AppError::NotFound) }
}

/// Stores the entries not seen yet (by their id in the feed) and indexes them; returns how many are new.
pub async fn add_entries(db: &Db, feed: &Feed, entries: &[ParsedEntry]) -> Result<usize, AppError> {
    let mut n = 0;
    let t = now();
    for e in entries {
        let plain = crate::text::search_key(&format!("{} {}", e.title, ammonia::Builder::empty().clean(&e.summary)));
        let id: Option<i64> = sqlx::query_scalar(
            "INSERT INTO feed_entries (org_id, cycle_id, feed_id, uid, url, title, summary, published_at, search, fetched_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (feed_id, uid) DO NOTHING RETURNING id",
        )
        .bind(feed.org_id)
        .bind(feed.cycle_id)
        .bind(feed.id)
        .bind(&e.uid)
        .bind(&e.url)
        .bind(&e.title)
        .bind(&e.summary)
        .bind(e.published_at)
        .bind(&plain)
        .bind(t)
        .fetch_optional(&db.pool)
        .await?;
        if let Some(id) = id {
            n += 1;
            if db.kind == crate::db::DbKind::Sqlite {
                sqlx::query("INSERT INTO feed_entries_fts (rowid, title, body) VALUES ($1, $2, $3)")
                    .bind(id)
                    .bind(&e.title)
                    .bind(&plain)
                    .execute(&db.pool)
                    .await?;
            }
        }
    }
    Ok(n)
}

/// The full-text condition on the entries `e` for all the words of `q`, and its parameter.
fn full_text(db: &Db, q: &str, param: &str) -> (String, String) {
    let words: Vec<String> = crate::text::search_key(q)
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .take(20)
        .map(str::to_string)
        .collect();
    if words.is_empty() {
        return (format!("{param} = ''"), String::new());
    }
    match db.kind {
        crate::db::DbKind::Sqlite => (
            format!("e.id IN (SELECT rowid FROM feed_entries_fts WHERE feed_entries_fts MATCH {param})"),
            words.iter().map(|w| format!("\"{w}\"*")).collect::<Vec<_>>().join(" "),
        ),
        crate::db::DbKind::Postgres => (format!("e.tsv @@ plainto_tsquery('french', {param})"), words.join(" ")),
    }
}

pub async fn fetched(
    db: &Db,
    id: i64,
    etag: Option<&str>,
    last_modified: Option<&str>,
    next: i64,
) -> Result<(), AppError> {
    sqlx::query("UPDATE feeds SET etag = $1, last_modified = $2, fetched_at = $3, next_fetch_at = $4, error = '', errors = 0 WHERE id = $5")
        .bind(etag)
        .bind(last_modified)
        .bind(now())
        .bind(next)
        .bind(id)
        .execute(&db.pool)
        .await?;
    Ok(())
}

pub async fn failed(db: &Db, id: i64, error: &str, next: i64) -> Result<(), AppError> {
    sqlx::query("UPDATE feeds SET error = $1, errors = errors + 1, next_fetch_at = $2 WHERE id = $3")
        .bind(error)
        .bind(next)
        .bind(id)
        .execute(&db.pool)
        .await?;
    Ok(())
}

/// Sets the title and site of a feed read for the first time.
pub async fn describe(db: &Db, id: i64, title: &str, site_url: &str) -> Result<(), AppError> {
    sqlx::query("UPDATE feeds SET title = $1, site_url = $2 WHERE id = $3")
        .bind(title)
        .bind(site_url)
        .bind(id)
        .execute(&db.pool)
        .await?;
    Ok(())
}

/// The news of the cycle's feeds, newest first, for one reader.
pub async fn entries(
    db: &Db,
    org: i64,
    cycle_id: i64,
    reader: &str,
    unread_only: bool,
    q: &str,
    limit: i64,
) -> Result<Vec<Entry>, AppError> {
    let (condition, words) = full_text(db, q, "$4");
    let rows = sqlx::query(&format!(
        "SELECT e.id, e.feed_id, f.title AS ftitle, e.url, e.title, e.summary, e.published_at, \
         (SELECT COUNT(*) FROM entry_reads r WHERE r.entry_id = e.id AND r.reader = $3) AS seen \
         FROM feed_entries e JOIN feeds f ON f.id = e.feed_id \
         WHERE e.org_id = $1 AND e.cycle_id = $2 AND ({condition}) \
         ORDER BY e.published_at DESC, e.id DESC LIMIT $5"
    ))
    .bind(org)
    .bind(cycle_id)
    .bind(reader)
    .bind(words)
    .bind(limit)
    .fetch_all(&db.pool)
    .await?;
    let all = rows
        .iter()
        .map(|r| {
            Ok(Entry {
                id: r.try_get("id")?,
                feed_id: r.try_get("feed_id")?,
                feed_title: r.try_get("ftitle")?,
                url: r.try_get("url")?,
                title: r.try_get("title")?,
                summary: r.try_get("summary")?,
                published_at: r.try_get("published_at")?,
                read: r.try_get::<i64, _>("seen")? > 0,
            })
        })
        .collect::<Result<Vec<_>, AppError>>()?;
    Ok(if unread_only { all.into_iter().filter(|e| !e.read).collect() } else { all })
}

pub async fn mark_read(db: &Db, org: i64, cycle_id: i64, entry: i64, reader: &str, read: bool) -> Result<(), AppError> {
    let found: Option<i64> =
        sqlx::query_scalar("SELECT id FROM feed_entries WHERE id = $1 AND org_id = $2 AND cycle_id = $3")
            .bind(entry)
            .bind(org)
            .bind(cycle_id)
            .fetch_optional(&db.pool)
            .await?;
    if found.is_none() {
        return Err(AppError::NotFound);
    }
    if read {
        sqlx::query("INSERT INTO entry_reads (entry_id, reader, at) VALUES ($1, $2, $3) ON CONFLICT (entry_id, reader) DO NOTHING")
            .bind(entry)
            .bind(reader)
            .bind(now())
            .execute(&db.pool)
            .await?;
    } else {
        sqlx::query("DELETE FROM entry_reads WHERE entry_id = $1 AND reader = $2")
            .bind(entry)
            .bind(reader)
            .execute(&db.pool)
            .await?;
    }
    Ok(())
}

pub async fn mark_all_read(db: &Db, org: i64, cycle_id: i64, reader: &str) -> Result<(), AppError> {
    sqlx::query(
        "INSERT INTO entry_reads (entry_id, reader, at) SELECT e.id, $1, $2 FROM feed_entries e WHERE e.org_id = $3 AND e.cycle_id = $4 \
         ON CONFLICT (entry_id, reader) DO NOTHING",
    )
    .bind(reader)
    .bind(now())
    .bind(org)
    .bind(cycle_id)
    .execute(&db.pool)
    .await?;
    Ok(())
}

/// Subscribes an address to the weekly digest of the cycle's new links (or unsubscribes it).
pub async fn set_digest(db: &Db, org: i64, cycle_id: i64, email: &str, name: &str, on: bool) -> Result<(), AppError> {
    if on {
        sqlx::query(
            "INSERT INTO veille_digests (org_id, cycle_id, email, name, created_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (cycle_id, email) DO NOTHING",
        )
        .bind(org)
        .bind(cycle_id)
        .bind(email)
        .bind(name)
        .bind(now())
        .execute(&db.pool)
        .await?;
    } else {
        sqlx::query("DELETE FROM veille_digests WHERE org_id = $1 AND cycle_id = $2 AND email = $3")
            .bind(org)
            .bind(cycle_id)
            .bind(email)
            .execute(&db.pool)
            .await?;
    }
    Ok(())
}

pub async fn has_digest(db: &Db, cycle_id: i64, email: &str) -> Result<bool, AppError> {
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM veille_digests WHERE cycle_id = $1 AND email = $2")
        .bind(cycle_id)
        .bind(email)
        .fetch_one(&db.pool)
        .await?;
    Ok(n > 0)
}

/// Every subscription: (organisation, cycle, address, name).
pub async fn digests(db: &Db) -> Result<Vec<(i64, i64, String, String)>, AppError> {
    Ok(sqlx::query_as("SELECT org_id, cycle_id, email, name FROM veille_digests ORDER BY cycle_id, email")
        .fetch_all(&db.pool)
        .await?)
}

/// The links saved since `since`, oldest first.
pub async fn bookmarks_since(db: &Db, org: i64, cycle_id: i64, since: i64) -> Result<Vec<Bookmark>, AppError> {
    let rows = sqlx::query(
        "SELECT id, url, title, description, comment, tags, added_by, created_at FROM bookmarks \
         WHERE org_id = $1 AND cycle_id = $2 AND created_at >= $3 ORDER BY created_at, id",
    )
    .bind(org)
    .bind(cycle_id)
    .bind(since)
    .fetch_all(&db.pool)
    .await?;
    rows.iter().map(bookmark_from_row).collect()
}

#[cfg(test)]
mod tests {
    use super::Entry;

    #[test]
    fn a_summary_is_cleaned_when_it_is_shown_whatever_was_stored() {
        let e = Entry {
            id: 1,
            feed_id: 1,
            feed_title: String::new(),
            url: String::new(),
            title: String::new(),
            summary: r#"<p onclick="x()">Texte</p><script>alert(1)</script><a href="javascript:alert(1)">lien</a>"#
                .into(),
            published_at: 0,
            read: false,
        };
        let html = e.summary_html();
        assert!(html.contains("Texte"), "{html}");
        assert!(!html.contains("<script") && !html.contains("onclick") && !html.contains("javascript:"), "{html}");
    }
}
