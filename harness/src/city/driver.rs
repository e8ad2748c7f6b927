//! A city driver: roams, accepts an offer after a short delay, drives to
//! the pickup and the dropoff, completes, and rates the rider.

use super::{location, lock, stamp, CityParams, SentLog, Shared};
use crate::client::{self, Socket};
use crate::movement::{random_point, Leg};
use crate::ride_api;
use crate::tally::Tally;
use chrono::Utc;
use hail_protocol::ws::ClientFrame;
use hail_protocol::{ClientMessage, ErrorCode, Position, ServerMessage, Trip, TripId, TripStatus};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The class a trip without one is priced and offered as.
const DEFAULT_CLASS: &str = "standard";

pub(super) struct Driver {
    pub p: Arc<CityParams>,
    pub shared: Arc<Shared>,
    pub token: String,
    /// Its vehicle's class: the only trips it may be offered.
    pub class: String,
}

enum Drive {
    Idle,
    /// Accept sent at this instant; waiting for the reply.
    Accepting(Instant),
    ToPickup(Trip),
    ToDropoff(Trip),
}

/// Where a driver starts, and its random stream from there on.
pub(super) struct Start {
    rng: StdRng,
    at: Position,
}

impl Start {
    pub(super) fn new(p: &CityParams, seed: u64) -> Self {
        let mut rng = StdRng::seed_from_u64(seed);
        let at = random_point(&mut rng, p.load.centre(), p.load.radius_m);
        Self { rng, at }
    }
}

/// Sends the driver's first position and puts it on duty; resolves on the
/// server's `ok` for the duty change, when the driver is in the geo index.
/// Part of the setup: the window measures a city whose drivers are on
/// duty, not all of them going on duty in its first instant.
pub(super) async fn go_on_duty(ws: &mut Socket, start: &Start) -> anyhow::Result<()> {
    client::send(
        ws,
        &location(start.at, None, 0.0, Utc::now()).with_ref("l0"),
    )
    .await?;
    client::send(
        ws,
        &ClientMessage::DriverAvailable { available: true }.with_ref("on"),
    )
    .await?;
    let answered = tokio::time::timeout(Duration::from_secs(60), async {
        loop {
            match client::next_message(ws).await {
                Some(ServerMessage::Ok { reference, .. }) if reference == "on" => return Ok(()),
                Some(ServerMessage::Error {
                    reference, message, ..
                }) => anyhow::bail!("going on duty ({reference:?}): {message}"),
                Some(_) => continue,
                None => anyhow::bail!("the socket closed while going on duty"),
            }
        }
    });
    answered
        .await
        .map_err(|_| anyhow::anyhow!("no answer to driver.available in 60 s"))?
}

pub(super) async fn run(d: Driver, mut ws: Socket, start: Start) -> Tally {
    let Driver {
        p,
        shared,
        token,
        class,
    } = d;
    let mut t = Tally::default();
    let Start { mut rng, at: start } = start;
    let centre = p.load.centre();
    let mut leg = Leg {
        from: start,
        to: random_point(&mut rng, centre, p.load.radius_m),
        speed_mps: p.speed_mps / 3.0,
    };
    let mut leg_started = Instant::now();
    let mut state = Drive::Idle;
    let mut pending: Option<(TripId, Instant)> = None;
    let mut sent_log: Option<SentLog> = None;
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
                    lock(log).push(stamp(at));
                }
                shared.live.gps_sent.inc();
                if client::send(&mut ws, &ClientFrame { message: frame, reference: None }).await.is_err() {
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
                            let _ = client::send(&mut ws, &ClientMessage::TripComplete { trip_id: trip.id }.with_ref("done")).await;
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
                    ServerMessage::TripOffer { trip, pickup_eta_s, .. } => {
                        shared.live.offers.inc();
                        t.count("offers_received");
                        shared.first_offer.offered(trip.id);
                        let offered = trip.class.as_deref().unwrap_or(DEFAULT_CLASS);
                        if offered != class {
                            t.violations.push(format!("a {class} driver was offered {} trip {}", offered, trip.id));
                        }
                        if trip.rider.rating.is_some() { t.count("offers_with_rider_rating"); }
                        if pickup_eta_s.is_some() { t.count("offers_with_pickup_eta"); }
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
                        lock(&shared.gps_sent).insert(trip.id, log.clone());
                        sent_log = Some(log);
                        let (pos, _) = leg.at(leg_started.elapsed().as_secs_f64());
                        leg = Leg { from: pos, to: trip.pickup.position(), speed_mps: p.speed_mps };
                        leg_started = Instant::now();
                        state = Drive::ToPickup(trip);
                    }
                    ServerMessage::Ok { reference, trip: Some(trip) } if reference == "done" && trip.status == TripStatus::Completed => {
                        // Off the socket loop: the GPS ticks keep their pace.
                        let stars = rng.random_range(3..=5);
                        let (shared2, token) = (shared.clone(), token.clone());
                        let rating = tokio::spawn(async move {
                            ride_api::rate(&shared2.http, &token, trip.id, stars).await?;
                            shared2.rated(trip.id);
                            Ok(())
                        });
                        lock(&shared.rating_tasks).push(rating);
                    }
                    ServerMessage::Error { reference, code, message } => {
                        t.error(code.as_str());
                        if reference.as_deref().is_some_and(|r| r.starts_with("acc:")) {
                            if code == ErrorCode::TripTaken { t.count("accepts_lost"); }
                            state = Drive::Idle;
                        } else if code != ErrorCode::Conflict {
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
