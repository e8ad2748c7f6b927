//! One task per requested trip, on the node that holds the trip's dispatch
//! lease (at first the node that took the request): it runs the
//! [`DispatchPlan`]'s rounds against the geo index, records offers in the
//! store, publishes them to the drivers' nodes, expires offers and the trip.
//! Other nodes reach it through its node's dispatch topic ([`Signal`],
//! addressed by [`SignalFor`]); its own node hands signals over directly. The lease
//! is renewed while it runs, with all of its node's ([`keep_leases`]);
//! when its node dies, [`take_over`] on another node claims the trip once
//! the lease runs out and resumes its rounds.

use super::{Node, Outbound};
use crate::domain::dispatch::{DispatchPlan, Step};
use crate::metrics as m;
use crate::node::live::Task;
use crate::store::{Candidate, OfferBatch, TakenOver, Transition};
use chrono::Utc;
use hail_protocol::{Position, ServerMessage, Trip, TripId, TripStatus, UserId, WithdrawReason};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

/// Why a dispatch step failed; the next round or sweep retries it.
#[derive(Debug, thiserror::Error)]
pub enum DispatchError {
    #[error(transparent)]
    Geo(#[from] crate::geo::GeoError),
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    #[error("the store kept failing; the stranded-trip sweep retries")]
    StoreKeptFailing,
}
use tokio::sync::mpsc;
use tokio::time::Instant;
use tokio_util::task::AbortOnDropHandle;

/// What other nodes tell a trip's dispatcher.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "signal", rename_all = "snake_case")]
pub enum Signal {
    /// A driver declined: never offer it again; maybe start the next round.
    Declined { driver: UserId },
    /// The trip left `requested` (accepted or cancelled), or this node's
    /// lease on it was not renewed ([`keep_leases`]): stop.
    Closed,
}

/// A signal on a node's dispatch topic: for the dispatcher of `trip`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SignalFor {
    pub trip: TripId,
    #[serde(flatten)]
    pub signal: Signal,
}

/// Starts dispatching a trip just requested on this node (`received`: when
/// the request arrived, where the dispatch latency counts from); `first` is
/// published with the first round's offers (one bus round trip for both);
/// `searched` is the first round's search, started with the request
/// ([`search_early`]).
pub fn spawn(
    node: Arc<Node>,
    trip: Trip,
    first: Outbound,
    received: std::time::Instant,
    searched: Option<EarlySearch>,
) {
    start(
        node,
        trip,
        0,
        First {
            out: first,
            searched,
        },
        received,
    );
}

/// The first round's search, made before its trip is stored: it needs
/// only the pickup, so it overlaps the request's store round trips instead
/// of following them (one wait less between a request and its offers).
#[derive(Debug)]
pub struct FirstSearch {
    radius_m: f64,
    fetch: usize,
    found: Vec<Candidate>,
    took: Duration,
}

/// The first round's search, on a task of its own: the request is stored
/// beside it, and the rider's `ok` does not wait for it. Dropped (a
/// request refused), it is aborted.
pub struct EarlySearch(AbortOnDropHandle<Option<FirstSearch>>);

impl std::fmt::Debug for EarlySearch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("EarlySearch")
    }
}

/// Starts the search a new trip's first round will ask for, from `pickup`.
pub fn search_early(node: &Arc<Node>, pickup: Position) -> EarlySearch {
    let node = node.clone();
    EarlySearch(AbortOnDropHandle::new(tokio::spawn(async move {
        first_search(&node, pickup).await
    })))
}

impl EarlySearch {
    /// Its result; `None` when it failed (the round then searches itself).
    async fn found(self) -> Option<FirstSearch> {
        self.0.await.ok().flatten()
    }
}

