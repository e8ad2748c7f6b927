//! Operator actions on trips, users and nodes (the monitor's buttons).
//! Each is idempotent: doing it again reports `unchanged`. Effects travel
//! the usual way: trip changes through `after_transition` (both sides get
//! `trip.updated`), socket closes and drains over the bus, so they reach
//! every node.

use super::registry::{Control, NodeControl};
use super::{dispatcher, Node, Outbound};
use crate::bus::{BusError, Topic};
use crate::store::{StoreError, Transition};
use chrono::Utc;
use hail_protocol::operator::ActionResult;
use hail_protocol::{CancelledBy, Role, ServerMessage, TripId, TripStatus, UserId};
use std::sync::Arc;

/// Why an action did nothing.
#[derive(Debug, thiserror::Error)]
pub enum ActionError {
    #[error("not found")]
    NotFound,
    /// Refused by the target's state (a final trip, an admin to suspend).
    #[error("{0}")]
    Conflict(&'static str),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Bus(#[from] BusError),
}

/// What an action did (it goes into the audit log).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub result: ActionResult,
    pub detail: Option<String>,
}

impl Outcome {
    fn done() -> Self {
        Self {
            result: ActionResult::Done,
            detail: None,
        }
    }

    fn unchanged(why: &str) -> Self {
        Self {
            result: ActionResult::Unchanged,
            detail: Some(why.to_string()),
        }
    }
}

const ATTEMPTS: usize = 5;

impl Node {
    /// Cancels a trip in any non-final status, as the system
    /// (`cancelled_by: system`, no fee); a cancelled trip is `unchanged`,
    /// a completed or expired one a conflict.
    pub async fn operator_cancel(&self, trip_id: TripId) -> Result<Outcome, ActionError> {
        for _ in 0..ATTEMPTS {
            let record = self
                .store
                .trip(trip_id)
                .await?
                .ok_or(ActionError::NotFound)?;
            let from = record.trip.status;
            if from == TripStatus::Cancelled {
                return Ok(Outcome::unchanged("already cancelled"));
            }
            if !from.is_active() {
                return Err(ActionError::Conflict(match from {
                    TripStatus::Completed => {
                        "the trip is completed: only active trips are cancelled"
                    }
                    _ => "the trip is expired: only active trips are cancelled",
                }));
            }
            let transition = Transition {
                trip_id,
                from,
                to: TripStatus::Cancelled,
                actor: None,
                assign_driver: None,
                cancelled_by: Some(CancelledBy::System),
                reason: Some("cancelled by an operator".into()),
                at: chrono::SubsecRound::trunc_subsecs(Utc::now(), 6),
                node_id: self.id().to_string(),
                fare: None,
                vehicle: None,
                cancel_reason: None,
                cancel_fee: None,
            };
            let (changed, ended) = self.store_transition(&transition).await?;
            if let Some(trip) = changed {
                self.after_transition(from, &trip, record.dispatch_node.as_deref(), ended)
                    .await;
                return Ok(Outcome::done());
            }
            if let Some(ended) = ended {
                self.withdraw_ended(trip_id, ended, TripStatus::Cancelled)
                    .await;
            }
        }
        Err(ActionError::Conflict("the trip keeps changing; try again"))
    }

    /// Puts an expired (or stuck requested) trip back into dispatch, run
    /// by this node from round 1, as if requested now: drivers are offered
    /// it again. A requested trip whose dispatcher runs here is `unchanged`;
    /// one held elsewhere moves here (the old holder stops at its next
    /// lease renewal).
    pub async fn operator_redispatch(
        self: &Arc<Self>,
        trip_id: TripId,
    ) -> Result<Outcome, ActionError> {
        let record = self
            .store
            .trip(trip_id)
            .await?
            .ok_or(ActionError::NotFound)?;
        let from = record.trip.status;
        if !matches!(from, TripStatus::Requested | TripStatus::Expired) {
            return Err(ActionError::Conflict(
                "only expired or requested trips are re-dispatched",
            ));
        }
        if from == TripStatus::Requested && self.registry.has_dispatcher(trip_id) {
            return Ok(Outcome::unchanged("its dispatch is running on this node"));
        }
        let now = chrono::SubsecRound::trunc_subsecs(Utc::now(), 6);
        let until = now + crate::domain::clock::span(self.config.dispatch.lease);
        let trip = match self
            .store
            .reopen_dispatch(trip_id, self.id(), now, until)
            .await
        {
            Ok(Some(trip)) => trip,
            Ok(None) => return Err(ActionError::Conflict("the trip left dispatch meanwhile")),
            Err(StoreError::Conflict(why)) => return Err(ActionError::Conflict(why)),
            Err(e) => return Err(e.into()),
        };
        let mut first = Outbound::default();
        first.to_user(
            trip.rider.id,
            &ServerMessage::TripUpdated { trip: trip.clone() },
        );
        dispatcher::spawn(self.clone(), trip, first, std::time::Instant::now(), None);
        Ok(Outcome::done())
    }

    /// Closes every socket of the user on every node (1008); they may
    /// reconnect. Always `done`: a user with no socket open is no error.
    pub async fn operator_disconnect(&self, user: UserId) -> Result<Outcome, ActionError> {
        self.store
            .account(user)
            .await?
            .ok_or(ActionError::NotFound)?;
        self.bus
            .publish(Topic::User(user), Control::Disconnect.encode())
            .await?;
        Ok(Outcome::done())
    }

    /// Suspends a rider or driver: log-in, refresh and tokens are refused,
    /// every socket closes with 4003 on every node, and a driver leaves
    /// the available index (no offers). Or lifts the suspension.
    pub async fn operator_suspend(
        &self,
        user: UserId,
        suspend: bool,
    ) -> Result<Outcome, ActionError> {
        let account = self
            .store
            .account(user)
            .await?
            .ok_or(ActionError::NotFound)?;
        if account.user.role == Role::Admin {
            return Err(ActionError::Conflict(
                "only riders and drivers are suspended",
            ));
        }
        let changed = self.store.set_suspended(user, suspend, Utc::now()).await?;
        if suspend {
            // Also when unchanged: a retry closes sockets a lost message left.
            self.bus
                .publish(Topic::User(user), Control::Revoke.encode())
                .await?;
            if account.user.role == Role::Driver {
                if let Err(e) = self.geo.remove(user).await {
                    tracing::warn!(%user, "suspended driver still in the geo index: {e}");
                }
            }
        }
        Ok(match (changed, suspend) {
            (true, _) => Outcome::done(),
            (false, true) => Outcome::unchanged("already suspended"),
            (false, false) => Outcome::unchanged("not suspended"),
        })
    }

    /// Asks the node `id` (any node, this one included) to drain as on
    /// SIGTERM. 404 for a node not in the nodes list.
    pub async fn operator_drain(&self, id: &str) -> Result<Outcome, ActionError> {
        let nodes = self
            .presence
            .nodes()
            .await
            .map_err(|e| BusError::Unavailable(e.to_string()))?;
        if !nodes.iter().any(|n| n.id == id) {
            return Err(ActionError::NotFound);
        }
        self.bus
            .publish(
                Topic::Nodes,
                NodeControl::Drain { node: id.into() }.encode(),
            )
            .await?;
        Ok(Outcome::done())
    }
}
