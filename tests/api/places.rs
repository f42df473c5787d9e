//! The embedded communes table: autocomplete, and the point of a client or an intervenant who gave a
//! postal code or a commune but no coordinates (which feeds the travel line of a quote).

use crate::both_databases;
use crate::helpers::{Backend, TestApp, seed_org};

both_databases!(clients_and_intervenants_are_located_by_their_commune);

async fn clients_and_intervenants_are_located_by_their_commune(b: Backend) {
    let app = TestApp::spawn(b).await;
    let f = seed_org(&app.db, "Org").await;
    let token = app.token_for(&f.coordinator).await;
    let api = app.api();

    // Autocomplete by name (accents or not) and by postal code.
    let found: serde_json::Value = api
        .get(app.url("/api/v1/communes?q=angouleme"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(found[0]["name"], "Angoulême");
    assert_eq!(found[0]["insee"], "16015");
    let found: serde_json::Value =
        api.get(app.url("/api/v1/communes?q=16500")).bearer_auth(&token).send().await.unwrap().json().await.unwrap();
    assert!(found.as_array().unwrap().iter().any(|c| c["name"] == "Confolens"));
    let r =
        api.get(app.url(&format!("/api/v1/communes?q={}", "a".repeat(200)))).bearer_auth(&token).send().await.unwrap();
    assert_eq!(r.status(), 422);
    assert_eq!(api.get(app.url("/api/v1/communes?q=angou")).send().await.unwrap().status(), 401);

    // A client with a postal code and no coordinates gets the commune's point; given coordinates stay.
    let r = api.post(app.url("/api/v1/clients")).bearer_auth(&token)
        .json(&serde_json::json!({"name": "Mairie de Confolens", "sector": "administration", "kind": "collectivite", "postal_code": "16500", "city": "CONFOLENS"}))
        .send().await.unwrap();
    assert_eq!(r.status(), 201);
    let c: serde_json::Value = r.json().await.unwrap();
    assert!((c["latitude"].as_f64().unwrap() - 46.01).abs() < 0.1, "{c}");
    assert!((c["longitude"].as_f64().unwrap() - 0.67).abs() < 0.1, "{c}");
    let r = api.post(app.url("/api/v1/clients")).bearer_auth(&token)
        .json(&serde_json::json!({"name": "Ailleurs", "sector": "administration", "kind": "collectivite", "postal_code": "16500", "latitude": 45.0, "longitude": 1.0}))
        .send().await.unwrap();
    let c: serde_json::Value = r.json().await.unwrap();
    assert_eq!(c["latitude"], 45.0);
    // An unknown postal code: no point, no error.
    let r = api.post(app.url("/api/v1/clients")).bearer_auth(&token)
        .json(&serde_json::json!({"name": "Inconnue", "sector": "administration", "kind": "collectivite", "postal_code": "99999"}))
        .send().await.unwrap();
    assert_eq!(r.status(), 201);
    assert!(r.json::<serde_json::Value>().await.unwrap()["latitude"].is_null());

    // An intervenant located by the commune's name alone.
    let r = api.post(app.url("/api/v1/intervenants")).bearer_auth(&token)
        .json(&serde_json::json!({"first_name": "Camille", "last_name": "Martin", "is_mediator": true, "city": "Angoulême", "active": true}))
        .send().await.unwrap();
    assert_eq!(r.status(), 201);
    let i: serde_json::Value = r.json().await.unwrap();
    assert!((i["latitude"].as_f64().unwrap() - 45.65).abs() < 0.1, "{i}");

    // The page's autocomplete.
    let web = app.logged_in(&f.coordinator).await;
    let html = app.get(&web, "/communes/options?city=confol").await.text().await.unwrap();
    assert!(html.contains("<option value=\"Confolens\">Confolens (16500)</option>"), "{html}");
}
