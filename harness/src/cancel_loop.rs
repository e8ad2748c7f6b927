//! One rider requesting a trip and cancelling it, one trip at a time, as
//! fast as the replies come: each trip is two request/reply round trips,
//! so any delay on a small frame (Nagle's algorithm waiting for a delayed
//! ACK, issue 11) shows in trips/s and the tail.
//!
//! With `--drivers N`, N available drivers wait near the pickup: each trip
//! is then request -> `ok` -> every offer of the round delivered (the
//! nearest `min(N, --offers)`) -> cancel -> `ok` -> every offer withdrawn,
//! the dispatch path issue 17 prices. With `--pid` (repeatable), the
//! nodes' CPU time per trip ([`crate::server_cpu`]).

use crate::client::{self, Accounts, Node, Socket};
use crate::movement::{location, offset, place, point};
use crate::race::{reply_to, wait_for};
use crate::report::{Latency, Report};
use crate::server_cpu::CpuMeter;
use hail_protocol::{ClientMessage, Role, ServerMessage, TripId};
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

#[derive(Debug, Clone, serde::Serialize)]
pub struct CancelLoopParams {
    pub url: String,
    pub trips: usize,
    pub prefix: String,
    /// The nodes' pids, to read their CPU time.
    pub pids: Vec<u32>,
    /// Available drivers near the pickup (0: no dispatch, request and
    /// cancel only).
    pub drivers: usize,
    /// Offers the node sends per round (its `HAIL_OFFER_LIMIT`): each trip
    /// waits for `min(drivers, offers)` of them.
    pub offers: usize,
    #[serde(skip)]
    pub secret: Option<String>,
}

/// What a driver's socket saw, for the rider's loop.
#[derive(Debug)]
enum Seen {
    /// The driver is available.
    Online,
    Offer(TripId),
    Withdrawn(TripId),
}

/// How often a waiting driver repeats its position: the index drops
/// drivers silent for 30 s (`HAIL_STALE_SECS`).
const KEEP_FRESH: Duration = Duration::from_secs(10);

/// Puts driver `i` online 20 + 5i m north of the pickup and reports its
/// offers and withdrawals until the socket ends or `stop` fires.
async fn drive(
    mut ws: Socket,
    i: usize,
    seen: mpsc::UnboundedSender<Seen>,
    stop: tokio_util::sync::CancellationToken,
) -> anyhow::Result<()> {
    let pos = offset(point(52.52, 13.405), 20.0 + i as f64 * 5.0, 0.0);
    client::send(&mut ws, &location(pos).with_ref("l")).await?;
    client::send(
        &mut ws,
        &ClientMessage::DriverAvailable { available: true }.with_ref("a"),
    )
    .await?;
    if wait_for(&mut ws, Duration::from_secs(10), reply_to("a"))
        .await
        .is_none()
    {
        anyhow::bail!("driver {i}: no reply to driver.available");
    }
    let _ = seen.send(Seen::Online);
    let mut fresh = tokio::time::interval(KEEP_FRESH);
    fresh.tick().await;
    loop {
        tokio::select! {
            _ = stop.cancelled() => return Ok(()),
            _ = fresh.tick() => client::send(&mut ws, &location(pos).with_ref("k")).await?,
            m = client::next_message(&mut ws) => match m {
                Some(ServerMessage::TripOffer { trip, .. }) => { let _ = seen.send(Seen::Offer(trip.id)); }
                Some(ServerMessage::OfferWithdrawn { trip_id, .. }) => { let _ = seen.send(Seen::Withdrawn(trip_id)); }
                Some(_) => {}
                None => anyhow::bail!("driver {i}: socket closed"),
            },
        }
    }
}

/// Waits until `n` events `pick` accepts arrived; how many did.
async fn collect(
    seen: &mut mpsc::UnboundedReceiver<Seen>,
    n: usize,
    within: Duration,
    pick: impl Fn(&Seen) -> bool,
) -> usize {
    let deadline = tokio::time::Instant::now() + within;
    let mut got = 0;
    while got < n {
        match tokio::time::timeout_at(deadline, seen.recv()).await {
            Ok(Some(s)) if pick(&s) => got += 1,
            Ok(Some(_)) => {}
            _ => break,
        }
    }
    got
}

