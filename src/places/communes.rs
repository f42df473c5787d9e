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
    /// Postal code → indexes.
    by_postal: HashMap<String, Vec<usize>>,
    by_insee: HashMap<String, usize>,
    /// Folded name without its leading article ("mont dore" for Le Mont-Dore) → indexes.
    by_bare: HashMap<String, Vec<usize>>,
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
        let mut by_postal: HashMap<String, Vec<usize>> = HashMap::new();
        let mut by_insee: HashMap<String, usize> = HashMap::new();
        let mut by_bare: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, c) in communes.iter().enumerate() {
            by_insee.insert(c.insee.clone(), i);
            by_bare.entry(bare(&c.key).to_string()).or_default().push(i);
            for p in &c.postal_codes {
                by_postal.entry(p.clone()).or_default().push(i);
            }
        }
        Table { communes, by_postal, by_insee, by_bare }
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

/// The commune a postal code and/or a name designate, if any: the name wins over the postal code
/// (see [`resolve`]).
pub fn find(postal_code: &str, city: &str) -> Option<&'static Commune> {
    resolve(&Given { name: city, postal: postal_code, ..Default::default() }).commune
}

/// A folded name without its leading article: "le mont dore" → "mont dore".
fn bare(key: &str) -> &str {
    ["le ", "la ", "les ", "l "].iter().find_map(|a| key.strip_prefix(a)).unwrap_or(key)
}

/// The département a postal code belongs to ("2A"/"2B" in Corsica, three digits overseas).
pub fn departement_of_postal(postal: &str) -> Option<String> {
    if postal.len() != 5 || !postal.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(match &postal[..2] {
        "97" | "98" => postal[..3].to_string(),
        "20" => (if postal < "20200" { "2A" } else { "2B" }).to_string(),
        d => d.to_string(),
    })
}

/// How far apart a commune's point and coordinates given with it may be before they are questioned.
pub const NEAR_KM: f64 = 30.0;

/// What a row says of its commune.
#[derive(Clone, Copy, Debug, Default)]
pub struct Given<'a> {
    pub name: &'a str,
    /// Five digits (a four-digit code is completed by the caller).
    pub postal: &'a str,
    pub insee: &'a str,
    /// Coordinates given with the row, if they lie in France.
    pub point: Option<(f64, f64)>,
}

/// The commune a row designates, and what in the row disagrees with it ("à vérifier").
#[derive(Debug, Default)]
pub struct Resolved {
    pub commune: Option<&'static Commune>,
    /// The commune was found by its name (the name was not replaced by the postal code's).
    pub by_name: bool,
    /// A postal code, INSEE code or point that disagrees with the commune, said with both values.
    pub to_check: Vec<String>,
    /// The commune's postal code to keep, when the one given is not among its codes.
    pub postal: Option<String>,
}

/// Of a commune's postal codes, the one closest to a code given (the same first digits).
pub fn nearest_code<'a>(codes: &'a [String], given: &str) -> &'a str {
    codes
        .iter()
        .max_by_key(|c| {
            (c.bytes().zip(given.bytes()).take_while(|(a, b)| a == b).count(), std::cmp::Reverse(c.as_str()))
        })
        .map(String::as_str)
        .unwrap_or("")
}

fn km(c: &Commune, p: (f64, f64)) -> Option<f64> {
    use rust_decimal::prelude::ToPrimitive;
    c.latitude.zip(c.longitude).and_then(|q| crate::quote::pricing::distance_km(p, q).to_f64())
}

/// The one rule that places a row in its commune. The commune's name wins over a postal code or
/// an INSEE code that says otherwise (those are typed, a name is read); among communes of the same
/// name (with or without its article: Mont-Dore and Le Mont-Dore), the one near the coordinates
/// given, then the one the postal code serves, then the one of the postal code's département, then
/// the INSEE code's, then the exact spelling, then the most populous. Without a known name, the
/// INSEE code, then the postal code (its commune near the coordinates, else the most populous).
/// Whatever disagrees with the commune chosen is said in `to_check`, with both values; nothing is
/// moved silently.
pub fn resolve(g: &Given) -> Resolved {
    let t = table();
    let name = fold(g.name);
    let postal = g.postal.trim();
    let insee = g.insee.trim();
    let by_postal: Vec<&'static Commune> =
        t.by_postal.get(postal).map(|v| v.iter().map(|i| &t.communes[*i]).collect()).unwrap_or_default();
    let by_insee = if insee.is_empty() { None } else { by_insee(insee) };
    let dept = departement_of_postal(postal);
    let near = |c: &Commune| g.point.and_then(|p| km(c, p)).is_some_and(|d| d <= NEAR_KM);
    let mut named: Vec<&'static Commune> = if name.is_empty() {
        Vec::new()
    } else {
        t.by_bare.get(bare(&name)).map(|v| v.iter().map(|i| &t.communes[*i]).collect()).unwrap_or_default()
    };
    if named.is_empty() && !name.is_empty() {
        // "Paris 11e", "Marseille 1er": the arrondissement of that name.
        named = by_postal.iter().copied().filter(|c| c.arrondissement && c.key.starts_with(&name)).collect();
    }
    let mut out = Resolved::default();
    let chosen = if !named.is_empty() {
        out.by_name = true;
        named.into_iter().max_by_key(|c| {
            (
                near(c),
                c.postal_codes.iter().any(|p| p == postal),
                dept.as_deref() == Some(c.departement.as_str()),
                by_insee.is_some_and(|i| i.insee == c.insee),
                c.key == name,
                !c.arrondissement,
                c.population,
            )
        })
    } else if let Some(c) = by_insee {
        Some(c)
    } else {
        by_postal.iter().copied().max_by_key(|c| (near(c), !c.arrondissement, c.population))
    };
    let Some(c) = chosen else { return out };
    out.commune = Some(c);
    if !postal.is_empty() && !c.postal_codes.is_empty() && !c.postal_codes.iter().any(|p| p == postal) {
        let kept = nearest_code(&c.postal_codes, postal).to_string();
        let other = by_postal.iter().copied().max_by_key(|o| (!o.arrondissement, o.population));
        out.to_check.push(match other {
            Some(o) => format!(
                "le code postal {postal} est celui de {} ({}), pas de {} : {kept} retenu",
                o.name, o.insee, c.name
            ),
            None => format!("le code postal {postal} n'existe pas : {kept}, celui de {}, retenu", c.name),
        });
        out.postal = Some(kept);
    }
    if !insee.is_empty() && insee != c.insee {
        out.to_check.push(match by_insee {
            Some(o) => format!(
                "le code INSEE {insee} est celui de {} ({}), pas de {} : {} retenu",
                o.name, o.departement, c.name, c.insee
            ),
            None => format!("le code INSEE {insee} n'existe pas : {}, celui de {}, retenu", c.insee, c.name),
        });
    }
    if let Some(p) = g.point
        && let Some(d) = km(c, p)
        && d > NEAR_KM
    {
        out.to_check.push(format!("les coordonnées sont à {} km de {} : gardées", d.round() as i64, c.name));
    }
    if !out.by_name && !name.is_empty() {
        out.to_check.push(format!("la commune « {} » est inconnue ; {} d'après les codes", g.name.trim(), c.name));
    }
    out
}

