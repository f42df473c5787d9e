//! The edge of the application: what arrives from outside is cleaned before any handler sees it.
//!
//! Control characters have no place in what a person types, and PostgreSQL refuses the NUL
//! character outright (SQLite would store it). So, before routing:
//! - a path with a control character is refused (400, in French);
//! - control characters are removed from the query string (nothing typed in a search box needs them);
//! - in a form, they are removed too, except tab and line breaks, so that the person's text is kept
//!   and the page goes on as if the invisible character had not been typed;
//! - a JSON body with one (written `\u0000`, `\b`...) is refused with a structured error, since an
//!   API client must learn that its data is wrong rather than see it changed.
//!
//! Multipart bodies (files) are left to their readers; their text fields go through the same rules
//! when they are stored (`From<sqlx::Error>` turns a NUL refused by PostgreSQL into a 400).

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{Uri, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use percent_encoding::percent_decode_str;

use crate::error::AppError;
use crate::state::AppState;

/// Whether a character is a control character refused in text: C0 (but tab and line breaks when
/// `keep_lines`), DEL and C1.
fn refused(c: u32, keep_lines: bool) -> bool {
    (c < 0x20 && !(keep_lines && matches!(c, 0x09 | 0x0A | 0x0D))) || (0x7F..=0x9F).contains(&c)
}

/// Removes the control characters of a URL-encoded text (a query string or a form body), written
/// raw or as `%XX`, token by token (so that `%2500` stays the text "%00").
pub fn strip_encoded_controls(input: &str, keep_lines: bool) -> String {
    let b = input.as_bytes();
    let mut out = String::with_capacity(input.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%'
            && i + 2 < b.len()
            && let Some(v) = std::str::from_utf8(&b[i + 1..i + 3]).ok().and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            if !refused(u32::from(v), keep_lines) {
                out.push_str(&input[i..i + 3]);
            }
            i += 3;
            continue;
        }
        let c = input[i..].chars().next().unwrap_or('\u{0}');
        if !refused(c as u32, keep_lines) {
            out.push(c);
        }
        i += c.len_utf8();
    }
    // `%C2%80`..`%C2%9F` (C1 controls, as UTF-8) are rare enough to be left to the handlers.
    out
}

/// The first control character escaped in a JSON text (`\u0000`, `\b`, `\f`...), outside tab and
/// line breaks. Raw control characters are already invalid JSON.
pub fn json_control(body: &[u8]) -> Option<u32> {
    let mut i = 0;
    while i < body.len() {
        if body[i] == b'\\' && i + 1 < body.len() {
            match body[i + 1] {
                b'b' => return Some(0x08),
                b'f' => return Some(0x0C),
                b'u' if i + 6 <= body.len() => {
                    if let Some(v) =
                        std::str::from_utf8(&body[i + 2..i + 6]).ok().and_then(|h| u32::from_str_radix(h, 16).ok())
                        && refused(v, true)
                    {
                        return Some(v);
                    }
                    i += 6;
                    continue;
                }
                _ => {}
            }
            i += 2;
            continue;
        }
        i += 1;
    }
    None
}

fn content_type(req: &Request) -> &str {
    req.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("")
}

