//! Attendance: the eight half-days of a culture training, signing on a phone, the sheets and the
//! certificates computed from the hours really attended.

use std::io::Read;

use crate::both_databases;
use crate::cycles::{Prepared, enrol_ten, prepare};
use crate::helpers::{Backend, TestApp, seed_org};
use crate::isolation::SIGNATURE;
use crate::quotes::pdf_text;

both_databases!(
    eight_half_days_with_one_absent_morning_give_the_right_hours,
    participants_sign_for_themselves_once_and_only_in_time,
    the_intervenant_runs_the_sheet_through_the_pages,
    the_client_contact_downloads_the_certificates_of_their_people
);

/// Plans the four days of the culture training from Monday 11 January 2027 and returns its sessions' ids.
pub async fn plan_culture(app: &TestApp, p: &Prepared) -> Vec<i64> {
    let api = app.api();
    let r = api.post(app.url(&format!("/api/v1/cycles/{}/modules/{}/plan", p.cycle, p.culture))).bearer_auth(&p.token)
        .json(&serde_json::json!({"start_date": "2027-01-11", "start_time": "09:00:00", "room_id": p.training_room, "intervenant_id": p.intervenant}))
        .send().await.unwrap();
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    let d: serde_json::Value = api
        .get(app.url(&format!("/api/v1/cycles/{}", p.cycle)))
        .bearer_auth(&p.token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let ids: Vec<i64> = d["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["cycle_module_id"] == p.culture)
        .map(|s| s["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids.len(), 4);
    ids
}

/// The half-days of a session, as the API shows them.
pub async fn halves(app: &TestApp, p: &Prepared, session: i64) -> Vec<serde_json::Value> {
    let r = app
        .api()
        .get(app.url(&format!("/api/v1/cycles/{}/sessions/{session}/attendance", p.cycle)))
        .bearer_auth(&p.token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    r.json::<Vec<serde_json::Value>>().await.unwrap()
}

async fn people(app: &TestApp, org: i64, p: &Prepared) -> Vec<acunum::cycle::store::Participant> {
    acunum::cycle::store::participants(&app.db, org, p.cycle).await.unwrap()
}

async fn eight_half_days_with_one_absent_morning_give_the_right_hours(b: Backend) {
    let app = TestApp::spawn(b).await;
    let f = seed_org(&app.db, "Org").await;
    let p = prepare(&app, f.org_id, &f.coordinator).await;
    enrol_ten(&app, &p).await;
    let sessions = plan_culture(&app, &p).await;
    let group = people(&app, f.org_id, &p).await;
    let absent = group.iter().find(|x| x.email == "personne4@exemple.fr").unwrap().clone();
    let late = group.iter().find(|x| x.email == "personne5@exemple.fr").unwrap().clone();
    let api = app.api();
    let mut all = Vec::new();
    for (day, sid) in sessions.iter().enumerate() {
        let hs = halves(&app, &p, *sid).await;
        assert_eq!(hs.len(), 2, "a day of 9:00–17:00 is two half-days");
        assert_eq!((hs[0]["part"].as_str(), hs[0]["minutes"].as_i64()), (Some("morning"), Some(210)));
        for h in hs {
            let hid = h["id"].as_i64().unwrap();
            let base = format!("/api/v1/cycles/{}/sessions/{sid}/attendance/{hid}", p.cycle);
            // Presences are noted during the half-day, the sheet closed after it.
            app.during_half(hid, 60).await;
            for person in &group {
                let status =
                    if day == 1 && h["part"] == "morning" && person.id == absent.id { "absent" } else { "present" };
                let r = api
                    .post(app.url(&format!("{base}/marks")))
                    .bearer_auth(&p.token)
                    .json(&serde_json::json!({"participant_id": person.id, "status": status}))
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
            all.push((*sid, hid));
        }
    }
    assert_eq!(all.len(), 8);
    // A closed sheet does not close twice, and a late mark is a traced correction, not an overwrite.
    let (sid, hid) = all[5];
    let base = format!("/api/v1/cycles/{}/sessions/{sid}/attendance/{hid}", p.cycle);
    let r = api
        .post(app.url(&format!("{base}/lock")))
        .bearer_auth(&p.token)
        .json(&serde_json::json!({"trainer_name": "X", "signature": SIGNATURE}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 409);
    let correct = serde_json::json!({"participant_id": late.id, "status": "late", "late_minutes": 30});
    let r = api.post(app.url(&format!("{base}/marks"))).bearer_auth(&p.token).json(&correct).send().await.unwrap();
    assert_eq!(r.status(), 422, "a correction of a closed sheet needs its reason");
    let e: serde_json::Value = r.json().await.unwrap();
    assert_eq!(e["fields"][0]["field"], "correction", "{e}");
    let mut correct = correct;
    correct["correction"] = "Retard relevé sur la feuille papier".into();
    let r = api.post(app.url(&format!("{base}/marks"))).bearer_auth(&p.token).json(&correct).send().await.unwrap();
    assert_eq!(r.status(), 201);
    let history = acunum::attendance::store::history(&app.db, f.org_id, hid).await.unwrap();
    let theirs: Vec<_> = history.iter().filter(|m| m.participant_id == late.id).collect();
    assert_eq!(theirs.len(), 2, "the first mark is kept");
    assert_eq!((theirs[1].method.as_str(), theirs[1].late_minutes), ("correction", 30));
    assert_eq!(theirs[1].correction, "Retard relevé sur la feuille papier");
    assert!(theirs[1].actor.contains("Coordination"));
    let trail = acunum::audit::of_subject(&app.db, f.org_id, "half_day", hid).await.unwrap();
    assert!(trail.iter().any(|a| a.action == "attendance.correct" && a.reason.contains("feuille papier")), "{trail:?}");
    // Bad marks are refused with their field, and change nothing.
    for (body, field) in [
        (serde_json::json!({"participant_id": late.id, "status": "excused"}), "reason"),
        (serde_json::json!({"participant_id": late.id, "status": "late", "late_minutes": 0}), "late_minutes"),
        (serde_json::json!({"participant_id": late.id, "status": "sleeping"}), "status"),
        (serde_json::json!({"participant_id": 999_999, "status": "present"}), "participant_id"),
    ] {
        let r = api.post(app.url(&format!("{base}/marks"))).bearer_auth(&p.token).json(&body).send().await.unwrap();
        assert_eq!(r.status(), 422);
        let e: serde_json::Value = r.json().await.unwrap();
        assert!(e["fields"].as_array().unwrap().iter().any(|x| x["field"] == field), "{e}");
    }
    assert_eq!(acunum::attendance::store::history(&app.db, f.org_id, hid).await.unwrap().len(), history.len());

    // Hours followed: 28 h planned; 24 h 30 for the absent morning; 27 h 30 for the lateness.
    let summary: Vec<serde_json::Value> = api
        .get(app.url(&format!("/api/v1/cycles/{}/modules/{}/attendance", p.cycle, p.culture)))
        .bearer_auth(&p.token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(summary.len(), 10);
    let of =
        |id: i64| summary.iter().find(|x| x["participant_id"] == id).unwrap()["attended_minutes"].as_i64().unwrap();
    assert_eq!(summary[0]["planned_minutes"], 28 * 60);
    assert_eq!(of(absent.id), 24 * 60 + 30);
    assert_eq!(of(late.id), 27 * 60 + 30);
    assert_eq!(of(group[0].id), 28 * 60);

    // The certificate of the absent participant says so.
    let r = api
        .get(
            app.url(&format!(
                "/api/v1/cycles/{}/modules/{}/certificates/{}/realisation",
                p.cycle, p.culture, absent.id
            )),
        )
        .bearer_auth(&p.token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let text = pdf_text(&r.bytes().await.unwrap());
    assert!(text.contains("Certificat de réalisation"), "{text}");
    assert!(text.contains("Personne4 Test"), "{text}");
    assert!(text.contains("Centre hospitalier"), "the employer: {text}");
    assert!(text.contains("24 h 30 réalisées sur 28 h prévues"), "{text}");
    assert!(text.contains("11 janvier 2027") && text.contains("14 janvier 2027"), "{text}");
    assert!(text.contains("L6313-1"), "{text}");
    let attestation =
        api.get(app.url(&format!(
            "/api/v1/cycles/{}/modules/{}/certificates/{}/attestation",
            p.cycle, p.culture, group[0].id
        )))
        .bearer_auth(&p.token)
        .send()
        .await
        .unwrap();
    let text = pdf_text(&attestation.bytes().await.unwrap());
    assert!(text.contains("Attestation de fin de formation") && text.contains("28 h sur 28 h"), "{text}");

    // Pages: the summary, the sheets, the blank sheet, the archive.
    let c = app.logged_in(&f.coordinator).await;
    let html = app.get(&c, &format!("/cycles/{}/modules/{}/presences", p.cycle, p.culture)).await.text().await.unwrap();
    assert!(html.contains("24 h 30") && html.contains("Absent·e"), "{html}");
    let sheets = app.get(&c, &format!("/cycles/{}/modules/{}/emargement", p.cycle, p.culture)).await;
    assert_eq!(sheets.status(), 200);
    let text = pdf_text(&sheets.bytes().await.unwrap());
    assert!(text.contains("Camille Durand") && text.contains("Absent·e") && text.contains("Personne9 Test"), "{text}");
    assert!(text.contains("Retard"), "the correction is on the sheet: {text}");
    let blank = app.get(&c, &format!("/cycles/{}/modules/{}/feuille-vierge", p.cycle, p.culture)).await;
    let text = pdf_text(&blank.bytes().await.unwrap());
    assert!(text.contains("Personne0 Test") && !text.contains("Absent·e"), "{text}");
    let one = app.get(&c, &format!("/cycles/{}/seances/{sid}/emargement/{hid}/feuille", p.cycle)).await;
    assert_eq!(one.status(), 200);
    let zip = app.get(&c, &format!("/cycles/{}/modules/{}/certificats.zip", p.cycle, p.culture)).await;
    assert_eq!(zip.headers()["content-type"], "application/zip");
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(zip.bytes().await.unwrap().to_vec())).unwrap();
    assert_eq!(archive.len(), 20, "a certificate and an attestation for each of the ten");
    let name = (0..archive.len())
        .map(|i| archive.by_index(i).unwrap().name().unwrap().to_string())
        .find(|n| n.contains("personne4") && n.contains("realisation"))
        .expect("the absent participant's certificate");
    let mut bytes = Vec::new();
    archive.by_name(&name).unwrap().read_to_end(&mut bytes).unwrap();
    assert!(pdf_text(&bytes).contains("24 h 30"));
}

/// Ten minutes into a half-day.
async fn make_it_now(app: &TestApp, hid: i64) {
    app.during_half(hid, 600).await;
}

async fn participants_sign_for_themselves_once_and_only_in_time(b: Backend) {
    let app = TestApp::spawn(b).await;
    let f = seed_org(&app.db, "Org").await;
    let p = prepare(&app, f.org_id, &f.coordinator).await;
    enrol_ten(&app, &p).await;
    let sessions = plan_culture(&app, &p).await;
    let group = people(&app, f.org_id, &p).await;
    let (alice, bob) = (&group[0], &group[1]);
    let api = app.api();
    let hs = halves(&app, &p, sessions[0]).await;
    let (morning, afternoon) = (hs[0]["id"].as_i64().unwrap(), hs[1]["id"].as_i64().unwrap());
    let sign = |token: &str, hid: i64, body: serde_json::Value| {
        api.post(app.url(&format!("/api/v1/participants/{token}/sign/{hid}"))).json(&body).send()
    };
    // Not open yet.
    let r = sign(&alice.calendar_token, morning, serde_json::json!({"code": "000000", "confirm": true})).await.unwrap();
    assert_eq!(r.status(), 409);
    // The half-day is in January 2027: signing does not open a month before, nor the day before.
    let open_url = app.url(&format!("/api/v1/cycles/{}/sessions/{}/attendance/{morning}/open", p.cycle, sessions[0]));
    let open = || api.post(&open_url).bearer_auth(&p.token).send();
    let r = open().await.unwrap();
    assert_eq!(r.status(), 409);
    assert!(r.text().await.unwrap().contains("s'ouvrira le 11 janvier 2027 à 08:30"));
    app.during_half(morning, -86_400).await;
    assert_eq!(open().await.unwrap().status(), 409);
    assert_eq!(acunum::attendance::store::get(&app.db, f.org_id, morning).await.unwrap().status, "planned");
    make_it_now(&app, morning).await;
    let opened: serde_json::Value = open().await.unwrap().json().await.unwrap();
    let code = opened["code"].as_str().unwrap().to_string();
    assert_eq!(code.len(), 6);
    // A wrong code, no signature: refused with the field.
    let guess = if code == "123456" { "654321" } else { "123456" };
    let r = sign(&alice.calendar_token, morning, serde_json::json!({"code": guess, "confirm": true})).await.unwrap();
    assert_eq!(r.status(), 422);
    let r = sign(&alice.calendar_token, morning, serde_json::json!({"code": code})).await.unwrap();
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("signature"));
    let r = sign(
        &alice.calendar_token,
        morning,
        serde_json::json!({"code": code, "signature": "data:image/svg+xml;base64,PHN2Zz4="}),
    )
    .await
    .unwrap();
    assert_eq!(r.status(), 422);
    assert!(acunum::attendance::store::history(&app.db, f.org_id, morning).await.unwrap().is_empty());
    // The right code with a drawn signature: signed, once.
    let r =
        sign(&alice.calendar_token, morning, serde_json::json!({"code": code, "signature": SIGNATURE})).await.unwrap();
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    let r = sign(&alice.calendar_token, morning, serde_json::json!({"code": code, "confirm": true})).await.unwrap();
    assert_eq!(r.status(), 409);
    assert!(r.text().await.unwrap().contains("déjà signé"));
    let marks = acunum::attendance::store::history(&app.db, f.org_id, morning).await.unwrap();
    assert_eq!(marks.len(), 1);
    assert_eq!((marks[0].participant_id, marks[0].method.as_str(), marks[0].signed), (alice.id, "self", true));
    assert!(!marks[0].ip.is_empty(), "where from is kept");
    // The code of one half-day does not sign another; a forged link signs nothing.
    let r = sign(&alice.calendar_token, afternoon, serde_json::json!({"code": code, "confirm": true})).await.unwrap();
    assert_eq!(r.status(), 409);
    let r = sign("forged-token", morning, serde_json::json!({"code": code, "confirm": true})).await.unwrap();
    assert_eq!(r.status(), 404);
    // Guessing is rate-limited: after five wrong codes, even the right one waits.
    for _ in 0..5 {
        let r = sign(&bob.calendar_token, morning, serde_json::json!({"code": guess, "confirm": true})).await.unwrap();
        assert_eq!(r.status(), 422);
    }
    let r = sign(&bob.calendar_token, morning, serde_json::json!({"code": code, "confirm": true})).await.unwrap();
    assert_eq!(r.status(), 429);
    // Sixty wrong codes sent at once for one person: at most five are compared.
    let carol = group[2].calendar_token.clone();
    let mut tasks = Vec::new();
    for _ in 0..60 {
        let url = app.url(&format!("/api/v1/participants/{carol}/sign/{morning}"));
        let body = serde_json::json!({"code": guess, "confirm": true});
        tasks.push(tokio::spawn(async move {
            reqwest::Client::new().post(url).json(&body).send().await.unwrap().status().as_u16()
        }));
    }
    let mut statuses = Vec::new();
    for t in tasks {
        statuses.push(t.await.unwrap());
    }
    let compared = statuses.iter().filter(|s| **s == 422).count();
    assert!(compared <= 5, "{compared} codes compared: {statuses:?}");
    assert!(statuses.iter().all(|s| matches!(s, 422 | 429)), "{statuses:?}");
    let e: serde_json::Value = r.json().await.unwrap();
    assert!(e["message"].as_str().unwrap().contains("Trop de codes"), "{e}");
    // The sheet closes once the half-day is over, and nobody is left « non renseigné » without a word.
    let lock = |body: serde_json::Value| {
        api.post(app.url(&format!("/api/v1/cycles/{}/sessions/{}/attendance/{morning}/lock", p.cycle, sessions[0])))
            .bearer_auth(&p.token)
            .json(&body)
            .send()
    };
    let r = lock(serde_json::json!({"trainer_name": "Camille Durand", "signature": SIGNATURE})).await.unwrap();
    assert_eq!(r.status(), 409);
    assert!(r.text().await.unwrap().contains("se clôt à la fin de la demi-journée"));
    app.after_half(morning, 60).await;
    let r = lock(serde_json::json!({"trainer_name": "Camille Durand", "signature": SIGNATURE})).await.unwrap();
    assert_eq!(r.status(), 422);
    let e: serde_json::Value = r.json().await.unwrap();
    assert_eq!(e["fields"][0]["field"], "absent_unmarked", "{e}");
    assert!(e["fields"][0]["message"].as_str().unwrap().contains("9 personnes sans présence notée"), "{e}");
    assert_eq!(acunum::attendance::store::get(&app.db, f.org_id, morning).await.unwrap().status, "open");
    let r =
        lock(serde_json::json!({"trainer_name": "Camille Durand", "signature": SIGNATURE, "absent_unmarked": true}))
            .await
            .unwrap();
    assert_eq!(r.status(), 204);
    let marks = acunum::attendance::store::current(&app.db, f.org_id, morning).await.unwrap();
    assert_eq!(marks.len(), 10, "everyone has a mark on the closed sheet");
    assert_eq!(marks.iter().filter(|m| m.status == acunum::attendance::Status::Absent).count(), 9);
    let history_len = acunum::attendance::store::history(&app.db, f.org_id, morning).await.unwrap().len();
    let r = sign(&group[2].calendar_token, morning, serde_json::json!({"code": code, "confirm": true})).await.unwrap();
    assert_eq!(r.status(), 409);
    assert!(r.text().await.unwrap().contains("close"));
    assert_eq!(acunum::attendance::store::history(&app.db, f.org_id, morning).await.unwrap().len(), history_len);
    let r = api
        .post(app.url(&format!("/api/v1/cycles/{}/sessions/{}/attendance/{morning}/open", p.cycle, sessions[0])))
        .bearer_auth(&p.token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 409, "a closed sheet does not reopen");

    // An absence announced in advance excuses the two half-days of the day.
    let r = api
        .post(app.url(&format!("/api/v1/participants/{}/absences/{}", group[3].calendar_token, sessions[2])))
        .json(&serde_json::json!({"reason": ""}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422, "a reason is needed");
    let r: serde_json::Value = api
        .post(app.url(&format!("/api/v1/participants/{}/absences/{}", group[3].calendar_token, sessions[2])))
        .json(&serde_json::json!({"reason": "Rendez-vous médical"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(r["half_days"], 2);
    let day3 = halves(&app, &p, sessions[2]).await;
    for h in &day3 {
        let m = h["marks"].as_array().unwrap().iter().find(|m| m["participant_id"] == group[3].id).expect("a mark");
        assert_eq!((m["status"].as_str(), m["reason"].as_str()), (Some("excused"), Some("Rendez-vous médical")));
    }

    // Through the pages: the phone opens its link, then the QR code's address, and signs with a tick.
    make_it_now(&app, afternoon).await;
    let opened: serde_json::Value = api
        .post(app.url(&format!("/api/v1/cycles/{}/sessions/{}/attendance/{afternoon}/open", p.cycle, sessions[0])))
        .bearer_auth(&p.token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let code = opened["code"].as_str().unwrap();
    let phone = app.client();
    let carol = &group[4];
    let html = app.get(&phone, &format!("/p/{}", carol.calendar_token)).await.text().await.unwrap();
    assert!(html.contains("Signer ma présence"), "{html}");
    let r = app.get(&phone, &format!("/signer/{code}")).await;
    assert!(r.status().is_redirection());
    let to = crate::helpers::location(&r);
    assert!(to.starts_with(&format!("/p/{}?code={code}", carol.calendar_token)), "{to}");
    // A wrong code: back on the page, the message said, what was typed kept.
    let wrong = if code == "123456" { "654321" } else { "123456" };
    let r = app
        .post_form(
            &phone,
            &format!("/p/{}/signer/{afternoon}", carol.calendar_token),
            &[("code", wrong), ("confirm", "on")],
        )
        .await;
    assert!(r.status().is_redirection(), "{}", r.status());
    assert_eq!(crate::helpers::location(&r), format!("/p/{}?code={wrong}", carol.calendar_token));
    let html = app.get(&phone, &crate::helpers::location(&r)).await.text().await.unwrap();
    assert!(html.contains("n&#39;est pas celui affiché") || html.contains("n'est pas celui affiché"), "{html}");
    assert!(html.contains(&format!("value=\"{wrong}\"")), "{html}");
    let r = app
        .post_form(
            &phone,
            &format!("/p/{}/signer/{afternoon}", carol.calendar_token),
            &[("code", code), ("confirm", "on")],
        )
        .await;
    assert!(r.status().is_redirection(), "{}", r.status());
    let html = app.get(&phone, &format!("/p/{}", carol.calendar_token)).await.text().await.unwrap();
    assert!(html.contains("votre présence est signée"), "{html}");
    let marks = acunum::attendance::store::current(&app.db, f.org_id, afternoon).await.unwrap();
    assert_eq!(marks.len(), 1);
    assert_eq!((marks[0].participant_id, marks[0].signed), (carol.id, false));
    // A phone without its link lands on a page that explains what to open.
    let stranger = app.client();
    let html = app.get(&stranger, &format!("/signer/{code}")).await.text().await.unwrap();
    assert!(html.contains(code), "{html}");
}

async fn the_intervenant_runs_the_sheet_through_the_pages(b: Backend) {
    let app = TestApp::spawn(b).await;
    let f = seed_org(&app.db, "Org").await;
    let p = prepare(&app, f.org_id, &f.coordinator).await;
    enrol_ten(&app, &p).await;
    let sessions = plan_culture(&app, &p).await;
    let group = people(&app, f.org_id, &p).await;
    // The intervenant's account is the one of the sessions' intervenant.
    sqlx::query("UPDATE intervenants SET user_id = (SELECT id FROM users WHERE email = $1) WHERE id = $2")
        .bind(&f.intervenant)
        .bind(p.intervenant)
        .execute(&app.db.pool)
        .await
        .unwrap();
    let c = app.logged_in(&f.intervenant).await;
    let page = format!("/cycles/{}/seances/{}/emargement", p.cycle, sessions[0]);
    let html = app.get(&c, &page).await.text().await.unwrap();
    assert!(html.contains("Matin") && html.contains("Personne7 Test"), "{html}");
    let hid = halves(&app, &p, sessions[0]).await[0]["id"].as_i64().unwrap();
    // A month early, the page says when signing opens, and refuses on the page with its reason.
    assert!(html.contains("La signature de cette demi-journée s&#39;ouvrira le 11 janvier 2027 à 08:30"), "{html}");
    let r = app.post_form(&c, &format!("{page}/{hid}/ouvrir"), &[]).await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("s&#39;ouvrira le 11 janvier 2027"));
    assert_eq!(acunum::attendance::store::get(&app.db, f.org_id, hid).await.unwrap().status, "planned");
    app.during_half(hid, -20 * 60).await;
    let r = app.post_form(&c, &format!("{page}/{hid}/ouvrir"), &[]).await;
    assert!(r.status().is_redirection());
    let html = app.get(&c, &page).await.text().await.unwrap();
    let code = crate::helpers::extract(&html, r"/signer/(\d{6})").expect("the signing address");
    assert!(html.contains("<svg"), "the QR code is shown");
    assert!(html.contains(&code));
    // Marks wait for the start of the half-day (it is 20 minutes before), with the reason on the page.
    let pid = group[6].id.to_string();
    let excused = [("participant_id", pid.as_str()), ("status", "excused"), ("reason", "Enfant malade")];
    let r = app.post_form(&c, &format!("{page}/{hid}/marquer"), &excused).await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("à partir de son début"));
    app.during_half(hid, 5 * 60).await;
    // An excused absence needs its reason; the page says so, in French, with the field.
    let r =
        app.post_form(&c, &format!("{page}/{hid}/marquer"), &[("participant_id", &pid), ("status", "excused")]).await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("Indiquez le motif"));
    let r = app.post_form(&c, &format!("{page}/{hid}/marquer"), &excused).await;
    assert!(r.status().is_redirection());
    let pid2 = group[7].id.to_string();
    let r = app
        .post_form(
            &c,
            &format!("{page}/{hid}/marquer"),
            &[("participant_id", &pid2), ("status", "late"), ("late_minutes", "45"), ("paper", "on")],
        )
        .await;
    assert!(r.status().is_redirection());
    // Closing waits for the end of the half-day, needs the drawn signature, and says who is unmarked.
    let r = app
        .post_form(&c, &format!("{page}/{hid}/clore"), &[("trainer_name", "Camille Durand"), ("signature", SIGNATURE)])
        .await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("La feuille se clôt à la fin de la demi-journée"));
    app.after_half(hid, 10 * 60).await;
    let r = app
        .post_form(&c, &format!("{page}/{hid}/clore"), &[("trainer_name", "Camille Durand"), ("signature", "")])
        .await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains("8 personnes sans présence notée"), "{html}");
    let r = app
        .post_form(
            &c,
            &format!("{page}/{hid}/clore"),
            &[("trainer_name", "Camille Durand"), ("signature", SIGNATURE), ("absent_unmarked", "on")],
        )
        .await;
    assert!(r.status().is_redirection());
    let html = app.get(&c, &page).await.text().await.unwrap();
    assert!(html.contains("Enfant malade") && html.contains("45"), "{html}");
    // After the close, the intervenant no longer changes the sheet: the page says who can.
    let r =
        app.post_form(&c, &format!("{page}/{hid}/marquer"), &[("participant_id", &pid), ("status", "present")]).await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("seule la coordination peut la corriger"));
    let h = acunum::attendance::store::get(&app.db, f.org_id, hid).await.unwrap();
    assert!(h.is_locked());
    assert_eq!(h.trainer_name.as_deref(), Some("Camille Durand"));
    let marks = acunum::attendance::store::current(&app.db, f.org_id, hid).await.unwrap();
    assert_eq!(marks.len(), 10, "the eight unmarked were noted absent when closing");
    assert!(marks.iter().any(|m| m.method == "paper" && m.late_minutes == 45));
    let trail = acunum::audit::of_subject(&app.db, f.org_id, "half_day", hid).await.unwrap();
    assert!(trail.iter().any(|a| a.action == "attendance.absent_unmarked"), "{trail:?}");
    // Another session's intervenant (none here) is not this one: an unlinked account is refused.
    sqlx::query("UPDATE intervenants SET user_id = NULL WHERE id = $1")
        .bind(p.intervenant)
        .execute(&app.db.pool)
        .await
        .unwrap();
    let r = app.get(&c, &page).await;
    assert_eq!(r.status(), 403);
}

async fn the_client_contact_downloads_the_certificates_of_their_people(b: Backend) {
    let app = TestApp::spawn(b).await;
    let f = seed_org(&app.db, "Org").await;
    let p = prepare(&app, f.org_id, &f.coordinator).await;
    enrol_ten(&app, &p).await;
    // The hospital joins the mixed group: its three people (Personne1, 4 and 7) are tied to it.
    let hospital = acunum::client::store::create(
        &app.db,
        f.org_id,
        &acunum::client::ClientInput {
            name: "Centre hospitalier".into(),
            sector: "sante".into(),
            kind: "entreprise".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let doctor = acunum::client::store::add_contact(
        &app.db,
        f.org_id,
        hospital.id,
        &acunum::client::ContactInput {
            name: "Inès Médecin".into(),
            email: "ines@hopital.test".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let r = app
        .api()
        .post(app.url(&format!("/api/v1/cycles/{}/structures", p.cycle)))
        .bearer_auth(&p.token)
        .json(&serde_json::json!({"client_id": hospital.id}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    let everyone = people(&app, f.org_id, &p).await;
    let theirs: Vec<_> =
        everyone.iter().filter(|x| x.client_id == Some(hospital.id)).map(|x| x.email.clone()).collect();
    assert_eq!(theirs.len(), 3, "{theirs:?}");
    crate::quality::run_culture_training(&app, &p, f.org_id, "personne4@exemple.fr").await;
    // The coordinator opens an access for the hospital's contact; the link goes by e-mail.
    let c = app.logged_in(&f.coordinator).await;
    let html = app.get(&c, &format!("/clients/{}", hospital.id)).await.text().await.unwrap();
    assert!(html.contains("Ouvrir un accès à ses documents"));
    let r = app.post_form(&c, &format!("/clients/{}/contacts/{}/acces", hospital.id, doctor.id), &[]).await;
    assert!(r.status().is_redirection(), "{}", r.status());
    app.run_jobs().await;
    let mail =
        app.mails.lock().unwrap().iter().find(|m| m.contains("ines@hopital.test")).cloned().expect("the access mail");
    let link =
        crate::helpers::extract(&mail, r"http://acunum\.test(/reinitialiser/[A-Za-z0-9_-]+)").expect("a reset link");
    let ines = app.client();
    let r = app
        .post_form(
            &ines,
            &link,
            &[("password", "Un mot de passe solide 2027"), ("confirm", "Un mot de passe solide 2027")],
        )
        .await;
    assert!(r.status().is_redirection() || r.status() == 200, "{}", r.status());
    let ines = app.client();
    let r = app.login(&ines, "ines@hopital.test", "Un mot de passe solide 2027").await;
    assert!(r.status().is_redirection(), "{}", r.status());
    // Their people only, with the hours of the closed sheets; no certificate before it is issued.
    let html = app.get(&ines, "/mes-documents").await.text().await.unwrap();
    assert!(html.contains("Personne4 Test") && html.contains("24 h 30"), "{html}");
    assert!(html.contains("Personne1 Test") && html.contains("Personne7 Test"), "{html}");
    assert!(!html.contains("Personne0 Test") && !html.contains("Personne2 Test"), "another structure's people: {html}");
    assert!(html.contains("délivrés après la formation"), "{html}");
    let absent = everyone.iter().find(|x| x.email == "personne4@exemple.fr").unwrap();
    let mine = format!("/mes-documents/{}/{}/{}/realisation", p.cycle, p.culture, absent.id);
    assert_eq!(app.get(&ines, &mine).await.status(), 409);
    // The coordination issues the certificates; they are dated when issued.
    let r = app.post_form(&c, &format!("/cycles/{}/modules/{}/certificats", p.cycle, p.culture), &[]).await;
    assert!(r.status().is_redirection(), "{}", r.status());
    let html = app.get(&ines, "/mes-documents").await.text().await.unwrap();
    let href =
        crate::helpers::extract(&html, r#"href="(/mes-documents/[0-9/]+/realisation)""#).expect("a certificate link");
    assert!(href.starts_with("/mes-documents/"));
    let pdf = app.get(&ines, &mine).await;
    assert_eq!(pdf.status(), 200);
    let text = pdf_text(&pdf.bytes().await.unwrap());
    assert!(text.contains("24 h 30 réalisées sur 28 h prévues"), "{text}");
    // Another structure's trainee of the same group: not theirs.
    let other = everyone.iter().find(|x| x.email == "personne0@exemple.fr").unwrap();
    let not_mine = format!("/mes-documents/{}/{}/{}/realisation", p.cycle, p.culture, other.id);
    assert_eq!(app.get(&ines, &not_mine).await.status(), 404);
    // The contact sees no staff page.
    assert_eq!(app.get(&ines, &format!("/cycles/{}", p.cycle)).await.status(), 403);
    let api: serde_json::Value = app
        .api()
        .get(app.url("/api/v1/my/documents"))
        .bearer_auth(app.token_for("ines@hopital.test").await)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let trainees = &api["cycles"][0]["modules"][0]["trainees"];
    assert_eq!(trainees.as_array().unwrap().len(), 3, "{api}");
    assert!(trainees.as_array().unwrap().iter().all(|t| t["certificates"].as_array().unwrap().len() == 2), "{api}");
}
