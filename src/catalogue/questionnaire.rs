//! The questionnaire of a module: the questions that place each participant before the training
//! (positioning) and assess them after it, each tied to one of the module's objectives. It is part
//! of the module's content, so it is versioned with the catalogue: a cycle keeps the questions of
//! the version it was planned with. A module without questions of its own uses the default ones of
//! its kind, written from the source document's objectives and days.

use serde::{Deserialize, Serialize};

use super::ModuleKind;
use crate::error::FieldErrors;

/// The kind of a question.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(as = AssessmentQuestionKind)]
pub enum QuestionKind {
    /// Self-assessment from 1 (je ne sais pas faire) to 4 (je pourrais l'expliquer à un·e collègue).
    SelfScale,
    /// One answer among the choices; the right one(s) in `correct`.
    Single,
    /// Several answers among the choices; the right ones in `correct`.
    Multiple,
    /// A short free text (not scored).
    Text,
}

impl QuestionKind {
    pub const ALL: [QuestionKind; 4] =
        [QuestionKind::SelfScale, QuestionKind::Single, QuestionKind::Multiple, QuestionKind::Text];

    pub fn as_str(self) -> &'static str {
        match self {
            QuestionKind::SelfScale => "self_scale",
            QuestionKind::Single => "single",
            QuestionKind::Multiple => "multiple",
            QuestionKind::Text => "text",
        }
    }

    pub fn parse(s: &str) -> Option<QuestionKind> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            QuestionKind::SelfScale => "Auto-évaluation de 1 à 4",
            QuestionKind::Single => "Choix unique",
            QuestionKind::Multiple => "Choix multiple",
            QuestionKind::Text => "Réponse courte",
        }
    }

    pub fn has_choices(self) -> bool {
        matches!(self, QuestionKind::Single | QuestionKind::Multiple)
    }
}

/// The words of the self-assessment scale, from 1 to 4.
pub const SELF_SCALE: [&str; 4] =
    ["Je ne sais pas faire", "Je sais un peu", "Je sais faire", "Je pourrais l'expliquer à un·e collègue"];

/// One question.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[schema(as = AssessmentQuestion)]
pub struct Question {
    /// A stable key within the questionnaire (`q1`, `q2`…).
    pub id: String,
    /// The objective it assesses: its position (from 0) in the module's objectives.
    pub objective: usize,
    pub kind: QuestionKind,
    pub label: String,
    /// The choices offered (single and multiple choice).
    #[serde(default)]
    pub choices: Vec<String>,
    /// The positions (from 0) of the right choices.
    #[serde(default)]
    pub correct: Vec<usize>,
    #[serde(default)]
    pub required: bool,
}

impl Question {
    pub fn is_correct(&self, choice: usize) -> bool {
        self.correct.contains(&choice)
    }
}

fn q(id: &str, objective: usize, kind: QuestionKind, label: &str, choices: &[&str], correct: &[usize]) -> Question {
    Question {
        id: id.into(),
        objective,
        kind,
        label: label.into(),
        choices: choices.iter().map(|c| c.to_string()).collect(),
        correct: correct.to_vec(),
        required: kind != QuestionKind::Text,
    }
}

