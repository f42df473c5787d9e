//! Intervenants: the médiateurs numériques and animateurs multimédia who give the trainings, with
//! their home place (for proximity), the sectors they know, a short CV (Qualiopi indicators 21–22:
//! the competences of the people who deliver) and their daily rate.

pub mod api;
pub mod service;
pub mod store;
pub mod web;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::error::FieldErrors;
use crate::{sector, text};

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Intervenant {
    pub id: i64,
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    pub phone: String,
    /// Médiateur numérique (gives the culture training and the conferences).
    pub is_mediator: bool,
    /// Animateur multimédia (gives the usage training).
    pub is_animator: bool,
    /// Home place: the mediation place the intervenant comes from (EPN, médiathèque, fablab...).
    pub place_name: String,
    pub address: String,
    pub postal_code: String,
    pub city: String,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    /// Sector codes the intervenant knows.
    pub sectors: Vec<String>,
    /// Short CV, in Markdown.
    pub cv: String,
    /// Daily rate excluding VAT, as a decimal string.
    #[schema(value_type = String, example = "350.00")]
    pub daily_rate: Decimal,
    pub user_id: Option<i64>,
    pub active: bool,
    pub created_at: i64,
    pub updated_at: i64,
}

impl Intervenant {
    pub fn full_name(&self) -> String {
        format!("{} {}", self.first_name, self.last_name)
    }

    pub fn roles_label(&self) -> String {
        match (self.is_mediator, self.is_animator) {
            (true, true) => "Médiateur·rice numérique et animateur·rice multimédia".into(),
            (true, false) => "Médiateur·rice numérique".into(),
            (false, true) => "Animateur·rice multimédia".into(),
            (false, false) => "—".into(),
        }
    }

    pub fn sector_labels(&self) -> Vec<&'static str> {
        self.sectors.iter().map(|s| sector::sector_label(s)).collect()
    }

    pub fn has_sector(&self, code: &&str) -> bool {
        self.sectors.iter().any(|s| s == code)
    }

    pub fn cv_html(&self) -> String {
        crate::markdown::to_safe_html(&self.cv)
    }
}

#[derive(Clone, Debug, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(default)]
pub struct IntervenantInput {
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    pub phone: String,
    pub is_mediator: bool,
    pub is_animator: bool,
    pub place_name: String,
    pub address: String,
    pub postal_code: String,
    pub city: String,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub sectors: Vec<String>,
    pub cv: String,
    #[schema(value_type = String, example = "350.00")]
    pub daily_rate: Decimal,
    pub active: bool,
}

impl IntervenantInput {
    pub fn from_intervenant(i: &Intervenant) -> Self {
        IntervenantInput {
            first_name: i.first_name.clone(),
            last_name: i.last_name.clone(),
            email: i.email.clone(),
            phone: i.phone.clone(),
            is_mediator: i.is_mediator,
            is_animator: i.is_animator,
            place_name: i.place_name.clone(),
            address: i.address.clone(),
            postal_code: i.postal_code.clone(),
            city: i.city.clone(),
            latitude: i.latitude,
            longitude: i.longitude,
            sectors: i.sectors.clone(),
            cv: i.cv.clone(),
            daily_rate: i.daily_rate,
            active: i.active,
        }
    }

    pub fn validate(&self) -> Result<IntervenantInput, FieldErrors> {
        let mut e = FieldErrors::new();
        if !self.is_mediator && !self.is_animator {
            e.add(
                "is_mediator",
                "Indiquez si la personne est médiateur·rice numérique, animateur·rice multimédia, ou les deux.",
            );
        }
        let mut sectors: Vec<String> = Vec::new();
        for s in &self.sectors {
            if !sector::is_sector(s) {
                e.add("sectors", format!("Secteur inconnu : {}", s.chars().take(40).collect::<String>()));
                break;
            }
            if !sectors.contains(s) {
                sectors.push(s.clone());
            }
        }
        if self.daily_rate < Decimal::ZERO || self.daily_rate > Decimal::from(10_000) {
            e.add("daily_rate", "Le tarif journalier est compris entre 0 et 10 000 €.");
        }
        let (latitude, longitude) = text::check_coordinates(&mut e, self.latitude, self.longitude);
        let clean = IntervenantInput {
            first_name: text::check_text(&mut e, "first_name", &self.first_name, true, 100),
            last_name: text::check_text(&mut e, "last_name", &self.last_name, true, 100),
            email: text::check_email(&mut e, "email", &self.email, false),
            phone: text::check_phone(&mut e, "phone", &self.phone),
            is_mediator: self.is_mediator,
            is_animator: self.is_animator,
            place_name: text::check_text(&mut e, "place_name", &self.place_name, false, 200),
            address: text::check_text(&mut e, "address", &self.address, false, 300),
            postal_code: text::check_postal_code(&mut e, "postal_code", &self.postal_code, false),
            city: text::check_text(&mut e, "city", &self.city, false, 100),
            latitude,
            longitude,
            sectors,
            cv: text::check_text(&mut e, "cv", &self.cv, false, 20_000),
            daily_rate: crate::money::cents(self.daily_rate),
            active: self.active,
        };
        let clean = clean.located();
        if e.is_empty() { Ok(clean) } else { Err(e) }
    }
}

impl IntervenantInput {
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

    fn valid() -> IntervenantInput {
        IntervenantInput {
            first_name: "Camille".into(),
            last_name: "Durand".into(),
            is_mediator: true,
            active: true,
            sectors: vec!["sante".into(), "sante".into()],
            daily_rate: Decimal::new(35000, 2),
            ..Default::default()
        }
    }

    #[test]
    fn an_intervenant_has_at_least_one_of_the_two_roles() {
        assert!(valid().validate().is_ok());
        let e = IntervenantInput { is_mediator: false, ..valid() }.validate().unwrap_err();
        assert!(e.get("is_mediator").is_some());
    }

    #[test]
    fn sectors_are_checked_and_deduplicated() {
        assert_eq!(valid().validate().unwrap().sectors, vec!["sante"]);
        let e = IntervenantInput { sectors: vec!["astrologie".into()], ..valid() }.validate().unwrap_err();
        assert!(e.get("sectors").is_some());
    }

    #[test]
    fn a_negative_rate_is_refused() {
        let e = IntervenantInput { daily_rate: Decimal::from(-5), ..valid() }.validate().unwrap_err();
        assert!(e.get("daily_rate").is_some());
    }
}
