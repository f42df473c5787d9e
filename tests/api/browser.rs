//! The main journeys in a real browser (Debian's chromium, driven by playwright-core from npm).
//! Without chromium the test says so and passes, except in CI (`CI=true`), where it fails.

use std::process::Command;

use crate::both_databases;
use crate::helpers::{Backend, TestApp};

both_databases!(a_coordinator_logs_in_and_creates_a_client_in_a_browser, a_coordinator_runs_phase_one_in_a_browser);

/// Runs `e2e/{script}` against the application; false when the browser is not installed.
pub async fn run_browser_script(app: &TestApp, script: &str) -> bool {
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
        Command::new("node").arg(script_path).env("ACUNUM_URL", url).env("CHROMIUM", chromium).output()
    })
    .await
    .unwrap()
    .expect("node");
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
