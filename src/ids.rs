//! The identifiers people type and the law names: SIRET, e-mail address, postal code, INSEE code.
//! Each is a type made only by its `parse()`, which states its rule once; what it refuses comes
//! with a French message for the form. And the one rule of a path of this site (a redirect or a
//! link back taken from a request).

use std::fmt;

use serde::Serialize;

/// Luhn's key, as used by SIREN (9 digits) and SIRET (14 digits).
pub fn luhn(digits: &str) -> bool {
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    let sum: u32 = digits
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b - b'0');
            if i % 2 == 1 {
                let dd = d * 2;
                if dd > 9 { dd - 9 } else { dd }
            } else {
                d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

macro_rules! newtype {
    ($name:ident) => {
        impl $name {
            pub fn as_str(&self) -> &str {
                &self.0
            }
            pub fn into_string(self) -> String {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }
    };
}

/// A SIRET: 14 digits whose Luhn key is right. La Poste's establishments (SIREN 356 000 000) are the
/// one documented exception: the sum of their digits may be a multiple of 5 instead (INSEE).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Siret(String);
newtype!(Siret);

impl Siret {
    /// Reads a SIRET as typed (spaces allowed).
    pub fn parse(s: &str) -> Result<Siret, &'static str> {
        let v: String = s.chars().filter(|c| !c.is_whitespace()).collect();
        if v.len() != 14 || !v.bytes().all(|b| b.is_ascii_digit()) {
            return Err("Le SIRET compte 14 chiffres.");
        }
        let la_poste = v.starts_with("356000000") && v.bytes().map(|b| u32::from(b - b'0')).sum::<u32>() % 5 == 0;
        if !la_poste && !luhn(&v) {
            return Err("Ce SIRET n'existe pas : sa clé de contrôle est fausse (vérifiez les chiffres).");
        }
        Ok(Siret(v))
    }
}

/// An e-mail address, in lower case: one `@`, a dot in the domain, no spaces, at most 254
/// characters.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Email(String);
newtype!(Email);

impl Email {
    pub fn parse(s: &str) -> Result<Email, &'static str> {
        const WRONG: &str = "Cette adresse e-mail n'est pas valide (exemple : prenom.nom@exemple.fr).";
        let v = s.trim().to_lowercase();
        let Some((local, domain)) = v.split_once('@') else {
            return Err(WRONG);
        };
        let ok = v.len() <= 254
            && !local.is_empty()
            && local.len() <= 64
            && domain.len() <= 255
            && domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains('@')
            && !v.chars().any(|c| c.is_whitespace() || c.is_control() || c == '<' || c == '>' || c == ',');
        if ok { Ok(Email(v)) } else { Err(WRONG) }
    }
}

/// A French postal code: five digits (metropolitan, overseas 97x/98x included), spaces dropped.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PostalCode(String);
newtype!(PostalCode);

impl PostalCode {
    pub fn parse(s: &str) -> Result<PostalCode, &'static str> {
        let v: String = s.chars().filter(|c| !c.is_whitespace()).collect();
        if v.len() == 5 && v.chars().all(|c| c.is_ascii_digit()) {
            Ok(PostalCode(v))
        } else {
            Err("Le code postal doit compter 5 chiffres.")
        }
    }
}

/// A commune's INSEE code: five characters, Corsica's 2A and 2B included (no department 20).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct InseeCode(String);
newtype!(InseeCode);

impl InseeCode {
    pub fn parse(s: &str) -> Result<InseeCode, &'static str> {
        let v = s.trim().to_uppercase();
        let b = v.as_bytes();
        let ok = b.len() == 5
            && b[2..].iter().all(u8::is_ascii_digit)
            && ((b[0].is_ascii_digit() && b[0] != b'2' && b[1].is_ascii_digit())
                || (b[0] == b'2' && (b[1] == b'A' || b[1] == b'B' || (b[1].is_ascii_digit() && b[1] != b'0'))));
        if ok { Ok(InseeCode(v)) } else { Err("Le code INSEE compte 5 caractères (2A ou 2B pour la Corse).") }
    }
}

/// Whether `p` is a path of this site and nothing more: refused are anything with a scheme or a
/// host (`//host`, `/\\host`, which browsers read as `//host`), and any control character or space,
/// which browsers drop or which would break a `Location` header (`/\t/host` becomes `//host`).
pub fn is_local_path(p: &str) -> bool {
    p.starts_with('/')
        && !p.starts_with("//")
        && !p.contains('\\')
        && p.len() <= 2000
        && !p.chars().any(|c| c.is_control() || c.is_whitespace())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn siret_is_fourteen_digits_with_luhn_or_la_poste() {
        assert_eq!(Siret::parse("732 829 320 00074").unwrap().as_str(), "73282932000074");
        assert!(Siret::parse("73282932000075").is_err());
        assert!(Siret::parse("7328293200007").is_err());
        // La Poste: the sum of the digits is a multiple of 5.
        assert!(Siret::parse("35600000000001").is_ok());
        assert!(luhn("732829320") && !luhn("") && !luhn("12a"));
    }

    #[test]
    fn emails_postal_codes_and_insee_codes() {
        assert_eq!(Email::parse(" Prenom.Nom@Exemple.FR ").unwrap().as_str(), "prenom.nom@exemple.fr");
        for bad in ["a@b", "@b.fr", "a b@c.fr", "a@.fr", "a@b.fr.", "<a@b.fr>", "a@b.fr,c@d.fr"] {
            assert!(Email::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(PostalCode::parse("16 000").unwrap().as_str(), "16000");
        assert!(PostalCode::parse("1600").is_err() && PostalCode::parse("16O00").is_err());
        assert!(InseeCode::parse("2a004").is_ok() && InseeCode::parse("16015").is_ok());
        assert!(InseeCode::parse("20004").is_err() && InseeCode::parse("2C004").is_err());
    }
}
