//! What operator actions persist: monitor roles, suspensions and the audit
//! log. The SQL is shared by both backends; each maps rows with `rows`.

use super::rows::{BadValue, Columns};
use super::StoreResult;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use hail_protocol::operator::{ActionKind, ActionResult, AuditEntry, MonitorRole};
use hail_protocol::{Trip, TripId, User, UserId};

/// An account as operators see it: found even while suspended.
#[derive(Debug, Clone, PartialEq)]
pub struct Account {
    pub user: User,
    /// Set for admins only.
    pub monitor_role: Option<MonitorRole>,
    pub suspended: bool,
}

/// An audit entry to append (the store numbers it).
#[derive(Debug, Clone)]
pub struct NewAudit {
    pub at: DateTime<Utc>,
    pub actor_id: UserId,
    pub actor_username: String,
    pub action: ActionKind,
    pub target: String,
    pub result: ActionResult,
    pub detail: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub target: Option<String>,
    /// Only entries older than this id (the page cursor).
    pub before: Option<i64>,
    pub limit: usize,
}

#[async_trait]
pub trait OperatorStore: Send + Sync {
    /// The account (not deleted), suspended or not.
    async fn account(&self, id: UserId) -> StoreResult<Option<Account>>;
    /// Sets an admin's monitor role; `false` when there is no such admin.
    async fn set_monitor_role(&self, id: UserId, role: MonitorRole) -> StoreResult<bool>;
    /// Suspends (`true`) or lifts the suspension; returns whether it changed
    /// (idempotent: suspending a suspended account changes nothing).
    async fn set_suspended(
        &self,
        id: UserId,
        suspend: bool,
        at: DateTime<Utc>,
    ) -> StoreResult<bool>;
    /// Puts an expired or requested trip back into dispatch under `node`'s
    /// lease until `until`, as if requested at `now`; `None` when the trip
    /// is neither. `Conflict` when the rider has another active trip.
    async fn reopen_dispatch(
        &self,
        trip: TripId,
        node: &str,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> StoreResult<Option<Trip>>;
    async fn insert_audit(&self, entry: &NewAudit) -> StoreResult<AuditEntry>;
    /// Newest first.
    async fn audit(&self, filter: &AuditFilter) -> StoreResult<Vec<AuditEntry>>;
}

pub(crate) const ACCOUNT: &str = "SELECT id, username, role, name, monitor_role, \
     suspended_at IS NOT NULL FROM users WHERE id = $1 AND deleted_at IS NULL";
pub(crate) const SET_MONITOR_ROLE: &str =
    "UPDATE users SET monitor_role = $2 WHERE id = $1 AND role = 'admin' AND deleted_at IS NULL";
pub(crate) const SUSPEND: &str = "UPDATE users SET suspended_at = $2 \
     WHERE id = $1 AND deleted_at IS NULL AND suspended_at IS NULL";
pub(crate) const UNSUSPEND: &str = "UPDATE users SET suspended_at = NULL \
     WHERE id = $1 AND deleted_at IS NULL AND suspended_at IS NOT NULL";

/// `$1` trip, `$2` node, `$3` now, `$4` lease end.
pub(crate) const REOPEN_DISPATCH: &str =
    "UPDATE trips SET status = 'requested', expired_at = NULL, \
     requested_at = $3, seq = seq + 1, dispatch_node = $2, dispatch_lease_until = $4 \
     WHERE id = $1 AND status IN ('requested', 'expired')";
/// `$1` target and `$2` before (each NULL for any), `$3` limit.
pub(crate) const AUDIT: &str =
    "SELECT id, at, actor_id, actor_username, action, target, result, detail \
     FROM audit_log WHERE (CAST($1 AS TEXT) IS NULL OR target = $1) \
     AND (CAST($2 AS BIGINT) IS NULL OR id < $2) ORDER BY id DESC LIMIT $3";
pub(crate) const INSERT_AUDIT: &str = "INSERT INTO audit_log \
     (at, actor_id, actor_username, action, target, result, detail) \
     VALUES ($1, $2, $3, $4, $5, $6, $7) \
     RETURNING id, at, actor_id, actor_username, action, target, result, detail";

pub(crate) fn account<R: Columns + ?Sized>(r: &R) -> Result<Account, R::Error> {
    let monitor_role = match r.opt_text(4)? {
        None => None,
        Some(s) => Some(MonitorRole::parse(&s).ok_or_else(|| BadValue {
            idx: 4,
            what: format!("bad monitor role {s}"),
        })?),
    };
    Ok(Account {
        user: super::rows::user(r)?,
        monitor_role,
        suspended: r.flag(5)?,
    })
}

pub(crate) fn audit_entry<R: Columns + ?Sized>(r: &R) -> Result<AuditEntry, R::Error> {
    let action = r.text(4)?;
    let result = r.text(6)?;
    Ok(AuditEntry {
        id: r.int(0)?,
        at: r.at(1)?,
        actor_id: UserId(r.id(2)?),
        actor_username: r.text(3)?,
        action: ActionKind::parse(&action).ok_or_else(|| BadValue {
            idx: 4,
            what: format!("bad action {action}"),
        })?,
        target: r.text(5)?,
        result: ActionResult::parse(&result).ok_or_else(|| BadValue {
            idx: 6,
            what: format!("bad result {result}"),
        })?,
        detail: r.opt_text(7)?,
    })
}
