//! The OpenAPI document as a contract, checked by independent tools against a running application
//! with the demo's data: schemathesis (in `target/pyenv`, see `.ci/run`) generates requests from the
//! document, with a fixed seed and a bounded number of cases, and checks every answer (every check
//! on the reads, no server error on the writes); a client generated from the document by
//! openapi-typescript (npm) type-checks under `tsc --strict`.

use std::path::PathBuf;
use std::process::Command;
use std::time::Instant;

use crate::both_databases;
use crate::helpers::{Backend, TestApp};

both_databases!(schemathesis_finds_the_api_as_documented, a_typescript_client_generated_from_the_document_type_checks);

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The schemathesis of the project's venv; `None` (the test is skipped) only outside CI.
fn schemathesis() -> Option<PathBuf> {
    let bin = root().join("target/pyenv/bin/schemathesis");
    if Command::new(&bin).arg("--version").output().is_ok_and(|o| o.status.success()) {
        return Some(bin);
    }
    assert!(std::env::var("CI").is_err(), "CI needs schemathesis in target/pyenv (see .ci/run)");
    eprintln!("schemathesis is not in target/pyenv: the contract test is skipped");
    None
}

/// What schemathesis is told beyond the document.
const CONFIG: &str = r#"
# The places' search has rules across its parameters that a schema cannot say (a latitude goes with a
# longitude, a radius with a point, `near` names a known commune): a valid-looking query may get 422.
[[operations]]
include-path = "/api/v1/places"
checks.positive_data_acceptance.expected-statuses = ["2xx", "404", "422"]
"#;

/// Writes left out: the ones that read the web (a saved link, a feed: only loopback traffic in tests)
/// and the ones that could revoke the test's own token or account.
const NOT_WRITTEN: [&str; 5] = [
    "/api/v1/cycles/{id}/bookmarks",
    "/api/v1/cycles/{id}/feeds",
    "/api/v1/cycles/{id}/feeds/{feed}/refresh",
    "/api/v1/me/tokens/{id}",
    "/api/v1/users/{id}/active",
];

/// Runs schemathesis; panics with its report when it finds anything. Returns its summary line.
async fn run(st: &PathBuf, config: &std::path::Path, doc: &str, token: &str, args: &[&str]) -> String {
    let mut cmd = Command::new(st);
    // Its cache (`.schemathesis/`) goes with the configuration, not into the checkout.
    cmd.current_dir(config.parent().unwrap());
    cmd.arg("--config-file").arg(config).arg("--no-color").arg("run").arg(doc);
    cmd.args(["-H", &format!("Authorization: Bearer {token}"), "--seed", "19", "--workers", "1", "--no-shrink"]);
    cmd.args(args);
    let out = tokio::task::spawn_blocking(move || cmd.output()).await.unwrap().expect("schemathesis runs");
    let report = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        out.status.success(),
        "schemathesis {args:?} found what the document does not say:\n{report}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    report.lines().filter(|l| l.trim_start().starts_with(char::is_numeric) && l.contains(" generated")).collect()
}

async fn schemathesis_finds_the_api_as_documented(b: Backend) {
    let Some(st) = schemathesis() else { return };
    let app = TestApp::spawn(b).await;
    acunum::demo::load(&app.db).await.expect("demo");
    let token = app.token_for("coordination@demo.acunum.fr").await;
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("schemathesis.toml");
    std::fs::write(&config, CONFIG).unwrap();
    let doc = app.url("/api/openapi.json");

    let started = Instant::now();
    // Every check is on unless the configuration turns one off for an operation (`-c all` would
    // override it).
    let reads = run(&st, &config, &doc, &token, &["--include-method", "GET", "-n", "30"]).await;
    eprintln!("{b:?} reads, every check ({:.0?}): {reads}", started.elapsed());

    let started = Instant::now();
    let mut writes = vec!["--exclude-method", "GET", "-c", "not_a_server_error", "-n", "10"];
    for path in NOT_WRITTEN {
        writes.extend(["--exclude-path", path]);
    }
    let writes = run(&st, &config, &doc, &token, &writes).await;
    eprintln!("{b:?} writes, no server error ({:.0?}): {writes}", started.elapsed());
}

async fn a_typescript_client_generated_from_the_document_type_checks(b: Backend) {
    let bin = root().join("node_modules/.bin");
    if !bin.join("openapi-typescript").exists() || !bin.join("tsc").exists() {
        assert!(std::env::var("CI").is_err(), "CI needs openapi-typescript and typescript (npm ci, see .ci/run)");
        eprintln!("openapi-typescript or typescript missing from node_modules: the client test is skipped");
        return;
    }
    let app = TestApp::spawn(b).await;
    let doc = app.api().get(app.url("/api/openapi.json")).send().await.unwrap().text().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("openapi.json"), doc).unwrap();
    std::fs::write(dir.path().join("use.ts"), CLIENT).unwrap();
    let d = dir.path().to_path_buf();
    let out = tokio::task::spawn_blocking(move || {
        let generated = Command::new(bin.join("openapi-typescript"))
            .current_dir(&d)
            .args(["openapi.json", "-o", "api.d.ts"])
            .output()
            .expect("openapi-typescript");
        assert!(generated.status.success(), "openapi-typescript: {}", String::from_utf8_lossy(&generated.stderr));
        Command::new(bin.join("tsc"))
            .current_dir(&d)
            .args(["--noEmit", "--strict", "--target", "es2020", "--moduleResolution", "node", "use.ts"])
            .output()
            .expect("tsc")
    })
    .await
    .unwrap();
    assert!(out.status.success(), "tsc --strict on the generated client:\n{}", String::from_utf8_lossy(&out.stdout));
    // The same file must fail when it breaks the contract: tsc does check it.
    let wrong =
        CLIENT.replace(r#"const status: QuoteStatus = "accepted";"#, r#"const status: QuoteStatus = "present";"#);
    assert_ne!(wrong, CLIENT);
    std::fs::write(dir.path().join("use.ts"), wrong).unwrap();
    let out = Command::new(root().join("node_modules/.bin/tsc"))
        .current_dir(dir.path())
        .args(["--noEmit", "--strict", "--target", "es2020", "--moduleResolution", "node", "use.ts"])
        .output()
        .expect("tsc");
    assert!(!out.status.success(), "an attendance mark is not a quote's status");
}

/// A client's code written against the generated types.
const CLIENT: &str = r#"
import type { components, operations, paths } from "./api";

type Schemas = components["schemas"];
type QuoteStatus = Schemas["QuoteStatus"];
type ClientContact = Schemas["ClientContact"];
type ErrorBody = Schemas["ErrorBody"];

const status: QuoteStatus = "accepted";

function contactLine(c: ClientContact): string {
  return `${c.name} (${c.job_title}) <${c.email}>`;
}

function explain(e: ErrorBody): string {
  return e.code + ": " + e.message + (e.fields ?? []).map((f) => ` ${f.field}: ${f.message}`).join("");
}

type ClientsPage =
  operations["clients_list"]["responses"][200]["content"]["application/json"];
function names(p: ClientsPage): string[] {
  return p.items.map((c) => c.name);
}

type Refused = paths["/api/v1/quotes/{id}"]["get"]["responses"][404]["content"]["application/json"];
const notFound: Refused = { code: "not_found", message: "Page ou ressource introuvable." };

type PerPage = NonNullable<operations["clients_list"]["parameters"]["query"]>["per_page"];
const perPage: PerPage = 200;

export { status, contactLine, explain, names, notFound, perPage };
"#;
