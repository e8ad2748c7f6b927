//! Presence in one Redis hash (node id -> last heartbeat as JSON): one
//! HSET per node per heartbeat, one HGETALL per monitor read.

use super::{Heartbeat, Presence, PresenceError};
use crate::keys::Keys;
use async_trait::async_trait;
use redis::aio::{ConnectionLike, ConnectionManager};

/// Generic over the connection: a [`ConnectionManager`] on one Redis, a
/// cluster connection on Redis Cluster (every command here touches one key).
pub struct RedisPresence<C = ConnectionManager> {
    keys: Keys,
    con: C,
}

impl<C> RedisPresence<C> {
    pub fn new(keys: Keys, con: C) -> Self {
        Self { keys, con }
    }
}

fn unavailable(e: impl std::fmt::Display) -> PresenceError {
    PresenceError::Unavailable(e.to_string())
}

#[async_trait]
impl<C: ConnectionLike + Clone + Send + Sync + 'static> Presence for RedisPresence<C> {
    async fn announce(&self, beat: &Heartbeat) -> Result<(), PresenceError> {
        let json = serde_json::to_string(beat).map_err(unavailable)?;
        let mut con = self.con.clone();
        redis::cmd("HSET")
            .arg(self.keys.nodes())
            .arg(&beat.id)
            .arg(json)
            .query_async::<()>(&mut con)
            .await
            .map_err(unavailable)
    }

    async fn nodes(&self) -> Result<Vec<Heartbeat>, PresenceError> {
        let mut con = self.con.clone();
        let all: Vec<(String, String)> = redis::cmd("HGETALL")
            .arg(self.keys.nodes())
            .query_async(&mut con)
            .await
            .map_err(unavailable)?;
        // A value another version wrote and this one cannot read is skipped,
        // not fatal: the monitor shows what it understands.
        Ok(all
            .into_iter()
            .filter_map(|(id, json)| match serde_json::from_str(&json) {
                Ok(beat) => Some(beat),
                Err(e) => {
                    tracing::warn!(node = %id, "unreadable heartbeat: {e}");
                    None
                }
            })
            .collect())
    }

    async fn forget(&self, id: &str) -> Result<(), PresenceError> {
        let mut con = self.con.clone();
        redis::cmd("HDEL")
            .arg(self.keys.nodes())
            .arg(id)
            .query_async::<()>(&mut con)
            .await
            .map_err(unavailable)
    }
}
