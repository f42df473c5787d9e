//! Catalogue pages: the list of modules, a module's page with its versions, the form, variants, and
//! the public programme page (Qualiopi indicator 1).

use std::str::FromStr;

use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use rust_decimal::Decimal;
use serde::Deserialize;
use tower_sessions::Session;

use crate::auth::CurrentUser;
use crate::auth::Staff;
use crate::catalogue::{
    Module, ModuleContent, ModuleKind, ModuleVersion, PriceBasis, Unit, format_plan, parse_plan, store,
};
use crate::error::{AppError, FieldErrors};
use crate::extract::{Form, Path};
use crate::org::Organisation;
use crate::state::AppState;
use crate::web::{PageCtx, flash, render, render_invalid};

#[derive(Template)]
#[template(path = "catalogue/list.html")]
struct ListPage {
    ctx: PageCtx,
    modules: Vec<Module>,
    org_slug: String,
    can_edit: bool,
}

pub async fn list(ctx: PageCtx, Staff { user, org }: Staff, State(s): State<AppState>) -> Result<Response, AppError> {
    let modules = store::list(&s.db, org, true).await?;
    let org_slug = crate::org::store::get(&s.db, org).await?.slug;
    render(&ListPage { ctx, modules, org_slug, can_edit: user.coordinator_org().is_ok() })
}

/// The module form as typed.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct ModuleForm {
    pub kind: String,
    pub title: String,
    pub summary: String,
    pub objectives: String,
    pub public_target: String,
    pub prereq_culture: String,
    pub prereq_technicity: String,
    pub prereq_other: String,
    pub headcount_max: String,
    pub unit: String,
    pub unit_count: String,
    pub unit_hours: String,
    pub plan: String,
    pub methods: String,
    pub evaluation: String,
    pub accessibility: String,
    pub access_modalities: String,
    pub price_basis: String,
    pub price: String,
    pub logistics: String,
    pub topics: String,
}

fn decimal_text(d: Decimal) -> String {
    d.normalize().to_string().replace('.', ",")
}

impl ModuleForm {
    pub fn from_content(kind: ModuleKind, c: &ModuleContent) -> Self {
        ModuleForm {
            kind: kind.as_str().into(),
            title: c.title.clone(),
            summary: c.summary.clone(),
            objectives: c.objectives.clone(),
            public_target: c.public_target.clone(),
            prereq_culture: c.prereq_culture.clone(),
            prereq_technicity: c.prereq_technicity.clone(),
            prereq_other: c.prereq_other.clone(),
            headcount_max: c.headcount_max.map(|n| n.to_string()).unwrap_or_default(),
            unit: c.unit.as_str().into(),
            unit_count: c.unit_count.to_string(),
            unit_hours: decimal_text(Decimal::from(c.unit_minutes) / Decimal::from(60)),
            plan: format_plan(&c.plan),
            methods: c.methods.clone(),
            evaluation: c.evaluation.clone(),
            accessibility: c.accessibility.clone(),
            access_modalities: c.access_modalities.clone(),
            price_basis: c.price_basis.as_str().into(),
            price: decimal_text(c.price),
            logistics: c.logistics.join("\n"),
            topics: c.topics.join("\n"),
        }
    }

    /// Reads the typed form into a module content, with a message for every field that cannot be read.
    pub fn to_content(&self, kind: ModuleKind) -> Result<ModuleContent, FieldErrors> {
        let mut e = FieldErrors::new();
        let int = |e: &mut FieldErrors, field: &str, v: &str, msg: &str| -> Option<i64> {
            let v = v.trim();
            if v.is_empty() {
                return None;
            }
            v.parse::<i64>().map(Some).unwrap_or_else(|_| {
                e.add(field, msg);
                None
            })
        };
        let dec = |e: &mut FieldErrors, field: &str, v: &str, msg: &str| -> Decimal {
            let v = v.trim().replace(',', ".").replace([' ', '€', '\u{a0}', '\u{202f}'], "");
            if v.is_empty() {
                return Decimal::ZERO;
            }
            Decimal::from_str(&v).unwrap_or_else(|_| {
                e.add(field, msg);
                Decimal::ZERO
            })
        };
        let headcount_max = int(
            &mut e,
            "headcount_max",
            &self.headcount_max,
            "L'effectif maximal est un nombre entier (laissez vide pour un large public).",
        );
        let unit_count =
            int(&mut e, "unit_count", &self.unit_count, "Le nombre de séquences est un nombre entier.").unwrap_or(0);
        let hours = dec(
            &mut e,
            "unit_hours",
            &self.unit_hours,
            "La durée d'une séquence est un nombre d'heures (exemple : 7 ou 3,5).",
        );
        let unit_minutes = (hours * Decimal::from(60)).round().try_into().unwrap_or(0i64);
        let price = dec(&mut e, "price", &self.price, "Le prix est un montant (exemple : 1100 ou 1100,50).");
        let unit = Unit::parse(&self.unit).unwrap_or_else(|| {
            e.add("unit", "Choisissez le découpage dans la liste.");
            Unit::Day
        });
        let price_basis = PriceBasis::parse(&self.price_basis).unwrap_or_else(|| {
            e.add("price_basis", "Choisissez la base de prix dans la liste.");
            PriceBasis::PerGroupDay
        });
        let lines = |s: &str| {
            s.lines()
                .map(|l| l.trim().trim_start_matches("- ").to_string())
                .filter(|l| !l.is_empty())
                .collect::<Vec<_>>()
        };
        let content = ModuleContent {
            title: self.title.clone(),
            summary: self.summary.clone(),
            objectives: self.objectives.clone(),
            public_target: self.public_target.clone(),
            prereq_culture: self.prereq_culture.clone(),
            prereq_technicity: self.prereq_technicity.clone(),
            prereq_other: self.prereq_other.clone(),
            headcount_max,
            unit,
            unit_count,
            unit_minutes,
            plan: parse_plan(&self.plan),
            methods: self.methods.clone(),
            evaluation: self.evaluation.clone(),
            accessibility: self.accessibility.clone(),
            access_modalities: self.access_modalities.clone(),
            price_basis,
            price,
            logistics: lines(&self.logistics),
            topics: lines(&self.topics),
            // Edited on its own page; the module's update keeps it.
            questionnaire: Vec::new(),
        };
        match content.validate(kind) {
            Ok(c) if e.is_empty() => Ok(c),
            Ok(_) => Err(e),
            Err(more) => {
                for m in more.0 {
                    if e.get(&m.field).is_none() {
                        e.0.push(m);
                    }
                }
                Err(e)
            }
        }
    }
}

