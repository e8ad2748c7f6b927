//! GPS points on Postgres: COPY BINARY for batches.

use super::gps_partitions::no_partition;
use super::*;
use crate::domain::gps_partition::{self as part, Policy};
use tokio_postgres::binary_copy::BinaryCopyInWriter;
use tokio_postgres::types::Type;

#[async_trait]
impl GpsStore for PgStore {
    // Own SQL: COPY BINARY, the fastest bulk path Postgres has (SQLite: batched INSERT).
    async fn insert_points(&self, points: &[GpsPoint]) -> StoreResult<()> {
        if points.is_empty() {
            return Ok(());
        }
        match self.copy_points(points).await? {
            Err(e) if no_partition(&e) => {
                // The task is behind (or has not run yet): make the days
                // this batch needs, then write it again. COPY is atomic, so
                // nothing of the failed attempt was kept.
                let mut days: Vec<_> = points.iter().map(|p| part::day_of(p.at)).collect();
                days.sort();
                days.dedup();
                let created = self.ensure_days(&days).await.map_err(|e| match e {
                    GpsMaintenanceError::Store(e) => e,
                    other => StoreError::Internal(other.to_string()),
                })?;
                tracing::info!(
                    ?created,
                    "GPS partitions created for a batch that found none"
                );
                self.copy_points(points).await?.map_err(map_err)
            }
            other => other.map_err(map_err),
        }
    }

    async fn track(&self, trip: TripId) -> StoreResult<Vec<TrackPoint>> {
        let client = self.client().await?;
        let stmt = client.prepare_cached(sql::TRACK).await.map_err(map_err)?;
        let rows = client.query(&stmt, &[&trip.0]).await.map_err(map_err)?;
        rows.iter().map(rows::track_point).collect()
    }

    async fn maintain_gps(
        &self,
        policy: &Policy,
        now: DateTime<Utc>,
    ) -> Result<GpsMaintenance, GpsMaintenanceError> {
        self.maintain_partitions(policy, now).await
    }
}

impl PgStore {
    /// One COPY of the batch into the partitioned parent (Postgres routes
    /// each row to its day's partition). The outer error is the pool's,
    /// the inner one the COPY's, which the caller looks into.
    async fn copy_points(
        &self,
        points: &[GpsPoint],
    ) -> StoreResult<Result<(), tokio_postgres::Error>> {
        let client = self.client().await?;
        Ok(copy(&client, points).await)
    }
}

async fn copy(
    client: &tokio_postgres::Client,
    points: &[GpsPoint],
) -> Result<(), tokio_postgres::Error> {
    let sink = client
        .copy_in(
            "COPY gps_points (trip_id, driver_id, lat, lng, heading, speed, at, received_at) \
             FROM STDIN BINARY",
        )
        .await?;
    let types = [
        Type::UUID,
        Type::UUID,
        Type::FLOAT8,
        Type::FLOAT8,
        Type::FLOAT8,
        Type::FLOAT8,
        Type::TIMESTAMPTZ,
        Type::TIMESTAMPTZ,
    ];
    let writer = BinaryCopyInWriter::new(sink, &types);
    futures_util::pin_mut!(writer);
    for p in points {
        writer
            .as_mut()
            .write(&[
                &p.trip_id.0,
                &p.driver_id.0,
                &p.lat,
                &p.lng,
                &p.heading,
                &p.speed,
                &p.at,
                &p.received_at,
            ])
            .await?;
    }
    // `BinaryCopyInWriter` must be finished: without it the COPY is
    // never committed (tokio-postgres).
    writer.finish().await?;
    Ok(())
}