/// The search a fresh trip's first round asks for, from `pickup`; `None`
/// when it failed.
async fn first_search(node: &Node, pickup: Position) -> Option<FirstSearch> {
    let cfg = &node.config.dispatch;
    let fetch = cfg.plan.offer_limit * OVERFETCH;
    let fresh_since = Utc::now() - crate::domain::clock::span(cfg.stale_after);
    let began = std::time::Instant::now();
    match node
        .geo
        .nearest(
            pickup,
            cfg.plan.radius_m,
            fetch,
            &HashSet::new(),
            fresh_since.timestamp_millis(),
        )
        .await
    {
        Ok(found) => Some(FirstSearch {
            radius_m: cfg.plan.radius_m,
            fetch,
            found,
            took: began.elapsed(),
        }),
        Err(e) => {
            tracing::debug!("early first search failed, the round searches: {e}");
            None
        }
    }
}

impl FirstSearch {
    /// The candidates, when this is the search the round asks for: the
    /// first round, nobody excluded, the same radius and count.
    fn answers(
        self,
        round: u32,
        radius_m: f64,
        fetch: usize,
        exclude: &HashSet<UserId>,
    ) -> Option<(Vec<Candidate>, Duration)> {
        (round == 1 && exclude.is_empty() && radius_m == self.radius_m && fetch == self.fetch)
            .then_some((self.found, self.took))
    }
}

/// What a new trip's dispatcher starts with.
#[derive(Debug, Default)]
struct First {
    /// Published with the first round's offers.
    out: Outbound,
    searched: Option<EarlySearch>,
}

/// Resumes dispatching a trip this node took over from a dead one.
pub fn resume(node: Arc<Node>, taken: TakenOver) {
    let now = std::time::Instant::now();
    start(node, taken.trip, taken.rounds_done, First::default(), now);
}

fn start(node: Arc<Node>, trip: Trip, rounds_done: u32, first: First, started: std::time::Instant) {
    let (tx, rx) = mpsc::channel(64);
    node.registry.add_dispatcher(trip.id, tx);
    let tasks = node.tasks.clone();
    let spawned = std::time::Instant::now();
    tasks.spawn(async move {
        let trip_id = trip.id;
        let started = (started, spawned);
        run(&node, trip, rx, started, rounds_done, first).await;
        node.registry.remove_dispatcher(trip_id);
    });
}

async fn run(
    node: &Node,
    trip: Trip,
    mut rx: mpsc::Receiver<Signal>,
    (started, spawned): (std::time::Instant, std::time::Instant),
    rounds_done: u32,
    first: First,
) {
    // Awaited before the first round starts: in its `start` step.
    let mut searched = match first.searched {
        Some(early) => early.found().await,
        None => None,
    };
    let mut first = Some(first.out);
    // The plan runs on the monotonic clock; a resumed trip keeps its
    // original deadline, measured from when it was requested.
    let age = (Utc::now() - trip.requested_at)
        .to_std()
        .unwrap_or_default();
    let requested_at = Instant::now().checked_sub(age).unwrap_or_else(Instant::now);
    let mut plan = DispatchPlan::resume(node.config.dispatch.plan, requested_at, rounds_done);
    let mut first_round = rounds_done == 0;
    // Drivers found whose vehicle serves another class: never offered this
    // trip, so searched past in every later round.
    let mut other_class = HashSet::new();
    loop {
        for step in plan.poll(Instant::now()) {
            match step {
                Step::Round {
                    round,
                    radius_m,
                    limit,
                    exclude,
                } => {
                    let began = std::time::Instant::now();
                    let search = Search {
                        round,
                        radius_m,
                        limit,
                        exclude,
                    };
                    let mut steps = first_round.then(|| Steps::new(started, spawned));
                    let mut out = first.take().unwrap_or_default();
                    let round = Round {
                        trip: &trip,
                        other_class: &mut other_class,
                        searched: searched.take(),
                        steps: &mut steps,
                    };
                    let offered = offer_round(node, search, round, &mut out).await;
                    node.notify_all(out).await;
                    if let Some(s) = steps.as_mut() {
                        s.done("publish");
                        s.finish(trip.id);
                    }
                    node.live
                        .task(Task::DispatchRound)
                        .record(began.elapsed(), &offered);
                    let offered = offered.unwrap_or_default();
                    if first_round {
                        m::dispatch_latency(started.elapsed());
                        first_round = false;
                    }
                    plan.offered(&offered, Instant::now());
                }
                Step::ExpireOffers(drivers) => {
                    let began = std::time::Instant::now();
                    node.withdraw_offers(trip.id, Some(&drivers), WithdrawReason::Expired)
                        .await;
                    node.live.task(Task::OfferExpiry).ran(began.elapsed());
                }
                Step::ExpireTrip { .. } => {
                    let began = std::time::Instant::now();
                    let result = expire_trip(node, trip.id).await;
                    node.live
                        .task(Task::TripExpiry)
                        .record(began.elapsed(), &result);
                }
            }
        }
        if let Some(out) = first.take() {
            node.notify_all(out).await; // no round ran (the trip timed out)
        }
        if plan.is_finished() {
            return;
        }
        tokio::select! {
            _ = tokio::time::sleep_until(plan.deadline()) => {}
            signal = rx.recv() => match signal {
                Some(Signal::Declined { driver }) => plan.declined(driver, Instant::now()),
                Some(Signal::Closed) | None => return,
            },
            _ = node.shutdown.cancelled() => {
                // Draining: hand the trip over now rather than after the lease.
                if let Err(e) = node.store.release_lease(trip.id, node.id(), Utc::now()).await {
                    tracing::warn!(trip = %trip.id, "dispatch lease not released: {e}");
                }
                return;
            }
        }
    }
}

