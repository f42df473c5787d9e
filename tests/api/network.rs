//! Phase 3, continued: a vendor's proposal read with the glossary, the école mutuelle, and the TICA
//! network (territories, retours d'expérience, matching with distance, mises en lien).

use reqwest::multipart::{Form, Part};

use crate::both_databases;
use crate::cycles::{enrol_ten, prepare};
use crate::helpers::{Backend, TestApp, seed_org};

both_databases!(
    a_vendors_proposal_is_read_with_the_glossary,
    participants_help_each_other_in_the_ecole_mutuelle,
    committees_of_two_territories_meet_over_the_same_problem
);

/// A one-page PDF written by hand (Helvetica, one line per string), as office software would make it.
pub fn tiny_pdf(lines: &[&str]) -> Vec<u8> {
    let mut content = String::from("BT /F1 11 Tf 50 800 Td 14 TL\n");
    for l in lines {
        content.push_str(&format!("({}) Tj T*\n", l.replace('\\', "\\\\").replace('(', "\\(").replace(')', "\\)")));
    }
    content.push_str("ET");
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_string(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_string(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>"
            .to_string(),
        format!("<< /Length {} >>\nstream\n{}\nendstream", content.len(), content),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>".to_string(),
    ];
    let mut pdf = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::new();
    for (i, o) in objects.iter().enumerate() {
        offsets.push(pdf.len());
        pdf.extend_from_slice(format!("{} 0 obj\n{}\nendobj\n", i + 1, o).as_bytes());
    }
    let xref = pdf.len();
    pdf.extend_from_slice(format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes());
    for o in offsets {
        pdf.extend_from_slice(format!("{o:010} 00000 n \n").as_bytes());
    }
    pdf.extend_from_slice(
        format!("trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n", objects.len() + 1).as_bytes(),
    );
    pdf
}

fn upload(title: &str, name: &str, mime: &str, bytes: Vec<u8>) -> Form {
    Form::new()
        .text("title", title.to_string())
        .text("vendor", "Logiciels & Cie")
        .part("file", Part::bytes(bytes).file_name(name.to_string()).mime_str(mime).unwrap())
}

async fn a_vendors_proposal_is_read_with_the_glossary(b: Backend) {
    let app = TestApp::spawn(b).await;
    let f = seed_org(&app.db, "Org").await;
    let p = prepare(&app, f.org_id, &f.coordinator).await;
    enrol_ten(&app, &p).await;
    let api = app.api();
    let base = app.url(&format!("/api/v1/cycles/{}/proposals", p.cycle));
    let pdf = tiny_pdf(&[
        "Proposition commerciale : logiciel de gestion des adherents.",
        "Offre SaaS, hebergement en France, licence par utilisateur a 12 euros HT par mois.",
        "Engagement de 36 mois, tacite reconduction. Clause de reversibilite sur devis.",
    ]);

    // A PDF: its text is extracted and the glossary finds the jargon.
    let r = api
        .post(&base)
        .bearer_auth(&p.token)
        .multipart(upload("Gestion des adhérents", "offre.pdf", "application/pdf", pdf.clone()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let v: serde_json::Value = r.json().await.unwrap();
    let pid = v["id"].as_i64().unwrap();
    assert_eq!(v["mime"], "application/pdf");
    assert!(v["text"].as_str().unwrap().contains("tacite reconduction"), "{v}");
    let terms: Vec<&str> = v["terms"].as_array().unwrap().iter().map(|t| t["term"].as_str().unwrap()).collect();
    for t in [
        "SaaS",
        "Hébergement",
        "Licence par utilisateur",
        "Durée d'engagement",
        "Tacite reconduction",
        "Réversibilité",
        "HT / TTC",
    ] {
        assert!(terms.contains(&t), "{t} missing from {terms:?}");
    }
    assert!(v["terms"][0]["meaning"].as_str().unwrap().len() > 30);

    // A text file works too; what cannot be read is refused with a clear message and nothing is kept.
    let r = api
        .post(&base)
        .bearer_auth(&p.token)
        .multipart(upload(
            "Messagerie",
            "offre.txt",
            "text/plain",
            "Hébergement des courriels, RGPD, sous-traitant ultérieur.".as_bytes().to_vec(),
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let bad = [
        ("garbage.pdf", b"%PDF-1.4 this is not a pdf at all".to_vec(), "n'a pas pu être lu"),
        ("image.png", vec![0x89, b'P', b'N', b'G', 0, 0, 0xff, 0xfe], "ni un PDF ni un texte"),
        ("empty.txt", Vec::new(), "Choisissez le fichier"),
        ("blank.pdf", tiny_pdf(&[]), "pas de texte lisible"),
        ("huge.txt", vec![b'a'; 2 * 1024 * 1024 + 10], "dépasse"),
    ];
    for (name, bytes, message) in bad {
        let r = api
            .post(&base)
            .bearer_auth(&p.token)
            .multipart(upload("Mauvais", name, "application/octet-stream", bytes))
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        let body = r.text().await.unwrap();
        assert!(status == 422 || status == 400 || status == 413, "{name}: {status} {body}");
        if status == 422 {
            assert!(body.contains(message), "{name}: {body}");
        }
    }
    let r = api.post(&base).bearer_auth(&p.token).json(&serde_json::json!({"title": "x"})).send().await.unwrap();
    assert_eq!(r.status(), 400, "a JSON body is not an upload");
    let list: serde_json::Value = api.get(&base).bearer_auth(&p.token).send().await.unwrap().json().await.unwrap();
    assert_eq!(list.as_array().unwrap().len(), 2);

    // The intervenant writes the reading; Markdown is sanitised on the page.
    let r = api
        .put(format!("{base}/{pid}/reading"))
        .bearer_auth(&p.token)
        .json(&serde_json::json!({"reading": "**À vérifier** : le prix sur 3 ans.\n\n<script>alert(1)</script>"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let r = api
        .put(format!("{base}/{pid}/reading"))
        .bearer_auth(&p.token)
        .json(&serde_json::json!({"reading": "  "}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);

    // The pages: the coordinator's reading page marks the terms and explains them.
    let web = app.logged_in(&f.coordinator).await;
    let page = app.get(&web, &format!("/cycles/{}/propositions/{pid}", p.cycle)).await.text().await.unwrap();
    assert!(page.contains("<mark>SaaS</mark>"), "{page}");
    assert!(page.contains("<strong>À vérifier</strong>"));
    assert!(!page.contains("<script>alert"));
    assert!(page.contains("Votre droit de récupérer toutes vos données"));
    let file = app.get(&web, &format!("/cycles/{}/propositions/{pid}/fichier", p.cycle)).await;
    assert_eq!(file.headers()["content-type"], "application/pdf");
    assert_eq!(file.bytes().await.unwrap().to_vec(), pdf);
    // An upload through the page form.
    let csrf = app.csrf(&web).await;
    let r = web
        .post(app.url(&format!("/cycles/{}/propositions?_csrf={csrf}", p.cycle)))
        .multipart(upload(
            "Site internet",
            "site.txt",
            "text/plain",
            b"Maintenance evolutive et support inclus.".to_vec(),
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let r = web
        .post(app.url(&format!("/cycles/{}/propositions?_csrf={csrf}", p.cycle)))
        .multipart(upload("", "site.txt", "text/plain", Vec::new()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let page = r.text().await.unwrap();
    assert!(page.contains("Choisissez le fichier de la proposition"));
    assert!(app.get(&web, "/glossaire").await.text().await.unwrap().contains("Réversibilité"));

    // A member of the committee uploads from their page and reads the reading; others may not.
    let people = acunum::cycle::store::participants(&app.db, f.org_id, p.cycle).await.unwrap();
    let member = people.iter().find(|x| x.committee).unwrap();
    let outsider = people.iter().find(|x| !x.committee).unwrap();
    let phone = app.client();
    let page = app.get(&phone, &format!("/p/{}", member.calendar_token)).await.text().await.unwrap();
    assert!(page.contains("Gestion des adhérents"), "the member sees the proposals");
    let csrf = app.csrf(&phone).await;
    let r = phone
        .post(app.url(&format!("/p/{}/propositions?_csrf={csrf}", member.calendar_token)))
        .multipart(upload("Téléphonie", "tel.txt", "text/plain", b"Abonnement mensuel, SLA et GTR 4h.".to_vec()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let page = app.get(&phone, &format!("/p/{}/propositions/{pid}", member.calendar_token)).await.text().await.unwrap();
    assert!(page.contains("<strong>À vérifier</strong>") && page.contains("<mark>"));
    assert!(!page.contains("Enregistrer la lecture"), "members read, they do not write the reading");
    let r = app.get(&phone, &format!("/p/{}/propositions/{pid}", outsider.calendar_token)).await;
    assert_eq!(r.status(), 403);
    let list: serde_json::Value = api.get(&base).bearer_auth(&p.token).send().await.unwrap().json().await.unwrap();
    assert_eq!(list.as_array().unwrap().len(), 4);
    assert!(list.as_array().unwrap().iter().any(|x| x["uploaded_by"] == member.full_name()));
}

async fn participants_help_each_other_in_the_ecole_mutuelle(b: Backend) {
    let app = TestApp::spawn(b).await;
    let f = seed_org(&app.db, "Org").await;
    let p = prepare(&app, f.org_id, &f.coordinator).await;
    enrol_ten(&app, &p).await;
    let people = acunum::cycle::store::participants(&app.db, f.org_id, p.cycle).await.unwrap();
    let (asker, helper, other) = (&people[0], &people[8], &people[5]);
    let phone = app.client();
    for (who, kind, skill, details) in [
        (asker, "ask", "Classer mes courriels", "Ma boîte déborde."),
        (helper, "offer", "Classement des courriels", "Filtres et dossiers."),
        (other, "offer", "Tableur", "Tableaux croisés."),
    ] {
        let r = app
            .post_form(
                &phone,
                &format!("/p/{}/ecole-mutuelle", who.calendar_token),
                &[("kind", kind), ("skill", skill), ("details", details)],
            )
            .await;
        assert_eq!(r.status(), 303);
    }
    let r = app
        .post_form(&phone, &format!("/p/{}/ecole-mutuelle", other.calendar_token), &[("kind", "vente"), ("skill", "x")])
        .await;
    // Refused on the participant's page itself, not on an error page.
    assert_eq!(r.status(), 303);
    let page = app.get(&phone, &crate::helpers::location(&r)).await.text().await.unwrap();
    assert!(page.contains("Dites si vous proposez") && page.contains("École mutuelle"), "{page}");
    assert!(page.contains("name=\"skill\" type=\"text\" value=\"x\""), "what was typed is kept");

    let board: serde_json::Value = app
        .api()
        .get(app.url(&format!("/api/v1/cycles/{}/mutual", p.cycle)))
        .bearer_auth(&p.token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(board["posts"].as_array().unwrap().len(), 3);
    let matches = board["matches"].as_array().unwrap();
    assert_eq!(matches.len(), 1, "{board}");
    let offer = board["posts"].as_array().unwrap().iter().find(|x| x["skill"] == "Classement des courriels").unwrap();
    assert_eq!(matches[0]["offer"], offer["id"]);

    // The asker's page shows who can help; the team's board too.
    let page = app.get(&phone, &format!("/p/{}", asker.calendar_token)).await.text().await.unwrap();
    assert!(page.contains("Peuvent aider"), "{page}");
    let web = app.logged_in(&f.coordinator).await;
    let page = app.get(&web, &format!("/cycles/{}/ecole-mutuelle", p.cycle)).await.text().await.unwrap();
    assert!(page.contains("Classer mes courriels") && page.contains("Peuvent aider"));

    // Only its author (or the team) closes a post.
    let ask = board["posts"].as_array().unwrap().iter().find(|x| x["kind"] == "ask").unwrap()["id"].as_i64().unwrap();
    let r = app.post_form(&phone, &format!("/p/{}/ecole-mutuelle/{ask}/clore", helper.calendar_token), &[]).await;
    assert_eq!(r.status(), 404);
    let r = app.post_form(&phone, &format!("/p/{}/ecole-mutuelle/{ask}/clore", asker.calendar_token), &[]).await;
    assert_eq!(r.status(), 303);
    let board: serde_json::Value = app
        .api()
        .get(app.url(&format!("/api/v1/cycles/{}/mutual", p.cycle)))
        .bearer_auth(&p.token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(board["matches"].as_array().unwrap().is_empty());

    // Through the API, for a person of the cycle only.
    let r = app
        .api()
        .post(app.url(&format!("/api/v1/cycles/{}/mutual", p.cycle)))
        .bearer_auth(&p.token)
        .json(&serde_json::json!({"participant_id": other.id, "kind": "ask", "skill": "Wikipédia"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let r = app
        .api()
        .post(app.url(&format!("/api/v1/cycles/{}/mutual", p.cycle)))
        .bearer_auth(&p.token)
        .json(&serde_json::json!({"participant_id": 999999, "kind": "ask", "skill": "Wikipédia"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
}

async fn add_action(app: &TestApp, token: &str, cycle: i64, title: &str, description: &str, tags: &[&str]) {
    let r = app
        .api()
        .post(app.url(&format!("/api/v1/cycles/{cycle}/actions")))
        .bearer_auth(token)
        .json(&serde_json::json!({"category": "information_system", "title": title, "description": description, "tags": tags}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
}

async fn committees_of_two_territories_meet_over_the_same_problem(b: Backend) {
    let app = TestApp::spawn(b).await;
    let fa = seed_org(&app.db, "Organisme A").await;
    let fb = seed_org(&app.db, "Organisme B").await;
    let pa = prepare(&app, fa.org_id, &fa.coordinator).await;
    enrol_ten(&app, &pa).await;
    let pb = prepare(&app, fb.org_id, &fb.coordinator).await;
    enrol_ten(&app, &pb).await;
    // A third committee, of B, that is not in the network: nothing of it may show.
    let pc = prepare(&app, fb.org_id, &fb.coordinator).await;
    // B's structure is in the Pays basque.
    sqlx::query("UPDATE clients SET latitude = 43.4832, longitude = -1.5586, name = 'Centre social de Bayonne' WHERE id = (SELECT client_id FROM cycles WHERE id = $1)")
        .bind(pb.cycle).execute(&app.db.pool).await.unwrap();
    let api = app.api();
    let post = |token: &str, path: String, body: serde_json::Value| {
        let req = api.post(app.url(&path)).bearer_auth(token.to_string()).json(&body);
        async move { req.send().await.unwrap() }
    };

    // Territories.
    let r = post(
        &pa.token,
        "/api/v1/territories".into(),
        serde_json::json!({"name": "Charente limousine", "kind": "departement", "codes": "16"}),
    )
    .await;
    assert_eq!(r.status(), 201);
    let r = post(
        &pb.token,
        "/api/v1/territories".into(),
        serde_json::json!({"name": "Pays basque", "kind": "epci", "codes": "200067106"}),
    )
    .await;
    assert_eq!(r.status(), 201);
    let r = post(
        &pb.token,
        "/api/v1/territories".into(),
        serde_json::json!({"name": "Pays basque", "kind": "epci", "codes": "200067106"}),
    )
    .await;
    assert_eq!(r.status(), 422);
    let r = post(
        &pb.token,
        "/api/v1/territories".into(),
        serde_json::json!({"name": "Autre", "kind": "communes", "codes": "12"}),
    )
    .await;
    assert_eq!(r.status(), 422);
    let ts: serde_json::Value =
        api.get(app.url("/api/v1/territories")).bearer_auth(&pa.token).send().await.unwrap().json().await.unwrap();
    let tid = |n: &str| ts.as_array().unwrap().iter().find(|t| t["name"] == n).unwrap()["id"].as_i64().unwrap();
    // A's structure is in Confolens (Charente, 16): its page proposes the territory of département 16.
    let web_a0 = app.logged_in(&fa.coordinator).await;
    let page = app.get(&web_a0, &format!("/cycles/{}/reseau", pa.cycle)).await.text().await.unwrap();
    assert!(page.contains("de la structure : <strong>Charente limousine</strong>"), "{page}");
    for (token, cycle, t) in
        [(&pa.token, pa.cycle, tid("Charente limousine")), (&pb.token, pb.cycle, tid("Pays basque"))]
    {
        let r = api
            .put(app.url(&format!("/api/v1/cycles/{cycle}/network")))
            .bearer_auth(token)
            .json(&serde_json::json!({"territory_id": t, "visible": true}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
    }
    let r = api
        .put(app.url(&format!("/api/v1/cycles/{}/network", pc.cycle)))
        .bearer_auth(&pb.token)
        .json(&serde_json::json!({"territory_id": 99999}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);

    // Action plans: A struggles with its mail; B did too, and wrote it up; C (hidden) as well.
    add_action(
        &app,
        &pa.token,
        pa.cycle,
        "Mettre de l'ordre dans la messagerie",
        "Les boîtes débordent, les courriels importants se perdent.",
        &["messagerie", "Agenda partagé"],
    )
    .await;
    add_action(&app, &pa.token, pa.cycle, "Choisir un logiciel de paie", "", &["paie"]).await;
    add_action(
        &app,
        &pb.token,
        pb.cycle,
        "Filtres et dossiers de messagerie pour toute l'équipe",
        "Des règles de tri des courriels.",
        &["messagerie"],
    )
    .await;
    add_action(&app, &pb.token, pc.cycle, "SECRET-HIDDEN-ACTION messagerie", "courriels", &["messagerie"]).await;
    let r = post(&pb.token, format!("/api/v1/cycles/{}/retours", pb.cycle), serde_json::json!({
        "title": "Nos courriels ne se perdent plus", "problem": "La messagerie débordait, personne ne retrouvait rien.",
        "done": "Une demi-journée sur les filtres et une charte de nommage des dossiers.", "result": "Moins de relances.",
        "tags": ["Messagerie", "charte"], "published": true})).await;
    assert_eq!(r.status(), 201);
    let r = post(
        &pb.token,
        format!("/api/v1/cycles/{}/retours", pb.cycle),
        serde_json::json!({
        "title": "SECRET-DRAFT-RETOUR", "problem": "p", "done": "d", "tags": ["messagerie"]}),
    )
    .await;
    assert_eq!(r.status(), 201);
    let r = post(
        &pb.token,
        format!("/api/v1/cycles/{}/retours", pb.cycle),
        serde_json::json!({"title": "Sans mot-clé", "problem": "p", "done": "d", "tags": []}),
    )
    .await;
    assert_eq!(r.status(), 422);

    // The network page lists the published retour only.
    let rs: serde_json::Value = api
        .get(app.url("/api/v1/network/retours?tag=messagerie"))
        .bearer_auth(&pa.token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(rs.as_array().unwrap().len(), 1, "{rs}");
    assert_eq!(rs[0]["structure"], "Centre social de Bayonne");
    assert_eq!(rs[0]["territory"], "Pays basque");

    // A's matches: B first, with the shared problem and the distance Confolens–Bayonne; nothing of C.
    let net: serde_json::Value = api
        .get(app.url(&format!("/api/v1/cycles/{}/network", pa.cycle)))
        .bearer_auth(&pa.token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let text = net.to_string();
    assert!(!text.contains("SECRET-HIDDEN-ACTION") && !text.contains("SECRET-DRAFT-RETOUR"), "{text}");
    let m = &net["matches"][0];
    assert_eq!(m["cycle_id"].as_i64(), Some(pb.cycle), "{net}");
    assert!(m["shared_tags"].as_array().unwrap().iter().any(|t| t == "messagerie"));
    let d = m["distance_km"].as_f64().unwrap();
    assert!((310.0..350.0).contains(&d), "Confolens–Bayonne is about 330 km as the crow flies: {d}");
    assert!(m["score"].as_f64().unwrap() > 0.3);
    assert!(m["items"].as_array().unwrap().iter().any(|t| t == "Nos courriels ne se perdent plus"));
    assert!(!net["matches"].as_array().unwrap().iter().any(|x| x["cycle_id"].as_i64() == Some(pc.cycle)));
    assert!(!text.contains("@"), "no contact detail before a mise en lien: {text}");

    // Mise en lien: not to oneself, not to a hidden committee, once; only B answers; then both see the contacts.
    let r =
        post(&pa.token, format!("/api/v1/cycles/{}/links", pa.cycle), serde_json::json!({"to_cycle": pa.cycle})).await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("avec lui-même"));
    let r =
        post(&pa.token, format!("/api/v1/cycles/{}/links", pa.cycle), serde_json::json!({"to_cycle": pc.cycle})).await;
    assert_eq!(r.status(), 422);
    let r = post(
        &pa.token,
        format!("/api/v1/cycles/{}/links", pa.cycle),
        serde_json::json!({"to_cycle": pb.cycle, "message": "Pouvons-nous échanger ?"}),
    )
    .await;
    assert_eq!(r.status(), 201);
    let v: serde_json::Value = r.json().await.unwrap();
    let lid = v["links"][0]["id"].as_i64().unwrap();
    assert_eq!(v["links"][0]["status"], "requested");
    assert!(v["links"][0]["contacts"].as_array().unwrap().is_empty());
    let r =
        post(&pa.token, format!("/api/v1/cycles/{}/links", pa.cycle), serde_json::json!({"to_cycle": pb.cycle})).await;
    assert_eq!(r.status(), 409);
    let r =
        post(&pa.token, format!("/api/v1/cycles/{}/links/{lid}", pa.cycle), serde_json::json!({"accept": true})).await;
    assert_eq!(r.status(), 404, "the asking side cannot accept for the other");
    // B's référent, whose address will be shown.
    let b_members: Vec<_> = acunum::cycle::store::participants(&app.db, fb.org_id, pb.cycle)
        .await
        .unwrap()
        .into_iter()
        .filter(|x| x.committee)
        .collect();
    let r = api
        .put(app.url(&format!("/api/v1/cycles/{}/referent", pb.cycle)))
        .bearer_auth(&pb.token)
        .json(&serde_json::json!({"participant_id": b_members[0].id}))
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success());
    // B answers through its page.
    let web_b = app.logged_in(&fb.coordinator).await;
    let page = app.get(&web_b, &format!("/cycles/{}/reseau", pb.cycle)).await.text().await.unwrap();
    assert!(page.contains("Demande reçue de") && page.contains("Pouvons-nous échanger ?"), "{page}");
    let r =
        app.post_form(&web_b, &format!("/cycles/{}/mises-en-lien/{lid}", pb.cycle), &[("decision", "accepter")]).await;
    assert_eq!(r.status(), 303);
    let r =
        app.post_form(&web_b, &format!("/cycles/{}/mises-en-lien/{lid}", pb.cycle), &[("decision", "refuser")]).await;
    assert_eq!(r.status(), 409);
    let net: serde_json::Value = api
        .get(app.url(&format!("/api/v1/cycles/{}/network", pa.cycle)))
        .bearer_auth(&pa.token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let link = &net["links"][0];
    assert_eq!(link["status"], "accepted");
    let emails: Vec<&str> = link["contacts"].as_array().unwrap().iter().map(|c| c["email"].as_str().unwrap()).collect();
    assert!(emails.contains(&b_members[0].email.as_str()), "{link}");
    assert_eq!(net["matches"][0]["link"], "accepted");

    // The pages of A: the match with its distance, the accepted link with the contact.
    let web_a = app.logged_in(&fa.coordinator).await;
    let page = app.get(&web_a, &format!("/cycles/{}/reseau", pa.cycle)).await.text().await.unwrap();
    assert!(page.contains("Centre social de Bayonne") && page.contains(" km"), "{page}");
    assert!(page.contains(&b_members[0].email));
    let page = app.get(&web_a, "/reseau?tag=messagerie").await.text().await.unwrap();
    assert!(page.contains("Nos courriels ne se perdent plus") && !page.contains("SECRET-DRAFT-RETOUR"));
    // A writes and publishes its own retour through the page.
    let r = app
        .post_form(
            &web_a,
            &format!("/cycles/{}/retours", pa.cycle),
            &[
                ("title", "Agenda partagé"),
                ("problem", "Personne ne savait qui était où."),
                ("done", "Un agenda partagé par service."),
                ("tags", "agenda partagé"),
                ("publish", "on"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let r = app
        .post_form(
            &web_a,
            &format!("/cycles/{}/retours", pa.cycle),
            &[("title", ""), ("problem", ""), ("done", ""), ("tags", "")],
        )
        .await;
    assert_eq!(r.status(), 422);
    let rs: serde_json::Value =
        api.get(app.url("/api/v1/network/retours")).bearer_auth(&pb.token).send().await.unwrap().json().await.unwrap();
    assert_eq!(rs.as_array().unwrap().len(), 2);
}
