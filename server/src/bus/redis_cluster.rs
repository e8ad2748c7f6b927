//! The bus on Redis Cluster: sharded pub/sub (`SPUBLISH`/`SSUBSCRIBE`).
//! A channel lives on the shard that owns its slot, so fan-out spreads over
//! the masters instead of every PUBLISH reaching every node of the cluster.
//! Channel names carry no hash tag: each user's and trip's channel hashes
//! on its own, so one node's subscriptions spread over all shards.
//!
//! Losing events is reported the way the single-Redis bus reports it
//! ([`Bus::recoveries`]), so sessions close with 1012 and clients re-`hello`:
//! - a shard connection drops (a master died, a network blip): the cluster
//!   client reconnects; this bus re-`SSUBSCRIBE`s every wanted channel
//!   (routing by slot, which makes the client follow a failover), then
//!   reports one recovery;
//! - a slot moves (`reshard`): the old owner sends `sunsubscribe` for the
//!   slot's channels; this bus subscribes them again at the new owner and
//!   reports one recovery, because a message published in between is gone.

use super::{Bus, BusError, Inbound, Topic};
use crate::keys::Keys;
use async_trait::async_trait;
use futures_util::future::try_join_all;
use redis::cluster::ClusterClientBuilder;
use redis::cluster_async::ClusterConnection;
use redis::{ProtocolVersion, PushInfo, PushKind, Value};
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Channels this node wants, and the unsubscribes it asked for itself (their
/// confirmations are not a slot moving away).
#[derive(Default)]
struct Wanted {
    channels: HashSet<String>,
    leaving: HashMap<String, u32>,
}

type Shared = Arc<Mutex<Wanted>>;

fn lock(w: &Shared) -> std::sync::MutexGuard<'_, Wanted> {
    w.lock().unwrap_or_else(|e| e.into_inner())
}

/// What was lost since the recovery task last looked: bounded by the
/// wanted channels (a burst of losses collapses into one set).
#[derive(Default)]
struct Losses {
    /// A shard connection dropped: every subscription may be gone.
    all: bool,
    /// Channels the server unsubscribed (their slot moved).
    channels: HashSet<String>,
}

/// Losses, and the wake-up of the task that repairs them.
#[derive(Default)]
struct Lost {
    losses: Mutex<Losses>,
    wake: tokio::sync::Notify,
}

impl Lost {
    fn record(&self, f: impl FnOnce(&mut Losses)) {
        f(&mut self.losses.lock().unwrap_or_else(|e| e.into_inner()));
        self.wake.notify_one();
    }

    fn take(&self) -> Losses {
        std::mem::take(&mut *self.losses.lock().unwrap_or_else(|e| e.into_inner()))
    }
}

/// Called on the connection's task for every push; must not block.
pub type PushHandler = Box<dyn Fn(PushInfo) -> Result<(), ()> + Send + Sync>;

pub struct ClusterBus {
    keys: Keys,
    cmd: ClusterConnection,
    sub: ClusterConnection,
    wanted: Shared,
    recovered: tokio::sync::watch::Receiver<u64>,
    watcher: tokio::task::JoinHandle<()>,
}

impl Drop for ClusterBus {
    fn drop(&mut self) {
        self.watcher.abort();
    }
}

pub use super::redis::unavailable;

/// A RESP3 cluster client on the seed nodes (pushes need RESP3), with the
/// bounded timeouts of every Redis connection here, and `push` when given.
pub fn cluster_client(
    seeds: &[String],
    timeout: Duration,
    push: Option<PushHandler>,
) -> Result<redis::cluster::ClusterClient, redis::RedisError> {
    let mut builder = ClusterClientBuilder::new(seeds.to_vec())
        .use_protocol(ProtocolVersion::RESP3)
        .connection_timeout(timeout)
        .response_timeout(timeout)
        // A failover takes the cluster's node timeout plus an election (a
        // few seconds): retry for about that long, then report unavailable.
        .retries(6)
        .min_retry_wait(50)
        .max_retry_wait(1000);
    if let Some(push) = push {
        builder = builder.push_sender(push);
    }
    builder.build()
}

impl ClusterBus {
    pub async fn connect(
        seeds: &[String],
        keys: Keys,
        inbound: Arc<dyn Inbound>,
        timeout: Duration,
    ) -> Result<Self, BusError> {
        let cmd = cluster_client(seeds, timeout, None)
            .map_err(unavailable)?
            .get_async_connection()
            .await
            .map_err(unavailable)?;
        let wanted = Shared::default();
        let lost = Arc::new(Lost::default());
        let (push_keys, push_wanted, push_lost) = (keys.clone(), wanted.clone(), lost.clone());
        // Runs on the connection's task for every push: messages go straight
        // to the node's inbound (which never blocks), losses to the set.
        let push = move |info: PushInfo| -> Result<(), ()> {
            handle_push(info, &push_keys, &*inbound, &push_wanted, &push_lost);
            Ok(())
        };
        let sub = cluster_client(seeds, timeout, Some(Box::new(push)))
            .map_err(unavailable)?
            .get_async_connection()
            .await
            .map_err(unavailable)?;
        let (recovered_tx, recovered) = tokio::sync::watch::channel(0u64);
        let watcher = tokio::spawn(recover(sub.clone(), wanted.clone(), lost, recovered_tx));
        Ok(Self {
            keys,
            cmd,
            sub,
            wanted,
            recovered,
            watcher,
        })
    }
}

