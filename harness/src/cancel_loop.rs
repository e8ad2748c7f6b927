//! One rider requesting a trip and cancelling it, one trip at a time, as
//! fast as the replies come: each trip is two request/reply round trips,
//! so any delay on a small frame (Nagle's algorithm waiting for a delayed
//! ACK, issue 11) shows in trips/s and the tail. With `--pid`, the node's
//! CPU time per trip from `/proc/PID/stat`.

use crate::client::{self, Accounts, Node};
use crate::race::{reply_to, wait_for};
use crate::report::{Latency, Report};
use hail_protocol::{ClientMessage, Role, ServerMessage};
use std::time::{Duration, Instant};

#[derive(Debug, Clone, serde::Serialize)]
pub struct CancelLoopParams {
    pub url: String,
    pub trips: usize,
    pub prefix: String,
    /// The node's pid, to read its CPU time.
    pub pid: Option<u32>,
    #[serde(skip)]
    pub secret: Option<String>,
}

/// Ticks of user + system CPU a process has used (`/proc/PID/stat` fields
/// 14 and 15, after the parenthesised command name).
fn cpu_ticks(pid: u32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let after_name = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    // Field 3 (state) is index 0 here, so utime (14) is index 11.
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    Some(utime + stime)
}

/// Linux's USER_HZ: /proc reports CPU time in these.
const TICKS_PER_SEC: f64 = 100.0;

pub async fn run(p: CancelLoopParams) -> anyhow::Result<Report> {
    let mut report = Report::new("cancel-loop", serde_json::to_value(&p)?);
    let node = Node::parse(&p.url).await?;
    let rider = Accounts::new(p.secret.clone())
        .create_many(std::slice::from_ref(&node), Role::Rider, &p.prefix, 1, 1, 1)
        .await?
        .remove(0);
    let (mut ws, _) = client::connect(&node, &rider.token, None).await?;
    let place = |lat: f64| crate::movement::place(crate::movement::point(lat, 13.405));
    let (mut trip, mut request, mut cancel) =
        (Latency::default(), Latency::default(), Latency::default());
    let cpu_before = p.pid.and_then(cpu_ticks);
    let began = Instant::now();
    let mut done = 0u64;
    for i in 0..p.trips {
        let t0 = Instant::now();
        let r = format!("q{i}");
        let ask = ClientMessage::request(place(52.52), place(52.53));
        client::send(&mut ws, &ask.with_ref(r.clone())).await?;
        let trip_id = match wait_for(&mut ws, Duration::from_secs(10), reply_to(&r)).await {
            Some(ServerMessage::Ok {
                trip: Some(trip), ..
            }) => trip.id,
            Some(ServerMessage::Error { code, .. }) => {
                *report.errors.entry(code.as_str().into()).or_default() += 1;
                continue;
            }
            other => anyhow::bail!("trip.request {i}: no reply ({other:?})"),
        };
        request.record(t0.elapsed());
        let t1 = Instant::now();
        let c = format!("c{i}");
        let stop = ClientMessage::cancel(trip_id, None);
        client::send(&mut ws, &stop.with_ref(c.clone())).await?;
        match wait_for(&mut ws, Duration::from_secs(10), reply_to(&c)).await {
            Some(ServerMessage::Ok { .. }) => {}
            Some(ServerMessage::Error { code, .. }) => {
                *report.errors.entry(code.as_str().into()).or_default() += 1;
                continue;
            }
            other => anyhow::bail!("trip.cancel {i}: no reply ({other:?})"),
        }
        cancel.record(t1.elapsed());
        trip.record(t0.elapsed());
        done += 1;
    }
    let took = began.elapsed();
    report
        .throughput
        .insert("trips".into(), done as f64 / took.as_secs_f64());
    report.counts.insert("trips_cancelled".into(), done);
    if let (Some(pid), Some(before)) = (p.pid, cpu_before) {
        if let Some(after) = cpu_ticks(pid) {
            let cpu_s = (after - before) as f64 / TICKS_PER_SEC;
            report.extra = serde_json::json!({
                "server_cpu_s": cpu_s,
                "server_cpu_us_per_trip": cpu_s * 1e6 / done.max(1) as f64,
            });
            eprintln!(
                "server CPU: {cpu_s:.2} s, {:.0} us per trip",
                cpu_s * 1e6 / done.max(1) as f64
            );
        }
    }
    if done < p.trips as u64 {
        report.violation(format!(
            "{} of {} trips failed",
            p.trips as u64 - done,
            p.trips
        ));
    }
    report.add_latency("trip (request+cancel)", &trip);
    report.add_latency("request -> ok", &request);
    report.add_latency("cancel -> ok", &cancel);
    report.finish(took);
    Ok(report)
}
