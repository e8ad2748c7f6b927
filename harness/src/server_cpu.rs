//! The server's own CPU time over a run, from `/proc/PID/stat` of every
//! node given with `--pid`: user + system ticks at the start and at the
//! end, summed over the nodes. On a machine the load generator shares,
//! absolute rates are noise; CPU time per operation is not (the harness's
//! own work is not in it), so scenarios report whole-run server CPU
//! divided by how many of each operation they drove.

use crate::report::Report;
use std::time::{Duration, Instant};

/// Linux's USER_HZ: `/proc/PID/stat` counts CPU time in these. It is 100
/// on every architecture Linux reports to user space with (`getconf
/// CLK_TCK`); the kernel's own HZ may differ, the ABI does not.
pub const TICKS_PER_SEC: u64 = 100;

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum CpuError {
    #[error("/proc/{pid}/stat: {reason}")]
    Unreadable { pid: u32, reason: String },
    #[error("/proc/PID/stat line without a `)` closing the command name")]
    NoCommand,
    #[error("/proc/PID/stat: field {field} missing or not a number")]
    BadField { field: usize },
}

/// utime + stime (fields 14 and 15) of one `/proc/PID/stat` line, in
/// ticks. The command name (field 2) is parenthesised and may itself hold
/// spaces and parentheses, so the fields are counted after its last `)`.
pub fn parse_stat(line: &str) -> Result<u64, CpuError> {
    let close = line.rfind(')').ok_or(CpuError::NoCommand)?;
    let rest: Vec<&str> = line[close + 1..].split_whitespace().collect();
    // `rest[0]` is field 3 (state), so field n is `rest[n - 3]`.
    let field = |n: usize| -> Result<u64, CpuError> {
        rest.get(n - 3)
            .and_then(|f| f.parse().ok())
            .ok_or(CpuError::BadField { field: n })
    };
    Ok(field(14)? + field(15)?)
}

/// The CPU ticks process `pid` has used so far (its threads, live and
/// exited, included).
pub fn ticks(pid: u32) -> Result<u64, CpuError> {
    let line =
        std::fs::read_to_string(format!("/proc/{pid}/stat")).map_err(|e| CpuError::Unreadable {
            pid,
            reason: e.to_string(),
        })?;
    parse_stat(&line)
}

/// A measurement under way: each pid's ticks when it began.
#[derive(Debug)]
pub struct CpuMeter {
    start: Vec<(u32, u64)>,
    began: Instant,
}

impl CpuMeter {
    /// Starts measuring `pids`; `None` when no pid is given.
    pub fn start(pids: &[u32]) -> Result<Option<Self>, CpuError> {
        if pids.is_empty() {
            return Ok(None);
        }
        let start = pids
            .iter()
            .map(|&pid| Ok((pid, ticks(pid)?)))
            .collect::<Result<_, CpuError>>()?;
        Ok(Some(Self {
            start,
            began: Instant::now(),
        }))
    }

    /// The ticks each pid used since [`CpuMeter::start`].
    pub fn stop(&self) -> Result<CpuUsed, CpuError> {
        let per_pid = self
            .start
            .iter()
            .map(|&(pid, before)| Ok((pid, ticks(pid)?.saturating_sub(before))))
            .collect::<Result<_, CpuError>>()?;
        Ok(CpuUsed {
            per_pid,
            wall: self.began.elapsed(),
        })
    }
}

/// Server CPU used over one window.
#[derive(Debug, Clone, PartialEq)]
pub struct CpuUsed {
    /// (pid, ticks) for each node.
    pub per_pid: Vec<(u32, u64)>,
    pub wall: Duration,
}

impl CpuUsed {
    pub fn ticks(&self) -> u64 {
        self.per_pid.iter().map(|(_, t)| t).sum()
    }

    /// All nodes' CPU seconds.
    pub fn secs(&self) -> f64 {
        self.ticks() as f64 / TICKS_PER_SEC as f64
    }

    /// Microseconds of server CPU per operation, over `n` operations.
    pub fn us_per(&self, n: u64) -> Option<f64> {
        (n > 0).then(|| self.secs() * 1e6 / n as f64)
    }

    /// The window in the report: `extra.server_cpu` (`window` names it,
    /// e.g. `load+grace`) with the total, each node's share, and for each
    /// `(operation, n)` the whole-window CPU divided by `n`; and one line
    /// per ratio in the printed table (`report.derived`).
    pub fn record(&self, report: &mut Report, window: &str, ops: &[(&str, u64)]) {
        self.record_as(report, "server_cpu", window, ops);
    }

