//! Attendance per half-day (émargement): the records a French training organisation keeps and
//! shows to funders and Qualiopi auditors.
//!
//! A session of a training splits into half-days. The intervenant opens signing for a half-day and
//! shows a short code (and its QR code) valid only around that half-day; each participant signs on
//! their own phone from their personal link, once, for themselves; the intervenant marks the others
//! (absent, excused with a reason, late with the minutes missed), then signs and closes the sheet.
//! Every mark is a new row with who, when and from where: nothing is ever overwritten, and the
//! current status is the latest row.

pub mod api;
#[cfg(feature = "bench")]
pub mod bench;
pub mod certificates;
pub mod documents;
pub mod service;
pub mod signing;
pub mod store;
pub mod web;

use base64::Engine;
use chrono::Duration;
use serde::{Deserialize, Serialize};

use crate::cycle::store::TrainingSession;

/// Which part of a session a half-day is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Part {
    Morning,
    Afternoon,
    /// A sitting of half a day or less.
    Whole,
}

impl Part {
    pub fn as_str(self) -> &'static str {
        match self {
            Part::Morning => "am",
            Part::Afternoon => "pm",
            Part::Whole => "whole",
        }
    }
    pub fn parse(s: &str) -> Option<Part> {
        match s {
            "am" => Some(Part::Morning),
            "pm" => Some(Part::Afternoon),
            "whole" => Some(Part::Whole),
            _ => None,
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Part::Morning => "Matin",
            Part::Afternoon => "Après-midi",
            Part::Whole => "Séance",
        }
    }
}

/// A half-day as planned: (part, start, end, minutes of training).
pub type Split = (Part, i64, i64, i64);

/// Splits a session into its half-days: a day (more than five hours of training) becomes a
/// morning and an afternoon around its lunch break, each with half of the training time.
pub fn split(s: &TrainingSession) -> Vec<Split> {
    if s.minutes <= 300 {
        return vec![(Part::Whole, s.start_at, s.end_at, s.minutes)];
    }
    let half = s.minutes / 2;
    let lunch = ((s.end_at - s.start_at) / 60 - s.minutes).max(0);
    let noon = s.start_at + half * 60;
    let back = noon + lunch * 60;
    vec![(Part::Morning, s.start_at, noon, half), (Part::Afternoon, back, s.end_at, s.minutes - half)]
}

/// Which modules are signed per half-day: the trainings. AMO meetings are recorded with who was
/// there in the AMO journal (consulting, not training: no attendance sheet is asked of it), and
/// conferences keep their list of registrations.
pub fn has_sheets(kind: crate::catalogue::ModuleKind) -> bool {
    kind.is_training()
}

/// A status on the attendance sheet.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(as = MarkStatus)]
pub enum Status {
    Present,
    Absent,
    /// Absent with a reason (announced in advance, or justified).
    Excused,
    /// Present but arrived late (or left early): the minutes missed are not counted.
    Late,
}

impl Status {
    pub const ALL: [Status; 4] = [Status::Present, Status::Absent, Status::Excused, Status::Late];
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Present => "present",
            Status::Absent => "absent",
            Status::Excused => "excused",
            Status::Late => "late",
        }
    }
    pub fn parse(s: &str) -> Option<Status> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }
    pub fn label(self) -> &'static str {
        match self {
            Status::Present => "Présent·e",
            Status::Absent => "Absent·e",
            Status::Excused => "Absence excusée",
            Status::Late => "Retard",
        }
    }
}

/// Minutes of training a participant followed in a half-day of `minutes`, given their mark.
pub fn attended_minutes(minutes: i64, status: Option<Status>, late_minutes: i64) -> i64 {
    match status {
        Some(Status::Present) => minutes,
        Some(Status::Late) => (minutes - late_minutes.max(0)).max(0),
        _ => 0,
    }
}

/// "12 h 30", "3 h", "45 min"
pub fn hours_text(minutes: i64) -> String {
    match (minutes / 60, minutes % 60) {
        (0, m) => format!("{m} min"),
        (h, 0) => format!("{h} h"),
        (h, m) => format!("{h} h {m:02}"),
    }
}

