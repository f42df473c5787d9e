//! Cycles ACUNUM: the three phases as a state machine, the groupe mixte, the modules of the cycle
//! (each tied to the catalogue version it uses), their sessions, rooms, conferences, convocations
//! and calendars.

pub mod api;
#[cfg(feature = "bench")]
pub mod bench;
pub mod calendar;
pub mod extract;
pub mod ics;
pub mod mails;
pub mod mixity;
pub mod planning;
pub mod room;
pub mod service;
pub mod store;
pub mod timeline;
pub mod web;

use serde::{Deserialize, Serialize};

use crate::catalogue::ModuleKind;

/// Where a cycle stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// Being set up: group, modules, sessions.
    Preparation,
    /// Formation aux cultures numériques and conferences, in parallel.
    Phase1,
    /// Comité de pilotage and formation aux usages numériques.
    Phase2,
    /// Plan d'action and accompagnement à maîtrise d'ouvrage.
    Phase3,
    Closed,
}

impl Phase {
    pub const ALL: [Phase; 5] = [Phase::Preparation, Phase::Phase1, Phase::Phase2, Phase::Phase3, Phase::Closed];

    pub fn as_str(self) -> &'static str {
        match self {
            Phase::Preparation => "preparation",
            Phase::Phase1 => "phase1",
            Phase::Phase2 => "phase2",
            Phase::Phase3 => "phase3",
            Phase::Closed => "closed",
        }
    }

    pub fn parse(s: &str) -> Option<Phase> {
        Self::ALL.into_iter().find(|p| p.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            Phase::Preparation => "Préparation",
            Phase::Phase1 => "Temps 1 : formation aux cultures numériques et conférences",
            Phase::Phase2 => "Temps 2 : comité de pilotage et formation aux usages",
            Phase::Phase3 => "Temps 3 : plan d'action et accompagnement (AMO)",
            Phase::Closed => "Cycle clos",
        }
    }

    pub fn short(self) -> &'static str {
        match self {
            Phase::Preparation => "Préparation",
            Phase::Phase1 => "Temps 1",
            Phase::Phase2 => "Temps 2",
            Phase::Phase3 => "Temps 3",
            Phase::Closed => "Clos",
        }
    }

    pub fn next(self) -> Option<Phase> {
        match self {
            Phase::Preparation => Some(Phase::Phase1),
            Phase::Phase1 => Some(Phase::Phase2),
            Phase::Phase2 => Some(Phase::Phase3),
            Phase::Phase3 => Some(Phase::Closed),
            Phase::Closed => None,
        }
    }
}

/// The phase a module belongs to.
pub fn phase_of(kind: ModuleKind) -> Phase {
    match kind {
        ModuleKind::CultureTraining | ModuleKind::Conference => Phase::Phase1,
        ModuleKind::UsageTraining => Phase::Phase2,
        ModuleKind::Amo => Phase::Phase3,
    }
}

/// What the transitions look at.
#[derive(Clone, Debug, Default)]
pub struct Facts {
    pub group: i64,
    pub committee: i64,
    pub has_culture: bool,
    pub culture_sessions: i64,
    /// End of the last session of the culture training, if any.
    pub culture_last_end: Option<i64>,
    pub has_usage: bool,
    pub usage_sessions: i64,
    /// End of the last session of the usage training, if any.
    pub usage_last_end: Option<i64>,
    pub now: i64,
}