    /// [`CpuUsed::record`] under `extra.<key>`, for a scenario with
    /// several windows.
    pub fn record_as(&self, report: &mut Report, key: &str, window: &str, ops: &[(&str, u64)]) {
        let mut per_op = serde_json::Map::new();
        for (op, n) in ops {
            per_op.insert(
                (*op).into(),
                serde_json::json!({ "n": n, "us": self.us_per(*n) }),
            );
            if let Some(us) = self.us_per(*n) {
                report.derived.push(format!(
                    "server CPU per {op:<24} {us:>10.2} us  (whole-{window} CPU / {n})"
                ));
            }
        }
        let cores = self.secs() / self.wall.as_secs_f64().max(1e-9);
        report.derived.push(format!(
            "server CPU ({window}) {:.2} s over {:.1} s ({cores:.2} cores), {} node(s)",
            self.secs(),
            self.wall.as_secs_f64(),
            self.per_pid.len()
        ));
        if !report.extra.is_object() {
            report.extra = serde_json::json!({});
        }
        report.extra[key] = serde_json::json!({
            "window": window,
            "ticks_per_s": TICKS_PER_SEC,
            "cpu_s": self.secs(),
            "wall_s": self.wall.as_secs_f64(),
            "cores": cores,
            "per_pid_s": self.per_pid.iter()
                .map(|(pid, t)| (pid.to_string(), serde_json::json!(*t as f64 / TICKS_PER_SEC as f64)))
                .collect::<serde_json::Map<_, _>>(),
            "note": "whole-window CPU of all nodes divided by each n",
            "us_per": per_op,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A real line's shape: 52 fields, utime 1234 and stime 56.
    fn line(comm: &str) -> String {
        format!(
            "4242 ({comm}) S 1 4242 4242 0 -1 4194560 8125 0 12 0 1234 56 0 0 20 0 9 0 \
             380 1171234816 3140 18446744073709551615 1 1 0 0 0 0 0 4096 17987 0 0 0 17 1 \
             0 0 0 0 0 0 0 0 0 0 0 0 0"
        )
    }

    #[test]
    fn utime_plus_stime() {
        assert_eq!(parse_stat(&line("hail")), Ok(1290));
    }

    #[test]
    fn a_command_name_with_spaces_and_parentheses() {
        assert_eq!(parse_stat(&line("tokio-rt (worker) 1")), Ok(1290));
        assert_eq!(parse_stat(&line(") S 9 9 9 (")), Ok(1290));
        assert_eq!(parse_stat(&line("")), Ok(1290));
    }

    #[test]
    fn malformed_lines_are_errors() {
        assert_eq!(parse_stat("4242 hail S 1"), Err(CpuError::NoCommand));
        assert_eq!(
            parse_stat("4242 (hail) S 1 2 3"),
            Err(CpuError::BadField { field: 14 })
        );
        let bad = line("hail").replace(" 1234 56 ", " 1234 x ");
        assert_eq!(parse_stat(&bad), Err(CpuError::BadField { field: 15 }));
    }

    #[test]
    fn this_process_can_be_read() {
        let pid = std::process::id();
        let meter = CpuMeter::start(&[pid]).expect("own stat").expect("a pid");
        let used = meter.stop().expect("own stat");
        assert_eq!(used.per_pid.len(), 1);
        assert!(CpuMeter::start(&[]).expect("no pid").is_none());
    }

    #[test]
    fn ratios_and_the_report() {
        let used = CpuUsed {
            per_pid: vec![(1, 150), (2, 50)],
            wall: Duration::from_secs(4),
        };
        assert_eq!(used.secs(), 2.0);
        assert_eq!(used.us_per(1000), Some(2000.0));
        assert_eq!(used.us_per(0), None);
        let mut r = Report::new("t", serde_json::json!({}));
        used.record(&mut r, "run", &[("trip", 1000), ("gps_point", 0)]);
        let cpu = &r.extra["server_cpu"];
        assert_eq!(cpu["cpu_s"], 2.0);
        assert_eq!(cpu["cores"], 0.5);
        assert_eq!(cpu["per_pid_s"]["1"], 1.5);
        assert_eq!(cpu["us_per"]["trip"]["us"], 2000.0);
        assert!(cpu["us_per"]["gps_point"]["us"].is_null());
        let table = r.table();
        assert!(table.contains("server CPU per trip"), "{table}");
        assert!(table.contains("whole-run CPU / 1000"), "{table}");
        assert!(!table.contains("per gps_point"), "{table}");
    }
}
