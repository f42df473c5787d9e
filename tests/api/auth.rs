//! Logging in and out, the throttle, CSRF, password changes and resets, tokens, several instances.

use crate::both_databases;
use crate::helpers::{Backend, PASSWORD, TestApp, extract, location, seed_admin, seed_org};

both_databases!(
    a_visitor_is_sent_to_the_login_page,
    a_coordinator_logs_in_and_out,
    a_wrong_password_is_refused_in_french,
    repeated_failures_are_throttled,
    forms_without_the_csrf_token_are_refused,
    a_password_change_ends_other_sessions,
    an_admin_issues_a_reset_link_that_works_once,
    api_tokens_authenticate_the_api,
    sessions_work_across_instances,
    a_coordinator_creates_an_account_with_a_password_link,
    pages_carry_security_headers,
    healthz_reports_the_database
);

async fn a_visitor_is_sent_to_the_login_page(b: Backend) {
    let app = TestApp::spawn(b).await;
    let c = app.client();
    let r = app.get(&c, "/clients?q=x").await;
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), "/connexion?suivant=/clients");
    let r = app.api().get(app.url("/api/v1/clients")).send().await.unwrap();
    assert_eq!(r.status(), 401);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["code"], "unauthorized");
}

async fn a_coordinator_logs_in_and_out(b: Backend) {
    let app = TestApp::spawn(b).await;
    let f = seed_org(&app.db, "Médiations de Charente").await;
    let c = app.client();
    let token = app.csrf(&c).await;
    let r = c
        .post(app.url("/connexion"))
        .form(&[("email", f.coordinator.as_str()), ("password", PASSWORD), ("suivant", "/clients"), ("_csrf", &token)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), "/clients");
    let html = app.get(&c, "/").await.text().await.unwrap();
    assert!(html.contains("Bonjour Coordination"));
    assert!(html.contains("Médiations de Charente"));
    let r = app.post_form(&c, "/deconnexion", &[]).await;
    assert_eq!(r.status(), 303);
    assert_eq!(app.get(&c, "/").await.status(), 303);
}

async fn a_wrong_password_is_refused_in_french(b: Backend) {
    let app = TestApp::spawn(b).await;
    let f = seed_org(&app.db, "Org").await;
    let c = app.client();
    let r = app.login(&c, &f.coordinator, "mauvais mot de passe").await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("Adresse e-mail ou mot de passe incorrect."));
    let r = app.login(&c, "personne@nulle.part", "mauvais mot de passe").await;
    assert_eq!(r.status(), 422);
}

async fn repeated_failures_are_throttled(b: Backend) {
    let app = TestApp::spawn(b).await;
    let f = seed_org(&app.db, "Org").await;
    let c = app.client();
    for _ in 0..5 {
        assert_eq!(app.login(&c, &f.coordinator, "faux").await.status(), 422);
    }
    // Even the right password is refused now, and the message says why.
    let r = app.login(&c, &f.coordinator, PASSWORD).await;
    assert_eq!(r.status(), 429);
    assert!(r.text().await.unwrap().contains("Trop de tentatives"));
}

