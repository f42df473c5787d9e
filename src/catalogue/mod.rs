//! The catalogue of modules: the culture training, the conferences, the usage training and the
//! AMO, with everything a public programme sheet must say (Qualiopi indicator 1).
//!
//! Nothing of a module's figures is a constant: a module's content (duration, split, headcount,
//! plan, price...) is data, stored as a JSON document in an immutable *version*. Editing a module
//! writes a new version; a cycle that used a module keeps the version it used.

pub mod acunum;
pub mod api;
pub mod questionnaire;
pub mod store;
pub mod web;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::error::FieldErrors;

/// The four kinds of modules of an ACUNUM cycle.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ModuleKind {
    /// Formation aux cultures numériques (phase 1, groupe mixte).
    CultureTraining,
    /// Conférence « Pourquoi comprendre les cultures numériques dans nos métiers ? » (phase 1).
    Conference,
    /// Formation aux usages numériques (phase 2, comité de pilotage).
    UsageTraining,
    /// Accompagnement à Maîtrise d'Ouvrage (phase 3).
    Amo,
}

impl ModuleKind {
    pub const ALL: [ModuleKind; 4] =
        [ModuleKind::CultureTraining, ModuleKind::Conference, ModuleKind::UsageTraining, ModuleKind::Amo];

    pub fn as_str(self) -> &'static str {
        match self {
            ModuleKind::CultureTraining => "culture_training",
            ModuleKind::Conference => "conference",
            ModuleKind::UsageTraining => "usage_training",
            ModuleKind::Amo => "amo",
        }
    }

    pub fn parse(s: &str) -> Option<ModuleKind> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            ModuleKind::CultureTraining => "Formation aux cultures numériques",
            ModuleKind::Conference => "Conférence",
            ModuleKind::UsageTraining => "Formation aux usages numériques",
            ModuleKind::Amo => "Accompagnement à maîtrise d'ouvrage",
        }
    }

    /// Trainings (formations) fall under the professional-training rules (convention, attendance,
    /// VAT exemption when the organisation has it); conferences and AMO are services.
    pub fn is_training(self) -> bool {
        matches!(self, ModuleKind::CultureTraining | ModuleKind::UsageTraining)
    }
}

/// How a module splits into sittings.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    Day,
    HalfDay,
    Session,
    Meeting,
}

impl Unit {
    pub const ALL: [Unit; 4] = [Unit::Day, Unit::HalfDay, Unit::Session, Unit::Meeting];

    pub fn as_str(self) -> &'static str {
        match self {
            Unit::Day => "day",
            Unit::HalfDay => "half_day",
            Unit::Session => "session",
            Unit::Meeting => "meeting",
        }
    }

    pub fn parse(s: &str) -> Option<Unit> {
        Self::ALL.into_iter().find(|u| u.as_str() == s)
    }

    /// "jour" / "jours"...
    pub fn noun(self, n: i64) -> &'static str {
        let plural = n > 1;
        match (self, plural) {
            (Unit::Day, false) => "jour",
            (Unit::Day, true) => "jours",
            (Unit::HalfDay, false) => "demi-journée",
            (Unit::HalfDay, true) => "demi-journées",
            (Unit::Session, false) => "séance",
            (Unit::Session, true) => "séances",
            (Unit::Meeting, false) => "rencontre",
            (Unit::Meeting, true) => "rencontres",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Unit::Day => "Journées",
            Unit::HalfDay => "Demi-journées",
            Unit::Session => "Séances",
            Unit::Meeting => "Rencontres",
        }
    }
}

/// What the price of a module is counted by.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PriceBasis {
    PerGroupDay,
    PerGroupHalfDay,
    PerParticipant,
    PerConference,
    PerDay,
    PerHour,
}

impl PriceBasis {
    pub const ALL: [PriceBasis; 6] = [
        PriceBasis::PerGroupDay,
        PriceBasis::PerGroupHalfDay,
        PriceBasis::PerParticipant,
        PriceBasis::PerConference,
        PriceBasis::PerDay,
        PriceBasis::PerHour,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            PriceBasis::PerGroupDay => "per_group_day",
            PriceBasis::PerGroupHalfDay => "per_group_half_day",
            PriceBasis::PerParticipant => "per_participant",
            PriceBasis::PerConference => "per_conference",
            PriceBasis::PerDay => "per_day",
            PriceBasis::PerHour => "per_hour",
        }
    }

    pub fn parse(s: &str) -> Option<PriceBasis> {
        Self::ALL.into_iter().find(|p| p.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            PriceBasis::PerGroupDay => "par journée de formation (groupe)",
            PriceBasis::PerGroupHalfDay => "par demi-journée de formation (groupe)",
            PriceBasis::PerParticipant => "par participant",
            PriceBasis::PerConference => "par conférence",
            PriceBasis::PerDay => "par journée d'intervention",
            PriceBasis::PerHour => "par heure d'intervention",
        }
    }
}

