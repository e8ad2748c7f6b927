//! Who is on this node: sessions by user and dispatchers by trip. The bus
//! delivers here ([`Inbound`]); delivery never blocks: a session whose
//! outbox is full is a slow consumer and is kicked, never waited for.

use crate::bus::Inbound;
use crate::keys::{NodeTag, Topic};
use crate::metrics as m;
use crate::node::live::Live;
use hail_protocol::{Role, ServerMessage, TripId, UserId};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::dispatcher::{Signal, SignalFor};
use super::routes::Routes;
use hail_protocol::close;

/// Tells a session to end, and with which close code: the first reason
/// given wins (a slow consumer that is also revoked closes once).
#[derive(Clone, Default)]
pub struct Kick {
    token: CancellationToken,
    why: Arc<std::sync::OnceLock<(u16, &'static str)>>,
}

impl Kick {
    /// A kick that also fires when `parent` is cancelled (the node's
    /// shutdown or resync token), so a session waits on one token for all
    /// three; [`reason`](Self::reason) is then `None`.
    pub fn under(parent: &CancellationToken) -> Self {
        Self {
            token: parent.child_token(),
            why: Arc::default(),
        }
    }

    /// Why it was kicked, when a kick (not its parent) ended it.
    pub fn reason(&self) -> Option<(u16, &'static str)> {
        self.why.get().copied()
    }

    /// Resolves once kicked or once its parent is cancelled.
    pub async fn ended(&self) {
        self.token.cancelled().await;
    }

    pub fn kick(&self, code: u16, reason: &'static str) {
        let _ = self.why.set((code, reason));
        self.token.cancel();
    }

    pub fn is_kicked(&self) -> bool {
        self.token.is_cancelled()
    }

    /// Resolves once kicked, with the close code and reason.
    pub async fn kicked(&self) -> (u16, &'static str) {
        self.token.cancelled().await;
        self.why
            .get()
            .copied()
            .unwrap_or((close::POLICY, "closed by the server"))
    }
}

/// What a session's outbox carries.
#[derive(Debug, Clone)]
pub enum Outgoing {
    /// A typed message: the session may look inside (a trip update moves a
    /// driver's state) before encoding it.
    Message(Arc<ServerMessage>),
    /// A message no session needs to look inside (a `driver.location`, an
    /// offer), exactly as its node encoded and published it: passed to the
    /// sockets as it is, with no decode and encode per forwarded GPS point
    /// or offer.
    Encoded {
        kind: &'static str,
        bytes: bytes::Bytes,
    },
}

impl From<ServerMessage> for Outgoing {
    fn from(msg: ServerMessage) -> Self {
        Self::Message(Arc::new(msg))
    }
}

/// The kinds passed through encoded, by how their encoding starts (serde
/// writes the `type` tag first). A driver's session reads `trip.updated`
/// (to know the trip it drives), so a driver gets it decoded; everyone
/// else gets the bytes.
const PASS_THROUGH: [(&str, &[u8]); 4] = [
    ("driver.location", br#"{"type":"driver.location","#),
    ("trip.offer", br#"{"type":"trip.offer","#),
    (
        "trip.offer_withdrawn",
        br#"{"type":"trip.offer_withdrawn","#,
    ),
    (TRIP_UPDATED, br#"{"type":"trip.updated","#),
];
const TRIP_UPDATED: &str = "trip.updated";

fn pass_through(payload: &[u8]) -> Option<&'static str> {
    PASS_THROUGH
        .iter()
        .find(|(_, prefix)| payload.starts_with(prefix))
        .map(|(kind, _)| *kind)
}

/// What a session gives the registry so events can reach it.
#[derive(Clone)]
pub struct SessionHandle {
    pub id: u64,
    pub role: Role,
    pub outbox: mpsc::Sender<Outgoing>,
    /// Ends the session: slow consumer, revoked account, socket cap.
    pub kick: Kick,
}

/// A message on a user's topic that is for the sessions themselves, not
/// their clients. It travels on the same channel as the user's events, so
/// it reaches every node that holds one of the user's sockets.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Control {
    /// The account was deleted (or suspended): close every socket with
    /// [`close::REVOKED`].
    Revoke,
    /// An operator closed the user's sockets ([`close::POLICY`]); the
    /// account stays usable, so clients may reconnect.
    Disconnect,
    /// A socket of the user's has just joined on some node (one Redis
    /// only): a node that sent the user's locations past the bus sends
    /// them through it again ([`Routes`]).
    Listening,
}

impl Control {
    /// `ServerMessage`s are JSON objects that start with `{"type"`; a
    /// control message is one with a single key `control`, so one prefix
    /// check tells them apart without a second parse.
    const PREFIX: &'static [u8] = b"{\"control\"";

    pub fn encode(&self) -> Vec<u8> {
        // A unit enum always serialises.
        let value = serde_json::to_value(self).unwrap_or_default();
        serde_json::to_vec(&serde_json::json!({ "control": value })).unwrap_or_default()
    }

    fn decode(payload: &[u8]) -> Option<Self> {
        #[derive(serde::Deserialize)]
        struct Wire {
            control: Control,
        }
        serde_json::from_slice::<Wire>(payload)
            .ok()
            .map(|w| w.control)
    }
}

/// A request to one node, on [`Topic::Nodes`] (every node reads it).
#[derive(Debug, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NodeControl {
    /// Drain as on SIGTERM: hand over dispatches, close sockets with 1001,
    /// stop, and leave the nodes list.
    Drain { node: String },
}

impl NodeControl {
    pub fn encode(&self) -> Vec<u8> {
        serde_json::to_vec(self).unwrap_or_default()
    }
}

/// What a drain request cancels: this node's shutdown token.
struct Drain {
    node_id: String,
    shutdown: CancellationToken,
    requested: std::sync::atomic::AtomicBool,
}

#[derive(Default)]
pub struct Registry {
    /// Set once at start: lets a [`NodeControl::Drain`] for this node stop it.
    drain: std::sync::OnceLock<Drain>,
    /// This node's live figures (connections by role, outbox drops).
    live: Arc<Live>,
    next_id: AtomicU64,
    sessions: RwLock<HashMap<UserId, Vec<SessionHandle>>>,
    dispatchers: RwLock<HashMap<TripId, mpsc::Sender<Signal>>>,
    /// Which users only this node listens to.
    routes: Routes,
}

impl Registry {
    pub fn new(live: Arc<Live>) -> Self {
        Self {
            live,
            ..Self::default()
        }
    }

