//! What the pages and the API do alike: price an input against the organisation's catalogue and
//! places, create and change quotes, answer a client's link.

use std::collections::HashMap;

use rust_decimal::Decimal;

use crate::db::Db;
use crate::error::{AppError, FieldErrors};
use crate::quote::pricing::{self, Context, Priced, PricedModule};
use crate::quote::store::{self, Quote};
use crate::quote::{QuoteInput, TravelMode, today};

/// The distance from the quote's intervenant to its client, when both have coordinates.
async fn computed_distance(db: &Db, org_id: i64, input: &QuoteInput) -> Result<Option<Decimal>, AppError> {
    let Some(iid) = input.intervenant_id else { return Ok(None) };
    let interv = crate::intervenant::store::get(db, org_id, iid)
        .await
        .map_err(|_| AppError::invalid("intervenant_id", "Cet intervenant n'existe pas dans votre organisation."))?;
    let client = match crate::client::store::get(db, org_id, input.client_id).await {
        Ok(c) => c,
        Err(_) => return Ok(None),
    };
    Ok(match (interv.latitude, interv.longitude, client.latitude, client.longitude) {
        (Some(a), Some(b), Some(c), Some(d)) => Some(pricing::distance_km((a, b), (c, d))),
        _ => None,
    })
}

/// Checks and prices an input; `new` when it creates a quote (the validity must not be past).
pub async fn prepare(db: &Db, org_id: i64, mut input: QuoteInput, new: bool) -> Result<(QuoteInput, Priced), AppError> {
    let org = crate::org::store::get(db, org_id).await?;
    let mut errors = input.check(today(), new);
    if input.client_id > 0 && crate::client::store::get(db, org_id, input.client_id).await.is_err() {
        errors.add("client_id", "Ce client n'existe pas dans votre organisation.");
    }
    let mut modules = HashMap::new();
    for m in crate::catalogue::store::list(db, org_id, true).await? {
        let version_id = crate::catalogue::store::version(db, org_id, m.id, m.version).await?.id;
        modules.insert(m.id, PricedModule { kind: m.kind, version_id, content: m.content });
    }
    let distance = if input.travel.mode == TravelMode::PerKm && input.travel.distance_km.is_none() {
        match computed_distance(db, org_id, &input).await {
            Ok(d) => d,
            Err(AppError::Invalid(e)) => {
                errors.0.extend(e.0);
                None
            }
            Err(e) => return Err(e),
        }
    } else {
        None
    };
    let ctx = Context { org_vat_exempt: org.vat_exempt, modules: &modules, computed_distance_km: distance };
    match pricing::price(&input, &ctx) {
        Ok(priced) if errors.is_empty() => Ok((input, priced)),
        Ok(_) => Err(AppError::Invalid(errors)),
        Err(more) => {
            let mut all: FieldErrors = errors;
            all.0.extend(more.0);
            Err(AppError::Invalid(all))
        }
    }
}

pub async fn create(db: &Db, org_id: i64, user_id: i64, input: QuoteInput) -> Result<Quote, AppError> {
    let (input, priced) = prepare(db, org_id, input, true).await?;
    store::create(db, org_id, Some(user_id), &input, &priced).await
}

pub async fn update(db: &Db, org_id: i64, id: i64, user_id: i64, input: QuoteInput) -> Result<Quote, AppError> {
    let q = store::get(db, org_id, id).await?;
    crate::quote::allowed(q.status, crate::quote::Action::Edit).map_err(|m| AppError::Conflict(m.into()))?;
    let (input, priced) = prepare(db, org_id, input, true).await?;
    store::update_draft(db, org_id, id, Some(user_id), &input, &priced).await
}

/// Sends a draft: returns the quote and the client's secret link (shown once).
pub async fn send(db: &Db, org_id: i64, id: i64, base_url: &str) -> Result<(Quote, String), AppError> {
    let token = crate::auth::random_token();
    let q = store::send(db, org_id, id, &token).await?;
    Ok((q, format!("{base_url}/acces-devis/{token}")))
}

/// A new link for a sent quote (the previous one stops working).
pub async fn new_link(db: &Db, org_id: i64, id: i64, base_url: &str) -> Result<(Quote, String), AppError> {
    let q = store::get(db, org_id, id).await?;
    if q.status != crate::quote::Status::Sent {
        return Err(AppError::Conflict("Seul un devis envoyé et en attente de réponse a un lien.".into()));
    }
    let token = crate::auth::random_token();
    store::set_link(db, org_id, id, &token).await?;
    Ok((q, format!("{base_url}/acces-devis/{token}")))
}

/// Checks the name given on an acceptance page.
pub fn check_decider(name: &str) -> Result<String, AppError> {
    let mut e = FieldErrors::new();
    let n = crate::text::check_text(&mut e, "name", name, true, 200);
    e.into_result(n)
}

/// E-mails the client's contacts the link of a sent quote; false when no contact has an address.
pub async fn mail_link(db: &Db, org_id: i64, q: &Quote, link: &str) -> Result<bool, AppError> {
    let org = crate::org::store::get(db, org_id).await?;
    let contacts = crate::client::store::contacts(db, org_id, q.client_id).await?;
    let mut sent = false;
    for c in contacts.iter().filter(|c| !c.email.is_empty()) {
        let mail = crate::mail::Mail {
            to: c.email.clone(),
            to_name: c.name.clone(),
            subject: format!("Devis {} — {}", q.number, q.title),
            body: format!(
                "Bonjour {},\n\n{} vous adresse le devis n° {} « {} » ({} TTC), valable jusqu'au {}.\n\nVous pouvez le lire, le télécharger en PDF, puis l'accepter ou le refuser en ligne, sans créer de compte :\n{link}\n\n{}",
                c.name,
                org.name,
                q.number,
                q.title,
                crate::money::euros(q.total_ttc),
                crate::fr::date_long(q.valid_until),
                org.pedagogical_contact
            ),
            attachments: vec![],
        };
        crate::mail::queue(db, Some(org_id), &mail, Some(&format!("devis:{}:{}:{}", q.id, q.version, c.email))).await?;
        sent = true;
    }
    Ok(sent)
}
