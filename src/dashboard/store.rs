//! What the home pages read: a few short lists across the organisation's records.

use sqlx::Row;

use crate::db::Db;
use crate::error::AppError;

/// A session on a home page.
#[derive(Clone, Debug)]
pub struct SessionLine {
    pub cycle_id: i64,
    pub session_id: i64,
    pub cycle_title: String,
    pub title: String,
    pub start_at: i64,
    pub timezone: String,
}

impl SessionLine {
    pub fn when(&self) -> String {
        let tz = self.timezone.parse().unwrap_or(crate::fr::DEFAULT_TZ);
        crate::fr::date_time(self.start_at, tz)
    }
}

fn session_lines(rows: &[sqlx::any::AnyRow]) -> Result<Vec<SessionLine>, AppError> {
    rows.iter()
        .map(|r| {
            Ok(SessionLine {
                cycle_id: r.try_get("cycle_id")?,
                session_id: r.try_get("id")?,
                cycle_title: r.try_get("cycle_title")?,
                title: r.try_get("title")?,
                start_at: r.try_get("start_at")?,
                timezone: r.try_get("timezone")?,
            })
        })
        .collect()
}

const SESSION: &str = "SELECT s.id, s.cycle_id, c.title AS cycle_title, s.title, s.start_at, c.timezone \
    FROM training_sessions s JOIN cycles c ON c.id = s.cycle_id";

/// The sessions starting between `from` and `to` (of one intervenant when `intervenant` is given).
pub async fn sessions_between(
    db: &Db,
    org: i64,
    from: i64,
    to: i64,
    intervenant: Option<i64>,
) -> Result<Vec<SessionLine>, AppError> {
    let rows = sqlx::query(&format!(
        "{SESSION} WHERE s.org_id = $1 AND s.start_at >= $2 AND s.start_at < $3 AND s.cancelled_at IS NULL \
         AND ($4 = 0 OR s.intervenant_id = $4) ORDER BY s.start_at LIMIT 30"
    ))
    .bind(org)
    .bind(from)
    .bind(to)
    .bind(intervenant.unwrap_or(0))
    .fetch_all(&db.pool)
    .await?;
    session_lines(&rows)
}

/// Sessions of the last `days` that have ended with a sheet not closed (or never opened).
pub async fn sheets_to_close(
    db: &Db,
    org: i64,
    now: i64,
    days: i64,
    intervenant: Option<i64>,
) -> Result<Vec<SessionLine>, AppError> {
    let rows = sqlx::query(&format!(
        "{SESSION} JOIN cycle_modules m ON m.id = s.cycle_module_id \
         WHERE s.org_id = $1 AND s.end_at < $2 AND s.end_at >= $3 AND s.cancelled_at IS NULL \
         AND m.kind IN ('culture_training', 'usage_training') AND ($4 = 0 OR s.intervenant_id = $4) \
         AND (NOT EXISTS (SELECT 1 FROM half_days h WHERE h.session_id = s.id) \
              OR EXISTS (SELECT 1 FROM half_days h WHERE h.session_id = s.id AND h.status <> 'locked')) \
         ORDER BY s.start_at LIMIT 30"
    ))
    .bind(org)
    .bind(now)
    .bind(now - days * 86_400)
    .bind(intervenant.unwrap_or(0))
    .fetch_all(&db.pool)
    .await?;
    session_lines(&rows)
}

/// Sent quotes waiting for the client's answer: (id, number, title, client, sent at).
pub async fn quotes_waiting(db: &Db, org: i64) -> Result<Vec<(i64, String, String, String, i64)>, AppError> {
    Ok(sqlx::query_as(
        "SELECT q.id, q.number, q.title, c.name, COALESCE(q.sent_at, 0) FROM quotes q JOIN clients c ON c.id = q.client_id \
         WHERE q.org_id = $1 AND q.status = 'sent' ORDER BY q.sent_at LIMIT 20",
    )
    .bind(org)
    .fetch_all(&db.pool)
    .await?)
}

/// The notepads of the cycles an intervenant teaches: (cycle id, notepad id, title, cycle title).
pub async fn notepads_of_intervenant(
    db: &Db,
    org: i64,
    intervenant: i64,
) -> Result<Vec<(i64, i64, String, String)>, AppError> {
    Ok(sqlx::query_as(
        "SELECT n.cycle_id, n.id, n.title, c.title FROM notepads n JOIN cycles c ON c.id = n.cycle_id \
         WHERE n.org_id = $1 AND n.cycle_id IN (SELECT cycle_id FROM training_sessions WHERE intervenant_id = $2) \
         ORDER BY n.id DESC LIMIT 10",
    )
    .bind(org)
    .bind(intervenant)
    .fetch_all(&db.pool)
    .await?)
}
