//! `acunum bench-places`: imports N places generated from the real exports shipped in
//! `data/lieux/reels/` (each real row repeated with its own id and a point moved by a few km), then
//! measures nearest-10 queries in memory and through the API, over that directory and over a larger
//! one. Run from the project's root on an otherwise idle machine (see `bench/places.sh`).

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use rand::{Rng, SeedableRng};

use super::import;
use super::index::{self, Query};
use crate::app::{AppState, router};
use crate::config::Config;
use crate::db::Db;

fn real_rows() -> anyhow::Result<Vec<serde_json::Map<String, serde_json::Value>>> {
    let mut rows = Vec::new();
    for entry in std::fs::read_dir("data/lieux/reels")? {
        let path = entry?.path();
        if path.extension().and_then(|e| e.to_str()) != Some("json") {
            continue;
        }
        let v: serde_json::Value = serde_json::from_slice(&std::fs::read(&path)?)?;
        rows.extend(v.as_array().into_iter().flatten().filter_map(|r| r.as_object().cloned()));
    }
    anyhow::ensure!(!rows.is_empty(), "aucune ligne réelle dans data/lieux/reels (lancez depuis la racine du projet)");
    Ok(rows)
}

type Row = serde_json::Map<String, serde_json::Value>;

/// The `i`-th generated row: the real rows in turn, each with its own id and a point moved a little.
fn bench_row(real: &[Row], i: usize, rng: &mut rand::rngs::StdRng) -> Row {
    let mut r = real[i % real.len()].clone();
    r.insert("id".into(), format!("bench-{i}").into());
    r.insert("source".into(), "bench".into());
    if let (Some(la), Some(lo)) =
        (r.get("latitude").and_then(|v| v.as_f64()), r.get("longitude").and_then(|v| v.as_f64()))
    {
        r.insert("latitude".into(), (la + rng.random_range(-0.05..0.05)).into());
        r.insert("longitude".into(), (lo + rng.random_range(-0.05..0.05)).into());
    }
    r
}

/// N rows as a JSON file (see [`bench_row`]).
fn generate(real: &[Row], n: usize, seed: u64) -> Vec<u8> {
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let out: Vec<serde_json::Value> = (0..n).map(|i| serde_json::Value::Object(bench_row(real, i, &mut rng))).collect();
    serde_json::to_vec(&out).unwrap_or_default()
}

/// Writes a file of `n` places (the real rows in turn, each with its own id and a point moved a
/// little) as CSV with the schema's columns or as a JSON array, row by row.
pub fn write_file(n: usize, format: &str, out: &std::path::Path) -> anyhow::Result<()> {
    use std::io::Write;
    let real = real_rows()?;
    let mut rng = rand::rngs::StdRng::seed_from_u64(11);
    let mut w = std::io::BufWriter::with_capacity(1 << 20, std::fs::File::create(out)?);
    let csv = match format {
        "csv" => true,
        "json" => false,
        other => anyhow::bail!("format « {other} » inconnu : csv ou json"),
    };
    let text = |v: Option<&serde_json::Value>| match v {
        None | Some(serde_json::Value::Null) => String::new(),
        Some(serde_json::Value::String(s)) => s.clone(),
        Some(serde_json::Value::Array(a)) => a
            .iter()
            .map(|x| x.as_str().map(str::to_string).unwrap_or_else(|| x.to_string()))
            .collect::<Vec<_>>()
            .join("|"),
        Some(other) => other.to_string(),
    };
    if csv {
        let mut table = ::csv::Writer::from_writer(&mut w);
        table.write_record(super::schema::FIELDS)?;
        for i in 0..n {
            let r = bench_row(&real, i, &mut rng);
            table.write_record(super::schema::FIELDS.iter().map(|f| text(r.get(*f))))?;
        }
        table.flush()?;
    } else {
        w.write_all(b"[")?;
        for i in 0..n {
            if i > 0 {
                w.write_all(b",\n")?;
            }
            serde_json::to_writer(&mut w, &bench_row(&real, i, &mut rng))?;
        }
        w.write_all(b"]\n")?;
    }
    w.flush()?;
    println!("{n} lieux écrits dans {} ({} octets).", out.display(), std::fs::metadata(out)?.len());
    Ok(())
}

