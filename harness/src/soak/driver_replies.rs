//! How the soak driver answers what the server sends: offers (accept after
//! a short delay, or decline), `ok` for points, accepts and trip commands,
//! and errors (`unavailable` is retried; anything unexpected resyncs).

use super::connection::{tx, End};
use super::driver::{is_mine, location_frame, DState, Driver};
use super::params::RETRY_AFTER;
use crate::client::Socket;
use hail_protocol::{ClientMessage, ErrorCode, ServerMessage, Trip, TripStatus};
use rand::Rng;
use std::time::{Duration, Instant};

impl Driver {
    /// Right after `hello`: resume from its trip, then position and duty
    /// again (duty is per connection), then the points still owed.
    pub(super) async fn resume(&mut self, ws: &mut Socket, trip: Option<Trip>) -> Result<(), End> {
        let mine = trip.filter(|t| t.status.is_driving() && is_mine(t, self.me));
        match mine {
            Some(trip) => {
                self.note_trip(&trip);
                let known = matches!(&self.state, DState::OnTrip(r) if r.id == trip.id);
                if known {
                    let same = matches!(&self.state, DState::OnTrip(r) if r.status == trip.status);
                    if same {
                        if let DState::OnTrip(r) = &mut self.state {
                            r.cmd = None; // unanswered: send it again when due
                        }
                    } else {
                        // A command went through but its answer was lost.
                        self.t.count("commands_answered_by_hello");
                        self.state = DState::OnTrip(Box::new(self.ride(&trip)));
                    }
                } else {
                    // An accept whose `ok` was lost with the socket.
                    self.t.count("accepts_adopted");
                    self.sh
                        .evidence()
                        .adopted
                        .entry(trip.id)
                        .or_default()
                        .insert(self.me);
                    self.state = DState::OnTrip(Box::new(self.ride(&trip)));
                }
            }
            None => {
                match &self.state {
                    DState::OnTrip(_) => self.t.count("trips_ended_while_away"),
                    DState::Accepting { .. } => self.t.count("accepts_lost_with_socket"),
                    DState::Idle => {}
                }
                self.state = DState::Idle;
            }
        }
        match self.active_trip() {
            Some(trip) => self.send_new_point(ws, trip).await?,
            None => {
                let pos = self.current_pos();
                let r = self.next_ref("l");
                tx(ws, &location_frame(pos, None).with_ref(r)).await?;
            }
        }
        let r = self.next_ref("on");
        tx(
            ws,
            &ClientMessage::DriverAvailable { available: true }.with_ref(r),
        )
        .await?;
        self.resend_points(ws).await
    }
    pub(super) async fn on_message(
        &mut self,
        ws: &mut Socket,
        msg: ServerMessage,
    ) -> Result<(), End> {
        match msg {
            ServerMessage::TripOffer { trip, .. } => {
                self.t.count("offers_received");
                self.sh.first_offer.offered(trip.id);
                if matches!(self.state, DState::Idle) && self.offer.is_none() {
                    let delay = Duration::from_millis(
                        self.rng.random_range(self.p.timing.accept_delay_ms.clone()),
                    );
                    self.offer = Some((trip.id, Instant::now() + delay, false));
                } else {
                    self.t.count("offers_declined");
                    let r = self.next_ref("d");
                    tx(
                        ws,
                        &ClientMessage::TripDecline { trip_id: trip.id }.with_ref(r),
                    )
                    .await?;
                }
            }
            ServerMessage::OfferWithdrawn { trip_id, .. }
                if self.offer.is_some_and(|(id, _, _)| id == trip_id) =>
            {
                self.offer = None;
            }
            ServerMessage::Ok { reference, trip } => self.on_ok(reference, trip)?,
            ServerMessage::Error {
                reference, code, ..
            } => self.on_error(reference, code)?,
            ServerMessage::TripUpdated { trip }
                if self.active_trip() == Some(trip.id) && !trip.status.is_active() =>
            {
                self.t
                    .count(&format!("trips_{}_by_update", trip.status.as_str()));
                self.state = DState::Idle;
            }
            _ => {}
        }
        Ok(())
    }

    fn on_ok(&mut self, reference: String, trip: Option<Trip>) -> Result<(), End> {
        if reference.starts_with('g') {
            if let Some((point, took)) = self.book.acked(&reference) {
                self.t.gps_ack.record(took);
                self.sh.live.points_acked.inc();
                self.sh
                    .evidence()
                    .acked
                    .entry(point.trip)
                    .or_default()
                    .insert(point.key());
            }
            return Ok(());
        }
        match &self.state {
            DState::Accepting {
                reference: r, sent, ..
            } if *r == reference => {
                let Some(trip) = trip else {
                    return Err(End::Resync("accept_ok_without_trip"));
                };
                self.t.accept.record(sent.elapsed());
                self.t.count("accepts_won");
                self.note_trip(&trip);
                self.sh
                    .evidence()
                    .accept_oks
                    .entry(trip.id)
                    .or_default()
                    .insert(self.me);
                if trip.status.is_driving() && is_mine(&trip, self.me) {
                    self.state = DState::OnTrip(Box::new(self.ride(&trip)));
                } else {
                    return Err(End::Resync("accept_ok_not_mine"));
                }
            }
            DState::OnTrip(r) if r.cmd.as_ref().is_some_and(|(c, _)| *c == reference) => {
                let Some(trip) = trip else {
                    return Err(End::Resync("command_ok_without_trip"));
                };
                if trip.status.is_driving() {
                    self.state = DState::OnTrip(Box::new(self.ride(&trip)));
                } else {
                    if trip.status == TripStatus::Completed {
                        self.t.count("trips_completed_by_driver");
                        self.sh.live.completed.inc();
                    }
                    self.state = DState::Idle;
                }
            }
            _ => {}
        }
        Ok(())
    }

    fn on_error(&mut self, reference: Option<String>, code: ErrorCode) -> Result<(), End> {
        let unavailable = self.sh.count_error(&mut self.t, code);
        let Some(reference) = reference else {
            return Ok(());
        };
        if reference.starts_with('g') {
            if self.book.refused(&reference) {
                self.t.count("points_refused");
            }
            return Ok(());
        }
        if reference.starts_with("on") {
            if unavailable {
                self.duty_retry = Some(Instant::now() + RETRY_AFTER);
            }
            return Ok(());
        }
        match &mut self.state {
            DState::Accepting {
                trip,
                reference: r,
                retried,
                ..
            } if *r == reference => {
                let (trip, retried) = (*trip, *retried);
                self.state = DState::Idle;
                if unavailable {
                    self.offer = Some((trip, Instant::now() + RETRY_AFTER, true));
                } else if code == ErrorCode::TripTaken {
                    self.t.count("accepts_lost");
                } else if retried {
                    // An earlier attempt may have gone through: ask `hello`.
                    return Err(End::Resync("accept_retry_refused"));
                } else {
                    self.t.count(&format!("accepts_refused_{}", code.as_str()));
                }
            }
            DState::OnTrip(r) if r.cmd.as_ref().is_some_and(|(c, _)| *c == reference) => {
                r.cmd = None;
                if unavailable {
                    r.next_at = Instant::now() + RETRY_AFTER;
                } else {
                    // Not what we believe the trip's status is: ask `hello`.
                    self.t.count(&format!("commands_refused_{}", code.as_str()));
                    return Err(End::Resync("command_refused"));
                }
            }
            _ => {}
        }
        Ok(())
    }
}
