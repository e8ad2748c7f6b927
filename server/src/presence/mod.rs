//! Where nodes announce themselves: each node writes a heartbeat every
//! `HAIL_HEARTBEAT_MS`, and the monitor reads every node's last one, so any
//! node can show the whole cluster. Redis for a cluster, in-process alone.

pub mod memory;
pub mod redis;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use hail_protocol::monitor::{RoleCounts, TaskStats};
use serde::{Deserialize, Serialize};

#[derive(Debug, thiserror::Error)]
pub enum PresenceError {
    #[error("presence unavailable: {0}")]
    Unavailable(String),
}

/// What a node says about itself in one heartbeat.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Heartbeat {
    pub id: String,
    pub address: String,
    pub started_at: DateTime<Utc>,
    pub sent_at: DateTime<Utc>,
    pub connections: RoleCounts,
    pub messages_in_per_sec: f64,
    pub messages_out_per_sec: f64,
    pub outbox_drops: u64,
    pub tasks: Vec<TaskStats>,
}

#[async_trait]
pub trait Presence: Send + Sync + 'static {
    /// Replaces this node's last heartbeat.
    async fn announce(&self, beat: &Heartbeat) -> Result<(), PresenceError>;
    /// Every node's last heartbeat, including nodes that stopped sending.
    async fn nodes(&self) -> Result<Vec<Heartbeat>, PresenceError>;
    /// Forgets a node (one silent for long, or one that left cleanly).
    async fn forget(&self, id: &str) -> Result<(), PresenceError>;
}
