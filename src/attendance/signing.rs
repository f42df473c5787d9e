//! What a participant does on a sheet (signing with the session's code, announcing an absence) and
//! what a client contact downloads: the pages of the people who are not the training team.

use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use tower_sessions::Session;

use crate::attendance::documents::{self, attendees};
use crate::attendance::store::{self as att, NewMark};
use crate::attendance::{CODE_WINDOW_SECONDS, Status, code_keys, normalize_signature, within_code_window};
use crate::auth::web::ClientIp;
use crate::auth::{CurrentUser, constant_time_eq};
use crate::cycle::store::{self as cycles};
use crate::documents::pdf_response;
use crate::error::{AppError, FieldErrors};
use crate::extract::{Form, Path};
use crate::state::AppState;
use crate::web::{PageCtx, flash, render};

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct SignForm {
    pub code: String,
    pub signature: String,
    #[serde(deserialize_with = "crate::web::form_bool")]
    pub confirm: bool,
}

/// A participant signs a half-day from their own link (shared with the API).
pub async fn do_sign(s: &AppState, token: &str, hid: i64, f: &SignForm, ip: &str) -> Result<(), AppError> {
    let (org, cycle_id, person) = cycles::participant_by_token(&s.db, token).await?;
    let h = att::get(&s.db, org, hid).await?;
    let session = cycles::session(&s.db, org, h.session_id).await?;
    if session.cycle_id != cycle_id {
        return Err(AppError::NotFound);
    }
    let module = cycles::module(&s.db, org, cycle_id, session.cycle_module_id).await?;
    if !attendees(module.kind, std::slice::from_ref(&person)).iter().any(|p| p.id == person.id) {
        return Err(AppError::Forbidden);
    }
    if h.is_locked() {
        return Err(AppError::Conflict(
            "La feuille de cette demi-journée est close : adressez-vous à l'intervenant·e.".into(),
        ));
    }
    let now = s.now();
    if !h.is_open() || !within_code_window(now, h.start_at, h.end_at) {
        return Err(AppError::Conflict("La signature n'est pas ouverte pour cette demi-journée.".into()));
    }
    if att::has_signed(&s.db, h.id, person.id).await? {
        return Err(AppError::Conflict("Vous avez déjà signé cette demi-journée.".into()));
    }
    // The attempt reserves its place in the person's and the address's counters before the code
    // is compared: simultaneous attempts cannot all slip under the limit.
    let keys = code_keys(person.id, ip);
    if !crate::auth::throttle::reserve_all(&s.db, &keys, now, CODE_WINDOW_SECONDS).await? {
        return Err(AppError::TooManyRequests(
            "Trop de codes erronés : attendez un quart d'heure ou demandez à l'intervenant·e de noter votre présence."
                .into(),
        ));
    }
    let expected = h.code.clone().unwrap_or_default();
    let given: String = f.code.chars().filter(|c| c.is_ascii_digit()).collect();
    if expected.is_empty() || !constant_time_eq(given.as_bytes(), expected.as_bytes()) {
        att::record_failure(&s.db, person.id, ip).await?;
        return Err(AppError::invalid("code", "Ce code n'est pas celui affiché dans la salle."));
    }
    for (key, _) in &keys {
        crate::auth::throttle::release(&s.db, key).await?;
    }
    let drawn;
    let signature = if f.signature.is_empty() {
        if !f.confirm {
            return Err(AppError::invalid("signature", "Signez dans le cadre, ou cochez « Je confirme ma présence »."));
        }
        None
    } else {
        drawn = normalize_signature(&f.signature).map_err(|m| AppError::invalid("signature", m))?;
        Some(drawn.as_str())
    };
    att::add(
        &s.db,
        org,
        h.id,
        &NewMark {
            participant_id: person.id,
            status: Status::Present,
            reason: "",
            late_minutes: 0,
            signature,
            method: "self",
            actor: "participant",
            ip,
            at: now,
            correction: "",
        },
    )
    .await
}

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

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct AbsenceForm {
    pub reason: String,
}

/// A participant announces an absence to a coming session.
pub async fn do_announce(s: &AppState, token: &str, sid: i64, reason: &str, ip: &str) -> Result<usize, AppError> {
    let (org, cycle_id, person) = cycles::participant_by_token(&s.db, token).await?;
    let session = cycles::session(&s.db, org, sid).await?;
    if session.cycle_id != cycle_id {
        return Err(AppError::NotFound);
    }
    let now = s.now();
    if now > crate::attendance::announce_deadline(session.start_at) {
        return Err(AppError::Conflict("Cette séance a commencé : prévenez directement l'intervenant·e.".into()));
    }
    let mut e = FieldErrors::new();
    let reason = crate::text::check_text(&mut e, "reason", reason, true, 500);
    e.into_result(())?;
    let mut n = 0;
    for h in att::ensure(&s.db, org, &session).await?.iter().filter(|h| !h.is_locked()) {
        att::add(
            &s.db,
            org,
            h.id,
            &NewMark {
                participant_id: person.id,
                status: Status::Excused,
                reason: &reason,
                late_minutes: 0,
                signature: None,
                method: "announced",
                actor: "participant",
                ip,
                at: now,
                correction: "",
            },
        )
        .await?;
        n += 1;
    }
    Ok(n)
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
        Err(AppError::Invalid(_)) => Err(AppError::BadRequest("Indiquez le motif de votre absence.".into())),
        Err(e) => Err(e),
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
