//! Positioning before the culture training and assessment after it: sent to the group, answered
//! on the participant's page and through the API (once, in time, one's own only), the group's
//! profile with the adaptations decided, the results printed on the attestation, the evidence for
//! indicators 8 and 11, the questionnaire edited in the catalogue.

use crate::attendance::plan_culture;
use crate::both_databases;
use crate::cycles::{enrol_ten, prepare};
use crate::helpers::{Backend, TestApp, extract, seed_org};
use crate::quotes::pdf_text;
use crate::records::{at, hold};

both_databases!(
    positioning_then_assessment_from_the_group_to_the_attestation,
    the_questionnaire_is_edited_in_the_catalogue_and_versioned,
    the_demos_past_cycle_shows_positioning_and_results
);

/// Every right answer of the default culture questionnaire, with self-assessments at `level`.
fn answers(level: u8) -> serde_json::Value {
    serde_json::json!({"q1": level, "q2": level, "q3": 1, "q4": level, "q5": [0, 1, 2], "q6": level, "q7": 1, "q8": level,
        "q9": "Une veille partagée"})
}

async fn positioning_then_assessment_from_the_group_to_the_attestation(b: Backend) {
    let app = TestApp::spawn(b).await;
    let f = seed_org(&app.db, "Org").await;
    let p = prepare(&app, f.org_id, &f.coordinator).await;
    enrol_ten(&app, &p).await;
    let sessions = plan_culture(&app, &p).await;
    let api = app.api();
    let base = format!("/api/v1/cycles/{}/modules/{}/assessments", p.cycle, p.culture);
    // A week before the first day (Monday 11 January 2027, 9:00).
    app.set_now(at("2027-01-04T10:00:00+01:00"));
    let r = api.post(app.url(&format!("{base}/positioning"))).bearer_auth(&p.token).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let sent: serde_json::Value = r.json().await.unwrap();
    assert_eq!(sent["sent"], 10, "{sent}");
    let again: serde_json::Value = api
        .post(app.url(&format!("{base}/positioning")))
        .bearer_auth(&p.token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(again["sent"], 0, "nobody receives it twice");
    // The final assessment opens at the end of the last session: its answers wait until then.
    app.run_jobs().await;
    // Long lines come folded (quoted-printable): unfold them to read the links.
    let mails: Vec<String> = app
        .mails
        .lock()
        .unwrap()
        .iter()
        .map(|m| m.replace("=\r\n", "").replace("=\n", "").replace("=3D", "="))
        .collect();
    let to = |who: &str| mails.iter().find(|m| m.contains(who)).unwrap_or_else(|| panic!("a mail to {who}")).clone();
    let link =
        |who: &str| extract(&to(who), r"(/p/[A-Za-z0-9_-]+/questionnaires/[0-9]+)").expect("a questionnaire link");
    assert!(to("personne0@exemple.fr").contains("Avant la formation : votre positionnement"));
    let l0 = link("personne0@exemple.fr");
    let l1 = link("personne1@exemple.fr");
    let (page0, id0) = l0.rsplit_once("/questionnaires/").unwrap();
    let id1 = l1.rsplit_once("/questionnaires/").unwrap().1;

    // On the phone: the participant's page leads to it; a missing answer keeps what was chosen.
    let phone = app.client();
    let home = app.get(&phone, page0).await.text().await.unwrap();
    assert!(home.contains("Positionnement — Formation aux cultures numériques") && home.contains(&l0), "{home}");
    let form = app.get(&phone, &l0).await.text().await.unwrap();
    assert!(form.contains("où vient une information lue en ligne") && form.contains("Je ne sais pas faire"));
    let r = app
        .post_form(&phone, &l0, &[("q1", "2"), ("q5", "0"), ("q5", "2"), ("expectations", "Comprendre les réseaux")])
        .await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains("Répondez à cette question."), "{html}");
    assert!(html.contains("id=\"q1-2\" name=\"q1\" value=\"2\" checked"), "the choice is kept");
    assert!(html.contains("id=\"q5-2\" name=\"q5\" value=\"2\" checked") && html.contains("Comprendre les réseaux"));
    // Someone else's questionnaire is not found from this page.
    let r = app.post_form(&phone, &format!("{page0}/questionnaires/{id1}"), &[("q1", "1")]).await;
    assert_eq!(r.status(), 404);
    let low = [
        ("q1", "1"),
        ("q2", "2"),
        ("q3", "0"),
        ("q4", "1"),
        ("q5", "0"),
        ("q6", "1"),
        ("q7", "0"),
        ("q8", "2"),
        ("expectations", "Comprendre les réseaux"),
        ("needs", "Malentendante : être placée devant."),
    ];
    let r = app.post_form(&phone, &l0, &low).await;
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
    let r = app.post_form(&phone, &l0, &low).await;
    assert_eq!(r.status(), 422, "once");
    assert!(r.text().await.unwrap().contains("déjà répondu"));
    // Through the API: a wrong value is a structured error; someone else's is not found.
    let (t1, _) = l1.trim_start_matches("/p/").split_once('/').unwrap();
    let answer = |token: &str, id: &str, body: serde_json::Value| {
        api.post(app.url(&format!("/api/v1/participants/{token}/assessments/{id}"))).json(&body).send()
    };
    let r = answer(t1, id1, serde_json::json!({"answers": {"q1": 9}})).await.unwrap();
    assert_eq!(r.status(), 422);
    let e: serde_json::Value = r.json().await.unwrap();
    assert!(e["fields"].as_array().unwrap().iter().any(|x| x["field"] == "q1"), "{e}");
    assert_eq!(answer(t1, id0, serde_json::json!({"answers": answers(2)})).await.unwrap().status(), 404);
    let r =
        answer(t1, id1, serde_json::json!({"answers": answers(2), "expectations": "Animer une veille"})).await.unwrap();
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    assert_eq!(answer(t1, id1, serde_json::json!({"answers": answers(2)})).await.unwrap().status(), 409);
    let mine: Vec<serde_json::Value> =
        api.get(app.url(&format!("/api/v1/participants/{t1}/assessments"))).send().await.unwrap().json().await.unwrap();
    assert_eq!(mine.len(), 1);
    assert!(mine[0]["answered_at"].is_i64());
    assert!(mine[0]["questions"][2]["correct"].is_null(), "a participant is not told the right answers");
    assert_eq!(mine[0]["questions"][2]["choices"].as_array().unwrap().len(), 3);

    // The group's profile before day 1, for the intervenant and the coordination.
    let g: serde_json::Value =
        api.get(app.url(&base)).bearer_auth(&p.token).send().await.unwrap().json().await.unwrap();
    assert_eq!((g["phases"][0]["sent"].as_i64(), g["phases"][0]["answered"].as_i64()), (Some(10), Some(2)));
    // Objective 2 (information): personne0 at (1/3 + 0) / 2, personne1 at (1/3 + 1) / 2: 42 % on average.
    assert_eq!(g["by_objective"][1]["before"], 42, "{}", g["by_objective"]);
    assert!(g["by_objective"][1]["after"].is_null());
    assert!(g["by_structure"].as_array().unwrap().len() >= 2, "{}", g["by_structure"]);
    let coord = app.logged_in(&f.coordinator).await;
    let page = format!("/cycles/{}/modules/{}/positionnement", p.cycle, p.culture);
    let html = app.get(&coord, &page).await.text().await.unwrap();
    assert!(html.contains("<svg class=\"chart\"") && html.contains("Malentendante : être placée devant."), "{html}");
    assert!(html.contains("1 besoin particulier signalé"));
    // What is adapted is written down; an empty one is refused on the page, the page kept.
    let r = app
        .post_form(&coord, &format!("/cycles/{}/modules/{}/adaptations", p.cycle, p.culture), &[("text", "  ")])
        .await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("Positionnement et acquis"));
    let r = app
        .post_form(
            &coord,
            &format!("/cycles/{}/modules/{}/adaptations", p.cycle, p.culture),
            &[("text", "Jour 2 : réseaux sociaux repris pas à pas.")],
        )
        .await;
    assert_eq!(r.status(), 303);
    let r = api
        .post(app.url(&format!("/api/v1/cycles/{}/modules/{}/adaptations", p.cycle, p.culture)))
        .bearer_auth(&p.token)
        .json(&serde_json::json!({"text": "Support en gros caractères pour une personne."}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    // Reminders go to those who have not answered.
    let r: serde_json::Value = api
        .post(app.url(&format!("{base}/positioning/reminders")))
        .bearer_auth(&p.token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(r["reminded"], 8);

    // Once the training has begun, the positioning is closed.
    app.set_now(at("2027-01-11T09:30:00+01:00"));
    let (t2, id2) = {
        let l = link("personne2@exemple.fr");
        let (a, b) = l.trim_start_matches("/p/").split_once("/questionnaires/").unwrap();
        (a.to_string(), b.to_string())
    };
    let r = answer(&t2, &id2, serde_json::json!({"answers": answers(1)})).await.unwrap();
    assert_eq!(r.status(), 409);
    assert!(r.text().await.unwrap().contains("positionnement est clos"));
    assert_eq!(
        api.post(app.url(&format!("{base}/positioning"))).bearer_auth(&p.token).send().await.unwrap().status(),
        409
    );

    // The training is held; the final assessment opens at its end.
    hold(&app, f.org_id, &p, &sessions).await;
    app.set_now(at("2027-01-14T17:30:00+01:00"));
    let r: serde_json::Value =
        api.post(app.url(&format!("{base}/final"))).bearer_auth(&p.token).send().await.unwrap().json().await.unwrap();
    assert_eq!(r["sent"], 10);
    let mine: Vec<serde_json::Value> =
        api.get(app.url(&format!("/api/v1/participants/{t1}/assessments"))).send().await.unwrap().json().await.unwrap();
    let fin = mine.iter().find(|a| a["phase"] == "final").unwrap()["id"].to_string();
    // personne1: everything right, « je sais faire » everywhere: every objective reached.
    let r = answer(t1, &fin, serde_json::json!({"answers": answers(3)})).await.unwrap();
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    let g: serde_json::Value =
        api.get(app.url(&base)).bearer_auth(&p.token).send().await.unwrap().json().await.unwrap();
    let person = g["people"].as_array().unwrap().iter().find(|x| x["name"] == "Personne1 Test").unwrap();
    assert_eq!(person["results"], serde_json::json!(["reached", "reached", "reached", "reached", "reached"]));
    assert_eq!(person["after"][1], 83, "(2/3 + 1) / 2");
    assert_eq!(g["by_objective"][0]["reached"], 1);
    // The page shows the person's before and after.
    let who = g["people"].as_array().unwrap().iter().position(|x| x["name"] == "Personne1 Test").unwrap();
    let pid = g["people"][who]["participant_id"].as_i64().unwrap();
    let html = app
        .get(&coord, &format!("/cycles/{}/modules/{}/participants/{pid}/acquis", p.cycle, p.culture))
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("Avant la formation") && html.contains("En fin de formation") && html.contains("atteint"));

    // The attestation de fin de formation prints the objectives reached (read back with pdftotext).
    app.set_now(at("2027-01-18T11:00:00+01:00"));
    let r = api
        .get(app.url(&format!("/api/v1/cycles/{}/modules/{}/certificates/{pid}/attestation", p.cycle, p.culture)))
        .bearer_auth(&p.token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let text = pdf_text(&r.bytes().await.unwrap());
    assert!(text.contains("Objectifs atteints"), "{text}");
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(flat.contains("Questionner l'information à l'ère du numérique atteint"), "{flat}");
    assert_eq!(flat.matches(" atteint ").count(), 5, "{flat}");

    // The evidence for the auditor, and its CSV.
    let html =
        app.get(&coord, &format!("/cycles/{}/modules/{}/preuves", p.cycle, p.culture)).await.text().await.unwrap();
    assert!(
        html.contains("Indicateur 8") && html.contains("Adaptations décidées : 2") && html.contains("Jour 2 : réseaux")
    );
    // Erasing a person's data forgets their own words and keeps their scores.
    let zero = g["people"].as_array().unwrap().iter().find(|x| x["name"] == "Personne0 Test").unwrap();
    let zero = zero["participant_id"].as_i64().unwrap();
    acunum::privacy::store::erase_participant(&app.db, f.org_id, zero, false).await.unwrap();
    let kept = acunum::assessment::store::of_participant(&app.db, f.org_id, zero).await.unwrap();
    assert!(kept[0].needs.is_empty() && kept[0].expectations.is_empty());
    assert!(kept[0].answers.as_ref().unwrap().contains_key("q1"), "the scores stay");
    let csv = api.get(app.url(&format!("{base}/evidence.csv"))).bearer_auth(&p.token).send().await.unwrap();
    assert_eq!(csv.status(), 200);
    let body = csv.text().await.unwrap();
    assert_eq!(body.lines().count(), 1 + 10 * 5, "a row per person and objective");
    assert!(body.contains("Personne1 Test;") && body.contains(";atteint;"), "{body}");
}

async fn the_questionnaire_is_edited_in_the_catalogue_and_versioned(b: Backend) {
    let app = TestApp::spawn(b).await;
    let f = seed_org(&app.db, "Org").await;
    let token = app.token_for(&f.coordinator).await;
    let modules = acunum::catalogue::store::seed_default(&app.db, f.org_id).await.unwrap();
    let culture = modules.iter().find(|m| m.kind == acunum::catalogue::ModuleKind::CultureTraining).unwrap();
    let api = app.api();
    let q: serde_json::Value = api
        .get(app.url(&format!("/api/v1/modules/{}/questionnaire", culture.id)))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(q["own"], false);
    assert_eq!(q["objectives"].as_array().unwrap().len(), 5);
    assert_eq!(q["questions"].as_array().unwrap().len(), 9);
    // On the page: a choice question without a right answer is refused, the rows kept.
    let c = app.logged_in(&f.coordinator).await;
    let path = format!("/catalogue/{}/questionnaire", culture.id);
    // Two questions on the second objective; `choices` are the single choice's answers.
    let rows = |choices: &'static str| {
        [
            ("label_0", "Je sais faire une veille."),
            ("kind_0", "self_scale"),
            ("objective_0", "2"),
            ("required_0", "on"),
            ("label_1", "Un flux RSS sert à…"),
            ("kind_1", "single"),
            ("objective_1", "2"),
            ("choices_1", choices),
        ]
    };
    let r = app.post_form(&c, &path, &rows("lire\nécrire")).await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains("Marquez la ou les bonnes réponses") && html.contains("Je sais faire une veille."), "{html}");
    let r = app.post_form(&c, &path, &rows("* lire les nouveautés\nécrire")).await;
    assert_eq!(r.status(), 303);
    let m: serde_json::Value = api
        .get(app.url(&format!("/api/v1/modules/{}", culture.id)))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(m["version"], culture.version + 1, "a new version of the module");
    let qs = m["content"]["questionnaire"].as_array().unwrap();
    assert_eq!(qs.len(), 2);
    assert_eq!((qs[1]["objective"].as_i64(), qs[1]["correct"].clone()), (Some(1), serde_json::json!([0])));
    // Editing the module's text keeps its questionnaire.
    let mut content = m["content"].clone();
    content["summary"] = "Nouvelle présentation".into();
    content.as_object_mut().unwrap().remove("questionnaire");
    let r = api
        .put(app.url(&format!("/api/v1/modules/{}", culture.id)))
        .bearer_auth(&token)
        .json(&content)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    let m: serde_json::Value = r.json().await.unwrap();
    assert_eq!(m["content"]["questionnaire"].as_array().unwrap().len(), 2);
    // An objective that a question assesses cannot be removed before the question.
    let mut fewer = m["content"].clone();
    fewer["objectives"] = "Comprendre pourquoi le numérique nous concerne".into();
    let r = api
        .put(app.url(&format!("/api/v1/modules/{}", culture.id)))
        .bearer_auth(&token)
        .json(&fewer)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let e: serde_json::Value = r.json().await.unwrap();
    assert_eq!(e["fields"][0]["field"], "objectives", "{e}");
    // A questionnaire given with the module is checked like the editor's: right answers that exist.
    let mut wrong = m["content"].clone();
    wrong["questionnaire"][1]["correct"] = serde_json::json!([5]);
    let r = api
        .put(app.url(&format!("/api/v1/modules/{}", culture.id)))
        .bearer_auth(&token)
        .json(&wrong)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    // Through the API: an objective that does not exist is refused.
    let r = api
        .put(app.url(&format!("/api/v1/modules/{}/questionnaire", culture.id)))
        .bearer_auth(&token)
        .json(&serde_json::json!({"questions": [{"id": "q1", "objective": 9, "kind": "self_scale", "label": "Je sais.", "required": true}]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    // An intervenant reads it but does not change it.
    let t = app.token_for(&f.intervenant).await;
    let r = api
        .put(app.url(&format!("/api/v1/modules/{}/questionnaire", culture.id)))
        .bearer_auth(&t)
        .json(&serde_json::json!({"questions": []}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
}

async fn the_demos_past_cycle_shows_positioning_and_results(b: Backend) {
    let app = TestApp::spawn(b).await;
    acunum::demo::load(&app.db).await.expect("demo");
    let org: i64 =
        sqlx::query_scalar("SELECT id FROM organisations ORDER BY id LIMIT 1").fetch_one(&app.db.pool).await.unwrap();
    let modules: Vec<i64> = sqlx::query_scalar("SELECT DISTINCT cycle_module_id FROM assessments WHERE org_id = $1")
        .bind(org)
        .fetch_all(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(modules.len(), 1, "the demo's past cycle has its positioning and results");
    let m = modules[0];
    let done = acunum::assessment::store::of_module(&app.db, org, m).await.unwrap();
    let answered = |phase| done.iter().filter(|a| a.phase == phase && a.answered_at.is_some()).count();
    assert!(answered(acunum::assessment::Phase::Positioning) >= 5);
    assert!(answered(acunum::assessment::Phase::Final) >= 5);
    assert!(done.iter().any(|a| !a.needs.is_empty()), "a particular need");
    assert_eq!(acunum::assessment::store::adaptations(&app.db, org, m).await.unwrap().len(), 1);
    // The attestations were issued with the results.
    let certs = acunum::attendance::store::certificates_of_module(&app.db, org, m).await.unwrap();
    let att = certs.iter().find(|x| x.kind == "attestation").expect("attestations");
    let content: serde_json::Value = serde_json::from_str(&att.content).unwrap();
    let results = content["results"].as_array().expect("results on the attestation");
    assert_eq!(results.len(), 5, "{content}");
    let words = ["atteint", "partiellement atteint", "non atteint", "non évalué"];
    assert!(results.iter().all(|r| words.contains(&r["result"].as_str().unwrap())), "{content}");
}
