//! Where nodes share the surge board, so every node prices a pickup at
//! the same multiplier. Each interval one node (the first to claim the
//! interval) computes the board from the shared geo index and store and
//! publishes it; every node then reads the published board. Redis for a
//! cluster, in-process alone (the one node always claims).

pub mod memory;
pub mod redis;

use async_trait::async_trait;

#[derive(Debug, thiserror::Error)]
pub enum SurgeShareError {
    #[error("surge board unavailable: {0}")]
    Unavailable(String),
}

#[async_trait]
pub trait SurgeShare: Send + Sync + 'static {
    /// Whether this node computes the board of interval `bucket` (exactly
    /// one caller per bucket gets `true`).
    async fn claim(&self, bucket: i64, node: &str) -> Result<bool, SurgeShareError>;
    /// Replaces the published board (JSON of `monitor::SurgeResponse`).
    async fn publish(&self, board: &str) -> Result<(), SurgeShareError>;
    /// The last published board, if any.
    async fn latest(&self) -> Result<Option<String>, SurgeShareError>;
}
