//! Votes, ballots, commitments, actions and their notes, AMO entries.

use chrono::NaiveDate;
use serde::Serialize;
use sqlx::Row;

use crate::committee::{Tally, tally};
use crate::db::{Db, get_bool, now};
use crate::error::AppError;

// --- votes ---------------------------------------------------------------------------------------

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Vote {
    pub id: i64,
    pub cycle_id: i64,
    pub cycle_module_id: i64,
    pub question: String,
    pub topics: Vec<String>,
    /// How many topics are kept.
    pub seats: i64,
    /// How many a member may tick.
    pub max_choices: i64,
    /// Secret: who voted is kept, not what they chose.
    pub secret: bool,
    pub closes_at: i64,
    pub closed_at: Option<i64>,
    /// When the result became the programme of the usage training.
    pub applied_at: Option<i64>,
    pub created_at: i64,
}

impl Vote {
    /// A vote is open until its closing time, or until the coordinator closes it earlier.
    pub fn is_open(&self, at: i64) -> bool {
        self.closed_at.is_none() && at < self.closes_at
    }
}

const VOTE_COLUMNS: &str = "id, cycle_id, cycle_module_id, question, topics, seats, max_choices, secret, closes_at, closed_at, applied_at, created_at";

fn vote_from_row(r: &sqlx::any::AnyRow) -> Result<Vote, AppError> {
    let topics: String = r.try_get("topics")?;
    Ok(Vote {
        id: r.try_get("id")?,
        cycle_id: r.try_get("cycle_id")?,
        cycle_module_id: r.try_get("cycle_module_id")?,
        question: r.try_get("question")?,
        topics: serde_json::from_str(&topics).unwrap_or_default(),
        seats: r.try_get("seats")?,
        max_choices: r.try_get("max_choices")?,
        secret: get_bool(r, "secret")?,
        closes_at: r.try_get("closes_at")?,
        closed_at: r.try_get("closed_at")?,
        applied_at: r.try_get("applied_at")?,
        created_at: r.try_get("created_at")?,
    })
}

pub struct NewVote<'a> {
    pub cycle_module_id: i64,
    pub question: &'a str,
    pub topics: &'a [String],
    pub seats: i64,
    pub max_choices: i64,
    pub secret: bool,
    pub closes_at: i64,
}

pub async fn create_vote(db: &Db, org_id: i64, cycle_id: i64, v: &NewVote<'_>) -> Result<i64, AppError> {
    Ok(sqlx::query_scalar(
        "INSERT INTO votes (org_id, cycle_id, cycle_module_id, question, topics, seats, max_choices, secret, closes_at, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
    )
    .bind(org_id)
    .bind(cycle_id)
    .bind(v.cycle_module_id)
    .bind(v.question)
    .bind(serde_json::to_string(v.topics).unwrap_or_else(|_| "[]".into()))
    .bind(v.seats)
    .bind(v.max_choices)
    .bind(v.secret)
    .bind(v.closes_at)
    .bind(now())
    .fetch_one(&db.pool)
    .await?)
}

pub async fn votes(db: &Db, org_id: i64, cycle_id: i64) -> Result<Vec<Vote>, AppError> {
    let rows =
        sqlx::query(&format!("SELECT {VOTE_COLUMNS} FROM votes WHERE org_id = $1 AND cycle_id = $2 ORDER BY id DESC"))
            .bind(org_id)
            .bind(cycle_id)
            .fetch_all(&db.pool)
            .await?;
    rows.iter().map(vote_from_row).collect()
}

pub async fn vote(db: &Db, org_id: i64, cycle_id: i64, id: i64) -> Result<Vote, AppError> {
    let row = sqlx::query(&format!("SELECT {VOTE_COLUMNS} FROM votes WHERE id = $1 AND org_id = $2 AND cycle_id = $3"))
        .bind(id)
        .bind(org_id)
        .bind(cycle_id)
        .fetch_optional(&db.pool)
        .await?
        .ok_or(AppError::NotFound)?;
    vote_from_row(&row)
}