/// One day, half-day or sitting of the programme.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PlanUnit {
    /// "Jour 1", "Demi-journée 3"...
    pub title: String,
    /// The theme of the sitting.
    #[serde(default)]
    pub description: String,
    /// Its points, in order.
    #[serde(default)]
    pub items: Vec<String>,
}

/// The content of one version of a module: everything the programme sheet shows.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ModuleContent {
    pub title: String,
    /// Présentation et objectifs (free text).
    #[serde(default)]
    pub summary: String,
    /// Objectifs pédagogiques, one per line.
    #[serde(default)]
    pub objectives: String,
    /// Public visé.
    #[serde(default)]
    pub public_target: String,
    /// Prérequis : niveau de culture numérique.
    #[serde(default)]
    pub prereq_culture: String,
    /// Prérequis : niveau de technicité.
    #[serde(default)]
    pub prereq_technicity: String,
    /// Autres prérequis.
    #[serde(default)]
    pub prereq_other: String,
    /// Effectif maximal; none for a large audience (conferences).
    pub headcount_max: Option<i64>,
    pub unit: Unit,
    /// Number of days, half-days or sittings (0 for an AMO that follows the action plan).
    pub unit_count: i64,
    /// Length of one unit in minutes (7 h = 420).
    pub unit_minutes: i64,
    #[serde(default)]
    pub plan: Vec<PlanUnit>,
    /// Méthodes mobilisées.
    #[serde(default)]
    pub methods: String,
    /// Modalités d'évaluation.
    #[serde(default)]
    pub evaluation: String,
    /// Accessibilité aux personnes handicapées.
    #[serde(default)]
    pub accessibility: String,
    /// Modalités et délais d'accès.
    #[serde(default)]
    pub access_modalities: String,
    pub price_basis: PriceBasis,
    /// Price excluding VAT, per `price_basis`, as a decimal string ("1100.00").
    #[schema(value_type = String, example = "1100.00")]
    pub price: Decimal,
    /// Room and equipment the host structure provides (a checklist).
    #[serde(default)]
    pub logistics: Vec<String>,
    /// Optional topics the committee may choose from (usage training).
    #[serde(default)]
    pub topics: Vec<String>,
    /// The positioning and assessment questions, each tied to an objective (empty: the default ones
    /// of the module's kind, [`questionnaire::questions_of`]).
    #[serde(default)]
    pub questionnaire: Vec<questionnaire::Question>,
}

pub const MAX_LONG_TEXT: usize = 10_000;

impl ModuleContent {
    /// Total length in minutes.
    pub fn duration_minutes(&self) -> i64 {
        self.unit_count * self.unit_minutes
    }

    /// "28 heures réparties sur 4 jours", "3 heures", "durée selon le plan d'action".
    pub fn duration_label(&self) -> String {
        if self.unit_count == 0 {
            return format!(
                "selon le plan d'action ({} de {} par {})",
                self.unit.noun(2),
                hours(self.unit_minutes),
                self.unit.noun(1)
            );
        }
        let total = hours(self.duration_minutes());
        if self.unit_count == 1 {
            total
        } else {
            format!("{total} réparties sur {} {}", self.unit_count, self.unit.noun(self.unit_count))
        }
    }

    /// "Petit groupe de 10 personnes max" or "Large public".
    pub fn headcount_label(&self) -> String {
        match self.headcount_max {
            Some(n) => format!("{n} personnes au maximum"),
            None => "Large public".into(),
        }
    }

    pub fn objectives_list(&self) -> Vec<&str> {
        self.objectives.lines().map(str::trim).map(|l| l.trim_start_matches("- ")).filter(|l| !l.is_empty()).collect()
    }

