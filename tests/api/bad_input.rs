//! Bad input on every API route that takes a body or an id: a structured 4xx JSON error, never a
//! 500, and nothing saved changes.

use acunum::app::route_table;

use crate::both_databases;
use crate::helpers::{Backend, TestApp, seed_org};

both_databases!(every_api_route_answers_bad_input_with_a_json_error, unknown_routes_and_methods_answer_in_kind);

async fn every_api_route_answers_bad_input_with_a_json_error(b: Backend) {
    let app = TestApp::spawn(b).await;
    let f = seed_org(&app.db, "Org").await;
    let client = acunum::client::store::create(
        &app.db,
        f.org_id,
        &acunum::client::ClientInput {
            name: "Intact".into(),
            sector: "sante".into(),
            kind: "entreprise".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let module = acunum::catalogue::store::list(&app.db, f.org_id, false).await.unwrap().remove(0);
    let token = app.token_for(&f.coordinator).await;
    // A fresh connection per request: a server may answer (404) before reading a large body.
    let api = reqwest::Client::builder().pool_max_idle_per_host(0).build().unwrap();
    let long = "x".repeat(100_000);
    let bodies: Vec<(&str, String)> = vec![
        ("broken JSON", "{\"name\": ".to_string()),
        ("wrong types", r#"{"name": 12, "sector": [], "kind": {}, "content": 3, "kind2": null, "active": "peut-être"}"#.to_string()),
        ("an array", "[1, 2, 3]".to_string()),
        ("too long texts", serde_json::json!({"name": long, "sector": "sante", "kind": "entreprise", "first_name": long, "last_name": "x",
            "is_mediator": true, "current": long, "password": long, "coordinator_name": long, "coordinator_email": "a@b.fr",
            "organisation": {"name": long}, "role": "participant", "email": format!("{long}@x.fr")}).to_string()),
    ];
    let mut checked = 0;
    // These actions take no body: what they are sent does not matter.
    let no_body = [
        "/api/v1/users/{id}/reset-token",
        "/api/v1/modules/{id}/duplicate",
        "/api/v1/quotes/{id}/send",
        "/api/v1/quotes/{id}/revise",
    ];
    for route in route_table().iter().filter(|r| {
        r.path.starts_with("/api/v1/") && (r.method == "post" || r.method == "put") && !no_body.contains(&r.path)
    }) {
        let path = route
            .path
            .replace("{id}", &if route.path.contains("modules") { module.id } else { client.id }.to_string())
            .replace("{version}", "1")
            .replace("{contact}", "1");
        for (what, body) in &bodies {
            let req = if route.method == "post" { api.post(app.url(&path)) } else { api.put(app.url(&path)) };
            let r = req
                .bearer_auth(&token)
                .header("content-type", "application/json")
                .body(body.clone())
                .send()
                .await
                .unwrap();
            let status = r.status().as_u16();
            let json: serde_json::Value =
                r.json().await.unwrap_or_else(|_| panic!("{} {path} with {what}: not JSON", route.method));
            assert!((400..500).contains(&status), "{} {path} with {what}: {status} {json}", route.method);
            assert!(
                json["code"].is_string() && json["message"].is_string(),
                "{} {path} with {what}: {json}",
                route.method
            );
            checked += 1;
        }
    }
    assert!(checked >= 14 * bodies.len(), "{checked}");
    // Unknown and malformed ids.
    for path in
        ["/api/v1/clients/999999", "/api/v1/clients/abc", "/api/v1/modules/-1/versions/9", "/api/v1/intervenants/1e9"]
    {
        let r = api.get(app.url(path)).bearer_auth(&token).send().await.unwrap();
        assert_eq!(r.status(), 404, "{path}");
        assert_eq!(r.json::<serde_json::Value>().await.unwrap()["code"], "not_found");
    }
    assert_eq!(acunum::client::store::get(&app.db, f.org_id, client.id).await.unwrap().name, "Intact");
    assert_eq!(acunum::catalogue::store::get(&app.db, f.org_id, module.id).await.unwrap().version, 1);
}

async fn unknown_routes_and_methods_answer_in_kind(b: Backend) {
    let app = TestApp::spawn(b).await;
    let api = app.api();
    let r = api.get(app.url("/api/v1/nulle-part")).send().await.unwrap();
    assert_eq!(r.status(), 404);
    assert_eq!(r.json::<serde_json::Value>().await.unwrap()["code"], "not_found");
    let r = api.patch(app.url("/api/v1/clients")).send().await.unwrap();
    assert_eq!(r.status(), 405);
    assert_eq!(r.json::<serde_json::Value>().await.unwrap()["code"], "method_not_allowed");
    let r = api.get(app.url("/nulle-part")).send().await.unwrap();
    assert_eq!(r.status(), 404);
    assert!(r.text().await.unwrap().contains("Page introuvable"));
}
