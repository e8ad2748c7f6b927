//! Where Hail can serve. The contract accepts any latitude in [-90, 90],
//! but Redis GEO (Web Mercator) cannot hold one beyond +-85.05112878, and a
//! position the index cannot hold is a driver nobody finds or a pickup no
//! search reaches. Both backends refuse the same positions here, at the
//! edge, so the embedded R-tree and Redis answer the same input the same
//! way (`invalid`) and nothing is half-written.

use hail_protocol::{ClientMessage, Place};
#[cfg(test)]
use hail_protocol::{Location, Position};

/// Redis's limit (`GEOADD` refuses latitudes past it).
pub const MAX_ABS_LAT: f64 = 85.051_128_78;

/// Whether a latitude can be served.
pub fn servable_lat(lat: f64) -> bool {
    lat.abs() <= MAX_ABS_LAT
}

fn check_lat(what: &str, lat: f64) -> Result<(), String> {
    if servable_lat(lat) {
        Ok(())
    } else {
        Err(format!(
            "{what}: latitude {lat} is beyond +-{MAX_ABS_LAT}, outside the area Hail serves"
        ))
    }
}

fn check_place(what: &str, place: &Place) -> Result<(), String> {
    check_lat(what, place.lat())
}

/// Refuses a trip (or a quote) whose pickup or dropoff lies outside.
pub fn check_places(pickup: &Place, dropoff: &Place) -> Result<(), String> {
    check_place("pickup", pickup)?;
    check_place("dropoff", dropoff)
}

/// Refuses a command whose positions lie outside the served area.
pub fn check(message: &ClientMessage) -> Result<(), String> {
    match message {
        ClientMessage::Location(loc) => check_lat("lat", loc.position().lat()),
        ClientMessage::TripRequest {
            pickup, dropoff, ..
        } => check_places(pickup, dropoff),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pos(lat: f64) -> Position {
        Position::new(lat, 0.0).expect("valid")
    }

    fn place(lat: f64) -> Place {
        Place::new(pos(lat), None).expect("valid")
    }

    #[test]
    fn latitudes_past_the_geo_limit_are_refused() {
        let at = |lat| ClientMessage::Location(Location::at(pos(lat)));
        assert!(check(&at(85.05)).is_ok());
        assert!(check(&at(-85.051_128_78)).is_ok());
        assert!(check(&at(85.06)).is_err());
        assert!(check(&at(-89.0)).is_err());
        let trip = |p, d| ClientMessage::request(place(p), place(d));
        assert!(check(&trip(52.0, 52.1)).is_ok());
        assert!(check(&trip(88.5, 52.0))
            .expect_err("pickup")
            .starts_with("pickup"));
        assert!(check(&trip(52.0, -88.5))
            .expect_err("dropoff")
            .starts_with("dropoff"));
    }
}
