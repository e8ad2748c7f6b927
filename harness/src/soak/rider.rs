//! The simulated soak rider: requests trips at exponential gaps, follows
//! each to its end, and reconnects to the next node when its connection
//! ends, resuming from `hello.trip` (a request whose answer was lost shows
//! there).

use super::connection::{tx, End, Reconnect};
use super::params::{SoakParams, REPLY_TIMEOUT};
use super::shared::Shared;
use crate::client::{self, Account, Incoming, Socket};
use crate::movement::random_trip_request;
use crate::tally::Tally;
use chrono::{DateTime, Utc};
use hail_protocol::{ErrorCode, ServerMessage, Trip, TripId, UserId};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::task::JoinHandle;

enum RState {
    Idle {
        next_at: Instant,
    },
    Requesting {
        reference: String,
        sent: Instant,
        wall: DateTime<Utc>,
    },
    Riding {
        trip: TripId,
    },
}

struct Rider {
    p: Arc<SoakParams>,
    sh: Arc<Shared>,
    me: UserId,
    rng: StdRng,
    state: RState,
    n: u64,
    t: Tally,
}

impl Rider {
    /// The next request after an exponential gap: `trip_rate` over all riders.
    fn after_gap(&mut self) -> RState {
        let mean = self.p.load.riders as f64 / self.p.load.trip_rate.max(1e-6);
        let gap = -mean * (1.0 - self.rng.random::<f64>()).ln();
        RState::Idle {
            next_at: Instant::now() + Duration::from_secs_f64(gap.min(3600.0)),
        }
    }

    fn retry_soon() -> RState {
        RState::Idle {
            next_at: Instant::now() + Duration::from_secs(1),
        }
    }

    fn done(&self) -> bool {
        matches!(self.state, RState::Idle { .. }) && self.sh.stop_requests.load(Ordering::Relaxed)
    }

    fn riding(&mut self, trip: &Trip) {
        self.sh.evidence().trips.insert(trip.id, self.me);
        self.state = RState::Riding { trip: trip.id };
    }

    fn resume(&mut self, trip: Option<Trip>) {
        match (trip, &self.state) {
            (Some(trip), RState::Requesting { wall, .. }) => {
                // The request went through; its answer was lost.
                self.t.count("requests_answered_by_hello");
                self.t.count("trips_requested");
                self.sh.live.requested.inc();
                self.t.request_sent.insert(trip.id, *wall);
                self.riding(&trip);
            }
            (Some(trip), RState::Riding { trip: known }) if *known == trip.id => {}
            (Some(trip), _) => {
                self.t.count("trips_found_in_hello");
                self.riding(&trip);
            }
            (None, RState::Requesting { .. }) => {
                self.t.count("requests_lost_with_socket");
                self.state = Self::retry_soon();
            }
            (None, RState::Riding { .. }) => {
                self.t.count("trips_ended_while_away");
                self.state = self.after_gap();
            }
            (None, RState::Idle { .. }) => {}
        }
    }

    async fn housekeeping(&mut self, ws: &mut Socket) -> Result<(), End> {
        match &self.state {
            RState::Idle { next_at } => {
                if self.sh.stop_requests.load(Ordering::Relaxed) {
                    return Err(End::Stop);
                }
                if Instant::now() >= *next_at {
                    self.request(ws).await?;
                }
            }
            RState::Requesting { sent, .. } if sent.elapsed() > REPLY_TIMEOUT => {
                return Err(End::Resync("request_unanswered"));
            }
            _ => {}
        }
        Ok(())
    }

    async fn request(&mut self, ws: &mut Socket) -> Result<(), End> {
        let centre = self.p.load.centre();
        self.n += 1;
        let reference = format!("q{}", self.n);
        let msg = random_trip_request(&mut self.rng, centre, self.p.load.radius_m);
        self.state = RState::Requesting {
            reference: reference.clone(),
            sent: Instant::now(),
            wall: Utc::now(),
        };
        self.t.count("requests_sent");
        tx(ws, &msg.with_ref(reference)).await
    }

