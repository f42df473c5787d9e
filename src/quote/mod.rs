//! Quotes (devis) and conventions de formation.
//!
//! A quote is built from the catalogue: one module, several, or the whole cycle, for a number of
//! participants and structures, with travel, meals and lodging, and an OPCO's funding. Its price
//! is computed by [`pricing`]. Each quote keeps every version of its content; the client contact
//! accepts or refuses the version that was sent through a secret link, and an accepted quote
//! yields the convention de formation (Code du travail, art. L6353-1 and D6353-1).

pub mod api;
#[cfg(feature = "bench")]
pub mod bench;
pub mod decision;
pub mod documents;
pub mod pricing;
pub mod service;
pub mod store;
pub mod web;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::error::FieldErrors;

/// How the VAT of a module line is chosen.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum VatChoice {
    /// Trainings and conferences exempt when the organisation is; AMO at the standard rate.
    #[default]
    Default,
    Exempt,
    Standard,
}

/// A module of the catalogue in a quote.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct ItemInput {
    pub module_id: i64,
    /// Overrides the quantity computed from the price basis (days, half-days, conferences…).
    #[schema(value_type = Option<String>)]
    pub quantity: Option<Decimal>,
    /// Overrides the catalogue's unit price (excl. VAT).
    #[schema(value_type = Option<String>)]
    pub unit_price: Option<Decimal>,
    #[schema(value_type = String)]
    pub discount_percent: Decimal,
    #[schema(value_type = String)]
    pub discount_amount: Decimal,
    pub vat: VatChoice,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TravelMode {
    #[default]
    None,
    /// Distance × 2 × trips × rate per km.
    PerKm,
    Flat,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct TravelInput {
    pub mode: TravelMode,
    /// One-way distance in km; computed from the intervenant's place and the client's address
    /// when left empty and both have coordinates.
    #[schema(value_type = Option<String>)]
    pub distance_km: Option<Decimal>,
    /// Round trips; by default one per day, half-day or conference.
    pub trips: Option<i64>,
    #[schema(value_type = String)]
    pub rate_per_km: Decimal,
    #[schema(value_type = String)]
    pub flat_amount: Decimal,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct CountPrice {
    pub count: i64,
    #[schema(value_type = String)]
    pub unit_price: Decimal,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FundingMode {
    #[default]
    Amount,
    /// A share, in percent, of the total incl. VAT.
    Share,
}

/// Funding by an OPCO (opérateur de compétences).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct FundingInput {
    pub opco_name: String,
    pub file_number: String,
    pub mode: FundingMode,
    #[schema(value_type = String)]
    pub amount: Decimal,
    #[schema(value_type = String)]
    pub share_percent: Decimal,
    /// The OPCO pays the training organisation directly.
    pub subrogation: bool,
    /// The OPCO's SIREN, for its invoice under subrogation (the e-invoicing reform names the buyer).
    pub opco_siren: String,
}

/// Everything the coordinator decides in a quote (what each version stores).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct QuoteInput {
    pub client_id: i64,
    /// Intitulé, for example « Cycle ACUNUM ».
    pub title: String,
    pub participants: i64,
    pub structures: i64,
    /// Période prévisionnelle.
    #[schema(value_type = Option<String>, format = Date)]
    pub start_date: Option<NaiveDate>,
    #[schema(value_type = Option<String>, format = Date)]
    pub end_date: Option<NaiveDate>,
    /// Where the trainings take place.
    pub location: String,
    /// Validity of the offer; 30 days by default.
    #[schema(value_type = Option<String>, format = Date)]
    pub valid_until: Option<NaiveDate>,
    pub items: Vec<ItemInput>,
    /// The intervenant whose place the travel is counted from.
    pub intervenant_id: Option<i64>,
    pub travel: TravelInput,
    pub meals: CountPrice,
    pub lodging: CountPrice,
    /// Coordination supplement per structure beyond the first.
    #[schema(value_type = String)]
    pub structure_fee: Decimal,
    pub funding: Option<FundingInput>,
    /// Modalités de règlement.
    pub payment_terms: String,
    pub notes: String,
}

pub const DEFAULT_PAYMENT_TERMS: &str = "30 % à la signature de la convention, le solde à réception de la facture en fin de formation, par virement à 30 jours.";

impl Default for QuoteInput {
    fn default() -> Self {
        QuoteInput {
            client_id: 0,
            title: "Cycle ACUNUM".into(),
            participants: 10,
            structures: 1,
            start_date: None,
            end_date: None,
            location: String::new(),
            valid_until: None,
            items: Vec::new(),
            intervenant_id: None,
            travel: TravelInput::default(),
            meals: CountPrice::default(),
            lodging: CountPrice::default(),
            structure_fee: Decimal::ZERO,
            funding: None,
            payment_terms: DEFAULT_PAYMENT_TERMS.into(),
            notes: String::new(),
        }
    }
}

impl QuoteInput {
    /// Checks what pricing does not: texts, dates, validity.
    pub fn check(&mut self, today: NaiveDate, new: bool) -> FieldErrors {
        let mut e = FieldErrors::new();
        self.title = crate::text::check_text(&mut e, "title", &self.title, true, 200);
        self.location = crate::text::check_text(&mut e, "location", &self.location, false, 300);
        self.payment_terms = crate::text::check_text(&mut e, "payment_terms", &self.payment_terms, false, 2000);
        self.notes = crate::text::check_text(&mut e, "notes", &self.notes, false, 5000);
        if self.client_id <= 0 {
            e.add("client_id", "Choisissez le client.");
        }
        if let (Some(s), Some(end)) = (self.start_date, self.end_date)
            && end < s
        {
            e.add("end_date", "La fin de la période précède son début.");
        }
        let valid = *self.valid_until.get_or_insert(today + chrono::Days::new(30));
        if new && valid < today {
            e.add("valid_until", "La date de validité est déjà passée.");
        }
        if let Some(f) = &mut self.funding {
            f.opco_name = crate::text::check_text(&mut e, "funding.opco_name", &f.opco_name, false, 200);
            f.file_number = crate::text::check_text(&mut e, "funding.file_number", &f.file_number, false, 100);
            f.opco_siren.retain(|c| !c.is_whitespace());
            if !f.opco_siren.is_empty()
                && (f.opco_siren.len() != 9 || !f.opco_siren.chars().all(|c| c.is_ascii_digit()))
            {
                e.add("funding.opco_siren", "Le SIREN de l'OPCO compte 9 chiffres.");
            }
        }
        e
    }
}

/// Where a quote stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(as = QuoteStatus)]
pub enum Status {
    Draft,
    Sent,
    Accepted,
    Refused,
    Expired,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Draft => "draft",
            Status::Sent => "sent",
            Status::Accepted => "accepted",
            Status::Refused => "refused",
            Status::Expired => "expired",
        }
    }

    pub fn parse(s: &str) -> Option<Status> {
        [Status::Draft, Status::Sent, Status::Accepted, Status::Refused, Status::Expired]
            .into_iter()
            .find(|x| x.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            Status::Draft => "Brouillon",
            Status::Sent => "Envoyé",
            Status::Accepted => "Accepté",
            Status::Refused => "Refusé",
            Status::Expired => "Expiré",
        }
    }

    /// A sent quote whose validity has passed is expired, whatever was stored.
    pub fn effective(self, valid_until: NaiveDate, today: NaiveDate) -> Status {
        if self == Status::Sent && valid_until < today { Status::Expired } else { self }
    }
}

