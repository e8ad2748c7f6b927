// GENERATED from protocol/src/*.rs (ts-rs) by `make ts-types (cargo test -p hail-protocol --features ts --test ts_bindings)`.
// Do not edit: change the Rust types and regenerate; `make ts-check`
// (part of `make test`) fails when this file is out of date.

// ---- ids.rs ----

/**
 * A user (rider, driver or admin).
 */
export type UserId = string;

/**
 * A trip.
 */
export type TripId = string;

// ---- geo.rs ----

/**
 * A WGS84 point. Construct with [`Position::new`]; deserialising runs the
 * same check, so an out-of-range coordinate never gets past the edge.
 */
export type Position = { lat: number, lng: number, };

/**
 * A position plus an optional human label.
 */
export type Place = { lat: number, lng: number, address?: string, };

// ---- model.rs ----

export type Role = "rider" | "driver" | "admin";

export type User = { id: UserId, username: string, role: Role, name: string, };

export type TripStatus = "requested" | "accepted" | "arrived" | "in_progress" | "completed" | "cancelled" | "expired";

export type CancelledBy = "rider" | "driver" | "system";

/**
 * `{id, name}`: what the other side of a trip may know of a person.
 */
export type TripUser = { id: UserId, name: string, 
/**
 * Additive: the ratings this person received (none yet: absent).
 */
rating?: RatingSummary, 
/**
 * Additive, drivers only: the vehicle that comes.
 */
vehicle?: Vehicle, };

export type Trip = { id: TripId, status: TripStatus, rider: TripUser, driver: TripUser | null, pickup: Place, dropoff: Place, requested_at: string, accepted_at?: string, arrived_at?: string, started_at?: string, completed_at?: string, cancelled_at?: string, cancelled_by?: CancelledBy, 
/**
 * Additive: when the trip became `expired`.
 */
expired_at?: string, 
/**
 * Additive: the trip's version, 1 when requested and one more with
 * each status change. Every `trip.updated` carries the trip's `seq`, so
 * a client keeps the highest it has seen and ignores any older or
 * duplicate update (0: a server that does not number trips).
 */
seq?: number, 
/**
 * Additive: the vehicle class the trip was requested for.
 */
class?: string, 
/**
 * Additive: the quote the trip was requested with.
 */
quote_id?: string, 
/**
 * Additive: the estimate locked at the request (quote or not).
 */
estimate?: FareBreakdown, 
/**
 * Additive: the final fare, priced from the recorded track at
 * completion.
 */
fare?: FareBreakdown, 
/**
 * Additive: why it was cancelled, when the canceller said.
 */
cancel_reason?: CancelReason, 
/**
 * Additive: what a late cancellation by the rider cost.
 */
cancel_fee?: Money, };

// ---- error.rs ----

export type ErrorCode = "unauthorized" | "forbidden" | "not_found" | "invalid" | "conflict" | "trip_taken" | "rate_limited" | "too_large" | "unavailable" | "internal";

export type ErrorDetail = { code: ErrorCode, message: string, };

/**
 * `{"error": {"code", "message"}}`, the body of every HTTP error.
 */
export type ErrorBody = { error: ErrorDetail, };

// ---- ws.rs ----

/**
 * A driver's GPS point, checked when parsed: a `Location` in hand has a
 * valid position and finite heading and speed.
 */
export type Location = { lat: number, lng: number, heading?: number, speed?: number, 
/**
 * When the device took the point; the server may replace it (see
 * docs/protocol.md).
 */
at?: string, };

/**
 * A client command with its fields. Serialises to the wire form, so the
 * harness and tests build frames from it.
 */
export type ClientMessage = { "type": "location" } & Location | { "type": "driver.available", available: boolean, } | { "type": "trip.request", pickup: Place, dropoff: Place, 
/**
 * Additive: the vehicle class (default `standard`, or the quote's).
 */
class?: string, 
/**
 * Additive: locks the trip's estimate and surge to this quote.
 */
quote_id?: string, } | { "type": "trip.accept", trip_id: TripId, } | { "type": "trip.decline", trip_id: TripId, } | { "type": "trip.arrive", trip_id: TripId, } | { "type": "trip.start", trip_id: TripId, } | { "type": "trip.complete", trip_id: TripId, } | { "type": "trip.cancel", trip_id: TripId, 
/**
 * Free text (at most 500 characters); required with `code: other`.
 */
reason?: string, 
/**
 * Additive: one of the role's fixed reasons.
 */
code?: CancelReason, };

export type WithdrawReason = "taken" | "cancelled" | "expired";

/**
 * Where a live ETA counts down to.
 */
