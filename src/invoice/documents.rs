//! The invoice as a Factur-X PDF: a PDF/A-3b printed from the document as issued, carrying its CII
//! XML (EN 16931) and the Factur-X XMP properties.

use serde_json::{Value, json};

use crate::error::AppError;
use crate::invoice::{Document, Kind, cii};
use crate::money::{euros, unit_price};

const INVOICE: &str = include_str!("../../pdf/invoice.typ");

fn day(d: chrono::NaiveDate) -> String {
    crate::fr::date_long(d)
}

/// What the template prints.
pub fn data(d: &Document, org_json: Value) -> Value {
    let credit = d.kind == Kind::Credit;
    let mut references = Vec::new();
    if let Some(q) = &d.quote_number {
        references.push(format!("Devis n° {q}"));
    }
    if let Some(c) = &d.convention_number {
        references.push(format!("Convention n° {c}"));
    }
    if let Some(f) = &d.opco_file {
        references.push(format!("Prise en charge OPCO n° {f}"));
    }
    let mut mentions: Vec<String> = d.notes.iter().map(|n| n.text.clone()).collect();
    if !d.seller.party.vat_number.is_empty() {
        mentions.push(format!("N° de TVA intracommunautaire : {}.", d.seller.party.vat_number));
    }
    json!({
        "title": d.title,
        "reference": format!("{} n° {} du {}", d.kind.label(), d.number, day(d.issue_date)),
        "org": org_json,
        "heading": d.kind.label(),
        "number": d.number,
        "issue_date": day(d.issue_date),
        "due_date": if credit { String::new() } else { day(d.due_date) },
        "credited": match (&d.credited_number, d.credited_date) {
            (Some(n), Some(when)) => format!("Avoir sur la facture n° {n} du {}", day(when)),
            _ => String::new(),
        },
        "references": references,
        "buyer": {
            "name": d.buyer.name,
            "address_line": d.buyer.address_line(),
            "siren": d.buyer.siren,
        },
        "delivery": d.delivery.as_ref().map(|p| p.address_line()).unwrap_or_default(),
        "period": match (d.period_start, d.period_end) {
            (Some(a), Some(b)) => format!("du {} au {}", day(a), day(b)),
            _ => String::new(),
        },
        "operation": d.operation.to_lowercase(),
        "lines": d.lines.iter().map(|l| json!({
            "label": l.label,
            "detail": l.detail,
            "quantity": crate::fr::decimal(l.quantity),
            "unit": l.unit,
            "unit_price": unit_price(l.unit_price),
            "vat": l.vat.label(),
            "discount": if l.discount.is_zero() { String::new() } else { format!("− {}", euros(l.discount)) },
            "amount": euros(l.amount),
        })).collect::<Vec<_>>(),
        "allowances": d.allowances.iter().map(|a| json!({"reason": a.reason, "vat": a.vat.label(), "amount": euros(a.amount)})).collect::<Vec<_>>(),
        "totals": {
            "lines": euros(d.totals.lines),
            "ht": euros(d.totals.ht),
            "ttc": euros(d.totals.ttc),
            "vat": d.totals.vat_totals.iter().map(|g| json!({
                "label": if g.vat.is_exempt() { format!("TVA exonérée sur {}", euros(g.base)) } else { format!("TVA {} sur {}", g.vat.label(), euros(g.base)) },
                "amount": euros(g.amount),
            })).collect::<Vec<_>>(),
        },
        "total_label": if credit { "Total de l'avoir TTC" } else { "Net à payer TTC" },
        "mentions": mentions,
        "payment_terms": d.payment_terms,
        "iban": if credit { String::new() } else { d.seller.iban.clone() },
        "bic": d.seller.bic,
    })
}

/// The Factur-X PDF of an issued invoice (created at `issued_at`: printed again, it is the same).
pub async fn pdf(db: &crate::db::Db, org_id: i64, d: &Document, issued_at: i64) -> Result<Vec<u8>, AppError> {
    let org = crate::org::store::get(db, org_id).await?;
    let (org_json, logo) = crate::documents::org_data(db, &org).await?;
    let mut files: Vec<acunum_pdf::File> = logo.into_iter().collect();
    files.push(acunum_pdf::File::new(cii::FILE_NAME, cii::xml(d).into_bytes()));
    let options = acunum_pdf::Options { pdf_a3b: true, xmp: Some(cii::xmp()), created_at: Some(issued_at) };
    crate::documents::render_archival(INVOICE, data(d, org_json), files, options).await
}
