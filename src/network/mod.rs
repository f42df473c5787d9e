//! The TICA network: territories group cycles; committees publish retours d'expérience; a committee
//! finds the other structures whose action plans and retours share its problems (tags and text
//! similarity, see `matching`), with the distance; a mise en lien shows contact details only once
//! both sides have accepted it.
//!
//! What another organisation sees of a cycle: nothing, unless the cycle is visible in the network
//! (then its structure, territory, action titles and tags) or has published retours (then those).

pub mod api;
pub mod service;
pub mod store;
pub mod web;

use serde::{Deserialize, Serialize};

use crate::auth::{CurrentUser, Role};
use crate::committee::matching::Profile;
use crate::error::AppError;

pub const TERRITORY_KINDS: [(&str, &str); 3] =
    [("communes", "Communes"), ("epci", "Intercommunalité (EPCI)"), ("departement", "Département")];

/// Below this score, two committees have nothing worth a mise en lien.
pub const MIN_SCORE: f64 = 0.05;

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Territory {
    pub id: i64,
    pub name: String,
    /// communes, epci or departement
    pub kind: String,
    /// INSEE codes of the communes, SIREN of the EPCI or numbers of the départements.
    pub codes: String,
    /// Cycles of the territory visible in the network.
    pub cycles: i64,
}

impl Territory {
    pub fn kind_label(&self) -> &'static str {
        crate::committee::label(&TERRITORY_KINDS, &self.kind)
    }
}

#[derive(Deserialize, Default, Clone, utoipa::ToSchema)]
#[serde(default)]
pub struct TerritoryForm {
    pub name: String,
    /// communes, epci or departement
    pub kind: String,
    pub codes: String,
}

/// Codes of communes (5 characters, 2A/2B for Corsica), EPCI (9 digits) or départements.
fn check_codes(kind: &str, codes: &str) -> Result<String, String> {
    let list: Vec<String> =
        codes.split([',', ';', ' ', '\n']).map(|c| c.trim().to_uppercase()).filter(|c| !c.is_empty()).collect();
    for c in &list {
        let ok = match kind {
            "communes" => c.len() == 5 && c.chars().all(|x| x.is_ascii_alphanumeric()),
            "epci" => c.len() == 9 && c.chars().all(|x| x.is_ascii_digit()),
            _ => (2..=3).contains(&c.len()) && c.chars().all(|x| x.is_ascii_alphanumeric()),
        };
        if !ok {
            return Err(format!("« {c} » n'est pas un code valable pour ce type de territoire."));
        }
    }
    Ok(list.join(", "))
}

/// A cycle's place in the network.
#[derive(Clone, Debug, Default, Serialize, utoipa::ToSchema)]
pub struct Settings {
    pub territory_id: Option<i64>,
    /// Whether the cycle's structure, territory and action plan (titles, tags) can be found by the network.
    pub visible: bool,
}

// --- retours d'expérience ------------------------------------------------------------------------

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Retour {
    pub id: i64,
    pub cycle_id: i64,
    pub title: String,
    /// The problem met.
    pub problem: String,
    /// What was done.
    pub done: String,
    pub result: String,
    pub tags: Vec<String>,
    pub published_at: Option<i64>,
    pub created_at: i64,
    /// The organisation, the structure and the territory (published retours only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub organisation: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub structure: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub territory: Option<String>,
}

#[derive(Deserialize, Default, Clone, utoipa::ToSchema)]
#[serde(default)]
pub struct RetourForm {
    pub title: String,
    pub problem: String,
    pub done: String,
    pub result: String,
    /// Comma-separated.
    pub tags: String,
    /// Publish it to the network now.
    pub publish: Option<String>,
}

// --- matching ------------------------------------------------------------------------------------

/// Another committee that met the same problems.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
#[schema(as = NetworkMatch)]
pub struct Match {
    pub cycle_id: i64,
    pub organisation: String,
    pub structure: String,
    pub territory: Option<String>,
    /// Between the two structures, when both have coordinates.
    pub distance_km: Option<f64>,
    /// 0 to 1: half the shared tags, half the similarity of the texts.
    pub score: f64,
    pub text_score: f64,
    pub tag_score: f64,
    pub shared_tags: Vec<String>,
    /// The titles of their actions and retours that meet ours.
    pub items: Vec<String>,
    /// The mise en lien between the two, if any: requested, accepted, refused.
    pub link: Option<String>,
}