/// A six-digit code, shown in the room.
pub fn new_code() -> String {
    use rand::Rng;
    format!("{:06}", rand::rng().random_range(0..1_000_000))
}

/// The code is valid from half an hour before the half-day to half an hour after it.
pub const CODE_MARGIN: i64 = 30 * 60;

pub fn within_code_window(now: i64, start: i64, end: i64) -> bool {
    now >= start - CODE_MARGIN && now <= end + CODE_MARGIN
}

/// The time rules of a half-day's sheet, stated once: pages, API and command line all ask them.
///
/// A record is never made before the fact it records. Signing opens on the half-day's own day only,
/// from `minutes_before` its start; presences are noted from its start; the trainer closes (signs)
/// the sheet once it is over. What comes later than its day (a paper sheet typed in, a correction)
/// is the coordination's, with a reason kept in the audit trail ([`late_entry`]).
pub fn may_open(now: i64, start: i64, end: i64, minutes_before: i64, tz: chrono_tz::Tz) -> Result<(), String> {
    let from = start - minutes_before.max(0) * 60;
    let same_day = crate::fr::local(now, tz).date_naive() == crate::fr::local(start, tz).date_naive();
    if now < from || (!same_day && now < start) {
        return Err(format!("La signature de cette demi-journée s'ouvrira le {}.", crate::fr::date_time(from, tz)));
    }
    if !same_day || now > end + CODE_MARGIN {
        return Err("Cette demi-journée est passée : la signature ne s'ouvre plus. La coordination peut reporter \
                    les présences de la feuille papier, avec un motif."
            .into());
    }
    Ok(())
}

/// Presences are noted from the start of the half-day.
pub fn may_mark(now: i64, start: i64, tz: chrono_tz::Tz) -> Result<(), String> {
    if now < start {
        return Err(format!(
            "Les présences de cette demi-journée se notent à partir de son début, le {}.",
            crate::fr::date_time(start, tz)
        ));
    }
    Ok(())
}

/// The trainer closes the sheet once the half-day is over.
pub fn may_lock(now: i64, end: i64, tz: chrono_tz::Tz) -> Result<(), String> {
    if now < end {
        return Err(format!("La feuille se clôt à la fin de la demi-journée, le {}.", crate::fr::date_time(end, tz)));
    }
    Ok(())
}

/// Whether a mark made at `now` comes after the half-day's own day: then it is a late entry (a
/// paper sheet typed in), which only the coordination makes, with a reason.
pub fn late_entry(now: i64, start: i64, tz: chrono_tz::Tz) -> bool {
    crate::fr::local(now, tz).date_naive() > crate::fr::local(start, tz).date_naive()
}

/// Certificates and attestations are issued after the module's last session, from closed sheets
/// only (Code du travail, R6332-26: the certificat de réalisation states the hours really followed).
pub fn may_issue(now: i64, last_end: Option<i64>, unlocked_sheets: usize, tz: chrono_tz::Tz) -> Result<(), String> {
    let Some(end) = last_end else {
        return Err("Ce module n'a pas encore de séance : pas de certificat.".into());
    };
    if now < end {
        return Err(format!(
            "Les certificats se délivrent après la dernière séance du module, le {}.",
            crate::fr::date_time(end, tz)
        ));
    }
    if unlocked_sheets > 0 {
        return Err(format!(
            "{} : les heures se comptent sur les feuilles closes. Closez-les avant de délivrer les certificats.",
            crate::fr::plural(
                unlocked_sheets as i64,
                "feuille d'émargement n'est pas close",
                "feuilles d'émargement ne sont pas closes"
            )
        ));
    }
    Ok(())
}

/// Wrong codes tolerated per participant (and, more, per network address) in a quarter of an hour.
pub const MAX_CODE_FAILURES: i64 = 5;

/// How long wrong codes are counted.
pub const CODE_WINDOW_SECONDS: i64 = 15 * 60;

