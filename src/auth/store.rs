//! All SQL about users, API tokens, password resets and login attempts.

use crate::auth::{Role, User, token_hash};
use crate::cache::{TTL, TtlMap};
use crate::db::{Db, is_unique_violation, now};
use crate::error::AppError;

const USER_COLUMNS: &str = "id, org_id, email, name, role, password_hash, active, created_at, updated_at";

/// What this process keeps of the accounts for a few seconds ([`crate::cache::TTL`]); every write
/// here updates or drops the entry.
pub struct AuthCache {
    pub users: TtlMap<i64, User>,
    pub tokens: TtlMap<String, i64>,
    pub sessions: TtlMap<String, tower_sessions::session::Record>,
}

impl Default for AuthCache {
    fn default() -> Self {
        AuthCache { users: TtlMap::new(TTL), tokens: TtlMap::new(TTL), sessions: TtlMap::new(TTL) }
    }
}

/// The accounts' cache of this database handle.
pub fn caches(db: &Db) -> std::sync::Arc<AuthCache> {
    db.cache.shelf.get::<AuthCache>()
}

pub struct NewUser<'a> {
    pub org_id: Option<i64>,
    pub email: &'a str,
    pub name: &'a str,
    pub role: Role,
    pub password_hash: &'a str,
}

/// Creates a user; a duplicate e-mail becomes a field error.
#[tracing::instrument(skip_all)]
pub async fn create_user(db: &Db, u: NewUser<'_>) -> Result<User, AppError> {
    let t = now();
    let res = sqlx::query_as::<_, User>(&format!(
        "INSERT INTO users (org_id, email, name, role, password_hash, active, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, TRUE, $6, $6) RETURNING {USER_COLUMNS}"
    ))
    .bind(u.org_id)
    .bind(u.email.to_lowercase())
    .bind(u.name)
    .bind(u.role.as_str())
    .bind(u.password_hash)
    .bind(t)
    .fetch_one(&db.pool)
    .await;
    match res {
        Ok(user) => Ok(user),
        Err(e) if is_unique_violation(&e, "users", "email") => {
            Err(AppError::invalid("email", "Un compte existe déjà avec cette adresse e-mail."))
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn user_by_id(db: &Db, id: i64) -> Result<Option<User>, AppError> {
    Ok(sqlx::query_as::<_, User>(&format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1"))
        .bind(id)
        .fetch_optional(&db.pool)
        .await?)
}

/// [`user_by_id`] through the short-lived cache: what every authenticated request asks.
pub async fn cached_user(db: &Db, id: i64) -> Result<Option<User>, AppError> {
    if let Some(u) = caches(db).users.get(&id) {
        return Ok(Some(u));
    }
    let user = user_by_id(db, id).await?;
    if let Some(u) = &user {
        caches(db).users.put(id, u.clone());
    }
    Ok(user)
}

pub async fn user_by_email(db: &Db, email: &str) -> Result<Option<User>, AppError> {
    Ok(sqlx::query_as::<_, User>(&format!("SELECT {USER_COLUMNS} FROM users WHERE email = $1"))
        .bind(email.trim().to_lowercase())
        .fetch_optional(&db.pool)
        .await?)
}

/// A user of `org_id` (another organisation's user is "not found").
pub async fn user_in_org(db: &Db, org_id: i64, id: i64) -> Result<User, AppError> {
    sqlx::query_as::<_, User>(&format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1 AND org_id = $2"))
        .bind(id)
        .bind(org_id)
        .fetch_optional(&db.pool)
        .await?
        .ok_or(AppError::NotFound)
}

/// The users of one organisation, or of the whole instance when `org_id` is `None`.
pub async fn list_users(db: &Db, org_id: Option<i64>) -> Result<Vec<User>, AppError> {
    let rows = match org_id {
        Some(org) => {
            sqlx::query_as::<_, User>(&format!("SELECT {USER_COLUMNS} FROM users WHERE org_id = $1 ORDER BY name"))
                .bind(org)
                .fetch_all(&db.pool)
                .await?
        }
        None => {
            sqlx::query_as::<_, User>(&format!("SELECT {USER_COLUMNS} FROM users ORDER BY org_id, name"))
                .fetch_all(&db.pool)
                .await?
        }
    };
    Ok(rows)
}

pub async fn set_password(db: &Db, user_id: i64, hash: &str) -> Result<(), AppError> {
    caches(db).users.remove(&user_id);
    sqlx::query("UPDATE users SET password_hash = $1, updated_at = $2 WHERE id = $3")
        .bind(hash)
        .bind(now())
        .bind(user_id)
        .execute(&db.pool)
        .await?;
    Ok(())
}

pub async fn set_active(db: &Db, user_id: i64, active: bool) -> Result<(), AppError> {
    caches(db).users.remove(&user_id);
    sqlx::query("UPDATE users SET active = $1, updated_at = $2 WHERE id = $3")
        .bind(active)
        .bind(now())
        .bind(user_id)
        .execute(&db.pool)
        .await?;
    Ok(())
}

pub async fn count_users(db: &Db) -> Result<i64, AppError> {
    Ok(sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM users").fetch_one(&db.pool).await?)
}

// --- API tokens ---------------------------------------------------------------------------------

#[derive(Clone, Debug, serde::Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct ApiToken {
    pub id: i64,
    pub name: String,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
}

/// Stores a new token's hash; the token itself is shown once to its owner.
pub async fn create_token(db: &Db, user_id: i64, name: &str, token: &str) -> Result<ApiToken, AppError> {
    Ok(sqlx::query_as::<_, ApiToken>(
        "INSERT INTO api_tokens (user_id, name, token_hash, created_at) VALUES ($1, $2, $3, $4) \
         RETURNING id, name, created_at, last_used_at",
    )
    .bind(user_id)
    .bind(name)
    .bind(token_hash(token))
    .bind(now())
    .fetch_one(&db.pool)
    .await?)
}

pub async fn list_tokens(db: &Db, user_id: i64) -> Result<Vec<ApiToken>, AppError> {
    Ok(sqlx::query_as::<_, ApiToken>(
        "SELECT id, name, created_at, last_used_at FROM api_tokens WHERE user_id = $1 ORDER BY id",
    )
    .bind(user_id)
    .fetch_all(&db.pool)
    .await?)
}

pub async fn delete_token(db: &Db, user_id: i64, id: i64) -> Result<bool, AppError> {
    caches(db).tokens.clear();
    let r = sqlx::query("DELETE FROM api_tokens WHERE id = $1 AND user_id = $2")
        .bind(id)
        .bind(user_id)
        .execute(&db.pool)
        .await?;
    Ok(r.rows_affected() > 0)
}

/// The active user owning `token`, marking the token as used (at most once a minute, to spare writes).
pub async fn user_by_token(db: &Db, token: &str) -> Result<Option<User>, AppError> {
    let hash = token_hash(token);
    if let Some(user_id) = caches(db).tokens.get(&hash) {
        return Ok(cached_user(db, user_id).await?.filter(|u| u.active));
    }
    let row: Option<(i64, Option<i64>)> =
        sqlx::query_as("SELECT user_id, last_used_at FROM api_tokens WHERE token_hash = $1")
            .bind(&hash)
            .fetch_optional(&db.pool)
            .await?;
    let Some((user_id, last_used)) = row else {
        return Ok(None);
    };
    let t = now();
    if last_used.is_none_or(|l| t - l > 60) {
        sqlx::query("UPDATE api_tokens SET last_used_at = $1 WHERE token_hash = $2")
            .bind(t)
            .bind(&hash)
            .execute(&db.pool)
            .await?;
    }
    caches(db).tokens.put(hash, user_id);
    Ok(cached_user(db, user_id).await?.filter(|u| u.active))
}

// --- password resets ----------------------------------------------------------------------------

pub const RESET_VALIDITY_SECONDS: i64 = 48 * 3600;

pub async fn create_reset(db: &Db, user_id: i64, created_by: Option<i64>, token: &str) -> Result<i64, AppError> {
    let t = now();
    Ok(sqlx::query_scalar::<_, i64>(
        "INSERT INTO password_resets (user_id, token_hash, created_by, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5) RETURNING expires_at",
    )
    .bind(user_id)
    .bind(token_hash(token))
    .bind(created_by)
    .bind(t)
    .bind(t + RESET_VALIDITY_SECONDS)
    .fetch_one(&db.pool)
    .await?)
}

/// The user a still-valid, unused reset token belongs to.
pub async fn reset_user(db: &Db, token: &str) -> Result<Option<User>, AppError> {
    let user_id: Option<i64> = sqlx::query_scalar(
        "SELECT user_id FROM password_resets WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2",
    )
    .bind(token_hash(token))
    .bind(now())
    .fetch_optional(&db.pool)
    .await?;
    match user_id {
        Some(id) => Ok(user_by_id(db, id).await?.filter(|u| u.active)),
        None => Ok(None),
    }
}

/// Uses a reset token: sets the password and spends the token, in one transaction; false when the
/// token was spent meanwhile.
pub async fn use_reset(db: &Db, token: &str, user_id: i64, hash: &str) -> Result<bool, AppError> {
    let mut tx = db.pool.begin().await?;
    let t = now();
    let spent = sqlx::query(
        "UPDATE password_resets SET used_at = $1 WHERE token_hash = $2 AND user_id = $3 AND used_at IS NULL AND expires_at > $1",
    )
    .bind(t)
    .bind(token_hash(token))
    .bind(user_id)
    .execute(&mut *tx)
    .await?;
    if spent.rows_affected() != 1 {
        return Ok(false);
    }
    sqlx::query("UPDATE users SET password_hash = $1, updated_at = $2 WHERE id = $3")
        .bind(hash)
        .bind(t)
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    caches(db).users.remove(&user_id);
    Ok(true)
}

// --- login attempts -----------------------------------------------------------------------------

/// Failed attempts since `since` for this address and from this IP.
pub async fn record_attempt(db: &Db, email: &str, ip: &str, success: bool) -> Result<(), AppError> {
    let t = now();
    sqlx::query("INSERT INTO login_attempts (email, ip, at, success) VALUES ($1, $2, $3, $4)")
        .bind(email)
        .bind(ip)
        .bind(t)
        .bind(success)
        .execute(&db.pool)
        .await?;
    if success {
        // A successful login clears the address's failures.
        sqlx::query("DELETE FROM login_attempts WHERE email = $1 AND success = FALSE")
            .bind(email)
            .execute(&db.pool)
            .await?;
    }
    Ok(())
}

/// Forgets attempts older than a day.
pub async fn prune_attempts(db: &Db) -> Result<(), AppError> {
    sqlx::query("DELETE FROM login_attempts WHERE at < $1").bind(now() - 86400).execute(&db.pool).await?;
    Ok(())
}

/// Ties a client contact's account to their client structure.
pub async fn set_client(db: &Db, org_id: i64, user_id: i64, client_id: i64) -> Result<(), AppError> {
    sqlx::query("UPDATE users SET client_id = $1 WHERE id = $2 AND org_id = $3")
        .bind(client_id)
        .bind(user_id)
        .bind(org_id)
        .execute(&db.pool)
        .await?;
    caches(db).users.remove(&user_id);
    Ok(())
}

/// Periodic clean-up of the accounts' tables: expired sessions, login attempts older than a day,
/// spent throttle windows. Returns the sessions removed.
pub async fn housekeeping(db: &Db) -> Result<u64, AppError> {
    let sessions = crate::auth::session_store::DbSessionStore::new(db.clone()).delete_expired().await?;
    prune_attempts(db).await?;
    crate::auth::throttle::prune(db, now()).await?;
    Ok(sessions)
}
