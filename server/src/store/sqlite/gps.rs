//! GPS points on SQLite: one transaction per batch.

use super::*;
use crate::domain::gps_partition::Policy;
use crate::store::gps_retention::DELETE_BATCH;
use rusqlite::params;

#[async_trait]
impl GpsStore for SqliteStore {
    // Own SQL: batched INSERT in one transaction (Postgres: COPY BINARY).
    async fn insert_points(&self, points: &[GpsPoint]) -> StoreResult<()> {
        if points.is_empty() {
            return Ok(());
        }
        let points = points.to_vec();
        self.run(move |c| {
            // One transaction per batch: one fsync for thousands of rows.
            let tx = c.transaction()?;
            {
                let mut stmt = tx.prepare_cached(
                    "INSERT INTO gps_points (trip_id, driver_id, lat, lng, heading, speed, at, received_at) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                )?;
                for p in &points {
                    stmt.execute(params![
                        p.trip_id.to_string(),
                        p.driver_id.to_string(),
                        p.lat,
                        p.lng,
                        p.heading,
                        p.speed,
                        us(p.at),
                        us(p.received_at)
                    ])?;
                }
            }
            tx.commit()
        })
        .await
    }

    async fn track(&self, trip: TripId) -> StoreResult<Vec<TrackPoint>> {
        self.run(move |c| {
            let mut stmt = c.prepare_cached(lite!(sql::TRACK))?;
            let rows = stmt.query_map([trip.to_string()], |r| rows::track_point(r))?;
            rows.collect()
        })
        .await
    }

    // Own SQL: no partitions here, so retention is a DELETE, in batches
    // of `DELETE_BATCH` rows, each its own statement and transaction: the
    // one connection serves requests between them.
    async fn maintain_gps(
        &self,
        policy: &Policy,
        now: DateTime<Utc>,
    ) -> Result<GpsMaintenance, GpsMaintenanceError> {
        let Some(cutoff) = policy.cutoff(now) else {
            return Ok(GpsMaintenance::default());
        };
        let cutoff = us(cutoff);
        let mut deleted = 0u64;
        loop {
            let n = self
                .run(move |c| {
                    let mut stmt = c.prepare_cached(
                        "DELETE FROM gps_points WHERE id IN \
                         (SELECT id FROM gps_points WHERE at < ?1 LIMIT ?2)",
                    )?;
                    stmt.execute(params![cutoff, DELETE_BATCH as i64])
                })
                .await?;
            deleted += n as u64;
            if n < DELETE_BATCH {
                break;
            }
        }
        Ok(GpsMaintenance {
            deleted,
            ..GpsMaintenance::default()
        })
    }
}
