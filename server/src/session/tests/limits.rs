//! The rate limit, the token's expiry and kicks: what ends or slows a
//! session that is still reading.

use super::{far_future, node, open, user};
use axum::extract::ws::Message;
use hail_protocol::{close, Role, ServerMessage};
use std::time::Duration;

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
