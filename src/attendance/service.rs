//! What the attendance pages and API both do: marking a half-day and locking its sheet.

use crate::attendance::{CODE_WINDOW_SECONDS, code_keys, within_code_window};
use crate::auth::constant_time_eq;

use serde::Deserialize;

use crate::attendance::documents::attendees;
use crate::attendance::store::{self as att, HalfDay, NewMark};
use crate::attendance::{Status, has_sheets, late_entry, may_lock, may_mark, normalize_signature};
use crate::auth::{CurrentUser, Role};
use crate::cycle::store::{self as cycles, Cycle, Participant, TrainingSession};
use crate::error::{AppError, FieldErrors};
use crate::state::AppState;

/// The session and what the caller may do with its sheet.
pub(crate) struct Access {
    pub(crate) org: i64,
    pub(crate) cycle: Cycle,
    pub(crate) session: TrainingSession,
    pub(crate) coordinator: bool,
}

/// Coordinators manage every sheet; an intervenant manages the sheets of their own sessions.
pub(crate) async fn access(
    s: &AppState,
    user: &CurrentUser,
    cycle_id: i64,
    session_id: i64,
) -> Result<Access, AppError> {
    let org = user.staff_org()?;
    let cycle = cycles::get(&s.db, org, cycle_id).await?;
    let session = cycles::session(&s.db, org, session_id).await?;
    if session.cycle_id != cycle_id {
        return Err(AppError::NotFound);
    }
    let coordinator = user.role() == Role::Coordinator;
    if !coordinator {
        let mine = cycles::intervenant_of_user(&s.db, org, user.id()).await?;
        if mine.is_none() || mine != session.intervenant_id {
            return Err(AppError::Forbidden);
        }
    }
    Ok(Access { org, cycle, session, coordinator })
}

/// A sheet that is being written (opened, marked, closed): not for a cancelled session, nor for a
/// module that is not signed per half-day.
pub(crate) fn writable(a: &Access) -> Result<(), AppError> {
    if a.session.cancelled_at.is_some() {
        return Err(AppError::Conflict("Cette séance est annulée : sa feuille d'émargement ne s'écrit plus.".into()));
    }
    if !has_sheets(a.session.module_kind) {
        return Err(AppError::Conflict(
            "Les réunions d'accompagnement (AMO) et les conférences ne s'émargent pas par demi-journée : \
             notez les présents dans le journal d'AMO ou la liste des inscrits."
                .into(),
        ));
    }
    Ok(())
}

