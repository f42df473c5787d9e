//! Background jobs: e-mails, reminders, and whatever else must happen later or be retried.
//!
//! Jobs live in the `jobs` table, so that any `acunum serve` process can run them and none is lost
//! when one stops. A job is claimed atomically (on PostgreSQL with `FOR UPDATE SKIP LOCKED`, so that
//! two processes never take the same one; SQLite has a single writer), locked for a while, then
//! marked done, or retried with an exponential back-off until it fails for good. A job with a
//! `dedup_key` is enqueued once. Each kind of job implements [`JobKind`]; the worker
//! ([`crate::worker`]) holds their list, drains the queue every few seconds and enqueues the
//! scheduled kinds; tests drain it with `worker::run_pending` to run jobs deterministically.

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::db::{Db, DbKind, now};
use crate::error::AppError;
use crate::state::AppState;

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

/// A kind of job: its name in the queue, how it runs, and, for the jobs the worker makes itself,
/// how often. Each concept implements it for its own jobs; the worker (in [`crate::worker`], above
/// the concepts) holds the list. A run must be idempotent: a job can be run again after a crash
/// between its run and its completion.
pub trait JobKind: Send + Sync {
    /// The `kind` column of its jobs.
    fn name(&self) -> &'static str;
    /// For a scheduled job, the period in seconds: the worker enqueues one per period, once across
    /// all the processes sharing the database (its `dedup_key` names the period).
    fn every(&self) -> Option<i64> {
        None
    }
    /// Runs beside the queue rather than in it (a slow remote site must not hold the mail).
    fn beside_queue(&self) -> bool {
        false
    }
    fn run<'a>(&'a self, state: &'a AppState, job: &'a Job) -> BoxFuture<'a, Result<(), String>>;
}

/// A job kind made of its name, its schedule and a function (most kinds need nothing more).
pub struct Kind {
    pub name: &'static str,
    pub every: Option<i64>,
    pub beside_queue: bool,
    pub run: for<'a> fn(&'a AppState, &'a Job) -> BoxFuture<'a, Result<(), String>>,
}

impl JobKind for Kind {
    fn name(&self) -> &'static str {
        self.name
    }
    fn every(&self) -> Option<i64> {
        self.every
    }
    fn beside_queue(&self) -> bool {
        self.beside_queue
    }
    fn run<'a>(&'a self, state: &'a AppState, job: &'a Job) -> BoxFuture<'a, Result<(), String>> {
        (self.run)(state, job)
    }
}

/// What a job kind's `run` returns.
pub type BoxFuture<'a, T> = std::pin::Pin<Box<dyn std::future::Future<Output = T> + Send + 'a>>;

/// The dedup key of a scheduled job for the period holding `at`.
pub fn schedule_key(name: &str, every: i64, at: i64) -> String {
    format!("schedule:{name}:{}", at.div_euclid(every.max(1)))
}

/// Enqueues the scheduled kinds due at `at` (one per period whatever the number of processes).
/// `enqueued` remembers, for this process, the period each kind was last enqueued for, so that a
/// tick within the same period writes nothing.
pub async fn enqueue_scheduled(
    db: &Db,
    kinds: &[&dyn JobKind],
    at: i64,
    enqueued: &mut std::collections::HashMap<&'static str, String>,
) -> Result<(), AppError> {
    for k in kinds {
        if let Some(every) = k.every() {
            let key = schedule_key(k.name(), every, at);
            if enqueued.get(k.name()) == Some(&key) {
                continue;
            }
            enqueue(db, None, k.name(), &serde_json::json!({}), at, Some(&key)).await?;
            enqueued.insert(k.name(), key);
        }
    }
    Ok(())
}

/// Removes the scheduled jobs done more than a week before `at` (legal records are never jobs).
pub async fn prune_scheduled(db: &Db, at: i64) -> Result<(), AppError> {
    sqlx::query("DELETE FROM jobs WHERE status = 'done' AND dedup_key LIKE 'schedule:%' AND done_at < $1")
        .bind(at - 7 * 86_400)
        .execute(&db.pool)
        .await?;
    Ok(())
}

/// Records how a job ended: done, or retried later (given up after [`MAX_ATTEMPTS`]).
pub async fn finish(db: &Db, job: &Job, result: Result<(), String>) -> Result<(), AppError> {
    match result {
        Ok(()) => complete(db, job.id).await,
        Err(e) => {
            tracing::warn!(job = job.id, kind = %job.kind, error = %e, "job failed");
            fail(db, job, &e).await
        }
    }
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
