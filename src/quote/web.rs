//! Quote pages: the list, the builder with live totals, a quote's page and its versions, the PDFs,
//! and the client's page reached by the secret link (no account needed).

use std::str::FromStr;

use askama::Template;
use axum::extract::State;
use axum::response::{Html, IntoResponse, Redirect, Response};
use chrono::NaiveDate;
use rust_decimal::Decimal;
use tower_sessions::Session;

use crate::auth::CurrentUser;
use crate::auth::Staff;
use crate::catalogue::Module;
use crate::client::Client;
use crate::documents::pdf_response;
use crate::error::{AppError, FieldErrors};
use crate::extract::{Form, Path, Query};
use crate::intervenant::Intervenant;
use crate::quote::pricing::Priced;
use crate::quote::store::{self, Quote, QuoteFilters, QuoteVersion};
use crate::quote::{FundingInput, FundingMode, ItemInput, QuoteInput, Status, TravelMode, VatChoice, service};
use crate::state::AppState;
use crate::web::list::{ListParams, Listing, Pager, csv_bytes, csv_response};
use crate::web::{PageCtx, flash, render, render_invalid};

// --- the form ------------------------------------------------------------------------------------

/// The builder's form, as typed (numbers are text until read).
#[derive(Clone, Debug, Default)]
pub struct QuoteForm {
    pairs: Vec<(String, String)>,
}

impl QuoteForm {
    pub fn get(&self, k: &str) -> &str {
        self.pairs.iter().find(|(key, _)| key == k).map(|(_, v)| v.as_str()).unwrap_or("")
    }

    pub fn on(&self, k: &str) -> bool {
        matches!(self.get(k), "on" | "true" | "1")
    }

    pub fn module_on(&self, id: &i64) -> bool {
        self.on(&format!("m{id}"))
    }

    pub fn module_field(&self, id: &i64, f: &str) -> &str {
        self.get(&format!("m{id}_{f}"))
    }

    fn from_input(i: &QuoteInput) -> QuoteForm {
        let mut p: Vec<(String, String)> = Vec::new();
        let mut put = |k: &str, v: String| p.push((k.to_string(), v));
        let dec = |d: Decimal| crate::fr::decimal(d);
        let date = |d: Option<NaiveDate>| d.map(|d| d.format("%Y-%m-%d").to_string()).unwrap_or_default();
        put("client_id", if i.client_id > 0 { i.client_id.to_string() } else { String::new() });
        put("title", i.title.clone());
        put("participants", i.participants.to_string());
        put("structures", i.structures.to_string());
        put("start_date", date(i.start_date));
        put("end_date", date(i.end_date));
        put("valid_until", date(i.valid_until));
        put("location", i.location.clone());
        put("intervenant_id", i.intervenant_id.map(|x| x.to_string()).unwrap_or_default());
        for it in &i.items {
            put(&format!("m{}", it.module_id), "on".into());
            put(&format!("m{}_qty", it.module_id), it.quantity.map(dec).unwrap_or_default());
            put(&format!("m{}_price", it.module_id), it.unit_price.map(dec).unwrap_or_default());
            put(
                &format!("m{}_discount", it.module_id),
                if it.discount_percent.is_zero() { String::new() } else { dec(it.discount_percent) },
            );
            put(
                &format!("m{}_discount_amount", it.module_id),
                if it.discount_amount.is_zero() { String::new() } else { dec(it.discount_amount) },
            );
            put(
                &format!("m{}_vat", it.module_id),
                match it.vat {
                    VatChoice::Default => "default",
                    VatChoice::Exempt => "exempt",
                    VatChoice::Standard => "standard",
                }
                .into(),
            );
        }
        put("structure_fee", if i.structure_fee.is_zero() { String::new() } else { dec(i.structure_fee) });
        put(
            "travel_mode",
            match i.travel.mode {
                TravelMode::None => "none",
                TravelMode::PerKm => "per_km",
                TravelMode::Flat => "flat",
            }
            .into(),
        );
        put("travel_km", i.travel.distance_km.map(dec).unwrap_or_default());
        put("travel_trips", i.travel.trips.map(|t| t.to_string()).unwrap_or_default());
        put("travel_rate", dec(i.travel.rate_per_km));
        put("travel_flat", dec(i.travel.flat_amount));
        put("meals_count", i.meals.count.to_string());
        put("meals_price", dec(i.meals.unit_price));
        put("lodging_nights", i.lodging.count.to_string());
        put("lodging_price", dec(i.lodging.unit_price));
        if let Some(f) = &i.funding {
            put("funding", "on".into());
            put("opco_name", f.opco_name.clone());
            put("opco_file", f.file_number.clone());
            put("opco_siren", f.opco_siren.clone());
            put(
                "funding_mode",
                match f.mode {
                    FundingMode::Amount => "amount",
                    FundingMode::Share => "share",
                }
                .into(),
            );
            put("funding_amount", dec(f.amount));
            put("funding_share", dec(f.share_percent));
            if f.subrogation {
                put("subrogation", "on".into());
            }
        }
        put("payment_terms", i.payment_terms.clone());
        put("notes", i.notes.clone());
        QuoteForm { pairs: p }
    }

