//! Trip commands: decide with the pure state machine, apply atomically in
//! the store, then tell everyone concerned through the bus.

use super::dispatcher::{self, Signal};
use super::{Actor, CommandError, Node, Outbound};
use crate::domain::trip::{cancelled_by, decide, OfferState, Outcome, Party, Refusal, TripCommand};
use crate::keys::{NodeTag, Topic};
use crate::metrics as m;
use crate::store::{NewTrip, OfferEnd, OfferStatus, StoreResult, Transition, TripRecord};
use chrono::{DateTime, Utc};
use hail_protocol::{
    CancelReason, Place, Role, ServerMessage, Trip, TripId, TripStatus, UserId, WithdrawReason,
};
use std::sync::Arc;

/// A `trip.request`'s fields.
#[derive(Debug, Clone)]
pub struct TripRequest {
    pub pickup: Place,
    pub dropoff: Place,
    pub class: Option<String>,
    pub quote_id: Option<String>,
}

/// Why a cancel: one of the role's fixed reasons and/or free text.
#[derive(Debug, Clone, Default)]
pub struct CancelWhy {
    pub code: Option<CancelReason>,
    pub note: Option<String>,
}

/// Attempts before a command that keeps losing races gives up.
const MAX_ATTEMPTS: usize = 4;

impl Node {
    /// A rider asks for a trip: it is stored `requested` and a dispatcher
    /// starts offering it on this node.
    pub async fn request_trip(
        self: &Arc<Self>,
        rider: Actor,
        request: TripRequest,
    ) -> Result<Trip, CommandError> {
        let TripRequest {
            pickup,
            dropoff,
            class,
            quote_id,
        } = request;
        let received = std::time::Instant::now();
        let now = Utc::now();
        // The first round's search needs only the pickup: it runs while the
        // request is checked and stored, not after.
        let searched = dispatcher::search_early(self, pickup.position());
        // Two reads side by side; when both refuse, the price's
        // refusal is the one the rider sees, as before.
        let (priced, rate) = tokio::join!(
            self.price_request(rider, &pickup, &dropoff, class, quote_id),
            self.check_request_rate(rider, now)
        );
        let priced = priced?;
        rate?;
        let trip = self
            .store
            .create_trip(NewTrip {
                id: TripId::new(),
                rider_id: rider.id,
                pickup,
                dropoff,
                class: priced.class,
                quote_id: priced.quote_id,
                estimate: Some(priced.estimate),
                requested_at: now,
                node_id: self.id().to_string(),
                lease_until: now + crate::domain::clock::span(self.config.dispatch.lease),
            })
            .await?;
        m::trip_requested();
        // The rider's other connections (and a client that sent no `ref`)
        // learn of the new trip like of any other status change: published
        // with the first round's offers, before any later update.
        let mut first = Outbound::default();
        first.to_user(rider.id, &ServerMessage::TripUpdated { trip: trip.clone() });
        dispatcher::spawn(self.clone(), trip.clone(), first, received, Some(searched));
        Ok(trip)
    }

    /// A rider's trip requests are bounded per window (request -> cancel
    /// loops would otherwise keep drivers busy with trips nobody takes).
    /// Counted from the store, so the bound holds across nodes.
    async fn check_request_rate(
        &self,
        rider: Actor,
        now: DateTime<Utc>,
    ) -> Result<(), CommandError> {
        let d = &self.config.dispatch;
        if d.trip_requests_per_window == 0 {
            return Ok(());
        }
        let window = crate::domain::clock::span(d.trip_request_window);
        let recent = self
            .store
            .trips_requested_since(rider.id, now - window, d.trip_requests_per_window)
            .await?;
        if recent >= d.trip_requests_per_window {
            m::trip_request_limited();
            return Err(CommandError::RateLimited {
                message: format!(
                    "at most {} trip requests per {} s; try again later",
                    d.trip_requests_per_window,
                    d.trip_request_window.as_secs()
                ),
                retry_after: d.trip_request_window,
            });
        }
        Ok(())
    }

    /// How `actor` relates to the trip.
    async fn party(&self, record: &TripRecord, actor: Actor) -> Result<Party, CommandError> {
        if record.rider_id == actor.id {
            return Ok(Party::Rider);
        }
        if record.driver_id == Some(actor.id) {
            return Ok(Party::AssignedDriver);
        }
        if actor.role != Role::Driver {
            return Ok(Party::Stranger);
        }
        Ok(
            match self.store.offer_status(record.trip.id, actor.id).await? {
                None => Party::Stranger,
                Some(OfferStatus::Pending) => Party::OfferedDriver(OfferState::Live),
                Some(OfferStatus::Ended(OfferEnd::Declined)) => {
                    Party::OfferedDriver(OfferState::Declined)
                }
                Some(_) => Party::OfferedDriver(OfferState::Ended),
            },
        )
    }

