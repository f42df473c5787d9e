//! Quotes and conventions through the API and the pages, with the PDFs read back as text.

use std::process::Command;

use crate::both_databases;
use crate::helpers::{Backend, TestApp, extract, location, seed_org};

both_databases!(
    the_whole_cycle_is_quoted_accepted_and_conventioned_through_the_api,
    a_coordinator_builds_and_sends_a_quote_through_the_pages,
    numbers_have_no_gap_and_no_duplicate_under_concurrency,
    a_revision_keeps_the_old_version_and_voids_the_old_link,
    bad_quotes_and_bad_answers_are_refused,
    the_programme_sheet_is_a_pdf_with_every_mention,
    quotes_are_listed_and_exported
);

/// The text of a PDF (poppler's pdftotext, an independent reader).
pub fn pdf_text(bytes: &[u8]) -> String {
    assert!(bytes.starts_with(b"%PDF-"), "not a PDF");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("doc.pdf");
    std::fs::write(&path, bytes).unwrap();
    let out = Command::new("pdftotext")
        .arg("-layout")
        .arg(&path)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils) is needed by the tests");
    assert!(out.status.success(), "pdftotext failed");
    // Typst hyphenates; join what a line break split, and make spaces plain.
    String::from_utf8_lossy(&out.stdout).replace("\u{ad}\n", "").replace(['\u{a0}', '\u{202f}'], " ")
}

pub struct Setup {
    pub client: i64,
    pub intervenant: i64,
    pub modules: Vec<i64>,
}

