//! What the simulated clients of `city` and `soak` add up: a [`Tally`] per
//! client task, merged at the end; [`Live`] counters read by the progress
//! lines while the run goes; [`FirstOffers`] for the dispatch latency; and
//! the steps that turn them into the [`Report`], the same in both scenarios.

use crate::report::{Latency, Report};
use chrono::{DateTime, Utc};
use hail_protocol::TripId;
use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};
use tokio::task::JoinHandle;

/// What one client task adds up; merged into the report at the end.
#[derive(Default)]
pub struct Tally {
    /// Request sent -> first offer at any driver (filled by [`Tally::dispatch_from`]).
    pub dispatch: Latency,
    /// `trip.accept` -> its `ok`, won accepts only.
    pub accept: Latency,
    /// `location.at` -> the rider receiving the `driver.location`.
    pub gps_e2e: Latency,
    /// soak: a trip point sent -> its `ok`.
    pub gps_ack: Latency,
    /// soak: connection lost -> `hello` from the next node.
    pub reconnect: Latency,
    pub counts: BTreeMap<String, u64>,
    /// Error frames, by code.
    pub errors: BTreeMap<String, u64>,
    pub violations: Vec<String>,
    /// Trip -> the rider's wall clock when it sent the request.
    pub request_sent: HashMap<TripId, DateTime<Utc>>,
}

impl Tally {
    pub fn count(&mut self, name: &str) {
        self.add(name, 1);
    }

    pub fn add(&mut self, name: &str, n: u64) {
        *self.counts.entry(name.to_string()).or_default() += n;
    }

    pub fn error(&mut self, code: &str) {
        *self.errors.entry(code.to_string()).or_default() += 1;
    }

    /// A `driver.location` stamped `at` reached its rider now.
    pub fn gps_received(&mut self, at: DateTime<Utc>) {
        self.gps_e2e
            .record_ms_f64((Utc::now() - at).num_microseconds().unwrap_or(0) as f64 / 1000.0);
    }

    pub fn merge(&mut self, other: Tally) {
        self.dispatch.merge(&other.dispatch);
        self.accept.merge(&other.accept);
        self.gps_e2e.merge(&other.gps_e2e);
        self.gps_ack.merge(&other.gps_ack);
        self.reconnect.merge(&other.reconnect);
        for (k, v) in other.counts {
            *self.counts.entry(k).or_default() += v;
        }
        for (k, v) in other.errors {
            *self.errors.entry(k).or_default() += v;
        }
        self.violations.extend(other.violations);
        self.request_sent.extend(other.request_sent);
    }

    /// Dispatch latency: each request sent -> the first offer for its trip.
    pub fn dispatch_from(&mut self, first: &FirstOffers) {
        let first = first.snapshot();
        for (trip, sent) in &self.request_sent {
            if let Some(offered) = first.get(trip) {
                self.dispatch.record_ms_f64(
                    (*offered - *sent).num_microseconds().unwrap_or(0) as f64 / 1000.0,
                );
            }
        }
    }

    /// Moves the latencies named in `latencies` (report names: `dispatch`,
    /// `accept`, `gps_end_to_end`, `gps_ack`, `reconnect`), the counts, the
    /// errors and the violations into `report`.
    pub fn into_report(self, report: &mut Report, latencies: &[&str]) {
        for name in latencies {
            let l = match *name {
                "dispatch" => &self.dispatch,
                "accept" => &self.accept,
                "gps_end_to_end" => &self.gps_e2e,
                "gps_ack" => &self.gps_ack,
                "reconnect" => &self.reconnect,
                _ => continue,
            };
            report.add_latency(name, l);
        }
        report.counts = self.counts;
        report.errors = self.errors;
        for v in self.violations {
            report.violation(v);
        }
    }
}

/// Finishes a city or soak report over the load window `measured`: the
/// rate of `sent` (GPS sent in the window, as `sent_name`) and of
/// completed trips.
pub fn finish(report: &mut Report, measured: Duration, sent_name: &str, sent: u64) {
    report.finish(measured);
    let secs = measured.as_secs_f64();
    report
        .throughput
        .insert(sent_name.into(), sent as f64 / secs);
    let completed = report.counts.get("trips_completed").copied().unwrap_or(0);
    report
        .throughput
        .insert("trips_completed".into(), completed as f64 / secs);
}