pub async fn close_vote(db: &Db, org_id: i64, id: i64) -> Result<(), AppError> {
    let r = sqlx::query("UPDATE votes SET closed_at = $1 WHERE id = $2 AND org_id = $3 AND closed_at IS NULL")
        .bind(now())
        .bind(id)
        .bind(org_id)
        .execute(&db.pool)
        .await?;
    if r.rows_affected() == 1 { Ok(()) } else { Err(AppError::Conflict("Ce vote est déjà clos.".into())) }
}

/// Records a ballot, once per member: who voted is always kept (to refuse a second ballot); what
/// they chose is tied to them only when the vote is open (not secret). A secret ballot carries no
/// voter and no time, and the secret ballots are dealt out again at random after each one.
pub async fn cast(db: &Db, v: &Vote, participant_id: i64, choices: &[usize]) -> Result<(), AppError> {
    let mut tx = db.pool.begin().await?;
    let t = now();
    let r = sqlx::query("INSERT INTO vote_voters (vote_id, participant_id, at) VALUES ($1, $2, $3) ON CONFLICT (vote_id, participant_id) DO NOTHING")
        .bind(v.id)
        .bind(participant_id)
        .bind(t)
        .execute(&mut *tx)
        .await?;
    if r.rows_affected() == 0 {
        return Err(AppError::Conflict("Vous avez déjà voté : un bulletin par membre.".into()));
    }
    sqlx::query("INSERT INTO vote_ballots (vote_id, participant_id, choices, at) VALUES ($1, $2, $3, $4)")
        .bind(v.id)
        .bind(if v.secret { None } else { Some(participant_id) })
        .bind(serde_json::to_string(choices).unwrap_or_else(|_| "[]".into()))
        .bind(if v.secret { 0 } else { t })
        .execute(&mut *tx)
        .await?;
    if v.secret {
        // Rows are numbered in the order ballots arrive, like the voters: deal the choices out again
        // at random over the rows, so that no row can be matched with a voter by its rank.
        let rows: Vec<(i64, String)> =
            sqlx::query_as("SELECT id, choices FROM vote_ballots WHERE vote_id = $1 ORDER BY id")
                .bind(v.id)
                .fetch_all(&mut *tx)
                .await?;
        let mut dealt: Vec<String> = rows.iter().map(|(_, c)| c.clone()).collect();
        {
            use rand::seq::SliceRandom;
            dealt.shuffle(&mut rand::rng());
        }
        for ((id, _), choices) in rows.iter().zip(dealt) {
            sqlx::query("UPDATE vote_ballots SET choices = $1 WHERE id = $2")
                .bind(choices)
                .bind(id)
                .execute(&mut *tx)
                .await?;
        }
    }
    tx.commit().await?;
    Ok(())
}

pub async fn has_voted(db: &Db, vote_id: i64, participant_id: i64) -> Result<bool, AppError> {
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM vote_voters WHERE vote_id = $1 AND participant_id = $2")
        .bind(vote_id)
        .bind(participant_id)
        .fetch_one(&db.pool)
        .await?;
    Ok(n > 0)
}

/// Participant ids who voted.
pub async fn voters(db: &Db, vote_id: i64) -> Result<Vec<i64>, AppError> {
    Ok(sqlx::query_scalar("SELECT participant_id FROM vote_voters WHERE vote_id = $1 ORDER BY id")
        .bind(vote_id)
        .fetch_all(&db.pool)
        .await?)
}

/// The ballots: (voter when open, choices).
pub async fn ballots(db: &Db, vote_id: i64) -> Result<Vec<(Option<i64>, Vec<usize>)>, AppError> {
    let rows: Vec<(Option<i64>, String)> =
        sqlx::query_as("SELECT participant_id, choices FROM vote_ballots WHERE vote_id = $1 ORDER BY id")
            .bind(vote_id)
            .fetch_all(&db.pool)
            .await?;
    Ok(rows.into_iter().map(|(p, c)| (p, serde_json::from_str(&c).unwrap_or_default())).collect())
}

