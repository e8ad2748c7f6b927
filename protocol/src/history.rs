//! The monitor's history (an extension): per-minute rollups each node
//! writes into the store, read back bucketed for a range, so the charts
//! survive a restart of every node.

use crate::monitor::TripCounts;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The ranges `GET /api/monitor/history?range=` accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum HistoryRange {
    /// The last hour, one point per minute.
    #[serde(rename = "1h")]
    Hour,
    /// The last 24 hours, one point per 15 minutes.
    #[serde(rename = "24h")]
    Day,
    /// The last 7 days, one point per 2 hours.
    #[serde(rename = "7d")]
    Week,
}

impl HistoryRange {
    pub const ALL: [HistoryRange; 3] = [Self::Hour, Self::Day, Self::Week];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Hour => "1h",
            Self::Day => "24h",
            Self::Week => "7d",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// How far back the range reaches, in seconds.
    pub fn span_secs(self) -> i64 {
        match self {
            Self::Hour => 3600,
            Self::Day => 24 * 3600,
            Self::Week => 7 * 24 * 3600,
        }
    }

    /// The width of one point, in seconds.
    pub fn bucket_secs(self) -> i64 {
        match self {
            Self::Hour => 60,
            Self::Day => 15 * 60,
            Self::Week => 2 * 3600,
        }
    }
}

/// Dispatch latency (request to accept) percentiles, in milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Latency {
    pub p50_ms: f64,
    pub p90_ms: f64,
    pub p99_ms: f64,
    /// How many accepted dispatches the figures are over.
    pub samples: u64,
}

/// One node's open connections (all roles) at the end of a bucket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct NodeConnections {
    pub node: String,
    pub connections: u64,
}

/// One bucket of the history, summed over the nodes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct HistoryPoint {
    /// The bucket's start.
    pub at: DateTime<Utc>,
    /// Trips that reached each status within the bucket.
    pub trips: TripCounts,
    /// `None` when no dispatch was accepted within the bucket.
    pub dispatch_latency: Option<Latency>,
    /// GPS points written within the bucket.
    pub gps_points: u64,
    /// Per node, the most connections it reported within the bucket.
    pub connections: Vec<NodeConnections>,
}

/// `GET /api/monitor/history?range=1h|24h|7d`: the buckets that have
/// data, oldest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct HistoryResponse {
    pub range: HistoryRange,
    pub bucket_secs: u64,
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    pub points: Vec<HistoryPoint>,
}

/// `GET /api/monitor/trips?q=&sort=newest|oldest&cursor=&limit=`: a page of
/// the trips the query matches.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct TripSearchResponse {
    pub trips: Vec<crate::Trip>,
    /// Pass as `cursor` for the next page; `null` on the last page.
    pub next_cursor: Option<crate::TripId>,
}

/// `GET /api/monitor/trips/{trip_id}`: the trip (fare and estimate in it),
/// its dispatch with the whole timeline, and its ratings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct TripDetailResponse {
    pub trip: crate::Trip,
    pub dispatch: Option<crate::monitor::DispatchDetail>,
    pub ratings: Vec<crate::http::Rating>,
    /// Additive: what operators did to this trip, newest first.
    #[serde(default)]
    pub audit: Vec<crate::operator::AuditEntry>,
}

/// `GET /api/monitor/users/{user_id}`: the user, their rating, their
/// newest trips (as rider or driver; page on with `/api/monitor/trips`) and
/// the ratings given on those trips, both ways.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct UserPageResponse {
    pub user: crate::User,
    pub rating: Option<crate::RatingSummary>,
    pub trips: Vec<crate::Trip>,
    pub next_cursor: Option<crate::TripId>,
    /// Oldest first within each trip, trips newest first.
    pub ratings: Vec<crate::http::Rating>,
    /// Additive: whether the account is suspended now.
    #[serde(default)]
    pub suspended: bool,
    /// Additive: what operators did to this user (suspensions, lifts,
    /// disconnects), newest first.
    #[serde(default)]
    pub audit: Vec<crate::operator::AuditEntry>,
}

/// `GET /api/monitor/nodes/{node_id}`: the node as its heartbeat shows
/// it, its background tasks, and the newest trips it took.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct NodePageResponse {
    pub node: crate::monitor::NodeOverview,
    pub tasks: Vec<crate::monitor::TaskStats>,
    pub trips: Vec<crate::Trip>,
}
