//! All SQL of the catalogue: modules and their immutable versions.

use sqlx::Row;

use crate::catalogue::{Module, ModuleContent, ModuleKind, ModuleVersion, questionnaire};
use crate::db::{Db, now};
use crate::error::AppError;

fn decode_content(json: &str) -> Result<ModuleContent, AppError> {
    serde_json::from_str(json).map_err(|e| AppError::Internal(anyhow::anyhow!("module content: {e}")))
}

fn encode_content(c: &ModuleContent) -> Result<String, AppError> {
    serde_json::to_string(c).map_err(|e| AppError::Internal(e.into()))
}

const MODULE_SELECT: &str = "SELECT m.id, m.kind, m.current_version, m.variant_of, m.published, m.archived, m.updated_at, v.content \
     FROM modules m JOIN module_versions v ON v.module_id = m.id AND v.version = m.current_version";

fn module_from_row(row: &sqlx::any::AnyRow) -> Result<Module, AppError> {
    let kind: String = row.try_get("kind")?;
    Ok(Module {
        id: row.try_get("id")?,
        kind: ModuleKind::parse(&kind).ok_or_else(|| AppError::Internal(anyhow::anyhow!("module kind {kind}")))?,
        version: row.try_get("current_version")?,
        variant_of: row.try_get("variant_of")?,
        published: crate::db::get_bool(row, "published")?,
        archived: crate::db::get_bool(row, "archived")?,
        updated_at: row.try_get("updated_at")?,
        content: decode_content(&row.try_get::<String, _>("content")?)?,
    })
}

/// Creates a module with its first version.
#[tracing::instrument(skip_all)]
pub async fn create(
    db: &Db,
    org_id: i64,
    kind: ModuleKind,
    content: &ModuleContent,
    variant_of: Option<i64>,
    user_id: Option<i64>,
) -> Result<Module, AppError> {
    let t = now();
    let mut tx = db.pool.begin().await?;
    let position: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(position), 0) + 1 FROM modules WHERE org_id = $1")
        .bind(org_id)
        .fetch_one(&mut *tx)
        .await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO modules (org_id, kind, current_version, variant_of, position, published, archived, created_at, updated_at) \
         VALUES ($1, $2, 1, $3, $4, TRUE, FALSE, $5, $5) RETURNING id",
    )
    .bind(org_id)
    .bind(kind.as_str())
    .bind(variant_of)
    .bind(position)
    .bind(t)
    .fetch_one(&mut *tx)
    .await?;
    sqlx::query(
        "INSERT INTO module_versions (module_id, org_id, version, content, title, created_at, created_by) \
         VALUES ($1, $2, 1, $3, $4, $5, $6)",
    )
    .bind(id)
    .bind(org_id)
    .bind(encode_content(content)?)
    .bind(&content.title)
    .bind(t)
    .bind(user_id)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    get(db, org_id, id).await
}