/// The signing code's throttle keys and limits: the person (`MAX_CODE_FAILURES` wrong codes in the
/// window) and the address, which a whole room shares (six times as many).
pub fn code_keys(participant_id: i64, ip: &str) -> [(String, i64); 2] {
    [
        (format!("code:participant:{participant_id}"), MAX_CODE_FAILURES),
        (format!("code:ip:{ip}"), MAX_CODE_FAILURES * 6),
    ]
}

/// The largest drawn signature accepted, in bytes of PNG.
pub const MAX_SIGNATURE_BYTES: usize = 150_000;

/// Checks a drawn signature (a PNG as a data URL from the canvas) and returns its bytes: readable,
/// a PNG, and within the pixel limits of [`crate::images::SIGNATURE`] (read from its header, so
/// that a document never decodes an image bomb kept from before these limits).
pub fn decode_signature(data_url: &str) -> Result<Vec<u8>, &'static str> {
    let b64 = data_url.strip_prefix("data:image/png;base64,").ok_or("La signature n'est pas une image PNG.")?;
    if b64.len() > MAX_SIGNATURE_BYTES * 4 / 3 + 4 {
        return Err("La signature est trop volumineuse.");
    }
    let bytes = base64::engine::general_purpose::STANDARD.decode(b64).map_err(|_| "La signature est illisible.")?;
    if !bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        return Err("La signature n'est pas une image PNG.");
    }
    crate::images::check_size(&bytes, &crate::images::SIGNATURE).map_err(|r| r.0)?;
    Ok(bytes)
}

/// A signature as it is kept: decoded under limits, made small, written again as PNG.
pub fn normalize_signature(data_url: &str) -> Result<String, &'static str> {
    let bytes = decode_signature(data_url)?;
    let png = crate::images::normalize(&bytes, &crate::images::SIGNATURE).map_err(|r| r.0)?;
    Ok(format!("data:image/png;base64,{}", base64::engine::general_purpose::STANDARD.encode(png)))
}