pub async fn setup(app: &TestApp, org: i64) -> Setup {
    let client = acunum::client::store::create(
        &app.db,
        org,
        &acunum::client::ClientInput {
            name: "Communauté de communes du Confolentais".into(),
            sector: "administration".into(),
            kind: "collectivite".into(),
            postal_code: "16500".into(),
            city: "Confolens".into(),
            latitude: Some(46.0136),
            longitude: Some(0.6717),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    acunum::client::store::add_contact(
        &app.db,
        org,
        client.id,
        &acunum::client::ContactInput {
            name: "Marie Lenoir".into(),
            job_title: "DGS".into(),
            email: "marie.lenoir@confolentais.test".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let intervenant = acunum::intervenant::store::create(
        &app.db,
        org,
        &acunum::intervenant::IntervenantInput {
            first_name: "Camille".into(),
            last_name: "Durand".into(),
            is_mediator: true,
            active: true,
            city: "Angoulême".into(),
            latitude: Some(45.6484),
            longitude: Some(0.1562),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let modules = acunum::catalogue::store::list(&app.db, org, false).await.unwrap().iter().map(|m| m.id).collect();
    Setup { client: client.id, intervenant: intervenant.id, modules }
}

pub fn whole_cycle(s: &Setup) -> serde_json::Value {
    serde_json::json!({
        "client_id": s.client, "title": "Cycle ACUNUM", "participants": 10, "structures": 3, "intervenant_id": s.intervenant,
        "items": [{"module_id": s.modules[0]}, {"module_id": s.modules[1], "quantity": "2"}, {"module_id": s.modules[2]}, {"module_id": s.modules[3], "quantity": "4"}],
        "travel": {"mode": "per_km", "rate_per_km": "0.45"},
        "lodging": {"count": 2, "unit_price": "85"},
        "funding": {"opco_name": "OPCO EP", "file_number": "EP-2027-042", "mode": "share", "share_percent": "60", "subrogation": true},
        "start_date": "2027-01-11", "end_date": "2027-06-30", "location": "Confolens"
    })
}

async fn the_whole_cycle_is_quoted_accepted_and_conventioned_through_the_api(b: Backend) {
    let app = TestApp::spawn(b).await;
    let f = seed_org(&app.db, "Org").await;
    let s = setup(&app, f.org_id).await;
    let token = app.token_for(&f.coordinator).await;
    let api = app.api();
    let r = api.post(app.url("/api/v1/quotes")).bearer_auth(&token).json(&whole_cycle(&s)).send().await.unwrap();
    assert_eq!(r.status(), 201);
    let q: serde_json::Value = r.json().await.unwrap();
    let year = chrono::Datelike::year(&acunum::quote::today());
    assert_eq!(q["number"], format!("DEV-{year}-0001"));
    assert_eq!(q["status"], "draft");
    let lines = q["current"]["priced"]["lines"].as_array().unwrap();
    let travel = lines.iter().find(|l| l["kind"] == "travel").expect("travel line from the coordinates");
    // Angoulême → Confolens is about 54 km as the crow flies; 4 days + 2 conferences + 6 half-days + 4 AMO days = 16 trips.
    let km: f64 = travel["quantity"].as_str().unwrap().parse().unwrap();
    assert!((16.0 * 2.0 * 50.0..=16.0 * 2.0 * 58.0).contains(&km), "{km}");
    let lodging = lines.iter().find(|l| l["kind"] == "lodging").unwrap();
    assert_eq!(lodging["total_ht"], "170.00");
    let funding = &q["current"]["priced"]["funding"];
    // The OPCO funds 60 % of the training part (the convention), not of the AMO beside it.
    let convention: f64 = q["current"]["priced"]["convention_ttc"].as_str().unwrap().parse().unwrap();
    let total: f64 = q["total_ttc"].as_str().unwrap().parse().unwrap();
    let opco: f64 = funding["opco_amount"].as_str().unwrap().parse().unwrap();
    assert!(convention < total);
    assert!((opco - convention * 0.6).abs() < 0.01, "{opco} vs {convention}");
    let id = q["id"].as_i64().unwrap();

    let pdf = api
        .get(app.url(&format!("/api/v1/quotes/{id}/pdf")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let text = pdf_text(&pdf);
    for needle in [
        &format!("Devis n° DEV-{year}-0001") as &str,
        "Communauté de communes du Confolentais",
        "Formation aux cultures numériques",
        "4 400,00 €",
        "Exonération de TVA – art. 261-4-4° a du CGI",
        "OPCO EP",
        "Subrogation",
        "10 personnes de 3 structures",
        "Frais de déplacement",
        "Frais d'hébergement",
        "2 nuits",
        "SIRET 73282932000074",
        "ne vaut pas agrément de l'État",
        "page 1 sur",
    ] {
        assert!(text.contains(needle), "quote PDF lacks {needle}:\n{text}");
    }
    let total_text = acunum::money::euros(q["total_ttc"].as_str().unwrap().parse::<rust_decimal::Decimal>().unwrap())
        .replace(['\u{a0}', '\u{202f}'], " ");
    assert!(text.contains(&total_text), "{total_text} not in {text}");

    let sent: serde_json::Value = api
        .post(app.url(&format!("/api/v1/quotes/{id}/send")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(sent["status"], "sent");
    assert_eq!(sent["mailed"], true);
    let link = sent["client_link"].as_str().unwrap();
    app.run_jobs().await;
    let mails = app.mails.lock().unwrap().clone();
    assert!(
        mails.iter().any(|m| m.contains("marie.lenoir@confolentais.test")
            && m.contains(link.trim_start_matches("http://acunum.test"))),
        "the link is e-mailed to the client's contact"
    );
    let link_token = link.rsplit('/').next().unwrap();
    // The client reads it without an account, then accepts.
    let seen: serde_json::Value =
        api.get(app.url(&format!("/api/v1/quote-links/{link_token}"))).send().await.unwrap().json().await.unwrap();
    assert_eq!(seen["number"], format!("DEV-{year}-0001"));
    let r = api
        .post(app.url(&format!("/api/v1/quote-links/{link_token}/accept")))
        .json(&serde_json::json!({"name": ""}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422, "a name is needed");
    let accepted: serde_json::Value = api
        .post(app.url(&format!("/api/v1/quote-links/{link_token}/accept")))
        .json(&serde_json::json!({"name": "Marie Lenoir, DGS"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(accepted["status"], "accepted");
    assert_eq!(accepted["decision_name"], "Marie Lenoir, DGS");
    assert_eq!(accepted["decision_ip"], "127.0.0.1");
    assert_eq!(accepted["convention_number"], format!("CONV-{year}-0001"));
    // Once accepted, nothing changes it.
    let r = api
        .post(app.url(&format!("/api/v1/quote-links/{link_token}/refuse")))
        .json(&serde_json::json!({"name": "Quelqu'un"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 409);
    let r = api
        .put(app.url(&format!("/api/v1/quotes/{id}")))
        .bearer_auth(&token)
        .json(&whole_cycle(&s))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 409);

    let conv = api.get(app.url(&format!("/api/v1/quotes/{id}/convention"))).bearer_auth(&token).send().await.unwrap();
    assert_eq!(conv.status(), 200);
    let text = pdf_text(&conv.bytes().await.unwrap());
    for needle in [
        &format!("CONV-{year}-0001") as &str,
        "L6353-1 et D6353-1",
        "Entre les soussignés",
        "Objet",
        "Objectifs",
        "Contenu",
        "Durée totale",
        "52 heures par stagiaire",
        "du 11 janvier 2027 au 30 juin 2027",
        "Moyens pédagogiques",
        "Modalités de déroulement, de suivi et de sanction",
        "feuilles d’émargement",
        "certificat de réalisation",
        "Dispositions financières",
        "Modalités de règlement",
        "SIRET 73282932000074",
        "75160123416",
        "ne vaut pas agrément de l'État",
        "Exonération de TVA",
        "Accompagnement à Maîtrise d'Ouvrage",
        "Marie Lenoir",
    ] {
        assert!(text.contains(needle), "convention PDF lacks {needle}:\n{text}");
    }
    // The client downloads it too, from the same link.
    let r = api.get(app.url(&format!("/api/v1/quote-links/{link_token}/convention"))).send().await.unwrap();
    assert!(r.bytes().await.unwrap().starts_with(b"%PDF-"));
}

async fn a_coordinator_builds_and_sends_a_quote_through_the_pages(b: Backend) {
    let app = TestApp::spawn(b).await;
    let f = seed_org(&app.db, "Org").await;
    let s = setup(&app, f.org_id).await;
    let c = app.logged_in(&f.coordinator).await;
    let html = app.get(&c, &format!("/devis/nouveau?client={}", s.client)).await.text().await.unwrap();
    assert!(html.contains("Formation aux cultures numériques"));
    let client = s.client.to_string();
    let m0 = format!("m{}", s.modules[0]);
    let m0q = format!("m{}_qty", s.modules[0]);
    let m0d = format!("m{}_discount_amount", s.modules[0]);
    // The live totals (htmx) answer as the form is typed.
    let fields = vec![
        ("client_id", client.as_str()),
        ("title", "Formation culture"),
        ("participants", "10"),
        ("structures", "2"),
        (m0.as_str(), "on"),
        ("travel_mode", "none"),
        ("lodging_nights", "2"),
        ("lodging_price", "85"),
    ];
    let preview = app.post_form(&c, "/devis/apercu", &fields).await.text().await.unwrap();
    assert!(preview.contains("4\u{202f}400,00\u{a0}€") && preview.contains("170,00\u{a0}€"), "{preview}");
    // Mistakes come back next to their fields, with what was typed.
    let mut bad = fields.clone();
    bad.push((m0q.as_str(), "-2"));
    bad.push((m0d.as_str(), "beaucoup"));
    bad.push(("participants", "dix"));
    let r = app.post_form(&c, "/devis", &bad).await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains("n&#39;est pas un nombre") || html.contains("n'est pas un nombre"), "{html}");
    assert!(html.contains(r#"value="Formation culture""#));
    let r = app.post_form(&c, "/devis", &fields).await;
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
    let page = location(&r);
    let html = app.get(&c, &page).await.text().await.unwrap();
    assert!(html.contains("Brouillon") && html.contains("4\u{202f}570,00\u{a0}€"));
    let html = app.post_form(&c, &format!("{page}/envoyer"), &[]).await.text().await.unwrap();
    let link = extract(&html, r"http://acunum\.test(/acces-devis/[A-Za-z0-9_-]+)").expect("link shown once");
    // The client, without an account, refuses to tick « bon pour accord » first, then accepts.
    let visitor = app.client();
    let html = app.get(&visitor, &link).await.text().await.unwrap();
    assert!(html.contains("Accepter le devis"));
    let r = app.post_form(&visitor, &link, &[("decision", "accepter"), ("name", "Marie Lenoir")]).await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("Bon pour accord"));
    let r =
        app.post_form(&visitor, &link, &[("decision", "accepter"), ("name", "Marie Lenoir"), ("agree", "on")]).await;
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().contains("Devis accepté"));
    let r = app.get(&visitor, &format!("{link}/convention")).await;
    assert_eq!(r.headers()["content-type"], "application/pdf");
    let html = app.get(&c, &page).await.text().await.unwrap();
    assert!(
        html.contains("Accepté") && html.contains("Marie Lenoir") && html.contains("Convention de formation (PDF)")
    );
    // A client with quotes is not deleted.
    let r = app.post_form(&c, &format!("/clients/{}/supprimer", s.client), &[]).await;
    assert_eq!(r.status(), 409);
    assert!(r.text().await.unwrap().contains("Ce client a des devis"));
}

async fn numbers_have_no_gap_and_no_duplicate_under_concurrency(b: Backend) {
    let app = TestApp::spawn(b).await;
    let f = seed_org(&app.db, "Org").await;
    let s = setup(&app, f.org_id).await;
    let token = app.token_for(&f.coordinator).await;
    let body = serde_json::json!({"client_id": s.client, "participants": 10, "structures": 1, "items": [{"module_id": s.modules[0]}]});
    let mut tasks = Vec::new();
    for _ in 0..16 {
        let (url, token, body) = (app.url("/api/v1/quotes"), token.clone(), body.clone());
        tasks.push(tokio::spawn(async move {
            let r = reqwest::Client::new().post(url).bearer_auth(token).json(&body).send().await.unwrap();
            assert_eq!(r.status(), 201);
            r.json::<serde_json::Value>().await.unwrap()["number"].as_str().unwrap().to_string()
        }));
    }
    let mut numbers = Vec::new();
    for t in tasks {
        numbers.push(t.await.unwrap());
    }
    numbers.sort();
    let year = chrono::Datelike::year(&acunum::quote::today());
    let expected: Vec<String> = (1..=16).map(|i| format!("DEV-{year}-{i:04}")).collect();
    assert_eq!(numbers, expected);
    // Another organisation counts from 1.
    let other = seed_org(&app.db, "Autre").await;
    let so = setup(&app, other.org_id).await;
    let t2 = app.token_for(&other.coordinator).await;
    let r: serde_json::Value = app.api().post(app.url("/api/v1/quotes")).bearer_auth(&t2)
        .json(&serde_json::json!({"client_id": so.client, "participants": 5, "structures": 1, "items": [{"module_id": so.modules[0]}]}))
        .send().await.unwrap().json().await.unwrap();
    assert_eq!(r["number"], format!("DEV-{year}-0001"));
}

async fn a_revision_keeps_the_old_version_and_voids_the_old_link(b: Backend) {
    let app = TestApp::spawn(b).await;
    let f = seed_org(&app.db, "Org").await;
    let s = setup(&app, f.org_id).await;
    let token = app.token_for(&f.coordinator).await;
    let api = app.api();
    let mut body = serde_json::json!({"client_id": s.client, "participants": 10, "structures": 1, "items": [{"module_id": s.modules[0]}]});
    let q: serde_json::Value =
        api.post(app.url("/api/v1/quotes")).bearer_auth(&token).json(&body).send().await.unwrap().json().await.unwrap();
    let id = q["id"].as_i64().unwrap();
    let sent: serde_json::Value = api
        .post(app.url(&format!("/api/v1/quotes/{id}/send")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let old_link = sent["client_link"].as_str().unwrap().rsplit('/').next().unwrap().to_string();
    let revised: serde_json::Value = api
        .post(app.url(&format!("/api/v1/quotes/{id}/revise")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(revised["version"], 2);
    assert_eq!(revised["status"], "draft");
    body["items"][0]["discount_percent"] = "10".into();
    let updated: serde_json::Value = api
        .put(app.url(&format!("/api/v1/quotes/{id}")))
        .bearer_auth(&token)
        .json(&body)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(updated["total_ttc"], "3960.00");
    let v1: serde_json::Value = api
        .get(app.url(&format!("/api/v1/quotes/{id}/versions/1")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(v1["priced"]["total_ttc"], "4400.00", "the first version stays as it was");
    let r = api
        .post(app.url(&format!("/api/v1/quote-links/{old_link}/accept")))
        .json(&serde_json::json!({"name": "X"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404, "the old link no longer works");
    let c = app.logged_in(&f.coordinator).await;
    let html = app.get(&c, &format!("/devis/{id}/versions/1")).await.text().await.unwrap();
    assert!(html.contains("Vous lisez la version 1"));
    let pdf = app.get(&c, &format!("/devis/{id}/versions/1/pdf")).await.bytes().await.unwrap();
    assert!(pdf_text(&pdf).contains("4 400,00 €"));
}

async fn bad_quotes_and_bad_answers_are_refused(b: Backend) {
    let app = TestApp::spawn(b).await;
    let f = seed_org(&app.db, "Org").await;
    let s = setup(&app, f.org_id).await;
    let token = app.token_for(&f.coordinator).await;
    let api = app.api();
    let base = serde_json::json!({"client_id": s.client, "participants": 10, "structures": 1, "items": [{"module_id": s.modules[0]}]});
    let cases = [
        ("items", serde_json::json!({"items": [{"module_id": s.modules[0], "quantity": "-1"}]}), "items.0.quantity"),
        (
            "items",
            serde_json::json!({"items": [{"module_id": s.modules[0], "discount_amount": "99999"}]}),
            "items.0.discount_amount",
        ),
        ("items", serde_json::json!({"items": [{"module_id": 999999}]}), "items"),
        (
            "funding",
            serde_json::json!({"funding": {"opco_name": "Akto", "mode": "amount", "amount": "999999"}}),
            "funding.amount",
        ),
        ("participants", serde_json::json!({"participants": 0}), "participants"),
        ("client_id", serde_json::json!({"client_id": 999999}), "client_id"),
    ];
    for (_, patch, field) in cases {
        let mut body = base.clone();
        for (k, v) in patch.as_object().unwrap() {
            body[k] = v.clone();
        }
        let r = api.post(app.url("/api/v1/quotes")).bearer_auth(&token).json(&body).send().await.unwrap();
        assert_eq!(r.status(), 422, "{patch}");
        let e: serde_json::Value = r.json().await.unwrap();
        assert!(e["fields"].as_array().unwrap().iter().any(|x| x["field"] == field), "{field}: {e}");
    }
    let (list, total) = acunum::quote::store::list(
        &app.db,
        f.org_id,
        &acunum::web::list::Listing::new(&Default::default(), &acunum::quote::store::SORT),
        &Default::default(),
    )
    .await
    .unwrap();
    assert_eq!((list.len(), total), (0, 0), "nothing was saved");
    // An expired quote cannot be accepted; a refused one neither; a forged link opens nothing.
    let q: serde_json::Value =
        api.post(app.url("/api/v1/quotes")).bearer_auth(&token).json(&base).send().await.unwrap().json().await.unwrap();
    let id = q["id"].as_i64().unwrap();
    let sent: serde_json::Value = api
        .post(app.url(&format!("/api/v1/quotes/{id}/send")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let link = sent["client_link"].as_str().unwrap().rsplit('/').next().unwrap().to_string();
    sqlx::query("UPDATE quotes SET valid_until = '2020-01-01' WHERE id = $1")
        .bind(id)
        .execute(&app.db.pool)
        .await
        .unwrap();
    let r = api
        .post(app.url(&format!("/api/v1/quote-links/{link}/accept")))
        .json(&serde_json::json!({"name": "X"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 409);
    assert!(r.json::<serde_json::Value>().await.unwrap()["message"].as_str().unwrap().contains("expiré"));
    let q2: serde_json::Value =
        api.post(app.url("/api/v1/quotes")).bearer_auth(&token).json(&base).send().await.unwrap().json().await.unwrap();
    let id2 = q2["id"].as_i64().unwrap();
    let sent2: serde_json::Value = api
        .post(app.url(&format!("/api/v1/quotes/{id2}/send")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let link2 = sent2["client_link"].as_str().unwrap().rsplit('/').next().unwrap().to_string();
    assert_eq!(
        api.post(app.url(&format!("/api/v1/quote-links/{link2}/refuse")))
            .json(&serde_json::json!({"name": "X"}))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    assert_eq!(
        api.post(app.url(&format!("/api/v1/quote-links/{link2}/accept")))
            .json(&serde_json::json!({"name": "X"}))
            .send()
            .await
            .unwrap()
            .status(),
        409
    );
    assert_eq!(
        api.post(app.url("/api/v1/quote-links/forge/accept"))
            .json(&serde_json::json!({"name": "X"}))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
    assert_eq!(app.get(&app.client(), "/acces-devis/forge").await.status(), 404);
    // A refused quote has no convention.
    assert_eq!(
        api.get(app.url(&format!("/api/v1/quotes/{id2}/convention")))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .status(),
        409
    );
}

async fn the_programme_sheet_is_a_pdf_with_every_mention(b: Backend) {
    let app = TestApp::spawn(b).await;
    let f = seed_org(&app.db, "Org").await;
    let module = acunum::catalogue::store::list(&app.db, f.org_id, false).await.unwrap().remove(2);
    let r = app.get(&app.client(), &format!("/programme/{}/{}/pdf", f.slug, module.id)).await;
    assert_eq!(r.status(), 200);
    let text = pdf_text(&r.bytes().await.unwrap());
    for needle in [
        "Formation aux usages numériques",
        "Objectifs",
        "Public",
        "Prérequis",
        "Effectif",
        "Durée",
        "Modalités et délais d'accès",
        "Tarif",
        "Méthodes mobilisées",
        "Modalités d'évaluation",
        "Accessibilité aux personnes handicapées",
        "Contacts",
        "Programme détaillé",
        "24 heures réparties sur 6 demi-journées",
        "Demi-journée 6",
        "Thèmes au choix du comité de pilotage",
        "550,00 €",
        "Exonération de TVA – art. 261-4-4° a du CGI",
        "ne vaut pas agrément de l'État",
        "page 1 sur",
    ] {
        assert!(text.contains(needle), "programme PDF lacks {needle}:\n{text}");
    }
}

async fn quotes_are_listed_and_exported(b: Backend) {
    let app = TestApp::spawn(b).await;
    let f = seed_org(&app.db, "Org").await;
    let s = setup(&app, f.org_id).await;
    let token = app.token_for(&f.coordinator).await;
    let api = app.api();
    for n in [5, 10] {
        api.post(app.url("/api/v1/quotes")).bearer_auth(&token)
            .json(&serde_json::json!({"client_id": s.client, "participants": n, "structures": 1, "items": [{"module_id": s.modules[1]}]}))
            .send().await.unwrap();
    }
    let c = app.logged_in(&f.coordinator).await;
    let html = app.get(&c, "/devis?status=draft").await.text().await.unwrap();
    assert!(html.contains("2 résultats") && html.contains("Brouillon"));
    assert!(app.get(&c, "/devis?status=accepted").await.text().await.unwrap().contains("Aucun devis."));
    let csv = app.get(&c, "/devis.csv").await.bytes().await.unwrap();
    assert!(csv.starts_with(b"\xEF\xBB\xBFNum\xC3\xA9ro;Version;Client"));
    let list: serde_json::Value = api
        .get(app.url("/api/v1/quotes?status=draft&sort=amount"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list["total"], 2);
}
