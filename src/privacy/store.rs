//! All SQL of personal data: what the database holds about one person, their erasure, and the
//! retention periods applied to everyone.

use sqlx::Row;

use crate::db::Db;
use crate::error::AppError;
use crate::privacy::{Field, PersonKind, Section, erased_email};

fn f(label: &str, value: impl ToString) -> Field {
    Field { label: label.to_string(), value: value.to_string() }
}

fn when(ts: i64) -> String {
    crate::fr::date_time(ts, crate::fr::DEFAULT_TZ)
}

fn opt_when(ts: Option<i64>) -> String {
    ts.map(when).unwrap_or_else(|| "—".into())
}

/// A person found by their e-mail address.
#[derive(Clone, Debug, serde::Serialize, utoipa::ToSchema)]
pub struct Found {
    pub kind: PersonKind,
    pub id: i64,
    pub name: String,
    pub email: String,
    /// Where: the cycle, the client structure…
    pub context: String,
}

/// Everyone of the organisation with this e-mail address (case-insensitive).
pub async fn find(db: &Db, org: i64, email: &str) -> Result<Vec<Found>, AppError> {
    let e = email.trim().to_lowercase();
    let mut out = Vec::new();
    for r in sqlx::query(
        "SELECT p.id, p.first_name || ' ' || p.last_name AS name, p.email, c.title FROM participants p JOIN cycles c ON c.id = p.cycle_id \
         WHERE p.org_id = $1 AND lower(p.email) = $2 ORDER BY p.id",
    )
    .bind(org)
    .bind(&e)
    .fetch_all(&db.pool)
    .await?
    {
        out.push(Found {
            kind: PersonKind::Participant,
            id: r.try_get("id")?,
            name: r.try_get("name")?,
            email: r.try_get("email")?,
            context: format!("cycle « {} »", r.try_get::<String, _>("title")?),
        });
    }
    for r in sqlx::query(
        "SELECT k.id, k.name, k.email, c.name AS client FROM client_contacts k JOIN clients c ON c.id = k.client_id \
         WHERE k.org_id = $1 AND lower(k.email) = $2 ORDER BY k.id",
    )
    .bind(org)
    .bind(&e)
    .fetch_all(&db.pool)
    .await?
    {
        out.push(Found {
            kind: PersonKind::Contact,
            id: r.try_get("id")?,
            name: r.try_get("name")?,
            email: r.try_get("email")?,
            context: format!("contact de {}", r.try_get::<String, _>("client")?),
        });
    }
    for r in sqlx::query(
        "SELECT id, first_name || ' ' || last_name AS name, email FROM intervenants WHERE org_id = $1 AND lower(email) = $2",
    )
    .bind(org)
    .bind(&e)
    .fetch_all(&db.pool)
    .await?
    {
        out.push(Found {
            kind: PersonKind::Intervenant,
            id: r.try_get("id")?,
            name: r.try_get("name")?,
            email: r.try_get("email")?,
            context: "fiche d'intervenant·e".into(),
        });
    }
    for r in sqlx::query("SELECT id, name, email, role FROM users WHERE org_id = $1 AND lower(email) = $2")
        .bind(org)
        .bind(&e)
        .fetch_all(&db.pool)
        .await?
    {
        let role: String = r.try_get("role")?;
        out.push(Found {
            kind: PersonKind::User,
            id: r.try_get("id")?,
            name: r.try_get("name")?,
            email: r.try_get("email")?,
            context: format!(
                "compte ({})",
                crate::auth::Role::parse(&role).map(|r| r.label()).unwrap_or("rôle inconnu")
            ),
        });
    }
    Ok(out)
}

/// The person's name and address, or not found.
pub async fn identity(db: &Db, org: i64, kind: PersonKind, id: i64) -> Result<(String, String), AppError> {
    let sql = match kind {
        PersonKind::Participant => {
            "SELECT first_name || ' ' || last_name AS name, email FROM participants WHERE id = $1 AND org_id = $2"
        }
        PersonKind::Contact => "SELECT name, email FROM client_contacts WHERE id = $1 AND org_id = $2",
        PersonKind::Intervenant => {
            "SELECT first_name || ' ' || last_name AS name, email FROM intervenants WHERE id = $1 AND org_id = $2"
        }
        PersonKind::User => "SELECT name, email FROM users WHERE id = $1 AND org_id = $2",
    };
    let r = sqlx::query(sql).bind(id).bind(org).fetch_optional(&db.pool).await?.ok_or(AppError::NotFound)?;
    Ok((r.try_get("name")?, r.try_get("email")?))
}

