//! iCalendar (RFC 5545) files: a session as an event in its place's time zone, with the zone's
//! VTIMEZONE, so that any calendar application shows the right hours, here or overseas.
//!
//! Written by hand rather than with the `icalendar` crate: what we need is small (events and a
//! time zone), and the crate offers no VTIMEZONE; tests read our files with an independent parser.

use chrono::{DateTime, Datelike, NaiveDate, Offset, TimeZone, Utc};
use chrono_tz::Tz;

/// One event.
#[derive(Clone, Debug)]
pub struct Event {
    pub uid: String,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub summary: String,
    pub description: String,
    pub location: String,
    pub url: Option<String>,
    pub cancelled: bool,
}

/// Escapes a TEXT value (RFC 5545 §3.3.11).
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c => out.push(c),
        }
    }
    out
}

/// Folds a content line at 75 octets without splitting a UTF-8 character (§3.1).
fn fold(line: &str, out: &mut String) {
    let mut width = 0;
    for c in line.chars() {
        let n = c.len_utf8();
        if width + n > 75 {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(c);
        width += n;
    }
    out.push_str("\r\n");
}

fn offset_text(seconds: i32) -> String {
    let sign = if seconds < 0 { '-' } else { '+' };
    let s = seconds.abs();
    format!("{sign}{:02}{:02}", s / 3600, (s % 3600) / 60)
}

/// The VTIMEZONE of `tz`: the EU summer-time rules for European zones that use them, a fixed
/// offset for zones without summer time (La Réunion, Nouméa, Cayenne…); `None` when neither fits
/// (times are then written in UTC).
fn vtimezone(tz: Tz, year: i32) -> Option<Vec<String>> {
    let at = |m: u32| {
        tz.offset_from_utc_date(&NaiveDate::from_ymd_opt(year, m, 15).unwrap_or_default()).fix().local_minus_utc()
    };
    let (winter, summer) = (at(1), at(7));
    let mut lines = vec!["BEGIN:VTIMEZONE".to_string(), format!("TZID:{}", tz.name())];
    if winter == summer {
        lines.extend([
            "BEGIN:STANDARD".into(),
            format!("TZOFFSETFROM:{}", offset_text(winter)),
            format!("TZOFFSETTO:{}", offset_text(winter)),
            "DTSTART:19700101T000000".into(),
            "END:STANDARD".into(),
        ]);
    } else if tz.name().starts_with("Europe/") {
        lines.extend([
            "BEGIN:DAYLIGHT".into(),
            format!("TZOFFSETFROM:{}", offset_text(winter)),
            format!("TZOFFSETTO:{}", offset_text(summer)),
            "DTSTART:19700329T020000".into(),
            "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU".into(),
            "END:DAYLIGHT".into(),
            "BEGIN:STANDARD".into(),
            format!("TZOFFSETFROM:{}", offset_text(summer)),
            format!("TZOFFSETTO:{}", offset_text(winter)),
            "DTSTART:19701025T030000".into(),
            "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU".into(),
            "END:STANDARD".into(),
        ]);
    } else {
        return None;
    }
    lines.push("END:VTIMEZONE".into());
    Some(lines)
}

/// A calendar of `events` shown in the zone `tz`.
pub fn calendar(name: &str, tz: Tz, events: &[Event]) -> String {
    let year = events.first().map(|e| e.start.year()).unwrap_or_else(|| Utc::now().year());
    let zone = vtimezone(tz, year);
    let stamp = Utc::now().format("%Y%m%dT%H%M%SZ").to_string();
    let mut out = String::new();
    for l in [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Acunum//Cycles ACUNUM//FR",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
    ] {
        fold(l, &mut out);
    }
    fold(&format!("X-WR-CALNAME:{}", escape(name)), &mut out);
    fold(&format!("X-WR-TIMEZONE:{}", tz.name()), &mut out);
    if let Some(z) = &zone {
        for l in z {
            fold(l, &mut out);
        }
    }
    let when = |t: DateTime<Utc>| match &zone {
        Some(_) => format!(";TZID={}:{}", tz.name(), t.with_timezone(&tz).format("%Y%m%dT%H%M%S")),
        None => format!(":{}", t.format("%Y%m%dT%H%M%SZ")),
    };
    for e in events {
        fold("BEGIN:VEVENT", &mut out);
        fold(&format!("UID:{}", e.uid), &mut out);
        fold(&format!("DTSTAMP:{stamp}"), &mut out);
        fold(&format!("DTSTART{}", when(e.start)), &mut out);
        fold(&format!("DTEND{}", when(e.end)), &mut out);
        fold(&format!("SUMMARY:{}", escape(&e.summary)), &mut out);
        if !e.description.is_empty() {
            fold(&format!("DESCRIPTION:{}", escape(&e.description)), &mut out);
        }
        if !e.location.is_empty() {
            fold(&format!("LOCATION:{}", escape(&e.location)), &mut out);
        }
        if let Some(u) = &e.url {
            fold(&format!("URL:{u}"), &mut out);
        }
        fold(if e.cancelled { "STATUS:CANCELLED" } else { "STATUS:CONFIRMED" }, &mut out);
        fold("END:VEVENT", &mut out);
    }
    fold("END:VCALENDAR", &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event() -> Event {
        Event {
            uid: "session-1@acunum".into(),
            start: Utc.with_ymd_and_hms(2027, 1, 11, 8, 0, 0).unwrap(),
            end: Utc.with_ymd_and_hms(2027, 1, 11, 16, 0, 0).unwrap(),
            summary: "Jour 1 ; l'information, à l'ère du numérique".into(),
            description: "Ligne 1\nLigne 2".into(),
            location: "Salle du conseil, Mairie de Confolens".into(),
            url: None,
            cancelled: false,
        }
    }

    #[test]
    fn events_carry_the_zone_and_escaped_text() {
        let ics = calendar("Cycle", crate::fr::DEFAULT_TZ, &[event()]);
        assert!(ics.contains("BEGIN:VTIMEZONE\r\nTZID:Europe/Paris"));
        assert!(ics.contains("DTSTART;TZID=Europe/Paris:20270111T090000"));
        assert!(ics.contains("SUMMARY:Jour 1 \\; l'information\\, à l'ère du numérique"));
        assert!(ics.contains("DESCRIPTION:Ligne 1\\nLigne 2"));
        assert!(ics.ends_with("END:VCALENDAR\r\n"));
    }

    #[test]
    fn overseas_zones_have_a_fixed_offset() {
        let ics = calendar("Cycle", chrono_tz::Indian::Reunion, &[event()]);
        assert!(ics.contains("TZOFFSETTO:+0400"));
        assert!(ics.contains("DTSTART;TZID=Indian/Reunion:20270111T120000"));
        let ics = calendar("Cycle", chrono_tz::Pacific::Noumea, &[event()]);
        assert!(ics.contains("TZOFFSETTO:+1100"));
    }

    #[test]
    fn long_lines_are_folded_at_75_octets() {
        let mut e = event();
        e.description = "é".repeat(100);
        let ics = calendar("Cycle", crate::fr::DEFAULT_TZ, &[e]);
        assert!(ics.split("\r\n").all(|l| l.len() <= 75));
        assert!(ics.contains("\r\n é"));
    }
}
