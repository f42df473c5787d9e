//! Short-lived in-process caches of what nearly every request reads: the session record, the user
//! behind it, the user behind an API token, an organisation's name.
//!
//! The database stays the truth: entries live a few seconds ([`TTL`]), and every write made by this
//! process updates or drops the entry at once. Another process behind the same load balancer sees a
//! logout, a password change or a deactivation at most [`TTL`] later.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How long an entry is trusted.
pub const TTL: Duration = Duration::from_secs(5);
/// Beyond this many entries a map is emptied (a crude but bounded policy).
const MAX_ENTRIES: usize = 20_000;

/// A map whose entries expire.
pub struct TtlMap<K, V> {
    inner: Mutex<HashMap<K, (Instant, V)>>,
    ttl: Duration,
}

impl<K: Eq + Hash, V: Clone> TtlMap<K, V> {
    pub fn new(ttl: Duration) -> Self {
        TtlMap { inner: Mutex::new(HashMap::new()), ttl }
    }

    pub fn get(&self, key: &K) -> Option<V> {
        let map = self.inner.lock().ok()?;
        map.get(key).filter(|(at, _)| at.elapsed() < self.ttl).map(|(_, v)| v.clone())
    }

    pub fn put(&self, key: K, value: V) {
        if let Ok(mut map) = self.inner.lock() {
            if map.len() >= MAX_ENTRIES {
                map.clear();
            }
            map.insert(key, (Instant::now(), value));
        }
    }

    pub fn remove(&self, key: &K) {
        if let Ok(mut map) = self.inner.lock() {
            map.remove(key);
        }
    }

    pub fn clear(&self) {
        if let Ok(mut map) = self.inner.lock() {
            map.clear();
        }
    }
}

/// The caches of one database handle.
pub struct Caches {
    pub users: TtlMap<i64, crate::auth::User>,
    pub tokens: TtlMap<String, i64>,
    pub org_names: TtlMap<i64, String>,
    pub sessions: TtlMap<String, tower_sessions::session::Record>,
    /// Each organisation's in-memory index of places, with the revision it was built at.
    pub places: Mutex<HashMap<i64, std::sync::Arc<crate::places::index::PlaceIndex>>>,
    /// One loader at a time per handle (a 1M-row index is built once, not by every request).
    pub places_loading: tokio::sync::Mutex<()>,
    /// The notepads open in this process.
    pub notepads: crate::notepad::room::Rooms,
}

impl Default for Caches {
    fn default() -> Self {
        Caches {
            users: TtlMap::new(TTL),
            tokens: TtlMap::new(TTL),
            org_names: TtlMap::new(TTL),
            sessions: TtlMap::new(TTL),
            places: Mutex::new(HashMap::new()),
            places_loading: tokio::sync::Mutex::new(()),
            notepads: Default::default(),
        }
    }
}

impl std::fmt::Debug for Caches {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Caches")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_expire_and_can_be_dropped() {
        let m = TtlMap::new(Duration::from_millis(30));
        m.put(1, "a");
        assert_eq!(m.get(&1), Some("a"));
        m.remove(&1);
        assert_eq!(m.get(&1), None);
        m.put(2, "b");
        std::thread::sleep(Duration::from_millis(40));
        assert_eq!(m.get(&2), None);
    }
}
