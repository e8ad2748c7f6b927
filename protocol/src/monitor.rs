//! The admin monitor API (`/api/monitor/...`), an additive extension of the
//! contract: what every node reports, the dispatches, the background tasks.

use crate::geo::Position;
use crate::ids::{TripId, UserId};
use crate::model::TripStatus;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Open connections, by the role of who holds them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct RoleCounts {
    pub rider: u64,
    pub driver: u64,
    pub admin: u64,
}

impl RoleCounts {
    pub fn total(&self) -> u64 {
        self.rider + self.driver + self.admin
    }

    pub fn add(&mut self, other: &RoleCounts) {
        self.rider += other.rider;
        self.driver += other.driver;
        self.admin += other.admin;
    }
}

/// `down`: no heartbeat within the window (`heartbeat_window_secs`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum NodeStatus {
    Up,
    Down,
}

/// One node as its last heartbeat described it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct NodeOverview {
    pub id: String,
    /// Where it listens (`HAIL_BIND` as bound).
    pub address: String,
    pub status: NodeStatus,
    pub started_at: DateTime<Utc>,
    pub last_seen: DateTime<Utc>,
    pub uptime_secs: u64,
    pub connections: RoleCounts,
    pub messages_in_per_sec: f64,
    pub messages_out_per_sec: f64,
    /// Frames dropped because a client's outbox was full (it is then
    /// disconnected), since the node started.
    pub outbox_drops: u64,
}

/// Sums over the nodes that are up.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Totals {
    pub nodes_up: u64,
    pub nodes_down: u64,
    pub connections: RoleCounts,
    pub messages_in_per_sec: f64,
    pub messages_out_per_sec: f64,
    pub outbox_drops: u64,
}

/// Trips in each status, all time.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct TripCounts {
    pub requested: u64,
    pub accepted: u64,
    pub arrived: u64,
    pub in_progress: u64,
    pub completed: u64,
    pub cancelled: u64,
    pub expired: u64,
}

impl TripCounts {
    pub fn set(&mut self, status: TripStatus, n: u64) {
        let slot = match status {
            TripStatus::Requested => &mut self.requested,
            TripStatus::Accepted => &mut self.accepted,
            TripStatus::Arrived => &mut self.arrived,
            TripStatus::InProgress => &mut self.in_progress,
            TripStatus::Completed => &mut self.completed,
            TripStatus::Cancelled => &mut self.cancelled,
            TripStatus::Expired => &mut self.expired,
        };
        *slot = n;
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct DriverCounts {
    /// Driver connections on the nodes that are up.
    pub online: u64,
    /// Drivers in the geo index: on duty, with a fresh position, no trip.
    pub available: u64,
}

/// `GET /api/monitor/overview`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Overview {
    pub at: DateTime<Utc>,
    /// A node silent for longer than this shows as `down`.
    pub heartbeat_window_secs: u64,
    /// How often nodes announce themselves (and the stream ticks).
    #[serde(default)]
    pub heartbeat_ms: u64,
    pub nodes: Vec<NodeOverview>,
    pub totals: Totals,
    pub trips: TripCounts,
    pub drivers: DriverCounts,
}

/// How a dispatch ended, like a task's state in Flower.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum DispatchOutcome {
    /// Still `requested`: rounds are running.
    Searching,
    /// A driver accepted (whatever happened to the trip after).
    Accepted,
    /// Nobody accepted in time.
    Expired,
    /// The rider cancelled before anyone accepted.
    Cancelled,
}

impl DispatchOutcome {
    pub const ALL: [DispatchOutcome; 4] = [
        Self::Searching,
        Self::Accepted,
        Self::Expired,
        Self::Cancelled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Searching => "searching",
            Self::Accepted => "accepted",
            Self::Expired => "expired",
            Self::Cancelled => "cancelled",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|o| o.as_str() == s)
    }

    /// The outcome a trip's state implies.
    pub fn of(status: TripStatus, has_driver: bool) -> Self {
        match status {
            TripStatus::Requested => Self::Searching,
            TripStatus::Expired => Self::Expired,
            TripStatus::Cancelled if !has_driver => Self::Cancelled,
            _ => Self::Accepted,
        }
    }
}

/// One trip's dispatch (`GET /api/monitor/dispatches`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Dispatch {
    pub trip_id: TripId,
    pub status: TripStatus,
    pub outcome: DispatchOutcome,
    pub requested_at: DateTime<Utc>,
    /// Search rounds run, including those that found nobody.
    pub rounds: u32,
    /// The widest circle searched; `None` before the first round.
    pub radius_m: Option<f64>,
    /// Drivers the trip was offered to.
    pub offered: u32,
    pub declined: u32,
    /// Request to accept, when a driver accepted.
    pub time_to_accept_ms: Option<u64>,
    /// The node that took the request.
    pub node: String,
    /// Additive (issue 13): the class requested.
    #[cfg_attr(feature = "ts", ts(optional))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub class: Option<String>,
    /// Additive: who cancelled, and the reason they gave.
    #[cfg_attr(feature = "ts", ts(optional))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cancelled_by: Option<crate::model::CancelledBy>,
    #[cfg_attr(feature = "ts", ts(optional))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cancel_reason: Option<crate::ride::CancelReason>,
    /// Additive: the final fare of a completed trip, or a cancellation fee.
    #[cfg_attr(feature = "ts", ts(optional))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub charged: Option<crate::ride::Money>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct DispatchesResponse {
    pub dispatches: Vec<Dispatch>,
}

