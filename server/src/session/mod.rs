//! One connection, one task: a `select!` over the socket, the outbox, the
//! heartbeat, a slow-consumer kick and shutdown. Generic over the socket so
//! the loop does not depend on axum's types beyond `Message`.

mod commands;
mod driver;

use crate::keys::Topic;
use crate::metrics as m;
use crate::node::registry::SessionHandle;
use crate::node::{Actor, CommandError, Node};
use crate::ws::codec;
use axum::extract::ws::{CloseFrame, Message};
use driver::DriverState;
use futures_util::{Sink, SinkExt, Stream, StreamExt};
use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use hail_protocol::{ErrorCode, Role, ServerMessage, User};
use std::num::NonZeroU32;
use std::sync::Arc;
use tokio::sync::mpsc;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

/// Close codes. 1001: server going away (reconnect elsewhere); 1008: the
/// user no longer exists; 1009: a frame over the size limit; 1011: a
/// backend failed while opening; 1012: the node lost its bus and is back,
/// events may have been missed (reconnect: `hello` makes you whole); 4008:
/// slow consumer (reconnect).
pub mod close {
    pub const GOING_AWAY: u16 = 1001;
    pub const POLICY: u16 = 1008;
    pub const TOO_BIG: u16 = 1009;
    pub const INTERNAL: u16 = 1011;
    pub const RESYNC: u16 = 1012;
    pub const SLOW_CONSUMER: u16 = 4008;
}

/// Why the loop ended.
enum End {
    Close(u16, &'static str),
    Gone,
}

pub struct Session<S> {
    node: Arc<Node>,
    socket: S,
    user: User,
    actor: Actor,
    limiter: DefaultDirectRateLimiter,
    /// Only for drivers: duty, last position, current trip.
    driver: DriverState,
    /// A write failed or timed out: the socket is done.
    broken: bool,
    /// This session's own queue, for answers that come later (a location
    /// is answered once its point is persisted).
    outbox: mpsc::Sender<Arc<ServerMessage>>,
}

/// Runs a session for an authenticated user until it ends.
pub async fn run<S, E>(node: Arc<Node>, actor: Actor, socket: S)
where
    S: Stream<Item = Result<Message, E>> + Sink<Message> + Unpin,
    E: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let mut socket = socket;
    let user = match node.store.user_by_id(actor.id).await {
        Ok(Some(user)) => user,
        Ok(None) => return close_now(&mut socket, close::POLICY, "unknown user").await,
        Err(e) => {
            tracing::warn!("session not opened: {e}");
            return close_now(&mut socket, close::INTERNAL, "unavailable").await;
        }
    };
    let ws = &node.config.ws;
    let quota = Quota::per_second(NonZeroU32::new(ws.rate_per_sec).unwrap_or(NonZeroU32::MIN))
        .allow_burst(NonZeroU32::new(ws.burst).unwrap_or(NonZeroU32::MIN));
    let (tx, rx) = mpsc::channel(ws.outbox);
    let kick = CancellationToken::new();
    let handle = SessionHandle {
        id: node.registry.session_id(),
        role: actor.role,
        outbox: tx.clone(),
        kick: kick.clone(),
    };
    let session_id = handle.id;
    node.registry.add_session(actor.id, handle);
    let mut session = Session {
        node: node.clone(),
        socket,
        user,
        actor,
        limiter: RateLimiter::direct(quota),
        driver: DriverState::default(),
        broken: false,
        outbox: tx,
    };
    let end = session.open_and_serve(rx, kick).await;
    if let End::Close(code, reason) = end {
        let _ = session.close(code, reason).await;
    }
    session.leave().await;
    node.registry.remove_session(actor.id, session_id);
    node.subs.sync_later(Topic::User(actor.id));
}

async fn close_now<S: Sink<Message> + Unpin>(socket: &mut S, code: u16, reason: &'static str) {
    let frame = CloseFrame {
        code,
        reason: reason.into(),
    };
    // Best effort: a peer that does not read gets no close frame.
    let close = socket.send(Message::Close(Some(frame)));
    let _ = tokio::time::timeout(std::time::Duration::from_secs(2), close).await;
}

