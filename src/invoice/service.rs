//! What the pages and the API do alike with invoices: issue them from an accepted quote (deposit,
//! final, the OPCO's share), issue credit notes, record payments, remind overdue invoices.

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::audit::Actor;
use crate::auth::CurrentUser;
use crate::error::{AppError, FieldErrors};
use crate::invoice::store::{self, Billing, Invoice, NewInvoice, NewPayment};
use crate::invoice::{
    Allowance, Document, InvoiceLine, Kind, Party, Payer, Seller, Vat, credit_lines, due_date, legal_notes, siren_of,
    totals, unit_code,
};
use crate::money::cents;
use crate::quote::Status;
use crate::quote::pricing::{Line, Priced};
use crate::quote::store::{Quote, QuoteVersion};
use crate::state::AppState;

/// The day of `ts` in Paris (invoices are dated in the organisation's country).
pub fn day_of(ts: i64) -> NaiveDate {
    crate::fr::local(ts, crate::fr::DEFAULT_TZ).date_naive()
}

fn seller(org: &crate::org::Organisation, b: &Billing) -> Seller {
    Seller {
        party: Party {
            name: org.name.clone(),
            siren: siren_of(&org.siret),
            siret: org.siret.clone(),
            vat_number: org.vat_number.clone(),
            address: org.address.clone(),
            postal_code: org.postal_code.clone(),
            city: org.city.clone(),
            country: "FR".into(),
            email: org.email.clone(),
        },
        nda: org.nda.clone(),
        iban: b.iban.clone(),
        bic: b.bic.clone(),
        vat_on_debits: b.vat_on_debits,
    }
}

async fn client_party(s: &AppState, org: i64, client_id: i64) -> Result<Party, AppError> {
    let c = crate::client::store::get(&s.db, org, client_id).await?;
    let email = crate::client::store::contacts(&s.db, org, client_id)
        .await?
        .into_iter()
        .map(|k| k.email)
        .find(|e| !e.is_empty())
        .unwrap_or(c.email.clone());
    Ok(Party {
        name: c.name,
        siren: siren_of(&c.siret),
        siret: c.siret,
        vat_number: String::new(),
        address: c.address,
        postal_code: c.postal_code,
        city: c.city,
        country: "FR".into(),
        email,
    })
}

/// An accepted quote and the version that was accepted.
async fn accepted(s: &AppState, org: i64, quote_id: i64) -> Result<(Quote, QuoteVersion), AppError> {
    let q = crate::quote::store::get(&s.db, org, quote_id).await?;
    if q.status != Status::Accepted {
        return Err(AppError::Conflict(format!(
            "Le devis {} est « {} » : on ne facture qu'un devis accepté.",
            q.number,
            q.status.label().to_lowercase()
        )));
    }
    let v = crate::quote::store::version(&s.db, org, q.id, q.decided_version.unwrap_or(q.version)).await?;
    Ok((q, v))
}

fn vat_of(l: &Line) -> Vat {
    Vat::of(l.vat_rate, l.vat_exempt)
}

/// The amounts excl. VAT of a quote by (training, VAT category).
fn buckets(p: &Priced) -> Vec<(bool, Vat, Decimal)> {
    let mut out: Vec<(bool, Vat, Decimal)> = Vec::new();
    for l in &p.lines {
        let key = (l.in_convention(), vat_of(l));
        match out.iter_mut().find(|(t, v, _)| (*t, v.clone()) == key) {
            Some(b) => b.2 += l.total_ht,
            None => out.push((key.0, key.1, l.total_ht)),
        }
    }
    out
}

/// The OPCO's share, excl. VAT, spread over the convention's VAT categories in proportion to their
/// amounts incl. VAT (the last takes the rounding's remainder).
fn opco_allocation(p: &Priced) -> Vec<(Vat, Decimal)> {
    let Some(f) = p.funding.as_ref().filter(|f| f.opco_amount > Decimal::ZERO) else {
        return Vec::new();
    };
    let conv: Vec<(Vat, Decimal)> = buckets(p).into_iter().filter(|(t, _, _)| *t).map(|(_, v, b)| (v, b)).collect();
    let ttc = |v: &Vat, b: Decimal| b + cents(b * v.rate / Decimal::from(100));
    let total: Decimal = conv.iter().map(|(v, b)| ttc(v, *b)).sum();
    let mut left = f.opco_amount;
    let mut out = Vec::new();
    for (i, (v, b)) in conv.iter().enumerate() {
        let share_ttc =
            if i + 1 == conv.len() || total.is_zero() { left } else { cents(f.opco_amount * ttc(v, *b) / total) };
        left -= share_ttc;
        out.push((v.clone(), cents(share_ttc * Decimal::from(100) / (Decimal::from(100) + v.rate))));
    }
    out
}

