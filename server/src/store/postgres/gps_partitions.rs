//! GPS day partitions on Postgres: list them, create the days ahead, drop
//! those past retention. All DDL runs in one transaction under an
//! advisory lock, so nodes running the task together take turns, and each
//! re-reads the partitions once it holds the lock (then `IF NOT EXISTS`
//! and `IF EXISTS` only guard against hand-made changes).

use super::*;
use crate::domain::gps_partition::{self as part, Bound, Partition, Policy};
use crate::store::gps_retention::{
    GpsMaintenance, GpsMaintenanceError, LIST_PARTITIONS, PARTITION_LOCK, RELKIND,
};
use chrono::NaiveDate;
use tokio_postgres::Transaction;

impl PgStore {
    /// One run of the `gps_partitions` task.
    pub(super) async fn maintain_partitions(
        &self,
        policy: &Policy,
        now: DateTime<Utc>,
    ) -> Result<GpsMaintenance, GpsMaintenanceError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(map_err)?;
        let existing = locked_list(&tx).await?;
        let plan = part::plan(&existing, now, policy);
        let mut created = Vec::with_capacity(plan.create.len());
        for &day in &plan.create {
            created.push(create(&tx, day).await?);
        }
        for name in &plan.drop {
            // A whole partition: no row-by-row DELETE, no vacuum debt.
            tx.batch_execute(&format!("DROP TABLE IF EXISTS {}", quote(name)))
                .await
                .map_err(map_err)?;
        }
        tx.commit().await.map_err(map_err)?;
        Ok(GpsMaintenance {
            created,
            dropped: plan.drop,
            deleted: 0,
        })
    }

    /// Creates the partitions of those `days` that none covers: what the
    /// writer does when a point finds no partition (the task is behind).
    pub(super) async fn ensure_days(
        &self,
        days: &[NaiveDate],
    ) -> Result<Vec<String>, GpsMaintenanceError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(map_err)?;
        let existing = locked_list(&tx).await?;
        let mut created = Vec::new();
        for day in part::missing_days(&existing, days) {
            created.push(create(&tx, day).await?);
        }
        tx.commit().await.map_err(map_err)?;
        Ok(created)
    }
}

/// Takes the partition lock (until the transaction ends) and lists the
/// partitions as they are now.
async fn locked_list(tx: &Transaction<'_>) -> Result<Vec<Partition>, GpsMaintenanceError> {
    // CREATE and DROP of a partition lock the parent exclusively: give up
    // (and retry next run) rather than queue every COPY behind a long query.
    tx.batch_execute("SET LOCAL lock_timeout = '2s'")
        .await
        .map_err(map_err)?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&PARTITION_LOCK])
        .await
        .map_err(map_err)?;
    let kind: String = tx.query_one(RELKIND, &[]).await.map_err(map_err)?.get(0);
    if kind != "p" {
        return Err(GpsMaintenanceError::NotPartitioned);
    }
    let rows = tx.query(LIST_PARTITIONS, &[]).await.map_err(map_err)?;
    rows.iter()
        .map(|row| {
            let name: String = col(row, 0)?;
            let text: String = col(row, 1)?;
            let bound = if col::<bool>(row, 2)? {
                Bound::Default
            } else if col::<bool>(row, 5)? {
                Bound::Range {
                    from: col(row, 3)?,
                    to: col(row, 4)?,
                }
            } else {
                return Err(GpsMaintenanceError::UnreadableBound { name, bound: text });
            };
            Ok(Partition { name, bound })
        })
        .collect()
}

async fn create(tx: &Transaction<'_>, day: NaiveDate) -> Result<String, GpsMaintenanceError> {
    let name = part::partition_name(day);
    let (from, to) = part::day_bounds(day);
    // DDL takes no parameters; both bounds are our own RFC 3339 text.
    tx.batch_execute(&format!(
        "CREATE TABLE IF NOT EXISTS {} PARTITION OF gps_points FOR VALUES FROM ('{}') TO ('{}')",
        quote(&name),
        from.to_rfc3339(),
        to.to_rfc3339()
    ))
    .await
    .map_err(map_err)?;
    Ok(name)
}

fn quote(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// COPY's "no partition of relation "gps_points" found for row".
pub(super) fn no_partition(e: &tokio_postgres::Error) -> bool {
    e.as_db_error().is_some_and(|db| {
        *db.code() == SqlState::CHECK_VIOLATION && db.message().starts_with("no partition")
    })
}
