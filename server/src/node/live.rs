//! Live figures a node reports in its heartbeat. Prometheus keeps the
//! machine-readable series; these are the few the monitor shows, kept as
//! plain atomics because the exporter cannot be read back cheaply. One
//! `Live` per node (`Node::live`), so several nodes can share a process.

use chrono::{DateTime, Utc};
use hail_protocol::monitor::{RoleCounts, TaskRun, TaskState};
use hail_protocol::Role;
use std::collections::VecDeque;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering::Relaxed};
use std::sync::Mutex;
use std::time::Duration;

pub struct Live {
    riders: AtomicI64,
    drivers: AtomicI64,
    admins: AtomicI64,
    messages_in: AtomicU64,
    messages_out: AtomicU64,
    outbox_drops: AtomicU64,
    /// GPS points written since start (the rollups take differences).
    gps_written: AtomicU64,
    tasks: [TaskCell; Task::ALL.len()],
}

impl Default for Live {
    fn default() -> Self {
        Self::new()
    }
}

impl Live {
    pub const fn new() -> Self {
        Self {
            riders: AtomicI64::new(0),
            drivers: AtomicI64::new(0),
            admins: AtomicI64::new(0),
            messages_in: AtomicU64::new(0),
            messages_out: AtomicU64::new(0),
            outbox_drops: AtomicU64::new(0),
            gps_written: AtomicU64::new(0),
            tasks: [const { TaskCell::new() }; Task::ALL.len()],
        }
    }

    fn role(&self, role: Role) -> &AtomicI64 {
        match role {
            Role::Rider => &self.riders,
            Role::Driver => &self.drivers,
            Role::Admin => &self.admins,
        }
    }

    pub fn connection_opened(&self, role: Role) {
        self.role(role).fetch_add(1, Relaxed);
    }

    pub fn connection_closed(&self, role: Role) {
        self.role(role).fetch_sub(1, Relaxed);
    }

    pub fn message_in(&self) {
        self.messages_in.fetch_add(1, Relaxed);
    }

    pub fn message_out(&self) {
        self.messages_out.fetch_add(1, Relaxed);
    }

    pub fn outbox_drop(&self) {
        self.outbox_drops.fetch_add(1, Relaxed);
    }

    pub fn gps_written(&self, n: usize) {
        self.gps_written.fetch_add(n as u64, Relaxed);
    }

    /// GPS points written since start.
    pub fn gps_written_total(&self) -> u64 {
        self.gps_written.load(Relaxed)
    }

    pub fn connections(&self) -> RoleCounts {
        let get = |a: &AtomicI64| a.load(Relaxed).max(0) as u64;
        RoleCounts {
            rider: get(&self.riders),
            driver: get(&self.drivers),
            admin: get(&self.admins),
        }
    }

    /// (messages in, messages out, outbox drops) since start.
    pub fn totals(&self) -> (u64, u64, u64) {
        (
            self.messages_in.load(Relaxed),
            self.messages_out.load(Relaxed),
            self.outbox_drops.load(Relaxed),
        )
    }

    pub fn task(&self, task: Task) -> &TaskCell {
        &self.tasks[task as usize]
    }
}

/// The node's background work, as the monitor lists it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Task {
    /// One search-and-offer round of a trip's dispatcher.
    DispatchRound,
    /// Ending offers whose time ran out.
    OfferExpiry,
    /// Ending trips nobody accepted in time.
    TripExpiry,
    /// Claiming requested trips whose dispatching node died.
    DispatchTakeover,
    /// Renewing the dispatch leases of this node's trips.
    DispatchLease,
    /// Removing drivers whose position went stale from the geo index.
    StaleDriverSweep,
    /// Expiring requested trips whose dispatcher died with its node.
    StrandedTripSweep,
    /// Writing queued GPS points in batches.
    GpsWriter,
    /// Computing (or reading) the surge board.
    Surge,
    /// Deleting quotes long expired.
    QuotePrune,
    /// Writing this node's per-minute rollups and pruning old ones.
    Rollup,
    /// Creating GPS day partitions ahead and applying GPS retention.
    GpsPartitions,
}

