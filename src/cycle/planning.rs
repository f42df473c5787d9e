//! Planning: a module of a cycle expands into its sessions from the split of its catalogue version
//! (4 days of 7 h with the day plan, 6 half-days, 3-hour conferences, AMO meetings); times are typed
//! in the place's zone and stored as UTC instants.

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, TimeZone, Utc, Weekday};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use crate::catalogue::{ModuleContent, Unit};
use crate::cycle::calendar::day_off;
use crate::error::FieldErrors;

/// How sittings follow each other.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Rhythm {
    /// On consecutive working days.
    #[default]
    Daily,
    /// The same weekday, week after week.
    Weekly,
}

/// What the coordinator chooses to plan a module.
#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PlanParams {
    #[schema(value_type = String, format = Date)]
    pub start_date: NaiveDate,
    #[serde(default)]
    pub rhythm: Rhythm,
    /// "09:00"
    #[schema(value_type = String, example = "09:00")]
    pub start_time: NaiveTime,
    /// Number of sittings, when it differs from the catalogue (conferences, AMO meetings).
    pub count: Option<i64>,
    pub room_id: Option<i64>,
    pub intervenant_id: Option<i64>,
}

/// A session as planned, before it is saved.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Planned {
    pub position: i64,
    pub title: String,
    pub description: String,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub minutes: i64,
}

/// A lunch break is added to sittings longer than five hours (a 7-hour day runs 9:00–17:00).
pub const LUNCH_MINUTES: i64 = 60;

/// The wall-clock length of a sitting of `minutes` of training.
pub fn span(minutes: i64) -> Duration {
    Duration::minutes(if minutes > 300 { minutes + LUNCH_MINUTES } else { minutes })
}

/// A local date and time in `tz` as a UTC instant (the earlier one when the clock goes back).
pub fn local_to_utc(tz: Tz, date: NaiveDate, time: NaiveTime) -> Option<DateTime<Utc>> {
    tz.from_local_datetime(&date.and_time(time)).earliest().map(|t| t.with_timezone(&Utc))
}

/// Expands a module into its sittings. Days off (weekends, public holidays) are skipped.
pub fn expand(content: &ModuleContent, p: &PlanParams, tz: Tz) -> Result<Vec<Planned>, FieldErrors> {
    let mut e = FieldErrors::new();
    let count = p.count.unwrap_or(content.unit_count);
    if !(1..=100).contains(&count) {
        e.add("count", "Indiquez le nombre de séances à planifier (entre 1 et 100).");
        return Err(e);
    }
    let minutes = content.unit_minutes;
    let mut out = Vec::new();
    let mut day = p.start_date;
    let weekday: Weekday = p.start_date.weekday();
    for i in 0..count {
        // find the next suitable day
        let mut guard = 0;
        while day_off(day).is_some() || (p.rhythm == Rhythm::Weekly && day.weekday() != weekday) {
            day = day.succ_opt().unwrap_or(day);
            guard += 1;
            if guard > 400 {
                e.add("start_date", "Impossible de trouver des jours ouvrés pour ces séances.");
                return Err(e);
            }
        }
        let Some(start) = local_to_utc(tz, day, p.start_time) else {
            e.add("start_time", "Cette heure n'existe pas ce jour-là (changement d'heure).");
            return Err(e);
        };
        let unit = content.plan.get(i as usize);
        let title = match unit {
            Some(u) if !u.description.is_empty() => format!("{} : {}", u.title, u.description),
            Some(u) => u.title.clone(),
            None => format!(
                "{} {}",
                match content.unit {
                    Unit::Day => "Jour",
                    Unit::HalfDay => "Demi-journée",
                    Unit::Session => "Séance",
                    Unit::Meeting => "Rencontre",
                },
                i + 1
            ),
        };
        out.push(Planned {
            position: i + 1,
            title,
            description: unit.map(|u| u.items.join("\n")).unwrap_or_default(),
            start,
            end: start + span(minutes),
            minutes,
        });
        day = match p.rhythm {
            Rhythm::Daily => day.succ_opt().unwrap_or(day),
            Rhythm::Weekly => day + Duration::days(7),
        };
    }
    Ok(out)
}

/// A reason to refuse or to warn about a session.
#[derive(Clone, Debug, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Conflict {
    /// `intervenant`, `room`, `participant`, `day_off`, `order`, `times`
    pub kind: String,
    pub message: String,
    /// Warnings can be overridden; the others refuse the session.
    pub warning: bool,
}

impl Conflict {
    pub fn refuse(kind: &str, message: impl Into<String>) -> Conflict {
        Conflict { kind: kind.into(), message: message.into(), warning: false }
    }
    pub fn warn(kind: &str, message: impl Into<String>) -> Conflict {
        Conflict { kind: kind.into(), message: message.into(), warning: true }
    }
}

