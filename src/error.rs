//! One error type for the whole application, and the one place where it becomes a response.
//!
//! Handlers return `Result<_, AppError>`. `AppError::into_response` only records the error in the
//! response's extensions; the [`render_errors`] middleware then turns it into a French HTML page for
//! the web pages, or into a structured JSON body (`code`, `message`, `fields`) under `/api/`. The
//! same middleware turns axum's own rejections (unknown route, wrong method, body too large...) into
//! the same shapes, so that no plain-text error ever reaches a user.

use axum::extract::Request;
use axum::extract::rejection::{FormRejection, JsonRejection, PathRejection, QueryRejection};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Serialize;

/// A field-level validation message, shown next to the field.
#[derive(Clone, Debug, Serialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

/// Validation messages collected over a whole form.
#[derive(Clone, Debug, Default, Serialize, PartialEq, Eq)]
pub struct FieldErrors(pub Vec<FieldError>);

impl FieldErrors {
    pub fn new() -> Self {
        Self::default()
    }
    /// Adds a refusal; the same message on the same field is said once.
    pub fn add(&mut self, field: &str, message: impl Into<String>) {
        let message = message.into();
        if !self.0.iter().any(|e| e.field == field && e.message == message) {
            self.0.push(FieldError { field: field.to_string(), message });
        }
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    /// The message for one field, for the template.
    pub fn get(&self, field: &str) -> Option<&str> {
        self.0.iter().find(|e| e.field == field).map(|e| e.message.as_str())
    }
    /// `Ok(v)` when nothing was added, otherwise the errors.
    pub fn into_result<T>(self, v: T) -> Result<T, AppError> {
        if self.is_empty() { Ok(v) } else { Err(AppError::Invalid(self)) }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("Page ou ressource introuvable.")]
    NotFound,
    /// Not found, with what a person can do about it (a link replaced by a newer one).
    #[error("{0}")]
    NotFoundBecause(String),
    #[error("Vous n'avez pas accès à cette page.")]
    Forbidden,
    #[error("Connexion requise.")]
    Unauthorized,
    #[error("Certains champs sont à corriger.")]
    Invalid(FieldErrors),
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    TooManyRequests(String),
    /// The server is busy (a document over its time budget): try again later.
    #[error("{0}")]
    Unavailable(String),
    #[error("Le formulaire a expiré ou ne vient pas de cette application : rechargez la page et recommencez.")]
    Csrf,
    #[error("Erreur interne : l'équipe technique a été prévenue.")]
    Internal(#[from] anyhow::Error),
}

impl AppError {
    /// For a form posted from a page that shows no field errors (a participant's page): an invalid
    /// field becomes a plain 400 with its message; any other error stays as it is.
    pub fn on_page(self) -> Self {
        match self {
            AppError::Invalid(e) => AppError::BadRequest(e.0.first().map(|x| x.message.clone()).unwrap_or_default()),
            other => other,
        }
    }

    /// For a page that shows its form again: the refusals a person can act on (invalid fields, a
    /// conflict with the records, a bad request) become messages of the form; anything else stays
    /// an error.
    pub fn into_form_errors(self, field: &str) -> Result<FieldErrors, AppError> {
        match self {
            AppError::Invalid(e) => Ok(e),
            AppError::Conflict(m) | AppError::BadRequest(m) => {
                let mut e = FieldErrors::new();
                e.add(field, m);
                Ok(e)
            }
            other => Err(other),
        }
    }

    /// A multipart upload that could not be read (cut off, malformed, or over the body limit).
    pub fn upload_failed() -> Self {
        AppError::BadRequest("L'envoi du fichier a échoué ou dépasse la taille permise.".into())
    }

    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        let mut e = FieldErrors::new();
        e.add(field, message);
        AppError::Invalid(e)
    }

    pub fn status(&self) -> StatusCode {
        match self {
            AppError::NotFound | AppError::NotFoundBecause(_) => StatusCode::NOT_FOUND,
            AppError::Forbidden | AppError::Csrf => StatusCode::FORBIDDEN,
            AppError::Unauthorized => StatusCode::UNAUTHORIZED,
            AppError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::Conflict(_) => StatusCode::CONFLICT,
            AppError::TooManyRequests(_) => StatusCode::TOO_MANY_REQUESTS,
            AppError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            AppError::NotFound | AppError::NotFoundBecause(_) => "not_found",
            AppError::Forbidden => "forbidden",
            AppError::Csrf => "csrf",
            AppError::Unauthorized => "unauthorized",
            AppError::Invalid(_) => "invalid",
            AppError::BadRequest(_) => "bad_request",
            AppError::Conflict(_) => "conflict",
            AppError::TooManyRequests(_) => "too_many_requests",
            AppError::Unavailable(_) => "unavailable",
            AppError::Internal(_) => "internal",
        }
    }
}

impl From<sqlx::Error> for AppError {
    fn from(e: sqlx::Error) -> Self {
        match e {
            sqlx::Error::RowNotFound => AppError::NotFound,
            // PostgreSQL refuses NUL in text (22021) and characters its encoding lacks (22P05): what
            // was sent is at fault, not the server.
            sqlx::Error::Database(d) if matches!(d.code().as_deref(), Some("22021") | Some("22P05")) => {
                AppError::BadRequest("Le texte envoyé contient un caractère invisible non permis (caractère nul) : retirez-le et recommencez.".into())
            }
            e => AppError::Internal(e.into()),
        }
    }
}

impl From<askama::Error> for AppError {
    fn from(e: askama::Error) -> Self {
        AppError::Internal(anyhow::anyhow!("template: {e}"))
    }
}

/// The JSON body of every API error.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    /// A stable machine-readable code: `not_found`, `invalid`, `bad_request`...
    pub code: String,
    /// A French sentence for a person.
    pub message: String,
    /// Field-level messages, for `invalid`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<FieldError>,
}