pub async fn run(p: CancelLoopParams) -> anyhow::Result<Report> {
    let mut report = Report::new("cancel-loop", serde_json::to_value(&p)?);
    let node = Node::parse(&p.url).await?;
    let accounts = Accounts::new(p.secret.clone());
    let rider = accounts
        .create_many(std::slice::from_ref(&node), Role::Rider, &p.prefix, 1, 1, 1)
        .await?
        .remove(0);
    let drivers = accounts
        .create_many(
            std::slice::from_ref(&node),
            Role::Driver,
            &p.prefix,
            p.drivers,
            16,
            1,
        )
        .await?;
    let (seen_tx, mut seen) = mpsc::unbounded_channel();
    let stop = tokio_util::sync::CancellationToken::new();
    let mut driver_tasks = Vec::new();
    for (i, d) in drivers.iter().enumerate() {
        let (ws, _) = client::connect(&node, &d.token, None).await?;
        driver_tasks.push(tokio::spawn(drive(ws, i, seen_tx.clone(), stop.clone())));
    }
    drop(seen_tx);
    let online = collect(&mut seen, p.drivers, Duration::from_secs(30), |s| {
        matches!(s, Seen::Online)
    })
    .await;
    anyhow::ensure!(
        online == p.drivers,
        "only {online} of {} drivers came online",
        p.drivers
    );
    let expect = p.drivers.min(p.offers);
    let (mut ws, _) = client::connect(&node, &rider.token, None).await?;
    let centre = point(52.52, 13.405);
    let (mut trip, mut request, mut offers, mut cancel) = (
        Latency::default(),
        Latency::default(),
        Latency::default(),
        Latency::default(),
    );
    let meter = CpuMeter::start(&p.pids)?;
    let began = Instant::now();
    let (mut done, mut offered, mut short) = (0u64, 0u64, 0u64);
    for i in 0..p.trips {
        let t0 = Instant::now();
        let r = format!("q{i}");
        let ask = ClientMessage::request(place(centre), place(offset(centre, 1_113.2, 0.0)));
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
        let got = collect(
            &mut seen,
            expect,
            Duration::from_secs(10),
            |s| matches!(s, Seen::Offer(t) if *t == trip_id),
        )
        .await;
        offered += got as u64;
        if got < expect {
            short += 1;
        }
        if expect > 0 {
            offers.record(t0.elapsed());
        }
        let t1 = Instant::now();
        let c = format!("c{i}");
        let stop_trip = ClientMessage::cancel(trip_id, None);
        client::send(&mut ws, &stop_trip.with_ref(c.clone())).await?;
        match wait_for(&mut ws, Duration::from_secs(10), reply_to(&c)).await {
            Some(ServerMessage::Ok { .. }) => {}
            Some(ServerMessage::Error { code, .. }) => {
                *report.errors.entry(code.as_str().into()).or_default() += 1;
                continue;
            }
            other => anyhow::bail!("trip.cancel {i}: no reply ({other:?})"),
        }
        // The drivers are free for the next trip once their offers end.
        collect(
            &mut seen,
            got,
            Duration::from_secs(10),
            |s| matches!(s, Seen::Withdrawn(t) if *t == trip_id),
        )
        .await;
        cancel.record(t1.elapsed());
        trip.record(t0.elapsed());
        done += 1;
    }
    let took = began.elapsed();
    let used = meter.as_ref().map(CpuMeter::stop).transpose()?;
    stop.cancel();
    for t in driver_tasks {
        if let Ok(Err(e)) = t.await {
            report.violation(format!("{e}"));
        }
    }
    report
        .throughput
        .insert("trips".into(), done as f64 / took.as_secs_f64());
    report.counts.insert("trips_cancelled".into(), done);
    if p.drivers > 0 {
        report.counts.insert("offers_received".into(), offered);
        report.counts.insert("trips_short_of_offers".into(), short);
    }
    if let Some(used) = used {
        used.record(&mut report, "loop", &[("trip", done), ("offer", offered)]);
        // The keys docs/harness.md names for cancel-loop.
        report.extra["server_cpu_s"] = serde_json::json!(used.secs());
        report.extra["server_cpu_us_per_trip"] = serde_json::json!(used.us_per(done));
    }
    if done < p.trips as u64 {
        report.violation(format!(
            "{} of {} trips failed",
            p.trips as u64 - done,
            p.trips
        ));
    }
    if short > 0 {
        report.violation(format!(
            "{short} of {done} trips reached fewer than {expect} drivers"
        ));
    }
    report.add_latency("trip (request+cancel)", &trip);
    report.add_latency("request -> ok", &request);
    if expect > 0 {
        report.add_latency("request -> all offers", &offers);
    }
    report.add_latency("cancel -> ok", &cancel);
    report.finish(took);
    Ok(report)
}
