//! The e-mails of a cycle: convocations (with the sessions as an .ics attachment), reminders before
//! each session, confirmations of conference registrations. They go through the job queue.

use serde::{Deserialize, Serialize};

use crate::catalogue::ModuleKind;
use crate::cycle::ics;
use crate::cycle::store::{self, Cycle, Participant, TrainingSession};
use crate::db::Db;
use crate::error::AppError;
use crate::jobs::{Job, enqueue, payload};
use crate::mail::{Mail, MailAttachment, queue};
use crate::state::AppState;

/// "lundi 11 janvier 2027, de 9 h 00 à 17 h 00"
pub fn when(s: &TrainingSession, tz: chrono_tz::Tz) -> String {
    const DAYS: [&str; 7] = ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"];
    let a = s.start().with_timezone(&tz);
    let b = s.end().with_timezone(&tz);
    use chrono::Datelike;
    format!(
        "{} {}, de {} à {}",
        DAYS[a.weekday().num_days_from_monday() as usize],
        crate::fr::date_long(a.date_naive()),
        a.format("%H h %M"),
        b.format("%H h %M")
    )
}

/// The event of a session for calendars.
pub fn event(s: &TrainingSession, cycle: &Cycle, place: &str, base_url: &str) -> ics::Event {
    let mut description = format!("{} — {}", cycle.title, s.module_title);
    if !s.description.is_empty() {
        description.push_str("\n\n");
        description.push_str(&s.description);
    }
    if let Some(i) = &s.intervenant_name {
        description.push_str(&format!("\n\nIntervenant·e : {i}"));
    }
    ics::Event {
        uid: format!("seance-{}@{}", s.id, base_url.trim_start_matches("https://").trim_start_matches("http://")),
        start: s.start(),
        end: s.end(),
        summary: format!("{} — {}", s.module_title, s.title),
        description,
        location: place.to_string(),
        url: None,
        cancelled: s.is_cancelled(),
    }
}

/// Where a session takes place, for people.
pub async fn place_of(db: &Db, org_id: i64, s: &TrainingSession) -> String {
    match s.room_id {
        Some(r) => crate::cycle::room::store::get(db, org_id, r).await.map(|r| r.place()).unwrap_or_default(),
        None => String::new(),
    }
}

async fn practical_of(db: &Db, org_id: i64, s: &TrainingSession) -> String {
    match s.room_id {
        Some(r) => crate::cycle::room::store::get(db, org_id, r).await.map(|r| r.practical).unwrap_or_default(),
        None => String::new(),
    }
}

/// Queues the convocations of the group to the sessions of one module of the cycle; returns how
/// many were queued (a participant is convoked once for the same dates).
pub async fn convoke(state: &AppState, org_id: i64, cycle: &Cycle, cycle_module_id: i64) -> Result<usize, AppError> {
    let db = &state.db;
    let module = store::module(db, org_id, cycle.id, cycle_module_id).await?;
    let sessions: Vec<TrainingSession> = store::sessions(db, org_id, cycle.id)
        .await?
        .into_iter()
        .filter(|s| s.cycle_module_id == cycle_module_id && !s.is_cancelled())
        .collect();
    if sessions.is_empty() {
        return Err(AppError::Conflict("Planifiez d'abord les séances de ce module.".into()));
    }
    let org = crate::org::store::get(db, org_id).await?;
    let people: Vec<Participant> = store::participants(db, org_id, cycle.id)
        .await?
        .into_iter()
        .filter(|p| match module.kind {
            ModuleKind::UsageTraining | ModuleKind::Amo => p.committee,
            _ => p.membership == crate::cycle::Membership::Group,
        })
        .collect();
    let tz = cycle.tz();
    let base = state.config.public_url();
    let mut lines = Vec::new();
    let mut events = Vec::new();
    let mut practical = Vec::new();
    for s in &sessions {
        let place = place_of(db, org_id, s).await;
        lines.push(format!(
            "- {} : {}{}",
            when(s, tz),
            s.title,
            if place.is_empty() { String::new() } else { format!("\n  Lieu : {place}") }
        ));
        events.push(event(s, cycle, &place, &base));
        let p = practical_of(db, org_id, s).await;
        if !p.is_empty() && !practical.contains(&p) {
            practical.push(p);
        }
    }
    let ics_text = ics::calendar(&format!("{} — {}", cycle.title, module.title), tz, &events);
    let stamp: String =
        sessions.iter().map(|s| format!("{}-{}", s.start_at, s.room_id.unwrap_or(0))).collect::<Vec<_>>().join(",");
    let stamp = &crate::auth::token_hash(&stamp)[..12];
    let mut n = 0;
    for p in &people {
        let body = format!(
            "Bonjour {},\n\nVous êtes convoqué·e à la {} organisée par {} dans le cadre du cycle « {} » ({}).\n\nSéances :\n{}\n\n{}Durée totale : {}.\nLes séances sont jointes à ce message (fichier .ics à ouvrir avec votre agenda). Votre page personnelle, avec le calendrier à jour : {}/p/{}\n\nMerci de signaler toute absence à l'avance.\n\n{}\n{}",
            p.first_name,
            module.title.to_lowercase(),
            org.name,
            cycle.title,
            cycle.client_name,
            lines.join("\n"),
            if practical.is_empty() {
                String::new()
            } else {
                format!("Informations pratiques :\n{}\n\n", practical.join("\n"))
            },
            module.content.duration_label(),
            base,
            p.calendar_token,
            org.name,
            org.pedagogical_contact,
        );
        let mail = Mail {
            to: p.email.clone(),
            to_name: p.full_name(),
            subject: format!("Convocation : {} — {}", module.title, cycle.title),
            body,
            attachments: vec![MailAttachment {
                filename: "seances.ics".into(),
                content_type: "text/calendar; charset=utf-8; method=PUBLISH".into(),
                content: ics_text.clone(),
            }],
        };
        if queue(db, Some(org_id), &mail, Some(&format!("convocation:{}:{}:{}", cycle_module_id, p.id, stamp))).await? {
            n += 1;
        }
    }
    Ok(n)
}

