//! Prometheus metrics, named in one place. The recorder is process-global
//! (nodes sharing a process share it); `/metrics` renders it. The monitor's
//! per-node figures are `node::live::Live`, updated beside these.

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
    gauge!("hail_connections", "role" => role.as_str()).increment(1.0);
    counter!("hail_connections_opened_total", "role" => role.as_str()).increment(1);
}

pub fn connection_closed(role: Role) {
    gauge!("hail_connections", "role" => role.as_str()).decrement(1.0);
}

pub fn message_in(kind: &'static str) {
    bump("hail_messages_in_total", "type", kind);
}

pub fn message_out(kind: &'static str) {
    bump("hail_messages_out_total", "type", kind);
}

/// Adds one to a counter on the per-message path through a handle kept per
/// thread: `counter!` with a label hashes its key into the exporter's
/// registry on every call, and a forwarded GPS point made four such calls
/// (docs/benchmarks.md). Keyed by the address of the `'static` strings; an
/// empty `label` is a counter without labels.
fn bump(name: &'static str, label: &'static str, value: &'static str) {
    type Hot = Vec<(&'static str, &'static str, metrics::Counter)>;
    thread_local! {
        static HOT: std::cell::RefCell<Hot> = const { std::cell::RefCell::new(Vec::new()) };
    }
    HOT.with(|hot| {
        let mut hot = hot.borrow_mut();
        let found = hot
            .iter()
            .find(|(n, v, _)| std::ptr::eq(*n, name) && std::ptr::eq(*v, value));
        match found {
            Some((_, _, c)) => c.increment(1),
            None => {
                let c = if label.is_empty() {
                    counter!(name)
                } else {
                    counter!(name, label => value)
                };
                c.increment(1);
                hot.push((name, value, c));
            }
        }
    });
}

pub fn error_sent(code: &'static str) {
    counter!("hail_errors_total", "code" => code).increment(1);
}