export type EtaTarget = "pickup" | "dropoff";

/**
 * Frames the server sends.
 */
export type ServerMessage = { "type": "hello", user: User, trip: Trip | null, server_time: string, } | { "type": "ok", ref: string, trip?: Trip, } | { "type": "error", ref?: string, code: ErrorCode, message: string, } | { "type": "trip.offer", trip: Trip, distance_m: number, expires_at: string, 
/**
 * Additive: seconds to reach the pickup from where the driver is.
 */
pickup_eta_s?: number, } | { "type": "trip.offer_withdrawn", trip_id: TripId, reason: WithdrawReason, } | { "type": "trip.updated", trip: Trip, } | { "type": "driver.location", trip_id: TripId, lat: number, lng: number, heading?: number, at: string, 
/**
 * Additive: seconds until the driver reaches the pickup (trip
 * `accepted`) or the dropoff (`in_progress`); see `eta_to`.
 */
eta_s?: number, eta_to?: EtaTarget, };

// ---- http.rs ----

export type SignupRequest = { username: string, password: string, role: Role, name?: string, };

export type LoginRequest = { username: string, password: string, };

export type RefreshRequest = { refresh_token: string, };

/**
 * The answer to log-in and refresh.
 */
export type TokenResponse = { access_token: string, refresh_token: string, token_type: string, 
/**
 * Seconds until the access token expires.
 */
expires_in: number, user: User, };

export type UserResponse = { user: User, 
/**
 * Additive: the ratings this user received.
 */
rating?: RatingSummary, 
/**
 * Additive, drivers: the registered vehicle.
 */
vehicle?: Vehicle, };

export type TripResponse = { trip: Trip, };

export type TripsResponse = { trips: Array<Trip>, next_before?: string, };

export type TrackPoint = { lat: number, lng: number, at: string, };

export type TrackResponse = { points: Array<TrackPoint>, };

// ---- ride.rs ----

/**
 * An amount of money: `amount` minor units of `currency` (ISO 4217).
 */
export type Money = { amount: number, currency: string, };

/**
 * How a price was made, line by line (all minor units of `currency`):
 * `total = base + distance + time + surge + minimum_adjustment + booking_fee`.
 */
export type FareBreakdown = { currency: string, base: number, distance: number, time: number, 
/**
 * What the surge multiplier added to base + distance + time.
 */
surge: number, 
/**
 * Raises the fare to the class's minimum (0 when above it).
 */
minimum_adjustment: number, booking_fee: number, total: number, 
/**
 * The distance and duration priced (estimated, or from the track).
 */
distance_m: number, duration_s: number, 
/**
 * The surge multiplier in basis points: 10000 = 1.0x, 12500 = 1.25x.
 */
surge_bp: number, };

/**
 * A class's price rule, as `GET /api/fares` lists it.
 */
export type FareClass = { class: string, currency: string, base: number, per_km: number, per_minute: number, minimum: number, booking_fee: number, };

/**
 * `GET /api/fares`: every class, and the cancellation fee rule.
 */
export type FaresResponse = { classes: Array<FareClass>, 
/**
 * A rider who cancels more than `cancel_grace_s` after a driver was
 * assigned pays `cancel_fee` (0: never).
 */
cancel_grace_s: number, cancel_fee: Money, 
/**
 * Additive: how a final fare's distance is measured from the GPS
 * track, so anyone holding a trip's track can recompute its fare.
 */
track?: TrackRules, };

/**
 * The rules that clean a recorded GPS line before it is charged
 * (docs/pricing.md, "Final fare"): a step shorter than `jitter_m` from
 * the last counted fix waits; a step faster than `max_speed_kmh` is a bad
 * fix; more than `gap_s` without a fix is bridged by the great-circle
 * distance times `road_factor`.
 */
export type TrackRules = { jitter_m: number, max_speed_kmh: number, gap_s: number, road_factor: number, 
/**
 * Dropped fixes in a row after which the last counted fix is taken to
 * have been the bad one and the line restarts.
 */
max_rejected: number, };

/**
 * A driver's vehicle. `class` says which trips it is offered.
 */
export type Vehicle = { make: string, model: string, colour: string, plate: string, class: string, seats: number, };

/**
 * `GET`/`PUT /api/me/vehicle`.
 */
export type VehicleResponse = { vehicle: Vehicle, };

/**
 * The ratings a person received: the mean of their stars (one decimal)
 * and how many.
 */
export type RatingSummary = { average: number, count: number, };

/**
 * `POST /api/trips/{id}/rating`.
 */
export type RatingRequest = { stars: number, comment?: string, };

