//! The mixity of a groupe mixte: how many different métiers, services and structures, and how
//! evenly the people spread over them. The source document insists: « si seulement un service ou
//! un corps de métier est formé, il ne se créera pas de culture collective commune autour du
//! numérique […] et bloquera l'essaimage ».

use std::collections::HashMap;

use serde::Serialize;

/// One dimension of mixity (métiers, services or structures).
#[derive(Clone, Debug, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Spread {
    /// Number of distinct values (empty values are not counted).
    pub distinct: usize,
    /// Pielou's evenness, 0 (everyone in one value) to 1 (as even as possible).
    pub evenness: f64,
    /// The most common value and its share of the group.
    pub largest: Option<(String, f64)>,
}

/// The mixity indicator of a group.
#[derive(Clone, Debug, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Mixity {
    pub people: usize,
    pub jobs: Spread,
    pub services: Spread,
    pub structures: Spread,
    /// 0 to 100: the mean evenness of the three dimensions, weighted by their variety.
    pub score: u32,
    /// Plain-language warnings for the coordinator.
    pub warnings: Vec<String>,
}

fn spread<'a>(values: impl Iterator<Item = &'a str>) -> (Spread, usize) {
    let mut counts: HashMap<String, usize> = HashMap::new();
    let mut total = 0;
    for v in values {
        let key = crate::text::search_key(v);
        if key.is_empty() {
            continue;
        }
        *counts.entry(key).or_default() += 1;
        total += 1;
    }
    let distinct = counts.len();
    let evenness = if distinct <= 1 || total == 0 {
        0.0
    } else {
        let h: f64 = counts.values().map(|&c| c as f64 / total as f64).map(|p| -p * p.ln()).sum();
        h / (distinct as f64).ln()
    };
    let largest = counts
        .into_iter()
        .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(&a.0)))
        .map(|(k, c)| (k, c as f64 / total.max(1) as f64));
    (Spread { distinct, evenness: (evenness * 100.0).round() / 100.0, largest }, total)
}

/// Measures a group given each member's (métier, service, structure).
pub fn measure<'a>(members: &[(&'a str, &'a str, &'a str)]) -> Mixity {
    let (jobs, nj) = spread(members.iter().map(|m| m.0));
    let (services, ns) = spread(members.iter().map(|m| m.1));
    let (structures, _) = spread(members.iter().map(|m| m.2));
    let people = members.len();
    let mut warnings = Vec::new();
    if people >= 2 {
        if nj >= 2 && jobs.distinct == 1 {
            warnings.push("Tout le groupe exerce le même métier : le document ACUNUM prévient qu'un groupe d'un seul corps de métier ne crée pas de culture collective et bloque l'essaimage. Ouvrez le groupe à d'autres métiers.".to_string());
        }
        if ns >= 2 && services.distinct == 1 {
            warnings.push("Tout le groupe vient du même service : un groupe d'un seul service ne crée pas de culture collective commune et bloque l'essaimage. Invitez des personnes d'autres services.".to_string());
        }
        for (name, s) in [("métier", &jobs), ("service", &services)] {
            if let Some((v, share)) = &s.largest
                && s.distinct > 1
                && *share > 0.6
            {
                warnings.push(format!(
                    "Plus de la moitié du groupe partage le même {name} (« {v} », {:.0} %) : le mélange reste faible.",
                    share * 100.0
                ));
            }
        }
        let missing = members.iter().filter(|m| m.0.trim().is_empty() || m.1.trim().is_empty()).count();
        if missing > 0 {
            warnings.push(format!(
                "{missing} personne{} sans métier ou service renseigné : l'indicateur est incomplet.",
                if missing > 1 { "s" } else { "" }
            ));
        }
    }
    let parts = [&jobs, &services, &structures];
    let score = parts.iter().map(|s| s.evenness * (1.0 - 1.0 / (s.distinct.max(1) as f64 + 1.0))).sum::<f64>() / 3.0;
    Mixity {
        people,
        score: (score * 100.0 / (1.0 - 1.0 / (people.max(2) as f64 + 1.0))).round().clamp(0.0, 100.0) as u32,
        jobs,
        services,
        structures,
        warnings,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_single_service_group_is_warned_against() {
        let m = measure(&[
            ("Infirmière", "Urgences", "CH"),
            ("Aide-soignant", "Urgences", "CH"),
            ("Cadre", "urgences", "CH"),
        ]);
        assert_eq!(m.services.distinct, 1);
        assert!(m.warnings.iter().any(|w| w.contains("même service")));
        assert_eq!(m.services.evenness, 0.0);
    }

    #[test]
    fn a_single_trade_group_is_warned_against() {
        let m = measure(&[("Avocat", "Contentieux", "Cabinet A"), ("avocat", "Conseil", "Cabinet B")]);
        assert!(m.warnings.iter().any(|w| w.contains("même métier")));
    }

    #[test]
    fn a_mixed_group_scores_high_and_gets_no_warning() {
        let members = [
            ("Infirmière", "Soins", "CH Angoulême"),
            ("Secrétaire", "Accueil", "Mairie"),
            ("Comptable", "Finances", "Coopérative"),
            ("Éducateur", "Jeunesse", "Centre social"),
            ("Juriste", "Affaires juridiques", "Ordre des avocats"),
            ("Technicien", "Informatique", "Mairie"),
        ];
        let m = measure(&members);
        assert_eq!(m.jobs.distinct, 6);
        assert_eq!(m.structures.distinct, 5);
        assert!(m.jobs.evenness > 0.99);
        assert!(m.warnings.is_empty(), "{:?}", m.warnings);
        assert!(m.score > 70, "{}", m.score);
    }

    #[test]
    fn evenness_drops_when_one_value_dominates() {
        let even = measure(&[("a", "x", "s"), ("b", "y", "s"), ("c", "z", "s"), ("d", "w", "s")]);
        let skewed = measure(&[("a", "x", "s"), ("a", "x", "s"), ("a", "x", "s"), ("d", "w", "s")]);
        assert!(even.jobs.evenness > skewed.jobs.evenness);
        assert!(skewed.warnings.iter().any(|w| w.contains("Plus de la moitié")));
    }
}
