//! The main journeys in a real browser (Debian's chromium, driven by playwright-core from npm).
//! Without chromium the test says so and passes, except in CI (`CI=true`), where it fails.

use std::process::Command;

use crate::both_databases;
use crate::helpers::{Backend, TestApp};

both_databases!(
    a_coordinator_logs_in_and_creates_a_client_in_a_browser,
    a_coordinator_runs_phase_one_in_a_browser,
    a_participant_signs_on_a_phone,
    the_committee_votes_in_a_browser,
    a_coordinator_imports_places_and_finds_an_intervenant_in_a_browser,
    two_browsers_edit_one_notepad_live,
    the_money_pages_pass_axe_on_a_computer_and_a_phone,
    a_participant_answers_the_positioning_on_a_phone,
    every_page_of_each_role_passes_axe,
    the_main_journeys_work_at_the_keyboard
);

/// The demo's money trail (invoices, a credit note, payments, the client contact's documents)
/// checked by axe-core at 1280 and 390 px.
async fn the_money_pages_pass_axe_on_a_computer_and_a_phone(b: Backend) {
    let app = TestApp::spawn(b).await;
    acunum::demo::load(&app.db).await.expect("demo");
    let env = vec![
        ("ACUNUM_LOGIN", "coordination@demo.acunum.fr".to_string()),
        ("ACUNUM_CLIENT_LOGIN", "m.lefevre@coop2charentes.test".to_string()),
        ("ACUNUM_PASSWORD", acunum::demo::DEMO_PASSWORD.to_string()),
    ];
    run_browser_script_with(&app, "invoices_a11y.mjs", env).await;
}

/// Runs `e2e/{script}` against the application; false when the browser is not installed.
pub async fn run_browser_script(app: &TestApp, script: &str) -> bool {
    run_browser_script_with(app, script, Vec::new()).await
}

/// The same, with more environment variables for the script.
pub async fn run_browser_script_with(app: &TestApp, script: &str, env: Vec<(&'static str, String)>) -> bool {
    let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    let root = env!("CARGO_MANIFEST_DIR");
    let ready = std::path::Path::new(&chromium).exists()
        && std::path::Path::new(root).join("node_modules/playwright-core").exists();
    if !ready {
        assert!(std::env::var("CI").is_err(), "CI needs chromium and node_modules for the browser tests");
        eprintln!("chromium or node_modules/playwright-core missing: browser test {script} skipped");
        return false;
    }
    let url = format!("http://{}", app.addr);
    let script_path = format!("{root}/e2e/{script}");
    let out = tokio::task::spawn_blocking(move || {
        Command::new("node").arg(script_path).env("ACUNUM_URL", url).env("CHROMIUM", chromium).envs(env).output()
    })
    .await
    .unwrap()
    .expect("node");
    // What the script says it checked (seen with --nocapture).
    eprintln!("{script}: {}", String::from_utf8_lossy(&out.stdout).trim());
    assert!(
        out.status.success(),
        "{script} failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    true
}

async fn a_coordinator_logs_in_and_creates_a_client_in_a_browser(b: Backend) {
    let app = TestApp::spawn(b).await;
    acunum::demo::load(&app.db).await.unwrap();
    if run_browser_script(&app, "login_client.mjs").await {
        let (rows, _) = acunum::client::store::list(
            &app.db,
            1,
            &acunum::web::list::Listing::new(
                &acunum::web::list::ListParams { q: Some("mutuelle".into()), ..Default::default() },
                &acunum::client::store::SORT,
            ),
        )
        .await
        .unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].sector, "finance");
    }
}

async fn a_coordinator_runs_phase_one_in_a_browser(b: Backend) {
    let app = TestApp::spawn(b).await;
    acunum::demo::load(&app.db).await.unwrap();
    if run_browser_script(&app, "cycle_phase1.mjs").await {
        app.run_jobs().await;
        let mails = app.mails.lock().unwrap().clone();
        assert!(mails.iter().any(|m| m.contains("marc@coop.test") && m.contains("Subject: Convocation")));
        assert!(mails.iter().any(|m| m.contains("julie@mairie.test")));
    }
}

