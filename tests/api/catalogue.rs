//! The catalogue: the ACUNUM modules, versions, variants, public programme sheets.

use crate::both_databases;
use crate::helpers::{Backend, TestApp, extract, location, seed_admin, seed_org};

both_databases!(
    a_new_organisation_starts_with_the_acunum_catalogue,
    editing_a_module_writes_a_version_and_keeps_the_old_one,
    a_variant_of_56_hours_over_8_days_for_14,
    the_public_programme_sheet_has_every_legal_mention,
    the_module_api_validates_and_versions,
    a_coordinator_uploads_a_logo
);

async fn a_new_organisation_starts_with_the_acunum_catalogue(b: Backend) {
    let app = TestApp::spawn(b).await;
    let admin = seed_admin(&app.db).await;
    let c = app.logged_in(&admin).await;
    let r = app
        .post_form(
            &c,
            "/admin/organisations",
            &[
                ("name", "Réseau des EPN du Gers"),
                ("siret", "123"),
                ("coordinator_name", "Léa"),
                ("coordinator_email", "lea@gers.test"),
            ],
        )
        .await;
    assert_eq!(r.status(), 422);
    let r = app
        .post_form(
            &c,
            "/admin/organisations",
            &[
                ("name", "Réseau des EPN du Gers"),
                ("vat_exempt", "on"),
                ("coordinator_name", "Léa"),
                ("coordinator_email", "lea@gers.test"),
            ],
        )
        .await;
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    let link = extract(&html, r"http://acunum\.test(/reinitialiser/[A-Za-z0-9_-]+)").expect("password link");
    let lea = app.client();
    assert_eq!(
        app.post_form(&lea, &link, &[("password", "le gers numérique"), ("confirm", "le gers numérique")])
            .await
            .status(),
        303
    );
    assert_eq!(app.login(&lea, "lea@gers.test", "le gers numérique").await.status(), 303);
    let html = app.get(&lea, "/catalogue").await.text().await.unwrap();
    for title in [
        "Formation aux cultures numériques",
        "Pourquoi comprendre les cultures numériques dans nos métiers ?",
        "Formation aux usages numériques",
        "Accompagnement à Maîtrise d&#39;Ouvrage",
    ] {
        assert!(html.contains(title) || html.contains(&title.replace("&#39;", "'")), "{title}");
    }
    assert!(html.contains("28 heures réparties sur 4 jours"));
    assert!(html.contains("24 heures réparties sur 6 demi-journées"));
    assert!(html.contains("10 personnes au maximum"));
    assert!(html.contains("Large public"));
}

async fn editing_a_module_writes_a_version_and_keeps_the_old_one(b: Backend) {
    let app = TestApp::spawn(b).await;
    let f = seed_org(&app.db, "Org").await;
    let c = app.logged_in(&f.coordinator).await;
    let module = acunum::catalogue::store::list(&app.db, f.org_id, false).await.unwrap().remove(0);
    let form_html = app.get(&c, &format!("/catalogue/{}/modifier", module.id)).await.text().await.unwrap();
    assert!(
        form_html.contains("## Jour 1 : l&#39;information à l&#39;ère du numérique")
            || form_html.contains("## Jour 1 : l'information à l'ère du numérique")
    );
    let form = acunum::catalogue::web::ModuleForm::from_content(module.kind, &module.content);
    let mut fields = vec![
        ("title", form.title.clone()),
        ("summary", form.summary.clone()),
        ("objectives", form.objectives.clone()),
        ("public_target", form.public_target.clone()),
        ("prereq_culture", form.prereq_culture.clone()),
        ("prereq_technicity", form.prereq_technicity.clone()),
        ("headcount_max", "12".into()),
        ("unit", form.unit.clone()),
        ("unit_count", "4".into()),
        ("unit_hours", "7".into()),
        ("plan", form.plan.clone()),
        ("methods", form.methods.clone()),
        ("evaluation", form.evaluation.clone()),
        ("accessibility", form.accessibility.clone()),
        ("access_modalities", form.access_modalities.clone()),
        ("price_basis", form.price_basis.clone()),
        ("price", "1 250,50".into()),
        ("logistics", form.logistics.clone()),
    ];
    let owned: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let r = app.post_form(&c, &format!("/catalogue/{}", module.id), &owned).await;
    assert_eq!(r.status(), 303);
    let html = app.get(&c, &location(&r)).await.text().await.unwrap();
    assert!(html.contains("version 2"));
    assert!(html.contains("12 personnes au maximum"));
    assert!(html.contains("1\u{202f}250,50"));
    let v1 = app.get(&c, &format!("/catalogue/{}/versions/1", module.id)).await.text().await.unwrap();
    assert!(v1.contains("10 personnes au maximum"));
    // Bad figures come back with messages, and version 2 stays.
    fields.retain(|(k, _)| *k != "unit_hours" && *k != "headcount_max");
    fields.push(("unit_hours", "sept".into()));
    fields.push(("headcount_max", "0".into()));
    let owned: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let r = app.post_form(&c, &format!("/catalogue/{}", module.id), &owned).await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("La durée d&#39;une séquence est un nombre d&#39;heures")
            || html.contains("La durée d'une séquence est un nombre d'heures")
    );
    assert!(
        html.contains("L&#39;effectif maximal est compris entre 1 et 1000")
            || html.contains("L'effectif maximal est compris entre 1 et 1000")
    );
    assert_eq!(acunum::catalogue::store::get(&app.db, f.org_id, module.id).await.unwrap().version, 2);
}