/// Communes that share a name (folded, with or without its article), the most populous first.
pub fn homonyms(name: &str) -> Vec<&'static Commune> {
    let t = table();
    let key = fold(name);
    let mut found: Vec<&'static Commune> =
        t.by_bare.get(bare(&key)).map(|v| v.iter().map(|i| &t.communes[*i]).collect()).unwrap_or_default();
    found.sort_by_key(|c| std::cmp::Reverse((c.key == key, c.population)));
    found
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
#[utoipa::path(get, path = "/api/v1/communes", tag = "places", operation_id = "search_communes", params(("q" = Option<String>, Query, max_length = 100), ("limit" = Option<usize>, Query)), responses((status = 200, body = Vec<Commune>)))]
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
    fn the_name_wins_over_codes_that_say_otherwise_and_says_so() {
        let r = |name, postal, insee, point| resolve(&Given { name, postal, insee, point });
        // Cognac with Angoulême's postal code stays in Cognac, the code is questioned.
        let c = r("Cognac", "16000", "", None);
        assert_eq!(c.commune.unwrap().insee, "16102");
        assert_eq!(c.postal.as_deref(), Some("16100"));
        assert!(c.to_check[0].contains("16000") && c.to_check[0].contains("Angoulême"), "{:?}", c.to_check);
        // Angoulême with « 1600 » completed as 01600 (Trévoux's) stays in Angoulême.
        let c = r("Angoulême", "01600", "", None);
        assert_eq!((c.commune.unwrap().insee.as_str(), c.postal.as_deref()), ("16015", Some("16000")));
        assert!(c.to_check[0].contains("Trévoux"), "{:?}", c.to_check);
        // Bourg-en-Bresse with Ambérieu's code.
        assert_eq!(r("Bourg-en-Bresse", "01500", "", None).commune.unwrap().insee, "01053");
        // Mont-Dore of Nouvelle-Calédonie, with Nouméa's postal code and the INSEE code of the
        // Puy-de-Dôme's Mont-Dore: the coordinates and the postal code's territory decide.
        let c = r("Mont-Dore", "98800", "63236", Some((-22.23, 166.52)));
        assert_eq!(c.commune.unwrap().insee, "98817");
        assert!(c.to_check.iter().any(|m| m.contains("63236") && m.contains("98817")), "{:?}", c.to_check);
        // The same name without coordinates: the postal code's territory still decides.
        assert_eq!(r("Mont-Dore", "98800", "", None).commune.unwrap().insee, "98817");
        // Homonyms: the postal code, then the département, then the point.
        assert_eq!(r("Saint-Ouen", "80610", "", None).commune.unwrap().insee, "80711");
        assert_eq!(r("Saint-Ouen", "41000", "", None).commune.unwrap().insee, "41226");
        assert_eq!(r("Saint-Ouen", "", "", Some((50.04, 2.12))).commune.unwrap().insee, "80711");
        // Agreeing values: nothing to check.
        let c = r("Angoulême", "16000", "16015", Some((45.65, 0.16)));
        assert!(c.to_check.is_empty() && c.postal.is_none(), "{:?}", c.to_check);
        // Far coordinates are questioned, not moved.
        assert!(r("Angoulême", "16000", "", Some((48.85, 2.35))).to_check[0].contains("km"));
        // An unknown name: the codes place it, and it is said.
        let c = r("Angoulemme-sur-Faute", "16000", "", None);
        assert_eq!(c.commune.unwrap().insee, "16015");
        assert!(c.to_check[0].contains("inconnue"), "{:?}", c.to_check);
        assert_eq!(homonyms("Saint-Ouen").len(), 2);
        assert_eq!(departement_of_postal("20000").as_deref(), Some("2A"));
        assert_eq!(departement_of_postal("98809").as_deref(), Some("988"));
    }

    #[test]
    fn autocomplete_by_name_or_postal_code() {
        let names: Vec<&str> = search("angoul", 5).iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names.first(), Some(&"Angoulême"));
        assert!(search("16500", 10).iter().any(|c| c.name == "Confolens"));
        assert!(search("", 10).is_empty());
    }
}