/// The sections of a participant's data.
pub async fn participant(db: &Db, org: i64, id: i64, c: &Retentions) -> Result<Vec<Section>, AppError> {
    let p = sqlx::query(
        "SELECT p.first_name, p.last_name, p.email, p.phone, p.job, p.service, p.structure, p.status, p.committee, p.created_at, c.title \
         FROM participants p JOIN cycles c ON c.id = p.cycle_id WHERE p.id = $1 AND p.org_id = $2",
    )
    .bind(id)
    .bind(org)
    .fetch_optional(&db.pool)
    .await?
    .ok_or(AppError::NotFound)?;
    let committee = crate::db::get_bool(&p, "committee")?;
    let mut sections = vec![Section {
        title: "Inscription au cycle".into(),
        purpose: "Organiser la formation, convoquer, établir les documents.".into(),
        retention: format!("{} ans après la fin du cycle", c.contact_years),
        rows: vec![vec![
            f("Cycle", p.try_get::<String, _>("title")?),
            f("Prénom", p.try_get::<String, _>("first_name")?),
            f("Nom", p.try_get::<String, _>("last_name")?),
            f("E-mail", p.try_get::<String, _>("email")?),
            f("Téléphone", p.try_get::<String, _>("phone")?),
            f("Métier", p.try_get::<String, _>("job")?),
            f("Service", p.try_get::<String, _>("service")?),
            f("Structure", p.try_get::<String, _>("structure")?),
            f("Place", p.try_get::<String, _>("status")?),
            f("Comité de pilotage", if committee { "oui" } else { "non" }),
            f("Inscrit·e le", when(p.try_get("created_at")?)),
        ]],
    }];
    let marks = sqlx::query(
        "SELECT h.start_at, a.status, a.reason, a.late_minutes, a.method, a.actor, a.ip, a.at, a.correction, \
         CASE WHEN a.signature IS NULL THEN 0 ELSE 1 END AS signed FROM attendance a JOIN half_days h ON h.id = a.half_day_id \
         WHERE a.participant_id = $1 AND a.org_id = $2 ORDER BY a.id",
    )
    .bind(id)
    .bind(org)
    .fetch_all(&db.pool)
    .await?;
    let mut rows = Vec::new();
    for m in &marks {
        let signed: i64 = m.try_get("signed")?;
        rows.push(vec![
            f("Demi-journée du", when(m.try_get("start_at")?)),
            f("Présence", m.try_get::<String, _>("status")?),
            f("Motif", m.try_get::<String, _>("reason")?),
            f("Minutes de retard", m.try_get::<i64, _>("late_minutes")?),
            f("Façon", m.try_get::<String, _>("method")?),
            f("Par", m.try_get::<String, _>("actor")?),
            f("Adresse IP", m.try_get::<String, _>("ip")?),
            f("Le", when(m.try_get("at")?)),
            f("Signature dessinée", if signed > 0 { "oui" } else { "non" }),
            f("Motif de correction", m.try_get::<String, _>("correction")?),
        ]);
    }
    sections.push(Section {
        title: "Émargement".into(),
        purpose: "Prouver la formation suivie (feuilles d'émargement par demi-journée).".into(),
        retention: format!("{} ans après la dernière séance, puis anonymisé", c.records_years),
        rows,
    });
    let certs = sqlx::query(
        "SELECT kind, issued_at, attended_minutes, planned_minutes, cancelled_at FROM certificates WHERE participant_id = $1 AND org_id = $2 ORDER BY id",
    )
    .bind(id)
    .bind(org)
    .fetch_all(&db.pool)
    .await?;
    let mut rows = Vec::new();
    for x in &certs {
        rows.push(vec![
            f("Document", x.try_get::<String, _>("kind")?),
            f("Délivré le", when(x.try_get("issued_at")?)),
            f("Heures suivies", crate::attendance::hours_text(x.try_get("attended_minutes")?)),
            f("Heures prévues", crate::attendance::hours_text(x.try_get("planned_minutes")?)),
            f("Annulé le", opt_when(x.try_get("cancelled_at")?)),
        ]);
    }
    sections.push(Section {
        title: "Certificats et attestations".into(),
        purpose: "Certificat de réalisation et attestation de fin de formation.".into(),
        retention: format!("{} ans après la dernière séance", c.records_years),
        rows,
    });
    let assessed = sqlx::query(
        "SELECT a.phase, a.sent_at, a.answered_at, a.expectations, a.needs, a.answers, m.title FROM assessments a \
         JOIN cycle_modules m ON m.id = a.cycle_module_id WHERE a.participant_id = $1 AND a.org_id = $2 ORDER BY a.id",
    )
    .bind(id)
    .bind(org)
    .fetch_all(&db.pool)
    .await?;
    let mut rows = Vec::new();
    for x in &assessed {
        let phase: String = x.try_get("phase")?;
        rows.push(vec![
            f("Formation", x.try_get::<String, _>("title")?),
            f("Questionnaire", crate::assessment::Phase::parse(&phase).map(|p| p.label()).unwrap_or_default()),
            f("Envoyé le", when(x.try_get("sent_at")?)),
            f("Répondu le", opt_when(x.try_get("answered_at")?)),
            f("Attentes", x.try_get::<String, _>("expectations")?),
            f("Besoin particulier", x.try_get::<String, _>("needs")?),
            f("Réponses", x.try_get::<Option<String>, _>("answers")?.unwrap_or_default()),
        ]);
    }
    sections.push(Section {
        title: "Positionnement et évaluation des acquis".into(),
        purpose: "Adapter la formation au groupe et évaluer l'atteinte des objectifs (Qualiopi, indicateurs 8 et 11)."
            .into(),
        retention: format!(
            "{} ans après la dernière séance ; attentes et besoins effacés à la demande",
            c.records_years
        ),
        rows,
    });
    let email: String = p.try_get("email")?;
    let invs = sqlx::query(
        "SELECT i.kind, i.audience, i.created_at, i.answered_at, m.title FROM survey_invitations i JOIN cycle_modules m ON m.id = i.cycle_module_id \
         WHERE i.org_id = $1 AND lower(i.email) = lower($2) ORDER BY i.id",
    )
    .bind(org)
    .bind(&email)
    .fetch_all(&db.pool)
    .await?;
    let mut rows = Vec::new();
    for x in &invs {
        rows.push(vec![
            f("Formation", x.try_get::<String, _>("title")?),
            f("Enquête", x.try_get::<String, _>("kind")?),
            f("Invité·e le", when(x.try_get("created_at")?)),
            f("Répondu le", opt_when(x.try_get("answered_at")?)),
        ]);
    }
    sections.push(Section {
        title: "Enquêtes de satisfaction".into(),
        purpose: "Évaluer les formations (réponses anonymes sauf questionnaire nominatif).".into(),
        retention: format!("{} ans", c.contact_years),
        rows,
    });
    let mut rows = Vec::new();
    for x in sqlx::query(
        "SELECT kind, skill, details, created_at FROM mutual_posts WHERE participant_id = $1 AND org_id = $2",
    )
    .bind(id)
    .bind(org)
    .fetch_all(&db.pool)
    .await?
    {
        rows.push(vec![
            f("École mutuelle", x.try_get::<String, _>("kind")?),
            f("Sujet", x.try_get::<String, _>("skill")?),
            f("Précisions", x.try_get::<String, _>("details")?),
            f("Le", when(x.try_get("created_at")?)),
        ]);
    }
    for x in sqlx::query("SELECT what, status, created_at FROM commitments WHERE participant_id = $1 AND org_id = $2")
        .bind(id)
        .bind(org)
        .fetch_all(&db.pool)
        .await?
    {
        rows.push(vec![
            f("Engagement", x.try_get::<String, _>("what")?),
            f("État", x.try_get::<String, _>("status")?),
            f("Le", when(x.try_get("created_at")?)),
        ]);
    }
    let reads: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM entry_reads WHERE reader = $1")
        .bind(format!("p{id}"))
        .fetch_one(&db.pool)
        .await?;
    rows.push(vec![f("Actualités de la veille marquées lues", reads)]);
    let digests: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM veille_digests WHERE org_id = $1 AND lower(email) = lower($2)")
            .bind(org)
            .bind(&email)
            .fetch_one(&db.pool)
            .await?;
    rows.push(vec![f("Abonnements au résumé de la veille", digests)]);
    sections.push(Section {
        title: "Travail du groupe".into(),
        purpose: "École mutuelle, engagements, veille.".into(),
        retention: format!("{} ans après la fin du cycle", c.contact_years),
        rows,
    });
    Ok(sections)
}