fn percentiles(mut v: Vec<Duration>) -> (f64, f64) {
    v.sort();
    let at = |p: f64| v[((v.len() as f64 * p) as usize).min(v.len() - 1)].as_secs_f64() * 1e6;
    (at(0.5), at(0.99))
}

async fn bench_org(db: &Db, name: &str) -> anyhow::Result<(i64, String)> {
    let org = crate::org::store::create(
        db,
        &crate::org::OrgInput { name: format!("{name} {}", crate::db::now()), vat_exempt: true, ..Default::default() },
    )
    .await
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    let email = format!("bench-{}@{}.bench", crate::db::now(), org.slug);
    let user = crate::auth::store::create_user(
        db,
        crate::auth::store::NewUser {
            org_id: Some(org.id),
            email: &email,
            name: "Banc",
            role: crate::auth::Role::Coordinator,
            password_hash: "x",
        },
    )
    .await
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    let token = crate::auth::random_token();
    crate::auth::store::create_token(db, user.id, "banc", &token).await.map_err(|e| anyhow::anyhow!("{e}"))?;
    Ok((org.id, token))
}

fn origins(n: usize) -> Vec<(f64, f64)> {
    let mut rng = rand::rngs::StdRng::seed_from_u64(7);
    let communes: Vec<(f64, f64)> = super::communes::all().iter().filter_map(|c| c.latitude.zip(c.longitude)).collect();
    (0..n).map(|_| communes[rng.random_range(0..communes.len())]).collect()
}

async fn import_timed(db: &Db, org: i64, bytes: &[u8], what: &str) -> anyhow::Result<f64> {
    let t = Instant::now();
    let r = import::import(db, org, bytes, "bench.json", "banc").await.map_err(|e| anyhow::anyhow!("{e:?}"))?;
    let s = t.elapsed().as_secs_f64();
    println!(
        "{what}: {} lignes en {s:.2} s = {:.0} lignes/s ({} créées, {} mises à jour, {} inchangées, {} rejetées)",
        r.rows_total,
        r.rows_total as f64 / s,
        r.created,
        r.updated,
        r.unchanged,
        r.rejected
    );
    Ok(r.rows_total as f64 / s)
}

fn memory_queries(ix: &index::PlaceIndex, points: &[(f64, f64)], what: &str) {
    let mut times = Vec::with_capacity(points.len());
    for p in points {
        let t = Instant::now();
        let r = ix.search(&Query { origin: Some(*p), limit: 10, ..Default::default() });
        times.push(t.elapsed());
        assert_eq!(r.hits.len(), 10.min(ix.len()));
    }
    let (p50, p99) = percentiles(times);
    println!("{what}: plus proches 10 en mémoire sur {} lieux : médiane {p50:.1} µs, p99 {p99:.1} µs", ix.len());
}

async fn api_queries(base: &str, token: &str, points: &[(f64, f64)], what: &str) -> anyhow::Result<()> {
    let client = reqwest::Client::new();
    // Warm-up (the first query of an instance loads the index).
    client
        .get(format!("{base}/api/v1/places?lat=46&lon=2&limit=10"))
        .bearer_auth(token)
        .send()
        .await?
        .error_for_status()?;
    let mut times = Vec::with_capacity(points.len());
    for (la, lo) in points {
        let t = Instant::now();
        let r =
            client.get(format!("{base}/api/v1/places?lat={la}&lon={lo}&limit=10")).bearer_auth(token).send().await?;
        let status = r.status();
        let body = r.bytes().await?;
        times.push(t.elapsed());
        anyhow::ensure!(status.is_success(), "API {status}: {}", String::from_utf8_lossy(&body));
    }
    let (p50, p99) = percentiles(times);
    println!(
        "{what}: plus proches 10 par l'API (HTTP, jeton, JSON) : médiane {:.3} ms, p99 {:.3} ms",
        p50 / 1000.0,
        p99 / 1000.0
    );
    Ok(())
}

