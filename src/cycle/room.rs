//! Rooms of the host structures, with the checklists of the source document: the host ticks what
//! is ready, and a session whose room misses an item shows it before the day.

use serde::{Deserialize, Serialize};

use crate::catalogue::acunum::{CONFERENCE_ROOM, TRAINING_ROOM};
use crate::db::{Db, now};
use crate::error::{AppError, FieldErrors};

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

fn from_row(r: &sqlx::any::AnyRow) -> Result<Room, AppError> {
    use sqlx::Row;
    let kind: String = r.try_get("kind")?;
    Ok(Room {
        id: r.try_get("id")?,
        client_id: r.try_get("client_id")?,
        name: r.try_get("name")?,
        kind: RoomKind::parse(&kind).unwrap_or(RoomKind::Training),
        address: r.try_get("address")?,
        postal_code: r.try_get("postal_code")?,
        city: r.try_get("city")?,
        capacity: r.try_get("capacity")?,
        checklist: serde_json::from_str(&r.try_get::<String, _>("checklist")?).unwrap_or_default(),
        practical: r.try_get("practical")?,
    })
}

const COLUMNS: &str = "id, client_id, name, kind, address, postal_code, city, capacity, checklist, practical";

async fn check_client(db: &Db, org_id: i64, client_id: Option<i64>) -> Result<(), AppError> {
    if let Some(c) = client_id {
        crate::client::store::get(db, org_id, c)
            .await
            .map_err(|_| AppError::invalid("client_id", "Cette structure n'existe pas dans votre organisation."))?;
    }
    Ok(())
}

pub async fn create(db: &Db, org_id: i64, input: &RoomInput) -> Result<Room, AppError> {
    let (kind, r) = input.validate().map_err(AppError::Invalid)?;
    check_client(db, org_id, r.client_id).await?;
    let t = now();
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO rooms (org_id, client_id, name, kind, address, postal_code, city, capacity, checklist, practical, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11) RETURNING id",
    )
    .bind(org_id)
    .bind(r.client_id)
    .bind(&r.name)
    .bind(kind.as_str())
    .bind(&r.address)
    .bind(&r.postal_code)
    .bind(&r.city)
    .bind(r.capacity)
    .bind(checklist_json(kind, &r.ready))
    .bind(&r.practical)
    .bind(t)
    .fetch_one(&db.pool)
    .await?;
    get(db, org_id, id).await
}

pub async fn update(db: &Db, org_id: i64, id: i64, input: &RoomInput) -> Result<Room, AppError> {
    get(db, org_id, id).await?;
    let (kind, r) = input.validate().map_err(AppError::Invalid)?;
    check_client(db, org_id, r.client_id).await?;
    let n = sqlx::query(
        "UPDATE rooms SET client_id = $1, name = $2, kind = $3, address = $4, postal_code = $5, city = $6, capacity = $7, \
         checklist = $8, practical = $9, updated_at = $10 WHERE id = $11 AND org_id = $12",
    )
    .bind(r.client_id)
    .bind(&r.name)
    .bind(kind.as_str())
    .bind(&r.address)
    .bind(&r.postal_code)
    .bind(&r.city)
    .bind(r.capacity)
    .bind(checklist_json(kind, &r.ready))
    .bind(&r.practical)
    .bind(now())
    .bind(id)
    .bind(org_id)
    .execute(&db.pool)
    .await?;
    if n.rows_affected() == 0 {
        return Err(AppError::NotFound);
    }
    get(db, org_id, id).await
}

pub async fn get(db: &Db, org_id: i64, id: i64) -> Result<Room, AppError> {
    let row = sqlx::query(&format!("SELECT {COLUMNS} FROM rooms WHERE id = $1 AND org_id = $2"))
        .bind(id)
        .bind(org_id)
        .fetch_optional(&db.pool)
        .await?
        .ok_or(AppError::NotFound)?;
    from_row(&row)
}

pub async fn list(db: &Db, org_id: i64) -> Result<Vec<Room>, AppError> {
    let rows = sqlx::query(&format!("SELECT {COLUMNS} FROM rooms WHERE org_id = $1 ORDER BY name, id"))
        .bind(org_id)
        .fetch_all(&db.pool)
        .await?;
    rows.iter().map(from_row).collect()
}

/// The host's secret link to tick the checklist, made on first use.
pub async fn host_token(db: &Db, org_id: i64, id: i64) -> Result<String, AppError> {
    let current: Option<Option<String>> =
        sqlx::query_scalar("SELECT host_token FROM rooms WHERE id = $1 AND org_id = $2")
            .bind(id)
            .bind(org_id)
            .fetch_optional(&db.pool)
            .await?;
    match current {
        None => Err(AppError::NotFound),
        Some(Some(t)) => Ok(t),
        Some(None) => {
            sqlx::query("UPDATE rooms SET host_token = $1 WHERE id = $2 AND org_id = $3 AND host_token IS NULL")
                .bind(crate::auth::random_token())
                .bind(id)
                .bind(org_id)
                .execute(&db.pool)
                .await?;
            Ok(sqlx::query_scalar("SELECT host_token FROM rooms WHERE id = $1").bind(id).fetch_one(&db.pool).await?)
        }
    }
}

/// The room behind a host's link, with its organisation.
pub async fn by_host_token(db: &Db, token: &str) -> Result<(i64, Room), AppError> {
    let row = sqlx::query(&format!("SELECT org_id, {COLUMNS} FROM rooms WHERE host_token = $1"))
        .bind(token)
        .fetch_optional(&db.pool)
        .await?
        .ok_or(AppError::NotFound)?;
    use sqlx::Row;
    Ok((row.try_get("org_id")?, from_row(&row)?))
}

/// Ticks the checklist from the host's link (only the items of the room's list count).
pub async fn set_ready(db: &Db, org_id: i64, id: i64, ready: &[String]) -> Result<Room, AppError> {
    let room = get(db, org_id, id).await?;
    sqlx::query("UPDATE rooms SET checklist = $1, updated_at = $2 WHERE id = $3 AND org_id = $4")
        .bind(checklist_json(room.kind, ready))
        .bind(now())
        .bind(id)
        .bind(org_id)
        .execute(&db.pool)
        .await?;
    get(db, org_id, id).await
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
