//! `acunum bench-invoices`: issues N deposit invoices from N accepted quotes through the application's
//! own path (numbering in its transaction, the document, the audit trail) and renders each as
//! Factur-X (CII XML, Typst, PDF/A-3 with its XMP), then writes the FEC of a year of M invoices.
//! Reports the time per invoice and the peak memory. A benchmark, not a test (see bench/invoices.sh).

use std::time::Instant;

use rust_decimal::Decimal;

use crate::db::Db;
use crate::invoice::store;
use crate::quote::bench::peak_rss_mib;
use crate::state::AppState;

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted.get(((sorted.len().max(1) - 1) as f64 * p).round() as usize).copied().unwrap_or(0.0)
}

pub async fn run(db: &Db, count: usize, fec_invoices: usize) -> anyhow::Result<()> {
    let err = |e: crate::error::AppError| anyhow::anyhow!("{e:?}");
    crate::demo::load(db).await.map_err(err)?;
    let s = AppState::new(db.clone(), crate::config::Config::default());
    let org_id = 1;
    let coordinator = crate::auth::store::user_by_email(db, crate::demo::DEMO_ACCOUNTS[0].0)
        .await?
        .ok_or_else(|| anyhow::anyhow!("demo"))?;
    let user = crate::auth::CurrentUser { user: coordinator.clone(), via_token: false };
    let modules = crate::catalogue::store::list(db, org_id, false).await.map_err(err)?;
    let culture = modules
        .iter()
        .find(|m| m.kind == crate::catalogue::ModuleKind::CultureTraining)
        .ok_or(anyhow::anyhow!("module"))?;
    let amo = modules.iter().find(|m| m.kind == crate::catalogue::ModuleKind::Amo).ok_or(anyhow::anyhow!("module"))?;
    let clients: Vec<i64> = sqlx::query_scalar("SELECT id FROM clients WHERE org_id = $1 ORDER BY id")
        .bind(org_id)
        .fetch_all(&db.pool)
        .await?;
    // The quotes, accepted (set up, not measured).
    let setup = Instant::now();
    let mut quotes = Vec::with_capacity(count);
    for n in 0..count {
        let input = crate::quote::QuoteInput {
            client_id: clients[n % clients.len()],
            title: format!("Cycle ACUNUM n° {n}"),
            participants: 10,
            items: vec![
                crate::quote::ItemInput { module_id: culture.id, ..Default::default() },
                crate::quote::ItemInput { module_id: amo.id, quantity: Some(2.into()), ..Default::default() },
            ],
            ..Default::default()
        };
        let q = crate::quote::service::create(db, org_id, coordinator.id, input).await.map_err(err)?;
        let (_, link) = crate::quote::service::send(db, org_id, q.id, "").await.map_err(err)?;
        let token = link.rsplit('/').next().unwrap_or_default().to_string();
        crate::quote::store::decide(db, &token, true, "Signataire", "127.0.0.1").await.map_err(err)?;
        quotes.push(q.id);
    }
    println!("{count} devis acceptés préparés en {:.1} s (hors mesure)", setup.elapsed().as_secs_f64());

    let before = peak_rss_mib();
    let (mut issue_ms, mut pdf_ms) = (Vec::with_capacity(count), Vec::with_capacity(count));
    let mut bytes = 0usize;
    let start = Instant::now();
    let mut last = None;
    for q in &quotes {
        let t = Instant::now();
        let inv = crate::invoice::service::deposit(&s, &user, *q, Decimal::from(30)).await.map_err(err)?;
        issue_ms.push(t.elapsed().as_secs_f64() * 1000.0);
        let t = Instant::now();
        let pdf = crate::invoice::documents::pdf(db, org_id, &inv.document, inv.issued_at).await.map_err(err)?;
        pdf_ms.push(t.elapsed().as_secs_f64() * 1000.0);
        bytes += pdf.len();
        last = Some(inv);
    }
    let total = start.elapsed().as_secs_f64();
    issue_ms.sort_by(|a, b| a.total_cmp(b));
    pdf_ms.sort_by(|a, b| a.total_cmp(b));
    let numbers: Vec<String> = store::all(db, org_id).await.map_err(err)?.into_iter().map(|i| i.number).collect();
    let unique: std::collections::BTreeSet<&String> = numbers.iter().collect();
    println!(
        "{count} factures émises (numéro, document, journal) et rendues en Factur-X en {total:.2} s : {:.2} ms par facture",
        total * 1000.0 / count.max(1) as f64
    );
    println!(
        "  émission : médiane {:.2} ms, p99 {:.2} ms ; Factur-X : médiane {:.2} ms, p99 {:.2} ms ; {:.1} Kio par PDF",
        percentile(&issue_ms, 0.5),
        percentile(&issue_ms, 0.99),
        percentile(&pdf_ms, 0.5),
        percentile(&pdf_ms, 0.99),
        bytes as f64 / 1024.0 / count.max(1) as f64
    );
    println!(
        "  numéros : {} factures, {} numéros distincts ; mémoire : pic {:.0} Mio (avant la boucle : {before:.0} Mio)",
        numbers.len(),
        unique.len(),
        peak_rss_mib()
    );

    // The FEC of a year of `fec_invoices` invoices: the rest issued from the last one's document
    // (numbering, no PDF), each half paid.
    let Some(model) = last else { return Ok(()) };
    let have = numbers.len();
    for n in have..fec_invoices {
        let mut doc = model.document.clone();
        doc.buyer.name = format!("Client {n}");
        let id = store::issue(
            db,
            org_id,
            store::NewInvoice {
                kind: model.kind,
                payer: model.payer,
                quote_id: model.quote_id,
                client_id: model.client_id,
                credited_id: None,
                issued_at: model.issued_at,
                issued_by: None,
                document: doc,
            },
        )
        .await
        .map_err(err)?;
        if n % 2 == 0 {
            store::add_payment(
                db,
                org_id,
                &store::NewPayment {
                    invoice_id: id,
                    paid_on: model.issue_date,
                    amount: crate::money::cents(model.total_ttc / Decimal::from(2)),
                    means: "virement",
                    reference: "",
                    recorded_at: model.issued_at,
                    recorded_by: None,
                },
            )
            .await
            .map_err(err)?;
        }
    }
    let year = chrono::Datelike::year(&model.issue_date);
    let mut times = Vec::new();
    let mut size = (0, 0);
    for _ in 0..5 {
        let t = Instant::now();
        let (_, text) = crate::invoice::api::fec_of(&s, org_id, year).await.map_err(err)?;
        times.push(t.elapsed().as_secs_f64() * 1000.0);
        size = (text.len(), text.lines().count() - 1);
    }
    times.sort_by(|a, b| a.total_cmp(b));
    println!(
        "FEC de {} factures : médiane {:.0} ms (min {:.0}, max {:.0}) ; {} lignes d'écritures, {:.1} Mio ; pic mémoire {:.0} Mio",
        fec_invoices.max(have),
        percentile(&times, 0.5),
        times[0],
        times[times.len() - 1],
        size.1,
        size.0 as f64 / 1024.0 / 1024.0,
        peak_rss_mib()
    );
    Ok(())
}
