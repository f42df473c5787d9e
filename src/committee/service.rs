//! What the committee's pages and API both do: the referent, votes and their application, commitments,
//! actions and their notes, AMO meetings, and the reminders of overdue actions.

use chrono::NaiveDate;
use serde::Deserialize;

use crate::auth::CurrentUser;
use crate::catalogue::ModuleKind;
use crate::committee::store::{self, ActionData, NewAmo, NewVote};
use crate::committee::{AMO_KINDS, CATEGORIES, STATUSES, check_ballot, parse_date};
use crate::cycle::store::{self as cycles, Cycle, CycleModule, Participant};
use crate::db::now;
use crate::error::{AppError, FieldErrors};
use crate::state::AppState;

pub(crate) fn members(people: &[Participant]) -> Vec<Participant> {
    people.iter().filter(|p| p.committee).cloned().collect()
}

pub(crate) async fn usage_module(s: &AppState, org: i64, cycle_id: i64) -> Result<Option<CycleModule>, AppError> {
    Ok(cycles::modules(&s.db, org, cycle_id).await?.into_iter().find(|m| m.kind == ModuleKind::UsageTraining))
}

/// The committee's size limit: the usage training's headcount.
pub async fn capacity(s: &AppState, org: i64, cycle_id: i64) -> Result<Option<i64>, AppError> {
    Ok(usage_module(s, org, cycle_id).await?.and_then(|m| m.content.headcount_max))
}