/// What can be done to a quote.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    Edit,
    Send,
    Revise,
    Decide,
}

/// The state machine of a quote: draft → sent → accepted / refused / expired; a revision of a
/// sent, refused or expired quote is a new draft version (the old one stays readable); an
/// accepted quote no longer changes.
pub fn allowed(status: Status, action: Action) -> Result<(), &'static str> {
    match (status, action) {
        (Status::Draft, Action::Edit | Action::Send) => Ok(()),
        (Status::Sent | Status::Refused | Status::Expired, Action::Revise) => Ok(()),
        (Status::Sent, Action::Decide) => Ok(()),
        (Status::Accepted, _) => Err("Ce devis est accepté : il ne peut plus changer."),
        (Status::Refused, Action::Decide) => Err("Ce devis a déjà été refusé."),
        (Status::Expired, Action::Decide) => {
            Err("Ce devis a expiré : demandez-en une nouvelle version à l'organisme de formation.")
        }
        (Status::Draft, Action::Decide) => Err("Ce devis n'a pas encore été envoyé."),
        (Status::Draft, Action::Revise) => Err("Un brouillon se modifie directement."),
        (_, Action::Edit) => Err("Ce devis a été envoyé : créez une nouvelle version pour le modifier."),
        (_, Action::Send) => Err("Ce devis a déjà été envoyé."),
    }
}

/// "DEV-2026-0001"
pub fn number(prefix: &str, year: i32, seq: i64) -> String {
    format!("{prefix}-{year}-{seq:04}")
}

/// Today in Paris (quotes, validity and numbering follow the organisation's calendar).
pub fn today() -> NaiveDate {
    chrono::Utc::now().with_timezone(&crate::fr::DEFAULT_TZ).date_naive()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_have_the_year_and_four_digits() {
        assert_eq!(number("DEV", 2026, 1), "DEV-2026-0001");
        assert_eq!(number("CONV", 2026, 12345), "CONV-2026-12345");
    }

    #[test]
    fn the_state_machine_allows_only_the_documented_transitions() {
        assert!(allowed(Status::Draft, Action::Send).is_ok());
        assert!(allowed(Status::Sent, Action::Decide).is_ok());
        assert!(allowed(Status::Sent, Action::Edit).is_err());
        assert!(allowed(Status::Sent, Action::Revise).is_ok());
        assert!(allowed(Status::Refused, Action::Decide).is_err());
        assert!(allowed(Status::Expired, Action::Decide).unwrap_err().contains("expiré"));
        assert!(allowed(Status::Accepted, Action::Revise).is_err());
    }

    #[test]
    fn a_sent_quote_past_its_validity_is_expired() {
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        assert_eq!(Status::Sent.effective(d("2026-11-30"), d("2026-12-01")), Status::Expired);
        assert_eq!(Status::Sent.effective(d("2026-12-01"), d("2026-12-01")), Status::Sent);
        assert_eq!(Status::Accepted.effective(d("2026-11-30"), d("2026-12-01")), Status::Accepted);
    }

    #[test]
    fn the_input_check_defaults_the_validity_to_thirty_days() {
        let today = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
        let mut q = QuoteInput { client_id: 1, ..Default::default() };
        assert!(q.check(today, true).is_empty());
        assert_eq!(q.valid_until, NaiveDate::from_ymd_opt(2026, 12, 31));
        let mut late = QuoteInput {
            client_id: 1,
            valid_until: NaiveDate::from_ymd_opt(2026, 11, 1),
            start_date: NaiveDate::from_ymd_opt(2027, 1, 10),
            end_date: NaiveDate::from_ymd_opt(2027, 1, 5),
            ..Default::default()
        };
        let e = late.check(today, true);
        assert!(e.get("valid_until").is_some() && e.get("end_date").is_some());
    }
}
