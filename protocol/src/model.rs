//! Users and trips as clients see them.

use crate::geo::Place;
use crate::ids::{TripId, UserId};
use crate::ride::{CancelReason, FareBreakdown, Money, RatingSummary, Vehicle};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Rider,
    Driver,
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Rider => "rider",
            Self::Driver => "driver",
            Self::Admin => "admin",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "rider" => Some(Self::Rider),
            "driver" => Some(Self::Driver),
            "admin" => Some(Self::Admin),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct User {
    pub id: UserId,
    pub username: String,
    pub role: Role,
    pub name: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum TripStatus {
    Requested,
    Accepted,
    Arrived,
    InProgress,
    Completed,
    Cancelled,
    Expired,
}

impl TripStatus {
    pub const ALL: [TripStatus; 7] = [
        Self::Requested,
        Self::Accepted,
        Self::Arrived,
        Self::InProgress,
        Self::Completed,
        Self::Cancelled,
        Self::Expired,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Requested => "requested",
            Self::Accepted => "accepted",
            Self::Arrived => "arrived",
            Self::InProgress => "in_progress",
            Self::Completed => "completed",
            Self::Cancelled => "cancelled",
            Self::Expired => "expired",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|st| st.as_str() == s)
    }

    /// Whether the trip still binds its rider (and driver, once assigned).
    pub fn is_active(self) -> bool {
        matches!(
            self,
            Self::Requested | Self::Accepted | Self::Arrived | Self::InProgress
        )
    }

    /// Whether a driver is assigned and moving: GPS is persisted and forwarded.
    pub fn is_driving(self) -> bool {
        matches!(self, Self::Accepted | Self::Arrived | Self::InProgress)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum CancelledBy {
    Rider,
    Driver,
    System,
}

impl CancelledBy {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Rider => "rider",
            Self::Driver => "driver",
            Self::System => "system",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "rider" => Some(Self::Rider),
            "driver" => Some(Self::Driver),
            "system" => Some(Self::System),
            _ => None,
        }
    }
}

/// `{id, name}`: what the other side of a trip may know of a person.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct TripUser {
    pub id: UserId,
    pub name: String,
    /// Additive: the ratings this person received (none yet: absent).
    #[cfg_attr(feature = "ts", ts(optional))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rating: Option<RatingSummary>,
    /// Additive, drivers only: the vehicle that comes.
    #[cfg_attr(feature = "ts", ts(optional))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vehicle: Option<Vehicle>,
}

impl TripUser {
    /// Someone known only by id and name.
    pub fn named(id: UserId, name: impl Into<String>) -> Self {
        Self {
            id,
            name: name.into(),
            rating: None,
            vehicle: None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Trip {
    pub id: TripId,
    pub status: TripStatus,
    pub rider: TripUser,
    pub driver: Option<TripUser>,
    pub pickup: Place,
    pub dropoff: Place,
    pub requested_at: DateTime<Utc>,
    #[cfg_attr(feature = "ts", ts(optional))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accepted_at: Option<DateTime<Utc>>,
    #[cfg_attr(feature = "ts", ts(optional))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arrived_at: Option<DateTime<Utc>>,
    #[cfg_attr(feature = "ts", ts(optional))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started_at: Option<DateTime<Utc>>,
    #[cfg_attr(feature = "ts", ts(optional))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub completed_at: Option<DateTime<Utc>>,
    #[cfg_attr(feature = "ts", ts(optional))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cancelled_at: Option<DateTime<Utc>>,
    #[cfg_attr(feature = "ts", ts(optional))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cancelled_by: Option<CancelledBy>,
    /// Additive: when the trip became `expired`.
    #[cfg_attr(feature = "ts", ts(optional))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expired_at: Option<DateTime<Utc>>,
    /// Additive: the trip's version, 1 when requested and one more with
    /// each status change. Every `trip.updated` carries the trip's `seq`, so
    /// a client keeps the highest it has seen and ignores any older or
    /// duplicate update (0: a server that does not number trips).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub seq: u64,
    /// Additive: the vehicle class the trip was requested for.
    #[cfg_attr(feature = "ts", ts(optional))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub class: Option<String>,
    /// Additive: the quote the trip was requested with.
    #[cfg_attr(feature = "ts", ts(optional))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quote_id: Option<String>,
    /// Additive: the estimate locked at the request (quote or not).
    #[cfg_attr(feature = "ts", ts(optional))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub estimate: Option<FareBreakdown>,
    /// Additive: the final fare, priced from the recorded track at
    /// completion.
    #[cfg_attr(feature = "ts", ts(optional))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fare: Option<FareBreakdown>,
    /// Additive: why it was cancelled, when the canceller said.
    #[cfg_attr(feature = "ts", ts(optional))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cancel_reason: Option<CancelReason>,
    /// Additive: what a late cancellation by the rider cost.
    #[cfg_attr(feature = "ts", ts(optional))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cancel_fee: Option<Money>,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}
