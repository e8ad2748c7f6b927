//! What each client command does for this session.

use super::driver::Change;
use super::Session;
use crate::domain::trip::TripCommand;
use crate::metrics as m;
use crate::node::CommandError;
use crate::store::GpsPoint;
use axum::extract::ws::Message;
use chrono::Utc;
use futures_util::{Sink, Stream};
use hail_protocol::{ClientMessage, Position, ServerMessage, Trip};
use tokio::time::Instant;

impl<S, E> Session<S>
where
    S: Stream<Item = Result<Message, E>> + Sink<Message> + Unpin,
    E: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    /// Runs a parsed command; the trip it touched goes into the `ok`.
    pub(super) async fn execute(
        &mut self,
        msg: ClientMessage,
    ) -> Result<Option<Trip>, CommandError> {
        let node = self.node.clone();
        let trip = match msg {
            ClientMessage::Location {
                lat,
                lng,
                heading,
                speed,
                at,
            } => {
                let pos = Position { lat, lng };
                self.location(pos, heading, speed, at.unwrap_or_else(Utc::now))
                    .await?;
                return Ok(None);
            }
            ClientMessage::DriverAvailable { available } => {
                self.driver.on_duty = available;
                self.sync_availability().await?;
                return Ok(None);
            }
            ClientMessage::TripRequest { pickup, dropoff } => {
                Some(node.request_trip(self.actor, pickup, dropoff).await?)
            }
            ClientMessage::TripAccept { trip_id } => {
                node.trip_command(self.actor, trip_id, TripCommand::Accept, None)
                    .await?
            }
            ClientMessage::TripDecline { trip_id } => {
                node.trip_command(self.actor, trip_id, TripCommand::Decline, None)
                    .await?
            }
            ClientMessage::TripArrive { trip_id } => {
                node.trip_command(self.actor, trip_id, TripCommand::Arrive, None)
                    .await?
            }
            ClientMessage::TripStart { trip_id } => {
                node.trip_command(self.actor, trip_id, TripCommand::Start, None)
                    .await?
            }
            ClientMessage::TripComplete { trip_id } => {
                node.trip_command(self.actor, trip_id, TripCommand::Complete, None)
                    .await?
            }
            ClientMessage::TripCancel { trip_id, reason } => {
                node.trip_command(self.actor, trip_id, TripCommand::Cancel, reason)
                    .await?
            }
        };
        if let Some(trip) = &trip {
            self.observe(trip).await;
        }
        Ok(trip)
    }

    /// Every event passes here before it is written: a driver learns of
    /// the trips it drives (and stops driving) from `trip.updated`.
    pub(super) async fn on_event(&mut self, msg: &ServerMessage) {
        if let ServerMessage::TripUpdated { trip } = msg {
            self.observe(trip).await;
        }
    }

    async fn observe(&mut self, trip: &Trip) {
        if self.actor.role != hail_protocol::Role::Driver {
            return;
        }
        match self.driver.observe(self.actor.id, trip) {
            Change::None => {}
            Change::StartedDriving | Change::StoppedDriving => {
                if let Err(e) = self.sync_availability().await {
                    tracing::warn!(driver = %self.actor.id, "availability not updated: {e}");
                }
            }
        }
    }

    /// Puts the driver in the geo index exactly when on duty, not driving,
    /// and holding a fresh position.
    async fn sync_availability(&mut self) -> Result<(), CommandError> {
        let stale = self.node.config.dispatch.stale_after;
        let available = self.driver.on_duty && self.driver.driving.is_none();
        match (available, self.driver.fresh_position(stale)) {
            (true, Some((pos, at_ms))) => {
                self.node.geo.upsert(self.actor.id, pos, at_ms).await?;
                self.driver.indexed_at = Some(Instant::now());
            }
            _ => {
                self.node.geo.remove(self.actor.id).await?;
                self.driver.indexed_at = None;
            }
        }
        Ok(())
    }

    async fn location(
        &mut self,
        pos: Position,
        heading: Option<f64>,
        speed: Option<f64>,
        at: chrono::DateTime<Utc>,
    ) -> Result<(), CommandError> {
        let received_at = Utc::now();
        self.driver.last = Some((pos, Instant::now(), received_at.timestamp_millis()));
        let Some(driving) = self.driver.driving else {
            let every = self.node.config.dispatch.index_interval;
            if self.driver.on_duty && self.driver.index_due(every) {
                self.node
                    .geo
                    .upsert(self.actor.id, pos, received_at.timestamp_millis())
                    .await?;
                self.driver.indexed_at = Some(Instant::now());
            }
            return Ok(());
        };
        m::gps_point_in();
        // Persist first: a point the rider saw is a point in the track.
        self.node
            .gps
            .push(GpsPoint {
                trip_id: driving.id,
                driver_id: self.actor.id,
                lat: pos.lat,
                lng: pos.lng,
                heading,
                speed,
                at,
                received_at,
            })
            .await
            .map_err(|e| CommandError::Unavailable(e.to_string()))?;
        let msg = ServerMessage::DriverLocation {
            trip_id: driving.id,
            lat: pos.lat,
            lng: pos.lng,
            heading,
            at,
        };
        self.node.send_to(driving.rider, &msg).await?;
        Ok(())
    }
}
