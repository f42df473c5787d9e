//! The directory's pages: search around a commune with a map, a place, the import and its report,
//! the exports, and the client's "nearby" page (intervenants and places, then a quote).

use askama::Template;
use axum::extract::{Multipart, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};

use super::communes;
use super::import::{self, ImportError, Report};
use super::index::{self, Hit, Query as IndexQuery};
use super::map::{self, Marker};
use super::matching::{self, Nearby};
use super::schema;
use super::store::{self, Place};
use super::vocabulary::{self, SERVICES};
use crate::auth::CurrentUser;
use crate::auth::Staff;
use crate::error::{AppError, FieldErrors};
use crate::extract::Path;
use crate::state::AppState;
use crate::web::{PageCtx, render, render_invalid};

/// A search as the page's form and the API's query string give it.
#[derive(Clone, Debug, Default)]
pub struct SearchForm {
    pub q: String,
    /// A commune's name or a postal code.
    pub near: String,
    pub lat: String,
    pub lon: String,
    pub radius: String,
    pub typologies: Vec<String>,
    pub services: Vec<String>,
    pub limit: String,
    pub page: String,
}

impl SearchForm {
    pub fn from_pairs(pairs: &[(String, String)]) -> SearchForm {
        let mut f = SearchForm::default();
        for (k, v) in pairs {
            let v = v.trim().to_string();
            match k.as_str() {
                "q" => f.q = v,
                "pres_de" | "near" => f.near = v,
                "lat" | "latitude" => f.lat = v,
                "lon" | "longitude" => f.lon = v,
                "rayon" | "radius_km" => f.radius = v,
                "typologie" => {
                    f.typologies.extend(v.split(',').map(str::trim).filter(|s| !s.is_empty()).map(str::to_string))
                }
                "service" if !v.is_empty() => f.services.push(v),
                "n" | "limit" => f.limit = v,
                "page" => f.page = v,
                _ => {}
            }
        }
        f
    }

    /// The index's query and the origin's label, or what to correct.
    pub fn to_query(
        &self,
        default_limit: usize,
        max_limit: usize,
    ) -> Result<(IndexQuery, Option<String>), FieldErrors> {
        let mut e = FieldErrors::new();
        if self.q.chars().count() > 200 {
            e.add("q", "La recherche fait au plus 200 caractères.");
        }
        let mut origin = None;
        let mut label = None;
        if !self.lat.is_empty() || !self.lon.is_empty() {
            match (self.lat.replace(',', ".").parse::<f64>(), self.lon.replace(',', ".").parse::<f64>()) {
                (Ok(la), Ok(lo)) if (-90.0..=90.0).contains(&la) && (-180.0..=180.0).contains(&lo) => {
                    origin = Some((la, lo));
                    label = Some(format!("{la:.4}, {lo:.4}"));
                }
                _ => e.add(
                    "lat",
                    "La latitude (−90 à 90) et la longitude (−180 à 180) vont ensemble, en degrés décimaux.",
                ),
            }
        } else if !self.near.is_empty() {
            if self.near.chars().count() > 100 {
                e.add("pres_de", "La commune ou le code postal fait au plus 100 caractères.");
            } else {
                match self.near_commune() {
                    Ok(c) => match c.latitude.zip(c.longitude) {
                        Some(p) => {
                            origin = Some(p);
                            label =
                                Some(format!("{} ({})", c.name, c.postal_codes.first().cloned().unwrap_or_default()));
                        }
                        None => e.add("pres_de", format!("La commune {} n'a pas de coordonnées connues.", c.name)),
                    },
                    Err(why) => e.add("pres_de", why),
                }
            }
        }
        let max_km = if self.radius.is_empty() {
            None
        } else {
            match self.radius.replace(',', ".").parse::<f64>() {
                Ok(r) if r > 0.0 && r <= 20_000.0 => Some(r),
                _ => {
                    e.add("rayon", "Le rayon est un nombre de kilomètres entre 0 et 20 000.");
                    None
                }
            }
        };
        if max_km.is_some() && origin.is_none() && !self.lat.is_empty() {
            // already reported
        } else if max_km.is_some() && origin.is_none() {
            e.add("pres_de", "Un rayon se compte autour d'une commune ou d'un code postal : indiquez-le.");
        }
        let mut typologies = Vec::new();
        for t in &self.typologies {
            let code = t.to_uppercase();
            if vocabulary::typology_label(&code).is_some() {
                typologies.push(code);
            } else {
                e.add("typologie", format!("Typologie inconnue : « {t} »."));
            }
        }
        let mut mask = 0u16;
        for s in &self.services {
            match SERVICES.iter().position(|x| x == s) {
                Some(i) => mask |= 1 << i,
                None => e.add("service", format!("Service inconnu : « {s} ».")),
            }
        }
        let limit = if self.limit.is_empty() {
            default_limit
        } else {
            match self.limit.parse::<usize>() {
                Ok(n) if (1..=max_limit).contains(&n) => n,
                _ => {
                    e.add("n", format!("Le nombre de résultats va de 1 à {max_limit}."));
                    default_limit
                }
            }
        };
        let page = self.page.parse::<usize>().unwrap_or(1).clamp(1, 100_000);
        let q = IndexQuery {
            text: self.q.clone(),
            typologies,
            services_mask: mask,
            origin,
            max_km,
            limit,
            offset: (page - 1) * limit,
        };
        if e.is_empty() { Ok((q, label)) } else { Err(e) }
    }

