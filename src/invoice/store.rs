//! All SQL of invoices, credit notes and payments.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Serialize;
use sqlx::Row;

use crate::db::Db;
use crate::error::AppError;
use crate::invoice::{Document, Kind, Payer};

/// An issued invoice or credit note, with what was paid and credited since.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Invoice {
    pub id: i64,
    pub number: String,
    pub kind: Kind,
    pub payer: Payer,
    pub quote_id: Option<i64>,
    pub client_id: i64,
    /// For a credit note: the invoice it corrects.
    pub credited_id: Option<i64>,
    pub issued_at: i64,
    #[schema(value_type = String, format = Date)]
    pub issue_date: NaiveDate,
    #[schema(value_type = String, format = Date)]
    pub due_date: NaiveDate,
    pub buyer_name: String,
    #[schema(value_type = String)]
    pub total_ht: Decimal,
    #[schema(value_type = String)]
    pub total_vat: Decimal,
    #[schema(value_type = String)]
    pub total_ttc: Decimal,
    /// Payments recorded (not cancelled).
    #[schema(value_type = String)]
    pub paid: Decimal,
    /// Credit notes issued against it, incl. VAT.
    #[schema(value_type = String)]
    pub credited: Decimal,
    /// What is still due: total − credited − paid (zero for a credit note).
    #[schema(value_type = String)]
    pub balance: Decimal,
    #[serde(skip)]
    pub document: Document,
}

fn dec(r: &sqlx::any::AnyRow, c: &str) -> Result<Decimal, AppError> {
    let s: String = r.try_get(c)?;
    s.parse().map_err(|e| AppError::Internal(anyhow::anyhow!("{c}: {e}")))
}

fn date(r: &sqlx::any::AnyRow, c: &str) -> Result<NaiveDate, AppError> {
    let s: String = r.try_get(c)?;
    NaiveDate::parse_from_str(&s, "%Y-%m-%d").map_err(|e| AppError::Internal(anyhow::anyhow!("{c}: {e}")))
}

const COLUMNS: &str = "id, number, kind, payer, quote_id, client_id, credited_id, issued_at, issue_date, due_date, \
                       document, total_ht, total_vat, total_ttc, buyer_name";

fn from_row(r: &sqlx::any::AnyRow) -> Result<Invoice, AppError> {
    let kind: String = r.try_get("kind")?;
    let payer: String = r.try_get("payer")?;
    let doc: String = r.try_get("document")?;
    Ok(Invoice {
        id: r.try_get("id")?,
        number: r.try_get("number")?,
        kind: Kind::parse(&kind).unwrap_or(Kind::Final),
        payer: if payer == "opco" { Payer::Opco } else { Payer::Client },
        quote_id: r.try_get("quote_id")?,
        client_id: r.try_get("client_id")?,
        credited_id: r.try_get("credited_id")?,
        issued_at: r.try_get("issued_at")?,
        issue_date: date(r, "issue_date")?,
        due_date: date(r, "due_date")?,
        buyer_name: r.try_get("buyer_name")?,
        total_ht: dec(r, "total_ht")?,
        total_vat: dec(r, "total_vat")?,
        total_ttc: dec(r, "total_ttc")?,
        paid: Decimal::ZERO,
        credited: Decimal::ZERO,
        balance: Decimal::ZERO,
        document: serde_json::from_str(&doc).map_err(|e| AppError::Internal(e.into()))?,
    })
}

/// Fills in what was paid and credited, and the balance, from the organisation's payments and credit
/// notes.
fn settle(mut list: Vec<Invoice>, payments: &[Payment]) -> Vec<Invoice> {
    let credits: Vec<(i64, Decimal)> = list.iter().filter_map(|i| i.credited_id.map(|c| (c, i.total_ttc))).collect();
    for i in &mut list {
        i.paid = payments.iter().filter(|p| p.invoice_id == i.id && p.cancelled_at.is_none()).map(|p| p.amount).sum();
        i.credited = credits.iter().filter(|(c, _)| *c == i.id).map(|(_, t)| *t).sum();
        i.balance = if i.kind == Kind::Credit { Decimal::ZERO } else { i.total_ttc - i.credited - i.paid };
    }
    list
}