/// What an error leaves in a response for [`render_errors`] (and for the pages' layout, which
/// shows it inside the site's frame to a logged-in person).
#[derive(Clone)]
pub struct ErrorInfo {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    pub fields: Vec<FieldError>,
}

/// The title of an error page.
pub fn error_title(status: StatusCode) -> String {
    match status {
        StatusCode::NOT_FOUND => "Page introuvable".into(),
        StatusCode::FORBIDDEN => "Accès refusé".into(),
        StatusCode::TOO_MANY_REQUESTS => "Trop de tentatives".into(),
        StatusCode::SERVICE_UNAVAILABLE => "Réessayez dans un moment".into(),
        s if s.is_server_error() => "Erreur interne".into(),
        _ => "Demande impossible".into(),
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        if let AppError::Internal(e) = &self {
            tracing::error!(error = ?e, "internal error");
        }
        let info = ErrorInfo {
            status: self.status(),
            code: self.code(),
            message: self.to_string(),
            fields: match self {
                AppError::Invalid(f) => f.0,
                _ => Vec::new(),
            },
        };
        let mut resp = info.status.into_response();
        resp.extensions_mut().insert(info);
        resp
    }
}

macro_rules! rejection {
    ($t:ty, $msg:expr) => {
        impl From<$t> for AppError {
            fn from(r: $t) -> Self {
                let detail = r.body_text();
                if r.status() == StatusCode::PAYLOAD_TOO_LARGE {
                    return AppError::BadRequest("Le contenu envoyé est trop volumineux.".into());
                }
                AppError::BadRequest(format!("{} ({})", $msg, detail))
            }
        }
    };
}
rejection!(JsonRejection, "Corps JSON invalide");
rejection!(FormRejection, "Formulaire invalide");
rejection!(QueryRejection, "Paramètres d'adresse invalides");

impl From<PathRejection> for AppError {
    fn from(_: PathRejection) -> Self {
        AppError::NotFound
    }
}

/// Middleware: the one place where errors become HTML pages or JSON bodies.
pub async fn render_errors(req: Request, next: Next) -> Response {
    let path = req.uri().path().to_string();
    let referer = req.headers().get(header::REFERER).and_then(|v| v.to_str().ok()).map(str::to_string);
    let host = req.headers().get(header::HOST).and_then(|v| v.to_str().ok()).map(str::to_string);
    let is_api = path.starts_with("/api/");
    let htmx = req.headers().contains_key("hx-request");
    let resp = next.run(req).await;
    let info = match resp.extensions().get::<ErrorInfo>() {
        Some(info) => info.clone(),
        None if resp.status().is_client_error() || resp.status().is_server_error() => {
            // A rejection produced by axum or tower-http itself, not by our handlers.
            let status = resp.status();
            let (code, message) = match status {
                StatusCode::NOT_FOUND => ("not_found", "Page ou ressource introuvable."),
                StatusCode::METHOD_NOT_ALLOWED => ("method_not_allowed", "Méthode non autorisée pour cette adresse."),
                StatusCode::PAYLOAD_TOO_LARGE => ("payload_too_large", "Le contenu envoyé est trop volumineux."),
                StatusCode::UNSUPPORTED_MEDIA_TYPE => ("unsupported_media_type", "Type de contenu non pris en charge."),
                s if s.is_server_error() => ("internal", "Erreur interne : l'équipe technique a été prévenue."),
                _ => ("bad_request", "Requête invalide."),
            };
            if resp.headers().get(header::CONTENT_TYPE).is_some_and(|v| {
                v.to_str().is_ok_and(|v| v.starts_with("application/json") || v.starts_with("text/html"))
            }) {
                return resp;
            }
            ErrorInfo { status, code, message: message.into(), fields: Vec::new() }
        }
        None => return resp,
    };
    if is_api {
        let body = ErrorBody { code: info.code.into(), message: info.message, fields: info.fields };
        return (info.status, axum::Json(body)).into_response();
    }
    if info.status == StatusCode::UNAUTHORIZED {
        let target = format!("/connexion?suivant={}", urlencode(&path));
        if htmx {
            let mut r = StatusCode::OK.into_response();
            r.headers_mut().insert(
                "hx-redirect",
                HeaderValue::from_str(&target).unwrap_or(HeaderValue::from_static("/connexion")),
            );
            return r;
        }
        return Redirect::to(&target).into_response();
    }
    let page = ErrorPage {
        css: crate::web::assets::urls().css.clone(),
        status: info.status.as_u16(),
        title: error_title(info.status),
        message: info.message,
        fields: info.fields,
        back: ways_back(&path, referer.as_deref(), host.as_deref()),
    };
    match askama::Template::render(&page) {
        Ok(html) => (info.status, Html(html)).into_response(),
        Err(_) => (info.status, "Erreur").into_response(),
    }
}

