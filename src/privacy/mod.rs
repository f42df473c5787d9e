//! Personal data (RGPD): what Acunum keeps about each person, why and for how long (the register of
//! processing, art. 30), a person's data exported as JSON and as a readable PDF (art. 15 and 20),
//! erased or anonymised on request (art. 17) where no legal retention applies, and the retention
//! periods applied every day.
//!
//! What is kept whatever the request, and why:
//! - attendance sheets and certificates (the names on them, the marks): they prove the training
//!   that was delivered, to the OPCO that funded it and to the administration's control of training
//!   providers (Code du travail, L6361-1 and following); no text fixes their duration, so Acunum
//!   keeps them `retention_records_years` (5 by default) after the cycle's last session, then
//!   anonymises them;
//! - invoices and accounting entries: 10 years (Code de commerce, L123-22);
//! - the audit trail: the proof of who cancelled or corrected a record.

pub mod store;
pub mod web;

use serde::Serialize;

/// Whose data: a participant, a client contact, an intervenant, an account.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PersonKind {
    Participant,
    Contact,
    Intervenant,
    User,
}

impl PersonKind {
    pub const ALL: [PersonKind; 4] =
        [PersonKind::Participant, PersonKind::Contact, PersonKind::Intervenant, PersonKind::User];

    pub fn as_str(self) -> &'static str {
        match self {
            PersonKind::Participant => "participant",
            PersonKind::Contact => "contact",
            PersonKind::Intervenant => "intervenant",
            PersonKind::User => "user",
        }
    }

    pub fn parse(s: &str) -> Option<PersonKind> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            PersonKind::Participant => "Participant·e d'un cycle",
            PersonKind::Contact => "Contact d'une structure cliente",
            PersonKind::Intervenant => "Intervenant·e",
            PersonKind::User => "Compte Acunum",
        }
    }
}

/// One value of a record.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Field {
    pub label: String,
    pub value: String,
}

/// A group of records, with why they are kept and for how long.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Section {
    pub title: String,
    pub purpose: String,
    pub retention: String,
    pub rows: Vec<Vec<Field>>,
}

/// Everything Acunum holds about one person in one organisation.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct PersonalData {
    pub kind: PersonKind,
    pub id: i64,
    pub name: String,
    pub email: String,
    pub organisation: String,
    pub generated_at: i64,
    pub sections: Vec<Section>,
}

/// What an erasure does to a person's data.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Erasure {
    /// Nothing legal holds the person: the record is deleted.
    Deleted,
    /// The person is on legal records: their contact data and everything else is erased, their
    /// name stays on those records until their retention ends.
    Anonymised,
}

/// The rule of an erasure, stated once: a person who appears on a legal record (a sheet, a
/// certificate, a session given) is anonymised, anyone else deleted.
pub fn erasure(on_legal_records: bool) -> Erasure {
    if on_legal_records { Erasure::Anonymised } else { Erasure::Deleted }
}

/// The address that replaces an erased one (unique, and never deliverable: `.invalid` is reserved
/// by RFC 2606).
pub fn erased_email(kind: PersonKind, id: i64) -> String {
    format!("efface-{}-{id}@anonyme.invalid", kind.as_str())
}

/// Whether a cycle that ended at `last_end` is past a retention of `years` at `now`.
pub fn past_retention(last_end: i64, years: i64, now: i64) -> bool {
    years > 0 && now > last_end + years * 365 * 86_400 + years / 4 * 86_400
}

/// One processing of the register (registre des activités de traitement, RGPD art. 30).
pub struct Processing {
    pub name: &'static str,
    pub purpose: &'static str,
    pub basis: &'static str,
    pub people: &'static str,
    pub data: &'static str,
    pub recipients: &'static str,
    /// The retention, with `{contact}`, `{records}`, `{logs}` replaced by the configured values.
    pub retention: &'static str,
}

