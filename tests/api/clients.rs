//! Clients through the pages and the API.

use crate::both_databases;
use crate::helpers::{Backend, TestApp, location, seed_org};

both_databases!(
    a_coordinator_creates_a_client_through_the_form,
    the_client_list_searches_sorts_and_pages,
    the_csv_export_opens_in_a_french_spreadsheet,
    the_api_creates_reads_updates_and_deletes_clients,
    an_intervenant_sees_no_client_and_changes_none
);

async fn a_coordinator_creates_a_client_through_the_form(b: Backend) {
    let app = TestApp::spawn(b).await;
    let f = seed_org(&app.db, "Org").await;
    let c = app.logged_in(&f.coordinator).await;
    assert_eq!(app.get(&c, "/clients/nouveau").await.status(), 200);
    // A wrong SIRET and a missing sector: the form comes back with the messages and what was typed.
    let r = app
        .post_form(
            &c,
            "/clients",
            &[
                ("name", "Centre hospitalier"),
                ("siret", "73282932000075"),
                ("sector", ""),
                ("kind", "etablissement_public"),
                ("city", "Angoulême"),
            ],
        )
        .await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains("Ce SIRET n&#39;existe pas") || html.contains("Ce SIRET n'existe pas"));
    assert!(html.contains("Choisissez le secteur professionnel dans la liste."));
    assert!(html.contains(r#"value="Centre hospitalier""#), "what was typed is kept");
    assert!(html.contains(r#"aria-invalid="true""#));
    let r = app
        .post_form(
            &c,
            "/clients",
            &[
                ("name", "Centre hospitalier"),
                ("siret", "732 829 320 00074"),
                ("sector", "sante"),
                ("kind", "etablissement_public"),
                ("postal_code", "16000"),
                ("city", "Angoulême"),
                ("latitude", "45,65"),
                ("longitude", "0,16"),
                ("email", "Contact@CH.test"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let page = location(&r);
    let html = app.get(&c, &page).await.text().await.unwrap();
    assert!(html.contains("Le client « Centre hospitalier » est enregistré."));
    assert!(html.contains("73282932000074"));
    assert!(html.contains("contact@ch.test"));
    // A contact, then an edit.
    let r = app.post_form(&c, &format!("{page}/contacts"), &[("name", ""), ("email", "x")]).await;
    assert_eq!(r.status(), 422);
    let r = app
        .post_form(
            &c,
            &format!("{page}/contacts"),
            &[("name", "Nathalie Roux"), ("job_title", "Directrice des soins"), ("email", "n.roux@ch.test")],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert!(app.get(&c, &page).await.text().await.unwrap().contains("Nathalie Roux"));
    let r = app
        .post_form(&c, &page, &[("name", "CH d'Angoulême"), ("sector", "sante"), ("kind", "etablissement_public")])
        .await;
    assert_eq!(r.status(), 303);
    let r = app.post_form(&c, &format!("{page}/supprimer"), &[]).await;
    assert_eq!(location(&r), "/clients");
    assert_eq!(app.get(&c, &page).await.status(), 404);
}

async fn seed_clients(app: &TestApp, org: i64, n: usize) {
    for i in 0..n {
        acunum::client::store::create(
            &app.db,
            org,
            &acunum::client::ClientInput {
                name: format!("Structure {i:02}"),
                sector: "sante".into(),
                kind: "entreprise".into(),
                city: if i < 5 { "Cognac".into() } else { "Angoulême".into() },
                ..Default::default()
            },
        )
        .await
        .unwrap();
    }
}

async fn the_client_list_searches_sorts_and_pages(b: Backend) {
    let app = TestApp::spawn(b).await;
    let f = seed_org(&app.db, "Org").await;
    seed_clients(&app, f.org_id, 30).await;
    let c = app.logged_in(&f.coordinator).await;
    let html = app.get(&c, "/clients").await.text().await.unwrap();
    assert!(html.contains("30 résultats · page 1 sur 2"));
    assert!(html.contains("Structure 00") && !html.contains("Structure 29"));
    let html = app.get(&c, "/clients?sort=name&dir=desc").await.text().await.unwrap();
    assert!(html.contains("Structure 29") && html.contains(r#"aria-sort="descending""#));
    let html = app.get(&c, "/clients?q=cognac").await.text().await.unwrap();
    assert!(html.contains("5 résultats"));
    let html = app.get(&c, "/clients?page=2").await.text().await.unwrap();
    assert!(html.contains("Structure 29"));
    // Malformed paging is not an error page.
    assert_eq!(app.get(&c, "/clients?page=-4&per_page=1000000&sort=;drop").await.status(), 200);
}

async fn the_csv_export_opens_in_a_french_spreadsheet(b: Backend) {
    let app = TestApp::spawn(b).await;
    let f = seed_org(&app.db, "Org").await;
    seed_clients(&app, f.org_id, 3).await;
    let c = app.logged_in(&f.coordinator).await;
    let r = app.get(&c, "/clients.csv").await;
    assert_eq!(r.status(), 200);
    assert!(r.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
    let bytes = r.bytes().await.unwrap();
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"));
    let text = String::from_utf8(bytes[3..].to_vec()).unwrap();
    let mut lines = text.split("\r\n");
    assert!(lines.next().unwrap().starts_with("Identifiant;Nom;SIRET;Secteur"));
    assert_eq!(text.matches("Santé").count(), 3);
    let api = app.api();
    let token = app.token_for(&f.coordinator).await;
    let r = api.get(app.url("/api/v1/clients")).bearer_auth(&token).header("accept", "text/csv").send().await.unwrap();
    assert!(r.bytes().await.unwrap().starts_with(b"\xEF\xBB\xBFIdentifiant;"));
}

async fn the_api_creates_reads_updates_and_deletes_clients(b: Backend) {
    let app = TestApp::spawn(b).await;
    let f = seed_org(&app.db, "Org").await;
    let token = app.token_for(&f.coordinator).await;
    let api = app.api();
    let body = serde_json::json!({"name": "Fédération des centres sociaux", "sector": "social", "kind": "federation", "postal_code": "16100", "city": "Cognac", "latitude": 45.69, "longitude": -0.33});
    let r = api.post(app.url("/api/v1/clients")).bearer_auth(&token).json(&body).send().await.unwrap();
    assert_eq!(r.status(), 201);
    let created: serde_json::Value = r.json().await.unwrap();
    let id = created["id"].as_i64().unwrap();
    assert_eq!(created["latitude"], 45.69);
    let r = api
        .post(app.url(&format!("/api/v1/clients/{id}/contacts")))
        .bearer_auth(&token)
        .json(&serde_json::json!({"name": "Aïcha Diallo"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let got: serde_json::Value = api
        .get(app.url(&format!("/api/v1/clients/{id}")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(got["contacts"][0]["name"], "Aïcha Diallo");
    let mut changed = body.clone();
    changed["name"] = "FCS 16".into();
    let r = api.put(app.url(&format!("/api/v1/clients/{id}"))).bearer_auth(&token).json(&changed).send().await.unwrap();
    assert_eq!(r.json::<serde_json::Value>().await.unwrap()["name"], "FCS 16");
    let list: serde_json::Value =
        api.get(app.url("/api/v1/clients?q=fcs")).bearer_auth(&token).send().await.unwrap().json().await.unwrap();
    assert_eq!(list["total"], 1);
    // Validation errors name their fields.
    let r = api
        .post(app.url("/api/v1/clients"))
        .bearer_auth(&token)
        .json(&serde_json::json!({"name": "", "sector": "x", "kind": "entreprise", "siret": "123"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let e: serde_json::Value = r.json().await.unwrap();
    assert_eq!(e["code"], "invalid");
    let fields: Vec<&str> = e["fields"].as_array().unwrap().iter().map(|f| f["field"].as_str().unwrap()).collect();
    assert!(fields.contains(&"name") && fields.contains(&"sector") && fields.contains(&"siret"), "{fields:?}");
    assert_eq!(
        api.delete(app.url(&format!("/api/v1/clients/{id}"))).bearer_auth(&token).send().await.unwrap().status(),
        204
    );
    assert_eq!(
        api.get(app.url(&format!("/api/v1/clients/{id}"))).bearer_auth(&token).send().await.unwrap().status(),
        404
    );
}

async fn an_intervenant_sees_no_client_and_changes_none(b: Backend) {
    let app = TestApp::spawn(b).await;
    let f = seed_org(&app.db, "Org").await;
    seed_clients(&app, f.org_id, 1).await;
    let c = app.logged_in(&f.intervenant).await;
    assert_eq!(app.get(&c, "/clients").await.status(), 403);
    let html = app.get(&c, "/").await.text().await.unwrap();
    assert!(!html.contains("href=\"/clients\""), "no dead link in the menu: {html}");
    let r = app.post_form(&c, "/clients", &[("name", "Interdit"), ("sector", "sante"), ("kind", "entreprise")]).await;
    assert_eq!(r.status(), 403);
    assert_eq!(app.get(&c, "/organisation").await.status(), 403);
    let token = app.token_for(&f.intervenant).await;
    let r = app.api().get(app.url("/api/v1/clients")).bearer_auth(&token).send().await.unwrap();
    assert_eq!(r.status(), 403);
    assert_eq!(acunum::client::store::count(&app.db, f.org_id).await.unwrap(), 1);
}
