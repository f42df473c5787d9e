//! The notepads' records: the notepad, its snapshot and the updates since.

use serde::Serialize;
use sqlx::Row;

use crate::db::{Db, now};
use crate::error::AppError;

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Notepad {
    pub id: i64,
    pub cycle_id: i64,
    pub title: String,
    /// The secret of the read-only link.
    pub read_token: String,
    pub created_at: i64,
    pub updated_at: i64,
}

fn from_row(r: &sqlx::any::AnyRow) -> Notepad {
    Notepad {
        id: r.get("id"),
        cycle_id: r.get("cycle_id"),
        title: r.get("title"),
        read_token: r.get("read_token"),
        created_at: r.get("created_at"),
        updated_at: r.get("updated_at"),
    }
}

const COLUMNS: &str = "id, cycle_id, title, read_token, created_at, updated_at";

/// A new notepad whose first update is `initial` (the template).
pub async fn create(db: &Db, org: i64, cycle_id: i64, title: &str, initial: &[u8]) -> Result<Notepad, AppError> {
    let t = now();
    let (nonce, link_hash) = crate::links::fresh(db, crate::links::Kind::ReadOnly).await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO notepads (org_id, cycle_id, title, read_token, created_at, updated_at, read_token_hash) \
         VALUES ($1, $2, $3, $4, $5, $5, $6) RETURNING id",
    )
    .bind(org)
    .bind(cycle_id)
    .bind(title)
    .bind(&nonce)
    .bind(t)
    .bind(&link_hash)
    .fetch_one(&db.pool)
    .await?;
    append(db, id, initial, "modèle").await?;
    let chars = super::text::plain(&super::text::doc_of(&[initial])?).chars().count() as i64;
    add_revision(db, id, "", chars, "modèle", initial).await?;
    get(db, org, id).await
}

pub async fn get(db: &Db, org: i64, id: i64) -> Result<Notepad, AppError> {
    let r = sqlx::query(&format!("SELECT {COLUMNS} FROM notepads WHERE id = $1 AND org_id = $2"))
        .bind(id)
        .bind(org)
        .fetch_optional(&db.pool)
        .await?
        .ok_or(AppError::NotFound)?;
    with_link(db, from_row(&r)).await
}

/// The row holds the nonce of the read-only link; the link is made from it (see [`crate::links`]).
async fn with_link(db: &Db, mut n: Notepad) -> Result<Notepad, AppError> {
    n.read_token = crate::links::token(db, crate::links::Kind::ReadOnly, &n.read_token).await?;
    Ok(n)
}

/// The notepad of a read-only link, with its organisation.
pub async fn by_read_token(db: &Db, token: &str) -> Result<(i64, Notepad), AppError> {
    let r = sqlx::query(&format!("SELECT org_id, {COLUMNS} FROM notepads WHERE read_token_hash = $1"))
        .bind(crate::links::hash(token))
        .fetch_optional(&db.pool)
        .await?
        .ok_or(AppError::NotFound)?;
    let mut n = from_row(&r);
    n.read_token = token.to_string();
    Ok((r.get("org_id"), n))
}

pub async fn for_cycle(db: &Db, org: i64, cycle_id: i64) -> Result<Vec<Notepad>, AppError> {
    let rows = sqlx::query(&format!("SELECT {COLUMNS} FROM notepads WHERE cycle_id = $1 AND org_id = $2 ORDER BY id"))
        .bind(cycle_id)
        .bind(org)
        .fetch_all(&db.pool)
        .await?;
    let key = crate::links::key(db).await?;
    Ok(rows
        .iter()
        .map(|r| {
            let mut n = from_row(r);
            n.read_token = crate::links::derive(&key, crate::links::Kind::ReadOnly, &n.read_token);
            n
        })
        .collect())
}

/// Stores an update; its id orders it.
pub async fn append(db: &Db, notepad: i64, data: &[u8], author: &str) -> Result<i64, AppError> {
    Ok(sqlx::query_scalar(
        "INSERT INTO notepad_updates (notepad_id, data, author, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
    )
    .bind(notepad)
    .bind(data)
    .bind(author)
    .bind(now())
    .fetch_one(&db.pool)
    .await?)
}

/// An update for the rooms' writer, and where its id goes.
pub struct QueuedRow {
    pub notepad: i64,
    pub data: Vec<u8>,
    pub authors: String,
    pub reply: tokio::sync::oneshot::Sender<Result<i64, AppError>>,
}

/// Rows stored in one statement at most.
const ROWS: usize = 512;