async fn a_variant_of_56_hours_over_8_days_for_14(b: Backend) {
    let app = TestApp::spawn(b).await;
    let f = seed_org(&app.db, "Org").await;
    let c = app.logged_in(&f.coordinator).await;
    let module = acunum::catalogue::store::list(&app.db, f.org_id, false).await.unwrap().remove(0);
    let r = app.post_form(&c, &format!("/catalogue/{}/dupliquer", module.id), &[]).await;
    assert_eq!(r.status(), 303);
    let edit = location(&r);
    let id: i64 = extract(&edit, r"/catalogue/(\d+)/modifier").unwrap().parse().unwrap();
    let variant = acunum::catalogue::store::get(&app.db, f.org_id, id).await.unwrap();
    let mut content = variant.content.clone();
    content.title = "Formation aux cultures numériques — format long".into();
    content.unit_count = 8;
    content.headcount_max = Some(14);
    acunum::catalogue::store::update(&app.db, f.org_id, id, &content, None).await.unwrap();
    let html = app.get(&c, &format!("/catalogue/{id}")).await.text().await.unwrap();
    assert!(html.contains("56 heures réparties sur 8 jours"));
    assert!(html.contains("14 personnes au maximum"));
    let original = app.get(&c, &format!("/catalogue/{}", module.id)).await.text().await.unwrap();
    assert!(original.contains("28 heures réparties sur 4 jours"));
}

async fn the_public_programme_sheet_has_every_legal_mention(b: Backend) {
    let app = TestApp::spawn(b).await;
    let f = seed_org(&app.db, "Org").await;
    let module = acunum::catalogue::store::list(&app.db, f.org_id, false).await.unwrap().remove(0);
    let visitor = app.client();
    let r = app.get(&visitor, &format!("/programme/{}/{}", f.slug, module.id)).await;
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    for mention in [
        "Objectifs",
        "Public",
        "Prérequis",
        "Durée",
        "Modalités et délais d",
        "Tarif",
        "Contacts",
        "Méthodes mobilisées",
        "Modalités d",
        "Accessibilité aux personnes handicapées",
        "Programme détaillé",
        "Exonération de TVA – art. 261-4-4° a du CGI",
        "ne vaut pas agrément de l",
        "73282932000074",
        "75160123416",
        "28 heures réparties sur 4 jours",
        "novice et débutant",
        "Jour 4",
        "Et maintenant, que fait-on ? Suites à donner à la formation",
        "Imprimer ce programme",
    ] {
        assert!(html.contains(mention) || html.contains(&mention.replace('\'', "&#39;")), "missing: {mention}");
    }
    // Unpublished or another organisation's module: not found.
    acunum::catalogue::store::set_flags(&app.db, f.org_id, module.id, false, false).await.unwrap();
    assert_eq!(app.get(&visitor, &format!("/programme/{}/{}", f.slug, module.id)).await.status(), 404);
    let other = seed_org(&app.db, "Autre").await;
    let theirs = acunum::catalogue::store::list(&app.db, other.org_id, false).await.unwrap().remove(0);
    assert_eq!(app.get(&visitor, &format!("/programme/{}/{}", f.slug, theirs.id)).await.status(), 404);
}

