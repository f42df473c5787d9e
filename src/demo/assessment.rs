//! The past cycle's positioning and assessment: each person of the group placed before the first
//! day (expectations, one particular need), an adaptation written by the intervenant, and the end of
//! training's results that the attestations print.

use std::collections::BTreeMap;

use crate::assessment::store::{self, NewAssessment};
use crate::assessment::{Answer, Phase, window};
use crate::catalogue::questionnaire::{Question, QuestionKind};
use crate::cycle::store::Participant;
use crate::db::Db;
use crate::error::AppError;

/// The answers of person `i`: modest before, better after (one objective still partly reached for
/// one person, so that the results are not all the same).
fn answers(questions: &[Question], i: usize, after: bool) -> BTreeMap<String, Answer> {
    let mut out = BTreeMap::new();
    for (k, q) in questions.iter().enumerate() {
        let a = match q.kind {
            QuestionKind::SelfScale => {
                let n = if after {
                    if i == 5 && q.objective == 2 { 2 } else { 3 + ((i + k) % 2) }
                } else {
                    1 + ((i + k) % 2)
                };
                Answer::Scale(n as u8)
            }
            QuestionKind::Single => {
                let right = q.correct.first().copied().unwrap_or(0);
                let wrong = (right + 1) % q.choices.len().max(1);
                let ok = if after { !(i == 5 && q.objective == 2) } else { (i + k).is_multiple_of(3) };
                Answer::Choice(if ok { right } else { wrong })
            }
            QuestionKind::Multiple => {
                if after && i != 5 {
                    Answer::Choices(q.correct.clone())
                } else {
                    Answer::Choices(q.correct.iter().take(1).copied().collect())
                }
            }
            QuestionKind::Text if after => {
                Answer::Text("Ouvrir une veille partagée avec le service communication.".into())
            }
            QuestionKind::Text => continue,
        };
        out.insert(q.id.clone(), a);
    }
    out
}

const EXPECTATIONS: [&str; 8] = [
    "Comprendre ce que nos adhérents font sur les réseaux sociaux.",
    "",
    "Savoir vérifier une information avant de la relayer.",
    "Mieux travailler avec les collègues des autres sites.",
    "",
    "Ne plus être perdue face aux outils de l'équipe.",
    "",
    "",
];

/// Writes the group's questionnaires, answered at their time.
pub async fn record(
    db: &Db,
    org_id: i64,
    cycle_id: i64,
    cm: i64,
    group: &[Participant],
    first_start: i64,
    last_end: i64,
) -> Result<(), AppError> {
    let module = crate::cycle::store::module(db, org_id, cycle_id, cm).await?;
    let (objectives, questions) = crate::assessment::service::questionnaire(&module);
    let group = crate::attendance::documents::attendees(module.kind, group);
    for phase in [Phase::Positioning, Phase::Final] {
        let (opens, closes) = window(phase, first_start, last_end, 8);
        let sent_at = if phase == Phase::Positioning { first_start - 10 * 86_400 } else { last_end };
        let new = NewAssessment {
            cycle_module_id: cm,
            phase,
            objectives: &objectives,
            questions: &questions,
            sent_at,
            opens_at: opens.max(0),
            closes_at: closes,
        };
        for (i, p) in group.iter().enumerate() {
            let Some(a) = store::create(db, org_id, p.id, &new).await? else { continue };
            // One person never answered the positioning, another not the final assessment.
            if (phase == Phase::Positioning && i == 7) || (phase == Phase::Final && i == 6) {
                continue;
            }
            let (expectations, needs) = if phase == Phase::Positioning {
                (
                    EXPECTATIONS[i % EXPECTATIONS.len()],
                    if i == 3 { "Malentendant : être placé près de l'intervenant·e." } else { "" },
                )
            } else {
                ("", "")
            };
            let at = if phase == Phase::Positioning {
                first_start - (4 + i as i64) * 86_400
            } else {
                last_end + 3_600 * (1 + i as i64)
            };
            store::answer(db, &a, &answers(&questions, i, phase == Phase::Final), expectations, needs, at).await?;
        }
    }
    store::add_adaptation(
        db,
        org_id,
        cm,
        None,
        "Camille Durand",
        "Jour 2 repris pas à pas : la moitié du groupe ne se sert d'aucun réseau social. Une personne malentendante : placée face à l'intervenant·e, supports projetés lus à voix haute.",
        first_start - 86_400,
    )
    .await?;
    Ok(())
}
