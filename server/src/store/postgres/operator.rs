//! Monitor roles, suspensions and the audit log on Postgres.

use super::*;
use crate::store::operator::{self as op, Account, AuditFilter, NewAudit, OperatorStore};
use hail_protocol::operator::{AuditEntry, MonitorRole};

#[async_trait]
impl OperatorStore for PgStore {
    async fn account(&self, id: UserId) -> StoreResult<Option<Account>> {
        let client = self.client().await?;
        let stmt = client.prepare_cached(op::ACCOUNT).await.map_err(map_err)?;
        let row = client.query_opt(&stmt, &[&id.0]).await.map_err(map_err)?;
        row.map(|r| op::account(&r)).transpose()
    }

    async fn set_monitor_role(&self, id: UserId, role: MonitorRole) -> StoreResult<bool> {
        let client = self.client().await?;
        let stmt = client
            .prepare_cached(op::SET_MONITOR_ROLE)
            .await
            .map_err(map_err)?;
        let n = client
            .execute(&stmt, &[&id.0, &role.as_str()])
            .await
            .map_err(map_err)?;
        Ok(n > 0)
    }

    async fn set_suspended(
        &self,
        id: UserId,
        suspend: bool,
        at: DateTime<Utc>,
    ) -> StoreResult<bool> {
        let client = self.client().await?;
        let n = if suspend {
            let stmt = client.prepare_cached(op::SUSPEND).await.map_err(map_err)?;
            client.execute(&stmt, &[&id.0, &at]).await
        } else {
            let stmt = client
                .prepare_cached(op::UNSUSPEND)
                .await
                .map_err(map_err)?;
            client.execute(&stmt, &[&id.0]).await
        }
        .map_err(map_err)?;
        Ok(n > 0)
    }

    async fn reopen_dispatch(
        &self,
        trip: TripId,
        node: &str,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> StoreResult<Option<Trip>> {
        let client = self.client().await?;
        let stmt = client
            .prepare_cached(op::REOPEN_DISPATCH)
            .await
            .map_err(map_err)?;
        let n = client
            .execute(&stmt, &[&trip.0, &node, &now, &until])
            .await
            .map_err(map_err)?;
        drop(client);
        if n == 0 {
            return Ok(None);
        }
        Ok(TripStore::trip(self, trip).await?.map(|r| r.trip))
    }

    async fn insert_audit(&self, e: &NewAudit) -> StoreResult<AuditEntry> {
        let client = self.client().await?;
        let stmt = client
            .prepare_cached(op::INSERT_AUDIT)
            .await
            .map_err(map_err)?;
        let row = client
            .query_one(
                &stmt,
                &[
                    &e.at,
                    &e.actor_id.0,
                    &e.actor_username,
                    &e.action.as_str(),
                    &e.target,
                    &e.result.as_str(),
                    &e.detail,
                ],
            )
            .await
            .map_err(map_err)?;
        op::audit_entry(&row)
    }

    async fn audit(&self, f: &AuditFilter) -> StoreResult<Vec<AuditEntry>> {
        let client = self.client().await?;
        let stmt = client.prepare_cached(op::AUDIT).await.map_err(map_err)?;
        let rows = client
            .query(&stmt, &[&f.target, &f.before, &(f.limit as i64)])
            .await
            .map_err(map_err)?;
        rows.iter().map(op::audit_entry).collect()
    }
}
