//! Running a cycle: phase 1 end to end, conflicts, phases, conferences, convocations, calendars.

use std::io::BufReader;

use crate::both_databases;
use crate::helpers::{Backend, TestApp, location, seed_org};
use crate::quotes::setup;

both_databases!(
    phase_one_runs_end_to_end_through_the_api,
    conflicts_are_refused_or_warned,
    phases_explain_what_they_wait_for,
    conferences_take_public_registrations,
    a_down_mail_server_loses_nothing_and_reminders_go,
    a_coordinator_runs_a_cycle_through_the_pages,
    the_host_ticks_its_room_from_a_link
);

/// Parses an iCalendar file with an independent parser (the `ical` crate) and returns its events
/// as (summary, DTSTART value, DTSTART TZID).
pub fn parse_ics(text: &str) -> Vec<(String, String, String)> {
    let mut parser = ical::IcalParser::new(BufReader::new(text.as_bytes()));
    let cal = parser.next().expect("a calendar").expect("a valid calendar");
    assert!(!cal.timezones.is_empty(), "the calendar carries its VTIMEZONE");
    cal.events
        .iter()
        .map(|e| {
            let prop = |n: &str| {
                e.properties.iter().find(|p| p.name == n).cloned().unwrap_or_else(|| panic!("event without {n}"))
            };
            let start = prop("DTSTART");
            let tzid = start
                .params
                .unwrap_or_default()
                .into_iter()
                .find(|(k, _)| k == "TZID")
                .map(|(_, v)| v.join(","))
                .unwrap_or_default();
            (prop("SUMMARY").value.unwrap_or_default(), start.value.unwrap_or_default(), tzid)
        })
        .collect()
}

pub struct Prepared {
    pub cycle: i64,
    pub culture: i64,
    pub conference: i64,
    pub usage: i64,
    pub token: String,
    pub training_room: i64,
    pub conference_room: i64,
    pub intervenant: i64,
}

