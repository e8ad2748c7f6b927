//! The simulated city. Drivers register a vehicle of one of the fare
//! table's classes, go online (before the measured window) and drive
//! around the centre, sending GPS every interval; riders quote a class and
//! request trips with the quote, at a total rate near the drivers; a
//! driver accepts an offer after a short random delay, drives to the
//! pickup, then to the dropoff, and completes; then both rate each other.
//!
//! What it checks, beside the rates: every `driver.location` the driver
//! sent during its trip reached the rider; a driver is offered only its
//! own class; the trip's estimate is the quote it was requested with; the
//! rider sees the driver's vehicle on `accepted`; and, once the run ends
//! ([`audit`]), every completed trip's fare is the published fare rules
//! applied to its own recorded track, recomputed here, and carries both
//! ratings.

mod audit;
mod driver;
mod rider;

use crate::client::{self, Account, Accounts, Http, Node, Socket};
use crate::load::Load;
use crate::report::Report;
use crate::ride_api;
use crate::server_cpu::CpuMeter;
use crate::tally::{self, FirstOffers, Live, Tally};
use chrono::{DateTime, Utc};
use futures_util::{StreamExt, TryStreamExt};
use hail_protocol::ride::FaresResponse;
use hail_protocol::{ClientMessage, Location, Position, Role, TripId};
use std::collections::HashMap;
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

/// A trip that completed, for the audit: whose receipt to read.
struct Finished {
    trip: TripId,
    rider_token: String,
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
    /// The fare table the run was priced by.
    fares: FaresResponse,
    http: Http,
    finished: Mutex<Vec<Finished>>,
    /// Trip -> ratings the server took (201) for it.
    ratings: Mutex<HashMap<TripId, usize>>,
    /// Drivers rate off their socket loop; the audit waits for them.
    rating_tasks: Mutex<Vec<tokio::task::JoinHandle<Result<(), String>>>>,
}

impl Shared {
    fn stopping(&self) -> bool {
        self.stop_all.is_cancelled()
    }

    fn rated(&self, trip: TripId) {
        *lock(&self.ratings).entry(trip).or_default() += 1;
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
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

/// Gives driver `i` a vehicle of the `i`th class (round robin), so every
/// class has drivers; returns each driver's class.
async fn register_vehicles(
    http: &Http,
    drivers: &[Account],
    fares: &FaresResponse,
) -> anyhow::Result<Vec<String>> {
    anyhow::ensure!(!fares.classes.is_empty(), "the fare table has no classes");
    let classes: Vec<String> = (0..drivers.len())
        .map(|i| fares.classes[i % fares.classes.len()].class.clone())
        .collect();
    for (c, chunk) in drivers.chunks(32).enumerate() {
        let batch = futures_util::future::join_all(chunk.iter().enumerate().map(|(j, d)| {
            let n = c * 32 + j;
            ride_api::register_vehicle(http, &d.token, n, &classes[n])
        }))
        .await;
        for r in batch {
            r.map_err(|e| anyhow::anyhow!(e))?;
        }
    }
    Ok(classes)
}

pub async fn run(p: CityParams) -> anyhow::Result<Report> {
    run_measured(p, &[]).await
}

/// [`run`], reading the CPU time of the nodes `pids` over the load and
/// the grace: `extra.server_cpu`, per GPS point sent, per dispatch (trip
/// that reached a first offer) and per completed trip.
pub async fn run_measured(p: CityParams, pids: &[u32]) -> anyhow::Result<Report> {
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
    let http = Http::new(nodes.clone());
    let token = drivers.first().or(riders.first()).map(|a| a.token.clone());
    let fares = ride_api::fares(&http, token.as_deref().unwrap_or_default())
        .await
        .map_err(|e| anyhow::anyhow!(e))?;
    let classes = register_vehicles(&http, &drivers, &fares).await?;
    let mut driver_ws = connect_all(&nodes, &drivers, 200).await?;
    let starts: Vec<driver::Start> = (0..drivers.len())
        .map(|i| driver::Start::new(&p, p.load.seed.wrapping_add(i as u64)))
        .collect();
    // Every driver on duty, and in the geo index, before the window: the
    // duty `ok`s counted as they come.
    let on_duty = futures_util::stream::iter(driver_ws.iter_mut().zip(&starts))
        .map(|(ws, start)| driver::go_on_duty(ws, start))
        .buffer_unordered(200)
        .try_fold(0u64, |n, ()| async move { Ok(n + 1) })
        .await?;
    let rider_ws = connect_all(&nodes, &riders, 200).await?;
    let p = Arc::new(p);
    let shared = Arc::new(Shared {
        live: Live::default(),
        stop_requests: AtomicBool::new(false),
        stop_all: tokio_util::sync::CancellationToken::new(),
        gps_sent: Mutex::new(HashMap::new()),
        first_offer: FirstOffers::default(),
        fares,
        http,
        finished: Mutex::new(Vec::new()),
        ratings: Mutex::new(HashMap::new()),
        rating_tasks: Mutex::new(Vec::new()),
    });
    let meter = CpuMeter::start(pids)?;
    let started = Instant::now();
    let mut driver_tasks = Vec::new();
    for ((ws, start), (account, class)) in driver_ws
        .into_iter()
        .zip(starts)
        .zip(drivers.into_iter().zip(classes))
    {
        driver_tasks.push(tokio::spawn(driver::run(
            driver::Driver {
                p: p.clone(),
                shared: shared.clone(),
                token: account.token,
                class,
            },
            ws,
            start,
        )));
    }
    let mut rider_tasks = Vec::new();
    for (i, (ws, account)) in rider_ws.into_iter().zip(riders).enumerate() {
        rider_tasks.push(tokio::spawn(rider::run(
            p.clone(),
            shared.clone(),
            ws,
            account.token,
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
    // Load and grace, not the setup or the receipt audit.
    let used = meter.as_ref().map(CpuMeter::stop).transpose()?;
    tally.dispatch_from(&shared.first_offer);
    audit::run(&shared, &mut tally, &mut report).await;
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
    report
        .counts
        .insert("drivers_on_duty_before_window".into(), on_duty);
    report.counts.insert("riders".into(), p.load.riders as u64);
    tally::finish(&mut report, measured, "gps_updates_sent", gps_in_window);
    if let Some(used) = used {
        let dispatched = report.latency.get("dispatch").map_or(0, |l| l.count);
        let completed = report.counts.get("trips_completed").copied().unwrap_or(0);
        used.record(
            &mut report,
            "run",
            &[
                ("GPS point", shared.live.gps_sent.get()),
                ("dispatch", dispatched),
                ("completed trip", completed),
            ],
        );
    }
    Ok(report)
}