    /// Reads the form; a number that cannot be read is a field error.
    pub fn to_input(&self, modules: &[Module]) -> Result<QuoteInput, FieldErrors> {
        let mut e = FieldErrors::new();
        let mut dec = |field: &str, label: &str| -> Option<Decimal> {
            let raw = self.get(field).trim().replace([' ', '\u{a0}', '\u{202f}', '€', '%'], "").replace(',', ".");
            if raw.is_empty() {
                return None;
            }
            match Decimal::from_str(&raw) {
                Ok(d) => Some(d),
                Err(_) => {
                    e.add(
                        field,
                        format!(
                            "{label} : « {} » n'est pas un nombre.",
                            self.get(field).chars().take(30).collect::<String>()
                        ),
                    );
                    None
                }
            }
        };
        let mut int_fields: Vec<(&str, &str, Option<i64>)> = Vec::new();
        for (field, label) in [
            ("participants", "Nombre de participants"),
            ("structures", "Nombre de structures"),
            ("travel_trips", "Allers-retours"),
            ("meals_count", "Repas"),
            ("lodging_nights", "Nuits"),
        ] {
            let raw = self.get(field).trim();
            let v = if raw.is_empty() { None } else { raw.parse::<i64>().ok() };
            if !raw.is_empty() && v.is_none() {
                int_fields.push((field, label, None));
            }
            int_fields.push((field, label, v));
        }
        let int = |f: &str| int_fields.iter().rev().find(|(k, _, _)| *k == f).and_then(|(_, _, v)| *v);
        let mut items = Vec::new();
        for m in modules {
            if !self.module_on(&m.id) {
                continue;
            }
            let label = m.content.title.chars().take(40).collect::<String>();
            items.push(ItemInput {
                module_id: m.id,
                quantity: dec(&format!("m{}_qty", m.id), &format!("Quantité de « {label} »")),
                unit_price: dec(&format!("m{}_price", m.id), &format!("Prix de « {label} »")),
                discount_percent: dec(&format!("m{}_discount", m.id), &format!("Remise sur « {label} »"))
                    .unwrap_or_default(),
                discount_amount: dec(&format!("m{}_discount_amount", m.id), &format!("Remise sur « {label} »"))
                    .unwrap_or_default(),
                vat: match self.module_field(&m.id, "vat") {
                    "exempt" => VatChoice::Exempt,
                    "standard" => VatChoice::Standard,
                    _ => VatChoice::Default,
                },
            });
        }
        let date = |e: &mut FieldErrors, f: &str| -> Option<NaiveDate> {
            let raw = self.get(f).trim();
            if raw.is_empty() {
                return None;
            }
            NaiveDate::parse_from_str(raw, "%Y-%m-%d")
                .or_else(|_| NaiveDate::parse_from_str(raw, "%d/%m/%Y"))
                .map(Some)
                .unwrap_or_else(|_| {
                    e.add(f, "Cette date n'est pas valide (jj/mm/aaaa).");
                    None
                })
        };
        let travel = crate::quote::TravelInput {
            mode: match self.get("travel_mode") {
                "per_km" => TravelMode::PerKm,
                "flat" => TravelMode::Flat,
                _ => TravelMode::None,
            },
            distance_km: dec("travel_km", "Distance"),
            trips: int("travel_trips"),
            rate_per_km: dec("travel_rate", "Tarif kilométrique").unwrap_or_default(),
            flat_amount: dec("travel_flat", "Forfait de déplacement").unwrap_or_default(),
        };
        let meals = crate::quote::CountPrice {
            count: int("meals_count").unwrap_or(0),
            unit_price: dec("meals_price", "Prix d'un repas").unwrap_or_default(),
        };
        let lodging = crate::quote::CountPrice {
            count: int("lodging_nights").unwrap_or(0),
            unit_price: dec("lodging_price", "Prix d'une nuit").unwrap_or_default(),
        };
        let structure_fee = dec("structure_fee", "Supplément par structure").unwrap_or_default();
        let funding = if self.on("funding") {
            Some(FundingInput {
                opco_name: self.get("opco_name").to_string(),
                file_number: self.get("opco_file").to_string(),
                mode: if self.get("funding_mode") == "share" { FundingMode::Share } else { FundingMode::Amount },
                amount: dec("funding_amount", "Montant pris en charge").unwrap_or_default(),
                share_percent: dec("funding_share", "Part prise en charge").unwrap_or_default(),
                subrogation: self.on("subrogation"),
                opco_siren: self.get("opco_siren").to_string(),
            })
        } else {
            None
        };
        for (field, label, v) in &int_fields {
            if v.is_none() && !self.get(field).trim().is_empty() {
                e.add(field, format!("{label} : un nombre entier est attendu."));
            }
        }
        let input = QuoteInput {
            client_id: self.get("client_id").parse().unwrap_or(0),
            title: self.get("title").to_string(),
            participants: int("participants").unwrap_or(0),
            structures: int("structures").unwrap_or(0),
            start_date: date(&mut e, "start_date"),
            end_date: date(&mut e, "end_date"),
            valid_until: date(&mut e, "valid_until"),
            location: self.get("location").to_string(),
            items,
            intervenant_id: self.get("intervenant_id").parse().ok(),
            travel,
            meals,
            lodging,
            structure_fee,
            funding,
            payment_terms: self.get("payment_terms").to_string(),
            notes: self.get("notes").to_string(),
        };
        if e.is_empty() { Ok(input) } else { Err(e) }
    }
}

