//! The soak run, phase by phase: accounts (retried over the nodes), the
//! clients, the load window, the grace (riders follow their trips to the
//! end), the settle (every known trip over), the stop, and the final read.

use super::driver::spawn_driver;
use super::outcome::{all_trips, conclude};
use super::params::SoakParams;
use super::rider::spawn_rider;
use super::shared::Shared;
use crate::client::{Accounts, Http, Node};
use crate::report::Report;
use crate::tally::{self, Tally};
use hail_protocol::http::TripResponse;
use hail_protocol::{Role, TripId, UserId};
use std::collections::{BTreeSet, HashMap};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

pub async fn run(p: SoakParams) -> anyhow::Result<Report> {
    let mut report = Report::new("soak", serde_json::to_value(&p)?);
    let mut nodes = Vec::new();
    for u in &p.load.urls {
        nodes.push(Node::parse(u).await?);
    }
    anyhow::ensure!(!nodes.is_empty(), "no --url given");
    let accounts = Accounts::new(p.load.secret.clone());
    let drivers = accounts
        .create_many(&nodes, Role::Driver, &p.load.prefix, p.load.drivers, 16, 20)
        .await?;
    let riders = accounts
        .create_many(&nodes, Role::Rider, &p.load.prefix, p.load.riders, 16, 20)
        .await?;
    let tokens: HashMap<UserId, String> = drivers
        .iter()
        .chain(&riders)
        .map(|a| (a.id, a.token.clone()))
        .collect();
    let p = Arc::new(p);
    let sh = Arc::new(Shared::new(nodes.clone()));
    let started = Instant::now();
    let driver_tasks: Vec<_> = drivers
        .iter()
        .enumerate()
        .map(|(i, a)| spawn_driver(p.clone(), sh.clone(), a, i))
        .collect();
    let rider_tasks: Vec<_> = riders
        .iter()
        .enumerate()
        .map(|(i, a)| spawn_rider(p.clone(), sh.clone(), a, i))
        .collect();

    let progress = |phase: &str| {
        if !p.load.progress {
            return;
        }
        let l = &sh.live;
        eprintln!(
            "soak {:>5.0}s {phase:<6} trips {:>5} requested {:>5} completed  points {:>6} sent {:>6} acked  reconnects {:>4}  connect failures {:>4}  unavailable {:>4}",
            started.elapsed().as_secs_f64(),
            l.requested.get(),
            l.completed.get(),
            l.gps_sent.get(),
            l.points_acked.get(),
            l.reconnects.get(),
            l.connect_failures.get(),
            l.unavailable.get(),
        );
    };
    let mut next_progress = Instant::now() + Duration::from_secs(5);
    while started.elapsed() < p.load.duration {
        tokio::time::sleep(Duration::from_millis(250)).await;
        if Instant::now() >= next_progress {
            progress("load");
            next_progress += Duration::from_secs(5);
        }
    }
    let measured = started.elapsed();
    let points_in_window = sh.live.gps_sent.get();
    sh.stop_requests.store(true, Ordering::Relaxed);

    // Grace: riders follow their trips to the end, then stop.
    let mut tally = Tally::default();
    let grace_end = Instant::now() + p.load.grace;
    let unfinished = tally::join_until(rider_tasks, grace_end, &mut tally, "rider", || {
        progress("grace")
    })
    .await;

    // Settle: every known trip over (drivers still drive; nodes may still die).
    let http = Http::new(nodes.clone());
    let settle_end = Instant::now() + p.settle;
    let mut over: BTreeSet<TripId> = BTreeSet::new();
    let mut listed_only = 0u64;
    loop {
        let ids = all_trips(&http, &sh, &riders, &mut listed_only).await;
        let mut open = 0usize;
        for (id, rider) in &ids {
            if over.contains(id) {
                continue;
            }
            let Some(token) = tokens.get(rider) else {
                continue;
            };
            match http
                .get::<TripResponse>(&format!("/api/trips/{id}"), token)
                .await
            {
                Ok(r) if !r.trip.status.is_active() => {
                    over.insert(*id);
                }
                _ => open += 1,
            }
        }
        if open == 0 || Instant::now() >= settle_end {
            if p.load.progress {
                eprintln!(
                    "soak: {} trips known, {open} not over after {:.0} s of settling",
                    ids.len(),
                    (p.settle
                        .saturating_sub(settle_end.saturating_duration_since(Instant::now())))
                    .as_secs_f64()
                );
            }
            break;
        }
        progress("settle");
        tokio::time::sleep(Duration::from_secs(2)).await;
    }

    sh.stop.cancel();
    tally::join_stopped(
        unfinished.into_iter().chain(driver_tasks).collect(),
        &mut tally,
    )
    .await;

    conclude(&mut report, tally, &http, &sh, &riders, &tokens).await;
    report
        .counts
        .insert("drivers".into(), p.load.drivers as u64);
    report.counts.insert("riders".into(), p.load.riders as u64);
    tally::finish(&mut report, measured, "gps_points_sent", points_in_window);
    Ok(report)
}
