//! Persistence behind one small trait, so Postgres and (later) the embedded
//! store run the same node code.

pub mod dispatch_log;
pub mod gps_retention;
pub mod operator;
pub mod postgres;
pub mod rollup;
mod rows;
mod sql;
pub mod sqlite;
pub mod trip_search;

pub use gps_retention::{GpsMaintenance, GpsMaintenanceError};
pub use operator::{AuditFilter, OperatorStore};
pub use rollup::{MinuteFacts, RollupStore};
pub use trip_search::TripSearchStore;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use hail_protocol::http::Rating;
use hail_protocol::http::TrackPoint;
use hail_protocol::{
    CancelReason, CancelledBy, FareBreakdown, Money, Place, Position, RatingSummary, Role, Trip,
    TripId, TripStatus, User, UserId, Vehicle,
};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A uniqueness rule (username taken, one active trip per person).
    #[error("conflict: {0}")]
    Conflict(&'static str),
    /// The backend did not answer in time or at all.
    #[error("store unavailable: {0}")]
    Unavailable(String),
    #[error("store error: {0}")]
    Internal(String),
}

pub type StoreResult<T> = Result<T, StoreError>;

pub struct NewUser {
    pub id: UserId,
    pub username: String,
    pub password_hash: String,
    pub role: Role,
    pub name: String,
}

/// What presenting a refresh token found.
#[derive(Debug, PartialEq)]
pub enum Rotation {
    /// Valid and now used: issue the next token in `family`.
    Rotated { user_id: UserId, family: uuid::Uuid },
    /// Already used: a replay, the family has been revoked.
    Reused,
    /// Unknown or expired.
    Invalid,
}

pub struct NewTrip {
    pub id: TripId,
    pub rider_id: UserId,
    pub pickup: Place,
    pub dropoff: Place,
    pub requested_at: DateTime<Utc>,
    pub node_id: String,
    /// The requesting node holds the trip's dispatch until then (renewed).
    pub lease_until: DateTime<Utc>,
    /// The vehicle class asked for (`"standard"` by default).
    pub class: String,
    /// The quote the trip was requested with.
    pub quote_id: Option<uuid::Uuid>,
    /// The estimate locked at the request.
    pub estimate: Option<FareBreakdown>,
}

/// A requested trip whose dispatch this node just took over.
#[derive(Debug, Clone)]
pub struct TakenOver {
    pub trip: Trip,
    /// Rounds the previous holder ran (numbering continues after them).
    pub rounds_done: u32,
}

/// A trip and the ids needed to authorise commands on it.
#[derive(Debug, Clone)]
pub struct TripRecord {
    pub trip: Trip,
    pub rider_id: UserId,
    pub driver_id: Option<UserId>,
    /// The node whose dispatcher holds (or last held) the trip's lease:
    /// where its dispatch signals go.
    pub dispatch_node: Option<String>,
}

/// One status change to apply if the trip is still in `from`.
#[derive(Debug, Clone)]
pub struct Transition {
    pub trip_id: TripId,
    pub from: TripStatus,
    pub to: TripStatus,
    /// Who caused it (`None`: the system).
    pub actor: Option<UserId>,
    /// On accept: the driver to assign; its pending offer becomes `accepted`
    /// in the same transaction.
    pub assign_driver: Option<UserId>,
    pub cancelled_by: Option<CancelledBy>,
    pub reason: Option<String>,
    pub at: DateTime<Utc>,
    pub node_id: String,
    /// Written into the trip with the status change when `Some` (each
    /// column is left alone when `None`): the final fare (completion) ...
    pub fare: Option<FareBreakdown>,
    /// ... the vehicle snapshot (accept) ...
    pub vehicle: Option<Vehicle>,
    /// ... why it was cancelled (stored in place of the free-text
    /// `reason`, which stays in the trip's history) ...
    pub cancel_reason: Option<CancelReason>,
    /// ... and what a late cancellation cost.
    pub cancel_fee: Option<Money>,
}

/// How an offer ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OfferEnd {
    Declined,
    Lost,
    Expired,
    Withdrawn,
}

impl OfferEnd {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Declined => "declined",
            Self::Lost => "lost",
            Self::Expired => "expired",
            Self::Withdrawn => "withdrawn",
        }
    }
}

/// The stored outcome of an offer (`pending` while live).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OfferStatus {
    Pending,
    Accepted,
    Ended(OfferEnd),
}

impl OfferStatus {
    /// From the `outcome` column (both stores write the same words).
    pub fn parse(outcome: &str) -> Self {
        match outcome {
            "pending" => Self::Pending,
            "accepted" => Self::Accepted,
            "declined" => Self::Ended(OfferEnd::Declined),
            "lost" => Self::Ended(OfferEnd::Lost),
            "expired" => Self::Ended(OfferEnd::Expired),
            _ => Self::Ended(OfferEnd::Withdrawn),
        }
    }
}

