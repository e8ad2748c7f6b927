//! Per-minute rollups of what a node did, and how the monitor's history
//! reads them back: floor to the minute, percentiles of dispatch latency,
//! and coarser buckets for long ranges. Pure: the rollup task (`node::rollup`)
//! gathers the figures, the store keeps them keyed by (minute, node).

use chrono::{DateTime, DurationRound, TimeDelta, Utc};
use hail_protocol::history::{
    HistoryPoint, HistoryRange, HistoryResponse, Latency, NodeConnections,
};
use hail_protocol::monitor::TripCounts;
use std::collections::BTreeMap;

/// One node's figures for one minute; writing it again replaces it, so
/// restarts and re-runs never double count.
#[derive(Debug, Clone, PartialEq)]
pub struct MinuteRollup {
    /// The minute's start (whole minute, UTC).
    pub minute: DateTime<Utc>,
    pub node: String,
    /// Status changes this node applied within the minute, by new status.
    pub trips: TripCounts,
    /// Request-to-accept times of the accepts this node applied.
    pub latency: Option<Latency>,
    /// GPS points this node wrote within the minute.
    pub gps_points: u64,
    /// Connections open on this node when the minute was last written.
    pub connections: u64,
}

/// The start of the minute `t` falls in.
pub fn minute_of(t: DateTime<Utc>) -> DateTime<Utc> {
    floor(t, 60)
}

fn floor(t: DateTime<Utc>, secs: i64) -> DateTime<Utc> {
    t.duration_trunc(TimeDelta::seconds(secs)).unwrap_or(t)
}

/// The nearest-rank percentile `p` (0-100] of `sorted` (ascending);
/// `None` when empty.
pub fn percentile(sorted: &[f64], p: f64) -> Option<f64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted.get(rank.clamp(1, sorted.len()) - 1).copied()
}

/// p50/p90/p99 of latency samples in milliseconds (any order).
pub fn latency(mut samples: Vec<f64>) -> Option<Latency> {
    samples.retain(|s| s.is_finite());
    samples.sort_by(f64::total_cmp);
    Some(Latency {
        p50_ms: percentile(&samples, 50.0)?,
        p90_ms: percentile(&samples, 90.0)?,
        p99_ms: percentile(&samples, 99.0)?,
        samples: samples.len() as u64,
    })
}

fn add(a: &mut TripCounts, b: &TripCounts) {
    a.requested += b.requested;
    a.accepted += b.accepted;
    a.arrived += b.arrived;
    a.in_progress += b.in_progress;
    a.completed += b.completed;
    a.cancelled += b.cancelled;
    a.expired += b.expired;
}

/// Percentiles cannot be merged exactly from percentiles: a bucket's p50
/// is the sample-weighted mean of its minutes' p50s, and its p90 and p99
/// the worst of its minutes' (an upper bound, which is what an alert wants).
fn merge(a: Option<Latency>, b: &Latency) -> Latency {
    match a {
        None => *b,
        Some(a) => {
            let n = a.samples + b.samples;
            let w = |x: f64, nx: u64, y: f64, ny: u64| {
                if n == 0 {
                    x.max(y)
                } else {
                    (x * nx as f64 + y * ny as f64) / n as f64
                }
            };
            Latency {
                p50_ms: w(a.p50_ms, a.samples, b.p50_ms, b.samples),
                p90_ms: a.p90_ms.max(b.p90_ms),
                p99_ms: a.p99_ms.max(b.p99_ms),
                samples: n,
            }
        }
    }
}

