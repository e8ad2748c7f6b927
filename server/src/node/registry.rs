//! Who is on this node: sessions by user and dispatchers by trip. The bus
//! delivers here ([`Inbound`]); delivery never blocks: a session whose
//! outbox is full is a slow consumer and is kicked, never waited for.

use crate::bus::Inbound;
use crate::keys::Topic;
use crate::metrics as m;
use hail_protocol::{Role, ServerMessage, TripId, UserId};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::dispatcher::Signal;

/// What a session gives the registry so events can reach it.
#[derive(Clone)]
pub struct SessionHandle {
    pub id: u64,
    pub role: Role,
    pub outbox: mpsc::Sender<Arc<ServerMessage>>,
    /// Cancelled when the session must go (slow consumer).
    pub kick: CancellationToken,
}

#[derive(Default)]
pub struct Registry {
    next_id: AtomicU64,
    sessions: RwLock<HashMap<UserId, Vec<SessionHandle>>>,
    dispatchers: RwLock<HashMap<TripId, mpsc::Sender<Signal>>>,
}

impl Registry {
    pub fn session_id(&self) -> u64 {
        self.next_id.fetch_add(1, Ordering::Relaxed)
    }

    pub fn add_session(&self, user: UserId, handle: SessionHandle) {
        m::connection_opened(handle.role);
        let mut map = self.sessions.write().unwrap_or_else(|e| e.into_inner());
        map.entry(user).or_default().push(handle);
    }

    pub fn remove_session(&self, user: UserId, id: u64) {
        let mut map = self.sessions.write().unwrap_or_else(|e| e.into_inner());
        if let Some(list) = map.get_mut(&user) {
            if let Some(pos) = list.iter().position(|h| h.id == id) {
                m::connection_closed(list[pos].role);
                list.swap_remove(pos);
            }
            if list.is_empty() {
                map.remove(&user);
            }
        }
    }

    pub fn add_dispatcher(&self, trip: TripId, tx: mpsc::Sender<Signal>) {
        let mut map = self.dispatchers.write().unwrap_or_else(|e| e.into_inner());
        map.insert(trip, tx);
    }

    pub fn has_dispatcher(&self, trip: TripId) -> bool {
        self.dispatchers
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .contains_key(&trip)
    }

    /// Dispatchers running on this node (the monitor's backlog).
    pub fn dispatcher_count(&self) -> usize {
        self.dispatchers
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .len()
    }

    pub fn remove_dispatcher(&self, trip: TripId) {
        let mut map = self.dispatchers.write().unwrap_or_else(|e| e.into_inner());
        map.remove(&trip);
    }

    /// Whether anyone on this node listens to `topic`.
    pub fn listens(&self, topic: Topic) -> bool {
        match topic {
            Topic::User(u) => self
                .sessions
                .read()
                .unwrap_or_else(|e| e.into_inner())
                .contains_key(&u),
            Topic::Trip(t) => self
                .dispatchers
                .read()
                .unwrap_or_else(|e| e.into_inner())
                .contains_key(&t),
        }
    }

    /// Queues `msg` on every local session of `user`.
    pub fn deliver_to_user(&self, user: UserId, msg: Arc<ServerMessage>) {
        let map = self.sessions.read().unwrap_or_else(|e| e.into_inner());
        let Some(list) = map.get(&user) else { return };
        for handle in list {
            match handle.outbox.try_send(msg.clone()) {
                Ok(()) => {}
                Err(mpsc::error::TrySendError::Full(_)) => {
                    m::outbox_overflow();
                    handle.kick.cancel();
                }
                Err(mpsc::error::TrySendError::Closed(_)) => {}
            }
        }
    }

    fn deliver_to_dispatcher(&self, trip: TripId, signal: Signal) {
        let map = self.dispatchers.read().unwrap_or_else(|e| e.into_inner());
        if let Some(tx) = map.get(&trip) {
            // A dispatcher handles signals at once; a full queue means a
            // storm, and it re-reads the trip at its next deadline anyway.
            if tx.try_send(signal).is_err() {
                tracing::warn!(%trip, "dispatcher signal queue full");
            }
        }
    }
}

impl Inbound for Registry {
    fn deliver(&self, topic: Topic, payload: &[u8]) {
        match topic {
            Topic::User(user) => match serde_json::from_slice::<ServerMessage>(payload) {
                Ok(msg) => self.deliver_to_user(user, Arc::new(msg)),
                Err(e) => tracing::error!(%user, "undecodable bus message: {e}"),
            },
            Topic::Trip(trip) => match serde_json::from_slice::<Signal>(payload) {
                Ok(signal) => self.deliver_to_dispatcher(trip, signal),
                Err(e) => tracing::error!(%trip, "undecodable dispatch signal: {e}"),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn handle(reg: &Registry, cap: usize) -> (SessionHandle, mpsc::Receiver<Arc<ServerMessage>>) {
        let (tx, rx) = mpsc::channel(cap);
        let h = SessionHandle {
            id: reg.session_id(),
            role: Role::Rider,
            outbox: tx,
            kick: CancellationToken::new(),
        };
        (h, rx)
    }

    fn msg() -> Arc<ServerMessage> {
        Arc::new(ServerMessage::OfferWithdrawn {
            trip_id: TripId::new(),
            reason: hail_protocol::WithdrawReason::Taken,
        })
    }

    #[test]
    fn delivers_to_every_session_of_a_user() {
        let reg = Registry::default();
        let user = UserId::new();
        let (a, mut ra) = handle(&reg, 4);
        let (b, mut rb) = handle(&reg, 4);
        reg.add_session(user, a);
        reg.add_session(user, b.clone());
        assert!(reg.listens(Topic::User(user)));
        reg.deliver_to_user(user, msg());
        assert!(ra.try_recv().is_ok());
        assert!(rb.try_recv().is_ok());
        reg.remove_session(user, b.id);
        assert!(reg.listens(Topic::User(user)));
    }

    #[test]
    fn a_full_outbox_kicks_the_slow_session_only() {
        let reg = Registry::default();
        let (slow_user, fast_user) = (UserId::new(), UserId::new());
        let (slow, _keep) = handle(&reg, 1);
        let (fast, mut rf) = handle(&reg, 8);
        reg.add_session(slow_user, slow.clone());
        reg.add_session(fast_user, fast.clone());
        reg.deliver_to_user(slow_user, msg());
        assert!(!slow.kick.is_cancelled());
        reg.deliver_to_user(slow_user, msg());
        assert!(slow.kick.is_cancelled(), "overflow kicks");
        reg.deliver_to_user(fast_user, msg());
        assert!(rf.try_recv().is_ok());
        assert!(!fast.kick.is_cancelled());
    }
}
