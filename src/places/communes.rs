//! The embedded table of French communes (see `data/README.md`: Etalab's list, GeoNames' points,
//! CC BY 4.0 "GeoNames"): from a postal code and/or a commune's name to a point, and an
//! autocomplete over names and postal codes.

use crate::text::escape as esc;
use std::collections::HashMap;
use std::sync::OnceLock;

use axum::extract::{Query, State};
use serde::{Deserialize, Serialize};

use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::extract::Json;
use crate::state::AppState;
use crate::text::search_key;

const CSV: &str = include_str!("../../data/communes-fr-cp-latlon.csv");

#[derive(Clone, Debug, Serialize, PartialEq, utoipa::ToSchema)]
pub struct Commune {
    /// Code INSEE.
    pub insee: String,
    pub name: String,
    pub departement: String,
    pub postal_codes: Vec<String>,
    pub population: i64,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    /// An arrondissement of Paris, Lyon or Marseille rather than a commune.
    pub arrondissement: bool,
    /// The folded name (see [`fold`]).
    #[serde(skip)]
    pub key: String,
}

struct Table {
    communes: Vec<Commune>,
    /// Folded name → indexes.
    by_name: HashMap<String, Vec<usize>>,
    /// Postal code → indexes.
    by_postal: HashMap<String, Vec<usize>>,
    by_insee: HashMap<String, usize>,
}

fn table() -> &'static Table {
    static TABLE: OnceLock<Table> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mut communes = Vec::with_capacity(35_100);
        let mut reader = csv::ReaderBuilder::new().has_headers(true).from_reader(CSV.as_bytes());
        for row in reader.records().flatten() {
            let get = |i: usize| row.get(i).unwrap_or_default().trim();
            communes.push(Commune {
                insee: get(0).to_string(),
                name: get(1).to_string(),
                arrondissement: get(2) == "arrondissement-municipal",
                departement: get(3).to_string(),
                postal_codes: get(5).split('|').filter(|c| !c.is_empty()).map(str::to_string).collect(),
                population: get(6).parse().unwrap_or(0),
                latitude: get(7).parse().ok(),
                longitude: get(8).parse().ok(),
                key: fold(get(1)),
            });
        }
        let mut by_name: HashMap<String, Vec<usize>> = HashMap::new();
        let mut by_postal: HashMap<String, Vec<usize>> = HashMap::new();
        let mut by_insee: HashMap<String, usize> = HashMap::new();
        for (i, c) in communes.iter().enumerate() {
            by_insee.insert(c.insee.clone(), i);
            by_name.entry(c.key.clone()).or_default().push(i);
            for p in &c.postal_codes {
                by_postal.entry(p.clone()).or_default().push(i);
            }
        }
        Table { communes, by_name, by_postal, by_insee }
    })
}

/// A name for a file or an id: folded, ASCII letters and digits joined by dashes.
pub fn slug(name: &str) -> String {
    fold(name)
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect::<String>()
        .split('-')
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join("-")
}

/// Folded name: lower case, no accents, hyphens and apostrophes as spaces, "St" as "saint".
pub fn fold(name: &str) -> String {
    let k = search_key(&name.replace(['-', '\'', '’'], " "));
    k.split_whitespace()
        .map(|w| match w {
            "st" => "saint",
            "ste" => "sainte",
            other => other,
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// How many communes the table holds.
pub fn count() -> usize {
    table().communes.len()
}

fn best<'a>(candidates: impl Iterator<Item = &'a Commune>) -> Option<&'a Commune> {
    // The commune rather than an arrondissement, then the most populous.
    candidates.max_by_key(|c| (!c.arrondissement, c.population))
}

/// The commune a postal code and/or a name designate, if any.
pub fn find(postal_code: &str, city: &str) -> Option<&'static Commune> {
    let t = table();
    let postal = postal_code.trim();
    let name = fold(city);
    if !postal.is_empty() {
        let candidates: Vec<&Commune> =
            t.by_postal.get(postal).map(|v| v.iter().map(|i| &t.communes[*i]).collect()).unwrap_or_default();
        if candidates.is_empty() {
            return None;
        }
        if !name.is_empty() {
            if let Some(c) = best(candidates.iter().copied().filter(|c| c.key == name)) {
                return Some(c);
            }
            // "Paris" for 75011: the arrondissement of that code.
            if let Some(c) = candidates.iter().copied().find(|c| c.arrondissement && c.key.starts_with(&name)) {
                return Some(c);
            }
        }
        return best(candidates.into_iter());
    }
    if name.is_empty() {
        return None;
    }
    best(t.by_name.get(&name)?.iter().map(|i| &t.communes[*i]))
}