/// What a new invoice is, before its number.
pub struct NewInvoice {
    pub kind: Kind,
    pub payer: Payer,
    pub quote_id: Option<i64>,
    pub client_id: i64,
    pub credited_id: Option<i64>,
    pub issued_at: i64,
    pub issued_by: Option<i64>,
    pub document: Document,
}

/// Issues an invoice: takes the next number of its series and year in the same transaction as the
/// insert (so that two invoices issued at once get two successive numbers, and a failure gives its
/// number back: no gap).
pub async fn issue(db: &Db, org_id: i64, mut n: NewInvoice) -> Result<i64, AppError> {
    use chrono::Datelike;
    let year = n.document.issue_date.year();
    let mut tx = db.pool.begin().await?;
    let seq = crate::quote::store::next_in_counter(&mut tx, org_id, n.kind.series(), year).await?;
    let number = format!("{}-{year}-{seq:04}", n.kind.series());
    n.document.number = number.clone();
    let doc = serde_json::to_string(&n.document).map_err(|e| AppError::Internal(e.into()))?;
    let t = &n.document.totals;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO invoices (org_id, number, kind, payer, quote_id, client_id, credited_id, issued_at, issue_date, due_date, \
         document, total_ht, total_vat, total_ttc, training_ht, buyer_name, issued_by, search) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18) RETURNING id",
    )
    .bind(org_id)
    .bind(&number)
    .bind(n.kind.as_str())
    .bind(if n.payer == Payer::Opco { "opco" } else { "client" })
    .bind(n.quote_id)
    .bind(n.client_id)
    .bind(n.credited_id)
    .bind(n.issued_at)
    .bind(n.document.issue_date.format("%Y-%m-%d").to_string())
    .bind(n.document.due_date.format("%Y-%m-%d").to_string())
    .bind(doc)
    .bind(t.ht.to_string())
    .bind(t.vat.to_string())
    .bind(t.ttc.to_string())
    .bind(t.training.to_string())
    .bind(&n.document.buyer.name)
    .bind(n.issued_by)
    .bind(crate::text::search_key(&format!("{number} {} {}", n.document.buyer.name, n.document.title)))
    .fetch_one(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Every invoice of the organisation (oldest first), settled.
pub async fn all(db: &Db, org_id: i64) -> Result<Vec<Invoice>, AppError> {
    let rows = sqlx::query(&format!("SELECT {COLUMNS} FROM invoices WHERE org_id = $1 ORDER BY issued_at, id"))
        .bind(org_id)
        .fetch_all(&db.pool)
        .await?;
    let list = rows.iter().map(from_row).collect::<Result<Vec<_>, _>>()?;
    Ok(settle(list, &payments(db, org_id, None).await?))
}

/// The invoices issued from `from` (inclusive) to `to` (exclusive), as dates.
pub async fn issued_between(db: &Db, org_id: i64, from: NaiveDate, to: NaiveDate) -> Result<Vec<Invoice>, AppError> {
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM invoices WHERE org_id = $1 AND issue_date >= $2 AND issue_date < $3 ORDER BY issued_at, id"
    ))
    .bind(org_id)
    .bind(from.format("%Y-%m-%d").to_string())
    .bind(to.format("%Y-%m-%d").to_string())
    .fetch_all(&db.pool)
    .await?;
    rows.iter().map(from_row).collect()
}

pub async fn get(db: &Db, org_id: i64, id: i64) -> Result<Invoice, AppError> {
    let row = sqlx::query(&format!("SELECT {COLUMNS} FROM invoices WHERE id = $1 AND org_id = $2"))
        .bind(id)
        .bind(org_id)
        .fetch_optional(&db.pool)
        .await?
        .ok_or(AppError::NotFound)?;
    let one = from_row(&row)?;
    let credits: Vec<Invoice> =
        sqlx::query(&format!("SELECT {COLUMNS} FROM invoices WHERE credited_id = $1 AND org_id = $2"))
            .bind(id)
            .bind(org_id)
            .fetch_all(&db.pool)
            .await?
            .iter()
            .map(from_row)
            .collect::<Result<_, _>>()?;
    let mut list = vec![one];
    list.extend(credits);
    let settled = settle(list, &payments(db, org_id, Some(id)).await?);
    settled.into_iter().next().ok_or(AppError::NotFound)
}