/// Moves `items.N.field` errors onto the form's `mID_field` inputs, so that they show next to them.
fn form_errors(errors: FieldErrors, input: Option<&QuoteInput>) -> FieldErrors {
    let mut out = FieldErrors::new();
    for e in errors.0 {
        let field = match (e.field.strip_prefix("items."), input) {
            (Some(rest), Some(i)) => {
                let (n, f) = rest.split_once('.').unwrap_or((rest, ""));
                match (n.parse::<usize>().ok().and_then(|n| i.items.get(n)), f) {
                    (Some(it), "quantity") => format!("m{}_qty", it.module_id),
                    (Some(it), "unit_price") => format!("m{}_price", it.module_id),
                    (Some(it), "discount_percent") => format!("m{}_discount", it.module_id),
                    (Some(it), "discount_amount") => format!("m{}_discount_amount", it.module_id),
                    (Some(it), "vat") => format!("m{}_vat", it.module_id),
                    _ => "items".to_string(),
                }
            }
            _ => match e.field.as_str() {
                "travel.distance_km" => "travel_km".into(),
                "travel.rate_per_km" => "travel_rate".into(),
                "travel.trips" => "travel_trips".into(),
                "travel.flat_amount" => "travel_flat".into(),
                "meals.count" => "meals_count".into(),
                "meals.unit_price" => "meals_price".into(),
                "lodging.count" => "lodging_nights".into(),
                "lodging.unit_price" => "lodging_price".into(),
                "funding.amount" => "funding_amount".into(),
                "funding.share_percent" => "funding_share".into(),
                "funding.opco_name" => "opco_name".into(),
                "funding.file_number" => "opco_file".into(),
                "funding.opco_siren" => "opco_siren".into(),
                other => other.to_string(),
            },
        };
        out.add(&field, e.message);
    }
    out
}