pub async fn result(db: &Db, v: &Vote) -> Result<Tally, AppError> {
    let b: Vec<Vec<usize>> = ballots(db, v.id).await?.into_iter().map(|(_, c)| c).collect();
    Ok(tally(&v.topics, &b, v.seats.max(0) as usize))
}

/// Makes the chosen topics the programme of the cycle's usage training.
pub async fn apply(db: &Db, org_id: i64, v: &Vote, chosen: &[String]) -> Result<(), AppError> {
    let mut tx = db.pool.begin().await?;
    sqlx::query("UPDATE cycle_modules SET chosen_topics = $1 WHERE id = $2 AND org_id = $3")
        .bind(serde_json::to_string(chosen).unwrap_or_else(|_| "[]".into()))
        .bind(v.cycle_module_id)
        .bind(org_id)
        .execute(&mut *tx)
        .await?;
    sqlx::query("UPDATE votes SET applied_at = $1, closed_at = COALESCE(closed_at, $1) WHERE id = $2 AND org_id = $3")
        .bind(now())
        .bind(v.id)
        .bind(org_id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

pub async fn chosen_topics(db: &Db, org_id: i64, cycle_module_id: i64) -> Result<Option<Vec<String>>, AppError> {
    let t: Option<Option<String>> =
        sqlx::query_scalar("SELECT chosen_topics FROM cycle_modules WHERE id = $1 AND org_id = $2")
            .bind(cycle_module_id)
            .bind(org_id)
            .fetch_optional(&db.pool)
            .await?;
    Ok(t.flatten().and_then(|s| serde_json::from_str(&s).ok()))
}

pub async fn set_referent(db: &Db, org_id: i64, cycle_id: i64, participant_id: Option<i64>) -> Result<(), AppError> {
    sqlx::query("UPDATE cycles SET referent_id = $1 WHERE id = $2 AND org_id = $3")
        .bind(participant_id)
        .bind(cycle_id)
        .bind(org_id)
        .execute(&db.pool)
        .await?;
    Ok(())
}

pub async fn referent(db: &Db, org_id: i64, cycle_id: i64) -> Result<Option<i64>, AppError> {
    Ok(sqlx::query_scalar::<_, Option<i64>>("SELECT referent_id FROM cycles WHERE id = $1 AND org_id = $2")
        .bind(cycle_id)
        .bind(org_id)
        .fetch_optional(&db.pool)
        .await?
        .flatten())
}

// --- commitments ---------------------------------------------------------------------------------

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Commitment {
    pub id: i64,
    /// None: a commitment of the whole group.
    pub participant_id: Option<i64>,
    pub what: String,
    pub who: String,
    #[schema(value_type = Option<String>, format = Date)]
    pub due_date: Option<NaiveDate>,
    /// todo, doing, done, dropped
    pub status: String,
    pub notes: String,
    pub created_at: i64,
    pub updated_at: i64,
}

fn date_of(s: Option<String>) -> Option<NaiveDate> {
    s.and_then(|d| NaiveDate::parse_from_str(&d, "%Y-%m-%d").ok())
}

fn commitment_from_row(r: &sqlx::any::AnyRow) -> Result<Commitment, AppError> {
    Ok(Commitment {
        id: r.try_get("id")?,
        participant_id: r.try_get("participant_id")?,
        what: r.try_get("what")?,
        who: r.try_get("who")?,
        due_date: date_of(r.try_get("due_date")?),
        status: r.try_get("status")?,
        notes: r.try_get("notes")?,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
    })
}

pub async fn commitments(db: &Db, org_id: i64, cycle_id: i64) -> Result<Vec<Commitment>, AppError> {
    let rows = sqlx::query("SELECT id, participant_id, what, who, due_date, status, notes, created_at, updated_at FROM commitments WHERE org_id = $1 AND cycle_id = $2 ORDER BY participant_id IS NOT NULL, id")
        .bind(org_id)
        .bind(cycle_id)
        .fetch_all(&db.pool)
        .await?;
    rows.iter().map(commitment_from_row).collect()
}

pub async fn add_commitment(
    db: &Db,
    org_id: i64,
    cycle_id: i64,
    participant_id: Option<i64>,
    what: &str,
    who: &str,
    due: Option<NaiveDate>,
) -> Result<i64, AppError> {
    let t = now();
    Ok(sqlx::query_scalar(
        "INSERT INTO commitments (org_id, cycle_id, participant_id, what, who, due_date, status, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, 'todo', $7, $7) RETURNING id",
    )
    .bind(org_id)
    .bind(cycle_id)
    .bind(participant_id)
    .bind(what)
    .bind(who)
    .bind(due.map(|d| d.format("%Y-%m-%d").to_string()))
    .bind(t)
    .fetch_one(&db.pool)
    .await?)
}

pub async fn update_commitment(
    db: &Db,
    org_id: i64,
    cycle_id: i64,
    id: i64,
    status: &str,
    notes: &str,
) -> Result<(), AppError> {
    let r = sqlx::query("UPDATE commitments SET status = $1, notes = $2, updated_at = $3 WHERE id = $4 AND org_id = $5 AND cycle_id = $6")
        .bind(status)
        .bind(notes)
        .bind(now())
        .bind(id)
        .bind(org_id)
        .bind(cycle_id)
        .execute(&db.pool)
        .await?;
    if r.rows_affected() == 1 { Ok(()) } else { Err(AppError::NotFound) }
}

// --- actions ---------------------------------------------------------------------------------------

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Action {
    pub id: i64,
    pub cycle_id: i64,
    pub category: String,
    pub title: String,
    pub description: String,
    /// Participants (members of the cycle) who carry the action.
    pub owners: Vec<i64>,
    #[schema(value_type = Option<String>, format = Date)]
    pub due_date: Option<NaiveDate>,
    pub status: String,
    /// The problems the action answers (folded), matched across the TICA network.
    pub tags: Vec<String>,
    pub overdue: bool,
    pub created_at: i64,
    pub updated_at: i64,
}

impl Action {
    pub fn category_label(&self) -> &'static str {
        crate::committee::label(&crate::committee::CATEGORIES, &self.category)
    }
    pub fn status_label(&self) -> &'static str {
        crate::committee::label(&crate::committee::STATUSES, &self.status)
    }
    pub fn due_text(&self) -> String {
        self.due_date.map(crate::fr::date_short).unwrap_or_default()
    }
}

