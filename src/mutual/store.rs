//! The SQL of the école mutuelle's board.

use super::*;

use sqlx::Row;

use crate::db::{Db, now};
use crate::error::AppError;

pub async fn posts(db: &Db, org_id: i64, cycle_id: i64) -> Result<Vec<Post>, AppError> {
    let rows = sqlx::query(
        "SELECT m.id, m.participant_id, p.first_name, p.last_name, m.kind, m.skill, m.details, m.created_at, m.closed_at \
         FROM mutual_posts m JOIN participants p ON p.id = m.participant_id \
         WHERE m.org_id = $1 AND m.cycle_id = $2 ORDER BY m.created_at DESC, m.id DESC",
    )
    .bind(org_id)
    .bind(cycle_id)
    .fetch_all(&db.pool)
    .await?;
    rows.iter()
        .map(|r| {
            let first: String = r.try_get("first_name")?;
            let last: String = r.try_get("last_name")?;
            let closed: Option<i64> = r.try_get("closed_at")?;
            Ok(Post {
                id: r.try_get("id")?,
                participant_id: r.try_get("participant_id")?,
                who: match last.chars().next() {
                    Some(c) => format!("{first} {c}."),
                    None => first,
                },
                kind: r.try_get("kind")?,
                skill: r.try_get("skill")?,
                details: r.try_get("details")?,
                created_at: r.try_get("created_at")?,
                closed: closed.is_some(),
            })
        })
        .collect()
}

/// An insertion of a post, checked.
pub async fn insert_post(
    db: &Db,
    (org, cycle_id, participant_id): (i64, i64, i64),
    kind: &str,
    skill: &str,
    details: &str,
) -> Result<i64, AppError> {
    Ok(sqlx::query_scalar(
        "INSERT INTO mutual_posts (org_id, cycle_id, participant_id, kind, skill, details, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(org)
    .bind(cycle_id)
    .bind(participant_id)
    .bind(kind)
    .bind(skill)
    .bind(details)
    .bind(now())
    .fetch_one(&db.pool)
    .await?)
}

/// Closes a post: its author (when `participant_id` is given) or the team.
pub async fn close(db: &Db, org: i64, cycle_id: i64, id: i64, participant_id: Option<i64>) -> Result<(), AppError> {
    let r = sqlx::query(
        "UPDATE mutual_posts SET closed_at = $1 WHERE id = $2 AND org_id = $3 AND cycle_id = $4 AND ($5 < 0 OR participant_id = $5) AND closed_at IS NULL",
    )
    .bind(now())
    .bind(id)
    .bind(org)
    .bind(cycle_id)
    .bind(participant_id.unwrap_or(-1))
    .execute(&db.pool)
    .await?;
    if r.rows_affected() == 1 { Ok(()) } else { Err(AppError::NotFound) }
}
