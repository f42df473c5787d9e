//! The audit trail: who cancelled, corrected or overrode a legal record, when, and why.
//!
//! Records that the law asks for (attendance sheets, certificates, quotes, conventions, invoices)
//! are never deleted nor silently changed: each cancellation, correction or late entry leaves a row
//! here, which is itself never deleted (a database trigger refuses it). The organisation's
//! coordinators read it at `/journal` and `GET /api/v1/audit`.

pub mod store;
pub mod web;

use serde::Serialize;

pub use store::{list, of_subject, record};

/// Who acts: a user of the application, or the application itself (a scheduled job).
#[derive(Clone, Debug)]
pub struct Actor {
    pub user_id: Option<i64>,
    pub name: String,
}

impl Actor {
    pub fn user(id: i64, name: &str, role: crate::auth::Role) -> Actor {
        Actor { user_id: Some(id), name: format!("{name} ({})", role.label()) }
    }

    pub fn system(what: &str) -> Actor {
        Actor { user_id: None, name: format!("Acunum ({what})") }
    }
}

/// One line of the trail.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct AuditEntry {
    pub id: i64,
    pub at: i64,
    pub actor: String,
    /// What was done: `session.cancel`, `attendance.correct`, `certificate.issue`…
    pub action: String,
    /// The kind of record: `session`, `half_day`, `certificate`, `quote`…
    pub subject: String,
    pub subject_id: Option<i64>,
    pub reason: String,
    pub details: String,
}

impl AuditEntry {
    /// The action in words, for the pages.
    pub fn label(&self) -> &'static str {
        match self.action.as_str() {
            "session.cancel" => "Séance annulée",
            "attendance.correct" => "Présence corrigée après clôture",
            "attendance.late_entry" => "Présences reportées après la demi-journée",
            "attendance.lock" => "Feuille d'émargement close",
            "attendance.absent_unmarked" => "Personnes non renseignées notées absentes",
            "certificate.issue" => "Certificat délivré",
            "certificate.cancel" => "Certificat annulé",
            "quote.cancel" => "Devis annulé",
            "participant.withdraw" => "Participant·e retiré·e du groupe",
            "personal_data.export" => "Données personnelles exportées",
            "personal_data.erase" => "Données personnelles effacées",
            "retention.apply" => "Durées de conservation appliquées",
            "mail.cancel" => "Message annulé",
            "mail.retry" => "Message renvoyé",
            "account.link" => "Compte lié à une fiche",
            _ => "Action",
        }
    }
}

/// What a row says, before it is written.
pub struct Event<'a> {
    pub action: &'a str,
    pub subject: &'a str,
    pub subject_id: Option<i64>,
    pub reason: &'a str,
    pub details: String,
}