const ACTION_COLUMNS: &str =
    "id, cycle_id, category, title, description, owners, due_date, status, tags, created_at, updated_at";

fn action_from_row(r: &sqlx::any::AnyRow) -> Result<Action, AppError> {
    let owners: String = r.try_get("owners")?;
    let due = date_of(r.try_get("due_date")?);
    let status: String = r.try_get("status")?;
    Ok(Action {
        id: r.try_get("id")?,
        cycle_id: r.try_get("cycle_id")?,
        category: r.try_get("category")?,
        title: r.try_get("title")?,
        description: r.try_get("description")?,
        owners: serde_json::from_str(&owners).unwrap_or_default(),
        tags: crate::committee::matching::tags(&r.try_get::<String, _>("tags")?),
        overdue: crate::committee::overdue(due, &status, crate::quote::today()),
        due_date: due,
        status,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
    })
}

pub async fn actions(db: &Db, org_id: i64, cycle_id: i64) -> Result<Vec<Action>, AppError> {
    let rows = sqlx::query(&format!("SELECT {ACTION_COLUMNS} FROM actions WHERE org_id = $1 AND cycle_id = $2 ORDER BY due_date IS NULL, due_date, id"))
        .bind(org_id)
        .bind(cycle_id)
        .fetch_all(&db.pool)
        .await?;
    rows.iter().map(action_from_row).collect()
}

pub async fn action(db: &Db, org_id: i64, cycle_id: i64, id: i64) -> Result<Action, AppError> {
    let row =
        sqlx::query(&format!("SELECT {ACTION_COLUMNS} FROM actions WHERE id = $1 AND org_id = $2 AND cycle_id = $3"))
            .bind(id)
            .bind(org_id)
            .bind(cycle_id)
            .fetch_optional(&db.pool)
            .await?
            .ok_or(AppError::NotFound)?;
    action_from_row(&row)
}

