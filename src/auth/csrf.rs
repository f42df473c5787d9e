//! CSRF protection for every state-changing request made with the session cookie.
//!
//! Each session holds a random token; every form carries it in a hidden `_csrf` field (or in the
//! `_csrf` query parameter for file uploads), and htmx and `fetch` calls send it in the
//! `X-CSRF-Token` header. Requests authenticated by a bearer token carry no cookie and need none.
//! The session cookie is also `SameSite=Lax`.
//!
//! A visitor who is not logged in has no session worth keeping: storing one token per anonymous
//! page view would let anyone grow the database without bound. Their token lives in a cookie of its
//! own (`acunum_csrf`, set by [`anonymous_token`]) and the form must carry the same value (a
//! "double-submit" token): nothing is written on the server until they log in or a page has
//! something to tell them.

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

/// The cookie that holds an anonymous visitor's token.
pub const ANON_COOKIE: &str = "acunum_csrf";

/// An anonymous visitor's token, as the request carries it (or as it is about to be set).
#[derive(Clone, Debug)]
pub struct AnonToken(pub String);

fn cookie_value(headers: &axum::http::HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.trim().to_string())
        .filter(|v| {
            (20..=100).contains(&v.len()) && v.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        })
}

/// Middleware: gives every page request an anonymous token (the visitor's cookie, or a new one set
/// on the response). Static assets and the API (bearer tokens) need none.
pub async fn anonymous_token(secure: bool, mut req: Request, next: Next) -> Response {
    let path = req.uri().path();
    if path.starts_with("/static/") || (path.starts_with("/api/") && req.headers().contains_key(header::AUTHORIZATION))
    {
        return next.run(req).await;
    }
    let existing = cookie_value(req.headers(), ANON_COOKIE);
    let token = existing.clone().unwrap_or_else(random_token);
    req.extensions_mut().insert(AnonToken(token.clone()));
    let mut resp = next.run(req).await;
    if existing.is_none() {
        let cookie =
            format!("{ANON_COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax{}", if secure { "; Secure" } else { "" });
        if let Ok(v) = header::HeaderValue::from_str(&cookie) {
            resp.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    resp
}

/// The token kept in the session, if any (nothing is created).
pub async fn stored(session: &Session) -> Option<String> {
    session.get::<String>(SESSION_KEY).await.ok().flatten()
}

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
    // The session's token when it has one (a logged-in person), else the anonymous cookie's.
    let expected = match stored(&session).await.or_else(|| cookie_value(req.headers(), ANON_COOKIE)) {
        Some(t) => t,
        None => return AppError::Csrf.into_response(),
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
