//! People and access: roles, passwords (argon2), sessions stored in the database, CSRF, API tokens,
//! password-reset tokens and the login throttle.
//!
//! A request is made by a [`CurrentUser`](extract::CurrentUser), found either from a bearer token
//! (API clients) or from the session cookie (the web pages). Every store query of an organisation's
//! data takes that user's `org_id`: that is what keeps organisations apart.

pub mod accounts;
pub mod api;
pub mod backend;
pub mod csrf;
pub mod extract;
pub mod permissions;
pub mod session_store;
pub mod store;
pub mod throttle;
pub mod web;

use argon2::{Argon2, PasswordHasher, PasswordVerifier};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

pub use crate::secret::{constant_time_eq, random_token, token_hash};
pub use extract::{CurrentUser, Staff};

/// What a person may do. A person belongs to one organisation, except the network admin.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Network admin: organisations of the instance, their people.
    Admin,
    /// Coordinator of a training organisation: everything of that organisation.
    Coordinator,
    /// Médiateur numérique or animateur multimédia.
    Intervenant,
    /// A professional of a client structure who follows a cycle.
    Participant,
    /// The client structure's référent.
    ClientContact,
}

impl Role {
    pub const ORG_ROLES: [Role; 4] = [Role::Coordinator, Role::Intervenant, Role::Participant, Role::ClientContact];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Coordinator => "coordinator",
            Role::Intervenant => "intervenant",
            Role::Participant => "participant",
            Role::ClientContact => "client_contact",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        [Role::Admin, Role::Coordinator, Role::Intervenant, Role::Participant, Role::ClientContact]
            .into_iter()
            .find(|r| r.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            Role::Admin => "Administration du réseau",
            Role::Coordinator => "Coordination",
            Role::Intervenant => "Intervenant·e",
            Role::Participant => "Participant·e",
            Role::ClientContact => "Référent·e de la structure cliente",
        }
    }

    /// Coordinators and intervenants work for the organisation; the others are its public.
    pub fn is_staff(self) -> bool {
        matches!(self, Role::Coordinator | Role::Intervenant)
    }
}

/// A user account, as stored.
#[derive(Clone, sqlx::FromRow)]
pub struct User {
    pub id: i64,
    pub org_id: Option<i64>,
    pub email: String,
    pub name: String,
    pub role: String,
    pub password_hash: String,
    #[sqlx(try_from = "crate::db::Flag")]
    pub active: bool,
    pub created_at: i64,
    pub updated_at: i64,
    /// What the session keeps to notice a password change: a digest of the password's hash, never
    /// the hash itself (computed on first use).
    #[sqlx(skip)]
    pub session_digest: std::sync::OnceLock<[u8; 32]>,
}

impl std::fmt::Debug for User {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("User").field("id", &self.id).field("email", &self.email).field("role", &self.role).finish()
    }
}

impl User {
    pub fn role(&self) -> Role {
        // The column only ever holds values written from `Role::as_str`; an unknown one gets the
        // least powerful role.
        Role::parse(&self.role).unwrap_or(Role::Participant)
    }
}

impl axum_login::AuthUser for User {
    type Id = i64;
    fn id(&self) -> i64 {
        self.id
    }
    /// Changing the password changes this hash, which ends every other session of the user.
    fn session_auth_hash(&self) -> &[u8] {
        self.session_digest.get_or_init(|| {
            let mut h = Sha256::new();
            h.update(b"acunum session\0");
            h.update(self.password_hash.as_bytes());
            h.finalize().into()
        })
    }
}

/// A user as the API shows it (never the password hash).
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct UserView {
    pub id: i64,
    pub org_id: Option<i64>,
    pub email: String,
    pub name: String,
    pub role: Role,
    pub active: bool,
    pub created_at: i64,
}

impl From<&User> for UserView {
    fn from(u: &User) -> Self {
        UserView {
            id: u.id,
            org_id: u.org_id,
            email: u.email.clone(),
            name: u.name.clone(),
            role: u.role(),
            active: u.active,
            created_at: u.created_at,
        }
    }
}

pub const MIN_PASSWORD: usize = 10;
pub const MAX_PASSWORD: usize = 200;

/// The password rule, in one place: long enough, not absurdly long.
pub fn check_password(errors: &mut crate::error::FieldErrors, field: &str, password: &str) {
    let n = password.chars().count();
    if n < MIN_PASSWORD {
        errors.add(field, format!("Le mot de passe doit compter au moins {MIN_PASSWORD} caractères."));
    } else if n > MAX_PASSWORD {
        errors.add(field, format!("Le mot de passe doit compter au plus {MAX_PASSWORD} caractères."));
    }
}

/// Hashes a password with argon2id (default parameters, random salt). CPU-heavy: call it from
/// `spawn_blocking` in request handlers (see [`hash_password_async`]).
pub fn hash_password(password: &str) -> anyhow::Result<String> {
    let hash = Argon2::default().hash_password(password.as_bytes()).map_err(|e| anyhow::anyhow!("argon2: {e}"))?;
    Ok(hash.to_string())
}

pub fn verify_password(password: &str, hash: &str) -> bool {
    Argon2::default().verify_password(password.as_bytes(), hash).is_ok()
}

pub async fn hash_password_async(password: String) -> anyhow::Result<String> {
    tokio::task::spawn_blocking(move || hash_password(&password)).await?
}

pub async fn verify_password_async(password: String, hash: String) -> bool {
    tokio::task::spawn_blocking(move || verify_password(&password, &hash)).await.unwrap_or(false)
}

/// The one check of a redirect target taken from a request (`suivant`): a path of this site only
/// ([`crate::ids::is_local_path`]), else the home page.
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(p) if crate::ids::is_local_path(p) => p.to_string(),
        _ => "/".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_password_verifies_against_its_own_hash_only() {
        let h = hash_password("correct horse battery").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("correct horse battery", &h));
        assert!(!verify_password("correct horse batterie", &h));
        assert!(!verify_password("x", "not a hash"));
    }

    #[test]
    fn short_passwords_are_refused() {
        let mut e = crate::error::FieldErrors::new();
        check_password(&mut e, "password", "court");
        assert!(e.get("password").is_some());
    }

    #[test]
    fn tokens_are_random_and_stored_hashed() {
        let a = random_token();
        assert_ne!(a, random_token());
        assert_eq!(a.len(), 43);
        assert_eq!(token_hash(&a).len(), 64);
        assert_ne!(token_hash(&a), a);
    }

    #[test]
    fn only_local_paths_are_followed_after_login() {
        assert_eq!(safe_next(Some("/clients")), "/clients");
        assert_eq!(safe_next(Some("//evil.example")), "/");
        assert_eq!(safe_next(Some("https://evil.example")), "/");
        assert_eq!(safe_next(None), "/");
        assert_eq!(safe_next(Some("/cycles/3?onglet=seances")), "/cycles/3?onglet=seances");
        for bad in [
            "/\t/127.0.0.1:28999/",
            "/\n/x",
            "/a\rb",
            "/\u{b}x",
            "/\u{c}x",
            "/\0x",
            "/\\evil",
            " //x",
            "/ /x",
            "/\u{a0}/x",
        ] {
            assert_eq!(safe_next(Some(bad)), "/", "{bad:?}");
        }
    }

    #[test]
    fn roles_round_trip_through_their_names() {
        for r in [Role::Admin, Role::Coordinator, Role::Intervenant, Role::Participant, Role::ClientContact] {
            assert_eq!(Role::parse(r.as_str()), Some(r));
        }
        assert_eq!(Role::parse("root"), None);
    }
}