fn subrogation(p: &Priced) -> bool {
    p.funding.as_ref().is_some_and(|f| f.subrogation && f.opco_amount > Decimal::ZERO)
}

/// What the client pays of each (training, VAT) bucket: under subrogation, less the OPCO's share.
fn client_buckets(p: &Priced) -> Vec<(bool, Vat, Decimal)> {
    let opco = if subrogation(p) { opco_allocation(p) } else { Vec::new() };
    buckets(p)
        .into_iter()
        .map(|(t, v, b)| {
            let o: Decimal =
                if t { opco.iter().filter(|(ov, _)| *ov == v).map(|(_, a)| *a).sum() } else { Decimal::ZERO };
            (t, v, b - o)
        })
        .collect()
}

struct Base {
    org: crate::org::Organisation,
    billing: Billing,
    issued_at: i64,
    today: NaiveDate,
}

async fn base(s: &AppState, org: i64) -> Result<Base, AppError> {
    let issued_at = s.now();
    Ok(Base {
        org: crate::org::store::get(&s.db, org).await?,
        billing: store::billing(&s.db, org).await?,
        issued_at,
        today: day_of(issued_at),
    })
}

fn document(
    b: &Base,
    kind: Kind,
    buyer: Party,
    q: Option<(&Quote, &QuoteVersion)>,
    lines: Vec<InvoiceLine>,
    allowances: Vec<Allowance>,
) -> Document {
    let totals = totals(&lines, &allowances);
    let exempt = totals.vat_totals.iter().any(|g| g.vat.is_exempt());
    let due = due_date(b.today, b.billing.payment_days);
    let input = q.map(|(_, v)| &v.input);
    let delivery =
        input.filter(|i| !i.location.trim().is_empty() && i.location.trim() != buyer.city.trim()).map(|i| Party {
            name: buyer.name.clone(),
            address: i.location.trim().to_string(),
            country: "FR".into(),
            ..Party::default()
        });
    let terms = input.map(|i| i.payment_terms.trim().to_string()).filter(|t| !t.is_empty());
    Document {
        kind,
        number: String::new(),
        issue_date: b.today,
        due_date: due,
        seller: seller(&b.org, &b.billing),
        buyer,
        delivery,
        operation: "Prestation de services".into(),
        title: input.map(|i| i.title.clone()).unwrap_or_default(),
        period_start: input.and_then(|i| i.start_date),
        period_end: input.and_then(|i| i.end_date),
        quote_number: q.map(|(q, _)| q.number.clone()),
        convention_number: q.and_then(|(q, _)| q.convention_number.clone()),
        opco_file: None,
        credited_number: None,
        credited_date: None,
        lines,
        allowances,
        totals,
        payment_terms: match terms {
            Some(t) => format!("{t} Échéance : le {}.", crate::fr::date_long(due)),
            None => format!("Paiement au plus tard le {}.", crate::fr::date_long(due)),
        },
        notes: legal_notes(&b.billing.late_rate, b.billing.vat_on_debits, exempt),
    }
}

async fn issue(s: &AppState, org: i64, user: &CurrentUser, inv: NewInvoice, what: &str) -> Result<Invoice, AppError> {
    let at = inv.issued_at;
    let id = store::issue(&s.db, org, inv).await?;
    let invoice = store::get(&s.db, org, id).await?;
    crate::audit::record(
        &s.db,
        Some(org),
        at,
        &Actor::user(user.id(), &user.user.name, user.role()),
        crate::audit::Event {
            action: "invoice.issue",
            subject: "invoice",
            subject_id: Some(id),
            reason: "",
            details: format!(
                "{what} {} — {} — {}",
                invoice.number,
                invoice.buyer_name,
                crate::money::euros(invoice.total_ttc)
            ),
        },
    )
    .await?;
    Ok(invoice)
}

