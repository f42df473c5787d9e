//! Intervenants through the pages and the API.

use crate::both_databases;
use crate::helpers::{Backend, TestApp, location, seed_org};

both_databases!(a_coordinator_records_an_intervenant_with_sectors_and_cv, the_api_filters_intervenants);

async fn a_coordinator_records_an_intervenant_with_sectors_and_cv(b: Backend) {
    let app = TestApp::spawn(b).await;
    let f = seed_org(&app.db, "Org").await;
    let c = app.logged_in(&f.coordinator).await;
    let r = app
        .post_form(&c, "/intervenants", &[("first_name", "Camille"), ("last_name", ""), ("daily_rate", "beaucoup")])
        .await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains("Indiquez si la personne est médiateur"));
    assert!(html.contains("Le tarif journalier est un montant"));
    assert!(html.contains(r#"value="Camille""#));
    let r = app
        .post_form(
            &c,
            "/intervenants",
            &[
                ("first_name", "Camille"),
                ("last_name", "Durand"),
                ("is_mediator", "on"),
                ("sectors", "sante"),
                ("sectors", "social"),
                ("place_name", "EPN de l'Alpha"),
                ("postal_code", "16000"),
                ("city", "Angoulême"),
                ("daily_rate", "420,50"),
                ("active", "on"),
                ("cv", "**Médiatrice** depuis 2012 <script>alert(1)</script>"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let html = app.get(&c, &location(&r)).await.text().await.unwrap();
    assert!(html.contains("<strong>Médiatrice</strong>"));
    assert!(!html.contains("<script>alert(1)"), "the CV is sanitised");
    assert!(html.contains("Santé, Action sociale et médico-sociale"));
    assert!(html.contains("420,50"));
    let html = app.get(&c, "/intervenants?role=animator").await.text().await.unwrap();
    assert!(html.contains("Aucun·e intervenant·e ne correspond."));
    let html = app.get(&c, "/intervenants?role=mediator&sector=sante").await.text().await.unwrap();
    assert!(html.contains("Durand Camille"));
    let csv = app.get(&c, "/intervenants.csv?sector=sante").await.text().await.unwrap();
    assert!(csv.contains("Camille;Durand"));
}

async fn the_api_filters_intervenants(b: Backend) {
    let app = TestApp::spawn(b).await;
    let f = seed_org(&app.db, "Org").await;
    let token = app.token_for(&f.coordinator).await;
    let api = app.api();
    for (name, med, sector) in [("Durand", true, "sante"), ("Moreau", false, "industrie")] {
        let r = api.post(app.url("/api/v1/intervenants")).bearer_auth(&token)
            .json(&serde_json::json!({"first_name": "X", "last_name": name, "is_mediator": med, "is_animator": !med, "sectors": [sector], "daily_rate": "380.00", "active": true}))
            .send().await.unwrap();
        assert_eq!(r.status(), 201);
    }
    let list: serde_json::Value = api
        .get(app.url("/api/v1/intervenants?role=animator"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list["total"], 1);
    assert_eq!(list["items"][0]["last_name"], "Moreau");
    assert_eq!(list["items"][0]["daily_rate"], "380.00");
    let r = api.post(app.url("/api/v1/intervenants")).bearer_auth(&token).json(&serde_json::json!({"first_name": "X", "last_name": "Y", "is_mediator": true, "sectors": ["magie"], "daily_rate": "-3"})).send().await.unwrap();
    assert_eq!(r.status(), 422);
    let r = api
        .post(app.url("/api/v1/intervenants"))
        .bearer_auth(&token)
        .json(&serde_json::json!({"first_name": "X", "daily_rate": "pas un nombre"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert_eq!(r.json::<serde_json::Value>().await.unwrap()["code"], "bad_request");
}
