//! The invoices' pages: the list (with what is due and overdue), an invoice (its payments, its
//! credit notes), issuing from a quote, the accounting exports, the billing settings.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use rust_decimal::Decimal;
use serde::Deserialize;
use tower_sessions::Session;

use crate::auth::CurrentUser;
use crate::error::{AppError, FieldErrors};
use crate::extract::{Form, Path};
use crate::invoice::api::{InvoiceDetail, InvoiceFilter, YearQuery, detail, filter};
use crate::invoice::store::{self, Billing, Invoice};
use crate::invoice::{Kind, service};
use crate::state::AppState;
use crate::web::{PageCtx, flash, flash_error, render, render_invalid};

#[derive(Template)]
#[template(path = "invoice/list.html")]
struct ListPage {
    ctx: PageCtx,
    invoices: Vec<Invoice>,
    status: String,
    due: Decimal,
    overdue: Decimal,
    overdue_count: usize,
}

/// `GET /factures`
pub async fn list(
    ctx: PageCtx,
    user: CurrentUser,
    State(s): State<AppState>,
    Query(f): Query<InvoiceFilter>,
) -> Result<Response, AppError> {
    let org = user.coordinator_org()?;
    let today = service::day_of(s.now());
    let all = store::all(&s.db, org).await?;
    let due: Decimal = all.iter().filter(|i| i.kind != Kind::Credit).map(|i| i.balance).sum();
    let late = service::overdue(&all, today);
    let overdue: Decimal = late.iter().map(|i| i.balance).sum();
    let overdue_count = late.len();
    let mut invoices = filter(all, &f, today);
    invoices.reverse();
    render(&ListPage { ctx, invoices, status: f.status.unwrap_or_default(), due, overdue, overdue_count })
}

#[derive(Template)]
#[template(path = "invoice/show.html")]
struct ShowPage {
    ctx: PageCtx,
    d: InvoiceDetail,
    means: Vec<(&'static str, &'static str)>,
    errors: FieldErrors,
    form: PayForm,
    credit: CreditForm,
}

async fn show_page(
    s: &AppState,
    user: &CurrentUser,
    ctx: PageCtx,
    id: i64,
    errors: FieldErrors,
    mut form: PayForm,
    credit: CreditForm,
) -> Result<ShowPage, AppError> {
    let org = user.coordinator_org()?;
    if form.paid_on.is_empty() {
        form.paid_on = service::day_of(s.now()).format("%Y-%m-%d").to_string();
    }
    Ok(ShowPage { ctx, d: detail(s, org, id).await?, means: service::MEANS.to_vec(), errors, form, credit })
}

/// `GET /factures/{id}`
pub async fn show(
    ctx: PageCtx,
    user: CurrentUser,
    State(s): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    render(&show_page(&s, &user, ctx, id, FieldErrors::new(), PayForm::default(), CreditForm::default()).await?)
}

pub async fn pdf(user: CurrentUser, State(s): State<AppState>, Path(id): Path<i64>) -> Result<Response, AppError> {
    crate::invoice::api::pdf_response(&s, user.coordinator_org()?, id).await
}

pub async fn xml(user: CurrentUser, State(s): State<AppState>, Path(id): Path<i64>) -> Result<Response, AppError> {
    crate::invoice::api::xml_response(&s, user.coordinator_org()?, id).await
}

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct PayForm {
    pub paid_on: String,
    pub amount: String,
    pub means: String,
    pub reference: String,
}

