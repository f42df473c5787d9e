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
            e.add(&field("quantity"), format!("La quantité de « {} » est supérieure à zéro.", m.content.title));
        }
        let unit_price = item.unit_price.unwrap_or(m.content.price);
        if unit_price < Decimal::ZERO || unit_price > Decimal::from(1_000_000) {
            e.add(
                &field("unit_price"),
                format!("Le prix de « {} » est compris entre 0 et 1 000 000 €.", m.content.title),
            );
        }
        if item.discount_percent < Decimal::ZERO || item.discount_percent > hundred() {
            e.add(
                &field("discount_percent"),
                format!("La remise sur « {} » est comprise entre 0 et 100 %.", m.content.title),
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
                format!("La remise sur « {} » dépasse son prix ({}).", m.content.title, crate::money::euros(gross)),
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
mod tests {
    use super::*;
    use crate::catalogue::acunum::default_catalogue;
    use crate::quote::{CountPrice, FundingInput, ItemInput, TravelInput};

    fn catalogue() -> HashMap<i64, PricedModule> {
        default_catalogue()
            .into_iter()
            .enumerate()
            .map(|(i, (kind, content))| (i as i64 + 1, PricedModule { kind, version_id: 100 + i as i64, content }))
            .collect()
    }

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    fn item(module_id: i64) -> ItemInput {
        ItemInput { module_id, ..Default::default() }
    }

    fn ctx(modules: &HashMap<i64, PricedModule>, exempt: bool) -> Context<'_> {
        Context { org_vat_exempt: exempt, modules, computed_distance_km: None }
    }

    #[test]
    fn line_details_are_written_in_french() {
        let m = catalogue();
        let input = QuoteInput {
            participants: 10,
            structures: 2,
            structure_fee: d("50"),
            items: vec![item(1)],
            travel: TravelInput {
                mode: crate::quote::TravelMode::PerKm,
                distance_km: Some(d("45.3")),
                trips: Some(1),
                rate_per_km: d("0.5"),
                ..Default::default()
            },
            ..Default::default()
        };
        let p = price(&input, &ctx(&m, true)).unwrap();
        let details: Vec<&str> = p.lines.iter().map(|l| l.detail.as_str()).collect();
        assert!(details.contains(&"1 structure impliquée, au-delà de la première"), "{details:?}");
        assert!(details.contains(&"1 aller-retour × 2 × 45,3 km"), "{details:?}");
    }

    /// Counts and amounts at the ends of their types are refused field by field, never computed.
    #[test]
    fn extreme_counts_and_amounts_are_refused_without_overflow() {
        let m = catalogue();
        let max = Decimal::MAX;
        let huge = QuoteInput {
            participants: i64::MAX,
            structures: i64::MAX,
            items: vec![ItemInput {
                module_id: 1,
                quantity: Some(max),
                unit_price: Some(max),
                discount_percent: max,
                discount_amount: Decimal::MIN,
                ..Default::default()
            }],
            structure_fee: max,
            travel: TravelInput {
                mode: crate::quote::TravelMode::PerKm,
                distance_km: Some(max),
                trips: Some(i64::MAX),
                rate_per_km: max,
                flat_amount: max,
            },
            meals: CountPrice { count: i64::MAX, unit_price: max },
            lodging: CountPrice { count: i64::MIN, unit_price: Decimal::MIN },
            funding: Some(FundingInput { amount: Decimal::MIN, share_percent: max, ..Default::default() }),
            ..Default::default()
        };
        let e = price(&huge, &ctx(&m, true)).unwrap_err();
        for field in ["participants", "structures", "items.0.quantity", "items.0.unit_price", "structure_fee"] {
            assert!(e.get(field).is_some(), "{field}: {e:?}");
        }
        let share = QuoteInput {
            items: vec![item(1)],
            funding: Some(FundingInput {
                mode: crate::quote::FundingMode::Share,
                share_percent: max,
                opco_name: "OPCO".into(),
                ..Default::default()
            }),
            ..Default::default()
        };
        let e = price(&share, &ctx(&m, true)).unwrap_err();
        assert!(e.get("funding.share_percent").is_some(), "{e:?}");
        let travel = QuoteInput {
            items: vec![item(1)],
            travel: TravelInput {
                mode: crate::quote::TravelMode::PerKm,
                distance_km: Some(d("10")),
                trips: Some(i64::MIN),
                rate_per_km: max,
                ..Default::default()
            },
            ..Default::default()
        };
        let e = price(&travel, &ctx(&m, true)).unwrap_err();
        for field in ["travel.trips", "travel.rate_per_km"] {
            assert!(e.get(field).is_some(), "{field}: {e:?}");
        }
    }

    #[test]
    fn the_culture_training_for_ten_is_four_group_days() {
        let m = catalogue();
        let input = QuoteInput { participants: 10, structures: 3, items: vec![item(1)], ..Default::default() };
        let p = price(&input, &ctx(&m, true)).unwrap();
        assert_eq!(p.lines.len(), 1);
        assert_eq!(p.lines[0].quantity, d("4"));
        assert_eq!(p.lines[0].unit, "jours");
        assert_eq!(plural("demi-journée", d("6")), "demi-journées");
        assert_eq!(plural("repas", d("12")), "repas");
        assert_eq!(plural("km", d("320")), "km");
        assert_eq!(plural("nuit", d("1")), "nuit");
        assert_eq!(p.total_ht, d("4400.00"));
        assert!(p.lines[0].vat_exempt);
        assert_eq!(p.total_ttc, d("4400.00"));
        assert!(p.exemption_mention);
        assert_eq!(p.training_hours, d("28"));
    }

    #[test]
    fn fourteen_participants_make_two_groups_of_ten() {
        let m = catalogue();
        let input = QuoteInput { participants: 14, structures: 2, items: vec![item(1)], ..Default::default() };
        let p = price(&input, &ctx(&m, true)).unwrap();
        assert_eq!(p.groups, 2);
        assert_eq!(p.lines[0].quantity, d("8"));
        assert!(p.lines[0].detail.contains("2 groupes"));
    }

    #[test]
    fn amo_is_charged_vat_even_for_an_exempt_organisation() {
        let m = catalogue();
        let input = QuoteInput {
            participants: 7,
            structures: 1,
            items: vec![ItemInput { quantity: Some(d("3")), ..item(4) }],
            ..Default::default()
        };
        let p = price(&input, &ctx(&m, true)).unwrap();
        assert_eq!(p.total_ht, d("2100.00"));
        assert_eq!(p.total_vat, d("420.00"));
        assert_eq!(p.total_ttc, d("2520.00"));
        assert!(!p.exemption_mention);
    }

    #[test]
    fn a_non_exempt_organisation_charges_vat_on_training() {
        let m = catalogue();
        let input = QuoteInput { participants: 10, structures: 1, items: vec![item(1)], ..Default::default() };
        let p = price(&input, &ctx(&m, false)).unwrap();
        assert_eq!(p.total_vat, d("880.00"));
        let bad = QuoteInput { items: vec![ItemInput { vat: VatChoice::Exempt, ..item(1) }], ..input };
        assert!(price(&bad, &ctx(&m, false)).unwrap_err().get("items.0.vat").is_some());
    }

    #[test]
    fn lines_are_rounded_one_by_one_half_away_from_zero() {
        let m = catalogue();
        // 3 × 0.335 = 1.005 → 1.01; its VAT 20 % = 0.202 → 0.20
        let input = QuoteInput {
            participants: 1,
            structures: 1,
            items: vec![ItemInput { quantity: Some(d("3")), unit_price: Some(d("0.335")), ..item(4) }],
            ..Default::default()
        };
        let p = price(&input, &ctx(&m, true)).unwrap();
        assert_eq!(p.lines[0].total_ht, d("1.01"));
        assert_eq!(p.lines[0].vat, d("0.20"));
        assert_eq!(p.total_ttc, d("1.21"));
        assert_eq!(cents(d("-1.005")), d("-1.01"));
    }

    #[test]
    fn discounts_cannot_exceed_the_price() {
        let m = catalogue();
        let input = QuoteInput {
            participants: 10,
            structures: 1,
            items: vec![ItemInput { discount_percent: d("10"), ..item(1) }],
            ..Default::default()
        };
        assert_eq!(price(&input, &ctx(&m, true)).unwrap().total_ht, d("3960.00"));
        let too_much = QuoteInput { items: vec![ItemInput { discount_amount: d("5000"), ..item(1) }], ..input.clone() };
        assert!(price(&too_much, &ctx(&m, true)).unwrap_err().get("items.0.discount_amount").is_some());
        let over_100 = QuoteInput { items: vec![ItemInput { discount_percent: d("120"), ..item(1) }], ..input };
        assert!(price(&over_100, &ctx(&m, true)).unwrap_err().get("items.0.discount_percent").is_some());
    }

    #[test]
    fn zero_or_negative_quantities_and_unknown_modules_are_refused() {
        let m = catalogue();
        let base = QuoteInput { participants: 10, structures: 1, ..Default::default() };
        let e = price(
            &QuoteInput { items: vec![ItemInput { quantity: Some(d("0")), ..item(1) }], ..base.clone() },
            &ctx(&m, true),
        )
        .unwrap_err();
        assert!(e.get("items.0.quantity").is_some());
        let e = price(&QuoteInput { items: vec![item(99)], ..base.clone() }, &ctx(&m, true)).unwrap_err();
        assert!(e.get("items").unwrap().contains("n'existe pas"));
        let e = price(&QuoteInput { participants: 0, items: vec![item(1)], ..base }, &ctx(&m, true)).unwrap_err();
        assert!(e.get("participants").is_some());
    }

    #[test]
    fn travel_is_distance_times_two_times_trips_times_rate() {
        let m = catalogue();
        let input = QuoteInput {
            participants: 10,
            structures: 3,
            items: vec![item(1)],
            travel: TravelInput {
                mode: TravelMode::PerKm,
                distance_km: None,
                trips: None,
                rate_per_km: d("0.50"),
                flat_amount: Decimal::ZERO,
            },
            ..Default::default()
        };
        let e = price(&input, &ctx(&m, true)).unwrap_err();
        assert!(e.get("travel.distance_km").is_some(), "no distance, no coordinates");
        let c = Context { org_vat_exempt: true, modules: &m, computed_distance_km: Some(d("40")) };
        let p = price(&input, &c).unwrap();
        let travel = p.lines.iter().find(|l| l.kind == LineKind::Travel).unwrap();
        // 4 training days = 4 round trips of 2 × 40 km
        assert_eq!(travel.quantity, d("320"));
        assert_eq!(travel.total_ht, d("160.00"));
        assert!(travel.vat_exempt, "accessory costs follow the exempt training");
        assert!(travel.detail.contains("vol d'oiseau"));
    }

    #[test]
    fn the_whole_cycle_for_ten_from_three_structures_with_60_percent_opco() {
        let m = catalogue();
        let input = QuoteInput {
            participants: 10,
            structures: 3,
            items: vec![
                item(1),
                ItemInput { quantity: Some(d("2")), ..item(2) },
                item(3),
                ItemInput { quantity: Some(d("5")), ..item(4) },
            ],
            structure_fee: d("150"),
            travel: TravelInput {
                mode: TravelMode::PerKm,
                distance_km: Some(d("42")),
                trips: Some(12),
                rate_per_km: d("0.45"),
                flat_amount: Decimal::ZERO,
            },
            meals: CountPrice { count: 12, unit_price: d("18.50") },
            lodging: CountPrice { count: 2, unit_price: d("85") },
            funding: Some(FundingInput {
                opco_name: "OPCO EP".into(),
                file_number: "EP-2026-123".into(),
                mode: FundingMode::Share,
                amount: Decimal::ZERO,
                share_percent: d("60"),
                subrogation: true,
                opco_siren: String::new(),
            }),
            ..Default::default()
        };
        let p = price(&input, &ctx(&m, true)).unwrap();
        // culture 4 × 1100 + 2 conferences × 450 + usage 6 × 550 (exempt) + AMO 5 × 700 (20 %)
        // + coordination 2 × 150 + travel 12 × 2 × 42 km × 0.45 + 12 meals × 18.50 + 2 nights × 85: the
        // accessory costs follow the exempt training, not the AMO line beside it.
        assert_eq!(p.lines.len(), 8);
        let ht = d("4400") + d("900") + d("3300") + d("3500") + d("300") + d("453.60") + d("222") + d("170");
        assert_eq!(p.total_ht, ht);
        assert!(p.lines.iter().filter(|l| l.kind != LineKind::Module).all(|l| l.vat_exempt));
        assert_eq!(p.total_vat, d("700.00"), "only the AMO carries VAT");
        assert_eq!(p.total_ttc, ht + d("700"));
        // The convention covers the trainings and their costs; the OPCO funds 60 % of it.
        let convention = d("4400") + d("3300") + d("300") + d("453.60") + d("222") + d("170");
        assert_eq!((p.convention_ht, p.convention_ttc), (convention, convention));
        let f = p.funding.as_ref().unwrap();
        assert_eq!(f.opco_amount, cents(convention * d("0.6")));
        assert_eq!(f.opco_amount + f.client_amount, p.convention_ttc);
        assert_eq!(p.client_amount, p.total_ttc - f.opco_amount);
        assert_eq!(p.vat_groups.len(), 2);
        assert_eq!(p.training_hours, d("52"));
    }

    #[test]
    fn funding_can_never_exceed_the_total() {
        let m = catalogue();
        let input = QuoteInput {
            participants: 10,
            structures: 1,
            items: vec![item(1)],
            funding: Some(FundingInput {
                opco_name: "Akto".into(),
                mode: FundingMode::Amount,
                amount: d("5000"),
                ..Default::default()
            }),
            ..Default::default()
        };
        let e = price(&input, &ctx(&m, true)).unwrap_err();
        assert!(e.get("funding.amount").unwrap().contains("dépasse"));
        let share = QuoteInput {
            funding: Some(FundingInput {
                opco_name: "Akto".into(),
                mode: FundingMode::Share,
                share_percent: d("150"),
                ..Default::default()
            }),
            ..input
        };
        assert!(price(&share, &ctx(&m, true)).unwrap_err().get("funding.share_percent").is_some());
    }

    #[test]
    fn distances_are_computed_on_the_great_circle() {
        // Angoulême → Cognac ≈ 38 km as the crow flies.
        let km = distance_km((45.6484, 0.1562), (45.6958, -0.3287));
        assert!(km >= d("37") && km <= d("39"), "{km}");
    }
}
