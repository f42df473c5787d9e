//! Training organisations (organismes de formation): their legal identity and its checks.
//!
//! Each organisation sees only its own clients, intervenants, catalogue and people; the network
//! admin creates organisations. The identity printed on every document (SIRET, numéro de
//! déclaration d'activité, VAT status) is checked here.

pub mod api;
pub mod store;
pub mod web;

use serde::{Deserialize, Serialize};

use crate::error::FieldErrors;
use crate::ids::Siret;
use crate::text;

/// An organisation as the application reads it.
#[derive(Clone, Debug, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Organisation {
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub siret: String,
    /// Numéro de déclaration d'activité (11 chiffres).
    pub nda: String,
    /// Exonération de TVA (art. 261-4-4° a du CGI) for training lines.
    #[sqlx(try_from = "crate::db::Flag")]
    pub vat_exempt: bool,
    pub vat_number: String,
    pub address: String,
    pub postal_code: String,
    pub city: String,
    pub email: String,
    pub phone: String,
    pub website: String,
    /// Who answers questions about the programmes (Qualiopi indicator 1: contacts).
    pub pedagogical_contact: String,
    /// Référent handicap (accessibility to people with disabilities).
    pub handicap_contact: String,
    /// The indicators of results are on a public page (Qualiopi indicator 2).
    #[sqlx(try_from = "crate::db::Flag")]
    pub indicators_public: bool,
    pub created_at: i64,
    pub updated_at: i64,
}

/// What a form or an API body gives to create or change an organisation.
#[derive(Clone, Debug, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(default)]
pub struct OrgInput {
    pub name: String,
    pub siret: String,
    pub nda: String,
    #[serde(deserialize_with = "crate::web::form_bool")]
    pub vat_exempt: bool,
    pub vat_number: String,
    pub address: String,
    pub postal_code: String,
    pub city: String,
    pub email: String,
    pub phone: String,
    pub website: String,
    pub pedagogical_contact: String,
    pub handicap_contact: String,
}

impl OrgInput {
    pub fn from_org(o: &Organisation) -> Self {
        OrgInput {
            name: o.name.clone(),
            siret: o.siret.clone(),
            nda: o.nda.clone(),
            vat_exempt: o.vat_exempt,
            vat_number: o.vat_number.clone(),
            address: o.address.clone(),
            postal_code: o.postal_code.clone(),
            city: o.city.clone(),
            email: o.email.clone(),
            phone: o.phone.clone(),
            website: o.website.clone(),
            pedagogical_contact: o.pedagogical_contact.clone(),
            handicap_contact: o.handicap_contact.clone(),
        }
    }

    /// Checks every field and returns the cleaned input, or the messages to show.
    pub fn validate(&self) -> Result<OrgInput, FieldErrors> {
        let mut e = FieldErrors::new();
        let siret = check_siret_field(&mut e, "siret", &self.siret, false);
        let nda: String = self.nda.chars().filter(|c| !c.is_whitespace()).collect();
        if !nda.is_empty() && !is_nda(&nda) {
            e.add("nda", "Le numéro de déclaration d'activité compte 11 chiffres.");
        }
        let vat_number: String =
            self.vat_number.chars().filter(|c| !c.is_whitespace()).collect::<String>().to_uppercase();
        if !vat_number.is_empty() && !is_french_vat_number(&vat_number) {
            e.add("vat_number", "Ce numéro de TVA intracommunautaire n'est pas valide (FR + clé + SIREN).");
        }
        let website = text::check_text(&mut e, "website", &self.website, false, 200);
        if !(website.is_empty() || website.starts_with("https://") || website.starts_with("http://")) {
            e.add("website", "L'adresse du site commence par https://");
        }
        let clean = OrgInput {
            name: text::check_text(&mut e, "name", &self.name, true, 200),
            siret,
            nda,
            vat_exempt: self.vat_exempt,
            vat_number,
            address: text::check_text(&mut e, "address", &self.address, false, 300),
            postal_code: text::check_postal_code(&mut e, "postal_code", &self.postal_code, false),
            city: text::check_text(&mut e, "city", &self.city, false, 100),
            email: text::check_email(&mut e, "email", &self.email, false),
            phone: text::check_phone(&mut e, "phone", &self.phone),
            website,
            pedagogical_contact: text::check_text(&mut e, "pedagogical_contact", &self.pedagogical_contact, false, 300),
            handicap_contact: text::check_text(&mut e, "handicap_contact", &self.handicap_contact, false, 300),
        };
        if e.is_empty() { Ok(clean) } else { Err(e) }
    }
}

