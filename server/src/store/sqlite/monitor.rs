//! The monitor's views on SQLite.

use super::*;
use rusqlite::{OptionalExtension, Row};

#[async_trait]
impl MonitorStore for SqliteStore {
    async fn trip_counts(&self) -> StoreResult<hail_protocol::monitor::TripCounts> {
        self.run(move |c| {
            let mut stmt = c.prepare_cached(lite!(sql::TRIP_COUNTS))?;
            let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))?;
            let mut counts = hail_protocol::monitor::TripCounts::default();
            for row in rows {
                let (status, n) = row?;
                if let Some(status) = TripStatus::parse(&status) {
                    counts.set(status, n.max(0) as u64);
                }
            }
            Ok(counts)
        })
        .await
    }

    async fn dispatches(
        &self,
        outcome: Option<hail_protocol::monitor::DispatchOutcome>,
        limit: usize,
    ) -> StoreResult<Vec<hail_protocol::monitor::Dispatch>> {
        let sql = sql::lite(&sql::dispatches(outcome));
        self.run(move |c| {
            let mut stmt = c.prepare_cached(&sql)?;
            let rows = stmt.query_map([limit as i64], dispatch_from_row)?;
            rows.collect()
        })
        .await
    }

    async fn active_trips(
        &self,
        limit: usize,
    ) -> StoreResult<Vec<hail_protocol::monitor::MapTrip>> {
        self.run(move |c| {
            let mut stmt = c.prepare_cached(lite!(*sql::ACTIVE_TRIPS))?;
            let rows = stmt.query_map([limit as i64], |r| rows::map_trip(r))?;
            let mut out = Vec::new();
            for row in rows {
                out.extend(row?);
            }
            Ok(out)
        })
        .await
    }

    async fn dispatch_detail(
        &self,
        trip: TripId,
    ) -> StoreResult<Option<hail_protocol::monitor::DispatchDetail>> {
        use hail_protocol::monitor::DispatchDetail;
        self.run(move |c| {
            let id = trip.to_string();
            let Some(dispatch) = c
                .prepare_cached(lite!(*sql::DISPATCH_BY_ID))?
                .query_row([&id], dispatch_from_row)
                .optional()?
            else {
                return Ok(None);
            };
            let statuses = c
                .prepare_cached(lite!(sql::EVENTS_OF_TRIP))?
                .query_map([&id], |r| rows::status_event(r))?
                .collect::<rusqlite::Result<Vec<_>>>()?
                .into_iter()
                .flatten()
                .collect();
            let rounds = c
                .prepare_cached(lite!(sql::ROUNDS_OF_TRIP))?
                .query_map([&id], |r| rows::round_event(r))?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            let offers = c
                .prepare_cached(lite!(sql::OFFERS_OF_TRIP))?
                .query_map([&id], |r| rows::offer(r))?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            Ok(Some(DispatchDetail {
                dispatch,
                timeline: dispatch_log::timeline(statuses, rounds, offers),
            }))
        })
        .await
    }
}

fn dispatch_from_row(r: &Row) -> rusqlite::Result<hail_protocol::monitor::Dispatch> {
    rows::dispatch(r)
}