/// The default questionnaire of a kind of module (trainings only), tied to the objectives of the
/// default catalogue in their order.
pub fn default_questions(kind: ModuleKind) -> Vec<Question> {
    use QuestionKind::*;
    match kind {
        ModuleKind::CultureTraining => vec![
            q(
                "q1",
                0,
                SelfScale,
                "Je peux expliquer en quoi le numérique change mon travail et ma vie de citoyen·ne.",
                &[],
                &[],
            ),
            q(
                "q2",
                1,
                SelfScale,
                "Je sais retrouver d'où vient une information lue en ligne et qui l'a publiée.",
                &[],
                &[],
            ),
            q(
                "q3",
                1,
                Single,
                "Pour vérifier une information qui circule sur un réseau social, le plus sûr est de…",
                &[
                    "la partager pour demander l'avis de ses contacts",
                    "remonter à sa source et la comparer à d'autres sources",
                    "se fier au nombre de partages",
                ],
                &[1],
            ),
            q("q4", 2, SelfScale, "Je sais régler qui voit ce que je publie sur un réseau social.", &[], &[]),
            q(
                "q5",
                2,
                Multiple,
                "Lesquelles de ces traces font partie de votre identité numérique ?",
                &[
                    "vos publications sur les réseaux sociaux",
                    "les photos où d'autres personnes vous identifient",
                    "vos recherches sur un moteur de recherche",
                    "une lettre envoyée par la poste",
                ],
                &[0, 1, 2],
            ),
            q(
                "q6",
                3,
                SelfScale,
                "Je sais ce que je peux réutiliser d'un contenu trouvé en ligne (droit d'auteur, licences libres).",
                &[],
                &[],
            ),
            q(
                "q7",
                3,
                Single,
                "Une image sous licence Creative Commons BY peut être réutilisée…",
                &["sans aucune condition", "en citant son auteur", "jamais dans un cadre professionnel"],
                &[1],
            ),
            q(
                "q8",
                4,
                SelfScale,
                "Je sais situer mon métier et ma structure face aux usages numériques de nos publics.",
                &[],
                &[],
            ),
            q("q9", 4, Text, "Quelle suite aimeriez-vous donner à la formation dans votre service ?", &[], &[]),
        ],
        ModuleKind::UsageTraining => vec![
            q("q1", 0, SelfScale, "Je sais suivre des sources d'information avec un lecteur de flux (RSS).", &[], &[]),
            q(
                "q2",
                0,
                Single,
                "Un flux RSS sert à…",
                &[
                    "recevoir les nouveautés d'un site sans aller le visiter",
                    "sauvegarder ses fichiers",
                    "envoyer des courriels groupés",
                ],
                &[0],
            ),
            q("q3", 1, SelfScale, "J'utilise un réseau social pour échanger avec d'autres professionnels.", &[], &[]),
            q("q4", 2, SelfScale, "Je sais écrire à plusieurs dans un même document en ligne.", &[], &[]),
            q(
                "q5",
                2,
                Multiple,
                "Pour écrire à plusieurs un même texte, on peut utiliser…",
                &["un bloc-notes collaboratif", "un document partagé en ligne", "une pièce jointe envoyée à chacun"],
                &[0, 1],
            ),
            q(
                "q6",
                3,
                SelfScale,
                "Je sais quelle action numérique concrète je vais mener dans ma structure.",
                &[],
                &[],
            ),
            q("q7", 3, Text, "Laquelle, ou qu'est-ce qui vous manque pour la choisir ?", &[], &[]),
        ],
        ModuleKind::Conference | ModuleKind::Amo => Vec::new(),
    }
}

/// The questions a module asks: its own, or the default ones of its kind; a question whose
/// objective is not among the module's objectives is left out.
pub fn questions_of(kind: ModuleKind, own: &[Question], objectives: usize) -> Vec<Question> {
    let all = if own.is_empty() { default_questions(kind) } else { own.to_vec() };
    all.into_iter().filter(|q| q.objective < objectives).collect()
}

pub const MAX_QUESTIONS: usize = 40;
pub const MAX_CHOICES: usize = 8;

/// A row of the questionnaire editor. Choices are written one per line; a right one starts with `*`.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct QuestionRow {
    pub label: String,
    pub kind: String,
    pub objective: String,
    pub choices: String,
    pub required: bool,
}

impl QuestionRow {
    pub fn of(q: &Question) -> QuestionRow {
        QuestionRow {
            label: q.label.clone(),
            kind: q.kind.as_str().into(),
            objective: q.objective.saturating_add(1).to_string(),
            choices: q
                .choices
                .iter()
                .enumerate()
                .map(|(i, c)| if q.is_correct(i) { format!("* {c}") } else { c.clone() })
                .collect::<Vec<_>>()
                .join("\n"),
            required: q.required,
        }
    }
}

