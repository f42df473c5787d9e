//! Attendance sheets (per half-day and per module, and the blank sheet for a room without
//! network), certificats de réalisation and attestations de fin de formation, and the archive of
//! a module's certificates.

use std::io::Write;

use serde_json::{Value, json};

use crate::attendance::store::{self as att, HalfDay, Mark};
use crate::attendance::{Status, attended_minutes, hours_text};
use crate::catalogue::ModuleKind;
use crate::cycle::store::{self as cycles, Cycle, CycleModule, Participant, TrainingSession};
use crate::cycle::{Membership, mails};
use crate::db::Db;
use crate::documents::org_data;
use crate::error::AppError;
use crate::fr::date_long;

const ATTENDANCE: &str = include_str!("../../pdf/attendance.typ");
const CERTIFICATE: &str = include_str!("../../pdf/certificate.typ");

/// Who signs the sheets of a module: the groupe mixte for the culture training, the committee for
/// the usage training and the AMO; conferences have no attendance sheet (their audience registers).
pub fn attendees(kind: ModuleKind, people: &[Participant]) -> Vec<Participant> {
    people
        .iter()
        .filter(|p| match kind {
            ModuleKind::CultureTraining => p.membership == Membership::Group,
            ModuleKind::UsageTraining | ModuleKind::Amo => p.committee,
            ModuleKind::Conference => false,
        })
        .cloned()
        .collect()
}

/// A module's half-days with their session and current marks.
pub struct ModuleAttendance {
    pub cycle: Cycle,
    pub module: CycleModule,
    pub people: Vec<Participant>,
    pub halves: Vec<(TrainingSession, HalfDay, Vec<Mark>)>,
}

impl ModuleAttendance {
    pub fn planned_minutes(&self) -> i64 {
        self.halves.iter().map(|(_, h, _)| h.minutes).sum()
    }

    /// Minutes followed by a participant over the module, from the closed sheets only (a sheet
    /// still open may change).
    pub fn attended(&self, participant_id: i64) -> i64 {
        self.halves
            .iter()
            .filter(|(_, h, _)| h.is_locked())
            .map(|(_, h, marks)| {
                let m = marks.iter().find(|m| m.participant_id == participant_id);
                attended_minutes(h.minutes, m.map(|m| m.status), m.map(|m| m.late_minutes).unwrap_or(0))
            })
            .sum()
    }

    /// The half-days whose sheet is not closed yet.
    pub fn unlocked(&self) -> Vec<&HalfDay> {
        self.halves.iter().filter(|(_, h, _)| !h.is_locked()).map(|(_, h, _)| h).collect()
    }

    /// The end of the module's last (not cancelled) session.
    pub fn last_end(&self) -> Option<i64> {
        self.halves.iter().map(|(s, _, _)| s.end_at).max()
    }

    pub fn mark(&self, half_day_id: i64, participant_id: i64) -> Option<&Mark> {
        self.halves
            .iter()
            .find(|(_, h, _)| h.id == half_day_id)
            .and_then(|(_, _, m)| m.iter().find(|m| m.participant_id == participant_id))
    }
}

pub async fn module_attendance(
    db: &Db,
    org_id: i64,
    cycle_id: i64,
    cycle_module_id: i64,
) -> Result<ModuleAttendance, AppError> {
    let cycle = cycles::get(db, org_id, cycle_id).await?;
    let module = cycles::module(db, org_id, cycle_id, cycle_module_id).await?;
    let everyone = cycles::participants(db, org_id, cycle_id).await?;
    let mut people = attendees(module.kind, &everyone);
    let mut halves = Vec::new();
    // A cancelled session has no sheet and no hours.
    for s in cycles::sessions(db, org_id, cycle_id)
        .await?
        .into_iter()
        .filter(|s| s.cycle_module_id == cycle_module_id && !s.is_cancelled())
    {
        for h in att::ensure(db, org_id, &s).await? {
            let marks = att::current(db, org_id, h.id).await?;
            halves.push((s.clone(), h, marks));
        }
    }
    // Whoever has a mark stays on the records, even after leaving the group.
    for (_, _, marks) in &halves {
        for m in marks {
            if !people.iter().any(|p| p.id == m.participant_id)
                && let Some(p) = everyone.iter().find(|p| p.id == m.participant_id)
            {
                people.push(p.clone());
            }
        }
    }
    Ok(ModuleAttendance { cycle, module, people, halves })
}

