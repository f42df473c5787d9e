//! Phases 2 and 3: a committee of 7, a vote with a tie broken by the shown rule, the resulting
//! programme, commitments, 10 actions, reminders, notes and the AMO journal.

use crate::both_databases;
use crate::cycles::{Prepared, enrol_ten, prepare};
use crate::helpers::{Backend, TestApp, seed_org};
use crate::quotes::pdf_text;

both_databases!(a_committee_chooses_its_topics_and_runs_its_action_plan, the_coordinator_and_members_use_the_pages);

const TOPICS: [&str; 4] = [
    "Médias sociaux professionnels",
    "Microblogage",
    "Réseaux sociaux grand public",
    "Modification des fiches métiers sur Wikipédia",
];

async fn members(app: &TestApp, org: i64, p: &Prepared) -> Vec<acunum::cycle::store::Participant> {
    acunum::cycle::store::participants(&app.db, org, p.cycle)
        .await
        .unwrap()
        .into_iter()
        .filter(|x| x.committee)
        .collect()
}

fn tomorrow() -> String {
    (acunum::quote::today() + chrono::Days::new(1)).format("%Y-%m-%d").to_string()
}

async fn a_committee_chooses_its_topics_and_runs_its_action_plan(b: Backend) {
    let app = TestApp::spawn(b).await;
    let f = seed_org(&app.db, "Org").await;
    let p = prepare(&app, f.org_id, &f.coordinator).await;
    enrol_ten(&app, &p).await;
    let api = app.api();
    let base = format!("/api/v1/cycles/{}", p.cycle);
    let committee = members(&app, f.org_id, &p).await;
    assert_eq!(committee.len(), 7);
    let outsider = acunum::cycle::store::participants(&app.db, f.org_id, p.cycle)
        .await
        .unwrap()
        .into_iter()
        .find(|x| !x.committee)
        .unwrap();

    // The référent is a member.
    let r = api
        .put(app.url(&format!("{base}/referent")))
        .bearer_auth(&p.token)
        .json(&serde_json::json!({"participant_id": outsider.id}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let r = api
        .put(app.url(&format!("{base}/referent")))
        .bearer_auth(&p.token)
        .json(&serde_json::json!({"participant_id": committee[0].id}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);

    // A vote on four topics of the menu, two kept, two ticks each.
    let bad = api
        .post(app.url(&format!("{base}/votes")))
        .bearer_auth(&p.token)
        .json(&serde_json::json!({"topics": ["Cuisine"], "seats": 9, "closes_on": "2020-01-01"}))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 422);
    let e: serde_json::Value = bad.json().await.unwrap();
    let fields: Vec<&str> = e["fields"].as_array().unwrap().iter().map(|x| x["field"].as_str().unwrap()).collect();
    assert!(fields.contains(&"topics") && fields.contains(&"closes_on"), "{e}");
    let r = api
        .post(app.url(&format!("{base}/votes")))
        .bearer_auth(&p.token)
        .json(&serde_json::json!({"topics": TOPICS, "seats": 2, "max_choices": 2, "secret": true, "closes_on": tomorrow()}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    let v: serde_json::Value = r.json().await.unwrap();
    let vid = v["id"].as_i64().unwrap();
    assert!(v["tie_rule"].as_str().unwrap().contains("le plus haut dans le menu"));
    let ballot = |token: &str, choices: serde_json::Value| {
        api.post(app.url(&format!("/api/v1/participants/{token}/votes/{vid}")))
            .json(&serde_json::json!({"choices": choices}))
            .send()
    };
    // A member's page shows the ballot; an outsider cannot vote.
    let page = app.get(&app.client(), &format!("/p/{}", committee[0].calendar_token)).await.text().await.unwrap();
    assert!(page.contains("Microblogage") && page.contains("Voter"), "{page}");
    assert_eq!(ballot(&outsider.calendar_token, serde_json::json!([0])).await.unwrap().status(), 403);
    assert_eq!(ballot(&committee[0].calendar_token, serde_json::json!([0, 1, 2])).await.unwrap().status(), 422);
    assert_eq!(ballot(&committee[0].calendar_token, serde_json::json!([7])).await.unwrap().status(), 422);
    // Five ballots: 0 gets 3 ticks; 1 and 3 tie with 2 for the second place; 2 gets 1.
    for (i, c) in [
        serde_json::json!([0, 1]),
        serde_json::json!([0, 3]),
        serde_json::json!([1, 3]),
        serde_json::json!([0]),
        serde_json::json!([2]),
    ]
    .into_iter()
    .enumerate()
    {
        let r = ballot(&committee[i].calendar_token, c).await.unwrap();
        assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    }
    let r = ballot(&committee[0].calendar_token, serde_json::json!([2])).await.unwrap();
    assert_eq!(r.status(), 409, "one ballot per member");
    // The vote is secret: the ballots name nobody, carry no time, and hold the same choices as cast.
    let rows: Vec<(Option<i64>, i64, String)> =
        sqlx::query_as("SELECT participant_id, at, choices FROM vote_ballots WHERE vote_id = $1")
            .bind(vid)
            .fetch_all(&app.db.pool)
            .await
            .unwrap();
    assert!(rows.iter().all(|(p, at, _)| p.is_none() && *at == 0));
    let mut cast: Vec<String> = rows.into_iter().map(|(_, _, c)| c).collect();
    cast.sort();
    assert_eq!(cast, vec!["[0,1]", "[0,3]", "[0]", "[1,3]", "[2]"]);
    let open: serde_json::Value = api
        .get(app.url(&format!("{base}/votes/{vid}")))
        .bearer_auth(&p.token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(open["result"].is_null(), "no result before the close");
    assert_eq!(open["voters"].as_array().unwrap().len(), 5);
    assert_eq!(
        api.post(app.url(&format!("{base}/votes/{vid}/apply"))).bearer_auth(&p.token).send().await.unwrap().status(),
        409
    );
    let closed: serde_json::Value = api
        .post(app.url(&format!("{base}/votes/{vid}/close")))
        .bearer_auth(&p.token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let result = &closed["result"];
    assert_eq!(result["ballots"], 5);
    assert_eq!(result["tie"]["tied"], serde_json::json!([TOPICS[1], TOPICS[3]]));
    assert_eq!(result["tie"]["kept"], serde_json::json!([TOPICS[1]]));
    assert_eq!(result["counts"][0]["topic"], TOPICS[0]);
    assert_eq!(result["counts"][0]["approvals"], 3);
    assert_eq!(ballot(&committee[6].calendar_token, serde_json::json!([2])).await.unwrap().status(), 409, "closed");
    // Secret: who voted is known, not what.
    let rows: Vec<(Option<i64>,)> = sqlx::query_as("SELECT participant_id FROM vote_ballots WHERE vote_id = $1")
        .bind(vid)
        .fetch_all(&app.db.pool)
        .await
        .unwrap();
    assert!(rows.iter().all(|(x,)| x.is_none()));
    // The result becomes the programme of this cycle's usage training.
    let applied: serde_json::Value = api
        .post(app.url(&format!("{base}/votes/{vid}/apply")))
        .bearer_auth(&p.token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(applied["topics"], serde_json::json!([TOPICS[0], TOPICS[1]]));
    let c = app.logged_in(&f.coordinator).await;
    let pdf = app.get(&c, &format!("/cycles/{}/modules/{}/programme.pdf", p.cycle, p.usage)).await;
    assert_eq!(pdf.status(), 200);
    let text = pdf_text(&pdf.bytes().await.unwrap());
    assert!(text.contains("Thèmes retenus par le comité") && text.contains("Microblogage"), "{text}");
    assert!(!text.contains("Modification des fiches métiers sur Wikipédia"), "{text}");
    let html = app.get(&c, &format!("/cycles/{}/votes/{vid}", p.cycle)).await.text().await.unwrap();
    assert!(html.contains("Égalité départagée") && html.contains("retenu"), "{html}");

    // Commitments: the group's and a person's.
    let r = api
        .post(app.url(&format!("{base}/commitments")))
        .bearer_auth(&p.token)
        .json(&serde_json::json!({"participant_id": null, "what": ""}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let r = api
        .post(app.url(&format!("{base}/commitments")))
        .bearer_auth(&p.token)
        .json(&serde_json::json!({"participant_id": null, "what": "Tenir une veille partagée par service", "due_date": "2027-06-30"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let group: serde_json::Value = r.json().await.unwrap();
    assert_eq!(group["who"], "Le groupe");
    let r = api
        .post(app.url(&format!("{base}/commitments")))
        .bearer_auth(&p.token)
        .json(&serde_json::json!({"participant_id": committee[1].id, "what": "Créer les filtres de messagerie de l'accueil"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let r = api
        .put(app.url(&format!("{base}/commitments/{}", group["id"])))
        .bearer_auth(&p.token)
        .json(&serde_json::json!({"status": "doing", "notes": "Deux services sur cinq"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);

    // Ten actions; one overdue; owners must be people of the cycle.
    let other = seed_org(&app.db, "Autre").await;
    let q = prepare(&app, other.org_id, &other.coordinator).await;
    enrol_ten(&app, &q).await;
    let stranger = acunum::cycle::store::participants(&app.db, other.org_id, q.cycle).await.unwrap().remove(0);
    let r = api
        .post(app.url(&format!("{base}/actions")))
        .bearer_auth(&p.token)
        .json(&serde_json::json!({"category": "other", "title": "X", "owners": [stranger.id]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let categories = ["organisation", "information_system", "training", "other"];
    let mut ids = Vec::new();
    for i in 0..10 {
        let due = if i == 0 { "2026-01-15".to_string() } else { format!("2027-{:02}-15", i + 1) };
        let r = api
            .post(app.url(&format!("{base}/actions")))
            .bearer_auth(&p.token)
            .json(&serde_json::json!({"category": categories[i % 4], "title": format!("Action {i}"), "description": "Une action du plan",
                "owners": [committee[i % 7].id, committee[(i + 1) % 7].id], "due_date": due}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
        ids.push(r.json::<serde_json::Value>().await.unwrap()["id"].as_i64().unwrap());
    }
    let all: Vec<serde_json::Value> =
        api.get(app.url(&format!("{base}/actions"))).bearer_auth(&p.token).send().await.unwrap().json().await.unwrap();
    assert_eq!(all.len(), 10);
    assert_eq!(all.iter().filter(|a| a["overdue"] == true).count(), 1);
    let r = api
        .post(app.url(&format!("{base}/actions/{}/notes", ids[3])))
        .bearer_auth(&p.token)
        .json(&serde_json::json!({"text": "Devis demandé"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let one: serde_json::Value = api
        .get(app.url(&format!("{base}/actions/{}", ids[3])))
        .bearer_auth(&p.token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(one["notes"][0]["text"], "Devis demandé");
    // The owners of the overdue action are reminded, once a week.
    let queued = acunum::committee::service::remind_overdue(&app.state).await.unwrap();
    assert_eq!(queued, 2);
    assert_eq!(acunum::committee::service::remind_overdue(&app.state).await.unwrap(), 0);
    app.run_jobs().await;
    let mails = app.mails.lock().unwrap().clone();
    assert!(
        mails.iter().any(|m| m.contains("Subject: Action en retard") && m.contains(&committee[0].email)),
        "{mails:?}"
    );
    // Board, list and CSV.
    let html = app.get(&c, &format!("/cycles/{}/actions", p.cycle)).await.text().await.unwrap();
    assert!(html.contains("En cours") && html.contains("en retard") && html.contains("Action 9"), "{html}");
    let csv = app.get(&c, &format!("/cycles/{}/actions.csv", p.cycle)).await.text().await.unwrap();
    assert_eq!(csv.lines().count(), 11);
    assert!(csv.starts_with('\u{feff}') && csv.contains("\nSystème d'information;"), "{csv}");

    // The AMO journal: it records what took place (never a day to come), with who was there.
    let entry = serde_json::json!({"kind": "feedback", "day": "2027-03-02", "minutes": 90, "text": "Retour de la mairie de Cognac sur son intranet",
        "action_ids": [ids[1], ids[2]], "intervenant_id": p.intervenant, "attendee_ids": [committee[0].id]});
    let r = api.post(app.url(&format!("{base}/amo"))).bearer_auth(&p.token).json(&entry).send().await.unwrap();
    assert_eq!(r.status(), 422, "the 2nd of March 2027 is still to come");
    let e: serde_json::Value = r.json().await.unwrap();
    assert_eq!(e["fields"][0]["field"], "day", "{e}");
    app.set_now(chrono::DateTime::parse_from_rfc3339("2027-03-10T10:00:00+01:00").unwrap().timestamp());
    let r = api
        .post(app.url(&format!("{base}/amo")))
        .bearer_auth(&p.token)
        .json(&serde_json::json!({"kind": "feedback", "day": "2027-03-02", "minutes": 0, "text": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let r = api.post(app.url(&format!("{base}/amo"))).bearer_auth(&p.token).json(&entry).send().await.unwrap();
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    let r = api.post(app.url(&format!("{base}/amo"))).bearer_auth(&p.token).json(&serde_json::json!({"kind": "meeting", "day": "2027-03-09", "minutes": 120, "text": "Comité", "action_ids": [999999]})).send().await.unwrap();
    assert_eq!(r.status(), 422);
    let amo: Vec<serde_json::Value> =
        api.get(app.url(&format!("{base}/amo"))).bearer_auth(&p.token).send().await.unwrap().json().await.unwrap();
    assert_eq!(amo.len(), 1);
    assert_eq!(amo[0]["intervenant_name"], "Camille Durand");
    let csv = app.get(&c, &format!("/cycles/{}/amo.csv", p.cycle)).await.text().await.unwrap();
    assert!(csv.contains(";90;1,5;"), "{csv}");
    assert!(csv.contains(&committee[0].full_name()), "who was there: {csv}");
    let html = app.get(&c, &format!("/cycles/{}/comite", p.cycle)).await.text().await.unwrap();
    assert!(html.contains("référent·e") && html.contains("1 h 30") && html.contains("1 en retard"), "{html}");
}

async fn the_coordinator_and_members_use_the_pages(b: Backend) {
    let app = TestApp::spawn(b).await;
    let f = seed_org(&app.db, "Org").await;
    let p = prepare(&app, f.org_id, &f.coordinator).await;
    enrol_ten(&app, &p).await;
    let committee = members(&app, f.org_id, &p).await;
    let c = app.logged_in(&f.coordinator).await;
    // The committee is full at 10 (the usage training's headcount): 7 members, 3 more, then no more.
    let all = acunum::cycle::store::participants(&app.db, f.org_id, p.cycle).await.unwrap();
    let others: Vec<_> = all.iter().filter(|x| !x.committee).collect();
    for x in &others {
        let r = app.post_form(&c, &format!("/cycles/{}/participants/{}", p.cycle, x.id), &[("action", "comite")]).await;
        assert!(r.status().is_redirection());
    }
    let r = app
        .post_form(
            &c,
            &format!("/cycles/{}/participants", p.cycle),
            &[("first_name", "Onze"), ("last_name", "Personne"), ("email", "onze@exemple.fr")],
        )
        .await;
    assert!(r.status().is_redirection() || r.status() == 200);
    let eleventh = acunum::cycle::store::participants(&app.db, f.org_id, p.cycle)
        .await
        .unwrap()
        .into_iter()
        .find(|x| x.email == "onze@exemple.fr")
        .unwrap();
    let r =
        app.post_form(&c, &format!("/cycles/{}/participants/{}", p.cycle, eleventh.id), &[("action", "comite")]).await;
    assert_eq!(r.status(), 409);
    assert!(r.text().await.unwrap().contains("complet"));

    // A vote through the form: three topics, one kept.
    let r = app
        .post_form(
            &c,
            &format!("/cycles/{}/votes", p.cycle),
            &[
                ("topics", TOPICS[0]),
                ("topics", TOPICS[1]),
                ("topics", TOPICS[2]),
                ("seats", "1"),
                ("max_choices", "1"),
                ("closes_on", &tomorrow()),
                ("closes_at", "18:00"),
            ],
        )
        .await;
    assert!(r.status().is_redirection(), "{}", r.status());
    let vote_page = crate::helpers::location(&r);
    let vid: i64 = vote_page.rsplit('/').next().unwrap().parse().unwrap();
    let r = app.post_form(&c, &format!("/cycles/{}/votes", p.cycle), &[("seats", "x"), ("closes_on", "")]).await;
    assert_eq!(r.status(), 422);
    // Members vote on their phones.
    for (i, choice) in ["2", "2", "0"].into_iter().enumerate() {
        let phone = app.client();
        let r = app
            .post_form(&phone, &format!("/p/{}/votes/{vid}", committee[i].calendar_token), &[("choice", choice)])
            .await;
        assert!(r.status().is_redirection(), "{}", r.status());
        let page = app.get(&phone, &format!("/p/{}", committee[i].calendar_token)).await.text().await.unwrap();
        assert!(page.contains("Vous avez voté"), "{page}");
    }
    let phone = app.client();
    let r = app
        .post_form(
            &phone,
            &format!("/p/{}/votes/{vid}", committee[3].calendar_token),
            &[("choice", "0"), ("choice", "1")],
        )
        .await;
    // Refused on the member's own page (its layout, its ballot), not on an error page.
    assert!(r.status().is_redirection(), "{}", r.status());
    assert_eq!(crate::helpers::location(&r), format!("/p/{}", committee[3].calendar_token));
    let page = app.get(&phone, &format!("/p/{}", committee[3].calendar_token)).await.text().await.unwrap();
    assert!(page.contains("au plus 1") && page.contains("flash-error"), "{page}");
    assert!(!page.contains("Vous avez voté"), "{page}");
    let html = app.get(&c, &vote_page).await.text().await.unwrap();
    assert!(html.contains("a voté") && html.contains("visible à la clôture"), "{html}");
    let r = app.post_form(&c, &format!("{vote_page}/clore"), &[]).await;
    assert!(r.status().is_redirection());
    let r = app.post_form(&c, &format!("{vote_page}/appliquer"), &[]).await;
    assert!(r.status().is_redirection());
    let chosen = acunum::committee::store::chosen_topics(&app.db, f.org_id, p.usage).await.unwrap();
    assert_eq!(chosen, Some(vec![TOPICS[2].to_string()]));
    let page = app.get(&phone, &format!("/p/{}", committee[3].calendar_token)).await.text().await.unwrap();
    assert!(page.contains("Vote clos. Thèmes retenus : Réseaux sociaux grand public."), "{page}");

    // An action through the form, a member notes its progress from their page.
    let r = app
        .post_form(&c, &format!("/cycles/{}/actions/nouvelle", p.cycle), &[("category", "organisation"), ("title", "")])
        .await;
    assert_eq!(r.status(), 422);
    let owner = committee[4].id.to_string();
    let r = app
        .post_form(
            &c,
            &format!("/cycles/{}/actions/nouvelle", p.cycle),
            &[
                ("category", "organisation"),
                ("title", "Réunion d'équipe mensuelle sur le numérique"),
                ("owners", &owner),
                ("due_date", "2027-05-01"),
                ("status", "todo"),
            ],
        )
        .await;
    assert!(r.status().is_redirection(), "{}", r.status());
    let action_page = crate::helpers::location(&r);
    let aid: i64 = action_page.rsplit('/').next().unwrap().parse().unwrap();
    let member = app.client();
    let page = app.get(&member, &format!("/p/{}", committee[4].calendar_token)).await.text().await.unwrap();
    assert!(page.contains("Réunion d&#39;équipe mensuelle") || page.contains("Réunion d'équipe mensuelle"), "{page}");
    let r = app
        .post_form(
            &member,
            &format!("/p/{}/actions/{aid}", committee[4].calendar_token),
            &[("status", "doing"), ("text", "Première réunion fixée")],
        )
        .await;
    assert!(r.status().is_redirection());
    let a = acunum::committee::store::action(&app.db, f.org_id, p.cycle, aid).await.unwrap();
    assert_eq!(a.status, "doing");
    let notes = acunum::committee::store::notes(&app.db, f.org_id, aid).await.unwrap();
    assert_eq!((notes[0].author.as_str(), notes[0].text.as_str()), ("Personne4 Test", "Première réunion fixée"));
    // Someone outside the committee and the action cannot touch it.
    let outsider = acunum::cycle::store::participants(&app.db, f.org_id, p.cycle)
        .await
        .unwrap()
        .into_iter()
        .find(|x| !x.committee)
        .unwrap();
    let r = app
        .post_form(&app.client(), &format!("/p/{}/actions/{aid}", outsider.calendar_token), &[("status", "done")])
        .await;
    assert_eq!(r.status(), 403);
    // Commitments and the AMO journal through the pages.
    let r = app
        .post_form(
            &c,
            &format!("/cycles/{}/engagements", p.cycle),
            &[("participant_id", ""), ("what", "Partager la veille chaque lundi")],
        )
        .await;
    assert!(r.status().is_redirection());
    let html = app.get(&c, &format!("/cycles/{}/engagements", p.cycle)).await.text().await.unwrap();
    assert!(html.contains("Partager la veille chaque lundi") && html.contains("Le groupe"));
    let aid_s = aid.to_string();
    app.set_now(chrono::DateTime::parse_from_rfc3339("2027-04-02T10:00:00+02:00").unwrap().timestamp());
    let r = app
        .post_form(
            &c,
            &format!("/cycles/{}/amo", p.cycle),
            &[
                ("kind", "meeting"),
                ("day", "2027-04-01"),
                ("duration", "1:30"),
                ("text", "Réunion du comité"),
                ("action_ids", &aid_s),
            ],
        )
        .await;
    assert!(r.status().is_redirection(), "{}", r.status());
    let r = app
        .post_form(
            &c,
            &format!("/cycles/{}/amo", p.cycle),
            &[("kind", "meeting"), ("day", "2027-04-01"), ("duration", "beaucoup"), ("text", "x")],
        )
        .await;
    assert_eq!(r.status(), 422);
    let html = app.get(&c, &action_page).await.text().await.unwrap();
    assert!(html.contains("Accompagnement lié") && html.contains("1 h 30"), "{html}");
}