    /// The commune the "near" field names: a postal code, or a name, perhaps followed by its postal
    /// code or département (« Saint-Ouen (80) », « Saint-Ouen 41100 »). A name several communes
    /// bear is never settled silently: the message lists them (see [`SearchForm::near_choices`]).
    pub fn near_commune(&self) -> Result<&'static communes::Commune, String> {
        let near = self.near.trim();
        if near.chars().all(|c| c.is_ascii_digit() || c == ' ') {
            return communes::find(&near.replace(' ', ""), "")
                .ok_or_else(|| format!("Commune ou code postal inconnu : « {near} »."));
        }
        let (name, hint) = split_hint(near);
        let candidates = near_candidates(name, hint);
        match candidates.as_slice() {
            [] => match hint {
                Some(h) => Err(format!("Aucune commune « {name} » pour « {h} ».")),
                None => communes::find("", name).ok_or_else(|| format!("Commune ou code postal inconnu : « {near} ».")),
            },
            [one] => Ok(one),
            many => Err(format!(
                "{} communes s'appellent « {name} » : précisez laquelle ({}).",
                many.len(),
                many.iter().take(8).map(|c| choice_label(c)).collect::<Vec<_>>().join(", ")
            )),
        }
    }

    /// When the "near" field names several communes: each with the search's link for it.
    pub fn near_choices(&self) -> Vec<(String, String)> {
        let near = self.near.trim();
        if near.is_empty() || near.chars().all(|c| c.is_ascii_digit() || c == ' ') {
            return Vec::new();
        }
        let (name, hint) = split_hint(near);
        let candidates = near_candidates(name, hint);
        if candidates.len() < 2 {
            return Vec::new();
        }
        candidates
            .into_iter()
            .take(20)
            .map(|c| {
                let mut f = self.clone();
                f.near = choice_label(c);
                let link = f.page_link(1);
                (f.near, link)
            })
            .collect()
    }

    pub fn has_service(&self, s: &&str) -> bool {
        self.services.iter().any(|x| x == s)
    }

    pub fn has_typology(&self, code: &str) -> bool {
        self.typologies.iter().any(|x| x.eq_ignore_ascii_case(code))
    }

    /// The query string of this search at another page.
    pub fn page_link(&self, page: usize) -> String {
        let mut s = form_urlencoded::Serializer::new(String::new());
        for (k, v) in [("q", &self.q), ("pres_de", &self.near), ("rayon", &self.radius), ("n", &self.limit)] {
            if !v.is_empty() {
                s.append_pair(k, v);
            }
        }
        for t in &self.typologies {
            s.append_pair("typologie", t);
        }
        for x in &self.services {
            s.append_pair("service", x);
        }
        s.append_pair("page", &page.to_string());
        format!("/lieux?{}", s.finish())
    }
}

