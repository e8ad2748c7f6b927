//! The `gps_partitions` task: at start and every
//! `HAIL_GPS_PARTITIONS_INTERVAL_MS`, the store makes today's GPS
//! partition and `HAIL_GPS_PARTITIONS_AHEAD` more, and removes points past
//! `HAIL_GPS_RETENTION_DAYS` (Postgres drops whole day partitions, the
//! embedded store deletes in batches). Every node runs it; the store makes
//! concurrent runs safe, so no node is special.

use super::live::Task;
use super::Node;
use chrono::Utc;
use std::sync::Arc;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

pub fn spawn(node: Arc<Node>, stop: CancellationToken, tracker: &TaskTracker) {
    tracker.spawn(async move {
        let cfg = &node.config.gps_partitions;
        let cell = node.live.task(Task::GpsPartitions);
        cell.set_interval(cfg.interval);
        let policy = cfg.policy();
        // The first tick is immediate: a new node prepares today's
        // partition before its first GPS batch needs it.
        let mut every = tokio::time::interval(cfg.interval);
        every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = every.tick() => {}
                _ = stop.cancelled() => break,
            }
            let began = std::time::Instant::now();
            let result = node.store.maintain_gps(&policy, Utc::now()).await;
            match &result {
                Ok(done)
                    if !done.created.is_empty() || !done.dropped.is_empty() || done.deleted > 0 =>
                {
                    tracing::info!(
                        created = ?done.created,
                        dropped = ?done.dropped,
                        deleted = done.deleted,
                        "GPS partitions and retention applied"
                    );
                }
                Ok(_) => {}
                Err(e) => tracing::warn!("GPS partitions not maintained: {e}"),
            }
            cell.record(began.elapsed(), &result);
        }
    });
}