/**
 * One rating of a trip, by its rider (of the driver) or by its driver
 * (of the rider).
 */
export type Rating = { trip_id: TripId, by: Role, stars: number, comment?: string, at: string, };

export type RatingResponse = { rating: Rating, };

/**
 * Why a trip was cancelled: a fixed list per role (`other` asks for a
 * note). Riders: `changed_plans`, `driver_too_far`, `wait_too_long`,
 * `wrong_pickup`, `other`; drivers: `rider_no_show`, `rider_asked`,
 * `unsafe_pickup`, `vehicle_issue`, `other`.
 */
export type CancelReason = "changed_plans" | "driver_too_far" | "wait_too_long" | "wrong_pickup" | "rider_no_show" | "rider_asked" | "unsafe_pickup" | "vehicle_issue" | "other";

/**
 * `POST /api/quotes`: a price before the request. Without `class`, one
 * quote per class comes back.
 */
export type QuoteRequest = { pickup: Place, dropoff: Place, class?: string, };

/**
 * A priced offer to ride, valid until `expires_at`; `trip.request` with
 * its `quote_id` locks the trip's estimate and surge to it.
 */
export type Quote = { quote_id: string, class: string, pickup: Place, dropoff: Place, 
/**
 * The estimate: distance and duration, and the fare they price to.
 */
fare: FareBreakdown, 
/**
 * Available drivers of this class near the pickup (0: say so up front).
 */
drivers_nearby: number, 
/**
 * Seconds for the nearest of them to reach the pickup.
 */
pickup_eta_s?: number, expires_at: string, };

export type QuotesResponse = { quotes: Array<Quote>, };

/**
 * `GET /api/trips/{id}/receipt`: what a finished trip cost and why.
 */
export type Receipt = { trip_id: TripId, status: TripStatus, class: string, rider: TripUser, driver: TripUser | null, pickup: Place, dropoff: Place, requested_at: string, started_at?: string, completed_at?: string, 
/**
 * The quoted estimate the trip was locked to.
 */
estimate?: FareBreakdown, 
/**
 * The final fare, from the recorded track (completed trips).
 */
fare?: FareBreakdown, 
/**
 * What a late cancellation cost the rider.
 */
cancel_fee?: Money, 
/**
 * The ratings given on this trip so far.
 */
ratings: Array<Rating>, };

// ---- monitor.rs ----

/**
 * Open connections, by the role of who holds them.
 */
export type RoleCounts = { rider: number, driver: number, admin: number, };

/**
 * `down`: no heartbeat within the window (`heartbeat_window_secs`).
 */
export type NodeStatus = "up" | "down";

/**
 * One node as its last heartbeat described it.
 */
export type NodeOverview = { id: string, 
/**
 * Where it listens (`HAIL_BIND` as bound).
 */
address: string, status: NodeStatus, started_at: string, last_seen: string, uptime_secs: number, connections: RoleCounts, messages_in_per_sec: number, messages_out_per_sec: number, 
/**
 * Frames dropped because a client's outbox was full (it is then
 * disconnected), since the node started.
 */
outbox_drops: number, };

/**
 * Sums over the nodes that are up.
 */
export type Totals = { nodes_up: number, nodes_down: number, connections: RoleCounts, messages_in_per_sec: number, messages_out_per_sec: number, outbox_drops: number, };

/**
 * Trips in each status, all time.
 */
export type TripCounts = { requested: number, accepted: number, arrived: number, in_progress: number, completed: number, cancelled: number, expired: number, };

export type DriverCounts = { 
/**
 * Driver connections on the nodes that are up.
 */
online: number, 
/**
 * Drivers in the geo index: on duty, with a fresh position, no trip.
 */
available: number, };

/**
 * `GET /api/monitor/overview`.
 */
export type Overview = { at: string, 
/**
 * A node silent for longer than this shows as `down`.
 */
heartbeat_window_secs: number, 
/**
 * How often nodes announce themselves (and the stream ticks).
 */
heartbeat_ms: number, nodes: Array<NodeOverview>, totals: Totals, trips: TripCounts, drivers: DriverCounts, };

/**
 * How a dispatch ended, like a task's state in Flower.
 */
export type DispatchOutcome = "searching" | "accepted" | "expired" | "cancelled";

/**
 * One trip's dispatch (`GET /api/monitor/dispatches`).
 */
