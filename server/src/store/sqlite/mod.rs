//! The embedded store: SQLite (bundled) in WAL mode, one file, its own
//! migrations. One connection serialises access (SQLite has one writer
//! anyway); every call runs on the blocking pool so the async workers
//! never wait on disk. The same conditional updates as Postgres keep each
//! offer ending once and the first accept winning.

use super::*;

/// A shared statement ([`sql`]) in SQLite's placeholders, rewritten at the
/// first call of each call site and kept for the process.
macro_rules! lite {
    ($pg:expr) => {{
        static SQL: std::sync::LazyLock<String> =
            std::sync::LazyLock::new(|| crate::store::sql::lite(&$pg));
        SQL.as_str()
    }};
}

mod dispatch;
mod gps;
mod monitor;
mod operator;
mod ride;
mod rollup;
mod trip_search;
mod trips;
mod users;

use rusqlite::{Connection, Row};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

mod embedded {
    refinery::embed_migrations!("migrations/sqlite");
}

pub struct SqliteStore {
    conn: Arc<Mutex<Connection>>,
    path: PathBuf,
}

fn us(t: DateTime<Utc>) -> i64 {
    t.timestamp_micros()
}

fn time(us: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_micros(us).unwrap_or_default()
}

fn opt_time(us: Option<i64>) -> Option<DateTime<Utc>> {
    us.map(time)
}

fn uuid_col(row: &Row, idx: usize) -> rusqlite::Result<uuid::Uuid> {
    let text: String = row.get(idx)?;
    uuid::Uuid::parse_str(&text).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(idx, rusqlite::types::Type::Text, Box::new(e))
    })
}

fn bad(idx: usize, what: String) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(idx, rusqlite::types::Type::Text, what.into())
}

impl From<rows::BadValue> for rusqlite::Error {
    fn from(b: rows::BadValue) -> Self {
        bad(b.idx, b.what)
    }
}

impl rows::Columns for Row<'_> {
    type Error = rusqlite::Error;
    fn id(&self, i: usize) -> rusqlite::Result<uuid::Uuid> {
        uuid_col(self, i)
    }
    fn opt_id(&self, i: usize) -> rusqlite::Result<Option<uuid::Uuid>> {
        let text: Option<String> = self.get(i)?;
        text.map(|t| uuid::Uuid::parse_str(&t))
            .transpose()
            .map_err(|e| bad(i, e.to_string()))
    }
    fn text(&self, i: usize) -> rusqlite::Result<String> {
        self.get(i)
    }
    fn opt_text(&self, i: usize) -> rusqlite::Result<Option<String>> {
        self.get(i)
    }
    fn float(&self, i: usize) -> rusqlite::Result<f64> {
        self.get(i)
    }
    fn opt_float(&self, i: usize) -> rusqlite::Result<Option<f64>> {
        self.get(i)
    }
    fn int(&self, i: usize) -> rusqlite::Result<i64> {
        self.get(i)
    }
    fn opt_int(&self, i: usize) -> rusqlite::Result<Option<i64>> {
        self.get(i)
    }
    fn small(&self, i: usize) -> rusqlite::Result<i16> {
        self.get(i)
    }
    fn bytes(&self, i: usize) -> rusqlite::Result<Vec<u8>> {
        self.get(i)
    }
    fn count(&self, i: usize) -> rusqlite::Result<u32> {
        self.get(i)
    }
    fn flag(&self, i: usize) -> rusqlite::Result<bool> {
        self.get(i)
    }
    fn at(&self, i: usize) -> rusqlite::Result<DateTime<Utc>> {
        self.get(i).map(time)
    }
    fn opt_at(&self, i: usize) -> rusqlite::Result<Option<DateTime<Utc>>> {
        self.get(i).map(opt_time)
    }
}

fn map_err(e: rusqlite::Error) -> StoreError {
    if let rusqlite::Error::SqliteFailure(code, Some(msg)) = &e {
        if code.code == rusqlite::ErrorCode::ConstraintViolation && msg.contains("UNIQUE") {
            return StoreError::Conflict(
                if msg.contains("users.username") || msg.contains("users_username_lower") {
                    "username is taken"
                } else if msg.contains("trips_one_active_per_rider") {
                    "rider already has an active trip"
                } else if msg.contains("trips_one_active_per_driver") {
                    "driver already has an active trip"
                } else {
                    "already exists"
                },
            );
        }
        if matches!(
            code.code,
            rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked
        ) {
            return StoreError::Unavailable(e.to_string());
        }
    }
    StoreError::Internal(e.to_string())
}

impl SqliteStore {
    /// Opens (creating if needed) `dir/hail.db` and applies migrations.
    pub fn open(dir: &Path) -> StoreResult<Self> {
        std::fs::create_dir_all(dir).map_err(|e| {
            StoreError::Unavailable(format!("cannot create {}: {e}", dir.display()))
        })?;
        let path = dir.join("hail.db");
        let mut conn = Connection::open(&path).map_err(map_err)?;
        // WAL: readers never block the writer; NORMAL sync: a committed
        // transaction survives a process crash (not necessarily power loss).
        conn.execute_batch(
            "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; \
             PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000;",
        )
        .map_err(map_err)?;
        embedded::migrations::runner()
            .run(&mut conn)
            .map_err(|e| StoreError::Internal(format!("migration failed: {e}")))?;
        Ok(Self {
            conn: Arc::new(Mutex::new(conn)),
            path,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    async fn run<T, F>(&self, f: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> rusqlite::Result<T> + Send + 'static,
    {
        let conn = self.conn.clone();
        tokio::task::spawn_blocking(move || {
            let mut conn = conn.lock().unwrap_or_else(|e| e.into_inner());
            f(&mut conn)
        })
        .await
        .map_err(|e| StoreError::Internal(e.to_string()))?
        .map_err(map_err)
    }
}

#[async_trait]
impl Store for SqliteStore {
    async fn ping(&self) -> StoreResult<()> {
        self.run(|c| c.query_row("SELECT 1", [], |_| Ok(()))).await
    }
}
