//! What the pages and the API do alike with a cycle: plan a module, place or move a session with
//! its conflicts, add a person to the group (capacity, waiting list), move to the next phase.

use chrono::{NaiveDate, NaiveTime};
use serde::{Deserialize, Serialize};

use crate::catalogue::ModuleKind;
use crate::cycle::planning::{Conflict, PlanParams, expand, local_to_utc, span};
use crate::cycle::store::{self, Cycle, NewParticipant, Participant, SessionData};
use crate::cycle::{Membership, Phase, blockers};
use crate::db::Db;
use crate::error::{AppError, FieldErrors};

/// Turns conflicts into the error shown to the user: refusals always; warnings unless `force`.
fn refuse(conflicts: &[Conflict], force: bool) -> Result<(), AppError> {
    let blocking: Vec<&Conflict> = conflicts.iter().filter(|c| !c.warning || !force).collect();
    if blocking.is_empty() {
        return Ok(());
    }
    let mut e = FieldErrors::new();
    for c in blocking {
        let field = if c.warning { "warnings" } else { "conflicts" };
        e.add(field, c.message.clone());
    }
    Err(AppError::Invalid(e))
}

async fn check_refs(db: &Db, org_id: i64, room: Option<i64>, intervenant: Option<i64>) -> Result<(), AppError> {
    if let Some(r) = room {
        crate::cycle::room::store::get(db, org_id, r)
            .await
            .map_err(|_| AppError::invalid("room_id", "Cette salle n'existe pas dans votre organisation."))?;
    }
    if let Some(i) = intervenant {
        crate::intervenant::store::get(db, org_id, i).await.map_err(|_| {
            AppError::invalid("intervenant_id", "Cet intervenant n'existe pas dans votre organisation.")
        })?;
    }
    Ok(())
}

/// Expands a module of the cycle into its sessions and saves them, refusing conflicts.
pub async fn plan_module(
    db: &Db,
    org_id: i64,
    cycle: &Cycle,
    cycle_module_id: i64,
    p: &PlanParams,
    force: bool,
) -> Result<Vec<i64>, AppError> {
    let module = store::module(db, org_id, cycle.id, cycle_module_id).await?;
    check_refs(db, org_id, p.room_id, p.intervenant_id).await?;
    let planned = expand(&module.content, p, cycle.tz()).map_err(AppError::Invalid)?;
    let mut all = Vec::new();
    for s in &planned {
        for c in store::conflicts(
            db,
            org_id,
            cycle,
            module.kind,
            s.start.timestamp(),
            s.end.timestamp(),
            p.intervenant_id,
            p.room_id,
            0,
        )
        .await?
        {
            if !all.contains(&c) {
                all.push(c);
            }
        }
    }
    refuse(&all, force)?;
    let capacity = if module.kind == ModuleKind::Conference {
        module.content.headcount_max.or(match p.room_id {
            Some(r) => crate::cycle::room::store::get(db, org_id, r).await?.capacity,
            None => None,
        })
    } else {
        None
    };
    let offset: i64 = store::sessions(db, org_id, cycle.id)
        .await?
        .iter()
        .filter(|s| s.cycle_module_id == cycle_module_id)
        .map(|s| s.position)
        .max()
        .unwrap_or(0);
    let mut tx = db.pool.begin().await?;
    let mut ids = Vec::new();
    for s in &planned {
        ids.push(
            store::insert_session(
                &mut tx,
                org_id,
                cycle.id,
                cycle_module_id,
                module.kind,
                &SessionData {
                    position: offset + s.position,
                    title: &s.title,
                    description: &s.description,
                    start_at: s.start.timestamp(),
                    end_at: s.end.timestamp(),
                    minutes: s.minutes,
                    room_id: p.room_id,
                    intervenant_id: p.intervenant_id.or(module.intervenant_id),
                    capacity,
                },
            )
            .await?,
        );
    }
    tx.commit().await?;
    for id in &ids {
        let s = store::session(db, org_id, *id).await?;
        crate::cycle::mails::schedule_reminder(db, org_id, &s).await?;
    }
    Ok(ids)
}