export type Dispatch = { trip_id: TripId, status: TripStatus, outcome: DispatchOutcome, requested_at: string, 
/**
 * Search rounds run, including those that found nobody.
 */
rounds: number, 
/**
 * The widest circle searched; `None` before the first round.
 */
radius_m: number | null, 
/**
 * Drivers the trip was offered to.
 */
offered: number, declined: number, 
/**
 * Request to accept, when a driver accepted.
 */
time_to_accept_ms: number | null, 
/**
 * The node that took the request.
 */
node: string, 
/**
 * Additive (issue 13): the class requested.
 */
class?: string, 
/**
 * Additive: who cancelled, and the reason they gave.
 */
cancelled_by?: CancelledBy, cancel_reason?: CancelReason, 
/**
 * Additive: the final fare of a completed trip, or a cancellation fee.
 */
charged?: Money, };

export type DispatchesResponse = { dispatches: Array<Dispatch>, };

/**
 * One entry of a dispatch's timeline, oldest first.
 */
export type TimelineEvent = { "kind": "status", at: string, from?: TripStatus, to: TripStatus, node: string, } | { "kind": "round", at: string, round: number, radius_m: number, found: number, node: string, } | { "kind": "offered", at: string, driver_id: UserId, driver_name: string, round: number, distance_m: number, } | { "kind": "offer_ended", at: string, driver_id: UserId, driver_name: string, outcome: string, };

/**
 * `GET /api/monitor/dispatches/{trip_id}`.
 */
export type DispatchDetail = { dispatch: Dispatch, timeline: Array<TimelineEvent>, };

/**
 * One background task on one node (`GET /api/monitor/tasks`).
 */
export type TaskStats = { node: string, 
/**
 * `dispatch_round`, `offer_expiry`, `trip_expiry`, `dispatch_takeover`,
 * `dispatch_lease`, `stale_driver_sweep`, `stranded_trip_sweep`,
 * `gps_writer`, `surge_board`, `quote_prune`, `rollup`,
 * `gps_partitions`.
 */
name: string, runs: number, failures: number, last_run_at: string | null, 
/**
 * How long the last run took.
 */
last_duration_ms: number | null, 
/**
 * Mean run time since the node started.
 */
mean_duration_ms: number | null, 
/**
 * Work waiting (queued GPS points, live dispatchers).
 */
backlog: number, last_error: string | null, 
/**
 * *(issue 15)* How often the task runs, for a periodic one (absent:
 * it runs on events, as `dispatch_round` and `gps_writer` do).
 */
interval_ms?: number, 
/**
 * *(issue 15)* How the last run ended (absent: it never ran).
 */
state?: TaskState, 
/**
 * *(issue 15)* When a periodic task runs next: its last run plus its
 * interval.
 */
next_run_at?: string, 
/**
 * *(issue 15)* The last runs, newest first (at most 10).
 */
recent?: Array<TaskRun>, };

/**
 * How one run of a task ended, like a task's state in Flower.
 */
export type TaskState = "ok" | "failed";

/**
 * One finished run of a background task.
 */
export type TaskRun = { at: string, state: TaskState, duration_ms: number, error?: string, };

export type TasksResponse = { tasks: Array<TaskStats>, };

/**
 * An available driver where the geo index has it.
 */
export type MapDriver = { driver_id: UserId, lat: number, lng: number, };

/**
 * The latest persisted GPS point of a trip's driver.
 */
export type MapPoint = { lat: number, lng: number, at: string, };

/**
 * A trip that is not over, where it goes and where its driver is.
 */
export type MapTrip = { trip_id: TripId, status: TripStatus, pickup: Position, dropoff: Position, 
/**
 * `None` until the driver's first point on this trip is written.
 */
driver: MapPoint | null, };

/**
 * `GET /api/monitor/map`: available drivers and active trips (each list
 * capped; freshest first).
 */
export type MonitorMap = { drivers: Array<MapDriver>, trips: Array<MapTrip>, };

/**
 * One H3 cell of the surge board.
 */
export type SurgeCell = { 
/**
 * The H3 index, as hex text.
 */
cell: string, 
/**
 * The cell's centre.
 */
lat: number, lng: number, 
/**
 * Available drivers in the cell.
 */
supply: number, 
/**
 * Trips requested from the cell within the demand window.
 */
demand: number, 
/**
 * 10000 = 1.0x.
 */
surge_bp: number, };

/**
 * `GET /api/monitor/surge`: the surge board every node prices from.
 */
export type SurgeResponse = { 
/**
 * H3 resolution of the cells.
 */
resolution: number, 
/**
 * When the board was computed (absent: not yet).
 */
computed_at?: string, 
/**
 * The node that computed it.
 */
computed_by?: string, 
/**
 * Seconds of requests counted as demand.
 */
demand_window_s: number, 
/**
 * Only cells with supply or demand; surging ones first.
 */
cells: Array<SurgeCell>, };

