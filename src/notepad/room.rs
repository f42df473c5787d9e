//! One in-memory document per open notepad, and the y-websocket protocol on an axum websocket:
//! sync step 1 and 2, updates (stored, then applied, then relayed), awareness (who is there, where
//! they type). Bad messages close the connection with a reason; the document is left untouched.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::ws::{CloseFrame, Message as WsMessage, WebSocket};
use tokio::sync::{broadcast, mpsc, oneshot};
use yrs::sync::awareness::AwarenessUpdate;
use yrs::sync::{Awareness, Message, SyncMessage};
use yrs::updates::decoder::Decode;
use yrs::updates::encoder::Encode;
use yrs::{Doc, ReadTxn, StateVector, Transact, Update};

use super::text::{decode_update, doc_of};
use super::{COMPACT_EVERY, MAX_DOCUMENT_BYTES, MAX_MESSAGE_BYTES, REVISION_EVERY_SECONDS, store};
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
    /// The updates waiting for the room's writer.
    queue: mpsc::Sender<Pending>,
    /// Held by the writer from applying a batch until it is stored: whoever reads the document
    /// for someone else (a sync, an export) waits.
    gate: tokio::sync::RwLock<()>,
}

/// When a compaction keeps a revision.
#[derive(Clone, Copy, Debug)]
pub enum Revision<'a> {
    /// When the previous one is [`REVISION_EVERY_SECONDS`] old and someone wrote since.
    Periodic,
    /// When someone wrote since the previous one (the last person leaves).
    Leaving,
    /// Always, with this note.
    Now(&'a str),
}

/// An update waiting to be stored, or (None) a marker that everything before it is.
struct Pending {
    from: u64,
    /// The update, decoded, and its size as received.
    update: Option<Update>,
    len: usize,
    author: Arc<str>,
    reply: Reply,
}

enum Reply {
    Once(oneshot::Sender<Result<(), String>>),
    Conn(mpsc::UnboundedSender<String>),
}

impl Reply {
    fn send(self, r: Result<(), String>) {
        match (self, r) {
            (Reply::Once(tx), r) => {
                let _ = tx.send(r);
            }
            (Reply::Conn(tx), Err(e)) => {
                let _ = tx.send(e);
            }
            (Reply::Conn(_), Ok(())) => {}
        }
    }
}

/// The sender of the relay that tells every connection to close: the room could not store.
const BROKEN: u64 = u64::MAX;

/// Updates queued for a room's writer before a connection waits.
const QUEUE: usize = 8192;
/// Updates stored together at most.
const BATCH: usize = 1024;

struct WriteState {
    /// The last stored update's id, and how many are stored since the snapshot.
    last_id: i64,
    since_snapshot: i64,
    /// The encoded document's size at load plus every update since: an upper bound of its size.
    bytes: usize,
    /// The last update folded into the snapshot (the rows before it are in the document).
    compacted: i64,
    /// Who wrote since the last revision, and when it was kept.
    authors: std::collections::BTreeSet<String>,
    revision_at: i64,
    /// The text of the last revision kept by this room (as HTML).
    revision_shown: Option<String>,
}

/// The rooms of a database handle.
pub struct Rooms {
    map: Mutex<HashMap<i64, Arc<Room>>>,
    loading: tokio::sync::Mutex<()>,
    /// This process's name among the instances sharing a PostgreSQL database.
    instance: u64,
    listening: std::sync::atomic::AtomicBool,
    /// The writer of the rooms' updates (started on first use).
    writer: std::sync::OnceLock<mpsc::Sender<store::QueuedRow>>,
}

impl Default for Rooms {
    fn default() -> Self {
        Rooms {
            map: Mutex::new(HashMap::new()),
            loading: tokio::sync::Mutex::new(()),
            instance: rand::random::<u64>() >> 12,
            listening: std::sync::atomic::AtomicBool::new(false),
            writer: std::sync::OnceLock::new(),
        }
    }
}

/// The notepads open in this process, kept beside the database handle.
pub fn rooms(db: &Db) -> Arc<Rooms> {
    db.cache.shelf.get::<Rooms>()
}

fn doc_from(snapshot: Option<Vec<u8>>, updates: &[(i64, Vec<u8>)]) -> Result<Doc, AppError> {
    let all: Vec<&[u8]> = snapshot.iter().map(Vec::as_slice).chain(updates.iter().map(|(_, d)| d.as_slice())).collect();
    doc_of(&all)
}

