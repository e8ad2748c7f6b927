//! The simulated city. Drivers go online and drive around the centre,
//! sending GPS every interval; riders request trips at a total rate near
//! the drivers; a driver accepts an offer after a short random delay,
//! drives to the pickup, then to the dropoff, and completes. Every rider
//! checks that every `driver.location` the driver sent during its trip
//! arrived (a lost update is a correctness violation).

use crate::client::{self, Account, Accounts, Node, Socket};
use crate::load::Load;
use crate::movement::{random_point, random_trip_request, Leg};
use crate::report::Report;
use crate::tally::{self, FirstOffers, Live, Tally};
use chrono::{DateTime, Utc};
use hail_protocol::{
    ClientMessage, Location, Position, Role, ServerMessage, Trip, TripId, TripStatus,
};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

#[derive(Debug, Clone, serde::Serialize)]
pub struct CityParams {
    #[serde(flatten)]
    pub load: Load,
    /// Driving speed, m/s (a third of it while roaming).
    pub speed_mps: f64,
}

struct Shared {
    live: Live,
    /// No new trip requests.
    stop_requests: AtomicBool,
    /// Everyone stops.
    stop_all: tokio_util::sync::CancellationToken,
    /// Trip -> the `at` (ns) of each `driver.location` its driver sent
    /// while it knew it was driving the trip.
    gps_sent: Mutex<HashMap<TripId, SentLog>>,
    /// For the dispatch latency.
    first_offer: FirstOffers,
}

impl Shared {
    fn stopping(&self) -> bool {
        self.stop_all.is_cancelled()
    }
}

type SentLog = Arc<Mutex<Vec<i64>>>;

fn location(pos: Position, heading: Option<f64>, speed: f64, at: DateTime<Utc>) -> ClientMessage {
    let loc = Location::new(pos, heading, Some(speed), Some(at)).expect("finite heading and speed");
    ClientMessage::Location(loc)
}

/// A location's identity: its `at`, in nanoseconds.
fn stamp(at: DateTime<Utc>) -> i64 {
    at.timestamp_nanos_opt().unwrap_or_default()
}

enum Drive {
    Idle,
    /// Accept sent at this instant; waiting for the reply.
    Accepting(Instant),
    ToPickup(Trip),
    ToDropoff(Trip),
}

