//! The invoices' JSON API.

use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::auth::CurrentUser;
use crate::error::{AppError, ErrorBody};
use crate::extract::{Json, Path};
use crate::invoice::store::{self, Billing, Invoice, Payment};
use crate::invoice::{Document, Kind, service};
use crate::state::AppState;

/// An invoice with its document and payments.
#[derive(Serialize, utoipa::ToSchema)]
pub struct InvoiceDetail {
    #[serde(flatten)]
    pub invoice: Invoice,
    pub document: Document,
    pub payments: Vec<Payment>,
    /// Credit notes issued against it.
    pub credit_notes: Vec<String>,
    pub overdue: bool,
}

pub async fn detail(s: &AppState, org: i64, id: i64) -> Result<InvoiceDetail, AppError> {
    let invoice = store::get(&s.db, org, id).await?;
    let credit_notes =
        store::all(&s.db, org).await?.into_iter().filter(|i| i.credited_id == Some(id)).map(|i| i.number).collect();
    let overdue = crate::invoice::is_overdue(invoice.due_date, invoice.balance, service::day_of(s.now()))
        && invoice.kind != Kind::Credit;
    Ok(InvoiceDetail {
        document: invoice.document.clone(),
        payments: store::payments(&s.db, org, Some(id)).await?,
        invoice,
        credit_notes,
        overdue,
    })
}

#[derive(Deserialize, Default, utoipa::IntoParams)]
#[serde(default)]
pub struct InvoiceFilter {
    /// `unpaid` (something is due), `overdue` (past its due date), or every invoice.
    pub status: Option<String>,
    /// Issued in this year.
    pub year: Option<i32>,
}

/// Filters the organisation's invoices.
pub fn filter(list: Vec<Invoice>, f: &InvoiceFilter, today: chrono::NaiveDate) -> Vec<Invoice> {
    use chrono::Datelike;
    list.into_iter()
        .filter(|i| f.year.is_none_or(|y| i.issue_date.year() == y))
        .filter(|i| match f.status.as_deref() {
            Some("unpaid") => i.kind != Kind::Credit && i.balance > Decimal::ZERO,
            Some("overdue") => i.kind != Kind::Credit && crate::invoice::is_overdue(i.due_date, i.balance, today),
            _ => true,
        })
        .collect()
}

/// The organisation's invoices and credit notes, newest first, with what is paid and due.
#[utoipa::path(get, path = "/api/v1/invoices", tag = "invoices", params(InvoiceFilter),
    responses((status = 200, body = Vec<Invoice>), (status = 403, body = ErrorBody)))]
pub async fn list(
    user: CurrentUser,
    State(s): State<AppState>,
    Query(f): Query<InvoiceFilter>,
) -> Result<Json<Vec<Invoice>>, AppError> {
    let org = user.coordinator_org()?;
    let mut list = filter(store::all(&s.db, org).await?, &f, service::day_of(s.now()));
    list.reverse();
    Ok(Json(list))
}

/// One invoice: its document as issued, its payments, its credit notes.
#[utoipa::path(get, path = "/api/v1/invoices/{id}", tag = "invoices", params(("id" = i64, Path)),
    responses((status = 200, body = InvoiceDetail), (status = 404, body = ErrorBody)))]
pub async fn get_one(
    user: CurrentUser,
    State(s): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Json<InvoiceDetail>, AppError> {
    let org = user.coordinator_org()?;
    Ok(Json(detail(&s, org, id).await?))
}

/// The Factur-X PDF of an invoice (PDF/A-3 carrying its EN 16931 XML).
pub async fn pdf_response(s: &AppState, org: i64, id: i64) -> Result<Response, AppError> {
    let i = store::get(&s.db, org, id).await?;
    let pdf = crate::invoice::documents::pdf(&s.db, org, &i.document, i.issued_at).await?;
    Ok(crate::documents::pdf_response(&format!("{}.pdf", i.number), pdf))
}

/// The CII XML of an invoice alone.
pub async fn xml_response(s: &AppState, org: i64, id: i64) -> Result<Response, AppError> {
    let i = store::get(&s.db, org, id).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/xml; charset=utf-8".to_string()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{}.xml\"", i.number)),
        ],
        crate::invoice::cii::xml(&i.document),
    )
        .into_response())
}

