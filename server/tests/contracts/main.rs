//! Contract tests: every implementation of a backend trait answers the same
//! way. The store on Postgres and on SQLite; the geo index on Redis and in
//! memory and on a Redis Cluster; the bus on Redis, on a Redis Cluster and
//! in memory. Real Postgres, Redis and a private local Redis Cluster.

#[path = "../common/eventually.rs"]
mod eventually;

/// A private Redis Cluster (the integration tests' helper).
#[allow(dead_code)]
#[path = "../api/helpers/redis_cluster.rs"]
mod redis_cluster;

mod accounts;
mod bus;
mod geo;
mod store;
mod store_dispatch;
mod store_ride;
mod throttle;

use std::sync::atomic::{AtomicU64, Ordering};

static N: AtomicU64 = AtomicU64::new(0);

/// A name no other test run uses.
pub fn unique(tag: &str) -> String {
    format!(
        "{tag}_{}_{}_{}",
        std::process::id(),
        &uuid::Uuid::now_v7().simple().to_string()[24..],
        N.fetch_add(1, Ordering::Relaxed)
    )
}

pub const PG_ADMIN: &str = "postgres://postgres@127.0.0.1:5432/postgres";
pub const REDIS: &str = "redis://127.0.0.1:6379";

/// A fresh Postgres database for one test, migrated; dropped by [`TestDb::drop_now`].
pub struct TestDb {
    admin: tokio_postgres::Client,
    pub name: String,
    pub store: hail_server::store::postgres::PgStore,
}

impl TestDb {
    pub async fn create(tag: &str) -> Self {
        let name = unique(tag);
        let (admin, conn) = tokio_postgres::connect(PG_ADMIN, tokio_postgres::NoTls)
            .await
            .expect("Postgres");
        tokio::spawn(conn);
        admin
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .await
            .expect("create db");
        let url = format!("postgres://postgres@127.0.0.1:5432/{name}");
        let store = hail_server::store::postgres::PgStore::connect(
            &url,
            4,
            std::time::Duration::from_secs(5),
        )
        .expect("pool");
        store.migrate().await.expect("migrate");
        Self { admin, name, store }
    }

    /// Closes the pool and drops the database.
    pub async fn drop_now(self) {
        let Self { admin, name, store } = self;
        drop(store);
        admin
            .batch_execute(&format!("DROP DATABASE {name} WITH (FORCE)"))
            .await
            .expect("drop db");
    }
}
