//! The ride product around a trip: quotes and the estimate a request is
//! locked to, the vehicle that comes, the fare from the recorded track,
//! the fee of a late cancellation, ratings. The prices themselves are pure
//! (`domain::fare`, `domain::estimate`, `domain::track`); this file reads
//! what they need and stores what they decide.

use super::{Actor, CommandError, Node};
use crate::domain::cancel;
use crate::domain::estimate;
use crate::domain::fare::{self, FareRule};
use crate::domain::money::{Multiplier, ONE_X_BP};
use crate::domain::rating::{self, Comment, Stars};
use crate::domain::track::{self, TrackPoint as Point};
use crate::domain::vehicle::VehicleClass;
use crate::store::{NewRating, QuoteRecord, TripRecord};
use chrono::{DateTime, Utc};
use hail_protocol::http::Rating;
use hail_protocol::ride::Quote;
use hail_protocol::{CancelReason, FareBreakdown, Money, Place, Position, Role, Trip, TripId};
use std::collections::HashSet;

/// The price side of a trip request: the class and the estimate it is
/// locked to (with the quote that fixed it, when there was one).
#[derive(Debug, Clone)]
pub struct Priced {
    pub class: String,
    pub quote_id: Option<uuid::Uuid>,
    pub estimate: FareBreakdown,
}

impl Node {
    fn rule(&self, class: &str) -> Result<(&VehicleClass, &FareRule), CommandError> {
        self.config
            .ride
            .fares
            .priced(class)
            .map_err(CommandError::Invalid)
    }

    /// The surge at `pos` now, from this node's copy of the surge board.
    fn surge_at(&self, pos: Position) -> Multiplier {
        self.surge.multiplier_at(pos)
    }

    /// Prices a trip from `pickup` to `dropoff` in `class` as estimated now.
    fn estimate(
        &self,
        class: &str,
        pickup: &Place,
        dropoff: &Place,
    ) -> Result<FareBreakdown, CommandError> {
        let (_, rule) = self.rule(class)?;
        let model = &self.config.ride.fares.estimate;
        let est = estimate::estimate(&pickup.position(), &dropoff.position(), model);
        let surge = self.surge_at(pickup.position());
        Ok(fare::fare(rule, est.distance_m, est.duration_s, surge).to_wire())
    }

    /// `POST /api/quotes`: one quote per class asked (all when `None`),
    /// each stored so a request can lock to it.
    pub async fn quotes(
        &self,
        rider: Actor,
        pickup: Place,
        dropoff: Place,
        class: Option<String>,
    ) -> Result<Vec<Quote>, CommandError> {
        crate::domain::area::check_places(&pickup, &dropoff).map_err(CommandError::Invalid)?;
        let classes: Vec<String> = match class {
            Some(c) => vec![self.rule(&c)?.0.as_str().to_string()],
            None => self
                .config
                .ride
                .fares
                .classes
                .keys()
                .map(|c| c.as_str().to_string())
                .collect(),
        };
        let nearby = self.nearby_by_class(pickup.position()).await?;
        let now = Utc::now();
        let expires_at = now + crate::domain::clock::span(self.config.ride.quote_ttl);
        let mut records = Vec::with_capacity(classes.len());
        let mut out = Vec::with_capacity(classes.len());
        for class in classes {
            let fare = self.estimate(&class, &pickup, &dropoff)?;
            let of_class: Vec<f64> = nearby
                .iter()
                .filter(|(c, _)| *c == class)
                .map(|(_, d)| *d)
                .collect();
            let nearest = of_class.iter().copied().reduce(f64::min);
            let record = QuoteRecord {
                id: uuid::Uuid::now_v7(),
                rider_id: rider.id,
                class: class.clone(),
                pickup: pickup.clone(),
                dropoff: dropoff.clone(),
                fare: fare.clone(),
                created_at: now,
                expires_at,
            };
            out.push(Quote {
                quote_id: record.id.to_string(),
                class,
                pickup: pickup.clone(),
                dropoff: dropoff.clone(),
                fare,
                drivers_nearby: of_class.len() as u32,
                pickup_eta_s: nearest
                    .map(|d| estimate::eta_for_distance(d, &self.config.ride.fares.estimate)),
                expires_at,
            });
            records.push(record);
        }
        // Every class's quote in one store round trip, not one each.
        self.store.insert_quotes(&records).await?;
        for record in &records {
            self.quotes.insert(record, now);
        }
        crate::metrics::quotes(out.len());
        Ok(out)
    }