#[derive(Template)]
#[template(path = "quote/form.html")]
struct FormPage {
    ctx: PageCtx,
    id: Option<i64>,
    number: String,
    form: QuoteForm,
    errors: FieldErrors,
    clients: Vec<Client>,
    intervenants: Vec<Intervenant>,
    modules: Vec<Module>,
    priced: Option<Priced>,
}

async fn choices(s: &AppState, org: i64) -> Result<(Vec<Client>, Vec<Intervenant>, Vec<Module>), AppError> {
    let all = Listing::new(&ListParams { per_page: Some(200), ..Default::default() }, &crate::client::store::SORT);
    let clients = crate::client::store::all(&s.db, org, &all).await?;
    let il = Listing::new(&ListParams { per_page: Some(200), ..Default::default() }, &crate::intervenant::store::SORT);
    let intervenants = crate::intervenant::store::all(&s.db, org, &il, &Default::default())
        .await?
        .into_iter()
        .filter(|i| i.active)
        .collect();
    let modules = crate::catalogue::store::list(&s.db, org, false).await?;
    Ok((clients, intervenants, modules))
}

#[derive(serde::Deserialize, Default)]
pub struct NewQuery {
    pub client: Option<i64>,
    /// The intervenant chosen on the client's "nearby" page: the travel is counted from their place.
    pub intervenant: Option<i64>,
}

pub async fn new_form(
    ctx: PageCtx,
    user: CurrentUser,
    State(s): State<AppState>,
    Query(q): Query<NewQuery>,
) -> Result<Response, AppError> {
    let org = user.coordinator_org()?;
    let (clients, intervenants, modules) = choices(&s, org).await?;
    let input = QuoteInput {
        client_id: q.client.unwrap_or(0),
        // Nothing ticked: a quote is for what the client asked, one module or the whole cycle.
        items: Vec::new(),
        valid_until: Some(crate::quote::today() + chrono::Days::new(30)),
        intervenant_id: q.intervenant.filter(|i| intervenants.iter().any(|x| x.id == *i)),
        travel: match q.intervenant.filter(|i| intervenants.iter().any(|x| x.id == *i)) {
            // Per km from the intervenant's place to the client's: the distance is computed.
            Some(_) => crate::quote::TravelInput {
                mode: crate::quote::TravelMode::PerKm,
                rate_per_km: rust_decimal::Decimal::new(45, 2),
                ..Default::default()
            },
            None => Default::default(),
        },
        ..Default::default()
    };
    let form = QuoteForm::from_input(&input);
    render(&FormPage {
        ctx,
        id: None,
        number: String::new(),
        form,
        errors: FieldErrors::new(),
        clients,
        intervenants,
        modules,
        priced: None,
    })
}

