//! Monitor roles, suspensions and the audit log on SQLite.

use super::*;
use crate::store::operator::{self as op, Account, AuditFilter, NewAudit, OperatorStore};
use hail_protocol::operator::{AuditEntry, MonitorRole};
use rusqlite::{params, OptionalExtension};

#[async_trait]
impl OperatorStore for SqliteStore {
    async fn account(&self, id: UserId) -> StoreResult<Option<Account>> {
        self.run(move |c| {
            c.prepare_cached(lite!(op::ACCOUNT))?
                .query_row([id.to_string()], |r| op::account(r))
                .optional()
        })
        .await
    }

    async fn set_monitor_role(&self, id: UserId, role: MonitorRole) -> StoreResult<bool> {
        self.run(move |c| {
            c.prepare_cached(lite!(op::SET_MONITOR_ROLE))?
                .execute(params![id.to_string(), role.as_str()])
        })
        .await
        .map(|n| n > 0)
    }

    async fn set_suspended(
        &self,
        id: UserId,
        suspend: bool,
        at: DateTime<Utc>,
    ) -> StoreResult<bool> {
        self.run(move |c| {
            if suspend {
                c.prepare_cached(lite!(op::SUSPEND))?
                    .execute(params![id.to_string(), us(at)])
            } else {
                c.prepare_cached(lite!(op::UNSUSPEND))?
                    .execute(params![id.to_string()])
            }
        })
        .await
        .map(|n| n > 0)
    }

    async fn reopen_dispatch(
        &self,
        trip: TripId,
        node: &str,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> StoreResult<Option<Trip>> {
        let node = node.to_string();
        let n = self
            .run(move |c| {
                c.prepare_cached(lite!(op::REOPEN_DISPATCH))?
                    .execute(params![trip.to_string(), node, us(now), us(until)])
            })
            .await?;
        if n == 0 {
            return Ok(None);
        }
        Ok(TripStore::trip(self, trip).await?.map(|r| r.trip))
    }

    async fn insert_audit(&self, e: &NewAudit) -> StoreResult<AuditEntry> {
        let e = e.clone();
        self.run(move |c| {
            c.prepare_cached(lite!(op::INSERT_AUDIT))?.query_row(
                params![
                    us(e.at),
                    e.actor_id.to_string(),
                    e.actor_username,
                    e.action.as_str(),
                    e.target,
                    e.result.as_str(),
                    e.detail
                ],
                |r| op::audit_entry(r),
            )
        })
        .await
    }

    async fn audit(&self, f: &AuditFilter) -> StoreResult<Vec<AuditEntry>> {
        let f = f.clone();
        self.run(move |c| {
            let mut stmt = c.prepare_cached(lite!(op::AUDIT))?;
            let rows = stmt.query_map(params![f.target, f.before, f.limit as i64], |r| {
                op::audit_entry(r)
            })?;
            rows.collect()
        })
        .await
    }
}