/// The history of `range` ending at `now` from the rollups of every node
/// (any order; those outside the range are ignored): buckets with data,
/// oldest first, each summed over its minutes and nodes.
pub fn history(rows: &[MinuteRollup], range: HistoryRange, now: DateTime<Utc>) -> HistoryResponse {
    let width = range.bucket_secs();
    let to = now;
    let from = floor(now - TimeDelta::seconds(range.span_secs()), width);
    #[derive(Default)]
    struct Acc {
        trips: TripCounts,
        latency: Option<Latency>,
        gps_points: u64,
        connections: BTreeMap<String, u64>,
    }
    let mut buckets: BTreeMap<DateTime<Utc>, Acc> = BTreeMap::new();
    for row in rows.iter().filter(|r| r.minute >= from && r.minute <= to) {
        let acc = buckets.entry(floor(row.minute, width)).or_default();
        add(&mut acc.trips, &row.trips);
        if let Some(l) = &row.latency {
            acc.latency = Some(merge(acc.latency, l));
        }
        acc.gps_points += row.gps_points;
        let c = acc.connections.entry(row.node.clone()).or_default();
        *c = (*c).max(row.connections);
    }
    HistoryResponse {
        range,
        bucket_secs: width as u64,
        from,
        to,
        points: buckets
            .into_iter()
            .map(|(at, acc)| HistoryPoint {
                at,
                trips: acc.trips,
                dispatch_latency: acc.latency,
                gps_points: acc.gps_points,
                connections: acc
                    .connections
                    .into_iter()
                    .map(|(node, connections)| NodeConnections { node, connections })
                    .collect(),
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().expect("a test time")
    }

    fn row(minute: &str, node: &str, completed: u64, gps: u64, conns: u64) -> MinuteRollup {
        MinuteRollup {
            minute: at(minute),
            node: node.into(),
            trips: TripCounts {
                completed,
                ..Default::default()
            },
            latency: None,
            gps_points: gps,
            connections: conns,
        }
    }

    #[test]
    fn minutes_floor() {
        assert_eq!(
            minute_of(at("2026-12-02T18:14:59.999Z")),
            at("2026-12-02T18:14:00Z")
        );
        assert_eq!(
            minute_of(at("2026-12-02T18:14:00Z")),
            at("2026-12-02T18:14:00Z")
        );
    }

    #[test]
    fn nearest_rank_percentiles() {
        let s: Vec<f64> = (1..=100).map(f64::from).collect();
        assert_eq!(percentile(&s, 50.0), Some(50.0));
        assert_eq!(percentile(&s, 90.0), Some(90.0));
        assert_eq!(percentile(&s, 99.0), Some(99.0));
        assert_eq!(percentile(&[7.0], 99.0), Some(7.0));
        assert_eq!(percentile(&[], 50.0), None);
        let l = latency(vec![300.0, 100.0, 200.0, f64::NAN]).expect("samples");
        assert_eq!(
            (l.p50_ms, l.p90_ms, l.p99_ms, l.samples),
            (200.0, 300.0, 300.0, 3)
        );
        assert_eq!(latency(vec![]), None);
    }

    #[test]
    fn an_hour_has_a_point_per_minute_summed_over_nodes() {
        let now = at("2026-12-02T18:30:10Z");
        let rows = [
            row("2026-12-02T18:29:00Z", "a", 2, 10, 5),
            row("2026-12-02T18:29:00Z", "b", 1, 4, 3),
            row("2026-12-02T18:28:00Z", "a", 1, 0, 7),
            row("2026-12-02T17:00:00Z", "a", 9, 9, 9), // out of range
        ];
        let h = history(&rows, HistoryRange::Hour, now);
        assert_eq!(h.bucket_secs, 60);
        assert_eq!(h.points.len(), 2);
        assert_eq!(h.points[0].at, at("2026-12-02T18:28:00Z"));
        let last = &h.points[1];
        assert_eq!((last.trips.completed, last.gps_points), (3, 14));
        let conns: Vec<_> = last
            .connections
            .iter()
            .map(|c| (c.node.as_str(), c.connections))
            .collect();
        assert_eq!(conns, [("a", 5), ("b", 3)]);
    }

    #[test]
    fn a_day_buckets_by_quarter_hour_and_merges_latency() {
        let now = at("2026-12-02T18:30:00Z");
        let mut a = row("2026-12-02T18:01:00Z", "a", 1, 1, 2);
        a.latency = Some(Latency {
            p50_ms: 100.0,
            p90_ms: 200.0,
            p99_ms: 300.0,
            samples: 1,
        });
        let mut b = row("2026-12-02T18:14:00Z", "a", 1, 1, 6);
        b.latency = Some(Latency {
            p50_ms: 400.0,
            p90_ms: 500.0,
            p99_ms: 900.0,
            samples: 3,
        });
        let h = history(&[a, b], HistoryRange::Day, now);
        assert_eq!(h.bucket_secs, 900);
        assert_eq!(h.points.len(), 1);
        let p = &h.points[0];
        assert_eq!(p.at, at("2026-12-02T18:00:00Z"));
        let l = p.dispatch_latency.expect("merged");
        assert_eq!(
            (l.p50_ms, l.p90_ms, l.p99_ms, l.samples),
            (325.0, 500.0, 900.0, 4)
        );
        assert_eq!(p.connections[0].connections, 6, "the most a node had");
    }

    #[test]
    fn a_week_buckets_by_two_hours() {
        let now = at("2026-12-02T18:30:00Z");
        let rows = [
            row("2026-11-26T19:00:00Z", "a", 1, 0, 0),
            row("2026-12-02T16:10:00Z", "a", 1, 0, 0),
            row("2026-12-02T17:59:00Z", "a", 1, 0, 0),
        ];
        let h = history(&rows, HistoryRange::Week, now);
        let ats: Vec<_> = h.points.iter().map(|p| (p.at, p.trips.completed)).collect();
        assert_eq!(
            ats,
            [
                (at("2026-11-26T18:00:00Z"), 1),
                (at("2026-12-02T16:00:00Z"), 2)
            ]
        );
    }
}
