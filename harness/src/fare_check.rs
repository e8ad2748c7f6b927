//! The harness's own reading of the fare rules (docs/pricing.md), written
//! apart from the server's: a completed trip's fare must equal the rules
//! `GET /api/fares` publishes applied to the track `GET /api/trips/{id}/track`
//! returns. Agreement between two implementations is the check; a shared
//! function would prove nothing.
//!
//! Only the great-circle step comes from a library (geo's Haversine, as the
//! rules name it), so the two sides measure the same metres to the bit.

use geo::{Distance, Haversine, Point};
use hail_protocol::http::{Receipt, TrackPoint};
use hail_protocol::ride::{FareClass, FaresResponse, TrackRules};
use hail_protocol::FareBreakdown;

/// 1.0x in basis points.
const ONE_X_BP: i64 = 10_000;

/// Rounds `num / den` half away from zero (`den > 0`).
fn rounded(num: i128, den: i128) -> i128 {
    let q = (num.abs() + den / 2) / den;
    if num < 0 {
        -q
    } else {
        q
    }
}

fn clamp_i64(v: i128) -> i64 {
    v.clamp(i128::from(i64::MIN), i128::from(i64::MAX)) as i64
}

fn metres(a: &TrackPoint, b: &TrackPoint) -> f64 {
    Haversine.distance(Point::new(a.lng, a.lat), Point::new(b.lng, b.lat))
}

/// The charged length of a track, in metres, by `rules`: in time order
/// (milliseconds), a fix counts once it is `jitter_m` from the last
/// counted one, unless reaching it would take more than `max_speed_kmh`
/// (after `max_rejected` such fixes in a row the counted fix is the one
/// distrusted and the line restarts, uncounted); a step over more than
/// `gap_s` is bridged at `road_factor` times its great-circle length.
pub fn charged_metres(points: &[TrackPoint], rules: &TrackRules) -> u64 {
    let mut fixes: Vec<(i64, &TrackPoint)> = points
        .iter()
        .map(|p| (p.at.timestamp_millis(), p))
        .collect();
    fixes.sort_by_key(|(ms, _)| *ms);
    let mut fixes = fixes.into_iter();
    let Some(mut last) = fixes.next() else {
        return 0;
    };
    let limit_mps = rules.max_speed_kmh / 3.6;
    let gap_ms = i64::try_from(u128::from(rules.gap_s) * 1000).unwrap_or(i64::MAX);
    let mut dropped_in_a_row = 0u32;
    let mut sum = 0.0_f64;
    for fix in fixes {
        let step = metres(last.1, fix.1);
        if step < rules.jitter_m {
            continue;
        }
        let elapsed_ms = fix.0 - last.0;
        if elapsed_ms <= 0 || step / (elapsed_ms as f64 / 1000.0) > limit_mps {
            dropped_in_a_row += 1;
            if dropped_in_a_row >= rules.max_rejected {
                last = fix;
                dropped_in_a_row = 0;
            }
            continue;
        }
        dropped_in_a_row = 0;
        sum += if elapsed_ms > gap_ms {
            step * rules.road_factor
        } else {
            step
        };
        last = fix;
    }
    sum.round() as u64
}

/// `rule` applied to a ride of `distance_m` and `duration_s` at `surge_bp`.
pub fn price(rule: &FareClass, distance_m: u64, duration_s: u64, surge_bp: u32) -> FareBreakdown {
    let distance = clamp_i64(rounded(
        i128::from(rule.per_km) * i128::from(distance_m),
        1000,
    ));
    let time = clamp_i64(rounded(
        i128::from(rule.per_minute) * i128::from(duration_s),
        60,
    ));
    let subtotal = rule.base.saturating_add(distance).saturating_add(time);
    let surge = clamp_i64(rounded(
        i128::from(subtotal) * (i128::from(surge_bp) - i128::from(ONE_X_BP)),
        i128::from(ONE_X_BP),
    ));
    let ride = subtotal.saturating_add(surge);
    let minimum_adjustment = rule.minimum.saturating_sub(ride).max(0);
    FareBreakdown {
        currency: rule.currency.clone(),
        base: rule.base,
        distance,
        time,
        surge,
        minimum_adjustment,
        booking_fee: rule.booking_fee,
        total: ride
            .saturating_add(minimum_adjustment)
            .saturating_add(rule.booking_fee),
        distance_m,
        duration_s,
        surge_bp,
    }
}