/// A session as typed: date and times in the cycle's zone.
#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SessionInput {
    pub title: String,
    #[serde(default)]
    pub description: String,
    #[schema(value_type = String, format = Date)]
    pub date: NaiveDate,
    #[schema(value_type = String, example = "09:00")]
    pub start_time: NaiveTime,
    #[schema(value_type = String, example = "17:00")]
    pub end_time: NaiveTime,
    /// Minutes of training; by default the length minus a lunch break for a full day.
    pub minutes: Option<i64>,
    pub room_id: Option<i64>,
    pub intervenant_id: Option<i64>,
    pub capacity: Option<i64>,
    /// Plan despite warnings (a weekend, a public holiday).
    #[serde(default)]
    pub force: bool,
}

fn times(cycle: &Cycle, i: &SessionInput) -> Result<(i64, i64, i64), AppError> {
    let tz = cycle.tz();
    let start = local_to_utc(tz, i.date, i.start_time)
        .ok_or_else(|| AppError::invalid("start_time", "Cette heure n'existe pas ce jour-là (changement d'heure)."))?;
    let end = local_to_utc(tz, i.date, i.end_time)
        .ok_or_else(|| AppError::invalid("end_time", "Cette heure n'existe pas ce jour-là (changement d'heure)."))?;
    let length = (end - start).num_minutes();
    let minutes = i.minutes.unwrap_or(if length > 300 + crate::cycle::planning::LUNCH_MINUTES {
        length - crate::cycle::planning::LUNCH_MINUTES
    } else {
        length
    });
    if end > start && !(1..=length).contains(&minutes) {
        return Err(AppError::invalid("minutes", "La durée de formation tient dans les horaires de la séance."));
    }
    Ok((start.timestamp(), end.timestamp(), minutes.max(0)))
}

fn check_text(i: &SessionInput) -> Result<(String, String), AppError> {
    let mut e = FieldErrors::new();
    let t = crate::text::check_text(&mut e, "title", &i.title, true, 300);
    let d = crate::text::check_text(&mut e, "description", &i.description, false, 5000);
    if i.capacity.is_some_and(|c| !(1..=5000).contains(&c)) {
        e.add("capacity", "La capacité est comprise entre 1 et 5000 places.");
    }
    e.into_result((t, d))
}

/// Adds one session to a module of the cycle (an AMO meeting, an extra conference…).
pub async fn add_session(
    db: &Db,
    org_id: i64,
    cycle: &Cycle,
    cycle_module_id: i64,
    i: &SessionInput,
) -> Result<i64, AppError> {
    let module = store::module(db, org_id, cycle.id, cycle_module_id).await?;
    let (title, description) = check_text(i)?;
    check_refs(db, org_id, i.room_id, i.intervenant_id).await?;
    let (start, end, minutes) = times(cycle, i)?;
    let c = store::conflicts(db, org_id, cycle, module.kind, start, end, i.intervenant_id, i.room_id, 0).await?;
    refuse(&c, i.force)?;
    let position = store::sessions(db, org_id, cycle.id)
        .await?
        .iter()
        .filter(|s| s.cycle_module_id == cycle_module_id)
        .map(|s| s.position)
        .max()
        .unwrap_or(0)
        + 1;
    let mut tx = db.pool.begin().await?;
    let id = store::insert_session(
        &mut tx,
        org_id,
        cycle.id,
        cycle_module_id,
        module.kind,
        &SessionData {
            position,
            title: &title,
            description: &description,
            start_at: start,
            end_at: end,
            minutes,
            room_id: i.room_id,
            intervenant_id: i.intervenant_id,
            capacity: i.capacity,
        },
    )
    .await?;
    tx.commit().await?;
    crate::cycle::mails::schedule_reminder(db, org_id, &store::session(db, org_id, id).await?).await?;
    Ok(id)
}

