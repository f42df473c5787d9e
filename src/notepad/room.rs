//! One in-memory document per open notepad, and the y-websocket protocol on an axum websocket:
//! sync step 1 and 2, updates (stored, then applied, then relayed), awareness (who is there, where
//! they type). Bad messages close the connection with a reason; the document is left untouched.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::ws::{CloseFrame, Message as WsMessage, WebSocket};
use tokio::sync::broadcast;
use yrs::sync::awareness::AwarenessUpdate;
use yrs::sync::{Awareness, Message, SyncMessage};
use yrs::updates::decoder::Decode;
use yrs::updates::encoder::Encode;
use yrs::{Doc, ReadTxn, StateVector, Transact, Update};

use super::{COMPACT_EVERY, MAX_DOCUMENT_BYTES, MAX_MESSAGE_BYTES, MAX_MESSAGES_PER_SECOND, store};
use crate::db::Db;
use crate::error::AppError;

static CONNECTIONS: AtomicU64 = AtomicU64::new(1);

pub struct Room {
    pub notepad: i64,
    awareness: Mutex<Awareness>,
    /// (sender connection, encoded message) to every connection of the room.
    tx: broadcast::Sender<(u64, Arc<Vec<u8>>)>,
    /// Storing and applying an update happen in one order for the room.
    write: tokio::sync::Mutex<WriteState>,
    connections: Mutex<usize>,
}

struct WriteState {
    /// The last stored update's id, and how many are stored since the snapshot.
    last_id: i64,
    since_snapshot: i64,
    /// The encoded document's size at load plus every update since: an upper bound of its size.
    bytes: usize,
    /// The last update folded into the snapshot (the rows before it are in the document).
    compacted: i64,
}

/// The rooms of a database handle.
pub struct Rooms {
    map: Mutex<HashMap<i64, Arc<Room>>>,
    loading: tokio::sync::Mutex<()>,
    /// This process's name among the instances sharing a PostgreSQL database.
    instance: u64,
    listening: std::sync::atomic::AtomicBool,
}

impl Default for Rooms {
    fn default() -> Self {
        Rooms {
            map: Mutex::new(HashMap::new()),
            loading: tokio::sync::Mutex::new(()),
            instance: rand::random::<u64>() >> 12,
            listening: std::sync::atomic::AtomicBool::new(false),
        }
    }
}

fn doc_from(snapshot: Option<Vec<u8>>, updates: &[(i64, Vec<u8>)]) -> Result<Doc, AppError> {
    let doc = Doc::new();
    {
        let mut txn = doc.transact_mut();
        for data in snapshot.iter().chain(updates.iter().map(|(_, d)| d)) {
            let u = Update::decode_v1(data).map_err(|e| AppError::Internal(anyhow::anyhow!("notepad update: {e}")))?;
            txn.apply_update(u).map_err(|e| AppError::Internal(anyhow::anyhow!("notepad update: {e}")))?;
        }
    }
    Ok(doc)
}

/// The stored document of a notepad (for exports, links and history).
pub async fn load_doc(db: &Db, notepad: i64) -> Result<Doc, AppError> {
    if let Some(room) = db.cache.notepads.map.lock().ok().and_then(|m| m.get(&notepad).cloned()) {
        let state = room.state();
        return doc_from(Some(state), &[]);
    }
    let (snap, updates) = store::load(db, notepad).await?;
    doc_from(snap, &updates)
}

impl Room {
    /// The whole document, encoded.
    pub fn state(&self) -> Vec<u8> {
        let a = self.awareness.lock().unwrap_or_else(|p| p.into_inner());
        a.doc().transact().encode_state_as_update_v1(&StateVector::default())
    }

    pub fn doc(&self) -> Doc {
        let a = self.awareness.lock().unwrap_or_else(|p| p.into_inner());
        a.doc().clone()
    }