#[utoipa::path(get, path = "/api/v1/invoices/{id}/pdf", tag = "invoices", params(("id" = i64, Path)),
    responses((status = 200, content_type = "application/pdf", body = Vec<u8>), (status = 404, body = ErrorBody)))]
pub async fn pdf(user: CurrentUser, State(s): State<AppState>, Path(id): Path<i64>) -> Result<Response, AppError> {
    pdf_response(&s, user.coordinator_org()?, id).await
}

#[utoipa::path(get, path = "/api/v1/invoices/{id}/xml", tag = "invoices", params(("id" = i64, Path)),
    responses((status = 200, content_type = "application/xml", body = String), (status = 404, body = ErrorBody)))]
pub async fn xml(user: CurrentUser, State(s): State<AppState>, Path(id): Path<i64>) -> Result<Response, AppError> {
    xml_response(&s, user.coordinator_org()?, id).await
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct IssueRequest {
    /// `deposit`, `final` or `opco`.
    pub kind: String,
    /// For a deposit: its share of what the client pays, in percent (30 by default).
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub percent: Option<Decimal>,
    /// For the final invoice: the trainings' quantities from the hours actually attended.
    #[serde(default)]
    pub attended: bool,
}

/// Issue an invoice from an accepted quote: a deposit, the final invoice after the training, or
/// the OPCO's share under subrogation.
#[utoipa::path(post, path = "/api/v1/quotes/{id}/invoices", tag = "invoices", params(("id" = i64, Path)),
    request_body = IssueRequest,
    responses((status = 201, body = Invoice), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn issue(
    user: CurrentUser,
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Json(b): Json<IssueRequest>,
) -> Result<Response, AppError> {
    // Another organisation's quote: not found, whatever the body says.
    crate::quote::store::get(&s.db, user.coordinator_org()?, id).await?;
    let inv = match b.kind.as_str() {
        "deposit" => service::deposit(&s, &user, id, b.percent.unwrap_or(Decimal::from(30))).await?,
        "final" => service::final_invoice(&s, &user, id, b.attended).await?,
        "opco" => service::opco_invoice(&s, &user, id).await?,
        _ => return Err(AppError::invalid("kind", "Choisissez « deposit », « final » ou « opco ».")),
    };
    Ok((StatusCode::CREATED, Json(inv)).into_response())
}

/// The invoices of a quote.
#[utoipa::path(get, path = "/api/v1/quotes/{id}/invoices", tag = "invoices", params(("id" = i64, Path)),
    responses((status = 200, body = Vec<Invoice>), (status = 404, body = ErrorBody)))]