/// Moves or edits a session; its reminder follows.
pub async fn update_session(db: &Db, org_id: i64, cycle: &Cycle, id: i64, i: &SessionInput) -> Result<(), AppError> {
    let current = store::session(db, org_id, id).await?;
    if current.cycle_id != cycle.id {
        return Err(AppError::NotFound);
    }
    let (title, description) = check_text(i)?;
    check_refs(db, org_id, i.room_id, i.intervenant_id).await?;
    let (start, end, minutes) = times(cycle, i)?;
    if current.is_cancelled() {
        return Err(AppError::Conflict("Cette séance est annulée : elle ne se modifie plus.".into()));
    }
    // A sheet was opened or marked: its times and its trainer are those of the record.
    let moved = (start, end, minutes, i.intervenant_id)
        != (current.start_at, current.end_at, current.minutes, current.intervenant_id);
    if moved && store::session_has_records(db, org_id, id).await? {
        return Err(AppError::Conflict(
            "Cette séance a une feuille d'émargement ouverte ou remplie : ses horaires et son intervenant·e ne \
             changent plus. Annulez-la et planifiez-en une autre."
                .into(),
        ));
    }
    if current.is_cancelled() {
        return Err(AppError::Conflict("Cette séance est annulée : elle ne se modifie plus.".into()));
    }
    // A sheet was opened or marked: its times and its trainer are those of the record.
    let moved = (start, end, minutes, i.intervenant_id)
        != (current.start_at, current.end_at, current.minutes, current.intervenant_id);
    if moved && store::session_has_records(db, org_id, id).await? {
        return Err(AppError::Conflict(
            "Cette séance a une feuille d'émargement ouverte ou remplie : ses horaires et son intervenant·e ne \
             changent plus. Annulez-la et planifiez-en une autre."
                .into(),
        ));
    }
    let c =
        store::conflicts(db, org_id, cycle, current.module_kind, start, end, i.intervenant_id, i.room_id, id).await?;
    refuse(&c, i.force)?;
    store::update_session(
        db,
        org_id,
        id,
        &SessionData {
            position: current.position,
            title: &title,
            description: &description,
            start_at: start,
            end_at: end,
            minutes,
            room_id: i.room_id,
            intervenant_id: i.intervenant_id,
            capacity: i.capacity,
        },
    )
    .await?;
    crate::cycle::mails::schedule_reminder(db, org_id, &store::session(db, org_id, id).await?).await?;
    Ok(())
}

/// Deletes a session that holds no legal record; one with a sheet opened, marked or closed is
/// cancelled instead ([`cancel_session`]).
pub async fn delete_session(db: &Db, org_id: i64, cycle: &Cycle, id: i64) -> Result<(), AppError> {
    let current = store::session(db, org_id, id).await?;
    if current.cycle_id != cycle.id {
        return Err(AppError::NotFound);
    }
    if store::session_has_records(db, org_id, id).await? {
        return Err(AppError::Conflict(
            "Cette séance a une feuille d'émargement ouverte, remplie ou close : elle ne peut pas être supprimée. \
             Annulez-la : elle restera visible, barrée, hors des heures."
                .into(),
        ));
    }
    store::delete_session(db, org_id, id).await
}

