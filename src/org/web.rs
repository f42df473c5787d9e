//! Organisation pages: the coordinator's own organisation (identity, logo), and the network
//! admin's list of organisations.

use askama::Template;
use axum::extract::{Multipart, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use tower_sessions::Session;

use crate::auth::{CurrentUser, Role};
use crate::error::{AppError, FieldErrors};
use crate::extract::{Form, Path};
use crate::org::{OrgInput, Organisation, store};
use crate::state::AppState;
use crate::web::{PageCtx, flash, render, render_invalid};

#[derive(Template)]
#[template(path = "org/show.html")]
struct ShowPage {
    ctx: PageCtx,
    org: Organisation,
    form: OrgInput,
    errors: FieldErrors,
    has_logo: bool,
    max_upload_kb: usize,
}

async fn show_page(
    ctx: PageCtx,
    s: &AppState,
    org: Organisation,
    form: OrgInput,
    errors: FieldErrors,
) -> Result<ShowPage, AppError> {
    let has_logo = store::logo(&s.db, org.id).await?.is_some();
    Ok(ShowPage { ctx, org, form, errors, has_logo, max_upload_kb: s.config.max_upload_bytes / 1024 })
}

pub async fn show(ctx: PageCtx, user: CurrentUser, State(s): State<AppState>) -> Result<Response, AppError> {
    let org = store::get(&s.db, user.coordinator_org()?).await?;
    let form = OrgInput::from_org(&org);
    render(&show_page(ctx, &s, org, form, FieldErrors::new()).await?)
}

pub async fn update(
    ctx: PageCtx,
    user: CurrentUser,
    session: Session,
    State(s): State<AppState>,
    Form(form): Form<OrgInput>,
) -> Result<Response, AppError> {
    let org_id = user.coordinator_org()?;
    match form.validate() {
        Ok(clean) => {
            store::update(&s.db, org_id, &clean).await?;
            flash(&session, "Les informations de l'organisation sont enregistrées.").await;
            Ok(Redirect::to("/organisation").into_response())
        }
        Err(errors) => {
            let org = store::get(&s.db, org_id).await?;
            render_invalid(&show_page(ctx, &s, org, form, errors).await?)
        }
    }
}

/// Which image formats a logo may be: PNG and JPEG, told by their first bytes (not by what the
/// browser claims). SVG is refused: it can carry scripts.
pub fn logo_mime(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else {
        None
    }
}

pub async fn upload_logo(
    user: CurrentUser,
    session: Session,
    State(s): State<AppState>,
    mut multipart: Multipart,
) -> Result<Response, AppError> {
    let org_id = user.coordinator_org()?;
    let mut data: Option<Vec<u8>> = None;
    while let Some(field) = multipart.next_field().await.map_err(|_| AppError::upload_failed())? {
        if field.name() == Some("logo") {
            let bytes = field.bytes().await.map_err(|_| AppError::upload_failed())?;
            data = Some(bytes.to_vec());
        }
    }
    let data =
        data.filter(|d| !d.is_empty()).ok_or_else(|| AppError::invalid("logo", "Choisissez un fichier image."))?;
    if data.len() > s.config.max_upload_bytes {
        return Err(AppError::invalid("logo", format!("Le logo dépasse {} Ko.", s.config.max_upload_bytes / 1024)));
    }
    logo_mime(&data).ok_or_else(|| AppError::invalid("logo", "Le logo doit être une image PNG ou JPEG."))?;
    // Decoded under limits and made small on a blocking thread; kept as PNG.
    let png = tokio::task::spawn_blocking(move || crate::images::normalize(&data, &crate::images::LOGO))
        .await
        .map_err(|e| AppError::Internal(e.into()))?
        .map_err(|r| AppError::invalid("logo", format!("Logo refusé : {}", r.0)))?;
    store::set_logo(&s.db, org_id, "image/png", &png).await?;
    flash(&session, "Le logo est enregistré.").await;
    Ok(Redirect::to("/organisation").into_response())
}

pub async fn delete_logo(user: CurrentUser, session: Session, State(s): State<AppState>) -> Result<Response, AppError> {
    store::delete_logo(&s.db, user.coordinator_org()?).await?;
    flash(&session, "Le logo est retiré.").await;
    Ok(Redirect::to("/organisation").into_response())
}

/// `GET /logo/{org}`: an organisation's logo (public: it appears on public programme sheets).
pub async fn logo(State(s): State<AppState>, Path(org_id): Path<i64>) -> Result<Response, AppError> {
    let (mime, data) = store::logo(&s.db, org_id).await?.ok_or(AppError::NotFound)?;
    Ok(([(header::CONTENT_TYPE, mime), (header::CACHE_CONTROL, "public, max-age=300".to_string())], data)
        .into_response())
}

// --- network admin ------------------------------------------------------------------------------

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct NewOrgForm {
    #[serde(flatten)]
    pub org: OrgInput,
    pub coordinator_name: String,
    pub coordinator_email: String,
}

#[derive(Template)]
#[template(path = "org/admin_list.html")]
struct AdminListPage {
    ctx: PageCtx,
    orgs: Vec<(Organisation, i64)>,
    form: OrgInput,
    coordinator_name: String,
    coordinator_email: String,
    errors: FieldErrors,
    created: Option<(String, String)>,
}

pub async fn admin_list(ctx: PageCtx, user: CurrentUser, State(s): State<AppState>) -> Result<Response, AppError> {
    user.require_admin()?;
    let orgs = store::list(&s.db).await?;
    let form = OrgInput { vat_exempt: true, ..Default::default() };
    render(&AdminListPage {
        ctx,
        orgs,
        form,
        coordinator_name: String::new(),
        coordinator_email: String::new(),
        errors: FieldErrors::new(),
        created: None,
    })
}

/// Creates an organisation with the ACUNUM catalogue and its first coordinator, who receives a
/// link to choose a password.
pub async fn create_org_with_coordinator(
    s: &AppState,
    org: &OrgInput,
    name: &str,
    email: &str,
    by: Option<i64>,
) -> Result<(Organisation, String), AppError> {
    let mut e = FieldErrors::new();
    let name = crate::text::check_text(&mut e, "coordinator_name", name, true, 200);
    let email = crate::text::check_email(&mut e, "coordinator_email", email, true);
    let org = match org.validate() {
        Ok(o) if e.is_empty() => o,
        Ok(_) => return Err(AppError::Invalid(e)),
        Err(mut more) => {
            more.0.extend(e.0);
            return Err(AppError::Invalid(more));
        }
    };
    if crate::auth::store::user_by_email(&s.db, &email).await?.is_some() {
        return Err(AppError::invalid("coordinator_email", "Un compte existe déjà avec cette adresse e-mail."));
    }
    let created = store::create(&s.db, &org).await?;
    crate::catalogue::store::seed_default(&s.db, created.id).await?;
    let hash = crate::auth::hash_password_async(crate::auth::random_token()).await?;
    let user = crate::auth::store::create_user(
        &s.db,
        crate::auth::store::NewUser {
            org_id: Some(created.id),
            email: &email,
            name: &name,
            role: Role::Coordinator,
            password_hash: &hash,
        },
    )
    .await?;
    let token = crate::auth::random_token();
    crate::auth::store::create_reset(&s.db, user.id, by, &token).await?;
    Ok((created, format!("{}/reinitialiser/{token}", s.config.public_url())))
}

pub async fn admin_create(
    ctx: PageCtx,
    user: CurrentUser,
    State(s): State<AppState>,
    Form(form): Form<NewOrgForm>,
) -> Result<Response, AppError> {
    user.require_admin()?;
    match create_org_with_coordinator(&s, &form.org, &form.coordinator_name, &form.coordinator_email, Some(user.id()))
        .await
    {
        Ok((org, link)) => {
            let orgs = store::list(&s.db).await?;
            let form = OrgInput { vat_exempt: true, ..Default::default() };
            render(&AdminListPage {
                ctx,
                orgs,
                form,
                coordinator_name: String::new(),
                coordinator_email: String::new(),
                errors: FieldErrors::new(),
                created: Some((org.name, link)),
            })
        }
        Err(AppError::Invalid(errors)) => {
            let orgs = store::list(&s.db).await?;
            render_invalid(&AdminListPage {
                ctx,
                orgs,
                form: form.org,
                coordinator_name: form.coordinator_name,
                coordinator_email: form.coordinator_email,
                errors,
                created: None,
            })
        }
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logos_are_recognised_by_their_bytes() {
        assert_eq!(logo_mime(b"\x89PNG\r\n\x1a\n...."), Some("image/png"));
        assert_eq!(logo_mime(&[0xFF, 0xD8, 0xFF, 0xE0]), Some("image/jpeg"));
        assert_eq!(logo_mime(b"<svg onload=alert(1)>"), None);
    }
}
