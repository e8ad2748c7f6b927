//! The simulated soak driver: goes on duty, accepts offers, drives its
//! trip on its own timer (arrive, start, complete) with GPS points that must
//! each be answered `ok`, and reconnects to the next node when its
//! connection ends, resuming from `hello.trip`.

use super::connection::{tx, End, Reconnect};
use super::evidence::{Point, PointBook};
use super::params::{SoakParams, REPLY_TIMEOUT};
use super::shared::Shared;
use crate::client::{self, Account, Incoming, Socket};
use crate::movement::{random_point, Leg};
use crate::tally::Tally;
use chrono::{DateTime, SubsecRound, Utc};
use hail_protocol::ws::ClientFrame;
use hail_protocol::{ClientMessage, Location, Position, Trip, TripId, TripStatus, UserId};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::task::JoinHandle;

pub(super) fn location_frame(pos: Position, at: Option<DateTime<Utc>>) -> ClientMessage {
    ClientMessage::Location(Location::at(pos).with_time(at))
}

fn leg_over(from: Position, to: Position, secs: f64) -> Leg {
    Leg {
        from,
        to,
        speed_mps: (from.distance_m(&to) / secs.max(0.1)).max(1.0),
    }
}

pub(super) fn is_mine(trip: &Trip, me: UserId) -> bool {
    trip.driver.as_ref().is_some_and(|d| d.id == me)
}

/// A trip being driven, on the driver's own timer.
pub(super) struct Ride {
    pub(super) id: TripId,
    pub(super) status: TripStatus,
    /// When to send the next command (arrive, start or complete).
    pub(super) next_at: Instant,
    /// The command in flight: its ref and when it went.
    pub(super) cmd: Option<(String, Instant)>,
    pub(super) leg: Leg,
    pub(super) leg_started: Instant,
}

pub(super) enum DState {
    Idle,
    Accepting {
        trip: TripId,
        reference: String,
        sent: Instant,
        retried: bool,
    },
    OnTrip(Box<Ride>),
}

pub(super) struct Driver {
    pub(super) p: Arc<SoakParams>,
    pub(super) sh: Arc<Shared>,
    pub(super) me: UserId,
    pub(super) rng: StdRng,
    pub(super) pos: Position,
    pub(super) state: DState,
    /// An offer to accept at this instant; `true` if it is a retry.
    pub(super) offer: Option<(TripId, Instant, bool)>,
    pub(super) book: PointBook,
    pub(super) n: u64,
    pub(super) duty_retry: Option<Instant>,
    pub(super) t: Tally,
}

impl Driver {
    pub(super) fn next_ref(&mut self, kind: &str) -> String {
        self.n += 1;
        format!("{kind}{}", self.n)
    }

    pub(super) fn current_pos(&mut self) -> Position {
        if let DState::OnTrip(r) = &self.state {
            self.pos = r.leg.at(r.leg_started.elapsed().as_secs_f64()).0;
        }
        self.pos
    }

    pub(super) fn active_trip(&self) -> Option<TripId> {
        match &self.state {
            DState::OnTrip(r) => Some(r.id),
            _ => None,
        }
    }

    /// Whether `trip.complete` is in flight: the server may have ended the
    /// trip already, and a `location` it reads after that is answered `ok`
    /// but stored nowhere (the driver is no longer driving). So no GPS then.
    fn completing(&self) -> bool {
        matches!(&self.state, DState::OnTrip(r) if r.status == TripStatus::InProgress && r.cmd.is_some())
    }

    /// The ride for `trip` in its current status, timers from now.
    pub(super) fn ride(&mut self, trip: &Trip) -> Ride {
        let now = Instant::now();
        let pos = self.current_pos();
        let (next_at, leg) = match trip.status {
            TripStatus::Accepted => {
                let secs = self.rng.random_range(self.p.timing.to_pickup_secs.clone());
                (
                    now + Duration::from_secs_f64(secs),
                    leg_over(pos, trip.pickup.position(), secs),
                )
            }
            TripStatus::Arrived => (now + self.p.timing.boarding, leg_over(pos, pos, 1.0)),
            _ => {
                let secs = self.rng.random_range(self.p.timing.ride_secs.clone());
                (
                    now + Duration::from_secs_f64(secs),
                    leg_over(pos, trip.dropoff.position(), secs),
                )
            }
        };
        Ride {
            id: trip.id,
            status: trip.status,
            next_at,
            cmd: None,
            leg,
            leg_started: now,
        }
    }

    pub(super) fn note_trip(&self, trip: &Trip) {
        self.sh
            .evidence()
            .trips
            .entry(trip.id)
            .or_insert(trip.rider.id);
    }

    async fn send_point(&mut self, ws: &mut Socket, point: Point) -> Result<(), End> {
        let reference = self.next_ref("g");
        self.book.sent(reference.clone(), point);
        self.sh.live.gps_sent.inc();
        self.t.count("points_sent");
        tx(
            ws,
            &location_frame(crate::movement::point(point.lat, point.lng), Some(point.at))
                .with_ref(reference),
        )
        .await
    }

    /// A new GPS point of the current trip, stamped now.
    pub(super) async fn send_new_point(
        &mut self,
        ws: &mut Socket,
        trip: TripId,
    ) -> Result<(), End> {
        let pos = self.current_pos();
        let point = Point {
            trip,
            at: Utc::now().trunc_subsecs(6),
            lat: pos.lat(),
            lng: pos.lng(),
        };
        self.send_point(ws, point).await
    }