impl Task {
    pub const ALL: [Task; 12] = [
        Task::DispatchRound,
        Task::OfferExpiry,
        Task::TripExpiry,
        Task::DispatchTakeover,
        Task::DispatchLease,
        Task::StaleDriverSweep,
        Task::StrandedTripSweep,
        Task::GpsWriter,
        Task::Surge,
        Task::QuotePrune,
        Task::Rollup,
        Task::GpsPartitions,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Task::DispatchRound => "dispatch_round",
            Task::OfferExpiry => "offer_expiry",
            Task::TripExpiry => "trip_expiry",
            Task::DispatchTakeover => "dispatch_takeover",
            Task::DispatchLease => "dispatch_lease",
            Task::StaleDriverSweep => "stale_driver_sweep",
            Task::StrandedTripSweep => "stranded_trip_sweep",
            Task::GpsWriter => "gps_writer",
            Task::Surge => "surge_board",
            Task::QuotePrune => "quote_prune",
            Task::Rollup => "rollup",
            Task::GpsPartitions => "gps_partitions",
        }
    }
}

/// Counters of one task. Runs are recorded when they finish.
pub struct TaskCell {
    runs: AtomicU64,
    failures: AtomicU64,
    /// Milliseconds since the epoch; 0: never ran.
    last_run_ms: AtomicI64,
    last_duration_us: AtomicU64,
    total_duration_us: AtomicU64,
    backlog: AtomicU64,
    last_error: Mutex<Option<String>>,
    /// The period of a periodic task in ms (0: it runs on events).
    interval_ms: AtomicU64,
    /// The last runs, newest first, at most [`RECENT_RUNS`].
    recent: Mutex<VecDeque<TaskRun>>,
}

/// Runs of each task the monitor lists.
pub const RECENT_RUNS: usize = 10;

impl TaskCell {
    const fn new() -> Self {
        Self {
            runs: AtomicU64::new(0),
            failures: AtomicU64::new(0),
            last_run_ms: AtomicI64::new(0),
            last_duration_us: AtomicU64::new(0),
            total_duration_us: AtomicU64::new(0),
            backlog: AtomicU64::new(0),
            last_error: Mutex::new(None),
            interval_ms: AtomicU64::new(0),
            recent: Mutex::new(VecDeque::new()),
        }
    }

    /// Declares the task periodic, running every `every`.
    pub fn set_interval(&self, every: Duration) {
        let ms = every.as_millis().clamp(1, u64::MAX as u128) as u64;
        self.interval_ms.store(ms, Relaxed);
    }

    pub fn ran(&self, took: Duration) {
        self.finish(took, None);
    }

    pub fn failed(&self, took: Duration, error: impl ToString) {
        self.finish(took, Some(error.to_string()));
    }

    fn finish(&self, took: Duration, error: Option<String>) {
        let us = took.as_micros().min(u64::MAX as u128) as u64;
        let now = Utc::now();
        self.runs.fetch_add(1, Relaxed);
        self.last_duration_us.store(us, Relaxed);
        self.total_duration_us.fetch_add(us, Relaxed);
        self.last_run_ms.store(now.timestamp_millis(), Relaxed);
        let state = match error {
            None => TaskState::Ok,
            Some(_) => TaskState::Failed,
        };
        if let Some(e) = &error {
            self.failures.fetch_add(1, Relaxed);
            if let Ok(mut last) = self.last_error.lock() {
                *last = Some(e.clone());
            }
        }
        if let Ok(mut recent) = self.recent.lock() {
            recent.push_front(TaskRun {
                at: now,
                state,
                duration_ms: us as f64 / 1000.0,
                error,
            });
            recent.truncate(RECENT_RUNS);
        }
    }

    /// Records `result` of a run that took `took`.
    pub fn record<T, E: ToString>(&self, took: Duration, result: &Result<T, E>) {
        match result {
            Ok(_) => self.ran(took),
            Err(e) => self.failed(took, e.to_string()),
        }
    }

