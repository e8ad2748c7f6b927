//! `soak`: a modest, steady load built for faults rather than peak rates.
//! Nodes are killed and restarted under it (`harness/soak.sh`); every
//! simulated client reconnects to the next node, resumes from `hello.trip`
//! and carries on. Lost sockets, close codes 1001/1012, refused connects and
//! `unavailable` answers are expected here: counted, retried, never a
//! violation. What must hold, checked over HTTP at the end:
//!
//! 1. no lost GPS update: every point answered `ok` is in its trip's track;
//! 2. no double winner: no trip's `trip.accept` was answered `ok` (or shown
//!    as the driver's own trip in `hello`) for two drivers, and every
//!    completed trip was driven by the driver that won it;
//! 3. no stuck trip: every trip a rider created ends `completed`,
//!    `cancelled` or `expired`.

use crate::client::{self, Account, Accounts, Incoming, Node, Socket};
use crate::movement::{random_point, Leg};
use crate::report::{Latency, Report};
use chrono::{DateTime, SubsecRound, Utc};
use hail_protocol::http::{TrackResponse, TripResponse, TripsResponse};
use hail_protocol::ws::ClientFrame;
use hail_protocol::{
    ClientMessage, ErrorCode, Place, Position, Role, ServerMessage, Trip, TripId, TripStatus,
    UserId,
};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;

#[derive(Debug, Clone, serde::Serialize)]
pub struct SoakParams {
    pub urls: Vec<String>,
    pub drivers: usize,
    pub riders: usize,
    #[serde(with = "crate::report::secs")]
    pub gps_interval: Duration,
    /// Trip requests per second, over all riders.
    pub trip_rate: f64,
    /// Seconds of load: riders request trips during this window.
    #[serde(with = "crate::report::secs")]
    pub duration: Duration,
    /// After `duration`, how long riders may take to see their trips end.
    #[serde(with = "crate::report::secs")]
    pub grace: Duration,
    /// After the grace, how long to wait for every known trip to be over.
    #[serde(with = "crate::report::secs")]
    pub settle: Duration,
    pub centre: (f64, f64),
    pub radius_m: f64,
    pub seed: u64,
    pub prefix: String,
    #[serde(skip)]
    pub secret: Option<String>,
    /// Print a progress line every 5 s.
    #[serde(skip)]
    pub progress: bool,
}

/// A driver accepts an offer this long after it arrives (ms).
const ACCEPT_DELAY_MS: std::ops::RangeInclusive<u64> = 100..=800;
/// From accept to `trip.arrive` (s).
const TO_PICKUP_SECS: std::ops::Range<f64> = 3.0..7.0;
/// From `trip.start` to `trip.complete` (s).
const RIDE_SECS: std::ops::Range<f64> = 8.0..12.0;
/// From `arrived` to `trip.start`.
const BOARDING: Duration = Duration::from_millis(500);
/// A command unanswered this long on a live socket: resync through `hello`.
const REPLY_TIMEOUT: Duration = Duration::from_secs(10);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Retry delay after an `unavailable` answer.
const RETRY_AFTER: Duration = Duration::from_millis(500);

// ---------------------------------------------------------------------------
// Pure bookkeeping: GPS acknowledgements and the final checks.

/// One GPS point a driver sent while on a trip. Its identity is its `at`
/// (whole microseconds, what the store keeps).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Point {
    pub trip: TripId,
    pub at: DateTime<Utc>,
    pub lat: f64,
    pub lng: f64,
}

impl Point {
    pub fn key(&self) -> i64 {
        at_key(self.at)
    }
}

/// A point's identity in the track: its `at` in microseconds.
pub fn at_key(at: DateTime<Utc>) -> i64 {
    at.timestamp_micros()
}

/// A driver's GPS points between sending and `ok`. A point is pending
/// until answered on the connection it went out on; refused (`unavailable`)
/// or cut off by a disconnect, it waits to be sent again (same `at`), but
/// only while its trip is still the driver's active trip.
#[derive(Debug, Default)]
pub struct PointBook {
    pending: HashMap<String, (Point, Instant)>,
    resend: Vec<Point>,
}

impl PointBook {
    pub fn sent(&mut self, reference: String, point: Point) {
        self.pending.insert(reference, (point, Instant::now()));
    }

    /// The point `reference` named, now acknowledged, and how long it took.
    pub fn acked(&mut self, reference: &str) -> Option<(Point, Duration)> {
        self.pending
            .remove(reference)
            .map(|(p, sent)| (p, sent.elapsed()))
    }

    /// The point was refused: send it again later. False if unknown.
    pub fn refused(&mut self, reference: &str) -> bool {
        match self.pending.remove(reference) {
            Some((p, _)) => {
                self.resend.push(p);
                true
            }
            None => false,
        }
    }

    /// The connection is gone: no answer will come for what is pending.
    pub fn disconnected(&mut self) {
        let mut left: Vec<(Point, Instant)> = self.pending.drain().map(|(_, v)| v).collect();
        left.sort_by_key(|(p, _)| p.key());
        self.resend.extend(left.into_iter().map(|(p, _)| p));
    }

    /// The points to send again now that `active` is the driver's trip (or
    /// none): those of `active`; the others are dropped (their trip is over,
    /// so they are not needed in its track). Returns (to send, dropped).
    pub fn take_resend(&mut self, active: Option<TripId>) -> (Vec<Point>, usize) {
        let all = std::mem::take(&mut self.resend);
        let before = all.len();
        let keep: Vec<Point> = all.into_iter().filter(|p| Some(p.trip) == active).collect();
        let dropped = before - keep.len();
        (keep, dropped)
    }

    pub fn pending(&self) -> usize {
        self.pending.len()
    }

    pub fn waiting(&self) -> usize {
        self.resend.len()
    }
}