    /// Who this node is and the token a drain request cancels (the same
    /// one SIGTERM cancels, so a drain runs the same path).
    pub fn set_drain(&self, node_id: String, shutdown: CancellationToken) {
        let _ = self.drain.set(Drain {
            node_id,
            shutdown,
            requested: std::sync::atomic::AtomicBool::new(false),
        });
    }

    /// Whether this node stopped because an operator drained it.
    pub fn drain_requested(&self) -> bool {
        self.drain
            .get()
            .is_some_and(|d| d.requested.load(Ordering::Relaxed))
    }

    fn control_node(&self, payload: &[u8]) {
        match serde_json::from_slice::<NodeControl>(payload) {
            Ok(NodeControl::Drain { node }) => {
                if let Some(d) = self.drain.get().filter(|d| d.node_id == node) {
                    tracing::info!("drain requested by an operator");
                    d.requested.store(true, Ordering::Relaxed);
                    d.shutdown.cancel();
                }
            }
            Err(e) => tracing::error!("undecodable node control message: {e}"),
        }
    }

    pub fn routes(&self) -> &Routes {
        &self.routes
    }

    pub fn session_id(&self) -> u64 {
        self.next_id.fetch_add(1, Ordering::Relaxed)
    }

    /// Adds a session; when the user then has more than `cap` on this node
    /// (0: no cap), the oldest are closed with [`close::REPLACED`], so the
    /// newest tab or device always works.
    pub fn add_session(&self, user: UserId, handle: SessionHandle, cap: usize) {
        self.live.connection_opened(handle.role);
        m::connection_opened(handle.role);
        let mut map = self.sessions.write().unwrap_or_else(|e| e.into_inner());
        let list = map.entry(user).or_default();
        list.push(handle);
        if cap > 0 {
            // Ids grow, so the smallest live ids are the oldest sessions;
            // already-kicked ones are on their way out and do not count.
            let mut live: Vec<&SessionHandle> =
                list.iter().filter(|h| !h.kick.is_kicked()).collect();
            if live.len() > cap {
                live.sort_by_key(|h| h.id);
                let excess = live.len() - cap;
                for old in &live[..excess] {
                    m::socket_replaced();
                    old.kick
                        .kick(close::REPLACED, "too many connections for this user");
                }
            }
        }
    }

