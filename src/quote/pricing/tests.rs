//! The pricing rules, checked on the cycle's real figures.

use super::*;
use crate::catalogue::acunum::default_catalogue;
use crate::quote::{CountPrice, FundingInput, ItemInput, TravelInput};

fn catalogue() -> HashMap<i64, PricedModule> {
    default_catalogue()
        .into_iter()
        .enumerate()
        .map(|(i, (kind, content))| (i as i64 + 1, PricedModule { kind, version_id: 100 + i as i64, content }))
        .collect()
}

fn d(s: &str) -> Decimal {
    s.parse().unwrap()
}

fn item(module_id: i64) -> ItemInput {
    ItemInput { module_id, ..Default::default() }
}

fn ctx(modules: &HashMap<i64, PricedModule>, exempt: bool) -> Context<'_> {
    Context { org_vat_exempt: exempt, modules, computed_distance_km: None }
}

#[test]
fn line_details_are_written_in_french() {
    let m = catalogue();
    let input = QuoteInput {
        participants: 10,
        structures: 2,
        structure_fee: d("50"),
        items: vec![item(1)],
        travel: TravelInput {
            mode: crate::quote::TravelMode::PerKm,
            distance_km: Some(d("45.3")),
            trips: Some(1),
            rate_per_km: d("0.5"),
            ..Default::default()
        },
        ..Default::default()
    };
    let p = price(&input, &ctx(&m, true)).unwrap();
    let details: Vec<&str> = p.lines.iter().map(|l| l.detail.as_str()).collect();
    assert!(details.contains(&"1 structure impliquée, au-delà de la première"), "{details:?}");
    assert!(details.contains(&"1 aller-retour × 2 × 45,3 km"), "{details:?}");
}

/// Counts and amounts at the ends of their types are refused field by field, never computed.
#[test]
fn extreme_counts_and_amounts_are_refused_without_overflow() {
    let m = catalogue();
    let max = Decimal::MAX;
    let huge = QuoteInput {
        participants: i64::MAX,
        structures: i64::MAX,
        items: vec![ItemInput {
            module_id: 1,
            quantity: Some(max),
            unit_price: Some(max),
            discount_percent: max,
            discount_amount: Decimal::MIN,
            ..Default::default()
        }],
        structure_fee: max,
        travel: TravelInput {
            mode: crate::quote::TravelMode::PerKm,
            distance_km: Some(max),
            trips: Some(i64::MAX),
            rate_per_km: max,
            flat_amount: max,
        },
        meals: CountPrice { count: i64::MAX, unit_price: max },
        lodging: CountPrice { count: i64::MIN, unit_price: Decimal::MIN },
        funding: Some(FundingInput { amount: Decimal::MIN, share_percent: max, ..Default::default() }),
        ..Default::default()
    };
    let e = price(&huge, &ctx(&m, true)).unwrap_err();
    for field in ["participants", "structures", "items.0.quantity", "items.0.unit_price", "structure_fee"] {
        assert!(e.get(field).is_some(), "{field}: {e:?}");
    }
    let share = QuoteInput {
        items: vec![item(1)],
        funding: Some(FundingInput {
            mode: crate::quote::FundingMode::Share,
            share_percent: max,
            opco_name: "OPCO".into(),
            ..Default::default()
        }),
        ..Default::default()
    };
    let e = price(&share, &ctx(&m, true)).unwrap_err();
    assert!(e.get("funding.share_percent").is_some(), "{e:?}");
    let travel = QuoteInput {
        items: vec![item(1)],
        travel: TravelInput {
            mode: crate::quote::TravelMode::PerKm,
            distance_km: Some(d("10")),
            trips: Some(i64::MIN),
            rate_per_km: max,
            ..Default::default()
        },
        ..Default::default()
    };
    let e = price(&travel, &ctx(&m, true)).unwrap_err();
    for field in ["travel.trips", "travel.rate_per_km"] {
        assert!(e.get(field).is_some(), "{field}: {e:?}");
    }
}

#[test]
fn the_culture_training_for_ten_is_four_group_days() {
    let m = catalogue();
    let input = QuoteInput { participants: 10, structures: 3, items: vec![item(1)], ..Default::default() };
    let p = price(&input, &ctx(&m, true)).unwrap();
    assert_eq!(p.lines.len(), 1);
    assert_eq!(p.lines[0].quantity, d("4"));
    assert_eq!(p.lines[0].unit, "jours");
    assert_eq!(plural("demi-journée", d("6")), "demi-journées");
    assert_eq!(plural("repas", d("12")), "repas");
    assert_eq!(plural("km", d("320")), "km");
    assert_eq!(plural("nuit", d("1")), "nuit");
    assert_eq!(p.total_ht, d("4400.00"));
    assert!(p.lines[0].vat_exempt);
    assert_eq!(p.total_ttc, d("4400.00"));
    assert!(p.exemption_mention);
    assert_eq!(p.training_hours, d("28"));
}

