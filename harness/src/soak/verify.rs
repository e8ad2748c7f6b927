//! The three soak checks, pure: what the clients recorded against what the
//! server shows over HTTP at the end.

use super::evidence::{Evidence, FinalTrip};
use chrono::{DateTime, Utc};
use hail_protocol::{TripId, TripStatus, UserId};
use std::collections::{BTreeMap, BTreeSet};

/// The three checks. `finals` holds every trip created (or why it could
/// not be read); `tracks` the `at` keys of the track of every trip with an
/// acknowledged point.
pub fn verify(
    e: &Evidence,
    finals: &BTreeMap<TripId, Result<FinalTrip, String>>,
    tracks: &BTreeMap<TripId, Result<BTreeSet<i64>, String>>,
) -> Vec<String> {
    let mut v = Vec::new();
    // 1. Lost GPS updates.
    let mut acked: Vec<_> = e.acked.iter().collect();
    acked.sort_by_key(|(id, _)| **id);
    for (trip, points) in acked {
        match tracks.get(trip) {
            Some(Ok(track)) => {
                let missing: Vec<i64> = points.difference(track).copied().collect();
                if let Some(first) = missing.first() {
                    let at = |k: i64| {
                        DateTime::<Utc>::from_timestamp_micros(k)
                            .map(|t| t.to_rfc3339())
                            .unwrap_or_default()
                    };
                    let ended = match finals.get(trip) {
                        Some(Ok(FinalTrip {
                            status,
                            ended_at: Some(end),
                            ..
                        })) => format!("; trip {} at {}", status.as_str(), end.to_rfc3339()),
                        _ => String::new(),
                    };
                    v.push(format!(
                        "lost GPS: trip {trip}: {} of {} acknowledged points missing from /track (first at {}; track has {}, last at {}{ended})",
                        missing.len(),
                        points.len(),
                        at(*first),
                        track.len(),
                        track.iter().next_back().map(|k| at(*k)).unwrap_or_default(),
                    ));
                }
            }
            Some(Err(why)) => v.push(format!("lost GPS? trip {trip}: track unreadable: {why}")),
            None => v.push(format!("lost GPS? trip {trip}: track not read")),
        }
    }
    // 2. Double winners.
    for (trip, f) in finals {
        let oks = e.accept_oks.get(trip).cloned().unwrap_or_default();
        let adopted = e.adopted.get(trip).cloned().unwrap_or_default();
        let winners: BTreeSet<UserId> = oks.union(&adopted).copied().collect();
        if winners.len() > 1 {
            let list: Vec<String> = winners.iter().map(|d| d.to_string()).collect();
            v.push(format!(
                "double winner: trip {trip}: accept ok / hello to {} drivers ({}; by ok: {})",
                winners.len(),
                list.join(", "),
                oks.len()
            ));
        }
        let Ok(f) = f else { continue };
        match f.driver {
            Some(d) if !winners.is_empty() && !winners.contains(&d) => v.push(format!(
                "double winner: trip {trip} is {} with driver {d}, who never won it",
                f.status.as_str()
            )),
            Some(d) if winners.is_empty() && f.status == TripStatus::Completed => v.push(format!(
                "double winner? trip {trip} completed by driver {d}, and no driver saw an accept ok for it"
            )),
            None if f.status == TripStatus::Completed => {
                v.push(format!("trip {trip} completed without a driver"))
            }
            _ => {}
        }
    }
    // 3. Stuck trips.
    for (trip, f) in finals {
        match f {
            Ok(f) if f.status.is_active() => v.push(format!(
                "stuck trip: trip {trip} is still {} at the end",
                f.status.as_str()
            )),
            Ok(_) => {}
            Err(why) => v.push(format!(
                "stuck trip? trip {trip}: unreadable at the end: {why}"
            )),
        }
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finals(
        entries: &[(TripId, TripStatus, Option<UserId>)],
    ) -> BTreeMap<TripId, Result<FinalTrip, String>> {
        entries
            .iter()
            .map(|(id, status, driver)| {
                (
                    *id,
                    Ok(FinalTrip {
                        status: *status,
                        driver: *driver,
                        ended_at: None,
                    }),
                )
            })
            .collect()
    }

    /// One trip, won and completed by one driver, points 1, 2 and 3 acknowledged.
    fn won_and_completed_with_points() -> (
        TripId,
        Evidence,
        BTreeMap<TripId, Result<FinalTrip, String>>,
    ) {
        let (trip, driver) = (TripId::new(), UserId::new());
        let mut e = Evidence::default();
        e.acked.entry(trip).or_default().extend([1, 2, 3]);
        e.accept_oks.entry(trip).or_default().insert(driver);
        let f = finals(&[(trip, TripStatus::Completed, Some(driver))]);
        (trip, e, f)
    }

    #[test]
    fn a_clean_run_has_no_violation() {
        let (trip, e, f) = won_and_completed_with_points();
        // Duplicates and extra points in the track are fine.
        let tracks = BTreeMap::from([(trip, Ok(BTreeSet::from([0, 1, 2, 3, 4])))]);
        assert!(verify(&e, &f, &tracks).is_empty());
    }

    #[test]
    fn a_missing_acknowledged_point_is_lost_gps() {
        let (trip, e, f) = won_and_completed_with_points();
        let tracks = BTreeMap::from([(trip, Ok(BTreeSet::from([1, 3])))]);
        let v = verify(&e, &f, &tracks);
        assert_eq!(v.len(), 1, "{v:?}");
        assert!(
            v[0].starts_with("lost GPS") && v[0].contains("1 of 3"),
            "{v:?}"
        );
        let unread = BTreeMap::from([(trip, Err("timeout".to_string()))]);
        assert!(verify(&e, &f, &unread)[0].starts_with("lost GPS?"));
    }

    #[test]
    fn two_winners_are_caught_by_ok_or_by_hello() {
        let (trip, a, b) = (TripId::new(), UserId::new(), UserId::new());
        let f = finals(&[(trip, TripStatus::Completed, Some(a))]);
        let mut e = Evidence::default();
        e.accept_oks.entry(trip).or_default().extend([a, b]);
        let v = verify(&e, &f, &BTreeMap::new());
        assert!(v.iter().any(|v| v.starts_with("double winner")), "{v:?}");

        let mut e = Evidence::default();
        e.accept_oks.entry(trip).or_default().insert(a);
        e.adopted.entry(trip).or_default().insert(b);
        assert!(!verify(&e, &f, &BTreeMap::new()).is_empty());

        // The same driver by ok and by hello is one winner.
        let mut e = Evidence::default();
        e.accept_oks.entry(trip).or_default().insert(a);
        e.adopted.entry(trip).or_default().insert(a);
        assert!(verify(&e, &f, &BTreeMap::new()).is_empty());
    }

    #[test]
    fn a_trip_completed_by_someone_else_than_the_winner_is_caught() {
        let (trip, a, b) = (TripId::new(), UserId::new(), UserId::new());
        let mut e = Evidence::default();
        e.accept_oks.entry(trip).or_default().insert(a);
        let f = finals(&[(trip, TripStatus::Completed, Some(b))]);
        let v = verify(&e, &f, &BTreeMap::new());
        assert_eq!(v.len(), 1, "{v:?}");
        assert!(v[0].contains("never won it"));
        // Completed, and nobody saw it won.
        let v = verify(&Evidence::default(), &f, &BTreeMap::new());
        assert_eq!(v.len(), 1, "{v:?}");
    }

    #[test]
    fn a_trip_not_over_at_the_end_is_stuck() {
        let (t1, t2, t3, t4) = (TripId::new(), TripId::new(), TripId::new(), TripId::new());
        let mut f = finals(&[
            (t1, TripStatus::Expired, None),
            (t2, TripStatus::Cancelled, None),
            (t3, TripStatus::Requested, None),
        ]);
        f.insert(t4, Err("503".into()));
        let v = verify(&Evidence::default(), &f, &BTreeMap::new());
        assert_eq!(v.len(), 2, "{v:?}");
        assert!(v
            .iter()
            .any(|v| v.contains(&t3.to_string()) && v.contains("requested")));
        assert!(v.iter().any(|v| v.contains(&t4.to_string())));
    }
}
