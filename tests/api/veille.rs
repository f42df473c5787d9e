//! The shared veille: saved links, feeds read from a local server (good, broken, huge, slow,
//! looping, unchanged), news read per person, OPML in and out, the group's Atom feed; the fetcher
//! refuses local addresses unless configured to read them.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect};
use axum::routing::get;

use crate::both_databases;
use crate::cycles::prepare;
use crate::helpers::{Backend, TestApp, seed_org};

both_databases!(
    a_group_builds_its_veille,
    feeds_that_go_wrong_show_their_error_and_lose_nothing,
    the_fetcher_refuses_local_addresses_by_default,
    a_participant_uses_the_veille_from_their_page,
    twenty_links_and_ten_feeds_make_a_veille,
    subscribers_get_a_weekly_digest_of_new_links
);

#[derive(Clone, Default)]
struct Site {
    rss_hits: Arc<AtomicUsize>,
    broken: Arc<AtomicBool>,
}

fn rss(items: usize) -> String {
    let mut x = String::from(
        r#"<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Le blog de la médiation</title><link>http://site/</link>"#,
    );
    for i in 0..items {
        x.push_str(&format!(
            "<item><title>Article {i} sur la messagerie</title><link>/articles/{i}</link><guid>art-{i}</guid><description>&lt;p&gt;Texte {i}&lt;script&gt;alert(1)&lt;/script&gt;&lt;/p&gt;</description><pubDate>Tue, 0{} Dec 2026 10:00:00 GMT</pubDate></item>",
            i + 1
        ));
    }
    x.push_str("</channel></rss>");
    x
}