/// One entry of a dispatch's timeline, oldest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum TimelineEvent {
    /// The trip changed status (`from` is absent on creation).
    Status {
        at: DateTime<Utc>,
        #[cfg_attr(feature = "ts", ts(optional))]
        #[serde(default, skip_serializing_if = "Option::is_none")]
        from: Option<TripStatus>,
        to: TripStatus,
        node: String,
    },
    /// A search round ran.
    Round {
        at: DateTime<Utc>,
        round: u32,
        radius_m: f64,
        found: u32,
        node: String,
    },
    /// The trip was offered to a driver.
    Offered {
        at: DateTime<Utc>,
        driver_id: UserId,
        driver_name: String,
        round: u32,
        distance_m: f64,
    },
    /// That offer ended: accepted, declined, lost, expired or withdrawn.
    OfferEnded {
        at: DateTime<Utc>,
        driver_id: UserId,
        driver_name: String,
        outcome: String,
    },
}

impl TimelineEvent {
    pub fn at(&self) -> DateTime<Utc> {
        match self {
            Self::Status { at, .. }
            | Self::Round { at, .. }
            | Self::Offered { at, .. }
            | Self::OfferEnded { at, .. } => *at,
        }
    }
}

/// `GET /api/monitor/dispatches/{trip_id}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct DispatchDetail {
    pub dispatch: Dispatch,
    pub timeline: Vec<TimelineEvent>,
}

/// One background task on one node (`GET /api/monitor/tasks`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct TaskStats {
    pub node: String,
    /// `dispatch_round`, `offer_expiry`, `trip_expiry`, `dispatch_takeover`,
    /// `dispatch_lease`, `stale_driver_sweep`, `stranded_trip_sweep`,
    /// `gps_writer`, `surge_board`, `quote_prune`, `rollup`,
    /// `gps_partitions`.
    pub name: String,
    pub runs: u64,
    pub failures: u64,
    pub last_run_at: Option<DateTime<Utc>>,
    /// How long the last run took.
    pub last_duration_ms: Option<f64>,
    /// Mean run time since the node started.
    pub mean_duration_ms: Option<f64>,
    /// Work waiting (queued GPS points, live dispatchers).
    pub backlog: u64,
    pub last_error: Option<String>,
    /// *(issue 15)* How often the task runs, for a periodic one (absent:
    /// it runs on events, as `dispatch_round` and `gps_writer` do).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub interval_ms: Option<u64>,
    /// *(issue 15)* How the last run ended (absent: it never ran).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub state: Option<TaskState>,
    /// *(issue 15)* When a periodic task runs next: its last run plus its
    /// interval.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub next_run_at: Option<DateTime<Utc>>,
    /// *(issue 15)* The last runs, newest first (at most 10).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[cfg_attr(feature = "ts", ts(as = "Option<Vec<TaskRun>>", optional))]
    pub recent: Vec<TaskRun>,
}

/// How one run of a task ended, like a task's state in Flower.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum TaskState {
    Ok,
    Failed,
}

/// One finished run of a background task.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct TaskRun {
    pub at: DateTime<Utc>,
    pub state: TaskState,
    pub duration_ms: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub error: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct TasksResponse {
    pub tasks: Vec<TaskStats>,
}

/// An available driver where the geo index has it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct MapDriver {
    pub driver_id: UserId,
    pub lat: f64,
    pub lng: f64,
}

/// The latest persisted GPS point of a trip's driver.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct MapPoint {
    pub lat: f64,
    pub lng: f64,
    pub at: DateTime<Utc>,
}

/// A trip that is not over, where it goes and where its driver is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct MapTrip {
    pub trip_id: TripId,
    pub status: TripStatus,
    pub pickup: Position,
    pub dropoff: Position,
    /// `None` until the driver's first point on this trip is written.
    pub driver: Option<MapPoint>,
}

/// `GET /api/monitor/map`: available drivers and active trips (each list
/// capped; freshest first).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct MonitorMap {
    pub drivers: Vec<MapDriver>,
    pub trips: Vec<MapTrip>,
}

/// One H3 cell of the surge board.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SurgeCell {
    /// The H3 index, as hex text.
    pub cell: String,
    /// The cell's centre.
    pub lat: f64,
    pub lng: f64,
    /// Available drivers in the cell.
    pub supply: u32,
    /// Trips requested from the cell within the demand window.
    pub demand: u32,
    /// 10000 = 1.0x.
    pub surge_bp: u32,
}

/// `GET /api/monitor/surge`: the surge board every node prices from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SurgeResponse {
    /// H3 resolution of the cells.
    pub resolution: u8,
    /// When the board was computed (absent: not yet).
    #[cfg_attr(feature = "ts", ts(optional))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub computed_at: Option<DateTime<Utc>>,
    /// The node that computed it.
    #[cfg_attr(feature = "ts", ts(optional))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub computed_by: Option<String>,
    /// Seconds of requests counted as demand.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub demand_window_s: u64,
    /// Only cells with supply or demand; surging ones first.
    pub cells: Vec<SurgeCell>,
}