/// Ten people in the group of a culture training planned from 3 March 2031.
async fn culture_in_2031(b: Backend) -> (TestApp, crate::helpers::OrgFixture, crate::cycles::Prepared) {
    let app = TestApp::spawn(b).await;
    let f = crate::helpers::seed_org(&app.db, "Org").await;
    let p = crate::cycles::prepare(&app, f.org_id, &f.coordinator).await;
    crate::cycles::enrol_ten(&app, &p).await;
    let r = app.api().post(app.url(&format!("/api/v1/cycles/{}/modules/{}/plan", p.cycle, p.culture))).bearer_auth(&p.token)
        .json(&serde_json::json!({"start_date": "2031-03-03", "start_time": "09:00:00", "room_id": p.training_room, "intervenant_id": p.intervenant}))
        .send().await.unwrap();
    assert_eq!(r.status(), 201);
    (app, f, p)
}

/// The training's first session, the application's clock stopped an hour after its start.
async fn first_hour_of_the_training(
    app: &TestApp,
    f: &crate::helpers::OrgFixture,
    p: &crate::cycles::Prepared,
) -> acunum::cycle::store::TrainingSession {
    let first = acunum::cycle::store::sessions(&app.db, f.org_id, p.cycle)
        .await
        .unwrap()
        .into_iter()
        .find(|s| s.cycle_module_id == p.culture)
        .unwrap();
    app.set_now(first.start_at + 3600);
    first
}

async fn a_participant_signs_on_a_phone(b: Backend) {
    let (app, f, p) = culture_in_2031(b).await;
    // It is the first day, an hour after its start (the application's clock).
    let first = first_hour_of_the_training(&app, &f, &p).await;
    let person = acunum::cycle::store::participants(&app.db, f.org_id, p.cycle).await.unwrap().remove(0);
    let env = vec![
        ("ACUNUM_LOGIN", f.coordinator.clone()),
        ("ACUNUM_PASSWORD", crate::helpers::PASSWORD.to_string()),
        ("ACUNUM_SHEET", format!("/cycles/{}/seances/{}/emargement", p.cycle, first.id)),
        ("ACUNUM_PARTICIPANT", format!("/p/{}", person.calendar_token)),
    ];
    if run_browser_script_with(&app, "attendance_phone.mjs", env).await {
        let halves = acunum::attendance::store::of_session(&app.db, f.org_id, first.id).await.unwrap();
        let marks = acunum::attendance::store::current(&app.db, f.org_id, halves[0].id).await.unwrap();
        assert_eq!(marks.len(), 1);
        assert_eq!((marks[0].participant_id, marks[0].signed, marks[0].method.as_str()), (person.id, true, "self"));
        let png = acunum::attendance::decode_signature(marks[0].signature.as_deref().unwrap()).unwrap();
        assert!(png.len() > 200, "a drawn signature, not an empty image");
    }
}

async fn the_committee_votes_in_a_browser(b: Backend) {
    let app = TestApp::spawn(b).await;
    let f = crate::helpers::seed_org(&app.db, "Org").await;
    let p = crate::cycles::prepare(&app, f.org_id, &f.coordinator).await;
    crate::cycles::enrol_ten(&app, &p).await;
    let members: Vec<_> = acunum::cycle::store::participants(&app.db, f.org_id, p.cycle)
        .await
        .unwrap()
        .into_iter()
        .filter(|x| x.committee)
        .collect();
    let env = vec![
        ("ACUNUM_LOGIN", f.coordinator.clone()),
        ("ACUNUM_PASSWORD", crate::helpers::PASSWORD.to_string()),
        ("ACUNUM_CYCLE", format!("/cycles/{}", p.cycle)),
        ("ACUNUM_MEMBER1", format!("/p/{}", members[0].calendar_token)),
        ("ACUNUM_MEMBER2", format!("/p/{}", members[1].calendar_token)),
    ];
    if run_browser_script_with(&app, "vote.mjs", env).await {
        // Newsletters and Microblogage tie at one tick each; Newsletters comes first in the menu.
        let chosen = acunum::committee::store::chosen_topics(&app.db, f.org_id, p.usage).await.unwrap();
        assert_eq!(chosen, Some(vec!["Newsletters".to_string()]));
    }
}

