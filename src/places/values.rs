//! The values of a place's fields read one by one: numbers, coordinates in France, SIRET, dates,
//! telephone numbers, e-mails, opening hours (OSM syntax).

pub(crate) fn split_multi(s: &str) -> impl Iterator<Item = &str> {
    s.split(['|', ';', ',']).map(str::trim).filter(|t| !t.is_empty())
}

pub(crate) fn insee_ok(code: &str) -> bool {
    code.len() == 5 && crate::ids::InseeCode::parse(code).is_ok_and(|c| c.as_str() == code)
}

pub(crate) fn parse_number(s: &str) -> Option<f64> {
    let s = s.trim().replace(',', ".");
    if s.is_empty() {
        return None;
    }
    s.parse::<f64>().ok().filter(|x| x.is_finite())
}

pub(crate) fn fmt_coord(x: f64) -> String {
    let s = format!("{x:.6}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    s.to_string()
}

/// Whether a point lies in metropolitan France or one of its overseas territories.
pub fn in_france(lat: f64, lon: f64) -> bool {
    const BOXES: [(f64, f64, f64, f64); 10] = [
        (41.2, 51.2, -5.5, 9.7),        // Métropole et Corse
        (15.8, 18.2, -63.2, -60.9),     // Guadeloupe, Saint-Martin, Saint-Barthélemy
        (14.3, 15.0, -61.3, -60.7),     // Martinique
        (2.0, 6.0, -54.7, -51.5),       // Guyane
        (-21.5, -20.8, 55.1, 55.9),     // La Réunion
        (-13.1, -12.6, 44.9, 45.4),     // Mayotte
        (46.7, 47.2, -56.5, -56.0),     // Saint-Pierre-et-Miquelon
        (-23.0, -19.5, 163.5, 168.2),   // Nouvelle-Calédonie
        (-28.0, -7.5, -155.0, -134.0),  // Polynésie française
        (-14.5, -13.1, -178.3, -176.0), // Wallis-et-Futuna
    ];
    BOXES.iter().any(|(a, b, c, d)| lat >= *a && lat <= *b && lon >= *c && lon <= *d)
}

/// The pivot as the schema wants it, or why it cannot be kept.
pub fn check_pivot(p: &str) -> Result<String, String> {
    if p.is_empty() {
        return Err("pivot absent : 00000000000000".into());
    }
    if p.chars().all(|c| c == '0') && p.len() >= 9 && p.len() <= 14 {
        return Ok(p.to_string());
    }
    let digits = p.chars().all(|c| c.is_ascii_digit());
    if digits && p.len() == 14 {
        if crate::ids::Siret::parse(p).is_ok() {
            return Ok(p.to_string());
        }
        return Err(format!("SIRET « {p} » invalide (clé de contrôle) : 00000000000000"));
    }
    if digits && p.len() == 9 {
        if crate::ids::luhn(p) {
            return Ok(p.to_string());
        }
        return Err(format!("SIREN « {p} » invalide (clé de contrôle) : 00000000000000"));
    }
    // A RIDET (Nouvelle-Calédonie): seven digits and the establishment's three.
    if digits && (p.len() == 10 || p.len() == 13) {
        return Ok(p.to_string());
    }
    if digits && (p.len() == 6 || p.len() == 7) {
        let padded = format!("{p:0>7}000");
        return Ok(padded);
    }
    if (9..=14).contains(&p.len()) && p.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Ok(p.to_string());
    }
    Err(format!("pivot « {p} » illisible (ni SIRET, ni SIREN, ni RIDET) : 00000000000000"))
}

pub(crate) fn parse_date(s: &str) -> Option<String> {
    let s = s.trim();
    let d = s.get(..10).unwrap_or(s);
    if let Ok(d) = chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d") {
        return Some(d.format("%Y-%m-%d").to_string());
    }
    for fmt in ["%d/%m/%Y", "%d-%m-%Y", "%Y/%m/%d"] {
        if let Ok(d) = chrono::NaiveDate::parse_from_str(d, fmt) {
            return Some(d.format("%Y-%m-%d").to_string());
        }
    }
    None
}

/// The country codes of the schema's telephone pattern
/// (`^(\+33|\+590|\+594|\+262|\+596|\+269|\+687|\+689|\+508|\+681)(\d){6,9}$`).
const PREFIXES: [&str; 10] = ["33", "590", "594", "262", "596", "269", "687", "689", "508", "681"];

/// The schema's own telephone pattern: one of its country codes, then six to nine digits.
pub fn matches_phone_pattern(s: &str) -> bool {
    s.strip_prefix('+').is_some_and(|d| {
        PREFIXES.iter().any(|p| {
            d.strip_prefix(p)
                .is_some_and(|rest| (6..=9).contains(&rest.len()) && rest.bytes().all(|b| b.is_ascii_digit()))
        })
    })
}