pub async fn of_quote(
    user: CurrentUser,
    State(s): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Json<Vec<Invoice>>, AppError> {
    let org = user.coordinator_org()?;
    crate::quote::store::get(&s.db, org, id).await?;
    Ok(Json(store::of_quote(&s.db, org, id).await?))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct CreditRequest {
    /// Incl. VAT; the whole invoice when absent.
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub amount: Option<Decimal>,
    pub reason: String,
}

/// Issue a credit note (avoir) against an invoice: all of it, or an amount.
#[utoipa::path(post, path = "/api/v1/invoices/{id}/credit-notes", tag = "invoices", params(("id" = i64, Path)),
    request_body = CreditRequest,
    responses((status = 201, body = Invoice), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn credit(
    user: CurrentUser,
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Json(b): Json<CreditRequest>,
) -> Result<Response, AppError> {
    let inv = service::credit_note(&s, &user, id, b.amount, &b.reason).await?;
    Ok((StatusCode::CREATED, Json(inv)).into_response())
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct PaymentRequest {
    /// AAAA-MM-JJ, not in the future.
    pub paid_on: String,
    /// A decimal string ("1234.50"), at most what is still due.
    pub amount: String,
    /// virement, cheque, carte, prelevement, especes
    pub means: String,
    #[serde(default)]
    pub reference: String,
}

/// Record a payment received for an invoice (partial payments add up; never more than is due).
#[utoipa::path(post, path = "/api/v1/invoices/{id}/payments", tag = "invoices", params(("id" = i64, Path)),
    request_body = PaymentRequest,
    responses((status = 201, body = Invoice), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn pay(
    user: CurrentUser,
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Json(b): Json<PaymentRequest>,
) -> Result<Response, AppError> {
    let inv = service::pay(&s, &user, id, &b.paid_on, &b.amount, &b.means, &b.reference).await?;
    Ok((StatusCode::CREATED, Json(inv)).into_response())
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct CancelPayment {
    pub reason: String,
}

/// Cancel a payment recorded by mistake (it stays, marked cancelled).
#[utoipa::path(post, path = "/api/v1/payments/{id}/cancel", tag = "invoices", params(("id" = i64, Path)),
    request_body = CancelPayment,
    responses((status = 204), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn cancel_payment(
    user: CurrentUser,
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Json(b): Json<CancelPayment>,
) -> Result<StatusCode, AppError> {
    service::cancel_payment(&s, &user, id, &b.reason).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, Default, utoipa::IntoParams)]
#[serde(default)]
pub struct YearQuery {
    /// The fiscal year (calendar year); this year when absent.
    #[param(minimum = 2000, maximum = 2100)]
    pub year: Option<i32>,
}

pub fn year_of(q: &YearQuery, now: i64) -> Result<i32, AppError> {
    use chrono::Datelike;
    match q.year {
        Some(y) if (2000..=2100).contains(&y) => Ok(y),
        Some(_) => Err(AppError::invalid("year", "L'année est comprise entre 2000 et 2100.")),
        None => Ok(service::day_of(now).year()),
    }
}

/// The FEC of a year, and its file name.
pub async fn fec_of(s: &AppState, org: i64, year: i32) -> Result<(String, String), AppError> {
    let invoices = store::all(&s.db, org).await?;
    let payments = store::payments(&s.db, org, None).await?;
    let billing = store::billing(&s.db, org).await?;
    let lines = crate::invoice::fec::entries(&invoices, &payments, &billing, year);
    let o = crate::org::store::get(&s.db, org).await?;
    Ok((crate::invoice::fec::file_name(&crate::invoice::siren_of(&o.siret), year), crate::invoice::fec::file(&lines)))
}

/// The Fichier des Écritures Comptables of a year (LPF, article A47 A-1).
#[utoipa::path(get, path = "/api/v1/accounting/fec", tag = "accounting", params(YearQuery),
    responses((status = 200, content_type = "text/plain", body = String), (status = 422, body = ErrorBody)))]
pub async fn fec(
    user: CurrentUser,
    State(s): State<AppState>,
    Query(q): Query<YearQuery>,
) -> Result<Response, AppError> {
    let org = user.coordinator_org()?;
    let (name, text) = fec_of(&s, org, year_of(&q, s.now())?).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/plain; charset=utf-8".to_string()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")),
        ],
        text,
    )
        .into_response())
}

/// The year's sales, one invoice a line, for a spreadsheet.
pub async fn sales_csv_of(s: &AppState, org: i64, year: i32) -> Result<Vec<u8>, AppError> {
    let f = InvoiceFilter { status: None, year: Some(year) };
    let list = filter(store::all(&s.db, org).await?, &f, service::day_of(s.now()));
    let rows = list.iter().map(|i| {
        vec![
            i.number.clone(),
            i.issue_date.format("%d/%m/%Y").to_string(),
            i.kind.label().to_string(),
            i.buyer_name.clone(),
            crate::money::plain(i.total_ht).replace('.', ","),
            crate::money::plain(i.total_vat).replace('.', ","),
            crate::money::plain(i.total_ttc).replace('.', ","),
            crate::money::plain(i.paid).replace('.', ","),
            crate::money::plain(i.balance).replace('.', ","),
            i.due_date.format("%d/%m/%Y").to_string(),
        ]
    });
    Ok(crate::web::list::csv_bytes(
        &["numéro", "date", "type", "client", "montant HT", "TVA", "montant TTC", "payé", "reste dû", "échéance"],
        rows,
    ))
}

/// The year's sales as CSV (semicolons, decimal commas).
#[utoipa::path(get, path = "/api/v1/accounting/sales.csv", tag = "accounting", params(YearQuery),
    responses((status = 200, content_type = "text/csv", body = String), (status = 422, body = ErrorBody)))]
pub async fn sales_csv(
    user: CurrentUser,
    State(s): State<AppState>,
    Query(q): Query<YearQuery>,
) -> Result<Response, AppError> {
    let org = user.coordinator_org()?;
    let year = year_of(&q, s.now())?;
    Ok(crate::web::list::csv_response(&format!("ventes-{year}.csv"), sales_csv_of(&s, org, year).await?))
}

