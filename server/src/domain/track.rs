//! The length of a driven GPS line, the distance a final fare charges.
//! Raw fixes are noisy, so the line is cleaned as it is measured:
//!
//! - **order**: points are sorted by time first (a batch may arrive late);
//! - **jitter**: a step counts only once the position is at least
//!   `jitter_m` from the last counted point (the anchor), so a parked
//!   driver's wandering fixes add nothing, however many there are;
//! - **outliers**: a step implying more than `max_speed_kmh` from the
//!   anchor is dropped; after [`MAX_REJECTED`] drops in a row the anchor
//!   itself is taken to have been the bad fix and the line restarts at
//!   the current point (that jump is not counted);
//! - **gaps**: a step after more than `gap_secs` without a fix (a tunnel,
//!   a lost connection) is not a measured line: it is bridged by the
//!   great-circle distance times `road_factor`, as an estimate is.
//!
//! Each step is Haversine (great-circle) metres; the sum is rounded to the
//! nearest metre once, at the end.

use hail_protocol::Position;
use serde::{Deserialize, Serialize};

use super::point::haversine_m;

/// Consecutive dropped fixes after which the anchor is distrusted instead.
pub const MAX_REJECTED: usize = 3;

/// One recorded fix.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TrackPoint {
    pub pos: Position,
    /// Unix milliseconds.
    pub at_ms: i64,
}

/// How a track is cleaned (the loader checks the values are positive).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct TrackModel {
    /// Smallest movement that counts, metres (a phone's GPS wanders ~5-10 m).
    pub jitter_m: f64,
    /// Faster than this is a bad fix, not a car.
    pub max_speed_kmh: f64,
    /// Longer than this without a fix is a gap, bridged as an estimate.
    pub gap_secs: u64,
    /// Road metres per great-circle metre across a gap.
    pub road_factor: f64,
}

impl Default for TrackModel {
    fn default() -> Self {
        Self {
            jitter_m: 10.0,
            max_speed_kmh: 200.0,
            gap_secs: 60,
            road_factor: 1.3,
        }
    }
}