fn signature_file(files: &mut Vec<acunum_pdf::File>, name: String, data_url: &Option<String>) -> Value {
    match data_url.as_deref().map(crate::attendance::decode_signature) {
        Some(Ok(bytes)) => {
            files.push(acunum_pdf::File::new(name.clone(), bytes));
            json!(name)
        }
        _ => Value::Null,
    }
}

fn half_when(h: &HalfDay, tz: chrono_tz::Tz) -> String {
    let a = chrono::DateTime::from_timestamp(h.start_at, 0).unwrap_or_default().with_timezone(&tz);
    let b = chrono::DateTime::from_timestamp(h.end_at, 0).unwrap_or_default().with_timezone(&tz);
    format!(
        "{} ({}), de {} à {}",
        date_long(a.date_naive()),
        h.part.label().to_lowercase(),
        a.format("%H h %M"),
        b.format("%H h %M")
    )
}

/// The attendance sheets of some half-days of a module, as one PDF (blank for the paper version).
pub async fn sheets_pdf(
    db: &Db,
    org_id: i64,
    ma: &ModuleAttendance,
    only: Option<i64>,
    blank: bool,
) -> Result<Vec<u8>, AppError> {
    let org = crate::org::store::get(db, org_id).await?;
    let (org_json, logo) = org_data(db, &org).await?;
    let tz = ma.cycle.tz();
    let mut files: Vec<acunum_pdf::File> = logo.into_iter().collect();
    let mut sheets = Vec::new();
    for (s, h, marks) in ma.halves.iter().filter(|(_, h, _)| only.is_none_or(|o| o == h.id)) {
        let place = mails::place_of(db, org_id, s).await;
        let mut rows = Vec::new();
        for p in &ma.people {
            let m = if blank { None } else { marks.iter().find(|m| m.participant_id == p.id) };
            let (status, detail) = match m {
                None => (String::new(), String::new()),
                Some(m) => (
                    m.status.label().to_string(),
                    match m.status {
                        Status::Excused => m.reason.clone(),
                        Status::Late => format!(
                            "{} min de retard{}",
                            m.late_minutes,
                            if m.reason.is_empty() { String::new() } else { format!(" — {}", m.reason) }
                        ),
                        _ if m.method == "paper" => "d'après la feuille papier".into(),
                        _ => String::new(),
                    },
                ),
            };
            let signature = if blank {
                Value::Null
            } else {
                signature_file(&mut files, format!("sig-{}-{}.png", h.id, p.id), &m.and_then(|m| m.signature.clone()))
            };
            let note = match m {
                Some(m) if m.status == Status::Present && m.method == "trainer" => {
                    "présence constatée par l'intervenant·e".to_string()
                }
                _ => String::new(),
            };
            rows.push(json!({"name": p.full_name(), "structure": p.structure, "status": status, "detail": detail, "signature": signature, "note": note}));
        }
        let trainer_sig = if blank {
            Value::Null
        } else {
            signature_file(&mut files, format!("trainer-{}.png", h.id), &h.trainer_signature)
        };
        sheets.push(json!({
            "title": s.title,
            "when": half_when(h, tz),
            "duration": hours_text(h.minutes),
            "place": if place.is_empty() { "—".to_string() } else { place },
            "trainer": h.trainer_name.clone().or_else(|| s.intervenant_name.clone()).unwrap_or_default(),
            "locked": if blank { String::new() } else { h.locked_at.map(crate::fr::date).unwrap_or_default() },
            "trainer_signature": trainer_sig,
            "rows": rows,
        }));
    }
    if sheets.is_empty() {
        return Err(AppError::Conflict("Ce module n'a pas encore de séance : pas de feuille d'émargement.".into()));
    }
    let data = json!({
        "title": format!("Émargement — {}", ma.module.title),
        "reference": format!("Feuilles d'émargement — {} — {}", ma.module.title, ma.cycle.title),
        "org": org_json,
        "module": ma.module.title,
        "cycle": format!("{} ({})", ma.cycle.title, ma.cycle.client_name),
        "blank": blank,
        "sheets": sheets,
    });
    crate::documents::render(ATTENDANCE, data, files).await
}

/// The organisation that signs the certificates, loaded once for a batch.
pub struct Issuer {
    org: crate::org::Organisation,
    json: Value,
    logo: Option<(String, Vec<u8>)>,
}