/// Percent-encodes a path for a query parameter.
pub fn urlencode(s: &str) -> String {
    url_escape(s)
}

fn url_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => out.push(b as char),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// The error page (see `error::render_errors`).
#[derive(askama::Template)]
#[template(path = "error.html")]
pub struct ErrorPage {
    pub css: String,
    pub status: u16,
    pub title: String,
    pub message: String,
    pub fields: Vec<FieldError>,
    /// Where the person can go from here: (words, address), the first one as the main button.
    pub back: Vec<(String, String)>,
}

/// The ways back from an error page: a participant's own page for the addresses under `/p/{token}`
/// (the home page would ask them to log in); the page they came from when it is one of this site's;
/// the home page otherwise.
pub fn ways_back(path: &str, referer: Option<&str>, host: Option<&str>) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let participant = path.strip_prefix("/p/").and_then(|rest| rest.split('/').next()).filter(|t| {
        !t.is_empty() && t.len() <= 200 && t.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    });
    if let Some(token) = participant {
        out.push(("Retour à ma page".to_string(), format!("/p/{token}")));
    }
    let from = referer.zip(host).and_then(|(r, h)| {
        let rest = r.strip_prefix("http://").or_else(|| r.strip_prefix("https://"))?;
        let local = rest.strip_prefix(h)?;
        crate::ids::is_local_path(local).then(|| local.to_string())
    });
    if let Some(from) = from.filter(|f| f.split('?').next() != Some(path) && !out.iter().any(|(_, h)| h == f)) {
        out.push(("Revenir à la page précédente".to_string(), from));
    }
    if participant.is_none() {
        out.push(("Aller à l'accueil".to_string(), "/".to_string()));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_error_page_offers_the_right_way_back() {
        let back = ways_back("/p/abc_1/signer/4", Some("http://site.test/p/abc_1"), Some("site.test"));
        assert_eq!(back, vec![("Retour à ma page".to_string(), "/p/abc_1".to_string())]);
        let back = ways_back("/clients/9", Some("https://site.test/clients?q=x"), Some("site.test"));
        assert_eq!(back[0].1, "/clients?q=x");
        assert_eq!(back[1].1, "/");
        assert_eq!(ways_back("/clients/9", Some("https://evil.test/x"), Some("site.test")).len(), 1, "another site");
        assert_eq!(ways_back("/clients/9", Some("https://site.test//evil.test"), Some("site.test")).len(), 1);
        assert_eq!(ways_back("/clients/9", Some("https://site.test/\\evil.test"), Some("site.test")).len(), 1);
    }

    #[test]
    fn field_errors_collect_and_fail_the_result() {
        let mut e = FieldErrors::new();
        assert!(e.clone().into_result(1).is_ok());
        e.add("name", "Le nom est obligatoire.");
        assert_eq!(e.get("name"), Some("Le nom est obligatoire."));
        e.add("name", "Le nom est obligatoire.");
        e.add("name", "Le nom est trop long.");
        assert_eq!(e.0.len(), 2, "the same refusal on the same field is said once, another one is kept");
        assert!(matches!(e.into_result(1), Err(AppError::Invalid(_))));
    }

    #[test]
    fn a_path_is_encoded_for_a_query_parameter() {
        assert_eq!(urlencode("/clients?q=a b"), "/clients%3Fq%3Da%20b");
    }
}
