//! Hail's wire contract (v1) as Rust types: the one source shared by the
//! server, the harness and the client's contract fixtures.
//!
//! Layout:
//! - `ids`      typed ids (UUIDs on the wire as strings)
//! - `geo`      `Position` and `Place`, validated when parsed
//! - `model`    `User`, `Trip` and their enums
//! - `ws`       WebSocket frames: client commands and server messages
//! - `http`     HTTP request and response bodies
//! - `error`    the error codes shared by HTTP and WebSocket
//! - `close`    the WebSocket close codes and which ones to reconnect after
//! - `monitor`  the admin monitor API (an extension)
//! - `operator` monitor roles, operator actions and the audit log
//! - `history`  the monitor's per-minute rollups, read back by range
//! - `ride`     prices, vehicles, ratings, quotes, cancel reasons, receipts
//!
//! With the `ts` feature every wire type also derives `ts_rs::TS`;
//! `tests/ts_bindings.rs` (`make ts-types`) writes the client's
//! `client/src/lib/generated/` from them, and `make ts-check` fails on drift.

pub mod close;
pub mod error;
pub mod geo;
pub mod history;
pub mod http;
pub mod ids;
pub mod model;
pub mod monitor;
pub mod operator;
pub mod ride;
pub mod ws;

pub use error::{ErrorBody, ErrorCode, ErrorDetail};
pub use geo::{Place, Position, PositionError};
pub use history::{HistoryPoint, HistoryRange, HistoryResponse};
pub use ids::{TripId, UserId};
pub use model::{CancelledBy, Role, Trip, TripStatus, TripUser, User};
pub use operator::{ActionKind, ActionResult, AuditEntry, MonitorRole};
pub use ride::{CancelReason, FareBreakdown, Money, RatingSummary, Vehicle};
pub use ws::{ClientKind, ClientMessage, Location, LocationError, ServerMessage, WithdrawReason};
