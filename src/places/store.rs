//! Reading the organisation's places: one place with all its fields, and the exports to the
//! schema's CSV and JSON.

use std::collections::HashMap;

use serde::Serialize;
use sqlx::Row;

use super::schema::{FIELDS, Record};
use crate::db::Db;
use crate::error::AppError;

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Place {
    pub id: i64,
    /// The file's `source` (or the file's name): with `ext_id`, what a re-import matches on.
    pub source: String,
    /// The schema's `id`.
    pub ext_id: String,
    /// The 32 fields of the schema ("" when empty).
    #[schema(value_type = Object)]
    pub fields: serde_json::Map<String, serde_json::Value>,
    /// Columns of the file outside the schema.
    #[schema(value_type = Object)]
    pub extra: serde_json::Map<String, serde_json::Value>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    /// "fichier" (the file's coordinates), "commune" (the commune's point) or "" (none).
    pub coords_from: String,
    /// What the import found to check (the commune's codes or point disagreed), one line each.
    pub to_check: Vec<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

impl Place {
    pub fn get(&self, field: &str) -> &str {
        self.fields.get(field).and_then(|v| v.as_str()).unwrap_or("")
    }

    pub fn list(&self, field: &str) -> Vec<String> {
        self.get(field).split('|').filter(|s| !s.is_empty()).map(str::to_string).collect()
    }

    /// The typologies with their labels.
    pub fn typologies(&self) -> Vec<String> {
        self.list("typologie")
            .into_iter()
            .map(|c| match super::vocabulary::typology_label(&c) {
                Some(l) => format!("{l} ({c})"),
                None => c,
            })
            .collect()
    }

    pub fn extra_pairs(&self) -> Vec<(String, String)> {
        self.extra
            .iter()
            .map(|(k, v)| (k.clone(), v.as_str().map(str::to_string).unwrap_or_else(|| v.to_string())))
            .collect()
    }
}

pub async fn get(db: &Db, org: i64, id: i64) -> Result<Place, AppError> {
    let r = sqlx::query(
        "SELECT id, source, ext_id, record, extra, latitude, longitude, coords_from, created_at, updated_at, to_check \
         FROM places WHERE id = $1 AND org_id = $2",
    )
    .bind(id)
    .bind(org)
    .fetch_optional(&db.pool)
    .await?
    .ok_or(AppError::NotFound)?;
    Ok(Place {
        id: r.get(0),
        source: r.get(1),
        ext_id: r.get(2),
        fields: Record::from_json(&r.get::<String, _>(3)).to_json(),
        extra: serde_json::from_str(&r.get::<String, _>(4)).unwrap_or_default(),
        latitude: r.get(5),
        longitude: r.get(6),
        coords_from: r.get(7),
        created_at: r.get(8),
        updated_at: r.get(9),
        to_check: r.get::<String, _>(10).lines().map(str::to_string).collect(),
    })
}

pub async fn count(db: &Db, org: i64) -> Result<i64, AppError> {
    Ok(sqlx::query_scalar("SELECT COUNT(*) FROM places WHERE org_id = $1").bind(org).fetch_one(&db.pool).await?)
}

/// Every record of the organisation, with an `id` unique across sources.
async fn records(db: &Db, org: i64) -> Result<Vec<Record>, AppError> {
    let rows = sqlx::query("SELECT source, ext_id, record FROM places WHERE org_id = $1 ORDER BY id")
        .bind(org)
        .fetch_all(&db.pool)
        .await?;
    let mut seen: HashMap<String, usize> = HashMap::new();
    for r in &rows {
        *seen.entry(r.get::<String, _>(1)).or_default() += 1;
    }
    let id_index = 0;
    Ok(rows
        .iter()
        .map(|r| {
            let mut rec = Record::from_json(&r.get::<String, _>(2));
            let ext: String = r.get(1);
            if seen.get(&ext).copied().unwrap_or(0) > 1 {
                // Two sources used the same id ("0"...): the export prefixes it with the source.
                let source: String = r.get(0);
                rec.0[id_index] = format!("{}-{ext}", super::communes::slug(&source));
            }
            rec
        })
        .collect())
}

/// The places as the schema's CSV (`,`, every field quoted when needed, UTF-8).
pub async fn export_csv(db: &Db, org: i64) -> Result<Vec<u8>, AppError> {
    let recs = records(db, org).await?;
    let mut w = csv::WriterBuilder::new().from_writer(Vec::with_capacity(recs.len() * 400));
    w.write_record(FIELDS).map_err(|e| AppError::Internal(e.into()))?;
    for r in &recs {
        w.write_record(&r.0).map_err(|e| AppError::Internal(e.into()))?;
    }
    w.into_inner().map_err(|e| AppError::Internal(anyhow::anyhow!("{e}")))
}

/// The places as the schema's JSON: an array of objects with the 32 fields in the schema's order
/// (null when empty), coordinates as numbers.
pub async fn export_json(db: &Db, org: i64) -> Result<Vec<u8>, AppError> {
    let recs = records(db, org).await?;
    let mut out = Vec::with_capacity(recs.len() * 600);
    out.push(b'[');
    for (i, r) in recs.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.push(b'{');
        for (j, (k, v)) in FIELDS.iter().zip(&r.0).enumerate() {
            if j > 0 {
                out.push(b',');
            }
            out.extend_from_slice(format!("\"{k}\":").as_bytes());
            let value = if v.is_empty() {
                serde_json::Value::Null
            } else if matches!(*k, "latitude" | "longitude") {
                v.parse::<f64>()
                    .ok()
                    .and_then(serde_json::Number::from_f64)
                    .map(serde_json::Value::Number)
                    .unwrap_or_default()
            } else {
                serde_json::Value::String(v.clone())
            };
            out.extend_from_slice(value.to_string().as_bytes());
        }
        out.push(b'}');
    }
    out.push(b']');
    Ok(out)
}

/// The revision of an organisation's places (bumped by every import and edit).
pub async fn revision(db: &Db, org: i64) -> Result<i64, AppError> {
    Ok(sqlx::query_scalar::<_, i64>("SELECT revision FROM place_revisions WHERE org_id = $1")
        .bind(org)
        .fetch_optional(&db.pool)
        .await?
        .unwrap_or(0))
}

/// The organisations that have places.
pub async fn orgs_with_places(db: &Db) -> Result<Vec<i64>, AppError> {
    Ok(sqlx::query_scalar("SELECT DISTINCT org_id FROM places").fetch_all(&db.pool).await?)
}

/// What the in-memory index reads of each place.
pub async fn index_rows(db: &Db, org: i64) -> Result<Vec<sqlx::any::AnyRow>, AppError> {
    Ok(sqlx::query(
        "SELECT id, latitude, longitude, nom, commune, code_postal, typologie, services, search FROM places WHERE org_id = $1",
    )
    .bind(org)
    .fetch_all(&db.pool)
    .await?)
}