/// Cancels a session at `now`, with a reason kept in the audit trail: it stays, struck out, out of
/// the hours, the calendars and the reminders. A session whose sheet is closed took place: it is not
/// cancelled (its marks are corrected instead).
pub async fn cancel_session(
    db: &Db,
    org_id: i64,
    cycle: &Cycle,
    id: i64,
    reason: &str,
    actor: &crate::audit::Actor,
    now: i64,
) -> Result<(), AppError> {
    let current = store::session(db, org_id, id).await?;
    if current.cycle_id != cycle.id {
        return Err(AppError::NotFound);
    }
    let mut e = FieldErrors::new();
    let reason = crate::text::check_text(&mut e, "reason", reason, true, 500);
    if !e.is_empty() {
        return Err(AppError::invalid("reason", "Indiquez le motif de l'annulation."));
    }
    if store::session_has_locked_sheet(db, org_id, id).await? {
        return Err(AppError::Conflict(
            "Cette séance a eu lieu : une de ses feuilles d'émargement est close. Corrigez les présences plutôt que \
             d'annuler la séance."
                .into(),
        ));
    }
    store::cancel_session(db, org_id, id, now, &reason).await?;
    crate::audit::record(
        db,
        Some(org_id),
        now,
        actor,
        crate::audit::Event {
            action: "session.cancel",
            subject: "session",
            subject_id: Some(id),
            reason: &reason,
            details: format!("{} — {}", current.title, crate::fr::date_time(current.start_at, cycle.tz())),
        },
    )
    .await
}

/// Removes a person from the cycle, unless they appear on a legal record (a sheet, a
/// certificate): then they leave the group and stay on the records.
pub async fn delete_participant(db: &Db, org_id: i64, cycle: &Cycle, id: i64) -> Result<(), AppError> {
    store::participant(db, org_id, cycle.id, id).await?;
    if store::participant_has_records(db, org_id, id).await? {
        return Err(AppError::Conflict(
            "Cette personne figure sur des feuilles d'émargement ou des certificats : elle ne peut pas être \
             supprimée. Retirez-la du groupe (« Hors groupe ») : elle restera sur les documents déjà établis."
                .into(),
        ));
    }
    store::delete_participant(db, org_id, cycle.id, id).await
}

/// Adds a client structure to the cycle (a mixed group of several structures); the participants
/// already enrolled under that structure's name are tied to it.
pub async fn add_structure(db: &Db, org_id: i64, cycle: &Cycle, client_id: i64) -> Result<(), AppError> {
    store::add_structure(db, org_id, cycle.id, client_id).await?;
    let client = crate::client::store::get(db, org_id, client_id).await?;
    let key = crate::text::search_key(&client.name);
    let ids: Vec<i64> = store::participants(db, org_id, cycle.id)
        .await?
        .into_iter()
        .filter(|p| p.client_id.is_none() && crate::text::search_key(&p.structure) == key)
        .map(|p| p.id)
        .collect();
    store::set_participants_client(db, org_id, cycle.id, &ids, client_id).await
}

/// A person for the groupe mixte, as typed.
#[derive(Clone, Debug, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct ParticipantInput {
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    pub phone: String,
    /// Métier.
    pub job: String,
    pub service: String,
    /// The structure the person works for.
    pub structure: String,
    /// That structure among the cycle's clients (by default, the client whose name is `structure`,
    /// or the cycle's client when `structure` is empty).
    pub client_id: Option<i64>,
    pub committee: bool,
    /// `group` (default) or `other` (a conference volunteer for the committee, outside the group).
    pub membership: Option<String>,
}

/// The capacity of the group: the headcount of the cycle's culture training (its version).
pub async fn group_capacity(db: &Db, org_id: i64, cycle_id: i64) -> Result<Option<i64>, AppError> {
    Ok(store::modules(db, org_id, cycle_id)
        .await?
        .iter()
        .find(|m| m.kind == ModuleKind::CultureTraining)
        .and_then(|m| m.content.headcount_max))
}

