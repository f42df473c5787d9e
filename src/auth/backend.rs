//! The axum-login backend: checks credentials and reloads the user of a session.

use crate::auth::{User, store, verify_password_async};
use crate::db::Db;

#[derive(Clone)]
pub struct Backend {
    pub db: Db,
}

/// What the login form gives.
#[derive(Clone)]
pub struct Credentials {
    pub email: String,
    pub password: String,
}

#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct BackendError(String);

impl axum_login::AuthnBackend for Backend {
    type User = User;
    type Credentials = Credentials;
    type Error = BackendError;

    async fn authenticate(&self, creds: Credentials) -> Result<Option<User>, BackendError> {
        let user = store::user_by_email(&self.db, &creds.email).await.map_err(|e| BackendError(e.to_string()))?;
        match user {
            Some(u) if u.active => {
                let ok = verify_password_async(creds.password, u.password_hash.clone()).await;
                Ok(ok.then_some(u))
            }
            _ => {
                // Spend the same time as for a real account, so that timing does not tell which
                // addresses exist.
                let _ = verify_password_async(creds.password, DUMMY_HASH.clone()).await;
                Ok(None)
            }
        }
    }

    async fn get_user(&self, id: &i64) -> Result<Option<User>, BackendError> {
        let user = store::cached_user(&self.db, *id).await.map_err(|e| BackendError(e.to_string()))?;
        Ok(user.filter(|u| u.active))
    }
}

pub type AuthSession = axum_login::AuthSession<Backend>;

/// An argon2id hash of a random password, for the timing-equalising check above.
static DUMMY_HASH: std::sync::LazyLock<String> =
    std::sync::LazyLock::new(|| crate::auth::hash_password(&crate::auth::random_token()).unwrap_or_default());