    /// Ends every local session of `user` with `code`.
    pub fn kick_user(&self, user: UserId, code: u16, reason: &'static str) {
        let map = self.sessions.read().unwrap_or_else(|e| e.into_inner());
        for handle in map.get(&user).into_iter().flatten() {
            handle.kick.kick(code, reason);
        }
    }

    pub fn remove_session(&self, user: UserId, id: u64) {
        let mut map = self.sessions.write().unwrap_or_else(|e| e.into_inner());
        if let Some(list) = map.get_mut(&user) {
            if let Some(pos) = list.iter().position(|h| h.id == id) {
                self.live.connection_closed(list[pos].role);
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

    /// The trips whose dispatcher runs on this node.
    pub fn dispatcher_trips(&self) -> Vec<TripId> {
        self.dispatchers
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .keys()
            .copied()
            .collect()
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
            Topic::Dispatch(tag) => self
                .drain
                .get()
                .is_some_and(|d| NodeTag::of(&d.node_id) == tag),
            Topic::Nodes => true,
        }
    }

    /// Queues `msg` on every local session of `user`.
    pub fn deliver_to_user(&self, user: UserId, msg: Outgoing) {
        let map = self.sessions.read().unwrap_or_else(|e| e.into_inner());
        let Some(list) = map.get(&user) else { return };
        for handle in list {
            self.offer(handle, msg.clone());
        }
    }

    /// Queues `msg` on one session without waiting: a full outbox kicks it.
    fn offer(&self, handle: &SessionHandle, msg: Outgoing) {
        match handle.outbox.try_send(msg) {
            Ok(()) => {}
            Err(mpsc::error::TrySendError::Full(_)) => {
                self.live.outbox_drop();
                m::outbox_overflow();
                handle.kick.kick(close::SLOW_CONSUMER, "slow consumer");
            }
            Err(mpsc::error::TrySendError::Closed(_)) => {}
        }
    }

    /// A user's event encoded as the bus carries it, handed over without
    /// the bus (see [`Routes`]).
    pub fn deliver_local(&self, user: UserId, payload: Vec<u8>) {
        self.deliver_event(user, bytes::Bytes::from(payload));
    }

    /// A user's event from the bus: each local session gets the published
    /// bytes, or the message decoded (once) when it must look inside.
    fn deliver_event(&self, user: UserId, payload: bytes::Bytes) {
        let map = self.sessions.read().unwrap_or_else(|e| e.into_inner());
        let Some(list) = map.get(&user) else { return };
        let kind = pass_through(&payload);
        let encoded = kind.map(|kind| Outgoing::Encoded {
            kind,
            bytes: payload.clone(),
        });
        let mut typed: Option<Outgoing> = None;
        for handle in list {
            let out = match (&encoded, kind) {
                (Some(e), Some(k)) if k != TRIP_UPDATED || handle.role != Role::Driver => e.clone(),
                _ => match &typed {
                    Some(t) => t.clone(),
                    None => match serde_json::from_slice::<ServerMessage>(&payload) {
                        Ok(msg) => typed.insert(msg.into()).clone(),
                        Err(e) => return tracing::error!(%user, "undecodable bus message: {e}"),
                    },
                },
            };
            self.offer(handle, out);
        }
    }

    /// Hands `signal` to the trip's dispatcher when it runs on this node;
    /// gives it back when it does not.
    pub fn signal_dispatcher(&self, trip: TripId, signal: Signal) -> Result<(), Signal> {
        let map = self.dispatchers.read().unwrap_or_else(|e| e.into_inner());
        let Some(tx) = map.get(&trip) else {
            return Err(signal);
        };
        // A dispatcher handles signals at once; a full queue means a
        // storm, and it re-reads the trip at its next deadline anyway.
        if tx.try_send(signal).is_err() {
            tracing::warn!(%trip, "dispatcher signal queue full");
        }
        Ok(())
    }
}

impl Inbound for Registry {
    fn connection_lost(&self) {
        self.routes.suspend();
    }

    fn deliver(&self, topic: Topic, payload: &[u8]) {
        match topic {
            Topic::User(user) if payload.starts_with(Control::PREFIX) => {
                match Control::decode(payload) {
                    Some(Control::Revoke) => {
                        self.kick_user(user, close::REVOKED, "account revoked")
                    }
                    Some(Control::Disconnect) => {
                        self.kick_user(user, close::POLICY, "disconnected by an operator")
                    }
                    Some(Control::Listening) => self.routes.announced(user),
                    None => tracing::error!(%user, "undecodable control message"),
                }
            }
            Topic::User(user) => {
                self.routes.delivered(user);
                self.deliver_event(user, bytes::Bytes::copy_from_slice(payload));
            }
            Topic::Dispatch(_) => match serde_json::from_slice::<SignalFor>(payload) {
                Ok(SignalFor { trip, signal }) => {
                    // Not here (ended, or another node took it over): dropped.
                    let _ = self.signal_dispatcher(trip, signal);
                }
                Err(e) => tracing::error!("undecodable dispatch signal: {e}"),
            },
            Topic::Nodes => self.control_node(payload),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_drain_request_stops_the_named_node_only() {
        let reg = Registry::default();
        let token = CancellationToken::new();
        reg.set_drain("node-a".into(), token.clone());
        let other = NodeControl::Drain {
            node: "node-b".into(),
        };
        reg.deliver(Topic::Nodes, &other.encode());
        assert!(!token.is_cancelled() && !reg.drain_requested());
        let mine = NodeControl::Drain {
            node: "node-a".into(),
        };
        reg.deliver(Topic::Nodes, &mine.encode());
        assert!(token.is_cancelled() && reg.drain_requested());
    }

    fn handle(reg: &Registry, cap: usize) -> (SessionHandle, mpsc::Receiver<Outgoing>) {
        let (tx, rx) = mpsc::channel(cap);
        let h = SessionHandle {
            id: reg.session_id(),
            role: Role::Rider,
            outbox: tx,
            kick: Kick::default(),
        };
        (h, rx)
    }

    fn msg() -> Outgoing {
        ServerMessage::OfferWithdrawn {
            trip_id: TripId::new(),
            reason: hail_protocol::WithdrawReason::Taken,
        }
        .into()
    }

    /// A location published by any node reaches the rider's sockets as the
    /// bytes it was published as; everything else arrives typed.
    #[test]
    fn locations_pass_through_as_published_and_the_rest_is_decoded() {
        let reg = Registry::default();
        let user = UserId::new();
        let (a, mut ra) = handle(&reg, 4);
        reg.add_session(user, a, 0);
        let location = ServerMessage::DriverLocation {
            trip_id: TripId::new(),
            lat: 52.5,
            lng: 13.4,
            heading: Some(90.0),
            at: chrono::Utc::now(),
            eta_s: Some(60),
            eta_to: None,
        };
        let withdrawn = ServerMessage::OfferWithdrawn {
            trip_id: TripId::new(),
            reason: hail_protocol::WithdrawReason::Taken,
        };
        for msg in [location, withdrawn] {
            let encoded = serde_json::to_vec(&msg).expect("json");
            reg.deliver(Topic::User(user), &encoded);
            match ra.try_recv().expect("delivered") {
                Outgoing::Encoded { kind, bytes } => {
                    assert_eq!(kind, msg.kind(), "the tag comes first");
                    assert_eq!(&bytes[..], &encoded[..]);
                    let back: ServerMessage = serde_json::from_slice(&bytes).expect("json");
                    assert_eq!(back, msg);
                }
                other => panic!("expected the published bytes, got {other:?}"),
            }
        }
        // A trip update arrives typed: a driver's session reads it.
        let at = hail_protocol::Position::new(1.0, 1.0).expect("valid");
        let place = hail_protocol::Place::new(at, None).expect("valid");
        let trip = hail_protocol::Trip {
            id: TripId::new(),
            status: hail_protocol::TripStatus::Accepted,
            rider: hail_protocol::TripUser::named(UserId::new(), "r"),
            driver: Some(hail_protocol::TripUser::named(UserId::new(), "d")),
            pickup: place.clone(),
            dropoff: place,
            requested_at: chrono::Utc::now(),
            accepted_at: Some(chrono::Utc::now()),
            arrived_at: None,
            started_at: None,
            completed_at: None,
            cancelled_at: None,
            cancelled_by: None,
            expired_at: None,
            seq: 2,
            class: None,
            quote_id: None,
            estimate: None,
            fare: None,
            cancel_reason: None,
            cancel_fee: None,
        };
        let updated = serde_json::to_vec(&ServerMessage::TripUpdated { trip }).expect("json");
        // A rider's session gets the update as published ...
        reg.deliver(Topic::User(user), &updated);
        assert!(
            matches!(ra.try_recv(), Ok(Outgoing::Encoded { kind: "trip.updated", bytes }) if bytes[..] == updated[..])
        );
        // ... a driver's decoded: its session reads it.
        let driver = UserId::new();
        let (mut d, mut rd) = handle(&reg, 4);
        d.role = Role::Driver;
        reg.add_session(driver, d, 0);
        reg.deliver(Topic::User(driver), &updated);
        assert!(
            matches!(rd.try_recv(), Ok(Outgoing::Message(m)) if matches!(*m, ServerMessage::TripUpdated { .. }))
        );
        // Anything else not passed through arrives decoded.
        let error = ServerMessage::Error {
            reference: None,
            code: hail_protocol::ErrorCode::Invalid,
            message: "x".into(),
        };
        reg.deliver(
            Topic::User(user),
            &serde_json::to_vec(&error).expect("json"),
        );
        assert!(matches!(ra.try_recv(), Ok(Outgoing::Message(_))));
    }

    #[test]
    fn delivers_to_every_session_of_a_user() {
        let reg = Registry::default();
        let user = UserId::new();
        let (a, mut ra) = handle(&reg, 4);
        let (b, mut rb) = handle(&reg, 4);
        reg.add_session(user, a, 0);
        reg.add_session(user, b.clone(), 0);
        assert!(reg.listens(Topic::User(user)));
        reg.deliver_to_user(user, msg());
        assert!(ra.try_recv().is_ok());
        assert!(rb.try_recv().is_ok());
        reg.remove_session(user, b.id);
        assert!(reg.listens(Topic::User(user)));
    }

    #[tokio::test]
    async fn a_full_outbox_kicks_the_slow_session_only() {
        let reg = Registry::default();
        let (slow_user, fast_user) = (UserId::new(), UserId::new());
        let (slow, _keep) = handle(&reg, 1);
        let (fast, mut rf) = handle(&reg, 8);
        reg.add_session(slow_user, slow.clone(), 0);
        reg.add_session(fast_user, fast.clone(), 0);
        reg.deliver_to_user(slow_user, msg());
        assert!(!slow.kick.is_kicked());
        reg.deliver_to_user(slow_user, msg());
        assert!(slow.kick.is_kicked(), "overflow kicks");
        assert_eq!(slow.kick.kicked().await.0, close::SLOW_CONSUMER);
        reg.deliver_to_user(fast_user, msg());
        assert!(rf.try_recv().is_ok());
        assert!(!fast.kick.is_kicked());
    }

    #[tokio::test]
    async fn the_oldest_sessions_past_the_cap_are_replaced() {
        let reg = Registry::default();
        let user = UserId::new();
        let handles: Vec<_> = (0..4).map(|_| handle(&reg, 4).0).collect();
        for h in &handles {
            reg.add_session(user, h.clone(), 2);
        }
        assert!(handles[0].kick.is_kicked() && handles[1].kick.is_kicked());
        assert!(!handles[2].kick.is_kicked() && !handles[3].kick.is_kicked());
        assert_eq!(
            handles[0].kick.kicked().await,
            (close::REPLACED, "too many connections for this user")
        );
    }

    #[tokio::test]
    async fn a_revoke_on_the_bus_closes_every_session_of_the_user() {
        let reg = Registry::default();
        let (user, other) = (UserId::new(), UserId::new());
        let (a, _ra) = handle(&reg, 4);
        let (b, _rb) = handle(&reg, 4);
        let (c, _rc) = handle(&reg, 4);
        reg.add_session(user, a.clone(), 0);
        reg.add_session(user, b.clone(), 0);
        reg.add_session(other, c.clone(), 0);
        reg.deliver(Topic::User(user), &Control::Revoke.encode());
        assert_eq!(a.kick.kicked().await.0, close::REVOKED);
        assert_eq!(b.kick.kicked().await.0, close::REVOKED);
        assert!(!c.kick.is_kicked());
    }
}