/// Why a receipt's fare is not what the rules give, or `Ok` with the fare.
pub fn check_fare(
    receipt: &Receipt,
    track: &[TrackPoint],
    fares: &FaresResponse,
) -> Result<FareBreakdown, String> {
    let id = receipt.trip_id;
    let rules = fares
        .track
        .as_ref()
        .ok_or("GET /api/fares lists no track rules")?;
    let rule = fares
        .classes
        .iter()
        .find(|c| c.class == receipt.class)
        .ok_or_else(|| {
            format!(
                "trip {id}: class {} is not in the fare table",
                receipt.class
            )
        })?;
    let (Some(started), Some(completed)) = (receipt.started_at, receipt.completed_at) else {
        return Err(format!("trip {id}: completed without start and end times"));
    };
    let Some(charged) = &receipt.fare else {
        return Err(format!("trip {id}: completed without a fare"));
    };
    // The drive to the pickup is in the track but not in the fare.
    let ride: Vec<TrackPoint> = track.iter().filter(|p| p.at >= started).cloned().collect();
    let distance_m = charged_metres(&ride, rules);
    let duration_s = u64::try_from((completed - started).num_seconds()).unwrap_or(0);
    let surge_bp = receipt
        .estimate
        .as_ref()
        .map_or(ONE_X_BP as u32, |e| e.surge_bp);
    let expected = price(rule, distance_m, duration_s, surge_bp);
    if *charged == expected {
        Ok(expected)
    } else {
        Err(format!(
            "trip {id}: charged {charged:?}, the rules give {expected:?} ({} of {} points after the start)",
            ride.len(),
            track.len()
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{DateTime, TimeZone, Utc};

    fn rules() -> TrackRules {
        TrackRules {
            jitter_m: 10.0,
            max_speed_kmh: 200.0,
            gap_s: 60,
            road_factor: 1.3,
            max_rejected: 3,
        }
    }

    fn standard() -> FareClass {
        FareClass {
            class: "standard".into(),
            currency: "EUR".into(),
            base: 250,
            per_km: 120,
            per_minute: 25,
            minimum: 700,
            booking_fee: 100,
        }
    }

    fn secs(s: f64) -> DateTime<Utc> {
        Utc.timestamp_millis_opt(1_800_000_000_000 + (s * 1000.0) as i64)
            .single()
            .expect("valid instant")
    }

    fn fix(lat: f64, lng: f64, s: f64) -> TrackPoint {
        TrackPoint {
            lat,
            lng,
            at: secs(s),
        }
    }

    /// ~55.6 m north every 5 s (40 km/h).
    fn northwards(n: usize) -> Vec<TrackPoint> {
        (0..n)
            .map(|i| fix(52.0 + i as f64 * 0.0005, 13.0, i as f64 * 5.0))
            .collect()
    }

    #[test]
    fn a_clean_line_is_charged_its_length_rounded_once() {
        let t = northwards(21);
        let raw: f64 = t.windows(2).map(|w| metres(&w[0], &w[1])).sum();
        assert_eq!(charged_metres(&t, &rules()), raw.round() as u64);
        assert!((1_100..=1_125).contains(&charged_metres(&t, &rules())));
    }

    #[test]
    fn wandering_while_parked_adds_nothing() {
        let t: Vec<_> = (0..400)
            .map(|i| {
                let d = [0.0, 0.00003, -0.00004][i % 3];
                fix(52.0 + d, 13.0, i as f64 * 5.0)
            })
            .collect();
        assert_eq!(charged_metres(&t, &rules()), 0);
    }

    #[test]
    fn a_spike_is_dropped_and_a_bad_first_fix_is_abandoned() {
        let clean = charged_metres(&northwards(21), &rules());
        let mut spiked = northwards(21);
        spiked.insert(5, fix(52.0022, 13.07, 22.5));
        assert_eq!(charged_metres(&spiked, &rules()), clean);
        let mut bad_start = northwards(21);
        bad_start[0] = fix(52.0, 13.5, 0.0);
        // Three real fixes are spent proving the first one wrong.
        assert_eq!(
            charged_metres(&bad_start, &rules()),
            charged_metres(&bad_start[3..], &rules())
        );
    }

    #[test]
    fn a_gap_is_bridged_at_the_road_factor() {
        let mut t = northwards(11);
        let before = t[10].clone();
        let after = fix(52.023, 13.0, 50.0 + 300.0);
        let bridge = metres(&before, &after);
        let line: f64 = t.windows(2).map(|w| metres(&w[0], &w[1])).sum();
        t.push(after);
        assert_eq!(
            charged_metres(&t, &rules()),
            (line + bridge * 1.3).round() as u64
        );
    }

    #[test]
    fn order_of_arrival_does_not_matter() {
        let t = northwards(15);
        let mut shuffled = t.clone();
        shuffled.reverse();
        assert_eq!(
            charged_metres(&shuffled, &rules()),
            charged_metres(&t, &rules())
        );
    }

    fn fares() -> FaresResponse {
        FaresResponse {
            classes: vec![standard()],
            cancel_grace_s: 0,
            cancel_fee: hail_protocol::Money {
                amount: 0,
                currency: "EUR".into(),
            },
            track: Some(rules()),
        }
    }

    /// A receipt for a ride along `northwards(21)` from second 20 to 100,
    /// locked at 1.5x, charged `fare`.
    fn receipt(fare: Option<FareBreakdown>) -> Receipt {
        use hail_protocol::{Place, Position, TripId, TripStatus, TripUser, UserId};
        let here = Place::new(Position::new(52.0, 13.0).expect("valid"), None).expect("valid");
        let estimate = price(&standard(), 1_000, 100, 15_000);
        Receipt {
            trip_id: TripId::new(),
            status: TripStatus::Completed,
            class: "standard".into(),
            rider: TripUser::named(UserId::new(), "r"),
            driver: Some(TripUser::named(UserId::new(), "d")),
            pickup: here.clone(),
            dropoff: here,
            requested_at: secs(0.0),
            started_at: Some(secs(20.0)),
            completed_at: Some(secs(100.9)),
            estimate: Some(estimate),
            fare,
            cancel_fee: None,
            ratings: Vec::new(),
        }
    }

    #[test]
    fn a_receipt_is_checked_against_its_track_after_the_start() {
        let track = northwards(21);
        // From second 20 on: points 4..=20; 80 whole seconds; the locked 1.5x.
        let right = price(
            &standard(),
            charged_metres(&track[4..], &rules()),
            80,
            15_000,
        );
        assert_eq!(
            check_fare(&receipt(Some(right.clone())), &track, &fares()),
            Ok(right.clone())
        );
        // The whole track (the drive to the pickup too) is not the fare.
        let whole = price(&standard(), charged_metres(&track, &rules()), 80, 15_000);
        assert!(check_fare(&receipt(Some(whole)), &track, &fares()).is_err());
        // One cent off, or no fare at all, is caught.
        let mut off = right;
        off.total += 1;
        assert!(check_fare(&receipt(Some(off)), &track, &fares()).is_err());
        assert!(check_fare(&receipt(None), &track, &fares()).is_err());
        // Without published track rules there is nothing to check against.
        let bare = FaresResponse {
            track: None,
            ..fares()
        };
        assert!(check_fare(&receipt(None), &track, &bare).is_err());
    }

    #[test]
    fn prices_add_up_with_surge_minimum_and_fee() {
        let plain = price(&standard(), 10_000, 1_200, 10_000);
        assert_eq!((plain.distance, plain.time, plain.surge), (1_200, 500, 0));
        assert_eq!(plain.total, 250 + 1_200 + 500 + 100);
        let surged = price(&standard(), 10_000, 1_200, 15_000);
        assert_eq!((surged.surge, surged.total), (975, 1_950 + 975 + 100));
        // A zero ride is floored to the minimum before the fee.
        let floor = price(&standard(), 0, 0, 10_000);
        assert_eq!((floor.minimum_adjustment, floor.total), (450, 800));
        // Halves round away from zero: 30 s at 25/min is 12.5 -> 13.
        assert_eq!(price(&standard(), 1, 30, 10_000).time, 13);
    }
}
