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
        Ok(rows
            .iter()
            .filter_map(|r| {
                Some(hail_protocol::monitor::MapTrip {
                    trip_id: TripId(r.get(0)),
                    status: TripStatus::parse(r.get(1))?,
                    pickup: hail_protocol::Position {
                        lat: r.get(2),
                        lng: r.get(3),
                    },
                    dropoff: hail_protocol::Position {
                        lat: r.get(4),
                        lng: r.get(5),
                    },
                    driver: match (r.get(6), r.get(7), r.get(8)) {
                        (Some(lat), Some(lng), Some(at)) => {
                            Some(hail_protocol::monitor::MapPoint { lat, lng, at })
                        }
                        _ => None,
                    },
                })
            })
            .collect())
    }

    async fn dispatch_detail(
        &self,
        trip: TripId,
    ) -> StoreResult<Option<hail_protocol::monitor::DispatchDetail>> {
        use hail_protocol::monitor::{DispatchDetail, TimelineEvent};
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
            .filter_map(|r| {
                Some(TimelineEvent::Status {
                    at: r.get(3),
                    from: r.get::<_, Option<&str>>(0).and_then(TripStatus::parse),
                    to: TripStatus::parse(r.get(1))?,
                    node: r.get(2),
                })
            })
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
            .map(|r| TimelineEvent::Round {
                round: r.get::<_, i32>(0).max(0) as u32,
                radius_m: r.get(1),
                found: r.get::<_, i32>(2).max(0) as u32,
                node: r.get(3),
                at: r.get(4),
            })
            .collect();
        let stmt = client
            .prepare_cached(sql::OFFERS_OF_TRIP)
            .await
            .map_err(map_err)?;
        let offers = client
            .query(&stmt, &[&trip.0])
            .await
            .map_err(map_err)?
            .iter()
            .map(|r| dispatch_log::OfferRow {
                driver_id: UserId(r.get(0)),
                driver_name: r.get(1),
                round: r.get::<_, i32>(2).max(0) as u32,
                distance_m: r.get(3),
                offered_at: r.get(4),
                outcome: r.get(5),
                ended_at: r.get(6),
            })
            .collect();
        Ok(Some(DispatchDetail {
            dispatch,
            timeline: dispatch_log::timeline(statuses, rounds, offers),
        }))
    }
}

fn dispatch_from_row(r: &Row) -> StoreResult<hail_protocol::monitor::Dispatch> {
    rows::dispatch(r)
}
