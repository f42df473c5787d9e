//! Client structures (entreprises, collectivités, fédérations, ordres, syndicats, réseaux...) and
//! their contacts.

pub mod api;
pub mod space;
pub mod store;
pub mod web;

use serde::{Deserialize, Serialize};

use crate::error::FieldErrors;
use crate::{sector, text};

#[derive(Clone, Debug, Serialize, Deserialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Client {
    pub id: i64,
    pub name: String,
    pub siret: String,
    /// Sector code (see `GET /api/openapi.json`, schema `ClientInput`).
    pub sector: String,
    /// Kind of structure: entreprise, collectivite, federation, ordre, syndicat...
    pub kind: String,
    pub address: String,
    pub postal_code: String,
    pub city: String,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub email: String,
    pub phone: String,
    pub notes: String,
    pub created_at: i64,
    pub updated_at: i64,
}

impl Client {
    pub fn sector_label(&self) -> &'static str {
        sector::sector_label(&self.sector)
    }
    pub fn kind_label(&self) -> &'static str {
        sector::kind_label(&self.kind)
    }
}

/// What a form or an API body gives for a client.
#[derive(Clone, Debug, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(default)]
pub struct ClientInput {
    pub name: String,
    pub siret: String,
    /// One of: administration, sante, social, education, culture, sport_loisirs, agriculture,
    /// industrie, btp, commerce, transport, services, juridique, finance, ess, numerique, autre.
    pub sector: String,
    /// One of: entreprise, collectivite, etablissement_public, federation, union, groupement,
    /// ordre, syndicat, association, reseau, filiere, autre.
    pub kind: String,
    pub address: String,
    pub postal_code: String,
    pub city: String,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub email: String,
    pub phone: String,
    pub notes: String,
}

impl ClientInput {
    pub fn from_client(c: &Client) -> Self {
        ClientInput {
            name: c.name.clone(),
            siret: c.siret.clone(),
            sector: c.sector.clone(),
            kind: c.kind.clone(),
            address: c.address.clone(),
            postal_code: c.postal_code.clone(),
            city: c.city.clone(),
            latitude: c.latitude,
            longitude: c.longitude,
            email: c.email.clone(),
            phone: c.phone.clone(),
            notes: c.notes.clone(),
        }
    }

    pub fn validate(&self) -> Result<ClientInput, FieldErrors> {
        let mut e = FieldErrors::new();
        let name = text::check_text(&mut e, "name", &self.name, true, 200);
        let siret = crate::org::check_siret_field(&mut e, "siret", &self.siret, false);
        if !sector::is_sector(&self.sector) {
            e.add("sector", "Choisissez le secteur professionnel dans la liste.");
        }
        if !sector::is_kind(&self.kind) {
            e.add("kind", "Choisissez le type de structure dans la liste.");
        }
        let (latitude, longitude) = text::check_coordinates(&mut e, self.latitude, self.longitude);
        let clean = ClientInput {
            name,
            siret,
            sector: self.sector.clone(),
            kind: self.kind.clone(),
            address: text::check_text(&mut e, "address", &self.address, false, 300),
            postal_code: text::check_postal_code(&mut e, "postal_code", &self.postal_code, false),
            city: text::check_text(&mut e, "city", &self.city, false, 100),
            latitude,
            longitude,
            email: text::check_email(&mut e, "email", &self.email, false),
            phone: text::check_phone(&mut e, "phone", &self.phone),
            notes: text::check_text(&mut e, "notes", &self.notes, false, 5000),
        };
        let clean = clean.located();
        if e.is_empty() { Ok(clean) } else { Err(e) }
    }
}

#[derive(Clone, Debug, Serialize, sqlx::FromRow, utoipa::ToSchema)]
#[schema(as = ClientContact)]
pub struct Contact {
    pub id: i64,
    pub client_id: i64,
    pub name: String,
    pub job_title: String,
    pub email: String,
    pub phone: String,
    pub created_at: i64,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(default)]
pub struct ContactInput {
    pub name: String,
    pub job_title: String,
    pub email: String,
    pub phone: String,
}

impl ContactInput {
    pub fn validate(&self) -> Result<ContactInput, FieldErrors> {
        let mut e = FieldErrors::new();
        let clean = ContactInput {
            name: text::check_text(&mut e, "name", &self.name, true, 200),
            job_title: text::check_text(&mut e, "job_title", &self.job_title, false, 200),
            email: text::check_email(&mut e, "email", &self.email, false),
            phone: text::check_phone(&mut e, "phone", &self.phone),
        };
        if e.is_empty() { Ok(clean) } else { Err(e) }
    }
}

impl ClientInput {
    /// Without coordinates, the point of its postal code or commune (embedded communes table).
    pub fn located(mut self) -> Self {
        if self.latitude.is_none()
            && self.longitude.is_none()
            && let Some((lat, lon)) = crate::places::communes::locate(&self.postal_code, &self.city)
        {
            self.latitude = Some(lat);
            self.longitude = Some(lon);
        }
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn valid() -> ClientInput {
        ClientInput {
            name: "Ordre des infirmiers de Charente".into(),
            sector: "sante".into(),
            kind: "ordre".into(),
            ..Default::default()
        }
    }

    #[test]
    fn a_client_needs_a_name_a_sector_and_a_kind() {
        assert!(valid().validate().is_ok());
        let e = ClientInput::default().validate().unwrap_err();
        for f in ["name", "sector", "kind"] {
            assert!(e.get(f).is_some(), "{f}");
        }
    }

    #[test]
    fn a_wrong_siret_is_refused() {
        let c = ClientInput { siret: "73282932000075".into(), ..valid() };
        assert!(c.validate().unwrap_err().get("siret").unwrap().contains("clé"));
    }

    #[test]
    fn a_malformed_email_is_refused() {
        let c = ClientInput { email: "contact@".into(), ..valid() };
        assert!(c.validate().unwrap_err().get("email").is_some());
    }
}
