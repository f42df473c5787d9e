//! The quote and the convention de formation as PDF.

use serde_json::{Value, json};

use crate::db::Db;
use crate::documents::{module_data, org_data, render};
use crate::error::AppError;
use crate::fr::{date_long, date_short, decimal as number};
use crate::money::euros;
use crate::org::{Organisation, VAT_EXEMPTION_MENTION};
use crate::quote::pricing::{LineKind, Priced};
use crate::quote::store::{Quote, QuoteVersion};
use crate::quote::{QuoteInput, Status};

async fn client_data(db: &Db, org_id: i64, client_id: i64) -> Result<Value, AppError> {
    let c = crate::client::store::get(db, org_id, client_id).await?;
    let contact = crate::client::store::contacts(db, org_id, client_id)
        .await?
        .first()
        .map(|k| if k.job_title.is_empty() { k.name.clone() } else { format!("{}, {}", k.name, k.job_title) })
        .unwrap_or_default();
    let address = [c.address.as_str(), &format!("{} {}", c.postal_code, c.city)]
        .iter()
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(", ");
    Ok(json!({"name": c.name, "address_line": address, "siret": c.siret, "contact": contact}))
}

/// Who pays what: in the convention, of its own part (the trainings and their costs); in the
/// quote, the OPCO's share of the training and what the client pays of the whole quote.
fn funding_rows(p: &Priced, convention: bool) -> Value {
    match &p.funding {
        None => Value::Null,
        Some(f) => {
            let mut rows = vec![json!(["Organisme financeur (OPCO)", f.opco_name])];
            if !f.file_number.is_empty() {
                rows.push(json!(["Numéro de dossier", f.file_number]));
            }
            rows.push(json!(["Prise en charge OPCO (formation)", euros(f.opco_amount)]));
            if convention {
                rows.push(json!(["Reste à la charge du client", euros(f.client_amount)]));
            } else {
                rows.push(json!(["Reste à la charge du client (ensemble du devis)", euros(p.client_amount)]));
            }
            rows.push(json!(["Paiement", if f.subrogation {
                "Subrogation de paiement : l'OPCO règle directement l'organisme de formation pour sa part ; le client règle le reste."
            } else {
                "Sans subrogation : le client règle la totalité et se fait rembourser par l'OPCO."
            }]));
            json!({"rows": rows})
        }
    }
}

fn period(input: &QuoteInput) -> String {
    match (input.start_date, input.end_date) {
        (Some(s), Some(e)) => format!("du {} au {}", date_long(s), date_long(e)),
        (Some(s), None) => format!("à partir du {}", date_long(s)),
        (None, Some(e)) => format!("jusqu'au {}", date_long(e)),
        (None, None) => "à convenir entre les parties".into(),
    }
}

async fn intervenant_name(db: &Db, org_id: i64, input: &QuoteInput) -> String {
    match input.intervenant_id {
        Some(id) => crate::intervenant::store::get(db, org_id, id).await.map(|i| i.full_name()).unwrap_or_default(),
        None => String::new(),
    }
}

/// The quote's version `v` as a PDF.
pub async fn quote_pdf(db: &Db, org: &Organisation, q: &Quote, v: &QuoteVersion) -> Result<Vec<u8>, AppError> {
    let (org_json, logo) = org_data(db, org).await?;
    let input = &v.input;
    let p = &v.priced;
    let mut facts = vec![
        json!([
            "Participants",
            format!(
                "{} personne{} de {} structure{}",
                input.participants,
                if input.participants > 1 { "s" } else { "" },
                input.structures,
                if input.structures > 1 { "s" } else { "" }
            )
        ]),
        json!(["Période prévisionnelle", period(input)]),
    ];
    if !input.location.is_empty() {
        facts.push(json!(["Lieu", input.location]));
    }
    let interv = intervenant_name(db, org.id, input).await;
    if !interv.is_empty() {
        facts.push(json!(["Intervenant·e", interv]));
    }
    let lines: Vec<Value> = p
        .lines
        .iter()
        .map(|l| {
            json!({
                "label": l.label,
                "detail": l.detail,
                "quantity": number(l.quantity),
                "unit": l.unit,
                "unit_price": crate::money::unit_price(l.unit_price),
                "discount": if l.discount.is_zero() { String::new() } else { format!("− {}", euros(l.discount)) },
                "vat": if l.vat_exempt { "exonéré".to_string() } else { format!("{} %", number(l.vat_rate)) },
                "total_ht": euros(l.total_ht),
            })
        })
        .collect();
    let decision = match (q.status, q.decided_version) {
        (Status::Accepted, Some(dv)) if dv == v.version => format!(
            "Accepté en ligne le {} par {} (adresse IP {}).",
            crate::fr::date(q.decided_at.unwrap_or_default()),
            q.decision_name.clone().unwrap_or_default(),
            q.decision_ip.clone().unwrap_or_default()
        ),
        (Status::Refused, Some(dv)) if dv == v.version => {
            format!(
                "Refusé en ligne le {} par {}.",
                crate::fr::date(q.decided_at.unwrap_or_default()),
                q.decision_name.clone().unwrap_or_default()
            )
        }
        _ => String::new(),
    };
    let data = json!({
        "title": format!("Devis {}", q.number),
        "reference": format!("Devis n° {} (version {})", q.number, v.version),
        "org": org_json,
        "client": client_data(db, org.id, input.client_id).await?,
        "quote": {
            "number": q.number, "version": v.version, "title": input.title,
            "date": crate::fr::date(v.created_at),
            "valid_until": date_long(input.valid_until.unwrap_or(q.valid_until)),
            "facts": facts,
        },
        "lines": lines,
        "totals": {
            "ht": euros(p.total_ht), "ttc": euros(p.total_ttc),
            "vat_groups": p.vat_groups.iter().filter(|g| !g.rate.is_zero()).map(|g| json!({"rate": format!("{} %", number(g.rate)), "base": euros(g.base), "vat": euros(g.vat)})).collect::<Vec<_>>(),
        },
        "exemption": if p.exemption_mention { format!("{VAT_EXEMPTION_MENTION} (lignes marquées « exonéré »).") } else { String::new() },
        "funding": funding_rows(p, false),
        "payment_terms": input.payment_terms,
        "notes": input.notes,
        "decision": decision,
    });
    render(crate::documents::QUOTE, data, logo).await
}

