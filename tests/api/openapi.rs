//! The OpenAPI document describes every API route of the router, and only those.

use acunum::app::route_table;

use crate::both_databases;
use crate::helpers::{Backend, TestApp};

both_databases!(the_openapi_document_matches_the_router);

async fn the_openapi_document_matches_the_router(b: Backend) {
    let app = TestApp::spawn(b).await;
    let doc: serde_json::Value =
        app.api().get(app.url("/api/openapi.json")).send().await.unwrap().json().await.unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    let paths = doc["paths"].as_object().unwrap();
    let mut in_router = 0;
    for route in route_table().iter().filter(|r| r.path.starts_with("/api/v1/")) {
        let op = &paths.get(route.path).unwrap_or_else(|| panic!("{} is not documented", route.path))[route.method];
        assert!(op.is_object(), "{} {} is not documented", route.method, route.path);
        in_router += 1;
    }
    let documented: usize = paths.values().map(|p| p.as_object().unwrap().len()).sum();
    assert_eq!(documented, in_router, "the document lists operations the router does not have");
    assert!(doc["components"]["schemas"]["ErrorBody"].is_object());
}