/// The sections of a client contact's data.
pub async fn contact(db: &Db, org: i64, id: i64, c: &Retentions) -> Result<Vec<Section>, AppError> {
    let k = sqlx::query(
        "SELECT k.name, k.job_title, k.email, k.phone, k.created_at, c.name AS client FROM client_contacts k JOIN clients c ON c.id = k.client_id \
         WHERE k.id = $1 AND k.org_id = $2",
    )
    .bind(id)
    .bind(org)
    .fetch_optional(&db.pool)
    .await?
    .ok_or(AppError::NotFound)?;
    let name: String = k.try_get("name")?;
    let mut decisions = Vec::new();
    for q in sqlx::query(
        "SELECT number, decided_at, decision_ip FROM quotes WHERE org_id = $1 AND decision_name = $2 ORDER BY id",
    )
    .bind(org)
    .bind(&name)
    .fetch_all(&db.pool)
    .await?
    {
        decisions.push(vec![
            f("Devis", q.try_get::<String, _>("number")?),
            f("Décision le", opt_when(q.try_get("decided_at")?)),
            f("Adresse IP", q.try_get::<Option<String>, _>("decision_ip")?.unwrap_or_default()),
        ]);
    }
    Ok(vec![
        Section {
            title: "Contact de la structure cliente".into(),
            purpose: "Devis, conventions, documents de la structure.".into(),
            retention: format!("{} ans après la fin du dernier cycle", c.contact_years),
            rows: vec![vec![
                f("Structure", k.try_get::<String, _>("client")?),
                f("Nom", &name),
                f("Fonction", k.try_get::<String, _>("job_title")?),
                f("E-mail", k.try_get::<String, _>("email")?),
                f("Téléphone", k.try_get::<String, _>("phone")?),
                f("Enregistré·e le", when(k.try_get("created_at")?)),
            ]],
        },
        Section {
            title: "Décisions sur les devis".into(),
            purpose: "Preuve de l'acceptation ou du refus d'un devis.".into(),
            retention: "10 ans (pièces commerciales et comptables, Code de commerce L123-22)".into(),
            rows: decisions,
        },
    ])
}

