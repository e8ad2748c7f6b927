//! The node: what one `hail serve` process holds, and the commands that
//! turn domain decisions into store writes and bus messages.

pub mod dispatcher;
pub mod gps;
pub mod gps_partitions;
pub mod live;
pub mod operator;
pub mod quote_cache;
pub mod registry;
pub mod ride;
pub mod rollup;
pub mod routes;
pub mod subscriptions;
pub mod surge;
pub mod trips;

use crate::auth::tokens::TokenKeys;
use crate::bus::{Bus, BusError, Topic};
use crate::config::Config;
use crate::domain::trip::Refusal;
use crate::geo::{GeoError, GeoIndex};
use crate::store::{Store, StoreError};
use hail_protocol::{Role, ServerMessage, UserId};
use std::sync::Arc;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

/// Who sends a command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Actor {
    pub id: UserId,
    pub role: Role,
}

/// Why a command failed, before it becomes a wire code.
#[derive(Debug, thiserror::Error)]
pub enum CommandError {
    #[error(transparent)]
    Refused(#[from] Refusal),
    #[error("{0}")]
    Conflict(&'static str),
    /// A field the command carried is out of range or unknown (`invalid`).
    #[error("{0}")]
    Invalid(String),
    /// The rider asked for too many trips lately; trying again after
    /// `retry_after` (the whole window, an upper bound) works.
    #[error("{message}")]
    RateLimited {
        message: String,
        retry_after: std::time::Duration,
    },
    #[error("a backend is unavailable; retry later")]
    Unavailable(String),
    #[error("internal error")]
    Internal(String),
}

impl From<StoreError> for CommandError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Conflict(why) => Self::Conflict(why),
            StoreError::Unavailable(why) => Self::Unavailable(why),
            StoreError::Internal(why) => Self::Internal(why),
        }
    }
}

impl From<BusError> for CommandError {
    fn from(e: BusError) -> Self {
        Self::Unavailable(e.to_string())
    }
}

impl From<GeoError> for CommandError {
    fn from(e: GeoError) -> Self {
        Self::Unavailable(e.to_string())
    }
}

pub struct Node {
    pub config: Arc<Config>,
    pub store: Arc<dyn Store>,
    pub bus: Arc<dyn Bus>,
    pub geo: Arc<dyn GeoIndex>,
    /// Where nodes announce themselves to the monitor.
    pub presence: Arc<dyn crate::presence::Presence>,
    /// The figures this node reports in its heartbeat (its own, not the
    /// process's: nodes may share a process in tests).
    pub live: Arc<live::Live>,
    pub registry: Arc<registry::Registry>,
    pub subs: subscriptions::Subscriptions,
    pub gps: gps::GpsQueue,
    pub tokens: TokenKeys,
    /// This node's copy of the shared surge board (`node::surge`).
    pub surge: surge::SurgeBoard,
    /// The quotes this node issued, until they expire.
    pub quotes: quote_cache::QuoteCache,
    /// Sessions and dispatchers, awaited on shutdown.
    pub tasks: TaskTracker,
    /// Cancelled on SIGTERM: sessions close with 1001, dispatchers stop.
    pub shutdown: CancellationToken,
    /// Cancelled (and replaced) when the bus comes back after a loss:
    /// every session open then closes with 1012 so its client resyncs. A
    /// child of `shutdown`, and each session's kick a child of it, so a
    /// session watches one token for all three.
    pub resync: std::sync::Mutex<CancellationToken>,
}

impl Node {
    pub fn id(&self) -> &str {
        &self.config.node_id
    }

    /// The token a session watches for [`resync_all`](Self::resync_all).
    pub fn resync_token(&self) -> CancellationToken {
        self.resync
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Closes every open session with 1012: the bus lost messages while it
    /// was away, and a client is whole again only from a fresh `hello`.
    pub fn resync_all(&self) {
        let fresh = self.shutdown.child_token();
        let old = std::mem::replace(
            &mut *self.resync.lock().unwrap_or_else(|e| e.into_inner()),
            fresh,
        );
        old.cancel();
    }

    /// A `driver.location` for every connection of `user`, on any node.
    /// When only this node listens to the user it skips the bus
    /// ([`routes`]): the PUBLISH and its push back were about a fifth of a
    /// forwarded point's cost on one node.
    pub async fn send_location(&self, user: UserId, msg: &ServerMessage) -> Result<(), BusError> {
        let payload = serde_json::to_vec(msg).map_err(|e| BusError::Unavailable(e.to_string()))?;
        let routes = self.registry.routes();
        match routes.way(user) {
            routes::Way::Local => {
                crate::metrics::location_forwarded(true);
                self.registry.deliver_local(user, payload);
                Ok(())
            }
            routes::Way::Bus { probe } => {
                crate::metrics::location_forwarded(false);
                match self.bus.publish_counted(Topic::User(user), payload).await {
                    Ok(receivers) => {
                        routes.published(user, probe, receivers);
                        Ok(())
                    }
                    Err(e) => {
                        routes.unsent(user);
                        Err(e)
                    }
                }
            }
        }
    }

    /// Publishes a batch of notifications (and signals) in order, in one
    /// bus round trip. Their loss the receivers repair from `hello` after a
    /// reconnect, so a lost batch is logged, not failed.
    pub async fn notify_all(&self, batch: Outbound) {
        if batch.0.is_empty() {
            return;
        }
        let n = batch.0.len();
        // A location must not overtake these on their way (`routes`).
        let routes = self.registry.routes();
        let users: Vec<UserId> = batch.users().collect();
        users.iter().for_each(|u| routes.sent(*u));
        if let Err(e) = self.bus.publish_many(batch.0).await {
            users.iter().for_each(|u| routes.unsent(*u));
            tracing::warn!(messages = n, "notifications not published: {e}");
        }
    }
}

/// Messages to publish together (see [`Node::notify_all`]), encoded once
/// each as they are added.
#[derive(Debug, Default)]
pub struct Outbound(Vec<(Topic, Vec<u8>)>);

impl Outbound {
    fn users(&self) -> impl Iterator<Item = UserId> + '_ {
        self.0.iter().filter_map(|(topic, _)| match topic {
            Topic::User(u) => Some(*u),
            _ => None,
        })
    }

    /// `msg` for every connection of `user`.
    pub fn to_user(&mut self, user: UserId, msg: &ServerMessage) {
        self.to_users([user], msg);
    }

    /// The same `msg` for each of `users`, encoded once.
    pub fn to_users(&mut self, users: impl IntoIterator<Item = UserId>, msg: &ServerMessage) {
        match serde_json::to_vec(msg) {
            Ok(payload) => self
                .0
                .extend(users.into_iter().map(|u| (Topic::User(u), payload.clone()))),
            Err(e) => tracing::error!(kind = msg.kind(), "message not encodable: {e}"),
        }
    }

    /// Anything serializable to a topic (a dispatcher's signal).
    pub fn push(&mut self, topic: Topic, msg: &impl serde::Serialize) {
        match serde_json::to_vec(msg) {
            Ok(payload) => self.0.push((topic, payload)),
            Err(e) => tracing::error!(?topic, "message not encodable: {e}"),
        }
    }
}
