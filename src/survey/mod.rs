//! Satisfaction surveys (Qualiopi indicator 30): « à chaud » at the end of a training and « à froid »
//! some weeks later, for the participants, the intervenant and the client contact. Each organisation
//! edits its questionnaires; each invitation keeps the questions it was sent with, so that editing a
//! questionnaire never changes what was answered. The complaints register (indicator 31) lives in
//! [`complaints`].

pub mod api;
pub mod complaints;
pub mod service;
pub mod store;
pub mod web;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::error::FieldErrors;

/// Who a questionnaire is for (and when).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Audience {
    /// Participants, at the end of the training.
    ParticipantHot,
    /// Participants, some weeks later.
    ParticipantCold,
    Intervenant,
    /// The client's contact (the employer, the funder's side).
    Client,
}

impl Audience {
    pub const ALL: [Audience; 4] =
        [Audience::ParticipantHot, Audience::ParticipantCold, Audience::Intervenant, Audience::Client];

    pub fn as_str(self) -> &'static str {
        match self {
            Audience::ParticipantHot => "participant_hot",
            Audience::ParticipantCold => "participant_cold",
            Audience::Intervenant => "intervenant",
            Audience::Client => "client",
        }
    }

    pub fn parse(s: &str) -> Option<Audience> {
        Self::ALL.into_iter().find(|a| a.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            Audience::ParticipantHot => "Participants, à chaud",
            Audience::ParticipantCold => "Participants, à froid",
            Audience::Intervenant => "Intervenant·e",
            Audience::Client => "Contact du client",
        }
    }
}

/// When a survey is sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(as = SurveyKind)]
pub enum Kind {
    Hot,
    Cold,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Hot => "hot",
            Kind::Cold => "cold",
        }
    }

    pub fn parse(s: &str) -> Option<Kind> {
        match s {
            "hot" | "chaud" => Some(Kind::Hot),
            "cold" | "froid" => Some(Kind::Cold),
            _ => None,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Kind::Hot => "à chaud",
            Kind::Cold => "à froid",
        }
    }

    /// The questionnaires sent for this survey, and to whom: participants, intervenants, client contacts.
    pub fn audiences(self) -> &'static [Audience] {
        match self {
            Kind::Hot => &[Audience::ParticipantHot, Audience::Intervenant, Audience::Client],
            Kind::Cold => &[Audience::ParticipantCold, Audience::Client],
        }
    }
}

/// When a survey opens, stated once: the « à chaud » one at the end of the training's last session,
/// the « à froid » one `cold_weeks` later. Nobody evaluates a training before it took place.
pub fn opens_at(kind: Kind, last_end: i64, cold_weeks: i64) -> i64 {
    match kind {
        Kind::Hot => last_end,
        Kind::Cold => last_end + cold_weeks.max(0) * 7 * 86_400,
    }
}

/// Whether a questionnaire may be answered at `now`.
pub fn may_answer(now: i64, opens_at: i64, tz: chrono_tz::Tz) -> Result<(), String> {
    if now < opens_at {
        return Err(format!(
            "Ce questionnaire s'ouvre à la fin de la formation, le {} : revenez à ce moment-là.",
            crate::fr::date_time(opens_at, tz)
        ));
    }
    Ok(())
}

/// The kind of an answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum QuestionKind {
    /// A mark from 1 (pas du tout satisfait) to 5 (très satisfait).
    Scale,
    YesNo,
    Text,
}

impl QuestionKind {
    pub const ALL: [QuestionKind; 3] = [QuestionKind::Scale, QuestionKind::YesNo, QuestionKind::Text];

    pub fn as_str(self) -> &'static str {
        match self {
            QuestionKind::Scale => "scale",
            QuestionKind::YesNo => "yes_no",
            QuestionKind::Text => "text",
        }
    }

    pub fn parse(s: &str) -> Option<QuestionKind> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            QuestionKind::Scale => "Note de 1 à 5",
            QuestionKind::YesNo => "Oui / non",
            QuestionKind::Text => "Réponse libre",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Question {
    /// A stable key within the questionnaire (`q1`, `q2`…).
    pub id: String,
    pub kind: QuestionKind,
    pub label: String,
    #[serde(default)]
    pub required: bool,
}

/// The words of the five marks.
pub const SCALE: [&str; 5] =
    ["Pas du tout satisfait·e", "Peu satisfait·e", "Moyennement satisfait·e", "Satisfait·e", "Très satisfait·e"];

