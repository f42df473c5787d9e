//! Error pages inside the site's frame: for a logged-in person, an error keeps the layout (the
//! menu of their role, their name) with the way back that suits them; anonymous visitors and the
//! API get what `error::render_errors` makes.

use askama::Template;
use axum::extract::{FromRequestParts, Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};

use crate::error::{ErrorInfo, FieldError, error_title, ways_back};
use crate::state::AppState;
use crate::web::PageCtx;

#[derive(Template)]
#[template(path = "error_page.html")]
struct ErrorLayoutPage {
    ctx: PageCtx,
    status: u16,
    title: String,
    message: String,
    fields: Vec<FieldError>,
    back: Vec<(String, String)>,
}

/// Renders an error of a page inside the layout when the person is logged in.
pub async fn with_layout(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let path = req.uri().path().to_string();
    if path.starts_with("/api/") || req.headers().contains_key("hx-request") {
        return next.run(req).await;
    }
    // What the layout needs of the request, kept for after the handler.
    let (mut kept, _) = Request::new(()).into_parts();
    kept.method = req.method().clone();
    kept.uri = req.uri().clone();
    kept.headers = req.headers().clone();
    kept.extensions = req.extensions().clone();
    let resp = next.run(req).await;
    let Some(info) = resp.extensions().get::<ErrorInfo>().cloned() else {
        return resp;
    };
    if info.status == axum::http::StatusCode::UNAUTHORIZED {
        return resp;
    }
    let Ok(ctx) = PageCtx::from_request_parts(&mut kept, &state).await else {
        return resp;
    };
    if ctx.user.is_none() {
        return resp;
    }
    let referer = kept.headers.get(header::REFERER).and_then(|v| v.to_str().ok());
    let host = kept.headers.get(header::HOST).and_then(|v| v.to_str().ok());
    let page = ErrorLayoutPage {
        status: info.status.as_u16(),
        title: error_title(info.status),
        message: info.message.clone(),
        fields: info.fields.clone(),
        back: ways_back(&path, referer, host),
        ctx,
    };
    match page.render() {
        Ok(html) => (info.status, Html(html)).into_response(),
        Err(_) => resp,
    }
}
