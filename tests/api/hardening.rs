//! Hostile input, each defect found by probing reproduced and shown fixed: simultaneous logins
//! against the throttle, the lockout behind a proxy, open redirects and control characters in
//! `suivant`, NUL characters (a 500 on PostgreSQL before), overflowing counts, cache headers.
//! Every request goes to the test server on 127.0.0.1; forwarded addresses are only header text.

use crate::both_databases;
use crate::helpers::{Backend, PASSWORD, TestApp, extract, location, seed_admin, seed_org};

both_databases!(
    simultaneous_logins_check_no_more_than_the_limit,
    behind_a_trusted_proxy_one_address_does_not_lock_everyone_out,
    redirect_targets_stay_on_the_site,
    control_characters_are_refused_or_removed_never_a_server_error,
    counts_at_the_ends_of_their_type_are_refused,
    private_answers_are_not_stored_by_browsers,
    coordinates_missing_then_present_are_stored,
    personal_links_are_not_kept_in_clear,
    sessions_keep_no_password_hash,
    anonymous_page_views_write_nothing,
    a_websocket_opens_from_this_site_only,
    pages_are_compressed_when_the_browser_asks,
);

/// A client that has loaded the login page (its session and CSRF token).
async fn login_client(app: &TestApp) -> (reqwest::Client, String) {
    let c = app.client();
    let html = app.get(&c, "/connexion").await.text().await.unwrap();
    let token = extract(&html, r#"name="csrf-token" content="([^"]+)""#).unwrap();
    (c, token)
}

async fn simultaneous_logins_check_no_more_than_the_limit(b: Backend) {
    let app = TestApp::spawn(b).await;
    let f = seed_org(&app.db, "Org").await;
    let mut clients = Vec::new();
    for _ in 0..100 {
        clients.push(login_client(&app).await);
    }
    // 100 attempts at once on one account, the right password among them (the 50th).
    let mut tasks = Vec::new();
    for (i, (c, token)) in clients.into_iter().enumerate() {
        let url = app.url("/connexion");
        let email = f.coordinator.clone();
        let password = if i == 50 { PASSWORD.to_string() } else { format!("mauvais-{i}") };
        tasks.push(tokio::spawn(async move {
            c.post(url)
                .form(&[("email", email.as_str()), ("password", password.as_str()), ("_csrf", token.as_str())])
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }));
    }
    let mut statuses = Vec::new();
    for t in tasks {
        statuses.push(t.await.unwrap());
    }
    let checked = statuses.iter().filter(|s| **s != 429).count();
    assert!(checked <= 5, "{checked} passwords checked: {statuses:?}");
    assert!(checked >= 1, "{statuses:?}");
    assert!(statuses.iter().all(|s| matches!(s, 429 | 422 | 303)), "{statuses:?}");
    // Signing codes: the same reservation (see the attendance tests for the journey); here, the
    // counters the login left: refused attempts gave their place back.
    let n: i64 = sqlx::query_scalar("SELECT count FROM throttle WHERE key = $1")
        .bind(format!("login:email:{}", f.coordinator))
        .fetch_optional(&app.db.pool)
        .await
        .unwrap()
        .unwrap_or(0);
    assert!(n <= 5, "{n}");
}

async fn behind_a_trusted_proxy_one_address_does_not_lock_everyone_out(b: Backend) {
    let app = TestApp::spawn_with(b, |c| c.trusted_proxies = "127.0.0.1".into()).await;
    let f = seed_org(&app.db, "Org").await;
    // An attacker behind the load balancer fails 25 times on many accounts.
    for i in 0..25 {
        let (c, token) = login_client(&app).await;
        let r = c
            .post(app.url("/connexion"))
            .header("x-forwarded-for", "198.51.100.7")
            .form(&[
                ("email", format!("personne{i}@exemple.fr").as_str()),
                ("password", "x"),
                ("_csrf", token.as_str()),
            ])
            .send()
            .await
            .unwrap();
        assert!(matches!(r.status().as_u16(), 422 | 429), "{}", r.status());
    }
    let (c, token) = login_client(&app).await;
    let r = c
        .post(app.url("/connexion"))
        .header("x-forwarded-for", "198.51.100.7")
        .form(&[("email", "autre@exemple.fr"), ("password", "x"), ("_csrf", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 429, "the attacker's address is throttled");
    // The coordinator, from another address behind the same proxy, logs in.
    let (c, token) = login_client(&app).await;
    let r = c
        .post(app.url("/connexion"))
        .header("x-forwarded-for", "203.0.113.20")
        .form(&[("email", f.coordinator.as_str()), ("password", PASSWORD), ("_csrf", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    // Without a trusted proxy, a client cannot choose its address with the header.
    let app = TestApp::spawn(b).await;
    let admin = seed_admin(&app.db).await;
    for i in 0..20 {
        let (c, token) = login_client(&app).await;
        c.post(app.url("/connexion"))
            .header("x-forwarded-for", format!("198.51.100.{i}"))
            .form(&[("email", format!("p{i}@exemple.fr").as_str()), ("password", "x"), ("_csrf", token.as_str())])
            .send()
            .await
            .unwrap();
    }
    let (c, token) = login_client(&app).await;
    let r = c
        .post(app.url("/connexion"))
        .header("x-forwarded-for", "203.0.113.20")
        .form(&[("email", admin.as_str()), ("password", PASSWORD), ("_csrf", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 429, "20 failures from the socket's address");
}

async fn redirect_targets_stay_on_the_site(b: Backend) {
    let app = TestApp::spawn(b).await;
    let f = seed_org(&app.db, "Org").await;
    let c = app.logged_in(&f.coordinator).await;
    for next in [
        "/%09/127.0.0.1:28999/",
        "%2F%2F127.0.0.1:28999",
        "/%5C127.0.0.1",
        "%0A",
        "%0D%0ASet-Cookie:x=1",
        "%00",
        "%0B",
        "%0C",
        "https://127.0.0.1:28999/",
    ] {
        let r = app.get(&c, &format!("/connexion?suivant={next}")).await;
        assert_eq!(r.status(), 303, "{next}");
        assert_eq!(location(&r), "/", "{next}");
    }
    let r = app.get(&c, "/connexion?suivant=/clients").await;
    assert_eq!(location(&r), "/clients");
    // The same check after the password.
    for next in ["/\t/127.0.0.1:28999/", "/\n/x", "\r", "//127.0.0.1:28999"] {
        let (c, token) = login_client(&app).await;
        let r = c
            .post(app.url("/connexion"))
            .form(&[
                ("email", f.coordinator.as_str()),
                ("password", PASSWORD),
                ("suivant", next),
                ("_csrf", token.as_str()),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303, "{next:?}");
        assert_eq!(location(&r), "/", "{next:?}");
    }
}

async fn control_characters_are_refused_or_removed_never_a_server_error(b: Backend) {
    let app = TestApp::spawn(b).await;
    let f = seed_org(&app.db, "Org").await;
    // In a path: a French 400.
    for path in ["/p/a%00b", "/programme/a%00b/1/pdf", "/api/v1/surveys/a%01b", "/lieux/a%7Fb"] {
        let r = app.get(&app.client(), path).await;
        assert_eq!(r.status(), 400, "{path}");
        assert!(r.text().await.unwrap().contains("caractère"), "{path}");
    }
    // In a form: removed, the form goes on (here: a wrong password, said on the page).
    let (c, token) = login_client(&app).await;
    let r = c
        .post(app.url("/connexion"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("email=a%00b&password=x&_csrf={token}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains("incorrect") && html.contains("value=\"ab\""), "{html}");
    // A form that saves: the NUL is removed, the text kept.
    let c = app.logged_in(&f.coordinator).await;
    let token = app.csrf(&c).await;
    let r = c
        .post(app.url("/clients"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("name=Atelier%00+du+Lien&sector=sante&kind=association&_csrf={token}"))
        .send()
        .await
        .unwrap();
    assert!(r.status().is_redirection() || r.status() == 200, "{}", r.status());
    let names: Vec<String> = sqlx::query_scalar("SELECT name FROM clients").fetch_all(&app.db.pool).await.unwrap();
    assert_eq!(names, vec!["Atelier du Lien".to_string()]);
    // In JSON: a structured 400, nothing saved.
    let api_token = app.token_for(&f.coordinator).await;
    let r = app
        .api()
        .post(app.url("/api/v1/clients"))
        .bearer_auth(&api_token)
        .header("content-type", "application/json")
        .body(r#"{"name": "Nul\u0000part", "sector": "sante", "kind": "association"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["code"], "bad_request");
    assert!(body["message"].as_str().unwrap().contains("U+0000"), "{body}");
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM clients").fetch_one(&app.db.pool).await.unwrap();
    assert_eq!(n, 1);
    // In a query: removed.
    let r = app.get(&c, "/clients?q=Atelier%00").await;
    assert_eq!(r.status(), 200);
}

async fn counts_at_the_ends_of_their_type_are_refused(b: Backend) {
    let app = TestApp::spawn(b).await;
    let f = seed_org(&app.db, "Org").await;
    let token = app.token_for(&f.coordinator).await;
    let module = acunum::catalogue::store::list(&app.db, f.org_id, false).await.unwrap().remove(0);
    let client = acunum::client::store::create(
        &app.db,
        f.org_id,
        &acunum::client::ClientInput {
            name: "Client".into(),
            sector: "sante".into(),
            kind: "entreprise".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    for mut body in [
        serde_json::json!({"client_id": 1, "participants": i64::MAX, "items": [{"module_id": module.id}]}),
        serde_json::json!({"client_id": 1, "participants": 10, "structures": i64::MIN, "items": [{"module_id": module.id}]}),
        serde_json::json!({"client_id": 1, "participants": 10, "items": [{"module_id": module.id, "quantity": "79228162514264337593543950335", "unit_price": "79228162514264337593543950335"}]}),
        serde_json::json!({"client_id": 1, "participants": 10, "items": [{"module_id": module.id}], "travel": {"mode": "per_km", "distance_km": "10", "trips": i64::MAX, "rate_per_km": "0.5"}}),
        serde_json::json!({"client_id": 1, "participants": 10, "items": [{"module_id": module.id}], "meals": {"count": i64::MAX, "unit_price": "79228162514264337593543950335"}}),
    ] {
        body["client_id"] = serde_json::json!(client.id);
        for path in ["/api/v1/quotes/preview", "/api/v1/quotes"] {
            let r = app.api().post(app.url(path)).bearer_auth(&token).json(&body).send().await.unwrap();
            assert!(r.status() == 422 || r.status() == 400, "{path} {body}: {}", r.status());
        }
    }
}

async fn private_answers_are_not_stored_by_browsers(b: Backend) {
    let app = TestApp::spawn(b).await;
    let f = seed_org(&app.db, "Org").await;
    let c = app.logged_in(&f.coordinator).await;
    for path in ["/", "/clients", "/api/v1/clients"] {
        let r = app.get(&c, path).await;
        assert_eq!(r.headers()["cache-control"], "no-store", "{path}");
        assert!(r.headers().get("strict-transport-security").is_none());
    }
    let html = app.get(&c, "/").await.text().await.unwrap();
    let css = extract(&html, r#"href="(/static/[^"]+\.css)""#).unwrap();
    let r = app.get(&c, &css).await;
    assert!(r.headers()["cache-control"].to_str().unwrap().contains("immutable"));
    let app = TestApp::spawn_with(b, |c| c.secure_cookies = true).await;
    let r = app.get(&app.client(), "/connexion").await;
    assert!(r.headers()["strict-transport-security"].to_str().unwrap().contains("max-age="));
}

/// Found by fuzzing: on PostgreSQL, a client saved without coordinates made every later client with
/// coordinates on the same connection fail with a 500 (a driver's NULL of the wrong width).
async fn coordinates_missing_then_present_are_stored(b: Backend) {
    let app = TestApp::spawn(b).await;
    let f = seed_org(&app.db, "Org").await;
    let token = app.token_for(&f.coordinator).await;
    let mut bodies = Vec::new();
    for i in 0..6 {
        bodies.push(serde_json::json!({"name": format!("Sans {i}"), "sector": "sante", "kind": "association"}));
    }
    for i in 0..6 {
        bodies.push(serde_json::json!({"name": format!("Avec {i}"), "sector": "sante", "kind": "association",
            "latitude": 45.65 + f64::from(i) / 100.0, "longitude": 0.15}));
    }
    for body in bodies {
        let r = app.api().post(app.url("/api/v1/clients")).bearer_auth(&token).json(&body).send().await.unwrap();
        assert_eq!(r.status(), 201, "{body}");
    }
    for path in ["/api/v1/intervenants"] {
        for (i, coords) in [None, None, None, None, None, Some(45.6), Some(45.7), Some(45.8), Some(45.9), Some(46.0)]
            .iter()
            .enumerate()
        {
            let mut body = serde_json::json!({"first_name": "Camille", "last_name": format!("N{i}"), "email": format!("c{i}@exemple.fr"), "is_mediator": true});
            if let Some(lat) = coords {
                body["latitude"] = serde_json::json!(lat);
                body["longitude"] = serde_json::json!(0.15);
            }
            let r = app.api().post(app.url(path)).bearer_auth(&token).json(&body).send().await.unwrap();
            assert_eq!(r.status(), 201, "{body}: {}", r.text().await.unwrap());
        }
    }
}

/// A participant's page, a notepad's read-only link and the veille's feeds open with a token the
/// database does not hold: a copy of the tables opens nothing.
async fn personal_links_are_not_kept_in_clear(b: Backend) {
    for secret in ["", "clé de production gardée hors de la base"] {
        let app = TestApp::spawn_with(b, |c| c.secret_key = secret.into()).await;
        let f = seed_org(&app.db, "Org").await;
        let p = crate::cycles::prepare(&app, f.org_id, &f.coordinator).await;
        crate::cycles::enrol_ten(&app, &p).await;
        let person = acunum::cycle::store::participants(&app.db, f.org_id, p.cycle).await.unwrap().remove(0);
        let (stored, hashed): (String, String) =
            sqlx::query_as("SELECT calendar_token, calendar_token_hash FROM participants WHERE id = $1")
                .bind(person.id)
                .fetch_one(&app.db.pool)
                .await
                .unwrap();
        assert_ne!(stored, person.calendar_token);
        assert_eq!(hashed, acunum::links::hash(&person.calendar_token));
        let r = app.get(&app.client(), &format!("/p/{}", person.calendar_token)).await;
        assert_eq!(r.status(), 200);
        // What the database holds opens nothing.
        assert_eq!(app.get(&app.client(), &format!("/p/{stored}")).await.status(), 404);
        assert_eq!(app.get(&app.client(), &format!("/p/{hashed}")).await.status(), 404);
        // The notepad's read-only link.
        let pad = acunum::notepad::store::create(&app.db, f.org_id, p.cycle, "Carnet", &[0, 0]).await.unwrap();
        let (stored, hashed): (String, String) =
            sqlx::query_as("SELECT read_token, read_token_hash FROM notepads WHERE id = $1")
                .bind(pad.id)
                .fetch_one(&app.db.pool)
                .await
                .unwrap();
        assert_ne!(stored, pad.read_token);
        assert_eq!(hashed, acunum::links::hash(&pad.read_token));
        assert_eq!(acunum::notepad::store::by_read_token(&app.db, &pad.read_token).await.unwrap().1.id, pad.id);
        assert!(acunum::notepad::store::by_read_token(&app.db, &stored).await.is_err());
        // The veille's feeds.
        let token = acunum::veille::store::token(&app.db, f.org_id, p.cycle).await.unwrap();
        assert_eq!(
            token,
            acunum::veille::store::token(&app.db, f.org_id, p.cycle).await.unwrap(),
            "the same link each time"
        );
        let stored: String = sqlx::query_scalar("SELECT veille_token FROM cycles WHERE id = $1")
            .bind(p.cycle)
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
        assert_ne!(stored, token);
        assert_eq!(acunum::veille::store::cycle_by_token(&app.db, &token).await.unwrap().1, p.cycle);
        assert!(acunum::veille::store::cycle_by_token(&app.db, &stored).await.is_err());
        // A configured key is not in the database; without one, the key is kept there.
        let kept: Option<String> = sqlx::query_scalar("SELECT value FROM app_secrets WHERE name = 'link_key'")
            .fetch_optional(&app.db.pool)
            .await
            .unwrap();
        assert_eq!(kept.is_some(), secret.is_empty());
    }
}

/// A session record holds a digest of the password's hash, never the hash (nor the password).
async fn sessions_keep_no_password_hash(b: Backend) {
    let app = TestApp::spawn(b).await;
    let f = seed_org(&app.db, "Org").await;
    let c = app.logged_in(&f.coordinator).await;
    assert_eq!(app.get(&c, "/").await.status(), 200);
    let user = acunum::auth::store::user_by_email(&app.db, &f.coordinator).await.unwrap().unwrap();
    let rows: Vec<String> = sqlx::query_scalar("SELECT data FROM sessions").fetch_all(&app.db.pool).await.unwrap();
    assert!(!rows.is_empty());
    // The hash as text, and as the array of bytes a serialized `Vec<u8>` would be.
    let as_bytes = serde_json::to_string(user.password_hash.as_bytes()).unwrap();
    let as_bytes = as_bytes.trim_start_matches('[').trim_end_matches(']');
    for data in rows {
        assert!(!data.contains("argon2") && !data.contains(&user.password_hash), "{data}");
        assert!(!data.contains(as_bytes), "{data}");
        assert!(!data.contains(PASSWORD));
    }
}

/// An anonymous visitor's pages write no session (before: one row per `GET /connexion`); their form
/// token lives in a cookie, and logging in still needs it.
async fn anonymous_page_views_write_nothing(b: Backend) {
    let app = TestApp::spawn(b).await;
    let f = seed_org(&app.db, "Org").await;
    for _ in 0..30 {
        for path in ["/connexion", "/", "/lieux"] {
            let r = app.get(&reqwest::Client::new(), path).await;
            assert!(r.status().as_u16() < 500, "{path}");
        }
    }
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM sessions").fetch_one(&app.db.pool).await.unwrap();
    assert_eq!(n, 0, "sessions written by anonymous page views");
    // The login form works with the visitor's cookie token, and only with it.
    let (c, token) = login_client(&app).await;
    let other = login_client(&app).await.1;
    let r = c
        .post(app.url("/connexion"))
        .form(&[("email", f.coordinator.as_str()), ("password", PASSWORD), ("_csrf", other.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403, "another visitor's token");
    let r = c
        .post(app.url("/connexion"))
        .form(&[("email", f.coordinator.as_str()), ("password", PASSWORD), ("_csrf", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(app.get(&c, "/").await.status(), 200);
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM sessions").fetch_one(&app.db.pool).await.unwrap();
    assert_eq!(n, 1, "the logged-in session");
}

/// Another site's page cannot open a notepad's websocket with the visitor's cookies.
async fn a_websocket_opens_from_this_site_only(b: Backend) {
    let app = TestApp::spawn(b).await;
    let f = seed_org(&app.db, "Org").await;
    let p = crate::cycles::prepare(&app, f.org_id, &f.coordinator).await;
    let pad = acunum::notepad::store::create(&app.db, f.org_id, p.cycle, "Carnet", &[0, 0]).await.unwrap();
    let upgrade = |origin: Option<String>| {
        let mut r = app
            .api()
            .get(app.url(&format!("/carnet/ws/{}", pad.read_token)))
            .header("connection", "upgrade")
            .header("upgrade", "websocket")
            .header("sec-websocket-version", "13")
            .header("sec-websocket-key", "dGhlIHNhbXBsZSBub25jZQ==");
        if let Some(o) = origin {
            r = r.header("origin", o);
        }
        r.send()
    };
    assert_eq!(upgrade(Some("http://evil.example".into())).await.unwrap().status(), 403);
    assert_eq!(upgrade(Some(format!("http://{}", app.addr))).await.unwrap().status(), 101);
    assert_eq!(upgrade(None).await.unwrap().status(), 101, "a client outside a browser");
}

/// Pages, JSON and assets are gzipped for a browser that asks; PDFs are sent as they are.
async fn pages_are_compressed_when_the_browser_asks(b: Backend) {
    let app = TestApp::spawn(b).await;
    let raw = reqwest::Client::builder().no_gzip().build().unwrap();
    let page = raw.get(app.url("/connexion")).header("accept-encoding", "gzip").send().await.unwrap();
    assert_eq!(page.headers().get("content-encoding").map(|v| v.to_str().unwrap()), Some("gzip"));
    let html = reqwest::Client::new().get(app.url("/connexion")).send().await.unwrap().text().await.unwrap();
    let css = extract(&html, r#"href="(/static/[^"]+\.css)""#).unwrap();
    let r = raw.get(app.url(&css)).header("accept-encoding", "gzip").send().await.unwrap();
    assert_eq!(r.headers().get("content-encoding").map(|v| v.to_str().unwrap()), Some("gzip"));
    let r = raw.get(app.url("/connexion")).send().await.unwrap();
    assert!(r.headers().get("content-encoding").is_none(), "not asked, not compressed");
}
