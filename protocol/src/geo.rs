//! Positions and places, checked once when parsed so the rest of Hail can
//! trust them.

use serde::{Deserialize, Serialize};

/// Longest accepted `address` label, in characters.
pub const MAX_ADDRESS_CHARS: usize = 200;

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum PositionError {
    #[error("lat and lng must be finite numbers")]
    NotFinite,
    #[error("lat must be within [-90, 90]")]
    LatOutOfRange,
    #[error("lng must be within [-180, 180]")]
    LngOutOfRange,
    #[error("address must be at most 200 characters")]
    AddressTooLong,
}

/// A WGS84 point. Construct with [`Position::new`]; deserialising runs the
/// same check, so an out-of-range coordinate never gets past the edge.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(try_from = "RawPosition")]
pub struct Position {
    pub(crate) lat: f64,
    pub(crate) lng: f64,
}

#[derive(Deserialize)]
struct RawPosition {
    lat: f64,
    lng: f64,
}

impl TryFrom<RawPosition> for Position {
    type Error = PositionError;
    fn try_from(raw: RawPosition) -> Result<Self, Self::Error> {
        Position::new(raw.lat, raw.lng)
    }
}

impl Position {
    pub fn new(lat: f64, lng: f64) -> Result<Self, PositionError> {
        if !lat.is_finite() || !lng.is_finite() {
            return Err(PositionError::NotFinite);
        }
        if !(-90.0..=90.0).contains(&lat) {
            return Err(PositionError::LatOutOfRange);
        }
        if !(-180.0..=180.0).contains(&lng) {
            return Err(PositionError::LngOutOfRange);
        }
        Ok(Self { lat, lng })
    }

    pub fn lat(&self) -> f64 {
        self.lat
    }

    pub fn lng(&self) -> f64 {
        self.lng
    }

    /// Great-circle distance in metres (haversine, mean Earth radius), the
    /// same model Redis GEO uses, so offers quote what the index measured.
    pub fn distance_m(&self, other: &Position) -> f64 {
        const EARTH_RADIUS_M: f64 = 6_372_797.560_856;
        let (lat1, lat2) = (self.lat.to_radians(), other.lat.to_radians());
        let dlat = lat2 - lat1;
        let dlng = (other.lng - self.lng).to_radians();
        let a = (dlat / 2.0).sin().powi(2) + lat1.cos() * lat2.cos() * (dlng / 2.0).sin().powi(2);
        2.0 * EARTH_RADIUS_M * a.sqrt().asin()
    }
}

/// A position plus an optional human label.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(try_from = "RawPlace")]
pub struct Place {
    lat: f64,
    lng: f64,
    #[cfg_attr(feature = "ts", ts(optional))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    address: Option<String>,
}

#[derive(Deserialize)]
struct RawPlace {
    lat: f64,
    lng: f64,
    #[serde(default)]
    address: Option<String>,
}

impl TryFrom<RawPlace> for Place {
    type Error = PositionError;
    fn try_from(raw: RawPlace) -> Result<Self, Self::Error> {
        Place::new(Position::new(raw.lat, raw.lng)?, raw.address)
    }
}

impl Place {
    pub fn new(pos: Position, address: Option<String>) -> Result<Self, PositionError> {
        if address
            .as_ref()
            .is_some_and(|a| a.chars().count() > MAX_ADDRESS_CHARS)
        {
            return Err(PositionError::AddressTooLong);
        }
        Ok(Self {
            lat: pos.lat,
            lng: pos.lng,
            address,
        })
    }

    pub fn position(&self) -> Position {
        Position {
            lat: self.lat,
            lng: self.lng,
        }
    }

    pub fn lat(&self) -> f64 {
        self.lat
    }

    pub fn lng(&self) -> f64 {
        self.lng
    }

    pub fn address(&self) -> Option<&str> {
        self.address.as_deref()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_out_of_range_and_non_finite() {
        assert_eq!(Position::new(90.1, 0.0), Err(PositionError::LatOutOfRange));
        assert_eq!(
            Position::new(0.0, -180.5),
            Err(PositionError::LngOutOfRange)
        );
        assert_eq!(Position::new(f64::NAN, 0.0), Err(PositionError::NotFinite));
        assert_eq!(
            Position::new(0.0, f64::INFINITY),
            Err(PositionError::NotFinite)
        );
        assert!(Position::new(-90.0, 180.0).is_ok());
    }

    #[test]
    fn deserialising_runs_the_check() {
        assert!(serde_json::from_str::<Position>(r#"{"lat":91,"lng":0}"#).is_err());
        assert!(serde_json::from_str::<Place>(r#"{"lat":1,"lng":2,"address":"x"}"#).is_ok());
        let long = "a".repeat(201);
        let json = format!(r#"{{"lat":1,"lng":2,"address":"{long}"}}"#);
        assert!(serde_json::from_str::<Place>(&json).is_err());
    }

    #[test]
    fn distance_is_haversine() {
        let a = Position::new(52.52, 13.405).expect("valid");
        let b = Position::new(52.52, 13.405 + 0.01).expect("valid");
        let d = a.distance_m(&b);
        assert!((d - 677.0).abs() < 5.0, "{d}");
    }
}
