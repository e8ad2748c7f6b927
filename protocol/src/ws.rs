//! WebSocket frames. Every frame is a JSON text message with a `type`.
//!
//! Client messages are parsed in two steps (see [`Envelope`]) so the server
//! can apply the contract's error precedence: `forbidden` (the role may never
//! send this type) is decided from the type alone, before the fields are
//! checked (`invalid`).

use crate::error::ErrorCode;
use crate::geo::{Place, Position, PositionError};
use crate::ids::TripId;
use crate::model::{Role, Trip, User};
use crate::ride::CancelReason;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::borrow::Cow;

/// Longest accepted cancel `reason`, in characters.
pub const MAX_REASON_CHARS: usize = 500;

/// A driver's GPS point, checked when parsed: a `Location` in hand has a
/// valid position and finite heading and speed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(try_from = "RawLocation")]
pub struct Location {
    lat: f64,
    lng: f64,
    #[cfg_attr(feature = "ts", ts(optional))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    heading: Option<f64>,
    #[cfg_attr(feature = "ts", ts(optional))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    speed: Option<f64>,
    /// When the device took the point; the server may replace it (see
    /// docs/protocol.md).
    #[cfg_attr(feature = "ts", ts(optional))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    at: Option<DateTime<Utc>>,
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum LocationError {
    #[error(transparent)]
    Position(#[from] PositionError),
    #[error("heading must be a finite number")]
    Heading,
    #[error("speed must be a finite, non-negative number")]
    Speed,
}

#[derive(Deserialize)]
struct RawLocation {
    lat: f64,
    lng: f64,
    #[serde(default)]
    heading: Option<f64>,
    #[serde(default)]
    speed: Option<f64>,
    #[serde(default)]
    at: Option<DateTime<Utc>>,
}

impl TryFrom<RawLocation> for Location {
    type Error = LocationError;
    fn try_from(raw: RawLocation) -> Result<Self, Self::Error> {
        Location::new(
            Position::new(raw.lat, raw.lng)?,
            raw.heading,
            raw.speed,
            raw.at,
        )
    }
}

impl Location {
    pub fn new(
        position: Position,
        heading: Option<f64>,
        speed: Option<f64>,
        at: Option<DateTime<Utc>>,
    ) -> Result<Self, LocationError> {
        if heading.is_some_and(|h| !h.is_finite()) {
            return Err(LocationError::Heading);
        }
        if speed.is_some_and(|s| !s.is_finite() || s < 0.0) {
            return Err(LocationError::Speed);
        }
        Ok(Self {
            lat: position.lat(),
            lng: position.lng(),
            heading,
            speed,
            at,
        })
    }

    /// A point at `position` with nothing else known.
    pub fn at(position: Position) -> Self {
        Self {
            lat: position.lat(),
            lng: position.lng(),
            heading: None,
            speed: None,
            at: None,
        }
    }

    pub fn position(&self) -> Position {
        // Checked when the location was made; not again per GPS point.
        Position {
            lat: self.lat,
            lng: self.lng,
        }
    }

    pub fn heading(&self) -> Option<f64> {
        self.heading
    }

    pub fn speed(&self) -> Option<f64> {
        self.speed
    }

    pub fn taken_at(&self) -> Option<DateTime<Utc>> {
        self.at
    }

    /// The same point, taken at `at`.
    pub fn with_time(mut self, at: Option<DateTime<Utc>>) -> Self {
        self.at = at;
        self
    }
}

/// The part every client frame shares: enough to route and to answer.
#[derive(Debug, Deserialize)]
pub struct Envelope<'a> {
    #[serde(rename = "type", borrow)]
    pub kind: Cow<'a, str>,
    #[serde(rename = "ref", default)]
    pub reference: Option<String>,
}

/// The client message types, known before their fields are parsed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ClientKind {
    Location,
    DriverAvailable,
    TripRequest,
    TripAccept,
    TripDecline,
    TripArrive,
    TripStart,
    TripComplete,
    TripCancel,
}