/// Why the cycle cannot move to the next phase (empty when it can). The page shows these.
pub fn blockers(from: Phase, f: &Facts) -> Vec<String> {
    let mut b = Vec::new();
    match from {
        Phase::Preparation => {
            if f.group < 2 {
                b.push("Le groupe mixte compte moins de deux personnes : inscrivez les participants.".into());
            }
            if !f.has_culture {
                b.push("Le cycle ne comporte pas de formation aux cultures numériques.".into());
            } else if f.culture_sessions == 0 {
                b.push("Les séances de la formation aux cultures numériques ne sont pas planifiées.".into());
            }
        }
        Phase::Phase1 => {
            // Temps 2 builds on temps 1: the culture training has been held before the committee starts.
            match f.culture_last_end {
                Some(end) if end <= f.now => {}
                Some(end) => b.push(format!(
                    "La formation aux cultures numériques n'est pas terminée : sa dernière séance finit le {}.",
                    crate::fr::date(end)
                )),
                None => {}
            }
            if f.committee < 2 {
                b.push("Le temps 2 demande un comité de pilotage : désignez au moins deux volontaires du groupe mixte ou des conférences.".into());
            }
            if !f.has_usage {
                b.push("Le cycle ne comporte pas de formation aux usages numériques.".into());
            } else if f.usage_sessions == 0 {
                b.push("Les séances de la formation aux usages numériques ne sont pas planifiées.".into());
            }
        }
        Phase::Phase2 => match f.usage_last_end {
            Some(end) if end <= f.now => {}
            Some(end) => b.push(format!(
                "La formation aux usages numériques n'est pas terminée : sa dernière séance finit le {}.",
                crate::fr::date(end)
            )),
            None => b.push("La formation aux usages numériques n'a pas de séance.".into()),
        },
        Phase::Phase3 => {}
        Phase::Closed => b.push("Le cycle est clos.".into()),
    }
    b
}

/// Status of a participant of a cycle.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Membership {
    /// In the groupe mixte.
    Group,
    /// On the waiting list (the group is full).
    Waiting,
    /// Not in the group (a conference volunteer who joins the committee, for instance).
    Other,
}

impl Membership {
    pub fn as_str(self) -> &'static str {
        match self {
            Membership::Group => "group",
            Membership::Waiting => "waiting",
            Membership::Other => "other",
        }
    }
    pub fn parse(s: &str) -> Option<Membership> {
        [Membership::Group, Membership::Waiting, Membership::Other].into_iter().find(|m| m.as_str() == s)
    }
    pub fn label(self) -> &'static str {
        match self {
            Membership::Group => "Groupe mixte",
            Membership::Waiting => "Liste d'attente",
            Membership::Other => "Hors groupe",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phase_one_needs_a_group_and_planned_culture_sessions() {
        let f = Facts { group: 1, has_culture: true, ..Default::default() };
        let b = blockers(Phase::Preparation, &f);
        assert_eq!(b.len(), 2);
        let f = Facts { group: 10, has_culture: true, culture_sessions: 4, ..Default::default() };
        assert!(blockers(Phase::Preparation, &f).is_empty());
    }

    #[test]
    fn phase_two_needs_a_committee() {
        let f = Facts { group: 10, committee: 0, has_usage: true, usage_sessions: 6, ..Default::default() };
        assert!(blockers(Phase::Phase1, &f)[0].contains("comité de pilotage"));
        let f = Facts { committee: 7, ..f };
        assert!(blockers(Phase::Phase1, &f).is_empty());
    }

    #[test]
    fn phase_two_waits_for_the_end_of_the_culture_training() {
        let f = Facts {
            committee: 7,
            has_usage: true,
            usage_sessions: 6,
            has_culture: true,
            culture_sessions: 4,
            culture_last_end: Some(2_000),
            now: 1_000,
            ..Default::default()
        };
        assert!(blockers(Phase::Phase1, &f)[0].contains("cultures numériques n'est pas terminée"));
        assert!(blockers(Phase::Phase1, &Facts { now: 2_000, ..f }).is_empty());
    }

    #[test]
    fn phase_three_waits_for_the_end_of_the_usage_training() {
        let f = Facts { usage_last_end: Some(2000), now: 1000, ..Default::default() };
        assert!(blockers(Phase::Phase2, &f)[0].contains("n'est pas terminée"));
        let f = Facts { usage_last_end: Some(500), now: 1000, ..Default::default() };
        assert!(blockers(Phase::Phase2, &f).is_empty());
    }

    #[test]
    fn phases_follow_each_other() {
        assert_eq!(Phase::Preparation.next(), Some(Phase::Phase1));
        assert_eq!(Phase::Closed.next(), None);
        assert_eq!(phase_of(ModuleKind::UsageTraining), Phase::Phase2);
        assert!(Phase::Phase1 < Phase::Phase3);
    }
}
