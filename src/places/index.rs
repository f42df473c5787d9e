//! The in-memory index of an organisation's places: an R-tree (`rstar`) over points on the unit
//! sphere, so that the nearest places by great-circle distance come first, and the few fields a
//! search filters on. Each instance rebuilds it when an import bumps the organisation's revision.

use std::sync::Arc;

use rstar::RTree;
use rstar::primitives::GeomWithData;
use serde::Serialize;
use sqlx::Row;

use super::communes::fold;
use super::store;
use super::vocabulary::SERVICES;
use crate::db::Db;
use crate::error::AppError;

const EARTH_KM: f64 = 6371.0088;

/// A place as the index keeps it.
pub struct Entry {
    pub id: i64,
    pub point: Option<(f64, f64)>,
    pub nom: Box<str>,
    pub commune: Box<str>,
    pub code_postal: Box<str>,
    pub typologie: Box<str>,
    pub services: u16,
    pub search: Box<str>,
}

pub struct PlaceIndex {
    pub revision: i64,
    pub entries: Vec<Entry>,
    tree: RTree<GeomWithData<[f64; 3], u32>>,
}

/// A point on the unit sphere.
pub fn unit(lat: f64, lon: f64) -> [f64; 3] {
    let (la, lo) = (lat.to_radians(), lon.to_radians());
    [la.cos() * lo.cos(), la.cos() * lo.sin(), la.sin()]
}

/// Great-circle km from a squared chord on the unit sphere.
fn km_of_chord2(d2: f64) -> f64 {
    2.0 * (d2.sqrt() / 2.0).min(1.0).asin() * EARTH_KM
}

fn chord2_of_km(km: f64) -> f64 {
    let c = 2.0 * (km / EARTH_KM / 2.0).min(std::f64::consts::FRAC_PI_2).sin();
    c * c
}

/// Bit of each service of the schema.
pub fn services_mask(list: &str) -> u16 {
    list.split('|').filter_map(|s| SERVICES.iter().position(|x| *x == s.trim())).fold(0, |m, i| m | (1 << i))
}

pub fn services_of(mask: u16) -> Vec<String> {
    SERVICES.iter().enumerate().filter(|(i, _)| mask & (1 << i) != 0).map(|(_, s)| s.to_string()).collect()
}

impl PlaceIndex {
    pub fn build(revision: i64, entries: Vec<Entry>) -> PlaceIndex {
        let points: Vec<GeomWithData<[f64; 3], u32>> = entries
            .iter()
            .enumerate()
            .filter_map(|(i, e)| e.point.map(|(la, lo)| GeomWithData::new(unit(la, lo), i as u32)))
            .collect();
        PlaceIndex { revision, entries, tree: RTree::bulk_load(points) }
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Places matching `q`, sorted by distance from its origin (or by name without one).
    pub fn search(&self, q: &Query) -> SearchResult {
        let words: Vec<String> = fold(&q.text).split_whitespace().map(str::to_string).collect();
        let typos: Vec<&str> = q.typologies.iter().map(String::as_str).collect();
        let wanted = q.services_mask;
        let matches = |e: &Entry| -> bool {
            (wanted == 0 || e.services & wanted == wanted)
                && (typos.is_empty() || e.typologie.split('|').any(|t| typos.contains(&t)))
                && words.iter().all(|w| e.search.contains(w.as_str()))
        };
        let limit = q.limit.max(1);
        match q.origin {
            Some((lat, lon)) => {
                let origin = unit(lat, lon);
                let max2 = q.max_km.map(chord2_of_km);
                let mut hits = Vec::new();
                for (g, d2) in self.tree.nearest_neighbor_iter_with_distance_2(&origin) {
                    if max2.is_some_and(|m| d2 > m) {
                        break;
                    }
                    let e = &self.entries[g.data as usize];
                    if matches(e) {
                        hits.push(Hit::of(e, Some(km_of_chord2(d2))));
                        if hits.len() >= limit {
                            break;
                        }
                    }
                }
                SearchResult { total: None, hits }
            }
            None => {
                let mut found: Vec<&Entry> = self.entries.iter().filter(|e| matches(e)).collect();
                let total = found.len();
                found.sort_by(|a, b| a.nom.cmp(&b.nom).then(a.id.cmp(&b.id)));
                let hits = found.into_iter().skip(q.offset).take(limit).map(|e| Hit::of(e, None)).collect();
                SearchResult { total: Some(total), hits }
            }
        }
    }
}

/// What a search asks.
#[derive(Clone, Debug, Default)]
pub struct Query {
    pub text: String,
    pub typologies: Vec<String>,
    pub services_mask: u16,
    pub origin: Option<(f64, f64)>,
    pub max_km: Option<f64>,
    pub limit: usize,
    pub offset: usize,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Hit {
    pub id: i64,
    pub nom: String,
    pub commune: String,
    pub code_postal: String,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    /// Typology codes.
    pub typologie: Vec<String>,
    pub services: Vec<String>,
    /// Great-circle distance from the search's origin, in km.
    pub distance_km: Option<f64>,
}

impl Hit {
    fn of(e: &Entry, distance_km: Option<f64>) -> Hit {
        Hit {
            id: e.id,
            nom: e.nom.to_string(),
            commune: e.commune.to_string(),
            code_postal: e.code_postal.to_string(),
            latitude: e.point.map(|p| p.0),
            longitude: e.point.map(|p| p.1),
            typologie: e.typologie.split('|').filter(|t| !t.is_empty()).map(str::to_string).collect(),
            services: services_of(e.services),
            distance_km: distance_km.map(|d| (d * 10.0).round() / 10.0),
        }
    }