/// The billing settings of the organisation (IBAN, payment delay, penalties, reminders, accounts).
#[utoipa::path(get, path = "/api/v1/organisation/billing", tag = "accounting",
    responses((status = 200, body = Billing), (status = 403, body = ErrorBody)))]
pub async fn get_billing(user: CurrentUser, State(s): State<AppState>) -> Result<Json<Billing>, AppError> {
    let org = user.coordinator_org()?;
    Ok(Json(store::billing(&s.db, org).await?))
}

/// Checks billing settings.
pub fn check_billing(b: &Billing) -> Result<Billing, AppError> {
    let mut e = crate::error::FieldErrors::new();
    let iban: String = b.iban.chars().filter(|c| !c.is_whitespace()).collect::<String>().to_uppercase();
    if !iban.is_empty() && !is_iban(&iban) {
        e.add("iban", "Cet IBAN n'est pas valide (sa clé ne correspond pas).");
    }
    let bic = b.bic.trim().to_uppercase();
    if !(bic.is_empty() || bic.len() == 8 || bic.len() == 11) {
        e.add("bic", "Un BIC compte 8 ou 11 caractères.");
    }
    if !(0..=60).contains(&b.payment_days) {
        e.add("payment_days", "Le délai de paiement est compris entre 0 et 60 jours (Code de commerce, L441-10).");
    }
    let late = b.late_rate.trim().replace(',', ".");
    if !late.is_empty() && late.parse::<Decimal>().map(|r| r <= Decimal::ZERO || r > Decimal::from(100)).unwrap_or(true)
    {
        e.add(
            "late_rate",
            "Le taux des pénalités est un pourcentage (par exemple 12,5), ou vide pour trois fois le taux légal.",
        );
    }
    let account = |field: &str, v: &str, e: &mut crate::error::FieldErrors| {
        let v = v.trim().to_string();
        if v.is_empty() || v.len() > 20 || !v.chars().all(|c| c.is_ascii_alphanumeric()) {
            e.add(field, "Un numéro de compte est fait de chiffres (et de lettres), 20 au plus.");
        }
        v
    };
    let clean = Billing {
        iban,
        bic,
        payment_days: b.payment_days,
        late_rate: b.late_rate.trim().to_string(),
        vat_on_debits: b.vat_on_debits,
        reminder_days: crate::invoice::parse_days(&b.reminder_days)
            .iter()
            .map(|d| d.to_string())
            .collect::<Vec<_>>()
            .join(","),
        account_sales: account("account_sales", &b.account_sales, &mut e),
        account_vat: account("account_vat", &b.account_vat, &mut e),
        account_clients: account("account_clients", &b.account_clients, &mut e),
        account_bank: account("account_bank", &b.account_bank, &mut e),
    };
    e.into_result(clean)
}

/// The check of an IBAN: its key (ISO 13616, modulo 97).
pub fn is_iban(s: &str) -> bool {
    if s.len() < 15 || s.len() > 34 || !s.chars().all(|c| c.is_ascii_alphanumeric()) {
        return false;
    }
    let moved = format!("{}{}", &s[4..], &s[..4]);
    let mut rem: u32 = 0;
    for c in moved.chars() {
        let v =
            if c.is_ascii_digit() { c as u32 - '0' as u32 } else { c.to_ascii_uppercase() as u32 - 'A' as u32 + 10 };
        rem = if v >= 10 { (rem * 100 + v) % 97 } else { (rem * 10 + v) % 97 };
    }
    rem == 1
}

/// Change the billing settings.
#[utoipa::path(put, path = "/api/v1/organisation/billing", tag = "accounting", request_body = Billing,
    responses((status = 200, body = Billing), (status = 422, body = ErrorBody)))]
pub async fn put_billing(
    user: CurrentUser,
    State(s): State<AppState>,
    Json(b): Json<Billing>,
) -> Result<Json<Billing>, AppError> {
    let org = user.coordinator_org()?;
    let clean = check_billing(&b)?;
    store::set_billing(&s.db, org, &clean).await?;
    Ok(Json(clean))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_iban_is_checked_by_its_key() {
        assert!(is_iban("FR7630006000011234567890189"));
        assert!(!is_iban("FR7630006000011234567890188"));
        assert!(!is_iban("FR76"));
    }
}
