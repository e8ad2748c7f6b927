//! GPS on trips, alone: `--pairs` drivers, each on an accepted trip, stream
//! `location`s every `--gps-interval` for `--duration` while their riders
//! read them. Every point must reach its rider and land in the trip's
//! track. Nothing else runs in the window, so with `--pid` the nodes' CPU
//! time per point is what a point persisted and forwarded costs (issue 17),
//! not a share of dispatches and idle drivers as in `city`.

use crate::client::{self, Accounts, Http, Node, Socket};
use crate::movement::{offset, place, point};
use crate::race::{reply_to, wait_for};
use crate::report::{Latency, Report};
use crate::server_cpu::CpuMeter;
use chrono::Utc;
use hail_protocol::{ClientMessage, Location, Position, Role, ServerMessage, TripId, TripStatus};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;

#[derive(Debug, Clone, serde::Serialize)]
pub struct TrackParams {
    pub urls: Vec<String>,
    pub pairs: usize,
    pub gps_interval: Duration,
    pub duration: Duration,
    pub prefix: String,
    pub pids: Vec<u32>,
    #[serde(skip)]
    pub secret: Option<String>,
}

/// One driver on one rider's trip.
struct Pair {
    trip: TripId,
    driver: Socket,
    rider: Socket,
    rider_token: String,
    at: Position,
}

/// How long riders may take, after the drivers stop, to read the last points.
const DRAIN: Duration = Duration::from_secs(5);

/// Driver `i` goes online, rider `i` asks for a trip at the driver's door
/// and the driver takes it. One pair at a time, so each trip is offered to
/// its own driver only (the earlier ones are on trips).
async fn pair_up(
    nodes: &[Node],
    i: usize,
    driver_token: &str,
    rider_token: &str,
) -> anyhow::Result<Pair> {
    let at = offset(
        point(52.52, 13.405),
        (i % 100) as f64 * 30.0,
        (i / 100) as f64 * 30.0,
    );
    let (mut driver, _) = client::connect(&nodes[i % nodes.len()], driver_token, None).await?;
    // Riders on the next node: with two nodes every point crosses the bus.
    let (mut rider, _) = client::connect(&nodes[(i + 1) % nodes.len()], rider_token, None).await?;
    client::send(
        &mut driver,
        &ClientMessage::Location(Location::at(at)).with_ref("l"),
    )
    .await?;
    client::send(
        &mut driver,
        &ClientMessage::DriverAvailable { available: true }.with_ref("a"),
    )
    .await?;
    wait_for(&mut driver, Duration::from_secs(10), reply_to("a"))
        .await
        .ok_or_else(|| anyhow::anyhow!("pair {i}: no reply to driver.available"))?;
    let ask = ClientMessage::request(place(at), place(offset(at, 2_000.0, 0.0)));
    client::send(&mut rider, &ask.with_ref("q")).await?;
    let trip = match wait_for(&mut rider, Duration::from_secs(10), reply_to("q")).await {
        Some(ServerMessage::Ok {
            trip: Some(trip), ..
        }) => trip.id,
        other => anyhow::bail!("pair {i}: trip.request failed: {other:?}"),
    };
    wait_for(
        &mut driver,
        Duration::from_secs(10),
        |m| matches!(m, ServerMessage::TripOffer { trip: t, .. } if t.id == trip),
    )
    .await
    .ok_or_else(|| anyhow::anyhow!("pair {i}: the driver was not offered its trip"))?;
    client::send(
        &mut driver,
        &ClientMessage::TripAccept { trip_id: trip }.with_ref("x"),
    )
    .await?;
    match wait_for(&mut driver, Duration::from_secs(10), reply_to("x")).await {
        Some(ServerMessage::Ok { .. }) => {}
        other => anyhow::bail!("pair {i}: trip.accept failed: {other:?}"),
    }
    wait_for(&mut rider, Duration::from_secs(10), |m| {
        matches!(m, ServerMessage::TripUpdated { trip: t } if t.id == trip && t.status == TripStatus::Accepted)
    })
    .await
    .ok_or_else(|| anyhow::anyhow!("pair {i}: the rider did not see the accept"))?;
    Ok(Pair {
        trip,
        driver,
        rider,
        rider_token: rider_token.to_string(),
        at,
    })
}

