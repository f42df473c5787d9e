//! `acunum bench-notepad FILE`: replays an editing trace (Joseph Gentle's format, e.g.
//! `bench/data/sequential_traces_seph-blog1.json.gz` once gunzipped) as per-keystroke remote updates,
//! once into a plain `yrs` document and once through the server's whole path (decode, store in the
//! database, apply, relay), in the same run. See `bench/notepad.sh`.

use std::time::Instant;

use yrs::updates::decoder::Decode;
use yrs::{Doc, GetString, OffsetKind, Options, Text, Transact, Update};

use super::{TEXT, store, text};
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

    // Plain yrs: decode and apply each.
    let t = Instant::now();
    let plain = doc();
    for u in &updates {
        plain.transact_mut().apply_update(Update::decode_v1(u)?)?;
    }
    let plain_s = t.elapsed().as_secs_f64();
    anyhow::ensure!(plain.get_or_insert_text(TEXT).get_string(&plain.transact()) == end);

    // The server's path: a notepad of a cycle, each update stored then applied then relayed.
    crate::demo::load(db).await.map_err(|e| anyhow::anyhow!("{e}"))?;
    let (org, cycle): (i64, i64) =
        sqlx::query_as("SELECT org_id, id FROM cycles ORDER BY id LIMIT 1").fetch_one(&db.pool).await?;
    let n = store::create(db, org, cycle, "Banc", &text::template(&[])).await.map_err(|e| anyhow::anyhow!("{e}"))?;
    let room = db.cache.notepads.open(db, n.id).await.map_err(|e| anyhow::anyhow!("{e}"))?;
    let t = Instant::now();
    for u in &updates {
        room.apply(db, 0, u.clone(), "banc").await.map_err(|e| anyhow::anyhow!(e))?;
    }
    let server_s = t.elapsed().as_secs_f64();
    let got = room.doc().get_or_insert_text(TEXT).get_string(&room.doc().transact());
    anyhow::ensure!(got == end, "the server's document differs from the trace's end");
    println!(
        "yrs seul : {:.0} ms ; chemin du serveur (lecture, enregistrement, application, diffusion) : {:.0} ms ; rapport {:.1}",
        plain_s * 1000.0,
        server_s * 1000.0,
        server_s / plain_s
    );
    Ok(())
}
