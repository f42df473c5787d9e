//! Money: amounts are `rust_decimal::Decimal`, never floats, and are written the French way.

use rust_decimal::Decimal;

/// "1 234,56 €" (narrow no-break space between thousands, no-break space before the sign).
pub fn euros(amount: impl std::borrow::Borrow<Decimal>) -> String {
    let amount = *amount.borrow();
    let rounded = amount.round_dp(2);
    let negative = rounded.is_sign_negative() && !rounded.is_zero();
    let text = format!("{:.2}", rounded.abs());
    let (int, frac) = text.split_once('.').unwrap_or((&text, "00"));
    let mut grouped = String::new();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            grouped.push('\u{202f}');
        }
        grouped.push(c);
    }
    format!("{}{grouped},{frac}\u{a0}€", if negative { "-" } else { "" })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_are_written_the_french_way() {
        assert_eq!(euros(Decimal::new(123456, 2)), "1\u{202f}234,56\u{a0}€");
        assert_eq!(euros(Decimal::from(350)), "350,00\u{a0}€");
        assert_eq!(euros(Decimal::new(-5, 1)), "-0,50\u{a0}€");
        assert_eq!(euros(Decimal::new(1234567891, 2)), "12\u{202f}345\u{202f}678,91\u{a0}€");
    }
}
