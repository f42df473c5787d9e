//! For a client: the nearest intervenants of the needed role who know the client's sector, with the
//! distance (which a quote's travel line then uses), and the nearest mediation places.

use serde::Serialize;

use super::index::{self, Hit, Query};
use crate::client::Client;
use crate::client::store as clients;
use crate::db::Db;
use crate::error::AppError;
use crate::intervenant::Intervenant;
use crate::intervenant::store::{self as intervenants, Filters};
use crate::web::list::{ListParams, Listing};

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Candidate {
    pub intervenant_id: i64,
    pub name: String,
    pub roles: String,
    pub place_name: String,
    pub city: String,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    /// Great-circle km from the intervenant's place to the client, rounded to the km as on a quote.
    pub distance_km: Option<f64>,
    /// The intervenant has experience of the client's sector.
    pub knows_sector: bool,
}

impl Candidate {
    pub fn distance_label(&self) -> String {
        self.distance_km.map(|d| format!("{} km", d as i64)).unwrap_or_else(|| "distance inconnue".into())
    }
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Nearby {
    pub client_id: i64,
    pub client_name: String,
    pub sector: String,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    /// "mediator", "animator" or "" (either).
    pub role: String,
    /// Intervenants of the role who know the sector, the nearest first.
    pub with_sector: Vec<Candidate>,
    /// The other intervenants of the role, the nearest first.
    pub others: Vec<Candidate>,
    /// The nearest mediation places of the directory.
    pub places: Vec<Hit>,
}

fn candidate(i: &Intervenant, client: &Client) -> Candidate {
    let origin = client.latitude.zip(client.longitude);
    let point = i.latitude.zip(i.longitude);
    let distance = origin.zip(point).map(|(a, b)| {
        use rust_decimal::prelude::ToPrimitive;
        crate::quote::pricing::distance_km(b, a).to_f64().unwrap_or(0.0)
    });
    Candidate {
        intervenant_id: i.id,
        name: format!("{} {}", i.first_name, i.last_name),
        roles: i.roles_label(),
        place_name: i.place_name.clone(),
        city: i.city.clone(),
        latitude: i.latitude,
        longitude: i.longitude,
        distance_km: distance,
        knows_sector: i.sectors.contains(&client.sector),
    }
}

pub async fn nearby(db: &Db, org: i64, client_id: i64, role: &str, limit: usize) -> Result<Nearby, AppError> {
    let client = clients::get(db, org, client_id).await?;
    let role = match role {
        "mediator" | "animator" => role.to_string(),
        _ => String::new(),
    };
    let listing = Listing::new(&ListParams { per_page: Some(100), ..Default::default() }, &intervenants::SORT);
    let filters = Filters { role: (!role.is_empty()).then(|| role.clone()), sector: None };
    let all: Vec<Candidate> = intervenants::all(db, org, &listing, &filters)
        .await?
        .iter()
        .filter(|i| i.active)
        .map(|i| candidate(i, &client))
        .collect();
    let by_distance = |a: &Candidate, b: &Candidate| {
        a.distance_km.unwrap_or(f64::MAX).total_cmp(&b.distance_km.unwrap_or(f64::MAX)).then(a.name.cmp(&b.name))
    };
    let (mut with_sector, mut others): (Vec<Candidate>, Vec<Candidate>) = all.into_iter().partition(|c| c.knows_sector);
    with_sector.sort_by(by_distance);
    others.sort_by(by_distance);
    with_sector.truncate(limit);
    others.truncate(limit);
    let places = match client.latitude.zip(client.longitude) {
        Some(origin) => {
            index::for_org(db, org).await?.search(&Query { origin: Some(origin), limit: 10, ..Default::default() }).hits
        }
        None => Vec::new(),
    };
    Ok(Nearby {
        client_id: client.id,
        client_name: client.name.clone(),
        sector: client.sector.clone(),
        latitude: client.latitude,
        longitude: client.longitude,
        role,
        with_sector,
        others,
        places,
    })
}
