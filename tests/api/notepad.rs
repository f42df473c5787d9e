//! The collaborative notepad: a notepad per module from the template, the official yjs client
//! (node) editing through the server, durability across a kill -9, bad messages, exports, links.

use std::io::BufRead;
use std::process::{Command, Stdio};

use crate::both_databases;
use crate::helpers::{Backend, TestApp, seed_org};

both_databases!(
    a_module_notepad_from_the_template_with_exports_import_and_links,
    the_official_yjs_client_edits_through_the_server,
    no_acknowledged_edit_is_lost_when_the_server_is_killed,
    two_server_processes_relay_each_others_edits,
    revisions_are_kept_viewed_and_restored_live_with_a_pdf_export,
    participants_write_in_their_cycles_notepads
);

/// Runs `e2e/notepad_interop.mjs` in a MODE; None when node's packages are missing outside CI.
fn node(mode: &str, env: &[(&str, String)]) -> Option<std::process::Output> {
    let root = env!("CARGO_MANIFEST_DIR");
    if !std::path::Path::new(root).join("node_modules/y-websocket").exists() {
        assert!(std::env::var("CI").is_err(), "CI needs node_modules (npm ci)");
        eprintln!("node_modules missing: notepad interop test skipped");
        return None;
    }
    let out = Command::new("node")
        .arg(format!("{root}/e2e/notepad_interop.mjs"))
        .env("MODE", mode)
        .envs(env.iter().map(|(k, v)| (k.to_string(), v.clone())))
        .output()
        .expect("node");
    assert!(
        out.status.success(),
        "{mode}: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    Some(out)
}

async fn module_notepad(app: &TestApp, token: &str, cycle: i64, module: i64) -> serde_json::Value {
    let r = app
        .api()
        .post(app.url(&format!("/api/v1/cycles/{cycle}/modules/{module}/notepad")))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    r.json().await.unwrap()
}

async fn a_module_notepad_from_the_template_with_exports_import_and_links(b: Backend) {
    let app = TestApp::spawn(b).await;
    let f = seed_org(&app.db, "Réseau").await;
    let other = seed_org(&app.db, "Autre").await;
    let p = crate::cycles::prepare(&app, f.org_id, &f.coordinator).await;
    let token = p.token.clone();
    let n = module_notepad(&app, &token, p.cycle, p.culture).await;
    let md = n["markdown"].as_str().unwrap();
    assert!(
        md.starts_with("# ")
            && md.contains("## Programme")
            && md.contains("## Liens utiles")
            && md.contains("## Jour 1"),
        "{md}"
    );
    // The same module gives the same notepad.
    let again = module_notepad(&app, &token, p.cycle, p.culture).await;
    assert_eq!(again["id"], n["id"]);
    let id = n["id"].as_i64().unwrap();

    // Markdown appended as an edit; its link is listed for the cycle.
    let r = app
        .api()
        .post(app.url(&format!("/api/v1/cycles/{}/notepads/{id}/markdown", p.cycle)))
        .bearer_auth(&token)
        .json(&serde_json::json!({"markdown": "## Ressources\n- Le guide https://exemple.fr/guide\n- <script>alert(1)</script>"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let v: serde_json::Value = r.json().await.unwrap();
    assert!(v["markdown"].as_str().unwrap().contains("## Ressources\n\n- Le guide https://exemple.fr/guide"), "{v}");
    assert!(!v["html"].as_str().unwrap().contains("<script>"), "escaped: {}", v["html"]);
    let all: serde_json::Value = app
        .api()
        .get(app.url(&format!("/api/v1/cycles/{}/notepads", p.cycle)))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(all[0]["links"][0][0], "https://exemple.fr/guide");
    let r = app
        .api()
        .post(app.url(&format!("/api/v1/cycles/{}/notepads/{id}/markdown", p.cycle)))
        .bearer_auth(&token)
        .json(&serde_json::json!({"markdown": "   "}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);

    // Pages: the cycle's notepads with the links (one click to the veille), the editor, exports.
    let web = app.logged_in(&f.coordinator).await;
    let html = web.get(app.url(&format!("/cycles/{}/carnets", p.cycle))).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("https://exemple.fr/guide") && html.contains("Ajouter à la veille"), "{html}");
    let html =
        web.get(app.url(&format!("/cycles/{}/carnets/{id}", p.cycle))).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("id=\"editeur\"") && html.contains("notepad.js") && html.contains("/carnet/"), "{html}");
    let r = web.get(app.url(&format!("/cycles/{}/carnets/{id}/bloc-notes.md", p.cycle))).send().await.unwrap();
    assert!(r.headers()["content-disposition"].to_str().unwrap().contains(".md"));
    assert!(r.text().await.unwrap().contains("## Ressources"));
    let r = web.get(app.url(&format!("/cycles/{}/carnets/{id}/bloc-notes.html", p.cycle))).send().await.unwrap();
    assert!(r.text().await.unwrap().contains("<h2>Ressources</h2>"));
    // The read-only link shows the text to anyone who has it.
    let read = n["read_token"].as_str().unwrap();
    let html = app.client().get(app.url(&format!("/carnet/{read}"))).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("lecture seule") && html.contains("Ressources"));

    // Another organisation reaches none of it; the websocket needs an account of the organisation.
    let theirs = app.token_for(&other.coordinator).await;
    let r = app
        .api()
        .get(app.url(&format!("/api/v1/cycles/{}/notepads/{id}", p.cycle)))
        .bearer_auth(&theirs)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    let r = app.api().get(app.url(&format!("/carnets/ws/{id}?token={theirs}"))).send().await.unwrap();
    assert_eq!(r.status(), 404);
    let r = app.api().get(app.url(&format!("/carnets/ws/{id}"))).send().await.unwrap();
    assert_eq!(r.status(), 303, "to the login page");
    let r = app.api().get(app.url(&format!("/carnets/ws/{id}?token={token}"))).send().await.unwrap();
    assert_eq!(r.status(), 400, "not a websocket request");
}

async fn the_official_yjs_client_edits_through_the_server(b: Backend) {
    let app = TestApp::spawn(b).await;
    let f = seed_org(&app.db, "Réseau").await;
    let p = crate::cycles::prepare(&app, f.org_id, &f.coordinator).await;
    let n = module_notepad(&app, &p.token, p.cycle, p.culture).await;
    let id = n["id"].as_i64().unwrap();
    let ws = format!("ws://{}/carnets/ws", app.addr);
    let env = [("WS_URL", ws.clone()), ("ROOM", id.to_string()), ("TOKEN", p.token.clone())];
    if node("edit", &env).is_none() {
        return;
    }
    // What the clients wrote is in the stored document.
    let v = notepad_json(&app, &p, id).await;
    let md = v["markdown"].as_str().unwrap();
    assert!(md.contains("Bonjour depuis node A.") && md.contains("Réponse de B"), "{md}");
    assert!(v["links"].to_string().contains("https://exemple.fr/b"));

    // Bad messages close the connection with a reason; the document is untouched.
    let out = node("bad", &env).unwrap();
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(r["garbage"][0], 1007, "{r}");
    assert_eq!(r["text"][0], 1003, "{r}");
    assert!(r["big"][0] == 1009, "{r}");
    let out = node("read", &env).unwrap();
    let text: String = serde_json::from_slice(&out.stdout).unwrap();
    assert!(text.starts_with("Bonjour depuis node A.") && text.contains("Réponse de B"), "{text}");
}

async fn no_acknowledged_edit_is_lost_when_the_server_is_killed(b: Backend) {
    let app = TestApp::spawn(b).await;
    let f = seed_org(&app.db, "Réseau").await;
    let p = crate::cycles::prepare(&app, f.org_id, &f.coordinator).await;
    let n = module_notepad(&app, &p.token, p.cycle, p.culture).await;
    let id = n["id"].as_i64().unwrap();
    if !std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("node_modules/y-websocket").exists() {
        assert!(std::env::var("CI").is_err(), "CI needs node_modules (npm ci)");
        return;
    }
    // A separate server process on the same database, killed with SIGKILL once the edits were seen.
    let port = free_port();
    let mut server = start_server(&app.url, port);
    wait_up(port).await;
    let env = [
        ("WS_URL", format!("ws://127.0.0.1:{port}/carnets/ws")),
        ("ROOM", id.to_string()),
        ("TOKEN", p.token.clone()),
        ("N", "60".to_string()),
    ];
    let root = env!("CARGO_MANIFEST_DIR");
    let mut writer = Command::new("node")
        .arg(format!("{root}/e2e/notepad_interop.mjs"))
        .env("MODE", "write")
        .envs(env.iter().map(|(k, v)| (k.to_string(), v.clone())))
        .stdout(Stdio::piped())
        .spawn()
        .expect("node");
    let stdout = writer.stdout.take().unwrap();
    let acked = tokio::task::spawn_blocking(move || {
        use std::io::BufRead;
        std::io::BufReader::new(stdout).lines().map_while(Result::ok).any(|l| l.trim() == "acked")
    })
    .await
    .unwrap();
    assert!(acked, "the writer never saw its edits relayed");
    // kill -9: no shutdown, no compaction.
    server.kill().unwrap();
    server.wait().unwrap();
    let _ = writer.kill();
    let _ = writer.wait();
    let mut server = start_server(&app.url, port);
    wait_up(port).await;
    let out = node("read", &env).unwrap();
    let text: String = serde_json::from_slice(&out.stdout).unwrap();
    for i in 0..60 {
        assert!(text.contains(&format!("ligne {i}\n")), "ligne {i} lost: {text}");
    }
    server.kill().unwrap();
    server.wait().unwrap();
}

fn start_server(url: &str, port: u16) -> std::process::Child {
    Command::new(env!("CARGO_BIN_EXE_acunum"))
        .args(["--database-url", url, "serve", "--addr", &format!("127.0.0.1:{port}")])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("acunum serve")
}

async fn wait_up(port: u16) {
    for _ in 0..200 {
        if reqwest::get(format!("http://127.0.0.1:{port}/healthz")).await.is_ok_and(|r| r.status() == 200) {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("the server did not start");
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

async fn two_server_processes_relay_each_others_edits(b: Backend) {
    // Several instances share PostgreSQL; SQLite is one process's database.
    if b == Backend::Sqlite {
        return;
    }
    let app = TestApp::spawn(b).await;
    let f = seed_org(&app.db, "Réseau").await;
    let p = crate::cycles::prepare(&app, f.org_id, &f.coordinator).await;
    let n = module_notepad(&app, &p.token, p.cycle, p.culture).await;
    let id = n["id"].as_i64().unwrap();
    let (p1, p2) = (free_port(), free_port());
    // Killed on drop, whatever happens.
    struct Server(std::process::Child);
    impl Drop for Server {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
    let s1 = Server(start_server(&app.url, p1));
    let s2 = Server(start_server(&app.url, p2));
    wait_up(p1).await;
    wait_up(p2).await;
    let env = [
        ("WS_URL", format!("ws://127.0.0.1:{p1}/carnets/ws")),
        ("WS_URL2", format!("ws://127.0.0.1:{p2}/carnets/ws")),
        ("ROOM", id.to_string()),
        ("TOKEN", p.token.clone()),
    ];
    let result = node("two", &env);
    drop((s1, s2));
    if result.is_some() {
        let doc = acunum::notepad::room::load_doc(&app.db, id).await.unwrap();
        let text = acunum::notepad::text::plain(&doc);
        assert!(text.starts_with("Instance A écrit. ") && text.contains("Instance B répond."), "{text}");
    }
}

async fn revisions_are_kept_viewed_and_restored_live_with_a_pdf_export(b: Backend) {
    let app = TestApp::spawn(b).await;
    let f = seed_org(&app.db, "Réseau").await;
    let other = seed_org(&app.db, "Autre").await;
    let p = crate::cycles::prepare(&app, f.org_id, &f.coordinator).await;
    let n = module_notepad(&app, &p.token, p.cycle, p.culture).await;
    let id = n["id"].as_i64().unwrap();
    let base = format!("/api/v1/cycles/{}/notepads/{id}", p.cycle);
    let api = app.api();
    let get = |path: String| {
        let api = api.clone();
        let url = app.url(&path);
        let token = p.token.clone();
        async move {
            let r = api.get(url).bearer_auth(token).send().await.unwrap();
            assert_eq!(r.status(), 200, "{path}");
            r.json::<serde_json::Value>().await.unwrap()
        }
    };
    // The template is the first revision.
    let revs = get(format!("{base}/revisions")).await;
    assert_eq!(revs.as_array().unwrap().len(), 1, "{revs}");
    assert_eq!(revs[0]["note"], "modèle");
    let template_rev = revs[0]["id"].as_i64().unwrap();

    // An edit by the coordinator: a revision with their name once nobody is connected.
    let r = api
        .post(app.url(&format!("{base}/markdown")))
        .bearer_auth(&p.token)
        .json(&serde_json::json!({"markdown": "## Ajout du jour\n- **Gras** et [le lien](https://exemple.fr/x)"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let revs = get(format!("{base}/revisions")).await;
    assert_eq!(revs.as_array().unwrap().len(), 2, "{revs}");
    let name: String = sqlx::query_scalar("SELECT name FROM users WHERE email = $1")
        .bind(&f.coordinator)
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(revs[0]["authors"], name.as_str(), "{revs}");
    assert!(revs[0]["chars"].as_i64().unwrap() > revs[1]["chars"].as_i64().unwrap());
    let one = get(format!("{base}/revisions/{template_rev}")).await;
    assert!(!one["markdown"].as_str().unwrap().contains("Ajout du jour"), "{one}");
    assert!(one["markdown"].as_str().unwrap().contains("## Programme"), "{one}");

    // The PDF holds the text (read back with poppler).
    let r = api.get(app.url(&format!("{base}/pdf"))).bearer_auth(&p.token).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "application/pdf");
    let pdf = crate::quotes::pdf_text(&r.bytes().await.unwrap());
    assert!(pdf.contains("Ajout du jour") && pdf.contains("Gras") && pdf.contains("Programme"), "{pdf}");

    // A client connected while the template is restored sees the restore live.
    let ws = format!("ws://{}/carnets/ws", app.addr);
    let root = env!("CARGO_MANIFEST_DIR");
    let watcher = if std::path::Path::new(root).join("node_modules/y-websocket").exists() {
        let mut child = Command::new("node")
            .arg(format!("{root}/e2e/notepad_interop.mjs"))
            .env("MODE", "watch")
            .env("WS_URL", &ws)
            .env("ROOM", id.to_string())
            .env("TOKEN", &p.token)
            .env("GONE", "Ajout du jour")
            .env("BACK", "Programme")
            .stdout(Stdio::piped())
            .spawn()
            .expect("node");
        let mut lines = std::io::BufReader::new(child.stdout.take().unwrap()).lines();
        let first = tokio::task::spawn_blocking(move || (lines.next(), lines)).await.unwrap();
        assert_eq!(first.0.unwrap().unwrap(), "ready");
        Some((child, first.1))
    } else {
        assert!(std::env::var("CI").is_err(), "CI needs node_modules (npm ci)");
        None
    };
    let r = api
        .post(app.url(&format!("{base}/revisions/{template_rev}/restore")))
        .bearer_auth(&p.token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let v: serde_json::Value = r.json().await.unwrap();
    assert!(!v["markdown"].as_str().unwrap().contains("Ajout du jour"), "{v}");
    let all = get(format!("{base}/revisions")).await;
    assert!(v["note"].as_str().unwrap().starts_with("restauration de la version du"), "{v}\n{all}");
    if let Some((mut child, mut lines)) = watcher {
        let text = tokio::task::spawn_blocking(move || lines.next()).await.unwrap().unwrap().unwrap();
        assert!(child.wait().unwrap().success());
        assert!(!text.contains("Ajout du jour") && text.contains("Programme"), "{text}");
    }
    // The text replaced is kept: it can come back.
    let revs = get(format!("{base}/revisions")).await;
    let before = revs.as_array().unwrap().iter().find(|r| r["note"] == "avant restauration").expect("kept before");
    assert!(
        get(format!("{base}/revisions/{}", before["id"])).await["markdown"].as_str().unwrap().contains("Ajout du jour")
    );

    // Pages: the list, one revision, keep one with a note, restore.
    let web = app.logged_in(&f.coordinator).await;
    let html = app.get(&web, &format!("/cycles/{}/carnets/{id}/versions", p.cycle)).await.text().await.unwrap();
    assert!(html.contains("modèle") && html.contains("avant restauration") && html.contains(&name), "{html}");
    let html = app
        .get(&web, &format!("/cycles/{}/carnets/{id}/versions/{}", p.cycle, before["id"]))
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("Ajout du jour") && html.contains("Restaurer cette version"), "{html}");
    let r = app
        .post_form(&web, &format!("/cycles/{}/carnets/{id}/versions", p.cycle), &[("note", "Avant la séance 2")])
        .await;
    assert_eq!(r.status(), 303);
    let revs = get(format!("{base}/revisions")).await;
    assert_eq!(revs[0]["note"], "Avant la séance 2");
    let r = app
        .post_form(&web, &format!("/cycles/{}/carnets/{id}/versions/{}/restaurer", p.cycle, before["id"]), &[])
        .await;
    assert_eq!(r.status(), 303);
    assert!(get(base.clone()).await["markdown"].as_str().unwrap().contains("Ajout du jour"));
    let r = app.get(&web, &format!("/cycles/{}/carnets/{id}/bloc-notes.pdf", p.cycle)).await;
    assert_eq!(r.status(), 200);
    // A note too long is refused with a message, nothing is lost.
    let long = "x".repeat(201);
    let r = api
        .post(app.url(&format!("{base}/revisions")))
        .bearer_auth(&p.token)
        .json(&serde_json::json!({"note": long}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let r = api.post(app.url(&format!("{base}/revisions/999999/restore"))).bearer_auth(&p.token).send().await.unwrap();
    assert_eq!(r.status(), 404);

    // Another organisation sees none of it.
    let theirs = app.token_for(&other.coordinator).await;
    for path in [format!("{base}/revisions"), format!("{base}/revisions/{template_rev}"), format!("{base}/pdf")] {
        let r = api.get(app.url(&path)).bearer_auth(&theirs).send().await.unwrap();
        assert_eq!(r.status(), 404, "{path}");
    }
    let r = api
        .post(app.url(&format!("{base}/revisions/{template_rev}/restore")))
        .bearer_auth(&theirs)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
}

async fn participants_write_in_their_cycles_notepads(b: Backend) {
    let app = TestApp::spawn(b).await;
    let f = seed_org(&app.db, "Réseau").await;
    let p = crate::cycles::prepare(&app, f.org_id, &f.coordinator).await;
    let n = module_notepad(&app, &p.token, p.cycle, p.culture).await;
    let id = n["id"].as_i64().unwrap();
    let r = app
        .api()
        .post(app.url(&format!("/api/v1/cycles/{}/participants", p.cycle)))
        .bearer_auth(&p.token)
        .json(&serde_json::json!({"first_name": "Nadia", "last_name": "Carnet", "email": "nadia@exemple.fr", "job": "Agente", "service": "Accueil", "structure": "Mairie"}))
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success());
    let token = acunum::cycle::store::participants(&app.db, f.org_id, p.cycle)
        .await
        .unwrap()
        .into_iter()
        .find(|x| x.email == "nadia@exemple.fr")
        .unwrap()
        .calendar_token;
    // The participant's page lists the notepad; the editor opens on the participant's websocket.
    let c = app.client();
    let page = app.get(&c, &format!("/p/{token}")).await.text().await.unwrap();
    assert!(page.contains(&format!("/p/{token}/carnets/{id}")), "{page}");
    let page = app.get(&c, &format!("/p/{token}/carnets/{id}")).await.text().await.unwrap();
    assert!(page.contains(&format!("data-ws=\"/p/{token}/carnets/ws\"")) && page.contains("Nadia Carnet"), "{page}");
    assert!(!page.contains("Versions précédentes"), "the team's tools stay the team's");
    // Through the official client, the participant writes and it is stored under their name.
    let ws = format!("ws://{}/p/{token}/carnets/ws", app.addr);
    let env = [("WS_URL", ws), ("ROOM", id.to_string()), ("TOKEN", String::new())];
    if node("edit", &env).is_some() {
        let md = notepad_json(&app, &p, id).await["markdown"].as_str().unwrap().to_string();
        assert!(md.contains("Bonjour depuis node A."), "{md}");
        // The version kept when the last client left carries the participant's name.
        let mut authors: Vec<String> = Vec::new();
        for _ in 0..100 {
            authors = sqlx::query_scalar("SELECT authors FROM notepad_revisions WHERE notepad_id = $1")
                .bind(id)
                .fetch_all(&app.db.pool)
                .await
                .unwrap();
            if authors.iter().any(|a| a == "Nadia Carnet") {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        assert!(authors.iter().any(|a| a == "Nadia Carnet"), "{authors:?}");
    }
    // Another cycle's notepad, an unknown link: not found.
    let other = seed_org(&app.db, "Autre").await;
    let q = crate::cycles::prepare(&app, other.org_id, &other.coordinator).await;
    let theirs = module_notepad(&app, &q.token, q.cycle, q.culture).await;
    let r = app.get(&c, &format!("/p/{token}/carnets/{}", theirs["id"])).await;
    assert_eq!(r.status(), 404);
    let r = app.get(&c, &format!("/p/{token}/carnets/ws/{}", theirs["id"])).await;
    assert_eq!(r.status(), 404);
    let r = app.get(&c, &format!("/p/inconnu/carnets/ws/{id}")).await;
    assert_eq!(r.status(), 404);
    let r = app.get(&c, &format!("/p/{token}/carnets/ws/{id}")).await;
    assert_eq!(r.status(), 400, "not a websocket request");
}

/// The notepad as the API gives it (Markdown, HTML, links).
async fn notepad_json(app: &TestApp, p: &crate::cycles::Prepared, id: i64) -> serde_json::Value {
    app.api()
        .get(app.url(&format!("/api/v1/cycles/{}/notepads/{id}", p.cycle)))
        .bearer_auth(&p.token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}
