//! A driver session's state: on duty or not, last position, and the trip it
//! is driving (learned from `hello`, command results and `trip.updated`, so
//! GPS is routed without a lookup per point).

use hail_protocol::ws::EtaTarget;
use hail_protocol::{Position, Trip, TripId, TripStatus, UserId};
use tokio::time::Instant;

#[derive(Debug, Clone, Copy)]
pub struct DrivingTrip {
    pub id: TripId,
    pub rider: UserId,
    /// Where the car is headed, for the rider's live ETA: the pickup while
    /// `accepted`, the dropoff while `in_progress`, nowhere while waiting.
    pub target: Option<(EtaTarget, Position)>,
}

fn target(trip: &Trip) -> Option<(EtaTarget, Position)> {
    match trip.status {
        TripStatus::Accepted => Some((EtaTarget::Pickup, trip.pickup.position())),
        TripStatus::InProgress => Some((EtaTarget::Dropoff, trip.dropoff.position())),
        _ => None,
    }
}

#[derive(Debug, Default)]
pub struct DriverState {
    /// On duty: offered trips when not driving one.
    pub on_duty: bool,
    /// Last position and when it arrived.
    pub last: Option<(Position, Instant, i64)>,
    pub driving: Option<DrivingTrip>,
    /// When this driver's position last went into the geo index.
    pub indexed_at: Option<Instant>,
    /// The newest version (`seq`) seen of the trip last observed: events
    /// reach a session by two paths (command results and the bus), so an
    /// older status can arrive after a newer one and must not bring back a
    /// trip that has ended.
    pub latest: Option<(TripId, u64)>,
}

/// What a trip change means for this driver's availability.
#[derive(Debug, PartialEq, Eq)]
pub enum Change {
    None,
    /// Started driving a trip: leave the index.
    StartedDriving,
    /// The trip ended: back in the index if on duty.
    StoppedDriving,
}

impl DriverState {
    /// Updates from a trip this session saw; `me` is the session's user.
    pub fn observe(&mut self, me: UserId, trip: &Trip) -> Change {
        let seq = trip.seq;
        if self
            .latest
            .is_some_and(|(id, newest)| id == trip.id && seq < newest)
        {
            return Change::None;
        }
        self.latest = Some((trip.id, seq));
        let mine = trip.driver.as_ref().is_some_and(|d| d.id == me);
        if mine && trip.status.is_driving() {
            let was = self.driving.replace(DrivingTrip {
                id: trip.id,
                rider: trip.rider.id,
                target: target(trip),
            });
            return if was.is_none() {
                Change::StartedDriving
            } else {
                Change::None
            };
        }
        if self.driving.is_some_and(|d| d.id == trip.id) {
            self.driving = None;
            return Change::StoppedDriving;
        }
        Change::None
    }

    /// Whether a new position should be written to the geo index now: at
    /// most once per `every` (dispatch needs a fresh position, not every
    /// one; a car at 10 Hz would otherwise cost ten index writes a second).
    pub fn index_due(&self, every: std::time::Duration) -> bool {
        self.indexed_at.is_none_or(|at| at.elapsed() >= every)
    }

    /// The last position if newer than `max_age`.
    pub fn fresh_position(&self, max_age: std::time::Duration) -> Option<(Position, i64)> {
        self.last
            .filter(|(_, at, _)| at.elapsed() <= max_age)
            .map(|(p, _, ms)| (p, ms))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hail_protocol::{Place, TripStatus, TripUser};

    fn trip(driver: Option<UserId>, status: TripStatus) -> Trip {
        versioned(driver, status, 1)
    }

    fn versioned(driver: Option<UserId>, status: TripStatus, seq: u32) -> Trip {
        let at = Position::new(1.0, 1.0).expect("valid");
        let place = Place::new(at, None).expect("valid");
        Trip {
            id: TripId(uuid::Uuid::nil()),
            status,
            rider: TripUser::named(UserId(uuid::Uuid::nil()), "r"),
            driver: driver.map(|id| TripUser::named(id, "d")),
            pickup: place.clone(),
            dropoff: place,
            requested_at: chrono::Utc::now(),
            accepted_at: None,
            arrived_at: None,
            started_at: None,
            completed_at: None,
            cancelled_at: None,
            cancelled_by: None,
            expired_at: None,
            seq: seq.into(),
            class: None,
            quote_id: None,
            estimate: None,
            fare: None,
            cancel_reason: None,
            cancel_fee: None,
        }
    }

    #[test]
    fn follows_the_trip_it_drives() {
        let me = UserId::new();
        let mut s = DriverState::default();
        assert_eq!(
            s.observe(me, &trip(Some(me), TripStatus::Accepted)),
            Change::StartedDriving
        );
        assert_eq!(
            s.observe(me, &trip(Some(me), TripStatus::InProgress)),
            Change::None
        );
        assert!(s.driving.is_some());
        assert_eq!(
            s.observe(me, &trip(Some(me), TripStatus::Completed)),
            Change::StoppedDriving
        );
        assert!(s.driving.is_none());
    }

    #[test]
    fn a_late_older_status_does_not_bring_back_an_ended_trip() {
        let me = UserId::new();
        let mut s = DriverState::default();
        s.observe(me, &versioned(Some(me), TripStatus::Accepted, 2));
        assert_eq!(
            s.observe(me, &versioned(Some(me), TripStatus::Completed, 5)),
            Change::StoppedDriving
        );
        // The bus delivers `in_progress` (seq 4) after the command's result.
        assert_eq!(
            s.observe(me, &versioned(Some(me), TripStatus::InProgress, 4)),
            Change::None
        );
        assert!(s.driving.is_none(), "GPS is not routed to the ended trip");
        // A new trip (another id) is followed as usual.
        let mut next = versioned(Some(me), TripStatus::Accepted, 2);
        next.id = TripId::new();
        assert_eq!(s.observe(me, &next), Change::StartedDriving);
    }

    #[tokio::test(start_paused = true)]
    async fn index_writes_are_throttled() {
        let every = std::time::Duration::from_secs(1);
        let mut s = DriverState::default();
        assert!(s.index_due(every));
        s.indexed_at = Some(Instant::now());
        assert!(!s.index_due(every));
        tokio::time::advance(every).await;
        assert!(s.index_due(every));
    }

    #[test]
    fn ignores_trips_of_others() {
        let me = UserId::new();
        let mut s = DriverState::default();
        assert_eq!(
            s.observe(me, &trip(Some(UserId::new()), TripStatus::Accepted)),
            Change::None
        );
        assert_eq!(
            s.observe(me, &trip(None, TripStatus::Requested)),
            Change::None
        );
    }
}