    pub fn distance_label(&self) -> String {
        match self.distance_km {
            Some(d) if d < 10.0 => format!("{d:.1} km").replace('.', ","),
            Some(d) => format!("{} km", d.round() as i64),
            None => String::new(),
        }
    }

    pub fn typology_labels(&self) -> String {
        self.typologie
            .iter()
            .map(|t| super::vocabulary::typology_label(t).unwrap_or(t.as_str()))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

pub struct SearchResult {
    /// How many places match (searches without an origin only).
    pub total: Option<usize>,
    pub hits: Vec<Hit>,
}

/// Each organisation's index kept in memory beside the database handle, with one loader at a
/// time (a 1M-row index is built once, not by every request).
#[derive(Default)]
pub struct Indexes {
    by_org: std::sync::Mutex<std::collections::HashMap<i64, Arc<PlaceIndex>>>,
    loading: tokio::sync::Mutex<()>,
}

fn cached(db: &Db, org: i64) -> Option<Arc<PlaceIndex>> {
    db.cache.shelf.get::<Indexes>().by_org.lock().ok()?.get(&org).cloned()
}

/// Builds the index of every organisation that has places (at start, so that the first search
/// does not wait for it); returns how many were built.
pub async fn warm(db: &Db) -> Result<usize, AppError> {
    let orgs = store::orgs_with_places(db).await?;
    for org in &orgs {
        for_org(db, *org).await?;
    }
    Ok(orgs.len())
}

/// The organisation's index, rebuilt when its places changed since it was built.
pub async fn for_org(db: &Db, org: i64) -> Result<Arc<PlaceIndex>, AppError> {
    let rev = store::revision(db, org).await?;
    if let Some(ix) = cached(db, org).filter(|ix| ix.revision == rev) {
        return Ok(ix);
    }
    let indexes = db.cache.shelf.get::<Indexes>();
    let _guard = indexes.loading.lock().await;
    if let Some(ix) = cached(db, org).filter(|ix| ix.revision == rev) {
        return Ok(ix);
    }
    let rev = store::revision(db, org).await?;
    let rows = store::index_rows(db, org).await?;
    let entries: Vec<Entry> = rows
        .iter()
        .map(|r| Entry {
            id: r.get(0),
            point: r.get::<Option<f64>, _>(1).zip(r.get::<Option<f64>, _>(2)),
            nom: r.get::<String, _>(3).into(),
            commune: r.get::<String, _>(4).into(),
            code_postal: r.get::<String, _>(5).into(),
            typologie: r.get::<String, _>(6).into(),
            services: services_mask(&r.get::<String, _>(7)),
            search: r.get::<String, _>(8).into(),
        })
        .collect();
    drop(rows);
    let ix = Arc::new(
        tokio::task::spawn_blocking(move || PlaceIndex::build(rev, entries))
            .await
            .map_err(|e| AppError::Internal(e.into()))?,
    );
    if let Ok(mut map) = indexes.by_org.lock() {
        map.insert(org, ix.clone());
    }
    Ok(ix)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(id: i64, lat: f64, lon: f64, nom: &str, typo: &str, services: &str) -> Entry {
        Entry {
            id,
            point: Some((lat, lon)),
            nom: nom.into(),
            commune: "".into(),
            code_postal: "".into(),
            typologie: typo.into(),
            services: services_mask(services),
            search: fold(nom).into(),
        }
    }

    #[test]
    fn nearest_first_with_filters_and_radius() {
        let ix = PlaceIndex::build(
            1,
            vec![
                entry(1, 48.8566, 2.3522, "EPN Paris", "EPN", SERVICES[0]),
                entry(2, 45.764, 4.8357, "Médiathèque Lyon", "BIB", SERVICES[1]),
                entry(3, 45.6484, 0.1562, "Fablab Angoulême", "FABLAB", &format!("{}|{}", SERVICES[0], SERVICES[1])),
                entry(4, 43.2965, 5.3698, "Tiers-lieu Marseille", "TIERS_LIEUX", SERVICES[0]),
            ],
        );
        // From Poitiers: Angoulême (~100 km), then Paris (~300 km).
        let q = Query { origin: Some((46.58, 0.34)), limit: 2, ..Default::default() };
        let r = ix.search(&q);
        assert_eq!(r.hits.iter().map(|h| h.id).collect::<Vec<_>>(), vec![3, 1]);
        let d = r.hits[0].distance_km.unwrap();
        assert!((90.0..120.0).contains(&d), "{d}");
        // A radius, a typology, a service, some text.
        assert_eq!(
            ix.search(&Query { origin: Some((46.58, 0.34)), max_km: Some(150.0), limit: 10, ..Default::default() })
                .hits
                .len(),
            1
        );
        let r = ix.search(&Query {
            typologies: vec!["BIB".into()],
            origin: Some((46.58, 0.34)),
            limit: 10,
            ..Default::default()
        });
        assert_eq!(r.hits[0].id, 2);
        let r = ix.search(&Query { services_mask: services_mask(SERVICES[1]), limit: 10, ..Default::default() });
        assert_eq!(r.total, Some(2));
        let r = ix.search(&Query { text: "mediatheque".into(), limit: 10, ..Default::default() });
        assert_eq!(r.hits[0].id, 2);
    }

    #[test]
    fn chord_and_km_agree() {
        let a = unit(48.8566, 2.3522);
        let b = unit(45.764, 4.8357);
        let d2: f64 = a.iter().zip(b).map(|(x, y)| (x - y) * (x - y)).sum();
        let km = km_of_chord2(d2);
        assert!((km - 392.0).abs() < 3.0, "{km}");
        assert!((chord2_of_km(km) - d2).abs() < 1e-12);
    }
}
