//! Contested accepts: K drivers near one pickup all accept every trip at
//! the same moment; exactly one may win. Drivers and riders are spread over
//! every given node, so the race crosses nodes.

use crate::client::{self, Account, Accounts, Node, Socket};
use crate::movement::{location, offset, place};
use crate::report::{Latency, Report};
use crate::server_cpu::CpuMeter;
use hail_protocol::{ClientMessage, ErrorCode, Role, ServerMessage, TripId, TripStatus};
use std::time::{Duration, Instant};

#[derive(Debug, Clone, serde::Serialize)]
pub struct RaceParams {
    pub urls: Vec<String>,
    pub drivers: usize,
    pub trips: usize,
    pub prefix: String,
    #[serde(skip)]
    pub secret: Option<String>,
}

/// Waits for the frame `pred` accepts, keeping nothing else; `None` on
/// timeout or close.
pub(crate) async fn wait_for(
    ws: &mut Socket,
    within: Duration,
    pred: impl Fn(&ServerMessage) -> bool,
) -> Option<ServerMessage> {
    let deadline = tokio::time::Instant::now() + within;
    loop {
        match tokio::time::timeout_at(deadline, client::next_message(ws)).await {
            Ok(Some(m)) if pred(&m) => return Some(m),
            Ok(Some(_)) => continue,
            _ => return None,
        }
    }
}

pub(crate) fn reply_to(r: &str) -> impl Fn(&ServerMessage) -> bool + '_ {
    move |m| match m {
        ServerMessage::Ok { reference, .. } => reference == r,
        ServerMessage::Error {
            reference: Some(x), ..
        } => x == r,
        _ => false,
    }
}

pub async fn run(p: RaceParams) -> anyhow::Result<Report> {
    run_measured(p, &[]).await
}

/// [`run`], reading the CPU time of the nodes `pids` over the trips:
/// `extra.server_cpu`, per accepted trip.
pub async fn run_measured(p: RaceParams, pids: &[u32]) -> anyhow::Result<Report> {
    let mut report = Report::new("race", serde_json::to_value(&p)?);
    let started = Instant::now();
    let mut nodes = Vec::new();
    for u in &p.urls {
        nodes.push(Node::parse(u).await?);
    }
    let accounts = Accounts::new(p.secret.clone());
    let drivers: Vec<Account> = accounts
        .create_many(&nodes, Role::Driver, &p.prefix, p.drivers, 16, 1)
        .await?;
    let rider: Account = accounts
        .create_many(&nodes, Role::Rider, &p.prefix, 1, 1, 1)
        .await?
        .remove(0);
    let centre = crate::movement::point(52.52, 13.405);
    let mut driver_ws = Vec::new();
    for (i, d) in drivers.iter().enumerate() {
        let (mut ws, _) = client::connect(&nodes[i % nodes.len()], &d.token, None).await?;
        let pos = offset(centre, 20.0 + i as f64 * 5.0, 0.0);
        client::send(&mut ws, &location(pos).with_ref("l")).await?;
        client::send(
            &mut ws,
            &ClientMessage::DriverAvailable { available: true }.with_ref("a"),
        )
        .await?;
        wait_for(&mut ws, Duration::from_secs(10), reply_to("a")).await;
        driver_ws.push((ws, pos));
    }
    let rider_node = &nodes[nodes.len() - 1];
    let (mut rws, _) = client::connect(rider_node, &rider.token, None).await?;
    let mut accept = Latency::default();
    let meter = CpuMeter::start(pids)?;
    let (mut winners_total, mut taken, mut contested) = (0u64, 0u64, 0u64);
    for t in 0..p.trips {
        let reference = format!("req{t}");
        let request = ClientMessage::request(place(centre), place(offset(centre, 1_113.2, 0.0)));
        client::send(&mut rws, &request.with_ref(reference.clone())).await?;
        let trip_id: TripId =
            match wait_for(&mut rws, Duration::from_secs(10), reply_to(&reference)).await {
                Some(ServerMessage::Ok {
                    trip: Some(trip), ..
                }) => trip.id,
                other => {
                    report.violation(format!("trip {t}: request failed: {other:?}"));
                    continue;
                }
            };
        // Every driver must be offered the trip...
        let offers = futures_util::future::join_all(driver_ws.iter_mut().map(|(ws, _)| {
            wait_for(
                ws,
                Duration::from_secs(10),
                move |m| matches!(m, ServerMessage::TripOffer { trip, .. } if trip.id == trip_id),
            )
        }))
        .await;
        let offered = offers.iter().filter(|o| o.is_some()).count();
        if offered < driver_ws.len() {
            report.violation(format!(
                "trip {trip_id}: only {offered} of {} drivers offered",
                driver_ws.len()
            ));
        }
        // ...then all accept at once.
        let sent = Instant::now();
        for (ws, _) in driver_ws.iter_mut() {
            client::send(ws, &ClientMessage::TripAccept { trip_id }.with_ref("acc")).await?;
        }
        let replies = futures_util::future::join_all(
            driver_ws
                .iter_mut()
                .map(|(ws, _)| wait_for(ws, Duration::from_secs(10), reply_to("acc"))),
        )
        .await;
        let elapsed = sent.elapsed();
        let mut winners = Vec::new();
        for (i, r) in replies.iter().enumerate() {
            match r {
                Some(ServerMessage::Ok { .. }) => {
                    winners.push(i);
                    accept.record(elapsed);
                }
                Some(ServerMessage::Error {
                    code: ErrorCode::TripTaken,
                    ..
                }) => taken += 1,
                Some(ServerMessage::Error { code, .. }) => {
                    *report.errors.entry(code.as_str().to_string()).or_default() += 1;
                }
                Some(_) | None => report.violation(format!(
                    "trip {trip_id}: driver {i} got no answer to its accept"
                )),
            }
        }
        contested += 1;
        winners_total += winners.len() as u64;
        if winners.len() != 1 {
            report.violation(format!("trip {trip_id}: {} winners", winners.len()));
        }
        // The winner cancels and is available again for the next trip.
        for w in winners {
            let (ws, pos) = &mut driver_ws[w];
            client::send(
                ws,
                &ClientMessage::cancel(trip_id, Some("race".into())).with_ref("c"),
            )
            .await?;
            wait_for(ws, Duration::from_secs(10), reply_to("c")).await;
            client::send(ws, &location(*pos).with_ref("l2")).await?;
            wait_for(ws, Duration::from_secs(10), reply_to("l2")).await;
        }
        wait_for(&mut rws, Duration::from_secs(10), move |m| {
            matches!(m, ServerMessage::TripUpdated { trip } if trip.id == trip_id && trip.status == TripStatus::Cancelled)
        })
        .await;
        if (t + 1) % 100 == 0 {
            eprintln!(
                "race: {} trips, {} violations",
                t + 1,
                report.violations.len()
            );
        }
    }
    if let Some(meter) = meter {
        // Each accepted trip here is: request, K offers, K accepts, one
        // win, the winner's cancel and its location.
        meter
            .stop()?
            .record(&mut report, "race", &[("accepted trip", winners_total)]);
    }
    report.add_latency("accept", &accept);
    report.counts.insert("trips_contested".into(), contested);
    report.counts.insert("winners".into(), winners_total);
    report.counts.insert("trip_taken".into(), taken);
    report.counts.insert("nodes".into(), nodes.len() as u64);
    report.finish(started.elapsed());
    report.throughput.insert(
        "contested_trips".into(),
        contested as f64 / report.duration_s.max(1e-9),
    );
    Ok(report)
}