fn q(id: &str, kind: QuestionKind, label: &str, required: bool) -> Question {
    Question { id: id.into(), kind, label: label.into(), required }
}

/// The questionnaires an organisation starts with.
pub fn default_questions(a: Audience) -> Vec<Question> {
    use QuestionKind::*;
    match a {
        Audience::ParticipantHot => vec![
            q("q1", Scale, "Dans l'ensemble, êtes-vous satisfait·e de cette formation ?", true),
            q("q2", Scale, "Les objectifs annoncés ont-ils été atteints ?", true),
            q("q3", Scale, "Le contenu correspondait-il à votre métier et à votre structure ?", true),
            q("q4", Scale, "L'animation et les exercices vous ont-ils aidé·e à comprendre ?", true),
            q("q5", Scale, "L'organisation (salle, horaires, matériel) était-elle satisfaisante ?", true),
            q("q6", YesNo, "Recommanderiez-vous cette formation à un·e collègue ?", true),
            q("q7", Text, "Ce que vous retenez, ce qui vous a manqué :", false),
        ],
        Audience::ParticipantCold => vec![
            q("q1", Scale, "Avec le recul, êtes-vous satisfait·e de cette formation ?", true),
            q("q2", Scale, "Utilisez-vous dans votre travail ce que vous y avez appris ?", true),
            q("q3", YesNo, "Vos pratiques numériques, ou celles de votre équipe, ont-elles changé depuis ?", true),
            q("q4", Text, "Un exemple, ou ce qui vous en empêche :", false),
        ],
        Audience::Intervenant => vec![
            q("q1", Scale, "Êtes-vous satisfait·e du déroulement de la formation ?", true),
            q(
                "q2",
                Scale,
                "La préparation avec la coordination (informations, salle, matériel) était-elle suffisante ?",
                true,
            ),
            q("q3", Scale, "Le groupe était-il engagé et adapté aux objectifs ?", true),
            q("q4", Text, "Difficultés rencontrées, améliorations proposées :", false),
        ],
        Audience::Client => vec![
            q("q1", Scale, "Êtes-vous satisfait·e de l'action menée pour votre structure ?", true),
            q(
                "q2",
                Scale,
                "Les échanges avec l'organisme (devis, convention, planning) ont-ils été satisfaisants ?",
                true,
            ),
            q("q3", YesNo, "Constatez-vous des effets dans vos équipes ?", false),
            q("q4", Text, "Vos remarques :", false),
        ],
    }
}

/// A row of the questionnaire editor.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct QuestionRow {
    pub label: String,
    pub kind: String,
    pub required: bool,
}

pub const MAX_QUESTIONS: usize = 30;

/// Checks an edited questionnaire: rows without a label are dropped; at least one question; the
/// keys are renumbered in order.
pub fn check_questions(rows: &[QuestionRow]) -> Result<Vec<Question>, FieldErrors> {
    let mut e = FieldErrors::new();
    let mut out = Vec::new();
    for (i, r) in rows.iter().enumerate() {
        let label = r.label.trim();
        if label.is_empty() {
            continue;
        }
        let field = format!("label_{i}");
        let label = crate::text::check_text(&mut e, &field, label, true, 300);
        let Some(kind) = QuestionKind::parse(&r.kind) else {
            e.add(&format!("kind_{i}"), "Choisissez le type de réponse.");
            continue;
        };
        out.push(Question { id: format!("q{}", out.len() + 1), kind, label, required: r.required });
    }
    if out.is_empty() {
        e.add("label_0", "Le questionnaire doit compter au moins une question.");
    }
    if out.len() > MAX_QUESTIONS {
        e.add("label_0", format!("Pas plus de {MAX_QUESTIONS} questions."));
    }
    if e.is_empty() { Ok(out) } else { Err(e) }
}

/// One answer.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(untagged)]
pub enum Answer {
    Mark(i64),
    YesNo(bool),
    Text(String),
}

