//! Pings, pongs and the pong timeout.

use super::{far_future, node, open, user};
use axum::extract::ws::Message;
use hail_protocol::{Role, ServerMessage};
use std::time::Duration;

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
