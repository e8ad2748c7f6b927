//! GPS points on SQLite: one transaction per batch.

use super::*;
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
}
