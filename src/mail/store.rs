//! The outbox: the SQL that reads an organisation's messages in the job queue, retries and cancels
//! them, and keeps each message's Message-ID.

use serde::Serialize;
use sqlx::Row;

use crate::db::Db;
use crate::error::AppError;
use crate::mail::Mail;

/// Where a message stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MessageState {
    /// Waiting for its time or for the worker.
    Pending,
    /// The SMTP server refused it or could not be reached: it is tried again later.
    Retrying,
    /// Accepted by the SMTP server.
    Sent,
    /// Given up after the last attempt.
    Failed,
    Cancelled,
}

impl MessageState {
    pub fn label(self) -> &'static str {
        match self {
            MessageState::Pending => "en attente",
            MessageState::Retrying => "nouvelle tentative prévue",
            MessageState::Sent => "envoyé",
            MessageState::Failed => "échec",
            MessageState::Cancelled => "annulé",
        }
    }
}

/// A message of the outbox.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct OutboxMessage {
    pub id: i64,
    pub to: String,
    pub to_name: String,
    pub subject: String,
    pub state: MessageState,
    pub state_label: String,
    pub attempts: i64,
    /// The last error of the SMTP server or of the configuration.
    pub error: Option<String>,
    /// When it is (next) tried, while it waits.
    pub next_attempt_at: Option<i64>,
    pub sent_at: Option<i64>,
    pub message_id: Option<String>,
    pub created_at: i64,
}

fn from_row(r: &sqlx::any::AnyRow) -> Result<OutboxMessage, AppError> {
    let status: String = r.try_get("status")?;
    let attempts: i64 = r.try_get("attempts")?;
    let payload: String = r.try_get("payload")?;
    let mail: Mail = serde_json::from_str(&payload).unwrap_or(Mail {
        to: String::new(),
        to_name: String::new(),
        subject: "(message illisible)".into(),
        body: String::new(),
        attachments: Vec::new(),
    });
    let state = match status.as_str() {
        "done" => MessageState::Sent,
        "failed" => MessageState::Failed,
        "cancelled" => MessageState::Cancelled,
        _ if attempts > 0 => MessageState::Retrying,
        _ => MessageState::Pending,
    };
    let run_at: i64 = r.try_get("run_at")?;
    Ok(OutboxMessage {
        id: r.try_get("id")?,
        to: mail.to,
        to_name: mail.to_name,
        subject: mail.subject,
        state,
        state_label: state.label().to_string(),
        attempts,
        error: r.try_get("last_error")?,
        next_attempt_at: matches!(state, MessageState::Pending | MessageState::Retrying).then_some(run_at),
        sent_at: r.try_get("done_at")?,
        message_id: r.try_get("message_id")?,
        created_at: r.try_get("created_at")?,
    })
}

const COLUMNS: &str = "id, payload, status, attempts, last_error, run_at, done_at, message_id, created_at";

/// Counts of the outbox by state, for the pages.
#[derive(Clone, Debug, Default, Serialize, utoipa::ToSchema)]
pub struct OutboxCounts {
    pub waiting: i64,
    pub sent: i64,
    pub failed: i64,
}

/// An organisation's messages, newest first, optionally of one state only.
pub async fn list(
    db: &Db,
    org_id: i64,
    state: Option<&str>,
    limit: i64,
    offset: i64,
) -> Result<(Vec<OutboxMessage>, i64), AppError> {
    let filter = match state {
        Some("en-attente") => " AND status = 'pending'",
        Some("envoyes") => " AND status = 'done'",
        Some("echecs") => " AND (status = 'failed' OR (status = 'pending' AND attempts > 0))",
        Some("annules") => " AND status = 'cancelled'",
        _ => "",
    };
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM jobs WHERE org_id = $1 AND kind = 'mail'{filter} ORDER BY created_at DESC, id DESC LIMIT $2 OFFSET $3"
    ))
    .bind(org_id)
    .bind(limit)
    .bind(offset)
    .fetch_all(&db.pool)
    .await?;
    let total: i64 =
        sqlx::query_scalar(&format!("SELECT COUNT(*) FROM jobs WHERE org_id = $1 AND kind = 'mail'{filter}"))
            .bind(org_id)
            .fetch_one(&db.pool)
            .await?;
    Ok((rows.iter().map(from_row).collect::<Result<_, _>>()?, total))
}

pub async fn counts(db: &Db, org_id: i64) -> Result<OutboxCounts, AppError> {
    let rows: Vec<(String, i64)> =
        sqlx::query_as("SELECT status, COUNT(*) FROM jobs WHERE org_id = $1 AND kind = 'mail' GROUP BY status")
            .bind(org_id)
            .fetch_all(&db.pool)
            .await?;
    let get = |s: &str| rows.iter().find(|(k, _)| k == s).map(|(_, n)| *n).unwrap_or(0);
    Ok(OutboxCounts { waiting: get("pending"), sent: get("done"), failed: get("failed") })
}

pub async fn get(db: &Db, org_id: i64, id: i64) -> Result<OutboxMessage, AppError> {
    let row = sqlx::query(&format!("SELECT {COLUMNS} FROM jobs WHERE id = $1 AND org_id = $2 AND kind = 'mail'"))
        .bind(id)
        .bind(org_id)
        .fetch_optional(&db.pool)
        .await?
        .ok_or(AppError::NotFound)?;
    from_row(&row)
}

/// Tries a waiting or failed message again now, from its first attempt.
pub async fn retry(db: &Db, org_id: i64, id: i64, now: i64) -> Result<(), AppError> {
    let r = sqlx::query(
        "UPDATE jobs SET status = 'pending', run_at = $1, attempts = 0, locked_until = NULL \
         WHERE id = $2 AND org_id = $3 AND kind = 'mail' AND (status = 'failed' OR status = 'pending')",
    )
    .bind(now)
    .bind(id)
    .bind(org_id)
    .execute(&db.pool)
    .await?;
    if r.rows_affected() == 1 {
        Ok(())
    } else {
        Err(AppError::Conflict("Ce message est déjà envoyé ou annulé : il ne se renvoie pas.".into()))
    }
}

/// Cancels a message that has not been sent.
pub async fn cancel(db: &Db, org_id: i64, id: i64, now: i64) -> Result<(), AppError> {
    let r = sqlx::query(
        "UPDATE jobs SET status = 'cancelled', done_at = $1, locked_until = NULL \
         WHERE id = $2 AND org_id = $3 AND kind = 'mail' AND (status = 'failed' OR status = 'pending')",
    )
    .bind(now)
    .bind(id)
    .bind(org_id)
    .execute(&db.pool)
    .await?;
    if r.rows_affected() == 1 {
        Ok(())
    } else {
        Err(AppError::Conflict("Ce message est déjà envoyé ou annulé.".into()))
    }
}

/// The Message-ID of a job's message: chosen at its first attempt, then kept.
pub async fn message_id_of(db: &Db, job_id: i64, from: &str) -> Result<String, AppError> {
    let fresh = crate::mail::message_id(from, &format!("{job_id}.{}", &crate::auth::random_token()[..16]));
    sqlx::query("UPDATE jobs SET message_id = $1 WHERE id = $2 AND message_id IS NULL")
        .bind(&fresh)
        .bind(job_id)
        .execute(&db.pool)
        .await?;
    let kept: Option<String> =
        sqlx::query_scalar("SELECT message_id FROM jobs WHERE id = $1").bind(job_id).fetch_one(&db.pool).await?;
    Ok(kept.unwrap_or(fresh))
}
