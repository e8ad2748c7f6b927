//! The ride layer on SQLite: vehicles, quotes, ratings, demand, photos.

use super::*;
use hail_protocol::http::Rating;
use hail_protocol::{Position, RatingSummary, Vehicle};
use rusqlite::{params, OptionalExtension};
use std::collections::HashMap;

#[async_trait]
impl RideStore for SqliteStore {
    async fn put_vehicle(
        &self,
        driver: UserId,
        vehicle: &Vehicle,
        at: DateTime<Utc>,
    ) -> StoreResult<()> {
        let v = vehicle.clone();
        self.run(move |c| {
            c.prepare_cached(lite!(sql::VEHICLE_PUT))?.execute(params![
                driver.to_string(),
                v.make,
                v.model,
                v.colour,
                v.plate,
                v.class,
                v.seats,
                us(at)
            ])?;
            Ok(())
        })
        .await
    }

    async fn vehicle(&self, driver: UserId) -> StoreResult<Option<Vehicle>> {
        self.run(move |c| {
            c.prepare_cached(lite!(sql::VEHICLE_GET))?
                .query_row([driver.to_string()], |r| rows::vehicle(r))
                .optional()
        })
        .await
    }

    // Own SQL: no arrays, so one read per driver (Postgres: `= ANY($1)`).
    async fn vehicle_classes(&self, drivers: &[UserId]) -> StoreResult<HashMap<UserId, String>> {
        let drivers = drivers.to_vec();
        self.run(move |c| {
            let mut stmt =
                c.prepare_cached("SELECT driver_id, class FROM vehicles WHERE driver_id = ?1")?;
            let mut out = HashMap::new();
            for d in drivers {
                if let Some((id, class)) = stmt
                    .query_row([d.to_string()], |r| rows::driver_class(r))
                    .optional()?
                {
                    out.insert(id, class);
                }
            }
            Ok(out)
        })
        .await
    }

    async fn insert_quotes(&self, quotes: &[QuoteRecord]) -> StoreResult<()> {
        let fares = quotes
            .iter()
            .map(|q| rows::to_json(&q.fare))
            .collect::<StoreResult<Vec<String>>>()?;
        let quotes = quotes.to_vec();
        self.run(move |c| {
            let tx = c.transaction()?;
            {
                let mut insert = tx.prepare_cached(lite!(sql::QUOTE_INSERT))?;
                for (q, fare) in quotes.iter().zip(fares) {
                    insert.execute(params![
                        q.id.to_string(),
                        q.rider_id.to_string(),
                        q.class,
                        q.pickup.lat(),
                        q.pickup.lng(),
                        q.pickup.address(),
                        q.dropoff.lat(),
                        q.dropoff.lng(),
                        q.dropoff.address(),
                        fare,
                        us(q.created_at),
                        us(q.expires_at)
                    ])?;
                }
            }
            tx.commit()
        })
        .await
    }

    async fn quote(&self, id: uuid::Uuid) -> StoreResult<Option<QuoteRecord>> {
        self.run(move |c| {
            c.prepare_cached(lite!(sql::QUOTE_BY_ID))?
                .query_row([id.to_string()], |r| rows::quote(r))
                .optional()
        })
        .await
    }

    async fn prune_quotes(&self, before: DateTime<Utc>) -> StoreResult<u64> {
        self.run(move |c| {
            let n = c
                .prepare_cached(lite!(sql::QUOTES_PRUNE))?
                .execute([us(before)])?;
            Ok(n as u64)
        })
        .await
    }

    async fn insert_rating(&self, rating: &NewRating) -> StoreResult<Rating> {
        let r = rating.clone();
        let inserted = self
            .run(move |c| {
                let tx = c.transaction()?;
                let n = tx
                    .prepare_cached(lite!(sql::RATING_INSERT))?
                    .execute(params![
                        r.trip_id.to_string(),
                        r.rater_id.to_string(),
                        r.ratee_id.to_string(),
                        r.by.as_str(),
                        r.stars,
                        r.comment,
                        us(r.at)
                    ])?;
                if n == 0 {
                    return Ok(false); // dropping tx rolls back
                }
                tx.prepare_cached(lite!(sql::RATING_ADD))?
                    .execute(params![r.ratee_id.to_string(), r.stars])?;
                tx.commit()?;
                Ok(true)
            })
            .await?;
        if !inserted {
            return Err(StoreError::Conflict("already rated"));
        }
        Ok(rows::new_rating(rating))
    }

    async fn trip_ratings(&self, trip: TripId) -> StoreResult<Vec<Rating>> {
        self.run(move |c| {
            let mut stmt = c.prepare_cached(lite!(sql::TRIP_RATINGS))?;
            let rows = stmt.query_map([trip.to_string()], |r| rows::rating(r))?;
            rows.collect()
        })
        .await
    }

    async fn rating_summary(&self, user: UserId) -> StoreResult<Option<RatingSummary>> {
        self.run(move |c| {
            c.prepare_cached(lite!(sql::RATING_SUMMARY))?
                .query_row([user.to_string()], |r| rows::rating_summary(r))
                .optional()
                .map(Option::flatten)
        })
        .await
    }

    async fn pickups_since(
        &self,
        since: DateTime<Utc>,
        limit: usize,
    ) -> StoreResult<Vec<Position>> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        self.run(move |c| {
            let mut stmt = c.prepare_cached(lite!(sql::PICKUPS_SINCE))?;
            let rows = stmt.query_map(params![us(since), limit], |r| rows::pickup(r))?;
            rows.collect()
        })
        .await
    }

    async fn put_photo(
        &self,
        user: UserId,
        content_type: &str,
        bytes: &[u8],
        at: DateTime<Utc>,
    ) -> StoreResult<()> {
        let (content_type, bytes) = (content_type.to_string(), bytes.to_vec());
        self.run(move |c| {
            c.prepare_cached(lite!(sql::PHOTO_PUT))?.execute(params![
                user.to_string(),
                content_type,
                bytes,
                us(at)
            ])?;
            Ok(())
        })
        .await
    }

    async fn photo(&self, user: UserId) -> StoreResult<Option<(String, Vec<u8>)>> {
        self.run(move |c| {
            c.prepare_cached(lite!(sql::PHOTO_GET))?
                .query_row([user.to_string()], |r| rows::photo(r))
                .optional()
        })
        .await
    }
}