/// A cycle of the whole ACUNUM catalogue for the client of `setup`, with two rooms.
pub async fn prepare(app: &TestApp, org: i64, coordinator: &str) -> Prepared {
    let s = setup(app, org).await;
    let token = app.token_for(coordinator).await;
    let api = app.api();
    let c: serde_json::Value = api.post(app.url("/api/v1/cycles")).bearer_auth(&token)
        .json(&serde_json::json!({"client_id": s.client, "title": "Cycle ACUNUM du Confolentais", "territory": "Charente limousine", "module_ids": s.modules}))
        .send().await.unwrap().json().await.unwrap();
    let id = c["id"].as_i64().expect("cycle");
    let module = |kind: &str| {
        c["modules"].as_array().unwrap().iter().find(|m| m["kind"] == kind).unwrap()["id"].as_i64().unwrap()
    };
    let room = |kind: &str, name: &str| {
        let ready: Vec<String> = if kind == "training" {
            acunum::catalogue::acunum::TRAINING_ROOM
        } else {
            acunum::catalogue::acunum::CONFERENCE_ROOM
        }
        .iter()
        .map(|s| s.to_string())
        .collect();
        serde_json::json!({"name": name, "kind": kind, "city": "Confolens", "postal_code": "16500", "capacity": 40, "ready": ready, "practical": "Entrée par la cour, parking gratuit."})
    };
    let tr: serde_json::Value = api
        .post(app.url("/api/v1/rooms"))
        .bearer_auth(&token)
        .json(&room("training", "Salle informatique de la médiathèque"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let cr: serde_json::Value = api
        .post(app.url("/api/v1/rooms"))
        .bearer_auth(&token)
        .json(&room("conference", "Salle des fêtes"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    Prepared {
        cycle: id,
        culture: module("culture_training"),
        conference: module("conference"),
        usage: module("usage_training"),
        token,
        training_room: tr["id"].as_i64().unwrap(),
        conference_room: cr["id"].as_i64().unwrap(),
        intervenant: s.intervenant,
    }
}

/// The account `email` becomes the one of the cycle's intervenant (Camille Durand), who gives a
/// conference of the cycle: the intervenant then reaches this cycle, and no other.
pub async fn teach(app: &TestApp, org: i64, p: &Prepared, email: &str) {
    sqlx::query("UPDATE intervenants SET user_id = (SELECT id FROM users WHERE email = $1) WHERE id = $2")
        .bind(email)
        .bind(p.intervenant)
        .execute(&app.db.pool)
        .await
        .unwrap();
    let cycle = acunum::cycle::store::get(&app.db, org, p.cycle).await.unwrap();
    acunum::cycle::service::add_session(
        &app.db,
        org,
        &cycle,
        p.conference,
        &acunum::cycle::service::SessionInput {
            title: "Conférence de l'intervenante".into(),
            description: String::new(),
            date: chrono::NaiveDate::from_ymd_opt(2027, 2, 1).unwrap(),
            start_time: chrono::NaiveTime::from_hms_opt(18, 0, 0).unwrap(),
            end_time: chrono::NaiveTime::from_hms_opt(21, 0, 0).unwrap(),
            minutes: None,
            room_id: Some(p.conference_room),
            intervenant_id: Some(p.intervenant),
            capacity: Some(40),
            force: true,
        },
    )
    .await
    .unwrap();
}

const STRUCTURES: [&str; 3] = ["Mairie de Confolens", "Centre hospitalier", "Coopérative agricole"];
const JOBS: [&str; 5] = ["Secrétaire", "Infirmière", "Comptable", "Agent d'accueil", "Technicien"];
const SERVICES: [&str; 4] = ["Accueil", "Soins", "Finances", "Informatique"];

pub async fn enrol_ten(app: &TestApp, p: &Prepared) {
    for i in 0..10 {
        let r = app.api().post(app.url(&format!("/api/v1/cycles/{}/participants", p.cycle))).bearer_auth(&p.token)
            .json(&serde_json::json!({"first_name": format!("Personne{i}"), "last_name": "Test", "email": format!("personne{i}@exemple.fr"),
                "job": JOBS[i % 5], "service": SERVICES[i % 4], "structure": STRUCTURES[i % 3], "committee": i < 7}))
            .send().await.unwrap();
        assert_eq!(r.status(), 201);
    }
}

async fn phase_one_runs_end_to_end_through_the_api(b: Backend) {
    let app = TestApp::spawn(b).await;
    let f = seed_org(&app.db, "Org").await;
    let p = prepare(&app, f.org_id, &f.coordinator).await;
    let api = app.api();
    enrol_ten(&app, &p).await;
    // The eleventh goes on the waiting list (the group holds 10).
    let r: serde_json::Value = api.post(app.url(&format!("/api/v1/cycles/{}/participants", p.cycle))).bearer_auth(&p.token)
        .json(&serde_json::json!({"first_name": "Onzième", "last_name": "Personne", "email": "onze@exemple.fr", "job": "Juriste", "service": "Droit", "structure": "Mairie de Confolens"}))
        .send().await.unwrap().json().await.unwrap();
    assert_eq!(r["membership"], "waiting");
    // A second registration with the same address is refused.
    let r = api
        .post(app.url(&format!("/api/v1/cycles/{}/participants", p.cycle)))
        .bearer_auth(&p.token)
        .json(&serde_json::json!({"first_name": "X", "last_name": "Y", "email": "PERSONNE1@exemple.fr"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    // The four days of the culture training, from Monday 11 January 2027, and two conferences.
    let r = api.post(app.url(&format!("/api/v1/cycles/{}/modules/{}/plan", p.cycle, p.culture))).bearer_auth(&p.token)
        .json(&serde_json::json!({"start_date": "2027-01-11", "start_time": "09:00:00", "room_id": p.training_room, "intervenant_id": p.intervenant}))
        .send().await.unwrap();
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    for date in ["2027-01-12", "2027-01-14"] {
        let r = api.post(app.url(&format!("/api/v1/cycles/{}/modules/{}/plan", p.cycle, p.conference))).bearer_auth(&p.token)
            .json(&serde_json::json!({"start_date": date, "start_time": "18:00:00", "count": 1, "room_id": p.conference_room, "intervenant_id": p.intervenant}))
            .send().await.unwrap();
        assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    }
    let d: serde_json::Value = api
        .get(app.url(&format!("/api/v1/cycles/{}", p.cycle)))
        .bearer_auth(&p.token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(d["sessions"].as_array().unwrap().len(), 6);
    assert_eq!(d["mixity"]["structures"]["distinct"], 3);
    assert!(d["mixity"]["warnings"].as_array().unwrap().is_empty(), "{}", d["mixity"]);
    assert!(d["blockers"].as_array().unwrap().is_empty(), "{}", d["blockers"]);
    let r: serde_json::Value = api
        .post(app.url(&format!("/api/v1/cycles/{}/advance", p.cycle)))
        .bearer_auth(&p.token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(r["status"], "phase1");
    // Convocations: one per member of the group, each with the .ics of the four days.
    let c: serde_json::Value = api
        .post(app.url(&format!("/api/v1/cycles/{}/modules/{}/convocations", p.cycle, p.culture)))
        .bearer_auth(&p.token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(c["queued"], 10);
    let again: serde_json::Value = api
        .post(app.url(&format!("/api/v1/cycles/{}/modules/{}/convocations", p.cycle, p.culture)))
        .bearer_auth(&p.token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(again["queued"], 0, "nobody is convoked twice for the same dates");
    app.run_jobs().await;
    let mails = app.mails.lock().unwrap().clone();
    assert_eq!(mails.len(), 10);
    let one = mails.iter().find(|m| m.contains("personne3@exemple.fr")).expect("a convocation to personne3");
    assert!(one.contains("Subject: Convocation"));
    assert!(one.contains("seances.ics") && one.contains("text/calendar"));
    // Calendars, read by an independent parser: the cycle, a participant, the intervenant.
    let cal = api
        .get(d["calendar_url"].as_str().unwrap().replace("http://acunum.test", &format!("http://{}", app.addr)))
        .send()
        .await
        .unwrap();
    assert!(cal.headers()["content-type"].to_str().unwrap().starts_with("text/calendar"));
    let events = parse_ics(&cal.text().await.unwrap());
    assert_eq!(events.len(), 6);
    assert!(
        events.iter().any(|(s, start, tz)| s.contains("Jour 1") && start == "20270111T090000" && tz == "Europe/Paris"),
        "{events:?}"
    );
    let person = acunum::cycle::store::participants(&app.db, f.org_id, p.cycle)
        .await
        .unwrap()
        .into_iter()
        .find(|x| x.email == "personne3@exemple.fr")
        .unwrap();
    let mine = parse_ics(
        &api.get(app.url(&format!("/calendrier/participant/{}", person.calendar_token)))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
    );
    assert_eq!(mine.len(), 6, "the group's four days and the two conferences");
    let page = api.get(app.url(&format!("/p/{}", person.calendar_token))).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("Bonjour Personne3") && page.contains("lundi 11 janvier 2027"));
    // Their next session comes first, under its heading, before the list of « Mes séances ».
    let next = page.find("Ma prochaine séance").expect("the next session");
    assert!(next < page.find("id=\"seances-h\"").expect("the sessions' heading"), "next session first");
    let itoken = acunum::cycle::store::intervenant_calendar_token(&app.db, f.org_id, p.intervenant).await.unwrap();
    let theirs = parse_ics(
        &api.get(app.url(&format!("/calendrier/intervenant/{itoken}"))).send().await.unwrap().text().await.unwrap(),
    );
    assert_eq!(theirs.len(), 6);
    assert_eq!(api.get(app.url("/calendrier/cycle/forge")).send().await.unwrap().status(), 404);
}

async fn conflicts_are_refused_or_warned(b: Backend) {
    let app = TestApp::spawn(b).await;
    let f = seed_org(&app.db, "Org").await;
    let p = prepare(&app, f.org_id, &f.coordinator).await;
    let api = app.api();
    enrol_ten(&app, &p).await;
    let plan = |cm: i64, body: serde_json::Value| {
        let (api, url, token) =
            (api.clone(), app.url(&format!("/api/v1/cycles/{}/modules/{cm}/plan", p.cycle)), p.token.clone());
        async move { api.post(url).bearer_auth(token).json(&body).send().await.unwrap() }
    };
    assert_eq!(plan(p.culture, serde_json::json!({"start_date": "2027-01-11", "start_time": "09:00", "room_id": p.training_room, "intervenant_id": p.intervenant})).await.status(), 201);
    // A second cycle wants the same intervenant and room on 12 January.
    let q = prepare(&app, f.org_id, &f.coordinator).await;
    let r = api.post(app.url(&format!("/api/v1/cycles/{}/modules/{}/plan", q.cycle, q.culture))).bearer_auth(&q.token)
        .json(&serde_json::json!({"start_date": "2027-01-12", "start_time": "14:00", "room_id": p.training_room, "intervenant_id": p.intervenant})).send().await.unwrap();
    assert_eq!(r.status(), 422);
    let e: serde_json::Value = r.json().await.unwrap();
    let msgs: Vec<String> =
        e["fields"].as_array().unwrap().iter().map(|f| f["message"].as_str().unwrap().to_string()).collect();
    assert!(msgs.iter().any(|m| m.contains("L'intervenant·e anime déjà")), "{msgs:?}");
    assert!(msgs.iter().any(|m| m.contains("La salle accueille déjà")), "{msgs:?}");
    // A person of the first group also in the second one, at the same time.
    api.post(app.url(&format!("/api/v1/cycles/{}/participants", q.cycle)))
        .bearer_auth(&q.token)
        .json(&serde_json::json!({"first_name": "Personne1", "last_name": "Test", "email": "personne1@exemple.fr"}))
        .send()
        .await
        .unwrap();
    let r = api
        .post(app.url(&format!("/api/v1/cycles/{}/modules/{}/plan", q.cycle, q.culture)))
        .bearer_auth(&q.token)
        .json(&serde_json::json!({"start_date": "2027-01-12", "start_time": "14:00"}))
        .send()
        .await
        .unwrap();
    let e: serde_json::Value = r.json().await.unwrap();
    assert!(
        e["fields"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["message"].as_str().unwrap().contains("Personne1 Test suit déjà une séance")),
        "{e}"
    );
    // A public holiday is a warning: refused unless forced.
    let one = |date: &str, force: bool| serde_json::json!({"title": "Rencontre", "date": date, "start_time": "09:00", "end_time": "12:00", "force": force});
    let amo = acunum::cycle::store::modules(&app.db, f.org_id, q.cycle)
        .await
        .unwrap()
        .into_iter()
        .find(|m| m.kind == acunum::catalogue::ModuleKind::Amo)
        .unwrap()
        .id;
    let url = app.url(&format!("/api/v1/cycles/{}/modules/{amo}/sessions", q.cycle));
    let r = api.post(&url).bearer_auth(&q.token).json(&one("2027-07-14", false)).send().await.unwrap();
    assert_eq!(r.status(), 422);
    let e: serde_json::Value = r.json().await.unwrap();
    assert_eq!(e["fields"][0]["field"], "warnings");
    assert!(e["fields"][0]["message"].as_str().unwrap().contains("Fête nationale"));
    assert_eq!(api.post(&url).bearer_auth(&q.token).json(&one("2027-07-14", true)).send().await.unwrap().status(), 201);
    // Inverted times are refused, even when forced.
    let r = api.post(&url).bearer_auth(&q.token).json(&serde_json::json!({"title": "X", "date": "2027-07-15", "start_time": "12:00", "end_time": "09:00", "force": true})).send().await.unwrap();
    assert_eq!(r.status(), 422);
    // The usage training cannot come before the culture training of its cycle.
    let r = plan(p.usage, serde_json::json!({"start_date": "2027-01-04", "start_time": "14:00", "count": 1})).await;
    let e: serde_json::Value = r.json().await.unwrap();
    assert!(e["fields"][0]["message"].as_str().unwrap().contains("ordre de ses trois temps"), "{e}");
    // Another organisation's room or intervenant is unknown here.
    let other = seed_org(&app.db, "Autre").await;
    let o = prepare(&app, other.org_id, &other.coordinator).await;
    let r = plan(
        p.usage,
        serde_json::json!({"start_date": "2027-03-01", "start_time": "14:00", "room_id": o.training_room}),
    )
    .await;
    assert_eq!(r.status(), 422);
    assert_eq!(r.json::<serde_json::Value>().await.unwrap()["fields"][0]["field"], "room_id");
    // Nothing refused was saved.
    let sessions = acunum::cycle::store::sessions(&app.db, f.org_id, q.cycle).await.unwrap();
    assert_eq!(sessions.len(), 1, "only the forced AMO meeting");
}

async fn phases_explain_what_they_wait_for(b: Backend) {
    let app = TestApp::spawn(b).await;
    let f = seed_org(&app.db, "Org").await;
    let p = prepare(&app, f.org_id, &f.coordinator).await;
    let api = app.api();
    let advance = || api.post(app.url(&format!("/api/v1/cycles/{}/advance", p.cycle))).bearer_auth(&p.token).send();
    let r = advance().await.unwrap();
    assert_eq!(r.status(), 422);
    let e: serde_json::Value = r.json().await.unwrap();
    assert!(
        e["fields"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["message"].as_str().unwrap().contains("moins de deux personnes"))
    );
    enrol_ten(&app, &p).await;
    api.post(app.url(&format!("/api/v1/cycles/{}/modules/{}/plan", p.cycle, p.culture)))
        .bearer_auth(&p.token)
        .json(&serde_json::json!({"start_date": "2027-01-11", "start_time": "09:00"}))
        .send()
        .await
        .unwrap();
    assert_eq!(advance().await.unwrap().status(), 200);
    // Phase 2 needs a committee: take everybody off it first.
    for person in acunum::cycle::store::participants(&app.db, f.org_id, p.cycle).await.unwrap() {
        api.put(app.url(&format!("/api/v1/cycles/{}/participants/{}", p.cycle, person.id)))
            .bearer_auth(&p.token)
            .json(&serde_json::json!({"committee": false}))
            .send()
            .await
            .unwrap();
    }
    let e: serde_json::Value = advance().await.unwrap().json().await.unwrap();
    let msgs = e["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["message"].as_str().unwrap().to_string())
        .collect::<Vec<_>>()
        .join(" ");
    assert!(msgs.contains("comité de pilotage") && msgs.contains("usages numériques"), "{msgs}");
    // The page says the same.
    let c = app.logged_in(&f.coordinator).await;
    let html = app.get(&c, &format!("/cycles/{}", p.cycle)).await.text().await.unwrap();
    assert!(html.contains("Pour passer au temps 2, il reste") && html.contains("comité de pilotage"));
    assert!(html.contains("<svg class=\"timeline\""));
}

async fn conferences_take_public_registrations(b: Backend) {
    let app = TestApp::spawn(b).await;
    let f = seed_org(&app.db, "Org").await;
    let p = prepare(&app, f.org_id, &f.coordinator).await;
    let api = app.api();
    let r: serde_json::Value = api.post(app.url(&format!("/api/v1/cycles/{}/modules/{}/sessions", p.cycle, p.conference))).bearer_auth(&p.token)
        .json(&serde_json::json!({"title": "Conférence à Confolens", "date": "2027-01-14", "start_time": "18:00", "end_time": "21:00", "capacity": 2, "room_id": p.conference_room}))
        .send().await.unwrap().json().await.unwrap();
    let sid = r["id"].as_i64().unwrap();
    let token = acunum::cycle::store::session(&app.db, f.org_id, sid)
        .await
        .unwrap()
        .registration_token
        .expect("a registration link");
    let visitor = app.client();
    let html = app.get(&visitor, &format!("/inscription/{token}")).await.text().await.unwrap();
    assert!(
        html.contains("je suis volontaire pour le comité de pilotage")
            || html.contains("Je suis volontaire pour le comité de pilotage")
    );
    let r = app
        .post_form(
            &visitor,
            &format!("/inscription/{token}"),
            &[
                ("name", "Léa Martin"),
                ("email", "lea@mairie.fr"),
                ("structure", "Mairie"),
                ("job", "DGS"),
                ("volunteer", "on"),
            ],
        )
        .await;
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().contains("Votre inscription est enregistrée"));
    let r = app
        .post_form(&visitor, &format!("/inscription/{token}"), &[("name", "Léa Martin"), ("email", "LEA@mairie.fr")])
        .await;
    assert_eq!(r.status(), 422, "a duplicate registration is refused");
    let r = app
        .post_form(
            &visitor,
            &format!("/inscription/{token}"),
            &[("name", "Sans adresse"), ("email", "pas-une-adresse")],
        )
        .await;
    assert_eq!(r.status(), 422);
    let r: serde_json::Value = api
        .post(app.url(&format!("/api/v1/registrations/{token}")))
        .json(&serde_json::json!({"name": "Paul", "email": "paul@exemple.fr"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(r["waiting"], false);
    let r: serde_json::Value = api
        .post(app.url(&format!("/api/v1/registrations/{token}")))
        .json(&serde_json::json!({"name": "Zoé", "email": "zoe@exemple.fr"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(r["waiting"], true, "beyond two seats, the waiting list");
    app.run_jobs().await;
    let mails = app.mails.lock().unwrap().clone();
    assert_eq!(mails.len(), 3);
    assert!(mails.iter().any(|m| m.contains("lea@mairie.fr") && m.contains("conference.ics")));
    // The volunteer shows on the group page and joins the committee in one click.
    let c = app.logged_in(&f.coordinator).await;
    let html = app.get(&c, &format!("/cycles/{}/groupe", p.cycle)).await.text().await.unwrap();
    assert!(html.contains("Volontaires des conférences") && html.contains("Léa Martin"));
    let reg = acunum::cycle::store::volunteers(&app.db, f.org_id, p.cycle).await.unwrap().remove(0);
    let r = app.post_form(&c, &format!("/cycles/{}/volontaires/{}", p.cycle, reg.id), &[]).await;
    assert_eq!(r.status(), 303);
    let people = acunum::cycle::store::participants(&app.db, f.org_id, p.cycle).await.unwrap();
    assert!(
        people
            .iter()
            .any(|x| x.email == "lea@mairie.fr" && x.committee && x.membership == acunum::cycle::Membership::Other)
    );
    assert_eq!(api.get(app.url("/inscription/forge")).send().await.unwrap().status(), 404);
}

async fn a_down_mail_server_loses_nothing_and_reminders_go(b: Backend) {
    let app = TestApp::spawn(b).await;
    let f = seed_org(&app.db, "Org").await;
    let p = prepare(&app, f.org_id, &f.coordinator).await;
    enrol_ten(&app, &p).await;
    let r = app.api().post(app.url(&format!("/api/v1/cycles/{}/modules/{}/plan", p.cycle, p.culture))).bearer_auth(&p.token)
        .json(&serde_json::json!({"start_date": "2027-01-11", "start_time": "09:00", "room_id": p.training_room, "intervenant_id": p.intervenant})).send().await.unwrap();
    assert_eq!(r.status(), 201);
    // Reminders are scheduled two days before each session.
    let reminders: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM jobs WHERE kind = 'reminder' AND status = 'pending'")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(reminders, 4);
    // The mail server is down: the convocations wait in the queue with their error.
    let mut down = (*app.state.config).clone();
    down.smtp_url = "smtp://127.0.0.1:1".into();
    let down_state = acunum::app::AppState::new(app.db.clone(), down);
    let cycle = acunum::cycle::store::get(&app.db, f.org_id, p.cycle).await.unwrap();
    assert_eq!(acunum::cycle::mails::convoke(&down_state, f.org_id, &cycle, p.culture).await.unwrap(), 10);
    acunum::worker::run_pending(&down_state).await.unwrap();
    let failed: Vec<(String, i64, Option<String>)> =
        sqlx::query_as("SELECT status, attempts, last_error FROM jobs WHERE kind = 'mail'")
            .fetch_all(&app.db.pool)
            .await
            .unwrap();
    assert_eq!(failed.len(), 10);
    assert!(failed.iter().all(|(s, a, e)| s == "pending" && *a == 1 && e.as_deref().unwrap_or("").contains("SMTP")));
    // The server is back; the retries are due: everything goes.
    sqlx::query("UPDATE jobs SET run_at = 0").execute(&app.db.pool).await.unwrap();
    app.run_jobs().await;
    let mails = app.mails.lock().unwrap().clone();
    let convocations = mails.iter().filter(|m| m.contains("Subject: Convocation")).count();
    assert_eq!(convocations, 10);
    // The reminders ran too (their time was brought forward): one per member and the intervenant per session.
    app.run_jobs().await;
    let reminders = app.mails.lock().unwrap().iter().filter(|m| m.contains("Subject: Rappel")).count();
    assert_eq!(reminders, 4 * 10, "the intervenant of the setup has no e-mail");
    // A moved session does not send its old reminder.
    let s = acunum::cycle::store::sessions(&app.db, f.org_id, p.cycle).await.unwrap().remove(0);
    acunum::jobs::enqueue(
        &app.db,
        Some(f.org_id),
        "reminder",
        &acunum::cycle::mails::ReminderPayload { org_id: f.org_id, session_id: s.id, start_at: s.start_at - 3600 },
        0,
        None,
    )
    .await
    .unwrap();
    app.run_jobs().await;
    assert_eq!(app.mails.lock().unwrap().iter().filter(|m| m.contains("Subject: Rappel")).count(), 40);
}

async fn a_coordinator_runs_a_cycle_through_the_pages(b: Backend) {
    let app = TestApp::spawn(b).await;
    let f = seed_org(&app.db, "Org").await;
    let s = setup(&app, f.org_id).await;
    let c = app.logged_in(&f.coordinator).await;
    let versions: Vec<i64> = {
        let mut v = Vec::new();
        for m in &s.modules {
            let module = acunum::catalogue::store::get(&app.db, f.org_id, *m).await.unwrap();
            v.push(acunum::catalogue::store::version(&app.db, f.org_id, *m, module.version).await.unwrap().id);
        }
        v
    };
    let client = s.client.to_string();
    let v0 = versions[0].to_string();
    let r = app
        .post_form(
            &c,
            "/cycles",
            &[("client_id", client.as_str()), ("title", ""), ("timezone", "Europe/Paris"), ("versions", v0.as_str())],
        )
        .await;
    assert_eq!(r.status(), 422);
    let r = app
        .post_form(
            &c,
            "/cycles",
            &[
                ("client_id", client.as_str()),
                ("title", "Cycle test"),
                ("timezone", "Indian/Reunion"),
                ("versions", v0.as_str()),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let page = location(&r);
    let id: i64 = page.rsplit('/').next().unwrap().parse().unwrap();
    // A single-service group is warned against.
    for (i, name) in ["Ana", "Bob"].iter().enumerate() {
        let email = format!("{name}@exemple.fr");
        let r = app
            .post_form(
                &c,
                &format!("/cycles/{id}/participants"),
                &[
                    ("first_name", name),
                    ("last_name", "Test"),
                    ("email", &email),
                    ("job", if i == 0 { "Infirmière" } else { "Aide-soignant" }),
                    ("service", "Urgences"),
                    ("structure", "CH"),
                ],
            )
            .await;
        assert_eq!(r.status(), 303);
    }
    let html = app.get(&c, &format!("/cycles/{id}/groupe")).await.text().await.unwrap();
    assert!(html.contains("Tout le groupe vient du même service"));
    let cm = acunum::cycle::store::modules(&app.db, f.org_id, id).await.unwrap()[0].id;
    let r = app
        .post_form(
            &c,
            &format!("/cycles/{id}/modules/{cm}/planifier"),
            &[("start_date", "12/01/2027"), ("start_time", "8h30"), ("rhythm", "daily")],
        )
        .await;
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
    let html = app.get(&c, &page).await.text().await.unwrap();
    assert!(html.contains("12/01/2027 08:30"), "times in the cycle's zone (La Réunion)");
    let sid = acunum::cycle::store::sessions(&app.db, f.org_id, id).await.unwrap()[1].id;
    // Moving a session onto a Sunday is warned; with « quand même », it is saved.
    let fields = [("title", "Jour 2 déplacé"), ("date", "2027-01-17"), ("start_time", "08:30"), ("end_time", "16:30")];
    let r = app.post_form(&c, &format!("/cycles/{id}/seances/{sid}"), &fields).await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("dimanche"));
    let mut forced = fields.to_vec();
    forced.push(("force", "on"));
    assert_eq!(app.post_form(&c, &format!("/cycles/{id}/seances/{sid}"), &forced).await.status(), 303);
    let moved = acunum::cycle::store::session(&app.db, f.org_id, sid).await.unwrap();
    assert_eq!(moved.title, "Jour 2 déplacé");
    let r = app.get(&c, &format!("/seances/{sid}/ics")).await;
    let events = parse_ics(&r.text().await.unwrap());
    assert_eq!(events[0].1, "20270117T083000");
    assert_eq!(events[0].2, "Indian/Reunion");
}

async fn the_host_ticks_its_room_from_a_link(b: Backend) {
    let app = TestApp::spawn(b).await;
    let f = seed_org(&app.db, "Org").await;
    let room = acunum::cycle::room::store::create(
        &app.db,
        f.org_id,
        &acunum::cycle::room::RoomInput { name: "Salle B12".into(), kind: "training".into(), ..Default::default() },
    )
    .await
    .unwrap();
    assert_eq!(room.missing().len(), 5);
    let c = app.logged_in(&f.coordinator).await;
    let html = app.get(&c, &format!("/salles/{}", room.id)).await.text().await.unwrap();
    let link = crate::helpers::extract(&html, r"http://acunum\.test(/salle/[A-Za-z0-9_-]+)").expect("the host's link");
    let host = app.client();
    let page = app.get(&host, &link).await.text().await.unwrap();
    assert!(page.contains("Carte graphique moyenne à haute gamme"));
    let items: Vec<(&str, &str)> = acunum::catalogue::acunum::TRAINING_ROOM
        .iter()
        .map(|i| ("ready", *i))
        .chain([("ready", "Une piscine")])
        .collect();
    let r = app.post_form(&host, &link, &items).await;
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().contains("la salle est prête"));
    let room = acunum::cycle::room::store::get(&app.db, f.org_id, room.id).await.unwrap();
    assert!(room.ready());
    assert_eq!(room.checklist.len(), 5, "an unknown item is not added");
    assert_eq!(app.get(&host, "/salle/forge").await.status(), 404);
}