/// The invoices of a quote, settled.
pub async fn of_quote(db: &Db, org_id: i64, quote_id: i64) -> Result<Vec<Invoice>, AppError> {
    let ids: Vec<i64> = sqlx::query_scalar("SELECT id FROM invoices WHERE org_id = $1 AND quote_id = $2 ORDER BY id")
        .bind(org_id)
        .bind(quote_id)
        .fetch_all(&db.pool)
        .await?;
    let mut out = Vec::new();
    for id in ids {
        out.push(get(db, org_id, id).await?);
    }
    Ok(out)
}

/// A payment received.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Payment {
    pub id: i64,
    pub invoice_id: i64,
    #[schema(value_type = String, format = Date)]
    pub paid_on: NaiveDate,
    #[schema(value_type = String)]
    pub amount: Decimal,
    /// `virement`, `cheque`, `carte`, `especes`, `prelevement`.
    pub means: String,
    pub reference: String,
    pub recorded_at: i64,
    pub cancelled_at: Option<i64>,
    pub cancel_reason: String,
}

const PAYMENT_COLUMNS: &str =
    "id, invoice_id, paid_on, amount, means, reference, recorded_at, cancelled_at, cancel_reason";

fn payment_from_row(r: &sqlx::any::AnyRow) -> Result<Payment, AppError> {
    Ok(Payment {
        id: r.try_get("id")?,
        invoice_id: r.try_get("invoice_id")?,
        paid_on: date(r, "paid_on")?,
        amount: dec(r, "amount")?,
        means: r.try_get("means")?,
        reference: r.try_get("reference")?,
        recorded_at: r.try_get("recorded_at")?,
        cancelled_at: r.try_get("cancelled_at")?,
        cancel_reason: r.try_get("cancel_reason")?,
    })
}

/// The organisation's payments (of one invoice when given), oldest first.
pub async fn payments(db: &Db, org_id: i64, invoice: Option<i64>) -> Result<Vec<Payment>, AppError> {
    let rows = match invoice {
        Some(i) => {
            sqlx::query(&format!(
                "SELECT {PAYMENT_COLUMNS} FROM payments WHERE org_id = $1 AND invoice_id = $2 ORDER BY paid_on, id"
            ))
            .bind(org_id)
            .bind(i)
            .fetch_all(&db.pool)
            .await?
        }
        None => {
            sqlx::query(&format!("SELECT {PAYMENT_COLUMNS} FROM payments WHERE org_id = $1 ORDER BY paid_on, id"))
                .bind(org_id)
                .fetch_all(&db.pool)
                .await?
        }
    };
    rows.iter().map(payment_from_row).collect()
}

/// A payment to record.
pub struct NewPayment<'a> {
    pub invoice_id: i64,
    pub paid_on: NaiveDate,
    pub amount: Decimal,
    pub means: &'a str,
    pub reference: &'a str,
    pub recorded_at: i64,
    pub recorded_by: Option<i64>,
}

pub async fn add_payment(db: &Db, org_id: i64, p: &NewPayment<'_>) -> Result<i64, AppError> {
    Ok(sqlx::query_scalar(
        "INSERT INTO payments (org_id, invoice_id, paid_on, amount, means, reference, recorded_at, recorded_by) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
    )
    .bind(org_id)
    .bind(p.invoice_id)
    .bind(p.paid_on.format("%Y-%m-%d").to_string())
    .bind(crate::money::cents(p.amount).to_string())
    .bind(p.means)
    .bind(p.reference)
    .bind(p.recorded_at)
    .bind(p.recorded_by)
    .fetch_one(&db.pool)
    .await?)
}

/// Cancels a payment recorded by mistake (it stays, marked cancelled).
pub async fn cancel_payment(db: &Db, org_id: i64, id: i64, at: i64, reason: &str) -> Result<(), AppError> {
    let r = sqlx::query(
        "UPDATE payments SET cancelled_at = $1, cancel_reason = $2 WHERE id = $3 AND org_id = $4 AND cancelled_at IS NULL",
    )
    .bind(at)
    .bind(reason)
    .bind(id)
    .bind(org_id)
    .execute(&db.pool)
    .await?;
    if r.rows_affected() == 1 { Ok(()) } else { Err(AppError::Conflict("Ce paiement est déjà annulé.".into())) }
}