async fn forms_without_the_csrf_token_are_refused(b: Backend) {
    let app = TestApp::spawn(b).await;
    let f = seed_org(&app.db, "Org").await;
    let c = app.logged_in(&f.coordinator).await;
    let r = c
        .post(app.url("/clients"))
        .form(&[("name", "Sans jeton"), ("sector", "sante"), ("kind", "entreprise")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    assert!(r.text().await.unwrap().contains("formulaire a expiré"));
    let r = c
        .post(app.url("/clients"))
        .form(&[("name", "Mauvais jeton"), ("sector", "sante"), ("kind", "entreprise"), ("_csrf", "faux")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    // The session's JSON calls need the header too.
    let r = c
        .post(app.url("/api/v1/clients"))
        .json(&serde_json::json!({"name": "x", "sector": "sante", "kind": "entreprise"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    assert_eq!(r.json::<serde_json::Value>().await.unwrap()["code"], "csrf");
    let token = app.csrf(&c).await;
    let r = c
        .post(app.url("/api/v1/clients"))
        .header("x-csrf-token", token)
        .json(&serde_json::json!({"name": "Avec jeton", "sector": "sante", "kind": "entreprise"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let (_, total) = acunum::client::store::list(
        &app.db,
        f.org_id,
        &acunum::web::list::Listing::new(&Default::default(), &acunum::client::store::SORT),
    )
    .await
    .unwrap();
    assert_eq!(total, 1, "only the request with the token saved something");
}

async fn a_password_change_ends_other_sessions(b: Backend) {
    let app = TestApp::spawn(b).await;
    let f = seed_org(&app.db, "Org").await;
    let first = app.logged_in(&f.coordinator).await;
    let second = app.logged_in(&f.coordinator).await;
    let r = app
        .post_form(&first, "/compte/mot-de-passe", &[("current", "faux"), ("password", "court"), ("confirm", "autre")])
        .await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains("Le mot de passe actuel est incorrect."));
    assert!(html.contains("au moins 10 caractères"));
    let r = app
        .post_form(
            &first,
            "/compte/mot-de-passe",
            &[("current", PASSWORD), ("password", "un nouveau mot de passe"), ("confirm", "un nouveau mot de passe")],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(app.get(&first, "/compte").await.status(), 200, "this session stays open");
    assert_eq!(app.get(&second, "/compte").await.status(), 303, "the other session ends");
    assert_eq!(app.login(&app.client(), &f.coordinator, "un nouveau mot de passe").await.status(), 303);
}

async fn an_admin_issues_a_reset_link_that_works_once(b: Backend) {
    let app = TestApp::spawn(b).await;
    let f = seed_org(&app.db, "Org").await;
    let admin = seed_admin(&app.db).await;
    let c = app.logged_in(&admin).await;
    let user = acunum::auth::store::user_by_email(&app.db, &f.intervenant).await.unwrap().unwrap();
    let html =
        app.post_form(&c, &format!("/utilisateurs/{}/reinitialisation", user.id), &[]).await.text().await.unwrap();
    let link = extract(&html, r"http://acunum\.test(/reinitialiser/[A-Za-z0-9_-]+)").expect("link shown");
    let visitor = app.client();
    assert_eq!(app.get(&visitor, &link).await.status(), 200);
    let r = app
        .post_form(&visitor, &link, &[("password", "une phrase secrète"), ("confirm", "une phrase differente")])
        .await;
    assert_eq!(r.status(), 422);
    let r =
        app.post_form(&visitor, &link, &[("password", "une phrase secrète"), ("confirm", "une phrase secrète")]).await;
    assert_eq!(r.status(), 303);
    assert_eq!(app.login(&app.client(), &f.intervenant, "une phrase secrète").await.status(), 303);
    let r = app.get(&visitor, &link).await;
    assert_eq!(r.status(), 400);
    assert!(r.text().await.unwrap().contains("a expiré ou a déjà servi"));
    // A forged link opens nothing.
    assert_eq!(app.get(&visitor, "/reinitialiser/forge").await.status(), 400);
}

async fn api_tokens_authenticate_the_api(b: Backend) {
    let app = TestApp::spawn(b).await;
    let f = seed_org(&app.db, "Org").await;
    let c = app.logged_in(&f.coordinator).await;
    let html = app.post_form(&c, "/compte/jetons", &[("name", "tableur")]).await.text().await.unwrap();
    let token = extract(&html, r#"<code class="copy">([A-Za-z0-9_-]{43})</code>"#).expect("token shown once");
    let api = app.api();
    let me: serde_json::Value =
        api.get(app.url("/api/v1/me")).bearer_auth(&token).send().await.unwrap().json().await.unwrap();
    assert_eq!(me["email"], f.coordinator.as_str());
    assert_eq!(me["role"], "coordinator");
    assert!(me.get("password_hash").is_none());
    // Bearer calls need no CSRF token.
    let r = api
        .post(app.url("/api/v1/clients"))
        .bearer_auth(&token)
        .json(&serde_json::json!({"name": "Par l'API", "sector": "sante", "kind": "entreprise"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let r = api.get(app.url("/api/v1/me")).bearer_auth("faux-jeton").send().await.unwrap();
    assert_eq!(r.status(), 401);
    let tokens: serde_json::Value =
        api.get(app.url("/api/v1/me/tokens")).bearer_auth(&token).send().await.unwrap().json().await.unwrap();
    let id = tokens[0]["id"].as_i64().unwrap();
    assert_eq!(
        api.delete(app.url(&format!("/api/v1/me/tokens/{id}"))).bearer_auth(&token).send().await.unwrap().status(),
        204
    );
    assert_eq!(api.get(app.url("/api/v1/me")).bearer_auth(&token).send().await.unwrap().status(), 401);
}

async fn sessions_work_across_instances(b: Backend) {
    let app = TestApp::spawn(b).await;
    let f = seed_org(&app.db, "Org").await;
    let second = app.second_instance().await;
    let c = app.logged_in(&f.coordinator).await;
    // The same cookie, sent to the other process: the session lives in the database.
    let r = c.get(format!("http://{second}/clients")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let token = app.csrf(&c).await;
    let r = c
        .post(format!("http://{second}/clients"))
        .form(&[("name", "Créé sur l'instance B"), ("sector", "sante"), ("kind", "entreprise"), ("_csrf", &token)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let html = app.get(&c, "/clients").await.text().await.unwrap();
    assert!(html.contains("Créé sur l&#39;instance B") || html.contains("Créé sur l'instance B"));
}

async fn a_coordinator_creates_an_account_with_a_password_link(b: Backend) {
    let app = TestApp::spawn(b).await;
    let f = seed_org(&app.db, "Org").await;
    let c = app.logged_in(&f.coordinator).await;
    let r = app
        .post_form(&c, "/utilisateurs", &[("name", "Nouvelle"), ("email", "pas-une-adresse"), ("role", "admin")])
        .await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains("adresse e-mail n&#39;est pas valide") || html.contains("adresse e-mail n'est pas valide"));
    assert!(html.contains("Choisissez le rôle dans la liste."), "a coordinator cannot create an admin");
    let r = app
        .post_form(
            &c,
            "/utilisateurs",
            &[("name", "Nouvelle Médiatrice"), ("email", "nouvelle@org.test"), ("role", "intervenant")],
        )
        .await;
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    assert!(extract(&html, r"(/reinitialiser/[A-Za-z0-9_-]+)").is_some());
    let u = acunum::auth::store::user_by_email(&app.db, "nouvelle@org.test").await.unwrap().unwrap();
    assert_eq!(u.org_id, Some(f.org_id));
    let r = app
        .post_form(&c, "/utilisateurs", &[("name", "Doublon"), ("email", "NOUVELLE@org.test"), ("role", "intervenant")])
        .await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("Un compte existe déjà"));
    // Deactivation logs the person out for good.
    let r = app.post_form(&c, &format!("/utilisateurs/{}/activation", u.id), &[]).await;
    assert_eq!(r.status(), 303);
    assert!(!acunum::auth::store::user_by_id(&app.db, u.id).await.unwrap().unwrap().active);
}

async fn pages_carry_security_headers(b: Backend) {
    let app = TestApp::spawn(b).await;
    let r = app.get(&app.client(), "/connexion").await;
    let h = r.headers();
    assert!(h["content-security-policy"].to_str().unwrap().contains("default-src 'self'"));
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert_eq!(h["x-frame-options"], "DENY");
    let cookie = h.get_all("set-cookie").iter().map(|v| v.to_str().unwrap().to_string()).collect::<Vec<_>>().join(";");
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"), "{cookie}");
}

async fn healthz_reports_the_database(b: Backend) {
    let app = TestApp::spawn(b).await;
    let r = app.api().get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.json::<serde_json::Value>().await.unwrap()["database"], "ok");
    app.db.pool.close().await;
    let r = app.api().get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(r.status(), 503);
}
