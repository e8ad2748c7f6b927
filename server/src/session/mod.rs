//! One connection, one task: a `select!` over the socket, the outbox, the
//! heartbeat, a slow-consumer kick and shutdown. Generic over the socket so
//! the loop does not depend on axum's types beyond `Message`.

mod clock;
pub mod codec;
mod commands;
mod driver;
#[cfg(test)]
mod tests;

use crate::keys::Topic;
use crate::metrics as m;
use crate::node::registry::{Kick, Outgoing, SessionHandle};
use crate::node::{Actor, CommandError, Node};

use axum::extract::ws::{CloseFrame, Message, Utf8Bytes};
use driver::DriverState;
use futures_util::{Sink, SinkExt, Stream, StreamExt};
use governor::{Quota, RateLimiter};
use hail_protocol::{ErrorCode, Role, ServerMessage, User};
use std::num::NonZeroU32;
use std::sync::Arc;
use tokio::sync::mpsc;
use tokio::time::Instant;

pub use hail_protocol::close;

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
    limiter: clock::Limiter,
    /// Only for drivers: duty, last position, current trip.
    driver: DriverState,
    /// A write failed or timed out: the socket is done.
    broken: bool,
    /// This session's own queue, for answers that come later (a location
    /// is answered once its point is persisted).
    outbox: mpsc::Sender<Outgoing>,
    /// Frames in a row refused by the limiter that were not text (text
    /// is answered `rate_limited`; binary, ping and pong floods are not
    /// answered, and a socket that keeps flooding is closed).
    refused_in_a_row: u32,
    /// When the access token the socket opened with expires.
    token_expires: Instant,
}