pub async fn create(
    ctx: PageCtx,
    user: CurrentUser,
    session: Session,
    State(s): State<AppState>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let org = user.coordinator_org()?;
    let form = QuoteForm { pairs };
    let (clients, intervenants, modules) = choices(&s, org).await?;
    let parsed = form.to_input(&modules);
    let result = match parsed.clone() {
        Ok(input) => service::create(&s.db, org, user.id(), input).await,
        Err(e) => Err(AppError::Invalid(e)),
    };
    match result {
        Ok(q) => {
            flash(&session, format!("Le devis {} est enregistré (brouillon).", q.number)).await;
            Ok(Redirect::to(&format!("/devis/{}", q.id)).into_response())
        }
        Err(AppError::Invalid(errors)) => {
            let errors = form_errors(errors, parsed.as_ref().ok());
            render_invalid(&FormPage {
                ctx,
                id: None,
                number: String::new(),
                form,
                errors,
                clients,
                intervenants,
                modules,
                priced: None,
            })
        }
        Err(e) => Err(e),
    }
}

#[derive(Template)]
#[template(path = "quote/_totals.html")]
struct TotalsPartial {
    priced: Option<Priced>,
    errors: FieldErrors,
}

/// `POST /devis/apercu`: the totals of the form as it is being typed (htmx).
pub async fn preview(
    user: CurrentUser,
    State(s): State<AppState>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let org = user.coordinator_org()?;
    let modules = crate::catalogue::store::list(&s.db, org, false).await?;
    let form = QuoteForm { pairs };
    let parsed = form.to_input(&modules);
    let (priced, errors) = match parsed.clone() {
        Ok(input) => match service::prepare(&s.db, org, input, false).await {
            Ok((_, p)) => (Some(p), FieldErrors::new()),
            Err(AppError::Invalid(e)) => (None, e),
            Err(e) => return Err(e),
        },
        Err(e) => (None, e),
    };
    // The client is chosen last by many: the totals do not wait for it.
    let errors = FieldErrors(errors.0.into_iter().filter(|e| e.field != "client_id").collect());
    Ok(Html(TotalsPartial { priced, errors }.render()?).into_response())
}

#[derive(Template)]
#[template(path = "quote/show.html")]
struct ShowPage {
    ctx: PageCtx,
    q: Quote,
    v: QuoteVersion,
    versions: Vec<QuoteVersion>,
    link: Option<String>,
    mailed: bool,
    can_edit: bool,
    current: bool,
    /// The invoices issued from this quote.
    invoices: Vec<crate::invoice::store::Invoice>,
    /// Under subrogation, the OPCO's share has its own invoice.
    subrogation: bool,
}

async fn show_page(
    ctx: PageCtx,
    s: &AppState,
    user: &CurrentUser,
    id: i64,
    version: Option<i64>,
    link: Option<String>,
) -> Result<ShowPage, AppError> {
    let org = user.staff_org()?;
    let q = store::get(&s.db, org, id).await?;
    let v = store::version(&s.db, org, id, version.unwrap_or(q.version)).await?;
    let versions = store::versions(&s.db, org, id).await?;
    let current = v.version == q.version;
    let invoices = crate::invoice::store::of_quote(&s.db, org, id).await?;
    let subrogation = v.priced.funding.as_ref().is_some_and(|f| f.subrogation && !f.opco_amount.is_zero());
    Ok(ShowPage {
        ctx,
        q,
        v,
        versions,
        link,
        mailed: false,
        can_edit: user.coordinator_org().is_ok(),
        current,
        invoices,
        subrogation,
    })
}

pub async fn show(
    ctx: PageCtx,
    user: CurrentUser,
    State(s): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    render(&show_page(ctx, &s, &user, id, None, None).await?)
}

pub async fn version(
    ctx: PageCtx,
    user: CurrentUser,
    State(s): State<AppState>,
    Path((id, v)): Path<(i64, i64)>,
) -> Result<Response, AppError> {
    render(&show_page(ctx, &s, &user, id, Some(v), None).await?)
}

