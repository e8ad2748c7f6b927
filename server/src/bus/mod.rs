//! Fan-out between nodes. A node subscribes once per topic that has local
//! listeners (node-level subscriptions: one Redis connection serves every
//! local socket); publishing reaches whichever nodes listen. All fan-out
//! goes through the bus, even on one node, so one node runs the same path
//! as many.

pub mod memory;
pub mod redis;
pub mod redis_cluster;

pub use crate::keys::Topic;
use async_trait::async_trait;

#[derive(Debug, thiserror::Error)]
pub enum BusError {
    #[error("bus unavailable: {0}")]
    Unavailable(String),
}

/// Where a bus hands what arrives for this node. Must not block: it runs on
/// the bus's connection task.
pub trait Inbound: Send + Sync + 'static {
    fn deliver(&self, topic: Topic, payload: &[u8]);
    /// The subscription connection dropped: until the bus reports a
    /// recovery, what arrives (and what a PUBLISH counts) leaves this node
    /// out.
    fn connection_lost(&self) {}
}

#[async_trait]
pub trait Bus: Send + Sync + 'static {
    async fn publish(&self, topic: Topic, payload: Vec<u8>) -> Result<(), BusError> {
        self.publish_counted(topic, payload).await.map(drop)
    }
    /// Publishes, and says how many subscriptions received the message
    /// when the backend can tell (one Redis's PUBLISH reply; the
    /// in-process bus); `None` when it cannot (a cluster's SPUBLISH counts
    /// one shard node's clients only).
    async fn publish_counted(
        &self,
        topic: Topic,
        payload: Vec<u8>,
    ) -> Result<Option<u64>, BusError>;
    /// Whether [`publish_counted`](Self::publish_counted) counts other
    /// nodes' subscriptions too (one shared Redis): only then must a join be
    /// announced to them (`node::routes`). Not on one node, nor where the
    /// count is unknown.
    fn counts_other_nodes(&self) -> bool {
        false
    }
    /// Publishes each message in order, in as few round trips as the
    /// backend allows (a round's offers, a trip's withdrawals).
    async fn publish_many(&self, batch: Vec<(Topic, Vec<u8>)>) -> Result<(), BusError> {
        for (topic, payload) in batch {
            self.publish(topic, payload).await?;
        }
        Ok(())
    }
    async fn subscribe(&self, topics: &[Topic]) -> Result<(), BusError>;
    async fn unsubscribe(&self, topics: &[Topic]) -> Result<(), BusError>;
    /// Answers when the backend does (for `/readyz`).
    async fn ping(&self) -> Result<(), BusError>;
    /// Changes each time the bus is back after losing its connection (and
    /// with it, messages). A bus that cannot lose any never changes: its
    /// sender is dropped.
    fn recoveries(&self) -> tokio::sync::watch::Receiver<u64> {
        tokio::sync::watch::channel(0).1
    }
}