async fn a_coordinator_imports_places_and_finds_an_intervenant_in_a_browser(b: Backend) {
    let app = TestApp::spawn(b).await;
    acunum::demo::load(&app.db).await.unwrap();
    let client = acunum::client::store::create(
        &app.db,
        1,
        &acunum::client::ClientInput {
            name: "Clinique de Cognac".into(),
            sector: "sante".into(),
            kind: "entreprise".into(),
            postal_code: "16100".into(),
            city: "Cognac".into(),
            latitude: Some(45.69),
            longitude: Some(-0.33),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    acunum::intervenant::store::create(
        &app.db,
        1,
        &acunum::intervenant::IntervenantInput {
            first_name: "Sam".into(),
            last_name: "Santé".into(),
            is_mediator: true,
            postal_code: "16000".into(),
            city: "Angoulême".into(),
            latitude: Some(45.65),
            longitude: Some(0.16),
            sectors: vec!["sante".into()],
            active: true,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let file =
        format!("{}/data/lieux/reels/20230711-charente.lieux-mediation-numerique.json", env!("CARGO_MANIFEST_DIR"));
    let env = vec![("PLACES_FILE", file), ("CLIENT_ID", client.id.to_string())];
    if run_browser_script_with(&app, "places.mjs", env).await {
        assert_eq!(acunum::places::store::count(&app.db, 1).await.unwrap(), 188);
    }
}

async fn two_browsers_edit_one_notepad_live(b: Backend) {
    let app = TestApp::spawn(b).await;
    acunum::demo::load(&app.db).await.unwrap();
    let (cycle, module): (i64, i64) =
        sqlx::query_as("SELECT c.id, m.id FROM cycles c JOIN cycle_modules m ON m.cycle_id = c.id WHERE c.org_id = 1 ORDER BY c.id, m.position LIMIT 1")
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    let pad = acunum::notepad::web::notepad_of_module(&app.state, 1, cycle, module).await.unwrap();
    let env = vec![("NOTEPAD_PATH", format!("/cycles/{cycle}/carnets/{}", pad.id))];
    if run_browser_script_with(&app, "notepad.mjs", env).await {
        let doc = acunum::notepad::room::load_doc(&app.db, pad.id).await.unwrap();
        let md = acunum::notepad::text::markdown(&doc);
        assert!(md.contains("Écrit par Claire dans le navigateur A") && md.contains("Réponse de Camille"), "{md}");
        assert!(md.contains("**Important**"), "{md}");
    }
}

/// A participant answers the positioning on a phone; the pages of positioning and assessment pass
/// axe-core.
async fn a_participant_answers_the_positioning_on_a_phone(b: Backend) {
    let (app, f, p) = culture_in_2031(b).await;
    let r = app
        .api()
        .post(app.url(&format!("/api/v1/cycles/{}/modules/{}/assessments/positioning", p.cycle, p.culture)))
        .bearer_auth(&p.token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let person = acunum::cycle::store::participants(&app.db, f.org_id, p.cycle).await.unwrap().remove(0);
    let module = |rest: &str| format!("/cycles/{}/modules/{}/{rest}", p.cycle, p.culture);
    let catalogue = acunum::cycle::store::module(&app.db, f.org_id, p.cycle, p.culture).await.unwrap().module_id;
    let env = vec![
        ("ACUNUM_LOGIN", f.coordinator.clone()),
        ("ACUNUM_PASSWORD", crate::helpers::PASSWORD.to_string()),
        ("ACUNUM_PARTICIPANT", format!("/p/{}", person.calendar_token)),
        ("ACUNUM_GROUP", module("positionnement")),
        ("ACUNUM_PERSON", module(&format!("participants/{}/acquis", person.id))),
        ("ACUNUM_EVIDENCE", module("preuves")),
        ("ACUNUM_EDITOR", format!("/catalogue/{catalogue}/questionnaire")),
    ];
    if run_browser_script_with(&app, "assessment_phone.mjs", env).await {
        let mine = acunum::assessment::store::of_participant(&app.db, f.org_id, person.id).await.unwrap();
        assert!(mine[0].answered_at.is_some(), "answered in the browser");
        assert_eq!(mine[0].expectations, "Comprendre les réseaux sociaux de nos usagers");
    }
}

/// The gate of accessibility: every page each role reaches from its home page, on the demo's
/// records, passes axe-core (the participant's on a phone), with no refusal by the security policy.
async fn every_page_of_each_role_passes_axe(b: Backend) {
    let app = TestApp::spawn(b).await;
    acunum::demo::load(&app.db).await.expect("demo");
    let org: i64 =
        sqlx::query_scalar("SELECT id FROM organisations ORDER BY id LIMIT 1").fetch_one(&app.db.pool).await.unwrap();
    let slug: String = sqlx::query_scalar("SELECT slug FROM organisations WHERE id = $1")
        .bind(org)
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    let cycle: i64 = sqlx::query_scalar("SELECT MIN(cycle_id) FROM participants WHERE org_id = $1")
        .bind(org)
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    let person = acunum::cycle::store::participants(&app.db, org, cycle).await.unwrap().remove(0);
    let module = acunum::catalogue::store::list(&app.db, org, false).await.unwrap()[0].id;
    let env = vec![
        ("ACUNUM_PASSWORD", acunum::demo::DEMO_PASSWORD.to_string()),
        ("ACUNUM_COORDINATOR", "coordination@demo.acunum.fr".to_string()),
        ("ACUNUM_INTERVENANT", "camille.durand@demo.acunum.fr".to_string()),
        ("ACUNUM_CLIENT", "m.lefevre@coop2charentes.test".to_string()),
        ("ACUNUM_PARTICIPANT", format!("/p/{}", person.calendar_token)),
        ("ACUNUM_PUBLIC", format!("/connexion,/programme/{slug}/{module}")),
    ];
    run_browser_script_with(&app, "crawl_a11y.mjs", env).await;
}

/// Logging in, a new client, a new quote, and a participant confirming their presence on a phone,
/// with the keyboard only.
async fn the_main_journeys_work_at_the_keyboard(b: Backend) {
    let (app, f, p) = culture_in_2031(b).await;
    let first = first_hour_of_the_training(&app, &f, &p).await;
    let halves = crate::attendance::halves(&app, &p, first.id).await;
    let opened: serde_json::Value = app
        .api()
        .post(app.url(&format!("/api/v1/cycles/{}/sessions/{}/attendance/{}/open", p.cycle, first.id, halves[0]["id"])))
        .bearer_auth(&p.token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let person = acunum::cycle::store::participants(&app.db, f.org_id, p.cycle).await.unwrap().remove(0);
    let env = vec![
        ("ACUNUM_LOGIN", f.coordinator.clone()),
        ("ACUNUM_PASSWORD", crate::helpers::PASSWORD.to_string()),
        ("ACUNUM_PARTICIPANT", format!("/p/{}", person.calendar_token)),
        ("ACUNUM_CODE", opened["code"].as_str().expect("a code").to_string()),
    ];
    if run_browser_script_with(&app, "keyboard.mjs", env).await {
        let hid = halves[0]["id"].as_i64().unwrap();
        let marks = acunum::attendance::store::current(&app.db, f.org_id, hid).await.unwrap();
        assert!(marks.iter().any(|m| m.participant_id == person.id), "present, confirmed at the keyboard");
    }
}