impl<S, E> Session<S>
where
    S: Stream<Item = Result<Message, E>> + Sink<Message> + Unpin,
    E: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    async fn open_and_serve(
        &mut self,
        rx: mpsc::Receiver<Arc<ServerMessage>>,
        kick: CancellationToken,
    ) -> End {
        // Subscribe before reading the active trip, so no event published
        // between the read and the subscription can be missed.
        if let Err(e) = self.node.subs.sync(Topic::User(self.actor.id)).await {
            tracing::warn!("session not subscribed: {e}");
            self.send_error(
                None,
                ErrorCode::Unavailable,
                "the message bus is unavailable",
            )
            .await;
            return End::Close(close::INTERNAL, "unavailable");
        }
        let trip = match self.node.store.active_trip(self.actor.id).await {
            Ok(trip) => trip,
            Err(e) => {
                tracing::warn!("active trip not loaded: {e}");
                self.send_error(None, ErrorCode::Unavailable, "the store is unavailable")
                    .await;
                return End::Close(close::INTERNAL, "unavailable");
            }
        };
        if let Some(trip) = &trip {
            self.driver.observe(self.actor.id, trip);
        }
        let hello = ServerMessage::Hello {
            user: self.user.clone(),
            trip,
            server_time: chrono::Utc::now(),
        };
        if self.write(&hello).await.is_err() {
            return End::Gone;
        }
        self.serve(rx, kick).await
    }

    async fn serve(
        &mut self,
        mut rx: mpsc::Receiver<Arc<ServerMessage>>,
        kick: CancellationToken,
    ) -> End {
        let cfg = self.node.config.ws.clone();
        let shutdown = self.node.shutdown.clone();
        let resync = self.node.resync_token();
        let mut heartbeat =
            tokio::time::interval_at(Instant::now() + cfg.ping_interval, cfg.ping_interval);
        let mut last_heard = Instant::now();
        // Armed once, not per message: re-creating them on every loop turn
        // showed up in the profile (docs/benchmarks.md).
        let shutting_down = shutdown.cancelled();
        let kicked = kick.cancelled();
        let resynced = resync.cancelled();
        tokio::pin!(shutting_down, kicked, resynced);
        loop {
            if self.broken {
                return End::Gone;
            }
            tokio::select! {
                _ = &mut shutting_down => return End::Close(close::GOING_AWAY, "server shutting down"),
                _ = &mut kicked => return End::Close(close::SLOW_CONSUMER, "slow consumer"),
                _ = &mut resynced => return End::Close(close::RESYNC, "events may have been missed: reconnect"),
                Some(msg) = rx.recv() => {
                    self.on_event(&msg).await;
                    if self.write(&msg).await.is_err() {
                        return End::Gone;
                    }
                }
                _ = heartbeat.tick() => {
                    if last_heard.elapsed() > cfg.ping_interval + cfg.pong_timeout {
                        tracing::debug!(user = %self.actor.id, "no pong: closing dead socket");
                        return End::Gone;
                    }
                    let ping = self.socket.send(Message::Ping(Default::default()));
                    if !matches!(tokio::time::timeout(cfg.write_timeout, ping).await, Ok(Ok(()))) {
                        return End::Gone;
                    }
                }
                frame = self.socket.next() => {
                    last_heard = Instant::now();
                    match frame {
                        Some(Ok(Message::Text(text))) if text.len() > cfg.max_message => {
                            let reference = codec::reference_of(text.as_str());
                            self.send_error(reference, ErrorCode::TooLarge, &too_large(cfg.max_message)).await;
                        }
                        Some(Ok(Message::Text(text))) => self.on_text(text.as_str()).await,
                        Some(Ok(Message::Binary(_))) => {
                            self.send_error(None, ErrorCode::Invalid, "binary frames are not supported; send JSON text").await;
                        }
                        Some(Ok(Message::Ping(_) | Message::Pong(_))) => {}
                        Some(Ok(Message::Close(_))) | None => return End::Gone,
                        Some(Err(e)) => return self.on_read_error(e).await,
                    }
                }
            }
        }
    }

    async fn on_read_error(&mut self, e: E) -> End {
        let e: Box<dyn std::error::Error + Send + Sync> = e.into();
        let too_big = e
            .downcast_ref::<tungstenite::Error>()
            .or_else(|| {
                e.source()
                    .and_then(|s| s.downcast_ref::<tungstenite::Error>())
            })
            .is_some_and(|e| matches!(e, tungstenite::Error::Capacity(_)));
        if too_big {
            let limit = self.node.config.ws.max_message;
            self.send_error(
                None,
                ErrorCode::TooLarge,
                &format!("messages are limited to {limit} bytes"),
            )
            .await;
            return End::Close(close::TOO_BIG, "message too large");
        }
        tracing::debug!(user = %self.actor.id, "socket error: {e}");
        End::Gone
    }

    async fn on_text(&mut self, text: &str) {
        if self.limiter.check().is_err() {
            let reference = codec::reference_of(text);
            return self
                .send_error(
                    reference,
                    ErrorCode::RateLimited,
                    "too many messages; slow down",
                )
                .await;
        }
        match codec::parse(text, self.actor.role) {
            Err(rejected) => {
                self.send_error(rejected.reference, rejected.code, &rejected.message)
                    .await;
            }
            Ok(parsed) => {
                m::message_in(parsed.message.kind().as_str());
                // Boxed: the command futures are large, and inline they would
                // make every idle connection's task as big as the largest.
                let mut reference = parsed.reference;
                let result = Box::pin(self.execute(parsed.message, &mut reference)).await;
                match (result, reference) {
                    (Ok(trip), Some(reference)) => {
                        let _ = self.write(&ServerMessage::Ok { reference, trip }).await;
                    }
                    (Ok(_), None) => {}
                    (Err(e), reference) => {
                        let (code, message) = wire_error(&e);
                        self.send_error(reference, code, &message).await;
                    }
                }
            }
        }
    }

    async fn send_error(&mut self, reference: Option<String>, code: ErrorCode, message: &str) {
        m::error_sent(code.as_str());
        let _ = self
            .write(&ServerMessage::Error {
                reference,
                code,
                message: message.to_string(),
            })
            .await;
    }

    async fn write(&mut self, msg: &ServerMessage) -> Result<(), ()> {
        let text =
            serde_json::to_string(msg).map_err(|e| tracing::error!("unserialisable frame: {e}"))?;
        m::message_out(msg.kind());
        let limit = self.node.config.ws.write_timeout;
        let result =
            tokio::time::timeout(limit, self.socket.send(Message::Text(text.into()))).await;
        self.broken = !matches!(result, Ok(Ok(())));
        match result {
            Ok(Ok(())) => Ok(()),
            Ok(Err(_)) => Err(()),
            Err(_) => {
                // The peer stopped reading: end the session rather than stall.
                m::outbox_overflow();
                tracing::debug!(user = %self.actor.id, "write timed out: slow consumer");
                Err(())
            }
        }
    }

    async fn close(&mut self, code: u16, reason: &'static str) -> Result<(), ()> {
        close_now(&mut self.socket, code, reason).await;
        Ok(())
    }

    /// The user is a driver: whatever it was doing, it is not available
    /// while disconnected.
    async fn leave(&mut self) {
        if self.actor.role == Role::Driver {
            if let Err(e) = self.node.geo.remove(self.actor.id).await {
                tracing::warn!(driver = %self.actor.id, "driver left but stays indexed until stale: {e}");
            }
        }
    }
}

fn too_large(limit: usize) -> String {
    format!("messages are limited to {limit} bytes")
}

/// The one place command errors become wire codes. Internals are logged,
/// never sent.
fn wire_error(e: &CommandError) -> (ErrorCode, String) {
    use crate::domain::trip::Refusal;
    match e {
        CommandError::Refused(Refusal::NotFound) => (ErrorCode::NotFound, e.to_string()),
        CommandError::Refused(Refusal::Forbidden(_)) => (ErrorCode::Forbidden, e.to_string()),
        CommandError::Refused(Refusal::Conflict(_)) | CommandError::Conflict(_) => {
            (ErrorCode::Conflict, e.to_string())
        }
        CommandError::Refused(Refusal::TripTaken) => (ErrorCode::TripTaken, e.to_string()),
        CommandError::Unavailable(why) => {
            tracing::warn!("command failed, backend unavailable: {why}");
            (ErrorCode::Unavailable, e.to_string())
        }
        CommandError::Internal(why) => {
            tracing::error!("command failed: {why}");
            (ErrorCode::Internal, "internal error".into())
        }
    }
}
