//! Phases 2 and 3 of the cycle: the comité de pilotage mixte, its vote on the optional topics of
//! the usage training, the commitments that end that training, the action plan the committee runs
//! with the AMO team, and the AMO journal of what the intervenants do for it.

pub mod amo;
pub mod api;
pub mod matching;
pub mod service;
pub mod store;
pub mod web;

use chrono::NaiveDate;
use serde::Serialize;

use crate::error::FieldErrors;

// --- the vote ------------------------------------------------------------------------------------

/// How the committee chooses: approval voting. Each member ticks the topics they want, up to
/// `max_choices`; the `seats` topics with the most ticks are kept.
pub const METHOD: &str = "Vote par approbation : chaque membre coche les thèmes qu'il souhaite voir traités, dans la limite indiquée. Les thèmes qui recueillent le plus de coches sont retenus.";

/// The tie-break rule, shown before the vote and with the result.
pub const TIE_RULE: &str = "En cas d'égalité pour la dernière place, le thème placé le plus haut dans le menu de la formation l'emporte (l'ordre du menu est connu de tous avant le vote).";

/// A topic's count.
#[derive(Clone, Debug, PartialEq, Serialize, utoipa::ToSchema)]
pub struct TopicCount {
    pub topic: String,
    /// Its place in the menu (0 first).
    pub position: usize,
    pub approvals: usize,
    pub chosen: bool,
}

/// The result of a vote.
#[derive(Clone, Debug, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Tally {
    /// In order of approvals, then of the menu.
    pub counts: Vec<TopicCount>,
    pub ballots: usize,
    /// Set when the last place was tied and the rule decided: which topics were tied, which won.
    pub tie: Option<TieBreak>,
}

#[derive(Clone, Debug, PartialEq, Serialize, utoipa::ToSchema)]
pub struct TieBreak {
    pub tied: Vec<String>,
    pub kept: Vec<String>,
    pub rule: String,
}

impl Tally {
    pub fn chosen(&self) -> Vec<String> {
        let mut c: Vec<&TopicCount> = self.counts.iter().filter(|c| c.chosen).collect();
        c.sort_by_key(|c| c.position);
        c.into_iter().map(|c| c.topic.clone()).collect()
    }
}

/// Counts approval ballots (each a list of topic positions) and keeps `seats` topics.
pub fn tally(topics: &[String], ballots: &[Vec<usize>], seats: usize) -> Tally {
    let mut approvals = vec![0usize; topics.len()];
    for b in ballots {
        let mut seen = std::collections::BTreeSet::new();
        for &i in b {
            if i < topics.len() && seen.insert(i) {
                approvals[i] += 1;
            }
        }
    }
    let mut order: Vec<usize> = (0..topics.len()).collect();
    // Most approvals first; equal counts in the menu's order (the tie-break rule).
    order.sort_by(|a, b| approvals[*b].cmp(&approvals[*a]).then(a.cmp(b)));
    let seats = seats.min(topics.len());
    let chosen: Vec<usize> = order.iter().take(seats).copied().collect();
    let mut tie = None;
    if seats > 0 && seats < topics.len() {
        let last = approvals[order[seats - 1]];
        let first_out = approvals[order[seats]];
        if last == first_out {
            let tied: Vec<usize> = order.iter().copied().filter(|i| approvals[*i] == last).collect();
            let kept: Vec<usize> = tied.iter().copied().filter(|i| chosen.contains(i)).collect();
            tie = Some(TieBreak {
                tied: tied.iter().map(|i| topics[*i].clone()).collect(),
                kept: kept.iter().map(|i| topics[*i].clone()).collect(),
                rule: TIE_RULE.into(),
            });
        }
    }
    Tally {
        counts: order
            .iter()
            .map(|&i| TopicCount {
                topic: topics[i].clone(),
                position: i,
                approvals: approvals[i],
                chosen: chosen.contains(&i),
            })
            .collect(),
        ballots: ballots.len(),
        tie,
    }
}

/// Checks a ballot: between one and `max_choices` distinct topics of the menu.
pub fn check_ballot(choices: &[usize], topics: usize, max_choices: usize) -> Result<Vec<usize>, String> {
    let mut c: Vec<usize> = choices.to_vec();
    c.sort();
    c.dedup();
    if c.is_empty() {
        return Err("Cochez au moins un thème.".into());
    }
    if c.iter().any(|i| *i >= topics) {
        return Err("Ce thème n'est pas au menu.".into());
    }
    if c.len() > max_choices {
        return Err(format!("Cochez au plus {max_choices} thème{}.", if max_choices > 1 { "s" } else { "" }));
    }
    Ok(c)
}

// --- the action plan -----------------------------------------------------------------------------

