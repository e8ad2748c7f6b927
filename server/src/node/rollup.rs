//! The rollup task: every `HAIL_ROLLUP_INTERVAL_MS` this node rewrites its
//! row for the current minute (and once more for the minute just ended),
//! so the monitor's history survives restarts. Rows are keyed by
//! (minute, node) and replaced, never added to: re-runs, restarts and
//! several nodes never double count. Trip figures come from the store's
//! `trip_events` (exact, whoever asks), GPS points and connections from
//! this node's `Live`. Old rows go after `HAIL_ROLLUP_RETENTION_DAYS`.

use super::live::Task;
use super::Node;
use crate::domain::rollup::{self, MinuteRollup};
use crate::store::StoreResult;
use chrono::{DateTime, TimeDelta, Utc};
use std::sync::Arc;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

/// The minute being written and the GPS total when it began.
struct Open {
    minute: DateTime<Utc>,
    gps_at_start: u64,
}

pub fn spawn(node: Arc<Node>, stop: CancellationToken, tracker: &TaskTracker) {
    tracker.spawn(async move {
        node.live
            .task(Task::Rollup)
            .set_interval(node.config.rollup.interval);
        let mut every = tokio::time::interval(node.config.rollup.interval);
        every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut open: Option<Open> = None;
        loop {
            tokio::select! {
                _ = every.tick() => {}
                _ = stop.cancelled() => break,
            }
            let began = std::time::Instant::now();
            let result = step(&node, &mut open, Utc::now()).await;
            if let Err(e) = &result {
                tracing::warn!("rollup not written: {e}");
            }
            node.live
                .task(Task::Rollup)
                .record(began.elapsed(), &result);
        }
        // Draining: the minute so far is written once more.
        if let Err(e) = step(&node, &mut open, Utc::now()).await {
            tracing::warn!("last rollup not written: {e}");
        }
    });
}

async fn step(node: &Node, open: &mut Option<Open>, now: DateTime<Utc>) -> StoreResult<()> {
    let minute = rollup::minute_of(now);
    let gps = node.live.gps_written_total();
    let current = match open.take() {
        Some(o) if o.minute == minute => o,
        Some(o) => {
            // The minute ended: its last write, then the retention prune.
            let points = gps.saturating_sub(o.gps_at_start);
            *open = Some(Open {
                minute,
                gps_at_start: gps,
            });
            write(node, o.minute, points).await?;
            prune(node, now).await?;
            Open {
                minute,
                gps_at_start: gps,
            }
        }
        None => {
            // A restart with the same node id within a minute it already
            // wrote: keep the points counted before the restart.
            let before = node
                .store
                .rollups_since(minute)
                .await?
                .into_iter()
                .find(|r| r.minute == minute && r.node == node.config.node_id)
                .map_or(0, |r| r.gps_points);
            prune(node, now).await?;
            Open {
                minute,
                gps_at_start: gps.saturating_sub(before),
            }
        }
    };
    let points = gps.saturating_sub(current.gps_at_start);
    *open = Some(current);
    write(node, minute, points).await
}

async fn write(node: &Node, minute: DateTime<Utc>, gps_points: u64) -> StoreResult<()> {
    let node_id = &node.config.node_id;
    let facts = node
        .store
        .minute_facts(node_id, minute, minute + TimeDelta::minutes(1))
        .await?;
    let c = node.live.connections();
    node.store
        .put_rollup(&MinuteRollup {
            minute,
            node: node_id.clone(),
            trips: facts.trips,
            latency: rollup::latency(facts.latencies_ms),
            gps_points,
            connections: c.rider + c.driver + c.admin,
        })
        .await
}

async fn prune(node: &Node, now: DateTime<Utc>) -> StoreResult<()> {
    let keep = crate::domain::clock::span(node.config.rollup.retention);
    let n = node.store.prune_rollups(now - keep).await?;
    if n > 0 {
        tracing::debug!(deleted = n, "old rollups pruned");
    }
    Ok(())
}
