//! Money: amounts are `rust_decimal::Decimal`, never floats, rounded by one rule and written the
//! French way.
//!
//! The rounding rule, stated once: an amount is rounded to the cent, half away from zero (« arrondi
//! commercial »), by [`cents`]. Every amount of a document is rounded on its own line (a quote's or an
//! invoice's line, its discount, its VAT), then sums are sums of rounded amounts, so that every
//! document adds up as printed. Unit prices keep the precision they were typed with (up to four
//! decimals: 0,603 €/km) and are printed with it ([`unit_price`]).

use rust_decimal::{Decimal, RoundingStrategy};

/// Rounds to the cent, half away from zero.
pub fn cents(d: Decimal) -> Decimal {
    let mut r = d.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero);
    r.rescale(2);
    r
}

/// The largest precision a unit price keeps.
pub const UNIT_PRICE_DECIMALS: u32 = 4;

/// A unit price as typed, at most [`UNIT_PRICE_DECIMALS`] decimals (half away from zero beyond).
pub fn unit(d: Decimal) -> Decimal {
    d.round_dp_with_strategy(UNIT_PRICE_DECIMALS, RoundingStrategy::MidpointAwayFromZero).normalize()
}

fn grouped(int: &str) -> String {
    let mut out = String::new();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i).is_multiple_of(3) {
            out.push('\u{202f}');
        }
        out.push(c);
    }
    out
}

/// Writes `d` with at least `min` and at most `max` decimals, French way, without the unit.
fn french(d: Decimal, min: u32, max: u32) -> String {
    let r = d.round_dp_with_strategy(max, RoundingStrategy::MidpointAwayFromZero);
    let negative = r.is_sign_negative() && !r.is_zero();
    let mut r = r.abs().normalize();
    if r.scale() < min {
        r.rescale(min);
    }
    let text = r.to_string();
    let (int, frac) = text.split_once('.').unwrap_or((&text, ""));
    let sign = if negative { "-" } else { "" };
    if frac.is_empty() { format!("{sign}{}", grouped(int)) } else { format!("{sign}{},{frac}", grouped(int)) }
}

/// "1 234,56 €" (narrow no-break space between thousands, no-break space before the sign).
pub fn euros(amount: impl std::borrow::Borrow<Decimal>) -> String {
    format!("{}\u{a0}€", french(cents(*amount.borrow()), 2, 2))
}

/// A unit price with the precision it has: "420,005 €", "0,603 €", "1 100,00 €".
pub fn unit_price(amount: impl std::borrow::Borrow<Decimal>) -> String {
    format!("{}\u{a0}€", french(*amount.borrow(), 2, UNIT_PRICE_DECIMALS))
}

/// An amount as the machines read it: "1234.56" (for CSV of sales, FEC uses [`fec_amount`]).
pub fn plain(amount: Decimal) -> String {
    format!("{:.2}", cents(amount))
}

/// An amount as the FEC writes it: "1234,56" (article A47 A-1 of the LPF: comma, no thousands).
pub fn fec_amount(amount: Decimal) -> String {
    plain(amount).replace('.', ",")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    #[test]
    fn amounts_are_written_the_french_way() {
        assert_eq!(euros(Decimal::new(123456, 2)), "1\u{202f}234,56\u{a0}€");
        assert_eq!(euros(Decimal::from(350)), "350,00\u{a0}€");
        assert_eq!(euros(Decimal::new(-5, 1)), "-0,50\u{a0}€");
        assert_eq!(euros(Decimal::new(1234567891, 2)), "12\u{202f}345\u{202f}678,91\u{a0}€");
    }

    #[test]
    fn a_half_cent_goes_away_from_zero() {
        assert_eq!(cents(d("0.005")), d("0.01"));
        assert_eq!(cents(d("-0.005")), d("-0.01"));
        assert_eq!(cents(d("2.675")), d("2.68"));
        assert_eq!(euros(d("2.675")), "2,68\u{a0}€");
    }

    #[test]
    fn unit_prices_print_the_precision_they_have() {
        assert_eq!(unit_price(d("0.603")), "0,603\u{a0}€");
        assert_eq!(unit_price(d("420.005")), "420,005\u{a0}€");
        assert_eq!(unit_price(d("1100")), "1\u{202f}100,00\u{a0}€");
        assert_eq!(unit_price(d("0.45")), "0,45\u{a0}€");
        assert_eq!(unit(d("0.123456")), d("0.1235"));
    }

    #[test]
    fn machines_read_a_point_and_the_fec_a_comma() {
        assert_eq!(plain(d("1234.5")), "1234.50");
        assert_eq!(fec_amount(d("1234.5")), "1234,50");
    }
}
