//! The session loop in-process, over channels instead of a socket, on an
//! embedded node, with tokio's clock paused: timers that take tens of
//! seconds on a real socket (pong timeout, rate refill, token expiry, write
//! timeout, offer and trip expiry) run in milliseconds, and deterministically.
//!
//! The clock is paused with auto-advance, on `#[tokio::test]`'s
//! current-thread runtime, on purpose: the embedded store runs SQLite on
//! `spawn_blocking`, and on a current-thread runtime tokio does not
//! auto-advance the paused clock while a blocking task is in flight (it
//! does on a multi-thread runtime), so a store call never lets a timer jump
//! ahead of it. Tests that read a session's first messages before pausing
//! do so only to keep the unpaused part short.

mod heartbeat;
mod limits;
mod offers;
mod slow_reader;

use super::run;
use crate::app::Application;
use crate::config::Config;
use crate::node::{Actor, Node};
use crate::store::NewUser;
use axum::extract::ws::Message;
use futures_util::{Sink, Stream};
use hail_protocol::{ClientMessage, Role, ServerMessage, Trip, UserId};
use std::convert::Infallible;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::sync::mpsc;
use tokio_util::sync::{PollSendError, PollSender};

/// One end of a socket made of two channels: what the session reads
/// (`inbound`) and what it writes (`outbound`). `outbound` is bounded, like
/// a real socket's buffers: once a client that stopped reading has let it
/// fill, a write waits (`poll_ready` is pending) until the client reads.
struct ChannelSocket {
    inbound: mpsc::UnboundedReceiver<Message>,
    outbound: PollSender<Message>,
}

impl Stream for ChannelSocket {
    type Item = Result<Message, Infallible>;
    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.inbound.poll_recv(cx).map(|m| m.map(Ok))
    }
}

impl Sink<Message> for ChannelSocket {
    type Error = PollSendError<Message>;
    fn poll_ready(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Pin::new(&mut self.outbound).poll_ready(cx)
    }
    fn start_send(mut self: Pin<&mut Self>, item: Message) -> Result<(), Self::Error> {
        Pin::new(&mut self.outbound).start_send(item)
    }
    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Pin::new(&mut self.outbound).poll_flush(cx)
    }
    fn poll_close(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Pin::new(&mut self.outbound).poll_close(cx)
    }
}

/// The client's end: what it sends and what the server wrote.
struct Peer {
    send: mpsc::UnboundedSender<Message>,
    recv: mpsc::Receiver<Message>,
}

impl Peer {
    fn text(&self, text: &str) {
        self.send
            .send(Message::Text(text.into()))
            .expect("session reads");
    }

    /// Sends `msg` with a `ref` and returns the trip of its `ok`; the reply
    /// must be the next message.
    async fn ok(&mut self, msg: ClientMessage) -> Option<Trip> {
        let frame = serde_json::to_string(&msg.with_ref("ok")).expect("json");
        self.text(&frame);
        match self.next_message().await {
            ServerMessage::Ok { reference, trip } if reference == "ok" => trip,
            other => panic!("expected ok, got {other:?}"),
        }
    }

    /// The next frame the server wrote (`None`: the session ended).
    async fn next(&mut self) -> Option<Message> {
        tokio::time::timeout(Duration::from_secs(600), self.recv.recv())
            .await
            .expect("a frame or the end within 10 virtual minutes")
    }

    async fn next_message(&mut self) -> ServerMessage {
        loop {
            match self.next().await.expect("a message") {
                Message::Text(t) => return serde_json::from_str(t.as_str()).expect("json"),
                Message::Ping(_) | Message::Pong(_) => continue,
                other => panic!("expected a message, got {other:?}"),
            }
        }
    }

    /// Frames until the close frame; its code.
    async fn close_code(&mut self) -> Option<u16> {
        while let Some(frame) = self.next().await {
            if let Message::Close(frame) = frame {
                return frame.map(|f| f.code);
            }
        }
        None
    }
}

struct Fixture {
    node: Arc<Node>,
    _dir: tempfile::TempDir,
}

async fn node(tune: impl FnOnce(&mut Config)) -> Fixture {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().to_path_buf();
    let mut config = Config::from_lookup(|k| match k {
        "HAIL_DEV" => Some("1".into()),
        "HAIL_BIND" => Some("127.0.0.1:0".into()),
        "HAIL_DATA_DIR" => Some(data.display().to_string()),
        _ => None,
    })
    .expect("config");
    tune(&mut config);
    let metrics = metrics_exporter_prometheus::PrometheusBuilder::new()
        .build_recorder()
        .handle();
    let app = Application::build(config, metrics).await.expect("node");
    Fixture {
        node: app.node(),
        _dir: dir,
    }
}

async fn user(node: &Node, role: Role) -> Actor {
    let id = UserId::new();
    node.store
        .create_user(NewUser {
            id,
            username: format!("u{}", &id.0.simple().to_string()[20..]),
            password_hash: "!".into(),
            role,
            name: "Test".into(),
        })
        .await
        .expect("user");
    Actor { id, role }
}

/// A session over channels; `exp` is the token's expiry in unix seconds.
/// Its socket buffers more frames than any test leaves unread.
fn open(node: &Arc<Node>, actor: Actor, exp: u64) -> (Peer, tokio::task::JoinHandle<()>) {
    open_buffered(node, actor, exp, 1024)
}

/// A session whose socket buffers `frames` frames the client has not read.
fn open_buffered(
    node: &Arc<Node>,
    actor: Actor,
    exp: u64,
    frames: usize,
) -> (Peer, tokio::task::JoinHandle<()>) {
    let (to_session, inbound) = mpsc::unbounded_channel();
    let (outbound, from_session) = mpsc::channel(frames);
    let socket = ChannelSocket {
        inbound,
        outbound: PollSender::new(outbound),
    };
    let task = tokio::spawn(run(node.clone(), actor, exp, socket));
    (
        Peer {
            send: to_session,
            recv: from_session,
        },
        task,
    )
}

fn far_future() -> u64 {
    u64::try_from(chrono::Utc::now().timestamp()).unwrap_or(0) + 24 * 3600
}