/// Times the steps of a first round into `hail_dispatch_step_seconds`.
struct Steps {
    received: std::time::Instant,
    last: std::time::Instant,
    took: Vec<(&'static str, Duration)>,
}

/// A first round slower than this is logged (at debug) with its steps:
/// the histogram says how many, the log says when and where.
const SLOW_FIRST_ROUND: Duration = Duration::from_millis(10);

impl Steps {
    /// The `start` step: from the request to now (in the log, split at
    /// the dispatcher's spawn: the request's own work, then the wait for
    /// the runtime to run the new task).
    fn new(received: std::time::Instant, spawned: std::time::Instant) -> Self {
        let now = std::time::Instant::now();
        m::dispatch_step("start", now - received);
        Self {
            received,
            last: now,
            took: vec![
                ("request", spawned.saturating_duration_since(received)),
                ("queued", now.saturating_duration_since(spawned)),
            ],
        }
    }

    /// A step that ran beside the others (not counted in the total).
    fn beside(&mut self, step: &'static str, d: Duration) {
        m::dispatch_step(step, d);
        self.took.push((step, d));
    }

    fn done(&mut self, step: &'static str) {
        let now = std::time::Instant::now();
        let d = now - self.last;
        m::dispatch_step(step, d);
        self.took.push((step, d));
        self.last = now;
    }

    /// Logs the round's steps when it was slow.
    fn finish(&self, trip: TripId) {
        let total = self.last - self.received;
        if total >= SLOW_FIRST_ROUND {
            tracing::debug!(%trip, total_ms = total.as_secs_f64() * 1e3, steps = ?self.took, "slow first round");
        }
    }
}

/// What the plan asked one round to search.
struct Search {
    round: u32,
    radius_m: f64,
    limit: usize,
    exclude: Vec<UserId>,
}

/// One round's trip and what it carries between searches.
struct Round<'a> {
    trip: &'a Trip,
    /// Drivers found whose vehicle serves another class.
    other_class: &'a mut HashSet<UserId>,
    /// The first round's search, made early.
    searched: Option<FirstSearch>,
    steps: &'a mut Option<Steps>,
}

