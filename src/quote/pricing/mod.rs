//! The price of a quote, as pure functions over `rust_decimal` (never floats).
//!
//! Rounding follows the one rule of [`crate::money`]: every line is rounded to the cent on its own,
//! half away from zero: its gross amount (quantity × unit price), its discount, then its VAT
//! (excl.-VAT amount × rate). A line's total incl. VAT is its excl.-VAT amount plus its VAT; the
//! quote's totals are the sums of the rounded lines, so that the document always adds up.

use std::collections::HashMap;

use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use serde::{Deserialize, Serialize};

use crate::catalogue::{ModuleContent, ModuleKind, PriceBasis, Unit};
use crate::error::FieldErrors;
use crate::quote::{FundingMode, QuoteInput, TravelMode, VatChoice};

pub use crate::money::cents;

/// The standard VAT rate in France.
pub fn standard_vat_rate() -> Decimal {
    Decimal::new(20, 0)
}

/// What a line of the quote is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum LineKind {
    Module,
    Structures,
    Travel,
    Meals,
    Lodging,
}

/// A priced line.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Line {
    pub kind: LineKind,
    pub module_id: Option<i64>,
    /// The catalogue version the line was priced from (kept by the cycle).
    pub module_version_id: Option<i64>,
    pub module_kind: Option<ModuleKind>,
    pub label: String,
    pub detail: String,
    #[schema(value_type = String)]
    pub quantity: Decimal,
    pub unit: String,
    #[schema(value_type = String)]
    pub unit_price: Decimal,
    #[schema(value_type = String)]
    pub gross: Decimal,
    #[schema(value_type = String)]
    pub discount: Decimal,
    #[schema(value_type = String)]
    pub total_ht: Decimal,
    /// VAT rate in percent (0 when exempt).
    #[schema(value_type = String)]
    pub vat_rate: Decimal,
    #[schema(value_type = String)]
    pub vat: Decimal,
    #[schema(value_type = String)]
    pub total_ttc: Decimal,
    /// Exempt under art. 261-4-4° a du CGI.
    pub vat_exempt: bool,
    /// A professional-training line (it goes into the convention de formation).
    pub is_training: bool,
}

/// The VAT of one rate.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct VatGroup {
    #[schema(value_type = String)]
    pub rate: Decimal,
    #[schema(value_type = String)]
    pub base: Decimal,
    #[schema(value_type = String)]
    pub vat: Decimal,
}

/// Who pays what.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct FundingSplit {
    pub opco_name: String,
    pub file_number: String,
    /// With subrogation the OPCO pays the training organisation directly.
    pub subrogation: bool,
    #[schema(value_type = String)]
    pub opco_amount: Decimal,
    /// What the client pays of the convention's part (the trainings and their costs).
    #[schema(value_type = String)]
    pub client_amount: Decimal,
}

/// A priced quote.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Priced {
    pub lines: Vec<Line>,
    #[schema(value_type = String)]
    pub total_ht: Decimal,
    #[schema(value_type = String)]
    pub total_vat: Decimal,
    #[schema(value_type = String)]
    pub total_ttc: Decimal,
    pub vat_groups: Vec<VatGroup>,
    /// At least one line is exempt: the documents carry the exemption mention.
    pub exemption_mention: bool,
    pub funding: Option<FundingSplit>,
    /// What the client pays (total minus the OPCO's part).
    #[schema(value_type = String)]
    pub client_amount: Decimal,
    /// Number of groups the participants make, per training module.
    pub groups: i64,
    /// Training hours per participant (for the convention).
    #[schema(value_type = String)]
    pub training_hours: Decimal,
    /// Distance used for travel, in km (one way).
    #[schema(value_type = Option<String>)]
    pub distance_km: Option<Decimal>,
    /// The part of the quote the convention de formation covers (the trainings and their
    /// accessory costs), excl. VAT, and incl. VAT: the OPCO's share is a share of it.
    #[serde(default)]
    #[schema(value_type = String)]
    pub convention_ht: Decimal,
    #[serde(default)]
    #[schema(value_type = String)]
    pub convention_ttc: Decimal,
}

impl Line {
    /// Whether the line is in the convention de formation: a training, or a cost accessory to it.
    pub fn in_convention(&self) -> bool {
        self.is_training || !matches!(self.kind, LineKind::Module)
    }
}

/// A catalogue module as the pricing reads it.
#[derive(Clone, Debug)]
pub struct PricedModule {
    pub kind: ModuleKind,
    pub version_id: i64,
    pub content: ModuleContent,
}

