//! The demo's records: a past training with its sheets, certificates and surveys, and invoices.

use super::*;

use crate::db::Db;
use crate::error::AppError;

/// The money trail of the cooperative's past training: its quote (the OPCO OCAPIAT pays half under
/// subrogation) accepted a month before, the deposit at the signature (paid), after the training
/// the final invoice (partly paid, overdue, with its reminder in the outbox) and the OPCO's invoice,
/// and a credit note.
pub(crate) async fn demo_invoices(db: &Db, org_id: i64, coop: i64, cycle_id: i64) -> Result<(), AppError> {
    use crate::invoice::service;
    let day = 86_400;
    crate::invoice::store::set_billing(
        db,
        org_id,
        &crate::invoice::store::Billing {
            iban: "FR7630006000011234567890189".into(),
            bic: "AGRIFRPP".into(),
            reminder_days: "7,30".into(),
            ..Default::default()
        },
    )
    .await?;
    let sessions = crate::cycle::store::sessions(db, org_id, cycle_id).await?;
    let first = sessions.iter().map(|s| s.start_at).min().unwrap_or(0);
    let last = sessions.iter().map(|s| s.end_at).max().unwrap_or(0);
    let date = |ts: i64| service::day_of(ts);
    let culture = crate::catalogue::store::list(db, org_id, false)
        .await?
        .into_iter()
        .find(|m| m.kind == crate::catalogue::ModuleKind::CultureTraining)
        .ok_or(AppError::NotFound)?;
    let coordinator = crate::auth::store::user_by_email(db, DEMO_ACCOUNTS[0].0).await?.ok_or(AppError::NotFound)?;
    let quote = crate::quote::service::create(
        db,
        org_id,
        coordinator.id,
        crate::quote::QuoteInput {
            client_id: coop,
            title: "Formation aux cultures numériques de la coopérative".into(),
            participants: 8,
            structures: 1,
            start_date: Some(date(first)),
            end_date: Some(date(last)),
            location: "Barbezieux-Saint-Hilaire".into(),
            items: vec![crate::quote::ItemInput { module_id: culture.id, ..Default::default() }],
            funding: Some(crate::quote::FundingInput {
                opco_name: "OCAPIAT".into(),
                file_number: "OCA-2026-0417".into(),
                mode: crate::quote::FundingMode::Share,
                share_percent: rust_decimal::Decimal::from(50),
                subrogation: true,
                opco_siren: "851296632".into(),
                ..Default::default()
            }),
            ..Default::default()
        },
    )
    .await?;
    let (_, link) = crate::quote::service::send(db, org_id, quote.id, "").await?;
    let token = link.rsplit('/').next().unwrap_or_default().to_string();
    crate::quote::store::decide(db, &token, true, "Marc Lefèvre, responsable des systèmes d'information", "").await?;
    // Sent five weeks before the training, accepted a week later: the demo's history.
    let (sent, accepted) = (first - 35 * day, first - 28 * day);
    sqlx::query("UPDATE quotes SET sent_at = $1, decided_at = $2, updated_at = $2 WHERE id = $3")
        .bind(sent)
        .bind(accepted)
        .bind(quote.id)
        .execute(&db.pool)
        .await?;
    sqlx::query("UPDATE cycles SET quote_id = $1 WHERE id = $2")
        .bind(quote.id)
        .bind(cycle_id)
        .execute(&db.pool)
        .await?;
    let state = |at: i64| crate::state::AppState {
        db: db.clone(),
        config: std::sync::Arc::new(crate::config::Config::default()),
        clock: crate::clock::Clock::fixed(at),
    };
    let user = crate::auth::CurrentUser { user: coordinator, via_token: false };
    let deposit = service::deposit(&state(accepted + 3600), &user, quote.id, rust_decimal::Decimal::from(30)).await?;
    let paid = |d: rust_decimal::Decimal| d.to_string();
    service::pay(
        &state(accepted + 12 * day),
        &user,
        deposit.id,
        &date(accepted + 12 * day).format("%Y-%m-%d").to_string(),
        &paid(deposit.total_ttc),
        "virement",
        "VIR COOP 2CHARENTES ACOMPTE",
    )
    .await?;
    let after = last + 3 * day;
    let fin = service::final_invoice(&state(after), &user, quote.id, false).await?;
    service::opco_invoice(&state(after + 600), &user, quote.id).await?;
    // The half-day Hugo Lambert was excused: a gesture, by a credit note.
    let credit = rust_decimal::Decimal::from(120);
    service::credit_note(
        &state(after + 2 * day),
        &user,
        fin.id,
        Some(credit),
        "Geste commercial : demi-journée manquée par un stagiaire excusé",
    )
    .await?;
    let part = crate::money::cents((fin.total_ttc - credit) / rust_decimal::Decimal::from(2));
    service::pay(
        &state(after + 20 * day),
        &user,
        fin.id,
        &date(after + 20 * day).format("%Y-%m-%d").to_string(),
        &paid(part),
        "cheque",
        "Chèque n° 0004521",
    )
    .await?;
    // Overdue now: its reminder waits in the outbox.
    service::remind_overdue(&state(crate::db::now())).await?;
    Ok(())
}

