//! The worker: the list of the kinds of jobs, and the loop that runs them. It sits above the
//! concepts (it names their jobs) so that the queue ([`crate::jobs`]) stays below them: a concept
//! enqueues through `jobs` without importing the others.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::error::AppError;
use crate::jobs::{self, BoxFuture, Job, JobKind, Kind};
use crate::state::AppState;

const HOUR: i64 = 3600;
const DAY: i64 = 86_400;

/// A scheduled run: what it did is logged, a failure is retried by the queue.
fn scheduled<'a, T: std::fmt::Debug, F>(what: &'static str, f: F) -> BoxFuture<'a, Result<(), String>>
where
    F: Future<Output = Result<T, AppError>> + Send + 'a,
{
    Box::pin(async move {
        let done = f.await.map_err(|e| format!("{what}: {e}"))?;
        tracing::debug!(?done, "{what}");
        Ok(())
    })
}

/// Every kind of job, by the name stored in the queue.
pub static KINDS: &[&dyn JobKind] = &[
    &Kind { name: "mail", every: None, beside_queue: false, run: |s, j| Box::pin(crate::mail::send_job(s, j)) },
    &Kind {
        name: "reminder",
        every: None,
        beside_queue: false,
        run: |s, j| Box::pin(crate::cycle::mails::reminder_job(s, j)),
    },
    // Once an hour: the reminders of overdue actions (once a week per action), the veille's digests.
    &Kind {
        name: "actions_overdue",
        every: Some(HOUR),
        beside_queue: false,
        run: |s, _| scheduled("action reminders", crate::committee::service::remind_overdue(s)),
    },
    &Kind {
        name: "veille_digest",
        every: Some(HOUR),
        beside_queue: false,
        run: |s, _| scheduled("veille digests", crate::veille::digest_weekly(s)),
    },
    // Once a day: the retention periods of personal data, the reminders of overdue invoices (at the
    // days after the due date each organisation chose).
    &Kind {
        name: "retention",
        every: Some(DAY),
        beside_queue: false,
        run: |s, _| scheduled("retention", crate::privacy::web::apply_retention(s)),
    },
    &Kind {
        name: "invoices_overdue",
        every: Some(DAY),
        beside_queue: false,
        run: |s, _| scheduled("invoice reminders", crate::invoice::service::remind_overdue(s)),
    },
    // Every ten minutes: expired sessions, old login attempts, spent throttle windows.
    &Kind {
        name: "housekeeping",
        every: Some(600),
        beside_queue: false,
        run: |s, _| {
            scheduled("housekeeping", async move {
                jobs::prune_scheduled(&s.db, s.now()).await?;
                crate::auth::store::housekeeping(&s.db).await
            })
        },
    },
    // Every minute, the veille reads its due feeds, beside the queue.
    &Kind {
        name: "veille_feeds",
        every: Some(60),
        beside_queue: true,
        run: |s, _| scheduled("veille feeds", crate::veille::refresh_due(s)),
    },
];

fn kind(name: &str) -> Option<&'static dyn JobKind> {
    KINDS.iter().copied().find(|k| k.name() == name)
}

async fn dispatch(state: &AppState, job: &Job) -> Result<(), String> {
    match kind(&job.kind) {
        Some(k) => k.run(state, job).await,
        None => Err(format!("type de tâche inconnu : {}", job.kind)),
    }
}

/// Runs every due job in turn; returns how many were run (succeeded or not).
pub async fn run_pending(state: &AppState) -> Result<usize, AppError> {
    let mut n = 0;
    while let Some(job) = jobs::claim(&state.db).await? {
        n += 1;
        let result = dispatch(state, &job).await;
        jobs::finish(&state.db, &job, result).await?;
    }
    Ok(n)
}

/// Runs the queue every few seconds in the background, and enqueues the scheduled kinds.
pub fn spawn(state: AppState) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(5));
        let beside_running = Arc::new(AtomicBool::new(false));
        let mut enqueued = std::collections::HashMap::new();
        loop {
            tick.tick().await;
            if let Err(e) = jobs::enqueue_scheduled(&state.db, KINDS, state.now(), &mut enqueued).await {
                tracing::warn!(error = %e, "scheduled jobs");
            }
            if let Err(e) = run_queue(&state, &beside_running).await {
                tracing::warn!(error = %e, "job queue");
            }
        }
    });
}

/// Like [`run_pending`], but a kind that runs beside the queue is spawned (one at a time).
async fn run_queue(state: &AppState, beside_running: &Arc<AtomicBool>) -> Result<(), AppError> {
    while let Some(job) = jobs::claim(&state.db).await? {
        let beside = kind(&job.kind).is_some_and(|k| k.beside_queue());
        if beside && !beside_running.swap(true, Ordering::SeqCst) {
            let (state, running) = (state.clone(), beside_running.clone());
            tokio::spawn(async move {
                let result = dispatch(&state, &job).await;
                if let Err(e) = jobs::finish(&state.db, &job, result).await {
                    tracing::warn!(error = %e, "job queue");
                }
                running.store(false, Ordering::SeqCst);
            });
        } else if beside {
            // The previous run is still going: this one is done without running (the next period
            // reads the feeds due then).
            jobs::finish(&state.db, &job, Ok(())).await?;
        } else {
            let result = dispatch(state, &job).await;
            jobs::finish(&state.db, &job, result).await?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_have_distinct_names_and_scheduled_keys_name_their_period() {
        let mut names: Vec<_> = KINDS.iter().map(|k| k.name()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), KINDS.len());
        assert_eq!(jobs::schedule_key("retention", DAY, DAY * 3 + 5), "schedule:retention:3");
        assert_eq!(jobs::schedule_key("retention", DAY, DAY * 4 - 1), "schedule:retention:3");
        assert!(kind("mail").is_some() && kind("nothing").is_none());
    }
}
