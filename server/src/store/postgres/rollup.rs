//! The monitor's rollups on Postgres.

use super::*;
use crate::domain::rollup::MinuteRollup;
use crate::store::rollup::{self as r, MinuteFacts, RollupStore};

#[async_trait]
impl RollupStore for PgStore {
    async fn minute_facts(
        &self,
        node: &str,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> StoreResult<MinuteFacts> {
        let client = self.client().await?;
        let mut facts = MinuteFacts::default();
        let stmt = client
            .prepare_cached(r::STATUS_CHANGES)
            .await
            .map_err(map_err)?;
        for row in client
            .query(&stmt, &[&node, &from, &to])
            .await
            .map_err(map_err)?
        {
            r::count_status(&mut facts.trips, row.get(0), row.get(1));
        }
        let stmt = client.prepare_cached(r::ACCEPTS).await.map_err(map_err)?;
        for row in client
            .query(&stmt, &[&node, &from, &to])
            .await
            .map_err(map_err)?
        {
            let (requested, accepted): (DateTime<Utc>, DateTime<Utc>) = (row.get(0), row.get(1));
            facts
                .latencies_ms
                .push((accepted - requested).num_microseconds().unwrap_or(0) as f64 / 1000.0);
        }
        Ok(facts)
    }

    async fn put_rollup(&self, x: &MinuteRollup) -> StoreResult<()> {
        let client = self.client().await?;
        let stmt = client.prepare_cached(r::PUT).await.map_err(map_err)?;
        let l = x.latency;
        client
            .execute(
                &stmt,
                &[
                    &x.minute,
                    &x.node,
                    &r::trips_to_text(&x.trips),
                    &(l.map_or(0, |l| l.samples) as i64),
                    &l.map(|l| l.p50_ms),
                    &l.map(|l| l.p90_ms),
                    &l.map(|l| l.p99_ms),
                    &(x.gps_points as i64),
                    &(x.connections as i64),
                ],
            )
            .await
            .map_err(map_err)?;
        Ok(())
    }

    async fn rollups_since(&self, since: DateTime<Utc>) -> StoreResult<Vec<MinuteRollup>> {
        let client = self.client().await?;
        let stmt = client.prepare_cached(r::SINCE).await.map_err(map_err)?;
        let rows = client.query(&stmt, &[&since]).await.map_err(map_err)?;
        Ok(rows
            .iter()
            .map(|row| MinuteRollup {
                minute: row.get(0),
                node: row.get(1),
                trips: r::trips_from_text(row.get(2)),
                latency: r::latency_from(row.get(3), row.get(4), row.get(5), row.get(6)),
                gps_points: row.get::<_, i64>(7).max(0) as u64,
                connections: row.get::<_, i64>(8).max(0) as u64,
            })
            .collect())
    }

    async fn prune_rollups(&self, before: DateTime<Utc>) -> StoreResult<u64> {
        let client = self.client().await?;
        let stmt = client.prepare_cached(r::PRUNE).await.map_err(map_err)?;
        client.execute(&stmt, &[&before]).await.map_err(map_err)
    }
}
