//! Trips, their status changes and the rate count on Postgres.

use super::*;
use deadpool_postgres::Transaction;
use tokio_postgres::types::ToSql;
use tokio_postgres::Row;

impl PgStore {
    async fn query_trips(
        &self,
        sql: &str,
        params: &[&(dyn ToSql + Sync)],
    ) -> StoreResult<Vec<TripRecord>> {
        let client = self.client().await?;
        let stmt = client.prepare_cached(sql).await.map_err(map_err)?;
        let rows = client.query(&stmt, params).await.map_err(map_err)?;
        rows.iter().map(trip_from_row).collect()
    }
}

fn trip_from_row(row: &Row) -> StoreResult<TripRecord> {
    rows::trip(row)
}

/// The trip as the transaction that just wrote it sees it.
async fn trip_in(tx: &Transaction<'_>, id: TripId) -> StoreResult<TripRecord> {
    let stmt = tx.prepare_cached(&sql::TRIP_BY_ID).await.map_err(map_err)?;
    let row = tx.query_one(&stmt, &[&id.0]).await.map_err(map_err)?;
    trip_from_row(&row)
}

#[async_trait]
impl TripStore for PgStore {
    async fn create_trip(&self, trip: NewTrip) -> StoreResult<Trip> {
        let estimate = rows::opt_json(trip.estimate.as_ref())?;
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(map_err)?;
        let insert = tx.prepare_cached(sql::TRIP_INSERT).await.map_err(map_err)?;
        tx.execute(
            &insert,
            &[
                &trip.id.0,
                &trip.rider_id.0,
                &trip.pickup.lat(),
                &trip.pickup.lng(),
                &trip.pickup.address(),
                &trip.dropoff.lat(),
                &trip.dropoff.lng(),
                &trip.dropoff.address(),
                &trip.requested_at,
                &trip.node_id,
                &trip.lease_until,
                &trip.class,
                &trip.quote_id,
                &estimate,
            ],
        )
        .await
        .map_err(map_err)?;
        let requested = TripStatus::Requested.as_str();
        insert_event(
            &tx,
            &[
                &trip.id.0,
                &None::<&str>,
                &requested,
                &Some(trip.rider_id.0),
                &None::<&str>,
                &trip.node_id,
                &trip.requested_at,
            ],
        )
        .await?;
        let record = trip_in(&tx, trip.id).await?;
        tx.commit().await.map_err(map_err)?;
        Ok(record.trip)
    }

    async fn trip(&self, id: TripId) -> StoreResult<Option<TripRecord>> {
        let mut rows = self.query_trips(&sql::TRIP_BY_ID, &[&id.0]).await?;
        Ok(rows.pop())
    }

    async fn active_trip(&self, user: UserId) -> StoreResult<Option<Trip>> {
        let mut rows = self.query_trips(&sql::ACTIVE_TRIP, &[&user.0]).await?;
        Ok(rows.pop().map(|r| r.trip))
    }

    async fn list_trips(&self, filter: &TripFilter) -> StoreResult<Vec<Trip>> {
        let (sql, args) = sql::list_trips(filter);
        let params: Vec<Box<dyn ToSql + Sync + Send>> = args
            .into_iter()
            .map(|a| -> Box<dyn ToSql + Sync + Send> {
                match a {
                    sql::Arg::Id(id) => Box::new(id),
                    sql::Arg::Text(s) => Box::new(s),
                    sql::Arg::Int(n) => Box::new(n),
                }
            })
            .collect();
        let refs: Vec<&(dyn ToSql + Sync)> = params.iter().map(|p| p.as_ref() as _).collect();
        Ok(self
            .query_trips(&sql, &refs)
            .await?
            .into_iter()
            .map(|r| r.trip)
            .collect())
    }

    async fn transition(&self, t: &Transition) -> StoreResult<Option<Trip>> {
        let fare = rows::opt_json(t.fare.as_ref())?;
        let vehicle = rows::opt_json(t.vehicle.as_ref())?;
        let cancel_fee = rows::opt_json(t.cancel_fee.as_ref())?;
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(map_err)?;
        if let Some(driver) = t.assign_driver {
            let stmt = tx
                .prepare_cached(sql::OFFER_ACCEPT)
                .await
                .map_err(map_err)?;
            if tx
                .execute(&stmt, &[&t.trip_id.0, &driver.0, &t.at])
                .await
                .map_err(map_err)?
                == 0
            {
                return Ok(None); // the offer ended meanwhile; dropping tx rolls back
            }
        }
        let update = tx
            .prepare_cached(sql::TRIP_TRANSITION)
            .await
            .map_err(map_err)?;
        let changed = tx
            .execute(
                &update,
                &[
                    &t.trip_id.0,
                    &t.from.as_str(),
                    &t.to.as_str(),
                    &t.assign_driver.map(|d| d.0),
                    &t.at,
                    &t.cancelled_by.map(|c| c.as_str()),
                    &t.reason,
                    &fare,
                    &vehicle,
                    &t.cancel_reason.map(|c| c.as_str()),
                    &cancel_fee,
                ],
            )
            .await
            .map_err(map_err)?;
        if changed == 0 {
            return Ok(None);
        }
        let (from, to) = (t.from.as_str(), t.to.as_str());
        insert_event(
            &tx,
            &[
                &t.trip_id.0,
                &from,
                &to,
                &t.actor.map(|a| a.0),
                &t.reason,
                &t.node_id,
                &t.at,
            ],
        )
        .await?;
        let record = trip_in(&tx, t.trip_id).await?;
        tx.commit().await.map_err(map_err)?;
        Ok(Some(record.trip))
    }

    async fn trips_requested_since(
        &self,
        rider: UserId,
        since: DateTime<Utc>,
        cap: usize,
    ) -> StoreResult<usize> {
        let client = self.client().await?;
        let stmt = client
            .prepare_cached(sql::TRIPS_REQUESTED_SINCE)
            .await
            .map_err(map_err)?;
        let cap = i64::try_from(cap).unwrap_or(i64::MAX);
        let row = client
            .query_one(&stmt, &[&rider.0, &since, &cap])
            .await
            .map_err(map_err)?;
        Ok(usize::try_from(row.get::<_, i64>(0)).unwrap_or(0))
    }
}

/// One row of a trip's history (`sql::EVENT_INSERT`'s seven parameters),
/// inside the transaction that changed the trip.
async fn insert_event(tx: &Transaction<'_>, params: &[&(dyn ToSql + Sync)]) -> StoreResult<()> {
    let event = tx
        .prepare_cached(sql::EVENT_INSERT)
        .await
        .map_err(map_err)?;
    tx.execute(&event, params).await.map_err(map_err)?;
    Ok(())
}
