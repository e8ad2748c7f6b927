//! Trips, their status changes and the rate count on SQLite.

use super::*;
use rusqlite::{params, Connection, OptionalExtension, Row, Transaction};

fn trip_from_row(row: &Row) -> rusqlite::Result<TripRecord> {
    rows::trip(row)
}

fn trip_by_id(conn: &Connection, id: TripId) -> rusqlite::Result<Option<TripRecord>> {
    conn.prepare_cached(lite!(*sql::TRIP_BY_ID))?
        .query_row([id.to_string()], trip_from_row)
        .optional()
}

/// One row of `trip_events`.
struct Event<'a> {
    trip: TripId,
    from: Option<TripStatus>,
    to: TripStatus,
    actor: Option<UserId>,
    reason: Option<&'a str>,
    node: &'a str,
    at: DateTime<Utc>,
}

fn insert_event(tx: &Transaction, e: Event) -> rusqlite::Result<()> {
    tx.prepare_cached(lite!(sql::EVENT_INSERT))?
        .execute(params![
            e.trip.to_string(),
            e.from.map(|s| s.as_str()),
            e.to.as_str(),
            e.actor.map(|a| a.to_string()),
            e.reason,
            e.node,
            us(e.at)
        ])?;
    Ok(())
}

#[async_trait]
impl TripStore for SqliteStore {
    async fn create_trip(&self, trip: NewTrip) -> StoreResult<Trip> {
        let estimate = rows::opt_json(trip.estimate.as_ref())?;
        self.run(move |c| {
            let tx = c.transaction()?;
            tx.prepare_cached(lite!(sql::TRIP_INSERT))?
                .execute(params![
                    trip.id.to_string(),
                    trip.rider_id.to_string(),
                    trip.pickup.lat(),
                    trip.pickup.lng(),
                    trip.pickup.address(),
                    trip.dropoff.lat(),
                    trip.dropoff.lng(),
                    trip.dropoff.address(),
                    us(trip.requested_at),
                    trip.node_id,
                    us(trip.lease_until),
                    trip.class,
                    trip.quote_id.map(|q| q.to_string()),
                    estimate
                ])?;
            insert_event(
                &tx,
                Event {
                    trip: trip.id,
                    from: None,
                    to: TripStatus::Requested,
                    actor: Some(trip.rider_id),
                    reason: None,
                    node: &trip.node_id,
                    at: trip.requested_at,
                },
            )?;
            let record = trip_by_id(&tx, trip.id)?.ok_or(rusqlite::Error::QueryReturnedNoRows)?;
            tx.commit()?;
            Ok(record.trip)
        })
        .await
    }

    async fn trip(&self, id: TripId) -> StoreResult<Option<TripRecord>> {
        self.run(move |c| trip_by_id(c, id)).await
    }

    async fn active_trip(&self, user: UserId) -> StoreResult<Option<Trip>> {
        self.run(move |c| {
            c.prepare_cached(lite!(*sql::ACTIVE_TRIP))?
                .query_row([user.to_string()], trip_from_row)
                .optional()
                .map(|r| r.map(|r| r.trip))
        })
        .await
    }

    async fn list_trips(&self, filter: &TripFilter) -> StoreResult<Vec<Trip>> {
        let filter = filter.clone();
        self.run(move |c| {
            let (pg, args) = sql::list_trips(&filter);
            let args = args.into_iter().map(|a| -> rusqlite::types::Value {
                match a {
                    sql::Arg::Id(id) => id.to_string().into(),
                    sql::Arg::Text(s) => s.to_string().into(),
                    sql::Arg::Int(n) => n.into(),
                }
            });
            let mut stmt = c.prepare_cached(&sql::lite(&pg))?;
            let rows = stmt.query_map(rusqlite::params_from_iter(args), trip_from_row)?;
            rows.map(|r| r.map(|r| r.trip)).collect()
        })
        .await
    }

    async fn transition(&self, t: &Transition) -> StoreResult<Option<Trip>> {
        let fare = rows::opt_json(t.fare.as_ref())?;
        let vehicle = rows::opt_json(t.vehicle.as_ref())?;
        let cancel_fee = rows::opt_json(t.cancel_fee.as_ref())?;
        let t = t.clone();
        self.run(move |c| {
            let tx = c.transaction()?;
            let trip = t.trip_id.to_string();
            if let Some(driver) = t.assign_driver {
                let changed = tx
                    .prepare_cached(lite!(sql::OFFER_ACCEPT))?
                    .execute(params![trip, driver.to_string(), us(t.at)])?;
                if changed == 0 {
                    return Ok(None); // dropping tx rolls back
                }
            }
            let to = t.to.as_str();
            let changed = tx
                .prepare_cached(lite!(sql::TRIP_TRANSITION))?
                .execute(params![
                    trip,
                    t.from.as_str(),
                    to,
                    t.assign_driver.map(|d| d.to_string()),
                    us(t.at),
                    t.cancelled_by.map(|c| c.as_str()),
                    t.reason,
                    fare,
                    vehicle,
                    t.cancel_reason.map(|c| c.as_str()),
                    cancel_fee
                ])?;
            if changed == 0 {
                return Ok(None);
            }
            insert_event(
                &tx,
                Event {
                    trip: t.trip_id,
                    from: Some(t.from),
                    to: t.to,
                    actor: t.actor,
                    reason: t.reason.as_deref(),
                    node: &t.node_id,
                    at: t.at,
                },
            )?;
            let record = trip_by_id(&tx, t.trip_id)?.ok_or(rusqlite::Error::QueryReturnedNoRows)?;
            tx.commit()?;
            Ok(Some(record.trip))
        })
        .await
    }

    async fn trips_requested_since(
        &self,
        rider: UserId,
        since: DateTime<Utc>,
        cap: usize,
    ) -> StoreResult<usize> {
        let cap = i64::try_from(cap).unwrap_or(i64::MAX);
        self.run(move |c| {
            c.prepare_cached(lite!(sql::TRIPS_REQUESTED_SINCE))?
                .query_row(params![rider.to_string(), us(since), cap], |r| {
                    r.get::<_, i64>(0)
                })
                .map(|n| usize::try_from(n).unwrap_or(0))
        })
        .await
    }
}
