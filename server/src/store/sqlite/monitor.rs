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
            let rows = stmt.query_map([limit as i64], |r| {
                let status: String = r.get(1)?;
                let Some(status) = TripStatus::parse(&status) else {
                    return Ok(None);
                };
                let driver = match (
                    r.get::<_, Option<f64>>(6)?,
                    r.get::<_, Option<f64>>(7)?,
                    r.get::<_, Option<i64>>(8)?,
                ) {
                    (Some(lat), Some(lng), Some(at)) => Some(hail_protocol::monitor::MapPoint {
                        lat,
                        lng,
                        at: time(at),
                    }),
                    _ => None,
                };
                Ok(Some(hail_protocol::monitor::MapTrip {
                    trip_id: TripId(uuid_col(r, 0)?),
                    status,
                    pickup: hail_protocol::Position {
                        lat: r.get(2)?,
                        lng: r.get(3)?,
                    },
                    dropoff: hail_protocol::Position {
                        lat: r.get(4)?,
                        lng: r.get(5)?,
                    },
                    driver,
                }))
            })?;
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
        use hail_protocol::monitor::{DispatchDetail, TimelineEvent};
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
                .query_map([&id], |r| {
                    let from: Option<String> = r.get(0)?;
                    let to: String = r.get(1)?;
                    Ok((from, to, r.get::<_, String>(2)?, r.get::<_, i64>(3)?))
                })?
                .collect::<rusqlite::Result<Vec<_>>>()?
                .into_iter()
                .filter_map(|(from, to, node, at)| {
                    Some(TimelineEvent::Status {
                        at: time(at),
                        from: from.as_deref().and_then(TripStatus::parse),
                        to: TripStatus::parse(&to)?,
                        node,
                    })
                })
                .collect();
            let rounds = c
                .prepare_cached(lite!(sql::ROUNDS_OF_TRIP))?
                .query_map([&id], |r| {
                    Ok(TimelineEvent::Round {
                        round: r.get(0)?,
                        radius_m: r.get(1)?,
                        found: r.get(2)?,
                        node: r.get(3)?,
                        at: time(r.get(4)?),
                    })
                })?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            let offers = c
                .prepare_cached(lite!(sql::OFFERS_OF_TRIP))?
                .query_map([&id], |r| {
                    Ok(dispatch_log::OfferRow {
                        driver_id: UserId(uuid_col(r, 0)?),
                        driver_name: r.get(1)?,
                        round: r.get(2)?,
                        distance_m: r.get(3)?,
                        offered_at: time(r.get(4)?),
                        outcome: r.get(5)?,
                        ended_at: opt_time(r.get(6)?),
                    })
                })?
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
