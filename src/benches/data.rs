//! The national-scale dataset of the benchmarks (never loaded in production).

use crate::auth::{Role, hash_password};
use crate::db::Db;

/// Sizes of the national-scale benchmark dataset.
pub struct Scale {
    pub orgs: usize,
    pub clients: usize,
    pub intervenants: usize,
    pub users: usize,
}

/// Generates a national-scale dataset with multi-row inserts (the benchmark's, not for production).
/// Every generated user has the password `bench-password`.
pub async fn generate(db: &Db, scale: &Scale, progress: impl Fn(&str, usize, usize)) -> anyhow::Result<()> {
    let hash = hash_password("bench-password")?;
    let t = crate::db::now();
    let first = sqlx::query_scalar::<_, Option<i64>>("SELECT MAX(id) FROM organisations")
        .fetch_one(&db.pool)
        .await?
        .unwrap_or(0);
    let sectors = crate::sector::SECTORS;
    let kinds = crate::sector::CLIENT_KINDS;
    let cities = [
        ("16000", "Angoulême", 45.65, 0.16),
        ("75011", "Paris", 48.857, 2.38),
        ("69003", "Lyon", 45.76, 4.85),
        ("13001", "Marseille", 43.30, 5.38),
        ("59000", "Lille", 50.63, 3.06),
        ("97400", "Saint-Denis", -20.88, 55.45),
        ("98800", "Nouméa", -22.27, 166.44),
        ("29200", "Brest", 48.39, -4.49),
    ];
    let mut tx = db.pool.begin().await?;
    for i in 0..scale.orgs {
        let name = format!("Organisme de formation {:04}", i + 1);
        sqlx::query(
            "INSERT INTO organisations (slug, name, vat_exempt, created_at, updated_at) VALUES ($1, $2, TRUE, $3, $3)",
        )
        .bind(format!("bench-{}-{}", first + 1, i + 1))
        .bind(&name)
        .bind(t)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    progress("organisations", scale.orgs, scale.orgs);
    let org_ids: Vec<i64> = sqlx::query_scalar("SELECT id FROM organisations WHERE id > $1 ORDER BY id")
        .bind(first)
        .fetch_all(&db.pool)
        .await?;
    let org_of = |i: usize| org_ids[i % org_ids.len()];

    const BATCH: usize = 500;
    let mut done = 0;
    while done < scale.clients {
        let n = BATCH.min(scale.clients - done);
        let mut sql = String::from(
            "INSERT INTO clients (org_id, name, siret, sector, kind, address, postal_code, city, latitude, longitude, email, phone, notes, search, created_at, updated_at) VALUES ",
        );
        for k in 0..n {
            let i = done + k;
            let (pc, city, lat, lon) = cities[i % cities.len()];
            let name = format!("Structure cliente {i:05}");
            if k > 0 {
                sql.push(',');
            }
            sql.push_str(&format!(
                "({}, '{name}', '', '{}', '{}', '{} rue de la République', '{pc}', '{}', {lat}, {lon}, 'contact{i}@client.test', '', '', '{}', {}, {})",
                org_of(i), sectors[i % sectors.len()].0, kinds[i % kinds.len()].0, i % 200 + 1, city.replace('\'', "''"),
                crate::text::search_key(&format!("{name} {city} {pc}")).replace('\'', "''"), t - i as i64, t - i as i64
            ));
        }
        sqlx::query(&sql).execute(&db.pool).await?;
        done += n;
        progress("clients", done, scale.clients);
    }
    done = 0;
    while done < scale.intervenants {
        let n = BATCH.min(scale.intervenants - done);
        let mut sql = String::from(
            "INSERT INTO intervenants (org_id, first_name, last_name, email, phone, is_mediator, is_animator, place_name, address, postal_code, city, latitude, longitude, sectors, cv, daily_rate, active, search, created_at, updated_at) VALUES ",
        );
        for k in 0..n {
            let i = done + k;
            let (pc, city, lat, lon) = cities[(i * 3) % cities.len()];
            if k > 0 {
                sql.push(',');
            }
            sql.push_str(&format!(
                "({}, 'Prénom{i}', 'Nom{i}', 'intervenant{i}@bench.test', '', {}, {}, 'EPN {i}', '', '{pc}', '{}', {lat}, {lon}, '{}', '', '350.00', TRUE, '{}', {t}, {t})",
                org_of(i), if i % 2 == 0 { "TRUE" } else { "FALSE" }, if i % 2 == 1 { "TRUE" } else { "FALSE" },
                city.replace('\'', "''"), sectors[i % sectors.len()].0, crate::text::search_key(&format!("nom{i} prénom{i} epn {i} {city}")).replace('\'', "''")
            ));
        }
        sqlx::query(&sql).execute(&db.pool).await?;
        done += n;
        progress("intervenants", done, scale.intervenants);
    }
    done = 0;
    while done < scale.users {
        let n = BATCH.min(scale.users - done);
        let mut q = String::from(
            "INSERT INTO users (org_id, email, name, role, password_hash, active, created_at, updated_at) VALUES ",
        );
        for k in 0..n {
            let i = done + k;
            if k > 0 {
                q.push(',');
            }
            let role = if i % org_ids.len() == i {
                Role::Coordinator
            } else {
                [Role::Intervenant, Role::Participant, Role::ClientContact][i % 3]
            };
            q.push_str(&format!(
                "({}, 'user{}-{i}@bench.test', 'Utilisateur {i}', '{}', '{hash}', TRUE, {t}, {t})",
                org_of(i),
                first,
                role.as_str()
            ));
        }
        sqlx::query(&q).execute(&db.pool).await?;
        done += n;
        progress("utilisateurs", done, scale.users);
    }
    Ok(())
}