/// The commune of an INSEE code.
pub fn by_insee(code: &str) -> Option<&'static Commune> {
    let t = table();
    t.by_insee.get(code).map(|i| &t.communes[*i])
}

/// Every commune of the table.
pub fn all() -> &'static [Commune] {
    &table().communes
}

/// The point of a postal code and/or a commune's name.
pub fn locate(postal_code: &str, city: &str) -> Option<(f64, f64)> {
    find(postal_code, city).and_then(|c| c.latitude.zip(c.longitude))
}

/// Communes whose name starts with `q` (folded) or whose postal code starts with `q`, the most
/// populous first.
pub fn search(q: &str, limit: usize) -> Vec<&'static Commune> {
    let t = table();
    let q = q.trim();
    if q.is_empty() {
        return Vec::new();
    }
    let mut found: Vec<&Commune> = if q.chars().all(|c| c.is_ascii_digit()) {
        t.communes
            .iter()
            .filter(|c| c.postal_codes.iter().any(|p| p.starts_with(q)) || c.insee.starts_with(q))
            .collect()
    } else {
        let key = fold(q);
        t.communes.iter().filter(|c| c.key.starts_with(&key)).collect()
    };
    found.sort_by(|a, b| (b.population, &a.name).cmp(&(a.population, &b.name)));
    found.truncate(limit);
    found
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct SearchQuery {
    pub q: String,
    pub limit: Option<usize>,
}

/// Communes by the start of their name or postal code (autocomplete), with their points.
#[utoipa::path(get, path = "/api/v1/communes", tag = "places", operation_id = "search_communes", params(("q" = String, Query), ("limit" = Option<usize>, Query)), responses((status = 200, body = Vec<Commune>)))]
pub async fn api_search(
    _user: CurrentUser,
    State(_s): State<AppState>,
    Query(q): Query<SearchQuery>,
) -> Result<Json<Vec<Commune>>, AppError> {
    if q.q.chars().count() > 100 {
        return Err(AppError::invalid("q", "La recherche est trop longue."));
    }
    Ok(Json(search(&q.q, q.limit.unwrap_or(10).clamp(1, 50)).into_iter().cloned().collect()))
}

/// `GET /communes/options?q=…` (or `city=…`): `<option>`s for the commune fields' autocomplete.
pub async fn options(_user: CurrentUser, Query(q): Query<HashMap<String, String>>) -> axum::response::Html<String> {
    let term = q.get("q").or_else(|| q.get("city")).or_else(|| q.get("postal_code")).cloned().unwrap_or_default();
    let mut html = String::new();
    for c in search(&term.chars().take(100).collect::<String>(), 12) {
        let code = c.postal_codes.first().cloned().unwrap_or_default();
        let name = esc(&c.name);
        html.push_str(&format!("<option value=\"{name}\">{name} ({code})</option>"));
    }
    axum::response::Html(html)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_is_whole() {
        assert!(count() > 34_000, "{}", count());
    }

    #[test]
    fn a_postal_code_and_a_name_give_a_point() {
        let (lat, lon) = locate("16000", "Angoulême").unwrap();
        assert!((lat - 45.65).abs() < 0.1 && (lon - 0.16).abs() < 0.1, "{lat} {lon}");
        // Without accents, in capitals, "St" for "Saint".
        assert_eq!(find("", "ANGOULEME").unwrap().insee, "16015");
        assert_eq!(find("97400", "St Denis").unwrap().insee, "97411");
        // A name shared by several communes: the postal code decides; alone, the most populous.
        assert_eq!(find("", "Saint-Denis").unwrap().insee, "97411");
        assert_eq!(find("93200", "Saint-Denis").unwrap().insee, "93066");
        // Paris and its arrondissements.
        assert_eq!(find("75011", "Paris").unwrap().name, "Paris");
        assert_eq!(find("75011", "").unwrap().name, "Paris");
        assert!(find("00000", "").is_none());
        assert!(locate("", "").is_none());
    }

    #[test]
    fn autocomplete_by_name_or_postal_code() {
        let names: Vec<&str> = search("angoul", 5).iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names.first(), Some(&"Angoulême"));
        assert!(search("16500", 10).iter().any(|c| c.name == "Confolens"));
        assert!(search("", 10).is_empty());
    }
}
