//! Every kind of PDF the product prints, from the demo's records, read by qpdf (`--check`) and by
//! poppler's pdfinfo (no syntax error): programme sheets, quotes, conventions, attendance sheets,
//! certificates and attestations, invoices, notepads, a person's data.

use std::process::Command;

use crate::both_databases;
use crate::helpers::{Backend, TestApp};

both_databases!(every_pdf_of_the_product_passes_qpdf_and_pdfinfo);

async fn one(app: &TestApp, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(&app.db.pool).await.unwrap_or_else(|e| panic!("{sql}: {e}"))
}

async fn every_pdf_of_the_product_passes_qpdf_and_pdfinfo(b: Backend) {
    let app = TestApp::spawn(b).await;
    acunum::demo::load(&app.db).await.expect("demo");
    let token = app.token_for("coordination@demo.acunum.fr").await;
    let module = one(&app, "SELECT MIN(id) FROM modules").await;
    let quote = one(&app, "SELECT MIN(id) FROM quotes WHERE convention_number IS NOT NULL").await;
    let invoice = one(&app, "SELECT MIN(id) FROM invoices").await;
    let cert = sqlx::query_as::<_, (i64, i64, i64, String)>(
        "SELECT cycle_id, cycle_module_id, participant_id, kind FROM certificates WHERE kind = 'attestation' ORDER BY id LIMIT 1",
    )
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    // The notepad of the past cycle's training (made when first asked for).
    let r: serde_json::Value = app
        .api()
        .post(app.url(&format!("/api/v1/cycles/{}/modules/{}/notepad", cert.0, cert.1)))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let notepad = (cert.0, r["id"].as_i64().unwrap_or_else(|| panic!("a notepad: {r}")));
    let participant = one(&app, "SELECT MIN(id) FROM participants").await;
    let paths = [
        format!("/api/v1/modules/{module}/programme.pdf"),
        format!("/api/v1/quotes/{quote}/pdf"),
        format!("/api/v1/quotes/{quote}/convention"),
        format!("/api/v1/invoices/{invoice}/pdf"),
        format!("/api/v1/cycles/{}/modules/{}/certificates/{}/realisation", cert.0, cert.1, cert.2),
        format!("/api/v1/cycles/{}/modules/{}/certificates/{}/attestation", cert.0, cert.1, cert.2),
        format!("/cycles/{}/modules/{}/emargement", cert.0, cert.1),
        format!("/cycles/{}/modules/{}/feuille-vierge", cert.0, cert.1),
        format!("/api/v1/cycles/{}/notepads/{}/pdf", notepad.0, notepad.1),
        format!("/api/v1/personal-data/participant/{participant}/pdf"),
    ];
    let dir = tempfile::tempdir().unwrap();
    let mut checked = 0;
    for (i, path) in paths.iter().enumerate() {
        let r = app.api().get(app.url(path)).bearer_auth(&token).send().await.unwrap();
        assert_eq!(r.status(), 200, "{path}: {}", r.text().await.unwrap_or_default());
        let bytes = r.bytes().await.unwrap();
        assert!(bytes.starts_with(b"%PDF-"), "{path} is not a PDF");
        let file = dir.path().join(format!("{i}.pdf"));
        std::fs::write(&file, &bytes).unwrap();
        match Command::new("qpdf").arg("--check").arg(&file).output() {
            Ok(q) => {
                assert!(q.status.success(), "qpdf --check {path}: {}", String::from_utf8_lossy(&q.stdout));
                checked += 1;
            }
            Err(_) => assert!(std::env::var("CI").is_err(), "CI needs qpdf"),
        }
        if let Ok(info) = Command::new("pdfinfo").arg(&file).output() {
            let err = String::from_utf8_lossy(&info.stderr);
            assert!(info.status.success() && !err.contains("Syntax Error"), "pdfinfo {path}: {err}");
        }
    }
    assert!(checked == paths.len() || std::env::var("CI").is_err());
}
