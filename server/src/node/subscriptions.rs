//! Keeps this node's bus subscriptions equal to what the registry needs.
//!
//! One task owns the subscribed set and reconciles it against the registry
//! (subscribe when someone listens, unsubscribe when nobody does), so the
//! order in which joins and leaves race does not matter. Requests are
//! batched into one SUBSCRIBE / UNSUBSCRIBE each.

use super::registry::Registry;
use crate::bus::{Bus, BusError, Topic};
use std::collections::HashSet;
use std::sync::Arc;
use tokio::sync::{mpsc, oneshot};
use tokio_util::sync::CancellationToken;

struct Request {
    topic: Topic,
    ack: Option<oneshot::Sender<Result<(), String>>>,
}

#[derive(Clone)]
pub struct Subscriptions {
    tx: mpsc::Sender<Request>,
}

impl Subscriptions {
    pub fn spawn(
        bus: Arc<dyn Bus>,
        registry: Arc<Registry>,
        shutdown: CancellationToken,
        tracker: &tokio_util::task::TaskTracker,
    ) -> Self {
        let (tx, rx) = mpsc::channel(4096);
        tracker.spawn(reconcile(bus, registry, rx, shutdown));
        Self { tx }
    }

    /// Brings `topic` in line with the registry and waits until the bus has
    /// confirmed it, so nothing published afterwards is missed.
    pub async fn sync(&self, topic: Topic) -> Result<(), BusError> {
        let (ack, done) = oneshot::channel();
        self.tx
            .send(Request {
                topic,
                ack: Some(ack),
            })
            .await
            .map_err(|_| BusError::Unavailable("node is shutting down".into()))?;
        done.await
            .map_err(|_| BusError::Unavailable("node is shutting down".into()))?
            .map_err(BusError::Unavailable)
    }

    /// Like [`sync`](Self::sync) without waiting (for leaves).
    pub fn sync_later(&self, topic: Topic) {
        if self.tx.try_send(Request { topic, ack: None }).is_err() {
            tracing::warn!(?topic, "subscription queue full; topic left subscribed");
        }
    }
}

async fn reconcile(
    bus: Arc<dyn Bus>,
    registry: Arc<Registry>,
    mut rx: mpsc::Receiver<Request>,
    shutdown: CancellationToken,
) {
    let mut subscribed: HashSet<Topic> = HashSet::new();
    let mut batch = Vec::with_capacity(256);
    loop {
        tokio::select! {
            n = rx.recv_many(&mut batch, 256) => if n == 0 { break },
            _ = shutdown.cancelled() => break,
        }
        let mut add = Vec::new();
        let mut drop = Vec::new();
        let mut seen = HashSet::new();
        for req in &batch {
            if !seen.insert(req.topic) {
                continue;
            }
            match (registry.listens(req.topic), subscribed.contains(&req.topic)) {
                (true, false) => add.push(req.topic),
                (false, true) => drop.push(req.topic),
                _ => {}
            }
        }
        let mut result = Ok(());
        if !add.is_empty() {
            match bus.subscribe(&add).await {
                Ok(()) => subscribed.extend(add.iter().copied()),
                Err(e) => {
                    tracing::warn!("subscribe failed: {e}");
                    result = Err(e.to_string());
                }
            }
        }
        if !drop.is_empty() {
            match bus.unsubscribe(&drop).await {
                Ok(()) => drop.iter().for_each(|t| {
                    subscribed.remove(t);
                }),
                Err(e) => tracing::warn!("unsubscribe failed: {e}"),
            }
        }
        for req in batch.drain(..) {
            if let Some(ack) = req.ack {
                let _ = ack.send(result.clone());
            }
        }
    }
}