/// The organisation's billing settings.
#[derive(Clone, Debug, Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct Billing {
    pub iban: String,
    pub bic: String,
    /// Days from the issue date to the due date (60 at most).
    pub payment_days: i64,
    /// Late-payment penalty rate in percent a year; empty: three times the legal interest rate.
    pub late_rate: String,
    /// VAT paid on debits (otherwise on payments, for services).
    pub vat_on_debits: bool,
    /// Days after the due date when a reminder goes ("7,30").
    pub reminder_days: String,
    /// FEC accounts: sales, VAT collected, clients (with an auxiliary account per client), bank.
    pub account_sales: String,
    pub account_vat: String,
    pub account_clients: String,
    pub account_bank: String,
}

impl Default for Billing {
    fn default() -> Self {
        Billing {
            iban: String::new(),
            bic: String::new(),
            payment_days: 30,
            late_rate: String::new(),
            vat_on_debits: false,
            reminder_days: "7,30".into(),
            account_sales: "706000".into(),
            account_vat: "445710".into(),
            account_clients: "411000".into(),
            account_bank: "512000".into(),
        }
    }
}

pub async fn billing(db: &Db, org_id: i64) -> Result<Billing, AppError> {
    let r = sqlx::query(
        "SELECT iban, bic, payment_days, late_rate, vat_on_debits, reminder_days, account_sales, account_vat, \
         account_clients, account_bank FROM organisations WHERE id = $1",
    )
    .bind(org_id)
    .fetch_optional(&db.pool)
    .await?
    .ok_or(AppError::NotFound)?;
    Ok(Billing {
        iban: r.try_get("iban")?,
        bic: r.try_get("bic")?,
        payment_days: r.try_get("payment_days")?,
        late_rate: r.try_get("late_rate")?,
        vat_on_debits: crate::db::get_bool(&r, "vat_on_debits")?,
        reminder_days: r.try_get("reminder_days")?,
        account_sales: r.try_get("account_sales")?,
        account_vat: r.try_get("account_vat")?,
        account_clients: r.try_get("account_clients")?,
        account_bank: r.try_get("account_bank")?,
    })
}

pub async fn set_billing(db: &Db, org_id: i64, b: &Billing) -> Result<(), AppError> {
    sqlx::query(
        "UPDATE organisations SET iban = $1, bic = $2, payment_days = $3, late_rate = $4, vat_on_debits = $5, \
         reminder_days = $6, account_sales = $7, account_vat = $8, account_clients = $9, account_bank = $10 WHERE id = $11",
    )
    .bind(&b.iban)
    .bind(&b.bic)
    .bind(b.payment_days)
    .bind(&b.late_rate)
    .bind(b.vat_on_debits)
    .bind(&b.reminder_days)
    .bind(&b.account_sales)
    .bind(&b.account_vat)
    .bind(&b.account_clients)
    .bind(&b.account_bank)
    .bind(org_id)
    .execute(&db.pool)
    .await?;
    Ok(())
}

/// The cycle made from a quote, and the end of its last (not cancelled) session.
pub async fn cycle_of_quote(db: &Db, org_id: i64, quote_id: i64) -> Result<Option<(i64, Option<i64>)>, AppError> {
    let row: Option<(i64, Option<i64>)> = sqlx::query_as(
        "SELECT c.id, (SELECT MAX(s.end_at) FROM training_sessions s WHERE s.cycle_id = c.id AND s.cancelled_at IS NULL) \
         FROM cycles c WHERE c.org_id = $1 AND c.quote_id = $2 ORDER BY c.id LIMIT 1",
    )
    .bind(org_id)
    .bind(quote_id)
    .fetch_optional(&db.pool)
    .await?;
    Ok(row)
}

/// The organisations that have issued invoices.
pub async fn invoicing_orgs(db: &Db) -> Result<Vec<i64>, AppError> {
    Ok(sqlx::query_scalar("SELECT DISTINCT org_id FROM invoices").fetch_all(&db.pool).await?)
}
