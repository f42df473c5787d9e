//! Background jobs: e-mails, reminders, and whatever else must happen later or be retried.
//!
//! Jobs live in the `jobs` table, so that any `acunum serve` process can run them and none is lost
//! when one stops. A job is claimed atomically (on PostgreSQL with `FOR UPDATE SKIP LOCKED`, so that
//! two processes never take the same one; SQLite has a single writer), locked for a while, then
//! marked done, or retried with an exponential back-off until it fails for good. A job with a
//! `dedup_key` is enqueued once. [`run_pending`] drains the queue: the worker calls it every few
//! seconds, and tests call it to run jobs deterministically.

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::app::AppState;
use crate::db::{Db, DbKind, now};
use crate::error::AppError;

/// A job taken from the queue.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Job {
    pub id: i64,
    pub kind: String,
    pub payload: String,
    pub attempts: i64,
}

/// After this many failed attempts a job is given up (and shown as failed).
pub const MAX_ATTEMPTS: i64 = 8;
/// How long a claimed job is reserved for its worker.
const LOCK_SECONDS: i64 = 300;

/// Seconds to wait before the next attempt: 1 min, 2, 4, … capped at 6 h.
pub fn backoff(attempts: i64) -> i64 {
    (60i64 << attempts.clamp(0, 9)).min(6 * 3600)
}

/// Enqueues a job of an organisation (none for the instance's own) to run at `run_at`; with a
/// `dedup_key`, only the first enqueue counts.
pub async fn enqueue<T: Serialize>(
    db: &Db,
    org_id: Option<i64>,
    kind: &str,
    payload: &T,
    run_at: i64,
    dedup_key: Option<&str>,
) -> Result<bool, AppError> {
    let json = serde_json::to_string(payload).map_err(|e| AppError::Internal(e.into()))?;
    let r = sqlx::query(
        "INSERT INTO jobs (kind, payload, dedup_key, run_at, status, attempts, created_at, org_id) VALUES ($1, $2, $3, $4, 'pending', 0, $5, $6) \
         ON CONFLICT (dedup_key) DO NOTHING",
    )
    .bind(kind)
    .bind(json)
    .bind(dedup_key)
    .bind(run_at)
    .bind(now())
    .bind(org_id)
    .execute(&db.pool)
    .await?;
    Ok(r.rows_affected() == 1)
}

/// Takes the next due job, if any, and locks it for this worker.
pub async fn claim(db: &Db) -> Result<Option<Job>, AppError> {
    let t = now();
    let lock = if db.kind == DbKind::Postgres { "FOR UPDATE SKIP LOCKED" } else { "" };
    Ok(sqlx::query_as::<_, Job>(&format!(
        "UPDATE jobs SET locked_until = $1, attempts = attempts + 1 WHERE id = (SELECT id FROM jobs WHERE status = 'pending' \
         AND run_at <= $2 AND (locked_until IS NULL OR locked_until < $2) ORDER BY run_at, id LIMIT 1 {lock}) \
         RETURNING id, kind, payload, attempts"
    ))
    .bind(t + LOCK_SECONDS)
    .bind(t)
    .fetch_optional(&db.pool)
    .await?)
}

pub async fn complete(db: &Db, id: i64) -> Result<(), AppError> {
    sqlx::query("UPDATE jobs SET status = 'done', done_at = $1, locked_until = NULL, last_error = NULL WHERE id = $2")
        .bind(now())
        .bind(id)
        .execute(&db.pool)
        .await?;
    Ok(())
}

/// Records a failure: retried later, or failed for good after [`MAX_ATTEMPTS`].
pub async fn fail(db: &Db, job: &Job, error: &str) -> Result<(), AppError> {
    let give_up = job.attempts >= MAX_ATTEMPTS;
    sqlx::query("UPDATE jobs SET status = $1, run_at = $2, locked_until = NULL, last_error = $3 WHERE id = $4")
        .bind(if give_up { "failed" } else { "pending" })
        .bind(now() + backoff(job.attempts))
        .bind(error.chars().take(1000).collect::<String>())
        .bind(job.id)
        .execute(&db.pool)
        .await?;
    Ok(())
}

