//! The ride layer on Postgres: vehicles, quotes, ratings, demand, photos.

use super::*;
use hail_protocol::http::Rating;
use hail_protocol::{Position, RatingSummary, Vehicle};
use std::collections::HashMap;
use tokio_postgres::types::ToSql;
use tokio_postgres::Row;

/// A quote request's quotes in one statement, from arrays (Postgres
/// only; SQLite inserts `sql::QUOTE_INSERT` per row in a transaction).
const QUOTES_INSERT: &str =
    "INSERT INTO quotes (id, rider_id, class, pickup_lat, pickup_lng, pickup_address, \
     dropoff_lat, dropoff_lng, dropoff_address, fare, created_at, expires_at) \
     SELECT * FROM UNNEST($1::uuid[], $2::uuid[], $3::text[], $4::float8[], $5::float8[], \
     $6::text[], $7::float8[], $8::float8[], $9::text[], $10::text[], $11::timestamptz[], \
     $12::timestamptz[])";

impl PgStore {
    async fn exec(&self, sql: &str, params: &[&(dyn ToSql + Sync)]) -> StoreResult<u64> {
        let client = self.client().await?;
        let stmt = client.prepare_cached(sql).await.map_err(map_err)?;
        client.execute(&stmt, params).await.map_err(map_err)
    }

    async fn rows(&self, sql: &str, params: &[&(dyn ToSql + Sync)]) -> StoreResult<Vec<Row>> {
        let client = self.client().await?;
        let stmt = client.prepare_cached(sql).await.map_err(map_err)?;
        client.query(&stmt, params).await.map_err(map_err)
    }

    async fn row(&self, sql: &str, params: &[&(dyn ToSql + Sync)]) -> StoreResult<Option<Row>> {
        let client = self.client().await?;
        let stmt = client.prepare_cached(sql).await.map_err(map_err)?;
        client.query_opt(&stmt, params).await.map_err(map_err)
    }
}

#[async_trait]
impl RideStore for PgStore {
    async fn put_vehicle(
        &self,
        driver: UserId,
        vehicle: &Vehicle,
        at: DateTime<Utc>,
    ) -> StoreResult<()> {
        let seats = i16::from(vehicle.seats);
        self.exec(
            sql::VEHICLE_PUT,
            &[
                &driver.0,
                &vehicle.make,
                &vehicle.model,
                &vehicle.colour,
                &vehicle.plate,
                &vehicle.class,
                &seats,
                &at,
            ],
        )
        .await?;
        Ok(())
    }

    async fn vehicle(&self, driver: UserId) -> StoreResult<Option<Vehicle>> {
        self.row(sql::VEHICLE_GET, &[&driver.0])
            .await?
            .map(|r| rows::vehicle(&r))
            .transpose()
    }

    // Own SQL: `= ANY($1)` over an array (SQLite: one read per driver).
    async fn vehicle_classes(&self, drivers: &[UserId]) -> StoreResult<HashMap<UserId, String>> {
        if drivers.is_empty() {
            return Ok(HashMap::new());
        }
        let ids: Vec<uuid::Uuid> = drivers.iter().map(|d| d.0).collect();
        self.rows(
            "SELECT driver_id, class FROM vehicles WHERE driver_id = ANY($1)",
            &[&ids],
        )
        .await?
        .iter()
        .map(rows::driver_class)
        .collect()
    }

