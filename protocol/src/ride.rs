//! The ride-product layer on the wire: prices, vehicles, ratings, quotes,
//! cancellation reasons, receipts. All additive to v1: every field that
//! older messages lack is optional, and every amount of money is an
//! integer in the currency's minor units (cents), never a float.

use crate::geo::Place;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// An amount of money: `amount` minor units of `currency` (ISO 4217).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Money {
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub amount: i64,
    pub currency: String,
}

/// How a price was made, line by line (all minor units of `currency`):
/// `total = base + distance + time + surge + minimum_adjustment + booking_fee`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct FareBreakdown {
    pub currency: String,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub base: i64,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub distance: i64,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub time: i64,
    /// What the surge multiplier added to base + distance + time.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub surge: i64,
    /// Raises the fare to the class's minimum (0 when above it).
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub minimum_adjustment: i64,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub booking_fee: i64,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub total: i64,
    /// The distance and duration priced (estimated, or from the track).
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub distance_m: u64,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub duration_s: u64,
    /// The surge multiplier in basis points: 10000 = 1.0x, 12500 = 1.25x.
    pub surge_bp: u32,
}

/// A class's price rule, as `GET /api/fares` lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct FareClass {
    pub class: String,
    pub currency: String,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub base: i64,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub per_km: i64,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub per_minute: i64,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub minimum: i64,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub booking_fee: i64,
}

/// `GET /api/fares`: every class, and the cancellation fee rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct FaresResponse {
    pub classes: Vec<FareClass>,
    /// A rider who cancels more than `cancel_grace_s` after a driver was
    /// assigned pays `cancel_fee` (0: never).
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub cancel_grace_s: u64,
    pub cancel_fee: Money,
    /// Additive: how a final fare's distance is measured from the GPS
    /// track, so anyone holding a trip's track can recompute its fare.
    #[cfg_attr(feature = "ts", ts(optional))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub track: Option<TrackRules>,
}

/// The rules that clean a recorded GPS line before it is charged
/// (docs/pricing.md, "Final fare"): a step shorter than `jitter_m` from
/// the last counted fix waits; a step faster than `max_speed_kmh` is a bad
/// fix; more than `gap_s` without a fix is bridged by the great-circle
/// distance times `road_factor`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct TrackRules {
    pub jitter_m: f64,
    pub max_speed_kmh: f64,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub gap_s: u64,
    pub road_factor: f64,
    /// Dropped fixes in a row after which the last counted fix is taken to
    /// have been the bad one and the line restarts.
    pub max_rejected: u32,
}

/// A driver's vehicle. `class` says which trips it is offered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Vehicle {
    pub make: String,
    pub model: String,
    pub colour: String,
    pub plate: String,
    pub class: String,
    pub seats: u8,
}

/// `GET`/`PUT /api/me/vehicle`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct VehicleResponse {
    pub vehicle: Vehicle,
}

/// The ratings a person received: the mean of their stars (one decimal)
/// and how many.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct RatingSummary {
    pub average: f64,
    pub count: u32,
}

/// `POST /api/trips/{id}/rating`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct RatingRequest {
    pub stars: u8,
    #[cfg_attr(feature = "ts", ts(optional))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

/// Why a trip was cancelled: a fixed list per role (`other` asks for a
/// note). Riders: `changed_plans`, `driver_too_far`, `wait_too_long`,
/// `wrong_pickup`, `other`; drivers: `rider_no_show`, `rider_asked`,
/// `unsafe_pickup`, `vehicle_issue`, `other`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum CancelReason {
    ChangedPlans,
    DriverTooFar,
    WaitTooLong,
    WrongPickup,
    RiderNoShow,
    RiderAsked,
    UnsafePickup,
    VehicleIssue,
    Other,
}

impl CancelReason {
    pub const ALL: [CancelReason; 9] = [
        Self::ChangedPlans,
        Self::DriverTooFar,
        Self::WaitTooLong,
        Self::WrongPickup,
        Self::RiderNoShow,
        Self::RiderAsked,
        Self::UnsafePickup,
        Self::VehicleIssue,
        Self::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::ChangedPlans => "changed_plans",
            Self::DriverTooFar => "driver_too_far",
            Self::WaitTooLong => "wait_too_long",
            Self::WrongPickup => "wrong_pickup",
            Self::RiderNoShow => "rider_no_show",
            Self::RiderAsked => "rider_asked",
            Self::UnsafePickup => "unsafe_pickup",
            Self::VehicleIssue => "vehicle_issue",
            Self::Other => "other",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

/// `POST /api/quotes`: a price before the request. Without `class`, one
/// quote per class comes back.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct QuoteRequest {
    pub pickup: Place,
    pub dropoff: Place,
    #[cfg_attr(feature = "ts", ts(optional))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub class: Option<String>,
}

/// A priced offer to ride, valid until `expires_at`; `trip.request` with
/// its `quote_id` locks the trip's estimate and surge to it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Quote {
    pub quote_id: String,
    pub class: String,
    pub pickup: Place,
    pub dropoff: Place,
    /// The estimate: distance and duration, and the fare they price to.
    pub fare: FareBreakdown,
    /// Available drivers of this class near the pickup (0: say so up front).
    pub drivers_nearby: u32,
    /// Seconds for the nearest of them to reach the pickup.
    #[cfg_attr(feature = "ts", ts(optional))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pickup_eta_s: Option<u32>,
    pub expires_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct QuotesResponse {
    pub quotes: Vec<Quote>,
}