/// Middleware: cleans the path, the query and form or JSON bodies, as described above.
pub async fn clean_input(State(s): State<AppState>, req: Request, next: Next) -> Response {
    let path = req.uri().path();
    let decoded = percent_decode_str(path).decode_utf8_lossy();
    if decoded.chars().any(|c| refused(c as u32, false)) {
        return AppError::BadRequest(
            "L'adresse demandée contient un caractère invisible (caractère de contrôle) : elle n'existe pas.".into(),
        )
        .into_response();
    }
    let mut req = req;
    if let Some(q) = req.uri().query() {
        let clean = strip_encoded_controls(q, false);
        if clean != q {
            let mut parts = req.uri().clone().into_parts();
            let pq = format!("{}?{}", req.uri().path(), clean);
            parts.path_and_query = pq.parse().ok();
            if let Ok(uri) = Uri::from_parts(parts) {
                *req.uri_mut() = uri;
            }
        }
    }
    let ct = content_type(&req).to_ascii_lowercase();
    let is_form = ct.starts_with("application/x-www-form-urlencoded");
    let is_json = ct.starts_with("application/json");
    // Imports of places have their own reader and their own (larger) limit.
    if !(is_form || is_json) || req.uri().path().ends_with("/import") {
        return next.run(req).await;
    }
    let (parts, body) = req.into_parts();
    let bytes = match axum::body::to_bytes(body, s.config.max_upload_bytes + 64 * 1024).await {
        Ok(b) => b,
        Err(_) => return AppError::BadRequest("Le contenu envoyé est trop volumineux.".into()).into_response(),
    };
    if is_json {
        if let Some(c) = json_control(&bytes) {
            return AppError::BadRequest(format!(
                "Le JSON envoyé contient un caractère de contrôle (U+{c:04X}) dans un texte : retirez-le."
            ))
            .into_response();
        }
        return next.run(Request::from_parts(parts, Body::from(bytes))).await;
    }
    let body = match std::str::from_utf8(&bytes) {
        Ok(text) => {
            let clean = strip_encoded_controls(text, true);
            if clean.len() == text.len() { bytes } else { clean.into_bytes().into() }
        }
        Err(_) => bytes,
    };
    let mut parts = parts;
    parts.headers.remove(header::CONTENT_LENGTH);
    next.run(Request::from_parts(parts, Body::from(body))).await
}

/// Middleware: what a browser may keep. Pages and API answers are private or change from one
/// moment to the next: `Cache-Control: no-store` unless the handler said otherwise (static assets
/// are immutable and say so). Behind HTTPS (secure cookies), `Strict-Transport-Security` too.
pub async fn cache_headers(State(s): State<AppState>, req: Request, next: Next) -> Response {
    let mut resp = next.run(req).await;
    let h = resp.headers_mut();
    if !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, header::HeaderValue::from_static("no-store"));
    }
    if s.config.secure_cookies {
        h.insert(
            header::STRICT_TRANSPORT_SECURITY,
            header::HeaderValue::from_static("max-age=31536000; includeSubDomains"),
        );
    }
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_are_removed_from_forms_but_not_line_breaks() {
        assert_eq!(strip_encoded_controls("email=a%00b&x=1", true), "email=ab&x=1");
        assert_eq!(strip_encoded_controls("t=ligne%0D%0Asuite%09fin", true), "t=ligne%0D%0Asuite%09fin");
        assert_eq!(strip_encoded_controls("t=%01%1f%7F%1B", true), "t=");
        assert_eq!(strip_encoded_controls("t=100%2500", true), "t=100%2500");
        assert_eq!(strip_encoded_controls("t=caf%C3%A9+%C3%A0", true), "t=caf%C3%A9+%C3%A0");
        assert_eq!(strip_encoded_controls("t=%", true), "t=%");
        assert_eq!(strip_encoded_controls("t=%0", true), "t=%0");
        assert_eq!(strip_encoded_controls("t=déjà", true), "t=déjà");
    }

    #[test]
    fn controls_are_removed_from_queries_line_breaks_too() {
        assert_eq!(strip_encoded_controls("suivant=/%09/127.0.0.1/", false), "suivant=//127.0.0.1/");
        assert_eq!(strip_encoded_controls("q=a%0Ab", false), "q=ab");
    }

    #[test]
    fn escaped_controls_are_found_in_json() {
        assert_eq!(json_control(br#"{"name":"a\u0000b"}"#), Some(0));
        assert_eq!(json_control(br#"{"name":"a\u001Fb"}"#), Some(0x1F));
        assert_eq!(json_control(br#"{"name":"a\bb"}"#), Some(8));
        assert_eq!(json_control(br#"{"name":"ligne\nsuite\tfin\r"}"#), None);
        assert_eq!(json_control(br#"{"name":"\\u0000 est du texte"}"#), None);
        assert_eq!(json_control(br#"{"name":"\u00e9t\u00E9"}"#), None);
        assert_eq!(json_control(br#"{"name":"\u"}"#), None);
    }
}