/// « Saint-Ouen (80610) » → ("Saint-Ouen", Some("80610")); « Saint-Ouen 80 » → ("Saint-Ouen", Some("80")).
fn split_hint(near: &str) -> (&str, Option<&str>) {
    let t = near.trim().trim_end_matches(')').trim_end();
    if let Some((name, last)) = t.rsplit_once([' ', '(']) {
        let last = last.trim();
        let dept = (2..=3).contains(&last.len()) && last.chars().all(|c| c.is_ascii_alphanumeric());
        let postal = last.len() == 5 && last.chars().all(|c| c.is_ascii_digit());
        if (dept && last.chars().any(|c| c.is_ascii_digit())) || postal {
            return (name.trim().trim_end_matches(['(', ',']).trim(), Some(last));
        }
    }
    (near.trim(), None)
}

/// The communes of a name (with or without its article), narrowed by a postal code or département.
fn near_candidates(name: &str, hint: Option<&str>) -> Vec<&'static communes::Commune> {
    let mut found = communes::homonyms(name);
    match hint {
        Some(h) if h.len() == 5 => found.retain(|c| c.postal_codes.iter().any(|p| p == h)),
        Some(h) => found.retain(|c| c.departement.eq_ignore_ascii_case(h)),
        None => {}
    }
    found
}

/// « Saint-Ouen (80610) », as a choice the search understands again.
fn choice_label(c: &communes::Commune) -> String {
    match c.postal_codes.first() {
        Some(p) => format!("{} ({p})", c.name),
        None => format!("{} ({})", c.name, c.departement),
    }
}

/// Typologies offered by the search form: the common ones first, then all.
pub fn typology_options() -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> =
        vocabulary::typologies().iter().map(|(c, l)| (c.clone(), format!("{l} ({c})"))).collect();
    v.sort_by(|a, b| a.1.cmp(&b.1));
    v
}

#[derive(Template)]
#[template(path = "places/search.html")]
struct SearchPage {
    ctx: PageCtx,
    form: SearchForm,
    errors: FieldErrors,
    total_places: i64,
    origin: Option<String>,
    hits: Vec<Hit>,
    total: Option<usize>,
    page: usize,
    pages: usize,
    map_svg: String,
    typologies: Vec<(String, String)>,
    services: &'static [&'static str],
    can_import: bool,
    searched: bool,
    /// The communes a name designates when it designates several: label and link.
    choices: Vec<(String, String)>,
}

/// `GET /lieux`
pub async fn search(
    ctx: PageCtx,
    Staff { user, org }: Staff,
    State(s): State<AppState>,
    Query(pairs): Query<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let form = SearchForm::from_pairs(&pairs);
    let searched = !pairs.is_empty();
    let total_places = store::count(&s.db, org).await?;
    let (hits, total, origin, errors, page, limit) = match form.to_query(20, 200) {
        Ok((q, label)) => {
            let r = index::for_org(&s.db, org).await?.search(&q);
            (r.hits, r.total, label.zip(q.origin), FieldErrors::new(), q.offset / q.limit + 1, q.limit)
        }
        Err(e) => (Vec::new(), None, None, e, 1, 20),
    };
    let mut markers: Vec<Marker> = hits
        .iter()
        .enumerate()
        .filter_map(|(i, h)| {
            Some(Marker {
                lat: h.latitude?,
                lon: h.longitude?,
                label: format!("{} — {}", h.nom, h.commune),
                href: Some(format!("/lieux/{}", h.id)),
                kind: "lieu",
                number: Some(i + 1),
            })
        })
        .collect();
    if let Some((label, (lat, lon))) = &origin {
        markers.push(Marker {
            lat: *lat,
            lon: *lon,
            label: format!("Point de recherche : {label}"),
            href: None,
            kind: "origine",
            number: None,
        });
    }
    let map_svg = map::render(&markers, "Carte de France des lieux trouvés");
    let invalid = !errors.is_empty();
    let choices = form.near_choices();
    let page = SearchPage {
        ctx,
        form,
        errors,
        total_places,
        origin: origin.map(|o| o.0),
        pages: total.map(|t| t.div_ceil(limit.max(1))).unwrap_or(1),
        hits,
        total,
        page,
        map_svg,
        typologies: typology_options(),
        services: &SERVICES,
        can_import: user.coordinator_org().is_ok(),
        searched,
        choices,
    };
    if invalid { render_invalid(&page) } else { render(&page) }
}