// ---- operator.rs ----

/**
 * What a monitor user may do: `viewer` reads, `operator` also acts.
 */
export type MonitorRole = "viewer" | "operator";

/**
 * `GET /api/monitor/me`: the admin behind the token and their role, so
 * the monitor shows action buttons to operators only.
 */
export type MonitorMe = { id: UserId, username: string, role: MonitorRole, };

/**
 * What an operator did.
 */
export type ActionKind = "cancel_trip" | "redispatch" | "disconnect" | "suspend" | "unsuspend" | "drain_node";

/**
 * How an action ended: `done` (it changed something), `unchanged` (it
 * was already so: actions are idempotent) or `refused` (e.g. the trip is
 * over; `detail` says why).
 */
export type ActionResult = "done" | "unchanged" | "refused";

/**
 * One audit log entry: who did what to which target, when, and how it
 * ended. `target` is a trip id, a user id or a node id (by `action`).
 */
export type AuditEntry = { 
/**
 * Increasing; the page cursor (`before`).
 */
id: number, at: string, actor_id: UserId, actor_username: string, action: ActionKind, target: string, result: ActionResult, 
/**
 * A short human-readable note (e.g. why it was refused).
 */
detail?: string, };

/**
 * The answer to every action: its audit entry.
 */
export type ActionResponse = { entry: AuditEntry, };

/**
 * `GET /api/monitor/audit?target=&before=&limit=`: newest first;
 * `next_before` is the cursor of the next page (absent on the last).
 */
export type AuditResponse = { entries: Array<AuditEntry>, next_before?: number, };

// ---- history.rs ----

/**
 * The ranges `GET /api/monitor/history?range=` accepts.
 */
export type HistoryRange = "1h" | "24h" | "7d";

/**
 * Dispatch latency (request to accept) percentiles, in milliseconds.
 */
export type Latency = { p50_ms: number, p90_ms: number, p99_ms: number, 
/**
 * How many accepted dispatches the figures are over.
 */
samples: number, };

/**
 * One node's open connections (all roles) at the end of a bucket.
 */
export type NodeConnections = { node: string, connections: number, };

/**
 * One bucket of the history, summed over the nodes.
 */
export type HistoryPoint = { 
/**
 * The bucket's start.
 */
at: string, 
/**
 * Trips that reached each status within the bucket.
 */
trips: TripCounts, 
/**
 * `None` when no dispatch was accepted within the bucket.
 */
dispatch_latency: Latency | null, 
/**
 * GPS points written within the bucket.
 */
gps_points: number, 
/**
 * Per node, the most connections it reported within the bucket.
 */
connections: Array<NodeConnections>, };

/**
 * `GET /api/monitor/history?range=1h|24h|7d`: the buckets that have
 * data, oldest first.
 */
export type HistoryResponse = { range: HistoryRange, bucket_secs: number, from: string, to: string, points: Array<HistoryPoint>, };

/**
 * `GET /api/monitor/trips?q=&sort=newest|oldest&cursor=&limit=`: a page of
 * the trips the query matches.
 */
export type TripSearchResponse = { trips: Array<Trip>, 
/**
 * Pass as `cursor` for the next page; `null` on the last page.
 */
next_cursor: TripId | null, };

/**
 * `GET /api/monitor/trips/{trip_id}`: the trip (fare and estimate in it),
 * its dispatch with the whole timeline, and its ratings.
 */
export type TripDetailResponse = { trip: Trip, dispatch: DispatchDetail | null, ratings: Array<Rating>, 
/**
 * Additive: what operators did to this trip, newest first.
 */
audit: Array<AuditEntry>, };

/**
 * `GET /api/monitor/users/{user_id}`: the user, their rating, their
 * newest trips (as rider or driver; page on with `/api/monitor/trips`) and
 * the ratings given on those trips, both ways.
 */
export type UserPageResponse = { user: User, rating: RatingSummary | null, trips: Array<Trip>, next_cursor: TripId | null, 
/**
 * Oldest first within each trip, trips newest first.
 */
ratings: Array<Rating>, 
/**
 * Additive: whether the account is suspended now.
 */
suspended: boolean, 
/**
 * Additive: what operators did to this user (suspensions, lifts,
 * disconnects), newest first.
 */
audit: Array<AuditEntry>, };

/**
 * `GET /api/monitor/nodes/{node_id}`: the node as its heartbeat shows
 * it, its background tasks, and the newest trips it took.
 */
export type NodePageResponse = { node: NodeOverview, tasks: Array<TaskStats>, trips: Array<Trip>, };
