//! What both stores share for the monitor's dispatch views: the SELECT, the
//! outcome filters and the assembly of rows into a timeline.

use chrono::{DateTime, Utc};
use hail_protocol::monitor::{Dispatch, DispatchOutcome, TimelineEvent};
use hail_protocol::{CancelReason, CancelledBy, Money, TripId, TripStatus, UserId};

/// Columns in the order [`DispatchColumns`] lists them; both dialects.
pub(crate) const DISPATCH_SELECT: &str = "SELECT t.id, t.status, t.requested_at, t.accepted_at, \
     t.driver_id IS NOT NULL, t.node_id, \
     (SELECT count(*) FROM dispatch_rounds x WHERE x.trip_id = t.id), \
     (SELECT max(x.radius_m) FROM dispatch_rounds x WHERE x.trip_id = t.id), \
     (SELECT count(*) FROM trip_offers o WHERE o.trip_id = t.id), \
     (SELECT count(*) FROM trip_offers o WHERE o.trip_id = t.id AND o.outcome = 'declined'), \
     t.class, t.cancelled_by, t.cancel_reason, t.fare, t.cancel_fee \
     FROM trips t";

/// Active trips with their driver's latest point; the three subqueries
/// each walk `gps_points_trip` backwards one row.
pub(crate) const ACTIVE_TRIPS: &str = "SELECT t.id, t.status, t.pickup_lat, t.pickup_lng, \
     t.dropoff_lat, t.dropoff_lng, \
     (SELECT p.lat FROM gps_points p WHERE p.trip_id = t.id ORDER BY p.id DESC LIMIT 1), \
     (SELECT p.lng FROM gps_points p WHERE p.trip_id = t.id ORDER BY p.id DESC LIMIT 1), \
     (SELECT p.at FROM gps_points p WHERE p.trip_id = t.id ORDER BY p.id DESC LIMIT 1) \
     FROM trips t WHERE t.status IN ('requested', 'accepted', 'arrived', 'in_progress') \
     ORDER BY t.id DESC";

/// The WHERE condition selecting one outcome, matching [`DispatchOutcome::of`].
pub(crate) fn outcome_clause(outcome: DispatchOutcome) -> &'static str {
    match outcome {
        DispatchOutcome::Searching => "t.status = 'requested'",
        DispatchOutcome::Accepted => "t.driver_id IS NOT NULL",
        DispatchOutcome::Expired => "t.status = 'expired'",
        DispatchOutcome::Cancelled => "t.status = 'cancelled' AND t.driver_id IS NULL",
    }
}

/// One row of [`DISPATCH_SELECT`], as each store reads it.
pub(crate) struct DispatchColumns {
    pub trip_id: TripId,
    pub status: TripStatus,
    pub requested_at: DateTime<Utc>,
    pub accepted_at: Option<DateTime<Utc>>,
    pub has_driver: bool,
    pub node: String,
    pub rounds: i64,
    pub radius_m: Option<f64>,
    pub offered: i64,
    pub declined: i64,
    pub class: Option<String>,
    pub cancelled_by: Option<CancelledBy>,
    pub cancel_reason: Option<CancelReason>,
    /// The final fare's total, else the cancellation fee.
    pub charged: Option<Money>,
}

impl From<DispatchColumns> for Dispatch {
    fn from(c: DispatchColumns) -> Self {
        let count = |n: i64| u32::try_from(n).unwrap_or(u32::MAX);
        Dispatch {
            trip_id: c.trip_id,
            status: c.status,
            outcome: DispatchOutcome::of(c.status, c.has_driver),
            requested_at: c.requested_at,
            rounds: count(c.rounds),
            radius_m: c.radius_m,
            offered: count(c.offered),
            declined: count(c.declined),
            time_to_accept_ms: c
                .accepted_at
                .map(|a| (a - c.requested_at).num_milliseconds().max(0) as u64),
            node: c.node,
            class: c.class,
            cancelled_by: c.cancelled_by,
            cancel_reason: c.cancel_reason,
            charged: c.charged,
        }
    }
}

/// An offer row for the timeline.
pub(crate) struct OfferRow {
    pub driver_id: UserId,
    pub driver_name: String,
    pub round: u32,
    pub distance_m: f64,
    pub offered_at: DateTime<Utc>,
    pub outcome: String,
    pub ended_at: Option<DateTime<Utc>>,
}