/// Issues a deposit invoice of `percent` % of what the client pays (less the OPCO's share under
/// subrogation), at the signature of the convention; deposits never pass 100 %.
pub async fn deposit(s: &AppState, user: &CurrentUser, quote_id: i64, percent: Decimal) -> Result<Invoice, AppError> {
    let org = user.coordinator_org()?;
    if percent <= Decimal::ZERO || percent > Decimal::from(100) {
        return Err(AppError::invalid("percent", "Le pourcentage de l'acompte est compris entre 1 et 100."));
    }
    let (q, v) = accepted(s, org, quote_id).await?;
    let done: Decimal = store::of_quote(&s.db, org, q.id)
        .await?
        .iter()
        .filter(|i| i.kind == Kind::Deposit)
        .map(|i| i.total_ttc - i.credited)
        .sum();
    let b = base(s, org).await?;
    let mut lines = Vec::new();
    for (training, vat, amount) in client_buckets(&v.priced) {
        let part = cents(amount * percent / Decimal::from(100));
        if part <= Decimal::ZERO {
            continue;
        }
        lines.push(InvoiceLine {
            label: format!(
                "Acompte de {} % — {}{}",
                crate::fr::decimal(percent),
                v.input.title,
                if training { " (formation)" } else { " (autres prestations)" }
            ),
            detail: format!("Devis n° {}", q.number),
            quantity: Decimal::ONE,
            unit: "forfait".into(),
            unit_code: "C62".into(),
            unit_price: part,
            amount: part,
            discount: Decimal::ZERO,
            vat,
            training,
        });
    }
    if lines.is_empty() {
        return Err(AppError::Conflict("Il ne reste rien à la charge du client : pas d'acompte à facturer.".into()));
    }
    let buyer = client_party(s, org, v.input.client_id).await?;
    let doc = document(&b, Kind::Deposit, buyer, Some((&q, &v)), lines, Vec::new());
    let owed: Decimal = client_buckets(&v.priced)
        .iter()
        .map(|(_, vat, amount)| amount + cents(amount * vat.rate / Decimal::from(100)))
        .sum();
    if done + doc.totals.ttc > owed {
        return Err(AppError::invalid(
            "percent",
            format!(
                "Les acomptes dépasseraient ce que le client doit ({} déjà facturés sur {}).",
                crate::money::euros(done),
                crate::money::euros(owed)
            ),
        ));
    }
    let inv = NewInvoice {
        kind: Kind::Deposit,
        payer: Payer::Client,
        quote_id: Some(q.id),
        client_id: v.input.client_id,
        credited_id: None,
        issued_at: b.issued_at,
        issued_by: Some(user.id()),
        document: doc,
    };
    issue(s, org, user, inv, "Facture d'acompte").await
}

/// The training of a quote is over: its cycle's last session ended (or, without a cycle, the end
/// of the period the quote gives).
async fn training_over(s: &AppState, org: i64, q: &Quote, v: &QuoteVersion, now: i64) -> Result<Option<i64>, AppError> {
    match store::cycle_of_quote(&s.db, org, q.id).await? {
        Some((cycle, Some(end))) if end <= now => Ok(Some(cycle)),
        Some((_, Some(end))) => Err(AppError::Conflict(format!(
            "La formation n'est pas terminée : sa dernière séance finit le {}. La facture se fait après.",
            crate::fr::date_time(end, crate::fr::DEFAULT_TZ)
        ))),
        Some((_, None)) => Err(AppError::Conflict("Le cycle de ce devis n'a pas encore de séance.".into())),
        None => match v.input.end_date {
            Some(end) if end < day_of(now) => Ok(None),
            Some(end) => Err(AppError::Conflict(format!(
                "La formation court jusqu'au {} : la facture se fait après.",
                crate::fr::date_long(end)
            ))),
            None => Err(AppError::Conflict(
                "Ce devis n'a ni cycle ni période : indiquez la fin de la formation avant de la facturer.".into(),
            )),
        },
    }
}