    /// Stores, applies and relays an update from connection `from` (0: the server itself).
    pub async fn apply(&self, db: &Db, from: u64, data: Vec<u8>, author: &str) -> Result<(), String> {
        let update = Update::decode_v1(&data).map_err(|_| "mise à jour illisible".to_string())?;
        let data_len = data.len();
        let mut w = self.write.lock().await;
        if w.bytes + data.len() > MAX_DOCUMENT_BYTES {
            return Err("le bloc-notes a atteint sa taille maximale".into());
        }
        let id = store::append(db, self.notepad, &data, author)
            .await
            .map_err(|_| "enregistrement impossible".to_string())?;
        if db.is_postgres() {
            // The other instances that have this notepad open fetch the update and relay it.
            let payload = format!("{}:{}:{id}", db.cache.notepads.instance, self.notepad);
            if let Err(e) = store::notify(db, &payload).await {
                tracing::warn!(error = %e, "notepad: notify failed");
            }
        }
        {
            let a = self.awareness.lock().unwrap_or_else(|p| p.into_inner());
            let mut txn = a.doc().transact_mut();
            txn.apply_update(update).map_err(|_| "mise à jour inapplicable".to_string())?;
        }
        w.last_id = id;
        w.since_snapshot += 1;
        w.bytes += data_len;
        let msg = Message::Sync(SyncMessage::Update(data)).encode_v1();
        let _ = self.tx.send((from, Arc::new(msg)));
        if w.since_snapshot >= COMPACT_EVERY {
            self.compact_locked(db, &mut w).await;
        }
        Ok(())
    }

    async fn compact_now(&self, db: &Db) {
        let mut w = self.write.lock().await;
        if w.since_snapshot > 0 {
            self.compact_locked(db, &mut w).await;
        }
    }

    /// Folds every stored update (this instance's and the others') into the document, then into
    /// the snapshot.
    async fn compact_locked(&self, db: &Db, w: &mut WriteState) {
        // Only what came after the last compaction: the rest is in the document already.
        let Ok(updates) = store::updates_after(db, self.notepad, w.compacted).await else { return };
        let upto = updates.last().map(|u| u.0).unwrap_or(w.last_id);
        {
            let a = self.awareness.lock().unwrap_or_else(|p| p.into_inner());
            let mut txn = a.doc().transact_mut();
            for (_, data) in &updates {
                if let Ok(u) = Update::decode_v1(data) {
                    let _ = txn.apply_update(u);
                }
            }
        }
        let state = self.state();
        if store::compact(db, self.notepad, &state, upto, crate::db::now() - 30).await.is_ok() {
            w.since_snapshot = 0;
            w.bytes = state.len();
            w.compacted = upto;
        }
    }

    /// An update another instance stored: applied here and relayed to this instance's clients.
    async fn apply_remote(&self, db: &Db, update_id: i64) {
        match store::update(db, update_id).await {
            Ok(Some(d)) => self.merge(vec![d]),
            // Already folded into the snapshot: take the whole stored document.
            Ok(None) => self.catch_up(db).await,
            Err(_) => {}
        }
    }

    /// Merges the whole stored document (what other instances stored while this one was not
    /// listening) and relays what was new.
    async fn catch_up(&self, db: &Db) {
        if let Ok((snap, updates)) = store::load(db, self.notepad).await {
            self.merge(snap.into_iter().chain(updates.into_iter().map(|u| u.1)).collect());
        }
    }

    fn merge(&self, data: Vec<Vec<u8>>) {
        for d in data {
            let Ok(u) = Update::decode_v1(&d) else { continue };
            let diff = {
                let a = self.awareness.lock().unwrap_or_else(|p| p.into_inner());
                let before = a.doc().transact().state_vector();
                {
                    let mut txn = a.doc().transact_mut();
                    if txn.apply_update(u).is_err() {
                        continue;
                    }
                }
                a.doc().transact().encode_state_as_update_v1(&before)
            };
            if diff.len() > 2 {
                let msg = Message::Sync(SyncMessage::Update(diff)).encode_v1();
                let _ = self.tx.send((0, Arc::new(msg)));
            }
        }
    }
}

impl Rooms {
    /// The notepad's room, loaded from the database when nobody has it open.
    pub async fn open(&self, db: &Db, notepad: i64) -> Result<Arc<Room>, AppError> {
        if db.is_postgres() && !self.listening.swap(true, Ordering::SeqCst) {
            spawn_listener(db.clone());
        }
        if let Some(r) = self.map.lock().ok().and_then(|m| m.get(&notepad).cloned()) {
            return Ok(r);
        }
        let _g = self.loading.lock().await;
        if let Some(r) = self.map.lock().ok().and_then(|m| m.get(&notepad).cloned()) {
            return Ok(r);
        }
        let (snap, updates) = store::load(db, notepad).await?;
        let last_id = updates.last().map(|u| u.0).unwrap_or(0);
        let since = updates.len() as i64;
        let doc = doc_from(snap, &updates)?;
        let bytes = doc.transact().encode_state_as_update_v1(&StateVector::default()).len();
        let (tx, _) = broadcast::channel(1024);
        let room = Arc::new(Room {
            notepad,
            awareness: Mutex::new(Awareness::new(doc)),
            tx,
            write: tokio::sync::Mutex::new(WriteState { last_id, since_snapshot: since, bytes, compacted: last_id }),
            connections: Mutex::new(0),
        });
        if let Ok(mut m) = self.map.lock() {
            m.insert(notepad, room.clone());
        }
        Ok(room)
    }