/// The cleaned length of `points` in metres; fewer than two points is 0.
pub fn track_length_m(points: &[TrackPoint], model: &TrackModel) -> u64 {
    let mut sorted = points.to_vec();
    sorted.sort_by_key(|p| p.at_ms);
    let Some((first, rest)) = sorted.split_first() else {
        return 0;
    };
    let max_mps = model.max_speed_kmh / 3.6;
    let gap_ms = i64::try_from(model.gap_secs.saturating_mul(1000)).unwrap_or(i64::MAX);
    let mut anchor = *first;
    let mut rejected = 0;
    let mut total = 0.0;
    for p in rest {
        let step = haversine_m(&anchor.pos, &p.pos);
        if step < model.jitter_m {
            continue;
        }
        let dt_ms = p.at_ms.saturating_sub(anchor.at_ms);
        let too_fast = dt_ms <= 0 || step / (dt_ms as f64 / 1000.0) > max_mps;
        if too_fast {
            rejected += 1;
            if rejected >= MAX_REJECTED {
                anchor = *p;
                rejected = 0;
            }
            continue;
        }
        rejected = 0;
        total += if dt_ms > gap_ms {
            step * model.road_factor
        } else {
            step
        };
        anchor = *p;
    }
    // `as` saturates; the sum of finite steps is finite and non-negative.
    total.round() as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    /// About 1.11 m per 0.00001 degree of latitude.
    fn at(lat: f64, lng: f64, secs: i64) -> TrackPoint {
        TrackPoint {
            pos: Position::new(lat, lng).expect("valid"),
            at_ms: secs * 1000,
        }
    }

    fn straight(n: i64) -> Vec<TrackPoint> {
        // 0.0005 degrees (~55.6 m) every 5 s: ~40 km/h northwards.
        (0..n)
            .map(|i| at(52.0 + i as f64 * 0.0005, 13.0, i * 5))
            .collect()
    }

    fn line_m(points: &[TrackPoint]) -> f64 {
        points
            .windows(2)
            .map(|w| haversine_m(&w[0].pos, &w[1].pos))
            .sum()
    }

    #[test]
    fn empty_and_single_points_have_no_length() {
        let m = TrackModel::default();
        assert_eq!(track_length_m(&[], &m), 0);
        assert_eq!(track_length_m(&[at(1.0, 1.0, 0)], &m), 0);
    }

    #[test]
    fn a_straight_line_is_its_haversine_length() {
        let pts = straight(21);
        let len = track_length_m(&pts, &TrackModel::default());
        assert_eq!(len, line_m(&pts).round() as u64);
        assert!((1_100..=1_125).contains(&len), "{len}");
    }

    #[test]
    fn a_parked_drivers_jitter_does_not_accumulate() {
        // Two hours of fixes wandering ~3-6 m around one spot.
        let pts: Vec<_> = (0..1440)
            .map(|i| {
                let d = [0.0, 0.00003, -0.00004, 0.00005][i % 4];
                at(52.0 + d, 13.0 - d, i as i64 * 5)
            })
            .collect();
        assert_eq!(track_length_m(&pts, &TrackModel::default()), 0);
        assert!(
            line_m(&pts) > 5_000.0,
            "the raw line would have charged this"
        );
    }

    #[test]
    fn one_spike_is_ignored() {
        let mut pts = straight(21);
        let clean = track_length_m(&pts, &TrackModel::default());
        // A fix 5 km east, 2.5 s after a good one: ~7,200 km/h.
        pts.insert(
            10,
            TrackPoint {
                pos: Position::new(52.0045, 13.07).expect("valid"),
                at_ms: 47_500,
            },
        );
        assert_eq!(track_length_m(&pts, &TrackModel::default()), clean);
    }

    #[test]
    fn a_bad_first_fix_is_dropped_after_three_rejections() {
        let mut pts = straight(21);
        pts[0] = at(52.0, 13.5, 0); // ~34 km off, then 5 s to the real line.
        let len = track_length_m(&pts, &TrackModel::default());
        // The first three real points are lost with it (they restart the line).
        let expected = line_m(&pts[3..]).round() as u64;
        assert_eq!(len, expected);
    }

    #[test]
    fn a_gap_with_a_jump_is_bridged_by_the_road_factor() {
        let mut pts = straight(11);
        // Five minutes without a fix, then 2 km further north (24 km/h).
        let last = pts[10];
        let after = at(52.005 + 0.018, 13.0, 50 + 300);
        let bridge = haversine_m(&last.pos, &after.pos);
        pts.push(after);
        let m = TrackModel::default();
        let expected = (line_m(&pts[..11]) + bridge * m.road_factor).round() as u64;
        assert_eq!(track_length_m(&pts, &m), expected);
        // The same jump within the gap window counts as measured line.
        let short = TrackModel { gap_secs: 600, ..m };
        assert_eq!(track_length_m(&pts, &short), line_m(&pts).round() as u64);
    }

    #[test]
    fn unsorted_input_is_measured_in_time_order() {
        let pts = straight(21);
        let mut shuffled = pts.clone();
        shuffled.reverse();
        shuffled.swap(3, 15);
        let m = TrackModel::default();
        assert_eq!(track_length_m(&shuffled, &m), track_length_m(&pts, &m));
    }

    #[test]
    fn slow_movement_below_the_jitter_step_still_counts_once_it_adds_up() {
        // 1.1 m every second for 100 s: each step is noise-sized, the walk is not.
        let pts: Vec<_> = (0..=100)
            .map(|i| at(52.0 + i as f64 * 0.00001, 13.0, i))
            .collect();
        let len = track_length_m(&pts, &TrackModel::default());
        assert!((100..=112).contains(&len), "{len}");
    }
}