/// What pricing needs besides the input.
pub struct Context<'a> {
    /// The organisation is exempt for its training (art. 261-4-4° a du CGI).
    pub org_vat_exempt: bool,
    pub modules: &'a HashMap<i64, PricedModule>,
    /// Distance from the intervenant's place to the client, when both have coordinates.
    pub computed_distance_km: Option<Decimal>,
}

/// The VAT of each rate: the base is the sum of the amounts excl. VAT at that rate, the VAT is the
/// base × the rate, rounded to the cent once per rate (EN 16931, BR-CO-17), so that a quote, its
/// convention and its invoices agree to the cent.
pub fn vat_groups(amounts: impl IntoIterator<Item = (Decimal, Decimal)>) -> Vec<VatGroup> {
    let mut groups: Vec<VatGroup> = Vec::new();
    for (rate, base) in amounts {
        match groups.iter_mut().find(|g| g.rate == rate) {
            Some(g) => g.base += base,
            None => groups.push(VatGroup { rate, base, vat: Decimal::ZERO }),
        }
    }
    for g in &mut groups {
        g.vat = cents(g.base * g.rate / Decimal::from(100));
    }
    groups
}

/// The VAT groups of some lines.
pub fn vat_groups_of<'a>(lines: impl IntoIterator<Item = &'a Line>) -> Vec<VatGroup> {
    vat_groups(lines.into_iter().map(|l| (l.vat_rate, l.total_ht)))
}

/// How many groups `participants` make for a module of at most `max` people.
pub fn groups(participants: i64, max: Option<i64>) -> i64 {
    match max {
        Some(m) if m > 0 && participants > 0 => (participants + m - 1) / m,
        _ => 1,
    }
}

fn day_equivalents(c: &ModuleContent) -> Decimal {
    match c.unit {
        Unit::Day => Decimal::from(c.unit_count),
        Unit::HalfDay => Decimal::from(c.unit_count) / Decimal::from(2),
        Unit::Session | Unit::Meeting => Decimal::from(c.duration_minutes()) / Decimal::from(420),
    }
}

/// The quantity a module is priced by, and its unit, before any override.
pub fn default_quantity(c: &ModuleContent, participants: i64) -> (Decimal, &'static str) {
    let g = Decimal::from(groups(participants, c.headcount_max));
    match c.price_basis {
        PriceBasis::PerGroupDay => (day_equivalents(c) * g, "jour"),
        PriceBasis::PerGroupHalfDay => {
            let halves = match c.unit {
                Unit::Day => Decimal::from(c.unit_count * 2),
                _ => Decimal::from(c.unit_count),
            };
            (halves * g, "demi-journée")
        }
        PriceBasis::PerParticipant => (Decimal::from(participants), "participant"),
        PriceBasis::PerConference => (Decimal::from(c.unit_count.max(1)), "conférence"),
        PriceBasis::PerDay => {
            let d = day_equivalents(c);
            (if d.is_zero() { Decimal::ONE } else { d }, "jour")
        }
        PriceBasis::PerHour => {
            let h = Decimal::from(c.duration_minutes()) / Decimal::from(60);
            (if h.is_zero() { Decimal::ONE } else { h }, "heure")
        }
    }
}

/// Great-circle distance between two points, in km rounded to the km (the travel line says it is
/// « à vol d'oiseau »; the coordinator may type the road distance instead).
pub fn distance_km(a: (f64, f64), b: (f64, f64)) -> Decimal {
    let (lat1, lon1, lat2, lon2) = (a.0.to_radians(), a.1.to_radians(), b.0.to_radians(), b.1.to_radians());
    let h = ((lat2 - lat1) / 2.0).sin().powi(2) + lat1.cos() * lat2.cos() * ((lon2 - lon1) / 2.0).sin().powi(2);
    let km = 2.0 * 6371.0088 * h.sqrt().asin();
    Decimal::from_f64_retain(km.round()).unwrap_or_default()
}

/// "jour" → "jours" beyond one ("km" and "repas" do not change).
pub fn plural(unit: &str, quantity: Decimal) -> String {
    if quantity > Decimal::ONE && !unit.ends_with('s') && unit != "km" {
        unit.split(' ').map(|w| format!("{w}s")).collect::<Vec<_>>().join(" ")
    } else {
        unit.to_string()
    }
}

struct LineBuilder {
    lines: Vec<Line>,
}