/// A local web site with every kind of feed the veille meets.
async fn site() -> (SocketAddr, Site) {
    let state = Site::default();
    let s1 = state.clone();
    let s2 = state.clone();
    let app = axum::Router::new()
        .route("/site.html", get(|| async {
            ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], r#"<html><head><title>Médiation numérique en Charente</title>
                <meta name="description" content="Ressources pour les médiateurs"><link rel="alternate" type="application/rss+xml" href="/rss.xml"></head><body></body></html>"#)
        }))
        .route("/sans-flux.html", get(|| async { ([(header::CONTENT_TYPE, "text/html")], "<html><head><title>Rien</title></head></html>") }))
        .route("/rss.xml", get(move |h: HeaderMap| {
            let s = s1.clone();
            async move {
                s.rss_hits.fetch_add(1, Ordering::SeqCst);
                if h.get(header::IF_NONE_MATCH).and_then(|v| v.to_str().ok()) == Some("\"v1\"") {
                    return StatusCode::NOT_MODIFIED.into_response();
                }
                ([(header::CONTENT_TYPE, "application/rss+xml"), (header::ETAG, "\"v1\"")], rss(3)).into_response()
            }
        }))
        .route("/atom.xml", get(|| async {
            ([(header::CONTENT_TYPE, "application/atom+xml")], r#"<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>Atom</title><id>urn:a</id><updated>2026-12-01T10:00:00Z</updated>
            <entry><title>Filtres de courriels</title><id>urn:e1</id><link href="http://site/e1"/><updated>2026-11-20T10:00:00Z</updated><summary>Ranger sa boîte</summary></entry></feed>"#)
        }))
        .route("/feed.json", get(|| async {
            ([(header::CONTENT_TYPE, "application/feed+json")], r#"{"version": "https://jsonfeed.org/version/1.1", "title": "JSON", "items": [{"id": "j1", "url": "http://site/j1", "title": "Lettre d'information", "content_html": "<p>Une <b>lettre</b></p>"}]}"#)
        }))
        .route("/broken.xml", get(|| async { ([(header::CONTENT_TYPE, "application/rss+xml")], "<rss><channel><title>cass") }))
        .route("/notxml", get(|| async { ([(header::CONTENT_TYPE, "text/plain")], "Bonjour, ceci n'est pas un flux.") }))
        .route("/huge.xml", get(|| async { ([(header::CONTENT_TYPE, "application/rss+xml")], "x".repeat(300 * 1024)) }))
        .route("/loop", get(|| async { Redirect::temporary("/loop") }))
        .route("/slow.xml", get(|| async {
            tokio::time::sleep(std::time::Duration::from_secs(5)).await;
            rss(1)
        }))
        .route("/latin1.xml", get(|| async {
            let mut body = b"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><rss version=\"2.0\"><channel><title>Caf".to_vec();
            body.push(0xE9);
            body.extend_from_slice(b"</title><item><title>Un</title><guid>l1</guid></item></channel></rss>");
            ([(header::CONTENT_TYPE, "application/rss+xml")], body)
        }))
        .route("/pages/{n}", get(|axum::extract::Path(n): axum::extract::Path<u32>| async move {
            ([(header::CONTENT_TYPE, "text/html")], format!("<html><head><title>Ressource {n}</title><meta name=\"description\" content=\"Fiche pratique {n}\"></head></html>"))
        }))
        .route("/feeds/{n}", get(|axum::extract::Path(n): axum::extract::Path<u32>| async move {
            ([(header::CONTENT_TYPE, "application/rss+xml")], rss(3).replace("Le blog de la médiation", &format!("Site numéro {n}")))
        }))
        .route("/changing.xml", get(move || {
            let s = s2.clone();
            async move {
                if s.broken.load(Ordering::SeqCst) { "<rss><oops".to_string().into_response() } else { ([(header::CONTENT_TYPE, "application/rss+xml")], rss(2)).into_response() }
            }
        }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (addr, state)
}

async fn local_app(b: Backend) -> TestApp {
    TestApp::spawn_with(b, |c| {
        c.fetch_allow_private = true;
        c.fetch_timeout_seconds = 2;
        c.fetch_max_bytes = 200 * 1024;
    })
    .await
}

fn j(r: serde_json::Value) -> serde_json::Value {
    r
}

async fn a_group_builds_its_veille(b: Backend) {
    let app = local_app(b).await;
    let (site_addr, site_state) = site().await;
    let f = seed_org(&app.db, "Org").await;
    let p = prepare(&app, f.org_id, &f.coordinator).await;
    let api = app.api();
    let base = app.url(&format!("/api/v1/cycles/{}", p.cycle));
    let at = |path: &str| format!("http://{site_addr}{path}");

    // Links: the page's title and description are read; tags and comment kept; no duplicate; bad addresses refused.
    let r = api.post(format!("{base}/bookmarks")).bearer_auth(&p.token)
        .json(&serde_json::json!({"url": at("/site.html"), "comment": "Pour la séance 3", "tags": ["Médiation", "ressources"]})).send().await.unwrap();
    assert_eq!(r.status(), 201);
    let v: serde_json::Value = r.json().await.unwrap();
    assert_eq!(v["title"], "Médiation numérique en Charente");
    assert_eq!(v["description"], "Ressources pour les médiateurs");
    assert_eq!(v["tags"], serde_json::json!(["médiation", "ressources"]), "accents kept");
    let r = api
        .post(format!("{base}/bookmarks"))
        .bearer_auth(&p.token)
        .json(&serde_json::json!({"url": at("/site.html")}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    for bad in ["javascript:alert(1)", "ftp://exemple.fr/x", "http://", ""] {
        let r = api
            .post(format!("{base}/bookmarks"))
            .bearer_auth(&p.token)
            .json(&serde_json::json!({"url": bad}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 422, "{bad}");
    }
    // A page that does not answer is still saved, with a warning.
    let r = api
        .post(format!("{base}/bookmarks"))
        .bearer_auth(&p.token)
        .json(&serde_json::json!({"url": at("/introuvable"), "title": "Une page"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    assert!(j(r.json().await.unwrap())["warning"].as_str().unwrap().contains("erreur (404)"));
    let list: serde_json::Value = api
        .get(format!("{base}/bookmarks?tag=ressources"))
        .bearer_auth(&p.token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list.as_array().unwrap().len(), 1);
    let list: serde_json::Value =
        api.get(format!("{base}/bookmarks?q=seance")).bearer_auth(&p.token).send().await.unwrap().json().await.unwrap();
    assert_eq!(list.as_array().unwrap().len(), 1, "the comment is searched, accents or not");

    // Feeds: a page announces its RSS; Atom and JSON Feed read directly.
    let r = api
        .post(format!("{base}/feeds"))
        .bearer_auth(&p.token)
        .json(&serde_json::json!({"url": at("/site.html")}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let feed: serde_json::Value = r.json().await.unwrap();
    assert_eq!(feed["url"], at("/rss.xml"));
    assert_eq!(feed["title"], "Le blog de la médiation");
    assert_eq!(feed["entries"], 3);
    for u in ["/atom.xml", "/feed.json"] {
        let r = api
            .post(format!("{base}/feeds"))
            .bearer_auth(&p.token)
            .json(&serde_json::json!({"url": at(u)}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201, "{u}");
    }
    let r = api
        .post(format!("{base}/feeds"))
        .bearer_auth(&p.token)
        .json(&serde_json::json!({"url": at("/rss.xml")}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422, "already subscribed");
    // Read again: a conditional request, answered 304, adds nothing.
    let hits = site_state.rss_hits.load(Ordering::SeqCst);
    let r = api.post(format!("{base}/feeds/{}/refresh", feed["id"])).bearer_auth(&p.token).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(site_state.rss_hits.load(Ordering::SeqCst), hits + 1);
    let entries: serde_json::Value =
        api.get(format!("{base}/entries")).bearer_auth(&p.token).send().await.unwrap().json().await.unwrap();
    let entries = entries.as_array().unwrap().clone();
    assert_eq!(entries.len(), 5, "3 RSS + 1 Atom + 1 JSON, no duplicate");
    assert!(entries.iter().all(|e| !e["summary"].as_str().unwrap().contains("<script")));
    assert!(entries.iter().any(|e| e["url"] == at("/articles/0")), "relative links are made absolute");

    // Read/unread is per person.
    let first = entries[0]["id"].as_i64().unwrap();
    let r = api
        .post(format!("{base}/entries/{first}/read"))
        .bearer_auth(&p.token)
        .json(&serde_json::json!({"read": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    let unread: serde_json::Value = api
        .get(format!("{base}/entries?unread=true"))
        .bearer_auth(&p.token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(unread.as_array().unwrap().len(), 4);
    crate::cycles::teach(&app, f.org_id, &p, &f.intervenant).await;
    let other = app.token_for(&f.intervenant).await;
    let unread: serde_json::Value =
        api.get(format!("{base}/entries?unread=true")).bearer_auth(&other).send().await.unwrap().json().await.unwrap();
    assert_eq!(unread.as_array().unwrap().len(), 5);
    let found: serde_json::Value = api
        .get(format!("{base}/entries?q=courriels"))
        .bearer_auth(&p.token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(found.as_array().unwrap().len(), 1);
    // Full text: every word, plurals and accents folded.
    for (q, n) in
        [("filtre", 1), ("MESSAGERIE article", 3), ("lettre information", 1), ("messagerie absent", 0), ("\"*(", 5)]
    {
        let found: serde_json::Value = api
            .get(format!("{base}/entries"))
            .query(&[("q", q)])
            .bearer_auth(&p.token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(found.as_array().map(|a| a.len()), Some(n), "{q}: {found}");
    }

    // OPML: export, then import into another cycle's veille, with what it skipped.
    let web = app.logged_in(&f.coordinator).await;
    let opml = app.get(&web, &format!("/cycles/{}/veille/abonnements.opml", p.cycle)).await.text().await.unwrap();
    let doc = opml::OPML::from_str(&opml).unwrap();
    assert_eq!(doc.body.outlines.len(), 3);
    assert!(opml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>"), "{opml}");
    let opml_with_bad = opml.replace("</body>", r#"<outline text="Mauvais" xmlUrl="javascript:alert(1)"/></body>"#);
    let r = api
        .post(format!("{base}/opml"))
        .bearer_auth(&p.token)
        .json(&serde_json::json!({"opml": opml_with_bad}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let report: serde_json::Value = r.json().await.unwrap();
    assert_eq!(report["added"].as_array().unwrap().len(), 0);
    assert_eq!(report["skipped"].as_array().unwrap().len(), 4, "3 already there, 1 invalid: {report}");
    let r = api
        .post(format!("{base}/opml"))
        .bearer_auth(&p.token)
        .json(&serde_json::json!({"opml": "<opml><body>"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);

    // The group's secret addresses: the Atom feed of links parses in a reader; the OPML is live.
    let addr: serde_json::Value =
        api.get(format!("{base}/veille")).bearer_auth(&p.token).send().await.unwrap().json().await.unwrap();
    let atom_path = addr["atom_url"].as_str().unwrap().replace("http://acunum.test", "");
    let atom = app.get(&app.client(), &atom_path).await;
    assert_eq!(atom.headers()["content-type"], "application/atom+xml; charset=utf-8");
    let feed = feed_rs::parser::parse(atom.bytes().await.unwrap().as_ref()).expect("a valid Atom feed");
    assert_eq!(feed.entries.len(), 2);
    assert!(feed.entries.iter().any(|e| e.title.as_ref().unwrap().content == "Médiation numérique en Charente"));
    let opml_path = addr["opml_url"].as_str().unwrap().replace("http://acunum.test", "");
    assert!(app.get(&app.client(), &opml_path).await.text().await.unwrap().contains(&at("/atom.xml")));
    assert_eq!(app.get(&app.client(), "/veille/not-a-real-token-0000000000/liens.atom").await.status(), 404);

    // The pages.
    let page = app.get(&web, &format!("/cycles/{}/veille", p.cycle)).await.text().await.unwrap();
    assert!(page.contains("Médiation numérique en Charente") && page.contains("liens.atom"));
    let r = app
        .post_form(&web, &format!("/cycles/{}/veille/liens", p.cycle), &[("url", &at("/atom.xml")), ("tags", "flux")])
        .await;
    assert_eq!(r.status(), 303);
    let r = app.post_form(&web, &format!("/cycles/{}/veille/liens", p.cycle), &[("url", "pas une adresse")]).await;
    assert_eq!(r.status(), 422);
    let page = app.get(&web, &format!("/cycles/{}/veille/actualites", p.cycle)).await.text().await.unwrap();
    assert!(page.contains("Article 0 sur la messagerie") && !page.contains("<script>alert"));
    let r = app.post_form(&web, &format!("/cycles/{}/veille/actualites/tout-lu", p.cycle), &[]).await;
    assert_eq!(r.status(), 303);
    let unread: serde_json::Value = api
        .get(format!("{base}/entries?unread=true"))
        .bearer_auth(&p.token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(unread.as_array().unwrap().is_empty());
    let r = app.post_form(&web, &format!("/cycles/{}/veille/flux", p.cycle), &[("url", &at("/sans-flux.html"))]).await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("annonce aucun flux"));
    // OPML through the page form.
    let csrf = app.csrf(&web).await;
    let form = reqwest::multipart::Form::new()
        .part("opml", reqwest::multipart::Part::bytes(opml.into_bytes()).file_name("veille.opml"));
    let r = web
        .post(app.url(&format!("/cycles/{}/veille/opml?_csrf={csrf}", p.cycle)))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().contains("Import OPML : 0 flux ajouté(s), 3 ignoré(s)"));
}

async fn feeds_that_go_wrong_show_their_error_and_lose_nothing(b: Backend) {
    let app = local_app(b).await;
    let (site_addr, site_state) = site().await;
    let f = seed_org(&app.db, "Org").await;
    let p = prepare(&app, f.org_id, &f.coordinator).await;
    let api = app.api();
    let base = app.url(&format!("/api/v1/cycles/{}", p.cycle));
    let at = |path: &str| format!("http://{site_addr}{path}");
    for (path, message) in [
        ("/broken.xml", "mal formé"),
        ("/notxml", "pas un flux"),
        ("/huge.xml", "dépasse"),
        ("/loop", "redirige plus de"),
        ("/slow.xml", "trop de temps"),
        ("/introuvable.xml", "erreur (404)"),
    ] {
        let r = api
            .post(format!("{base}/feeds"))
            .bearer_auth(&p.token)
            .json(&serde_json::json!({"url": at(path)}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 422, "{path}");
        let body = r.text().await.unwrap();
        assert!(body.contains(message), "{path}: {body}");
    }
    // A Latin-1 feed is read or refused cleanly, never a crash.
    let r = api
        .post(format!("{base}/feeds"))
        .bearer_auth(&p.token)
        .json(&serde_json::json!({"url": at("/latin1.xml")}))
        .send()
        .await
        .unwrap();
    assert!(r.status() == 201 || r.status() == 422, "{}", r.status());

    // A feed that worked, then breaks: its error shows, it is tried later, its news stay.
    let r = api
        .post(format!("{base}/feeds"))
        .bearer_auth(&p.token)
        .json(&serde_json::json!({"url": at("/changing.xml")}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let fid = j(r.json().await.unwrap())["id"].as_i64().unwrap();
    site_state.broken.store(true, Ordering::SeqCst);
    sqlx::query("UPDATE feeds SET next_fetch_at = 0 WHERE id = $1").bind(fid).execute(&app.db.pool).await.unwrap();
    acunum::veille::refresh_due(&app.state).await.unwrap();
    let feeds: serde_json::Value =
        api.get(format!("{base}/feeds")).bearer_auth(&p.token).send().await.unwrap().json().await.unwrap();
    let feed = feeds.as_array().unwrap().iter().find(|x| x["id"] == fid).unwrap();
    assert!(feed["error"].as_str().unwrap().contains("mal formé"), "{feed}");
    assert_eq!(feed["errors"], 1);
    assert!(feed["next_fetch_at"].as_i64().unwrap() > acunum::db::now() + 600, "retried later");
    assert_eq!(feed["entries"], 2, "nothing lost");
    // Not due: nothing happens. Repaired and due: the error goes.
    assert_eq!(acunum::veille::refresh_due(&app.state).await.unwrap(), 0);
    site_state.broken.store(false, Ordering::SeqCst);
    sqlx::query("UPDATE feeds SET next_fetch_at = 0 WHERE id = $1").bind(fid).execute(&app.db.pool).await.unwrap();
    acunum::veille::refresh_due(&app.state).await.unwrap();
    let feeds: serde_json::Value =
        api.get(format!("{base}/feeds")).bearer_auth(&p.token).send().await.unwrap().json().await.unwrap();
    let feed = feeds.as_array().unwrap().iter().find(|x| x["id"] == fid).unwrap();
    assert_eq!(feed["error"], "");
    assert_eq!(feed["errors"], 0);
    let web = app.logged_in(&f.coordinator).await;
    let page = app.get(&web, &format!("/cycles/{}/veille/flux", p.cycle)).await.text().await.unwrap();
    assert!(page.contains(&at("/changing.xml")));
}

async fn the_fetcher_refuses_local_addresses_by_default(b: Backend) {
    let app = TestApp::spawn(b).await;
    let (site_addr, _) = site().await;
    let f = seed_org(&app.db, "Org").await;
    let p = prepare(&app, f.org_id, &f.coordinator).await;
    let api = app.api();
    for u in [
        format!("http://{site_addr}/rss.xml"),
        format!("http://localhost:{}/rss.xml", site_addr.port()),
        "http://169.254.169.254/latest/meta-data".to_string(),
    ] {
        let r = api
            .post(app.url(&format!("/api/v1/cycles/{}/feeds", p.cycle)))
            .bearer_auth(&p.token)
            .json(&serde_json::json!({"url": u}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 422, "{u}");
        assert!(r.text().await.unwrap().contains("réseau privé"));
    }
    // A link to a local address is kept as a link, but its page is not read.
    let r = api
        .post(app.url(&format!("/api/v1/cycles/{}/bookmarks", p.cycle)))
        .bearer_auth(&p.token)
        .json(&serde_json::json!({"url": format!("http://{site_addr}/site.html")}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let v: serde_json::Value = r.json().await.unwrap();
    assert!(v["warning"].as_str().unwrap().contains("réseau privé"));
    assert_ne!(v["title"], "Médiation numérique en Charente");
}

async fn a_participant_uses_the_veille_from_their_page(b: Backend) {
    let app = local_app(b).await;
    let (site_addr, _) = site().await;
    let f = seed_org(&app.db, "Org").await;
    let p = prepare(&app, f.org_id, &f.coordinator).await;
    crate::cycles::enrol_ten(&app, &p).await;
    let person = acunum::cycle::store::participants(&app.db, f.org_id, p.cycle).await.unwrap().remove(0);
    let phone = app.client();
    let me = format!("/p/{}/veille", person.calendar_token);
    let r = app
        .post_form(
            &phone,
            &format!("{me}/liens"),
            &[("url", &format!("http://{site_addr}/site.html")), ("comment", "Vu en séance"), ("tags", "ressources")],
        )
        .await;
    assert_eq!(r.status(), 303);
    let r = app.post_form(&phone, &format!("{me}/liens"), &[("url", "javascript:alert(1)")]).await;
    assert_eq!(r.status(), 303, "refused on the veille page itself");
    let page = app.get(&phone, &crate::helpers::location(&r)).await.text().await.unwrap();
    assert!(page.contains("http et https") && page.contains("value=\"javascript:alert(1)\""), "kept: {page}");
    let r = app.post_form(&phone, &format!("{me}/flux"), &[("url", &format!("http://{site_addr}/site.html"))]).await;
    assert_eq!(r.status(), 303);
    let page = app.get(&phone, &me).await.text().await.unwrap();
    assert!(
        page.contains("Médiation numérique en Charente")
            && page.contains("Article 2 sur la messagerie")
            && page.contains("liens.atom")
    );
    let entries: serde_json::Value = app
        .api()
        .get(app.url(&format!("/api/v1/cycles/{}/entries", p.cycle)))
        .bearer_auth(&p.token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let eid = entries[0]["id"].as_i64().unwrap();
    let r = app.post_form(&phone, &format!("{me}/actualites/{eid}/lu"), &[("lu", "1")]).await;
    assert_eq!(r.status(), 303);
    let page = app.get(&phone, &me).await.text().await.unwrap();
    assert_eq!(page.matches("class=\"unread\"").count(), 2, "one of three read by this participant");
    let links: serde_json::Value = app
        .api()
        .get(app.url(&format!("/api/v1/cycles/{}/bookmarks", p.cycle)))
        .bearer_auth(&p.token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(links[0]["added_by"], person.full_name());
    assert_eq!(app.get(&phone, "/p/pas-un-jeton/veille").await.status(), 404);
}

async fn twenty_links_and_ten_feeds_make_a_veille(b: Backend) {
    let app = local_app(b).await;
    let (site_addr, _) = site().await;
    let f = seed_org(&app.db, "Org").await;
    let p = prepare(&app, f.org_id, &f.coordinator).await;
    let api = app.api();
    let base = app.url(&format!("/api/v1/cycles/{}", p.cycle));
    for n in 0..20 {
        let r = api.post(format!("{base}/bookmarks")).bearer_auth(&p.token)
            .json(&serde_json::json!({"url": format!("http://{site_addr}/pages/{n}"), "tags": [if n % 2 == 0 { "pair" } else { "impair" }]}))
            .send().await.unwrap();
        assert_eq!(r.status(), 201);
    }
    for n in 0..10 {
        let r = api
            .post(format!("{base}/feeds"))
            .bearer_auth(&p.token)
            .json(&serde_json::json!({"url": format!("http://{site_addr}/feeds/{n}")}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201);
    }
    let entries: serde_json::Value = api
        .get(format!("{base}/entries?unread=true"))
        .bearer_auth(&p.token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(entries.as_array().unwrap().len(), 30);
    let web = app.logged_in(&f.coordinator).await;
    let opml = app.get(&web, &format!("/cycles/{}/veille/abonnements.opml", p.cycle)).await.text().await.unwrap();
    assert_eq!(opml::OPML::from_str(&opml).unwrap().body.outlines.len(), 10);
    let addr: serde_json::Value =
        api.get(format!("{base}/veille")).bearer_auth(&p.token).send().await.unwrap().json().await.unwrap();
    let atom = app
        .get(&app.client(), &addr["atom_url"].as_str().unwrap().replace("http://acunum.test", ""))
        .await
        .bytes()
        .await
        .unwrap();
    let feed = feed_rs::parser::parse(atom.as_ref()).expect("the group's Atom feed parses");
    assert_eq!(feed.entries.len(), 20);
    assert!(feed.entries.iter().all(|e| e.title.as_ref().unwrap().content.starts_with("Ressource ")));
    assert!(feed.entries.iter().all(|e| e.categories.len() == 1));
}

async fn subscribers_get_a_weekly_digest_of_new_links(b: Backend) {
    let app = local_app(b).await;
    let (site_addr, _) = site().await;
    let f = seed_org(&app.db, "Org").await;
    let p = prepare(&app, f.org_id, &f.coordinator).await;
    crate::cycles::enrol_ten(&app, &p).await;
    let person = acunum::cycle::store::participants(&app.db, f.org_id, p.cycle).await.unwrap().remove(0);
    let phone = app.client();
    let me = format!("/p/{}/veille", person.calendar_token);
    let r = app.post_form(&phone, &format!("{me}/resume"), &[("resume", "1")]).await;
    assert_eq!(r.status(), 303);
    let web = app.logged_in(&f.coordinator).await;
    let r = app.post_form(&web, &format!("/cycles/{}/veille/resume", p.cycle), &[("resume", "1")]).await;
    assert_eq!(r.status(), 303);
    // No link this week: no mail.
    assert_eq!(acunum::veille::digest_weekly(&app.state).await.unwrap(), 0);
    for n in 0..2 {
        let r = app
            .post_form(
                &web,
                &format!("/cycles/{}/veille/liens", p.cycle),
                &[("url", &format!("http://{site_addr}/pages/{n}")), ("comment", "À voir")],
            )
            .await;
        assert_eq!(r.status(), 303);
    }
    assert_eq!(acunum::veille::digest_weekly(&app.state).await.unwrap(), 2);
    assert_eq!(acunum::veille::digest_weekly(&app.state).await.unwrap(), 0, "once a week");
    app.run_jobs().await;
    let mails = app.mails.lock().unwrap().clone();
    let digest: Vec<_> = mails.iter().filter(|m| m.contains("Veille du groupe")).collect();
    assert_eq!(digest.len(), 2);
    assert!(digest.iter().any(|m| m.contains(&person.email)));
    assert!(digest.iter().all(|m| m.contains("Ressource 0") && m.contains("Ressource 1")));
    // Unsubscribed: nothing more.
    let r = app.post_form(&phone, &format!("{me}/resume"), &[("resume", "0")]).await;
    assert_eq!(r.status(), 303);
    let page = app.get(&phone, &me).await.text().await.unwrap();
    assert!(page.contains("Recevoir chaque semaine"));
}