/// How many times a round searches again past drivers of another class.
const CLASS_SEARCHES: usize = 3;
/// A search asks for this many times the offers it still wants: drivers
/// of other classes are skipped in the same store call, so in a mixed
/// fleet one search usually fills the round (each search and batch is a
/// round trip on the dispatch path).
const OVERFETCH: usize = 3;

/// One round: search, record, and add the offers to `out` (the caller
/// publishes it, error or not). Returns the drivers offered; an error
/// (after which the plan simply runs its next round) for the monitor.
/// Each search costs one store call (offers, the round's record and the
/// candidates' classes together).
async fn offer_round(
    node: &Node,
    search: Search,
    round_of: Round<'_>,
    out: &mut Outbound,
) -> Result<Vec<UserId>, DispatchError> {
    let Search {
        round,
        radius_m,
        limit,
        exclude,
    } = search;
    let Round {
        trip,
        other_class,
        mut searched,
        steps,
    } = round_of;
    let cfg = &node.config.dispatch;
    let mut exclude: HashSet<UserId> = exclude.into_iter().collect();
    let fresh_since = Utc::now() - crate::domain::clock::span(cfg.stale_after);
    let offered_at = Utc::now();
    let expires_at = offered_at + crate::domain::clock::span(cfg.plan.offer_ttl);
    let mut offered: Vec<Candidate> = Vec::new();
    for _ in 0..CLASS_SEARCHES {
        exclude.extend(other_class.iter().copied());
        let want = limit - offered.len();
        let fetch = want * OVERFETCH;
        let early = searched
            .take()
            .and_then(|s| s.answers(round, radius_m, fetch, &exclude));
        let found = if let Some((found, took)) = early {
            if let Some(s) = steps.as_mut() {
                s.beside("search", took);
            }
            found
        } else {
            let found = match node
                .geo
                .nearest(
                    trip.pickup.position(),
                    radius_m,
                    fetch,
                    &exclude,
                    fresh_since.timestamp_millis(),
                )
                .await
            {
                Ok(c) => c,
                // A later search failing keeps the offers already recorded:
                // they are sent, and the round ends with them.
                Err(e) if !offered.is_empty() => {
                    tracing::warn!(trip = %trip.id, "geo search failed, the round ends short: {e}");
                    break;
                }
                Err(e) => {
                    tracing::warn!(trip = %trip.id, "geo search failed, retrying next round: {e}");
                    return Err(e.into());
                }
            };
            if let Some(s) = steps.as_mut() {
                s.done("search");
            }
            found
        };
        let full = found.len() == fetch;
        exclude.extend(found.iter().map(|c| c.driver_id));
        let batch = OfferBatch {
            trip_id: trip.id,
            round,
            radius_m,
            node_id: node.id(),
            offered_at,
            expires_at,
            candidates: &found,
            limit: want,
        };
        let made = match node.store.offer_batch(&batch).await {
            Ok(made) => made,
            Err(e) if !offered.is_empty() => {
                tracing::warn!(trip = %trip.id, "offers not recorded, the round ends short: {e}");
                break;
            }
            Err(e) => {
                tracing::warn!(trip = %trip.id, "offers not recorded, retrying next round: {e}");
                return Err(e.into());
            }
        };
        if let Some(s) = steps.as_mut() {
            s.done("offers");
        }
        let before = other_class.len();
        other_class.extend(made.other_class);
        offered.extend(made.offered);
        // Done when the round is full or the search found everyone left.
        if offered.len() >= limit || !full || other_class.len() == before {
            break;
        }
    }
    tracing::debug!(trip = %trip.id, round, radius_m, offered = offered.len(), "dispatch round");
    m::offers_sent(offered.len());
    for c in &offered {
        let msg = ServerMessage::TripOffer {
            trip: trip.clone(),
            distance_m: (c.distance_m * 10.0).round() / 10.0,
            expires_at,
            pickup_eta_s: Some(crate::domain::estimate::eta_for_distance(
                c.distance_m,
                &node.config.ride.fares.estimate,
            )),
        };
        out.to_user(c.driver_id, &msg);
    }
    Ok(offered.into_iter().map(|c| c.driver_id).collect())
}

