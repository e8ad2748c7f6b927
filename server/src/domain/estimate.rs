//! Distance and duration before a ride exists: the great-circle distance
//! times a road factor (streets are not straight; 1.3 is the usual urban
//! detour ratio), driven at one average speed. The same model gives the
//! quote and the live pickup ETA, so what the rider was told and what the
//! rider sees agree.
//!
//! Floats are for geometry only: metres and seconds are rounded to the
//! nearest whole unit once, here, before any money is computed.

use hail_protocol::Position;
use serde::{Deserialize, Serialize};

use super::point::haversine_m;

/// How a straight line becomes a road trip.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct EstimateModel {
    /// Road distance per great-circle metre (>= 1; the loader checks).
    pub road_factor: f64,
    /// Door-to-door city speed, including stops (> 0; the loader checks).
    pub average_speed_kmh: f64,
}

impl Default for EstimateModel {
    fn default() -> Self {
        Self {
            road_factor: 1.3,
            average_speed_kmh: 25.0,
        }
    }
}

/// An estimated ride.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Estimate {
    pub distance_m: u64,
    pub duration_s: u64,
}

impl EstimateModel {
    /// Road metres for a great-circle distance, rounded to the nearest metre.
    pub fn road_m(&self, great_circle_m: f64) -> u64 {
        // `as` saturates: NaN -> 0, infinity -> u64::MAX.
        (great_circle_m * self.road_factor).round() as u64
    }

    /// Seconds to drive `road_m` at the average speed, rounded to the
    /// nearest second. A non-positive speed saturates to `u64::MAX`.
    pub fn drive_s(&self, road_m: u64) -> u64 {
        if self.average_speed_kmh <= 0.0 {
            return u64::MAX;
        }
        (road_m as f64 / (self.average_speed_kmh / 3.6)).round() as u64
    }
}

/// The road distance and duration from `pickup` to `dropoff`.
pub fn estimate(pickup: &Position, dropoff: &Position, model: &EstimateModel) -> Estimate {
    let distance_m = model.road_m(haversine_m(pickup, dropoff));
    Estimate {
        distance_m,
        duration_s: model.drive_s(distance_m),
    }
}

/// Seconds to cover `great_circle_m` (a distance the geo index measured)
/// on the road: the same model as [`pickup_eta_secs`].
pub fn eta_for_distance(great_circle_m: f64, model: &EstimateModel) -> u32 {
    u32::try_from(model.drive_s(model.road_m(great_circle_m))).unwrap_or(u32::MAX)
}

/// Seconds until a driver at `driver` reaches `pickup`: the quote's ETA
/// and the live one sent with each driver location. Saturates at `u32::MAX`.
pub fn pickup_eta_secs(driver: &Position, pickup: &Position, model: &EstimateModel) -> u32 {
    let secs = estimate(driver, pickup, model).duration_s;
    u32::try_from(secs).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pos(lat: f64, lng: f64) -> Position {
        Position::new(lat, lng).expect("valid")
    }

    #[test]
    fn zero_distance_is_zero_everything() {
        let p = pos(52.52, 13.405);
        let m = EstimateModel::default();
        assert_eq!(
            estimate(&p, &p, &m),
            Estimate {
                distance_m: 0,
                duration_s: 0
            }
        );
        assert_eq!(pickup_eta_secs(&p, &p, &m), 0);
    }

    #[test]
    fn road_factor_and_speed_apply() {
        // One degree of latitude is about 111.2 km on the mean sphere.
        let a = pos(0.0, 0.0);
        let b = pos(1.0, 0.0);
        let m = EstimateModel::default();
        let e = estimate(&a, &b, &m);
        let gc = haversine_m(&a, &b);
        assert_eq!(e.distance_m, (gc * 1.3).round() as u64);
        assert!((144_500..=144_700).contains(&e.distance_m), "{e:?}");
        // 25 km/h is 6.944 m/s.
        assert_eq!(
            e.duration_s,
            (e.distance_m as f64 / (25.0 / 3.6)).round() as u64
        );
        let straight = EstimateModel {
            road_factor: 1.0,
            average_speed_kmh: 36.0,
        };
        let s = estimate(&a, &b, &straight);
        assert_eq!(s.duration_s, (s.distance_m as f64 / 10.0).round() as u64);
    }

    #[test]
    fn antipodes_are_half_the_earth_and_do_not_overflow() {
        let e = estimate(&pos(0.0, 0.0), &pos(0.0, 180.0), &EstimateModel::default());
        // Half the mean circumference, 20,015 km, times 1.3.
        assert!((26_000_000..=26_050_000).contains(&e.distance_m), "{e:?}");
        assert!(pickup_eta_secs(&pos(0.0, 0.0), &pos(0.0, 180.0), &EstimateModel::default()) > 0);
    }

    #[test]
    fn farther_is_never_sooner() {
        let pickup = pos(48.8566, 2.3522);
        let m = EstimateModel::default();
        let mut last = 0;
        for i in 0..50 {
            let driver = pos(48.8566 + i as f64 * 0.002, 2.3522);
            let eta = pickup_eta_secs(&driver, &pickup, &m);
            assert!(eta >= last, "step {i}: {eta} < {last}");
            last = eta;
        }
        assert!(last > 0);
    }

    #[test]
    fn degenerate_models_saturate() {
        let stuck = EstimateModel {
            road_factor: 1.3,
            average_speed_kmh: 0.0,
        };
        let eta = pickup_eta_secs(&pos(0.0, 0.0), &pos(0.1, 0.0), &stuck);
        assert_eq!(eta, u32::MAX);
    }
}