async fn driver(p: Arc<CityParams>, shared: Arc<Shared>, mut ws: Socket, seed: u64) -> Tally {
    let mut t = Tally::default();
    let mut rng = StdRng::seed_from_u64(seed);
    let centre = p.load.centre();
    let start = random_point(&mut rng, centre, p.load.radius_m);
    let mut leg = Leg {
        from: start,
        to: random_point(&mut rng, centre, p.load.radius_m),
        speed_mps: p.speed_mps / 3.0,
    };
    let mut leg_started = Instant::now();
    let mut state = Drive::Idle;
    let mut pending: Option<(TripId, Instant)> = None;
    let mut sent_log: Option<SentLog> = None;
    let _ = client::send(
        &mut ws,
        &location(start, None, 0.0, Utc::now()).with_ref("l0"),
    )
    .await;
    let _ = client::send(
        &mut ws,
        &ClientMessage::DriverAvailable { available: true }.with_ref("on"),
    )
    .await;
    // Spread the drivers' ticks over the interval.
    let phase = p.load.gps_interval.mul_f64(rng.random::<f64>());
    let mut tick =
        tokio::time::interval_at(tokio::time::Instant::now() + phase, p.load.gps_interval);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = shared.stop_all.cancelled() => break,
            _ = tick.tick() => {
                if shared.stopping() { break; }
                let (pos, arrived) = leg.at(leg_started.elapsed().as_secs_f64());
                let at = Utc::now();
                let frame = location(pos, Some(leg.heading()), leg.speed_mps, at);
                if let Some(log) = &sent_log {
                    log.lock().unwrap_or_else(|e| e.into_inner()).push(stamp(at));
                }
                shared.live.gps_sent.inc();
                if client::send(&mut ws, &hail_protocol::ws::ClientFrame { message: frame, reference: None }).await.is_err() {
                    t.violations.push("driver socket failed while sending".into());
                    break;
                }
                if arrived {
                    match std::mem::replace(&mut state, Drive::Idle) {
                        Drive::ToPickup(trip) => {
                            let id = trip.id;
                            let _ = client::send(&mut ws, &ClientMessage::TripArrive { trip_id: id }.with_ref("arrive")).await;
                            let _ = client::send(&mut ws, &ClientMessage::TripStart { trip_id: id }.with_ref("start")).await;
                            leg = Leg { from: pos, to: trip.dropoff.position(), speed_mps: p.speed_mps };
                            state = Drive::ToDropoff(trip);
                        }
                        Drive::ToDropoff(trip) => {
                            let _ = client::send(&mut ws, &ClientMessage::TripComplete { trip_id: trip.id }.with_ref("complete")).await;
                            sent_log = None;
                            leg = Leg { from: pos, to: random_point(&mut rng, centre, p.load.radius_m), speed_mps: p.speed_mps / 3.0 };
                        }
                        other => {
                            state = other;
                            leg = Leg { from: pos, to: random_point(&mut rng, centre, p.load.radius_m), speed_mps: p.speed_mps / 3.0 };
                        }
                    }
                    leg_started = Instant::now();
                }
                if let (Some((trip, at)), Drive::Idle) = (pending, &state) {
                    if Instant::now() >= at {
                        pending = None;
                        let _ = client::send(&mut ws, &ClientMessage::TripAccept { trip_id: trip }.with_ref(format!("acc:{trip}"))).await;
                        state = Drive::Accepting(Instant::now());
                    }
                }
            }
            msg = client::next_message(&mut ws) => {
                let Some(msg) = msg else {
                    if !shared.stopping() { t.violations.push("a driver's socket closed".into()); }
                    break;
                };
                match msg {
                    ServerMessage::TripOffer { trip, .. } => {
                        shared.live.offers.inc();
                        t.count("offers_received");
                        shared.first_offer.offered(trip.id);
                        if matches!(state, Drive::Idle) && pending.is_none() {
                            let delay = Duration::from_millis(rng.random_range(100..=800));
                            pending = Some((trip.id, Instant::now() + delay));
                        } else {
                            let _ = client::send(&mut ws, &ClientMessage::TripDecline { trip_id: trip.id }.with_ref("decline")).await;
                            t.count("offers_declined");
                        }
                    }
                    ServerMessage::OfferWithdrawn { trip_id, .. } if pending.is_some_and(|(id, _)| id == trip_id) => {
                        pending = None;
                    }
                    ServerMessage::Ok { reference, trip: Some(trip) } if reference.starts_with("acc:") => {
                        if let Drive::Accepting(sent) = state {
                            t.accept.record(sent.elapsed());
                        }
                        t.count("accepts_won");
                        let log = SentLog::default();
                        shared.gps_sent.lock().unwrap_or_else(|e| e.into_inner()).insert(trip.id, log.clone());
                        sent_log = Some(log);
                        let (pos, _) = leg.at(leg_started.elapsed().as_secs_f64());
                        leg = Leg { from: pos, to: trip.pickup.position(), speed_mps: p.speed_mps };
                        leg_started = Instant::now();
                        state = Drive::ToPickup(trip);
                    }
                    ServerMessage::Error { reference, code, message } => {
                        t.error(code.as_str());
                        if reference.as_deref().is_some_and(|r| r.starts_with("acc:")) {
                            if code == hail_protocol::ErrorCode::TripTaken { t.count("accepts_lost"); }
                            state = Drive::Idle;
                        } else if code != hail_protocol::ErrorCode::Conflict {
                            t.violations.push(format!("driver got {}: {message}", code.as_str()));
                        }
                    }
                    ServerMessage::TripUpdated { trip } => {
                        let mine = matches!(&state, Drive::ToPickup(x) | Drive::ToDropoff(x) if x.id == trip.id);
                        if mine && matches!(trip.status, TripStatus::Cancelled | TripStatus::Expired) {
                            state = Drive::Idle;
                            sent_log = None;
                        }
                    }
                    _ => {}
                }
            }
        }
    }
    t
}