#[derive(Template)]
#[template(path = "catalogue/form.html")]
struct FormPage {
    ctx: PageCtx,
    id: Option<i64>,
    form: ModuleForm,
    errors: FieldErrors,
    kinds: Vec<(&'static str, &'static str)>,
    units: Vec<(&'static str, &'static str)>,
    bases: Vec<(&'static str, &'static str)>,
}

fn form_page(ctx: PageCtx, id: Option<i64>, form: ModuleForm, errors: FieldErrors) -> FormPage {
    FormPage {
        ctx,
        id,
        form,
        errors,
        kinds: ModuleKind::ALL.iter().map(|k| (k.as_str(), k.label())).collect(),
        units: Unit::ALL.iter().map(|u| (u.as_str(), u.label())).collect(),
        bases: PriceBasis::ALL.iter().map(|b| (b.as_str(), b.label())).collect(),
    }
}

pub async fn new_form(ctx: PageCtx, user: CurrentUser) -> Result<Response, AppError> {
    user.coordinator_org()?;
    let (kind, content) = crate::catalogue::acunum::default_catalogue().remove(0);
    let mut form = ModuleForm::from_content(kind, &content);
    form.title = String::new();
    form.plan = String::new();
    form.summary = String::new();
    form.objectives = String::new();
    render(&form_page(ctx, None, form, FieldErrors::new()))
}

pub async fn create(
    ctx: PageCtx,
    user: CurrentUser,
    session: Session,
    State(s): State<AppState>,
    Form(form): Form<ModuleForm>,
) -> Result<Response, AppError> {
    let org = user.coordinator_org()?;
    let Some(kind) = ModuleKind::parse(&form.kind) else {
        let mut e = FieldErrors::new();
        e.add("kind", "Choisissez le type de module dans la liste.");
        return render_invalid(&form_page(ctx, None, form, e));
    };
    match form.to_content(kind) {
        Ok(content) => {
            let m = store::create(&s.db, org, kind, &content, None, Some(user.id())).await?;
            flash(&session, format!("Le module {} est ajouté au catalogue.", crate::fr::quoted(&m.content.title)))
                .await;
            Ok(Redirect::to(&format!("/catalogue/{}", m.id)).into_response())
        }
        Err(errors) => render_invalid(&form_page(ctx, None, form, errors)),
    }
}

#[derive(Template)]
#[template(path = "catalogue/show.html")]
struct ShowPage {
    ctx: PageCtx,
    module: Module,
    kind: ModuleKind,
    c: ModuleContent,
    org: Organisation,
    versions: Vec<ModuleVersion>,
    can_edit: bool,
}

pub async fn show(
    ctx: PageCtx,
    user: CurrentUser,
    State(s): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let org_id = user.staff_org()?;
    let module = store::get(&s.db, org_id, id).await?;
    let versions = store::versions(&s.db, org_id, id).await?;
    let org = crate::org::store::get(&s.db, org_id).await?;
    render(&ShowPage {
        ctx,
        kind: module.kind,
        c: module.content.clone(),
        module,
        org,
        versions,
        can_edit: user.coordinator_org().is_ok(),
    })
}

pub async fn edit_form(
    ctx: PageCtx,
    user: CurrentUser,
    State(s): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let org = user.coordinator_org()?;
    let m = store::get(&s.db, org, id).await?;
    render(&form_page(ctx, Some(id), ModuleForm::from_content(m.kind, &m.content), FieldErrors::new()))
}