/// A French telephone number in the schema's international form. A number that already follows the
/// schema's pattern is kept as it is (`+687050709` is a number of Nouvelle-Calédonie, not a typo).
pub fn normalize_phone(s: &str, postal: &str) -> Option<String> {
    let first = s.split(['|', ';', '/']).next().unwrap_or(s);
    let compact: String = first.chars().filter(|c| !c.is_whitespace() && !matches!(c, '.' | '-')).collect();
    if matches_phone_pattern(&compact) {
        return Some(compact);
    }
    let plus = first.trim_start().starts_with('+');
    let digits: String = first.chars().filter(char::is_ascii_digit).collect();
    let ok = |p: &str, rest: &str| -> Option<String> {
        if (6..=9).contains(&rest.len()) { Some(format!("{p}{rest}")) } else { None }
    };
    if plus || digits.starts_with("00") {
        let d = if plus { digits.as_str() } else { &digits[2..] };
        let p = PREFIXES.iter().find(|p| d.starts_with(*p))?;
        let rest = d[p.len()..].trim_start_matches('0');
        return ok(&format!("+{p}"), rest);
    }
    if digits.len() == 10 && digits.starts_with('0') {
        let national = &digits[1..];
        let prefix = match &digits[..4] {
            "0590" | "0690" | "0691" => "+590",
            "0594" | "0694" => "+594",
            "0262" | "0263" | "0692" | "0693" => "+262",
            "0596" | "0696" | "0697" => "+596",
            "0269" | "0639" => "+269",
            "0508" => "+508",
            _ => "+33",
        };
        let rest = national.to_string();
        return ok(prefix, &rest);
    }
    // Nouvelle-Calédonie, Polynésie, Wallis: six-digit local numbers.
    if digits.len() == 6 {
        let prefix = match postal.get(..3) {
            Some("988") => "+687",
            Some("987") => "+689",
            Some("986") => "+681",
            _ => return None,
        };
        return ok(prefix, &digits);
    }
    if digits.len() == 8 && postal.starts_with("987") {
        return ok("+689", &digits);
    }
    None
}

pub(crate) fn looks_like_email(m: &str) -> bool {
    crate::ids::Email::parse(m).is_ok()
}

/// "09:00 - 12:00 / 13:30 - 17:00" per weekday → "Mo-Fr 09:00-12:00,13:30-17:00".
pub(crate) fn osm_hours(days: &[(&str, String)]) -> Option<String> {
    let mut parsed: Vec<(&str, String)> = Vec::new();
    for (day, text) in days {
        let mut ranges = Vec::new();
        for part in text.split(['/', ',', ';']) {
            let part = part.trim();
            if part.is_empty() {
                continue;
            }
            let (a, b) = part.split_once('-')?;
            let a = hhmm(a)?;
            let b = hhmm(b)?;
            ranges.push(format!("{a}-{b}"));
        }
        if !ranges.is_empty() {
            parsed.push((day, ranges.join(",")));
        }
    }
    if parsed.is_empty() {
        return None;
    }
    let order = ["Mo", "Tu", "We", "Th", "Fr", "Sa", "Su"];
    let pos = |d: &str| order.iter().position(|o| *o == d).unwrap_or(0);
    let mut groups: Vec<(usize, usize, String)> = Vec::new();
    for (day, ranges) in parsed {
        let p = pos(day);
        match groups.last_mut() {
            Some((_, end, r)) if *end + 1 == p && *r == ranges => *end = p,
            _ => groups.push((p, p, ranges)),
        }
    }
    Some(
        groups
            .into_iter()
            .map(
                |(a, b, r)| if a == b { format!("{} {r}", order[a]) } else { format!("{}-{} {r}", order[a], order[b]) },
            )
            .collect::<Vec<_>>()
            .join("; "),
    )
}

pub(crate) fn hhmm(s: &str) -> Option<String> {
    let s = s.trim().replace('h', ":");
    let (h, m) = s.split_once(':').unwrap_or((&s, "00"));
    let h: u32 = h.trim().parse().ok()?;
    let m: u32 = if m.trim().is_empty() { 0 } else { m.trim().parse().ok()? };
    if h > 24 || m > 59 {
        return None;
    }
    Some(format!("{h:02}:{m:02}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_number_that_follows_the_schemas_pattern_is_kept_as_it_is() {
        assert_eq!(normalize_phone("+687050709", "98809").as_deref(), Some("+687050709"));
        assert_eq!(normalize_phone("+590 590 12 34 56", "97100").as_deref(), Some("+590590123456"));
        assert!(matches_phone_pattern("+687050709"));
        assert!(!matches_phone_pattern("+6870507") && !matches_phone_pattern("+4412345678"));
    }
}