#[derive(Template)]
#[template(path = "places/show.html")]
struct ShowPage {
    ctx: PageCtx,
    place: Place,
    map_svg: String,
    fields: Vec<(&'static str, String)>,
}

fn field_label(f: &str) -> &'static str {
    match f {
        "id" => "Identifiant",
        "pivot" => "SIRET / RIDET (pivot)",
        "nom" => "Nom",
        "commune" => "Commune",
        "code_postal" => "Code postal",
        "code_insee" => "Code INSEE",
        "adresse" => "Adresse",
        "complement_adresse" => "Complément d'adresse",
        "latitude" => "Latitude",
        "longitude" => "Longitude",
        "typologie" => "Typologie",
        "telephone" => "Téléphone",
        "courriels" => "Courriels",
        "site_web" => "Site web",
        "horaires" => "Horaires",
        "presentation_resume" => "Présentation",
        "presentation_detail" => "Présentation détaillée",
        "source" => "Source",
        "itinerance" => "Itinérance",
        "structure_parente" => "Structure parente",
        "date_maj" => "Mise à jour",
        "services" => "Services",
        "publics_specifiquement_adresses" => "Publics",
        "prise_en_charge_specifique" => "Prise en charge spécifique",
        "frais_a_charge" => "Frais",
        "dispositif_programmes_nationaux" => "Dispositifs nationaux",
        "formations_labels" => "Formations et labels",
        "autres_formations_labels" => "Autres formations et labels",
        "modalites_acces" => "Modalités d'accès",
        "modalites_accompagnement" => "Modalités d'accompagnement",
        "fiche_acces_libre" => "Fiche Accès libre",
        "prise_rdv" => "Prise de rendez-vous",
        _ => "",
    }
}

/// `GET /lieux/{id}`
pub async fn show(
    ctx: PageCtx,
    Staff { org, .. }: Staff,
    State(s): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let place = store::get(&s.db, org, id).await?;
    let markers: Vec<Marker> = place
        .latitude
        .zip(place.longitude)
        .map(|(lat, lon)| Marker {
            lat,
            lon,
            label: place.get("nom").to_string(),
            href: None,
            kind: "lieu",
            number: None,
        })
        .into_iter()
        .collect();
    let map_svg = map::render(&markers, &format!("Carte : {}", place.get("nom")));
    let fields = schema::FIELDS
        .iter()
        .filter(|f| !matches!(**f, "nom" | "latitude" | "longitude"))
        .map(|f| {
            let v = match *f {
                "typologie" => place.typologies().join(", "),
                "horaires" => crate::fr::opening_hours(place.get(f)),
                _ => place.get(f).replace('|', " · "),
            };
            (field_label(f), v)
        })
        .filter(|(_, v)| !v.is_empty())
        .collect();
    render(&ShowPage { ctx, place, map_svg, fields })
}

#[derive(Template)]
#[template(path = "places/import.html")]
struct ImportPage {
    ctx: PageCtx,
    error: String,
    reports: Vec<Report>,
    max_mb: usize,
}

/// `GET /lieux/import`
pub async fn import_form(ctx: PageCtx, user: CurrentUser, State(s): State<AppState>) -> Result<Response, AppError> {
    let org = user.coordinator_org()?;
    let reports = import::reports(&s.db, org).await?;
    render(&ImportPage { ctx, error: String::new(), reports, max_mb: s.config.places_max_upload_bytes / (1024 * 1024) })
}