pub async fn update(
    ctx: PageCtx,
    user: CurrentUser,
    session: Session,
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Form(mut form): Form<ModuleForm>,
) -> Result<Response, AppError> {
    let org = user.coordinator_org()?;
    let current = store::get(&s.db, org, id).await?;
    form.kind = current.kind.as_str().into();
    match form.to_content(current.kind) {
        Ok(content) => {
            let m = match store::update(&s.db, org, id, &content, Some(user.id())).await {
                Ok(m) => m,
                Err(AppError::Invalid(errors)) => return render_invalid(&form_page(ctx, Some(id), form, errors)),
                Err(e) => return Err(e),
            };
            if m.version == current.version {
                flash(&session, "Aucune modification : la version reste la même.").await;
            } else {
                flash(&session, format!("Le module est enregistré (version {}).", m.version)).await;
            }
            Ok(Redirect::to(&format!("/catalogue/{id}")).into_response())
        }
        Err(errors) => render_invalid(&form_page(ctx, Some(id), form, errors)),
    }
}

pub async fn duplicate(
    user: CurrentUser,
    session: Session,
    State(s): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let org = user.coordinator_org()?;
    let m = store::duplicate(&s.db, org, id, Some(user.id())).await?;
    flash(&session, "La variante est créée : adaptez-la (durée, effectif, programme…).").await;
    Ok(Redirect::to(&format!("/catalogue/{}/modifier", m.id)).into_response())
}

#[derive(Deserialize)]
pub struct FlagsForm {
    #[serde(default, deserialize_with = "crate::web::form_bool")]
    pub published: bool,
    #[serde(default, deserialize_with = "crate::web::form_bool")]
    pub archived: bool,
}

pub async fn set_flags(
    user: CurrentUser,
    session: Session,
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Form(f): Form<FlagsForm>,
) -> Result<Response, AppError> {
    let org = user.coordinator_org()?;
    let m = store::set_flags(&s.db, org, id, f.published, f.archived).await?;
    let msg = match (m.published, m.archived) {
        (_, true) => "Le module est archivé : il ne sera plus proposé.",
        (true, false) => "Le programme est publié.",
        (false, false) => "Le programme n'est plus public.",
    };
    flash(&session, msg).await;
    Ok(Redirect::to(&format!("/catalogue/{id}")).into_response())
}

#[derive(Template)]
#[template(path = "catalogue/version.html")]
struct VersionPage {
    ctx: PageCtx,
    module: Module,
    v: ModuleVersion,
    kind: ModuleKind,
    c: ModuleContent,
    org: Organisation,
}

pub async fn version(
    ctx: PageCtx,
    user: CurrentUser,
    State(s): State<AppState>,
    Path((id, n)): Path<(i64, i64)>,
) -> Result<Response, AppError> {
    let org_id = user.staff_org()?;
    let module = store::get(&s.db, org_id, id).await?;
    let v = store::version(&s.db, org_id, id, n).await?;
    let org = crate::org::store::get(&s.db, org_id).await?;
    render(&VersionPage { ctx, kind: module.kind, c: v.content.clone(), module, v, org })
}

#[derive(Template)]
#[template(path = "catalogue/programme.html")]
struct ProgrammePage {
    css: String,
    js: String,
    module: Module,
    kind: ModuleKind,
    c: ModuleContent,
    org: Organisation,
    has_logo: bool,
}

/// `GET /programme/{org}/{id}`: the public programme sheet, for anybody, printable.
pub async fn public_programme(
    State(s): State<AppState>,
    Path((slug, id)): Path<(String, i64)>,
) -> Result<Response, AppError> {
    let org = crate::org::store::by_slug(&s.db, &slug).await?;
    let module = store::public_get(&s.db, org.id, id).await?;
    let has_logo = crate::org::store::logo(&s.db, org.id).await?.is_some();
    let assets = crate::web::assets::urls();
    render(&ProgrammePage {
        css: assets.css.clone(),
        js: assets.js.clone(),
        kind: module.kind,
        c: module.content.clone(),
        module,
        org,
        has_logo,
    })
}

/// `GET /catalogue/{id}/programme.pdf`: the programme sheet of the current version.
pub async fn programme_pdf(
    user: CurrentUser,
    State(s): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let org_id = user.staff_org()?;
    let module = store::get(&s.db, org_id, id).await?;
    let org = crate::org::store::get(&s.db, org_id).await?;
    let pdf =
        crate::documents::programme_pdf(&s.db, &org, module.kind, &module.content, module.version, module.updated_at)
            .await?;
    Ok(crate::documents::pdf_response(&format!("programme-{}.pdf", crate::org::slugify(&module.content.title)), pdf))
}

/// `GET /programme/{org}/{id}/pdf`: the public programme sheet as a PDF.
pub async fn public_programme_pdf(
    State(s): State<AppState>,
    Path((slug, id)): Path<(String, i64)>,
) -> Result<Response, AppError> {
    let org = crate::org::store::by_slug(&s.db, &slug).await?;
    let module = store::public_get(&s.db, org.id, id).await?;
    let pdf =
        crate::documents::programme_pdf(&s.db, &org, module.kind, &module.content, module.version, module.updated_at)
            .await?;
    Ok(crate::documents::pdf_response(&format!("programme-{}.pdf", crate::org::slugify(&module.content.title)), pdf))
}