/// Runs a session for an authenticated user until it ends; the socket is
/// closed with 4001 when the access token it opened with (`exp`, unix
/// seconds) expires.
pub async fn run<S, E>(node: Arc<Node>, actor: Actor, exp: u64, socket: S)
where
    S: Stream<Item = Result<Message, E>> + Sink<Message> + Unpin,
    E: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let mut socket = socket;
    let user = match node.store.user_by_id(actor.id).await {
        Ok(Some(user)) => user,
        Ok(None) => {
            return close_now(&mut socket, close::REVOKED, "unknown or deleted account").await
        }
        Err(e) => {
            tracing::warn!("session not opened: {e}");
            return close_now(&mut socket, close::INTERNAL, "unavailable").await;
        }
    };
    let ws = &node.config.ws;
    let quota = Quota::per_second(NonZeroU32::new(ws.rate_per_sec).unwrap_or(NonZeroU32::MIN))
        .allow_burst(NonZeroU32::new(ws.burst).unwrap_or(NonZeroU32::MIN));
    let (tx, rx) = mpsc::channel(ws.outbox);
    let kick = Kick::under(&node.resync_token());
    let handle = SessionHandle {
        id: node.registry.session_id(),
        role: actor.role,
        outbox: tx.clone(),
        kick: kick.clone(),
    };
    let session_id = handle.id;
    node.registry
        .add_session(actor.id, handle, ws.max_sockets_per_user);
    let now_secs = u64::try_from(chrono::Utc::now().timestamp()).unwrap_or(0);
    let token_expires =
        Instant::now() + std::time::Duration::from_secs(exp.saturating_sub(now_secs));
    let mut session = Session {
        node: node.clone(),
        socket,
        user,
        actor,
        limiter: RateLimiter::direct_with_clock(quota, clock::TokioClock::default()),
        driver: DriverState::default(),
        broken: false,
        outbox: tx,
        refused_in_a_row: 0,
        token_expires,
    };
    let end = session.open_and_serve(rx, kick).await;
    if let End::Close(code, reason) = end {
        m::session_closed(code);
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
    async fn open_and_serve(&mut self, rx: mpsc::Receiver<Outgoing>, kick: Kick) -> End {
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

    async fn serve(&mut self, mut rx: mpsc::Receiver<Outgoing>, kick: Kick) -> End {
        let cfg = self.node.config.ws.clone();
        let mut last_heard = Instant::now();
        // Four branches, armed once: the kick is a child of the node's
        // resync token, itself a child of its shutdown token, and one timer
        // serves the heartbeat and the token's expiry. Every wake-up of the
        // task polls every branch, twice per forwarded GPS point (the
        // driver's session and the rider's), so each one showed in the
        // profile (docs/benchmarks.md).
        let ended = kick.ended();
        let mut next_ping = Instant::now() + cfg.ping_interval;
        let timer = tokio::time::sleep_until(next_ping.min(self.token_expires));
        tokio::pin!(ended, timer);
        loop {
            if self.broken {
                return End::Gone;
            }
            tokio::select! {
                () = &mut ended => {
                    let (code, reason) = kick.reason().unwrap_or_else(|| {
                        if self.node.shutdown.is_cancelled() {
                            (close::GOING_AWAY, "server shutting down")
                        } else {
                            (close::RESYNC, "events may have been missed: reconnect")
                        }
                    });
                    return End::Close(code, reason);
                }
                () = &mut timer => {
                    let now = Instant::now();
                    if now >= self.token_expires {
                        return End::Close(close::TOKEN_EXPIRED, "access token expired: refresh and reconnect");
                    }
                    if now >= next_ping {
                        if last_heard.elapsed() > cfg.ping_interval + cfg.pong_timeout {
                            tracing::debug!(user = %self.actor.id, "no pong: closing dead socket");
                            return End::Gone;
                        }
                        let ping = self.socket.send(Message::Ping(Default::default()));
                        if !matches!(tokio::time::timeout(cfg.write_timeout, ping).await, Ok(Ok(()))) {
                            return End::Gone;
                        }
                        next_ping = now + cfg.ping_interval;
                    }
                    timer.as_mut().reset(next_ping.min(self.token_expires));
                }
                Some(out) = rx.recv() => {
                    let written = match out {
                        Outgoing::Message(msg) => {
                            self.on_event(&msg).await;
                            self.write(&msg).await
                        }
                        Outgoing::Encoded { kind, bytes } => match Utf8Bytes::try_from(bytes) {
                            Ok(text) => self.write_text(kind, text).await,
                            Err(_) => {
                                tracing::error!(kind, "a message on the bus is not UTF-8");
                                Ok(())
                            }
                        },
                    };
                    if written.is_err() {
                        return End::Gone;
                    }
                }
                frame = self.socket.next() => {
                    last_heard = Instant::now();
                    let Some(frame) = frame else { return End::Gone };
                    let frame = match frame {
                        Ok(frame) => frame,
                        Err(e) => return self.on_read_error(e).await,
                    };
                    if let Message::Close(_) = frame {
                        return End::Gone;
                    }
                    // Every frame counts against the rate, whatever its kind.
                    if self.limiter.check().is_err() {
                        if let Some(end) = self.on_limited(&frame).await {
                            return end;
                        }
                        continue;
                    }
                    self.refused_in_a_row = 0;
                    match frame {
                        Message::Text(text) if text.len() > cfg.max_message => {
                            let reference = codec::reference_of(text.as_str());
                            self.send_error(reference, ErrorCode::TooLarge, &too_large(cfg.max_message)).await;
                        }
                        Message::Text(text) => self.on_text(text.as_str()).await,
                        Message::Binary(_) => {
                            self.send_error(None, ErrorCode::Invalid, "binary frames are not supported; send JSON text").await;
                        }
                        Message::Ping(_) | Message::Pong(_) | Message::Close(_) => {}
                    }
                }
            }
        }
    }

    /// A frame over the rate: text is answered `rate_limited` (the
    /// contract: the connection stays); other frames are dropped unanswered
    /// (an answer per flood frame would amplify it), and a socket whose
    /// non-text frames keep coming past the limit is closed with 1008.
    async fn on_limited(&mut self, frame: &Message) -> Option<End> {
        match frame {
            Message::Text(text) => {
                m::frame_limited("text");
                let reference = if text.len() > self.node.config.ws.max_message {
                    None
                } else {
                    codec::reference_of(text.as_str())
                };
                self.send_error(
                    reference,
                    ErrorCode::RateLimited,
                    "too many messages; slow down",
                )
                .await;
                None
            }
            other => {
                m::frame_limited(match other {
                    Message::Binary(_) => "binary",
                    Message::Ping(_) => "ping",
                    _ => "pong",
                });
                self.refused_in_a_row += 1;
                (self.refused_in_a_row > self.node.config.ws.burst)
                    .then_some(End::Close(close::POLICY, "too many frames"))
            }
        }
    }

    async fn on_read_error(&mut self, e: E) -> End {
        let e: Box<dyn std::error::Error + Send + Sync> = e.into();
        let code = e
            .downcast_ref::<tungstenite::Error>()
            .or_else(|| {
                e.source()
                    .and_then(|s| s.downcast_ref::<tungstenite::Error>())
            })
            .and_then(|e| match e {
                tungstenite::Error::Capacity(_) => Some(close::TOO_BIG),
                tungstenite::Error::Utf8(_) => Some(close::INVALID_DATA),
                _ => None,
            });
        match code {
            // RFC 6455 8.1: a text frame that is not UTF-8 fails the
            // connection with 1007.
            Some(close::INVALID_DATA) => {
                return End::Close(close::INVALID_DATA, "text frames must be UTF-8")
            }
            Some(_) => {
                let limit = self.node.config.ws.max_message;
                self.send_error(
                    None,
                    ErrorCode::TooLarge,
                    &format!("messages are limited to {limit} bytes"),
                )
                .await;
                return End::Close(close::TOO_BIG, "message too large");
            }
            None => {}
        }
        tracing::debug!(user = %self.actor.id, "socket error: {e}");
        End::Gone
    }

    async fn on_text(&mut self, text: &str) {
        match codec::parse(text, self.actor.role) {
            Err(rejected) => {
                self.send_error(rejected.reference, rejected.code, &rejected.message)
                    .await;
            }
            Ok(parsed) => {
                self.node.live.message_in();
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
        self.write_text(msg.kind(), text.into()).await
    }

    async fn write_text(&mut self, kind: &'static str, text: Utf8Bytes) -> Result<(), ()> {
        self.node.live.message_out();
        m::message_out(kind);
        let limit = self.node.config.ws.write_timeout;
        let result = tokio::time::timeout(limit, self.socket.send(Message::Text(text))).await;
        self.broken = !matches!(result, Ok(Ok(())));
        match result {
            Ok(Ok(())) => Ok(()),
            Ok(Err(_)) => Err(()),
            Err(_) => {
                // The peer stopped reading: end the session rather than stall.
                self.node.live.outbox_drop();
                m::outbox_overflow();
                tracing::debug!(user = %self.actor.id, "write timed out: slow consumer");
                Err(())
            }
        }
    }

    /// Sends the close frame, then reads until the peer's close (briefly):
    /// a socket dropped with unread frames in its buffer is reset, and the
    /// reset would destroy the close frame before the client reads its code
    /// (a flooding client, or one mid-burst at shutdown).
    async fn close(&mut self, code: u16, reason: &'static str) -> Result<(), ()> {
        close_now(&mut self.socket, code, reason).await;
        let drain = async {
            while let Some(Ok(frame)) = self.socket.next().await {
                if let Message::Close(_) = frame {
                    break;
                }
            }
        };
        let _ = tokio::time::timeout(std::time::Duration::from_secs(1), drain).await;
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
        CommandError::RateLimited { .. } => (ErrorCode::RateLimited, e.to_string()),
        CommandError::Invalid(_) => (ErrorCode::Invalid, e.to_string()),
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