    /// Checks the content of a module of `kind`.
    pub fn validate(&self, kind: ModuleKind) -> Result<ModuleContent, FieldErrors> {
        let mut e = FieldErrors::new();
        let mut c = self.clone();
        c.title = crate::text::check_text(&mut e, "title", &self.title, true, 200);
        if !c.title.is_empty() && c.title.chars().count() < 3 {
            e.add("title", "Le titre doit compter au moins 3 caractères.");
        }
        for (field, value) in [
            ("summary", &mut c.summary),
            ("objectives", &mut c.objectives),
            ("public_target", &mut c.public_target),
            ("prereq_culture", &mut c.prereq_culture),
            ("prereq_technicity", &mut c.prereq_technicity),
            ("prereq_other", &mut c.prereq_other),
            ("methods", &mut c.methods),
            ("evaluation", &mut c.evaluation),
            ("accessibility", &mut c.accessibility),
            ("access_modalities", &mut c.access_modalities),
        ] {
            *value = crate::text::check_text(&mut e, field, value, false, MAX_LONG_TEXT);
        }
        if let Some(n) = c.headcount_max
            && !(1..=1000).contains(&n)
        {
            e.add(
                "headcount_max",
                "L'effectif maximal est compris entre 1 et 1000 (laissez vide pour un large public).",
            );
        }
        if !(0..=100).contains(&c.unit_count) {
            e.add("unit_count", "Le nombre de séquences est compris entre 0 et 100.");
        } else if c.unit_count == 0 && kind != ModuleKind::Amo {
            e.add("unit_count", "Ce module compte au moins une séquence.");
        }
        if !(15..=720).contains(&c.unit_minutes) {
            e.add("unit_minutes", "Une séquence dure entre 15 minutes et 12 heures.");
        }
        if c.price < Decimal::ZERO || c.price > Decimal::from(1_000_000) {
            e.add("price", "Le prix est compris entre 0 et 1 000 000 €.");
        }
        c.price = crate::money::unit(c.price);
        if c.plan.len() > 100 {
            e.add("plan", "Le programme détaillé compte au plus 100 séquences.");
        }
        for u in &mut c.plan {
            u.title = u.title.trim().to_string();
            u.description = u.description.trim().to_string();
            u.items = u.items.iter().map(|i| i.trim().to_string()).filter(|i| !i.is_empty()).collect();
            if u.title.is_empty()
                || u.title.chars().count() > 200
                || u.description.chars().count() > 1000
                || u.items.len() > 50
                || u.items.iter().any(|i| i.chars().count() > 1000)
            {
                e.add("plan", "Chaque séquence du programme a un titre (200 caractères au plus), une description et des points de 1000 caractères au plus.");
                break;
            }
        }
        for (field, list) in [("logistics", &mut c.logistics), ("topics", &mut c.topics)] {
            *list = list.iter().map(|i| i.trim().to_string()).filter(|i| !i.is_empty()).collect();
            if list.len() > 60 || list.iter().any(|i| i.chars().count() > 300) {
                e.add(field, "Cette liste compte au plus 60 lignes de 300 caractères.");
            }
        }
        if let Some(message) = questionnaire::orphan(&c.questionnaire, c.objectives_list().len()) {
            e.add("objectives", message);
        } else if !c.questionnaire.is_empty() {
            match questionnaire::check_list(&c.questionnaire, c.objectives_list().len()) {
                Ok(q) => c.questionnaire = q,
                Err(qe) => {
                    let first = qe.0.first().map(|x| x.message.clone()).unwrap_or_default();
                    e.add("questionnaire", format!("Questionnaire de positionnement : {first}"));
                }
            }
        }
        if e.is_empty() { Ok(c) } else { Err(e) }
    }
}

/// "7 heures", "3 h 30", "24 heures".
pub fn hours(minutes: i64) -> String {
    let (h, m) = (minutes / 60, minutes % 60);
    match (h, m) {
        (0, m) => format!("{m} minutes"),
        (1, 0) => "1 heure".into(),
        (h, 0) => format!("{h} heures"),
        (h, m) => format!("{h} h {m:02}"),
    }
}