pub fn payload<T: DeserializeOwned>(job: &Job) -> Result<T, String> {
    serde_json::from_str(&job.payload).map_err(|e| format!("payload illisible : {e}"))
}

async fn dispatch(state: &AppState, job: &Job) -> Result<(), String> {
    match job.kind.as_str() {
        "mail" => crate::mail::send_job(state, job).await,
        "reminder" => crate::cycle::mails::reminder_job(state, job).await,
        other => Err(format!("type de tâche inconnu : {other}")),
    }
}

/// Runs every due job; returns how many were run (succeeded or not).
pub async fn run_pending(state: &AppState) -> Result<usize, AppError> {
    let mut n = 0;
    while let Some(job) = claim(&state.db).await? {
        n += 1;
        match dispatch(state, &job).await {
            Ok(()) => complete(&state.db, job.id).await?,
            Err(e) => {
                tracing::warn!(job = job.id, kind = %job.kind, error = %e, "job failed");
                fail(&state.db, &job, &e).await?;
            }
        }
    }
    Ok(n)
}

/// Counts of the queue, for the pages.
#[derive(Clone, Debug, Default, Serialize, utoipa::ToSchema)]
pub struct QueueState {
    pub pending: i64,
    pub failed: i64,
    pub done: i64,
}

pub async fn counts(db: &Db, kind: &str, dedup_prefix: &str) -> Result<QueueState, AppError> {
    let rows: Vec<(String, i64)> =
        sqlx::query_as("SELECT status, COUNT(*) FROM jobs WHERE kind = $1 AND dedup_key LIKE $2 GROUP BY status")
            .bind(kind)
            .bind(format!("{dedup_prefix}%"))
            .fetch_all(&db.pool)
            .await?;
    let get = |s: &str| rows.iter().find(|(k, _)| k == s).map(|(_, n)| *n).unwrap_or(0);
    Ok(QueueState { pending: get("pending"), failed: get("failed"), done: get("done") })
}

/// Runs the queue every few seconds in the background.
pub fn spawn_worker(state: AppState) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(5));
        let mut last_scan = 0i64;
        let mut last_retention = 0i64;
        let mut last_feeds = 0i64;
        let feeds_running = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        loop {
            tick.tick().await;
            // Once an hour, queue the reminders of overdue actions (once a week per action).
            if now() - last_scan >= 3600 {
                last_scan = now();
                if let Err(e) = crate::committee::web::remind_overdue(&state).await {
                    tracing::warn!(error = %e, "action reminders");
                }
                if let Err(e) = crate::veille::digest_weekly(&state).await {
                    tracing::warn!(error = %e, "veille digests");
                }
            }
            // Once a day, the retention periods of personal data.
            if now() - last_retention >= 86_400 {
                last_retention = now();
                if let Err(e) = crate::privacy::web::apply_retention(&state).await {
                    tracing::warn!(error = %e, "retention");
                }
                // And the reminders of overdue invoices, at the days after the due date each
                // organisation chose.
                match crate::invoice::service::remind_overdue(&state).await {
                    Ok(n) if n > 0 => tracing::info!(reminders = n, "overdue invoices reminded"),
                    Ok(_) => {}
                    Err(e) => tracing::warn!(error = %e, "invoice reminders"),
                }
            }
            // Every minute, the veille reads its due feeds, beside the queue (a slow site must not hold it).
            if now() - last_feeds >= 60 && !feeds_running.swap(true, std::sync::atomic::Ordering::SeqCst) {
                last_feeds = now();
                let (state, running) = (state.clone(), feeds_running.clone());
                tokio::spawn(async move {
                    if let Err(e) = crate::veille::refresh_due(&state).await {
                        tracing::warn!(error = %e, "veille feeds");
                    }
                    running.store(false, std::sync::atomic::Ordering::SeqCst);
                });
            }
            if let Err(e) = run_pending(&state).await {
                tracing::warn!(error = %e, "job queue");
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_backoff_doubles_and_is_capped() {
        assert_eq!(backoff(0), 60);
        assert_eq!(backoff(1), 120);
        assert_eq!(backoff(3), 480);
        assert_eq!(backoff(20), 6 * 3600);
    }
}