    /// Available drivers within the dispatch radius of `pos`, as `(class,
    /// distance_m)`; a driver without a registered vehicle is `standard`.
    async fn nearby_by_class(&self, pos: Position) -> Result<Vec<(String, f64)>, CommandError> {
        let d = &self.config.dispatch;
        let fresh_since = Utc::now() - crate::domain::clock::span(d.stale_after);
        let found = self
            .geo
            .nearest(
                pos,
                d.plan.radius_m,
                QUOTE_SEARCH_LIMIT,
                &HashSet::new(),
                fresh_since.timestamp_millis(),
            )
            .await?;
        let ids: Vec<_> = found.iter().map(|c| c.driver_id).collect();
        let classes = self.store.vehicle_classes(&ids).await?;
        Ok(found
            .iter()
            .map(|c| {
                let class = classes
                    .get(&c.driver_id)
                    .cloned()
                    .unwrap_or_else(|| DEFAULT_CLASS.to_string());
                (class, c.distance_m)
            })
            .collect())
    }

    /// The class and locked estimate of a new request: the quote's when it
    /// names one (it must be the rider's own, unexpired, for the same
    /// places), else priced now.
    pub(super) async fn price_request(
        &self,
        rider: Actor,
        pickup: &Place,
        dropoff: &Place,
        class: Option<String>,
        quote_id: Option<String>,
    ) -> Result<Priced, CommandError> {
        let Some(raw) = quote_id else {
            let class = class.unwrap_or_else(|| DEFAULT_CLASS.to_string());
            let estimate = self.estimate(&class, pickup, dropoff)?;
            return Ok(Priced {
                class,
                quote_id: None,
                estimate,
            });
        };
        let id: uuid::Uuid = raw.parse().map_err(|_| {
            CommandError::Invalid("quote_id: not a quote this server issued".into())
        })?;
        // One this node issued needs no store read (quotes never change).
        let quote = match self.quotes.get(id, Utc::now()) {
            Some(q) => Some(q),
            None => self.store.quote(id).await?,
        };
        let quote = quote.filter(|q| q.rider_id == rider.id).ok_or_else(|| {
            CommandError::Invalid("quote_id: no such quote for this rider".into())
        })?;
        if quote.expires_at <= Utc::now() {
            return Err(CommandError::Invalid(
                "quote_id: the quote has expired; ask for a new one".into(),
            ));
        }
        if class.as_deref().is_some_and(|c| c != quote.class) {
            return Err(CommandError::Invalid(format!(
                "class: the quote is for {:?}",
                quote.class
            )));
        }
        let moved =
            |a: &Place, b: &Place| a.position().distance_m(&b.position()) > QUOTE_PLACE_SLACK_M;
        if moved(&quote.pickup, pickup) || moved(&quote.dropoff, dropoff) {
            return Err(CommandError::Invalid(
                "quote_id: the quote is for another pickup or dropoff".into(),
            ));
        }
        Ok(Priced {
            class: quote.class,
            quote_id: Some(quote.id),
            estimate: quote.fare,
        })
    }

    /// The fare of a trip being completed now, from its persisted track
    /// (the caller has landed the queued points first) at the surge its
    /// estimate was locked to.
    pub(super) async fn final_fare(
        &self,
        record: &TripRecord,
        completed_at: DateTime<Utc>,
    ) -> Result<FareBreakdown, CommandError> {
        let trip = &record.trip;
        let class = trip.class.as_deref().unwrap_or(DEFAULT_CLASS);
        let (_, rule) = self.rule(class)?;
        let started = trip.started_at.unwrap_or(completed_at);
        // The ride is from the start on: the drive to the pickup is in the
        // track too, and is not charged.
        let points: Vec<Point> = self
            .store
            .track(trip.id)
            .await?
            .into_iter()
            .filter(|p| p.at >= started)
            .filter_map(|p| {
                Some(Point {
                    pos: Position::new(p.lat, p.lng).ok()?,
                    at_ms: p.at.timestamp_millis(),
                })
            })
            .collect();
        let distance_m = track::track_length_m(&points, &self.config.ride.fares.track);
        let duration_s = (completed_at - started).num_seconds().max(0) as u64;
        let surge = Multiplier(trip.estimate.as_ref().map_or(ONE_X_BP, |e| e.surge_bp));
        Ok(fare::fare(rule, distance_m, duration_s, surge).to_wire())
    }

