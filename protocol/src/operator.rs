//! The operator API (`/api/monitor/me`, `/api/monitor/actions/...`,
//! `/api/monitor/audit`), an additive extension of the monitor: who is
//! looking (and whether they may act), what an action did, and the audit
//! log of every action taken.

use crate::ids::UserId;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// What a monitor user may do: `viewer` reads, `operator` also acts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum MonitorRole {
    Viewer,
    Operator,
}

impl MonitorRole {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Viewer => "viewer",
            Self::Operator => "operator",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "viewer" => Some(Self::Viewer),
            "operator" => Some(Self::Operator),
            _ => None,
        }
    }
}

/// `GET /api/monitor/me`: the admin behind the token and their role, so
/// the monitor shows action buttons to operators only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct MonitorMe {
    pub id: UserId,
    pub username: String,
    pub role: MonitorRole,
}

/// What an operator did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum ActionKind {
    CancelTrip,
    Redispatch,
    Disconnect,
    Suspend,
    Unsuspend,
    DrainNode,
}

impl ActionKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::CancelTrip => "cancel_trip",
            Self::Redispatch => "redispatch",
            Self::Disconnect => "disconnect",
            Self::Suspend => "suspend",
            Self::Unsuspend => "unsuspend",
            Self::DrainNode => "drain_node",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [
            Self::CancelTrip,
            Self::Redispatch,
            Self::Disconnect,
            Self::Suspend,
            Self::Unsuspend,
            Self::DrainNode,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }
}

/// How an action ended: `done` (it changed something), `unchanged` (it
/// was already so: actions are idempotent) or `refused` (e.g. the trip is
/// over; `detail` says why).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum ActionResult {
    Done,
    Unchanged,
    Refused,
}

impl ActionResult {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Done => "done",
            Self::Unchanged => "unchanged",
            Self::Refused => "refused",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "done" => Some(Self::Done),
            "unchanged" => Some(Self::Unchanged),
            "refused" => Some(Self::Refused),
            _ => None,
        }
    }
}

/// One audit log entry: who did what to which target, when, and how it
/// ended. `target` is a trip id, a user id or a node id (by `action`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct AuditEntry {
    /// Increasing; the page cursor (`before`).
    pub id: i64,
    pub at: DateTime<Utc>,
    pub actor_id: UserId,
    pub actor_username: String,
    pub action: ActionKind,
    pub target: String,
    pub result: ActionResult,
    /// A short human-readable note (e.g. why it was refused).
    #[cfg_attr(feature = "ts", ts(optional))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

/// The answer to every action: its audit entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ActionResponse {
    pub entry: AuditEntry,
}

/// `GET /api/monitor/audit?target=&before=&limit=`: newest first;
/// `next_before` is the cursor of the next page (absent on the last).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct AuditResponse {
    pub entries: Vec<AuditEntry>,
    #[cfg_attr(feature = "ts", ts(optional))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_before: Option<i64>,
}