pub async fn run(db: &Db, config: &Config, rows: usize, big: usize, queries: usize) -> anyhow::Result<()> {
    let real = real_rows()?;
    println!("{} lignes réelles (data/lieux/reels) servent de modèle.", real.len());

    // Import of `rows` places, then the same file again (nothing changes).
    let bytes = generate(&real, rows, 1);
    let (org, token) = bench_org(db, "Banc lieux").await?;
    import_timed(db, org, &bytes, "Import").await?;
    import_timed(db, org, &bytes, "Ré-import du même fichier").await?;
    // Where the import's time goes: reading and the rules alone.
    let t = Instant::now();
    let mut ready = 0;
    import::read_checked(&bytes[..], "bench.json", |_, batch| {
        ready += batch.iter().filter(|c| c.result.is_ok()).count();
        Ok(())
    })
    .map_err(|e| anyhow::anyhow!(e.0))?;
    println!(
        "  dont lecture et règles seules : {:.0} lignes/s ({ready} prêtes)",
        ready as f64 / t.elapsed().as_secs_f64()
    );

    let points = origins(queries);
    let ix = index::for_org(db, org).await.map_err(|e| anyhow::anyhow!("{e}"))?;
    memory_queries(&ix, &points, "Annuaire importé");

    // A larger directory in memory.
    let mut rng = rand::rngs::StdRng::seed_from_u64(3);
    let communes: Vec<(f64, f64)> = super::communes::all().iter().filter_map(|c| c.latitude.zip(c.longitude)).collect();
    let entries: Vec<index::Entry> = (0..big)
        .map(|i| {
            let (la, lo) = communes[rng.random_range(0..communes.len())];
            index::Entry {
                id: i as i64,
                point: Some((la + rng.random_range(-0.05..0.05), lo + rng.random_range(-0.05..0.05))),
                nom: "".into(),
                commune: "".into(),
                code_postal: "".into(),
                typologie: "".into(),
                services: 0,
                search: "".into(),
            }
        })
        .collect();
    let t = Instant::now();
    let bigix = index::PlaceIndex::build(1, entries);
    println!("Index de {big} points construit en {:.2} s", t.elapsed().as_secs_f64());
    memory_queries(&bigix, &points, "Grand annuaire");
    // Brute force over the same points (their unit vectors computed beforehand), for comparison.
    let units: Vec<[f64; 3]> =
        bigix.entries.iter().filter_map(|e| e.point.map(|(la, lo)| index::unit(la, lo))).collect();
    let n = 200.min(points.len());
    let mut times = Vec::with_capacity(n);
    for p in &points[..n] {
        let t = Instant::now();
        let o = index::unit(p.0, p.1);
        let mut best: Vec<(f64, usize)> = Vec::with_capacity(11);
        for (i, u) in units.iter().enumerate() {
            let d = (u[0] - o[0]).powi(2) + (u[1] - o[1]).powi(2) + (u[2] - o[2]).powi(2);
            if best.len() < 10 || d < best[best.len() - 1].0 {
                let at = best.partition_point(|b| b.0 < d);
                best.insert(at, (d, i));
                best.truncate(10);
            }
        }
        times.push(t.elapsed());
    }
    let (p50, p99) = percentiles(times);
    println!("  force brute sur le même annuaire : médiane {p50:.1} µs, p99 {p99:.1} µs");
    drop(bigix);

    // Through the API: the imported directory, then `big` places imported too.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let state = AppState::new(db.clone(), config.clone());
    tokio::spawn(async move {
        let _ = axum::serve(listener, router(state).into_make_service_with_connect_info::<SocketAddr>()).await;
    });
    let base = format!("http://{addr}");
    api_queries(&base, &token, &points, &format!("Annuaire de {rows} lieux")).await?;
    if big > 0 {
        let (org2, token2) = bench_org(db, "Banc grand annuaire").await?;
        let bytes = generate(&real, big, 2);
        import_timed(db, org2, &bytes, "Import du grand annuaire").await?;
        drop(bytes);
        api_queries(&base, &token2, &points, &format!("Annuaire de {big} lieux")).await?;
    }
    Ok(())
}