impl Match {
    pub fn distance_text(&self) -> String {
        self.distance_km.map(|d| format!("{} km", d.round() as i64)).unwrap_or_else(|| "distance inconnue".into())
    }
    pub fn percent(&self) -> i64 {
        (self.score * 100.0).round() as i64
    }
}

struct Candidate {
    cycle_id: i64,
    organisation: String,
    structure: String,
    territory: Option<String>,
    point: Option<(f64, f64)>,
    visible: bool,
    /// (title, tags, text)
    items: Vec<(String, Vec<String>, String)>,
}

fn profile(items: &[(String, Vec<String>, String)]) -> Profile {
    let mut tags: Vec<String> = Vec::new();
    let mut text = String::new();
    for (title, t, body) in items {
        for x in t {
            if !tags.contains(x) {
                tags.push(x.clone());
            }
        }
        text.push_str(title);
        text.push_str(". ");
        text.push_str(body);
        text.push('\n');
    }
    Profile { tags, text }
}

// --- mises en lien -------------------------------------------------------------------------------

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
#[schema(as = NetworkContact)]
pub struct Contact {
    pub name: String,
    pub email: String,
    pub phone: String,
    pub role: String,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Link {
    pub id: i64,
    /// True when this cycle asked.
    pub outgoing: bool,
    pub other_cycle_id: i64,
    pub other_organisation: String,
    pub other_structure: String,
    pub message: String,
    /// requested, accepted or refused
    pub status: String,
    pub created_at: i64,
    pub answered_at: Option<i64>,
    /// The other side's contacts: only once the link is accepted.
    pub contacts: Vec<Contact>,
}

impl Link {
    pub fn status_label(&self) -> &'static str {
        match self.status.as_str() {
            "accepted" => "acceptée",
            "refused" => "refusée",
            _ => "en attente de réponse",
        }
    }
}

#[derive(Deserialize, Default, Clone, utoipa::ToSchema)]
#[serde(default)]
pub struct LinkForm {
    /// The other committee's cycle.
    pub to_cycle: i64,
    pub message: String,
}

// --- pages ---------------------------------------------------------------------------------------

/// The first territory that holds a commune (by its INSEE code) or its département.
pub fn territory_of<'a>(territories: &'a [Territory], insee: &str, departement: &str) -> Option<&'a Territory> {
    let has = |t: &Territory, code: &str| t.codes.split(',').any(|c| c.trim().eq_ignore_ascii_case(code));
    territories.iter().find(|t| match t.kind.as_str() {
        "communes" => has(t, insee),
        "departement" => has(t, departement),
        _ => false,
    })
}

// --- API -----------------------------------------------------------------------------------------

pub(crate) fn network_member(user: &CurrentUser) -> Result<(), AppError> {
    if user.role().is_staff() || user.role() == Role::Admin { Ok(()) } else { Err(AppError::Forbidden) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_commune_falls_in_the_first_territory_that_holds_it() {
        let t = |id: i64, kind: &str, codes: &str| Territory {
            id,
            name: format!("T{id}"),
            kind: kind.into(),
            codes: codes.into(),
            cycles: 0,
        };
        let all = vec![t(1, "epci", "200071827"), t(2, "communes", "16015, 16102"), t(3, "departement", "16, 17")];
        assert_eq!(territory_of(&all, "16015", "16").map(|x| x.id), Some(2));
        assert_eq!(territory_of(&all, "16106", "16").map(|x| x.id), Some(3));
        assert_eq!(territory_of(&all, "64102", "64").map(|x| x.id), None);
    }

    #[test]
    fn territory_codes_are_checked_by_kind() {
        assert_eq!(check_codes("departement", "16, 17 ;2A").unwrap(), "16, 17, 2A");
        assert_eq!(check_codes("communes", "16015 16102").unwrap(), "16015, 16102");
        assert!(check_codes("communes", "160").is_err());
        assert!(check_codes("epci", "200071827").is_ok());
        assert!(check_codes("epci", "2000718").is_err());
    }
}
