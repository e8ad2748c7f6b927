//! The monitor's history in the store: per-minute rollups keyed by
//! (minute, node), and the facts a minute is rolled up from. Both backends
//! run the statements here (SQLite through `sql::lite`).

use super::StoreResult;
use crate::domain::rollup::MinuteRollup;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use hail_protocol::monitor::TripCounts;

/// What the store itself knows of one node's minute.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MinuteFacts {
    /// Status changes the node applied, by new status.
    pub trips: TripCounts,
    /// Request-to-accept times (ms) of the accepts the node applied.
    pub latencies_ms: Vec<f64>,
}

#[async_trait]
pub trait RollupStore: Send + Sync {
    /// The status changes `node` applied in `[from, to)`.
    async fn minute_facts(
        &self,
        node: &str,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> StoreResult<MinuteFacts>;
    /// Writes the row, replacing any for the same (minute, node).
    async fn put_rollup(&self, rollup: &MinuteRollup) -> StoreResult<()>;
    /// Every node's rollups from `since` on, oldest first.
    async fn rollups_since(&self, since: DateTime<Utc>) -> StoreResult<Vec<MinuteRollup>>;
    /// Deletes rollups of minutes before `before`; returns how many.
    async fn prune_rollups(&self, before: DateTime<Utc>) -> StoreResult<u64>;
}

pub(crate) const STATUS_CHANGES: &str = "SELECT to_status, count(*) FROM trip_events \
     WHERE node_id = $1 AND at >= $2 AND at < $3 GROUP BY to_status";

/// (requested_at, accepted event's at) of the accepts `node` applied.
pub(crate) const ACCEPTS: &str = "SELECT t.requested_at, e.at FROM trip_events e \
     JOIN trips t ON t.id = e.trip_id \
     WHERE e.node_id = $1 AND e.to_status = 'accepted' AND e.at >= $2 AND e.at < $3";

pub(crate) const PUT: &str = "INSERT INTO monitor_rollups \
     (minute, node_id, trips, samples, p50_ms, p90_ms, p99_ms, gps_points, connections) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
     ON CONFLICT (minute, node_id) DO UPDATE SET trips = excluded.trips, \
     samples = excluded.samples, p50_ms = excluded.p50_ms, p90_ms = excluded.p90_ms, \
     p99_ms = excluded.p99_ms, gps_points = excluded.gps_points, \
     connections = excluded.connections";

pub(crate) const SINCE: &str = "SELECT minute, node_id, trips, samples, p50_ms, p90_ms, p99_ms, \
     gps_points, connections FROM monitor_rollups WHERE minute >= $1 ORDER BY minute, node_id";

pub(crate) const PRUNE: &str = "DELETE FROM monitor_rollups WHERE minute < $1";

/// The `trips` column: a `TripCounts` as JSON (unknown or broken: zeros).
pub(crate) fn trips_from_text(text: &str) -> TripCounts {
    serde_json::from_str(text).unwrap_or_default()
}

pub(crate) fn trips_to_text(trips: &TripCounts) -> String {
    serde_json::to_string(trips).unwrap_or_else(|_| "{}".into())
}

/// The latency columns back into a `Latency` (none without samples).
pub(crate) fn latency_from(
    samples: i64,
    p50: Option<f64>,
    p90: Option<f64>,
    p99: Option<f64>,
) -> Option<hail_protocol::history::Latency> {
    match (samples, p50, p90, p99) {
        (n, Some(p50_ms), Some(p90_ms), Some(p99_ms)) if n > 0 => {
            Some(hail_protocol::history::Latency {
                p50_ms,
                p90_ms,
                p99_ms,
                samples: n as u64,
            })
        }
        _ => None,
    }
}

/// Adds `n` changes to `status` (by its stored name) in `counts`.
pub(crate) fn count_status(counts: &mut TripCounts, status: &str, n: i64) {
    if let Some(status) = hail_protocol::TripStatus::parse(status) {
        counts.set(status, n.max(0) as u64);
    }
}
