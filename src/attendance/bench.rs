//! `acunum bench-certificates`: a culture training of N participants, its 8 half-days marked (one
//! absent morning in ten), then every certificat de réalisation and attestation made into one ZIP
//! archive, as the coordinator downloads it. Prints the total time, the time per document and the
//! peak memory of the process. A benchmark, not a test (see bench/certificates.sh).

use std::time::Instant;

use chrono::NaiveDate;

use crate::attendance::documents::{Issuer, certificate_content, certificates_zip, module_attendance};
use crate::cycle::planning::{PlanParams, Rhythm};
use crate::db::{Db, now};

fn peak_rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|k| k.parse::<f64>().ok())
        })
        .map(|kib| kib / 1024.0)
        .unwrap_or(0.0)
}

pub async fn run(db: &Db, participants: usize) -> anyhow::Result<()> {
    let e = |e: crate::error::AppError| anyhow::anyhow!("{e:?}");
    crate::demo::load(db).await.map_err(e)?;
    let org = 1;
    let client = 1;
    let version: i64 = sqlx::query_scalar(
        "SELECT v.id FROM module_versions v JOIN modules m ON m.id = v.module_id WHERE m.org_id = $1 AND m.kind = 'culture_training' ORDER BY v.id DESC LIMIT 1",
    )
    .bind(org)
    .fetch_one(&db.pool)
    .await?;
    let cycle = crate::cycle::store::create(
        db,
        org,
        client,
        "Banc d'essai des certificats",
        "",
        "Europe/Paris",
        None,
        &[version],
    )
    .await
    .map_err(e)?;
    let cm = crate::cycle::store::modules(db, org, cycle.id).await.map_err(e)?[0].id;
    let params = PlanParams {
        start_date: NaiveDate::from_ymd_opt(2026, 10, 5).unwrap_or_default(),
        rhythm: Rhythm::default(),
        start_time: chrono::NaiveTime::from_hms_opt(9, 0, 0).unwrap_or_default(),
        count: None,
        room_id: None,
        intervenant_id: None,
    };
    crate::cycle::service::plan_module(db, org, &cycle, cm, &params, true).await.map_err(e)?;
    let t = now();
    let structures = ["Mairie", "Centre hospitalier", "Coopérative agricole", "Association d'aide à domicile"];
    let mut done = 0;
    while done < participants {
        let n = 500.min(participants - done);
        let mut sql = String::from(
            "INSERT INTO participants (cycle_id, org_id, first_name, last_name, email, job, service, structure, status, committee, calendar_token, created_at) VALUES ",
        );
        for k in 0..n {
            let i = done + k;
            if k > 0 {
                sql.push(',');
            }
            sql.push_str(&format!(
                "({}, {org}, 'Prénom{i}', 'Nom{i}', 'p{i}@banc.test', 'Agent', 'Service', '{}', 'group', FALSE, 'banc-{i}-{}', {t})",
                cycle.id,
                structures[i % structures.len()].replace('\'', "''"),
                crate::auth::random_token()
            ));
        }
        sqlx::query(&sql).execute(&db.pool).await?;
        done += n;
    }
    // Marks: everyone present, one in ten absent on the second morning.
    let sessions = crate::cycle::store::sessions(db, org, cycle.id).await.map_err(e)?;
    let people: Vec<(i64,)> = sqlx::query_as("SELECT id FROM participants WHERE cycle_id = $1 ORDER BY id")
        .bind(cycle.id)
        .fetch_all(&db.pool)
        .await?;
    let mut halves = Vec::new();
    for s in &sessions {
        halves.extend(crate::attendance::store::ensure(db, org, s).await.map_err(e)?);
    }
    for (n, h) in halves.iter().enumerate() {
        for chunk in people.chunks(500) {
            let mut sql = String::from(
                "INSERT INTO attendance (org_id, half_day_id, participant_id, status, method, actor, at) VALUES ",
            );
            for (k, (pid,)) in chunk.iter().enumerate() {
                if k > 0 {
                    sql.push(',');
                }
                let status = if n == 2 && pid % 10 == 0 { "absent" } else { "present" };
                sql.push_str(&format!("({org}, {}, {pid}, '{status}', 'trainer', 'banc', {t})", h.id));
            }
            sqlx::query(&sql).execute(&db.pool).await?;
        }
        sqlx::query(
            "UPDATE half_days SET status = 'locked', locked_at = $1, trainer_name = 'Camille Durand' WHERE id = $2",
        )
        .bind(t)
        .bind(h.id)
        .execute(&db.pool)
        .await?;
    }
    let before = peak_rss_mib();
    let t0 = Instant::now();
    let ma = module_attendance(db, org, cycle.id, cm).await.map_err(e)?;
    let load = t0.elapsed();
    let issuer = Issuer::load(db, org).await.map_err(e)?;
    let mut items = Vec::new();
    for p in &ma.people {
        for (kind, _) in crate::attendance::certificates::KINDS {
            let content = certificate_content(&issuer, &ma, p, kind, t, &[]).map_err(e)?;
            items.push((crate::attendance::certificates::file_name(kind, p), content.to_string()));
        }
    }
    let zip = certificates_zip(&issuer, &items).await.map_err(e)?;
    let total = t0.elapsed();
    let docs = ma.people.len() * 2;
    println!(
        "{} participants, {} demi-journées, {docs} documents (certificat de réalisation + attestation) dans une archive de {:.1} Mio ({:?})",
        ma.people.len(),
        ma.halves.len(),
        zip.len() as f64 / 1_048_576.0,
        db.kind
    );
    println!(
        "temps total {:.2} s (lecture des présences {:.0} ms), {:.1} ms par document ; mémoire maximale du processus {:.0} Mio (avant : {:.0} Mio)",
        total.as_secs_f64(),
        load.as_secs_f64() * 1000.0,
        total.as_secs_f64() * 1000.0 / docs as f64,
        peak_rss_mib(),
        before
    );
    Ok(())
}