/// Merges status changes, rounds and offers into one list, oldest first;
/// at equal times a round precedes its offers and a status change its
/// consequences, as they happened.
pub(crate) fn timeline(
    mut statuses: Vec<TimelineEvent>,
    rounds: Vec<TimelineEvent>,
    offers: Vec<OfferRow>,
) -> Vec<TimelineEvent> {
    statuses.extend(rounds);
    for o in offers {
        statuses.push(TimelineEvent::Offered {
            at: o.offered_at,
            driver_id: o.driver_id,
            driver_name: o.driver_name.clone(),
            round: o.round,
            distance_m: o.distance_m,
        });
        if let Some(at) = o.ended_at {
            statuses.push(TimelineEvent::OfferEnded {
                at,
                driver_id: o.driver_id,
                driver_name: o.driver_name,
                outcome: o.outcome,
            });
        }
    }
    statuses.sort_by_key(|e| (e.at(), rank(e)));
    statuses
}

fn rank(e: &TimelineEvent) -> u8 {
    match e {
        TimelineEvent::Status { from: None, .. } => 0,
        TimelineEvent::Round { .. } => 1,
        TimelineEvent::Offered { .. } => 2,
        TimelineEvent::OfferEnded { .. } => 3,
        TimelineEvent::Status { .. } => 4,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_timeline_is_ordered_by_time_then_by_cause() {
        let t0 = Utc::now();
        let t1 = t0 + chrono::Duration::milliseconds(5);
        let d = UserId::new();
        let status = |at, from, to| TimelineEvent::Status {
            at,
            from,
            to,
            node: "n1".into(),
        };
        let events = timeline(
            vec![
                status(t1, Some(TripStatus::Requested), TripStatus::Accepted),
                status(t0, None, TripStatus::Requested),
            ],
            vec![TimelineEvent::Round {
                at: t0,
                round: 1,
                radius_m: 3000.0,
                found: 1,
                node: "n1".into(),
            }],
            vec![OfferRow {
                driver_id: d,
                driver_name: "Dana".into(),
                round: 1,
                distance_m: 120.0,
                offered_at: t0,
                outcome: "accepted".into(),
                ended_at: Some(t1),
            }],
        );
        let kinds: Vec<&str> = events
            .iter()
            .map(|e| match e {
                TimelineEvent::Status { from: None, .. } => "created",
                TimelineEvent::Round { .. } => "round",
                TimelineEvent::Offered { .. } => "offered",
                TimelineEvent::OfferEnded { .. } => "offer_ended",
                TimelineEvent::Status { .. } => "status",
            })
            .collect();
        assert_eq!(
            kinds,
            ["created", "round", "offered", "offer_ended", "status"]
        );
    }

    #[test]
    fn outcomes_follow_status_and_driver() {
        let row = |status, has_driver, accepted: Option<i64>| DispatchColumns {
            trip_id: TripId::new(),
            status,
            requested_at: DateTime::<Utc>::from_timestamp_millis(1_000).unwrap_or_default(),
            accepted_at: accepted.and_then(DateTime::<Utc>::from_timestamp_millis),
            has_driver,
            node: "n".into(),
            rounds: 2,
            radius_m: Some(6000.0),
            offered: 3,
            declined: 1,
            class: None,
            cancelled_by: None,
            cancel_reason: None,
            charged: None,
        };
        let d: Dispatch = row(TripStatus::Completed, true, Some(1_250)).into();
        assert_eq!(d.outcome, DispatchOutcome::Accepted);
        assert_eq!(d.time_to_accept_ms, Some(250));
        let d: Dispatch = row(TripStatus::Cancelled, false, None).into();
        assert_eq!(d.outcome, DispatchOutcome::Cancelled);
        let d: Dispatch = row(TripStatus::Cancelled, true, Some(2_000)).into();
        assert_eq!(d.outcome, DispatchOutcome::Accepted);
        let d: Dispatch = row(TripStatus::Requested, false, None).into();
        assert_eq!(
            (d.outcome, d.rounds, d.offered),
            (DispatchOutcome::Searching, 2, 3)
        );
    }
}
