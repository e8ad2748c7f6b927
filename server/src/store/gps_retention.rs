//! What one run of the `gps_partitions` task did, and how it fails. Each
//! backend applies the same [`Policy`](crate::domain::gps_partition::Policy)
//! its own way: Postgres creates and drops day partitions (never a bulk
//! DELETE), the embedded store deletes old rows in batches.

use super::StoreError;

/// One run's outcome, for the logs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GpsMaintenance {
    /// Partitions created (Postgres).
    pub created: Vec<String>,
    /// Partitions dropped whole (Postgres).
    pub dropped: Vec<String>,
    /// Rows deleted (embedded store).
    pub deleted: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum GpsMaintenanceError {
    #[error(transparent)]
    Store(#[from] StoreError),
    /// `gps_points` is a plain table: migration V11 has not run.
    #[error("gps_points is not partitioned (is migration V11 applied?)")]
    NotPartitioned,
    /// A partition bound Hail did not make and cannot read (say, a LIST
    /// partition): nothing is created or dropped until an operator looks.
    #[error("partition {name} of gps_points has a bound the task cannot read: {bound}")]
    UnreadableBound { name: String, bound: String },
}

/// Rows the embedded store deletes per statement: each batch is short, so
/// the one connection serves requests between batches.
pub const DELETE_BATCH: usize = 5000;

/// Serialises partition DDL across nodes (arbitrary constant, "GPSP").
pub(crate) const PARTITION_LOCK: i64 = 0x4750_5350;

/// Each partition of `gps_points` with its bounds read back as
/// timestamptz (the text Postgres prints depends on the session's
/// DateStyle; casting it back in the same session does not).
pub(crate) const LIST_PARTITIONS: &str = "SELECT relname, b, b = 'DEFAULT', \
     (regexp_match(b, 'FROM \\(''([^'']*)''\\)'))[1]::timestamptz, \
     (regexp_match(b, 'TO \\(''([^'']*)''\\)'))[1]::timestamptz, \
     b ~ '^FOR VALUES FROM \\(.*\\) TO \\(.*\\)$' \
     FROM (SELECT c.relname::text AS relname, pg_get_expr(c.relpartbound, c.oid) AS b \
           FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid \
           WHERE i.inhparent = 'gps_points'::regclass) parts ORDER BY relname";

/// `p` is `relkind` of `gps_points` when it is partitioned.
pub(crate) const RELKIND: &str =
    "SELECT relkind::text FROM pg_class WHERE oid = 'gps_points'::regclass";
