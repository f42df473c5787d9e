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
    // Operation ids are unique and readable (`tag_function`), for generated clients.
    let mut ids = std::collections::BTreeMap::new();
    let mut twice = Vec::new();
    for (path, item) in paths {
        for (method, op) in item.as_object().unwrap() {
            let id = op["operationId"].as_str().unwrap_or_else(|| panic!("{method} {path} has no operationId"));
            assert!(id.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'), "{id}");
            if let Some(other) = ids.insert(id.to_string(), format!("{method} {path}")) {
                twice.push(format!("{id}: {other} and {method} {path}"));
            }
        }
    }
    assert!(twice.is_empty(), "operationIds used twice:\n{}", twice.join("\n"));
    // One component per name: the quote's status is not the attendance mark's.
    let schemas = doc["components"]["schemas"].as_object().unwrap();
    for name in ["QuoteStatus", "MarkStatus", "ClientContact", "NetworkContact", "InvoiceKind", "SurveyKind"] {
        assert!(schemas.contains_key(name), "{name}");
    }
    assert!(!schemas.contains_key("Status") && !schemas.contains_key("Contact"));
    let quote_status = schemas["QuoteStatus"]["enum"].as_array().unwrap();
    assert!(quote_status.iter().any(|v| v == "accepted"), "{quote_status:?}");
    // The places' JSON export is an array, as it is served.
    let export =
        &paths["/api/v1/places/export.json"]["get"]["responses"]["200"]["content"]["application/json"]["schema"];
    assert_eq!(export["type"], "array", "{export}");
}