/// Refuses a new member when the committee is full.
pub async fn check_room(s: &AppState, org: i64, cycle_id: i64) -> Result<(), AppError> {
    if let Some(max) = capacity(s, org, cycle_id).await? {
        let n = members(&cycles::participants(&s.db, org, cycle_id).await?).len() as i64;
        if n >= max {
            return Err(AppError::Conflict(format!(
                "Le comité de pilotage est complet ({max} membres, l'effectif de la formation aux usages)."
            )));
        }
    }
    Ok(())
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ReferentForm {
    #[serde(deserialize_with = "crate::web::form_opt_i64")]
    pub participant_id: Option<i64>,
}

/// Sets the référent (a member of the committee), or none. Shared with the API.
pub async fn do_referent(s: &AppState, org: i64, cycle_id: i64, pid: Option<i64>) -> Result<(), AppError> {
    cycles::get(&s.db, org, cycle_id).await?;
    if let Some(p) = pid {
        let person = cycles::participant(&s.db, org, cycle_id, p)
            .await
            .map_err(|_| AppError::invalid("participant_id", "Cette personne n'est pas de ce cycle."))?;
        if !person.committee {
            return Err(AppError::invalid("participant_id", "Le référent est choisi parmi les membres du comité."));
        }
    }
    store::set_referent(&s.db, org, cycle_id, pid).await
}

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct VoteForm {
    pub question: String,
    /// Menu positions of the topics put to the vote (empty: all of them).
    pub topics: Vec<String>,
    pub seats: String,
    pub max_choices: String,
    #[serde(deserialize_with = "crate::web::form_bool")]
    pub secret: bool,
    /// YYYY-MM-DD
    pub closes_on: String,
    /// HH:MM (default 18:00)
    pub closes_at: String,
}

/// Opens a vote on the usage training's menu of topics (shared with the API).
pub async fn do_create_vote(s: &AppState, org: i64, cycle: &Cycle, f: &VoteForm) -> Result<i64, AppError> {
    let module = usage_module(s, org, cycle.id).await?.ok_or_else(|| {
        AppError::Conflict("Ce cycle n'a pas de formation aux usages : pas de thèmes à choisir.".into())
    })?;
    let menu = &module.content.topics;
    let mut e = FieldErrors::new();
    let question = {
        let q = crate::text::check_text(&mut e, "question", &f.question, false, 300);
        if q.is_empty() { format!("Quels thèmes voulez-vous pour la {} ?", module.title.to_lowercase()) } else { q }
    };
    let topics: Vec<String> = if f.topics.is_empty() {
        menu.clone()
    } else {
        let mut chosen = Vec::new();
        for t in &f.topics {
            match menu.iter().find(|m| *m == t) {
                Some(m) if !chosen.contains(m) => chosen.push(m.clone()),
                Some(_) => {}
                None => e.add("topics", format!("« {t} » n'est pas au menu de la formation.")),
            }
        }
        chosen
    };
    if topics.len() < 2 {
        e.add("topics", "Soumettez au moins deux thèmes au vote (le menu se modifie dans le catalogue).");
    }
    let number = |e: &mut FieldErrors, field: &str, v: &str, default: i64, max: i64, msg: &str| -> i64 {
        if v.trim().is_empty() {
            return default.min(max).max(1);
        }
        match v.trim().parse::<i64>() {
            Ok(n) if n >= 1 && n <= max => n,
            _ => {
                e.add(field, msg);
                1
            }
        }
    };
    let n = topics.len().max(1) as i64;
    let seats = number(
        &mut e,
        "seats",
        &f.seats,
        3,
        n - 1,
        "Le nombre de thèmes retenus va de 1 au nombre de thèmes soumis moins un.",
    );
    let max_choices = number(
        &mut e,
        "max_choices",
        &f.max_choices,
        seats,
        n,
        "Le nombre de coches par membre va de 1 au nombre de thèmes soumis.",
    );
    let day = parse_date(&mut e, "closes_on", &f.closes_on, true);
    let time = if f.closes_at.trim().is_empty() {
        chrono::NaiveTime::from_hms_opt(18, 0, 0)
    } else {
        chrono::NaiveTime::parse_from_str(f.closes_at.trim(), "%H:%M").ok().or_else(|| {
            e.add("closes_at", "L'heure de clôture s'écrit HH:MM.");
            None
        })
    };
    let closes_at = match (day, time) {
        (Some(d), Some(t)) => crate::cycle::planning::local_to_utc(cycle.tz(), d, t).map(|x| x.timestamp()),
        _ => None,
    };
    if let Some(c) = closes_at
        && c <= now()
    {
        e.add("closes_on", "La clôture du vote doit être à venir.");
    }
    e.into_result(())?;
    store::create_vote(
        &s.db,
        org,
        cycle.id,
        &NewVote {
            cycle_module_id: module.id,
            question: &question,
            topics: &topics,
            seats,
            max_choices,
            secret: f.secret,
            closes_at: closes_at.unwrap_or_default(),
        },
    )
    .await
}

/// Makes a closed vote's result the programme of the usage training (shared with the API).
pub async fn do_apply(s: &AppState, org: i64, cycle_id: i64, vid: i64) -> Result<Vec<String>, AppError> {
    let v = store::vote(&s.db, org, cycle_id, vid).await?;
    if v.is_open(now()) {
        return Err(AppError::Conflict("Le vote est encore ouvert : attendez sa clôture.".into()));
    }
    let t = store::result(&s.db, &v).await?;
    if t.ballots == 0 {
        return Err(AppError::Conflict("Personne n'a voté : aucun thème ne peut être retenu.".into()));
    }
    let chosen = t.chosen();
    store::apply(&s.db, org, &v, &chosen).await?;
    Ok(chosen)
}

/// A member votes (shared with the API): a member of the committee, once, while the vote is open.
pub async fn do_cast(s: &AppState, token: &str, vid: i64, choices: &[usize]) -> Result<(), AppError> {
    let (org, cycle_id, person) = cycles::participant_by_token(&s.db, token).await?;
    let v = store::vote(&s.db, org, cycle_id, vid).await?;
    if !person.committee {
        return Err(AppError::Forbidden);
    }
    if !v.is_open(now()) {
        return Err(AppError::Conflict("Ce vote est clos : les bulletins ne sont plus reçus.".into()));
    }
    let choices = check_ballot(choices, v.topics.len(), v.max_choices.max(1) as usize)
        .map_err(|m| AppError::invalid("choices", m))?;
    store::cast(&s.db, &v, person.id, &choices).await
}

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct CommitmentForm {
    /// A participant's id, or empty for the group.
    #[serde(deserialize_with = "crate::web::form_opt_i64")]
    pub participant_id: Option<i64>,
    pub what: String,
    pub who: String,
    pub due_date: String,
}

pub async fn do_add_commitment(s: &AppState, org: i64, cycle_id: i64, f: &CommitmentForm) -> Result<i64, AppError> {
    cycles::get(&s.db, org, cycle_id).await?;
    let mut e = FieldErrors::new();
    if let Some(p) = f.participant_id
        && cycles::participant(&s.db, org, cycle_id, p).await.is_err()
    {
        e.add("participant_id", "Cette personne n'est pas de ce cycle.");
    }
    let what = crate::text::check_text(&mut e, "what", &f.what, true, 500);
    let who = crate::text::check_text(&mut e, "who", &f.who, false, 200);
    let due = parse_date(&mut e, "due_date", &f.due_date, false);
    e.into_result(())?;
    let who = if who.is_empty() {
        match f.participant_id {
            Some(p) => cycles::participant(&s.db, org, cycle_id, p).await?.full_name(),
            None => "Le groupe".into(),
        }
    } else {
        who
    };
    store::add_commitment(&s.db, org, cycle_id, f.participant_id, &what, &who, due).await
}

pub fn check_status(status: &str) -> Result<(), AppError> {
    if STATUSES.iter().any(|(c, _)| *c == status) {
        Ok(())
    } else {
        Err(AppError::invalid("status", "Choisissez l'état dans la liste."))
    }
}

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct ActionForm {
    pub category: String,
    pub title: String,
    pub description: String,
    pub owners: Vec<i64>,
    pub due_date: String,
    pub status: String,
    /// Problems, comma-separated.
    pub tags: String,
}

/// Checks an action: owners are people of the cycle.
pub async fn check_action(
    s: &AppState,
    org: i64,
    cycle_id: i64,
    f: &ActionForm,
) -> Result<(String, String, Option<NaiveDate>, String), AppError> {
    let people = cycles::participants(&s.db, org, cycle_id).await?;
    let mut e = FieldErrors::new();
    if !CATEGORIES.iter().any(|(c, _)| *c == f.category) {
        e.add("category", "Choisissez la catégorie de l'action.");
    }
    let title = crate::text::check_text(&mut e, "title", &f.title, true, 200);
    let description = crate::text::check_text(&mut e, "description", &f.description, false, 5000);
    if f.owners.iter().any(|o| !people.iter().any(|p| p.id == *o)) {
        e.add("owners", "Les responsables d'une action sont des personnes du cycle.");
    }
    let due = parse_date(&mut e, "due_date", &f.due_date, false);
    let status = if f.status.is_empty() { "todo".to_string() } else { f.status.clone() };
    if !STATUSES.iter().any(|(c, _)| *c == status) {
        e.add("status", "Choisissez l'état dans la liste.");
    }
    e.into_result((title, description, due, status))
}

pub async fn do_create_action(s: &AppState, org: i64, cycle_id: i64, f: &ActionForm) -> Result<i64, AppError> {
    cycles::get(&s.db, org, cycle_id).await?;
    let (title, description, due, status) = check_action(s, org, cycle_id, f).await?;
    store::create_action(
        &s.db,
        org,
        cycle_id,
        &ActionData {
            category: &f.category,
            title: &title,
            description: &description,
            owners: &f.owners,
            due_date: due,
            status: &status,
            tags: &crate::committee::matching::tags(&f.tags),
        },
    )
    .await
}

pub async fn do_update_action(s: &AppState, org: i64, cycle_id: i64, id: i64, f: &ActionForm) -> Result<(), AppError> {
    store::action(&s.db, org, cycle_id, id).await?;
    let (title, description, due, status) = check_action(s, org, cycle_id, f).await?;
    store::update_action(
        &s.db,
        org,
        cycle_id,
        id,
        &ActionData {
            category: &f.category,
            title: &title,
            description: &description,
            owners: &f.owners,
            due_date: due,
            status: &status,
            tags: &crate::committee::matching::tags(&f.tags),
        },
    )
    .await
}

pub async fn do_note(
    s: &AppState,
    org: i64,
    cycle_id: i64,
    aid: i64,
    author: &str,
    text: &str,
) -> Result<(), AppError> {
    store::action(&s.db, org, cycle_id, aid).await?;
    let mut e = FieldErrors::new();
    let text = crate::text::check_text(&mut e, "text", text, true, 3000);
    e.into_result(())?;
    store::add_note(&s.db, org, aid, author, &text).await
}

/// Queues an e-mail to the owners of each overdue action, once a week per action; returns how many
/// were queued. The job worker calls it; every process may, the deduplication keys keep it once.
pub async fn remind_overdue(s: &AppState) -> Result<usize, AppError> {
    use chrono::Datelike;
    let today = crate::quote::today();
    let week = format!("{}-{}", today.iso_week().year(), today.iso_week().week());
    let mut n = 0;
    for (org, a) in store::overdue_actions(&s.db, today).await? {
        let cycle = cycles::get(&s.db, org, a.cycle_id).await?;
        let people = cycles::participants(&s.db, org, a.cycle_id).await?;
        for owner in people.iter().filter(|p| a.owners.contains(&p.id) && !p.email.is_empty()) {
            let mail = crate::mail::Mail {
                to: owner.email.clone(),
                to_name: owner.full_name(),
                subject: format!("Action en retard : {}", a.title),
                body: format!(
                    "Bonjour {},\n\nL'action « {} » du plan d'action du cycle « {} » devait être terminée le {}. Où en est-elle ?\n\nVous pouvez noter son avancement depuis votre page : {}/p/{}#plan\n\nL'équipe d'accompagnement",
                    owner.first_name,
                    a.title,
                    cycle.title,
                    a.due_text(),
                    s.config.public_url(),
                    owner.calendar_token
                ),
                attachments: Vec::new(),
            };
            if crate::mail::queue(
                &s.db,
                Some(org),
                &mail,
                Some(&format!("action-reminder:{}:{}:{week}", a.id, owner.id)),
            )
            .await?
            {
                n += 1;
            }
        }
    }
    Ok(n)
}

/// A member of the committee notes the progress of an action they carry, from their page.
pub async fn do_member_note(s: &AppState, token: &str, aid: i64, status: &str, text: &str) -> Result<(), AppError> {
    let (org, cycle_id, person) = cycles::participant_by_token(&s.db, token).await?;
    let a = store::action(&s.db, org, cycle_id, aid).await?;
    if !person.committee && !a.owners.contains(&person.id) {
        return Err(AppError::Forbidden);
    }
    if !status.is_empty() && status != a.status {
        check_status(status)?;
        let data = ActionData {
            category: &a.category,
            title: &a.title,
            description: &a.description,
            owners: &a.owners,
            due_date: a.due_date,
            status,
            tags: &a.tags,
        };
        store::update_action(&s.db, org, cycle_id, aid, &data).await?;
    }
    if !text.trim().is_empty() || status.is_empty() {
        do_note(s, org, cycle_id, aid, &person.full_name(), text).await?;
    }
    Ok(())
}

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct AmoForm {
    pub kind: String,
    pub day: String,
    /// "1:30", "90" or "1,5" (hours)
    pub duration: String,
    pub text: String,
    pub action_ids: Vec<i64>,
    pub intervenant_id: Option<i64>,
    /// The participants present at a meeting (the AMO's attendance is recorded here, not on a sheet).
    pub attendee_ids: Vec<i64>,
}

/// Reads a duration: minutes ("90"), hours and minutes ("1:30", "1 h 30") or decimal hours ("1,5 h").
pub fn parse_duration(s: &str) -> Option<i64> {
    let t = s.trim().to_lowercase().replace(' ', "");
    if t.is_empty() {
        return None;
    }
    let minutes = if let Some((h, m)) = t.split_once([':', 'h']) {
        let h: i64 = h.parse().ok()?;
        let m: i64 = if m.is_empty() { 0 } else { m.trim_end_matches("min").parse().ok()? };
        if !(0..60).contains(&m) {
            return None;
        }
        h * 60 + m
    } else if t.contains(',') || t.contains('.') {
        let h: f64 = t.replace(',', ".").parse().ok()?;
        (h * 60.0).round() as i64
    } else {
        t.trim_end_matches("min").parse().ok()?
    };
    (1..=24 * 60).contains(&minutes).then_some(minutes)
}

pub async fn do_add_amo(s: &AppState, user: &CurrentUser, cycle_id: i64, f: &AmoForm) -> Result<i64, AppError> {
    let org = user.staff_org()?;
    let cycle = cycles::get(&s.db, org, cycle_id).await?;
    let mut e = FieldErrors::new();
    if !AMO_KINDS.iter().any(|(c, _)| *c == f.kind) {
        e.add("kind", "Choisissez le type d'intervention.");
    }
    let day = parse_date(&mut e, "day", &f.day, true);
    // The journal records what took place: never a day still to come.
    let today = crate::fr::local(s.now(), cycle.tz()).date_naive();
    if day.is_some_and(|d| d > today) {
        e.add("day", "Le journal note ce qui a eu lieu : la date ne peut pas être à venir.");
    }
    let people = cycles::participants(&s.db, org, cycle_id).await?;
    if f.attendee_ids.iter().any(|a| !people.iter().any(|p| p.id == *a)) {
        e.add("attendee_ids", "Ces personnes ne sont pas du cycle.");
    }
    let minutes = parse_duration(&f.duration);
    if minutes.is_none() {
        e.add("duration", "Indiquez le temps passé : « 90 », « 1:30 » ou « 1,5 » (heures), 24 h au plus.");
    }
    let text = crate::text::check_text(&mut e, "text", &f.text, true, 5000);
    let actions = store::actions(&s.db, org, cycle_id).await?;
    if f.action_ids.iter().any(|a| !actions.iter().any(|x| x.id == *a)) {
        e.add("action_ids", "Ces actions ne sont pas au plan de ce cycle.");
    }
    // The intervenant: the one of this account, or the one chosen by the coordination.
    let intervenant = match f.intervenant_id {
        Some(i) => {
            if crate::intervenant::store::get(&s.db, org, i).await.is_err() {
                e.add("intervenant_id", "Cet intervenant n'existe pas dans votre organisation.");
            }
            Some(i)
        }
        None => cycles::intervenant_of_user(&s.db, org, user.id()).await?,
    };
    e.into_result(())?;
    store::add_amo(
        &s.db,
        org,
        cycle_id,
        &NewAmo {
            intervenant_id: intervenant,
            kind: &f.kind,
            day: day.unwrap_or_default(),
            minutes: minutes.unwrap_or_default(),
            text: &text,
            action_ids: &f.action_ids,
            attendee_ids: &f.attendee_ids,
            author: &user.user.name,
        },
    )
    .await
}
