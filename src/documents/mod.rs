//! Documents as PDF: one place that gathers the organisation's identity, writes amounts and dates
//! the French way, and hands templates (`pdf/*.typ`) and their data to Typst (`acunum-pdf`).
//! Programme sheets, quotes and conventions use it; attendance sheets and certificates will too.

use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::catalogue::{ModuleContent, ModuleKind};
use crate::db::Db;
use crate::error::AppError;
use crate::org::{NDA_MENTION, Organisation, VAT_EXEMPTION_MENTION};

const COMMON: &str = include_str!("../../pdf/common.typ");
pub const PROGRAMME: &str = include_str!("../../pdf/programme.typ");
pub const QUOTE: &str = include_str!("../../pdf/quote.typ");
pub const CONVENTION: &str = include_str!("../../pdf/convention.typ");

/// The organisation's identity block, and its logo as a file for Typst.
pub async fn org_data(db: &Db, org: &Organisation) -> Result<(Value, Option<acunum_pdf::File>), AppError> {
    // A logo kept before images were checked on receipt is checked again (its header only): an
    // image bomb is left out of the document rather than decoded.
    let logo = crate::org::store::logo(db, org.id)
        .await?
        .filter(|(_, bytes)| crate::images::check_size(bytes, &crate::images::LOGO).is_ok())
        .map(|(mime, bytes)| {
            let name = if mime == "image/png" { "logo.png" } else { "logo.jpg" };
            acunum_pdf::File::new(name, bytes)
        });
    let address_line = [org.address.as_str(), &format!("{} {}", org.postal_code, org.city)]
        .iter()
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(", ");
    let contact_line = [org.email.as_str(), org.phone.as_str(), org.website.as_str()]
        .iter()
        .filter(|s| !s.is_empty())
        .cloned()
        .collect::<Vec<_>>()
        .join(" · ");
    let mut legal = vec![org.name.clone()];
    if !org.siret.is_empty() {
        legal.push(format!("SIRET {}", org.siret));
    }
    if !org.vat_number.is_empty() {
        legal.push(format!("TVA {}", org.vat_number));
    }
    let nda_line = if org.nda.is_empty() {
        String::new()
    } else {
        format!(
            "Déclaration d'activité enregistrée sous le numéro {} auprès du préfet de région. {NDA_MENTION}",
            org.nda
        )
    };
    let signatory = org.pedagogical_contact.split(',').next().unwrap_or_default().trim().to_string();
    Ok((
        json!({
            "name": org.name,
            "address_line": address_line,
            "contact_line": contact_line,
            "legal_line": legal.join(" — "),
            "nda_line": nda_line,
            "signatory": signatory,
            "logo": logo.as_ref().map(|f| f.path.clone()),
        }),
        logo,
    ))
}

/// A module's programme as the templates read it.
pub fn module_data(kind: ModuleKind, c: &ModuleContent, org: &Organisation) -> Value {
    let mut prereq: Vec<String> = Vec::new();
    if !c.prereq_culture.is_empty() {
        prereq.push(format!("culture numérique : {}", c.prereq_culture));
    }
    if !c.prereq_technicity.is_empty() {
        prereq.push(format!("technicité : {}", c.prereq_technicity));
    }
    if !c.prereq_other.is_empty() {
        prereq.push(c.prereq_other.clone());
    }
    let mut price = format!("{} HT {}", crate::money::euros(c.price), c.price_basis.label());
    if kind.is_training() && org.vat_exempt {
        price.push_str(&format!(" — {VAT_EXEMPTION_MENTION}"));
    }
    price.push_str(". Frais de déplacement, de restauration et d'hébergement en supplément.");
    let mut accessibility = c.accessibility.clone();
    if !org.handicap_contact.is_empty() {
        accessibility.push_str(&format!(" Référent·e handicap : {}.", org.handicap_contact));
    }
    let contacts = [org.name.as_str(), &org.pedagogical_contact, &org.email, &org.phone]
        .iter()
        .filter(|s| !s.is_empty())
        .cloned()
        .collect::<Vec<_>>()
        .join(" — ");
    let or_dash = |s: &str| if s.is_empty() { "—".to_string() } else { s.to_string() };
    json!({
        "kind": kind.label(),
        "title": c.title,
        "summary": c.summary.split("\n\n").map(str::trim).filter(|p| !p.is_empty()).collect::<Vec<_>>(),
        "objectives": c.objectives_list(),
        "public": or_dash(&c.public_target),
        "prerequisites": if prereq.is_empty() { "Aucun".to_string() } else { prereq.join(" ; ") },
        "headcount": c.headcount_label(),
        "duration": c.duration_label(),
        "access": or_dash(&c.access_modalities),
        "price": price,
        "methods": or_dash(&c.methods),
        "evaluation": or_dash(&c.evaluation),
        "accessibility": or_dash(&accessibility),
        "contacts": contacts,
        "plan": c.plan.iter().map(|u| json!({"title": u.title, "description": u.description, "items": u.items})).collect::<Vec<_>>(),
        "logistics": c.logistics,
        "topics": c.topics,
    })
}

/// How long a document may take to typeset before the person is told to try again.
const RENDER_BUDGET: std::time::Duration = std::time::Duration::from_secs(60);

