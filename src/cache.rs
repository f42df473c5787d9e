//! Short-lived in-process caches of what nearly every request reads: the session record, the user
//! behind it, the user behind an API token, an organisation's name.
//!
//! The database stays the truth: entries live a few seconds ([`TTL`]), and every write made by this
//! process updates or drops the entry at once. Another process behind the same load balancer sees a
//! logout, a password change or a deactivation at most [`TTL`] later.

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Arc, Mutex};
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

/// The caches of one database handle: each concept puts its own on the shelf (the accounts'
/// users, tokens and sessions, the organisations' names, the notepads open in this process, the
/// indexes of places), so this module, low in the house, names none of them.
#[derive(Default)]
pub struct Caches {
    pub shelf: Shelf,
}

/// One value of each type, made on first use and shared afterwards.
#[derive(Default)]
pub struct Shelf {
    items: Mutex<HashMap<TypeId, Arc<dyn Any + Send + Sync>>>,
}

impl Shelf {
    /// The value of type `T` on this shelf, made with `T::default()` the first time.
    pub fn get<T: Any + Default + Send + Sync>(&self) -> Arc<T> {
        let mut items = self.items.lock().unwrap_or_else(|p| p.into_inner());
        let item = items.entry(TypeId::of::<T>()).or_insert_with(|| Arc::new(T::default())).clone();
        drop(items);
        // The entry of `TypeId::of::<T>()` always holds a `T`.
        item.downcast::<T>().unwrap_or_else(|_| Arc::new(T::default()))
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

    #[test]
    fn a_shelf_keeps_one_value_per_type() {
        let shelf = Shelf::default();
        shelf.get::<Mutex<Vec<u8>>>().lock().unwrap().push(7);
        assert_eq!(*shelf.get::<Mutex<Vec<u8>>>().lock().unwrap(), vec![7]);
        assert_eq!(shelf.get::<Mutex<String>>().lock().unwrap().as_str(), "");
    }
}