/// The sections of an intervenant's data.
pub async fn intervenant(db: &Db, org: i64, id: i64, c: &Retentions) -> Result<Vec<Section>, AppError> {
    let i = crate::intervenant::store::get(db, org, id).await?;
    let sessions = sqlx::query(
        "SELECT s.title, s.start_at, c.title AS cycle FROM training_sessions s JOIN cycles c ON c.id = s.cycle_id \
         WHERE s.intervenant_id = $1 AND s.org_id = $2 ORDER BY s.start_at",
    )
    .bind(id)
    .bind(org)
    .fetch_all(&db.pool)
    .await?;
    let mut rows = Vec::new();
    for x in &sessions {
        rows.push(vec![
            f("Séance", x.try_get::<String, _>("title")?),
            f("Cycle", x.try_get::<String, _>("cycle")?),
            f("Le", when(x.try_get("start_at")?)),
        ]);
    }
    Ok(vec![
        Section {
            title: "Fiche d'intervenant·e".into(),
            purpose: "Choisir qui intervient, planifier, justifier des compétences.".into(),
            retention: format!("Durée de la collaboration, puis {} ans", c.contact_years),
            rows: vec![vec![
                f("Prénom", &i.first_name),
                f("Nom", &i.last_name),
                f("E-mail", &i.email),
                f("Téléphone", &i.phone),
                f("Lieu de rattachement", &i.place_name),
                f("Adresse", format!("{} {} {}", i.address, i.postal_code, i.city)),
                f("Secteurs", i.sectors.join(", ")),
                f("CV", &i.cv),
                f("Tarif journalier HT", crate::money::euros(i.daily_rate)),
            ]],
        },
        Section {
            title: "Séances animées".into(),
            purpose: "Planification ; le nom figure sur les feuilles signées.".into(),
            retention: format!("{} ans après la séance (feuilles d'émargement)", c.records_years),
            rows,
        },
    ])
}