/// The checks that need no database: times in order, days off.
pub fn local_checks(start: DateTime<Utc>, end: DateTime<Utc>, tz: Tz) -> Vec<Conflict> {
    let mut c = Vec::new();
    if end <= start {
        c.push(Conflict::refuse("times", "La fin de la séance doit suivre son début."));
    } else if end - start > Duration::hours(14) {
        c.push(Conflict::refuse("times", "Une séance dure au plus 14 heures."));
    }
    if let Some(why) = day_off(start.with_timezone(&tz).date_naive()) {
        c.push(Conflict::warn("day_off", format!("Cette séance tombe {why}.")));
    }
    c
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue::acunum::default_catalogue;

    fn params(date: &str) -> PlanParams {
        PlanParams {
            start_date: NaiveDate::parse_from_str(date, "%Y-%m-%d").unwrap(),
            rhythm: Rhythm::Daily,
            start_time: NaiveTime::from_hms_opt(9, 0, 0).unwrap(),
            count: None,
            room_id: None,
            intervenant_id: None,
        }
    }

    #[test]
    fn the_culture_training_becomes_four_days_skipping_the_weekend() {
        let culture = default_catalogue().remove(0).1;
        // Thursday 2027-01-14: Thu, Fri, then Mon, Tue.
        let s = expand(&culture, &params("2027-01-14"), crate::fr::DEFAULT_TZ).unwrap();
        assert_eq!(s.len(), 4);
        let days: Vec<String> =
            s.iter().map(|x| x.start.with_timezone(&crate::fr::DEFAULT_TZ).format("%a %d %H:%M").to_string()).collect();
        assert_eq!(days, ["Thu 14 09:00", "Fri 15 09:00", "Mon 18 09:00", "Tue 19 09:00"]);
        assert_eq!(s[0].title, "Jour 1 : l'information à l'ère du numérique");
        assert_eq!((s[0].end - s[0].start).num_minutes(), 8 * 60, "7 hours and a lunch break");
        assert_eq!(s[0].minutes, 420);
    }

    #[test]
    fn half_days_can_follow_weekly_and_skip_holidays() {
        let usage = default_catalogue().remove(2).1;
        let mut p = params("2027-04-26");
        p.rhythm = Rhythm::Weekly;
        p.start_time = NaiveTime::from_hms_opt(14, 0, 0).unwrap();
        let s = expand(&usage, &p, crate::fr::DEFAULT_TZ).unwrap();
        assert_eq!(s.len(), 6);
        // Mondays; 2027-05-17 is Whit Monday and is skipped.
        let dates: Vec<String> =
            s.iter().map(|x| x.start.with_timezone(&crate::fr::DEFAULT_TZ).format("%m-%d").to_string()).collect();
        assert_eq!(dates, ["04-26", "05-03", "05-10", "05-24", "05-31", "06-07"]);
        assert_eq!((s[0].end - s[0].start).num_minutes(), 240);
    }

    #[test]
    fn conferences_take_their_count_from_the_planner() {
        let conf = default_catalogue().remove(1).1;
        let mut p = params("2027-01-14");
        p.count = Some(2);
        assert_eq!(expand(&conf, &p, crate::fr::DEFAULT_TZ).unwrap().len(), 2);
        let amo = default_catalogue().remove(3).1;
        assert!(expand(&amo, &params("2027-01-14"), crate::fr::DEFAULT_TZ).unwrap_err().get("count").is_some());
    }

    #[test]
    fn times_are_stored_in_utc_from_the_places_zone() {
        let d = NaiveDate::from_ymd_opt(2027, 1, 11).unwrap();
        let t = NaiveTime::from_hms_opt(9, 0, 0).unwrap();
        assert_eq!(local_to_utc(crate::fr::DEFAULT_TZ, d, t).unwrap().format("%H:%M").to_string(), "08:00");
        assert_eq!(local_to_utc(chrono_tz::Indian::Reunion, d, t).unwrap().format("%H:%M").to_string(), "05:00");
    }

    #[test]
    fn inverted_times_are_refused_and_days_off_warned() {
        let tz = crate::fr::DEFAULT_TZ;
        let a =
            local_to_utc(tz, NaiveDate::from_ymd_opt(2027, 7, 14).unwrap(), NaiveTime::from_hms_opt(9, 0, 0).unwrap())
                .unwrap();
        let c = local_checks(a, a - Duration::hours(1), tz);
        assert!(c.iter().any(|x| x.kind == "times" && !x.warning));
        assert!(c.iter().any(|x| x.kind == "day_off" && x.warning && x.message.contains("Fête nationale")));
    }
}