/// At most one document per core is typeset at a time: what the server's memory can hold whatever
/// is asked at once (a PDF takes tens of megabytes while it is made).
fn render_permits() -> &'static std::sync::Arc<tokio::sync::Semaphore> {
    static PERMITS: std::sync::OnceLock<std::sync::Arc<tokio::sync::Semaphore>> = std::sync::OnceLock::new();
    PERMITS.get_or_init(|| {
        let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2);
        std::sync::Arc::new(tokio::sync::Semaphore::new(cores))
    })
}

/// Runs a typesetting job on a blocking thread within the budget: a permit (held until the job
/// ends, even past the budget) and a time limit, after which the person gets a 503 in French.
async fn within_budget(job: impl FnOnce() -> Result<Vec<u8>, AppError> + Send + 'static) -> Result<Vec<u8>, AppError> {
    let permit = tokio::time::timeout(RENDER_BUDGET, render_permits().clone().acquire_owned())
        .await
        .map_err(|_| busy())?
        .map_err(|e| AppError::Internal(e.into()))?;
    let task = tokio::task::spawn_blocking(move || {
        let out = job();
        drop(permit);
        out
    });
    tokio::time::timeout(RENDER_BUDGET, task).await.map_err(|_| busy())?.map_err(|e| AppError::Internal(e.into()))?
}

fn busy() -> AppError {
    AppError::Unavailable("Le document met trop de temps à être composé : réessayez dans quelques minutes.".into())
}

/// Typesets `template` with `data` and its files (the logo, signatures…) on a blocking thread.
pub async fn render(
    template: &'static str,
    data: Value,
    files: impl IntoIterator<Item = acunum_pdf::File>,
) -> Result<Vec<u8>, AppError> {
    let files: Vec<acunum_pdf::File> = files.into_iter().collect();
    within_budget(move || render_now(template, &data, files)).await
}

/// Typesets an archival document (PDF/A-3b) with its own options (attachments, XMP metadata, date).
pub async fn render_archival(
    template: &'static str,
    data: Value,
    files: Vec<acunum_pdf::File>,
    options: acunum_pdf::Options,
) -> Result<Vec<u8>, AppError> {
    within_budget(move || render_with(template, &data, files, &options)).await
}

/// Typesets on the current thread (benchmarks, batch jobs).
pub fn render_now(template: &str, data: &Value, extra: Vec<acunum_pdf::File>) -> Result<Vec<u8>, AppError> {
    render_with(template, data, extra, &acunum_pdf::Options::default())
}

/// Typesets on the current thread with export options.
pub fn render_with(
    template: &str,
    data: &Value,
    extra: Vec<acunum_pdf::File>,
    options: &acunum_pdf::Options,
) -> Result<Vec<u8>, AppError> {
    let mut files = vec![
        acunum_pdf::File::new("common.typ", COMMON.as_bytes().to_vec()),
        acunum_pdf::File::new("data.json", serde_json::to_vec(data).map_err(|e| AppError::Internal(e.into()))?),
    ];
    files.extend(extra);
    acunum_pdf::render_with(template, files, options).map_err(|e| AppError::Internal(anyhow::anyhow!("pdf: {e}")))
}

/// A PDF as a download.
pub fn pdf_response(filename: &str, bytes: Vec<u8>) -> Response {
    (
        [
            (header::CONTENT_TYPE, "application/pdf".to_string()),
            (header::CONTENT_DISPOSITION, format!("inline; filename=\"{filename}\"")),
            (header::CACHE_CONTROL, "private, no-store".to_string()),
        ],
        bytes,
    )
        .into_response()
}

/// The programme sheet of a module version, as a PDF.
pub async fn programme_pdf(
    db: &Db,
    org: &Organisation,
    kind: ModuleKind,
    c: &ModuleContent,
    version: i64,
    updated_at: i64,
) -> Result<Vec<u8>, AppError> {
    let (org_json, logo) = org_data(db, org).await?;
    let data = json!({
        "title": format!("Programme — {}", c.title),
        "reference": format!("Programme {}, version {version}", crate::fr::quoted(&c.title)),
        "org": org_json,
        "module": module_data(kind, c, org),
        "updated": crate::fr::date(updated_at),
        "version": version,
    });
    render(PROGRAMME, data, logo).await
}

/// The programme of a module as a cycle runs it: with the topics its committee chose, if any.
pub async fn cycle_programme_pdf(
    db: &Db,
    org: &Organisation,
    kind: ModuleKind,
    c: &ModuleContent,
    version: i64,
    chosen: Option<&[String]>,
) -> Result<Vec<u8>, AppError> {
    let (org_json, logo) = org_data(db, org).await?;
    let mut module = module_data(kind, c, org);
    if let Some(topics) = chosen {
        module["chosen"] = json!(topics);
    }
    let data = json!({
        "title": format!("Programme — {}", c.title),
        "reference": format!("Programme {}, version {version}", crate::fr::quoted(&c.title)),
        "org": org_json,
        "module": module,
        "updated": crate::fr::date(crate::db::now()),
        "version": version,
    });
    render(PROGRAMME, data, logo).await
}