/// The writer of the rooms' updates: what every room sent while the previous statement ran is
/// stored in one `INSERT` (a room sends one row at a time, so a statement has one row per room).
/// On PostgreSQL, the same statement tells the other instances which updates to fetch (`notify`:
/// this instance's name).
pub async fn writer(db: Db, mut rx: tokio::sync::mpsc::Receiver<QueuedRow>, notify: u64) {
    let mut rows: Vec<QueuedRow> = Vec::with_capacity(ROWS);
    while rx.recv_many(&mut rows, ROWS).await > 0 {
        let batch = std::mem::take(&mut rows);
        let pg = db.is_postgres();
        let values: Vec<String> = if pg {
            (0..batch.len())
                .map(|i| format!("(${}, ${}, ${}, ${})", 4 * i + 1, 4 * i + 2, 4 * i + 3, 4 * i + 4))
                .collect()
        } else {
            // SQLite's `?` (sqlx looks each `$n` up in the whole text).
            vec!["(?, ?, ?, ?)".to_string(); batch.len()]
        };
        let insert = format!(
            "INSERT INTO notepad_updates (notepad_id, data, author, created_at) VALUES {} RETURNING id, notepad_id",
            values.join(", ")
        );
        // On PostgreSQL the other instances are told in the same statement (one round trip): each row's
        // notification carries this instance, the notepad and the update's id.
        let sql = if pg {
            format!(
                "WITH ins AS ({insert}) SELECT ins.id, ins.notepad_id FROM ins CROSS JOIN LATERAL \
                 (SELECT pg_notify('acunum_notepads', ${} || ':' || ins.notepad_id || ':' || ins.id)) AS told",
                4 * batch.len() + 1
            )
        } else {
            insert
        };
        let t = now();
        let mut q = sqlx::query(&sql);
        for r in &batch {
            q = q.bind(r.notepad).bind(r.data.as_slice()).bind(r.authors.as_str()).bind(t);
        }
        if pg {
            q = q.bind(notify.to_string());
        }
        let result = q.fetch_all(&db.pool).await;
        // Each notepad's ids in the order of its rows (ids grow in the order of the VALUES).
        let mut ids: std::collections::HashMap<i64, std::collections::VecDeque<i64>> = Default::default();
        match &result {
            Ok(out) => {
                let mut pairs: Vec<(i64, i64)> = out.iter().map(|r| (r.get::<i64, _>(0), r.get::<i64, _>(1))).collect();
                pairs.sort_unstable();
                for (id, notepad) in pairs {
                    ids.entry(notepad).or_default().push_back(id);
                }
            }
            Err(e) => tracing::error!(error = %e, "notepad updates could not be stored"),
        }
        for r in batch {
            let id = ids.get_mut(&r.notepad).and_then(|q| q.pop_front());
            let _ = r.reply.send(id.ok_or_else(|| AppError::Internal(anyhow::anyhow!("notepad update not stored"))));
        }
    }
}

/// The snapshot (if any) and the updates after it, in order.
pub async fn load(db: &Db, notepad: i64) -> Result<(Option<Vec<u8>>, Vec<(i64, Vec<u8>)>), AppError> {
    let snap: Option<Vec<u8>> = sqlx::query_scalar("SELECT snapshot FROM notepads WHERE id = $1")
        .bind(notepad)
        .fetch_optional(&db.pool)
        .await?
        .flatten();
    let rows = sqlx::query("SELECT id, data FROM notepad_updates WHERE notepad_id = $1 ORDER BY id")
        .bind(notepad)
        .fetch_all(&db.pool)
        .await?;
    Ok((snap, rows.iter().map(|r| (r.get::<i64, _>(0), r.get::<Vec<u8>, _>(1))).collect()))
}

/// Stores the document's whole state as the snapshot and deletes the updates it holds (`upto`)
/// that are older than `before` (seconds): another instance may be storing an update with a
/// smaller id that this one has not seen yet, and loading applies updates twice without harm.
pub async fn compact(db: &Db, notepad: i64, state: &[u8], upto: i64, before: i64) -> Result<(), AppError> {
    let mut tx = db.pool.begin().await?;
    sqlx::query("UPDATE notepads SET snapshot = $1, snapshot_seq = $2, updated_at = $3 WHERE id = $4")
        .bind(state)
        .bind(upto)
        .bind(now())
        .bind(notepad)
        .execute(&mut *tx)
        .await?;
    sqlx::query("DELETE FROM notepad_updates WHERE notepad_id = $1 AND id <= $2 AND created_at < $3")
        .bind(notepad)
        .bind(upto)
        .bind(before)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// One stored update (None once compacted away).
pub async fn update(db: &Db, id: i64) -> Result<Option<Vec<u8>>, AppError> {
    Ok(sqlx::query_scalar("SELECT data FROM notepad_updates WHERE id = $1").bind(id).fetch_optional(&db.pool).await?)
}

/// The updates stored after `after`, in order.
pub async fn updates_after(db: &Db, notepad: i64, after: i64) -> Result<Vec<(i64, Vec<u8>)>, AppError> {
    let rows = sqlx::query("SELECT id, data FROM notepad_updates WHERE notepad_id = $1 AND id > $2 ORDER BY id")
        .bind(notepad)
        .bind(after)
        .fetch_all(&db.pool)
        .await?;
    Ok(rows.iter().map(|r| (r.get::<i64, _>(0), r.get::<Vec<u8>, _>(1))).collect())
}

/// A kept version of a notepad.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct RevisionInfo {
    pub id: i64,
    pub created_at: i64,
    /// Who wrote since the revision before, comma-separated.
    pub authors: String,
    /// The length of the text, in characters.
    pub chars: i64,
    /// "modèle", "avant restauration", "restauration de la version n° …", or empty.
    pub note: String,
}