impl Issuer {
    pub async fn load(db: &Db, org_id: i64) -> Result<Issuer, AppError> {
        let org = crate::org::store::get(db, org_id).await?;
        let (json, logo) = org_data(db, &org).await?;
        Ok(Issuer { org, json, logo: logo.map(|f| (f.path, f.bytes)) })
    }
}

/// What a certificat de réalisation (`realisation`) or an attestation de fin de formation
/// (`attestation`) says, fixed when it is issued at `issued_at`: it is stored with the certificate
/// and printed from there, so that a certificate reads the same every time it is downloaded.
pub fn certificate_content(
    issuer: &Issuer,
    ma: &ModuleAttendance,
    participant: &Participant,
    kind: &str,
    issued_at: i64,
    results: &[(String, &str)],
) -> Result<Value, AppError> {
    let org = &issuer.org;
    let tz = ma.cycle.tz();
    let dates: Vec<i64> = ma.halves.iter().map(|(_, h, _)| h.start_at).collect();
    let (Some(first), Some(last)) = (dates.iter().min(), dates.iter().max()) else {
        return Err(AppError::Conflict("Ce module n'a pas encore de séance : pas de certificat.".into()));
    };
    let day = |t: i64| date_long(crate::fr::local(t, tz).date_naive());
    let details: Vec<Value> = ma
        .halves
        .iter()
        .map(|(_, h, _)| {
            let m = ma.mark(h.id, participant.id);
            json!({
                "when": half_when(h, tz),
                "status": m.map(|m| m.status.label()).unwrap_or("non renseignée"),
                "hours": hours_text(attended_minutes(h.minutes, m.map(|m| m.status), m.map(|m| m.late_minutes).unwrap_or(0))),
            })
        })
        .collect();
    let signatory = org.pedagogical_contact.split(',').next().unwrap_or_default().trim().to_string();
    let heading = if kind == "realisation" { "Certificat de réalisation" } else { "Attestation de fin de formation" };
    Ok(json!({
        "title": ma.module.title,
        "heading": heading,
        "kind": kind,
        "reference": format!("{} — {} — {}", participant.full_name(), ma.module.title, ma.cycle.title),
        "org": issuer.json.clone(),
        "signatory": if signatory.is_empty() { "la direction".to_string() } else { signatory },
        "person": participant.full_name(),
        "employer": if participant.structure.is_empty() { ma.cycle.client_name.clone() } else { participant.structure.clone() },
        "title_text": ma.module.title,
        "from": day(*first),
        "to": day(*last),
        "attended": hours_text(ma.attended(participant.id)),
        "planned": hours_text(ma.planned_minutes()),
        "details": details,
        "objectives": ma.module.content.objectives_list(),
        // The result of each objective, from the final assessment (attestation only).
        "results": results.iter().map(|(o, r)| json!({"objective": o, "result": r})).collect::<Vec<_>>(),
        "evaluation": if ma.module.content.evaluation.is_empty() { "Les acquis ont été évalués au fil des exercices individuels et collectifs.".to_string() } else { ma.module.content.evaluation.clone() },
        "city": if org.city.is_empty() { "—".to_string() } else { org.city.clone() },
        "date": date_long(crate::fr::local(issued_at, tz).date_naive()),
    }))
}

/// Prints an issued certificate (its stored content, with the organisation's logo of today).
pub async fn certificate_pdf(issuer: &Issuer, content: &str) -> Result<Vec<u8>, AppError> {
    let data: Value = serde_json::from_str(content).map_err(|e| AppError::Internal(e.into()))?;
    let logo = issuer.logo.as_ref().map(|(p, b)| acunum_pdf::File::new(p.clone(), b.clone()));
    crate::documents::render(CERTIFICATE, data, logo).await
}

/// Issued certificates, each as `(file name without extension, stored content)`, in one ZIP
/// archive; each document goes in as soon as it is printed (memory holds one PDF at a time).
pub async fn certificates_zip(issuer: &Issuer, items: &[(String, String)]) -> Result<Vec<u8>, AppError> {
    let mut out = std::io::Cursor::new(Vec::new());
    {
        let mut zip = zip::ZipWriter::new(&mut out);
        let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
        for (name, content) in items {
            let bytes = certificate_pdf(issuer, content).await?;
            zip.start_file(format!("{name}.pdf"), options).map_err(|e| AppError::Internal(e.into()))?;
            zip.write_all(&bytes).map_err(|e| AppError::Internal(e.into()))?;
        }
        zip.finish().map_err(|e| AppError::Internal(e.into()))?;
    }
    Ok(out.into_inner())
}
