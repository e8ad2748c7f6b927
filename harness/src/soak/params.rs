//! The soak run's parameters (from the command line) and the timings of
//! its simulated clients.

use crate::load::Load;
use std::time::Duration;

#[derive(Debug, Clone, serde::Serialize)]
pub struct SoakParams {
    #[serde(flatten)]
    pub load: Load,
    /// After the grace, how long to wait for every known trip to be over.
    #[serde(with = "crate::report::secs")]
    pub settle: Duration,
    /// How long a simulated driver takes over a trip: always the default
    /// from the command line; a smoke run shortens it.
    #[serde(skip)]
    pub timing: Timing,
}

/// A simulated driver's pace through a trip.
#[derive(Debug, Clone)]
pub struct Timing {
    /// A driver accepts an offer this long after it arrives (ms).
    pub accept_delay_ms: std::ops::RangeInclusive<u64>,
    /// From accept to `trip.arrive` (s).
    pub to_pickup_secs: std::ops::Range<f64>,
    /// From `trip.start` to `trip.complete` (s).
    pub ride_secs: std::ops::Range<f64>,
    /// From `arrived` to `trip.start`.
    pub boarding: Duration,
}

impl Default for Timing {
    fn default() -> Self {
        Self {
            accept_delay_ms: 100..=800,
            to_pickup_secs: 3.0..7.0,
            ride_secs: 8.0..12.0,
            boarding: Duration::from_millis(500),
        }
    }
}

/// A command unanswered this long on a live socket: resync through `hello`.
pub(super) const REPLY_TIMEOUT: Duration = Duration::from_secs(10);
pub(super) const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Retry delay after an `unavailable` answer.
pub(super) const RETRY_AFTER: Duration = Duration::from_millis(500);
