//! Records that hold: legal records are made neither early nor destroyed, the mail tells the truth,
//! accounts are tied to their records, and a person's data can be exported and erased.

use crate::attendance::{halves, plan_culture};
use crate::both_databases;
use crate::cycles::{Prepared, enrol_ten, prepare};
use crate::helpers::{Backend, TestApp, seed_org};
use crate::isolation::SIGNATURE;
use crate::quotes::pdf_text;

both_databases!(
    scheduled_jobs_run_once_per_period_and_clean_up,
    certificates_wait_for_the_last_session_and_the_closed_sheets,
    a_hot_survey_is_answered_from_the_end_of_the_training,
    temps_two_waits_for_the_culture_training,
    a_session_with_a_signed_sheet_is_cancelled_not_deleted,
    amo_meetings_are_recorded_in_their_journal_not_on_sheets,
    the_outbox_says_what_waits_what_failed_and_what_left,
    accounts_are_created_and_linked_from_their_records,
    a_persons_data_is_exported_and_erased_and_retention_applies
);

/// Instants of the January 2027 training (Paris time).
pub fn at(rfc3339: &str) -> i64 {
    chrono::DateTime::parse_from_rfc3339(rfc3339).unwrap().timestamp()
}

/// Marks everyone present on every half-day of `sessions` and closes the sheets, each at its time.
pub async fn hold(app: &TestApp, org: i64, p: &Prepared, sessions: &[i64]) {
    let api = app.api();
    let people = acunum::cycle::store::participants(&app.db, org, p.cycle).await.unwrap();
    for sid in sessions {
        for h in halves(app, p, *sid).await {
            let hid = h["id"].as_i64().unwrap();
            let base = format!("/api/v1/cycles/{}/sessions/{sid}/attendance/{hid}", p.cycle);
            app.during_half(hid, 60).await;
            for x in people.iter().filter(|x| x.membership == acunum::cycle::Membership::Group) {
                let r = api
                    .post(app.url(&format!("{base}/marks")))
                    .bearer_auth(&p.token)
                    .json(&serde_json::json!({"participant_id": x.id, "status": "present"}))
                    .send()
                    .await
                    .unwrap();
                assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
            }
            app.after_half(hid, 60).await;
            let r = api
                .post(app.url(&format!("{base}/lock")))
                .bearer_auth(&p.token)
                .json(&serde_json::json!({"trainer_name": "Camille Durand", "signature": SIGNATURE}))
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 204, "{}", r.text().await.unwrap());
        }
    }
}