/// The share of the planned trainee-hours actually attended, from the closed sheets of the cycle's
/// trainings, with the hours themselves.
async fn attended_ratio(s: &AppState, org: i64, cycle: i64) -> Result<(Decimal, i64, i64), AppError> {
    let (mut attended, mut planned) = (0i64, 0i64);
    for m in crate::cycle::store::modules(&s.db, org, cycle).await?.into_iter().filter(|m| m.kind.is_training()) {
        let ma = crate::attendance::documents::module_attendance(&s.db, org, cycle, m.id).await?;
        if !ma.unlocked().is_empty() {
            return Err(AppError::Conflict(format!(
                "« {} » a des feuilles d'émargement non closes : les heures réalisées ne sont pas définitives.",
                m.title
            )));
        }
        for p in &ma.people {
            attended += ma.attended(p.id);
            planned += ma.planned_minutes();
        }
    }
    if planned == 0 {
        return Err(AppError::Conflict("Aucune heure de formation n'est planifiée dans le cycle de ce devis.".into()));
    }
    Ok((Decimal::from(attended) / Decimal::from(planned), attended, planned))
}

/// The lines of the quote, as invoice lines; with `ratio`, the trainings' quantities are those
/// actually attended.
fn quote_lines(p: &Priced, ratio: Option<(Decimal, i64, i64)>) -> Vec<InvoiceLine> {
    p.lines
        .iter()
        .map(|l| {
            let (quantity, detail) = match ratio {
                Some((r, a, pl)) if l.is_training => (
                    (l.quantity * r).round_dp_with_strategy(4, rust_decimal::RoundingStrategy::MidpointAwayFromZero),
                    format!(
                        "{} ; heures réalisées : {} sur {} prévues",
                        l.detail,
                        crate::attendance::hours_text(a),
                        crate::attendance::hours_text(pl)
                    ),
                ),
                _ => (l.quantity, l.detail.clone()),
            };
            let gross = cents(quantity * l.unit_price);
            let discount = l.discount.min(gross);
            InvoiceLine {
                label: l.label.clone(),
                detail,
                quantity,
                unit: l.unit.clone(),
                unit_code: unit_code(&l.unit).into(),
                unit_price: l.unit_price,
                amount: gross - discount,
                discount,
                vat: vat_of(l),
                training: l.in_convention(),
            }
        })
        .collect()
}

/// Issues the invoice of the training to the client, after it: the convention's lines (or the hours
/// attended when `attended`), less the deposits invoiced, less the OPCO's share under subrogation.
pub async fn final_invoice(
    s: &AppState,
    user: &CurrentUser,
    quote_id: i64,
    attended: bool,
) -> Result<Invoice, AppError> {
    let org = user.coordinator_org()?;
    let (q, v) = accepted(s, org, quote_id).await?;
    let b = base(s, org).await?;
    let cycle = training_over(s, org, &q, &v, b.issued_at).await?;
    let existing = store::of_quote(&s.db, org, q.id).await?;
    if let Some(f) = existing.iter().find(|i| i.kind == Kind::Final && i.credited < i.total_ttc) {
        return Err(AppError::Conflict(format!(
            "Ce devis est déjà facturé : facture {}. Pour la refaire, annulez-la d'abord par un avoir.",
            f.number
        )));
    }
    let ratio = match (attended, cycle) {
        (true, Some(c)) => Some(attended_ratio(s, org, c).await?),
        (true, None) => {
            return Err(AppError::invalid("attended", "Sans cycle, il n'y a pas d'heures réalisées à facturer."));
        }
        _ => None,
    };
    let lines = quote_lines(&v.priced, ratio);
    let mut allowances = Vec::new();
    for d in existing.iter().filter(|i| i.kind == Kind::Deposit && i.credited < i.total_ttc) {
        let kept = if d.total_ttc.is_zero() { Decimal::ONE } else { (d.total_ttc - d.credited) / d.total_ttc };
        for l in &d.document.lines {
            allowances.push(Allowance {
                reason: format!("Acompte facturé n° {} du {}", d.number, crate::fr::date_long(d.issue_date)),
                amount: cents(l.amount * kept),
                vat: l.vat.clone(),
                training: l.training,
            });
        }
    }
    if subrogation(&v.priced)
        && let Some(f) = &v.priced.funding
    {
        for (vat, amount) in opco_allocation(&v.priced) {
            allowances.push(Allowance {
                reason: format!(
                    "Part prise en charge par {} (subrogation{}), facturée à l'OPCO",
                    f.opco_name,
                    if f.file_number.is_empty() { String::new() } else { format!(", dossier n° {}", f.file_number) }
                ),
                amount,
                vat,
                training: true,
            });
        }
    }
    let buyer = client_party(s, org, v.input.client_id).await?;
    let doc = document(&b, Kind::Final, buyer, Some((&q, &v)), lines, allowances);
    if doc.totals.ttc < Decimal::ZERO {
        return Err(AppError::Conflict(
            "Les acomptes dépassent ce qui est dû : annulez un acompte par un avoir avant la facture.".into(),
        ));
    }
    let inv = NewInvoice {
        kind: Kind::Final,
        payer: Payer::Client,
        quote_id: Some(q.id),
        client_id: v.input.client_id,
        credited_id: None,
        issued_at: b.issued_at,
        issued_by: Some(user.id()),
        document: doc,
    };
    issue(s, org, user, inv, "Facture").await
}