/// The convention de formation of an accepted quote.
pub async fn convention_pdf(db: &Db, org: &Organisation, q: &Quote, v: &QuoteVersion) -> Result<Vec<u8>, AppError> {
    if q.status != Status::Accepted {
        return Err(AppError::Conflict("La convention de formation s'établit à partir d'un devis accepté.".into()));
    }
    let (org_json, logo) = org_data(db, org).await?;
    let input = &v.input;
    let p = &v.priced;
    let mut modules = Vec::new();
    for l in p.lines.iter().filter(|l| l.is_training) {
        if let Some(vid) = l.module_version_id {
            let mv = crate::catalogue::store::version_by_id(db, org.id, vid).await?;
            let kind = l.module_kind.unwrap_or(crate::catalogue::ModuleKind::CultureTraining);
            modules.push(module_data(kind, &mv.content, org));
        }
    }
    if modules.is_empty() {
        return Err(AppError::Conflict(
            "Ce devis ne comporte aucune formation : il n'appelle pas de convention de formation.".into(),
        ));
    }
    let covered: Vec<_> = p.lines.iter().filter(|l| l.in_convention()).collect();
    let others: Vec<String> =
        p.lines.iter().filter(|l| !l.is_training && l.kind == LineKind::Module).map(|l| l.label.clone()).collect();
    let total_ht: rust_decimal::Decimal = covered.iter().map(|l| l.total_ht).sum();
    let total_vat: rust_decimal::Decimal = covered.iter().map(|l| l.vat).sum();
    let total_ttc: rust_decimal::Decimal = covered.iter().map(|l| l.total_ttc).sum();
    let methods = p.lines.iter().filter(|l| l.is_training).filter_map(|l| l.module_version_id).next();
    let methods = match methods {
        Some(vid) => crate::catalogue::store::version_by_id(db, org.id, vid).await?.content.methods,
        None => String::new(),
    };
    let interv = intervenant_name(db, org.id, input).await;
    let title = p.lines.iter().filter(|l| l.is_training).map(|l| l.label.clone()).collect::<Vec<_>>().join(" et ");
    let data = json!({
        "title": format!("Convention {}", q.convention_number.clone().unwrap_or_default()),
        "reference": format!("Convention n° {} — devis n° {}", q.convention_number.clone().unwrap_or_default(), q.number),
        "number": q.convention_number,
        "quote_number": q.number,
        "accepted": crate::fr::date(q.decided_at.unwrap_or_default()),
        "date": date_short(crate::quote::today()),
        "org": org_json,
        "client": client_data(db, org.id, input.client_id).await?,
        "title_text": input.title,
        "modules": modules,
        "hours": format!("{} heures par stagiaire", number(p.training_hours)),
        "period": period(input),
        "location": if input.location.is_empty() { "dans les locaux de la structure accueillante".to_string() } else { input.location.clone() },
        "participants": format!("{} stagiaire{} ({} groupe{})", input.participants, if input.participants > 1 { "s" } else { "" }, p.groups, if p.groups > 1 { "s" } else { "" }),
        "methods": methods,
        "intervenant": if interv.is_empty() { String::new() } else { format!("Intervenant·e : {interv}.") },
        "lines": covered.iter().map(|l| json!({"label": l.label, "total_ht": euros(l.total_ht), "vat": if l.vat_exempt { "exonéré".to_string() } else { euros(l.vat) }, "total_ttc": euros(l.total_ttc)})).collect::<Vec<_>>(),
        "total_ht": euros(total_ht),
        "total_vat": euros(total_vat),
        "total_ttc": euros(total_ttc),
        "exemption": if covered.iter().any(|l| l.vat_exempt) { VAT_EXEMPTION_MENTION.to_string() } else { String::new() },
        "funding": funding_rows(p, true),
        "payment_terms": input.payment_terms,
        "other_lines": if others.is_empty() { String::new() } else { format!("Hors convention, le devis n° {} comprend aussi : {}.", q.number, others.join(", ")) },
    });
    let mut data = data;
    data["title"] = json!(title);
    render(crate::documents::CONVENTION, data, logo).await
}
