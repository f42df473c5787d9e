//! Static files embedded in the binary, served at URLs that carry their checksum so that browsers
//! may cache them for a year.

use std::sync::LazyLock;

use axum::extract::Path;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

struct Asset {
    name: &'static str,
    mime: &'static str,
    bytes: &'static [u8],
}

const ASSETS: &[Asset] = &[
    Asset { name: "app.css", mime: "text/css; charset=utf-8", bytes: include_bytes!("../../static/app.css") },
    Asset { name: "app.js", mime: "text/javascript; charset=utf-8", bytes: include_bytes!("../../static/app.js") },
    Asset {
        name: "htmx.min.js",
        mime: "text/javascript; charset=utf-8",
        bytes: include_bytes!(concat!(env!("OUT_DIR"), "/htmx.min.js")),
    },
    Asset {
        name: "notepad.js",
        mime: "text/javascript; charset=utf-8",
        bytes: include_bytes!(concat!(env!("OUT_DIR"), "/notepad.js")),
    },
    Asset {
        name: "quill.snow.css",
        mime: "text/css; charset=utf-8",
        bytes: include_bytes!(concat!(env!("OUT_DIR"), "/quill.snow.css")),
    },
    Asset { name: "favicon.svg", mime: "image/svg+xml", bytes: include_bytes!("../../static/favicon.svg") },
];

/// The checksummed URLs the layout links to.
pub struct Urls {
    pub css: String,
    pub js: String,
    pub htmx: String,
    pub favicon: String,
    pub notepad_js: String,
    pub quill_css: String,
    /// False when the build found no htmx (the pages then work without it).
    pub has_htmx: bool,
}

static URLS: LazyLock<Urls> = LazyLock::new(|| Urls {
    css: url("app.css"),
    js: url("app.js"),
    htmx: url("htmx.min.js"),
    favicon: url("favicon.svg"),
    notepad_js: url("notepad.js"),
    quill_css: url("quill.snow.css"),
    has_htmx: ASSETS.iter().any(|a| a.name == "htmx.min.js" && a.bytes.len() > 100),
});

pub fn urls() -> &'static Urls {
    &URLS
}

fn checksum(bytes: &[u8]) -> String {
    hex::encode(&Sha256::digest(bytes)[..6])
}

fn url(name: &str) -> String {
    let a = ASSETS.iter().find(|a| a.name == name).map(|a| checksum(a.bytes)).unwrap_or_default();
    format!("/static/{a}/{name}")
}

/// `GET /static/{checksum}/{name}`
pub async fn serve(Path((_sum, name)): Path<(String, String)>) -> Response {
    match ASSETS.iter().find(|a| a.name == name) {
        Some(a) => {
            ([(header::CONTENT_TYPE, a.mime), (header::CACHE_CONTROL, "public, max-age=31536000, immutable")], a.bytes)
                .into_response()
        }
        None => StatusCode::NOT_FOUND.into_response(),
    }
}