/// Issues the OPCO's share under subrogation, to the OPCO, after the training.
pub async fn opco_invoice(s: &AppState, user: &CurrentUser, quote_id: i64) -> Result<Invoice, AppError> {
    let org = user.coordinator_org()?;
    let (q, v) = accepted(s, org, quote_id).await?;
    let Some(f) = v.priced.funding.clone().filter(|_| subrogation(&v.priced)) else {
        return Err(AppError::Conflict(
            "Ce devis n'a pas de prise en charge par un OPCO avec subrogation : rien à facturer à un OPCO.".into(),
        ));
    };
    let b = base(s, org).await?;
    training_over(s, org, &q, &v, b.issued_at).await?;
    let existing = store::of_quote(&s.db, org, q.id).await?;
    if let Some(o) = existing.iter().find(|i| i.kind == Kind::Opco && i.credited < i.total_ttc) {
        return Err(AppError::Conflict(format!("La part de l'OPCO est déjà facturée : facture {}.", o.number)));
    }
    let client = client_party(s, org, v.input.client_id).await?;
    let lines: Vec<InvoiceLine> = opco_allocation(&v.priced)
        .into_iter()
        .map(|(vat, amount)| InvoiceLine {
            label: format!("Formation « {} » — prise en charge OPCO", v.input.title),
            detail: format!(
                "Stagiaires de {}{}",
                client.name,
                q.convention_number.as_ref().map(|c| format!(" (convention n° {c})")).unwrap_or_default()
            ),
            quantity: Decimal::ONE,
            unit: "forfait".into(),
            unit_code: "C62".into(),
            unit_price: amount,
            amount,
            discount: Decimal::ZERO,
            vat,
            training: true,
        })
        .collect();
    let buyer = Party {
        name: f.opco_name.clone(),
        siren: siren_of(&v.input.funding.as_ref().map(|x| x.opco_siren.clone()).unwrap_or_default()),
        country: "FR".into(),
        ..Party::default()
    };
    let mut doc = document(&b, Kind::Opco, buyer, Some((&q, &v)), lines, Vec::new());
    doc.opco_file = Some(f.file_number.clone()).filter(|x| !x.is_empty());
    doc.delivery = Some(Party { name: client.name.clone(), ..client.clone() });
    doc.notes.push(crate::invoice::Note {
        subject: "REG".into(),
        text: format!(
            "Facture émise au titre de la subrogation de paiement{} : {} règle directement sa part de la formation de {}.",
            if f.file_number.is_empty() { String::new() } else { format!(" (prise en charge n° {})", f.file_number) },
            f.opco_name,
            client.name
        ),
    });
    let inv = NewInvoice {
        kind: Kind::Opco,
        payer: Payer::Opco,
        quote_id: Some(q.id),
        client_id: v.input.client_id,
        credited_id: None,
        issued_at: b.issued_at,
        issued_by: Some(user.id()),
        document: doc,
    };
    issue(s, org, user, inv, "Facture OPCO").await
}