/// The trip columns both stores select, in the order their row mappers
/// read them (rider and driver names and ratings joined from `users`).
pub(crate) const TRIP_SELECT: &str = "SELECT t.id, t.status, t.rider_id, r.name, t.driver_id, d.name, \
     t.pickup_lat, t.pickup_lng, t.pickup_address, t.dropoff_lat, t.dropoff_lng, t.dropoff_address, \
     t.requested_at, t.accepted_at, t.arrived_at, t.started_at, t.completed_at, t.cancelled_at, \
     t.cancelled_by, t.expired_at, t.seq, \
     t.class, t.quote_id, t.estimate, t.fare, t.vehicle, t.cancel_reason, t.cancel_fee, \
     r.rating_sum, r.rating_count, d.rating_sum, d.rating_count, t.dispatch_node \
     FROM trips t JOIN users r ON r.id = t.rider_id LEFT JOIN users d ON d.id = t.driver_id";

pub use crate::domain::dispatch::Candidate;

/// Loads the trips a takeover claimed (with the rounds already run); one
/// that is gone meanwhile is skipped. Both stores claim in their own SQL.
pub(crate) async fn load_taken_over<S: TripStore + ?Sized>(
    store: &S,
    claimed: Vec<(TripId, u32)>,
) -> StoreResult<Vec<TakenOver>> {
    let mut out = Vec::with_capacity(claimed.len());
    for (id, rounds_done) in claimed {
        if let Some(record) = store.trip(id).await? {
            out.push(TakenOver {
                trip: record.trip,
                rounds_done,
            });
        }
    }
    Ok(out)
}

/// A GPS point to persist.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GpsPoint {
    pub trip_id: TripId,
    pub driver_id: UserId,
    pub lat: f64,
    pub lng: f64,
    pub heading: Option<f64>,
    pub speed: Option<f64>,
    pub at: DateTime<Utc>,
    pub received_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Default)]
pub struct TripFilter {
    /// Only trips this user rides or drives (`None`: all, for admins).
    pub participant: Option<UserId>,
    pub status: Option<TripStatus>,
    /// Only trips older than this one (the page cursor).
    pub before: Option<TripId>,
    pub limit: usize,
}

/// Everything a node persists, grouped by concern; each backend implements
/// the parts in its own `users`, `trips`, `dispatch`, `gps`, `monitor`,
/// `ride`, `operator` and `rollup` files. Callers hold `Arc<dyn Store>` and call any part's methods on it.
#[async_trait]
pub trait Store:
    UserStore
    + TripStore
    + DispatchStore
    + GpsStore
    + MonitorStore
    + RideStore
    + OperatorStore
    + RollupStore
    + TripSearchStore
    + 'static
{
    /// Answers when the backend does (for `/readyz`).
    async fn ping(&self) -> StoreResult<()>;
}

/// Accounts and their refresh tokens.
#[async_trait]
pub trait UserStore: Send + Sync {
    async fn create_user(&self, user: NewUser) -> StoreResult<User>;
    /// The user and their password hash; usernames match case-insensitively.
    async fn user_by_username(&self, username: &str) -> StoreResult<Option<(User, String)>>;
    async fn user_by_id(&self, id: UserId) -> StoreResult<Option<User>>;

    async fn insert_refresh_token(
        &self,
        token_hash: &[u8],
        user_id: UserId,
        family: uuid::Uuid,
        expires_at: DateTime<Utc>,
    ) -> StoreResult<()>;
    /// Marks the token used if it is valid; a replay revokes its family.
    async fn use_refresh_token(
        &self,
        token_hash: &[u8],
        now: DateTime<Utc>,
    ) -> StoreResult<Rotation>;

    /// Deletes an account: `user_by_id` no longer finds it, its password
    /// no longer matches anything and its refresh tokens are gone; its
    /// trips stay (they are the other party's history too). `Conflict`
    /// while it has an active trip; `false` when there was no such account.
    async fn delete_user(&self, id: UserId, now: DateTime<Utc>) -> StoreResult<bool>;
    /// Revokes every live token of the family `token_hash` belongs to (a
    /// log-out); `false` when no such token was ever issued. Idempotent.
    async fn revoke_refresh_family(
        &self,
        token_hash: &[u8],
        now: DateTime<Utc>,
    ) -> StoreResult<bool>;
}

