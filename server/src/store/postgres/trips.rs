//! Trips, their status changes and the rate count on Postgres.

use super::*;
use std::sync::LazyLock;
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

/// The trip columns of [`TRIP_SELECT`] read from the row a writable CTE
/// named `t` returned, instead of from the table.
fn select_from_cte() -> String {
    TRIP_SELECT.replacen("FROM trips t", "FROM t", 1)
}

/// Inserts the trip and its first event and reads it back, in one statement.
pub(super) static CREATE: LazyLock<String> = LazyLock::new(|| {
    format!(
        "WITH t AS ({} RETURNING *), \
         e AS (INSERT INTO trip_events (trip_id, from_status, to_status, actor_id, reason, node_id, at) \
               SELECT id, NULL, 'requested', rider_id, NULL, node_id, requested_at FROM t) \
         {}",
        sql::TRIP_INSERT,
        select_from_cte()
    )
});

/// [`sql::TRIP_TRANSITION`] plus its event (`$12` actor, `$13` node) and
/// the trip after, in one statement; no row when the trip was not in `$2`.
pub(super) static TRANSITION: LazyLock<String> = LazyLock::new(|| {
    format!(
        "WITH t AS ({} RETURNING *), \
         e AS (INSERT INTO trip_events (trip_id, from_status, to_status, actor_id, reason, node_id, at) \
               SELECT id, $2, $3, $12, $7, $13, $5 FROM t) \
         {}",
        sql::TRIP_TRANSITION,
        select_from_cte()
    )
});

/// The values [`TRANSITION`] binds, owned for the statement's lifetime.
pub(super) struct Bound<'a> {
    t: &'a Transition,
    fare: Option<String>,
    vehicle: Option<String>,
    cancel_fee: Option<String>,
    driver: Option<uuid::Uuid>,
    actor: Option<uuid::Uuid>,
    from: &'static str,
    to: &'static str,
    cancelled_by: Option<&'static str>,
    cancel_reason: Option<&'static str>,
}

impl<'a> Bound<'a> {
    pub(super) fn new(t: &'a Transition) -> StoreResult<Self> {
        Ok(Self {
            t,
            fare: rows::opt_json(t.fare.as_ref())?,
            vehicle: rows::opt_json(t.vehicle.as_ref())?,
            cancel_fee: rows::opt_json(t.cancel_fee.as_ref())?,
            driver: t.assign_driver.map(|d| d.0),
            actor: t.actor.map(|a| a.0),
            from: t.from.as_str(),
            to: t.to.as_str(),
            cancelled_by: t.cancelled_by.map(|c| c.as_str()),
            cancel_reason: t.cancel_reason.map(|c| c.as_str()),
        })
    }

    pub(super) fn params(&self) -> [&(dyn ToSql + Sync); 13] {
        [
            &self.t.trip_id.0,
            &self.from,
            &self.to,
            &self.driver,
            &self.t.at,
            &self.cancelled_by,
            &self.t.reason,
            &self.fare,
            &self.vehicle,
            &self.cancel_reason,
            &self.cancel_fee,
            &self.actor,
            &self.t.node_id,
        ]
    }
}

pub(super) fn trip_of(row: Option<Row>) -> StoreResult<Option<Trip>> {
    row.map(|r| trip_from_row(&r).map(|rec| rec.trip))
        .transpose()
}

#[async_trait]
impl TripStore for PgStore {
    // Own SQL: one statement (writable CTEs) instead of a transaction of
    // four round trips; a single statement is atomic on its own.
    async fn create_trip(&self, trip: NewTrip) -> StoreResult<Trip> {
        let estimate = rows::opt_json(trip.estimate.as_ref())?;
        let client = self.client().await?;
        let stmt = client.prepare_cached(&CREATE).await.map_err(map_err)?;
        let row = client
            .query_one(
                &stmt,
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
        Ok(trip_from_row(&row)?.trip)
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

    // Own SQL: the change, its event and the trip after in one statement;
    // an accept first takes the offer in the same transaction.
    async fn transition(&self, t: &Transition) -> StoreResult<Option<Trip>> {
        let bound = Bound::new(t)?;
        let params = bound.params();
        let mut client = self.client().await?;
        let Some(driver) = t.assign_driver else {
            let stmt = client.prepare_cached(&TRANSITION).await.map_err(map_err)?;
            let row = client.query_opt(&stmt, &params).await.map_err(map_err)?;
            return trip_of(row);
        };
        // Accepting: the offer first (its row lock orders this against the
        // offer ending), so an offer that ended meanwhile changes nothing.
        let tx = client.transaction().await.map_err(map_err)?;
        let accept = tx
            .prepare_cached(sql::OFFER_ACCEPT)
            .await
            .map_err(map_err)?;
        if tx
            .execute(&accept, &[&t.trip_id.0, &driver.0, &t.at])
            .await
            .map_err(map_err)?
            == 0
        {
            return Ok(None); // the offer ended meanwhile; dropping tx rolls back
        }
        let stmt = tx.prepare_cached(&TRANSITION).await.map_err(map_err)?;
        let Some(row) = tx.query_opt(&stmt, &params).await.map_err(map_err)? else {
            return Ok(None); // the trip moved on: the offer stays as it was
        };
        let record = trip_from_row(&row)?;
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
