//! A city rider: at exponential gaps, quotes a class, requests with the
//! quote, follows its trip to the end, checks every GPS update of its
//! driver arrived, and rates the driver.

use super::{lock, stamp, CityParams, Finished, Shared};
use crate::client::{self, Socket};
use crate::fare_check;
use crate::movement::random_trip;
use crate::ride_api;
use crate::tally::Tally;
use chrono::Utc;
use hail_protocol::ride::Quote;
use hail_protocol::{ClientMessage, ServerMessage, Trip, TripId, TripStatus};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::collections::HashSet;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

/// What a quote must say about itself: its class, and a breakdown that
/// adds up by the published rule of that class.
fn check_quote(quote: &Quote, class: &str, shared: &Shared) -> Result<(), String> {
    if quote.class != class {
        return Err(format!("asked a {class} quote, got {}", quote.class));
    }
    let rule = shared
        .fares
        .classes
        .iter()
        .find(|c| c.class == class)
        .ok_or_else(|| format!("quoted class {class} is not in GET /api/fares"))?;
    let f = &quote.fare;
    let expected = fare_check::price(rule, f.distance_m, f.duration_s, f.surge_bp);
    if *f == expected {
        Ok(())
    } else {
        Err(format!(
            "quote {}: {f:?}, the rules give {expected:?}",
            quote.quote_id
        ))
    }
}

/// What the rider must see when its trip is accepted: the driver's vehicle,
/// of the class it asked for.
fn check_accepted(trip: &Trip, class: &str, t: &mut Tally) {
    let Some(driver) = &trip.driver else {
        t.violations
            .push(format!("trip {}: accepted without a driver", trip.id));
        return;
    };
    match &driver.vehicle {
        Some(v) if v.class == class => t.count("riders_saw_vehicle"),
        Some(v) => t.violations.push(format!(
            "trip {}: a {class} trip got a {} vehicle",
            trip.id, v.class
        )),
        None => t
            .violations
            .push(format!("trip {}: accepted, no vehicle shown", trip.id)),
    }
    if driver.rating.is_some() {
        t.count("riders_saw_driver_rating");
    }
}

/// Every point the driver sent while driving must have arrived. A point
/// sent between the server taking the accept and the driver reading its
/// `ok` may arrive too: counted, not an error.
fn check_gps(trip: TripId, received: &HashSet<i64>, shared: &Shared, t: &mut Tally) {
    let Some(log) = lock(&shared.gps_sent).get(&trip).cloned() else {
        t.violations
            .push(format!("trip {trip}: completed by an unknown driver"));
        return;
    };
    let sent = lock(&log).clone();
    let missing = sent.iter().filter(|a| !received.contains(a)).count();
    if missing > 0 {
        t.violations.push(format!(
            "trip {trip}: {missing} of {} GPS updates never reached the rider",
            sent.len()
        ));
    }
    let extra = received.len().saturating_sub(sent.len() - missing) as u64;
    t.add("gps_forwarded_before_accept_ok", extra);
    t.add("gps_checked", sent.len() as u64);
}

pub(super) async fn run(
    p: Arc<CityParams>,
    shared: Arc<Shared>,
    mut ws: Socket,
    token: String,
    seed: u64,
) -> Tally {
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
        let class = shared.fares.classes[rng.random_range(0..shared.fares.classes.len())]
            .class
            .clone();
        let (pickup, dropoff) = random_trip(&mut rng, centre, p.load.radius_m);
        let quote = match ride_api::quote(&shared.http, &token, &pickup, &dropoff, &class).await {
            Ok(q) => q,
            Err(e) => {
                t.violations.push(e);
                continue;
            }
        };
        t.count("quotes");
        if quote.drivers_nearby == 0 {
            t.count("quotes_without_drivers");
        }
        if let Err(e) = check_quote(&quote, &class, &shared) {
            t.violations.push(e);
        }
        let request = ClientMessage::TripRequest {
            pickup,
            dropoff,
            class: Some(class.clone()),
            quote_id: Some(quote.quote_id.clone()),
        };
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
                    if trip.estimate.as_ref() != Some(&quote.fare) {
                        t.violations.push(format!(
                            "trip {}: estimate {:?} is not its quote's {:?}",
                            trip.id, trip.estimate, quote.fare
                        ));
                    }
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
                    trip_id: id,
                    at,
                    eta_s,
                    ..
                } if Some(id) == trip_id => {
                    received.insert(stamp(at));
                    shared.live.gps_forwarded.inc();
                    t.gps_received(at);
                    if eta_s.is_some() {
                        t.count("locations_with_eta");
                    }
                }
                ServerMessage::TripUpdated { trip } if Some(trip.id) == trip_id => {
                    match trip.status {
                        TripStatus::Accepted => check_accepted(&trip, &class, &mut t),
                        TripStatus::Completed => {
                            check_gps(trip.id, &received, &shared, &mut t);
                            shared.live.completed.inc();
                            t.count("trips_completed");
                            lock(&shared.finished).push(Finished {
                                trip: trip.id,
                                rider_token: token.clone(),
                            });
                            match ride_api::rate(
                                &shared.http,
                                &token,
                                trip.id,
                                rng.random_range(3..=5),
                            )
                            .await
                            {
                                Ok(()) => shared.rated(trip.id),
                                Err(e) => t.violations.push(e),
                            }
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