/// Adds a person: into the group while it has room, then on the waiting list (or refused, when the
/// cycle has no waiting list).
pub async fn add_participant(
    db: &Db,
    org_id: i64,
    cycle: &Cycle,
    i: &ParticipantInput,
) -> Result<Participant, AppError> {
    if cycle.status == Phase::Closed {
        return Err(AppError::Conflict("Le cycle est clos.".into()));
    }
    let mut e = FieldErrors::new();
    let first = crate::text::check_text(&mut e, "first_name", &i.first_name, true, 100);
    let last = crate::text::check_text(&mut e, "last_name", &i.last_name, true, 100);
    let email = crate::text::check_email(&mut e, "email", &i.email, true);
    let phone = crate::text::check_phone(&mut e, "phone", &i.phone);
    let job = crate::text::check_text(&mut e, "job", &i.job, false, 200);
    let service = crate::text::check_text(&mut e, "service", &i.service, false, 200);
    let structure = crate::text::check_text(&mut e, "structure", &i.structure, false, 200);
    let wanted = match i.membership.as_deref() {
        None | Some("") | Some("group") => Membership::Group,
        Some("other") => Membership::Other,
        Some(_) => {
            e.add("membership", "Choisissez « groupe » ou « hors groupe ».");
            Membership::Group
        }
    };
    // The structure among the cycle's clients: the one chosen, or the one whose name was typed.
    let structures = store::structures(db, org_id, cycle.id).await?;
    let mut clients: Vec<(i64, String)> = vec![(cycle.client_id, cycle.client_name.clone())];
    clients.extend(structures.into_iter().filter(|(id, _)| *id != cycle.client_id));
    let (client_id, structure) = match i.client_id {
        Some(id) => match clients.iter().find(|(c, _)| *c == id) {
            Some((_, name)) => (Some(id), if structure.is_empty() { name.clone() } else { structure }),
            None => {
                e.add("client_id", "Choisissez une des structures du cycle.");
                (None, structure)
            }
        },
        None if structure.is_empty() => (Some(cycle.client_id), String::new()),
        None => {
            let key = crate::text::search_key(&structure);
            (clients.iter().find(|(_, n)| crate::text::search_key(n) == key).map(|(c, _)| *c), structure)
        }
    };
    e.into_result(())?;
    let mut membership = wanted;
    if wanted == Membership::Group
        && let Some(cap) = group_capacity(db, org_id, cycle.id).await?
        && store::count_group(db, cycle.id).await? >= cap
    {
        if !cycle.waitlist {
            return Err(AppError::invalid(
                "email",
                format!("Le groupe mixte est complet ({cap} personnes au plus, selon la formation du cycle)."),
            ));
        }
        membership = Membership::Waiting;
    }
    store::add_participant(
        db,
        org_id,
        cycle.id,
        &NewParticipant {
            first_name: &first,
            last_name: &last,
            email: &email,
            phone: &phone,
            job: &job,
            service: &service,
            structure: &structure,
            client_id,
            committee: i.committee,
        },
        membership,
    )
    .await
}

/// Moves someone from the waiting list into the group, when there is room.
pub async fn promote(db: &Db, org_id: i64, cycle: &Cycle, participant_id: i64) -> Result<(), AppError> {
    let p = store::participant(db, org_id, cycle.id, participant_id).await?;
    if p.membership == Membership::Group {
        return Ok(());
    }
    if let Some(cap) = group_capacity(db, org_id, cycle.id).await?
        && store::count_group(db, cycle.id).await? >= cap
    {
        return Err(AppError::Conflict(format!("Le groupe mixte est complet ({cap} personnes au plus).")));
    }
    store::set_membership(db, org_id, cycle.id, participant_id, Membership::Group).await
}

/// Moves the cycle to its next phase at `now`, when the facts of the previous one are there.
pub async fn advance(db: &Db, org_id: i64, cycle: &Cycle, now: i64) -> Result<Phase, AppError> {
    let next = cycle.status.next().ok_or_else(|| AppError::Conflict("Le cycle est clos.".into()))?;
    let facts = store::facts(db, org_id, cycle.id, now).await?;
    let b = blockers(cycle.status, &facts);
    if !b.is_empty() {
        let mut e = FieldErrors::new();
        for m in b {
            e.add("phase", m);
        }
        return Err(AppError::Invalid(e));
    }
    store::set_status(db, org_id, cycle.id, cycle.status, next).await?;
    Ok(next)
}

/// The wall-clock end of a sitting typed with its start and training minutes (for forms).
pub fn default_end(start: NaiveTime, minutes: i64) -> NaiveTime {
    start + span(minutes)
}