/// `POST /lieux/import` (multipart, field `fichier`)
pub async fn import_upload(
    ctx: PageCtx,
    user: CurrentUser,
    State(s): State<AppState>,
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Result<Response, AppError> {
    let org = user.coordinator_org()?;
    let max_mb = s.config.places_max_upload_bytes / (1024 * 1024);
    let refuse = |ctx: PageCtx, reports: Vec<Report>, error: String| {
        let page = ImportPage { ctx, error, reports, max_mb };
        render_invalid(&page)
    };
    let too_big = format!(
        "Le fichier est trop volumineux : {max_mb} Mo au plus par envoi. Pour un fichier plus gros, utilisez la ligne de commande « acunum places import »."
    );
    let Ok(mut multipart) = multipart else {
        return refuse(ctx, import::reports(&s.db, org).await?, "Envoyez le fichier avec le formulaire.".into());
    };
    let mut bytes = Vec::new();
    let mut filename = String::new();
    loop {
        match multipart.next_field().await {
            Ok(Some(field)) => {
                if field.name() == Some("fichier") {
                    filename = field.file_name().unwrap_or("lieux").to_string();
                    match field.bytes().await {
                        Ok(b) => bytes = b.to_vec(),
                        Err(_) => return refuse(ctx, import::reports(&s.db, org).await?, too_big),
                    }
                }
            }
            Ok(None) => break,
            Err(_) => return refuse(ctx, import::reports(&s.db, org).await?, too_big),
        }
    }
    if bytes.is_empty() {
        return refuse(ctx, import::reports(&s.db, org).await?, "Choisissez un fichier CSV ou JSON de lieux.".into());
    }
    let size = bytes.len() as u64;
    match import::import_stream(&s.db, org, std::io::Cursor::new(bytes), size, &filename, &user.user.name, |_, _| {})
        .await
    {
        Ok(report) => Ok(Redirect::to(&format!("/lieux/imports/{}", report.id)).into_response()),
        Err(ImportError::Refused(why)) => {
            refuse(ctx, import::reports(&s.db, org).await?, format!("Fichier refusé : {why} Rien n'a été modifié."))
        }
        Err(ImportError::Db(e)) => Err(e),
    }
}

#[derive(Template)]
#[template(path = "places/report.html")]
struct ReportPage {
    ctx: PageCtx,
    report: Report,
    hidden: i64,
}

/// `GET /lieux/imports/{id}`
pub async fn report(
    ctx: PageCtx,
    user: CurrentUser,
    State(s): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let org = user.coordinator_org()?;
    let report = import::get_report(&s.db, org, id).await?;
    let hidden = (report.corrected + report.rejected - report.rows.len() as i64).max(0);
    render(&ReportPage { ctx, report, hidden })
}

/// `GET /lieux/export.csv`
pub async fn export_csv(Staff { org, .. }: Staff, State(s): State<AppState>) -> Result<Response, AppError> {
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (header::CONTENT_DISPOSITION, "attachment; filename=\"lieux-mediation-numerique.csv\""),
        ],
        store::export_csv(&s.db, org).await?,
    )
        .into_response())
}

/// `GET /lieux/export.json`
pub async fn export_json(Staff { org, .. }: Staff, State(s): State<AppState>) -> Result<Response, AppError> {
    Ok((
        [
            (header::CONTENT_TYPE, "application/json"),
            (header::CONTENT_DISPOSITION, "attachment; filename=\"lieux-mediation-numerique.json\""),
        ],
        store::export_json(&s.db, org).await?,
    )
        .into_response())
}

#[derive(Template)]
#[template(path = "places/nearby.html")]
struct NearbyPage {
    ctx: PageCtx,
    n: Nearby,
    map_svg: String,
    sector_label: &'static str,
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct NearbyQuery {
    pub role: String,
}

/// `GET /clients/{id}/proximite?role=mediator|animator`
pub async fn client_nearby(
    ctx: PageCtx,
    Staff { org, .. }: Staff,
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Query(q): Query<NearbyQuery>,
) -> Result<Response, AppError> {
    let n = matching::nearby(&s.db, org, id, &q.role, 10).await?;
    let mut markers: Vec<Marker> = n
        .places
        .iter()
        .filter_map(|h| {
            Some(Marker {
                lat: h.latitude?,
                lon: h.longitude?,
                label: format!("Lieu : {}", h.nom),
                href: Some(format!("/lieux/{}", h.id)),
                kind: "lieu",
                number: None,
            })
        })
        .collect();
    // Numbered as in the two lists of intervenants beside the map (the second continues the first).
    for (i, c) in n.with_sector.iter().chain(&n.others).enumerate() {
        if let (Some(lat), Some(lon)) = (c.latitude, c.longitude) {
            markers.push(Marker {
                lat,
                lon,
                label: format!("Intervenant : {} ({})", c.name, c.distance_label()),
                href: Some(format!("/intervenants/{}", c.intervenant_id)),
                kind: "intervenant",
                number: Some(i + 1),
            });
        }
    }
    if let (Some(lat), Some(lon)) = (n.latitude, n.longitude) {
        markers.push(Marker {
            lat,
            lon,
            label: format!("Client : {}", n.client_name),
            href: None,
            kind: "origine",
            number: None,
        });
    }
    let map_svg = map::render(&markers, &format!("Carte : {} et les intervenants proches", n.client_name));
    let sector_label = crate::sector::sector_label(&n.sector);
    render(&NearbyPage { ctx, n, map_svg, sector_label })
}