    /// Runs a command on an existing trip. Returns the trip when it changed.
    pub async fn trip_command(
        &self,
        actor: Actor,
        trip_id: TripId,
        cmd: TripCommand,
        why: Option<CancelWhy>,
    ) -> Result<Option<Trip>, CommandError> {
        let why = why.unwrap_or_default();
        if cmd == TripCommand::Cancel {
            Self::check_cancel_reason(actor.role, why.code, why.note.as_deref())?;
        }
        for _ in 0..MAX_ATTEMPTS {
            let mut record = self.store.trip(trip_id).await?.ok_or(Refusal::NotFound)?;
            let party = self.party(&record, actor).await?;
            if matches!(party, Party::OfferedDriver(_)) {
                // Offers end after the trip changes (e.g. withdrawn once it
                // is taken): read the trip again, after the offer, so a
                // withdrawn offer is never judged against a stale status.
                record = self.store.trip(trip_id).await?.ok_or(Refusal::NotFound)?;
            }
            let from = record.trip.status;
            let to = match decide(from, party, cmd) {
                Ok(Outcome::Move(to)) => to,
                Ok(Outcome::Decline) => {
                    let ended = self
                        .store
                        .end_offers(trip_id, Some(&[actor.id]), OfferEnd::Declined, Utc::now())
                        .await?;
                    if ended.is_empty() {
                        continue; // the offer ended meanwhile: decide again
                    }
                    let mut out = Outbound::default();
                    self.signal_dispatcher(
                        &mut out,
                        trip_id,
                        record.dispatch_node.as_deref(),
                        Signal::Declined { driver: actor.id },
                    );
                    self.notify_all(out).await;
                    return Ok(None);
                }
                Err(Refusal::TripTaken) => {
                    // This offer ends by losing the race: no withdrawal later.
                    self.store
                        .end_offers(trip_id, Some(&[actor.id]), OfferEnd::Lost, Utc::now())
                        .await?;
                    return Err(Refusal::TripTaken.into());
                }
                Err(refusal) => return Err(refusal.into()),
            };
            let ends_driving = from.is_driving() && !to.is_active();
            if ends_driving && party == Party::AssignedDriver {
                // The driver's queued points belong to this trip: land them
                // first, so the track is complete when the trip ends (and
                // the fare is priced from all of it).
                if self.gps.barrier().await.is_err() {
                    return Err(CommandError::Unavailable("GPS writer stopped".into()));
                }
            }
            // Whole microseconds, as both stores keep them: the fare is
            // priced from the same instants the trip record then shows.
            let at = chrono::SubsecRound::trunc_subsecs(Utc::now(), 6);
            let fare = match to {
                TripStatus::Completed => Some(self.final_fare(&record, at).await?),
                _ => None,
            };
            let vehicle = match to {
                TripStatus::Accepted => self.store.vehicle(actor.id).await?,
                _ => None,
            };
            let cancelled = to == TripStatus::Cancelled;
            let transition = Transition {
                trip_id,
                from,
                to,
                actor: Some(actor.id),
                assign_driver: (to == TripStatus::Accepted).then_some(actor.id),
                cancelled_by: cancelled.then(|| cancelled_by(party)),
                reason: why.note.clone(),
                at,
                node_id: self.id().to_string(),
                fare,
                vehicle,
                cancel_reason: why.code.filter(|_| cancelled),
                cancel_fee: cancelled
                    .then(|| self.cancel_fee(&record.trip, actor.role, at))
                    .flatten(),
            };
            let (changed, ended) = self.store_transition(&transition).await?;
            let Some(trip) = changed else {
                if let Some(ended) = ended {
                    self.withdraw_ended(trip_id, ended, transition.to).await;
                }
                continue; // lost a race: the trip or the offer changed
            };
            if let Some(fare) = &trip.fare {
                m::fare(fare.total);
            }
            self.after_transition(from, &trip, record.dispatch_node.as_deref(), ended)
                .await;
            return Ok(Some(trip));
        }
        Err(CommandError::Conflict("the trip keeps changing; try again"))
    }

    /// Stores a change. One out of `requested` that is not an accept ends
    /// the trip's pending offers in the same store round trip: the drivers
    /// it ended come back (`Some`) for the caller to withdraw, even when
    /// the change itself lost a race.
    pub async fn store_transition(
        &self,
        t: &Transition,
    ) -> StoreResult<(Option<Trip>, Option<Vec<UserId>>)> {
        if t.from != TripStatus::Requested || t.assign_driver.is_some() {
            return Ok((self.store.transition(t).await?, None));
        }
        let (trip, ended) = self
            .store
            .leave_requested(t, offer_end(withdraw_reason(t.to)))
            .await?;
        Ok((trip, Some(ended)))
    }