/// Trips, their status changes and the per-rider rate count.
#[async_trait]
pub trait TripStore: Send + Sync {
    /// Fails with `Conflict` when the rider already has an active trip.
    async fn create_trip(&self, trip: NewTrip) -> StoreResult<Trip>;
    async fn trip(&self, id: TripId) -> StoreResult<Option<TripRecord>>;
    async fn active_trip(&self, user: UserId) -> StoreResult<Option<Trip>>;
    async fn list_trips(&self, filter: &TripFilter) -> StoreResult<Vec<Trip>>;
    /// Applies the change if the trip is still in `t.from` (and, on accept,
    /// the driver's offer is still pending): `None` when it lost a race.
    async fn transition(&self, t: &Transition) -> StoreResult<Option<Trip>>;

    /// How many trips `rider` requested since `since`, counting at most
    /// `cap` (the rate check needs no more).
    async fn trips_requested_since(
        &self,
        rider: UserId,
        since: DateTime<Utc>,
        cap: usize,
    ) -> StoreResult<usize>;
}

/// The dispatch of requested trips: leases, takeover, offers and rounds.
#[async_trait]
pub trait DispatchStore: Send + Sync {
    /// Trips still `requested` that were requested before `cutoff`: their
    /// dispatcher is gone (its node stopped), so a sweeper expires them.
    async fn stranded_requests(
        &self,
        cutoff: DateTime<Utc>,
        limit: usize,
    ) -> StoreResult<Vec<TripId>>;

    /// Extends `node`'s leases on requested trips' dispatch, all in one
    /// call (a node renews every trip it dispatches at once). Returns the
    /// trips renewed: one left out left `requested` or another node holds
    /// it now.
    async fn renew_leases(
        &self,
        trips: &[TripId],
        node: &str,
        until: DateTime<Utc>,
    ) -> StoreResult<Vec<TripId>>;
    /// Ends `node`'s lease now (a draining node), so another takes over.
    async fn release_lease(&self, trip: TripId, node: &str, now: DateTime<Utc>) -> StoreResult<()>;
    /// Claims up to `limit` requested trips whose lease ran out before
    /// `now` for `node` until `until`; each is claimed by one node only.
    async fn take_over(
        &self,
        node: &str,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
        limit: usize,
    ) -> StoreResult<Vec<TakenOver>>;

    async fn offer_status(&self, trip: TripId, driver: UserId) -> StoreResult<Option<OfferStatus>>;
    /// Ends pending offers (of `drivers`, or all when `None`); returns the
    /// drivers whose offer this call ended, so each is notified once.
    async fn end_offers(
        &self,
        trip: TripId,
        drivers: Option<&[UserId]>,
        end: OfferEnd,
        at: DateTime<Utc>,
    ) -> StoreResult<Vec<UserId>>;

    /// A change out of `requested` that is not an accept (a cancel, an
    /// expiry), then the end of the trip's pending offers as `end`, but
    /// only if the trip is then in `t.to`, whoever moved it there. On
    /// Postgres the two statements go out pipelined on one connection: one
    /// wait, where a single statement could not (it would not see offers an
    /// in-flight batch commits while the change waits for the trip's row).
    /// Returns the change (`None`: it lost a race, or failed after the end
    /// ran) and the drivers whose offer this call ended, each ended once
    /// across all callers: they are this caller's to withdraw either way.
    async fn leave_requested(
        &self,
        t: &Transition,
        end: OfferEnd,
    ) -> StoreResult<(Option<Trip>, Vec<UserId>)>;

    /// One search's batch of a round, in one call (one round trip on
    /// Postgres): offers to the nearest `limit` candidates while the trip is requested,
    /// skipping drivers on an active trip, who declined or hold a live
    /// offer, or whose vehicle class is not the trip's (no registered
    /// vehicle counts as `standard`); adds the offers made to the round's
    /// record (the round's first batch creates it, even when it offers
    /// nobody); and names the candidates skipped for their class, whom the
    /// round searches past.
    async fn offer_batch(&self, batch: &OfferBatch<'_>) -> StoreResult<BatchOffered>;
}

/// What [`DispatchStore::offer_batch`] records.
#[derive(Debug, Clone)]
pub struct OfferBatch<'a> {
    pub trip_id: TripId,
    pub round: u32,
    pub radius_m: f64,
    pub node_id: &'a str,
    pub offered_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    /// Nearest first; more than `limit` when the search over-fetched to
    /// see past drivers of other classes in one call.
    pub candidates: &'a [Candidate],
    /// Offers to make at most: the nearest offerable candidates.
    pub limit: usize,
}

/// What [`DispatchStore::offer_batch`] did with its candidates.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BatchOffered {
    /// Offered, nearest first.
    pub offered: Vec<Candidate>,
    /// Skipped: their vehicle serves another class than the trip's.
    pub other_class: Vec<UserId>,
}

