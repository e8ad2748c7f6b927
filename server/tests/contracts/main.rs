//! Contract tests: every implementation of a backend trait answers the same
//! way. The store on Postgres and on SQLite; the geo index on Redis and in
//! memory; the bus on Redis and in memory. Real Postgres and Redis.

mod accounts;
mod bus;
mod geo;
mod store;
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
