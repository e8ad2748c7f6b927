//! The Postgres store: deadpool-postgres with every timeout set, prepared
//! statements, COPY BINARY for GPS batches, and conditional updates so that
//! two nodes racing on one trip can never both win.

use super::*;

mod dispatch;
mod gps;
mod gps_partitions;
mod monitor;
mod operator;
mod ride;
mod rollup;
mod trip_search;
mod trips;
mod users;

use deadpool_postgres::{Manager, ManagerConfig, Pool, QueueMode, RecyclingMethod, Runtime};
use std::time::Duration;
use tokio_postgres::error::SqlState;
use tokio_postgres::{NoTls, Row};

mod embedded {
    refinery::embed_migrations!("migrations/postgres");
}

/// Arbitrary constant: serialises `migrate` across nodes starting together.
const MIGRATION_LOCK: i64 = 0x4841_494c; // "HAIL"

pub struct PgStore {
    pool: Pool,
}

impl PgStore {
    /// A pool for `url`; connects lazily, so call [`ping`](Store::ping) to
    /// fail fast.
    pub fn connect(url: &str, pool_size: usize, timeout: Duration) -> StoreResult<Self> {
        let mut pg: tokio_postgres::Config = url
            .parse()
            .map_err(|e| StoreError::Internal(format!("bad HAIL_DATABASE_URL: {e}")))?;
        pg.connect_timeout(timeout);
        // A statement that outlives the timeout is cancelled by Postgres and
        // surfaces as `unavailable` instead of holding a session forever.
        pg.options(format!("-c statement_timeout={}", timeout.as_millis()));
        pg.application_name("hail");
        let manager = Manager::from_config(
            pg,
            NoTls,
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = Pool::builder(manager)
            .max_size(pool_size)
            // The connection returned last goes out first: a quiet node
            // keeps reusing one hot connection (and one Postgres backend)
            // instead of rotating through the whole warmed pool.
            .queue_mode(QueueMode::Lifo)
            .wait_timeout(Some(timeout))
            .create_timeout(Some(timeout))
            .recycle_timeout(Some(timeout))
            .runtime(Runtime::Tokio1)
            .build()
            .map_err(|e| StoreError::Internal(e.to_string()))?;
        Ok(Self { pool })
    }

    /// Creates the database named in `url` if it does not exist (dev mode:
    /// `make run` on a laptop with a bare Postgres).
    pub async fn create_database_if_missing(url: &str) -> StoreResult<bool> {
        let target: tokio_postgres::Config = url
            .parse()
            .map_err(|e| StoreError::Internal(format!("bad HAIL_DATABASE_URL: {e}")))?;
        let Some(name) = target.get_dbname().map(str::to_string) else {
            return Ok(false);
        };
        let mut admin = target.clone();
        admin.dbname("postgres");
        let (client, conn) = admin.connect(NoTls).await.map_err(map_err)?;
        let driver = tokio::spawn(conn);
        let exists = client
            .query_opt("SELECT 1 FROM pg_database WHERE datname = $1", &[&name])
            .await
            .map_err(map_err)?
            .is_some();
        if !exists {
            let quoted = format!("\"{}\"", name.replace('"', "\"\""));
            client
                .batch_execute(&format!("CREATE DATABASE {quoted}"))
                .await
                .map_err(map_err)?;
        }
        drop(client);
        let _ = driver.await;
        Ok(!exists)
    }

    /// Applies the embedded migrations, one node at a time.
    pub async fn migrate(&self) -> StoreResult<usize> {
        let mut client = self.client().await?;
        client
            .execute("SELECT pg_advisory_lock($1)", &[&MIGRATION_LOCK])
            .await
            .map_err(map_err)?;
        let result = embedded::migrations::runner()
            .run_async(&mut **client)
            .await
            .map_err(|e| StoreError::Internal(format!("migration failed: {e}")));
        let unlock = client
            .execute("SELECT pg_advisory_unlock($1)", &[&MIGRATION_LOCK])
            .await
            .map_err(map_err);
        let report = result?;
        unlock?;
        Ok(report.applied_migrations().len())
    }

    /// Opens up to `n` connections of the pool and prepares the trip
    /// path's statements on each, so the first requests after a start do
    /// not each pay for a connect and a parse (at 10,000 drivers they made
    /// the dispatch tail: docs/benchmarks.md). Returns the connections
    /// warmed.
    pub async fn warm(&self, n: usize) -> StoreResult<usize> {
        let hot: [&str; 8] = [
            &trips::CREATE,
            &trips::TRANSITION,
            &sql::TRIP_BY_ID,
            &dispatch::OFFER_BATCH,
            dispatch::END_OFFERS,
            sql::OFFERS_END_IF_IN,
            sql::OFFER_STATUS,
            sql::QUOTE_BY_ID,
        ];
        let n = n.min(self.pool.status().max_size);
        // Held together, so each is a connection of its own.
        let clients = futures_util::future::try_join_all((0..n).map(|_| async {
            let client = self.client().await?;
            for sql in hot {
                client.prepare_cached(sql).await.map_err(map_err)?;
            }
            Ok::<_, StoreError>(client)
        }))
        .await?;
        Ok(clients.len())
    }

    async fn client(&self) -> StoreResult<deadpool_postgres::Object> {
        self.pool
            .get()
            .await
            .map_err(|e| StoreError::Unavailable(e.to_string()))
    }
}

/// Postgres errors to store errors: lost connections and cancelled
/// statements mean "retry later"; uniqueness is a conflict.
fn map_err(e: tokio_postgres::Error) -> StoreError {
    match e.code() {
        None => {
            // "error connecting to server: Connection refused": say why.
            let why = std::error::Error::source(&e)
                .map(|s| format!("{e}: {s}"))
                .unwrap_or_else(|| e.to_string());
            StoreError::Unavailable(why)
        }
        Some(code) if *code == SqlState::QUERY_CANCELED || *code == SqlState::ADMIN_SHUTDOWN => {
            StoreError::Unavailable(e.to_string())
        }
        Some(code) if *code == SqlState::UNIQUE_VIOLATION => {
            let constraint = e
                .as_db_error()
                .and_then(|db| db.constraint())
                .unwrap_or_default();
            StoreError::Conflict(match constraint {
                "users_username_key" | "users_username_lower" => "username is taken",
                "trips_one_active_per_rider" => "rider already has an active trip",
                "trips_one_active_per_driver" => "driver already has an active trip",
                _ => "already exists",
            })
        }
        Some(_) => StoreError::Internal(e.to_string()),
    }
}

/// A column read that fails (a type the mapper did not expect) is an
/// internal error, not a panic.
fn col<'a, T: tokio_postgres::types::FromSql<'a>>(row: &'a Row, i: usize) -> StoreResult<T> {
    row.try_get(i)
        .map_err(|e| StoreError::Internal(format!("column {i}: {e}")))
}

impl rows::Columns for Row {
    type Error = StoreError;
    fn id(&self, i: usize) -> StoreResult<uuid::Uuid> {
        col(self, i)
    }
    fn opt_id(&self, i: usize) -> StoreResult<Option<uuid::Uuid>> {
        col(self, i)
    }
    fn text(&self, i: usize) -> StoreResult<String> {
        col(self, i)
    }
    fn opt_text(&self, i: usize) -> StoreResult<Option<String>> {
        col(self, i)
    }
    fn float(&self, i: usize) -> StoreResult<f64> {
        col(self, i)
    }
    fn opt_float(&self, i: usize) -> StoreResult<Option<f64>> {
        col(self, i)
    }
    fn int(&self, i: usize) -> StoreResult<i64> {
        col(self, i)
    }
    fn opt_int(&self, i: usize) -> StoreResult<Option<i64>> {
        col(self, i)
    }
    fn small(&self, i: usize) -> StoreResult<i16> {
        col(self, i)
    }
    fn bytes(&self, i: usize) -> StoreResult<Vec<u8>> {
        col(self, i)
    }
    fn count(&self, i: usize) -> StoreResult<u32> {
        // int4 columns; a negative one reads as 0, as before.
        col::<i32>(self, i).map(|n| n.max(0) as u32)
    }
    fn flag(&self, i: usize) -> StoreResult<bool> {
        col(self, i)
    }
    fn at(&self, i: usize) -> StoreResult<DateTime<Utc>> {
        col(self, i)
    }
    fn opt_at(&self, i: usize) -> StoreResult<Option<DateTime<Utc>>> {
        col(self, i)
    }
}

#[async_trait]
impl Store for PgStore {
    async fn ping(&self) -> StoreResult<()> {
        let client = self.client().await?;
        client.simple_query("SELECT 1").await.map_err(map_err)?;
        Ok(())
    }
}
