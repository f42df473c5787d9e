//! One pool for both databases.
//!
//! Acunum speaks to SQLite (embedded, the default) and PostgreSQL (scale-out) through sqlx's `Any`
//! driver, so that each query is written once. The SQL we write is the common subset of both: `$1`
//! placeholders (SQLite reads them too), `RETURNING`, `ON CONFLICT`, integers for instants (Unix
//! seconds, UTC), `TEXT` for decimals and dates, `BOOLEAN` columns (never boolean expressions in a
//! select list: SQLite returns them as integers). Where the two really differ (locking, full-text
//! search, notifications) the store asks [`Db::kind`].

use std::str::FromStr;
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, ConnectOptions, Executor};

/// Which database is behind the pool.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DbKind {
    Sqlite,
    Postgres,
}

/// The application's database handle: cheap to clone.
#[derive(Clone, Debug)]
pub struct Db {
    pub pool: AnyPool,
    pub kind: DbKind,
    /// Short-lived caches of this handle (see [`crate::cache`]).
    pub cache: std::sync::Arc<crate::cache::Caches>,
    /// The URL it was opened with (PostgreSQL's LISTEN needs a connection of its own).
    pub url: std::sync::Arc<str>,
    /// The key of personal links (see [`crate::links`]), read once.
    pub link_key: LinkKey,
}

/// The key of personal links, shared by the handle's clones; never printed.
#[derive(Clone, Default)]
pub struct LinkKey(pub std::sync::Arc<tokio::sync::OnceCell<[u8; 32]>>);

impl std::fmt::Debug for LinkKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("LinkKey(…)")
    }
}

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("migrations/postgres");

impl Db {
    /// Opens a pool on `url` (`sqlite:` or `postgres:`). An SQLite file is created when missing and
    /// switched to WAL mode, with foreign keys on and a busy timeout so that writers queue instead
    /// of failing.
    pub async fn connect(url: &str, max_connections: u32) -> anyhow::Result<Db> {
        sqlx::any::install_default_drivers();
        let kind = kind_of_url(url)?;
        let url = match kind {
            DbKind::Sqlite if !url.contains("mode=") => {
                let sep = if url.contains('?') { '&' } else { '?' };
                format!("{url}{sep}mode=rwc")
            }
            _ => url.to_string(),
        };
        let options = AnyConnectOptions::from_str(&url)?
            .log_slow_statements(tracing::log::LevelFilter::Warn, Duration::from_millis(500))
            .log_statements(tracing::log::LevelFilter::Trace);
        let mut pool = AnyPoolOptions::new().max_connections(max_connections).acquire_timeout(Duration::from_secs(10));
        if kind == DbKind::Sqlite {
            pool = pool.after_connect(|conn, _meta| {
                Box::pin(async move {
                    conn.execute(
                        "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; \
                         PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 10000; \
                         PRAGMA cache_size = -32000; PRAGMA mmap_size = 268435456;",
                    )
                    .await?;
                    Ok(())
                })
            });
        }
        let pool = pool.connect_with(options).await?;
        Ok(Db { pool, kind, cache: Default::default(), url: url.as_str().into(), link_key: Default::default() })
    }

    /// Applies the migrations of this database's folder.
    pub async fn migrate(&self) -> anyhow::Result<()> {
        match self.kind {
            DbKind::Sqlite => SQLITE_MIGRATIONS.run(&self.pool).await?,
            DbKind::Postgres => POSTGRES_MIGRATIONS.run(&self.pool).await?,
        }
        Ok(())
    }

    /// True when the database answers a trivial query.
    pub async fn ping(&self) -> bool {
        sqlx::query("SELECT 1").execute(&self.pool).await.is_ok()
    }

    pub fn is_postgres(&self) -> bool {
        self.kind == DbKind::Postgres
    }