/// A culture training given two months ago for the cooperative: its sheets signed and closed (one
/// absent morning), its « à chaud » survey answered, so that certificates, results, indicators and
/// the BPF have something to show.
pub(crate) async fn demo_past_training(db: &Db, org_id: i64, client_id: i64) -> Result<i64, AppError> {
    use crate::attendance::Status;
    use crate::attendance::store::{self as att, NewMark};
    use crate::cycle::service::{ParticipantInput, add_participant, plan_module};
    let culture = crate::catalogue::store::list(db, org_id, false)
        .await?
        .into_iter()
        .find(|m| m.kind == crate::catalogue::ModuleKind::CultureTraining)
        .ok_or(AppError::NotFound)?;
    let version = crate::catalogue::store::version(db, org_id, culture.id, culture.version).await?.id;
    let cycle = crate::cycle::store::create(
        db,
        org_id,
        client_id,
        "Cycle ACUNUM de la coopérative (formation passée)",
        "Sud Charente",
        "Europe/Paris",
        None,
        &[version],
    )
    .await?;
    let people = [
        ("Sarah", "Petit", "Comptable", "Finances"),
        ("Lucas", "Morel", "Technicien", "Systèmes d'information"),
        ("Marion", "Chevalier", "Assistante", "Direction"),
        ("Hugo", "Lambert", "Conseiller agricole", "Terrain"),
        ("Léa", "Fontaine", "Chargée de communication", "Communication"),
        ("Nicolas", "Rousseau", "Magasinier", "Logistique"),
        ("Claire", "Vincent", "Responsable qualité", "Qualité"),
        ("Yann", "Mercier", "Commercial", "Ventes"),
    ];
    for (first, last, job, service) in people {
        add_participant(
            db,
            org_id,
            &cycle,
            &ParticipantInput {
                first_name: first.into(),
                last_name: last.into(),
                email: format!("{}.{}@demo-coop.acunum.fr", crate::org::slugify(first), crate::org::slugify(last)),
                job: job.into(),
                service: service.into(),
                structure: "Coopérative agricole des Deux-Charentes".into(),
                ..Default::default()
            },
        )
        .await?;
    }
    let cm = crate::cycle::store::modules(db, org_id, cycle.id).await?[0].id;
    let mut monday = crate::quote::today() - chrono::Days::new(63);
    while chrono::Datelike::weekday(&monday) != chrono::Weekday::Mon {
        monday = monday.pred_opt().unwrap_or(monday);
    }
    let params = crate::cycle::planning::PlanParams {
        start_date: monday,
        rhythm: crate::cycle::planning::Rhythm::Daily,
        start_time: chrono::NaiveTime::from_hms_opt(9, 0, 0).unwrap_or_default(),
        count: None,
        room_id: None,
        intervenant_id: None,
    };
    plan_module(db, org_id, &cycle, cm, &params, true).await?;
    let group = crate::cycle::store::participants(db, org_id, cycle.id).await?;
    let coordinator =
        crate::auth::store::user_by_email(db, DEMO_ACCOUNTS[0].0).await?.map(|u| u.id).ok_or(AppError::NotFound)?;
    let mut n = 0;
    for s in crate::cycle::store::sessions(db, org_id, cycle.id).await? {
        for h in att::ensure(db, org_id, &s).await? {
            for p in &group {
                let absent = n == 2 && p.last_name == "Lambert";
                let status = if absent { Status::Excused } else { Status::Present };
                let reason = if absent { "Rendez-vous médical" } else { "" };
                let mark = NewMark {
                    participant_id: p.id,
                    status,
                    reason,
                    late_minutes: 0,
                    signature: None,
                    method: "trainer",
                    actor: "Camille Durand (intervenant·e)",
                    ip: "",
                    // Noted during the half-day, dated when it happened.
                    at: h.start_at + 15 * 60,
                    correction: "",
                };
                att::add(db, org_id, h.id, &mark).await?;
            }
            att::lock(db, org_id, h.id, coordinator, "Camille Durand", "", h.end_at).await?;
            n += 1;
        }
    }
    let q = crate::survey::store::questionnaire(db, org_id, crate::survey::Audience::ParticipantHot).await?;
    let last_end =
        crate::cycle::store::sessions(db, org_id, cycle.id).await?.iter().map(|s| s.end_at).max().unwrap_or(0);
    let words = [
        "Très concret, j'ai enfin compris les réseaux sociaux.",
        "",
        "Un peu dense le troisième jour.",
        "",
        "Utile pour toute l'équipe.",
        "",
        "",
        "",
    ];
    for (i, p) in group.iter().enumerate() {
        let Some(inv) = crate::survey::store::invite(
            db,
            org_id,
            cm,
            crate::survey::Kind::Hot,
            &q,
            &p.full_name(),
            &p.email,
            last_end,
        )
        .await?
        else {
            continue;
        };
        if i == 7 {
            continue;
        }
        let mut answers = std::collections::BTreeMap::new();
        for question in &q.questions {
            let a = match question.kind {
                crate::survey::QuestionKind::Scale => crate::survey::Answer::Mark(if i % 3 == 0 { 5 } else { 4 }),
                crate::survey::QuestionKind::YesNo => crate::survey::Answer::YesNo(i != 2),
                crate::survey::QuestionKind::Text => crate::survey::Answer::Text(words[i].into()),
            };
            answers.insert(question.id.clone(), a);
        }
        crate::survey::store::respond(db, &inv, &answers).await?;
    }
    let first_start =
        crate::cycle::store::sessions(db, org_id, cycle.id).await?.iter().map(|s| s.start_at).min().unwrap_or(0);
    super::assessment::record(db, org_id, cycle.id, cm, &group, first_start, last_end).await?;
    // The certificates were issued the day after the last session.
    let ma = crate::attendance::documents::module_attendance(db, org_id, cycle.id, cm).await?;
    let issuer = crate::attendance::documents::Issuer::load(db, org_id).await?;
    let issued_at = last_end + 86_400;
    for p in &ma.people {
        for (kind, _) in crate::attendance::certificates::KINDS {
            let results = if kind == "attestation" {
                crate::assessment::store::attestation_results(db, org_id, cm, p.id).await?
            } else {
                Vec::new()
            };
            let content =
                crate::attendance::documents::certificate_content(&issuer, &ma, p, kind, issued_at, &results)?;
            att::issue_certificate(
                db,
                org_id,
                &att::NewCertificate {
                    cycle_id: cycle.id,
                    cycle_module_id: cm,
                    participant_id: p.id,
                    kind,
                    issued_at,
                    issued_by: Some(coordinator),
                    attended_minutes: ma.attended(p.id),
                    planned_minutes: ma.planned_minutes(),
                    content: &content.to_string(),
                },
            )
            .await?;
        }
    }
    Ok(cycle.id)
}
