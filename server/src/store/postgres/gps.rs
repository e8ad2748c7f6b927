//! GPS points on Postgres: COPY BINARY for batches.

use super::*;
use tokio_postgres::binary_copy::BinaryCopyInWriter;
use tokio_postgres::types::Type;

#[async_trait]
impl GpsStore for PgStore {
    // Own SQL: COPY BINARY, the fastest bulk path Postgres has (SQLite: batched INSERT).
    async fn insert_points(&self, points: &[GpsPoint]) -> StoreResult<()> {
        if points.is_empty() {
            return Ok(());
        }
        let client = self.client().await?;
        let sink = client
            .copy_in(
                "COPY gps_points (trip_id, driver_id, lat, lng, heading, speed, at, received_at) \
                 FROM STDIN BINARY",
            )
            .await
            .map_err(map_err)?;
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
                .await
                .map_err(map_err)?;
        }
        // `BinaryCopyInWriter` must be finished: without it the COPY is
        // never committed (tokio-postgres).
        writer.finish().await.map_err(map_err)?;
        Ok(())
    }

    async fn track(&self, trip: TripId) -> StoreResult<Vec<TrackPoint>> {
        let client = self.client().await?;
        let stmt = client.prepare_cached(sql::TRACK).await.map_err(map_err)?;
        let rows = client.query(&stmt, &[&trip.0]).await.map_err(map_err)?;
        rows.iter().map(rows::track_point).collect()
    }
}
