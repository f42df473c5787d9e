//! Small text rules shared by every form: trimming, lengths, e-mail addresses, postal codes, and
//! the accent-free lower-case key that list searches match against.

use unicode_normalization::UnicodeNormalization;

use crate::error::FieldErrors;
use crate::ids::{Email, PostalCode};

/// Lower case without accents nor repeated spaces: "Médiathèque  d'Angoulême" → "mediatheque d'angouleme".
pub fn search_key(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut space = false;
    for c in s.nfd().filter(|c| !unicode_normalization::char::is_combining_mark(*c)) {
        if c.is_whitespace() {
            space = !out.is_empty();
            continue;
        }
        if space {
            out.push(' ');
            space = false;
        }
        out.extend(c.to_lowercase());
    }
    out
}

/// Checks a text field: trimmed, required or not, at most `max` characters.
pub fn check_text(errors: &mut FieldErrors, field: &str, value: &str, required: bool, max: usize) -> String {
    let v = value.trim().to_string();
    if required && v.is_empty() {
        errors.add(field, "Ce champ est obligatoire.");
    } else if v.chars().count() > max {
        errors.add(field, format!("Ce champ est trop long ({max} caractères au plus)."));
    }
    v
}

/// The one escape of text put into HTML or XML (element text and double-quoted attributes): `&`,
/// `<`, `>` and `"`; control characters that XML 1.0 cannot hold become spaces.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            c if (c as u32) < 0x20 && !matches!(c, '\n' | '\t' | '\r') => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// A plausible e-mail address (see [`Email::parse`]).
pub fn is_email(s: &str) -> bool {
    Email::parse(s).is_ok()
}

/// Checks an e-mail field and returns it in lower case.
pub fn check_email(errors: &mut FieldErrors, field: &str, value: &str, required: bool) -> String {
    let v = value.trim().to_lowercase();
    if v.is_empty() {
        if required {
            errors.add(field, "L'adresse e-mail est obligatoire.");
        }
    } else if let Err(message) = Email::parse(&v) {
        errors.add(field, message);
    }
    v
}

/// Checks a postal code field (see [`PostalCode::parse`]) and returns it without spaces.
pub fn check_postal_code(errors: &mut FieldErrors, field: &str, value: &str, required: bool) -> String {
    let v: String = value.chars().filter(|c| !c.is_whitespace()).collect();
    if v.is_empty() {
        if required {
            errors.add(field, "Le code postal est obligatoire.");
        }
    } else if let Err(message) = PostalCode::parse(&v) {
        errors.add(field, message);
    }
    v
}

/// A phone number: digits, spaces, dots, dashes, parentheses and a leading +.
pub fn check_phone(errors: &mut FieldErrors, field: &str, value: &str) -> String {
    let v = value.trim().to_string();
    let digits = v.chars().filter(|c| c.is_ascii_digit()).count();
    if !v.is_empty() && (!v.chars().all(|c| c.is_ascii_digit() || " .-()+".contains(c)) || !(6..=15).contains(&digits))
    {
        errors.add(field, "Ce numéro de téléphone n'est pas valide.");
    }
    v
}

/// An optional latitude/longitude pair, both or none, within the Earth's bounds.
pub fn check_coordinates(errors: &mut FieldErrors, lat: Option<f64>, lon: Option<f64>) -> (Option<f64>, Option<f64>) {
    match (lat, lon) {
        (None, None) => (None, None),
        (Some(a), Some(o)) if (-90.0..=90.0).contains(&a) && (-180.0..=180.0).contains(&o) => (Some(a), Some(o)),
        (Some(_), Some(_)) => {
            errors.add("latitude", "Coordonnées hors limites.");
            (None, None)
        }
        _ => {
            errors.add("latitude", "Indiquez la latitude et la longitude, ou aucune des deux.");
            (None, None)
        }
    }
}

/// Parses an optional decimal number typed with a comma or a dot.
pub fn parse_opt_f64(s: &str) -> Result<Option<f64>, std::num::ParseFloatError> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(None);
    }
    s.replace(',', ".").parse::<f64>().map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_keys_drop_accents_case_and_extra_spaces() {
        assert_eq!(search_key("  Médiathèque   d'ANGOULÊME "), "mediatheque d'angouleme");
        assert_eq!(search_key("Œuvre"), "œuvre");
    }

    #[test]
    fn e_mail_addresses_are_checked() {
        assert!(is_email("claire.martin@exemple.fr"));
        assert!(!is_email("claire.martin@exemple"));
        assert!(!is_email("claire martin@exemple.fr"));
        assert!(!is_email("@exemple.fr"));
        assert!(!is_email("a@b@c.fr"));
    }

    #[test]
    fn a_too_long_text_is_refused() {
        let mut e = FieldErrors::new();
        check_text(&mut e, "name", &"x".repeat(201), true, 200);
        assert!(e.get("name").is_some());
        let mut e = FieldErrors::new();
        assert_eq!(check_text(&mut e, "name", "  Acme  ", true, 200), "Acme");
        assert!(e.is_empty());
    }

    #[test]
    fn postal_codes_have_five_digits() {
        let mut e = FieldErrors::new();
        assert_eq!(check_postal_code(&mut e, "pc", "16 000", true), "16000");
        assert!(e.is_empty());
        check_postal_code(&mut e, "pc", "1600", true);
        assert!(e.get("pc").is_some());
    }

    #[test]
    fn phones_accept_usual_french_writings() {
        let mut e = FieldErrors::new();
        check_phone(&mut e, "p", "05 45 12 34 56");
        check_phone(&mut e, "p", "+33 5.45.12.34.56");
        assert!(e.is_empty());
        check_phone(&mut e, "p", "appelez-moi");
        assert!(!e.is_empty());
    }

    #[test]
    fn coordinates_come_in_pairs() {
        let mut e = FieldErrors::new();
        assert_eq!(check_coordinates(&mut e, Some(45.6), Some(0.15)), (Some(45.6), Some(0.15)));
        check_coordinates(&mut e, Some(45.6), None);
        assert!(!e.is_empty());
    }
}
