//! French formatting, in one place: dates with their time zone, times, durations, plurals.
//! Pages, PDFs, mails and CSV files all write French through these functions.

use chrono::{DateTime, Datelike, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;

pub const MONTHS: [&str; 12] = [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
];

/// The usual abbreviations of the months (Imprimerie nationale): "janv.", "févr.", "mars"…
pub const MONTHS_SHORT: [&str; 12] =
    ["janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.", "déc."];

/// A decimal number the French way: "0,98", "45,3" (no trailing zeros).
pub fn decimal(d: impl std::borrow::Borrow<rust_decimal::Decimal>) -> String {
    d.borrow().normalize().to_string().replace('.', ",")
}

/// A ratio or a measure with `dp` decimals at most, the French way: "0,98".
pub fn float(x: f64, dp: u32) -> String {
    decimal(
        rust_decimal::Decimal::from_f64_retain(x)
            .unwrap_or_default()
            .round_dp_with_strategy(dp, rust_decimal::RoundingStrategy::MidpointAwayFromZero),
    )
}

/// The time zone of what is dated outside a cycle (an organisation's records, invoices, notepads);
/// a cycle's sessions and sheets are dated in the cycle's own zone.
pub const DEFAULT_TZ: Tz = chrono_tz::Europe::Paris;

/// The instant `ts` (Unix seconds) in the zone `tz`.
pub fn local(ts: i64, tz: Tz) -> DateTime<Tz> {
    Utc.timestamp_opt(ts, 0).single().unwrap_or_default().with_timezone(&tz)
}

/// "1er décembre 2026"
pub fn date_long(d: impl std::borrow::Borrow<NaiveDate>) -> String {
    let d = *d.borrow();
    let day = if d.day() == 1 { "1er".to_string() } else { d.day().to_string() };
    format!("{day} {} {}", MONTHS[d.month0() as usize], d.year())
}

/// "1er décembre 2026": the day of an instant in [`DEFAULT_TZ`].
pub fn date(ts: impl std::borrow::Borrow<i64>) -> String {
    date_long(local(*ts.borrow(), DEFAULT_TZ).date_naive())
}

/// "01/12/2026"
pub fn date_short(d: impl std::borrow::Borrow<NaiveDate>) -> String {
    d.borrow().format("%d/%m/%Y").to_string()
}

/// "01/12/2026 09:00", in the zone `tz` (tables and histories).
pub fn date_time_short(ts: impl std::borrow::Borrow<i64>, tz: Tz) -> String {
    local(*ts.borrow(), tz).format("%d/%m/%Y %H:%M").to_string()
}

/// "11 janvier 2027 à 09:00", in the zone of the place.
pub fn date_time(ts: i64, tz: Tz) -> String {
    let t = local(ts, tz);
    format!("{} à {}", date_long(t.date_naive()), t.format("%H:%M"))
}

/// "11 janvier 2027 à 09:00" in [`DEFAULT_TZ`].
/// A title in French quotation marks: « … », or “ … ” when it already holds « » (« Conférence
/// “Pourquoi…” » rather than « Conférence « Pourquoi… » »).
pub fn quoted(s: &str) -> String {
    if s.contains('«') { format!("“{s}”") } else { format!("« {s} »") }
}

pub fn date_time_default(ts: i64) -> String {
    date_time(ts, DEFAULT_TZ)
}

/// "09:00"
pub fn time(ts: i64, tz: Tz) -> String {
    local(ts, tz).format("%H:%M").to_string()
}

/// "1 personne", "3 personnes": the word in the plural from two on (French usage: 0 and 1 are singular).
pub fn plural(n: i64, one: &str, many: &str) -> String {
    if n.abs() >= 2 { format!("{n} {many}") } else { format!("{n} {one}") }
}

const DAYS: [(&str, &str); 7] = [
    ("Mo", "lundi"),
    ("Tu", "mardi"),
    ("We", "mercredi"),
    ("Th", "jeudi"),
    ("Fr", "vendredi"),
    ("Sa", "samedi"),
    ("Su", "dimanche"),
];

/// "09:00" → "9 h", "13:30" → "13 h 30".
fn hour(hhmm: &str) -> Option<String> {
    let (h, m) = hhmm.split_once(':')?;
    let (h, m): (u32, u32) = (h.parse().ok()?, m.parse().ok()?);
    (h <= 24 && m < 60).then(|| if m == 0 { format!("{h} h") } else { format!("{h} h {m:02}") })
}

/// Opening hours in OpenStreetMap's syntax read in French: "Mo-Fr 09:00-12:00,13:30-17:00; Sa 09:00-12:00"
/// → "du lundi au vendredi : 9 h – 12 h, 13 h 30 – 17 h ; samedi : 9 h – 12 h". What it cannot
/// read is shown as it was written.
pub fn opening_hours(osm: &str) -> String {
    let day = |code: &str| DAYS.iter().find(|(c, _)| *c == code).map(|(_, name)| *name);
    let read = || -> Option<String> {
        if osm.trim() == "24/7" {
            return Some("tous les jours, jour et nuit".into());
        }
        let mut rules = Vec::new();
        for rule in osm.split(';').map(str::trim).filter(|r| !r.is_empty()) {
            let (days, times) = rule.split_once(' ')?;
            let mut names = Vec::new();
            for part in days.split(',') {
                match part.split_once('-') {
                    Some((a, b)) => names.push(format!("du {} au {}", day(a)?, day(b)?)),
                    None => names.push(day(part)?.to_string()),
                }
            }
            let times = times.trim();
            let when = if times == "off" {
                "fermé".to_string()
            } else {
                let mut ranges = Vec::new();
                for range in times.split(',') {
                    let (from, to) = range.trim().split_once('-')?;
                    ranges.push(format!("{} – {}", hour(from)?, hour(to)?));
                }
                ranges.join(", ")
            };
            rules.push(format!("{} : {when}", names.join(", ")));
        }
        (!rules.is_empty()).then(|| rules.join(" ; "))
    };
    read().unwrap_or_else(|| osm.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_months_are_written_the_french_way() {
        assert_eq!(decimal(rust_decimal::Decimal::new(453, 1)), "45,3");
        assert_eq!(decimal(rust_decimal::Decimal::new(4500, 2)), "45");
        assert_eq!(float(0.98, 2), "0,98");
        assert_eq!(float(0.125, 2), "0,13");
        assert_eq!(MONTHS_SHORT[11], "déc.");
        assert!(MONTHS_SHORT.iter().all(|m| !m.ends_with("e.")));
    }

    #[test]
    fn instants_are_written_in_the_zone_of_the_place() {
        // 2027-01-11 08:00 UTC is 09:00 in Paris and 19:00 in Nouméa.
        let ts = 1_799_654_400;
        assert_eq!(date_time(ts, chrono_tz::Europe::Paris), "11 janvier 2027 à 09:00");
        assert_eq!(date_time(ts, chrono_tz::Pacific::Noumea), "11 janvier 2027 à 19:00");
        assert_eq!(time(ts, chrono_tz::Europe::Paris), "09:00");
    }

    #[test]
    fn dates_are_written_the_french_way() {
        let d = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
        assert_eq!(date_long(d), "1er décembre 2026");
        assert_eq!(date_short(d), "01/12/2026");
        // 2026-12-01 10:00 UTC
        assert_eq!(date(1_796_119_200), "1er décembre 2026");
        // 2026-07-14 23:30 UTC is already the 15th in Paris (UTC+2)
        assert_eq!(date(1_784_071_800), "15 juillet 2026");
        assert_eq!(date_time_short(1_799_654_400, DEFAULT_TZ), "11/01/2027 09:00");
        assert_eq!(decimal("12.50".parse::<rust_decimal::Decimal>().unwrap()), "12,5");
    }

    #[test]
    fn opening_hours_are_read_in_french() {
        assert_eq!(
            opening_hours("Mo-Fr 09:00-12:00,13:30-17:00; Sa 09:00-12:00"),
            "du lundi au vendredi : 9 h – 12 h, 13 h 30 – 17 h ; samedi : 9 h – 12 h"
        );
        assert_eq!(opening_hours("Mo,We 14:00-18:00; Su off"), "lundi, mercredi : 14 h – 18 h ; dimanche : fermé");
        assert_eq!(opening_hours("24/7"), "tous les jours, jour et nuit");
        // What cannot be read stays as written.
        assert_eq!(opening_hours("sur rendez-vous"), "sur rendez-vous");
        assert_eq!(opening_hours("Mo 25:00-26:00"), "Mo 25:00-26:00");
    }

    #[test]
    fn one_is_singular_two_is_plural() {
        assert_eq!(plural(0, "structure impliquée", "structures impliquées"), "0 structure impliquée");
        assert_eq!(plural(1, "structure impliquée", "structures impliquées"), "1 structure impliquée");
        assert_eq!(plural(2, "structure impliquée", "structures impliquées"), "2 structures impliquées");
    }

    #[test]
    fn quoted_titles_do_not_double_their_marks() {
        assert_eq!(quoted("Veille"), "« Veille »");
        assert_eq!(quoted("Conférence « Pourquoi ? »"), "“Conférence « Pourquoi ? »”");
    }
}