/// Checks one question (its key is set by the caller): a label; an objective among the module's
/// `objectives` (their count); a choice question has 2 to 8 distinct choices and at least one right
/// one (one only for a single choice); no choices otherwise. Errors are reported on `label_{i}`,
/// `objective_{i}` and `choices_{i}`.
pub fn check_one(q: &Question, objectives: usize, i: usize, e: &mut FieldErrors) -> Question {
    let label = crate::text::check_text(e, &format!("label_{i}"), &q.label, true, 300);
    if q.objective >= objectives {
        e.add(&format!("objective_{i}"), "Choisissez l'objectif que cette question évalue.");
    }
    let field = format!("choices_{i}");
    let mut choices = Vec::new();
    for c in &q.choices {
        choices.push(crate::text::check_text(e, &field, c, true, 200));
    }
    let mut correct = q.correct.clone();
    correct.sort();
    correct.dedup();
    if q.kind.has_choices() {
        let mut distinct = choices.clone();
        distinct.sort();
        distinct.dedup();
        if !(2..=MAX_CHOICES).contains(&choices.len()) || distinct.len() != choices.len() {
            e.add(&field, format!("Écrivez de 2 à {MAX_CHOICES} réponses possibles, différentes, une par ligne."));
        } else if correct.is_empty() || correct.iter().any(|c| *c >= choices.len()) {
            e.add(&field, "Marquez la ou les bonnes réponses d'un astérisque (* au début de la ligne).");
        } else if q.kind == QuestionKind::Single && correct.len() > 1 {
            e.add(&field, "Un choix unique n'a qu'une bonne réponse : choisissez « Choix multiple » sinon.");
        }
    } else {
        choices.clear();
        correct.clear();
    }
    Question { id: q.id.clone(), objective: q.objective, kind: q.kind, label, choices, correct, required: q.required }
}

/// When a question assesses an objective the module no longer has: what to tell the person who
/// removed it.
pub fn orphan(questions: &[Question], objectives: usize) -> Option<String> {
    questions.iter().find(|q| q.objective >= objectives).map(|q| {
        format!(
            "Le questionnaire de positionnement évalue l'objectif n° {} (« {} ») : changez d'abord cette question dans le questionnaire du module.",
            q.objective.saturating_add(1),
            q.label
        )
    })
}

/// Checks a whole questionnaire given as questions (the API, the module's content): each with
/// [`check_one`], keys renumbered in order, at most [`MAX_QUESTIONS`].
pub fn check_list(questions: &[Question], objectives: usize) -> Result<Vec<Question>, FieldErrors> {
    let mut e = FieldErrors::new();
    if questions.len() > MAX_QUESTIONS {
        e.add("label_0", format!("Pas plus de {MAX_QUESTIONS} questions."));
        return Err(e);
    }
    let out = questions
        .iter()
        .enumerate()
        .map(|(i, q)| Question { id: format!("q{}", i + 1), ..check_one(q, objectives, i, &mut e) })
        .collect();
    if e.is_empty() { Ok(out) } else { Err(e) }
}

