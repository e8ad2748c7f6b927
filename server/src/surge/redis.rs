//! The board in Redis: `SET NX` on a per-interval claim key elects the
//! computing node, one string key holds the published board. Both keys
//! expire, so a dead computer leaves nothing behind but an older board.

use super::{SurgeShare, SurgeShareError};
use crate::keys::Keys;
use async_trait::async_trait;
use redis::aio::{ConnectionLike, ConnectionManager};
use std::time::Duration;

/// Generic over the connection: a [`ConnectionManager`] on one Redis, a
/// cluster connection on Redis Cluster (every command here touches one key).
pub struct RedisSurgeShare<C = ConnectionManager> {
    keys: Keys,
    con: C,
    /// The compute interval: claims live two of them, the board ten.
    every: Duration,
}

impl<C> RedisSurgeShare<C> {
    pub fn new(keys: Keys, con: C, every: Duration) -> Self {
        Self { keys, con, every }
    }
}

fn unavailable(e: impl std::fmt::Display) -> SurgeShareError {
    SurgeShareError::Unavailable(e.to_string())
}

#[async_trait]
impl<C: ConnectionLike + Clone + Send + Sync + 'static> SurgeShare for RedisSurgeShare<C> {
    async fn claim(&self, bucket: i64, node: &str) -> Result<bool, SurgeShareError> {
        let mut con = self.con.clone();
        let set: Option<String> = redis::cmd("SET")
            .arg(self.keys.surge_claim(bucket))
            .arg(node)
            .arg("NX")
            .arg("PX")
            .arg((self.every.as_millis() as u64 * 2).max(1))
            .query_async(&mut con)
            .await
            .map_err(unavailable)?;
        Ok(set.is_some())
    }

    async fn publish(&self, board: &str) -> Result<(), SurgeShareError> {
        let mut con = self.con.clone();
        redis::cmd("SET")
            .arg(self.keys.surge_board())
            .arg(board)
            .arg("PX")
            .arg((self.every.as_millis() as u64 * 10).max(1))
            .query_async::<()>(&mut con)
            .await
            .map_err(unavailable)
    }

    async fn latest(&self) -> Result<Option<String>, SurgeShareError> {
        let mut con = self.con.clone();
        redis::cmd("GET")
            .arg(self.keys.surge_board())
            .query_async(&mut con)
            .await
            .map_err(unavailable)
    }
}
