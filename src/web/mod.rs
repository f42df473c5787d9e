//! What every web page shares: the page context of the layout (who is logged in, the CSRF token,
//! the flash messages), static assets, the home page, list paging, and the error page.

pub mod assets;
pub mod edge;
pub mod errors;
pub mod list;

use askama::Template;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::response::{Html, IntoResponse, Response};
use serde::{Deserialize, Deserializer, Serialize};
use tower_sessions::Session;

use crate::auth::extract::MaybeUser;
use crate::auth::{Role, csrf};
use crate::error::{AppError, FieldErrors};
use crate::state::AppState;

/// A one-time message shown on the next page ("Client enregistré.").
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Flash {
    /// `success` or `error`
    pub kind: String,
    pub text: String,
}

const FLASH_KEY: &str = "flash";

/// Queues a message for the next page.
pub async fn flash(session: &Session, text: impl Into<String>) {
    let mut list: Vec<Flash> = session.get(FLASH_KEY).await.ok().flatten().unwrap_or_default();
    list.push(Flash { kind: "success".into(), text: text.into() });
    let _ = session.insert(FLASH_KEY, list).await;
}

/// Queues a refusal for the next page (the page the person came from, shown again).
pub async fn flash_error(session: &Session, text: impl Into<String>) {
    let mut list: Vec<Flash> = session.get(FLASH_KEY).await.ok().flatten().unwrap_or_default();
    list.push(Flash { kind: "error".into(), text: text.into() });
    let _ = session.insert(FLASH_KEY, list).await;
}

/// A refusal a person can act on (a wrong code, one choice too many, a closed vote…) is shown on the
/// page they came from, with its layout and their way forward, instead of an error page: the message
/// is kept for that page and the browser goes back to it (`to` carries what they typed, when the
/// page can show it again). Any other error stays an error.
pub async fn back_with(
    session: &Session,
    e: crate::error::AppError,
    to: &str,
) -> Result<Response, crate::error::AppError> {
    back_keeping(session, e, to, &[]).await
}

const KEPT_KEY: &str = "kept";

/// [`back_with`], keeping what the person typed (`fields`: key and value) for the page they go back
/// to, which shows it again in its form ([`PageCtx::kept`]).
pub async fn back_keeping(
    session: &Session,
    e: crate::error::AppError,
    to: &str,
    fields: &[(String, String)],
) -> Result<Response, crate::error::AppError> {
    use crate::error::AppError;
    match e {
        AppError::Invalid(errors) => {
            for f in errors.0 {
                flash_error(session, f.message).await;
            }
        }
        AppError::Conflict(m) | AppError::BadRequest(m) | AppError::TooManyRequests(m) => flash_error(session, m).await,
        other => return Err(other),
    }
    let kept: std::collections::BTreeMap<String, String> = fields
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| (k.clone(), v.chars().take(4000).collect()))
        .collect();
    if !kept.is_empty() {
        let _ = session.insert(KEPT_KEY, kept).await;
    }
    Ok(axum::response::Redirect::to(to).into_response())
}

/// The logged-in person as the layout shows them.
#[derive(Clone, Debug)]
pub struct NavUser {
    pub id: i64,
    pub name: String,
    pub role: Role,
    pub role_label: &'static str,
    pub org_id: Option<i64>,
}

impl NavUser {
    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }
    pub fn is_coordinator(&self) -> bool {
        self.role == Role::Coordinator
    }
    pub fn is_staff(&self) -> bool {
        self.role.is_staff()
    }
}

/// Everything the layout needs, extracted once per page.
pub struct PageCtx {
    pub user: Option<NavUser>,
    pub org_name: String,
    pub csrf: String,
    pub flashes: Vec<Flash>,
    pub path: String,
    pub assets: &'static assets::Urls,
    /// No SMTP server is configured: the coordination sees a banner (messages wait in the outbox).
    pub smtp_missing: bool,
    /// What was typed in a form refused on the previous request ([`back_keeping`]).
    pub kept: std::collections::BTreeMap<String, String>,
}