/// Streams a point every `every` until `stop`, a metre further each time,
/// stamped with the send time; returns how many it sent.
async fn stream(
    mut ws: Socket,
    from: Position,
    every: Duration,
    phase: Duration,
    stop: CancellationToken,
    sent: Arc<AtomicU64>,
) -> anyhow::Result<(Socket, u64)> {
    let mut tick = tokio::time::interval_at(tokio::time::Instant::now() + phase, every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut n = 0u64;
    loop {
        tokio::select! {
            _ = stop.cancelled() => return Ok((ws, n)),
            _ = tick.tick() => {
                let pos = offset(from, n as f64, 0.0);
                let loc = Location::new(pos, None, None, Some(Utc::now()))?;
                let frame = hail_protocol::ws::ClientFrame {
                    message: ClientMessage::Location(loc),
                    reference: None,
                };
                client::send(&mut ws, &frame).await?;
                n += 1;
                sent.fetch_add(1, Ordering::Relaxed);
            }
        }
    }
}

/// Reads the rider's socket until `stop`: the trip's points, each one's
/// latency from its stamp.
async fn watch(
    mut ws: Socket,
    trip: TripId,
    stop: CancellationToken,
    received: Arc<AtomicU64>,
) -> (u64, Latency) {
    let (mut got, mut latency) = (0u64, Latency::default());
    loop {
        tokio::select! {
            _ = stop.cancelled() => return (got, latency),
            m = client::next_message(&mut ws) => match m {
                Some(ServerMessage::DriverLocation { trip_id, at, .. }) if trip_id == trip => {
                    got += 1;
                    received.fetch_add(1, Ordering::Relaxed);
                    let ms = (Utc::now() - at).num_microseconds().unwrap_or(0) as f64 / 1e3;
                    latency.record_ms_f64(ms.max(0.0));
                }
                Some(_) => {}
                None => return (got, latency),
            },
        }
    }
}

pub async fn run(p: TrackParams) -> anyhow::Result<Report> {
    let mut report = Report::new("track", serde_json::to_value(&p)?);
    let mut nodes = Vec::new();
    for u in &p.urls {
        nodes.push(Node::parse(u).await?);
    }
    let accounts = Accounts::new(p.secret.clone());
    let drivers = accounts
        .create_many(&nodes, Role::Driver, &p.prefix, p.pairs, 16, 1)
        .await?;
    let riders = accounts
        .create_many(&nodes, Role::Rider, &p.prefix, p.pairs, 16, 1)
        .await?;
    let mut pairs = Vec::with_capacity(p.pairs);
    for (i, (d, r)) in drivers.iter().zip(&riders).enumerate() {
        pairs.push(pair_up(&nodes, i, &d.token, &r.token).await?);
    }
    eprintln!("track: {} drivers on trips; streaming", pairs.len());

    let stop_drivers = CancellationToken::new();
    let stop_riders = CancellationToken::new();
    let sent = Arc::new(AtomicU64::new(0));
    let received = Arc::new(AtomicU64::new(0));
    let mut streams = Vec::new();
    let mut watchers = Vec::new();
    let mut trips = Vec::new();
    let meter = CpuMeter::start(&p.pids)?;
    let began = Instant::now();
    for (i, pair) in pairs.into_iter().enumerate() {
        // Spread the drivers' ticks over the interval.
        let phase = p.gps_interval.mul_f64(i as f64 / p.pairs.max(1) as f64);
        streams.push(tokio::spawn(stream(
            pair.driver,
            pair.at,
            p.gps_interval,
            phase,
            stop_drivers.clone(),
            sent.clone(),
        )));
        watchers.push(tokio::spawn(watch(
            pair.rider,
            pair.trip,
            stop_riders.clone(),
            received.clone(),
        )));
        trips.push((pair.trip, pair.rider_token));
    }
    tokio::time::sleep(p.duration).await;
    stop_drivers.cancel();
    let streamed = began.elapsed();
    let mut driver_ws = Vec::new();
    let mut sent_per_trip = Vec::new();
    for s in streams {
        let (ws, n) = s.await??;
        driver_ws.push(ws);
        sent_per_trip.push(n);
    }
    let total_sent: u64 = sent_per_trip.iter().sum();
    // The riders read what is still on its way, then stop.
    let deadline = Instant::now() + DRAIN;
    while Instant::now() < deadline && received.load(Ordering::Relaxed) < total_sent {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    stop_riders.cancel();
    let used = meter.as_ref().map(CpuMeter::stop).transpose()?;
    let (mut forwarded, mut latency) = (0u64, Latency::default());
    let mut short = 0usize;
    for (w, &n) in watchers.into_iter().zip(&sent_per_trip) {
        let (got, l) = w.await?;
        forwarded += got;
        latency.merge(&l);
        if got < n {
            short += 1;
        }
    }
    if short > 0 {
        report.violation(format!(
            "{short} riders saw fewer points than their driver sent"
        ));
    }

    // Every point sent is in its trip's track (the writer lands them
    // within its flush interval; allow a few seconds).
    let http = Http::new(nodes.clone());
    let mut persisted = 0u64;
    for ((trip, token), &n) in trips.iter().zip(&sent_per_trip) {
        let mut stored = 0u64;
        for _ in 0..50 {
            stored = crate::ride_api::track(&http, token, *trip)
                .await
                .map_err(|e| anyhow::anyhow!(e))?
                .len() as u64;
            if stored >= n {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        persisted += stored.min(n);
        if stored < n {
            report.violation(format!("trip {trip}: {stored} of {n} points persisted"));
        }
    }
    // The drivers end their trips, so the accounts are free again.
    for (ws, (trip, _)) in driver_ws.iter_mut().zip(&trips) {
        client::send(ws, &ClientMessage::cancel(*trip, None).with_ref("end")).await?;
        wait_for(ws, Duration::from_secs(10), reply_to("end")).await;
    }

    report.counts.insert("pairs".into(), p.pairs as u64);
    report.counts.insert("gps_sent".into(), total_sent);
    report.counts.insert("gps_forwarded".into(), forwarded);
    report.counts.insert("gps_persisted".into(), persisted);
    report.add_latency("gps_end_to_end", &latency);
    report.throughput.insert(
        "gps_updates_sent".into(),
        total_sent as f64 / streamed.as_secs_f64().max(1e-9),
    );
    if let Some(used) = used {
        used.record(
            &mut report,
            "stream",
            &[("GPS point persisted and forwarded", total_sent)],
        );
    }
    report.finish(streamed);
    Ok(report)
}