    fn on_message(&mut self, msg: ServerMessage) -> Result<(), End> {
        match msg {
            ServerMessage::Ok {
                reference,
                trip: Some(trip),
            } if matches!(&self.state, RState::Requesting { reference: r, .. } if *r == reference) =>
            {
                if let RState::Requesting { wall, .. } = self.state {
                    self.t.request_sent.insert(trip.id, wall);
                }
                self.t.count("trips_requested");
                self.sh.live.requested.inc();
                self.riding(&trip);
            }
            ServerMessage::Error {
                reference: Some(reference),
                code,
                ..
            } if matches!(&self.state, RState::Requesting { reference: r, .. } if *r == reference) =>
            {
                let unavailable = self.sh.count_error(&mut self.t, code);
                if unavailable {
                    self.t.count("requests_refused_unavailable");
                    self.state = Self::retry_soon();
                } else if code == ErrorCode::Conflict {
                    // The server holds an active trip we do not know: `hello` has it.
                    self.t.count("requests_refused_conflict");
                    self.state = Self::retry_soon();
                    return Err(End::Resync("request_conflict"));
                } else {
                    self.t.count(&format!("requests_refused_{}", code.as_str()));
                    self.state = self.after_gap();
                }
            }
            ServerMessage::Error { code, .. } => {
                self.sh.count_error(&mut self.t, code);
            }
            ServerMessage::TripUpdated { trip }
                if matches!(self.state, RState::Riding { trip: id } if id == trip.id)
                    && !trip.status.is_active() =>
            {
                self.t
                    .count(&format!("trips_{}_seen_by_rider", trip.status.as_str()));
                self.state = self.after_gap();
            }
            ServerMessage::DriverLocation { trip_id, at, .. } => {
                if matches!(self.state, RState::Riding { trip } if trip == trip_id) {
                    self.t.count("gps_forwarded");
                    self.t.gps_received(at);
                }
            }
            _ => {}
        }
        Ok(())
    }

    async fn session(&mut self, ws: &mut Socket, trip: Option<Trip>) -> End {
        self.resume(trip);
        let stop = self.sh.stop.clone();
        let mut house = tokio::time::interval(Duration::from_millis(100));
        house.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            let step = tokio::select! {
                _ = stop.cancelled() => Err(End::Stop),
                _ = house.tick() => self.housekeeping(ws).await,
                inc = client::next_incoming(ws) => match inc {
                    Incoming::Closed(code) => Err(End::Closed(code)),
                    Incoming::Message(m) => self.on_message(*m),
                },
            };
            if let Err(end) = step {
                return end;
            }
        }
    }
}

async fn run_rider(mut r: Rider, token: String, idx: usize) -> Tally {
    let sh = r.sh.clone();
    let mut link = Reconnect::new(token, idx);
    while !r.done() {
        let Some((mut ws, trip)) = link.connect(&sh, &mut r.t, &mut r.rng).await else {
            break;
        };
        let end = r.session(&mut ws, trip).await;
        drop(ws);
        if end == End::Stop || !link.ended(&sh, &mut r.t, &mut r.rng, end).await {
            break;
        }
    }
    r.t
}

/// Starts rider `idx`; its first request comes after a random share of the
/// mean gap.
pub(super) fn spawn_rider(
    p: Arc<SoakParams>,
    sh: Arc<Shared>,
    account: &Account,
    idx: usize,
) -> JoinHandle<Tally> {
    let mut rng = StdRng::seed_from_u64(p.load.seed.wrapping_add(1_000_000 + idx as u64));
    let mean = p.load.riders as f64 / p.load.trip_rate.max(1e-6);
    let first = Duration::from_secs_f64(rng.random::<f64>() * mean.min(3600.0));
    let r = Rider {
        p,
        sh,
        me: account.id,
        rng,
        state: RState::Idle {
            next_at: Instant::now() + first,
        },
        n: 0,
        t: Tally::default(),
    };
    tokio::spawn(run_rider(r, account.token.clone(), idx))
}