async fn rider(p: Arc<CityParams>, shared: Arc<Shared>, mut ws: Socket, seed: u64) -> Tally {
    let mut t = Tally::default();
    let mut rng = StdRng::seed_from_u64(seed);
    let centre = p.load.centre();
    // Each rider requests at rate trip_rate / riders: exponential gaps.
    let mean_gap = p.load.riders as f64 / p.load.trip_rate.max(1e-6);
    let mut n = 0u64;
    'trips: loop {
        let gap = -mean_gap * (1.0 - rng.random::<f64>()).ln();
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_secs_f64(gap.min(3600.0))) => {}
            _ = shared.stop_all.cancelled() => break,
        }
        if shared.stop_requests.load(Ordering::Relaxed) || shared.stopping() {
            break;
        }
        n += 1;
        let reference = format!("req{n}");
        let request = random_trip_request(&mut rng, centre, p.load.radius_m);
        let sent = Utc::now();
        if client::send(&mut ws, &request.with_ref(reference.clone()))
            .await
            .is_err()
        {
            t.violations.push("rider socket failed".into());
            break;
        }
        shared.live.requested.inc();
        t.count("trips_requested");
        let mut trip_id: Option<TripId> = None;
        let mut received: HashSet<i64> = HashSet::new();
        loop {
            let msg = tokio::select! {
                m = client::next_message(&mut ws) => m,
                _ = shared.stop_all.cancelled() => { if trip_id.is_some() { t.count("trips_unfinished"); } break 'trips; }
            };
            let Some(msg) = msg else {
                if !shared.stopping() {
                    t.violations.push("a rider's socket closed".into());
                }
                break 'trips;
            };
            match msg {
                ServerMessage::Ok {
                    reference: r,
                    trip: Some(trip),
                } if r == reference => {
                    t.request_sent.insert(trip.id, sent);
                    trip_id = Some(trip.id);
                }
                ServerMessage::Error {
                    reference: Some(r),
                    code,
                    ..
                } if r == reference => {
                    t.error(code.as_str());
                    t.count("trips_refused");
                    continue 'trips;
                }
                ServerMessage::DriverLocation {
                    trip_id: id, at, ..
                } if Some(id) == trip_id => {
                    received.insert(stamp(at));
                    shared.live.gps_forwarded.inc();
                    t.gps_received(at);
                }
                ServerMessage::TripUpdated { trip } if Some(trip.id) == trip_id => {
                    match trip.status {
                        TripStatus::Completed => {
                            // Every point the driver sent while driving must
                            // have arrived. A point sent between the server
                            // taking the accept and the driver reading its
                            // `ok` may arrive too: counted, not an error.
                            let log = shared
                                .gps_sent
                                .lock()
                                .unwrap_or_else(|e| e.into_inner())
                                .get(&trip.id)
                                .cloned();
                            match log {
                                Some(log) => {
                                    let sent =
                                        log.lock().unwrap_or_else(|e| e.into_inner()).clone();
                                    let missing =
                                        sent.iter().filter(|a| !received.contains(a)).count();
                                    if missing > 0 {
                                        t.violations.push(format!(
                                            "trip {}: {missing} of {} GPS updates never reached the rider",
                                            trip.id,
                                            sent.len()
                                        ));
                                    }
                                    let extra =
                                        received.len().saturating_sub(sent.len() - missing) as u64;
                                    *t.counts
                                        .entry("gps_forwarded_before_accept_ok".into())
                                        .or_default() += extra;
                                    *t.counts.entry("gps_checked".into()).or_default() +=
                                        sent.len() as u64;
                                }
                                None => t.violations.push(format!(
                                    "trip {}: completed by an unknown driver",
                                    trip.id
                                )),
                            }
                            shared.live.completed.inc();
                            t.count("trips_completed");
                            continue 'trips;
                        }
                        TripStatus::Expired => {
                            t.count("trips_expired");
                            continue 'trips;
                        }
                        TripStatus::Cancelled => {
                            t.count("trips_cancelled");
                            continue 'trips;
                        }
                        _ => {}
                    }
                }
                ServerMessage::Error { code, message, .. } => {
                    t.error(code.as_str());
                    t.violations
                        .push(format!("rider got {}: {message}", code.as_str()));
                }
                _ => {}
            }
        }
    }
    t
}