/// How long before a session its reminder goes.
pub const REMINDER_BEFORE: i64 = 2 * 24 * 3600;

#[derive(Serialize, Deserialize)]
pub struct ReminderPayload {
    pub org_id: i64,
    pub session_id: i64,
    pub start_at: i64,
}

/// Schedules the reminder of a session (once per session and start time).
pub async fn schedule_reminder(db: &Db, org_id: i64, s: &TrainingSession) -> Result<(), AppError> {
    let at = s.start_at - REMINDER_BEFORE;
    if at <= crate::db::now() {
        return Ok(());
    }
    enqueue(
        db,
        Some(org_id),
        "reminder",
        &ReminderPayload { org_id, session_id: s.id, start_at: s.start_at },
        at,
        Some(&format!("reminder:{}:{}", s.id, s.start_at)),
    )
    .await?;
    Ok(())
}

/// The `reminder` job: e-mails the people of a session, unless it was moved or deleted since.
pub async fn reminder_job(state: &AppState, job: &Job) -> Result<(), String> {
    let p: ReminderPayload = payload(job)?;
    let db = &state.db;
    let Ok(s) = store::session(db, p.org_id, p.session_id).await else { return Ok(()) };
    if s.start_at != p.start_at || s.is_cancelled() {
        return Ok(());
    }
    let cycle = store::get(db, p.org_id, s.cycle_id).await.map_err(|e| e.to_string())?;
    let tz = cycle.tz();
    let place = place_of(db, p.org_id, &s).await;
    let mut people: Vec<(String, String, String)> = Vec::new();
    let all = store::participants(db, p.org_id, cycle.id).await.map_err(|e| e.to_string())?;
    match s.module_kind {
        ModuleKind::CultureTraining => people.extend(
            all.iter()
                .filter(|x| x.membership == crate::cycle::Membership::Group)
                .map(|x| (x.email.clone(), x.full_name(), x.calendar_token.clone())),
        ),
        ModuleKind::UsageTraining | ModuleKind::Amo => people.extend(
            all.iter().filter(|x| x.committee).map(|x| (x.email.clone(), x.full_name(), x.calendar_token.clone())),
        ),
        ModuleKind::Conference => {
            for r in store::registrations(db, p.org_id, s.id)
                .await
                .map_err(|e| e.to_string())?
                .into_iter()
                .filter(|r| !r.waiting)
            {
                people.push((r.email, r.name, String::new()));
            }
        }
    }
    if let Some(i) = s.intervenant_id
        && let Ok(interv) = crate::intervenant::store::get(db, p.org_id, i).await
        && !interv.email.is_empty()
    {
        people.push((interv.email.clone(), interv.full_name(), String::new()));
    }
    for (email, name, token) in people {
        let link = if token.is_empty() {
            String::new()
        } else {
            format!("\nVotre page : {}/p/{token}\n", state.config.public_url())
        };
        let mail = Mail {
            to: email.clone(),
            to_name: name.clone(),
            subject: format!("Rappel : {} — {}", s.module_title, when(&s, tz)),
            body: format!(
                "Bonjour {name},\n\nRappel de la séance « {} » ({}) du cycle « {} » : {}.\n{}{}\nÀ bientôt.",
                s.title,
                s.module_title,
                cycle.title,
                when(&s, tz),
                if place.is_empty() { String::new() } else { format!("Lieu : {place}\n") },
                link
            ),
            attachments: vec![],
        };
        queue(db, Some(p.org_id), &mail, Some(&format!("rappel:{}:{}:{email}", s.id, s.start_at)))
            .await
            .map_err(|e| e.to_string())?;
    }
    Ok(())
}

/// Confirms a conference registration by e-mail.
pub async fn confirm_registration(
    state: &AppState,
    org_id: i64,
    s: &TrainingSession,
    name: &str,
    email: &str,
    waiting: bool,
) -> Result<(), AppError> {
    let db = &state.db;
    let cycle = store::get(db, org_id, s.cycle_id).await?;
    let place = place_of(db, org_id, s).await;
    let tz = cycle.tz();
    let ev = event(s, &cycle, &place, &state.config.public_url());
    let mail = Mail {
        to: email.into(),
        to_name: name.into(),
        subject: if waiting {
            format!("Liste d'attente : {}", s.module_title)
        } else {
            format!("Inscription confirmée : {}", s.module_title)
        },
        body: if waiting {
            format!(
                "Bonjour {name},\n\nLa conférence « {} » du {} est complète : vous êtes sur la liste d'attente. Nous vous écrirons si une place se libère.",
                s.module_title,
                when(s, tz)
            )
        } else {
            format!(
                "Bonjour {name},\n\nVotre inscription à la conférence « {} » est confirmée : {}.\n{}\nLa séance est jointe à ce message pour votre agenda.",
                s.module_title,
                when(s, tz),
                if place.is_empty() { String::new() } else { format!("Lieu : {place}\n") }
            )
        },
        attachments: if waiting {
            vec![]
        } else {
            vec![MailAttachment {
                filename: "conference.ics".into(),
                content_type: "text/calendar; charset=utf-8; method=PUBLISH".into(),
                content: ics::calendar(&s.module_title, tz, &[ev]),
            }]
        },
    };
    queue(db, Some(org_id), &mail, Some(&format!("inscription:{}:{email}", s.id))).await?;
    Ok(())
}