    pub fn set_backlog(&self, n: u64) {
        self.backlog.store(n, Relaxed);
    }

    pub fn add_backlog(&self, delta: i64) {
        if delta >= 0 {
            self.backlog.fetch_add(delta as u64, Relaxed);
        } else {
            let _ = self.backlog.fetch_update(Relaxed, Relaxed, |b| {
                Some(b.saturating_sub(delta.unsigned_abs()))
            });
        }
    }

    pub fn snapshot(&self, node: &str, task: Task) -> hail_protocol::monitor::TaskStats {
        let runs = self.runs.load(Relaxed);
        let last_ms = self.last_run_ms.load(Relaxed);
        let ms = |us: u64| us as f64 / 1000.0;
        let interval_ms = Some(self.interval_ms.load(Relaxed)).filter(|&ms| ms > 0);
        let recent: Vec<TaskRun> = self
            .recent
            .lock()
            .map(|r| r.iter().cloned().collect())
            .unwrap_or_default();
        let last_run = (last_ms > 0)
            .then(|| DateTime::<Utc>::from_timestamp_millis(last_ms))
            .flatten();
        hail_protocol::monitor::TaskStats {
            node: node.to_string(),
            name: task.as_str().to_string(),
            runs,
            failures: self.failures.load(Relaxed),
            last_run_at: last_run,
            last_duration_ms: (runs > 0).then(|| ms(self.last_duration_us.load(Relaxed))),
            mean_duration_ms: (runs > 0)
                .then(|| ms(self.total_duration_us.load(Relaxed)) / runs as f64),
            backlog: self.backlog.load(Relaxed),
            last_error: self.last_error.lock().ok().and_then(|e| e.clone()),
            interval_ms,
            state: recent.first().map(|r| r.state),
            next_run_at: interval_ms
                .zip(last_run)
                .map(|(ms, at)| at + chrono::TimeDelta::milliseconds(ms as i64)),
            recent,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_task_counts_runs_failures_and_timing() {
        let cell = TaskCell::new();
        let empty = cell.snapshot("n1", Task::GpsWriter);
        assert_eq!((empty.runs, empty.last_run_at), (0, None));
        assert_eq!(empty.mean_duration_ms, None);
        cell.record::<(), String>(Duration::from_millis(2), &Ok(()));
        cell.record::<(), String>(Duration::from_millis(4), &Err("db down".into()));
        cell.set_backlog(5);
        cell.add_backlog(-7);
        let s = cell.snapshot("n1", Task::GpsWriter);
        assert_eq!((s.runs, s.failures, s.backlog), (2, 1, 0));
        assert_eq!(s.last_duration_ms, Some(4.0));
        assert_eq!(s.mean_duration_ms, Some(3.0));
        assert_eq!(s.last_error.as_deref(), Some("db down"));
        assert_eq!(s.name, "gps_writer");
        assert!(s.last_run_at.is_some());
        assert_eq!(s.state, Some(TaskState::Failed));
        assert_eq!(s.recent.len(), 2);
        assert_eq!(s.recent[0].error.as_deref(), Some("db down"));
        assert_eq!(s.recent[1].state, TaskState::Ok);
        assert_eq!(
            (s.interval_ms, s.next_run_at),
            (None, None),
            "runs on events"
        );
    }

    #[test]
    fn a_periodic_task_has_a_schedule_and_keeps_its_last_runs() {
        let cell = TaskCell::new();
        cell.set_interval(Duration::from_secs(60));
        for i in 0..12 {
            cell.record::<(), String>(Duration::from_millis(i), &Ok(()));
        }
        let s = cell.snapshot("n1", Task::Rollup);
        assert_eq!(s.interval_ms, Some(60_000));
        assert_eq!(s.state, Some(TaskState::Ok));
        assert_eq!(s.recent.len(), RECENT_RUNS);
        assert_eq!(s.recent[0].duration_ms, 11.0, "newest first");
        let last = s.last_run_at.expect("ran");
        assert_eq!(s.next_run_at, Some(last + chrono::TimeDelta::seconds(60)));
    }
}