/// Issues a credit note against an invoice: all of it (a cancellation) or `amount` incl. VAT (a
/// correction), with its reason; never more than what is left to credit.
pub async fn credit_note(
    s: &AppState,
    user: &CurrentUser,
    invoice_id: i64,
    amount: Option<Decimal>,
    reason: &str,
) -> Result<Invoice, AppError> {
    let org = user.coordinator_org()?;
    let original = store::get(&s.db, org, invoice_id).await?;
    if original.kind == Kind::Credit {
        return Err(AppError::Conflict("Un avoir ne s'annule pas par un autre avoir.".into()));
    }
    let mut e = FieldErrors::new();
    let reason = crate::text::check_text(&mut e, "reason", reason, true, 300);
    let left = original.total_ttc - original.credited;
    match amount {
        Some(a) if a <= Decimal::ZERO => e.add("amount", "Le montant de l'avoir est positif."),
        Some(a) if cents(a) > left => e.add(
            "amount",
            format!("L'avoir dépasse ce qui reste de la facture {} ({}).", original.number, crate::money::euros(left)),
        ),
        None if left <= Decimal::ZERO => e.add("amount", "Cette facture est déjà entièrement annulée."),
        _ => {}
    }
    e.into_result(())?;
    let b = base(s, org).await?;
    let full = amount.is_none() && original.credited.is_zero();
    let lines = if full {
        // The whole invoice again, line by line.
        original.document.lines.clone()
    } else {
        credit_lines(&original.document, Some(amount.map(cents).unwrap_or(left)), &reason)
    };
    let allowances = if full { original.document.allowances.clone() } else { Vec::new() };
    let mut doc = Document {
        credited_number: Some(original.number.clone()),
        credited_date: Some(original.issue_date),
        opco_file: original.document.opco_file.clone(),
        delivery: original.document.delivery.clone(),
        title: original.document.title.clone(),
        period_start: original.document.period_start,
        period_end: original.document.period_end,
        quote_number: original.document.quote_number.clone(),
        convention_number: original.document.convention_number.clone(),
        ..document(&b, Kind::Credit, original.document.buyer.clone(), None, lines, allowances)
    };
    doc.payment_terms = format!(
        "Avoir sur la facture n° {} du {} : {reason}.",
        original.number,
        crate::fr::date_long(original.issue_date)
    );
    let inv = NewInvoice {
        kind: Kind::Credit,
        payer: original.payer,
        quote_id: original.quote_id,
        client_id: original.client_id,
        credited_id: Some(original.id),
        issued_at: b.issued_at,
        issued_by: Some(user.id()),
        document: doc,
    };
    issue(s, org, user, inv, "Avoir").await
}

/// The means of payment.
pub const MEANS: [(&str, &str); 5] = [
    ("virement", "Virement"),
    ("cheque", "Chèque"),
    ("carte", "Carte bancaire"),
    ("prelevement", "Prélèvement"),
    ("especes", "Espèces"),
];

/// Records a payment: never more than what is still due, never dated in the future.
#[allow(clippy::too_many_arguments)]
pub async fn pay(
    s: &AppState,
    user: &CurrentUser,
    invoice_id: i64,
    paid_on: &str,
    amount: &str,
    means: &str,
    reference: &str,
) -> Result<Invoice, AppError> {
    let org = user.coordinator_org()?;
    let inv = store::get(&s.db, org, invoice_id).await?;
    let mut e = FieldErrors::new();
    if inv.kind == Kind::Credit {
        return Err(AppError::Conflict("Un avoir ne se paie pas : il réduit ce que doit la facture.".into()));
    }
    let today = day_of(s.now());
    let date = NaiveDate::parse_from_str(paid_on.trim(), "%Y-%m-%d").ok();
    match date {
        None => e.add("paid_on", "Indiquez la date du paiement (AAAA-MM-JJ)."),
        Some(d) if d > today => {
            e.add("paid_on", "Un paiement se note une fois reçu : la date ne peut pas être à venir.")
        }
        _ => {}
    }
    let value: Option<Decimal> =
        amount.trim().replace([' ', '\u{a0}', '\u{202f}', '€'], "").replace(',', ".").parse().ok();
    match value {
        None => e.add("amount", "Indiquez le montant reçu, par exemple 1234,50."),
        Some(v) if v <= Decimal::ZERO => e.add("amount", "Le montant reçu est positif."),
        Some(v) if cents(v) > inv.balance => e.add(
            "amount",
            format!(
                "Ce paiement dépasse ce qui reste dû sur la facture {} ({}).",
                inv.number,
                crate::money::euros(inv.balance)
            ),
        ),
        _ => {}
    }
    if !MEANS.iter().any(|(c, _)| *c == means) {
        e.add("means", "Choisissez le moyen de paiement.");
    }
    let reference = crate::text::check_text(&mut e, "reference", reference, false, 200);
    e.into_result(())?;
    store::add_payment(
        &s.db,
        org,
        &NewPayment {
            invoice_id,
            paid_on: date.unwrap_or(today),
            amount: cents(value.unwrap_or_default()),
            means,
            reference: &reference,
            recorded_at: s.now(),
            recorded_by: Some(user.id()),
        },
    )
    .await?;
    store::get(&s.db, org, invoice_id).await
}