/// What the clients learned that the final checks need. Shared and updated
/// live, so a client that fails to stop loses nothing of it.
#[derive(Debug, Default, Clone)]
pub struct Evidence {
    /// Trip -> `at` keys of every GPS point answered `ok`.
    pub acked: HashMap<TripId, BTreeSet<i64>>,
    /// Trip -> drivers whose `trip.accept` was answered `ok`.
    pub accept_oks: HashMap<TripId, BTreeSet<UserId>>,
    /// Trip -> drivers whose `hello.trip` named it as theirs without their
    /// having read an accept `ok` (the answer was lost with the socket).
    pub adopted: HashMap<TripId, BTreeSet<UserId>>,
    /// Trip -> its rider, for every trip any client saw.
    pub trips: HashMap<TripId, UserId>,
}

/// A trip as read over HTTP at the end.
#[derive(Debug, Clone, PartialEq)]
pub struct FinalTrip {
    pub status: TripStatus,
    pub driver: Option<UserId>,
    /// When it completed, was cancelled or expired (for the diagnosis).
    pub ended_at: Option<DateTime<Utc>>,
}

impl From<&Trip> for FinalTrip {
    fn from(t: &Trip) -> Self {
        Self {
            status: t.status,
            driver: t.driver.as_ref().map(|d| d.id),
            ended_at: t.completed_at.or(t.cancelled_at).or(t.expired_at),
        }
    }
}

/// The three checks. `finals` holds every trip created (or why it could
/// not be read); `tracks` the `at` keys of the track of every trip with an
/// acknowledged point.
pub fn verify(
    e: &Evidence,
    finals: &BTreeMap<TripId, Result<FinalTrip, String>>,
    tracks: &BTreeMap<TripId, Result<BTreeSet<i64>, String>>,
) -> Vec<String> {
    let mut v = Vec::new();
    // 1. Lost GPS updates.
    let mut acked: Vec<_> = e.acked.iter().collect();
    acked.sort_by_key(|(id, _)| **id);
    for (trip, points) in acked {
        match tracks.get(trip) {
            Some(Ok(track)) => {
                let missing: Vec<i64> = points.difference(track).copied().collect();
                if let Some(first) = missing.first() {
                    let at = |k: i64| {
                        DateTime::<Utc>::from_timestamp_micros(k)
                            .map(|t| t.to_rfc3339())
                            .unwrap_or_default()
                    };
                    let ended = match finals.get(trip) {
                        Some(Ok(FinalTrip {
                            status,
                            ended_at: Some(end),
                            ..
                        })) => format!("; trip {} at {}", status.as_str(), end.to_rfc3339()),
                        _ => String::new(),
                    };
                    v.push(format!(
                        "lost GPS: trip {trip}: {} of {} acknowledged points missing from /track (first at {}; track has {}, last at {}{ended})",
                        missing.len(),
                        points.len(),
                        at(*first),
                        track.len(),
                        track.iter().next_back().map(|k| at(*k)).unwrap_or_default(),
                    ));
                }
            }
            Some(Err(why)) => v.push(format!("lost GPS? trip {trip}: track unreadable: {why}")),
            None => v.push(format!("lost GPS? trip {trip}: track not read")),
        }
    }
    // 2. Double winners.
    for (trip, f) in finals {
        let oks = e.accept_oks.get(trip).cloned().unwrap_or_default();
        let adopted = e.adopted.get(trip).cloned().unwrap_or_default();
        let winners: BTreeSet<UserId> = oks.union(&adopted).copied().collect();
        if winners.len() > 1 {
            let list: Vec<String> = winners.iter().map(|d| d.to_string()).collect();
            v.push(format!(
                "double winner: trip {trip}: accept ok / hello to {} drivers ({}; by ok: {})",
                winners.len(),
                list.join(", "),
                oks.len()
            ));
        }
        let Ok(f) = f else { continue };
        match f.driver {
            Some(d) if !winners.is_empty() && !winners.contains(&d) => v.push(format!(
                "double winner: trip {trip} is {} with driver {d}, who never won it",
                f.status.as_str()
            )),
            Some(d) if winners.is_empty() && f.status == TripStatus::Completed => v.push(format!(
                "double winner? trip {trip} completed by driver {d}, and no driver saw an accept ok for it"
            )),
            None if f.status == TripStatus::Completed => {
                v.push(format!("trip {trip} completed without a driver"))
            }
            _ => {}
        }
    }
    // 3. Stuck trips.
    for (trip, f) in finals {
        match f {
            Ok(f) if f.status.is_active() => v.push(format!(
                "stuck trip: trip {trip} is still {} at the end",
                f.status.as_str()
            )),
            Ok(_) => {}
            Err(why) => v.push(format!(
                "stuck trip? trip {trip}: unreadable at the end: {why}"
            )),
        }
    }
    v
}

/// Jittered exponential backoff after `failures` refused connects in a row:
/// 100 ms doubling up to 2 s, times 0.5..1.5.
pub fn backoff(failures: u32, rng: &mut impl Rng) -> Duration {
    let base = 100u64.saturating_mul(1u64 << failures.saturating_sub(1).min(5));
    let ms = base.min(2_000) as f64 * rng.random_range(0.5..1.5);
    Duration::from_millis(ms as u64)
}

/// Why a connection ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum End {
    /// The run is over (or this rider is done).
    Stop,
    /// The socket ended: with the server's close code, or none (lost).
    Closed(Option<u16>),
    /// The harness dropped the connection to resync from `hello`.
    Resync(&'static str),
}

/// How far `attempt` moves after a lost connection (on top of the one step
/// per connect): 0..n-2 at random, so the next node is never the one just
/// lost and the clients of a dead node spread over all the others. (Always
/// one step would pile every client onto one node after two round-robin
/// kills, and every later kill would then hit all of them at once.)
pub fn spread(n: usize, rng: &mut impl Rng) -> usize {
    if n > 2 {
        rng.random_range(0..n - 1)
    } else {
        0
    }
}

/// The counter name for a reconnect after `end`.
pub fn end_reason(end: End) -> String {
    match end {
        End::Stop => "stop".into(),
        End::Closed(None) => "socket_lost".into(),
        End::Closed(Some(code)) => format!("close_{code}"),
        End::Resync(why) => format!("resync_{why}"),
    }
}

