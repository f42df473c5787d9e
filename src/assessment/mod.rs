//! Positioning before a training and assessment after it (Qualiopi indicators 8 and 11): each
//! participant answers the module's questionnaire (each question tied to an objective) before the
//! first session, at the end of the training and again « à froid »; the same rule turns their
//! answers into a score per objective, and the final one into a result (atteint, partiellement
//! atteint, non atteint) printed on the attestation de fin de formation. The intervenant sees the
//! group's profile before day 1 and writes down what they adapt.
//!
//! The rules are here; the SQL in [`store`]; what pages and API share in [`service`].

pub mod api;
pub mod service;
pub mod store;
pub mod web;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::catalogue::questionnaire::{Question, QuestionKind};
use crate::error::FieldErrors;

/// When a questionnaire is answered.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(as = AssessmentPhase)]
pub enum Phase {
    /// Before the first session: where the participant starts.
    Positioning,
    /// At the end of the last session: what they reached.
    Final,
    /// Some weeks later, with the « à froid » survey.
    Cold,
}

impl Phase {
    pub const ALL: [Phase; 3] = [Phase::Positioning, Phase::Final, Phase::Cold];

    pub fn as_str(self) -> &'static str {
        match self {
            Phase::Positioning => "positioning",
            Phase::Final => "final",
            Phase::Cold => "cold",
        }
    }

    /// Its name in the pages' addresses.
    pub fn slug(self) -> &'static str {
        match self {
            Phase::Positioning => "positionnement",
            Phase::Final => "fin",
            Phase::Cold => "a-froid",
        }
    }

    pub fn parse(s: &str) -> Option<Phase> {
        Self::ALL.into_iter().find(|p| p.as_str() == s || p.slug() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            Phase::Positioning => "Positionnement",
            Phase::Final => "Évaluation de fin de formation",
            Phase::Cold => "Évaluation à froid",
        }
    }
}

/// How long a questionnaire of the end of the training, or « à froid », stays open.
pub const OPEN_DAYS: i64 = 30;

/// When a questionnaire may be answered, stated once: the positioning from when it is sent until
/// the first session starts; the final assessment from the end of the last session, for
/// [`OPEN_DAYS`] days; the « à froid » one `cold_weeks` after that end, for as long.
pub fn window(phase: Phase, first_start: i64, last_end: i64, cold_weeks: i64) -> (i64, i64) {
    let days = OPEN_DAYS * 86_400;
    match phase {
        Phase::Positioning => (i64::MIN, first_start),
        Phase::Final => (last_end, last_end + days),
        Phase::Cold => {
            let opens = last_end + cold_weeks.max(0) * 7 * 86_400;
            (opens, opens + days)
        }
    }
}

/// Whether a questionnaire may still be sent at `now` (it cannot once it is closed).
pub fn may_send(phase: Phase, now: i64, closes_at: i64, tz: chrono_tz::Tz) -> Result<(), String> {
    if now >= closes_at {
        return Err(match phase {
            Phase::Positioning => format!(
                "La première séance a commencé le {} : le positionnement se fait avant elle.",
                crate::fr::date_time(closes_at, tz)
            ),
            _ => format!("Ce questionnaire est clos depuis le {}.", crate::fr::date_time(closes_at, tz)),
        });
    }
    Ok(())
}

/// Whether a questionnaire may be answered at `now`.
pub fn may_answer(phase: Phase, now: i64, opens_at: i64, closes_at: i64, tz: chrono_tz::Tz) -> Result<(), String> {
    if now < opens_at {
        return Err(format!(
            "Ce questionnaire s'ouvre le {} : revenez à ce moment-là.",
            crate::fr::date_time(opens_at, tz)
        ));
    }
    if now >= closes_at {
        return Err(match phase {
            Phase::Positioning => {
                "La formation a commencé : le positionnement est clos. Parlez-en à l'intervenant·e.".into()
            }
            _ => format!("Ce questionnaire est clos depuis le {}.", crate::fr::date_time(closes_at, tz)),
        });
    }
    Ok(())
}

/// One answer.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(as = AssessmentAnswer)]
pub enum Answer {
    /// A self-assessment, 1 to 4.
    Scale(u8),
    /// The position of the choice (from 0).
    Choice(usize),
    /// The positions of the choices.
    Choices(Vec<usize>),
    Text(String),
}