pub async fn edit_form(
    ctx: PageCtx,
    user: CurrentUser,
    State(s): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let org = user.coordinator_org()?;
    let q = store::get(&s.db, org, id).await?;
    crate::quote::allowed(q.status, crate::quote::Action::Edit).map_err(|m| AppError::Conflict(m.into()))?;
    let v = store::version(&s.db, org, id, q.version).await?;
    let (clients, intervenants, modules) = choices(&s, org).await?;
    let form = QuoteForm::from_input(&v.input);
    render(&FormPage {
        ctx,
        id: Some(id),
        number: q.number,
        form,
        errors: FieldErrors::new(),
        clients,
        intervenants,
        modules,
        priced: Some(v.priced),
    })
}

pub async fn update(
    ctx: PageCtx,
    user: CurrentUser,
    session: Session,
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let org = user.coordinator_org()?;
    let q = store::get(&s.db, org, id).await?;
    let form = QuoteForm { pairs };
    let (clients, intervenants, modules) = choices(&s, org).await?;
    let parsed = form.to_input(&modules);
    let result = match parsed.clone() {
        Ok(input) => service::update(&s.db, org, id, user.id(), input).await,
        Err(e) => Err(AppError::Invalid(e)),
    };
    match result {
        Ok(q) => {
            flash(&session, format!("Le devis {} est enregistré.", q.number)).await;
            Ok(Redirect::to(&format!("/devis/{id}")).into_response())
        }
        Err(AppError::Invalid(errors)) => {
            let errors = form_errors(errors, parsed.as_ref().ok());
            render_invalid(&FormPage {
                ctx,
                id: Some(id),
                number: q.number,
                form,
                errors,
                clients,
                intervenants,
                modules,
                priced: None,
            })
        }
        Err(e) => Err(e),
    }
}

pub async fn send(
    ctx: PageCtx,
    user: CurrentUser,
    State(s): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let org = user.coordinator_org()?;
    let (q, link) = service::send(&s.db, org, id, &s.config.public_url()).await?;
    let mailed = service::mail_link(&s.db, org, &q, &link).await?;
    let mut page = show_page(ctx, &s, &user, id, None, Some(link)).await?;
    page.mailed = mailed;
    render(&page)
}

pub async fn new_link(
    ctx: PageCtx,
    user: CurrentUser,
    State(s): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let org = user.coordinator_org()?;
    let (_, link) = service::new_link(&s.db, org, id, &s.config.public_url()).await?;
    render(&show_page(ctx, &s, &user, id, None, Some(link)).await?)
}

pub async fn revise(
    user: CurrentUser,
    session: Session,
    State(s): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let org = user.coordinator_org()?;
    let q = store::revise(&s.db, org, id, Some(user.id())).await?;
    flash(&session, format!("Version {} du devis créée : modifiez-la puis envoyez-la.", q.version)).await;
    Ok(Redirect::to(&format!("/devis/{id}/modifier")).into_response())
}

pub async fn quote_pdf_of(s: &AppState, org_id: i64, id: i64, version: Option<i64>) -> Result<Response, AppError> {
    let org = crate::org::store::get(&s.db, org_id).await?;
    let q = store::get(&s.db, org_id, id).await?;
    let v = store::version(&s.db, org_id, id, version.unwrap_or(q.version)).await?;
    let pdf = crate::quote::documents::quote_pdf(&s.db, &org, &q, &v).await?;
    Ok(pdf_response(&format!("{}-v{}.pdf", q.number, v.version), pdf))
}

pub async fn pdf(user: CurrentUser, State(s): State<AppState>, Path(id): Path<i64>) -> Result<Response, AppError> {
    quote_pdf_of(&s, user.staff_org()?, id, None).await
}

pub async fn version_pdf(
    user: CurrentUser,
    State(s): State<AppState>,
    Path((id, v)): Path<(i64, i64)>,
) -> Result<Response, AppError> {
    quote_pdf_of(&s, user.staff_org()?, id, Some(v)).await
}