impl ClientKind {
    pub const ALL: [ClientKind; 9] = [
        Self::Location,
        Self::DriverAvailable,
        Self::TripRequest,
        Self::TripAccept,
        Self::TripDecline,
        Self::TripArrive,
        Self::TripStart,
        Self::TripComplete,
        Self::TripCancel,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Location => "location",
            Self::DriverAvailable => "driver.available",
            Self::TripRequest => "trip.request",
            Self::TripAccept => "trip.accept",
            Self::TripDecline => "trip.decline",
            Self::TripArrive => "trip.arrive",
            Self::TripStart => "trip.start",
            Self::TripComplete => "trip.complete",
            Self::TripCancel => "trip.cancel",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// Whether `role` may ever send this type. Admins watch; they do not ride
    /// or drive.
    pub fn allowed_for(self, role: Role) -> bool {
        match self {
            Self::TripRequest => role == Role::Rider,
            Self::TripCancel => matches!(role, Role::Rider | Role::Driver),
            _ => role == Role::Driver,
        }
    }
}

/// A client command with its fields. Serialises to the wire form, so the
/// harness and tests build frames from it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "type")]
pub enum ClientMessage {
    #[serde(rename = "location")]
    Location(Location),
    #[serde(rename = "driver.available")]
    DriverAvailable { available: bool },
    #[serde(rename = "trip.request")]
    TripRequest {
        pickup: Place,
        dropoff: Place,
        /// Additive: the vehicle class (default `standard`, or the quote's).
        #[cfg_attr(feature = "ts", ts(optional))]
        #[serde(default, skip_serializing_if = "Option::is_none")]
        class: Option<String>,
        /// Additive: locks the trip's estimate and surge to this quote.
        #[cfg_attr(feature = "ts", ts(optional))]
        #[serde(default, skip_serializing_if = "Option::is_none")]
        quote_id: Option<String>,
    },
    #[serde(rename = "trip.accept")]
    TripAccept { trip_id: TripId },
    #[serde(rename = "trip.decline")]
    TripDecline { trip_id: TripId },
    #[serde(rename = "trip.arrive")]
    TripArrive { trip_id: TripId },
    #[serde(rename = "trip.start")]
    TripStart { trip_id: TripId },
    #[serde(rename = "trip.complete")]
    TripComplete { trip_id: TripId },
    #[serde(rename = "trip.cancel")]
    TripCancel {
        trip_id: TripId,
        /// Free text (at most 500 characters); required with `code: other`.
        #[cfg_attr(feature = "ts", ts(optional))]
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason: Option<String>,
        /// Additive: one of the role's fixed reasons.
        #[cfg_attr(feature = "ts", ts(optional))]
        #[serde(default, skip_serializing_if = "Option::is_none")]
        code: Option<CancelReason>,
    },
}

/// A client frame as sent: a command plus its optional `ref`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClientFrame {
    #[serde(flatten)]
    pub message: ClientMessage,
    #[serde(rename = "ref", skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
}

impl ClientMessage {
    pub fn kind(&self) -> ClientKind {
        match self {
            Self::Location { .. } => ClientKind::Location,
            Self::DriverAvailable { .. } => ClientKind::DriverAvailable,
            Self::TripRequest { .. } => ClientKind::TripRequest,
            Self::TripAccept { .. } => ClientKind::TripAccept,
            Self::TripDecline { .. } => ClientKind::TripDecline,
            Self::TripArrive { .. } => ClientKind::TripArrive,
            Self::TripStart { .. } => ClientKind::TripStart,
            Self::TripComplete { .. } => ClientKind::TripComplete,
            Self::TripCancel { .. } => ClientKind::TripCancel,
        }
    }

    /// Checks what serde cannot express: coordinate ranges of `location`
    /// (places check themselves) and the length of a cancel reason.
    pub fn validate(&self) -> Result<(), String> {
        match self {
            Self::TripCancel {
                reason: Some(reason),
                ..
            } if reason.chars().count() > MAX_REASON_CHARS => Err(format!(
                "reason must be at most {MAX_REASON_CHARS} characters"
            )),
            _ => Ok(()),
        }
    }

    /// A plain `trip.request` (default class, no quote).
    pub fn request(pickup: Place, dropoff: Place) -> Self {
        Self::TripRequest {
            pickup,
            dropoff,
            class: None,
            quote_id: None,
        }
    }

    /// A `trip.cancel` with an optional free-text reason and no code.
    pub fn cancel(trip_id: TripId, reason: Option<String>) -> Self {
        Self::TripCancel {
            trip_id,
            reason,
            code: None,
        }
    }