/// GPS points of trips in progress.
#[async_trait]
pub trait GpsStore: Send + Sync {
    /// Persists a batch of points in one write.
    async fn insert_points(&self, points: &[GpsPoint]) -> StoreResult<()>;
    /// The trip's points in arrival order.
    async fn track(&self, trip: TripId) -> StoreResult<Vec<TrackPoint>>;
    /// One run of the `gps_partitions` task at `now`: partitions ahead and
    /// retention (see `gps_retention`). Safe with several nodes at once.
    async fn maintain_gps(
        &self,
        policy: &crate::domain::gps_partition::Policy,
        now: DateTime<Utc>,
    ) -> Result<GpsMaintenance, GpsMaintenanceError>;
}

/// The monitor's views (admins only; not on any hot path).
#[async_trait]
pub trait MonitorStore: Send + Sync {
    /// Trips in each status.
    async fn trip_counts(&self) -> StoreResult<hail_protocol::monitor::TripCounts>;
    /// Dispatches newest first, optionally of one outcome.
    async fn dispatches(
        &self,
        outcome: Option<hail_protocol::monitor::DispatchOutcome>,
        limit: usize,
    ) -> StoreResult<Vec<hail_protocol::monitor::Dispatch>>;
    /// Trips not yet over, newest first, each with its driver's latest
    /// persisted point.
    async fn active_trips(&self, limit: usize)
        -> StoreResult<Vec<hail_protocol::monitor::MapTrip>>;
    /// One dispatch and its timeline; `None` for an unknown trip.
    async fn dispatch_detail(
        &self,
        trip: TripId,
    ) -> StoreResult<Option<hail_protocol::monitor::DispatchDetail>>;
}

/// A stored quote.
#[derive(Debug, Clone, PartialEq)]
pub struct QuoteRecord {
    pub id: uuid::Uuid,
    pub rider_id: UserId,
    pub class: String,
    pub pickup: Place,
    pub dropoff: Place,
    pub fare: FareBreakdown,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

/// A rating to store: `rater_id` (who rated, in role `by`) rates `ratee_id`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewRating {
    pub trip_id: TripId,
    pub rater_id: UserId,
    pub ratee_id: UserId,
    pub by: Role,
    pub stars: u8,
    pub comment: Option<String>,
    pub at: DateTime<Utc>,
}

/// The ride layer: vehicles, quotes, ratings, surge demand and photos.
#[async_trait]
pub trait RideStore: Send + Sync {
    /// Registers or replaces the driver's vehicle.
    async fn put_vehicle(
        &self,
        driver: UserId,
        vehicle: &Vehicle,
        at: DateTime<Utc>,
    ) -> StoreResult<()>;
    async fn vehicle(&self, driver: UserId) -> StoreResult<Option<Vehicle>>;
    /// The registered class of each of `drivers` that has a vehicle (others absent).
    async fn vehicle_classes(
        &self,
        drivers: &[UserId],
    ) -> StoreResult<std::collections::HashMap<UserId, String>>;
    /// Stores a quote request's quotes, one per class, together: all or
    /// none, in one round trip.
    async fn insert_quotes(&self, quotes: &[QuoteRecord]) -> StoreResult<()>;
    async fn quote(&self, id: uuid::Uuid) -> StoreResult<Option<QuoteRecord>>;
    /// Deletes quotes that expired before `before`; returns how many.
    async fn prune_quotes(&self, before: DateTime<Utc>) -> StoreResult<u64>;
    /// Stores the rating and adds its stars to the ratee's rating_sum/count in
    /// one transaction. `StoreError::Conflict("already rated")` when this rater
    /// already rated this trip (nothing changes then).
    async fn insert_rating(&self, rating: &NewRating) -> StoreResult<Rating>;
    /// The trip's ratings, oldest first.
    async fn trip_ratings(&self, trip: TripId) -> StoreResult<Vec<Rating>>;
    async fn rating_summary(&self, user: UserId) -> StoreResult<Option<RatingSummary>>;
    /// Pickups of trips requested at or after `since` (surge demand), at most `limit`, newest first.
    async fn pickups_since(&self, since: DateTime<Utc>, limit: usize)
        -> StoreResult<Vec<Position>>;
    async fn put_photo(
        &self,
        user: UserId,
        content_type: &str,
        bytes: &[u8],
        at: DateTime<Utc>,
    ) -> StoreResult<()>;
    /// `(content_type, bytes)`.
    async fn photo(&self, user: UserId) -> StoreResult<Option<(String, Vec<u8>)>>;
}