/// The margin after which an announced absence is too late to be an announcement.
pub fn announce_deadline(start: i64) -> i64 {
    start - Duration::hours(1).num_seconds()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue::ModuleKind;

    fn session(start: i64, span_minutes: i64, minutes: i64) -> TrainingSession {
        TrainingSession {
            id: 1,
            cycle_id: 1,
            cycle_module_id: 1,
            module_kind: ModuleKind::CultureTraining,
            module_title: String::new(),
            position: 1,
            title: String::new(),
            description: String::new(),
            start_at: start,
            end_at: start + span_minutes * 60,
            minutes,
            room_id: None,
            room_name: None,
            intervenant_id: None,
            intervenant_name: None,
            capacity: None,
            registration_token: None,
            registered: 0,
            cancelled_at: None,
            cancel_reason: String::new(),
        }
    }

    #[test]
    fn a_day_splits_around_its_lunch_break() {
        // 9:00–17:00 with 7 hours of training: 9:00–12:30 and 13:30–17:00.
        let s = split(&session(0, 480, 420));
        assert_eq!(s, vec![(Part::Morning, 0, 210 * 60, 210), (Part::Afternoon, 270 * 60, 480 * 60, 210)]);
        assert_eq!(split(&session(0, 240, 240)), vec![(Part::Whole, 0, 240 * 60, 240)]);
    }

    #[test]
    fn hours_attended_count_marks_and_lateness() {
        assert_eq!(attended_minutes(210, Some(Status::Present), 0), 210);
        assert_eq!(attended_minutes(210, Some(Status::Late), 30), 180);
        assert_eq!(attended_minutes(210, Some(Status::Late), 500), 0);
        assert_eq!(attended_minutes(210, Some(Status::Excused), 0), 0);
        assert_eq!(attended_minutes(210, None, 0), 0);
        assert_eq!(hours_text(1470), "24 h 30");
    }

    #[test]
    fn the_code_is_valid_only_around_its_half_day() {
        assert!(within_code_window(1000, 1000 + CODE_MARGIN, 5000));
        assert!(!within_code_window(999, 1000 + CODE_MARGIN, 5000));
        assert!(!within_code_window(5000 + CODE_MARGIN + 1, 0, 5000));
        assert_eq!(new_code().len(), 6);
    }

    #[test]
    fn signing_opens_on_the_day_only_from_the_margin_before_the_start() {
        let tz = crate::fr::DEFAULT_TZ;
        // Monday 11 January 2027, 09:00–12:30 in Paris.
        let start = 1_799_654_400;
        let end = start + 210 * 60;
        assert!(may_open(start - 31 * 60, start, end, 30, tz).unwrap_err().contains("11 janvier 2027 à 08:30"));
        assert!(may_open(start - 30 * 60, start, end, 30, tz).is_ok());
        assert!(may_open(end, start, end, 30, tz).is_ok());
        assert!(may_open(end + CODE_MARGIN + 1, start, end, 30, tz).unwrap_err().contains("passée"));
        // A month before, on another day: never.
        assert!(may_open(start - 30 * 86_400, start, end, 30, tz).is_err());
        // The next day: never.
        assert!(may_open(start + 86_400, start, end, 30, tz).is_err());
    }

    #[test]
    fn presences_are_noted_from_the_start_and_the_sheet_closed_after_the_end() {
        let tz = crate::fr::DEFAULT_TZ;
        let start = 1_799_654_400;
        let end = start + 210 * 60;
        assert!(may_mark(start - 1, start, tz).unwrap_err().contains("à partir de son début"));
        assert!(may_mark(start, start, tz).is_ok());
        assert!(may_lock(end - 1, end, tz).unwrap_err().contains("12:30"));
        assert!(may_lock(end, end, tz).is_ok());
    }

    #[test]
    fn certificates_come_after_the_last_session_from_closed_sheets() {
        let tz = crate::fr::DEFAULT_TZ;
        assert!(may_issue(10, None, 0, tz).unwrap_err().contains("pas encore de séance"));
        assert!(may_issue(1_799_654_399, Some(1_799_654_400), 0, tz).unwrap_err().contains("11 janvier 2027"));
        assert!(may_issue(1_799_654_400, Some(1_799_654_400), 2, tz).unwrap_err().contains("2 feuilles"));
        assert!(may_issue(1_799_654_400, Some(1_799_654_400), 0, tz).is_ok());
    }

    #[test]
    fn a_mark_after_the_half_days_own_day_is_a_late_entry() {
        let tz = crate::fr::DEFAULT_TZ;
        let start = 1_799_654_400;
        assert!(!late_entry(start + 8 * 3600, start, tz));
        assert!(late_entry(start + 86_400, start, tz));
    }

    #[test]
    fn wrong_codes_are_throttled_per_person_and_per_address() {
        let [(person, p), (ip, i)] = code_keys(7, "203.0.113.9");
        assert_eq!((person.as_str(), p), ("code:participant:7", 5));
        assert_eq!((ip.as_str(), i), ("code:ip:203.0.113.9", 30));
    }

    #[test]
    fn signatures_must_be_small_pngs() {
        let png = base64::engine::general_purpose::STANDARD.encode(crate::images::tests::png(900, 300));
        assert!(decode_signature(&format!("data:image/png;base64,{png}")).is_ok());
        let kept = normalize_signature(&format!("data:image/png;base64,{png}")).unwrap();
        let bytes = decode_signature(&kept).unwrap();
        assert_eq!(crate::images::check_size(&bytes, &crate::images::SIGNATURE).unwrap(), (600, 200));
        let bomb = base64::engine::general_purpose::STANDARD.encode(crate::images::tests::bomb_header(12_000, 12_000));
        assert!(decode_signature(&format!("data:image/png;base64,{bomb}")).is_err());
        let fake = base64::engine::general_purpose::STANDARD.encode(b"\x89PNG\r\n\x1a\nabc");
        assert!(normalize_signature(&format!("data:image/png;base64,{fake}")).is_err());
        assert!(decode_signature("data:image/svg+xml;base64,PHN2Zz4=").is_err());
        assert!(decode_signature("data:image/png;base64,!!!").is_err());
        let big = "A".repeat(MAX_SIGNATURE_BYTES * 2);
        assert!(decode_signature(&format!("data:image/png;base64,{big}")).is_err());
    }
}
