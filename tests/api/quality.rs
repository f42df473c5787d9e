//! Surveys, the complaints register, the indicators and the BPF, from a culture training given in
//! October 2026 (in the past, so that its surveys go out now).

use crate::both_databases;
use crate::cycles::{Prepared, enrol_ten, prepare};
use crate::helpers::{Backend, TestApp, extract, seed_org};
use crate::isolation::SIGNATURE;

both_databases!(
    surveys_go_out_and_come_back_as_results,
    complaints_are_registered_and_followed,
    indicators_and_the_bpf_come_from_attendance_and_quotes
);

/// Plans the culture training from Monday 5 October 2026 and marks its 8 half-days: everyone
/// present, except `absent` on the morning of the second day. Returns the sessions.
pub async fn run_culture_training(app: &TestApp, p: &Prepared, org: i64, absent_email: &str) -> Vec<i64> {
    let api = app.api();
    let r = api.post(app.url(&format!("/api/v1/cycles/{}/modules/{}/plan", p.cycle, p.culture))).bearer_auth(&p.token)
        .json(&serde_json::json!({"start_date": "2026-10-05", "start_time": "09:00:00", "room_id": p.training_room, "intervenant_id": p.intervenant}))
        .send().await.unwrap();
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    let sessions: Vec<i64> = acunum::cycle::store::sessions(&app.db, org, p.cycle)
        .await
        .unwrap()
        .into_iter()
        .filter(|s| s.cycle_module_id == p.culture)
        .map(|s| s.id)
        .collect();
    let people = acunum::cycle::store::participants(&app.db, org, p.cycle).await.unwrap();
    for (day, sid) in sessions.iter().enumerate() {
        let halves: Vec<serde_json::Value> = api
            .get(app.url(&format!("/api/v1/cycles/{}/sessions/{sid}/attendance", p.cycle)))
            .bearer_auth(&p.token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        for h in halves {
            let base = format!("/api/v1/cycles/{}/sessions/{sid}/attendance/{}", p.cycle, h["id"]);
            // Noted during the half-day, closed after it.
            app.during_half(h["id"].as_i64().unwrap(), 60).await;
            for x in &people {
                let status =
                    if day == 1 && h["part"] == "morning" && x.email == absent_email { "absent" } else { "present" };
                let r = api
                    .post(app.url(&format!("{base}/marks")))
                    .bearer_auth(&p.token)
                    .json(&serde_json::json!({"participant_id": x.id, "status": status}))
                    .send()
                    .await
                    .unwrap();
                assert_eq!(r.status(), 201);
            }
            app.after_half(h["id"].as_i64().unwrap(), 60).await;
            let r = api
                .post(app.url(&format!("{base}/lock")))
                .bearer_auth(&p.token)
                .json(&serde_json::json!({"trainer_name": "Camille Durand", "signature": SIGNATURE}))
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 204);
        }
    }
    sessions
}

fn link_in(mail: &str) -> String {
    extract(mail, r"/enquete/([A-Za-z0-9_-]+)").expect("a survey link")
}