async fn certificates_wait_for_the_last_session_and_the_closed_sheets(b: Backend) {
    let app = TestApp::spawn(b).await;
    let f = seed_org(&app.db, "Org").await;
    let p = prepare(&app, f.org_id, &f.coordinator).await;
    enrol_ten(&app, &p).await;
    let sessions = plan_culture(&app, &p).await;
    let who = acunum::cycle::store::participants(&app.db, f.org_id, p.cycle).await.unwrap().remove(0);
    let api = app.api();
    let cert = format!("/api/v1/cycles/{}/modules/{}/certificates/{}/realisation", p.cycle, p.culture, who.id);
    // On 3 December 2026, a training of January 2027 has no certificate, not even « 0 min ».
    app.set_now(at("2026-12-03T10:00:00+01:00"));
    let r = api.get(app.url(&cert)).bearer_auth(&p.token).send().await.unwrap();
    assert_eq!(r.status(), 409);
    assert!(r.text().await.unwrap().contains("après la dernière séance du module, le 14 janvier 2027 à 17:00"));
    // Held, but one sheet left open: the hours are not final.
    hold(&app, f.org_id, &p, &sessions[..3]).await;
    app.set_now(at("2027-01-15T09:00:00+01:00"));
    let r = api.get(app.url(&cert)).bearer_auth(&p.token).send().await.unwrap();
    assert_eq!(r.status(), 409);
    assert!(r.text().await.unwrap().contains("2 feuilles d'émargement ne sont pas closes"));
    let issue = format!("/api/v1/cycles/{}/modules/{}/certificates", p.cycle, p.culture);
    assert_eq!(api.post(app.url(&issue)).bearer_auth(&p.token).send().await.unwrap().status(), 409);
    assert!(acunum::attendance::store::certificates_of_module(&app.db, f.org_id, p.culture).await.unwrap().is_empty());
    hold(&app, f.org_id, &p, &sessions[3..]).await;
    // Issued on the 18th, dated the 18th, and printed the same the day after.
    app.set_now(at("2027-01-18T11:00:00+01:00"));
    let r = api.get(app.url(&cert)).bearer_auth(&p.token).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let first = pdf_text(&r.bytes().await.unwrap());
    assert!(first.contains("18 janvier 2027") && first.contains("28 h réalisées sur 28 h prévues"), "{first}");
    app.set_now(at("2027-01-19T11:00:00+01:00"));
    let again = pdf_text(&api.get(app.url(&cert)).bearer_auth(&p.token).send().await.unwrap().bytes().await.unwrap());
    assert_eq!(first, again, "an issued certificate reads the same every time");
    // All of them at once; the one already issued is kept.
    let all: Vec<serde_json::Value> =
        api.post(app.url(&issue)).bearer_auth(&p.token).send().await.unwrap().json().await.unwrap();
    assert_eq!(all.len(), 20);
    let mine = all.iter().find(|c| c["participant_id"] == who.id && c["kind"] == "realisation").unwrap();
    assert_eq!(mine["issued_at"], at("2027-01-18T11:00:00+01:00"));
    // A wrong one is cancelled with a reason (never deleted), then issued again.
    let cancel = format!("{issue}/{}/cancel", mine["id"]);
    let r =
        api.post(app.url(&cancel)).bearer_auth(&p.token).json(&serde_json::json!({"reason": ""})).send().await.unwrap();
    assert_eq!(r.status(), 422);
    let r = api
        .post(app.url(&cancel))
        .bearer_auth(&p.token)
        .json(&serde_json::json!({"reason": "Nom mal orthographié"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    let r = api.get(app.url(&cert)).bearer_auth(&p.token).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let list = acunum::attendance::store::certificates_of_module(&app.db, f.org_id, p.culture).await.unwrap();
    let theirs: Vec<_> = list.iter().filter(|c| c.participant_id == who.id && c.kind == "realisation").collect();
    assert_eq!(theirs.len(), 2, "the cancelled one stays");
    assert!(theirs[0].cancelled_at.is_some() && theirs[0].cancel_reason == "Nom mal orthographié");
    assert_eq!(theirs[1].issued_at, at("2027-01-19T11:00:00+01:00"));
    let trail = acunum::audit::list(&app.db, f.org_id, 100, 0).await.unwrap().0;
    assert!(trail.iter().any(|a| a.action == "certificate.cancel" && a.reason == "Nom mal orthographié"));
    assert_eq!(trail.iter().filter(|a| a.action == "certificate.issue").count(), 21);
    // The database itself refuses to lose one.
    assert!(sqlx::query("DELETE FROM certificates").execute(&app.db.pool).await.is_err());
    assert!(sqlx::query("DELETE FROM attendance").execute(&app.db.pool).await.is_err());
    assert_eq!(
        acunum::attendance::store::certificates_of_module(&app.db, f.org_id, p.culture).await.unwrap().len(),
        21
    );
    // The journal page shows who did what.
    let c = app.logged_in(&f.coordinator).await;
    let html = app.get(&c, "/journal").await.text().await.unwrap();
    assert!(html.contains("Certificat annulé") && html.contains("Nom mal orthographié"), "{html}");
}

async fn a_hot_survey_is_answered_from_the_end_of_the_training(b: Backend) {
    let app = TestApp::spawn(b).await;
    let f = seed_org(&app.db, "Org").await;
    let p = prepare(&app, f.org_id, &f.coordinator).await;
    enrol_ten(&app, &p).await;
    plan_culture(&app, &p).await;
    app.set_now(at("2026-12-03T10:00:00+01:00"));
    let api = app.api();
    let sent: serde_json::Value = api
        .post(app.url(&format!("/api/v1/cycles/{}/modules/{}/surveys/hot", p.cycle, p.culture)))
        .bearer_auth(&p.token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(sent["send_at"], at("2027-01-14T17:00:00+01:00"), "{sent}");
    let people = acunum::cycle::store::participants(&app.db, f.org_id, p.cycle).await.unwrap();
    let inv = acunum::survey::store::pending_for(&app.db, f.org_id, p.cycle, &people[0].email).await.unwrap().remove(0);
    let mut given = serde_json::Map::new();
    for q in &inv.questions {
        let v = match q.kind {
            acunum::survey::QuestionKind::Scale => serde_json::json!(5),
            acunum::survey::QuestionKind::YesNo => serde_json::json!(true),
            acunum::survey::QuestionKind::Text => serde_json::json!("Très utile"),
        };
        given.insert(q.id.clone(), v);
    }
    let answers = serde_json::json!({ "answers": given });
    let r = api.post(app.url(&format!("/api/v1/surveys/{}", inv.token))).json(&answers).send().await.unwrap();
    assert_eq!(r.status(), 409);
    assert!(r.text().await.unwrap().contains("14 janvier 2027 à 17:00"));
    let phone = app.client();
    let html = app.get(&phone, &format!("/enquete/{}", inv.token)).await.text().await.unwrap();
    assert!(html.contains("14 janvier 2027 à 17:00") && !html.contains("<form method=\"post\" action=\"/enquete/"));
    let html = app.get(&phone, &format!("/p/{}", people[0].calendar_token)).await.text().await.unwrap();
    assert!(!html.contains(&inv.token), "not offered before the end: {html}");
    assert!(acunum::survey::store::responses_of_module(&app.db, f.org_id, p.culture).await.unwrap().is_empty());
    app.set_now(at("2027-01-14T17:05:00+01:00"));
    let html = app.get(&phone, &format!("/p/{}", people[0].calendar_token)).await.text().await.unwrap();
    assert!(html.contains(&inv.token), "{html}");
    let r = api.post(app.url(&format!("/api/v1/surveys/{}", inv.token))).json(&answers).send().await.unwrap();
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
}

async fn temps_two_waits_for_the_culture_training(b: Backend) {
    let app = TestApp::spawn(b).await;
    let f = seed_org(&app.db, "Org").await;
    let p = prepare(&app, f.org_id, &f.coordinator).await;
    enrol_ten(&app, &p).await;
    plan_culture(&app, &p).await;
    let api = app.api();
    let r = api.post(app.url(&format!("/api/v1/cycles/{}/modules/{}/plan", p.cycle, p.usage))).bearer_auth(&p.token)
        .json(&serde_json::json!({"start_date": "2027-03-01", "start_time": "09:00:00", "room_id": p.training_room, "intervenant_id": p.intervenant}))
        .send().await.unwrap();
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    app.set_now(at("2026-12-03T10:00:00+01:00"));
    let advance = || api.post(app.url(&format!("/api/v1/cycles/{}/advance", p.cycle))).bearer_auth(&p.token).send();
    assert_eq!(advance().await.unwrap().status(), 200, "temps 1 starts: everything is planned");
    let r = advance().await.unwrap();
    assert_eq!(r.status(), 422);
    let e: serde_json::Value = r.json().await.unwrap();
    assert!(e["fields"][0]["message"].as_str().unwrap().contains("n'est pas terminée"), "{e}");
    let c = acunum::cycle::store::get(&app.db, f.org_id, p.cycle).await.unwrap();
    assert_eq!(c.status, acunum::cycle::Phase::Phase1);
    app.set_now(at("2027-01-15T09:00:00+01:00"));
    assert_eq!(advance().await.unwrap().status(), 200);
}

async fn a_session_with_a_signed_sheet_is_cancelled_not_deleted(b: Backend) {
    let app = TestApp::spawn(b).await;
    let f = seed_org(&app.db, "Org").await;
    let p = prepare(&app, f.org_id, &f.coordinator).await;
    enrol_ten(&app, &p).await;
    let sessions = plan_culture(&app, &p).await;
    let api = app.api();
    let people = acunum::cycle::store::participants(&app.db, f.org_id, p.cycle).await.unwrap();
    let (held, signed, spare) = (sessions[0], sessions[1], sessions[3]);
    hold(&app, f.org_id, &p, &[held]).await;
    // The second day: a sheet opened and one mark, not closed.
    let hid = halves(&app, &p, signed).await[0]["id"].as_i64().unwrap();
    app.during_half(hid, 60).await;
    let r = api
        .post(app.url(&format!("/api/v1/cycles/{}/sessions/{signed}/attendance/{hid}/marks", p.cycle)))
        .bearer_auth(&p.token)
        .json(&serde_json::json!({"participant_id": people[0].id, "status": "present"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let marks_before: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM attendance").fetch_one(&app.db.pool).await.unwrap();
    // Deleting it is refused, by the API and on the page, and nothing goes.
    let r = api
        .delete(app.url(&format!("/api/v1/cycles/{}/sessions/{signed}", p.cycle)))
        .bearer_auth(&p.token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 409);
    assert!(r.text().await.unwrap().contains("Annulez-la"));
    let c = app.logged_in(&f.coordinator).await;
    let r = app.post_form(&c, &format!("/cycles/{}/seances/{signed}/supprimer", p.cycle), &[]).await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("ne peut pas être supprimée"));
    let marks_after: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM attendance").fetch_one(&app.db.pool).await.unwrap();
    assert_eq!(marks_before, marks_after);
    assert_eq!(acunum::cycle::store::sessions(&app.db, f.org_id, p.cycle).await.unwrap().len(), 4);
    // Its times no longer move either.
    let r = api
        .put(app.url(&format!("/api/v1/cycles/{}/sessions/{signed}", p.cycle)))
        .bearer_auth(&p.token)
        .json(&serde_json::json!({"title": "Jour 2", "date": "2027-01-20", "start_time": "09:00", "end_time": "17:00"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 409);
    // A held session (its sheet closed) is not cancelled.
    let cancel = |sid: i64, reason: &str| {
        api.post(app.url(&format!("/api/v1/cycles/{}/sessions/{sid}/cancel", p.cycle)))
            .bearer_auth(&p.token)
            .json(&serde_json::json!({"reason": reason}))
            .send()
    };
    let r = cancel(held, "Erreur").await.unwrap();
    assert_eq!(r.status(), 409);
    assert!(r.text().await.unwrap().contains("a eu lieu"));
    // The signed one is cancelled with its reason: kept, struck out, out of the hours.
    assert_eq!(cancel(signed, "").await.unwrap().status(), 422);
    let r = cancel(signed, "Salle inondée").await.unwrap();
    assert_eq!(r.status(), 200);
    let x: serde_json::Value = r.json().await.unwrap();
    assert!(x["cancelled_at"].is_i64() && x["cancel_reason"] == "Salle inondée", "{x}");
    assert_eq!(cancel(signed, "Encore").await.unwrap().status(), 409);
    let summary: Vec<serde_json::Value> = api
        .get(app.url(&format!("/api/v1/cycles/{}/modules/{}/attendance", p.cycle, p.culture)))
        .bearer_auth(&p.token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(summary[0]["planned_minutes"], 21 * 60, "three days remain");
    let html = app.get(&c, &format!("/cycles/{}", p.cycle)).await.text().await.unwrap();
    assert!(html.contains("<del>") && html.contains("(annulée)"), "{html}");
    let html = app.get(&c, &format!("/cycles/{}/seances/{signed}", p.cycle)).await.text().await.unwrap();
    assert!(html.contains("Séance annulée") && html.contains("Salle inondée"), "{html}");
    let ics = app.get(&c, &format!("/seances/{signed}/ics")).await.text().await.unwrap();
    assert!(ics.contains("STATUS:CANCELLED"), "{ics}");
    let trail = acunum::audit::of_subject(&app.db, f.org_id, "session", signed).await.unwrap();
    assert_eq!((trail[0].action.as_str(), trail[0].reason.as_str()), ("session.cancel", "Salle inondée"));
    assert!(trail[0].actor.contains("Coordination"));
    // Its sheet no longer opens; a session without any record is still deleted.
    let hid2 = halves(&app, &p, signed).await[1]["id"].as_i64().unwrap();
    app.during_half(hid2, 60).await;
    let r = api
        .post(app.url(&format!("/api/v1/cycles/{}/sessions/{signed}/attendance/{hid2}/open", p.cycle)))
        .bearer_auth(&p.token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 409);
    let r = api
        .delete(app.url(&format!("/api/v1/cycles/{}/sessions/{spare}", p.cycle)))
        .bearer_auth(&p.token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    // A participant on a sheet is not deleted either: they leave the group and stay on the sheets.
    let r = api
        .delete(app.url(&format!("/api/v1/cycles/{}/participants/{}", p.cycle, people[0].id)))
        .bearer_auth(&p.token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 409);
    let r = api
        .put(app.url(&format!("/api/v1/cycles/{}/participants/{}", p.cycle, people[0].id)))
        .bearer_auth(&p.token)
        .json(&serde_json::json!({"membership": "other"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let sheet = app.get(&c, &format!("/cycles/{}/modules/{}/emargement", p.cycle, p.culture)).await;
    assert!(pdf_text(&sheet.bytes().await.unwrap()).contains(&people[0].full_name()));
}

async fn amo_meetings_are_recorded_in_their_journal_not_on_sheets(b: Backend) {
    let app = TestApp::spawn(b).await;
    let f = seed_org(&app.db, "Org").await;
    let p = prepare(&app, f.org_id, &f.coordinator).await;
    enrol_ten(&app, &p).await;
    let amo = acunum::cycle::store::modules(&app.db, f.org_id, p.cycle)
        .await
        .unwrap()
        .into_iter()
        .find(|m| m.kind == acunum::catalogue::ModuleKind::Amo)
        .unwrap();
    let api = app.api();
    let s: serde_json::Value = api
        .post(app.url(&format!("/api/v1/cycles/{}/modules/{}/sessions", p.cycle, amo.id)))
        .bearer_auth(&p.token)
        .json(&serde_json::json!({"title": "Réunion du comité", "date": "2027-06-07", "start_time": "14:00", "end_time": "16:00", "force": true}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let sid = s["id"].as_i64().expect("a session");
    let hid = halves(&app, &p, sid).await[0]["id"].as_i64().unwrap();
    app.during_half(hid, 10).await;
    let r = api
        .post(app.url(&format!("/api/v1/cycles/{}/sessions/{sid}/attendance/{hid}/open", p.cycle)))
        .bearer_auth(&p.token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 409);
    assert!(r.text().await.unwrap().contains("journal d'AMO"));
    let c = app.logged_in(&f.coordinator).await;
    let html = app.get(&c, &format!("/cycles/{}/seances/{sid}/emargement", p.cycle)).await.text().await.unwrap();
    assert!(html.contains("journal d&#39;AMO") && !html.contains("Ouvrir la signature"), "{html}");
    // The meeting's attendance goes in the journal, with who was there.
    let members: Vec<_> = acunum::cycle::store::participants(&app.db, f.org_id, p.cycle)
        .await
        .unwrap()
        .into_iter()
        .filter(|x| x.committee)
        .collect();
    app.set_now(at("2027-06-07T17:00:00+02:00"));
    let (a, bb) = (members[0].id.to_string(), members[1].id.to_string());
    let r = app
        .post_form(
            &c,
            &format!("/cycles/{}/amo", p.cycle),
            &[
                ("kind", "meeting"),
                ("day", "2027-06-07"),
                ("duration", "2:00"),
                ("text", "Réunion du comité : choix de l'outil"),
                ("attendee_ids", &a),
                ("attendee_ids", &bb),
            ],
        )
        .await;
    assert!(r.status().is_redirection(), "{}", r.status());
    let entries = acunum::committee::store::amo_entries(&app.db, f.org_id, p.cycle).await.unwrap();
    assert_eq!(entries[0].attendee_ids, vec![members[0].id, members[1].id]);
    let html = app.get(&c, &format!("/cycles/{}/amo", p.cycle)).await.text().await.unwrap();
    assert!(html.contains(&members[1].full_name()));
}

async fn the_outbox_says_what_waits_what_failed_and_what_left(b: Backend) {
    // Without an SMTP server, messages wait and the pages say so.
    let app = TestApp::spawn_with(b, |c| c.smtp_url = String::new()).await;
    let f = seed_org(&app.db, "Org").await;
    let p = prepare(&app, f.org_id, &f.coordinator).await;
    enrol_ten(&app, &p).await;
    plan_culture(&app, &p).await;
    let c = app.logged_in(&f.coordinator).await;
    let r = app.post_form(&c, &format!("/cycles/{}/modules/{}/convocations", p.cycle, p.culture), &[]).await;
    assert!(r.status().is_redirection());
    let html = app.get(&c, &format!("/cycles/{}", p.cycle)).await.text().await.unwrap();
    assert!(html.contains("10 convocations dans la file d&#39;envoi"), "{html}");
    assert!(html.contains("Aucun serveur d'envoi d'e-mails n'est configuré"), "the banner: {html}");
    app.run_jobs().await;
    let api = app.api();
    let outbox: serde_json::Value =
        api.get(app.url("/api/v1/outbox")).bearer_auth(&p.token).send().await.unwrap().json().await.unwrap();
    assert_eq!(outbox["smtp_configured"], false);
    let items = outbox["items"].as_array().unwrap();
    assert!(items.len() >= 10);
    let first = &items[0];
    assert_eq!(first["state"], "retrying", "{first}");
    assert!(first["error"].as_str().unwrap().contains("aucun serveur SMTP configuré"));
    assert!(first["next_attempt_at"].is_i64() && first["subject"].as_str().unwrap().starts_with("Convocation"));
    let html = app.get(&c, "/messages?etat=echecs").await.text().await.unwrap();
    assert!(html.contains("nouvelle tentative prévue") && html.contains("aucun serveur SMTP configuré"), "{html}");
    // Cancelled: it stays listed and never leaves; retried: it waits again from its first attempt.
    let id = first["id"].as_i64().unwrap();
    let r: serde_json::Value = api
        .post(app.url(&format!("/api/v1/outbox/{id}/cancel")))
        .bearer_auth(&p.token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(r["state"], "cancelled");
    assert_eq!(
        api.post(app.url(&format!("/api/v1/outbox/{id}/retry"))).bearer_auth(&p.token).send().await.unwrap().status(),
        409
    );
    let other = items[1]["id"].as_i64().unwrap();
    let r = app.post_form(&c, &format!("/messages/{other}/renvoyer"), &[]).await;
    assert!(r.status().is_redirection());
    let m: serde_json::Value = api
        .get(app.url("/api/v1/outbox"))
        .bearer_auth(&p.token)
        .send()
        .await
        .unwrap()
        .json::<serde_json::Value>()
        .await
        .unwrap()["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["id"] == other)
        .unwrap()
        .clone();
    assert_eq!((m["state"].as_str(), m["attempts"].as_i64()), (Some("pending"), Some(0)));
    // Another organisation sees none of it.
    let other_org = seed_org(&app.db, "Autre").await;
    let t = app.token_for(&other_org.coordinator).await;
    let theirs: serde_json::Value =
        api.get(app.url("/api/v1/outbox")).bearer_auth(&t).send().await.unwrap().json().await.unwrap();
    assert_eq!(theirs["total"], 0);
    assert_eq!(
        api.post(app.url(&format!("/api/v1/outbox/{other}/cancel"))).bearer_auth(&t).send().await.unwrap().status(),
        404
    );

    // With a server: the message leaves with a Message-ID and a Date, and the outbox says « envoyé ».
    let app = TestApp::spawn(b).await;
    let f = seed_org(&app.db, "Org").await;
    let p = prepare(&app, f.org_id, &f.coordinator).await;
    enrol_ten(&app, &p).await;
    plan_culture(&app, &p).await;
    let r = api
        .post(app.url(&format!("/api/v1/cycles/{}/modules/{}/convocations", p.cycle, p.culture)))
        .bearer_auth(&p.token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    app.run_jobs().await;
    let mails = app.mails.lock().unwrap().clone();
    let mail = mails.iter().find(|m| m.contains("personne0@exemple.fr")).unwrap();
    let id = crate::helpers::extract(mail, r"(?m)^Message-ID: (<[^>]+>)").expect("a Message-ID");
    assert!(id.ends_with("@acunum.localhost>"), "{id}");
    assert!(mail.contains("\nDate: "), "{mail}");
    let outbox: serde_json::Value = api
        .get(app.url("/api/v1/outbox?etat=envoyes"))
        .bearer_auth(&p.token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(outbox["counts"]["sent"], 10);
    assert!(outbox["items"].as_array().unwrap().iter().any(|x| x["message_id"] == id.as_str() && x["state"] == "sent"));
}

async fn accounts_are_created_and_linked_from_their_records(b: Backend) {
    let app = TestApp::spawn(b).await;
    let f = seed_org(&app.db, "Org").await;
    let p = prepare(&app, f.org_id, &f.coordinator).await;
    enrol_ten(&app, &p).await;
    plan_culture(&app, &p).await;
    let api = app.api();
    // The intervenant's record has no address: the invitation says so.
    let c = app.logged_in(&f.coordinator).await;
    let r = app.post_form(&c, &format!("/intervenants/{}/compte", p.intervenant), &[]).await;
    assert!(r.status().is_redirection());
    let html = app.get(&c, &format!("/intervenants/{}", p.intervenant)).await.text().await.unwrap();
    assert!(html.contains("pas d&#39;adresse e-mail"), "{html}");
    sqlx::query("UPDATE intervenants SET email = 'camille@mediation.test' WHERE id = $1")
        .bind(p.intervenant)
        .execute(&app.db.pool)
        .await
        .unwrap();
    let r = app.post_form(&c, &format!("/intervenants/{}/compte", p.intervenant), &[]).await;
    assert!(r.status().is_redirection());
    let html = app.get(&c, &format!("/intervenants/{}", p.intervenant)).await.text().await.unwrap();
    assert!(
        html.contains("Compte créé pour Camille Durand") && html.contains("Compte lié : camille@mediation.test"),
        "{html}"
    );
    app.run_jobs().await;
    let mail = app.mails.lock().unwrap().iter().find(|m| m.contains("camille@mediation.test")).cloned().unwrap();
    let link = crate::helpers::extract(&mail, r"http://acunum\.test(/reinitialiser/[A-Za-z0-9_-]+)").unwrap();
    let camille = app.client();
    let password = "Un mot de passe solide 2027";
    let r = app.post_form(&camille, &link, &[("password", password), ("confirm", password)]).await;
    assert!(r.status().is_redirection() || r.status() == 200);
    let camille = app.client();
    assert!(app.login(&camille, "camille@mediation.test", password).await.status().is_redirection());
    // Her agenda and her sheets, straight away.
    let html = app.get(&camille, "/agenda").await.text().await.unwrap();
    assert!(html.contains("Agenda de Camille Durand") && html.contains("Jour 1"), "{html}");
    let first = acunum::cycle::store::sessions(&app.db, f.org_id, p.cycle).await.unwrap().remove(0);
    let r = app.get(&camille, &format!("/cycles/{}/seances/{}/emargement", p.cycle, first.id)).await;
    assert_eq!(r.status(), 200);
    // An account that is not linked says what to ask for, on a page of the application.
    let other = app.logged_in(&f.intervenant).await;
    let r = app.get(&other, "/agenda").await;
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().contains("relié à aucune fiche"));
    // The API twin for a client contact; an address taken by another role is refused.
    let client = acunum::cycle::store::get(&app.db, f.org_id, p.cycle).await.unwrap().client_id;
    let contact = acunum::client::store::contacts(&app.db, f.org_id, client).await.unwrap().remove(0);
    let r: serde_json::Value = api
        .post(app.url(&format!("/api/v1/clients/{client}/contacts/{}/account", contact.id)))
        .bearer_auth(&p.token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!((r["created"].as_bool(), r["user"]["role"].as_str()), (Some(true), Some("client_contact")));
    assert!(r["reset_link"].as_str().unwrap().contains("/reinitialiser/"));
    let added = acunum::client::store::add_contact(
        &app.db,
        f.org_id,
        client,
        &acunum::client::ContactInput {
            name: "Coordination".into(),
            email: f.coordinator.clone(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let r = api
        .post(app.url(&format!("/api/v1/clients/{client}/contacts/{}/account", added.id)))
        .bearer_auth(&p.token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 409);
    // The command line ties an account to a record the same way.
    let other_record = acunum::intervenant::store::create(
        &app.db,
        f.org_id,
        &acunum::intervenant::IntervenantInput {
            first_name: "Dominique".into(),
            last_name: "Ligne".into(),
            email: "dominique@mediation.test".into(),
            is_animator: true,
            active: true,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_acunum"))
        .args([
            "user",
            "add",
            "--email",
            "dominique@mediation.test",
            "--name",
            "Dominique Ligne",
            "--role",
            "intervenant",
        ])
        .args(["--org", &f.slug, "--intervenant", &other_record.id.to_string()])
        .env("DATABASE_URL", &app.url)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("relié à sa fiche"));
    let linked = acunum::intervenant::store::get(&app.db, f.org_id, other_record.id).await.unwrap();
    let user = acunum::auth::store::user_by_email(&app.db, "dominique@mediation.test").await.unwrap().unwrap();
    assert_eq!(linked.user_id, Some(user.id));
}

async fn a_persons_data_is_exported_and_erased_and_retention_applies(b: Backend) {
    let app = TestApp::spawn(b).await;
    let f = seed_org(&app.db, "Org").await;
    let p = prepare(&app, f.org_id, &f.coordinator).await;
    enrol_ten(&app, &p).await;
    let sessions = plan_culture(&app, &p).await;
    hold(&app, f.org_id, &p, &sessions[..1]).await;
    let people = acunum::cycle::store::participants(&app.db, f.org_id, p.cycle).await.unwrap();
    let api = app.api();
    // Found by address, exported as JSON and as a PDF.
    let found: Vec<serde_json::Value> = api
        .get(app.url("/api/v1/personal-data?email=PERSONNE0@exemple.fr"))
        .bearer_auth(&p.token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0]["kind"], "participant");
    let id = found[0]["id"].as_i64().unwrap();
    let data: serde_json::Value = api
        .get(app.url(&format!("/api/v1/personal-data/participant/{id}")))
        .bearer_auth(&p.token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(data["email"], "personne0@exemple.fr");
    let sheet = data["sections"].as_array().unwrap().iter().find(|s| s["title"] == "Émargement").unwrap();
    assert_eq!(sheet["rows"].as_array().unwrap().len(), 2, "two half-days marked: {sheet}");
    let pdf = api
        .get(app.url(&format!("/api/v1/personal-data/participant/{id}/pdf")))
        .bearer_auth(&p.token)
        .send()
        .await
        .unwrap();
    assert_eq!(pdf.status(), 200);
    let text = pdf_text(&pdf.bytes().await.unwrap());
    assert!(
        text.contains("Données personnelles") && text.contains("personne0@exemple.fr") && text.contains("Émargement"),
        "{text}"
    );
    // Erased on request: the reason is required; on a sheet, anonymised (the name stays there).
    let erase = |kind: &str, id: i64, reason: &str| {
        api.post(app.url(&format!("/api/v1/personal-data/{kind}/{id}/erase")))
            .bearer_auth(&p.token)
            .json(&serde_json::json!({"reason": reason}))
            .send()
    };
    assert_eq!(erase("participant", id, "").await.unwrap().status(), 422);
    let r: serde_json::Value =
        erase("participant", id, "Demande écrite du 20 janvier 2027").await.unwrap().json().await.unwrap();
    assert_eq!(r["result"], "anonymised", "{r}");
    let after = acunum::cycle::store::participant(&app.db, f.org_id, p.cycle, id).await.unwrap();
    assert_eq!((after.first_name.as_str(), after.phone.as_str()), ("Personne0", ""));
    assert!(after.email.starts_with("efface-participant-"));
    assert_eq!(app.get(&app.client(), &format!("/p/{}", people[0].calendar_token)).await.status(), 404);
    assert_eq!(
        acunum::attendance::store::history(
            &app.db,
            f.org_id,
            halves(&app, &p, sessions[0]).await[0]["id"].as_i64().unwrap()
        )
        .await
        .unwrap()
        .len(),
        10
    );
    // Someone on no sheet is deleted (a waiting-list person, say).
    let r: serde_json::Value = api
        .post(app.url(&format!("/api/v1/cycles/{}/participants", p.cycle)))
        .bearer_auth(&p.token)
        .json(&serde_json::json!({"first_name": "Onze", "last_name": "Attente", "email": "onze@exemple.fr"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let onze = r["id"].as_i64().unwrap();
    let r: serde_json::Value = erase("participant", onze, "Appel du 21 janvier").await.unwrap().json().await.unwrap();
    assert_eq!(r["result"], "deleted");
    assert!(acunum::cycle::store::participant(&app.db, f.org_id, p.cycle, onze).await.is_err());
    let trail = acunum::audit::list(&app.db, f.org_id, 100, 0).await.unwrap().0;
    assert_eq!(trail.iter().filter(|a| a.action == "personal_data.erase").count(), 2);
    assert!(trail.iter().any(|a| a.action == "personal_data.export"));
    // The pages: the search, the register of processing.
    let c = app.logged_in(&f.coordinator).await;
    let html = app.get(&c, "/donnees-personnelles?email=personne1@exemple.fr").await.text().await.unwrap();
    assert!(html.contains("Personne1 Test") && html.contains("Effacer ou anonymiser"), "{html}");
    let html = app.get(&c, "/donnees-personnelles/registre").await.text().await.unwrap();
    assert!(
        html.contains("Registre des activités de traitement") && html.contains("5 ans après la dernière séance"),
        "{html}"
    );
    // Retention: three years after the end, the contact data goes; five years after, the names on the sheets.
    let report = acunum::privacy::store::apply_retention(
        &app.db,
        &acunum::privacy::store::Retentions { contact_years: 3, records_years: 5, logs_days: 180 },
        at("2030-02-01T00:00:00+01:00"),
    )
    .await
    .unwrap();
    assert_eq!((report.contacts_erased, report.records_anonymised), (9, 0));
    let left = acunum::cycle::store::participants(&app.db, f.org_id, p.cycle).await.unwrap();
    assert!(left.iter().all(|x| x.email.starts_with("efface-") && x.phone.is_empty()));
    let report = acunum::privacy::store::apply_retention(
        &app.db,
        &acunum::privacy::store::Retentions { contact_years: 3, records_years: 5, logs_days: 180 },
        at("2032-02-01T00:00:00+01:00"),
    )
    .await
    .unwrap();
    assert_eq!(report.records_anonymised, 10);
    let left = acunum::cycle::store::participants(&app.db, f.org_id, p.cycle).await.unwrap();
    assert!(left.iter().all(|x| x.last_name.starts_with("anonymisée n° ")), "{left:?}");
    // The marks themselves stay: the hours of the year's BPF still add up.
    let marks: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM attendance").fetch_one(&app.db.pool).await.unwrap();
    assert_eq!(marks, 20);
}

/// The worker's timers are scheduled jobs: enqueued once per period whatever the number of
/// processes, run through the queue; the housekeeping kind removes expired sessions.
async fn scheduled_jobs_run_once_per_period_and_clean_up(b: Backend) {
    let app = TestApp::spawn(b).await;
    let now = acunum::db::now();
    sqlx::query("INSERT INTO sessions (id, data, expires_at) VALUES ('expired-one', '{}', $1), ('live-one', '{}', $2)")
        .bind(now - 10)
        .bind(now + 3600)
        .execute(&app.db.pool)
        .await
        .unwrap();
    // Two processes enqueue in the same period: one job per scheduled kind.
    for _process in 0..2 {
        let mut enqueued = std::collections::HashMap::new();
        acunum::jobs::enqueue_scheduled(&app.db, acunum::worker::KINDS, now, &mut enqueued).await.unwrap();
    }
    let scheduled = acunum::worker::KINDS.iter().filter(|k| k.every().is_some()).count() as i64;
    let queued: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM jobs WHERE dedup_key LIKE 'schedule:%'")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(queued, scheduled);
    app.run_jobs().await;
    let left: Vec<String> = sqlx::query_scalar("SELECT id FROM sessions WHERE id IN ('expired-one', 'live-one')")
        .fetch_all(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(left, vec!["live-one".to_string()]);
    let done: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM jobs WHERE dedup_key LIKE 'schedule:housekeeping:%' AND status = 'done'",
    )
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(done, 1);
}
