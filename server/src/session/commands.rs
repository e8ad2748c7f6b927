//! What each client command does for this session.

use super::driver::Change;
use super::Session;
use crate::domain::trip::TripCommand;
use crate::metrics as m;
use crate::node::trips::{CancelWhy, TripRequest};
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
    /// Runs a parsed command; the trip it touched goes into the `ok`. A
    /// command that answers later takes the `reference` (the caller then
    /// sends nothing now).
    pub(super) async fn execute(
        &mut self,
        msg: ClientMessage,
        reference: &mut Option<String>,
    ) -> Result<Option<Trip>, CommandError> {
        let node = self.node.clone();
        let trip = match msg {
            ClientMessage::Location(loc) => {
                let (pos, heading, speed, at) =
                    (loc.position(), loc.heading(), loc.speed(), loc.taken_at());
                let stale = self.node.config.dispatch.stale_after;
                let max_age = crate::domain::clock::span(stale);
                let (at, replaced) = crate::domain::clock::point_time(at, Utc::now(), max_age);
                if replaced {
                    m::location_time_replaced();
                }
                self.location(pos, heading, speed, at, reference).await?;
                return Ok(None);
            }
            ClientMessage::DriverAvailable { available } => {
                self.driver.on_duty = available;
                self.sync_availability().await?;
                return Ok(None);
            }
            ClientMessage::TripRequest {
                pickup,
                dropoff,
                class,
                quote_id,
            } => {
                let request = TripRequest {
                    pickup,
                    dropoff,
                    class,
                    quote_id,
                };
                Some(node.request_trip(self.actor, request).await?)
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
            ClientMessage::TripCancel {
                trip_id,
                reason,
                code,
            } => {
                let why = CancelWhy { code, note: reason };
                node.trip_command(self.actor, trip_id, TripCommand::Cancel, Some(why))
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
        reference: &mut Option<String>,
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
        let point = GpsPoint {
            trip_id: driving.id,
            driver_id: self.actor.id,
            lat: pos.lat(),
            lng: pos.lng(),
            heading,
            speed,
            at,
            received_at,
        };
        let gps = &self.node.gps;
        let unavailable = |e: crate::node::gps::PushError| CommandError::Unavailable(e.to_string());
        if reference.is_none() {
            gps.push(point).await.map_err(unavailable)?;
        } else {
            // A refused point is answered now (the reference stays for the
            // error); a taken one once it is written.
            let written = gps.push_acked(point).await.map_err(unavailable)?;
            if let Some(reference) = reference.take() {
                self.answer_when_written(reference, written);
            }
        }
        let model = &self.node.config.ride.fares.estimate;
        let eta = driving.target.map(|(to, at)| {
            (
                crate::domain::estimate::pickup_eta_secs(&pos, &at, model),
                to,
            )
        });
        let msg = ServerMessage::DriverLocation {
            trip_id: driving.id,
            lat: pos.lat(),
            lng: pos.lng(),
            heading,
            at,
            eta_s: eta.map(|(s, _)| s),
            eta_to: eta.map(|(_, to)| to),
        };
        self.node.send_location(driving.rider, &msg).await?;
        Ok(())
    }

    /// A driver that asked for an answer (`ref`) gets `ok` once the point
    /// is written, so an acknowledged point survives even a `kill -9` of
    /// this node; the session goes on meanwhile.
    fn answer_when_written(&self, reference: String, written: tokio::sync::oneshot::Receiver<()>) {
        let outbox = self.outbox.clone();
        tokio::spawn(async move {
            let answer = match written.await {
                Ok(()) => ServerMessage::Ok {
                    reference,
                    trip: None,
                },
                Err(_) => ServerMessage::Error {
                    reference: Some(reference),
                    code: hail_protocol::ErrorCode::Unavailable,
                    message: "the node stopped before the point was written".into(),
                },
            };
            let _ = outbox.send(answer.into()).await;
        });
    }
}