    /// Number of rooms in memory.
    pub fn len(&self) -> usize {
        self.map.lock().map(|m| m.len()).unwrap_or(0)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Saves and unloads a room that no connection uses (after an edit made by the server).
    pub async fn release_if_idle(&self, db: &Db, room: &Arc<Room>) {
        if *room.connections.lock().unwrap_or_else(|p| p.into_inner()) == 0 {
            room.compact_now(db).await;
            if *room.connections.lock().unwrap_or_else(|p| p.into_inner()) == 0
                && let Ok(mut m) = self.map.lock()
            {
                m.remove(&room.notepad);
            }
        }
    }

    async fn leave(&self, db: &Db, room: &Arc<Room>) {
        let last = {
            let mut c = room.connections.lock().unwrap_or_else(|p| p.into_inner());
            *c -= 1;
            *c == 0
        };
        if last {
            room.compact_now(db).await;
            // Unloaded unless someone joined meanwhile.
            let still_empty = *room.connections.lock().unwrap_or_else(|p| p.into_inner()) == 0;
            if still_empty && let Ok(mut m) = self.map.lock() {
                m.remove(&room.notepad);
            }
        }
    }
}

/// Follows the other instances' updates (PostgreSQL LISTEN/NOTIFY) for the rooms open here.
fn spawn_listener(db: Db) {
    tokio::spawn(async move {
        loop {
            let listener = async {
                let mut l = sqlx::postgres::PgListener::connect(&db.url).await?;
                l.listen("acunum_notepads").await?;
                tracing::debug!("notepad listener ready");
                // What was stored before this listener was there.
                let rooms: Vec<Arc<Room>> =
                    db.cache.notepads.map.lock().map(|m| m.values().cloned().collect()).unwrap_or_default();
                for room in rooms {
                    room.catch_up(&db).await;
                }
                loop {
                    let n = l.recv().await?;
                    tracing::debug!(payload = n.payload(), "notepad notification");
                    let mut parts = n.payload().split(':');
                    let (Some(instance), Some(notepad), Some(id)) = (parts.next(), parts.next(), parts.next()) else {
                        continue;
                    };
                    if instance.parse::<u64>().ok() == Some(db.cache.notepads.instance) {
                        continue;
                    }
                    let (Ok(notepad), Ok(id)) = (notepad.parse::<i64>(), id.parse::<i64>()) else { continue };
                    let room = db.cache.notepads.map.lock().ok().and_then(|m| m.get(&notepad).cloned());
                    if let Some(room) = room {
                        room.apply_remote(&db, id).await;
                    }
                }
                #[allow(unreachable_code)]
                Ok::<(), sqlx::Error>(())
            };
            if let Err(e) = listener.await {
                tracing::warn!(error = %e, "notepad listener: reconnecting");
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    });
}

fn close(code: u16, reason: &str) -> WsMessage {
    WsMessage::Close(Some(CloseFrame { code, reason: reason.to_string().into() }))
}

/// Serves one websocket connection of a room until it closes.
pub async fn serve(mut socket: WebSocket, db: Db, room: Arc<Room>, author: String, read_only: bool) {
    let me = CONNECTIONS.fetch_add(1, Ordering::Relaxed);
    *room.connections.lock().unwrap_or_else(|p| p.into_inner()) += 1;
    let mut rx = room.tx.subscribe();
    let mut my_clients: HashSet<yrs::block::ClientID> = HashSet::new();
    // Sync step 1 from the server, and who is already there.
    let (step1, aw) = {
        let a = room.awareness.lock().unwrap_or_else(|p| p.into_inner());
        let sv = a.doc().transact().state_vector();
        let aw = a.update().ok().filter(|u| !u.clients.is_empty()).map(|u| Message::Awareness(u).encode_v1());
        (Message::Sync(SyncMessage::SyncStep1(sv)).encode_v1(), aw)
    };
    let mut ok = socket.send(WsMessage::Binary(step1.into())).await.is_ok();
    if let Some(aw) = aw {
        ok = ok && socket.send(WsMessage::Binary(aw.into())).await.is_ok();
    }
    let mut window = Instant::now();
    let mut count = 0u32;
    while ok {
        tokio::select! {
            incoming = socket.recv() => {
                let Some(Ok(msg)) = incoming else { break };
                let data = match msg {
                    WsMessage::Binary(b) => b,
                    WsMessage::Close(_) => break,
                    WsMessage::Ping(_) | WsMessage::Pong(_) => continue,
                    WsMessage::Text(_) => {
                        let _ = socket.send(close(1003, "messages binaires attendus")).await;
                        break;
                    }
                };
                if window.elapsed() > Duration::from_secs(1) {
                    window = Instant::now();
                    count = 0;
                }
                count += 1;
                if count > MAX_MESSAGES_PER_SECOND {
                    let _ = socket.send(close(1008, "trop de messages")).await;
                    break;
                }
                if data.len() > MAX_MESSAGE_BYTES {
                    let _ = socket.send(close(1009, "message trop grand")).await;
                    break;
                }
                match handle(&db, &room, me, &data, &author, read_only, &mut my_clients).await {
                    Ok(replies) => {
                        for r in replies {
                            if socket.send(WsMessage::Binary(r.into())).await.is_err() {
                                ok = false;
                                break;
                            }
                        }
                    }
                    Err(reason) => {
                        tracing::debug!(notepad = room.notepad, reason, "notepad: connection closed");
                        let _ = socket.send(close(1007, &reason)).await;
                        break;
                    }
                }
            }
            relayed = rx.recv() => {
                match relayed {
                    Ok((from, msg)) if from != me => {
                        if socket.send(WsMessage::Binary(msg.to_vec().into())).await.is_err() {
                            break;
                        }
                    }
                    Ok(_) => {}
                    // Too slow to follow: resync from scratch.
                    Err(broadcast::error::RecvError::Lagged(_)) => {
                        let _ = socket.send(close(1013, "connexion trop lente, reconnectez-vous")).await;
                        break;
                    }
                    Err(broadcast::error::RecvError::Closed) => break,
                }
            }
        }
    }
    // This connection's people leave the room's awareness.
    if !my_clients.is_empty() {
        let msg = {
            let mut a = room.awareness.lock().unwrap_or_else(|p| p.into_inner());
            for c in &my_clients {
                a.remove_state(*c);
            }
            a.update_with_clients(my_clients.iter().copied()).ok().map(|u| Message::Awareness(u).encode_v1())
        };
        if let Some(m) = msg {
            let _ = room.tx.send((me, Arc::new(m)));
        }
    }
    db.cache.notepads.leave(&db, &room).await;
}

async fn handle(
    db: &Db,
    room: &Arc<Room>,
    me: u64,
    data: &[u8],
    author: &str,
    read_only: bool,
    my_clients: &mut HashSet<yrs::block::ClientID>,
) -> Result<Vec<Vec<u8>>, String> {
    let msg = Message::decode_v1(data).map_err(|_| "message illisible".to_string())?;
    match msg {
        Message::Sync(SyncMessage::SyncStep1(sv)) => {
            let a = room.awareness.lock().unwrap_or_else(|p| p.into_inner());
            let diff = a.doc().transact().encode_state_as_update_v1(&sv);
            Ok(vec![Message::Sync(SyncMessage::SyncStep2(diff)).encode_v1()])
        }
        Message::Sync(SyncMessage::SyncStep2(u)) | Message::Sync(SyncMessage::Update(u)) => {
            if read_only {
                return Ok(Vec::new());
            }
            // An empty update (a client with nothing new) changes nothing and is not stored.
            if u.len() <= 2 {
                Update::decode_v1(&u).map_err(|_| "mise à jour illisible".to_string())?;
                return Ok(Vec::new());
            }
            room.apply(db, me, u, author).await?;
            Ok(Vec::new())
        }
        Message::Awareness(update) => {
            if read_only {
                return Ok(Vec::new());
            }
            let ids: Vec<yrs::block::ClientID> = update.clients.keys().copied().collect();
            let encoded = Message::Awareness(update.clone()).encode_v1();
            {
                let mut a = room.awareness.lock().unwrap_or_else(|p| p.into_inner());
                a.apply_update(update).map_err(|_| "présence illisible".to_string())?;
            }
            my_clients.extend(ids);
            let _ = room.tx.send((me, Arc::new(encoded)));
            Ok(Vec::new())
        }
        Message::AwarenessQuery => {
            let a = room.awareness.lock().unwrap_or_else(|p| p.into_inner());
            Ok(a.update().ok().map(|u: AwarenessUpdate| vec![Message::Awareness(u).encode_v1()]).unwrap_or_default())
        }
        Message::Auth(_) | Message::Custom(..) => Ok(Vec::new()),
    }
}