    /// What cancelling `trip` now costs `by`: a rider past the grace period
    /// after a driver was assigned pays the configured fee.
    pub(super) fn cancel_fee(&self, trip: &Trip, by: Role, now: DateTime<Utc>) -> Option<Money> {
        let rule = &self.config.ride.fares.cancel;
        let fee = cancel::cancel_fee(
            rule,
            trip.accepted_at.map(|a| a.timestamp_millis()),
            now.timestamp_millis(),
            by,
        );
        (fee.minor() > 0).then(|| Money {
            amount: fee.minor(),
            currency: self.config.ride.fares.currency.as_str().to_string(),
        })
    }

    /// Checks a cancellation's code against the canceller's role.
    pub(super) fn check_cancel_reason(
        by: Role,
        code: Option<CancelReason>,
        note: Option<&str>,
    ) -> Result<(), CommandError> {
        match code {
            Some(code) => cancel::Cancellation::parse(by, code, note)
                .map(drop)
                .map_err(|e| CommandError::Invalid(e.to_string())),
            None => Ok(()),
        }
    }

    /// `POST /api/trips/{id}/rating`: the rider rates the driver or the
    /// driver the rider, once, within the window after completion.
    pub async fn rate(
        &self,
        actor: Actor,
        trip_id: TripId,
        stars: u8,
        comment: Option<String>,
    ) -> Result<Rating, CommandError> {
        let invalid = |e: rating::RatingError| CommandError::Invalid(e.to_string());
        let stars = Stars::new(i64::from(stars)).map_err(invalid)?;
        let comment = Comment::parse(comment.as_deref()).map_err(invalid)?;
        let record = self
            .store
            .trip(trip_id)
            .await?
            .ok_or(crate::domain::trip::Refusal::NotFound)?;
        let (by, ratee) = if record.rider_id == actor.id {
            (Role::Rider, record.driver_id)
        } else if record.driver_id == Some(actor.id) {
            (Role::Driver, Some(record.rider_id))
        } else {
            return Err(crate::domain::trip::Refusal::NotFound.into());
        };
        let trip = &record.trip;
        let Some(completed_at) = trip.completed_at else {
            return Err(CommandError::Conflict("only a completed trip can be rated"));
        };
        let ratee = ratee.ok_or(CommandError::Conflict("nobody to rate"))?;
        let now = Utc::now();
        let window = self.config.ride.rating_window;
        if !rating::rating_open(
            completed_at.timestamp_millis(),
            now.timestamp_millis(),
            window.as_secs(),
        ) {
            return Err(CommandError::Conflict(
                "the rating window of this trip has closed",
            ));
        }
        let rating = self
            .store
            .insert_rating(&NewRating {
                trip_id,
                rater_id: actor.id,
                ratee_id: ratee,
                by,
                stars: stars.get(),
                comment: comment.map(|c| c.as_str().to_string()),
                at: now,
            })
            .await?;
        crate::metrics::rating(by);
        Ok(rating)
    }
}

/// How often expired quotes are deleted, and how long past expiry they
/// stay (a request racing the expiry still finds its quote, and says so).
const QUOTE_PRUNE_EVERY: std::time::Duration = std::time::Duration::from_secs(60);
const QUOTE_KEEP_EXPIRED: chrono::Duration = chrono::Duration::hours(1);

/// Deletes quotes an hour past their expiry, every minute, on every node
/// (the DELETE is idempotent), until `stop`.
pub fn spawn_quote_pruner(
    node: std::sync::Arc<Node>,
    stop: tokio_util::sync::CancellationToken,
    tracker: &tokio_util::task::TaskTracker,
) {
    tracker.spawn(async move {
        node.live
            .task(super::live::Task::QuotePrune)
            .set_interval(QUOTE_PRUNE_EVERY);
        let mut every = tokio::time::interval(QUOTE_PRUNE_EVERY);
        every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = every.tick() => {}
                _ = stop.cancelled() => return,
            }
            let began = std::time::Instant::now();
            let result = node
                .store
                .prune_quotes(Utc::now() - QUOTE_KEEP_EXPIRED)
                .await;
            match &result {
                Ok(0) => {}
                Ok(n) => tracing::debug!(deleted = n, "expired quotes pruned"),
                Err(e) => tracing::warn!("quotes not pruned: {e}"),
            }
            node.live
                .task(super::live::Task::QuotePrune)
                .record(began.elapsed(), &result);
        }
    });
}

/// The class of a request that names none, and of a driver with no
/// registered vehicle.
pub const DEFAULT_CLASS: &str = "standard";

/// Drivers a quote looks at to count who is nearby.
const QUOTE_SEARCH_LIMIT: usize = 50;

/// How far a request's pickup or dropoff may lie from its quote's (a
/// re-geocoded address, a pin nudged).
const QUOTE_PLACE_SLACK_M: f64 = 100.0;
