//! What the soak clients record for the final checks: the GPS points a
//! driver owes and has had acknowledged, the accept winners, every trip seen.

use chrono::{DateTime, Utc};
use hail_protocol::{Trip, TripId, TripStatus, UserId};
use std::collections::{BTreeSet, HashMap};
use std::time::{Duration, Instant};

/// One GPS point a driver sent while on a trip. Its identity is its `at`
/// (whole microseconds, what the store keeps).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Point {
    pub trip: TripId,
    pub at: DateTime<Utc>,
    pub lat: f64,
    pub lng: f64,
}

impl Point {
    pub fn key(&self) -> i64 {
        at_key(self.at)
    }
}

/// A point's identity in the track: its `at` in microseconds.
pub fn at_key(at: DateTime<Utc>) -> i64 {
    at.timestamp_micros()
}

/// A driver's GPS points between sending and `ok`. A point is pending
/// until answered on the connection it went out on; refused (`unavailable`)
/// or cut off by a disconnect, it waits to be sent again (same `at`), but
/// only while its trip is still the driver's active trip.
#[derive(Debug, Default)]
pub struct PointBook {
    pending: HashMap<String, (Point, Instant)>,
    resend: Vec<Point>,
}

impl PointBook {
    pub fn sent(&mut self, reference: String, point: Point) {
        self.pending.insert(reference, (point, Instant::now()));
    }

    /// The point `reference` named, now acknowledged, and how long it took.
    pub fn acked(&mut self, reference: &str) -> Option<(Point, Duration)> {
        self.pending
            .remove(reference)
            .map(|(p, sent)| (p, sent.elapsed()))
    }

    /// The point was refused: send it again later. False if unknown.
    pub fn refused(&mut self, reference: &str) -> bool {
        match self.pending.remove(reference) {
            Some((p, _)) => {
                self.resend.push(p);
                true
            }
            None => false,
        }
    }

    /// The connection is gone: no answer will come for what is pending.
    pub fn disconnected(&mut self) {
        let mut left: Vec<(Point, Instant)> = self.pending.drain().map(|(_, v)| v).collect();
        left.sort_by_key(|(p, _)| p.key());
        self.resend.extend(left.into_iter().map(|(p, _)| p));
    }

    /// The points to send again now that `active` is the driver's trip (or
    /// none): those of `active`; the others are dropped (their trip is over,
    /// so they are not needed in its track). Returns (to send, dropped).
    pub fn take_resend(&mut self, active: Option<TripId>) -> (Vec<Point>, usize) {
        let all = std::mem::take(&mut self.resend);
        let before = all.len();
        let keep: Vec<Point> = all.into_iter().filter(|p| Some(p.trip) == active).collect();
        let dropped = before - keep.len();
        (keep, dropped)
    }

    pub fn pending(&self) -> usize {
        self.pending.len()
    }

    pub fn waiting(&self) -> usize {
        self.resend.len()
    }
}

/// What the clients learned that the final checks need. Shared and updated
/// live, so a client that fails to stop loses nothing of it.
#[derive(Debug, Default, Clone)]
pub struct Evidence {
    /// Trip -> `at` keys of every GPS point answered `ok`.
    pub acked: HashMap<TripId, BTreeSet<i64>>,
    /// Trip -> drivers whose `trip.accept` was answered `ok`.
    pub accept_oks: HashMap<TripId, BTreeSet<UserId>>,
    /// Trip -> drivers whose `hello.trip` named it as theirs without their
    /// having read an accept `ok` (the answer was lost with the socket).
    pub adopted: HashMap<TripId, BTreeSet<UserId>>,
    /// Trip -> its rider, for every trip any client saw.
    pub trips: HashMap<TripId, UserId>,
}

/// A trip as read over HTTP at the end.
#[derive(Debug, Clone, PartialEq)]
pub struct FinalTrip {
    pub status: TripStatus,
    pub driver: Option<UserId>,
    /// When it completed, was cancelled or expired (for the diagnosis).
    pub ended_at: Option<DateTime<Utc>>,
}

impl From<&Trip> for FinalTrip {
    fn from(t: &Trip) -> Self {
        Self {
            status: t.status,
            driver: t.driver.as_ref().map(|d| d.id),
            ended_at: t.completed_at.or(t.cancelled_at).or(t.expired_at),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::SubsecRound;

    fn point(trip: TripId, micros: i64) -> Point {
        Point {
            trip,
            at: DateTime::<Utc>::from_timestamp_micros(micros).expect("valid time"),
            lat: 52.5,
            lng: 13.4,
        }
    }

    #[test]
    fn acked_points_leave_the_book() {
        let trip = TripId::new();
        let mut b = PointBook::default();
        b.sent("g1".into(), point(trip, 1));
        b.sent("g2".into(), point(trip, 2));
        let (p, _) = b.acked("g1").expect("pending");
        assert_eq!(p.key(), 1);
        assert!(b.acked("g1").is_none(), "answered once");
        assert_eq!(b.pending(), 1);
    }

    #[test]
    fn refused_and_cut_off_points_are_sent_again_only_for_the_active_trip() {
        let (a, old) = (TripId::new(), TripId::new());
        let mut b = PointBook::default();
        b.sent("g1".into(), point(old, 1));
        b.sent("g2".into(), point(a, 3));
        b.sent("g3".into(), point(a, 2));
        b.sent("g4".into(), point(a, 4));
        assert!(b.refused("g4"));
        assert!(!b.refused("nope"));
        b.disconnected();
        assert_eq!(b.pending(), 0);
        let (again, dropped) = b.take_resend(Some(a));
        assert_eq!(dropped, 1, "the point of the trip that is over");
        let mut keys: Vec<i64> = again.iter().map(Point::key).collect();
        keys.sort();
        assert_eq!(keys, vec![2, 3, 4], "same `at` as first sent");
        assert_eq!(b.take_resend(Some(a)), (vec![], 0));
    }

    #[test]
    fn no_active_trip_drops_everything_owed() {
        let mut b = PointBook::default();
        b.sent("g1".into(), point(TripId::new(), 1));
        b.disconnected();
        let (again, dropped) = b.take_resend(None);
        assert!(again.is_empty());
        assert_eq!(dropped, 1);
    }

    #[test]
    fn at_keys_are_whole_microseconds() {
        let at = Utc::now().trunc_subsecs(6);
        let back = DateTime::<Utc>::from_timestamp_micros(at_key(at)).expect("valid");
        assert_eq!(at, back);
    }
}