/// What an action is made of (checked by the caller).
pub struct ActionData<'a> {
    pub category: &'a str,
    pub title: &'a str,
    pub description: &'a str,
    pub owners: &'a [i64],
    pub due_date: Option<NaiveDate>,
    pub status: &'a str,
    pub tags: &'a [String],
}

pub async fn create_action(db: &Db, org_id: i64, cycle_id: i64, a: &ActionData<'_>) -> Result<i64, AppError> {
    let t = now();
    Ok(sqlx::query_scalar(
        "INSERT INTO actions (org_id, cycle_id, category, title, description, owners, due_date, status, search, created_at, updated_at, tags) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10, $11) RETURNING id",
    )
    .bind(org_id)
    .bind(cycle_id)
    .bind(a.category)
    .bind(a.title)
    .bind(a.description)
    .bind(serde_json::to_string(a.owners).unwrap_or_else(|_| "[]".into()))
    .bind(a.due_date.map(|d| d.format("%Y-%m-%d").to_string()))
    .bind(a.status)
    .bind(crate::text::search_key(&format!("{} {}", a.title, a.description)))
    .bind(t)
    .bind(a.tags.join(", "))
    .fetch_one(&db.pool)
    .await?)
}

pub async fn update_action(db: &Db, org_id: i64, cycle_id: i64, id: i64, a: &ActionData<'_>) -> Result<(), AppError> {
    let r = sqlx::query(
        "UPDATE actions SET category = $1, title = $2, description = $3, owners = $4, due_date = $5, status = $6, search = $7, updated_at = $8, tags = $12 \
         WHERE id = $9 AND org_id = $10 AND cycle_id = $11",
    )
    .bind(a.category)
    .bind(a.title)
    .bind(a.description)
    .bind(serde_json::to_string(a.owners).unwrap_or_else(|_| "[]".into()))
    .bind(a.due_date.map(|d| d.format("%Y-%m-%d").to_string()))
    .bind(a.status)
    .bind(crate::text::search_key(&format!("{} {}", a.title, a.description)))
    .bind(now())
    .bind(id)
    .bind(org_id)
    .bind(cycle_id)
    .bind(a.tags.join(", "))
    .execute(&db.pool)
    .await?;
    if r.rows_affected() == 1 { Ok(()) } else { Err(AppError::NotFound) }
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
#[schema(as = ActionNote)]
pub struct Note {
    pub id: i64,
    pub author: String,
    pub text: String,
    pub at: i64,
}

pub async fn notes(db: &Db, org_id: i64, action_id: i64) -> Result<Vec<Note>, AppError> {
    let rows: Vec<(i64, String, String, i64)> = sqlx::query_as(
        "SELECT id, author, text, at FROM action_notes WHERE org_id = $1 AND action_id = $2 ORDER BY at, id",
    )
    .bind(org_id)
    .bind(action_id)
    .fetch_all(&db.pool)
    .await?;
    Ok(rows.into_iter().map(|(id, author, text, at)| Note { id, author, text, at }).collect())
}

pub async fn add_note(db: &Db, org_id: i64, action_id: i64, author: &str, text: &str) -> Result<(), AppError> {
    sqlx::query("INSERT INTO action_notes (org_id, action_id, author, text, at) VALUES ($1, $2, $3, $4, $5)")
        .bind(org_id)
        .bind(action_id)
        .bind(author)
        .bind(text)
        .bind(now())
        .execute(&db.pool)
        .await?;
    sqlx::query("UPDATE actions SET updated_at = $1 WHERE id = $2 AND org_id = $3")
        .bind(now())
        .bind(action_id)
        .bind(org_id)
        .execute(&db.pool)
        .await?;
    Ok(())
}

/// Every overdue action of every organisation, with its cycle (for the reminders).
pub async fn overdue_actions(db: &Db, today: NaiveDate) -> Result<Vec<(i64, Action)>, AppError> {
    let rows = sqlx::query(&format!(
        "SELECT org_id, {ACTION_COLUMNS} FROM actions WHERE status IN ('todo', 'doing') AND due_date IS NOT NULL AND due_date < $1 ORDER BY id"
    ))
    .bind(today.format("%Y-%m-%d").to_string())
    .fetch_all(&db.pool)
    .await?;
    rows.iter().map(|r| Ok((r.try_get("org_id")?, action_from_row(r)?))).collect()
}

// --- AMO journal -------------------------------------------------------------------------------------

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct AmoEntry {
    pub id: i64,
    pub intervenant_id: Option<i64>,
    pub intervenant_name: Option<String>,
    pub kind: String,
    #[schema(value_type = String, format = Date)]
    pub day: NaiveDate,
    pub minutes: i64,
    pub text: String,
    pub action_ids: Vec<i64>,
    /// The participants present (a meeting's attendance).
    pub attendee_ids: Vec<i64>,
    pub author: String,
    pub created_at: i64,
}

impl AmoEntry {
    pub fn kind_label(&self) -> &'static str {
        crate::committee::label(&crate::committee::AMO_KINDS, &self.kind)
    }
}

