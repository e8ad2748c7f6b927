//! Keeps this node's bus subscriptions equal to what the registry needs.
//!
//! One task owns the subscribed set and reconciles it against the registry
//! (subscribe when someone listens, unsubscribe when nobody does), so the
//! order in which joins and leaves race does not matter. Requests are
//! batched into one SUBSCRIBE / UNSUBSCRIBE each.

use super::registry::{Control, Registry};
use crate::bus::{Bus, BusError, Topic};
use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use tokio::sync::{mpsc, oneshot, Notify};
use tokio_util::sync::CancellationToken;

struct Request {
    topic: Topic,
    ack: Option<oneshot::Sender<Result<(), String>>>,
}

#[derive(Clone)]
pub struct Subscriptions {
    tx: mpsc::Sender<Request>,
    /// Topics to reconcile without waiting (leaves). A set, so a burst of
    /// disconnects coalesces instead of overflowing a queue; bounded by the
    /// number of distinct topics.
    later: Arc<Mutex<HashSet<Topic>>>,
    wake: Arc<Notify>,
}

impl Subscriptions {
    pub fn spawn(
        bus: Arc<dyn Bus>,
        registry: Arc<Registry>,
        shutdown: CancellationToken,
        tracker: &tokio_util::task::TaskTracker,
    ) -> Self {
        let (tx, rx) = mpsc::channel(4096);
        let later = Arc::new(Mutex::new(HashSet::new()));
        let wake = Arc::new(Notify::new());
        tracker.spawn(reconcile(
            bus,
            registry,
            rx,
            later.clone(),
            wake.clone(),
            shutdown,
        ));
        Self { tx, later, wake }
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
        self.later
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(topic);
        self.wake.notify_one();
    }
}

async fn reconcile(
    bus: Arc<dyn Bus>,
    registry: Arc<Registry>,
    mut rx: mpsc::Receiver<Request>,
    later: Arc<Mutex<HashSet<Topic>>>,
    wake: Arc<Notify>,
    shutdown: CancellationToken,
) {
    let mut subscribed: HashSet<Topic> = HashSet::new();
    let mut batch = Vec::with_capacity(256);
    loop {
        tokio::select! {
            n = rx.recv_many(&mut batch, 256) => if n == 0 { break },
            _ = wake.notified() => {}
            _ = shutdown.cancelled() => break,
        }
        // Up to a batch's worth of deferred topics ride along.
        {
            let mut pending = later.lock().unwrap_or_else(|e| e.into_inner());
            let take: Vec<Topic> = pending.iter().take(1024).copied().collect();
            for topic in take {
                pending.remove(&topic);
                batch.push(Request { topic, ack: None });
            }
            if !pending.is_empty() {
                wake.notify_one();
            }
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
                Ok(()) => {
                    subscribed.extend(add.iter().copied());
                    registry.routes().subscribed(users(&add));
                }
                Err(e) => {
                    tracing::warn!("subscribe failed: {e}");
                    result = Err(e.to_string());
                }
            }
        }
        if !drop.is_empty() {
            registry.routes().unsubscribing(users(&drop));
            match bus.unsubscribe(&drop).await {
                Ok(()) => drop.iter().for_each(|t| {
                    subscribed.remove(t);
                }),
                Err(e) => tracing::warn!("unsubscribe failed: {e}"),
            }
        }
        // Every join is announced before its session says `hello`, not
        // only a new SUBSCRIBE: a node that sent the user's locations past
        // the bus must send them through it again, or this node's sessions
        // miss them (`routes`). A join that found the topic subscribed may
        // follow a resubscription nobody announced (Redis's client
        // resubscribes by itself after a lost connection) or an
        // announcement that failed.
        let joined: HashSet<hail_protocol::UserId> = batch
            .iter()
            .filter(|r| r.ack.is_some() && subscribed.contains(&r.topic))
            .filter_map(|r| match r.topic {
                Topic::User(u) => Some(u),
                _ => None,
            })
            .collect();
        if result.is_ok() && !joined.is_empty() && bus.counts_other_nodes() {
            let listening: Vec<_> = joined
                .into_iter()
                .map(|u| (Topic::User(u), Control::Listening.encode()))
                .collect();
            if let Err(e) = bus.publish_many(listening).await {
                tracing::warn!("subscription not announced: {e}");
                result = Err(e.to_string());
            }
        }
        for req in batch.drain(..) {
            if let Some(ack) = req.ack {
                let _ = ack.send(result.clone());
            }
        }
    }
}

fn users(topics: &[Topic]) -> impl Iterator<Item = hail_protocol::UserId> + '_ {
    topics.iter().filter_map(|t| match t {
        Topic::User(u) => Some(*u),
        _ => None,
    })
}