/// Reads a filled questionnaire: `form` maps a question's key to what was chosen or typed (several
/// values for a multiple choice). A required question must be answered.
pub fn check_answers(
    questions: &[Question],
    form: &BTreeMap<String, Vec<String>>,
) -> Result<BTreeMap<String, Answer>, FieldErrors> {
    let mut e = FieldErrors::new();
    let mut out = BTreeMap::new();
    for q in questions {
        let given: Vec<&str> =
            form.get(&q.id).map(|v| v.iter().map(|s| s.trim()).filter(|s| !s.is_empty()).collect()).unwrap_or_default();
        if given.is_empty() {
            if q.required {
                e.add(&q.id, "Répondez à cette question.");
            }
            continue;
        }
        let choice = |s: &str| s.parse::<usize>().ok().filter(|i| *i < q.choices.len());
        match q.kind {
            QuestionKind::SelfScale => match given[0].parse::<u8>() {
                Ok(n) if (1..=4).contains(&n) && given.len() == 1 => {
                    out.insert(q.id.clone(), Answer::Scale(n));
                }
                _ => e.add(&q.id, "Choisissez un niveau de 1 à 4."),
            },
            QuestionKind::Single => match (given.len(), choice(given[0])) {
                (1, Some(i)) => {
                    out.insert(q.id.clone(), Answer::Choice(i));
                }
                _ => e.add(&q.id, "Choisissez une réponse parmi celles proposées."),
            },
            QuestionKind::Multiple => {
                let mut chosen: Vec<usize> = given.iter().filter_map(|s| choice(s)).collect();
                if chosen.len() != given.len() {
                    e.add(&q.id, "Choisissez parmi les réponses proposées.");
                    continue;
                }
                chosen.sort();
                chosen.dedup();
                out.insert(q.id.clone(), Answer::Choices(chosen));
            }
            QuestionKind::Text => {
                let t = crate::text::check_text(&mut e, &q.id, given[0], false, 1000);
                out.insert(q.id.clone(), Answer::Text(t));
            }
        }
    }
    if e.is_empty() { Ok(out) } else { Err(e) }
}

/// The score of one answer, from 0 to 1, stated once: a self-assessment of n counts (n − 1) / 3;
/// a single choice 1 when right; a multiple choice (right ones chosen − wrong ones chosen) / right
/// ones, at least 0. A free text is not scored.
pub fn score(q: &Question, a: &Answer) -> Option<f64> {
    match (q.kind, a) {
        (QuestionKind::SelfScale, Answer::Scale(n)) if (1..=4).contains(n) => Some(f64::from(*n - 1) / 3.0),
        (QuestionKind::Single, Answer::Choice(i)) => Some(if q.is_correct(*i) { 1.0 } else { 0.0 }),
        (QuestionKind::Multiple, Answer::Choices(c)) if !q.correct.is_empty() => {
            let right = c.iter().filter(|i| q.is_correct(**i)).count() as f64;
            let wrong = c.len() as f64 - right;
            Some(((right - wrong) / q.correct.len() as f64).clamp(0.0, 1.0))
        }
        _ => None,
    }
}

/// The score of each objective (the average of its questions' scores), `None` where none of its
/// questions was answered.
pub fn objective_scores(
    objectives: usize,
    questions: &[Question],
    answers: &BTreeMap<String, Answer>,
) -> Vec<Option<f64>> {
    (0..objectives)
        .map(|o| {
            let s: Vec<f64> = questions
                .iter()
                .filter(|q| q.objective == o)
                .filter_map(|q| answers.get(&q.id).and_then(|a| score(q, a)))
                .collect();
            if s.is_empty() { None } else { Some(s.iter().sum::<f64>() / s.len() as f64) }
        })
        .collect()
}

/// Whether an objective is reached.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    Reached,
    Partly,
    NotReached,
}

impl Level {
    /// The result of a score, stated once: reached from two thirds (« je sais faire », or a right
    /// answer beside « je sais un peu »), partly reached from one third.
    pub fn of(score: f64) -> Level {
        if score >= 2.0 / 3.0 - 1e-9 {
            Level::Reached
        } else if score >= 1.0 / 3.0 - 1e-9 {
            Level::Partly
        } else {
            Level::NotReached
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Level::Reached => "atteint",
            Level::Partly => "partiellement atteint",
            Level::NotReached => "non atteint",
        }
    }
}

/// A score as a percentage, for the pages and the charts.
pub fn percent(score: Option<f64>) -> Option<u32> {
    score.map(|s| (s.clamp(0.0, 1.0) * 100.0).round() as u32)
}