#[test]
fn fourteen_participants_make_two_groups_of_ten() {
    let m = catalogue();
    let input = QuoteInput { participants: 14, structures: 2, items: vec![item(1)], ..Default::default() };
    let p = price(&input, &ctx(&m, true)).unwrap();
    assert_eq!(p.groups, 2);
    assert_eq!(p.lines[0].quantity, d("8"));
    assert!(p.lines[0].detail.contains("2 groupes"));
}

#[test]
fn amo_is_charged_vat_even_for_an_exempt_organisation() {
    let m = catalogue();
    let input = QuoteInput {
        participants: 7,
        structures: 1,
        items: vec![ItemInput { quantity: Some(d("3")), ..item(4) }],
        ..Default::default()
    };
    let p = price(&input, &ctx(&m, true)).unwrap();
    assert_eq!(p.total_ht, d("2100.00"));
    assert_eq!(p.total_vat, d("420.00"));
    assert_eq!(p.total_ttc, d("2520.00"));
    assert!(!p.exemption_mention);
}

#[test]
fn a_non_exempt_organisation_charges_vat_on_training() {
    let m = catalogue();
    let input = QuoteInput { participants: 10, structures: 1, items: vec![item(1)], ..Default::default() };
    let p = price(&input, &ctx(&m, false)).unwrap();
    assert_eq!(p.total_vat, d("880.00"));
    let bad = QuoteInput { items: vec![ItemInput { vat: VatChoice::Exempt, ..item(1) }], ..input };
    assert!(price(&bad, &ctx(&m, false)).unwrap_err().get("items.0.vat").is_some());
}

#[test]
fn lines_are_rounded_one_by_one_half_away_from_zero() {
    let m = catalogue();
    // 3 × 0.335 = 1.005 → 1.01; its VAT 20 % = 0.202 → 0.20
    let input = QuoteInput {
        participants: 1,
        structures: 1,
        items: vec![ItemInput { quantity: Some(d("3")), unit_price: Some(d("0.335")), ..item(4) }],
        ..Default::default()
    };
    let p = price(&input, &ctx(&m, true)).unwrap();
    assert_eq!(p.lines[0].total_ht, d("1.01"));
    assert_eq!(p.lines[0].vat, d("0.20"));
    assert_eq!(p.total_ttc, d("1.21"));
    assert_eq!(cents(d("-1.005")), d("-1.01"));
}

#[test]
fn discounts_cannot_exceed_the_price() {
    let m = catalogue();
    let input = QuoteInput {
        participants: 10,
        structures: 1,
        items: vec![ItemInput { discount_percent: d("10"), ..item(1) }],
        ..Default::default()
    };
    assert_eq!(price(&input, &ctx(&m, true)).unwrap().total_ht, d("3960.00"));
    let too_much = QuoteInput { items: vec![ItemInput { discount_amount: d("5000"), ..item(1) }], ..input.clone() };
    assert!(price(&too_much, &ctx(&m, true)).unwrap_err().get("items.0.discount_amount").is_some());
    let over_100 = QuoteInput { items: vec![ItemInput { discount_percent: d("120"), ..item(1) }], ..input };
    assert!(price(&over_100, &ctx(&m, true)).unwrap_err().get("items.0.discount_percent").is_some());
}

#[test]
fn zero_or_negative_quantities_and_unknown_modules_are_refused() {
    let m = catalogue();
    let base = QuoteInput { participants: 10, structures: 1, ..Default::default() };
    let e = price(
        &QuoteInput { items: vec![ItemInput { quantity: Some(d("0")), ..item(1) }], ..base.clone() },
        &ctx(&m, true),
    )
    .unwrap_err();
    assert!(e.get("items.0.quantity").is_some());
    let e = price(&QuoteInput { items: vec![item(99)], ..base.clone() }, &ctx(&m, true)).unwrap_err();
    assert!(e.get("items").unwrap().contains("n'existe pas"));
    let e = price(&QuoteInput { participants: 0, items: vec![item(1)], ..base }, &ctx(&m, true)).unwrap_err();
    assert!(e.get("participants").is_some());
}