// ---------------------------------------------------------------------------
// The simulated clients.

/// Live counters, for the progress line and the report.
#[derive(Default)]
struct Live {
    requested: AtomicU64,
    completed: AtomicU64,
    points_sent: AtomicU64,
    points_acked: AtomicU64,
    reconnects: AtomicU64,
    connect_failures: AtomicU64,
    unavailable: AtomicU64,
}

struct Shared {
    nodes: Vec<Node>,
    live: Live,
    /// No new trip requests.
    stop_requests: AtomicBool,
    /// Everyone stops.
    stop: CancellationToken,
    evidence: Mutex<Evidence>,
    /// Trip -> when the first offer for it reached any driver.
    first_offer: Mutex<HashMap<TripId, DateTime<Utc>>>,
}

impl Shared {
    fn evidence(&self) -> std::sync::MutexGuard<'_, Evidence> {
        self.evidence.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// What one client adds up; merged at the end.
#[derive(Default)]
struct Tally {
    dispatch: Latency,
    accept: Latency,
    gps_e2e: Latency,
    gps_ack: Latency,
    reconnect: Latency,
    counts: BTreeMap<String, u64>,
    errors: BTreeMap<String, u64>,
    request_sent: HashMap<TripId, DateTime<Utc>>,
}

impl Tally {
    fn count(&mut self, name: &str) {
        self.add(name, 1);
    }
    fn add(&mut self, name: &str, n: u64) {
        *self.counts.entry(name.to_string()).or_default() += n;
    }
    fn merge(&mut self, other: Tally) {
        self.dispatch.merge(&other.dispatch);
        self.accept.merge(&other.accept);
        self.gps_e2e.merge(&other.gps_e2e);
        self.gps_ack.merge(&other.gps_ack);
        self.reconnect.merge(&other.reconnect);
        for (k, v) in other.counts {
            *self.counts.entry(k).or_default() += v;
        }
        for (k, v) in other.errors {
            *self.errors.entry(k).or_default() += v;
        }
        self.request_sent.extend(other.request_sent);
    }
}

/// Counts an error frame; true if it was `unavailable`.
fn count_error(sh: &Shared, t: &mut Tally, code: ErrorCode) -> bool {
    *t.errors.entry(code.as_str().to_string()).or_default() += 1;
    if code == ErrorCode::Unavailable {
        sh.live.unavailable.fetch_add(1, Ordering::Relaxed);
        t.count("unavailable_answers");
        true
    } else {
        false
    }
}

async fn tx(ws: &mut Socket, frame: &ClientFrame) -> Result<(), End> {
    match tokio::time::timeout(Duration::from_secs(5), client::send(ws, frame)).await {
        Ok(Ok(())) => Ok(()),
        _ => Err(End::Closed(None)),
    }
}

/// Sleeps, unless the run stops first (then false).
async fn pause(stop: &CancellationToken, d: Duration) -> bool {
    tokio::select! {
        _ = tokio::time::sleep(d) => true,
        _ = stop.cancelled() => false,
    }
}

/// Connects client `idx` to node (idx + attempt) mod n, so a client whose
/// node died moves on to another; each refused connect moves one node on
/// and backs off. `None` once the run stops.
async fn connect_next(
    sh: &Shared,
    token: &str,
    idx: usize,
    attempt: &mut usize,
    t: &mut Tally,
    rng: &mut StdRng,
) -> Option<(Socket, Option<Trip>)> {
    let mut failures = 0u32;
    loop {
        if sh.stop.is_cancelled() {
            return None;
        }
        let node = &sh.nodes[(idx + *attempt) % sh.nodes.len()];
        *attempt += 1;
        let r = tokio::select! {
            r = tokio::time::timeout(CONNECT_TIMEOUT, client::connect(node, token, None)) => r,
            _ = sh.stop.cancelled() => return None,
        };
        match r {
            Ok(Ok((ws, ServerMessage::Hello { trip, .. }))) => return Some((ws, trip)),
            _ => {
                failures += 1;
                t.count("connect_failures");
                sh.live.connect_failures.fetch_add(1, Ordering::Relaxed);
                if !pause(&sh.stop, backoff(failures, rng)).await {
                    return None;
                }
            }
        }
    }
}

fn location_frame(lat: f64, lng: f64, at: Option<DateTime<Utc>>) -> ClientMessage {
    ClientMessage::Location {
        lat,
        lng,
        heading: None,
        speed: None,
        at,
    }
}

fn leg_over(from: Position, to: Position, secs: f64) -> Leg {
    Leg {
        from,
        to,
        speed_mps: (from.distance_m(&to) / secs.max(0.1)).max(1.0),
    }
}

fn is_mine(trip: &Trip, me: UserId) -> bool {
    trip.driver.as_ref().is_some_and(|d| d.id == me)
}

/// A trip being driven, on the driver's own timer.
struct Ride {
    id: TripId,
    status: TripStatus,
    /// When to send the next command (arrive, start or complete).
    next_at: Instant,
    /// The command in flight: its ref and when it went.
    cmd: Option<(String, Instant)>,
    leg: Leg,
    leg_started: Instant,
}

enum DState {
    Idle,
    Accepting {
        trip: TripId,
        reference: String,
        sent: Instant,
        retried: bool,
    },
    OnTrip(Box<Ride>),
}

struct Driver {
    p: Arc<SoakParams>,
    sh: Arc<Shared>,
    me: UserId,
    rng: StdRng,
    pos: Position,
    state: DState,
    /// An offer to accept at this instant; `true` if it is a retry.
    offer: Option<(TripId, Instant, bool)>,
    book: PointBook,
    n: u64,
    duty_retry: Option<Instant>,
    t: Tally,
}

impl Driver {
    fn next_ref(&mut self, kind: &str) -> String {
        self.n += 1;
        format!("{kind}{}", self.n)
    }