/// A SIRET (see [`Siret::parse`]).
pub fn is_siret(s: &str) -> bool {
    Siret::parse(s).is_ok()
}

/// Checks an optional SIRET field (spaces allowed in what is typed) and returns its 14 digits.
pub fn check_siret_field(e: &mut FieldErrors, field: &str, value: &str, required: bool) -> String {
    let v: String = value.chars().filter(|c| !c.is_whitespace()).collect();
    if v.is_empty() {
        if required {
            e.add(field, "Le SIRET est obligatoire.");
        }
    } else if let Err(message) = Siret::parse(&v) {
        e.add(field, message);
    }
    v
}

/// A numéro de déclaration d'activité: 11 digits (Code du travail, art. R6351-5).
pub fn is_nda(s: &str) -> bool {
    s.len() == 11 && s.bytes().all(|b| b.is_ascii_digit())
}

/// A French intra-community VAT number: FR, a 2-digit key, the 9-digit SIREN, with
/// key = (12 + 3 × (SIREN mod 97)) mod 97.
pub fn is_french_vat_number(s: &str) -> bool {
    let Some(rest) = s.strip_prefix("FR") else {
        return false;
    };
    if rest.len() != 11 || !rest.bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    let key: u64 = rest[..2].parse().unwrap_or(u64::MAX);
    let siren: u64 = rest[2..].parse().unwrap_or(0);
    key == (12 + 3 * (siren % 97)) % 97
}

/// A URL-safe name made from the organisation's name.
pub fn slugify(name: &str) -> String {
    let key = text::search_key(name);
    let mut slug = String::new();
    for c in key.chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c);
        } else if !slug.ends_with('-') && !slug.is_empty() {
            slug.push('-');
        }
    }
    let slug = slug.trim_end_matches('-').chars().take(60).collect::<String>();
    if slug.is_empty() { "organisation".into() } else { slug }
}

/// The sentence French law asks next to the numéro de déclaration d'activité.
pub const NDA_MENTION: &str = "Cet enregistrement ne vaut pas agrément de l'État.";
/// The VAT exemption mention of training lines.
pub const VAT_EXEMPTION_MENTION: &str = "Exonération de TVA – art. 261-4-4° a du CGI";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_siret_with_a_right_luhn_key_is_accepted() {
        // SIRET of the INSEE's head office and of a well-known company.
        assert!(is_siret("12002701600357"));
        assert!(is_siret("73282932000074"));
    }

    #[test]
    fn a_siret_with_a_wrong_key_is_refused() {
        assert!(!is_siret("73282932000075"));
        assert!(!is_siret("7328293200007"));
        assert!(!is_siret("7328293200007a"));
    }

    #[test]
    fn la_poste_establishments_follow_their_own_rule() {
        // 356 000 000 + 5 digits; the sum of the digits must be a multiple of 5.
        assert!(is_siret("35600000000048"));
        assert!(is_siret("35600000010000"));
        assert!(!is_siret("35600000010001"));
    }

    #[test]
    fn the_siret_field_explains_what_is_wrong() {
        let mut e = FieldErrors::new();
        assert_eq!(check_siret_field(&mut e, "siret", "732 829 320 00074", true), "73282932000074");
        assert!(e.is_empty());
        check_siret_field(&mut e, "siret", "123", true);
        assert_eq!(e.get("siret"), Some("Le SIRET compte 14 chiffres."));
    }

    #[test]
    fn french_vat_numbers_carry_their_key() {
        // FR + key + SIREN 732829320
        let key = (12 + 3 * (732829320u64 % 97)) % 97;
        assert!(is_french_vat_number(&format!("FR{key:02}732829320")));
        assert!(!is_french_vat_number(&format!("FR{:02}732829320", (key + 1) % 97)));
    }

    #[test]
    fn slugs_are_ascii_and_dashed() {
        assert_eq!(slugify("Médiation Numérique de Charente"), "mediation-numerique-de-charente");
        assert_eq!(slugify("!!!"), "organisation");
    }

    #[test]
    fn an_organisation_needs_a_name_and_valid_identifiers() {
        let input = OrgInput { name: " ".into(), nda: "123".into(), ..Default::default() };
        let e = input.validate().unwrap_err();
        assert!(e.get("name").is_some());
        assert!(e.get("nda").is_some());
    }
}