/// `POST /factures/{id}/paiements`
pub async fn pay(
    ctx: PageCtx,
    user: CurrentUser,
    session: Session,
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Form(f): Form<PayForm>,
) -> Result<Response, AppError> {
    match service::pay(&s, &user, id, &f.paid_on, &f.amount, &f.means, &f.reference).await {
        Ok(i) => {
            flash(
                &session,
                if i.balance.is_zero() {
                    format!("Paiement enregistré : la facture {} est réglée.", i.number)
                } else {
                    format!("Paiement enregistré : il reste {} à payer.", crate::money::euros(i.balance))
                },
            )
            .await;
            Ok(Redirect::to(&format!("/factures/{id}")).into_response())
        }
        Err(e) => {
            let e = e.into_form_errors("amount")?;
            render_invalid(&show_page(&s, &user, ctx, id, e, f, CreditForm::default()).await?)
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct CancelPaymentForm {
    pub reason: String,
}

/// `POST /factures/{id}/paiements/{payment}/annuler`
pub async fn cancel_payment(
    user: CurrentUser,
    session: Session,
    State(s): State<AppState>,
    Path((id, payment)): Path<(i64, i64)>,
    Form(f): Form<CancelPaymentForm>,
) -> Result<Response, AppError> {
    // Another organisation's invoice, or a payment of another invoice: not found.
    let org = user.coordinator_org()?;
    store::get(&s.db, org, id).await?;
    if !store::payments(&s.db, org, Some(id)).await?.iter().any(|p| p.id == payment) {
        return Err(AppError::NotFound);
    }
    match service::cancel_payment(&s, &user, payment, &f.reason).await {
        Ok(()) => flash(&session, "Le paiement est annulé ; il reste au dossier.").await,
        Err(e) => {
            let e = e.into_form_errors("reason")?;
            flash_error(&session, e.0.first().map(|x| x.message.clone()).unwrap_or_default()).await;
        }
    }
    Ok(Redirect::to(&format!("/factures/{id}")).into_response())
}

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct CreditForm {
    /// Empty: the whole invoice.
    pub credit_amount: String,
    pub reason: String,
}

/// `POST /factures/{id}/avoir`
pub async fn credit(
    ctx: PageCtx,
    user: CurrentUser,
    session: Session,
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Form(f): Form<CreditForm>,
) -> Result<Response, AppError> {
    let amount = f.credit_amount.trim().replace([' ', '\u{a0}', '€'], "").replace(',', ".");
    let parsed = if amount.is_empty() { Ok(None) } else { amount.parse::<Decimal>().map(Some) };
    let result = match parsed {
        Ok(a) => service::credit_note(&s, &user, id, a, &f.reason).await,
        Err(_) => Err(AppError::invalid(
            "credit_amount",
            "Indiquez un montant, par exemple 150,00, ou laissez vide pour tout annuler.",
        )),
    };
    match result {
        Ok(c) => {
            flash(&session, format!("Avoir {} émis.", c.number)).await;
            Ok(Redirect::to(&format!("/factures/{}", c.id)).into_response())
        }
        Err(e) => {
            let mut e = e.into_form_errors("reason")?;
            for x in &mut e.0 {
                if x.field == "amount" {
                    x.field = "credit_amount".into();
                }
            }
            render_invalid(&show_page(&s, &user, ctx, id, e, PayForm::default(), f).await?)
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct IssueForm {
    pub kind: String,
    pub percent: String,
    #[serde(deserialize_with = "crate::web::form_bool")]
    pub attended: bool,
}

/// `POST /devis/{id}/factures`: issues a deposit, the final invoice or the OPCO's invoice.
pub async fn issue(
    user: CurrentUser,
    session: Session,
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Form(f): Form<IssueForm>,
) -> Result<Response, AppError> {
    // Another organisation's quote: not found.
    crate::quote::store::get(&s.db, user.coordinator_org()?, id).await?;
    let result = match f.kind.as_str() {
        "deposit" => match f.percent.trim().replace(',', ".").parse::<Decimal>() {
            Ok(p) => service::deposit(&s, &user, id, p).await,
            Err(_) => Err(AppError::invalid("percent", "Indiquez le pourcentage de l'acompte, par exemple 30.")),
        },
        "final" => service::final_invoice(&s, &user, id, f.attended).await,
        "opco" => service::opco_invoice(&s, &user, id).await,
        _ => Err(AppError::BadRequest("Type de facture inconnu.".into())),
    };
    match result {
        Ok(i) => {
            flash(&session, format!("{} {} émise : {}.", i.kind.label(), i.number, crate::money::euros(i.total_ttc)))
                .await;
            Ok(Redirect::to(&format!("/factures/{}", i.id)).into_response())
        }
        Err(e) => {
            let e = e.into_form_errors("kind")?;
            flash_error(&session, e.0.first().map(|x| x.message.clone()).unwrap_or_default()).await;
            Ok(Redirect::to(&format!("/devis/{id}#factures")).into_response())
        }
    }
}

#[derive(Template)]
#[template(path = "invoice/accounting.html")]
struct AccountingPage {
    ctx: PageCtx,
    year: i32,
    billing: Billing,
    errors: FieldErrors,
}

/// `GET /comptabilite`
pub async fn accounting(
    ctx: PageCtx,
    user: CurrentUser,
    State(s): State<AppState>,
    Query(q): Query<YearQuery>,
) -> Result<Response, AppError> {
    let org = user.coordinator_org()?;
    let year = crate::invoice::api::year_of(&q, s.now())?;
    render(&AccountingPage { ctx, year, billing: store::billing(&s.db, org).await?, errors: FieldErrors::new() })
}

/// `GET /comptabilite/fec?year=`
pub async fn fec(user: CurrentUser, State(s): State<AppState>, q: Query<YearQuery>) -> Result<Response, AppError> {
    crate::invoice::api::fec(user, State(s), q).await
}

/// `GET /comptabilite/ventes.csv?year=`
pub async fn sales(user: CurrentUser, State(s): State<AppState>, q: Query<YearQuery>) -> Result<Response, AppError> {
    crate::invoice::api::sales_csv(user, State(s), q).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct BillingForm {
    pub iban: String,
    pub bic: String,
    pub payment_days: String,
    pub late_rate: String,
    #[serde(deserialize_with = "crate::web::form_bool")]
    pub vat_on_debits: bool,
    pub reminder_days: String,
    pub account_sales: String,
    pub account_vat: String,
    pub account_clients: String,
    pub account_bank: String,
}

/// `POST /comptabilite/reglages`
pub async fn save_billing(
    ctx: PageCtx,
    user: CurrentUser,
    session: Session,
    State(s): State<AppState>,
    Form(f): Form<BillingForm>,
) -> Result<Response, AppError> {
    let org = user.coordinator_org()?;
    let days = f.payment_days.trim().parse::<i64>().unwrap_or(-1);
    let b = Billing {
        iban: f.iban,
        bic: f.bic,
        payment_days: days,
        late_rate: f.late_rate,
        vat_on_debits: f.vat_on_debits,
        reminder_days: f.reminder_days,
        account_sales: f.account_sales,
        account_vat: f.account_vat,
        account_clients: f.account_clients,
        account_bank: f.account_bank,
    };
    match crate::invoice::api::check_billing(&b) {
        Ok(clean) => {
            store::set_billing(&s.db, org, &clean).await?;
            flash(&session, "Réglages de facturation enregistrés.").await;
            Ok(Redirect::to("/comptabilite").into_response())
        }
        Err(e) => {
            let errors = e.into_form_errors("iban")?;
            let year = crate::invoice::api::year_of(&YearQuery::default(), s.now())?;
            render_invalid(&AccountingPage { ctx, year, billing: b, errors })
        }
    }
}