/// Nobody accepted in time. The store decides (only from `requested`), so
/// an accept racing the deadline either wins or sees `expired`. Fails only
/// when the store kept failing.
pub async fn expire_trip(node: &Node, trip_id: TripId) -> Result<(), DispatchError> {
    let transition = Transition {
        trip_id,
        from: TripStatus::Requested,
        to: TripStatus::Expired,
        actor: None,
        assign_driver: None,
        cancelled_by: None,
        reason: None,
        at: Utc::now(),
        node_id: node.id().to_string(),
        fare: None,
        vehicle: None,
        cancel_reason: None,
        cancel_fee: None,
    };
    let mut backoff = Duration::from_millis(100);
    for _ in 0..5 {
        match node.store_transition(&transition).await {
            Ok((Some(expired), ended)) => {
                // Its dispatcher is this task, or gone (the stranded sweep).
                node.after_transition(TripStatus::Requested, &expired, None, ended)
                    .await;
                return Ok(());
            }
            // Accepted or cancelled meanwhile; or expired by another node,
            // whose offers this call may have ended first.
            Ok((None, ended)) => {
                if let Some(ended) = ended {
                    node.withdraw_ended(trip_id, ended, TripStatus::Expired)
                        .await;
                }
                return Ok(());
            }
            Err(e) => {
                tracing::warn!(trip = %trip_id, "could not expire trip, retrying: {e}");
                tokio::time::sleep(backoff).await;
                backoff *= 2;
            }
        }
    }
    tracing::error!(trip = %trip_id, "trip left requested past its timeout");
    Err(DispatchError::StoreKeptFailing)
}

/// Safety net for trips whose dispatcher died with its node: expire any
/// trip still `requested` well past its timeout. Runs on every node; the
/// conditional transition makes concurrent sweeps harmless.
pub async fn sweep_stranded(node: Arc<Node>, stop: tokio_util::sync::CancellationToken) {
    let timeout = node.config.dispatch.plan.trip_timeout;
    let grace = Duration::from_secs(5);
    let every = Duration::from_secs(5);
    node.live.task(Task::StrandedTripSweep).set_interval(every);
    let mut tick = tokio::time::interval(every);
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            _ = stop.cancelled() => return,
        }
        let began = std::time::Instant::now();
        let cutoff = Utc::now() - crate::domain::clock::span(timeout + grace);
        let result = match node.store.stranded_requests(cutoff, 100).await {
            Ok(ids) => {
                let mut result = Ok(());
                for id in ids {
                    tracing::info!(trip = %id, "expiring a trip whose dispatcher is gone");
                    result = result.and(expire_trip(&node, id).await);
                }
                result
            }
            Err(e) => {
                tracing::warn!("stranded-trip sweep failed: {e}");
                Err(e.into())
            }
        };
        node.live
            .task(Task::StrandedTripSweep)
            .record(began.elapsed(), &result);
    }
}

/// Renews the dispatch leases of every trip dispatched on this node, in
/// one store call per tick (not a timer and a statement per trip). A
/// trip not renewed left `requested` meanwhile or went to another node
/// while this one could not renew: its dispatcher is told to stop.
pub async fn keep_leases(node: Arc<Node>, stop: tokio_util::sync::CancellationToken) {
    let lease = node.config.dispatch.lease;
    let every = lease / 3;
    node.live.task(Task::DispatchLease).set_interval(every);
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    tick.tick().await; // the first is immediate; every lease is fresh
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            _ = stop.cancelled() => return,
            _ = node.shutdown.cancelled() => return,
        }
        let trips = node.registry.dispatcher_trips();
        if trips.is_empty() {
            continue;
        }
        let began = std::time::Instant::now();
        let until = Utc::now() + crate::domain::clock::span(lease);
        let result = node.store.renew_leases(&trips, node.id(), until).await;
        node.live
            .task(Task::DispatchLease)
            .record(began.elapsed(), &result);
        match result {
            Ok(renewed) => {
                let renewed: HashSet<TripId> = renewed.into_iter().collect();
                for trip in trips.into_iter().filter(|t| !renewed.contains(t)) {
                    tracing::debug!(%trip, "dispatch lease not renewed: stopping its dispatcher");
                    let _ = node.registry.signal_dispatcher(trip, Signal::Closed);
                }
            }
            Err(e) => tracing::warn!(trips = trips.len(), "dispatch leases not renewed: {e}"),
        }
    }
}