impl LineBuilder {
    #[allow(clippy::too_many_arguments)]
    fn push(
        &mut self,
        kind: LineKind,
        label: String,
        detail: String,
        quantity: Decimal,
        unit: &str,
        unit_price: Decimal,
        discount: Decimal,
        exempt: bool,
        is_training: bool,
    ) -> &mut Line {
        let gross = cents(quantity * unit_price);
        let total_ht = gross - discount;
        let vat_rate = if exempt { Decimal::ZERO } else { standard_vat_rate() };
        let vat = cents(total_ht * vat_rate / Decimal::from(100));
        let unit = plural(unit, quantity);
        self.lines.push(Line {
            kind,
            module_id: None,
            module_version_id: None,
            module_kind: None,
            label,
            detail,
            quantity,
            unit,
            unit_price,
            gross,
            discount,
            total_ht,
            vat_rate,
            vat,
            total_ttc: total_ht + vat,
            vat_exempt: exempt,
            is_training,
        });
        self.lines.last_mut().expect("just pushed")
    }
}

fn hundred() -> Decimal {
    Decimal::from(100)
}

/// Prices a quote; every mistake of the input is reported against its field.
pub fn price(input: &QuoteInput, ctx: &Context) -> Result<Priced, FieldErrors> {
    let mut e = FieldErrors::new();
    if !(1..=1000).contains(&input.participants) {
        e.add("participants", "Le nombre de participants est compris entre 1 et 1000.");
    }
    // Counts and amounts are checked against their bounds before any arithmetic: out of bounds,
    // the field is reported and nothing is computed from it (no overflow, whatever is sent).
    let participants = input.participants.clamp(1, 1000);
    if input.structures < 1 || input.structures > participants {
        e.add("structures", "Le nombre de structures est compris entre 1 et le nombre de participants.");
    }
    if input.items.is_empty() {
        e.add("items", "Choisissez au moins un module du catalogue.");
    }
    let mut b = LineBuilder { lines: Vec::new() };
    let mut training_minutes = 0i64;
    let mut sittings = Decimal::ZERO;
    let mut max_groups = 1;
    for (i, item) in input.items.iter().enumerate() {
        let Some(m) = ctx.modules.get(&item.module_id) else {
            e.add("items", format!("Le module n° {} n'existe pas dans votre catalogue.", item.module_id));
            continue;
        };
        let field = |name: &str| format!("items.{i}.{name}");
        // Each bound is checked once below; a line with a field out of its bounds is reported and
        // not computed (no overflow, whatever is sent).
        let refused_before = e.0.len();
        let (default_qty, unit) = default_quantity(&m.content, participants);
        let quantity = item.quantity.unwrap_or(default_qty);
        if quantity <= Decimal::ZERO || quantity > Decimal::from(10_000) {
            e.add(
                &field("quantity"),
                format!("La quantité de {} est supérieure à zéro.", crate::fr::quoted(&m.content.title)),
            );
        }
        let unit_price = item.unit_price.unwrap_or(m.content.price);
        if unit_price < Decimal::ZERO || unit_price > Decimal::from(1_000_000) {
            e.add(
                &field("unit_price"),
                format!("Le prix de {} est compris entre 0 et 1 000 000 €.", crate::fr::quoted(&m.content.title)),
            );
        }
        if item.discount_percent < Decimal::ZERO || item.discount_percent > hundred() {
            e.add(
                &field("discount_percent"),
                format!("La remise sur {} est comprise entre 0 et 100 %.", crate::fr::quoted(&m.content.title)),
            );
        }
        if item.discount_amount < Decimal::ZERO || item.discount_amount > Decimal::from(10_000_000) {
            e.add(&field("discount_amount"), "Une remise est un montant positif, de 10 000 000 € au plus.");
        }
        if e.0.len() > refused_before {
            continue;
        }
        let gross = cents(quantity * unit_price);
        let discount = cents(gross * item.discount_percent / hundred()) + cents(item.discount_amount);
        if discount > gross {
            e.add(
                &field("discount_amount"),
                format!(
                    "La remise sur {} dépasse son prix ({}).",
                    crate::fr::quoted(&m.content.title),
                    crate::money::euros(gross)
                ),
            );
        }
        let training_like =
            matches!(m.kind, ModuleKind::CultureTraining | ModuleKind::UsageTraining | ModuleKind::Conference);
        let exempt = match item.vat {
            VatChoice::Default => training_like && ctx.org_vat_exempt,
            VatChoice::Exempt => {
                if !ctx.org_vat_exempt {
                    e.add(
                        &field("vat"),
                        "Votre organisation n'est pas déclarée exonérée de TVA (voir la page Organisation).",
                    );
                }
                true
            }
            VatChoice::Standard => false,
        };
        let g = groups(participants, m.content.headcount_max);
        max_groups = max_groups.max(g);
        if m.kind.is_training() {
            training_minutes += m.content.duration_minutes();
        }
        let detail = if m.kind == ModuleKind::Conference {
            format!("{} ; {}", m.content.duration_label(), m.content.headcount_label())
        } else if g > 1 {
            format!(
                "{} ; {} groupes de {} personnes au plus",
                m.content.duration_label(),
                g,
                m.content.headcount_max.unwrap_or_default()
            )
        } else {
            m.content.duration_label()
        };
        // One round trip per day, half-day, conference or day of AMO.
        sittings += match m.content.price_basis {
            PriceBasis::PerConference | PriceBasis::PerDay => quantity.ceil(),
            PriceBasis::PerHour => (quantity / Decimal::from(7)).ceil(),
            _ => Decimal::from(m.content.unit_count * g),
        };
        let line = b.push(
            LineKind::Module,
            m.content.title.clone(),
            detail,
            quantity,
            unit,
            unit_price,
            discount,
            exempt,
            m.kind.is_training(),
        );
        line.module_id = Some(item.module_id);
        line.module_version_id = Some(m.version_id);
        line.module_kind = Some(m.kind);
    }
    // Accessory costs follow the VAT regime of their principal service (CGI, art. 257 ter): the
    // training when the quote has one (an AMO line beside it does not make the trip taxable), else
    // the other modules.
    let training: Vec<&Line> = b.lines.iter().filter(|l| l.is_training).collect();
    let principal: Vec<&Line> = if training.is_empty() { b.lines.iter().collect() } else { training };
    let accessories_exempt = !principal.is_empty() && principal.iter().all(|l| l.vat_exempt);

    if input.structure_fee < Decimal::ZERO || input.structure_fee > Decimal::from(100_000) {
        e.add("structure_fee", "Le supplément par structure est un montant positif, de 100 000 € au plus.");
    } else if input.structure_fee > Decimal::ZERO && input.structures > 1 && input.structures <= participants {
        let n = Decimal::from(input.structures - 1);
        b.push(
            LineKind::Structures,
            "Coordination multi-structures".into(),
            format!(
                "{}, au-delà de la première",
                crate::fr::plural(input.structures - 1, "structure impliquée", "structures impliquées")
            ),
            n,
            "structure",
            input.structure_fee,
            Decimal::ZERO,
            accessories_exempt,
            false,
        );
    }
    let mut distance = None;
    match input.travel.mode {
        TravelMode::None => {}
        TravelMode::PerKm => {
            let km = input.travel.distance_km.or(ctx.computed_distance_km);
            let trips = input.travel.trips.map(Decimal::from).unwrap_or(sittings).max(Decimal::ZERO);
            match km {
                None => e.add("travel.distance_km", "Indiquez la distance, ou donnez des coordonnées au client et à l'intervenant pour qu'elle soit calculée."),
                Some(km) if km < Decimal::ZERO || km > Decimal::from(20_000) => e.add("travel.distance_km", "La distance est comprise entre 0 et 20 000 km."),
                Some(km) => {
                    if input.travel.rate_per_km < Decimal::ZERO || input.travel.rate_per_km > Decimal::from(100) {
                        e.add("travel.rate_per_km", "Le tarif kilométrique est compris entre 0 et 100 €.");
                    }
                    if input.travel.trips.is_some_and(|t| !(0..=10_000).contains(&t)) {
                        e.add("travel.trips", "Le nombre d'allers-retours est compris entre 0 et 10 000.");
                    }
                    distance = Some(km);
                    let total_km = km * Decimal::from(2) * trips.min(Decimal::from(10_000));
                    if total_km > Decimal::ZERO && e.is_empty() {
                        let how = if input.travel.distance_km.is_some() { "" } else { " à vol d'oiseau" };
                        b.push(LineKind::Travel, "Frais de déplacement".into(), format!("{} × 2 × {} km{how}", crate::fr::plural(trips.to_i64().unwrap_or(0), "aller-retour", "allers-retours"), crate::fr::decimal(km)), total_km, "km", input.travel.rate_per_km, Decimal::ZERO, accessories_exempt, false);
                    }
                }
            }
        }
        TravelMode::Flat => {
            if input.travel.flat_amount < Decimal::ZERO || input.travel.flat_amount > Decimal::from(100_000) {
                e.add("travel.flat_amount", "Le forfait de déplacement est compris entre 0 et 100 000 €.");
            } else if input.travel.flat_amount > Decimal::ZERO {
                b.push(
                    LineKind::Travel,
                    "Frais de déplacement".into(),
                    "forfait".into(),
                    Decimal::ONE,
                    "forfait",
                    input.travel.flat_amount,
                    Decimal::ZERO,
                    accessories_exempt,
                    false,
                );
            }
        }
    }
    for (field, cp, kind, label, unit) in [
        ("meals", &input.meals, LineKind::Meals, "Frais de restauration", "repas"),
        ("lodging", &input.lodging, LineKind::Lodging, "Frais d'hébergement", "nuit"),
    ] {
        if cp.count < 0 || cp.count > 10_000 {
            e.add(&format!("{field}.count"), "Le nombre est compris entre 0 et 10 000.");
        } else if cp.unit_price < Decimal::ZERO || cp.unit_price > Decimal::from(10_000) {
            e.add(&format!("{field}.unit_price"), "Le prix unitaire est compris entre 0 et 10 000 €.");
        } else if cp.count > 0 && cp.unit_price > Decimal::ZERO {
            b.push(
                kind,
                label.into(),
                String::new(),
                Decimal::from(cp.count),
                unit,
                cp.unit_price,
                Decimal::ZERO,
                accessories_exempt,
                false,
            );
        }
    }
    if !e.is_empty() {
        return Err(e);
    }
    let lines = b.lines;
    let total_ht: Decimal = lines.iter().map(|l| l.total_ht).sum();
    let vat_groups = vat_groups(lines.iter().map(|l| (l.vat_rate, l.total_ht)));
    let total_vat: Decimal = vat_groups.iter().map(|g| g.vat).sum();
    let total_ttc = total_ht + total_vat;
    // An OPCO funds the training: its share is one of the convention's part of the quote.
    let convention_ht: Decimal = lines.iter().filter(|l| l.in_convention()).map(|l| l.total_ht).sum();
    let convention_vat: Decimal = vat_groups_of(lines.iter().filter(|l| l.in_convention())).iter().map(|g| g.vat).sum();
    let convention_ttc = convention_ht + convention_vat;
    let funding = match &input.funding {
        None => None,
        Some(f) => {
            let opco = match f.mode {
                FundingMode::Amount if f.amount.abs() > Decimal::from(100_000_000) => {
                    e.add("funding.amount", "La prise en charge est comprise entre 0 et 100 000 000 €.");
                    Decimal::ZERO
                }
                FundingMode::Amount => cents(f.amount),
                FundingMode::Share => {
                    if f.share_percent < Decimal::ZERO || f.share_percent > hundred() {
                        e.add("funding.share_percent", "La part prise en charge est comprise entre 0 et 100 %.");
                        Decimal::ZERO
                    } else {
                        cents(convention_ttc * f.share_percent / hundred())
                    }
                }
            };
            if opco < Decimal::ZERO {
                e.add("funding.amount", "La prise en charge est un montant positif.");
            } else if opco > convention_ttc {
                e.add(
                    "funding.amount",
                    format!(
                        "La prise en charge de l'OPCO ({}) dépasse le total de la formation ({}).",
                        crate::money::euros(opco),
                        crate::money::euros(convention_ttc)
                    ),
                );
            }
            if f.opco_name.trim().is_empty() {
                e.add("funding.opco_name", "Indiquez le nom de l'OPCO.");
            }
            Some(FundingSplit {
                opco_name: f.opco_name.trim().into(),
                file_number: f.file_number.trim().into(),
                subrogation: f.subrogation,
                opco_amount: opco,
                client_amount: convention_ttc - opco,
            })
        }
    };
    if !e.is_empty() {
        return Err(e);
    }
    let client_amount = total_ttc - funding.as_ref().map(|f| f.opco_amount).unwrap_or_default();
    Ok(Priced {
        exemption_mention: lines.iter().any(|l| l.vat_exempt),
        lines,
        total_ht,
        total_vat,
        total_ttc,
        vat_groups,
        funding,
        client_amount,
        groups: max_groups,
        training_hours: Decimal::from(training_minutes) / Decimal::from(60),
        distance_km: distance,
        convention_ht,
        convention_ttc,
    })
}

#[cfg(test)]
mod tests;