/// Reads the answers of a filled questionnaire (`form` maps a question's key to what was typed or
/// chosen); a required question must be answered, a mark is 1 to 5.
pub fn check_answers(
    questions: &[Question],
    form: &BTreeMap<String, String>,
) -> Result<BTreeMap<String, Answer>, FieldErrors> {
    let mut e = FieldErrors::new();
    let mut out = BTreeMap::new();
    for q in questions {
        let given = form.get(&q.id).map(|s| s.trim()).unwrap_or("");
        if given.is_empty() {
            if q.required {
                e.add(&q.id, "Répondez à cette question.");
            }
            continue;
        }
        match q.kind {
            QuestionKind::Scale => match given.parse::<i64>() {
                Ok(n) if (1..=5).contains(&n) => {
                    out.insert(q.id.clone(), Answer::Mark(n));
                }
                _ => e.add(&q.id, "Choisissez une note de 1 à 5."),
            },
            QuestionKind::YesNo => match given {
                "oui" | "yes" | "true" => {
                    out.insert(q.id.clone(), Answer::YesNo(true));
                }
                "non" | "no" | "false" => {
                    out.insert(q.id.clone(), Answer::YesNo(false));
                }
                _ => e.add(&q.id, "Répondez par oui ou par non."),
            },
            QuestionKind::Text => {
                let t = crate::text::check_text(&mut e, &q.id, given, false, 3000);
                out.insert(q.id.clone(), Answer::Text(t));
            }
        }
    }
    if e.is_empty() { Ok(out) } else { Err(e) }
}

/// The results of a question over a set of responses.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct QuestionResult {
    pub id: String,
    pub label: String,
    pub kind: QuestionKind,
    pub answered: usize,
    /// Average mark (scale questions).
    pub average: Option<f64>,
    /// Count of each mark, from 1 to 5.
    pub marks: [usize; 5],
    pub yes: usize,
    pub no: usize,
    /// Free answers, with who wrote them when the survey is not anonymous.
    pub comments: Vec<Comment>,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Comment {
    pub respondent: Option<String>,
    pub text: String,
}

impl QuestionResult {
    /// Width in percent of each mark's bar, for the charts.
    pub fn shares(&self) -> Vec<(usize, usize, u32)> {
        let total: usize = self.marks.iter().sum();
        self.marks
            .iter()
            .enumerate()
            .map(|(i, n)| (i + 1, *n, if total == 0 { 0 } else { (*n as f64 * 100.0 / total as f64).round() as u32 }))
            .collect()
    }

    pub fn average_text(&self) -> String {
        self.average.map(|a| format!("{:.1}", a).replace('.', ",")).unwrap_or_else(|| "—".into())
    }
}

/// A response as the results read it.
#[derive(Clone, Debug)]
pub struct ResponseData {
    pub respondent: Option<String>,
    pub answers: BTreeMap<String, Answer>,
}

/// Aggregates responses question by question (in the questionnaire's order).
pub fn aggregate(questions: &[Question], responses: &[ResponseData]) -> Vec<QuestionResult> {
    questions
        .iter()
        .map(|q| {
            let mut r = QuestionResult {
                id: q.id.clone(),
                label: q.label.clone(),
                kind: q.kind,
                answered: 0,
                average: None,
                marks: [0; 5],
                yes: 0,
                no: 0,
                comments: Vec::new(),
            };
            let mut sum = 0i64;
            for resp in responses {
                match resp.answers.get(&q.id) {
                    Some(Answer::Mark(n)) if q.kind == QuestionKind::Scale && (1..=5).contains(n) => {
                        r.answered += 1;
                        r.marks[(*n - 1) as usize] += 1;
                        sum += n;
                    }
                    Some(Answer::YesNo(b)) if q.kind == QuestionKind::YesNo => {
                        r.answered += 1;
                        if *b { r.yes += 1 } else { r.no += 1 }
                    }
                    Some(Answer::Text(t)) if q.kind == QuestionKind::Text && !t.is_empty() => {
                        r.answered += 1;
                        r.comments.push(Comment { respondent: resp.respondent.clone(), text: t.clone() });
                    }
                    _ => {}
                }
            }
            let marks: usize = r.marks.iter().sum();
            if marks > 0 {
                r.average = Some(sum as f64 / marks as f64);
            }
            r
        })
        .collect()
}

/// Overall satisfaction of a set of responses: the average of every mark given, out of 5.
pub fn satisfaction(responses: &[ResponseData]) -> Option<f64> {
    let marks: Vec<i64> = responses
        .iter()
        .flat_map(|r| r.answers.values())
        .filter_map(|a| match a {
            Answer::Mark(n) if (1..=5).contains(n) => Some(*n),
            _ => None,
        })
        .collect();
    if marks.is_empty() { None } else { Some(marks.iter().sum::<i64>() as f64 / marks.len() as f64) }
}