async fn the_module_api_validates_and_versions(b: Backend) {
    let app = TestApp::spawn(b).await;
    let f = seed_org(&app.db, "Org").await;
    let token = app.token_for(&f.coordinator).await;
    let api = app.api();
    let list: serde_json::Value =
        api.get(app.url("/api/v1/modules")).bearer_auth(&token).send().await.unwrap().json().await.unwrap();
    assert_eq!(list.as_array().unwrap().len(), 4);
    let usage = list.as_array().unwrap().iter().find(|m| m["kind"] == "usage_training").unwrap().clone();
    assert_eq!(usage["content"]["unit"], "half_day");
    assert_eq!(usage["content"]["unit_count"], 6);
    let id = usage["id"].as_i64().unwrap();
    let mut content = usage["content"].clone();
    content["topics"].as_array_mut().unwrap().push("Cartographie collaborative".into());
    let updated: serde_json::Value = api
        .put(app.url(&format!("/api/v1/modules/{id}")))
        .bearer_auth(&token)
        .json(&content)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(updated["version"], 2);
    let versions: serde_json::Value = api
        .get(app.url(&format!("/api/v1/modules/{id}/versions")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(versions.as_array().unwrap().len(), 2);
    content["unit_count"] = 0.into();
    content["price"] = "-5".into();
    let r = api.put(app.url(&format!("/api/v1/modules/{id}"))).bearer_auth(&token).json(&content).send().await.unwrap();
    assert_eq!(r.status(), 422);
    let r = api
        .post(app.url("/api/v1/modules"))
        .bearer_auth(&token)
        .json(&serde_json::json!({"kind": "yoga", "content": {}}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let r = api.post(app.url(&format!("/api/v1/modules/{id}/duplicate"))).bearer_auth(&token).send().await.unwrap();
    assert_eq!(r.status(), 201);
    let r = api
        .put(app.url(&format!("/api/v1/modules/{id}/state")))
        .bearer_auth(&token)
        .json(&serde_json::json!({"published": false, "archived": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.json::<serde_json::Value>().await.unwrap()["archived"], true);
}

async fn a_coordinator_uploads_a_logo(b: Backend) {
    let app = TestApp::spawn(b).await;
    let f = seed_org(&app.db, "Org").await;
    let c = app.logged_in(&f.coordinator).await;
    let token = app.csrf(&c).await;
    let png = {
        let img = image::RgbaImage::from_pixel(1200, 300, image::Rgba([10, 80, 160, 255]));
        let mut out = std::io::Cursor::new(Vec::new());
        image::DynamicImage::ImageRgba8(img).write_to(&mut out, image::ImageFormat::Png).unwrap();
        out.into_inner()
    };
    let form = reqwest::multipart::Form::new()
        .part("logo", reqwest::multipart::Part::bytes(b"<svg onload=alert(1)>".to_vec()).file_name("x.svg"));
    let r = c.post(app.url(&format!("/organisation/logo?_csrf={token}"))).multipart(form).send().await.unwrap();
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("PNG ou JPEG"));
    let form = reqwest::multipart::Form::new()
        .part("logo", reqwest::multipart::Part::bytes(png.clone()).file_name("logo.png"));
    let r = c.post(app.url(&format!("/organisation/logo?_csrf={token}"))).multipart(form).send().await.unwrap();
    assert_eq!(r.status(), 303);
    let r = app.get(&app.client(), &format!("/logo/{}", f.org_id)).await;
    assert_eq!(r.headers()["content-type"], "image/png");
    // Kept as a fresh PNG, made to fit 800 × 800.
    let kept = r.bytes().await.unwrap().to_vec();
    let img = image::load_from_memory(&kept).unwrap();
    assert_eq!((img.width(), img.height()), (800, 200));
    // An image bomb (16000 × 16000 pixels claimed in a few bytes) is refused from its header.
    let bomb = {
        let mut ihdr = b"IHDR".to_vec();
        ihdr.extend_from_slice(&16_000u32.to_be_bytes());
        ihdr.extend_from_slice(&16_000u32.to_be_bytes());
        ihdr.extend_from_slice(&[8, 6, 0, 0, 0]);
        let mut out = b"\x89PNG\r\n\x1a\n\0\0\0\r".to_vec();
        out.extend_from_slice(&ihdr);
        out.extend_from_slice(&[0, 0, 0, 0]);
        out.extend_from_slice(&[0u8; 1000]);
        out
    };
    let form = reqwest::multipart::Form::new().part("logo", reqwest::multipart::Part::bytes(bomb).file_name("b.png"));
    let r = c.post(app.url(&format!("/organisation/logo?_csrf={token}"))).multipart(form).send().await.unwrap();
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains("trop grande") || html.contains("illisible"), "{html}");
    // Too big: refused, the old logo stays.
    let big = vec![0x89u8; 3 * 1024 * 1024];
    let form = reqwest::multipart::Form::new().part("logo", reqwest::multipart::Part::bytes(big).file_name("big.png"));
    let r = c.post(app.url(&format!("/organisation/logo?_csrf={token}"))).multipart(form).send().await;
    if let Ok(r) = r {
        assert!(r.status().is_client_error(), "{}", r.status());
    }
    assert_eq!(acunum::org::store::logo(&app.db, f.org_id).await.unwrap().unwrap().1, kept);
}