/// Cancels a payment recorded by mistake, with a reason (kept in the audit trail).
pub async fn cancel_payment(s: &AppState, user: &CurrentUser, payment_id: i64, reason: &str) -> Result<(), AppError> {
    let org = user.coordinator_org()?;
    let mut e = FieldErrors::new();
    let reason = crate::text::check_text(&mut e, "reason", reason, true, 300);
    e.into_result(())?;
    let p =
        store::payments(&s.db, org, None).await?.into_iter().find(|p| p.id == payment_id).ok_or(AppError::NotFound)?;
    store::cancel_payment(&s.db, org, payment_id, s.now(), &reason).await?;
    crate::audit::record(
        &s.db,
        Some(org),
        s.now(),
        &Actor::user(user.id(), &user.user.name, user.role()),
        crate::audit::Event {
            action: "payment.cancel",
            subject: "payment",
            subject_id: Some(payment_id),
            reason: &reason,
            details: format!("{} du {}", crate::money::euros(p.amount), crate::fr::date_long(p.paid_on)),
        },
    )
    .await
}

/// The overdue invoices of an organisation on `today`.
pub fn overdue(list: &[Invoice], today: NaiveDate) -> Vec<&Invoice> {
    list.iter().filter(|i| i.kind != Kind::Credit && crate::invoice::is_overdue(i.due_date, i.balance, today)).collect()
}

/// The daily reminders of overdue invoices, at the organisation's steps after the due date, each
/// once, through the outbox.
pub async fn remind_overdue(s: &AppState) -> Result<usize, AppError> {
    let today = day_of(s.now());
    let mut n = 0;
    let orgs = store::invoicing_orgs(&s.db).await?;
    for org in orgs {
        let b = store::billing(&s.db, org).await?;
        let days = crate::invoice::parse_days(&b.reminder_days);
        let name = crate::org::store::name_of(&s.db, org).await?.unwrap_or_default();
        for i in overdue(&store::all(&s.db, org).await?, today) {
            let Some(step) = crate::invoice::reminder_steps(i.due_date, today, &days).into_iter().last() else {
                continue;
            };
            let to = i.document.buyer.email.clone();
            if to.is_empty() {
                continue;
            }
            let mail = crate::mail::Mail {
                to,
                to_name: i.buyer_name.clone(),
                subject: format!("Relance : facture {} échue le {}", i.number, crate::fr::date_long(i.due_date)),
                body: format!(
                    "Bonjour,\n\nSauf erreur de notre part, la facture {} du {} ({}) arrivée à échéance le {} n'est pas \
                     entièrement réglée : il reste {} à payer.\n\nEn cas de retard, des pénalités et l'indemnité forfaitaire \
                     de 40 € pour frais de recouvrement sont dues (Code de commerce, L441-10).\n\nSi le paiement est en cours, \
                     merci de ne pas tenir compte de ce message.\n\n{name}",
                    i.number,
                    crate::fr::date_long(i.issue_date),
                    crate::money::euros(i.total_ttc),
                    crate::fr::date_long(i.due_date),
                    crate::money::euros(i.balance)
                ),
                attachments: Vec::new(),
            };
            if crate::mail::queue(&s.db, Some(org), &mail, Some(&format!("invoice-reminder:{}:{step}", i.id))).await? {
                n += 1;
            }
        }
    }
    Ok(n)
}
