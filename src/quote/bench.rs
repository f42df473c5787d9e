//! `acunum bench-pdf`: renders the quote of the whole cycle N times through the application's own
//! path (database reads, data, Typst, PDF) and reports the time per document and the peak memory.
//! A benchmark, not a test (see bench/quote_pdfs.sh).

use std::time::Instant;

use crate::db::Db;
use crate::quote::{CountPrice, FundingInput, FundingMode, ItemInput, QuoteInput, TravelInput, TravelMode};

/// Peak resident memory of this process, in MiB (Linux).
pub fn peak_rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with("VmHWM:")).and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        })
        .map(|kb| kb / 1024.0)
        .unwrap_or(0.0)
}

pub async fn run(count: usize) -> anyhow::Result<()> {
    let dir = std::env::temp_dir().join(format!("acunum-bench-pdf-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let db = Db::connect(&format!("sqlite://{}", dir.join("bench.db").display()), 4).await?;
    db.migrate().await?;
    crate::demo::load(&db).await?;
    let org_id = 1;
    let user = crate::auth::store::user_by_email(&db, crate::demo::DEMO_ACCOUNTS[0].0)
        .await?
        .ok_or_else(|| anyhow::anyhow!("demo"))?;
    let modules = crate::catalogue::store::list(&db, org_id, false).await?;
    let input = QuoteInput {
        client_id: 1,
        participants: 10,
        structures: 3,
        intervenant_id: Some(2),
        items: modules
            .iter()
            .map(|m| ItemInput {
                module_id: m.id,
                quantity: matches!(
                    m.kind,
                    crate::catalogue::ModuleKind::Amo | crate::catalogue::ModuleKind::Conference
                )
                .then(|| 2.into()),
                ..Default::default()
            })
            .collect(),
        travel: TravelInput { mode: TravelMode::PerKm, rate_per_km: "0.45".parse()?, ..Default::default() },
        lodging: CountPrice { count: 2, unit_price: 85.into() },
        funding: Some(FundingInput {
            opco_name: "OPCO EP".into(),
            mode: FundingMode::Share,
            share_percent: 60.into(),
            subrogation: true,
            ..Default::default()
        }),
        ..Default::default()
    };
    let q = crate::quote::service::create(&db, org_id, user.id, input).await.map_err(|e| anyhow::anyhow!("{e:?}"))?;
    let org = crate::org::store::get(&db, org_id).await?;
    let v = crate::quote::store::version(&db, org_id, q.id, q.version).await?;
    let before = peak_rss_mib();
    let mut times = Vec::with_capacity(count);
    let mut bytes = 0usize;
    let start = Instant::now();
    for _ in 0..count {
        let t = Instant::now();
        let pdf = crate::quote::documents::quote_pdf(&db, &org, &q, &v).await?;
        times.push(t.elapsed().as_secs_f64() * 1000.0);
        bytes += pdf.len();
    }
    let total = start.elapsed().as_secs_f64();
    times.sort_by(|a, b| a.total_cmp(b));
    let pct = |p: f64| times[((times.len() as f64 - 1.0) * p).round() as usize];
    println!("{count} devis PDF (2 pages) en {total:.2} s");
    println!(
        "par document : médiane {:.2} ms, p90 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        pct(0.5),
        pct(0.9),
        pct(0.99),
        pct(1.0)
    );
    println!("taille moyenne : {:.1} Ko", bytes as f64 / count as f64 / 1024.0);
    println!("mémoire résidente maximale : {:.1} Mio (avant la boucle : {before:.1} Mio)", peak_rss_mib());
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}
