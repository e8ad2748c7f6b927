//! The session loop in-process, over channels instead of a socket, on an
//! embedded node, with tokio's clock paused: timers that take tens of
//! seconds on a real socket (pong timeout, rate refill, token expiry) run
//! in milliseconds, and deterministically.

use super::{close, run};
use crate::app::Application;
use crate::config::Config;
use crate::node::{Actor, Node};
use crate::store::NewUser;
use axum::extract::ws::Message;
use futures_util::{Sink, Stream};
use hail_protocol::{Role, ServerMessage, UserId};
use std::convert::Infallible;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::sync::mpsc;

/// One end of a socket made of two channels: what the session reads
/// (`inbound`) and what it writes (`outbound`).
struct ChannelSocket {
    inbound: mpsc::UnboundedReceiver<Message>,
    outbound: mpsc::UnboundedSender<Message>,
}

impl Stream for ChannelSocket {
    type Item = Result<Message, Infallible>;
    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.inbound.poll_recv(cx).map(|m| m.map(Ok))
    }
}

impl Sink<Message> for ChannelSocket {
    type Error = mpsc::error::SendError<Message>;
    fn poll_ready(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Poll::Ready(Ok(()))
    }
    fn start_send(self: Pin<&mut Self>, item: Message) -> Result<(), Self::Error> {
        self.outbound.send(item)
    }
    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Poll::Ready(Ok(()))
    }
    fn poll_close(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Poll::Ready(Ok(()))
    }
}

/// The client's end: what it sends and what the server wrote.
struct Peer {
    send: mpsc::UnboundedSender<Message>,
    recv: mpsc::UnboundedReceiver<Message>,
}

impl Peer {
    fn text(&self, text: &str) {
        self.send
            .send(Message::Text(text.into()))
            .expect("session reads");
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
fn open(node: &Arc<Node>, actor: Actor, exp: u64) -> (Peer, tokio::task::JoinHandle<()>) {
    let (to_session, inbound) = mpsc::unbounded_channel();
    let (outbound, from_session) = mpsc::unbounded_channel();
    let socket = ChannelSocket { inbound, outbound };
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

#[tokio::test]
async fn a_silent_client_is_dropped_after_ping_plus_pong_timeout() {
    let f = node(|c| {
        c.ws.ping_interval = Duration::from_secs(20);
        c.ws.pong_timeout = Duration::from_secs(20);
    })
    .await;
    let actor = user(&f.node, Role::Rider).await;
    tokio::time::pause();
    let began = tokio::time::Instant::now();
    let (mut peer, task) = open(&f.node, actor, far_future());
    assert!(matches!(
        peer.next_message().await,
        ServerMessage::Hello { .. }
    ));
    let mut pings = 0;
    // The client never answers: pinged every 20 s, dropped at the first
    // tick after ping + pong timeout (40 s) of silence, so within 40-60 s,
    // without a close frame (docs/protocol.md 4.4).
    while let Some(frame) = peer.next().await {
        match frame {
            Message::Ping(_) => pings += 1,
            other => panic!("unexpected {other:?}"),
        }
    }
    let took = began.elapsed();
    assert!((1..=2).contains(&pings), "pinged before giving up: {pings}");
    assert!(
        took >= Duration::from_secs(40) && took <= Duration::from_secs(60),
        "dropped after {took:?}"
    );
    task.await.expect("session ended");
}

#[tokio::test]
async fn an_answering_client_is_kept_past_many_pings() {
    let f = node(|_| {}).await;
    let actor = user(&f.node, Role::Rider).await;
    let (mut peer, _task) = open(&f.node, actor, far_future());
    peer.next_message().await;
    tokio::time::pause();
    for _ in 0..10 {
        match peer.next().await.expect("still open") {
            Message::Ping(p) => peer.send.send(Message::Pong(p)).expect("session reads"),
            other => panic!("unexpected {other:?}"),
        }
    }
}

#[tokio::test]
async fn the_rate_limit_refills_with_time() {
    let f = node(|c| {
        c.ws.rate_per_sec = 5;
        c.ws.burst = 5;
    })
    .await;
    let actor = user(&f.node, Role::Driver).await;
    let (mut peer, _task) = open(&f.node, actor, far_future());
    peer.next_message().await;
    tokio::time::pause();
    let ping = r#"{"type":"driver.available","available":false,"ref":"r"}"#;
    let mut answers = Vec::new();
    for _ in 0..7 {
        peer.text(ping);
        answers.push(peer.next_message().await);
    }
    let limited = |m: &ServerMessage| {
        matches!(
            m,
            ServerMessage::Error {
                code: hail_protocol::ErrorCode::RateLimited,
                ..
            }
        )
    };
    assert_eq!(
        answers.iter().filter(|m| limited(m)).count(),
        2,
        "{answers:?}"
    );
    // One virtual second later the bucket holds 5 again.
    tokio::time::advance(Duration::from_secs(1)).await;
    for _ in 0..5 {
        peer.text(ping);
        let answer = peer.next_message().await;
        assert!(matches!(answer, ServerMessage::Ok { .. }), "{answer:?}");
    }
}

#[tokio::test]
async fn the_socket_closes_with_4001_when_its_token_expires() {
    let f = node(|_| {}).await;
    let actor = user(&f.node, Role::Rider).await;
    let exp = u64::try_from(chrono::Utc::now().timestamp()).unwrap_or(0) + 300;
    let (mut peer, task) = open(&f.node, actor, exp);
    peer.next_message().await;
    tokio::time::pause();
    let began = tokio::time::Instant::now();
    // Pongs keep it alive; only the token ends it.
    let code = loop {
        match peer.next().await.expect("frame") {
            Message::Ping(p) => peer.send.send(Message::Pong(p)).expect("session reads"),
            Message::Close(frame) => break frame.map(|f| f.code),
            other => panic!("unexpected {other:?}"),
        }
    };
    assert_eq!(code, Some(close::TOKEN_EXPIRED));
    let took = began.elapsed();
    assert!(
        took >= Duration::from_secs(295) && took <= Duration::from_secs(301),
        "closed after {took:?}"
    );
    drop(peer);
    task.await.expect("session ended");
}

#[tokio::test]
async fn a_kick_closes_with_its_code_and_the_session_leaves_the_registry() {
    let f = node(|_| {}).await;
    let actor = user(&f.node, Role::Rider).await;
    let (mut peer, task) = open(&f.node, actor, far_future());
    peer.next_message().await;
    assert!(f.node.registry.listens(crate::keys::Topic::User(actor.id)));
    f.node
        .registry
        .kick_user(actor.id, close::REVOKED, "account revoked");
    assert_eq!(peer.close_code().await, Some(close::REVOKED));
    drop(peer);
    task.await.expect("session ended");
    assert!(!f.node.registry.listens(crate::keys::Topic::User(actor.id)));
}