pub fn outbox_overflow() {
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

pub fn quotes(n: usize) {
    counter!("hail_quotes_total").increment(n as u64);
}

pub fn rating(by: hail_protocol::Role) {
    counter!("hail_ratings_total", "by" => by.as_str()).increment(1);
}

/// A completed trip's fare, in minor units of its currency.
pub fn fare(total_minor: i64) {
    histogram!("hail_fare_minor_units").record(total_minor.max(0) as f64);
}

pub fn trip_requested() {
    counter!("hail_trips_requested_total").increment(1);
}

/// Request received -> first offers published.
pub fn dispatch_latency(d: Duration) {
    histogram!("hail_dispatch_latency_seconds").record(d.as_secs_f64());
}

/// One step of a dispatch's first round (`start`: request received to the
/// round beginning; `search`, `offers`, `publish`: the round's geo search,
/// store batch and bus batch), so the tail of
/// `hail_dispatch_latency_seconds` can be split.
pub fn dispatch_step(step: &'static str, d: Duration) {
    histogram!("hail_dispatch_step_seconds", "step" => step).record(d.as_secs_f64());
}

pub fn gps_queue_depth(depth: usize) {
    gauge!("hail_gps_queue_depth").set(depth as f64);
}

pub fn gps_flushed(points: usize, took: Duration) {
    counter!("hail_gps_points_written_total").increment(points as u64);
    histogram!("hail_gps_flush_seconds").record(took.as_secs_f64());
}

/// A point the queue could not take in time: the driver was told
/// `unavailable` (so it may resend); never dropped silently.
pub fn gps_point_refused() {
    counter!("hail_gps_points_refused_total").increment(1);
}

pub fn gps_point_in() {
    bump("hail_gps_points_in_total", "", "");
}

/// A `driver.location` sent on: past the bus (`local`: only this node
/// listens to the rider) or through it.
pub fn location_forwarded(local: bool) {
    bump(
        "hail_locations_forwarded_total",
        "way",
        if local { "local" } else { "bus" },
    );
}

pub fn gps_flush_failed() {
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

/// An accepted TCP connection took a slot under the caps.
pub fn tcp_connection_opened() {
    gauge!("hail_tcp_connections").increment(1.0);
}

pub fn tcp_connection_closed() {
    gauge!("hail_tcp_connections").decrement(1.0);
}

/// A connection over `HAIL_MAX_CONNECTIONS` (`global`) or the per-address
/// cap (`per_ip`), answered 503 and closed.
pub fn connection_refused(reason: &'static str) {
    counter!("hail_connections_refused_total", "reason" => reason).increment(1);
}

/// `accept` failed for a reason not the client's (EMFILE, ENFILE, ENOMEM).
pub fn accept_failed() {
    counter!("hail_accept_errors_total").increment(1);
}

/// Every metric with its help text, and zero for the series whose labels
/// are known, so `/metrics` lists them (the exporter renders only series
/// that exist) and dashboards see them before the first trip. Call once,
/// after [`install`].
pub fn describe() {
    use hail_protocol::ws::ClientKind;
    use hail_protocol::{ErrorCode, TripStatus};
    use metrics::{describe_counter, describe_gauge, describe_histogram, Unit};

    describe_gauge!("hail_connections", "Open WebSocket sessions, by role.");
    describe_counter!(
        "hail_connections_opened_total",
        "WebSocket sessions opened, by role."
    );
    describe_counter!(
        "hail_messages_in_total",
        "Client messages received, by type."
    );
    describe_counter!("hail_messages_out_total", "Server messages sent, by type.");
    describe_counter!("hail_errors_total", "Error replies sent, by code.");
    describe_counter!(
        "hail_outbox_overflow_total",
        "Sessions disconnected as slow consumers (outbox full)."
    );
    describe_counter!("hail_offers_total", "Trip offers sent to drivers.");
    describe_counter!("hail_accepts_total", "Trip offers accepted.");
    describe_counter!("hail_trips_requested_total", "Trips requested.");
    describe_counter!("hail_quotes_total", "Quotes given (one per class asked).");
    describe_counter!("hail_ratings_total", "Ratings given, by the rater's role.");
    describe_histogram!(
        "hail_fare_minor_units",
        "Final fares of completed trips, in minor units of their currency."
    );
    describe_counter!("hail_trips_ended_total", "Trips ended, by final status.");
    describe_counter!(
        "hail_dispatch_takeovers_total",
        "Requested trips this node took over from a dead or draining node."
    );
    describe_counter!(
        "hail_bus_recoveries_total",
        "Bus reconnections after a loss (local sessions asked to resync)."
    );
    describe_histogram!(
        "hail_dispatch_latency_seconds",
        Unit::Seconds,
        "Trip request received to first offers published."
    );
    describe_histogram!(
        "hail_dispatch_step_seconds",
        Unit::Seconds,
        "A first dispatch round by step: start (request to round), search, offers, publish."
    );
    describe_gauge!("hail_gps_queue_depth", "GPS points waiting to be written.");
    describe_counter!("hail_gps_points_in_total", "GPS points received for trips.");
    describe_counter!("hail_gps_points_written_total", "GPS points persisted.");
    describe_counter!(
        "hail_locations_forwarded_total",
        "driver.location messages sent to riders, by way: local (only this node listens) or bus."
    );
    describe_counter!(
        "hail_gps_points_refused_total",
        "GPS points refused with unavailable (queue full)."
    );
    describe_counter!(
        "hail_gps_flush_failures_total",
        "GPS batch writes that failed."
    );
    describe_histogram!(
        "hail_gps_flush_seconds",
        Unit::Seconds,
        "Time to write one GPS batch."
    );
    describe_gauge!(
        "hail_tcp_connections",
        "Open TCP connections (HTTP and WebSocket), counted against HAIL_MAX_CONNECTIONS."
    );
    describe_counter!(
        "hail_connections_refused_total",
        "Connections refused with 503 over a cap, by reason (global, per_ip)."
    );
    describe_counter!(
        "hail_accept_errors_total",
        "accept() failures not caused by the client (e.g. too many open files)."
    );
    describe_counter!(
        "hail_sockets_replaced_total",
        "WebSockets closed with 4009: their user opened more than HAIL_MAX_SOCKETS_PER_USER."
    );
    describe_counter!(
        "hail_frames_limited_total",
        "Inbound WebSocket frames over the connection's rate, by kind (text, binary, ping, pong)."
    );
    describe_counter!(
        "hail_sessions_closed_total",
        "WebSocket sessions the server closed, by close code."
    );
    describe_counter!(
        "hail_trip_requests_limited_total",
        "trip.request refused rate_limited: the rider's requests per window."
    );
    describe_counter!(
        "hail_location_time_replaced_total",
        "location.at values too far from server time, replaced by the receive time."
    );
    describe_counter!(
        "hail_login_throttled_total",
        "Log-ins (and account deletions) refused 429 by the failed-log-in throttle."
    );
    describe_counter!(
        "hail_password_hash_refused_total",
        "Password hashing refused (queue full), answered 503."
    );
    describe_counter!(
        "hail_password_hash_skipped_total",
        "Password hashing skipped: the client had gone before a thread took the job."
    );

    for role in [Role::Rider, Role::Driver, Role::Admin] {
        gauge!("hail_connections", "role" => role.as_str()).increment(0.0);
        counter!("hail_connections_opened_total", "role" => role.as_str()).absolute(0);
    }
    for kind in ClientKind::ALL {
        counter!("hail_messages_in_total", "type" => kind.as_str()).absolute(0);
    }
    for kind in [
        "hello",
        "ok",
        "error",
        "trip.offer",
        "trip.offer_withdrawn",
        "trip.updated",
        "driver.location",
    ] {
        counter!("hail_messages_out_total", "type" => kind).absolute(0);
    }
    for code in [
        ErrorCode::Unauthorized,
        ErrorCode::Forbidden,
        ErrorCode::NotFound,
        ErrorCode::Invalid,
        ErrorCode::Conflict,
        ErrorCode::TripTaken,
        ErrorCode::RateLimited,
        ErrorCode::TooLarge,
        ErrorCode::Unavailable,
        ErrorCode::Internal,
    ] {
        counter!("hail_errors_total", "code" => code.as_str()).absolute(0);
    }
    for status in TripStatus::ALL.into_iter().filter(|s| !s.is_active()) {
        counter!("hail_trips_ended_total", "status" => status.as_str()).absolute(0);
    }
    for kind in ["text", "binary", "ping", "pong"] {
        counter!("hail_frames_limited_total", "kind" => kind).absolute(0);
    }
    for by in ["rider", "driver"] {
        counter!("hail_ratings_total", "by" => by).absolute(0);
    }
    for way in ["local", "bus"] {
        counter!("hail_locations_forwarded_total", "way" => way).absolute(0);
    }
    for reason in ["global", "per_ip"] {
        counter!("hail_connections_refused_total", "reason" => reason).absolute(0);
    }
    for name in [
        "hail_outbox_overflow_total",
        "hail_offers_total",
        "hail_accepts_total",
        "hail_trips_requested_total",
        "hail_quotes_total",
        "hail_dispatch_takeovers_total",
        "hail_bus_recoveries_total",
        "hail_gps_points_in_total",
        "hail_gps_points_written_total",
        "hail_gps_points_refused_total",
        "hail_gps_flush_failures_total",
        "hail_accept_errors_total",
        "hail_sockets_replaced_total",
        "hail_trip_requests_limited_total",
        "hail_location_time_replaced_total",
        "hail_login_throttled_total",
        "hail_password_hash_refused_total",
        "hail_password_hash_skipped_total",
    ] {
        counter!(name).absolute(0);
    }
    for name in ["hail_gps_queue_depth", "hail_tcp_connections"] {
        gauge!(name).increment(0.0);
    }
    for code in hail_protocol::close::ALL {
        counter!("hail_sessions_closed_total", "code" => code.to_string()).absolute(0);
    }
    // Registered, the histograms render their (fixed, `install`) buckets at
    // zero before the first sample.
    let _ = histogram!("hail_dispatch_latency_seconds");
    for step in ["start", "search", "offers", "publish"] {
        let _ = histogram!("hail_dispatch_step_seconds", "step" => step);
    }
    let _ = histogram!("hail_gps_flush_seconds");
    let _ = histogram!("hail_fare_minor_units");
}