pub(crate) async fn half_of(s: &AppState, a: &Access, half_id: i64) -> Result<HalfDay, AppError> {
    let h = att::get(&s.db, a.org, half_id).await?;
    if h.session_id != a.session.id {
        return Err(AppError::NotFound);
    }
    Ok(h)
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct MarkForm {
    pub participant_id: i64,
    pub status: String,
    pub reason: String,
    pub late_minutes: String,
    #[serde(deserialize_with = "crate::web::form_bool")]
    pub paper: bool,
    /// Why a closed sheet is corrected, or a mark is entered after its day (the coordination's).
    pub correction: String,
}

/// Checks a mark typed by the intervenant or the coordinator.
pub fn check_mark(f: &MarkForm) -> Result<(Status, String, i64), AppError> {
    let mut e = FieldErrors::new();
    let status = Status::parse(&f.status);
    if status.is_none() {
        e.add("status", "Choisissez la présence dans la liste.");
    }
    let reason = crate::text::check_text(&mut e, "reason", &f.reason, false, 500);
    if status == Some(Status::Excused) && reason.is_empty() {
        e.add("reason", "Indiquez le motif de l'absence excusée.");
    }
    let late = if f.late_minutes.trim().is_empty() { 0 } else { f.late_minutes.trim().parse::<i64>().unwrap_or(-1) };
    if status == Some(Status::Late) && !(1..=720).contains(&late) {
        e.add("late_minutes", "Indiquez les minutes de retard (entre 1 et 720).");
    }
    e.into_result((status.unwrap_or(Status::Absent), reason, late.max(0)))
}

/// Records a mark from the intervenant's or the coordinator's sheet (shared with the API).
pub async fn do_mark(
    s: &AppState,
    user: &CurrentUser,
    id: i64,
    sid: i64,
    hid: i64,
    f: &MarkForm,
    ip: &str,
) -> Result<(), AppError> {
    let a = access(s, user, id, sid).await?;
    writable(&a)?;
    let h = half_of(s, &a, hid).await?;
    let tz = a.cycle.tz();
    let now = s.now();
    may_mark(now, h.start_at, tz).map_err(AppError::Conflict)?;
    let late = late_entry(now, h.start_at, tz);
    if (h.is_locked() || late) && !a.coordinator {
        return Err(AppError::Conflict(if h.is_locked() {
            "Cette feuille est close : seule la coordination peut la corriger, avec un motif (la correction est tracée).".into()
        } else {
            "Cette demi-journée est passée : seule la coordination peut reporter une présence, avec un motif.".into()
        }));
    }
    let module = cycles::module(&s.db, a.org, id, a.session.cycle_module_id).await?;
    let people = attendees(module.kind, &cycles::participants(&s.db, a.org, id).await?);
    if !people.iter().any(|p| p.id == f.participant_id) {
        return Err(AppError::invalid("participant_id", "Cette personne n'est pas attendue à cette séance."));
    }
    let (status, reason, late_minutes) = check_mark(f)?;
    let mut e = FieldErrors::new();
    let correction = crate::text::check_text(&mut e, "correction", &f.correction, h.is_locked() || late, 500);
    if !e.is_empty() {
        let mut e = FieldErrors::new();
        e.add(
            "correction",
            if h.is_locked() {
                "Indiquez le motif de la correction : la feuille est close."
            } else {
                "Indiquez le motif du report : la demi-journée est passée (feuille papier, oubli…)."
            },
        );
        return Err(AppError::Invalid(e));
    }
    let method = if h.is_locked() {
        "correction"
    } else if f.paper {
        "paper"
    } else if late {
        "late"
    } else {
        "trainer"
    };
    let actor = format!("{} ({})", user.user.name, user.role().label());
    att::add(
        &s.db,
        a.org,
        h.id,
        &NewMark {
            participant_id: f.participant_id,
            status,
            reason: &reason,
            late_minutes,
            signature: None,
            method,
            actor: &actor,
            ip,
            at: now,
            correction: &correction,
        },
    )
    .await?;
    if h.is_locked() || late {
        let who = people.iter().find(|p| p.id == f.participant_id).map(|p| p.full_name()).unwrap_or_default();
        crate::audit::record(
            &s.db,
            Some(a.org),
            now,
            &crate::audit::Actor::user(user.id(), &user.user.name, user.role()),
            crate::audit::Event {
                action: if h.is_locked() { "attendance.correct" } else { "attendance.late_entry" },
                subject: "half_day",
                subject_id: Some(h.id),
                reason: &correction,
                details: format!("{who} : {}", status.label()),
            },
        )
        .await?;
    }
    Ok(())
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct LockForm {
    pub trainer_name: String,
    pub signature: String,
    /// Note the people without a mark as absent when closing (otherwise the closing is refused).
    #[serde(deserialize_with = "crate::web::form_bool")]
    pub absent_unmarked: bool,
}

pub async fn do_lock(
    s: &AppState,
    user: &CurrentUser,
    id: i64,
    sid: i64,
    hid: i64,
    f: &LockForm,
) -> Result<(), AppError> {
    let a = access(s, user, id, sid).await?;
    writable(&a)?;
    let h = half_of(s, &a, hid).await?;
    if h.is_locked() {
        return Err(AppError::Conflict("Cette feuille est déjà close.".into()));
    }
    let now = s.now();
    may_lock(now, h.end_at, a.cycle.tz()).map_err(AppError::Conflict)?;
    let mut e = FieldErrors::new();
    let name = crate::text::check_text(&mut e, "trainer_name", &f.trainer_name, true, 200);
    let signature = match normalize_signature(&f.signature) {
        Ok(sig) => sig,
        Err(m) => {
            e.add("signature", format!("{m} Signez dans le cadre avant de clore la feuille."));
            String::new()
        }
    };
    // Nobody is left "non renseigné" on a closed sheet without a word.
    let module = cycles::module(&s.db, a.org, id, a.session.cycle_module_id).await?;
    let people = attendees(module.kind, &cycles::participants(&s.db, a.org, id).await?);
    let marks = att::current(&s.db, a.org, h.id).await?;
    let unmarked: Vec<&Participant> =
        people.iter().filter(|p| !marks.iter().any(|m| m.participant_id == p.id)).collect();
    if !unmarked.is_empty() && !f.absent_unmarked {
        let names: Vec<String> = unmarked.iter().map(|p| p.full_name()).collect();
        e.add(
            "absent_unmarked",
            format!(
                "{} sans présence notée : {}. Notez leur présence, ou cochez « Noter absentes les personnes non renseignées ».",
                crate::fr::plural(names.len() as i64, "personne", "personnes"),
                names.join(", ")
            ),
        );
    }
    e.into_result(())?;
    let actor = format!("{} ({})", user.user.name, user.role().label());
    for p in &unmarked {
        att::add(
            &s.db,
            a.org,
            h.id,
            &NewMark {
                participant_id: p.id,
                status: Status::Absent,
                reason: "",
                late_minutes: 0,
                signature: None,
                method: "trainer",
                actor: &actor,
                ip: "",
                at: now,
                correction: "non renseignée à la clôture de la feuille",
            },
        )
        .await?;
    }
    att::lock(&s.db, a.org, h.id, user.id(), &name, &signature, now).await?;
    if !unmarked.is_empty() {
        let names: Vec<String> = unmarked.iter().map(|p| p.full_name()).collect();
        crate::audit::record(
            &s.db,
            Some(a.org),
            now,
            &crate::audit::Actor::user(user.id(), &user.user.name, user.role()),
            crate::audit::Event {
                action: "attendance.absent_unmarked",
                subject: "half_day",
                subject_id: Some(h.id),
                reason: "",
                details: names.join(", "),
            },
        )
        .await?;
    }
    Ok(())
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct SignForm {
    pub code: String,
    pub signature: String,
    #[serde(deserialize_with = "crate::web::form_bool")]
    pub confirm: bool,
}

/// A participant signs a half-day from their own link (shared with the API).
pub async fn do_sign(s: &AppState, token: &str, hid: i64, f: &SignForm, ip: &str) -> Result<(), AppError> {
    let (org, cycle_id, person) = cycles::participant_by_token(&s.db, token).await?;
    let h = att::get(&s.db, org, hid).await?;
    let session = cycles::session(&s.db, org, h.session_id).await?;
    if session.cycle_id != cycle_id {
        return Err(AppError::NotFound);
    }
    let module = cycles::module(&s.db, org, cycle_id, session.cycle_module_id).await?;
    if !attendees(module.kind, std::slice::from_ref(&person)).iter().any(|p| p.id == person.id) {
        return Err(AppError::Forbidden);
    }
    if h.is_locked() {
        return Err(AppError::Conflict(
            "La feuille de cette demi-journée est close : adressez-vous à l'intervenant·e.".into(),
        ));
    }
    let now = s.now();
    if !h.is_open() || !within_code_window(now, h.start_at, h.end_at) {
        return Err(AppError::Conflict("La signature n'est pas ouverte pour cette demi-journée.".into()));
    }
    if att::has_signed(&s.db, h.id, person.id).await? {
        return Err(AppError::Conflict("Vous avez déjà signé cette demi-journée.".into()));
    }
    // The attempt reserves its place in the person's and the address's counters before the code
    // is compared: simultaneous attempts cannot all slip under the limit.
    let keys = code_keys(person.id, ip);
    if !crate::auth::throttle::reserve_all(&s.db, &keys, now, CODE_WINDOW_SECONDS).await? {
        return Err(AppError::TooManyRequests(
            "Trop de codes erronés : attendez un quart d'heure ou demandez à l'intervenant·e de noter votre présence."
                .into(),
        ));
    }
    let expected = h.code.clone().unwrap_or_default();
    let given: String = f.code.chars().filter(|c| c.is_ascii_digit()).collect();
    if expected.is_empty() || !constant_time_eq(given.as_bytes(), expected.as_bytes()) {
        att::record_failure(&s.db, person.id, ip).await?;
        return Err(AppError::invalid("code", "Ce code n'est pas celui affiché dans la salle."));
    }
    for (key, _) in &keys {
        crate::auth::throttle::release(&s.db, key).await?;
    }
    let drawn;
    let signature = if f.signature.is_empty() {
        if !f.confirm {
            return Err(AppError::invalid("signature", "Signez dans le cadre, ou cochez « Je confirme ma présence »."));
        }
        None
    } else {
        drawn = normalize_signature(&f.signature).map_err(|m| AppError::invalid("signature", m))?;
        Some(drawn.as_str())
    };
    att::add(
        &s.db,
        org,
        h.id,
        &NewMark {
            participant_id: person.id,
            status: Status::Present,
            reason: "",
            late_minutes: 0,
            signature,
            method: "self",
            actor: "participant",
            ip,
            at: now,
            correction: "",
        },
    )
    .await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct AbsenceForm {
    pub reason: String,
}

/// A participant announces an absence to a coming session.
pub async fn do_announce(s: &AppState, token: &str, sid: i64, reason: &str, ip: &str) -> Result<usize, AppError> {
    let (org, cycle_id, person) = cycles::participant_by_token(&s.db, token).await?;
    let session = cycles::session(&s.db, org, sid).await?;
    if session.cycle_id != cycle_id {
        return Err(AppError::NotFound);
    }
    let now = s.now();
    if now > crate::attendance::announce_deadline(session.start_at) {
        return Err(AppError::Conflict("Cette séance a commencé : prévenez directement l'intervenant·e.".into()));
    }
    let mut e = FieldErrors::new();
    let reason = crate::text::check_text(&mut e, "reason", reason, true, 500);
    e.into_result(())?;
    let mut n = 0;
    for h in att::ensure(&s.db, org, &session).await?.iter().filter(|h| !h.is_locked()) {
        att::add(
            &s.db,
            org,
            h.id,
            &NewMark {
                participant_id: person.id,
                status: Status::Excused,
                reason: &reason,
                late_minutes: 0,
                signature: None,
                method: "announced",
                actor: "participant",
                ip,
                at: now,
                correction: "",
            },
        )
        .await?;
        n += 1;
    }
    Ok(n)
}
