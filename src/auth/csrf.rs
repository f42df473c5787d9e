//! CSRF protection for every state-changing request made with the session cookie.
//!
//! Each session holds a random token; every form carries it in a hidden `_csrf` field (or in the
//! `_csrf` query parameter for file uploads), and htmx and `fetch` calls send it in the
//! `X-CSRF-Token` header. Requests authenticated by a bearer token carry no cookie and need none.
//! The session cookie is also `SameSite=Lax`.

use axum::body::Body;
use axum::extract::Request;
use axum::http::{Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tower_sessions::Session;

use crate::auth::{constant_time_eq, random_token};
use crate::error::AppError;

const SESSION_KEY: &str = "csrf";
/// The name of the session cookie (see `app::router`).
pub const SESSION_COOKIE: &str = "acunum_session";
pub const HEADER: &str = "x-csrf-token";
pub const FIELD: &str = "_csrf";
/// Forms are small; anything bigger than this is not a form we rendered.
const MAX_FORM_BYTES: usize = 1024 * 1024;

/// The session's token, created on first use.
pub async fn token(session: &Session) -> Result<String, AppError> {
    if let Some(t) = session.get::<String>(SESSION_KEY).await.map_err(|e| AppError::Internal(e.into()))? {
        return Ok(t);
    }
    let t = random_token();
    session.insert(SESSION_KEY, &t).await.map_err(|e| AppError::Internal(e.into()))?;
    Ok(t)
}

fn field_in(query_or_body: &[u8]) -> Option<String> {
    form_urlencoded::parse(query_or_body).find(|(k, _)| k == FIELD).map(|(_, v)| v.into_owned())
}

/// Middleware: refuses unsafe requests whose token does not match the session's.
pub async fn verify(req: Request, next: Next) -> Response {
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS)
        || req.headers().contains_key(header::AUTHORIZATION)
    {
        return next.run(req).await;
    }
    // An API call that sends no session cookie has no session to abuse (and gets 401 without a token).
    let has_session_cookie =
        req.headers().get_all(header::COOKIE).iter().any(|v| v.to_str().is_ok_and(|c| c.contains(SESSION_COOKIE)));
    if req.uri().path().starts_with("/api/") && !has_session_cookie {
        return next.run(req).await;
    }
    let Some(session) = req.extensions().get::<Session>().cloned() else {
        return next.run(req).await;
    };
    let expected = match session.get::<String>(SESSION_KEY).await {
        Ok(Some(t)) => t,
        _ => return AppError::Csrf.into_response(),
    };
    let mut given = req.headers().get(HEADER).and_then(|v| v.to_str().ok()).map(str::to_string);
    if given.is_none() {
        given = req.uri().query().and_then(|q| field_in(q.as_bytes()));
    }
    let is_form = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    let req = if given.is_none() && is_form {
        let (parts, body) = req.into_parts();
        let bytes = match axum::body::to_bytes(body, MAX_FORM_BYTES).await {
            Ok(b) => b,
            Err(_) => {
                return AppError::BadRequest("Le formulaire envoyé est trop volumineux.".into()).into_response();
            }
        };
        given = field_in(&bytes);
        Request::from_parts(parts, Body::from(bytes))
    } else {
        req
    };
    match given {
        Some(g) if constant_time_eq(g.as_bytes(), expected.as_bytes()) => next.run(req).await,
        _ => AppError::Csrf.into_response(),
    }
}
