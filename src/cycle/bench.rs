//! `acunum bench-conflicts`: fills a database with N sessions (spread over intervenants, rooms and
//! cycles of one organisation) and times the conflict check of a new session. A benchmark, not a
//! test (see bench/conflicts.sh).

use std::time::Instant;

use rand::Rng;

use crate::catalogue::ModuleKind;
use crate::db::Db;

pub async fn run(db: &Db, sessions: usize, checks: usize) -> anyhow::Result<()> {
    crate::demo::load(db).await.map_err(|e| anyhow::anyhow!("{e:?}"))?;
    let org = 1;
    let client = 1;
    let version: i64 = sqlx::query_scalar("SELECT v.id FROM module_versions v JOIN modules m ON m.id = v.module_id WHERE m.org_id = $1 AND m.kind = 'culture_training' LIMIT 1").bind(org).fetch_one(&db.pool).await?;
    let intervenants = 400i64;
    let rooms = 300i64;
    let cycles = (sessions / 50).max(1);
    let t = crate::db::now();
    // intervenants and rooms
    let mut tx = db.pool.begin().await?;
    for i in 0..intervenants {
        sqlx::query("INSERT INTO intervenants (org_id, first_name, last_name, is_mediator, search, created_at, updated_at) VALUES ($1, 'I', $2, TRUE, $2, $3, $3)")
            .bind(org).bind(format!("bench{i}")).bind(t).execute(&mut *tx).await?;
    }
    for r in 0..rooms {
        sqlx::query("INSERT INTO rooms (org_id, name, kind, checklist, created_at, updated_at) VALUES ($1, $2, 'training', '[]', $3, $3)")
            .bind(org).bind(format!("Salle {r}")).bind(t).execute(&mut *tx).await?;
    }
    tx.commit().await?;
    let first_interv: i64 = sqlx::query_scalar("SELECT MIN(id) FROM intervenants WHERE last_name LIKE 'bench%'")
        .fetch_one(&db.pool)
        .await?;
    let first_room: i64 =
        sqlx::query_scalar("SELECT MIN(id) FROM rooms WHERE name LIKE 'Salle %'").fetch_one(&db.pool).await?;
    let mut cycle_modules = Vec::new();
    for c in 0..cycles {
        let cycle =
            crate::cycle::store::create(db, org, client, &format!("Banc {c}"), "", "Europe/Paris", None, &[version])
                .await
                .map_err(|e| anyhow::anyhow!("{e:?}"))?;
        let cm = crate::cycle::store::modules(db, org, cycle.id).await.map_err(|e| anyhow::anyhow!("{e:?}"))?[0].id;
        cycle_modules.push((cycle.id, cm));
    }
    // sessions over five years, daytime, in batches
    let start0 = 1_798_000_000i64;
    let span = 5 * 365 * 86400i64;
    let mut rng = rand::rng();
    let mut done = 0;
    while done < sessions {
        let n = 500.min(sessions - done);
        let mut sql = String::from(
            "INSERT INTO training_sessions (org_id, cycle_id, cycle_module_id, position, title, description, start_at, end_at, minutes, room_id, intervenant_id, created_at, updated_at) VALUES ",
        );
        for k in 0..n {
            let (cycle, cm) = cycle_modules[(done + k) % cycle_modules.len()];
            let day = rng.random_range(0..span / 86400);
            let start = start0 + day * 86400 + rng.random_range(7..16) * 3600;
            if k > 0 {
                sql.push(',');
            }
            sql.push_str(&format!(
                "({org}, {cycle}, {cm}, 1, 'Séance', '', {start}, {}, 240, {}, {}, {t}, {t})",
                start + 4 * 3600,
                first_room + rng.random_range(0..rooms),
                first_interv + rng.random_range(0..intervenants)
            ));
        }
        sqlx::query(&sql).execute(&db.pool).await?;
        done += n;
    }
    let total: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM training_sessions").fetch_one(&db.pool).await?;
    let cycle = crate::cycle::store::get(db, org, cycle_modules[0].0).await.map_err(|e| anyhow::anyhow!("{e:?}"))?;
    let mut times = Vec::with_capacity(checks);
    let mut found = 0;
    for _ in 0..checks {
        let start = start0 + rng.random_range(0..span / 86400) * 86400 + 9 * 3600;
        let i = first_interv + rng.random_range(0..intervenants);
        let r = first_room + rng.random_range(0..rooms);
        let t0 = Instant::now();
        let c = crate::cycle::store::conflicts(
            db,
            org,
            &cycle,
            ModuleKind::CultureTraining,
            start,
            start + 8 * 3600,
            Some(i),
            Some(r),
            0,
        )
        .await
        .map_err(|e| anyhow::anyhow!("{e:?}"))?;
        times.push(t0.elapsed().as_secs_f64() * 1e6);
        found += c.iter().filter(|x| !x.warning).count();
    }
    times.sort_by(|a, b| a.total_cmp(b));
    let pct = |p: f64| times[((times.len() as f64 - 1.0) * p).round() as usize];
    println!(
        "{total} séances en base ({:?}), {checks} vérifications de conflits (intervenant, salle, participants, ordre des temps, jours fériés)",
        db.kind
    );
    println!(
        "par vérification : médiane {:.0} µs, p90 {:.0} µs, p99 {:.0} µs ; {found} conflits trouvés",
        pct(0.5),
        pct(0.9),
        pct(0.99)
    );
    Ok(())
}
