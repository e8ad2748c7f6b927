//! A client that stops reading its socket. Two things end its session, as
//! on a real socket (docs/protocol.md 4.4): events that arrive faster than
//! the session passes them on overflow its outbox, and the registry kicks
//! it with 4008; a write that the full socket does not take within the
//! write timeout ends the session without a close frame, kicked or not (the
//! session is waiting in that write, and a close frame would not get
//! through either).

use super::{far_future, node, open_buffered, user, Peer};
use crate::keys::Topic;
use crate::node::{Actor, Node};
use axum::extract::ws::Message;
use hail_protocol::{close, Role, ServerMessage, TripId, UserId};
use std::sync::Arc;
use std::time::Duration;
use tokio::task::JoinHandle;
use tokio::time::Instant;

/// `n` GPS updates for `user`, queued at once, as the bus delivers them:
/// the session cannot run in between (a current-thread runtime).
fn burst(node: &Node, user: UserId, n: usize) {
    let trip_id = TripId::new();
    for i in 0..n {
        let msg = ServerMessage::DriverLocation {
            trip_id,
            lat: 52.52 + i as f64 * 1e-5,
            lng: 13.405,
            heading: None,
            at: chrono::Utc::now(),
            eta_s: None,
            eta_to: None,
        };
        node.registry.deliver_to_user(user, msg.into());
    }
}

/// A rider's session whose socket holds `unread` frames, past its hello,
/// with the clock paused from here; and when it was paused.
async fn rider_session(node: &Arc<Node>, unread: usize) -> (Actor, Peer, JoinHandle<()>, Instant) {
    let actor = user(node, Role::Rider).await;
    let (mut peer, task) = open_buffered(node, actor, far_future(), unread);
    assert!(matches!(
        peer.next_message().await,
        ServerMessage::Hello { .. }
    ));
    tokio::time::pause();
    (actor, peer, task, Instant::now())
}

/// Waits for the session to end; how long after `began` it did.
async fn ended(task: JoinHandle<()>, began: Instant) -> Duration {
    tokio::time::timeout(Duration::from_secs(600), task)
        .await
        .expect("the session ends")
        .expect("the session did not panic");
    began.elapsed()
}

/// Outbox overflows and write timeouts so far (`hail_outbox_overflow_total`).
fn drops(node: &Node) -> u64 {
    node.live.totals().2
}

#[tokio::test]
async fn a_client_that_stops_reading_is_dropped_at_the_write_timeout_without_a_close_frame() {
    const UNREAD: usize = 2; // frames the client's socket holds unread
    let f = node(|c| {
        c.ws.outbox = 4;
        c.ws.write_timeout = Duration::from_secs(10);
    })
    .await;
    let (actor, mut peer, task, began) = rider_session(&f.node, UNREAD).await;
    // From here the client reads nothing. Two updates fill its socket; the
    // session waits to write the third.
    burst(&f.node, actor.id, UNREAD + 1);
    tokio::time::sleep(Duration::from_millis(1)).await;
    assert_eq!(peer.recv.len(), UNREAD, "the socket is full");
    assert_eq!(drops(&f.node), 0);
    // Updates keep coming: four fill the outbox, the fifth overflows it and
    // the registry kicks the session ...
    burst(&f.node, actor.id, 5);
    assert_eq!(drops(&f.node), 1, "the outbox of 4 overflowed");
    // ... which is waiting in its write: it ends when the write times out.
    let took = ended(task, began).await;
    assert!(
        took >= Duration::from_secs(10) && took < Duration::from_secs(11),
        "ended after {took:?}"
    );
    assert_eq!(drops(&f.node), 2, "the write timeout is counted too");
    assert!(!f.node.registry.listens(Topic::User(actor.id)));
    // Reading again, the client finds what its socket held, then the end of
    // the stream: no close frame, neither 4008 nor any other.
    for _ in 0..UNREAD {
        let frame = peer.next().await;
        assert!(matches!(frame, Some(Message::Text(_))), "{frame:?}");
    }
    let end = peer.next().await;
    assert!(end.is_none(), "no close frame, got {end:?}");
}

#[tokio::test]
async fn an_outbox_overflow_closes_with_4008_when_the_socket_still_has_room() {
    let f = node(|c| c.ws.outbox = 4).await;
    // The socket holds every frame of this test: only the outbox overflows.
    let (actor, mut peer, task, began) = rider_session(&f.node, 16).await;
    // The client reads nothing while a burst arrives faster than the session
    // can pass it on: four fill the outbox, the fifth overflows it.
    burst(&f.node, actor.id, 5);
    assert_eq!(drops(&f.node), 1, "the outbox of 4 overflowed");
    // It waited (at most 1 s) for the client's close, which never came.
    let took = ended(task, began).await;
    assert!(took <= Duration::from_secs(2), "ended after {took:?}");
    assert!(!f.node.registry.listens(Topic::User(actor.id)));
    // Reading again, the client finds at most the queued updates (whatever
    // the session wrote before it saw the kick), then 4008, then the end.
    let mut updates = 0;
    let closing = loop {
        match peer.next().await.expect("a close frame before the end") {
            Message::Text(_) => updates += 1,
            Message::Close(frame) => break frame.expect("a close code"),
            other => panic!("unexpected {other:?}"),
        }
    };
    assert!(updates <= 4, "{updates} updates before the close");
    assert_eq!(closing.code, close::SLOW_CONSUMER);
    assert_eq!(closing.reason.as_str(), "slow consumer");
    assert!(peer.next().await.is_none(), "nothing after the close");
}
