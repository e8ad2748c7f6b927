//! The monitor's rollups on SQLite.

use super::*;
use crate::domain::rollup::MinuteRollup;
use crate::store::rollup::{self as r, MinuteFacts, RollupStore};
use rusqlite::params;

#[async_trait]
impl RollupStore for SqliteStore {
    async fn minute_facts(
        &self,
        node: &str,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> StoreResult<MinuteFacts> {
        let node = node.to_string();
        self.run(move |c| {
            let mut facts = MinuteFacts::default();
            let mut stmt = c.prepare_cached(lite!(r::STATUS_CHANGES))?;
            let rows = stmt.query_map(params![node, us(from), us(to)], |row| {
                Ok((row.get::<_, String>(0)?, row.get::<_, i64>(1)?))
            })?;
            for row in rows {
                let (status, n) = row?;
                r::count_status(&mut facts.trips, &status, n);
            }
            let mut stmt = c.prepare_cached(lite!(r::ACCEPTS))?;
            let rows = stmt.query_map(params![node, us(from), us(to)], |row| {
                Ok((row.get::<_, i64>(0)?, row.get::<_, i64>(1)?))
            })?;
            for row in rows {
                let (requested, accepted) = row?;
                facts
                    .latencies_ms
                    .push((accepted - requested) as f64 / 1000.0);
            }
            Ok(facts)
        })
        .await
    }

    async fn put_rollup(&self, x: &MinuteRollup) -> StoreResult<()> {
        let x = x.clone();
        self.run(move |c| {
            let l = x.latency;
            c.prepare_cached(lite!(r::PUT))?.execute(params![
                us(x.minute),
                x.node,
                r::trips_to_text(&x.trips),
                l.map_or(0, |l| l.samples) as i64,
                l.map(|l| l.p50_ms),
                l.map(|l| l.p90_ms),
                l.map(|l| l.p99_ms),
                x.gps_points as i64,
                x.connections as i64,
            ])?;
            Ok(())
        })
        .await
    }

    async fn rollups_since(&self, since: DateTime<Utc>) -> StoreResult<Vec<MinuteRollup>> {
        self.run(move |c| {
            let mut stmt = c.prepare_cached(lite!(r::SINCE))?;
            let rows = stmt.query_map([us(since)], |row| {
                Ok(MinuteRollup {
                    minute: time(row.get(0)?),
                    node: row.get(1)?,
                    trips: r::trips_from_text(&row.get::<_, String>(2)?),
                    latency: r::latency_from(row.get(3)?, row.get(4)?, row.get(5)?, row.get(6)?),
                    gps_points: row.get::<_, i64>(7)?.max(0) as u64,
                    connections: row.get::<_, i64>(8)?.max(0) as u64,
                })
            })?;
            rows.collect()
        })
        .await
    }

    async fn prune_rollups(&self, before: DateTime<Utc>) -> StoreResult<u64> {
        self.run(move |c| {
            let n = c.prepare_cached(lite!(r::PRUNE))?.execute([us(before)])?;
            Ok(n as u64)
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hail_protocol::history::Latency;

    fn row(gps_points: u64, latency: Option<Latency>) -> MinuteRollup {
        MinuteRollup {
            minute: "2026-12-02T18:00:00Z".parse().expect("a time"),
            node: "n1".into(),
            trips: hail_protocol::monitor::TripCounts {
                requested: 2,
                ..Default::default()
            },
            latency,
            gps_points,
            connections: 4,
        }
    }

    #[tokio::test]
    async fn a_minute_is_replaced_not_added_to_and_pruned_after_retention() {
        let dir = tempfile::tempdir().expect("a temp dir");
        let store = SqliteStore::open(dir.path()).expect("open");
        let latency = Latency {
            p50_ms: 1.0,
            p90_ms: 2.0,
            p99_ms: 3.0,
            samples: 2,
        };
        store.put_rollup(&row(5, None)).await.expect("put");
        store
            .put_rollup(&row(7, Some(latency)))
            .await
            .expect("put again");
        let since = "2026-12-02T17:00:00Z".parse().expect("a time");
        let rows = store.rollups_since(since).await.expect("read");
        assert_eq!(rows, [row(7, Some(latency))]);
        let pruned = store
            .prune_rollups("2026-12-02T18:01:00Z".parse().expect("a time"))
            .await
            .expect("prune");
        assert_eq!(pruned, 1);
        assert!(store.rollups_since(since).await.expect("read").is_empty());
    }
}
