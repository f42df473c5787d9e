//! The French calendar: weekends and public holidays (jours fériés, Code du travail art. L3133-1),
//! with Easter computed by the anonymous Gregorian algorithm.

use chrono::{Datelike, NaiveDate, Weekday};

/// Easter Sunday of `year` (Meeus/Jones/Butcher).
pub fn easter(year: i32) -> NaiveDate {
    let a = year % 19;
    let b = year / 100;
    let c = year % 100;
    let d = b / 4;
    let e = b % 4;
    let f = (b + 8) / 25;
    let g = (b - f + 1) / 3;
    let h = (19 * a + b - d - g + 15) % 30;
    let i = c / 4;
    let k = c % 4;
    let l = (32 + 2 * e + 2 * i - h - k) % 7;
    let m = (a + 11 * h + 22 * l) / 451;
    let month = (h + l - 7 * m + 114) / 31;
    let day = (h + l - 7 * m + 114) % 31 + 1;
    NaiveDate::from_ymd_opt(year, month as u32, day as u32).unwrap_or_default()
}

/// The national public holiday on `d`, if any.
pub fn holiday(d: NaiveDate) -> Option<&'static str> {
    let fixed = match (d.month(), d.day()) {
        (1, 1) => Some("Jour de l'an"),
        (5, 1) => Some("Fête du Travail"),
        (5, 8) => Some("Victoire 1945"),
        (7, 14) => Some("Fête nationale"),
        (8, 15) => Some("Assomption"),
        (11, 1) => Some("Toussaint"),
        (11, 11) => Some("Armistice 1918"),
        (12, 25) => Some("Noël"),
        _ => None,
    };
    if fixed.is_some() {
        return fixed;
    }
    let e = easter(d.year());
    let offset = (d - e).num_days();
    match offset {
        1 => Some("Lundi de Pâques"),
        39 => Some("Ascension"),
        50 => Some("Lundi de Pentecôte"),
        _ => None,
    }
}

/// Why `d` is not a working day, if it is not.
pub fn day_off(d: NaiveDate) -> Option<String> {
    match d.weekday() {
        Weekday::Sat => Some("un samedi".into()),
        Weekday::Sun => Some("un dimanche".into()),
        _ => holiday(d).map(|h| format!("un jour férié ({h})")),
    }
}

/// The next working day from `d` included.
pub fn next_working_day(mut d: NaiveDate) -> NaiveDate {
    for _ in 0..30 {
        if day_off(d).is_none() {
            return d;
        }
        d = d.succ_opt().unwrap_or(d);
    }
    d
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn easter_is_right_for_known_years() {
        assert_eq!(easter(2024), d("2024-03-31"));
        assert_eq!(easter(2026), d("2026-04-05"));
        assert_eq!(easter(2027), d("2027-03-28"));
    }

    #[test]
    fn french_public_holidays_are_known() {
        assert_eq!(holiday(d("2027-07-14")), Some("Fête nationale"));
        assert_eq!(holiday(d("2026-04-06")), Some("Lundi de Pâques"));
        assert_eq!(holiday(d("2026-05-14")), Some("Ascension"));
        assert_eq!(holiday(d("2026-05-25")), Some("Lundi de Pentecôte"));
        assert_eq!(holiday(d("2026-05-13")), None);
    }

    #[test]
    fn weekends_and_holidays_are_days_off() {
        assert_eq!(day_off(d("2027-01-09")).as_deref(), Some("un samedi"));
        assert!(day_off(d("2026-12-25")).unwrap().contains("Noël"));
        assert!(day_off(d("2027-01-11")).is_none());
        assert_eq!(next_working_day(d("2026-12-25")), d("2026-12-28"));
    }
}
