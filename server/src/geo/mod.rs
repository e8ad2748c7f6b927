//! The index of available drivers' positions: nearest-within-radius search
//! with staleness, behind a trait so Redis and the in-process R-tree answer
//! the same way.

pub mod batched;
pub mod cells;
pub mod memory;
pub mod redis;
pub mod redis_cells;

use async_trait::async_trait;
use hail_protocol::{Position, UserId};
use std::collections::HashSet;

/// The first circle a search reads; each next one is 4x wider, up to the
/// round's radius. The nearest `n` inside a small circle are the nearest
/// overall, and a small circle holds few drivers: a search in a dense city
/// measures and sorts tens of drivers, not thousands.
pub const FIRST_SEARCH_RADIUS_M: f64 = 250.0;

#[derive(Debug, thiserror::Error)]
pub enum GeoError {
    #[error("geo index unavailable: {0}")]
    Unavailable(String),
}

pub use crate::domain::dispatch::Candidate;

/// One write to the index (see [`GeoIndex::apply`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum GeoWrite {
    Upsert {
        driver: UserId,
        pos: Position,
        at_ms: i64,
    },
    Remove {
        driver: UserId,
    },
}

impl GeoWrite {
    pub fn driver(&self) -> UserId {
        match *self {
            Self::Upsert { driver, .. } | Self::Remove { driver } => driver,
        }
    }
}

#[async_trait]
pub trait GeoIndex: Send + Sync + 'static {
    /// The driver is available at `pos`, seen at `at_ms` (unix ms).
    async fn upsert(&self, driver: UserId, pos: Position, at_ms: i64) -> Result<(), GeoError>;
    /// The driver is no longer available.
    async fn remove(&self, driver: UserId) -> Result<(), GeoError>;
    /// Writes for distinct drivers, in any order: in one round trip where
    /// the backend can ([`batched`] sends every node's writes this way).
    async fn apply(&self, writes: &[GeoWrite]) -> Result<(), GeoError> {
        for w in writes {
            match *w {
                GeoWrite::Upsert { driver, pos, at_ms } => self.upsert(driver, pos, at_ms).await?,
                GeoWrite::Remove { driver } => self.remove(driver).await?,
            }
        }
        Ok(())
    }
    /// Up to `limit` available drivers within `radius_m` of `center`,
    /// nearest first, seen at or after `fresh_since_ms`, none of `exclude`.
    async fn nearest(
        &self,
        center: Position,
        radius_m: f64,
        limit: usize,
        exclude: &HashSet<UserId>,
        fresh_since_ms: i64,
    ) -> Result<Vec<Candidate>, GeoError>;
    /// Drops drivers last seen before `cutoff_ms`; returns how many.
    async fn sweep(&self, cutoff_ms: i64) -> Result<usize, GeoError>;
    /// How many drivers are indexed with a position seen at or after
    /// `fresh_since_ms` (the monitor's "available drivers").
    async fn count(&self, fresh_since_ms: i64) -> Result<usize, GeoError>;
    /// Up to `limit` indexed drivers seen at or after `fresh_since_ms`,
    /// most recently seen first, with their positions (the monitor's map).
    async fn positions(
        &self,
        fresh_since_ms: i64,
        limit: usize,
    ) -> Result<Vec<(UserId, Position)>, GeoError>;
}