    /// Withdraws offers a lost change ended anyway (another change to the
    /// same status won, and this call's end found the offers first).
    pub(super) async fn withdraw_ended(&self, trip: TripId, ended: Vec<UserId>, to: TripStatus) {
        if ended.is_empty() {
            return;
        }
        let mut out = Outbound::default();
        withdrawals(&mut out, trip, ended, withdraw_reason(to));
        self.notify_all(out).await;
    }

    /// Tells everyone concerned about a status change that was just stored,
    /// in one bus batch. `dispatcher` is the node that held the trip's
    /// dispatch lease (when the trip leaves `requested`); `ended`, the
    /// offers the store already ended with the change
    /// ([`Node::store_transition`]), else they end here.
    pub async fn after_transition(
        &self,
        from: TripStatus,
        trip: &Trip,
        dispatcher: Option<&str>,
        ended: Option<Vec<UserId>>,
    ) {
        let status = trip.status;
        let mut out = Outbound::default();
        if from == TripStatus::Requested {
            // The trip left dispatch: stop the dispatcher and withdraw every
            // other live offer (each ends exactly once: the store decides).
            let reason = withdraw_reason(status);
            self.signal_dispatcher(&mut out, trip.id, dispatcher, Signal::Closed);
            match ended {
                Some(ended) => withdrawals(&mut out, trip.id, ended, reason),
                None => self.end_offers(trip.id, None, reason, &mut out).await,
            }
        }
        if status == TripStatus::Accepted {
            m::accept();
            if let Some(driver) = &trip.driver {
                // On a trip: no more offers. The index is also checked by the
                // offer insert, so a failure here cannot double-book.
                if let Err(e) = self.geo.remove(driver.id).await {
                    tracing::warn!(driver = %driver.id, "could not drop driver from the geo index: {e}");
                }
            }
        }
        if !status.is_active() {
            m::trip_ended(status.as_str());
        }
        let msg = ServerMessage::TripUpdated { trip: trip.clone() };
        let driver = trip.driver.as_ref().map(|d| d.id);
        out.to_users(std::iter::once(trip.rider.id).chain(driver), &msg);
        self.notify_all(out).await;
    }

    /// Ends pending offers (of `drivers`, or all) and tells each driver
    /// whose offer this call ended.
    pub async fn withdraw_offers(
        &self,
        trip: TripId,
        drivers: Option<&[UserId]>,
        reason: WithdrawReason,
    ) {
        let mut out = Outbound::default();
        self.end_offers(trip, drivers, reason, &mut out).await;
        self.notify_all(out).await;
    }

    /// Ends pending offers and adds a withdrawal for each driver whose
    /// offer this call ended to `out`.
    async fn end_offers(
        &self,
        trip: TripId,
        drivers: Option<&[UserId]>,
        reason: WithdrawReason,
        out: &mut Outbound,
    ) {
        let end = offer_end(reason);
        let ended = match self.store.end_offers(trip, drivers, end, Utc::now()).await {
            Ok(ended) => ended,
            Err(e) => {
                tracing::warn!(%trip, "could not withdraw offers: {e}");
                return;
            }
        };
        withdrawals(out, trip, ended, reason);
    }

    /// Tells a trip's dispatcher: directly when it runs on this node, else
    /// on its node's dispatch topic (in `out`). A signal that finds no
    /// dispatcher is dropped: each one also re-reads the trip (lease
    /// renewal, offer inserts check the status), so a lost signal only
    /// delays it.
    fn signal_dispatcher(
        &self,
        out: &mut Outbound,
        trip: TripId,
        node: Option<&str>,
        signal: Signal,
    ) {
        let Err(signal) = self.registry.signal_dispatcher(trip, signal) else {
            return; // delivered here
        };
        if let Some(node) = node.filter(|n| *n != self.id()) {
            out.push(
                Topic::Dispatch(NodeTag::of(node)),
                &dispatcher::SignalFor { trip, signal },
            );
        }
    }
}

/// A `trip.offer_withdrawn` to each driver whose offer of `trip` ended.
fn withdrawals(out: &mut Outbound, trip: TripId, drivers: Vec<UserId>, reason: WithdrawReason) {
    if drivers.is_empty() {
        return;
    }
    out.to_users(
        drivers,
        &ServerMessage::OfferWithdrawn {
            trip_id: trip,
            reason,
        },
    );
}

/// Why the other offers of a trip that left `requested` for `to` end.
fn withdraw_reason(to: TripStatus) -> WithdrawReason {
    match to {
        TripStatus::Accepted => WithdrawReason::Taken,
        TripStatus::Cancelled => WithdrawReason::Cancelled,
        _ => WithdrawReason::Expired,
    }
}

/// How an offer withdrawn for `reason` is recorded.
fn offer_end(reason: WithdrawReason) -> OfferEnd {
    match reason {
        WithdrawReason::Expired => OfferEnd::Expired,
        _ => OfferEnd::Withdrawn,
    }
}
