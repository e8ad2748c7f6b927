//! The Redis bus: PUBLISH on a multiplexed connection; SUBSCRIBE on a RESP3
//! connection manager that resubscribes by itself after a reconnect and
//! pushes messages straight to the node's [`Inbound`].

use super::{Bus, BusError, Inbound, Topic};
use crate::keys::Keys;
use async_trait::async_trait;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::{IntoConnectionInfo, ProtocolVersion, PushInfo, PushKind, Value};
use std::sync::Arc;
use std::time::Duration;

pub struct RedisBus {
    keys: Keys,
    /// Commands (PUBLISH); auto-pipelined by the multiplexer.
    cmd: ConnectionManager,
    /// Subscriptions only, so a burst of publishes never delays them.
    sub: ConnectionManager,
    recovered: tokio::sync::watch::Receiver<u64>,
    watcher: tokio::task::JoinHandle<()>,
}

impl Drop for RedisBus {
    fn drop(&mut self) {
        self.watcher.abort();
    }
}

/// A RESP3 client for `url` (pub/sub pushes need RESP3).
pub fn client(url: &str) -> Result<redis::Client, BusError> {
    let info = url
        .into_connection_info()
        .map_err(|e| BusError::Unavailable(format!("bad HAIL_REDIS_URL: {e}")))?;
    let settings = info
        .redis_settings()
        .clone()
        .set_protocol(ProtocolVersion::RESP3);
    redis::Client::open(info.set_redis_settings(settings)).map_err(unavailable)
}

/// Manager settings shared by every Redis connection: bounded connects and
/// responses, so an outage surfaces as `unavailable` instead of a hang.
pub fn manager_config(timeout: Duration) -> ConnectionManagerConfig {
    ConnectionManagerConfig::new()
        .set_connection_timeout(Some(timeout))
        .set_response_timeout(Some(timeout))
        .set_max_delay(Duration::from_secs(2))
        .set_number_of_retries(2)
}

pub fn unavailable(e: redis::RedisError) -> BusError {
    BusError::Unavailable(e.to_string())
}

impl RedisBus {
    pub async fn connect(
        client: &redis::Client,
        keys: Keys,
        inbound: Arc<dyn Inbound>,
        timeout: Duration,
    ) -> Result<Self, BusError> {
        let cmd = client
            .get_connection_manager_with_config(manager_config(timeout))
            .await
            .map_err(unavailable)?;
        let push_keys = keys.clone();
        let lost = Arc::new(tokio::sync::Notify::new());
        let on_loss = lost.clone();
        let push = move |info: PushInfo| -> Result<(), ()> {
            if info.kind == PushKind::Disconnection {
                inbound.connection_lost();
                on_loss.notify_one();
                return Ok(());
            }
            if info.kind != PushKind::Message {
                return Ok(());
            }
            if let [Value::BulkString(channel), Value::BulkString(payload)] = info.data.as_slice() {
                let topic = std::str::from_utf8(channel)
                    .ok()
                    .and_then(|c| push_keys.topic(c));
                if let Some(topic) = topic {
                    inbound.deliver(topic, payload);
                }
            }
            Ok(())
        };
        let sub = client
            .get_connection_manager_with_config(
                manager_config(timeout)
                    .set_push_sender(push)
                    .set_automatic_resubscription(),
            )
            .await
            .map_err(unavailable)?;
        let (recovered_tx, recovered) = tokio::sync::watch::channel(0u64);
        let watcher = tokio::spawn(watch_recovery(sub.clone(), lost, recovered_tx));
        Ok(Self {
            keys,
            cmd,
            sub,
            recovered,
            watcher,
        })
    }

    fn channels(&self, topics: &[Topic]) -> Vec<String> {
        topics.iter().map(|t| self.keys.channel(*t)).collect()
    }
}

#[async_trait]
impl Bus for RedisBus {
    async fn publish_counted(
        &self,
        topic: Topic,
        payload: Vec<u8>,
    ) -> Result<Option<u64>, BusError> {
        let mut con = self.cmd.clone();
        redis::cmd("PUBLISH")
            .arg(self.keys.channel(topic))
            .arg(payload)
            .query_async::<u64>(&mut con)
            .await
            .map(Some)
            .map_err(unavailable)
    }

    /// One pipeline: one write and one read for the whole batch.
    async fn publish_many(&self, batch: Vec<(Topic, Vec<u8>)>) -> Result<(), BusError> {
        if batch.is_empty() {
            return Ok(());
        }
        let mut pipe = redis::pipe();
        for (topic, payload) in batch {
            pipe.cmd("PUBLISH")
                .arg(self.keys.channel(topic))
                .arg(payload)
                .ignore();
        }
        let mut con = self.cmd.clone();
        pipe.query_async::<()>(&mut con).await.map_err(unavailable)
    }

    async fn subscribe(&self, topics: &[Topic]) -> Result<(), BusError> {
        if topics.is_empty() {
            return Ok(());
        }
        let mut con = self.sub.clone();
        con.subscribe(self.channels(topics))
            .await
            .map_err(unavailable)
    }

    async fn unsubscribe(&self, topics: &[Topic]) -> Result<(), BusError> {
        if topics.is_empty() {
            return Ok(());
        }
        let mut con = self.sub.clone();
        con.unsubscribe(self.channels(topics))
            .await
            .map_err(unavailable)
    }

    fn recoveries(&self) -> tokio::sync::watch::Receiver<u64> {
        self.recovered.clone()
    }

    fn counts_other_nodes(&self) -> bool {
        true
    }

    async fn ping(&self) -> Result<(), BusError> {
        let mut con = self.cmd.clone();
        redis::cmd("PING")
            .query_async::<String>(&mut con)
            .await
            .map(drop)
            .map_err(unavailable)
    }
}

/// After the subscription connection drops, pings it (which makes the
/// manager reconnect and resubscribe) until it answers, then reports the
/// recovery once.
async fn watch_recovery(
    sub: ConnectionManager,
    lost: Arc<tokio::sync::Notify>,
    recovered: tokio::sync::watch::Sender<u64>,
) {
    loop {
        lost.notified().await;
        tracing::warn!("Redis subscription connection lost; reconnecting");
        loop {
            tokio::time::sleep(Duration::from_millis(250)).await;
            let mut con = sub.clone();
            if redis::cmd("PING")
                .query_async::<Value>(&mut con)
                .await
                .is_ok()
            {
                break;
            }
        }
        tracing::info!("Redis subscription connection is back (resubscribed)");
        recovered.send_modify(|n| *n += 1);
    }
}
