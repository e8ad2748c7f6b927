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
export type TripUser = { id: UserId, name: string, };

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
seq?: number, };

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
export type ClientMessage = { "type": "location" } & Location | { "type": "driver.available", available: boolean, } | { "type": "trip.request", pickup: Place, dropoff: Place, } | { "type": "trip.accept", trip_id: TripId, } | { "type": "trip.decline", trip_id: TripId, } | { "type": "trip.arrive", trip_id: TripId, } | { "type": "trip.start", trip_id: TripId, } | { "type": "trip.complete", trip_id: TripId, } | { "type": "trip.cancel", trip_id: TripId, reason?: string, };

export type WithdrawReason = "taken" | "cancelled" | "expired";

/**
 * Frames the server sends.
 */
export type ServerMessage = { "type": "hello", user: User, trip: Trip | null, server_time: string, } | { "type": "ok", ref: string, trip?: Trip, } | { "type": "error", ref?: string, code: ErrorCode, message: string, } | { "type": "trip.offer", trip: Trip, distance_m: number, expires_at: string, } | { "type": "trip.offer_withdrawn", trip_id: TripId, reason: WithdrawReason, } | { "type": "trip.updated", trip: Trip, } | { "type": "driver.location", trip_id: TripId, lat: number, lng: number, heading?: number, at: string, };

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

export type UserResponse = { user: User, };

export type TripResponse = { trip: Trip, };

export type TripsResponse = { trips: Array<Trip>, next_before?: string, };

export type TrackPoint = { lat: number, lng: number, at: string, };

export type TrackResponse = { points: Array<TrackPoint>, };

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
node: string, };

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
 * `dispatch_round`, `offer_expiry`, `trip_expiry`, `stale_driver_sweep`,
 * `stranded_trip_sweep`, `gps_writer`.
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
backlog: number, last_error: string | null, };

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