/// Reads the programme typed in a form: `## Jour 1 : thème` starts a sitting, `- point` adds a point.
pub fn parse_plan(text: &str) -> Vec<PlanUnit> {
    let mut plan: Vec<PlanUnit> = Vec::new();
    for line in text.lines() {
        let line = line.trim();
        if let Some(head) = line.strip_prefix("##") {
            let head = head.trim_start_matches('#').trim();
            let (title, description) = match head.split_once(':') {
                Some((t, d)) => (t.trim(), d.trim()),
                None => (head, ""),
            };
            plan.push(PlanUnit { title: title.into(), description: description.into(), items: Vec::new() });
        } else if let Some(item) = line.strip_prefix("- ").or_else(|| line.strip_prefix("* ")) {
            match plan.last_mut() {
                Some(u) => u.items.push(item.trim().into()),
                None => plan.push(PlanUnit {
                    title: "Programme".into(),
                    description: String::new(),
                    items: vec![item.trim().into()],
                }),
            }
        } else if !line.is_empty() {
            match plan.last_mut() {
                Some(u) if u.description.is_empty() && u.items.is_empty() => u.description = line.into(),
                Some(u) => u.items.push(line.into()),
                None => plan.push(PlanUnit { title: line.into(), description: String::new(), items: Vec::new() }),
            }
        }
    }
    plan
}

/// Writes a programme in the form's syntax (the inverse of [`parse_plan`]).
pub fn format_plan(plan: &[PlanUnit]) -> String {
    let mut out = String::new();
    for u in plan {
        if u.description.is_empty() {
            out.push_str(&format!("## {}\n", u.title));
        } else {
            out.push_str(&format!("## {} : {}\n", u.title, u.description));
        }
        for i in &u.items {
            out.push_str(&format!("- {i}\n"));
        }
        out.push('\n');
    }
    out.trim_end().to_string()
}

/// A module of the catalogue with its current content.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Module {
    pub id: i64,
    pub kind: ModuleKind,
    /// The number of the current version (1, 2, ...).
    pub version: i64,
    /// The module this one is a variant of.
    pub variant_of: Option<i64>,
    /// Shown on the public programme page.
    pub published: bool,
    pub archived: bool,
    pub updated_at: i64,
    pub content: ModuleContent,
}

/// One stored version of a module.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct ModuleVersion {
    /// Identifier of the version itself (what cycles refer to).
    pub id: i64,
    pub module_id: i64,
    pub version: i64,
    pub created_at: i64,
    pub created_by: Option<String>,
    pub content: ModuleContent,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn culture() -> ModuleContent {
        acunum::default_catalogue().remove(0).1
    }

    #[test]
    fn the_default_culture_training_is_28_hours_over_4_days_for_10() {
        let c = culture();
        assert_eq!(c.duration_minutes(), 28 * 60);
        assert_eq!(c.duration_label(), "28 heures réparties sur 4 jours");
        assert_eq!(c.headcount_max, Some(10));
        assert_eq!(c.plan.len(), 4);
    }

    #[test]
    fn a_variant_can_be_56_hours_over_8_days_for_14() {
        let mut c = culture();
        c.unit_count = 8;
        c.headcount_max = Some(14);
        let c = c.validate(ModuleKind::CultureTraining).unwrap();
        assert_eq!(c.duration_label(), "56 heures réparties sur 8 jours");
    }

    #[test]
    fn a_training_needs_at_least_one_sitting_but_an_amo_may_have_none() {
        let mut c = culture();
        c.unit_count = 0;
        assert!(c.validate(ModuleKind::CultureTraining).unwrap_err().get("unit_count").is_some());
        assert!(c.validate(ModuleKind::Amo).is_ok());
    }

    #[test]
    fn absurd_figures_are_refused_with_field_messages() {
        let mut c = culture();
        c.headcount_max = Some(0);
        c.unit_minutes = 5;
        c.price = Decimal::from(-1);
        c.title = "x".repeat(201);
        let e = c.validate(ModuleKind::CultureTraining).unwrap_err();
        for f in ["headcount_max", "unit_minutes", "price", "title"] {
            assert!(e.get(f).is_some(), "{f}");
        }
    }

    #[test]
    fn the_plan_syntax_round_trips() {
        let plan = culture().plan;
        assert_eq!(parse_plan(&format_plan(&plan)), plan);
        let typed =
            "## Jour 1 : l'information\n- Tour de table\n- Veille\n\n## Jour 2\nLa socialisation\n- Médias sociaux";
        let p = parse_plan(typed);
        assert_eq!(p.len(), 2);
        assert_eq!(p[0].description, "l'information");
        assert_eq!(p[0].items, vec!["Tour de table", "Veille"]);
        assert_eq!(p[1].description, "La socialisation");
    }

    #[test]
    fn hours_read_naturally() {
        assert_eq!(hours(420), "7 heures");
        assert_eq!(hours(210), "3 h 30");
        assert_eq!(hours(60), "1 heure");
        assert_eq!(hours(45), "45 minutes");
    }
}