/// Checks an edited questionnaire (the editor's rows) against the module's `objectives` (their
/// count): rows without a label are dropped; choices are read one per line, a right one marked
/// with `*`; then each question is checked by [`check_one`]; keys are renumbered in order.
pub fn check_questions(rows: &[QuestionRow], objectives: usize) -> Result<Vec<Question>, FieldErrors> {
    let mut e = FieldErrors::new();
    let mut out = Vec::new();
    for (i, r) in rows.iter().enumerate() {
        if r.label.trim().is_empty() {
            continue;
        }
        let Some(kind) = QuestionKind::parse(&r.kind) else {
            e.add(&format!("kind_{i}"), "Choisissez le type de question.");
            continue;
        };
        let objective = match r.objective.trim().parse::<usize>() {
            Ok(n) if (1..=objectives).contains(&n) => n - 1,
            _ => {
                e.add(&format!("objective_{i}"), "Choisissez l'objectif que cette question évalue.");
                continue;
            }
        };
        let mut choices = Vec::new();
        let mut correct = Vec::new();
        if kind.has_choices() {
            for line in r.choices.lines().map(str::trim).filter(|l| !l.is_empty()) {
                let (right, text) = match line.strip_prefix('*') {
                    Some(rest) => (true, rest.trim()),
                    None => (false, line),
                };
                if right {
                    correct.push(choices.len());
                }
                choices.push(text.to_string());
            }
        }
        let q = Question {
            id: format!("q{}", out.len() + 1),
            objective,
            kind,
            label: r.label.clone(),
            choices,
            correct,
            required: r.required,
        };
        out.push(check_one(&q, objectives, i, &mut e));
    }
    if out.len() > MAX_QUESTIONS {
        e.add("label_0", format!("Pas plus de {MAX_QUESTIONS} questions."));
    }
    if e.is_empty() { Ok(out) } else { Err(e) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_questionnaires_cover_every_objective_of_the_trainings() {
        for kind in [ModuleKind::CultureTraining, ModuleKind::UsageTraining] {
            let (_, content) = super::super::acunum::default_catalogue().into_iter().find(|(k, _)| *k == kind).unwrap();
            let n = content.objectives_list().len();
            let qs = default_questions(kind);
            for o in 0..n {
                assert!(qs.iter().any(|q| q.objective == o && q.kind != QuestionKind::Text), "{kind:?} objective {o}");
            }
            assert!(qs.iter().all(|q| q.objective < n));
            for q in qs.iter().filter(|q| q.kind.has_choices()) {
                assert!(!q.correct.is_empty() && q.correct.iter().all(|c| *c < q.choices.len()), "{}", q.label);
            }
            assert_eq!(questions_of(kind, &[], n).len(), qs.len());
        }
        assert!(default_questions(ModuleKind::Conference).is_empty());
        assert_eq!(
            questions_of(ModuleKind::CultureTraining, &[], 2).len(),
            3,
            "objectives left out drop their questions"
        );
    }

    #[test]
    fn an_edited_questionnaire_is_checked_and_reads_back_as_written() {
        let row = |label: &str, kind: &str, objective: &str, choices: &str| QuestionRow {
            label: label.into(),
            kind: kind.into(),
            objective: objective.into(),
            choices: choices.into(),
            required: true,
        };
        let rows = vec![
            row("Je sais faire une veille.", "self_scale", "1", ""),
            row("", "single", "1", ""),
            row("Un flux RSS sert à…", "single", "2", "lire des nouveautés *\n* recevoir les nouveautés\nautre chose"),
        ];
        let qs = check_questions(&rows, 2).unwrap();
        assert_eq!(qs.len(), 2);
        assert_eq!((qs[1].id.as_str(), qs[1].objective), ("q2", 1));
        assert_eq!(qs[1].choices, vec!["lire des nouveautés *", "recevoir les nouveautés", "autre chose"]);
        assert_eq!(qs[1].correct, vec![1]);
        let back = QuestionRow::of(&qs[1]);
        assert_eq!(check_questions(&[back], 2).unwrap()[0], Question { id: "q1".into(), ..qs[1].clone() });

        let e = check_questions(
            &[
                row("a", "single", "3", "x\n*y"),
                row("b", "single", "1", "x\ny"),
                row("c", "single", "1", "*x\n*y"),
                row("d", "multiple", "1", "*x"),
                row("e", "??", "1", ""),
            ],
            2,
        )
        .unwrap_err();
        for k in ["objective_0", "choices_1", "choices_2", "choices_3", "kind_4"] {
            assert!(e.get(k).is_some(), "{k}: {e:?}");
        }
    }

    #[test]
    fn questions_given_whole_are_checked_the_same_way() {
        let good = default_questions(ModuleKind::UsageTraining);
        assert_eq!(check_list(&good, 4).unwrap(), good);
        let mut bad = good.clone();
        bad[1].correct = vec![7];
        bad[3].objective = usize::MAX;
        bad[4].choices = vec!["* un".into(), "* un".into()];
        let e = check_list(&bad, 4).unwrap_err();
        for k in ["choices_1", "objective_3", "choices_4"] {
            assert!(e.get(k).is_some(), "{k}: {e:?}");
        }
        assert_eq!(QuestionRow::of(&bad[3]).objective, usize::MAX.to_string(), "no overflow");
        assert!(check_list(&vec![good[0].clone(); MAX_QUESTIONS + 1], 4).is_err());
    }
}
