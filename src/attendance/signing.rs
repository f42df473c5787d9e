//! What a participant does on a sheet (signing with the session's code, announcing an absence) and
//! what a client contact downloads: the pages of the people who are not the training team.

use super::service::*;
use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use tower_sessions::Session;

use crate::attendance::documents;
use crate::attendance::store::{self as att};
use crate::auth::CurrentUser;
use crate::auth::web::ClientIp;
use crate::cycle::store::{self as cycles};
use crate::documents::pdf_response;
use crate::error::AppError;
use crate::extract::{Form, Path};
use crate::state::AppState;
use crate::web::{PageCtx, flash, render};

pub async fn sign(
    session: Session,
    ClientIp(ip): ClientIp,
    State(s): State<AppState>,
    Path((token, hid)): Path<(String, i64)>,
    Form(f): Form<SignForm>,
) -> Result<Response, AppError> {
    match do_sign(&s, &token, hid, &f, &ip).await {
        Ok(()) => {
            flash(&session, "Merci, votre présence est signée.").await;
            Ok(Redirect::to(&format!("/p/{token}")).into_response())
        }
        // Back to the person's page, the message at the top and the code they typed kept.
        Err(e) => {
            let code: String = f.code.chars().filter(char::is_ascii_digit).take(6).collect();
            crate::web::back_with(&session, e, &format!("/p/{token}?code={code}")).await
        }
    }
}

pub async fn announce(
    session: Session,
    ClientIp(ip): ClientIp,
    State(s): State<AppState>,
    Path((token, sid)): Path<(String, i64)>,
    Form(f): Form<AbsenceForm>,
) -> Result<Response, AppError> {
    match do_announce(&s, &token, sid, &f.reason, &ip).await {
        Ok(_) => {
            flash(&session, "Votre absence est signalée. Merci d'avoir prévenu.").await;
            Ok(Redirect::to(&format!("/p/{token}")).into_response())
        }
        Err(e) => {
            let e = match e {
                AppError::Invalid(_) => AppError::BadRequest("Indiquez le motif de votre absence.".into()),
                other => other,
            };
            let kept =
                [(format!("absence-{sid}:reason"), f.reason.clone()), (format!("absence-{sid}:open"), "1".to_string())];
            crate::web::back_keeping(&session, e, &format!("/p/{token}#seances"), &kept).await
        }
    }
}

#[derive(Template)]
#[template(path = "attendance/signer.html")]
pub(crate) struct SignerPage {
    ctx: PageCtx,
    code: String,
}

/// `GET /signer/{code}`: where the QR code leads; the phone that opened its personal link goes on to it.
pub async fn signer(ctx: PageCtx, session: Session, Path(code): Path<String>) -> Result<Response, AppError> {
    let code: String = code.chars().filter(|c| c.is_ascii_digit()).take(6).collect();
    if let Ok(Some(token)) = session.get::<String>(PARTICIPANT_KEY).await {
        return Ok(Redirect::to(&format!("/p/{token}?code={code}#signer")).into_response());
    }
    render(&SignerPage { ctx, code })
}

/// The session key that remembers which participant uses this phone.
pub const PARTICIPANT_KEY: &str = "participant_token";

/// A client contact's download of an issued certificate of one of their structure's trainees.
pub async fn client_certificate(
    user: CurrentUser,
    State(s): State<AppState>,
    Path((id, cm, pid, kind)): Path<(i64, i64, i64, String)>,
) -> Result<Response, AppError> {
    let (org, client) = crate::client::space::contact_of(&s, &user).await?;
    let p = cycles::participant(&s.db, org, id, pid).await?;
    if p.client_id != Some(client) {
        return Err(AppError::NotFound);
    }
    let c = att::certificate(&s.db, org, cm, pid, &kind).await?.ok_or_else(|| {
        AppError::Conflict("Ce document n'est pas encore délivré : il le sera après la formation.".into())
    })?;
    if c.cycle_id != id {
        return Err(AppError::NotFound);
    }
    let issuer = documents::Issuer::load(&s.db, org).await?;
    let pdf = documents::certificate_pdf(&issuer, &c.content).await?;
    Ok(pdf_response(&format!("{}.pdf", crate::attendance::certificates::file_name(&kind, &p)), pdf))
}
