//! Prometheus metrics, named in one place. The recorder is process-global;
//! `/metrics` renders it.

use crate::monitor::stats::{Task, LIVE};
use hail_protocol::Role;
use metrics::{counter, gauge, histogram};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use std::time::Duration;

/// Installs the recorder (once per process) and returns its handle.
pub fn install() -> Result<PrometheusHandle, String> {
    let latency = [
        0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
    ];
    PrometheusBuilder::new()
        .set_buckets_for_metric(Matcher::Suffix("_seconds".into()), &latency)
        .map_err(|e| e.to_string())?
        .install_recorder()
        .map_err(|e| e.to_string())
}

pub fn connection_opened(role: Role) {
    LIVE.connection_opened(role);
    gauge!("hail_connections", "role" => role.as_str()).increment(1.0);
    counter!("hail_connections_opened_total", "role" => role.as_str()).increment(1);
}

pub fn connection_closed(role: Role) {
    LIVE.connection_closed(role);
    gauge!("hail_connections", "role" => role.as_str()).decrement(1.0);
}

pub fn message_in(kind: &'static str) {
    LIVE.message_in();
    counter!("hail_messages_in_total", "type" => kind).increment(1);
}

pub fn message_out(kind: &'static str) {
    LIVE.message_out();
    counter!("hail_messages_out_total", "type" => kind).increment(1);
}

pub fn error_sent(code: &'static str) {
    counter!("hail_errors_total", "code" => code).increment(1);
}

pub fn outbox_overflow() {
    LIVE.outbox_drop();
    counter!("hail_outbox_overflow_total").increment(1);
}

pub fn offers_sent(n: usize) {
    counter!("hail_offers_total").increment(n as u64);
}

pub fn accept() {
    counter!("hail_accepts_total").increment(1);
}

pub fn trip_ended(status: &'static str) {
    counter!("hail_trips_ended_total", "status" => status).increment(1);
}

/// This node resumed a trip whose dispatching node died or drained.
pub fn dispatch_takeover() {
    counter!("hail_dispatch_takeovers_total").increment(1);
}

/// The bus reconnected after a loss (sessions were asked to resync).
pub fn bus_recovered() {
    counter!("hail_bus_recoveries_total").increment(1);
}

pub fn trip_requested() {
    counter!("hail_trips_requested_total").increment(1);
}

/// Request received -> first offers published.
pub fn dispatch_latency(d: Duration) {
    histogram!("hail_dispatch_latency_seconds").record(d.as_secs_f64());
}

pub fn gps_queue_depth(depth: usize) {
    LIVE.task(Task::GpsWriter).set_backlog(depth as u64);
    gauge!("hail_gps_queue_depth").set(depth as f64);
}

pub fn gps_flushed(points: usize, took: Duration) {
    LIVE.task(Task::GpsWriter).ran(took);
    counter!("hail_gps_points_written_total").increment(points as u64);
    histogram!("hail_gps_flush_seconds").record(took.as_secs_f64());
}

/// A point the queue could not take in time: the driver was told
/// `unavailable` (so it may resend); never dropped silently.
pub fn gps_point_refused() {
    counter!("hail_gps_points_refused_total").increment(1);
}

pub fn gps_point_in() {
    counter!("hail_gps_points_in_total").increment(1);
}

pub fn gps_flush_failed(took: Duration, error: &dyn std::fmt::Display) {
    LIVE.task(Task::GpsWriter).failed(took, error);
    counter!("hail_gps_flush_failures_total").increment(1);
}

/// A session closed because its user opened more than the per-user cap.
pub fn socket_replaced() {
    counter!("hail_sockets_replaced_total").increment(1);
}

/// An inbound frame over the connection's rate, by frame kind.
pub fn frame_limited(kind: &'static str) {
    counter!("hail_frames_limited_total", "kind" => kind).increment(1);
}

/// A session ended by the server, by close code.
pub fn session_closed(code: u16) {
    counter!("hail_sessions_closed_total", "code" => code.to_string()).increment(1);
}

/// A `trip.request` refused for the rider's trip rate.
pub fn trip_request_limited() {
    counter!("hail_trip_requests_limited_total").increment(1);
}

/// A `location.at` too far from server time, replaced by the time it arrived.
pub fn location_time_replaced() {
    counter!("hail_location_time_replaced_total").increment(1);
}

/// A log-in refused with 429 by the failed-log-in throttle.
pub fn login_throttled() {
    counter!("hail_login_throttled_total").increment(1);
}

/// A hashing job refused because the queue was full (answered 503).
pub fn hash_refused() {
    counter!("hail_password_hash_refused_total").increment(1);
}

/// A hashing job skipped because its client had gone before a thread took it.
pub fn hash_skipped() {
    counter!("hail_password_hash_skipped_total").increment(1);
}
