//! Certificates de réalisation and attestations de fin de formation, as records: issued once, after
//! the module's last session, from the closed sheets only, dated the day they are issued; printed
//! the same every time; never deleted (a wrong one is cancelled, with a reason, and issued again).

use crate::attendance::documents::{Issuer, ModuleAttendance, certificate_content};
use crate::attendance::may_issue;
use crate::attendance::store::{self as att, Certificate, NewCertificate};
use crate::audit::{Actor, Event, record};
use crate::cycle::store::Participant;
use crate::error::AppError;
use crate::state::AppState;

/// The two documents of a participant, with their file names.
pub const KINDS: [(&str, &str); 2] =
    [("realisation", "certificat-realisation"), ("attestation", "attestation-fin-formation")];

pub fn is_kind(kind: &str) -> bool {
    KINDS.iter().any(|(k, _)| *k == kind)
}

/// The certificate of `p` in force, issued now when there is none yet and the time rules allow it.
pub async fn issue(
    s: &AppState,
    org: i64,
    ma: &ModuleAttendance,
    issuer: &Issuer,
    p: &Participant,
    kind: &str,
    actor: &Actor,
) -> Result<Certificate, AppError> {
    if !is_kind(kind) {
        return Err(AppError::NotFound);
    }
    if let Some(c) = att::certificate(&s.db, org, ma.module.id, p.id, kind).await? {
        return Ok(c);
    }
    let now = s.now();
    may_issue(now, ma.last_end(), ma.unlocked().len(), ma.cycle.tz()).map_err(AppError::Conflict)?;
    let results = if kind == "attestation" {
        crate::assessment::store::attestation_results(&s.db, org, ma.module.id, p.id).await?
    } else {
        Vec::new()
    };
    let content = certificate_content(issuer, ma, p, kind, now, &results)?;
    let c = att::issue_certificate(
        &s.db,
        org,
        &NewCertificate {
            cycle_id: ma.cycle.id,
            cycle_module_id: ma.module.id,
            participant_id: p.id,
            kind,
            issued_at: now,
            issued_by: actor.user_id,
            attended_minutes: ma.attended(p.id),
            planned_minutes: ma.planned_minutes(),
            content: &content.to_string(),
        },
    )
    .await?;
    if c.issued_at == now {
        record(
            &s.db,
            Some(org),
            now,
            actor,
            Event {
                action: "certificate.issue",
                subject: "certificate",
                subject_id: Some(c.id),
                reason: "",
                details: format!("{} — {} — {}", p.full_name(), ma.module.title, kind),
            },
        )
        .await?;
    }
    Ok(c)
}

/// Issues every certificate and attestation of a module's people (those already issued are kept).
pub async fn issue_all(
    s: &AppState,
    org: i64,
    ma: &ModuleAttendance,
    actor: &Actor,
) -> Result<Vec<(Participant, Certificate)>, AppError> {
    may_issue(s.now(), ma.last_end(), ma.unlocked().len(), ma.cycle.tz()).map_err(AppError::Conflict)?;
    let issuer = Issuer::load(&s.db, org).await?;
    let mut out = Vec::new();
    for p in &ma.people {
        for (kind, _) in KINDS {
            out.push((p.clone(), issue(s, org, ma, &issuer, p, kind, actor).await?));
        }
    }
    Ok(out)
}

/// Cancels a certificate in force, with a reason; a new one can then be issued (from the sheets as
/// they are now).
pub async fn cancel(s: &AppState, org: i64, c: &Certificate, reason: &str, actor: &Actor) -> Result<(), AppError> {
    let mut e = crate::error::FieldErrors::new();
    let reason = crate::text::check_text(&mut e, "reason", reason, true, 500);
    if !e.is_empty() {
        return Err(AppError::invalid("reason", "Indiquez le motif de l'annulation du certificat."));
    }
    let now = s.now();
    att::cancel_certificate(&s.db, org, c.id, now, &reason).await?;
    record(
        &s.db,
        Some(org),
        now,
        actor,
        Event {
            action: "certificate.cancel",
            subject: "certificate",
            subject_id: Some(c.id),
            reason: &reason,
            details: format!("{} du {}", c.kind, crate::fr::date(c.issued_at)),
        },
    )
    .await
}

/// The file name of a participant's document.
pub fn file_name(kind: &str, p: &Participant) -> String {
    let base = KINDS.iter().find(|(k, _)| *k == kind).map(|(_, n)| *n).unwrap_or("certificat");
    format!("{base}-{}", crate::org::slugify(&p.full_name()))
}
