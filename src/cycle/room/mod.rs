//! Rooms of the host structures, with the checklists of the source document: the host ticks what
//! is ready, and a session whose room misses an item shows it before the day.

pub mod store;

use serde::{Deserialize, Serialize};

use crate::catalogue::acunum::{CONFERENCE_ROOM, TRAINING_ROOM};
use crate::error::FieldErrors;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RoomKind {
    Training,
    Conference,
}

impl RoomKind {
    pub fn as_str(self) -> &'static str {
        match self {
            RoomKind::Training => "training",
            RoomKind::Conference => "conference",
        }
    }
    pub fn parse(s: &str) -> Option<RoomKind> {
        match s {
            "training" => Some(RoomKind::Training),
            "conference" => Some(RoomKind::Conference),
            _ => None,
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            RoomKind::Training => "Salle de formation",
            RoomKind::Conference => "Salle de conférence",
        }
    }
    /// The checklist of the source document for this kind of room.
    pub fn default_checklist(self) -> Vec<CheckItem> {
        let items = match self {
            RoomKind::Training => TRAINING_ROOM,
            RoomKind::Conference => CONFERENCE_ROOM,
        };
        items.iter().map(|l| CheckItem { label: l.to_string(), ok: false }).collect()
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CheckItem {
    pub label: String,
    pub ok: bool,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Room {
    pub id: i64,
    pub client_id: Option<i64>,
    pub name: String,
    pub kind: RoomKind,
    pub address: String,
    pub postal_code: String,
    pub city: String,
    pub capacity: Option<i64>,
    pub checklist: Vec<CheckItem>,
    /// Practical information for the convocations (access, parking, who to ask for).
    pub practical: String,
}

impl Room {
    pub fn missing(&self) -> Vec<&str> {
        self.checklist.iter().filter(|c| !c.ok).map(|c| c.label.as_str()).collect()
    }
    pub fn ready(&self) -> bool {
        self.checklist.iter().all(|c| c.ok)
    }
    pub fn place(&self) -> String {
        [self.name.as_str(), &self.address, &format!("{} {}", self.postal_code, self.city)]
            .iter()
            .map(|s| s.trim())
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

#[derive(Clone, Debug, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(default)]
pub struct RoomInput {
    pub client_id: Option<i64>,
    pub name: String,
    /// training or conference
    pub kind: String,
    pub address: String,
    pub postal_code: String,
    pub city: String,
    pub capacity: Option<i64>,
    /// Labels of the checklist items that are ready (the list itself comes from the kind).
    pub ready: Vec<String>,
    pub practical: String,
}

impl RoomInput {
    pub fn validate(&self) -> Result<(RoomKind, RoomInput), FieldErrors> {
        let mut e = FieldErrors::new();
        let kind = RoomKind::parse(&self.kind);
        if kind.is_none() {
            e.add("kind", "Choisissez le type de salle.");
        }
        if self.capacity.is_some_and(|c| !(1..=5000).contains(&c)) {
            e.add("capacity", "La capacité est comprise entre 1 et 5000 places.");
        }
        let clean = RoomInput {
            client_id: self.client_id,
            name: crate::text::check_text(&mut e, "name", &self.name, true, 200),
            kind: self.kind.clone(),
            address: crate::text::check_text(&mut e, "address", &self.address, false, 300),
            postal_code: crate::text::check_postal_code(&mut e, "postal_code", &self.postal_code, false),
            city: crate::text::check_text(&mut e, "city", &self.city, false, 100),
            capacity: self.capacity,
            ready: self.ready.clone(),
            practical: crate::text::check_text(&mut e, "practical", &self.practical, false, 2000),
        };
        match kind {
            Some(k) if e.is_empty() => Ok((k, clean)),
            _ => Err(e),
        }
    }
}

fn checklist_json(kind: RoomKind, ready: &[String]) -> String {
    let list: Vec<CheckItem> = kind
        .default_checklist()
        .into_iter()
        .map(|mut c| {
            c.ok = ready.iter().any(|r| r == &c.label);
            c
        })
        .collect();
    serde_json::to_string(&list).unwrap_or_else(|_| "[]".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checklists_come_from_the_source_document() {
        let t = RoomKind::Training.default_checklist();
        assert!(t.iter().any(|c| c.label.contains("Carte graphique")));
        assert!(t.iter().any(|c| c.label.contains("droits administrateur")));
        let c = RoomKind::Conference.default_checklist();
        assert!(c.iter().any(|x| x.label.contains("rond ou en arc de cercle")));
    }

    #[test]
    fn a_room_lists_what_it_misses() {
        let json = checklist_json(RoomKind::Conference, &["Salle fermée (au calme)".to_string()]);
        let list: Vec<CheckItem> = serde_json::from_str(&json).unwrap();
        let room = Room {
            id: 1,
            client_id: None,
            name: "Salle".into(),
            kind: RoomKind::Conference,
            address: String::new(),
            postal_code: String::new(),
            city: String::new(),
            capacity: None,
            checklist: list,
            practical: String::new(),
        };
        assert!(!room.ready());
        assert_eq!(room.missing().len(), 4);
    }
}