#[test]
fn travel_is_distance_times_two_times_trips_times_rate() {
    let m = catalogue();
    let input = QuoteInput {
        participants: 10,
        structures: 3,
        items: vec![item(1)],
        travel: TravelInput {
            mode: TravelMode::PerKm,
            distance_km: None,
            trips: None,
            rate_per_km: d("0.50"),
            flat_amount: Decimal::ZERO,
        },
        ..Default::default()
    };
    let e = price(&input, &ctx(&m, true)).unwrap_err();
    assert!(e.get("travel.distance_km").is_some(), "no distance, no coordinates");
    let c = Context { org_vat_exempt: true, modules: &m, computed_distance_km: Some(d("40")) };
    let p = price(&input, &c).unwrap();
    let travel = p.lines.iter().find(|l| l.kind == LineKind::Travel).unwrap();
    // 4 training days = 4 round trips of 2 × 40 km
    assert_eq!(travel.quantity, d("320"));
    assert_eq!(travel.total_ht, d("160.00"));
    assert!(travel.vat_exempt, "accessory costs follow the exempt training");
    assert!(travel.detail.contains("vol d'oiseau"));
}

#[test]
fn the_whole_cycle_for_ten_from_three_structures_with_60_percent_opco() {
    let m = catalogue();
    let input = QuoteInput {
        participants: 10,
        structures: 3,
        items: vec![
            item(1),
            ItemInput { quantity: Some(d("2")), ..item(2) },
            item(3),
            ItemInput { quantity: Some(d("5")), ..item(4) },
        ],
        structure_fee: d("150"),
        travel: TravelInput {
            mode: TravelMode::PerKm,
            distance_km: Some(d("42")),
            trips: Some(12),
            rate_per_km: d("0.45"),
            flat_amount: Decimal::ZERO,
        },
        meals: CountPrice { count: 12, unit_price: d("18.50") },
        lodging: CountPrice { count: 2, unit_price: d("85") },
        funding: Some(FundingInput {
            opco_name: "OPCO EP".into(),
            file_number: "EP-2026-123".into(),
            mode: FundingMode::Share,
            amount: Decimal::ZERO,
            share_percent: d("60"),
            subrogation: true,
            opco_siren: String::new(),
        }),
        ..Default::default()
    };
    let p = price(&input, &ctx(&m, true)).unwrap();
    // culture 4 × 1100 + 2 conferences × 450 + usage 6 × 550 (exempt) + AMO 5 × 700 (20 %)
    // + coordination 2 × 150 + travel 12 × 2 × 42 km × 0.45 + 12 meals × 18.50 + 2 nights × 85: the
    // accessory costs follow the exempt training, not the AMO line beside it.
    assert_eq!(p.lines.len(), 8);
    let ht = d("4400") + d("900") + d("3300") + d("3500") + d("300") + d("453.60") + d("222") + d("170");
    assert_eq!(p.total_ht, ht);
    assert!(p.lines.iter().filter(|l| l.kind != LineKind::Module).all(|l| l.vat_exempt));
    assert_eq!(p.total_vat, d("700.00"), "only the AMO carries VAT");
    assert_eq!(p.total_ttc, ht + d("700"));
    // The convention covers the trainings and their costs; the OPCO funds 60 % of it.
    let convention = d("4400") + d("3300") + d("300") + d("453.60") + d("222") + d("170");
    assert_eq!((p.convention_ht, p.convention_ttc), (convention, convention));
    let f = p.funding.as_ref().unwrap();
    assert_eq!(f.opco_amount, cents(convention * d("0.6")));
    assert_eq!(f.opco_amount + f.client_amount, p.convention_ttc);
    assert_eq!(p.client_amount, p.total_ttc - f.opco_amount);
    assert_eq!(p.vat_groups.len(), 2);
    assert_eq!(p.training_hours, d("52"));
}

#[test]
fn funding_can_never_exceed_the_total() {
    let m = catalogue();
    let input = QuoteInput {
        participants: 10,
        structures: 1,
        items: vec![item(1)],
        funding: Some(FundingInput {
            opco_name: "Akto".into(),
            mode: FundingMode::Amount,
            amount: d("5000"),
            ..Default::default()
        }),
        ..Default::default()
    };
    let e = price(&input, &ctx(&m, true)).unwrap_err();
    assert!(e.get("funding.amount").unwrap().contains("dépasse"));
    let share = QuoteInput {
        funding: Some(FundingInput {
            opco_name: "Akto".into(),
            mode: FundingMode::Share,
            share_percent: d("150"),
            ..Default::default()
        }),
        ..input
    };
    assert!(price(&share, &ctx(&m, true)).unwrap_err().get("funding.share_percent").is_some());
}

#[test]
fn distances_are_computed_on_the_great_circle() {
    // Angoulême → Cognac ≈ 38 km as the crow flies.
    let km = distance_km((45.6484, 0.1562), (45.6958, -0.3287));
    assert!(km >= d("37") && km <= d("39"), "{km}");
}
