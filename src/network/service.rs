//! What pages and API both do: create a territory, add a retour, request and answer a mise en lien.

use super::store;
use super::*;

use crate::committee::matching::{self};
use crate::cycle::store::{self as cycles};
use crate::error::{AppError, FieldErrors};
use crate::state::AppState;

pub async fn do_create_territory(s: &AppState, org: Option<i64>, f: &TerritoryForm) -> Result<i64, AppError> {
    let mut e = FieldErrors::new();
    let name = crate::text::check_text(&mut e, "name", &f.name, true, 120);
    if !TERRITORY_KINDS.iter().any(|(k, _)| *k == f.kind) {
        e.add("kind", "Choisissez le type de territoire.");
    }
    let codes = match check_codes(&f.kind, &f.codes) {
        Ok(c) => c,
        Err(m) => {
            e.add("codes", m);
            String::new()
        }
    };
    let (name, codes) = e.into_result((name, codes))?;
    if store::territory_named(&s.db, &name).await?.is_some() {
        return Err(AppError::invalid("name", "Un territoire porte déjà ce nom."));
    }
    store::insert_territory(&s.db, &name, &f.kind, &codes, org).await
}

pub async fn do_add_retour(s: &AppState, org: i64, cycle_id: i64, f: &RetourForm) -> Result<i64, AppError> {
    cycles::get(&s.db, org, cycle_id).await?;
    let mut e = FieldErrors::new();
    let title = crate::text::check_text(&mut e, "title", &f.title, true, 200);
    let problem = crate::text::check_text(&mut e, "problem", &f.problem, true, 5000);
    let done = crate::text::check_text(&mut e, "done", &f.done, true, 5000);
    let result = crate::text::check_text(&mut e, "result", &f.result, false, 5000);
    let tags = matching::tags(&f.tags);
    if tags.is_empty() {
        e.add(
            "tags",
            "Donnez au moins un mot-clé du problème (par exemple : messagerie) : c'est lui qui rapproche les comités.",
        );
    }
    let (title, problem, done, result) = e.into_result((title, problem, done, result))?;
    let publish = f.publish.as_deref().is_some_and(|v| !v.is_empty() && v != "false");
    let retour = store::NewRetour { title, problem, done, result, tags: tags.join(", "), publish };
    store::insert_retour(&s.db, org, cycle_id, &retour).await
}

/// Asks for a mise en lien with a committee found by the matching (shared with the API).
pub async fn do_request(s: &AppState, org: i64, cycle_id: i64, f: &LinkForm) -> Result<i64, AppError> {
    cycles::get(&s.db, org, cycle_id).await?;
    if f.to_cycle == cycle_id {
        return Err(AppError::invalid("to_cycle", "Un comité ne peut pas demander une mise en lien avec lui-même."));
    }
    let mut e = FieldErrors::new();
    let message = crate::text::check_text(&mut e, "message", &f.message, false, 2000);
    let message = e.into_result(message)?;
    // Only a committee that can be found in the network can be asked.
    let to_org = store::visible_cycle_org(&s.db, f.to_cycle)
        .await?
        .ok_or_else(|| AppError::invalid("to_cycle", "Ce comité n'est pas visible dans le réseau."))?;
    if store::link_between(&s.db, cycle_id, f.to_cycle).await?.is_some() {
        return Err(AppError::Conflict("Une mise en lien existe déjà entre ces deux comités.".into()));
    }
    store::insert_link(&s.db, (org, cycle_id), (to_org, f.to_cycle), &message).await
}

/// The asked side accepts or refuses (shared with the API).
pub async fn do_answer(s: &AppState, org: i64, cycle_id: i64, link: i64, accept: bool) -> Result<(), AppError> {
    let status = store::asked_link_status(&s.db, org, cycle_id, link).await?.ok_or(AppError::NotFound)?;
    if status != "requested" {
        return Err(AppError::Conflict("Cette demande a déjà reçu une réponse.".into()));
    }
    store::set_link_status(&s.db, link, if accept { "accepted" } else { "refused" }).await
}
