//! The monitor's views on Postgres.

use super::*;
use tokio_postgres::Row;

#[async_trait]
impl MonitorStore for PgStore {
    async fn trip_counts(&self) -> StoreResult<hail_protocol::monitor::TripCounts> {
        let client = self.client().await?;
        let stmt = client
            .prepare_cached(sql::TRIP_COUNTS)
            .await
            .map_err(map_err)?;
        let mut counts = hail_protocol::monitor::TripCounts::default();
        for row in client.query(&stmt, &[]).await.map_err(map_err)? {
            if let Some(status) = TripStatus::parse(row.get::<_, &str>(0)) {
                counts.set(status, row.get::<_, i64>(1).max(0) as u64);
            }
        }
        Ok(counts)
    }

    async fn dispatches(
        &self,
        outcome: Option<hail_protocol::monitor::DispatchOutcome>,
        limit: usize,
    ) -> StoreResult<Vec<hail_protocol::monitor::Dispatch>> {
        let sql = sql::dispatches(outcome);
        let client = self.client().await?;
        let stmt = client.prepare_cached(&sql).await.map_err(map_err)?;
        let rows = client
            .query(&stmt, &[&(limit as i64)])
            .await
            .map_err(map_err)?;
        rows.iter().map(dispatch_from_row).collect()
    }

    async fn active_trips(
        &self,
        limit: usize,
    ) -> StoreResult<Vec<hail_protocol::monitor::MapTrip>> {
        let client = self.client().await?;
        let stmt = client
            .prepare_cached(&sql::ACTIVE_TRIPS)
            .await
            .map_err(map_err)?;
        let rows = client
            .query(&stmt, &[&(limit as i64)])
            .await
            .map_err(map_err)?;
        let trips = rows
            .iter()
            .map(rows::map_trip)
            .collect::<StoreResult<Vec<_>>>()?;
        Ok(trips.into_iter().flatten().collect())
    }

    async fn dispatch_detail(
        &self,
        trip: TripId,
    ) -> StoreResult<Option<hail_protocol::monitor::DispatchDetail>> {
        use hail_protocol::monitor::DispatchDetail;
        let client = self.client().await?;
        let stmt = client
            .prepare_cached(&sql::DISPATCH_BY_ID)
            .await
            .map_err(map_err)?;
        let Some(row) = client.query_opt(&stmt, &[&trip.0]).await.map_err(map_err)? else {
            return Ok(None);
        };
        let dispatch = dispatch_from_row(&row)?;
        let stmt = client
            .prepare_cached(sql::EVENTS_OF_TRIP)
            .await
            .map_err(map_err)?;
        let statuses = client
            .query(&stmt, &[&trip.0])
            .await
            .map_err(map_err)?
            .iter()
            .map(rows::status_event)
            .collect::<StoreResult<Vec<_>>>()?
            .into_iter()
            .flatten()
            .collect();
        let stmt = client
            .prepare_cached(sql::ROUNDS_OF_TRIP)
            .await
            .map_err(map_err)?;
        let rounds = client
            .query(&stmt, &[&trip.0])
            .await
            .map_err(map_err)?
            .iter()
            .map(rows::round_event)
            .collect::<StoreResult<_>>()?;
        let stmt = client
            .prepare_cached(sql::OFFERS_OF_TRIP)
            .await
            .map_err(map_err)?;
        let offers = client
            .query(&stmt, &[&trip.0])
            .await
            .map_err(map_err)?
            .iter()
            .map(rows::offer)
            .collect::<StoreResult<_>>()?;
        Ok(Some(DispatchDetail {
            dispatch,
            timeline: dispatch_log::timeline(statuses, rounds, offers),
        }))
    }
}

fn dispatch_from_row(r: &Row) -> StoreResult<hail_protocol::monitor::Dispatch> {
    rows::dispatch(r)
}
