//! `/api/v1/places…`: search (text, typology, services, distance), one place, import with its
//! report, exports to the schema's CSV and JSON; `/api/v1/clients/{id}/nearby`.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

use super::import::{self, ImportError, Report};
use super::index::{self, Hit};
use super::matching::{self, Nearby};
use super::store::{self, Place};
use super::web::SearchForm;
use crate::auth::CurrentUser;
use crate::auth::Staff;
use crate::error::AppError;
use crate::extract::{Json, Path};
use crate::state::AppState;

#[derive(Serialize, utoipa::ToSchema)]
pub struct Origin {
    pub label: String,
    pub latitude: f64,
    pub longitude: f64,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct SearchResponse {
    /// The point distances are counted from, when the search has one.
    pub origin: Option<Origin>,
    /// How many places match (searches without a point only; with one, the nearest come).
    pub total: Option<usize>,
    pub places: Vec<Hit>,
}

/// Search the organisation's places: `q` (words), `typologie` (codes, repeated or comma-separated),
/// `service` (repeated, the schema's names), `near` (a commune or a postal code) or `lat`+`lon`,
/// `radius_km`, `limit` (1–1000, default 10), `page`. With a point, the nearest come first.
#[utoipa::path(get, path = "/api/v1/places", tag = "places", params(("q" = Option<String>, Query, max_length = 200), ("near" = Option<String>, Query, max_length = 100), ("lat" = Option<f64>, Query, minimum = -90, maximum = 90), ("lon" = Option<f64>, Query, minimum = -180, maximum = 180), ("radius_km" = Option<f64>, Query, exclusive_minimum = 0, maximum = 20000), ("typologie" = Option<String>, Query), ("service" = Option<String>, Query), ("limit" = Option<usize>, Query, minimum = 1, maximum = 1000), ("page" = Option<usize>, Query, minimum = 1, maximum = 100000)), responses((status = 200, body = SearchResponse), (status = 422, body = crate::error::ErrorBody)))]
pub async fn search(
    Staff { org, .. }: Staff,
    State(s): State<AppState>,
    Query(pairs): Query<Vec<(String, String)>>,
) -> Result<Json<SearchResponse>, AppError> {
    // The page's links forgive a wrong page number; the API says it is wrong, as its document does.
    if let Some((_, page)) = pairs.iter().find(|(k, _)| k == "page")
        && !page.parse::<usize>().is_ok_and(|p| (1..=100_000).contains(&p))
    {
        return Err(AppError::invalid("page", "Les pages vont de 1 à 100 000."));
    }
    let form = SearchForm::from_pairs(&pairs);
    let (q, label) = form.to_query(10, 1000).map_err(|e| {
        // The API's parameter names.
        let mut out = crate::error::FieldErrors::new();
        for f in e.0 {
            let name = match f.field.as_str() {
                "pres_de" => "near",
                "rayon" => "radius_km",
                "n" => "limit",
                other => other,
            };
            out.add(name, f.message);
        }
        AppError::Invalid(out)
    })?;
    let r = index::for_org(&s.db, org).await?.search(&q);
    Ok(Json(SearchResponse {
        origin: label.zip(q.origin).map(|(label, (latitude, longitude))| Origin { label, latitude, longitude }),
        total: r.total,
        places: r.hits,
    }))
}

/// One place with all the schema's fields.
#[utoipa::path(get, path = "/api/v1/places/{id}", tag = "places", params(("id" = i64, Path)), responses((status = 200, body = Place), (status = 404, body = crate::error::ErrorBody)))]
pub async fn get_one(
    Staff { org, .. }: Staff,
    State(s): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Json<Place>, AppError> {
    Ok(Json(store::get(&s.db, org, id).await?))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ImportQuery {
    /// The file's name (its stem is the `source` of rows that name none).
    pub filename: String,
}

/// Import a file of places, sent as the request's body (CSV or JSON, the schema's or an older
/// export's): rows are created or updated by `(source, id)`; the report says row by row what was
/// corrected and rejected. A file that cannot be read is refused (422) and changes nothing.
#[utoipa::path(post, path = "/api/v1/places/import", tag = "places", params(("filename" = Option<String>, Query)), request_body(description = "The file itself: the schema's CSV or JSON, or an older export", content((String = "text/csv"), (Vec<Object> = "application/json"))), responses((status = 201, body = Report), (status = 422, body = crate::error::ErrorBody), (status = 413, body = crate::error::ErrorBody)))]
pub async fn import(
    user: CurrentUser,
    State(s): State<AppState>,
    Query(q): Query<ImportQuery>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, AppError> {
    let org = user.coordinator_org()?;
    let body = match body {
        Ok(b) => b,
        Err(rejection) => return Ok(rejection.into_response()),
    };
    let filename =
        if q.filename.trim().is_empty() { "api".to_string() } else { q.filename.trim().chars().take(200).collect() };
    match import::import(&s.db, org, &body, &filename, &user.user.name).await {
        Ok(report) => Ok((StatusCode::CREATED, Json(report)).into_response()),
        Err(ImportError::Refused(why)) => Err(AppError::invalid("file", why)),
        Err(ImportError::Db(e)) => Err(e),
    }
}

/// The organisation's imports, the latest first (counts only).
#[utoipa::path(get, path = "/api/v1/places/imports", tag = "places", responses((status = 200, body = Vec<Report>)))]
pub async fn imports(user: CurrentUser, State(s): State<AppState>) -> Result<Json<Vec<Report>>, AppError> {
    let org = user.coordinator_org()?;
    Ok(Json(import::reports(&s.db, org).await?))
}

/// One import's report, with its corrected and rejected rows.
#[utoipa::path(get, path = "/api/v1/places/imports/{id}", tag = "places", params(("id" = i64, Path)), responses((status = 200, body = Report), (status = 404, body = crate::error::ErrorBody)))]
pub async fn report(
    user: CurrentUser,
    State(s): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Json<Report>, AppError> {
    let org = user.coordinator_org()?;
    Ok(Json(import::get_report(&s.db, org, id).await?))
}

/// The places as the official schema's CSV.
#[utoipa::path(get, path = "/api/v1/places/export.csv", tag = "places", responses((status = 200, content_type = "text/csv", body = String)))]
pub async fn export_csv(Staff { org, .. }: Staff, State(s): State<AppState>) -> Result<Response, AppError> {
    Ok(([(header::CONTENT_TYPE, "text/csv; charset=utf-8")], store::export_csv(&s.db, org).await?).into_response())
}

/// The places as the official schema's JSON (an array of objects).
#[utoipa::path(get, path = "/api/v1/places/export.json", tag = "places", responses((status = 200, content_type = "application/json", body = Vec<Object>)))]
pub async fn export_json(Staff { org, .. }: Staff, State(s): State<AppState>) -> Result<Response, AppError> {
    Ok(([(header::CONTENT_TYPE, "application/json")], store::export_json(&s.db, org).await?).into_response())
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct NearbyQuery {
    /// `mediator`, `animator` or empty (either).
    pub role: String,
    /// 1–100, default 10.
    pub limit: Option<usize>,
}

/// For a client: the nearest intervenants of the role who know the client's sector (then the
/// others), with the distance a quote's travel line uses, and the nearest places.
#[utoipa::path(get, path = "/api/v1/clients/{id}/nearby", tag = "places", params(("id" = i64, Path), ("role" = Option<String>, Query, pattern = "^(mediator|animator)?$"), ("limit" = Option<usize>, Query, minimum = 1, maximum = 100)), responses((status = 200, body = Nearby), (status = 404, body = crate::error::ErrorBody)))]
pub async fn client_nearby(
    Staff { org, .. }: Staff,
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Query(q): Query<NearbyQuery>,
) -> Result<Json<Nearby>, AppError> {
    if !matches!(q.role.as_str(), "" | "mediator" | "animator") {
        return Err(AppError::invalid("role", "Le rôle est « mediator » ou « animator »."));
    }
    let limit = q.limit.unwrap_or(10);
    if !(1..=100).contains(&limit) {
        return Err(AppError::invalid("limit", "Le nombre de résultats va de 1 à 100."));
    }
    Ok(Json(matching::nearby(&s.db, org, id, &q.role, limit).await?))
}