async fn surveys_go_out_and_come_back_as_results(b: Backend) {
    let app = TestApp::spawn(b).await;
    let f = seed_org(&app.db, "Org").await;
    let p = prepare(&app, f.org_id, &f.coordinator).await;
    enrol_ten(&app, &p).await;
    run_culture_training(&app, &p, f.org_id, "personne4@exemple.fr").await;
    let api = app.api();
    // The coordinator edits the « à chaud » questionnaire: three questions, answers with names.
    let r = api
        .put(app.url("/api/v1/surveys/questionnaires/participant_hot"))
        .bearer_auth(&p.token)
        .json(&serde_json::json!({"anonymous": false, "questions": [
            {"label": "Globalement, êtes-vous satisfait·e ?", "kind": "scale", "required": true},
            {"label": "La recommanderiez-vous ?", "kind": "yes_no", "required": true},
            {"label": "Un mot ?", "kind": "text"}]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let bad = api
        .put(app.url("/api/v1/surveys/questionnaires/participant_cold"))
        .bearer_auth(&p.token)
        .json(&serde_json::json!({"cold_weeks": 0, "questions": [{"label": "", "kind": "scale"}]}))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 422);
    let e: serde_json::Value = bad.json().await.unwrap();
    let fields: Vec<&str> = e["fields"].as_array().unwrap().iter().map(|x| x["field"].as_str().unwrap()).collect();
    assert!(fields.contains(&"cold_weeks") && fields.contains(&"label_0"), "{e}");

    // Sending « à chaud »: the ten, and the client's contact; the intervenant has no address.
    let send = |kind: &'static str| {
        api.post(app.url(&format!("/api/v1/cycles/{}/modules/{}/surveys/{kind}", p.cycle, p.culture)))
            .bearer_auth(&p.token)
            .send()
    };
    let sent: serde_json::Value = send("hot").await.unwrap().json().await.unwrap();
    assert_eq!(sent["invited"], 11, "{sent}");
    assert_eq!(sent["without_email"], serde_json::json!(["Camille Durand"]));
    let again: serde_json::Value = send("hot").await.unwrap().json().await.unwrap();
    assert_eq!(again["invited"], 0, "nobody is invited twice");
    app.run_jobs().await;
    let mails = app.mails.lock().unwrap().clone();
    assert_eq!(mails.len(), 11);
    let to = |who: &str| mails.iter().find(|m| m.contains(who)).unwrap_or_else(|| panic!("a mail to {who}")).clone();
    let t0 = link_in(&to("personne0@exemple.fr"));
    let t1 = link_in(&to("personne1@exemple.fr"));
    let client = link_in(&to("marie.lenoir@confolentais.test"));

    // Through the page: the questions, a missing answer, then the answers.
    let phone = app.client();
    let html = app.get(&phone, &format!("/enquete/{t0}")).await.text().await.unwrap();
    assert!(html.contains("Globalement, êtes-vous satisfait·e ?") && html.contains("Très satisfait·e"), "{html}");
    let r = app.post_form(&phone, &format!("/enquete/{t0}"), &[("q1", "5")]).await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("Répondez à cette question."));
    let r =
        app.post_form(&phone, &format!("/enquete/{t0}"), &[("q1", "5"), ("q2", "oui"), ("q3", "Très concret")]).await;
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().contains("vos réponses sont enregistrées"));
    let r = app.post_form(&phone, &format!("/enquete/{t0}"), &[("q1", "1"), ("q2", "non")]).await;
    assert_eq!(r.status(), 422, "once");
    assert!(r.text().await.unwrap().contains("déjà répondu"));
    // Through the API.
    let form: serde_json::Value =
        api.get(app.url(&format!("/api/v1/surveys/{t1}"))).send().await.unwrap().json().await.unwrap();
    assert_eq!(form["questions"].as_array().unwrap().len(), 3);
    let r = api
        .post(app.url(&format!("/api/v1/surveys/{t1}")))
        .json(&serde_json::json!({"answers": {"q1": 9, "q2": true}}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let r = api
        .post(app.url(&format!("/api/v1/surveys/{t1}")))
        .json(&serde_json::json!({"answers": {"q1": 4, "q2": false, "q3": "Un peu rapide"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    assert_eq!(api.get(app.url("/api/v1/surveys/forged")).send().await.unwrap().status(), 404);
    // The client's contact answers the default questionnaire, anonymously.
    let r = api
        .post(app.url(&format!("/api/v1/surveys/{client}")))
        .json(&serde_json::json!({"answers": {"q1": 3, "q2": 4, "q4": "Des équipes plus à l'aise"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    // Whoever has not answered finds the survey on their page.
    let person2 = acunum::cycle::store::participants(&app.db, f.org_id, p.cycle)
        .await
        .unwrap()
        .into_iter()
        .find(|x| x.email == "personne2@exemple.fr")
        .unwrap();
    let page = app.get(&phone, &format!("/p/{}", person2.calendar_token)).await.text().await.unwrap();
    assert!(page.contains("Donner mon avis"), "{page}");

    // Results.
    let res: Vec<serde_json::Value> = api
        .get(app.url(&format!("/api/v1/cycles/{}/modules/{}/surveys", p.cycle, p.culture)))
        .bearer_auth(&p.token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let participants = res.iter().find(|g| g["audience"] == "participant_hot").unwrap();
    assert_eq!((participants["invited"].as_i64(), participants["answered"].as_i64()), (Some(10), Some(2)));
    assert_eq!(participants["questions"][0]["average"], 4.5);
    assert_eq!(participants["questions"][1]["yes"], 1);
    let comments = participants["questions"][2]["comments"].as_array().unwrap();
    assert!(
        comments.iter().any(|c| c["respondent"] == "Personne0 Test" && c["text"] == "Très concret"),
        "{comments:?}"
    );
    let client_group = res.iter().find(|g| g["audience"] == "client").unwrap();
    assert!(client_group["questions"][3]["comments"][0]["respondent"].is_null(), "anonymous: {client_group}");
    let c = app.logged_in(&f.coordinator).await;
    let html = app.get(&c, &format!("/cycles/{}/modules/{}/enquetes", p.cycle, p.culture)).await.text().await.unwrap();
    assert!(html.contains("4,5") && html.contains("Très concret") && html.contains("2 réponses sur 10"), "{html}");

    // « À froid », one week after the training, which ended in October: the e-mails go now.
    let r = api
        .put(app.url("/api/v1/surveys/questionnaires/participant_cold"))
        .bearer_auth(&p.token)
        .json(&serde_json::json!({"cold_weeks": 1, "questions": [{"label": "Avec le recul ?", "kind": "scale", "required": true}]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let sent: serde_json::Value = send("cold").await.unwrap().json().await.unwrap();
    assert_eq!(sent["invited"], 11);
    app.run_jobs().await;
    assert_eq!(app.mails.lock().unwrap().len(), 22);
    // The year's page: the chart and the module.
    let html = app.get(&c, "/enquetes?annee=2026").await.text().await.unwrap();
    assert!(html.contains("<svg class=\"chart\"") && html.contains("Formation aux cultures numériques"), "{html}");
    // The editor refuses an empty questionnaire, in French, and keeps the old one.
    let r = app.post_form(&c, "/enquetes/questionnaires/intervenant", &[("label_0", ""), ("kind_0", "scale")]).await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("au moins une question"));
    let r = app
        .post_form(
            &c,
            "/enquetes/questionnaires/intervenant",
            &[("label_0", "Le groupe était-il prêt ?"), ("kind_0", "scale"), ("required_0", "on")],
        )
        .await;
    assert!(r.status().is_redirection());
    let q =
        acunum::survey::store::questionnaire(&app.db, f.org_id, acunum::survey::Audience::Intervenant).await.unwrap();
    assert_eq!(q.questions.len(), 1);
    assert!(!q.anonymous, "the box was not ticked");
}

async fn complaints_are_registered_and_followed(b: Backend) {
    let app = TestApp::spawn(b).await;
    let f = seed_org(&app.db, "Org").await;
    let other = seed_org(&app.db, "Autre").await;
    let p = prepare(&app, f.org_id, &f.coordinator).await;
    let api = app.api();
    let r = api
        .post(app.url("/api/v1/complaints"))
        .bearer_auth(&p.token)
        .json(&serde_json::json!({"author": "", "channel": "pigeon"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let e: serde_json::Value = r.json().await.unwrap();
    let fields: Vec<&str> = e["fields"].as_array().unwrap().iter().map(|x| x["field"].as_str().unwrap()).collect();
    for k in ["received_at", "author", "channel", "subject", "description"] {
        assert!(fields.contains(&k), "{k}: {e}");
    }
    let r = api
        .post(app.url("/api/v1/complaints"))
        .bearer_auth(&p.token)
        .json(&serde_json::json!({"received_at": "2026-11-03", "author": "Mme Roux, Mairie de Confolens", "channel": "email",
            "subject": "Salle trop petite", "description": "Dix personnes pour huit postes.", "cycle_id": p.cycle}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let created: serde_json::Value = r.json().await.unwrap();
    let id = created["id"].as_i64().unwrap();
    assert_eq!(
        (created["status"].as_str(), created["cycle_title"].as_str()),
        (Some("received"), Some("Cycle ACUNUM du Confolentais"))
    );
    // Closing needs the actions.
    let mut body = serde_json::json!({"received_at": "2026-11-03", "author": "Mme Roux, Mairie de Confolens", "channel": "email",
        "subject": "Salle trop petite", "description": "Dix personnes pour huit postes.", "cycle_id": p.cycle, "status": "closed", "closed_at": "2026-11-10"});
    let r =
        api.put(app.url(&format!("/api/v1/complaints/{id}"))).bearer_auth(&p.token).json(&body).send().await.unwrap();
    assert_eq!(r.status(), 422);
    body["actions"] = "Salle informatique de la médiathèque réservée pour la suite.".into();
    let r =
        api.put(app.url(&format!("/api/v1/complaints/{id}"))).bearer_auth(&p.token).json(&body).send().await.unwrap();
    assert_eq!(r.status(), 200);
    // Another organisation's cycle cannot be named.
    let other_cycle = prepare(&app, other.org_id, &other.coordinator).await.cycle;
    body["cycle_id"] = other_cycle.into();
    let r =
        api.put(app.url(&format!("/api/v1/complaints/{id}"))).bearer_auth(&p.token).json(&body).send().await.unwrap();
    assert_eq!(r.status(), 422);
    // Through the pages.
    let c = app.logged_in(&f.coordinator).await;
    let r = app
        .post_form(
            &c,
            "/reclamations/nouvelle",
            &[
                ("received_at", "2026-11-20"),
                ("author", "M. Petit"),
                ("channel", "phone"),
                ("subject", "Convocation reçue tard"),
                ("description", "La veille au soir."),
                ("cycle_id", ""),
                ("status", "received"),
            ],
        )
        .await;
    assert!(r.status().is_redirection(), "{}", r.status());
    let r = app.post_form(&c, "/reclamations/nouvelle", &[("received_at", "31/02/2026"), ("author", "X")]).await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("pas valide (jj/mm/aaaa)"));
    let html = app.get(&c, "/reclamations").await.text().await.unwrap();
    assert!(
        html.contains("Salle trop petite")
            && html.contains("Traitée et close")
            && html.contains("Convocation reçue tard"),
        "{html}"
    );
    let html = app.get(&c, "/reclamations?etat=received").await.text().await.unwrap();
    assert!(!html.contains("Salle trop petite") && html.contains("Convocation reçue tard"));
    let ind: serde_json::Value = api
        .get(app.url("/api/v1/indicators?year=2026"))
        .bearer_auth(&p.token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!((ind["complaints"].as_i64(), ind["complaints_closed"].as_i64()), (Some(2), Some(1)));
}

async fn indicators_and_the_bpf_come_from_attendance_and_quotes(b: Backend) {
    let app = TestApp::spawn(b).await;
    let f = seed_org(&app.db, "Org").await;
    let p = prepare(&app, f.org_id, &f.coordinator).await;
    enrol_ten(&app, &p).await;
    run_culture_training(&app, &p, f.org_id, "personne4@exemple.fr").await;
    let api = app.api();
    // A quote of the culture training, half paid by the OPCO, accepted this year (2026).
    let client = acunum::cycle::store::get(&app.db, f.org_id, p.cycle).await.unwrap().client_id;
    let module = acunum::catalogue::store::list(&app.db, f.org_id, false)
        .await
        .unwrap()
        .into_iter()
        .find(|m| m.kind == acunum::catalogue::ModuleKind::CultureTraining)
        .unwrap();
    let q: serde_json::Value = api
        .post(app.url("/api/v1/quotes"))
        .bearer_auth(&p.token)
        .json(&serde_json::json!({"client_id": client, "title": "Formation", "items": [{"module_id": module.id}],
            "start_date": "2026-10-05", "end_date": "2026-10-09",
            "funding": {"opco_name": "OPCO EP", "mode": "amount", "amount": "1000", "subrogation": true}}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = q["id"].as_i64().unwrap();
    let total: rust_decimal::Decimal = q["total_ht"].as_str().unwrap().parse().unwrap();
    let sent: serde_json::Value = api
        .post(app.url(&format!("/api/v1/quotes/{id}/send")))
        .bearer_auth(&p.token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let link = sent["client_link"].as_str().unwrap().rsplit('/').next().unwrap().to_string();
    let r = api
        .post(app.url(&format!("/api/v1/quote-links/{link}/accept")))
        .json(&serde_json::json!({"name": "Marie Lenoir"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);

    // Indicators: 10 trainees; 9 × 28 h + 24 h 30 followed out of 10 × 28 h; all completed (24 h 30 ≥ 80 %).
    let ind: serde_json::Value = api
        .get(app.url("/api/v1/indicators?year=2026"))
        .bearer_auth(&p.token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(ind["trainees"], 10);
    let rate = ind["attendance_rate"].as_f64().unwrap();
    assert!((rate - (9.0 * 1680.0 + 1470.0) * 100.0 / 16800.0).abs() < 1e-9, "{rate}");
    assert_eq!(ind["completion_rate"], 100.0);
    assert_eq!(ind["modules"].as_array().unwrap().len(), 1);
    let empty: serde_json::Value = api
        .get(app.url("/api/v1/indicators?year=2025"))
        .bearer_auth(&p.token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(empty["trainees"], 0);

    // The public page is off until the coordinator publishes it.
    let slug = acunum::org::store::get(&app.db, f.org_id).await.unwrap().slug;
    let visitor = app.client();
    assert_eq!(app.get(&visitor, &format!("/organismes/{slug}/indicateurs?annee=2026")).await.status(), 404);
    let c = app.logged_in(&f.coordinator).await;
    let html = app.get(&c, "/indicateurs?annee=2026").await.text().await.unwrap();
    assert!(html.contains("99 %") && html.contains("100 %"), "{html}");
    let r = app.post_form(&c, "/indicateurs/publication", &[("public", "on")]).await;
    assert!(r.status().is_redirection());
    let html = app.get(&visitor, &format!("/organismes/{slug}/indicateurs?annee=2026")).await.text().await.unwrap();
    assert!(html.contains("99 %") && html.contains("Formation aux cultures numériques"), "{html}");
    assert!(!html.contains("Personne4"), "no names on the public page");

    // The BPF counts what is invoiced, not what is accepted: nothing yet, and it says so.
    let bpf: serde_json::Value =
        api.get(app.url("/api/v1/bpf?year=2026")).bearer_auth(&p.token).send().await.unwrap().json().await.unwrap();
    let line = |bpf: &serde_json::Value, code: &str, label: &str, field: &str| -> String {
        bpf["lines"]
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["code"] == code && l["label"].as_str().unwrap().contains(label))
            .unwrap_or_else(|| panic!("{code} {label}: {bpf}"))[field]
            .as_str()
            .unwrap()
            .replace(['\u{a0}', '\u{202f}'], " ")
    };
    assert_eq!(line(&bpf, "C-total", "Total", "amount"), "0.00");
    assert!(
        bpf["missing"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["message"].as_str().unwrap().contains("sans aucune facture"))
    );
    // After the training: the client's invoice and the OPCO's (subrogation), then a credit note of 100 €.
    app.set_now(chrono::DateTime::parse_from_rfc3339("2026-11-20T10:00:00+01:00").unwrap().timestamp());
    let mut invoices = Vec::new();
    for kind in ["final", "opco"] {
        let r = api
            .post(app.url(&format!("/api/v1/quotes/{id}/invoices")))
            .bearer_auth(&p.token)
            .json(&serde_json::json!({"kind": kind}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
        invoices.push(r.json::<serde_json::Value>().await.unwrap());
    }
    let r = api
        .post(app.url(&format!("/api/v1/invoices/{}/credit-notes", invoices[0]["id"])))
        .bearer_auth(&p.token)
        .json(&serde_json::json!({"amount": "100", "reason": "Une demi-journée non tenue"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    // The client is a collectivité, so its people are public agents (F-1 e), its money C-3; the OPCO's
    // share is C-2; the credit note is deducted; each line carries its figure as a decimal string.
    let bpf: serde_json::Value =
        api.get(app.url("/api/v1/bpf?year=2026")).bearer_auth(&p.token).send().await.unwrap().json().await.unwrap();
    let value = |code: &str, label: &str| line(&bpf, code, label, "value");
    assert_eq!(line(&bpf, "C-2", "OPCO", "amount"), "1000.00");
    assert_eq!(line(&bpf, "C-total", "Total", "amount"), (total - rust_decimal::Decimal::from(100)).to_string());
    assert_eq!(line(&bpf, "F-1 e", "heures", "amount"), "276.5");
    assert!(
        !bpf["missing"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["message"].as_str().unwrap().contains("sans aucune facture"))
    );
    let next: serde_json::Value =
        api.get(app.url("/api/v1/bpf?year=2027")).bearer_auth(&p.token).send().await.unwrap().json().await.unwrap();
    assert_eq!(line(&next, "C-total", "Total", "amount"), "0.00", "nothing invoiced in 2027");
    assert_eq!(value("F-1 e", "nombre"), "10");
    assert_eq!(value("F-1 e", "heures"), "276,5");
    assert_eq!(value("F-1 a", "nombre"), "0");
    let euros = |d: rust_decimal::Decimal| acunum::money::euros(d).replace(['\u{a0}', '\u{202f}'], " ");
    assert_eq!(value("C-2", "OPCO"), "1 000,00 €");
    assert_eq!(value("C-3", "pouvoirs publics"), euros(total - rust_decimal::Decimal::from(1000 + 100)));
    assert!(bpf["missing"].as_array().unwrap().iter().any(|m| m["message"].as_str().unwrap().contains("comptabilité")));
    let csv = app.get(&c, "/bpf.csv?annee=2026").await;
    assert!(csv.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
    let text = csv.text().await.unwrap();
    assert!(text.contains("\"F-1 e\";\"Autres stagiaires (agents publics) — heures-stagiaires\";\"276,5\""), "{text}");
    let html = app.get(&c, "/bpf?annee=2026").await.text().await.unwrap();
    assert!(html.contains("À compléter") && html.contains("276,5"), "{html}");
    // An open sheet shows in what is missing.
    sqlx::query("UPDATE half_days SET status = 'open' WHERE id = (SELECT MIN(id) FROM half_days)")
        .execute(&app.db.pool)
        .await
        .unwrap();
    let bpf: serde_json::Value =
        api.get(app.url("/api/v1/bpf?year=2026")).bearer_auth(&p.token).send().await.unwrap().json().await.unwrap();
    assert!(
        bpf["missing"].as_array().unwrap().iter().any(|m| m["message"].as_str().unwrap().contains("non close")),
        "{bpf}"
    );
}