/// Reads a message of the y-websocket protocol, with the same care as [`decode_update`].
fn decode_message(data: &[u8]) -> Result<Message, String> {
    std::panic::catch_unwind(|| Message::decode_v1(data))
        .map_err(|_| "message illisible".to_string())?
        .map_err(|_| "message illisible".to_string())
}

/// The stored document of a notepad (for exports, links and history).
pub async fn load_doc(db: &Db, notepad: i64) -> Result<Doc, AppError> {
    let open = rooms(db).map.lock().ok().and_then(|m| m.get(&notepad).cloned());
    if let Some(room) = open {
        let _stored = room.gate.read().await;
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

    /// A copy of the document for an edit made by the server (its update is then applied like
    /// a client's).
    pub async fn copy(&self) -> Result<Doc, AppError> {
        let _stored = self.gate.read().await;
        doc_of(&[&self.state()])
    }

    pub fn doc(&self) -> Doc {
        let a = self.awareness.lock().unwrap_or_else(|p| p.into_inner());
        a.doc().clone()
    }

    /// Stores, applies and relays an update from connection `from` (0: the server itself), and
    /// waits until it is done.
    pub async fn apply(&self, from: u64, data: Vec<u8>, author: &str) -> Result<(), String> {
        let update = decode_update(&data)?;
        let (tx, rx) = oneshot::channel();
        let len = data.len();
        self.enqueue(Pending { from, update: Some(update), len, author: author.into(), reply: Reply::Once(tx) })
            .await?;
        rx.await.map_err(|_| "enregistrement interrompu".to_string())?
    }

    /// Queues an update of a connection: it is stored, applied and relayed in order, with the
    /// others queued meanwhile (one write for all); a failure is sent to `errors`.
    async fn submit(
        &self,
        from: u64,
        data: &[u8],
        author: &Arc<str>,
        errors: &mpsc::UnboundedSender<String>,
    ) -> Result<(), String> {
        let update = decode_update(data)?;
        self.enqueue(Pending {
            from,
            update: Some(update),
            len: data.len(),
            author: author.clone(),
            reply: Reply::Conn(errors.clone()),
        })
        .await
    }

    /// Waits until every update queued before is stored and applied.
    pub async fn flush(&self) {
        let (tx, rx) = oneshot::channel();
        if self
            .enqueue(Pending { from: 0, update: None, len: 0, author: "".into(), reply: Reply::Once(tx) })
            .await
            .is_ok()
        {
            let _ = rx.await;
        }
    }

    async fn enqueue(&self, p: Pending) -> Result<(), String> {
        self.queue.send(p).await.map_err(|_| "bloc-notes fermé".to_string())
    }

    /// Applies a batch of queued updates in one transaction, stores what it changed as one row,
    /// then relays it: an update reaches the others only once it is stored, and nobody reads the
    /// document between the apply and the store (the gate).
    async fn write_batch(&self, db: &Db, batch: Vec<Pending>) {
        let mut w = self.write.lock().await;
        let mut accepted: Vec<Pending> = Vec::with_capacity(batch.len());
        let mut barriers: Vec<Pending> = Vec::new();
        let gate = self.gate.write().await;
        let mut bytes = w.bytes;
        let data = {
            let a = self.awareness.lock().unwrap_or_else(|p| p.into_inner());
            let mut txn = a.doc().transact_mut();
            for mut p in batch {
                match p.update.take() {
                    None => barriers.push(p),
                    Some(_) if bytes + p.len > MAX_DOCUMENT_BYTES => {
                        p.reply.send(Err("le bloc-notes a atteint sa taille maximale".into()))
                    }
                    Some(u) => match txn.apply_update(u) {
                        Ok(()) => {
                            bytes += p.len;
                            accepted.push(p);
                        }
                        Err(_) => p.reply.send(Err("mise à jour inapplicable".into())),
                    },
                }
            }
            txn.encode_update_v1()
        };
        // Nothing new (a client sending again what the document has): nothing to store.
        let result = if data.len() <= 2 || accepted.is_empty() {
            Ok(())
        } else {
            let mut authors: Vec<&str> = accepted.iter().map(|p| &*p.author).filter(|a| !a.is_empty()).collect();
            authors.sort_unstable();
            authors.dedup();
            match rooms(db).store(db, self.notepad, &data, authors.join(", ")).await {
                Ok(id) => {
                    drop(gate);
                    w.last_id = id;
                    w.since_snapshot += 1;
                    w.bytes = bytes;
                    w.authors.extend(accepted.iter().map(|p| p.author.to_string()).filter(|a| !a.is_empty()));
                    // Back to the sender too when the batch mixes connections: Yjs ignores what it has.
                    let first = accepted[0].from;
                    let sender = if accepted.iter().all(|p| p.from == first) { first } else { 0 };
                    let msg = Message::Sync(SyncMessage::Update(data)).encode_v1();
                    let _ = self.tx.send((sender, Arc::new(msg)));
                    Ok(())
                }
                Err(e) => {
                    // The document holds what could not be stored: it is dropped, everyone reconnects
                    // and syncs again from what is stored (their clients send back what is missing).
                    tracing::error!(notepad = self.notepad, error = %e, "notepad: an update could not be stored");
                    if let Ok(mut m) = rooms(db).map.lock()
                        && m.get(&self.notepad).is_some_and(|r| std::ptr::eq(Arc::as_ptr(r), self))
                    {
                        m.remove(&self.notepad);
                    }
                    let _ = self.tx.send((BROKEN, Arc::new(Vec::new())));
                    drop(gate);
                    Err("enregistrement impossible".to_string())
                }
            }
        };
        for p in accepted {
            p.reply.send(result.clone());
        }
        if result.is_ok() {
            let revision_due = !w.authors.is_empty() && crate::db::now() - w.revision_at >= REVISION_EVERY_SECONDS;
            if w.since_snapshot >= COMPACT_EVERY || revision_due {
                self.compact_locked(db, &mut w, Revision::Periodic).await;
            }
        }
        for b in barriers {
            b.reply.send(Ok(()));
        }
    }

    /// Folds what is stored into the snapshot; `revision` says whether a revision is kept too.
    pub async fn compact_now(&self, db: &Db, revision: Revision<'_>) {
        let mut w = self.write.lock().await;
        if w.since_snapshot > 0 || matches!(revision, Revision::Now(_)) {
            self.compact_locked(db, &mut w, revision).await;
        }
    }

    /// Folds every stored update (this instance's and the others') into the document, then into
    /// the snapshot, and keeps a revision when it is time to.
    async fn compact_locked(&self, db: &Db, w: &mut WriteState, revision: Revision<'_>) {
        // Only what came after the last compaction: the rest is in the document already.
        let Ok(updates) = store::updates_after(db, self.notepad, w.compacted).await else { return };
        let upto = updates.last().map(|u| u.0).unwrap_or(w.last_id);
        {
            let a = self.awareness.lock().unwrap_or_else(|p| p.into_inner());
            let mut txn = a.doc().transact_mut();
            for (_, data) in &updates {
                if let Ok(u) = decode_update(data) {
                    let _ = txn.apply_update(u);
                }
            }
        }
        let state = self.state();
        if w.since_snapshot > 0 && store::compact(db, self.notepad, &state, upto, crate::db::now() - 30).await.is_ok() {
            w.since_snapshot = 0;
            w.bytes = state.len();
            w.compacted = upto;
        }
        let t = crate::db::now();
        let note = match revision {
            Revision::Now(note) => Some(note),
            Revision::Leaving if !w.authors.is_empty() => Some(""),
            Revision::Periodic if !w.authors.is_empty() && t - w.revision_at >= REVISION_EVERY_SECONDS => Some(""),
            _ => None,
        };
        if let Some(note) = note {
            // The text as people see it: a kept version that shows nothing new is not kept again.
            let shown = super::text::html(&self.doc());
            if matches!(revision, Revision::Now(_)) || w.revision_shown.as_deref() != Some(shown.as_str()) {
                let authors = std::mem::take(&mut w.authors).into_iter().collect::<Vec<_>>().join(", ");
                let chars = self.chars();
                if store::add_revision(db, self.notepad, &authors, chars, note, &state).await.is_ok() {
                    w.revision_at = t;
                    w.revision_shown = Some(shown);
                }
            } else {
                w.authors.clear();
            }
        }
    }

    /// The length of the text, in characters.
    fn chars(&self) -> i64 {
        super::text::plain(&self.doc()).chars().count() as i64
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
            let Ok(u) = decode_update(&d) else { continue };
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
        let (queue, rx) = mpsc::channel(QUEUE);
        let revision_at = store::last_revision_at(db, notepad).await?;
        let room = Arc::new(Room {
            notepad,
            awareness: Mutex::new(Awareness::new(doc)),
            tx,
            write: tokio::sync::Mutex::new(WriteState {
                last_id,
                since_snapshot: since,
                bytes,
                compacted: last_id,
                authors: Default::default(),
                revision_at,
                revision_shown: None,
            }),
            connections: Mutex::new(0),
            queue,
            gate: tokio::sync::RwLock::new(()),
        });
        tokio::spawn(writer(db.clone(), Arc::downgrade(&room), rx));
        if let Ok(mut m) = self.map.lock() {
            m.insert(notepad, room.clone());
        }
        Ok(room)
    }

    /// Number of rooms in memory.
    pub fn len(&self) -> usize {
        self.map.lock().map(|m| m.len()).unwrap_or(0)
    }

    /// Stores a room's update: the updates of every room waiting meanwhile go in one statement
    /// (on PostgreSQL the other instances are then told).
    async fn store(&self, db: &Db, notepad: i64, data: &[u8], authors: String) -> Result<i64, AppError> {
        let writer = self.writer.get_or_init(|| {
            let (tx, rx) = mpsc::channel(1024);
            tokio::spawn(store::writer(db.clone(), rx, self.instance));
            tx
        });
        let (reply, done) = oneshot::channel();
        writer
            .send(store::QueuedRow { notepad, data: data.to_vec(), authors, reply })
            .await
            .map_err(|_| AppError::Internal(anyhow::anyhow!("notepad writer stopped")))?;
        done.await.map_err(|_| AppError::Internal(anyhow::anyhow!("notepad writer stopped")))?
    }

    /// Forgets every room (the benchmark's end).
    pub fn clear(&self) {
        if let Ok(mut m) = self.map.lock() {
            m.clear();
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Saves and unloads a room that no connection uses (after an edit made by the server).
    pub async fn release_if_idle(&self, db: &Db, room: &Arc<Room>) {
        if *room.connections.lock().unwrap_or_else(|p| p.into_inner()) == 0 {
            room.flush().await;
            room.compact_now(db, Revision::Leaving).await;
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
            room.flush().await;
            room.compact_now(db, Revision::Leaving).await;
            // Unloaded unless someone joined meanwhile.
            let still_empty = *room.connections.lock().unwrap_or_else(|p| p.into_inner()) == 0;
            if still_empty && let Ok(mut m) = self.map.lock() {
                m.remove(&room.notepad);
            }
        }
    }
}

/// A room's writer: takes the queued updates in order, as many as are waiting, and stores them.
async fn writer(db: Db, room: std::sync::Weak<Room>, mut rx: mpsc::Receiver<Pending>) {
    let mut batch = Vec::with_capacity(BATCH);
    while rx.recv_many(&mut batch, BATCH).await > 0 {
        let Some(room) = room.upgrade() else { break };
        room.write_batch(&db, std::mem::take(&mut batch)).await;
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
                let open: Vec<Arc<Room>> =
                    rooms(&db).map.lock().map(|m| m.values().cloned().collect()).unwrap_or_default();
                for room in open {
                    room.catch_up(&db).await;
                }
                loop {
                    let n = l.recv().await?;
                    tracing::debug!(payload = n.payload(), "notepad notification");
                    let mut parts = n.payload().split(':');
                    let (Some(instance), Some(notepad), Some(id)) = (parts.next(), parts.next(), parts.next()) else {
                        continue;
                    };
                    if instance.parse::<u64>().ok() == Some(rooms(&db).instance) {
                        continue;
                    }
                    let (Ok(notepad), Ok(id)) = (notepad.parse::<i64>(), id.parse::<i64>()) else { continue };
                    let room = rooms(&db).map.lock().ok().and_then(|m| m.get(&notepad).cloned());
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
pub async fn serve(
    mut socket: WebSocket,
    db: Db,
    room: Arc<Room>,
    author: String,
    read_only: bool,
    max_per_second: u32,
) {
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
    let author: Arc<str> = author.into();
    let (errors, mut failed) = mpsc::unbounded_channel::<String>();
    while ok {
        tokio::select! {
            Some(reason) = failed.recv() => {
                tracing::debug!(notepad = room.notepad, reason, "notepad: connection closed");
                let code = if reason.contains("taille maximale") { 1009 } else { 1007 };
                let _ = socket.send(close(code, &reason)).await;
                break;
            }
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
                if count > max_per_second {
                    let _ = socket.send(close(1008, "trop de messages")).await;
                    break;
                }
                if data.len() > MAX_MESSAGE_BYTES {
                    let _ = socket.send(close(1009, "message trop grand")).await;
                    break;
                }
                match handle(&room, me, &data, (&author, &errors), read_only, &mut my_clients).await {
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
                    Ok((BROKEN, _)) => {
                        let _ = socket.send(close(1011, "enregistrement impossible, reconnectez-vous")).await;
                        break;
                    }
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
    rooms(&db).leave(&db, &room).await;
}

/// A client's message through the server's path without the socket (the benchmark's): read,
/// queued, stored with the others waiting, applied, relayed.
pub async fn receive(
    room: &Arc<Room>,
    from: u64,
    message: &[u8],
    author: &Arc<str>,
    errors: &mpsc::UnboundedSender<String>,
) -> Result<(), String> {
    let mut clients = HashSet::new();
    handle(room, from, message, (author, errors), false, &mut clients).await.map(|_| ())
}

/// A lib0 variable-length unsigned integer at the start of `b`: (value, bytes read).
fn var_u32(b: &[u8]) -> Option<(u32, usize)> {
    let mut v: u64 = 0;
    for (i, byte) in b.iter().take(5).enumerate() {
        v |= u64::from(byte & 0x7f) << (7 * i);
        if byte & 0x80 == 0 {
            return u32::try_from(v).ok().map(|v| (v, i + 1));
        }
    }
    None
}

/// A client's update, queued for the room's writer.
async fn update(
    room: &Arc<Room>,
    me: u64,
    u: &[u8],
    (author, errors): (&Arc<str>, &mpsc::UnboundedSender<String>),
) -> Result<Vec<Vec<u8>>, String> {
    // An empty update (a client with nothing new) changes nothing and is not stored.
    if u.len() <= 2 {
        decode_update(u)?;
        return Ok(Vec::new());
    }
    room.submit(me, u, author, errors).await?;
    Ok(Vec::new())
}

/// Subscribes to what a room relays (the benchmark's listening client).
pub fn subscribe(room: &Room) -> broadcast::Receiver<(u64, Arc<Vec<u8>>)> {
    room.tx.subscribe()
}

async fn handle(
    room: &Arc<Room>,
    me: u64,
    data: &[u8],
    (author, errors): (&Arc<str>, &mpsc::UnboundedSender<String>),
    read_only: bool,
    my_clients: &mut HashSet<yrs::block::ClientID>,
) -> Result<Vec<Vec<u8>>, String> {
    // The most frequent message, an update: read in place.
    if let [0, 1 | 2, rest @ ..] = data
        && let Some((len, header)) = var_u32(rest)
        && header + len as usize == rest.len()
    {
        if read_only {
            return Ok(Vec::new());
        }
        return update(room, me, &rest[header..], (author, errors)).await;
    }
    let msg = decode_message(data)?;
    match msg {
        Message::Sync(SyncMessage::SyncStep1(sv)) => {
            let _stored = room.gate.read().await;
            let a = room.awareness.lock().unwrap_or_else(|p| p.into_inner());
            let diff = a.doc().transact().encode_state_as_update_v1(&sv);
            Ok(vec![Message::Sync(SyncMessage::SyncStep2(diff)).encode_v1()])
        }
        Message::Sync(SyncMessage::SyncStep2(u)) | Message::Sync(SyncMessage::Update(u)) => {
            if read_only {
                return Ok(Vec::new());
            }
            update(room, me, &u, (author, errors)).await
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lib0_lengths_are_read_like_the_protocol_writes_them() {
        assert_eq!(var_u32(&[5, 9]), Some((5, 1)));
        assert_eq!(var_u32(&[0x80, 0x01]), Some((128, 2)));
        assert_eq!(var_u32(&[0xff, 0xff, 0xff, 0xff, 0x0f]), Some((u32::MAX, 5)));
        assert_eq!(var_u32(&[0xff, 0xff, 0xff, 0xff, 0xff, 0x01]), None);
        assert_eq!(var_u32(&[0x80]), None);
        // What the fast path reads is what the protocol's encoder writes.
        let update = vec![7u8; 300];
        let msg = Message::Sync(SyncMessage::Update(update.clone())).encode_v1();
        let (len, header) = var_u32(&msg[2..]).unwrap();
        assert_eq!((msg[0], msg[1]), (0, 2));
        assert_eq!(&msg[2 + header..], &update[..]);
        assert_eq!(len as usize, update.len());
    }
}