/// Opens sockets for `accounts` spread over `nodes`, `concurrency` at a time.
async fn connect_all(
    nodes: &[Node],
    accounts: &[Account],
    concurrency: usize,
) -> anyhow::Result<Vec<Socket>> {
    let mut out = Vec::with_capacity(accounts.len());
    for (c, chunk) in accounts.chunks(concurrency).enumerate() {
        let batch = futures_util::future::join_all(chunk.iter().enumerate().map(|(i, a)| {
            let node = &nodes[(c * concurrency + i) % nodes.len()];
            client::connect(node, &a.token, None)
        }))
        .await;
        for r in batch {
            out.push(r?.0);
        }
    }
    Ok(out)
}

pub async fn run(p: CityParams) -> anyhow::Result<Report> {
    let mut report = Report::new("city", serde_json::to_value(&p)?);
    let mut nodes = Vec::new();
    for u in &p.load.urls {
        nodes.push(Node::parse(u).await?);
    }
    let accounts = Accounts::new(p.load.secret.clone());
    let drivers = accounts
        .create_many(&nodes, Role::Driver, &p.load.prefix, p.load.drivers, 16, 1)
        .await?;
    let riders = accounts
        .create_many(&nodes, Role::Rider, &p.load.prefix, p.load.riders, 16, 1)
        .await?;
    let driver_ws = connect_all(&nodes, &drivers, 200).await?;
    let rider_ws = connect_all(&nodes, &riders, 200).await?;
    let p = Arc::new(p);
    let shared = Arc::new(Shared {
        live: Live::default(),
        stop_requests: AtomicBool::new(false),
        stop_all: tokio_util::sync::CancellationToken::new(),
        gps_sent: Mutex::new(HashMap::new()),
        first_offer: FirstOffers::default(),
    });
    let started = Instant::now();
    let mut driver_tasks = Vec::new();
    for (i, ws) in driver_ws.into_iter().enumerate() {
        driver_tasks.push(tokio::spawn(driver(
            p.clone(),
            shared.clone(),
            ws,
            p.load.seed.wrapping_add(i as u64),
        )));
    }
    let mut rider_tasks = Vec::new();
    for (i, ws) in rider_ws.into_iter().enumerate() {
        rider_tasks.push(tokio::spawn(rider(
            p.clone(),
            shared.clone(),
            ws,
            p.load.seed.wrapping_add(1_000_000 + i as u64),
        )));
    }
    // Progress, then the end of requests, then the grace for trips under way.
    let mut last = (0u64, Instant::now());
    while started.elapsed() < p.load.duration {
        tokio::time::sleep(Duration::from_secs(1).min(p.load.duration)).await;
        if p.load.progress {
            let l = &shared.live;
            let gps = l.gps_sent.get();
            let rate = (gps - last.0) as f64 / last.1.elapsed().as_secs_f64();
            last = (gps, Instant::now());
            eprintln!(
                "city {:>5.0}s  trips {:>6} requested {:>6} completed  offers {:>7}  gps {:>9} sent ({:>8.0}/s) {:>9} forwarded",
                started.elapsed().as_secs_f64(),
                l.requested.get(),
                l.completed.get(),
                l.offers.get(),
                gps,
                rate,
                l.gps_forwarded.get(),
            );
        }
    }
    let measured = started.elapsed();
    let gps_in_window = shared.live.gps_sent.get();
    shared.stop_requests.store(true, Ordering::Relaxed);
    let grace_end = Instant::now() + p.load.grace;
    let mut tally = Tally::default();
    let unfinished = tally::join_until(rider_tasks, grace_end, &mut tally, "rider", || {}).await;
    shared.stop_all.cancel();
    tally::join_stopped(
        unfinished.into_iter().chain(driver_tasks).collect(),
        &mut tally,
    )
    .await;
    tally.dispatch_from(&shared.first_offer);
    tally.into_report(&mut report, &["dispatch", "accept", "gps_end_to_end"]);
    report
        .counts
        .insert("gps_sent".into(), shared.live.gps_sent.get());
    report
        .counts
        .insert("gps_forwarded".into(), shared.live.gps_forwarded.get());
    report
        .counts
        .insert("drivers".into(), p.load.drivers as u64);
    report.counts.insert("riders".into(), p.load.riders as u64);
    tally::finish(&mut report, measured, "gps_updates_sent", gps_in_window);
    Ok(report)
}