pub const REGISTER: &[Processing] = &[
    Processing {
        name: "Gestion commerciale",
        purpose: "Établir les devis, les conventions de formation et les factures, suivre les clients.",
        basis: "Exécution du contrat ; obligations comptables (Code de commerce)",
        people: "Contacts des structures clientes",
        data: "Nom, fonction, adresse e-mail et téléphone professionnels ; nom de qui accepte un devis et adresse IP de l'acceptation",
        recipients: "La coordination de l'organisme ; le contact lui-même pour les documents de sa structure",
        retention: "Contacts : {contact} ans après la fin du dernier cycle ; devis, conventions, factures et écritures : 10 ans (Code de commerce, L123-22)",
    },
    Processing {
        name: "Organisation et preuve des formations",
        purpose: "Convoquer, émarger par demi-journée, délivrer certificats de réalisation et attestations, établir le BPF.",
        basis: "Obligations légales de l'organisme de formation (Code du travail, L6353-1 et suivants) ; exécution de la convention",
        people: "Participant·e·s des cycles, intervenant·e·s",
        data: "Nom, adresse e-mail, téléphone, métier, service, structure ; présences, retards, absences et leurs motifs ; signatures ; heures suivies",
        recipients: "La coordination, l'intervenant·e de la séance, le ou la référent·e de la structure pour ses équipes, l'OPCO qui finance",
        retention: "Feuilles d'émargement et certificats : {records} ans après la dernière séance, puis anonymisés ; coordonnées : {contact} ans",
    },
    Processing {
        name: "Positionnement et évaluation des acquis",
        purpose: "Situer chaque participant·e avant la formation, adapter la formation au groupe, évaluer l'atteinte des objectifs (Qualiopi, indicateurs 8, 11 et 26).",
        basis: "Obligation de certification Qualiopi ; exécution de la convention",
        people: "Participant·e·s des formations",
        data: "Réponses aux questionnaires, scores par objectif, attentes, besoin particulier signalé (éventuellement lié à un handicap, donné volontairement)",
        recipients: "La coordination et l'intervenant·e de la formation ; la structure cliente ne voit que des moyennes",
        retention: "{records} ans après la dernière séance ; attentes et besoins effacés à la demande",
    },
    Processing {
        name: "Évaluation et amélioration continue",
        purpose: "Enquêtes de satisfaction à chaud et à froid, réclamations (Qualiopi, indicateurs 30 à 32).",
        basis: "Obligation de certification Qualiopi ; intérêt légitime",
        people: "Participant·e·s, intervenant·e·s, contacts clients",
        data: "Réponses (anonymes par défaut), nom et adresse e-mail de l'invitation, objet des réclamations",
        recipients: "La coordination ; le groupe voit des résultats agrégés",
        retention: "{contact} ans après la formation",
    },
    Processing {
        name: "Travail du groupe",
        purpose: "Bloc-notes collaboratif, veille, votes du comité, engagements, plan d'action, école mutuelle, journal d'AMO.",
        basis: "Exécution de la convention (le contenu même de la formation)",
        people: "Participant·e·s et membres du comité, intervenant·e·s",
        data: "Nom, contributions écrites, liens, votes (secrets quand le vote l'est), présences aux réunions d'AMO",
        recipients: "Le groupe du cycle, l'équipe d'accompagnement",
        retention: "{contact} ans après la fin du cycle",
    },
    Processing {
        name: "Intervenant·e·s",
        purpose: "Choisir qui intervient (compétences, proximité), planifier, justifier des compétences (Qualiopi, indicateurs 21 et 22).",
        basis: "Exécution du contrat ; intérêt légitime",
        people: "Médiateurs numériques et animateurs multimédia",
        data: "Nom, coordonnées, lieu de rattachement, secteurs, CV, tarif journalier, agenda",
        recipients: "La coordination ; l'intervenant·e pour sa propre fiche",
        retention: "Durée de la collaboration, puis {contact} ans ; le nom reste sur les feuilles signées ({records} ans)",
    },
    Processing {
        name: "Comptes et sécurité",
        purpose: "Se connecter, protéger les accès, tracer les annulations et corrections des documents.",
        basis: "Intérêt légitime (sécurité) ; obligation de preuve des documents",
        people: "Utilisateurs et utilisatrices des comptes",
        data: "Nom, adresse e-mail, rôle, empreinte du mot de passe (argon2), sessions, tentatives de connexion (adresse IP), jetons d'API",
        recipients: "L'administration du réseau et la coordination de l'organisme",
        retention: "Sessions : selon l'inactivité ; tentatives de connexion : 1 jour ; journal des annulations et corrections : conservé avec les documents",
    },
    Processing {
        name: "Envoi des e-mails",
        purpose: "Convocations, rappels, invitations, enquêtes, relances.",
        basis: "Exécution de la convention ; intérêt légitime",
        people: "Destinataires des messages",
        data: "Adresse e-mail, nom, objet et texte du message",
        recipients: "Le serveur d'envoi configuré par l'organisme",
        retention: "{logs} jours après l'envoi ou l'annulation",
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn someone_on_a_legal_record_is_anonymised_anyone_else_deleted() {
        assert_eq!(erasure(true), Erasure::Anonymised);
        assert_eq!(erasure(false), Erasure::Deleted);
        assert_eq!(erased_email(PersonKind::Participant, 7), "efface-participant-7@anonyme.invalid");
        assert!(crate::text::is_email(&erased_email(PersonKind::User, 1)));
    }

    #[test]
    fn a_retention_counts_whole_years_from_the_end() {
        let end = 1_000_000_000;
        assert!(!past_retention(end, 3, end + 3 * 365 * 86_400));
        assert!(past_retention(end, 3, end + 3 * 366 * 86_400));
        assert!(!past_retention(end, 0, i64::MAX / 2), "zero keeps forever");
    }

    #[test]
    fn every_kind_round_trips_through_its_name() {
        for k in PersonKind::ALL {
            assert_eq!(PersonKind::parse(k.as_str()), Some(k));
        }
    }
}
