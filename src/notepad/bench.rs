//! `acunum bench-notepad FILE`: replays an editing trace (Joseph Gentle's format, e.g.
//! `bench/data/sequential_traces_seph-blog1.json.gz` once gunzipped) as per-keystroke remote updates,
//! once into a plain `yrs` document and once through the server's whole path (decode, store in the
//! database, apply, relay), in the same run. See `bench/notepad.sh`.

use std::time::Instant;

use yrs::updates::decoder::Decode;
use yrs::{Doc, GetString, OffsetKind, Options, Text, Transact, Update};

use yrs::sync::{Message, SyncMessage};
use yrs::updates::encoder::Encode;

use super::{TEXT, room, store, text};
use crate::db::Db;

fn doc() -> Doc {
    Doc::with_options(Options { offset_kind: OffsetKind::Utf16, ..Default::default() })
}

pub async fn run(db: &Db, path: &std::path::Path) -> anyhow::Result<()> {
    let trace: serde_json::Value = serde_json::from_slice(&std::fs::read(path)?)?;
    let start = trace["startContent"].as_str().unwrap_or("");
    let end = trace["endContent"].as_str().unwrap_or("");
    // The updates a client would send, one per transaction of the trace.
    let t = Instant::now();
    let author = doc();
    let txt = author.get_or_insert_text(TEXT);
    let mut updates: Vec<Vec<u8>> = Vec::new();
    if !start.is_empty() {
        let mut txn = author.transact_mut();
        txt.insert(&mut txn, 0, start);
        updates.push(txn.encode_update_v1());
    }
    for tx in trace["txns"].as_array().map(Vec::as_slice).unwrap_or_default() {
        let mut txn = author.transact_mut();
        for p in tx["patches"].as_array().map(Vec::as_slice).unwrap_or_default() {
            let pos = p[0].as_u64().unwrap_or(0) as u32;
            let del = p[1].as_u64().unwrap_or(0) as u32;
            let ins = p[2].as_str().unwrap_or("");
            if del > 0 {
                txt.remove_range(&mut txn, pos, del);
            }
            if !ins.is_empty() {
                txt.insert(&mut txn, pos, ins);
            }
        }
        updates.push(txn.encode_update_v1());
    }
    anyhow::ensure!(txt.get_string(&author.transact()) == end, "the trace did not replay to its end content");
    println!("{} mises à jour préparées en {:.2} s", updates.len(), t.elapsed().as_secs_f64());

    // What the client's websocket carries.
    let messages: Vec<Vec<u8>> =
        updates.iter().map(|u| Message::Sync(SyncMessage::Update(u.clone())).encode_v1()).collect();
    crate::demo::load(db).await.map_err(|e| anyhow::anyhow!("{e}"))?;
    let (org, cycle): (i64, i64) =
        sqlx::query_as("SELECT org_id, id FROM cycles ORDER BY id LIMIT 1").fetch_one(&db.pool).await?;
    let (mut plain_ms, mut server_ms) = (Vec::new(), Vec::new());
    for round in 1..=ROUNDS {
        // Plain yrs: decode and apply each.
        let t = Instant::now();
        let plain = doc();
        for u in &updates {
            plain.transact_mut().apply_update(Update::decode_v1(u)?)?;
        }
        plain_ms.push(t.elapsed().as_secs_f64() * 1000.0);
        anyhow::ensure!(plain.get_or_insert_text(TEXT).get_string(&plain.transact()) == end);

        // The server's path: a new notepad of a cycle; each message read, its update queued, stored
        // with those waiting, applied, relayed to another client.
        let n = store::create(db, org, cycle, &format!("Banc {round}"), &text::template(&[]))
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        let room = crate::notepad::room::rooms(db).open(db, n.id).await.map_err(|e| anyhow::anyhow!("{e}"))?;
        let mut relayed = room::subscribe(&room);
        let listener = tokio::spawn(async move {
            let mut n = 0usize;
            while let Ok((_, m)) = relayed.recv().await {
                n += m.len();
            }
            n
        });
        let author: std::sync::Arc<str> = "banc".into();
        let (errors, mut failed) = tokio::sync::mpsc::unbounded_channel();
        let t = Instant::now();
        for m in &messages {
            room::receive(&room, 1, m, &author, &errors).await.map_err(|e| anyhow::anyhow!(e))?;
        }
        room.flush().await;
        server_ms.push(t.elapsed().as_secs_f64() * 1000.0);
        if let Ok(e) = failed.try_recv() {
            anyhow::bail!("the server refused an update: {e}");
        }
        let rows: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM notepad_updates WHERE notepad_id = $1")
            .bind(n.id)
            .fetch_one(&db.pool)
            .await?;
        let got = room.doc().get_or_insert_text(TEXT).get_string(&room.doc().transact());
        anyhow::ensure!(got == end, "the server's document differs from the trace's end");
        drop(room);
        crate::notepad::room::rooms(db).clear();
        let relayed_bytes = listener.await.unwrap_or(0);
        println!(
            "tour {round} : yrs seul {:.0} ms, serveur {:.0} ms ({} messages, {rows} écritures en base, {relayed_bytes} octets diffusés)",
            plain_ms[plain_ms.len() - 1],
            server_ms[server_ms.len() - 1],
            messages.len()
        );
    }
    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let (plain, server) = (median(&mut plain_ms), median(&mut server_ms));
    println!(
        "médianes sur {ROUNDS} tours — yrs seul : {plain:.0} ms ; chemin du serveur (lecture, file, enregistrement, application, diffusion) : {server:.0} ms ; rapport {:.2}",
        server / plain
    );
    Ok(())
}

const ROUNDS: usize = 5;

/// `acunum bench-notepad-setup --count N`: the demo data, N notepads in its first cycle and an API
/// token of its coordinator, printed as JSON for the load generator (`bench/notepad_load.mjs`).
pub async fn setup(db: &Db, count: usize) -> anyhow::Result<()> {
    crate::demo::load(db).await.map_err(|e| anyhow::anyhow!("{e}"))?;
    let (org, cycle): (i64, i64) =
        sqlx::query_as("SELECT org_id, id FROM cycles ORDER BY id LIMIT 1").fetch_one(&db.pool).await?;
    let user = crate::auth::store::user_by_email(db, "coordination@demo.acunum.fr")
        .await?
        .ok_or_else(|| anyhow::anyhow!("the demo coordinator is missing"))?;
    let token = crate::auth::random_token();
    crate::auth::store::create_token(db, user.id, "banc", &token).await?;
    let mut rooms = Vec::with_capacity(count);
    for i in 0..count {
        let n = store::create(db, org, cycle, &format!("Banc {i}"), &text::template(&[]))
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        rooms.push(n.id);
    }
    println!("{}", serde_json::json!({"token": token, "rooms": rooms}));
    Ok(())
}