/// The average of the scores that exist.
pub fn mean(scores: impl IntoIterator<Item = Option<f64>>) -> Option<f64> {
    let v: Vec<f64> = scores.into_iter().flatten().collect();
    if v.is_empty() { None } else { Some(v.iter().sum::<f64>() / v.len() as f64) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue::ModuleKind;
    use crate::catalogue::questionnaire::default_questions;

    fn form(pairs: &[(&str, &str)]) -> BTreeMap<String, Vec<String>> {
        let mut m: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for (k, v) in pairs {
            m.entry(k.to_string()).or_default().push(v.to_string());
        }
        m
    }

    #[test]
    fn questionnaires_open_and_close_at_their_time() {
        let tz = crate::fr::DEFAULT_TZ;
        let (first, last) = (10_000, 100_000);
        let (o, c) = window(Phase::Positioning, first, last, 8);
        assert!(may_answer(Phase::Positioning, 0, o, c, tz).is_ok());
        assert!(may_answer(Phase::Positioning, first, o, c, tz).is_err(), "closed when the first session starts");
        assert!(may_send(Phase::Positioning, first - 1, c, tz).is_ok());
        assert!(may_send(Phase::Positioning, first, c, tz).unwrap_err().contains("avant elle"));
        let (o, c) = window(Phase::Final, first, last, 8);
        assert!(may_answer(Phase::Final, last - 1, o, c, tz).unwrap_err().contains("s'ouvre"));
        assert!(may_answer(Phase::Final, last, o, c, tz).is_ok());
        assert!(may_answer(Phase::Final, last + OPEN_DAYS * 86_400, o, c, tz).unwrap_err().contains("clos"));
        assert_eq!(window(Phase::Cold, first, last, 8).0, last + 8 * 7 * 86_400);
        assert_eq!(Phase::parse("a-froid"), Some(Phase::Cold));
        assert_eq!(Phase::parse("final"), Some(Phase::Final));
    }

    #[test]
    fn answers_are_checked_question_by_question() {
        let qs = default_questions(ModuleKind::CultureTraining);
        let e = check_answers(&qs, &form(&[("q1", "5"), ("q3", "7"), ("q5", "0"), ("q5", "9")])).unwrap_err();
        for k in ["q1", "q2", "q3", "q5"] {
            assert!(e.get(k).is_some(), "{k}: {e:?}");
        }
        assert!(e.get("q9").is_none(), "a free text is optional");
        let ok = check_answers(
            &qs,
            &form(&[
                ("q1", "2"),
                ("q2", "1"),
                ("q3", "1"),
                ("q4", "3"),
                ("q5", "2"),
                ("q5", "0"),
                ("q5", "0"),
                ("q6", "1"),
                ("q7", "0"),
                ("q8", "4"),
                ("q9", "  Un atelier "),
            ]),
        )
        .unwrap();
        assert_eq!(ok["q1"], Answer::Scale(2));
        assert_eq!(ok["q3"], Answer::Choice(1));
        assert_eq!(ok["q5"], Answer::Choices(vec![0, 2]));
        assert_eq!(ok["q9"], Answer::Text("Un atelier".into()));
    }

    #[test]
    fn a_score_per_objective_and_its_result_follow_one_rule() {
        let qs = default_questions(ModuleKind::CultureTraining);
        let q = |id: &str| qs.iter().find(|q| q.id == id).unwrap();
        assert_eq!(score(q("q1"), &Answer::Scale(1)), Some(0.0));
        assert_eq!(score(q("q1"), &Answer::Scale(4)), Some(1.0));
        assert_eq!(score(q("q3"), &Answer::Choice(1)), Some(1.0));
        assert_eq!(score(q("q3"), &Answer::Choice(0)), Some(0.0));
        // Two right ones of three, and a wrong one: (2 − 1) / 3.
        assert!((score(q("q5"), &Answer::Choices(vec![0, 1, 3])).unwrap() - 1.0 / 3.0).abs() < 1e-9);
        assert_eq!(score(q("q5"), &Answer::Choices(vec![3])), Some(0.0));
        assert_eq!(score(q("q9"), &Answer::Text("x".into())), None);

        let answers: BTreeMap<String, Answer> = [
            ("q1", Answer::Scale(3)),
            ("q2", Answer::Scale(2)),
            ("q3", Answer::Choice(1)),
            ("q4", Answer::Scale(1)),
            ("q5", Answer::Choices(vec![3])),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        let s = objective_scores(5, &qs, &answers);
        assert_eq!(percent(s[0]), Some(67));
        assert_eq!(percent(s[1]), Some(67), "(1/3 + 1) / 2");
        assert_eq!(s[2], Some(0.0));
        assert_eq!(s[3], None);
        assert_eq!(Level::of(s[0].unwrap()), Level::Reached);
        assert_eq!(Level::of(1.0 / 3.0), Level::Partly);
        assert_eq!(Level::of(0.2), Level::NotReached);
        assert_eq!(Level::Partly.label(), "partiellement atteint");
        assert_eq!(percent(mean([Some(1.0), None, Some(0.5)])), Some(75));
    }
}