    pub fn with_ref(self, reference: impl Into<String>) -> ClientFrame {
        ClientFrame {
            message: self,
            reference: Some(reference.into()),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum WithdrawReason {
    Taken,
    Cancelled,
    Expired,
}

impl WithdrawReason {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Taken => "taken",
            Self::Cancelled => "cancelled",
            Self::Expired => "expired",
        }
    }
}

/// Frames the server sends.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "type")]
pub enum ServerMessage {
    #[serde(rename = "hello")]
    Hello {
        user: User,
        trip: Option<Trip>,
        server_time: DateTime<Utc>,
    },
    #[serde(rename = "ok")]
    Ok {
        #[serde(rename = "ref")]
        reference: String,
        #[cfg_attr(feature = "ts", ts(optional))]
        #[serde(default, skip_serializing_if = "Option::is_none")]
        trip: Option<Trip>,
    },
    #[serde(rename = "error")]
    Error {
        #[cfg_attr(feature = "ts", ts(optional))]
        #[serde(rename = "ref", default, skip_serializing_if = "Option::is_none")]
        reference: Option<String>,
        code: ErrorCode,
        message: String,
    },
    #[serde(rename = "trip.offer")]
    TripOffer {
        trip: Trip,
        distance_m: f64,
        expires_at: DateTime<Utc>,
        /// Additive: seconds to reach the pickup from where the driver is.
        #[cfg_attr(feature = "ts", ts(optional))]
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pickup_eta_s: Option<u32>,
    },
    #[serde(rename = "trip.offer_withdrawn")]
    OfferWithdrawn {
        trip_id: TripId,
        reason: WithdrawReason,
    },
    #[serde(rename = "trip.updated")]
    TripUpdated { trip: Trip },
    #[serde(rename = "driver.location")]
    DriverLocation {
        trip_id: TripId,
        lat: f64,
        lng: f64,
        #[cfg_attr(feature = "ts", ts(optional))]
        #[serde(default, skip_serializing_if = "Option::is_none")]
        heading: Option<f64>,
        at: DateTime<Utc>,
        /// Additive: seconds until the driver reaches the pickup (trip
        /// `accepted`) or the dropoff (`in_progress`); see `eta_to`.
        #[cfg_attr(feature = "ts", ts(optional))]
        #[serde(default, skip_serializing_if = "Option::is_none")]
        eta_s: Option<u32>,
        #[cfg_attr(feature = "ts", ts(optional))]
        #[serde(default, skip_serializing_if = "Option::is_none")]
        eta_to: Option<EtaTarget>,
    },
}

/// Where a live ETA counts down to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum EtaTarget {
    Pickup,
    Dropoff,
}

impl ServerMessage {
    /// The `type` string, for metrics labels.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Hello { .. } => "hello",
            Self::Ok { .. } => "ok",
            Self::Error { .. } => "error",
            Self::TripOffer { .. } => "trip.offer",
            Self::OfferWithdrawn { .. } => "trip.offer_withdrawn",
            Self::TripUpdated { .. } => "trip.updated",
            Self::DriverLocation { .. } => "driver.location",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_frames_round_trip_with_ref() {
        let frame = ClientMessage::TripAccept {
            trip_id: TripId::new(),
        }
        .with_ref("r1");
        let text = serde_json::to_string(&frame).expect("serialises");
        let env: Envelope = serde_json::from_str(&text).expect("envelope");
        assert_eq!(env.kind, "trip.accept");
        assert_eq!(env.reference.as_deref(), Some("r1"));
        let back: ClientMessage = serde_json::from_str(&text).expect("message");
        assert_eq!(back, frame.message);
    }

    #[test]
    fn every_kind_round_trips_its_name() {
        for kind in ClientKind::ALL {
            assert_eq!(ClientKind::parse(kind.as_str()), Some(kind));
        }
        assert_eq!(ClientKind::parse("trip.fly"), None);
    }

    #[test]
    fn roles_are_checked_by_type() {
        assert!(ClientKind::TripRequest.allowed_for(Role::Rider));
        assert!(!ClientKind::TripRequest.allowed_for(Role::Driver));
        assert!(!ClientKind::Location.allowed_for(Role::Rider));
        assert!(ClientKind::TripCancel.allowed_for(Role::Driver));
        assert!(!ClientKind::TripCancel.allowed_for(Role::Admin));
    }

    #[test]
    fn location_validation() {
        let parse = |json: &str| serde_json::from_str::<ClientMessage>(json);
        assert!(parse(r#"{"type":"location","lat":95,"lng":0}"#).is_err());
        assert!(parse(r#"{"type":"location","lat":1,"lng":0,"speed":-1}"#).is_err());
        let ok = parse(r#"{"type":"location","lat":1,"lng":2,"heading":90}"#).expect("valid");
        let ClientMessage::Location(loc) = ok else {
            panic!("a location")
        };
        assert_eq!((loc.position().lat(), loc.heading()), (1.0, Some(90.0)));
        let at = Position::new(1.0, 2.0).expect("valid");
        assert_eq!(
            Location::new(at, None, Some(f64::NAN), None),
            Err(LocationError::Speed)
        );
        assert_eq!(
            serde_json::to_string(&ClientMessage::Location(Location::at(at))).expect("json"),
            r#"{"type":"location","lat":1.0,"lng":2.0}"#
        );
    }

    #[test]
    fn ok_omits_absent_trip_and_hello_keeps_null() {
        let ok = ServerMessage::Ok {
            reference: "a".into(),
            trip: None,
        };
        assert_eq!(
            serde_json::to_string(&ok).expect("json"),
            r#"{"type":"ok","ref":"a"}"#
        );
    }
}