/// Claims requested trips whose dispatch lease ran out (their node died or
/// drained) and resumes them here. Runs on every node; the store gives each
/// trip to one claimant.
pub async fn take_over(node: Arc<Node>, stop: tokio_util::sync::CancellationToken) {
    let lease = node.config.dispatch.lease;
    let every = (lease / 5).max(Duration::from_millis(100));
    node.live.task(Task::DispatchTakeover).set_interval(every);
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            _ = stop.cancelled() => return,
            _ = node.shutdown.cancelled() => return,
        }
        let began = std::time::Instant::now();
        let now = Utc::now();
        let until = now + crate::domain::clock::span(lease);
        let result = node.store.take_over(node.id(), now, until, 50).await;
        node.live
            .task(Task::DispatchTakeover)
            .record(began.elapsed(), &result);
        match result {
            Ok(taken) => {
                for t in taken {
                    if node.registry.has_dispatcher(t.trip.id) {
                        continue; // our own, late renewing: it carries on
                    }
                    tracing::info!(trip = %t.trip.id, rounds_done = t.rounds_done, "taking over a trip's dispatch");
                    m::dispatch_takeover();
                    resume(node.clone(), t);
                }
            }
            Err(e) => tracing::warn!("dispatch takeover sweep failed: {e}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn early(radius_m: f64, fetch: usize) -> FirstSearch {
        FirstSearch {
            radius_m,
            fetch,
            found: vec![Candidate {
                driver_id: UserId::new(),
                distance_m: 120.0,
            }],
            took: Duration::from_micros(300),
        }
    }

    #[test]
    fn an_early_search_answers_only_the_first_round_it_was_made_for() {
        let none = HashSet::new();
        let (found, took) = early(3000.0, 30)
            .answers(1, 3000.0, 30, &none)
            .expect("the first round's own search");
        assert_eq!(found.len(), 1);
        assert_eq!(took, Duration::from_micros(300));
        // A later round, a wider circle, fewer wanted (a second search of
        // the round), or drivers to skip: the round searches itself.
        assert!(early(3000.0, 30).answers(2, 3000.0, 30, &none).is_none());
        assert!(early(3000.0, 30).answers(1, 6000.0, 30, &none).is_none());
        assert!(early(3000.0, 30).answers(1, 3000.0, 27, &none).is_none());
        let skip: HashSet<_> = [UserId::new()].into_iter().collect();
        assert!(early(3000.0, 30).answers(1, 3000.0, 30, &skip).is_none());
    }

    #[test]
    fn signals_have_a_stable_wire_form() {
        let (d, trip) = (UserId::new(), TripId::new());
        let declined = SignalFor {
            trip,
            signal: Signal::Declined { driver: d },
        };
        let json = serde_json::to_string(&declined).expect("json");
        assert_eq!(
            json,
            format!(r#"{{"trip":"{trip}","signal":"declined","driver":"{d}"}}"#)
        );
        assert_eq!(
            serde_json::from_str::<SignalFor>(&json).expect("parse"),
            declined
        );
        let back: SignalFor =
            serde_json::from_str(&format!(r#"{{"signal":"closed","trip":"{trip}"}}"#))
                .expect("parse");
        assert_eq!(back.signal, Signal::Closed);
    }
}