pub async fn convention_of(s: &AppState, org_id: i64, id: i64) -> Result<Response, AppError> {
    let org = crate::org::store::get(&s.db, org_id).await?;
    let q = store::get(&s.db, org_id, id).await?;
    let v = store::version(&s.db, org_id, id, q.decided_version.unwrap_or(q.version)).await?;
    let pdf = crate::quote::documents::convention_pdf(&s.db, &org, &q, &v).await?;
    Ok(pdf_response(&format!("{}.pdf", q.convention_number.clone().unwrap_or_else(|| q.number.clone())), pdf))
}

pub async fn convention(
    user: CurrentUser,
    State(s): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    convention_of(&s, user.staff_org()?, id).await
}

// --- the list ------------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "quote/list.html")]
struct ListPage {
    ctx: PageCtx,
    quotes: Vec<Quote>,
    pager: Pager,
    status: String,
    can_edit: bool,
}

fn parse_list(q: &[(String, String)]) -> (ListParams, QuoteFilters) {
    let get = |k: &str| q.iter().find(|(key, _)| key == k).map(|(_, v)| v.clone());
    (
        ListParams {
            q: get("q"),
            sort: get("sort"),
            dir: get("dir").or(Some("desc".into())).filter(|d| d == "desc" || d == "asc"),
            page: get("page").and_then(|v| v.parse().ok()),
            per_page: get("per_page").and_then(|v| v.parse().ok()),
        },
        QuoteFilters {
            status: get("status").filter(|s| Status::parse(s).is_some()),
            client_id: get("client_id").and_then(|v| v.parse().ok()),
        },
    )
}

pub async fn list(
    ctx: PageCtx,
    Staff { user, org }: Staff,
    State(s): State<AppState>,
    Query(q): Query<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let (p, f) = parse_list(&q);
    let l = Listing::new(&p, &store::SORT);
    let (quotes, total) = store::list(&s.db, org, &l, &f).await?;
    let mut pager = Pager::new("/devis", &l, &store::SORT, total);
    if let Some(st) = &f.status {
        let extra = format!("&status={st}");
        for h in &mut pager.headers {
            h.href.push_str(&extra);
        }
        for link in [&mut pager.prev, &mut pager.next].into_iter().flatten() {
            link.push_str(&extra);
        }
        pager.csv.push_str(&extra);
    }
    render(&ListPage {
        ctx,
        quotes,
        pager,
        status: f.status.unwrap_or_default(),
        can_edit: user.coordinator_org().is_ok(),
    })
}

pub const CSV_HEADERS: [&str; 9] =
    ["Numéro", "Version", "Client", "Intitulé", "État", "Total HT", "Total TTC", "Créé le", "Valable jusqu'au"];

pub fn csv_row(q: &Quote) -> Vec<String> {
    let amount = |d: Decimal| d.to_string().replace('.', ",");
    vec![
        q.number.clone(),
        q.version.to_string(),
        q.client_name.clone(),
        q.title.clone(),
        q.status.label().into(),
        amount(q.total_ht),
        amount(q.total_ttc),
        crate::fr::date(q.created_at),
        crate::fr::date_short(q.valid_until),
    ]
}

pub async fn csv(
    Staff { org, .. }: Staff,
    State(s): State<AppState>,
    Query(q): Query<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let (mut p, f) = parse_list(&q);
    p.per_page = Some(200);
    let mut rows = Vec::new();
    let mut page = 1;
    loop {
        p.page = Some(page);
        let (items, total) = store::list(&s.db, org, &Listing::new(&p, &store::SORT), &f).await?;
        let n = items.len();
        rows.extend(items.iter().map(csv_row));
        if n == 0 || rows.len() as i64 >= total {
            break;
        }
        page += 1;
    }
    Ok(csv_response("devis.csv", csv_bytes(&CSV_HEADERS, rows)))
}

// --- the client's side ----------------------------------------------------------------------------
