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
        crate::cycle::room::get(db, org_id, r)
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
            Some(r) => crate::cycle::room::get(db, org_id, r).await?.capacity,
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

/// Moves the cycle to its next phase when nothing blocks it.
pub async fn advance(db: &Db, org_id: i64, cycle: &Cycle) -> Result<Phase, AppError> {
    let next = cycle.status.next().ok_or_else(|| AppError::Conflict("Le cycle est clos.".into()))?;
    let facts = store::facts(db, org_id, cycle.id).await?;
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
