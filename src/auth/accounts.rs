//! Accounts tied to the records they are: an intervenant's account to their intervenant record (their
//! agenda, their sheets), a client contact's account to their structure (their documents). Inviting
//! someone from their record creates the account, or links the one that already has their address,
//! and gives a link to choose a password (sent through the outbox).

use crate::audit::{Actor, Event, record};
use crate::auth::store::{self, NewUser};
use crate::auth::{Role, User};
use crate::db::Db;
use crate::error::AppError;

/// An account tied to its record.
pub struct Linked {
    pub user: User,
    /// The account was created now (rather than found).
    pub created: bool,
    /// Where the person chooses their password (48 hours).
    pub reset_link: String,
}

/// The account of `email` with `role` in `org`: the existing one, or a new one without a usable
/// password. An address used by an account of another role or organisation is refused.
async fn account_for(db: &Db, org: i64, email: &str, name: &str, role: Role) -> Result<(User, bool), AppError> {
    if email.trim().is_empty() {
        return Err(AppError::invalid("email", "Cette fiche n'a pas d'adresse e-mail : ajoutez-la d'abord."));
    }
    match store::user_by_email(db, email).await? {
        Some(u) if u.org_id == Some(org) && u.role() == role => Ok((u, false)),
        Some(_) => Err(AppError::Conflict(
            "Cette adresse a déjà un compte Acunum, avec un autre rôle ou dans une autre organisation : changez-le \
             depuis la page des utilisateurs."
                .into(),
        )),
        None => {
            let hash = crate::auth::hash_password_async(crate::auth::random_token()).await?;
            let u =
                store::create_user(db, NewUser { org_id: Some(org), email, name, role, password_hash: &hash }).await?;
            Ok((u, true))
        }
    }
}

#[allow(clippy::too_many_arguments)]
async fn finish(
    db: &Db,
    org: i64,
    user: User,
    created: bool,
    what: String,
    by: &Actor,
    at: i64,
    base_url: &str,
) -> Result<Linked, AppError> {
    let token = crate::auth::random_token();
    store::create_reset(db, user.id, by.user_id, &token).await?;
    record(
        db,
        Some(org),
        at,
        by,
        Event { action: "account.link", subject: "user", subject_id: Some(user.id), reason: "", details: what },
    )
    .await?;
    Ok(Linked { user, created, reset_link: format!("{base_url}/reinitialiser/{token}") })
}

/// Creates or links the account of an intervenant record.
pub async fn link_intervenant(
    db: &Db,
    org: i64,
    intervenant_id: i64,
    by: &Actor,
    at: i64,
    base_url: &str,
) -> Result<Linked, AppError> {
    let i = crate::intervenant::store::get(db, org, intervenant_id).await?;
    let (user, created) = account_for(db, org, &i.email, &i.full_name(), Role::Intervenant).await?;
    if crate::intervenant::store::linked_to_user(db, org, user.id, i.id).await?.is_some() {
        return Err(AppError::Conflict("Ce compte est déjà lié à la fiche d'un autre intervenant.".into()));
    }
    crate::intervenant::store::link_user(db, org, i.id, Some(user.id)).await?;
    finish(db, org, user, created, format!("intervenant·e {}", i.full_name()), by, at, base_url).await
}

/// Creates or links the account of a client contact, tied to their structure.
pub async fn link_client_contact(
    db: &Db,
    org: i64,
    client_id: i64,
    contact_id: i64,
    by: &Actor,
    at: i64,
    base_url: &str,
) -> Result<Linked, AppError> {
    let client = crate::client::store::get(db, org, client_id).await?;
    let c = crate::client::store::contacts(db, org, client_id)
        .await?
        .into_iter()
        .find(|c| c.id == contact_id)
        .ok_or(AppError::NotFound)?;
    let (user, created) = account_for(db, org, &c.email, &c.name, Role::ClientContact).await?;
    store::set_client(db, org, user.id, client.id).await?;
    crate::client::store::set_contact_user(db, org, c.id, user.id).await?;
    finish(db, org, user, created, format!("référent·e {} de {}", c.name, client.name), by, at, base_url).await
}

/// The invitation mail, queued in the organisation's outbox.
pub async fn send_invitation(db: &Db, org: i64, linked: &Linked, what: &str) -> Result<(), AppError> {
    let org_name = crate::org::store::name_of(db, org).await?.unwrap_or_default();
    let mail = crate::mail::Mail {
        to: linked.user.email.clone(),
        to_name: linked.user.name.clone(),
        subject: format!("Votre accès à Acunum — {org_name}"),
        body: format!(
            "Bonjour {},\n\n{org_name} vous ouvre un accès à Acunum : {what}.\n\nChoisissez votre mot de passe ici (lien valable 48 heures) :\n{}\n\nVotre identifiant est votre adresse e-mail.\n\n{org_name}",
            linked.user.name, linked.reset_link
        ),
        attachments: Vec::new(),
    };
    crate::mail::queue(db, Some(org), &mail, None).await?;
    Ok(())
}