    /// Sends again the points of the active trip that were refused or cut
    /// off; drops those of a trip that is over.
    pub(super) async fn resend_points(&mut self, ws: &mut Socket) -> Result<(), End> {
        let (again, dropped) = self.book.take_resend(self.active_trip());
        self.t.add("points_dropped_trip_over", dropped as u64);
        for point in again {
            self.t.count("points_resent");
            self.send_point(ws, point).await?;
        }
        Ok(())
    }

    async fn gps_tick(&mut self, ws: &mut Socket) -> Result<(), End> {
        if self.completing() {
            self.t.count("gps_ticks_skipped_completing");
            return Ok(());
        }
        match self.active_trip() {
            Some(trip) => {
                self.resend_points(ws).await?;
                self.send_new_point(ws, trip).await
            }
            None => {
                let (_, dropped) = self.book.take_resend(None);
                self.t.add("points_dropped_trip_over", dropped as u64);
                let pos = self.current_pos();
                tx(
                    ws,
                    &ClientFrame {
                        message: location_frame(pos, None),
                        reference: None,
                    },
                )
                .await
            }
        }
    }

    async fn housekeeping(&mut self, ws: &mut Socket) -> Result<(), End> {
        let now = Instant::now();
        if self.duty_retry.is_some_and(|at| now >= at) {
            self.duty_retry = None;
            let r = self.next_ref("on");
            tx(
                ws,
                &ClientMessage::DriverAvailable { available: true }.with_ref(r),
            )
            .await?;
        }
        match &mut self.state {
            DState::Idle => {
                if let Some((trip, at, retried)) = self.offer {
                    if now >= at {
                        self.offer = None;
                        let reference = self.next_ref("acc");
                        self.state = DState::Accepting {
                            trip,
                            reference: reference.clone(),
                            sent: Instant::now(),
                            retried,
                        };
                        tx(
                            ws,
                            &ClientMessage::TripAccept { trip_id: trip }.with_ref(reference),
                        )
                        .await?;
                    }
                }
            }
            DState::Accepting { sent, .. } => {
                if sent.elapsed() > REPLY_TIMEOUT {
                    return Err(End::Resync("accept_unanswered"));
                }
            }
            DState::OnTrip(r) => match &r.cmd {
                Some((_, sent)) if sent.elapsed() > REPLY_TIMEOUT => {
                    return Err(End::Resync("command_unanswered"));
                }
                Some(_) => {}
                None if now >= r.next_at => {
                    let trip_id = r.id;
                    let (kind, msg) = match r.status {
                        TripStatus::Accepted => ("arr", ClientMessage::TripArrive { trip_id }),
                        TripStatus::Arrived => ("sta", ClientMessage::TripStart { trip_id }),
                        _ => ("com", ClientMessage::TripComplete { trip_id }),
                    };
                    self.n += 1;
                    let reference = format!("{kind}{}", self.n);
                    r.cmd = Some((reference.clone(), Instant::now()));
                    tx(ws, &msg.with_ref(reference)).await?;
                }
                None => {}
            },
        }
        Ok(())
    }

    async fn session(&mut self, ws: &mut Socket, trip: Option<Trip>) -> End {
        match self.serve(ws, trip).await {
            Ok(()) => End::Stop,
            Err(end) => end,
        }
    }

    async fn serve(&mut self, ws: &mut Socket, trip: Option<Trip>) -> Result<(), End> {
        self.resume(ws, trip).await?;
        let stop = self.sh.stop.clone();
        let interval = self.p.load.gps_interval;
        let phase = interval.mul_f64(self.rng.random::<f64>());
        let mut gps = tokio::time::interval_at(tokio::time::Instant::now() + phase, interval);
        gps.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut house = tokio::time::interval(Duration::from_millis(100));
        house.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = stop.cancelled() => return Ok(()),
                _ = gps.tick() => self.gps_tick(ws).await?,
                _ = house.tick() => self.housekeeping(ws).await?,
                inc = client::next_incoming(ws) => match inc {
                    Incoming::Closed(code) => return Err(End::Closed(code)),
                    Incoming::Message(m) => self.on_message(ws, *m).await?,
                },
            }
        }
    }

    /// The connection is gone: nothing in flight will be answered.
    fn disconnected(&mut self) {
        self.book.disconnected();
        if let DState::OnTrip(r) = &mut self.state {
            r.cmd = None;
        }
    }
}

async fn run_driver(mut d: Driver, token: String, idx: usize) -> Tally {
    let sh = d.sh.clone();
    let mut link = Reconnect::new(token, idx);
    while let Some((mut ws, trip)) = link.connect(&sh, &mut d.t, &mut d.rng).await {
        let end = d.session(&mut ws, trip).await;
        drop(ws);
        if end == End::Stop {
            break;
        }
        d.disconnected();
        if !link.ended(&sh, &mut d.t, &mut d.rng, end).await {
            break;
        }
    }
    d.t.add("points_unanswered_at_end", d.book.pending() as u64);
    d.t.add("points_unsent_at_end", d.book.waiting() as u64);
    d.t
}

/// Starts driver `idx` at a random point around the centre.
pub(super) fn spawn_driver(
    p: Arc<SoakParams>,
    sh: Arc<Shared>,
    account: &Account,
    idx: usize,
) -> JoinHandle<Tally> {
    let mut rng = StdRng::seed_from_u64(p.load.seed.wrapping_add(idx as u64));
    let centre = p.load.centre();
    let pos = random_point(&mut rng, centre, p.load.radius_m);
    let d = Driver {
        p,
        sh,
        me: account.id,
        rng,
        pos,
        state: DState::Idle,
        offer: None,
        book: PointBook::default(),
        n: 0,
        duty_retry: None,
        t: Tally::default(),
    };
    tokio::spawn(run_driver(d, account.token.clone(), idx))
}
