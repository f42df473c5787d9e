//! What the pages and the API do alike with an intervenant's record: delete it (unless it is on the
//! records), and invite its account.

use crate::auth::CurrentUser;
use crate::auth::accounts::{Linked, link_intervenant, send_invitation};
use crate::error::AppError;
use crate::intervenant::store;
use crate::state::AppState;

/// Deletes a record that appears on nothing; one who gave sessions is deactivated instead.
pub async fn delete(s: &AppState, org: i64, id: i64) -> Result<(), AppError> {
    store::get(&s.db, org, id).await?;
    if store::has_records(&s.db, org, id).await? {
        return Err(AppError::Conflict(
            "Cette personne anime ou a animé des séances : sa fiche reste au dossier. Désactivez-la plutôt que de \
             la supprimer."
                .into(),
        ));
    }
    store::delete(&s.db, org, id).await
}

/// Creates or links the intervenant's account and sends the invitation through the outbox.
pub async fn invite(s: &AppState, user: &CurrentUser, id: i64) -> Result<Linked, AppError> {
    let org = user.coordinator_org()?;
    let actor = crate::audit::Actor::user(user.id(), &user.user.name, user.role());
    let linked = link_intervenant(&s.db, org, id, &actor, s.now(), &s.config.public_url()).await?;
    send_invitation(&s.db, org, &linked, "votre agenda d'intervenant·e, vos feuilles d'émargement et vos cycles")
        .await?;
    Ok(linked)
}