pub async fn amo_entries(db: &Db, org_id: i64, cycle_id: i64) -> Result<Vec<AmoEntry>, AppError> {
    let rows = sqlx::query(
        "SELECT e.id, e.intervenant_id, i.first_name || ' ' || i.last_name AS iname, e.kind, e.day, e.minutes, e.text, e.action_ids, e.attendee_ids, e.author, e.created_at \
         FROM amo_entries e LEFT JOIN intervenants i ON i.id = e.intervenant_id WHERE e.org_id = $1 AND e.cycle_id = $2 ORDER BY e.day DESC, e.id DESC",
    )
    .bind(org_id)
    .bind(cycle_id)
    .fetch_all(&db.pool)
    .await?;
    rows.iter()
        .map(|r| {
            let ids: String = r.try_get("action_ids")?;
            let present: String = r.try_get("attendee_ids")?;
            let day: String = r.try_get("day")?;
            Ok(AmoEntry {
                id: r.try_get("id")?,
                intervenant_id: r.try_get("intervenant_id")?,
                intervenant_name: r.try_get("iname")?,
                kind: r.try_get("kind")?,
                day: NaiveDate::parse_from_str(&day, "%Y-%m-%d").unwrap_or_default(),
                minutes: r.try_get("minutes")?,
                text: r.try_get("text")?,
                action_ids: serde_json::from_str(&ids).unwrap_or_default(),
                attendee_ids: serde_json::from_str(&present).unwrap_or_default(),
                author: r.try_get("author")?,
                created_at: r.try_get("created_at")?,
            })
        })
        .collect()
}

pub struct NewAmo<'a> {
    pub intervenant_id: Option<i64>,
    pub kind: &'a str,
    pub day: NaiveDate,
    pub minutes: i64,
    pub text: &'a str,
    pub action_ids: &'a [i64],
    pub attendee_ids: &'a [i64],
    pub author: &'a str,
}

pub async fn add_amo(db: &Db, org_id: i64, cycle_id: i64, e: &NewAmo<'_>) -> Result<i64, AppError> {
    Ok(sqlx::query_scalar(
        "INSERT INTO amo_entries (org_id, cycle_id, intervenant_id, kind, day, minutes, text, action_ids, author, created_at, attendee_ids) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
    )
    .bind(org_id)
    .bind(cycle_id)
    .bind(e.intervenant_id)
    .bind(e.kind)
    .bind(e.day.format("%Y-%m-%d").to_string())
    .bind(e.minutes)
    .bind(e.text)
    .bind(serde_json::to_string(e.action_ids).unwrap_or_else(|_| "[]".into()))
    .bind(e.author)
    .bind(now())
    .bind(serde_json::to_string(e.attendee_ids).unwrap_or_else(|_| "[]".into()))
    .fetch_one(&db.pool)
    .await?)
}
