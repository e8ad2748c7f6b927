//! The one place the domain reads a [`Position`]'s coordinates, so a change
//! to how `Position` exposes them is one line here. Distances are great-circle (geo's Haversine, mean Earth radius).

use geo::{Distance, Haversine, Point};
use hail_protocol::Position;

/// `(lat, lng)` in degrees.
pub(crate) fn lat_lng(pos: &Position) -> (f64, f64) {
    (pos.lat(), pos.lng())
}

/// The position as a geo point (x = longitude, y = latitude).
pub(crate) fn point(pos: &Position) -> Point<f64> {
    let (lat, lng) = lat_lng(pos);
    Point::new(lng, lat)
}

/// Great-circle distance in metres.
pub(crate) fn haversine_m(a: &Position, b: &Position) -> f64 {
    Haversine.distance(point(a), point(b))
}