fn handle_push(info: PushInfo, keys: &Keys, inbound: &dyn Inbound, wanted: &Shared, lost: &Lost) {
    match info.kind {
        PushKind::SMessage | PushKind::Message => {
            if let [Value::BulkString(channel), Value::BulkString(payload)] = info.data.as_slice() {
                if let Some(topic) = std::str::from_utf8(channel)
                    .ok()
                    .and_then(|c| keys.topic(c))
                {
                    inbound.deliver(topic, payload);
                }
            }
        }
        PushKind::Disconnection => {
            lost.record(|l| l.all = true);
        }
        PushKind::SUnsubscribe => {
            let Some(Value::BulkString(channel)) = info.data.first() else {
                return;
            };
            let Ok(channel) = std::str::from_utf8(channel) else {
                return;
            };
            let mut w = lock(wanted);
            if let Some(n) = w.leaving.get_mut(channel) {
                *n -= 1;
                if *n == 0 {
                    w.leaving.remove(channel);
                }
                return;
            }
            if w.channels.contains(channel) {
                lost.record(|l| {
                    l.channels.insert(channel.to_owned());
                });
            }
        }
        _ => {}
    }
}

/// One `SSUBSCRIBE` per channel: a command's channels must share a slot.
async fn ssubscribe_each(sub: &ClusterConnection, channels: &[String]) -> Result<(), BusError> {
    try_join_all(channels.iter().map(|channel| {
        let mut con = sub.clone();
        async move { con.ssubscribe(channel).await.map_err(unavailable) }
    }))
    .await
    .map(drop)
}

/// Resubscribes what was lost, retrying until the cluster answers, then
/// reports one recovery per loss (a burst of losses counts once).
async fn recover(
    sub: ClusterConnection,
    wanted: Shared,
    lost: Arc<Lost>,
    recovered: tokio::sync::watch::Sender<u64>,
) {
    loop {
        lost.wake.notified().await;
        // Let the burst arrive (several shards, many channels of one slot).
        tokio::time::sleep(Duration::from_millis(100)).await;
        let Losses {
            all,
            channels: some,
        } = lost.take();
        if !all && some.is_empty() {
            continue;
        }
        tracing::warn!(
            all,
            channels = some.len(),
            "Redis Cluster subscriptions lost; resubscribing"
        );
        loop {
            let channels: Vec<String> = {
                let w = lock(&wanted);
                if all {
                    w.channels.iter().cloned().collect()
                } else {
                    some.iter()
                        .filter(|c| w.channels.contains(*c))
                        .cloned()
                        .collect()
                }
            };
            match ssubscribe_each(&sub, &channels).await {
                Ok(()) => break,
                Err(e) => {
                    tracing::debug!("resubscribe failed, retrying: {e}");
                    tokio::time::sleep(Duration::from_millis(250)).await;
                }
            }
        }
        tracing::info!("Redis Cluster subscriptions are back");
        recovered.send_modify(|n| *n += 1);
    }
}

#[async_trait]
impl Bus for ClusterBus {
    async fn publish_counted(
        &self,
        topic: Topic,
        payload: Vec<u8>,
    ) -> Result<Option<u64>, BusError> {
        let mut con = self.cmd.clone();
        redis::cmd("SPUBLISH")
            .arg(self.keys.channel(topic))
            .arg(payload)
            .query_async::<i64>(&mut con)
            .await
            .map(|_| None)
            .map_err(unavailable)
    }

    /// Channels hash to different masters: the publishes go out together
    /// (the cluster connection multiplexes them), so the batch waits about
    /// one round trip, not one per message. A batch naming a channel twice
    /// goes one by one: concurrent sends could reorder on a redirect.
    async fn publish_many(&self, batch: Vec<(Topic, Vec<u8>)>) -> Result<(), BusError> {
        let mut seen = std::collections::HashSet::with_capacity(batch.len());
        if !batch.iter().all(|(topic, _)| seen.insert(*topic)) {
            for (topic, payload) in batch {
                self.publish(topic, payload).await?;
            }
            return Ok(());
        }
        try_join_all(batch.into_iter().map(|(topic, payload)| {
            let mut con = self.cmd.clone();
            let channel = self.keys.channel(topic);
            async move {
                redis::cmd("SPUBLISH")
                    .arg(channel)
                    .arg(payload)
                    .query_async::<i64>(&mut con)
                    .await
                    .map(drop)
                    .map_err(unavailable)
            }
        }))
        .await
        .map(drop)
    }

    async fn subscribe(&self, topics: &[Topic]) -> Result<(), BusError> {
        let channels: Vec<String> = topics.iter().map(|t| self.keys.channel(*t)).collect();
        lock(&self.wanted).channels.extend(channels.iter().cloned());
        ssubscribe_each(&self.sub, &channels).await
    }

    async fn unsubscribe(&self, topics: &[Topic]) -> Result<(), BusError> {
        let channels: Vec<String> = topics.iter().map(|t| self.keys.channel(*t)).collect();
        {
            let mut w = lock(&self.wanted);
            for c in &channels {
                if w.channels.remove(c) {
                    *w.leaving.entry(c.clone()).or_default() += 1;
                }
            }
        }
        try_join_all(channels.iter().map(|channel| {
            let mut con = self.sub.clone();
            async move { con.sunsubscribe(channel).await.map_err(unavailable) }
        }))
        .await
        .map(drop)
    }

    fn recoveries(&self) -> tokio::sync::watch::Receiver<u64> {
        self.recovered.clone()
    }

    async fn ping(&self) -> Result<(), BusError> {
        let mut con = self.cmd.clone();
        redis::cmd("PING")
            .query_async::<Value>(&mut con)
            .await
            .map(drop)
            .map_err(unavailable)
    }
}