/// One live counter.
#[derive(Default)]
pub struct Counter(AtomicU64);

impl Counter {
    pub fn inc(&self) {
        self.0.fetch_add(1, Ordering::Relaxed);
    }

    pub fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

/// Live counters, for the progress lines (and a few report counts). Each
/// scenario uses the ones it has.
#[derive(Default)]
pub struct Live {
    pub requested: Counter,
    pub completed: Counter,
    /// city: offers received.
    pub offers: Counter,
    /// city: GPS frames sent; soak: trip points sent.
    pub gps_sent: Counter,
    /// city: `driver.location` frames riders received.
    pub gps_forwarded: Counter,
    /// soak: trip points answered `ok`.
    pub points_acked: Counter,
    pub reconnects: Counter,
    pub connect_failures: Counter,
    /// `unavailable` answers.
    pub unavailable: Counter,
}

/// Trip -> when the first offer for it reached any driver.
#[derive(Default)]
pub struct FirstOffers(Mutex<HashMap<TripId, DateTime<Utc>>>);

impl FirstOffers {
    /// An offer for `trip` arrived now (only the first counts).
    pub fn offered(&self, trip: TripId) {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry(trip)
            .or_insert_with(Utc::now);
    }

    pub fn snapshot(&self) -> HashMap<TripId, DateTime<Utc>> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
}

/// Waits for `tasks` until `end`, merging each one's tally (a failed task
/// is a violation); returns those still running. `waiting` runs every 5 s
/// while one is awaited (a progress line).
pub async fn join_until(
    tasks: Vec<JoinHandle<Tally>>,
    end: Instant,
    tally: &mut Tally,
    what: &str,
    mut waiting: impl FnMut(),
) -> Vec<JoinHandle<Tally>> {
    let mut unfinished = Vec::new();
    for mut task in tasks {
        loop {
            let left = end.saturating_duration_since(Instant::now());
            match tokio::time::timeout(left.min(Duration::from_secs(5)), &mut task).await {
                Ok(Ok(t)) => {
                    tally.merge(t);
                    break;
                }
                Ok(Err(e)) => {
                    tally.violations.push(format!("a {what} task failed: {e}"));
                    break;
                }
                Err(_) if left > Duration::from_secs(5) => waiting(),
                Err(_) => {
                    unfinished.push(task);
                    break;
                }
            }
        }
    }
    unfinished
}

/// Waits up to 10 s for each of `tasks` (told to stop), merging its tally.
pub async fn join_stopped(tasks: Vec<JoinHandle<Tally>>, tally: &mut Tally) {
    for task in tasks {
        match tokio::time::timeout(Duration::from_secs(10), task).await {
            Ok(Ok(t)) => tally.merge(t),
            Ok(Err(e)) => tally.violations.push(format!("a client task failed: {e}")),
            Err(_) => tally
                .violations
                .push("a simulated client did not stop within 10 s".into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merging_adds_counts_errors_and_latencies() {
        let mut a = Tally::default();
        a.count("x");
        a.error("conflict");
        let mut b = Tally::default();
        b.add("x", 2);
        b.error("conflict");
        b.accept.record(Duration::from_millis(3));
        b.violations.push("v".into());
        a.merge(b);
        assert_eq!(a.counts["x"], 3);
        assert_eq!(a.errors["conflict"], 2);
        assert_eq!(a.accept.count(), 1);
        let mut r = Report::new("t", serde_json::json!({}));
        a.into_report(&mut r, &["accept"]);
        assert_eq!(r.latency["accept"].count, 1);
        assert!(!r.latency.contains_key("dispatch"));
        assert_eq!(r.violations, vec!["v".to_string()]);
    }

    #[test]
    fn dispatch_is_request_to_first_offer() {
        let trip = TripId::new();
        let offers = FirstOffers::default();
        let mut t = Tally::default();
        t.request_sent
            .insert(trip, Utc::now() - chrono::Duration::milliseconds(50));
        t.request_sent.insert(TripId::new(), Utc::now());
        offers.offered(trip);
        offers.offered(trip);
        t.dispatch_from(&offers);
        assert_eq!(t.dispatch.count(), 1, "only offered trips");
        assert!(t.dispatch.summary().max_ms >= 49.0);
    }
}