impl PageCtx {
    /// What was typed in the field `key` of a form refused just before, or nothing.
    pub fn kept(&self, key: &str) -> &str {
        self.kept.get(key).map(String::as_str).unwrap_or("")
    }

    /// The navigation entry for `prefix` is the current page's section.
    pub fn current(&self, prefix: &str) -> bool {
        if prefix == "/" { self.path == "/" } else { self.path.starts_with(prefix) }
    }
    pub fn aria_current(&self, prefix: &str) -> &'static str {
        if self.current(prefix) { "page" } else { "false" }
    }
}

impl FromRequestParts<AppState> for PageCtx {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let MaybeUser(current) = MaybeUser::from_request_parts(parts, state).await?;
        let session = parts
            .extensions
            .get::<Session>()
            .cloned()
            .ok_or_else(|| AppError::Internal(anyhow::anyhow!("session layer missing")))?;
        // A logged-in person's token lives in their session; a visitor's in their own cookie, so
        // that an anonymous page view writes nothing (see `auth::csrf`).
        let csrf = match csrf::stored(&session).await {
            Some(t) => t,
            None if current.is_some() => csrf::token(&session).await?,
            None => match parts.extensions.get::<csrf::AnonToken>() {
                Some(t) => t.0.clone(),
                None => csrf::token(&session).await?,
            },
        };
        let flashes: Vec<Flash> = match session.get::<Vec<Flash>>(FLASH_KEY).await {
            Ok(Some(list)) => {
                let _ = session.remove::<Vec<Flash>>(FLASH_KEY).await;
                list
            }
            _ => Vec::new(),
        };
        let kept: std::collections::BTreeMap<String, String> =
            match session.get::<std::collections::BTreeMap<String, String>>(KEPT_KEY).await {
                Ok(Some(map)) => {
                    let _ = session.remove::<std::collections::BTreeMap<String, String>>(KEPT_KEY).await;
                    map
                }
                _ => Default::default(),
            };
        let mut org_name = String::new();
        let user = current.map(|c| {
            let role = c.role();
            NavUser { id: c.user.id, name: c.user.name.clone(), role, role_label: role.label(), org_id: c.user.org_id }
        });
        if let Some(org_id) = user.as_ref().and_then(|u| u.org_id) {
            org_name = crate::org::store::name_of(&state.db, org_id).await?.unwrap_or_default();
        }
        let smtp_missing = state.config.smtp_url.is_empty();
        Ok(PageCtx {
            user,
            org_name,
            csrf,
            flashes,
            path: parts.uri.path().to_string(),
            assets: assets::urls(),
            smtp_missing,
            kept,
        })
    }
}

/// Renders a template into an HTML response.
pub fn render(t: &impl Template) -> Result<Response, AppError> {
    Ok(Html(t.render()?).into_response())
}

/// Renders a form again with its errors (status 422, so that tests and tools see the refusal).
pub fn render_invalid(t: &impl Template) -> Result<Response, AppError> {
    Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, Html(t.render()?)).into_response())
}

/// Checkboxes send "on" when ticked and nothing when not; the API sends booleans.
pub fn form_bool<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum B {
        Bool(bool),
        Text(String),
    }
    Ok(match B::deserialize(d)? {
        B::Bool(b) => b,
        B::Text(s) => matches!(s.as_str(), "on" | "true" | "1" | "oui"),
    })
}

/// An optional id: an empty form field is none; the API sends a number or null.
pub fn form_opt_i64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum N {
        Int(i64),
        Text(String),
        Null(()),
    }
    Ok(match Option::<N>::deserialize(d)? {
        Some(N::Int(i)) => Some(i),
        Some(N::Text(s)) if s.trim().is_empty() => None,
        Some(N::Text(s)) => {
            Some(s.trim().parse().map_err(|_| serde::de::Error::custom("un identifiant numérique est attendu"))?)
        }
        Some(N::Null(())) | None => None,
    })
}

/// A form's errors, for templates: `errors.get("name")`.
pub type Errors = FieldErrors;
