//! Scenario generation, pure and seeded: where drivers start, where riders
//! want to go, and how a car moves in a straight line at a given speed.

use hail_protocol::{ClientMessage, Location, Place, Position};
use rand::Rng;

const METRES_PER_DEGREE: f64 = 111_320.0;

/// A point `north_m` / `east_m` metres from `origin` (flat-earth; fine for
/// a city).
pub fn offset(origin: Position, north_m: f64, east_m: f64) -> Position {
    let lat = origin.lat() + north_m / METRES_PER_DEGREE;
    let lng =
        origin.lng() + east_m / (METRES_PER_DEGREE * origin.lat().to_radians().cos().max(1e-6));
    point(lat, lng)
}

/// A position from computed coordinates: latitude clamped to the poles,
/// longitude wrapped into [-180, 180).
pub fn point(lat: f64, lng: f64) -> Position {
    let lat = if lat.is_finite() {
        lat.clamp(-90.0, 90.0)
    } else {
        0.0
    };
    let lng = if lng.is_finite() {
        ((lng + 540.0) % 360.0) - 180.0
    } else {
        0.0
    };
    Position::new(lat, lng).expect("clamped and wrapped")
}

/// A place with no address label.
pub fn place(p: Position) -> Place {
    Place::new(p, None).expect("no address to be too long")
}

/// A bare `location` at `p`.
pub fn location(p: Position) -> ClientMessage {
    ClientMessage::Location(Location::at(p))
}

/// A uniformly random point within `radius_m` of `centre`.
pub fn random_point(rng: &mut impl Rng, centre: Position, radius_m: f64) -> Position {
    let r = radius_m * rng.random::<f64>().sqrt();
    let theta = rng.random::<f64>() * std::f64::consts::TAU;
    offset(centre, r * theta.cos(), r * theta.sin())
}

/// A rider's pickup within 80 % of `radius_m` of `centre`, and dropoff
/// within 1.5 km of the pickup.
pub fn random_trip(rng: &mut impl Rng, centre: Position, radius_m: f64) -> (Place, Place) {
    let pickup = random_point(rng, centre, radius_m * 0.8);
    let dropoff = random_point(rng, pickup, 1_500.0);
    (place(pickup), place(dropoff))
}

/// A plain `trip.request` for a [`random_trip`].
pub fn random_trip_request(rng: &mut impl Rng, centre: Position, radius_m: f64) -> ClientMessage {
    let (pickup, dropoff) = random_trip(rng, centre, radius_m);
    ClientMessage::request(pickup, dropoff)
}

/// A car driving from `from` to `to` at `speed_mps`.
#[derive(Debug, Clone, Copy)]
pub struct Leg {
    pub from: Position,
    pub to: Position,
    pub speed_mps: f64,
}

impl Leg {
    pub fn length_m(&self) -> f64 {
        self.from.distance_m(&self.to)
    }

    /// Where the car is after `secs` seconds, and whether it has arrived.
    pub fn at(&self, secs: f64) -> (Position, bool) {
        let len = self.length_m();
        if len < 1.0 {
            return (self.to, true);
        }
        let f = (secs * self.speed_mps / len).clamp(0.0, 1.0);
        let pos = point(
            self.from.lat() + (self.to.lat() - self.from.lat()) * f,
            self.from.lng() + (self.to.lng() - self.from.lng()) * f,
        );
        (pos, f >= 1.0)
    }

    /// Compass heading in degrees (0 = north).
    pub fn heading(&self) -> f64 {
        let dn = self.to.lat() - self.from.lat();
        let de = (self.to.lng() - self.from.lng()) * self.from.lat().to_radians().cos();
        (de.atan2(dn).to_degrees() + 360.0) % 360.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    fn berlin() -> Position {
        Position::new(52.52, 13.405).expect("valid")
    }

    #[test]
    fn random_points_stay_within_the_radius() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        for _ in 0..1000 {
            let p = random_point(&mut rng, berlin(), 2_000.0);
            assert!(berlin().distance_m(&p) <= 2_010.0);
            assert!(Position::new(p.lat(), p.lng()).is_ok());
        }
    }

    #[test]
    fn offsets_are_metric() {
        let p = offset(berlin(), 1000.0, 0.0);
        assert!((berlin().distance_m(&p) - 1000.0).abs() < 10.0);
        let q = offset(berlin(), 0.0, 1000.0);
        assert!((berlin().distance_m(&q) - 1000.0).abs() < 10.0);
    }

    #[test]
    fn a_leg_moves_at_its_speed_and_arrives() {
        let leg = Leg {
            from: berlin(),
            to: offset(berlin(), 1000.0, 0.0),
            speed_mps: 10.0,
        };
        let (half, arrived) = leg.at(50.0);
        assert!(!arrived);
        assert!((berlin().distance_m(&half) - 500.0).abs() < 10.0);
        let (end, arrived) = leg.at(101.0);
        assert!(arrived);
        assert_eq!(end, leg.to);
        assert!(leg.heading() < 1.0 || leg.heading() > 359.0, "due north");
    }

    #[test]
    fn same_seed_same_city() {
        let a: Vec<_> = {
            let mut rng = rand::rngs::StdRng::seed_from_u64(1);
            (0..5)
                .map(|_| random_point(&mut rng, berlin(), 500.0))
                .collect()
        };
        let b: Vec<_> = {
            let mut rng = rand::rngs::StdRng::seed_from_u64(1);
            (0..5)
                .map(|_| random_point(&mut rng, berlin(), 500.0))
                .collect()
        };
        assert_eq!(a, b);
    }
}