/// The sections of an account's data (of an organisation's account, or one's own account when `org`
/// is none).
pub async fn user(db: &Db, org: Option<i64>, id: i64) -> Result<Vec<Section>, AppError> {
    let u = match org {
        Some(org) => crate::auth::store::user_in_org(db, org, id).await?,
        None => crate::auth::store::user_by_id(db, id).await?.ok_or(AppError::NotFound)?,
    };
    let mut tokens = Vec::new();
    for t in crate::auth::store::list_tokens(db, id).await? {
        tokens.push(vec![
            f("Jeton", &t.name),
            f("Créé le", when(t.created_at)),
            f("Utilisé le", opt_when(t.last_used_at)),
        ]);
    }
    let mut attempts = Vec::new();
    for a in sqlx::query("SELECT ip, at, success FROM login_attempts WHERE email = $1 ORDER BY id")
        .bind(&u.email)
        .fetch_all(&db.pool)
        .await?
    {
        let ok = crate::db::get_bool(&a, "success")?;
        attempts.push(vec![
            f("Tentative de connexion", if ok { "réussie" } else { "échouée" }),
            f("Adresse IP", a.try_get::<String, _>("ip")?),
            f("Le", when(a.try_get("at")?)),
        ]);
    }
    let mut trail = Vec::new();
    for a in sqlx::query("SELECT action, at, reason FROM audit_log WHERE user_id = $1 ORDER BY id")
        .bind(id)
        .fetch_all(&db.pool)
        .await?
    {
        trail.push(vec![
            f("Action", a.try_get::<String, _>("action")?),
            f("Le", when(a.try_get("at")?)),
            f("Motif", a.try_get::<String, _>("reason")?),
        ]);
    }
    Ok(vec![
        Section {
            title: "Compte".into(),
            purpose: "Se connecter à Acunum.".into(),
            retention: "Tant que le compte est actif".into(),
            rows: vec![vec![
                f("Nom", &u.name),
                f("E-mail", &u.email),
                f("Rôle", u.role().label()),
                f("Actif", if u.active { "oui" } else { "non" }),
                f("Créé le", when(u.created_at)),
                f("Mot de passe", "gardé sous forme d'empreinte argon2, jamais en clair"),
            ]],
        },
        Section {
            title: "Jetons d'API".into(),
            purpose: "Accès des programmes à l'API.".into(),
            retention: "Jusqu'à leur suppression".into(),
            rows: tokens,
        },
        Section {
            title: "Tentatives de connexion".into(),
            purpose: "Protéger le compte contre les essais de mots de passe.".into(),
            retention: "1 jour".into(),
            rows: attempts,
        },
        Section {
            title: "Journal".into(),
            purpose: "Preuve des annulations et corrections faites avec ce compte.".into(),
            retention: "Conservé avec les documents concernés".into(),
            rows: trail,
        },
    ])
}

/// The retention periods in effect.
#[derive(Clone, Copy, Debug)]
pub struct Retentions {
    pub contact_years: i64,
    pub records_years: i64,
    pub logs_days: i64,
}

impl Retentions {
    pub fn of(c: &crate::config::Config) -> Retentions {
        Retentions {
            contact_years: c.retention_contact_years,
            records_years: c.retention_records_years,
            logs_days: c.retention_logs_days,
        }
    }
}

// --- erasure ---------------------------------------------------------------------------------------

/// Whether a participant is on a legal record (a mark, a certificate).
pub async fn participant_on_records(db: &Db, org: i64, id: i64) -> Result<bool, AppError> {
    crate::cycle::store::participant_has_records(db, org, id).await
}

