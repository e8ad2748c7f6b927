//! Each node announces itself every `HAIL_HEARTBEAT_MS`: its connections,
//! message rates and background tasks, so whichever node an admin asks can
//! show every node, and a node that stops announcing shows as down.

use crate::node::live::Task;
use crate::node::Node;
use crate::presence::Heartbeat;
use chrono::{DateTime, Utc};
use std::sync::Arc;
use std::time::Instant;
use tokio_util::sync::CancellationToken;

/// Announces until `stop`; the last heartbeat stays, so a drained node
/// shows as down once its window passes, like a crashed one.
pub async fn run(node: Arc<Node>, address: String, stop: CancellationToken) {
    let started_at = Utc::now();
    let mut tick = tokio::time::interval(node.config.heartbeat);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut last = (Instant::now(), node.live.totals());
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            _ = stop.cancelled() => return,
        }
        let now = (Instant::now(), node.live.totals());
        let beat = beat(&node, &address, started_at, last, now);
        last = now;
        if let Err(e) = node.presence.announce(&beat).await {
            tracing::debug!("heartbeat not announced: {e}");
        }
    }
}

type Sample = (Instant, (u64, u64, u64));

fn beat(
    node: &Node,
    address: &str,
    started_at: DateTime<Utc>,
    (then, (in0, out0, _)): Sample,
    (now, (in1, out1, drops)): Sample,
) -> Heartbeat {
    let secs = now.duration_since(then).as_secs_f64().max(0.001);
    let rate = |a: u64, b: u64| ((b.saturating_sub(a)) as f64 / secs * 10.0).round() / 10.0;
    node.live
        .task(Task::DispatchRound)
        .set_backlog(node.registry.dispatcher_count() as u64);
    Heartbeat {
        id: node.id().to_string(),
        address: address.to_string(),
        started_at,
        sent_at: Utc::now(),
        connections: node.live.connections(),
        messages_in_per_sec: rate(in0, in1),
        messages_out_per_sec: rate(out0, out1),
        outbox_drops: drops,
        tasks: Task::ALL
            .iter()
            .map(|t| node.live.task(*t).snapshot(node.id(), *t))
            .collect(),
    }
}