/// Writes a new version when the content changed; returns the module as it now is.
///
/// The version number is taken by incrementing the module's counter first, so that two
/// concurrent edits get two versions instead of colliding.
#[tracing::instrument(skip_all)]
pub async fn update(
    db: &Db,
    org_id: i64,
    id: i64,
    content: &ModuleContent,
    user_id: Option<i64>,
) -> Result<Module, AppError> {
    let current = get(db, org_id, id).await?;
    // The questionnaire is edited on its own page: a content without one keeps the current one.
    let mut content = content.clone();
    if content.questionnaire.is_empty() {
        content.questionnaire = current.content.questionnaire.clone();
    }
    // A question must keep an objective to assess: removing that objective first asks for the
    // questionnaire to be changed.
    if let Some(message) = questionnaire::orphan(&content.questionnaire, content.objectives_list().len()) {
        let mut e = crate::error::FieldErrors::new();
        e.add("objectives", message);
        return Err(AppError::Invalid(e));
    }
    let content = &content;
    if current.content == *content {
        return Ok(current);
    }
    let t = now();
    let mut tx = db.pool.begin().await?;
    let version: i64 = sqlx::query_scalar(
        "UPDATE modules SET current_version = current_version + 1, updated_at = $1 WHERE id = $2 AND org_id = $3 \
         RETURNING current_version",
    )
    .bind(t)
    .bind(id)
    .bind(org_id)
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(AppError::NotFound)?;
    sqlx::query(
        "INSERT INTO module_versions (module_id, org_id, version, content, title, created_at, created_by) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(id)
    .bind(org_id)
    .bind(version)
    .bind(encode_content(content)?)
    .bind(&content.title)
    .bind(t)
    .bind(user_id)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    get(db, org_id, id).await
}

pub async fn get(db: &Db, org_id: i64, id: i64) -> Result<Module, AppError> {
    let row = sqlx::query(&format!("{MODULE_SELECT} WHERE m.id = $1 AND m.org_id = $2"))
        .bind(id)
        .bind(org_id)
        .fetch_optional(&db.pool)
        .await?
        .ok_or(AppError::NotFound)?;
    module_from_row(&row)
}

/// The organisation's modules in catalogue order (archived ones last, when asked for).
pub async fn list(db: &Db, org_id: i64, include_archived: bool) -> Result<Vec<Module>, AppError> {
    let rows = sqlx::query(&format!(
        "{MODULE_SELECT} WHERE m.org_id = $1 AND (m.archived = FALSE OR $2 = 1) ORDER BY m.archived, m.position, m.id"
    ))
    .bind(org_id)
    .bind(i64::from(include_archived))
    .fetch_all(&db.pool)
    .await?;
    rows.iter().map(module_from_row).collect()
}

/// A published module of the organisation with this slug (the public programme page).
pub async fn public_get(db: &Db, org_id: i64, id: i64) -> Result<Module, AppError> {
    let m = get(db, org_id, id).await?;
    if m.published && !m.archived { Ok(m) } else { Err(AppError::NotFound) }
}

pub async fn versions(db: &Db, org_id: i64, id: i64) -> Result<Vec<ModuleVersion>, AppError> {
    get(db, org_id, id).await?;
    let rows = sqlx::query(
        "SELECT v.id, v.module_id, v.version, v.created_at, v.content, u.name AS author FROM module_versions v \
         LEFT JOIN users u ON u.id = v.created_by WHERE v.module_id = $1 AND v.org_id = $2 ORDER BY v.version DESC",
    )
    .bind(id)
    .bind(org_id)
    .fetch_all(&db.pool)
    .await?;
    rows.iter().map(version_from_row).collect()
}

pub async fn version(db: &Db, org_id: i64, id: i64, version: i64) -> Result<ModuleVersion, AppError> {
    let row = sqlx::query(
        "SELECT v.id, v.module_id, v.version, v.created_at, v.content, u.name AS author FROM module_versions v \
         LEFT JOIN users u ON u.id = v.created_by WHERE v.module_id = $1 AND v.org_id = $2 AND v.version = $3",
    )
    .bind(id)
    .bind(org_id)
    .bind(version)
    .fetch_optional(&db.pool)
    .await?
    .ok_or(AppError::NotFound)?;
    version_from_row(&row)
}

/// A version by its own id (what a cycle keeps), within the organisation.
pub async fn version_by_id(db: &Db, org_id: i64, version_id: i64) -> Result<ModuleVersion, AppError> {
    let row = sqlx::query(
        "SELECT v.id, v.module_id, v.version, v.created_at, v.content, u.name AS author FROM module_versions v \
         LEFT JOIN users u ON u.id = v.created_by WHERE v.id = $1 AND v.org_id = $2",
    )
    .bind(version_id)
    .bind(org_id)
    .fetch_optional(&db.pool)
    .await?
    .ok_or(AppError::NotFound)?;
    version_from_row(&row)
}

fn version_from_row(row: &sqlx::any::AnyRow) -> Result<ModuleVersion, AppError> {
    Ok(ModuleVersion {
        id: row.try_get("id")?,
        module_id: row.try_get("module_id")?,
        version: row.try_get("version")?,
        created_at: row.try_get("created_at")?,
        created_by: row.try_get("author")?,
        content: decode_content(&row.try_get::<String, _>("content")?)?,
    })
}

/// Copies a module into a new variant (for example the 56-hour, 8-day culture training).
pub async fn duplicate(db: &Db, org_id: i64, id: i64, user_id: Option<i64>) -> Result<Module, AppError> {
    let m = get(db, org_id, id).await?;
    let mut content = m.content.clone();
    content.title = format!("{} (variante)", content.title).chars().take(200).collect();
    create(db, org_id, m.kind, &content, Some(m.id), user_id).await
}

pub async fn set_flags(db: &Db, org_id: i64, id: i64, published: bool, archived: bool) -> Result<Module, AppError> {
    let r =
        sqlx::query("UPDATE modules SET published = $1, archived = $2, updated_at = $3 WHERE id = $4 AND org_id = $5")
            .bind(published)
            .bind(archived)
            .bind(now())
            .bind(id)
            .bind(org_id)
            .execute(&db.pool)
            .await?;
    if r.rows_affected() == 0 {
        return Err(AppError::NotFound);
    }
    get(db, org_id, id).await
}

/// Gives a new organisation the ACUNUM catalogue of the source document.
pub async fn seed_default(db: &Db, org_id: i64) -> Result<Vec<Module>, AppError> {
    let mut out = Vec::new();
    for (kind, content) in crate::catalogue::acunum::default_catalogue() {
        out.push(create(db, org_id, kind, &content, None, None).await?);
    }
    Ok(out)
}