/// Erases what is not a legal record of a participant; keeps the name (and structure) on the sheets
/// and certificates. With `delete`, the participant is removed entirely (nothing legal holds them).
pub async fn erase_participant(db: &Db, org: i64, id: i64, delete: bool) -> Result<(), AppError> {
    let email: String = sqlx::query_scalar("SELECT email FROM participants WHERE id = $1 AND org_id = $2")
        .bind(id)
        .bind(org)
        .fetch_optional(&db.pool)
        .await?
        .ok_or(AppError::NotFound)?;
    // What they expected, any particular need (possibly about their health) and their free answers
    // go; the scores stay as the training's evidence (indicators 8 and 11), and go with the person
    // when deleted.
    crate::assessment::store::erase_words(db, org, id).await?;
    let mut tx = db.pool.begin().await?;
    sqlx::query(
        "DELETE FROM survey_invitations WHERE org_id = $1 AND lower(email) = lower($2) AND answered_at IS NULL",
    )
    .bind(org)
    .bind(&email)
    .execute(&mut *tx)
    .await?;
    sqlx::query("UPDATE survey_invitations SET name = '', email = $1 WHERE org_id = $2 AND lower(email) = lower($3)")
        .bind(erased_email(PersonKind::Participant, id))
        .bind(org)
        .bind(&email)
        .execute(&mut *tx)
        .await?;
    sqlx::query("DELETE FROM veille_digests WHERE org_id = $1 AND lower(email) = lower($2)")
        .bind(org)
        .bind(&email)
        .execute(&mut *tx)
        .await?;
    sqlx::query("DELETE FROM registrations WHERE org_id = $1 AND lower(email) = lower($2)")
        .bind(org)
        .bind(&email)
        .execute(&mut *tx)
        .await?;
    sqlx::query("DELETE FROM entry_reads WHERE reader = $1").bind(format!("p{id}")).execute(&mut *tx).await?;
    sqlx::query("DELETE FROM mutual_posts WHERE participant_id = $1 AND org_id = $2")
        .bind(id)
        .bind(org)
        .execute(&mut *tx)
        .await?;
    if delete {
        sqlx::query("DELETE FROM participants WHERE id = $1 AND org_id = $2")
            .bind(id)
            .bind(org)
            .execute(&mut *tx)
            .await?;
    } else {
        // The personal link stops working; the name stays on the legal records.
        sqlx::query(
            "UPDATE participants SET email = $1, phone = '', job = '', service = '', calendar_token = $2, user_id = NULL, \
             calendar_token_hash = $5 WHERE id = $3 AND org_id = $4",
        )
        .bind(erased_email(PersonKind::Participant, id))
        .bind(crate::auth::random_token())
        .bind(id)
        .bind(org)
        // No link opens an erased person's page any more (and none is made again from the nonce).
        .bind(format!("effacé-{id}"))
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Deletes a client contact (a contact is not a legal record; the quotes keep the name typed when
/// deciding).
pub async fn erase_contact(db: &Db, org: i64, id: i64) -> Result<Option<i64>, AppError> {
    let user: Option<i64> = sqlx::query_scalar("SELECT user_id FROM client_contacts WHERE id = $1 AND org_id = $2")
        .bind(id)
        .bind(org)
        .fetch_optional(&db.pool)
        .await?
        .ok_or(AppError::NotFound)?;
    sqlx::query("DELETE FROM client_contacts WHERE id = $1 AND org_id = $2")
        .bind(id)
        .bind(org)
        .execute(&db.pool)
        .await?;
    Ok(user)
}

/// Erases an intervenant's contact data, CV and place; the name stays on the sheets they signed.
/// With `delete`, the record is removed (no session names them).
pub async fn erase_intervenant(db: &Db, org: i64, id: i64, delete: bool) -> Result<Option<i64>, AppError> {
    let user: Option<i64> = sqlx::query_scalar("SELECT user_id FROM intervenants WHERE id = $1 AND org_id = $2")
        .bind(id)
        .bind(org)
        .fetch_optional(&db.pool)
        .await?
        .ok_or(AppError::NotFound)?;
    if delete {
        crate::intervenant::store::delete(db, org, id).await?;
    } else {
        sqlx::query(
            "UPDATE intervenants SET email = '', phone = '', place_name = '', address = '', postal_code = '', city = '', \
             latitude = NULL, longitude = NULL, cv = '', active = FALSE, calendar_token = NULL WHERE id = $1 AND org_id = $2",
        )
        .bind(id)
        .bind(org)
        .execute(&db.pool)
        .await?;
    }
    Ok(user)
}

/// Anonymises an account: it can no longer log in, its name and address are gone, its tokens and
/// sessions end; the row stays for the records that name who did what.
pub async fn erase_user(db: &Db, org: i64, id: i64) -> Result<(), AppError> {
    let u = crate::auth::store::user_in_org(db, org, id).await?;
    let mut tx = db.pool.begin().await?;
    sqlx::query(
        "UPDATE users SET name = 'Compte effacé', email = $1, active = FALSE, password_hash = '!' WHERE id = $2",
    )
    .bind(erased_email(PersonKind::User, id))
    .bind(id)
    .execute(&mut *tx)
    .await?;
    sqlx::query("DELETE FROM api_tokens WHERE user_id = $1").bind(id).execute(&mut *tx).await?;
    sqlx::query("DELETE FROM password_resets WHERE user_id = $1").bind(id).execute(&mut *tx).await?;
    sqlx::query("DELETE FROM login_attempts WHERE email = $1").bind(&u.email).execute(&mut *tx).await?;
    tx.commit().await?;
    crate::auth::store::caches(db).users.remove(&id);
    crate::auth::store::caches(db).tokens.clear();
    Ok(())
}

// --- retention -------------------------------------------------------------------------------------

/// What the daily retention did.
#[derive(Clone, Debug, Default, serde::Serialize, utoipa::ToSchema)]
pub struct RetentionReport {
    /// Participants whose contact data was erased (cycle ended `contact_years` ago).
    pub contacts_erased: i64,
    /// Participants anonymised on the sheets and certificates (`records_years` after the end).
    pub records_anonymised: i64,
    /// Messages of the outbox deleted (`logs_days` after sending or cancelling).
    pub messages_deleted: i64,
}

/// The cycles of every organisation whose last session ended before `before`, with their organisation.
async fn cycles_ended_before(db: &Db, before: i64) -> Result<Vec<(i64, i64)>, AppError> {
    Ok(sqlx::query_as(
        "SELECT c.org_id, c.id FROM cycles c WHERE EXISTS (SELECT 1 FROM training_sessions s WHERE s.cycle_id = c.id) \
         AND (SELECT MAX(s.end_at) FROM training_sessions s WHERE s.cycle_id = c.id) < $1",
    )
    .bind(before)
    .fetch_all(&db.pool)
    .await?)
}

/// Applies the retention periods at `now` to every organisation.
pub async fn apply_retention(db: &Db, r: &Retentions, now: i64) -> Result<RetentionReport, AppError> {
    let mut report = RetentionReport::default();
    let year = 365 * 86_400 + 6 * 3600;
    if r.contact_years > 0 {
        for (org, cycle) in cycles_ended_before(db, now - r.contact_years * year).await? {
            let ids: Vec<i64> = sqlx::query_scalar(
                "SELECT id FROM participants WHERE cycle_id = $1 AND org_id = $2 AND email NOT LIKE 'efface-%'",
            )
            .bind(cycle)
            .bind(org)
            .fetch_all(&db.pool)
            .await?;
            for id in ids {
                let delete = false;
                erase_participant(db, org, id, delete).await?;
                report.contacts_erased += 1;
            }
        }
    }
    if r.records_years > 0 {
        for (org, cycle) in cycles_ended_before(db, now - r.records_years * year).await? {
            let n = sqlx::query(
                "UPDATE participants SET first_name = 'Personne', last_name = 'anonymisée n° ' || CAST(id AS TEXT), structure = '' \
                 WHERE cycle_id = $1 AND org_id = $2 AND first_name <> 'Personne'",
            )
            .bind(cycle)
            .bind(org)
            .execute(&db.pool)
            .await?
            .rows_affected();
            sqlx::query(
                "UPDATE attendance SET signature = NULL, ip = '' WHERE org_id = $1 AND half_day_id IN \
                 (SELECT h.id FROM half_days h JOIN training_sessions s ON s.id = h.session_id WHERE s.cycle_id = $2)",
            )
            .bind(org)
            .bind(cycle)
            .execute(&db.pool)
            .await?;
            report.records_anonymised += n as i64;
        }
    }
    if r.logs_days > 0 {
        report.messages_deleted =
            sqlx::query("DELETE FROM jobs WHERE kind = 'mail' AND status IN ('done', 'cancelled') AND done_at < $1")
                .bind(now - r.logs_days * 86_400)
                .execute(&db.pool)
                .await?
                .rows_affected() as i64;
    }
    Ok(report)
}