/// "4,2 / 5"
pub fn mark_text(m: Option<f64>) -> String {
    m.map(|a| format!("{:.1} / 5", a).replace('.', ",")).unwrap_or_else(|| "—".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_survey_opens_at_the_end_of_the_training() {
        let tz = crate::fr::DEFAULT_TZ;
        assert_eq!(opens_at(Kind::Hot, 1_000, 8), 1_000);
        assert_eq!(opens_at(Kind::Cold, 1_000, 8), 1_000 + 8 * 7 * 86_400);
        assert!(may_answer(999, 1_000, tz).is_err());
        assert!(may_answer(1_000, 1_000, tz).is_ok());
    }

    fn form(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn the_default_questionnaires_ask_for_marks_and_words() {
        for a in Audience::ALL {
            let qs = default_questions(a);
            assert!(qs.iter().any(|q| q.kind == QuestionKind::Scale), "{a:?}");
            assert!(qs.iter().any(|q| q.kind == QuestionKind::Text), "{a:?}");
            let ids: std::collections::HashSet<_> = qs.iter().map(|q| &q.id).collect();
            assert_eq!(ids.len(), qs.len(), "unique keys");
        }
    }

    #[test]
    fn answers_are_checked_question_by_question() {
        let qs = default_questions(Audience::ParticipantHot);
        let e = check_answers(&qs, &form(&[("q1", "6"), ("q2", "x"), ("q6", "peut-être")])).unwrap_err();
        for k in ["q1", "q2", "q3", "q6"] {
            assert!(e.get(k).is_some(), "{k}: {e:?}");
        }
        assert!(e.get("q7").is_none(), "a free answer is optional");
        let ok = check_answers(
            &qs,
            &form(&[
                ("q1", "5"),
                ("q2", "4"),
                ("q3", "4"),
                ("q4", "3"),
                ("q5", "5"),
                ("q6", "oui"),
                ("q7", " Très concret "),
            ]),
        )
        .unwrap();
        assert_eq!(ok["q1"], Answer::Mark(5));
        assert_eq!(ok["q6"], Answer::YesNo(true));
        assert_eq!(ok["q7"], Answer::Text("Très concret".into()));
    }

    #[test]
    fn an_edited_questionnaire_drops_empty_rows_and_renumbers() {
        let rows = vec![
            QuestionRow { label: "Satisfait·e ?".into(), kind: "scale".into(), required: true },
            QuestionRow { label: "  ".into(), kind: "scale".into(), required: false },
            QuestionRow { label: "Un mot ?".into(), kind: "text".into(), required: false },
        ];
        let qs = check_questions(&rows).unwrap();
        assert_eq!(qs.len(), 2);
        assert_eq!((qs[1].id.as_str(), qs[1].kind), ("q2", QuestionKind::Text));
        assert!(check_questions(&[QuestionRow::default()]).is_err());
        assert!(check_questions(&[QuestionRow { label: "x".into(), kind: "??".into(), required: false }]).is_err());
    }

    #[test]
    fn results_count_marks_yes_and_comments() {
        let qs = default_questions(Audience::ParticipantHot);
        let r = |m: i64, yes: bool, t: &str, who: Option<&str>| ResponseData {
            respondent: who.map(String::from),
            answers: [
                ("q1".to_string(), Answer::Mark(m)),
                ("q6".to_string(), Answer::YesNo(yes)),
                ("q7".to_string(), Answer::Text(t.into())),
            ]
            .into_iter()
            .collect(),
        };
        let res =
            aggregate(&qs, &[r(5, true, "Bien", None), r(3, false, "", Some("Ana")), r(4, true, "Utile", Some("Léo"))]);
        assert_eq!(res[0].average, Some(4.0));
        assert_eq!(res[0].marks, [0, 0, 1, 1, 1]);
        assert_eq!(res[0].average_text(), "4,0");
        assert_eq!((res[5].yes, res[5].no), (2, 1));
        assert_eq!(res[6].comments.len(), 2);
        assert_eq!(res[6].comments[1].respondent.as_deref(), Some("Léo"));
        assert_eq!(res[1].answered, 0);
        assert_eq!(res[0].shares()[4], (5, 1, 33));
        assert_eq!(satisfaction(&[r(5, true, "", None), r(2, true, "", None)]), Some(3.5));
        assert_eq!(mark_text(Some(3.5)), "3,5 / 5");
    }
}