    async fn insert_quotes(&self, quotes: &[QuoteRecord]) -> StoreResult<()> {
        if quotes.is_empty() {
            return Ok(());
        }
        let col = |f: fn(&QuoteRecord) -> f64| quotes.iter().map(f).collect::<Vec<f64>>();
        let ids: Vec<uuid::Uuid> = quotes.iter().map(|q| q.id).collect();
        let riders: Vec<uuid::Uuid> = quotes.iter().map(|q| q.rider_id.0).collect();
        let classes: Vec<&str> = quotes.iter().map(|q| q.class.as_str()).collect();
        let pickup_addresses: Vec<Option<&str>> =
            quotes.iter().map(|q| q.pickup.address()).collect();
        let dropoff_addresses: Vec<Option<&str>> =
            quotes.iter().map(|q| q.dropoff.address()).collect();
        let fares = quotes
            .iter()
            .map(|q| rows::to_json(&q.fare))
            .collect::<StoreResult<Vec<String>>>()?;
        let created: Vec<DateTime<Utc>> = quotes.iter().map(|q| q.created_at).collect();
        let expires: Vec<DateTime<Utc>> = quotes.iter().map(|q| q.expires_at).collect();
        self.exec(
            QUOTES_INSERT,
            &[
                &ids,
                &riders,
                &classes,
                &col(|q| q.pickup.lat()),
                &col(|q| q.pickup.lng()),
                &pickup_addresses,
                &col(|q| q.dropoff.lat()),
                &col(|q| q.dropoff.lng()),
                &dropoff_addresses,
                &fares,
                &created,
                &expires,
            ],
        )
        .await?;
        Ok(())
    }

    async fn quote(&self, id: uuid::Uuid) -> StoreResult<Option<QuoteRecord>> {
        self.row(sql::QUOTE_BY_ID, &[&id])
            .await?
            .map(|r| rows::quote(&r))
            .transpose()
    }

    async fn prune_quotes(&self, before: DateTime<Utc>) -> StoreResult<u64> {
        self.exec(sql::QUOTES_PRUNE, &[&before]).await
    }

    async fn insert_rating(&self, rating: &NewRating) -> StoreResult<Rating> {
        let stars = i16::from(rating.stars);
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(map_err)?;
        let insert = tx
            .prepare_cached(sql::RATING_INSERT)
            .await
            .map_err(map_err)?;
        let inserted = tx
            .execute(
                &insert,
                &[
                    &rating.trip_id.0,
                    &rating.rater_id.0,
                    &rating.ratee_id.0,
                    &rating.by.as_str(),
                    &stars,
                    &rating.comment,
                    &rating.at,
                ],
            )
            .await
            .map_err(map_err)?;
        if inserted == 0 {
            return Err(StoreError::Conflict("already rated")); // dropping tx rolls back
        }
        let add = tx.prepare_cached(sql::RATING_ADD).await.map_err(map_err)?;
        let stars = i64::from(rating.stars);
        tx.execute(&add, &[&rating.ratee_id.0, &stars])
            .await
            .map_err(map_err)?;
        tx.commit().await.map_err(map_err)?;
        Ok(rows::new_rating(rating))
    }

    async fn trip_ratings(&self, trip: TripId) -> StoreResult<Vec<Rating>> {
        self.rows(sql::TRIP_RATINGS, &[&trip.0])
            .await?
            .iter()
            .map(rows::rating)
            .collect()
    }

    async fn rating_summary(&self, user: UserId) -> StoreResult<Option<RatingSummary>> {
        Ok(self
            .row(sql::RATING_SUMMARY, &[&user.0])
            .await?
            .map(|r| rows::rating_summary(&r))
            .transpose()?
            .flatten())
    }

    async fn pickups_since(
        &self,
        since: DateTime<Utc>,
        limit: usize,
    ) -> StoreResult<Vec<Position>> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        self.rows(sql::PICKUPS_SINCE, &[&since, &limit])
            .await?
            .iter()
            .map(rows::pickup)
            .collect()
    }

    async fn put_photo(
        &self,
        user: UserId,
        content_type: &str,
        bytes: &[u8],
        at: DateTime<Utc>,
    ) -> StoreResult<()> {
        self.exec(sql::PHOTO_PUT, &[&user.0, &content_type, &bytes, &at])
            .await?;
        Ok(())
    }

    async fn photo(&self, user: UserId) -> StoreResult<Option<(String, Vec<u8>)>> {
        self.row(sql::PHOTO_GET, &[&user.0])
            .await?
            .map(|r| rows::photo(&r))
            .transpose()
    }
}