    fn current_pos(&mut self) -> Position {
        if let DState::OnTrip(r) = &self.state {
            self.pos = r.leg.at(r.leg_started.elapsed().as_secs_f64()).0;
        }
        self.pos
    }

    fn active_trip(&self) -> Option<TripId> {
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
    fn ride(&mut self, trip: &Trip) -> Ride {
        let now = Instant::now();
        let pos = self.current_pos();
        let (next_at, leg) = match trip.status {
            TripStatus::Accepted => {
                let secs = self.rng.random_range(TO_PICKUP_SECS);
                (
                    now + Duration::from_secs_f64(secs),
                    leg_over(pos, trip.pickup.position(), secs),
                )
            }
            TripStatus::Arrived => (now + BOARDING, leg_over(pos, pos, 1.0)),
            _ => {
                let secs = self.rng.random_range(RIDE_SECS);
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

    fn note_trip(&self, trip: &Trip) {
        self.sh
            .evidence()
            .trips
            .entry(trip.id)
            .or_insert(trip.rider.id);
    }

    async fn send_point(&mut self, ws: &mut Socket, point: Point) -> Result<(), End> {
        let reference = self.next_ref("g");
        self.book.sent(reference.clone(), point);
        self.sh.live.points_sent.fetch_add(1, Ordering::Relaxed);
        self.t.count("points_sent");
        tx(
            ws,
            &location_frame(point.lat, point.lng, Some(point.at)).with_ref(reference),
        )
        .await
    }

    /// A new GPS point of the current trip, stamped now.
    async fn send_new_point(&mut self, ws: &mut Socket, trip: TripId) -> Result<(), End> {
        let pos = self.current_pos();
        let point = Point {
            trip,
            at: Utc::now().trunc_subsecs(6),
            lat: pos.lat,
            lng: pos.lng,
        };
        self.send_point(ws, point).await
    }

    /// Sends again the points of the active trip that were refused or cut
    /// off; drops those of a trip that is over.
    async fn resend_points(&mut self, ws: &mut Socket) -> Result<(), End> {
        let (again, dropped) = self.book.take_resend(self.active_trip());
        self.t.add("points_dropped_trip_over", dropped as u64);
        for point in again {
            self.t.count("points_resent");
            self.send_point(ws, point).await?;
        }
        Ok(())
    }

    /// Right after `hello`: resume from its trip, then position and duty
    /// again (duty is per connection), then the points still owed.
    async fn resume(&mut self, ws: &mut Socket, trip: Option<Trip>) -> Result<(), End> {
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
                tx(ws, &location_frame(pos.lat, pos.lng, None).with_ref(r)).await?;
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
                        message: location_frame(pos.lat, pos.lng, None),
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

    async fn on_message(&mut self, ws: &mut Socket, msg: ServerMessage) -> Result<(), End> {
        match msg {
            ServerMessage::TripOffer { trip, .. } => {
                self.t.count("offers_received");
                self.sh
                    .first_offer
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .entry(trip.id)
                    .or_insert_with(Utc::now);
                if matches!(self.state, DState::Idle) && self.offer.is_none() {
                    let delay = Duration::from_millis(self.rng.random_range(ACCEPT_DELAY_MS));
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
                self.sh.live.points_acked.fetch_add(1, Ordering::Relaxed);
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
                        self.sh.live.completed.fetch_add(1, Ordering::Relaxed);
                    }
                    self.state = DState::Idle;
                }
            }
            _ => {}
        }
        Ok(())
    }

    fn on_error(&mut self, reference: Option<String>, code: ErrorCode) -> Result<(), End> {
        let unavailable = count_error(&self.sh, &mut self.t, code);
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

    async fn session(&mut self, ws: &mut Socket, trip: Option<Trip>) -> End {
        match self.serve(ws, trip).await {
            Ok(()) => End::Stop,
            Err(end) => end,
        }
    }

    async fn serve(&mut self, ws: &mut Socket, trip: Option<Trip>) -> Result<(), End> {
        self.resume(ws, trip).await?;
        let stop = self.sh.stop.clone();
        let interval = self.p.gps_interval;
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
    let mut attempt = 0usize;
    let mut lost: Option<Instant> = None;
    while let Some((mut ws, trip)) =
        connect_next(&sh, &token, idx, &mut attempt, &mut d.t, &mut d.rng).await
    {
        if let Some(at) = lost.take() {
            d.t.reconnect.record(at.elapsed());
        }
        let end = d.session(&mut ws, trip).await;
        drop(ws);
        if end == End::Stop {
            break;
        }
        d.t.count(&format!("reconnects_{}", end_reason(end)));
        sh.live.reconnects.fetch_add(1, Ordering::Relaxed);
        lost = Some(Instant::now());
        attempt += spread(sh.nodes.len(), &mut d.rng);
        d.disconnected();
        let jitter = Duration::from_millis(d.rng.random_range(20..250));
        if !pause(&sh.stop, jitter).await {
            break;
        }
    }
    d.t.add("points_unanswered_at_end", d.book.pending() as u64);
    d.t.add("points_unsent_at_end", d.book.waiting() as u64);
    d.t
}

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
        let mean = self.p.riders as f64 / self.p.trip_rate.max(1e-6);
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
                self.sh.live.requested.fetch_add(1, Ordering::Relaxed);
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
        let centre = Position {
            lat: self.p.centre.0,
            lng: self.p.centre.1,
        };
        let pickup = random_point(&mut self.rng, centre, self.p.radius_m * 0.8);
        let dropoff = random_point(&mut self.rng, pickup, 1_500.0);
        self.n += 1;
        let reference = format!("q{}", self.n);
        let msg = ClientMessage::TripRequest {
            pickup: Place {
                lat: pickup.lat,
                lng: pickup.lng,
                address: None,
            },
            dropoff: Place {
                lat: dropoff.lat,
                lng: dropoff.lng,
                address: None,
            },
        };
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
                self.sh.live.requested.fetch_add(1, Ordering::Relaxed);
                self.riding(&trip);
            }
            ServerMessage::Error {
                reference: Some(reference),
                code,
                ..
            } if matches!(&self.state, RState::Requesting { reference: r, .. } if *r == reference) =>
            {
                let unavailable = count_error(&self.sh, &mut self.t, code);
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
                count_error(&self.sh, &mut self.t, code);
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
                    self.t.gps_e2e.record_ms_f64(
                        (Utc::now() - at).num_microseconds().unwrap_or(0) as f64 / 1000.0,
                    );
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
    let mut attempt = 0usize;
    let mut lost: Option<Instant> = None;
    while !r.done() {
        let Some((mut ws, trip)) =
            connect_next(&sh, &token, idx, &mut attempt, &mut r.t, &mut r.rng).await
        else {
            break;
        };
        if let Some(at) = lost.take() {
            r.t.reconnect.record(at.elapsed());
        }
        let end = r.session(&mut ws, trip).await;
        drop(ws);
        if end == End::Stop {
            break;
        }
        r.t.count(&format!("reconnects_{}", end_reason(end)));
        sh.live.reconnects.fetch_add(1, Ordering::Relaxed);
        lost = Some(Instant::now());
        attempt += spread(sh.nodes.len(), &mut r.rng);
        let jitter = Duration::from_millis(r.rng.random_range(20..250));
        if !pause(&sh.stop, jitter).await {
            break;
        }
    }
    r.t
}

// ---------------------------------------------------------------------------
// HTTP, with retries over the nodes (one may be down while we ask).

struct Http {
    client: reqwest::Client,
    nodes: Vec<Node>,
}

impl Http {
    async fn get<T: serde::de::DeserializeOwned>(
        &self,
        path: &str,
        token: &str,
    ) -> Result<T, String> {
        let mut last = String::new();
        for attempt in 0..40 {
            let node = &self.nodes[attempt % self.nodes.len()];
            let res = self
                .client
                .get(format!("{}{path}", node.base))
                .bearer_auth(token)
                .timeout(Duration::from_secs(5))
                .send()
                .await;
            match res {
                Ok(res) if res.status().is_success() => {
                    return res.json::<T>().await.map_err(|e| format!("{path}: {e}"))
                }
                Ok(res) if res.status().as_u16() == 404 => {
                    return Err(format!("{path}: 404 not_found"))
                }
                Ok(res) => last = format!("{} from {}", res.status(), node.base),
                Err(e) => last = format!("{}: {e}", node.base),
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
        Err(format!("{path}: no answer in 40 attempts (last: {last})"))
    }

    /// Every trip `token`'s rider took part in.
    async fn list(&self, token: &str) -> Result<Vec<Trip>, String> {
        let mut out = Vec::new();
        let mut before: Option<String> = None;
        loop {
            let path = match &before {
                Some(b) => format!("/api/trips?limit=100&before={b}"),
                None => "/api/trips?limit=100".to_string(),
            };
            let page: TripsResponse = self.get(&path, token).await?;
            out.extend(page.trips);
            match page.next_before {
                Some(b) => before = Some(b),
                None => return Ok(out),
            }
        }
    }
}

/// Every trip any rider created: what the clients saw plus each rider's
/// own list (which also finds a trip whose creation no client learned of).
async fn all_trips(
    http: &Http,
    sh: &Shared,
    riders: &[Account],
    listed_only: &mut u64,
) -> BTreeMap<TripId, UserId> {
    let mut ids: BTreeMap<TripId, UserId> =
        sh.evidence().trips.iter().map(|(k, v)| (*k, *v)).collect();
    *listed_only = 0;
    for r in riders {
        match http.list(&r.token).await {
            Ok(trips) => {
                for t in trips {
                    if ids.insert(t.id, t.rider.id).is_none() {
                        *listed_only += 1;
                    }
                }
            }
            Err(e) => eprintln!("soak: listing {}'s trips failed: {e}", r.username),
        }
    }
    ids
}

async fn read_finals(
    http: &Http,
    ids: &BTreeMap<TripId, UserId>,
    tokens: &HashMap<UserId, String>,
) -> BTreeMap<TripId, Result<FinalTrip, String>> {
    let mut out = BTreeMap::new();
    for (id, rider) in ids {
        let r = match tokens.get(rider) {
            Some(token) => http
                .get::<TripResponse>(&format!("/api/trips/{id}"), token)
                .await
                .map(|r| FinalTrip::from(&r.trip)),
            None => Err(format!("rider {rider} is not one of this run's accounts")),
        };
        out.insert(*id, r);
    }
    out
}

/// Creates accounts one node after another until one answers (a node may
/// be down while the run starts).
async fn create_accounts(
    accounts: &Accounts,
    nodes: &[Node],
    role: Role,
    prefix: &str,
    n: usize,
) -> anyhow::Result<Vec<Account>> {
    let mut out = Vec::with_capacity(n);
    for chunk_start in (0..n).step_by(16) {
        let batch = futures_util::future::join_all((chunk_start..n.min(chunk_start + 16)).map(
            |i| async move {
                let name = format!("{prefix}-{}-{i}", role.as_str());
                let mut last = None;
                for attempt in 0..20 {
                    let node = &nodes[(i + attempt) % nodes.len()];
                    match accounts.create(node, role, name.clone()).await {
                        Ok(a) => return Ok(a),
                        Err(e) => last = Some(e),
                    }
                    tokio::time::sleep(Duration::from_millis(500)).await;
                }
                Err(anyhow::anyhow!(
                    "account {name}: {}",
                    last.map(|e| e.to_string()).unwrap_or_default()
                ))
            },
        ))
        .await;
        for a in batch {
            out.push(a?);
        }
    }
    Ok(out)
}

pub async fn run(p: SoakParams) -> anyhow::Result<Report> {
    let mut report = Report::new("soak", serde_json::to_value(&p)?);
    let mut nodes = Vec::new();
    for u in &p.urls {
        nodes.push(Node::parse(u).await?);
    }
    anyhow::ensure!(!nodes.is_empty(), "no --url given");
    let accounts = Accounts::new(p.secret.clone());
    let drivers = create_accounts(&accounts, &nodes, Role::Driver, &p.prefix, p.drivers).await?;
    let riders = create_accounts(&accounts, &nodes, Role::Rider, &p.prefix, p.riders).await?;
    let tokens: HashMap<UserId, String> = drivers
        .iter()
        .chain(&riders)
        .map(|a| (a.id, a.token.clone()))
        .collect();
    let p = Arc::new(p);
    let sh = Arc::new(Shared {
        nodes: nodes.clone(),
        live: Live::default(),
        stop_requests: AtomicBool::new(false),
        stop: CancellationToken::new(),
        evidence: Mutex::new(Evidence::default()),
        first_offer: Mutex::new(HashMap::new()),
    });
    let centre = Position {
        lat: p.centre.0,
        lng: p.centre.1,
    };
    let started = Instant::now();
    let mut driver_tasks = Vec::new();
    for (i, a) in drivers.iter().enumerate() {
        let mut rng = StdRng::seed_from_u64(p.seed.wrapping_add(i as u64));
        let pos = random_point(&mut rng, centre, p.radius_m);
        let d = Driver {
            p: p.clone(),
            sh: sh.clone(),
            me: a.id,
            rng,
            pos,
            state: DState::Idle,
            offer: None,
            book: PointBook::default(),
            n: 0,
            duty_retry: None,
            t: Tally::default(),
        };
        driver_tasks.push(tokio::spawn(run_driver(d, a.token.clone(), i)));
    }
    let mut rider_tasks = Vec::new();
    for (i, a) in riders.iter().enumerate() {
        let mut rng = StdRng::seed_from_u64(p.seed.wrapping_add(1_000_000 + i as u64));
        // The first request after a random share of the mean gap.
        let mean = p.riders as f64 / p.trip_rate.max(1e-6);
        let first = Duration::from_secs_f64(rng.random::<f64>() * mean.min(3600.0));
        let r = Rider {
            p: p.clone(),
            sh: sh.clone(),
            me: a.id,
            rng,
            state: RState::Idle {
                next_at: Instant::now() + first,
            },
            n: 0,
            t: Tally::default(),
        };
        rider_tasks.push(tokio::spawn(run_rider(r, a.token.clone(), i)));
    }

    let progress = |phase: &str| {
        if !p.progress {
            return;
        }
        let l = &sh.live;
        eprintln!(
            "soak {:>5.0}s {phase:<6} trips {:>5} requested {:>5} completed  points {:>6} sent {:>6} acked  reconnects {:>4}  connect failures {:>4}  unavailable {:>4}",
            started.elapsed().as_secs_f64(),
            l.requested.load(Ordering::Relaxed),
            l.completed.load(Ordering::Relaxed),
            l.points_sent.load(Ordering::Relaxed),
            l.points_acked.load(Ordering::Relaxed),
            l.reconnects.load(Ordering::Relaxed),
            l.connect_failures.load(Ordering::Relaxed),
            l.unavailable.load(Ordering::Relaxed),
        );
    };
    let mut next_progress = Instant::now() + Duration::from_secs(5);
    while started.elapsed() < p.duration {
        tokio::time::sleep(Duration::from_millis(250)).await;
        if Instant::now() >= next_progress {
            progress("load");
            next_progress += Duration::from_secs(5);
        }
    }
    let measured = started.elapsed();
    let points_in_window = sh.live.points_sent.load(Ordering::Relaxed);
    sh.stop_requests.store(true, Ordering::Relaxed);

    // Grace: riders follow their trips to the end, then stop.
    let grace_end = Instant::now() + p.grace;
    let mut tally = Tally::default();
    let mut unfinished = Vec::new();
    for mut task in rider_tasks {
        loop {
            let left = grace_end.saturating_duration_since(Instant::now());
            match tokio::time::timeout(left.min(Duration::from_secs(5)), &mut task).await {
                Ok(Ok(t)) => {
                    tally.merge(t);
                    break;
                }
                Ok(Err(e)) => {
                    report.violation(format!("a rider task failed: {e}"));
                    break;
                }
                Err(_) if left > Duration::from_secs(5) => progress("grace"),
                Err(_) => {
                    unfinished.push(task);
                    break;
                }
            }
        }
    }

    // Settle: every known trip over (drivers still drive; nodes may still die).
    let http = Http {
        client: reqwest::Client::new(),
        nodes: nodes.clone(),
    };
    let settle_end = Instant::now() + p.settle;
    let mut over: BTreeSet<TripId> = BTreeSet::new();
    let mut listed_only = 0u64;
    loop {
        let ids = all_trips(&http, &sh, &riders, &mut listed_only).await;
        let mut open = 0usize;
        for (id, rider) in &ids {
            if over.contains(id) {
                continue;
            }
            let Some(token) = tokens.get(rider) else {
                continue;
            };
            match http
                .get::<TripResponse>(&format!("/api/trips/{id}"), token)
                .await
            {
                Ok(r) if !r.trip.status.is_active() => {
                    over.insert(*id);
                }
                _ => open += 1,
            }
        }
        if open == 0 || Instant::now() >= settle_end {
            if p.progress {
                eprintln!(
                    "soak: {} trips known, {open} not over after {:.0} s of settling",
                    ids.len(),
                    (p.settle
                        .saturating_sub(settle_end.saturating_duration_since(Instant::now())))
                    .as_secs_f64()
                );
            }
            break;
        }
        progress("settle");
        tokio::time::sleep(Duration::from_secs(2)).await;
    }

    sh.stop.cancel();
    for task in unfinished.into_iter().chain(driver_tasks) {
        match tokio::time::timeout(Duration::from_secs(10), task).await {
            Ok(Ok(t)) => tally.merge(t),
            Ok(Err(e)) => report.violation(format!("a client task failed: {e}")),
            Err(_) => report.violation("a simulated client did not stop within 10 s"),
        }
    }

    // The final read, over HTTP.
    let ids = all_trips(&http, &sh, &riders, &mut listed_only).await;
    let finals = read_finals(&http, &ids, &tokens).await;
    let evidence = sh.evidence().clone();
    let mut tracks: BTreeMap<TripId, Result<BTreeSet<i64>, String>> = BTreeMap::new();
    for trip in evidence.acked.keys() {
        let r = match ids.get(trip).and_then(|rider| tokens.get(rider)) {
            Some(token) => http
                .get::<TrackResponse>(&format!("/api/trips/{trip}/track"), token)
                .await
                .map(|t| t.points.iter().map(|p| at_key(p.at)).collect()),
            None => Err("no rider known for this trip".into()),
        };
        tracks.insert(*trip, r);
    }
    let violations = verify(&evidence, &finals, &tracks);

    // Dispatch latency: request sent -> first offer at any driver.
    let first_offer = sh
        .first_offer
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .clone();
    for (trip, sent) in &tally.request_sent {
        if let Some(offered) = first_offer.get(trip) {
            tally
                .dispatch
                .record_ms_f64((*offered - *sent).num_microseconds().unwrap_or(0) as f64 / 1000.0);
        }
    }
    report.add_latency("dispatch", &tally.dispatch);
    report.add_latency("accept", &tally.accept);
    report.add_latency("gps_end_to_end", &tally.gps_e2e);
    report.add_latency("gps_ack", &tally.gps_ack);
    report.add_latency("reconnect", &tally.reconnect);
    let reconnects: BTreeMap<String, u64> = tally
        .counts
        .iter()
        .filter_map(|(k, v)| k.strip_prefix("reconnects_").map(|r| (r.to_string(), *v)))
        .collect();
    report.counts = tally.counts;
    let mut by_status: BTreeMap<&str, u64> = BTreeMap::new();
    for f in finals.values().flatten() {
        *by_status.entry(f.status.as_str()).or_default() += 1;
    }
    report
        .counts
        .insert("trips_created".into(), finals.len() as u64);
    for status in TripStatus::ALL {
        report.counts.insert(
            format!("trips_{}", status.as_str()),
            by_status.get(status.as_str()).copied().unwrap_or(0),
        );
    }
    report
        .counts
        .insert("trips_found_only_by_listing".into(), listed_only);
    let acked: u64 = evidence.acked.values().map(|s| s.len() as u64).sum();
    let track_points: u64 = tracks.values().flatten().map(|s| s.len() as u64).sum();
    report.counts.insert("points_acked".into(), acked);
    report
        .counts
        .insert("points_in_checked_tracks".into(), track_points);
    report.counts.insert(
        "trips_with_acked_points".into(),
        evidence.acked.len() as u64,
    );
    report.counts.insert(
        "double_winner_checks".into(),
        finals
            .values()
            .flatten()
            .filter(|f| f.driver.is_some())
            .count() as u64,
    );
    report
        .counts
        .insert("reconnects".into(), reconnects.values().sum::<u64>());
    report.counts.insert("nodes".into(), nodes.len() as u64);
    report.counts.insert("drivers".into(), p.drivers as u64);
    report.counts.insert("riders".into(), p.riders as u64);
    report.errors = tally.errors;
    report.extra = serde_json::json!({
        "reconnects_by_reason": reconnects,
        "checks": {
            "lost_gps": violations.iter().filter(|v| v.starts_with("lost GPS")).count(),
            "double_winner": violations.iter().filter(|v| v.starts_with("double winner")).count(),
            "stuck_trip": violations.iter().filter(|v| v.starts_with("stuck trip")).count(),
        },
    });
    for v in violations {
        report.violation(v);
    }
    report.finish(measured);
    report.throughput.insert(
        "gps_points_sent".into(),
        points_in_window as f64 / measured.as_secs_f64(),
    );
    let completed = report.counts.get("trips_completed").copied().unwrap_or(0);
    report.throughput.insert(
        "trips_completed".into(),
        completed as f64 / measured.as_secs_f64(),
    );
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn point(trip: TripId, micros: i64) -> Point {
        Point {
            trip,
            at: DateTime::<Utc>::from_timestamp_micros(micros).expect("valid time"),
            lat: 52.5,
            lng: 13.4,
        }
    }

    #[test]
    fn acked_points_leave_the_book() {
        let trip = TripId::new();
        let mut b = PointBook::default();
        b.sent("g1".into(), point(trip, 1));
        b.sent("g2".into(), point(trip, 2));
        let (p, _) = b.acked("g1").expect("pending");
        assert_eq!(p.key(), 1);
        assert!(b.acked("g1").is_none(), "answered once");
        assert_eq!(b.pending(), 1);
    }

    #[test]
    fn refused_and_cut_off_points_are_sent_again_only_for_the_active_trip() {
        let (a, old) = (TripId::new(), TripId::new());
        let mut b = PointBook::default();
        b.sent("g1".into(), point(old, 1));
        b.sent("g2".into(), point(a, 3));
        b.sent("g3".into(), point(a, 2));
        b.sent("g4".into(), point(a, 4));
        assert!(b.refused("g4"));
        assert!(!b.refused("nope"));
        b.disconnected();
        assert_eq!(b.pending(), 0);
        let (again, dropped) = b.take_resend(Some(a));
        assert_eq!(dropped, 1, "the point of the trip that is over");
        let mut keys: Vec<i64> = again.iter().map(Point::key).collect();
        keys.sort();
        assert_eq!(keys, vec![2, 3, 4], "same `at` as first sent");
        assert_eq!(b.take_resend(Some(a)), (vec![], 0));
    }

    #[test]
    fn no_active_trip_drops_everything_owed() {
        let mut b = PointBook::default();
        b.sent("g1".into(), point(TripId::new(), 1));
        b.disconnected();
        let (again, dropped) = b.take_resend(None);
        assert!(again.is_empty());
        assert_eq!(dropped, 1);
    }

    #[test]
    fn at_keys_are_whole_microseconds() {
        let at = Utc::now().trunc_subsecs(6);
        let back = DateTime::<Utc>::from_timestamp_micros(at_key(at)).expect("valid");
        assert_eq!(at, back);
    }

    fn finals(
        entries: &[(TripId, TripStatus, Option<UserId>)],
    ) -> BTreeMap<TripId, Result<FinalTrip, String>> {
        entries
            .iter()
            .map(|(id, status, driver)| {
                (
                    *id,
                    Ok(FinalTrip {
                        status: *status,
                        driver: *driver,
                        ended_at: None,
                    }),
                )
            })
            .collect()
    }

    #[test]
    fn a_clean_run_has_no_violation() {
        let (trip, driver) = (TripId::new(), UserId::new());
        let mut e = Evidence::default();
        e.acked.entry(trip).or_default().extend([1, 2, 3]);
        e.accept_oks.entry(trip).or_default().insert(driver);
        let f = finals(&[(trip, TripStatus::Completed, Some(driver))]);
        // Duplicates and extra points in the track are fine.
        let tracks = BTreeMap::from([(trip, Ok(BTreeSet::from([0, 1, 2, 3, 4])))]);
        assert!(verify(&e, &f, &tracks).is_empty());
    }

    #[test]
    fn a_missing_acknowledged_point_is_lost_gps() {
        let (trip, driver) = (TripId::new(), UserId::new());
        let mut e = Evidence::default();
        e.acked.entry(trip).or_default().extend([1, 2, 3]);
        e.accept_oks.entry(trip).or_default().insert(driver);
        let f = finals(&[(trip, TripStatus::Completed, Some(driver))]);
        let tracks = BTreeMap::from([(trip, Ok(BTreeSet::from([1, 3])))]);
        let v = verify(&e, &f, &tracks);
        assert_eq!(v.len(), 1, "{v:?}");
        assert!(
            v[0].starts_with("lost GPS") && v[0].contains("1 of 3"),
            "{v:?}"
        );
        let unread = BTreeMap::from([(trip, Err("timeout".to_string()))]);
        assert!(verify(&e, &f, &unread)[0].starts_with("lost GPS?"));
    }

    #[test]
    fn two_winners_are_caught_by_ok_or_by_hello() {
        let (trip, a, b) = (TripId::new(), UserId::new(), UserId::new());
        let f = finals(&[(trip, TripStatus::Completed, Some(a))]);
        let mut e = Evidence::default();
        e.accept_oks.entry(trip).or_default().extend([a, b]);
        let v = verify(&e, &f, &BTreeMap::new());
        assert!(v.iter().any(|v| v.starts_with("double winner")), "{v:?}");

        let mut e = Evidence::default();
        e.accept_oks.entry(trip).or_default().insert(a);
        e.adopted.entry(trip).or_default().insert(b);
        assert!(!verify(&e, &f, &BTreeMap::new()).is_empty());

        // The same driver by ok and by hello is one winner.
        let mut e = Evidence::default();
        e.accept_oks.entry(trip).or_default().insert(a);
        e.adopted.entry(trip).or_default().insert(a);
        assert!(verify(&e, &f, &BTreeMap::new()).is_empty());
    }

    #[test]
    fn a_trip_completed_by_someone_else_than_the_winner_is_caught() {
        let (trip, a, b) = (TripId::new(), UserId::new(), UserId::new());
        let mut e = Evidence::default();
        e.accept_oks.entry(trip).or_default().insert(a);
        let f = finals(&[(trip, TripStatus::Completed, Some(b))]);
        let v = verify(&e, &f, &BTreeMap::new());
        assert_eq!(v.len(), 1, "{v:?}");
        assert!(v[0].contains("never won it"));
        // Completed, and nobody saw it won.
        let v = verify(&Evidence::default(), &f, &BTreeMap::new());
        assert_eq!(v.len(), 1, "{v:?}");
    }

    #[test]
    fn a_trip_not_over_at_the_end_is_stuck() {
        let (t1, t2, t3, t4) = (TripId::new(), TripId::new(), TripId::new(), TripId::new());
        let mut f = finals(&[
            (t1, TripStatus::Expired, None),
            (t2, TripStatus::Cancelled, None),
            (t3, TripStatus::Requested, None),
        ]);
        f.insert(t4, Err("503".into()));
        let v = verify(&Evidence::default(), &f, &BTreeMap::new());
        assert_eq!(v.len(), 2, "{v:?}");
        assert!(v
            .iter()
            .any(|v| v.contains(&t3.to_string()) && v.contains("requested")));
        assert!(v.iter().any(|v| v.contains(&t4.to_string())));
    }

    #[test]
    fn backoff_grows_and_is_capped() {
        let mut rng = StdRng::seed_from_u64(1);
        for failures in 1..20 {
            let d = backoff(failures, &mut rng);
            assert!(d <= Duration::from_millis(3_000), "{failures}: {d:?}");
            assert!(d >= Duration::from_millis(50), "{failures}: {d:?}");
        }
        let first = backoff(1, &mut rng);
        assert!(first <= Duration::from_millis(150));
    }

    #[test]
    fn after_a_lost_node_the_next_is_another_and_all_others_are_used() {
        let mut rng = StdRng::seed_from_u64(3);
        let n = 3;
        let mut seen = BTreeSet::new();
        for _ in 0..100 {
            // Lost node 0 (attempt 0 used); connect_next adds the one step.
            let next = (1 + spread(n, &mut rng)) % n;
            assert_ne!(next, 0);
            seen.insert(next);
        }
        assert_eq!(seen, BTreeSet::from([1, 2]));
        assert_eq!(spread(1, &mut rng), 0);
        assert_eq!(spread(2, &mut rng), 0);
    }

    #[test]
    fn reconnect_reasons_name_the_close_code() {
        assert_eq!(end_reason(End::Closed(Some(1012))), "close_1012");
        assert_eq!(end_reason(End::Closed(Some(1001))), "close_1001");
        assert_eq!(end_reason(End::Closed(None)), "socket_lost");
        assert_eq!(end_reason(End::Resync("x")), "resync_x");
    }
}