/// Keeps the document as it is now in the notepad's history.
pub async fn add_revision(
    db: &Db,
    notepad: i64,
    authors: &str,
    chars: i64,
    note: &str,
    state: &[u8],
) -> Result<i64, AppError> {
    Ok(sqlx::query_scalar(
        "INSERT INTO notepad_revisions (notepad_id, created_at, authors, chars, note, state) \
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(notepad)
    .bind(now())
    .bind(authors)
    .bind(chars)
    .bind(note)
    .bind(state)
    .fetch_one(&db.pool)
    .await?)
}

/// When the last revision was kept (0: never).
pub async fn last_revision_at(db: &Db, notepad: i64) -> Result<i64, AppError> {
    Ok(sqlx::query_scalar::<_, i64>(
        "SELECT created_at FROM notepad_revisions WHERE notepad_id = $1 ORDER BY id DESC LIMIT 1",
    )
    .bind(notepad)
    .fetch_optional(&db.pool)
    .await?
    .unwrap_or(0))
}

/// The notepad's revisions, the latest first (the notepad's organisation is checked by the caller).
pub async fn revisions(db: &Db, notepad: i64) -> Result<Vec<RevisionInfo>, AppError> {
    let rows = sqlx::query(
        "SELECT id, created_at, authors, chars, note FROM notepad_revisions WHERE notepad_id = $1 ORDER BY id DESC",
    )
    .bind(notepad)
    .fetch_all(&db.pool)
    .await?;
    Ok(rows
        .iter()
        .map(|r| RevisionInfo {
            id: r.get("id"),
            created_at: r.get("created_at"),
            authors: r.get("authors"),
            chars: r.get("chars"),
            note: r.get("note"),
        })
        .collect())
}

/// One revision of the notepad, with its document.
pub async fn revision(db: &Db, notepad: i64, id: i64) -> Result<(RevisionInfo, Vec<u8>), AppError> {
    let r = sqlx::query(
        "SELECT id, created_at, authors, chars, note, state FROM notepad_revisions WHERE notepad_id = $1 AND id = $2",
    )
    .bind(notepad)
    .bind(id)
    .fetch_optional(&db.pool)
    .await?
    .ok_or(AppError::NotFound)?;
    Ok((
        RevisionInfo {
            id: r.get("id"),
            created_at: r.get("created_at"),
            authors: r.get("authors"),
            chars: r.get("chars"),
            note: r.get("note"),
        },
        r.get("state"),
    ))
}

/// The notepad of a module of a cycle, if it was made.
pub async fn of_module(db: &Db, org: i64, cycle_id: i64, module_id: i64) -> Result<Option<i64>, AppError> {
    Ok(sqlx::query_scalar("SELECT id FROM notepads WHERE cycle_id = $1 AND cycle_module_id = $2 AND org_id = $3")
        .bind(cycle_id)
        .bind(module_id)
        .bind(org)
        .fetch_optional(&db.pool)
        .await?)
}

/// Ties a notepad to a module of its cycle.
pub async fn set_module(db: &Db, notepad: i64, module_id: i64) -> Result<(), AppError> {
    sqlx::query("UPDATE notepads SET cycle_module_id = $1 WHERE id = $2")
        .bind(module_id)
        .bind(notepad)
        .execute(&db.pool)
        .await?;
    Ok(())
}

/// Each notepad of a cycle with its module, if any.
pub async fn modules_of(db: &Db, org: i64, cycle_id: i64) -> Result<Vec<(i64, Option<i64>)>, AppError> {
    Ok(sqlx::query_as("SELECT id, cycle_module_id FROM notepads WHERE cycle_id = $1 AND org_id = $2")
        .bind(cycle_id)
        .bind(org)
        .fetch_all(&db.pool)
        .await?)
}