pub const CATEGORIES: [(&str, &str); 4] = [
    ("organisation", "Organisation du travail"),
    ("information_system", "Système d'information"),
    ("training", "Formations complémentaires"),
    ("other", "Autre"),
];

pub const STATUSES: [(&str, &str); 4] =
    [("todo", "À faire"), ("doing", "En cours"), ("done", "Fait"), ("dropped", "Abandonné")];

pub fn label(list: &[(&'static str, &'static str)], code: &str) -> &'static str {
    list.iter().find(|(c, _)| *c == code).map(|(_, l)| *l).unwrap_or("—")
}

/// An action is overdue when its date has passed and it is neither done nor dropped.
pub fn overdue(due: Option<NaiveDate>, status: &str, today: NaiveDate) -> bool {
    matches!(status, "todo" | "doing") && due.is_some_and(|d| d < today)
}

/// Reads an optional date typed as `YYYY-MM-DD` or `JJ/MM/AAAA`.
pub fn parse_date(e: &mut FieldErrors, field: &str, v: &str, required: bool) -> Option<NaiveDate> {
    let v = v.trim();
    if v.is_empty() {
        if required {
            e.add(field, "Indiquez la date (jj/mm/aaaa).");
        }
        return None;
    }
    match NaiveDate::parse_from_str(v, "%Y-%m-%d").or_else(|_| NaiveDate::parse_from_str(v, "%d/%m/%Y")) {
        Ok(d) => Some(d),
        Err(_) => {
            e.add(field, "Cette date n'est pas valide (jj/mm/aaaa).");
            None
        }
    }
}

// --- the AMO journal -------------------------------------------------------------------------------

pub const AMO_KINDS: [(&str, &str); 6] = [
    ("feedback", "Retour d'expérience d'un autre TICA"),
    ("connection", "Mise en lien"),
    ("training", "Formation complémentaire"),
    ("proposal", "Lecture d'une proposition commerciale"),
    ("meeting", "Réunion du comité"),
    ("other", "Autre"),
];

/// "3 h 30" of a list of minutes.
pub fn total_minutes(entries: impl Iterator<Item = i64>) -> i64 {
    entries.sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn topics(n: usize) -> Vec<String> {
        (0..n).map(|i| format!("T{i}")).collect()
    }

    #[test]
    fn approval_voting_keeps_the_most_ticked_topics() {
        let t = tally(&topics(5), &[vec![0, 2], vec![2, 3], vec![2, 4], vec![3]], 2);
        assert_eq!(t.chosen(), vec!["T2", "T3"]);
        assert_eq!(t.counts[0], TopicCount { topic: "T2".into(), position: 2, approvals: 3, chosen: true });
        assert!(t.tie.is_none());
        assert_eq!(t.ballots, 4);
    }

    #[test]
    fn a_tie_for_the_last_place_goes_to_the_menus_order_and_is_told() {
        // T1 and T3 both have 2 ticks for the second seat: T1 comes first in the menu.
        let t = tally(&topics(4), &[vec![0, 1], vec![0, 3], vec![1, 3], vec![0]], 2);
        assert_eq!(t.chosen(), vec!["T0", "T1"]);
        let tie = t.tie.expect("a tie");
        assert_eq!(tie.tied, vec!["T1", "T3"]);
        assert_eq!(tie.kept, vec!["T1"]);
        assert!(tie.rule.contains("le plus haut dans le menu"));
    }

    #[test]
    fn a_ballot_ticks_between_one_and_the_maximum() {
        assert_eq!(check_ballot(&[2, 0, 2], 5, 3), Ok(vec![0, 2]));
        assert!(check_ballot(&[], 5, 3).is_err());
        assert!(check_ballot(&[0, 1, 2, 3], 5, 3).unwrap_err().contains("au plus 3"));
        assert!(check_ballot(&[7], 5, 3).is_err());
        // A repeated choice counts once.
        assert_eq!(tally(&topics(2), &[vec![1, 1, 1]], 1).counts[0].approvals, 1);
    }

    #[test]
    fn overdue_actions_are_open_and_past_their_date() {
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok();
        let today = d("2027-03-10").unwrap();
        assert!(overdue(d("2027-03-09"), "todo", today));
        assert!(overdue(d("2027-03-09"), "doing", today));
        assert!(!overdue(d("2027-03-09"), "done", today));
        assert!(!overdue(d("2027-03-10"), "todo", today));
        assert!(!overdue(None, "todo", today));
        let mut e = FieldErrors::new();
        assert_eq!(parse_date(&mut e, "due", "31/03/2027", false), d("2027-03-31"));
        assert_eq!(parse_date(&mut e, "due", "2027-02-30", false), None);
        assert!(e.get("due").is_some());
    }
}