    /// SQL that is true when `column` contains the text bound to `param` (a `$n`).
    ///
    /// Not `column LIKE $n`: SQLite re-prepares a statement whose LIKE pattern is a bound parameter
    /// at every execution (the pattern might allow an index), which cost two thirds of a list page.
    pub fn contains(&self, column: &str, param: &str) -> String {
        match self.kind {
            DbKind::Sqlite => format!("instr({column}, {param}) > 0"),
            DbKind::Postgres => format!("strpos({column}, {param}) > 0"),
        }
    }
}

/// Tells the database from the URL's scheme.
pub fn kind_of_url(url: &str) -> anyhow::Result<DbKind> {
    if url.starts_with("sqlite:") {
        Ok(DbKind::Sqlite)
    } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
        Ok(DbKind::Postgres)
    } else {
        anyhow::bail!("adresse de base de données non reconnue (sqlite:… ou postgres://…) : {url}")
    }
}

/// The current instant, in Unix seconds (UTC): how every table stores time.
pub fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

/// True when `err` is the violation of the unique constraint on `table.column`.
///
/// PostgreSQL names the constraint (`{table}_{column}_key` in our migrations); SQLite only says
/// `UNIQUE constraint failed: table.column` in its message.
pub fn is_unique_violation(err: &sqlx::Error, table: &str, column: &str) -> bool {
    let sqlx::Error::Database(db) = err else {
        return false;
    };
    if !db.is_unique_violation() {
        return false;
    }
    let pg_name = format!("{table}_{column}_key");
    db.constraint() == Some(pg_name.as_str()) || db.message().contains(&format!("{table}.{column}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_scheme_selects_the_database() {
        assert_eq!(kind_of_url("sqlite://acunum.db").unwrap(), DbKind::Sqlite);
        assert_eq!(kind_of_url("postgres://u@h/db").unwrap(), DbKind::Postgres);
        assert_eq!(kind_of_url("postgresql://u@h/db").unwrap(), DbKind::Postgres);
        assert!(kind_of_url("mysql://x").is_err());
    }
}

/// A boolean column as both databases return it: PostgreSQL's `BOOLEAN`, SQLite's `INTEGER` 0/1
/// (sqlx's `Any` driver maps neither to the other). Row structs read `bool` fields through it with
/// `#[sqlx(try_from = "Flag")]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Flag(pub bool);

impl sqlx::Type<sqlx::Any> for Flag {
    fn type_info() -> sqlx::any::AnyTypeInfo {
        <bool as sqlx::Type<sqlx::Any>>::type_info()
    }
    fn compatible(ty: &sqlx::any::AnyTypeInfo) -> bool {
        use sqlx::any::AnyTypeInfoKind as K;
        matches!(ty.kind(), K::Bool | K::SmallInt | K::Integer | K::BigInt)
    }
}

impl<'r> sqlx::Decode<'r, sqlx::Any> for Flag {
    fn decode(value: sqlx::any::AnyValueRef<'r>) -> Result<Self, sqlx::error::BoxDynError> {
        use sqlx::ValueRef;
        if value.type_info().kind() == sqlx::any::AnyTypeInfoKind::Bool {
            Ok(Flag(<bool as sqlx::Decode<sqlx::Any>>::decode(value)?))
        } else {
            Ok(Flag(<i64 as sqlx::Decode<sqlx::Any>>::decode(value)? != 0))
        }
    }
}

impl From<Flag> for bool {
    fn from(f: Flag) -> bool {
        f.0
    }
}

/// Reads a boolean column of a row (see [`Flag`]).
pub fn get_bool(row: &sqlx::any::AnyRow, column: &str) -> Result<bool, sqlx::Error> {
    use sqlx::Row;
    Ok(row.try_get::<Flag, _>(column)?.0)
}

/// A nullable `DOUBLE PRECISION` parameter. sqlx 0.8.6's `Any` driver binds `Option::<f64>::None`
/// to PostgreSQL as a `real` (4 bytes; `Real` and `Double` are swapped in its conversion), so a
/// statement first prepared with a missing coordinate then fails on a present one ("incorrect
/// binary data format"). Bound through this type, a missing value is a `double precision` NULL.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Real(pub Option<f64>);

impl sqlx::Type<sqlx::Any> for Real {
    fn type_info() -> sqlx::any::AnyTypeInfo {
        <f64 as sqlx::Type<sqlx::Any>>::type_info()
    }
}

impl<'q> sqlx::Encode<'q, sqlx::Any> for Real {
    fn encode_by_ref(
        &self,
        buf: &mut <sqlx::Any as sqlx::Database>::ArgumentBuffer<'q>,
    ) -> Result<sqlx::encode::IsNull, sqlx::error::BoxDynError> {
        match self.0 {
            Some(v) => <f64 as sqlx::Encode<'q, sqlx::Any>>::encode_by_ref(&v, buf),
            // A NULL of `f32` is the one the driver hands PostgreSQL as `double precision` (the
            // swap described above; sqlx is pinned to that version).
            None => <Option<f32> as sqlx::Encode<'q, sqlx::Any>>::encode_by_ref(&None, buf),
        }
    }
}

/// A query parameter for [`json_rows`].
#[derive(Clone, Debug)]
pub enum Arg {
    Int(i64),
    Text(String),
}

/// Fetches the rows of a list as one JSON array built by the database, in one round trip.
///
/// Through sqlx's `Any` driver, every row of a result crosses from the database's worker thread to
/// the request's task on its own and is converted value by value; building the array in SQL
/// (`json_group_array` on SQLite, `json_agg` on PostgreSQL) makes a list cost one row (measured on
/// the 20-row client list: 4.0k → 4.7k requests/s). Each element is `[rank, object]`, so the order
/// does not depend on the aggregate's.
///
/// `columns` are plain column names of `from_where` (a `FROM … WHERE …` clause); `$n` parameters in
/// it are bound from `args` in order.
pub async fn json_rows<T: serde::de::DeserializeOwned>(
    db: &Db,
    columns: &[&str],
    from_where: &str,
    order_by: &str,
    limit: i64,
    offset: i64,
    args: &[Arg],
) -> Result<Vec<T>, crate::error::AppError> {
    let pairs = columns.iter().map(|c| format!("'{c}', {c}")).collect::<Vec<_>>().join(", ");
    let (object, array, pair, cast) = match db.kind {
        DbKind::Sqlite => ("json_object", "json_group_array", "json_array", ""),
        DbKind::Postgres => ("json_build_object", "json_agg", "json_build_array", "::text"),
    };
    let n = args.len();
    let sql = format!(
        "SELECT COALESCE({array}({pair}(rank_, {object}({pairs}))){cast}, '[]') FROM \
         (SELECT {cols}, ROW_NUMBER() OVER ({order_by}) AS rank_ {from_where} {order_by} LIMIT ${} OFFSET ${}) AS page_",
        n + 1,
        n + 2,
        cols = columns.join(", "),
    );
    let mut q = sqlx::query_scalar::<_, String>(&sql);
    for a in args {
        q = match a {
            Arg::Int(i) => q.bind(*i),
            Arg::Text(t) => q.bind(t.clone()),
        };
    }
    let json = q.bind(limit).bind(offset).fetch_one(&db.pool).await?;
    let mut rows: Vec<(i64, T)> =
        serde_json::from_str(&json).map_err(|e| crate::error::AppError::Internal(anyhow::anyhow!("json rows: {e}")))?;
    rows.sort_by_key(|r| r.0);
    Ok(rows.into_iter().map(|r| r.1).collect())
}

/// True when `err` is a refused deletion or insertion because of a foreign key. SQLite reports an
/// `ON DELETE RESTRICT` as a trigger constraint (code 1811), not as a foreign-key one.
pub fn is_foreign_key_violation(err: &sqlx::Error) -> bool {
    match err {
        sqlx::Error::Database(db) => {
            db.is_foreign_key_violation() || db.message().contains("FOREIGN KEY constraint failed")
        }
        _ => false,
    }
}
